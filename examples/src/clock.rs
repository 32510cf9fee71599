//! The one place the programs read a clock: a monotonic clock turned into
//! the milliseconds [`Instant`] the sans-IO libraries take.

use ike_proto::time::Instant;

/// Milliseconds since the clock was made, from `std::time::Instant`.
#[derive(Clone, Copy, Debug)]
pub struct MonotonicClock {
    start: std::time::Instant,
}

impl MonotonicClock {
    /// A clock whose epoch is now. The epoch is arbitrary: the libraries
    /// only compare instants.
    pub fn new() -> Self {
        Self {
            start: std::time::Instant::now(),
        }
    }

    /// The current instant.
    pub fn now(&self) -> Instant {
        let ms = self.start.elapsed().as_millis();
        Instant::from_millis(u64::try_from(ms).unwrap_or(u64::MAX))
    }

    /// How long from now until `deadline` (zero if it has passed).
    pub fn until(&self, deadline: Instant) -> std::time::Duration {
        let now = self.now().as_millis();
        std::time::Duration::from_millis(deadline.as_millis().saturating_sub(now))
    }
}

impl Default for MonotonicClock {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_forward() {
        let c = MonotonicClock::new();
        let a = c.now();
        std::thread::sleep(std::time::Duration::from_millis(5));
        let b = c.now();
        assert!(b.as_millis() >= a.as_millis() + 5);
        assert_eq!(c.until(a), std::time::Duration::ZERO);
    }
}
