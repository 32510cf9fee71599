//! Phase-1 ciphers against the AES-CBC / 3DES-CBC vectors, and the RFC 2409
//! appendix B IV rules recomputed by hand (block ciphers and hashes used
//! directly, CBC chaining written out here).

use crate::common::vectors::{unhex, vectors};
use cipher::array::Array;
use cipher::{BlockCipherEncrypt, KeyInit};
use digest::Digest;
use ike_proto::crypto::{
    CryptoError, HashAlg, IsakmpCrypter, MAX_TRACKED_EXCHANGES, Padding, Phase1Cipher, SecretBytes,
    phase1_iv, phase2_iv,
};

fn aes_for(key_len: usize) -> Phase1Cipher {
    match key_len {
        16 => Phase1Cipher::Aes128,
        24 => Phase1Cipher::Aes192,
        32 => Phase1Cipher::Aes256,
        n => panic!("{n}"),
    }
}

/// Runs one vector through encrypt_cbc / decrypt_cbc, whole and split in
/// two calls chained by the last ciphertext block.
fn check_vector(cipher: Phase1Cipher, key: &[u8], iv: &[u8], plain: &[u8], ct: &[u8], name: &str) {
    let mut buf = plain.to_vec();
    cipher.encrypt_cbc(key, iv, &mut buf).unwrap();
    assert_eq!(buf, ct, "{name} encrypt");
    cipher.decrypt_cbc(key, iv, &mut buf).unwrap();
    assert_eq!(buf, plain, "{name} decrypt");
    let bl = cipher.block_len();
    if plain.len() >= 2 * bl {
        let (a, b) = plain.split_at(bl);
        let mut first = a.to_vec();
        cipher.encrypt_cbc(key, iv, &mut first).unwrap();
        let mut second = b.to_vec();
        cipher.encrypt_cbc(key, &first, &mut second).unwrap();
        assert_eq!([first, second].concat(), ct, "{name} chained");
    }
}

#[test]
fn aes_cbc_vectors() {
    let mut n = 0;
    for c in vectors("aes_cbc_strongswan.json")["cases"]
        .as_array()
        .unwrap()
    {
        let key = unhex(&c["key"]);
        let cipher = aes_for(key.len());
        assert_eq!(
            cipher.key_len(),
            usize::try_from(c["key_size"].as_u64().unwrap()).unwrap()
        );
        check_vector(
            cipher,
            &key,
            &unhex(&c["iv"]),
            &unhex(&c["plain"]),
            &unhex(&c["cipher"]),
            c["name"].as_str().unwrap(),
        );
        n += 1;
    }
    for c in vectors("aes_cbc_rfc3602_cases1-4_libreswan.json")["cases"]
        .as_array()
        .unwrap()
    {
        let key = unhex(&c["key"]);
        check_vector(
            aes_for(key.len()),
            &key,
            &unhex(&c["iv"]),
            &unhex(&c["plaintext"]),
            &unhex(&c["ciphertext"]),
            c["description"].as_str().unwrap(),
        );
        n += 1;
    }
    assert_eq!(n, 10);
}

#[test]
fn tdes_cbc_vectors() {
    let cases = vectors("tdes_cbc_strongswan.json");
    let cases = cases["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 2);
    for c in cases {
        let key = unhex(&c["key"]);
        assert_eq!(key.len(), Phase1Cipher::TripleDes.key_len());
        check_vector(
            Phase1Cipher::TripleDes,
            &key,
            &unhex(&c["iv"]),
            &unhex(&c["plain"]),
            &unhex(&c["cipher"]),
            c["name"].as_str().unwrap(),
        );
    }
}

#[test]
fn des_single_block_by_hand() {
    // DES-CBC over one block = DES(plain XOR iv).
    let key = [0x13, 0x34, 0x57, 0x79, 0x9b, 0xbc, 0xdf, 0xf1];
    let iv = [1u8, 2, 3, 4, 5, 6, 7, 8];
    let plain = *b"ISAKMP!!";
    let mut buf = plain;
    Phase1Cipher::Des.encrypt_cbc(&key, &iv, &mut buf).unwrap();
    let mut block: [u8; 8] = std::array::from_fn(|i| plain[i] ^ iv[i]);
    encrypt_with(&des::Des::new_from_slice(&key).unwrap(), &mut block);
    assert_eq!(buf, block);
}

#[test]
fn cipher_wire_ids_and_sizes() {
    let table = [
        (Phase1Cipher::Des, 1, None, 8, 8),
        (Phase1Cipher::TripleDes, 5, None, 24, 8),
        (Phase1Cipher::Aes128, 7, Some(128), 16, 16),
        (Phase1Cipher::Aes192, 7, Some(192), 24, 16),
        (Phase1Cipher::Aes256, 7, Some(256), 32, 16),
    ];
    for (c, id, kl, key_len, block) in table {
        assert_eq!(c.wire_id(), id);
        assert_eq!(c.key_length_attribute(), kl);
        assert_eq!(Phase1Cipher::from_wire(id, kl), Some(c));
        assert_eq!(c.key_len(), key_len);
        assert_eq!(c.block_len(), block);
    }
    assert_eq!(
        Phase1Cipher::from_wire(1, Some(64)),
        Some(Phase1Cipher::Des)
    );
    assert_eq!(
        Phase1Cipher::from_wire(5, Some(192)),
        Some(Phase1Cipher::TripleDes)
    );
    for (id, kl) in [
        (7, None),
        (7, Some(64)),
        (7, Some(512)),
        (5, Some(128)),
        (1, Some(56)),
        (2, None),
        (3, None),
        (8, Some(128)),
        (0, None),
    ] {
        assert_eq!(Phase1Cipher::from_wire(id, kl), None, "{id} {kl:?}");
    }
}

#[test]
fn cbc_argument_checks() {
    let c = Phase1Cipher::Aes128;
    let mut buf = [0u8; 32];
    assert_eq!(
        c.encrypt_cbc(&[0; 15], &[0; 16], &mut buf),
        Err(CryptoError::InvalidKeyLength {
            expected: 16,
            got: 15
        })
    );
    assert_eq!(
        c.encrypt_cbc(&[0; 16], &[0; 8], &mut buf),
        Err(CryptoError::InvalidIvLength {
            expected: 16,
            got: 8
        })
    );
    assert_eq!(
        c.decrypt_cbc(&[0; 16], &[0; 16], &mut buf[..20]),
        Err(CryptoError::NotBlockAligned { len: 20, block: 16 })
    );
    for cipher in Phase1Cipher::ALL {
        let wrong = vec![0u8; cipher.key_len() + 1];
        assert!(matches!(
            IsakmpCrypter::new(cipher, HashAlg::Sha1, SecretBytes::new(wrong), b"x", b"y"),
            Err(CryptoError::InvalidKeyLength { .. })
        ));
    }
    let mut cr =
        IsakmpCrypter::new(c, HashAlg::Sha1, SecretBytes::new(vec![1; 16]), b"x", b"y").unwrap();
    assert!(matches!(
        cr.decrypt(0, &[]),
        Err(CryptoError::NotBlockAligned { .. })
    ));
    assert!(matches!(
        cr.decrypt(0, &[0; 17]),
        Err(CryptoError::NotBlockAligned { .. })
    ));
}

// ---- Hand-written reference of the appendix B rules ----

fn sha1(parts: &[&[u8]]) -> Vec<u8> {
    let mut h = sha1::Sha1::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().to_vec()
}

fn md5(parts: &[&[u8]]) -> Vec<u8> {
    let mut h = md5::Md5::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().to_vec()
}

/// Encrypts one block in place with a raw block cipher.
fn encrypt_with<C: BlockCipherEncrypt>(c: &C, block: &mut [u8]) {
    let b: &mut Array<u8, C::BlockSize> = block.try_into().unwrap();
    c.encrypt_block(b);
}

/// One block with the raw block cipher.
fn encrypt_block(cipher: Phase1Cipher, key: &[u8], block: &mut [u8]) {
    match cipher {
        Phase1Cipher::TripleDes => {
            encrypt_with(&des::TdesEde3::new_from_slice(key).unwrap(), block)
        }
        Phase1Cipher::Aes256 => encrypt_with(&aes::Aes256::new_from_slice(key).unwrap(), block),
        other => panic!("{other:?} not used here"),
    }
}

/// CBC written out: c[i] = E(p[i] XOR c[i-1]), c[-1] = iv.
fn cbc_ref(cipher: Phase1Cipher, key: &[u8], iv: &[u8], plain: &[u8]) -> Vec<u8> {
    let bl = cipher.block_len();
    assert_eq!(plain.len() % bl, 0);
    let mut prev = iv.to_vec();
    let mut out = Vec::new();
    for chunk in plain.chunks(bl) {
        let mut b: Vec<u8> = chunk.iter().zip(&prev).map(|(p, c)| p ^ c).collect();
        encrypt_block(cipher, key, &mut b);
        out.extend_from_slice(&b);
        prev = b;
    }
    out
}

/// RFC 2409 appendix B padding as this crate emits it by default: 1..=block
/// bytes, zeros, the last one = count of the others.
fn pad_ref(plain: &[u8], bl: usize) -> Vec<u8> {
    let n = bl - plain.len() % bl;
    let mut v = plain.to_vec();
    v.extend(std::iter::repeat_n(0u8, n - 1));
    v.push(u8::try_from(n - 1).unwrap());
    v
}

#[test]
fn padding_styles() {
    for bl in [8usize, 16] {
        for len in 0..(3 * bl) {
            let plain: Vec<u8> = (0..len).map(|i| i as u8 | 0x80).collect();
            let mut a = plain.clone();
            Padding::LengthByte.apply(&mut a, bl);
            assert_eq!(a, pad_ref(&plain, bl), "{bl} {len}");
            let mut z = plain.clone();
            Padding::Zeros.apply(&mut z, bl);
            assert_eq!(z.len(), a.len());
            assert_eq!(z.len() % bl, 0);
            assert!(z.len() > plain.len(), "there is always padding");
            assert!(z[len..].iter().all(|&b| b == 0));
            assert_eq!(&z[..len], plain.as_slice());
        }
    }
    assert_eq!(Padding::default(), Padding::LengthByte);
}

/// A Main Mode's encrypted messages 5 and 6, then two phase-2 exchanges, with
/// 3DES/SHA-1 (8-byte IV cut from a 20-byte hash) and AES-256/MD5.
#[test]
fn appendix_b_iv_chain_by_hand() {
    for (cipher, hash, hfn) in [
        (
            Phase1Cipher::TripleDes,
            HashAlg::Sha1,
            sha1 as fn(&[&[u8]]) -> Vec<u8>,
        ),
        (
            Phase1Cipher::Aes256,
            HashAlg::Md5,
            md5 as fn(&[&[u8]]) -> Vec<u8>,
        ),
    ] {
        let bl = cipher.block_len();
        let key: Vec<u8> = (0..cipher.key_len() as u8)
            .map(|i| i.wrapping_mul(7) ^ 0x5a)
            .collect();
        let g_xi = vec![0x11u8; 128];
        let g_xr = vec![0x22u8; 128];
        let mut ini =
            IsakmpCrypter::new(cipher, hash, SecretBytes::from_slice(&key), &g_xi, &g_xr).unwrap();
        let mut res =
            IsakmpCrypter::new(cipher, hash, SecretBytes::from_slice(&key), &g_xi, &g_xr).unwrap();

        // Phase-1 IV = hash(g^xi | g^xr) cut to the block length.
        let iv0 = hfn(&[&g_xi, &g_xr])[..bl].to_vec();
        assert_eq!(ini.iv(0), iv0);
        assert_eq!(phase1_iv(hash, cipher, &g_xi, &g_xr), iv0);

        // Message 5 (initiator -> responder).
        let m5_plain = b"ID payload | HASH_I payload (27 bytes)".to_vec();
        let m5 = ini.encrypt(0, &m5_plain);
        let m5_ref = cbc_ref(cipher, &key, &iv0, &pad_ref(&m5_plain, bl));
        assert_eq!(m5, m5_ref);
        let got = res.decrypt(0, &m5).unwrap();
        assert_eq!(&got[..], pad_ref(&m5_plain, bl).as_slice());
        assert_eq!(res.iv(0), iv0, "receiving is tentative until confirm");
        assert!(res.confirm(0));
        assert!(!res.confirm(0), "nothing left to confirm");
        let iv1 = m5[m5.len() - bl..].to_vec();
        assert_eq!(res.iv(0), iv1);
        assert_eq!(ini.iv(0), iv1, "one chain across both directions");

        // Message 6 (responder -> initiator) continues from message 5's last block.
        let m6_plain = vec![0xa6u8; 3 * bl]; // block-aligned: a whole padding block follows
        let m6 = res.encrypt(0, &m6_plain);
        assert_eq!(m6.len(), 4 * bl);
        assert_eq!(m6, cbc_ref(cipher, &key, &iv1, &pad_ref(&m6_plain, bl)));
        ini.decrypt(0, &m6).unwrap();
        assert!(ini.confirm(0));
        let last_p1 = m6[m6.len() - bl..].to_vec();
        assert_eq!(ini.iv(0), last_p1);

        // Quick Mode, M-ID 0x01020304: IV = hash(last phase-1 block | M-ID).
        let mid: u32 = 0x0102_0304;
        let qm_iv = hfn(&[&last_p1, &mid.to_be_bytes()])[..bl].to_vec();
        assert_eq!(ini.iv(mid), qm_iv);
        assert_eq!(res.iv(mid), qm_iv);
        assert_eq!(phase2_iv(hash, cipher, &last_p1, mid), qm_iv);
        let q1_plain = b"HASH(1) | SA | Ni | IDci | IDcr".to_vec();
        let q1 = ini.encrypt(mid, &q1_plain);
        assert_eq!(q1, cbc_ref(cipher, &key, &qm_iv, &pad_ref(&q1_plain, bl)));
        res.decrypt(mid, &q1).unwrap();
        res.confirm(mid);
        // QM message 2 chains on message 1's last block.
        let q2_plain = b"HASH(2) | SA | Nr | IDci | IDcr".to_vec();
        let q2 = res.encrypt(mid, &q2_plain);
        assert_eq!(
            q2,
            cbc_ref(cipher, &key, &q1[q1.len() - bl..], &pad_ref(&q2_plain, bl))
        );
        let d2 = ini.decrypt(mid, &q2).unwrap();
        assert_eq!(&d2[..q2_plain.len()], q2_plain.as_slice());
        ini.confirm(mid);

        // An Informational exchange meanwhile starts from the phase-1 chain,
        // untouched by the Quick Mode.
        let info_mid: u32 = 0xfeed_f00d;
        let info_iv = hfn(&[&last_p1, &info_mid.to_be_bytes()])[..bl].to_vec();
        let info_plain = b"HASH(1) | N(R-U-THERE)".to_vec();
        let info = ini.encrypt(info_mid, &info_plain);
        assert_eq!(
            info,
            cbc_ref(cipher, &key, &info_iv, &pad_ref(&info_plain, bl))
        );
        assert_eq!(ini.iv(0), last_p1);
        let d = res.decrypt(info_mid, &info).unwrap();
        assert_eq!(&d[..info_plain.len()], info_plain.as_slice());

        // QM message 3 still follows message 2.
        let q3 = ini.encrypt(mid, b"HASH(3)");
        assert_eq!(
            q3,
            cbc_ref(cipher, &key, &q2[q2.len() - bl..], &pad_ref(b"HASH(3)", bl))
        );
    }
}

#[test]
fn unconfirmed_garbage_does_not_move_the_chain() {
    let cipher = Phase1Cipher::Aes128;
    let key = SecretBytes::new(vec![9; 16]);
    let mut cr = IsakmpCrypter::new(cipher, HashAlg::Sha2_256, key, b"gxi", b"gxr").unwrap();
    let before = cr.iv(0);
    cr.decrypt(0, &[0xee; 48]).unwrap();
    assert_eq!(cr.iv(0), before);
    // A later genuine message is decrypted with the unchanged IV.
    let mut peer = IsakmpCrypter::new(
        cipher,
        HashAlg::Sha2_256,
        SecretBytes::new(vec![9; 16]),
        b"gxi",
        b"gxr",
    )
    .unwrap();
    let ct = peer.encrypt(0, b"genuine");
    let pt = cr.decrypt(0, &ct).unwrap();
    assert_eq!(&pt[..7], b"genuine");
    assert!(cr.confirm(0));
    assert_eq!(cr.iv(0), peer.iv(0));
    // Unknown message IDs: nothing to confirm; forget drops phase-2 chains only.
    assert!(!cr.confirm(77));
    cr.decrypt(77, &[1; 16]).unwrap();
    cr.forget(77);
    assert!(!cr.confirm(77));
    let p1 = cr.iv(0);
    cr.forget(0);
    assert_eq!(cr.iv(0), p1);
}

#[test]
fn phase2_chains_are_bounded_and_independent() {
    let cipher = Phase1Cipher::TripleDes;
    let mut cr = IsakmpCrypter::new(
        cipher,
        HashAlg::Sha1,
        SecretBytes::new(vec![3; 24]),
        b"a",
        b"b",
    )
    .unwrap();
    let fresh = |cr: &IsakmpCrypter, mid: u32| phase2_iv(HashAlg::Sha1, cipher, &cr.iv(0), mid);
    for mid in 1..=(MAX_TRACKED_EXCHANGES as u32 + 4) {
        let _ = cr.encrypt(mid, b"x");
        assert_ne!(cr.iv(mid), fresh(&cr, mid), "chain of {mid} advanced");
    }
    // The oldest IDs were dropped and start afresh; the newest are kept.
    assert_eq!(cr.iv(1), fresh(&cr, 1));
    let newest = MAX_TRACKED_EXCHANGES as u32 + 4;
    assert_ne!(cr.iv(newest), fresh(&cr, newest));
    cr.forget(newest);
    assert_eq!(cr.iv(newest), fresh(&cr, newest));
}

#[test]
fn zero_padding_round_trip_and_debug() {
    let cipher = Phase1Cipher::Aes192;
    let key = SecretBytes::new(vec![0x77; 24]);
    let mut a = IsakmpCrypter::new(cipher, HashAlg::Sha2_512, key.clone(), b"i", b"r")
        .unwrap()
        .with_padding(Padding::Zeros);
    let mut b = IsakmpCrypter::new(cipher, HashAlg::Sha2_512, key, b"i", b"r").unwrap();
    assert_eq!(a.padding(), Padding::Zeros);
    let ct = a.encrypt(0, b"seventeen bytes!!");
    assert_eq!(ct.len(), 32);
    let pt = b.decrypt(0, &ct).unwrap();
    assert_eq!(&pt[..17], b"seventeen bytes!!");
    assert!(pt[17..].iter().all(|&x| x == 0));
    let dbg = format!("{a:?}");
    assert!(dbg.contains("redacted") && !dbg.contains("7777"), "{dbg}");
}
