//! The inner packets the examples make and answer: IPv4 (RFC 791), ICMP
//! echo (RFC 792) and UDP (RFC 768), parsed and built by `etherparse`.
//!
//! etherparse's slices check versions and lengths but leave checksums to
//! the caller, so the checked constructors here add that, once; after them
//! no accessor can panic. [`ipv4_builder`] fixes the header fields of what
//! we send; etherparse's builder fills in the lengths and checksums.

use std::net::Ipv4Addr;

use etherparse::checksum::Sum16BitWords;
use etherparse::err::{LenError, ipv4::HeaderSliceError};
use etherparse::{
    Icmpv4Slice, IpHeaders, IpNumber, Ipv4Header, Ipv4HeaderSlice, PacketBuilder,
    PacketBuilderStep, UdpSlice,
};

/// Time to live of the packets we send (Linux's default).
pub const TTL: u8 = 64;

/// Why a byte string is not a packet we accept.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PacketError {
    /// Not an IPv4 header: too short, another version, or IHL below 5.
    #[error("IPv4 header: {0}")]
    Header(#[from] HeaderSliceError),
    /// The IPv4 total length is below the header length or beyond the bytes.
    #[error("IPv4 total length {total} is invalid for a {header}-byte header in {have} bytes")]
    TotalLength {
        /// The total length field.
        total: usize,
        /// The header length (IHL) in bytes.
        header: usize,
        /// Bytes present.
        have: usize,
    },
    /// An ICMP or UDP message shorter than its header or length field.
    #[error(transparent)]
    Len(#[from] LenError),
    /// A UDP length field of zero: etherparse reads it as "the rest of the
    /// packet", which only IPv6 jumbograms (RFC 2675) may mean.
    #[error("UDP length 0 over IPv4")]
    UdpLengthZero,
    /// A checksum does not verify.
    #[error("bad {0} checksum")]
    Checksum(&'static str),
}

/// A verified IPv4 packet. Bytes past the total length (link padding) are
/// not part of it.
#[derive(Clone, Debug)]
pub struct Ipv4<'a> {
    /// The header (options included).
    pub header: Ipv4HeaderSlice<'a>,
    /// From the end of the header to the total length.
    pub payload: &'a [u8],
}

/// Checks an IPv4 packet: header, total length, header checksum.
///
/// Not `etherparse::Ipv4Slice`: it would also parse an AH header (protocol
/// 51), so a bad one would count as malformed, not as not-for-us.
pub fn ipv4(buf: &[u8]) -> Result<Ipv4<'_>, PacketError> {
    let header = Ipv4HeaderSlice::from_slice(buf)?;
    let (len, total) = (header.slice().len(), usize::from(header.total_len()));
    let payload = buf.get(len..total).ok_or(PacketError::TotalLength {
        total,
        header: len,
        have: buf.len(),
    })?;
    verify(
        Sum16BitWords::new().add_slice(header.slice()),
        "IPv4 header",
    )?;
    Ok(Ipv4 { header, payload })
}

/// Checks an ICMP message (an IPv4 payload): length and checksum.
pub fn icmpv4(buf: &[u8]) -> Result<Icmpv4Slice<'_>, PacketError> {
    let m = Icmpv4Slice::from_slice(buf)?;
    verify(Sum16BitWords::new().add_slice(buf), "ICMP")?;
    Ok(m)
}

/// Checks a UDP datagram (an IPv4 payload) sent from `src` to `dst`: length
/// field within the bytes, checksum over the pseudo-header correct or zero
/// (which RFC 768 allows over IPv4 to mean "not computed").
pub fn udp(buf: &[u8], src: Ipv4Addr, dst: Ipv4Addr) -> Result<UdpSlice<'_>, PacketError> {
    let d = UdpSlice::from_slice(buf)?;
    if d.length() == 0 {
        return Err(PacketError::UdpLengthZero);
    }
    if d.checksum() != 0 {
        let pseudo = Sum16BitWords::new()
            .add_4bytes(src.octets())
            .add_4bytes(dst.octets())
            .add_2bytes([0, IpNumber::UDP.0])
            .add_2bytes(d.length().to_be_bytes());
        verify(pseudo.add_slice(d.slice()), "UDP")?;
    }
    Ok(d)
}

/// A block that includes its own checksum sums to all ones (RFC 1071).
fn verify(sum: Sum16BitWords, what: &'static str) -> Result<(), PacketError> {
    if sum.ones_complement() == 0 {
        Ok(())
    } else {
        Err(PacketError::Checksum(what))
    }
}

/// Starts a packet from `src` to `dst` as we send them: no options, DF set,
/// not a fragment, TTL [`TTL`], identification `ident`.
pub fn ipv4_builder(src: Ipv4Addr, dst: Ipv4Addr, ident: u16) -> PacketBuilderStep<IpHeaders> {
    let header = Ipv4Header {
        identification: ident,
        dont_fragment: true,
        time_to_live: TTL,
        source: src.octets(),
        destination: dst.octets(),
        ..Ipv4Header::default()
    };
    PacketBuilder::ip(IpHeaders::Ipv4(header, Default::default()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use etherparse::{IcmpEchoHeader, Icmpv4Type, icmpv4::DestUnreachableHeader};
    use hex_literal::hex;

    /// `ping -c1 -s 16 127.0.0.1` on Linux, captured on `lo`: the echo
    /// request (id 0x1eb1, seq 1).
    const PING_REQUEST: [u8; 44] = hex!(
        "4500002c0071400040013c5e7f0000017f000001"
        "0800d2921eb10001347e086b00000000c3d1060000000000"
    );
    /// The kernel's echo reply to it.
    const PING_REPLY: [u8; 44] = hex!(
        "4500002c0072000040017c5d7f0000017f000001"
        "0000da921eb10001347e086b00000000c3d1060000000000"
    );
    /// `sendto(b"hello ikesuite", ("127.0.0.1", 7))` from Python, captured on
    /// `lo`. Loopback leaves the checksum to offload, so the field (30b3) was
    /// filled in by an independent Python implementation of RFC 768.
    const HELLO: [u8; 42] = hex!(
        "4500002a66fc40004011d5c47f0000017f000001"
        "d4650007001630b368656c6c6f20696b657375697465"
    );
    const LO: Ipv4Addr = Ipv4Addr::LOCALHOST;

    #[test]
    fn captured_ping_parses() {
        let p = ipv4(&PING_REQUEST).unwrap();
        let h = &p.header;
        assert_eq!(
            (h.slice().len(), h.total_len(), h.identification()),
            (20, 44, 0x71)
        );
        assert!(!h.is_fragmenting_payload());
        assert_eq!((h.ttl(), h.protocol()), (64, IpNumber::ICMP));
        assert_eq!((h.source_addr(), h.destination_addr()), (LO, LO));
        let m = icmpv4(p.payload).unwrap();
        let echo = IcmpEchoHeader { id: 0x1eb1, seq: 1 };
        assert_eq!(m.icmp_type(), Icmpv4Type::EchoRequest(echo));
        assert_eq!(m.payload(), &PING_REQUEST[28..]);
        let reply = icmpv4(&PING_REPLY[20..]).unwrap();
        assert_eq!(reply.icmp_type(), Icmpv4Type::EchoReply(echo));
    }

    #[test]
    fn builder_reproduces_the_kernel_bytes() {
        // Our header sets DF, as the request's does (the kernel's reply
        // clears it), so the request matches whole, checksums included...
        let data = &PING_REQUEST[28..];
        let mut req = Vec::new();
        ipv4_builder(LO, LO, 0x71)
            .icmpv4_echo_request(0x1eb1, 1)
            .write_to_vec(&mut req, data)
            .unwrap();
        assert_eq!(req, PING_REQUEST);
        // ...and the reply in its ICMP part (checksum da92).
        let mut rep = Vec::new();
        ipv4_builder(LO, LO, 0x72)
            .icmpv4_echo_reply(0x1eb1, 1)
            .write_to_vec(&mut rep, data)
            .unwrap();
        assert_eq!(rep[20..], PING_REPLY[20..]);
        // UDP: the whole datagram, pseudo-header checksum included.
        let mut udp = Vec::new();
        ipv4_builder(LO, LO, 0x66fc)
            .udp(0xd465, 7)
            .write_to_vec(&mut udp, b"hello ikesuite")
            .unwrap();
        assert_eq!(udp, HELLO);
    }

    #[test]
    fn captured_port_unreachable_verifies() {
        // Linux's answer to a UDP datagram sent to 127.0.0.1:7 with nothing
        // listening: type 3 code 3, quoting the datagram.
        let p = hex!(
            "45c000460073000040017b827f0000017f000001"
            "03032db0000000004500002a66fc40004011d5c47f0000017f000001"
            "d46500070016fe2968656c6c6f20696b657375697465"
        );
        let m = icmpv4(ipv4(&p).unwrap().payload).unwrap();
        let port = Icmpv4Type::DestinationUnreachable(DestUnreachableHeader::Port);
        assert_eq!((m.icmp_type(), m.payload().len()), (port, 42));
    }

    #[test]
    fn ipv4_rejects_bad_input() {
        let good = PING_REQUEST;
        assert!(matches!(
            ipv4(&good[..19]),
            Err(PacketError::Header(HeaderSliceError::Len(_)))
        ));
        assert_eq!(
            ipv4(&good[..43]).unwrap_err(),
            PacketError::TotalLength {
                total: 44,
                header: 20,
                have: 43
            }
        );
        let mut v6 = good;
        v6[0] = 0x65;
        let mut short_ihl = good;
        short_ihl[0] = 0x44;
        let mut short_total = good;
        short_total[2..4].copy_from_slice(&19u16.to_be_bytes());
        for bad in [v6, short_ihl] {
            assert!(matches!(
                ipv4(&bad),
                Err(PacketError::Header(HeaderSliceError::Content(_)))
            ));
        }
        assert!(matches!(
            ipv4(&short_total),
            Err(PacketError::TotalLength { total: 19, .. })
        ));
        let mut flipped = good;
        flipped[15] ^= 1;
        assert_eq!(
            ipv4(&flipped).unwrap_err(),
            PacketError::Checksum("IPv4 header")
        );
    }

    #[test]
    fn trailing_link_padding_is_ignored() {
        let mut bytes = PING_REQUEST.to_vec();
        bytes.extend_from_slice(&[0; 6]);
        assert_eq!(ipv4(&bytes).unwrap().payload, &PING_REQUEST[20..]);
    }

    #[test]
    fn icmp_rejects_bad_input() {
        assert!(matches!(
            icmpv4(&PING_REQUEST[20..27]),
            Err(PacketError::Len(_))
        ));
        let mut bad = PING_REQUEST[20..].to_vec();
        bad[9] ^= 0x40;
        assert_eq!(icmpv4(&bad).unwrap_err(), PacketError::Checksum("ICMP"));
    }

    #[test]
    fn udp_checks_length_and_pseudo_header_checksum() {
        let d = udp(&HELLO[20..], LO, LO).unwrap();
        assert_eq!((d.source_port(), d.destination_port()), (0xd465, 7));
        assert_eq!(d.payload(), b"hello ikesuite");
        // Zero means "no checksum", even with the pseudo-header wrong.
        let mut unsummed = HELLO[20..].to_vec();
        unsummed[6..8].fill(0);
        assert!(udp(&unsummed, LO, Ipv4Addr::new(127, 0, 0, 2)).is_ok());

        let payload = &HELLO[20..];
        assert!(matches!(
            udp(&payload[..7], LO, LO),
            Err(PacketError::Len(_))
        ));
        assert!(matches!(
            udp(&payload[..21], LO, LO),
            Err(PacketError::Len(_))
        ));
        let mut zero_len = unsummed.clone();
        zero_len[4..6].fill(0);
        assert_eq!(
            udp(&zero_len, LO, LO).unwrap_err(),
            PacketError::UdpLengthZero
        );
        // The pseudo-header is covered: another destination fails.
        assert_eq!(
            udp(payload, LO, Ipv4Addr::new(127, 0, 0, 2)).unwrap_err(),
            PacketError::Checksum("UDP")
        );
    }
}
