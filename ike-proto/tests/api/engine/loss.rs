//! Loss, duplication and reordering: retransmissions, their budget, duplicates answered and never processed twice, and the loss runs over a thousand seeds.

use super::*;

#[test]
fn thirty_percent_loss_and_reordering_still_establish() {
    for seed in 1..=6 {
        // DPD off: with a third of the packets lost, five unanswered
        // R-U-THEREs in a row are expected now and then (that is DPD doing
        // its job); this test is about the exchanges.
        let config = Config {
            dpd: None,
            retransmit_tries: 12,
            retransmit_max_interval: Duration::from_secs(8),
            ..Config::default()
        };
        let mut pair = seed_pair(config, 100 + seed);
        pair.loss_permille = 300;
        pair.jitter = Duration::from_millis(400);
        pair.initiate_a(spoke_selectors());
        pair.run_for(Duration::from_secs(300));
        let (a, b) = (pair.a.child_sas(), pair.b.child_sas());
        assert_eq!(
            (a.len(), b.len()),
            (1, 1),
            "seed {seed}: {:#?}",
            log_lines(&pair.a_events)
        );
        assert_mirrored(keyed(&pair.a_events, &a[0]), keyed(&pair.b_events, &b[0]));
    }
}

#[test]
fn duplicated_messages_are_never_processed_twice() {
    let mut pair = seed_pair(Config::default(), 51);
    pair.duplicate_permille = 1000;
    pair.initiate_a(spoke_selectors());
    pair.run_for(Duration::from_secs(30));
    assert_eq!(count(&pair.a_events, is_up), 1);
    assert_eq!(count(&pair.b_events, is_up), 1);
    assert_eq!(count(&pair.a_events, ike_up), 1);
    assert_eq!(count(&pair.b_events, ike_up), 1);
    for (side, events) in [(Side::A, &pair.a_events), (Side::B, &pair.b_events)] {
        let log = log_lines(events);
        for line in &log {
            if line.contains("Old State")
                && !line.contains("IKE_P1_COMPLETE New State = IKE_P1_COMPLETE")
            {
                assert_eq!(
                    log.iter().filter(|l| *l == line).count(),
                    1,
                    "{side:?} did {line:?} twice"
                );
            }
        }
        assert!(
            log.iter().any(|l| l.contains("duplicate packet")),
            "{side:?}: {log:#?}"
        );
    }
    assert_mirrored(
        keyed(&pair.a_events, &pair.a.child_sas()[0]),
        keyed(&pair.b_events, &pair.b.child_sas()[0]),
    );
}

#[test]
fn retransmissions_back_off_and_give_up() {
    let mut pair = seed_pair(Config::default(), 191);
    pair.silent = Some(Side::B);
    pair.initiate_a(spoke_selectors());
    pair.run_for(Duration::from_secs(120));
    let sent: Vec<u64> = pair
        .captured
        .iter()
        .filter(|c| c.from == Side::A)
        .map(|c| c.at.as_millis() / 1000)
        .collect();
    // 2 s doubling, capped at 30 s, five sends in all.
    assert_eq!(sent, [0, 2, 6, 14, 30]);
    assert!(
        pair.a_events
            .iter()
            .any(|e| matches!(e, Event::IkeSaFailed { error: None, .. }))
    );
    assert!(
        pair.a_events
            .iter()
            .any(|e| matches!(e, Event::ChildSaFailed { error: None, .. }))
    );
    assert!(pair.a.ike_sa_rows().is_empty());
    assert_eq!(pair.a.poll_timeout(), None);
}

/// The issue-11 loss harness: 30 % loss, 10 % duplication, 400 ms jitter,
/// DPD off, with `tries` sends of each message (and at most 8 s between
/// them), or the default retransmission settings.
fn lossy_pair(seed: u64, tries: Option<u32>) -> Pair {
    let mut config = Config {
        dpd: None,
        ..Config::default()
    };
    if let Some(tries) = tries {
        config.retransmit_tries = tries;
        config.retransmit_max_interval = Duration::from_secs(8);
    }
    let mut pair = seed_pair(config, seed);
    pair.loss_permille = 300;
    pair.duplicate_permille = 100;
    pair.jitter = Duration::from_millis(400);
    pair.initiate_a(spoke_selectors());
    pair.run_for(Duration::from_secs(300));
    pair
}

/// Whether both sides of a lossy run hold the one mirrored child SA.
fn lossy_run(seed: u64, tries: Option<u32>) -> Result<(), String> {
    let pair = lossy_pair(seed, tries);
    let (a, b) = (pair.a.child_sas(), pair.b.child_sas());
    if (a.len(), b.len()) != (1, 1) {
        return Err(format!(
            "seed {seed}: {} / {} child SAs\nA: {:#?}\nB: {:#?}",
            a.len(),
            b.len(),
            log_lines(&pair.a_events),
            log_lines(&pair.b_events)
        ));
    }
    assert_mirrored(keyed(&pair.a_events, &a[0]), keyed(&pair.b_events, &b[0]));
    Ok(())
}

/// Seeds that lost an exchange under loss and duplication (the harness
/// seeds n and n + 1 share the network's randomness). 10294/10295: the
/// initiator's last MM5 tries were cut by the one-minute half-open
/// timeout, while its flight had 12 tries to make. 10330/10331: the
/// initiator's finished Quick Mode stopped answering after its one-minute
/// linger while the responder, never having had QM3, still retransmitted
/// QM2 (a replay to the initiator by then). 10048/10049: the responder
/// never answered a retransmitted MM1 after its own two MM2 were lost.
#[test]
fn loss_and_duplication_seeds_that_once_failed_now_establish() {
    for seed in [10294, 10295, 10330, 10331, 10048, 10049] {
        if let Err(e) = lossy_run(seed, Some(12)) {
            panic!("{e}");
        }
    }
}

/// Seeds 10390/10391 stay beyond the retry budget, and show it is spent
/// in full: the initiator sends MM5 all 12 times (no timer cuts the flight
/// short: the last goes out before the half-open SA expires), the
/// responder answers every MM5 that reaches it with MM6, and the network
/// loses every one of those answers.
#[test]
fn seeds_beyond_the_retry_budget_spend_all_twelve_tries() {
    for seed in [10390, 10391] {
        assert_lost_beyond_the_budget(seed);
    }
}

/// Seed `seed` failed only because the network lost every answer within
/// the retry budget: the initiator sent MM5 all twelve times, the
/// responder completed phase 1 and answered, and no MM6 ever reached the
/// initiator (nothing was ignored or refused there).
fn assert_lost_beyond_the_budget(seed: u64) {
    {
        let pair = lossy_pair(seed, Some(12));
        let sent = |from: Side, encrypted: bool| {
            pair.captured
                .iter()
                .filter(|c| c.from == from && (c.payload.get(19) == Some(&1)) == encrypted)
                .count()
        };
        // MM5 is the initiator's only encrypted phase-1 message.
        assert_eq!(sent(Side::A, true), 12, "seed {seed}: MM5 sends");
        let mm6 = sent(Side::B, true);
        assert!(mm6 > 0, "seed {seed}: the responder answered");
        let log = log_lines(&pair.a_events);
        assert!(
            pair.a_events
                .iter()
                .any(|e| matches!(e, Event::IkeSaFailed { error: None, .. })),
            "seed {seed}: {log:#?}"
        );
        // An MM6 that reached A would have completed phase 1 or been
        // counted as set aside: none did, so every one was lost on the wire.
        assert!(!log.iter().any(|l| l.contains("SA has been authenticated")));
        let c = pair.a.counters();
        assert_eq!((c.ignored, c.rejected()), (0, 0), "seed {seed}: {c:?}");
        assert!(
            pair.b_events.iter().any(ike_up),
            "seed {seed}: the responder completed phase 1"
        );
        assert_eq!(pair.a.child_sas().len(), 0);
    }
}

/// 1000 seeds of the loss harness with 12 tries.
/// `cargo test --release -p ike-proto --test api -- --ignored thousand`
#[test]
#[ignore = "1000 runs: seconds in release"]
fn a_thousand_lossy_runs_with_twelve_tries_fail_only_beyond_the_budget() {
    let failed: Vec<u64> = (10_000..11_000)
        .filter(|s| lossy_run(*s, Some(12)).is_err())
        .collect();
    println!(
        "12 tries: {}/1000 established; failed: {failed:?}",
        1000 - failed.len()
    );
    // 998/1000 when written: 10390 and 10391 (which share the harness's
    // network randomness) lose all seven MM6 answers, a 0.3^7 event the
    // budget allows about once in 4,500 runs. Anything else is a bug.
    for seed in failed {
        assert_lost_beyond_the_budget(seed);
    }
}

/// The same 1000 seeds with the default retransmission settings (five
/// tries, 30 s apart at most): prints how many establish.
#[test]
#[ignore = "1000 runs: seconds in release; reports a figure"]
fn a_thousand_lossy_runs_with_the_default_configuration() {
    let ok = (10_000..11_000)
        .filter(|s| lossy_run(*s, None).is_ok())
        .count();
    println!("default configuration: {ok}/1000 established");
    assert!(ok >= 900, "{ok}/1000");
}

/// A retransmitted MM1 (the peer lost our MM2) gets the same MM2 again,
/// counted as a duplicate and never processed twice.
#[test]
fn a_retransmitted_first_message_gets_the_same_answer() {
    let mut spoke = engine(
        StaticPolicy::seed(b"cisco123", spoke_lan(), hub_lan()),
        Config::default(),
        7,
    );
    let mut hub = engine(
        StaticPolicy::seed(b"cisco123", hub_lan(), spoke_lan()),
        Config::default(),
        8,
    );
    let (s, h) = (
        std::net::SocketAddrV4::new(SPOKE, 500),
        std::net::SocketAddrV4::new(HUB, 500),
    );
    spoke
        .initiate(Instant::ZERO, s, h, spoke_selectors())
        .unwrap();
    let mm1 = spoke.poll_transmit().unwrap().payload;
    hub.handle_datagram(Instant::ZERO, h, s, &mm1);
    let mm2 = hub.poll_transmit().unwrap().payload;
    hub.handle_datagram(Instant::from_secs(6), h, s, &mm1);
    let again = hub
        .poll_transmit()
        .expect("the MM1 retransmission is answered");
    assert_eq!(again.payload, mm2);
    assert!(hub.poll_transmit().is_none());
    assert_eq!(hub.counters().duplicates, 1);
    assert_eq!(hub.ike_sa_rows().len(), 1);
}
