//! The Security Association payload (RFC 2408 section 3.4, RFC 2407
//! section 4.6.1).
//!
//! ```text
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ! Next Payload  !   RESERVED    !         Payload Length        !
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! !              Domain of Interpretation  (DOI)                  !
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! !                           Situation                           !
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ~                          <Proposals>                          ~
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! Only the IPsec DOI with SIT_IDENTITY_ONLY is taken: other DOIs are
//! [`PeerIncompatible::UnsupportedDoi`] (DOI-NOT-SUPPORTED) and the labeled
//! domain situations (secrecy, integrity), whose extra fields no IKEv1 peer
//! we know sends, are [`PeerIncompatible::UnsupportedSituation`].
//! Proposals chain with next payload PROPOSAL (2), the last with NONE.

use super::MAX_PROPOSALS;
use super::codec::{Reader, Writer, emit_atomic};
use super::enums::{Doi, PayloadType};
use super::payload::{read_generic, write_generic};
use super::proposal::Proposal;
use crate::error::{ApiMisuse, Error, InvalidMessage, PeerIncompatible};

/// SIT_IDENTITY_ONLY (RFC 2407 section 4.2).
pub const SIT_IDENTITY_ONLY: u32 = 0x01;

/// An SA payload: DOI, situation and the proposals.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SaPayload {
    /// The DOI; only [`Doi::IPSEC`] parses.
    pub doi: Doi,
    /// The situation: [`SIT_IDENTITY_ONLY`] (or 0).
    pub situation: u32,
    /// The proposals, at least one, at most [`MAX_PROPOSALS`].
    pub proposals: Vec<Proposal>,
}

impl SaPayload {
    /// An IPsec DOI, SIT_IDENTITY_ONLY SA with these proposals.
    pub fn ipsec(proposals: Vec<Proposal>) -> Self {
        Self {
            doi: Doi::IPSEC,
            situation: SIT_IDENTITY_ONLY,
            proposals,
        }
    }

    /// Parses the SA payload body (after the generic payload header).
    pub fn parse(body: &[u8]) -> Result<Self, Error> {
        let mut r = Reader::new(body, "SA payload");
        let doi = Doi(r.u32()?);
        if doi != Doi::IPSEC {
            return Err(PeerIncompatible::UnsupportedDoi(doi.0).into());
        }
        let situation = r.u32()?;
        if situation & !SIT_IDENTITY_ONLY != 0 {
            return Err(PeerIncompatible::UnsupportedSituation(situation).into());
        }
        let mut proposals = Vec::new();
        loop {
            if proposals.len() >= MAX_PROPOSALS {
                return Err(InvalidMessage::TooMany {
                    what: "proposals in an SA",
                    max: MAX_PROPOSALS,
                }
                .into());
            }
            let (next, body) = read_generic(&mut r, "proposal")?;
            proposals.push(Proposal::read(Reader::new(body, "proposal"))?);
            match next {
                PayloadType::NONE => break,
                PayloadType::PROPOSAL => {}
                _ => {
                    return Err(InvalidMessage::BadProposalSyntax(
                        "proposal next payload is neither PROPOSAL nor NONE",
                    )
                    .into());
                }
            }
        }
        if !r.is_empty() {
            return Err(InvalidMessage::BadProposalSyntax(
                "bytes after the last proposal of an SA",
            )
            .into());
        }
        Ok(Self {
            doi,
            situation,
            proposals,
        })
    }

    /// Appends the SA payload body.
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        emit_atomic(out, |w| self.write(w))
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>) -> Result<(), Error> {
        if self.doi != Doi::IPSEC {
            return Err(ApiMisuse::InvalidValue {
                what: "SA DOI (only IPsec)",
                got: self.doi.0,
            }
            .into());
        }
        if self.situation & !SIT_IDENTITY_ONLY != 0 {
            return Err(ApiMisuse::InvalidValue {
                what: "SA situation (only SIT_IDENTITY_ONLY)",
                got: self.situation,
            }
            .into());
        }
        let count = self.proposals.len();
        if count == 0 || count > MAX_PROPOSALS {
            return Err(ApiMisuse::TooMany {
                what: "proposals in an SA (at least 1)",
                count,
                max: MAX_PROPOSALS,
            }
            .into());
        }
        w.u32(self.doi.0);
        w.u32(self.situation);
        for (i, p) in self.proposals.iter().enumerate() {
            let next = if i.saturating_add(1) == count {
                PayloadType::NONE
            } else {
                PayloadType::PROPOSAL
            };
            write_generic(w, next, "proposal", |w| p.write(w))?;
        }
        Ok(())
    }

    /// Bytes [`SaPayload::emit`] writes (without the generic header).
    pub fn buffer_len(&self) -> usize {
        self.proposals.iter().fold(8usize, |acc, p| {
            acc.saturating_add(4).saturating_add(p.buffer_len())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{
        AuthMethod, DataAttribute, EncryptionAlgorithm, GroupDescription, HashAlgorithm, LifeType,
        NotifyType, OakleyAttribute, ProtocolId, Transform,
    };

    /// The spoke's phase 1 SA from the seed: 3DES, SHA, pre-share, group 2,
    /// 86400 seconds.
    const BODY: [u8; 48] = [
        0x00, 0x00, 0x00, 0x01, // DOI IPsec
        0x00, 0x00, 0x00, 0x01, // SIT_IDENTITY_ONLY
        0x00, 0x00, 0x00, 0x2c, // proposal, last, length 44
        0x01, 0x01, 0x00, 0x01, // #1 ISAKMP, no SPI, 1 transform
        0x00, 0x00, 0x00, 0x24, // transform, last, length 36
        0x01, 0x01, 0x00, 0x00, // #1 KEY_IKE
        0x80, 0x01, 0x00, 0x05, // encryption 3DES-CBC
        0x80, 0x02, 0x00, 0x02, // hash SHA
        0x80, 0x04, 0x00, 0x02, // group 2
        0x80, 0x03, 0x00, 0x01, // auth pre-share
        0x80, 0x0b, 0x00, 0x01, // life type seconds
        0x00, 0x0c, 0x00, 0x04, // life duration, 4 bytes
    ];

    fn body() -> Vec<u8> {
        let mut b = BODY.to_vec();
        b.extend_from_slice(&[0x00, 0x01, 0x51, 0x80]);
        b
    }

    fn sa() -> SaPayload {
        SaPayload::ipsec(vec![Proposal {
            number: 1,
            protocol: ProtocolId::ISAKMP,
            spi: vec![],
            transforms: vec![Transform::ike(
                1,
                vec![
                    DataAttribute::basic(
                        OakleyAttribute::ENCRYPTION_ALGORITHM,
                        EncryptionAlgorithm::TRIPLE_DES_CBC,
                    ),
                    DataAttribute::basic(OakleyAttribute::HASH_ALGORITHM, HashAlgorithm::SHA),
                    DataAttribute::basic(
                        OakleyAttribute::GROUP_DESCRIPTION,
                        GroupDescription::MODP_1024,
                    ),
                    DataAttribute::basic(
                        OakleyAttribute::AUTHENTICATION_METHOD,
                        AuthMethod::PRE_SHARED_KEY,
                    ),
                    DataAttribute::basic(OakleyAttribute::LIFE_TYPE, LifeType::SECONDS),
                    DataAttribute::integer(OakleyAttribute::LIFE_DURATION, 86400),
                ],
            )],
        }])
    }

    #[test]
    fn construct_parse_emit() {
        let b = body();
        assert_eq!(SaPayload::parse(&b).unwrap(), sa());
        let mut out = Vec::new();
        sa().emit(&mut out).unwrap();
        assert_eq!(out, b);
        assert_eq!(sa().buffer_len(), b.len());
    }

    #[test]
    fn truncated() {
        let b = body();
        for n in 0..b.len() {
            assert!(SaPayload::parse(&b[..n]).is_err(), "{n}");
        }
    }

    #[test]
    fn doi_and_situation() {
        let mut b = body();
        b[3] = 2;
        let e = SaPayload::parse(&b).unwrap_err();
        assert_eq!(e.notify(), Some(NotifyType::DOI_NOT_SUPPORTED));
        let mut b = body();
        b[7] = 3;
        let e = SaPayload::parse(&b).unwrap_err();
        assert_eq!(e.notify(), Some(NotifyType::SITUATION_NOT_SUPPORTED));
    }

    #[test]
    fn proposal_chain_must_end_with_the_sa() {
        let mut b = body();
        b[8] = 2; // says another proposal follows
        assert!(SaPayload::parse(&b).is_err());
        let mut b = body();
        b[8] = 5; // neither PROPOSAL nor NONE
        assert_eq!(
            SaPayload::parse(&b).unwrap_err().notify(),
            Some(NotifyType::BAD_PROPOSAL_SYNTAX)
        );
        let mut b = body();
        b.extend_from_slice(&[0, 0]);
        assert_eq!(
            SaPayload::parse(&b).unwrap_err().notify(),
            Some(NotifyType::BAD_PROPOSAL_SYNTAX)
        );
        let mut b = body();
        b[11] = 0x30; // proposal longer than the SA
        assert_eq!(
            SaPayload::parse(&b).unwrap_err().notify(),
            Some(NotifyType::UNEQUAL_PAYLOAD_LENGTHS)
        );
        let mut b = body();
        b[11] = 0x00; // proposal length 0: would never advance
        assert_eq!(
            SaPayload::parse(&b).unwrap_err().notify(),
            Some(NotifyType::PAYLOAD_MALFORMED)
        );
    }
}
