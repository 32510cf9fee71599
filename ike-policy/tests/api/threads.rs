//! The threading model: a `Gateway` (with its engine and ESP SAs) is `Send`,
//! so an embedder may build it on one thread and drive it from another,
//! e.g. a worker per core. Here the hub starts Main Mode on the test's
//! thread and finishes it, Quick Mode and an echo through ESP on a worker
//! thread, talking to the spoke over channels.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::sync::mpsc;
use std::time::Duration;

use ike_policy::gateway::Instant;
use ike_policy::{Gateway, GatewayEvent, GatewayOptions, Transmit};
use ike_proto::engine::Event;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use crate::common;
use common::{HUB, HUB_CFG, HUB_HOST, SEED_HUB_ADDR, SPOKE_CFG, icmp, is_echo};

const SPOKE: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 2);
const SPOKE_HOST: Ipv4Addr = Ipv4Addr::new(10, 2, 2, 5);

/// Fails to compile when one of the embedder-facing handles stops being
/// `Send`: the assertion is the type check itself.
const _: () = {
    const fn send<T: Send>() {}
    send::<Gateway>();
    send::<ike_proto::engine::Engine>();
    send::<esp_core::OutboundSa>();
    send::<esp_core::InboundSa>();
    send::<esp_core::Sad>();
    send::<esp_core::Spd>();
    const fn sync<T: Sync>() {}
    sync::<esp_core::OutboundSa>();
    sync::<esp_core::InboundSa>();
    sync::<esp_core::Sad>();
    sync::<esp_core::Spd>();
};

/// What crosses between the two threads: a datagram or raw ESP, from
/// `local` (the sender) to `remote`, as the sender's `Transmit` said.
enum Wire {
    Udp(SocketAddrV4, SocketAddrV4, Vec<u8>),
    Esp(Ipv4Addr, Vec<u8>),
    /// The test is over: the worker hands the hub back.
    Done,
}

fn wire(t: Transmit) -> Option<Wire> {
    match t {
        Transmit::Udp {
            local,
            remote,
            payload,
        } => Some(Wire::Udp(local, remote, payload)),
        Transmit::Esp { local, payload, .. } => Some(Wire::Esp(local, payload)),
        Transmit::Clear { .. } => None,
    }
}

/// Hands `w` to `gw` as the receiver; false for `Done`.
fn deliver(gw: &mut Gateway, now: Instant, w: Wire) -> bool {
    match w {
        Wire::Udp(from, to, payload) => gw.handle_datagram(now, to, from, &payload),
        Wire::Esp(from, payload) => gw.handle_esp(now, from, &payload),
        Wire::Done => return false,
    }
    true
}

fn options(outside: Option<Ipv4Addr>) -> GatewayOptions {
    GatewayOptions {
        outside_addr: outside,
        ike_port: 10500,
        natt_port: 14500,
        ..GatewayOptions::default()
    }
}

#[test]
fn a_hub_moved_to_another_thread_mid_main_mode_finishes_there() {
    let hub_cfg = HUB_CFG.replace(SEED_HUB_ADDR, &HUB.to_string());
    let spoke_cfg = SPOKE_CFG.replace(SEED_HUB_ADDR, &HUB.to_string());
    let mut rng = ChaCha20Rng::seed_from_u64(13);
    let mut hub = Gateway::from_ios(&hub_cfg, options(None), &mut rng).unwrap();
    let mut spoke = Gateway::from_ios(&spoke_cfg, options(Some(SPOKE)), &mut rng).unwrap();
    let now = Instant::from_secs(1000);

    // On this thread: the spoke's ping starts IKE, MM1 goes to the hub,
    // MM2 comes back. The hub now holds a half-built IKE SA.
    spoke.handle_inside(now, &icmp(SPOKE_HOST, HUB_HOST, 8, 1));
    let mm1 = spoke.poll_transmit().and_then(wire).expect("MM1");
    assert!(spoke.poll_transmit().is_none());
    deliver(&mut hub, now, mm1);
    let mm2 = hub.poll_transmit().and_then(wire).expect("MM2");
    assert!(hub.poll_transmit().is_none());
    deliver(&mut spoke, now, mm2);
    let rows = hub.engine().ike_sa_rows();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].state, "MM_SA_SETUP");
    while let Some(e) = hub.poll_event() {
        assert!(
            !matches!(e, GatewayEvent::Engine(Event::IkeSaUp(_))),
            "phase 1 done before the move: {e:?}"
        );
    }

    // The hub moves to a worker thread, which runs it until told to stop:
    // every datagram in, every answer out, and an echo responder inside.
    let (to_hub, hub_rx) = mpsc::channel::<Wire>();
    let (hub_tx, from_hub) = mpsc::channel::<Wire>();
    let main_thread = std::thread::current().id();
    let worker = std::thread::spawn(move || {
        assert_ne!(std::thread::current().id(), main_thread);
        let mut established = false;
        while let Ok(w) = hub_rx.recv_timeout(Duration::from_secs(20)) {
            if !deliver(&mut hub, now, w) {
                break;
            }
            while let Some(p) = hub.poll_inside() {
                if is_echo(&p, SPOKE_HOST, HUB_HOST, 8) {
                    hub.handle_inside(now, &icmp(HUB_HOST, SPOKE_HOST, 0, 1));
                }
            }
            while let Some(t) = hub.poll_transmit() {
                if let Some(w) = wire(t) {
                    hub_tx.send(w).unwrap();
                }
            }
            while let Some(e) = hub.poll_event() {
                established |= matches!(e, GatewayEvent::Engine(Event::IkeSaUp(_)));
            }
        }
        (hub, established)
    });

    // This thread keeps the spoke: MM3 on, until the echo reply is back.
    let mut replies = Vec::new();
    while replies.is_empty() {
        while let Some(t) = spoke.poll_transmit() {
            if let Some(w) = wire(t) {
                to_hub.send(w).unwrap();
            }
        }
        let w = from_hub
            .recv_timeout(Duration::from_secs(20))
            .expect("the hub on its worker thread answered");
        deliver(&mut spoke, now, w);
        while let Some(p) = spoke.poll_inside() {
            replies.push(p);
        }
    }
    assert!(is_echo(&replies[0], HUB_HOST, SPOKE_HOST, 0));

    to_hub.send(Wire::Done).unwrap();
    let (hub, established) = worker.join().unwrap();
    assert!(established, "phase 1 completed on the worker thread");
    let isakmp = hub.show("show crypto isakmp sa", now).unwrap();
    assert!(isakmp.contains("QM_IDLE"), "{isakmp}");
    let ipsec = hub.show("show crypto ipsec sa", now).unwrap();
    assert!(ipsec.contains("#pkts decaps: 1"), "{ipsec}");
    assert!(ipsec.contains("#pkts encaps: 1"), "{ipsec}");
}
