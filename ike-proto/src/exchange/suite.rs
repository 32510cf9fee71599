//! The negotiated phase-1 suite over [`crate::crypto`]: the few calls the
//! exchanges make (keys, HASHes, KEYMAT, the IV-chaining crypter, DH) in
//! the shapes the exchange code uses.

use std::net::{IpAddr, SocketAddrV4};

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::crypto::{self, DhGroup, HashAlg, Phase1Cipher, Phase1Transcript};
use crate::wire::Cookie;

/// Secret bytes, zeroized on drop.
pub(crate) type Secret = Zeroizing<Vec<u8>>;

fn secret(b: &[u8]) -> Secret {
    Zeroizing::new(b.to_vec())
}

/// Constant-time comparison of a received HASH with the expected one.
pub(crate) fn verify(expected: &[u8], got: &[u8]) -> bool {
    crypto::verify_hash(expected, got)
}

/// NAT-D = HASH(CKY-I | CKY-R | IP | Port).
pub(crate) fn nat_d(h: HashAlg, icky: &Cookie, rcky: &Cookie, addr: SocketAddrV4) -> Vec<u8> {
    crypto::nat_d_hash(
        h,
        icky.as_bytes(),
        rcky.as_bytes(),
        IpAddr::V4(*addr.ip()),
        addr.port(),
    )
    .to_vec()
}

/// The phase-1 keys of RFC 2409 section 5 (pre-shared key authentication).
pub(crate) struct Phase1Keys(crypto::Phase1Keys);

impl Phase1Keys {
    /// SKEYID = prf(pre-shared-key, Ni_b | Nr_b), then SKEYID_d/_a/_e.
    pub(crate) fn derive_psk(
        prf: HashAlg,
        psk: &[u8],
        ni_b: &[u8],
        nr_b: &[u8],
        g_xy: &[u8],
        cky_i: &Cookie,
        cky_r: &Cookie,
    ) -> Self {
        let h = prf;
        let skeyid = crypto::skeyid_psk(h, psk, ni_b, nr_b);
        Self(crypto::Phase1Keys::derive(
            h,
            skeyid,
            g_xy,
            cky_i.as_bytes(),
            cky_r.as_bytes(),
        ))
    }

    /// HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b).
    pub(crate) fn hash_i(
        &self,
        g_xi: &[u8],
        g_xr: &[u8],
        cky_i: &Cookie,
        cky_r: &Cookie,
        sai_b: &[u8],
        id_b: &[u8],
    ) -> Secret {
        let t = Phase1Transcript {
            g_xi,
            g_xr,
            cky_i: cky_i.as_bytes(),
            cky_r: cky_r.as_bytes(),
            sai_b,
        };
        secret(self.0.hash_i(&t, id_b).as_bytes())
    }

    /// HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b).
    pub(crate) fn hash_r(
        &self,
        g_xi: &[u8],
        g_xr: &[u8],
        cky_i: &Cookie,
        cky_r: &Cookie,
        sai_b: &[u8],
        id_b: &[u8],
    ) -> Secret {
        let t = Phase1Transcript {
            g_xi,
            g_xr,
            cky_i: cky_i.as_bytes(),
            cky_r: cky_r.as_bytes(),
            sai_b,
        };
        secret(self.0.hash_r(&t, id_b).as_bytes())
    }

    /// SKEYID_d and SKEYID_a, SKEYID and SKEYID_e wiped: what the
    /// established SA keeps.
    pub(crate) fn into_phase2(self) -> Phase2Keys {
        Phase2Keys(self.0.into_phase2())
    }
}

/// The keys an established ISAKMP SA runs phase 2 and the Informational
/// exchange on (SKEYID_d, SKEYID_a).
pub(crate) struct Phase2Keys(crypto::Phase2Keys);

impl Phase2Keys {
    /// HASH(1) of Quick Mode, Informational and Transaction.
    pub(crate) fn hash1(&self, message_id: u32, rest: &[u8]) -> Secret {
        secret(self.0.quick_hash1(message_id, rest).as_bytes())
    }

    /// HASH(2) = prf(SKEYID_a, M-ID | Ni_b | rest).
    pub(crate) fn hash2(&self, message_id: u32, ni_b: &[u8], rest: &[u8]) -> Secret {
        secret(self.0.quick_hash2(message_id, ni_b, rest).as_bytes())
    }

    /// HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b).
    pub(crate) fn hash3(&self, message_id: u32, ni_b: &[u8], nr_b: &[u8]) -> Secret {
        secret(self.0.quick_hash3(message_id, ni_b, nr_b).as_bytes())
    }

    /// KEYMAT for one direction of an ESP SA, expanded to `len` bytes.
    pub(crate) fn keymat(
        &self,
        protocol: u8,
        spi: &[u8],
        ni_b: &[u8],
        nr_b: &[u8],
        g_qm: Option<&[u8]>,
        len: usize,
    ) -> Secret {
        secret(
            self.0
                .keymat(protocol, spi, ni_b, nr_b, g_qm, len)
                .as_bytes(),
        )
    }
}

/// Phase-1 encryption with the RFC 2409 appendix B IV rules (the crypto
/// module's crypter); a decrypted message moves the IV only when
/// [`IsakmpCrypter::confirm`]ed.
pub(crate) struct IsakmpCrypter(crypto::IsakmpCrypter);

impl IsakmpCrypter {
    /// The crypter for the negotiated suite, keyed from SKEYID_e.
    pub(crate) fn new(
        keys: &Phase1Keys,
        c: Phase1Cipher,
        h: HashAlg,
        g_xi: &[u8],
        g_xr: &[u8],
    ) -> Option<Self> {
        crypto::IsakmpCrypter::new(c, h, keys.0.encryption_key(c), g_xi, g_xr)
            .ok()
            .map(Self)
    }

    /// Pads and encrypts the payloads of a message, advancing the IV.
    pub(crate) fn encrypt(&mut self, message_id: u32, plaintext: &[u8]) -> Vec<u8> {
        self.0.encrypt(message_id, plaintext)
    }

    /// Decrypts; the IV moves on only after [`IsakmpCrypter::confirm`].
    pub(crate) fn decrypt(&mut self, message_id: u32, ciphertext: &[u8]) -> Option<Secret> {
        self.0.decrypt(message_id, ciphertext).ok()
    }

    /// Decrypts with a new exchange's IV for `message_id`, moving no chain
    /// (see [`crypto::IsakmpCrypter::decrypt_as_new_exchange`]).
    pub(crate) fn decrypt_as_new_exchange(
        &self,
        message_id: u32,
        ciphertext: &[u8],
    ) -> Option<Secret> {
        self.0.decrypt_as_new_exchange(message_id, ciphertext).ok()
    }

    /// The cipher key (SKEYID_e expanded, RFC 2409 appendix B): only for
    /// an opted-in key log ([`crate::engine::Config::keylog`]).
    pub(crate) fn key(&self) -> &crypto::SecretBytes {
        self.0.key()
    }

    /// The IV the next message under `message_id` takes (tests build
    /// peers' messages with it).
    #[cfg(test)]
    pub(crate) fn iv(&self, message_id: u32) -> Vec<u8> {
        self.0.iv(message_id)
    }

    /// Commits the IV of the last message decrypted under `message_id`.
    pub(crate) fn confirm(&mut self, message_id: u32) {
        let _ = self.0.confirm(message_id);
    }

    /// Drops the IV state of a finished exchange.
    pub(crate) fn forget(&mut self, message_id: u32) {
        self.0.forget(message_id);
    }
}

/// A Diffie-Hellman private value with its public value.
pub(crate) struct DhKeyPair {
    inner: crypto::DhKeyPair,
    /// g^x mod p, left-padded to the modulus length.
    pub(crate) public: Vec<u8>,
}

impl DhKeyPair {
    /// A fresh private value (sized by group) and its public value.
    pub(crate) fn generate(group: DhGroup, rng: &mut dyn CryptoRng) -> Self {
        let inner = crypto::DhKeyPair::generate(group, rng);
        let public = inner.public_value().to_vec();
        Self { inner, public }
    }

    /// g^xy, left-padded; `None` if the peer's value is out of range.
    pub(crate) fn shared(&self, peer: &[u8]) -> Option<Secret> {
        self.inner
            .shared_secret(peer)
            .ok()
            .map(|s| secret(s.as_bytes()))
    }
}
