//! One hub's data plane on one and on two threads
//! (`Gateway::split_data_plane`): the hub holds 1,000 tunnels
//! (AES-128-GCM, 1400-byte inner packets, raw ESP; see `common/hub.rs`),
//! traffic round-robin over each worker's own tunnels, as a NIC's flow
//! steering would hand them out (`DataPlaneWorker::owner_of`).
//!
//! * `Gateway seal_into (not split)`: the Gateway's own data path, one
//!   thread, for reference.
//! * `DataPlaneWorker seal_into (this thread)`: one worker driven by
//!   criterion's own thread, for the worker's cost against the Gateway's.
//! * `DataPlaneWorker seal_into/N threads`: the hub split into N workers,
//!   each on its own thread, all sealing at once (`iter_custom`: the
//!   threads start together at a barrier; the time runs until the last
//!   one is done). An iteration is one packet per thread, so the
//!   throughput (bytes per second) of the two lines is the figure to
//!   compare: 2 threads ÷ 1 thread.
//! * `DataPlaneWorker open_esp_into/N threads`: the same for inbound, on
//!   packets sealed beforehand by each tunnel's peer (not timed).
//!
//! * `interleaved`: outside criterion's sampling, 15 rounds each sealing
//!   50,000 packets per thread on 1 thread then on 2, back to back, so a
//!   neighbour's load on this shared machine falls on both alike; the
//!   median of the rounds' throughput ratios is printed (stderr), by the
//!   wall clock and by the CPU time the threads got (Linux's per-thread
//!   schedstat: what the wall clock would be with both cores free, the two
//!   workers' interference with each other included, other tenants' not).
//!
//! `cargo bench -p benches --bench threads -- --warm-up-time 1 --measurement-time 2`

use std::sync::Barrier;
use std::time::{Duration, Instant as WallClock};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use esp_core::{OutboundSa, SaParams, Suite};
use ike_policy::gateway::{SEAL_OVERHEAD, esp_worker};
use ike_policy::{DataPlaneWorker, Inbound, Outbound};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

#[path = "common/hub.rs"]
mod hub;
use hub::*;

const TUNNELS: u32 = 1_000;
/// Sealed packets kept per tunnel for the open runs (each opens once).
const BATCH: usize = 4_096;

/// Runs `work(worker, iters)` on one thread per worker, all released at
/// once; the time from the release to the last one's end, and the CPU
/// time the threads spent, summed.
fn concurrently<T: Send>(
    workers: &mut [T],
    iters: u64,
    work: impl Fn(usize, &mut T, u64) + Sync,
) -> (Duration, Duration) {
    let start = Barrier::new(workers.len() + 1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = workers
            .iter_mut()
            .enumerate()
            .map(|(k, w)| {
                let (start, work) = (&start, &work);
                scope.spawn(move || {
                    start.wait();
                    let cpu = thread_cpu();
                    work(k, w, iters);
                    thread_cpu().saturating_sub(cpu)
                })
            })
            .collect();
        start.wait();
        #[allow(clippy::disallowed_methods, reason = "criterion's custom timing")]
        let t0 = WallClock::now();
        let cpu = handles.into_iter().map(|h| h.join().unwrap()).sum();
        (t0.elapsed(), cpu)
    })
}

/// The calling thread's time on a CPU so far (Linux's
/// `/proc/thread-self/schedstat`; zero elsewhere): what it would have
/// taken with a core of its own, whatever else the shared machine runs.
fn thread_cpu() -> Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .map_or(Duration::ZERO, Duration::from_nanos)
}

fn bench_threads(c: &mut Criterion) {
    let base = negotiated_child();
    let mut group = c.benchmark_group("threads/1000 tunnels 1400B AES-128-GCM");

    let mut hub = hub_with(&base, TUNNELS);
    let mut p = packet(HUB_HOST, host(1));
    let mut out = vec![0u8; SIZE + SEAL_OVERHEAD];
    let mut next = 0u32;
    group.throughput(Throughput::Bytes(SIZE as u64));
    group.bench_function("Gateway seal_into (not split)", |b| {
        b.iter(|| {
            next = next % TUNNELS + 1;
            set_destination(&mut p, host(next));
            let o = hub.seal_into(now(), &p, &mut out);
            assert!(matches!(o, Outbound::Esp { .. }));
        });
    });
    drop(hub);

    for threads in [1usize, 2] {
        // Each worker's tunnels, as flow steering would give them.
        let (mut workers, shares) = split_hub(&base, threads);
        eprintln!(
            "threads bench: {threads} workers own {:?} tunnels",
            shares.iter().map(Vec::len).collect::<Vec<_>>()
        );
        if threads == 1 {
            // The worker's own path, on this thread (no spawning, no
            // barrier): against `Gateway seal_into (not split)`.
            let (mine, mut k) = (&shares[0], 0usize);
            let mut p = packet(HUB_HOST, host(mine[0]));
            let mut out = vec![0u8; SIZE + SEAL_OVERHEAD];
            group.throughput(Throughput::Bytes(SIZE as u64));
            group.bench_function("DataPlaneWorker seal_into (this thread)", |b| {
                b.iter(|| {
                    k = (k + 1) % mine.len();
                    set_destination(&mut p, host(mine[k]));
                    let o = workers[0].seal_into(now(), &p, &mut out);
                    assert!(matches!(o, Outbound::Esp { .. }));
                });
            });
        }
        group.throughput(Throughput::Bytes((SIZE * threads) as u64));
        group.bench_function(
            BenchmarkId::new("DataPlaneWorker seal_into", format!("{threads} threads")),
            |b| {
                b.iter_custom(|iters| {
                    concurrently(&mut workers, iters, |k, w, iters| {
                        seal_spread(w, &shares[k], iters)
                    })
                    .0
                });
            },
        );

        // Inbound: each worker's tunnels' peers seal ahead of time.
        let suite = Suite::AES128_GCM;
        let mut rng = ChaCha20Rng::seed_from_u64(17);
        let mut peers: Vec<Vec<OutboundSa>> = shares
            .iter()
            .map(|mine| {
                mine.iter()
                    .map(|&i| {
                        let params = SaParams::new(copy(&base, i).spi_in, suite);
                        OutboundSa::new(&params, &keys(&base.keys.inbound), now()).unwrap()
                    })
                    .collect()
            })
            .collect();
        let mut batches: Vec<Vec<Vec<u8>>> = vec![Vec::new(); threads];
        let mut refill = |batches: &mut Vec<Vec<Vec<u8>>>| {
            for (k, mine) in shares.iter().enumerate() {
                batches[k].clear();
                for n in 0..BATCH {
                    let j = n % mine.len();
                    let inner = packet(host(mine[j]), HUB_HOST);
                    let esp = sealed(&mut peers[k][j], &mut rng, &inner);
                    assert_eq!(esp_worker(&esp, threads), Some(k));
                    batches[k].push(esp);
                }
            }
        };
        group.bench_function(
            BenchmarkId::new(
                "DataPlaneWorker open_esp_into",
                format!("{threads} threads"),
            ),
            |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    let mut left = iters;
                    while left > 0 {
                        let n = left.min(BATCH as u64);
                        refill(&mut batches);
                        let mut work: Vec<std::sync::Mutex<Vec<Vec<u8>>>> = batches
                            .iter_mut()
                            .map(|b| std::sync::Mutex::new(std::mem::take(b)))
                            .collect();
                        total += concurrently(&mut workers, n, |k, w, n| {
                            // Taken once per run, before the packets.
                            let mut mine = work[k].lock().unwrap();
                            for esp in mine.iter_mut().take(n as usize) {
                                let r = w.open_esp_into(now(), PEER_ANY, esp);
                                assert!(matches!(r, Inbound::Inside(_)));
                            }
                        })
                        .0;
                        for (k, m) in work.iter_mut().enumerate() {
                            batches[k] = std::mem::take(m.get_mut().unwrap());
                        }
                        left -= n;
                    }
                    total
                });
            },
        );
    }
    group.finish();
    interleaved(&base);
}

/// Seals `iters` inside packets with `w`, round-robin over its tunnels.
fn seal_spread(w: &mut DataPlaneWorker, mine: &[u32], iters: u64) {
    let mut p = packet(HUB_HOST, host(mine[0]));
    let mut out = vec![0u8; SIZE + SEAL_OVERHEAD];
    let mut j = 0;
    for _ in 0..iters {
        j = (j + 1) % mine.len();
        set_destination(&mut p, host(mine[j]));
        let o = w.seal_into(now(), &p, &mut out);
        assert!(matches!(o, Outbound::Esp { .. }));
    }
}

/// A hub split into `threads` workers, and each worker's tunnels.
fn split_hub(base: &Base, threads: usize) -> (Vec<DataPlaneWorker>, Vec<Vec<u32>>) {
    let mut hub = hub_with(base, TUNNELS);
    let mut workers = hub.split_data_plane(threads).unwrap();
    let mut shares: Vec<Vec<u32>> = vec![Vec::new(); threads];
    for i in 1..=TUNNELS {
        let w = workers[0].owner_of(&packet(HUB_HOST, host(i))).unwrap();
        shares[w].push(i);
    }
    // The workers own their SAs; the Gateway (IKE) is not needed here.
    drop(hub);
    (workers, shares)
}

/// Rounds of 1 thread then 2 threads back to back: the median ratio of
/// their throughputs, by the wall clock and by the CPU time the threads
/// got (the wall clock of a machine whose other tenants left both cores
/// free).
fn interleaved(base: &Base) {
    const ROUNDS: usize = 15;
    const PACKETS: u64 = 50_000;
    let (mut one, one_shares) = split_hub(base, 1);
    let (mut two, two_shares) = split_hub(base, 2);
    // The control: esp-core SAs alone, one per thread, sharing nothing.
    let alone = |i: u32| {
        let params = SaParams::new(0x6000_0000 + i, Suite::AES128_GCM);
        (
            OutboundSa::new(&params, &keys(&base.keys.outbound), now()).unwrap(),
            ChaCha20Rng::seed_from_u64(u64::from(i)),
        )
    };
    let mut lone = vec![alone(1)];
    let mut pair = vec![alone(2), alone(3)];
    let seal_alone = |_: usize, (sa, rng): &mut (OutboundSa, ChaCha20Rng), n: u64| {
        let inner = packet(HUB_HOST, host(1));
        let mut out = vec![0u8; SIZE + SEAL_OVERHEAD];
        let head = sa.headroom();
        for _ in 0..n {
            out[head..head + SIZE].copy_from_slice(&inner);
            let r = sa.seal(
                &mut out,
                head..head + SIZE,
                esp_core::wire::protocol::IPV4,
                rng,
                now(),
            );
            std::hint::black_box(r.unwrap());
        }
    };
    let mut ratios: [(Vec<f64>, Vec<f64>); 2] = Default::default();
    for _ in 0..ROUNDS {
        let t1 = concurrently(&mut one, PACKETS, |k, w, n| {
            seal_spread(w, &one_shares[k], n)
        });
        let t2 = concurrently(&mut two, PACKETS, |k, w, n| {
            seal_spread(w, &two_shares[k], n)
        });
        let a1 = concurrently(&mut lone, PACKETS, seal_alone);
        let a2 = concurrently(&mut pair, PACKETS, seal_alone);
        for ((one, two), (wall, cpu)) in [(t1, t2), (a1, a2)].into_iter().zip(ratios.iter_mut()) {
            // 2 threads did twice the work in their wall time.
            wall.push(2.0 * one.0.as_secs_f64() / two.0.as_secs_f64());
            // Each with a core of its own: 2 x (CPU per packet on 1
            // thread) / (CPU per packet on 2), the 2 threads' CPU summed
            // over twice the packets.
            cpu.push(4.0 * one.1.as_secs_f64() / two.1.as_secs_f64());
        }
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        format!(
            "median {:.2} (min {:.2}, max {:.2})",
            v[ROUNDS / 2],
            v[0],
            v[ROUNDS - 1]
        )
    };
    for ((wall, cpu), what) in ratios.iter_mut().zip([
        "one hub split in 2 workers, 1000 tunnels",
        "control: esp-core OutboundSa alone per thread",
    ]) {
        eprintln!(
            "threads bench: interleaved, {ROUNDS} rounds of {PACKETS} seals a thread, {what}: \
             2 threads / 1 thread throughput by the wall clock {}; by the threads' CPU time {}",
            median(wall),
            median(cpu)
        );
    }
}

/// The outer source of inbound ESP (the SA does not check it).
const PEER_ANY: std::net::Ipv4Addr = std::net::Ipv4Addr::new(198, 18, 0, 1);

fn sealed(sealer: &mut OutboundSa, rng: &mut ChaCha20Rng, inner: &[u8]) -> Vec<u8> {
    let head = sealer.headroom();
    let mut buf = vec![0u8; head + inner.len() + sealer.tailroom(inner.len())];
    buf[head..head + inner.len()].copy_from_slice(inner);
    let out = sealer
        .seal(
            &mut buf,
            head..head + inner.len(),
            esp_core::wire::protocol::IPV4,
            rng,
            now(),
        )
        .unwrap();
    buf.truncate(out.end);
    buf
}

criterion_group!(benches, bench_threads);
criterion_main!(benches);
