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

/// `Truncated` unless `got` bytes hold the `needed` that `what` takes:
/// every header view's length check starts here.
const fn holds(what: &'static str, needed: usize, got: usize) -> Result<(), crate::EspError> {
    if got < needed {
        return Err(crate::EspError::Truncated { what, needed, got });
    }
    Ok(())
}

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

mod encap;
mod esp;
mod ipv4;
mod udp;
pub use encap::UdpEncapPayload;
pub use esp::{ESP_HEADER_LEN, EspPacket, EspRepr};
pub use ipv4::{IPV4_HEADER_LEN, Ipv4Packet, Ipv4Repr, internet_checksum};
pub use udp::{UDP_HEADER_LEN, UdpPacket};

#[cfg(test)]
mod tests;
