//! A hub and the spokes it brings up, for the per-peer scale bench
//! (`benches/benches/peers.rs`) and the memory-per-peer test
//! (`benches/tests/peer_memory.rs`).
//!
//! The hub is a [`Gateway`] built from IOS text: a dynamic crypto map
//! answering any spoke with the seed's suite (3DES/SHA-1/PSK/group 2,
//! `esp-3des esp-sha-hmac`). Each spoke is a bare [`Engine`] with its own
//! address (100.64.0.0/10 onwards) and its own LAN (a host in
//! 11.0.0.0/8), negotiating Main Mode then Quick Mode with the hub in
//! memory: real Diffie-Hellman, real keys, the install path every
//! negotiated SA takes. The clock stands still, so no timer fires, until
//! [`Rig::settle`] moves it past the time finished exchanges linger.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::{Duration as WallDuration, Instant as WallClock};

use ike_policy::gateway::Instant;
use ike_policy::{Gateway, GatewayOptions, Transmit};
use ike_proto::engine::{Config, Engine, Event};
use ike_proto::policy::{Selectors, StaticPolicy, TrafficSelector};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

/// The hub's configuration: the seed's ISAKMP policy and transform set
/// under a dynamic crypto map with a wildcard key.
pub const HUB_CFG: &str = "\
crypto keyring spokes
 pre-shared-key address 0.0.0.0 0.0.0.0 key cisco123
crypto isakmp policy 10
 encr 3des
 hash sha
 authentication pre-share
 group 2
crypto isakmp profile L2L
 keyring spokes
 match identity address 0.0.0.0
crypto ipsec transform-set seed esp-3des esp-sha-hmac
crypto dynamic-map dynmap 10
 set transform-set seed
 set isakmp-profile L2L
crypto map mymap 10 ipsec-isakmp dynamic dynmap
interface FastEthernet0/0
 ip address 192.0.2.1 255.255.255.0
 crypto map mymap
";

/// The hub's LAN, every spoke's remote selector.
pub fn hub_lan() -> TrafficSelector {
    TrafficSelector::subnet(Ipv4Addr::new(10, 1, 0, 0), 16)
}

/// Spoke `i`'s outside address (100.64.0.0/10 onwards: 4 million).
pub fn spoke_addr(i: u32) -> SocketAddrV4 {
    SocketAddrV4::new(Ipv4Addr::from(0x6440_0000 + i), 500)
}

/// Spoke `i`'s LAN: one host in 11.0.0.0/8.
pub fn spoke_lan(i: u32) -> TrafficSelector {
    TrafficSelector::host(Ipv4Addr::from(0x0b00_0000 + i))
}

/// The instant the rig starts at.
pub fn start() -> Instant {
    Instant::from_secs(10)
}

/// How far [`Rig::settle`] moves the clock: past the minute a finished
/// exchange answers duplicates, well short of any SA lifetime.
pub const SETTLE: ike_proto::time::Duration = ike_proto::time::Duration::from_secs(120);

/// A spoke that negotiated with the hub: its engine, kept to tear the
/// tunnel down again.
pub struct Spoke {
    /// The spoke's engine.
    pub engine: Engine,
    /// Its outside address.
    pub addr: SocketAddrV4,
}

/// The hub and how many spokes it has brought up.
pub struct Rig {
    /// The hub.
    pub hub: Gateway,
    /// Spokes brought up so far (the next one is `next`).
    pub next: u32,
    /// The clock (standing still but for [`Rig::settle`]).
    pub now: Instant,
}

impl Default for Rig {
    fn default() -> Self {
        Self::new()
    }
}

impl Rig {
    /// A hub without any peer.
    pub fn new() -> Self {
        let mut rng = ChaCha20Rng::seed_from_u64(14);
        let hub = Gateway::from_ios(HUB_CFG, GatewayOptions::default(), &mut rng)
            .expect("the hub's configuration");
        Self {
            hub,
            next: 0,
            now: start(),
        }
    }

    /// Moves the clock on by [`SETTLE`] and runs the hub's timers: the
    /// finished exchanges stop lingering, the hub holds what an
    /// established peer costs.
    pub fn settle(&mut self) {
        self.now += SETTLE;
        self.hub.handle_timeout(self.now);
        while self.hub.poll_event().is_some() {}
        while self.hub.poll_transmit().is_some() {}
    }

    /// Brings up the next spoke: Main Mode + Quick Mode with the hub until
    /// both ends have the child SA. Adds the wall time the hub spent (its
    /// inputs and the draining of its outputs) to `hub_time`.
    pub fn bring_up(&mut self, hub_time: &mut WallDuration) -> Spoke {
        self.next += 1;
        let i = self.next;
        let addr = spoke_addr(i);
        let policy = StaticPolicy::seed(b"cisco123", spoke_lan(i), hub_lan());
        let mut engine = Engine::new(
            Config::default(),
            Box::new(policy),
            Box::new(ChaCha20Rng::seed_from_u64(u64::from(i))),
        );
        let selectors = Selectors {
            local: spoke_lan(i),
            remote: hub_lan(),
        };
        engine
            .initiate(self.now, addr, self.hub.ike_endpoint(), selectors)
            .expect("the spoke protects its LAN");
        let mut spoke = Spoke { engine, addr };
        self.exchange(&mut spoke, hub_time);
        assert_eq!(spoke.engine.child_sas().len(), 1, "spoke {i} came up");
        spoke
    }

    /// The spoke deletes its child SA and its IKE SA (Informational
    /// DELETEs), and the hub removes its own: the hub is as it was before
    /// [`Rig::bring_up`]. Adds the hub's time to `hub_time`.
    pub fn tear_down(&mut self, mut spoke: Spoke, hub_time: &mut WallDuration) {
        let before = self.hub.installed_child_sas();
        for c in spoke.engine.child_sas() {
            spoke.engine.delete_child_sa(self.now, c.id).expect("live");
        }
        for s in spoke.engine.ike_sas() {
            spoke.engine.delete_ike_sa(self.now, s.id).expect("live");
        }
        self.exchange(&mut spoke, hub_time);
        assert_eq!(self.hub.installed_child_sas() + 1, before, "torn down");
    }

    /// Carries datagrams both ways until neither side has one.
    fn exchange(&mut self, spoke: &mut Spoke, hub_time: &mut WallDuration) {
        loop {
            let mut moved = false;
            while let Some(d) = spoke.engine.poll_transmit() {
                moved = true;
                #[allow(clippy::disallowed_methods, reason = "the hub's share, measured")]
                let start = WallClock::now();
                self.hub
                    .handle_datagram(self.now, d.remote, d.local, &d.payload);
                let mut replies = Vec::new();
                while let Some(t) = self.hub.poll_transmit() {
                    replies.push(t);
                }
                while self.hub.poll_event().is_some() {}
                *hub_time += start.elapsed();
                for t in replies {
                    match t {
                        Transmit::Udp {
                            local,
                            remote,
                            payload,
                        } => {
                            assert_eq!(remote, spoke.addr, "the hub answers this spoke");
                            spoke
                                .engine
                                .handle_datagram(self.now, remote, local, &payload);
                        }
                        other => panic!("the hub sent {other:?}"),
                    }
                }
            }
            while let Some(e) = spoke.engine.poll_event() {
                if let Event::ChildSaFailed { .. } | Event::IkeSaFailed { .. } = e {
                    panic!("spoke {}: {e:?}", spoke.addr);
                }
            }
            if !moved {
                return;
            }
        }
    }
}
