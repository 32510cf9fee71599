//! The seed's hub Gateway on the Internet, against peers built from
//! ike-proto's public API that know the wildcard key `cisco123` or the
//! group key (issue 10): each attack that worked against the hub before is
//! tried here and must fail, while the rightful peers keep working.
//!
//! A `Lab` carries datagrams between the hub and any number of peer
//! engines under a virtual clock; a peer marked dead hears nothing and
//! says nothing (a spoke whose DHCP lease moved it elsewhere).

use std::net::{Ipv4Addr, SocketAddrV4};

use esp_core::{KeyMaterial, Mode, OutboundSa, SaParams};
use ike_policy::gateway::Instant;
use ike_policy::lockout::XauthBackoff;
use ike_policy::{Gateway, GatewayEvent, GatewayOptions, Transmit};
use ike_proto::engine::{Config, Engine, Event};

use crate::common::{KeyedChild, keyed_child};
use ike_proto::policy::{
    Identity, Phase1Mode, PresharedKey, Selectors, StaticPolicy, TrafficSelector,
};
use ike_proto::time::Duration;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use crate::common;
use common::{HUB, HUB_CFG, HUB_HOST, PORTS, SEED_HUB_ADDR, icmp, suite};

const SPOKE: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 2);
const ROGUE: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 3);
const CLIENT: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 100);
const SPOKE_HOST: Ipv4Addr = Ipv4Addr::new(10, 2, 2, 5);

fn engine_config() -> Config {
    Config {
        ike_port: PORTS.0,
        natt_port: PORTS.1,
        peer_ike_port: PORTS.0,
        peer_natt_port: PORTS.1,
        ..Config::default()
    }
}

fn net(a: [u8; 4], len: u8) -> TrafficSelector {
    TrafficSelector::subnet(Ipv4Addr::from(a), len)
}

fn any() -> TrafficSelector {
    net([0, 0, 0, 0], 0)
}

/// A LAN-to-LAN peer with the wildcard key that will ask for whatever
/// selectors it is told to (`selectors: None` in its phase 2 entry).
fn l2l_peer(seed: u64) -> Engine {
    let mut p = StaticPolicy::seed(b"cisco123", any(), any());
    p.phase2[0].selectors = None;
    Engine::new(
        engine_config(),
        Box::new(p),
        Box::new(ChaCha20Rng::seed_from_u64(seed)),
    )
}

/// A Cisco VPN client of group testgroup, user `user` / `password`.
fn vpn_client(seed: u64, user: &str, password: &[u8]) -> Engine {
    let p = StaticPolicy::seed_vpn_client(user, password);
    Engine::new(
        engine_config(),
        Box::new(p),
        Box::new(ChaCha20Rng::seed_from_u64(seed)),
    )
}

struct Peer {
    addr: Ipv4Addr,
    engine: Engine,
    alive: bool,
    events: Vec<Event>,
}

struct Lab {
    hub: Gateway,
    peers: Vec<Peer>,
    now: Instant,
    hub_events: Vec<GatewayEvent>,
    /// (destination, payload) of the ESP the hub sent.
    esp_out: Vec<(Ipv4Addr, Vec<u8>)>,
    clear_out: Vec<Vec<u8>>,
    inside: Vec<Vec<u8>>,
}

impl Lab {
    fn new() -> Self {
        Self::with_config(&HUB_CFG.replace(SEED_HUB_ADDR, &HUB.to_string()))
    }

    fn with_config(cfg: &str) -> Self {
        Self::with_options(cfg, GatewayOptions::default())
    }

    fn with_options(cfg: &str, options: GatewayOptions) -> Self {
        let mut rng = ChaCha20Rng::seed_from_u64(9);
        let hub = Gateway::from_ios(
            cfg,
            GatewayOptions {
                ike_port: PORTS.0,
                natt_port: PORTS.1,
                ..options
            },
            &mut rng,
        )
        .unwrap();
        Self {
            hub,
            peers: Vec::new(),
            now: Instant::from_secs(1000),
            hub_events: Vec::new(),
            esp_out: Vec::new(),
            clear_out: Vec::new(),
            inside: Vec::new(),
        }
    }

    /// A new peer at `addr`; one there before is gone (the host restarted
    /// its client).
    fn add(&mut self, addr: Ipv4Addr, engine: Engine) -> usize {
        for p in self.peers.iter_mut().filter(|p| p.addr == addr) {
            p.alive = false;
        }
        self.peers.push(Peer {
            addr,
            engine,
            alive: true,
            events: Vec::new(),
        });
        self.peers.len() - 1
    }

    fn run(&mut self) {
        for _ in 0..1000 {
            let mut moved = false;
            for p in &mut self.peers {
                while let Some(d) = p.engine.poll_transmit() {
                    moved = true;
                    if p.alive {
                        self.hub
                            .handle_datagram(self.now, d.remote, d.local, &d.payload);
                    }
                }
                while let Some(e) = p.engine.poll_event() {
                    p.events.push(e);
                }
            }
            while let Some(t) = self.hub.poll_transmit() {
                moved = true;
                match t {
                    Transmit::Udp {
                        local,
                        remote,
                        payload,
                    } => {
                        if let Some(p) = self
                            .peers
                            .iter_mut()
                            .find(|p| p.alive && p.addr == *remote.ip())
                        {
                            p.engine.handle_datagram(self.now, remote, local, &payload);
                        }
                    }
                    Transmit::Esp {
                        remote, payload, ..
                    } => self.esp_out.push((remote, payload)),
                    Transmit::Clear { packet, .. } => self.clear_out.push(packet),
                }
            }
            while let Some(e) = self.hub.poll_event() {
                self.hub_events.push(e);
            }
            while let Some(p) = self.hub.poll_inside() {
                self.inside.push(p);
            }
            if !moved {
                return;
            }
        }
        panic!("never quiet");
    }

    fn run_for(&mut self, seconds: u64) {
        let end = Instant::from_millis(self.now.as_millis() + seconds * 1000);
        loop {
            self.run();
            let next = self
                .peers
                .iter()
                .filter(|p| p.alive)
                .filter_map(|p| p.engine.poll_timeout())
                .chain(self.hub.poll_timeout())
                .min();
            match next {
                Some(t) if t <= end => {
                    self.now = t.max(self.now);
                    if self.hub.poll_timeout().is_some_and(|t| t <= self.now) {
                        self.hub.handle_timeout(self.now);
                    }
                    for p in self.peers.iter_mut().filter(|p| p.alive) {
                        if p.engine.poll_timeout().is_some_and(|t| t <= self.now) {
                            p.engine.handle_timeout(self.now);
                        }
                    }
                }
                _ => {
                    self.now = end;
                    return;
                }
            }
        }
    }

    /// Peer `i` asks for `selectors` (its point of view), then 10 s pass.
    fn ask(&mut self, i: usize, selectors: Selectors) {
        let p = &mut self.peers[i];
        let l = SocketAddrV4::new(p.addr, PORTS.0);
        let r = SocketAddrV4::new(HUB, PORTS.0);
        p.engine.initiate(self.now, l, r, selectors).unwrap();
        self.run_for(10);
    }

    /// The child SAs peer `i` has up now (per its own events).
    fn children(&self, i: usize) -> Vec<KeyedChild> {
        let mut up: Vec<KeyedChild> = Vec::new();
        for e in &self.peers[i].events {
            if let Event::ChildSaDown { child, .. } = e {
                up.retain(|c| c.id != *child);
            }
            up.extend(keyed_child(e));
        }
        up
    }

    /// The hub's child SAs installed towards `addr` now.
    fn hub_children_towards(&self, addr: Ipv4Addr) -> usize {
        let mut up = Vec::new();
        for e in &self.hub_events {
            match e {
                GatewayEvent::SaInstalled { child, peer, .. } if *peer == addr => up.push(*child),
                GatewayEvent::SaRemoved { child } => up.retain(|c| c != child),
                _ => {}
            }
        }
        up.len()
    }

    /// Where the hub sends an inside packet to `dst`: the peer it seals
    /// it to, or `None` for in clear.
    fn sealed_to(&mut self, dst: Ipv4Addr) -> Option<Ipv4Addr> {
        let (esp, clear) = (self.esp_out.len(), self.clear_out.len());
        let packet = icmp(HUB_HOST, dst, 8, 1);
        self.hub.handle_inside(self.now, &packet);
        self.run();
        assert_eq!(
            self.esp_out.len() + self.clear_out.len(),
            esp + clear + 1,
            "one packet out for {dst}"
        );
        self.esp_out.get(esp).map(|(to, _)| *to)
    }

    /// Whether peer `i`'s last Quick Mode was refused with
    /// INVALID_ID_INFORMATION (notify 18).
    fn refused_invalid_id(&self, i: usize) -> bool {
        matches!(
            self.peers[i].events.iter().rev().find(|e| matches!(e, Event::ChildSaFailed { .. } | Event::ChildSaUp { .. })),
            Some(Event::ChildSaFailed { error: Some(e), .. }) if format!("{e:?}").contains("InvalidIdInformation")
        )
    }
}

fn spoke_lan() -> Selectors {
    Selectors {
        local: net([10, 2, 0, 0], 16),
        remote: net([10, 1, 0, 0], 16),
    }
}

/// Spoke 1 (LAN 10.2.0.0/16) and a VPN client (10.5.5.1) are up.
fn lab_with_holders() -> (Lab, usize, usize) {
    let mut lab = Lab::new();
    let spoke = lab.add(SPOKE, l2l_peer(1));
    let client = lab.add(CLIENT, vpn_client(2, "gfullage", b"gfullage"));
    lab.ask(spoke, spoke_lan());
    assert_eq!(
        lab.children(spoke).len(),
        1,
        "{:#?}",
        lab.peers[spoke].events
    );
    lab.ask(
        client,
        Selectors {
            local: TrafficSelector::host(Ipv4Addr::new(192, 168, 1, 10)),
            remote: any(),
        },
    );
    assert_eq!(lab.children(client).len(), 1);
    assert_eq!(lab.sealed_to(SPOKE_HOST), Some(SPOKE));
    assert_eq!(lab.sealed_to(Ipv4Addr::new(10, 5, 5, 1)), Some(CLIENT));
    (lab, spoke, client)
}

#[test]
fn a_second_spoke_with_the_wildcard_key_cannot_take_held_flows_pools_or_everything() {
    let (mut lab, spoke, client) = lab_with_holders();
    let rogue = lab.add(ROGUE, l2l_peer(3));
    let claims = [
        // The first spoke's LAN, and a part of it.
        spoke_lan(),
        Selectors {
            local: net([10, 2, 2, 0], 24),
            remote: net([10, 1, 1, 0], 24),
        },
        // The VPN client's address, and a free address of its pool.
        Selectors {
            local: TrafficSelector::host(Ipv4Addr::new(10, 5, 5, 1)),
            remote: any(),
        },
        Selectors {
            local: TrafficSelector::host(Ipv4Addr::new(10, 5, 5, 200)),
            remote: any(),
        },
        // The hub's own inside network.
        Selectors {
            local: net([10, 1, 0, 0], 23),
            remote: any(),
        },
        // Everything, Internet-bound included.
        Selectors {
            local: any(),
            remote: any(),
        },
    ];
    for claim in claims {
        lab.ask(rogue, claim);
        assert!(
            lab.refused_invalid_id(rogue),
            "{claim:?}: {:#?}",
            lab.peers[rogue].events
        );
        assert_eq!(lab.hub_children_towards(ROGUE), 0, "{claim:?}");
        assert!(lab.children(rogue).is_empty());
    }
    // Each refusal counted by its reason.
    let c = lab.hub.counters();
    assert_eq!(
        (
            c.proxy_refused_held,
            c.proxy_refused_local_pool,
            c.proxy_refused_own_network
        ),
        (2, 3, 1),
        "{c:?}"
    );
    // The holders are alive (they answered the probes) and keep their flows.
    lab.run_for(30);
    assert!(lab.hub.counters().holder_probes >= 1);
    assert_eq!(lab.children(spoke).len(), 1);
    assert_eq!(lab.children(client).len(), 1);
    assert_eq!(lab.sealed_to(SPOKE_HOST), Some(SPOKE));
    assert_eq!(lab.sealed_to(Ipv4Addr::new(10, 5, 5, 1)), Some(CLIENT));
    assert_eq!(lab.sealed_to(Ipv4Addr::new(8, 8, 8, 8)), None);

    // A LAN nobody holds is the rogue's to take (a dynamic entry without
    // `match address` takes what is free).
    lab.ask(
        rogue,
        Selectors {
            local: net([10, 9, 0, 0], 16),
            remote: net([10, 1, 0, 0], 16),
        },
    );
    assert_eq!(lab.children(rogue).len(), 1);
    assert_eq!(lab.sealed_to(Ipv4Addr::new(10, 9, 1, 1)), Some(ROGUE));
    assert_eq!(lab.sealed_to(SPOKE_HOST), Some(SPOKE));
}

#[test]
fn a_spoke_back_on_a_new_address_gets_its_lan_once_the_old_sa_is_found_dead() {
    let mut lab = Lab::new();
    let old = lab.add(SPOKE, l2l_peer(1));
    lab.ask(old, spoke_lan());
    assert_eq!(lab.children(old).len(), 1);
    // Its own rekey (same endpoint, overlapping itself) is accepted:
    // make-before-break, the new SA is installed beside the old one.
    let first = lab.children(old)[0].id;
    lab.peers[old]
        .engine
        .rekey_child_sa(lab.now, first)
        .unwrap();
    lab.run_for(5);
    assert!(
        lab.peers[old]
            .events
            .iter()
            .any(|e| matches!(e, Event::ChildSaRekeyed { .. }))
    );
    assert!(
        lab.hub_children_towards(SPOKE) >= 2,
        "{:#?}",
        lab.hub_events
    );

    // The spoke reboots on a new DHCP address: the old SAs linger.
    lab.peers[old].alive = false;
    let new = lab.add(ROGUE, l2l_peer(4));
    lab.ask(new, spoke_lan());
    assert!(lab.refused_invalid_id(new));
    // The probe found the old endpoint dead within seconds (10 s of
    // R-U-THEREs went unanswered while `ask` ran): its SAs are gone.
    assert_eq!(lab.hub_children_towards(SPOKE), 0, "{:#?}", lab.hub_events);
    assert!(lab.hub_events.iter().any(|e| matches!(
        e,
        GatewayEvent::Engine(Event::PeerDead { remote, .. }) if *remote.ip() == SPOKE
    )));
    // The retry gets the LAN, and the hub seals to the new address.
    lab.ask(new, spoke_lan());
    assert_eq!(lab.children(new).len(), 1);
    assert_eq!(lab.sealed_to(SPOKE_HOST), Some(ROGUE));
}

/// ESP from `src` to the hub's LAN, sealed with its child SA.
fn seal_from(child: &KeyedChild, src: Ipv4Addr, seq: u16, at: Instant) -> Vec<u8> {
    let keys = KeyMaterial::new(
        child.keys_out.encryption.as_bytes(),
        child.keys_out.integrity.as_bytes(),
    );
    let params = SaParams::new(child.spi_out, suite()).with_mode(Mode::Tunnel);
    let mut out = OutboundSa::new(&params, &keys, at).unwrap();
    let ping = icmp(src, HUB_HOST, 8, seq);
    let head = out.headroom();
    let mut buf = vec![0u8; head + ping.len() + out.tailroom(ping.len())];
    buf[head..head + ping.len()].copy_from_slice(&ping);
    let mut rng = ChaCha20Rng::seed_from_u64(u64::from(seq));
    let range = out
        .seal(&mut buf, head..head + ping.len(), 4, &mut rng, at)
        .unwrap();
    buf[range].to_vec()
}

fn client_wants() -> Selectors {
    Selectors {
        local: TrafficSelector::host(Ipv4Addr::new(192, 168, 1, 10)),
        remote: any(),
    }
}

#[test]
fn a_client_that_deletes_only_its_isakmp_sa_loses_its_ipsec_sa_and_its_address() {
    let mut lab = Lab::new();
    let client = lab.add(CLIENT, vpn_client(2, "gfullage", b"gfullage"));
    lab.ask(client, client_wants());
    let assigned = Ipv4Addr::new(10, 5, 5, 1);
    let child = lab.children(client)[0].clone();
    assert_eq!(lab.hub.pool_in_use("ippool"), Some(vec![assigned]));
    // The old SA works before.
    lab.hub
        .handle_esp(lab.now, CLIENT, &seal_from(&child, assigned, 1, lab.now));
    lab.run();
    assert_eq!(lab.inside.len(), 1);

    // The client deletes its ISAKMP SA only (IKEv1 lets its IPsec SAs live).
    let ike = lab.peers[client].engine.ike_sas()[0].id;
    lab.peers[client]
        .engine
        .delete_ike_sa(lab.now, ike)
        .unwrap();
    lab.run_for(2);
    assert_eq!(lab.hub_children_towards(CLIENT), 0, "{:#?}", lab.hub_events);
    assert_eq!(lab.hub.installed_child_sas(), 0);
    assert_eq!(lab.hub.pool_in_use("ippool"), Some(vec![]));

    // No ESP from the old SA gets in any more.
    let rejected = lab.hub.counters().esp_rejected;
    lab.hub
        .handle_esp(lab.now, CLIENT, &seal_from(&child, assigned, 2, lab.now));
    lab.run();
    assert_eq!(lab.inside.len(), 1);
    assert_eq!(lab.hub.counters().esp_rejected, rejected + 1);

    // The next client gets the address, and the only SA with it.
    let next = lab.add(
        Ipv4Addr::new(198, 51, 100, 101),
        vpn_client(5, "gfullage", b"gfullage"),
    );
    lab.ask(next, client_wants());
    assert_eq!(lab.hub.pool_in_use("ippool"), Some(vec![assigned]));
    assert_eq!(
        lab.sealed_to(assigned),
        Some(Ipv4Addr::new(198, 51, 100, 101))
    );
}

/// The seed's hub with extra lines (after the seed's own).
fn hub_with(extra: &str) -> Lab {
    let cfg = HUB_CFG
        .replace(SEED_HUB_ADDR, &HUB.to_string())
        .replace("end", "");
    Lab::with_config(&format!("{cfg}\n{extra}"))
}

fn client_at(i: u8) -> Ipv4Addr {
    Ipv4Addr::new(198, 51, 100, 100 + i)
}

/// Xauth verdicts the hub sent to `addr` so far (XauthDone on the hub).
fn xauth_results(lab: &Lab, addr: Ipv4Addr) -> Vec<bool> {
    lab.hub_events
        .iter()
        .filter_map(|e| match e {
            GatewayEvent::Engine(Event::XauthDone { remote, ok, .. }) if *remote.ip() == addr => {
                Some(*ok)
            }
            _ => None,
        })
        .collect()
}

/// A client logs in from `addr` as `user`; says whether it got its SA.
fn login(lab: &mut Lab, addr: Ipv4Addr, seed: u64, user: &str, password: &[u8]) -> bool {
    let i = lab.add(addr, vpn_client(seed, user, password));
    lab.ask(i, client_wants());
    !lab.children(i).is_empty()
}

#[test]
fn max_fail_locks_a_user_across_ike_sas_and_addresses_until_cleared() {
    let mut lab = hub_with("aaa local authentication attempts max-fail 4\n");
    // Three wrong passwords on one IKE SA, one more on another from
    // elsewhere (no back-off involved): the fourth locks gfullage.
    assert!(!login(&mut lab, client_at(1), 11, "gfullage", b"guess1"));
    assert!(lab.hub.aaa_local_user_lockout().is_empty());
    let i = lab.add(client_at(2), vpn_client(12, "gfullage", b"guess2"));
    lab.ask(i, client_wants());
    let locked = lab.hub.aaa_local_user_lockout();
    assert_eq!(locked.len(), 1);
    assert_eq!(locked[0].0, "gfullage");
    let show = lab
        .hub
        .show("show aaa local user lockout", lab.now)
        .unwrap();
    assert!(show.starts_with("Local-user"), "{show}");
    assert!(
        show.lines().nth(1).unwrap().starts_with("gfullage "),
        "{show}"
    );

    // The right password from a third address is refused while locked.
    assert!(!login(&mut lab, client_at(3), 13, "gfullage", b"gfullage"));
    let results = xauth_results(&lab, client_at(3));
    assert!(
        !results.is_empty() && !results.contains(&true),
        "{results:?}"
    );
    assert!(lab.hub.counters().xauth_refused_locked >= 1);
    // `clear aaa local user lockout username gfullage`: in again.
    assert_eq!(lab.hub.clear_aaa_local_user_lockout(Some("gfullage")), 1);
    assert!(login(&mut lab, client_at(4), 14, "gfullage", b"gfullage"));
    assert!(lab.hub.aaa_local_user_lockout().is_empty());
}

#[test]
fn failed_xauth_from_one_address_backs_off_for_a_growing_time() {
    let mut lab = Lab::new();
    let a = client_at(1);
    // Three wrong passwords (one IKE SA): the address is refused for 30 s,
    // even with the right password.
    assert!(!login(&mut lab, a, 21, "gfullage", b"guess1"));
    let results = xauth_results(&lab, a);
    assert!(
        !results.is_empty() && !results.contains(&true),
        "{results:?}"
    );
    assert!(!login(&mut lab, a, 22, "gfullage", b"gfullage"));
    assert!(lab.hub.counters().xauth_refused_backoff >= 1);
    // Another address is not affected.
    assert!(login(&mut lab, client_at(2), 23, "gfullage", b"gfullage"));
    lab.run_for(30);
    assert!(login(&mut lab, a, 24, "gfullage", b"gfullage"));

    // A success forgets the address; a fresh round of three failures
    // starts again at 30 s, and the next round doubles it to 60 s.
    assert!(!login(&mut lab, a, 25, "gfullage", b"guess2"));
    lab.run_for(30);
    assert!(!login(&mut lab, a, 26, "gfullage", b"guess3"));
    lab.run_for(30);
    // 40 s into a 60 s round (a 30 s one would be over): still refused.
    assert!(!login(&mut lab, a, 27, "gfullage", b"gfullage"));
    lab.run_for(30);
    assert!(login(&mut lab, a, 28, "gfullage", b"gfullage"));
}

#[test]
fn group_max_users_and_max_logins_bound_concurrent_logins() {
    let cfg = HUB_CFG
        .replace(SEED_HUB_ADDR, &HUB.to_string())
        .replacen(" pool ippool", " pool ippool\n max-users 2\n max-logins 1", 1)
        .replace(
            "username gfullage password 7 0201024E070A0E2649",
            "username gfullage password 7 0201024E070A0E2649\nusername alice password 0 alicepw\nusername bob password 0 bobpw",
        );
    let mut lab = Lab::with_config(&cfg);
    assert!(login(&mut lab, client_at(1), 31, "gfullage", b"gfullage"));
    // max-logins 1: gfullage once at a time.
    assert!(!login(&mut lab, client_at(2), 32, "gfullage", b"gfullage"));
    // max-users 2: alice makes two, bob would be the third.
    assert!(login(&mut lab, client_at(3), 33, "alice", b"alicepw"));
    assert!(!login(&mut lab, client_at(4), 34, "bob", b"bobpw"));
    assert_eq!(lab.hub.pool_in_use("ippool").map(|v| v.len()), Some(2));
    let c = lab.hub.counters();
    assert!(
        c.xauth_refused_max_logins >= 1 && c.xauth_refused_max_users >= 1,
        "{c:?}"
    );
    // A refusal by count is no failed password: no back-off, no lockout.
    assert!(lab.hub.aaa_local_user_lockout().is_empty());

    // gfullage's first client leaves: a login is free for bob.
    let first = 0;
    let ike = lab.peers[first].engine.ike_sas()[0].id;
    lab.peers[first].engine.delete_ike_sa(lab.now, ike).unwrap();
    lab.run_for(2);
    assert!(login(&mut lab, client_at(4), 35, "bob", b"bobpw"));
}

#[test]
fn rejections_from_a_radius_server_back_the_source_off_too() {
    let cfg = HUB_CFG.replace(SEED_HUB_ADDR, &HUB.to_string()).replace(
        "aaa authentication login clientauth local",
        "aaa authentication login clientauth group radius",
    );
    let mut lab = Lab::with_config(&cfg);
    let a = client_at(1);
    let requests = |lab: &Lab| -> Vec<ike_proto::engine::IkeSaId> {
        lab.hub_events
            .iter()
            .filter_map(|e| match e {
                GatewayEvent::Engine(Event::XauthRequest { ike_sa, remote, .. })
                    if *remote.ip() == a =>
                {
                    Some(*ike_sa)
                }
                _ => None,
            })
            .collect()
    };
    let i = lab.add(a, vpn_client(41, "gfullage", b"guess"));
    let l = SocketAddrV4::new(a, PORTS.0);
    let r = SocketAddrV4::new(HUB, PORTS.0);
    lab.peers[i]
        .engine
        .initiate(lab.now, l, r, client_wants())
        .unwrap();
    // The AAA server says no three times.
    for n in 1..=3 {
        lab.run_for(1);
        let pending = requests(&lab);
        assert_eq!(pending.len(), n, "{:#?}", lab.hub_events);
        lab.hub
            .xauth_verdict(lab.now, pending[n - 1], false)
            .unwrap();
    }
    lab.run_for(5);
    // The next client from that address is refused without a question to
    // the AAA server (no new XauthRequest).
    assert!(!login(&mut lab, a, 42, "gfullage", b"radius-secret"));
    assert_eq!(requests(&lab).len(), 3);
    let results = xauth_results(&lab, a);
    assert!(!results.contains(&true), "{results:?}");
}

#[test]
fn a_dynamic_entry_with_match_address_takes_only_its_acl_and_still_only_what_is_free() {
    let cfg = HUB_CFG
        .replace(SEED_HUB_ADDR, &HUB.to_string())
        .replace(
            " set isakmp-profile L2L",
            " set isakmp-profile L2L\n match address 120",
        )
        .replace(
            "ip classless",
            "ip classless\naccess-list 120 permit ip 10.1.0.0 0.0.255.255 10.2.0.0 0.1.255.255",
        );
    let mut lab = Lab::with_config(&cfg);
    let a = lab.add(SPOKE, l2l_peer(51));
    let b = lab.add(ROGUE, l2l_peer(52));
    lab.ask(a, spoke_lan());
    assert_eq!(lab.children(a).len(), 1);
    let lan = |third: u8, len: u8| Selectors {
        local: net([10, third, 0, 0], len),
        remote: net([10, 1, 0, 0], 16),
    };
    // Inside the ACL and free: 10.3.0.0/16.
    lab.ask(b, lan(3, 16));
    assert_eq!(lab.children(b).len(), 1);
    // Inside the ACL but held by the first spoke.
    lab.ask(
        b,
        Selectors {
            local: net([10, 2, 5, 0], 24),
            remote: net([10, 1, 0, 0], 16),
        },
    );
    assert!(lab.refused_invalid_id(b));
    // Outside the ACL, although free.
    lab.ask(b, lan(9, 16));
    assert!(lab.refused_invalid_id(b));
    assert_eq!(lab.children(b).len(), 1);
    assert_eq!(lab.sealed_to(SPOKE_HOST), Some(SPOKE));
    assert_eq!(lab.sealed_to(Ipv4Addr::new(10, 3, 1, 1)), Some(ROGUE));
}

#[test]
fn the_back_off_is_a_gateway_option() {
    let cfg = HUB_CFG.replace(SEED_HUB_ADDR, &HUB.to_string());
    let a = client_at(1);
    // The default: three failures on one IKE SA, all checked.
    let mut lab = Lab::new();
    assert!(!login(&mut lab, a, 61, "gfullage", b"guess"));
    assert_eq!(lab.hub.counters().xauth_refused_backoff, 0);
    // One failure starts a round: the SA's next two tries go unchecked.
    let mut lab = Lab::with_options(
        &cfg,
        GatewayOptions {
            xauth_backoff: XauthBackoff {
                failures: 1,
                first: Duration::from_secs(5),
                max: Duration::from_secs(5),
            },
            ..GatewayOptions::default()
        },
    );
    assert!(!login(&mut lab, a, 62, "gfullage", b"guess"));
    assert_eq!(lab.hub.counters().xauth_refused_backoff, 2);
    lab.run_for(5);
    assert!(login(&mut lab, a, 63, "gfullage", b"gfullage"));
}

#[test]
fn a_holder_that_never_offered_dpd_is_not_probed_and_keeps_its_flow() {
    let mut lab = Lab::new();
    let mut quiet = StaticPolicy::seed(b"cisco123", any(), any());
    quiet.phase2[0].selectors = None;
    let no_dpd = Engine::new(
        Config {
            dpd: None,
            advertise_dpd: false,
            ..engine_config()
        },
        Box::new(quiet),
        Box::new(ChaCha20Rng::seed_from_u64(71)),
    );
    let holder = lab.add(SPOKE, no_dpd);
    lab.ask(holder, spoke_lan());
    assert_eq!(lab.children(holder).len(), 1);
    let rogue = lab.add(ROGUE, l2l_peer(72));
    lab.ask(rogue, spoke_lan());
    assert!(lab.refused_invalid_id(rogue));
    // An R-U-THERE it never agreed to would go unanswered and "kill" a
    // live peer: none is sent, and the flow stays with its holder.
    lab.run_for(30);
    assert_eq!(lab.hub.counters().holder_probes, 0);
    assert_eq!(lab.hub_children_towards(SPOKE), 1);
    assert_eq!(lab.sealed_to(SPOKE_HOST), Some(SPOKE));
}

/// A peer that speaks Aggressive Mode with `identity` (`None`: its
/// address) and key `key`, for the hub's LAN from 10.2.0.0/16.
fn aggressive_peer(seed: u64, identity: Option<Identity>, key: &[u8]) -> Engine {
    let mut p = StaticPolicy::seed(key, any(), any());
    p.phase2[0].selectors = None;
    p.mode = Some(Phase1Mode::Aggressive);
    p.identity = identity.clone();
    if let Some(id) = identity {
        p.keys_by_identity
            .push((id, PresharedKey::new(key.to_vec())));
    }
    Engine::new(
        engine_config(),
        Box::new(p),
        Box::new(ChaCha20Rng::seed_from_u64(seed)),
    )
}

fn ike_up(lab: &Lab, i: usize) -> bool {
    lab.peers[i]
        .events
        .iter()
        .any(|e| matches!(e, Event::IkeSaUp(_)))
}

#[test]
fn aggressive_mode_is_answered_only_for_the_group_and_configured_peers() {
    // The seed's hub: the wildcard key's identities get no HASH_R.
    let mut lab = Lab::new();
    for (n, id) in [
        None,
        Some(Identity::Fqdn("spoke.example.com".into())),
        Some(Identity::UserFqdn("x@example.com".into())),
    ]
    .into_iter()
    .enumerate()
    {
        let i = lab.add(
            client_at(n as u8 + 1),
            aggressive_peer(81 + n as u64, id, b"cisco123"),
        );
        lab.ask(i, spoke_lan());
        assert!(!ike_up(&lab, i), "{:#?}", lab.peers[i].events);
    }
    assert_eq!(lab.hub.engine().counters().aggressive_mode_refused, 3);
    // The group still gets in.
    assert!(login(&mut lab, client_at(9), 84, "gfullage", b"gfullage"));

    // `crypto isakmp peer address A` / `set aggressive-mode password K`:
    // that peer, with that key (not the wildcard one).
    let mut lab = hub_with(
        "crypto isakmp peer address 198.51.100.3\n set aggressive-mode password branch3key\n",
    );
    let wrong_key = lab.add(ROGUE, aggressive_peer(85, None, b"cisco123"));
    lab.ask(wrong_key, spoke_lan());
    assert!(!ike_up(&lab, wrong_key));
    let branch = lab.add(ROGUE, aggressive_peer(86, None, b"branch3key"));
    lab.ask(branch, spoke_lan());
    assert!(ike_up(&lab, branch), "{:#?}", lab.peers[branch].events);
    assert_eq!(lab.children(branch).len(), 1);
    let other = lab.add(SPOKE, aggressive_peer(87, None, b"branch3key"));
    lab.ask(other, spoke_lan());
    assert!(!ike_up(&lab, other));

    // `crypto isakmp aggressive-mode disable`: not even the group.
    let mut lab = hub_with("crypto isakmp aggressive-mode disable\n");
    assert!(!login(&mut lab, client_at(1), 88, "gfullage", b"gfullage"));
    assert_eq!(lab.hub.engine().counters().aggressive_mode_refused, 1);
}
