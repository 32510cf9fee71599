//! SA lifetimes (seconds and kilobytes, soft and hard) and the events they raise.
//!
//! Time is passed in as an [`Instant`]; nothing here reads a clock. A soft
//! expiry tells IKE to rekey; a hard expiry stops the SA (it refuses packets
//! from then on). Each is reported once, soft before hard, through the SA's
//! `poll_event`.

use crate::Instant;

/// Soft and hard limits; `None` is no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Lifetime {
    /// Seconds after installation at which to ask for a rekey.
    pub soft_seconds: Option<u64>,
    /// Seconds after installation at which the SA stops.
    pub hard_seconds: Option<u64>,
    /// Kilobytes (1024 bytes) of inner packets after which to ask for a rekey.
    pub soft_kilobytes: Option<u64>,
    /// Kilobytes (1024 bytes) of inner packets after which the SA stops.
    pub hard_kilobytes: Option<u64>,
}

impl Lifetime {
    /// No limits.
    pub const UNLIMITED: Self = Self {
        soft_seconds: None,
        hard_seconds: None,
        soft_kilobytes: None,
        hard_kilobytes: None,
    };

    /// Hard limits as negotiated (e.g. Cisco's default 3600 s / 4 608 000 KB),
    /// with the soft limits at 90% of them, where IOS starts its rekey.
    pub const fn new(hard_seconds: u64, hard_kilobytes: u64) -> Self {
        Self {
            soft_seconds: Some(hard_seconds - hard_seconds / 10),
            hard_seconds: Some(hard_seconds),
            soft_kilobytes: Some(hard_kilobytes - hard_kilobytes / 10),
            hard_kilobytes: Some(hard_kilobytes),
        }
    }

    /// What is left at `now` of an SA installed at `installed` that has
    /// carried `bytes` inner bytes: what the SA's own `remaining` says, for
    /// a caller that keeps only the SA's counters (a copy of them read on
    /// another thread).
    pub fn remaining(&self, installed: Instant, bytes: u64, now: Instant) -> Remaining {
        Remaining {
            kilobytes: self
                .hard_kilobytes
                .map(|kb| kb.saturating_sub(bytes.div_ceil(BYTES_PER_KB))),
            seconds: self
                .hard_seconds
                .map(|s| Instant(installed.0.saturating_add(s.saturating_mul(MS_PER_S))))
                .map(|d| d.0.saturating_sub(now.0) / MS_PER_S),
        }
    }
}

/// What ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExpiryCause {
    /// The seconds limit.
    Time,
    /// The kilobytes limit.
    Volume,
    /// The sequence number space (outbound only: it must not wrap). Soft
    /// when 15/16 of it is used, hard when the last number has been sent.
    SequenceNumber,
}

/// A lifetime event for IKE to act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LifetimeEvent {
    /// The soft limit passed: negotiate a replacement.
    SoftExpired(ExpiryCause),
    /// The hard limit passed: the SA refuses packets; delete it.
    HardExpired(ExpiryCause),
}

/// What is left before the hard limits, as `show crypto ipsec sa` prints it
/// ("remaining key lifetime (k/sec)").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Remaining {
    /// Kilobytes left, if there is a volume limit.
    pub kilobytes: Option<u64>,
    /// Whole seconds left, if there is a time limit.
    pub seconds: Option<u64>,
}

/// Tracks one SA's lifetime and queues its events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LifetimeTracker {
    lifetime: Limits,
    installed: Instant,
    bytes: u64,
    soft: Option<ExpiryCause>,
    hard: Option<ExpiryCause>,
    /// Events not yet polled, oldest first (at most a soft and a hard one).
    pending: [Option<LifetimeEvent>; 2],
}

const MS_PER_S: u64 = 1000;
const BYTES_PER_KB: u64 = 1024;

/// A [`Lifetime`] in half the room (32 bytes, not 64: a hub holds two per
/// peer): `u64::MAX` stands for no limit, which is what a limit of
/// `u64::MAX` seconds or kilobytes amounts to anyway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Limits {
    soft_seconds: u64,
    hard_seconds: u64,
    soft_kilobytes: u64,
    hard_kilobytes: u64,
}

impl Limits {
    const NONE: u64 = u64::MAX;

    fn pack(limit: Option<u64>) -> u64 {
        limit.unwrap_or(Self::NONE)
    }

    fn unpack(limit: u64) -> Option<u64> {
        (limit != Self::NONE).then_some(limit)
    }

    fn new(l: Lifetime) -> Self {
        Self {
            soft_seconds: Self::pack(l.soft_seconds),
            hard_seconds: Self::pack(l.hard_seconds),
            soft_kilobytes: Self::pack(l.soft_kilobytes),
            hard_kilobytes: Self::pack(l.hard_kilobytes),
        }
    }

    fn lifetime(self) -> Lifetime {
        Lifetime {
            soft_seconds: Self::unpack(self.soft_seconds),
            hard_seconds: Self::unpack(self.hard_seconds),
            soft_kilobytes: Self::unpack(self.soft_kilobytes),
            hard_kilobytes: Self::unpack(self.hard_kilobytes),
        }
    }
}

impl LifetimeTracker {
    pub(crate) fn new(lifetime: Lifetime, installed: Instant) -> Self {
        Self {
            lifetime: Limits::new(lifetime),
            installed,
            bytes: 0,
            soft: None,
            hard: None,
            pending: [None; 2],
        }
    }

    pub(crate) fn lifetime(&self) -> Lifetime {
        self.lifetime.lifetime()
    }

    pub(crate) fn installed(&self) -> Instant {
        self.installed
    }

    fn push(&mut self, event: LifetimeEvent) {
        if let Some(slot) = self.pending.iter_mut().find(|s| s.is_none()) {
            *slot = Some(event);
        }
    }

    pub(crate) fn fire_soft(&mut self, cause: ExpiryCause) {
        if self.soft.is_none() && self.hard.is_none() {
            self.soft = Some(cause);
            self.push(LifetimeEvent::SoftExpired(cause));
        }
    }

    pub(crate) fn fire_hard(&mut self, cause: ExpiryCause) {
        if self.hard.is_none() {
            self.fire_soft(cause);
            self.hard = Some(cause);
            self.push(LifetimeEvent::HardExpired(cause));
        }
    }

    fn deadline(&self, seconds: Option<u64>) -> Option<Instant> {
        seconds.map(|s| Instant(self.installed.0.saturating_add(s.saturating_mul(MS_PER_S))))
    }

    /// Check the time limits at `now`.
    pub(crate) fn on_time(&mut self, now: Instant) {
        if self.hard.is_some() {
            return;
        }
        if self
            .deadline(Limits::unpack(self.lifetime.hard_seconds))
            .is_some_and(|d| now >= d)
        {
            self.fire_hard(ExpiryCause::Time);
        } else if self
            .deadline(Limits::unpack(self.lifetime.soft_seconds))
            .is_some_and(|d| now >= d)
        {
            self.fire_soft(ExpiryCause::Time);
        }
    }

    /// Count `len` bytes and check the volume limits.
    pub(crate) fn on_bytes(&mut self, len: u64) {
        self.bytes = self.bytes.saturating_add(len);
        let over =
            |kb: Option<u64>| kb.is_some_and(|kb| self.bytes >= kb.saturating_mul(BYTES_PER_KB));
        if over(Limits::unpack(self.lifetime.hard_kilobytes)) {
            self.fire_hard(ExpiryCause::Volume);
        } else if over(Limits::unpack(self.lifetime.soft_kilobytes)) {
            self.fire_soft(ExpiryCause::Volume);
        }
    }

    pub(crate) fn hard(&self) -> Option<ExpiryCause> {
        self.hard
    }

    pub(crate) fn poll_event(&mut self) -> Option<LifetimeEvent> {
        let first = self.pending[0].take();
        self.pending[0] = self.pending[1].take();
        first
    }

    pub(crate) fn has_event(&self) -> bool {
        self.pending[0].is_some()
    }

    /// The next instant at which a time limit not yet reached passes.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        if self.hard.is_some() {
            return None;
        }
        let hard = self.deadline(Limits::unpack(self.lifetime.hard_seconds));
        let soft = if self.soft.is_none() {
            self.deadline(Limits::unpack(self.lifetime.soft_seconds))
        } else {
            None
        };
        match (soft, hard) {
            (Some(s), Some(h)) => Some(s.min(h)),
            (s, h) => s.or(h),
        }
    }

    pub(crate) fn remaining(&self, now: Instant) -> Remaining {
        self.lifetime().remaining(self.installed, self.bytes, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_soft_then_hard_once_each() {
        let mut t = LifetimeTracker::new(Lifetime::new(100, 1000), Instant(5_000));
        assert_eq!(t.next_deadline(), Some(Instant(95_000)));
        t.on_time(Instant(94_999));
        assert_eq!(t.poll_event(), None);
        t.on_time(Instant(95_000));
        assert_eq!(
            t.poll_event(),
            Some(LifetimeEvent::SoftExpired(ExpiryCause::Time))
        );
        t.on_time(Instant(96_000));
        assert_eq!(t.poll_event(), None);
        assert_eq!(t.next_deadline(), Some(Instant(105_000)));
        assert_eq!(t.remaining(Instant(96_000)).seconds, Some(9));
        t.on_time(Instant(105_000));
        assert_eq!(
            t.poll_event(),
            Some(LifetimeEvent::HardExpired(ExpiryCause::Time))
        );
        assert_eq!(t.hard(), Some(ExpiryCause::Time));
        assert_eq!(t.next_deadline(), None);
        assert_eq!(t.poll_event(), None);
    }

    #[test]
    fn hard_first_implies_soft_before_it() {
        let mut t = LifetimeTracker::new(Lifetime::new(10, 10), Instant(0));
        t.on_bytes(10 * 1024);
        assert_eq!(
            t.poll_event(),
            Some(LifetimeEvent::SoftExpired(ExpiryCause::Volume))
        );
        assert_eq!(
            t.poll_event(),
            Some(LifetimeEvent::HardExpired(ExpiryCause::Volume))
        );
        assert_eq!(t.poll_event(), None);
    }

    #[test]
    fn remaining_kilobytes() {
        let mut t = LifetimeTracker::new(Lifetime::new(3600, 4_608_000), Instant(0));
        t.on_bytes(1025);
        assert_eq!(
            t.remaining(Instant(1_500)),
            Remaining {
                kilobytes: Some(4_607_998),
                seconds: Some(3598)
            }
        );
        // The same from the limits, the install time and the bytes alone.
        let l = Lifetime::new(3600, 4_608_000);
        assert_eq!(
            l.remaining(Instant(0), 1025, Instant(1_500)),
            t.remaining(Instant(1_500))
        );
        let u = LifetimeTracker::new(Lifetime::UNLIMITED, Instant(0));
        assert_eq!(u.remaining(Instant(0)), Remaining::default());
        assert_eq!(u.next_deadline(), None);
    }
}
