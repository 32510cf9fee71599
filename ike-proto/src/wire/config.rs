//! The Attribute payload of Mode Config and Xauth
//! (draft-dukes-ike-mode-cfg-02 section 3.2, draft-ietf-ipsec-isakmp-xauth-06).
//!
//! ```text
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ! Next Payload  !   RESERVED    !         Payload Length        !
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! !     Type      !   RESERVED    !           Identifier          !
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ~                           Attributes                          ~
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! Attribute types are [`super::ConfigAttributeType`] (Mode Config, Xauth,
//! Cisco Unity); a request usually sends empty TLVs.

use super::attribute::{self, DataAttribute};
use super::codec::{Reader, Writer, emit_atomic};
use super::enums::ConfigMessageType;
use crate::error::Error;

/// An ATTRIBUTE payload body.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AttributePayload {
    /// REQUEST, REPLY, SET or ACK.
    pub message_type: ConfigMessageType,
    /// Matches a REPLY to its REQUEST and an ACK to its SET.
    pub identifier: u16,
    /// The attributes, at most [`super::MAX_ATTRIBUTES`].
    pub attributes: Vec<DataAttribute>,
}

/// Wipes every attribute value (for a REPLY carrying an Xauth password:
/// hold it in a `Zeroizing<AttributePayload>`).
impl zeroize::Zeroize for AttributePayload {
    fn zeroize(&mut self) {
        for a in &mut self.attributes {
            a.zeroize();
        }
    }
}

impl AttributePayload {
    /// The first attribute of the given type.
    pub fn attribute(&self, kind: impl Into<u16>) -> Option<&DataAttribute> {
        let kind = kind.into();
        self.attributes.iter().find(|a| a.kind == kind)
    }

    /// Parses the payload body (after the generic payload header): exactly
    /// a list of attributes, so that [`AttributePayload::emit`] gives the
    /// same bytes back. [`AttributePayload::parse_padded`] also takes zero
    /// padding after the list.
    pub fn parse(body: &[u8]) -> Result<Self, Error> {
        match Self::parse_padded(body)? {
            (p, 0) => Ok(p),
            (_, padding) => Err(crate::error::InvalidMessage::UnequalLengths {
                what: "ATTRIBUTE payload (zero bytes after the last attribute)",
                declared: body.len().saturating_sub(padding),
                available: body.len(),
            }
            .into()),
        }
    }

    /// Parses the payload body and says how many zero bytes followed the
    /// last attribute. Libreswan pads its ATTRIBUTE payloads with zeros to
    /// a 4-byte boundary; since attribute type 0 is RESERVED, a run of zeros
    /// that ends the payload cannot be an attribute and is padding (at most
    /// [`super::MAX_PADDING`] bytes of it).
    pub fn parse_padded(body: &[u8]) -> Result<(Self, usize), Error> {
        let mut r = Reader::new(body, "ATTRIBUTE payload");
        let message_type = ConfigMessageType(r.u8()?);
        r.reserved(1)?;
        let identifier = r.u16()?;
        let mut list = Reader::new(r.rest(), "ATTRIBUTE payload attributes");
        let mut attributes = Vec::new();
        let mut padding = 0;
        while !list.is_empty() {
            let mut probe = list.clone();
            let tail = probe.rest();
            if tail.iter().all(|b| *b == 0) {
                if tail.len() > super::MAX_PADDING {
                    return Err(crate::error::InvalidMessage::UnequalLengths {
                        what: "ATTRIBUTE payload (zero padding)",
                        declared: super::MAX_PADDING,
                        available: tail.len(),
                    }
                    .into());
                }
                padding = tail.len();
                break;
            }
            if attributes.len() >= super::MAX_ATTRIBUTES {
                return Err(crate::error::InvalidMessage::TooMany {
                    what: list.what(),
                    max: super::MAX_ATTRIBUTES,
                }
                .into());
            }
            attributes.push(DataAttribute::read(&mut list)?);
        }
        Ok((
            Self {
                message_type,
                identifier,
                attributes,
            },
            padding,
        ))
    }

    /// Appends the payload body.
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        emit_atomic(out, |w| self.write(w))
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>) -> Result<(), Error> {
        w.u8(self.message_type.0);
        w.u8(0);
        w.u16(self.identifier);
        attribute::write_list(&self.attributes, w)
    }

    /// Bytes [`AttributePayload::emit`] writes (without the generic
    /// header).
    pub fn buffer_len(&self) -> usize {
        4usize.saturating_add(attribute::attributes_len(&self.attributes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{ConfigAttributeType, XauthType};

    // The hub's Xauth request of the seed: XAUTH_TYPE generic, user name
    // and password asked for with empty TLVs.
    const BODY: [u8; 16] = [
        0x01, 0x00, 0x12, 0x34, // REQUEST, id 0x1234
        0xc0, 0x88, 0x00, 0x00, // XAUTH_TYPE (TV) = generic
        0x40, 0x89, 0x00, 0x00, // XAUTH_USER_NAME, empty
        0x40, 0x8a, 0x00, 0x00, // XAUTH_USER_PASSWORD, empty
    ];

    fn payload() -> AttributePayload {
        AttributePayload {
            message_type: ConfigMessageType::REQUEST,
            identifier: 0x1234,
            attributes: vec![
                DataAttribute::basic(ConfigAttributeType::XAUTH_TYPE, XauthType::GENERIC),
                DataAttribute::variable(ConfigAttributeType::XAUTH_USER_NAME, vec![]),
                DataAttribute::variable(ConfigAttributeType::XAUTH_USER_PASSWORD, vec![]),
            ],
        }
    }

    #[test]
    fn construct_parse_emit() {
        let p = AttributePayload::parse(&BODY).unwrap();
        assert_eq!(p, payload());
        assert!(p.attribute(ConfigAttributeType::XAUTH_USER_NAME).is_some());
        assert_eq!(
            p.attributes[0].config_type(),
            ConfigAttributeType::XAUTH_TYPE
        );
        let mut out = Vec::new();
        p.emit(&mut out).unwrap();
        assert_eq!(out, BODY);
        assert_eq!(p.buffer_len(), BODY.len());
    }

    /// Libreswan pads the payload with zeros to 4 bytes: after an empty
    /// TLV, after a value; a zero run is never a (RESERVED) attribute.
    #[test]
    fn zero_padding_after_the_last_attribute_is_accepted_and_measured() {
        let mut padded = BODY.to_vec();
        padded.extend_from_slice(&[0, 0]);
        let (p, pad) = AttributePayload::parse_padded(&padded).unwrap();
        assert_eq!((p, pad), (payload(), 2));
        // The strict parse, whose emit is its exact inverse, refuses it.
        assert!(AttributePayload::parse(&padded).is_err());
        // A REPLY whose user name ends the list, then 3 bytes of padding.
        let reply = [
            0x02, 0x00, 0x12, 0x34, 0x40, 0x89, 0x00, 0x01, b'g', 0x00, 0x00, 0x00,
        ];
        let (p, pad) = AttributePayload::parse_padded(&reply).unwrap();
        assert_eq!(pad, 3);
        assert_eq!(p.attributes.len(), 1);
        // Non-zero bytes after the list are still an error, and so is more
        // padding than any cipher block needs.
        let mut bad = BODY.to_vec();
        bad.extend_from_slice(&[0, 1]);
        assert!(AttributePayload::parse_padded(&bad).is_err());
        let mut long = BODY.to_vec();
        long.resize(BODY.len() + crate::wire::MAX_PADDING + 4, 0);
        assert!(AttributePayload::parse_padded(&long).is_err());
    }

    #[test]
    fn truncated_and_reserved() {
        for n in 0..BODY.len() {
            if n % 4 == 0 && n >= 4 {
                continue; // ends between attributes: well formed
            }
            assert!(AttributePayload::parse(&BODY[..n]).is_err(), "{n}");
        }
        let mut b = BODY;
        b[1] = 1;
        assert!(AttributePayload::parse(&b).is_err());
    }
}
