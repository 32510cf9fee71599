//! The Diffie-Hellman budget of Aggressive Mode responders.
//!
//! An Aggressive Mode first message costs the responder a DH before the
//! initiator proved anything, not even its address: without a bound, a
//! spoofed flood of them is a flood of modular exponentiations. A token
//! bucket on the engine's clock bounds the rate; a first message beyond
//! it is dropped (counted), and its initiator cookie and address are
//! remembered for a while. The peer's retransmission of it may take the
//! last half of the bucket, which fresh first messages leave alone, so a
//! peer that retransmits (every real initiator does) gets its DH at its
//! next try while spoofed first messages, sent once each, keep draining
//! only the first half.

use std::collections::{HashSet, VecDeque};
use std::net::Ipv4Addr;

use crate::time::Instant;
use crate::wire::Cookie;

/// Dropped first messages remembered (about 16 s of a 2,000/s flood,
/// 20 bytes each).
const REMEMBERED: usize = 32_768;

pub(super) struct DhBudget {
    /// Tokens in thousandths.
    milli: u64,
    last: Instant,
    dropped: HashSet<(Cookie, Ipv4Addr)>,
    order: VecDeque<(Cookie, Ipv4Addr)>,
}

impl DhBudget {
    pub(super) fn new(burst: u32) -> Self {
        Self {
            milli: u64::from(burst) * 1000,
            last: Instant::ZERO,
            dropped: HashSet::new(),
            order: VecDeque::new(),
        }
    }

    /// Whether the Aggressive Mode first message with `icookie` from
    /// `addr` may cost a DH now (`rate` per second, `burst` at most). A
    /// refusal is remembered, so the retransmission has priority.
    pub(super) fn take(
        &mut self,
        now: Instant,
        rate: u32,
        burst: u32,
        icookie: Cookie,
        addr: Ipv4Addr,
    ) -> bool {
        let cap = u64::from(burst) * 1000;
        let elapsed = now.saturating_duration_since(self.last);
        self.last = self.last.max(now);
        let earned = u128::from(elapsed.as_millis()) * u128::from(rate);
        self.milli = u64::try_from(u128::from(self.milli) + earned)
            .unwrap_or(u64::MAX)
            .min(cap);
        let key = (icookie, addr);
        let retransmitted = self.dropped.contains(&key);
        // Fresh first messages keep half the bucket for retransmissions.
        let floor = if retransmitted { 0 } else { cap / 2 };
        if self.milli >= floor + 1000 {
            self.milli -= 1000;
            if retransmitted {
                self.dropped.remove(&key);
            }
            return true;
        }
        if !retransmitted {
            if self.order.len() >= REMEMBERED {
                if let Some(old) = self.order.pop_front() {
                    self.dropped.remove(&old);
                }
            }
            self.order.push_back(key);
            self.dropped.insert(key);
        }
        false
    }
}
