//! Aggressive Mode only where configured (issue 10, item 2, engine side):
//! an AM2 carries HASH_R keyed with the pre-shared key, so an AM1 whose
//! identity the policy does not answer Aggressive Mode for gets no hash,
//! only INVALID_ID_INFORMATION, and is counted.
//!
//! The hub is the seed's: wildcard key `cisco123` for the LAN-to-LAN
//! spokes (Main Mode), group testgroup for the VPN clients (Aggressive
//! Mode, ID_KEY_ID). The attacker asks in Aggressive Mode as
//! ID_IPV4_ADDR, which would select the wildcard key.

use std::net::{Ipv4Addr, SocketAddrV4};

use crate::common::seed::{ATTACKER, HUB};
use ike_proto::engine::{Config, Engine};
use ike_proto::policy::{
    Identity, Phase1Mode, Phase1Proposal, PresharedKey, Selectors, StaticPolicy, TrafficSelector,
};
use ike_proto::time::Instant;
use ike_proto::wire::{Datagram as WireDatagram, ExchangeType, NotifyType, PayloadType};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

fn lan(a: u8) -> TrafficSelector {
    TrafficSelector::subnet(Ipv4Addr::new(10, a, 0, 0), 16)
}

fn engine(policy: StaticPolicy, seed: u64) -> Engine {
    Engine::new(
        Config::default(),
        Box::new(policy),
        Box::new(ChaCha20Rng::seed_from_u64(seed)),
    )
}

fn group() -> Identity {
    Identity::KeyId(b"testgroup".to_vec())
}

/// The seed's hub; `restricted`: Aggressive Mode for the group only.
fn hub(restricted: bool) -> Engine {
    let mut p = StaticPolicy::seed(b"cisco123", lan(1), lan(2));
    p.keys_by_identity
        .push((group(), PresharedKey::new(b"cisco321".to_vec())));
    if restricted {
        p.aggressive_identities = Some(vec![group()]);
    }
    engine(p, 2)
}

/// An Aggressive Mode first message as `identity`.
fn am1(identity: Identity) -> Vec<u8> {
    let mut p = StaticPolicy::seed(b"guess", lan(2), lan(1));
    p.mode = Some(Phase1Mode::Aggressive);
    p.identity = Some(identity);
    p.phase1 = vec![Phase1Proposal::seed()];
    let mut e = engine(p, 1);
    e.initiate(
        Instant::ZERO,
        SocketAddrV4::new(ATTACKER, 500),
        SocketAddrV4::new(HUB, 500),
        Selectors {
            local: lan(2),
            remote: lan(1),
        },
    )
    .unwrap();
    e.poll_transmit().unwrap().payload
}

/// What the hub sends back to one AM1: (exchange type, payload types,
/// notify types) per datagram.
fn answers(hub: &mut Engine, msg: &[u8]) -> Vec<(ExchangeType, Vec<PayloadType>, Vec<u16>)> {
    hub.handle_datagram(
        Instant::ZERO,
        SocketAddrV4::new(HUB, 500),
        SocketAddrV4::new(ATTACKER, 500),
        msg,
    );
    let mut out = Vec::new();
    while let Some(d) = hub.poll_transmit() {
        match WireDatagram::parse(&d.payload) {
            Ok(WireDatagram::Plain(m)) => out.push((
                m.header.exchange_type,
                m.payloads.iter().map(|p| p.payload_type()).collect(),
                m.notifies().map(|n| n.notify_type.get()).collect(),
            )),
            other => panic!("the hub sent what it should not: {other:?}"),
        }
    }
    out
}

#[test]
fn aggressive_mode_with_an_address_identity_gets_no_hash_where_only_groups_may() {
    let mut hub = hub(true);
    let got = answers(&mut hub, &am1(Identity::Ipv4(ATTACKER)));
    assert_eq!(
        got,
        vec![(
            ExchangeType::INFORMATIONAL,
            vec![PayloadType::NOTIFICATION],
            vec![NotifyType::INVALID_ID_INFORMATION.get()]
        )]
    );
    let c = hub.counters();
    assert_eq!(c.aggressive_mode_refused, 1);
    assert_eq!(c.peer_incompatible, 0, "counted once, as refused");
    assert_eq!(c.aggressive_dh_budget, 0, "refused before the DH budget");
    assert!(hub.ike_sa_rows().is_empty(), "no half-open SA kept");
    // An FQDN identity is refused the same way.
    let got = answers(&mut hub, &am1(Identity::Fqdn("spoke.example".into())));
    assert!(got.iter().all(|(_, p, _)| !p.contains(&PayloadType::HASH)));
    assert_eq!(hub.counters().aggressive_mode_refused, 2);
}

#[test]
fn the_group_still_gets_its_aggressive_mode_answer() {
    let mut hub = hub(true);
    let got = answers(&mut hub, &am1(group()));
    assert_eq!(got.len(), 1);
    let (exchange, payloads, _) = &got[0];
    assert_eq!(*exchange, ExchangeType::AGGRESSIVE);
    assert!(payloads.contains(&PayloadType::HASH));
    assert_eq!(hub.counters().aggressive_mode_refused, 0);
}

/// Without the restriction (the default, and StaticPolicy's before the
/// question existed) the same AM1 gets HASH_R keyed with the wildcard
/// key: what the restriction is for.
#[test]
fn unrestricted_aggressive_mode_answers_any_identity_with_a_hash() {
    let mut hub = hub(false);
    let got = answers(&mut hub, &am1(Identity::Ipv4(ATTACKER)));
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, ExchangeType::AGGRESSIVE);
    assert!(got[0].1.contains(&PayloadType::HASH));
}
