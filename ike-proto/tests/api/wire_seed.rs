//! Messages of the seed (Cisco document 46242, `shared/seed/000_c39a445c1bec9ff8.txt`)
//! written out byte by byte from the hub's debug output, parsed, checked
//! field by field and re-emitted identically.
//!
//! What the debug output fixes and what it does not:
//!
//! * Spoke, Main Mode message 1 (debug lines 437-458): one SA payload with
//!   one proposal and one transform, attributes in the order IOS prints
//!   them: encryption 3DES-CBC, hash SHA, group 2, auth pre-share, life type
//!   seconds, life duration as the 4-byte VPI `0x0 0x1 0x51 0x80`. "Next
//!   payload is 0" is the transform's next payload (the VPN client's
//!   transform 9 says 3: more follow). The hub logs no "processing vendor
//!   id payload" for this message, unlike the VPN client's first message,
//!   so the spoke's message 1 carries no VID; its only VID ("speaking to
//!   another IOS box!") comes in message 3. The cookies are not in the
//!   debug output: CKY-I here is arbitrary.
//! * VPN client, Aggressive Mode message 1 (debug lines 632-678): SA with
//!   3DES/SHA/group 2/XAUTHInitPreShared/2147483 s (`0x0 0x20 0xC4 0x9B`)
//!   as transform 9, ID_KEY_ID "testgroup" with protocol 17 port 500 (ID
//!   payload length 17), and five VIDs in the logged order: Xauth, DPD,
//!   NAT-T v2 ("major 123" = byte 14 of draft-02\n's VID, 0x7b),
//!   fragmentation ("major 194" = byte 14 of its VID, 0xc2) and Unity. KE
//!   and nonce values and the cookie are not in the debug output: filler.

use core::net::Ipv4Addr;

use ike_proto::wire::{
    AuthMethod, Cookie, DataAttribute, Datagram, EncryptionAlgorithm, ExchangeType, Flags,
    GroupDescription, HashAlgorithm, IdType, IsakmpPacket, LifeType, Message, OakleyAttribute,
    Payload, PayloadType, ProtocolId, SIT_IDENTITY_ONLY, VERSION,
};

fn hex(s: &str) -> Vec<u8> {
    let digits: String = s.split_whitespace().collect();
    hex::decode(digits).unwrap()
}

/// The spoke's Main Mode message 1.
const SPOKE_MM1: &str = "
    c3 9a 44 5c 1b ec 9f f8  00 00 00 00 00 00 00 00
    01 10 02 00  00 00 00 00  00 00 00 54
    00 00 00 38
        00 00 00 01  00 00 00 01
        00 00 00 2c  01 01 00 01
            00 00 00 24  01 01 00 00
                80 01 00 05
                80 02 00 02
                80 04 00 02
                80 03 00 01
                80 0b 00 01
                00 0c 00 04 00 01 51 80
";

#[test]
fn spoke_main_mode_message_1() {
    let bytes = hex(SPOKE_MM1);
    assert_eq!(bytes.len(), 84);

    let view = IsakmpPacket::new_checked(&bytes[..]).unwrap();
    assert_eq!(view.next_payload(), PayloadType::SA);
    assert_eq!(view.version(), VERSION);
    assert_eq!(view.length(), 84);

    let Datagram::Plain(m) = Datagram::parse(&bytes).unwrap() else {
        panic!("message 1 is not encrypted")
    };
    assert_eq!(
        m.header.initiator_cookie,
        Cookie([0xc3, 0x9a, 0x44, 0x5c, 0x1b, 0xec, 0x9f, 0xf8])
    );
    assert!(m.header.responder_cookie.is_zero());
    assert_eq!(m.header.exchange_type, ExchangeType::IDENTITY_PROTECTION);
    assert_eq!(m.header.flags, Flags::empty());
    assert_eq!(m.header.message_id, 0);
    assert_eq!(m.payloads.len(), 1);
    assert_eq!(m.vendor_ids().count(), 0);

    let sa = m.sa().unwrap();
    assert_eq!(sa.doi.get(), 1);
    assert_eq!(sa.situation, SIT_IDENTITY_ONLY);
    assert_eq!(sa.proposals.len(), 1);
    let p = &sa.proposals[0];
    assert_eq!(p.number, 1);
    assert_eq!(p.protocol, ProtocolId::ISAKMP);
    assert!(p.spi.is_empty());
    assert_eq!(p.transforms.len(), 1);
    let t = &p.transforms[0];
    assert_eq!(t.number, 1); // "Checking ISAKMP transform 1"
    assert_eq!(t.transform_id, 1); // KEY_IKE
    let attr = |k: OakleyAttribute| t.attribute(k).unwrap().clone();
    assert_eq!(
        attr(OakleyAttribute::ENCRYPTION_ALGORITHM),
        DataAttribute::basic(
            OakleyAttribute::ENCRYPTION_ALGORITHM,
            EncryptionAlgorithm::TRIPLE_DES_CBC
        )
    );
    assert_eq!(
        attr(OakleyAttribute::HASH_ALGORITHM),
        DataAttribute::basic(OakleyAttribute::HASH_ALGORITHM, HashAlgorithm::SHA)
    );
    assert_eq!(
        attr(OakleyAttribute::GROUP_DESCRIPTION),
        DataAttribute::basic(
            OakleyAttribute::GROUP_DESCRIPTION,
            GroupDescription::MODP_1024
        )
    );
    assert_eq!(
        attr(OakleyAttribute::AUTHENTICATION_METHOD),
        DataAttribute::basic(
            OakleyAttribute::AUTHENTICATION_METHOD,
            AuthMethod::PRE_SHARED_KEY
        )
    );
    assert_eq!(
        attr(OakleyAttribute::LIFE_TYPE),
        DataAttribute::basic(OakleyAttribute::LIFE_TYPE, LifeType::SECONDS)
    );
    let life = attr(OakleyAttribute::LIFE_DURATION);
    assert_eq!(life.as_bytes(), Some(&[0x00, 0x01, 0x51, 0x80][..])); // the VPI
    assert_eq!(life.as_u32(), Some(86400));
    assert_eq!(
        t.attributes.iter().map(|a| a.kind).collect::<Vec<_>>(),
        [1, 2, 4, 3, 11, 12]
    );

    // re-emitted identically, from the parsed value and from a built one
    assert_eq!(m.to_bytes().unwrap(), bytes);
    assert_eq!(m.buffer_len(), bytes.len());
    let built = Message {
        header: m.header,
        payloads: vec![Payload::Sa(ike_proto::wire::SaPayload::ipsec(vec![
            ike_proto::wire::Proposal {
                number: 1,
                protocol: ProtocolId::ISAKMP,
                spi: vec![],
                transforms: vec![ike_proto::wire::Transform::ike(
                    1,
                    vec![
                        DataAttribute::basic(
                            OakleyAttribute::ENCRYPTION_ALGORITHM,
                            EncryptionAlgorithm::TRIPLE_DES_CBC,
                        ),
                        DataAttribute::basic(OakleyAttribute::HASH_ALGORITHM, HashAlgorithm::SHA),
                        DataAttribute::basic(
                            OakleyAttribute::GROUP_DESCRIPTION,
                            GroupDescription::MODP_1024,
                        ),
                        DataAttribute::basic(
                            OakleyAttribute::AUTHENTICATION_METHOD,
                            AuthMethod::PRE_SHARED_KEY,
                        ),
                        DataAttribute::basic(OakleyAttribute::LIFE_TYPE, LifeType::SECONDS),
                        DataAttribute::integer(OakleyAttribute::LIFE_DURATION, 86400),
                    ],
                )],
            },
        ]))],
    };
    assert_eq!(built, m);
    assert_eq!(built.to_bytes().unwrap(), bytes);
}

/// The Cisco VPN client's Aggressive Mode message 1 (see the module docs
/// for which bytes are filler).
fn vpn_client_am1() -> Vec<u8> {
    let ke = "ab".repeat(128);
    let nonce = "cd".repeat(20);
    hex(&format!(
        "
        0a 0b 0c 0d 0e 0f 10 11  00 00 00 00 00 00 00 00
        01 10 04 00  00 00 00 00  00 00 01 61
        04 00 00 38
            00 00 00 01  00 00 00 01
            00 00 00 2c  01 01 00 01
                00 00 00 24  09 01 00 00
                    80 01 00 05
                    80 02 00 02
                    80 04 00 02
                    80 03 fd e9
                    80 0b 00 01
                    00 0c 00 04 00 20 c4 9b
        0a 00 00 84 {ke}
        05 00 00 18 {nonce}
        0d 00 00 11  0b 11 01 f4  74 65 73 74 67 72 6f 75 70
        0d 00 00 0c  09 00 26 89 df d6 b7 12
        0d 00 00 14  af ca d7 13 68 a1 f1 c9 6b 86 96 fc 77 57 01 00
        0d 00 00 14  90 cb 80 91 3e bb 69 6e 08 63 81 b5 ec 42 7b 1f
        0d 00 00 18  40 48 b7 d5 6e bc e8 85 25 e7 de 7f 00 d6 c2 d3 80 00 00 00
        00 00 00 14  12 f5 f2 8c 45 71 68 a9 70 2d 9f e2 74 cc 01 00
        "
    ))
}

#[test]
fn vpn_client_aggressive_mode_message_1() {
    let bytes = vpn_client_am1();
    assert_eq!(bytes.len(), 0x161);
    let m = Message::parse(&bytes).unwrap();
    assert_eq!(m.header.exchange_type, ExchangeType::AGGRESSIVE);
    let kinds: Vec<_> = m.payloads.iter().map(Payload::payload_type).collect();
    assert_eq!(
        kinds,
        [
            PayloadType::SA,
            PayloadType::KEY_EXCHANGE,
            PayloadType::NONCE,
            PayloadType::IDENTIFICATION,
            PayloadType::VENDOR_ID,
            PayloadType::VENDOR_ID,
            PayloadType::VENDOR_ID,
            PayloadType::VENDOR_ID,
            PayloadType::VENDOR_ID,
        ]
    );

    let t = &m.sa().unwrap().proposals[0].transforms[0];
    assert_eq!(t.number, 9); // "Checking ISAKMP transform 9"
    assert_eq!(
        t.attribute(OakleyAttribute::AUTHENTICATION_METHOD)
            .and_then(DataAttribute::as_u32),
        Some(u32::from(AuthMethod::XAUTH_INIT_PRE_SHARED.get()))
    );
    let life = t.attribute(OakleyAttribute::LIFE_DURATION).unwrap();
    assert_eq!(life.as_bytes(), Some(&[0x00, 0x20, 0xc4, 0x9b][..]));
    assert_eq!(life.as_u32(), Some(2_147_483));

    let Payload::Id(id) = &m.payloads[3] else {
        panic!("ID payload")
    };
    assert_eq!(id.id_type, IdType::KEY_ID);
    assert_eq!(id.key_id_value(), Some(&b"testgroup"[..]));
    assert_eq!((id.protocol, id.port), (17, 500));
    assert_eq!(m.payloads[3].buffer_len(), 17); // "length : 17"
    assert_eq!(id.ipv4_addr(), None::<Ipv4Addr>);

    let vids: Vec<&[u8]> = m.vendor_ids().map(|v| v.data.as_slice()).collect();
    assert_eq!(vids[0], hex("09002689dfd6b712")); // Xauth
    assert_eq!(vids[1], hex("afcad71368a1f1c96b8696fc77570100")); // DPD
    assert_eq!(vids[2][14], 123); // "major 123 mismatch", then NAT-T v2
    assert_eq!(vids[3][14], 194); // "major 194 mismatch": fragmentation
    assert_eq!(vids[4], hex("12f5f28c457168a9702d9fe274cc0100")); // Unity

    assert_eq!(m.to_bytes().unwrap(), bytes);
}

/// The hub's answer ID in the spoke's Main Mode (debug lines 520-527):
/// "type 1, address 10.48.67.181, protocol 17, port 500, length 12", inside
/// the encrypted message 6; parsed here as a decrypted body with padding.
#[test]
fn hub_main_mode_message_6_plaintext() {
    use ike_proto::wire::{EncryptedMessage, Header};
    let plaintext = hex("
        08 00 00 0c  01 11 01 f4  0a 30 43 b5
        00 00 00 18  11 11 11 11 11 11 11 11 11 11 11 11 11 11 11 11 11 11 11 11
        00 00 00 00
        ");
    let e = EncryptedMessage {
        header: Header {
            initiator_cookie: Cookie([0xc3, 0x9a, 0x44, 0x5c, 0x1b, 0xec, 0x9f, 0xf8]),
            responder_cookie: Cookie([0x77; 8]),
            exchange_type: ExchangeType::IDENTITY_PROTECTION,
            flags: Flags::ENCRYPTION,
            message_id: 0,
        },
        next_payload: PayloadType::IDENTIFICATION,
        ciphertext: &plaintext,
    };
    let m = e.parse_plaintext(&plaintext).unwrap();
    let Payload::Id(id) = &m.payloads[0] else {
        panic!("ID payload")
    };
    assert_eq!(id.ipv4_addr(), Some(Ipv4Addr::new(10, 48, 67, 181)));
    assert_eq!((id.protocol, id.port), (17, 500));
    assert_eq!(m.payloads[0].buffer_len(), 12); // "Total payload length: 12"
    assert_eq!(m.payloads[1].payload_type(), PayloadType::HASH);
    // the strict chain parser refuses the padding
    assert!(ike_proto::wire::parse_payloads(PayloadType::IDENTIFICATION, &plaintext).is_err());
}
