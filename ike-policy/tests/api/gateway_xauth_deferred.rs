//! The seed's hub with `aaa authentication login clientauth group radius`:
//! IosPolicy cannot check the password itself, so the Gateway hands the
//! Xauth REPLY to its embedder (`Event::XauthRequest`) and waits for
//! `Gateway::xauth_verdict`, which may come much later (a RADIUS round
//! trip). A Cisco-style VPN client engine is driven against it in memory.

use std::net::{Ipv4Addr, SocketAddrV4};

use ike_policy::{Gateway, GatewayEvent, GatewayOptions, Transmit};
use ike_proto::engine::{CommandError, Event, IkeSaId};
use ike_proto::policy::{Selectors, TrafficSelector, XauthPassword};

use crate::common;
use common::{ASSIGNED, CLIENT, HUB, HUB_CFG, Net, PORTS, seed_hub, vpn_client};

/// The hub of the seed, its Xauth list sent to RADIUS.
fn radius_hub() -> Gateway {
    let local = "aaa authentication login clientauth local";
    assert!(HUB_CFG.contains(local));
    let cfg = HUB_CFG.replace(local, "aaa authentication login clientauth group radius");
    seed_hub(&cfg, GatewayOptions::default())
}

/// What these tests add to the harness: the RADIUS hub, a connect that
/// fires no timers, the embedder's Xauth requests and verdicts.
trait RadiusNet {
    fn radius() -> Self;
    fn start(&mut self);
    fn take_requests(&mut self) -> Vec<(IkeSaId, String, Vec<u8>)>;
    fn xauth_done(&self) -> Vec<bool>;
    fn hub_installed(&self) -> bool;
}

impl RadiusNet for Net {
    fn radius() -> Self {
        Net::with_hub(radius_hub(), vpn_client(b"radius-secret"))
    }

    fn start(&mut self) {
        let (l, r) = (
            SocketAddrV4::new(CLIENT, PORTS.0),
            SocketAddrV4::new(HUB, PORTS.0),
        );
        let want = Selectors {
            local: TrafficSelector::host(Ipv4Addr::new(192, 168, 1, 10)),
            remote: TrafficSelector::subnet(Ipv4Addr::UNSPECIFIED, 0),
        };
        self.client.initiate(self.now, l, r, want).unwrap();
        self.run();
    }

    /// The Xauth requests the hub's embedder was asked to decide, taken.
    fn take_requests(&mut self) -> Vec<(IkeSaId, String, Vec<u8>)> {
        let mut out = Vec::new();
        self.hub_events.retain(|e| match e {
            GatewayEvent::Engine(Event::XauthRequest {
                ike_sa,
                remote,
                user,
                password,
            }) => {
                assert_eq!(*remote.ip(), CLIENT);
                out.push((*ike_sa, user.clone(), password.as_bytes().to_vec()));
                false
            }
            _ => true,
        });
        out
    }

    fn xauth_done(&self) -> Vec<bool> {
        self.hub_events
            .iter()
            .filter_map(|e| match e {
                GatewayEvent::Engine(Event::XauthDone { ok, user, .. }) => {
                    assert_eq!(user, "gfullage");
                    Some(*ok)
                }
                _ => None,
            })
            .collect()
    }

    fn hub_installed(&self) -> bool {
        self.hub_events
            .iter()
            .any(|e| matches!(e, GatewayEvent::SaInstalled { .. }))
    }
}

#[test]
fn a_deferred_verdict_given_later_lets_the_client_in() {
    let mut net = Net::radius();
    net.start();
    let requests = net.take_requests();
    assert_eq!(
        requests
            .iter()
            .map(|r| (r.1.as_str(), r.2.as_slice()))
            .collect::<Vec<_>>(),
        vec![("gfullage", &b"radius-secret"[..])]
    );
    let ike_sa = requests[0].0;
    assert!(net.xauth_done().is_empty(), "nothing decided yet");

    // The RADIUS answer comes two seconds later; meanwhile nothing moves.
    net.run_for(2);
    assert!(net.hub_assigned().is_empty());
    assert!(net.take_requests().is_empty());
    let now = net.now;
    net.hub.xauth_verdict(now, ike_sa, true).unwrap();
    // The command drained the engine: the SET is already queued.
    assert!(
        net.hub
            .poll_transmit()
            .is_some_and(|t| matches!(t, Transmit::Udp { .. }))
    );
    // That SET is lost here; the hub's retransmission carries on.
    net.run_for(10);

    assert_eq!(net.xauth_done(), vec![true]);
    assert_eq!(net.hub_assigned(), vec![ASSIGNED]);
    assert!(net.hub_installed(), "{:#?}", net.hub_events);
    let sa = net.hub.engine().ike_sas();
    assert_eq!(sa.len(), 1);
    assert_eq!(sa[0].xauth_user.as_deref(), Some("gfullage"));
    assert_eq!(sa[0].config_address, Some(ASSIGNED));

    // The verdict is spent: a second one is refused.
    let now = net.now;
    assert_eq!(
        net.hub.xauth_verdict(now, ike_sa, true),
        Err(CommandError::NoXauthPending)
    );
}

#[test]
fn a_rejected_verdict_asks_again_and_never_assigns_an_address() {
    let mut net = Net::radius();
    net.start();
    let mut verdicts = 0;
    for _ in 0..5 {
        let requests = net.take_requests();
        if requests.is_empty() {
            break;
        }
        let now = net.now;
        for (ike_sa, ..) in requests {
            net.hub.xauth_verdict(now, ike_sa, false).unwrap();
            verdicts += 1;
        }
        net.run_for(5);
    }
    // IOS asks three times, then gives up on the IKE SA.
    assert_eq!(verdicts, 3);
    assert_eq!(net.xauth_done(), vec![false, false, false]);
    net.run_for(30);
    assert!(net.hub_assigned().is_empty());
    assert!(!net.hub_installed());
    assert!(net.hub.engine().ike_sas().is_empty());
}

#[test]
fn commands_for_unknown_or_idle_sas_are_refused() {
    let mut net = Net::radius();
    let now = net.now;
    assert_eq!(
        net.hub.xauth_verdict(now, IkeSaId(4242), true),
        Err(CommandError::UnknownSa)
    );
    assert_eq!(
        net.hub.provide_xauth_credentials(
            now,
            IkeSaId(4242),
            "gfullage",
            XauthPassword::new(b"x".to_vec())
        ),
        Err(CommandError::UnknownSa)
    );
    net.start();
    let ike_sa = net.take_requests()[0].0;
    // The hub is the Xauth server: it never waits for credentials.
    assert_eq!(
        net.hub.provide_xauth_credentials(
            now,
            ike_sa,
            "gfullage",
            XauthPassword::new(b"x".to_vec())
        ),
        Err(CommandError::NoXauthPending)
    );
    assert!(net.hub.poll_transmit().is_none());
}
