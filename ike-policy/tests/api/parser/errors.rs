//! Bad input: every error with its line and column.

use super::*;

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
