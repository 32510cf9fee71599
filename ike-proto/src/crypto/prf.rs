//! The negotiated hash and its HMAC, the IKEv1 PRF.

use digest::{Digest, KeyInit, Mac};
use hmac::Hmac;
use md5::Md5;
use sha1::Sha1;
use sha2::{Sha256, Sha384, Sha512};

use super::secret::PrfOutput;

/// The phase-1 hash algorithm (Oakley attribute class 2, HASH) and with it the
/// PRF: IKEv1 uses HMAC with the negotiated hash whenever no PRF attribute is
/// negotiated, which is what every peer does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HashAlg {
    /// MD5 (hash 1), 16-byte output.
    Md5,
    /// SHA-1 (hash 2), 20-byte output.
    Sha1,
    /// SHA2-256 (hash 4), 32-byte output.
    Sha2_256,
    /// SHA2-384 (hash 5), 48-byte output.
    Sha2_384,
    /// SHA2-512 (hash 6), 64-byte output.
    Sha2_512,
}

impl HashAlg {
    /// Every supported algorithm.
    pub const ALL: [HashAlg; 5] = [
        HashAlg::Md5,
        HashAlg::Sha1,
        HashAlg::Sha2_256,
        HashAlg::Sha2_384,
        HashAlg::Sha2_512,
    ];

    /// From the value of the phase-1 HASH attribute (class 2): 1 MD5, 2 SHA,
    /// 4/5/6 SHA2-256/384/512. `None` for Tiger (3) and anything unknown.
    #[must_use]
    pub fn from_wire(value: u16) -> Option<Self> {
        match value {
            1 => Some(Self::Md5),
            2 => Some(Self::Sha1),
            4 => Some(Self::Sha2_256),
            5 => Some(Self::Sha2_384),
            6 => Some(Self::Sha2_512),
            _ => None,
        }
    }

    /// The phase-1 HASH attribute value.
    #[must_use]
    pub fn wire_id(self) -> u16 {
        match self {
            Self::Md5 => 1,
            Self::Sha1 => 2,
            Self::Sha2_256 => 4,
            Self::Sha2_384 => 5,
            Self::Sha2_512 => 6,
        }
    }

    /// Output length in bytes of the hash and of its HMAC.
    #[must_use]
    pub fn output_len(self) -> usize {
        match self {
            Self::Md5 => 16,
            Self::Sha1 => 20,
            Self::Sha2_256 => 32,
            Self::Sha2_384 => 48,
            Self::Sha2_512 => 64,
        }
    }

    /// A short name for logs ("md5", "sha1", "sha2-256", ...).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Md5 => "md5",
            Self::Sha1 => "sha1",
            Self::Sha2_256 => "sha2-256",
            Self::Sha2_384 => "sha2-384",
            Self::Sha2_512 => "sha2-512",
        }
    }

    /// `prf(key, data[0] | data[1] | ...)`: HMAC with this hash over the
    /// concatenation of `data`. Any key length is accepted (HMAC hashes keys
    /// longer than the block).
    #[must_use]
    pub fn prf(self, key: &[u8], data: &[&[u8]]) -> PrfOutput {
        match self {
            Self::Md5 => hmac_parts::<Md5>(key, data),
            Self::Sha1 => hmac_parts::<Sha1>(key, data),
            Self::Sha2_256 => hmac_parts::<Sha256>(key, data),
            Self::Sha2_384 => hmac_parts::<Sha384>(key, data),
            Self::Sha2_512 => hmac_parts::<Sha512>(key, data),
        }
    }

    /// `hash(data[0] | data[1] | ...)` with this hash (IV derivation, NAT-D).
    #[must_use]
    pub fn hash(self, data: &[&[u8]]) -> PrfOutput {
        match self {
            Self::Md5 => hash_parts::<Md5>(data),
            Self::Sha1 => hash_parts::<Sha1>(data),
            Self::Sha2_256 => hash_parts::<Sha256>(data),
            Self::Sha2_384 => hash_parts::<Sha384>(data),
            Self::Sha2_512 => hash_parts::<Sha512>(data),
        }
    }
}

fn hmac_parts<D>(key: &[u8], data: &[&[u8]]) -> PrfOutput
where
    D: hmac::EagerHash,
    Hmac<D>: KeyInit + Mac,
{
    // HMAC takes keys of any length, so this never takes the error branch;
    // an empty output would make every comparison fail rather than panic.
    let Ok(mut mac) = <Hmac<D> as KeyInit>::new_from_slice(key) else {
        return PrfOutput::from_slice(&[]);
    };
    for part in data {
        mac.update(part);
    }
    let out = mac.finalize().into_bytes();
    PrfOutput::from_slice(&out)
}

fn hash_parts<D: Digest>(data: &[&[u8]]) -> PrfOutput {
    let mut h = D::new();
    for part in data {
        h.update(part);
    }
    PrfOutput::from_slice(&h.finalize())
}
