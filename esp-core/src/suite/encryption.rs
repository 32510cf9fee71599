//! Keyed encryption state: the expanded AES key schedule, the DES / 3DES
//! key, or the GCM key and salt of one SA, and the CBC and GCM operations
//! on it.

use core::fmt;

use aes::{Aes128, Aes192, Aes256};
use aes_gcm::aead::AeadInOut;
use aes_gcm::{Aes128Gcm, Aes256Gcm, AesGcm};
use cipher::{Array, BlockCipherDecrypt, BlockCipherEncrypt, BlockModeDecrypt, BlockModeEncrypt};
use cipher::{InnerIvInit, KeyInit};
use des::{Des, TdesEde3};
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

#[cfg(feature = "aws-lc")]
use super::aws;
use super::{Backend, Encryption, GCM_SALT_LEN};
use crate::EspError;

/// The RFC 4106 salt, wiped on drop.
pub(super) struct Salt(pub(super) [u8; GCM_SALT_LEN]);

impl Drop for Salt {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// A DES or 3DES key kept as its bytes, the schedule expanded for each
/// packet on the stack (and wiped there by `des`'s `zeroize`): a 3DES
/// schedule is 384 bytes against the key's 24, two per peer on a hub, and
/// expanding it takes about 0.36 µs against 111 µs for 3DES over a
/// 1400-byte packet (0.3%).
struct DesKey<const N: usize>(Box<[u8; N]>);

impl<const N: usize> DesKey<N> {
    fn new(key: &[u8]) -> Option<Self> {
        <[u8; N]>::try_from(key).ok().map(|k| Self(Box::new(k)))
    }

    /// Fails only if `C` takes another key length than `N`, which
    /// [`EncryptionKey::with_backend`] ruled out.
    fn schedule<C: KeyInit>(&self, algorithm: Encryption) -> Result<C, EspError> {
        C::new_from_slice(&self.0[..]).map_err(|_| key_len_error(algorithm, N))
    }
}

impl<const N: usize> Drop for DesKey<N> {
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
    Des(DesKey<8>),
    TripleDes(DesKey<24>),
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

pub(super) fn key_len_error(algorithm: Encryption, got: usize) -> EspError {
    EspError::KeyLength {
        algorithm: algorithm.name(),
        expected: algorithm.key_len(),
        got,
    }
}

/// The 4 weak and 12 semi-weak DES keys (FIPS 74 §3.6), parity bits
/// clear: RFC 2405 §5 says they SHOULD be refused. KEYMAT hits one with
/// probability 2^-52, so refusing costs nothing and rules it out.
const WEAK_DES_KEYS: [u64; 16] = [
    0x0000_0000_0000_0000,
    0xfefe_fefe_fefe_fefe,
    0xe0e0_e0e0_f0f0_f0f0,
    0x1e1e_1e1e_0e0e_0e0e,
    0x001e_001e_000e_000e,
    0x1e00_1e00_0e00_0e00,
    0x00e0_00e0_00f0_00f0,
    0xe000_e000_f000_f000,
    0x00fe_00fe_00fe_00fe,
    0xfe00_fe00_fe00_fe00,
    0x1ee0_1ee0_0ef0_0ef0,
    0xe01e_e01e_f00e_f00e,
    0x1efe_1efe_0efe_0efe,
    0xfe1e_fe1e_fe0e_fe0e,
    0xe0fe_e0fe_f0fe_f0fe,
    0xfee0_fee0_fef0_fef0,
];

/// Whether an 8-byte DES key is weak or semi-weak (parity bits ignored),
/// compared in constant time.
fn is_weak_des_key(key: &[u8]) -> bool {
    let Ok(bytes) = <[u8; 8]>::try_from(key) else {
        return false;
    };
    let k = (u64::from_be_bytes(bytes) & 0xfefe_fefe_fefe_fefe).to_be_bytes();
    let mut weak = subtle::Choice::from(0);
    for w in WEAK_DES_KEYS {
        weak |= k.ct_eq(&w.to_be_bytes());
    }
    bool::from(weak)
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
            // aws-lc-rs has no single DES; 3DES goes through its weak-key
            // check below first.
            if algorithm.is_cbc()
                && !matches!(algorithm, Encryption::DesCbc | Encryption::TripleDesCbc)
            {
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
            Encryption::DesCbc => {
                if is_weak_des_key(key) {
                    return Err(EspError::WeakKey {
                        algorithm: algorithm.name(),
                    });
                }
                // Checked now, so a bad key is refused at install, not
                // at the first packet.
                Des::new_from_slice(key).map_err(bad)?;
                CipherState::Des(
                    DesKey::new(key).ok_or_else(|| key_len_error(algorithm, key.len()))?,
                )
            }
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
                TdesEde3::new_from_slice(key).map_err(bad)?;
                CipherState::TripleDes(
                    DesKey::new(key).ok_or_else(|| key_len_error(algorithm, key.len()))?,
                )
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
            CipherState::Des(k) => cbc_encrypt(&k.schedule::<Des>(self.algorithm)?, iv, data),
            CipherState::TripleDes(k) => {
                cbc_encrypt(&k.schedule::<TdesEde3>(self.algorithm)?, iv, data)
            }
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
            CipherState::Des(k) => cbc_decrypt(&k.schedule::<Des>(self.algorithm)?, iv, data),
            CipherState::TripleDes(k) => {
                cbc_decrypt(&k.schedule::<TdesEde3>(self.algorithm)?, iv, data)
            }
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

pub(super) fn gcm_open<A>(
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
