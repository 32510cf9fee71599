//! The variable-base exponentiation for the 768- and 1024-bit groups on
//! crypto-bigint's stack-allocated `FixedMontyForm` (the same constant-time
//! 4-bit-window almost-Montgomery algorithm as `BoxedMontyForm`, with the
//! limb count known at compile time). Counted with callgrind at group 2
//! (`benches/examples/dh_count.rs`): 1.96 M instructions against 2.21 M
//! for the boxed form, which has a dedicated squaring only at 1536, 2048
//! and larger RSA sizes, where it stays the faster one.

use crypto_bigint::modular::{FixedMontyForm, FixedMontyParams};
use crypto_bigint::{BoxedUint, Odd, Uint, Word};
use zeroize::Zeroize;

/// The low `L` limbs of `v` (the rest are zero for every value we pass:
/// reduced residues and exponents no longer than the modulus).
fn to_fixed<const L: usize>(v: &BoxedUint) -> Uint<L> {
    let mut words = [0 as Word; L];
    for (w, l) in words.iter_mut().zip(v.as_limbs()) {
        *w = l.0;
    }
    let out = Uint::from_words(words);
    words.zeroize();
    out
}

/// The Montgomery parameters of a prime of exactly `L` limbs.
pub(super) fn params<const L: usize>(prime_be: &[u8]) -> Option<FixedMontyParams<L>> {
    if prime_be.len() != L * 8 {
        return None;
    }
    let odd = Odd::new(Uint::<L>::from_be_slice(prime_be)).into_option()?;
    Some(FixedMontyParams::new_vartime(odd))
}

/// `base^exponent mod p` for `base < p`, constant-time in the exponent
/// (only the bound `exponent_bits` shapes the running time).
pub(super) fn pow<const L: usize>(
    params: &FixedMontyParams<L>,
    base: &BoxedUint,
    exponent: &BoxedUint,
    exponent_bits: u32,
) -> BoxedUint {
    let b = FixedMontyForm::new(&to_fixed::<L>(base), params);
    let mut e = to_fixed::<L>(exponent);
    let mut r = b.pow_amm_bounded_exp(&e, exponent_bits);
    e.zeroize();
    let mut plain = r.retrieve();
    r.zeroize();
    let out = BoxedUint::from(&plain);
    plain.zeroize();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::dh::DhGroup;
    use crypto_bigint::Resize;
    use crypto_bigint::modular::BoxedMontyForm;
    use proptest::prelude::*;

    fn boxed(g: DhGroup, base: &BoxedUint, e: &BoxedUint, bits: u32) -> BoxedUint {
        BoxedMontyForm::new(base.clone().resize(g.bits()), g.params())
            .pow_bounded_exp(e, bits)
            .retrieve()
    }

    /// A base below p from random bytes: the top byte cleared.
    fn base(g: DhGroup, mut bytes: Vec<u8>) -> BoxedUint {
        bytes.resize(g.modulus_len(), 0x5a);
        bytes[0] = 0;
        BoxedUint::from_be_slice(&bytes, g.bits()).unwrap_or_else(|_| BoxedUint::one())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        #[test]
        fn agrees_with_the_boxed_form_group2(b in proptest::collection::vec(any::<u8>(), 128), e in proptest::collection::vec(any::<u8>(), 1..=128), cut in 0u32..64) {
            let g = DhGroup::Modp1024;
            let bits = (e.len() as u32 * 8).saturating_sub(cut).max(1);
            let x = BoxedUint::from_be_slice(&e, e.len() as u32 * 8).unwrap_or_else(|_| BoxedUint::one());
            let precision = x.bits_precision().div_ceil(64) * 64;
            let x = x.resize(precision);
            let y = base(g, b);
            let p = params::<16>(g.prime()).unwrap();
            prop_assert_eq!(pow(&p, &y, &x, bits), boxed(g, &y, &x, bits));
        }

        #[test]
        fn agrees_with_the_boxed_form_group1(b in proptest::collection::vec(any::<u8>(), 96), e in proptest::collection::vec(any::<u8>(), 32)) {
            let g = DhGroup::Modp768;
            let x = BoxedUint::from_be_slice(&e, 256).unwrap_or_else(|_| BoxedUint::one());
            let y = base(g, b);
            let p = params::<12>(g.prime()).unwrap();
            prop_assert_eq!(pow(&p, &y, &x, 256), boxed(g, &y, &x, 256));
        }
    }

    #[test]
    fn a_prime_of_another_width_gives_no_parameters() {
        assert!(params::<16>(DhGroup::Modp768.prime()).is_none());
    }
}
