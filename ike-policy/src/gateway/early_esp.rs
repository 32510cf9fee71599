//! ESP that reaches a data-plane worker before its SA does.
//!
//! A Quick Mode initiator sends its first ESP packet right behind QM3
//! (RFC 2409 §5.5: the responder's inbound SA is usable from QM3 on). On a
//! split hub QM3 goes up to the Gateway's thread, which installs the SA on
//! the worker through its channel, while the ESP packet stays on the worker:
//! the packet can overtake its own SA and would be refused as an unknown
//! SPI. The worker keeps such packets a moment, and opens them when the
//! install of their SPI arrives.
//!
//! The worker asks the Gateway about each SPI it holds for
//! (`Report::Early`): one the engine neither has a child SA for nor offered
//! in a Quick Mode in progress gets no SA, and its packets are refused at
//! the Gateway's next turn (`Command::Refuse`) rather than after
//! [`EarlyEsp::FOR`]. Anyone can send ESP with a made-up SPI, so the room
//! is small and fixed and the oldest packet goes first: a flood of junk
//! SPIs costs [`EarlyEsp::ROOM`] datagrams of memory and at worst makes an
//! early packet be refused as it was before.

use std::collections::VecDeque;
use std::net::Ipv4Addr;

use ike_proto::time::{Duration, Instant};

/// One datagram held for its SPI.
#[derive(Debug)]
pub(super) struct Early {
    pub(super) spi: u32,
    pub(super) remote: Ipv4Addr,
    until: Instant,
    pub(super) esp: Vec<u8>,
}

/// The held datagrams, oldest first.
#[derive(Debug, Default)]
pub(super) struct EarlyEsp {
    held: VecDeque<Early>,
}

impl EarlyEsp {
    /// How many datagrams one worker holds at most.
    pub(super) const ROOM: usize = 16;
    /// How long a datagram waits for its SA: a Gateway thread answers in
    /// well under this, a packet for an SA that never comes is refused.
    pub(super) const FOR: Duration = Duration::from_secs(1);

    /// Keeps a copy of `esp` for `spi`; the datagram pushed out to make
    /// room, if any, is returned to be refused.
    pub(super) fn hold(
        &mut self,
        now: Instant,
        spi: u32,
        remote: Ipv4Addr,
        esp: &[u8],
    ) -> Option<Early> {
        let pushed_out = if self.held.len() >= Self::ROOM {
            self.held.pop_front()
        } else {
            None
        };
        self.held.push_back(Early {
            spi,
            remote,
            until: now + Self::FOR,
            esp: esp.to_vec(),
        });
        pushed_out
    }

    /// Whether something is held for `spi` already.
    pub(super) fn holds(&self, spi: u32) -> bool {
        self.held.iter().any(|e| e.spi == spi)
    }

    /// The datagrams held for `spi`, in arrival order (removed).
    pub(super) fn take(&mut self, spi: u32) -> Vec<Early> {
        if !self.holds(spi) {
            return Vec::new();
        }
        let (mine, rest): (VecDeque<Early>, VecDeque<Early>) = core::mem::take(&mut self.held)
            .into_iter()
            .partition(|e| e.spi == spi);
        self.held = rest;
        mine.into()
    }

    /// The datagrams whose wait is over at `now` (removed): their SA did
    /// not come.
    pub(super) fn expired(&mut self, now: Instant) -> Vec<Early> {
        let mut out = Vec::new();
        // Held in arrival order with one fixed wait: the expired ones are
        // at the front.
        while self.held.front().is_some_and(|e| e.until <= now) {
            out.extend(self.held.pop_front());
        }
        out
    }

    /// When the oldest datagram's wait is over.
    pub(super) fn deadline(&self) -> Option<Instant> {
        self.held.front().map(|e| e.until)
    }

    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.held.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PEER: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);

    #[test]
    fn a_held_datagram_comes_back_for_its_spi_only() {
        let mut early = EarlyEsp::default();
        let t = Instant::ZERO;
        assert!(early.hold(t, 7, PEER, b"seven").is_none());
        assert!(early.hold(t, 9, PEER, b"nine").is_none());
        assert!(early.hold(t, 7, PEER, b"seven again").is_none());
        assert!(early.take(8).is_empty());
        let seven: Vec<_> = early.take(7).into_iter().map(|e| e.esp).collect();
        assert_eq!(seven, [b"seven".to_vec(), b"seven again".to_vec()]);
        assert_eq!(early.len(), 1);
        assert_eq!(early.take(9)[0].esp, b"nine");
        assert_eq!(early.len(), 0);
    }

    #[test]
    fn the_room_is_bounded_and_the_oldest_goes_first() {
        let mut early = EarlyEsp::default();
        let t = Instant::ZERO;
        for spi in 0..EarlyEsp::ROOM as u32 {
            assert!(early.hold(t, spi, PEER, &[0; 64]).is_none());
        }
        let out = early.hold(t, 1000, PEER, &[0; 64]).expect("room is full");
        assert_eq!(out.spi, 0);
        assert_eq!(early.len(), EarlyEsp::ROOM);
    }

    #[test]
    fn a_datagram_whose_sa_does_not_come_expires() {
        let mut early = EarlyEsp::default();
        let t = Instant::ZERO;
        early.hold(t, 1, PEER, b"a");
        early.hold(t + Duration::from_millis(500), 2, PEER, b"b");
        assert_eq!(early.deadline(), Some(t + EarlyEsp::FOR));
        assert!(early.expired(t + Duration::from_millis(999)).is_empty());
        let gone: Vec<u32> = early
            .expired(t + EarlyEsp::FOR)
            .iter()
            .map(|e| e.spi)
            .collect();
        assert_eq!(gone, [1]);
        assert_eq!(early.deadline(), Some(t + Duration::from_millis(1500)));
    }
}
