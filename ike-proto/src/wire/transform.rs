//! The Transform payload (RFC 2408 section 3.6); it only appears inside a
//! proposal.
//!
//! ```text
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ! Next Payload  !   RESERVED    !        Payload Length         !
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! !  Transform #  !  Transform-Id !           RESERVED2           !
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ~                        SA Attributes                          ~
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! [`Transform::parse`] and [`Transform::emit`] handle the part after the
//! generic header; the proposal writes the generic header because the next
//! payload field (3 or 0) depends on the transform's position.

use super::attribute::{self, DataAttribute};
use super::codec::{Reader, Writer, emit_atomic};
use super::enums::{EspTransformId, IsakmpTransformId};
use crate::error::Error;

/// One transform: a transform ID and its SA attributes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Transform {
    /// Transform number (1, 2, ... in the order offered).
    pub number: u8,
    /// Transform ID: [`IsakmpTransformId`] in a phase 1 proposal,
    /// [`EspTransformId`] in an ESP proposal, an AH or IPComp ID otherwise.
    pub transform_id: u8,
    /// SA attributes: Oakley classes in phase 1, IPsec DOI classes in
    /// phase 2.
    pub attributes: Vec<DataAttribute>,
}

impl Transform {
    /// A phase 1 (KEY_IKE) transform with the given Oakley attributes.
    pub fn ike(number: u8, attributes: Vec<DataAttribute>) -> Self {
        Self {
            number,
            transform_id: IsakmpTransformId::KEY_IKE.0,
            attributes,
        }
    }

    /// The transform ID read as an ESP transform.
    pub fn esp_transform_id(&self) -> EspTransformId {
        EspTransformId(self.transform_id)
    }

    /// The first attribute of the given type.
    pub fn attribute(&self, kind: impl Into<u16>) -> Option<&DataAttribute> {
        let kind = kind.into();
        self.attributes.iter().find(|a| a.kind == kind)
    }

    /// Parses the transform body (after the generic payload header).
    pub fn parse(body: &[u8]) -> Result<Self, Error> {
        Self::read(Reader::new(body, "transform"))
    }

    pub(crate) fn read(mut r: Reader<'_>) -> Result<Self, Error> {
        let number = r.u8()?;
        let transform_id = r.u8()?;
        r.reserved(2)?;
        let mut attrs = Reader::new(r.rest(), "transform attributes");
        let attributes = attribute::read_list(&mut attrs)?;
        Ok(Self {
            number,
            transform_id,
            attributes,
        })
    }

    /// Appends the transform body.
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        emit_atomic(out, |w| self.write(w))
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>) -> Result<(), Error> {
        w.u8(self.number);
        w.u8(self.transform_id);
        w.zeros(2);
        attribute::write_list(&self.attributes, w)
    }

    /// Bytes [`Transform::emit`] writes (without the generic header).
    pub fn buffer_len(&self) -> usize {
        4usize.saturating_add(attribute::attributes_len(&self.attributes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{EncryptionAlgorithm, NotifyType, OakleyAttribute};

    const BODY: [u8; 8] = [0x01, 0x01, 0x00, 0x00, 0x80, 0x01, 0x00, 0x05];

    #[test]
    fn construct_parse_emit() {
        let t = Transform::ike(
            1,
            vec![DataAttribute::basic(
                OakleyAttribute::ENCRYPTION_ALGORITHM,
                EncryptionAlgorithm::TRIPLE_DES_CBC,
            )],
        );
        assert_eq!(Transform::parse(&BODY).unwrap(), t);
        let mut out = Vec::new();
        t.emit(&mut out).unwrap();
        assert_eq!(out, BODY);
        assert_eq!(t.buffer_len(), BODY.len());
        assert_eq!(
            t.attribute(OakleyAttribute::ENCRYPTION_ALGORITHM)
                .and_then(DataAttribute::as_u32),
            Some(5)
        );
    }

    #[test]
    fn truncated_and_reserved() {
        for n in 0..BODY.len() {
            if n == 4 {
                continue; // a transform without attributes is well formed
            }
            let e = Transform::parse(&BODY[..n]).unwrap_err();
            assert_eq!(e.notify(), Some(NotifyType::PAYLOAD_MALFORMED), "{n}");
        }
        let mut b = BODY;
        b[3] = 1;
        assert!(Transform::parse(&b).is_err());
    }
}
