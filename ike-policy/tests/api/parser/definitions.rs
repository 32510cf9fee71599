//! Where each of the seed's objects is defined.

use super::*;

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
