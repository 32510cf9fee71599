//! Two Gateways carried in memory under a virtual clock: the hub and a peer
//! Gateway (the seed's spoke, an Easy VPN client). Every datagram one sends
//! is handed to the other; what reaches the inside, goes out in the clear,
//! and every event is kept for the test to read.

use ike_policy::gateway::Instant;
use ike_policy::{Gateway, GatewayEvent, Transmit};

pub struct Gateways {
    pub hub: Gateway,
    pub peer: Gateway,
    pub now: Instant,
    pub hub_inside: Vec<Vec<u8>>,
    pub peer_inside: Vec<Vec<u8>>,
    /// Inside packets either side sent in the clear (no crypto map took them).
    pub clear: Vec<Vec<u8>>,
    /// ESP datagrams in UDP (NAT-T), keepalives and IKE not counted.
    pub udp_esp: usize,
    /// Raw ESP (IP protocol 50) datagrams.
    pub raw_esp: usize,
    /// Every event, with whether the hub raised it.
    pub events: Vec<(bool, GatewayEvent)>,
    /// When set, every datagram either side sent, in order, with its time
    /// (for a capture).
    pub wire: Option<Vec<(Instant, Transmit)>>,
}

impl Gateways {
    /// The two Gateways, the clock at 1000 s.
    pub fn new(hub: Gateway, peer: Gateway) -> Self {
        Self {
            hub,
            peer,
            now: Instant::from_secs(1000),
            hub_inside: Vec::new(),
            peer_inside: Vec::new(),
            clear: Vec::new(),
            udp_esp: 0,
            raw_esp: 0,
            events: Vec::new(),
            wire: None,
        }
    }

    /// Carries everything both sides want sent until both are quiet.
    pub fn run(&mut self) {
        for _ in 0..1000 {
            let mut moved = false;
            for from_hub in [true, false] {
                let (src, dst) = if from_hub {
                    (&mut self.hub, &mut self.peer)
                } else {
                    (&mut self.peer, &mut self.hub)
                };
                while let Some(t) = src.poll_transmit() {
                    moved = true;
                    if let Some(wire) = &mut self.wire {
                        wire.push((self.now, t.clone()));
                    }
                    match t {
                        Transmit::Udp {
                            local,
                            remote,
                            payload,
                        } => {
                            assert_eq!(*remote.ip(), dst.outside_addr());
                            if remote.port() == dst.natt_endpoint().port()
                                && payload.get(..4) != Some(&[0, 0, 0, 0])
                                && payload != [0xff]
                            {
                                self.udp_esp += 1;
                            }
                            dst.handle_datagram(self.now, remote, local, &payload);
                        }
                        Transmit::Esp {
                            local,
                            remote,
                            payload,
                        } => {
                            assert_eq!(remote, dst.outside_addr());
                            self.raw_esp += 1;
                            dst.handle_esp(self.now, local, &payload);
                        }
                        Transmit::Clear { packet } => self.clear.push(packet),
                    }
                }
            }
            self.hub_inside
                .extend(std::iter::from_fn(|| self.hub.poll_inside()));
            self.peer_inside
                .extend(std::iter::from_fn(|| self.peer.poll_inside()));
            while let Some(e) = self.hub.poll_event() {
                self.events.push((true, e));
            }
            while let Some(e) = self.peer.poll_event() {
                self.events.push((false, e));
            }
            if !moved {
                return;
            }
        }
        panic!("the two gateways never went quiet");
    }

    /// Runs, then lets the virtual clock jump to each next timeout, for
    /// `seconds` of virtual time.
    pub fn run_for(&mut self, seconds: u64) {
        let end = Instant::from_millis(self.now.as_millis() + seconds * 1000);
        loop {
            self.run();
            let next = [self.hub.poll_timeout(), self.peer.poll_timeout()]
                .into_iter()
                .flatten()
                .min();
            match next {
                Some(t) if t <= end => {
                    self.now = t.max(self.now);
                    self.hub.handle_timeout(self.now);
                    self.peer.handle_timeout(self.now);
                }
                _ => {
                    self.now = end;
                    return;
                }
            }
        }
    }
}
