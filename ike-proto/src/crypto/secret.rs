//! Secret byte strings, PRF outputs and the constant-time comparison of MACs.

use core::fmt;

use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Largest PRF / hash output this module produces (SHA2-512).
pub(crate) const MAX_OUTPUT: usize = 64;

/// A secret byte string (a key, SKEYID, a DH shared secret, KEYMAT, ...).
///
/// The bytes are wiped when the value is dropped, `Debug` shows only the
/// length, and equality is decided in constant time (for equal lengths; the
/// length itself is not treated as secret).
#[derive(Clone, Default, Zeroize, ZeroizeOnDrop)]
pub struct SecretBytes(Vec<u8>);

impl SecretBytes {
    /// Takes ownership of `bytes` (they are wiped when this value drops).
    #[must_use]
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// Copies `bytes` into a new secret.
    #[must_use]
    pub fn from_slice(bytes: &[u8]) -> Self {
        Self(bytes.to_vec())
    }

    /// The secret bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Length in bytes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the secret is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Appends bytes (reserving first so no unwiped copy is left behind by a
    /// reallocation when the final size is known).
    pub(crate) fn extend_from_slice(&mut self, bytes: &[u8]) {
        let needed = self.0.len() + bytes.len();
        if needed > self.0.capacity() {
            let mut grown = Vec::with_capacity(needed.max(2 * self.0.capacity()));
            grown.extend_from_slice(&self.0);
            self.0.zeroize();
            self.0 = grown;
        }
        self.0.extend_from_slice(bytes);
    }
}

impl From<Vec<u8>> for SecretBytes {
    fn from(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }
}

impl From<&[u8]> for SecretBytes {
    fn from(bytes: &[u8]) -> Self {
        Self::from_slice(bytes)
    }
}

impl From<PrfOutput> for SecretBytes {
    fn from(out: PrfOutput) -> Self {
        Self::from_slice(out.as_bytes())
    }
}

impl AsRef<[u8]> for SecretBytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl ConstantTimeEq for SecretBytes {
    fn ct_eq(&self, other: &Self) -> subtle::Choice {
        self.0.as_slice().ct_eq(other.0.as_slice())
    }
}

impl PartialEq for SecretBytes {
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq(other).into()
    }
}

impl Eq for SecretBytes {}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretBytes({} bytes, redacted)", self.0.len())
    }
}

/// The output of a PRF (HMAC) or a hash: up to 64 bytes, no allocation.
///
/// Used both for values that go on the wire (HASH_I, HASH(1), NAT-D, ...) and
/// for intermediate key material, so it is treated as secret: wiped on drop,
/// `Debug` shows only the length, equality is constant-time. Put it into a
/// payload with [`as_bytes`](Self::as_bytes); check a received value with
/// [`verify`](Self::verify) or [`verify_hash`].
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct PrfOutput {
    buf: [u8; MAX_OUTPUT],
    len: u8,
}

impl PrfOutput {
    /// Builds an output from at most 64 bytes (longer input is cut to 64).
    #[must_use]
    pub(crate) fn from_slice(bytes: &[u8]) -> Self {
        let mut buf = [0u8; MAX_OUTPUT];
        let len = bytes.len().min(MAX_OUTPUT);
        buf[..len].copy_from_slice(&bytes[..len]);
        Self {
            buf,
            // len <= 64 always fits.
            len: u8::try_from(len).unwrap_or(MAX_OUTPUT as u8),
        }
    }

    /// The output bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..usize::from(self.len)]
    }

    /// Length in bytes (the algorithm's output length).
    #[must_use]
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// Whether the output is empty (never, for outputs this crate computes).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// A copy of the bytes in a `Vec` (for a payload body).
    #[must_use]
    pub fn to_vec(&self) -> Vec<u8> {
        self.as_bytes().to_vec()
    }

    /// Compares with a value a peer sent, in constant time.
    #[must_use]
    pub fn verify(&self, received: &[u8]) -> bool {
        verify_hash(self.as_bytes(), received)
    }
}

impl AsRef<[u8]> for PrfOutput {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl ConstantTimeEq for PrfOutput {
    fn ct_eq(&self, other: &Self) -> subtle::Choice {
        self.as_bytes().ct_eq(other.as_bytes())
    }
}

impl PartialEq for PrfOutput {
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq(other).into()
    }
}

impl Eq for PrfOutput {}

impl fmt::Debug for PrfOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PrfOutput({} bytes, redacted)", self.len)
    }
}

/// Compares an expected MAC / hash with the one received, in constant time.
///
/// Returns `false` when the lengths differ (the length is public) and
/// otherwise compares every byte without an early exit (`subtle`).
#[must_use]
pub fn verify_hash(expected: &[u8], got: &[u8]) -> bool {
    if expected.len() != got.len() {
        return false;
    }
    expected.ct_eq(got).into()
}
