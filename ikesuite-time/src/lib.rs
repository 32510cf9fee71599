//! Time as every ikesuite crate sees it: a point on the caller's monotonic
//! clock ([`Instant`], milliseconds since an epoch the caller chooses, so C
//! hands over a plain `u64`) and a span ([`Duration`]), both with
//! saturating arithmetic so no input can overflow them. The crates never
//! read a clock: every call that needs the time takes `now`.
//!
//! With the `std` feature (default), [`Epoch`] turns
//! `std::time::Instant`s into [`Instant`]s and back, relative to an origin
//! the caller takes once:
//!
//! ```
//! use ikesuite_time::{Duration, Epoch, Instant};
//!
//! let start = std::time::Instant::now();
//! let epoch = Epoch::new(start);
//! assert_eq!(epoch.instant(start), Instant::ZERO);
//! let later = epoch.instant(start + std::time::Duration::from_millis(1500));
//! assert_eq!(later, Instant::from_millis(1500));
//! assert_eq!(later - Instant::from_secs(1), Duration::from_millis(500));
//! // A deadline back on the std clock, e.g. to sleep until it.
//! assert_eq!(epoch.to_std(later), Some(start + std::time::Duration::from_millis(1500)));
//! ```
#![cfg_attr(not(feature = "std"), no_std)]

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

impl From<Duration> for core::time::Duration {
    fn from(d: Duration) -> Self {
        core::time::Duration::from_millis(d.0)
    }
}

impl From<core::time::Duration> for Duration {
    /// Whole milliseconds (rounded down), saturating at [`Duration::MAX`].
    fn from(d: core::time::Duration) -> Self {
        Self(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }
}

/// The origin of a caller's clock: converts `std::time::Instant`s (which
/// have no readable value of their own) to [`Instant`]s, as milliseconds
/// since the origin, and back. Hold one per process (or per gateway) and
/// convert every `now` through it.
#[cfg(feature = "std")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Epoch(std::time::Instant);

#[cfg(feature = "std")]
impl Epoch {
    /// An epoch at `origin`, typically `std::time::Instant::now()` taken
    /// at start-up: [`Instant::ZERO`] is that moment.
    pub const fn new(origin: std::time::Instant) -> Self {
        Self(origin)
    }

    /// The origin.
    pub const fn origin(self) -> std::time::Instant {
        self.0
    }

    /// `t` as an [`Instant`]: whole milliseconds since the origin, zero
    /// for a `t` before it.
    pub fn instant(self, t: std::time::Instant) -> Instant {
        Instant::ZERO + Duration::from(t.saturating_duration_since(self.0))
    }

    /// `t` on the std clock, e.g. to sleep until a `poll_timeout()`
    /// deadline; `None` when that lies beyond the std clock's range.
    pub fn to_std(self, t: Instant) -> Option<std::time::Instant> {
        self.0
            .checked_add(t.saturating_duration_since(Instant::ZERO).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn std_durations_convert_by_whole_milliseconds() {
        let d = core::time::Duration::from_micros(2_999);
        assert_eq!(Duration::from(d), Duration::from_millis(2));
        assert_eq!(Duration::from(core::time::Duration::MAX), Duration::MAX);
        assert_eq!(
            core::time::Duration::from(Duration::from_secs(3)),
            core::time::Duration::from_secs(3)
        );
    }

    #[cfg(feature = "std")]
    #[test]
    #[allow(
        clippy::disallowed_methods,
        reason = "any real instant will do as the origin"
    )]
    fn an_epoch_maps_std_instants_both_ways() {
        let origin = std::time::Instant::now();
        let e = Epoch::new(origin);
        let t = origin + core::time::Duration::from_millis(86_400_123);
        assert_eq!(e.instant(t), Instant::from_millis(86_400_123));
        assert_eq!(e.to_std(e.instant(t)), Some(t));
        assert_eq!(
            e.to_std(Instant(u64::MAX)).map(|_| ()),
            origin
                .checked_add(core::time::Duration::from_millis(u64::MAX))
                .map(|_| ())
        );
        // Before the origin: the epoch itself, never a wrapped value.
        if let Some(before) = origin.checked_sub(core::time::Duration::from_secs(1)) {
            assert_eq!(e.instant(before), Instant::ZERO);
        }
    }
}
