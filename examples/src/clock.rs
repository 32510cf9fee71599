//! The one place the programs read a clock: a monotonic clock turned into
//! the milliseconds [`Instant`] the sans-IO libraries take.

use ike_proto::time::{Epoch, Instant};

/// Milliseconds since the clock was made, from `std::time::Instant`
/// through the libraries' [`Epoch`].
#[derive(Clone, Copy, Debug)]
pub struct MonotonicClock {
    epoch: Epoch,
}

impl MonotonicClock {
    /// A clock whose epoch is now. The epoch is arbitrary: the libraries
    /// only compare instants.
    pub fn new() -> Self {
        Self {
            epoch: Epoch::new(std::time::Instant::now()),
        }
    }

    /// The current instant.
    pub fn now(&self) -> Instant {
        self.epoch.instant(std::time::Instant::now())
    }

    /// How long from now until `deadline` (zero if it has passed).
    pub fn until(&self, deadline: Instant) -> std::time::Duration {
        deadline.saturating_duration_since(self.now()).into()
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
