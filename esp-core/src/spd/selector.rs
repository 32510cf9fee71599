//! Selectors: which IPv4 traffic an entry takes, by addresses, protocol
//! and ports, and the packet facts they are matched against.

use core::net::Ipv4Addr;

use crate::EspError;
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

    /// Whether `port` is in the range.
    pub const fn contains(&self, port: u16) -> bool {
        self.first <= port && port <= self.last
    }

    /// The ports in both ranges, `None` when they share none.
    pub fn intersection(&self, other: &PortRange) -> Option<PortRange> {
        let first = self.first.max(other.first);
        let last = self.last.min(other.last);
        (first <= last).then_some(PortRange { first, last })
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
