//! Whole ISAKMP messages: a header and a payload chain, or a header and
//! ciphertext.

use super::codec::{Writer, emit_atomic};
use super::header::{HEADER_LEN, Header, IsakmpPacket};
use super::payload::{
    RawPayloads, first_payload_type, parse_payloads, parse_payloads_padded, payloads_len,
    write_payloads,
};
use super::{
    Flags, MAX_MESSAGE_LEN, NotifyPayload, Payload, PayloadType, SaPayload, VendorIdPayload,
};
use crate::error::{ApiMisuse, Error, InvalidMessage};

/// A message whose payloads are in the clear (or were decrypted).
///
/// `parse` and `emit` are exact inverses: whatever parses re-emits to the
/// same bytes. They do not look at the E flag; use [`Datagram::parse`] for
/// what arrives from the network, which does.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Message {
    /// The header fields.
    pub header: Header,
    /// The payload chain, at most [`super::MAX_PAYLOADS`].
    pub payloads: Vec<Payload>,
}

impl Message {
    /// Parses a whole datagram as header plus payload chain.
    ///
    /// The header's length must equal the datagram length, the chain must
    /// end exactly there, and every payload must parse.
    pub fn parse(datagram: &[u8]) -> Result<Self, Error> {
        let packet = IsakmpPacket::new_checked(datagram)?;
        let payloads = parse_payloads(packet.next_payload(), packet.body())?;
        Ok(Self {
            header: packet.header(),
            payloads,
        })
    }

    /// Appends the message: header (next payload and length computed) and
    /// the chain. On error nothing is appended.
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        emit_atomic(out, |w| self.write(w))
    }

    fn write(&self, w: &mut Writer<'_>) -> Result<(), Error> {
        let mark = self
            .header
            .emit_with_placeholder(first_payload_type(&self.payloads), w);
        write_payloads(&self.payloads, w)?;
        w.patch_u32_len(mark, MAX_MESSAGE_LEN, "ISAKMP message")
    }

    /// The message as a new `Vec`.
    pub fn to_bytes(&self) -> Result<Vec<u8>, Error> {
        let mut out = Vec::with_capacity(self.buffer_len());
        self.emit(&mut out)?;
        Ok(out)
    }

    /// Writes the message into `buf`, returning the length written.
    pub fn emit_into(&self, buf: &mut [u8]) -> Result<usize, Error> {
        let bytes = self.to_bytes()?;
        let provided = buf.len();
        let dst = buf
            .get_mut(..bytes.len())
            .ok_or(ApiMisuse::BufferTooSmall {
                required: bytes.len(),
                provided,
            })?;
        dst.copy_from_slice(&bytes);
        Ok(bytes.len())
    }

    /// Bytes [`Message::emit`] writes.
    pub fn buffer_len(&self) -> usize {
        HEADER_LEN.saturating_add(payloads_len(&self.payloads))
    }

    /// The payloads of type `t`.
    pub fn payloads_of(&self, t: PayloadType) -> impl Iterator<Item = &Payload> + '_ {
        self.payloads.iter().filter(move |p| p.payload_type() == t)
    }

    /// The first SA payload.
    pub fn sa(&self) -> Option<&SaPayload> {
        self.payloads.iter().find_map(|p| match p {
            Payload::Sa(sa) => Some(sa),
            _ => None,
        })
    }

    /// Every VID payload, in order.
    pub fn vendor_ids(&self) -> impl Iterator<Item = &VendorIdPayload> + '_ {
        self.payloads.iter().filter_map(|p| match p {
            Payload::VendorId(v) => Some(v),
            _ => None,
        })
    }

    /// Every NOTIFY payload, in order.
    pub fn notifies(&self) -> impl Iterator<Item = &NotifyPayload> + '_ {
        self.payloads.iter().filter_map(|p| match p {
            Payload::Notify(n) => Some(n),
            _ => None,
        })
    }
}

/// A message with the E flag: the header and the ciphertext body.
///
/// Decrypting is the crypto module's job; [`EncryptedMessage::parse_plaintext`]
/// then parses what it produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EncryptedMessage<'a> {
    /// The header fields (the E flag set).
    pub header: Header,
    /// The type of the first (encrypted) payload, from the header.
    pub next_payload: PayloadType,
    /// Everything after the header.
    pub ciphertext: &'a [u8],
}

impl<'a> EncryptedMessage<'a> {
    /// Splits a datagram into header and body without parsing the body.
    /// Works whatever the E flag says; [`Datagram::parse`] looks at it.
    pub fn parse(datagram: &'a [u8]) -> Result<Self, Error> {
        let packet = IsakmpPacket::new_checked(datagram)?;
        Ok(Self {
            header: packet.header(),
            next_payload: packet.next_payload(),
            ciphertext: datagram.get(HEADER_LEN..).unwrap_or(&[]),
        })
    }

    /// Parses the decrypted body: the chain starting at
    /// [`EncryptedMessage::next_payload`], followed by at most
    /// [`super::MAX_PADDING`] bytes of padding, which are dropped.
    pub fn parse_plaintext(&self, plaintext: &[u8]) -> Result<Message, Error> {
        let parsed = parse_payloads_padded(self.next_payload, plaintext)?;
        Ok(Message {
            header: self.header,
            payloads: parsed.payloads,
        })
    }

    /// A zero-copy walk over the decrypted body (for the HASH computations,
    /// which cover payloads as sent).
    pub fn raw_plaintext<'p>(&self, plaintext: &'p [u8]) -> RawPayloads<'p> {
        RawPayloads::new(self.next_payload, plaintext)
    }

    /// Appends header and ciphertext, with the length computed.
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        let len = self.buffer_len();
        if len > MAX_MESSAGE_LEN {
            return Err(ApiMisuse::TooLong {
                what: "ISAKMP message",
                len,
                max: MAX_MESSAGE_LEN,
            }
            .into());
        }
        // len <= 65535
        let len32 = u32::try_from(len).unwrap_or(u32::MAX);
        self.header.emit(self.next_payload, len32, out);
        out.extend_from_slice(self.ciphertext);
        Ok(())
    }

    /// Bytes [`EncryptedMessage::emit`] writes.
    pub fn buffer_len(&self) -> usize {
        HEADER_LEN.saturating_add(self.ciphertext.len())
    }
}

/// What arrived: a message in the clear, or one whose body is encrypted.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Datagram<'a> {
    /// E flag clear: header and parsed payloads.
    Plain(Message),
    /// E flag set: header and ciphertext.
    Encrypted(EncryptedMessage<'a>),
}

impl<'a> Datagram<'a> {
    /// Parses a received datagram (after any NAT-T non-ESP marker was
    /// removed), dispatching on the E flag.
    pub fn parse(datagram: &'a [u8]) -> Result<Self, Error> {
        let packet = IsakmpPacket::new_checked(datagram)?;
        if packet.flags().contains(Flags::ENCRYPTION) {
            Ok(Self::Encrypted(EncryptedMessage {
                header: packet.header(),
                next_payload: packet.next_payload(),
                ciphertext: datagram.get(HEADER_LEN..).unwrap_or(&[]),
            }))
        } else {
            Ok(Self::Plain(Message {
                header: packet.header(),
                payloads: parse_payloads(packet.next_payload(), packet.body())?,
            }))
        }
    }

    /// The header fields.
    pub fn header(&self) -> &Header {
        match self {
            Self::Plain(m) => &m.header,
            Self::Encrypted(e) => &e.header,
        }
    }

    /// Appends the datagram exactly as it was parsed.
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        match self {
            Self::Plain(m) => m.emit(out),
            Self::Encrypted(e) => e.emit(out),
        }
    }
}

/// Removes the 4-byte non-ESP marker of an IKE datagram on UDP port 4500
/// (RFC 3948 section 2.2). Fails if the marker is absent (then the datagram
/// is ESP, not IKE).
pub fn strip_non_esp_marker(datagram: &[u8]) -> Result<&[u8], Error> {
    match datagram.split_first_chunk::<4>() {
        Some(([0, 0, 0, 0], rest)) => Ok(rest),
        Some((_, _)) => Err(InvalidMessage::InvalidValue {
            what: "non-ESP marker",
            got: 1,
        }
        .into()),
        None => Err(InvalidMessage::Truncated {
            what: "non-ESP marker",
            needed: 4,
            available: datagram.len(),
        }
        .into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{Cookie, ExchangeType, HashPayload, NotifyType};

    fn informational() -> Message {
        Message {
            header: Header {
                initiator_cookie: Cookie([1; 8]),
                responder_cookie: Cookie([2; 8]),
                exchange_type: ExchangeType::INFORMATIONAL,
                flags: Flags::empty(),
                message_id: 0x0102_0304,
            },
            payloads: vec![
                HashPayload::new(vec![0xaa; 20]).into(),
                NotifyPayload::dpd(NotifyType::R_U_THERE, Cookie([1; 8]), Cookie([2; 8]), 7).into(),
            ],
        }
    }

    #[test]
    fn message_round_trip() {
        let m = informational();
        let bytes = m.to_bytes().unwrap();
        assert_eq!(bytes.len(), m.buffer_len());
        assert_eq!(bytes[16], PayloadType::HASH.0);
        assert_eq!(Message::parse(&bytes).unwrap(), m);
        assert_eq!(m.notifies().count(), 1);
        assert_eq!(m.payloads_of(PayloadType::HASH).count(), 1);
        let mut buf = [0u8; 200];
        assert_eq!(m.emit_into(&mut buf).unwrap(), bytes.len());
        assert!(m.emit_into(&mut [0u8; 10]).is_err());
        match Datagram::parse(&bytes).unwrap() {
            Datagram::Plain(p) => assert_eq!(p, m),
            Datagram::Encrypted(_) => panic!("not encrypted"),
        }
    }

    #[test]
    fn encrypted_round_trip() {
        let mut m = informational();
        m.header.flags = Flags::ENCRYPTION;
        let mut plain = Vec::new();
        crate::wire::emit_payloads(&m.payloads, &mut plain).unwrap();
        plain.extend_from_slice(&[0, 0, 0, 3]); // cipher padding
        // "encrypt" with the identity
        let e = EncryptedMessage {
            header: m.header,
            next_payload: PayloadType::HASH,
            ciphertext: &plain,
        };
        let mut bytes = Vec::new();
        e.emit(&mut bytes).unwrap();
        let Datagram::Encrypted(got) = Datagram::parse(&bytes).unwrap() else {
            panic!("encrypted")
        };
        assert_eq!(got, e);
        assert_eq!(got.parse_plaintext(got.ciphertext).unwrap(), m);
        assert_eq!(got.raw_plaintext(got.ciphertext).count(), 2);
        let mut again = Vec::new();
        Datagram::Encrypted(got).emit(&mut again).unwrap();
        assert_eq!(again, bytes);
        // the strict parse refuses the padding
        assert!(Message::parse(&bytes).is_err());
    }

    #[test]
    fn non_esp_marker() {
        assert_eq!(strip_non_esp_marker(&[0, 0, 0, 0, 9]).unwrap(), &[9]);
        assert!(strip_non_esp_marker(&[0, 0, 1, 0, 9]).is_err());
        assert!(strip_non_esp_marker(&[0, 0]).is_err());
    }
}
