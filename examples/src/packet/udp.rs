//! UDP (RFC 768): a checked view and a builder, checksums over the IPv4
//! pseudo-header.

use std::net::Ipv4Addr;

use super::ipv4::PROTO_UDP;
use super::{PacketError, checksum};

/// Length of the UDP header.
pub const HEADER_LEN: usize = 8;

/// A verified UDP datagram: length field within the bytes, checksum correct
/// (or zero, which RFC 768 allows over IPv4 to mean "not computed").
#[derive(Clone, Copy, Debug)]
pub struct UdpDatagram<'a> {
    buf: &'a [u8],
}

impl<'a> UdpDatagram<'a> {
    /// Checks `buf` (the IPv4 payload) sent from `src` to `dst`.
    pub fn new_checked(buf: &'a [u8], src: Ipv4Addr, dst: Ipv4Addr) -> Result<Self, PacketError> {
        if buf.len() < HEADER_LEN {
            return Err(PacketError::Truncated {
                need: HEADER_LEN,
                have: buf.len(),
            });
        }
        let len = usize::from(u16::from_be_bytes([buf[4], buf[5]]));
        if len < HEADER_LEN || len > buf.len() {
            return Err(PacketError::Length {
                field: len,
                have: buf.len(),
            });
        }
        let buf = &buf[..len];
        let stored = u16::from_be_bytes([buf[6], buf[7]]);
        if stored != 0 {
            // `len` fits 16 bits: it was read from a 16-bit field.
            let pseudo = checksum::pseudo_header(src, dst, PROTO_UDP, len as u16);
            if checksum::finish(checksum::add(pseudo, buf)) != 0 {
                return Err(PacketError::Checksum("UDP"));
            }
        }
        Ok(Self { buf })
    }

    /// Source port.
    pub fn src_port(&self) -> u16 {
        u16::from_be_bytes([self.buf[0], self.buf[1]])
    }

    /// Destination port.
    pub fn dst_port(&self) -> u16 {
        u16::from_be_bytes([self.buf[2], self.buf[3]])
    }

    /// The data after the header, as delimited by the length field.
    pub fn data(&self) -> &'a [u8] {
        &self.buf[HEADER_LEN..]
    }
}

/// Builds a UDP datagram from `src:sport` to `dst:dport` with its checksum.
pub fn build(
    src: Ipv4Addr,
    sport: u16,
    dst: Ipv4Addr,
    dport: u16,
    data: &[u8],
) -> Result<Vec<u8>, PacketError> {
    let len =
        u16::try_from(HEADER_LEN + data.len()).map_err(|_| PacketError::TooLong(data.len()))?;
    let mut d = Vec::with_capacity(usize::from(len));
    d.extend_from_slice(&sport.to_be_bytes());
    d.extend_from_slice(&dport.to_be_bytes());
    d.extend_from_slice(&len.to_be_bytes());
    d.extend_from_slice(&[0, 0]);
    d.extend_from_slice(data);
    let sum = checksum::finish(checksum::add(
        checksum::pseudo_header(src, dst, PROTO_UDP, len),
        &d,
    ));
    // A computed zero is sent as all ones: zero means "no checksum".
    let sum = if sum == 0 { 0xffff } else { sum };
    d[6..8].copy_from_slice(&sum.to_be_bytes());
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::ipv4::Ipv4Packet;
    use hex_literal::hex;

    /// `sendto(b"hello ikesuite", ("127.0.0.1", 7))` from Python, captured on
    /// `lo`. Loopback leaves the checksum to offload, so the field (30b3) was
    /// filled in by an independent Python implementation of RFC 768.
    const HELLO: [u8; 42] = hex!(
        "4500002a66fc40004011d5c47f0000017f000001"
        "d4650007001630b368656c6c6f20696b657375697465"
    );

    #[test]
    fn known_datagram_parses_and_rebuilds() {
        let bytes = HELLO.to_vec();
        let ip = Ipv4Packet::new_checked(&bytes).unwrap();
        let u = UdpDatagram::new_checked(ip.payload(), ip.src(), ip.dst()).unwrap();
        assert_eq!((u.src_port(), u.dst_port()), (0xd465, 7));
        assert_eq!(u.data(), b"hello ikesuite");
        let rebuilt = build(ip.src(), 0xd465, ip.dst(), 7, b"hello ikesuite").unwrap();
        assert_eq!(rebuilt, ip.payload());
    }

    #[test]
    fn zero_checksum_means_none() {
        let bytes = HELLO.to_vec();
        let mut payload = bytes[20..].to_vec();
        payload[6] = 0;
        payload[7] = 0;
        let u =
            UdpDatagram::new_checked(&payload, Ipv4Addr::LOCALHOST, Ipv4Addr::LOCALHOST).unwrap();
        assert_eq!(u.data(), b"hello ikesuite");
    }

    #[test]
    fn rejects_bad_input() {
        let bytes = HELLO.to_vec();
        let payload = &bytes[20..];
        let lo = Ipv4Addr::LOCALHOST;
        assert_eq!(
            UdpDatagram::new_checked(&payload[..7], lo, lo).unwrap_err(),
            PacketError::Truncated { need: 8, have: 7 }
        );
        assert_eq!(
            UdpDatagram::new_checked(&payload[..21], lo, lo).unwrap_err(),
            PacketError::Length {
                field: 22,
                have: 21
            }
        );
        // The pseudo-header is covered: another destination fails.
        assert_eq!(
            UdpDatagram::new_checked(payload, lo, Ipv4Addr::new(127, 0, 0, 2)).unwrap_err(),
            PacketError::Checksum("UDP")
        );
    }
}
