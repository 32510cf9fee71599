//! What can go wrong in the IKEv1 cryptography.

use thiserror::Error;

/// A failure of a cryptographic operation or of a value a peer sent for one.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// A key had a length the algorithm does not take.
    #[error("invalid key length: expected {expected}, got {got}")]
    InvalidKeyLength {
        /// The length the algorithm needs (bytes).
        expected: usize,
        /// The length that was given.
        got: usize,
    },
}
