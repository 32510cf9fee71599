//! The sans-IO IKEv1 engine: the IKE SA table and the driving surface.
//!
//! The engine never touches a socket or a clock. The caller feeds it what
//! happened and drains what it wants done, quinn-proto style.
//!
//! # Call order
//!
//! 1. **Inputs** (`handle_*`), each with the current [`Instant`] (monotonic,
//!    never going back):
//!    * [`Engine::handle_datagram`] for every UDP datagram received on the
//!      IKE or the NAT-T port ([`Config::ike_port`], [`Config::natt_port`]:
//!      500 and 4500 by default; the non-ESP marker on the NAT-T port is the
//!      engine's business; ESP-in-UDP and NAT keepalives are recognised and
//!      ignored);
//!    * [`Engine::handle_timeout`] when the instant from
//!      [`Engine::poll_timeout`] has been reached.
//! 2. **Commands**: [`Engine::initiate`] (the ESP *acquire*: protect these
//!    selectors towards this peer), [`Engine::delete_child_sa`],
//!    [`Engine::delete_ike_sa`], [`Engine::rekey_child_sa`] (a kilobyte
//!    soft lifetime the data plane saw run out), and the answers to the
//!    Transaction exchange's questions: [`Engine::xauth_verdict`] (the
//!    server's verdict on [`Event::XauthRequest`], which may come long
//!    after the client's REPLY) and [`Engine::provide_xauth_credentials`]
//!    (the client's answer to [`Event::XauthCredentialsRequest`]).
//! 3. **Outputs**, drained after every input or command, in this order:
//!    * [`Engine::poll_transmit`] until `None`: datagrams to send, with the
//!      local and remote address and port;
//!    * [`Engine::poll_event`] until `None`: IKE SA up/down, child SA
//!      up/rekeyed/down (SPIs, algorithms, keys, selectors, lifetimes,
//!      encapsulation), Xauth asked / done, Mode Config address assigned,
//!      peer dead, log lines in IOS's vocabulary (or, with
//!      [`Config::log_target`], to the `log` facade instead);
//!    * [`Engine::poll_timeout`]: the next instant the engine wants
//!      [`Engine::handle_timeout`] to be called.
//! 4. **Views**, at any time: [`Engine::ike_sas`], [`Engine::child_sas`],
//!    [`Engine::ike_sa_rows`], and [`Engine::counters`] (every datagram
//!    dropped or refused, by reason).
//!
//! Policy questions go through the [`Policy`] trait; randomness (cookies,
//! nonces, SPIs, message IDs, DH secrets) comes from the injected
//! [`CryptoRng`], so a seeded generator makes a run reproducible.
//!
//! # Threading
//!
//! An [`Engine`] is `Send` (its policy and generator are boxed as
//! `dyn Policy + Send` and `dyn CryptoRng + Send`) but not `Sync`: build it
//! on one thread, drive it from another, one thread at a time (every
//! method takes `&mut self` or `&self`). Engines share nothing, so one per
//! worker thread scales across cores.
//!
//! ```
//! use std::net::{Ipv4Addr, SocketAddrV4};
//! use ike_proto::engine::{Config, Engine};
//! use ike_proto::policy::{StaticPolicy, TrafficSelector};
//! use ike_proto::time::Instant;
//! use rand_chacha::ChaCha20Rng;
//! use rand_core::SeedableRng;
//!
//! let policy = StaticPolicy::seed(
//!     b"cisco123",
//!     TrafficSelector::subnet(Ipv4Addr::new(10, 2, 0, 0), 16),
//!     TrafficSelector::subnet(Ipv4Addr::new(10, 1, 0, 0), 16),
//! );
//! let mut spoke = Engine::new(Config::default(), Box::new(policy), Box::new(ChaCha20Rng::seed_from_u64(1)));
//! let local = SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 2), 500);
//! let hub = SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 1), 500);
//! let packet = ike_proto::policy::Selectors {
//!     local: TrafficSelector::host(Ipv4Addr::new(10, 2, 0, 5)),
//!     remote: TrafficSelector::host(Ipv4Addr::new(10, 1, 0, 7)),
//! };
//! spoke.initiate(Instant::ZERO, local, hub, packet).unwrap();
//! let mm1 = spoke.poll_transmit().unwrap();
//! assert_eq!(mm1.remote, hub);
//! assert!(spoke.poll_timeout().is_some()); // the retransmission
//! ```

mod budget;
mod children;
mod commands;
mod config;
mod counters;
mod debug;
mod flight;
mod half_open;
mod informational;
pub mod ios_ipsec;
mod liveness;
pub mod notify;
mod output;
mod phase1;
mod probe;
mod process;
mod quick_mode;
mod sa;
mod sending;
mod table;
mod teardown;
mod timers;
mod transaction;
mod xact;

use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::net::{Ipv4Addr, SocketAddrV4};

use rand_core::CryptoRng;

use self::children::{ChildEntry, ChildTable};
pub use self::config::{Config, Debugging, DpdConfig, DpdMode};
pub use self::counters::Counters;
use self::flight::{Backoff, Flight};
pub use self::output::{
    ChildSa, ChildSaKeys, CommandError, Datagram, DownReason, Encapsulation, Event, HalfOpenStats,
    IkeSaInfo, IkeSaKeys, IkeSaRow, LogForm, LogLine,
};
use self::sa::{
    Acquire, Dpd, IkeSa, PeerScope, Phase1State, QmRole, QmSlot, SaTimer, XactDone, XactSlot,
};
use self::table::SaTable;

pub use crate::error::Error;
use crate::exchange::Ctx;
pub use crate::exchange::informational::InfoItem;
pub use crate::exchange::quick_mode::{EspKeys, SecretKey};
use crate::exchange::trace::Trace;
pub use crate::exchange::{IosState, NatDetection};
use crate::policy::Policy;
use crate::time::{Duration, Instant, TimerTable};
use crate::wire::Cookie;

/// Handle of an IKE (ISAKMP) SA, unique within one engine (IOS's conn-id).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IkeSaId(pub u32);

/// Handle of a child (IPsec) SA pair, unique within one engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChildSaId(pub u32);

/// The IKEv1 engine. See the module documentation for the call order.
///
/// Two halves, borrowed disjointly: the IKE SA table, and the rest (the
/// settings, the child SAs, the outputs). An SA is worked on in place, the
/// core beside it; what concerns other SAs waits in the core's follow-ups
/// until the SA is filed back.
pub struct Engine {
    sas: SaTable,
    core: Core,
}

/// Everything of the engine but the IKE SA table.
struct Core {
    config: Config,
    policy: Box<dyn Policy + Send>,
    rng: Box<dyn CryptoRng + Send>,
    children: ChildTable,
    /// The inbound SPIs of every IKE SA's Quick Modes (running or
    /// lingering): new SPIs avoid them.
    quick_spis: HashSet<u32>,
    /// The next IKE SA handle (IOS's C-id / conn-id); never one in use.
    next_id: u32,
    /// The next child SA handle: its own count, so IKE SAs number 1, 2, 3
    /// as IOS's C-ids do whatever the child SAs between them.
    next_child_id: u32,
    transmits: VecDeque<Datagram>,
    events: VecDeque<Event>,
    now: Instant,
    counters: Counters,
    half_open: half_open::HalfOpen,
    dh_budget: budget::DhBudget,
    /// What an SA's handling asked of the other SAs, done once it is
    /// filed back.
    follow_ups: Vec<FollowUp>,
    /// Where the debug lines go, the engine's and its exchanges'.
    trace: Trace,
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("ike_sas", &self.sas.len())
            .field("child_sas", &self.core.children.len())
            .finish_non_exhaustive()
    }
}

/// The non-ESP marker that prefixes IKE on the NAT-T port (RFC 3948).
const NON_ESP_MARKER: [u8; 4] = [0; 4];
/// Most Quick Modes (running or lingering) per IKE SA.
const MAX_QUICK_MODES: usize = 64;
/// Most Quick Modes under way at once per IKE SA: below the crypto
/// module's per-message-ID IV memory (`crypto::MAX_TRACKED_EXCHANGES`),
/// leaving room for Informational exchanges; more acquires wait their turn.
const MAX_ACTIVE_QUICK_MODES: usize = 12;
/// Protected Informational message IDs remembered per IKE SA (replays).
const SEEN_INFORMATIONALS: usize = 256;
/// Quick Mode message IDs remembered per IKE SA (replays): 4 kB, and far
/// more Quick Modes than an IKE SA runs in its life at the child SA
/// limits and IOS's lifetimes (a rekey per child per hour).
const QUICK_MODE_IDS: usize = 1024;

/// Where a datagram travelled (our address and port, the sender's).
#[derive(Clone, Copy, Debug)]
struct Arrival {
    local: SocketAddrV4,
    remote: SocketAddrV4,
}
/// The IANA IKE port, [`Config::ike_port`]'s default.
pub const IKE_PORT: u16 = 500;
/// The IANA NAT-T port, [`Config::natt_port`]'s default.
pub const NATT_PORT: u16 = 4500;

impl Engine {
    /// A new engine with its settings, policy and random generator.
    pub fn new(
        config: Config,
        policy: Box<dyn Policy + Send>,
        rng: Box<dyn CryptoRng + Send>,
    ) -> Self {
        let core = Core {
            policy,
            rng,
            children: ChildTable::default(),
            quick_spis: HashSet::new(),
            next_id: 1,
            next_child_id: 1,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            now: Instant::ZERO,
            counters: Counters::default(),
            half_open: half_open::HalfOpen::default(),
            dh_budget: budget::DhBudget::new(config.aggressive_dh_burst),
            follow_ups: Vec::new(),
            trace: Trace::new(config.log_target.clone()),
            config,
        };
        Self {
            sas: SaTable::default(),
            core,
        }
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.core.config
    }

    /// What was dropped or refused so far, by reason.
    pub fn counters(&self) -> Counters {
        self.core.counters
    }

    /// The half-open responder table (`show crypto isakmp sa` counts).
    pub fn half_open(&self) -> HalfOpenStats {
        let h = &self.core.half_open;
        HalfOpenStats {
            entries: h.len(),
            unverified: h.unverified(),
            bytes: h.bytes(),
        }
    }

    /// The next datagram to send.
    pub fn poll_transmit(&mut self) -> Option<Datagram> {
        self.core.transmits.pop_front()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.core.flush_trace();
        self.core.events.pop_front()
    }

    /// When [`Engine::handle_timeout`] should next be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let sas = self.sas.next_wakeup().into_iter();
        sas.chain(self.core.children.next_timeout()).min()
    }

    /// Established IKE SAs, for show commands.
    pub fn ike_sas(&self) -> Vec<IkeSaInfo> {
        let mut v: Vec<IkeSaInfo> = self
            .sas
            .values()
            .filter_map(|sa| self.core.info(sa))
            .collect();
        v.sort_by_key(|i| i.id);
        v
    }

    /// The established IKE SAs with a peer address, in handle order (an
    /// index look-up, not a walk over every SA as [`Engine::ike_sas`]).
    pub fn established_with(&self, peer: Ipv4Addr) -> Vec<IkeSaId> {
        self.sas
            .of_peer(peer)
            .filter(|s| s.established().is_some())
            .map(|s| s.id)
            .collect()
    }

    /// Whether `spi` is one of our inbound SPIs: a live child SA's, or one
    /// a Quick Mode in progress has offered (its SA is on the way). A data
    /// plane holding ESP that came before its SA asks this (an index
    /// look-up).
    pub fn knows_inbound_spi(&self, spi: u32) -> bool {
        self.core.children.has_spi_in(spi) || self.core.quick_spis.contains(&spi)
    }

    /// Live child SAs, for show commands; without their keys, which the
    /// engine hands to the data plane once, in [`Event::ChildSaUp`] /
    /// [`Event::ChildSaRekeyed`], and does not keep.
    pub fn child_sas(&self) -> Vec<ChildSa> {
        let mut v: Vec<ChildSa> = self.core.children.values().map(|c| c.sa.clone()).collect();
        v.sort_by_key(|c| c.id);
        v
    }

    /// Every IKE SA, complete or negotiating, with IOS's state name.
    pub fn ike_sa_rows(&self) -> Vec<IkeSaRow> {
        let mut v: Vec<IkeSaRow> = self
            .sas
            .values()
            .map(|sa| IkeSaRow {
                id: sa.id,
                local: sa.local,
                remote: sa.remote,
                initiator: sa.initiator,
                state: sa.phase1.ios_state(),
            })
            .collect();
        v.sort_by_key(|r| r.id);
        v
    }

    /// Works on one SA in place: `work` gets it and the core, and says
    /// whether the SA stays. The SA is then filed back (its indexes
    /// follow its changes) or forgotten, and what the work asked of the
    /// other SAs is done.
    fn with_sa<T>(
        &mut self,
        id: IkeSaId,
        work: impl FnOnce(&mut Core, &mut IkeSa) -> (bool, T),
    ) -> Option<T> {
        let sa = self.sas.get_mut(id)?;
        let (keep, out) = work(&mut self.core, sa);
        if keep {
            self.sas.refile(id);
        } else {
            self.drop_sa(id);
        }
        self.follow_up();
        Some(out)
    }

    /// Removes an SA for good, with its index entries on both halves.
    fn drop_sa(&mut self, id: IkeSaId) -> Option<Box<IkeSa>> {
        let sa = self.sas.remove(id)?;
        self.core.forget(&sa);
        Some(sa)
    }

    /// Does what handling an SA asked of the others.
    fn follow_up(&mut self) {
        while !self.core.follow_ups.is_empty() {
            for f in core::mem::take(&mut self.core.follow_ups) {
                match f {
                    FollowUp::Purge {
                        scope,
                        keep,
                        reason,
                    } => {
                        let ids: Vec<IkeSaId> = self
                            .sas
                            .of_peer(*scope.remote.ip())
                            .filter(|s| s.id != keep && scope.covers_ike(s))
                            .map(|s| s.id)
                            .collect();
                        for id in ids {
                            if let Some(sa) = self.drop_sa(id) {
                                self.core.ike_down(sa, reason);
                            }
                        }
                        self.core.purge_children(&scope, keep, reason);
                    }
                    FollowUp::Reestablish { id, local, remote } => {
                        self.restart_phase1(id, local, remote);
                    }
                }
            }
        }
    }
}

/// What handling one SA asks of the others: done once it is filed back.
enum FollowUp {
    /// Tear down the SAs in `scope` but `keep`'s (INITIAL_CONTACT, a
    /// dead peer).
    Purge {
        scope: PeerScope,
        keep: IkeSaId,
        reason: DownReason,
    },
    /// Phase 1 `id` with this peer ended while child SAs live on.
    Reestablish {
        id: IkeSaId,
        local: SocketAddrV4,
        remote: SocketAddrV4,
    },
}

impl Core {
    fn info(&self, sa: &IkeSa) -> Option<IkeSaInfo> {
        let p1 = sa.established()?;
        Some(IkeSaInfo {
            id: sa.id,
            local: sa.local,
            remote: sa.remote,
            initiator: sa.initiator,
            peer_identity: p1.peer_id.clone(),
            local_identity: p1.local_id.clone(),
            profile: p1.profile.clone(),
            proposal: p1.proposal,
            lifetime: p1.proposal.lifetime,
            nat: p1.nat,
            peer_dpd: p1.caps.dpd,
            established_at: sa.established_at().unwrap_or(self.now),
            expires_at: p1.proposal.lifetime.seconds.and_then(|s| {
                sa.established_at()
                    .map(|t| t + Duration::from_secs(u64::from(s)))
            }),
            xauth_user: sa.xauth_user().map(str::to_owned),
            config_address: sa.assigned(),
        })
    }

    // ----- small helpers ---------------------------------------------

    /// A fresh IKE SA handle; [`Core::next_id`] moves on to the next free
    /// one (what the debug lines announce before the SA exists).
    ///
    /// Handles are 32 bits, half the room in every index keyed by them,
    /// and the count wraps: a flood of first messages takes a handle each
    /// and could turn it over within a day, so a handle still held by an
    /// SA, or named by child SAs it negotiated, is skipped.
    fn alloc_id(&mut self, sas: &SaTable) -> IkeSaId {
        let id = self.next_id;
        self.next_id = next_free(id, |h| {
            sas.contains(IkeSaId(h)) || self.children.names_ike(IkeSaId(h))
        });
        IkeSaId(id)
    }

    /// A fresh child SA handle (the same wrap as [`Core::alloc_id`]).
    fn alloc_child_id(&mut self) -> ChildSaId {
        let id = self.next_child_id;
        self.next_child_id = next_free(id, |h| self.children.contains_key(&ChildSaId(h)));
        ChildSaId(id)
    }

    /// A fresh cookie: not one of an SA in the table.
    fn cookie(&mut self, sas: &SaTable) -> Cookie {
        loop {
            let c = Cookie::random(&mut *self.rng);
            // 64 random bits: a clash is all but impossible, and only an
            // exact (icookie, rcookie) clash would matter; checking the
            // pair keeps this O(1) under a flood of first messages.
            if !sas.has_cookies(c, Cookie::ZERO) {
                return c;
            }
        }
    }

    fn message_id(&mut self, sa: &IkeSa) -> u32 {
        loop {
            let m = self.rng.next_u32();
            if m != 0 && !sa.quick.iter().any(|s| s.message_id == m) && !sa.seen_quick.contains(&m)
            {
                return m;
            }
        }
    }

    /// A fresh inbound SPI: not a child SA's, nor a Quick Mode's of any
    /// IKE SA (both indexed, so this is O(1) at any table size).
    fn spi(rng: &mut dyn CryptoRng, children: &ChildTable, quick_spis: &HashSet<u32>) -> u32 {
        loop {
            let s = rng.next_u32();
            let used = children.has_spi_in(s) || quick_spis.contains(&s);
            if s >= 256 && !used {
                return s;
            }
        }
    }

    /// Removes Quick Mode slot `i` of `sa`, releasing its SPI.
    fn take_slot(&mut self, sa: &mut IkeSa, i: usize) -> Option<QmSlot> {
        if i >= sa.quick.len() {
            return None;
        }
        let slot = sa.quick.remove(i);
        if sa.quick.is_empty() {
            // Most IKE SAs run a Quick Mode now and then: no room kept
            // for one between them.
            sa.quick = Vec::new();
        }
        self.quick_spis.remove(&slot.spi_in);
        Some(slot)
    }

    fn ctx<'a>(
        rng: &'a mut Box<dyn CryptoRng + Send>,
        policy: &'a dyn Policy,
        config: &Config,
        (trace, ike_sa): (&'a mut Trace, Option<IkeSaId>),
        local: SocketAddrV4,
        remote: SocketAddrV4,
    ) -> Ctx<'a> {
        trace.ike_sa = ike_sa;
        Ctx {
            trace,
            rng: &mut **rng,
            policy,
            local,
            remote,
            nat_traversal: config.nat_traversal,
            natt_port: config.natt_port,
            peer_natt_port: config.peer_natt_port,
            force_encap: config.force_udp_encapsulation && config.nat_traversal,
            natt_rfc: config.nat_t_rfc3947,
            natt_drafts: config.nat_t_drafts,
            advertise_dpd: config.advertise_dpd,
            commit: config.quick_mode_commit,
        }
    }

    /// How every flight is resent: the `retransmit_*` settings.
    fn backoff(&self) -> Backoff {
        Backoff {
            interval: self.config.retransmit_interval,
            max: self.config.retransmit_max_interval,
            tries: self.config.retransmit_tries,
        }
    }

    /// How long an exchange under way may last: the half-open timeout,
    /// or longer if that would cut a flight short of its tries (so
    /// `retransmit_tries` holds whatever the intervals; with the default
    /// settings both are a minute).
    fn exchange_life(&self) -> Duration {
        self.config.half_open_timeout.max(self.backoff().budget())
    }

    /// How long a finished exchange answers duplicates: as long as the
    /// peer may still be retransmitting the message we answered last.
    fn linger(&self) -> Duration {
        self.config
            .finished_exchange_linger
            .max(self.backoff().budget())
    }

    /// Drops the core's entries of an SA gone for good.
    fn forget(&mut self, sa: &IkeSa) {
        for q in &sa.quick {
            self.quick_spis.remove(&q.spi_in);
        }
        self.half_open.remove(sa.id);
    }

    #[allow(clippy::too_many_arguments, reason = "the SA's parts, each its own")]
    fn new_sa(
        &mut self,
        sas: &SaTable,
        initiator: bool,
        icookie: Cookie,
        rcookie: Cookie,
        local: SocketAddrV4,
        remote: SocketAddrV4,
        state: Phase1State,
    ) -> IkeSa {
        let mut sa = IkeSa {
            id: self.alloc_id(sas),
            icookie,
            rcookie,
            initiator,
            local,
            remote,
            floated: local.port() == self.config.natt_port,
            phase1: state,
            timers: TimerTable::default(),
            flight: Flight::default(),
            quick: Vec::new(),
            acquires: Vec::new(),
            dpd: Dpd::default(),
            up_since: Instant::ZERO,
            reported_up: false,
            phase2_open: false,
            seen_info: VecDeque::new(),
            seen_quick: VecDeque::new(),
            client: None,
            first_from: None,
            filed_under: None,
            wakeup_filed: table::NOT_FILED,
        };
        sa.timers
            .set(SaTimer::Expire, self.now + self.exchange_life());
        sa
    }
}

/// The handle after `id` (from 1, wrapping past `u32::MAX`) that `taken`
/// does not claim; `id` itself comes back only once every other handle is
/// taken, which no table can hold.
fn next_free(id: u32, taken: impl Fn(u32) -> bool) -> u32 {
    let mut next = id;
    loop {
        next = next.wrapping_add(1).max(1);
        if next == id || !taken(next) {
            return next;
        }
    }
}

#[cfg(test)]
mod handle_tests {
    use super::next_free;

    #[test]
    fn handles_wrap_past_32_bits_to_one_and_skip_those_in_use() {
        assert_eq!(next_free(1, |_| false), 2);
        assert_eq!(next_free(u32::MAX, |_| false), 1, "0 is never a handle");
        let held = [1, 2, 4];
        assert_eq!(
            next_free(u32::MAX - 1, |h| held.contains(&h) || h == u32::MAX),
            3
        );
        // Every other handle taken: the one just given out comes back
        // rather than a loop without end.
        assert_eq!(next_free(7, |h| h != 7), 7);
    }
}
