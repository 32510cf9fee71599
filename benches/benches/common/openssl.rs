//! The raw ESP work done with OpenSSL (the `openssl` crate over the
//! system's libcrypto), as a C programmer would: one cipher context per
//! direction with the key schedule set once, the IV set per packet; HMAC
//! from inner and outer digest contexts keyed once and copied per packet
//! (what `HMAC_Init_ex(ctx, NULL, ...)` reuse does; a fresh `Signer` per
//! packet costs OpenSSL 3 an algorithm fetch, several times the HMAC);
//! AES-GCM through the same context with the nonce and AAD per packet. OpenSSL cannot encrypt in
//! place through this API, so each direction writes to a scratch buffer
//! kept across packets, and the bytes are copied back (a memcpy per packet,
//! which the in-place data plane does not pay).

use esp_core::{Encryption, Integrity, Suite};
use openssl::cipher::{Cipher, CipherRef};
use openssl::cipher_ctx::CipherCtx;
use openssl::hash::{Hasher, MessageDigest};
use openssl::memcmp;

pub enum RawOpenssl {
    Cbc {
        encrypt: CipherCtx,
        decrypt: CipherCtx,
        mac: Hmac,
        iv_len: usize,
        scratch: Vec<u8>,
    },
    Gcm {
        encrypt: CipherCtx,
        decrypt: CipherCtx,
        scratch: Vec<u8>,
    },
}

fn ctx(cipher: &CipherRef, key: &[u8], encrypt: bool) -> CipherCtx {
    let mut ctx = CipherCtx::new().unwrap();
    if encrypt {
        ctx.encrypt_init(Some(cipher), Some(key), None).unwrap();
    } else {
        ctx.decrypt_init(Some(cipher), Some(key), None).unwrap();
    }
    ctx.set_padding(false);
    ctx
}

impl RawOpenssl {
    /// `None` where the suite has no OpenSSL counterpart worth comparing
    /// (NULL encryption, HMAC-MD5).
    pub fn new(suite: Suite, enc: &[u8], integ: &[u8]) -> Option<Self> {
        let gcm = |cipher: &CipherRef, len: usize| {
            Some(Self::Gcm {
                encrypt: ctx(cipher, &enc[..len], true),
                decrypt: ctx(cipher, &enc[..len], false),
                scratch: vec![0; 16 * 1024],
            })
        };
        let cipher = match suite.encryption() {
            Encryption::AesGcm128 => return gcm(Cipher::aes_128_gcm(), 16),
            Encryption::AesGcm192 => return gcm(Cipher::aes_192_gcm(), 24),
            Encryption::AesGcm256 => return gcm(Cipher::aes_256_gcm(), 32),
            Encryption::TripleDesCbc => Cipher::des_ede3_cbc(),
            Encryption::AesCbc128 => Cipher::aes_128_cbc(),
            Encryption::AesCbc192 => Cipher::aes_192_cbc(),
            Encryption::AesCbc256 => Cipher::aes_256_cbc(),
            _ => return None,
        };
        let digest = match suite.integrity() {
            Integrity::HmacSha1_96 => MessageDigest::sha1(),
            Integrity::HmacSha256_128 => MessageDigest::sha256(),
            _ => return None,
        };
        Some(Self::Cbc {
            encrypt: ctx(cipher, enc, true),
            decrypt: ctx(cipher, enc, false),
            mac: Hmac::new(digest, integ),
            iv_len: suite.iv_len(),
            scratch: vec![0; 16 * 1024],
        })
    }

    /// Seal then open `packet` (laid out as ESP lays it out), in place as
    /// far as the API allows.
    pub fn run(&mut self, packet: &mut [u8], icv_len: usize) {
        let icv_at = packet.len() - icv_len;
        match self {
            Self::Cbc {
                encrypt,
                decrypt,
                mac,
                iv_len,
                scratch,
            } => {
                let (front, icv) = packet.split_at_mut(icv_at);
                {
                    let (iv, body) = front[8..].split_at_mut(*iv_len);
                    encrypt.encrypt_init(None, None, Some(iv)).unwrap();
                    let n = encrypt
                        .cipher_update(body, Some(&mut scratch[..body.len() + 32]))
                        .unwrap();
                    body.copy_from_slice(&scratch[..n]);
                }
                let tag = mac.sign(front);
                icv.copy_from_slice(&tag[..icv_len]);
                let check = mac.sign(front);
                assert!(memcmp::eq(&check[..icv_len], icv));
                let (iv, body) = front[8..].split_at_mut(*iv_len);
                decrypt.decrypt_init(None, None, Some(iv)).unwrap();
                let n = decrypt
                    .cipher_update(body, Some(&mut scratch[..body.len() + 32]))
                    .unwrap();
                body.copy_from_slice(&scratch[..n]);
            }
            Self::Gcm {
                encrypt,
                decrypt,
                scratch,
            } => {
                let (front, icv) = packet.split_at_mut(icv_at);
                let (header, body) = front.split_at_mut(16);
                let aad: [u8; 8] = header[..8].try_into().unwrap();
                let mut nonce = [0u8; 12];
                nonce[..4].copy_from_slice(&[0xca, 0xfe, 0xba, 0xbe]);
                nonce[4..].copy_from_slice(&header[8..16]);

                encrypt.encrypt_init(None, None, Some(&nonce)).unwrap();
                encrypt.cipher_update(&aad, None).unwrap();
                let n = encrypt
                    .cipher_update(body, Some(&mut scratch[..body.len() + 32]))
                    .unwrap();
                encrypt.cipher_final(&mut scratch[n..]).unwrap();
                body.copy_from_slice(&scratch[..body.len()]);
                encrypt.tag(icv).unwrap();

                decrypt.decrypt_init(None, None, Some(&nonce)).unwrap();
                decrypt.set_tag(icv).unwrap();
                decrypt.cipher_update(&aad, None).unwrap();
                let n = decrypt
                    .cipher_update(body, Some(&mut scratch[..body.len() + 32]))
                    .unwrap();
                decrypt
                    .cipher_final(&mut scratch[n..])
                    .expect("tag verifies");
                body.copy_from_slice(&scratch[..body.len()]);
            }
        }
    }
}

/// HMAC (RFC 2104) keyed once: the digest states after `K ^ ipad` and
/// `K ^ opad` (keys here are at most one block), copied per message.
pub struct Hmac {
    inner: Hasher,
    outer: Hasher,
}

impl Hmac {
    fn new(digest: MessageDigest, key: &[u8]) -> Self {
        assert!(key.len() <= 64, "HMAC keys of ESP suites fit one block");
        let mut block = [0u8; 64];
        block[..key.len()].copy_from_slice(key);
        let keyed = |pad: u8| {
            let mut h = Hasher::new(digest).unwrap();
            h.update(&block.map(|b| b ^ pad)).unwrap();
            h
        };
        let hmac = Self {
            inner: keyed(0x36),
            outer: keyed(0x5c),
        };
        // The same tag as OpenSSL's own HMAC, or the comparison is void.
        let pkey = openssl::pkey::PKey::hmac(key).unwrap();
        let mut signer = openssl::sign::Signer::new(digest, &pkey).unwrap();
        assert_eq!(
            hmac.sign(b"ikesuite"),
            signer.sign_oneshot_to_vec(b"ikesuite").unwrap()
        );
        hmac
    }

    fn sign(&self, data: &[u8]) -> Vec<u8> {
        let mut inner = self.inner.clone();
        inner.update(data).unwrap();
        let mut outer = self.outer.clone();
        outer.update(&inner.finish().unwrap()).unwrap();
        outer.finish().unwrap().to_vec()
    }
}
