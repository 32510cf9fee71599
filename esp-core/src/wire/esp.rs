//! ESP (RFC 4303): the header view from the SPI on, and its fields to
//! emit.

use super::{read_u32, write};
use crate::EspError;

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
        super::holds("ESP header", ESP_HEADER_LEN, self.buffer.as_ref().len())
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
