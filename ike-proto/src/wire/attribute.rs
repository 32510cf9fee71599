//! Data attributes (RFC 2408 section 3.3), used by transforms and by the
//! Attribute payload.
//!
//! ```text
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! !A!       Attribute Type        !    AF=0  Attribute Length     !
//! !F!                             !    AF=1  Attribute Value      !
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! .                   AF=0  Attribute Value                       .
//! .                   AF=1  Not Transmitted                       .
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! The form (TV when AF=1, TLV when AF=0) is kept as it came: a TLV whose
//! value would fit in two bytes stays a TLV, so emit reproduces the input.

use super::MAX_ATTRIBUTES;
use super::codec::{Reader, Writer, emit_atomic, len_u16};
use super::enums::{ConfigAttributeType, IpsecAttribute, OakleyAttribute};
use crate::error::{ApiMisuse, Error, InvalidMessage};

/// The AF bit: set for the TV (basic) form.
const AF_TV: u16 = 0x8000;

/// An attribute's value in the form it has on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AttributeValue {
    /// TV form (AF=1): a 16-bit value in the header.
    Basic(u16),
    /// TLV form (AF=0): a length-prefixed value (0 to 65535 bytes).
    Variable(Vec<u8>),
}

/// Wipes a TLV value (an Xauth password travels in one).
impl zeroize::Zeroize for AttributeValue {
    fn zeroize(&mut self) {
        if let Self::Variable(v) = self {
            v.zeroize();
        }
    }
}

/// Wipes the value.
impl zeroize::Zeroize for DataAttribute {
    fn zeroize(&mut self) {
        self.value.zeroize();
    }
}

/// One data attribute.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DataAttribute {
    /// The attribute type without the AF bit (0..=0x7fff); its meaning
    /// depends on where the attribute sits: [`OakleyAttribute`] in a phase 1
    /// transform, [`IpsecAttribute`] in a phase 2 transform,
    /// [`ConfigAttributeType`] in an Attribute payload.
    pub kind: u16,
    /// The value and its form.
    pub value: AttributeValue,
}

impl DataAttribute {
    /// A TV attribute.
    pub fn basic(kind: impl Into<u16>, value: impl Into<u16>) -> Self {
        Self {
            kind: kind.into(),
            value: AttributeValue::Basic(value.into()),
        }
    }

    /// A TLV attribute with the given bytes.
    pub fn variable(kind: impl Into<u16>, value: impl Into<Vec<u8>>) -> Self {
        Self {
            kind: kind.into(),
            value: AttributeValue::Variable(value.into()),
        }
    }

    /// A TV attribute when `value` fits in 16 bits, otherwise a 4-byte TLV
    /// (how IOS sends a life duration of 86400: `00 01 51 80`).
    pub fn integer(kind: impl Into<u16>, value: u32) -> Self {
        match u16::try_from(value) {
            Ok(v) => Self::basic(kind, v),
            Err(_) => Self::variable(kind, value.to_be_bytes().to_vec()),
        }
    }

    /// The value as an integer: a TV value, or a TLV value of at most 8
    /// bytes read big-endian (a "variable precision integer").
    pub fn as_u64(&self) -> Option<u64> {
        match &self.value {
            AttributeValue::Basic(v) => Some(u64::from(*v)),
            AttributeValue::Variable(bytes) if bytes.len() <= 8 => {
                Some(bytes.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
            }
            AttributeValue::Variable(_) => None,
        }
    }

    /// The value as a `u32`, if it is an integer that fits.
    pub fn as_u32(&self) -> Option<u32> {
        self.as_u64().and_then(|v| u32::try_from(v).ok())
    }

    /// The TLV value bytes, or `None` for a TV attribute.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match &self.value {
            AttributeValue::Basic(_) => None,
            AttributeValue::Variable(v) => Some(v),
        }
    }

    /// Whether this is a TV (AF=1) attribute.
    pub fn is_basic(&self) -> bool {
        matches!(self.value, AttributeValue::Basic(_))
    }

    /// The type read as a phase 1 (Oakley) attribute class.
    pub fn oakley_type(&self) -> OakleyAttribute {
        OakleyAttribute(self.kind)
    }

    /// The type read as an IPsec DOI attribute class.
    pub fn ipsec_type(&self) -> IpsecAttribute {
        IpsecAttribute(self.kind)
    }

    /// The type read as a Mode Config / Xauth / Unity attribute type.
    pub fn config_type(&self) -> ConfigAttributeType {
        ConfigAttributeType(self.kind)
    }

    /// Reads one attribute.
    pub fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        let af_type = r.u16()?;
        let kind = af_type & !AF_TV;
        let value = if af_type & AF_TV != 0 {
            AttributeValue::Basic(r.u16()?)
        } else {
            let len = r.u16()?;
            AttributeValue::Variable(r.take(usize::from(len))?.to_vec())
        };
        Ok(Self { kind, value })
    }

    /// Parses exactly one attribute from `bytes`.
    pub fn parse(bytes: &[u8]) -> Result<Self, Error> {
        let mut r = Reader::new(bytes, "data attribute");
        let a = Self::read(&mut r)?;
        r.finish()?;
        Ok(a)
    }

    /// Appends the attribute.
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        emit_atomic(out, |w| self.write(w))
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>) -> Result<(), Error> {
        if self.kind & AF_TV != 0 {
            return Err(ApiMisuse::InvalidValue {
                what: "attribute type (AF bit)",
                got: u32::from(self.kind),
            }
            .into());
        }
        match &self.value {
            AttributeValue::Basic(v) => {
                w.u16(self.kind | AF_TV);
                w.u16(*v);
            }
            AttributeValue::Variable(bytes) => {
                let len = len_u16(bytes.len(), "attribute value")?;
                w.u16(self.kind);
                w.u16(len);
                w.bytes(bytes);
            }
        }
        Ok(())
    }

    /// Bytes [`DataAttribute::emit`] writes.
    pub fn buffer_len(&self) -> usize {
        match &self.value {
            AttributeValue::Basic(_) => 4,
            AttributeValue::Variable(v) => 4usize.saturating_add(v.len()),
        }
    }
}

/// Reads attributes until the reader is empty, at most [`MAX_ATTRIBUTES`].
pub(crate) fn read_list(r: &mut Reader<'_>) -> Result<Vec<DataAttribute>, InvalidMessage> {
    let mut out = Vec::new();
    while !r.is_empty() {
        if out.len() >= MAX_ATTRIBUTES {
            return Err(InvalidMessage::TooMany {
                what: r.what(),
                max: MAX_ATTRIBUTES,
            });
        }
        out.push(DataAttribute::read(r)?);
    }
    Ok(out)
}

/// Parses a list of attributes that fills `bytes` exactly.
pub fn parse_attributes(bytes: &[u8]) -> Result<Vec<DataAttribute>, Error> {
    Ok(read_list(&mut Reader::new(bytes, "data attributes"))?)
}

/// Appends a list of attributes.
pub fn emit_attributes(attrs: &[DataAttribute], out: &mut Vec<u8>) -> Result<(), Error> {
    emit_atomic(out, |w| write_list(attrs, w))
}

pub(crate) fn write_list(attrs: &[DataAttribute], w: &mut Writer<'_>) -> Result<(), Error> {
    if attrs.len() > MAX_ATTRIBUTES {
        return Err(ApiMisuse::TooMany {
            what: "data attributes",
            count: attrs.len(),
            max: MAX_ATTRIBUTES,
        }
        .into());
    }
    attrs.iter().try_for_each(|a| a.write(w))
}

/// Bytes a list of attributes takes.
pub fn attributes_len(attrs: &[DataAttribute]) -> usize {
    attrs
        .iter()
        .fold(0usize, |acc, a| acc.saturating_add(a.buffer_len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{LifeType, NotifyType};

    #[test]
    fn tv_and_tlv() {
        // life type seconds (TV), life duration 86400 (TLV, 4 bytes)
        let bytes = [
            0x80, 0x0b, 0x00, 0x01, 0x00, 0x0c, 0x00, 0x04, 0x00, 0x01, 0x51, 0x80,
        ];
        let attrs = parse_attributes(&bytes).unwrap();
        assert_eq!(
            attrs,
            [
                DataAttribute::basic(OakleyAttribute::LIFE_TYPE, LifeType::SECONDS),
                DataAttribute::integer(OakleyAttribute::LIFE_DURATION, 86400),
            ]
        );
        assert_eq!(attrs[1].as_u32(), Some(86400));
        assert_eq!(attrs[1].oakley_type(), OakleyAttribute::LIFE_DURATION);
        let mut out = Vec::new();
        emit_attributes(&attrs, &mut out).unwrap();
        assert_eq!(out, bytes);
        assert_eq!(attributes_len(&attrs), bytes.len());
    }

    #[test]
    fn short_tlv_is_not_normalised() {
        // a TLV carrying 3600 in two bytes stays a TLV
        let bytes = [0x00, 0x02, 0x00, 0x02, 0x0e, 0x10];
        let a = DataAttribute::parse(&bytes).unwrap();
        assert_eq!(a, DataAttribute::variable(2u16, vec![0x0e, 0x10]));
        assert_eq!(a.as_u32(), Some(3600));
        assert!(!a.is_basic());
        let mut out = Vec::new();
        a.emit(&mut out).unwrap();
        assert_eq!(out, bytes);
        // an empty TLV (a Mode Config request) too
        let empty = [0x00, 0x01, 0x00, 0x00];
        let a = DataAttribute::parse(&empty).unwrap();
        assert_eq!(a.as_bytes(), Some(&[][..]));
        assert_eq!(a.as_u64(), Some(0));
    }

    #[test]
    fn truncated() {
        let bytes = [0x00, 0x0c, 0x00, 0x04, 0x00, 0x01, 0x51, 0x80];
        for n in 1..bytes.len() {
            let e = parse_attributes(&bytes[..n]).unwrap_err();
            assert_eq!(e.notify(), Some(NotifyType::PAYLOAD_MALFORMED));
        }
    }

    #[test]
    fn emit_refuses_what_parse_would_not_give() {
        let mut out = Vec::new();
        assert!(
            DataAttribute::basic(0x8001u16, 1u16)
                .emit(&mut out)
                .is_err()
        );
        assert!(
            DataAttribute::variable(1u16, vec![0; 70_000])
                .emit(&mut out)
                .is_err()
        );
        let many = vec![DataAttribute::basic(1u16, 1u16); MAX_ATTRIBUTES + 1];
        assert!(emit_attributes(&many, &mut out).is_err());
    }

    #[test]
    fn too_many_attributes() {
        let bytes: Vec<u8> = core::iter::repeat_n([0x80, 0x01, 0x00, 0x01], MAX_ATTRIBUTES + 1)
            .flatten()
            .collect();
        assert!(matches!(
            parse_attributes(&bytes),
            Err(Error::InvalidMessage(InvalidMessage::TooMany { .. }))
        ));
        assert!(parse_attributes(&bytes[4..]).is_ok());
    }
}
