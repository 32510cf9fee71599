//! The parser on arbitrary text: it never panics, and its errors point
//! inside the text.

use proptest::prelude::*;

use ike_policy::parse;

/// Words that reach deep into the grammar.
const WORDS: &[&str] = &[
    "crypto",
    "isakmp",
    "ipsec",
    "map",
    "dynamic-map",
    "keyring",
    "policy",
    "profile",
    "key",
    "address",
    "hostname",
    "no-xauth",
    "pre-shared-key",
    "encr",
    "aes",
    "256",
    "3des",
    "hash",
    "sha",
    "group",
    "2",
    "lifetime",
    "86400",
    "client",
    "configuration",
    "authentication",
    "list",
    "match",
    "identity",
    "host",
    "domain",
    "user",
    "transform-set",
    "esp-3des",
    "esp-gcm",
    "esp-sha-hmac",
    "mode",
    "set",
    "peer",
    "pfs",
    "group14",
    "security-association",
    "seconds",
    "kilobytes",
    "dynamic",
    "access-list",
    "100",
    "10",
    "permit",
    "deny",
    "ip",
    "tcp",
    "udp",
    "any",
    "eq",
    "range",
    "neq",
    "lt",
    "gt",
    "0.0.0.0",
    "255.255.255.0",
    "0.0.255.255",
    "10.1.1.1",
    "interface",
    "Fa0/0",
    "dhcp",
    "username",
    "password",
    "7",
    "0201024E070A0E2649",
    "secret",
    "5",
    "aaa",
    "login",
    "local",
    "network",
    "pool",
    "banner",
    "motd",
    "^C",
    "#",
    "exit",
    "end",
    "!",
    "no",
    "service",
    "password-encryption",
    "route",
    "x",
    "",
    "65535",
    "4294967296",
    "1.2.3",
    "é",
    "\t",
];

fn line() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        prop::collection::vec(prop::sample::select(WORDS), 0..9),
    )
        .prop_map(|(indent, words)| format!("{}{}", if indent { " " } else { "" }, words.join(" ")))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn word_soup_never_panics(lines in prop::collection::vec(line(), 0..25)) {
        let text = lines.join("\n");
        if let Err(e) = parse(&text) {
            prop_assert!(e.line() >= 1 && e.line() <= lines.len());
            let width = lines[e.line() - 1].chars().count();
            prop_assert!(e.column() >= 1 && e.column() <= width + 1, "{e}");
        }
    }

    #[test]
    fn any_text_never_panics(text in "\\PC{0,300}") {
        let _ = parse(&text);
    }

    #[test]
    fn the_seed_with_a_line_dropped_or_doubled(drop in 0usize..127, dup in 0usize..127) {
        let lines: Vec<&str> = crate::HUB.lines().collect();
        let mut v: Vec<&str> = Vec::new();
        for (i, l) in lines.iter().enumerate() {
            if i == dup {
                v.push(l);
            }
            if i != drop {
                v.push(l);
            }
        }
        let _ = parse(&v.join("\n"));
    }
}
