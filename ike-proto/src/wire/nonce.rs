//! The Nonce payload (RFC 2408 section 3.13); RFC 2409 section 5 bounds the nonce to 8..=256 bytes, and parse enforces it.
//!
//! ```text
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ! Next Payload  !   RESERVED    !         Payload Length        !
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ~                             Data                              ~
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

opaque_payload! {
    /// The body of a NONCE payload.
    pub struct NoncePayload {
        /// The data: the nonce; RFC 2409 section 5 requires 8 to 256 bytes.
        pub data,
    }
    what = "NONCE payload",
    len = 8, 256;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::NotifyType;

    #[test]
    fn construct_parse_emit() {
        let body: Vec<u8> = (0..NoncePayload::MIN_LEN.max(16))
            .map(|i| i as u8)
            .collect();
        let p = NoncePayload::parse(&body).unwrap();
        assert_eq!(p, NoncePayload::new(body.clone()));
        let mut out = Vec::new();
        p.emit(&mut out).unwrap();
        assert_eq!(out, body);
        assert_eq!(p.buffer_len(), body.len());
    }

    #[test]
    fn out_of_range_lengths() {
        let short = vec![0u8; NoncePayload::MIN_LEN - 1];
        let e = NoncePayload::parse(&short).unwrap_err();
        assert_eq!(e.notify(), Some(NotifyType::PAYLOAD_MALFORMED));
        let mut out = Vec::new();
        assert!(NoncePayload::new(short).emit(&mut out).is_err());
        let long = vec![0u8; NoncePayload::MAX_LEN + 1];
        assert!(NoncePayload::parse(&long).is_err());
        assert!(NoncePayload::new(long).emit(&mut out).is_err());
        assert!(out.is_empty());
    }
}
