//! The engine driven end to end by the in-memory harness: two peers, a
//! virtual clock from zero, a network that loses, duplicates, reorders and
//! tampers on demand.

use std::net::Ipv4Addr;

use ike_proto::engine::{ChildSa, Config, Engine, Event};
use ike_proto::harness::Pair;
use ike_proto::policy::{Selectors, StaticPolicy, TrafficSelector};
use ike_proto::time::Duration;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

const SPOKE: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 102);
const HUB: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 181);

fn spoke_lan() -> TrafficSelector {
    TrafficSelector::subnet(Ipv4Addr::new(10, 2, 0, 0), 16)
}

fn hub_lan() -> TrafficSelector {
    TrafficSelector::subnet(Ipv4Addr::new(10, 1, 0, 0), 16)
}

fn spoke_selectors() -> Selectors {
    Selectors {
        local: spoke_lan(),
        remote: hub_lan(),
    }
}

fn engine(policy: StaticPolicy, config: Config, seed: u64) -> Engine {
    Engine::new(
        config,
        Box::new(policy),
        Box::new(ChaCha20Rng::seed_from_u64(seed)),
    )
}

/// The seed's spoke (A) and hub (B): 3des/sha/psk/group 2, esp-3des
/// esp-sha-hmac, 10.2.0.0/16 <-> 10.1.0.0/16.
fn seed_pair(config: Config, seed: u64) -> Pair {
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

fn ups(events: &[Event]) -> Vec<&ChildSa> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::ChildSaUp(c) => Some(c),
            Event::ChildSaRekeyed { new, .. } => Some(new),
            _ => None,
        })
        .collect()
}

fn assert_mirrored(a: &ChildSa, b: &ChildSa) {
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

fn log_lines(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Log(l) => Some(l.to_string()),
            _ => None,
        })
        .collect()
}

#[test]
fn main_mode_and_quick_mode_with_the_seed_policy() {
    let mut pair = seed_pair(Config::default(), 1);
    pair.initiate_a(spoke_selectors());
    pair.run_for(Duration::from_secs(5));

    let a = ups(&pair.a_events);
    let b = ups(&pair.b_events);
    assert_eq!(a.len(), 1, "{:#?}", log_lines(&pair.a_events));
    assert_eq!(b.len(), 1, "{:#?}", log_lines(&pair.b_events));
    let (a, b) = (a[0], b[0]);
    assert_mirrored(a, b);
    assert_eq!(a.keys_in.encryption.as_bytes().len(), 24);
    assert_eq!(a.keys_in.integrity.as_bytes().len(), 20);
    assert_eq!(a.lifetime.seconds, Some(3600));
    assert_eq!(a.lifetime.kilobytes, Some(4_608_000));
    assert!(a.initiator && !b.initiator);

    // Both IKE SAs are up, and the hub's log speaks IOS.
    assert!(pair.a_events.iter().any(|e| matches!(e, Event::IkeSaUp(_))));
    assert!(pair.b_events.iter().any(|e| matches!(e, Event::IkeSaUp(_))));
    let hub_log = log_lines(&pair.b_events).join("\n");
    for state in [
        "Old State = IKE_READY New State = IKE_R_MM1",
        "Old State = IKE_R_MM1 New State = IKE_R_MM2",
        "Old State = IKE_R_MM2 New State = IKE_R_MM3",
        "Old State = IKE_R_MM4 New State = IKE_R_MM5",
        "Old State = IKE_R_MM5 New State = IKE_P1_COMPLETE",
        "Old State = IKE_QM_READY New State = IKE_QM_SPI_STARVE",
        "Old State = IKE_QM_SPI_STARVE New State = IKE_QM_R_QM2",
        "Old State = IKE_QM_R_QM2 New State = IKE_QM_PHASE2_COMPLETE",
    ] {
        assert!(hub_log.contains(state), "missing {state:?} in\n{hub_log}");
    }
    let spoke_log = log_lines(&pair.a_events).join("\n");
    assert!(
        spoke_log.contains("Old State = IKE_READY New State = IKE_I_MM1"),
        "{spoke_log}"
    );
    assert!(
        spoke_log.contains("New State = IKE_P1_COMPLETE"),
        "{spoke_log}"
    );
}
