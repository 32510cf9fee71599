//! The operating system's CSPRNG, for embedders who have no generator of
//! their own to inject. The engine itself only ever uses the generator it
//! is given; this is the one place that reaches the OS, and only when the
//! embedder constructs it.

use core::convert::Infallible;

use rand_core::{TryCryptoRng, TryRng};

/// `getrandom`'s system generator as the infallible
/// [`rand_core::CryptoRng`] that [`crate::engine::Engine::new`] (and
/// `ike_policy::Gateway::new`) take: `Box::new(OsRng)` or `&mut OsRng`.
///
/// A failing OS generator panics: without randomness no cookie, nonce, SPI
/// or Diffie-Hellman secret may be made, so there is nothing to fall back
/// to. On Linux that means `getrandom(2)` failing after boot-time entropy
/// is available, which does not happen in practice.
///
/// ```
/// use ike_proto::OsRng;
/// use rand_core::Rng;
///
/// let mut rng = OsRng;
/// let mut nonce = [0u8; 16];
/// rng.fill_bytes(&mut nonce);
/// assert_ne!(nonce, [0u8; 16]);
/// ```
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

    fn takes_crypto_rng(rng: &mut dyn rand_core::CryptoRng) -> [u8; 32] {
        let mut b = [0; 32];
        rng.fill_bytes(&mut b);
        b
    }

    #[test]
    fn is_a_crypto_rng_and_two_draws_differ() {
        let mut rng = OsRng;
        let a = takes_crypto_rng(&mut rng);
        let b = takes_crypto_rng(&mut rng);
        // 2^-256 of failing by chance: a constant or stuck source fails.
        assert_ne!(a, b);
        assert_ne!(rng.next_u64(), rng.next_u64());
    }
}
