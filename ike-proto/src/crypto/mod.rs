//! IKEv1 cryptography: PRFs, phase-1 ciphers, key derivation, Diffie-Hellman, vendor IDs.

mod error;

pub use error::CryptoError;
