//! Truncated, overlong, looping and nonsense messages are rejected with the
//! right error and the right notify, and nothing panics.

use ike_proto::error::{ApiMisuse, Error, InvalidMessage, PeerIncompatible, PeerMisbehaved};
use ike_proto::wire::{
    Cookie, Datagram, ExchangeType, Flags, Header, MAX_MESSAGE_LEN, MAX_PAYLOADS, Message,
    NotifyType, Payload, PayloadType, VendorIdPayload,
};

/// A header plus two VIDs (4 bytes each): 28 + 8 + 8 = 44 bytes.
fn two_vids() -> Vec<u8> {
    Message {
        header: Header {
            initiator_cookie: Cookie([1; 8]),
            responder_cookie: Cookie::ZERO,
            exchange_type: ExchangeType::IDENTITY_PROTECTION,
            flags: Flags::empty(),
            message_id: 0,
        },
        payloads: vec![
            Payload::VendorId(VendorIdPayload::new(vec![0xaa; 4])),
            Payload::VendorId(VendorIdPayload::new(vec![0xbb; 4])),
        ],
    }
    .to_bytes()
    .unwrap()
}

fn set_len(b: &mut [u8], len: u32) {
    b[24..28].copy_from_slice(&len.to_be_bytes());
}

fn reject(bytes: &[u8]) -> (Error, NotifyType) {
    let e = Message::parse(bytes).unwrap_err();
    assert_eq!(Datagram::parse(bytes).unwrap_err(), e);
    let n = e.notify().unwrap();
    (e, n)
}

#[test]
fn the_fixture_is_valid() {
    let b = two_vids();
    assert_eq!(b.len(), 44);
    assert_eq!(Message::parse(&b).unwrap().payloads.len(), 2);
}

#[test]
fn truncated_everywhere() {
    let b = two_vids();
    for n in 0..b.len() {
        let mut cut = b[..n].to_vec();
        let (e, notify) = reject(&cut);
        if n < 28 {
            assert!(
                matches!(e, Error::InvalidMessage(InvalidMessage::Truncated { .. })),
                "{n}: {e}"
            );
            assert_eq!(notify, NotifyType::PAYLOAD_MALFORMED);
        } else {
            // the header still claims 44 bytes
            assert!(
                matches!(
                    e,
                    Error::InvalidMessage(InvalidMessage::MessageLength { .. })
                ),
                "{n}: {e}"
            );
            assert_eq!(notify, NotifyType::UNEQUAL_PAYLOAD_LENGTHS);
            // fix the header length: now the chain itself is cut short
            if n > 28 {
                set_len(&mut cut, n as u32);
                let (e, notify) = reject(&cut);
                assert!(
                    notify == NotifyType::UNEQUAL_PAYLOAD_LENGTHS
                        || notify == NotifyType::PAYLOAD_MALFORMED,
                    "{n}: {e}"
                );
            }
        }
    }
}

#[test]
fn header_length_must_equal_the_datagram() {
    let mut b = two_vids();
    set_len(&mut b, 45); // larger than the datagram
    let (e, n) = reject(&b);
    assert_eq!(
        e,
        Error::InvalidMessage(InvalidMessage::MessageLength {
            declared: 45,
            available: 44
        })
    );
    assert_eq!(n, NotifyType::UNEQUAL_PAYLOAD_LENGTHS);
    assert_eq!(
        e.to_string(),
        "malformed message: ISAKMP header says 45 bytes, datagram has 44"
    );

    let mut b = two_vids();
    b.push(0); // trailing byte after the declared length
    let (e, n) = reject(&b);
    assert!(matches!(
        e,
        Error::InvalidMessage(InvalidMessage::MessageLength { .. })
    ));
    assert_eq!(n, NotifyType::UNEQUAL_PAYLOAD_LENGTHS);

    let mut b = two_vids();
    set_len(&mut b, u32::MAX);
    assert_eq!(reject(&b).1, NotifyType::UNEQUAL_PAYLOAD_LENGTHS);

    let mut b = two_vids();
    set_len(&mut b, 20); // shorter than a header
    assert_eq!(reject(&b).1, NotifyType::UNEQUAL_PAYLOAD_LENGTHS);
}

#[test]
fn overlong_payload() {
    let mut b = two_vids();
    b[39] = 9; // second VID claims 9 bytes, 8 remain
    let (e, n) = reject(&b);
    assert_eq!(
        e,
        Error::InvalidMessage(InvalidMessage::UnequalLengths {
            what: "payload",
            declared: 9,
            available: 8
        })
    );
    assert_eq!(n, NotifyType::UNEQUAL_PAYLOAD_LENGTHS);
    let mut b = two_vids();
    b[30..32].copy_from_slice(&0xffffu16.to_be_bytes());
    assert_eq!(reject(&b).1, NotifyType::UNEQUAL_PAYLOAD_LENGTHS);
}

#[test]
fn chain_ending_before_the_message() {
    let mut b = two_vids();
    b[28] = 0; // first VID says it is the last
    let (e, n) = reject(&b);
    assert_eq!(
        e,
        Error::InvalidMessage(InvalidMessage::UnequalLengths {
            what: "payload chain",
            declared: 8,
            available: 16
        })
    );
    assert_eq!(n, NotifyType::UNEQUAL_PAYLOAD_LENGTHS);
    let mut b = two_vids();
    b[16] = 0; // header says there are no payloads
    assert_eq!(reject(&b).1, NotifyType::UNEQUAL_PAYLOAD_LENGTHS);
}

#[test]
fn looping_chains() {
    // A payload length of 0 (or anything below the generic header) would
    // make a naive walker revisit the same payload forever.
    for len in [0u16, 1, 2, 3] {
        let mut b = two_vids();
        b[30..32].copy_from_slice(&len.to_be_bytes());
        let (e, n) = reject(&b);
        assert_eq!(
            e,
            Error::InvalidMessage(InvalidMessage::LengthTooShort {
                what: "payload",
                declared: usize::from(len),
                min: 4
            })
        );
        assert_eq!(n, NotifyType::PAYLOAD_MALFORMED);
    }
    // A chain where every payload names its own type again: bounded by the
    // payload cap, never by the attacker.
    let mut b = Vec::new();
    b.extend_from_slice(&two_vids()[..28]);
    for _ in 0..=MAX_PAYLOADS {
        b.extend_from_slice(&[13, 0, 0, 5, 0xcc]);
    }
    let len = b.len() as u32;
    set_len(&mut b, len);
    let (e, n) = reject(&b);
    assert!(
        matches!(e, Error::InvalidMessage(InvalidMessage::TooMany { .. })),
        "{e}"
    );
    assert_eq!(n, NotifyType::PAYLOAD_MALFORMED);
}

#[test]
fn nonsense_payload_types() {
    for bad in [0xeeu8, 2, 3, 15, 19, 22, 23, 127, 128, 133, 255] {
        let mut b = two_vids();
        b[16] = bad;
        let (e, n) = reject(&b);
        assert_eq!(
            e,
            Error::InvalidMessage(InvalidMessage::InvalidPayloadType {
                context: "payload chain",
                got: PayloadType(bad)
            })
        );
        assert_eq!(n, NotifyType::INVALID_PAYLOAD_TYPE);
        let mut b = two_vids();
        b[28] = bad; // in the middle of the chain
        assert_eq!(reject(&b).1, NotifyType::INVALID_PAYLOAD_TYPE);
    }
    // a known type whose body is nonsense for it
    let mut b = two_vids();
    b[16] = PayloadType::SA.get();
    let (e, n) = reject(&b);
    assert_eq!(
        e,
        Error::PeerIncompatible(PeerIncompatible::UnsupportedDoi(0xaaaa_aaaa))
    );
    assert_eq!(n, NotifyType::DOI_NOT_SUPPORTED);
    let mut b = two_vids();
    b[16] = PayloadType::NONCE.get(); // 4 bytes is too short for a nonce
    assert_eq!(reject(&b).1, NotifyType::PAYLOAD_MALFORMED);
    let mut b = two_vids();
    b[16] = PayloadType::IDENTIFICATION.get(); // ID type 0xaa, opaque: fine
    assert!(Message::parse(&b).is_ok());
    b[32] = 1; // ID_IPV4_ADDR with no address
    assert_eq!(reject(&b).1, NotifyType::INVALID_ID_INFORMATION);
}

#[test]
fn reserved_bytes_version_and_flags() {
    let mut b = two_vids();
    b[29] = 1; // generic header RESERVED
    let (e, n) = reject(&b);
    assert_eq!(
        e,
        Error::InvalidMessage(InvalidMessage::NonZeroReserved { what: "payload" })
    );
    assert_eq!(n, NotifyType::PAYLOAD_MALFORMED);

    let mut b = two_vids();
    b[17] = 0x20;
    assert_eq!(reject(&b).1, NotifyType::INVALID_MAJOR_VERSION);
    b[17] = 0x11;
    assert_eq!(reject(&b).1, NotifyType::INVALID_MINOR_VERSION);

    let mut b = two_vids();
    b[19] = 0x10;
    assert_eq!(reject(&b).1, NotifyType::INVALID_FLAGS);
}

#[test]
fn oversized_datagram() {
    let b = vec![0u8; MAX_MESSAGE_LEN + 1];
    let (e, n) = reject(&b);
    assert!(matches!(
        e,
        Error::InvalidMessage(InvalidMessage::DatagramTooLarge { .. })
    ));
    assert_eq!(n, NotifyType::UNEQUAL_PAYLOAD_LENGTHS);
}

#[test]
fn emit_refuses_oversized_messages() {
    let m = Message {
        header: Message::parse(&two_vids()).unwrap().header,
        payloads: (0..2)
            .map(|_| Payload::VendorId(VendorIdPayload::new(vec![0; 40_000])))
            .collect(),
    };
    let mut out = vec![1, 2, 3];
    let e = m.emit(&mut out).unwrap_err();
    assert!(matches!(e, Error::ApiMisuse(ApiMisuse::TooLong { .. })));
    assert_eq!(e.notify(), None);
    assert_eq!(out, [1, 2, 3]);
}

#[test]
fn every_error_maps_to_the_notify_a_peer_should_receive() {
    use NotifyType as N;
    let cases: Vec<(Error, Option<NotifyType>)> = vec![
        (
            InvalidMessage::Truncated {
                what: "x",
                needed: 1,
                available: 0,
            }
            .into(),
            Some(N::PAYLOAD_MALFORMED),
        ),
        (
            InvalidMessage::InvalidPayloadType {
                context: "x",
                got: PayloadType(99),
            }
            .into(),
            Some(N::INVALID_PAYLOAD_TYPE),
        ),
        (
            InvalidMessage::UnequalLengths {
                what: "x",
                declared: 1,
                available: 0,
            }
            .into(),
            Some(N::UNEQUAL_PAYLOAD_LENGTHS),
        ),
        (
            InvalidMessage::BadProposalSyntax("x").into(),
            Some(N::BAD_PROPOSAL_SYNTAX),
        ),
        (
            InvalidMessage::InvalidIdentification {
                what: "x",
                got: 1,
                expected: 4,
            }
            .into(),
            Some(N::INVALID_ID_INFORMATION),
        ),
        (
            PeerMisbehaved::InvalidCookie.into(),
            Some(N::INVALID_COOKIE),
        ),
        (
            PeerMisbehaved::InvalidMessageId(7).into(),
            Some(N::INVALID_MESSAGE_ID),
        ),
        (
            PeerMisbehaved::InvalidExchangeType {
                expected: ExchangeType::QUICK,
                got: ExchangeType::AGGRESSIVE,
            }
            .into(),
            Some(N::INVALID_EXCHANGE_TYPE),
        ),
        (
            PeerMisbehaved::InvalidIdInformation("x").into(),
            Some(N::INVALID_ID_INFORMATION),
        ),
        (
            PeerMisbehaved::InvalidHash.into(),
            Some(N::INVALID_HASH_INFORMATION),
        ),
        (
            PeerMisbehaved::AuthenticationFailed.into(),
            Some(N::AUTHENTICATION_FAILED),
        ),
        (
            PeerMisbehaved::UnexpectedPayload {
                got: PayloadType::KEY_EXCHANGE,
            }
            .into(),
            Some(N::INVALID_PAYLOAD_TYPE),
        ),
        (
            PeerIncompatible::NoProposalChosen.into(),
            Some(N::NO_PROPOSAL_CHOSEN),
        ),
        (
            PeerIncompatible::UnsupportedMajorVersion(2).into(),
            Some(N::INVALID_MAJOR_VERSION),
        ),
        (
            PeerIncompatible::UnsupportedExchangeType(ExchangeType::BASE).into(),
            Some(N::UNSUPPORTED_EXCHANGE_TYPE),
        ),
        (
            ApiMisuse::BufferTooSmall {
                required: 2,
                provided: 1,
            }
            .into(),
            None,
        ),
    ];
    for (e, want) in cases {
        assert_eq!(e.notify(), want, "{e}");
    }
    // messages say what was expected and what came
    let e: Error = PeerMisbehaved::InvalidExchangeType {
        expected: ExchangeType::QUICK,
        got: ExchangeType::AGGRESSIVE,
    }
    .into();
    assert_eq!(
        e.to_string(),
        "peer misbehaved: expected exchange QUICK, got AGGRESSIVE"
    );
}
