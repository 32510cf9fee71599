//! `IosPolicy`: ike-proto's policy trait answered with Cisco's rules over
//! the seed's configurations, table-driven.

use std::net::Ipv4Addr;
use std::sync::Arc;

use ike_policy::IosPolicy;
use ike_proto::policy::{
    AuthMethod, DhGroup, EspCipher, Identity, Lifetime, ModeConfig, Phase1Cipher, Phase1Proposal,
    Phase2Proposal, Phase2Refusal, Phase2Request, Policy, Profile, Selectors, TrafficSelector,
};

use crate::{hub, ip, spoke};

const HUB_ADDR: &str = "10.48.67.181";
const SPOKE_ADDR: &str = "10.100.2.102";

fn hub_policy() -> IosPolicy {
    IosPolicy::new(Arc::new(hub()))
}

fn spoke_policy() -> IosPolicy {
    IosPolicy::new(Arc::new(spoke()))
}

fn net(a: &str, len: u8) -> TrafficSelector {
    TrafficSelector::subnet(ip(a), len)
}

fn host(a: &str) -> TrafficSelector {
    TrafficSelector::host(ip(a))
}

#[test]
fn keys_by_address_default_keyring_then_named_then_wildcard() {
    // (policy, peer, expected key)
    let table: [(IosPolicy, &str, Option<&[u8]>); 4] = [
        (hub_policy(), SPOKE_ADDR, Some(b"cisco123")),
        (hub_policy(), "198.51.100.77", Some(b"cisco123")),
        (spoke_policy(), HUB_ADDR, Some(b"cisco123")),
        (spoke_policy(), "10.48.67.182", None),
    ];
    for (policy, peer, expected) in table {
        let got = policy.preshared_key_for_address(Ipv4Addr::UNSPECIFIED, ip(peer));
        assert_eq!(got.as_ref().map(|k| k.as_bytes()), expected, "peer {peer}");
    }
}

#[test]
fn most_specific_key_wins_across_keyrings() {
    let c = ike_policy::parse(
        "crypto isakmp key default-wild address 0.0.0.0 0.0.0.0\n\
         crypto keyring a\n pre-shared-key address 10.2.0.0 255.255.0.0 key a-16\n\
         crypto keyring b\n pre-shared-key address 10.2.3.0 255.255.255.0 key b-24\n\
         crypto isakmp policy 1\n authentication pre-share\n",
    )
    .unwrap();
    let p = IosPolicy::new(Arc::new(c));
    let table: [(&str, &[u8]); 3] = [
        ("10.2.3.4", b"b-24"),
        ("10.2.9.9", b"a-16"),
        ("10.9.9.9", b"default-wild"),
    ];
    for (peer, key) in table {
        let got = p
            .preshared_key_for_address(Ipv4Addr::UNSPECIFIED, ip(peer))
            .unwrap();
        assert_eq!(got.as_bytes(), key, "peer {peer}");
    }
}

#[test]
fn keys_by_identity_group_key_then_address() {
    let p = hub_policy();
    let table: [(Identity, Option<&[u8]>); 3] = [
        (Identity::KeyId(b"testgroup".to_vec()), Some(b"cisco321")),
        (Identity::KeyId(b"othergroup".to_vec()), None),
        (Identity::Ipv4(ip(SPOKE_ADDR)), Some(b"cisco123")),
    ];
    for (id, expected) in table {
        let got = p.preshared_key_for_identity(Ipv4Addr::UNSPECIFIED, ip(SPOKE_ADDR), &id);
        assert_eq!(got.as_ref().map(|k| k.as_bytes()), expected, "{id:?}");
    }
}

fn offer(cipher: Phase1Cipher, seconds: u32) -> Phase1Proposal {
    Phase1Proposal {
        lifetime: Lifetime::seconds(seconds),
        cipher,
        ..Phase1Proposal::seed()
    }
}

#[test]
fn phase1_policies_and_the_seeds_lifetime_rule() {
    let p = hub_policy();
    let xauth = Phase1Proposal {
        auth: AuthMethod::XauthInitPreShared,
        lifetime: Lifetime::seconds(2_147_483),
        ..Phase1Proposal::seed()
    };
    // (offer, expected (index, lifetime))
    type Row = (Vec<Phase1Proposal>, Option<(usize, u32)>);
    let table: Vec<Row> = vec![
        (vec![Phase1Proposal::seed()], Some((0, 86_400))),
        // IOS 12.3: a longer lifetime is accepted, ours is sent back.
        (
            vec![offer(Phase1Cipher::TripleDes, 2_147_483)],
            Some((0, 86_400)),
        ),
        (vec![offer(Phase1Cipher::TripleDes, 3600)], Some((0, 3600))),
        (vec![offer(Phase1Cipher::Des, 86_400)], None),
        (
            vec![offer(Phase1Cipher::Des, 86_400), Phase1Proposal::seed()],
            Some((1, 86_400)),
        ),
        (vec![xauth], Some((0, 86_400))),
        (
            vec![Phase1Proposal {
                group: DhGroup::Modp1536,
                ..Phase1Proposal::seed()
            }],
            None,
        ),
    ];
    for (offered, expected) in table {
        let got = p
            .choose_phase1(ip(HUB_ADDR), ip(SPOKE_ADDR), None, &offered)
            .map(|c| (c.index, c.lifetime.seconds.unwrap()));
        assert_eq!(got, expected, "{offered:?}");
    }
}

#[test]
fn initiator_offers_policies_by_priority_in_main_mode() {
    let c = ike_policy::parse(
        "crypto isakmp policy 20\n encr aes 256\n authentication pre-share\n group 14\n\
         crypto isakmp policy 10\n encr 3des\n authentication pre-share\n group 2\n\
         crypto isakmp policy 5\n authentication rsa-sig\n",
    )
    .unwrap();
    let p = IosPolicy::new(Arc::new(c))
        .initiator_phase1(Ipv4Addr::UNSPECIFIED, ip(HUB_ADDR))
        .unwrap();
    assert_eq!(p.mode, ike_proto::policy::Phase1Mode::Main);
    let ciphers: Vec<_> = p.proposals.iter().map(|x| x.cipher).collect();
    // rsa-sig is skipped; priority 10 before 20.
    assert_eq!(ciphers, [Phase1Cipher::TripleDes, Phase1Cipher::Aes256]);
    assert_eq!(p.proposals[0], Phase1Proposal::seed());
    let empty = IosPolicy::new(Arc::new(ike_policy::parse("hostname x\n").unwrap()));
    assert!(
        empty
            .initiator_phase1(Ipv4Addr::UNSPECIFIED, ip(HUB_ADDR))
            .is_none()
    );
}

#[test]
fn profiles_by_identity_and_the_xauth_decision() {
    let named = |name: &str, xauth, mode_config| {
        Some(Profile {
            name: name.into(),
            xauth,
            mode_config,
        })
    };
    let table: Vec<(IosPolicy, Identity, Option<Profile>)> = vec![
        // The seed's point: L2L has no client authentication list.
        (
            hub_policy(),
            Identity::Ipv4(ip(SPOKE_ADDR)),
            named("L2L", false, ModeConfig::None),
        ),
        (
            hub_policy(),
            Identity::KeyId(b"testgroup".to_vec()),
            named("VPNclient", true, ModeConfig::Respond),
        ),
        (hub_policy(), Identity::Fqdn("gw.example.com".into()), None),
        // No profiles at all: the global configuration, no Xauth.
        (
            spoke_policy(),
            Identity::Ipv4(ip(HUB_ADDR)),
            named("", false, ModeConfig::None),
        ),
    ];
    for (p, id, expected) in table {
        let got = p.match_profile(Ipv4Addr::UNSPECIFIED, ip(SPOKE_ADDR), &id);
        assert_eq!(got, expected, "{id:?}");
    }
}

#[test]
fn initiator_phase2_uses_the_static_entry_acl_and_peer() {
    let hub_ip = ip(HUB_ADDR);
    let packet = Selectors {
        local: host("10.2.2.5"),
        remote: host("10.1.1.7"),
    };
    let acl = Selectors {
        local: net("10.2.0.0", 16),
        remote: net("10.1.0.0", 16),
    };
    // (policy, peer, packet, expected selectors)
    let outside = Selectors {
        local: host("10.2.2.5"),
        remote: host("172.16.1.1"),
    };
    let table: Vec<(IosPolicy, Ipv4Addr, Selectors, Option<Selectors>)> = vec![
        (spoke_policy(), hub_ip, packet, Some(acl)),
        (spoke_policy(), hub_ip, acl, Some(acl)), // a rekey asks with the ACL's own selectors
        (spoke_policy(), ip("10.48.67.182"), packet, None), // not the entry's peer
        (spoke_policy(), hub_ip, outside, None),  // outside the ACL
        (hub_policy(), ip(SPOKE_ADDR), packet.mirrored(), None), // dynamic entries never initiate
    ];
    for (p, peer, sel, expected) in table {
        let got = p.initiator_phase2(Ipv4Addr::UNSPECIFIED, peer, &sel);
        assert_eq!(
            got.as_ref().map(|o| o.selectors),
            expected,
            "{sel:?} to {peer}"
        );
        if let Some(o) = got {
            assert_eq!(o.proposals, [Phase2Proposal::seed()]);
            assert!(o.send_client_ids);
        }
    }
}

#[test]
fn responder_phase2_entries_profiles_proxies_and_transforms() {
    let l2l = Profile {
        name: "L2L".into(),
        xauth: false,
        mode_config: ModeConfig::None,
    };
    let vpn = Profile {
        name: "VPNclient".into(),
        xauth: true,
        mode_config: ModeConfig::Respond,
    };
    let global = Profile {
        name: String::new(),
        xauth: false,
        mode_config: ModeConfig::None,
    };
    let hub_view = Selectors {
        local: net("10.1.0.0", 16),
        remote: net("10.2.0.0", 16),
    };
    let client = Selectors {
        local: TrafficSelector::subnet(Ipv4Addr::UNSPECIFIED, 0),
        remote: host("10.5.5.1"),
    };
    let seed = [Phase2Proposal::seed()];
    let des = [Phase2Proposal {
        cipher: EspCipher::Des,
        ..Phase2Proposal::seed()
    }];
    let long = [Phase2Proposal {
        lifetime: Lifetime::seconds(2_147_483),
        ..Phase2Proposal::seed()
    }];
    type Row<'a> = (
        IosPolicy,
        &'a str,
        Option<&'a Profile>,
        Selectors,
        &'a [Phase2Proposal],
        Result<(usize, Lifetime), Phase2Refusal>,
    );
    let table: Vec<Row> = vec![
        // The spoke lands on dynmap 10 (profile L2L); no ACL: its proxies.
        (
            hub_policy(),
            SPOKE_ADDR,
            Some(&l2l),
            hub_view,
            &seed,
            Ok((0, Lifetime::new(3600, 4_608_000))),
        ),
        // The VPN Client lands on dynmap 5.
        (
            hub_policy(),
            "10.51.82.100",
            Some(&vpn),
            client,
            &seed,
            Ok((0, Lifetime::new(3600, 4_608_000))),
        ),
        // The VPN Client's 2147483 s: ours is shorter and wins.
        (
            hub_policy(),
            "10.51.82.100",
            Some(&vpn),
            client,
            &long,
            Ok((0, Lifetime::new(3600, 4_608_000))),
        ),
        (
            hub_policy(),
            SPOKE_ADDR,
            Some(&l2l),
            hub_view,
            &des,
            Err(Phase2Refusal::NoProposalChosen),
        ),
        // No profile matched: both dynmap entries name one.
        (
            hub_policy(),
            SPOKE_ADDR,
            None,
            hub_view,
            &seed,
            Err(Phase2Refusal::InvalidIdInformation),
        ),
        // The spoke as responder: its static entry, for the hub only, inside its ACL only.
        (
            spoke_policy(),
            HUB_ADDR,
            Some(&global),
            hub_view.mirrored(),
            &seed,
            Ok((0, Lifetime::new(3600, 4_608_000))),
        ),
        (
            spoke_policy(),
            HUB_ADDR,
            Some(&global),
            hub_view,
            &seed,
            Err(Phase2Refusal::InvalidIdInformation),
        ),
        (
            spoke_policy(),
            "10.48.67.182",
            Some(&global),
            hub_view.mirrored(),
            &seed,
            Err(Phase2Refusal::InvalidIdInformation),
        ),
    ];
    for (p, peer, profile, selectors, offered, expected) in table {
        let req = Phase2Request {
            local: Ipv4Addr::UNSPECIFIED,
            peer: ip(peer),
            peer_port: 500,
            // The VPN Client speaks for the address Mode Config gave it.
            assigned_address: profile
                .filter(|p| p.name == "VPNclient")
                .map(|_| ip("10.5.5.1")),
            profile,
            selectors,
            offered,
        };
        let got = p.choose_phase2(&req).map(|c| (c.index, c.lifetime));
        assert_eq!(got, expected, "{peer} {profile:?} {selectors:?}");
    }
    // A pool address is only the peer's it was handed to: the same offer
    // from an IKE SA without that address (another client, or a spoke) is
    // refused.
    for assigned in [None, Some(ip("10.5.5.2"))] {
        let req = Phase2Request {
            local: Ipv4Addr::UNSPECIFIED,
            peer: ip("10.51.82.100"),
            peer_port: 500,
            assigned_address: assigned,
            profile: Some(&vpn),
            selectors: client,
            offered: &seed,
        };
        assert_eq!(
            hub_policy().choose_phase2(&req),
            Err(Phase2Refusal::InvalidIdInformation),
            "{assigned:?}"
        );
    }
}
