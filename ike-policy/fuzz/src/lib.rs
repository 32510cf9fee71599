//! Drivers shared by the fuzz targets. Each must never panic, whatever the
//! bytes: the Gateway is on the Internet and every input it takes
//! (datagrams on either port, raw ESP, inside packets, the passing of time,
//! its own configuration text) is fuzzed here.

use std::collections::VecDeque;
use std::net::{Ipv4Addr, SocketAddrV4};

use ike_policy::{Gateway, GatewayOptions, Transmit};
use ike_proto::time::{Duration, Instant};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

/// The seed's hub, spoke and Easy VPN client as the demo runs them (hub
/// 127.0.0.1, spoke 127.0.0.2, client 127.0.0.3).
const HUB_CFG: &str = include_str!("../../../examples/configs/hub.cfg");
const SPOKE_CFG: &str = include_str!("../../../examples/configs/spoke.cfg");
const CLIENT_CFG: &str = include_str!("../../../examples/configs/vpnclient.cfg");
const HUB: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 1);
const SPOKE: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);
const CLIENT: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 3);
const PORTS: (u16, u16) = (10500, 14500);

/// Every show command the Gateway answers, run on whatever state the
/// input left.
const SHOWS: [&str; 6] = [
    "show crypto isakmp sa",
    "show crypto isakmp sa detail",
    "show crypto ipsec sa",
    "show crypto ipsec sa peer 127.0.0.2",
    "show crypto map",
    "sh cry ips sa map mymap",
];

/// Reads the fuzzer's bytes as a stream of small decisions.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn u8(&mut self) -> Option<u8> {
        let (b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(*b)
    }

    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_be_bytes([self.u8()?, self.u8()?]))
    }

    /// Up to `max` bytes, the count first.
    fn chunk(&mut self, max: usize) -> &[u8] {
        let n = usize::from(self.u16().unwrap_or(0)) % (max + 1);
        let n = n.min(self.0.len());
        let (c, rest) = self.0.split_at(n);
        self.0 = rest;
        c
    }
}

fn options(outside: Option<Ipv4Addr>) -> GatewayOptions {
    GatewayOptions {
        outside_addr: outside,
        ike_port: PORTS.0,
        natt_port: PORTS.1,
        force_udp_encapsulation: true,
        ..GatewayOptions::default()
    }
}

fn gateway(cfg: &str, outside: Option<Ipv4Addr>, seed: u64) -> Gateway {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    match Gateway::from_ios(cfg, options(outside), &mut rng) {
        Ok(g) => g,
        Err(e) => panic!("the demo's configuration must build: {e}"),
    }
}

/// A datagram in flight between the three gateways.
struct InFlight {
    to: Ipv4Addr,
    what: Transmit,
}

/// The hub and its two honest peers, on a virtual clock. The fuzzer
/// decides what is delivered, damaged, dropped or made up, and when time
/// passes; honest traffic gets the hub into its deep states (Quick Mode,
/// Xauth, Mode Config, ESP) and forged bytes that borrow live cookies and
/// SPIs get past the first look-up.
struct World {
    hub: Gateway,
    spoke: Gateway,
    client: Gateway,
    now: Instant,
    wire: VecDeque<InFlight>,
    /// The cookies of the hub's last IKE datagram, and the SPI of the last
    /// ESP packet sent to it.
    cookies: [u8; 16],
    spi: [u8; 4],
}

impl World {
    fn new() -> Self {
        let mut w = Self {
            hub: gateway(HUB_CFG, None, 1),
            spoke: gateway(SPOKE_CFG, Some(SPOKE), 2),
            client: gateway(CLIENT_CFG, None, 3),
            now: Instant::from_secs(1),
            wire: VecDeque::new(),
            cookies: [0; 16],
            spi: [0; 4],
        };
        let _ = w.spoke.initiate(
            w.now,
            Ipv4Addr::new(10, 2, 2, 2),
            Ipv4Addr::new(10, 1, 1, 1),
        );
        w.client.handle_timeout(w.now);
        w.collect();
        w
    }

    /// Moves what each gateway wants sent onto the wire.
    fn collect(&mut self) {
        for (from, g) in [
            (HUB, &mut self.hub),
            (SPOKE, &mut self.spoke),
            (CLIENT, &mut self.client),
        ] {
            while let Some(t) = g.poll_transmit() {
                let to = match &t {
                    Transmit::Udp {
                        remote, payload, ..
                    } => {
                        if from == HUB {
                            let ike = payload.strip_prefix(&[0u8; 4][..]).unwrap_or(payload);
                            if let Some(c) = ike.get(..16) {
                                self.cookies.copy_from_slice(c);
                            }
                        }
                        *remote.ip()
                    }
                    Transmit::Esp { remote, .. } => *remote,
                    Transmit::Clear { .. } => continue,
                };
                self.wire.push_back(InFlight { to, what: t });
            }
            while g.poll_event().is_some() {}
            while g.poll_inside().is_some() {}
        }
    }

    fn gateway_at(&mut self, a: Ipv4Addr) -> Option<&mut Gateway> {
        match a {
            HUB => Some(&mut self.hub),
            SPOKE => Some(&mut self.spoke),
            CLIENT => Some(&mut self.client),
            _ => None,
        }
    }

    /// Delivers the next datagram, `damage` applied to its bytes.
    fn deliver(&mut self, damage: Option<(u16, u8)>) {
        let Some(InFlight { to, what }) = self.wire.pop_front() else {
            return;
        };
        let now = self.now;
        match what {
            Transmit::Udp {
                local,
                remote,
                mut payload,
            } => {
                if let Some((at, x)) = damage {
                    let len = payload.len().max(1);
                    if let Some(b) = payload.get_mut(usize::from(at) % len) {
                        *b ^= x;
                    }
                }
                if to == HUB && payload.len() > 8 && local.port() == PORTS.1 {
                    if let Some(s) = payload.get(..4) {
                        if s != [0; 4] {
                            self.spi.copy_from_slice(s);
                        }
                    }
                }
                if let Some(g) = self.gateway_at(to) {
                    g.handle_datagram(now, remote, local, &payload);
                }
            }
            Transmit::Esp {
                local, mut payload, ..
            } => {
                if let Some((at, x)) = damage {
                    let len = payload.len().max(1);
                    if let Some(b) = payload.get_mut(usize::from(at) % len) {
                        *b ^= x;
                    }
                }
                if let Some(g) = self.gateway_at(to) {
                    g.handle_esp(now, local, &payload);
                }
            }
            Transmit::Clear { .. } => {}
        }
    }

    /// Lets `d` pass, waking whoever is due.
    fn advance(&mut self, d: Duration) {
        self.now = self.now + d;
        let now = self.now;
        for g in [&mut self.hub, &mut self.spoke, &mut self.client] {
            if g.poll_timeout().is_some_and(|t| t <= now) {
                g.handle_timeout(now);
            }
        }
    }

    /// A stranger's address and port, from a small set so that some of
    /// them collide with the honest peers' (a NAT in front of them).
    fn stranger(b: &mut Bytes<'_>) -> SocketAddrV4 {
        let addr = match b.u8().unwrap_or(0) % 4 {
            0 => SPOKE,
            1 => CLIENT,
            2 => Ipv4Addr::new(198, 51, 100, 7),
            _ => Ipv4Addr::new(203, 0, 113, 9),
        };
        let port = match b.u8().unwrap_or(0) % 3 {
            0 => PORTS.0,
            1 => PORTS.1,
            _ => 40000,
        };
        SocketAddrV4::new(addr, port)
    }
}

/// The seed's hub with its spoke and VPN client, driven by `data`.
pub fn hub_gateway(data: &[u8]) {
    let mut w = World::new();
    let mut b = Bytes(data);
    let hub_ike = SocketAddrV4::new(HUB, PORTS.0);
    let hub_natt = SocketAddrV4::new(HUB, PORTS.1);
    let mut steps = 0;
    while let Some(op) = b.u8() {
        steps += 1;
        if steps > 512 {
            break;
        }
        let now = w.now;
        match op % 10 {
            0..=2 => w.deliver(None),
            3 => {
                let at = b.u16().unwrap_or(0);
                let x = b.u8().unwrap_or(1) | 1;
                w.deliver(Some((at, x)));
            }
            4 => {
                let _ = w.wire.pop_front();
            }
            5 => {
                let from = World::stranger(&mut b);
                let to = if b.u8().unwrap_or(0) & 1 == 0 {
                    hub_ike
                } else {
                    hub_natt
                };
                let bytes = b.chunk(2048).to_vec();
                w.hub.handle_datagram(now, to, from, &bytes);
            }
            6 => {
                // Forged, but under live cookies (and the marker on 4500).
                let from = World::stranger(&mut b);
                let natt = b.u8().unwrap_or(0) & 1 == 1;
                let mut bytes = Vec::new();
                if natt {
                    bytes.extend_from_slice(&[0; 4]);
                }
                bytes.extend_from_slice(&w.cookies);
                bytes.extend_from_slice(b.chunk(1024));
                let to = if natt { hub_natt } else { hub_ike };
                w.hub.handle_datagram(now, to, from, &bytes);
            }
            7 => {
                // ESP under a live SPI, raw or in UDP.
                let from = World::stranger(&mut b);
                let mut bytes = w.spi.to_vec();
                bytes.extend_from_slice(b.chunk(1500));
                if b.u8().unwrap_or(0) & 1 == 0 {
                    w.hub.handle_esp(now, *from.ip(), &bytes);
                } else {
                    w.hub.handle_datagram(now, hub_natt, from, &bytes);
                }
            }
            8 => {
                let packet = b.chunk(1500).to_vec();
                w.hub.handle_inside(now, &packet);
            }
            _ => {
                let ms = u64::from(b.u16().unwrap_or(0)) * u64::from(b.u8().unwrap_or(1));
                w.advance(Duration::from_millis(ms));
            }
        }
        w.collect();
    }
    for c in SHOWS {
        let _ = w.hub.show(c, w.now);
    }
    let _ = w.hub.counters();
}

/// Any configuration text: parse it, build a Gateway from it (with and
/// without an outside address) and render every show view.
pub fn ios_config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if ike_policy::parse(text).is_err() {
        return;
    }
    for outside in [None, Some(HUB)] {
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        if let Ok(mut g) = Gateway::from_ios(text, options(outside), &mut rng) {
            let now = Instant::from_secs(1);
            g.handle_timeout(now);
            for c in SHOWS {
                let _ = g.show(c, now);
            }
        }
    }
}

/// The NAT-T port's demultiplexer (non-ESP marker, keepalive, ESP in
/// UDP) and the IKE port, on a hub that has live SAs: the first byte picks
/// the port, the rest is the datagram.
pub fn natt_demux(data: &[u8]) {
    thread_local! {
        static WORLD: std::cell::RefCell<Option<World>> = const { std::cell::RefCell::new(None) };
    }
    WORLD.with(|cell| {
        let mut slot = cell.borrow_mut();
        let w = slot.get_or_insert_with(|| {
            let mut w = World::new();
            for _ in 0..200 {
                w.deliver(None);
                w.collect();
            }
            w
        });
        let Some((port, datagram)) = data.split_first() else {
            return;
        };
        let to = SocketAddrV4::new(HUB, if port & 1 == 0 { PORTS.1 } else { PORTS.0 });
        let from = SocketAddrV4::new(SPOKE, PORTS.1);
        w.hub.handle_datagram(w.now, to, from, datagram);
        w.collect();
        w.wire.clear();
    });
}
