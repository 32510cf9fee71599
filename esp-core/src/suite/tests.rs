use aes::{Aes128, Aes192, Aes256};
use aes_gcm::{Aes128Gcm, Aes256Gcm, AesGcm};
use des::TdesEde3;
use md5::Md5;
use sha1::Sha1;
use sha2::Sha256;

use super::*;

#[test]
fn combinations() {
    // GCM alone; DES, 3DES and three AES-CBC with each integrity or
    // none; NULL with each integrity.
    assert_eq!(Suite::all().count(), 3 + 5 * 4 + 3);
    assert_eq!(
        Suite::new(Encryption::DesCbc, Integrity::HmacMd5_96)
            .unwrap()
            .cisco_transform()
            .to_string(),
        "esp-des esp-md5-hmac"
    );
    assert!(Suite::new(Encryption::AesGcm128, Integrity::HmacSha1_96).is_err());
    assert!(Suite::new(Encryption::Null, Integrity::None).is_err());
    assert!(Suite::new(Encryption::AesCbc128, Integrity::None).is_ok());
    assert_eq!(
        Suite::TRIPLE_DES_SHA1.cisco_transform().to_string(),
        "esp-3des esp-sha-hmac"
    );
    assert_eq!(
        Suite::AES256_GCM.cisco_transform().to_string(),
        "esp-gcm 256"
    );
    assert_eq!(Suite::AES128_SHA1.to_string(), "AES-CBC-128 + HMAC-SHA1-96");
}

#[test]
fn padding_lengths() {
    let s = Suite::TRIPLE_DES_SHA1;
    assert_eq!(s.pad_len(6), 0);
    assert_eq!(s.pad_len(0), 6);
    assert_eq!(s.pad_len(7), 7);
    let g = Suite::AES128_GCM;
    assert_eq!(g.pad_len(2), 0);
    assert_eq!(g.pad_len(3), 3);
    for len in 0..100 {
        let a = Suite::AES128_SHA1;
        assert_eq!((len + 2 + a.pad_len(len)) % 16, 0);
        assert!(a.pad_len(len) < 16);
    }
}

#[test]
fn key_lengths_checked() {
    for enc in Encryption::ALL {
        let ok = vec![0x11; enc.key_len()];
        let mut distinct = ok.clone();
        for (i, b) in distinct.iter_mut().enumerate() {
            *b = i as u8;
        }
        assert!(EncryptionKey::new(enc, &distinct).is_ok(), "{enc:?}");
        let long = vec![0x11; enc.key_len() + 1];
        assert!(matches!(
            EncryptionKey::new(enc, &long),
            Err(EspError::KeyLength { .. })
        ));
    }
    for integ in Integrity::ALL {
        assert!(IntegrityKey::new(integ, &vec![1; integ.key_len()]).is_ok());
        assert!(IntegrityKey::new(integ, &vec![1; integ.key_len() + 1]).is_err());
    }
    assert!(matches!(
        EncryptionKey::new(Encryption::TripleDesCbc, &[0x11; 24]),
        Err(EspError::WeakKey { .. })
    ));
}

#[test]
fn every_key_state_is_wiped_on_drop() {
    // Compile-time proof that the primitives are built with `zeroize`.
    fn wiped<T: zeroize::ZeroizeOnDrop>() {}
    wiped::<TdesEde3>();
    wiped::<Aes128>();
    wiped::<Aes192>();
    wiped::<Aes256>();
    wiped::<Aes128Gcm>();
    wiped::<AesGcm<Aes192, cipher::consts::U12>>();
    wiped::<Aes256Gcm>();
    // An HMAC key lives in the two hash states (inner and outer pad)
    // of `HmacCore`; each wipes itself.
    wiped::<<Md5 as hmac::EagerHash>::Core>();
    wiped::<<Sha1 as hmac::EagerHash>::Core>();
    wiped::<<Sha256 as hmac::EagerHash>::Core>();
}

#[test]
fn debug_is_redacted() {
    let key = [0xab; 20];
    let k = IntegrityKey::new(Integrity::HmacSha1_96, &key).unwrap();
    let e = EncryptionKey::new(Encryption::AesGcm128, &key).unwrap();
    let m = KeyMaterial::new(&key, &key);
    for s in [format!("{k:?}"), format!("{e:?}"), format!("{m:?}")] {
        assert!(!s.contains("ab") && !s.contains("171"), "{s}");
    }
}

#[test]
fn keymat_split() {
    let keymat: Vec<u8> = (0..44).collect();
    let k = KeyMaterial::split(&keymat, Suite::TRIPLE_DES_SHA1).unwrap();
    assert_eq!(k.encryption(), &keymat[..24]);
    assert_eq!(k.integrity(), &keymat[24..44]);
    assert!(KeyMaterial::split(&keymat[..43], Suite::TRIPLE_DES_SHA1).is_err());
}
