//! One exchange's flight: what we last received, what we last sent and
//! when to send it again. Phase 1, each Quick Mode and each Transaction
//! message ID own one, so retransmission and duplicate handling are
//! written once: a duplicate of what we received gets our answer again
//! (never a second processing), a timeout resends or gives up.

use crate::time::{Duration, Instant};

/// SHA-256 of a received message: what duplicate detection compares, so
/// no copy of a peer's message (up to 64 kB each) is kept.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Digest([u8; 32]);

impl Digest {
    fn of(raw: &[u8]) -> Self {
        use sha2::Digest as _;
        Self(sha2::Sha256::digest(raw).into())
    }
}

/// How often and how long a message is sent again: the engine's
/// `retransmit_*` settings.
#[derive(Clone, Copy, Debug)]
pub(super) struct Backoff {
    /// First interval (doubles after each send).
    pub(super) interval: Duration,
    /// Longest interval.
    pub(super) max: Duration,
    /// Sends in all before giving up.
    pub(super) tries: u32,
}

impl Backoff {
    /// From the first send until the give-up: how long a flight can keep
    /// its peer waiting, so how long the peer must still be answered.
    pub(super) fn budget(self) -> Duration {
        let mut interval = self.interval;
        let mut total = Duration::ZERO;
        for _ in 0..self.tries {
            total += interval;
            interval = (interval + interval).min(self.max);
        }
        total
    }
}

/// The retransmission under way.
struct Resend {
    sent: u32,
    interval: Duration,
    at: Instant,
}

/// What a due flight wants.
pub(super) enum Due<'a> {
    /// Send these bytes again (already rescheduled).
    Resend(&'a [u8]),
    /// All tries are spent: the exchange is given up (or, for a caller
    /// that keeps it, silent from now on after [`Flight::stop`]).
    Exhausted,
}

/// One exchange's messages in flight; boxed, so an idle flight (every
/// established IKE SA's phase 1, once [`Flight::release`]d) is one null
/// pointer instead of a hundred bytes in each of a hub's SAs.
#[derive(Default)]
pub(super) struct Flight(Option<Box<State>>);

#[derive(Default)]
struct State {
    /// The last message received (and processed) for this exchange.
    last_rx: Option<Digest>,
    /// Our last message: the answer to `last_rx` when `answers`, else the
    /// request we wait on. Stored once: it is both what a duplicate gets
    /// and what a timeout resends.
    last_tx: Option<Vec<u8>>,
    answers: bool,
    resend: Option<Resend>,
}

impl Flight {
    fn state(&mut self) -> &mut State {
        self.0.get_or_insert_default()
    }

    /// We sent `bytes` first and wait for the answer.
    pub(super) fn request(&mut self, now: Instant, bytes: Vec<u8>, backoff: Backoff) {
        let s = self.state();
        s.last_tx = Some(bytes);
        s.answers = false;
        s.arm(now, backoff);
    }

    /// We answered `raw` with `bytes`; with `backoff`, our answer expects
    /// one in turn and is resent until it comes.
    pub(super) fn answer(
        &mut self,
        now: Instant,
        raw: &[u8],
        bytes: Vec<u8>,
        backoff: Option<Backoff>,
    ) {
        let s = self.state();
        s.last_rx = Some(Digest::of(raw));
        s.last_tx = Some(bytes);
        s.answers = true;
        match backoff {
            Some(b) => s.arm(now, b),
            None => s.resend = None,
        }
    }

    /// `raw` was processed and needs no answer of ours (it ended the
    /// exchange, or the answer is not ready yet): a duplicate of it is
    /// dropped silently.
    pub(super) fn received(&mut self, raw: &[u8]) {
        let s = self.state();
        s.last_rx = Some(Digest::of(raw));
        s.answers = false;
        s.resend = None;
    }

    /// Answers the last message received with `bytes` (an answer that
    /// had to wait, e.g. for the embedder's Xauth credentials).
    pub(super) fn reply(&mut self, bytes: Vec<u8>) {
        let s = self.state();
        s.last_tx = Some(bytes);
        s.answers = true;
        s.resend = None;
    }

    /// A finished exchange's flight: `raw` was answered with `answer`
    /// (if anything), nothing more is sent unasked.
    pub(super) fn finished(raw: &[u8], answer: Option<Vec<u8>>) -> Self {
        Self(Some(Box::new(State {
            last_rx: Some(Digest::of(raw)),
            answers: answer.is_some(),
            last_tx: answer,
            resend: None,
        })))
    }

    /// `Some` when `raw` repeats the last message received: then the
    /// answer to send again, if we gave one.
    pub(super) fn duplicate(&self, raw: &[u8]) -> Option<Option<&[u8]>> {
        let s = self.0.as_deref()?;
        if s.last_rx != Some(Digest::of(raw)) {
            return None;
        }
        Some(s.last_tx.as_deref().filter(|_| s.answers))
    }

    /// When [`Flight::due`] next has something to do.
    pub(super) fn deadline(&self) -> Option<Instant> {
        self.0.as_ref()?.resend.as_ref().map(|r| r.at)
    }

    /// Stops the retransmission (the answer came, or the caller keeps the
    /// exchange silent).
    pub(super) fn stop(&mut self) {
        if let Some(s) = &mut self.0 {
            s.resend = None;
        }
    }

    /// Forgets the exchange: the peer has shown it has our last message
    /// (it went on to the next exchange), so there is nothing left to
    /// resend or to answer again; a late duplicate is then dropped as out
    /// of state.
    pub(super) fn release(&mut self) {
        self.0 = None;
    }

    /// The timeout: resend (doubling the interval up to the longest) or,
    /// after `tries` sends, give up. `tries` is the backoff's unless the
    /// caller lowers it (an unverified half-open responder).
    pub(super) fn due(&mut self, now: Instant, backoff: Backoff, tries: u32) -> Option<Due<'_>> {
        let s = self.0.as_deref_mut()?;
        let r = s.resend.as_mut().filter(|r| r.at <= now)?;
        if r.sent >= tries {
            return Some(Due::Exhausted);
        }
        r.sent += 1;
        r.interval = (r.interval + r.interval).min(backoff.max);
        r.at = now + r.interval;
        s.last_tx.as_deref().map(Due::Resend)
    }
}

impl State {
    fn arm(&mut self, now: Instant, backoff: Backoff) {
        self.resend = Some(Resend {
            sent: 1,
            interval: backoff.interval,
            at: now + backoff.interval,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const B: Backoff = Backoff {
        interval: Duration::from_secs(2),
        max: Duration::from_secs(30),
        tries: 5,
    };

    #[test]
    fn the_default_budget_is_the_half_open_minute() {
        assert_eq!(B.budget(), Duration::from_secs(2 + 4 + 8 + 16 + 30));
        let lossy = Backoff {
            max: Duration::from_secs(8),
            tries: 12,
            ..B
        };
        assert_eq!(lossy.budget(), Duration::from_secs(2 + 4 + 8 * 10));
    }

    #[test]
    fn a_request_is_resent_with_backoff_then_given_up() {
        let mut f = Flight::default();
        f.request(Instant::ZERO, vec![1, 2], B);
        let mut sends = vec![0];
        let mut now = Instant::ZERO;
        while let Some(at) = f.deadline() {
            now = at;
            match f.due(now, B, B.tries) {
                Some(Due::Resend(b)) => {
                    assert_eq!(b, [1, 2]);
                    sends.push(now.as_millis() / 1000);
                }
                Some(Due::Exhausted) => break,
                None => panic!("not due at its deadline"),
            }
        }
        assert_eq!(sends, [0, 2, 6, 14, 30]);
        assert_eq!(now, Instant::from_secs(60));
        assert!(f.due(Instant::ZERO, B, B.tries).is_none(), "not due early");
    }

    #[test]
    fn duplicates_get_the_answer_and_only_the_answer() {
        let mut f = Flight::default();
        f.request(Instant::ZERO, vec![1], B);
        // Our own request is not an answer to anything.
        assert_eq!(f.duplicate(b"x"), None);
        f.answer(Instant::ZERO, b"x", vec![2], None);
        assert_eq!(f.duplicate(b"x"), Some(Some(&[2u8][..])));
        assert_eq!(f.duplicate(b"y"), None);
        assert_eq!(f.deadline(), None);
        f.received(b"z");
        assert_eq!(f.duplicate(b"z"), Some(None));
        assert_eq!(f.duplicate(b"x"), None);
        let done = Flight::finished(b"q", Some(vec![3]));
        assert_eq!(done.duplicate(b"q"), Some(Some(&[3u8][..])));
        assert_eq!(Flight::finished(b"q", None).duplicate(b"q"), Some(None));
    }
}
