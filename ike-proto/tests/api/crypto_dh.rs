//! Diffie-Hellman: MODP primes, strongSwan known answers, num-bigint as an
//! independent oracle, peer value checks, exponent sizes, zeroize/Debug.

use crate::common::vectors::{unhex, vectors};
use ike_proto::crypto::{CryptoError, DhGroup, DhKeyPair, ExponentSize};
use num_bigint::BigUint;
use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};
use serde_json::Value;

fn group(id: &Value) -> DhGroup {
    DhGroup::from_wire(u16::try_from(id.as_u64().unwrap()).unwrap()).unwrap()
}

/// Left-pads `v` to `len` bytes, big-endian.
fn fixed(v: &BigUint, len: usize) -> Vec<u8> {
    let b = v.to_bytes_be();
    let mut out = vec![0u8; len - b.len()];
    out.extend_from_slice(&b);
    out
}

#[test]
fn primes_match_modp_groups_json() {
    let v = vectors("modp_groups.json");
    let groups = v["groups"].as_array().unwrap();
    assert_eq!(groups.len(), DhGroup::ALL.len());
    for g in groups {
        let dh = group(&g["ike_group"]);
        assert_eq!(dh.prime(), unhex(&g["prime"]).as_slice(), "{dh:?}");
        assert_eq!(u64::from(dh.bits()), g["bits"].as_u64().unwrap());
        assert_eq!(dh.modulus_len() * 8, dh.bits() as usize);
        assert_eq!(vec![dh.generator()], unhex(&g["generator"]));
        assert_eq!(DhGroup::from_wire(dh.wire_id()), Some(dh));
    }
    for bad in [0u16, 3, 4, 6, 13, 19, 20, 21, 24, 0xffff] {
        assert_eq!(DhGroup::from_wire(bad), None, "{bad}");
    }
}

#[test]
fn strongswan_known_answers() {
    let v = vectors("modp_dh_kat_strongswan.json");
    for case in v["cases"].as_array().unwrap() {
        let g = group(&case["ike_group"]);
        let (priv_i, priv_r) = (unhex(&case["priv_i"]), unhex(&case["priv_r"]));
        let (pub_i, pub_r) = (unhex(&case["pub_i"]), unhex(&case["pub_r"]));
        let shared = unhex(&case["shared"]);
        let i = DhKeyPair::from_private_bytes(g, &priv_i).unwrap();
        let r = DhKeyPair::from_private_bytes(g, &priv_r).unwrap();
        assert_eq!(i.public_value(), pub_i.as_slice(), "{g:?} pub_i");
        assert_eq!(r.public_value(), pub_r.as_slice(), "{g:?} pub_r");
        let si = i.shared_secret(&pub_r).unwrap();
        let sr = r.shared_secret(&pub_i).unwrap();
        assert_eq!(si.as_bytes(), shared.as_slice(), "{g:?} shared (i)");
        assert_eq!(sr.as_bytes(), shared.as_slice(), "{g:?} shared (r)");
        assert_eq!(si.len(), g.modulus_len());
    }
}

/// Random exponents through the API against num-bigint's `modpow` (an
/// independent, variable-time implementation): public value and shared
/// secret, left-padded.
fn oracle_round(g: DhGroup, exp_len: usize, rng: &mut ChaCha20Rng) {
    let p = BigUint::from_bytes_be(g.prime());
    let len = g.modulus_len();
    let mut x = vec![0u8; exp_len];
    rng.fill_bytes(&mut x);
    if exp_len == len {
        x[0] &= 0x7f; // stay below p
    }
    x[exp_len - 1] |= 2; // at least 2
    let pair = DhKeyPair::from_private_bytes(g, &x).unwrap();
    let xb = BigUint::from_bytes_be(&x);
    let expect_pub = BigUint::from(2u8).modpow(&xb, &p);
    assert_eq!(
        pair.public_value(),
        fixed(&expect_pub, len).as_slice(),
        "{g:?} pub"
    );

    // A peer value: 2^k mod p for a random k, so it is a valid element.
    let mut k = vec![0u8; 32];
    rng.fill_bytes(&mut k);
    let y = BigUint::from(2u8).modpow(&BigUint::from_bytes_be(&k), &p);
    let y_bytes = fixed(&y, len);
    let expect_shared = y.modpow(&xb, &p);
    let shared = pair.shared_secret(&y_bytes).unwrap();
    assert_eq!(
        shared.as_bytes(),
        fixed(&expect_shared, len).as_slice(),
        "{g:?} shared"
    );
}

#[test]
fn num_bigint_oracle_small_groups() {
    let mut rng = ChaCha20Rng::from_seed([1; 32]);
    for g in [
        DhGroup::Modp768,
        DhGroup::Modp1024,
        DhGroup::Modp1536,
        DhGroup::Modp2048,
    ] {
        for exp_len in [
            1,
            2,
            8,
            31,
            32,
            33,
            64,
            g.modulus_len() - 1,
            g.modulus_len(),
        ] {
            oracle_round(g, exp_len, &mut rng);
        }
    }
}

#[test]
fn num_bigint_oracle_large_groups() {
    // 15-18 are slow: a few rounds each.
    let mut rng = ChaCha20Rng::from_seed([2; 32]);
    for g in [DhGroup::Modp3072, DhGroup::Modp4096] {
        for exp_len in [40, 48, g.modulus_len()] {
            oracle_round(g, exp_len, &mut rng);
        }
    }
    for g in [DhGroup::Modp6144, DhGroup::Modp8192] {
        oracle_round(g, 64, &mut rng);
    }
}

#[test]
fn generated_pairs_agree_in_every_group() {
    let mut rng = ChaCha20Rng::from_seed([3; 32]);
    for g in DhGroup::ALL {
        let a = DhKeyPair::generate(g, &mut rng);
        let b = DhKeyPair::generate(g, &mut rng);
        assert_eq!(a.group(), g);
        assert_eq!(a.exponent_bits(), g.default_exponent_bits());
        assert_eq!(a.public_value().len(), g.modulus_len());
        g.validate_public(a.public_value()).unwrap();
        let s1 = a.shared_secret(b.public_value()).unwrap();
        let s2 = b.shared_secret(a.public_value()).unwrap();
        assert_eq!(s1, s2, "{g:?}");
        assert_eq!(s1.len(), g.modulus_len());
        assert_ne!(a.public_value(), b.public_value());
    }
}

#[test]
fn default_exponent_sizes_are_at_least_twice_the_strength() {
    // RFC 3526 section 8, "strength estimate 1" (bits) per group.
    let strength = [
        (DhGroup::Modp768, 64),
        (DhGroup::Modp1024, 80),
        (DhGroup::Modp1536, 90),
        (DhGroup::Modp2048, 110),
        (DhGroup::Modp3072, 130),
        (DhGroup::Modp4096, 150),
        (DhGroup::Modp6144, 170),
        (DhGroup::Modp8192, 190),
    ];
    for (g, s) in strength {
        let bits = g.default_exponent_bits();
        assert!(bits >= 2 * s, "{g:?}: {bits} < 2 * {s}");
        assert!(bits >= 256, "{g:?}");
        assert_eq!(bits % 64, 0);
    }
    assert_eq!(DhGroup::Modp1024.default_exponent_bits(), 256);
    assert_eq!(DhGroup::Modp2048.default_exponent_bits(), 256);
    assert!(DhGroup::Modp3072.default_exponent_bits() > 256);
}

/// Redoes the documented drawing procedure with a clone of the RNG: take
/// ceil(bits / 8) bytes, clear the excess top bits, use them as the exponent.
fn expected_public(g: DhGroup, bits: u32, rng: &mut ChaCha20Rng) -> Vec<u8> {
    let n = bits.div_ceil(8) as usize;
    let mut x = vec![0u8; n];
    rng.fill_bytes(&mut x);
    x[0] &= 0xff >> (n as u32 * 8 - bits);
    let p = BigUint::from_bytes_be(g.prime());
    fixed(
        &BigUint::from(2u8).modpow(&BigUint::from_bytes_be(&x), &p),
        g.modulus_len(),
    )
}

#[test]
fn exponent_size_options_draw_the_documented_bits() {
    let g = DhGroup::Modp1024;
    let cases = [
        (ExponentSize::Recommended, 256),
        (ExponentSize::Full, 1023),
        (ExponentSize::Bits(300), 300),
        (ExponentSize::Bits(16), 128),    // clamped up
        (ExponentSize::Bits(5000), 1023), // clamped down
    ];
    for (i, (size, bits)) in cases.into_iter().enumerate() {
        let seed = [10 + u8::try_from(i).unwrap(); 32];
        let mut rng = ChaCha20Rng::from_seed(seed);
        let pair = DhKeyPair::generate_with_size(g, size, &mut rng);
        assert_eq!(pair.exponent_bits(), bits, "{size:?}");
        let mut replay = ChaCha20Rng::from_seed(seed);
        assert_eq!(
            pair.public_value(),
            expected_public(g, bits, &mut replay).as_slice(),
            "{size:?}"
        );
    }
    // Full size for group 14 as well.
    let mut rng = ChaCha20Rng::from_seed([20; 32]);
    let pair = DhKeyPair::generate_with_size(DhGroup::Modp2048, ExponentSize::Full, &mut rng);
    assert_eq!(pair.exponent_bits(), 2047);
    let mut replay = ChaCha20Rng::from_seed([20; 32]);
    assert_eq!(
        pair.public_value(),
        expected_public(DhGroup::Modp2048, 2047, &mut replay).as_slice()
    );
}

#[test]
fn peer_public_value_is_checked() {
    let mut rng = ChaCha20Rng::from_seed([4; 32]);
    for g in [DhGroup::Modp768, DhGroup::Modp1024, DhGroup::Modp2048] {
        let pair = DhKeyPair::generate(g, &mut rng);
        let len = g.modulus_len();
        let p = BigUint::from_bytes_be(g.prime());
        let value = |v: BigUint| fixed(&v, len);
        let bad = [
            value(BigUint::from(0u8)),
            value(BigUint::from(1u8)),
            value(&p - 1u8),
            g.prime().to_vec(),
            value(&p + 1u8),
            vec![0xff; len],
        ];
        for y in &bad {
            assert_eq!(g.validate_public(y), Err(CryptoError::InvalidDhPublicValue));
            assert_eq!(
                pair.shared_secret(y),
                Err(CryptoError::InvalidDhPublicValue)
            );
        }
        let good = [value(BigUint::from(2u8)), value(&p - 2u8), value(&p >> 1)];
        for y in &good {
            g.validate_public(y).unwrap();
            pair.shared_secret(y).unwrap();
        }
        // Wrong lengths: a value without its leading zero byte, one too long, empty.
        let short = &good[0][1..];
        assert_eq!(
            pair.shared_secret(short),
            Err(CryptoError::InvalidDhPublicLength {
                expected: len,
                got: len - 1
            })
        );
        let mut long = vec![0u8];
        long.extend_from_slice(&good[0]);
        assert!(matches!(
            pair.shared_secret(&long),
            Err(CryptoError::InvalidDhPublicLength { .. })
        ));
        assert!(matches!(
            pair.shared_secret(&[]),
            Err(CryptoError::InvalidDhPublicLength { .. })
        ));
    }
}

#[test]
fn private_value_is_checked() {
    let g = DhGroup::Modp768;
    for bad in [&[][..], &[0], &[1], &[0, 0, 1]] {
        assert_eq!(
            DhKeyPair::from_private_bytes(g, bad).err(),
            Some(CryptoError::InvalidPrivateValue)
        );
    }
    let p = g.prime();
    assert!(DhKeyPair::from_private_bytes(g, p).is_err());
    let mut too_long = vec![1u8];
    too_long.extend_from_slice(p);
    assert!(DhKeyPair::from_private_bytes(g, &too_long).is_err());
    assert!(DhKeyPair::from_private_bytes(g, &[2]).is_ok());
    // p - 2 is the largest accepted exponent.
    let pm2 = fixed(&(BigUint::from_bytes_be(p) - 2u8), p.len());
    assert!(DhKeyPair::from_private_bytes(g, &pm2).is_ok());
}

#[test]
fn shared_secret_keeps_leading_zeros() {
    // Find a small peer value whose shared secret has a leading zero byte and
    // check the output is still the full modulus length (1 in 256 chance per try).
    let g = DhGroup::Modp768;
    let pair = DhKeyPair::from_private_bytes(g, &[0x5a; 32]).unwrap();
    let p = BigUint::from_bytes_be(g.prime());
    let x = BigUint::from_bytes_be(&[0x5a; 32]);
    let mut found = false;
    for k in 2u32..3000 {
        let y = fixed(&BigUint::from(k), g.modulus_len());
        let s = pair.shared_secret(&y).unwrap();
        assert_eq!(s.len(), g.modulus_len());
        if s.as_bytes()[0] == 0 {
            assert_eq!(
                s.as_bytes(),
                fixed(&BigUint::from(k).modpow(&x, &p), g.modulus_len()).as_slice()
            );
            found = true;
            break;
        }
    }
    assert!(found);
}

#[test]
fn debug_does_not_show_the_private_value() {
    let priv_bytes = [0x42u8; 32];
    let pair = DhKeyPair::from_private_bytes(DhGroup::Modp1024, &priv_bytes).unwrap();
    let dbg = format!("{pair:?}");
    assert!(dbg.contains("redacted"), "{dbg}");
    assert!(!dbg.contains("42424242"), "{dbg}");
    assert!(
        !dbg.to_lowercase()
            .contains(&hex::encode(&pair.public_value()[..8]))
    );
    let s = pair.shared_secret(pair.public_value()).unwrap();
    let sdbg = format!("{s:?}");
    assert!(
        sdbg.contains("redacted") && !sdbg.contains(&hex::encode(&s.as_bytes()[..4])),
        "{sdbg}"
    );
}

#[test]
fn secrets_zeroize_on_drop() {
    fn assert_zod<T: zeroize::ZeroizeOnDrop>() {}
    assert_zod::<DhKeyPair>();
    assert_zod::<ike_proto::crypto::SecretBytes>();
}
