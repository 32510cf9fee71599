//! What can go wrong in the IKEv1 cryptography.

use thiserror::Error;

/// A failure of a cryptographic operation or of a value a peer sent for one.
///
/// Variants named after a peer's value ([`InvalidDhPublicLength`],
/// [`InvalidDhPublicValue`], [`NotBlockAligned`] on received ciphertext) mean
/// the peer sent something unusable (ISAKMP `INVALID_KEY_INFORMATION` /
/// `PAYLOAD_MALFORMED`); the others mean this side passed a wrong argument.
///
/// [`InvalidDhPublicLength`]: CryptoError::InvalidDhPublicLength
/// [`InvalidDhPublicValue`]: CryptoError::InvalidDhPublicValue
/// [`NotBlockAligned`]: CryptoError::NotBlockAligned
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
    /// An IV was not one cipher block long.
    #[error("invalid IV length: expected {expected}, got {got}")]
    InvalidIvLength {
        /// The block length of the cipher (bytes).
        expected: usize,
        /// The length that was given.
        got: usize,
    },
    /// Data to encrypt or decrypt was empty or not a whole number of blocks.
    #[error("{len} bytes is not a whole, non-zero number of {block}-byte blocks")]
    NotBlockAligned {
        /// The length of the data (bytes).
        len: usize,
        /// The block length of the cipher (bytes).
        block: usize,
    },
    /// A peer's Diffie-Hellman public value did not have the modulus length.
    #[error("invalid DH public value length: expected {expected}, got {got}")]
    InvalidDhPublicLength {
        /// The modulus length of the group (bytes).
        expected: usize,
        /// The length received.
        got: usize,
    },
    /// A peer's Diffie-Hellman public value was outside 1 < y < p-1.
    #[error("DH public value out of range (must be 1 < y < p-1)")]
    InvalidDhPublicValue,
    /// A private DH exponent given to the API was out of range.
    #[error("DH private value out of range")]
    InvalidPrivateValue,
}
