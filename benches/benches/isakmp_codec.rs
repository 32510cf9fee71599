//! ISAKMP codec costs: parse and emit of whole Main Mode first messages.
//!
//! * `seed_mm1`: the seed spoke's message 1 (84 bytes: one SA, one
//!   proposal, one transform 3DES/SHA/PSK/group 2/86400 s).
//! * `full_mm1`: a first message as a modern initiator sends it (about 500
//!   bytes: an SA with eight transforms and the VIDs of XAUTH, DPD, NAT-T
//!   RFC 3947 and drafts 02/02\n/03, Cisco Unity and fragmentation).
//!
//! ```sh
//! cargo bench -p benches --bench isakmp_codec
//! # quicker:
//! cargo bench -p benches --bench isakmp_codec -- --warm-up-time 1 --measurement-time 3
//! ```

use hex_literal::hex;
use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ike_proto::wire::{
    AuthMethod, Cookie, DataAttribute, Datagram, EncryptionAlgorithm, ExchangeType, Flags,
    GroupDescription, HashAlgorithm, Header, LifeType, Message, OakleyAttribute, Payload, Proposal,
    ProtocolId, SaPayload, Transform, VendorIdPayload,
};

fn transform(
    number: u8,
    enc: EncryptionAlgorithm,
    key_len: Option<u16>,
    hash: HashAlgorithm,
    group: GroupDescription,
) -> Transform {
    let mut attrs = vec![DataAttribute::basic(
        OakleyAttribute::ENCRYPTION_ALGORITHM,
        enc,
    )];
    if let Some(k) = key_len {
        attrs.push(DataAttribute::basic(OakleyAttribute::KEY_LENGTH, k));
    }
    attrs.extend([
        DataAttribute::basic(OakleyAttribute::HASH_ALGORITHM, hash),
        DataAttribute::basic(OakleyAttribute::GROUP_DESCRIPTION, group),
        DataAttribute::basic(
            OakleyAttribute::AUTHENTICATION_METHOD,
            AuthMethod::PRE_SHARED_KEY,
        ),
        DataAttribute::basic(OakleyAttribute::LIFE_TYPE, LifeType::SECONDS),
        DataAttribute::integer(OakleyAttribute::LIFE_DURATION, 86400),
    ]);
    Transform::ike(number, attrs)
}

fn header() -> Header {
    Header {
        initiator_cookie: Cookie([0xc3, 0x9a, 0x44, 0x5c, 0x1b, 0xec, 0x9f, 0xf8]),
        responder_cookie: Cookie::ZERO,
        exchange_type: ExchangeType::IDENTITY_PROTECTION,
        flags: Flags::empty(),
        message_id: 0,
    }
}

fn sa(transforms: Vec<Transform>) -> Payload {
    Payload::Sa(SaPayload::ipsec(vec![Proposal {
        number: 1,
        protocol: ProtocolId::ISAKMP,
        spi: vec![],
        transforms,
    }]))
}

fn seed_mm1() -> Message {
    Message {
        header: header(),
        payloads: vec![sa(vec![transform(
            1,
            EncryptionAlgorithm::TRIPLE_DES_CBC,
            None,
            HashAlgorithm::SHA,
            GroupDescription::MODP_1024,
        )])],
    }
}

fn vid(bytes: &[u8]) -> Payload {
    Payload::VendorId(VendorIdPayload::new(bytes.to_vec()))
}

fn full_mm1() -> Message {
    use EncryptionAlgorithm as E;
    use GroupDescription as G;
    use HashAlgorithm as H;
    let offers = [
        (E::AES_CBC, Some(256), H::SHA2_256, G::MODP_2048),
        (E::AES_CBC, Some(128), H::SHA2_256, G::MODP_2048),
        (E::AES_CBC, Some(256), H::SHA, G::MODP_2048),
        (E::AES_CBC, Some(128), H::SHA, G::MODP_1536),
        (E::AES_CBC, Some(256), H::SHA, G::MODP_1024),
        (E::TRIPLE_DES_CBC, None, H::SHA, G::MODP_1024),
        (E::TRIPLE_DES_CBC, None, H::MD5, G::MODP_1024),
        (E::DES_CBC, None, H::MD5, G::MODP_768),
    ];
    let transforms = offers
        .iter()
        .zip(1u8..)
        .map(|(&(e, k, h, g), n)| transform(n, e, k, h, g))
        .collect();
    let mut payloads = vec![sa(transforms)];
    payloads.extend(
        [
            &hex!("09002689dfd6b712")[..],
            &hex!("afcad71368a1f1c96b8696fc77570100"),
            &hex!("4a131c81070358455c5728f20e95452f"),
            &hex!("90cb80913ebb696e086381b5ec427b1f"),
            &hex!("cd60464335df21f87cfdb2fc68b6a448"),
            &hex!("7d9419a65310ca6f2c179d9215529d56"),
            &hex!("12f5f28c457168a9702d9fe274cc0100"),
            &hex!("4048b7d56ebce88525e7de7f00d6c2d380000000"),
        ]
        .into_iter()
        .map(vid),
    );
    Message {
        header: header(),
        payloads,
    }
}

fn codec(c: &mut Criterion) {
    let messages = [("seed_mm1", seed_mm1()), ("full_mm1", full_mm1())];

    let mut parse = c.benchmark_group("isakmp_parse");
    for (name, m) in &messages {
        let bytes = m.to_bytes().expect("the bench messages emit");
        parse.throughput(Throughput::Bytes(bytes.len() as u64));
        parse.bench_function(BenchmarkId::new("message", name), |b| {
            b.iter(|| Message::parse(black_box(&bytes)));
        });
        parse.bench_function(BenchmarkId::new("datagram", name), |b| {
            b.iter(|| Datagram::parse(black_box(&bytes)));
        });
    }
    parse.finish();

    let mut emit = c.benchmark_group("isakmp_emit");
    for (name, m) in &messages {
        let len = m.buffer_len();
        emit.throughput(Throughput::Bytes(len as u64));
        // into a reused buffer, as a sender with a scratch Vec does
        let mut out = Vec::with_capacity(len);
        emit.bench_function(BenchmarkId::new("reused_vec", name), |b| {
            b.iter(|| {
                out.clear();
                black_box(m).emit(&mut out)
            });
        });
        emit.bench_function(BenchmarkId::new("to_bytes", name), |b| {
            b.iter(|| black_box(m).to_bytes());
        });
    }
    emit.finish();
}

criterion_group!(benches, codec);
criterion_main!(benches);
