//! The Notification payload (RFC 2408 section 3.14).
//!
//! ```text
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ! Next Payload  !   RESERVED    !         Payload Length        !
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! !              Domain of Interpretation  (DOI)                  !
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! !  Protocol-ID  !   SPI Size    !      Notify Message Type      !
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ~                Security Parameter Index (SPI)                 ~
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ~                       Notification Data                       ~
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! The SPI may have any size (0, 4, or 16 = CKY-I ‖ CKY-R for ISAKMP as in
//! DPD and INITIAL-CONTACT); the DOI is kept as sent (0 and 1 are both seen).

use super::MAX_BODY_LEN;
use super::attribute::{DataAttribute, parse_attributes};
use super::codec::{Reader, Writer, check_emit_len, emit_atomic, len_u8};
use super::enums::{Doi, NotifyType, ProtocolId};
use super::header::Cookie;
use crate::error::Error;

/// A NOTIFY payload body.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NotifyPayload {
    /// The DOI.
    pub doi: Doi,
    /// The protocol the SPI belongs to.
    pub protocol: ProtocolId,
    /// The notify message type.
    pub notify_type: NotifyType,
    /// The SPI (0 to 255 bytes).
    pub spi: Vec<u8>,
    /// The notification data.
    pub data: Vec<u8>,
}

impl NotifyPayload {
    /// A notify about the ISAKMP SA `cky_i`/`cky_r` (SPI = CKY-I ‖ CKY-R),
    /// IPsec DOI.
    pub fn isakmp(notify_type: NotifyType, cky_i: Cookie, cky_r: Cookie, data: Vec<u8>) -> Self {
        let spi = Cookie::isakmp_spi(cky_i, cky_r);
        Self {
            doi: Doi::IPSEC,
            protocol: ProtocolId::ISAKMP,
            notify_type,
            spi,
            data,
        }
    }

    /// An RFC 3706 DPD notify (R_U_THERE or R_U_THERE_ACK) with its
    /// sequence number.
    pub fn dpd(notify_type: NotifyType, cky_i: Cookie, cky_r: Cookie, sequence: u32) -> Self {
        Self::isakmp(notify_type, cky_i, cky_r, sequence.to_be_bytes().to_vec())
    }

    /// The DPD sequence number, when the data is exactly 4 bytes.
    pub fn dpd_sequence(&self) -> Option<u32> {
        <[u8; 4]>::try_from(self.data.as_slice())
            .ok()
            .map(u32::from_be_bytes)
    }

    /// The ISAKMP cookies when the SPI is 16 bytes (CKY-I ‖ CKY-R).
    pub fn cookies(&self) -> Option<(Cookie, Cookie)> {
        let (i, r) = self.spi.split_first_chunk::<8>()?;
        let r = <[u8; 8]>::try_from(r).ok()?;
        Some((Cookie(*i), Cookie(r)))
    }

    /// The data read as data attributes (RESPONDER-LIFETIME carries the
    /// IPsec SA life type and duration this way).
    pub fn data_attributes(&self) -> Result<Vec<DataAttribute>, Error> {
        parse_attributes(&self.data)
    }

    /// Parses the payload body (after the generic payload header).
    pub fn parse(body: &[u8]) -> Result<Self, Error> {
        let mut r = Reader::new(body, "NOTIFY payload");
        let doi = Doi(r.u32()?);
        let protocol = ProtocolId(r.u8()?);
        let spi_size = r.u8()?;
        let notify_type = NotifyType(r.u16()?);
        let spi = r.take(usize::from(spi_size))?.to_vec();
        let data = r.rest().to_vec();
        Ok(Self {
            doi,
            protocol,
            notify_type,
            spi,
            data,
        })
    }

    /// Appends the payload body.
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        emit_atomic(out, |w| self.write(w))
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>) -> Result<(), Error> {
        let spi_size = len_u8(self.spi.len(), "NOTIFY SPI")?;
        check_emit_len(
            self.data.len(),
            0,
            (MAX_BODY_LEN - 8).saturating_sub(self.spi.len()),
            "NOTIFY data",
        )?;
        w.u32(self.doi.0);
        w.u8(self.protocol.0);
        w.u8(spi_size);
        w.u16(self.notify_type.0);
        w.bytes(&self.spi);
        w.bytes(&self.data);
        Ok(())
    }

    /// Bytes [`NotifyPayload::emit`] writes (without the generic header).
    pub fn buffer_len(&self) -> usize {
        8usize
            .saturating_add(self.spi.len())
            .saturating_add(self.data.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{IpsecAttribute, LifeType, NotifyType};

    fn dpd_body() -> Vec<u8> {
        let mut b = vec![0, 0, 0, 1, 1, 16, 0x8d, 0x28];
        b.extend_from_slice(&[1; 8]);
        b.extend_from_slice(&[2; 8]);
        b.extend_from_slice(&[0, 0, 0x12, 0x34]);
        b
    }

    #[test]
    fn dpd_round_trip() {
        let p = NotifyPayload::parse(&dpd_body()).unwrap();
        assert_eq!(
            p,
            NotifyPayload::dpd(
                NotifyType::R_U_THERE,
                Cookie([1; 8]),
                Cookie([2; 8]),
                0x1234
            )
        );
        assert_eq!(p.dpd_sequence(), Some(0x1234));
        assert_eq!(p.cookies(), Some((Cookie([1; 8]), Cookie([2; 8]))));
        let mut out = Vec::new();
        p.emit(&mut out).unwrap();
        assert_eq!(out, dpd_body());
        assert_eq!(p.buffer_len(), out.len());
    }

    #[test]
    fn responder_lifetime_attributes() {
        // RESPONDER-LIFETIME, ESP SPI, life type seconds, duration 3600
        let body = [
            0, 0, 0, 1, 3, 4, 0x60, 0x00, 0xde, 0xad, 0xbe, 0xef, 0x80, 0x01, 0x00, 0x01, 0x80,
            0x02, 0x0e, 0x10,
        ];
        let p = NotifyPayload::parse(&body).unwrap();
        assert_eq!(p.notify_type, NotifyType::RESPONDER_LIFETIME);
        assert_eq!(p.cookies(), None);
        assert_eq!(
            p.data_attributes().unwrap(),
            [
                DataAttribute::basic(IpsecAttribute::SA_LIFE_TYPE, LifeType::SECONDS),
                DataAttribute::basic(IpsecAttribute::SA_LIFE_DURATION, 3600u16),
            ]
        );
    }

    #[test]
    fn truncated() {
        let b = dpd_body();
        for n in 0..24 {
            assert!(NotifyPayload::parse(&b[..n]).is_err(), "{n}");
        }
        // after the SPI everything is data
        assert!(NotifyPayload::parse(&b[..24]).is_ok());
    }
}
