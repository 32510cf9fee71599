//! AES-CBC, 3DES-CBC, AES-GCM and HMAC through aws-lc-rs. Its key types
//! wipe themselves on drop (AWS-LC cleanses `AES_KEY`, `EVP_AEAD_CTX` and
//! `HMAC_CTX`).

use aws_lc_rs::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::cipher::{
    self, DecryptingKey, DecryptionContext, EncryptingKey, EncryptionContext, UnboundCipherKey,
};
use aws_lc_rs::hmac;
use aws_lc_rs::iv::FixedLength;
use subtle::ConstantTimeEq;

use super::encryption::{EncryptionKey, Salt, key_len_error};
use super::{Encryption, GCM_SALT_LEN};
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
    pub(super) fn open(&self, iv: &[u8; 8], aad: &[u8], data: &mut [u8], tag: &[u8; 16]) -> bool {
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
pub(super) fn hmac_verify(key: &hmac::Key, data: &[u8], esn_high: Option<u32>, icv: &[u8]) -> bool {
    let tag = hmac_tag(key, data, esn_high);
    tag.as_ref()
        .get(..icv.len())
        .is_some_and(|left| bool::from(left.ct_eq(icv)))
}
