//! The anti-replay window (RFC 4303 §3.4.3) with extended sequence numbers
//! (RFC 4304, inference of the high half as in RFC 4303 Appendix A2.2).
//!
//! The order is check → authenticate → commit: [`ReplayWindow::check`] is a
//! cheap pre-check that changes nothing, and only a packet whose ICV
//! verified is [`ReplayWindow::commit`]ted, so forged packets cannot move the
//! window. The bitmap is a ring of 64-bit words (the RFC 6479 layout): moving
//! the window forward clears whole words instead of shifting bits, and a jump
//! of more than the ring clears it at once.
//!
//! ```
//! use esp_core::replay::ReplayWindow;
//! use esp_core::ReplayReason;
//!
//! let mut w = ReplayWindow::new(64).unwrap();
//! for seq in [1, 3, 2] {
//!     w.check(seq).unwrap();
//!     w.commit(seq).unwrap();
//! }
//! assert_eq!(w.check(2), Err(ReplayReason::Duplicate));
//! w.commit(100).unwrap();
//! assert_eq!(w.check(36), Err(ReplayReason::TooOld));
//! assert!(w.check(37).is_ok());
//! ```

use crate::{EspError, ReplayReason};

/// Smallest window, in packets (RFC 4303 §3.4.3: at least 32).
pub const MIN_WINDOW: u32 = 32;
/// Largest window, in packets.
pub const MAX_WINDOW: u32 = 1 << 15;
/// The window Cisco IOS uses by default.
pub const DEFAULT_WINDOW: u32 = 64;

const WORD_BITS: u64 = 64;

/// A sliding anti-replay window over 64-bit sequence numbers.
#[derive(Clone, PartialEq, Eq)]
pub struct ReplayWindow {
    size: u64,
    /// Highest sequence number committed (0: none yet).
    top: u64,
    /// Ring of words; its length is a power of two ≥ ceil(size / 64) + 1.
    bitmap: Box<[u64]>,
}

impl core::fmt::Debug for ReplayWindow {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ReplayWindow")
            .field("size", &self.size)
            .field("top", &self.top)
            .finish_non_exhaustive()
    }
}

impl ReplayWindow {
    /// A window of `size` packets ([`MIN_WINDOW`]`..=`[`MAX_WINDOW`]).
    /// The bitmap is allocated here, once per SA.
    pub fn new(size: u32) -> Result<Self, EspError> {
        if !(MIN_WINDOW..=MAX_WINDOW).contains(&size) {
            return Err(EspError::InvalidReplayWindow {
                got: size,
                min: MIN_WINDOW,
                max: MAX_WINDOW,
            });
        }
        let words = (size as usize).div_ceil(WORD_BITS as usize) + 1;
        Ok(Self {
            size: u64::from(size),
            top: 0,
            bitmap: vec![0; words.next_power_of_two()].into_boxed_slice(),
        })
    }

    /// The window size in packets.
    pub fn size(&self) -> u32 {
        self.size as u32
    }

    /// The highest sequence number committed so far (0 before the first).
    pub fn top(&self) -> u64 {
        self.top
    }

    fn slot(&self, seq: u64) -> (usize, u64) {
        let word = (seq / WORD_BITS) as usize & (self.bitmap.len() - 1);
        (word, 1u64 << (seq % WORD_BITS))
    }

    /// Would `seq` be accepted? Changes nothing.
    pub fn check(&self, seq: u64) -> Result<(), ReplayReason> {
        if seq == 0 {
            return Err(ReplayReason::Zero);
        }
        if seq > self.top {
            return Ok(());
        }
        if self.top - seq >= self.size {
            return Err(ReplayReason::TooOld);
        }
        let (word, bit) = self.slot(seq);
        match self.bitmap.get(word) {
            Some(w) if w & bit == 0 => Ok(()),
            _ => Err(ReplayReason::Duplicate),
        }
    }

    /// Record `seq` as received (after its ICV verified), sliding the window
    /// forward if it is the new highest. Checks again, so it never records a
    /// refused number.
    pub fn commit(&mut self, seq: u64) -> Result<(), ReplayReason> {
        self.check(seq)?;
        if seq > self.top {
            let old_word = self.top / WORD_BITS;
            let new_word = seq / WORD_BITS;
            let ring = self.bitmap.len() as u64;
            if new_word - old_word >= ring {
                self.bitmap.fill(0);
            } else {
                let mask = self.bitmap.len() - 1;
                for w in old_word + 1..=new_word {
                    if let Some(slot) = self.bitmap.get_mut(w as usize & mask) {
                        *slot = 0;
                    }
                }
            }
            self.top = seq;
        }
        let (word, bit) = self.slot(seq);
        if let Some(w) = self.bitmap.get_mut(word) {
            *w |= bit;
        }
        Ok(())
    }

    /// Slide the window forward so that `seq` is its highest number, marked
    /// as received (resuming a persisted SA). Never moves it back.
    pub fn advance_to(&mut self, seq: u64) {
        if seq > self.top {
            // `seq` is above the top, so the check passes and the commit happens.
            let _ = self.commit(seq);
        }
    }

    /// Reconstruct a 64-bit extended sequence number from the 32 bits on the
    /// wire (RFC 4303 Appendix A2.2), relative to the window. `None` when the
    /// only candidate would lie before sequence number 0 or past 2^64 - 1.
    pub fn infer_esn(&self, seq_low: u32) -> Option<u64> {
        let top_low = self.top as u32;
        let top_high = (self.top >> 32) as u32;
        let w = self.size as u32;
        let bottom = top_low.wrapping_sub(w).wrapping_add(1);
        let high = if top_low >= w - 1 {
            // Case A: the window lies within one 2^32 subspace.
            if seq_low >= bottom {
                Some(top_high)
            } else {
                top_high.checked_add(1)
            }
        } else {
            // Case B: the window spans two subspaces.
            if seq_low >= bottom {
                top_high.checked_sub(1)
            } else {
                Some(top_high)
            }
        }?;
        Some((u64::from(high) << 32) | u64::from(seq_low))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(w: &mut ReplayWindow, seq: u64) {
        w.check(seq).unwrap();
        w.commit(seq).unwrap();
    }

    #[test]
    fn sizes() {
        assert!(ReplayWindow::new(31).is_err());
        assert!(ReplayWindow::new(MAX_WINDOW + 1).is_err());
        for size in [32, 64, 65, 1000, 4096, MAX_WINDOW] {
            let w = ReplayWindow::new(size).unwrap();
            assert!(w.bitmap.len() as u64 * 64 >= u64::from(size) + 64);
            assert!(w.bitmap.len().is_power_of_two());
        }
    }

    #[test]
    fn window_edges_every_size() {
        for size in [32u32, 64, 100, 1024, 4096] {
            let mut w = ReplayWindow::new(size).unwrap();
            let size = u64::from(size);
            accept(&mut w, 10_000);
            // Exactly the window: top - size + 1 ..= top.
            assert_eq!(w.check(10_000), Err(ReplayReason::Duplicate));
            assert_eq!(w.check(10_000 - size), Err(ReplayReason::TooOld));
            for seq in 10_000 - size + 1..10_000 {
                assert_eq!(w.check(seq), Ok(()), "size {size} seq {seq}");
            }
            // Reverse fill of the whole window.
            for seq in (10_000 - size + 1..10_000).rev() {
                accept(&mut w, seq);
            }
            for seq in 10_000 - size + 1..=10_000 {
                assert_eq!(w.check(seq), Err(ReplayReason::Duplicate));
            }
            // A jump of three windows forgets everything behind it.
            accept(&mut w, 10_000 + 3 * size);
            for seq in 10_000 + 2 * size + 1..10_000 + 3 * size {
                assert_eq!(w.check(seq), Ok(()));
            }
            assert_eq!(w.check(10_000 + 2 * size), Err(ReplayReason::TooOld));
        }
    }

    #[test]
    fn slide_by_less_than_a_word_keeps_bits() {
        let mut w = ReplayWindow::new(64).unwrap();
        for seq in 1..=64 {
            accept(&mut w, seq);
        }
        accept(&mut w, 70);
        for seq in 7..=64 {
            assert_eq!(w.check(seq), Err(ReplayReason::Duplicate), "{seq}");
        }
        for seq in 65..70 {
            assert_eq!(w.check(seq), Ok(()), "{seq}");
        }
        assert_eq!(w.check(6), Err(ReplayReason::TooOld));
    }

    #[test]
    fn zero_is_refused() {
        let w = ReplayWindow::new(64).unwrap();
        assert_eq!(w.check(0), Err(ReplayReason::Zero));
    }

    #[test]
    fn esn_inference_cases() {
        let mut w = ReplayWindow::new(64).unwrap();
        // Fresh window: case B with top 0.
        assert_eq!(w.infer_esn(1), Some(1));
        assert_eq!(w.infer_esn(u32::MAX), None);
        // Case A, middle of the subspace.
        accept(&mut w, 1000);
        assert_eq!(w.infer_esn(990), Some(990));
        assert_eq!(w.infer_esn(2000), Some(2000));
        assert_eq!(w.infer_esn(5), Some((1 << 32) | 5));
        // Near the top of subspace 0: later numbers past the wrap belong to subspace 1.
        accept(&mut w, u64::from(u32::MAX) - 10);
        assert_eq!(w.infer_esn(u32::MAX - 20), Some(u64::from(u32::MAX) - 20));
        assert_eq!(w.infer_esn(3), Some((1 << 32) | 3));
        // Cross into subspace 1: case B, the window straddles the wrap.
        accept(&mut w, (1 << 32) | 3);
        assert_eq!(w.infer_esn(u32::MAX - 5), Some(u64::from(u32::MAX) - 5));
        assert_eq!(w.infer_esn(2), Some((1 << 32) | 2));
        assert_eq!(w.infer_esn(100), Some((1 << 32) | 100));
        // Older than the window in subspace 0: inferred into subspace 1 (ahead);
        // the ICV check then refuses it.
        assert_eq!(
            w.infer_esn(u32::MAX - 100),
            Some((1 << 32) | u64::from(u32::MAX - 100))
        );
    }
}
