//! Cipher suites: the algorithms, their parameters, and keyed per-SA state.
//!
//! Keys are expanded once per SA ([`EncryptionKey::new`], [`IntegrityKey::new`]):
//! AES and 3DES key schedules, the GCM hash key, and the HMAC inner and outer
//! pads are computed there, so each packet pays for the primitive only (a
//! keyed HMAC state is cloned per packet). All of that state is wiped when it
//! drops (the RustCrypto crates' `zeroize` features), and `Debug` never shows it.

use core::fmt;

use crate::EspError;

/// Longest ICV of any suite (HMAC-SHA-256-128 and the GCM tag).
pub const MAX_ICV_LEN: usize = 16;
/// Longest IV of any suite (AES-CBC).
pub const MAX_IV_LEN: usize = 16;
/// Length of the RFC 4106 salt at the end of GCM keying material.
pub const GCM_SALT_LEN: usize = 4;

/// Which implementation of the primitives an SA's keys use.
///
/// Both give the same bytes (the same vectors test both). The RustCrypto
/// crates are the default and pure Rust; the `aws-lc` cargo feature adds
/// `Backend::AwsLc` (AWS-LC's assembly AES-GCM, AES-CBC, 3DES and HMAC
/// through aws-lc-rs) and makes it the default. HMAC-MD5-96 and NULL always
/// use the RustCrypto code (aws-lc-rs has no HMAC-MD5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Backend {
    /// The RustCrypto crates (`aes`, `aes-gcm`, `cbc`, `des`, `hmac`, `sha1`, `sha2`, `md-5`).
    RustCrypto,
    /// aws-lc-rs (the `aws-lc` feature).
    #[cfg(feature = "aws-lc")]
    AwsLc,
}

impl Backend {
    /// The backend SAs use unless told otherwise: aws-lc-rs when the
    /// `aws-lc` feature is on, else RustCrypto.
    pub const DEFAULT: Self = {
        #[cfg(feature = "aws-lc")]
        {
            Self::AwsLc
        }
        #[cfg(not(feature = "aws-lc"))]
        {
            Self::RustCrypto
        }
    };

    /// Every backend built in.
    pub const ALL: &'static [Self] = &[
        Self::RustCrypto,
        #[cfg(feature = "aws-lc")]
        Self::AwsLc,
    ];

    /// Its name.
    pub const fn name(self) -> &'static str {
        match self {
            Self::RustCrypto => "RustCrypto",
            #[cfg(feature = "aws-lc")]
            Self::AwsLc => "aws-lc-rs",
        }
    }
}

impl Default for Backend {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// ESP encryption algorithms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Encryption {
    /// NULL encryption (RFC 2410): integrity only. For debugging.
    Null,
    /// DES in CBC mode (RFC 2405), 64-bit key (56 bits of it count):
    /// IOS's `esp-des`, for old peers only. No aws-lc form (RustCrypto).
    DesCbc,
    /// 3DES-EDE in CBC mode (RFC 2451), 192-bit key.
    TripleDesCbc,
    /// AES-CBC (RFC 3602), 128-bit key.
    AesCbc128,
    /// AES-CBC (RFC 3602), 192-bit key.
    AesCbc192,
    /// AES-CBC (RFC 3602), 256-bit key.
    AesCbc256,
    /// AES-GCM with a 16-byte ICV (RFC 4106), 128-bit key + 4-byte salt.
    AesGcm128,
    /// AES-GCM with a 16-byte ICV (RFC 4106), 192-bit key + 4-byte salt.
    AesGcm192,
    /// AES-GCM with a 16-byte ICV (RFC 4106), 256-bit key + 4-byte salt.
    AesGcm256,
}

impl Encryption {
    /// Every encryption algorithm.
    pub const ALL: [Self; 9] = [
        Self::Null,
        Self::DesCbc,
        Self::TripleDesCbc,
        Self::AesCbc128,
        Self::AesCbc192,
        Self::AesCbc256,
        Self::AesGcm128,
        Self::AesGcm192,
        Self::AesGcm256,
    ];

    /// Bytes of keying material (for GCM: the key followed by the 4-byte salt).
    pub const fn key_len(self) -> usize {
        match self {
            Self::Null => 0,
            Self::DesCbc => 8,
            Self::TripleDesCbc => 24,
            Self::AesCbc128 => 16,
            Self::AesCbc192 => 24,
            Self::AesCbc256 => 32,
            Self::AesGcm128 => 16 + GCM_SALT_LEN,
            Self::AesGcm192 => 24 + GCM_SALT_LEN,
            Self::AesGcm256 => 32 + GCM_SALT_LEN,
        }
    }

    /// Bytes of explicit IV in each packet.
    pub const fn iv_len(self) -> usize {
        match self {
            Self::Null => 0,
            Self::DesCbc | Self::TripleDesCbc => 8,
            Self::AesCbc128 | Self::AesCbc192 | Self::AesCbc256 => 16,
            Self::AesGcm128 | Self::AesGcm192 | Self::AesGcm256 => 8,
        }
    }

    /// The cipher's block length (1 for NULL and GCM, which are not block-aligned).
    pub const fn block_len(self) -> usize {
        match self {
            Self::Null | Self::AesGcm128 | Self::AesGcm192 | Self::AesGcm256 => 1,
            Self::DesCbc | Self::TripleDesCbc => 8,
            Self::AesCbc128 | Self::AesCbc192 | Self::AesCbc256 => 16,
        }
    }

    /// The alignment the payload and trailer are padded to: the block length,
    /// and at least 4 bytes (RFC 4303 §2.4).
    pub const fn pad_align(self) -> usize {
        let block = self.block_len();
        if block < 4 { 4 } else { block }
    }

    /// Whether this is a combined-mode (AEAD) algorithm, which needs no integrity algorithm.
    pub const fn is_aead(self) -> bool {
        matches!(self, Self::AesGcm128 | Self::AesGcm192 | Self::AesGcm256)
    }

    /// Whether this is a CBC-mode block cipher.
    pub const fn is_cbc(self) -> bool {
        matches!(
            self,
            Self::DesCbc | Self::TripleDesCbc | Self::AesCbc128 | Self::AesCbc192 | Self::AesCbc256
        )
    }

    /// Whether this algorithm hides the payload (everything but NULL).
    pub const fn is_confidential(self) -> bool {
        !matches!(self, Self::Null)
    }

    /// ICV bytes the algorithm itself appends (the GCM tag).
    pub const fn icv_len(self) -> usize {
        if self.is_aead() { 16 } else { 0 }
    }

    /// The algorithm's name.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Null => "NULL",
            Self::DesCbc => "DES-CBC",
            Self::TripleDesCbc => "3DES-CBC",
            Self::AesCbc128 => "AES-CBC-128",
            Self::AesCbc192 => "AES-CBC-192",
            Self::AesCbc256 => "AES-CBC-256",
            Self::AesGcm128 => "AES-GCM-128",
            Self::AesGcm192 => "AES-GCM-192",
            Self::AesGcm256 => "AES-GCM-256",
        }
    }

    /// The Cisco IOS transform-set keyword.
    pub const fn cisco_name(self) -> &'static str {
        match self {
            Self::Null => "esp-null",
            Self::DesCbc => "esp-des",
            Self::TripleDesCbc => "esp-3des",
            Self::AesCbc128 => "esp-aes",
            Self::AesCbc192 => "esp-aes 192",
            Self::AesCbc256 => "esp-aes 256",
            Self::AesGcm128 => "esp-gcm",
            Self::AesGcm192 => "esp-gcm 192",
            Self::AesGcm256 => "esp-gcm 256",
        }
    }
}

/// ESP integrity algorithms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Integrity {
    /// No separate integrity algorithm (GCM, or confidentiality-only CBC).
    None,
    /// HMAC-MD5-96 (RFC 2403), for old peers.
    HmacMd5_96,
    /// HMAC-SHA1-96 (RFC 2404).
    HmacSha1_96,
    /// HMAC-SHA-256-128 (RFC 4868).
    HmacSha256_128,
}

impl Integrity {
    /// Every integrity algorithm.
    pub const ALL: [Self; 4] = [
        Self::None,
        Self::HmacMd5_96,
        Self::HmacSha1_96,
        Self::HmacSha256_128,
    ];

    /// Bytes of key.
    pub const fn key_len(self) -> usize {
        match self {
            Self::None => 0,
            Self::HmacMd5_96 => 16,
            Self::HmacSha1_96 => 20,
            Self::HmacSha256_128 => 32,
        }
    }

    /// Bytes of ICV (the truncated HMAC).
    pub const fn icv_len(self) -> usize {
        match self {
            Self::None => 0,
            Self::HmacMd5_96 | Self::HmacSha1_96 => 12,
            Self::HmacSha256_128 => 16,
        }
    }

    /// The algorithm's name.
    pub const fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::HmacMd5_96 => "HMAC-MD5-96",
            Self::HmacSha1_96 => "HMAC-SHA1-96",
            Self::HmacSha256_128 => "HMAC-SHA-256-128",
        }
    }

    /// The Cisco IOS transform-set keyword (empty for none).
    pub const fn cisco_name(self) -> &'static str {
        match self {
            Self::None => "",
            Self::HmacMd5_96 => "esp-md5-hmac",
            Self::HmacSha1_96 => "esp-sha-hmac",
            Self::HmacSha256_128 => "esp-sha256-hmac",
        }
    }
}

/// An allowed pair of encryption and integrity algorithms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Suite {
    encryption: Encryption,
    integrity: Integrity,
}

impl Suite {
    /// The seed's transform: `esp-3des esp-sha-hmac`.
    pub const TRIPLE_DES_SHA1: Self = Self {
        encryption: Encryption::TripleDesCbc,
        integrity: Integrity::HmacSha1_96,
    };
    /// `esp-aes esp-sha-hmac`.
    pub const AES128_SHA1: Self = Self {
        encryption: Encryption::AesCbc128,
        integrity: Integrity::HmacSha1_96,
    };
    /// `esp-aes 256 esp-sha256-hmac`.
    pub const AES256_SHA256: Self = Self {
        encryption: Encryption::AesCbc256,
        integrity: Integrity::HmacSha256_128,
    };
    /// `esp-gcm` (AES-GCM-128, 16-byte ICV).
    pub const AES128_GCM: Self = Self {
        encryption: Encryption::AesGcm128,
        integrity: Integrity::None,
    };
    /// `esp-gcm 256` (AES-GCM-256, 16-byte ICV).
    pub const AES256_GCM: Self = Self {
        encryption: Encryption::AesGcm256,
        integrity: Integrity::None,
    };

    /// Check a combination: GCM takes no integrity algorithm; NULL needs one
    /// (RFC 4303 §3.2: confidentiality, integrity, or both). CBC without
    /// integrity (confidentiality only, RFC 4303's MAY) is accepted; it has no
    /// anti-replay protection and is open to active attacks.
    pub const fn new(encryption: Encryption, integrity: Integrity) -> Result<Self, EspError> {
        if encryption.is_aead() && !matches!(integrity, Integrity::None) {
            return Err(EspError::InvalidSuite {
                reason: "AES-GCM authenticates by itself: the integrity algorithm must be none",
            });
        }
        if matches!(encryption, Encryption::Null) && matches!(integrity, Integrity::None) {
            return Err(EspError::InvalidSuite {
                reason: "NULL encryption without integrity protects nothing",
            });
        }
        Ok(Self {
            encryption,
            integrity,
        })
    }

    /// Every allowed combination.
    pub fn all() -> impl Iterator<Item = Self> {
        Encryption::ALL.into_iter().flat_map(|e| {
            Integrity::ALL
                .into_iter()
                .filter_map(move |i| Self::new(e, i).ok())
        })
    }

    /// The encryption algorithm.
    pub const fn encryption(self) -> Encryption {
        self.encryption
    }

    /// The integrity algorithm.
    pub const fn integrity(self) -> Integrity {
        self.integrity
    }

    /// Bytes of explicit IV.
    pub const fn iv_len(self) -> usize {
        self.encryption.iv_len()
    }

    /// Bytes of ICV (HMAC or GCM tag).
    pub const fn icv_len(self) -> usize {
        self.encryption.icv_len() + self.integrity.icv_len()
    }

    /// Whether packets are authenticated (an integrity algorithm or AEAD);
    /// anti-replay is enforced only then.
    pub const fn is_authenticated(self) -> bool {
        self.encryption.is_aead() || !matches!(self.integrity, Integrity::None)
    }

    /// Padding bytes for an inner packet of `inner_len` bytes, so that
    /// payload, padding, pad length and next header end on the alignment.
    pub const fn pad_len(self, inner_len: usize) -> usize {
        let align = self.encryption.pad_align();
        (align - (inner_len + 2) % align) % align
    }

    /// The Cisco transform set, e.g. `esp-3des esp-sha-hmac`.
    pub fn cisco_transform(self) -> CiscoTransform {
        CiscoTransform(self)
    }
}

impl fmt::Display for Suite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.encryption.name())?;
        if !matches!(self.integrity, Integrity::None) {
            write!(f, " + {}", self.integrity.name())?;
        }
        Ok(())
    }
}

/// Displays a suite as a Cisco transform set (`esp-3des esp-sha-hmac`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CiscoTransform(Suite);

impl fmt::Display for CiscoTransform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.encryption.cisco_name())?;
        let integrity = self.0.integrity.cisco_name();
        if !integrity.is_empty() {
            write!(f, " {integrity}")?;
        }
        Ok(())
    }
}

/// Borrowed keying material for one SA; `Debug` does not show it.
#[derive(Clone, Copy)]
pub struct KeyMaterial<'a> {
    encryption: &'a [u8],
    integrity: &'a [u8],
}

impl<'a> KeyMaterial<'a> {
    /// Encryption key (for GCM followed by the 4-byte salt) and integrity key
    /// (empty when the suite has no integrity algorithm).
    pub const fn new(encryption: &'a [u8], integrity: &'a [u8]) -> Self {
        Self {
            encryption,
            integrity,
        }
    }

    /// Split a KEYMAT block into the encryption key (first) and the
    /// integrity key (next), both sized by the suite; trailing bytes are
    /// ignored.
    pub fn split(keymat: &'a [u8], suite: Suite) -> Result<Self, EspError> {
        let enc = suite.encryption.key_len();
        let integ = suite.integrity.key_len();
        let needed = enc + integ;
        let (encryption, rest) = keymat.split_at_checked(enc).ok_or(EspError::KeyLength {
            algorithm: "KEYMAT",
            expected: needed,
            got: keymat.len(),
        })?;
        let integrity = rest.get(..integ).ok_or(EspError::KeyLength {
            algorithm: "KEYMAT",
            expected: needed,
            got: keymat.len(),
        })?;
        Ok(Self::new(encryption, integrity))
    }

    /// The encryption key.
    pub const fn encryption(&self) -> &'a [u8] {
        self.encryption
    }

    /// The integrity key.
    pub const fn integrity(&self) -> &'a [u8] {
        self.integrity
    }
}

impl fmt::Debug for KeyMaterial<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyMaterial")
            .field(
                "encryption",
                &format_args!("<{} bytes>", self.encryption.len()),
            )
            .field(
                "integrity",
                &format_args!("<{} bytes>", self.integrity.len()),
            )
            .finish()
    }
}

/// Both keyed halves of a suite, as an SA holds them.
#[derive(Debug)]
pub(crate) struct Transform {
    pub(crate) suite: Suite,
    pub(crate) encryption: EncryptionKey,
    pub(crate) integrity: IntegrityKey,
}

impl Transform {
    pub(crate) fn new(
        suite: Suite,
        keys: &KeyMaterial<'_>,
        backend: Backend,
    ) -> Result<Self, EspError> {
        Ok(Self {
            suite,
            encryption: EncryptionKey::with_backend(backend, suite.encryption, keys.encryption)?,
            integrity: IntegrityKey::with_backend(backend, suite.integrity, keys.integrity)?,
        })
    }
}

mod encryption;
mod integrity;
pub use encryption::EncryptionKey;
pub use integrity::IntegrityKey;

#[cfg(feature = "aws-lc")]
mod aws;

#[cfg(test)]
mod tests;
