//! Checked views and builders for the inner packets the examples make and
//! answer: IPv4 (RFC 791), ICMP echo (RFC 792) and UDP (RFC 768).
//!
//! A view is made with `new_checked`, which verifies every length and
//! checksum once; after that no accessor can panic. Builders return a whole
//! packet with its checksums filled in.

pub mod checksum;
pub mod icmp;
pub mod ipv4;
pub mod udp;

/// Why a byte string is not a packet we accept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PacketError {
    /// Fewer bytes than the header or the length field needs.
    #[error("truncated: need {need} bytes, have {have}")]
    Truncated {
        /// Bytes the header or length field requires.
        need: usize,
        /// Bytes present.
        have: usize,
    },
    /// The IP version nibble is not 4.
    #[error("IP version {0}, expected 4")]
    Version(u8),
    /// The IPv4 header length field is below 5 words or beyond the packet.
    #[error("IPv4 header length {0} bytes is invalid")]
    HeaderLength(usize),
    /// A length field is inconsistent with the bytes or the header.
    #[error("length field {field} is invalid for {have} bytes")]
    Length {
        /// The value of the length field.
        field: usize,
        /// Bytes present.
        have: usize,
    },
    /// A checksum does not verify.
    #[error("bad {0} checksum")]
    Checksum(&'static str),
    /// A builder was given a payload too large for a 16-bit length field.
    #[error("payload of {0} bytes does not fit a 16-bit length")]
    TooLong(usize),
}
