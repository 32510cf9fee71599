//! Time as the engine sees it: the one [`Instant`] and [`Duration`] of
//! ikesuite (from `ikesuite-time`, re-exported: milliseconds on the
//! caller's monotonic clock, [`Epoch`] for `std::time::Instant`s) and a
//! fixed [`TimerTable`] in the style of quinn-proto (an enum of timers
//! indexes an array of deadlines).
//!
//! ike-proto never reads a clock: every `handle_*` call takes `now`.

use core::fmt;

pub use ikesuite_time::{Duration, Epoch, Instant};

/// A kind of timer: an enum whose variants index a [`TimerTable`].
pub trait Timer: Copy + fmt::Debug {
    /// How many variants there are.
    const COUNT: usize;
    /// This variant's index, `< COUNT`.
    fn index(self) -> usize;
    /// The variant at `index` (the inverse of [`Timer::index`]).
    fn from_index(index: usize) -> Option<Self>;
}

/// One optional deadline per timer kind, quinn-proto style: no wheel, no
/// allocation; the next wake-up is the minimum of the array.
///
/// A disarmed timer holds the end of time (`Instant(u64::MAX)`, when
/// nothing is due anyway) rather than an `Option`: eight bytes a timer,
/// not sixteen, in every IKE SA of a hub.
#[derive(Clone, Debug)]
pub struct TimerTable<T: Timer, const N: usize> {
    deadlines: [Instant; N],
    _kind: core::marker::PhantomData<T>,
}

/// The deadline of a disarmed timer.
const UNSET: Instant = Instant(u64::MAX);

impl<T: Timer, const N: usize> Default for TimerTable<T, N> {
    fn default() -> Self {
        Self {
            deadlines: [UNSET; N],
            _kind: core::marker::PhantomData,
        }
    }
}

impl<T: Timer, const N: usize> TimerTable<T, N> {
    /// Arms `timer` for `at`, replacing any earlier deadline (a deadline
    /// at the end of time, `Instant(u64::MAX)`, is never due: the timer
    /// stays disarmed).
    pub fn set(&mut self, timer: T, at: Instant) {
        if let Some(slot) = self.deadlines.get_mut(timer.index()) {
            *slot = at;
        }
    }

    /// Disarms `timer`.
    pub fn stop(&mut self, timer: T) {
        if let Some(slot) = self.deadlines.get_mut(timer.index()) {
            *slot = UNSET;
        }
    }

    /// The deadline of `timer`, if armed.
    pub fn get(&self, timer: T) -> Option<Instant> {
        self.deadlines
            .get(timer.index())
            .copied()
            .filter(|&at| at != UNSET)
    }

    /// Whether `timer` is armed.
    pub fn is_set(&self, timer: T) -> bool {
        self.get(timer).is_some()
    }

    /// The earliest armed deadline.
    pub fn next_timeout(&self) -> Option<Instant> {
        self.deadlines
            .iter()
            .copied()
            .filter(|&at| at != UNSET)
            .min()
    }

    /// Disarms and returns the first timer (in index order) due at `now`.
    pub fn take_expired(&mut self, now: Instant) -> Option<T> {
        for (i, slot) in self.deadlines.iter_mut().enumerate() {
            if *slot != UNSET && *slot <= now {
                *slot = UNSET;
                return T::from_index(i);
            }
        }
        None
    }

    /// Disarms every timer.
    pub fn stop_all(&mut self) {
        self.deadlines = [UNSET; N];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy, Debug, PartialEq)]
    enum T {
        A,
        B,
    }
    impl Timer for T {
        const COUNT: usize = 2;
        fn index(self) -> usize {
            self as usize
        }
        fn from_index(i: usize) -> Option<Self> {
            [T::A, T::B].get(i).copied()
        }
    }

    #[test]
    fn timer_table_takes_earliest_first() {
        let mut t: TimerTable<T, { T::COUNT }> = TimerTable::default();
        assert_eq!(t.next_timeout(), None);
        t.set(T::B, Instant(10));
        t.set(T::A, Instant(20));
        assert_eq!(t.next_timeout(), Some(Instant(10)));
        assert_eq!(t.take_expired(Instant(5)), None);
        assert_eq!(t.take_expired(Instant(15)), Some(T::B));
        assert_eq!(t.take_expired(Instant(15)), None);
        assert_eq!(t.take_expired(Instant(25)), Some(T::A));
        assert!(!t.is_set(T::A));
    }

    #[test]
    fn the_end_of_time_is_never_due() {
        let mut t: TimerTable<T, { T::COUNT }> = TimerTable::default();
        t.set(T::A, Instant(u64::MAX));
        assert!(!t.is_set(T::A));
        assert_eq!(t.next_timeout(), None);
        assert_eq!(t.take_expired(Instant(u64::MAX)), None);
        t.set(T::B, Instant(u64::MAX - 1));
        assert_eq!(t.take_expired(Instant(u64::MAX)), Some(T::B));
        t.set(T::A, Instant(3));
        t.stop_all();
        assert_eq!(t.next_timeout(), None);
    }
}
