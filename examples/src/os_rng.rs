//! The operating system's randomness as the `rand_core::CryptoRng` that the
//! libraries take.

use std::convert::Infallible;

use rand_core::{TryCryptoRng, TryRng};

/// `getrandom` as an infallible CSPRNG. A failing OS generator aborts the
/// program with a panic: without randomness no cookie, nonce, SPI or DH
/// secret may be made.
#[derive(Clone, Copy, Debug, Default)]
pub struct OsRng;

impl TryRng for OsRng {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut b = [0; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut b = [0; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        if let Err(e) = getrandom::fill(dst) {
            panic!("the operating system's random generator failed: {e}");
        }
        Ok(())
    }
}

impl TryCryptoRng for OsRng {}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::Rng;

    fn takes_crypto_rng(rng: &mut impl rand_core::CryptoRng) -> [u8; 32] {
        let mut b = [0; 32];
        rng.fill_bytes(&mut b);
        b
    }

    #[test]
    fn is_a_crypto_rng_and_varies() {
        let mut rng = OsRng;
        let a = takes_crypto_rng(&mut rng);
        let b = takes_crypto_rng(&mut rng);
        assert_ne!(a, b);
        assert_ne!(rng.next_u64(), rng.next_u64());
    }
}
