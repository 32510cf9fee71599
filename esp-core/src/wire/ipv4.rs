//! The IPv4 header view and the fields to emit one, with the Internet
//! checksum.

use core::net::Ipv4Addr;
use core::ops::Range;

use super::{protocol, read, read_u16, write};
use crate::EspError;

mod ipv4_field {
    pub(super) const VER_IHL: usize = 0;
    pub(super) const DSCP_ECN: usize = 1;
    pub(super) const LENGTH: usize = 2;
    pub(super) const IDENT: usize = 4;
    pub(super) const FLAGS_FRAG: usize = 6;
    pub(super) const TTL: usize = 8;
    pub(super) const PROTOCOL: usize = 9;
    pub(super) const CHECKSUM: usize = 10;
    pub(super) const SRC: usize = 12;
    pub(super) const DST: usize = 16;
}

/// Length of an IPv4 header without options.
pub const IPV4_HEADER_LEN: usize = 20;

/// A read view of an IPv4 packet (the inner packet the SPD classifies, or an outer header).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv4Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Ipv4Packet<T> {
    /// Wrap a buffer without checking it.
    pub const fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wrap a buffer after checking version, header length and total length.
    pub fn new_checked(buffer: T) -> Result<Self, EspError> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// Check that this is IPv4 and that header and total length are consistent
    /// with each other and with the buffer (trailing bytes after the total
    /// length are allowed: they are link padding).
    pub fn check_len(&self) -> Result<(), EspError> {
        const WHAT: &str = "IPv4 header";
        let got = self.buffer.as_ref().len();
        super::holds(WHAT, IPV4_HEADER_LEN, got)?;
        if self.version() != 4 {
            return Err(EspError::Malformed {
                what: WHAT,
                reason: "version is not 4",
            });
        }
        let header_len = self.header_len();
        if header_len < IPV4_HEADER_LEN {
            return Err(EspError::Malformed {
                what: WHAT,
                reason: "header length below 20 bytes",
            });
        }
        let total = usize::from(self.total_len());
        if total < header_len {
            return Err(EspError::Malformed {
                what: WHAT,
                reason: "total length shorter than the header",
            });
        }
        super::holds("IPv4 packet", total, got)
    }

    /// The buffer back.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    fn byte(&self, at: usize) -> u8 {
        self.buffer.as_ref().get(at).copied().unwrap_or(0)
    }

    /// IP version (4 after the check).
    pub fn version(&self) -> u8 {
        self.byte(ipv4_field::VER_IHL) >> 4
    }

    /// Header length in bytes (IHL × 4).
    pub fn header_len(&self) -> usize {
        usize::from(self.byte(ipv4_field::VER_IHL) & 0x0f) * 4
    }

    /// DSCP and ECN (the former type-of-service byte).
    pub fn dscp_ecn(&self) -> u8 {
        self.byte(ipv4_field::DSCP_ECN)
    }

    /// Total length field.
    pub fn total_len(&self) -> u16 {
        read_u16(self.buffer.as_ref(), ipv4_field::LENGTH)
    }

    /// Identification.
    pub fn ident(&self) -> u16 {
        read_u16(self.buffer.as_ref(), ipv4_field::IDENT)
    }

    /// Don't-fragment flag.
    pub fn dont_fragment(&self) -> bool {
        read_u16(self.buffer.as_ref(), ipv4_field::FLAGS_FRAG) & 0x4000 != 0
    }

    /// More-fragments flag.
    pub fn more_fragments(&self) -> bool {
        read_u16(self.buffer.as_ref(), ipv4_field::FLAGS_FRAG) & 0x2000 != 0
    }

    /// Fragment offset in bytes.
    pub fn fragment_offset(&self) -> u16 {
        (read_u16(self.buffer.as_ref(), ipv4_field::FLAGS_FRAG) & 0x1fff) << 3
    }

    /// Time to live.
    pub fn ttl(&self) -> u8 {
        self.byte(ipv4_field::TTL)
    }

    /// Protocol of the payload.
    pub fn protocol(&self) -> u8 {
        self.byte(ipv4_field::PROTOCOL)
    }

    /// Header checksum field.
    pub fn checksum(&self) -> u16 {
        read_u16(self.buffer.as_ref(), ipv4_field::CHECKSUM)
    }

    /// Source address.
    pub fn src_addr(&self) -> Ipv4Addr {
        Ipv4Addr::from(read::<4>(self.buffer.as_ref(), ipv4_field::SRC))
    }

    /// Destination address.
    pub fn dst_addr(&self) -> Ipv4Addr {
        Ipv4Addr::from(read::<4>(self.buffer.as_ref(), ipv4_field::DST))
    }

    /// Whether the header checksum is right.
    pub fn verify_checksum(&self) -> bool {
        let header = self
            .buffer
            .as_ref()
            .get(..self.header_len())
            .unwrap_or_default();
        internet_checksum(header) == 0
    }

    /// Transport ports (source, destination) for TCP, UDP and SCTP in the
    /// first fragment; `None` for other protocols and later fragments.
    pub fn ports(&self) -> Option<(u16, u16)> {
        if !matches!(
            self.protocol(),
            protocol::TCP | protocol::UDP | protocol::SCTP
        ) || self.fragment_offset() != 0
        {
            return None;
        }
        let start = self.header_len();
        let end = usize::from(self.total_len());
        let transport = self.buffer.as_ref().get(start..end)?;
        let ports = transport.first_chunk::<4>()?;
        Some((
            u16::from_be_bytes([ports[0], ports[1]]),
            u16::from_be_bytes([ports[2], ports[3]]),
        ))
    }

    /// The range of the payload in the buffer (header length to total length).
    pub fn payload_range(&self) -> Range<usize> {
        let start = self.header_len();
        let end = usize::from(self.total_len()).max(start);
        start..end
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Ipv4Packet<&'a T> {
    /// The payload (after the header, up to the total length).
    pub fn payload(&self) -> &'a [u8] {
        self.buffer
            .as_ref()
            .get(self.payload_range())
            .unwrap_or_default()
    }
}

/// An IPv4 header without options, as plain values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ipv4Repr {
    /// Source address.
    pub src_addr: Ipv4Addr,
    /// Destination address.
    pub dst_addr: Ipv4Addr,
    /// Protocol of the payload.
    pub protocol: u8,
    /// Length of the payload.
    pub payload_len: u16,
    /// Time to live.
    pub ttl: u8,
    /// Identification.
    pub ident: u16,
}

impl Ipv4Repr {
    /// Read the header of a checked packet.
    pub fn parse<T: AsRef<[u8]>>(packet: &Ipv4Packet<T>) -> Result<Self, EspError> {
        packet.check_len()?;
        let payload_len = packet.payload_range().len();
        Ok(Self {
            src_addr: packet.src_addr(),
            dst_addr: packet.dst_addr(),
            protocol: packet.protocol(),
            payload_len: u16::try_from(payload_len).unwrap_or(u16::MAX),
            ttl: packet.ttl(),
            ident: packet.ident(),
        })
    }

    /// Bytes the header takes (no options).
    pub const fn buffer_len(&self) -> usize {
        IPV4_HEADER_LEN
    }

    /// Write the 20-byte header (with DF clear, checksum computed) at the
    /// start of `buf`. Fails if `buf` is shorter than the header or the
    /// total length overflows.
    pub fn emit(&self, buf: &mut [u8]) -> Result<(), EspError> {
        let total =
            self.payload_len
                .checked_add(IPV4_HEADER_LEN as u16)
                .ok_or(EspError::TooLarge {
                    len: usize::from(self.payload_len) + IPV4_HEADER_LEN,
                    max: usize::from(u16::MAX),
                })?;
        let got = buf.len();
        let header = buf
            .first_chunk_mut::<IPV4_HEADER_LEN>()
            .ok_or(EspError::Truncated {
                what: "IPv4 header buffer",
                needed: IPV4_HEADER_LEN,
                got,
            })?;
        header.fill(0);
        write(header, ipv4_field::VER_IHL, &[0x45]);
        write(header, ipv4_field::LENGTH, &total.to_be_bytes());
        write(header, ipv4_field::IDENT, &self.ident.to_be_bytes());
        write(header, ipv4_field::TTL, &[self.ttl]);
        write(header, ipv4_field::PROTOCOL, &[self.protocol]);
        write(header, ipv4_field::SRC, &self.src_addr.octets());
        write(header, ipv4_field::DST, &self.dst_addr.octets());
        let checksum = internet_checksum(header);
        write(header, ipv4_field::CHECKSUM, &checksum.to_be_bytes());
        Ok(())
    }
}

/// The Internet checksum (RFC 1071) of `data`: 0 when `data` includes a correct checksum.
pub fn internet_checksum(data: &[u8]) -> u16 {
    let words = data.chunks_exact(2);
    let rest = words.remainder();
    let mut sum: u32 = words
        .map(|w| {
            u32::from(u16::from_be_bytes([
                w.first().copied().unwrap_or(0),
                w.get(1).copied().unwrap_or(0),
            ]))
        })
        .fold(0u32, |acc, w| {
            let s = acc + w;
            (s & 0xffff) + (s >> 16)
        });
    if let Some(&last) = rest.first() {
        sum += u32::from(last) << 8;
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}
