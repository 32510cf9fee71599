//! Audit: what a forged, tampered or replayed datagram can change in the
//! engine before (or without) authentication.
//!
//! Each test was written against a bug found by the audit (or guards
//! behaviour that was already right); all of them now guard the fixes.

use std::cell::RefCell;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::rc::Rc;

use crate::common::seed::{
    ATTACKER, HUB, SPOKE, engine, hub_lan, seed_pair, spoke_lan, spoke_selectors,
};
use ike_proto::engine::{Config, DpdConfig, DpdMode, Engine, Event};
use ike_proto::harness::{Captured, Pair, Side};
use ike_proto::policy::{Identity, Selectors, StaticPolicy, TrafficSelector};
use ike_proto::time::{Duration, Instant};

const MAIN: u8 = 2;
const INFORMATIONAL: u8 = 5;
const QUICK: u8 = 32;
const FLAG_E: u8 = 0x01;
const PT_NONE: u8 = 0;
const PT_HASH: u8 = 8;
const PT_NOTIFY: u8 = 11;
const PT_DELETE: u8 = 12;
const INITIAL_CONTACT: u16 = 24578;
const INVALID_HASH_INFORMATION: u16 = 23;

fn dpd_config() -> Config {
    Config {
        dpd: Some(DpdConfig {
            interval: Duration::from_secs(10),
            retry: Duration::from_secs(2),
            retries: 5,
            mode: DpdMode::OnIdle,
        }),
        ..Config::default()
    }
}

/// A pair with phase 1 and one child SA up on both sides.
fn established(config: Config, seed: u64) -> Pair {
    let mut pair = seed_pair(config, seed);
    pair.initiate_a(spoke_selectors());
    pair.run_for(Duration::from_secs(5));
    assert_eq!(pair.a.child_sas().len(), 1, "spoke child SA up");
    assert_eq!(pair.b.child_sas().len(), 1, "hub child SA up");
    assert_eq!(pair.b.ike_sas().len(), 1, "hub IKE SA up");
    pair
}

/// The ISAKMP message inside a captured payload (without the non-ESP marker).
fn isakmp(payload: &[u8]) -> &[u8] {
    payload.strip_prefix(&[0u8; 4][..]).unwrap_or(payload)
}

fn cookies(msg: &[u8]) -> ([u8; 8], [u8; 8]) {
    let ic: [u8; 8] = msg[0..8].try_into().unwrap();
    let rc: [u8; 8] = msg[8..16].try_into().unwrap();
    (ic, rc)
}

fn exchange_of(msg: &[u8]) -> u8 {
    msg[18]
}

fn flags_of(msg: &[u8]) -> u8 {
    msg[19]
}

fn message_id_of(msg: &[u8]) -> u32 {
    u32::from_be_bytes(msg[20..24].try_into().unwrap())
}

/// An ISAKMP header (version 1.0) followed by `body`, length filled in.
fn message(
    ic: [u8; 8],
    rc: [u8; 8],
    next: u8,
    exchange: u8,
    flags: u8,
    mid: u32,
    body: &[u8],
) -> Vec<u8> {
    let mut m = Vec::with_capacity(28 + body.len());
    m.extend_from_slice(&ic);
    m.extend_from_slice(&rc);
    m.push(next);
    m.push(0x10);
    m.push(exchange);
    m.push(flags);
    m.extend_from_slice(&mid.to_be_bytes());
    m.extend_from_slice(&u32::try_from(28 + body.len()).unwrap().to_be_bytes());
    m.extend_from_slice(body);
    m
}

/// A NOTIFY payload body (after the generic header).
fn notify_body(protocol: u8, spi: &[u8], ty: u16) -> Vec<u8> {
    let mut b = 1u32.to_be_bytes().to_vec();
    b.push(protocol);
    b.push(u8::try_from(spi.len()).unwrap());
    b.extend_from_slice(&ty.to_be_bytes());
    b.extend_from_slice(spi);
    b
}

/// A DELETE payload body (after the generic header).
fn delete_body(protocol: u8, spis: &[Vec<u8>]) -> Vec<u8> {
    let mut b = 1u32.to_be_bytes().to_vec();
    b.push(protocol);
    b.push(u8::try_from(spis[0].len()).unwrap());
    b.extend_from_slice(&u16::try_from(spis.len()).unwrap().to_be_bytes());
    for s in spis {
        b.extend_from_slice(s);
    }
    b
}

/// A payload chain from (type, body) pairs; returns the first type and the bytes.
fn chain(payloads: &[(u8, Vec<u8>)]) -> (u8, Vec<u8>) {
    let mut out = Vec::new();
    for (i, (_, body)) in payloads.iter().enumerate() {
        let next = payloads.get(i + 1).map_or(PT_NONE, |p| p.0);
        out.push(next);
        out.push(0);
        out.extend_from_slice(&u16::try_from(body.len() + 4).unwrap().to_be_bytes());
        out.extend_from_slice(body);
    }
    (payloads.first().map_or(PT_NONE, |p| p.0), out)
}

fn count(events: &[Event], f: impl Fn(&Event) -> bool) -> usize {
    events.iter().filter(|e| f(e)).count()
}

fn downs(events: &[Event]) -> usize {
    count(events, |e| {
        matches!(
            e,
            Event::IkeSaDown { .. }
                | Event::ChildSaDown { .. }
                | Event::IkeSaFailed { .. }
                | Event::PeerDead { .. }
        )
    })
}

/// Feeds `bytes` to the hub as if it came from `from` to the hub's `port`.
fn inject_to_hub(pair: &mut Pair, port: u16, from: SocketAddrV4, bytes: &[u8]) {
    let now = pair.now;
    pair.b
        .handle_datagram(now, SocketAddrV4::new(HUB, port), from, bytes);
    pair.flush();
}

fn inject_to_spoke(pair: &mut Pair, from: SocketAddrV4, bytes: &[u8]) {
    let now = pair.now;
    pair.a
        .handle_datagram(now, SocketAddrV4::new(SPOKE, 500), from, bytes);
    pair.flush();
}

fn hub_cookies(pair: &Pair) -> ([u8; 8], [u8; 8]) {
    let c = pair
        .captured
        .iter()
        .find(|c| c.from == Side::B)
        .expect("the hub spoke");
    cookies(isakmp(&c.payload))
}

// ---------------------------------------------------------------------
// Sound today: regression guards
// ---------------------------------------------------------------------

/// After phase 1, Delete / INITIAL_CONTACT / error notifies in the clear
/// (with the right cookies, from the peer's own address) change nothing.
#[test]
fn unprotected_informational_after_phase1_changes_nothing() {
    let mut pair = established(Config::default(), 11);
    let (ic, rc) = hub_cookies(&pair);
    let child = pair.b.child_sas()[0].clone();
    let mut isakmp_spi = ic.to_vec();
    isakmp_spi.extend_from_slice(&rc);
    let (first, body) = chain(&[
        (PT_DELETE, delete_body(1, &[isakmp_spi.clone()])),
        (
            PT_DELETE,
            delete_body(3, &[child.spi_out.to_be_bytes().to_vec()]),
        ),
        (PT_NOTIFY, notify_body(1, &isakmp_spi, INITIAL_CONTACT)),
        (PT_NOTIFY, notify_body(1, &[], INVALID_HASH_INFORMATION)),
    ]);
    let before = pair.b_events.len();
    for mid in [0u32, 1, 0xdead_beef] {
        let forged = message(ic, rc, first, INFORMATIONAL, 0, mid, &body);
        inject_to_hub(&mut pair, 500, SocketAddrV4::new(SPOKE, 500), &forged);
    }
    assert_eq!(downs(&pair.b_events[before..]), 0);
    assert_eq!(pair.b.ike_sas().len(), 1);
    assert_eq!(pair.b.child_sas().len(), 1);
    // The same in the other direction.
    let before = pair.a_events.len();
    let forged = message(ic, rc, first, INFORMATIONAL, 0, 7, &body);
    inject_to_spoke(&mut pair, SocketAddrV4::new(HUB, 500), &forged);
    assert_eq!(downs(&pair.a_events[before..]), 0);
    assert_eq!(pair.a.child_sas().len(), 1);
    // And the SAs still work: a minute of DPD keeps them up.
    pair.run_for(Duration::from_secs(60));
    assert_eq!(pair.a.child_sas().len(), 1);
    assert_eq!(pair.b.child_sas().len(), 1);
}

/// Encrypted garbage with the right cookies (any message ID, Informational
/// or Quick Mode) is dropped without touching the SAs or the IV chains: the
/// next real exchange still works.
#[test]
fn forged_encrypted_messages_after_phase1_change_nothing() {
    let mut pair = established(Config::default(), 12);
    let (ic, rc) = hub_cookies(&pair);
    let before = pair.b_events.len();
    let sent_before = pair.captured.len();
    let mut x = 0x1234_5678_u32;
    for (i, exch) in [INFORMATIONAL, QUICK, INFORMATIONAL, QUICK]
        .into_iter()
        .enumerate()
    {
        for len in [8usize, 16, 64, 200] {
            let body: Vec<u8> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    x as u8
                })
                .collect();
            let mid = if i % 2 == 0 { x | 1 } else { 0x0101_0101 };
            let forged = message(ic, rc, PT_HASH, exch, FLAG_E, mid, &body);
            inject_to_hub(&mut pair, 500, SocketAddrV4::new(SPOKE, 500), &forged);
        }
    }
    assert_eq!(downs(&pair.b_events[before..]), 0);
    assert_eq!(
        count(&pair.b_events[before..], |e| matches!(
            e,
            Event::NotifyReceived { .. } | Event::ChildSaUp { .. }
        )),
        0
    );
    // Nothing was sent in answer to unauthenticated messages.
    assert_eq!(pair.captured.len(), sent_before);
    // A rekey (new Quick Mode) on the same IKE SA still completes.
    let child = pair.a.child_sas()[0].id;
    let now = pair.now;
    pair.a.rekey_child_sa(now, child).unwrap();
    pair.run_for(Duration::from_secs(5));
    assert!(
        pair.b_events
            .iter()
            .any(|e| matches!(e, Event::ChildSaRekeyed { .. })),
        "the hub's IV chains survived the forged messages"
    );
}

/// Spoofed first messages from many addresses never hold more than
/// `half_open_total` responder SAs: each newcomer is answered and the
/// oldest unverified SA makes room (refusing newcomers would let the flood
/// lock real peers out), and an SA whose peer never answered is
/// retransmitted once, then kept silent until the half-open timeout.
#[test]
fn half_open_total_caps_spoofed_main_mode_floods() {
    let config = Config {
        half_open_total: 5,
        ..Config::default()
    };
    let mut hub = engine(StaticPolicy::seed(b"k", hub_lan(), spoke_lan()), config, 21);
    let hub_addr = SocketAddrV4::new(HUB, 500);
    let mut answers = 0;
    for i in 0..40u8 {
        let src = SocketAddrV4::new(Ipv4Addr::new(203, 0, 113, i), 500);
        let mut spoke = engine(
            StaticPolicy::seed(b"k", spoke_lan(), hub_lan()),
            Config::default(),
            500 + u64::from(i),
        );
        spoke
            .initiate(Instant::ZERO, src, hub_addr, spoke_selectors())
            .unwrap();
        let mm1 = spoke.poll_transmit().unwrap();
        hub.handle_datagram(Instant::ZERO, hub_addr, src, &mm1.payload);
        while hub.poll_transmit().is_some() {
            answers += 1;
        }
        assert!(hub.half_open().entries <= 5);
    }
    assert_eq!(answers, 40);
    assert_eq!(hub.half_open().entries, 5);
    assert_eq!(hub.counters().half_open_evicted, 35);
    assert_eq!(hub.counters().half_open_limit, 0);
    // The five left are retransmitted once each, then given up.
    let mut sent = 0;
    let mut now = Instant::ZERO;
    while let Some(t) = hub.poll_timeout() {
        if t > Instant::from_secs(600) {
            break;
        }
        now = t;
        hub.handle_timeout(now);
        while hub.poll_transmit().is_some() {
            sent += 1;
        }
    }
    assert_eq!(sent, 5, "{sent} retransmissions");
    assert_eq!(hub.counters().half_open_unanswered, 5);
    // Kept silently until the half-open timeout.
    assert_eq!(hub.half_open().entries, 0);
    assert_eq!(now, Instant::from_secs(60));
}

/// The seed pair (`seed`) 200 ms after the spoke's acquire, with the
/// `nth` Quick Mode message `from` sent (1: its first) held back, not
/// delivered: for a test to deliver forged copies first.
fn held_back(seed: u64, from: Side, nth: usize) -> (Pair, Captured) {
    let mut pair = seed_pair(Config::default(), seed);
    let held: Rc<RefCell<Option<Captured>>> = Rc::new(RefCell::new(None));
    let h = held.clone();
    let mut seen = 0;
    pair.tamper = Some(Box::new(move |c: &mut Captured| {
        if c.from == from && exchange_of(isakmp(&c.payload)) == QUICK {
            seen += 1;
            if seen == nth {
                *h.borrow_mut() = Some(c.clone());
                return false;
            }
        }
        true
    }));
    pair.initiate_a(spoke_selectors());
    pair.run_for(Duration::from_millis(200));
    pair.tamper = None;
    let real = held
        .borrow_mut()
        .take()
        .expect("the Quick Mode message held back");
    (pair, real)
}

/// A forged HASH(3) for a Quick Mode the hub answered leaves it waiting for
/// the real one (the responder ignores unauthenticated QM3s).
#[test]
fn forged_quick_mode_hash3_is_ignored_by_the_responder() {
    // Hold back the spoke's QM3 until a forged one went in first.
    let (mut pair, real) = held_back(13, Side::A, 2);
    let m = isakmp(&real.payload).to_vec();
    // Same header, ciphertext with its last block flipped.
    let mut forged = m.clone();
    let n = forged.len();
    forged[n - 1] ^= 0x80;
    forged[n - 9] ^= 0x01;
    inject_to_hub(&mut pair, 500, real.src, &forged);
    assert!(pair.b.child_sas().is_empty());
    inject_to_hub(&mut pair, 500, real.src, &m);
    assert_eq!(pair.b.child_sas().len(), 1, "the real QM3 still completes");
}

// ---------------------------------------------------------------------
// Bugs
// ---------------------------------------------------------------------

/// engine/process.rs, `handle_datagram`: any datagram on port 4500 carrying
/// the cookies of an established, un-floated SA sets `floated` and the
/// local port before the message is authenticated (here: an unprotected
/// Informational that is then dropped). From then on the hub sends every
/// IKE message with the non-ESP marker from port 4500 to the peer's port
/// 500, which cannot parse them: DPD answers are lost and the peer is
/// declared dead.
#[test]
fn forged_datagram_on_4500_does_not_float_an_established_sa() {
    let mut pair = established(dpd_config(), 31);
    let (ic, rc) = hub_cookies(&pair);
    let mut forged = vec![0u8; 4];
    forged.extend(message(ic, rc, PT_NONE, INFORMATIONAL, 0, 0x4242_4242, &[]));
    let before = pair.b_events.len();
    inject_to_hub(&mut pair, 4500, SocketAddrV4::new(ATTACKER, 4500), &forged);
    pair.run_for(Duration::from_secs(90));
    assert_eq!(
        count(&pair.a_events, |e| matches!(e, Event::PeerDead { .. })),
        0,
        "the spoke lost the hub's DPD answers"
    );
    assert_eq!(downs(&pair.b_events[before..]), 0);
    // Every IKE message the hub sent is still plain port-500 ISAKMP.
    assert!(
        pair.captured
            .iter()
            .filter(|c| c.from == Side::B)
            .all(|c| c.src.port() == 500 && c.payload.get(..4) != Some(&[0u8; 4][..])),
        "the hub floated to 4500 on an unauthenticated packet"
    );
}

/// engine/process.rs, `handle_datagram`: while our Main Mode waits for
/// MM2, any datagram with our initiator cookie and a non-zero responder
/// cookie rewrites the SA's responder cookie and its peer address before it
/// is parsed, even when the state machine then ignores the message. The
/// real MM2 is then dropped as "unknown cookies" and the retransmissions of
/// MM1 go to the forger.
#[test]
fn forged_answer_does_not_hijack_the_initiators_cookies_or_address() {
    let mut pair = seed_pair(Config::default(), 32);
    // Let MM1 out, then inject before the hub's MM2 arrives (5 ms later).
    pair.initiate_a(spoke_selectors());
    let mm1 = pair.captured[0].payload.clone();
    let (ic, _) = cookies(&mm1);
    // Encrypted, so ExpectSa ignores it, but the SA has already changed.
    let forged = message(ic, [0x66; 8], PT_HASH, MAIN, FLAG_E, 0, &[0u8; 16]);
    inject_to_spoke(&mut pair, SocketAddrV4::new(ATTACKER, 500), &forged);
    pair.run_for(Duration::from_secs(10));
    assert_eq!(
        pair.a.child_sas().len(),
        1,
        "the forged packet broke the negotiation"
    );
    assert!(
        pair.captured
            .iter()
            .all(|c| c.from != Side::A || c.dst.ip() != &ATTACKER),
        "the spoke sent to the forger"
    );
}

/// exchange/main_mode.rs `ExpectHashR::handle` (and `RExpectHashI::handle`
/// on the responder): an encrypted message that fails to decrypt/parse
/// before HASH_R is verified fails the whole phase 1 (plain notify sent,
/// SA dropped). One forged MM6 with the cookies (readable on the path)
/// kills the negotiation; the real MM6 then hits "unknown cookies".
/// Unauthenticated garbage should be ignored (`Step::Ignore`), as
/// `QuickModeResponder::handle` does for QM3.
#[test]
fn forged_mm6_does_not_abort_the_initiators_phase1() {
    let mut pair = seed_pair(Config::default(), 33);
    let fired = Rc::new(RefCell::new(None::<Vec<u8>>));
    let f = fired.clone();
    // Spot MM5 (the spoke's first encrypted Main Mode message).
    pair.tamper = Some(Box::new(move |c: &mut Captured| {
        let m = isakmp(&c.payload);
        if c.from == Side::A && exchange_of(m) == MAIN && flags_of(m) & FLAG_E != 0 {
            f.borrow_mut().get_or_insert_with(|| m.to_vec());
        }
        true
    }));
    pair.initiate_a(spoke_selectors());
    // Step until MM5 is on the wire, then forge MM6 before the hub answers.
    while fired.borrow().is_none() {
        assert!(pair.step(Instant::from_secs(5)));
    }
    let mm5 = fired.borrow().clone().unwrap();
    let (ic, rc) = cookies(&mm5);
    let forged = message(ic, rc, 5, MAIN, FLAG_E, 0, &[0xa5; 32]);
    inject_to_spoke(&mut pair, SocketAddrV4::new(HUB, 500), &forged);
    pair.run_for(Duration::from_secs(10));
    assert_eq!(
        count(&pair.a_events, |e| matches!(e, Event::IkeSaFailed { .. })),
        0
    );
    assert_eq!(pair.a.child_sas().len(), 1);
}

/// exchange/quick_mode.rs `ExpectHash2::handle`: a QM2 whose HASH(2) does
/// not verify fails the initiator's Quick Mode (slot removed, notify sent)
/// instead of being ignored. A copy of the real QM2 with one bit flipped in
/// the HASH payload, delivered first, kills the exchange; the real QM2 that
/// follows is then taken for a new Quick Mode and dropped.
#[test]
fn tampered_qm2_does_not_kill_the_quick_mode() {
    let (mut pair, real) = held_back(34, Side::B, 1);
    let m = isakmp(&real.payload).to_vec();
    // Flip a bit in the second ciphertext block: with CBC this garbles the
    // first plaintext block's successor (inside HASH(2)'s 20 bytes for
    // 3DES/SHA-1) and leaves the chain parseable.
    let mut forged = m.clone();
    forged[28 + 8] ^= 0x01;
    inject_to_spoke(&mut pair, real.src, &forged);
    inject_to_spoke(&mut pair, real.src, &m);
    pair.run_for(Duration::from_secs(5));
    assert_eq!(pair.a.child_sas().len(), 1, "the real QM2 completes");
    assert_eq!(pair.b.child_sas().len(), 1);
}

/// engine/informational.rs `heard_from` (called from `info_message`): the peer's
/// address follows any authenticated message when NAT is in use, and
/// Informational messages have no replay protection (the message ID is not
/// remembered, its IV is recomputed). A captured DPD R-U-THERE replayed
/// from another address moves the IKE SA and every child SA of the peer to
/// that address.
#[test]
fn replayed_informational_does_not_move_the_peer() {
    let mut pair = seed_pair(dpd_config(), 35);
    pair.nat_a(Ipv4Addr::new(203, 0, 113, 7));
    pair.initiate_a(spoke_selectors());
    pair.run_for(Duration::from_secs(40));
    assert_eq!(pair.b.child_sas().len(), 1);
    let info = pair
        .captured
        .iter()
        .rev()
        .find(|c| c.from == Side::A && exchange_of(isakmp(&c.payload)) == INFORMATIONAL)
        .expect("the spoke sent a DPD R-U-THERE")
        .clone();
    let before = pair.b_events.len();
    inject_to_hub(
        &mut pair,
        4500,
        SocketAddrV4::new(ATTACKER, 4500),
        &info.payload,
    );
    assert_eq!(
        count(&pair.b_events[before..], |e| matches!(
            e,
            Event::PeerAddressChanged { .. }
        )),
        0,
        "a replay redirected the hub's SAs to {ATTACKER}"
    );
    assert_ne!(pair.b.child_sas()[0].remote.ip(), &ATTACKER);
}

/// Same root cause: replaying one captured protected Informational every
/// few seconds keeps a silent peer "alive" for DPD forever (any
/// authenticated message counts as liveness and resets the idle timer).
#[test]
fn replayed_informational_does_not_keep_a_dead_peer_alive() {
    let mut pair = established(dpd_config(), 36);
    pair.run_for(Duration::from_secs(30));
    let info = pair
        .captured
        .iter()
        .rev()
        .find(|c| c.from == Side::A && exchange_of(isakmp(&c.payload)) == INFORMATIONAL)
        .expect("the spoke sent a DPD R-U-THERE")
        .clone();
    assert_ne!(message_id_of(isakmp(&info.payload)), 0);
    pair.silent = Some(Side::A);
    for _ in 0..24 {
        pair.run_for(Duration::from_secs(5));
        inject_to_hub(&mut pair, 500, info.src, &info.payload);
    }
    assert!(
        pair.b_events
            .iter()
            .any(|e| matches!(e, Event::PeerDead { .. })),
        "two minutes of silence, yet the hub still thinks the spoke is alive"
    );
}

/// engine/phase1.rs `purge_scope` (from `phase1_complete` and
/// `info_message`): INITIAL_CONTACT clears every SA whose peer has the same
/// IP address, whatever its identity or port. Two Cisco VPN clients behind
/// one NAT (one public address) therefore kick each other off whenever one
/// connects; RFC 2407 4.6.3.3 scopes INITIAL_CONTACT to "the sending
/// system" (its authenticated identity).
#[test]
fn initial_contact_only_clears_the_senders_own_sas() {
    let shared = Ipv4Addr::new(192, 0, 2, 50);
    let config = Config {
        nat_traversal: false,
        dpd: None,
        ..Config::default()
    };
    // A dynamic-map-like hub: any selectors the clients propose.
    let mut hub_policy = StaticPolicy::seed(b"cisco123", hub_lan(), spoke_lan());
    hub_policy.phase2[0].selectors = None;
    let mut hub = engine(hub_policy, config.clone(), 40);
    let lan =
        |i: usize| TrafficSelector::subnet(Ipv4Addr::new(10, 2, u8::try_from(i).unwrap(), 0), 24);
    let hub_addr = SocketAddrV4::new(HUB, 500);
    let mut spokes: Vec<Engine> = ["one.example", "two.example"]
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let mut p = StaticPolicy::seed(b"cisco123", lan(i), hub_lan());
            p.identity = Some(Identity::Fqdn((*name).to_string()));
            engine(p, config.clone(), 41 + i as u64)
        })
        .collect();
    // Client i is seen by the hub at shared:(500 + i), as through a NAT
    // that keeps the address and changes the port.
    let outside = |i: usize| SocketAddrV4::new(shared, 500 + u16::try_from(i).unwrap());
    let inside = SocketAddrV4::new(shared, 500);
    let mut hub_events = Vec::new();
    let mut now = Instant::ZERO;
    for i in 0..2 {
        let selectors = Selectors {
            local: lan(i),
            remote: hub_lan(),
        };
        spokes[i]
            .initiate(now, inside, hub_addr, selectors)
            .unwrap();
        for _ in 0..20 {
            now += Duration::from_millis(10);
            let mut moved = false;
            while let Some(d) = spokes[i].poll_transmit() {
                hub.handle_datagram(now, hub_addr, outside(i), &d.payload);
                moved = true;
            }
            while let Some(d) = hub.poll_transmit() {
                let to = (0..2).find(|j| outside(*j) == d.remote).unwrap();
                spokes[to].handle_datagram(now, inside, hub_addr, &d.payload);
                moved = true;
            }
            while let Some(e) = hub.poll_event() {
                hub_events.push(e);
            }
            if !moved {
                break;
            }
        }
        assert_eq!(spokes[i].child_sas().len(), 1, "client {i} connected");
    }
    assert_eq!(
        count(&hub_events, |e| matches!(e, Event::ChildSaDown { .. })),
        0,
        "the second client's INITIAL_CONTACT tore down the first client's SAs"
    );
    assert_eq!(hub.child_sas().len(), 2);
}

/// engine/informational.rs `info_message` (the `!authenticated` branch) and
/// `handle_datagram` (`sa.is_half_open() && remote != sa.remote`): while
/// phase 1 is under way, one unprotected error notify with the cookies
/// (both travel in the clear), sent from any address, deletes the half-open
/// SA, and the SA first adopts the forger's address. The real MM3 then
/// hits "unknown cookies" and the negotiation dies. An unauthenticated
/// notify should at most be logged (or be honoured only from the peer's
/// address and only as the answer to our first message).
#[test]
fn unauthenticated_error_notify_does_not_kill_a_half_open_sa() {
    const NO_PROPOSAL_CHOSEN: u16 = 14;
    let mut pair = seed_pair(Config::default(), 37);
    pair.initiate_a(spoke_selectors());
    // Step until the hub has answered MM1 (its SA is half-open).
    while !pair.captured.iter().any(|c| c.from == Side::B) {
        assert!(pair.step(Instant::from_secs(1)));
    }
    let (ic, rc) = hub_cookies(&pair);
    let (first, body) = chain(&[(PT_NOTIFY, notify_body(1, &[], NO_PROPOSAL_CHOSEN))]);
    let forged = message(ic, rc, first, INFORMATIONAL, 0, 0x0bad_cafe, &body);
    let before = pair.b_events.len();
    inject_to_hub(&mut pair, 500, SocketAddrV4::new(ATTACKER, 500), &forged);
    assert_eq!(
        count(&pair.b_events[before..], |e| matches!(
            e,
            Event::IkeSaFailed { .. }
        )),
        0,
        "the hub dropped its half-open SA on a forged notify"
    );
    pair.run_for(Duration::from_secs(10));
    assert_eq!(pair.a.child_sas().len(), 1);
    assert_eq!(pair.b.child_sas().len(), 1);
}

/// exchange/informational.rs `open_protected`: the IV chain of the message
/// ID is forgotten (`crypter.forget`) before HASH(1) is checked. Quick Mode
/// and Informational share the per-message-ID chains, so a copy of the
/// spoke's real QM3 relabelled as an Informational (exchange byte 32 -> 5,
/// everything else intact: it decrypts and parses, only its HASH fails)
/// makes the hub drop the live chain of that Quick Mode. The real QM3 is
/// then decrypted with a freshly derived IV, ignored, and the spoke is left
/// with a child SA the hub never installs (traffic black-holed).
#[test]
fn relabelled_quick_mode_message_does_not_erase_its_iv_chain() {
    let (mut pair, real) = held_back(38, Side::A, 2);
    let m = isakmp(&real.payload).to_vec();
    let mut relabelled = m.clone();
    relabelled[18] = INFORMATIONAL;
    let before = pair.b_events.len();
    inject_to_hub(&mut pair, 500, real.src, &relabelled);
    assert_eq!(downs(&pair.b_events[before..]), 0);
    inject_to_hub(&mut pair, 500, real.src, &m);
    pair.run_for(Duration::from_secs(10));
    assert_eq!(pair.a.child_sas().len(), 1);
    assert_eq!(
        pair.b.child_sas().len(),
        1,
        "the hub lost the Quick Mode's IV chain to a forged Informational"
    );
}
