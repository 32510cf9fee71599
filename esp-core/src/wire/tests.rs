use core::net::Ipv4Addr;

use super::*;
use crate::EspError;

#[test]
fn esp_header_roundtrip_and_truncation() {
    let mut buf = [0u8; 12];
    let mut packet = EspPacket::new_unchecked(&mut buf[..]);
    EspRepr {
        spi: 0xdead_beef,
        sequence_number: 42,
    }
    .emit(&mut packet);
    packet.payload_mut().copy_from_slice(&[1, 2, 3, 4]);
    let packet = EspPacket::new_checked(&buf[..]).unwrap();
    assert_eq!(packet.spi(), 0xdead_beef);
    assert_eq!(packet.sequence_number(), 42);
    assert_eq!(packet.payload(), &[1, 2, 3, 4]);
    assert_eq!(
        EspRepr::parse(&packet).unwrap(),
        EspRepr {
            spi: 0xdead_beef,
            sequence_number: 42
        }
    );
    for len in 0..ESP_HEADER_LEN {
        assert!(matches!(
            EspPacket::new_checked(&buf[..len]),
            Err(EspError::Truncated { needed: 8, .. })
        ));
    }
    // Unchecked views over short buffers never panic.
    let short = EspPacket::new_unchecked(&buf[..3]);
    assert_eq!(short.spi(), 0);
    assert_eq!(short.payload(), &[] as &[u8]);
}

#[test]
fn udp_encap_demux() {
    assert_eq!(
        UdpEncapPayload::classify(&[0xff]),
        Ok(UdpEncapPayload::NatKeepalive)
    );
    let ike = [0, 0, 0, 0, 1, 2, 3];
    assert_eq!(
        UdpEncapPayload::classify(&ike),
        Ok(UdpEncapPayload::Ike(&[1, 2, 3]))
    );
    assert_eq!(
        UdpEncapPayload::classify(&[0, 0, 0, 0]),
        Ok(UdpEncapPayload::Ike(&[]))
    );
    let esp = [0, 0, 1, 0, 0, 0, 0, 9];
    match UdpEncapPayload::classify(&esp) {
        Ok(UdpEncapPayload::Esp(p)) => {
            assert_eq!(p.spi(), 256);
            assert_eq!(p.sequence_number(), 9);
        }
        other => panic!("{other:?}"),
    }
    for bad in [&[][..], &[0xfe], &[0xff, 0xff], &[1, 2, 3, 4, 5, 6, 7]] {
        assert!(UdpEncapPayload::classify(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn udp_view_checks_length_field() {
    let mut dgram = [0u8; 12];
    let mut udp = UdpPacket::new_unchecked(&mut dgram[..]);
    udp.set_src_port(4500);
    udp.set_dst_port(4501);
    udp.set_len_field(11);
    udp.set_checksum(0);
    udp.payload_mut().copy_from_slice(&[7, 8, 9]);
    let udp = UdpPacket::new_checked(&dgram[..]).unwrap();
    assert_eq!(
        (udp.src_port(), udp.dst_port(), udp.len_field()),
        (4500, 4501, 11)
    );
    assert_eq!(udp.payload(), &[7, 8, 9]);
    assert!(UdpPacket::new_checked(&dgram[..10]).is_err());
    dgram[4..6].copy_from_slice(&7u16.to_be_bytes());
    assert!(UdpPacket::new_checked(&dgram[..]).is_err());
}

#[test]
fn ipv4_emit_parse_and_ports() {
    let mut buf = [0u8; 28];
    let repr = Ipv4Repr {
        src_addr: Ipv4Addr::new(10, 1, 0, 1),
        dst_addr: Ipv4Addr::new(10, 2, 0, 1),
        protocol: protocol::UDP,
        payload_len: 8,
        ttl: 64,
        ident: 7,
    };
    repr.emit(&mut buf).unwrap();
    buf[20..24].copy_from_slice(&[0x01, 0xf4, 0x11, 0x94]);
    let packet = Ipv4Packet::new_checked(&buf[..]).unwrap();
    assert!(packet.verify_checksum());
    assert_eq!(Ipv4Repr::parse(&packet).unwrap(), repr);
    assert_eq!(packet.ports(), Some((500, 4500)));
    assert_eq!(packet.payload().len(), 8);
    // A known header (RFC 3602 case 5's inner packet) has a valid checksum.
    let known = hex("4500005408f200004001f9fec0a87b03c0a87b64");
    let mut whole = known.clone();
    whole.resize(0x54, 0);
    assert!(
        Ipv4Packet::new_checked(&whole[..])
            .unwrap()
            .verify_checksum()
    );
    // Errors.
    assert!(Ipv4Packet::new_checked(&known[..]).is_err()); // total length 84 > 20
    let mut v6 = buf;
    v6[0] = 0x65;
    assert!(Ipv4Packet::new_checked(&v6[..]).is_err());
    let mut ihl = buf;
    ihl[0] = 0x44;
    assert!(Ipv4Packet::new_checked(&ihl[..]).is_err());
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}
