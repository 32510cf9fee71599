//! Cisco IOS "type 7" password encoding (`service password-encryption`).
//!
//! Type 7 is a reversible obfuscation, not encryption: two decimal digits
//! give a salt `s`, then each plaintext byte `i` is written as two hex digits
//! of `byte XOR XLAT[(s + i) mod 53]`. IOS writes salts 0 to 15 and
//! uppercase hex; decoding accepts any salt below 53 and either case.
//!
//! ```
//! use ike_policy::type7;
//! // The seed's `username gfullage password 7 0201024E070A0E2649`.
//! let plain = type7::decode("0201024E070A0E2649").unwrap();
//! assert_eq!(plain.expose(), b"gfullage");
//! assert_eq!(type7::encode(b"gfullage", 2).unwrap(), "0201024E070A0E2649");
//! ```

use crate::secret::Secret;

/// The 53-byte translation table of type 7.
const XLAT: &[u8; 53] = b"dsfd;kfoA,.iyewrkldJKDHSUBsgvca69834ncxv9873254k;fg87";

/// Decodes a type 7 string into the plaintext password; `None` when it is
/// not one (odd length, a salt that is not two decimal digits below 53, a
/// character that is not a hex digit).
pub fn decode(encoded: &str) -> Option<Secret> {
    let b = encoded.as_bytes();
    if b.len() < 2 || b.len() % 2 != 0 {
        return None;
    }
    let (salt_digits, hex) = b.split_at(2);
    if !salt_digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let salt = usize::from(salt_digits[0] - b'0') * 10 + usize::from(salt_digits[1] - b'0');
    if salt >= XLAT.len() {
        return None;
    }
    let mut out = Vec::with_capacity(hex.len() / 2);
    for (i, pair) in hex.chunks_exact(2).enumerate() {
        let byte = (hex_val(pair[0])? << 4) | hex_val(pair[1])?;
        out.push(byte ^ XLAT[(salt + i) % XLAT.len()]);
    }
    Some(Secret::new(out))
}

/// Encodes a password with the given salt (IOS uses 0 to 15; any salt
/// below 53 is accepted here). Returns `None` for a salt of 53 or more.
pub fn encode(plain: &[u8], salt: u8) -> Option<String> {
    let salt = usize::from(salt);
    if salt >= XLAT.len() {
        return None;
    }
    let mut s = format!("{salt:02}");
    for (i, byte) in plain.iter().enumerate() {
        s.push_str(&format!("{:02X}", byte ^ XLAT[(salt + i) % XLAT.len()]));
    }
    Some(s)
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_bad_input() {
        for bad in ["", "0", "021", "x2AA", "53AA", "02ZZ", "02A "] {
            assert!(decode(bad).is_none(), "{bad:?}");
        }
        assert_eq!(encode(b"x", 53), None);
    }

    #[test]
    fn lowercase_hex_and_wraparound() {
        assert_eq!(decode("121a0c041104").unwrap().expose(), b"cisco");
        let long = [b'a'; 80];
        for salt in 0..53 {
            let e = encode(&long, salt).unwrap();
            assert_eq!(decode(&e).unwrap().expose(), &long[..]);
        }
    }

    #[test]
    fn empty_password() {
        assert_eq!(decode("05").unwrap().expose(), b"");
    }
}
