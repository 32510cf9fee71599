//! Child SAs per IKE SA and per peer are bounded (issue 10, item 6,
//! engine part): one LAN-to-LAN IKE SA installed 1280 child SAs in 20
//! minutes by rekeying over and over (each rekeyed SA lingers until its
//! hard expiry), and every child SA lengthens the hub's SPD. A Quick Mode
//! beyond [`Config::max_child_sas_per_ike_sa`] or
//! [`Config::max_child_sas_per_peer`] is refused with an authenticated
//! NO_PROPOSAL_CHOSEN and counted.

use std::net::Ipv4Addr;

use crate::common::seed::{HUB, SPOKE};
use ike_proto::engine::{Config, Engine, Event};
use ike_proto::error::{Error, PeerIncompatible};
use ike_proto::harness::Pair;
use ike_proto::policy::{Selectors, StaticPolicy, TrafficSelector};
use ike_proto::time::Duration;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

fn lan(a: u8) -> TrafficSelector {
    TrafficSelector::subnet(Ipv4Addr::new(10, a, 0, 0), 16)
}

/// The seed's spoke and hub; `per_flow`: the spoke negotiates each flow
/// it is asked for rather than its whole crypto ACL.
fn pair(hub_config: Config, per_flow: bool) -> Pair {
    let mut spoke_policy = StaticPolicy::seed(b"cisco123", lan(2), lan(1));
    if per_flow {
        spoke_policy.phase2[0].selectors = None;
    }
    let spoke = Engine::new(
        Config::default(),
        Box::new(spoke_policy),
        Box::new(ChaCha20Rng::seed_from_u64(1)),
    );
    let hub = Engine::new(
        hub_config,
        Box::new(StaticPolicy::seed(b"cisco123", lan(1), lan(2))),
        Box::new(ChaCha20Rng::seed_from_u64(2)),
    );
    Pair::new(spoke, SPOKE, hub, HUB, 3)
}

fn refused_no_proposal(events: &[Event]) -> usize {
    events
        .iter()
        .filter(|e| {
            matches!(
                e,
                Event::ChildSaFailed {
                    error: Some(Error::PeerIncompatible(PeerIncompatible::NoProposalChosen)),
                    ..
                }
            )
        })
        .count()
}

/// The attack: a spoke rekeys its child SA again and again on one
/// IKE SA. The hub keeps at most the default 32 child SAs for it.
#[test]
fn rekeying_over_and_over_stops_at_the_child_sa_limit() {
    let limit = Config::default().max_child_sas_per_ike_sa;
    let mut pair = pair(Config::default(), false);
    pair.initiate_a(Selectors {
        local: lan(2),
        remote: lan(1),
    });
    pair.run_for(Duration::from_secs(5));
    assert_eq!(pair.b.child_sas().len(), 1);
    let attempts = limit + 8;
    for _ in 0..attempts {
        let newest = pair.a.child_sas().iter().map(|c| c.id).max().unwrap();
        let now = pair.now;
        pair.a.rekey_child_sa(now, newest).unwrap();
        pair.run_for(Duration::from_secs(2));
    }
    // The first child and 31 rekeys fill the 32; every later rekey is
    // refused (and the spoke keeps rekeying the same, newest, SA).
    let refused = u64::try_from(attempts - (limit - 1)).unwrap();
    assert_eq!(pair.b.child_sas().len(), limit);
    assert_eq!(pair.b.counters().child_sa_limit, refused);
    assert_eq!(refused_no_proposal(&pair.a_events) as u64, refused);
    // One IKE SA throughout.
    assert_eq!(pair.b.ike_sas().len(), 1);
}

/// Distinct flows from one peer stop at the per-peer limit.
#[test]
fn flows_from_one_peer_stop_at_the_per_peer_limit() {
    let mut pair = pair(
        Config {
            max_child_sas_per_peer: 3,
            ..Config::default()
        },
        true,
    );
    for host in 1..=5u8 {
        pair.initiate_a(Selectors {
            local: TrafficSelector::host(Ipv4Addr::new(10, 2, 0, host)),
            remote: TrafficSelector::host(Ipv4Addr::new(10, 1, 0, host)),
        });
        pair.run_for(Duration::from_secs(3));
    }
    assert_eq!(pair.b.child_sas().len(), 3);
    assert_eq!(pair.a.child_sas().len(), 3);
    assert_eq!(pair.b.counters().child_sa_limit, 2);
    assert_eq!(refused_no_proposal(&pair.a_events), 2);
}
