//! Time as the engine sees it: a monotonic [`Instant`] passed in by the
//! caller (milliseconds since any epoch, so C can hand us a plain `u64`), a
//! [`Duration`] with saturating arithmetic, and a fixed [`TimerTable`] in the
//! style of quinn-proto (an enum of timers indexes an array of deadlines).
//!
//! ike-proto never reads a clock: every `handle_*` call takes `now`.

use core::fmt;
use core::ops::{Add, AddAssign, Sub};

/// A point on the caller's monotonic clock, in milliseconds since an epoch
/// of the caller's choosing (boot, process start, zero in tests).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Instant(pub u64);

impl Instant {
    /// The epoch itself.
    pub const ZERO: Self = Self(0);

    /// An instant `ms` milliseconds after the epoch.
    pub const fn from_millis(ms: u64) -> Self {
        Self(ms)
    }

    /// An instant `s` seconds after the epoch.
    pub const fn from_secs(s: u64) -> Self {
        Self(s.saturating_mul(1000))
    }

    /// Milliseconds since the epoch.
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// Time from `earlier` to `self`, zero if `earlier` is later.
    pub const fn saturating_duration_since(self, earlier: Self) -> Duration {
        Duration(self.0.saturating_sub(earlier.0))
    }

    /// `self + d`, or `None` if that leaves the clock's range.
    pub const fn checked_add(self, d: Duration) -> Option<Self> {
        match self.0.checked_add(d.0) {
            Some(v) => Some(Self(v)),
            None => None,
        }
    }
}

impl fmt::Debug for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "t+{}.{:03}s", self.0 / 1000, self.0 % 1000)
    }
}

/// A span of time in milliseconds. All arithmetic saturates.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Duration(pub u64);

impl Duration {
    /// No time at all.
    pub const ZERO: Self = Self(0);
    /// The longest representable span.
    pub const MAX: Self = Self(u64::MAX);

    /// `ms` milliseconds.
    pub const fn from_millis(ms: u64) -> Self {
        Self(ms)
    }

    /// `s` seconds.
    pub const fn from_secs(s: u64) -> Self {
        Self(s.saturating_mul(1000))
    }

    /// The span in milliseconds.
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// The span in whole seconds (rounded down).
    pub const fn as_secs(self) -> u64 {
        self.0 / 1000
    }

    /// `self * n`, saturating.
    pub const fn saturating_mul(self, n: u64) -> Self {
        Self(self.0.saturating_mul(n))
    }

    /// `self - other`, zero if `other` is longer.
    pub const fn saturating_sub(self, other: Self) -> Self {
        Self(self.0.saturating_sub(other.0))
    }

    /// `self * num / den` (den 0 gives `self`), used for soft lifetimes.
    pub const fn mul_ratio(self, num: u64, den: u64) -> Self {
        if den == 0 {
            return self;
        }
        // u128 cannot overflow here: u64 * u64 fits.
        let v = (self.0 as u128 * num as u128) / den as u128;
        if v > u64::MAX as u128 {
            Self::MAX
        } else {
            Self(v as u64)
        }
    }
}

impl fmt::Debug for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:03}s", self.0 / 1000, self.0 % 1000)
    }
}

impl Add<Duration> for Instant {
    type Output = Self;
    fn add(self, rhs: Duration) -> Self {
        Self(self.0.saturating_add(rhs.0))
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, rhs: Duration) {
        *self = *self + rhs;
    }
}

impl Sub<Duration> for Instant {
    type Output = Self;
    fn sub(self, rhs: Duration) -> Self {
        Self(self.0.saturating_sub(rhs.0))
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;
    fn sub(self, rhs: Self) -> Duration {
        self.saturating_duration_since(rhs)
    }
}

impl Add for Duration {
    type Output = Self;
    fn add(self, rhs: Self) -> Self {
        Self(self.0.saturating_add(rhs.0))
    }
}

impl AddAssign for Duration {
    fn add_assign(&mut self, rhs: Self) {
        *self = *self + rhs;
    }
}

impl Sub for Duration {
    type Output = Self;
    fn sub(self, rhs: Self) -> Self {
        self.saturating_sub(rhs)
    }
}

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
#[derive(Clone, Debug)]
pub struct TimerTable<T: Timer, const N: usize> {
    deadlines: [Option<Instant>; N],
    _kind: core::marker::PhantomData<T>,
}

impl<T: Timer, const N: usize> Default for TimerTable<T, N> {
    fn default() -> Self {
        Self {
            deadlines: [None; N],
            _kind: core::marker::PhantomData,
        }
    }
}

impl<T: Timer, const N: usize> TimerTable<T, N> {
    /// Arms `timer` for `at`, replacing any earlier deadline.
    pub fn set(&mut self, timer: T, at: Instant) {
        if let Some(slot) = self.deadlines.get_mut(timer.index()) {
            *slot = Some(at);
        }
    }

    /// Disarms `timer`.
    pub fn stop(&mut self, timer: T) {
        if let Some(slot) = self.deadlines.get_mut(timer.index()) {
            *slot = None;
        }
    }

    /// The deadline of `timer`, if armed.
    pub fn get(&self, timer: T) -> Option<Instant> {
        self.deadlines.get(timer.index()).copied().flatten()
    }

    /// Whether `timer` is armed.
    pub fn is_set(&self, timer: T) -> bool {
        self.get(timer).is_some()
    }

    /// The earliest armed deadline.
    pub fn next_timeout(&self) -> Option<Instant> {
        self.deadlines.iter().flatten().min().copied()
    }

    /// Disarms and returns the first timer (in index order) due at `now`.
    pub fn take_expired(&mut self, now: Instant) -> Option<T> {
        for (i, slot) in self.deadlines.iter_mut().enumerate() {
            if matches!(slot, Some(at) if *at <= now) {
                *slot = None;
                return T::from_index(i);
            }
        }
        None
    }

    /// Disarms every timer.
    pub fn stop_all(&mut self) {
        self.deadlines = [None; N];
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
    fn arithmetic_saturates() {
        assert_eq!(Instant(5) - Duration(10), Instant(0));
        assert_eq!(Instant(u64::MAX) + Duration(1), Instant(u64::MAX));
        assert_eq!(Instant(3) - Instant(10), Duration::ZERO);
        assert_eq!(
            Duration::from_secs(100).mul_ratio(9, 10),
            Duration::from_secs(90)
        );
        assert_eq!(Duration::MAX.mul_ratio(2, 1), Duration::MAX);
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
}
