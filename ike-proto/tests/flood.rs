//! Floods of spoofed first messages against the seed's hub, on the
//! virtual clock (issue 10, item 3): the half-open table must not lock a
//! legitimate peer out, half-open memory stays bounded, an Aggressive
//! Mode flood costs a bounded number of DHs and is answered at most twice
//! per message.
//!
//! The flood is injected straight into the hub engine at its virtual
//! times (each datagram from its own address, as a spoofer sends them);
//! the legitimate peer talks to the hub through the harness with 100 ms of
//! one-way latency. The figures are printed (`--nocapture`).

use std::collections::HashSet;
use std::net::{Ipv4Addr, SocketAddrV4};

use ike_proto::engine::{Config, Engine, Event};
use ike_proto::harness::{Pair, Side};
use ike_proto::policy::{
    Identity, ModeConfig, ModeConfigAttributes, Phase1Proposal, Phase2Proposal, PresharedKey,
    Profile, Selectors, StaticPhase2, StaticPolicy, StaticPool, TrafficSelector, XauthPassword,
};
use ike_proto::time::{Duration, Instant};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

const SPOKE: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 102);
const HUB: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 181);
/// The bound on half-open memory.
const MEMORY_BOUND: usize = 64 << 20;

/// Counts the heap, so the table's memory is measured, not only estimated
/// from entry sizes.
#[global_allocator]
static HEAP: &stats_alloc::StatsAlloc<std::alloc::System> = &stats_alloc::INSTRUMENTED_SYSTEM;

/// The floods run one at a time, so each measures its own heap.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Heap bytes in use now.
fn heap_in_use() -> usize {
    let s = HEAP.stats();
    // (A realloc's growth and shrinking are in these two already.)
    s.bytes_allocated.saturating_sub(s.bytes_deallocated)
}

fn spoke_lan() -> TrafficSelector {
    TrafficSelector::subnet(Ipv4Addr::new(10, 2, 0, 0), 16)
}

fn hub_lan() -> TrafficSelector {
    TrafficSelector::subnet(Ipv4Addr::new(10, 1, 0, 0), 16)
}

fn engine(policy: StaticPolicy, seed: u64) -> Engine {
    Engine::new(
        Config::default(),
        Box::new(policy),
        Box::new(ChaCha20Rng::seed_from_u64(seed)),
    )
}

fn group() -> Identity {
    Identity::KeyId(b"testgroup".to_vec())
}

/// The n-th spoofed source: every datagram from its own address
/// (100.64.0.0/10 onwards), so per-address limits do not help.
fn spoofed(n: u32) -> SocketAddrV4 {
    SocketAddrV4::new(Ipv4Addr::from(0x6440_0000 + n), 500)
}

/// A first message as `policy`'s initiator sends it, to be replayed with
/// a fresh initiator cookie per spoofed datagram.
fn first_message(policy: StaticPolicy, selectors: Selectors) -> Vec<u8> {
    let mut e = engine(policy, 9);
    e.initiate(
        Instant::ZERO,
        SocketAddrV4::new(Ipv4Addr::new(198, 51, 100, 1), 500),
        SocketAddrV4::new(HUB, 500),
        selectors,
    )
    .unwrap();
    e.poll_transmit().unwrap().payload
}

struct Flood {
    template: Vec<u8>,
    per_second: u32,
    sent: u32,
    peak_entries: usize,
    peak_bytes: usize,
    /// The heap when the flood started, and the most it grew by.
    heap_before: usize,
    peak_heap: usize,
    /// Every spoofed address the hub answered, and how often.
    answers: u64,
    answered: HashSet<Ipv4Addr>,
    /// Injection granularity: the flood arrives in bursts this far apart,
    /// each before anything else due at that instant.
    tick: Duration,
}

impl Flood {
    fn new(template: Vec<u8>, per_second: u32, tick: Duration) -> Self {
        Self {
            template,
            per_second,
            sent: 0,
            peak_entries: 0,
            peak_bytes: 0,
            heap_before: heap_in_use(),
            peak_heap: 0,
            answers: 0,
            answered: HashSet::new(),
            tick,
        }
    }

    /// Runs the pair to `until`, injecting the flood into the hub (B).
    fn run(&mut self, pair: &mut Pair, until: Instant) {
        let per_tick = self.per_second / 1000 * u32::try_from(self.tick.as_millis()).unwrap();
        let hub = pair.b_ike();
        while pair.now < until {
            let now = pair.now;
            for _ in 0..per_tick {
                let mut m = self.template.clone();
                m[..4].copy_from_slice(&self.sent.to_be_bytes());
                m[4..8].copy_from_slice(b"spf!");
                pair.b.handle_datagram(now, hub, spoofed(self.sent), &m);
                self.sent += 1;
            }
            // Everything else due from now until the next burst, after
            // this one (the clock counts milliseconds).
            pair.run_until(now + self.tick - Duration::from_millis(1));
            pair.now = now + self.tick;
            self.account(pair);
        }
    }

    /// What the hub sent to spoofed addresses, and the table's peak.
    fn account(&mut self, pair: &mut Pair) {
        for c in pair.captured.drain(..) {
            if c.from == Side::B && c.dst.ip() != &pair.a_addr {
                self.answers += 1;
                self.answered.insert(*c.dst.ip());
            }
        }
        // The hub's per-flood-SA log lines and failures: not needed.
        pair.b_events
            .retain(|e| !matches!(e, Event::Log(_) | Event::IkeSaFailed { .. }));
        let h = pair.b.half_open();
        self.peak_entries = self.peak_entries.max(h.entries);
        self.peak_bytes = self.peak_bytes.max(h.bytes);
        self.peak_heap = self
            .peak_heap
            .max(heap_in_use().saturating_sub(self.heap_before));
    }
}

/// Runs the pair until A has a child SA (or `limit`), recording when.
fn run_until_child(pair: &mut Pair, flood: &mut Flood, limit: Instant) -> Option<Instant> {
    while pair.now < limit {
        let t = pair.now + Duration::from_millis(100);
        flood.run(pair, t);
        if !pair.a.child_sas().is_empty() {
            return Some(pair.now);
        }
    }
    None
}

/// How often A sent its first message (the first send and its
/// retransmissions).
fn first_sends(pair: &Pair) -> usize {
    pair.a_events
        .iter()
        .filter(|e| match e {
            Event::Log(l) => {
                l.text == "Old State = IKE_READY New State = IKE_I_MM1"
                    || l.text == "Old State = IKE_READY New State = IKE_I_AM1"
                    || l.text.starts_with("retransmitting phase 1 IKE_I_MM1")
                    || l.text.starts_with("retransmitting phase 1 IKE_I_AM1")
            }
            _ => false,
        })
        .count()
}

/// 10,000 spoofed Main Mode first messages per second from distinct
/// addresses: the table stays full of them, yet the seed's spoke, starting
/// once the table is full, comes up (within its first three
/// retransmissions: in fact at its first try), and half-open memory stays
/// far under 64 MiB.
#[test]
#[allow(
    clippy::disallowed_methods,
    reason = "reports the wall time the flood took"
)]
fn spoofed_main_mode_flood_does_not_lock_a_spoke_out() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let wall = std::time::Instant::now();
    let spoke_sel = Selectors {
        local: spoke_lan(),
        remote: hub_lan(),
    };
    let spoke = engine(StaticPolicy::seed(b"cisco123", spoke_lan(), hub_lan()), 1);
    let hub = engine(StaticPolicy::seed(b"cisco123", hub_lan(), spoke_lan()), 2);
    let mut pair = Pair::new(spoke, SPOKE, hub, HUB, 3);
    pair.latency = Duration::from_millis(100);
    let template = first_message(StaticPolicy::seed(b"x", spoke_lan(), hub_lan()), spoke_sel);
    let mut flood = Flood::new(template, 10_000, Duration::from_millis(10));
    // Flood first until the table is full (by entries or by bytes:
    // newcomers evict), then the spoke starts.
    while pair.b.counters().half_open_evicted == 0 {
        assert!(pair.now < Instant::from_secs(5), "the table never filled");
        let t = pair.now + Duration::from_millis(100);
        flood.run(&mut pair, t);
    }
    let start = pair.now;
    pair.initiate_a(spoke_sel);
    let up = run_until_child(&mut pair, &mut flood, start + Duration::from_secs(30))
        .expect("the spoke came up under the flood");
    let took = up.saturating_duration_since(start);
    // The hub installs its side on QM3, one latency later.
    let end = pair.now + Duration::from_secs(1);
    while pair.b.child_sas().is_empty() && pair.now < end {
        let t = pair.now + Duration::from_millis(100);
        flood.run(&mut pair, t);
    }
    let sends = first_sends(&pair);
    assert!(sends <= 4, "MM1 sent {sends} times");
    assert!(pair.a.ike_sas().len() == 1 && pair.b.ike_sas().len() == 1);
    assert_eq!(pair.b.child_sas().len(), 1);
    // Memory: the table's own estimate, and the same from the entry sizes
    // times the most entries it may hold.
    assert!(
        flood.peak_bytes < MEMORY_BOUND,
        "{} bytes",
        flood.peak_bytes
    );
    assert!(flood.peak_entries <= Config::default().half_open_total);
    assert!(flood.peak_bytes <= Config::default().half_open_memory);
    // And as the allocator counts it (the whole process's heap growth).
    assert!(
        flood.peak_heap < MEMORY_BOUND,
        "{} bytes of heap",
        flood.peak_heap
    );
    let c = pair.b.counters();
    assert!(c.half_open_evicted > 0);
    assert_eq!(c.half_open_limit, 0);
    println!(
        "MM flood 10000/s: heap grew by at most {} bytes ({:.1} MiB)",
        flood.peak_heap,
        flood.peak_heap as f64 / f64::from(1 << 20)
    );
    println!(
        "MM flood 10000/s: {} spoofed MM1 in {} ms virtual; half-open peak {} entries, \
         {} bytes ({:.1} MiB, {} bytes/entry); evicted {}; spoke up {} ms after its MM1 \
         ({} MM1 sends); {} answers to {} spoofed addresses; wall {} ms",
        flood.sent,
        pair.now
            .saturating_duration_since(Instant::ZERO)
            .as_millis(),
        flood.peak_entries,
        flood.peak_bytes,
        flood.peak_bytes as f64 / f64::from(1 << 20),
        flood.peak_bytes / flood.peak_entries.max(1),
        c.half_open_evicted,
        took.as_millis(),
        sends,
        flood.answers,
        flood.answered.len(),
        wall.elapsed().as_millis()
    );
}

/// The seed's hub for VPN clients: group testgroup (Aggressive Mode,
/// cisco321), Xauth, Mode Config from 10.5.5.1-254.
fn vpn_hub() -> StaticPolicy {
    let mut p = StaticPolicy::new();
    p.keys_by_identity
        .push((group(), PresharedKey::new(b"cisco321".to_vec())));
    p.aggressive_identities = Some(vec![group()]);
    p.phase1.push(Phase1Proposal::seed());
    p.profiles.push((
        Some(group()),
        Profile {
            name: "VPNclient".into(),
            xauth: true,
            mode_config: ModeConfig::Respond,
        },
    ));
    p.phase2.push(StaticPhase2 {
        peer: None,
        selectors: None,
        proposals: vec![Phase2Proposal::seed()],
    });
    p.xauth_users.push((
        "gfullage".into(),
        XauthPassword::new(b"ikelab-pass".to_vec()),
    ));
    p.mode_config = Some(ModeConfigAttributes::default());
    p.pool = Some(StaticPool::new(
        Ipv4Addr::new(10, 5, 5, 1),
        Ipv4Addr::new(10, 5, 5, 254),
    ));
    p
}

fn vpn_client() -> StaticPolicy {
    StaticPolicy::seed_vpn_client("gfullage", b"ikelab-pass")
}

/// 2,000 spoofed Aggressive Mode first messages per second (group
/// testgroup, from distinct addresses): the hub spends at most its DH
/// budget on them, answers each at most twice, and a Cisco-style VPN
/// client (Xauth, Mode Config) comes up within 30 s.
#[test]
#[allow(
    clippy::disallowed_methods,
    reason = "reports the wall time the flood took"
)]
fn spoofed_aggressive_mode_flood_costs_a_bounded_dh_rate() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let wall = std::time::Instant::now();
    let sel = Selectors {
        local: TrafficSelector::host(Ipv4Addr::new(192, 168, 1, 10)),
        remote: hub_lan(),
    };
    let mut pair = Pair::new(
        engine(vpn_client(), 11),
        SPOKE,
        engine(vpn_hub(), 12),
        HUB,
        13,
    );
    pair.latency = Duration::from_millis(100);
    // Two every millisecond, ahead of the client's messages: its first AM1
    // meets an empty bucket, its retransmission has priority.
    let mut flood = Flood::new(
        first_message(vpn_client(), sel),
        2_000,
        Duration::from_millis(1),
    );
    flood.run(&mut pair, Instant::from_secs(1));
    let start = pair.now;
    pair.initiate_a(sel);
    let up = run_until_child(&mut pair, &mut flood, start + Duration::from_secs(30))
        .expect("the VPN client came up under the flood");
    // Five more seconds of flood: the budget holds over time.
    let end = pair.now + Duration::from_secs(5);
    flood.run(&mut pair, end);
    let took = up.saturating_duration_since(start);
    assert!(took <= Duration::from_secs(30));
    // Its first AM1 met a spent budget; its retransmission had priority.
    assert_eq!(first_sends(&pair), 2);
    assert!(
        pair.a_events
            .iter()
            .any(|e| matches!(e, Event::XauthDone { ok: true, .. }))
    );
    assert!(
        pair.a_events
            .iter()
            .any(|e| matches!(e, Event::ConfigAssigned { .. }))
    );
    let c = pair.b.counters();
    let cfg = Config::default();
    let ms = pair
        .now
        .saturating_duration_since(Instant::ZERO)
        .as_millis();
    let secs = ms / 1000;
    // Every spoofed address answered cost one DH; the budget bounds them.
    let dhs = flood.answered.len() as u64;
    let budget =
        u64::from(cfg.aggressive_dh_burst) + u64::from(cfg.aggressive_dh_per_second) * ms / 1000;
    assert!(dhs <= budget, "{dhs} DHs in {secs} s");
    assert!(c.aggressive_dh_budget >= u64::from(flood.sent) - budget);
    // Answered at most twice (the AM2 and one retransmission).
    assert!(flood.answers <= 2 * dhs, "{} answers", flood.answers);
    assert!(flood.peak_bytes < MEMORY_BOUND);
    assert!(
        flood.peak_heap < MEMORY_BOUND,
        "{} bytes of heap",
        flood.peak_heap
    );
    println!(
        "AM flood 2000/s: heap grew by at most {} bytes",
        flood.peak_heap
    );
    println!(
        "AM flood 2000/s: {} spoofed AM1 in {} s virtual; {} DHs spent (budget {} over {} s), \
         {} dropped by the budget; {} answers; half-open peak {} entries, {} bytes; \
         client up {} ms after its AM1 ({} AM1 sends); wall {} ms",
        flood.sent,
        secs,
        dhs,
        budget,
        secs,
        c.aggressive_dh_budget,
        flood.answers,
        flood.peak_entries,
        flood.peak_bytes,
        took.as_millis(),
        first_sends(&pair),
        wall.elapsed().as_millis()
    );
}
