//! `configure replace` on the seed's hub with two spokes up: the tunnel
//! whose configuration items are unchanged keeps its SAs (same SPIs, same
//! IKE SA), the one whose keyring entry went is deleted with Deletes its
//! spoke sees, and a configuration that does not parse changes nothing.
//!
//! The hub's keyring names each spoke (instead of the seed's wildcard) so
//! that one spoke's entry can be removed. The hub is moved between two
//! harnesses, one per spoke (the spoke not in the harness is idle).

use std::net::{Ipv4Addr, SocketAddrV4};

use ike_policy::{Gateway, GatewayError, GatewayEvent, GatewayOptions};
use ike_proto::engine::{DownReason, Event};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use crate::common;
use common::gateways::Gateways;
use common::{HUB, HUB_CFG, HUB_HOST, PORTS, SEED_HUB_ADDR, SPOKE_CFG, icmp};

const SPOKE_A: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 2);
const SPOKE_B: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 3);
const HOST_A: Ipv4Addr = Ipv4Addr::new(10, 2, 2, 5);
const HOST_B: Ipv4Addr = Ipv4Addr::new(10, 3, 3, 5);

const WILDCARD: &str = "pre-shared-key address 0.0.0.0 0.0.0.0 key cisco123";

/// The seed's hub with one keyring entry per spoke in `spokes`.
fn hub_cfg(spokes: &[Ipv4Addr]) -> String {
    assert!(HUB_CFG.contains(WILDCARD));
    let keys: Vec<String> = spokes
        .iter()
        .map(|s| format!("pre-shared-key address {s} key cisco123"))
        .collect();
    HUB_CFG.replace(WILDCARD, &keys.join("\n  "))
}

fn options(outside: Option<Ipv4Addr>) -> GatewayOptions {
    GatewayOptions {
        outside_addr: outside,
        ike_port: PORTS.0,
        natt_port: PORTS.1,
        log_events: true,
        ..GatewayOptions::default()
    }
}

/// The seed's spoke at `outside`; spoke B protects 10.3.0.0/16 instead.
fn spoke(outside: Ipv4Addr, b: bool, seed: u64) -> Gateway {
    let mut cfg = SPOKE_CFG.replace(SEED_HUB_ADDR, &HUB.to_string());
    if b {
        cfg = cfg
            .replace("10.2.0.0 0.0.255.255", "10.3.0.0 0.0.255.255")
            .replace("ip address 10.2.2.2", "ip address 10.3.3.3");
    }
    let g = Gateway::from_ios(
        &cfg,
        options(Some(outside)),
        &mut ChaCha20Rng::seed_from_u64(seed),
    )
    .unwrap();
    assert_eq!(g.outside_addr(), outside);
    g
}

/// The hub and spoke A in `a`, spoke B in `b` (with a stand-in hub).
fn two_spokes_up() -> (Gateways, Gateways) {
    let hub = common::seed_hub(&hub_cfg(&[SPOKE_A, SPOKE_B]), options(None));
    let stand_in = common::seed_hub(HUB_CFG, options(None));
    let mut a = Gateways::new(hub, spoke(SPOKE_A, false, 21));
    let mut b = Gateways::new(stand_in, spoke(SPOKE_B, true, 22));
    a.peer.handle_inside(a.now, &icmp(HOST_A, HUB_HOST, 8, 1));
    a.run();
    assert_eq!(a.hub_inside.len(), 1, "spoke A's ping crossed");
    on_b(&mut a, &mut b, |b| {
        b.peer.handle_inside(b.now, &icmp(HOST_B, HUB_HOST, 8, 1));
        b.run();
        assert_eq!(b.hub_inside.len(), 1, "spoke B's ping crossed");
    });
    assert_eq!(a.hub.engine().child_sas().len(), 2);
    assert_eq!(a.hub.engine().ike_sas().len(), 2);
    (a, b)
}

/// Runs `f` with the hub in spoke B's harness.
fn on_b(a: &mut Gateways, b: &mut Gateways, f: impl FnOnce(&mut Gateways)) {
    std::mem::swap(&mut a.hub, &mut b.hub);
    b.now = a.now;
    f(b);
    std::mem::swap(&mut a.hub, &mut b.hub);
    a.now = b.now;
}

/// The hub's (peer, spi_in, spi_out, IKE SA) of every child SA.
fn hub_sas(hub: &Gateway) -> Vec<(Ipv4Addr, u32, u32, u32)> {
    let mut v: Vec<_> = hub
        .engine()
        .child_sas()
        .iter()
        .map(|c| (*c.remote.ip(), c.spi_in, c.spi_out, c.ike_sa.0))
        .collect();
    v.sort_unstable();
    v
}

#[test]
fn reload_keeps_the_unchanged_tunnel_and_deletes_the_removed_spoke() {
    let (mut a, mut b) = two_spokes_up();
    let now = a.now;
    let sas = hub_sas(&a.hub);
    let peer_a = format!("show crypto ipsec sa peer {SPOKE_A}");
    let show_a = a.hub.show(&peer_a, now).unwrap();
    let isakmp = a.hub.show("show crypto isakmp sa", now).unwrap();
    let spoke_a_sas = hub_sas(&a.peer);

    // The same text again: everything stays.
    let same = a
        .hub
        .configure_replace_text(
            now,
            &hub_cfg(&[SPOKE_A, SPOKE_B]).replace(SEED_HUB_ADDR, &HUB.to_string()),
        )
        .unwrap();
    assert!(same.deleted.is_empty(), "{same}");
    assert_eq!(same.kept.len(), 4, "{same}");
    assert!(a.hub.poll_transmit().is_none());
    assert_eq!(hub_sas(&a.hub), sas);

    // Spoke B's keyring entry removed, with the hub where B hears it.
    let cfg = hub_cfg(&[SPOKE_A]).replace(SEED_HUB_ADDR, &HUB.to_string());
    let mut report = None;
    on_b(&mut a, &mut b, |b| {
        report = Some(b.hub.configure_replace_text(now, &cfg).unwrap());
        b.run();
    });
    let report = report.unwrap();

    // Kept: spoke A's IKE SA and IPsec SA, its SPIs as before.
    let (a_in, a_out, a_ike) = sas
        .iter()
        .find(|s| s.0 == SPOKE_A)
        .map(|s| (s.1, s.2, s.3))
        .unwrap();
    let kept: Vec<_> = report
        .kept
        .iter()
        .map(|s| (s.peer, s.ike_sa.0, s.ipsec.map(|(_, i, o)| (i, o))))
        .collect();
    assert_eq!(
        kept,
        [
            (SPOKE_A, a_ike, None),
            (SPOKE_A, a_ike, Some((a_in, a_out)))
        ],
        "{report}"
    );
    // Deleted: spoke B's, for its keyring entry.
    let deleted: Vec<_> = report
        .deleted
        .iter()
        .map(|s| (s.peer, s.ipsec.is_some(), s.changed))
        .collect();
    assert_eq!(
        deleted,
        [
            (SPOKE_B, false, Some("keyring entry")),
            (SPOKE_B, true, Some("IKE SA"))
        ],
        "{report}"
    );
    assert_eq!(
        hub_sas(&a.hub),
        sas.iter()
            .filter(|s| s.0 == SPOKE_A)
            .copied()
            .collect::<Vec<_>>()
    );
    assert_eq!(a.hub.show(&peer_a, now).unwrap(), show_a);
    let row_a = |t: &str| {
        t.lines()
            .find(|l| l.contains(&SPOKE_A.to_string()))
            .map(str::to_owned)
    };
    assert_eq!(
        row_a(&a.hub.show("show crypto isakmp sa", now).unwrap()),
        row_a(&isakmp)
    );
    assert!(
        a.hub
            .engine()
            .ike_sas()
            .iter()
            .all(|i| *i.remote.ip() == SPOKE_A)
    );

    // Spoke B saw the Deletes: its IPsec SA, then its IKE SA.
    let hub_b = SocketAddrV4::new(HUB, PORTS.0);
    let downs: Vec<_> = b
        .events
        .iter()
        .filter(|(hub, _)| !hub)
        .filter_map(|(_, e)| match e {
            GatewayEvent::Engine(Event::ChildSaDown { reason, .. }) => Some(("ipsec", *reason)),
            GatewayEvent::Engine(Event::IkeSaDown { reason, remote, .. }) => {
                assert_eq!(*remote, hub_b);
                Some(("ike", *reason))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        downs,
        [
            ("ipsec", DownReason::DeletedByPeer),
            ("ike", DownReason::DeletedByPeer)
        ]
    );
    assert_eq!(b.peer.installed_child_sas(), 0);

    // Spoke A's tunnel still carries traffic, with no new negotiation.
    let before = a.hub_inside.len();
    a.peer.handle_inside(a.now, &icmp(HOST_A, HUB_HOST, 8, 2));
    a.run();
    assert_eq!(a.hub_inside.len(), before + 1);
    assert_eq!(hub_sas(&a.peer), spoke_a_sas);

    // Spoke B tries again: the hub has no key for it any more.
    on_b(&mut a, &mut b, |b| {
        b.peer.handle_inside(b.now, &icmp(HOST_B, HUB_HOST, 8, 2));
        b.run();
        assert_eq!(b.hub_inside.len(), 1, "nothing more crossed");
    });
    assert!(hub_sas(&a.hub).iter().all(|s| s.0 == SPOKE_A));
}

#[test]
fn a_reload_that_does_not_parse_or_build_changes_nothing() {
    let (mut a, _b) = two_spokes_up();
    let now = a.now;
    let sas = hub_sas(&a.hub);
    let config = a.hub.config().clone();
    let show = a.hub.show("show crypto ipsec sa", now).unwrap();

    let bad = HUB_CFG.replace("crypto isakmp policy 10", "crypto isakmp policy ten");
    match a.hub.configure_replace_text(now, &bad) {
        Err(GatewayError::Config(e)) => assert!(e.to_string().contains("ten"), "{e}"),
        other => panic!("{other:?}"),
    }
    // Parses, but no interface carries a crypto map.
    let no_map = HUB_CFG.replace(" crypto map mymap", "");
    assert_eq!(
        a.hub.configure_replace_text(now, &no_map).unwrap_err(),
        GatewayError::NoCryptoInterface
    );

    assert!(a.hub.poll_transmit().is_none());
    assert_eq!(a.hub.config(), &config);
    assert_eq!(hub_sas(&a.hub), sas);
    assert_eq!(a.hub.show("show crypto ipsec sa", now).unwrap(), show);
}

#[test]
fn a_changed_map_entry_deletes_the_ipsec_sa_and_quick_mode_brings_it_back() {
    let cfg = hub_cfg(&[SPOKE_A]);
    let hub = common::seed_hub(&cfg, options(None));
    let mut a = Gateways::new(hub, spoke(SPOKE_A, false, 21));
    a.peer.handle_inside(a.now, &icmp(HOST_A, HUB_HOST, 8, 1));
    a.run();
    assert_eq!(a.hub_inside.len(), 1);
    let before = hub_sas(&a.hub);
    let ike = a.hub.engine().ike_sas()[0].id;

    // dynmap 10 (the spoke's entry) gets a shorter lifetime.
    let changed = cfg
        .replace(
            "set isakmp-profile L2L",
            "set isakmp-profile L2L\n set security-association lifetime seconds 1800",
        )
        .replace(SEED_HUB_ADDR, &HUB.to_string());
    let report = a.hub.configure_replace_text(a.now, &changed).unwrap();
    let what: Vec<_> = report
        .deleted
        .iter()
        .map(|s| (s.ipsec.map(|(_, i, o)| (i, o)), s.changed))
        .collect();
    assert_eq!(
        what,
        [(Some((before[0].1, before[0].2)), Some("crypto map entry"))],
        "{report}"
    );
    assert_eq!(report.kept.len(), 1, "the IKE SA: {report}");
    a.run();
    let downs: Vec<_> = a
        .events
        .iter()
        .filter(|(hub, _)| !hub)
        .filter_map(|(_, e)| match e {
            GatewayEvent::Engine(Event::ChildSaDown { reason, .. }) => Some(("ipsec", *reason)),
            GatewayEvent::Engine(Event::IkeSaDown { reason, .. }) => Some(("ike", *reason)),
            _ => None,
        })
        .collect();
    assert_eq!(downs, [("ipsec", DownReason::DeletedByPeer)]);

    // The next ping: Quick Mode on the same IKE SA, new SPIs, the new
    // entry's lifetime.
    a.peer.handle_inside(a.now, &icmp(HOST_A, HUB_HOST, 8, 2));
    a.run();
    assert_eq!(a.hub_inside.len(), 2);
    let after = hub_sas(&a.hub);
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].3, ike.0, "no new phase 1");
    assert_ne!((after[0].1, after[0].2), (before[0].1, before[0].2));
    assert_eq!(a.hub.engine().child_sas()[0].lifetime.seconds, Some(1800));
}

#[test]
fn a_vpn_client_stays_with_its_address_until_its_group_changes() {
    let mut net = common::Net::new(common::vpn_client(b"gfullage"));
    net.connect();
    assert_eq!(net.hub_assigned(), [common::ASSIGNED]);
    let cfg = HUB_CFG.replace(SEED_HUB_ADDR, &HUB.to_string());

    let same = net.hub.configure_replace_text(net.now, &cfg).unwrap();
    assert!(same.deleted.is_empty(), "{same}");
    assert_eq!(same.kept.len(), 2, "{same}");
    assert_eq!(net.hub.pool_in_use("ippool").unwrap(), [common::ASSIGNED]);
    assert!(net.hub.poll_transmit().is_none());

    // The group's DNS servers change: the client goes, its address is
    // free again.
    let dns = cfg.replace("dns 1.1.1.1 2.2.2.2", "dns 1.1.1.1");
    let report = net.hub.configure_replace_text(net.now, &dns).unwrap();
    let what: Vec<_> = report.deleted.iter().map(|s| s.changed).collect();
    assert_eq!(what, [Some("client group"), Some("IKE SA")], "{report}");
    net.run();
    assert!(
        net.client_events.iter().any(|e| matches!(
            e,
            Event::IkeSaDown {
                reason: DownReason::DeletedByPeer,
                ..
            }
        )),
        "{:?}",
        net.client_events
    );
    assert!(net.hub.pool_in_use("ippool").unwrap().is_empty());
    assert_eq!(net.hub.installed_child_sas(), 0);
}

/// `crypto isakmp keepalive` and `crypto isakmp nat keepalive` added by
/// `configure replace` apply to the tunnels already up (they stay up with
/// their SPIs): the hub starts DPD on the spoke's IKE SA and the report
/// says so.
#[test]
fn keepalives_changed_by_a_reload_apply_to_the_tunnels_already_up() {
    let hub = common::seed_hub(&hub_cfg(&[SPOKE_A]), options(None));
    let mut a = Gateways::new(hub, spoke(SPOKE_A, false, 23));
    a.peer.handle_inside(a.now, &icmp(HOST_A, HUB_HOST, 8, 1));
    a.run();
    assert_eq!(a.hub_inside.len(), 1, "spoke A's ping crossed");
    assert_eq!(a.hub.engine().config().dpd, None);
    let before = hub_sas(&a.hub);
    assert_eq!(before.len(), 1);
    let cfg = hub_cfg(&[SPOKE_A])
        .replace(SEED_HUB_ADDR, &HUB.to_string())
        .replacen(
            "crypto isakmp policy 10",
            "crypto isakmp keepalive 10 2 periodic\ncrypto isakmp nat keepalive 30\ncrypto isakmp policy 10",
            1,
        );
    let report = a.hub.configure_replace_text(a.now, &cfg).unwrap();
    assert!(report.deleted.is_empty(), "{report}");
    assert_eq!(
        report.applied,
        [
            "crypto isakmp keepalive (every IKE SA up)",
            "crypto isakmp nat keepalive (every IKE SA up)"
        ],
        "{report}"
    );
    assert!(
        report
            .to_string()
            .contains("applied: crypto isakmp keepalive (every IKE SA up)"),
        "{report}"
    );
    let dpd = a.hub.engine().config().dpd.expect("DPD on");
    assert_eq!(dpd.interval, ike_proto::time::Duration::from_secs(10));
    assert_eq!(
        a.hub.engine().config().nat_keepalive,
        ike_proto::time::Duration::from_secs(30)
    );
    assert_eq!(hub_sas(&a.hub), before);
    // The hub probes the spoke it already had, which answers.
    a.run_for(25);
    let probes = a
        .events
        .iter()
        .filter(|(hub, e)| {
            *hub && matches!(e, GatewayEvent::Engine(Event::Log(l)) if l.text.contains("R-U-THERE sequence"))
        })
        .count();
    let log: Vec<String> = a
        .events
        .iter()
        .filter_map(|(hub, e)| match e {
            GatewayEvent::Engine(Event::Log(l)) => Some(format!("{hub} {l}")),
            _ => None,
        })
        .collect();
    assert!(probes >= 2, "{probes}");
    assert_eq!(hub_sas(&a.hub), before, "{log:#?}");
}
