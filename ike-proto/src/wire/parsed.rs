//! A received payload chain as an exchange reads it: each [`Payload`] next
//! to its bytes as they were on the wire (generic header included), since
//! the HASHes of RFC 2409 are computed over those bytes (`SAi_b`,
//! `IDii_b`, the chain after HASH(1)), and a [`PayloadView`] whose typed
//! getters name the payload that is missing.

use super::{
    AttributePayload, GENERIC_HEADER_LEN, HashPayload, IdPayload, KePayload, NoncePayload, Payload,
    PayloadType, RawPayloads, SaPayload,
};
use crate::error::{Error, PeerMisbehaved};

/// A parsed payload with its raw bytes (generic header included),
/// borrowed from the datagram or from its decrypted plaintext (whose owner
/// wipes it: a decrypted Transaction carries the Xauth password).
#[derive(Clone, Debug)]
pub struct ParsedPayload<'a> {
    /// The payload.
    pub payload: Payload,
    /// The bytes it came in.
    pub raw: &'a [u8],
}

impl ParsedPayload<'_> {
    /// The body without the generic header (`SAi_b`, `IDii_b`, `Ni_b`).
    pub fn body(&self) -> &[u8] {
        self.raw.get(GENERIC_HEADER_LEN..).unwrap_or_default()
    }

    /// The type of the payload after this one (its generic header's first
    /// byte).
    pub fn next_payload(&self) -> PayloadType {
        PayloadType(self.raw.first().copied().unwrap_or(0))
    }
}

/// Walks and parses the payload chain that starts with `first`, each
/// payload borrowing its bytes from `bytes`; returns the payloads and what
/// follows the last one (padding, for the caller to judge). An ATTRIBUTE
/// payload padded with zeros (Libreswan does) is taken; the padding shows
/// as the difference between its body and what it parsed to.
pub fn parse_chain(
    first: PayloadType,
    bytes: &[u8],
) -> Result<(Vec<ParsedPayload<'_>>, &[u8]), Error> {
    let mut walk = RawPayloads::new(first, bytes);
    let mut out = Vec::new();
    for raw in walk.by_ref() {
        let raw = raw?;
        let payload = match raw.parse() {
            Ok(p) => p,
            Err(e) if raw.payload_type == PayloadType::ATTRIBUTE => {
                AttributePayload::parse_padded(raw.body)
                    .map(|(a, _)| Payload::Attribute(a))
                    .map_err(|_| e)?
            }
            Err(e) => return Err(e),
        };
        out.push(ParsedPayload {
            payload,
            raw: raw.bytes,
        });
    }
    Ok((out, walk.remainder()))
}

/// Typed getters over a received chain: the first payload of a kind, or
/// [`PeerMisbehaved::MissingPayload`] naming it.
pub trait PayloadView {
    /// The first SA payload and the payload it stands in.
    fn require_sa(&self) -> Result<(&SaPayload, &ParsedPayload<'_>), Error>;
    /// The first KE payload.
    fn require_ke(&self) -> Result<&KePayload, Error>;
    /// The first NONCE payload.
    fn require_nonce(&self) -> Result<&NoncePayload, Error>;
    /// The first ID payload and the payload it stands in.
    fn require_id(&self) -> Result<(&IdPayload, &ParsedPayload<'_>), Error>;
    /// The first HASH payload.
    fn require_hash(&self) -> Result<&HashPayload, Error>;
}

fn first<'a, 'b, T>(
    chain: &'a [ParsedPayload<'b>],
    ty: PayloadType,
    f: impl Fn(&'a Payload) -> Option<T>,
) -> Result<(T, &'a ParsedPayload<'b>), Error> {
    chain
        .iter()
        .find_map(|p| f(&p.payload).map(|t| (t, p)))
        .ok_or(Error::PeerMisbehaved(PeerMisbehaved::MissingPayload(ty)))
}

impl PayloadView for [ParsedPayload<'_>] {
    fn require_sa(&self) -> Result<(&SaPayload, &ParsedPayload<'_>), Error> {
        first(self, PayloadType::SA, |p| match p {
            Payload::Sa(sa) => Some(sa),
            _ => None,
        })
    }

    fn require_ke(&self) -> Result<&KePayload, Error> {
        first(self, PayloadType::KEY_EXCHANGE, |p| match p {
            Payload::Ke(ke) => Some(ke),
            _ => None,
        })
        .map(|(ke, _)| ke)
    }

    fn require_nonce(&self) -> Result<&NoncePayload, Error> {
        first(self, PayloadType::NONCE, |p| match p {
            Payload::Nonce(n) => Some(n),
            _ => None,
        })
        .map(|(n, _)| n)
    }

    fn require_id(&self) -> Result<(&IdPayload, &ParsedPayload<'_>), Error> {
        first(self, PayloadType::IDENTIFICATION, |p| match p {
            Payload::Id(id) => Some(id),
            _ => None,
        })
    }

    fn require_hash(&self) -> Result<&HashPayload, Error> {
        first(self, PayloadType::HASH, |p| match p {
            Payload::Hash(h) => Some(h),
            _ => None,
        })
        .map(|(h, _)| h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_payload_is_named() {
        let nonce = Payload::Nonce(NoncePayload::new(vec![7; 16]));
        let mut raw = Vec::new();
        super::super::emit_payloads(std::slice::from_ref(&nonce), &mut raw).unwrap();
        let chain = [ParsedPayload {
            payload: nonce,
            raw: &raw,
        }];
        assert_eq!(chain.require_nonce().unwrap().data, vec![7; 16]);
        assert_eq!(chain[0].body(), &[7; 16][..]);
        assert_eq!(chain[0].next_payload(), PayloadType::NONE);
        for (got, ty) in [
            (chain.require_ke().err(), PayloadType::KEY_EXCHANGE),
            (chain.require_hash().err(), PayloadType::HASH),
            (chain.require_sa().err(), PayloadType::SA),
            (chain.require_id().err(), PayloadType::IDENTIFICATION),
        ] {
            assert_eq!(
                got,
                Some(Error::PeerMisbehaved(PeerMisbehaved::MissingPayload(ty)))
            );
        }
    }
}
