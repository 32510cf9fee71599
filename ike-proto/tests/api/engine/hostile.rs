//! What a hostile network does: tampered packets, hostile input, zero padding, a flood of half-open SAs from one peer.

use super::*;

#[test]
fn tampered_packets_never_panic_and_never_establish() {
    for target in 0..12usize {
        let mut pair = seed_pair(
            Config {
                retransmit_tries: 3,
                ..Config::default()
            },
            200 + target as u64,
        );
        let mut n = 0usize;
        pair.tamper = Some(Box::new(move |c| {
            n += 1;
            if n == target + 1 {
                let len = c.payload.len();
                // Flip a byte past the header (payloads or ciphertext).
                if len > 40 {
                    c.payload[30 + (n * 7) % (len - 31)] ^= 0x5a;
                }
            }
            true
        }));
        pair.initiate_a(spoke_selectors());
        pair.run_for(Duration::from_secs(120));
        // Either the exchange recovered (the damaged copy was dropped and a
        // retransmission got through) and the keys agree, or nothing is up.
        let (a, b) = (pair.a.child_sas(), pair.b.child_sas());
        if let (Some(a), Some(b)) = (a.first(), b.first()) {
            assert_mirrored(keyed(&pair.a_events, a), keyed(&pair.b_events, b));
        }
    }
}

#[test]
fn half_open_sas_are_capped_per_peer() {
    let config = Config {
        half_open_per_peer: 3,
        ..Config::default()
    };
    let mut hub = engine(
        StaticPolicy::seed(b"k", hub_lan(), spoke_lan()),
        config,
        121,
    );
    let hub_addr = std::net::SocketAddrV4::new(HUB, 500);
    let spoke_addr = std::net::SocketAddrV4::new(SPOKE, 500);
    let mut answered = 0;
    for seed in 0..10 {
        // Ten spokes behind one address each start a Main Mode and vanish.
        let mut spoke = engine(
            StaticPolicy::seed(b"k", spoke_lan(), hub_lan()),
            Config::default(),
            300 + seed,
        );
        spoke
            .initiate(Instant::ZERO, spoke_addr, hub_addr, spoke_selectors())
            .unwrap();
        let mm1 = spoke.poll_transmit().unwrap();
        hub.handle_datagram(Instant::ZERO, hub_addr, spoke_addr, &mm1.payload);
        while let Some(d) = hub.poll_transmit() {
            assert_eq!(d.remote, spoke_addr);
            answered += 1;
        }
    }
    // Each newcomer is answered: the address's oldest unverified SA makes
    // room (a spoofer using a real peer's address cannot keep it out), so
    // the address never holds more than three.
    assert_eq!(answered, 10);
    assert_eq!(hub.half_open().entries, 3);
    assert_eq!(hub.ike_sa_rows().len(), 3);
    assert_eq!(hub.counters().half_open_evicted, 7);
    // They time out and make room again.
    hub.handle_timeout(Instant::from_secs(3600));
    while hub.poll_transmit().is_some() {}
    let mut spoke = engine(
        StaticPolicy::seed(b"k", spoke_lan(), hub_lan()),
        Config::default(),
        400,
    );
    spoke
        .initiate(
            Instant::from_secs(3600),
            spoke_addr,
            hub_addr,
            spoke_selectors(),
        )
        .unwrap();
    let mm1 = spoke.poll_transmit().unwrap();
    hub.handle_datagram(Instant::from_secs(3600), hub_addr, spoke_addr, &mm1.payload);
    assert!(hub.poll_transmit().is_some());
}

mod hostile_input {
    use proptest::prelude::*;

    use super::*;

    fn hub() -> Engine {
        engine(
            StaticPolicy::seed(b"cisco123", hub_lan(), spoke_lan()),
            Config::default(),
            7,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

        /// Bytes from nowhere, on 500 or 4500: never a panic, never an SA.
        #[test]
        fn arbitrary_datagrams(data in proptest::collection::vec(any::<u8>(), 0..700), natt in any::<bool>()) {
            let mut hub = hub();
            let port = if natt { 4500 } else { 500 };
            let local = std::net::SocketAddrV4::new(HUB, port);
            let remote = std::net::SocketAddrV4::new(SPOKE, port);
            hub.handle_datagram(Instant::ZERO, local, remote, &data);
            while hub.poll_transmit().is_some() {}
            hub.handle_timeout(Instant::from_secs(120));
            prop_assert!(hub.ike_sas().is_empty() && hub.child_sas().is_empty());
        }

        /// A real negotiation's messages with one byte changed, replayed
        /// into both peers after they are established: never a panic, and
        /// the established child SAs still agree.
        #[test]
        fn mutated_replays(index in any::<usize>(), pos in any::<usize>(), xor in 1u8..=255) {
            let mut pair = seed_pair(Config::default(), 5);
            pair.initiate_a(spoke_selectors());
            pair.run_for(Duration::from_secs(5));
            let captured = pair.captured.clone();
            let c = &captured[index % captured.len()];
            let mut bytes = c.payload.clone();
            let at = pos % bytes.len();
            bytes[at] ^= xor;
            let now = pair.now;
            let to = if c.dst.ip() == &HUB { &mut pair.b } else { &mut pair.a };
            to.handle_datagram(now, c.dst, c.src, &bytes);
            pair.run_for(Duration::from_secs(30));
            let (a, b) = (pair.a.child_sas(), pair.b.child_sas());
            prop_assert_eq!(a.len(), 1);
            prop_assert_eq!(b.len(), 1);
            assert_mirrored(keyed(&pair.a_events, &a[0]), keyed(&pair.b_events, &b[0]));
        }
    }
}

/// Libreswan pads its cleartext first message with zero bytes after the
/// last payload (inside the ISAKMP length). Harmless: the hub answers it
/// as it would the unpadded one, and counts it; other trailing bytes are
/// still PAYLOAD_MALFORMED. The AM2 identity is UDP/500 (RFC 2407 4.6.2:
/// 0/0 or 17/500).
#[test]
fn zero_padded_first_messages_are_answered_and_counted() {
    // The client's AM1, padded; and a hub that has seen nothing yet.
    let am1 = |pad: &[u8]| {
        let mut sender = vpn_client_pair(b"cisco123", b"cisco123", 27);
        sender.initiate_a(client_selectors());
        let d = sender.captured.first().expect("AM1").clone();
        let mut bytes = d.payload.clone();
        bytes.extend_from_slice(pad);
        let len = u32::try_from(bytes.len()).unwrap();
        bytes[24..28].copy_from_slice(&len.to_be_bytes());
        (vpn_client_pair(b"cisco123", b"cisco123", 28), d, bytes)
    };
    let (mut pair, d, padded) = am1(&[0; 7]);
    pair.b.handle_datagram(pair.now, d.dst, d.src, &padded);
    let reply = pair.b.poll_transmit().expect("AM2");
    let Ok(WireDatagram::Plain(m)) = WireDatagram::parse(&reply.payload) else {
        panic!("AM2 in the clear");
    };
    assert_eq!(m.header.exchange_type.get(), 4, "Aggressive Mode");
    assert!(m.sa().is_some());
    let id = m
        .payloads
        .iter()
        .find_map(|p| match p {
            ike_proto::wire::Payload::Id(i) => Some(i.clone()),
            _ => None,
        })
        .expect("IDir");
    assert_eq!((id.protocol, id.port), (17, 500));
    assert_eq!(pair.b.counters().zero_padding, 1);

    let (mut pair, d, junk) = am1(&[0, 0, 1]);
    pair.b.handle_datagram(pair.now, d.dst, d.src, &junk);
    let reply = pair.b.poll_transmit().expect("a notify");
    let Ok(WireDatagram::Plain(m)) = WireDatagram::parse(&reply.payload) else {
        panic!("a notify in the clear");
    };
    assert_eq!(
        m.notifies().map(|n| n.notify_type).collect::<Vec<_>>(),
        [NotifyType::PAYLOAD_MALFORMED]
    );
    assert_eq!(pair.b.counters().zero_padding, 0);
}
