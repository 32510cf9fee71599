//! A Quick Mode first message replayed after the finished exchange's
//! linger (issue 10, item 7): the IKE SA remembers the message IDs of its
//! Quick Modes for its life, so the replay is dropped and counted instead
//! of opening a new exchange (and a second child SA for the same keys'
//! traffic).

use std::net::Ipv4Addr;

use crate::common::seed::{HUB, SPOKE};
use ike_proto::engine::{Config, Engine};
use ike_proto::harness::{Pair, Side};
use ike_proto::policy::{Selectors, StaticPolicy, TrafficSelector};
use ike_proto::time::Duration;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

const QUICK: u8 = 32;

fn lan(a: u8) -> TrafficSelector {
    TrafficSelector::subnet(Ipv4Addr::new(10, a, 0, 0), 16)
}

fn engine(policy: StaticPolicy, seed: u64) -> Engine {
    Engine::new(
        Config::default(),
        Box::new(policy),
        Box::new(ChaCha20Rng::seed_from_u64(seed)),
    )
}

#[test]
fn quick_mode_1_replayed_after_the_linger_is_dropped() {
    let spoke = engine(StaticPolicy::seed(b"cisco123", lan(2), lan(1)), 1);
    let hub = engine(StaticPolicy::seed(b"cisco123", lan(1), lan(2)), 2);
    let mut pair = Pair::new(spoke, SPOKE, hub, HUB, 3);
    pair.initiate_a(Selectors {
        local: lan(2),
        remote: lan(1),
    });
    pair.run_for(Duration::from_secs(5));
    assert_eq!(pair.b.child_sas().len(), 1);
    let qm1 = pair
        .captured
        .iter()
        .find(|c| c.from == Side::A && c.payload.get(18) == Some(&QUICK))
        .expect("the spoke's QM1")
        .clone();
    // Past the 60 s the finished exchange lingers to answer duplicates.
    let linger = Config::default().finished_exchange_linger;
    pair.run_for(linger + Duration::from_secs(5));
    let replays = pair.b.counters().replays;
    let sent = pair.captured.len();
    let now = pair.now;
    pair.b.handle_datagram(now, qm1.dst, qm1.src, &qm1.payload);
    pair.flush();
    assert_eq!(pair.b.counters().replays, replays + 1);
    assert_eq!(pair.captured.len(), sent, "no QM2 in answer to the replay");
    pair.run_for(Duration::from_secs(5));
    assert_eq!(pair.b.child_sas().len(), 1, "no second child SA");
    // The IKE SA still runs new Quick Modes (a rekey).
    let child = pair.a.child_sas()[0].id;
    let now = pair.now;
    pair.a.rekey_child_sa(now, child).unwrap();
    pair.run_for(Duration::from_secs(5));
    assert_eq!(pair.b.child_sas().len(), 2, "the rekeyed SA beside the old");
}
