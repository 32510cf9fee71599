//! Per-packet cost against the number of tunnels: the SAD's seal (lookup by
//! SA id, then AES-128-GCM at 1400 B), its polls, and the SPD's decision,
//! with N = 1, 1,000, 10,000 and 100,000 SAs / peers. Flat is the goal:
//! each row at 100,000 should cost what it costs at 1.
//!
//! * `sad seal/one`: N SAs installed, traffic to one of them.
//! * `sad seal/spread`: N SAs, traffic round-robin over all of them (cold
//!   caches: each packet touches another SA).
//! * `sad seal+poll`: a seal then `poll_event` and `poll_timeout`, as
//!   `Gateway::drain()` does after every input.
//! * `spd decide`: one dynamic entry per peer (local 192.168.0.0/16 to the
//!   peer's host, newest first, as the Gateway installs them) before an IKE
//!   bypass and a static crypto-map entry: `decide` (with the SAD
//!   check), `indexed first-match` (the lookup alone) and `linear
//!   first-match`, the list walk the SPD did before it was indexed.
//!
//! `cargo bench -p benches --bench scale -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use esp_core::spd::{
    AddressMatch, Fallback, PacketInfo, PolicyAction, PolicyEntry, PolicyId, PortRange, Selector,
};
use esp_core::wire::protocol;
use esp_core::{Instant, KeyMaterial, Lifetime, OutboundSa, SaId, SaParams, Sad, Spd, Suite};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

const COUNTS: [u32; 4] = [1, 1_000, 10_000, 100_000];
const SIZE: usize = 1400;

fn peer(i: u32) -> std::net::Ipv4Addr {
    std::net::Ipv4Addr::from(0x0a00_0000 | i)
}

fn sad_with(n: u32) -> (Sad, usize, usize) {
    let mut sad = Sad::new();
    let key = [0x11u8; 20];
    let keys = KeyMaterial::new(&key, &[]);
    let mut head = 0;
    let mut tail = 0;
    for i in 1..=n {
        // Cisco's default time limit, so every SA is in the timer (no
        // volume limit: the bench sends more than 4.6 GB through one SA).
        let lifetime = Lifetime {
            soft_kilobytes: None,
            hard_kilobytes: None,
            ..Lifetime::new(3600, 1)
        };
        let params = SaParams::new(0x1000 + i, Suite::AES128_GCM).with_lifetime(lifetime);
        let sa = OutboundSa::new(&params, &keys, Instant(0)).unwrap();
        head = sa.headroom();
        tail = sa.tailroom(SIZE);
        sad.insert_outbound(SaId(i), sa);
    }
    (sad, head, tail)
}

fn bench_sad(c: &mut Criterion) {
    let mut group = c.benchmark_group("scale/sad seal 1400B AES-128-GCM");
    group.throughput(Throughput::Bytes(SIZE as u64));
    for n in COUNTS {
        let (mut sad, head, tail) = sad_with(n);
        let mut buf = vec![0x5au8; head + SIZE + tail];
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let one = SaId(n.div_ceil(2));
        group.bench_function(BenchmarkId::new("one", n), |b| {
            b.iter(|| {
                let out = sad
                    .seal(
                        one,
                        black_box(&mut buf),
                        head..head + SIZE,
                        protocol::IPV4,
                        &mut rng,
                        Instant(1),
                    )
                    .unwrap();
                black_box(out);
            });
        });
        let mut next = 0u32;
        group.bench_function(BenchmarkId::new("spread", n), |b| {
            b.iter(|| {
                next = next % n + 1;
                let out = sad
                    .seal(
                        SaId(next),
                        black_box(&mut buf),
                        head..head + SIZE,
                        protocol::IPV4,
                        &mut rng,
                        Instant(1),
                    )
                    .unwrap();
                black_box(out);
            });
        });
        group.bench_function(BenchmarkId::new("seal+poll", n), |b| {
            b.iter(|| {
                let out = sad
                    .seal(
                        one,
                        black_box(&mut buf),
                        head..head + SIZE,
                        protocol::IPV4,
                        &mut rng,
                        Instant(1),
                    )
                    .unwrap();
                black_box(out);
                black_box(sad.poll_event());
                black_box(sad.poll_timeout());
            });
        });
    }
    group.finish();
}

fn spd_with(n: u32) -> Spd {
    let mut spd = Spd::new(Fallback::Bypass);
    // IKE in clear, then the crypto map's static entry: 192.168.0.0/16 to any.
    spd.push(PolicyEntry {
        id: PolicyId(1),
        selector: Selector {
            protocol: Some(17),
            destination_ports: PortRange::single(500),
            ..Selector::ANY
        },
        action: PolicyAction::Bypass,
    });
    spd.push(PolicyEntry {
        id: PolicyId(20),
        selector: Selector {
            source: AddressMatch::prefix([192, 168, 0, 0].into(), 16).unwrap(),
            ..Selector::ANY
        },
        action: PolicyAction::Protect { sa: None },
    });
    for i in 1..=n {
        // Each child SA goes in front, newest first, as the Gateway installs them.
        spd.insert(
            0,
            PolicyEntry {
                id: PolicyId(1000 + i),
                selector: Selector {
                    source: AddressMatch::prefix([192, 168, 0, 0].into(), 16).unwrap(),
                    destination: AddressMatch::host(peer(i)),
                    ..Selector::ANY
                },
                action: PolicyAction::Protect { sa: Some(SaId(i)) },
            },
        );
    }
    spd
}

fn bench_spd(c: &mut Criterion) {
    let mut group = c.benchmark_group("scale/spd decide");
    for n in COUNTS {
        let spd = spd_with(n);
        let (sad, _, _) = sad_with(n);
        // The oldest peer: the last of the dynamic entries, the worst case for a list.
        let packet = PacketInfo {
            source: [192, 168, 1, 1].into(),
            destination: peer(1),
            protocol: protocol::ICMP,
            source_port: None,
            destination_port: None,
        };
        group.bench_function(BenchmarkId::new("decide", n), |b| {
            b.iter(|| black_box(spd.decide(black_box(&packet), &sad)));
        });
        group.bench_function(BenchmarkId::new("indexed first-match", n), |b| {
            b.iter(|| black_box(spd.lookup(black_box(&packet)).map(|e| e.id)));
        });
        let entries: Vec<PolicyEntry> = spd.entries().copied().collect();
        group.bench_function(BenchmarkId::new("linear first-match", n), |b| {
            b.iter(|| {
                black_box(
                    entries
                        .iter()
                        .find(|e| e.selector.matches(black_box(&packet)))
                        .map(|e| e.id),
                )
            });
        });
    }
    group.finish();
}

criterion_group!(benches, bench_sad, bench_spd);
criterion_main!(benches);
