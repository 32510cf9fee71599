//! Logging: each Gateway logs under the target its embedder names, so two
//! Gateways in one process can be told apart, and every line arrives once
//! (to the `log` facade, or as an event when asked), never both ways. Its
//! own test binary: a `log` logger is process-wide, and this checks all that
//! reaches it.

use std::net::Ipv4Addr;

use ike_policy::{Gateway, GatewayEvent, GatewayOptions};
use ike_proto::engine::Event;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

#[path = "api/common/mod.rs"]
mod common;
use common::gateways::Gateways;
use common::{HUB, HUB_CFG, SEED_HUB_ADDR, SPOKE_CFG};

const SPOKE: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 2);

fn records() -> Vec<(String, String)> {
    common::captured_records()
}

fn options(target: &str, outside: Option<Ipv4Addr>, log_events: bool) -> GatewayOptions {
    GatewayOptions {
        outside_addr: outside,
        ike_port: 10500,
        natt_port: 14500,
        log_target: target.to_owned(),
        log_events,
        ..GatewayOptions::default()
    }
}

/// Brings the seed's tunnel up between a hub and a spoke built with these
/// options; returns the engine log lines each polled as events.
fn negotiate(hub_opts: GatewayOptions, spoke_opts: GatewayOptions) -> (Vec<String>, Vec<String>) {
    let hub_cfg = HUB_CFG.replace(SEED_HUB_ADDR, &HUB.to_string());
    let spoke_cfg = SPOKE_CFG.replace(SEED_HUB_ADDR, &HUB.to_string());
    let mut rng = ChaCha20Rng::seed_from_u64(21);
    let hub = Gateway::from_ios(&hub_cfg, hub_opts, &mut rng).unwrap();
    let spoke = Gateway::from_ios(&spoke_cfg, spoke_opts, &mut rng).unwrap();
    let mut net = Gateways::new(hub, spoke);
    net.peer
        .initiate(
            net.now,
            Ipv4Addr::new(10, 2, 2, 5),
            Ipv4Addr::new(10, 1, 1, 7),
        )
        .unwrap();
    net.run();
    assert_eq!(net.hub.installed_child_sas(), 1);
    assert_eq!(net.peer.installed_child_sas(), 1);
    let logs = |hub: bool| {
        net.events
            .iter()
            .filter_map(|(h, e)| match e {
                GatewayEvent::Engine(Event::Log(l)) if *h == hub => Some(l.to_string()),
                _ => None,
            })
            .collect()
    };
    (logs(true), logs(false))
}

fn lines_of(target: &str) -> Vec<String> {
    records()
        .into_iter()
        .filter(|(t, _)| t == target)
        .map(|(_, l)| l)
        .collect()
}

#[test]
fn each_gateway_logs_under_its_own_target_and_each_line_once() {
    records();
    let (hub_events, spoke_events) = negotiate(
        options("hub-a", None, false),
        options("spoke-a", Some(SPOKE), false),
    );
    // Nothing as events: the facade has them.
    assert!(hub_events.is_empty(), "{hub_events:#?}");
    assert!(spoke_events.is_empty(), "{spoke_events:#?}");
    let hub = lines_of("hub-a");
    let spoke = lines_of("spoke-a");
    // The engine's, the resolver's and the Gateway's lines, each under the
    // Gateway's own name.
    for (lines, expected) in [
        (&hub, "Old State = IKE_R_MM5 New State = IKE_P1_COMPLETE"),
        (
            &hub,
            "ISAKMP: Looking for a matching key for 198.51.100.2 in spokes : success",
        ),
        (&hub, "ISAKMP (0:1): peer matches L2L profile"),
        (&spoke, "New State = IKE_P1_COMPLETE"),
        (&spoke, "New State = IKE_QM_PHASE2_COMPLETE"),
    ] {
        assert!(
            lines.iter().any(|l| l.contains(expected)),
            "{expected:?} in {lines:#?}"
        );
    }
    // The hub's view of its own phase 1 is not in the spoke's log.
    assert!(
        !spoke
            .iter()
            .any(|l| l.contains("Looking for a matching key for 198.51.100.2"))
    );
    // Once each: the line that completes the hub's phase 1 is logged once.
    let p1 = hub
        .iter()
        .filter(|l| l.contains("Old State = IKE_R_MM5 New State = IKE_P1_COMPLETE"))
        .count();
    assert_eq!(p1, 1);
    // No line of this negotiation under the default target.
    assert!(lines_of(ike_policy::gateway::DEFAULT_LOG_TARGET).is_empty());
}

#[test]
fn with_log_events_the_engine_lines_come_as_events_and_not_through_log() {
    records();
    let (hub_events, _) = negotiate(
        options("hub-b", None, true),
        options("spoke-b", Some(SPOKE), true),
    );
    let complete = |l: &String| l.contains("Old State = IKE_R_MM5 New State = IKE_P1_COMPLETE");
    assert_eq!(hub_events.iter().filter(|l| complete(l)).count(), 1);
    let logged = lines_of("hub-b");
    assert!(!logged.iter().any(complete), "{logged:#?}");
    // The resolver's lines still go to the Gateway's target.
    assert!(
        logged
            .iter()
            .any(|l| l.contains("Looking for a matching key for 198.51.100.2 in spokes"))
    );
}

/// `undebug all` silences every line of a negotiation under the hub's
/// target (the engine's, the resolver's, the Gateway's); `debug crypto
/// ipsec` alone lets only the IPsec lines through.
#[test]
fn the_debug_switches_gate_every_line_under_the_target() {
    use ike_policy::gateway::Debugging;
    records();
    let quiet = GatewayOptions {
        debug: Debugging::NONE,
        ..options("hub-quiet", None, false)
    };
    negotiate(quiet, options("spoke-quiet", Some(SPOKE), false));
    assert!(
        lines_of("hub-quiet").is_empty(),
        "{:#?}",
        lines_of("hub-quiet")
    );
    assert!(!lines_of("spoke-quiet").is_empty());

    let ipsec_only = GatewayOptions {
        debug: Debugging {
            isakmp: false,
            ipsec: true,
        },
        ..options("hub-ipsec", None, false)
    };
    negotiate(ipsec_only, options("spoke-ipsec", Some(SPOKE), false));
    let hub = lines_of("hub-ipsec");
    assert!(
        hub.iter()
            .any(|l| l.starts_with("IPSEC(create_sa): sa created,")),
        "{hub:#?}"
    );
    assert!(
        hub.iter()
            .all(|l| !l.starts_with("ISAKMP") && !l.starts_with("CryptoEngine0")),
        "{hub:#?}"
    );
}
