//! A traffic generator for the inside: ICMP echo requests with one
//! identifier and rising sequence numbers, replies matched to requests, loss
//! and round-trip times counted as `ping` does.

use std::collections::BTreeMap;
use std::fmt;
use std::net::Ipv4Addr;

use ike_proto::time::Instant;

use etherparse::icmpv4::TYPE_ECHO_REPLY;
use etherparse::{IcmpEchoHeader, IpNumber};

use crate::packet;

/// What to send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PingPlan {
    /// Source address (on our inside LAN).
    pub src: Ipv4Addr,
    /// Destination address (on the peer's LAN).
    pub dst: Ipv4Addr,
    /// ICMP identifier.
    pub ident: u16,
    /// Requests to send.
    pub count: u16,
    /// Time between requests, in milliseconds.
    pub interval_ms: u64,
    /// How long to wait for the last reply, in milliseconds.
    pub wait_ms: u64,
    /// Echo data bytes per request.
    pub size: usize,
}

/// Results so far, as `ping` prints them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PingStats {
    /// Requests sent.
    pub transmitted: u64,
    /// Distinct requests answered.
    pub received: u64,
    /// Replies to requests already answered.
    pub duplicates: u64,
    /// Shortest round trip, ms.
    pub rtt_min_ms: u64,
    /// Longest round trip, ms.
    pub rtt_max_ms: u64,
    /// Sum of round trips, ms (for the average).
    pub rtt_sum_ms: u64,
}

impl PingStats {
    /// Lost requests.
    pub fn lost(&self) -> u64 {
        self.transmitted.saturating_sub(self.received)
    }
}

impl fmt::Display for PingStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let loss = (self.lost() * 100)
            .checked_div(self.transmitted)
            .unwrap_or(0);
        write!(
            f,
            "{} packets transmitted, {} received, {}% packet loss",
            self.transmitted, self.received, loss
        )?;
        if self.duplicates > 0 {
            write!(f, ", +{} duplicates", self.duplicates)?;
        }
        if let Some(avg) = self.rtt_sum_ms.checked_div(self.received) {
            write!(
                f,
                ", rtt min/avg/max = {}/{}/{} ms",
                self.rtt_min_ms, avg, self.rtt_max_ms
            )?;
        }
        Ok(())
    }
}

/// The generator: ask it for requests when they are due, feed it every
/// inner packet that comes back.
#[derive(Clone, Debug)]
pub struct Pinger {
    plan: PingPlan,
    next_seq: u16,
    next_at: Option<Instant>,
    last_sent: Option<Instant>,
    outstanding: BTreeMap<u16, Instant>,
    answered: BTreeMap<u16, u64>,
    stats: PingStats,
}

impl Pinger {
    /// A generator that sends its first request at the first poll.
    pub fn new(plan: PingPlan) -> Self {
        Self {
            plan,
            next_seq: 1,
            next_at: None,
            last_sent: None,
            outstanding: BTreeMap::new(),
            answered: BTreeMap::new(),
            stats: PingStats::default(),
        }
    }

    /// The plan.
    pub fn plan(&self) -> &PingPlan {
        &self.plan
    }

    /// The next request if one is due at `now`.
    pub fn poll_request(&mut self, now: Instant) -> Option<Vec<u8>> {
        if self.stats.transmitted >= u64::from(self.plan.count) {
            return None;
        }
        if self.next_at.is_some_and(|t| now < t) {
            return None;
        }
        let seq = self.next_seq;
        self.next_seq = self.next_seq.wrapping_add(1);
        self.next_at = Some(Instant::from_millis(
            now.as_millis() + self.plan.interval_ms,
        ));
        self.last_sent = Some(now);
        self.outstanding.insert(seq, now);
        self.stats.transmitted += 1;
        let mut request = Vec::new();
        packet::ipv4_builder(self.plan.src, self.plan.dst, seq)
            .icmpv4_echo_request(self.plan.ident, seq)
            .write_to_vec(&mut request, &pattern(seq, self.plan.size))
            .ok()?;
        Some(request)
    }

    /// Feeds an inner packet; returns whether it was a reply to one of our
    /// requests (with the data we sent).
    pub fn handle_packet(&mut self, packet: &[u8], now: Instant) -> bool {
        let Ok(ip) = packet::ipv4(packet) else {
            return false;
        };
        let h = &ip.header;
        if h.protocol() != IpNumber::ICMP
            || h.source_addr() != self.plan.dst
            || h.destination_addr() != self.plan.src
        {
            return false;
        }
        let Ok(m) = packet::icmpv4(ip.payload) else {
            return false;
        };
        // By type alone, as before etherparse, whose `EchoReply` wants code 0.
        let IcmpEchoHeader { id, seq } = IcmpEchoHeader::from_bytes(m.bytes5to8());
        if m.type_u8() != TYPE_ECHO_REPLY || id != self.plan.ident {
            return false;
        }
        if m.payload() != pattern(seq, self.plan.size).as_slice() {
            return false;
        }
        if let Some(sent) = self.outstanding.remove(&seq) {
            let rtt = now.as_millis().saturating_sub(sent.as_millis());
            self.answered.insert(seq, rtt);
            let s = &mut self.stats;
            s.rtt_min_ms = if s.received == 0 {
                rtt
            } else {
                s.rtt_min_ms.min(rtt)
            };
            s.rtt_max_ms = s.rtt_max_ms.max(rtt);
            s.rtt_sum_ms += rtt;
            s.received += 1;
            true
        } else if self.answered.contains_key(&seq) {
            self.stats.duplicates += 1;
            true
        } else {
            false
        }
    }

    /// Whether every request is sent and each is answered or its wait is
    /// over.
    pub fn is_done(&self, now: Instant) -> bool {
        if self.stats.transmitted < u64::from(self.plan.count) {
            return false;
        }
        self.outstanding.is_empty()
            || self
                .last_sent
                .is_some_and(|t| now.as_millis() >= t.as_millis() + self.plan.wait_ms)
    }

    /// When the generator next needs the clock: the next request or the end
    /// of the wait for the last reply.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.stats.transmitted < u64::from(self.plan.count) {
            return Some(self.next_at.unwrap_or(Instant::from_millis(0)));
        }
        if self.outstanding.is_empty() {
            return None;
        }
        self.last_sent
            .map(|t| Instant::from_millis(t.as_millis() + self.plan.wait_ms))
    }

    /// Results so far.
    pub fn stats(&self) -> PingStats {
        self.stats
    }
}

/// Echo data that names its sequence number, so a reply is matched on its
/// contents and not only on its header.
fn pattern(seq: u16, size: usize) -> Vec<u8> {
    let s = seq.to_be_bytes();
    (0..size)
        .map(|i| (i as u8).wrapping_add(s[0] ^ s[1]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inside_echo::InsideEcho;
    use crate::net::Ipv4Net;

    fn plan(count: u16) -> PingPlan {
        PingPlan {
            src: Ipv4Addr::new(10, 2, 2, 2),
            dst: Ipv4Addr::new(10, 1, 1, 1),
            ident: 0x1c5,
            count,
            interval_ms: 100,
            wait_ms: 1000,
            size: 32,
        }
    }

    fn t(ms: u64) -> Instant {
        Instant::from_millis(ms)
    }

    #[test]
    fn paces_matches_and_measures() {
        let mut p = Pinger::new(plan(3));
        let mut echo = InsideEcho::new(Ipv4Net {
            addr: Ipv4Addr::new(10, 1, 1, 1),
            mask: Ipv4Addr::new(255, 255, 254, 0),
        });
        let r1 = p.poll_request(t(0)).unwrap();
        assert!(p.poll_request(t(50)).is_none(), "paced by the interval");
        assert_eq!(p.poll_timeout(), Some(t(100)));
        let r2 = p.poll_request(t(100)).unwrap();
        let r3 = p.poll_request(t(200)).unwrap();
        assert!(p.poll_request(t(300)).is_none(), "count reached");

        let a1 = echo.answer(&r1).unwrap();
        assert!(p.handle_packet(&a1, t(20)));
        assert!(p.handle_packet(&a1, t(25)), "a duplicate is still ours");
        let a3 = echo.answer(&r3).unwrap();
        assert!(p.handle_packet(&a3, t(260)));
        assert!(!p.is_done(t(300)), "request 2 is still awaited");
        assert_eq!(p.poll_timeout(), Some(t(1200)));
        assert!(p.is_done(t(1200)));

        let s = p.stats();
        assert_eq!(
            (s.transmitted, s.received, s.duplicates, s.lost()),
            (3, 2, 1, 1)
        );
        assert_eq!((s.rtt_min_ms, s.rtt_max_ms, s.rtt_sum_ms), (20, 60, 80));
        assert_eq!(
            s.to_string(),
            "3 packets transmitted, 2 received, 33% packet loss, +1 duplicates, \
             rtt min/avg/max = 20/40/60 ms"
        );
        let _ = r2;
    }

    #[test]
    fn rejects_foreign_replies() {
        let mut p = Pinger::new(plan(1));
        let req = p.poll_request(t(0)).unwrap();
        let reply = |id: u16, data: &[u8]| {
            let mut r = Vec::new();
            packet::ipv4_builder(Ipv4Addr::new(10, 1, 1, 1), Ipv4Addr::new(10, 2, 2, 2), 1)
                .icmpv4_echo_reply(id, 1)
                .write_to_vec(&mut r, data)
                .unwrap();
            r
        };
        // Another identifier.
        assert!(!p.handle_packet(&reply(0x1c6, &pattern(1, 32)), t(5)));
        // Altered data.
        assert!(!p.handle_packet(&reply(0x1c5, &[0; 32]), t(5)));
        // Our own request looped back is not a reply.
        assert!(!p.handle_packet(&req, t(5)));
        assert_eq!(p.stats().received, 0);
        // The right one is.
        assert!(p.handle_packet(&reply(0x1c5, &pattern(1, 32)), t(5)));
    }
}
