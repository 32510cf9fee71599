//! The proof that a peer authenticated in phase 1, and the one check that
//! yields it.

use super::suite::verify;
use crate::error::{Error, PeerMisbehaved};

/// Proof that the peer's phase-1 HASH verified. The field is private to
/// this module, so `check_phase1_hash` is the only way to obtain one: a
/// [`Phase1Sa`](super::Phase1Sa) cannot be built on a hash nobody compared.
#[derive(Debug)]
pub struct Authenticated {
    _private: (),
}

/// Compares the peer's HASH_I / HASH_R with the one we computed, in
/// constant time (`subtle`): equal, it is the proof the peer holds the
/// pre-shared key; unequal, [`PeerMisbehaved::InvalidHash`].
pub(crate) fn check_phase1_hash(expected: &[u8], got: &[u8]) -> Result<Authenticated, Error> {
    if verify(expected, got) {
        Ok(Authenticated { _private: () })
    } else {
        Err(Error::PeerMisbehaved(PeerMisbehaved::InvalidHash))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_equal_hash_is_proof() {
        let h = [7u8; 20];
        assert!(check_phase1_hash(&h, &h).is_ok());
        let mut other = h;
        other[19] ^= 1;
        assert!(matches!(
            check_phase1_hash(&h, &other),
            Err(Error::PeerMisbehaved(PeerMisbehaved::InvalidHash))
        ));
        assert!(check_phase1_hash(&h, &h[..19]).is_err());
    }
}
