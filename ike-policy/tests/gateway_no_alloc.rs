//! Proof that the Gateway's caller-buffer data path never touches the
//! allocator once the tunnel is up: the seed's spoke seals 1400-byte
//! packets with `seal_into`, the hub opens them with `open_into` /
//! `open_esp_into`, and back, all under `assert_no_alloc`, which counts
//! every (de)allocation made by this thread. Raw ESP and ESP in UDP.
//!
//! Its own test binary: the counting allocator is global. Only debug
//! builds instrument it (what `cargo test` builds).
#![cfg(debug_assertions)]

use std::net::Ipv4Addr;

use assert_no_alloc::{AllocDisabler, assert_no_alloc, reset_violation_count, violation_count};
use esp_core::wire::{Ipv4Repr, protocol};
use ike_policy::gateway::{Instant, SEAL_OVERHEAD};
use ike_policy::{Gateway, GatewayOptions, Inbound, Outbound, Transmit};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

#[global_allocator]
static ALLOCATOR: AllocDisabler = AllocDisabler;

const HUB_CFG: &str = include_str!("configs/hub.cfg");
const SPOKE_CFG: &str = include_str!("configs/spoke.cfg");
const SEED_HUB_ADDR: &str = "10.48.67.181";
const HUB: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
const SPOKE: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 2);

fn udp_packet(src: [u8; 4], dst: [u8; 4], len: usize, fill: u8) -> Vec<u8> {
    let mut p = vec![fill; len];
    Ipv4Repr {
        src_addr: src.into(),
        dst_addr: dst.into(),
        protocol: protocol::UDP,
        payload_len: (len - 20) as u16,
        ttl: 64,
        ident: 0,
    }
    .emit(&mut p)
    .unwrap();
    p
}

/// The seed's hub and spoke with their tunnel up (through the queue API).
fn tunnel(udp: bool) -> (Gateway, Gateway) {
    let opts = |outside| GatewayOptions {
        outside_addr: outside,
        ike_port: 10500,
        natt_port: 14500,
        force_udp_encapsulation: udp,
        ..GatewayOptions::default()
    };
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let hub_cfg = HUB_CFG.replace(SEED_HUB_ADDR, &HUB.to_string());
    let spoke_cfg = SPOKE_CFG.replace(SEED_HUB_ADDR, &HUB.to_string());
    let mut hub = Gateway::from_ios(&hub_cfg, opts(None), &mut rng).unwrap();
    let mut spoke = Gateway::from_ios(&spoke_cfg, opts(Some(SPOKE)), &mut rng).unwrap();
    let now = Instant::from_secs(1);
    spoke.handle_inside(now, &udp_packet([10, 2, 2, 5], [10, 1, 1, 7], 100, 0));
    fn carry(from: &mut Gateway, to: &mut Gateway, now: Instant) -> bool {
        let carried = ike_policy::gateway::in_memory::carry(from, to, now);
        assert_eq!(carried.clear, 0, "the seed's traffic is protected");
        carried.moved()
    }
    while carry(&mut spoke, &mut hub, now) | carry(&mut hub, &mut spoke, now) {}
    assert!(hub.poll_inside().is_some(), "the tunnel is up");
    while hub.poll_event().is_some() | spoke.poll_event().is_some() {}
    (hub, spoke)
}

/// Seals at `from`, copies the datagram into `wire` and opens it at `to`;
/// true when `to` delivered exactly `packet`.
fn cross(
    from: &mut Gateway,
    to: &mut Gateway,
    now: Instant,
    packet: &[u8],
    out: &mut [u8],
    wire: &mut [u8],
) -> bool {
    let (len, sender) = match from.seal_into(now, packet, out) {
        Outbound::Esp { payload, .. } => {
            wire[..payload.len()].copy_from_slice(payload);
            (payload.len(), None)
        }
        Outbound::Udp {
            local,
            remote,
            payload,
        } => {
            wire[..payload.len()].copy_from_slice(payload);
            (payload.len(), Some((local, remote)))
        }
        _ => return false,
    };
    let datagram = &mut wire[..len];
    let inbound = match sender {
        Some((sender, receiver)) => to.open_into(now, receiver, sender, datagram),
        None => to.open_esp_into(now, from.outside_addr(), datagram),
    };
    matches!(inbound, Inbound::Inside(inner) if inner == packet)
}

#[test]
fn seal_into_and_open_into_do_not_allocate() {
    for udp in [false, true] {
        let (mut hub, mut spoke) = tunnel(udp);
        let request = udp_packet([10, 2, 2, 5], [10, 1, 1, 7], 1400, 0x5A);
        let reply = udp_packet([10, 1, 1, 7], [10, 2, 2, 5], 1400, 0xA5);
        let mut out = vec![0u8; 1400 + SEAL_OVERHEAD];
        let mut wire = vec![0u8; 1400 + SEAL_OVERHEAD];
        let mut delivered = 0u32;
        reset_violation_count();
        assert_no_alloc(|| {
            for round in 0..200u64 {
                let now = Instant::from_millis(2000 + round);
                delivered += u32::from(cross(
                    &mut spoke, &mut hub, now, &request, &mut out, &mut wire,
                ));
                delivered += u32::from(cross(
                    &mut hub, &mut spoke, now, &reply, &mut out, &mut wire,
                ));
            }
        });
        assert_eq!(violation_count(), 0, "udp {udp}: the data path allocated");
        assert_eq!(delivered, 400, "udp {udp}: every packet crossed");
        assert_eq!(hub.counters().delivered, 201);
        assert_eq!(spoke.counters().delivered, 200);
    }
}

#[test]
fn the_guard_sees_allocations() {
    // The instrument works: an allocation inside the guard is counted, and
    // the queue API (a Vec per packet) is seen.
    let (mut hub, mut spoke) = tunnel(false);
    let packet = udp_packet([10, 2, 2, 5], [10, 1, 1, 7], 1400, 1);
    reset_violation_count();
    assert_no_alloc(|| spoke.handle_inside(Instant::from_secs(2), &packet));
    assert!(violation_count() > 0);
    reset_violation_count();
    let t = spoke.poll_transmit();
    assert!(matches!(t, Some(Transmit::Esp { .. })));
    let _ = hub.poll_inside();
}

#[test]
fn a_split_hubs_workers_do_not_allocate_per_packet() {
    let (mut hub, mut spoke) = tunnel(false);
    let mut workers = hub.split_data_plane(2).unwrap();
    let request = udp_packet([10, 2, 2, 5], [10, 1, 1, 7], 1400, 0x5A);
    let reply = udp_packet([10, 1, 1, 7], [10, 2, 2, 5], 1400, 0xA5);
    let mut out = vec![0u8; 1400 + SEAL_OVERHEAD];
    let mut wire = vec![0u8; 1400 + SEAL_OVERHEAD];
    // The moved SA pair reaches its worker (outside the guard: the
    // install boxes it once).
    let owner = workers[0].owner_of(&reply).unwrap();
    let _ = workers[owner].installed_sas();
    let mut delivered = 0u32;
    reset_violation_count();
    assert_no_alloc(|| {
        for round in 0..200u64 {
            let now = Instant::from_millis(2000 + round);
            let Outbound::Esp { payload, .. } = spoke.seal_into(now, &request, &mut out) else {
                continue;
            };
            let len = payload.len();
            wire[..len].copy_from_slice(payload);
            if let Inbound::Inside(inner) =
                workers[owner].open_esp_into(now, SPOKE, &mut wire[..len])
            {
                delivered += u32::from(inner == request.as_slice());
            }
            let Outbound::Esp { payload, .. } = workers[owner].seal_into(now, &reply, &mut out)
            else {
                continue;
            };
            let len = payload.len();
            wire[..len].copy_from_slice(payload);
            if let Inbound::Inside(inner) = spoke.open_esp_into(now, HUB, &mut wire[..len]) {
                delivered += u32::from(inner == reply.as_slice());
            }
        }
    });
    assert_eq!(violation_count(), 0, "a worker's data path allocated");
    assert_eq!(delivered, 400, "every packet crossed");
    let c = hub.counters();
    assert_eq!((c.delivered, c.sealed), (201, 200));
}
