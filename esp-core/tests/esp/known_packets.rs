//! Byte-exact packets for tunnel and transport mode, computed independently
//! (tests/vectors/gen_known_packets.py, Python `cryptography` + `hmac`).

use esp_core::{InboundSa, Instant, KeyMaterial, Mode, OutboundSa, SaParams, Suite};

use crate::common::{FixedRng, encryption, hex, integrity, layout, vector};

#[test]
fn known_packets_seal_and_open_byte_exact() {
    let v = vector("known_packets.json");
    let cases = v["cases"].as_array().unwrap();
    assert!(cases.len() >= 7);
    let (mut tunnel, mut transport) = (0, 0);
    for c in cases {
        let name = c["name"].as_str().unwrap();
        let suite = Suite::new(
            encryption(c["encryption"].as_str().unwrap()),
            integrity(c["integrity"].as_str().unwrap()),
        )
        .unwrap();
        let mode = match c["mode"].as_str().unwrap() {
            "tunnel" => {
                tunnel += 1;
                Mode::Tunnel
            }
            _ => {
                transport += 1;
                Mode::Transport
            }
        };
        let mut params = SaParams::new(c["spi"].as_u64().unwrap() as u32, suite)
            .with_mode(mode)
            .with_esn(c["esn"].as_bool().unwrap());
        if let Some(ports) = c["udp"].as_array() {
            params = params.with_udp_encapsulation(
                ports[0].as_u64().unwrap() as u16,
                ports[1].as_u64().unwrap() as u16,
            );
        }
        let enc_key = hex(&c["encryption_key"]);
        let auth_key = hex(&c["integrity_key"]);
        let keys = KeyMaterial::new(&enc_key, &auth_key);
        let sequence = c["sequence"].as_u64().unwrap();
        let inner = hex(&c["inner"]);
        let next_header = c["next_header"].as_u64().unwrap() as u8;
        let expected = hex(&c["expected"]);

        let mut outbound = OutboundSa::new(&params, &keys, Instant(0)).unwrap();
        outbound.set_next_sequence(sequence).unwrap();
        let (mut buf, range) = layout(&outbound, &inner);
        let mut rng = FixedRng(hex(&c["iv"]));
        let out = outbound
            .seal(&mut buf, range, next_header, &mut rng, Instant(0))
            .unwrap();
        assert_eq!(
            hex::encode(&buf[out.clone()]),
            hex::encode(&expected),
            "{name}"
        );
        assert_eq!(
            out.len(),
            inner.len() + outbound.overhead(inner.len()),
            "{name}"
        );

        // And it opens back to the inner packet (a receiver that has seen the
        // number just before, so the ESN high half is inferred).
        let mut inbound = InboundSa::new(&params, &keys, Instant(0)).unwrap();
        let udp = if params.udp_encapsulation.is_some() {
            8
        } else {
            0
        };
        let mut packet = expected[udp..].to_vec();
        if sequence > 1 {
            inbound.set_highest_sequence(sequence - 1);
        }
        let opened = inbound.open(&mut packet, Instant(0)).unwrap();
        assert_eq!(&packet[opened.inner.clone()], &inner[..], "{name}");
        assert_eq!(opened.next_header, next_header, "{name}");
        assert_eq!(opened.sequence, sequence, "{name}");
    }
    assert!(tunnel >= 3 && transport >= 2);
}
