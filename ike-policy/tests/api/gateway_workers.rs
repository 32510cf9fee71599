//! One hub's data plane split over two `DataPlaneWorker`s
//! (`Gateway::split_data_plane`): several of the seed's spokes negotiate
//! with the hub's Gateway (IKE stays there) while their ESP is opened and
//! sealed by the worker owning each SA's SPI, steered as an embedder
//! would (inbound by SPI, outbound by `owner_of`). The views and counters
//! are the workers' summed; rekeys, Deletes and lifetimes reach the
//! workers; and the workers run on two threads at once.

use std::net::Ipv4Addr;

use ike_policy::gateway::{DropReason, Instant, SEAL_OVERHEAD, esp_worker, worker_for_spi};
use ike_policy::{DataPlaneWorker, Gateway, GatewayEvent, GatewayOptions, Inbound, Outbound};
use ike_policy::{GatewayError, Transmit};
use ike_proto::engine::Event;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use crate::common::{HUB, HUB_CFG, HUB_HOST, PORTS, SEED_HUB_ADDR, SPOKE_CFG, icmp, is_echo};

const _: () = {
    const fn send<T: Send>() {}
    send::<DataPlaneWorker>();
};

fn spoke_addr(i: usize) -> Ipv4Addr {
    Ipv4Addr::new(198, 51, 100, 10 + i as u8)
}

fn spoke_host(i: usize) -> Ipv4Addr {
    Ipv4Addr::new(10, 20 + i as u8, 2, 5)
}

fn options(outside: Option<Ipv4Addr>) -> GatewayOptions {
    GatewayOptions {
        outside_addr: outside,
        ike_port: PORTS.0,
        natt_port: PORTS.1,
        ..GatewayOptions::default()
    }
}

/// A 1400-byte echo request.
fn big(src: Ipv4Addr, dst: Ipv4Addr, seq: u16) -> Vec<u8> {
    let mut p = icmp(src, dst, 8, seq);
    p.resize(1400, 0x5a);
    p[2..4].copy_from_slice(&1400u16.to_be_bytes());
    p[10..12].copy_from_slice(&[0, 0]);
    let c = esp_core::wire::internet_checksum(&p[..20]);
    p[10..12].copy_from_slice(&c.to_be_bytes());
    p
}

/// The hub (split), its workers and the spokes, under a virtual clock.
struct Net {
    hub: Gateway,
    workers: Vec<DataPlaneWorker>,
    spokes: Vec<Gateway>,
    now: Instant,
    /// Delivered on the hub's inside (by the workers).
    hub_inside: Vec<Vec<u8>>,
    /// Delivered on each spoke's inside.
    spoke_inside: Vec<Vec<Vec<u8>>>,
    /// The hub's events.
    events: Vec<GatewayEvent>,
    /// What the workers dropped.
    dropped: Vec<DropReason>,
    /// Spokes that went silent: nothing reaches them or leaves them.
    dead: Vec<bool>,
    /// ESP the workers held for an SA not there yet.
    held: usize,
    /// A spoke's ESP reaches the hub's workers before the IKE sent with
    /// it reaches the hub's Gateway (a split hub's race: QM3 and the first
    /// ESP behind it on different threads).
    esp_before_ike: bool,
}

impl Net {
    /// `spokes` of the seed's spokes, each with its own LAN (10.20+i/16, clear of the hub's pool);
    /// `extra` goes into both configurations before the transform set.
    fn new(spokes: usize, workers: usize, extra: &str) -> Self {
        let with = |cfg: &str| {
            cfg.replace(SEED_HUB_ADDR, &HUB.to_string()).replace(
                "crypto ipsec transform-set myset",
                &format!("{extra}crypto ipsec transform-set myset"),
            )
        };
        let mut rng = ChaCha20Rng::seed_from_u64(41);
        let mut hub = Gateway::from_ios(&with(HUB_CFG), options(None), &mut rng).unwrap();
        let workers = hub.split_data_plane(workers).unwrap();
        let count = spokes;
        let spokes = (0..count)
            .map(|i| {
                let lan = format!("10.{}.", 20 + i);
                let cfg = with(SPOKE_CFG)
                    .replace("10.2.0.0 0.0.255.255", &format!("{lan}0.0 0.0.255.255"))
                    .replace("ip address 10.2.2.2", &format!("ip address {lan}2.2"));
                Gateway::from_ios(&cfg, options(Some(spoke_addr(i))), &mut rng).unwrap()
            })
            .collect();
        Self {
            hub,
            workers,
            spokes,
            now: Instant::from_secs(1000),
            hub_inside: Vec::new(),
            spoke_inside: vec![Vec::new(); count],
            events: Vec::new(),
            dropped: Vec::new(),
            dead: vec![false; count],
            held: 0,
            esp_before_ike: false,
        }
    }

    fn spoke_of(&self, addr: Ipv4Addr) -> usize {
        (0..self.spokes.len())
            .find(|i| spoke_addr(*i) == addr)
            .expect("a spoke's address")
    }

    /// Hands what the hub side sent to its spoke.
    fn deliver_to_spoke(&mut self, t: Transmit) {
        let now = self.now;
        let to = match &t {
            Transmit::Udp { remote, .. } => *remote.ip(),
            Transmit::Esp { remote, .. } => *remote,
            Transmit::Clear { .. } => panic!("the seed's traffic is protected"),
        };
        if self.dead[self.spoke_of(to)] {
            return;
        }
        match t {
            Transmit::Udp {
                local,
                remote,
                payload,
            } => {
                let s = self.spoke_of(*remote.ip());
                self.spokes[s].handle_datagram(now, remote, local, &payload);
            }
            Transmit::Esp {
                local,
                remote,
                payload,
            } => {
                let s = self.spoke_of(remote);
                self.spokes[s].handle_esp(now, local, &payload);
            }
            Transmit::Clear { .. } => panic!("the seed's traffic is protected"),
        }
    }

    /// ESP from a spoke, to the worker owning its SPI.
    fn esp_to_hub(&mut self, from: Ipv4Addr, mut esp: Vec<u8>) {
        let w = esp_worker(&esp, self.workers.len()).expect("an SPI");
        match self.workers[w].open_esp_into(self.now, from, &mut esp) {
            Inbound::Inside(p) => self.hub_inside.push(p.to_vec()),
            Inbound::Dropped(r) => self.dropped.push(r),
            Inbound::Held => self.held += 1,
            other => panic!("worker {w}: {other:?}"),
        }
    }

    /// Carries everything until all are quiet.
    fn run(&mut self) {
        for _ in 0..1000 {
            let now = self.now;
            let mut moved = false;
            if self.hub.poll_timeout().is_some_and(|t| t <= now) {
                self.hub.handle_timeout(now);
            }
            while let Some(t) = self.hub.poll_transmit() {
                moved = true;
                self.deliver_to_spoke(t);
            }
            while let Some(e) = self.hub.poll_event() {
                self.events.push(e);
            }
            for w in 0..self.workers.len() {
                // The embedder's idle tick: the worker picks up installs.
                self.workers[w].handle_timeout(now);
                while let Some(t) = self.workers[w].poll_transmit() {
                    moved = true;
                    self.deliver_to_spoke(t);
                }
                while let Some(p) = self.workers[w].poll_inside() {
                    self.hub_inside.push(p);
                }
            }
            for s in 0..self.spokes.len() {
                let mut sent = Vec::new();
                while let Some(t) = self.spokes[s].poll_transmit() {
                    sent.push(t);
                }
                if self.esp_before_ike {
                    sent.sort_by_key(|t| !matches!(t, Transmit::Esp { .. }));
                }
                for t in sent {
                    if self.dead[s] {
                        continue;
                    }
                    moved = true;
                    match t {
                        Transmit::Udp {
                            local,
                            remote,
                            payload,
                        } => self.hub.handle_datagram(now, remote, local, &payload),
                        Transmit::Esp { local, payload, .. } => self.esp_to_hub(local, payload),
                        Transmit::Clear { .. } => panic!("protected"),
                    }
                }
                while let Some(p) = self.spokes[s].poll_inside() {
                    self.spoke_inside[s].push(p);
                }
                while self.spokes[s].poll_event().is_some() {}
            }
            moved |= self.hub.poll_timeout().is_some_and(|t| t <= now);
            if !moved {
                return;
            }
        }
        panic!("the network never went quiet");
    }

    /// `seconds` of virtual time, a second at a time.
    fn run_for(&mut self, seconds: u64) {
        for _ in 0..seconds {
            self.now = Instant::from_millis(self.now.as_millis() + 1000);
            let now = self.now;
            self.hub.handle_timeout(now);
            for s in &mut self.spokes {
                s.handle_timeout(now);
            }
            self.run();
        }
    }

    /// The hub's host sends `packet` through the worker owning its SA.
    fn send_from_hub(&mut self, packet: &[u8]) -> usize {
        let w = self.workers[0].owner_of(packet).expect("an SA covers it");
        let mut out = vec![0u8; packet.len() + SEAL_OVERHEAD];
        match self.workers[w].seal_into(self.now, packet, &mut out) {
            Outbound::Esp {
                local,
                remote,
                payload,
            } => {
                assert_eq!(local, HUB);
                let s = self.spoke_of(remote);
                self.spokes[s].handle_esp(self.now, local, payload);
            }
            other => panic!("worker {w}: {other:?}"),
        }
        self.run();
        w
    }

    fn ping_from(&mut self, spoke: usize, seq: u16) {
        let p = icmp(spoke_host(spoke), HUB_HOST, 8, seq);
        self.spokes[spoke].handle_inside(self.now, &p);
        self.run();
    }

    /// The SA pairs each worker owns.
    fn per_worker(&mut self) -> Vec<usize> {
        self.workers
            .iter_mut()
            .map(|w| {
                let (i, o) = w.installed_sas();
                assert_eq!(i, o, "worker {}: both halves of each pair", w.index());
                i
            })
            .collect()
    }

    /// The hub's child SAs up, newest last: (spi_in, spi_out).
    fn hub_children(&self) -> Vec<(u32, u32)> {
        self.events
            .iter()
            .filter_map(|e| match e {
                GatewayEvent::SaInstalled {
                    spi_in, spi_out, ..
                } => Some((*spi_in, *spi_out)),
                _ => None,
            })
            .collect()
    }
}

#[test]
fn spokes_spread_over_two_workers_and_the_views_sum_them() {
    let mut net = Net::new(4, 2, "");
    for s in 0..4 {
        net.ping_from(s, 1);
    }
    assert_eq!(net.hub_inside.len(), 4, "{:?}", net.dropped);
    assert!(
        net.hub_inside
            .iter()
            .all(|p| p[16..20] == HUB_HOST.octets())
    );
    assert_eq!(net.hub.installed_child_sas(), 4);
    let per = net.per_worker();
    assert_eq!(per.iter().sum::<usize>(), 4);
    assert!(per.iter().all(|n| *n >= 1), "both workers own SAs: {per:?}");
    // Each pair sits on the worker of its inbound SPI.
    for (spi_in, _) in net.hub_children() {
        assert!(worker_for_spi(spi_in, 2) < 2);
    }

    // Replies from the hub's side, each sealed by its SA's worker.
    let mut used = [false; 2];
    for s in 0..4 {
        let reply = icmp(HUB_HOST, spoke_host(s), 0, 1);
        used[net.send_from_hub(&reply)] = true;
        assert_eq!(net.spoke_inside[s].len(), 1, "spoke {s}");
        assert!(is_echo(&net.spoke_inside[s][0], HUB_HOST, spoke_host(s), 0));
    }
    assert_eq!(used, [true, true], "traffic flowed on both workers");

    // Counters: the workers' summed in the Gateway's.
    let c = net.hub.counters();
    assert_eq!((c.sealed, c.delivered), (4, 4));
    // `show crypto ipsec sa`: every pair, its counters from its worker.
    let show = net.hub.show("show crypto ipsec sa", net.now).unwrap();
    assert_eq!(
        show.matches("#pkts encaps: 1, #pkts encrypt: 1, #pkts digest 1")
            .count(),
        4,
        "{show}"
    );
    assert_eq!(
        show.matches("#pkts decaps: 1, #pkts decrypt: 1, #pkts verify 1")
            .count(),
        4,
        "{show}"
    );
    for (spi_in, spi_out) in net.hub_children() {
        assert!(show.contains(&format!("spi: 0x{spi_in:X}(")), "{show}");
        assert!(show.contains(&format!("spi: 0x{spi_out:X}(")), "{show}");
    }
    let json = net.hub.status_json(net.now);
    let status: serde_json::Value = serde_json::from_str(&json).unwrap();
    let encaps: Vec<u64> = status["ipsec_sa"]
        .as_array()
        .unwrap()
        .iter()
        .map(|sa| sa["encaps"].as_u64().unwrap())
        .collect();
    assert_eq!(encaps, vec![1; 4], "{json}");
}

#[test]
fn a_packet_at_the_wrong_worker_is_sent_on_not_sealed() {
    let mut net = Net::new(4, 2, "");
    for s in 0..4 {
        net.ping_from(s, 1);
    }
    let reply = icmp(HUB_HOST, spoke_host(0), 0, 1);
    let owner = net.workers[1].owner_of(&reply).unwrap();
    let other = 1 - owner;
    let mut out = vec![0u8; reply.len() + SEAL_OVERHEAD];
    assert_eq!(
        net.workers[other].seal_into(net.now, &reply, &mut out),
        Outbound::Elsewhere { worker: owner }
    );
    // ESP for the owner's SPI, given to the other worker: untouched.
    let (spi_in, _) = net.hub_children()[0];
    assert_eq!(worker_for_spi(spi_in, 2), owner);
    let mut esp = spi_in.to_be_bytes().to_vec();
    esp.extend_from_slice(&[0; 40]);
    let copy = esp.clone();
    assert_eq!(
        net.workers[other].open_esp_into(net.now, spoke_addr(0), &mut esp),
        Inbound::Elsewhere { worker: owner }
    );
    assert_eq!(esp, copy);
    // The Gateway itself no longer holds ESP SAs: it says which worker.
    assert_eq!(
        net.hub.seal_into(net.now, &reply, &mut out),
        Outbound::Elsewhere { worker: owner }
    );
    assert_eq!(net.hub.counters().sealed, 0, "nothing was sealed");
    // Splitting twice, or into nothing, is refused.
    assert!(matches!(
        net.hub.split_data_plane(2),
        Err(GatewayError::DataPlane(_))
    ));
    assert_eq!(net.hub.data_plane_workers(), 2);
}

#[test]
fn the_hubs_queue_api_forwards_to_the_workers() {
    let mut net = Net::new(2, 2, "");
    net.ping_from(0, 1);
    net.ping_from(1, 1);
    // The Gateway's own handle_inside: the packet is sealed by its
    // worker, whose poll_transmit gives it (the harness carries it).
    for s in 0..2 {
        let reply = icmp(HUB_HOST, spoke_host(s), 0, 7);
        net.hub.handle_inside(net.now, &reply);
        net.run();
        assert_eq!(net.spoke_inside[s].len(), 1, "spoke {s}");
    }
    assert_eq!(net.hub.counters().sealed, 2);
}

#[test]
fn the_kilobyte_soft_lifetime_seen_by_a_worker_rekeys_and_traffic_goes_on() {
    let mut net = Net::new(
        2,
        2,
        "crypto ipsec security-association lifetime kilobytes 2560\n",
    );
    net.ping_from(1, 0);
    // 1400-byte packets from spoke 0: the soft limit (90% of 2560 KB)
    // falls near 1700, on the worker's inbound SA and the spoke's
    // outbound SA at once.
    for seq in 0..1800u16 {
        let p = big(spoke_host(0), HUB_HOST, seq);
        net.spokes[0].handle_inside(net.now, &p);
        net.run();
    }
    assert_eq!(net.hub_inside.len(), 1801, "{:?}", net.dropped);
    let ups = net.hub_children().len();
    assert!(ups >= 3, "spoke 0's pair was rekeyed: {ups} installs");
    let per = net.per_worker();
    assert_eq!(per.iter().sum::<usize>(), net.hub.installed_child_sas());
    // Traffic from the hub goes out on the newest pair of spoke 0.
    let newest = net
        .events
        .iter()
        .rev()
        .find_map(|e| match e {
            GatewayEvent::SaInstalled {
                peer,
                spi_in,
                spi_out,
                ..
            } if *peer == spoke_addr(0) => Some((*spi_in, *spi_out)),
            _ => None,
        })
        .unwrap();
    let w = net.send_from_hub(&icmp(HUB_HOST, spoke_host(0), 0, 9));
    assert_eq!(
        w,
        worker_for_spi(newest.0, 2),
        "sealed by the new pair's worker"
    );
    let show = net.hub.show("show crypto ipsec sa", net.now).unwrap();
    assert!(
        show.contains(&format!("current outbound spi: {:X}", newest.1)),
        "{show}"
    );
}

#[test]
fn rekeys_on_time_move_traffic_to_the_new_sa_and_expired_pairs_leave_their_workers() {
    let mut net = Net::new(2, 2, "");
    net.ping_from(0, 1);
    net.ping_from(1, 1);
    let first: Vec<(u32, u32)> = net.hub_children();
    assert_eq!(first.len(), 2);
    // 3600 s lifetime: the engines rekey before it, the old pairs expire
    // (in the workers' timers) and are deleted.
    net.run_for(3700);
    let all = net.hub_children();
    assert!(all.len() >= 4, "both rekeyed: {all:?}");
    let removed = net
        .events
        .iter()
        .filter(|e| matches!(e, GatewayEvent::SaRemoved { .. }))
        .count();
    assert!(removed >= 2, "the old pairs left");
    let per = net.per_worker();
    assert_eq!(per.iter().sum::<usize>(), net.hub.installed_child_sas());
    let show = net.hub.show("show crypto ipsec sa", net.now).unwrap();
    for (spi_in, _) in &first {
        assert!(!show.contains(&format!("spi: 0x{spi_in:X}(")), "{show}");
    }
    // Traffic flows both ways on the new pairs.
    net.ping_from(0, 2);
    net.ping_from(1, 2);
    assert_eq!(net.hub_inside.len(), 4, "{:?}", net.dropped);
    for s in 0..2 {
        net.send_from_hub(&icmp(HUB_HOST, spoke_host(s), 0, 2));
        assert_eq!(net.spoke_inside[s].len(), 1);
    }
    let c = net.hub.counters();
    assert_eq!((c.delivered, c.sealed), (4, 2));
}

#[test]
fn a_delete_removes_the_pair_from_its_worker() {
    let mut net = Net::new(2, 2, "");
    net.ping_from(0, 1);
    net.ping_from(1, 1);
    let before = net.per_worker();
    assert_eq!(before.iter().sum::<usize>(), 2);
    let spoke0 = net
        .events
        .iter()
        .find_map(|e| match e {
            GatewayEvent::SaInstalled { peer, spi_in, .. } if *peer == spoke_addr(0) => {
                Some(*spi_in)
            }
            _ => None,
        })
        .unwrap();
    let owner = worker_for_spi(spoke0, 2);
    // Spoke 0 clears its SAs: its Delete reaches the hub's IKE side, which
    // takes the pair out of its worker.
    net.spokes[0].clear_peer(net.now, HUB);
    net.run();
    assert_eq!(net.hub.installed_child_sas(), 1);
    let after = net.per_worker();
    assert_eq!(after[owner], before[owner] - 1, "{before:?} -> {after:?}");
    assert_eq!(after[1 - owner], before[1 - owner]);
    let show = net.hub.show("show crypto ipsec sa", net.now).unwrap();
    assert!(!show.contains(&format!("spi: 0x{spoke0:X}(")), "{show}");
    // ESP on the deleted SPI: its worker holds it a moment (an SA could
    // be on the way) and asks; the Gateway knows no such SPI, so it is
    // refused at the next turn and counted, long before the hold ends.
    let mut esp = spoke0.to_be_bytes().to_vec();
    esp.extend_from_slice(&[0; 60]);
    assert_eq!(
        net.workers[owner].open_esp_into(net.now, spoke_addr(0), &mut esp),
        Inbound::Held
    );
    net.run();
    assert_eq!(net.hub.counters().esp_rejected, 1);
    // Spoke 1 is untouched; spoke 0's next packet negotiates again.
    net.ping_from(1, 2);
    net.ping_from(0, 2);
    assert_eq!(net.hub_inside.len(), 4, "{:?}", net.dropped);
    assert_eq!(net.hub.installed_child_sas(), 2);
}

#[test]
fn two_workers_on_two_threads_at_once() {
    let mut net = Net::new(4, 2, "");
    for s in 0..4 {
        net.ping_from(s, 1);
    }
    // Each worker's share of the replies, steered by `owner_of`.
    let mut shares: Vec<Vec<(usize, Vec<u8>)>> = vec![Vec::new(), Vec::new()];
    for s in 0..4 {
        for seq in 0..50u16 {
            let p = icmp(HUB_HOST, spoke_host(s), 0, seq);
            let w = net.workers[0].owner_of(&p).unwrap();
            shares[w].push((s, p));
        }
    }
    assert!(shares.iter().all(|s| !s.is_empty()));
    let now = net.now;
    let workers = std::mem::take(&mut net.workers);
    // The hub's IKE side stays on this thread; each worker on its own.
    /// A worker back from its thread, with the ESP it sealed (to whom).
    type Sealed = (DataPlaneWorker, Vec<(Ipv4Addr, Vec<u8>)>);
    let results: Vec<Sealed> = std::thread::scope(|scope| {
        let handles: Vec<_> = workers
            .into_iter()
            .zip(shares)
            .map(|(mut w, share)| {
                scope.spawn(move || {
                    let mut sent = Vec::new();
                    for (_, p) in share {
                        let mut out = vec![0u8; p.len() + SEAL_OVERHEAD];
                        match w.seal_into(now, &p, &mut out) {
                            Outbound::Esp {
                                remote, payload, ..
                            } => sent.push((remote, payload.to_vec())),
                            other => panic!("{other:?}"),
                        }
                    }
                    (w, sent)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (w, sent) in results {
        for (remote, esp) in sent {
            let s = net.spoke_of(remote);
            net.spokes[s].handle_esp(now, HUB, &esp);
        }
        net.workers.push(w);
    }
    net.run();
    for s in 0..4 {
        assert_eq!(net.spoke_inside[s].len(), 50, "spoke {s}");
    }
    assert_eq!(net.hub.counters().sealed, 200);
    let show = net.hub.show("show crypto ipsec sa", net.now).unwrap();
    assert_eq!(
        show.matches("#pkts encaps: 50, #pkts encrypt: 50, #pkts digest 50")
            .count(),
        4,
        "{show}"
    );
    // The engine saw every SA come up once.
    assert_eq!(
        net.events
            .iter()
            .filter(|e| matches!(e, GatewayEvent::Engine(Event::ChildSaUp { .. })))
            .count(),
        4
    );
}

#[test]
fn a_new_configuration_reaches_the_workers_spds_and_kept_sas_carry_on() {
    let mut net = Net::new(2, 2, "");
    net.ping_from(0, 1);
    net.ping_from(1, 1);
    // The same hub with a changed description: both tunnels are kept, the
    // workers get the rebuilt SPD (the kept SAs' entries in front).
    let cfg = HUB_CFG.replace(SEED_HUB_ADDR, &HUB.to_string()).replace(
        "description Outside interface",
        "description Outside, renamed",
    );
    let config = ike_policy::parse(&cfg).unwrap();
    net.hub.configure_replace(net.now, config).unwrap();
    net.run();
    assert_eq!(net.hub.installed_child_sas(), 2);
    assert_eq!(net.per_worker().iter().sum::<usize>(), 2);
    for s in 0..2 {
        net.send_from_hub(&icmp(HUB_HOST, spoke_host(s), 0, 3));
        assert_eq!(net.spoke_inside[s].len(), 1, "spoke {s}");
        net.ping_from(s, 3);
    }
    assert_eq!(net.hub_inside.len(), 4, "{:?}", net.dropped);
}

#[test]
fn a_spoke_found_dead_by_dpd_leaves_its_worker() {
    let keepalive = "crypto isakmp keepalive 10 3 periodic\n";
    let mut net = Net::new(2, 2, keepalive);
    net.ping_from(0, 1);
    net.ping_from(1, 1);
    assert_eq!(net.per_worker().iter().sum::<usize>(), 2);
    // Spoke 0 goes silent: the hub's R-U-THEREs go unanswered.
    net.dead[0] = true;
    net.run_for(60);
    assert!(
        net.events.iter().any(|e| matches!(
            e,
            GatewayEvent::Engine(Event::PeerDead { remote, .. }) if *remote.ip() == spoke_addr(0)
        )),
        "DPD declared spoke 0 dead"
    );
    assert_eq!(net.hub.installed_child_sas(), 1);
    assert_eq!(
        net.per_worker().iter().sum::<usize>(),
        1,
        "its pair left its worker"
    );
    // Spoke 1 answered every probe: its tunnel still carries traffic.
    net.ping_from(1, 2);
    assert_eq!(net.hub_inside.len(), 3, "{:?}", net.dropped);
}

#[test]
fn esp_that_overtakes_its_sas_install_is_held_and_delivered() {
    let mut net = Net::new(3, 2, "");
    net.esp_before_ike = true;
    for s in 0..3 {
        net.ping_from(s, 1);
    }
    // Each spoke's first ping left right behind its QM3 and reached the
    // hub's worker first: held, then opened when the install came.
    assert_eq!(net.held, 3);
    assert_eq!(net.hub_inside.len(), 3, "{:?}", net.dropped);
    assert!(net.dropped.is_empty(), "{:?}", net.dropped);
    assert_eq!(net.hub.counters().esp_rejected, 0);
    assert_eq!(net.hub.counters().delivered, 3);
    // Once up, nothing waits.
    for s in 0..3 {
        net.ping_from(s, 2);
    }
    assert_eq!((net.held, net.hub_inside.len()), (3, 6));
}

#[test]
fn held_esp_for_an_spi_no_one_negotiates_is_refused_and_the_room_is_bounded() {
    let mut net = Net::new(1, 2, "");
    net.ping_from(0, 1);
    let before = net.hub.counters().esp_rejected;
    // A stranger's ESP with made-up SPIs, all for worker 0: the first
    // sixteen are held, each further one pushes the oldest out (refused),
    // and the Gateway's answer refuses the rest.
    let spis: Vec<u32> = (0x1000u32..)
        .filter(|s| worker_for_spi(*s, 2) == 0)
        .take(20)
        .collect();
    for spi in &spis {
        let mut esp = spi.to_be_bytes().to_vec();
        esp.extend_from_slice(&[0; 60]);
        assert_eq!(
            net.workers[0].open_esp_into(net.now, Ipv4Addr::new(203, 0, 113, 9), &mut esp),
            Inbound::Held
        );
    }
    assert_eq!(net.hub.counters().esp_rejected - before, 4);
    net.run();
    assert_eq!(net.hub.counters().esp_rejected - before, 20);
    // The spoke's tunnel is untouched.
    net.ping_from(0, 2);
    assert_eq!(net.hub_inside.len(), 2, "{:?}", net.dropped);
}
