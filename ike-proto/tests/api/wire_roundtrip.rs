//! Property tests of the wire codec: emit and parse are exact inverses.
//!
//! * Arbitrary representations: emit → parse gives the value back, the
//!   bytes re-emit identically and `buffer_len` is the emitted length.
//! * Arbitrary bytes (random, and valid encodings with random damage):
//!   whatever parses re-emits to exactly the input, and nothing panics.

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ike_proto::wire::{
    AttributePayload, CertEncoding, CertPayload, CertRequestPayload, ConfigMessageType, Cookie,
    DataAttribute, Datagram, DeletePayload, Doi, EncryptedMessage, ExchangeType, Flags,
    FragmentFlags, FragmentPayload, HashPayload, Header, IdPayload, IdType, KePayload, Message,
    NatDPayload, NatOaPayload, NatTNumbering, NoncePayload, NotifyPayload, NotifyType, Payload,
    PayloadType, Proposal, ProtocolId, SaPayload, SigPayload, Transform, VendorIdPayload,
    emit_attributes, emit_payloads, first_payload_type, parse_attributes, parse_payloads,
    parse_payloads_padded,
};
use proptest::prelude::*;

fn bytes(min: usize, max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), min..=max)
}

fn attribute() -> impl Strategy<Value = DataAttribute> {
    prop_oneof![
        (0u16..0x8000, any::<u16>()).prop_map(|(k, v)| DataAttribute::basic(k, v)),
        (0u16..0x8000, bytes(0, 12)).prop_map(|(k, v)| DataAttribute::variable(k, v)),
    ]
}

fn transform() -> impl Strategy<Value = Transform> {
    (
        any::<u8>(),
        any::<u8>(),
        prop::collection::vec(attribute(), 0..6),
    )
        .prop_map(|(number, transform_id, attributes)| Transform {
            number,
            transform_id,
            attributes,
        })
}

fn proposal() -> impl Strategy<Value = Proposal> {
    (
        any::<u8>(),
        any::<u8>(),
        bytes(0, 16),
        prop::collection::vec(transform(), 1..4),
    )
        .prop_map(|(number, protocol, spi, transforms)| Proposal {
            number,
            protocol: ProtocolId(protocol),
            spi,
            transforms,
        })
}

fn sa() -> impl Strategy<Value = SaPayload> {
    (0u32..=1, prop::collection::vec(proposal(), 1..4)).prop_map(|(situation, proposals)| {
        SaPayload {
            doi: Doi::IPSEC,
            situation,
            proposals,
        }
    })
}

fn id() -> impl Strategy<Value = IdPayload> {
    let addr4 = any::<[u8; 4]>().prop_map(Ipv4Addr::from);
    let addr6 = any::<[u8; 16]>().prop_map(Ipv6Addr::from);
    prop_oneof![
        (addr4.clone(), any::<u8>(), any::<u16>()).prop_map(|(a, p, o)| IdPayload::ipv4(a, p, o)),
        (addr4.clone(), addr4.clone()).prop_map(|(a, m)| IdPayload::ipv4_subnet(a, m, 0, 0)),
        (addr4.clone(), addr4).prop_map(|(a, b)| IdPayload::ipv4_range(a, b, 17, 500)),
        addr6.prop_map(|a| IdPayload::ipv6(a, 0, 0)),
        (
            prop::sample::select(vec![6u8, 8]),
            bytes(32, 32),
            any::<u8>(),
            any::<u16>()
        )
            .prop_map(|(t, data, protocol, port)| IdPayload {
                id_type: IdType(t),
                protocol,
                port,
                data
            }),
        (
            prop::sample::select(vec![2u8, 3, 9, 10, 11, 0, 12, 200]),
            bytes(0, 40),
            any::<u8>(),
            any::<u16>()
        )
            .prop_map(|(t, data, protocol, port)| IdPayload {
                id_type: IdType(t),
                protocol,
                port,
                data
            }),
    ]
}

fn notify() -> impl Strategy<Value = NotifyPayload> {
    (
        any::<u32>(),
        any::<u8>(),
        any::<u16>(),
        bytes(0, 20),
        bytes(0, 40),
    )
        .prop_map(|(doi, protocol, t, spi, data)| NotifyPayload {
            doi: Doi(doi),
            protocol: ProtocolId(protocol),
            notify_type: NotifyType(t),
            spi,
            data,
        })
}

fn delete() -> impl Strategy<Value = DeletePayload> {
    (any::<u32>(), any::<u8>(), 1u8..=16, 0usize..6).prop_flat_map(
        |(doi, protocol, size, count)| {
            prop::collection::vec(bytes(usize::from(size), usize::from(size)), count).prop_map(
                move |spis| DeletePayload {
                    doi: Doi(doi),
                    protocol: ProtocolId(protocol),
                    spi_size: size,
                    spis,
                },
            )
        },
    )
}

fn numbering() -> impl Strategy<Value = NatTNumbering> {
    prop_oneof![Just(NatTNumbering::Rfc3947), Just(NatTNumbering::Draft)]
}

fn payload() -> impl Strategy<Value = Payload> {
    prop_oneof![
        sa().prop_map(Payload::Sa),
        bytes(1, 200).prop_map(|d| Payload::Ke(KePayload::new(d))),
        id().prop_map(Payload::Id),
        (any::<u8>(), bytes(1, 50)).prop_map(|(e, data)| Payload::Cert(CertPayload {
            encoding: CertEncoding(e),
            data
        })),
        (any::<u8>(), bytes(0, 50)).prop_map(|(e, authority)| Payload::CertRequest(
            CertRequestPayload {
                encoding: CertEncoding(e),
                authority
            }
        )),
        bytes(1, 64).prop_map(|d| Payload::Hash(HashPayload::new(d))),
        bytes(1, 64).prop_map(|d| Payload::Sig(SigPayload::new(d))),
        bytes(8, 256).prop_map(|d| Payload::Nonce(NoncePayload::new(d))),
        notify().prop_map(Payload::Notify),
        delete().prop_map(Payload::Delete),
        bytes(1, 40).prop_map(|d| Payload::VendorId(VendorIdPayload::new(d))),
        (
            any::<u8>(),
            any::<u16>(),
            prop::collection::vec(attribute(), 0..8)
        )
            .prop_map(
                |(t, identifier, attributes)| Payload::Attribute(AttributePayload {
                    message_type: ConfigMessageType(t),
                    identifier,
                    attributes
                })
            ),
        (numbering(), bytes(1, 40))
            .prop_map(|(numbering, hash)| Payload::NatD(NatDPayload { numbering, hash })),
        (
            numbering(),
            prop_oneof![
                any::<[u8; 4]>().prop_map(|a| IpAddr::V4(a.into())),
                any::<[u8; 16]>().prop_map(|a| IpAddr::V6(a.into())),
            ]
        )
            .prop_map(|(numbering, address)| Payload::NatOa(NatOaPayload { numbering, address })),
        (any::<u16>(), any::<u8>(), any::<u8>(), bytes(0, 40)).prop_map(
            |(fragment_id, number, flags, data)| Payload::Fragment(FragmentPayload {
                fragment_id,
                number,
                flags: FragmentFlags::from_bits_retain(flags),
                data
            })
        ),
    ]
}

fn header() -> impl Strategy<Value = Header> {
    (
        any::<[u8; 8]>(),
        any::<[u8; 8]>(),
        any::<u8>(),
        0u8..8,
        any::<u32>(),
    )
        .prop_map(|(i, r, x, f, message_id)| Header {
            initiator_cookie: Cookie(i),
            responder_cookie: Cookie(r),
            exchange_type: ExchangeType(x),
            flags: Flags::from_bits_truncate(f),
            message_id,
        })
}

fn message() -> impl Strategy<Value = Message> {
    (header(), prop::collection::vec(payload(), 0..8))
        .prop_map(|(header, payloads)| Message { header, payloads })
}

/// Every payload body parser, by type.
fn parse_body(t: PayloadType, body: &[u8]) -> Option<Vec<u8>> {
    let p = Payload::parse(t, body).ok()?;
    let mut out = Vec::new();
    p.emit_body(&mut out).unwrap();
    assert_eq!(p.body_len(), out.len());
    Some(out)
}

const BODY_TYPES: [u8; 17] = [
    1, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 20, 21, 130, 131, 132,
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn payload_repr_round_trips(p in payload()) {
        let mut body = Vec::new();
        p.emit_body(&mut body).unwrap();
        prop_assert_eq!(body.len(), p.body_len());
        let back = Payload::parse(p.payload_type(), &body).unwrap();
        prop_assert_eq!(&back, &p);
        let mut again = Vec::new();
        back.emit_body(&mut again).unwrap();
        prop_assert_eq!(again, body);
    }

    #[test]
    fn message_repr_round_trips(m in message()) {
        let bytes = m.to_bytes().unwrap();
        prop_assert_eq!(bytes.len(), m.buffer_len());
        let back = Message::parse(&bytes).unwrap();
        prop_assert_eq!(&back, &m);
        prop_assert_eq!(back.to_bytes().unwrap(), bytes.clone());
        // the datagram entry point agrees, and an E-flagged message keeps
        // its body as ciphertext
        let d = Datagram::parse(&bytes).unwrap();
        let mut again = Vec::new();
        d.emit(&mut again).unwrap();
        prop_assert_eq!(&again, &bytes);
        match d {
            Datagram::Plain(p) => prop_assert_eq!(p, m),
            Datagram::Encrypted(e) => {
                prop_assert!(m.header.flags.contains(Flags::ENCRYPTION));
                prop_assert_eq!(e.parse_plaintext(e.ciphertext).unwrap(), m);
            }
        }
    }

    #[test]
    fn decrypted_chain_with_padding_round_trips(
        payloads in prop::collection::vec(payload(), 1..6),
        padding in bytes(0, 256),
    ) {
        let mut plain = Vec::new();
        emit_payloads(&payloads, &mut plain).unwrap();
        let chain_len = plain.len();
        plain.extend_from_slice(&padding);
        let got = parse_payloads_padded(first_payload_type(&payloads), &plain).unwrap();
        prop_assert_eq!(&got.payloads, &payloads);
        prop_assert_eq!(got.padding, &plain[chain_len..]);
        let mut again = Vec::new();
        emit_payloads(&got.payloads, &mut again).unwrap();
        again.extend_from_slice(got.padding);
        prop_assert_eq!(again, plain);
    }

    #[test]
    fn attribute_lists_round_trip(attrs in prop::collection::vec(attribute(), 0..20)) {
        let mut out = Vec::new();
        emit_attributes(&attrs, &mut out).unwrap();
        prop_assert_eq!(parse_attributes(&out).unwrap(), attrs);
    }

    #[test]
    fn arbitrary_bytes_parse_only_to_what_reemits(data in bytes(0, 300)) {
        if let Ok(m) = Message::parse(&data) {
            prop_assert_eq!(m.to_bytes().unwrap(), data.clone());
        }
        if let Ok(d) = Datagram::parse(&data) {
            let mut out = Vec::new();
            d.emit(&mut out).unwrap();
            prop_assert_eq!(&out, &data);
        }
        if let Ok(e) = EncryptedMessage::parse(&data) {
            let mut out = Vec::new();
            e.emit(&mut out).unwrap();
            prop_assert_eq!(&out, &data);
        }
        if let Ok(attrs) = parse_attributes(&data) {
            let mut out = Vec::new();
            emit_attributes(&attrs, &mut out).unwrap();
            prop_assert_eq!(&out, &data);
        }
        for t in BODY_TYPES {
            if let Some(out) = parse_body(PayloadType(t), &data) {
                prop_assert_eq!(&out, &data);
            }
            if let Ok(p) = parse_payloads(PayloadType(t), &data) {
                let mut out = Vec::new();
                emit_payloads(&p, &mut out).unwrap();
                prop_assert_eq!(&out, &data);
            }
        }
    }

    #[test]
    fn damaged_messages_parse_only_to_what_reemits(
        m in message(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        cut in any::<prop::sample::Index>(),
        do_cut in any::<bool>(),
    ) {
        let mut bytes = m.to_bytes().unwrap();
        for (at, v) in edits {
            let i = at.index(bytes.len());
            bytes[i] = v;
        }
        if do_cut {
            bytes.truncate(cut.index(bytes.len() + 1));
        }
        match Message::parse(&bytes) {
            Ok(m) => prop_assert_eq!(m.to_bytes().unwrap(), bytes),
            Err(e) => {
                // every parse failure tells the peer something
                prop_assert!(e.notify().is_some(), "{e}");
            }
        }
    }

    #[test]
    fn damaged_payload_bodies_parse_only_to_what_reemits(
        p in payload(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
    ) {
        let mut body = Vec::new();
        p.emit_body(&mut body).unwrap();
        if body.is_empty() {
            return Ok(());
        }
        for (at, v) in edits {
            let i = at.index(body.len());
            body[i] = v;
        }
        for t in BODY_TYPES {
            if let Some(out) = parse_body(PayloadType(t), &body) {
                prop_assert_eq!(&out, &body);
            }
        }
    }
}
