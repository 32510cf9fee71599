//! g^x for the fixed generator g = 2 from a precomputed table (fixed-base
//! windowed exponentiation), constant time in x.
//!
//! The table holds, for each window position i and digit d < 2^W, the
//! power g^(d · 2^(W·i)) in Montgomery form. Then
//! g^x = Π_i table[i][digit_i(x)]: one Montgomery multiplication per window
//! and no squarings, against W squarings and one multiplication per window
//! for a variable base. Each look-up scans the whole row with
//! constant-time selection, so neither the memory touched nor the branches
//! depend on x; only the exponent's bound (public) shapes the running time.
//!
//! The table is built from constants (the group's prime and generator)
//! once per group and process, like the Montgomery parameters: it holds
//! nothing an input can influence.

use crypto_bigint::modular::{BoxedMontyForm, BoxedMontyParams};
use crypto_bigint::{BoxedUint, Choice, CtAssign, Limb, MontyForm, MontyMultiplier, Word};
use zeroize::Zeroize;

/// Window width in bits. Counted with callgrind at 256-bit exponents
/// (`benches/examples/dh_count.rs`), 4 / 5 / 6 bits: group 2 0.59 / 0.63 /
/// 0.76 M instructions, group 14 1.82 / 1.73 / 1.85 M. Wider windows save
/// products but each look-up scans 2^W entries and the table doubles; 4
/// is the best overall at half the memory of 5.
pub(super) const WINDOW: u32 = 4;
const ROW: usize = 1 << WINDOW;

/// Powers of a fixed base for exponents up to `max_bits` bits.
pub(super) struct FixedBaseTable {
    params: BoxedMontyParams,
    max_bits: u32,
    /// `positions × ROW` entries, row-major, Montgomery form.
    entries: Vec<BoxedUint>,
}

impl FixedBaseTable {
    /// Builds the table of `base` for exponents of at most `max_bits` bits.
    pub(super) fn new(base: &BoxedMontyForm, max_bits: u32) -> Self {
        let params = base.params();
        let positions = max_bits.div_ceil(WINDOW) as usize;
        let one = BoxedMontyForm::one(params);
        let mut multiplier = <BoxedMontyForm as MontyForm>::Multiplier::from(params);
        let mut entries = Vec::with_capacity(positions * ROW);
        // b = base^(2^(W·i)) at row i.
        let mut b = base.clone();
        for _ in 0..positions {
            let mut power = one.clone();
            for _ in 0..ROW {
                entries.push(power.as_montgomery().clone());
                multiplier.mul_assign(&mut power, &b);
            }
            // power = b^ROW = b^(2^W): the next row's base.
            b = power;
        }
        Self {
            params: params.clone(),
            max_bits,
            entries,
        }
    }

    /// `base^exponent mod p` (normal form) for an exponent of at most
    /// `exponent_bits` bits (at most the table's `max_bits`); the bits of `exponent` above
    /// `exponent_bits` are ignored.
    pub(super) fn pow(&self, exponent: &BoxedUint, exponent_bits: u32) -> BoxedUint {
        let bits = exponent_bits.min(self.max_bits);
        let positions = bits.div_ceil(WINDOW) as usize;
        let mut multiplier = <BoxedMontyForm as MontyForm>::Multiplier::from(&self.params);
        let mut z = BoxedMontyForm::one(&self.params);
        let mut selected = BoxedMontyForm::one(&self.params);
        let limbs = exponent.as_limbs();
        for (i, row) in self.entries.chunks_exact(ROW).take(positions).enumerate() {
            // i < positions ≤ max_bits / W: fits in u32.
            let start = (i as u32) * WINDOW;
            let width = WINDOW.min(bits - start);
            let mut digit = window(limbs, start, width);
            let slot = selected.as_montgomery_mut();
            // Whole-row scan: every entry is read whatever the digit.
            slot.ct_assign(&row[0], Choice::TRUE);
            for (d, entry) in row.iter().enumerate().skip(1) {
                slot.ct_assign(entry, Choice::from_u64_eq(d as u64, digit));
            }
            digit.zeroize();
            multiplier.mul_assign(&mut z, &selected);
        }
        selected.zeroize();
        let out = z.retrieve();
        z.zeroize();
        out
    }
}

/// `width` (≤ 64) bits of the little-endian limbs starting at bit `start`,
/// limbs past the end read as 0. `start` and `width` are public; only the
/// value read is secret, and it takes no branch.
fn window(limbs: &[Limb], start: u32, width: u32) -> u64 {
    let word = (start / Word::BITS) as usize;
    let shift = start % Word::BITS;
    let lo = limbs.get(word).map_or(0, |l| l.0) >> shift;
    let hi = if shift == 0 {
        0
    } else {
        limbs.get(word + 1).map_or(0, |l| l.0) << (Word::BITS - shift)
    };
    let mask = if width >= 64 {
        u64::MAX
    } else {
        (1u64 << width) - 1
    };
    (lo | hi) & mask
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::dh::DhGroup;
    use crypto_bigint::Resize;
    use proptest::prelude::*;

    fn generic(g: DhGroup, e: &BoxedUint, bits: u32) -> BoxedUint {
        let base = BoxedUint::from(g.generator()).resize(g.bits());
        BoxedMontyForm::new(base, g.params())
            .pow_bounded_exp(e, bits)
            .retrieve()
    }

    fn exponent(bytes: &[u8], bits: u32) -> BoxedUint {
        let precision = bits.div_ceil(64) * 64;
        BoxedUint::from_be_slice_truncated(bytes, precision)
    }

    #[test]
    fn small_exponents_give_known_powers_of_two() {
        // 2^e for e < 1024 fits below the 1024-bit prime: the answer is a
        // single bit, known without any bignum library.
        let g = DhGroup::Modp1024;
        for e in [0u32, 1, 2, 3, 15, 16, 17, 63, 64, 65, 255, 1000, 1022] {
            let mut be = [0u8; 2];
            be.copy_from_slice(&(e as u16).to_be_bytes());
            let got = g.fixed_base().pow(&exponent(&be, 256), 256);
            let mut want = [0u8; 128];
            want[127 - (e / 8) as usize] = 1 << (e % 8);
            assert_eq!(&*got.to_be_bytes(), &want[..], "2^{e}");
        }
    }

    #[test]
    fn window_reads_across_limbs() {
        let limbs = [Limb(0xF000_0000_0000_0000), Limb(0x0000_0000_0000_0005)];
        assert_eq!(window(&limbs, 60, 6), 0b01_1111);
        assert_eq!(window(&limbs, 62, 4), 0b0111);
        assert_eq!(window(&limbs, 64, 4), 5);
        assert_eq!(window(&limbs, 128, 4), 0);
        assert_eq!(window(&limbs, 0, 64), 0xF000_0000_0000_0000);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        #[test]
        fn agrees_with_the_variable_base_path_group2(bytes in proptest::collection::vec(any::<u8>(), 32), cut in 0u32..130) {
            let g = DhGroup::Modp1024;
            let bits = 256 - cut;
            let e = exponent(&bytes, 256);
            prop_assert_eq!(g.fixed_base().pow(&e, bits), generic(g, &e, bits));
        }

        #[test]
        fn agrees_with_the_variable_base_path_group14(bytes in proptest::collection::vec(any::<u8>(), 32)) {
            let g = DhGroup::Modp2048;
            let e = exponent(&bytes, 256);
            prop_assert_eq!(g.fixed_base().pow(&e, 256), generic(g, &e, 256));
        }

        #[test]
        fn agrees_with_the_variable_base_path_group5_odd_bounds(bytes in proptest::collection::vec(any::<u8>(), 32), bits in 1u32..=256) {
            let g = DhGroup::Modp1536;
            let e = exponent(&bytes, 256);
            prop_assert_eq!(g.fixed_base().pow(&e, bits), generic(g, &e, bits));
        }
    }
}
