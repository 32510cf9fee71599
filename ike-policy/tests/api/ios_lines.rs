//! The IOS lines people write (issue 12 item 4), each as IOS takes it: what
//! it does in the model, or the warning it is kept aside with; unknown
//! global commands; strict mode; and the seed's warning about static
//! crypto map entries numbered above the dynamic one.

use ike_policy::ios::{ConfigError, ConfigWarning, ParseOptions, Parsed, WarningKind, parse_with};
use ike_policy::model::*;
use ike_policy::resolver::*;
use ike_proto::policy::{Selectors, TrafficSelector};

use crate::{HUB, SPOKE, ip};

fn parsed(text: &str) -> Parsed {
    parse_with(text, &ParseOptions::default()).unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// (line, column, text, kind) of each warning.
fn warnings(p: &Parsed) -> Vec<(usize, usize, &str, &WarningKind)> {
    p.warnings
        .iter()
        .map(|w| (w.line, w.column, w.text.as_str(), &w.kind))
        .collect()
}

/// The one warning of `text`, which must be "not implemented" and keep
/// the line aside; returns its message.
fn kept_aside(text: &str, line: usize, column: usize) -> String {
    let p = parsed(text);
    assert_eq!(p.warnings.len(), 1, "{text}: {:?}", p.warnings);
    let w = &p.warnings[0];
    assert_eq!((w.line, w.column), (line, column), "{text}");
    let WarningKind::NotImplemented(what) = &w.kind else {
        panic!("{text}: {w:?}");
    };
    let raw = text.lines().nth(line - 1).unwrap();
    assert_eq!(w.text, raw.trim());
    assert!(
        p.config
            .ignored
            .iter()
            .any(|l| l.line == line && l.text == raw.trim_end()),
        "{text}: kept aside in Config::ignored"
    );
    assert!(
        w.to_string().starts_with(&format!(
            "line {line}, column {column}: '{}': not implemented: ",
            raw.trim()
        )),
        "{w}"
    );
    what.clone()
}

fn syntax_error(text: &str) -> (usize, usize, String) {
    let e = parse_with(text, &ParseOptions::default()).expect_err(text);
    (e.line(), e.column(), e.to_string())
}

// ---------------------------------------------------------------------
// The seed's configurations draw no warning
// ---------------------------------------------------------------------

#[test]
fn the_seeds_hub_spoke_and_ezvpn_client_parse_with_no_warnings() {
    for text in [HUB, SPOKE, include_str!("../configs/ezvpn_client.cfg")] {
        let p = parsed(text);
        assert_eq!(p.warnings, Vec::<ConfigWarning>::new());
        let strict = parse_with(text, &ParseOptions::strict()).unwrap();
        assert_eq!(strict.config, p.config);
    }
}

// ---------------------------------------------------------------------
// Lines that work
// ---------------------------------------------------------------------

#[test]
fn crypto_isakmp_aggressive_mode_disable_works() {
    // The seed's Cisco VPN Client (group testgroup) in Aggressive Mode:
    // answered by the seed's hub, refused once the line is added.
    let client = PeerIdentity::KeyId("testgroup".into());
    let peer = ip("10.51.82.100");
    assert!(aggressive_mode_allowed(
        &parsed(HUB).config,
        peer,
        Some(&client)
    ));
    let p = parsed(&format!("{HUB}crypto isakmp aggressive-mode disable\n"));
    assert!(p.warnings.is_empty());
    assert!(p.config.isakmp_aggressive_mode_disable);
    assert!(!aggressive_mode_allowed(&p.config, peer, Some(&client)));
    let p =
        parsed("crypto isakmp aggressive-mode disable\nno crypto isakmp aggressive-mode disable\n");
    assert!(!p.config.isakmp_aggressive_mode_disable);
}

#[test]
fn crypto_ipsec_security_association_replay_window_size_works() {
    // The Gateway's inbound SAs take it: tests/ios_lines_replay.rs.
    for (text, window) in [
        (
            "crypto ipsec security-association replay window-size 1024\n",
            1024,
        ),
        (
            "crypto ipsec security-association replay window-size 128\n",
            128,
        ),
        ("crypto ipsec security-association replay window-size\n", 64),
        ("crypto ipsec sec replay win 512\n", 512),
    ] {
        let p = parsed(text);
        assert!(p.warnings.is_empty(), "{text}");
        assert_eq!(p.config.ipsec_replay_window, Some(window), "{text}");
    }
    assert_eq!(parsed("hostname R\n").config.ipsec_replay_window, None);
    assert_eq!(
        syntax_error("crypto ipsec security-association replay window-size 100\n"),
        (
            1,
            54,
            "line 1, column 54: expected '64', '128', '256', '512' or '1024', found '100'".into()
        )
    );
    assert_eq!(
        syntax_error("crypto ipsec security-association replay size 64\n").1,
        42
    );
}

#[test]
fn ip_local_pool_with_a_group_works() {
    let p = parsed(
        "ip local pool ippool 10.5.5.1 10.5.5.254 group clients\n\
         ip local pool other 10.6.6.1 10.6.6.10 group clients cache-size 20\n\
         ip local pool plain 10.7.7.1 10.7.7.9 recycle delay 30\n\
         crypto isakmp client configuration group testgroup\n pool ippool\n",
    );
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    let pool = p.config.local_pool("ippool").unwrap();
    assert_eq!(
        pool.ranges,
        vec![PoolRange {
            first: ip("10.5.5.1"),
            last: ip("10.5.5.254")
        }]
    );
    assert_eq!(
        p.config.pool_groups,
        vec![PoolGroup {
            name: "clients".into(),
            pools: vec!["ippool".into(), "other".into()],
            line: 1,
        }]
    );
    assert_eq!(p.config.pool_group_of("other").unwrap().name, "clients");
    assert!(p.config.pool_group_of("plain").is_none());
    // The pool hands out its addresses as without the group.
    let mut a = AddressPool::new(pool);
    assert_eq!(a.allocate(), Some(ip("10.5.5.1")));
    assert_eq!(
        syntax_error("ip local pool ippool 10.5.5.1 10.5.5.254 group\n"),
        (
            1,
            47,
            "line 1, column 47: expected a pool group name, found end of line".into()
        )
    );
}

// ---------------------------------------------------------------------
// Lines kept aside, with what is not implemented
// ---------------------------------------------------------------------

#[test]
fn crypto_isakmp_fragmentation_is_kept_aside() {
    let what = kept_aside("hostname R\ncrypto isakmp fragmentation\n", 2, 15);
    assert!(what.starts_with("IKE fragmentation"), "{what}");
    assert_eq!(
        syntax_error("crypto isakmp fragmentation now\n").2,
        "line 1, column 29: expected end of line, found 'now'"
    );
}

#[test]
fn crypto_isakmp_invalid_spi_recovery_is_kept_aside() {
    let what = kept_aside("crypto isakmp invalid-spi-recovery\n", 1, 15);
    assert!(what.contains("INVALID_SPI_INFO"), "{what}");
}

#[test]
fn crypto_isakmp_xauth_timeout_is_kept_aside() {
    let what = kept_aside("crypto isakmp xauth timeout 20\n", 1, 15);
    assert!(what.starts_with("the Xauth timeout"), "{what}");
    assert_eq!(
        syntax_error("crypto isakmp xauth timeout 120\n").2,
        "line 1, column 29: expected a number from 5 to 90, found '120'"
    );
}

#[test]
fn crypto_ipsec_df_bit_global_and_per_interface_is_kept_aside() {
    for mode in ["clear", "set", "copy"] {
        let what = kept_aside(&format!("crypto ipsec df-bit {mode}\n"), 1, 14);
        assert!(what.starts_with("DF bit control"), "{what}");
        let text = format!(
            "interface FastEthernet0/0\n ip address 10.0.0.1 255.255.255.0\n \
             crypto ipsec df-bit {mode}\n crypto map mymap\n\
             crypto map mymap 10 ipsec-isakmp\n set peer 10.0.0.2\n"
        );
        let what = kept_aside(&text, 3, 15);
        assert!(what.starts_with("DF bit control on an interface"), "{what}");
        // The interface block goes on after it.
        let p = parsed(&text);
        assert_eq!(
            p.config
                .interface("FastEthernet0/0")
                .unwrap()
                .crypto_map
                .as_deref(),
            Some("mymap")
        );
    }
    assert_eq!(
        syntax_error("crypto ipsec df-bit keep\n").2,
        "line 1, column 21: expected 'clear', 'set' or 'copy', found 'keep'"
    );
}

#[test]
fn crypto_ipsec_security_association_replay_disable_is_kept_aside() {
    let what = kept_aside("crypto ipsec security-association replay disable\n", 1, 42);
    assert!(what.starts_with("disabling anti-replay"), "{what}");
    assert_eq!(
        parsed("crypto ipsec security-association replay disable\n")
            .config
            .ipsec_replay_window,
        None
    );
}

#[test]
fn per_entry_replay_lines_are_kept_aside() {
    let base = "crypto ipsec transform-set myset esp-3des esp-sha-hmac\n\
                crypto dynamic-map dynmap 10\n set transform-set myset\n";
    let what = kept_aside(
        &format!("{base} set security-association replay window-size 256\n"),
        4,
        27,
    );
    assert!(what.starts_with("a per-entry anti-replay window"), "{what}");
    let what = kept_aside(
        &format!("{base} set security-association replay disable\n"),
        4,
        27,
    );
    assert!(what.starts_with("disabling anti-replay"), "{what}");
}

#[test]
fn set_peer_with_a_host_name_keeps_the_name_for_the_embedder() {
    let text = "crypto ipsec transform-set myset esp-3des esp-sha-hmac\n\
                access-list 100 permit ip 10.2.2.0 0.0.0.255 10.1.1.0 0.0.0.255\n\
                crypto map mymap 10 ipsec-isakmp\n\
                \x20set peer hub.example.com\n\
                \x20set peer vpn-backup dynamic default\n\
                \x20set peer 10.48.67.181\n\
                \x20set transform-set myset\n\
                \x20match address 100\n";
    let p = parsed(text);
    assert_eq!(
        warnings(&p),
        vec![
            (
                4,
                11,
                "set peer hub.example.com",
                &WarningKind::PeerHostname
            ),
            (
                5,
                11,
                "set peer vpn-backup dynamic default",
                &WarningKind::PeerHostname
            ),
        ]
    );
    assert_eq!(
        p.warnings[0].to_string(),
        "line 4, column 11: 'set peer hub.example.com': a host name: the library does no name \
         lookups, so the entry has no address for this peer until the embedder resolves it"
    );
    let entry = |c: &Config| c.crypto_map("mymap").unwrap().entry(10).unwrap().clone();
    let e = entry(&p.config);
    assert_eq!(e.peers, vec![ip("10.48.67.181")]);
    assert_eq!(e.peer_hostnames, vec!["hub.example.com", "vpn-backup"]);

    // The embedder resolves what it can; the rest stays and is returned.
    let mut config = p.config;
    let unresolved =
        config.resolve_peer_hostnames(|name| (name == "hub.example.com").then(|| ip("192.0.2.1")));
    assert_eq!(unresolved, vec!["vpn-backup"]);
    let e = entry(&config);
    assert_eq!(e.peers, vec![ip("10.48.67.181"), ip("192.0.2.1")]);
    assert_eq!(e.peer_hostnames, vec!["vpn-backup"]);

    // Not a host name: a malformed address, or stray characters.
    assert_eq!(
        syntax_error("crypto map mymap 10 ipsec-isakmp\n set peer 10.0.0\n").2,
        "line 2, column 11: expected an IPv4 address or a host name, found '10.0.0'"
    );
    assert_eq!(
        syntax_error("crypto map mymap 10 ipsec-isakmp\n set peer hub_1!\n").1,
        11
    );
}

#[test]
fn keyring_local_address_is_kept_with_a_warning() {
    let p = parsed(
        "crypto keyring spokes\n\
         \x20local-address 10.48.67.181\n\
         \x20pre-shared-key address 0.0.0.0 0.0.0.0 key cisco123\n\
         crypto keyring other\n\
         \x20local-address FastEthernet0/0\n",
    );
    assert_eq!(
        p.config.keyring_local_addresses,
        vec![
            KeyringLocalAddress {
                keyring: "spokes".into(),
                local: LocalAddress::Address(ip("10.48.67.181")),
                line: 2,
            },
            KeyringLocalAddress {
                keyring: "other".into(),
                local: LocalAddress::Interface("FastEthernet0/0".into()),
                line: 5,
            },
        ]
    );
    assert_eq!(
        p.config.keyring_local_address("other"),
        Some(&LocalAddress::Interface("FastEthernet0/0".into()))
    );
    // The keyring goes on after it: its key is read.
    assert_eq!(p.config.keyring("spokes").unwrap().keys.len(), 1);
    let at: Vec<(usize, usize)> = p.warnings.iter().map(|w| (w.line, w.column)).collect();
    assert_eq!(at, vec![(2, 2), (5, 2)]);
    assert!(
        matches!(&p.warnings[0].kind, WarningKind::NotImplemented(w) if w.starts_with("a keyring's local-address"))
    );
    // `local-address A VRF` takes the VRF.
    let p = parsed("crypto keyring spokes vrf blue\n local-address 10.0.0.1 blue\n");
    assert_eq!(p.warnings.len(), 1);
}

#[test]
fn crypto_ipsec_profile_is_read_checked_and_warned_about() {
    let text = "crypto ipsec transform-set myset esp-3des esp-sha-hmac\n\
                crypto isakmp profile L2L\n match identity address 0.0.0.0\n\
                crypto ipsec profile VTI\n\
                \x20description tunnel protection\n\
                \x20set transform-set myset\n\
                \x20set pfs group2\n\
                \x20set security-association lifetime seconds 1800\n\
                \x20set security-association lifetime kilobytes 100000\n\
                \x20set isakmp-profile L2L\n\
                \x20responder-only\n\
                hostname R1\n";
    let p = parsed(text);
    assert_eq!(p.config.hostname.as_deref(), Some("R1"), "the block ends");
    let profile = p.config.ipsec_profile("VTI").unwrap();
    let mut want = IpsecProfile::new("VTI", 4);
    want.description = Some("tunnel protection".into());
    want.transform_sets = vec!["myset".into()];
    want.pfs = Some(DhGroup::Group2);
    want.sa_lifetime_seconds = Some(1800);
    want.sa_lifetime_kilobytes = Some(100_000);
    want.isakmp_profile = Some("L2L".into());
    want.responder_only = true;
    assert_eq!(profile, &want);
    assert_eq!(p.warnings.len(), 1);
    assert_eq!((p.warnings[0].line, p.warnings[0].column), (4, 22));
    assert!(
        matches!(&p.warnings[0].kind, WarningKind::NotImplemented(w) if w.starts_with("IPsec profiles"))
    );
    // Names are checked as in a crypto map entry.
    let e = parse_with(
        "crypto ipsec profile VTI\n set transform-set nosuch\n",
        &ParseOptions::default(),
    )
    .unwrap_err();
    assert!(
        matches!(
            e,
            ConfigError::Undefined {
                line: 2,
                column: 20,
                kind: ike_policy::ios::RefKind::TransformSet,
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(
        syntax_error("crypto ipsec profile VTI\n set peer 10.0.0.1\n").2,
        "line 2, column 6: expected 'transform-set', 'pfs', 'security-association' or \
         'isakmp-profile', found 'peer'"
    );
}

// ---------------------------------------------------------------------
// Unknown global commands, strict mode
// ---------------------------------------------------------------------

#[test]
fn an_unknown_global_word_warns_with_line_and_column_and_is_kept_aside() {
    let text = "hostname R1\n\
                interfce FastEthernet0/0\n\
                \x20ip address 10.0.0.1 255.255.255.0\n\
                snmp-server community secret RO\n\
                frobnicate the secret-word\n";
    let p = parsed(text);
    assert_eq!(
        warnings(&p),
        vec![
            (2, 1, "interfce", &WarningKind::UnknownCommand),
            (5, 1, "frobnicate", &WarningKind::UnknownCommand),
        ]
    );
    assert_eq!(
        p.warnings[0].to_string(),
        "line 2, column 1: 'interfce': unknown command, kept aside and not used"
    );
    // Only the first word is shown: the rest may be a secret.
    assert!(!format!("{:?}", p.warnings).contains("secret-word"));
    // The misspelt block is kept aside whole, and defines nothing.
    let kept: Vec<usize> = p.config.ignored.iter().map(|l| l.line).collect();
    assert_eq!(kept, vec![2, 3, 4, 5]);
    assert!(p.config.interfaces.is_empty());
}

#[test]
fn strict_mode_makes_the_first_warning_an_error() {
    let text = "hostname R1\ncrypto isakmp fragmentation\ninterfce Fa0/0\n";
    let e = parse_with(text, &ParseOptions::strict()).unwrap_err();
    let ConfigError::Strict(w) = &e else {
        panic!("{e:?}");
    };
    assert_eq!((w.line, w.column, e.line(), e.column()), (2, 15, 2, 15));
    assert!(
        e.to_string()
            .starts_with("line 2, column 15: 'crypto isakmp fragmentation': not implemented: "),
        "{e}"
    );
    assert!(
        e.to_string().ends_with(" (strict: warnings are errors)"),
        "{e}"
    );
    // The default keeps going and reports both.
    assert_eq!(parsed(text).warnings.len(), 2);
    // And plain `parse` still returns the model.
    assert!(ike_policy::parse(text).is_ok());
}

// ---------------------------------------------------------------------
// Static entries numbered above the dynamic one
// ---------------------------------------------------------------------

/// The seed's hub with a static entry for a spoke at 20, above the
/// dynamic entry at 10: what the seed says breaks IOS.
fn hub_with_static_entry(seq: u32) -> String {
    HUB.replace(
        "crypto map mymap 10 ipsec-isakmp dynamic dynmap  \n",
        &format!(
            "crypto map mymap 10 ipsec-isakmp dynamic dynmap  \n\
             crypto map mymap {seq} ipsec-isakmp\n\
             \x20set peer 172.16.77.10\n\
             \x20set transform-set myset\n\
             \x20match address 120\n\
             access-list 120 permit ip 10.1.0.0 0.0.255.255 10.3.3.0 0.0.0.255\n"
        ),
    )
}

#[test]
fn a_static_entry_above_the_dynamic_one_warns_and_still_matches_its_peer() {
    let text = hub_with_static_entry(20);
    let p = parsed(&text);
    let line = text
        .lines()
        .position(|l| l == "crypto map mymap 20 ipsec-isakmp")
        .unwrap()
        + 1;
    assert_eq!(
        warnings(&p),
        vec![(
            line,
            18,
            "crypto map mymap 20",
            &WarningKind::StaticAfterDynamic {
                map: "mymap".into(),
                static_seq: 20,
                dynamic_seq: 10,
            }
        )]
    );
    assert!(
        p.warnings[0]
            .to_string()
            .contains("the dynamic entry should have the highest sequence number; on IOS connections with this entry's peers fail"),
        "{}",
        p.warnings[0]
    );
    assert!(matches!(
        parse_with(&text, &ParseOptions::strict()),
        Err(ConfigError::Strict(_))
    ));

    // The order the operator meant: the static entry is tried first, and
    // its peer's Quick Mode lands on it, not on dynmap.
    let c = &p.config;
    let map = c.crypto_map("mymap").unwrap();
    let order: Vec<(u32, bool)> = crypto_map_candidates(c, map)
        .iter()
        .map(|k| (k.map_entry.seq, k.is_dynamic()))
        .collect();
    assert_eq!(order, vec![(20, false), (10, true), (10, true)]);
    // esp-3des esp-sha-hmac, tunnel, no PFS, 3600 s and 4608000 KB.
    let qm = [ike_proto::policy::Phase2Proposal::seed()];
    let req = Phase2Request {
        peer: ip("172.16.77.10"),
        profile: Some("L2L"),
        proxies: Selectors {
            local: TrafficSelector::subnet_mask(ip("10.1.0.0"), ip("255.255.0.0")).unwrap(),
            remote: TrafficSelector::subnet_mask(ip("10.3.3.0"), ip("255.255.255.0")).unwrap(),
        },
        transforms: &qm,
    };
    let sel = select_responder_entry(c, map, &req).unwrap();
    assert!(!sel.candidate.is_dynamic());
    assert_eq!(sel.candidate.entry().seq, 20);
}

#[test]
fn a_static_entry_below_the_dynamic_one_draws_no_warning() {
    let p = parsed(&hub_with_static_entry(5));
    assert_eq!(p.warnings, Vec::<ConfigWarning>::new());
}
