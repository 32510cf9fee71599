//! The Hash payload (RFC 2408 section 3.11).
//!
//! ```text
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ! Next Payload  !   RESERVED    !         Payload Length        !
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ~                             Data                              ~
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

opaque_payload! {
    /// The body of a HASH payload.
    pub struct HashPayload {
        /// The data: the hash (HASH_I, HASH_R, HASH(1..3), ...).
        pub data,
    }
    what = "HASH payload",
    len = 1, super::MAX_BODY_LEN;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::NotifyType;

    #[test]
    fn construct_parse_emit() {
        let body: Vec<u8> = (0..HashPayload::MIN_LEN.max(16)).map(|i| i as u8).collect();
        let p = HashPayload::parse(&body).unwrap();
        assert_eq!(p, HashPayload::new(body.clone()));
        let mut out = Vec::new();
        p.emit(&mut out).unwrap();
        assert_eq!(out, body);
        assert_eq!(p.buffer_len(), body.len());
    }

    #[test]
    fn out_of_range_lengths() {
        let short = vec![0u8; HashPayload::MIN_LEN - 1];
        let e = HashPayload::parse(&short).unwrap_err();
        assert_eq!(e.notify(), Some(NotifyType::PAYLOAD_MALFORMED));
        let mut out = Vec::new();
        assert!(HashPayload::new(short).emit(&mut out).is_err());
        let long = vec![0u8; HashPayload::MAX_LEN + 1];
        assert!(HashPayload::parse(&long).is_err());
        assert!(HashPayload::new(long).emit(&mut out).is_err());
        assert!(out.is_empty());
    }
}
