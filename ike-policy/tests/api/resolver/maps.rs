//! Crypto maps, transform sets, proxies.

use super::*;

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
        pfs: Some(proto::DhGroup::Modp1024),
        ..seed_qm()
    }];
    assert_eq!(
        choose_transform(&c, e20, &with_pfs).unwrap().pfs,
        Some(DhGroup::Group2)
    );
    let wrong_group = [Phase2Proposal {
        pfs: Some(proto::DhGroup::Modp1536),
        ..seed_qm()
    }];
    assert!(choose_transform(&c, e20, &wrong_group).is_none());
    // PFS not configured: the peer's group is accepted when it is known.
    let g5 = [Phase2Proposal {
        pfs: Some(proto::DhGroup::Modp1536),
        ..seed_qm()
    }];
    assert_eq!(
        choose_transform(&c, e10, &g5).unwrap().pfs,
        Some(DhGroup::Group5)
    );
    // Group 17: the suite computes it, the IOS model has no keyword for it.
    let g17 = [Phase2Proposal {
        pfs: Some(proto::DhGroup::Modp6144),
        ..seed_qm()
    }];
    assert!(choose_transform(&c, e10, &g17).is_none());
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

pub(super) fn subnet(a: &str, m: &str) -> TrafficSelector {
    TrafficSelector::subnet_mask(ip(a), ip(m)).unwrap()
}

#[test]
fn hub_picks_dynmap_10_for_the_spoke_and_dynmap_5_for_the_vpn_client() {
    let c = hub();
    let map = c.crypto_map("mymap").unwrap();
    let spoke_qm = [seed_qm()];
    let req = Phase2Request {
        peer: ip("10.100.2.102"),
        profile: Some("L2L"),
        proxies: Selectors {
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
        proxies: Selectors {
            local: subnet("0.0.0.0", "0.0.0.0"),
            remote: TrafficSelector::host(ip("10.5.5.1")),
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
    let req = |peer: &str, local: TrafficSelector, remote: TrafficSelector| Phase2Request {
        peer: ip(peer),
        profile: None,
        proxies: Selectors { local, remote },
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
        TrafficSelector::host(ip("10.1.0.7")),
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
    let p = |local| Selectors {
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
    let any = Selectors {
        local: subnet("0.0.0.0", "0.0.0.0"),
        remote: TrafficSelector::host(ip("10.5.5.1")),
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
