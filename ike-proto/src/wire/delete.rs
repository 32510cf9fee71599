//! The Delete payload (RFC 2408 section 3.15).
//!
//! ```text
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ! Next Payload  !   RESERVED    !         Payload Length        !
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! !              Domain of Interpretation  (DOI)                  !
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! !  Protocol-Id  !   SPI Size    !           # of SPIs           !
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ~               Security Parameter Index(es) (SPI)              ~
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! All SPIs have the SPI size; the SPIs must fill the payload exactly. An
//! SPI size of 0 with a non-zero count is malformed (it would let 4 bytes
//! claim 65535 SPIs).

use super::MAX_DELETE_SPIS;
use super::codec::{Reader, Writer, emit_atomic, len_u8};
use super::enums::{Doi, ProtocolId};
use super::header::Cookie;
use crate::error::{ApiMisuse, Error, InvalidMessage};

/// A DELETE payload body.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DeletePayload {
    /// The DOI.
    pub doi: Doi,
    /// The protocol of the SAs deleted.
    pub protocol: ProtocolId,
    /// The size of every SPI (16 for ISAKMP, 4 for ESP/AH).
    pub spi_size: u8,
    /// The SPIs, each `spi_size` bytes, at most [`MAX_DELETE_SPIS`].
    pub spis: Vec<Vec<u8>>,
}

impl DeletePayload {
    /// Deletes the ISAKMP SA `cky_i`/`cky_r`.
    pub fn isakmp(cky_i: Cookie, cky_r: Cookie) -> Self {
        let spi = Cookie::isakmp_spi(cky_i, cky_r);
        Self {
            doi: Doi::IPSEC,
            protocol: ProtocolId::ISAKMP,
            spi_size: 16,
            spis: vec![spi],
        }
    }

    /// Deletes the ESP SAs with these SPIs.
    pub fn esp(spis: &[u32]) -> Self {
        Self {
            doi: Doi::IPSEC,
            protocol: ProtocolId::IPSEC_ESP,
            spi_size: 4,
            spis: spis.iter().map(|s| s.to_be_bytes().to_vec()).collect(),
        }
    }

    /// Parses the payload body (after the generic payload header).
    pub fn parse(body: &[u8]) -> Result<Self, Error> {
        let mut r = Reader::new(body, "DELETE payload");
        let doi = Doi(r.u32()?);
        let protocol = ProtocolId(r.u8()?);
        let spi_size = r.u8()?;
        let count = usize::from(r.u16()?);
        if count > MAX_DELETE_SPIS {
            return Err(InvalidMessage::TooMany {
                what: "SPIs in a DELETE",
                max: MAX_DELETE_SPIS,
            }
            .into());
        }
        if spi_size == 0 && count != 0 {
            return Err(InvalidMessage::InvalidValue {
                what: "DELETE SPI size with SPIs",
                got: 0,
            }
            .into());
        }
        let fits = r
            .remaining()
            .checked_div(usize::from(spi_size))
            .unwrap_or(0);
        let mut spis = Vec::with_capacity(count.min(fits));
        for _ in 0..count {
            spis.push(r.take(usize::from(spi_size))?.to_vec());
        }
        r.finish()?;
        Ok(Self {
            doi,
            protocol,
            spi_size,
            spis,
        })
    }

    /// Appends the payload body.
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        emit_atomic(out, |w| self.write(w))
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>) -> Result<(), Error> {
        let count = self.spis.len();
        if count > MAX_DELETE_SPIS {
            return Err(ApiMisuse::TooMany {
                what: "SPIs in a DELETE",
                count,
                max: MAX_DELETE_SPIS,
            }
            .into());
        }
        if (self.spi_size == 0 && count != 0)
            || self
                .spis
                .iter()
                .any(|s| s.len() != usize::from(self.spi_size))
        {
            return Err(ApiMisuse::InvalidValue {
                what: "DELETE SPI size (every SPI must have it, and it must not be 0)",
                got: u32::from(self.spi_size),
            }
            .into());
        }
        w.u32(self.doi.0);
        w.u8(self.protocol.0);
        w.u8(len_u8(usize::from(self.spi_size), "DELETE SPI size")?);
        // count <= MAX_DELETE_SPIS < 65536
        w.u16(u16::try_from(count).unwrap_or(u16::MAX));
        for s in &self.spis {
            w.bytes(s);
        }
        Ok(())
    }

    /// Bytes [`DeletePayload::emit`] writes (without the generic header).
    pub fn buffer_len(&self) -> usize {
        self.spis
            .iter()
            .fold(8usize, |acc, s| acc.saturating_add(s.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::NotifyType;

    const BODY: [u8; 16] = [
        0, 0, 0, 1, 3, 4, 0, 2, // IPsec, ESP, SPI size 4, 2 SPIs
        0x11, 0x11, 0x11, 0x11, 0x22, 0x22, 0x22, 0x22,
    ];

    #[test]
    fn construct_parse_emit() {
        let p = DeletePayload::parse(&BODY).unwrap();
        assert_eq!(p, DeletePayload::esp(&[0x1111_1111, 0x2222_2222]));
        let mut out = Vec::new();
        p.emit(&mut out).unwrap();
        assert_eq!(out, BODY);
        assert_eq!(p.buffer_len(), BODY.len());
        let isakmp = DeletePayload::isakmp(Cookie([1; 8]), Cookie([2; 8]));
        let mut out = Vec::new();
        isakmp.emit(&mut out).unwrap();
        assert_eq!(DeletePayload::parse(&out).unwrap(), isakmp);
    }

    #[test]
    fn truncated_and_trailing() {
        for n in 0..BODY.len() {
            let e = DeletePayload::parse(&BODY[..n]).unwrap_err();
            assert_eq!(e.notify(), Some(NotifyType::PAYLOAD_MALFORMED), "{n}");
        }
        let mut long = BODY.to_vec();
        long.push(0);
        assert!(DeletePayload::parse(&long).is_err());
    }

    #[test]
    fn zero_spi_size_cannot_claim_spis() {
        let body = [0, 0, 0, 1, 3, 0, 0xff, 0xff];
        assert!(DeletePayload::parse(&body).is_err());
        let body = [0, 0, 0, 1, 3, 0, 0, 0];
        assert!(DeletePayload::parse(&body).unwrap().spis.is_empty());
        let mut bad = DeletePayload::esp(&[1]);
        bad.spis.push(vec![1, 2]);
        assert!(bad.emit(&mut Vec::new()).is_err());
    }
}
