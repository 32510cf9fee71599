//! Secrets of the configuration: pre-shared keys, group keys and passwords.
//!
//! A [`Secret`] owns its bytes, wipes them when dropped, never shows them in
//! `Debug` or `Display`, and compares in constant time.

use core::fmt;

use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// A secret byte string (a pre-shared key, a group key, a password).
///
/// * The bytes are zeroized when the value is dropped.
/// * `Debug` and `Display` print `<redacted>`, never the bytes.
/// * `==` compares in constant time for equal lengths (through
///   [`subtle::ConstantTimeEq`]); the length itself is not hidden.
///
/// ```
/// use ike_policy::Secret;
/// let key = Secret::from("cisco123");
/// assert_eq!(format!("{key:?}"), "Secret(<redacted>)");
/// assert_eq!(key.to_string(), "<redacted>");
/// assert!(key.ct_eq_bytes(b"cisco123"));
/// assert_eq!(key.expose(), b"cisco123");
/// ```
#[derive(Clone, Default, Zeroize, ZeroizeOnDrop)]
pub struct Secret {
    bytes: Vec<u8>,
}

impl Secret {
    /// Wraps bytes as a secret; the vector is moved, not copied.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self { bytes }
    }

    /// The secret bytes. Use them, never log them.
    pub fn expose(&self) -> &[u8] {
        &self.bytes
    }

    /// The secret as text when it is valid UTF-8 (IOS keys and passwords
    /// always are when they come from a configuration file).
    pub fn expose_str(&self) -> Option<&str> {
        core::str::from_utf8(&self.bytes).ok()
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether the secret is empty.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Compares with candidate bytes in constant time (for equal lengths).
    pub fn ct_eq_bytes(&self, other: &[u8]) -> bool {
        self.bytes.as_slice().ct_eq(other).into()
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Self::new(s.as_bytes().to_vec())
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Self::new(s.into_bytes())
    }
}

impl From<&[u8]> for Secret {
    fn from(b: &[u8]) -> Self {
        Self::new(b.to_vec())
    }
}

impl ConstantTimeEq for Secret {
    fn ct_eq(&self, other: &Self) -> subtle::Choice {
        self.bytes.as_slice().ct_eq(other.bytes.as_slice())
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq(other).into()
    }
}

impl Eq for Secret {}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints() {
        let s = Secret::from("hunter2");
        assert!(!format!("{s:?}").contains("hunter2"));
        assert!(!format!("{s}").contains("hunter2"));
        assert!(!format!("{s:#?}").contains("hunter2"));
    }

    #[test]
    fn compares() {
        assert_eq!(Secret::from("a"), Secret::from("a"));
        assert_ne!(Secret::from("a"), Secret::from("b"));
        assert_ne!(Secret::from("a"), Secret::from("ab"));
        assert!(!Secret::from("a").ct_eq_bytes(b"ab"));
    }

    #[test]
    fn zeroizes() {
        let mut s = Secret::from("abc");
        s.zeroize();
        assert!(s.is_empty());
    }
}
