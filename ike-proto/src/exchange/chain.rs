//! What the exchanges make of [`crate::wire`]'s messages: the received
//! header is the codec's checked view ([`Received`]), a chain's payloads
//! are [`wire::ParsedPayload`]s borrowed from the datagram or its
//! plaintext, read through [`wire::PayloadView`]. This module holds only
//! the exchanges' rules on top: which notify a codec refusal earns, the
//! padding a chain may carry, and emitting our own chains.

use super::Error;
use crate::wire::{self, NotifyType, PayloadType};

/// What an exchange makes of the wire codec's refusal: an undefined
/// payload type or another ISAKMP version keep their own notify, anything
/// else is PAYLOAD_MALFORMED (the codec's finer notifies, such as
/// UNEQUAL_PAYLOAD_LENGTHS, are not sent; the detail goes to the log).
fn codec_error(e: &Error) -> Error {
    match e.notify() {
        Some(NotifyType::INVALID_PAYLOAD_TYPE | NotifyType::INVALID_MAJOR_VERSION) => e.clone(),
        _ => {
            log::debug!("wire codec refused a message: {e}");
            Error::malformed("rejected by the wire codec")
        }
    }
}

/// A received message's header: the checked view of the datagram.
pub(crate) type Received<'a> = wire::IsakmpPacket<&'a [u8]>;

/// Checks the header (version, flags, length equal to the datagram's);
/// returns it and the body after it.
pub(crate) fn received(bytes: &[u8]) -> Result<(Received<'_>, &[u8]), Error> {
    let packet = wire::IsakmpPacket::new_checked(bytes).map_err(|e| codec_error(&e))?;
    Ok((packet, bytes.get(wire::HEADER_LEN..).unwrap_or_default()))
}

/// One payload of a chain: the wire codec's.
pub(crate) use crate::wire::Payload;

/// Emits a payload chain; returns the first payload's type and the bytes.
pub(crate) fn emit_chain(payloads: &[Payload]) -> (PayloadType, Vec<u8>) {
    let mut out = Vec::new();
    if let Err(e) = wire::emit_payloads(payloads, &mut out) {
        // Our own payloads are built within the codec's limits.
        log::error!("cannot emit our own payloads: {e}");
        out.clear();
    }
    (wire::first_payload_type(payloads), out)
}

/// A parsed payload with its raw bytes.
pub(crate) use crate::wire::ParsedPayload as Parsed;

/// Walks a payload chain starting with `first`. Bytes after the last
/// payload are allowed (up to the codec's padding limit): any bytes when
/// `allow_padding` (decrypted messages: cipher padding), zero bytes in a
/// cleartext message (Libreswan pads its first messages with zeros; the
/// engine counts them, see [`zero_padding`]).
pub(crate) fn parse_chain(
    first: PayloadType,
    bytes: &[u8],
    allow_padding: bool,
) -> Result<Vec<Parsed<'_>>, Error> {
    let (out, rest) = wire::parse_chain(first, bytes).map_err(|e| codec_error(&e))?;
    let zeros = rest.iter().all(|b| *b == 0);
    if !rest.is_empty() && (!(allow_padding || zeros) || rest.len() > wire::MAX_PADDING) {
        return Err(Error::malformed("bytes after the last payload"));
    }
    Ok(out)
}

/// How many zero bytes follow the last payload of a cleartext chain (0 for
/// a chain that does not parse or has other bytes there).
pub(crate) fn zero_padding(first: PayloadType, bytes: &[u8]) -> usize {
    let mut walk = wire::RawPayloads::new(first, bytes);
    if walk.by_ref().any(|r| r.is_err()) {
        return 0;
    }
    let rest = walk.remainder();
    if rest.iter().all(|b| *b == 0) {
        rest.len()
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;
    use crate::wire::{DataAttribute, Doi, ProtocolId};

    #[test]
    fn chain_round_trip() {
        let sa = wire::SaPayload::ipsec(vec![wire::Proposal {
            number: 1,
            protocol: ProtocolId::ISAKMP,
            spi: vec![],
            transforms: vec![wire::Transform {
                number: 1,
                transform_id: 1,
                attributes: vec![
                    DataAttribute::basic(1u16, 5u16),
                    DataAttribute::integer(12u16, 86_400),
                ],
            }],
        }]);
        let payloads = vec![
            Payload::Sa(sa),
            Payload::VendorId(wire::VendorIdPayload::new(vec![1, 2, 3])),
            Payload::Id(wire::IdPayload::ipv4(Ipv4Addr::new(10, 0, 0, 1), 17, 500)),
            Payload::Notify(wire::NotifyPayload {
                doi: Doi::IPSEC,
                protocol: ProtocolId::ISAKMP,
                spi: vec![9; 16],
                notify_type: NotifyType::R_U_THERE,
                data: vec![0, 0, 0, 1],
            }),
            Payload::Delete(wire::DeletePayload {
                doi: Doi::IPSEC,
                protocol: ProtocolId::IPSEC_ESP,
                spi_size: 4,
                spis: vec![vec![1, 2, 3, 4], vec![5, 6, 7, 8]],
            }),
        ];
        let (first, bytes) = emit_chain(&payloads);
        let parsed = parse_chain(first, &bytes, false).unwrap();
        let back: Vec<Payload> = parsed.into_iter().map(|p| p.payload).collect();
        assert_eq!(back, payloads);
        for n in 0..bytes.len() {
            assert!(parse_chain(first, &bytes[..n], false).is_err());
        }
    }

    #[test]
    fn vpi_lifetime_decodes() {
        let a = DataAttribute::variable(12u16, vec![0x00, 0x01, 0x51, 0x80]);
        assert_eq!(a.as_u32(), Some(86_400));
    }
}
