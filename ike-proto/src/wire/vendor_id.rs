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
opaque_payload_tests!(VendorIdPayload);
