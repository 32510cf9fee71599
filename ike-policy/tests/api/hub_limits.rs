//! The IOS lines an Internet-facing hub is limited with (issue 10):
//! Aggressive Mode only where configured, `aaa local authentication
//! attempts max-fail`, and what a Quick Mode peer may claim.

use ike_policy::model::*;
use ike_policy::resolver::{
    AggressiveModeRule, ClaimRefusal, PeerIdentity, aggressive_mode_allowed, aggressive_mode_rule,
    proxy_claim_allowed,
};
use ike_policy::{IosPolicy, parse};
use ike_proto::policy::{Identity, Policy, Selectors, TrafficSelector};

use crate::{HUB, hub, ip};

const AM_PEERS: &str = "\
crypto isakmp peer address 203.0.113.5
 set aggressive-mode password s3cret
crypto isakmp peer address 203.0.113.6
 set aggressive-mode client-endpoint fqdn branch6.example.com
crypto isakmp peer address 203.0.113.7
 set aggressive-mode client-endpoint user-fqdn ops@example.com
 set aggressive-mode password k7
crypto isakmp peer address 203.0.113.8
 set aggressive-mode client-endpoint ipv4-address 10.8.8.8
crypto isakmp peer hostname branch9.example.com
 set aggressive-mode password k9
crypto isakmp peer address 203.0.113.10
 description no aggressive-mode settings
aaa local authentication attempts max-fail 5
";

#[test]
fn aggressive_mode_and_max_fail_lines_parse_into_the_model() {
    let c = parse(&format!("{HUB}\n{AM_PEERS}")).unwrap();
    assert!(!c.isakmp_aggressive_mode_disable);
    assert_eq!(c.aaa_local_max_fail, Some(5));
    assert_eq!(c.isakmp_peers.len(), 6);
    let p5 = &c.isakmp_peers[0];
    assert_eq!(p5.peer, IsakmpPeerId::Address(ip("203.0.113.5")));
    assert_eq!(
        p5.aggressive_mode_password
            .as_ref()
            .map(|k| k.expose().to_vec()),
        Some(b"s3cret".to_vec())
    );
    assert_eq!(p5.aggressive_mode_client_endpoint, None);
    assert_eq!(
        c.isakmp_peers[1].aggressive_mode_client_endpoint,
        Some(ClientEndpoint::Fqdn("branch6.example.com".into()))
    );
    assert_eq!(
        c.isakmp_peers[2].aggressive_mode_client_endpoint,
        Some(ClientEndpoint::UserFqdn("ops@example.com".into()))
    );
    assert_eq!(
        c.isakmp_peers[3].aggressive_mode_client_endpoint,
        Some(ClientEndpoint::Ipv4(ip("10.8.8.8")))
    );
    assert_eq!(
        c.isakmp_peers[4].peer,
        IsakmpPeerId::Hostname("branch9.example.com".into())
    );
    assert!(!c.isakmp_peers[5].aggressive_mode());

    // The line the parser refused before, and its `no` form.
    let off = parse(&format!("{HUB}\ncrypto isakmp aggressive-mode disable\n")).unwrap();
    assert!(off.isakmp_aggressive_mode_disable);
    let on = parse(&format!(
        "{HUB}\ncrypto isakmp aggressive-mode disable\nno crypto isakmp aggressive-mode disable\n"
    ))
    .unwrap();
    assert!(!on.isakmp_aggressive_mode_disable);
    // Typos are errors, not ignored lines.
    for bad in [
        "crypto isakmp aggressive-mode enable",
        "crypto isakmp peer address 203.0.113.300",
        "crypto isakmp peer address 203.0.113.5\n set aggressive-mode client-endpoint dn x",
        "aaa local authentication attempts max-fail 0",
    ] {
        assert!(parse(&format!("{HUB}\n{bad}\n")).is_err(), "{bad}");
    }
}

#[test]
fn aggressive_mode_is_answered_only_for_client_groups_and_configured_peers() {
    let c = parse(&format!("{HUB}\n{AM_PEERS}")).unwrap();
    let off = parse(&format!(
        "{HUB}\n{AM_PEERS}\ncrypto isakmp aggressive-mode disable\n"
    ))
    .unwrap();
    let key_id = |s: &str| PeerIdentity::KeyId(s.into());
    let fqdn = |s: &str| PeerIdentity::Fqdn(s.into());
    let table: Vec<(&str, Option<PeerIdentity>, bool)> = vec![
        // The seed's VPN Client group (it has a key): from anywhere.
        ("198.51.100.100", Some(key_id("testgroup")), true),
        // A group the hub does not have.
        ("198.51.100.100", Some(key_id("othergroup")), false),
        // The wildcard key's spokes use Main Mode: no Aggressive Mode for
        // ID_IPV4_ADDR or ID_FQDN from anywhere (the offline-guessing attack).
        (
            "198.51.100.2",
            Some(PeerIdentity::Ipv4(ip("198.51.100.2"))),
            false,
        ),
        ("198.51.100.2", Some(fqdn("spoke.example.com")), false),
        ("198.51.100.2", None, false),
        // Peer 203.0.113.5: password only, any identity from that address.
        (
            "203.0.113.5",
            Some(PeerIdentity::Ipv4(ip("203.0.113.5"))),
            true,
        ),
        ("203.0.113.5", None, true),
        (
            "203.0.113.55",
            Some(PeerIdentity::Ipv4(ip("203.0.113.5"))),
            false,
        ),
        // Peer .6: only its client-endpoint, case as DNS has it.
        ("203.0.113.6", Some(fqdn("BRANCH6.example.com")), true),
        ("203.0.113.6", Some(fqdn("branch66.example.com")), false),
        (
            "203.0.113.6",
            Some(PeerIdentity::Ipv4(ip("203.0.113.6"))),
            false,
        ),
        (
            "203.0.113.7",
            Some(PeerIdentity::UserFqdn("ops@example.com".into())),
            true,
        ),
        ("203.0.113.7", Some(fqdn("ops@example.com")), false),
        (
            "203.0.113.8",
            Some(PeerIdentity::Ipv4(ip("10.8.8.8"))),
            true,
        ),
        (
            "203.0.113.8",
            Some(PeerIdentity::Ipv4(ip("203.0.113.8"))),
            false,
        ),
        // A hostname block: its FQDN from anywhere.
        ("192.0.2.77", Some(fqdn("branch9.example.com")), true),
        // A block without aggressive-mode settings configures nothing.
        ("203.0.113.10", None, false),
    ];
    for (peer, id, want) in &table {
        assert_eq!(
            aggressive_mode_allowed(&c, ip(peer), id.as_ref()),
            *want,
            "{peer} {id:?}"
        );
        // `crypto isakmp aggressive-mode disable` turns all of it off.
        assert_eq!(
            aggressive_mode_rule(&off, ip(peer), id.as_ref()),
            AggressiveModeRule::Disabled
        );
    }
    // The seed's hub as written: testgroup only.
    let seed = hub();
    assert_eq!(
        aggressive_mode_rule(&seed, ip("198.51.100.100"), Some(&key_id("testgroup"))),
        AggressiveModeRule::ClientGroup("testgroup")
    );
    assert!(!aggressive_mode_allowed(
        &seed,
        ip("198.51.100.2"),
        Some(&PeerIdentity::Ipv4(ip("198.51.100.2")))
    ));

    // Through IosPolicy, and the peer's aggressive-mode password is the
    // key of its Aggressive Mode (not the wildcard `cisco123`).
    let p = IosPolicy::new(std::sync::Arc::new(c));
    let local = ip("10.48.67.181");
    assert!(p.aggressive_mode_allowed(
        local,
        ip("203.0.113.5"),
        &Identity::Ipv4(ip("203.0.113.5"))
    ));
    assert!(!p.aggressive_mode_allowed(
        local,
        ip("198.51.100.2"),
        &Identity::Ipv4(ip("198.51.100.2"))
    ));
    assert!(p.aggressive_mode_allowed(
        local,
        ip("198.51.100.9"),
        &Identity::KeyId(b"testgroup".to_vec())
    ));
    let key = p
        .preshared_key_for_identity(local, ip("203.0.113.5"), &Identity::Ipv4(ip("203.0.113.5")))
        .unwrap();
    assert_eq!(key.as_bytes(), b"s3cret");
    let key = p
        .preshared_key_for_identity(
            local,
            ip("198.51.100.2"),
            &Identity::Ipv4(ip("198.51.100.2")),
        )
        .unwrap();
    assert_eq!(key.as_bytes(), b"cisco123");
}

#[test]
fn a_peer_may_not_claim_pool_addresses_or_our_networks_without_an_acl() {
    let seed = hub();
    let dynamic = &seed.dynamic_map("dynmap").unwrap().entries[1];
    assert!(dynamic.match_address.is_none());
    let any = TrafficSelector::subnet_mask(ip("0.0.0.0"), ip("0.0.0.0")).unwrap();
    let pair = |remote: TrafficSelector| Selectors { local: any, remote };
    let sub = |a: &str, m: &str| TrafficSelector::subnet_mask(ip(a), ip(m)).unwrap();
    let table: Vec<(TrafficSelector, Option<&str>, Result<(), ClaimRefusal>)> = vec![
        // A spoke's LAN: free.
        (sub("10.2.0.0", "255.255.0.0"), None, Ok(())),
        // The client's own Mode Config address, and only that.
        (
            TrafficSelector::host(ip("10.5.5.1")),
            Some("10.5.5.1"),
            Ok(()),
        ),
        (
            TrafficSelector::host(ip("10.5.5.1")),
            None,
            Err(ClaimRefusal::LocalPool),
        ),
        (
            TrafficSelector::host(ip("10.5.5.1")),
            Some("10.5.5.2"),
            Err(ClaimRefusal::LocalPool),
        ),
        (
            sub("10.5.5.0", "255.255.255.0"),
            Some("10.5.5.1"),
            Err(ClaimRefusal::LocalPool),
        ),
        (
            TrafficSelector::range(ip("10.5.5.250"), ip("10.5.6.3")).unwrap(),
            None,
            Err(ClaimRefusal::LocalPool),
        ),
        // Everything covers the pool; our inside LAN and outside subnet.
        (any, None, Err(ClaimRefusal::LocalPool)),
        (
            sub("10.1.0.0", "255.255.0.0"),
            None,
            Err(ClaimRefusal::OwnNetwork),
        ),
        (
            TrafficSelector::host(ip("10.48.67.170")),
            None,
            Err(ClaimRefusal::OwnNetwork),
        ),
        (TrafficSelector::host(ip("10.48.67.200")), None, Ok(())),
    ];
    for (remote, assigned, want) in table {
        assert_eq!(
            proxy_claim_allowed(&seed, dynamic, &pair(remote), assigned.map(ip)),
            want,
            "{remote:?} {assigned:?}"
        );
    }
    // An entry whose `match address` ACL names our LAN may hand it out.
    let mut with_acl = dynamic.clone();
    with_acl.match_address = Some("150".into());
    assert_eq!(
        proxy_claim_allowed(
            &seed,
            &with_acl,
            &pair(sub("10.1.0.0", "255.255.254.0")),
            None
        ),
        Ok(())
    );
}
