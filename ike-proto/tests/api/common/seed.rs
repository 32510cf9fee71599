//! The seed's two peers as engines: the hub and the spoke on documentation
//! addresses, their LANs, the seed's policy, and what the tests check of
//! the child SAs they agree on.

use std::net::Ipv4Addr;

use ike_proto::engine::{ChildSa, Config, Engine, Event};
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

/// The child SAs `events` brought up (new or rekeyed).
pub fn ups(events: &[Event]) -> Vec<&ChildSa> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::ChildSaUp(c) => Some(c),
            Event::ChildSaRekeyed { new, .. } => Some(new),
            _ => None,
        })
        .collect()
}

/// A live child SA with its keys, as the event that brought it up carried
/// them: the engine hands the keys on once and lists its SAs without.
pub fn keyed<'a>(events: &'a [Event], sa: &ChildSa) -> &'a ChildSa {
    ups(events)
        .into_iter()
        .rev()
        .find(|c| c.id == sa.id)
        .expect("an event brought the SA up")
}

/// The one child SA each side of `pair` brought up, as its event carried
/// it (keys included), checked to be the two ends of one SA.
pub fn one_mirrored(pair: &Pair) -> (&ChildSa, &ChildSa) {
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
pub fn one_installed(pair: &Pair) -> (&ChildSa, &ChildSa) {
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
pub fn assert_mirrored(a: &ChildSa, b: &ChildSa) {
    assert_eq!(a.spi_in, b.spi_out);
    assert_eq!(a.spi_out, b.spi_in);
    assert_eq!(
        a.keys_in, b.keys_out,
        "A's inbound keys are B's outbound keys"
    );
    assert_eq!(a.keys_out, b.keys_in);
    assert_eq!(a.selectors, b.selectors.mirrored());
    assert_eq!(a.cipher, b.cipher);
    assert_eq!(a.integrity, b.integrity);
    assert_ne!(a.keys_in, a.keys_out);
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
