//! PRFs (HMAC vectors), the IKEv1 KDF vectors, and every derived value
//! (HASH_I/R, Quick Mode hashes, Informational HASH, KEYMAT, the appendix B
//! cipher key) recomputed independently here with the hmac/sha crates.

use crate::common::vectors::{unhex, vectors};
use hmac::{Hmac, KeyInit, Mac};
use ike_proto::crypto::{
    HashAlg, Phase1Cipher, Phase1Keys, Phase1Transcript, PrfOutput, SecretBytes,
    expand_encryption_key, skeyid_psk, skeyid_sig, verify_hash,
};
use serde_json::Value;

/// Reference HMAC straight from the hmac crate, over the concatenation of `parts`.
fn hmac_ref(alg: HashAlg, key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    fn run<M: Mac + KeyInit>(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
        let mut m = <M as KeyInit>::new_from_slice(key).unwrap();
        for p in parts {
            m.update(p);
        }
        m.finalize().into_bytes().to_vec()
    }
    match alg {
        HashAlg::Md5 => run::<Hmac<md5::Md5>>(key, parts),
        HashAlg::Sha1 => run::<Hmac<sha1::Sha1>>(key, parts),
        HashAlg::Sha2_256 => run::<Hmac<sha2::Sha256>>(key, parts),
        HashAlg::Sha2_384 => run::<Hmac<sha2::Sha384>>(key, parts),
        HashAlg::Sha2_512 => run::<Hmac<sha2::Sha512>>(key, parts),
    }
}

fn hash_of(name: &str) -> HashAlg {
    match name {
        "md5" => HashAlg::Md5,
        "sha1" => HashAlg::Sha1,
        "sha256" => HashAlg::Sha2_256,
        "sha384" => HashAlg::Sha2_384,
        "sha512" => HashAlg::Sha2_512,
        other => panic!("{other}"),
    }
}

#[test]
fn hash_alg_wire_ids_and_lengths() {
    let expect = [(1, 16), (2, 20), (4, 32), (5, 48), (6, 64)];
    for (alg, (id, len)) in HashAlg::ALL.into_iter().zip(expect) {
        assert_eq!(alg.wire_id(), id);
        assert_eq!(HashAlg::from_wire(id), Some(alg));
        assert_eq!(alg.output_len(), len);
        assert_eq!(alg.prf(b"k", &[b"d"]).len(), len);
        assert_eq!(alg.hash(&[b"d"]).len(), len);
    }
    for id in [0, 3, 7, 0xffff] {
        assert_eq!(HashAlg::from_wire(id), None);
    }
}

#[test]
fn hmac_vectors_as_prfs() {
    let v = vectors("hmac_strongswan.json");
    let mut n = 0;
    for case in v["cases"].as_array().unwrap() {
        let alg = hash_of(case["hash"].as_str().unwrap());
        let key = unhex(&case["key"]);
        let data = unhex(&case["data"]);
        let mac = unhex(&case["mac"]);
        let out = alg.prf(&key, &[&data]);
        assert_eq!(out.len(), alg.output_len());
        // PRF_* cases are the full output, AUTH_* a truncation of it.
        assert_eq!(
            &out.as_bytes()[..mac.len()],
            mac.as_slice(),
            "{}",
            case["name"]
        );
        // Split input gives the same result.
        let (a, b) = data.split_at(data.len() / 2);
        assert_eq!(alg.prf(&key, &[a, &[], b]), out, "{}", case["name"]);
        assert!(verify_hash(&out.as_bytes()[..mac.len()], &mac));
        n += 1;
    }
    assert_eq!(n, 46);
}

#[test]
fn hash_matches_the_sha_crates() {
    use digest::Digest;
    let data = b"g^xi bytes then g^xr bytes";
    assert_eq!(
        HashAlg::Md5.hash(&[data]).as_bytes(),
        md5::Md5::digest(data).as_slice()
    );
    assert_eq!(
        HashAlg::Sha1.hash(&[&data[..5], &data[5..]]).as_bytes(),
        sha1::Sha1::digest(data).as_slice()
    );
    assert_eq!(
        HashAlg::Sha2_256.hash(&[data]).as_bytes(),
        sha2::Sha256::digest(data).as_slice()
    );
    assert_eq!(
        HashAlg::Sha2_384.hash(&[data]).as_bytes(),
        sha2::Sha384::digest(data).as_slice()
    );
    assert_eq!(
        HashAlg::Sha2_512.hash(&[data]).as_bytes(),
        sha2::Sha512::digest(data).as_slice()
    );
}

fn cookie(v: &Value) -> [u8; 8] {
    unhex(v).try_into().unwrap()
}

#[test]
fn ikev1_kdf_vectors_signature_variant() {
    let v = vectors("ikev1_kdf_skeyid.json");
    let cases = v["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 2);
    for case in cases {
        assert_eq!(case["hashAlg"], "SHA-1");
        let (ni, nr, gxy) = (unhex(&case["Ni"]), unhex(&case["Nr"]), unhex(&case["g^xy"]));
        let (cky_i, cky_r) = (cookie(&case["CKY_I"]), cookie(&case["CKY_R"]));
        let skeyid = skeyid_sig(HashAlg::Sha1, &ni, &nr, &gxy);
        assert_eq!(
            skeyid.as_bytes(),
            unhex(&case["SKEYID"]).as_slice(),
            "{}",
            case["id"]
        );
        let keys = Phase1Keys::derive(HashAlg::Sha1, skeyid, &gxy, &cky_i, &cky_r);
        assert_eq!(keys.prf(), HashAlg::Sha1);
        assert_eq!(
            keys.skeyid_d().as_bytes(),
            unhex(&case["SKEYID_d"]).as_slice()
        );
        assert_eq!(
            keys.skeyid_a().as_bytes(),
            unhex(&case["SKEYID_a"]).as_slice()
        );
        assert_eq!(
            keys.skeyid_e().as_bytes(),
            unhex(&case["SKEYID_e"]).as_slice()
        );
    }
}

/// Test inputs for one side of a phase 1 with a given PRF.
struct Setup {
    prf: HashAlg,
    psk: Vec<u8>,
    ni: Vec<u8>,
    nr: Vec<u8>,
    gxy: Vec<u8>,
    g_xi: Vec<u8>,
    g_xr: Vec<u8>,
    cky_i: [u8; 8],
    cky_r: [u8; 8],
    sai_b: Vec<u8>,
}

fn setup(prf: HashAlg) -> Setup {
    let pat = |seed: u8, n: usize| {
        (0..n)
            .map(|i| seed.wrapping_mul(31).wrapping_add(i as u8))
            .collect::<Vec<u8>>()
    };
    Setup {
        prf,
        psk: b"cisco123".to_vec(),
        ni: pat(1, 20),
        nr: pat(2, 16),
        gxy: pat(3, 128),
        g_xi: pat(4, 128),
        g_xr: pat(5, 128),
        cky_i: pat(6, 8).try_into().unwrap(),
        cky_r: pat(7, 8).try_into().unwrap(),
        sai_b: pat(8, 52),
    }
}

#[test]
fn psk_skeyid_and_derived_keys_by_hand() {
    for prf in HashAlg::ALL {
        let s = setup(prf);
        let skeyid = skeyid_psk(prf, &s.psk, &s.ni, &s.nr);
        let want = hmac_ref(prf, &s.psk, &[&s.ni, &s.nr]);
        assert_eq!(skeyid.as_bytes(), want.as_slice());
        let keys = Phase1Keys::derive(prf, skeyid, &s.gxy, &s.cky_i, &s.cky_r);
        let d = hmac_ref(prf, &want, &[&s.gxy, &s.cky_i, &s.cky_r, &[0]]);
        let a = hmac_ref(prf, &want, &[&d, &s.gxy, &s.cky_i, &s.cky_r, &[1]]);
        let e = hmac_ref(prf, &want, &[&a, &s.gxy, &s.cky_i, &s.cky_r, &[2]]);
        assert_eq!(keys.skeyid().as_bytes(), want.as_slice(), "{prf:?}");
        assert_eq!(keys.skeyid_d().as_bytes(), d.as_slice(), "{prf:?}");
        assert_eq!(keys.skeyid_a().as_bytes(), a.as_slice(), "{prf:?}");
        assert_eq!(keys.skeyid_e().as_bytes(), e.as_slice(), "{prf:?}");

        // Signature SKEYID by hand too (key = Ni_b | Nr_b).
        let mut nonces = s.ni.clone();
        nonces.extend_from_slice(&s.nr);
        assert_eq!(
            skeyid_sig(prf, &s.ni, &s.nr, &s.gxy).as_bytes(),
            hmac_ref(prf, &nonces, &[&s.gxy]).as_slice()
        );
    }
}

fn keys_for(s: &Setup) -> Phase1Keys {
    Phase1Keys::derive(
        s.prf,
        skeyid_psk(s.prf, &s.psk, &s.ni, &s.nr),
        &s.gxy,
        &s.cky_i,
        &s.cky_r,
    )
}

/// What an established SA keeps computes what the full phase-1 keys do:
/// every phase-2 HASH and KEYMAT, with and without PFS.
#[test]
fn the_phase2_keys_an_established_sa_keeps_hash_and_key_as_phase1s() {
    for prf in HashAlg::ALL {
        let s = setup(prf);
        let full = keys_for(&s);
        let kept = keys_for(&s).into_phase2();
        assert_eq!(kept.prf(), prf);
        let (mid, ni, nr) = (0x1234_5678, s.ni.as_slice(), s.nr.as_slice());
        assert_eq!(kept.quick_hash1(mid, b"sa"), full.quick_hash1(mid, b"sa"));
        assert_eq!(
            kept.quick_hash2(mid, ni, b"sa"),
            full.quick_hash2(mid, ni, b"sa")
        );
        assert_eq!(kept.quick_hash3(mid, ni, nr), full.quick_hash3(mid, ni, nr));
        assert_eq!(kept.info_hash(mid, b"n"), full.info_hash(mid, b"n"));
        assert_eq!(
            kept.info_hash(mid, b"n").as_bytes(),
            hmac_ref(prf, full.skeyid_a().as_bytes(), &[&mid.to_be_bytes(), b"n"]).as_slice()
        );
        for g_qm in [None, Some(s.gxy.as_slice())] {
            for len in [8, 24, 44, 100] {
                let k = kept.keymat(3, &[1, 2, 3, 4], ni, nr, g_qm, len);
                assert_eq!(k.len(), len);
                assert_eq!(
                    k,
                    full.keymat(3, &[1, 2, 3, 4], ni, nr, g_qm, len),
                    "{prf:?} {len}"
                );
            }
        }
    }
}

#[test]
fn hash_i_and_hash_r_by_hand() {
    for prf in HashAlg::ALL {
        let s = setup(prf);
        let keys = keys_for(&s);
        let t = Phase1Transcript {
            g_xi: &s.g_xi,
            g_xr: &s.g_xr,
            cky_i: &s.cky_i,
            cky_r: &s.cky_r,
            sai_b: &s.sai_b,
        };
        let idii_b = [11u8, 17, 1, 244, b'g', b'r', b'o', b'u', b'p'];
        let idir_b = [1u8, 17, 1, 244, 192, 0, 2, 1];
        let k = keys.skeyid().as_bytes();
        let hi = hmac_ref(
            prf,
            k,
            &[&s.g_xi, &s.g_xr, &s.cky_i, &s.cky_r, &s.sai_b, &idii_b],
        );
        let hr = hmac_ref(
            prf,
            k,
            &[&s.g_xr, &s.g_xi, &s.cky_r, &s.cky_i, &s.sai_b, &idir_b],
        );
        assert_eq!(
            keys.hash_i(&t, &idii_b).as_bytes(),
            hi.as_slice(),
            "{prf:?}"
        );
        assert_eq!(
            keys.hash_r(&t, &idir_b).as_bytes(),
            hr.as_slice(),
            "{prf:?}"
        );
        assert!(keys.hash_i(&t, &idii_b).verify(&hi));
        assert!(!keys.hash_i(&t, &idii_b).verify(&hr));
        assert!(!keys.hash_i(&t, &idii_b).verify(&hi[..hi.len() - 1]));
    }
}

#[test]
fn quick_mode_and_informational_hashes_by_hand() {
    for prf in HashAlg::ALL {
        let s = setup(prf);
        let keys = keys_for(&s);
        let a = keys.skeyid_a().as_bytes().to_vec();
        let mid: u32 = 0x8a6b_2c01;
        let m = mid.to_be_bytes();
        let rest1 = b"SA|Ni|KE|IDci|IDcr payloads with headers".to_vec();
        let rest2 = b"SA|Nr|KE|IDci|IDcr".to_vec();
        assert_eq!(
            keys.quick_hash1(mid, &rest1).as_bytes(),
            hmac_ref(prf, &a, &[&m, &rest1]).as_slice()
        );
        assert_eq!(
            keys.quick_hash2(mid, &s.ni, &rest2).as_bytes(),
            hmac_ref(prf, &a, &[&m, &s.ni, &rest2]).as_slice()
        );
        assert_eq!(
            keys.quick_hash3(mid, &s.ni, &s.nr).as_bytes(),
            hmac_ref(prf, &a, &[&[0u8], &m, &s.ni, &s.nr]).as_slice()
        );
        let notify = b"N(R-U-THERE) with header".to_vec();
        assert_eq!(
            keys.info_hash(mid, &notify).as_bytes(),
            hmac_ref(prf, &a, &[&m, &notify]).as_slice()
        );
        // The message ID is big-endian: a different one changes the hash.
        assert_ne!(
            keys.info_hash(mid, &notify),
            keys.info_hash(mid.swap_bytes(), &notify)
        );
    }
}

/// KEYMAT by the definition: K1 = prf(SKEYID_d, seed), Kn = prf(SKEYID_d, K(n-1) | seed).
fn keymat_ref(prf: HashAlg, skeyid_d: &[u8], seed: &[&[u8]], len: usize) -> Vec<u8> {
    let mut out = hmac_ref(prf, skeyid_d, seed);
    let mut k = out.clone();
    while out.len() < len {
        let mut parts: Vec<&[u8]> = vec![&k];
        parts.extend_from_slice(seed);
        let next = hmac_ref(prf, skeyid_d, &parts);
        out.extend_from_slice(&next);
        k = next;
    }
    out.truncate(len);
    out
}

#[test]
fn keymat_with_and_without_pfs_any_length() {
    for prf in HashAlg::ALL {
        let s = setup(prf);
        let keys = keys_for(&s);
        let d = keys.skeyid_d().as_bytes().to_vec();
        let spi = [0xde, 0xad, 0xbe, 0xef];
        let g_qm = vec![0x5c; 256];
        for len in [0, 1, 16, 20, 36, 52, 64, 65, 72, 128, 200] {
            let no_pfs = keys.keymat(3, &spi, &s.ni, &s.nr, None, len);
            let want = keymat_ref(prf, &d, &[&[3], &spi, &s.ni, &s.nr], len);
            assert_eq!(no_pfs.as_bytes(), want.as_slice(), "{prf:?} {len}");
            let pfs = keys.keymat(3, &spi, &s.ni, &s.nr, Some(&g_qm), len);
            let want = keymat_ref(prf, &d, &[&g_qm, &[3], &spi, &s.ni, &s.nr], len);
            assert_eq!(pfs.as_bytes(), want.as_slice(), "{prf:?} {len} pfs");
        }
        // Shorter KEYMAT is a prefix of longer KEYMAT; AH (2) differs from ESP (3).
        let long = keys.keymat(3, &spi, &s.ni, &s.nr, None, 100);
        let short = keys.keymat(3, &spi, &s.ni, &s.nr, None, 30);
        assert_eq!(&long.as_bytes()[..30], short.as_bytes());
        assert_ne!(keys.keymat(2, &spi, &s.ni, &s.nr, None, 30), short);
    }
}

/// The appendix B rule by hand: first key_len bytes of SKEYID_e if long
/// enough, else K1 = prf(SKEYID_e, 0x00), K2 = prf(SKEYID_e, K1), ...
fn ka_ref(prf: HashAlg, skeyid_e: &[u8], key_len: usize) -> Vec<u8> {
    if skeyid_e.len() >= key_len {
        return skeyid_e[..key_len].to_vec();
    }
    let mut out = Vec::new();
    let mut k = hmac_ref(prf, skeyid_e, &[&[0u8]]);
    out.extend_from_slice(&k);
    while out.len() < key_len {
        k = hmac_ref(prf, skeyid_e, &[&k]);
        out.extend_from_slice(&k);
    }
    out.truncate(key_len);
    out
}

#[test]
fn appendix_b_key_expansion() {
    for prf in HashAlg::ALL {
        let s = setup(prf);
        let keys = keys_for(&s);
        let e = keys.skeyid_e().as_bytes().to_vec();
        for cipher in Phase1Cipher::ALL {
            let ka = keys.encryption_key(cipher);
            assert_eq!(ka.len(), cipher.key_len());
            assert_eq!(
                ka.as_bytes(),
                ka_ref(prf, &e, cipher.key_len()).as_slice(),
                "{prf:?} {cipher:?}"
            );
        }
    }
    // Spelled out for 3DES with SHA-1: 20-byte SKEYID_e, 24-byte key = K1 | K2[..4].
    let e = [0xabu8; 20];
    let k1 = hmac_ref(HashAlg::Sha1, &e, &[&[0]]);
    let k2 = hmac_ref(HashAlg::Sha1, &e, &[&k1]);
    let mut want = k1.clone();
    want.extend_from_slice(&k2[..4]);
    let got = expand_encryption_key(HashAlg::Sha1, &e, 24);
    assert_eq!(got.as_bytes(), want.as_slice());
    assert_ne!(&got.as_bytes()[..20], &e[..]);
    // AES-256 with MD5: 16-byte SKEYID_e, K1 | K2.
    let e = [0x17u8; 16];
    let k1 = hmac_ref(HashAlg::Md5, &e, &[&[0]]);
    let k2 = hmac_ref(HashAlg::Md5, &e, &[&k1]);
    assert_eq!(
        expand_encryption_key(HashAlg::Md5, &e, 32).as_bytes(),
        [k1, k2].concat().as_slice()
    );
    // Long enough: a plain prefix (AES-128 with SHA-1, 3DES with SHA2-256).
    let e = [0x33u8; 32];
    assert_eq!(
        expand_encryption_key(HashAlg::Sha2_256, &e, 24).as_bytes(),
        &e[..24]
    );
    assert_eq!(
        expand_encryption_key(HashAlg::Sha1, &e[..20], 16).as_bytes(),
        &e[..16]
    );
}

#[test]
fn secrets_are_redacted_and_wiped() {
    use zeroize::Zeroize;
    let s = setup(HashAlg::Sha1);
    let keys = keys_for(&s);
    let dbg = format!("{keys:?}");
    for secret in [
        keys.skeyid(),
        keys.skeyid_d(),
        keys.skeyid_a(),
        keys.skeyid_e(),
    ] {
        assert!(
            !dbg.contains(&hex::encode(&secret.as_bytes()[..6])),
            "{dbg}"
        );
        let sd = format!("{secret:?}");
        assert_eq!(sd, "SecretBytes(20 bytes, redacted)");
    }
    let out = HashAlg::Sha1.prf(b"key", &[b"data"]);
    assert_eq!(format!("{out:?}"), "PrfOutput(20 bytes, redacted)");

    let mut secret = SecretBytes::from_slice(b"pre-shared key");
    secret.zeroize();
    assert!(secret.is_empty());
    let mut out: PrfOutput = out;
    out.zeroize();
    assert!(out.is_empty());

    fn assert_zod<T: zeroize::ZeroizeOnDrop>() {}
    assert_zod::<SecretBytes>();
    assert_zod::<PrfOutput>();
    assert_zod::<Phase1Keys>();
    assert_zod::<ike_proto::crypto::Phase2Keys>();
    assert_zod::<ike_proto::crypto::IsakmpCrypter>();
    assert_zod::<ike_proto::crypto::DhKeyPair>();

    // The engine may move these across threads.
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Phase1Keys>();
    assert_send_sync::<ike_proto::crypto::Phase2Keys>();
    assert_send_sync::<ike_proto::crypto::IsakmpCrypter>();
    assert_send_sync::<ike_proto::crypto::DhKeyPair>();
    assert_send_sync::<SecretBytes>();

    // Constant-time equality on the wrappers, lengths first.
    assert_eq!(
        SecretBytes::from_slice(b"abc"),
        SecretBytes::new(b"abc".to_vec())
    );
    assert_ne!(
        SecretBytes::from_slice(b"abc"),
        SecretBytes::from_slice(b"abd")
    );
    assert_ne!(
        SecretBytes::from_slice(b"abc"),
        SecretBytes::from_slice(b"ab")
    );
    assert!(verify_hash(b"", b""));
    assert!(!verify_hash(b"a", b""));
    assert!(!verify_hash(&[0; 20], &[0; 16]));
}
