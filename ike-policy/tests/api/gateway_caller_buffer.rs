//! The caller-buffer data path (`seal_into` / `open_into`): the seed's hub
//! and spoke bring their tunnel up through the queue API, then carry pings
//! both ways through the caller's buffers, raw ESP and ESP in UDP.

use std::net::Ipv4Addr;

use ike_policy::gateway::{DropReason, Instant, SEAL_OVERHEAD};
use ike_policy::{Gateway, GatewayOptions, Inbound, Outbound};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use crate::common::{HUB, HUB_CFG, HUB_HOST, PORTS, SEED_HUB_ADDR, SPOKE_CFG, icmp};

const SPOKE: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 2);
const SPOKE_HOST: Ipv4Addr = Ipv4Addr::new(10, 2, 2, 5);

fn pair(udp: bool) -> (Gateway, Gateway) {
    let opts = |outside| GatewayOptions {
        outside_addr: outside,
        ike_port: PORTS.0,
        natt_port: PORTS.1,
        force_udp_encapsulation: udp,
        ..GatewayOptions::default()
    };
    let mut rng = ChaCha20Rng::seed_from_u64(14);
    let hub_cfg = HUB_CFG.replace(SEED_HUB_ADDR, &HUB.to_string());
    let spoke_cfg = SPOKE_CFG.replace(SEED_HUB_ADDR, &HUB.to_string());
    let hub = Gateway::from_ios(&hub_cfg, opts(None), &mut rng).unwrap();
    let spoke = Gateway::from_ios(&spoke_cfg, opts(Some(SPOKE)), &mut rng).unwrap();
    (hub, spoke)
}

/// The queue API's network, for IKE and the held first packet.
fn carry(from: &mut Gateway, to: &mut Gateway, now: Instant, inside: &mut Vec<Vec<u8>>) -> bool {
    let carried = ike_policy::gateway::in_memory::carry(from, to, now);
    assert_eq!(carried.clear, 0, "the seed's traffic is protected");
    let moved = carried.moved();
    while let Some(p) = to.poll_inside() {
        inside.push(p);
    }
    moved
}

/// Seals `packet` at `from` into a buffer and opens it at `to` in a copy of
/// the datagram (the wire), as an embedder with its own buffers would.
fn cross(from: &mut Gateway, to: &mut Gateway, now: Instant, packet: &[u8], udp: bool) -> Vec<u8> {
    let mut out = vec![0u8; packet.len() + SEAL_OVERHEAD];
    let (mut wire, remote, local) = match from.seal_into(now, packet, &mut out) {
        Outbound::Esp {
            local,
            remote,
            payload,
        } => {
            assert!(!udp, "forced UDP encapsulation sends ESP in UDP");
            assert_eq!((local, remote), (from.outside_addr(), to.outside_addr()));
            (payload.to_vec(), local, None)
        }
        Outbound::Udp {
            local,
            remote,
            payload,
        } => {
            assert!(udp, "without a NAT the seed's SA is raw ESP");
            assert_eq!(local, from.natt_endpoint());
            assert_eq!(remote, to.natt_endpoint());
            (payload.to_vec(), *local.ip(), Some((local, remote)))
        }
        other => panic!("not sealed: {other:?}"),
    };
    // ESP: SPI, sequence, IV (8, 3DES), the packet, padding, trailer, ICV.
    assert_eq!(wire.len(), 8 + 8 + (packet.len() + 2).div_ceil(8) * 8 + 12);
    assert_ne!(&wire[16..16 + packet.len()], packet, "encrypted");
    let inbound = match local {
        Some((sender, receiver)) => to.open_into(now, receiver, sender, &mut wire),
        None => to.open_esp_into(now, remote, &mut wire),
    };
    match inbound {
        Inbound::Inside(inner) => inner.to_vec(),
        other => panic!("not opened: {other:?}"),
    }
}

#[test]
fn seed_hub_and_spoke_carry_pings_through_the_caller_buffer_path() {
    for udp in [false, true] {
        let (mut hub, mut spoke) = pair(udp);
        let now = Instant::from_secs(10);
        let first = icmp(SPOKE_HOST, HUB_HOST, 8, 0);
        let mut out = vec![0u8; 2048];
        assert_eq!(spoke.seal_into(now, &first, &mut out), Outbound::Held);
        let (mut at_hub, mut at_spoke) = (Vec::new(), Vec::new());
        while carry(&mut spoke, &mut hub, now, &mut at_hub)
            | carry(&mut hub, &mut spoke, now, &mut at_spoke)
        {}
        assert_eq!(
            at_hub,
            vec![first],
            "the held packet crossed once the SA was up"
        );

        for seq in 1..=20u16 {
            let request = icmp(SPOKE_HOST, HUB_HOST, 8, seq);
            assert_eq!(cross(&mut spoke, &mut hub, now, &request, udp), request);
            let reply = icmp(HUB_HOST, SPOKE_HOST, 0, seq);
            assert_eq!(cross(&mut hub, &mut spoke, now, &reply, udp), reply);
        }
        let (h, s) = (hub.counters(), spoke.counters());
        assert_eq!((s.sealed, h.delivered), (21, 21));
        assert_eq!((h.sealed, s.delivered), (20, 20));
        let show = hub.show("show crypto ipsec sa", now).unwrap();
        assert!(
            show.contains("#pkts decaps: 21, #pkts decrypt: 21, #pkts verify 21"),
            "{show}"
        );
        assert!(
            show.contains("#pkts encaps: 20, #pkts encrypt: 20, #pkts digest 20"),
            "{show}"
        );
    }
}

#[test]
fn seal_into_says_what_it_did_besides_sealing() {
    let (mut hub, mut spoke) = pair(false);
    let now = Instant::from_secs(10);
    let ping = icmp(SPOKE_HOST, HUB_HOST, 8, 1);
    let mut out = vec![0u8; 2048];
    assert_eq!(spoke.seal_into(now, &ping, &mut out), Outbound::Held);
    let mut inside = Vec::new();
    while carry(&mut spoke, &mut hub, now, &mut inside)
        | carry(&mut hub, &mut spoke, now, &mut inside)
    {}

    // Traffic no crypto ACL selects goes in clear; nothing is written.
    let other = icmp(SPOKE_HOST, Ipv4Addr::new(10, 9, 9, 9), 8, 1);
    let mut out = vec![0xAAu8; 2048];
    assert_eq!(spoke.seal_into(now, &other, &mut out), Outbound::Clear);
    assert!(out.iter().all(|b| *b == 0xAA));
    assert_eq!(spoke.counters().clear, 1);

    // Not IPv4: dropped and counted.
    assert_eq!(
        spoke.seal_into(now, &[0x60; 40], &mut out),
        Outbound::Dropped(DropReason::Malformed)
    );

    // A buffer one byte short: told the size; that size works.
    let needed = match spoke.seal_into(now, &ping, &mut [0u8; 64]) {
        Outbound::BufferTooSmall { needed } => needed,
        other => panic!("{other:?}"),
    };
    let mut short = vec![0u8; needed - 1];
    assert_eq!(
        spoke.seal_into(now, &ping, &mut short),
        Outbound::BufferTooSmall { needed }
    );
    let mut exact = vec![0u8; needed];
    let mut wire = match spoke.seal_into(now, &ping, &mut exact) {
        Outbound::Esp { payload, .. } => {
            assert_eq!(payload.len(), needed);
            payload.to_vec()
        }
        other => panic!("{other:?}"),
    };
    // The refused tries used no sequence number: this is packet 2 (the
    // held one was 1).
    assert_eq!(wire[4..8], 2u32.to_be_bytes());

    // A flipped ICV bit is refused; the untouched packet opens.
    let mut tampered = wire.clone();
    *tampered.last_mut().unwrap() ^= 1;
    assert_eq!(
        hub.open_esp_into(now, SPOKE, &mut tampered),
        Inbound::Dropped(DropReason::EspRejected)
    );
    assert_eq!(
        hub.open_esp_into(now, SPOKE, &mut wire),
        Inbound::Inside(&ping[..])
    );
    // The same packet again is a replay.
    let mut again = match spoke.seal_into(now, &ping, &mut exact) {
        Outbound::Esp { payload, .. } => payload.to_vec(),
        other => panic!("{other:?}"),
    };
    let copy = again.clone();
    assert!(matches!(
        hub.open_esp_into(now, SPOKE, &mut again),
        Inbound::Inside(_)
    ));
    let mut replay = copy;
    assert_eq!(
        hub.open_esp_into(now, SPOKE, &mut replay),
        Inbound::Dropped(DropReason::EspRejected)
    );
    // On the NAT-T port: a keepalive, and IKE goes to the engine.
    let (spoke_natt, hub_natt) = (spoke.natt_endpoint(), hub.natt_endpoint());
    assert_eq!(
        hub.open_into(now, hub_natt, spoke_natt, &mut [0xFF]),
        Inbound::NatKeepalive
    );
    assert_eq!(hub.counters().nat_keepalives, 1);
    let ike_before = hub.counters().ike_datagrams;
    assert_eq!(
        hub.open_into(
            now,
            hub.ike_endpoint(),
            spoke.ike_endpoint(),
            &mut [0u8; 28]
        ),
        Inbound::Ike
    );
    assert_eq!(hub.counters().ike_datagrams, ike_before + 1);
}
