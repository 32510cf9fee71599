//! The engine driven end to end by the in-memory harness: two peers, a
//! virtual clock from zero, a network that loses, duplicates, reorders and
//! tampers on demand.

use std::net::Ipv4Addr;

use crate::common::seed::{
    HUB, SPOKE, assert_mirrored, engine, hub_lan, log_lines, seed_pair, spoke_lan, spoke_selectors,
    ups,
};
use ike_proto::engine::{
    CommandError, Config, DownReason, DpdConfig, DpdMode, Encapsulation, Engine, Event, notify,
};
use ike_proto::error::{Error, PeerIncompatible};
use ike_proto::harness::{Pair, Side};
use ike_proto::policy::{
    AuthMethod, DhGroup, EncapMode, EspCipher, Identity, Lifetime, ModeConfig, Phase1Cipher,
    Phase1Hash, Phase1Mode, Phase1Proposal, Phase2Proposal, PresharedKey, Profile, Selectors,
    StaticPhase2, StaticPolicy, TrafficSelector,
};
use ike_proto::time::{Duration, Instant};
use ike_proto::wire::{Datagram as WireDatagram, NotifyType};

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
    // show crypto isakmp sa
    let rows = pair.b.ike_sa_rows();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].state, "QM_IDLE");
    assert!(!rows[0].initiator);
    let info = &pair.b.ike_sas()[0];
    assert_eq!(
        info.expires_at,
        Some(info.established_at + Duration::from_secs(86_400))
    );
}

/// Notify types sent in the clear by `from` (errors before phase 1 has keys).
fn plain_notifies(pair: &Pair, from: Side) -> Vec<u16> {
    pair.captured
        .iter()
        .filter(|c| c.from == from)
        .filter_map(|c| {
            let bytes = c.payload.strip_prefix(&[0u8; 4][..]).unwrap_or(&c.payload);
            match WireDatagram::parse(bytes) {
                Ok(WireDatagram::Plain(m)) => Some(
                    m.notifies()
                        .map(|n| n.notify_type.get())
                        .collect::<Vec<u16>>(),
                ),
                _ => None,
            }
        })
        .flatten()
        .collect()
}

fn count(events: &[Event], f: impl Fn(&Event) -> bool) -> usize {
    events.iter().filter(|e| f(e)).count()
}

fn is_up(e: &Event) -> bool {
    matches!(e, Event::ChildSaUp(_))
}

fn ike_up(e: &Event) -> bool {
    matches!(e, Event::IkeSaUp(_))
}

#[test]
fn aes256_sha256_group14_with_aes_gcm_and_pfs() {
    let p1 = Phase1Proposal {
        cipher: Phase1Cipher::AesCbc { key_bits: 256 },
        hash: Phase1Hash::Sha256,
        auth: AuthMethod::PreSharedKey,
        group: DhGroup::MODP2048,
        lifetime: Lifetime::seconds(28_800),
    };
    let p2 = Phase2Proposal {
        cipher: EspCipher::AesGcm16 { key_bits: 256 },
        integrity: None,
        mode: EncapMode::Tunnel,
        pfs: Some(DhGroup::MODP2048),
        lifetime: Lifetime::new(3600, 4_608_000),
    };
    let policy = |local, remote| {
        let mut p = StaticPolicy::seed(b"s3cr3t", local, remote);
        p.phase1 = vec![p1];
        p.phase2[0].proposals = vec![p2];
        p
    };
    let a = engine(policy(spoke_lan(), hub_lan()), Config::default(), 11);
    let b = engine(policy(hub_lan(), spoke_lan()), Config::default(), 12);
    let mut pair = Pair::new(a, SPOKE, b, HUB, 3);
    pair.initiate_a(spoke_selectors());
    pair.run_for(Duration::from_secs(5));
    let (a, b) = (ups(&pair.a_events), ups(&pair.b_events));
    assert_eq!(
        (a.len(), b.len()),
        (1, 1),
        "{:#?}",
        log_lines(&pair.b_events)
    );
    assert_mirrored(a[0], b[0]);
    assert_eq!(a[0].pfs, Some(DhGroup::MODP2048));
    assert_eq!(a[0].cipher, EspCipher::AesGcm16 { key_bits: 256 });
    assert_eq!(
        a[0].keys_in.encryption.as_bytes().len(),
        36,
        "AES-256 key and 4-byte salt"
    );
    assert!(a[0].keys_in.integrity.as_bytes().is_empty());
    let info = pair.a.ike_sas();
    assert_eq!(info[0].proposal, p1);
}

fn vpn_client_pair(client_key: &[u8], hub_key: &[u8], seed: u64) -> Pair {
    vpn_client_pair_proposing(client_key, hub_key, seed, Phase1Proposal::seed())
}

fn vpn_client_pair_proposing(
    client_key: &[u8],
    hub_key: &[u8],
    seed: u64,
    proposal: Phase1Proposal,
) -> Pair {
    let group = Identity::KeyId(b"testgroup".to_vec());
    let mut client = StaticPolicy::new();
    client.mode = Some(Phase1Mode::Aggressive);
    client.identity = Some(group.clone());
    client
        .keys_by_identity
        .push((group.clone(), PresharedKey::new(client_key.to_vec())));
    client.phase1.push(proposal);
    client.profiles.push((
        None,
        Profile {
            name: "hub".into(),
            xauth: false,
            mode_config: ModeConfig::None,
        },
    ));
    client.phase2.push(StaticPhase2 {
        peer: None,
        selectors: None,
        proposals: vec![Phase2Proposal::seed()],
    });
    let mut hub = StaticPolicy::new();
    hub.keys_by_identity
        .push((group.clone(), PresharedKey::new(hub_key.to_vec())));
    hub.phase1.push(Phase1Proposal::seed());
    // Xauth and Mode Config are tests/transaction.rs's subject.
    hub.profiles.push((
        Some(group),
        Profile {
            name: "VPNclient".into(),
            xauth: false,
            mode_config: ModeConfig::None,
        },
    ));
    hub.phase2.push(StaticPhase2 {
        peer: None,
        selectors: None,
        proposals: vec![Phase2Proposal::seed()],
    });
    Pair::new(
        engine(client, Config::default(), seed),
        Ipv4Addr::new(198, 51, 100, 100),
        engine(hub, Config::default(), seed + 1),
        HUB,
        seed,
    )
}

fn client_selectors() -> Selectors {
    Selectors {
        local: TrafficSelector::host(Ipv4Addr::new(10, 10, 10, 1)),
        remote: TrafficSelector::subnet(Ipv4Addr::new(10, 1, 0, 0), 16),
    }
}

#[test]
fn aggressive_mode_with_key_id_testgroup() {
    let mut pair = vpn_client_pair(b"cisco123", b"cisco123", 21);
    pair.initiate_a(client_selectors());
    pair.run_for(Duration::from_secs(5));
    let (a, b) = (ups(&pair.a_events), ups(&pair.b_events));
    assert_eq!(
        (a.len(), b.len()),
        (1, 1),
        "{:#?}",
        log_lines(&pair.b_events)
    );
    assert_mirrored(a[0], b[0]);
    let hub_sa = pair.b.ike_sas();
    assert_eq!(
        hub_sa[0].peer_identity,
        Identity::KeyId(b"testgroup".to_vec())
    );
    assert_eq!(
        hub_sa[0].profile.as_ref().map(|p| p.name.as_str()),
        Some("VPNclient")
    );
    let hub_log = log_lines(&pair.b_events).join("\n");
    assert!(
        hub_log.contains("Old State = IKE_READY New State = IKE_R_AM_AAA_AWAIT"),
        "{hub_log}"
    );
    assert!(
        hub_log.contains("Old State = IKE_R_AM_AAA_AWAIT New State = IKE_R_AM2"),
        "{hub_log}"
    );
    assert!(hub_log.contains("New State = IKE_P1_COMPLETE"), "{hub_log}");
}

#[test]
fn aggressive_mode_wrong_group_key_is_refused_with_invalid_hash() {
    let mut pair = vpn_client_pair(b"cisco123", b"not-the-key", 22);
    pair.initiate_a(client_selectors());
    pair.run_for(Duration::from_secs(60));
    assert_eq!(
        count(&pair.a_events, ike_up) + count(&pair.b_events, ike_up),
        0
    );
    assert!(ups(&pair.a_events).is_empty() && ups(&pair.b_events).is_empty());
    assert!(plain_notifies(&pair, Side::A).contains(&notify::INVALID_HASH_INFORMATION));
    assert!(pair.b.ike_sas().is_empty() && pair.a.ike_sas().is_empty());
}

#[test]
fn main_mode_wrong_psk_is_refused_on_the_wire_and_leaves_no_sa() {
    let a = engine(
        StaticPolicy::seed(b"cisco123", spoke_lan(), hub_lan()),
        Config::default(),
        31,
    );
    let b = engine(
        StaticPolicy::seed(b"cisco124", hub_lan(), spoke_lan()),
        Config::default(),
        32,
    );
    let mut pair = Pair::new(a, SPOKE, b, HUB, 4);
    pair.initiate_a(spoke_selectors());
    pair.run_for(Duration::from_secs(120));
    let sent = plain_notifies(&pair, Side::B);
    assert!(
        sent.contains(&notify::AUTHENTICATION_FAILED)
            || sent.contains(&notify::INVALID_HASH_INFORMATION),
        "hub sent {sent:?}"
    );
    assert_eq!(
        count(&pair.a_events, ike_up) + count(&pair.b_events, ike_up),
        0
    );
    assert!(ups(&pair.a_events).is_empty() && ups(&pair.b_events).is_empty());
    assert!(pair.a.ike_sas().is_empty() && pair.b.ike_sas().is_empty());
    assert!(pair.a.child_sas().is_empty() && pair.b.child_sas().is_empty());
    assert!(
        pair.a_events
            .iter()
            .any(|e| matches!(e, Event::IkeSaFailed { .. }))
    );
    assert!(
        pair.a_events
            .iter()
            .any(|e| matches!(e, Event::ChildSaFailed { .. }))
    );
}

#[test]
fn no_common_phase1_proposal_gets_no_proposal_chosen() {
    let a = engine(
        StaticPolicy::seed(b"k", spoke_lan(), hub_lan()),
        Config::default(),
        41,
    );
    let mut hub = StaticPolicy::seed(b"k", hub_lan(), spoke_lan());
    hub.phase1[0].cipher = Phase1Cipher::AesCbc { key_bits: 128 };
    let mut pair = Pair::new(a, SPOKE, engine(hub, Config::default(), 42), HUB, 5);
    pair.initiate_a(spoke_selectors());
    pair.run_for(Duration::from_secs(30));
    assert!(plain_notifies(&pair, Side::B).contains(&notify::NO_PROPOSAL_CHOSEN));
    assert!(pair.a_events.iter().any(|e| matches!(
        e,
        Event::IkeSaFailed {
            error: Some(Error::PeerIncompatible(PeerIncompatible::NoProposalChosen)),
            ..
        }
    )));
    assert!(pair.a.ike_sas().is_empty() && pair.b.ike_sas().is_empty());
}

#[test]
fn no_common_phase2_proposal_gets_no_proposal_chosen() {
    let a = engine(
        StaticPolicy::seed(b"k", spoke_lan(), hub_lan()),
        Config::default(),
        43,
    );
    let mut hub = StaticPolicy::seed(b"k", hub_lan(), spoke_lan());
    hub.phase2[0].proposals[0].cipher = EspCipher::AesCbc { key_bits: 256 };
    let mut pair = Pair::new(a, SPOKE, engine(hub, Config::default(), 44), HUB, 6);
    pair.initiate_a(spoke_selectors());
    pair.run_for(Duration::from_secs(30));
    assert_eq!(count(&pair.a_events, ike_up), 1);
    assert!(ups(&pair.a_events).is_empty() && ups(&pair.b_events).is_empty());
    assert!(pair.a_events.iter().any(|e| matches!(
        e,
        Event::NotifyReceived {
            ty: notify::NO_PROPOSAL_CHOSEN,
            authenticated: true,
            ..
        }
    )));
    assert!(pair.a_events.iter().any(|e| matches!(
        e,
        Event::ChildSaFailed {
            error: Some(Error::PeerIncompatible(PeerIncompatible::NoProposalChosen)),
            ..
        }
    )));
}

#[test]
fn selectors_the_hub_does_not_protect_get_invalid_id_information() {
    let mut spoke = StaticPolicy::seed(b"k", spoke_lan(), hub_lan());
    spoke.phase2[0].selectors = Some(Selectors {
        local: spoke_lan(),
        remote: TrafficSelector::subnet(Ipv4Addr::new(172, 16, 0, 0), 12),
    });
    let a = engine(spoke, Config::default(), 45);
    let b = engine(
        StaticPolicy::seed(b"k", hub_lan(), spoke_lan()),
        Config::default(),
        46,
    );
    let mut pair = Pair::new(a, SPOKE, b, HUB, 7);
    pair.initiate_a(Selectors {
        local: spoke_lan(),
        remote: TrafficSelector::host(Ipv4Addr::new(172, 16, 1, 1)),
    });
    pair.run_for(Duration::from_secs(30));
    assert!(pair.a_events.iter().any(|e| matches!(
        e,
        Event::ChildSaFailed {
            error: Some(Error::PeerIncompatible(
                PeerIncompatible::InvalidIdInformation
            )),
            ..
        }
    )));
}

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
        assert_mirrored(&a[0], &b[0]);
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
    assert_mirrored(&pair.a.child_sas()[0], &pair.b.child_sas()[0]);
}

/// Tracks the live child SAs of one side through its events.
fn live_over_time(events: &[Event]) -> Vec<usize> {
    let mut live = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for e in events {
        match e {
            Event::ChildSaUp(c) | Event::ChildSaRekeyed { new: c, .. } => {
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
    assert_mirrored(newest_a, peer);
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

fn dpd_config() -> Config {
    Config {
        dpd: Some(DpdConfig {
            interval: Duration::from_secs(10),
            retry: Duration::from_secs(2),
            retries: 5,
            mode: DpdMode::OnIdle,
        }),
        ..Config::default()
    }
}

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
fn initial_contact_after_a_reboot_clears_the_old_sas() {
    let mut pair = seed_pair(Config::default(), 81);
    pair.initiate_a(spoke_selectors());
    pair.run_for(Duration::from_secs(5));
    let old = pair.b.child_sas();
    assert_eq!(old.len(), 1);
    // The spoke reboots: a fresh engine that knows nothing.
    pair.a = engine(
        StaticPolicy::seed(b"cisco123", spoke_lan(), hub_lan()),
        Config::default(),
        82,
    );
    pair.a_events.clear();
    pair.initiate_a(spoke_selectors());
    pair.run_for(Duration::from_secs(5));
    assert!(pair.b_events.iter().any(|e| matches!(
        e,
        Event::ChildSaDown {
            reason: DownReason::InitialContact,
            ..
        }
    )));
    assert!(pair.b_events.iter().any(|e| matches!(
        e,
        Event::IkeSaDown {
            reason: DownReason::InitialContact,
            ..
        }
    )));
    let (a, b) = (pair.a.child_sas(), pair.b.child_sas());
    assert_eq!((a.len(), b.len()), (1, 1));
    assert_ne!(b[0].spi_in, old[0].spi_in);
    assert_mirrored(&a[0], &b[0]);
    assert_eq!(pair.b.ike_sas().len(), 1);
}

#[test]
fn nat_traversal_floats_to_4500_and_follows_a_rebinding() {
    let mut pair = seed_pair(dpd_config(), 91);
    pair.nat_a(Ipv4Addr::new(203, 0, 113, 7));
    pair.initiate_a(spoke_selectors());
    pair.run_for(Duration::from_secs(5));
    let (a, b) = (pair.a.child_sas(), pair.b.child_sas());
    assert_eq!(
        (a.len(), b.len()),
        (1, 1),
        "{:#?}",
        log_lines(&pair.b_events)
    );
    assert_mirrored(&a[0], &b[0]);
    assert_eq!(
        a[0].encapsulation,
        Encapsulation::Udp {
            local_port: 4500,
            remote_port: 4500
        }
    );
    let Encapsulation::Udp { remote_port, .. } = b[0].encapsulation else {
        panic!("hub's SA is not UDP-encapsulated: {:?}", b[0]);
    };
    assert_eq!(b[0].remote.ip(), &Ipv4Addr::new(203, 0, 113, 7));
    assert_eq!(b[0].remote.port(), remote_port);
    let ike_a = &pair.a.ike_sas()[0];
    assert!(ike_a.nat.local_behind && !ike_a.nat.peer_behind);
    let ike_b = &pair.b.ike_sas()[0];
    assert!(ike_b.nat.peer_behind && !ike_b.nat.local_behind);
    // MM5 onwards went to 4500 with the non-ESP marker.
    assert!(
        pair.captured
            .iter()
            .any(|c| c.dst.port() == 4500 && c.payload.len() > 4 && c.payload[..4] == [0; 4])
    );

    // Keepalives flow from the NATed side.
    pair.run_for(Duration::from_secs(45));
    assert!(
        pair.captured
            .iter()
            .any(|c| c.from == Side::A && c.payload == [0xff])
    );

    // The NAT forgets the mapping: the spoke's next packets come from a
    // new port and the hub follows instead of dropping the SA.
    let before = pair.b.ike_sas()[0].remote;
    pair.nat_rebind();
    pair.run_for(Duration::from_secs(60));
    let after = pair.b.ike_sas()[0].remote;
    assert_ne!(before, after);
    assert!(
        pair.b_events
            .iter()
            .any(|e| matches!(e, Event::PeerAddressChanged { .. }))
    );
    assert_eq!(pair.b.child_sas()[0].remote, after);
    assert!(
        pair.b_events
            .iter()
            .all(|e| !matches!(e, Event::PeerDead { .. }))
    );
}

#[test]
fn delete_from_the_spoke_removes_the_hub_sa() {
    let mut pair = seed_pair(Config::default(), 95);
    pair.initiate_a(spoke_selectors());
    pair.run_for(Duration::from_secs(5));
    let child = pair.a.child_sas()[0].id;
    let now = pair.now;
    pair.a.delete_child_sa(now, child).unwrap();
    pair.run_for(Duration::from_secs(1));
    assert!(pair.b.child_sas().is_empty());
    assert!(pair.b_events.iter().any(|e| matches!(
        e,
        Event::ChildSaDown {
            reason: DownReason::DeletedByPeer,
            ..
        }
    )));
    let ike = pair.a.ike_sas()[0].id;
    let now = pair.now;
    pair.a.delete_ike_sa(now, ike).unwrap();
    pair.run_for(Duration::from_secs(1));
    assert!(pair.b.ike_sas().is_empty());
    assert!(pair.b_events.iter().any(|e| matches!(
        e,
        Event::IkeSaDown {
            reason: DownReason::DeletedByPeer,
            ..
        }
    )));
}

#[test]
fn tampered_packets_never_panic_and_never_establish() {
    for target in 0..12usize {
        let mut pair = seed_pair(
            Config {
                retransmit_tries: 3,
                ..Config::default()
            },
            200 + target as u64,
        );
        let mut n = 0usize;
        pair.tamper = Some(Box::new(move |c| {
            n += 1;
            if n == target + 1 {
                let len = c.payload.len();
                // Flip a byte past the header (payloads or ciphertext).
                if len > 40 {
                    c.payload[30 + (n * 7) % (len - 31)] ^= 0x5a;
                }
            }
            true
        }));
        pair.initiate_a(spoke_selectors());
        pair.run_for(Duration::from_secs(120));
        // Either the exchange recovered (the damaged copy was dropped and a
        // retransmission got through) and the keys agree, or nothing is up.
        let (a, b) = (pair.a.child_sas(), pair.b.child_sas());
        if let (Some(a), Some(b)) = (a.first(), b.first()) {
            assert_mirrored(a, b);
        }
    }
}

#[test]
fn the_clock_starts_at_zero_and_the_engine_sleeps_when_idle() {
    let mut pair = seed_pair(
        Config {
            dpd: None,
            ..Config::default()
        },
        99,
    );
    assert_eq!(pair.now, Instant::ZERO);
    assert_eq!(pair.a.poll_timeout(), None);
    pair.initiate_a(spoke_selectors());
    pair.run_for(Duration::from_secs(5));
    // Next wake-ups: lifetimes only (no DPD): the child's soft lifetime.
    // A finished Quick Mode lingers a minute to answer retransmissions,
    // then only the child's soft lifetime is left.
    pair.run_for(Duration::from_secs(70));
    let t = pair.a.poll_timeout().unwrap();
    assert!(t >= Instant::from_secs(3000), "{t:?}");
}

#[test]
fn the_commit_bit_holds_the_sa_until_connected() {
    let config = Config {
        quick_mode_commit: true,
        ..Config::default()
    };
    let mut pair = seed_pair(config, 111);
    pair.initiate_a(spoke_selectors());
    pair.run_for(Duration::from_secs(5));
    let (a, b) = (ups(&pair.a_events), ups(&pair.b_events));
    assert_eq!(
        (a.len(), b.len()),
        (1, 1),
        "{:#?}",
        log_lines(&pair.a_events)
    );
    assert_mirrored(a[0], b[0]);
    let a_log = log_lines(&pair.a_events).join("\n");
    assert!(a_log.contains("waiting for CONNECTED"), "{a_log}");
    // CONNECTED arrived before the spoke reported the SA.
    let connected = pair
        .a_events
        .iter()
        .position(|e| {
            matches!(
                e,
                Event::NotifyReceived {
                    ty: notify::CONNECTED,
                    ..
                }
            )
        })
        .expect("CONNECTED received");
    let up = pair.a_events.iter().position(is_up).unwrap();
    assert!(connected < up);
}

#[test]
fn half_open_sas_are_capped_per_peer() {
    let config = Config {
        half_open_per_peer: 3,
        ..Config::default()
    };
    let mut hub = engine(
        StaticPolicy::seed(b"k", hub_lan(), spoke_lan()),
        config,
        121,
    );
    let hub_addr = std::net::SocketAddrV4::new(HUB, 500);
    let spoke_addr = std::net::SocketAddrV4::new(SPOKE, 500);
    let mut answered = 0;
    for seed in 0..10 {
        // Ten spokes behind one address each start a Main Mode and vanish.
        let mut spoke = engine(
            StaticPolicy::seed(b"k", spoke_lan(), hub_lan()),
            Config::default(),
            300 + seed,
        );
        spoke
            .initiate(Instant::ZERO, spoke_addr, hub_addr, spoke_selectors())
            .unwrap();
        let mm1 = spoke.poll_transmit().unwrap();
        hub.handle_datagram(Instant::ZERO, hub_addr, spoke_addr, &mm1.payload);
        while let Some(d) = hub.poll_transmit() {
            assert_eq!(d.remote, spoke_addr);
            answered += 1;
        }
    }
    // Each newcomer is answered: the address's oldest unverified SA makes
    // room (a spoofer using a real peer's address cannot keep it out), so
    // the address never holds more than three.
    assert_eq!(answered, 10);
    assert_eq!(hub.half_open().entries, 3);
    assert_eq!(hub.ike_sa_rows().len(), 3);
    assert_eq!(hub.counters().half_open_evicted, 7);
    // They time out and make room again.
    hub.handle_timeout(Instant::from_secs(3600));
    while hub.poll_transmit().is_some() {}
    let mut spoke = engine(
        StaticPolicy::seed(b"k", spoke_lan(), hub_lan()),
        Config::default(),
        400,
    );
    spoke
        .initiate(
            Instant::from_secs(3600),
            spoke_addr,
            hub_addr,
            spoke_selectors(),
        )
        .unwrap();
    let mm1 = spoke.poll_transmit().unwrap();
    hub.handle_datagram(Instant::from_secs(3600), hub_addr, spoke_addr, &mm1.payload);
    assert!(hub.poll_transmit().is_some());
}

#[test]
fn aggressive_mode_behind_a_nat_floats_after_the_second_message() {
    let mut pair = vpn_client_pair(b"cisco123", b"cisco123", 131);
    pair.nat_a(Ipv4Addr::new(203, 0, 113, 9));
    pair.initiate_a(client_selectors());
    pair.run_for(Duration::from_secs(5));
    let (a, b) = (pair.a.child_sas(), pair.b.child_sas());
    assert_eq!(
        (a.len(), b.len()),
        (1, 1),
        "{:#?}",
        log_lines(&pair.b_events)
    );
    assert_mirrored(&a[0], &b[0]);
    assert!(matches!(
        a[0].encapsulation,
        Encapsulation::Udp {
            local_port: 4500,
            ..
        }
    ));
    assert!(matches!(
        b[0].encapsulation,
        Encapsulation::Udp {
            local_port: 4500,
            ..
        }
    ));
    assert!(pair.b.ike_sas()[0].nat.peer_behind);
}

#[test]
fn no_client_ids_mean_the_peers_addresses() {
    let host = |a, b| Selectors {
        local: TrafficSelector::host(a),
        remote: TrafficSelector::host(b),
    };
    let mut spoke = StaticPolicy::seed(b"k", spoke_lan(), hub_lan());
    spoke.send_client_ids = false;
    spoke.phase2[0].selectors = Some(host(SPOKE, HUB));
    spoke.phase2[0].proposals[0].mode = EncapMode::Transport;
    let mut hub = StaticPolicy::seed(b"k", hub_lan(), spoke_lan());
    hub.phase2[0].selectors = Some(host(HUB, SPOKE));
    hub.phase2[0].proposals[0].mode = EncapMode::Transport;
    let mut pair = Pair::new(
        engine(spoke, Config::default(), 141),
        SPOKE,
        engine(hub, Config::default(), 142),
        HUB,
        14,
    );
    pair.initiate_a(host(SPOKE, HUB));
    pair.run_for(Duration::from_secs(5));
    let (a, b) = (pair.a.child_sas(), pair.b.child_sas());
    assert_eq!(
        (a.len(), b.len()),
        (1, 1),
        "{:#?}",
        log_lines(&pair.b_events)
    );
    assert_mirrored(&a[0], &b[0]);
    assert_eq!(b[0].selectors, host(HUB, SPOKE));
    assert_eq!(a[0].mode, EncapMode::Transport);
}

#[test]
fn ranges_protocols_and_ports_travel_as_client_ids() {
    let web = Selectors {
        local: TrafficSelector {
            start: Ipv4Addr::new(10, 2, 0, 10),
            end: Ipv4Addr::new(10, 2, 0, 20),
            protocol: 6,
            port: 0,
        },
        remote: TrafficSelector {
            start: Ipv4Addr::new(10, 1, 0, 80),
            end: Ipv4Addr::new(10, 1, 0, 80),
            protocol: 6,
            port: 443,
        },
    };
    let mut spoke = StaticPolicy::seed(b"k", spoke_lan(), hub_lan());
    spoke.phase2[0].selectors = Some(web);
    let mut pair = Pair::new(
        engine(spoke, Config::default(), 151),
        SPOKE,
        engine(
            StaticPolicy::seed(b"k", hub_lan(), spoke_lan()),
            Config::default(),
            152,
        ),
        HUB,
        15,
    );
    pair.initiate_a(web);
    pair.run_for(Duration::from_secs(5));
    let (a, b) = (pair.a.child_sas(), pair.b.child_sas());
    assert_eq!(
        (a.len(), b.len()),
        (1, 1),
        "{:#?}",
        log_lines(&pair.b_events)
    );
    assert_eq!(a[0].selectors, web);
    assert_eq!(b[0].selectors, web.mirrored());
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

#[test]
fn an_old_peer_speaking_only_the_nat_t_drafts_gets_them() {
    let old = Config {
        nat_t_rfc3947: false,
        ..Config::default()
    };
    let spoke = engine(
        StaticPolicy::seed(b"cisco123", spoke_lan(), hub_lan()),
        old,
        181,
    );
    let hub = engine(
        StaticPolicy::seed(b"cisco123", hub_lan(), spoke_lan()),
        Config::default(),
        182,
    );
    let mut pair = Pair::new(spoke, SPOKE, hub, HUB, 18);
    pair.nat_a(Ipv4Addr::new(203, 0, 113, 8));
    pair.initiate_a(spoke_selectors());
    pair.run_for(Duration::from_secs(5));
    let (a, b) = (pair.a.child_sas(), pair.b.child_sas());
    assert_eq!(
        (a.len(), b.len()),
        (1, 1),
        "{:#?}",
        log_lines(&pair.b_events)
    );
    assert_mirrored(&a[0], &b[0]);
    assert!(matches!(b[0].encapsulation, Encapsulation::Udp { .. }));
    // NAT-D went under the drafts' payload number 130 (in MM3/MM4, in the clear).
    let nat_d_types: Vec<u8> = pair
        .captured
        .iter()
        .filter_map(|c| match WireDatagram::parse(&c.payload) {
            Ok(WireDatagram::Plain(m)) => Some(
                m.payloads
                    .iter()
                    .map(|p| p.payload_type().get())
                    .collect::<Vec<u8>>(),
            ),
            _ => None,
        })
        .flatten()
        .filter(|t| matches!(t, 20 | 130))
        .collect();
    assert!(
        !nat_d_types.is_empty() && nat_d_types.iter().all(|t| *t == 130),
        "{nat_d_types:?}"
    );
}

mod hostile_input {
    use proptest::prelude::*;

    use super::*;

    fn hub() -> Engine {
        engine(
            StaticPolicy::seed(b"cisco123", hub_lan(), spoke_lan()),
            Config::default(),
            7,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

        /// Bytes from nowhere, on 500 or 4500: never a panic, never an SA.
        #[test]
        fn arbitrary_datagrams(data in proptest::collection::vec(any::<u8>(), 0..700), natt in any::<bool>()) {
            let mut hub = hub();
            let port = if natt { 4500 } else { 500 };
            let local = std::net::SocketAddrV4::new(HUB, port);
            let remote = std::net::SocketAddrV4::new(SPOKE, port);
            hub.handle_datagram(Instant::ZERO, local, remote, &data);
            while hub.poll_transmit().is_some() {}
            hub.handle_timeout(Instant::from_secs(120));
            prop_assert!(hub.ike_sas().is_empty() && hub.child_sas().is_empty());
        }

        /// A real negotiation's messages with one byte changed, replayed
        /// into both peers after they are established: never a panic, and
        /// the established child SAs still agree.
        #[test]
        fn mutated_replays(index in any::<usize>(), pos in any::<usize>(), xor in 1u8..=255) {
            let mut pair = seed_pair(Config::default(), 5);
            pair.initiate_a(spoke_selectors());
            pair.run_for(Duration::from_secs(5));
            let captured = pair.captured.clone();
            let c = &captured[index % captured.len()];
            let mut bytes = c.payload.clone();
            let at = pos % bytes.len();
            bytes[at] ^= xor;
            let now = pair.now;
            let to = if c.dst.ip() == &HUB { &mut pair.b } else { &mut pair.a };
            to.handle_datagram(now, c.dst, c.src, &bytes);
            pair.run_for(Duration::from_secs(30));
            let (a, b) = (pair.a.child_sas(), pair.b.child_sas());
            prop_assert_eq!(a.len(), 1);
            prop_assert_eq!(b.len(), 1);
            assert_mirrored(&a[0], &b[0]);
        }
    }
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

/// The vendor IDs in the hub's first answer, in payload order, as hex.
fn responder_vids(pair: &Pair) -> Vec<String> {
    let first = pair
        .captured
        .iter()
        .find(|c| c.from == Side::B)
        .expect("the hub answered");
    let Ok(WireDatagram::Plain(m)) = WireDatagram::parse(&first.payload) else {
        panic!("the hub's first answer is in the clear");
    };
    m.vendor_ids()
        .map(|v| v.data.iter().map(|b| format!("{b:02x}")).collect())
        .collect()
}

/// MM2 and AM2 announce what an IOS hub announces: Cisco Unity, DPD, the
/// one NAT-T dialect chosen (vpnc takes the first NAT-T VID it sees, so a
/// list would downgrade it) and Xauth. The values are the published ones
/// (draft-ietf-ipsec-isakmp-xauth, RFC 3706, RFC 3947, Cisco Unity), not
/// our table's.
#[test]
fn the_hub_announces_unity_xauth_dpd_and_the_chosen_nat_t_dialect() {
    const UNITY: &str = "12f5f28c457168a9702d9fe274cc0100";
    const DPD: &str = "afcad71368a1f1c96b8696fc77570100";
    const RFC3947: &str = "4a131c81070358455c5728f20e95452f";
    const XAUTH: &str = "09002689dfd6b712";
    let mut pair = vpn_client_pair(b"cisco123", b"cisco123", 25);
    pair.initiate_a(client_selectors());
    pair.run_for(Duration::from_secs(5));
    assert_eq!(responder_vids(&pair), [UNITY, DPD, RFC3947, XAUTH]);

    let mut pair = seed_pair(Config::default(), 26);
    pair.initiate_a(spoke_selectors());
    pair.run_for(Duration::from_secs(5));
    assert_eq!(responder_vids(&pair), [UNITY, DPD, RFC3947, XAUTH]);
    assert_eq!(ups(&pair.a_events).len(), 1);
}

/// Libreswan pads its cleartext first message with zero bytes after the
/// last payload (inside the ISAKMP length). Harmless: the hub answers it
/// as it would the unpadded one, and counts it; other trailing bytes are
/// still PAYLOAD_MALFORMED. The AM2 identity is UDP/500 (RFC 2407 4.6.2:
/// 0/0 or 17/500).
#[test]
fn zero_padded_first_messages_are_answered_and_counted() {
    // The client's AM1, padded; and a hub that has seen nothing yet.
    let am1 = |pad: &[u8]| {
        let mut sender = vpn_client_pair(b"cisco123", b"cisco123", 27);
        sender.initiate_a(client_selectors());
        let d = sender.captured.first().expect("AM1").clone();
        let mut bytes = d.payload.clone();
        bytes.extend_from_slice(pad);
        let len = u32::try_from(bytes.len()).unwrap();
        bytes[24..28].copy_from_slice(&len.to_be_bytes());
        (vpn_client_pair(b"cisco123", b"cisco123", 28), d, bytes)
    };
    let (mut pair, d, padded) = am1(&[0; 7]);
    pair.b.handle_datagram(pair.now, d.dst, d.src, &padded);
    let reply = pair.b.poll_transmit().expect("AM2");
    let Ok(WireDatagram::Plain(m)) = WireDatagram::parse(&reply.payload) else {
        panic!("AM2 in the clear");
    };
    assert_eq!(m.header.exchange_type.get(), 4, "Aggressive Mode");
    assert!(m.sa().is_some());
    let id = m
        .payloads
        .iter()
        .find_map(|p| match p {
            ike_proto::wire::Payload::Id(i) => Some(i.clone()),
            _ => None,
        })
        .expect("IDir");
    assert_eq!((id.protocol, id.port), (17, 500));
    assert_eq!(pair.b.counters().zero_padding, 1);

    let (mut pair, d, junk) = am1(&[0, 0, 1]);
    pair.b.handle_datagram(pair.now, d.dst, d.src, &junk);
    let reply = pair.b.poll_transmit().expect("a notify");
    let Ok(WireDatagram::Plain(m)) = WireDatagram::parse(&reply.payload) else {
        panic!("a notify in the clear");
    };
    assert_eq!(
        m.notifies().map(|n| n.notify_type).collect::<Vec<_>>(),
        [NotifyType::PAYLOAD_MALFORMED]
    );
    assert_eq!(pair.b.counters().zero_padding, 0);
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
    assert_mirrored(&a[0], &b[0]);
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

/// `debug crypto isakmp|ipsec` in the engine: with both off it hands out no
/// log line at all; with IPsec alone, only the IPsec subsystem's lines.
#[test]
fn the_debug_switches_decide_which_lines_the_engine_writes() {
    use ike_proto::engine::{Debugging, LogForm};
    let mut pair = seed_pair(Config::default(), 1);
    pair.b.set_debugging(Debugging::NONE);
    pair.initiate_a(spoke_selectors());
    pair.run_for(Duration::from_secs(5));
    assert_eq!(ups(&pair.b_events).len(), 1);
    assert!(log_lines(&pair.b_events).is_empty());
    assert!(
        !log_lines(&pair.a_events).is_empty(),
        "the spoke kept its lines"
    );

    let mut pair = seed_pair(Config::default(), 2);
    pair.b.set_debugging(Debugging {
        isakmp: false,
        ipsec: true,
    });
    pair.initiate_a(spoke_selectors());
    pair.run_for(Duration::from_secs(5));
    let forms: Vec<LogForm> = pair
        .b_events
        .iter()
        .filter_map(|e| match e {
            Event::Log(l) => Some(l.form),
            _ => None,
        })
        .collect();
    assert!(!forms.is_empty());
    assert!(forms.iter().all(|f| *f == LogForm::Ipsec), "{forms:?}");
    let hub_log = log_lines(&pair.b_events).join("\n");
    assert!(
        hub_log.contains("IPSEC(spi_response): getting spi"),
        "{hub_log}"
    );
    assert!(hub_log.contains("IPSEC(validate_proposal_request): proposal part #1,"));
}
