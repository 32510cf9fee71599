//! Gateway unit tests that reach into its private state.

use super::*;

#[test]
fn keep_range_keeps_exactly_the_range_in_the_same_allocation() {
    let buf: Vec<u8> = (0..32).collect();
    let ptr = buf.as_ptr();
    let kept = keep_range(buf, 5..12);
    assert_eq!(kept, (5..12).collect::<Vec<u8>>());
    assert_eq!(kept.as_ptr(), ptr, "no new allocation");
    assert_eq!(keep_range((0..4).collect(), 0..4), vec![0, 1, 2, 3]);
    assert!(keep_range((0..4).collect(), 4..4).is_empty());
}

const HUB_CFG: &str = include_str!("../../tests/configs/hub.cfg");
const SPOKE_CFG: &str = include_str!("../../tests/configs/spoke.cfg");

fn ip_packet(src: [u8; 4], dst: [u8; 4]) -> Vec<u8> {
    let mut p = vec![0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0];
    p.extend_from_slice(&src);
    p.extend_from_slice(&dst);
    p.extend_from_slice(&[0x30, 0x39, 0x00, 0x07, 0, 8, 0, 0]);
    let c = esp_core::wire::internet_checksum(&p[..20]);
    p[10..12].copy_from_slice(&c.to_be_bytes());
    p
}

fn carry(from: &mut Gateway, to: &mut Gateway, now: Instant) -> bool {
    super::in_memory::carry(from, to, now).moved()
}

/// Seals `packet` with the spoke's outbound SA, bypassing its SPD: what
/// a peer that ignores its own selectors would send.
fn seal_raw(spoke: &mut Gateway, packet: &[u8], now: Instant) -> Vec<u8> {
    let c = spoke.children.values().next().unwrap().clone();
    let sa = spoke.sad.outbound(c.sa_id).unwrap();
    let head = sa.headroom();
    let mut buf = vec![0u8; head + packet.len() + sa.tailroom(packet.len())];
    buf[head..head + packet.len()].copy_from_slice(packet);
    let out = spoke
        .sad
        .seal(
            c.sa_id,
            &mut buf,
            head..head + packet.len(),
            protocol::IPV4,
            &mut spoke.rng,
            now,
        )
        .unwrap();
    buf[out].to_vec()
}

#[test]
fn decapsulated_packets_are_checked_against_the_sa_selectors() {
    let hub_addr = Ipv4Addr::new(192, 0, 2, 1);
    let spoke_addr = Ipv4Addr::new(198, 51, 100, 2);
    let mut rng = ChaCha20Rng::seed_from_u64(9);
    let mut hub = Gateway::from_ios(
        &HUB_CFG.replace("10.48.67.181", "192.0.2.1"),
        GatewayOptions::default(),
        &mut rng,
    )
    .unwrap();
    let mut spoke = Gateway::from_ios(
        &SPOKE_CFG.replace("10.48.67.181", "192.0.2.1"),
        GatewayOptions {
            outside_addr: Some(spoke_addr),
            ..GatewayOptions::default()
        },
        &mut rng,
    )
    .unwrap();
    let now = Instant::from_secs(10);
    spoke.handle_inside(now, &ip_packet([10, 2, 2, 5], [10, 1, 1, 7]));
    while carry(&mut spoke, &mut hub, now) | carry(&mut hub, &mut spoke, now) {}
    assert_eq!(hub.counters().delivered, 1);
    assert_eq!(hub.outside_addr(), hub_addr);

    // Inside the SA's proxies (10.2.0.0/16 -> 10.1.0.0/16): delivered.
    let good = ip_packet([10, 2, 9, 9], [10, 1, 0, 1]);
    let esp = seal_raw(&mut spoke, &good, now);
    hub.handle_esp(now, spoke_addr, &esp);
    assert_eq!(hub.counters().delivered, 2);
    // Outside them: authenticated and decrypted, but dropped.
    let bad = ip_packet([10, 2, 9, 9], [10, 3, 0, 1]);
    let esp = seal_raw(&mut spoke, &bad, now);
    hub.handle_esp(now, spoke_addr, &esp);
    assert_eq!(hub.counters().delivered, 2);
    assert_eq!(hub.counters().selector_mismatch, 1);
    let inside: Vec<Vec<u8>> = core::iter::from_fn(|| hub.poll_inside()).collect();
    assert_eq!(inside.len(), 2);
    assert_eq!(inside[1], good);
    // A tampered packet does not open.
    let mut esp = seal_raw(&mut spoke, &good, now);
    let last = esp.len() - 1;
    esp[last] ^= 1;
    hub.handle_esp(now, spoke_addr, &esp);
    assert_eq!(hub.counters().esp_rejected, 1);
    // NAT keepalives on the NAT-T port are counted and dropped.
    hub.handle_datagram(
        now,
        hub.natt_endpoint(),
        SocketAddrV4::new(spoke_addr, 4500),
        &[0xff],
    );
    assert_eq!(hub.counters().nat_keepalives, 1);
    assert!(hub.poll_transmit().is_none());
}
