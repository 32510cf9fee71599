//! Audit: `InboundSa::open` / `Sad::open` and the SPD on peer-controlled
//! bytes. A damaged copy of a real packet (not just random bytes) must be
//! refused by every authenticated suite, leave the buffer and the
//! anti-replay window untouched, be counted, and never stop the real packet
//! from opening afterwards.

use esp_core::spd::{
    AddressMatch, Fallback, PolicyAction, PolicyEntry, PolicyId, PortRange, Selector,
};
use esp_core::wire::protocol;
use esp_core::{
    EspError, InboundSa, Instant, KeyMaterial, OutboundSa, ReplayReason, SaParams, Sad, Suite,
};
use proptest::prelude::*;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

const SPI: u32 = 0x0a0b_0c0d;

fn keys_for(suite: Suite) -> (Vec<u8>, Vec<u8>) {
    let enc = (0..suite.encryption().key_len())
        .map(|i| (i as u8).wrapping_mul(7).wrapping_add(3))
        .collect();
    let integ = (0..suite.integrity().key_len())
        .map(|i| (i as u8).wrapping_mul(11).wrapping_add(5))
        .collect();
    (enc, integ)
}

fn sa_pair(params: &SaParams) -> (OutboundSa, InboundSa) {
    let (enc, integ) = keys_for(params.suite);
    let keys = KeyMaterial::new(&enc, &integ);
    (
        OutboundSa::new(params, &keys, Instant(0)).unwrap(),
        InboundSa::new(params, &keys, Instant(0)).unwrap(),
    )
}

/// Seals `inner` and returns the ESP packet (SPI to ICV).
fn seal(out: &mut OutboundSa, inner: &[u8], rng: &mut ChaCha20Rng) -> Vec<u8> {
    let head = out.headroom();
    let mut buf = vec![0u8; head + inner.len() + out.tailroom(inner.len())];
    buf[head..head + inner.len()].copy_from_slice(inner);
    let range = out
        .seal(
            &mut buf,
            head..head + inner.len(),
            protocol::IPV4,
            rng,
            Instant(0),
        )
        .unwrap();
    buf[range].to_vec()
}

#[derive(Clone, Debug)]
enum Damage {
    Flip { pos: usize, xor: u8 },
    Truncate { keep: usize },
    Append { extra: Vec<u8> },
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        (any::<usize>(), 1u8..=255).prop_map(|(pos, xor)| Damage::Flip { pos, xor }),
        any::<usize>().prop_map(|keep| Damage::Truncate { keep }),
        proptest::collection::vec(any::<u8>(), 1..40).prop_map(|extra| Damage::Append { extra }),
    ]
}

fn apply(d: &Damage, p: &mut Vec<u8>) {
    match d {
        Damage::Flip { pos, xor } => {
            let at = pos % p.len();
            p[at] ^= xor;
        }
        Damage::Truncate { keep } => p.truncate(keep % p.len()),
        Damage::Append { extra } => p.extend_from_slice(extra),
    }
}

fn authenticated_suites() -> Vec<Suite> {
    Suite::all().filter(|s| s.is_authenticated()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// Every authenticated suite, with and without ESN: a damaged copy of a
    /// real packet is refused, leaves the buffer as it was, is counted, and
    /// the real packet (and the next one) still open.
    #[test]
    fn damaged_real_packets_are_refused_without_side_effects(
        suite_index in any::<prop::sample::Index>(),
        esn in any::<bool>(),
        start in prop_oneof![Just(1u64), Just(0xffff_fff0u64), 1u64..1_000_000],
        inner in proptest::collection::vec(any::<u8>(), 0..120),
        d in damage(),
    ) {
        let suites = authenticated_suites();
        let suite = suites[suite_index.index(suites.len())];
        let params = SaParams::new(SPI, suite).with_esn(esn);
        let (mut out, mut inb) = sa_pair(&params);
        let start = if esn { start } else { start.min(u64::from(u32::MAX) - 2) };
        out.set_next_sequence(start).unwrap();
        inb.set_highest_sequence(start.saturating_sub(1));
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let real = seal(&mut out, &inner, &mut rng);
        let next = seal(&mut out, &inner, &mut rng);
        let top = inb.highest_sequence();

        let mut forged = real.clone();
        apply(&d, &mut forged);
        prop_assume!(forged != real);
        let copy = forged.clone();
        let result = inb.open(&mut forged, Instant(0));
        prop_assert!(result.is_err(), "a damaged packet opened: {:?}", d);
        prop_assert_eq!(&forged, &copy, "bytes changed before the ICV verified");
        prop_assert_eq!(inb.highest_sequence(), top, "a forged packet moved the window");
        let c = inb.counters();
        prop_assert_eq!((c.recv_errors, c.decaps), (1, 0));

        let mut ok = real.clone();
        let opened = inb.open(&mut ok, Instant(0)).unwrap();
        prop_assert_eq!(&ok[opened.inner], &inner[..]);
        prop_assert_eq!(opened.sequence, start);
        let mut ok = next.clone();
        prop_assert!(inb.open(&mut ok, Instant(0)).is_ok());
        // And a replay of the real packet is refused.
        let mut again = real.clone();
        let replayed = matches!(
            inb.open(&mut again, Instant(0)),
            Err(EspError::Replay { .. })
        );
        prop_assert!(replayed, "a replay of the real packet was accepted");
    }

    /// Through the SAD: unknown SPIs and short packets are counted, never
    /// reach an SA, and never panic.
    #[test]
    fn sad_counts_what_it_cannot_route(
        bytes in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let params = SaParams::new(SPI, Suite::TRIPLE_DES_SHA1);
        let (_, inb) = sa_pair(&params);
        let mut sad = Sad::new();
        sad.insert_inbound(inb).unwrap();
        let mut b = bytes.clone();
        let r = sad.open(&mut b, Instant(0));
        prop_assert!(r.is_err());
        let c = *sad.counters();
        let sa_errors = sad.inbound(SPI).unwrap().counters().recv_errors;
        prop_assert_eq!(c.invalid_recv + c.no_sa_recv + sa_errors, 1);
        if bytes.len() >= 8 && bytes[..4] != SPI.to_be_bytes() {
            prop_assert_eq!(c.no_sa_recv, 1);
        }
    }

    /// The SPD on arbitrary "decrypted inner packets": never a panic, and a
    /// packet that does not parse as IPv4 is refused rather than matched.
    #[test]
    fn spd_decides_on_arbitrary_inner_packets(
        bytes in proptest::collection::vec(any::<u8>(), 0..80),
    ) {
        let sad = Sad::new();
        let mut spd = esp_core::Spd::new(Fallback::Discard);
        spd.push(PolicyEntry {
            id: PolicyId(1),
            selector: Selector {
                source: AddressMatch::prefix([10, 2, 0, 0].into(), 16).unwrap(),
                destination: AddressMatch::prefix([10, 1, 0, 0].into(), 16).unwrap(),
                protocol: Some(protocol::TCP),
                source_ports: PortRange::ANY,
                destination_ports: PortRange::single(80),
            },
            action: PolicyAction::Bypass,
        });
        let _ = spd.decide_ipv4(&bytes, &sad);
        if bytes.len() < 20 {
            prop_assert!(spd.decide_ipv4(&bytes, &sad).is_err());
        }
    }
}

/// A forged packet claiming a high sequence number (garbage ICV) does not
/// advance the window: packet 1 still opens, for every authenticated suite,
/// with and without ESN. (With ESN, a low half below the window's bottom is
/// read as the previous 2^32 subspace and refused as too old before the
/// ICV is even computed.)
#[test]
fn forged_high_sequence_numbers_do_not_move_the_window() {
    for suite in authenticated_suites() {
        for esn in [false, true] {
            let params = SaParams::new(SPI, suite).with_esn(esn);
            let (mut out, mut inb) = sa_pair(&params);
            let mut rng = ChaCha20Rng::seed_from_u64(2);
            let real = seal(&mut out, b"inner", &mut rng);
            for seq in [u32::MAX, 0x8000_0000, 1_000_000] {
                let mut forged = real.clone();
                forged[4..8].copy_from_slice(&seq.to_be_bytes());
                let r = inb.open(&mut forged, Instant(0));
                assert!(
                    matches!(
                        r,
                        Err(EspError::AuthenticationFailed { .. })
                            | Err(EspError::Replay {
                                reason: ReplayReason::TooOld,
                                ..
                            })
                    ),
                    "{suite:?} esn={esn} seq={seq}: {r:?}"
                );
            }
            assert_eq!(inb.highest_sequence(), 0);
            let mut ok = real.clone();
            assert!(inb.open(&mut ok, Instant(0)).is_ok(), "{suite:?} esn={esn}");
            let c = inb.counters();
            assert_eq!(c.auth_failures + c.replay_failures, 3);
            assert_eq!((c.decaps, c.recv_errors), (1, 3));
            // Sequence number zero is never valid, even with a real ICV
            // (it is checked before the ICV, so it costs nothing).
            let mut zero = real.clone();
            zero[4..8].copy_from_slice(&0u32.to_be_bytes());
            let r = inb.open(&mut zero, Instant(0));
            assert!(
                matches!(
                    r,
                    Err(EspError::Replay {
                        reason: ReplayReason::Zero | ReplayReason::TooOld,
                        ..
                    }) | Err(EspError::AuthenticationFailed { .. })
                ),
                "{suite:?} esn={esn}: {r:?}"
            );
        }
    }
}

/// Unauthenticated suites (encryption only) have no replay protection by
/// RFC 4303 and check only the padding: a damaged packet may "open" to
/// garbage, but it never panics and the counters add up.
#[test]
fn unauthenticated_suites_never_panic_on_damage() {
    let suites: Vec<Suite> = Suite::all().filter(|s| !s.is_authenticated()).collect();
    assert!(!suites.is_empty(), "CBC-only suites exist");
    for suite in suites {
        let params = SaParams::new(SPI, suite);
        let (mut out, mut inb) = sa_pair(&params);
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let real = seal(&mut out, &[0x45; 40], &mut rng);
        let mut n = 0u64;
        for pos in 0..real.len() {
            for xor in [1u8, 0x80, 0xff] {
                let mut p = real.clone();
                p[pos] ^= xor;
                let _ = inb.open(&mut p, Instant(0));
                n += 1;
            }
            let mut p = real[..pos].to_vec();
            let _ = inb.open(&mut p, Instant(0));
            n += 1;
        }
        let c = inb.counters();
        assert_eq!(c.recv_errors + c.decaps, n, "{suite:?}");
    }
}
