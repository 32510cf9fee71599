//! Access lists turned into traffic selectors, and proxy identities checked
//! against them.

use core::fmt;
use std::net::Ipv4Addr;

// The port range is the SPD's: an ACL's ports and an SPD entry's are one
// concept, where the address matches are not (ACL wildcards may have
// holes; SPD entries take ranges).
pub use esp_core::spd::PortRange;
use ike_proto::policy::{Selectors, TrafficSelector};

use crate::model::{AccessList, AclAction, AclKind, AddressWildcard, PortMatch};

/// An address match of a selector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AddressMatch {
    /// `address/len`: what a contiguous wildcard (`0.0.255.255`) becomes.
    Prefix {
        /// The network address (host bits clear).
        address: Ipv4Addr,
        /// Prefix length, 0 to 32.
        len: u8,
    },
    /// An explicit mask match, for wildcards with holes (`0.0.255.0`): an
    /// address matches when `ip & mask == address`.
    Masked {
        /// The address (bits outside `mask` clear).
        address: Ipv4Addr,
        /// The bits that must match (the inverse of the wildcard).
        mask: Ipv4Addr,
    },
}

impl AddressMatch {
    /// Any address.
    pub const ANY: AddressMatch = AddressMatch::Prefix {
        address: Ipv4Addr::UNSPECIFIED,
        len: 0,
    };

    /// From an ACL address and wildcard.
    pub fn from_wildcard(aw: AddressWildcard) -> Self {
        match aw.prefix_len() {
            Some(len) => AddressMatch::Prefix {
                address: aw.address,
                len,
            },
            None => AddressMatch::Masked {
                address: aw.address,
                mask: Ipv4Addr::from(!u32::from(aw.wildcard)),
            },
        }
    }

    /// `(address, mask)` as integers.
    fn parts(&self) -> (u32, u32) {
        match *self {
            AddressMatch::Prefix { address, len } => {
                let mask = if len == 0 {
                    0
                } else {
                    u32::MAX << (32 - u32::from(len))
                };
                (u32::from(address) & mask, mask)
            }
            AddressMatch::Masked { address, mask } => {
                let m = u32::from(mask);
                (u32::from(address) & m, m)
            }
        }
    }

    /// The mask of the bits that must match.
    pub fn mask(&self) -> Ipv4Addr {
        Ipv4Addr::from(self.parts().1)
    }

    /// Whether an address matches.
    pub fn contains(&self, ip: Ipv4Addr) -> bool {
        let (a, m) = self.parts();
        u32::from(ip) & m == a
    }

    /// Whether every address of `first..=last` matches.
    pub fn contains_range(&self, first: Ipv4Addr, last: Ipv4Addr) -> bool {
        let (a, m) = self.parts();
        cidr_blocks(u32::from(first), u32::from(last)).all(|(net, netmask)| {
            // The block's host bits must all be "don't care" and its network
            // bits must agree with the match.
            m & !netmask == 0 && net & m == a
        })
    }

    /// The addresses both match, `None` when they share none: a prefix
    /// inside another is the longer prefix, and masks with holes combine
    /// bit by bit.
    pub fn intersection(&self, other: &AddressMatch) -> Option<AddressMatch> {
        let (a1, m1) = self.parts();
        let (a2, m2) = other.parts();
        if (a1 ^ a2) & m1 & m2 != 0 {
            return None;
        }
        let (address, mask) = (Ipv4Addr::from(a1 | a2), Ipv4Addr::from(m1 | m2));
        Some(match crate::model::mask_prefix_len(mask) {
            Some(len) => AddressMatch::Prefix { address, len },
            None => AddressMatch::Masked { address, mask },
        })
    }

    /// Whether some address of `first..=last` matches.
    pub fn overlaps_range(&self, first: Ipv4Addr, last: Ipv4Addr) -> bool {
        let (a, m) = self.parts();
        cidr_blocks(u32::from(first), u32::from(last))
            .any(|(net, netmask)| (net ^ a) & m & netmask == 0)
    }
}

impl fmt::Display for AddressMatch {
    /// IOS's `addr/mask` notation of `show crypto ipsec sa`:
    /// `10.1.0.0/255.255.0.0`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (a, m) = self.parts();
        write!(f, "{}/{}", Ipv4Addr::from(a), Ipv4Addr::from(m))
    }
}

/// `first..=last` as CIDR blocks `(network, netmask)`, at most 62 of them.
fn cidr_blocks(first: u32, last: u32) -> impl Iterator<Item = (u32, u32)> {
    let mut next = Some(first).filter(|f| *f <= last);
    core::iter::from_fn(move || {
        let start = next?;
        // Largest block aligned at `start` that stays inside the range.
        let mut size_log = start.trailing_zeros().min(32);
        while size_log > 0 {
            let size = if size_log == 32 {
                u64::from(u32::MAX) + 1
            } else {
                1u64 << size_log
            };
            if u64::from(start) + size - 1 <= u64::from(last) {
                break;
            }
            size_log -= 1;
        }
        let size = 1u64 << size_log;
        let end = u64::from(start) + size - 1;
        next = if end >= u64::from(last) {
            None
        } else {
            Some((end + 1) as u32)
        };
        let mask = if size_log == 32 {
            0
        } else {
            u32::MAX << size_log
        };
        Some((start, mask))
    })
}

/// The ranges a port operator covers (two for `neq`, none for `lt 0`).
fn port_ranges(p: Option<PortMatch>) -> impl Iterator<Item = PortRange> + Clone {
    let r = |first, last| PortRange { first, last };
    // At most two ranges (`neq`), kept on the stack: this runs per ACL line
    // on every packet match.
    let pair = match p {
        None => [Some(PortRange::ANY), None],
        Some(PortMatch::Eq(p)) => [Some(r(p, p)), None],
        Some(PortMatch::Range(a, b)) => [Some(r(a, b)), None],
        Some(PortMatch::Lt(p)) => [p.checked_sub(1).map(|l| r(0, l)), None],
        Some(PortMatch::Gt(p)) => [p.checked_add(1).map(|f| r(f, u16::MAX)), None],
        Some(PortMatch::Neq(p)) => [
            p.checked_sub(1).map(|l| r(0, l)),
            p.checked_add(1).map(|f| r(f, u16::MAX)),
        ],
    };
    pair.into_iter().flatten()
}

/// A packet's addressing, to match against selectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Flow {
    /// Source address.
    pub source: Ipv4Addr,
    /// Destination address.
    pub destination: Ipv4Addr,
    /// IP protocol number.
    pub protocol: u8,
    /// Source port (0 when the protocol has none).
    pub source_port: u16,
    /// Destination port (0 when the protocol has none).
    pub destination_port: u16,
}

/// A traffic selector, as an SPD entry or an IKE proxy identity needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Selector {
    /// Source addresses (the local side, for a crypto ACL).
    pub source: AddressMatch,
    /// Destination addresses (the remote side).
    pub destination: AddressMatch,
    /// IP protocol, `None` for any.
    pub protocol: Option<u8>,
    /// Source ports.
    pub source_ports: PortRange,
    /// Destination ports.
    pub destination_ports: PortRange,
}

impl Selector {
    /// Whether a packet matches.
    pub fn matches(&self, flow: &Flow) -> bool {
        self.source.contains(flow.source)
            && self.destination.contains(flow.destination)
            && self.protocol.is_none_or(|p| p == flow.protocol)
            && self.source_ports.contains(flow.source_port)
            && self.destination_ports.contains(flow.destination_port)
    }

    /// The traffic both select, `None` when they share none (an ACL deny
    /// line narrowed to what a later crypto map entry's line covers).
    pub fn intersection(&self, other: &Selector) -> Option<Selector> {
        let protocol = match (self.protocol, other.protocol) {
            (None, p) | (p, None) => p,
            (Some(a), Some(b)) if a == b => Some(a),
            _ => return None,
        };
        Some(Selector {
            source: self.source.intersection(&other.source)?,
            destination: self.destination.intersection(&other.destination)?,
            protocol,
            source_ports: self.source_ports.intersection(&other.source_ports)?,
            destination_ports: self
                .destination_ports
                .intersection(&other.destination_ports)?,
        })
    }

    fn side_contains(addr: &AddressMatch, ports: &PortRange, id: &TrafficSelector) -> bool {
        addr.contains_range(id.start, id.end)
            && (ports.is_any() || (id.port != 0 && ports.contains(id.port)))
    }

    fn side_overlaps(addr: &AddressMatch, ports: &PortRange, id: &TrafficSelector) -> bool {
        addr.overlaps_range(id.start, id.end) && (id.port == 0 || ports.contains(id.port))
    }

    /// Whether the selector covers a proxy pair entirely (source = local
    /// side, destination = remote side).
    pub fn contains_proxies(&self, p: &Selectors) -> bool {
        let proto_ok = match self.protocol {
            None => true,
            Some(sp) => p.local.protocol == sp && p.remote.protocol == sp,
        };
        proto_ok
            && Self::side_contains(&self.source, &self.source_ports, &p.local)
            && Self::side_contains(&self.destination, &self.destination_ports, &p.remote)
    }

    /// Whether the selector and a proxy pair have some traffic in common.
    pub fn overlaps_proxies(&self, p: &Selectors) -> bool {
        let proto_ok = |id: &TrafficSelector| match self.protocol {
            None => true,
            Some(sp) => id.protocol == 0 || id.protocol == sp,
        };
        proto_ok(&p.local)
            && proto_ok(&p.remote)
            && Self::side_overlaps(&self.source, &self.source_ports, &p.local)
            && Self::side_overlaps(&self.destination, &self.destination_ports, &p.remote)
    }
}

/// One selector from one ACL line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AclSelector {
    /// Permit (protect) or deny (leave to the next entry / in clear).
    pub action: AclAction,
    /// The traffic.
    pub selector: Selector,
    /// The ACL line it came from.
    pub line: usize,
}

/// Turns an access list into selectors, in order. Each line gives one
/// selector (two for a `neq` port, one per side; none when a port operator
/// covers nothing, such as `lt 0`). Wildcards become prefixes when they are
/// contiguous, explicit masks otherwise. A standard list's line matches any
/// destination. An ICMP type is not kept: the selector covers all ICMP.
///
/// The seed's spoke: `access-list 100 permit ip 10.2.0.0 0.0.255.255
/// 10.1.0.0 0.0.255.255` is 10.2.0.0/16 to 10.1.0.0/16, any protocol.
pub fn acl_selectors(acl: &AccessList) -> Vec<AclSelector> {
    acl_selector_iter(acl).collect()
}

/// [`acl_selectors`] one at a time, built as they are asked for: a packet
/// that matches the first line costs one line, not the whole list.
pub fn acl_selector_iter(acl: &AccessList) -> impl Iterator<Item = AclSelector> + '_ {
    let standard = acl.kind == AclKind::Standard;
    acl.entries.iter().flat_map(move |e| {
        let source = AddressMatch::from_wildcard(e.source);
        let destination = if standard {
            AddressMatch::ANY
        } else {
            AddressMatch::from_wildcard(e.destination)
        };
        let destination_ports = port_ranges(e.destination_port);
        port_ranges(e.source_port).flat_map(move |sp| {
            destination_ports.clone().map(move |dp| AclSelector {
                action: e.action,
                selector: Selector {
                    source,
                    destination,
                    protocol: e.protocol.number(),
                    source_ports: sp,
                    destination_ports: dp,
                },
                line: e.line,
            })
        })
    })
}

/// What an ACL says about a packet: the action of the first line that
/// matches, `None` when none does (the implicit deny).
pub fn acl_action_for(acl: &AccessList, flow: &Flow) -> Option<AclAction> {
    acl_selector_iter(acl)
        .find(|s| s.selector.matches(flow))
        .map(|s| s.action)
}

/// Whether a crypto ACL accepts a peer's proposed proxy pair: the first ACL
/// line that has traffic in common with the proposal decides, and it must
/// be a permit that covers the whole proposal (a deny in the way, or a
/// permit narrower than the proposal, refuses it; the seed's hub accepts the
/// spoke's 10.2.0.0/16 to 10.1.0.0/16 because the spoke's ACL mirrors the
/// hub's view).
pub fn acl_accepts_proxies(acl: &AccessList, proxies: &Selectors) -> bool {
    for s in acl_selector_iter(acl) {
        if s.selector.overlaps_proxies(proxies) {
            return s.action == AclAction::Permit && s.selector.contains_proxies(proxies);
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Ipv4Addr {
        s.parse().unwrap()
    }

    #[test]
    fn blocks() {
        let v: Vec<_> = cidr_blocks(u32::from(ip("10.0.0.1")), u32::from(ip("10.0.0.6"))).collect();
        assert_eq!(v.len(), 4); // .1, .2-.3, .4-.5, .6
        let all: Vec<_> = cidr_blocks(0, u32::MAX).collect();
        assert_eq!(all, vec![(0, 0)]);
        assert_eq!(cidr_blocks(5, 4).count(), 0);
        assert_eq!(
            cidr_blocks(u32::MAX, u32::MAX).collect::<Vec<_>>(),
            vec![(u32::MAX, u32::MAX)]
        );
    }

    #[test]
    fn intersections() {
        let p = |a: &str, len| AddressMatch::Prefix {
            address: ip(a),
            len,
        };
        let host = p("10.2.2.5", 32);
        let lan = p("10.2.0.0", 16);
        assert_eq!(lan.intersection(&host), Some(host));
        assert_eq!(host.intersection(&lan), Some(host));
        assert_eq!(AddressMatch::ANY.intersection(&lan), Some(lan));
        assert_eq!(p("10.3.0.0", 16).intersection(&host), None);
        // 10.x.5.y and 10.1.0.0/16: 10.1.5.y, a mask with a hole.
        let holes = AddressMatch::Masked {
            address: ip("10.0.5.0"),
            mask: ip("255.0.255.0"),
        };
        assert_eq!(
            holes.intersection(&p("10.1.0.0", 16)),
            Some(p("10.1.5.0", 24))
        );
        assert_eq!(
            holes.intersection(&p("10.1.0.0", 24)),
            None,
            "10.1.0.y is never 10.x.5.y"
        );
        let r = |first, last| PortRange { first, last };
        assert_eq!(r(0, 1023).intersection(&r(80, 80)), Some(r(80, 80)));
        assert_eq!(r(1024, 65535).intersection(&r(0, 1023)), None);
        let sel = |protocol, dst_ports| Selector {
            source: lan,
            destination: AddressMatch::ANY,
            protocol,
            source_ports: PortRange::ANY,
            destination_ports: dst_ports,
        };
        let tcp80 = sel(Some(6), r(80, 80));
        assert_eq!(sel(None, PortRange::ANY).intersection(&tcp80), Some(tcp80));
        assert_eq!(sel(Some(17), PortRange::ANY).intersection(&tcp80), None);
        assert_eq!(sel(Some(6), r(443, 443)).intersection(&tcp80), None);
    }

    #[test]
    fn masked_ranges() {
        // 10.x.5.y for any x, y
        let m = AddressMatch::Masked {
            address: ip("10.0.5.0"),
            mask: ip("255.0.255.0"),
        };
        assert!(m.contains(ip("10.77.5.9")));
        assert!(!m.contains(ip("10.77.6.9")));
        assert!(m.contains_range(ip("10.1.5.0"), ip("10.1.5.255")));
        assert!(!m.contains_range(ip("10.1.5.0"), ip("10.1.6.255")));
        assert!(m.overlaps_range(ip("10.1.0.0"), ip("10.1.255.255")));
        assert!(!m.overlaps_range(ip("10.1.6.0"), ip("10.1.6.255")));
    }
}
