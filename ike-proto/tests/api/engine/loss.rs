//! Loss, duplication and reordering: retransmissions, their budget, duplicates answered and never processed twice, and the loss runs over a thousand seeds.

use super::*;
use std::net::SocketAddrV4;

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
/// 10390/10391: every MM6 was lost, because MM6 only went out as the
/// answer to an MM5 that got through; the responder now resends MM6 on
/// its own until the initiator speaks under the SA.
#[test]
fn loss_and_duplication_seeds_that_once_failed_now_establish() {
    for seed in [10294, 10295, 10330, 10331, 10048, 10049, 10390, 10391] {
        if let Err(e) = lossy_run(seed, Some(12)) {
            panic!("{e}");
        }
    }
}

/// 1000 seeds of the loss harness with 12 tries: every one establishes.
/// `cargo test --release -p ike-proto --test api -- --ignored thousand`
#[test]
#[ignore = "1000 runs: seconds in release"]
fn a_thousand_lossy_runs_with_twelve_tries_all_establish() {
    let failed: Vec<u64> = (10_000..11_000)
        .filter(|s| lossy_run(*s, Some(12)).is_err())
        .collect();
    println!(
        "12 tries: {}/1000 established; failed: {failed:?}",
        1000 - failed.len()
    );
    assert!(failed.is_empty(), "failed seeds: {failed:?}");
}

/// The same 1000 seeds with the default retransmission settings (five
/// tries, 30 s apart at most): prints how many establish.
#[test]
#[ignore = "1000 runs: seconds in release; reports a figure"]
fn a_thousand_lossy_runs_with_the_default_configuration() {
    let ok = (10_000..11_000)
        .filter(|s| lossy_run(*s, None).is_ok())
        .count();
    // 962/1000 when written (944 before MM6 was resent): five tries at
    // 30 % loss leave some exchange unanswered now and then.
    println!("default configuration: {ok}/1000 established");
    assert!(ok >= 950, "{ok}/1000");
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

/// A spoke and a hub with the seed's policy, the spoke's MM1 to MM5
/// delivered and the hub's MM6 taken off the wire (lost): returns
/// `(spoke, hub, spoke address, hub address, MM6)` at t = 0.
fn main_mode_up_to_mm6(config: Config) -> (Engine, Engine, SocketAddrV4, SocketAddrV4, Vec<u8>) {
    let mut spoke = engine(
        StaticPolicy::seed(b"cisco123", spoke_lan(), hub_lan()),
        config.clone(),
        17,
    );
    let mut hub = engine(
        StaticPolicy::seed(b"cisco123", hub_lan(), spoke_lan()),
        config,
        18,
    );
    let (s, h) = (SocketAddrV4::new(SPOKE, 500), SocketAddrV4::new(HUB, 500));
    spoke
        .initiate(Instant::ZERO, s, h, spoke_selectors())
        .unwrap();
    for _ in 0..2 {
        let out = spoke.poll_transmit().unwrap().payload;
        hub.handle_datagram(Instant::ZERO, h, s, &out);
        let back = hub.poll_transmit().unwrap().payload;
        spoke.handle_datagram(Instant::ZERO, s, h, &back);
    }
    let mm5 = spoke.poll_transmit().unwrap().payload;
    hub.handle_datagram(Instant::ZERO, h, s, &mm5);
    let mm6 = hub.poll_transmit().expect("MM6").payload;
    assert!(hub.poll_transmit().is_none());
    (spoke, hub, s, h, mm6)
}

/// The hub's transmissions due up to `until`, running its timers.
fn hub_sends_until(hub: &mut Engine, until: Instant) -> Vec<(Instant, Vec<u8>)> {
    let mut sent = Vec::new();
    while let Some(at) = hub.poll_timeout().filter(|t| *t <= until) {
        hub.handle_timeout(at);
        while let Some(t) = hub.poll_transmit() {
            sent.push((at, t.payload));
        }
    }
    sent
}

/// The Main Mode responder resends MM6 on its own: the initiator's MM5
/// retries would carry it only when both got through. The first message
/// the initiator sends under the SA (here QM1) stops the resends, and
/// a duplicate MM6 at the initiator is set aside without an answer.
#[test]
fn the_main_mode_responder_resends_mm6_until_the_initiator_speaks() {
    let (mut spoke, mut hub, s, h, mm6) = main_mode_up_to_mm6(Config::default());
    let resent = hub_sends_until(&mut hub, Instant::from_secs(3));
    assert_eq!(resent.len(), 1, "one resend within 3 s");
    assert_eq!(resent[0].1, mm6, "the same MM6 again");
    spoke.handle_datagram(Instant::from_secs(3), s, h, &mm6);
    let qm1 = spoke.poll_transmit().expect("QM1").payload;
    spoke.handle_datagram(Instant::from_secs(3), s, h, &mm6);
    assert!(
        spoke.poll_transmit().is_none(),
        "a duplicate MM6 gets no answer"
    );
    assert_eq!(spoke.counters().duplicates, 1);
    hub.handle_datagram(Instant::from_secs(3), h, s, &qm1);
    let qm2 = hub.poll_transmit().expect("QM2").payload;
    spoke.handle_datagram(Instant::from_secs(3), s, h, &qm2);
    let qm3 = spoke.poll_transmit().expect("QM3").payload;
    hub.handle_datagram(Instant::from_secs(3), h, s, &qm3);
    assert_eq!((spoke.child_sas().len(), hub.child_sas().len()), (1, 1));
    let later = hub_sends_until(&mut hub, Instant::from_secs(120));
    assert!(
        later.iter().all(|(_, p)| *p != mm6),
        "MM6 stopped once QM1 came"
    );
}

/// An initiator that never speaks again: MM6 goes out the configured
/// number of times, then the resends stop and the phase-1 SA stays up
/// (the SA is complete on the responder's side; an initiator still
/// without MM6 retries MM5, which is still answered). DPD off: it would
/// rightly declare the silent peer dead.
#[test]
fn mm6_resends_end_without_tearing_the_sa_down() {
    let config = Config {
        dpd: None,
        ..Config::default()
    };
    let (_spoke, mut hub, _s, _h, mm6) = main_mode_up_to_mm6(config);
    let resent = hub_sends_until(&mut hub, Instant::from_secs(300));
    let tries = Config::default().retransmit_tries as usize;
    assert_eq!(resent.len(), tries - 1, "{tries} sends of MM6 in all");
    assert!(resent.iter().all(|(_, p)| *p == mm6));
    let rows = hub.ike_sa_rows();
    assert_eq!(rows.len(), 1, "the SA stays");
    assert_eq!(rows[0].state.as_str(), "QM_IDLE");
}
