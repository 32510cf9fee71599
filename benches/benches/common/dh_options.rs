//! The exponentiation options measured for DH (`dh_pow_options`): crypto-bigint
//! 0.7's `BoxedMontyForm::pow_bounded_exp` (what `shared_secret` uses: fixed
//! 4-bit window, almost-Montgomery multiplication), the stack-allocated
//! `FixedMontyForm` with its two `pow`s, and a fixed window of 5 or 6 bits
//! written over the public `MontyMultiplier` (fully reduced products), all
//! constant time (whole-table scans). For choosing, not for use.

use crypto_bigint::modular::{BoxedMontyForm, BoxedMontyParams, FixedMontyForm, FixedMontyParams};
use crypto_bigint::{BoxedUint, Choice, CtAssign, MontyForm, MontyMultiplier, Odd, Resize, Uint};

pub struct Options<const L: usize> {
    pub boxed: BoxedMontyParams,
    pub fixed: FixedMontyParams<L>,
    pub base: BoxedUint,
    pub exponent: BoxedUint,
    pub bits: u32,
}

impl<const L: usize> Options<L> {
    pub fn new(prime: &[u8], base: &[u8], exponent: &[u8]) -> Self {
        let bits = (prime.len() * 8) as u32;
        let p = BoxedUint::from_be_slice_vartime(prime).resize(bits);
        let boxed = BoxedMontyParams::new_vartime(p.into_odd().unwrap());
        let fixed =
            FixedMontyParams::new_vartime(Odd::new(Uint::<L>::from_be_slice(prime)).unwrap());
        Self {
            boxed,
            fixed,
            base: BoxedUint::from_be_slice(base, bits).unwrap(),
            exponent: BoxedUint::from_be_slice(exponent, (exponent.len() * 8) as u32).unwrap(),
            bits: (exponent.len() * 8) as u32,
        }
    }

    pub fn boxed_pow(&self) -> BoxedUint {
        BoxedMontyForm::new(self.base.clone(), &self.boxed)
            .pow_bounded_exp(&self.exponent, self.bits)
            .retrieve()
    }

    fn fixed_inputs(&self) -> (FixedMontyForm<L>, Uint<L>) {
        let base = Uint::<L>::from_be_slice(&self.base.to_be_bytes());
        let mut e = [0u8; 8192];
        let eb = self.exponent.to_be_bytes();
        let n = L * 8;
        e[n - eb.len()..n].copy_from_slice(&eb);
        (
            FixedMontyForm::new(&base, &self.fixed),
            Uint::<L>::from_be_slice(&e[..n]),
        )
    }

    pub fn fixed_pow(&self) -> Uint<L> {
        let (b, e) = self.fixed_inputs();
        b.pow_bounded_exp(&e, self.bits).retrieve()
    }

    pub fn fixed_pow_amm(&self) -> Uint<L> {
        let (b, e) = self.fixed_inputs();
        b.pow_amm_bounded_exp(&e, self.bits).retrieve()
    }

    /// Left-to-right fixed window of `w` bits, constant time.
    pub fn window_pow(&self, w: u32) -> BoxedUint {
        let params = &self.boxed;
        let mut m = <BoxedMontyForm as MontyForm>::Multiplier::from(params);
        let x = BoxedMontyForm::new(self.base.clone(), params);
        let size = 1usize << w;
        let mut table = Vec::with_capacity(size);
        let mut p = BoxedMontyForm::one(params);
        for _ in 0..size {
            table.push(p.as_montgomery().clone());
            m.mul_assign(&mut p, &x);
        }
        let windows = self.bits.div_ceil(w);
        let mut z = BoxedMontyForm::one(params);
        let mut sel = BoxedMontyForm::one(params);
        let limbs = self.exponent.as_limbs();
        for i in (0..windows).rev() {
            for _ in 0..w {
                m.square_assign(&mut z);
            }
            let start = i * w;
            let (word, shift) = ((start / 64) as usize, start % 64);
            let lo = limbs.get(word).map_or(0, |l| l.0) >> shift;
            let hi = if shift == 0 {
                0
            } else {
                limbs.get(word + 1).map_or(0, |l| l.0) << (64 - shift)
            };
            let digit = (lo | hi) & ((1u64 << w) - 1);
            let slot = sel.as_montgomery_mut();
            slot.ct_assign(&table[0], Choice::TRUE);
            for (d, t) in table.iter().enumerate().skip(1) {
                slot.ct_assign(t, Choice::from_u64_eq(d as u64, digit));
            }
            m.mul_assign(&mut z, &sel);
        }
        z.retrieve()
    }
}
