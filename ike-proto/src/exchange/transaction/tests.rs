//! Tests of the Transaction messages: byte-exact attribute payloads and
//! their parses.

use super::*;

fn emit(a: &AttributePayload) -> Vec<u8> {
    let mut bytes = Vec::new();
    a.emit(&mut bytes).unwrap();
    bytes
}

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Every attribute a group can configure, on the seed's values.
fn full() -> ModeConfigAttributes {
    ModeConfigAttributes {
        address: Some(Ipv4Addr::new(10, 5, 5, 1)),
        netmask: Some(Ipv4Addr::new(255, 255, 255, 0)),
        dns: vec![Ipv4Addr::new(1, 1, 1, 1), Ipv4Addr::new(2, 2, 2, 2)],
        wins: vec![Ipv4Addr::new(3, 3, 3, 3), Ipv4Addr::new(4, 4, 4, 4)],
        domain: Some("cisco.com".into()),
        split_include: vec![TrafficSelector::subnet(Ipv4Addr::new(198, 51, 100, 0), 24)],
        banner: Some("Hi".into()),
        save_password: true,
        address_expiry: Some(86_386),
        application_version: Some("v1".into()),
        split_dns: vec!["a.example".into(), "b.example".into()],
        include_local_lan: true,
        pfs: true,
        firewall_are_u_there: true,
        backup_servers: vec!["192.0.2.7".into(), "hub2".into()],
    }
}

/// vpnc r550's REQUEST (notes section 4), in its wire order.
fn vpnc_request() -> AttributePayload {
    let fw = hex("8001 0001 8002 0001 8003 0002");
    let mut attributes: Vec<DataAttribute> = [
        A::INTERNAL_IP4_ADDRESS,
        A::INTERNAL_IP4_NETMASK,
        A::INTERNAL_IP4_DNS,
        A::INTERNAL_IP4_NBNS,
        A::UNITY_DEF_DOMAIN,
    ]
    .into_iter()
    .map(empty)
    .collect();
    attributes.push(DataAttribute::variable(A::UNITY_FW_TYPE, fw));
    for k in [
        A::UNITY_PFS,
        A::UNITY_BANNER,
        A::UNITY_SAVE_PASSWD,
        A::UNITY_SPLIT_INCLUDE,
        A::UNITY_SPLITDNS_NAME,
        A::UNITY_DDNS_HOSTNAME,
        A::APPLICATION_VERSION,
    ] {
        attributes.push(empty(k));
    }
    AttributePayload {
        message_type: ConfigMessageType::REQUEST,
        identifier: 20,
        attributes,
    }
}

#[test]
fn reply_to_vpnc_is_byte_exact_in_request_order() {
    let mut log = Vec::new();
    let reply = AttributePayload {
        message_type: ConfigMessageType::REPLY,
        identifier: 20,
        attributes: config_attributes(&full(), Some(&vpnc_request()), &mut log),
    };
    // Written by hand from draft-dukes-ike-mode-cfg-02 3.2/3.3 and the
    // Cisco Unity attribute list: TLV (type, length, value) or TV
    // (0x8000 | type, value).
    let expect = hex(concat!(
        "02 00 0014",                                       // REPLY, identifier 20
        "0001 0004 0a050501",                               // INTERNAL_IP4_ADDRESS 10.5.5.1
        "0002 0004 ffffff00",                               // INTERNAL_IP4_NETMASK
        "0003 0004 01010101 0003 0004 02020202",            // DNS, one per server
        "0004 0004 03030303 0004 0004 04040404",            // NBNS
        "7002 0009 636973636f2e636f6d",                     // DEF_DOMAIN "cisco.com"
        "7008 000c 800100018002000180030002",               // FW_TYPE: the client's record
        "f007 0001",                                        // PFS (TV) 1
        "7000 0002 4869",                                   // BANNER "Hi"
        "f001 0001",                                        // SAVE_PASSWD (TV) 1
        "7004 000e c6336400 ffffff00 0000 0000 0000",       // 198.51.100.0/24
        "7003 0013 612e6578616d706c652c622e6578616d706c65", // "a.example,b.example"
        // 0x700A (DDNS_HOSTNAME) is not answered.
        "0007 0002 7631", // APPLICATION_VERSION "v1"
    ));
    assert_eq!(emit(&reply), expect);
    assert!(log.contains(&"Unknown Attr: UNKNOWN (0x700A)".to_string()));
    assert!(log.contains(&"Sending IP4_NBNS server address: 4.4.4.4".to_string()));
    assert!(log.contains(
        &"Sending SPLIT_INCLUDE network 198.51.100.0, mask 255.255.255.0, protocol 0, src port 0, dst port 0"
            .to_string()
    ));
}

#[test]
fn our_request_gets_everything_and_decodes_back() {
    let mut log = Vec::new();
    let reply = AttributePayload {
        message_type: ConfigMessageType::REPLY,
        identifier: 7,
        attributes: config_attributes(&full(), Some(&config_request(7)), &mut log),
    };
    let bytes = emit(&reply);
    let back = AttributePayload::parse(&bytes).unwrap();
    let mut want = full();
    // Our request carries no firewall record: the answer is an empty
    // record, still read as "firewall are-u-there".
    assert_eq!(
        back.attribute(A::UNITY_FW_TYPE)
            .and_then(DataAttribute::as_bytes),
        Some(&[][..])
    );
    assert_eq!(parse_config(&back), want);
    // LOCAL_LAN and BACKUP_SERVERS, which vpnc does not ask for.
    let ll = back.attribute(A::UNITY_LOCAL_LAN).unwrap();
    assert_eq!(emit_one(ll), hex("f006 0001"));
    let bs = back.attribute(A::UNITY_BACKUP_SERVERS).unwrap();
    assert_eq!(emit_one(bs), hex("7009 000e 3139322e302e322e372c68756232"));
    // A group with nothing of the Unity kind sends none of them and
    // logs each as IOS 12.3 does.
    want = ModeConfigAttributes {
        address: want.address,
        ..Default::default()
    };
    let mut log = Vec::new();
    let sent = config_attributes(&want, Some(&config_request(7)), &mut log);
    assert_eq!(sent.len(), 1);
    for k in [0x7000, 0x7001, 0x7003, 0x7006, 0x7007, 0x7009, 0x7008] {
        assert!(
            log.contains(&format!("Unknown Attr: UNKNOWN (0x{k:X})")),
            "{k:x}: {log:?}"
        );
        assert_eq!(
            attribute_name(k, Some(&want)),
            format!("UNKNOWN Unknown Attr: 0x{k:X}")
        );
    }
    // Known to IOS by name, so not "Unknown" although not sent.
    assert!(
        !log.iter()
            .any(|l| l.contains("0x7004") || l.contains("0x7002"))
    );
    assert_eq!(attribute_name(0x7000, Some(&full())), "MODECFG_BANNER");
    assert_eq!(
        attribute_name(0x7005, Some(&full())),
        "UNKNOWN Unknown Attr: 0x7005"
    );
}

fn emit_one(a: &DataAttribute) -> Vec<u8> {
    let mut out = Vec::new();
    a.emit(&mut out).unwrap();
    out
}

#[test]
fn split_include_ranges_become_subnets_and_bad_lengths_are_skipped() {
    let range = TrafficSelector {
        start: Ipv4Addr::new(10, 0, 0, 0),
        end: Ipv4Addr::new(10, 0, 2, 255),
        protocol: 0,
        port: 0,
    };
    assert_eq!(
        split_include_value(&[range]),
        vec![
            (Ipv4Addr::new(10, 0, 0, 0), Ipv4Addr::new(255, 255, 254, 0)),
            (Ipv4Addr::new(10, 0, 2, 0), Ipv4Addr::new(255, 255, 255, 0)),
        ]
    );
    let all = TrafficSelector::subnet(Ipv4Addr::UNSPECIFIED, 0);
    assert_eq!(
        split_include_value(&[all]),
        vec![(Ipv4Addr::UNSPECIFIED, Ipv4Addr::UNSPECIFIED)]
    );
    let bad = AttributePayload {
        message_type: ConfigMessageType::REPLY,
        identifier: 1,
        attributes: vec![DataAttribute::variable(
            A::UNITY_SPLIT_INCLUDE,
            hex("c6336400 ffffff00 0000 0000"),
        )],
    };
    assert!(parse_config(&bad).split_include.is_empty());
}

#[test]
fn legacy_xauth_numbering_is_answered_in_kind() {
    // draft-beaulieu-ike-xauth-02: XAUTH_TYPE 13, USER_NAME 14,
    // USER_PASSWORD 15, STATUS 20.
    let req = AttributePayload::parse(&hex("01 00 0042 800d 0000 000e 0000 000f 0000")).unwrap();
    let n = XauthNumbering::of_credentials(&req).unwrap();
    assert_eq!(n, XauthNumbering::Legacy);
    let pw = XauthPassword::new(b"pw".to_vec());
    let reply = xauth_reply(0x42, "u", &pw, n);
    assert_eq!(
        emit(&reply),
        hex("02 00 0042 800d 0000 000e 0001 75 000f 0002 7077")
    );
    let (u, p) = parse_xauth_reply(&reply).unwrap();
    assert_eq!(u, "u");
    assert!(p.matches(b"pw"));
    let set = AttributePayload::parse(&hex("03 00 0043 8014 0001")).unwrap();
    assert_eq!(xauth_status(&set), Some(true));
    assert_eq!(emit(&ack(&set)), hex("04 00 0043 8014 0000"));
    // The current numbering still wins, and a Mode Config REQUEST is
    // no Xauth.
    let cur = AttributePayload::parse(&hex("01 00 0001 c088 0000 4089 0000")).unwrap();
    assert_eq!(
        XauthNumbering::of_credentials(&cur),
        Some(XauthNumbering::Current)
    );
    assert_eq!(XauthNumbering::of_credentials(&config_request(1)), None);
    assert_eq!(xauth_status(&config_request(1)), None);
}

/// A REPLY held in a `Zeroizing` (as `open` returns it) has its
/// password wiped when dropped or zeroized: every TLV value is cleared,
/// the TV ones (XAUTH_TYPE) stay.
#[test]
fn an_xauth_reply_is_wiped() {
    let pw = XauthPassword::new(b"ikelab-pass".to_vec());
    let mut r = xauth_reply(1, "gfullage", &pw, XauthNumbering::Current);
    assert!(
        r.attributes
            .iter()
            .any(|a| a.as_bytes() == Some(b"ikelab-pass"))
    );
    r.zeroize();
    assert!(
        r.attributes
            .iter()
            .all(|a| a.as_bytes().is_none_or(<[u8]>::is_empty))
    );
    assert!(r.attributes.iter().any(|a| a.as_bytes().is_none()));
}

#[test]
fn xauth_reply_needs_both_fields() {
    let pw = XauthPassword::new(b"pw".to_vec());
    let r = xauth_reply(1, "gfullage", &pw, XauthNumbering::Current);
    let (u, p) = parse_xauth_reply(&r).unwrap();
    assert_eq!(u, "gfullage");
    assert!(p.matches(b"pw"));
    let mut bad = r.clone();
    bad.attributes
        .retain(|a| a.kind != A::XAUTH_USER_PASSWORD.0);
    assert!(parse_xauth_reply(&bad).is_err());
    assert_eq!(xauth_status(&xauth_set(3, false)), Some(false));
    assert_eq!(xauth_status(&xauth_set(3, true)), Some(true));
    assert_eq!(ack(&xauth_set(3, true)).identifier, 3);
}
