//! The Vendor ID payload (RFC 2408 section 3.16).
//!
//! ```text
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ! Next Payload  !   RESERVED    !         Payload Length        !
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ~                             Data                              ~
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

opaque_payload! {
    /// The body of a VID payload.
    pub struct VendorIdPayload {
        /// The data: the vendor ID (an MD5 hash, a prefix plus version bytes, or a plain string); recognising it is the crypto module's vendor table.
        pub data,
    }
    what = "VID payload",
    len = 1, super::MAX_BODY_LEN;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::NotifyType;

    #[test]
    fn construct_parse_emit() {
        let body: Vec<u8> = (0..VendorIdPayload::MIN_LEN.max(16))
            .map(|i| i as u8)
            .collect();
        let p = VendorIdPayload::parse(&body).unwrap();
        assert_eq!(p, VendorIdPayload::new(body.clone()));
        let mut out = Vec::new();
        p.emit(&mut out).unwrap();
        assert_eq!(out, body);
        assert_eq!(p.buffer_len(), body.len());
    }

    #[test]
    fn out_of_range_lengths() {
        let short = vec![0u8; VendorIdPayload::MIN_LEN - 1];
        let e = VendorIdPayload::parse(&short).unwrap_err();
        assert_eq!(e.notify(), Some(NotifyType::PAYLOAD_MALFORMED));
        let mut out = Vec::new();
        assert!(VendorIdPayload::new(short).emit(&mut out).is_err());
        let long = vec![0u8; VendorIdPayload::MAX_LEN + 1];
        assert!(VendorIdPayload::parse(&long).is_err());
        assert!(VendorIdPayload::new(long).emit(&mut out).is_err());
        assert!(out.is_empty());
    }
}
