//! The IOS model's words as ike-proto's types: the model keeps what the
//! configuration text says, and the resolver compares in the one
//! vocabulary the engine negotiates with.

use ike_proto::policy as proto;

use super::{
    AesKeyLength, DhGroup, EspEncryption, EspIntegrity, EspMode, IkeAuthentication, IkeEncryption,
    IkeHash,
};

impl From<IkeEncryption> for proto::Phase1Cipher {
    fn from(e: IkeEncryption) -> Self {
        match e {
            IkeEncryption::Des => Self::Des,
            IkeEncryption::TripleDes => Self::TripleDes,
            IkeEncryption::Aes(AesKeyLength::Aes128) => Self::Aes128,
            IkeEncryption::Aes(AesKeyLength::Aes192) => Self::Aes192,
            IkeEncryption::Aes(AesKeyLength::Aes256) => Self::Aes256,
        }
    }
}

impl From<IkeHash> for proto::HashAlg {
    fn from(h: IkeHash) -> Self {
        match h {
            IkeHash::Md5 => Self::Md5,
            IkeHash::Sha => Self::Sha1,
            IkeHash::Sha256 => Self::Sha2_256,
            IkeHash::Sha384 => Self::Sha2_384,
            IkeHash::Sha512 => Self::Sha2_512,
        }
    }
}

/// An authentication method ike-proto does not do (RSA signatures or
/// encryption): a policy naming it can be configured, never negotiated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotNegotiable;

impl TryFrom<IkeAuthentication> for proto::AuthMethod {
    type Error = NotNegotiable;

    fn try_from(a: IkeAuthentication) -> Result<Self, NotNegotiable> {
        match a {
            IkeAuthentication::PreShare => Ok(Self::PreSharedKey),
            IkeAuthentication::RsaSig | IkeAuthentication::RsaEncr => Err(NotNegotiable),
        }
    }
}

impl From<DhGroup> for proto::DhGroup {
    fn from(g: DhGroup) -> Self {
        match g {
            DhGroup::Group1 => Self::Modp768,
            DhGroup::Group2 => Self::Modp1024,
            DhGroup::Group5 => Self::Modp1536,
            DhGroup::Group14 => Self::Modp2048,
            DhGroup::Group15 => Self::Modp3072,
            DhGroup::Group16 => Self::Modp4096,
        }
    }
}

impl From<EspEncryption> for proto::EspCipher {
    fn from(e: EspEncryption) -> Self {
        match e {
            EspEncryption::Des => Self::Des,
            EspEncryption::TripleDes => Self::TripleDes,
            EspEncryption::Aes(k) => Self::AesCbc { key_bits: k.bits() },
            EspEncryption::Gcm(k) => Self::AesGcm16 { key_bits: k.bits() },
            EspEncryption::Null => Self::Null,
        }
    }
}

/// SHA-384/512 integrity: IOS has the keywords, the ESP suite does not.
impl TryFrom<EspIntegrity> for proto::EspIntegrity {
    type Error = NotNegotiable;

    fn try_from(i: EspIntegrity) -> Result<Self, NotNegotiable> {
        match i {
            EspIntegrity::Md5Hmac => Ok(Self::HmacMd5),
            EspIntegrity::ShaHmac => Ok(Self::HmacSha1),
            EspIntegrity::Sha256Hmac => Ok(Self::HmacSha256),
            EspIntegrity::Sha384Hmac | EspIntegrity::Sha512Hmac => Err(NotNegotiable),
        }
    }
}

impl From<EspMode> for proto::EncapMode {
    fn from(m: EspMode) -> Self {
        match m {
            EspMode::Tunnel => Self::Tunnel,
            EspMode::Transport => Self::Transport,
        }
    }
}
