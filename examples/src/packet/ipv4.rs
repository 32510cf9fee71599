//! IPv4 header (RFC 791): a checked view and a builder.

use std::net::Ipv4Addr;

use super::{PacketError, checksum};

/// IP protocol number of ICMP.
pub const PROTO_ICMP: u8 = 1;
/// IP protocol number of UDP.
pub const PROTO_UDP: u8 = 17;
/// Length of a header without options.
pub const MIN_HEADER_LEN: usize = 20;

/// A verified IPv4 packet: version 4, header length and total length within
/// the buffer, header checksum correct. Bytes past the total length (link
/// padding) are ignored.
#[derive(Clone, Copy, Debug)]
pub struct Ipv4Packet<'a> {
    buf: &'a [u8],
    header_len: usize,
    total_len: usize,
}

impl<'a> Ipv4Packet<'a> {
    /// Checks `buf` and returns the view.
    pub fn new_checked(buf: &'a [u8]) -> Result<Self, PacketError> {
        if buf.len() < MIN_HEADER_LEN {
            return Err(PacketError::Truncated {
                need: MIN_HEADER_LEN,
                have: buf.len(),
            });
        }
        let version = buf[0] >> 4;
        if version != 4 {
            return Err(PacketError::Version(version));
        }
        let header_len = usize::from(buf[0] & 0x0f) * 4;
        if header_len < MIN_HEADER_LEN {
            return Err(PacketError::HeaderLength(header_len));
        }
        let total_len = usize::from(u16::from_be_bytes([buf[2], buf[3]]));
        if total_len > buf.len() {
            return Err(PacketError::Truncated {
                need: total_len,
                have: buf.len(),
            });
        }
        if total_len < header_len {
            return Err(PacketError::Length {
                field: total_len,
                have: buf.len(),
            });
        }
        if checksum::internet(&buf[..header_len]) != 0 {
            return Err(PacketError::Checksum("IPv4 header"));
        }
        Ok(Self {
            buf,
            header_len,
            total_len,
        })
    }

    /// Header length in bytes (20 without options).
    pub fn header_len(&self) -> usize {
        self.header_len
    }

    /// The total length field.
    pub fn total_len(&self) -> usize {
        self.total_len
    }

    /// Identification field.
    pub fn ident(&self) -> u16 {
        u16::from_be_bytes([self.buf[4], self.buf[5]])
    }

    /// Whether this is a fragment (more-fragments set or a non-zero offset).
    pub fn is_fragment(&self) -> bool {
        let flags_off = u16::from_be_bytes([self.buf[6], self.buf[7]]);
        flags_off & 0x3fff != 0
    }

    /// Time to live.
    pub fn ttl(&self) -> u8 {
        self.buf[8]
    }

    /// Protocol number of the payload.
    pub fn protocol(&self) -> u8 {
        self.buf[9]
    }

    /// Source address.
    pub fn src(&self) -> Ipv4Addr {
        Ipv4Addr::new(self.buf[12], self.buf[13], self.buf[14], self.buf[15])
    }

    /// Destination address.
    pub fn dst(&self) -> Ipv4Addr {
        Ipv4Addr::new(self.buf[16], self.buf[17], self.buf[18], self.buf[19])
    }

    /// The payload: from the end of the header to the total length.
    pub fn payload(&self) -> &'a [u8] {
        &self.buf[self.header_len..self.total_len]
    }

    /// The packet as delimited by its total length.
    pub fn as_bytes(&self) -> &'a [u8] {
        &self.buf[..self.total_len]
    }
}

/// The fields of a header to build (no options, DF set, not a fragment).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ipv4Repr {
    /// Source address.
    pub src: Ipv4Addr,
    /// Destination address.
    pub dst: Ipv4Addr,
    /// Protocol number of the payload.
    pub protocol: u8,
    /// Time to live.
    pub ttl: u8,
    /// Identification field.
    pub ident: u16,
}

impl Ipv4Repr {
    /// Builds header + `payload` with the header checksum filled in.
    pub fn emit(&self, payload: &[u8]) -> Result<Vec<u8>, PacketError> {
        let total = MIN_HEADER_LEN + payload.len();
        let total16 = u16::try_from(total).map_err(|_| PacketError::TooLong(payload.len()))?;
        let mut p = Vec::with_capacity(total);
        p.extend_from_slice(&[0x45, 0x00]);
        p.extend_from_slice(&total16.to_be_bytes());
        p.extend_from_slice(&self.ident.to_be_bytes());
        p.extend_from_slice(&[0x40, 0x00, self.ttl, self.protocol, 0, 0]);
        p.extend_from_slice(&self.src.octets());
        p.extend_from_slice(&self.dst.octets());
        let sum = checksum::internet(&p);
        p[10..12].copy_from_slice(&sum.to_be_bytes());
        p.extend_from_slice(payload);
        Ok(p)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use hex_literal::hex;

    /// `ping -c1 -s 16 127.0.0.1` on Linux, captured on `lo`: the echo
    /// request (id 0x1eb1, seq 1).
    pub(crate) const PING_REQUEST: [u8; 44] = hex!(
        "4500002c0071400040013c5e7f0000017f000001"
        "0800d2921eb10001347e086b00000000c3d1060000000000"
    );
    /// The kernel's echo reply to it.
    pub(crate) const PING_REPLY: [u8; 44] = hex!(
        "4500002c0072000040017c5d7f0000017f000001"
        "0000da921eb10001347e086b00000000c3d1060000000000"
    );

    #[test]
    fn captured_request_parses() {
        let bytes = PING_REQUEST.to_vec();
        let p = Ipv4Packet::new_checked(&bytes).unwrap();
        assert_eq!(p.header_len(), 20);
        assert_eq!(p.total_len(), 44);
        assert_eq!(p.ident(), 0x0071);
        assert!(!p.is_fragment());
        assert_eq!(p.ttl(), 64);
        assert_eq!(p.protocol(), PROTO_ICMP);
        assert_eq!(p.src(), Ipv4Addr::LOCALHOST);
        assert_eq!(p.dst(), Ipv4Addr::LOCALHOST);
        assert_eq!(p.payload().len(), 24);
    }

    #[test]
    fn emit_reproduces_the_kernel_header() {
        // The kernel's reply has DF clear; ours sets DF, so compare with the
        // request, which has DF set, byte for byte (checksum included).
        let bytes = PING_REQUEST.to_vec();
        let repr = Ipv4Repr {
            src: Ipv4Addr::LOCALHOST,
            dst: Ipv4Addr::LOCALHOST,
            protocol: PROTO_ICMP,
            ttl: 64,
            ident: 0x0071,
        };
        assert_eq!(repr.emit(&bytes[20..]).unwrap(), bytes);
    }

    #[test]
    fn rejects_bad_input() {
        let good = PING_REQUEST.to_vec();
        assert_eq!(
            Ipv4Packet::new_checked(&good[..19]).unwrap_err(),
            PacketError::Truncated { need: 20, have: 19 }
        );
        assert_eq!(
            Ipv4Packet::new_checked(&good[..43]).unwrap_err(),
            PacketError::Truncated { need: 44, have: 43 }
        );
        let mut v6 = good.clone();
        v6[0] = 0x65;
        assert_eq!(
            Ipv4Packet::new_checked(&v6).unwrap_err(),
            PacketError::Version(6)
        );
        let mut short_ihl = good.clone();
        short_ihl[0] = 0x44;
        assert_eq!(
            Ipv4Packet::new_checked(&short_ihl).unwrap_err(),
            PacketError::HeaderLength(16)
        );
        let mut flipped = good.clone();
        flipped[15] ^= 1;
        assert_eq!(
            Ipv4Packet::new_checked(&flipped).unwrap_err(),
            PacketError::Checksum("IPv4 header")
        );
    }

    #[test]
    fn trailing_link_padding_is_ignored() {
        let mut bytes = PING_REQUEST.to_vec();
        bytes.extend_from_slice(&[0; 6]);
        let p = Ipv4Packet::new_checked(&bytes).unwrap();
        assert_eq!(p.as_bytes().len(), 44);
        assert_eq!(p.payload().len(), 24);
    }
}
