//! Anti-replay through the SA: duplicate, too old, far jump, reorder inside
//! the window, ESN wrap, and sequence number exhaustion.

use esp_core::wire::protocol;
use esp_core::{
    EspError, ExpiryCause, Instant, LifetimeEvent, OutboundSa, ReplayReason, SaParams, Suite,
};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use crate::common::{pair, seal_packet};

/// Seal packets with sequence numbers `seqs` (jumping the sender forward as needed).
fn packets_at(out: &mut OutboundSa, seqs: &[u64]) -> Vec<Vec<u8>> {
    let mut rng = ChaCha20Rng::seed_from_u64(11);
    let mut sorted: Vec<u64> = seqs.to_vec();
    sorted.sort_unstable();
    let mut by_seq = std::collections::HashMap::new();
    for s in sorted {
        out.set_next_sequence(s).unwrap();
        by_seq.insert(
            s,
            seal_packet(out, &s.to_be_bytes(), protocol::IPV4, &mut rng),
        );
    }
    seqs.iter().map(|s| by_seq[s].clone()).collect()
}

fn replay_reason(r: Result<esp_core::Opened, EspError>) -> ReplayReason {
    match r {
        Err(EspError::Replay { reason, .. }) => reason,
        other => panic!("expected a replay refusal, got {other:?}"),
    }
}

#[test]
fn duplicate_too_old_far_jump_and_reorder() {
    for suite in [
        Suite::TRIPLE_DES_SHA1,
        Suite::AES128_GCM,
        Suite::AES256_SHA256,
    ] {
        let params = SaParams::new(0xabc, suite).with_replay_window(64);
        let (mut out, mut inb) = pair(&params, 3);
        let seqs = [1, 2, 5, 4, 3, 200, 137, 136, 199, 1000, 5000];
        let pkts = packets_at(&mut out, &seqs);
        let mut open = |i: usize| {
            let mut p = pkts[i].clone();
            inb.open(&mut p, Instant(0))
        };
        // In order, then reordered inside the window.
        for (i, &seq) in seqs.iter().enumerate().take(5) {
            assert_eq!(open(i).unwrap().sequence, seq);
        }
        // Duplicates.
        for i in 0..5 {
            assert_eq!(replay_reason(open(i)), ReplayReason::Duplicate);
        }
        // Jump to 200: 137 is exactly the left edge (200 - 64 + 1), 136 is out.
        assert_eq!(open(5).unwrap().sequence, 200);
        assert_eq!(open(6).unwrap().sequence, 137);
        assert_eq!(replay_reason(open(7)), ReplayReason::TooOld);
        assert_eq!(open(8).unwrap().sequence, 199);
        // Far jumps (several windows).
        assert_eq!(open(9).unwrap().sequence, 1000);
        assert_eq!(open(10).unwrap().sequence, 5000);
        assert_eq!(replay_reason(open(9)), ReplayReason::TooOld);
        let c = inb.counters();
        assert_eq!(c.replay_failures, 7);
        assert_eq!(c.recv_errors, 7);
        assert_eq!(c.decaps, 10);
        assert_eq!(inb.highest_sequence(), 5000);
    }
}

#[test]
fn large_window_reorders_4096() {
    let params = SaParams::new(0xabd, Suite::AES128_GCM).with_replay_window(4096);
    let (mut out, mut inb) = pair(&params, 4);
    let seqs: Vec<u64> = (1..=4200).collect();
    let pkts = packets_at(&mut out, &seqs);
    let mut open = |i: usize| {
        let mut p = pkts[i].clone();
        inb.open(&mut p, Instant(0))
    };
    open(4199).unwrap(); // 4200 first
    // 105..=4199 are inside the 4096-packet window, in reverse.
    for i in (104..4199).rev() {
        assert_eq!(open(i).unwrap().sequence, i as u64 + 1);
    }
    assert_eq!(replay_reason(open(103)), ReplayReason::TooOld); // 104
    assert_eq!(replay_reason(open(2000)), ReplayReason::Duplicate);
}

#[test]
fn esn_wrap_across_2_pow_32() {
    for suite in [Suite::AES128_SHA1, Suite::AES256_GCM] {
        let params = SaParams::new(0x5151, suite).with_esn(true);
        let (mut out, mut inb) = pair(&params, 6);
        let edge = 1u64 << 32;
        let seqs: Vec<u64> = vec![edge - 3, edge - 2, edge - 1, edge, edge + 1, edge + 2];
        let pkts = packets_at(&mut out, &seqs);
        inb.set_highest_sequence(edge - 10);
        // Across the wrap, with a reorder over it: -3, 0, -1, +1, -2, +2.
        for i in [0usize, 3, 2, 4, 1, 5] {
            let mut p = pkts[i].clone();
            // The wire carries only the low 32 bits.
            assert_eq!(&p[4..8], &(seqs[i] as u32).to_be_bytes());
            let opened = inb.open(&mut p, Instant(0)).unwrap();
            assert_eq!(opened.sequence, seqs[i], "{suite}");
            assert_eq!(&p[opened.inner], &seqs[i].to_be_bytes());
        }
        assert_eq!(inb.highest_sequence(), edge + 2);
        let mut dup = pkts[1].clone();
        assert!(inb.open(&mut dup, Instant(0)).is_err());
        // A packet sealed with the wrong high half does not verify: the ICV
        // (or GCM AAD) covers the high 32 bits.
        let (mut other_out, _) = pair(&params, 6);
        other_out.set_next_sequence(edge + 3 + (1 << 32)).unwrap();
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let mut wrong_high = seal_packet(&mut other_out, b"x", 4, &mut rng);
        assert!(matches!(
            inb.open(&mut wrong_high, Instant(0)),
            Err(EspError::AuthenticationFailed { .. })
        ));
    }
}

#[test]
fn sequence_overflow_stops_the_sa_without_esn() {
    let params = SaParams::new(0x77, Suite::AES128_SHA1);
    let (mut out, mut inb) = pair(&params, 8);
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    assert!(
        out.set_next_sequence(1 << 32).is_err(),
        "beyond the 32-bit space"
    );
    out.set_next_sequence(u64::from(u32::MAX) - 1).unwrap();
    assert_eq!(out.poll_event(), None);
    let a = seal_packet(&mut out, b"a", 4, &mut rng);
    assert_eq!(
        out.poll_event(),
        Some(LifetimeEvent::SoftExpired(ExpiryCause::SequenceNumber))
    );
    let b = seal_packet(&mut out, b"b", 4, &mut rng);
    assert_eq!(
        out.poll_event(),
        Some(LifetimeEvent::HardExpired(ExpiryCause::SequenceNumber))
    );
    assert!(out.is_expired());
    // No wrap: the next seal is refused, and keeps being refused.
    for _ in 0..2 {
        let (mut buf, range) = crate::common::layout(&out, b"c");
        assert!(matches!(
            out.seal(&mut buf, range, 4, &mut rng, Instant(0)),
            Err(EspError::SequenceOverflow { .. })
        ));
    }
    assert_eq!(out.counters().sequence_overflows, 2);
    assert_eq!(out.counters().send_errors, 2);
    assert_eq!(out.counters().encaps, 2);
    // The receiver takes the last two numbers.
    inb.set_highest_sequence(u64::from(u32::MAX) - 5);
    for mut p in [a, b] {
        inb.open(&mut p, Instant(0)).unwrap();
    }
    assert_eq!(inb.highest_sequence(), u64::from(u32::MAX));
}

#[test]
fn esn_sender_continues_past_2_pow_32() {
    let params = SaParams::new(0x78, Suite::AES128_GCM).with_esn(true);
    let (mut out, _) = pair(&params, 8);
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    out.set_next_sequence(u64::from(u32::MAX)).unwrap();
    let p = seal_packet(&mut out, b"a", 4, &mut rng);
    assert_eq!(&p[4..8], &u32::MAX.to_be_bytes());
    let q = seal_packet(&mut out, b"b", 4, &mut rng);
    assert_eq!(&q[4..8], &0u32.to_be_bytes());
    // GCM's explicit IV is the full 64-bit sequence number.
    assert_eq!(&q[8..16], &(1u64 << 32).to_be_bytes());
    assert_eq!(out.next_sequence(), (1 << 32) + 1);
    assert!(!out.is_expired());
}
