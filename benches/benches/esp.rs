//! ESP data plane against its raw primitives.
//!
//! One criterion group per suite, at 64, 512, 1400 and 8192 bytes of inner
//! packet, with two functions each:
//!
//! * `esp seal+open`: `OutboundSa::seal` then `InboundSa::open`, in place,
//!   with a ChaCha20 CSPRNG for CBC IVs: everything the data plane does per
//!   packet (header, padding, IV, encryption, ICV, anti-replay, ICV check,
//!   decryption, padding check, counters, lifetimes).
//! * `raw primitives`: the same cryptographic work done directly with the
//!   RustCrypto crates over the same bytes (CBC-encrypt the padded payload
//!   and HMAC header‖IV‖ciphertext, then HMAC-verify in constant time and
//!   CBC-decrypt; or AES-GCM seal and open with the same 8-byte AAD), with a
//!   fixed IV and keys expanded once, as an SA holds them.
//!
//! With `--features aws-lc` the data plane runs once per backend
//! (`esp seal+open RustCrypto`, `esp seal+open aws-lc-rs`) and a third raw
//! line, `raw aws-lc-rs`, does the same work with aws-lc-rs directly (what
//! a user would pick instead). With `--features openssl` a `raw OpenSSL`
//! line does it with the system's libcrypto (`common/openssl.rs`).
//!
//! The ratio of the two is the data plane's overhead. Run with
//! `cargo bench -p benches --bench esp` (add `-- --warm-up-time 1
//! --measurement-time 3` for a quicker pass).

use std::hint::black_box;

use aes::{Aes128, Aes192, Aes256};
use aes_gcm::aead::AeadInOut;
use aes_gcm::{Aes128Gcm, Aes256Gcm, AesGcm, Nonce};
use cipher::consts::U12;
use cipher::{
    Array, BlockCipherDecrypt, BlockCipherEncrypt, BlockModeDecrypt, BlockModeEncrypt, InnerIvInit,
    KeyInit,
};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use des::TdesEde3;
use esp_core::wire::protocol;
use esp_core::{
    Backend, Encryption, InboundSa, Instant, Integrity, KeyMaterial, OutboundSa, SaParams, Suite,
};
use hmac::{Hmac, Mac};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

#[cfg(feature = "openssl")]
#[path = "common/openssl.rs"]
mod raw_openssl;

const SIZES: [usize; 4] = [64, 512, 1400, 8192];
const SPI: u32 = 0x7a1a_b8f3;

fn key(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| seed.wrapping_add((i as u8).wrapping_mul(37)))
        .collect()
}

/// The suites benched: every encryption algorithm, with its usual integrity algorithm.
fn suites() -> Vec<(&'static str, Suite)> {
    let s = |e, i| Suite::new(e, i).expect("valid suite");
    vec![
        ("esp-3des esp-sha-hmac", Suite::TRIPLE_DES_SHA1),
        ("esp-aes esp-sha-hmac", Suite::AES128_SHA1),
        (
            "esp-aes esp-md5-hmac",
            s(Encryption::AesCbc128, Integrity::HmacMd5_96),
        ),
        (
            "esp-aes 192 esp-sha-hmac",
            s(Encryption::AesCbc192, Integrity::HmacSha1_96),
        ),
        ("esp-aes 256 esp-sha256-hmac", Suite::AES256_SHA256),
        (
            "esp-null esp-sha-hmac",
            s(Encryption::Null, Integrity::HmacSha1_96),
        ),
        ("esp-gcm", Suite::AES128_GCM),
        ("esp-gcm 192", s(Encryption::AesGcm192, Integrity::None)),
        ("esp-gcm 256", Suite::AES256_GCM),
    ]
}

/// The raw work for one suite, over a buffer laid out as ESP lays it out.
enum Raw {
    Cbc {
        cipher: RawCipher,
        mac: RawMac,
        iv_len: usize,
    },
    Gcm(RawGcm),
}

enum RawCipher {
    Null,
    Tdes(TdesEde3),
    Aes128(Aes128),
    Aes192(Aes192),
    Aes256(Aes256),
}

enum RawMac {
    Md5(Hmac<md5::Md5>),
    Sha1(Hmac<sha1::Sha1>),
    Sha256(Hmac<sha2::Sha256>),
}

enum RawGcm {
    G128(Aes128Gcm),
    G192(AesGcm<Aes192, U12>),
    G256(Aes256Gcm),
}

fn cbc_encrypt<C: BlockCipherEncrypt>(cipher: &C, iv: &[u8], data: &mut [u8]) {
    let iv = Array::try_from(iv).expect("IV length");
    let (blocks, tail) = Array::slice_as_chunks_mut(data);
    assert!(tail.is_empty());
    cbc::Encryptor::<&C>::inner_iv_init(cipher, &iv).encrypt_blocks(blocks);
}

fn cbc_decrypt<C: BlockCipherDecrypt>(cipher: &C, iv: &[u8], data: &mut [u8]) {
    let iv = Array::try_from(iv).expect("IV length");
    let (blocks, tail) = Array::slice_as_chunks_mut(data);
    assert!(tail.is_empty());
    cbc::Decryptor::<&C>::inner_iv_init(cipher, &iv).decrypt_blocks(blocks);
}

fn mac_sign<M: Mac + Clone>(keyed: &M, data: &[u8], icv: &mut [u8]) {
    let tag = keyed.clone().chain_update(data).finalize().into_bytes();
    icv.copy_from_slice(&tag[..icv.len()]);
}

fn mac_verify<M: Mac + Clone>(keyed: &M, data: &[u8], icv: &[u8]) -> bool {
    let mut mac = keyed.clone();
    mac.update(data);
    mac.verify_truncated_left(icv).is_ok()
}

fn gcm_seal_open<A>(aead: &A, nonce: &Nonce<U12>, aad: &[u8], body: &mut [u8], icv: &mut [u8])
where
    A: AeadInOut<NonceSize = U12, TagSize = cipher::consts::U16>,
{
    let tag = aead
        .encrypt_inout_detached(nonce, aad, body.into())
        .expect("seal");
    icv.copy_from_slice(&tag);
    let tag = Array::try_from(&*icv).expect("tag");
    aead.decrypt_inout_detached(nonce, aad, body.into(), &tag)
        .expect("open");
}

impl Raw {
    fn new(suite: Suite, enc: &[u8], integ: &[u8]) -> Self {
        let cipher = match suite.encryption() {
            Encryption::AesGcm128 => {
                return Self::Gcm(RawGcm::G128(Aes128Gcm::new_from_slice(&enc[..16]).unwrap()));
            }
            Encryption::AesGcm192 => {
                return Self::Gcm(RawGcm::G192(AesGcm::new_from_slice(&enc[..24]).unwrap()));
            }
            Encryption::AesGcm256 => {
                return Self::Gcm(RawGcm::G256(Aes256Gcm::new_from_slice(&enc[..32]).unwrap()));
            }
            Encryption::Null => RawCipher::Null,
            Encryption::TripleDesCbc => RawCipher::Tdes(TdesEde3::new_from_slice(enc).unwrap()),
            Encryption::AesCbc128 => RawCipher::Aes128(Aes128::new_from_slice(enc).unwrap()),
            Encryption::AesCbc192 => RawCipher::Aes192(Aes192::new_from_slice(enc).unwrap()),
            Encryption::AesCbc256 => RawCipher::Aes256(Aes256::new_from_slice(enc).unwrap()),
            other => panic!("{other:?}"),
        };
        let mac = match suite.integrity() {
            Integrity::HmacMd5_96 => RawMac::Md5(KeyInit::new_from_slice(integ).unwrap()),
            Integrity::HmacSha1_96 => RawMac::Sha1(KeyInit::new_from_slice(integ).unwrap()),
            Integrity::HmacSha256_128 => RawMac::Sha256(KeyInit::new_from_slice(integ).unwrap()),
            other => panic!("{other:?}"),
        };
        Self::Cbc {
            cipher,
            mac,
            iv_len: suite.iv_len(),
        }
    }

    /// Encrypt + MAC, then MAC-verify + decrypt, over `packet` =
    /// header(8) ‖ IV ‖ body ‖ ICV, as an ESP packet of the same size.
    fn run(&self, packet: &mut [u8], icv_len: usize) {
        let icv_at = packet.len() - icv_len;
        match self {
            Self::Cbc {
                cipher,
                mac,
                iv_len,
            } => {
                let (front, icv) = packet.split_at_mut(icv_at);
                {
                    let (iv, body) = front[8..].split_at_mut(*iv_len);
                    match cipher {
                        RawCipher::Null => {}
                        RawCipher::Tdes(c) => cbc_encrypt(c, iv, body),
                        RawCipher::Aes128(c) => cbc_encrypt(c, iv, body),
                        RawCipher::Aes192(c) => cbc_encrypt(c, iv, body),
                        RawCipher::Aes256(c) => cbc_encrypt(c, iv, body),
                    }
                }
                let ok = match mac {
                    RawMac::Md5(m) => {
                        mac_sign(m, front, icv);
                        mac_verify(m, front, icv)
                    }
                    RawMac::Sha1(m) => {
                        mac_sign(m, front, icv);
                        mac_verify(m, front, icv)
                    }
                    RawMac::Sha256(m) => {
                        mac_sign(m, front, icv);
                        mac_verify(m, front, icv)
                    }
                };
                assert!(ok);
                let (iv, body) = front[8..].split_at_mut(*iv_len);
                match cipher {
                    RawCipher::Null => {}
                    RawCipher::Tdes(c) => cbc_decrypt(c, iv, body),
                    RawCipher::Aes128(c) => cbc_decrypt(c, iv, body),
                    RawCipher::Aes192(c) => cbc_decrypt(c, iv, body),
                    RawCipher::Aes256(c) => cbc_decrypt(c, iv, body),
                }
            }
            Self::Gcm(gcm) => {
                let (front, icv) = packet.split_at_mut(icv_at);
                let (header, body) = front.split_at_mut(16);
                let aad: [u8; 8] = header[..8].try_into().unwrap();
                let mut nonce = Nonce::<U12>::default();
                nonce[..4].copy_from_slice(&[0xca, 0xfe, 0xba, 0xbe]);
                nonce[4..].copy_from_slice(&header[8..16]);
                match gcm {
                    RawGcm::G128(a) => gcm_seal_open(a, &nonce, &aad, body, icv),
                    RawGcm::G192(a) => gcm_seal_open(a, &nonce, &aad, body, icv),
                    RawGcm::G256(a) => gcm_seal_open(a, &nonce, &aad, body, icv),
                }
            }
        }
    }
}

fn bench_esp(c: &mut Criterion) {
    for (name, suite) in suites() {
        let enc = key(suite.encryption().key_len(), 0x11);
        let integ = key(suite.integrity().key_len(), 0x77);
        let keys = KeyMaterial::new(&enc, &integ);
        let raw = Raw::new(suite, &enc, &integ);
        #[cfg(feature = "aws-lc")]
        let raw_aws = aws::RawAws::new(suite, &enc, &integ);
        #[cfg(feature = "openssl")]
        let mut raw_ossl = raw_openssl::RawOpenssl::new(suite, &enc, &integ);

        let mut group = c.benchmark_group(format!("esp/{name}"));
        for size in SIZES {
            group.throughput(Throughput::Bytes(size as u64));

            for &backend in Backend::ALL {
                let params = SaParams::new(SPI, suite).with_backend(backend);
                let mut outbound = OutboundSa::new(&params, &keys, Instant(0)).unwrap();
                let mut inbound = InboundSa::new(&params, &keys, Instant(0)).unwrap();
                let mut rng = ChaCha20Rng::seed_from_u64(1);
                let head = outbound.headroom();
                let total = head + size + outbound.tailroom(size);
                let mut buf = vec![0x5au8; total];
                group.bench_with_input(
                    BenchmarkId::new(format!("esp seal+open {}", backend.name()), size),
                    &size,
                    |b, &size| {
                        b.iter(|| {
                            let out = outbound
                                .seal(
                                    black_box(&mut buf),
                                    head..head + size,
                                    protocol::IPV4,
                                    &mut rng,
                                    Instant(0),
                                )
                                .unwrap();
                            let opened = inbound.open(&mut buf[out], Instant(0)).unwrap();
                            black_box(opened);
                        });
                    },
                );
            }

            // The same bytes: header, IV, payload + padding + trailer, ICV.
            let params = SaParams::new(SPI, suite);
            let sa = OutboundSa::new(&params, &keys, Instant(0)).unwrap();
            let total = sa.headroom() + size + sa.tailroom(size);
            let mut packet = vec![0x5au8; total];
            packet[..8].copy_from_slice(&[0x7a, 0x1a, 0xb8, 0xf3, 0, 0, 0, 1]);
            let icv_len = suite.icv_len();
            group.bench_with_input(BenchmarkId::new("raw RustCrypto", size), &size, |b, _| {
                b.iter(|| raw.run(black_box(&mut packet), icv_len));
            });
            #[cfg(feature = "aws-lc")]
            if let Some(raw_aws) = &raw_aws {
                group.bench_with_input(BenchmarkId::new("raw aws-lc-rs", size), &size, |b, _| {
                    b.iter(|| raw_aws.run(black_box(&mut packet), icv_len));
                });
            }
            #[cfg(feature = "openssl")]
            if let Some(raw_ossl) = &mut raw_ossl {
                group.bench_with_input(BenchmarkId::new("raw OpenSSL", size), &size, |b, _| {
                    b.iter(|| raw_ossl.run(black_box(&mut packet), icv_len));
                });
            }
        }
        group.finish();
    }
}

/// The same raw work with aws-lc-rs (keys expanded once).
#[cfg(feature = "aws-lc")]
mod aws {
    use aws_lc_rs::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
    use aws_lc_rs::cipher::{
        self, DecryptingKey, DecryptionContext, EncryptingKey, EncryptionContext, UnboundCipherKey,
    };
    use aws_lc_rs::hmac;
    use aws_lc_rs::iv::FixedLength;
    use esp_core::{Encryption, Integrity, Suite};

    // One per suite, built once: the size difference does not matter.
    #[allow(clippy::large_enum_variant)]
    pub enum RawAws {
        Cbc {
            encrypt: EncryptingKey,
            decrypt: DecryptingKey,
            mac: hmac::Key,
            iv_len: usize,
        },
        Gcm(LessSafeKey),
    }

    impl RawAws {
        /// `None` where aws-lc-rs has no such algorithm (NULL, HMAC-MD5).
        #[allow(deprecated)]
        pub fn new(suite: Suite, enc: &[u8], integ: &[u8]) -> Option<Self> {
            let gcm = |alg, len| {
                Some(Self::Gcm(LessSafeKey::new(
                    UnboundKey::new(alg, &enc[..len]).unwrap(),
                )))
            };
            let alg = match suite.encryption() {
                Encryption::AesGcm128 => return gcm(&aead::AES_128_GCM, 16),
                Encryption::AesGcm192 => return gcm(&aead::AES_192_GCM, 24),
                Encryption::AesGcm256 => return gcm(&aead::AES_256_GCM, 32),
                Encryption::TripleDesCbc => &cipher::DES_EDE3_FOR_LEGACY_USE_ONLY,
                Encryption::AesCbc128 => &cipher::AES_128,
                Encryption::AesCbc192 => &cipher::AES_192,
                Encryption::AesCbc256 => &cipher::AES_256,
                _ => return None,
            };
            let mac = match suite.integrity() {
                Integrity::HmacSha1_96 => hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
                Integrity::HmacSha256_128 => hmac::HMAC_SHA256,
                _ => return None,
            };
            Some(Self::Cbc {
                encrypt: EncryptingKey::cbc(UnboundCipherKey::new(alg, enc).unwrap()).unwrap(),
                decrypt: DecryptingKey::cbc(UnboundCipherKey::new(alg, enc).unwrap()).unwrap(),
                mac: hmac::Key::new(mac, integ),
                iv_len: suite.iv_len(),
            })
        }

        pub fn run(&self, packet: &mut [u8], icv_len: usize) {
            let icv_at = packet.len() - icv_len;
            match self {
                Self::Cbc {
                    encrypt,
                    decrypt,
                    mac,
                    iv_len,
                } => {
                    let (front, icv) = packet.split_at_mut(icv_at);
                    {
                        let (iv, body) = front[8..].split_at_mut(*iv_len);
                        encrypt.less_safe_encrypt(body, enc_context(iv)).unwrap();
                    }
                    let tag = hmac::sign(mac, front);
                    icv.copy_from_slice(&tag.as_ref()[..icv_len]);
                    let check = hmac::sign(mac, front);
                    assert!(subtle_eq(&check.as_ref()[..icv_len], icv));
                    let (iv, body) = front[8..].split_at_mut(*iv_len);
                    decrypt.decrypt(body, dec_context(iv)).unwrap();
                }
                Self::Gcm(key) => {
                    let (front, icv) = packet.split_at_mut(icv_at);
                    let (header, body) = front.split_at_mut(16);
                    let aad: [u8; 8] = header[..8].try_into().unwrap();
                    let mut nonce = [0u8; 12];
                    nonce[..4].copy_from_slice(&[0xca, 0xfe, 0xba, 0xbe]);
                    nonce[4..].copy_from_slice(&header[8..16]);
                    let n = || Nonce::assume_unique_for_key(nonce);
                    let tag = key
                        .seal_in_place_separate_tag(n(), Aad::from(aad), body)
                        .unwrap();
                    icv.copy_from_slice(tag.as_ref());
                    key.open_in_place_separate_tag(n(), Aad::from(aad), icv, body)
                        .unwrap();
                }
            }
        }
    }

    fn subtle_eq(a: &[u8], b: &[u8]) -> bool {
        aws_lc_rs::constant_time::verify_slices_are_equal(a, b).is_ok()
    }

    fn enc_context(iv: &[u8]) -> EncryptionContext {
        match iv.len() {
            16 => EncryptionContext::Iv128(FixedLength::from(<[u8; 16]>::try_from(iv).unwrap())),
            _ => EncryptionContext::Iv64(FixedLength::from(<[u8; 8]>::try_from(iv).unwrap())),
        }
    }

    fn dec_context(iv: &[u8]) -> DecryptionContext {
        match iv.len() {
            16 => DecryptionContext::Iv128(FixedLength::from(<[u8; 16]>::try_from(iv).unwrap())),
            _ => DecryptionContext::Iv64(FixedLength::from(<[u8; 8]>::try_from(iv).unwrap())),
        }
    }
}

criterion_group!(benches, bench_esp);
criterion_main!(benches);
