//! Lifetimes: expiry and rekey without a gap, RESPONDER_LIFETIME in both phases.

use super::*;

/// Tracks the live child SAs of one side through its events.
fn live_over_time(events: &[Event]) -> Vec<usize> {
    let mut live = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for e in events {
        match e {
            Event::ChildSaUp { sa: c, .. } | Event::ChildSaRekeyed { new: c, .. } => {
                live.insert(c.id);
            }
            Event::ChildSaDown { child, .. } => {
                live.remove(child);
            }
            _ => continue,
        }
        out.push(live.len());
    }
    out
}

#[test]
fn lifetimes_expire_and_rekey_without_a_gap() {
    let policy = |local, remote| {
        let mut p = StaticPolicy::seed(b"k", local, remote);
        p.phase1[0].lifetime = Lifetime::seconds(150);
        p.phase2[0].proposals[0].lifetime = Lifetime::new(60, 4_608_000);
        p
    };
    let a = engine(policy(spoke_lan(), hub_lan()), Config::default(), 61);
    let b = engine(policy(hub_lan(), spoke_lan()), Config::default(), 62);
    let mut pair = Pair::new(a, SPOKE, b, HUB, 8);
    pair.initiate_a(spoke_selectors());
    pair.run_for(Duration::from_secs(400));
    for (side, events) in [(Side::A, &pair.a_events), (Side::B, &pair.b_events)] {
        let rekeys = count(events, |e| matches!(e, Event::ChildSaRekeyed { .. }));
        assert!(
            rekeys >= 5,
            "{side:?} rekeyed {rekeys} times: {:#?}",
            log_lines(events)
        );
        let live = live_over_time(events);
        assert!(live.iter().all(|n| *n >= 1), "{side:?} had a gap: {live:?}");
        // Old SAs went away at their hard lifetime (or when the peer's
        // Delete for them arrived first).
        let gone = count(events, |e| {
            matches!(
                e,
                Event::ChildSaDown {
                    reason: DownReason::Expired | DownReason::DeletedByPeer,
                    ..
                }
            )
        });
        assert!(gone >= 4, "{side:?}: {gone}");
        // Phase 1 expired (at least twice) and came back for the rekeys.
        assert!(
            count(events, |e| matches!(e, Event::IkeSaDown { .. })) >= 2,
            "{side:?}"
        );
        assert!(count(events, ike_up) >= 3, "{side:?}");
    }
    // The pairs that are live at the end match.
    let (a, b) = (pair.a.child_sas(), pair.b.child_sas());
    let newest_a = a.iter().max_by_key(|c| c.id).unwrap();
    let peer = b
        .iter()
        .find(|c| c.spi_in == newest_a.spi_out)
        .expect("peer holds the newest SA");
    assert_mirrored(keyed(&pair.a_events, newest_a), keyed(&pair.b_events, peer));
}

#[test]
fn responder_lifetime_is_sent_and_honoured() {
    let a = engine(
        StaticPolicy::seed(b"k", spoke_lan(), hub_lan()),
        Config::default(),
        63,
    );
    let mut hub = StaticPolicy::seed(b"k", hub_lan(), spoke_lan());
    hub.phase2[0].proposals[0].lifetime = Lifetime::new(1800, 4_608_000);
    let mut pair = Pair::new(a, SPOKE, engine(hub, Config::default(), 64), HUB, 9);
    pair.initiate_a(spoke_selectors());
    pair.run_for(Duration::from_secs(5));
    let (a, b) = (pair.a.child_sas(), pair.b.child_sas());
    assert_eq!(a[0].lifetime.seconds, Some(1800));
    assert_eq!(b[0].lifetime.seconds, Some(1800));
}

#[test]
fn a_shorter_phase1_lifetime_comes_back_as_responder_lifetime() {
    let a = engine(
        StaticPolicy::seed(b"k", spoke_lan(), hub_lan()),
        Config::default(),
        171,
    );
    let mut hub = StaticPolicy::seed(b"k", hub_lan(), spoke_lan());
    hub.phase1[0].lifetime = Lifetime::seconds(3600);
    let mut pair = Pair::new(a, SPOKE, engine(hub, Config::default(), 172), HUB, 17);
    pair.initiate_a(spoke_selectors());
    pair.run_for(Duration::from_secs(5));
    assert_eq!(pair.a.ike_sas()[0].lifetime, Lifetime::seconds(3600));
    assert_eq!(pair.b.ike_sas()[0].lifetime, Lifetime::seconds(3600));
    // Held to it: gone (and back, since the child lives) after an hour.
    pair.run_for(Duration::from_secs(3600));
    assert!(
        pair.a_events
            .iter()
            .any(|e| matches!(e, Event::IkeSaDown { .. }))
    );
    assert_eq!(pair.a.ike_sas().len(), 1);
    assert_ne!(pair.a.ike_sas()[0].id, ike_proto::engine::IkeSaId(1));
}

/// A Cisco VPN client proposes a phase-1 life of 2147483 s; the hub's
/// policy of 86400 s goes back as IOS sends it: after AM3 authenticated, in
/// a protected Informational, never in the clear AM2 (vpnc asserts on a
/// RESPONDER_LIFETIME there in the wrong numbering).
#[test]
fn aggressive_mode_responder_lifetime_goes_in_a_protected_informational() {
    let mut pair = vpn_client_pair(b"cisco123", b"cisco123", 23);
    pair.initiate_a(client_selectors());
    pair.run_for(Duration::from_secs(5));
    assert!(
        !plain_notifies(&pair, Side::B).contains(&NotifyType::RESPONDER_LIFETIME.get()),
        "no RESPONDER_LIFETIME in the clear"
    );
    let hub_log = log_lines(&pair.b_events).join("\n");
    // Equal lifetimes: nothing to announce.
    assert!(
        !hub_log.contains("Sending phase 1 responder lifetime"),
        "{hub_log}"
    );

    let cisco_client = Phase1Proposal {
        lifetime: Lifetime::seconds(2_147_483),
        ..Phase1Proposal::seed()
    };
    let mut pair = vpn_client_pair_proposing(b"cisco123", b"cisco123", 24, cisco_client);
    pair.initiate_a(client_selectors());
    pair.run_for(Duration::from_secs(5));
    assert!(
        !plain_notifies(&pair, Side::B).contains(&NotifyType::RESPONDER_LIFETIME.get()),
        "no RESPONDER_LIFETIME in the clear"
    );
    let hub_log = log_lines(&pair.b_events).join("\n");
    let sent = hub_log
        .find("Sending phase 1 responder lifetime 86400")
        .unwrap_or_else(|| panic!("{hub_log}"));
    let authenticated = hub_log.find("SA has been authenticated").unwrap();
    assert!(authenticated < sent, "{hub_log}");
    assert_eq!(pair.a.ike_sas()[0].lifetime, Lifetime::seconds(86_400));
    assert_eq!(pair.b.ike_sas()[0].lifetime, Lifetime::seconds(86_400));
    assert_eq!(ups(&pair.a_events).len(), 1);
}
