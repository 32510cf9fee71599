//! The Signature payload (RFC 2408 section 3.12).
//!
//! ```text
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ! Next Payload  !   RESERVED    !         Payload Length        !
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ~                             Data                              ~
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

opaque_payload! {
    /// The body of a SIG payload.
    pub struct SigPayload {
        /// The data: the signature.
        pub data,
    }
    what = "SIG payload",
    len = 1, super::MAX_BODY_LEN;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::NotifyType;

    #[test]
    fn construct_parse_emit() {
        let body: Vec<u8> = (0..SigPayload::MIN_LEN.max(16)).map(|i| i as u8).collect();
        let p = SigPayload::parse(&body).unwrap();
        assert_eq!(p, SigPayload::new(body.clone()));
        let mut out = Vec::new();
        p.emit(&mut out).unwrap();
        assert_eq!(out, body);
        assert_eq!(p.buffer_len(), body.len());
    }

    #[test]
    fn out_of_range_lengths() {
        let short = vec![0u8; SigPayload::MIN_LEN - 1];
        let e = SigPayload::parse(&short).unwrap_err();
        assert_eq!(e.notify(), Some(NotifyType::PAYLOAD_MALFORMED));
        let mut out = Vec::new();
        assert!(SigPayload::new(short).emit(&mut out).is_err());
        let long = vec![0u8; SigPayload::MAX_LEN + 1];
        assert!(SigPayload::parse(&long).is_err());
        assert!(SigPayload::new(long).emit(&mut out).is_err());
        assert!(out.is_empty());
    }
}
