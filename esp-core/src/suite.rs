//! Cipher suites: the algorithms, their parameters, and keyed per-SA state.
//!
//! Keys are expanded once per SA ([`EncryptionKey::new`], [`IntegrityKey::new`]):
//! AES and 3DES key schedules, the GCM hash key, and the HMAC inner and outer
//! pads are computed there, so each packet pays for the primitive only (a
//! keyed HMAC state is cloned per packet). All of that state is wiped when it
//! drops (the RustCrypto crates' `zeroize` features), and `Debug` never shows it.

use core::fmt;

use aes::{Aes128, Aes192, Aes256};
use aes_gcm::aead::AeadInOut;
use aes_gcm::{Aes128Gcm, Aes256Gcm, AesGcm};
use cipher::{Array, BlockCipherDecrypt, BlockCipherEncrypt, BlockModeDecrypt, BlockModeEncrypt};
use cipher::{InnerIvInit, KeyInit};
use des::TdesEde3;
use hmac::{Hmac, Mac};
use md5::Md5;
use sha1::Sha1;
use sha2::Sha256;
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

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
/// [`Backend::AwsLc`] (AWS-LC's assembly AES-GCM, AES-CBC, 3DES and HMAC
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
    pub const ALL: [Self; 8] = [
        Self::Null,
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
            Self::TripleDesCbc => 8,
            Self::AesCbc128 | Self::AesCbc192 | Self::AesCbc256 => 16,
            Self::AesGcm128 | Self::AesGcm192 | Self::AesGcm256 => 8,
        }
    }

    /// The cipher's block length (1 for NULL and GCM, which are not block-aligned).
    pub const fn block_len(self) -> usize {
        match self {
            Self::Null | Self::AesGcm128 | Self::AesGcm192 | Self::AesGcm256 => 1,
            Self::TripleDesCbc => 8,
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
            Self::TripleDesCbc | Self::AesCbc128 | Self::AesCbc192 | Self::AesCbc256
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

// ---------------------------------------------------------------------------
// Keyed encryption state
// ---------------------------------------------------------------------------

/// The RFC 4106 salt, wiped on drop.
struct Salt([u8; GCM_SALT_LEN]);

impl Drop for Salt {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// Each key schedule boxed at its own size: by value the enum would be
/// as large as its largest (AES-256's, 1 KB with both of the `aes`
/// crate's backends), in every SA whatever its cipher, and a hub holds
/// two SAs per peer.
enum CipherState {
    Null,
    TripleDes(Box<TdesEde3>),
    Aes128(Box<Aes128>),
    Aes192(Box<Aes192>),
    Aes256(Box<Aes256>),
    Gcm128(Box<Aes128Gcm>, Salt),
    Gcm192(Box<AesGcm<Aes192, cipher::consts::U12>>, Salt),
    Gcm256(Box<Aes256Gcm>, Salt),
    #[cfg(feature = "aws-lc")]
    AwsCbc(Box<aws::Cbc>),
    #[cfg(feature = "aws-lc")]
    AwsGcm(Box<aws::Gcm>),
}

/// An encryption algorithm with its key expanded, ready for packets.
pub struct EncryptionKey {
    algorithm: Encryption,
    state: CipherState,
}

impl fmt::Debug for EncryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncryptionKey")
            .field("algorithm", &self.algorithm)
            .field("key", &"<redacted>")
            .finish()
    }
}

fn key_len_error(algorithm: Encryption, got: usize) -> EspError {
    EspError::KeyLength {
        algorithm: algorithm.name(),
        expected: algorithm.key_len(),
        got,
    }
}

fn split_salt(key: &[u8]) -> (&[u8], Salt) {
    let (key, salt) = key.split_at(key.len() - GCM_SALT_LEN);
    let mut s = [0u8; GCM_SALT_LEN];
    s.copy_from_slice(salt);
    (key, Salt(s))
}

impl EncryptionKey {
    /// Expand `key` for `algorithm` with the [default backend](Backend::DEFAULT);
    /// its length must be [`Encryption::key_len`].
    /// A 3DES key whose thirds repeat (K1 = K2 or K2 = K3) is refused.
    pub fn new(algorithm: Encryption, key: &[u8]) -> Result<Self, EspError> {
        Self::with_backend(Backend::DEFAULT, algorithm, key)
    }

    /// Expand `key` for `algorithm` with `backend`.
    pub fn with_backend(
        backend: Backend,
        algorithm: Encryption,
        key: &[u8],
    ) -> Result<Self, EspError> {
        if key.len() != algorithm.key_len() {
            return Err(key_len_error(algorithm, key.len()));
        }
        let bad = |_| key_len_error(algorithm, key.len());
        #[cfg(feature = "aws-lc")]
        if backend == Backend::AwsLc {
            if algorithm.is_aead() {
                let (k, salt) = split_salt(key);
                let large = Box::new(Self::with_backend(Backend::RustCrypto, algorithm, key)?);
                return aws::Gcm::new(algorithm, k, salt, large).map(|g| Self {
                    algorithm,
                    state: CipherState::AwsGcm(Box::new(g)),
                });
            }
            if algorithm.is_cbc() && algorithm != Encryption::TripleDesCbc {
                return aws::Cbc::new(algorithm, key).map(|c| Self {
                    algorithm,
                    state: CipherState::AwsCbc(Box::new(c)),
                });
            }
        }
        #[cfg(not(feature = "aws-lc"))]
        let Backend::RustCrypto = backend;
        let state = match algorithm {
            Encryption::Null => CipherState::Null,
            Encryption::TripleDesCbc => {
                let (k1, rest) = key.split_at(8);
                let (k2, k3) = rest.split_at(8);
                if bool::from(k1.ct_eq(k2) | k2.ct_eq(k3)) {
                    return Err(EspError::WeakKey {
                        algorithm: algorithm.name(),
                    });
                }
                #[cfg(feature = "aws-lc")]
                if backend == Backend::AwsLc {
                    return aws::Cbc::new(algorithm, key).map(|c| Self {
                        algorithm,
                        state: CipherState::AwsCbc(Box::new(c)),
                    });
                }
                CipherState::TripleDes(Box::new(TdesEde3::new_from_slice(key).map_err(bad)?))
            }
            Encryption::AesCbc128 => {
                CipherState::Aes128(Box::new(Aes128::new_from_slice(key).map_err(bad)?))
            }
            Encryption::AesCbc192 => {
                CipherState::Aes192(Box::new(Aes192::new_from_slice(key).map_err(bad)?))
            }
            Encryption::AesCbc256 => {
                CipherState::Aes256(Box::new(Aes256::new_from_slice(key).map_err(bad)?))
            }
            Encryption::AesGcm128 => {
                let (k, salt) = split_salt(key);
                CipherState::Gcm128(Box::new(Aes128Gcm::new_from_slice(k).map_err(bad)?), salt)
            }
            Encryption::AesGcm192 => {
                let (k, salt) = split_salt(key);
                CipherState::Gcm192(Box::new(AesGcm::new_from_slice(k).map_err(bad)?), salt)
            }
            Encryption::AesGcm256 => {
                let (k, salt) = split_salt(key);
                CipherState::Gcm256(Box::new(Aes256Gcm::new_from_slice(k).map_err(bad)?), salt)
            }
        };
        Ok(Self { algorithm, state })
    }

    /// The algorithm.
    pub const fn algorithm(&self) -> Encryption {
        self.algorithm
    }

    /// CBC-encrypt `data` in place with `iv` (no padding: `data` must be whole
    /// blocks). NULL leaves the data as it is. Fails for GCM.
    pub fn cbc_encrypt(&self, iv: &[u8], data: &mut [u8]) -> Result<(), EspError> {
        match &self.state {
            CipherState::Null => Ok(()),
            CipherState::TripleDes(c) => cbc_encrypt(&**c, iv, data),
            CipherState::Aes128(c) => cbc_encrypt(&**c, iv, data),
            CipherState::Aes192(c) => cbc_encrypt(&**c, iv, data),
            CipherState::Aes256(c) => cbc_encrypt(&**c, iv, data),
            #[cfg(feature = "aws-lc")]
            CipherState::AwsCbc(c) => c.encrypt(iv, data),
            #[cfg(feature = "aws-lc")]
            CipherState::AwsGcm(..) => Err(not_cbc()),
            CipherState::Gcm128(..) | CipherState::Gcm192(..) | CipherState::Gcm256(..) => {
                Err(not_cbc())
            }
        }
    }

    /// CBC-decrypt `data` in place with `iv` (whole blocks). NULL leaves the
    /// data as it is. Fails for GCM.
    pub fn cbc_decrypt(&self, iv: &[u8], data: &mut [u8]) -> Result<(), EspError> {
        match &self.state {
            CipherState::Null => Ok(()),
            CipherState::TripleDes(c) => cbc_decrypt(&**c, iv, data),
            CipherState::Aes128(c) => cbc_decrypt(&**c, iv, data),
            CipherState::Aes192(c) => cbc_decrypt(&**c, iv, data),
            CipherState::Aes256(c) => cbc_decrypt(&**c, iv, data),
            #[cfg(feature = "aws-lc")]
            CipherState::AwsCbc(c) => c.decrypt(iv, data),
            #[cfg(feature = "aws-lc")]
            CipherState::AwsGcm(..) => Err(not_cbc()),
            CipherState::Gcm128(..) | CipherState::Gcm192(..) | CipherState::Gcm256(..) => {
                Err(not_cbc())
            }
        }
    }

    /// AES-GCM-encrypt `data` in place (RFC 4106: nonce = salt ‖ `iv`) and
    /// return the 16-byte tag. Fails for the other algorithms.
    pub fn gcm_seal(
        &self,
        iv: &[u8; 8],
        aad: &[u8],
        data: &mut [u8],
    ) -> Result<[u8; 16], EspError> {
        match &self.state {
            CipherState::Gcm128(aead, salt) => gcm_seal(&**aead, salt, iv, aad, data),
            CipherState::Gcm192(aead, salt) => gcm_seal(&**aead, salt, iv, aad, data),
            CipherState::Gcm256(aead, salt) => gcm_seal(&**aead, salt, iv, aad, data),
            #[cfg(feature = "aws-lc")]
            CipherState::AwsGcm(g) => g.seal(iv, aad, data),
            _ => Err(not_gcm()),
        }
    }

    /// Verify the tag over `aad` and `data` in constant time and, only if it
    /// is right, decrypt `data` in place. Returns whether the tag verified;
    /// fails for the other algorithms.
    pub fn gcm_open(
        &self,
        iv: &[u8; 8],
        aad: &[u8],
        data: &mut [u8],
        tag: &[u8; 16],
    ) -> Result<bool, EspError> {
        match &self.state {
            CipherState::Gcm128(aead, salt) => Ok(gcm_open(&**aead, salt, iv, aad, data, tag)),
            CipherState::Gcm192(aead, salt) => Ok(gcm_open(&**aead, salt, iv, aad, data, tag)),
            CipherState::Gcm256(aead, salt) => Ok(gcm_open(&**aead, salt, iv, aad, data, tag)),
            #[cfg(feature = "aws-lc")]
            CipherState::AwsGcm(g) => Ok(g.open(iv, aad, data, tag)),
            _ => Err(not_gcm()),
        }
    }
}

const fn not_cbc() -> EspError {
    EspError::InvalidSuite {
        reason: "AES-GCM is not a CBC cipher",
    }
}

const fn not_gcm() -> EspError {
    EspError::InvalidSuite {
        reason: "not an AES-GCM key",
    }
}

fn cbc_encrypt<C: BlockCipherEncrypt>(
    cipher: &C,
    iv: &[u8],
    data: &mut [u8],
) -> Result<(), EspError> {
    let iv = Array::try_from(iv).map_err(|_| EspError::Malformed {
        what: "CBC IV",
        reason: "length is not the block length",
    })?;
    let (blocks, tail) = Array::slice_as_chunks_mut(data);
    if !tail.is_empty() {
        return Err(EspError::NotBlockAligned {
            len: blocks.len() * iv.len() + tail.len(),
            block: iv.len(),
        });
    }
    cbc::Encryptor::<&C>::inner_iv_init(cipher, &iv).encrypt_blocks(blocks);
    Ok(())
}

fn cbc_decrypt<C: BlockCipherDecrypt>(
    cipher: &C,
    iv: &[u8],
    data: &mut [u8],
) -> Result<(), EspError> {
    let iv = Array::try_from(iv).map_err(|_| EspError::Malformed {
        what: "CBC IV",
        reason: "length is not the block length",
    })?;
    let (blocks, tail) = Array::slice_as_chunks_mut(data);
    if !tail.is_empty() {
        return Err(EspError::NotBlockAligned {
            len: blocks.len() * iv.len() + tail.len(),
            block: iv.len(),
        });
    }
    cbc::Decryptor::<&C>::inner_iv_init(cipher, &iv).decrypt_blocks(blocks);
    Ok(())
}

fn gcm_nonce(salt: &Salt, iv: &[u8; 8]) -> aes_gcm::Nonce<cipher::consts::U12> {
    let mut nonce = aes_gcm::Nonce::<cipher::consts::U12>::default();
    let (s, i) = nonce.split_at_mut(GCM_SALT_LEN);
    s.copy_from_slice(&salt.0);
    i.copy_from_slice(iv);
    nonce
}

fn gcm_seal<A>(
    aead: &A,
    salt: &Salt,
    iv: &[u8; 8],
    aad: &[u8],
    data: &mut [u8],
) -> Result<[u8; 16], EspError>
where
    A: AeadInOut<NonceSize = cipher::consts::U12, TagSize = cipher::consts::U16>,
{
    let nonce = gcm_nonce(salt, iv);
    let len = data.len();
    let tag = aead
        .encrypt_inout_detached(&nonce, aad, data.into())
        .map_err(|_| EspError::TooLarge { len, max: 1 << 36 })?;
    Ok(tag.into())
}

fn gcm_open<A>(
    aead: &A,
    salt: &Salt,
    iv: &[u8; 8],
    aad: &[u8],
    data: &mut [u8],
    tag: &[u8; 16],
) -> bool
where
    A: AeadInOut<NonceSize = cipher::consts::U12, TagSize = cipher::consts::U16>,
{
    let nonce = gcm_nonce(salt, iv);
    // aes-gcm computes GHASH over the ciphertext, compares the tag in
    // constant time, and only then applies the keystream.
    aead.decrypt_inout_detached(&nonce, aad, data.into(), tag.into())
        .is_ok()
}

// ---------------------------------------------------------------------------
// Keyed integrity state
// ---------------------------------------------------------------------------

enum MacState {
    None,
    Md5(Hmac<Md5>),
    Sha1(Hmac<Sha1>),
    Sha256(Hmac<Sha256>),
    #[cfg(feature = "aws-lc")]
    Aws(Box<aws_lc_rs::hmac::Key>),
}

/// An integrity algorithm keyed once (HMAC inner and outer pads precomputed).
pub struct IntegrityKey {
    algorithm: Integrity,
    state: MacState,
}

impl fmt::Debug for IntegrityKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IntegrityKey")
            .field("algorithm", &self.algorithm)
            .field("key", &"<redacted>")
            .finish()
    }
}

impl IntegrityKey {
    /// Key `algorithm` with the [default backend](Backend::DEFAULT); the
    /// key's length must be [`Integrity::key_len`].
    pub fn new(algorithm: Integrity, key: &[u8]) -> Result<Self, EspError> {
        Self::with_backend(Backend::DEFAULT, algorithm, key)
    }

    /// Key `algorithm` with `backend`.
    pub fn with_backend(
        backend: Backend,
        algorithm: Integrity,
        key: &[u8],
    ) -> Result<Self, EspError> {
        if key.len() != algorithm.key_len() {
            return Err(EspError::KeyLength {
                algorithm: algorithm.name(),
                expected: algorithm.key_len(),
                got: key.len(),
            });
        }
        let bad = |_| EspError::KeyLength {
            algorithm: algorithm.name(),
            expected: algorithm.key_len(),
            got: key.len(),
        };
        #[cfg(feature = "aws-lc")]
        if backend == Backend::AwsLc {
            let hmac = match algorithm {
                Integrity::HmacSha1_96 => Some(aws_lc_rs::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY),
                Integrity::HmacSha256_128 => Some(aws_lc_rs::hmac::HMAC_SHA256),
                Integrity::None | Integrity::HmacMd5_96 => None,
            };
            if let Some(hmac) = hmac {
                return Ok(Self {
                    algorithm,
                    state: MacState::Aws(Box::new(aws_lc_rs::hmac::Key::new(hmac, key))),
                });
            }
        }
        #[cfg(not(feature = "aws-lc"))]
        let Backend::RustCrypto = backend;
        let state = match algorithm {
            Integrity::None => MacState::None,
            Integrity::HmacMd5_96 => {
                MacState::Md5(<Hmac<Md5> as KeyInit>::new_from_slice(key).map_err(bad)?)
            }
            Integrity::HmacSha1_96 => {
                MacState::Sha1(<Hmac<Sha1> as KeyInit>::new_from_slice(key).map_err(bad)?)
            }
            Integrity::HmacSha256_128 => {
                MacState::Sha256(<Hmac<Sha256> as KeyInit>::new_from_slice(key).map_err(bad)?)
            }
        };
        Ok(Self { algorithm, state })
    }

    /// The algorithm.
    pub const fn algorithm(&self) -> Integrity {
        self.algorithm
    }

    /// Compute the ICV over `data` followed, with ESN, by the high 32 bits
    /// of the sequence number (RFC 4303 §2.2.1: included in the ICV, not
    /// sent), and write its leftmost `icv.len()` bytes (at most the full
    /// HMAC output) into `icv`.
    pub fn compute(&self, data: &[u8], esn_high: Option<u32>, icv: &mut [u8]) {
        match &self.state {
            MacState::None => {}
            MacState::Md5(m) => hmac_into(m, data, esn_high, icv),
            MacState::Sha1(m) => hmac_into(m, data, esn_high, icv),
            MacState::Sha256(m) => hmac_into(m, data, esn_high, icv),
            #[cfg(feature = "aws-lc")]
            MacState::Aws(k) => aws::hmac_into(k, data, esn_high, icv),
        }
    }

    /// Check an ICV in constant time. `icv` must be [`Integrity::icv_len`]
    /// long; with no integrity algorithm nothing verifies.
    pub fn verify(&self, data: &[u8], esn_high: Option<u32>, icv: &[u8]) -> bool {
        if icv.len() != self.algorithm.icv_len() {
            return false;
        }
        match &self.state {
            MacState::None => false,
            MacState::Md5(m) => hmac_verify(m, data, esn_high, icv),
            MacState::Sha1(m) => hmac_verify(m, data, esn_high, icv),
            MacState::Sha256(m) => hmac_verify(m, data, esn_high, icv),
            #[cfg(feature = "aws-lc")]
            MacState::Aws(k) => aws::hmac_verify(k, data, esn_high, icv),
        }
    }
}

/// Compare the leftmost bytes of the HMAC with `icv` in constant time.
fn hmac_verify<M: Mac + Clone>(keyed: &M, data: &[u8], esn_high: Option<u32>, icv: &[u8]) -> bool {
    let mut mac = keyed.clone();
    mac.update(data);
    if let Some(high) = esn_high {
        mac.update(&high.to_be_bytes());
    }
    mac.verify_truncated_left(icv).is_ok()
}

fn hmac_into<M: Mac + Clone>(keyed: &M, data: &[u8], esn_high: Option<u32>, out: &mut [u8]) {
    let mut mac = keyed.clone();
    mac.update(data);
    if let Some(high) = esn_high {
        mac.update(&high.to_be_bytes());
    }
    let full = mac.finalize().into_bytes();
    let n = out.len().min(full.len());
    out[..n].copy_from_slice(&full[..n]);
}

// ---------------------------------------------------------------------------
// A whole transform
// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------
// The aws-lc-rs backend
// ---------------------------------------------------------------------------

/// AES-CBC, 3DES-CBC, AES-GCM and HMAC through aws-lc-rs. Its key types
/// wipe themselves on drop (AWS-LC cleanses `AES_KEY`, `EVP_AEAD_CTX` and
/// `HMAC_CTX`).
#[cfg(feature = "aws-lc")]
mod aws {
    use aws_lc_rs::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
    use aws_lc_rs::cipher::{
        self, DecryptingKey, DecryptionContext, EncryptingKey, EncryptionContext, UnboundCipherKey,
    };
    use aws_lc_rs::hmac;
    use aws_lc_rs::iv::FixedLength;
    use subtle::ConstantTimeEq;

    use super::{Encryption, EncryptionKey, GCM_SALT_LEN, Salt, key_len_error};
    use crate::EspError;

    const fn bad_iv() -> EspError {
        EspError::Malformed {
            what: "CBC IV",
            reason: "length is not the block length",
        }
    }

    /// A CBC key, expanded for both directions.
    pub(super) struct Cbc {
        encrypt: EncryptingKey,
        decrypt: DecryptingKey,
        block: usize,
    }

    impl Cbc {
        #[allow(deprecated)] // 3DES: the seed's transform set needs it.
        pub(super) fn new(algorithm: Encryption, key: &[u8]) -> Result<Self, EspError> {
            let cipher = match algorithm {
                Encryption::TripleDesCbc => &cipher::DES_EDE3_FOR_LEGACY_USE_ONLY,
                Encryption::AesCbc128 => &cipher::AES_128,
                Encryption::AesCbc192 => &cipher::AES_192,
                _ => &cipher::AES_256,
            };
            let bad = |_| key_len_error(algorithm, key.len());
            let unbound = || UnboundCipherKey::new(cipher, key).map_err(bad);
            Ok(Self {
                encrypt: EncryptingKey::cbc(unbound()?).map_err(bad)?,
                decrypt: DecryptingKey::cbc(unbound()?).map_err(bad)?,
                block: algorithm.block_len(),
            })
        }

        fn check(&self, iv: &[u8], data: &[u8]) -> Result<(), EspError> {
            if iv.len() != self.block {
                return Err(bad_iv());
            }
            if data.len() % self.block != 0 {
                return Err(EspError::NotBlockAligned {
                    len: data.len(),
                    block: self.block,
                });
            }
            Ok(())
        }

        pub(super) fn encrypt(&self, iv: &[u8], data: &mut [u8]) -> Result<(), EspError> {
            self.check(iv, data)?;
            let context = match (<[u8; 16]>::try_from(iv), <[u8; 8]>::try_from(iv)) {
                (Ok(iv), _) => EncryptionContext::Iv128(FixedLength::from(iv)),
                (_, Ok(iv)) => EncryptionContext::Iv64(FixedLength::from(iv)),
                _ => return Err(bad_iv()),
            };
            self.encrypt
                .less_safe_encrypt(data, context)
                .map(|_| ())
                .map_err(|_| bad_iv())
        }

        pub(super) fn decrypt(&self, iv: &[u8], data: &mut [u8]) -> Result<(), EspError> {
            self.check(iv, data)?;
            let context = match (<[u8; 16]>::try_from(iv), <[u8; 8]>::try_from(iv)) {
                (Ok(iv), _) => DecryptionContext::Iv128(FixedLength::from(iv)),
                (_, Ok(iv)) => DecryptionContext::Iv64(FixedLength::from(iv)),
                _ => return Err(bad_iv()),
            };
            self.decrypt
                .decrypt(data, context)
                .map(|_| ())
                .map_err(|_| bad_iv())
        }
    }

    /// Packets up to this long are opened by AWS-LC (with a copy of the
    /// ciphertext saved aside); longer ones by the RustCrypto key.
    const OPEN_COPY_MAX: usize = 2048;

    std::thread_local! {
        /// Where `Gcm::open` saves the ciphertext it may have to put back:
        /// one per thread, so an SA carries no 2 KiB buffer and no packet
        /// pays for zeroing a fresh one on the stack (that zeroing was as
        /// costly as the copy itself: about 125 of 285 instructions, counted
        /// with callgrind). It only ever holds ciphertext, public bytes.
        static OPEN_SAVE: core::cell::RefCell<[u8; OPEN_COPY_MAX]> =
            const { core::cell::RefCell::new([0; OPEN_COPY_MAX]) };
    }

    /// An AES-GCM key and its RFC 4106 salt.
    pub(super) struct Gcm {
        key: LessSafeKey,
        salt: Salt,
        /// The same key in RustCrypto, for packets too long for the copy.
        large: Box<EncryptionKey>,
    }

    impl Gcm {
        pub(super) fn new(
            algorithm: Encryption,
            key: &[u8],
            salt: Salt,
            large: Box<EncryptionKey>,
        ) -> Result<Self, EspError> {
            let aead = match algorithm {
                Encryption::AesGcm128 => &aead::AES_128_GCM,
                Encryption::AesGcm192 => &aead::AES_192_GCM,
                _ => &aead::AES_256_GCM,
            };
            let unbound = UnboundKey::new(aead, key)
                .map_err(|_| key_len_error(algorithm, key.len() + GCM_SALT_LEN))?;
            Ok(Self {
                key: LessSafeKey::new(unbound),
                salt,
                large,
            })
        }

        fn nonce(&self, iv: &[u8; 8]) -> Nonce {
            let mut nonce = [0u8; 12];
            nonce[..GCM_SALT_LEN].copy_from_slice(&self.salt.0);
            nonce[GCM_SALT_LEN..].copy_from_slice(iv);
            // Unique per key: the explicit IV is the SA's sequence number.
            Nonce::assume_unique_for_key(nonce)
        }

        pub(super) fn seal(
            &self,
            iv: &[u8; 8],
            aad: &[u8],
            data: &mut [u8],
        ) -> Result<[u8; 16], EspError> {
            let len = data.len();
            let too_large = EspError::TooLarge { len, max: 1 << 36 };
            let tag = self
                .key
                .seal_in_place_separate_tag(self.nonce(iv), Aad::from(aad), data)
                .map_err(|_| too_large)?;
            <[u8; 16]>::try_from(tag.as_ref()).map_err(|_| too_large)
        }

        /// AWS-LC decrypts in the same pass as it checks the tag (in
        /// constant time) and wipes the buffer when the tag is wrong. A
        /// refused packet must leave the caller's bytes as they were, so the
        /// ciphertext is copied first and put back on failure; packets too
        /// long for the copy go through the RustCrypto key, which checks
        /// the tag before it decrypts.
        pub(super) fn open(
            &self,
            iv: &[u8; 8],
            aad: &[u8],
            data: &mut [u8],
            tag: &[u8; 16],
        ) -> bool {
            let saved = OPEN_SAVE.with(|save| {
                let mut save = save.try_borrow_mut().ok()?;
                let saved = save.get_mut(..data.len())?;
                saved.copy_from_slice(data);
                let opened = self
                    .key
                    .open_in_place_separate_tag(self.nonce(iv), Aad::from(aad), tag, data)
                    .is_ok();
                if !opened {
                    data.copy_from_slice(saved);
                }
                Some(opened)
            });
            // Too long for the buffer (or, never in practice, the buffer in
            // use): RustCrypto checks the tag before it decrypts.
            saved.unwrap_or_else(|| self.large.gcm_open(iv, aad, data, tag).unwrap_or(false))
        }
    }

    fn hmac_tag(key: &hmac::Key, data: &[u8], esn_high: Option<u32>) -> hmac::Tag {
        let mut context = hmac::Context::with_key(key);
        context.update(data);
        if let Some(high) = esn_high {
            context.update(&high.to_be_bytes());
        }
        context.sign()
    }

    pub(super) fn hmac_into(key: &hmac::Key, data: &[u8], esn_high: Option<u32>, out: &mut [u8]) {
        let tag = hmac_tag(key, data, esn_high);
        let full = tag.as_ref();
        let n = out.len().min(full.len());
        out[..n].copy_from_slice(&full[..n]);
    }

    /// Compare the leftmost bytes of the HMAC with `icv` in constant time.
    pub(super) fn hmac_verify(
        key: &hmac::Key,
        data: &[u8],
        esn_high: Option<u32>,
        icv: &[u8],
    ) -> bool {
        let tag = hmac_tag(key, data, esn_high);
        tag.as_ref()
            .get(..icv.len())
            .is_some_and(|left| bool::from(left.ct_eq(icv)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combinations() {
        assert_eq!(Suite::all().count(), 3 + 4 * 4 + 3);
        assert!(Suite::new(Encryption::AesGcm128, Integrity::HmacSha1_96).is_err());
        assert!(Suite::new(Encryption::Null, Integrity::None).is_err());
        assert!(Suite::new(Encryption::AesCbc128, Integrity::None).is_ok());
        assert_eq!(
            Suite::TRIPLE_DES_SHA1.cisco_transform().to_string(),
            "esp-3des esp-sha-hmac"
        );
        assert_eq!(
            Suite::AES256_GCM.cisco_transform().to_string(),
            "esp-gcm 256"
        );
        assert_eq!(Suite::AES128_SHA1.to_string(), "AES-CBC-128 + HMAC-SHA1-96");
    }

    #[test]
    fn padding_lengths() {
        let s = Suite::TRIPLE_DES_SHA1;
        assert_eq!(s.pad_len(6), 0);
        assert_eq!(s.pad_len(0), 6);
        assert_eq!(s.pad_len(7), 7);
        let g = Suite::AES128_GCM;
        assert_eq!(g.pad_len(2), 0);
        assert_eq!(g.pad_len(3), 3);
        for len in 0..100 {
            let a = Suite::AES128_SHA1;
            assert_eq!((len + 2 + a.pad_len(len)) % 16, 0);
            assert!(a.pad_len(len) < 16);
        }
    }

    #[test]
    fn key_lengths_checked() {
        for enc in Encryption::ALL {
            let ok = vec![0x11; enc.key_len()];
            let mut distinct = ok.clone();
            for (i, b) in distinct.iter_mut().enumerate() {
                *b = i as u8;
            }
            assert!(EncryptionKey::new(enc, &distinct).is_ok(), "{enc:?}");
            let long = vec![0x11; enc.key_len() + 1];
            assert!(matches!(
                EncryptionKey::new(enc, &long),
                Err(EspError::KeyLength { .. })
            ));
        }
        for integ in Integrity::ALL {
            assert!(IntegrityKey::new(integ, &vec![1; integ.key_len()]).is_ok());
            assert!(IntegrityKey::new(integ, &vec![1; integ.key_len() + 1]).is_err());
        }
        assert!(matches!(
            EncryptionKey::new(Encryption::TripleDesCbc, &[0x11; 24]),
            Err(EspError::WeakKey { .. })
        ));
    }

    #[test]
    fn every_key_state_is_wiped_on_drop() {
        // Compile-time proof that the primitives are built with `zeroize`.
        fn wiped<T: zeroize::ZeroizeOnDrop>() {}
        wiped::<TdesEde3>();
        wiped::<Aes128>();
        wiped::<Aes192>();
        wiped::<Aes256>();
        wiped::<Aes128Gcm>();
        wiped::<AesGcm<Aes192, cipher::consts::U12>>();
        wiped::<Aes256Gcm>();
        // An HMAC key lives in the two hash states (inner and outer pad)
        // of `HmacCore`; each wipes itself.
        wiped::<<Md5 as hmac::EagerHash>::Core>();
        wiped::<<Sha1 as hmac::EagerHash>::Core>();
        wiped::<<Sha256 as hmac::EagerHash>::Core>();
    }

    #[test]
    fn debug_is_redacted() {
        let key = [0xab; 20];
        let k = IntegrityKey::new(Integrity::HmacSha1_96, &key).unwrap();
        let e = EncryptionKey::new(Encryption::AesGcm128, &key).unwrap();
        let m = KeyMaterial::new(&key, &key);
        for s in [format!("{k:?}"), format!("{e:?}"), format!("{m:?}")] {
            assert!(!s.contains("ab") && !s.contains("171"), "{s}");
        }
    }

    #[test]
    fn keymat_split() {
        let keymat: Vec<u8> = (0..44).collect();
        let k = KeyMaterial::split(&keymat, Suite::TRIPLE_DES_SHA1).unwrap();
        assert_eq!(k.encryption(), &keymat[..24]);
        assert_eq!(k.integrity(), &keymat[24..44]);
        assert!(KeyMaterial::split(&keymat[..43], Suite::TRIPLE_DES_SHA1).is_err());
    }
}
