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
opaque_payload_tests!(NoncePayload);
