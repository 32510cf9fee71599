//! Every datagram the engine does not accept is counted by why
//! (`Engine::counters`): garbage, unknown cookies, half-open limits,
//! duplicates, and the exchanges' refusals by who was at fault.

use std::net::SocketAddrV4;

use crate::common::seed::{HUB, SPOKE, engine, hub_lan, spoke_lan, spoke_selectors};
use ike_proto::engine::{Config, Counters};
use ike_proto::harness::{Pair, Side};
use ike_proto::policy::{Phase1Cipher, StaticPolicy};
use ike_proto::time::{Duration, Instant};

fn pair(spoke: StaticPolicy, hub: StaticPolicy, seed: u64) -> Pair {
    Pair::new(
        engine(spoke, Config::default(), seed),
        SPOKE,
        engine(hub, Config::default(), seed + 1000),
        HUB,
        seed,
    )
}

#[test]
fn a_fresh_engine_counts_nothing() {
    let hub = engine(
        StaticPolicy::seed(b"k", hub_lan(), spoke_lan()),
        Config::default(),
        1,
    );
    assert_eq!(hub.counters(), Counters::default());
    assert_eq!(hub.counters().rejected(), 0);
}

#[test]
fn what_is_not_ike_is_counted_apart() {
    let mut hub = engine(
        StaticPolicy::seed(b"k", hub_lan(), spoke_lan()),
        Config::default(),
        2,
    );
    let (ike, natt) = (SocketAddrV4::new(HUB, 500), SocketAddrV4::new(HUB, 4500));
    let peer = SocketAddrV4::new(SPOKE, 4500);
    let t = Instant::ZERO;
    hub.handle_datagram(t, ike, peer, b"not isakmp");
    hub.handle_datagram(t, natt, peer, &[0xff]);
    hub.handle_datagram(t, natt, peer, &[0, 0, 1, 2, 0, 0, 0, 1, 9, 9]);
    hub.handle_datagram(t, natt, peer, &[0, 0, 0, 0, 1, 2, 3]);
    let c = hub.counters();
    assert_eq!(c.datagrams, 4);
    assert_eq!(c.unparsable, 2, "{c:?}");
    assert_eq!(c.nat_keepalives, 1);
    assert_eq!(c.esp_in_udp, 1);
    assert_eq!(c.rejected(), 2);
    assert!(hub.poll_transmit().is_none());
}

#[test]
fn duplicates_and_unknown_cookies_are_counted() {
    let mut p = pair(
        StaticPolicy::seed(b"k", spoke_lan(), hub_lan()),
        StaticPolicy::seed(b"k", hub_lan(), spoke_lan()),
        3,
    );
    p.initiate_a(spoke_selectors());
    // The n-th message `side` sent (0: its first).
    let sent = |p: &Pair, side: Side, n: usize| {
        p.captured.iter().filter(|c| c.from == side).nth(n).cloned()
    };
    // Up to the hub's MM6 (its third message): phase 1 is complete on the
    // hub and no Quick Mode has come yet.
    let limit = p.now + Duration::from_secs(5);
    while sent(&p, Side::B, 2).is_none() && p.step(limit) {}
    assert!(p.b.child_sas().is_empty());
    let mm1 = sent(&p, Side::A, 0).unwrap();
    let mm5 = sent(&p, Side::A, 2).unwrap();
    let mm6 = sent(&p, Side::B, 2).unwrap();
    // MM5 again (as if the spoke missed MM6): the hub's MM6 again, never
    // a second processing.
    let now = p.now;
    p.b.handle_datagram(now, mm5.dst, mm5.src, &mm5.payload);
    assert_eq!(p.b.counters().duplicates, 1);
    assert_eq!(p.b.poll_transmit().unwrap().payload, mm6.payload);
    p.run_for(Duration::from_secs(5));
    assert_eq!(p.b.child_sas().len(), 1);
    // The duplicate is the hub's one refusal.
    assert_eq!(p.b.counters().rejected(), 1, "{:?}", p.b.counters());
    assert_eq!(p.a.counters().rejected(), 0, "{:?}", p.a.counters());
    // Once Quick Mode is done the spoke has shown it had MM6: the hub
    // keeps no copy, and a late MM5 is dropped unanswered as out of state.
    let now = p.now;
    p.b.handle_datagram(now, mm5.dst, mm5.src, &mm5.payload);
    assert_eq!(p.b.counters().out_of_state, 1);
    assert!(p.b.poll_transmit().is_none());
    // MM1 with a responder cookie nobody issued.
    let mut forged = mm1.payload.clone();
    forged[8..16].copy_from_slice(&[7; 8]);
    p.b.handle_datagram(now, mm1.dst, mm1.src, &forged);
    assert_eq!(p.b.counters().unknown_cookies, 1);
    assert_eq!(p.b.counters().rejected(), 3);
}

#[test]
fn a_wrong_key_counts_as_peer_misbehaviour_on_the_hub() {
    let mut p = pair(
        StaticPolicy::seed(b"cisco123", spoke_lan(), hub_lan()),
        StaticPolicy::seed(b"cisco124", hub_lan(), spoke_lan()),
        4,
    );
    p.initiate_a(spoke_selectors());
    p.run_for(Duration::from_secs(120));
    let c = p.b.counters();
    assert!(c.peer_misbehaved >= 1, "{c:?}");
    assert_eq!(c.peer_incompatible, 0, "{c:?}");
}

#[test]
fn no_common_proposal_counts_as_an_incompatible_peer() {
    let mut hub = StaticPolicy::seed(b"k", hub_lan(), spoke_lan());
    hub.phase1[0].cipher = Phase1Cipher::Aes128;
    let mut p = pair(StaticPolicy::seed(b"k", spoke_lan(), hub_lan()), hub, 5);
    p.initiate_a(spoke_selectors());
    p.run_for(Duration::from_secs(30));
    let c = p.b.counters();
    assert!(c.peer_incompatible >= 1, "{c:?}");
    assert_eq!(c.peer_misbehaved, 0, "{c:?}");
}

#[test]
fn the_half_open_limit_counts_what_it_turns_away() {
    let config = Config {
        half_open_per_peer: 2,
        ..Config::default()
    };
    let mut hub = engine(StaticPolicy::seed(b"k", hub_lan(), spoke_lan()), config, 6);
    let hub_addr = SocketAddrV4::new(HUB, 500);
    let spoke_addr = SocketAddrV4::new(SPOKE, 500);
    let mut spokes = Vec::new();
    for seed in 0..5 {
        let mut spoke = engine(
            StaticPolicy::seed(b"k", spoke_lan(), hub_lan()),
            Config::default(),
            100 + seed,
        );
        spoke
            .initiate(Instant::ZERO, spoke_addr, hub_addr, spoke_selectors())
            .unwrap();
        let mm1 = spoke.poll_transmit().unwrap();
        hub.handle_datagram(Instant::ZERO, hub_addr, spoke_addr, &mm1.payload);
        spokes.push((spoke, hub.poll_transmit()));
    }
    // Unverified: each newcomer evicts the address's oldest.
    assert_eq!(hub.counters().half_open_evicted, 3);
    assert_eq!(hub.counters().half_open_limit, 0);
    // The last two answer (MM3): verified, they are never evicted, and
    // the address's share is full.
    for (spoke, mm2) in spokes.iter_mut().skip(3) {
        let mm2 = mm2.take().unwrap();
        spoke.handle_datagram(Instant::ZERO, spoke_addr, hub_addr, &mm2.payload);
        let mm3 = spoke.poll_transmit().unwrap();
        hub.handle_datagram(Instant::ZERO, hub_addr, spoke_addr, &mm3.payload);
        assert!(hub.poll_transmit().is_some(), "MM4");
    }
    assert_eq!(hub.half_open().entries, 2);
    assert_eq!(hub.half_open().unverified, 0);
    let mut spoke = engine(
        StaticPolicy::seed(b"k", spoke_lan(), hub_lan()),
        Config::default(),
        200,
    );
    spoke
        .initiate(Instant::ZERO, spoke_addr, hub_addr, spoke_selectors())
        .unwrap();
    let mm1 = spoke.poll_transmit().unwrap();
    hub.handle_datagram(Instant::ZERO, hub_addr, spoke_addr, &mm1.payload);
    assert!(hub.poll_transmit().is_none());
    assert_eq!(hub.counters().half_open_limit, 1);
    assert_eq!(hub.counters().half_open_evicted, 3);
    assert_eq!(hub.counters().datagrams, 8);
}
