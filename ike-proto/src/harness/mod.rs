//! An in-memory two-peer network for driving two [`Engine`]s against each
//! other under a virtual clock that starts at zero: latency, loss,
//! duplication, reordering, a hook to tamper with (or drop) any datagram,
//! a NAT in front of peer A, and a switch to make a peer go silent. No
//! sockets and no clock: a negotiation that spans minutes of protocol time
//! runs in milliseconds and the same way every time.
//!
//! ```
//! use std::net::Ipv4Addr;
//! use ike_proto::engine::{Config, Engine};
//! use ike_proto::harness::Pair;
//! use ike_proto::policy::{Selectors, StaticPolicy, TrafficSelector};
//! use ike_proto::time::Duration;
//! use rand_chacha::ChaCha20Rng;
//! use rand_core::SeedableRng;
//!
//! let spoke_lan = TrafficSelector::subnet(Ipv4Addr::new(10, 2, 0, 0), 16);
//! let hub_lan = TrafficSelector::subnet(Ipv4Addr::new(10, 1, 0, 0), 16);
//! let spoke = Engine::new(Config::default(), Box::new(StaticPolicy::seed(b"k", spoke_lan, hub_lan)),
//!     Box::new(ChaCha20Rng::seed_from_u64(1)));
//! let hub = Engine::new(Config::default(), Box::new(StaticPolicy::seed(b"k", hub_lan, spoke_lan)),
//!     Box::new(ChaCha20Rng::seed_from_u64(2)));
//! let mut pair = Pair::new(spoke, Ipv4Addr::new(192, 0, 2, 2), hub, Ipv4Addr::new(192, 0, 2, 1), 7);
//! pair.initiate_a(Selectors { local: spoke_lan, remote: hub_lan });
//! pair.run_for(Duration::from_secs(5));
//! assert_eq!(pair.a.child_sas().len(), 1);
//! assert_eq!(pair.b.child_sas().len(), 1);
//! ```

use std::net::{Ipv4Addr, SocketAddrV4};

use crate::engine::{Datagram, Engine, Event};
use crate::policy::Selectors;
use crate::time::{Duration, Instant};

/// Which peer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    /// Peer A (the initiator in most tests; optionally behind a NAT).
    A,
    /// Peer B.
    B,
}

impl Side {
    /// The other peer.
    pub fn other(self) -> Self {
        match self {
            Self::A => Self::B,
            Self::B => Self::A,
        }
    }
}

/// A datagram as it crossed the network (after NAT), for inspection.
#[derive(Clone, Debug)]
pub struct Captured {
    /// Virtual time it was sent.
    pub at: Instant,
    /// The peer that sent it.
    pub from: Side,
    /// Source address as seen on the wire (after NAT).
    pub src: SocketAddrV4,
    /// Destination address.
    pub dst: SocketAddrV4,
    /// UDP payload.
    pub payload: Vec<u8>,
}

struct InFlight {
    deliver_at: Instant,
    seq: u64,
    to: Side,
    src: SocketAddrV4,
    dst: SocketAddrV4,
    payload: Vec<u8>,
}

/// A NAT in front of peer A: A's private address is rewritten to `public`,
/// each private port to a mapped public port.
#[derive(Clone, Debug)]
pub struct Nat {
    /// The NAT's public address.
    pub public: Ipv4Addr,
    /// Private port → public port.
    pub map: Vec<(u16, u16)>,
    next_port: u16,
}

impl Nat {
    fn outbound(&mut self, port: u16) -> u16 {
        if let Some((_, p)) = self.map.iter().find(|(i, _)| *i == port) {
            return *p;
        }
        let p = self.next_port;
        self.next_port = self.next_port.wrapping_add(1).max(1024);
        self.map.push((port, p));
        p
    }

    fn inbound(&self, port: u16) -> Option<u16> {
        self.map.iter().find(|(_, p)| *p == port).map(|(i, _)| *i)
    }
}

/// A hook that sees every datagram before it enters the network; returning
/// `false` drops it. It may rewrite the bytes.
pub type Tamper = Box<dyn FnMut(&mut Captured) -> bool>;

/// Two engines on a virtual network.
pub struct Pair {
    /// Current virtual time.
    pub now: Instant,
    /// Peer A.
    pub a: Engine,
    /// Peer B.
    pub b: Engine,
    /// A's own address.
    pub a_addr: Ipv4Addr,
    /// B's own address.
    pub b_addr: Ipv4Addr,
    /// One-way latency.
    pub latency: Duration,
    /// Loss probability in per-mille.
    pub loss_permille: u32,
    /// Duplication probability in per-mille.
    pub duplicate_permille: u32,
    /// Reordering: each datagram gets up to this much extra random delay.
    pub jitter: Duration,
    /// A NAT in front of A.
    pub nat: Option<Nat>,
    /// A peer that went silent: everything it sends is lost.
    pub silent: Option<Side>,
    /// The tamper hook.
    pub tamper: Option<Tamper>,
    /// Every datagram that entered the network, in order.
    pub captured: Vec<Captured>,
    /// Events of A, in order.
    pub a_events: Vec<Event>,
    /// Events of B, in order.
    pub b_events: Vec<Event>,
    in_flight: Vec<InFlight>,
    seq: u64,
    rng: u64,
}

impl core::fmt::Debug for Pair {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Pair")
            .field("now", &self.now)
            .field("in_flight", &self.in_flight.len())
            .finish_non_exhaustive()
    }
}

impl Pair {
    /// Two engines at the given addresses, 5 ms apart, a perfect network;
    /// `seed` drives the network's own randomness (loss, duplication,
    /// reordering).
    pub fn new(a: Engine, a_addr: Ipv4Addr, b: Engine, b_addr: Ipv4Addr, seed: u64) -> Self {
        Self {
            now: Instant::ZERO,
            a,
            b,
            a_addr,
            b_addr,
            latency: Duration::from_millis(5),
            loss_permille: 0,
            duplicate_permille: 0,
            jitter: Duration::ZERO,
            nat: None,
            silent: None,
            tamper: None,
            captured: Vec::new(),
            a_events: Vec::new(),
            b_events: Vec::new(),
            in_flight: Vec::new(),
            seq: 0,
            rng: seed | 1,
        }
    }

    /// Puts A behind a NAT with public address `public`.
    pub fn nat_a(&mut self, public: Ipv4Addr) {
        self.nat = Some(Nat {
            public,
            map: Vec::new(),
            next_port: 31_000,
        });
    }

    /// The NAT forgets its mappings (A's public ports change).
    pub fn nat_rebind(&mut self) {
        if let Some(n) = &mut self.nat {
            n.map.clear();
            n.next_port = n.next_port.wrapping_add(100);
        }
    }

    /// A's IKE endpoint (its engine's [`crate::engine::Config::ike_port`]).
    pub fn a_ike(&self) -> SocketAddrV4 {
        SocketAddrV4::new(self.a_addr, self.a.config().ike_port)
    }

    /// B's IKE endpoint (its engine's [`crate::engine::Config::ike_port`]).
    pub fn b_ike(&self) -> SocketAddrV4 {
        SocketAddrV4::new(self.b_addr, self.b.config().ike_port)
    }

    /// A starts protecting `selectors` towards B.
    pub fn initiate_a(&mut self, selectors: Selectors) {
        let (l, r) = (self.a_ike(), self.b_ike());
        let _ = self.a.initiate(self.now, l, r, selectors);
        self.flush();
    }

    /// B starts protecting `selectors` towards A (through the NAT if any:
    /// B only knows A's public address once A talked first).
    pub fn initiate_b(&mut self, selectors: Selectors) {
        let (l, r) = (self.b_ike(), self.a_ike());
        let _ = self.b.initiate(self.now, l, r, selectors);
        self.flush();
    }

    /// The engine of one side.
    pub fn engine(&mut self, side: Side) -> &mut Engine {
        match side {
            Side::A => &mut self.a,
            Side::B => &mut self.b,
        }
    }

    fn random(&mut self) -> u32 {
        // xorshift64*
        let mut x = self.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 32) as u32
    }

    fn chance(&mut self, permille: u32) -> bool {
        permille > 0 && self.random() % 1000 < permille
    }

    /// Moves what the engines want to send into the network and their
    /// events into the logs.
    pub fn flush(&mut self) {
        for side in [Side::A, Side::B] {
            while let Some(d) = self.engine(side).poll_transmit() {
                self.send(side, d);
            }
            while let Some(e) = self.engine(side).poll_event() {
                match side {
                    Side::A => self.a_events.push(e),
                    Side::B => self.b_events.push(e),
                }
            }
        }
    }

    fn send(&mut self, from: Side, d: Datagram) {
        let mut src = d.local;
        let mut dst = d.remote;
        if from == Side::A {
            if let Some(nat) = &mut self.nat {
                src = SocketAddrV4::new(nat.public, nat.outbound(src.port()));
            }
        }
        let mut c = Captured {
            at: self.now,
            from,
            src,
            dst,
            payload: d.payload,
        };
        if let Some(t) = &mut self.tamper {
            if !t(&mut c) {
                self.captured.push(c);
                return;
            }
        }
        self.captured.push(c.clone());
        if self.silent == Some(from) || self.chance(self.loss_permille) {
            return;
        }
        // Route: to B's address, or to the NAT (then A), or to A directly.
        let to = if dst.ip() == &self.b_addr {
            Side::B
        } else if let Some(nat) = &self.nat {
            if dst.ip() == &nat.public {
                match nat.inbound(dst.port()) {
                    Some(p) => {
                        dst = SocketAddrV4::new(self.a_addr, p);
                        Side::A
                    }
                    None => return, // no mapping: the NAT drops it
                }
            } else if dst.ip() == &self.a_addr {
                return; // A's private address is unreachable from outside
            } else {
                return;
            }
        } else if dst.ip() == &self.a_addr {
            Side::A
        } else {
            return;
        };
        let copies = if self.chance(self.duplicate_permille) {
            2
        } else {
            1
        };
        for _ in 0..copies {
            let jitter = if self.jitter.as_millis() > 0 {
                Duration::from_millis(u64::from(self.random()) % (self.jitter.as_millis() + 1))
            } else {
                Duration::ZERO
            };
            self.seq += 1;
            self.in_flight.push(InFlight {
                deliver_at: self.now + self.latency + jitter,
                seq: self.seq,
                to,
                src,
                dst,
                payload: c.payload.clone(),
            });
        }
    }

    /// The next instant anything happens.
    pub fn next_wakeup(&self) -> Option<Instant> {
        let net = self.in_flight.iter().map(|f| f.deliver_at).min();
        [net, self.a.poll_timeout(), self.b.poll_timeout()]
            .into_iter()
            .flatten()
            .min()
    }

    /// Advances to the next event (delivery or timer) if it is no later
    /// than `until`; returns whether anything happened.
    pub fn step(&mut self, until: Instant) -> bool {
        self.flush();
        let Some(next) = self.next_wakeup() else {
            return false;
        };
        if next > until {
            return false;
        }
        self.now = self.now.max(next);
        let now = self.now;
        // Deliver everything due, in arrival order.
        let mut due: Vec<InFlight> = Vec::new();
        let mut i = 0;
        while i < self.in_flight.len() {
            if self.in_flight.get(i).is_some_and(|f| f.deliver_at <= now) {
                due.push(self.in_flight.swap_remove(i));
            } else {
                i += 1;
            }
        }
        due.sort_by_key(|f| (f.deliver_at, f.seq));
        for f in due {
            self.engine(f.to)
                .handle_datagram(now, f.dst, f.src, &f.payload);
            self.flush();
        }
        for side in [Side::A, Side::B] {
            if self.engine(side).poll_timeout().is_some_and(|t| t <= now) {
                self.engine(side).handle_timeout(now);
            }
        }
        self.flush();
        true
    }

    /// Runs until `until` (virtual), or until nothing is pending.
    pub fn run_until(&mut self, until: Instant) {
        let mut guard = 0u32;
        while self.step(until) {
            guard += 1;
            if guard > 1_000_000 {
                break;
            }
        }
        self.now = self.now.max(until);
    }

    /// Runs for `d` of virtual time.
    pub fn run_for(&mut self, d: Duration) {
        let until = self.now + d;
        self.run_until(until);
    }

    /// Events of one side.
    pub fn events(&self, side: Side) -> &[Event] {
        match side {
            Side::A => &self.a_events,
            Side::B => &self.b_events,
        }
    }
}
