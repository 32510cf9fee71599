//! PRIVATE STAND-IN — move to `crate::wire` when available.
//!
//! The wire engineer's codec (`crate::wire`: checked views and owned
//! payloads for all of RFC 2408/2409) was not committed when the exchanges
//! were written. This is the small owned subset the exchanges need: the
//! header, a payload chain with the raw bytes of each payload kept for the
//! HASH computations, SA → proposal → transform → attributes, KE, ID, HASH,
//! NONCE, NOTIFY, DELETE, VENDOR ID, NAT-D. Lengths are checked before use;
//! nothing here indexes untrusted data.

use super::error::ExchangeError;

/// ISAKMP header length.
pub(crate) const HEADER_LEN: usize = 28;
/// ISAKMP version 1.0.
pub(crate) const VERSION: u8 = 0x10;

/// Header flags.
pub(crate) mod flags {
    /// Encryption.
    pub(crate) const E: u8 = 0x01;
    /// Commit.
    pub(crate) const C: u8 = 0x02;
}

/// Exchange types.
pub(crate) mod exch {
    pub(crate) const MAIN: u8 = 2;
    pub(crate) const AGGRESSIVE: u8 = 4;
    pub(crate) const INFORMATIONAL: u8 = 5;
    pub(crate) const TRANSACTION: u8 = 6;
    pub(crate) const QUICK: u8 = 32;
}

/// Payload types.
pub(crate) mod pt {
    pub(crate) const NONE: u8 = 0;
    pub(crate) const SA: u8 = 1;
    pub(crate) const P: u8 = 2;
    pub(crate) const T: u8 = 3;
    pub(crate) const KE: u8 = 4;
    pub(crate) const ID: u8 = 5;
    pub(crate) const HASH: u8 = 8;
    pub(crate) const NONCE: u8 = 10;
    pub(crate) const N: u8 = 11;
    pub(crate) const D: u8 = 12;
    pub(crate) const VID: u8 = 13;
    pub(crate) const NAT_D: u8 = 20;
    pub(crate) const NAT_OA: u8 = 21;
    pub(crate) const NAT_D_DRAFT: u8 = 130;
    pub(crate) const NAT_OA_DRAFT: u8 = 131;
}

/// The ISAKMP header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) icookie: [u8; 8],
    pub(crate) rcookie: [u8; 8],
    pub(crate) next_payload: u8,
    pub(crate) version: u8,
    pub(crate) exchange: u8,
    pub(crate) flags: u8,
    pub(crate) message_id: u32,
    pub(crate) length: u32,
}

struct Rd<'a>(&'a [u8]);

impl<'a> Rd<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ExchangeError> {
        if self.0.len() < n {
            return Err(ExchangeError::Malformed("truncated"));
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Ok(a)
    }
    fn u8(&mut self) -> Result<u8, ExchangeError> {
        Ok(self.take(1)?.first().copied().unwrap_or(0))
    }
    fn u16(&mut self) -> Result<u16, ExchangeError> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([
            b.first().copied().unwrap_or(0),
            b.get(1).copied().unwrap_or(0),
        ]))
    }
    fn u32(&mut self) -> Result<u32, ExchangeError> {
        let b = self.take(4)?;
        let mut a = [0u8; 4];
        a.copy_from_slice(b);
        Ok(u32::from_be_bytes(a))
    }
    fn arr8(&mut self) -> Result<[u8; 8], ExchangeError> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(a)
    }
}

impl Header {
    /// Parses the header and checks the length against the datagram.
    /// Returns the header and the body (after the header, up to `length`).
    pub(crate) fn parse(bytes: &[u8]) -> Result<(Self, &[u8]), ExchangeError> {
        let mut r = Rd(bytes);
        let icookie = r.arr8()?;
        let rcookie = r.arr8()?;
        let next_payload = r.u8()?;
        let version = r.u8()?;
        let exchange = r.u8()?;
        let flags = r.u8()?;
        let message_id = r.u32()?;
        let length = r.u32()?;
        let len = usize::try_from(length).map_err(|_| ExchangeError::Malformed("length"))?;
        if len < HEADER_LEN || len > bytes.len() {
            return Err(ExchangeError::Malformed("header length"));
        }
        if version >> 4 != 1 {
            return Err(ExchangeError::InvalidMajorVersion);
        }
        let body = bytes
            .get(HEADER_LEN..len)
            .ok_or(ExchangeError::Malformed("header length"))?;
        Ok((
            Self {
                icookie,
                rcookie,
                next_payload,
                version,
                exchange,
                flags,
                message_id,
                length,
            },
            body,
        ))
    }

    /// Emits the header followed by `body`, with the length filled in.
    pub(crate) fn emit(&self, body: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + body.len());
        out.extend_from_slice(&self.icookie);
        out.extend_from_slice(&self.rcookie);
        out.push(self.next_payload);
        out.push(self.version);
        out.push(self.exchange);
        out.push(self.flags);
        out.extend_from_slice(&self.message_id.to_be_bytes());
        let len = u32::try_from(HEADER_LEN + body.len()).unwrap_or(u32::MAX);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(body);
        out
    }
}

/// A data attribute (TV when `basic`, else TLV).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Attr {
    pub(crate) ty: u16,
    pub(crate) value: Vec<u8>,
    pub(crate) basic: bool,
}

impl Attr {
    /// A TV attribute.
    pub(crate) fn basic(ty: u16, v: u16) -> Self {
        Self {
            ty,
            value: v.to_be_bytes().to_vec(),
            basic: true,
        }
    }

    /// A number, TV when it fits 16 bits, else a 4-byte TLV (the "VPI" form).
    pub(crate) fn number(ty: u16, v: u32) -> Self {
        match u16::try_from(v) {
            Ok(s) => Self::basic(ty, s),
            Err(_) => Self {
                ty,
                value: v.to_be_bytes().to_vec(),
                basic: false,
            },
        }
    }

    /// The value as an integer (TV or a TLV of up to 4 bytes).
    pub(crate) fn as_u32(&self) -> Option<u32> {
        if self.value.is_empty() || self.value.len() > 4 {
            // Longer TLV values are only valid when their leading bytes are 0.
            let lead = self.value.len().checked_sub(4)?;
            if self.value.get(..lead)?.iter().any(|b| *b != 0) {
                return None;
            }
            let tail = self.value.get(lead..)?;
            return Some(tail.iter().fold(0u32, |a, b| (a << 8) | u32::from(*b)));
        }
        Some(
            self.value
                .iter()
                .fold(0u32, |a, b| (a << 8) | u32::from(*b)),
        )
    }
}

/// A transform payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Transform {
    pub(crate) number: u8,
    pub(crate) id: u8,
    pub(crate) attrs: Vec<Attr>,
}

/// A proposal payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Proposal {
    pub(crate) number: u8,
    pub(crate) protocol: u8,
    pub(crate) spi: Vec<u8>,
    pub(crate) transforms: Vec<Transform>,
}

/// An SA payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SaPayload {
    pub(crate) doi: u32,
    pub(crate) situation: u32,
    pub(crate) proposals: Vec<Proposal>,
}

/// An ID payload (phase-1 identity or Quick Mode client identity).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct IdPayload {
    pub(crate) id_type: u8,
    pub(crate) protocol: u8,
    pub(crate) port: u16,
    pub(crate) data: Vec<u8>,
}

/// A NOTIFY payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct NotifyPayload {
    pub(crate) doi: u32,
    pub(crate) protocol: u8,
    pub(crate) spi: Vec<u8>,
    pub(crate) ty: u16,
    pub(crate) data: Vec<u8>,
}

/// A DELETE payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DeletePayload {
    pub(crate) doi: u32,
    pub(crate) protocol: u8,
    pub(crate) spi_size: u8,
    pub(crate) spis: Vec<Vec<u8>>,
}

/// One payload of a chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Payload {
    Sa(SaPayload),
    Ke(Vec<u8>),
    Id(IdPayload),
    Hash(Vec<u8>),
    Nonce(Vec<u8>),
    Notify(NotifyPayload),
    Delete(DeletePayload),
    VendorId(Vec<u8>),
    /// NAT-D under the RFC number (20) or the drafts' (130): `draft` says which.
    NatD {
        hash: Vec<u8>,
        draft: bool,
    },
    /// NAT-OA (kept as an ID-like body).
    NatOa {
        body: Vec<u8>,
        draft: bool,
    },
    Other {
        ty: u8,
        body: Vec<u8>,
    },
}

impl Payload {
    pub(crate) fn ty(&self) -> u8 {
        match self {
            Self::Sa(_) => pt::SA,
            Self::Ke(_) => pt::KE,
            Self::Id(_) => pt::ID,
            Self::Hash(_) => pt::HASH,
            Self::Nonce(_) => pt::NONCE,
            Self::Notify(_) => pt::N,
            Self::Delete(_) => pt::D,
            Self::VendorId(_) => pt::VID,
            Self::NatD { draft: false, .. } => pt::NAT_D,
            Self::NatD { draft: true, .. } => pt::NAT_D_DRAFT,
            Self::NatOa { draft: false, .. } => pt::NAT_OA,
            Self::NatOa { draft: true, .. } => pt::NAT_OA_DRAFT,
            Self::Other { ty, .. } => *ty,
        }
    }

    fn body(&self) -> Vec<u8> {
        let mut b = Vec::new();
        match self {
            Self::Sa(sa) => emit_sa_body(sa, &mut b),
            Self::Ke(v) | Self::Hash(v) | Self::Nonce(v) | Self::VendorId(v) => {
                b.extend_from_slice(v)
            }
            Self::NatD { hash, .. } => b.extend_from_slice(hash),
            Self::NatOa { body, .. } | Self::Other { body, .. } => b.extend_from_slice(body),
            Self::Id(id) => {
                b.push(id.id_type);
                b.push(id.protocol);
                b.extend_from_slice(&id.port.to_be_bytes());
                b.extend_from_slice(&id.data);
            }
            Self::Notify(n) => {
                b.extend_from_slice(&n.doi.to_be_bytes());
                b.push(n.protocol);
                b.push(u8::try_from(n.spi.len()).unwrap_or(0));
                b.extend_from_slice(&n.ty.to_be_bytes());
                b.extend_from_slice(&n.spi);
                b.extend_from_slice(&n.data);
            }
            Self::Delete(d) => {
                b.extend_from_slice(&d.doi.to_be_bytes());
                b.push(d.protocol);
                b.push(d.spi_size);
                b.extend_from_slice(&u16::try_from(d.spis.len()).unwrap_or(0).to_be_bytes());
                for s in &d.spis {
                    b.extend_from_slice(s);
                }
            }
        }
        b
    }
}

fn emit_generic(out: &mut Vec<u8>, next: u8, body: &[u8]) {
    out.push(next);
    out.push(0);
    let len = u16::try_from(body.len() + 4).unwrap_or(u16::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(body);
}

fn emit_sa_body(sa: &SaPayload, b: &mut Vec<u8>) {
    b.extend_from_slice(&sa.doi.to_be_bytes());
    b.extend_from_slice(&sa.situation.to_be_bytes());
    for (i, p) in sa.proposals.iter().enumerate() {
        let next = if i + 1 < sa.proposals.len() {
            pt::P
        } else {
            pt::NONE
        };
        let mut pb = vec![
            p.number,
            p.protocol,
            u8::try_from(p.spi.len()).unwrap_or(0),
            u8::try_from(p.transforms.len()).unwrap_or(0),
        ];
        pb.extend_from_slice(&p.spi);
        for (j, t) in p.transforms.iter().enumerate() {
            let tnext = if j + 1 < p.transforms.len() {
                pt::T
            } else {
                pt::NONE
            };
            let mut tb = vec![t.number, t.id, 0, 0];
            for a in &t.attrs {
                if a.basic {
                    tb.extend_from_slice(&(a.ty | 0x8000).to_be_bytes());
                    tb.extend_from_slice(&a.value);
                } else {
                    tb.extend_from_slice(&(a.ty & 0x7fff).to_be_bytes());
                    tb.extend_from_slice(&u16::try_from(a.value.len()).unwrap_or(0).to_be_bytes());
                    tb.extend_from_slice(&a.value);
                }
            }
            emit_generic(&mut pb, tnext, &tb);
        }
        emit_generic(b, next, &pb);
    }
}

/// Emits a payload chain; returns the first payload's type and the bytes.
pub(crate) fn emit_chain(payloads: &[Payload]) -> (u8, Vec<u8>) {
    let mut out = Vec::new();
    for (i, p) in payloads.iter().enumerate() {
        let next = payloads.get(i + 1).map_or(pt::NONE, Payload::ty);
        emit_generic(&mut out, next, &p.body());
    }
    (payloads.first().map_or(pt::NONE, Payload::ty), out)
}

/// A parsed payload with its raw bytes (generic header included).
#[derive(Clone, Debug)]
pub(crate) struct Parsed {
    pub(crate) payload: Payload,
    pub(crate) raw: Vec<u8>,
}

impl Parsed {
    /// The body without the generic header (`SAi_b`, `IDii_b`, `Ni_b`).
    pub(crate) fn body(&self) -> &[u8] {
        self.raw.get(4..).unwrap_or_default()
    }
}

/// The most payloads one message may carry.
const MAX_PAYLOADS: usize = 64;
const MAX_PROPOSALS: usize = 64;
const MAX_TRANSFORMS: usize = 64;
const MAX_ATTRS: usize = 64;

/// Walks a payload chain starting with `first`. Bytes after the last
/// payload are ignored only when `allow_padding` (decrypted messages).
pub(crate) fn parse_chain(
    first: u8,
    bytes: &[u8],
    allow_padding: bool,
) -> Result<Vec<Parsed>, ExchangeError> {
    let mut out = Vec::new();
    let mut next = first;
    let mut rest = bytes;
    while next != pt::NONE {
        if out.len() >= MAX_PAYLOADS {
            return Err(ExchangeError::Malformed("too many payloads"));
        }
        let mut r = Rd(rest);
        let n = r.u8()?;
        let _reserved = r.u8()?;
        let len = usize::from(r.u16()?);
        if len < 4 || len > rest.len() {
            return Err(ExchangeError::Malformed("payload length"));
        }
        let (raw, after) = rest.split_at(len);
        let body = raw.get(4..).unwrap_or_default();
        let payload = parse_payload(next, body)?;
        out.push(Parsed {
            payload,
            raw: raw.to_vec(),
        });
        rest = after;
        next = n;
    }
    if !rest.is_empty() && !allow_padding {
        return Err(ExchangeError::Malformed("trailing bytes"));
    }
    Ok(out)
}

fn parse_payload(ty: u8, body: &[u8]) -> Result<Payload, ExchangeError> {
    let mut r = Rd(body);
    Ok(match ty {
        pt::SA => Payload::Sa(parse_sa(body)?),
        pt::KE => Payload::Ke(body.to_vec()),
        pt::HASH => Payload::Hash(body.to_vec()),
        pt::NONCE => Payload::Nonce(body.to_vec()),
        pt::VID => Payload::VendorId(body.to_vec()),
        pt::NAT_D | pt::NAT_D_DRAFT => Payload::NatD {
            hash: body.to_vec(),
            draft: ty == pt::NAT_D_DRAFT,
        },
        pt::NAT_OA | pt::NAT_OA_DRAFT => Payload::NatOa {
            body: body.to_vec(),
            draft: ty == pt::NAT_OA_DRAFT,
        },
        pt::ID => {
            let id_type = r.u8()?;
            let protocol = r.u8()?;
            let port = r.u16()?;
            Payload::Id(IdPayload {
                id_type,
                protocol,
                port,
                data: r.0.to_vec(),
            })
        }
        pt::N => {
            let doi = r.u32()?;
            let protocol = r.u8()?;
            let spi_size = r.u8()?;
            let nty = r.u16()?;
            let spi = r.take(usize::from(spi_size))?.to_vec();
            Payload::Notify(NotifyPayload {
                doi,
                protocol,
                spi,
                ty: nty,
                data: r.0.to_vec(),
            })
        }
        pt::D => {
            let doi = r.u32()?;
            let protocol = r.u8()?;
            let spi_size = r.u8()?;
            let count = r.u16()?;
            let mut spis = Vec::new();
            for _ in 0..count {
                spis.push(r.take(usize::from(spi_size))?.to_vec());
            }
            if !r.0.is_empty() {
                return Err(ExchangeError::Malformed("delete payload length"));
            }
            Payload::Delete(DeletePayload {
                doi,
                protocol,
                spi_size,
                spis,
            })
        }
        2 | 3 | 6 | 7 | 9 | 14..=19 | 22 => Payload::Other {
            ty,
            body: body.to_vec(),
        },
        128 | 129 | 132..=255 => Payload::Other {
            ty,
            body: body.to_vec(),
        },
        _ => return Err(ExchangeError::InvalidPayloadType),
    })
}

fn parse_sa(body: &[u8]) -> Result<SaPayload, ExchangeError> {
    let mut r = Rd(body);
    let doi = r.u32()?;
    let situation = r.u32()?;
    let mut proposals = Vec::new();
    let mut next = if r.0.is_empty() { pt::NONE } else { pt::P };
    while next != pt::NONE {
        if next != pt::P || proposals.len() >= MAX_PROPOSALS {
            return Err(ExchangeError::Malformed("proposal chain"));
        }
        let n = r.u8()?;
        let _ = r.u8()?;
        let len = usize::from(r.u16()?);
        let pbody = r.take(
            len.checked_sub(4)
                .ok_or(ExchangeError::Malformed("proposal length"))?,
        )?;
        let mut pr = Rd(pbody);
        let number = pr.u8()?;
        let protocol = pr.u8()?;
        let spi_size = pr.u8()?;
        let count = pr.u8()?;
        let spi = pr.take(usize::from(spi_size))?.to_vec();
        let mut transforms = Vec::new();
        let mut tnext = if count > 0 { pt::T } else { pt::NONE };
        while tnext != pt::NONE {
            if tnext != pt::T || transforms.len() >= MAX_TRANSFORMS {
                return Err(ExchangeError::Malformed("transform chain"));
            }
            let tn = pr.u8()?;
            let _ = pr.u8()?;
            let tlen = usize::from(pr.u16()?);
            let tbody = pr.take(
                tlen.checked_sub(4)
                    .ok_or(ExchangeError::Malformed("transform length"))?,
            )?;
            let mut tr = Rd(tbody);
            let tnum = tr.u8()?;
            let tid = tr.u8()?;
            let _ = tr.u16()?;
            let mut attrs = Vec::new();
            while !tr.0.is_empty() {
                if attrs.len() >= MAX_ATTRS {
                    return Err(ExchangeError::Malformed("too many attributes"));
                }
                let t = tr.u16()?;
                if t & 0x8000 != 0 {
                    attrs.push(Attr {
                        ty: t & 0x7fff,
                        value: tr.take(2)?.to_vec(),
                        basic: true,
                    });
                } else {
                    let l = usize::from(tr.u16()?);
                    attrs.push(Attr {
                        ty: t,
                        value: tr.take(l)?.to_vec(),
                        basic: false,
                    });
                }
            }
            transforms.push(Transform {
                number: tnum,
                id: tid,
                attrs,
            });
            tnext = tn;
        }
        if transforms.len() != usize::from(count) || !pr.0.is_empty() {
            return Err(ExchangeError::Malformed("transform count"));
        }
        proposals.push(Proposal {
            number,
            protocol,
            spi,
            transforms,
        });
        next = n;
    }
    if !r.0.is_empty() {
        return Err(ExchangeError::Malformed("SA payload length"));
    }
    Ok(SaPayload {
        doi,
        situation,
        proposals,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_round_trip() {
        let sa = SaPayload {
            doi: 1,
            situation: 1,
            proposals: vec![Proposal {
                number: 1,
                protocol: 1,
                spi: vec![],
                transforms: vec![Transform {
                    number: 1,
                    id: 1,
                    attrs: vec![Attr::basic(1, 5), Attr::number(12, 86_400)],
                }],
            }],
        };
        let payloads = vec![
            Payload::Sa(sa),
            Payload::VendorId(vec![1, 2, 3]),
            Payload::Id(IdPayload {
                id_type: 1,
                protocol: 17,
                port: 500,
                data: vec![10, 0, 0, 1],
            }),
            Payload::Notify(NotifyPayload {
                doi: 1,
                protocol: 1,
                spi: vec![9; 16],
                ty: 36136,
                data: vec![0, 0, 0, 1],
            }),
            Payload::Delete(DeletePayload {
                doi: 1,
                protocol: 3,
                spi_size: 4,
                spis: vec![vec![1, 2, 3, 4], vec![5, 6, 7, 8]],
            }),
        ];
        let (first, bytes) = emit_chain(&payloads);
        let parsed = parse_chain(first, &bytes, false).unwrap();
        let back: Vec<Payload> = parsed.into_iter().map(|p| p.payload).collect();
        assert_eq!(back, payloads);
        // Truncations never panic and always fail.
        for n in 0..bytes.len() {
            assert!(parse_chain(first, &bytes[..n], false).is_err());
        }
    }

    #[test]
    fn vpi_lifetime_decodes() {
        let a = Attr {
            ty: 12,
            value: vec![0x00, 0x01, 0x51, 0x80],
            basic: false,
        };
        assert_eq!(a.as_u32(), Some(86_400));
    }
}
