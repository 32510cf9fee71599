//! SAD and SPD together: the outbound path from policy to SA, the inbound
//! path from SPI to SA, acquires, rekeys and expiry.

use core::net::Ipv4Addr;

use esp_core::spd::{
    AddressMatch, Fallback, PacketInfo, PolicyAction, PolicyEntry, PolicyId, PortRange, Selector,
};
use esp_core::wire::{Ipv4Repr, protocol};
use esp_core::{
    Decision, EspError, Instant, Lifetime, LifetimeEvent, SaId, SaParams, SaRef, Sad, Spd, Suite,
};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use crate::common::{layout, pair};

fn ipv4(src: [u8; 4], dst: [u8; 4], proto: u8, payload: &[u8]) -> Vec<u8> {
    let mut p = vec![0u8; 20 + payload.len()];
    Ipv4Repr {
        src_addr: src.into(),
        dst_addr: dst.into(),
        protocol: proto,
        payload_len: payload.len() as u16,
        ttl: 64,
        ident: 1,
    }
    .emit(&mut p)
    .unwrap();
    p[20..].copy_from_slice(payload);
    p
}

fn lan_to_lan_spd() -> Spd {
    // access-list 100 permit ip 10.1.0.0 0.0.255.255 10.2.0.0 0.0.255.255, plus
    // a bypass for IKE and a discard for telnet.
    let mut spd = Spd::new(Fallback::Bypass);
    spd.push(PolicyEntry {
        id: PolicyId(1),
        selector: Selector {
            protocol: Some(protocol::UDP),
            source_ports: PortRange::single(500),
            ..Selector::ANY
        },
        action: PolicyAction::Bypass,
    });
    spd.push(PolicyEntry {
        id: PolicyId(2),
        selector: Selector {
            protocol: Some(protocol::TCP),
            destination_ports: PortRange::single(23),
            ..Selector::ANY
        },
        action: PolicyAction::Discard,
    });
    spd.push(PolicyEntry {
        id: PolicyId(10),
        selector: Selector {
            source: AddressMatch::prefix(Ipv4Addr::new(10, 1, 0, 0), 16).unwrap(),
            destination: AddressMatch::prefix(Ipv4Addr::new(10, 2, 0, 0), 16).unwrap(),
            ..Selector::ANY
        },
        action: PolicyAction::Protect { sa: None },
    });
    spd
}

#[test]
fn acquire_then_protect_then_open_through_the_sad() {
    let mut spd = lan_to_lan_spd();
    let mut sad = Sad::new();
    let packet = ipv4(
        [10, 1, 0, 5],
        [10, 2, 0, 9],
        protocol::ICMP,
        &[8, 0, 0, 0, 0, 1, 0, 1],
    );

    // No SA yet: an acquire carrying the selector and the packet's addresses.
    let acquire = match spd.decide_ipv4(&packet, &sad).unwrap() {
        Decision::Acquire(a) => a,
        other => panic!("{other:?}"),
    };
    assert_eq!(acquire.policy, PolicyId(10));
    assert_eq!(acquire.selector, spd.entries().nth(2).unwrap().selector);
    assert_eq!(acquire.packet.source, Ipv4Addr::new(10, 1, 0, 5));
    assert_eq!(acquire.packet.destination, Ipv4Addr::new(10, 2, 0, 9));
    assert_eq!(acquire.packet.protocol, protocol::ICMP);

    // IKE installs the pair: our inbound SPI, the peer's outbound SPI.
    let out_params = SaParams::new(0xb0c0_f4ac, Suite::TRIPLE_DES_SHA1);
    let (outbound, _) = pair(&out_params, 1);
    let in_params = SaParams::new(0x7a1a_b8f3, Suite::TRIPLE_DES_SHA1);
    let (peer_out, inbound) = pair(&in_params, 2);
    sad.insert_outbound(SaId(5), outbound);
    sad.insert_inbound(inbound).unwrap();
    assert!(spd.bind(PolicyId(10), Some(SaId(5))));

    assert_eq!(
        spd.decide_ipv4(&packet, &sad).unwrap(),
        Decision::Protect(SaId(5))
    );
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let (mut buf, range) = layout(sad.outbound(SaId(5)).unwrap(), &packet);
    let out = sad
        .seal(
            SaId(5),
            &mut buf,
            range,
            protocol::IPV4,
            &mut rng,
            Instant(0),
        )
        .unwrap();
    assert_eq!(
        &buf[out.start..out.start + 4],
        &0xb0c0_f4acu32.to_be_bytes()
    );

    // Other traffic: bypass, discard, fallback.
    let ike = ipv4(
        [10, 1, 0, 5],
        [10, 2, 0, 9],
        protocol::UDP,
        &[1, 244, 1, 244, 0, 8, 0, 0],
    );
    assert_eq!(spd.decide_ipv4(&ike, &sad).unwrap(), Decision::Bypass);
    let telnet = ipv4(
        [10, 1, 0, 5],
        [10, 2, 0, 9],
        protocol::TCP,
        &[4, 0, 0, 23, 0, 0, 0, 0],
    );
    assert_eq!(spd.decide_ipv4(&telnet, &sad).unwrap(), Decision::Discard);
    let other = ipv4([192, 168, 0, 1], [8, 8, 8, 8], protocol::ICMP, &[0; 8]);
    assert_eq!(spd.decide_ipv4(&other, &sad).unwrap(), Decision::Bypass);
    assert!(spd.decide_ipv4(&packet[..19], &sad).is_err());

    // Inbound: the peer's packet finds our SA by SPI.
    let mut peer_out = peer_out;
    let (mut pbuf, prange) = layout(&peer_out, &packet);
    let pout = peer_out
        .seal(&mut pbuf, prange, protocol::IPV4, &mut rng, Instant(0))
        .unwrap();
    let (spi, opened) = sad.open(&mut pbuf[pout.clone()], Instant(0)).unwrap();
    assert_eq!(spi, 0x7a1a_b8f3);
    let inner = &pbuf[pout][opened.inner];
    assert_eq!(inner, &packet[..]);
    // The inner packet matches the policy seen from the other side.
    let info = PacketInfo::from_ipv4(inner).unwrap();
    assert!(spd.entries().nth(2).unwrap().selector.matches(&info));
    assert_eq!(sad.inbound(spi).unwrap().counters().decaps, 1);

    // Unknown SPI and too-short packets are counted by the SAD.
    let mut stray = vec![0, 0, 0, 9, 0, 0, 0, 1, 0, 0];
    assert!(matches!(
        sad.open(&mut stray, Instant(0)),
        Err(EspError::UnknownSpi { spi: 9 })
    ));
    assert!(sad.open(&mut [1, 2, 3], Instant(0)).is_err());
    assert_eq!(sad.counters().no_sa_recv, 1);
    assert_eq!(sad.counters().invalid_recv, 1);
    assert!(matches!(
        sad.seal(SaId(99), &mut buf, 0..0, 4, &mut rng, Instant(0)),
        Err(EspError::UnknownSa { id: 99 })
    ));
    assert_eq!(sad.counters().no_sa_send, 1);

    // A second inbound SA with the same SPI is refused.
    let (_, dup) = pair(&in_params, 3);
    assert!(matches!(
        sad.insert_inbound(dup),
        Err(EspError::DuplicateSpi { .. })
    ));
    assert_eq!(sad.len(), (1, 1));
}

#[test]
fn expiry_turns_protect_into_acquire_and_rekey_restores_it() {
    let mut spd = lan_to_lan_spd();
    spd.bind(PolicyId(10), Some(SaId(1)));
    let mut sad = Sad::new();
    let params =
        SaParams::new(0x1111, Suite::AES128_GCM).with_lifetime(Lifetime::new(100, 1_000_000));
    let (out, inb) = pair(&params, 1);
    sad.insert_outbound(SaId(1), out);
    sad.insert_inbound(inb).unwrap();
    let packet = ipv4([10, 1, 1, 1], [10, 2, 2, 2], protocol::ICMP, &[0; 8]);
    assert_eq!(
        spd.decide_ipv4(&packet, &sad).unwrap(),
        Decision::Protect(SaId(1))
    );

    assert_eq!(sad.poll_timeout(), Some(Instant::from_secs(90)));
    sad.handle_timeout(Instant::from_secs(90));
    let mut events = vec![];
    while let Some(e) = sad.poll_event() {
        events.push(e);
    }
    events.sort_by_key(|(r, _)| matches!(r, SaRef::Outbound(_)));
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].0, SaRef::Inbound(0x1111));
    assert_eq!(events[1].0, SaRef::Outbound(SaId(1)));
    assert!(matches!(events[1].1, LifetimeEvent::SoftExpired(_)));

    sad.handle_timeout(Instant::from_secs(100));
    assert!(matches!(
        spd.decide_ipv4(&packet, &sad).unwrap(),
        Decision::Acquire(_)
    ));

    // Rekey: a new outbound SA under the same id; the policy follows it.
    let (new_out, new_in) = pair(&SaParams::new(0x2222, Suite::AES128_GCM), 2);
    let old = sad.insert_outbound(SaId(1), new_out).unwrap();
    assert_eq!(old.spi(), 0x1111);
    sad.insert_inbound(new_in).unwrap();
    assert!(sad.remove_inbound(0x1111).is_some());
    assert_eq!(
        spd.decide_ipv4(&packet, &sad).unwrap(),
        Decision::Protect(SaId(1))
    );
    assert!(sad.remove_outbound(SaId(1)).is_some());
    assert!(matches!(
        spd.decide_ipv4(&packet, &sad).unwrap(),
        Decision::Acquire(_)
    ));
}

#[test]
fn a_tag_lives_beside_its_outbound_sa_and_seal_if_usable_refuses_an_expired_one() {
    let mut sad: Sad<&str> = Sad::tagged();
    let params = SaParams::new(0x1111, Suite::AES128_GCM).with_lifetime(Lifetime::new(100, 1));
    let (out, _) = pair(&params, 1);
    assert!(
        sad.insert_outbound_tagged(SaId(1), out, "to 198.51.100.2")
            .is_none()
    );
    assert_eq!(sad.outbound_tag(SaId(1)), Some(&"to 198.51.100.2"));
    assert_eq!(sad.outbound_tag(SaId(2)), None);
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let inner = [0x45u8; 600];
    let (mut buf, range) = layout(sad.outbound(SaId(1)).unwrap(), &inner);
    // 600 bytes, then 600 more: past the 1 KB hard limit, the SA stops.
    let now = Instant::from_secs(1);
    let first = sad.seal_if_usable(SaId(1), &mut buf, range.clone(), 4, &mut rng, now);
    assert!(matches!(first, Some(Ok(_))));
    let (mut buf, range) = layout(sad.outbound(SaId(1)).unwrap(), &inner);
    let second = sad.seal_if_usable(SaId(1), &mut buf, range.clone(), 4, &mut rng, now);
    assert!(matches!(second, Some(Ok(_))));
    assert!(!sad.has_usable_outbound(SaId(1)));
    let before = sad.outbound(SaId(1)).unwrap().counters();
    // Expired: nothing sealed and nothing counted (the SPD would acquire).
    assert!(
        sad.seal_if_usable(SaId(1), &mut buf, range.clone(), 4, &mut rng, now)
            .is_none()
    );
    assert!(
        sad.seal_if_usable(SaId(9), &mut buf, range, 4, &mut rng, now)
            .is_none()
    );
    assert_eq!(sad.outbound(SaId(1)).unwrap().counters(), before);
    // A rekey under the same id hands back the old SA with its tag.
    let (new_out, _) = pair(&SaParams::new(0x2222, Suite::AES128_GCM), 2);
    let (old, tag) = sad.insert_outbound_tagged(SaId(1), new_out, "new").unwrap();
    assert_eq!((old.spi(), tag), (0x1111, "to 198.51.100.2"));
    let (gone, tag) = sad.remove_outbound_tagged(SaId(1)).unwrap();
    assert_eq!((gone.spi(), tag), (0x2222, "new"));
    assert_eq!(sad.outbound_tag(SaId(1)), None);
}

#[test]
fn cisco_counters_of_a_pair() {
    let params = SaParams::new(0x99, Suite::TRIPLE_DES_SHA1);
    let (mut out, mut inb) = pair(&params, 4);
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    for _ in 0..3 {
        let (mut buf, range) = layout(&out, b"ping");
        let o = out.seal(&mut buf, range, 4, &mut rng, Instant(0)).unwrap();
        inb.open(&mut buf[o], Instant(0)).unwrap();
    }
    let text = out
        .counters()
        .combined(&inb.counters())
        .cisco_lines()
        .to_string();
    assert!(text.starts_with("#pkts encaps: 3, #pkts encrypt: 3, #pkts digest 3\n#pkts decaps: 3, #pkts decrypt: 3, #pkts verify 3\n"), "{text}");
    assert!(text.ends_with("#send errors 0, #recv errors 0"));
    assert_eq!(
        out.suite().cisco_transform().to_string(),
        "esp-3des esp-sha-hmac"
    );
    assert_eq!(inb.mode().cisco_name(), "Tunnel");
    assert!(inb.replay_detection());
    assert_eq!(inb.replay_window(), 64);
}
