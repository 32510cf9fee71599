//! `crypto ipsec security-association replay window-size N` works: the
//! seed's hub and spoke as two Gateways in memory, and one ESP packet of the
//! spoke delivered to the hub late, after 100 newer ones. IOS's default
//! window (64 packets) refuses it as a replay; with `window-size 128` in the
//! hub's configuration the same packet is accepted.

use std::net::Ipv4Addr;

use ike_policy::gateway::Instant;
use ike_policy::{Gateway, GatewayOptions, Transmit};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use crate::common::{HUB, HUB_CFG, HUB_HOST, SEED_HUB_ADDR, SPOKE_CFG, icmp};

const SPOKE: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 2);
const SPOKE_HOST: Ipv4Addr = Ipv4Addr::new(10, 2, 2, 5);

fn options(outside: Option<Ipv4Addr>) -> GatewayOptions {
    GatewayOptions {
        outside_addr: outside,
        ike_port: 10500,
        natt_port: 14500,
        log_events: true,
        ..GatewayOptions::default()
    }
}

/// Carries every datagram both ways until both are quiet; the spoke's ESP
/// packets are returned instead of delivered when `keep_spoke_esp`.
fn run(hub: &mut Gateway, spoke: &mut Gateway, now: Instant, keep_spoke_esp: bool) -> Vec<Vec<u8>> {
    let mut kept = Vec::new();
    for _ in 0..1000 {
        let mut moved = false;
        while let Some(t) = spoke.poll_transmit() {
            moved = true;
            match t {
                Transmit::Esp { payload, .. } if keep_spoke_esp => kept.push(payload),
                Transmit::Esp { local, payload, .. } => hub.handle_esp(now, local, &payload),
                Transmit::Udp {
                    local,
                    remote,
                    payload,
                } => hub.handle_datagram(now, remote, local, &payload),
                Transmit::Clear { .. } => {}
            }
        }
        while let Some(t) = hub.poll_transmit() {
            moved = true;
            match t {
                Transmit::Esp { local, payload, .. } => spoke.handle_esp(now, local, &payload),
                Transmit::Udp {
                    local,
                    remote,
                    payload,
                } => spoke.handle_datagram(now, remote, local, &payload),
                Transmit::Clear { .. } => {}
            }
        }
        while hub.poll_inside().is_some() {}
        while spoke.poll_inside().is_some() {}
        while hub.poll_event().is_some() {}
        while spoke.poll_event().is_some() {}
        if !moved {
            return kept;
        }
    }
    panic!("the two gateways never went quiet");
}

/// Whether the hub takes a spoke packet that arrives after 100 newer ones
/// (a reordering of 100), under a hub configuration with `extra` lines.
fn late_packet_accepted(extra: &str) -> bool {
    let hub_cfg = format!(
        "{extra}{}",
        HUB_CFG.replace(SEED_HUB_ADDR, &HUB.to_string())
    );
    let spoke_cfg = SPOKE_CFG.replace(SEED_HUB_ADDR, &HUB.to_string());
    let parsed = ike_policy::parse_with(&hub_cfg, &ike_policy::ParseOptions::default()).unwrap();
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let mut hub = Gateway::new(parsed.config, options(None), &mut rng).unwrap();
    let mut spoke = Gateway::from_ios(&spoke_cfg, options(Some(SPOKE)), &mut rng).unwrap();
    let now = Instant::from_secs(1000);

    // The first ping brings the tunnel up and crosses it.
    spoke.handle_inside(now, &icmp(SPOKE_HOST, HUB_HOST, 8, 1));
    run(&mut hub, &mut spoke, now, false);
    assert_eq!(hub.counters().delivered, 1, "the tunnel is up");

    // 101 more pings, sealed in order; the first of them arrives last.
    for seq in 2..=102 {
        spoke.handle_inside(now, &icmp(SPOKE_HOST, HUB_HOST, 8, seq));
    }
    let mut esp = run(&mut hub, &mut spoke, now, true);
    assert_eq!(esp.len(), 101);
    let late = esp.remove(0);
    for p in &esp {
        hub.handle_esp(now, SPOKE, p);
    }
    assert_eq!(hub.counters().delivered, 101);
    let rejected = hub.counters().esp_rejected;
    hub.handle_esp(now, SPOKE, &late);
    let accepted = hub.counters().delivered == 102;
    assert_eq!(
        hub.counters().esp_rejected,
        rejected + u64::from(!accepted),
        "a refused packet is counted"
    );
    accepted
}

#[test]
fn the_default_window_of_64_refuses_a_packet_100_late() {
    assert!(!late_packet_accepted(""));
}

#[test]
fn replay_window_size_128_from_the_configuration_accepts_it() {
    assert!(late_packet_accepted(
        "crypto ipsec security-association replay window-size 128\n"
    ));
}

#[test]
fn replay_window_size_64_written_out_is_the_default() {
    assert!(!late_packet_accepted(
        "crypto ipsec security-association replay window-size 64\n"
    ));
}
