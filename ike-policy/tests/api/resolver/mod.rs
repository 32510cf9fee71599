//! Cisco's rules, each on the seed's configurations and on small
//! configurations that isolate it.

use ike_policy::model::*;
use ike_policy::parse;
use ike_policy::resolver::*;
use ike_proto::policy::{
    self as proto, AuthMethod, EncapMode, EspCipher, HashAlg, Lifetime, Phase1Cipher,
    Phase1Proposal, Phase2Proposal, Selectors, TrafficSelector,
};

use crate::{hub, ip, spoke};

// ---------------------------------------------------------------------
// Pre-shared keys
// ---------------------------------------------------------------------

#[test]
fn hub_finds_the_spokes_wildcard_key_after_looking_in_default() {
    let c = hub();
    let spoke_addr = ip("10.100.2.102");
    // Main Mode, before the ID: every keyring.
    let l = find_key_by_address(&c, spoke_addr, KeyScope::AllKeyrings);
    assert_eq!(l.searched, vec!["default", "spokes"]);
    let m = l.found.unwrap();
    assert_eq!(m.keyring, "spokes");
    assert!(m.secret().ct_eq_bytes(b"cisco123"));
    assert!(m.entry.peer.is_wildcard());
    // After "peer matches L2L profile": the profile's keyring.
    let l2l = c.isakmp_profile("L2L").unwrap();
    let l = find_key_by_address(&c, spoke_addr, KeyScope::Profile(l2l));
    assert_eq!(l.searched, vec!["default", "spokes"]);
    assert_eq!(l.found.unwrap().keyring, "spokes");
    // VPNclient names no keyring: every keyring (the seed's log for the
    // VPN Client: "... in default", "... in spokes : success").
    let vpn = c.isakmp_profile("VPNclient").unwrap();
    let l = find_key_by_address(&c, ip("10.51.82.100"), KeyScope::Profile(vpn));
    assert_eq!(l.searched, vec!["default", "spokes"]);
    assert_eq!(l.found.unwrap().keyring, "spokes");
}

#[test]
fn spoke_finds_its_default_key_for_the_hub_only() {
    let c = spoke();
    let l = find_key_by_address(&c, ip("10.48.67.181"), KeyScope::AllKeyrings);
    assert_eq!(l.searched, vec!["default"]);
    assert_eq!(l.found.unwrap().keyring, DEFAULT_KEYRING);
    let l = find_key_by_address(&c, ip("10.48.67.182"), KeyScope::AllKeyrings);
    assert!(l.found.is_none());
    assert_eq!(l.searched, vec!["default"]);
}

const KEYS: &str = "\
crypto isakmp key default-net address 10.0.0.0 255.0.0.0
crypto isakmp key default-wild address 0.0.0.0 0.0.0.0
crypto keyring a
 pre-shared-key address 10.1.1.1 key a-host
 pre-shared-key address 10.2.0.0 255.255.0.0 key a-16
 pre-shared-key address 0.0.0.0 0.0.0.0 key a-wild
 pre-shared-key hostname gw.example.com key a-name
crypto keyring b
 pre-shared-key address 10.2.0.0 255.255.0.0 key b-16
 pre-shared-key address 10.3.3.0 255.255.255.0 key b-24
 pre-shared-key hostname GW.example.com key b-name
crypto isakmp profile only-b
 keyring b
 match identity address 10.3.3.0 255.255.255.0
";

#[test]
fn most_specific_key_first_default_keyring_on_ties_wildcard_last() {
    let c = parse(KEYS).unwrap();
    let key = |addr: &str, scope| {
        let l = find_key_by_address(&c, ip(addr), scope);
        let m = l.found.unwrap();
        (m.keyring, String::from(m.secret().expose_str().unwrap()))
    };
    // A host entry in a named keyring beats the default keyring's /8.
    assert_eq!(
        key("10.1.1.1", KeyScope::AllKeyrings),
        ("a", "a-host".into())
    );
    // /16 in two named keyrings: configuration order.
    assert_eq!(key("10.2.5.5", KeyScope::AllKeyrings), ("a", "a-16".into()));
    // Only the default keyring's /8 covers 10.9.9.9.
    assert_eq!(
        key("10.9.9.9", KeyScope::AllKeyrings),
        ("default", "default-net".into())
    );
    // Outside 10/8 only wildcards match; the default keyring's comes first.
    assert_eq!(
        key("192.0.2.1", KeyScope::AllKeyrings),
        ("default", "default-wild".into())
    );
    // A profile restricts the named keyrings to its own.
    let only_b = c.isakmp_profile("only-b").unwrap();
    assert_eq!(
        key("10.2.5.5", KeyScope::Profile(only_b)),
        ("b", "b-16".into())
    );
    assert_eq!(
        key("10.1.1.1", KeyScope::Profile(only_b)),
        ("default", "default-net".into())
    );
    let l = find_key_by_address(&c, ip("10.3.3.3"), KeyScope::Profile(only_b));
    assert_eq!(l.searched, vec!["default", "b"]);
    assert_eq!(l.found.unwrap().keyring, "b");
    assert_eq!(
        keyrings_in_scope(&c, KeyScope::Profile(only_b))
            .iter()
            .map(|(n, _)| *n)
            .collect::<Vec<_>>(),
        vec!["default", "b"]
    );
}

#[test]
fn wildcard_only_when_nothing_else_matches() {
    let c = parse(
        "crypto keyring wild\n pre-shared-key address 0.0.0.0 0.0.0.0 key w\n\
         crypto keyring specific\n pre-shared-key address 10.100.2.102 key s\n",
    )
    .unwrap();
    let l = find_key_by_address(&c, ip("10.100.2.102"), KeyScope::AllKeyrings);
    assert_eq!(l.found.unwrap().keyring, "specific");
    assert_eq!(l.searched, vec!["default", "wild", "specific"]);
    let l = find_key_by_address(&c, ip("10.100.2.103"), KeyScope::AllKeyrings);
    assert_eq!(l.found.unwrap().keyring, "wild");
    assert_eq!(l.searched, vec!["default", "wild"]);
}

#[test]
fn keys_by_hostname_and_group() {
    let c = parse(KEYS).unwrap();
    let l = find_key_by_hostname(&c, "gw.EXAMPLE.com", KeyScope::AllKeyrings);
    assert_eq!(l.found.unwrap().secret().expose(), b"a-name");
    let only_b = c.isakmp_profile("only-b").unwrap();
    let l = find_key_by_hostname(&c, "gw.example.com", KeyScope::Profile(only_b));
    assert_eq!(l.found.unwrap().secret().expose(), b"b-name");
    assert!(
        find_key_by_hostname(&c, "other.example.com", KeyScope::AllKeyrings)
            .found
            .is_none()
    );

    let h = hub();
    assert!(
        find_group_key(&h, "testgroup")
            .unwrap()
            .ct_eq_bytes(b"cisco321")
    );
    assert!(find_group_key(&h, "nogroup").is_none());
}

// ---------------------------------------------------------------------
// ISAKMP policies
// ---------------------------------------------------------------------

/// A phase 1 transform as ike-proto's decoder hands it over (the
/// KEY_LENGTH already read into the cipher).
fn t1(
    cipher: Phase1Cipher,
    hash: HashAlg,
    auth: AuthMethod,
    group: u16,
    lifetime: Option<u32>,
) -> Phase1Proposal {
    Phase1Proposal {
        cipher,
        hash,
        auth,
        group: proto::DhGroup::from_wire(group).expect("a MODP group"),
        lifetime: Lifetime {
            seconds: lifetime,
            kilobytes: None,
        },
    }
}

fn aes(key_bits: u16) -> Phase1Cipher {
    Phase1Cipher::from_wire(7, Some(key_bits)).expect("an AES key length")
}

/// The seed's spoke's offer: 3DES, SHA, pre-share, group 2, 86400 s.
fn spoke_offer() -> Vec<Phase1Proposal> {
    vec![t1(
        Phase1Cipher::TripleDes,
        HashAlg::Sha1,
        AuthMethod::PreSharedKey,
        2,
        Some(86400),
    )]
}

/// A Cisco VPN Client's offer, as in the seed: transform 9 is the one that
/// matches (3DES, SHA, XAUTHInitPreShared, group 2, 2147483 s).
fn vpn_client_offer() -> Vec<Phase1Proposal> {
    use AuthMethod::*;
    use HashAlg::*;
    use Phase1Cipher::*;
    let life = Some(2_147_483);
    vec![
        t1(aes(256), Sha1, XauthInitPreShared, 2, life),
        t1(aes(256), Md5, XauthInitPreShared, 2, life),
        t1(aes(256), Sha1, PreSharedKey, 2, life),
        t1(aes(256), Md5, PreSharedKey, 2, life),
        t1(aes(128), Sha1, XauthInitPreShared, 2, life),
        t1(aes(128), Md5, XauthInitPreShared, 2, life),
        t1(aes(128), Sha1, PreSharedKey, 2, life),
        t1(aes(128), Md5, PreSharedKey, 2, life),
        t1(TripleDes, Sha1, XauthInitPreShared, 2, life),
        t1(TripleDes, Md5, XauthInitPreShared, 2, life),
    ]
}

#[test]
fn hub_accepts_the_spokes_transform_against_priority_10() {
    let c = hub();
    let ch = choose_isakmp_policy(&c, &spoke_offer(), Phase1Options::default()).unwrap();
    assert_eq!(ch.transform_index, 0);
    assert_eq!(ch.policy.priority, 10);
    assert_eq!((ch.lifetime, ch.send_responder_lifetime), (86400, false));
}

#[test]
fn hub_accepts_the_vpn_clients_transform_9_and_sends_its_own_lifetime() {
    let c = hub();
    let ch = choose_isakmp_policy(&c, &vpn_client_offer(), Phase1Options::default()).unwrap();
    assert_eq!(ch.transform_index, 8, "IOS's 'transform 9'");
    assert_eq!(ch.policy.priority, 10);
    // "Sending phase 1 responder lifetime 86400"
    assert_eq!((ch.lifetime, ch.send_responder_lifetime), (86400, true));
    // The configuration guides' strict reading refuses the longer lifetime.
    let strict = Phase1Options {
        lifetime_rule: LifetimeRule::Strict,
        ..Default::default()
    };
    assert!(choose_isakmp_policy(&c, &vpn_client_offer(), strict).is_none());
}

#[test]
fn lifetime_rule() {
    use LifetimeRule::*;
    assert_eq!(
        negotiate_phase1_lifetime(86400, Some(3600), ResponderLifetime),
        Some((3600, false))
    );
    assert_eq!(
        negotiate_phase1_lifetime(86400, Some(86400), Strict),
        Some((86400, false))
    );
    assert_eq!(
        negotiate_phase1_lifetime(86400, Some(86401), ResponderLifetime),
        Some((86400, true))
    );
    assert_eq!(negotiate_phase1_lifetime(86400, Some(86401), Strict), None);
    assert_eq!(
        negotiate_phase1_lifetime(3600, None, Strict),
        Some((3600, false))
    );
    // strongSwan with rekey_time = 0 proposes 0 seconds: that is no limit
    // proposed, never an SA that expires as it comes up.
    assert_eq!(
        negotiate_phase1_lifetime(86400, Some(0), ResponderLifetime),
        Some((86400, false))
    );
    assert_eq!(
        negotiate_phase1_lifetime(86400, Some(0), Strict),
        Some((86400, false))
    );
}

#[test]
fn a_zero_phase2_lifetime_counts_as_not_proposed() {
    let ours = SaLifetime {
        seconds: 3600,
        kilobytes: 4_608_000,
    };
    let (zero, _) = negotiate_sa_lifetime(ours, Some(0), Some(0));
    let (none, _) = negotiate_sa_lifetime(ours, None, None);
    assert_eq!(zero, none);
    assert_eq!(zero, ours);
}

#[test]
fn policies_are_tried_in_priority_order_against_every_transform() {
    let c = parse(
        "crypto isakmp policy 20\n encr 3des\n authentication pre-share\n group 2\n\
         crypto isakmp policy 10\n encr aes 256\n hash sha256\n authentication pre-share\n group 14\n lifetime 28800\n",
    )
    .unwrap();
    let offer = vec![
        t1(
            Phase1Cipher::TripleDes,
            HashAlg::Sha1,
            AuthMethod::PreSharedKey,
            2,
            None,
        ),
        t1(
            aes(256),
            HashAlg::Sha2_256,
            AuthMethod::PreSharedKey,
            14,
            Some(3600),
        ),
    ];
    // Our priority 10 wins although the peer listed it second.
    let ch = choose_isakmp_policy(&c, &offer, Phase1Options::default()).unwrap();
    assert_eq!(
        (ch.policy.priority, ch.transform_index, ch.lifetime),
        (10, 1, 3600)
    );
    // Without that transform, priority 20 takes the first one, lifetime ours.
    let ch = choose_isakmp_policy(&c, &offer[..1], Phase1Options::default()).unwrap();
    assert_eq!(
        (ch.policy.priority, ch.transform_index, ch.lifetime),
        (20, 0, 86400)
    );
}

/// A KEY_LENGTH with a fixed-length cipher is read by ike-proto's
/// transform decoder, the one place that knows attribute numbers (RFC 2409
/// appendix A: DES 64 and 3DES 192 are harmless, any other length refuses;
/// its byte-level tests, `decoding_refuses_what_the_resolver_cannot_name`
/// and `phase1_key_length_is_accepted_only_where_harmless`, hold those
/// cases): the resolver sees only the cipher, and each fixed-length cipher
/// matches its own policy.
#[test]
fn fixed_length_ciphers_take_only_their_own_key_length() {
    let c = hub();
    let base = spoke_offer()[0];
    let opts = Phase1Options::default();
    assert!(choose_isakmp_policy(&c, &[base], opts).is_some());
    let des =
        parse("crypto isakmp policy 1\n encr des\n authentication pre-share\n group 2\n").unwrap();
    let des_offer = Phase1Proposal {
        cipher: Phase1Cipher::Des,
        ..base
    };
    assert!(choose_isakmp_policy(&des, &[des_offer], opts).is_some());
    assert!(choose_isakmp_policy(&des, &[base], opts).is_none());
    assert!(choose_isakmp_policy(&c, &[des_offer], opts).is_none());
}

/// What a peer may send and ike-proto cannot name (an unknown cipher
/// such as 3, RSA signatures, AES without a KEY_LENGTH) is refused by the
/// transform decoder before the resolver sees it: ike-proto's
/// `decoding_refuses_what_the_resolver_cannot_name` tests those bytes.
#[test]
fn attribute_mismatches_are_refused() {
    let c = hub();
    let base = spoke_offer()[0];
    let refused = [
        Phase1Proposal {
            cipher: Phase1Cipher::Des,
            ..base
        },
        Phase1Proposal {
            hash: HashAlg::Md5,
            ..base
        },
        Phase1Proposal {
            group: proto::DhGroup::Modp1536,
            ..base
        },
        // Group 17: one the suite computes and the IOS model has no
        // keyword for.
        Phase1Proposal {
            group: proto::DhGroup::Modp6144,
            ..base
        },
    ];
    for t in refused {
        assert!(
            choose_isakmp_policy(&c, &[t], Phase1Options::default()).is_none(),
            "{t:?}"
        );
    }
    // AES key lengths must agree (`encr aes` is 128).
    let aes_policy =
        parse("crypto isakmp policy 1\n encr aes\n authentication pre-share\n").unwrap();
    let p = aes_policy.isakmp_policy(1).unwrap();
    let t = |k| t1(aes(k), HashAlg::Sha1, AuthMethod::PreSharedKey, 1, None);
    assert!(policy_matches(p, &t(128)));
    assert!(!policy_matches(p, &t(256)));
    assert!(policy_matches(
        p,
        &t1(
            aes(128),
            HashAlg::Sha1,
            AuthMethod::XauthRespPreShared,
            1,
            None
        )
    ));
    // An RSA policy never matches: ike-proto negotiates pre-shared keys only.
    let rsa = parse("crypto isakmp policy 1\n encr aes\n authentication rsa-sig\n").unwrap();
    assert!(!policy_matches(rsa.isakmp_policy(1).unwrap(), &t(128)));
}

/// IOS's built-in "Default protection suite" (des, sha, rsa-sig, group 1)
/// is tried after the configured policies when asked. Its RSA signatures
/// are refused by ike-proto's decoder (tested there), so no offer reaching
/// the resolver matches it: with it or without, the choice is the same.
#[test]
fn the_default_protection_suite_rsa_sig_never_matches_what_reaches_the_resolver() {
    let c = hub();
    let offer = vec![t1(
        Phase1Cipher::Des,
        HashAlg::Sha1,
        AuthMethod::PreSharedKey,
        1,
        None,
    )];
    assert!(choose_isakmp_policy(&c, &offer, Phase1Options::default()).is_none());
    let with_default = Phase1Options {
        include_default_suite: true,
        ..Default::default()
    };
    assert!(choose_isakmp_policy(&c, &offer, with_default).is_none());
    let suite = IsakmpPolicy::default_suite();
    assert_eq!(suite.priority, IsakmpPolicy::DEFAULT_SUITE_PRIORITY);
    assert_eq!(suite.authentication, IkeAuthentication::RsaSig);
    // The configured policy still comes first.
    let both = [offer[0], spoke_offer()[0]];
    assert_eq!(
        choose_isakmp_policy(&c, &both, with_default)
            .unwrap()
            .policy
            .priority,
        10
    );
}

// ---------------------------------------------------------------------
// Profiles and Xauth
// ---------------------------------------------------------------------

#[test]
fn hub_profiles_by_identity() {
    let c = hub();
    let p = select_profile(&c, &PeerIdentity::Ipv4(ip("10.100.2.102"))).unwrap();
    assert_eq!(p.name, "L2L", "peer matches L2L profile");
    let p = select_profile(&c, &PeerIdentity::KeyId("testgroup".into())).unwrap();
    assert_eq!(p.name, "VPNclient", "peer matches VPNclient profile");
    assert!(select_profile(&c, &PeerIdentity::KeyId("othergroup".into())).is_none());
    assert!(select_profile(&c, &PeerIdentity::Fqdn("spoke.example.com".into())).is_none());
}

#[test]
fn most_specific_profile_wins_then_configuration_order() {
    let c = parse(
        "crypto isakmp profile wild\n match identity address 0.0.0.0\n\
         crypto isakmp profile net\n match identity address 10.0.0.0 255.0.0.0\n\
         crypto isakmp profile host\n match identity address 10.1.1.1\n\
         crypto isakmp profile net2\n match identity address 10.0.0.0 255.0.0.0\n\
         crypto isakmp profile names\n match identity host gw.example.com\n match identity user joe@example.com\n\
         crypto isakmp profile domains\n match identity host domain example.com\n match identity user domain example.org\n",
    )
    .unwrap();
    let name = |id: PeerIdentity| select_profile(&c, &id).map(|p| p.name.clone());
    assert_eq!(
        name(PeerIdentity::Ipv4(ip("10.1.1.1"))).as_deref(),
        Some("host")
    );
    assert_eq!(
        name(PeerIdentity::Ipv4(ip("10.1.1.2"))).as_deref(),
        Some("net")
    );
    assert_eq!(
        name(PeerIdentity::Ipv4(ip("192.0.2.1"))).as_deref(),
        Some("wild")
    );
    assert_eq!(
        name(PeerIdentity::Fqdn("GW.example.com".into())).as_deref(),
        Some("names")
    );
    assert_eq!(
        name(PeerIdentity::Fqdn("vpn.example.com".into())).as_deref(),
        Some("domains")
    );
    assert_eq!(
        name(PeerIdentity::Fqdn("example.com".into())).as_deref(),
        Some("domains")
    );
    assert_eq!(name(PeerIdentity::Fqdn("badexample.com".into())), None);
    assert_eq!(
        name(PeerIdentity::UserFqdn("joe@example.com".into())).as_deref(),
        Some("names")
    );
    assert_eq!(
        name(PeerIdentity::UserFqdn("ann@hr.example.org".into())).as_deref(),
        Some("domains")
    );
    assert_eq!(name(PeerIdentity::UserFqdn("ann@example.net".into())), None);
    // A host address with no mask matches that host only.
    let host = &c.isakmp_profile("host").unwrap().match_identities[0];
    assert_eq!(
        identity_rank(host, &PeerIdentity::Ipv4(ip("10.1.1.1"))),
        Some(33)
    );
    assert_eq!(
        identity_rank(host, &PeerIdentity::Ipv4(ip("10.1.1.3"))),
        None
    );
}

#[test]
fn xauth_follows_the_profile() {
    let c = hub();
    let map = c.crypto_map("mymap");
    let l2l = c.isakmp_profile("L2L");
    let vpn = c.isakmp_profile("VPNclient");
    assert!(
        !xauth_required(l2l, None, map),
        "the seed's point: no Xauth for the spokes"
    );
    assert!(xauth_required(vpn, None, map));
    // Before the identity is known, Xauth is possible on the hub.
    assert!(xauth_possible(&c, map));
    let s = spoke();
    assert!(!xauth_possible(&s, s.crypto_map("mymap")));
}

#[test]
fn xauth_without_profiles_follows_the_map_and_no_xauth() {
    let c = parse(
        "aaa new-model\naaa authentication login userauthen local\n\
         crypto isakmp key lan2lan address 192.0.2.1 no-xauth\n\
         crypto isakmp key other address 192.0.2.2\n\
         crypto map clientmap client authentication list userauthen\n\
         crypto map plain 10\n",
    )
    .unwrap();
    let clientmap = c.crypto_map("clientmap");
    let plain = c.crypto_map("plain");
    let lan2lan = find_key_by_address(&c, ip("192.0.2.1"), KeyScope::AllKeyrings)
        .found
        .unwrap()
        .entry;
    let other = find_key_by_address(&c, ip("192.0.2.2"), KeyScope::AllKeyrings)
        .found
        .unwrap()
        .entry;
    assert!(!xauth_required(None, Some(lan2lan), clientmap));
    assert!(xauth_required(None, Some(other), clientmap));
    assert!(!xauth_required(None, Some(other), plain));
    assert!(!xauth_required(None, None, None));
    assert!(xauth_possible(&c, clientmap));
    assert!(!xauth_possible(&c, plain));
}

mod acls;
mod maps;
mod pools;
