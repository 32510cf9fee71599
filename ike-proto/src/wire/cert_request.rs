//! The Certificate Request payload (RFC 2408 section 3.10).
//!
//! ```text
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ! Next Payload  !   RESERVED    !         Payload Length        !
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! !  Cert. Type   !                                               !
//! +-+-+-+-+-+-+-+-+                                               !
//! ~                    Certificate Authority                      ~
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! An empty authority asks for a certificate from any CA.

use super::MAX_BODY_LEN;
use super::codec::{Reader, Writer, check_emit_len, emit_atomic};
use super::enums::CertEncoding;
use crate::error::Error;

/// A CR payload body.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CertRequestPayload {
    /// The certificate type asked for.
    pub encoding: CertEncoding,
    /// The acceptable authority (a DER DN for X.509), possibly empty.
    pub authority: Vec<u8>,
}

impl CertRequestPayload {
    /// Parses the payload body (after the generic payload header).
    pub fn parse(body: &[u8]) -> Result<Self, Error> {
        let mut r = Reader::new(body, "CR payload");
        let encoding = CertEncoding(r.u8()?);
        Ok(Self {
            encoding,
            authority: r.rest().to_vec(),
        })
    }

    /// Appends the payload body.
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        emit_atomic(out, |w| self.write(w))
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>) -> Result<(), Error> {
        check_emit_len(self.authority.len(), 0, MAX_BODY_LEN - 1, "CR authority")?;
        w.u8(self.encoding.0);
        w.bytes(&self.authority);
        Ok(())
    }

    /// Bytes [`CertRequestPayload::emit`] writes (without the generic
    /// header).
    pub fn buffer_len(&self) -> usize {
        1usize.saturating_add(self.authority.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn construct_parse_emit_truncated() {
        let body = [0x04];
        let p = CertRequestPayload::parse(&body).unwrap();
        assert_eq!(
            p,
            CertRequestPayload {
                encoding: CertEncoding::X509_SIGNATURE,
                authority: vec![]
            }
        );
        let mut out = Vec::new();
        p.emit(&mut out).unwrap();
        assert_eq!(out, body);
        assert_eq!(p.buffer_len(), 1);
        assert!(CertRequestPayload::parse(&[]).is_err());
    }
}
