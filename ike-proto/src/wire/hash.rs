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
opaque_payload_tests!(HashPayload);
