//! Access lists: numbered (`access-list N ...`) and named
//! (`ip access-list standard|extended NAME`).

use std::net::Ipv4Addr;

/// Standard (source only) or extended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AclKind {
    /// Numbers 1-99 and 1300-1999, or `ip access-list standard`.
    Standard,
    /// Numbers 100-199 and 2000-2699, or `ip access-list extended`.
    Extended,
}

/// `permit` or `deny`. In a crypto ACL, permit means "protect" and deny
/// means "do not protect with this entry".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AclAction {
    /// `permit`.
    Permit,
    /// `deny`.
    Deny,
}

/// The protocol field of an extended ACL line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AclProtocol {
    /// `ip`: any protocol.
    Ip,
    /// `tcp` (6).
    Tcp,
    /// `udp` (17).
    Udp,
    /// `icmp` (1).
    Icmp,
    /// Any other protocol by number (`esp` 50, `ahp` 51, `gre` 47 ...).
    Number(u8),
}

impl AclProtocol {
    /// The IP protocol number, or `None` for `ip` (any).
    pub fn number(self) -> Option<u8> {
        match self {
            AclProtocol::Ip => None,
            AclProtocol::Tcp => Some(6),
            AclProtocol::Udp => Some(17),
            AclProtocol::Icmp => Some(1),
            AclProtocol::Number(n) => Some(n),
        }
    }

    /// The protocol for a number (6, 17 and 1 become their named forms).
    pub fn from_number(n: u8) -> Self {
        match n {
            6 => AclProtocol::Tcp,
            17 => AclProtocol::Udp,
            1 => AclProtocol::Icmp,
            n => AclProtocol::Number(n),
        }
    }

    /// Whether port operators may follow addresses.
    pub fn has_ports(self) -> bool {
        matches!(self, AclProtocol::Tcp | AclProtocol::Udp)
    }
}

/// An address with a wildcard mask: bits set in `wildcard` are "don't
/// care". `any` is `0.0.0.0 255.255.255.255`, `host A` is `A 0.0.0.0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AddressWildcard {
    /// The address, with the don't-care bits cleared (as IOS stores it).
    pub address: Ipv4Addr,
    /// The wildcard mask.
    pub wildcard: Ipv4Addr,
}

impl AddressWildcard {
    /// `A W`, normalised: the don't-care bits of `A` are cleared.
    pub fn new(address: Ipv4Addr, wildcard: Ipv4Addr) -> Self {
        let w = u32::from(wildcard);
        Self {
            address: Ipv4Addr::from(u32::from(address) & !w),
            wildcard,
        }
    }

    /// `any`.
    pub fn any() -> Self {
        Self::new(Ipv4Addr::UNSPECIFIED, Ipv4Addr::BROADCAST)
    }

    /// `host A`.
    pub fn host(address: Ipv4Addr) -> Self {
        Self::new(address, Ipv4Addr::UNSPECIFIED)
    }

    /// Whether the address is covered.
    pub fn matches(&self, ip: Ipv4Addr) -> bool {
        let care = !u32::from(self.wildcard);
        u32::from(ip) & care == u32::from(self.address) & care
    }

    /// Whether this is `any`.
    pub fn is_any(&self) -> bool {
        self.wildcard == Ipv4Addr::BROADCAST
    }

    /// The prefix length when the wildcard is contiguous (`0.0.255.255` is
    /// /16), `None` otherwise (`0.0.255.0`).
    pub fn prefix_len(&self) -> Option<u8> {
        let w = u32::from(self.wildcard);
        // Contiguous: w + 1 is a power of two (or w is all ones).
        if w == u32::MAX {
            Some(0)
        } else if (w.wrapping_add(1)) & w == 0 {
            Some((32 - (w.wrapping_add(1)).trailing_zeros()) as u8)
        } else {
            None
        }
    }
}

/// A port operator after an address in a TCP or UDP line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PortMatch {
    /// `eq P`.
    Eq(u16),
    /// `neq P`.
    Neq(u16),
    /// `lt P`.
    Lt(u16),
    /// `gt P`.
    Gt(u16),
    /// `range P1 P2` (inclusive).
    Range(u16, u16),
}

impl PortMatch {
    /// Whether the port is covered.
    pub fn matches(self, port: u16) -> bool {
        match self {
            PortMatch::Eq(p) => port == p,
            PortMatch::Neq(p) => port != p,
            PortMatch::Lt(p) => port < p,
            PortMatch::Gt(p) => port > p,
            PortMatch::Range(a, b) => (a..=b).contains(&port),
        }
    }
}

/// One `permit` or `deny` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AclEntry {
    /// Permit or deny.
    pub action: AclAction,
    /// The protocol (`ip` for standard lists).
    pub protocol: AclProtocol,
    /// Source address and wildcard.
    pub source: AddressWildcard,
    /// Source port operator (TCP/UDP).
    pub source_port: Option<PortMatch>,
    /// Destination address and wildcard (`any` for standard lists).
    pub destination: AddressWildcard,
    /// Destination port operator (TCP/UDP).
    pub destination_port: Option<PortMatch>,
    /// ICMP message type, when written after an `icmp` line's addresses.
    pub icmp_type: Option<u8>,
    /// `established` (TCP).
    pub established: bool,
    /// `log` or `log-input`.
    pub log: bool,
    /// Line of the entry.
    pub line: usize,
}

/// An access list: numbered (`name` is the number) or named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessList {
    /// The number as text (`100`) or the name.
    pub name: String,
    /// Standard or extended.
    pub kind: AclKind,
    /// The lines in order; `remark` lines are not kept.
    pub entries: Vec<AclEntry>,
    /// Line of the first command of this list.
    pub line: usize,
}
