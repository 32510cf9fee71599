//! `demo`: the whole seed over real UDP sockets on loopback: the hub
//! (127.0.0.1), a LAN-to-LAN spoke (127.0.0.2) and a Cisco VPN client (our
//! Easy VPN Remote, `configs/vpnclient.cfg`, 127.0.0.3: Aggressive Mode as
//! group testgroup, Xauth, Mode Config), unprivileged ports, ESP in UDP
//! (encapsulation forced: UDP sockets carry no raw ESP). The spoke's LAN
//! (10.2.2.2) and the client's Mode Config address ping the hub's LAN
//! (10.1.1.1, answered by the hub's inside echo responder); the
//! negotiation is logged in IOS's debug vocabulary, then every router's
//! show views and counters are printed, all on stdout.
//! Exit status 0 only when the echo replies came back through both
//! tunnels: replies received by the spoke and the client, and ESP sealed
//! and opened on every router.
//!
//! ```text
//! cargo run --release -p examples --bin demo
//! ```

use std::net::Ipv4Addr;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Sender, channel};
use std::sync::{Arc, Barrier};
use std::thread;

use clap::Parser;
use examples::clock::MonotonicClock;
use examples::inside_echo::InsideEcho;
use examples::io::OutsideSockets;
use examples::os_rng::OsRng;
use examples::router::{Exit, Inside, Router, RunLimits};
use examples::traffic::{PingPlan, PingStats, Pinger};
use examples::{logger, net};
use ike_policy::{Gateway, GatewayOptions};
use ike_proto::time::Instant;
use log::LevelFilter;

/// The seed's hub configuration, outside address moved to 127.0.0.1.
const HUB_CFG: &str = include_str!("../../configs/hub.cfg");
/// The seed's spoke configuration, `set peer` and key moved to 127.0.0.1.
const SPOKE_CFG: &str = include_str!("../../configs/spoke.cfg");
/// The address the demo hands the spoke for its `ip address dhcp`.
const SPOKE_OUTSIDE: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);
/// The Easy VPN Remote (its outside address 127.0.0.3 is in the file).
const CLIENT_CFG: &str = include_str!("../../configs/vpnclient.cfg");
/// The hub's inside host both pings go to.
const HUB_LAN_HOST: Ipv4Addr = Ipv4Addr::new(10, 1, 1, 1);

/// The seed's hub and spoke on loopback, with traffic through the tunnel.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// UDP port standing for IKE's 500 on both routers.
    #[arg(long, default_value_t = 10500)]
    ike_port: u16,
    /// UDP port standing for NAT-T's 4500 on both routers.
    #[arg(long, default_value_t = 14500)]
    natt_port: u16,
    /// Echo requests from the spoke's LAN to the hub's LAN.
    #[arg(long, default_value_t = 5)]
    count: u16,
    /// Give up after this many seconds.
    #[arg(long, default_value_t = 20)]
    timeout: u64,
}

/// What one router thread hands back.
struct Report {
    name: String,
    exit: Exit,
    views: String,
    counters: String,
    sealed: u64,
    delivered: u64,
    ping: Option<(PingPlan, PingStats)>,
    /// It was to ping (the client only once Mode Config gave it an address).
    ping_expected: bool,
    echo_replies: u64,
}

/// How a router thread is set up.
struct Role {
    config: &'static str,
    outside: Option<Ipv4Addr>,
    ping: Option<PingPlan>,
    /// Ping from the Mode Config address once the hub assigned it.
    ping_from_assigned: bool,
    deadline_ms: u64,
}

fn main() -> ExitCode {
    let args = Args::parse();
    logger::init(
        logger::level_from_env(LevelFilter::Debug),
        "demo",
        logger::Stream::Stdout,
    );
    let start = MonotonicClock::new();
    let deadline_ms = args.timeout * 1000;

    println!(
        "demo: hub 127.0.0.1, spoke {SPOKE_OUTSIDE} and VPN client 127.0.0.3, UDP {} (IKE) and {} \
         (NAT-T; ESP in UDP, encapsulation forced)",
        args.ike_port, args.natt_port
    );
    let stop = Arc::new(AtomicBool::new(false));
    let hub_ready = Arc::new(Barrier::new(2));
    let (done_tx, done_rx) = channel();

    let hub = spawn_router(
        "Hub",
        Role {
            config: HUB_CFG,
            outside: None,
            ping: None,
            ping_from_assigned: false,
            deadline_ms,
        },
        &args,
        start,
        &stop,
        Some(Arc::clone(&hub_ready)),
        done_tx.clone(),
    );
    hub_ready.wait();
    let ping = |src| PingPlan {
        src,
        dst: HUB_LAN_HOST,
        ident: 0x5eed,
        count: args.count,
        interval_ms: 200,
        wait_ms: 3000,
        size: 56,
    };
    let spoke = spawn_router(
        "Spoke",
        Role {
            config: SPOKE_CFG,
            outside: Some(SPOKE_OUTSIDE),
            ping: Some(ping(Ipv4Addr::new(10, 2, 2, 2))),
            ping_from_assigned: false,
            deadline_ms,
        },
        &args,
        start,
        &stop,
        None,
        done_tx.clone(),
    );
    let client = spawn_router(
        "VPNclient",
        Role {
            config: CLIENT_CFG,
            outside: None,
            ping: Some(ping(Ipv4Addr::UNSPECIFIED)),
            ping_from_assigned: true,
            deadline_ms,
        },
        &args,
        start,
        &stop,
        None,
        done_tx,
    );
    // The spoke and the client end when their pings are done; the hub
    // only at the deadline or on a failure. Two ends stop the rest.
    let _ = done_rx.recv();
    let _ = done_rx.recv();
    stop.store(true, Ordering::Relaxed);
    let reports: Vec<Result<Report, String>> = [hub, spoke, client]
        .into_iter()
        .map(|h| {
            h.join()
                .unwrap_or_else(|_| Err("router thread panicked".into()))
        })
        .collect();

    let mut ok = true;
    let mut lines = Vec::new();
    for r in &reports {
        match r {
            Ok(r) => {
                println!("\n===== {} ({:?}) =====", r.name, r.exit);
                print!("{}", r.views);
                println!("{}", r.counters);
                if r.sealed == 0 || r.delivered == 0 {
                    ok = false;
                    lines.push(format!(
                        "{}: no ESP both ways (encaps {}, decaps {})",
                        r.name, r.sealed, r.delivered
                    ));
                }
                if r.echo_replies > 0 {
                    println!(
                        "{}: inside echo answered {} ICMP echo requests",
                        r.name, r.echo_replies
                    );
                }
                if r.ping_expected && r.ping.is_none() {
                    ok = false;
                    lines.push(format!(
                        "{}: no Mode Config address, nothing pinged",
                        r.name
                    ));
                }
                if let Some((plan, stats)) = &r.ping {
                    println!(
                        "--- {} ping statistics (from {}) ---\n{stats}",
                        plan.dst, plan.src
                    );
                    if stats.received == 0 {
                        ok = false;
                        lines.push(format!("{}: no echo reply came back", r.name));
                    }
                }
            }
            Err(e) => {
                ok = false;
                lines.push(e.clone());
            }
        }
    }
    println!();
    if ok {
        println!(
            "demo: PASS: echo replies came back through both tunnels (ESP sealed and opened on every router)"
        );
        ExitCode::SUCCESS
    } else {
        for l in lines {
            println!("demo: {l}");
        }
        println!("demo: FAIL");
        ExitCode::FAILURE
    }
}

fn spawn_router(
    name: &'static str,
    role: Role,
    args: &Args,
    clock: MonotonicClock,
    stop: &Arc<AtomicBool>,
    ready: Option<Arc<Barrier>>,
    done: Sender<()>,
) -> thread::JoinHandle<Result<Report, String>> {
    let (ike_port, natt_port) = (args.ike_port, args.natt_port);
    let stop = Arc::clone(stop);
    thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            let result = run_router(role, ike_port, natt_port, clock, &stop, ready.as_deref());
            let _ = done.send(());
            result.map_err(|e| format!("{name}: {e}"))
        })
        .expect("spawn a router thread")
}

fn run_router(
    role: Role,
    ike_port: u16,
    natt_port: u16,
    clock: MonotonicClock,
    stop: &Arc<AtomicBool>,
    ready: Option<&Barrier>,
) -> Result<Report, String> {
    // Let the main thread go on even when this router fails to start.
    struct Release<'a>(Option<&'a Barrier>);
    impl Drop for Release<'_> {
        fn drop(&mut self) {
            if let Some(b) = self.0 {
                b.wait();
            }
        }
    }
    let release = Release(ready);

    let config = ike_policy::parse(role.config).map_err(|e| e.to_string())?;
    let name = config.hostname.clone().unwrap_or_default();
    let lan = net::inside_network(&config).ok_or("no inside interface")?;
    let options = GatewayOptions {
        outside_addr: role.outside,
        ike_port,
        natt_port,
        force_udp_encapsulation: true,
        ..GatewayOptions::default()
    };
    let gateway = Gateway::new(config, options, &mut OsRng).map_err(|e| e.to_string())?;
    let sockets = OutsideSockets::bind(gateway.ike_endpoint(), gateway.natt_endpoint())
        .map_err(|e| format!("bind {}: {e}", gateway.ike_endpoint()))?;
    let (tx, rx) = channel();
    let readers_stop = Arc::new(AtomicBool::new(false));
    sockets
        .spawn_readers(&tx, &readers_stop)
        .map_err(|e| e.to_string())?;
    drop(tx);
    log::info!(
        "outside {} ({}), inside {}/{}: up",
        gateway.outside_addr(),
        gateway.outside_interface(),
        lan.addr,
        lan.mask
    );
    let mut router = Router::new(
        name,
        gateway,
        sockets,
        Inside::Echo(InsideEcho::new(lan)),
        clock,
    );
    match role.ping {
        Some(plan) if role.ping_from_assigned => router.set_pinger_from_assigned(plan),
        Some(plan) => router.set_pinger(Pinger::new(plan)),
        None => {}
    }
    drop(release);

    let limits = RunLimits {
        until: Some(Instant::from_millis(role.deadline_ms)),
        until_ping_done: role.ping.is_some(),
        show_every_ms: None,
        stop: Some(Arc::clone(stop)),
        reload: None,
    };
    let exit = router.run(&rx, &limits);
    readers_stop.store(true, Ordering::Relaxed);
    let g = router.gateway_counters();
    Ok(Report {
        name: router.name().to_owned(),
        exit,
        views: router.show_views(),
        counters: router.counters_line(),
        sealed: g.sealed,
        delivered: g.delivered,
        ping: router.pinger().map(|p| (*p.plan(), p.stats())),
        ping_expected: role.ping.is_some(),
        echo_replies: router.inside_echo().map_or(0, |e| e.counters().icmp_echoed),
    })
}
