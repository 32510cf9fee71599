//! ICMP (RFC 792): a checked view and the echo request / reply builder.

use super::{PacketError, checksum};

/// Echo reply type.
pub const ECHO_REPLY: u8 = 0;
/// Destination unreachable type.
pub const DEST_UNREACHABLE: u8 = 3;
/// Echo request type.
pub const ECHO_REQUEST: u8 = 8;
/// Length of the ICMP header (type, code, checksum, rest-of-header).
pub const HEADER_LEN: usize = 8;

/// A verified ICMP message (at least a header, checksum correct).
#[derive(Clone, Copy, Debug)]
pub struct IcmpPacket<'a> {
    buf: &'a [u8],
}

impl<'a> IcmpPacket<'a> {
    /// Checks `buf` (the IPv4 payload) and returns the view.
    pub fn new_checked(buf: &'a [u8]) -> Result<Self, PacketError> {
        if buf.len() < HEADER_LEN {
            return Err(PacketError::Truncated {
                need: HEADER_LEN,
                have: buf.len(),
            });
        }
        if checksum::internet(buf) != 0 {
            return Err(PacketError::Checksum("ICMP"));
        }
        Ok(Self { buf })
    }

    /// Message type.
    pub fn ty(&self) -> u8 {
        self.buf[0]
    }

    /// Message code.
    pub fn code(&self) -> u8 {
        self.buf[1]
    }

    /// Echo identifier (meaningful for echo request and reply).
    pub fn echo_ident(&self) -> u16 {
        u16::from_be_bytes([self.buf[4], self.buf[5]])
    }

    /// Echo sequence number (meaningful for echo request and reply).
    pub fn echo_seq(&self) -> u16 {
        u16::from_be_bytes([self.buf[6], self.buf[7]])
    }

    /// The bytes after the header (echo data, or the quoted datagram).
    pub fn data(&self) -> &'a [u8] {
        &self.buf[HEADER_LEN..]
    }
}

/// Builds an echo request or reply (`ty` is [`ECHO_REQUEST`] or
/// [`ECHO_REPLY`]) with its checksum.
pub fn echo(ty: u8, ident: u16, seq: u16, data: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(HEADER_LEN + data.len());
    m.extend_from_slice(&[ty, 0, 0, 0]);
    m.extend_from_slice(&ident.to_be_bytes());
    m.extend_from_slice(&seq.to_be_bytes());
    m.extend_from_slice(data);
    let sum = checksum::internet(&m);
    m[2..4].copy_from_slice(&sum.to_be_bytes());
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::ipv4::tests::{PING_REPLY, PING_REQUEST};
    use hex_literal::hex;

    #[test]
    fn captured_request_and_reply() {
        let req = PING_REQUEST.to_vec();
        let m = IcmpPacket::new_checked(&req[20..]).unwrap();
        assert_eq!((m.ty(), m.code()), (ECHO_REQUEST, 0));
        assert_eq!((m.echo_ident(), m.echo_seq()), (0x1eb1, 1));
        assert_eq!(m.data().len(), 16);

        // Our reply's ICMP part equals the Linux kernel's, checksum da92.
        let rep = PING_REPLY.to_vec();
        assert_eq!(echo(ECHO_REPLY, 0x1eb1, 1, m.data()), rep[20..]);
        assert_eq!(echo(ECHO_REQUEST, 0x1eb1, 1, m.data()), req[20..]);
    }

    #[test]
    fn captured_port_unreachable() {
        // Linux's answer to a UDP datagram sent to 127.0.0.1:7 with nothing
        // listening: type 3 code 3, quoting the datagram.
        let p = hex!(
            "45c000460073000040017b827f0000017f000001"
            "03032db0000000004500002a66fc40004011d5c47f0000017f000001"
            "d46500070016fe2968656c6c6f20696b657375697465"
        );
        let ip = crate::packet::ipv4::Ipv4Packet::new_checked(&p).unwrap();
        let m = IcmpPacket::new_checked(ip.payload()).unwrap();
        assert_eq!((m.ty(), m.code()), (DEST_UNREACHABLE, 3));
        assert_eq!(m.data().len(), 42);
    }

    #[test]
    fn rejects_bad_input() {
        let req = PING_REQUEST.to_vec();
        assert_eq!(
            IcmpPacket::new_checked(&req[20..27]).unwrap_err(),
            PacketError::Truncated { need: 8, have: 7 }
        );
        let mut bad = req[20..].to_vec();
        bad[9] ^= 0x40;
        assert_eq!(
            IcmpPacket::new_checked(&bad).unwrap_err(),
            PacketError::Checksum("ICMP")
        );
    }
}
