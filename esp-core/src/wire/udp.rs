//! The UDP header view.

use super::{read_u16, write};
use crate::EspError;

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
        super::holds("UDP header", UDP_HEADER_LEN, got)?;
        let claimed = usize::from(self.len_field());
        if claimed < UDP_HEADER_LEN {
            return Err(EspError::Malformed {
                what: "UDP header",
                reason: "length field shorter than the header",
            });
        }
        super::holds("UDP datagram", claimed, got)
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
