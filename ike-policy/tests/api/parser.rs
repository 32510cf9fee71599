//! The IOS-text parser: the seed's configurations as written, the rest of
//! the grammar, and bad input.

use ike_policy::ios::{ConfigError, Found, RefKind};
use ike_policy::model::*;
use ike_policy::{Secret, parse};

use crate::{hub, ip, spoke};

// ---------------------------------------------------------------------
// The seed's hub
// ---------------------------------------------------------------------

#[test]
fn hub_globals() {
    let c = hub();
    assert_eq!(c.hostname.as_deref(), Some("Hub"));
    assert!(c.service_password_encryption);
    assert!(c.aaa_new_model);
    assert_eq!(
        c.aaa_authentication_login,
        vec![AaaMethodList {
            name: "clientauth".into(),
            methods: vec![AaaMethod::Local],
            line: 14
        }]
    );
    assert_eq!(
        c.aaa_authorization_network,
        vec![AaaMethodList {
            name: "groupauthor".into(),
            methods: vec![AaaMethod::Local],
            line: 15
        }]
    );
    assert_eq!(
        c.users,
        vec![User {
            name: "gfullage".into(),
            privilege: None,
            credential: Credential::Password {
                plain: Secret::from("gfullage"),
                encoding: PasswordEncoding::Type7,
            },
            line: 10,
        }]
    );
    assert!(c.isakmp_keys.is_empty(), "the hub has no crypto isakmp key");
    assert_eq!(
        c.ipsec_sa_lifetime,
        SaLifetime {
            seconds: 3600,
            kilobytes: 4_608_000
        }
    );
    assert!(c.nat_transparency);
    assert_eq!(c.isakmp_keepalive, None);
    assert_eq!(c.nat_keepalive, None);
}

#[test]
fn hub_keyring_spokes_has_the_wildcard_key() {
    let c = hub();
    assert_eq!(
        c.keyrings,
        vec![Keyring {
            name: "spokes".into(),
            description: None,
            keys: vec![PresharedKey {
                peer: KeyPeer::Address {
                    address: ip("0.0.0.0"),
                    mask: ip("0.0.0.0")
                },
                key: Secret::from("cisco123"),
                no_xauth: false,
                line: 27,
            }],
            line: 26,
        }]
    );
    assert!(c.keyrings[0].keys[0].peer.is_wildcard());
}

#[test]
fn hub_policy_10() {
    let c = hub();
    assert_eq!(
        c.isakmp_policies,
        vec![IsakmpPolicy {
            priority: 10,
            encryption: IkeEncryption::TripleDes,
            hash: IkeHash::Sha, // IOS default, kept
            authentication: IkeAuthentication::PreShare,
            group: DhGroup::Group2,
            lifetime: 86400, // IOS default, kept
            line: 29,
        }]
    );
}

#[test]
fn hub_group_testgroup() {
    let c = hub();
    let mut expected = ClientConfigGroup::new("testgroup", 38);
    expected.key = Some(Secret::from("cisco321"));
    expected.dns = vec![ip("1.1.1.1"), ip("2.2.2.2")];
    expected.wins = vec![ip("3.3.3.3"), ip("4.4.4.4")];
    expected.domain = Some("cisco.com".into());
    expected.pool = Some("ippool".into());
    assert_eq!(c.client_groups, vec![expected]);
}

#[test]
fn hub_profiles_l2l_and_vpnclient() {
    let c = hub();
    let mut l2l = IsakmpProfile::new("L2L", 51);
    l2l.description = Some("LAN-to-LAN for spoke router(s) connection".into());
    l2l.keyrings = vec!["spokes".into()];
    l2l.match_identities = vec![MatchIdentity::Address {
        address: ip("0.0.0.0"),
        mask: None,
    }];
    let mut vpn = IsakmpProfile::new("VPNclient", 59);
    vpn.description = Some("VPN clients profile".into());
    vpn.match_identities = vec![MatchIdentity::Group("testgroup".into())];
    vpn.client_authentication_list = Some("clientauth".into());
    vpn.isakmp_authorization_list = Some("groupauthor".into());
    vpn.client_configuration_address = Some(ClientConfigAddress::Respond);
    assert_eq!(c.isakmp_profiles, vec![l2l, vpn]);
    // `match identity address 0.0.0.0` alone is the wildcard identity.
    assert_eq!(
        c.isakmp_profiles[0].match_identities[0].effective_mask(),
        Some(ip("0.0.0.0"))
    );
}

#[test]
fn hub_transform_set_and_maps() {
    let c = hub();
    assert_eq!(
        c.transform_sets,
        vec![TransformSet {
            name: "myset".into(),
            encryption: Some(EspEncryption::TripleDes),
            integrity: Some(EspIntegrity::ShaHmac),
            mode: EspMode::Tunnel,
            line: 67,
        }]
    );
    assert_eq!(
        c.transform_sets[0].transforms_text(),
        "esp-3des esp-sha-hmac"
    );

    let mut d5 = CryptoMapEntry::new(5, 73);
    d5.transform_sets = vec!["myset".into()];
    d5.isakmp_profile = Some("VPNclient".into());
    let mut d10 = CryptoMapEntry::new(10, 76);
    d10.transform_sets = vec!["myset".into()];
    d10.isakmp_profile = Some("L2L".into());
    assert_eq!(
        c.dynamic_maps,
        vec![DynamicMap {
            name: "dynmap".into(),
            entries: vec![d5, d10],
            line: 73
        }]
    );

    let mut m10 = CryptoMapEntry::new(10, 85);
    m10.dynamic_map = Some("dynmap".into());
    let mut mymap = CryptoMap::new("mymap", 85);
    mymap.entries = vec![m10];
    assert_eq!(c.crypto_maps, vec![mymap]);
}

#[test]
fn hub_interfaces_pool_route() {
    let c = hub();
    let mut fa0 = Interface::new("FastEthernet0/0", 89);
    fa0.description = Some("Outside interface".into());
    fa0.address = Some(InterfaceAddress::Static {
        address: ip("10.48.67.181"),
        mask: ip("255.255.255.224"),
    });
    fa0.crypto_map = Some("mymap".into());
    let mut fa1 = Interface::new("FastEthernet0/1", 97);
    fa1.description = Some("Inside interface".into());
    fa1.address = Some(InterfaceAddress::Static {
        address: ip("10.1.1.1"),
        mask: ip("255.255.254.0"),
    });
    assert_eq!(c.interfaces, vec![fa0, fa1]);

    assert_eq!(
        c.local_pools,
        vec![LocalPool {
            name: "ippool".into(),
            ranges: vec![PoolRange {
                first: ip("10.5.5.1"),
                last: ip("10.5.5.254")
            }],
            line: 105,
        }]
    );
    assert_eq!(
        c.ip_routes,
        vec![IpRoute {
            prefix: ip("0.0.0.0"),
            mask: ip("0.0.0.0"),
            next_hop: Some(ip("10.48.66.181")),
            interface: None,
            distance: None,
            line: 109,
        }]
    );
    assert!(c.access_lists.is_empty());
    let crypto: Vec<_> = c
        .crypto_interfaces()
        .map(|(i, m)| (i.name.as_str(), m.name.as_str()))
        .collect();
    assert_eq!(crypto, vec![("FastEthernet0/0", "mymap")]);
}

fn ignored(c: &Config) -> Vec<(usize, &str)> {
    c.ignored.iter().map(|l| (l.line, l.text.trim())).collect()
}

#[test]
fn hub_ignored_lines_are_kept_with_their_numbers() {
    let c = hub();
    assert_eq!(
        ignored(&c),
        vec![
            (1, "version 12.3"),
            (2, "service timestamps debug datetime msec"),
            (3, "service timestamps log datetime msec"),
            (8, "no logging on"),
            (16, "aaa session-id common"),
            (17, "ip subnet-zero"),
            (20, "no ip domain lookup"),
            (92, "no ip mroute-cache"),
            (93, "duplex auto"),
            (94, "speed auto"),
            (101, "duplex auto"),
            (102, "speed auto"),
            (103, "no keepalive"),
            (106, "no ip http server"),
            (107, "no ip http secure-server"),
            (108, "ip classless"),
            (113, "call rsvp-sync"),
            (116, "dial-peer cor custom"),
            (119, "line con 0"),
            (120, "exec-timeout 0 0"),
            (121, "escape-character 27"),
            (122, "line aux 0"),
            (123, "line vty 0 4"),
            (124, "password 7 121A0C041104"),
            (127, "end"),
        ]
    );
    // The line vty password is kept, but not shown by Debug.
    let dbg = format!("{c:?}");
    assert!(!dbg.contains("121A0C041104"));
    assert!(!dbg.contains("cisco123") && !dbg.contains("cisco321"));
}

// ---------------------------------------------------------------------
// The seed's spoke
// ---------------------------------------------------------------------

#[test]
fn spoke_globals_policy_and_key() {
    let c = spoke();
    assert_eq!(c.hostname.as_deref(), Some("Spoke"));
    assert!(!c.service_password_encryption);
    assert!(!c.aaa_new_model);
    assert!(c.users.is_empty() && c.keyrings.is_empty() && c.isakmp_profiles.is_empty());
    assert_eq!(
        c.isakmp_policies,
        vec![IsakmpPolicy {
            priority: 10,
            encryption: IkeEncryption::TripleDes,
            hash: IkeHash::Sha,
            authentication: IkeAuthentication::PreShare,
            group: DhGroup::Group2,
            lifetime: 86400,
            line: 16,
        }]
    );
    assert_eq!(
        c.isakmp_keys,
        vec![PresharedKey {
            peer: KeyPeer::Address {
                address: ip("10.48.67.181"),
                mask: ip("255.255.255.255")
            },
            key: Secret::from("cisco123"),
            no_xauth: false,
            line: 20,
        }]
    );
}

#[test]
fn spoke_static_map_and_acl_100() {
    let c = spoke();
    let mut e = CryptoMapEntry::new(10, 29);
    e.peers = vec![ip("10.48.67.181")];
    e.transform_sets = vec!["myset".into()];
    e.match_address = Some("100".into());
    let mut m = CryptoMap::new("mymap", 29);
    m.entries = vec![e];
    assert_eq!(c.crypto_maps, vec![m]);
    assert!(c.dynamic_maps.is_empty());
    assert_eq!(c.transform_set("myset").map(|t| t.line), Some(23));

    assert_eq!(
        c.access_lists,
        vec![AccessList {
            name: "100".into(),
            kind: AclKind::Extended,
            entries: vec![AclEntry {
                action: AclAction::Permit,
                protocol: AclProtocol::Ip,
                source: AddressWildcard::new(ip("10.2.0.0"), ip("0.0.255.255")),
                source_port: None,
                destination: AddressWildcard::new(ip("10.1.0.0"), ip("0.0.255.255")),
                destination_port: None,
                icmp_type: None,
                established: false,
                log: false,
                line: 69,
            }],
            line: 69,
        }]
    );
}

#[test]
fn spoke_interfaces_dhcp_and_no_address() {
    let c = spoke();
    let mut fa0 = Interface::new("FastEthernet0/0", 38);
    fa0.description = Some("Outside interface".into());
    fa0.address = Some(InterfaceAddress::Dhcp);
    fa0.crypto_map = Some("mymap".into());
    let mut fa1 = Interface::new("FastEthernet0/1", 46);
    fa1.description = Some("Inside interface".into());
    fa1.address = Some(InterfaceAddress::Static {
        address: ip("10.2.2.2"),
        mask: ip("255.255.255.0"),
    });
    let mut atm = Interface::new("ATM1/0", 53);
    atm.shutdown = true;
    assert_eq!(c.interfaces, vec![fa0, fa1, atm]);
    assert_eq!(c.ip_routes.len(), 1);
    assert_eq!(c.ip_routes[0].next_hop, Some(ip("10.100.2.3")));
    assert_eq!(c.ip_routes[0].line, 59);
}

#[test]
fn spoke_ignored_lines_are_kept_with_their_numbers() {
    let c = spoke();
    assert_eq!(
        ignored(&c),
        vec![
            (1, "version 12.2"),
            (2, "service timestamps debug datetime msec"),
            (3, "service timestamps log datetime msec"),
            (8, "no logging on"),
            (10, "ip subnet-zero"),
            (11, "no ip domain lookup"),
            (13, "ip cef"),
            (35, "controller ISA 5/1"),
            (42, "duplex auto"),
            (43, "speed auto"),
            (49, "duplex auto"),
            (50, "speed auto"),
            (51, "no keepalive"),
            (56, "no atm ilmi-keepalive"),
            (58, "ip classless"),
            (60, "no ip http server"),
            (61, "no ip http secure-server"),
            (72, "call rsvp-sync"),
            (75, "mgcp profile default"),
            (78, "line con 0"),
            (79, "exec-timeout 0 0"),
            (80, "line aux 0"),
            (81, "line vty 0 4"),
            (82, "password cisco"),
            (83, "login"),
            (86, "end"),
        ]
    );
    let dbg = format!("{c:?}");
    assert!(
        !dbg.contains("password cisco"),
        "a line vty password is not printed"
    );
}

#[test]
fn crlf_line_endings_parse_the_same() {
    let crlf = crate::HUB.replace('\n', "\r\n");
    assert_eq!(parse(&crlf).unwrap(), hub());
}

// ---------------------------------------------------------------------
// The rest of the grammar
// ---------------------------------------------------------------------

#[test]
fn keys_keyrings_and_no_xauth() {
    let c = parse(
        "crypto isakmp key 0 secret1 address 192.0.2.0 255.255.255.0 no-xauth\n\
         crypto isakmp key secret2 hostname peer.example.com\n\
         crypto isakmp key 0 address 198.51.100.1\n\
         crypto keyring ring1\n\
         \x20description branch offices\n\
         \x20pre-shared-key address 203.0.113.7 key 0 k7\n\
         \x20pre-shared-key hostname gw.example.com key kh\n\
         \x20pre-shared-key address 203.0.113.7 key k7b\n",
    )
    .unwrap();
    assert_eq!(c.isakmp_keys.len(), 3);
    assert_eq!(c.isakmp_keys[0].key, Secret::from("secret1"));
    assert!(c.isakmp_keys[0].no_xauth);
    assert_eq!(
        c.isakmp_keys[0].peer,
        KeyPeer::Address {
            address: ip("192.0.2.0"),
            mask: ip("255.255.255.0")
        }
    );
    assert_eq!(
        c.isakmp_keys[1].peer,
        KeyPeer::Hostname("peer.example.com".into())
    );
    assert!(!c.isakmp_keys[1].no_xauth);
    // `key 0 address A`: the key is "0" (no type follows).
    assert_eq!(c.isakmp_keys[2].key, Secret::from("0"));
    let ring = c.keyring("ring1").unwrap();
    assert_eq!(ring.description.as_deref(), Some("branch offices"));
    // The second key for 203.0.113.7 replaces the first.
    assert_eq!(ring.keys.len(), 2);
    assert_eq!(ring.keys[0].key, Secret::from("k7b"));
    assert_eq!(ring.keys[0].line, 8);
    assert_eq!(
        ring.keys[1].peer,
        KeyPeer::Hostname("gw.example.com".into())
    );
}

/// Twenty thousand keyring entries and all ten thousand ISAKMP policy
/// priorities, every one entered twice: each re-entered key replaces its first entry in place and
/// each re-entered header re-opens its policy, as with a handful. (The parse
/// indexes these lists by peer and priority rather than scanning them, so
/// this stays linear; the test checks the result, `benches` the time.)
#[test]
fn twenty_thousand_keyring_entries_and_policies() {
    const N: u32 = 20_000;
    const P: u32 = 10_000; // IOS's highest priority
    let mut text = String::from("crypto keyring big\n");
    let peer = |i: u32| std::net::Ipv4Addr::from(0x0A00_0000 + i);
    for i in 0..N {
        text.push_str(&format!(" pre-shared-key address {} key k{i}\n", peer(i)));
    }
    for i in 0..N {
        text.push_str(&format!(
            " pre-shared-key address {} key again{i}\n",
            peer(i)
        ));
    }
    for p in 1..=P {
        text.push_str(&format!("crypto isakmp policy {p}\n hash md5\n"));
    }
    for p in 1..=P {
        text.push_str(&format!("crypto isakmp policy {p}\n group 14\n"));
    }
    let c = parse(&text).unwrap();
    let ring = c.keyring("big").unwrap();
    assert_eq!(ring.keys.len(), N as usize);
    for (i, k) in ring.keys.iter().enumerate() {
        let i = i as u32;
        assert_eq!(
            k.peer,
            KeyPeer::Address {
                address: peer(i),
                mask: ip("255.255.255.255")
            }
        );
        assert_eq!(k.key, Secret::from(format!("again{i}").as_str()));
        assert_eq!(k.line, (N + i + 2) as usize);
    }
    assert_eq!(c.isakmp_policies.len(), P as usize);
    for (i, p) in c.isakmp_policies.iter().enumerate() {
        assert_eq!(p.priority as usize, i + 1);
        assert_eq!(p.hash, IkeHash::Md5);
        assert_eq!(p.group, DhGroup::Group14);
    }
}

#[test]
fn policies_with_abbreviations_and_defaults() {
    let c = parse(
        "crypto isakmp policy 20\n\
         \x20encryption aes 256\n\
         \x20ha sha256\n\
         \x20auth pre\n\
         \x20gr 14\n\
         \x20life 3600\n\
         crypto isakmp policy 5\n\
         crypto isakmp policy 30\n\
         \x20encr aes\n\
         \x20hash md5\n\
         \x20authentication rsa-sig\n\
         crypto isakmp policy 20\n\
         \x20group 5\n",
    )
    .unwrap();
    let p20 = c.isakmp_policy(20).unwrap();
    assert_eq!(p20.encryption, IkeEncryption::Aes(AesKeyLength::Aes256));
    assert_eq!(p20.hash, IkeHash::Sha256);
    assert_eq!(p20.authentication, IkeAuthentication::PreShare);
    assert_eq!(p20.group, DhGroup::Group5, "re-entering a policy edits it");
    assert_eq!(p20.lifetime, 3600);
    // A policy with nothing set has IOS's defaults.
    assert_eq!(
        *c.isakmp_policy(5).unwrap(),
        IsakmpPolicy::with_defaults(5, 7)
    );
    let p30 = c.isakmp_policy(30).unwrap();
    assert_eq!(p30.encryption, IkeEncryption::Aes(AesKeyLength::Aes128));
    assert_eq!(p30.authentication, IkeAuthentication::RsaSig);
    assert!(!p30.authentication.is_supported());
    let order: Vec<u16> = c
        .isakmp_policies_by_priority()
        .iter()
        .map(|p| p.priority)
        .collect();
    assert_eq!(order, vec![5, 20, 30]);
}

#[test]
fn blocks_follow_ios_rules() {
    let c = parse(
        "crypto isakmp policy 10\n\
         encr 3des\n\
         ! a comment does not end the block\n\
         \n\
         \x20group 2\n\
         exit\n\
         \x20hash md5\n\
         crypto ipsec transform-set t esp-aes 192 esp-sha256-hmac\n\
         mode transport\n",
    )
    .unwrap();
    let p = c.isakmp_policy(10).unwrap();
    // IOS ignores indentation: an unindented policy command still belongs
    // to the policy.
    assert_eq!(p.encryption, IkeEncryption::TripleDes);
    assert_eq!(p.group, DhGroup::Group2);
    // After `exit`, ` hash md5` is a global line nobody knows: kept aside.
    assert_eq!(p.hash, IkeHash::Sha);
    assert_eq!(c.ignored.len(), 1);
    assert_eq!(c.ignored[0].line, 7);
    let t = c.transform_set("t").unwrap();
    assert_eq!(t.encryption, Some(EspEncryption::Aes(AesKeyLength::Aes192)));
    assert_eq!(t.integrity, Some(EspIntegrity::Sha256Hmac));
    assert_eq!(t.mode, EspMode::Transport);
    assert_eq!(t.transforms_text(), "esp-aes 192 esp-sha256-hmac");
}

#[test]
fn transform_sets_of_every_kind() {
    let c = parse(
        "crypto ipsec transform-set a esp-des esp-md5-hmac\n\
         crypto ipsec transform-set b esp-gcm 256\n\
         crypto ipsec transform-set c esp-null esp-sha-hmac\n\
         crypto ipsec transform-set d esp-sha512-hmac\n\
         crypto ipsec transform-set e esp-gcm\n\
         crypto ipsec transform-set f esp-aes esp-sha384-hmac\n",
    )
    .unwrap();
    let ts = |n: &str| {
        let t = c.transform_set(n).unwrap();
        (t.encryption, t.integrity)
    };
    assert_eq!(
        ts("a"),
        (Some(EspEncryption::Des), Some(EspIntegrity::Md5Hmac))
    );
    assert_eq!(
        ts("b"),
        (Some(EspEncryption::Gcm(AesKeyLength::Aes256)), None)
    );
    assert_eq!(
        ts("c"),
        (Some(EspEncryption::Null), Some(EspIntegrity::ShaHmac))
    );
    assert_eq!(ts("d"), (None, Some(EspIntegrity::Sha512Hmac)));
    assert_eq!(
        ts("e"),
        (Some(EspEncryption::Gcm(AesKeyLength::Aes128)), None)
    );
    assert_eq!(
        ts("f"),
        (
            Some(EspEncryption::Aes(AesKeyLength::Aes128)),
            Some(EspIntegrity::Sha384Hmac)
        )
    );
}

#[test]
fn crypto_map_entries_with_every_setting() {
    let c = parse(
        "crypto ipsec transform-set t1 esp-3des esp-sha-hmac\n\
         crypto ipsec transform-set t2 esp-aes 256 esp-sha-hmac\n\
         crypto ipsec security-association lifetime seconds 1800\n\
         crypto ipsec security-association lifetime kilobytes 100000\n\
         access-list 101 permit ip 10.0.0.0 0.255.255.255 any\n\
         crypto isakmp profile P\n\
         \x20match identity host peer.example.com\n\
         aaa new-model\n\
         aaa authentication login xa local group radius\n\
         aaa authorization network gr local\n\
         crypto map M client authentication list xa\n\
         crypto map M isakmp authorization list gr\n\
         crypto map M client configuration address initiate\n\
         crypto map M 10 ipsec-isakmp\n\
         \x20description to the branch\n\
         \x20set peer 192.0.2.1\n\
         \x20set peer 192.0.2.2 default\n\
         \x20set transform-set t1 t2\n\
         \x20set pfs group14\n\
         \x20set security-association lifetime seconds 900\n\
         \x20set security-association lifetime kilobytes 8192\n\
         \x20set isakmp-profile P\n\
         \x20match address 101\n\
         \x20reverse-route static\n\
         crypto map M 20\n\
         \x20set peer 192.0.2.9\n\
         \x20set pfs\n\
         \x20set transform-set t1\n\
         \x20match address 101\n\
         crypto dynamic-map D 1\n\
         \x20set transform-set t2\n\
         crypto map M 65535 ipsec-isakmp dynamic D discover\n",
    )
    .unwrap();
    assert_eq!(
        c.ipsec_sa_lifetime,
        SaLifetime {
            seconds: 1800,
            kilobytes: 100_000
        }
    );
    let m = c.crypto_map("M").unwrap();
    assert_eq!(m.client_authentication_list.as_deref(), Some("xa"));
    assert_eq!(m.isakmp_authorization_list.as_deref(), Some("gr"));
    assert_eq!(
        m.client_configuration_address,
        Some(ClientConfigAddress::Initiate)
    );
    let e10 = m.entry(10).unwrap();
    assert_eq!(e10.description.as_deref(), Some("to the branch"));
    assert_eq!(e10.peers, vec![ip("192.0.2.1"), ip("192.0.2.2")]);
    assert_eq!(e10.transform_sets, vec!["t1".to_string(), "t2".to_string()]);
    assert_eq!(e10.pfs, Some(DhGroup::Group14));
    assert_eq!(
        e10.sa_lifetime(c.ipsec_sa_lifetime),
        SaLifetime {
            seconds: 900,
            kilobytes: 8192
        }
    );
    assert_eq!(e10.isakmp_profile.as_deref(), Some("P"));
    assert!(e10.reverse_route);
    let e20 = m.entry(20).unwrap();
    assert_eq!(e20.pfs, Some(DhGroup::Group1), "set pfs alone is group 1");
    assert_eq!(e20.sa_lifetime(c.ipsec_sa_lifetime), c.ipsec_sa_lifetime);
    assert_eq!(m.entry(65535).unwrap().dynamic_map.as_deref(), Some("D"));
    assert_eq!(
        c.authentication_login_list("xa").unwrap().methods,
        vec![AaaMethod::Local, AaaMethod::Group("radius".into())]
    );
    assert_eq!(
        c.isakmp_profile("P").unwrap().match_identities,
        vec![MatchIdentity::Host("peer.example.com".into())]
    );
}

#[test]
fn profiles_and_groups_in_full() {
    let c = parse(
        "crypto keyring k1\n\
         crypto keyring k2\n\
         ip local pool p 10.9.0.1 10.9.0.50\n\
         ip local pool p 10.9.1.1\n\
         access-list 150 permit ip 10.0.0.0 0.0.255.255 any\n\
         crypto isakmp client configuration group g\n\
         \x20key 0 grk\n\
         \x20dns 9.9.9.9\n\
         \x20pool p\n\
         \x20acl 150\n\
         \x20netmask 255.255.255.0\n\
         \x20save-password\n\
         \x20include-local-lan\n\
         \x20pfs\n\
         \x20max-users 10\n\
         \x20max-logins 2\n\
         \x20backup-gateway 192.0.2.44\n\
         \x20split-dns example.com\n\
         crypto isakmp client configuration address-pool local p\n\
         crypto isakmp profile P\n\
         \x20keyring k1\n\
         \x20keyring k2\n\
         \x20match identity address 192.0.2.0 255.255.255.0\n\
         \x20match identity address 198.51.100.7\n\
         \x20match identity host domain example.com\n\
         \x20match identity user joe@example.com\n\
         \x20match identity user domain example.org\n\
         \x20match identity group g\n\
         \x20client configuration group g\n\
         \x20keepalive 10 retry 3\n\
         \x20self-identity fqdn\n\
         \x20initiate mode aggressive\n\
         \x20local-address FastEthernet0/0\n\
         crypto isakmp keepalive 20 5 periodic\n\
         crypto isakmp nat keepalive 30\n\
         crypto isakmp identity hostname\n\
         no crypto ipsec nat-transparency udp-encapsulation\n",
    )
    .unwrap();
    let g = c.client_group("g").unwrap();
    assert_eq!(g.key, Some(Secret::from("grk")));
    assert_eq!(g.dns, vec![ip("9.9.9.9")]);
    assert!(g.wins.is_empty());
    assert_eq!(
        (g.pool.as_deref(), g.acl.as_deref()),
        (Some("p"), Some("150"))
    );
    assert_eq!(g.netmask, Some(ip("255.255.255.0")));
    assert!(g.save_password && g.include_local_lan && g.pfs);
    assert_eq!((g.max_users, g.max_logins), (Some(10), Some(2)));
    assert_eq!(g.backup_gateways, vec!["192.0.2.44".to_string()]);
    assert_eq!(g.split_dns, vec!["example.com".to_string()]);
    assert_eq!(c.client_address_pool.as_deref(), Some("p"));
    assert_eq!(c.local_pool("p").unwrap().ranges.len(), 2);
    assert_eq!(
        c.local_pool("p").unwrap().ranges[1],
        PoolRange {
            first: ip("10.9.1.1"),
            last: ip("10.9.1.1")
        }
    );

    let p = c.isakmp_profile("P").unwrap();
    assert_eq!(p.keyrings, vec!["k1".to_string(), "k2".to_string()]);
    assert_eq!(
        p.match_identities,
        vec![
            MatchIdentity::Address {
                address: ip("192.0.2.0"),
                mask: Some(ip("255.255.255.0"))
            },
            MatchIdentity::Address {
                address: ip("198.51.100.7"),
                mask: None
            },
            MatchIdentity::HostDomain("example.com".into()),
            MatchIdentity::User("joe@example.com".into()),
            MatchIdentity::UserDomain("example.org".into()),
            MatchIdentity::Group("g".into()),
        ]
    );
    assert_eq!(
        p.match_identities[1].effective_mask(),
        Some(ip("255.255.255.255"))
    );
    assert_eq!(p.client_configuration_group.as_deref(), Some("g"));
    assert_eq!(
        p.keepalive,
        Some(ProfileKeepalive {
            interval: 10,
            retry: 3
        })
    );
    assert_eq!(p.self_identity, Some(SelfIdentity::Fqdn));
    assert!(p.initiate_aggressive);
    assert_eq!(p.local_address.as_deref(), Some("FastEthernet0/0"));
    assert_eq!(
        c.isakmp_keepalive,
        Some(IsakmpKeepalive {
            interval: 20,
            retry: 5,
            mode: KeepaliveMode::Periodic
        })
    );
    assert_eq!(c.nat_keepalive, Some(30));
    assert_eq!(c.isakmp_identity, Some(IsakmpIdentity::Hostname));
    assert!(!c.nat_transparency);
}

#[test]
fn access_lists_of_every_shape() {
    let c = parse(
        "access-list 10 permit 10.1.1.0 0.0.0.255\n\
         access-list 10 deny any\n\
         access-list 10 permit host 10.9.9.9\n\
         access-list 10 permit 10.8.8.8\n\
         access-list 110 remark web traffic\n\
         access-list 110 permit tcp host 10.1.1.1 any eq www log\n\
         access-list 110 permit udp any range 1000 2000 10.0.0.0 0.0.255.0 neq 53\n\
         access-list 110 deny icmp any any echo\n\
         access-list 110 permit 50 any any\n\
         access-list 110 permit tcp any gt 1023 any lt 1024 established\n\
         access-list 110 permit esp any any\n\
         ip access-list extended named\n\
         \x20remark a named list\n\
         \x2010 permit ip 172.16.0.0 0.0.15.255 any\n\
         \x20deny udp any any eq isakmp\n\
         ip access-list standard std\n\
         \x20permit 192.168.0.0 0.0.255.255\n",
    )
    .unwrap();
    let a10 = c.access_list("10").unwrap();
    assert_eq!(a10.kind, AclKind::Standard);
    assert_eq!(a10.entries.len(), 4);
    assert_eq!(a10.entries[1].action, AclAction::Deny);
    assert!(a10.entries[1].source.is_any());
    assert_eq!(a10.entries[2].source, AddressWildcard::host(ip("10.9.9.9")));
    assert_eq!(a10.entries[3].source, AddressWildcard::host(ip("10.8.8.8")));

    let a110 = c.access_list("110").unwrap();
    assert_eq!(a110.kind, AclKind::Extended);
    assert_eq!(a110.entries.len(), 6, "remarks are not entries");
    let e = &a110.entries[0];
    assert_eq!(
        (e.protocol, e.destination_port, e.log),
        (AclProtocol::Tcp, Some(PortMatch::Eq(80)), true)
    );
    let e = &a110.entries[1];
    assert_eq!(e.protocol, AclProtocol::Udp);
    assert_eq!(e.source_port, Some(PortMatch::Range(1000, 2000)));
    assert_eq!(
        e.destination,
        AddressWildcard::new(ip("10.0.0.0"), ip("0.0.255.0"))
    );
    assert_eq!(e.destination.prefix_len(), None);
    assert_eq!(e.destination_port, Some(PortMatch::Neq(53)));
    assert_eq!(
        (a110.entries[2].protocol, a110.entries[2].icmp_type),
        (AclProtocol::Icmp, Some(8))
    );
    assert_eq!(a110.entries[3].protocol, AclProtocol::Number(50));
    let e = &a110.entries[4];
    assert_eq!(
        (e.source_port, e.destination_port, e.established),
        (Some(PortMatch::Gt(1023)), Some(PortMatch::Lt(1024)), true)
    );
    assert_eq!(a110.entries[5].protocol.number(), Some(50));

    let named = c.access_list("named").unwrap();
    assert_eq!(named.kind, AclKind::Extended);
    assert_eq!(named.entries.len(), 2);
    assert_eq!(named.entries[0].source.prefix_len(), Some(20));
    assert_eq!(named.entries[1].destination_port, Some(PortMatch::Eq(500)));
    let std = c.access_list("std").unwrap();
    assert_eq!((std.kind, std.entries.len()), (AclKind::Standard, 1));
}

#[test]
fn users_of_every_kind() {
    let c = parse(
        "username a password 0 pw-a\n\
         username b password pw-b\n\
         username c privilege 15 secret 5 $1$abcd$0123456789abcdefghij\n\
         username d secret pw-d\n\
         username e nopassword\n\
         username f password 7 0822455D0A16\n",
    )
    .unwrap();
    let cred = |n: &str| c.user(n).unwrap().credential.clone();
    assert_eq!(
        cred("a"),
        Credential::Password {
            plain: Secret::from("pw-a"),
            encoding: PasswordEncoding::Clear
        }
    );
    assert_eq!(
        cred("b"),
        Credential::Password {
            plain: Secret::from("pw-b"),
            encoding: PasswordEncoding::Clear
        }
    );
    assert_eq!(
        cred("c"),
        Credential::Hashed {
            kind: 5,
            hash: Secret::from("$1$abcd$0123456789abcdefghij")
        }
    );
    assert_eq!(c.user("c").unwrap().privilege, Some(15));
    assert_eq!(
        cred("d"),
        Credential::Password {
            plain: Secret::from("pw-d"),
            encoding: PasswordEncoding::Clear
        }
    );
    assert_eq!(cred("e"), Credential::NoPassword);
    assert_eq!(
        cred("f"),
        Credential::Password {
            plain: Secret::from("cisco"),
            encoding: PasswordEncoding::Type7
        }
    );
    assert!(!format!("{c:?}").contains("pw-"));
    assert!(!format!("{c:?}").contains("abcd"));
}

#[test]
fn out_of_scope_blocks_are_kept_aside() {
    let c = parse(
        "crypto pki trustpoint TP-self-signed-1\n\
         \x20enrollment selfsigned\n\
         crypto pki certificate chain TP-self-signed-1\n\
         \x20certificate self-signed 01\n\
         \x20 3082023E 308201A7\n\
         \x20 quit\n\
         banner motd ^C\n\
         Cisco router: crypto isakmp policy 1 is banner text\n\
         crypto isakmp policy 1\n\
         ^C\n\
         banner login #one line#\n\
         no crypto isakmp ccm\n\
         ip dhcp pool lan\n\
         \x20network 10.2.2.0 255.255.255.0\n\
         enable secret 5 $1$xyz\n\
         hostname R1\n",
    )
    .unwrap();
    assert_eq!(c.hostname.as_deref(), Some("R1"));
    assert!(c.isakmp_policies.is_empty(), "banner text is not a command");
    let lines: Vec<usize> = c.ignored.iter().map(|l| l.line).collect();
    assert_eq!(lines, (1..=15).collect::<Vec<_>>());
    assert!(!format!("{c:?}").contains("$1$xyz"));
}

// ---------------------------------------------------------------------
// Bad input: every error with its line and column
// ---------------------------------------------------------------------

/// (configuration, line, column, message)
const SYNTAX_ERRORS: &[(&str, usize, usize, &str)] = &[
    (
        "crypto keyring spokes\n  pre-shared-key adress 0.0.0.0 0.0.0.0 key cisco123\n",
        2,
        18,
        "expected 'address' or 'hostname', found 'adress'",
    ),
    (
        "crypto keyring spokes\n pre-shared-key address 0.0.0.0 0.0.0.0 cisco123\n",
        2,
        41,
        "expected 'key', found 'cisco123'",
    ),
    (
        "crypto keyring spokes\n pre-shared-key address 0.0.0.0 kee cisco123\n",
        2,
        33,
        "expected a subnet mask or 'key', found 'kee'",
    ),
    (
        "crypto keyring spokes\n pre-shared-key address 0.0.0.0 0.0.0.0 key\n",
        2,
        44,
        "expected a key, found end of line",
    ),
    (
        "crypto keyring\n",
        1,
        15,
        "expected a keyring name, found end of line",
    ),
    (
        "crypto isakmp policy 10\n encr blowfish\n",
        2,
        7,
        "expected 'des', '3des' or 'aes', found 'blowfish'",
    ),
    (
        "crypto isakmp policy 10\n encr aes 512\n",
        2,
        11,
        "expected end of line, found '512'",
    ),
    (
        "crypto isakmp policy 10\n group 3\n",
        2,
        8,
        "expected '1', '2', '5', '14', '15' or '16', found '3'",
    ),
    (
        "crypto isakmp policy 10\n lifetime 30\n",
        2,
        11,
        "expected a number from 60 to 86400, found '30'",
    ),
    (
        "crypto isakmp policy 10\n hash sha1\n",
        2,
        7,
        "expected 'md5', 'sha', 'sha256', 'sha384' or 'sha512', found 'sha1'",
    ),
    (
        "crypto isakmp policy 10\n authentication pre-share extra\n",
        2,
        27,
        "expected end of line, found 'extra'",
    ),
    (
        "crypto isakmp policy 0\n",
        1,
        22,
        "expected a number from 1 to 10000, found '0'",
    ),
    (
        "crypto isakmp policy 10\n encrr 3des\n",
        2,
        2,
        "expected 'encryption', 'hash', 'authentication', 'group', 'lifetime' or 'exit', found 'encrr'",
    ),
    (
        "crypto isakmp key cisco123 adress 10.48.67.181\n",
        1,
        28,
        "expected 'address' or 'hostname', found 'adress'",
    ),
    (
        "crypto isakmp key cisco123 address 10.48.67\n",
        1,
        36,
        "expected an IPv4 address, found '10.48.67'",
    ),
    (
        "crypto isakmp key cisco123 address 10.48.67.181 255.255.255.255 noxauth\n",
        1,
        65,
        "expected 'no-xauth' or end of line, found 'noxauth'",
    ),
    (
        "crypto isakmp profile L2L\n match identity adress 0.0.0.0\n",
        2,
        17,
        "expected 'address', 'group', 'host' or 'user', found 'adress'",
    ),
    (
        "crypto isakmp profile L2L\n keepalive 10\n",
        2,
        14,
        "expected 'retry', found end of line",
    ),
    (
        "crypto isakmp profile L2L\n client configuration address reply\n",
        2,
        31,
        "expected 'respond' or 'initiate', found 'reply'",
    ),
    (
        "crypto isakmp client configuration group g\n dns 1.1.1\n",
        2,
        6,
        "expected an IPv4 address, found '1.1.1'",
    ),
    (
        "crypto isakmp frobnicate\n",
        1,
        15,
        "expected 'policy', 'key', 'profile', 'client', 'keepalive', 'nat', 'identity', 'aggressive-mode', 'peer', 'fragmentation', 'invalid-spi-recovery' or 'xauth', found 'frobnicate'",
    ),
    (
        "crypto frobnicate\n",
        1,
        8,
        "expected 'keyring', 'isakmp', 'ipsec', 'map', 'dynamic-map', 'pki', 'ca' or 'key', found 'frobnicate'",
    ),
    (
        "crypto ipsec transform-set myset esp-3des esp-sha\n",
        1,
        43,
        "expected 'esp-des', 'esp-3des', 'esp-aes', 'esp-gcm', 'esp-null', 'esp-md5-hmac', 'esp-sha-hmac', 'esp-sha256-hmac', 'esp-sha384-hmac' or 'esp-sha512-hmac', found 'esp-sha'",
    ),
    (
        "crypto ipsec transform-set myset\n",
        1,
        33,
        "expected an ESP transform, found end of line",
    ),
    (
        "crypto ipsec transform-set myset esp-3des\n mode tunel\n",
        2,
        7,
        "expected 'tunnel' or 'transport', found 'tunel'",
    ),
    (
        "crypto map mymap 10 ipsec-isakmp\n set peer 10.0.0\n",
        2,
        11,
        "expected an IPv4 address or a host name, found '10.0.0'",
    ),
    (
        "crypto map mymap 10 ipsec-isakmp\n set pfs group3\n",
        2,
        10,
        "expected end of line, found 'group3'",
    ),
    (
        "crypto map mymap 10 ipsec-isakmp\n set security-association lifetime minutes 5\n",
        2,
        36,
        "expected 'seconds' or 'kilobytes', found 'minutes'",
    ),
    (
        "crypto map mymap 10 ipsec-isakmp\n set transform-set\n",
        2,
        19,
        "expected a transform set name, found end of line",
    ),
    (
        "crypto map mymap 10 ipsec-isakmp\n match adress 100\n",
        2,
        8,
        "expected 'address', found 'adress'",
    ),
    (
        "crypto map mymap 10 ipsec-isakmp\n set peerr 10.0.0.1\n",
        2,
        6,
        "expected 'peer', 'transform-set', 'pfs', 'security-association' or 'isakmp-profile', found 'peerr'",
    ),
    (
        "crypto map mymap 10 ipsec-isakmp\n sett peer 10.0.0.1\n",
        2,
        2,
        "expected 'set', 'match', 'description', 'reverse-route' or 'exit', found 'sett'",
    ),
    (
        "crypto map mymap 70000\n",
        1,
        18,
        "expected 'client', 'isakmp', 'isakmp-profile' or 'local-address', found '70000'",
    ),
    (
        "crypto dynamic-map dynmap\n",
        1,
        26,
        "expected a number from 1 to 65535, found end of line",
    ),
    (
        "access-list 100 permit ip 10.2.0.0 0.0.255.255\n",
        1,
        47,
        "expected 'any', 'host' or an IPv4 address, found end of line",
    ),
    (
        "access-list 100 permit ipx any any\n",
        1,
        24,
        "expected a protocol ('ip', 'tcp', 'udp', 'icmp', a name or a number 0-255), found 'ipx'",
    ),
    (
        "access-list 100 permit tcp any any eq http-alt\n",
        1,
        39,
        "expected a port number or name, found 'http-alt'",
    ),
    (
        "access-list 100 permit ip any any eq 80\n",
        1,
        35,
        "expected 'log', 'log-input' or end of line, found 'eq'",
    ),
    (
        "access-list 100 allow ip any any\n",
        1,
        17,
        "expected 'permit', 'deny' or 'remark', found 'allow'",
    ),
    (
        "access-list 250 permit ip any any\n",
        1,
        13,
        "expected an access list number (1-199, 1300-2699), found '250'",
    ),
    (
        "access-list 10 permit 10.0.0.0 255.0.0.0 extra\n",
        1,
        42,
        "expected 'log', 'log-input' or end of line, found 'extra'",
    ),
    (
        "ip local pool ippool 10.5.5.1 10.5.5\n",
        1,
        31,
        "expected end of line, found '10.5.5'",
    ),
    (
        "interface FastEthernet0/0\n ip address 10.0.0.1\n",
        2,
        21,
        "expected a subnet mask, found end of line",
    ),
    (
        "interface FastEthernet0/0\n ip address dchp\n",
        2,
        13,
        "expected an IPv4 address or 'dhcp', found 'dchp'",
    ),
    (
        "hostname\n",
        1,
        9,
        "expected a host name, found end of line",
    ),
    (
        "aaa authentication login clientauth locall\n",
        1,
        37,
        "expected 'local', 'local-case', 'none', 'enable', 'line' or 'group', found 'locall'",
    ),
    (
        "aaa authorization network groupauthor\n",
        1,
        38,
        "expected 'local', 'none', 'if-authenticated' or 'group', found end of line",
    ),
    (
        "username bob privilege 16 password 0 x\n",
        1,
        24,
        "expected a number from 0 to 15, found '16'",
    ),
    (
        "username bob passwd x\n",
        1,
        14,
        "expected 'password', 'secret' or 'nopassword', found 'passwd'",
    ),
    (
        "ip route 0.0.0.0 0.0.0.0\n",
        1,
        25,
        "expected a next hop address or an interface, found end of line",
    ),
    (
        "no crypto isakmp enable\n",
        1,
        18,
        "expected 'ccm', found 'enable'",
    ),
    (
        "ip access-list extended x\n 10 permitt ip any any\n",
        2,
        5,
        "expected 'permit', 'deny', 'remark' or 'exit', found 'permitt'",
    ),
];

#[test]
fn syntax_errors_name_line_and_column() {
    let mut wrong = Vec::new();
    for (text, line, column, message) in SYNTAX_ERRORS {
        let err = parse(text).expect_err(text);
        let want = format!("line {line}, column {column}: {message}");
        if !matches!(err, ConfigError::Syntax { .. })
            || (err.line(), err.column()) != (*line, *column)
            || err.to_string() != want
        {
            wrong.push(format!("{text:?}\n  got:  {err}\n  want: {want}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

const INVALID: &[(&str, usize, usize, &str)] = &[
    (
        "crypto isakmp key cisco123 address 10.0.0.0 255.0.255.0\n",
        1,
        45,
        "255.0.255.0 is not a contiguous subnet mask",
    ),
    (
        "crypto keyring r\n pre-shared-key address 10.0.0.0 255.0.255.0 key k\n",
        2,
        34,
        "255.0.255.0 is not a contiguous subnet mask",
    ),
    (
        "crypto ipsec transform-set t esp-3des esp-aes\n",
        1,
        39,
        "a transform set has at most one ESP cipher",
    ),
    (
        "crypto ipsec transform-set t esp-sha-hmac esp-md5-hmac\n",
        1,
        43,
        "a transform set has at most one ESP integrity transform",
    ),
    (
        "crypto ipsec transform-set t esp-gcm 256 esp-sha-hmac\n",
        1,
        42,
        "esp-gcm authenticates by itself and takes no integrity transform",
    ),
    (
        "crypto map m 10 ipsec-manual\n",
        1,
        17,
        "only ipsec-isakmp crypto map entries are supported",
    ),
    (
        "crypto map m 10\n set transform-set a b c d e f g\n",
        2,
        32,
        "at most 6 transform sets per entry",
    ),
    (
        "ip local pool p 10.0.0.9 10.0.0.1\n",
        1,
        26,
        "pool range ends at 10.0.0.1, before it starts at 10.0.0.9",
    ),
    (
        "access-list 101 permit tcp any range 90 80 any\n",
        1,
        38,
        "port range 90-80 ends before it starts",
    ),
    (
        "interface Fa0\n ip address 10.0.0.1 255.0.255.0\n",
        2,
        22,
        "255.0.255.0 is not a contiguous subnet mask",
    ),
    (
        "crypto keyring r\n pre-shared-key address 1.1.1.1 key 6 ABCDEF\n",
        2,
        37,
        "type 6 keys need the router's master key; write the key in clear (type 0)",
    ),
];

#[test]
fn invalid_combinations_name_line_and_column() {
    let mut wrong = Vec::new();
    for (text, line, column, message) in INVALID {
        let err = parse(text).expect_err(text);
        let want = format!("line {line}, column {column}: {message}");
        if !matches!(err, ConfigError::Invalid { .. }) || err.to_string() != want {
            wrong.push(format!("{text:?}\n  got:  {err}\n  want: {want}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// (configuration, line, column, kind, name)
const UNDEFINED: &[(&str, usize, usize, RefKind, &str)] = &[
    (
        "crypto isakmp profile L2L\n keyring spokez\n",
        2,
        10,
        RefKind::Keyring,
        "spokez",
    ),
    (
        "crypto ipsec transform-set myset esp-3des esp-sha-hmac\ncrypto map m 10\n set transform-set myset yourset\n",
        3,
        26,
        RefKind::TransformSet,
        "yourset",
    ),
    (
        "crypto map mymap 10 ipsec-isakmp dynamic dynmapp\n",
        1,
        42,
        RefKind::DynamicMap,
        "dynmapp",
    ),
    (
        "crypto map m 10\n match address 101\naccess-list 100 permit ip any any\n",
        2,
        16,
        RefKind::AccessList,
        "101",
    ),
    (
        "crypto dynamic-map d 10\n set isakmp-profile VPNclient\n",
        2,
        21,
        RefKind::IsakmpProfile,
        "VPNclient",
    ),
    (
        "crypto map m isakmp-profile P\n",
        1,
        29,
        RefKind::IsakmpProfile,
        "P",
    ),
    (
        "crypto isakmp client configuration group g\n pool ippool\n",
        2,
        7,
        RefKind::LocalPool,
        "ippool",
    ),
    (
        "crypto isakmp client configuration group g\n acl 199\n",
        2,
        6,
        RefKind::AccessList,
        "199",
    ),
    (
        "crypto isakmp client configuration address-pool local nopool\n",
        1,
        55,
        RefKind::LocalPool,
        "nopool",
    ),
    (
        "interface Fa0/0\n crypto map mymap\n",
        2,
        13,
        RefKind::CryptoMap,
        "mymap",
    ),
    (
        "crypto isakmp profile P\n client authentication list clientauth\n",
        2,
        29,
        RefKind::AuthenticationList,
        "clientauth",
    ),
    (
        "crypto isakmp profile P\n isakmp authorization list groupauthor\n",
        2,
        28,
        RefKind::AuthorizationList,
        "groupauthor",
    ),
    (
        "crypto isakmp profile P\n client configuration group g\n",
        2,
        29,
        RefKind::ClientGroup,
        "g",
    ),
    (
        "crypto map m client authentication list xa\n",
        1,
        41,
        RefKind::AuthenticationList,
        "xa",
    ),
];

#[test]
fn references_to_nothing_are_errors() {
    let mut wrong = Vec::new();
    for (text, line, column, kind, name) in UNDEFINED {
        let err = parse(text).expect_err(text);
        let want = ConfigError::Undefined {
            line: *line,
            column: *column,
            kind: *kind,
            name: name.to_string(),
        };
        if err != want {
            wrong.push(format!("{text:?}\n  got:  {err}\n  want: {want}"));
        }
        assert_eq!(
            err.to_string(),
            format!(
                "line {}, column {}: {kind} '{name}' is not defined",
                err.line(),
                err.column()
            )
        );
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // A forward reference is fine: names are checked once everything is read.
    parse("crypto map m 10\n set transform-set t\ncrypto ipsec transform-set t esp-3des esp-sha-hmac\n").unwrap();
}

#[test]
fn the_seed_with_a_missing_keyring_names_the_line() {
    let broken = crate::HUB.replace("   keyring spokes \n", "   keyring spoke \n");
    let err = parse(&broken).unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 53, column 12: keyring 'spoke' is not defined"
    );
}

#[test]
fn secrets_never_appear_in_errors() {
    let cases = [
        "crypto keyring k\n pre-shared-key address 1.1.1.1 key sekrit more-sekrit\n",
        "crypto isakmp client configuration group g\n key sekrit more-sekrit\n",
        "username u password 7 SEKRIT\n",
        "username u password sekrit more-sekrit\n",
        "username u secret 5 sekrit more-sekrit\n",
    ];
    for text in cases {
        let err = parse(text).expect_err(text);
        let shown = format!("{err} {err:?}");
        assert!(!shown.to_lowercase().contains("sekrit"), "{shown}");
        assert!(
            matches!(
                err,
                ConfigError::Syntax {
                    found: Found::Secret,
                    ..
                }
            ),
            "{err:?}"
        );
    }
}

// ---------------------------------------------------------------------
// Where each of the seed's objects is defined
// ---------------------------------------------------------------------

/// (which configuration, what, name, line of its definition)
const SEED_DEFINITIONS: &[(&str, &str, &str, usize)] = &[
    ("hub", "user", "gfullage", 10),
    ("hub", "aaa authentication login", "clientauth", 14),
    ("hub", "aaa authorization network", "groupauthor", 15),
    ("hub", "keyring", "spokes", 26),
    ("hub", "isakmp policy", "10", 29),
    ("hub", "client group", "testgroup", 38),
    ("hub", "isakmp profile", "L2L", 51),
    ("hub", "isakmp profile", "VPNclient", 59),
    ("hub", "transform set", "myset", 67),
    ("hub", "dynamic map", "dynmap", 73),
    ("hub", "crypto map", "mymap", 85),
    ("hub", "interface", "FastEthernet0/0", 89),
    ("hub", "interface", "FastEthernet0/1", 97),
    ("hub", "local pool", "ippool", 105),
    ("spoke", "isakmp policy", "10", 16),
    ("spoke", "transform set", "myset", 23),
    ("spoke", "crypto map", "mymap", 29),
    ("spoke", "interface", "FastEthernet0/0", 38),
    ("spoke", "interface", "FastEthernet0/1", 46),
    ("spoke", "interface", "ATM1/0", 53),
    ("spoke", "access list", "100", 69),
];

#[test]
fn seed_objects_are_defined_where_the_text_says() {
    let (h, s) = (hub(), spoke());
    for &(which, what, name, line) in SEED_DEFINITIONS {
        let c = if which == "hub" { &h } else { &s };
        let found = match what {
            "user" => c.user(name).map(|x| x.line),
            "aaa authentication login" => c.authentication_login_list(name).map(|x| x.line),
            "aaa authorization network" => c.authorization_network_list(name).map(|x| x.line),
            "keyring" => c.keyring(name).map(|x| x.line),
            "isakmp policy" => c.isakmp_policy(name.parse().unwrap()).map(|x| x.line),
            "client group" => c.client_group(name).map(|x| x.line),
            "isakmp profile" => c.isakmp_profile(name).map(|x| x.line),
            "transform set" => c.transform_set(name).map(|x| x.line),
            "dynamic map" => c.dynamic_map(name).map(|x| x.line),
            "crypto map" => c.crypto_map(name).map(|x| x.line),
            "interface" => c.interface(name).map(|x| x.line),
            "local pool" => c.local_pool(name).map(|x| x.line),
            "access list" => c.access_list(name).map(|x| x.line),
            other => panic!("{other}"),
        };
        assert_eq!(found, Some(line), "{which}: {what} {name}");
    }
}

/// Definitions the group commands below refer to.
const GROUP_PRELUDE: &str = "ip local pool ippool 10.5.5.1 10.5.5.254\n\
     access-list 150 permit ip 198.51.100.0 0.0.0.255 any\n\
     crypto isakmp client configuration group testgroup\n";

type GroupEdit = fn(&mut ClientConfigGroup);

/// Every `crypto isakmp client configuration group` command a Cisco VPN
/// Client gets something from, as IOS writes it, and what the group keeps.
const GROUP_ATTRIBUTES: &[(&str, GroupEdit)] = &[
    (" key cisco321", |g| g.key = Some(Secret::from("cisco321"))),
    (" dns 1.1.1.1 2.2.2.2", |g| {
        g.dns = vec![ip("1.1.1.1"), ip("2.2.2.2")]
    }),
    (" wins 3.3.3.3 4.4.4.4", |g| {
        g.wins = vec![ip("3.3.3.3"), ip("4.4.4.4")]
    }),
    (" domain cisco.com", |g| g.domain = Some("cisco.com".into())),
    (" pool ippool", |g| g.pool = Some("ippool".into())),
    (" acl 150", |g| g.acl = Some("150".into())),
    (" netmask 255.255.255.0", |g| {
        g.netmask = Some(ip("255.255.255.0"))
    }),
    (" save-password", |g| g.save_password = true),
    (" split-dns a.example\n split-dns b.example", |g| {
        g.split_dns = vec!["a.example".into(), "b.example".into()]
    }),
    (" include-local-lan", |g| g.include_local_lan = true),
    (" pfs", |g| g.pfs = true),
    (
        " backup-gateway 192.0.2.7\n backup-gateway hub2.example",
        |g| g.backup_gateways = vec!["192.0.2.7".into(), "hub2.example".into()],
    ),
    (" firewall are-u-there", |g| g.firewall_are_u_there = true),
    (" max-users 250", |g| g.max_users = Some(250)),
    (" max-logins 3", |g| g.max_logins = Some(3)),
    // IOS's own form: Ctrl-C shown as ^C, the text on the lines between.
    (
        " banner ^C\nWelcome to the hub.\nAuthorised users only.\n^C",
        |g| g.banner = Some("Welcome to the hub.\nAuthorised users only.".into()),
    ),
    // Any delimiter character, text on the delimiter lines kept.
    (" banner c Hello\nthere c", |g| {
        g.banner = Some(" Hello\nthere ".into())
    }),
    (" banner #One line#", |g| g.banner = Some("One line".into())),
    // As in IOS, the first delimiter character ends the text, even inside
    // a word.
    (" banner c\nWelcome", |g| g.banner = Some("Wel".into())),
    // `!` inside a banner is text, and the group goes on after it.
    (" banner %\n! not a comment\n%\n pfs", |g| {
        g.banner = Some("! not a comment".into());
        g.pfs = true;
    }),
];

#[test]
fn client_group_keeps_every_attribute() {
    for (cmd, edit) in GROUP_ATTRIBUTES {
        let text = format!("{GROUP_PRELUDE}{cmd}\n");
        let c = parse(&text).unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
        let mut want = ClientConfigGroup::new("testgroup", 3);
        edit(&mut want);
        assert_eq!(c.client_group("testgroup"), Some(&want), "{cmd:?}");
        assert!(
            !c.ignored.iter().any(|l| l.line > 3),
            "{cmd:?}: {:?}",
            c.ignored
        );
    }
}

/// Bad values in a client group: (commands, line, column, message).
const GROUP_ERRORS: &[(&str, usize, usize, &str)] = &[
    (
        " firewall policy check",
        4,
        11,
        "expected 'are-u-there', found 'policy'",
    ),
    (
        " max-users 0",
        4,
        12,
        "expected a number from 1 to 5000, found '0'",
    ),
    (
        " max-logins 11",
        4,
        13,
        "expected a number from 1 to 10, found '11'",
    ),
    (
        " banner",
        4,
        8,
        "expected a banner delimiter, found end of line",
    ),
    (" banner c\nno end\n", 4, 9, "banner not closed by 'c'"),
    (
        " backup-gateway",
        4,
        16,
        "expected a gateway address or name, found end of line",
    ),
    (
        " wins 3.3.3",
        4,
        7,
        "expected an IPv4 address, found '3.3.3'",
    ),
    (" pfs yes", 4, 6, "expected end of line, found 'yes'"),
];

#[test]
fn client_group_bad_values_point_at_line_and_column() {
    for (cmd, line, column, message) in GROUP_ERRORS {
        let text = format!("{GROUP_PRELUDE}{cmd}\n");
        let err = parse(&text).expect_err(cmd);
        assert_eq!(
            err.to_string(),
            format!("line {line}, column {column}: {message}"),
            "{cmd:?}"
        );
        assert_eq!((err.line(), err.column()), (*line, *column), "{cmd:?}");
    }
}
