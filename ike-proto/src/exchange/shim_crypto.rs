//! PRIVATE STAND-IN — move to `crate::crypto` when available.
//!
//! The crypto engineer's `crypto` module (PRFs, phase-1 ciphers with the
//! appendix B IV rules, SKEYID and the HASHes, KEYMAT, MODP DH) was not yet
//! committed when the exchanges were written. These are the few primitives
//! the exchanges need, behind the same shapes (`prf(key, &[parts])`,
//! `IsakmpCrypter::{encrypt, decrypt, confirm, forget}`), so switching to
//! `crate::crypto` is a change of `use` lines. Nothing here is public API.

use crypto_bigint::modular::{BoxedMontyForm, BoxedMontyParams};
use crypto_bigint::{BoxedUint, Odd};
use digest::{Digest, KeyInit, Mac};
use hmac::Hmac;
use rand_core::CryptoRng;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::policy::{DhGroup, Phase1Cipher, Phase1Hash};

/// Secret bytes, zeroized on drop.
pub(crate) type Secret = Zeroizing<Vec<u8>>;

fn hmac_parts<D>(key: &[u8], data: &[&[u8]]) -> Vec<u8>
where
    D: hmac::EagerHash,
    Hmac<D>: KeyInit + Mac,
{
    let Ok(mut mac) = <Hmac<D> as KeyInit>::new_from_slice(key) else {
        return Vec::new();
    };
    for part in data {
        mac.update(part);
    }
    mac.finalize().into_bytes().to_vec()
}

fn hash_parts<D: Digest>(data: &[&[u8]]) -> Vec<u8> {
    let mut h = D::new();
    for part in data {
        h.update(part);
    }
    h.finalize().to_vec()
}

/// The negotiated PRF: HMAC with the phase-1 hash.
pub(crate) fn prf(h: Phase1Hash, key: &[u8], data: &[&[u8]]) -> Secret {
    Zeroizing::new(match h {
        Phase1Hash::Md5 => hmac_parts::<md5::Md5>(key, data),
        Phase1Hash::Sha1 => hmac_parts::<sha1::Sha1>(key, data),
        Phase1Hash::Sha256 => hmac_parts::<sha2::Sha256>(key, data),
        Phase1Hash::Sha384 => hmac_parts::<sha2::Sha384>(key, data),
        Phase1Hash::Sha512 => hmac_parts::<sha2::Sha512>(key, data),
    })
}

/// The plain hash (IVs, NAT-D).
pub(crate) fn hash(h: Phase1Hash, data: &[&[u8]]) -> Vec<u8> {
    match h {
        Phase1Hash::Md5 => hash_parts::<md5::Md5>(data),
        Phase1Hash::Sha1 => hash_parts::<sha1::Sha1>(data),
        Phase1Hash::Sha256 => hash_parts::<sha2::Sha256>(data),
        Phase1Hash::Sha384 => hash_parts::<sha2::Sha384>(data),
        Phase1Hash::Sha512 => hash_parts::<sha2::Sha512>(data),
    }
}

/// Constant-time comparison of a received HASH with the expected one.
pub(crate) fn verify(expected: &[u8], got: &[u8]) -> bool {
    expected.len() == got.len() && bool::from(expected.ct_eq(got))
}

/// Key length in bytes of a phase-1 cipher.
pub(crate) fn key_len(c: Phase1Cipher) -> usize {
    match c {
        Phase1Cipher::Des => 8,
        Phase1Cipher::TripleDes => 24,
        Phase1Cipher::AesCbc { key_bits } => usize::from(key_bits / 8),
    }
}

/// Block length in bytes of a phase-1 cipher.
pub(crate) fn block_len(c: Phase1Cipher) -> usize {
    match c {
        Phase1Cipher::Des | Phase1Cipher::TripleDes => 8,
        Phase1Cipher::AesCbc { .. } => 16,
    }
}

fn cbc_encrypt<C>(key: &[u8], iv: &[u8], buf: &mut [u8]) -> bool
where
    C: cipher::BlockCipherEncrypt + cipher::KeyInit,
{
    use cipher::{BlockModeEncrypt, KeyIvInit};
    let Ok(mut mode) = cbc::Encryptor::<C>::new_from_slices(key, iv) else {
        return false;
    };
    let (blocks, tail) = cipher::array::Array::<u8, C::BlockSize>::slice_as_chunks_mut(buf);
    mode.encrypt_blocks(blocks);
    tail.is_empty()
}

fn cbc_decrypt<C>(key: &[u8], iv: &[u8], buf: &mut [u8]) -> bool
where
    C: cipher::BlockCipherDecrypt + cipher::KeyInit,
{
    use cipher::{BlockModeDecrypt, KeyIvInit};
    let Ok(mut mode) = cbc::Decryptor::<C>::new_from_slices(key, iv) else {
        return false;
    };
    let (blocks, tail) = cipher::array::Array::<u8, C::BlockSize>::slice_as_chunks_mut(buf);
    mode.decrypt_blocks(blocks);
    tail.is_empty()
}

fn cbc(c: Phase1Cipher, key: &[u8], iv: &[u8], buf: &mut [u8], enc: bool) -> bool {
    match (c, enc) {
        (Phase1Cipher::Des, true) => cbc_encrypt::<des::Des>(key, iv, buf),
        (Phase1Cipher::Des, false) => cbc_decrypt::<des::Des>(key, iv, buf),
        (Phase1Cipher::TripleDes, true) => cbc_encrypt::<des::TdesEde3>(key, iv, buf),
        (Phase1Cipher::TripleDes, false) => cbc_decrypt::<des::TdesEde3>(key, iv, buf),
        (Phase1Cipher::AesCbc { key_bits: 128 }, true) => cbc_encrypt::<aes::Aes128>(key, iv, buf),
        (Phase1Cipher::AesCbc { key_bits: 128 }, false) => cbc_decrypt::<aes::Aes128>(key, iv, buf),
        (Phase1Cipher::AesCbc { key_bits: 192 }, true) => cbc_encrypt::<aes::Aes192>(key, iv, buf),
        (Phase1Cipher::AesCbc { key_bits: 192 }, false) => cbc_decrypt::<aes::Aes192>(key, iv, buf),
        (Phase1Cipher::AesCbc { key_bits: 256 }, true) => cbc_encrypt::<aes::Aes256>(key, iv, buf),
        (Phase1Cipher::AesCbc { key_bits: 256 }, false) => cbc_decrypt::<aes::Aes256>(key, iv, buf),
        (Phase1Cipher::AesCbc { .. }, _) => false,
    }
}

/// The phase-1 keys of RFC 2409 section 5 (pre-shared key authentication).
pub(crate) struct Phase1Keys {
    pub(crate) prf: Phase1Hash,
    pub(crate) skeyid: Secret,
    pub(crate) skeyid_d: Secret,
    pub(crate) skeyid_a: Secret,
    pub(crate) skeyid_e: Secret,
}

impl Phase1Keys {
    /// SKEYID = prf(pre-shared-key, Ni_b | Nr_b), then SKEYID_d/_a/_e.
    pub(crate) fn derive_psk(
        prf_alg: Phase1Hash,
        psk: &[u8],
        ni_b: &[u8],
        nr_b: &[u8],
        g_xy: &[u8],
        cky_i: &[u8; 8],
        cky_r: &[u8; 8],
    ) -> Self {
        let skeyid = prf(prf_alg, psk, &[ni_b, nr_b]);
        let skeyid_d = prf(prf_alg, &skeyid, &[g_xy, cky_i, cky_r, &[0]]);
        let skeyid_a = prf(prf_alg, &skeyid, &[&skeyid_d, g_xy, cky_i, cky_r, &[1]]);
        let skeyid_e = prf(prf_alg, &skeyid, &[&skeyid_a, g_xy, cky_i, cky_r, &[2]]);
        Self {
            prf: prf_alg,
            skeyid,
            skeyid_d,
            skeyid_a,
            skeyid_e,
        }
    }

    /// The cipher key: SKEYID_e truncated, or expanded (appendix B) when
    /// too short.
    pub(crate) fn encryption_key(&self, c: Phase1Cipher) -> Secret {
        let len = key_len(c);
        let mut out = Zeroizing::new(Vec::with_capacity(len + 64));
        if self.skeyid_e.len() >= len {
            out.extend_from_slice(self.skeyid_e.get(..len).unwrap_or_default());
            return out;
        }
        let mut k = prf(self.prf, &self.skeyid_e, &[&[0]]);
        out.extend_from_slice(&k);
        while out.len() < len {
            k = prf(self.prf, &self.skeyid_e, &[&k]);
            out.extend_from_slice(&k);
        }
        out.truncate(len);
        out
    }

    /// HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b).
    pub(crate) fn hash_i(
        &self,
        g_xi: &[u8],
        g_xr: &[u8],
        cky_i: &[u8],
        cky_r: &[u8],
        sai_b: &[u8],
        id_b: &[u8],
    ) -> Secret {
        prf(
            self.prf,
            &self.skeyid,
            &[g_xi, g_xr, cky_i, cky_r, sai_b, id_b],
        )
    }

    /// HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b).
    pub(crate) fn hash_r(
        &self,
        g_xi: &[u8],
        g_xr: &[u8],
        cky_i: &[u8],
        cky_r: &[u8],
        sai_b: &[u8],
        id_b: &[u8],
    ) -> Secret {
        prf(
            self.prf,
            &self.skeyid,
            &[g_xr, g_xi, cky_r, cky_i, sai_b, id_b],
        )
    }

    /// HASH(1) of Quick Mode, Informational and Transaction:
    /// prf(SKEYID_a, M-ID | rest).
    pub(crate) fn hash1(&self, message_id: u32, rest: &[u8]) -> Secret {
        prf(self.prf, &self.skeyid_a, &[&message_id.to_be_bytes(), rest])
    }

    /// HASH(2) = prf(SKEYID_a, M-ID | Ni_b | rest).
    pub(crate) fn hash2(&self, message_id: u32, ni_b: &[u8], rest: &[u8]) -> Secret {
        prf(
            self.prf,
            &self.skeyid_a,
            &[&message_id.to_be_bytes(), ni_b, rest],
        )
    }

    /// HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b).
    pub(crate) fn hash3(&self, message_id: u32, ni_b: &[u8], nr_b: &[u8]) -> Secret {
        prf(
            self.prf,
            &self.skeyid_a,
            &[&[0], &message_id.to_be_bytes(), ni_b, nr_b],
        )
    }

    /// KEYMAT = K1 | K2 | ... with K1 = prf(SKEYID_d, [g(qm)^xy |] protocol
    /// | SPI | Ni_b | Nr_b) and Kn = prf(SKEYID_d, Kn-1 | same).
    pub(crate) fn keymat(
        &self,
        protocol: u8,
        spi: &[u8],
        ni_b: &[u8],
        nr_b: &[u8],
        g_qm: Option<&[u8]>,
        len: usize,
    ) -> Secret {
        let proto = [protocol];
        let g = g_qm.unwrap_or(&[]);
        let mut out = Zeroizing::new(Vec::with_capacity(len + 64));
        let mut k = prf(self.prf, &self.skeyid_d, &[g, &proto, spi, ni_b, nr_b]);
        out.extend_from_slice(&k);
        while out.len() < len {
            k = prf(self.prf, &self.skeyid_d, &[&k, g, &proto, spi, ni_b, nr_b]);
            out.extend_from_slice(&k);
        }
        out.truncate(len);
        out
    }
}

/// Phase-1 encryption with the RFC 2409 appendix B IV rules: the first IV
/// from the DH values, chaining by the last ciphertext block, a fresh IV
/// per phase-2 / informational message ID from the last phase-1 block. A
/// decrypted message moves the IV only when [`IsakmpCrypter::confirm`]ed.
pub(crate) struct IsakmpCrypter {
    cipher: Phase1Cipher,
    hash: Phase1Hash,
    key: Secret,
    phase1: Vec<u8>,
    exchanges: Vec<(u32, Vec<u8>)>,
    pending: Vec<(u32, Vec<u8>)>,
}

const MAX_TRACKED: usize = 32;

impl IsakmpCrypter {
    pub(crate) fn new(
        cipher: Phase1Cipher,
        hash: Phase1Hash,
        key: Secret,
        g_xi: &[u8],
        g_xr: &[u8],
    ) -> Self {
        let mut iv = hash_parts_dyn(hash, &[g_xi, g_xr]);
        iv.truncate(block_len(cipher));
        Self {
            cipher,
            hash,
            key,
            phase1: iv,
            exchanges: Vec::new(),
            pending: Vec::new(),
        }
    }

    fn iv(&self, message_id: u32) -> Vec<u8> {
        if message_id == 0 {
            return self.phase1.clone();
        }
        if let Some((_, iv)) = self.exchanges.iter().find(|(m, _)| *m == message_id) {
            return iv.clone();
        }
        let mut iv = hash_parts_dyn(self.hash, &[&self.phase1, &message_id.to_be_bytes()]);
        iv.truncate(block_len(self.cipher));
        iv
    }

    fn set_iv(&mut self, message_id: u32, iv: Vec<u8>) {
        if message_id == 0 {
            self.phase1 = iv;
            return;
        }
        self.exchanges.retain(|(m, _)| *m != message_id);
        self.exchanges.insert(0, (message_id, iv));
        self.exchanges.truncate(MAX_TRACKED);
    }

    fn last_block(&self, ct: &[u8]) -> Vec<u8> {
        ct.get(ct.len().saturating_sub(block_len(self.cipher))..)
            .unwrap_or_default()
            .to_vec()
    }

    /// Pads (zeros, then the pad length in the last byte) and encrypts the
    /// payloads of a message, advancing the IV of `message_id`.
    pub(crate) fn encrypt(&mut self, message_id: u32, plaintext: &[u8]) -> Vec<u8> {
        let block = block_len(self.cipher);
        let mut buf = plaintext.to_vec();
        let pad = block - buf.len() % block;
        buf.resize(buf.len() + pad, 0);
        if let Some(last) = buf.last_mut() {
            *last = u8::try_from(pad - 1).unwrap_or(0);
        }
        let iv = self.iv(message_id);
        if !cbc(self.cipher, &self.key, &iv, &mut buf, true) {
            return Vec::new();
        }
        let next = self.last_block(&buf);
        self.set_iv(message_id, next);
        self.pending.retain(|(m, _)| *m != message_id);
        buf
    }

    /// Decrypts; the IV moves on only after [`IsakmpCrypter::confirm`].
    pub(crate) fn decrypt(&mut self, message_id: u32, ciphertext: &[u8]) -> Option<Secret> {
        let block = block_len(self.cipher);
        if ciphertext.is_empty() || ciphertext.len() % block != 0 {
            return None;
        }
        let iv = self.iv(message_id);
        let mut buf = Zeroizing::new(ciphertext.to_vec());
        if !cbc(self.cipher, &self.key, &iv, &mut buf, false) {
            return None;
        }
        let next = self.last_block(ciphertext);
        self.pending.retain(|(m, _)| *m != message_id);
        self.pending.insert(0, (message_id, next));
        self.pending.truncate(MAX_TRACKED);
        Some(buf)
    }

    /// Commits the IV of the last message decrypted under `message_id`.
    pub(crate) fn confirm(&mut self, message_id: u32) {
        if let Some(pos) = self.pending.iter().position(|(m, _)| *m == message_id) {
            let (_, iv) = self.pending.remove(pos);
            self.set_iv(message_id, iv);
        }
    }

    /// Drops the IV state of a finished exchange.
    pub(crate) fn forget(&mut self, message_id: u32) {
        self.pending.retain(|(m, _)| *m != message_id);
        if message_id != 0 {
            self.exchanges.retain(|(m, _)| *m != message_id);
        }
    }
}

fn hash_parts_dyn(h: Phase1Hash, data: &[&[u8]]) -> Vec<u8> {
    hash(h, data)
}

const MODP_1: &str = concat!(
    "ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74",
    "020bbea63b139b22514a08798e3404ddef9519b3cd3a431b302b0a6df25f1437",
    "4fe1356d6d51c245e485b576625e7ec6f44c42e9a63a3620ffffffffffffffff",
);
const MODP_2: &str = concat!(
    "ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74",
    "020bbea63b139b22514a08798e3404ddef9519b3cd3a431b302b0a6df25f1437",
    "4fe1356d6d51c245e485b576625e7ec6f44c42e9a637ed6b0bff5cb6f406b7ed",
    "ee386bfb5a899fa5ae9f24117c4b1fe649286651ece65381ffffffffffffffff",
);
const MODP_5: &str = concat!(
    "ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74",
    "020bbea63b139b22514a08798e3404ddef9519b3cd3a431b302b0a6df25f1437",
    "4fe1356d6d51c245e485b576625e7ec6f44c42e9a637ed6b0bff5cb6f406b7ed",
    "ee386bfb5a899fa5ae9f24117c4b1fe649286651ece45b3dc2007cb8a163bf05",
    "98da48361c55d39a69163fa8fd24cf5f83655d23dca3ad961c62f356208552bb",
    "9ed529077096966d670c354e4abc9804f1746c08ca237327ffffffffffffffff",
);
const MODP_14: &str = concat!(
    "ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74",
    "020bbea63b139b22514a08798e3404ddef9519b3cd3a431b302b0a6df25f1437",
    "4fe1356d6d51c245e485b576625e7ec6f44c42e9a637ed6b0bff5cb6f406b7ed",
    "ee386bfb5a899fa5ae9f24117c4b1fe649286651ece45b3dc2007cb8a163bf05",
    "98da48361c55d39a69163fa8fd24cf5f83655d23dca3ad961c62f356208552bb",
    "9ed529077096966d670c354e4abc9804f1746c08ca18217c32905e462e36ce3b",
    "e39e772c180e86039b2783a2ec07a28fb5c55df06f4c52c9de2bcbf695581718",
    "3995497cea956ae515d2261898fa051015728e5a8aacaa68ffffffffffffffff",
);

fn unhex(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    b.chunks(2)
        .map(|p| {
            let n = |c: u8| match c {
                b'0'..=b'9' => c - b'0',
                b'a'..=b'f' => c - b'a' + 10,
                b'A'..=b'F' => c - b'A' + 10,
                _ => 0,
            };
            (n(p.first().copied().unwrap_or(b'0')) << 4) | n(p.get(1).copied().unwrap_or(b'0'))
        })
        .collect()
}

/// The prime of a supported MODP group, big-endian.
fn modp_prime(group: DhGroup) -> Option<Vec<u8>> {
    Some(unhex(match group.0 {
        1 => MODP_1,
        2 => MODP_2,
        5 => MODP_5,
        14 => MODP_14,
        _ => return None,
    }))
}

/// Whether we can do this DH group.
pub(crate) fn group_supported(group: DhGroup) -> bool {
    modp_prime(group).is_some()
}

/// A Diffie-Hellman private value with its public value.
pub(crate) struct DhKeyPair {
    group: DhGroup,
    secret: Secret,
    /// g^x mod p, left-padded to the modulus length.
    pub(crate) public: Vec<u8>,
}

fn params(p: &[u8]) -> Option<BoxedMontyParams> {
    let bits = u32::try_from(p.len() * 8).ok()?;
    let n = BoxedUint::from_be_slice(p, bits).ok()?;
    let odd = Option::<Odd<BoxedUint>>::from(Odd::new(n))?;
    Some(BoxedMontyParams::new_vartime(odd))
}

fn pad_to(v: &[u8], len: usize) -> Vec<u8> {
    let mut out = vec![0u8; len.saturating_sub(v.len())];
    out.extend_from_slice(v.get(v.len().saturating_sub(len)..).unwrap_or_default());
    out
}

impl DhKeyPair {
    /// A fresh private value (sized by group) and its public value.
    pub(crate) fn generate(group: DhGroup, rng: &mut dyn CryptoRng) -> Option<Self> {
        let p = modp_prime(group)?;
        let exp_bytes = match group.0 {
            1 | 2 => 32,
            5 => 40,
            _ => 64,
        };
        let mut x = Zeroizing::new(vec![0u8; exp_bytes]);
        rng.fill_bytes(&mut x);
        if let Some(first) = x.first_mut() {
            *first |= 0x80;
        }
        let prm = params(&p)?;
        let bits = prm.bits_precision();
        let g = BoxedMontyForm::new(BoxedUint::from_be_slice(&[2], bits).ok()?, &prm);
        let e = BoxedUint::from_be_slice(&x, u32::try_from(exp_bytes * 8).ok()?).ok()?;
        let y = g.pow(&e).retrieve();
        Some(Self {
            group,
            secret: x,
            public: pad_to(&y.to_be_bytes(), p.len()),
        })
    }

    /// g^xy, left-padded to the modulus length; `None` if the peer's value
    /// is out of range (1 < y < p-1 and the right length).
    pub(crate) fn shared(&self, peer: &[u8]) -> Option<Secret> {
        let p = modp_prime(self.group)?;
        if peer.len() != p.len() {
            return None;
        }
        let bits = u32::try_from(p.len() * 8).ok()?;
        let y = BoxedUint::from_be_slice(peer, bits).ok()?;
        let pn = BoxedUint::from_be_slice(&p, bits).ok()?;
        let one = BoxedUint::from_be_slice(&[1], bits).ok()?;
        let pm1 = pn.wrapping_sub(&one);
        if y <= one || y >= pm1 {
            return None;
        }
        let prm = params(&p)?;
        let e = BoxedUint::from_be_slice(&self.secret, u32::try_from(self.secret.len() * 8).ok()?)
            .ok()?;
        let z = BoxedMontyForm::new(y, &prm).pow(&e).retrieve();
        Some(Zeroizing::new(pad_to(&z.to_be_bytes(), p.len())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    #[test]
    fn dh_agrees() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let a = DhKeyPair::generate(DhGroup(2), &mut rng).unwrap();
        let b = DhKeyPair::generate(DhGroup(2), &mut rng).unwrap();
        assert_eq!(a.public.len(), 128);
        assert_eq!(*a.shared(&b.public).unwrap(), *b.shared(&a.public).unwrap());
        assert!(a.shared(&[0u8; 128]).is_none());
        assert!(a.shared(&[1u8; 12]).is_none());
    }

    #[test]
    fn crypter_round_trip_and_chaining() {
        let key = Zeroizing::new(vec![7u8; 24]);
        let mut a = IsakmpCrypter::new(
            Phase1Cipher::TripleDes,
            Phase1Hash::Sha1,
            key.clone(),
            b"x",
            b"y",
        );
        let mut b = IsakmpCrypter::new(Phase1Cipher::TripleDes, Phase1Hash::Sha1, key, b"x", b"y");
        for msg in [&b"hello world"[..], b"second message"] {
            let ct = a.encrypt(0, msg);
            let pt = b.decrypt(0, &ct).unwrap();
            b.confirm(0);
            assert_eq!(&pt[..msg.len()], msg);
        }
        let ct = a.encrypt(77, b"qm");
        assert_eq!(&b.decrypt(77, &ct).unwrap()[..2], b"qm");
    }
}
