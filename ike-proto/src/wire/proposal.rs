//! The Proposal payload (RFC 2408 section 3.5); it only appears inside an
//! SA payload.
//!
//! ```text
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ! Next Payload  !   RESERVED    !         Payload Length        !
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! !  Proposal #   !  Protocol-Id  !    SPI Size   !# of Transforms!
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! !                        SPI (variable)                         !
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ~                        <Transforms>                           ~
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! Each transform but the last has next payload TRANSFORM (3), the last
//! NONE (0); the number of transforms field must match, and the last
//! transform must end exactly where the proposal does. Proposals with the
//! same number are ANDed (e.g. AH and ESP), different numbers are
//! alternatives; the codec keeps them in order and leaves the meaning to the
//! engine.

use super::MAX_TRANSFORMS;
use super::codec::{Reader, Writer, emit_atomic, len_u8};
use super::enums::{PayloadType, ProtocolId};
use super::payload::{read_generic, write_generic};
use super::transform::Transform;
use crate::error::{ApiMisuse, Error, InvalidMessage};

/// One proposal: a protocol, its SPI and the transforms offered for it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Proposal {
    /// Proposal number.
    pub number: u8,
    /// The protocol ([`ProtocolId::ISAKMP`] in phase 1).
    pub protocol: ProtocolId,
    /// The SPI: empty in phase 1, 4 bytes for ESP and AH, 2 or 4 for IPComp.
    pub spi: Vec<u8>,
    /// The transforms, at least one, at most [`MAX_TRANSFORMS`].
    pub transforms: Vec<Transform>,
}

impl Proposal {
    /// Parses the proposal body (after the generic payload header).
    pub fn parse(body: &[u8]) -> Result<Self, Error> {
        Self::read(Reader::new(body, "proposal"))
    }

    pub(crate) fn read(mut r: Reader<'_>) -> Result<Self, Error> {
        let number = r.u8()?;
        let protocol = ProtocolId(r.u8()?);
        let spi_size = r.u8()?;
        let count = r.u8()?;
        if count == 0 {
            return Err(InvalidMessage::BadProposalSyntax("proposal without transforms").into());
        }
        if usize::from(count) > MAX_TRANSFORMS {
            return Err(InvalidMessage::TooMany {
                what: "transforms in a proposal",
                max: MAX_TRANSFORMS,
            }
            .into());
        }
        let spi = r.take(usize::from(spi_size))?.to_vec();
        let mut transforms = Vec::with_capacity(usize::from(count));
        for i in 1..=count {
            let (next, body) = read_generic(&mut r, "transform")?;
            transforms.push(Transform::read(Reader::new(body, "transform"))?);
            let expected = if i == count {
                PayloadType::NONE
            } else {
                PayloadType::TRANSFORM
            };
            if next != expected {
                return Err(InvalidMessage::BadProposalSyntax(
                    "transform next payload disagrees with the number of transforms",
                )
                .into());
            }
        }
        if !r.is_empty() {
            return Err(InvalidMessage::BadProposalSyntax(
                "bytes after the last transform of a proposal",
            )
            .into());
        }
        Ok(Self {
            number,
            protocol,
            spi,
            transforms,
        })
    }

    /// Appends the proposal body.
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        emit_atomic(out, |w| self.write(w))
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>) -> Result<(), Error> {
        let count = self.transforms.len();
        if count == 0 || count > MAX_TRANSFORMS {
            return Err(ApiMisuse::TooMany {
                what: "transforms in a proposal (at least 1)",
                count,
                max: MAX_TRANSFORMS,
            }
            .into());
        }
        w.u8(self.number);
        w.u8(self.protocol.0);
        w.u8(len_u8(self.spi.len(), "proposal SPI")?);
        w.u8(len_u8(count, "number of transforms")?);
        w.bytes(&self.spi);
        for (i, t) in self.transforms.iter().enumerate() {
            let next = if i.saturating_add(1) == count {
                PayloadType::NONE
            } else {
                PayloadType::TRANSFORM
            };
            write_generic(w, next, "transform", |w| t.write(w))?;
        }
        Ok(())
    }

    /// Bytes [`Proposal::emit`] writes (without the generic header).
    pub fn buffer_len(&self) -> usize {
        self.transforms
            .iter()
            .fold(4usize.saturating_add(self.spi.len()), |acc, t| {
                acc.saturating_add(4).saturating_add(t.buffer_len())
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{DataAttribute, EspTransformId, IpsecAttribute, NotifyType};

    // ESP proposal, SPI 0x11223344, two transforms (3DES, AES)
    const BODY: [u8; 28] = [
        0x01, 0x03, 0x04, 0x02, // #1 ESP, SPI size 4, 2 transforms
        0x11, 0x22, 0x33, 0x44, // SPI
        0x03, 0x00, 0x00, 0x0c, // transform, next = T
        0x01, 0x03, 0x00, 0x00, // #1 3DES
        0x80, 0x04, 0x00, 0x01, // encapsulation tunnel
        0x00, 0x00, 0x00, 0x08, // transform, last
        0x02, 0x0c, 0x00, 0x00, // #2 AES
    ];

    fn proposal() -> Proposal {
        Proposal {
            number: 1,
            protocol: ProtocolId::IPSEC_ESP,
            spi: vec![0x11, 0x22, 0x33, 0x44],
            transforms: vec![
                Transform {
                    number: 1,
                    transform_id: EspTransformId::TRIPLE_DES.0,
                    attributes: vec![DataAttribute::basic(
                        IpsecAttribute::ENCAPSULATION_MODE,
                        1u16,
                    )],
                },
                Transform {
                    number: 2,
                    transform_id: EspTransformId::AES_CBC.0,
                    attributes: vec![],
                },
            ],
        }
    }

    #[test]
    fn construct_parse_emit() {
        assert_eq!(Proposal::parse(&BODY).unwrap(), proposal());
        let mut out = Vec::new();
        proposal().emit(&mut out).unwrap();
        assert_eq!(out, BODY);
        assert_eq!(proposal().buffer_len(), BODY.len());
    }

    #[test]
    fn truncated() {
        for n in 0..BODY.len() {
            let e = Proposal::parse(&BODY[..n]).unwrap_err();
            assert!(e.notify().is_some(), "{n}");
        }
    }

    #[test]
    fn count_and_next_payload_must_agree() {
        let mut b = BODY;
        b[3] = 3; // claims three transforms
        assert_eq!(
            Proposal::parse(&b).unwrap_err().notify(),
            Some(NotifyType::BAD_PROPOSAL_SYNTAX)
        );
        let mut b = BODY;
        b[3] = 1; // claims one, but the first says another follows
        assert_eq!(
            Proposal::parse(&b).unwrap_err().notify(),
            Some(NotifyType::BAD_PROPOSAL_SYNTAX)
        );
        let mut b = BODY;
        b[20] = 3; // last transform says another follows
        assert_eq!(
            Proposal::parse(&b).unwrap_err().notify(),
            Some(NotifyType::BAD_PROPOSAL_SYNTAX)
        );
        let mut b = BODY;
        b[3] = 0;
        assert_eq!(
            Proposal::parse(&b).unwrap_err().notify(),
            Some(NotifyType::BAD_PROPOSAL_SYNTAX)
        );
        let mut long = BODY.to_vec();
        long.push(0);
        assert_eq!(
            Proposal::parse(&long).unwrap_err().notify(),
            Some(NotifyType::BAD_PROPOSAL_SYNTAX)
        );
    }

    #[test]
    fn emit_refuses_empty_or_oversized() {
        let mut p = proposal();
        p.transforms.clear();
        assert!(p.emit(&mut Vec::new()).is_err());
        let mut p = proposal();
        p.spi = vec![0; 256];
        let mut out = vec![7];
        assert!(p.emit(&mut out).is_err());
        assert_eq!(out, [7], "a failed emit leaves nothing behind");
    }
}
