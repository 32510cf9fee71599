//! The NAT Discovery payload (RFC 3947 section 3.2), under its RFC number
//! (20) or its draft number (130).
//!
//! ```text
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ! Next Payload  !   RESERVED    !        Payload length         !
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ~                 HASH of the address and port                  ~
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! Computing the hash is the crypto module's job.

use super::MAX_BODY_LEN;
use super::codec::{Writer, check_emit_len, check_parse_len, emit_atomic};
use super::enums::PayloadType;
use crate::error::Error;

/// Which payload numbers a NAT-T payload is sent under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum NatTNumbering {
    /// RFC 3947: NAT-D 20, NAT-OA 21.
    #[default]
    Rfc3947,
    /// draft-ietf-ipsec-nat-t-ike-02/03: NAT-D 130, NAT-OA 131.
    Draft,
}

/// A NAT-D payload body.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NatDPayload {
    /// The payload number it is sent under.
    pub numbering: NatTNumbering,
    /// HASH(CKY-I | CKY-R | IP | Port), at least one byte.
    pub hash: Vec<u8>,
}

impl NatDPayload {
    /// The payload type it is sent under.
    pub fn payload_type(&self) -> PayloadType {
        match self.numbering {
            NatTNumbering::Rfc3947 => PayloadType::NAT_D,
            NatTNumbering::Draft => PayloadType::NAT_D_DRAFT,
        }
    }

    /// Parses the payload body (after the generic payload header).
    pub fn parse(numbering: NatTNumbering, body: &[u8]) -> Result<Self, Error> {
        check_parse_len(body.len(), 1, MAX_BODY_LEN, "NAT-D payload")?;
        Ok(Self {
            numbering,
            hash: body.to_vec(),
        })
    }

    /// Appends the payload body.
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        emit_atomic(out, |w| self.write(w))
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>) -> Result<(), Error> {
        check_emit_len(self.hash.len(), 1, MAX_BODY_LEN, "NAT-D payload")?;
        w.bytes(&self.hash);
        Ok(())
    }

    /// Bytes [`NatDPayload::emit`] writes (without the generic header).
    pub fn buffer_len(&self) -> usize {
        self.hash.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn construct_parse_emit_truncated() {
        let body = [0xab; 20];
        let p = NatDPayload::parse(NatTNumbering::Draft, &body).unwrap();
        assert_eq!(p.payload_type(), PayloadType::NAT_D_DRAFT);
        let mut out = Vec::new();
        p.emit(&mut out).unwrap();
        assert_eq!(out, body);
        assert_eq!(p.buffer_len(), 20);
        assert!(NatDPayload::parse(NatTNumbering::Rfc3947, &[]).is_err());
    }
}
