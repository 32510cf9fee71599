//! The crate's one error type.

use thiserror::Error;

use crate::crypto::CryptoError;

/// Every way ike-proto can refuse input or fail.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum Error {
    /// A cryptographic operation failed.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}
