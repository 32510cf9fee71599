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
opaque_payload_tests!(KePayload);
