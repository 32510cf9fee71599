//! Per-peer cost of a hub: the hub's time to bring up one more peer, and
//! its timer calls, with N peers already up (N = 1, 1,000, 10,000,
//! 100,000), in one run.
//!
//! * `bring_up/N`: the hub's share (its `handle_datagram` calls and the
//!   draining of its outputs, criterion's `iter_custom`) of one real
//!   negotiation, Main Mode + Quick Mode with a fresh spoke engine, while
//!   N - 1 other peers are up: "the N-th peer". After each one, untimed,
//!   the spoke deletes its SAs (Informational DELETEs the hub processes),
//!   so N stays N however many iterations criterion runs.
//! * `poll_timeout/N`, `handle_timeout/N`: `Gateway::poll_timeout` and
//!   `Gateway::handle_timeout` (at an instant nothing is due) with N peers
//!   up, each with its IKE SA lifetime, its child SA lifetimes in the
//!   engine and both ESP SAs' lifetimes in esp-core's timer.
//!
//! The N peers are real: each was brought up by its own negotiation
//! (`benches::peers::Rig`, the seed's suite through a dynamic crypto map;
//! Diffie-Hellman dominates each one). The setup's wall time to grow the
//! hub from one N to the next is printed too (the hub's share and the
//! whole, spokes included).
//!
//! `PEERS_MAX=10000` stops at that N (the 100,000 step's setup takes
//! minutes).
//!
//! `cargo bench -p benches --bench peers -- --warm-up-time 1 --measurement-time 2`

use std::hint::black_box;
use std::time::{Duration, Instant as WallClock};

use benches::peers::Rig;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

const COUNTS: [u32; 4] = [1, 1_000, 10_000, 100_000];

fn max_peers() -> u32 {
    std::env::var("PEERS_MAX")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(u32::MAX)
}

/// Grows the hub to `n` peers up, reporting the setup's time.
fn grow(rig: &mut Rig, n: u32) {
    let from = rig.hub.installed_child_sas();
    let mut hub_time = Duration::ZERO;
    #[allow(clippy::disallowed_methods, reason = "the setup's wall time, reported")]
    let start = WallClock::now();
    let mut spokes = 0u32;
    while rig.hub.installed_child_sas() < n as usize {
        drop(rig.bring_up(&mut hub_time));
        spokes += 1;
    }
    if spokes > 0 {
        eprintln!(
            "peers bench: {from} -> {n} peers: hub {:.2?} ({:.1} µs/peer), whole {:.2?}",
            hub_time,
            hub_time.as_secs_f64() * 1e6 / f64::from(spokes),
            start.elapsed()
        );
    }
}

fn bench_peers(c: &mut Criterion) {
    let mut rig = Rig::new();
    let mut group = c.benchmark_group("peers");
    group.sample_size(20);
    for n in COUNTS.into_iter().filter(|n| *n <= max_peers()) {
        grow(&mut rig, n - 1);
        group.bench_function(BenchmarkId::new("bring_up", n), |b| {
            b.iter_custom(|iters| {
                let mut hub_time = Duration::ZERO;
                let mut untimed = Duration::ZERO;
                for _ in 0..iters {
                    let spoke = rig.bring_up(&mut hub_time);
                    rig.tear_down(spoke, &mut untimed);
                }
                hub_time
            });
        });
        grow(&mut rig, n);
        assert_eq!(rig.hub.installed_child_sas(), n as usize);
        group.bench_function(BenchmarkId::new("poll_timeout", n), |b| {
            b.iter(|| black_box(&rig.hub).poll_timeout());
        });
        assert!(rig.hub.poll_timeout().is_some_and(|t| t > rig.now));
        group.bench_function(BenchmarkId::new("handle_timeout", n), |b| {
            b.iter(|| black_box(&mut rig.hub).handle_timeout(rig.now));
        });
        assert_eq!(rig.hub.installed_child_sas(), n as usize);
    }
    group.finish();
}

criterion_group!(benches, bench_peers);
criterion_main!(benches);
