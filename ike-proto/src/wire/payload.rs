//! The generic payload header (RFC 2408 section 3.2), the [`Payload`] enum
//! and the payload chain.
//!
//! ```text
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ! Next Payload  !   RESERVED    !         Payload Length        !
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! A chain starts with the type named by the ISAKMP header and each payload
//! names the type of the one after it, NONE for the last. Walking it:
//!
//! * stops at the first error ([`RawPayloads`] yields it once, then ends);
//! * never trusts a length: a payload length below 4 (which would never
//!   advance, the only way a chain could loop) is an error, one that runs
//!   past the message is UNEQUAL-PAYLOAD-LENGTHS;
//! * takes at most [`MAX_PAYLOADS`] payloads;
//! * rejects payload types that are unknown or cannot stand at the top level
//!   (PROPOSAL, TRANSFORM, the GDOI payloads) with INVALID-PAYLOAD-TYPE;
//! * rejects bytes after the last payload, except in the padded mode used
//!   for decrypted plaintext (RFC 2409 pads before encryption).

use super::codec::{Reader, Writer, emit_atomic};
use super::{
    AttributePayload, CertPayload, CertRequestPayload, DeletePayload, FragmentPayload, HashPayload,
    IdPayload, KePayload, MAX_MESSAGE_LEN, MAX_PADDING, MAX_PAYLOADS, NatDPayload, NatOaPayload,
    NatTNumbering, NoncePayload, NotifyPayload, PayloadType, SaPayload, SigPayload,
    VendorIdPayload,
};
use crate::error::{ApiMisuse, Error, InvalidMessage};

/// Length of the generic payload header.
pub const GENERIC_HEADER_LEN: usize = 4;

/// Reads a generic payload header from `r` and takes the body it announces.
/// Returns the next payload type and the body.
pub(crate) fn read_generic<'a>(
    r: &mut Reader<'a>,
    what: &'static str,
) -> Result<(PayloadType, &'a [u8]), InvalidMessage> {
    let mut h = r.sub(GENERIC_HEADER_LEN, what)?;
    let next = PayloadType(h.u8()?);
    h.reserved(1)?;
    let length = usize::from(h.u16()?);
    let Some(body_len) = length.checked_sub(GENERIC_HEADER_LEN) else {
        return Err(InvalidMessage::LengthTooShort {
            what,
            declared: length,
            min: GENERIC_HEADER_LEN,
        });
    };
    if body_len > r.remaining() {
        return Err(InvalidMessage::UnequalLengths {
            what,
            declared: length,
            available: r.remaining().saturating_add(GENERIC_HEADER_LEN),
        });
    }
    Ok((next, r.take(body_len)?))
}

/// Writes a generic payload header naming `next`, the body `f` writes, and
/// patches the length.
pub(crate) fn write_generic(
    w: &mut Writer<'_>,
    next: PayloadType,
    what: &'static str,
    f: impl FnOnce(&mut Writer<'_>) -> Result<(), Error>,
) -> Result<(), Error> {
    let start = w.len();
    w.u8(next.0);
    w.u8(0);
    let mark = w.placeholder_u16(start);
    f(w)?;
    w.patch_u16_len(mark, what)
}

/// Any payload that can stand in a message's payload chain.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[allow(clippy::large_enum_variant)]
pub enum Payload {
    /// SA (1).
    Sa(SaPayload),
    /// KE (4).
    Ke(KePayload),
    /// ID (5).
    Id(IdPayload),
    /// CERT (6).
    Cert(CertPayload),
    /// CR (7).
    CertRequest(CertRequestPayload),
    /// HASH (8).
    Hash(HashPayload),
    /// SIG (9).
    Sig(SigPayload),
    /// NONCE (10).
    Nonce(NoncePayload),
    /// N (11).
    Notify(NotifyPayload),
    /// D (12).
    Delete(DeletePayload),
    /// VID (13).
    VendorId(VendorIdPayload),
    /// ATTR (14).
    Attribute(AttributePayload),
    /// NAT-D (20 or 130).
    NatD(NatDPayload),
    /// NAT-OA (21 or 131).
    NatOa(NatOaPayload),
    /// IKE fragment (132).
    Fragment(FragmentPayload),
}

impl Payload {
    /// The payload type this payload is sent under.
    pub fn payload_type(&self) -> PayloadType {
        match self {
            Self::Sa(_) => PayloadType::SA,
            Self::Ke(_) => PayloadType::KEY_EXCHANGE,
            Self::Id(_) => PayloadType::IDENTIFICATION,
            Self::Cert(_) => PayloadType::CERTIFICATE,
            Self::CertRequest(_) => PayloadType::CERTIFICATE_REQUEST,
            Self::Hash(_) => PayloadType::HASH,
            Self::Sig(_) => PayloadType::SIGNATURE,
            Self::Nonce(_) => PayloadType::NONCE,
            Self::Notify(_) => PayloadType::NOTIFICATION,
            Self::Delete(_) => PayloadType::DELETE,
            Self::VendorId(_) => PayloadType::VENDOR_ID,
            Self::Attribute(_) => PayloadType::ATTRIBUTE,
            Self::NatD(p) => p.payload_type(),
            Self::NatOa(p) => p.payload_type(),
            Self::Fragment(_) => PayloadType::FRAGMENTATION,
        }
    }

    /// Whether `t` can stand in a payload chain (and so [`Payload::parse`]
    /// knows it).
    pub fn is_chainable(t: PayloadType) -> bool {
        matches!(
            t,
            PayloadType::SA
                | PayloadType::KEY_EXCHANGE
                | PayloadType::IDENTIFICATION
                | PayloadType::CERTIFICATE
                | PayloadType::CERTIFICATE_REQUEST
                | PayloadType::HASH
                | PayloadType::SIGNATURE
                | PayloadType::NONCE
                | PayloadType::NOTIFICATION
                | PayloadType::DELETE
                | PayloadType::VENDOR_ID
                | PayloadType::ATTRIBUTE
                | PayloadType::NAT_D
                | PayloadType::NAT_OA
                | PayloadType::NAT_D_DRAFT
                | PayloadType::NAT_OA_DRAFT
                | PayloadType::FRAGMENTATION
        )
    }

    /// Parses the body (after the generic header) of a payload of type `t`.
    pub fn parse(t: PayloadType, body: &[u8]) -> Result<Self, Error> {
        Ok(match t {
            PayloadType::SA => Self::Sa(SaPayload::parse(body)?),
            PayloadType::KEY_EXCHANGE => Self::Ke(KePayload::parse(body)?),
            PayloadType::IDENTIFICATION => Self::Id(IdPayload::parse(body)?),
            PayloadType::CERTIFICATE => Self::Cert(CertPayload::parse(body)?),
            PayloadType::CERTIFICATE_REQUEST => Self::CertRequest(CertRequestPayload::parse(body)?),
            PayloadType::HASH => Self::Hash(HashPayload::parse(body)?),
            PayloadType::SIGNATURE => Self::Sig(SigPayload::parse(body)?),
            PayloadType::NONCE => Self::Nonce(NoncePayload::parse(body)?),
            PayloadType::NOTIFICATION => Self::Notify(NotifyPayload::parse(body)?),
            PayloadType::DELETE => Self::Delete(DeletePayload::parse(body)?),
            PayloadType::VENDOR_ID => Self::VendorId(VendorIdPayload::parse(body)?),
            PayloadType::ATTRIBUTE => Self::Attribute(AttributePayload::parse(body)?),
            PayloadType::NAT_D => Self::NatD(NatDPayload::parse(NatTNumbering::Rfc3947, body)?),
            PayloadType::NAT_D_DRAFT => Self::NatD(NatDPayload::parse(NatTNumbering::Draft, body)?),
            PayloadType::NAT_OA => Self::NatOa(NatOaPayload::parse(NatTNumbering::Rfc3947, body)?),
            PayloadType::NAT_OA_DRAFT => {
                Self::NatOa(NatOaPayload::parse(NatTNumbering::Draft, body)?)
            }
            PayloadType::FRAGMENTATION => Self::Fragment(FragmentPayload::parse(body)?),
            other => {
                return Err(InvalidMessage::InvalidPayloadType {
                    context: "payload chain",
                    got: other,
                }
                .into());
            }
        })
    }

    /// Appends the body (without the generic header).
    pub fn emit_body(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        emit_atomic(out, |w| self.write_body(w))
    }

    pub(crate) fn write_body(&self, w: &mut Writer<'_>) -> Result<(), Error> {
        match self {
            Self::Sa(p) => p.write(w),
            Self::Ke(p) => p.write(w),
            Self::Id(p) => p.write(w),
            Self::Cert(p) => p.write(w),
            Self::CertRequest(p) => p.write(w),
            Self::Hash(p) => p.write(w),
            Self::Sig(p) => p.write(w),
            Self::Nonce(p) => p.write(w),
            Self::Notify(p) => p.write(w),
            Self::Delete(p) => p.write(w),
            Self::VendorId(p) => p.write(w),
            Self::Attribute(p) => p.write(w),
            Self::NatD(p) => p.write(w),
            Self::NatOa(p) => p.write(w),
            Self::Fragment(p) => p.write(w),
        }
    }

    /// Bytes of the body (without the generic header).
    pub fn body_len(&self) -> usize {
        match self {
            Self::Sa(p) => p.buffer_len(),
            Self::Ke(p) => p.buffer_len(),
            Self::Id(p) => p.buffer_len(),
            Self::Cert(p) => p.buffer_len(),
            Self::CertRequest(p) => p.buffer_len(),
            Self::Hash(p) => p.buffer_len(),
            Self::Sig(p) => p.buffer_len(),
            Self::Nonce(p) => p.buffer_len(),
            Self::Notify(p) => p.buffer_len(),
            Self::Delete(p) => p.buffer_len(),
            Self::VendorId(p) => p.buffer_len(),
            Self::Attribute(p) => p.buffer_len(),
            Self::NatD(p) => p.buffer_len(),
            Self::NatOa(p) => p.buffer_len(),
            Self::Fragment(p) => p.buffer_len(),
        }
    }

    /// Bytes of the whole payload, generic header included.
    pub fn buffer_len(&self) -> usize {
        GENERIC_HEADER_LEN.saturating_add(self.body_len())
    }
}

macro_rules! payload_from {
    ($($variant:ident($ty:ty)),* $(,)?) => {
        $(
            impl From<$ty> for Payload {
                fn from(p: $ty) -> Self {
                    Self::$variant(p)
                }
            }
        )*
    };
}

payload_from! {
    Sa(SaPayload),
    Ke(KePayload),
    Id(IdPayload),
    Cert(CertPayload),
    CertRequest(CertRequestPayload),
    Hash(HashPayload),
    Sig(SigPayload),
    Nonce(NoncePayload),
    Notify(NotifyPayload),
    Delete(DeletePayload),
    VendorId(VendorIdPayload),
    Attribute(AttributePayload),
    NatD(NatDPayload),
    NatOa(NatOaPayload),
    Fragment(FragmentPayload),
}

/// One payload of a chain, not parsed: a zero-copy view.
///
/// `bytes` is the whole payload (generic header included), as the HASH
/// computations of RFC 2409 need it (e.g. Quick Mode HASH(1) covers the
/// message from the payload after HASH on; HASH_I covers SAi_b, the SA body).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawPayload<'a> {
    /// This payload's type.
    pub payload_type: PayloadType,
    /// The type of the payload after it (NONE for the last).
    pub next_payload: PayloadType,
    /// Offset of the generic header from the start of the chain.
    pub offset: usize,
    /// The whole payload, generic header included.
    pub bytes: &'a [u8],
    /// The body, after the generic header.
    pub body: &'a [u8],
}

impl RawPayload<'_> {
    /// Parses the body.
    pub fn parse(&self) -> Result<Payload, Error> {
        Payload::parse(self.payload_type, self.body)
    }
}

/// Walks a payload chain without parsing bodies.
///
/// Yields each payload, or the first error and then nothing. When it ends
/// without error, [`RawPayloads::remainder`] holds what follows the chain.
#[derive(Debug, Clone)]
pub struct RawPayloads<'a> {
    chain: &'a [u8],
    r: Reader<'a>,
    next: PayloadType,
    count: usize,
    failed: bool,
}

impl<'a> RawPayloads<'a> {
    /// A walk over `chain`, whose first payload has type `first`.
    pub fn new(first: PayloadType, chain: &'a [u8]) -> Self {
        Self {
            chain,
            r: Reader::new(chain, "payload chain"),
            next: first,
            count: 0,
            failed: false,
        }
    }

    /// Bytes after the last payload (everything not yet walked, before the
    /// walk ends).
    pub fn remainder(&self) -> &'a [u8] {
        let mut r = self.r.clone();
        r.rest()
    }

    /// Whether the walk reached a NONE next payload.
    pub fn is_done(&self) -> bool {
        self.next == PayloadType::NONE
    }

    fn step(&mut self) -> Result<RawPayload<'a>, InvalidMessage> {
        if self.count >= MAX_PAYLOADS {
            return Err(InvalidMessage::TooMany {
                what: "payloads in a message",
                max: MAX_PAYLOADS,
            });
        }
        let payload_type = self.next;
        if !Payload::is_chainable(payload_type) {
            return Err(InvalidMessage::InvalidPayloadType {
                context: "payload chain",
                got: payload_type,
            });
        }
        let offset = self.chain.len().saturating_sub(self.r.remaining());
        let (next_payload, body) = read_generic(&mut self.r, "payload")?;
        let end = self.chain.len().saturating_sub(self.r.remaining());
        let bytes = self.chain.get(offset..end).unwrap_or(&[]);
        self.count = self.count.saturating_add(1);
        self.next = next_payload;
        Ok(RawPayload {
            payload_type,
            next_payload,
            offset,
            bytes,
            body,
        })
    }
}

impl<'a> Iterator for RawPayloads<'a> {
    type Item = Result<RawPayload<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.next == PayloadType::NONE {
            return None;
        }
        let item = self.step();
        if item.is_err() {
            self.failed = true;
        }
        Some(item.map_err(Error::from))
    }
}

/// What [`parse_payloads_padded`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaddedPayloads<'a> {
    /// The payloads.
    pub payloads: Vec<Payload>,
    /// The bytes after the last payload (at most [`MAX_PADDING`]).
    pub padding: &'a [u8],
}

fn walk(first: PayloadType, chain: &[u8]) -> Result<(Vec<Payload>, &[u8]), Error> {
    if chain.len() > MAX_MESSAGE_LEN {
        return Err(InvalidMessage::DatagramTooLarge {
            len: chain.len(),
            max: MAX_MESSAGE_LEN,
        }
        .into());
    }
    let mut walk = RawPayloads::new(first, chain);
    let mut payloads = Vec::new();
    for raw in walk.by_ref() {
        payloads.push(raw?.parse()?);
    }
    Ok((payloads, walk.remainder()))
}

/// Parses a payload chain that must fill `chain` exactly.
pub fn parse_payloads(first: PayloadType, chain: &[u8]) -> Result<Vec<Payload>, Error> {
    let (payloads, rest) = walk(first, chain)?;
    if !rest.is_empty() {
        return Err(InvalidMessage::UnequalLengths {
            what: "payload chain",
            declared: chain.len().saturating_sub(rest.len()),
            available: chain.len(),
        }
        .into());
    }
    Ok(payloads)
}

/// Parses a decrypted payload chain: like [`parse_payloads`], but up to
/// [`MAX_PADDING`] bytes of cipher padding may follow the last payload
/// (RFC 2409 section 5.3 / appendix B; their content is not checked, peers
/// differ).
pub fn parse_payloads_padded(
    first: PayloadType,
    plaintext: &[u8],
) -> Result<PaddedPayloads<'_>, Error> {
    let (payloads, padding) = walk(first, plaintext)?;
    if padding.len() > MAX_PADDING {
        return Err(InvalidMessage::UnequalLengths {
            what: "decrypted payload chain (padding)",
            declared: plaintext.len().saturating_sub(padding.len()),
            available: plaintext.len(),
        }
        .into());
    }
    Ok(PaddedPayloads { payloads, padding })
}

/// Appends a payload chain; the caller names `payloads[0]`'s type (or NONE)
/// in whatever precedes the chain (see [`first_payload_type`]).
pub fn emit_payloads(payloads: &[Payload], out: &mut Vec<u8>) -> Result<(), Error> {
    emit_atomic(out, |w| write_payloads(payloads, w))
}

pub(crate) fn write_payloads(payloads: &[Payload], w: &mut Writer<'_>) -> Result<(), Error> {
    if payloads.len() > MAX_PAYLOADS {
        return Err(ApiMisuse::TooMany {
            what: "payloads in a message",
            count: payloads.len(),
            max: MAX_PAYLOADS,
        }
        .into());
    }
    let mut iter = payloads.iter().peekable();
    while let Some(p) = iter.next() {
        let next = iter.peek().map_or(PayloadType::NONE, |n| n.payload_type());
        write_generic(w, next, "payload", |w| p.write_body(w))?;
    }
    Ok(())
}

/// The type of the first payload of a chain (NONE for an empty one).
pub fn first_payload_type(payloads: &[Payload]) -> PayloadType {
    payloads
        .first()
        .map_or(PayloadType::NONE, Payload::payload_type)
}

/// Bytes [`emit_payloads`] writes.
pub fn payloads_len(payloads: &[Payload]) -> usize {
    payloads
        .iter()
        .fold(0usize, |acc, p| acc.saturating_add(p.buffer_len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::NotifyType;

    /// VID(4 bytes) then NONCE(8 bytes).
    const CHAIN: [u8; 20] = [
        0x0a, 0x00, 0x00, 0x08, 0xde, 0xad, 0xbe, 0xef, // VID, next NONCE
        0x00, 0x00, 0x00, 0x0c, 1, 2, 3, 4, 5, 6, 7, 8, // NONCE, last
    ];

    #[test]
    fn raw_walk_gives_offsets_and_bytes() {
        let raws: Vec<_> = RawPayloads::new(PayloadType::VENDOR_ID, &CHAIN)
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(raws.len(), 2);
        assert_eq!(raws[1].payload_type, PayloadType::NONCE);
        assert_eq!(raws[1].offset, 8);
        assert_eq!(raws[1].bytes, &CHAIN[8..]);
        assert_eq!(raws[1].body, &CHAIN[12..]);
        assert_eq!(raws[0].next_payload, PayloadType::NONCE);
    }

    #[test]
    fn parse_emit_chain() {
        let p = parse_payloads(PayloadType::VENDOR_ID, &CHAIN).unwrap();
        assert_eq!(first_payload_type(&p), PayloadType::VENDOR_ID);
        let mut out = Vec::new();
        emit_payloads(&p, &mut out).unwrap();
        assert_eq!(out, CHAIN);
        assert_eq!(payloads_len(&p), CHAIN.len());
    }

    #[test]
    fn chain_errors() {
        // truncated anywhere
        for n in 1..CHAIN.len() {
            let e = parse_payloads(PayloadType::VENDOR_ID, &CHAIN[..n]).unwrap_err();
            assert!(e.notify().is_some(), "{n}");
        }
        // trailing bytes
        let mut long = CHAIN.to_vec();
        long.push(0);
        let e = parse_payloads(PayloadType::VENDOR_ID, &long).unwrap_err();
        assert_eq!(e.notify(), Some(NotifyType::UNEQUAL_PAYLOAD_LENGTHS));
        // ... but accepted as padding after decryption
        let p = parse_payloads_padded(PayloadType::VENDOR_ID, &long).unwrap();
        assert_eq!(p.padding, &[0]);
        // a zero length would loop forever
        let mut zero = CHAIN;
        zero[3] = 0;
        let e = parse_payloads(PayloadType::VENDOR_ID, &zero).unwrap_err();
        assert!(matches!(
            e,
            Error::InvalidMessage(InvalidMessage::LengthTooShort { .. })
        ));
        // unknown and nested-only types
        for t in [
            PayloadType(99),
            PayloadType::PROPOSAL,
            PayloadType::TRANSFORM,
            PayloadType::SAK,
        ] {
            let e = parse_payloads(t, &CHAIN).unwrap_err();
            assert_eq!(e.notify(), Some(NotifyType::INVALID_PAYLOAD_TYPE));
        }
        let mut bad_next = CHAIN;
        bad_next[8] = 0xee;
        let e = parse_payloads(PayloadType::VENDOR_ID, &bad_next).unwrap_err();
        assert_eq!(e.notify(), Some(NotifyType::INVALID_PAYLOAD_TYPE));
    }

    #[test]
    fn walk_stops_at_the_first_error() {
        let mut zero = CHAIN;
        zero[3] = 2;
        let mut w = RawPayloads::new(PayloadType::VENDOR_ID, &zero);
        assert!(w.next().unwrap().is_err());
        assert!(w.next().is_none());
    }

    #[test]
    fn payload_count_is_capped() {
        let one = [0x0d, 0, 0, 5, 0xaa];
        let mut chain: Vec<u8> = core::iter::repeat_n(one, MAX_PAYLOADS + 1)
            .flatten()
            .collect();
        let last = chain.len() - 5;
        chain[last] = 0;
        let e = parse_payloads(PayloadType::VENDOR_ID, &chain).unwrap_err();
        assert!(matches!(
            e,
            Error::InvalidMessage(InvalidMessage::TooMany { .. })
        ));
        let ok = &chain[5..];
        assert_eq!(
            parse_payloads(PayloadType::VENDOR_ID, ok).unwrap().len(),
            MAX_PAYLOADS
        );
    }
}
