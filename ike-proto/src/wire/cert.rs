//! The Certificate payload (RFC 2408 section 3.9).
//!
//! ```text
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ! Next Payload  !   RESERVED    !         Payload Length        !
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ! Cert Encoding !                                               !
//! +-+-+-+-+-+-+-+-+                                               !
//! ~                       Certificate Data                        ~
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

use super::MAX_BODY_LEN;
use super::codec::{Reader, Writer, check_emit_len, check_parse_len, emit_atomic};
use super::enums::CertEncoding;
use crate::error::Error;

/// A CERT payload body.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CertPayload {
    /// How the certificate is encoded.
    pub encoding: CertEncoding,
    /// The certificate (at least one byte).
    pub data: Vec<u8>,
}

impl CertPayload {
    /// Parses the payload body (after the generic payload header).
    pub fn parse(body: &[u8]) -> Result<Self, Error> {
        let mut r = Reader::new(body, "CERT payload");
        let encoding = CertEncoding(r.u8()?);
        let data = r.rest();
        check_parse_len(data.len(), 1, MAX_BODY_LEN - 1, "CERT data")?;
        Ok(Self {
            encoding,
            data: data.to_vec(),
        })
    }

    /// Appends the payload body.
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        emit_atomic(out, |w| self.write(w))
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>) -> Result<(), Error> {
        check_emit_len(self.data.len(), 1, MAX_BODY_LEN - 1, "CERT data")?;
        w.u8(self.encoding.0);
        w.bytes(&self.data);
        Ok(())
    }

    /// Bytes [`CertPayload::emit`] writes (without the generic header).
    pub fn buffer_len(&self) -> usize {
        1usize.saturating_add(self.data.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn construct_parse_emit_truncated() {
        let body = [0x04, 0x30, 0x82, 0x01];
        let p = CertPayload::parse(&body).unwrap();
        assert_eq!(
            p,
            CertPayload {
                encoding: CertEncoding::X509_SIGNATURE,
                data: vec![0x30, 0x82, 0x01]
            }
        );
        let mut out = Vec::new();
        p.emit(&mut out).unwrap();
        assert_eq!(out, body);
        assert_eq!(p.buffer_len(), body.len());
        assert!(CertPayload::parse(&body[..1]).is_err());
        assert!(CertPayload::parse(&[]).is_err());
    }
}
