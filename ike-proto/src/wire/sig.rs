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
opaque_payload_tests!(SigPayload);
