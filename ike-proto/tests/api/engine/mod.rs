//! The engine driven end to end by the in-memory harness: two peers, a
//! virtual clock from zero, a network that loses, duplicates, reorders and
//! tampers on demand.

use std::net::Ipv4Addr;

use crate::common::seed::{
    HUB, SPOKE, assert_mirrored, engine, hub_lan, keyed, log_lines, one_installed, one_mirrored,
    seed_pair, spoke_lan, spoke_selectors, ups,
};
use ike_proto::engine::{
    CommandError, Config, DownReason, DpdConfig, DpdMode, Encapsulation, Engine, Event, notify,
};
use ike_proto::error::{Error, PeerIncompatible};
use ike_proto::harness::{Pair, Side};
use ike_proto::policy::{
    AuthMethod, DhGroup, EncapMode, EspCipher, HashAlg, Identity, Lifetime, ModeConfig,
    Phase1Cipher, Phase1Mode, Phase1Proposal, Phase2Proposal, PresharedKey, Profile, Selectors,
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
    // The keys went out in the event (ChildSa has no field for them).
    assert_eq!(a.keys.inbound.encryption.as_bytes().len(), 24);
    assert_eq!(a.keys.inbound.integrity.as_bytes().len(), 20);
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
    matches!(e, Event::ChildSaUp { .. })
}

fn ike_up(e: &Event) -> bool {
    matches!(e, Event::IkeSaUp(_))
}

#[test]
fn aes256_sha256_group14_with_aes_gcm_and_pfs() {
    let p1 = Phase1Proposal {
        cipher: Phase1Cipher::Aes256,
        hash: HashAlg::Sha2_256,
        auth: AuthMethod::PreSharedKey,
        group: DhGroup::Modp2048,
        lifetime: Lifetime::seconds(28_800),
    };
    let p2 = Phase2Proposal {
        cipher: EspCipher::AesGcm16 { key_bits: 256 },
        integrity: None,
        mode: EncapMode::Tunnel,
        pfs: Some(DhGroup::Modp2048),
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
    let (a, _) = one_mirrored(&pair);
    assert_eq!(a.pfs, Some(DhGroup::Modp2048));
    assert_eq!(a.cipher, EspCipher::AesGcm16 { key_bits: 256 });
    assert_eq!(
        a.keys.inbound.encryption.as_bytes().len(),
        36,
        "AES-256 key and 4-byte salt"
    );
    assert!(a.keys.inbound.integrity.as_bytes().is_empty());
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
    one_mirrored(&pair);
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
    hub.phase1[0].cipher = Phase1Cipher::Aes128;
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
    assert_mirrored(keyed(&pair.a_events, &a[0]), keyed(&pair.b_events, &b[0]));
    assert_eq!(pair.b.ike_sas().len(), 1);
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
    one_mirrored(&pair);
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
    let (a, b) = one_installed(&pair);
    assert_eq!(b.selectors, host(HUB, SPOKE));
    assert_eq!(a.mode, EncapMode::Transport);
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

mod dpd;
mod hostile;
mod lifetimes;
mod loss;
mod nat;
