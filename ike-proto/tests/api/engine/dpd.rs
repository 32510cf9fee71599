//! Dead peer detection: periodic and on-demand R-U-THERE, a live peer kept, a silent one found dead.

use super::*;

#[test]
fn dpd_keeps_a_live_peer_and_detects_a_silent_one() {
    let mut pair = seed_pair(dpd_config(), 71);
    pair.initiate_a(spoke_selectors());
    pair.run_for(Duration::from_secs(120));
    assert!(
        pair.a_events
            .iter()
            .all(|e| !matches!(e, Event::PeerDead { .. }))
    );
    assert!(
        pair.b_events
            .iter()
            .all(|e| !matches!(e, Event::PeerDead { .. }))
    );
    let a_log = log_lines(&pair.a_events).join("\n");
    assert!(a_log.contains("R-U-THERE"), "{a_log}");

    // The hub goes silent.
    pair.silent = Some(Side::B);
    let went_silent = pair.now;
    pair.run_for(Duration::from_secs(60));
    let dead_at = pair
        .a_events
        .iter()
        .position(|e| matches!(e, Event::PeerDead { .. }))
        .expect("spoke declared the hub dead");
    assert!(pair.a_events[dead_at..].iter().any(|e| matches!(
        e,
        Event::ChildSaDown {
            reason: DownReason::PeerDead,
            ..
        }
    )));
    assert!(pair.a_events[dead_at..].iter().any(|e| matches!(
        e,
        Event::IkeSaDown {
            reason: DownReason::PeerDead,
            ..
        }
    )));
    assert!(pair.a.ike_sas().is_empty() && pair.a.child_sas().is_empty());
    assert!(pair.now >= went_silent + Duration::from_secs(20));
}

#[test]
fn periodic_dpd_probes_even_a_busy_peer() {
    let config = Config {
        dpd: Some(DpdConfig {
            interval: Duration::from_secs(10),
            retry: Duration::from_secs(2),
            retries: 3,
            mode: DpdMode::Periodic,
        }),
        ..Config::default()
    };
    let mut pair = seed_pair(config, 161);
    pair.initiate_a(spoke_selectors());
    pair.run_for(Duration::from_secs(65));
    let probes = log_lines(&pair.a_events)
        .iter()
        .filter(|l| l.contains("R-U-THERE sequence"))
        .count();
    assert!((5..=7).contains(&probes), "{probes}");
    assert!(
        pair.a_events
            .iter()
            .all(|e| !matches!(e, Event::PeerDead { .. }))
    );
}

/// `configure replace` of `crypto isakmp keepalive` on an SA already up:
/// turned off, the spoke sends no more R-U-THERE; turned back on with
/// another interval, it probes at the new pace.
#[test]
fn dpd_set_live_stops_and_restarts_the_probes_of_an_sa_already_up() {
    let periodic = |secs| DpdConfig {
        interval: Duration::from_secs(secs),
        retry: Duration::from_secs(2),
        retries: 3,
        mode: DpdMode::Periodic,
    };
    let config = Config {
        dpd: Some(periodic(10)),
        ..Config::default()
    };
    let mut pair = seed_pair(config, 163);
    pair.initiate_a(spoke_selectors());
    pair.run_for(Duration::from_secs(25));
    let probes = |pair: &Pair| {
        log_lines(&pair.a_events)
            .iter()
            .filter(|l| l.contains("R-U-THERE sequence"))
            .count()
    };
    let before = probes(&pair);
    assert!(before >= 2, "{before}");

    let now = pair.now;
    assert!(pair.a.set_liveness(now, None, Duration::from_secs(20)));
    assert!(!pair.a.set_liveness(now, None, Duration::from_secs(20)));
    pair.run_for(Duration::from_secs(60));
    assert_eq!(probes(&pair), before);

    let now = pair.now;
    assert!(
        pair.a
            .set_liveness(now, Some(periodic(5)), Duration::from_secs(20))
    );
    pair.run_for(Duration::from_secs(31));
    let after = probes(&pair) - before;
    assert!((5..=7).contains(&after), "{after}");
    assert_eq!(pair.a.ike_sas().len(), 1);
    assert!(
        pair.a_events
            .iter()
            .all(|e| !matches!(e, Event::PeerDead { .. }))
    );
}

#[test]
fn probe_peer_finds_a_silent_peer_dead_without_periodic_dpd_and_keeps_a_live_one() {
    // The hub (B) runs no DPD of its own; the spoke (A) sends the DPD
    // vendor ID, so the hub may probe it on demand.
    let spoke = engine(
        StaticPolicy::seed(b"cisco123", spoke_lan(), hub_lan()),
        dpd_config(),
        91,
    );
    let hub = engine(
        StaticPolicy::seed(b"cisco123", hub_lan(), spoke_lan()),
        Config {
            dpd: None,
            ..Config::default()
        },
        1091,
    );
    let mut pair = Pair::new(spoke, SPOKE, hub, HUB, 91);
    pair.initiate_a(spoke_selectors());
    pair.run_for(Duration::from_secs(5));
    let ike = pair.b.ike_sas()[0].id;

    // Alive: the probe is answered, nothing goes down.
    pair.b.probe_peer(pair.now, ike).unwrap();
    pair.run_for(Duration::from_secs(30));
    assert!(
        pair.b_events
            .iter()
            .all(|e| !matches!(e, Event::PeerDead { .. }))
    );
    let b_log = log_lines(&pair.b_events).join("\n");
    assert!(b_log.contains("DPD/R-U-THERE sequence 1 sent"), "{b_log}");

    // Silent: declared dead after the default retries (5 × 2 s), its
    // child SAs with it.
    pair.silent = Some(Side::A);
    pair.b.probe_peer(pair.now, ike).unwrap();
    pair.run_for(Duration::from_secs(20));
    // Nothing else would have found it: the hub has no DPD timer.
    let dead = pair
        .b_events
        .iter()
        .position(|e| matches!(e, Event::PeerDead { .. }))
        .expect("hub declared the spoke dead");
    assert!(pair.b_events[dead..].iter().any(|e| matches!(
        e,
        Event::ChildSaDown {
            reason: DownReason::PeerDead,
            ..
        }
    )));
    assert!(pair.b.ike_sas().is_empty() && pair.b.child_sas().is_empty());

    // A peer that never sent the DPD vendor ID is not probed.
    let mut quiet = seed_pair(
        Config {
            dpd: None,
            advertise_dpd: false,
            ..Config::default()
        },
        93,
    );
    quiet.initiate_a(spoke_selectors());
    quiet.run_for(Duration::from_secs(5));
    let ike = quiet.b.ike_sas()[0].id;
    assert_eq!(
        quiet.b.probe_peer(quiet.now, ike),
        Err(CommandError::UnknownSa)
    );

    // Without periodic DPD of its own (the seed's spoke has no `crypto
    // isakmp keepalive`), a spoke still says it answers R-U-THERE, as IOS
    // does, so a hub can probe it.
    let mut seedlike = seed_pair(
        Config {
            dpd: None,
            ..Config::default()
        },
        94,
    );
    seedlike.initiate_a(spoke_selectors());
    seedlike.run_for(Duration::from_secs(5));
    let ike = seedlike.b.ike_sas()[0].id;
    assert_eq!(seedlike.b.probe_peer(seedlike.now, ike), Ok(()));
}
