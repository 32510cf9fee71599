//! Memory per peer of a hub: the heap a [`Gateway`](ike_policy::Gateway)
//! (engine, Gateway tables and esp-core together) holds for each peer
//! brought up by a real negotiation (one IKE SA and one child SA pair,
//! both directions; the seed's suite), counted by the allocator: the
//! growth of the heap in use from the empty hub to N peers, over N.
//!
//! The scale issue asks for at most 2 KiB at 100,000 peers; that is not
//! reached yet (2,685 bytes there): what is left is spread thin, the
//! boxed IKE SA, phase-1 SA, child entry and two ESP SAs (280, 304, 176,
//! 272 and 256 bytes) and some twenty indexes of 8 to 80 bytes an
//! entry across the engine, the Gateway and esp-core. [`BOUND`] is what
//! the hub holds today, so a change that grows a peer fails here; lower it
//! as peers shrink.
//! Allocation counting is deterministic, so this is a test, not a bench.
//!
//! ```sh
//! cargo test -p benches --test peer_memory                 # 1,000 peers
//! cargo test --release -p benches --test peer_memory -- --ignored --nocapture   # up to 100,000
//! ```

use std::time::Duration;

use benches::peers::Rig;

#[global_allocator]
static HEAP: &stats_alloc::StatsAlloc<std::alloc::System> = &stats_alloc::INSTRUMENTED_SYSTEM;

/// The tests share the process's heap: one at a time.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The most heap one settled peer may take today: 3,026 bytes at 1,000
/// peers, now that 3DES keeps its 24-byte key and expands the schedule
/// per packet, an established ISAKMP SA keeps only SKEYID_d and SKEYID_a,
/// the Xauth / Mode Config state is boxed apart and timers hold no
/// `Option` (4,118 before those; 4,618 before an idle flight was a null
/// pointer, phase 1's was released once Quick Mode is done, the crypter's
/// IV queues held no buffer between exchanges, the engine kept no ESP
/// keys, an ESP SA kept its HMAC's keyed cores without a block buffer and
/// its lifetime limits in 32 bytes; 5,632 before the 48-byte ESP counter
/// tally and IV queues grown one entry at a time; 8.3 KB before the key
/// schedules and the engine's states were boxed).
const BOUND: usize = 3_072;

/// Heap bytes in use now.
fn heap_in_use() -> usize {
    let s = HEAP.stats();
    s.bytes_allocated.saturating_sub(s.bytes_deallocated)
}

/// The heap per peer at one count: right after the last negotiation
/// (every peer's finished Quick Mode and Main Mode still answering
/// duplicates: the clock stood still), and settled (the clock moved past
/// that minute: what an established peer holds).
#[derive(Debug, Clone, Copy)]
struct PerPeer {
    peers: u32,
    fresh: usize,
    settled: usize,
}

/// Brings the hub up to each count in turn; the heap per peer at each.
fn per_peer(counts: &[u32]) -> Vec<PerPeer> {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let mut rig = Rig::new();
    // One peer up and down first: whatever is allocated once (queues'
    // first buffers, the policy's caches) is not any peer's.
    let mut t = Duration::ZERO;
    let s = rig.bring_up(&mut t);
    rig.tear_down(s, &mut t);
    let base = heap_in_use();
    let mut out = Vec::new();
    for &n in counts {
        while rig.hub.installed_child_sas() < n as usize {
            drop(rig.bring_up(&mut t));
        }
        let fresh = heap_in_use().saturating_sub(base) / n as usize;
        rig.settle();
        let grown = heap_in_use().saturating_sub(base);
        let settled = grown / n as usize;
        println!(
            "peer memory: {n} peers: {fresh} bytes per peer fresh, {settled} settled \
             ({grown} bytes of heap; {} IKE SAs, {} child SAs)",
            rig.hub.engine().ike_sa_rows().len(),
            rig.hub.installed_child_sas()
        );
        assert_eq!(rig.hub.installed_child_sas(), n as usize, "none expired");
        out.push(PerPeer {
            peers: n,
            fresh,
            settled,
        });
    }
    out
}

/// Within [`BOUND`] once settled; the lingering exchanges only add.
fn check(p: PerPeer) {
    assert!(
        p.settled <= BOUND && p.settled <= p.fresh,
        "{} peers: {} bytes per peer settled, {} fresh",
        p.peers,
        p.settled,
        p.fresh
    );
}

#[test]
fn a_thousand_settled_peers_stay_within_the_bound() {
    for p in per_peer(&[1_000]) {
        check(p);
    }
}

#[test]
#[ignore = "100,000 negotiations: minutes; run in release"]
fn up_to_a_hundred_thousand_peers_stay_within_the_bound_and_flat() {
    let all = per_peer(&[1_000, 10_000, 100_000]);
    for p in &all {
        check(*p);
    }
    // Flat in N: no table grows faster than its peers.
    let (first, last) = (all[0], all[all.len() - 1]);
    assert!(
        last.settled * 10 <= first.settled * 11,
        "{} bytes per peer at {} peers, {} at {}",
        last.settled,
        last.peers,
        first.settled,
        first.peers
    );
}
