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

mod definitions;
mod errors;
mod grammar;
