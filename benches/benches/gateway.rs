//! The Gateway's caller-buffer data path against esp-core's own seal/open
//! of the same SA, with N = 1, 1,000, 10,000 and 100,000 tunnels in the
//! hub: AES-128-GCM, 1400-byte inner packets, raw ESP.
//!
//! * `esp-core seal` / `esp-core open`: an `OutboundSa` / `InboundSa` built
//!   from the same keys, SPI and parameters as the hub's SA of the target
//!   tunnel, alone (no SAD, no SPD). Seal includes copying the packet into
//!   the buffer, as `seal_into` does.
//! * `Gateway seal_into one` / `Gateway open_esp_into one`: the hub with N
//!   tunnels, traffic to one of them (the middle one).
//! * `esp-core Sad::seal spread` / `Sad::open spread`: esp-core's own SAD
//!   holding the same N SAs, traffic round-robin: how much of the spread
//!   cost is esp-core's per-SA memory.
//! * `... spread`: traffic round-robin over all N tunnels (each packet
//!   reads another SA: cold caches). Seal patches the destination address
//!   and header checksum of one packet per round (a few ns).
//!
//! The N tunnels: one real negotiation (the hub's dynamic crypto map and a
//! spoke, Main Mode + Quick Mode in memory) gives a child SA; a fresh hub
//! built from the same configuration gets N copies of it, each with its
//! own SPIs, peer address (198.18.0.0/15) and remote selector (a host in
//! 11.0.0.0/8), through `Gateway::install_unnegotiated` (the feature
//! `unnegotiated-sas`): the install path a negotiated SA takes, without
//! IKE. All copies share the keys (each SA has its own key schedule in
//! memory). The copies have no volume limit, so a long run never reaches
//! a rekey.
//!
//! Open runs on packets sealed beforehand by a peer-side `OutboundSa`
//! (criterion's `iter_batched`: the sealing is not timed), since a packet
//! opens once (anti-replay).
//!
//! `cargo bench -p benches --bench gateway -- --warm-up-time 1 --measurement-time 2`

use std::hint::black_box;

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use esp_core::wire::{internet_checksum, protocol};
use esp_core::{InboundSa, OutboundSa, SaParams, Suite};
use ike_policy::gateway::SEAL_OVERHEAD;
use ike_policy::{Inbound, Outbound};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

const COUNTS: [u32; 4] = [1, 1_000, 10_000, 100_000];

#[path = "common/hub.rs"]
mod hub;
use hub::*;

fn sealed(sealer: &mut OutboundSa, rng: &mut ChaCha20Rng, inner: &[u8]) -> Vec<u8> {
    let head = sealer.headroom();
    let mut buf = vec![0u8; head + inner.len() + sealer.tailroom(inner.len())];
    buf[head..head + inner.len()].copy_from_slice(inner);
    let out = sealer
        .seal(
            &mut buf,
            head..head + inner.len(),
            protocol::IPV4,
            rng,
            now(),
        )
        .unwrap();
    buf.truncate(out.end);
    buf
}

fn bench_gateway(c: &mut Criterion) {
    let base = negotiated_child();
    let suite = Suite::AES128_GCM;
    let lifetime = esp_core::Lifetime {
        soft_seconds: None,
        hard_seconds: base.lifetime.seconds.map(u64::from),
        soft_kilobytes: None,
        hard_kilobytes: None,
    };
    let mut rng = ChaCha20Rng::seed_from_u64(16);
    for n in COUNTS {
        let mut hub = hub_with(&base, n);
        let k = n.div_ceil(2);
        let target = copy(&base, k);

        let mut seal = c.benchmark_group("gateway/seal 1400B AES-128-GCM");
        seal.throughput(Throughput::Bytes(SIZE as u64));
        let params = SaParams::new(target.spi_out, suite).with_lifetime(lifetime);
        let mut alone = OutboundSa::new(&params, &keys(&base.keys.outbound), now()).unwrap();
        let inner = packet(HUB_HOST, host(k));
        let mut out = vec![0u8; SIZE + SEAL_OVERHEAD];
        let head = alone.headroom();
        seal.bench_function(BenchmarkId::new("esp-core seal", n), |b| {
            b.iter(|| {
                out[head..head + SIZE].copy_from_slice(black_box(&inner));
                let r = alone
                    .seal(&mut out, head..head + SIZE, protocol::IPV4, &mut rng, now())
                    .unwrap();
                black_box(r);
            });
        });
        // esp-core's own SAD with the same N SAs, traffic spread: the part
        // of the spread cost that is esp-core's per-SA memory.
        let mut sad = esp_core::Sad::new();
        for i in 1..=n {
            let t = copy(&base, i);
            let params = SaParams::new(t.spi_out, suite).with_lifetime(lifetime);
            let sa = OutboundSa::new(&params, &keys(&base.keys.outbound), now()).unwrap();
            sad.insert_outbound(esp_core::SaId(i), sa);
        }
        let mut next_sa = 0u32;
        seal.bench_function(BenchmarkId::new("esp-core Sad::seal spread", n), |b| {
            b.iter(|| {
                next_sa = next_sa % n + 1;
                out[head..head + SIZE].copy_from_slice(black_box(&inner));
                let r = sad
                    .seal(
                        esp_core::SaId(next_sa),
                        &mut out,
                        head..head + SIZE,
                        protocol::IPV4,
                        &mut rng,
                        now(),
                    )
                    .unwrap();
                black_box(r);
            });
        });
        drop(sad);
        seal.bench_function(BenchmarkId::new("Gateway seal_into one", n), |b| {
            b.iter(|| {
                let o = hub.seal_into(now(), black_box(&inner), &mut out);
                assert!(matches!(o, Outbound::Esp { .. }));
            });
        });
        let mut spread = inner.clone();
        let mut next = 0u32;
        seal.bench_function(BenchmarkId::new("Gateway seal_into spread", n), |b| {
            b.iter(|| {
                next = next % n + 1;
                set_destination(&mut spread, host(next));
                let o = hub.seal_into(now(), black_box(&spread), &mut out);
                assert!(matches!(o, Outbound::Esp { .. }));
            });
        });
        seal.finish();

        let mut open = c.benchmark_group("gateway/open 1400B AES-128-GCM");
        open.throughput(Throughput::Bytes(SIZE as u64));
        // The peers' side: what each tunnel's spoke seals towards the hub.
        let sealer = |i: u32| {
            let params = SaParams::new(0x4000_0000 + i, suite).with_lifetime(lifetime);
            OutboundSa::new(&params, &keys(&base.keys.inbound), now()).unwrap()
        };
        let from_spoke = |i: u32| packet(host(i), HUB_HOST);
        let in_params = SaParams::new(target.spi_in, suite)
            .with_lifetime(lifetime)
            .with_replay_window(64);
        let mut alone_in = InboundSa::new(&in_params, &keys(&base.keys.inbound), now()).unwrap();
        // Separate peers for the SA alone and the hub's copy: each sees
        // its own sequence numbers.
        let (mut to_alone, mut to_hub) = (sealer(k), sealer(k));
        let inner_k = from_spoke(k);
        open.bench_function(BenchmarkId::new("esp-core open", n), |b| {
            b.iter_batched(
                || sealed(&mut to_alone, &mut rng, &inner_k),
                |mut esp| {
                    let r = alone_in.open(&mut esp, now()).unwrap();
                    black_box(r);
                    esp
                },
                BatchSize::SmallInput,
            );
        });
        let spoke_k = peer(k);
        open.bench_function(BenchmarkId::new("Gateway open_esp_into one", n), |b| {
            b.iter_batched(
                || sealed(&mut to_hub, &mut rng, &inner_k),
                |mut esp| {
                    let r = hub.open_esp_into(now(), spoke_k, &mut esp);
                    assert!(matches!(r, Inbound::Inside(_)));
                    esp
                },
                BatchSize::SmallInput,
            );
        });
        // esp-core's own SAD with the same N inbound SAs, traffic spread.
        let mut sad = esp_core::Sad::new();
        let mut own_sealers = Vec::with_capacity(n as usize);
        for i in 1..=n {
            let params = SaParams::new(0x4000_0000 + i, suite)
                .with_lifetime(lifetime)
                .with_replay_window(64);
            sad.insert_inbound(InboundSa::new(&params, &keys(&base.keys.inbound), now()).unwrap())
                .unwrap();
            own_sealers.push(sealer(i));
        }
        let mut next_in = 0u32;
        open.bench_function(BenchmarkId::new("esp-core Sad::open spread", n), |b| {
            b.iter_batched(
                || {
                    next_in = next_in % n + 1;
                    sealed(&mut own_sealers[(next_in - 1) as usize], &mut rng, &inner_k)
                },
                |mut esp| {
                    let r = sad.open(&mut esp, now()).unwrap();
                    black_box(r);
                    esp
                },
                BatchSize::SmallInput,
            );
        });
        drop((sad, own_sealers));
        let mut sealers: Vec<OutboundSa> = (1..=n)
            .map(|i| if i == k { sealer(0) } else { sealer(i) })
            .collect();
        // Tunnel k's peer already sent packets: go on from its sequence.
        sealers[(k - 1) as usize] = to_hub;
        let mut spread_inner = from_spoke(1);
        let mut next = 0u32;
        open.bench_function(BenchmarkId::new("Gateway open_esp_into spread", n), |b| {
            b.iter_batched(
                || {
                    next = next % n + 1;
                    let mut p = spread_inner.clone();
                    p[12..16].copy_from_slice(&host(next).octets());
                    p[10..12].fill(0);
                    let sum = internet_checksum(&p[..20]);
                    p[10..12].copy_from_slice(&sum.to_be_bytes());
                    spread_inner = p;
                    (
                        next,
                        sealed(&mut sealers[(next - 1) as usize], &mut rng, &spread_inner),
                    )
                },
                |(i, mut esp)| {
                    let r = hub.open_esp_into(now(), peer(i), &mut esp);
                    assert!(matches!(r, Inbound::Inside(_)));
                    esp
                },
                BatchSize::SmallInput,
            );
        });
        open.finish();
    }
}

criterion_group!(benches, bench_gateway);
criterion_main!(benches);
