//! Audit: property tests on `Engine::handle_datagram` with hostile bytes
//! where `tests/engine.rs` does not already reach: a message damaged *in
//! flight* (the peer never sees the original, so the damaged copy drives
//! the state machine mid-negotiation, Main and Aggressive Mode), and
//! structured garbage that carries the live cookies of an established SA
//! (so it reaches the Informational, Quick Mode and decryption paths).
//!
//! Case counts are bounded so the file runs in well under 20 s.

use std::net::{Ipv4Addr, SocketAddrV4};

use crate::common::seed::{CLIENT, HUB, Keyed, SPOKE, engine, hub_lan, keyed, spoke_lan};
use ike_proto::engine::{Config, Event};
use ike_proto::harness::{Captured, Pair, Side};
use ike_proto::policy::{
    Identity, ModeConfig, Phase1Mode, Phase1Proposal, Phase2Proposal, PresharedKey, Profile,
    Selectors, StaticPhase2, StaticPolicy, TrafficSelector,
};
use ike_proto::time::{Duration, Instant};
use proptest::prelude::*;

/// The seed's spoke (A) and hub (B), Main Mode.
fn main_mode_pair(seed: u64) -> (Pair, Selectors) {
    let spoke = engine(
        StaticPolicy::seed(b"cisco123", spoke_lan(), hub_lan()),
        Config::default(),
        seed,
    );
    let hub = engine(
        StaticPolicy::seed(b"cisco123", hub_lan(), spoke_lan()),
        Config::default(),
        seed + 1000,
    );
    (
        Pair::new(spoke, SPOKE, hub, HUB, seed),
        Selectors {
            local: spoke_lan(),
            remote: hub_lan(),
        },
    )
}

/// A VPN client (A, Aggressive Mode, KEY_ID "testgroup") and the hub (B).
fn aggressive_pair(seed: u64) -> (Pair, Selectors) {
    let group = Identity::KeyId(b"testgroup".to_vec());
    let any_phase2 = StaticPhase2 {
        peer: None,
        selectors: None,
        proposals: vec![Phase2Proposal::seed()],
    };
    let mut client = StaticPolicy::new();
    client.mode = Some(Phase1Mode::Aggressive);
    client.identity = Some(group.clone());
    client
        .keys_by_identity
        .push((group.clone(), PresharedKey::new(b"cisco123".to_vec())));
    client.phase1.push(Phase1Proposal::seed());
    client.profiles.push((
        None,
        Profile {
            name: "hub".into(),
            xauth: false,
            mode_config: ModeConfig::None,
        },
    ));
    client.phase2.push(any_phase2.clone());
    let mut hub = StaticPolicy::new();
    hub.keys_by_identity
        .push((group.clone(), PresharedKey::new(b"cisco123".to_vec())));
    hub.phase1.push(Phase1Proposal::seed());
    hub.profiles.push((
        Some(group),
        Profile {
            name: "VPNclient".into(),
            xauth: false,
            mode_config: ModeConfig::None,
        },
    ));
    hub.phase2.push(any_phase2);
    (
        Pair::new(
            engine(client, Config::default(), seed),
            CLIENT,
            engine(hub, Config::default(), seed + 1),
            HUB,
            seed,
        ),
        Selectors {
            local: TrafficSelector::host(Ipv4Addr::new(10, 10, 10, 1)),
            remote: hub_lan(),
        },
    )
}

fn assert_mirrored(a: Keyed<'_>, b: Keyed<'_>) {
    assert_eq!(a.spi_in, b.spi_out);
    assert_eq!(a.spi_out, b.spi_in);
    assert_eq!(a.keys.inbound, b.keys.outbound);
    assert_eq!(a.keys.outbound, b.keys.inbound);
    assert_eq!(a.selectors, b.selectors.mirrored());
}

/// How a datagram is damaged.
#[derive(Clone, Debug)]
enum Damage {
    /// XOR one byte.
    Flip { pos: usize, xor: u8 },
    /// Cut the datagram short.
    Truncate { keep: usize },
    /// Append bytes (the ISAKMP length no longer matches, or, with `fix`,
    /// is rewritten to match so the payload walk sees them).
    Append { extra: Vec<u8>, fix: bool },
    /// Overwrite a byte range with arbitrary bytes, then fix the length.
    Splice { pos: usize, bytes: Vec<u8> },
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        (any::<usize>(), 1u8..=255).prop_map(|(pos, xor)| Damage::Flip { pos, xor }),
        any::<usize>().prop_map(|keep| Damage::Truncate { keep }),
        (proptest::collection::vec(any::<u8>(), 1..64), any::<bool>())
            .prop_map(|(extra, fix)| Damage::Append { extra, fix }),
        (
            any::<usize>(),
            proptest::collection::vec(any::<u8>(), 1..40)
        )
            .prop_map(|(pos, bytes)| Damage::Splice { pos, bytes }),
    ]
}

/// Rewrites the ISAKMP length field (after an optional non-ESP marker).
fn fix_length(p: &mut [u8]) {
    let off = if p.starts_with(&[0u8; 4]) { 4 } else { 0 };
    let len = p.len() - off;
    if len >= 28 {
        let l = u32::try_from(len).unwrap().to_be_bytes();
        p[off + 24..off + 28].copy_from_slice(&l);
    }
}

fn apply(d: &Damage, p: &mut Vec<u8>) {
    if p.is_empty() {
        return;
    }
    match d {
        Damage::Flip { pos, xor } => {
            let at = pos % p.len();
            p[at] ^= xor;
        }
        Damage::Truncate { keep } => p.truncate(keep % p.len()),
        Damage::Append { extra, fix } => {
            p.extend_from_slice(extra);
            if *fix {
                fix_length(p);
            }
        }
        Damage::Splice { pos, bytes } => {
            let at = pos % p.len();
            for (i, b) in bytes.iter().enumerate() {
                if let Some(x) = p.get_mut(at + i) {
                    *x = *b;
                }
            }
            fix_length(p);
        }
    }
}

/// Runs a negotiation in which datagram number `index` (of either peer) is
/// damaged on the wire; the peer only ever sees the damaged copy (and the
/// sender's retransmissions, undamaged).
fn run_with_damage(mut pair: Pair, selectors: Selectors, index: usize, d: Damage) -> Pair {
    let mut n = 0usize;
    pair.tamper = Some(Box::new(move |c: &mut Captured| {
        if n == index {
            apply(&d, &mut c.payload);
        }
        n += 1;
        true
    }));
    pair.initiate_a(selectors);
    pair.run_for(Duration::from_secs(90));
    pair
}

fn check_outcome(pair: &Pair) {
    let (a, b) = (pair.a.child_sas(), pair.b.child_sas());
    assert!(a.len() <= 1 && b.len() <= 1, "{} / {}", a.len(), b.len());
    assert!(pair.a.ike_sas().len() <= 1 && pair.b.ike_sas().len() <= 1);
    if let ([a], [b]) = (a.as_slice(), b.as_slice()) {
        assert_mirrored(keyed(&pair.a_events, a), keyed(&pair.b_events, b));
    }
}

/// A random datagram carrying the live cookies of an established SA.
#[derive(Clone, Debug)]
struct Forged {
    exchange: u8,
    flags: u8,
    message_id: u32,
    next: u8,
    body: Vec<u8>,
    block_align: bool,
}

fn forged() -> impl Strategy<Value = Forged> {
    (
        prop_oneof![
            Just(2u8),
            Just(4u8),
            Just(5u8),
            Just(6u8),
            Just(32u8),
            any::<u8>()
        ],
        prop_oneof![Just(0u8), Just(1u8), Just(2u8), Just(3u8), any::<u8>()],
        prop_oneof![Just(0u32), any::<u32>()],
        prop_oneof![Just(8u8), Just(11u8), Just(12u8), Just(0u8), any::<u8>()],
        proptest::collection::vec(any::<u8>(), 0..300),
        any::<bool>(),
    )
        .prop_map(
            |(exchange, flags, message_id, next, body, block_align)| Forged {
                exchange,
                flags,
                message_id,
                next,
                body,
                block_align,
            },
        )
}

fn build(ic: &[u8], rc: &[u8], f: &Forged) -> Vec<u8> {
    let mut body = f.body.clone();
    if f.block_align {
        body.truncate(body.len() - body.len() % 8);
    }
    let mut m = Vec::new();
    m.extend_from_slice(ic);
    m.extend_from_slice(rc);
    m.extend_from_slice(&[f.next, 0x10, f.exchange, f.flags]);
    m.extend_from_slice(&f.message_id.to_be_bytes());
    m.extend_from_slice(&u32::try_from(28 + body.len()).unwrap().to_be_bytes());
    m.extend_from_slice(&body);
    m
}

fn downs(events: &[Event]) -> usize {
    events
        .iter()
        .filter(|e| {
            matches!(
                e,
                Event::IkeSaDown { .. }
                    | Event::ChildSaDown { .. }
                    | Event::PeerDead { .. }
                    | Event::IkeSaFailed { .. }
            )
        })
        .count()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Main Mode + Quick Mode with one datagram damaged in flight: never a
    /// panic, never more than one SA a side, and SAs present on both sides
    /// always agree.
    #[test]
    fn main_mode_with_one_datagram_damaged_in_flight(index in 0usize..12, d in damage(), seed in 0u64..4) {
        let (pair, sel) = main_mode_pair(200 + seed);
        let pair = run_with_damage(pair, sel, index, d);
        check_outcome(&pair);
    }

    /// The same for Aggressive Mode (the responder does DH on the first,
    /// unauthenticated message).
    #[test]
    fn aggressive_mode_with_one_datagram_damaged_in_flight(index in 0usize..10, d in damage(), seed in 0u64..4) {
        let (pair, sel) = aggressive_pair(300 + seed);
        let pair = run_with_damage(pair, sel, index, d);
        check_outcome(&pair);
    }

    /// Structured garbage with the live cookies, on port 500 from the
    /// peer's own address, to an established hub: never a panic, nothing
    /// torn down, nothing answered, and the SAs still work afterwards.
    /// (Port 4500 is left out: see the ignored
    /// `forged_datagram_on_4500_does_not_float_an_established_sa` in
    /// `audit_forged.rs`.)
    #[test]
    fn garbage_with_live_cookies_changes_nothing(msgs in proptest::collection::vec(forged(), 1..8)) {
        let (mut pair, sel) = main_mode_pair(400);
        pair.initiate_a(sel);
        pair.run_for(Duration::from_secs(5));
        prop_assert_eq!(pair.b.child_sas().len(), 1);
        let hub_msg = pair.captured.iter().find(|c| c.from == Side::B).unwrap().payload.clone();
        let (ic, rc) = (hub_msg[0..8].to_vec(), hub_msg[8..16].to_vec());
        let events_before = pair.b_events.len();
        let sent_before = pair.captured.len();
        let now = pair.now;
        for f in &msgs {
            let m = build(&ic, &rc, f);
            pair.b.handle_datagram(now, SocketAddrV4::new(HUB, 500), SocketAddrV4::new(SPOKE, 500), &m);
            // Also with the cookies swapped and with a zero responder
            // cookie (the lookup's other paths).
            let m = build(&rc, &ic, f);
            pair.b.handle_datagram(now, SocketAddrV4::new(HUB, 500), SocketAddrV4::new(SPOKE, 500), &m);
            let m = build(&ic, &[0; 8], f);
            pair.b.handle_datagram(now, SocketAddrV4::new(HUB, 500), SocketAddrV4::new(SPOKE, 500), &m);
        }
        pair.flush();
        prop_assert_eq!(pair.captured.len(), sent_before, "the hub answered garbage");
        prop_assert_eq!(downs(&pair.b_events[events_before..]), 0);
        prop_assert_eq!(pair.b.ike_sas().len(), 1);
        prop_assert_eq!(pair.b.child_sas().len(), 1);
        // A rekey on the same IKE SA still completes (IV chains intact).
        let child = pair.a.child_sas()[0].id;
        let now = pair.now;
        pair.a.rekey_child_sa(now, child).unwrap();
        pair.run_for(Duration::from_secs(5));
        let rekeyed = pair.b_events[events_before..]
            .iter()
            .any(|e| matches!(e, Event::ChildSaRekeyed { .. }));
        prop_assert!(rekeyed, "the rekey after the garbage failed");
    }

    /// Random bytes after a valid header with random cookies, both ports,
    /// many sources: never a panic and never an established SA; the engine
    /// stays idle afterwards.
    #[test]
    fn random_headers_from_many_sources(
        msgs in proptest::collection::vec((forged(), any::<[u8; 8]>(), any::<u8>(), any::<bool>()), 1..24),
    ) {
        let mut hub = engine(StaticPolicy::seed(b"cisco123", hub_lan(), spoke_lan()), Config::default(), 9);
        for (f, ic, host, natt) in &msgs {
            let m = build(ic, &[0; 8], f);
            let (port, data) = if *natt {
                let mut d = vec![0u8; 4];
                d.extend_from_slice(&m);
                (4500, d)
            } else {
                (500, m)
            };
            let src = SocketAddrV4::new(Ipv4Addr::new(203, 0, 113, *host), port);
            hub.handle_datagram(Instant::ZERO, SocketAddrV4::new(HUB, port), src, &data);
        }
        while hub.poll_transmit().is_some() {}
        hub.handle_timeout(Instant::from_secs(3600));
        while hub.poll_transmit().is_some() {}
        prop_assert!(hub.ike_sas().is_empty() && hub.child_sas().is_empty());
        prop_assert!(hub.poll_timeout().is_none(), "state left behind");
    }
}
