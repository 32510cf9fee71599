//! The Easy VPN Remote commands: `crypto ipsec client ezvpn NAME`, its
//! sub-mode and the interface command, good and bad.

use ike_policy::ios::{ConfigError, RefKind};
use ike_policy::model::*;
use ike_policy::{Secret, parse};

use crate::ip;

const CLIENT: &str = include_str!("../configs/ezvpn_client.cfg");

#[test]
fn ezvpn_client_block_in_full() {
    let c = parse(CLIENT).expect("the ezvpn client configuration parses");
    assert_eq!(
        c.ezvpn_clients,
        vec![
            EzvpnClient {
                name: "hubvpn".into(),
                connect: EzvpnConnect::Manual,
                group: Some("testgroup".into()),
                group_key: Some(Secret::from("cisco321")),
                mode: EzvpnMode::Client,
                // A repeated peer is one peer, in its first place.
                peers: vec![ip("172.18.124.10"), ip("172.18.124.11")],
                username: Some("gfullage".into()),
                password: Some(Secret::from("gfullage")),
                xauth_userid_mode: XauthUseridMode::Local,
                line: 3,
            },
            EzvpnClient {
                name: "second".into(),
                connect: EzvpnConnect::Auto,
                group: Some("other".into()),
                group_key: Some(Secret::from("k2")),
                mode: EzvpnMode::NetworkExtension,
                peers: vec![],
                username: None,
                password: None,
                xauth_userid_mode: XauthUseridMode::Local,
                line: 13,
            },
        ]
    );
    assert_eq!(
        c.interface("FastEthernet0/0").unwrap().ezvpn,
        Some(InterfaceEzvpn {
            name: "hubvpn".into(),
            side: EzvpnSide::Outside
        })
    );
    assert_eq!(
        c.interface("FastEthernet0/1").unwrap().ezvpn,
        Some(InterfaceEzvpn {
            name: "hubvpn".into(),
            side: EzvpnSide::Inside
        })
    );
    assert!(c.ignored.iter().all(|l| !l.text.contains("ezvpn")));
}

#[test]
fn ezvpn_defaults_and_re_entry() {
    let c = parse(
        "crypto ipsec client ezvpn e\n peer 10.0.0.1\ncrypto ipsec client ezvpn e\n peer 10.0.0.2\n conn man\n",
    )
    .unwrap();
    let e = c.ezvpn_client("e").unwrap();
    assert_eq!(e.connect, EzvpnConnect::Manual, "keywords abbreviate");
    assert_eq!(e.mode, EzvpnMode::Client);
    assert_eq!(e.peers, vec![ip("10.0.0.1"), ip("10.0.0.2")]);
    assert_eq!(e.group, None);
    assert_eq!(e.line, 1);
    assert_eq!(c.ezvpn_clients.len(), 1);
    let e = c.ezvpn_client("e").unwrap();
    assert!(format!("{e:?}").contains("<redacted>") || e.group_key.is_none());
}

#[test]
fn ezvpn_secrets_are_not_printed() {
    let c = parse(
        "crypto ipsec client ezvpn e\n group g key topsecret\n username u password hunter2\n",
    )
    .unwrap();
    let shown = format!("{:?}", c.ezvpn_client("e").unwrap());
    assert!(
        !shown.contains("topsecret") && !shown.contains("hunter2"),
        "{shown}"
    );
}

/// (configuration, line, column, message)
const EZVPN_SYNTAX_ERRORS: &[(&str, usize, usize, &str)] = &[
    (
        "crypto ipsec client ezvpn\n",
        1,
        26,
        "expected an ezvpn client name, found end of line",
    ),
    (
        "crypto ipsec client easyvpn e\n",
        1,
        21,
        "expected 'ezvpn', found 'easyvpn'",
    ),
    (
        "crypto ipsec client ezvpn e\n connect sometimes\n",
        2,
        10,
        "expected 'auto' or 'manual', found 'sometimes'",
    ),
    (
        "crypto ipsec client ezvpn e\n group testgroup cisco321\n",
        2,
        18,
        "expected 'key', found 'cisco321'",
    ),
    (
        "crypto ipsec client ezvpn e\n group testgroup key\n",
        2,
        21,
        "expected a key, found end of line",
    ),
    (
        "crypto ipsec client ezvpn e\n mode bridge\n",
        2,
        7,
        "expected 'client' or 'network-extension', found 'bridge'",
    ),
    (
        "crypto ipsec client ezvpn e\n peer hub.example\n",
        2,
        7,
        "expected an IPv4 address, found 'hub.example'",
    ),
    (
        "crypto ipsec client ezvpn e\n peer 10.0.0.1 default\n",
        2,
        16,
        "expected end of line, found 'default'",
    ),
    (
        "crypto ipsec client ezvpn e\n username gfullage gfullage\n",
        2,
        20,
        "expected 'password', found 'gfullage'",
    ),
    (
        "crypto ipsec client ezvpn e\n xauth userid mode remote\n",
        2,
        20,
        "expected 'local', 'interactive' or 'http-intercept', found 'remote'",
    ),
    (
        "crypto ipsec client ezvpn e\n peers 10.0.0.1\n",
        2,
        2,
        "expected 'connect', 'group', 'mode', 'peer', 'username', 'xauth' or 'exit', found 'peers'",
    ),
    (
        "crypto ipsec client ezvpn e\ninterface Fa0/0\n crypto ipsec client ezvpn e outside now\n",
        3,
        38,
        "expected end of line, found 'now'",
    ),
];

#[test]
fn ezvpn_syntax_errors_name_line_and_column() {
    let mut wrong = Vec::new();
    for (text, line, column, message) in EZVPN_SYNTAX_ERRORS {
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

#[test]
fn ezvpn_interface_naming_no_client_is_an_error() {
    let err = parse("interface Fa0/0\n crypto ipsec client ezvpn nosuch inside\n").unwrap_err();
    assert_eq!(
        err,
        ConfigError::Undefined {
            line: 2,
            column: 28,
            kind: RefKind::EzvpnClient,
            name: "nosuch".into(),
        }
    );
    assert_eq!(
        err.to_string(),
        "line 2, column 28: ezvpn client 'nosuch' is not defined"
    );
    // A forward reference is fine.
    parse("interface Fa0/0\n crypto ipsec client ezvpn later\ncrypto ipsec client ezvpn later\n")
        .unwrap();
}
