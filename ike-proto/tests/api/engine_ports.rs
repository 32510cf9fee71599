//! Ports as configuration and forced UDP encapsulation, driven by the
//! in-memory harness: nodes off the IANA ports, NAT-T floats to the
//! configured ports, strongSwan-style `forceencaps` without a NAT, and
//! rekeys / phase-1 re-establishment that keep a floated SA's ports.

use std::net::{Ipv4Addr, SocketAddrV4};

use crate::common::seed::{HUB, SPOKE, hub_lan, keyed, spoke_lan, spoke_selectors};
use ike_proto::engine::{ChildSa, Config, Encapsulation, Engine, Event};
use ike_proto::harness::{Pair, Side};
use ike_proto::policy::{Lifetime, StaticPolicy};
use ike_proto::time::{Duration, Instant};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

/// A config on `(ike, natt)` talking to a peer on `peer`.
fn ports(ours: (u16, u16), peer: (u16, u16)) -> Config {
    Config {
        ike_port: ours.0,
        natt_port: ours.1,
        peer_ike_port: peer.0,
        peer_natt_port: peer.1,
        ..Config::default()
    }
}

fn pair_with(a: Config, b: Config, policy: impl Fn(&mut StaticPolicy), seed: u64) -> Pair {
    let mut pa = StaticPolicy::seed(b"cisco123", spoke_lan(), hub_lan());
    let mut pb = StaticPolicy::seed(b"cisco123", hub_lan(), spoke_lan());
    policy(&mut pa);
    policy(&mut pb);
    let ea = Engine::new(a, Box::new(pa), Box::new(ChaCha20Rng::seed_from_u64(seed)));
    let eb = Engine::new(
        b,
        Box::new(pb),
        Box::new(ChaCha20Rng::seed_from_u64(seed + 1000)),
    );
    Pair::new(ea, SPOKE, eb, HUB, seed)
}

fn one_pair(pair: &Pair) -> (ChildSa, ChildSa) {
    let (a, b) = (pair.a.child_sas(), pair.b.child_sas());
    assert_eq!((a.len(), b.len()), (1, 1), "{:#?}", pair.b_events);
    let (a, b) = (keyed(&pair.a_events, &a[0]), keyed(&pair.b_events, &b[0]));
    assert_eq!(a.spi_in, b.spi_out);
    assert_eq!(a.keys.inbound, b.keys.outbound);
    assert_eq!(a.keys.outbound, b.keys.inbound);
    (a.sa.clone(), b.sa.clone())
}

fn has_marker(payload: &[u8]) -> bool {
    payload.len() > 4 && payload[..4] == [0; 4]
}

#[test]
fn both_sides_on_non_default_ports_without_a_nat_stay_on_the_ike_ports() {
    let mut pair = pair_with(
        ports((10500, 14500), (20500, 24500)),
        ports((20500, 24500), (10500, 14500)),
        |_| {},
        1,
    );
    pair.initiate_a(spoke_selectors());
    pair.run_for(Duration::from_secs(5));
    let (a, b) = one_pair(&pair);
    assert_eq!(a.encapsulation, Encapsulation::None);
    assert_eq!(b.encapsulation, Encapsulation::None);
    assert_eq!(a.remote, SocketAddrV4::new(HUB, 20500));
    assert_eq!(b.remote, SocketAddrV4::new(SPOKE, 10500));
    assert!(!pair.captured.is_empty());
    for c in &pair.captured {
        let expected = match c.from {
            Side::A => (10500, 20500),
            Side::B => (20500, 10500),
        };
        assert_eq!((c.src.port(), c.dst.port()), expected, "{c:?}");
        assert!(!has_marker(&c.payload));
    }
    // The responder's debug log names the port the first message came to.
    let dport = pair
        .b_events
        .iter()
        .any(|e| matches!(e, Event::Log(l) if l.text.contains("dport 20500 sport 10500")));
    assert!(dport, "{:#?}", pair.b_events);
}

#[test]
fn initiate_with_port_zero_uses_the_configured_ports() {
    let mut a = Engine::new(
        ports((10500, 14500), (20500, 24500)),
        Box::new(StaticPolicy::seed(b"k", spoke_lan(), hub_lan())),
        Box::new(ChaCha20Rng::seed_from_u64(3)),
    );
    a.initiate(
        Instant::ZERO,
        SocketAddrV4::new(SPOKE, 0),
        SocketAddrV4::new(HUB, 0),
        spoke_selectors(),
    )
    .unwrap();
    let mm1 = a.poll_transmit().unwrap();
    assert_eq!(mm1.local, SocketAddrV4::new(SPOKE, 10500));
    assert_eq!(mm1.remote, SocketAddrV4::new(HUB, 20500));
}

#[test]
fn a_nat_makes_both_sides_float_to_their_configured_natt_ports() {
    let mut pair = pair_with(
        ports((10500, 14500), (20500, 24500)),
        ports((20500, 24500), (10500, 14500)),
        |_| {},
        5,
    );
    pair.nat_a(Ipv4Addr::new(203, 0, 113, 7));
    pair.initiate_a(spoke_selectors());
    pair.run_for(Duration::from_secs(5));
    let (a, b) = one_pair(&pair);
    assert_eq!(
        a.encapsulation,
        Encapsulation::Udp {
            local_port: 14500,
            remote_port: 24500
        }
    );
    let Encapsulation::Udp {
        local_port,
        remote_port,
    } = b.encapsulation
    else {
        panic!("hub's SA is not UDP-encapsulated: {b:?}");
    };
    assert_eq!(local_port, 24500);
    assert_eq!(
        b.remote,
        SocketAddrV4::new(Ipv4Addr::new(203, 0, 113, 7), remote_port)
    );
    // Floated messages went to the hub's NAT-T port with the marker;
    // nothing ever went to the IANA ports.
    assert!(
        pair.captured
            .iter()
            .any(|c| c.from == Side::A && c.dst.port() == 24500 && has_marker(&c.payload))
    );
    assert!(
        pair.captured
            .iter()
            .all(|c| ![500, 4500].contains(&c.dst.port()) && ![500, 4500].contains(&c.src.port()))
    );
    let ike_a = &pair.a.ike_sas()[0];
    assert!(ike_a.nat.local_behind && !ike_a.nat.forced);
}

/// Forced encapsulation on `forced` (A, B or both), no NAT in the path.
fn forced(on_a: bool, on_b: bool, seed: u64) -> Pair {
    let a = Config {
        force_udp_encapsulation: on_a,
        ..Config::default()
    };
    let b = Config {
        force_udp_encapsulation: on_b,
        ..Config::default()
    };
    let mut pair = pair_with(a, b, |_| {}, seed);
    pair.initiate_a(spoke_selectors());
    pair.run_for(Duration::from_secs(5));
    pair
}

fn assert_both_floated(pair: &Pair) {
    let (a, b) = one_pair(pair);
    let udp = Encapsulation::Udp {
        local_port: 4500,
        remote_port: 4500,
    };
    assert_eq!(a.encapsulation, udp, "initiator");
    assert_eq!(b.encapsulation, udp, "responder");
    assert_eq!(a.remote, SocketAddrV4::new(HUB, 4500));
    assert_eq!(b.remote, SocketAddrV4::new(SPOKE, 4500));
    for side in [Side::A, Side::B] {
        let on_natt = pair
            .captured
            .iter()
            .filter(|c| c.from == side && c.src.port() == 4500)
            .count();
        assert!(on_natt >= 2, "{side:?} sent {on_natt} on 4500");
    }
    assert!(pair.a.ike_sas()[0].nat.any() && pair.b.ike_sas()[0].nat.any());
}

#[test]
fn forced_encapsulation_on_the_initiator_floats_both_sides_without_a_nat() {
    let pair = forced(true, false, 11);
    assert_both_floated(&pair);
    let (na, nb) = (pair.a.ike_sas()[0].nat, pair.b.ike_sas()[0].nat);
    assert!(na.forced && !na.local_behind && !na.peer_behind, "{na:?}");
    // The hub saw a NAT-D for the spoke that cannot match.
    assert!(nb.peer_behind && !nb.local_behind && !nb.forced, "{nb:?}");
}

#[test]
fn forced_encapsulation_on_the_responder_floats_both_sides_without_a_nat() {
    let pair = forced(false, true, 12);
    assert_both_floated(&pair);
    let (na, nb) = (pair.a.ike_sas()[0].nat, pair.b.ike_sas()[0].nat);
    assert!(na.peer_behind && !na.forced, "{na:?}");
    assert!(nb.forced && !nb.peer_behind, "{nb:?}");
}

#[test]
fn without_forcing_or_a_nat_nobody_floats() {
    let pair = forced(false, false, 13);
    let (a, b) = one_pair(&pair);
    assert_eq!(a.encapsulation, Encapsulation::None);
    assert_eq!(b.encapsulation, Encapsulation::None);
    assert!(pair.captured.iter().all(|c| c.dst.port() == 500));
}

#[test]
fn rekeys_and_phase1_reestablishment_after_a_float_keep_the_natt_ports() {
    let mut a = ports((10500, 14500), (20500, 24500));
    a.force_udp_encapsulation = true;
    let b = ports((20500, 24500), (10500, 14500));
    let mut pair = pair_with(
        a,
        b,
        |p| {
            p.phase1[0].lifetime = Lifetime::seconds(150);
            p.phase2[0].proposals[0].lifetime = Lifetime::new(60, 4_608_000);
        },
        21,
    );
    pair.initiate_a(spoke_selectors());
    pair.run_for(Duration::from_secs(400));
    let ike_ups = |events: &[Event]| {
        events
            .iter()
            .filter(|e| matches!(e, Event::IkeSaUp(_)))
            .count()
    };
    let rekeys = |events: &[Event]| {
        events
            .iter()
            .filter(|e| matches!(e, Event::ChildSaRekeyed { .. }))
            .count()
    };
    assert!(ike_ups(&pair.a_events) >= 3, "phase 1 came back");
    assert!(rekeys(&pair.a_events) >= 5 && rekeys(&pair.b_events) >= 5);
    // Every child SA ever made, first or rekeyed, is UDP on the NAT-T ports.
    let kids = pair.a_events.iter().filter_map(|e| match e {
        Event::ChildSaUp { sa: c, .. } | Event::ChildSaRekeyed { new: c, .. } => Some(c),
        _ => None,
    });
    for c in kids {
        assert_eq!(
            c.encapsulation,
            Encapsulation::Udp {
                local_port: 14500,
                remote_port: 24500
            }
        );
        assert_eq!(c.remote, SocketAddrV4::new(HUB, 24500));
    }
    // Only MM1-MM4 of the very first phase 1 used the IKE ports: every
    // later phase 1 started on the NAT-T ports, with the marker.
    let on_ike = pair
        .captured
        .iter()
        .filter(|c| c.src.port() == 10500 || c.src.port() == 20500)
        .count();
    assert_eq!(on_ike, 4, "MM1..MM4 only");
    assert!(
        pair.captured
            .iter()
            .filter(|c| c.src.port() != 10500 && c.src.port() != 20500)
            .all(|c| has_marker(&c.payload) || c.payload == [0xff])
    );
    for ike in pair.a.ike_sas() {
        assert_eq!(ike.local.port(), 14500);
        assert_eq!(ike.remote.port(), 24500);
    }
}
