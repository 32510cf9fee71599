//! Arbitrary bytes into `open` and into the views: never a panic.

use esp_core::spd::PacketInfo;
use esp_core::wire::{EspPacket, Ipv4Packet, Ipv4Repr, UdpEncapPayload, UdpPacket};
use esp_core::{Instant, SaParams, Sad, Suite};
use proptest::prelude::*;

use crate::common::pair;

fn touch_ipv4<T: AsRef<[u8]>>(p: &Ipv4Packet<T>) -> u64 {
    let mut acc = u64::from(p.version()) + p.header_len() as u64 + u64::from(p.dscp_ecn());
    acc += u64::from(p.total_len())
        + u64::from(p.ident())
        + u64::from(p.ttl())
        + u64::from(p.protocol());
    acc += u64::from(p.checksum()) + u64::from(p.fragment_offset());
    acc += u64::from(p.dont_fragment())
        + u64::from(p.more_fragments())
        + u64::from(p.verify_checksum());
    acc += u64::from(u32::from(p.src_addr())) + u64::from(u32::from(p.dst_addr()));
    acc += p.ports().map_or(0, |(a, b)| u64::from(a) + u64::from(b));
    acc + p.payload_range().len() as u64
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn open_never_panics(
        suite_index in 0usize..22,
        esn in any::<bool>(),
        mut bytes in proptest::collection::vec(any::<u8>(), 0..300),
        keep_spi in any::<bool>(),
    ) {
        let suite: Suite = Suite::all().nth(suite_index).unwrap();
        let params = SaParams::new(0x0a0b_0c0d, suite).with_esn(esn);
        let (_, mut inb) = pair(&params, 1);
        if keep_spi && bytes.len() >= 4 {
            // Reach past the SPI check into the length, replay and ICV checks.
            bytes[..4].copy_from_slice(&0x0a0b_0c0du32.to_be_bytes());
        }
        let mut copy = bytes.clone();
        let result = inb.open(&mut copy, Instant(0));
        if suite.is_authenticated() {
            prop_assert!(result.is_err(), "a random packet verified");
            prop_assert_eq!(&copy, &bytes, "nothing decrypted before the ICV verified");
        }
        let c = inb.counters();
        prop_assert_eq!(c.recv_errors + c.decaps, 1);

        let mut sad = Sad::new();
        sad.insert_inbound(inb).unwrap();
        let mut copy = bytes.clone();
        let _ = sad.open(&mut copy, Instant(0));
    }

    #[test]
    fn views_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..100)) {
        let esp = EspPacket::new_unchecked(&bytes[..]);
        let _ = (esp.spi(), esp.sequence_number(), esp.payload(), esp.len(), esp.is_empty());
        if let Ok(esp) = EspPacket::new_checked(&bytes[..]) {
            prop_assert_eq!(esp.payload().len() + 8, bytes.len());
        }
        match UdpEncapPayload::classify(&bytes) {
            Ok(UdpEncapPayload::NatKeepalive) => prop_assert_eq!(&bytes[..], &[0xff]),
            Ok(UdpEncapPayload::Ike(ike)) => prop_assert_eq!(ike.len() + 4, bytes.len()),
            Ok(UdpEncapPayload::Esp(e)) => prop_assert_ne!(e.spi(), 0),
            Err(_) => prop_assert!(bytes.len() < 8),
        }
        let udp = UdpPacket::new_unchecked(&bytes[..]);
        let _ = (udp.src_port(), udp.dst_port(), udp.len_field(), udp.checksum(), udp.payload());
        if let Ok(udp) = UdpPacket::new_checked(&bytes[..]) {
            prop_assert_eq!(udp.payload().len() + 8, usize::from(udp.len_field()));
        }
        touch_ipv4(&Ipv4Packet::new_unchecked(&bytes[..]));
        if let Ok(ip) = Ipv4Packet::new_checked(&bytes[..]) {
            touch_ipv4(&ip);
            prop_assert!(ip.payload().len() <= bytes.len());
            let _ = Ipv4Repr::parse(&ip);
        }
        let _ = PacketInfo::from_ipv4(&bytes);

        let mut m = bytes.clone();
        let mut esp = EspPacket::new_unchecked(&mut m[..]);
        esp.set_spi(1);
        esp.set_sequence_number(2);
        let _ = esp.payload_mut();
        let mut udp = UdpPacket::new_unchecked(&mut m[..]);
        udp.set_src_port(1);
        udp.set_dst_port(2);
        udp.set_checksum(3);
        let _ = udp.payload_mut();
        udp.set_len_field(4);
        let _ = Ipv4Repr {
            src_addr: [1, 2, 3, 4].into(),
            dst_addr: [5, 6, 7, 8].into(),
            protocol: 6,
            payload_len: 0,
            ttl: 1,
            ident: 0,
        }
        .emit(&mut m);
    }

    #[test]
    fn ipv4_view_checks_agree_with_fields(
        ver_ihl in any::<u8>(),
        total in any::<u16>(),
        len in 0usize..80,
    ) {
        let mut b = vec![0u8; len];
        if len > 0 { b[0] = ver_ihl; }
        if len > 3 { b[2..4].copy_from_slice(&total.to_be_bytes()); }
        if let Ok(ip) = Ipv4Packet::new_checked(&b[..]) {
            prop_assert_eq!(ip.version(), 4);
            prop_assert!(ip.header_len() >= 20);
            prop_assert!(ip.header_len() <= usize::from(ip.total_len()));
            prop_assert!(usize::from(ip.total_len()) <= len);
        }
    }
}
