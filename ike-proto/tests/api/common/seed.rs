//! The seed's two peers as engines: the hub and the spoke on documentation
//! addresses, their LANs, the seed's policy, and what the tests check of
//! the child SAs they agree on.

use std::net::Ipv4Addr;

use ike_proto::engine::{ChildSa, ChildSaKeys, Config, Engine, Event};
use ike_proto::harness::Pair;
use ike_proto::policy::{Selectors, StaticPolicy, TrafficSelector};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

pub const SPOKE: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 102);
pub const HUB: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 181);
pub const ATTACKER: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 66);
pub const CLIENT: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 100);

/// The spoke's LAN, 10.2.0.0/16.
pub fn spoke_lan() -> TrafficSelector {
    TrafficSelector::subnet(Ipv4Addr::new(10, 2, 0, 0), 16)
}

/// The hub's LAN, 10.1.0.0/16.
pub fn hub_lan() -> TrafficSelector {
    TrafficSelector::subnet(Ipv4Addr::new(10, 1, 0, 0), 16)
}

/// What the spoke asks for: its LAN to the hub's.
pub fn spoke_selectors() -> Selectors {
    Selectors {
        local: spoke_lan(),
        remote: hub_lan(),
    }
}

/// An engine with `policy`, its randomness from `seed`.
pub fn engine(policy: StaticPolicy, config: Config, seed: u64) -> Engine {
    Engine::new(
        config,
        Box::new(policy),
        Box::new(ChaCha20Rng::seed_from_u64(seed)),
    )
}

/// The seed's spoke (A) and hub (B): 3des/sha/psk/group 2, esp-3des
/// esp-sha-hmac, 10.2.0.0/16 <-> 10.1.0.0/16.
pub fn seed_pair(config: Config, seed: u64) -> Pair {
    let spoke = engine(
        StaticPolicy::seed(b"cisco123", spoke_lan(), hub_lan()),
        config.clone(),
        seed,
    );
    let hub = engine(
        StaticPolicy::seed(b"cisco123", hub_lan(), spoke_lan()),
        config,
        seed + 1000,
    );
    Pair::new(spoke, SPOKE, hub, HUB, seed)
}

/// A child SA with its keys, as the event that brought it up carried
/// them (the engine hands the keys on once and lists its SAs without).
#[derive(Clone, Copy, Debug)]
pub struct Keyed<'a> {
    pub sa: &'a ChildSa,
    pub keys: &'a ChildSaKeys,
}

impl core::ops::Deref for Keyed<'_> {
    type Target = ChildSa;
    fn deref(&self) -> &ChildSa {
        self.sa
    }
}

/// The child SAs `events` brought up (new or rekeyed), with their keys.
pub fn ups(events: &[Event]) -> Vec<Keyed<'_>> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::ChildSaUp { sa, keys } | Event::ChildSaRekeyed { new: sa, keys, .. } => {
                Some(Keyed { sa, keys })
            }
            _ => None,
        })
        .collect()
}

/// A live child SA with its keys, as the event that brought it up carried
/// them.
pub fn keyed<'a>(events: &'a [Event], sa: &ChildSa) -> Keyed<'a> {
    ups(events)
        .into_iter()
        .rev()
        .find(|c| c.id == sa.id)
        .expect("an event brought the SA up")
}

/// The one child SA each side of `pair` brought up, as its event carried
/// it (keys included), checked to be the two ends of one SA.
pub fn one_mirrored(pair: &Pair) -> (Keyed<'_>, Keyed<'_>) {
    let (a, b) = (ups(&pair.a_events), ups(&pair.b_events));
    assert_eq!(
        (a.len(), b.len()),
        (1, 1),
        "A: {:#?}\nB: {:#?}",
        log_lines(&pair.a_events),
        log_lines(&pair.b_events)
    );
    assert_mirrored(a[0], b[0]);
    (a[0], b[0])
}

/// The one child SA each side of `pair` has installed, as its event
/// carried it (keys included), checked to be the two ends of one SA.
pub fn one_installed(pair: &Pair) -> (Keyed<'_>, Keyed<'_>) {
    let (a, b) = (pair.a.child_sas(), pair.b.child_sas());
    assert_eq!(
        (a.len(), b.len()),
        (1, 1),
        "A: {:#?}\nB: {:#?}",
        log_lines(&pair.a_events),
        log_lines(&pair.b_events)
    );
    let (a, b) = (keyed(&pair.a_events, &a[0]), keyed(&pair.b_events, &b[0]));
    assert_mirrored(a, b);
    (a, b)
}

/// `a` and `b` are the two ends of one child SA.
pub fn assert_mirrored(a: Keyed<'_>, b: Keyed<'_>) {
    assert_eq!(a.spi_in, b.spi_out);
    assert_eq!(a.spi_out, b.spi_in);
    assert_eq!(
        a.keys.inbound, b.keys.outbound,
        "A's inbound keys are B's outbound keys"
    );
    assert_eq!(a.keys.outbound, b.keys.inbound);
    assert_eq!(a.selectors, b.selectors.mirrored());
    assert_eq!(a.cipher, b.cipher);
    assert_eq!(a.integrity, b.integrity);
    assert_ne!(a.keys.inbound, a.keys.outbound);
}

/// The IOS debug lines among `events`.
pub fn log_lines(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Log(l) => Some(l.to_string()),
            _ => None,
        })
        .collect()
}
