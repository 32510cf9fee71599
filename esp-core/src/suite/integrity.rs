//! Keyed integrity state: the HMAC inner and outer pads of one SA, and
//! the truncated ICV computed and checked with them.

use core::fmt;

use cipher::KeyInit;
use hmac::block_api::HmacCore;
use hmac::digest::block_api::{Buffer, CoreProxy, EagerHash};
use hmac::{Hmac, Mac};
use md5::Md5;
use sha1::Sha1;
use sha2::Sha256;

#[cfg(feature = "aws-lc")]
use super::aws;
use super::{Backend, Integrity};
use crate::EspError;

/// The keyed HMAC cores only (the inner and outer pads' hash states):
/// the 64-byte block buffer of a full `Hmac` is set up per packet, not
/// kept in each of a hub's SAs.
enum MacState {
    None,
    Md5(HmacCore<Md5>),
    Sha1(HmacCore<Sha1>),
    Sha256(HmacCore<Sha256>),
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
                MacState::Md5(<HmacCore<Md5> as KeyInit>::new_from_slice(key).map_err(bad)?)
            }
            Integrity::HmacSha1_96 => {
                MacState::Sha1(<HmacCore<Sha1> as KeyInit>::new_from_slice(key).map_err(bad)?)
            }
            Integrity::HmacSha256_128 => {
                MacState::Sha256(<HmacCore<Sha256> as KeyInit>::new_from_slice(key).map_err(bad)?)
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

/// A fresh MAC from the SA's keyed cores.
fn keyed<D: EagerHash>(core: &HmacCore<D>) -> Hmac<D> {
    Hmac::compose(core.clone(), Buffer::<HmacCore<D>>::default())
}

/// Compare the leftmost bytes of the HMAC with `icv` in constant time.
fn hmac_verify<D: EagerHash>(
    core: &HmacCore<D>,
    data: &[u8],
    esn_high: Option<u32>,
    icv: &[u8],
) -> bool {
    let mut mac = keyed(core);
    mac.update(data);
    if let Some(high) = esn_high {
        mac.update(&high.to_be_bytes());
    }
    mac.verify_truncated_left(icv).is_ok()
}

fn hmac_into<D: EagerHash>(core: &HmacCore<D>, data: &[u8], esn_high: Option<u32>, out: &mut [u8]) {
    let mut mac = keyed(core);
    mac.update(data);
    if let Some(high) = esn_high {
        mac.update(&high.to_be_bytes());
    }
    let full = mac.finalize().into_bytes();
    let n = out.len().min(full.len());
    out[..n].copy_from_slice(&full[..n]);
}
