//! The Key Exchange payload (RFC 2408 section 3.7): the Diffie-Hellman public value.
//!
//! ```text
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ! Next Payload  !   RESERVED    !         Payload Length        !
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ~                             Data                              ~
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

opaque_payload! {
    /// The body of a KE payload.
    pub struct KePayload {
        /// The data: the Diffie-Hellman public value (g^x, left-padded to the modulus length).
        pub data,
    }
    what = "KE payload",
    len = 1, super::MAX_BODY_LEN;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::NotifyType;

    #[test]
    fn construct_parse_emit() {
        let body: Vec<u8> = (0..KePayload::MIN_LEN.max(16)).map(|i| i as u8).collect();
        let p = KePayload::parse(&body).unwrap();
        assert_eq!(p, KePayload::new(body.clone()));
        let mut out = Vec::new();
        p.emit(&mut out).unwrap();
        assert_eq!(out, body);
        assert_eq!(p.buffer_len(), body.len());
    }

    #[test]
    fn out_of_range_lengths() {
        let short = vec![0u8; KePayload::MIN_LEN - 1];
        let e = KePayload::parse(&short).unwrap_err();
        assert_eq!(e.notify(), Some(NotifyType::PAYLOAD_MALFORMED));
        let mut out = Vec::new();
        assert!(KePayload::new(short).emit(&mut out).is_err());
        let long = vec![0u8; KePayload::MAX_LEN + 1];
        assert!(KePayload::parse(&long).is_err());
        assert!(KePayload::new(long).emit(&mut out).is_err());
        assert!(out.is_empty());
    }
}
