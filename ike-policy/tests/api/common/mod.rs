//! The harness the gateway integration tests share: the addresses and
//! configurations they use, ICMP and UDP packet builders, carrying
//! datagrams between two Gateways, log capture, and a `Net`
//! that carries datagrams between the hub Gateway and a client Engine under
//! a virtual clock. Each test binary uses only part of it.
#![allow(dead_code)]

pub mod gateways;
pub mod raw_peer;

use std::net::{Ipv4Addr, SocketAddrV4};

use esp_core::Suite;
use ike_policy::gateway::Instant;
use ike_policy::{Gateway, GatewayEvent, GatewayOptions, Transmit};
use ike_proto::engine::{ChildSa, Engine, EspKeys, Event};
use ike_proto::policy::{Selectors, TrafficSelector};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

pub const HUB_CFG: &str = include_str!("../../configs/hub.cfg");
pub const SPOKE_CFG: &str = include_str!("../../configs/spoke.cfg");
pub const SEED_HUB_ADDR: &str = "10.48.67.181";
pub const HUB: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
pub const CLIENT: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 100);
pub const HUB_HOST: Ipv4Addr = Ipv4Addr::new(10, 1, 1, 7);
pub const ASSIGNED: Ipv4Addr = Ipv4Addr::new(10, 5, 5, 1);
pub const PORTS: (u16, u16) = (10500, 14500);

/// Moves every datagram `from` wants sent into `to` (UDP and raw ESP
/// alike; clear packets go nowhere); true when something moved.
pub fn carry(from: &mut Gateway, to: &mut Gateway, now: Instant) -> bool {
    ike_policy::gateway::in_memory::carry(from, to, now).moved()
}

/// An IPv4 UDP datagram from port 12345 to 7 with no payload.
pub fn udp_packet(src: [u8; 4], dst: [u8; 4]) -> Vec<u8> {
    let mut p = vec![0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0];
    p.extend_from_slice(&src);
    p.extend_from_slice(&dst);
    p.extend_from_slice(&[0x30, 0x39, 0x00, 0x07, 0, 8, 0, 0]);
    let c = esp_core::wire::internet_checksum(&p[..20]);
    p[10..12].copy_from_slice(&c.to_be_bytes());
    p
}

/// An IPv4 ICMP echo request (type 8) or reply (type 0).
pub fn icmp(src: Ipv4Addr, dst: Ipv4Addr, kind: u8, seq: u16) -> Vec<u8> {
    let mut icmp = vec![kind, 0, 0, 0, 0x12, 0x34];
    icmp.extend_from_slice(&seq.to_be_bytes());
    icmp.extend_from_slice(b"abcdefghijklmnopqrstuvwabcdefghi");
    let c = esp_core::wire::internet_checksum(&icmp);
    icmp[2..4].copy_from_slice(&c.to_be_bytes());
    let total = (20 + icmp.len()) as u16;
    let mut ip = vec![0x45, 0];
    ip.extend_from_slice(&total.to_be_bytes());
    ip.extend_from_slice(&[0, seq as u8, 0, 0, 64, 1, 0, 0]);
    ip.extend_from_slice(&src.octets());
    ip.extend_from_slice(&dst.octets());
    let c = esp_core::wire::internet_checksum(&ip);
    ip[10..12].copy_from_slice(&c.to_be_bytes());
    ip.extend_from_slice(&icmp);
    ip
}

pub fn is_echo(packet: &[u8], src: Ipv4Addr, dst: Ipv4Addr, kind: u8) -> bool {
    packet.len() > 28
        && packet[12..16] == src.octets()
        && packet[16..20] == dst.octets()
        && packet[9] == 1
        && packet[20] == kind
}

/// Every record this test binary has logged so far, as (target, text): the
/// binary's one logger, installed on first use.
pub fn captured_records() -> Vec<(String, String)> {
    use std::sync::{Mutex, OnceLock};
    struct Capture(Mutex<Vec<(String, String)>>);
    impl log::Log for Capture {
        fn enabled(&self, _: &log::Metadata<'_>) -> bool {
            true
        }
        fn log(&self, record: &log::Record<'_>) {
            if let Ok(mut v) = self.0.lock() {
                v.push((record.target().to_owned(), record.args().to_string()));
            }
        }
        fn flush(&self) {}
    }
    static LOGGER: OnceLock<&'static Capture> = OnceLock::new();
    let logger = LOGGER.get_or_init(|| {
        let l: &'static Capture = Box::leak(Box::new(Capture(Mutex::new(Vec::new()))));
        log::set_logger(l).expect("this binary's only logger");
        log::set_max_level(log::LevelFilter::Trace);
        l
    });
    logger.0.lock().map(|v| v.clone()).unwrap_or_default()
}

/// The text of every record logged so far.
pub fn captured_logs() -> Vec<String> {
    captured_records()
        .into_iter()
        .map(|(_, text)| text)
        .collect()
}

/// `cfg` (the seed's hub, or a variant of it) as a Gateway on the
/// harness's outside address and ports.
pub fn seed_hub(cfg: &str, options: GatewayOptions) -> Gateway {
    let cfg = cfg.replace(SEED_HUB_ADDR, &HUB.to_string());
    let options = GatewayOptions {
        ike_port: PORTS.0,
        natt_port: PORTS.1,
        ..options
    };
    Gateway::from_ios(&cfg, options, &mut ChaCha20Rng::seed_from_u64(9)).unwrap()
}

/// The seed's Cisco VPN Client as an engine: group testgroup / cisco321,
/// user gfullage with `password`, on the harness's ports.
pub fn vpn_client(password: &[u8]) -> Engine {
    let config = ike_proto::engine::Config {
        ike_port: PORTS.0,
        natt_port: PORTS.1,
        peer_ike_port: PORTS.0,
        peer_natt_port: PORTS.1,
        ..ike_proto::engine::Config::default()
    };
    Engine::new(
        config,
        Box::new(ike_proto::policy::StaticPolicy::seed_vpn_client(
            "gfullage", password,
        )),
        Box::new(ChaCha20Rng::seed_from_u64(77)),
    )
}

/// The hub Gateway and a client Engine, carried in memory.
pub struct Net {
    pub hub: Gateway,
    pub client: Engine,
    pub now: Instant,
    pub hub_events: Vec<GatewayEvent>,
    pub client_events: Vec<Event>,
    pub hub_inside: Vec<Vec<u8>>,
    /// Raw ESP the hub sent to the client.
    pub to_client_esp: Vec<Vec<u8>>,
}

impl Net {
    pub fn new(client: Engine) -> Self {
        Self::with_hub_options(client, GatewayOptions::default())
    }

    /// The seed's hub built with `options` (its ports are the harness's).
    pub fn with_hub_options(client: Engine, options: GatewayOptions) -> Self {
        Self::with_hub(seed_hub(HUB_CFG, options), client)
    }

    /// `hub` against `client`.
    pub fn with_hub(hub: Gateway, client: Engine) -> Self {
        Self {
            hub,
            client,
            now: Instant::from_secs(1000),
            hub_events: Vec::new(),
            client_events: Vec::new(),
            hub_inside: Vec::new(),
            to_client_esp: Vec::new(),
        }
    }

    pub fn client_ike(&self) -> SocketAddrV4 {
        SocketAddrV4::new(CLIENT, PORTS.0)
    }

    pub fn run(&mut self) {
        for _ in 0..1000 {
            let mut moved = false;
            while let Some(d) = self.client.poll_transmit() {
                moved = true;
                assert_eq!(*d.remote.ip(), HUB);
                self.hub
                    .handle_datagram(self.now, d.remote, d.local, &d.payload);
            }
            while let Some(t) = self.hub.poll_transmit() {
                moved = true;
                match t {
                    Transmit::Udp {
                        local,
                        remote,
                        payload,
                    } => {
                        assert_eq!(remote, self.client_ike());
                        self.client
                            .handle_datagram(self.now, remote, local, &payload);
                    }
                    Transmit::Esp {
                        remote, payload, ..
                    } => {
                        assert_eq!(remote, CLIENT);
                        self.to_client_esp.push(payload);
                    }
                    Transmit::Clear { .. } => {}
                }
            }
            while let Some(e) = self.client.poll_event() {
                self.client_events.push(e);
            }
            while let Some(e) = self.hub.poll_event() {
                self.hub_events.push(e);
            }
            while let Some(p) = self.hub.poll_inside() {
                self.hub_inside.push(p);
            }
            if !moved {
                return;
            }
        }
        panic!("never quiet");
    }

    pub fn run_for(&mut self, seconds: u64) {
        let end = Instant::from_millis(self.now.as_millis() + seconds * 1000);
        loop {
            self.run();
            let next = [self.hub.poll_timeout(), self.client.poll_timeout()]
                .into_iter()
                .flatten()
                .min();
            match next {
                Some(t) if t <= end => {
                    self.now = t.max(self.now);
                    self.hub.handle_timeout(self.now);
                    if self.client.poll_timeout().is_some_and(|t| t <= self.now) {
                        self.client.handle_timeout(self.now);
                    }
                }
                _ => {
                    self.now = end;
                    return;
                }
            }
        }
    }

    pub fn connect(&mut self) {
        let (l, r) = (self.client_ike(), SocketAddrV4::new(HUB, PORTS.0));
        // Before Mode Config the client does not know its address.
        let want = Selectors {
            local: TrafficSelector::host(Ipv4Addr::new(192, 168, 1, 10)),
            remote: TrafficSelector::subnet(Ipv4Addr::UNSPECIFIED, 0),
        };
        self.client.initiate(self.now, l, r, want).unwrap();
        self.run_for(10);
    }

    pub fn client_child(&self) -> Option<KeyedChild> {
        self.client_events
            .iter()
            .filter(|e| matches!(e, Event::ChildSaUp { .. }))
            .find_map(keyed_child)
    }

    pub fn hub_assigned(&self) -> Vec<Ipv4Addr> {
        self.hub_events
            .iter()
            .filter_map(|e| match e {
                GatewayEvent::Engine(Event::ConfigAssigned {
                    address,
                    server: true,
                    ..
                }) => Some(*address),
                _ => None,
            })
            .collect()
    }
}

pub fn suite() -> Suite {
    Suite::new(
        esp_core::Encryption::TripleDesCbc,
        esp_core::Integrity::HmacSha1_96,
    )
    .unwrap()
}

/// A test's own copy of one direction's key bytes: the engine's keys are
/// not `Clone` (they go to one data plane), and a test playing the peer's
/// data plane keeps its own after the events move on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyCopy {
    pub encryption: Bytes,
    pub integrity: Bytes,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bytes(Vec<u8>);

impl Bytes {
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl KeyCopy {
    fn of(k: &EspKeys) -> Self {
        Self {
            encryption: Bytes(k.encryption.as_bytes().to_vec()),
            integrity: Bytes(k.integrity.as_bytes().to_vec()),
        }
    }
}

/// A child SA with copies of its keys, from the event that brought it up.
#[derive(Clone, Debug)]
pub struct KeyedChild {
    pub sa: ChildSa,
    pub keys_in: KeyCopy,
    pub keys_out: KeyCopy,
}

impl core::ops::Deref for KeyedChild {
    type Target = ChildSa;
    fn deref(&self) -> &ChildSa {
        &self.sa
    }
}

/// The child SA an `Event::ChildSaUp` / `Event::ChildSaRekeyed` brought up.
pub fn keyed_child(e: &Event) -> Option<KeyedChild> {
    match e {
        Event::ChildSaUp { sa, keys } | Event::ChildSaRekeyed { new: sa, keys, .. } => {
            Some(KeyedChild {
                sa: sa.clone(),
                keys_in: KeyCopy::of(&keys.inbound),
                keys_out: KeyCopy::of(&keys.outbound),
            })
        }
        _ => None,
    }
}
