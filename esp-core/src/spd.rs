//! The Security Policy Database: ordered selectors over IPv4 traffic, each
//! with an action (protect with an SA, bypass, discard).
//!
//! Entries are searched in order and the first match decides, as Cisco
//! walks a crypto map's sequence numbers (the caller orders them). A
//! protect entry whose SA is missing or expired yields an [`Acquire`]:
//! the selector and the packet's addresses, for IKE to negotiate an SA.
//!
//! ```
//! use core::net::Ipv4Addr;
//! use esp_core::spd::{AddressMatch, Decision, Fallback, PolicyAction, PolicyEntry, PolicyId, Selector, Spd};
//! use esp_core::Sad;
//!
//! let mut spd = Spd::new(Fallback::Bypass);
//! spd.push(PolicyEntry {
//!     id: PolicyId(10),
//!     selector: Selector {
//!         source: AddressMatch::prefix(Ipv4Addr::new(10, 1, 0, 0), 16).unwrap(),
//!         destination: AddressMatch::prefix(Ipv4Addr::new(10, 2, 0, 0), 16).unwrap(),
//!         ..Selector::ANY
//!     },
//!     action: PolicyAction::Protect { sa: None },
//! });
//! // An ICMP packet 10.1.0.5 -> 10.2.0.9.
//! let mut packet = [0u8; 28];
//! esp_core::wire::Ipv4Repr {
//!     src_addr: Ipv4Addr::new(10, 1, 0, 5),
//!     dst_addr: Ipv4Addr::new(10, 2, 0, 9),
//!     protocol: 1,
//!     payload_len: 8,
//!     ttl: 64,
//!     ident: 0,
//! }
//! .emit(&mut packet)
//! .unwrap();
//! match spd.decide_ipv4(&packet, &Sad::new()).unwrap() {
//!     Decision::Acquire(acquire) => assert_eq!(acquire.policy, PolicyId(10)),
//!     other => panic!("{other:?}"),
//! }
//! ```

use core::net::Ipv4Addr;

use crate::EspError;
use crate::sad::{SaId, Sad};
use crate::wire::Ipv4Packet;

/// Which addresses a selector takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum AddressMatch {
    /// Every address.
    #[default]
    Any,
    /// The addresses under a prefix (host bits of `address` are ignored).
    Prefix {
        /// The network.
        address: Ipv4Addr,
        /// Prefix length, 0..=32.
        len: u8,
    },
    /// An inclusive range.
    Range {
        /// First address.
        first: Ipv4Addr,
        /// Last address.
        last: Ipv4Addr,
    },
}

impl AddressMatch {
    /// A prefix; `len` must be at most 32.
    pub fn prefix(address: Ipv4Addr, len: u8) -> Result<Self, EspError> {
        if len > 32 {
            return Err(EspError::Malformed {
                what: "address prefix",
                reason: "length above 32",
            });
        }
        Ok(Self::Prefix { address, len })
    }

    /// One address.
    pub fn host(address: Ipv4Addr) -> Self {
        Self::Prefix { address, len: 32 }
    }

    /// An inclusive range; `first` must not be above `last`.
    pub fn range(first: Ipv4Addr, last: Ipv4Addr) -> Result<Self, EspError> {
        if first > last {
            return Err(EspError::Malformed {
                what: "address range",
                reason: "first address above the last",
            });
        }
        Ok(Self::Range { first, last })
    }

    /// Whether `address` is taken.
    pub fn matches(&self, address: Ipv4Addr) -> bool {
        match *self {
            Self::Any => true,
            Self::Prefix { address: net, len } => {
                let mask = if len == 0 {
                    0
                } else {
                    u32::MAX << (32 - u32::from(len.min(32)))
                };
                u32::from(net) & mask == u32::from(address) & mask
            }
            Self::Range { first, last } => (first..=last).contains(&address),
        }
    }
}

/// An inclusive port range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PortRange {
    /// First port.
    pub first: u16,
    /// Last port.
    pub last: u16,
}

impl PortRange {
    /// Every port (and packets without ports).
    pub const ANY: Self = Self {
        first: 0,
        last: u16::MAX,
    };

    /// One port.
    pub const fn single(port: u16) -> Self {
        Self {
            first: port,
            last: port,
        }
    }

    /// Whether this is every port.
    pub const fn is_any(&self) -> bool {
        self.first == 0 && self.last == u16::MAX
    }

    fn matches(&self, port: Option<u16>) -> bool {
        match port {
            Some(p) => (self.first..=self.last).contains(&p),
            // No ports (other protocols, later fragments): only "any" matches.
            None => self.is_any(),
        }
    }
}

impl Default for PortRange {
    fn default() -> Self {
        Self::ANY
    }
}

/// The fields of a packet that selectors look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PacketInfo {
    /// Source address.
    pub source: Ipv4Addr,
    /// Destination address.
    pub destination: Ipv4Addr,
    /// IP protocol.
    pub protocol: u8,
    /// Source port (TCP, UDP, SCTP first fragments).
    pub source_port: Option<u16>,
    /// Destination port.
    pub destination_port: Option<u16>,
}

impl PacketInfo {
    /// Read the selector fields of an IPv4 packet (checked view; never panics).
    pub fn from_ipv4(packet: &[u8]) -> Result<Self, EspError> {
        let ip = Ipv4Packet::new_checked(packet)?;
        let ports = ip.ports();
        Ok(Self {
            source: ip.src_addr(),
            destination: ip.dst_addr(),
            protocol: ip.protocol(),
            source_port: ports.map(|p| p.0),
            destination_port: ports.map(|p| p.1),
        })
    }
}

/// A traffic selector, written from the local side (source = local).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Selector {
    /// Source addresses.
    pub source: AddressMatch,
    /// Destination addresses.
    pub destination: AddressMatch,
    /// IP protocol; `None` is any.
    pub protocol: Option<u8>,
    /// Source ports.
    pub source_ports: PortRange,
    /// Destination ports.
    pub destination_ports: PortRange,
}

impl Selector {
    /// Everything.
    pub const ANY: Self = Self {
        source: AddressMatch::Any,
        destination: AddressMatch::Any,
        protocol: None,
        source_ports: PortRange::ANY,
        destination_ports: PortRange::ANY,
    };

    /// Whether the packet is selected.
    pub fn matches(&self, packet: &PacketInfo) -> bool {
        self.source.matches(packet.source)
            && self.destination.matches(packet.destination)
            && self.protocol.is_none_or(|p| p == packet.protocol)
            && self.source_ports.matches(packet.source_port)
            && self.destination_ports.matches(packet.destination_port)
    }

    /// The same selector seen from the other direction (for checking what
    /// an inbound SA delivered against the policy it was negotiated for).
    pub fn reversed(&self) -> Self {
        Self {
            source: self.destination,
            destination: self.source,
            protocol: self.protocol,
            source_ports: self.destination_ports,
            destination_ports: self.source_ports,
        }
    }
}

/// Names a policy entry (e.g. its crypto map sequence number).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PolicyId(pub u32);

/// What to do with selected traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyAction {
    /// Protect with the outbound SA `sa` (once IKE installed one).
    Protect {
        /// The outbound SA, when one is bound.
        sa: Option<SaId>,
    },
    /// Send in clear.
    Bypass,
    /// Drop.
    Discard,
}

/// One ordered SPD entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PolicyEntry {
    /// Its name.
    pub id: PolicyId,
    /// Which traffic.
    pub selector: Selector,
    /// What to do.
    pub action: PolicyAction,
}

/// What to do with traffic no entry selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fallback {
    /// Send it in clear (what a Cisco interface does with traffic outside its crypto map).
    Bypass,
    /// Drop it (RFC 4301's default).
    Discard,
}

/// Request to IKE: protect-policy traffic arrived and no SA carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Acquire {
    /// The policy that asked for protection.
    pub policy: PolicyId,
    /// Its selector (what to negotiate).
    pub selector: Selector,
    /// The packet that triggered it.
    pub packet: PacketInfo,
}

/// The SPD's verdict on an outbound packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Decision {
    /// Seal with this outbound SA.
    Protect(SaId),
    /// Send in clear.
    Bypass,
    /// Drop.
    Discard,
    /// Drop (or queue) and ask IKE for an SA.
    Acquire(Acquire),
}

/// The ordered policy database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spd {
    entries: Vec<PolicyEntry>,
    fallback: Fallback,
}

impl Spd {
    /// An empty database with this fallback.
    pub fn new(fallback: Fallback) -> Self {
        Self {
            entries: Vec::new(),
            fallback,
        }
    }

    /// Append an entry (lowest priority so far).
    pub fn push(&mut self, entry: PolicyEntry) {
        self.entries.push(entry);
    }

    /// Insert an entry at `index` (0 = first searched); past the end appends.
    pub fn insert(&mut self, index: usize, entry: PolicyEntry) {
        let index = index.min(self.entries.len());
        self.entries.insert(index, entry);
    }

    /// Remove the entry `id`.
    pub fn remove(&mut self, id: PolicyId) -> Option<PolicyEntry> {
        let at = self.entries.iter().position(|e| e.id == id)?;
        Some(self.entries.remove(at))
    }

    /// The entries in search order.
    pub fn entries(&self) -> &[PolicyEntry] {
        &self.entries
    }

    /// Bind (or unbind) the outbound SA of protect entry `id`. Returns
    /// whether a protect entry with that id exists.
    pub fn bind(&mut self, id: PolicyId, sa: Option<SaId>) -> bool {
        match self.entries.iter_mut().find(|e| e.id == id) {
            Some(PolicyEntry {
                action: PolicyAction::Protect { sa: bound },
                ..
            }) => {
                *bound = sa;
                true
            }
            _ => false,
        }
    }

    /// The first entry selecting the packet.
    pub fn lookup(&self, packet: &PacketInfo) -> Option<&PolicyEntry> {
        self.entries.iter().find(|e| e.selector.matches(packet))
    }

    /// Decide for an outbound packet; a protect entry is honoured only if
    /// its SA is installed in `sad` and not expired, otherwise it acquires.
    pub fn decide(&self, packet: &PacketInfo, sad: &Sad) -> Decision {
        match self.lookup(packet) {
            None => match self.fallback {
                Fallback::Bypass => Decision::Bypass,
                Fallback::Discard => Decision::Discard,
            },
            Some(entry) => match entry.action {
                PolicyAction::Bypass => Decision::Bypass,
                PolicyAction::Discard => Decision::Discard,
                PolicyAction::Protect { sa: Some(id) } if sad.has_usable_outbound(id) => {
                    Decision::Protect(id)
                }
                PolicyAction::Protect { .. } => Decision::Acquire(Acquire {
                    policy: entry.id,
                    selector: entry.selector,
                    packet: *packet,
                }),
            },
        }
    }

    /// Parse an IPv4 packet (checked) and decide for it.
    pub fn decide_ipv4(&self, packet: &[u8], sad: &Sad) -> Result<Decision, EspError> {
        Ok(self.decide(&PacketInfo::from_ipv4(packet)?, sad))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(src: [u8; 4], dst: [u8; 4], protocol: u8, ports: Option<(u16, u16)>) -> PacketInfo {
        PacketInfo {
            source: src.into(),
            destination: dst.into(),
            protocol,
            source_port: ports.map(|p| p.0),
            destination_port: ports.map(|p| p.1),
        }
    }

    #[test]
    fn address_matches() {
        let p = AddressMatch::prefix(Ipv4Addr::new(10, 1, 2, 3), 16).unwrap();
        assert!(p.matches(Ipv4Addr::new(10, 1, 255, 1)));
        assert!(!p.matches(Ipv4Addr::new(10, 2, 0, 1)));
        assert!(
            AddressMatch::prefix(Ipv4Addr::UNSPECIFIED, 0)
                .unwrap()
                .matches(Ipv4Addr::BROADCAST)
        );
        assert!(AddressMatch::prefix(Ipv4Addr::UNSPECIFIED, 33).is_err());
        let h = AddressMatch::host(Ipv4Addr::new(10, 5, 5, 1));
        assert!(h.matches(Ipv4Addr::new(10, 5, 5, 1)) && !h.matches(Ipv4Addr::new(10, 5, 5, 2)));
        let r =
            AddressMatch::range(Ipv4Addr::new(10, 0, 0, 10), Ipv4Addr::new(10, 0, 1, 5)).unwrap();
        assert!(r.matches(Ipv4Addr::new(10, 0, 0, 255)));
        assert!(!r.matches(Ipv4Addr::new(10, 0, 1, 6)));
        assert!(AddressMatch::range(Ipv4Addr::new(2, 0, 0, 0), Ipv4Addr::new(1, 0, 0, 0)).is_err());
    }

    #[test]
    fn ordered_first_match_and_ports() {
        let mut spd = Spd::new(Fallback::Discard);
        spd.push(PolicyEntry {
            id: PolicyId(1),
            selector: Selector {
                protocol: Some(17),
                destination_ports: PortRange::single(500),
                ..Selector::ANY
            },
            action: PolicyAction::Bypass,
        });
        spd.push(PolicyEntry {
            id: PolicyId(2),
            selector: Selector {
                source: AddressMatch::prefix(Ipv4Addr::new(10, 1, 0, 0), 16).unwrap(),
                destination: AddressMatch::prefix(Ipv4Addr::new(10, 2, 0, 0), 16).unwrap(),
                ..Selector::ANY
            },
            action: PolicyAction::Protect { sa: Some(SaId(7)) },
        });
        let sad = Sad::new();
        assert_eq!(
            spd.decide(
                &info([10, 1, 0, 1], [10, 2, 0, 1], 17, Some((500, 500))),
                &sad
            ),
            Decision::Bypass
        );
        let tcp = info([10, 1, 0, 1], [10, 2, 0, 1], 6, Some((1234, 80)));
        match spd.decide(&tcp, &sad) {
            Decision::Acquire(a) => {
                assert_eq!(a.policy, PolicyId(2));
                assert_eq!(a.packet, tcp);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            spd.decide(&info([10, 9, 0, 1], [10, 2, 0, 1], 6, None), &sad),
            Decision::Discard
        );
        // Port selectors do not take packets without ports.
        assert_ne!(
            spd.decide(&info([1, 1, 1, 1], [2, 2, 2, 2], 17, None), &sad),
            Decision::Bypass
        );
        assert!(spd.bind(PolicyId(2), None));
        assert!(!spd.bind(PolicyId(1), None));
        assert!(spd.remove(PolicyId(1)).is_some());
        assert_eq!(spd.entries().len(), 1);
    }

    #[test]
    fn reversed_selector() {
        let s = Selector {
            source: AddressMatch::host(Ipv4Addr::new(1, 1, 1, 1)),
            source_ports: PortRange::single(1),
            ..Selector::ANY
        };
        let r = s.reversed();
        assert_eq!(r.destination, s.source);
        assert_eq!(r.destination_ports, PortRange::single(1));
        assert_eq!(r.reversed(), s);
    }
}
