//! The rest of the grammar: every block and setting beyond the seed's.

use super::*;

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
