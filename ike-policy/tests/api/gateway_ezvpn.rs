//! The seed's hub Gateway and our Easy VPN Remote Gateway (`crypto ipsec
//! client ezvpn` on its outside interface), exchanging datagrams in memory
//! under a virtual clock: the client connects by itself (`connect auto`)
//! or when told (`connect manual`), gets 10.5.5.1 and pings the hub's LAN
//! from it through ESP.

use std::net::Ipv4Addr;

use ike_policy::gateway::{DropReason, Initiated};
use ike_policy::{Gateway, GatewayEvent, GatewayOptions};
use ike_proto::engine::Event;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use crate::common;
use common::gateways::Gateways;
use common::{ASSIGNED, CLIENT, HUB, HUB_CFG, HUB_HOST, PORTS, SEED_HUB_ADDR, icmp, is_echo};

fn client_cfg(connect: &str) -> String {
    format!(
        "hostname Remote
crypto ipsec client ezvpn hubvpn
 connect {connect}
 group testgroup key cisco321
 mode client
 peer {HUB}
 username gfullage password gfullage
!
interface Ethernet0
 ip address {CLIENT} 255.255.255.0
 crypto ipsec client ezvpn hubvpn outside
!
interface Ethernet1
 ip address 192.168.1.1 255.255.255.0
 crypto ipsec client ezvpn hubvpn inside
"
    )
}

/// The seed's hub and an Easy VPN client Gateway, carried in memory.
type Net = Gateways;

fn options(outside: Option<Ipv4Addr>) -> GatewayOptions {
    GatewayOptions {
        outside_addr: outside,
        ike_port: PORTS.0,
        natt_port: PORTS.1,
        ..GatewayOptions::default()
    }
}

/// What these tests add to the pair: the client built from its `connect`
/// mode, the address it was given, a ping to the hub's LAN.
trait EzvpnPair {
    fn ezvpn(connect: &str) -> Self;
    fn ezvpn_with_hub(connect: &str, hub_cfg: &str) -> Self;
    fn client_assigned_event(&self) -> Option<Ipv4Addr>;
    fn ping(&mut self, seq: u16) -> bool;
}

impl EzvpnPair for Gateways {
    fn ezvpn(connect: &str) -> Self {
        Self::ezvpn_with_hub(connect, HUB_CFG)
    }

    /// `hub_cfg` as the hub (the seed's hub with the client's address
    /// put in).
    fn ezvpn_with_hub(connect: &str, hub_cfg: &str) -> Self {
        let hub_cfg = hub_cfg.replace(SEED_HUB_ADDR, &HUB.to_string());
        let mut rng = ChaCha20Rng::seed_from_u64(11);
        let hub = Gateway::from_ios(&hub_cfg, options(None), &mut rng).unwrap();
        let client = Gateway::from_ios(&client_cfg(connect), options(None), &mut rng).unwrap();
        assert!(client.is_ezvpn_client());
        assert_eq!(client.outside_addr(), CLIENT);
        assert_eq!(client.outside_interface(), "Ethernet0");
        Gateways::new(hub, client)
    }

    /// The address the client's ConfigAssigned event carried.
    fn client_assigned_event(&self) -> Option<Ipv4Addr> {
        self.events.iter().find_map(|(hub, e)| match e {
            GatewayEvent::Engine(Event::ConfigAssigned {
                address,
                server: false,
                ..
            }) if !hub => Some(*address),
            _ => None,
        })
    }

    /// Pings the hub's LAN from the assigned address; true when the reply
    /// (which the test plays as the hub's LAN host) came back.
    fn ping(&mut self, seq: u16) -> bool {
        let from = self.peer.assigned_address().expect("an address");
        self.peer
            .handle_inside(self.now, &icmp(from, HUB_HOST, 8, seq));
        self.run();
        let Some(req) = self.hub_inside.pop() else {
            return false;
        };
        assert!(is_echo(&req, from, HUB_HOST, 8));
        self.hub
            .handle_inside(self.now, &icmp(HUB_HOST, from, 0, seq));
        self.run();
        self.peer_inside
            .pop()
            .is_some_and(|r| is_echo(&r, HUB_HOST, from, 0))
    }
}

#[test]
fn connect_auto_gets_10_5_5_1_and_pings_the_hub_lan_through_esp() {
    let mut net = Net::ezvpn("auto");
    // Nobody asked: `connect auto` starts as soon as the client runs.
    net.run_for(10);
    assert_eq!(net.peer.assigned_address(), Some(ASSIGNED));
    assert_eq!(net.client_assigned_event(), Some(ASSIGNED));
    assert_eq!(net.peer.installed_child_sas(), 1);
    assert_eq!(net.hub.installed_child_sas(), 1);

    for seq in 1..=3 {
        assert!(net.ping(seq), "ping {seq}: {:?}", net.peer.counters());
    }
    assert_eq!(net.raw_esp, 6, "three requests and three replies, in ESP");
    assert!(net.clear.is_empty());

    // The hub sees a Cisco VPN client: Xauth and Mode Config done.
    let show = net
        .hub
        .show("show crypto isakmp sa detail", net.now)
        .unwrap();
    let row = show
        .lines()
        .find(|l| l.contains(&CLIENT.to_string()))
        .unwrap_or_else(|| panic!("{show}"));
    assert!(row.trim_end().ends_with("CX"), "{show}");

    // Client mode: a packet from another inside address does not go.
    net.peer.handle_inside(
        net.now,
        &icmp(Ipv4Addr::new(192, 168, 1, 10), HUB_HOST, 8, 9),
    );
    net.run();
    assert!(net.hub_inside.is_empty());
    assert!(net.events.iter().any(|(hub, e)| !hub
        && matches!(
            e,
            GatewayEvent::Dropped {
                reason: DropReason::PolicyDiscard,
                ..
            }
        )));
}

/// The seed's group testgroup with every attribute a Cisco client can get.
const EVERY_ATTRIBUTE: &str = " netmask 255.255.255.0
 acl 150
 banner ^C
Welcome to the hub.
Authorised users only.
^C
 save-password
 split-dns a.example
 split-dns b.example
 include-local-lan
 pfs
 backup-gateway 192.0.2.7
 backup-gateway hub2.example
 firewall are-u-there
 max-users 250
 max-logins 3
";

#[test]
fn every_group_attribute_reaches_our_client() {
    let group_end = " pool ippool \n";
    assert!(HUB_CFG.contains(group_end));
    let hub_cfg = HUB_CFG.replacen(group_end, &format!("{group_end}{EVERY_ATTRIBUTE}"), 1)
        + "access-list 150 permit ip 198.51.100.0 0.0.0.255 any\n\
           access-list 150 permit ip host 203.0.113.9 any\n";
    let mut net = Net::ezvpn_with_hub("auto", &hub_cfg);
    net.run_for(10);
    assert_eq!(net.peer.assigned_address(), Some(ASSIGNED));
    let got = net
        .events
        .iter()
        .find_map(|(hub, e)| match e {
            GatewayEvent::Engine(Event::ConfigAssigned {
                attributes,
                server: false,
                ..
            }) if !hub => Some(attributes.clone()),
            _ => None,
        })
        .expect("the client's ConfigAssigned");
    let ip = |s: &str| s.parse::<Ipv4Addr>().unwrap();
    assert_eq!(got.address, Some(ASSIGNED));
    assert_eq!(got.netmask, Some(ip("255.255.255.0")));
    assert_eq!(got.dns, vec![ip("1.1.1.1"), ip("2.2.2.2")]);
    assert_eq!(got.wins, vec![ip("3.3.3.3"), ip("4.4.4.4")]);
    assert_eq!(got.domain.as_deref(), Some("cisco.com"));
    assert_eq!(
        got.banner.as_deref(),
        Some("Welcome to the hub.\nAuthorised users only.")
    );
    assert!(got.save_password && got.include_local_lan && got.pfs);
    assert!(got.firewall_are_u_there);
    assert_eq!(got.split_dns, vec!["a.example", "b.example"]);
    assert_eq!(got.backup_servers, vec!["192.0.2.7", "hub2.example"]);
    let nets: Vec<_> = got.split_include.iter().map(|s| (s.start, s.end)).collect();
    assert_eq!(
        nets,
        vec![
            (ip("198.51.100.0"), ip("198.51.100.255")),
            (ip("203.0.113.9"), ip("203.0.113.9")),
        ]
    );
    // What is left of the hub's 86400 s phase 1, and the hub's version.
    let expiry = got.address_expiry.expect("ADDRESS_EXPIRY");
    assert!((86_300..=86_400).contains(&expiry), "{expiry}");
    let version = got.application_version.expect("APPLICATION_VERSION");
    assert!(
        version.starts_with("ikesuite Internetwork Operating System Software"),
        "{version}"
    );
    // The tunnel still works with all of it.
    assert!(net.ping(1), "{:?}", net.peer.counters());
}

#[test]
fn connect_manual_waits_for_ezvpn_connect() {
    let mut net = Net::ezvpn("manual");
    net.run_for(30);
    assert!(net.events.is_empty(), "{:?}", net.events);
    assert_eq!(net.peer.assigned_address(), None);

    let now = net.now;
    assert_eq!(net.peer.ezvpn_connect(now), Ok(Initiated::Started(HUB)));
    net.run_for(10);
    assert_eq!(net.peer.assigned_address(), Some(ASSIGNED));
    assert!(net.ping(1));
    let now = net.now;
    assert_eq!(net.peer.ezvpn_connect(now), Ok(Initiated::AlreadyUp));
}

#[test]
fn the_hub_has_no_ezvpn_to_connect() {
    let mut net = Net::ezvpn("manual");
    let now = net.now;
    assert!(!net.hub.is_ezvpn_client());
    assert!(net.hub.ezvpn_connect(now).is_err());
    assert_eq!(net.hub.assigned_address(), None);
}

#[test]
fn connect_manual_also_starts_on_initiate_or_an_inside_packet() {
    let mut net = Net::ezvpn("manual");
    let now = net.now;
    // What an inside host would send before the address is known.
    let got = net
        .peer
        .initiate(now, Ipv4Addr::new(192, 168, 1, 10), HUB_HOST)
        .unwrap();
    assert_eq!(got, Initiated::Started(HUB));
    net.run_for(10);
    assert_eq!(net.peer.assigned_address(), Some(ASSIGNED));
    assert!(net.ping(1));

    let mut net = Net::ezvpn("manual");
    net.peer.handle_inside(
        net.now,
        &icmp(Ipv4Addr::new(192, 168, 1, 10), HUB_HOST, 8, 1),
    );
    net.run_for(10);
    assert_eq!(net.peer.assigned_address(), Some(ASSIGNED));
    assert_eq!(net.peer.held_packets(), 0);
    // The held packet was not from the assigned address: dropped, not sent.
    assert!(net.hub_inside.is_empty());
    assert!(net.ping(2));
}

#[test]
fn connect_auto_connects_again_when_the_hub_clears_it() {
    let mut net = Net::ezvpn("auto");
    net.run_for(5);
    assert!(net.ping(1));
    let now = net.now;
    net.hub.clear_peer(now, CLIENT);
    net.run();
    assert_eq!(net.peer.assigned_address(), None);
    assert_eq!(net.peer.installed_child_sas(), 0);
    // IOS's Easy VPN Remote with `connect auto` comes back by itself.
    net.run_for(15);
    assert_eq!(net.peer.assigned_address(), Some(ASSIGNED));
    assert!(net.ping(2));

    // `connect manual` stays down until told.
    let mut net = Net::ezvpn("manual");
    let now = net.now;
    net.peer.ezvpn_connect(now).unwrap();
    net.run_for(5);
    let now = net.now;
    net.hub.clear_peer(now, CLIENT);
    net.run_for(30);
    assert_eq!(net.peer.assigned_address(), None);
    assert!(net.peer.engine().ike_sas().is_empty());
}
