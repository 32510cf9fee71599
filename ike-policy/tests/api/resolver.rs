//! Cisco's rules, each on the seed's configurations and on small
//! configurations that isolate it.

use ike_policy::model::*;
use ike_policy::parse;
use ike_policy::resolver::*;
use ike_proto::policy::{
    self as proto, AuthMethod, EncapMode, EspCipher, Lifetime, Phase1Cipher, Phase1Hash,
    Phase1Proposal, Phase2Proposal,
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
    hash: Phase1Hash,
    auth: AuthMethod,
    group: u16,
    lifetime: Option<u32>,
) -> Phase1Proposal {
    Phase1Proposal {
        cipher,
        hash,
        auth,
        group: proto::DhGroup(group),
        lifetime: Lifetime {
            seconds: lifetime,
            kilobytes: None,
        },
    }
}

const fn aes(key_bits: u16) -> Phase1Cipher {
    Phase1Cipher::AesCbc { key_bits }
}

/// The seed's spoke's offer: 3DES, SHA, pre-share, group 2, 86400 s.
fn spoke_offer() -> Vec<Phase1Proposal> {
    vec![t1(
        Phase1Cipher::TripleDes,
        Phase1Hash::Sha1,
        AuthMethod::PreSharedKey,
        2,
        Some(86400),
    )]
}

/// A Cisco VPN Client's offer, as in the seed: transform 9 is the one that
/// matches (3DES, SHA, XAUTHInitPreShared, group 2, 2147483 s).
fn vpn_client_offer() -> Vec<Phase1Proposal> {
    use AuthMethod::*;
    use Phase1Cipher::*;
    use Phase1Hash::*;
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
            Phase1Hash::Sha1,
            AuthMethod::PreSharedKey,
            2,
            None,
        ),
        t1(
            aes(256),
            Phase1Hash::Sha256,
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
            hash: Phase1Hash::Md5,
            ..base
        },
        Phase1Proposal {
            group: proto::DhGroup(5),
            ..base
        },
        Phase1Proposal {
            group: proto::DhGroup(19),
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
    let t = |k| t1(aes(k), Phase1Hash::Sha1, AuthMethod::PreSharedKey, 1, None);
    assert!(policy_matches(p, &t(128)));
    assert!(!policy_matches(p, &t(256)));
    assert!(policy_matches(
        p,
        &t1(
            aes(128),
            Phase1Hash::Sha1,
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
        Phase1Hash::Sha1,
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

// ---------------------------------------------------------------------
// Crypto maps, transform sets, proxies
// ---------------------------------------------------------------------

fn labels(c: &Config, map: &str) -> Vec<String> {
    let m = c.crypto_map(map).unwrap();
    crypto_map_candidates(c, m)
        .iter()
        .map(|k| match k.dynamic {
            Some((d, e)) => format!("{} {} > {} {}", k.map.name, k.map_entry.seq, d.name, e.seq),
            None => format!("{} {}", k.map.name, k.map_entry.seq),
        })
        .collect()
}

#[test]
fn crypto_map_entries_in_sequence_order_dynamic_last() {
    let c = hub();
    assert_eq!(
        labels(&c, "mymap"),
        vec!["mymap 10 > dynmap 5", "mymap 10 > dynmap 10"]
    );
    let c = parse(
        "access-list 100 permit ip any any\n\
         crypto dynamic-map dyn 20\ncrypto dynamic-map dyn 10\n\
         crypto map m 5 ipsec-isakmp dynamic dyn\n\
         crypto map m 30\n match address 100\n\
         crypto map m 10\n match address 100\n",
    )
    .unwrap();
    assert_eq!(
        labels(&c, "m"),
        vec!["m 10", "m 30", "m 5 > dyn 10", "m 5 > dyn 20"]
    );
}

/// An ESP transform as ike-proto's decoder hands it over (AES without a
/// KEY_LENGTH already read as 128).
fn t2(cipher: EspCipher, integrity: Option<proto::EspIntegrity>) -> Phase2Proposal {
    Phase2Proposal {
        cipher,
        integrity,
        mode: EncapMode::Tunnel,
        pfs: None,
        lifetime: Lifetime::new(3600, 4_608_000),
    }
}

fn seed_qm() -> Phase2Proposal {
    t2(EspCipher::TripleDes, Some(proto::EspIntegrity::HmacSha1))
}

#[test]
fn transform_set_matching() {
    let c = parse(
        "crypto ipsec transform-set myset esp-3des esp-sha-hmac\n\
         crypto ipsec transform-set aes esp-aes 256 esp-sha256-hmac\n mode transport\n\
         crypto ipsec transform-set gcm esp-gcm 256\n\
         crypto ipsec transform-set null esp-null esp-md5-hmac\n\
         crypto ipsec transform-set authonly esp-sha-hmac\n",
    )
    .unwrap();
    let ts = |n: &str| c.transform_set(n).unwrap();
    assert!(transform_set_accepts(ts("myset"), &seed_qm()));
    assert!(!transform_set_accepts(
        ts("myset"),
        &t2(EspCipher::TripleDes, Some(proto::EspIntegrity::HmacMd5))
    ));
    assert!(!transform_set_accepts(
        ts("myset"),
        &t2(EspCipher::Des, Some(proto::EspIntegrity::HmacSha1))
    ));
    assert!(!transform_set_accepts(
        ts("myset"),
        &Phase2Proposal {
            mode: EncapMode::Transport,
            ..seed_qm()
        }
    ));
    let aes = t2(
        EspCipher::AesCbc { key_bits: 256 },
        Some(proto::EspIntegrity::HmacSha256),
    );
    assert!(transform_set_accepts(ts("aes"), &aes));
    assert!(transform_set_accepts(
        ts("aes"),
        &Phase2Proposal {
            mode: EncapMode::Transport,
            ..aes
        }
    ));
    assert!(!transform_set_accepts(
        ts("aes"),
        &Phase2Proposal {
            cipher: EspCipher::AesCbc { key_bits: 128 },
            ..aes
        }
    ));
    assert!(transform_set_accepts(
        ts("gcm"),
        &t2(EspCipher::AesGcm16 { key_bits: 256 }, None)
    ));
    assert!(!transform_set_accepts(
        ts("gcm"),
        &t2(EspCipher::AesGcm16 { key_bits: 128 }, None)
    ));
    assert!(transform_set_accepts(
        ts("null"),
        &t2(EspCipher::Null, Some(proto::EspIntegrity::HmacMd5))
    ));
    assert!(transform_set_accepts(
        ts("authonly"),
        &t2(EspCipher::Null, Some(proto::EspIntegrity::HmacSha1))
    ));
    // The transform IDs and attribute values (ESP_3DES 3, HMAC-SHA 2, no
    // attribute) are read by ike-proto's decoder and tested there
    // (`decoding_refuses_what_the_resolver_cannot_name`).
}

#[test]
fn transforms_in_the_peers_order_against_sets_in_ours_with_pfs() {
    let c = parse(
        "crypto ipsec transform-set a esp-aes esp-sha-hmac\n\
         crypto ipsec transform-set b esp-3des esp-sha-hmac\n\
         crypto map m 10\n set transform-set a b\n\
         crypto map m 20\n set transform-set b\n set pfs group2\n",
    )
    .unwrap();
    let m = c.crypto_map("m").unwrap();
    let (e10, e20) = (m.entry(10).unwrap(), m.entry(20).unwrap());
    let offer = [
        seed_qm(),
        t2(
            EspCipher::AesCbc { key_bits: 128 },
            Some(proto::EspIntegrity::HmacSha1),
        ),
    ];
    let ch = choose_transform(&c, e10, &offer).unwrap();
    assert_eq!(
        (ch.transform_index, ch.transform_set.name.as_str(), ch.pfs),
        (0, "b", None)
    );
    // PFS required: a transform without group 2 is refused.
    assert!(choose_transform(&c, e20, &offer).is_none());
    let with_pfs = [Phase2Proposal {
        pfs: Some(proto::DhGroup(2)),
        ..seed_qm()
    }];
    assert_eq!(
        choose_transform(&c, e20, &with_pfs).unwrap().pfs,
        Some(DhGroup::Group2)
    );
    let wrong_group = [Phase2Proposal {
        pfs: Some(proto::DhGroup(5)),
        ..seed_qm()
    }];
    assert!(choose_transform(&c, e20, &wrong_group).is_none());
    // PFS not configured: the peer's group is accepted when it is known.
    let g5 = [Phase2Proposal {
        pfs: Some(proto::DhGroup(5)),
        ..seed_qm()
    }];
    assert_eq!(
        choose_transform(&c, e10, &g5).unwrap().pfs,
        Some(DhGroup::Group5)
    );
    let g19 = [Phase2Proposal {
        pfs: Some(proto::DhGroup(19)),
        ..seed_qm()
    }];
    assert!(choose_transform(&c, e10, &g19).is_none());
}

#[test]
fn sa_lifetimes_are_the_shorter_of_both() {
    let ours = SaLifetime::default();
    // The seed's spoke proposes the IOS defaults: taken as they are.
    assert_eq!(
        negotiate_sa_lifetime(ours, Some(3600), Some(4_608_000)),
        (ours, false)
    );
    // The VPN Client proposes 2147483 s and no kilobytes: ours apply.
    assert_eq!(
        negotiate_sa_lifetime(ours, Some(2_147_483), None),
        (ours, true)
    );
    // Shorter proposals are taken.
    assert_eq!(
        negotiate_sa_lifetime(ours, Some(600), Some(1000)),
        (
            SaLifetime {
                seconds: 600,
                kilobytes: 1000
            },
            false
        )
    );
    // No seconds at all means 28800 (RFC 2407).
    assert_eq!(
        negotiate_sa_lifetime(ours, None, Some(4_608_000)),
        (ours, true)
    );
    // An entry's own lifetime comes before the global one.
    let c = parse(
        "crypto ipsec transform-set b esp-3des esp-sha-hmac\n\
         crypto map m 10\n set transform-set b\n set security-association lifetime seconds 1200\n",
    )
    .unwrap();
    let e = c.crypto_map("m").unwrap().entry(10).unwrap();
    let ch = choose_transform(&c, e, &[seed_qm()]).unwrap();
    assert_eq!(
        ch.lifetime,
        SaLifetime {
            seconds: 1200,
            kilobytes: 4_608_000
        }
    );
    assert!(ch.send_responder_lifetime);
}

fn subnet(a: &str, m: &str) -> ProxyIdentity {
    ProxyIdentity::subnet(ip(a), ip(m)).unwrap()
}

#[test]
fn hub_picks_dynmap_10_for_the_spoke_and_dynmap_5_for_the_vpn_client() {
    let c = hub();
    let map = c.crypto_map("mymap").unwrap();
    let spoke_qm = [seed_qm()];
    let req = Phase2Request {
        peer: ip("10.100.2.102"),
        profile: Some("L2L"),
        proxies: ProxyPair {
            local: subnet("10.1.0.0", "255.255.0.0"),
            remote: subnet("10.2.0.0", "255.255.0.0"),
        },
        transforms: &spoke_qm,
    };
    let sel = select_responder_entry(&c, map, &req).unwrap();
    let (dm, de) = sel.candidate.dynamic.unwrap();
    assert_eq!((dm.name.as_str(), de.seq), ("dynmap", 10));
    assert_eq!(sel.choice.transform_set.name, "myset");
    assert_eq!(sel.choice.lifetime, SaLifetime::default());

    let client_qm = [Phase2Proposal {
        lifetime: Lifetime::seconds(2_147_483),
        ..seed_qm()
    }];
    let req = Phase2Request {
        peer: ip("10.51.82.100"),
        profile: Some("VPNclient"),
        proxies: ProxyPair {
            local: subnet("0.0.0.0", "0.0.0.0"),
            remote: ProxyIdentity::host(ip("10.5.5.1")),
        },
        transforms: &client_qm,
    };
    let sel = select_responder_entry(&c, map, &req).unwrap();
    assert_eq!(sel.candidate.entry().seq, 5);
    assert_eq!(
        sel.candidate.entry().isakmp_profile.as_deref(),
        Some("VPNclient")
    );
    assert_eq!(sel.choice.lifetime, SaLifetime::default());

    // No profile, or another profile: both dynamic entries demand one.
    let req = Phase2Request {
        profile: None,
        ..req
    };
    assert!(select_responder_entry(&c, map, &req).is_none());
    // A transform the sets do not have.
    let des = [t2(EspCipher::Des, Some(proto::EspIntegrity::HmacMd5))];
    let req = Phase2Request {
        profile: Some("VPNclient"),
        transforms: &des,
        ..req
    };
    assert!(select_responder_entry(&c, map, &req).is_none());
}

#[test]
fn spoke_as_responder_checks_peer_and_acl_100() {
    let c = spoke();
    let map = c.crypto_map("mymap").unwrap();
    let qm = [seed_qm()];
    let req = |peer: &str, local: ProxyIdentity, remote: ProxyIdentity| Phase2Request {
        peer: ip(peer),
        profile: None,
        proxies: ProxyPair { local, remote },
        transforms: &qm,
    };
    let lan = subnet("10.2.0.0", "255.255.0.0");
    let hub_lan = subnet("10.1.0.0", "255.255.0.0");
    let sel = select_responder_entry(&c, map, &req("10.48.67.181", lan, hub_lan)).unwrap();
    assert_eq!(sel.candidate.entry().seq, 10);
    assert!(!sel.candidate.is_dynamic());
    // Narrower proxies are inside the ACL.
    let narrower = req(
        "10.48.67.181",
        subnet("10.2.1.0", "255.255.255.0"),
        ProxyIdentity::host(ip("10.1.0.7")),
    );
    assert!(select_responder_entry(&c, map, &narrower).is_some());
    // A peer that is not `set peer`, or proxies wider than the ACL: refused.
    assert!(select_responder_entry(&c, map, &req("10.48.67.182", lan, hub_lan)).is_none());
    let wider = req("10.48.67.181", subnet("10.0.0.0", "255.0.0.0"), hub_lan);
    assert!(select_responder_entry(&c, map, &wider).is_none());
    // Mirrored proxies (the hub's view) are not the spoke's.
    assert!(select_responder_entry(&c, map, &req("10.48.67.181", hub_lan, lan)).is_none());
}

#[test]
fn spoke_initiates_for_traffic_acl_100_permits() {
    let c = spoke();
    let map = c.crypto_map("mymap").unwrap();
    let flow = |s: &str, d: &str| Flow {
        source: ip(s),
        destination: ip(d),
        protocol: 1,
        source_port: 0,
        destination_port: 0,
    };
    let e = select_initiator_entry(&c, map, &flow("10.2.2.5", "10.1.0.9")).unwrap();
    assert_eq!(e.entry().peers, vec![ip("10.48.67.181")]);
    assert!(select_initiator_entry(&c, map, &flow("10.2.2.5", "8.8.8.8")).is_none());
    assert!(select_initiator_entry(&c, map, &flow("10.1.0.9", "10.2.2.5")).is_none());
    // The hub's map is dynamic only: it never initiates.
    let h = hub();
    assert!(
        select_initiator_entry(
            &h,
            h.crypto_map("mymap").unwrap(),
            &flow("10.1.0.9", "10.2.2.5")
        )
        .is_none()
    );
}

#[test]
fn deny_lines_pass_traffic_to_the_next_entry() {
    let c = parse(
        "access-list 101 deny ip 10.2.9.0 0.0.0.255 any\n\
         access-list 101 permit ip 10.2.0.0 0.0.255.255 10.1.0.0 0.0.255.255\n\
         access-list 102 permit ip 10.2.9.0 0.0.0.255 10.1.0.0 0.0.255.255\n\
         crypto map m 10\n match address 101\n set peer 192.0.2.1\n\
         crypto map m 20\n match address 102\n set peer 192.0.2.2\n",
    )
    .unwrap();
    let map = c.crypto_map("m").unwrap();
    let flow = |s: &str| Flow {
        source: ip(s),
        destination: ip("10.1.1.1"),
        protocol: 6,
        source_port: 1024,
        destination_port: 80,
    };
    assert_eq!(
        select_initiator_entry(&c, map, &flow("10.2.1.1"))
            .unwrap()
            .entry()
            .seq,
        10
    );
    assert_eq!(
        select_initiator_entry(&c, map, &flow("10.2.9.1"))
            .unwrap()
            .entry()
            .seq,
        20
    );
    // As a responder, entry 10's ACL refuses proxies its deny line touches.
    let acl = c.access_list("101").unwrap();
    let p = |local| ProxyPair {
        local,
        remote: subnet("10.1.0.0", "255.255.0.0"),
    };
    assert!(acl_accepts_proxies(
        acl,
        &p(subnet("10.2.1.0", "255.255.255.0"))
    ));
    assert!(!acl_accepts_proxies(
        acl,
        &p(subnet("10.2.9.0", "255.255.255.0"))
    ));
    assert!(!acl_accepts_proxies(
        acl,
        &p(subnet("10.2.0.0", "255.255.0.0"))
    ));
    assert!(!acl_accepts_proxies(
        acl,
        &p(subnet("10.3.0.0", "255.255.0.0"))
    ));
}

#[test]
fn dynamic_entries_without_acl_accept_any_proxies() {
    let c = hub();
    let entry = c.dynamic_map("dynmap").unwrap().entry(5).unwrap();
    let any = ProxyPair {
        local: subnet("0.0.0.0", "0.0.0.0"),
        remote: ProxyIdentity::host(ip("10.5.5.1")),
    };
    assert!(entry_accepts_proxies(&c, entry, true, &any));
    assert!(
        !entry_accepts_proxies(&c, entry, false, &any),
        "a static entry needs an ACL"
    );
    let s = spoke();
    let e = s.crypto_map("mymap").unwrap().entry(10).unwrap();
    assert!(!entry_accepts_proxies(&s, e, false, &any));
}

// ---------------------------------------------------------------------
// ACLs as selectors
// ---------------------------------------------------------------------

#[test]
fn spoke_acl_100_is_two_prefixes() {
    let c = spoke();
    let sel = acl_selectors(c.access_list("100").unwrap());
    assert_eq!(
        sel,
        vec![AclSelector {
            action: AclAction::Permit,
            selector: Selector {
                source: AddressMatch::Prefix {
                    address: ip("10.2.0.0"),
                    len: 16
                },
                destination: AddressMatch::Prefix {
                    address: ip("10.1.0.0"),
                    len: 16
                },
                protocol: None,
                source_ports: PortRange::ANY,
                destination_ports: PortRange::ANY,
            },
            line: 69,
        }]
    );
    // As `show crypto ipsec sa` writes them.
    assert_eq!(sel[0].selector.source.to_string(), "10.2.0.0/255.255.0.0");
    assert_eq!(
        sel[0].selector.destination.to_string(),
        "10.1.0.0/255.255.0.0"
    );
}

#[test]
fn wildcards_protocols_and_ports_become_selectors() {
    let c = parse(
        "access-list 110 permit tcp host 10.1.1.1 any eq 80\n\
         access-list 110 permit udp 10.0.5.0 0.255.0.255 any neq 53\n\
         access-list 110 deny tcp any lt 0 any\n\
         access-list 110 permit tcp any gt 1023 any range 20 21\n\
         access-list 110 permit icmp any any echo\n\
         access-list 10 permit 192.168.0.0 0.0.255.255\n",
    )
    .unwrap();
    let s = acl_selectors(c.access_list("110").unwrap());
    assert_eq!(s.len(), 5, "neq makes two, lt 0 makes none");
    assert_eq!(
        s[0].selector.source,
        AddressMatch::Prefix {
            address: ip("10.1.1.1"),
            len: 32
        }
    );
    assert_eq!(s[0].selector.destination, AddressMatch::ANY);
    assert_eq!(s[0].selector.protocol, Some(6));
    assert_eq!(
        s[0].selector.destination_ports,
        PortRange {
            first: 80,
            last: 80
        }
    );
    assert_eq!(
        s[1].selector.source,
        AddressMatch::Masked {
            address: ip("10.0.5.0"),
            mask: ip("255.0.255.0")
        }
    );
    assert_eq!(s[1].selector.source.to_string(), "10.0.5.0/255.0.255.0");
    assert_eq!(
        s[1].selector.destination_ports,
        PortRange { first: 0, last: 52 }
    );
    assert_eq!(
        s[2].selector.destination_ports,
        PortRange {
            first: 54,
            last: 65535
        }
    );
    assert_eq!(
        s[3].selector.source_ports,
        PortRange {
            first: 1024,
            last: 65535
        }
    );
    assert_eq!(
        s[3].selector.destination_ports,
        PortRange {
            first: 20,
            last: 21
        }
    );
    assert_eq!(
        (s[4].selector.protocol, s[4].selector.destination_ports),
        (Some(1), PortRange::ANY)
    );
    let flow = Flow {
        source: ip("10.77.5.3"),
        destination: ip("1.1.1.1"),
        protocol: 17,
        source_port: 9,
        destination_port: 53,
    };
    assert_eq!(acl_action_for(c.access_list("110").unwrap(), &flow), None);
    let flow = Flow {
        destination_port: 54,
        ..flow
    };
    assert_eq!(
        acl_action_for(c.access_list("110").unwrap(), &flow),
        Some(AclAction::Permit)
    );

    let std = acl_selectors(c.access_list("10").unwrap());
    assert_eq!(
        std[0].selector.source,
        AddressMatch::Prefix {
            address: ip("192.168.0.0"),
            len: 16
        }
    );
    assert_eq!(std[0].selector.destination, AddressMatch::ANY);
}

/// The lazy iterator gives the same selectors in the same order, `neq` on
/// both sides making four, and stops where it is asked to.
#[test]
fn selector_iter_is_acl_selectors_one_at_a_time() {
    let c = parse(
        "access-list 130 permit tcp any neq 1024 any neq 80\n\
         access-list 130 deny udp any eq 53 any\n\
         access-list 130 permit ip any any\n",
    )
    .unwrap();
    let acl = c.access_list("130").unwrap();
    let all: Vec<_> = acl_selector_iter(acl).collect();
    assert_eq!(all, acl_selectors(acl));
    assert_eq!(all.len(), 6);
    let ports: Vec<_> = all[..4]
        .iter()
        .map(|s| (s.selector.source_ports, s.selector.destination_ports))
        .collect();
    let r = |first, last| PortRange { first, last };
    assert_eq!(
        ports,
        vec![
            (r(0, 1023), r(0, 79)),
            (r(0, 1023), r(81, 65535)),
            (r(1025, 65535), r(0, 79)),
            (r(1025, 65535), r(81, 65535)),
        ]
    );
    assert_eq!(all[4].action, AclAction::Deny);
    let mut it = acl_selector_iter(acl);
    assert_eq!(it.next(), Some(all[0]));
    assert_eq!(it.nth(4), Some(all[5]));
    assert_eq!(it.next(), None);
}

#[test]
fn proxy_identities_against_protocol_and_port_selectors() {
    let c = parse("access-list 120 permit udp host 10.0.0.1 eq 500 any\n").unwrap();
    let acl = c.access_list("120").unwrap();
    // Both sides of a proxy pair carry the same protocol.
    let p = |local: ProxyIdentity| ProxyPair {
        local,
        remote: subnet("0.0.0.0", "0.0.0.0").with_protocol(local.protocol, 0),
    };
    assert!(acl_accepts_proxies(
        acl,
        &p(ProxyIdentity::host(ip("10.0.0.1")).with_protocol(17, 500))
    ));
    assert!(!acl_accepts_proxies(
        acl,
        &p(ProxyIdentity::host(ip("10.0.0.1")).with_protocol(17, 0))
    ));
    assert!(!acl_accepts_proxies(
        acl,
        &p(ProxyIdentity::host(ip("10.0.0.1")))
    ));
    assert!(!acl_accepts_proxies(
        acl,
        &p(ProxyIdentity::host(ip("10.0.0.1")).with_protocol(6, 500))
    ));
    let r = ProxyIdentity::range(ip("10.0.0.1"), ip("10.0.0.1"))
        .unwrap()
        .with_protocol(17, 500);
    assert!(acl_accepts_proxies(acl, &p(r)));
    assert!(ProxyIdentity::range(ip("10.0.0.2"), ip("10.0.0.1")).is_none());
    assert!(ProxyIdentity::subnet(ip("10.0.0.0"), ip("255.0.255.0")).is_none());
}

// ---------------------------------------------------------------------
// Pools and local users
// ---------------------------------------------------------------------

#[test]
fn ippool_hands_out_the_lowest_free_address() {
    let c = hub();
    let mut pool = AddressPool::new(c.local_pool("ippool").unwrap());
    assert_eq!(pool.name(), "ippool");
    assert_eq!(pool.size(), 254);
    assert_eq!(
        pool.allocate(),
        Some(ip("10.5.5.1")),
        "ISAKMP (0:2): allocating address 10.5.5.1"
    );
    assert_eq!(pool.allocate(), Some(ip("10.5.5.2")));
    assert_eq!(pool.allocate(), Some(ip("10.5.5.3")));
    assert!(pool.release(ip("10.5.5.2")));
    assert!(!pool.release(ip("10.5.5.2")));
    assert_eq!(pool.allocate(), Some(ip("10.5.5.2")));
    assert_eq!(pool.in_use(), 3);
    assert!(pool.allocate_specific(ip("10.5.5.200")));
    assert!(!pool.allocate_specific(ip("10.5.5.200")));
    assert!(!pool.allocate_specific(ip("10.5.6.1")));
    assert!(pool.is_allocated(ip("10.5.5.200")));
    assert!(pool.contains(ip("10.5.5.254")) && !pool.contains(ip("10.5.5.255")));
}

#[test]
fn pools_run_out_and_span_ranges() {
    let c = parse("ip local pool p 10.0.0.1 10.0.0.2\nip local pool p 10.0.1.10\n").unwrap();
    let mut pool = AddressPool::new(c.local_pool("p").unwrap());
    assert_eq!(pool.size(), 3);
    let got: Vec<_> = std::iter::from_fn(|| pool.allocate()).collect();
    assert_eq!(got, vec![ip("10.0.0.1"), ip("10.0.0.2"), ip("10.0.1.10")]);
    assert_eq!(pool.allocate(), None);
    pool.release(ip("10.0.0.1"));
    assert_eq!(pool.allocate(), Some(ip("10.0.0.1")));
    let top = parse("ip local pool t 255.255.255.254 255.255.255.255\n").unwrap();
    let mut pool = AddressPool::new(top.local_pool("t").unwrap());
    assert_eq!(pool.allocate(), Some(ip("255.255.255.254")));
    assert_eq!(pool.allocate(), Some(ip("255.255.255.255")));
    assert_eq!(pool.allocate(), None);
}

#[test]
fn xauth_users_against_the_local_database() {
    let c = hub();
    assert!(verify_local_user(&c, "gfullage", b"gfullage"));
    assert!(!verify_local_user(&c, "gfullage", b"wrong"));
    assert!(!verify_local_user(&c, "nobody", b"gfullage"));
    assert_eq!(
        authenticate_xauth(&c, "clientauth", "gfullage", b"gfullage"),
        Some(true)
    );
    assert_eq!(
        authenticate_xauth(&c, "clientauth", "GFULLAGE", b"gfullage"),
        Some(true)
    );
    assert_eq!(
        authenticate_xauth(&c, "clientauth", "gfullage", b"nope"),
        Some(false)
    );
    assert_eq!(
        authenticate_xauth(&c, "clientauth", "nobody", b"x"),
        Some(false)
    );
    assert_eq!(
        authenticate_xauth(&c, "nolist", "gfullage", b"gfullage"),
        None
    );

    let c = parse(
        "aaa new-model\naaa authentication login lc local-case\naaa authentication login rad group radius\n\
         username Bob password 0 pw\nusername hashed secret 5 $1$x$y\n",
    )
    .unwrap();
    assert_eq!(authenticate_xauth(&c, "lc", "Bob", b"pw"), Some(true));
    assert_eq!(authenticate_xauth(&c, "lc", "bob", b"pw"), Some(false));
    assert_eq!(authenticate_xauth(&c, "rad", "Bob", b"pw"), None);
    assert!(!verify_local_user(&c, "hashed", b"anything"));
}
