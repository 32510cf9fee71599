//! The router around the crypto: users, AAA lists, address pools,
//! interfaces, routes, and the lines the parser kept aside.

use core::fmt;
use std::net::Ipv4Addr;

use crate::secret::Secret;

/// How a password was written in the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PasswordEncoding {
    /// `0` or no number: clear text.
    Clear,
    /// `7`: the reversible type 7 encoding, decoded at parse time.
    Type7,
}

/// A local user's credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// `nopassword`.
    NoPassword,
    /// `password 0|7 P` or `secret 0 P`: the plaintext is known.
    Password {
        /// The plaintext password.
        plain: Secret,
        /// How it was written.
        encoding: PasswordEncoding,
    },
    /// `secret 4|5|8|9 HASH`: a one-way hash; kept, not verifiable here.
    Hashed {
        /// The IOS type number.
        kind: u8,
        /// The hash as written.
        hash: Secret,
    },
}

/// `username NAME [privilege N] password|secret ...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The user name.
    pub name: String,
    /// `privilege N`.
    pub privilege: Option<u8>,
    /// The credential.
    pub credential: Credential,
    /// Line of the command.
    pub line: usize,
}

/// One method of an AAA method list.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AaaMethod {
    /// `local`: the `username` database.
    Local,
    /// `local-case`: the local database, case-sensitive user names.
    LocalCase,
    /// `none`.
    None,
    /// `enable`: the enable password.
    Enable,
    /// `line`: the line password.
    Line,
    /// `if-authenticated`.
    IfAuthenticated,
    /// `group NAME` (`radius`, `tacacs+` or a server group).
    Group(String),
}

/// `aaa authentication login LIST ...` or `aaa authorization network LIST ...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AaaMethodList {
    /// The list name (`clientauth`, `groupauthor`, or `default`).
    pub name: String,
    /// The methods in order.
    pub methods: Vec<AaaMethod>,
    /// Line of the command.
    pub line: usize,
}

/// One range of an `ip local pool`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PoolRange {
    /// First address (inclusive).
    pub first: Ipv4Addr,
    /// Last address (inclusive).
    pub last: Ipv4Addr,
}

/// `ip local pool NAME START [END]` (the same name again adds a range).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalPool {
    /// The pool's name (`ippool` in the seed).
    pub name: String,
    /// The ranges in order.
    pub ranges: Vec<PoolRange>,
    /// Line of the first range.
    pub line: usize,
}

/// `ip address ...` of an interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InterfaceAddress {
    /// `ip address A M`.
    Static {
        /// The address.
        address: Ipv4Addr,
        /// The subnet mask.
        mask: Ipv4Addr,
    },
    /// `ip address dhcp`: learnt at run time (the seed's spoke).
    Dhcp,
}

/// `interface NAME` and the sub-commands that matter here.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Interface {
    /// The name as written (`FastEthernet0/0`).
    pub name: String,
    /// `description TEXT`.
    pub description: Option<String>,
    /// `ip address ...`; `None` for `no ip address` or none at all.
    pub address: Option<InterfaceAddress>,
    /// `ip address A M secondary` lines.
    pub secondary: Vec<(Ipv4Addr, Ipv4Addr)>,
    /// `crypto map NAME`.
    pub crypto_map: Option<String>,
    /// `crypto ipsec client ezvpn NAME [outside|inside]`.
    pub ezvpn: Option<super::InterfaceEzvpn>,
    /// `shutdown`.
    pub shutdown: bool,
    /// Line of `interface NAME`.
    pub line: usize,
}

impl Interface {
    /// An interface with nothing configured.
    pub fn new(name: impl Into<String>, line: usize) -> Self {
        Self {
            name: name.into(),
            description: None,
            address: None,
            secondary: Vec::new(),
            crypto_map: None,
            ezvpn: None,
            shutdown: false,
            line,
        }
    }
}

/// `ip route PREFIX MASK {NEXT-HOP | INTERFACE [NEXT-HOP]} [DISTANCE] ...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpRoute {
    /// Destination prefix.
    pub prefix: Ipv4Addr,
    /// Destination mask.
    pub mask: Ipv4Addr,
    /// Next-hop address.
    pub next_hop: Option<Ipv4Addr>,
    /// Outgoing interface.
    pub interface: Option<String>,
    /// Administrative distance.
    pub distance: Option<u8>,
    /// Line of the command.
    pub line: usize,
}

/// A line the parser did not interpret (not about crypto, AAA, pools, ACLs,
/// users, the host name, interfaces or routes), kept with its number.
///
/// `Debug` hides whatever follows a word such as `password`, `secret` or
/// `key`, since such lines (`line vty` passwords, `enable secret`, SNMP
/// communities) may carry secrets; [`IgnoredLine::text`] has it all.
#[derive(Clone, PartialEq, Eq)]
pub struct IgnoredLine {
    /// Line number (1-based).
    pub line: usize,
    /// The line as written, trailing white space removed.
    pub text: String,
}

impl IgnoredLine {
    /// The words after which the rest of the line is hidden in `Debug`.
    const SENSITIVE: [&'static str; 6] = [
        "password",
        "secret",
        "key",
        "key-string",
        "community",
        "authentication-key",
    ];

    /// The line with anything after a sensitive word replaced by
    /// `<redacted>`.
    pub fn redacted(&self) -> String {
        let mut out = String::new();
        for word in self.text.split_whitespace() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(word);
            if Self::SENSITIVE.iter().any(|s| s.eq_ignore_ascii_case(word)) {
                out.push_str(" <redacted>");
                break;
            }
        }
        out
    }
}

impl fmt::Debug for IgnoredLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IgnoredLine")
            .field("line", &self.line)
            .field("text", &self.redacted())
            .finish()
    }
}

/// `ip local pool NAME A B group G`: the pools of one pool group. IOS lets
/// the pools of different groups overlap (one group per VRF); an address is
/// handed out from the named pool either way, which is what this suite
/// does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolGroup {
    /// The group's name.
    pub name: String,
    /// Its pools, in configuration order.
    pub pools: Vec<String>,
    /// Line of the first pool naming it.
    pub line: usize,
}
