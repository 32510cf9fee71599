//! Zero-copy views over ESP (RFC 4303), UDP-encapsulated ESP (RFC 3948),
//! UDP and IPv4 headers.
//!
//! Each view wraps a buffer `T: AsRef<[u8]>` and reads its fields in place, in
//! the style of smoltcp's `wire` module. Untrusted bytes go through
//! `new_checked`; once it has succeeded every accessor returns the field the
//! packet holds. Accessors never panic in any case: on a view built with
//! `new_unchecked` over a buffer that is too short they return zero or an
//! empty slice, and setters do nothing.
//!
//! ```
//! use esp_core::wire::{EspPacket, UdpEncapPayload};
//!
//! let datagram = [0x00, 0x00, 0x12, 0x34, 0x00, 0x00, 0x00, 0x07, 0xaa, 0xbb];
//! match UdpEncapPayload::classify(&datagram).unwrap() {
//!     UdpEncapPayload::Esp(esp) => {
//!         assert_eq!(esp.spi(), 0x1234);
//!         assert_eq!(esp.sequence_number(), 7);
//!         assert_eq!(esp.payload(), &[0xaa, 0xbb]);
//!     }
//!     other => panic!("not ESP: {other:?}"),
//! }
//! assert!(matches!(UdpEncapPayload::classify(&[0xff]), Ok(UdpEncapPayload::NatKeepalive)));
//! assert!(EspPacket::new_checked(&datagram[..7]).is_err());
//! ```

#![deny(clippy::indexing_slicing)]

use core::net::Ipv4Addr;
use core::ops::Range;

use crate::EspError;

/// IP protocol numbers used as ESP next-header values and in selectors.
pub mod protocol {
    /// ICMP.
    pub const ICMP: u8 = 1;
    /// IPv4 in IP: the next header of a tunnel-mode ESP packet carrying IPv4.
    pub const IPV4: u8 = 4;
    /// TCP.
    pub const TCP: u8 = 6;
    /// UDP.
    pub const UDP: u8 = 17;
    /// IPv6 in IP.
    pub const IPV6: u8 = 41;
    /// ESP itself (the protocol of the outer IP header).
    pub const ESP: u8 = 50;
    /// No next header: a dummy (traffic-flow-confidentiality) packet, to be dropped (RFC 4303 §2.6).
    pub const NO_NEXT_HEADER: u8 = 59;
    /// SCTP.
    pub const SCTP: u8 = 132;
}

/// The port that carries UDP-encapsulated ESP and IKE after NAT traversal (RFC 3948).
pub const NAT_T_PORT: u16 = 4500;
/// The non-ESP marker: four zero bytes in front of an IKE message on port 4500 (RFC 3948 §2.2).
pub const NON_ESP_MARKER: [u8; 4] = [0; 4];
/// The single byte of a NAT-keepalive datagram (RFC 3948 §2.3).
pub const NAT_KEEPALIVE: u8 = 0xff;

/// Read `N` bytes at `at`, or zeros if the buffer is too short.
fn read<const N: usize>(buf: &[u8], at: usize) -> [u8; N] {
    buf.get(at..)
        .and_then(|rest| rest.first_chunk::<N>())
        .copied()
        .unwrap_or([0; N])
}

fn read_u16(buf: &[u8], at: usize) -> u16 {
    u16::from_be_bytes(read(buf, at))
}

fn read_u32(buf: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(read(buf, at))
}

/// Write `bytes` at `at`; a no-op if the buffer is too short.
fn write(buf: &mut [u8], at: usize, bytes: &[u8]) {
    if let Some(dst) = at
        .checked_add(bytes.len())
        .and_then(|end| buf.get_mut(at..end))
    {
        dst.copy_from_slice(bytes);
    }
}

// ---------------------------------------------------------------------------
// ESP
// ---------------------------------------------------------------------------

mod esp_field {
    pub(super) const SPI: usize = 0;
    pub(super) const SEQUENCE: usize = 4;
    pub(super) const PAYLOAD: usize = 8;
}

/// Length of the ESP header: SPI and sequence number.
pub const ESP_HEADER_LEN: usize = esp_field::PAYLOAD;

/// A read (and, over `&mut [u8]`, write) view of an ESP packet starting at its SPI.
///
/// The payload is everything after the sequence number: IV, ciphertext,
/// trailer and ICV, which only the SA can tell apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EspPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> EspPacket<T> {
    /// Wrap a buffer without checking it (for emitting into a buffer known to be large enough).
    pub const fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wrap a buffer after checking that it holds an ESP header.
    pub fn new_checked(buffer: T) -> Result<Self, EspError> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// Check that the buffer holds at least the SPI and the sequence number.
    pub fn check_len(&self) -> Result<(), EspError> {
        let got = self.buffer.as_ref().len();
        if got < ESP_HEADER_LEN {
            return Err(EspError::Truncated {
                what: "ESP header",
                needed: ESP_HEADER_LEN,
                got,
            });
        }
        Ok(())
    }

    /// The buffer back.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Security Parameters Index.
    pub fn spi(&self) -> u32 {
        read_u32(self.buffer.as_ref(), esp_field::SPI)
    }

    /// The low 32 bits of the sequence number, as sent.
    pub fn sequence_number(&self) -> u32 {
        read_u32(self.buffer.as_ref(), esp_field::SEQUENCE)
    }

    /// Length of the whole packet.
    pub fn len(&self) -> usize {
        self.buffer.as_ref().len()
    }

    /// Whether the buffer is empty (never, after the check).
    pub fn is_empty(&self) -> bool {
        self.buffer.as_ref().is_empty()
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> EspPacket<&'a T> {
    /// Everything after the ESP header, borrowed from the buffer rather than the view.
    pub fn payload(&self) -> &'a [u8] {
        self.buffer
            .as_ref()
            .get(esp_field::PAYLOAD..)
            .unwrap_or_default()
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> EspPacket<T> {
    /// Set the SPI.
    pub fn set_spi(&mut self, spi: u32) {
        write(self.buffer.as_mut(), esp_field::SPI, &spi.to_be_bytes());
    }

    /// Set the (low 32 bits of the) sequence number.
    pub fn set_sequence_number(&mut self, sequence: u32) {
        write(
            self.buffer.as_mut(),
            esp_field::SEQUENCE,
            &sequence.to_be_bytes(),
        );
    }

    /// Everything after the ESP header, mutable.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        self.buffer
            .as_mut()
            .get_mut(esp_field::PAYLOAD..)
            .unwrap_or_default()
    }
}

/// The ESP header as plain values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EspRepr {
    /// Security Parameters Index.
    pub spi: u32,
    /// The low 32 bits of the sequence number.
    pub sequence_number: u32,
}

impl EspRepr {
    /// Read the header of a checked packet.
    pub fn parse<T: AsRef<[u8]>>(packet: &EspPacket<T>) -> Result<Self, EspError> {
        packet.check_len()?;
        Ok(Self {
            spi: packet.spi(),
            sequence_number: packet.sequence_number(),
        })
    }

    /// Bytes the header takes.
    pub const fn buffer_len(&self) -> usize {
        ESP_HEADER_LEN
    }

    /// Write the header into a packet of at least [`ESP_HEADER_LEN`] bytes.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, packet: &mut EspPacket<T>) {
        packet.set_spi(self.spi);
        packet.set_sequence_number(self.sequence_number);
    }
}

// ---------------------------------------------------------------------------
// UDP encapsulation (RFC 3948)
// ---------------------------------------------------------------------------

/// What a datagram on the NAT-T port carries, told apart as RFC 3948 §2 says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UdpEncapPayload<'a> {
    /// A NAT-keepalive: one byte 0xFF; drop it.
    NatKeepalive,
    /// An IKE message (after the 4-byte non-ESP marker, which is not included).
    Ike(&'a [u8]),
    /// An ESP packet; it starts at the first byte of the UDP payload, so an
    /// SA can open `&mut udp_payload[..]` in place.
    Esp(EspPacket<&'a [u8]>),
}

impl<'a> UdpEncapPayload<'a> {
    /// Offset of the IKE message in the UDP payload (after the non-ESP marker).
    pub const IKE_OFFSET: usize = NON_ESP_MARKER.len();

    /// Demultiplex a UDP payload received on port 4500.
    ///
    /// A single 0xFF byte is a keepalive; four leading zero bytes (the SPI
    /// value 0, which ESP never uses) mark IKE; anything else of at least an
    /// ESP header's length is ESP. Everything else is malformed.
    pub fn classify(payload: &'a [u8]) -> Result<Self, EspError> {
        if payload == [NAT_KEEPALIVE] {
            return Ok(Self::NatKeepalive);
        }
        if let Some((marker, ike)) = payload.split_first_chunk::<4>() {
            if *marker == NON_ESP_MARKER {
                return Ok(Self::Ike(ike));
            }
        }
        if payload.len() < ESP_HEADER_LEN {
            return Err(EspError::Malformed {
                what: "UDP-encapsulated packet",
                reason: "neither a NAT-keepalive, nor IKE after a non-ESP marker, nor an ESP header",
            });
        }
        Ok(Self::Esp(EspPacket::new_checked(payload)?))
    }
}

// ---------------------------------------------------------------------------
// UDP
// ---------------------------------------------------------------------------

mod udp_field {
    pub(super) const SRC_PORT: usize = 0;
    pub(super) const DST_PORT: usize = 2;
    pub(super) const LENGTH: usize = 4;
    pub(super) const CHECKSUM: usize = 6;
    pub(super) const PAYLOAD: usize = 8;
}

/// Length of a UDP header.
pub const UDP_HEADER_LEN: usize = udp_field::PAYLOAD;

/// A view of a UDP datagram (header and payload).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UdpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> UdpPacket<T> {
    /// Wrap a buffer without checking it.
    pub const fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wrap a buffer after checking the header and the length field.
    pub fn new_checked(buffer: T) -> Result<Self, EspError> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// Check that the buffer holds a header and that the length field is at
    /// least a header and at most the buffer.
    pub fn check_len(&self) -> Result<(), EspError> {
        let got = self.buffer.as_ref().len();
        if got < UDP_HEADER_LEN {
            return Err(EspError::Truncated {
                what: "UDP header",
                needed: UDP_HEADER_LEN,
                got,
            });
        }
        let claimed = usize::from(self.len_field());
        if claimed < UDP_HEADER_LEN {
            return Err(EspError::Malformed {
                what: "UDP header",
                reason: "length field shorter than the header",
            });
        }
        if claimed > got {
            return Err(EspError::Truncated {
                what: "UDP datagram",
                needed: claimed,
                got,
            });
        }
        Ok(())
    }

    /// The buffer back.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Source port.
    pub fn src_port(&self) -> u16 {
        read_u16(self.buffer.as_ref(), udp_field::SRC_PORT)
    }

    /// Destination port.
    pub fn dst_port(&self) -> u16 {
        read_u16(self.buffer.as_ref(), udp_field::DST_PORT)
    }

    /// The length field (header and payload).
    pub fn len_field(&self) -> u16 {
        read_u16(self.buffer.as_ref(), udp_field::LENGTH)
    }

    /// The checksum field (0: none, as RFC 3948 senders of ESP-in-UDP do).
    pub fn checksum(&self) -> u16 {
        read_u16(self.buffer.as_ref(), udp_field::CHECKSUM)
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> UdpPacket<&'a T> {
    /// The payload as the length field bounds it.
    pub fn payload(&self) -> &'a [u8] {
        let end = usize::from(self.len_field());
        self.buffer
            .as_ref()
            .get(udp_field::PAYLOAD..end)
            .unwrap_or_default()
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> UdpPacket<T> {
    /// Set the source port.
    pub fn set_src_port(&mut self, port: u16) {
        write(
            self.buffer.as_mut(),
            udp_field::SRC_PORT,
            &port.to_be_bytes(),
        );
    }

    /// Set the destination port.
    pub fn set_dst_port(&mut self, port: u16) {
        write(
            self.buffer.as_mut(),
            udp_field::DST_PORT,
            &port.to_be_bytes(),
        );
    }

    /// Set the length field.
    pub fn set_len_field(&mut self, len: u16) {
        write(self.buffer.as_mut(), udp_field::LENGTH, &len.to_be_bytes());
    }

    /// Set the checksum field.
    pub fn set_checksum(&mut self, checksum: u16) {
        write(
            self.buffer.as_mut(),
            udp_field::CHECKSUM,
            &checksum.to_be_bytes(),
        );
    }

    /// The payload as the length field bounds it, mutable.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let end = usize::from(self.len_field());
        self.buffer
            .as_mut()
            .get_mut(udp_field::PAYLOAD..end)
            .unwrap_or_default()
    }
}

// ---------------------------------------------------------------------------
// IPv4
// ---------------------------------------------------------------------------

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
        if got < IPV4_HEADER_LEN {
            return Err(EspError::Truncated {
                what: WHAT,
                needed: IPV4_HEADER_LEN,
                got,
            });
        }
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
        if total > got {
            return Err(EspError::Truncated {
                what: "IPv4 packet",
                needed: total,
                got,
            });
        }
        Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn esp_header_roundtrip_and_truncation() {
        let mut buf = [0u8; 12];
        let mut packet = EspPacket::new_unchecked(&mut buf[..]);
        EspRepr {
            spi: 0xdead_beef,
            sequence_number: 42,
        }
        .emit(&mut packet);
        packet.payload_mut().copy_from_slice(&[1, 2, 3, 4]);
        let packet = EspPacket::new_checked(&buf[..]).unwrap();
        assert_eq!(packet.spi(), 0xdead_beef);
        assert_eq!(packet.sequence_number(), 42);
        assert_eq!(packet.payload(), &[1, 2, 3, 4]);
        assert_eq!(
            EspRepr::parse(&packet).unwrap(),
            EspRepr {
                spi: 0xdead_beef,
                sequence_number: 42
            }
        );
        for len in 0..ESP_HEADER_LEN {
            assert!(matches!(
                EspPacket::new_checked(&buf[..len]),
                Err(EspError::Truncated { needed: 8, .. })
            ));
        }
        // Unchecked views over short buffers never panic.
        let short = EspPacket::new_unchecked(&buf[..3]);
        assert_eq!(short.spi(), 0);
        assert_eq!(short.payload(), &[] as &[u8]);
    }

    #[test]
    fn udp_encap_demux() {
        assert_eq!(
            UdpEncapPayload::classify(&[0xff]),
            Ok(UdpEncapPayload::NatKeepalive)
        );
        let ike = [0, 0, 0, 0, 1, 2, 3];
        assert_eq!(
            UdpEncapPayload::classify(&ike),
            Ok(UdpEncapPayload::Ike(&[1, 2, 3]))
        );
        assert_eq!(
            UdpEncapPayload::classify(&[0, 0, 0, 0]),
            Ok(UdpEncapPayload::Ike(&[]))
        );
        let esp = [0, 0, 1, 0, 0, 0, 0, 9];
        match UdpEncapPayload::classify(&esp) {
            Ok(UdpEncapPayload::Esp(p)) => {
                assert_eq!(p.spi(), 256);
                assert_eq!(p.sequence_number(), 9);
            }
            other => panic!("{other:?}"),
        }
        for bad in [&[][..], &[0xfe], &[0xff, 0xff], &[1, 2, 3, 4, 5, 6, 7]] {
            assert!(UdpEncapPayload::classify(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn udp_view_checks_length_field() {
        let mut dgram = [0u8; 12];
        let mut udp = UdpPacket::new_unchecked(&mut dgram[..]);
        udp.set_src_port(4500);
        udp.set_dst_port(4501);
        udp.set_len_field(11);
        udp.set_checksum(0);
        udp.payload_mut().copy_from_slice(&[7, 8, 9]);
        let udp = UdpPacket::new_checked(&dgram[..]).unwrap();
        assert_eq!(
            (udp.src_port(), udp.dst_port(), udp.len_field()),
            (4500, 4501, 11)
        );
        assert_eq!(udp.payload(), &[7, 8, 9]);
        assert!(UdpPacket::new_checked(&dgram[..10]).is_err());
        dgram[4..6].copy_from_slice(&7u16.to_be_bytes());
        assert!(UdpPacket::new_checked(&dgram[..]).is_err());
    }

    #[test]
    fn ipv4_emit_parse_and_ports() {
        let mut buf = [0u8; 28];
        let repr = Ipv4Repr {
            src_addr: Ipv4Addr::new(10, 1, 0, 1),
            dst_addr: Ipv4Addr::new(10, 2, 0, 1),
            protocol: protocol::UDP,
            payload_len: 8,
            ttl: 64,
            ident: 7,
        };
        repr.emit(&mut buf).unwrap();
        buf[20..24].copy_from_slice(&[0x01, 0xf4, 0x11, 0x94]);
        let packet = Ipv4Packet::new_checked(&buf[..]).unwrap();
        assert!(packet.verify_checksum());
        assert_eq!(Ipv4Repr::parse(&packet).unwrap(), repr);
        assert_eq!(packet.ports(), Some((500, 4500)));
        assert_eq!(packet.payload().len(), 8);
        // A known header (RFC 3602 case 5's inner packet) has a valid checksum.
        let known = hex("4500005408f200004001f9fec0a87b03c0a87b64");
        let mut whole = known.clone();
        whole.resize(0x54, 0);
        assert!(
            Ipv4Packet::new_checked(&whole[..])
                .unwrap()
                .verify_checksum()
        );
        // Errors.
        assert!(Ipv4Packet::new_checked(&known[..]).is_err()); // total length 84 > 20
        let mut v6 = buf;
        v6[0] = 0x65;
        assert!(Ipv4Packet::new_checked(&v6[..]).is_err());
        let mut ihl = buf;
        ihl[0] = 0x44;
        assert!(Ipv4Packet::new_checked(&ihl[..]).is_err());
    }

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }
}
