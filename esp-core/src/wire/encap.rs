//! UDP encapsulation (RFC 3948): what a datagram on the NAT-T port
//! carries.

use super::{ESP_HEADER_LEN, EspPacket, NAT_KEEPALIVE, NON_ESP_MARKER};
use crate::EspError;

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
