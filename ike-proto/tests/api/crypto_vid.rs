//! Vendor IDs against ikev1_vendor_ids.json (emit and recognise, prefix
//! rules, the VIDs seen in pcaps) and NAT-D hashes.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::common::vectors::unhex;
use digest::Digest;
use ike_proto::crypto::vid::{self, MatchRule, NatTVersion, VendorIdKind};
use ike_proto::crypto::{HashAlg, nat_d_hash};
use serde_json::Value;

fn vectors() -> Value {
    crate::common::vectors::vectors("ikev1_vendor_ids.json")
}

#[test]
fn every_table_value_is_recognised_as_itself() {
    let v = vectors();
    let mut n = 0;
    for e in v["table"].as_array().unwrap() {
        let id = e["libreswan_id"].as_str().unwrap();
        let Some(hex_value) = e.get("vid_hex") else {
            // FreeS/WAN-style hashed VIDs: only the MD5 is given; not in the table.
            assert_eq!(e["kind"], "VID_FSWAN_HASH", "{id}");
            continue;
        };
        let value = unhex(hex_value);
        if e["kind"] == "VID_MD5HASH" {
            let s = e["source_string"].as_str().unwrap();
            assert_eq!(
                vid::md5_vid(s.as_bytes()).as_slice(),
                value.as_slice(),
                "{id}"
            );
        }
        if e["kind"] == "VID_STRING" {
            assert_eq!(
                e["source_string"].as_str().unwrap().as_bytes(),
                value.as_slice(),
                "{id}"
            );
        }
        let entry = vid::table()
            .iter()
            .find(|t| t.id == id)
            .unwrap_or_else(|| panic!("{id} missing"));
        assert_eq!(entry.value, value.as_slice(), "{id} emitted value");
        let m = vid::recognize(&value).unwrap_or_else(|| panic!("{id} not recognised"));
        assert_eq!(m.entry.id, id, "{id} recognised as {}", m.entry.id);
        if e["match"] == "prefix/substring" {
            assert!(matches!(entry.rule, MatchRule::Prefix(_)), "{id}");
        }
        n += 1;
    }
    assert!(n >= 170, "{n}");
    // No two entries share a value.
    let table = vid::table();
    for (i, a) in table.iter().enumerate() {
        for b in &table[i + 1..] {
            assert!(
                a.value != b.value || a.rule != b.rule,
                "{} / {}",
                a.id,
                b.id
            );
        }
    }
}

#[test]
fn key_points_and_emitted_constants() {
    let v = vectors();
    let kp = &v["key_points"];
    assert_eq!(vid::XAUTH, unhex(&kp["XAUTH"]["sent_vid"]).as_slice());
    assert_eq!(
        vid::md5_vid(kp["XAUTH"]["source_string"].as_str().unwrap().as_bytes())[..8],
        *vid::XAUTH
    );
    assert_eq!(vid::DPD, unhex(&kp["DPD_RFC3706"]["sent_vid"]).as_slice());
    assert_eq!(
        vid::NAT_T_RFC3947,
        unhex(&kp["NAT-T_RFC3947"]["md5"]).as_slice()
    );
    assert_eq!(vid::NAT_T_RFC3947, vid::md5_vid(b"RFC 3947").as_slice());
    assert_eq!(
        vid::CISCO_UNITY,
        unhex(&kp["CISCO-UNITY"]["sent_vid"]).as_slice()
    );
    let unity_md5 = vid::md5_vid(b"CISCO-UNITY");
    assert_eq!(
        unity_md5.as_slice(),
        unhex(&kp["CISCO-UNITY"]["md5"]).as_slice()
    );
    assert_eq!(vid::cisco_unity_vid(1, 0)[..14], unity_md5[..14]);
    assert_eq!(vid::cisco_unity_vid(1, 0).as_slice(), vid::CISCO_UNITY);
    let altiga = unhex(&kp["Cisco_VPN3000"]["md5_ALTIGA_GATEWAY"]);
    assert_eq!(
        vid::md5_vid(b"ALTIGA GATEWAY").as_slice(),
        altiga.as_slice()
    );
    assert_eq!(
        vid::NAT_T_DRAFT_02,
        vid::md5_vid(b"draft-ietf-ipsec-nat-t-ike-02").as_slice()
    );
    assert_eq!(
        vid::NAT_T_DRAFT_02_N,
        vid::md5_vid(b"draft-ietf-ipsec-nat-t-ike-02\n").as_slice()
    );
    assert_eq!(
        vid::NAT_T_DRAFT_03,
        vid::md5_vid(b"draft-ietf-ipsec-nat-t-ike-03").as_slice()
    );
    assert_eq!(vid::STRONGSWAN, vid::md5_vid(b"strongSwan").as_slice());
    for (value, kind) in [
        (vid::XAUTH, VendorIdKind::Xauth),
        (vid::DPD, VendorIdKind::Dpd),
        (vid::CISCO_UNITY, VendorIdKind::CiscoUnity),
        (vid::NAT_T_RFC3947, VendorIdKind::NatT(NatTVersion::Rfc3947)),
        (
            vid::NAT_T_DRAFT_02,
            VendorIdKind::NatT(NatTVersion::Draft02),
        ),
        (
            vid::NAT_T_DRAFT_02_N,
            VendorIdKind::NatT(NatTVersion::Draft02N),
        ),
        (
            vid::NAT_T_DRAFT_03,
            VendorIdKind::NatT(NatTVersion::Draft03),
        ),
        (vid::FRAGMENTATION, VendorIdKind::Fragmentation),
        (vid::STRONGSWAN, VendorIdKind::Product),
    ] {
        assert_eq!(
            vid::recognize(value).unwrap().kind(),
            kind,
            "{}",
            hex::encode(value)
        );
        if kind != VendorIdKind::Product {
            assert_eq!(vid::find(kind).unwrap().value, value, "{kind:?}");
        }
    }
}

#[test]
fn nat_t_drafts_00_to_08_and_preference() {
    let versions = [
        (0, NatTVersion::Draft00),
        (1, NatTVersion::Draft01),
        (2, NatTVersion::Draft02),
        (3, NatTVersion::Draft03),
        (4, NatTVersion::Draft04),
        (5, NatTVersion::Draft05),
        (6, NatTVersion::Draft06),
        (7, NatTVersion::Draft07),
        (8, NatTVersion::Draft08),
    ];
    for (n, version) in versions {
        let value = vid::md5_vid(format!("draft-ietf-ipsec-nat-t-ike-{n:02}").as_bytes());
        assert_eq!(
            vid::recognize(&value).unwrap().kind(),
            VendorIdKind::NatT(version)
        );
    }
    // The best common version is the maximum; the RFC beats every draft.
    let offered = [
        NatTVersion::Draft02N,
        NatTVersion::Rfc3947,
        NatTVersion::Draft03,
        NatTVersion::Draft02,
    ];
    assert_eq!(offered.iter().max(), Some(&NatTVersion::Rfc3947));
    assert!(
        NatTVersion::Draft08 > NatTVersion::Draft03 && NatTVersion::Draft03 > NatTVersion::Draft02
    );
    assert!(NatTVersion::Draft02 > NatTVersion::Draft02N);
    assert!(NatTVersion::Rfc3947.is_rfc() && !NatTVersion::Draft08.is_rfc());
}

#[test]
fn prefix_rules_with_version_and_capability_bytes() {
    // Unity with another version: 14-byte prefix, (major, minor) after it.
    let unity = vid::cisco_unity_vid(2, 5);
    let m = vid::recognize(&unity).unwrap();
    assert_eq!(m.kind(), VendorIdKind::CiscoUnity);
    assert_eq!(m.version(), Some((2, 5)));
    // DPD 1.0 and a hypothetical 1.1.
    assert_eq!(vid::recognize(vid::DPD).unwrap().version(), Some((1, 0)));
    let mut dpd11 = vid::DPD.to_vec();
    dpd11[15] = 1;
    let m = vid::recognize(&dpd11).unwrap();
    assert_eq!((m.kind(), m.version()), (VendorIdKind::Dpd, Some((1, 1))));
    // Fragmentation with and without the capability word.
    let frag = vid::fragmentation_vid(vid::FRAG_CAP_IDENT_AGG);
    assert_eq!(
        hex::encode(&frag),
        "4048b7d56ebce88525e7de7f00d6c2d380000000"
    );
    let m = vid::recognize(&frag).unwrap();
    assert_eq!(m.kind(), VendorIdKind::Fragmentation);
    assert_eq!(m.fragmentation_capabilities(), Some(0x8000_0000));
    assert_eq!(
        vid::recognize(vid::FRAGMENTATION)
            .unwrap()
            .fragmentation_capabilities(),
        None
    );
    // Cisco IOS: 4-byte prefix with whatever follows.
    let ios = hex::decode("3e984048101e66cc93c00ab70ea21a28").unwrap();
    let m = vid::recognize(&ios).unwrap();
    assert_eq!(m.kind(), VendorIdKind::CiscoIos);
    assert_eq!(m.suffix, &ios[4..]);
    // VPN 3000 concentrator: 14 bytes of MD5("ALTIGA GATEWAY") + 2 version bytes.
    let mut c3k = vid::md5_vid(b"ALTIGA GATEWAY")[..14].to_vec();
    c3k.extend_from_slice(&[0x50, 0x01]);
    let m = vid::recognize(&c3k).unwrap();
    assert_eq!(
        (m.kind(), m.version()),
        (VendorIdKind::CiscoConcentrator, Some((0x50, 0x01)))
    );
    // An unknown Windows version falls back to the generic MS prefix; known
    // ones match their exact entry.
    let win_new = hex::decode("1e2b516905991c7d7c96fcbfb587e46100000010").unwrap();
    assert_eq!(
        vid::recognize(&win_new).unwrap().entry.id,
        "MS_NT5_ISAKMPOAKLEY"
    );
    let win7 = hex::decode("1e2b516905991c7d7c96fcbfb587e46100000007").unwrap();
    assert_eq!(vid::recognize(&win7).unwrap().entry.id, "VID_MS_WIN7");
    // Longest prefix wins: "OE-Libreswan-..." over Openswan's "OE".
    let lsw = b"OE-Libreswan-4.12".to_vec();
    assert_eq!(vid::recognize(&lsw).unwrap().entry.id, "VID_LIBRESWAN");
    // Exact entries do not match truncated or extended values.
    assert!(vid::recognize(&vid::XAUTH[..7]).is_none());
    let mut xauth_long = vid::XAUTH.to_vec();
    xauth_long.push(0);
    assert!(vid::recognize(&xauth_long).is_none());
    assert!(vid::recognize(&vid::CISCO_UNITY[..13]).is_none());
    assert!(vid::recognize(&[]).is_none());
    assert!(vid::recognize(&[0u8; 16]).is_none());
}

#[test]
fn vids_seen_in_pcaps() {
    let v = vectors();
    for seen in v["observed_in_pcaps"].as_array().unwrap() {
        let value = unhex(&seen["vid_hex"]);
        let got = vid::recognize(&value);
        match seen["matches_table_entry"].as_str() {
            Some(id) => assert_eq!(got.map(|m| m.entry.id), Some(id), "{}", seen["vid_hex"]),
            // "OEkRbGXRvmPE" is Openswan's "OE" + random-looking bytes, which the
            // prefix rule of the table recognises although Wireshark does not.
            None if value.starts_with(b"OE") => {
                assert_eq!(got.map(|m| m.entry.id), Some("VID_OPENSWANORG"));
            }
            None => assert!(got.is_none(), "{}", seen["vid_hex"]),
        }
    }
}

#[test]
fn nat_d_hashes_by_hand() {
    let cky_i = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08];
    let cky_r = [0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8];
    let v4 = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 10));
    let mut input = [cky_i, cky_r].concat();
    input.extend_from_slice(&[192, 0, 2, 10, 0x01, 0xf4]);
    assert_eq!(
        nat_d_hash(HashAlg::Sha1, &cky_i, &cky_r, v4, 500).as_bytes(),
        sha1::Sha1::digest(&input).as_slice()
    );
    assert_eq!(
        nat_d_hash(HashAlg::Md5, &cky_i, &cky_r, v4, 500).as_bytes(),
        md5::Md5::digest(&input).as_slice()
    );
    assert_eq!(
        nat_d_hash(HashAlg::Sha2_256, &cky_i, &cky_r, v4, 500).as_bytes(),
        sha2::Sha256::digest(&input).as_slice()
    );
    let v6 = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1));
    let mut input6 = [cky_i, cky_r].concat();
    input6.extend_from_slice(&[
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x11, 0x94,
    ]);
    assert_eq!(
        nat_d_hash(HashAlg::Sha1, &cky_i, &cky_r, v6, 4500).as_bytes(),
        sha1::Sha1::digest(&input6).as_slice()
    );
    // Port and address order matter.
    assert_ne!(
        nat_d_hash(HashAlg::Sha1, &cky_i, &cky_r, v4, 4500),
        nat_d_hash(HashAlg::Sha1, &cky_i, &cky_r, v4, 500)
    );
    assert_ne!(
        nat_d_hash(HashAlg::Sha1, &cky_r, &cky_i, v4, 500),
        nat_d_hash(HashAlg::Sha1, &cky_i, &cky_r, v4, 500)
    );
}

/// The indexed lookup agrees with a walk over the whole table (the entry
/// matching the most bytes, the earliest among equals) for every value,
/// each value with bytes after it, each value cut short by one byte, and
/// bytes no entry has.
#[test]
fn the_indexed_lookup_agrees_with_a_walk_over_the_table() {
    let table = vid::table();
    let walk = |v: &[u8]| {
        let mut best: Option<(usize, usize)> = None;
        for (i, e) in table.iter().enumerate() {
            if let Some(n) = e.matched_len(v) {
                if best.is_none_or(|(_, m)| n > m) {
                    best = Some((i, n));
                }
            }
        }
        best.map(|(i, n)| (table[i].id, v.len() - n))
    };
    let mut probes: Vec<Vec<u8>> = vec![Vec::new(), vec![0; 16], b"not a vendor id".to_vec()];
    for e in table {
        probes.push(e.value.to_vec());
        probes.push([e.value, &[0xde, 0xad, 0xbe, 0xef]].concat());
        probes.push(e.value[..e.value.len() - 1].to_vec());
    }
    let mut recognised = 0;
    for p in &probes {
        let got = vid::recognize(p).map(|m| (m.entry.id, m.suffix.len()));
        assert_eq!(got, walk(p), "{p:02x?}");
        recognised += usize::from(got.is_some());
    }
    // Every value and every value with a suffix the rule allows is found.
    assert!(recognised >= table.len(), "{recognised}");
}
