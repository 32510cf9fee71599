//! IKEv1 cryptography costs: Diffie-Hellman (key generation and shared
//! secret) for groups 2 and 14 with a 256-bit and a full-size private
//! exponent, and the SKEYID derivation of a pre-shared-key Main Mode.
//! With `--features openssl`, `dh_shared_secret` also times OpenSSL's
//! `BN_mod_exp_mont_consttime` (the exponent marked secret, as OpenSSL's
//! own DH does) on the same prime, exponent size and peer value, and
//! `dh_keygen` the same for g^x (OpenSSL has no fixed-base table for DH).
//!
//! ```sh
//! cargo bench -p benches --bench ike_crypto
//! # quicker:
//! cargo bench -p benches --bench ike_crypto -- --warm-up-time 1 --measurement-time 3
//! ```

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use ike_proto::crypto::{
    DhGroup, DhKeyPair, ExponentSize, HashAlg, Phase1Cipher, Phase1Keys, skeyid_psk,
};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

const SIZES: [(&str, ExponentSize); 2] = [
    ("x256", ExponentSize::Bits(256)),
    ("full", ExponentSize::Full),
];
const GROUPS: [DhGroup; 2] = [DhGroup::Modp1024, DhGroup::Modp2048];

fn dh(c: &mut Criterion) {
    let mut rng = ChaCha20Rng::from_seed([42; 32]);
    let mut keygen = c.benchmark_group("dh_keygen");
    for g in GROUPS {
        for (label, size) in SIZES {
            let id = BenchmarkId::new(format!("group{}", g.wire_id()), label);
            keygen.bench_function(id, |b| {
                b.iter(|| DhKeyPair::generate_with_size(black_box(g), size, &mut rng));
            });
            #[cfg(feature = "openssl")]
            {
                // What OpenSSL's DH_generate_key does: g^x with
                // BN_mod_exp_mont_consttime (no fixed-base table).
                let bits = DhKeyPair::generate_with_size(g, size, &mut rng).exponent_bits();
                let exponent = openssl_dh::exponent(bits, &mut rng);
                let mut two = vec![0u8; g.modulus_len()];
                if let Some(last) = two.last_mut() {
                    *last = g.generator();
                }
                let id = BenchmarkId::new(format!("group{} OpenSSL", g.wire_id()), label);
                keygen.bench_function(id, |b| {
                    b.iter(|| openssl_dh::shared(g, &exponent, black_box(&two)));
                });
            }
        }
    }
    keygen.finish();

    let mut shared = c.benchmark_group("dh_shared_secret");
    for g in GROUPS {
        for (label, size) in SIZES {
            let ours = DhKeyPair::generate_with_size(g, size, &mut rng);
            let peer = DhKeyPair::generate(g, &mut rng);
            let peer_public = peer.public_value().to_vec();
            let id = BenchmarkId::new(format!("group{}", g.wire_id()), label);
            shared.bench_function(id, |b| {
                b.iter(|| ours.shared_secret(black_box(&peer_public)));
            });
            #[cfg(feature = "openssl")]
            {
                let exponent = openssl_dh::exponent(ours.exponent_bits(), &mut rng);
                let id = BenchmarkId::new(format!("group{} OpenSSL", g.wire_id()), label);
                shared.bench_function(id, |b| {
                    b.iter(|| openssl_dh::shared(g, &exponent, black_box(&peer_public)));
                });
            }
        }
    }
    shared.finish();
}

/// The exponentiation options for the variable base (the shared secret),
/// same prime, base and 256-bit exponent, results checked equal first.
fn dh_options(c: &mut Criterion) {
    fn run<const L: usize>(c: &mut Criterion, g: DhGroup, rng: &mut ChaCha20Rng) {
        let peer = DhKeyPair::generate(g, rng);
        let exponent = openssl_free_exponent(rng);
        let o = dh_options::Options::<L>::new(g.prime(), peer.public_value(), &exponent);
        let want = o.boxed_pow();
        assert_eq!(o.fixed_pow().to_be_bytes().as_ref(), &*want.to_be_bytes());
        assert_eq!(
            o.fixed_pow_amm().to_be_bytes().as_ref(),
            &*want.to_be_bytes()
        );
        assert_eq!(o.window_pow(5), want);
        assert_eq!(o.window_pow(6), want);
        let mut group = c.benchmark_group(format!("dh_pow_options/group{}", g.wire_id()));
        group.bench_function("BoxedMontyForm pow_bounded_exp (w4, AMM)", |b| {
            b.iter(|| black_box(&o).boxed_pow())
        });
        group.bench_function("FixedMontyForm pow_bounded_exp", |b| {
            b.iter(|| black_box(&o).fixed_pow())
        });
        group.bench_function("FixedMontyForm pow_amm_bounded_exp", |b| {
            b.iter(|| black_box(&o).fixed_pow_amm())
        });
        // Our own public value g^x, the old way (the generic exponentiation
        // with base 2) and the new (the fixed-base table), same run.
        let two = {
            let mut v = vec![0u8; g.modulus_len()];
            if let Some(last) = v.last_mut() {
                *last = g.generator();
            }
            v
        };
        let gx = dh_options::Options::<L>::new(g.prime(), &two, &exponent);
        group.bench_function("g^x by pow_bounded_exp (keygen before)", |b| {
            b.iter(|| black_box(&gx).boxed_pow())
        });
        let mut keygen_rng = ChaCha20Rng::from_seed([3; 32]);
        group.bench_function("g^x by the fixed-base table (DhKeyPair::generate)", |b| {
            b.iter(|| DhKeyPair::generate_with_size(g, ExponentSize::Bits(256), &mut keygen_rng))
        });
        for w in [4, 5, 6] {
            group.bench_function(format!("window w{w} over MontyMultiplier"), |b| {
                b.iter(|| black_box(&o).window_pow(w))
            });
        }
        group.finish();
    }
    fn openssl_free_exponent(rng: &mut ChaCha20Rng) -> [u8; 32] {
        let mut e = [0u8; 32];
        rand_core::Rng::fill_bytes(rng, &mut e);
        e[0] |= 0x80;
        e
    }
    let mut rng = ChaCha20Rng::from_seed([9; 32]);
    run::<16>(c, DhGroup::Modp1024, &mut rng);
    run::<32>(c, DhGroup::Modp2048, &mut rng);
}

fn skeyid(c: &mut Criterion) {
    let mut rng = ChaCha20Rng::from_seed([7; 32]);
    let mut group = c.benchmark_group("skeyid_psk_derive");
    for (g, prf) in [
        (DhGroup::Modp1024, HashAlg::Sha1),
        (DhGroup::Modp2048, HashAlg::Sha2_256),
    ] {
        let a = DhKeyPair::generate(g, &mut rng);
        let b = DhKeyPair::generate(g, &mut rng);
        let g_xy = a.shared_secret(b.public_value()).unwrap_or_default();
        let (ni, nr) = ([0x11u8; 20], [0x22u8; 20]);
        let (cky_i, cky_r) = ([1u8; 8], [2u8; 8]);
        // SKEYID = prf(psk, Ni_b | Nr_b), then SKEYID_d/_a/_e and the 3DES key
        // (appendix B expansion for SHA-1): the whole per-SA derivation.
        let id = BenchmarkId::new(prf.name(), format!("group{}", g.wire_id()));
        group.bench_function(id, |bench| {
            bench.iter(|| {
                let skeyid = skeyid_psk(prf, black_box(b"cisco123"), &ni, &nr);
                let keys = Phase1Keys::derive(prf, skeyid, g_xy.as_bytes(), &cky_i, &cky_r);
                keys.encryption_key(Phase1Cipher::TripleDes)
            });
        });
    }
    group.finish();
}

/// OpenSSL's constant-time modular exponentiation, as its DH uses it.
#[cfg(feature = "openssl")]
mod openssl_dh {
    use ike_proto::crypto::DhGroup;
    use openssl::bn::{BigNum, BigNumContext};
    use rand_core::Rng;

    /// A random exponent of `bits` bits (top bit set), like ours.
    pub fn exponent(bits: u32, rng: &mut impl Rng) -> Vec<u8> {
        let mut e = vec![0u8; bits.div_ceil(8) as usize];
        rng.fill_bytes(&mut e);
        let spare = e.len() as u32 * 8 - bits;
        e[0] &= 0xff >> spare;
        e[0] |= 0x80 >> spare;
        e
    }

    /// peer^exponent mod p, the exponent flagged constant-time.
    pub fn shared(group: DhGroup, exponent: &[u8], peer: &[u8]) -> Vec<u8> {
        let p = BigNum::from_slice(group.prime()).unwrap();
        let y = BigNum::from_slice(peer).unwrap();
        let mut x = BigNum::from_slice(exponent).unwrap();
        // BN_FLG_CONSTTIME: BN_mod_exp takes BN_mod_exp_mont_consttime.
        x.set_const_time();
        let mut ctx = BigNumContext::new().unwrap();
        let mut z = BigNum::new().unwrap();
        z.mod_exp(&y, &x, &p, &mut ctx).unwrap();
        z.to_vec_padded(group.modulus_len() as i32).unwrap()
    }
}

#[path = "common/dh_options.rs"]
mod dh_options;

criterion_group!(benches, dh, dh_options, skeyid);
criterion_main!(benches);
