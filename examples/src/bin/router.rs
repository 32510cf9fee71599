//! `router`: one ikesuite Gateway on real UDP sockets, configured by an IOS
//! configuration file.
//!
//! ```text
//! router --config hub.cfg --outside-addr 127.0.0.1 --ike-port 10500 --natt-port 14500 \
//!        --force-encaps --inside-echo
//! router --config vpnclient.cfg --outside-addr 127.0.0.3 --ike-port 10500 --natt-port 14500 \
//!        --force-encaps --ping 10.1.1.1 --from assigned
//! ```
//!
//! IOS exec commands (`show crypto isakmp sa`, `sh cry ips sa`, `show
//! crypto session`, `clear crypto sa peer A`, `debug crypto isakmp`,
//! `undebug all` ...; see `Gateway::exec`), plus `counters` and `quit`, are
//! read on stdin (with a `Hub#` prompt when stdin is a terminal) and, with
//! `--control-socket PATH`, from a Unix socket (mode 0600) that
//!
//! ```text
//! router exec [--socket PATH] 'show crypto isakmp sa'
//! ```
//!
//! talks to: it prints the command's output and exits with its status (0
//! ran, 1 refused, 2 did not parse). The show views are printed at exit
//! and every `--show-every` seconds. SIGTERM, SIGINT and `quit` print the
//! views, send a Delete for every IPsec and IKE SA and exit 0 (a run that
//! ends by itself, `--run-for` or the pings done, leaves the SAs up).
//! `configure replace FILE` (stdin or the socket) and SIGHUP (the
//! `--config` file again) swap a configuration in live: the tunnels it
//! does not change stay up, the others are deleted with Deletes and
//! negotiate again; a file that does not read or parse changes nothing.
//! A new static `ip address` on the crypto interface moves the outside
//! address (sockets bound there first, every SA negotiated again), unless
//! `--outside-addr A` fixes it; `--outside-addr dhcp` follows the address
//! the host sends from towards the peer, as an `ip address dhcp` lease
//! that changes. The
//! negotiation is logged on stderr in IOS's debug vocabulary
//! (`IKESUITE_LOG=info` quietens it). `--threads N` runs the data plane
//! (ESP seal and open) on N threads, the SAs sharded by SPI
//! (`Gateway::split_data_plane`); IKE, the views and the inside stay on
//! the main loop.

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::mpsc::channel;
use std::sync::{Arc, atomic::AtomicBool};

use clap::Parser;
use examples::clock::MonotonicClock;
use examples::inside_echo::InsideEcho;
use examples::io::{OutsideSockets, spawn_stdin_reader, spawn_terminal_reader};
use examples::os_rng::OsRng;
use examples::raw_esp::RawEsp;
use examples::router::{Exit, Inside, Router, RunLimits, create_keylog};
use examples::traffic::{PingPlan, Pinger};
use examples::{logger, net};
use ike_policy::{Gateway, GatewayOptions};
use ike_proto::time::Instant;
use log::LevelFilter;

/// An IKEv1/IPsec router (hub or spoke) configured in IOS syntax.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// The IOS configuration file.
    #[arg(long)]
    config: PathBuf,
    /// The outside address (required when the outside interface says `ip
    /// address dhcp`; overrides a static one), or `dhcp`: the address the
    /// host sends from towards the first `set peer` (or ezvpn `peer`),
    /// followed while the router runs (looked at every 2 s and on SIGHUP;
    /// when it moves, every SA negotiates again from the new address).
    #[arg(long, value_name = "A|dhcp", value_parser = parse_outside)]
    outside_addr: Option<OutsideAddr>,
    /// UDP port of IKE, on both sides.
    #[arg(long, default_value_t = 500)]
    ike_port: u16,
    /// UDP port of NAT traversal (and ESP in UDP), on both sides.
    #[arg(long, default_value_t = 4500)]
    natt_port: u16,
    /// Answer ICMP echo and UDP echo (port 7) for the inside LAN.
    #[arg(long, conflicts_with = "tun")]
    inside_echo: bool,
    /// Connect the inside to this Linux TUN device (root).
    #[arg(long, value_name = "NAME")]
    tun: Option<String>,
    /// Always carry ESP in UDP on the NAT-T port and open no raw ESP
    /// socket. Without it the router carries raw ESP (IP protocol 50) when
    /// it may open a raw socket (root / CAP_NET_RAW), and forces UDP
    /// encapsulation when it may not.
    #[arg(long)]
    force_encaps: bool,
    /// Write every IKE SA's and IPsec SA's keys to FILE (mode 0600) as
    /// Wireshark decryption tables (`capture.sh show --keys FILE`). The
    /// file holds every secret of the traffic.
    #[arg(long, value_name = "FILE")]
    keylog: Option<PathBuf>,
    /// Print the show views every SECS seconds.
    #[arg(long, value_name = "SECS")]
    show_every: Option<u64>,
    /// Stop after SECS seconds.
    #[arg(long, value_name = "SECS")]
    run_for: Option<u64>,
    /// Send ICMP echo requests to this inside address of the peer's LAN.
    #[arg(long, value_name = "DST", requires = "from")]
    ping: Option<Ipv4Addr>,
    /// Source address of the echo requests (on our inside LAN), or
    /// `assigned`: the address an Easy VPN hub gives by Mode Config.
    #[arg(long, value_name = "SRC", requires = "ping", value_parser = parse_source)]
    from: Option<PingSource>,
    /// Echo requests to send.
    #[arg(long, default_value_t = 5)]
    count: u16,
    /// Milliseconds between echo requests.
    #[arg(long, default_value_t = 500)]
    interval_ms: u64,
    /// Refuse a configuration that draws any warning (an unknown command,
    /// IOS the suite does not carry out, crypto map numbering IOS breaks
    /// on) instead of printing the warnings and going on.
    #[arg(long)]
    strict: bool,
    /// Run the data plane (ESP seal and open) on N threads, the SAs sharded
    /// by SPI; IKE, the views and the inside stay on the main loop. 0 (the
    /// default): the main loop does it all.
    #[arg(long, value_name = "N", default_value_t = 0)]
    threads: usize,
    /// Listen for `router exec` on this Unix socket (mode 0600).
    #[arg(long, value_name = "PATH")]
    control_socket: Option<PathBuf>,
    /// Log level when IKESUITE_LOG is not set (debug shows the negotiation).
    #[arg(long, default_value = "debug", value_parser = parse_level)]
    log: LevelFilter,
}

/// `--outside-addr`.
#[derive(Debug, Clone, Copy)]
enum OutsideAddr {
    /// This address, whatever the configuration says.
    Fixed(Ipv4Addr),
    /// The route's source address towards the peer, followed.
    Dhcp,
}

fn parse_outside(s: &str) -> Result<OutsideAddr, String> {
    if s == "dhcp" {
        return Ok(OutsideAddr::Dhcp);
    }
    s.parse()
        .map(OutsideAddr::Fixed)
        .map_err(|_| format!("{s:?} is neither an IPv4 address nor 'dhcp'"))
}

/// Where echo requests come from.
#[derive(Debug, Clone, Copy)]
enum PingSource {
    /// A fixed inside address.
    Address(Ipv4Addr),
    /// The Easy VPN Mode Config address, once assigned.
    Assigned,
}

fn parse_source(s: &str) -> Result<PingSource, String> {
    if s == "assigned" {
        return Ok(PingSource::Assigned);
    }
    s.parse()
        .map(PingSource::Address)
        .map_err(|_| format!("{s:?} is neither an IPv4 address nor 'assigned'"))
}

/// The first IPv4 address of a host name, by the system's resolver.
fn resolve_ipv4(name: &str) -> Option<Ipv4Addr> {
    use std::net::{SocketAddr, ToSocketAddrs};
    (name, 0).to_socket_addrs().ok()?.find_map(|a| match a {
        SocketAddr::V4(v4) => Some(*v4.ip()),
        SocketAddr::V6(_) => None,
    })
}

fn parse_level(s: &str) -> Result<LevelFilter, String> {
    s.parse()
        .map_err(|_| format!("{s:?} is not one of off, error, warn, info, debug, trace"))
}

/// `router exec`: one IOS exec line to a running router.
#[derive(Parser, Debug)]
#[command(name = "router exec")]
struct ExecArgs {
    /// The router's control socket (its `--control-socket`).
    #[arg(long, default_value = examples::control::DEFAULT_SOCKET)]
    socket: PathBuf,
    /// The command, e.g. `show crypto isakmp sa` (several words are
    /// joined by spaces).
    #[arg(required = true, num_args = 1..)]
    command: Vec<String>,
}

fn exec_main(args: &ExecArgs) -> ExitCode {
    match examples::control::exec(&args.socket, &args.command.join(" ")) {
        Ok((status, text)) => {
            print!("{text}");
            ExitCode::from(status)
        }
        Err(e) => {
            eprintln!("router exec: {e}");
            ExitCode::from(3)
        }
    }
}

fn main() -> ExitCode {
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if argv.get(1).is_some_and(|a| a == "exec") {
        let rest = std::iter::once(argv[0].clone()).chain(argv.into_iter().skip(2));
        return exec_main(&ExecArgs::parse_from(rest));
    }
    let args = Args::parse();
    match run(&args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("router: {e}");
            ExitCode::from(2)
        }
    }
}

/// Reads and parses a configuration file (`--strict`: warnings are
/// errors) and resolves its `set peer NAME`s (the library does no I/O: the
/// router resolves names as it reads a file). The warnings, to print once
/// the logger is up.
fn load_config(path: &Path, strict: bool) -> Result<(ike_policy::Config, Vec<String>), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let parse_options = ike_policy::ParseOptions::default().with_strict(strict);
    let parsed = ike_policy::parse_with(&text, &parse_options)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let mut config = parsed.config;
    let mut warnings: Vec<String> = parsed
        .warnings
        .iter()
        .map(|w| format!("% {}: {w}", path.display()))
        .collect();
    for unresolved in config.resolve_peer_hostnames(resolve_ipv4) {
        warnings.push(format!(
            "% set peer {unresolved}: the name does not resolve to an IPv4 address"
        ));
    }
    for w in &warnings {
        // Before the logger is up (at start) these are dropped, and
        // printed by the caller.
        log::warn!("{w}");
    }
    Ok((config, warnings))
}

fn run(args: &Args) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let (config, warnings) = load_config(&args.config, args.strict)?;
    let name = config.hostname.clone().unwrap_or_else(|| "Router".into());
    logger::init(
        logger::level_from_env(args.log),
        &name,
        logger::Stream::Stderr,
    );
    for w in &warnings {
        log::warn!("{w}");
    }

    let lan = net::inside_network(&config);
    let follow =
        match args.outside_addr {
            Some(OutsideAddr::Dhcp) => Some(net::first_peer(&config).ok_or(
                "--outside-addr dhcp: the configuration has no `set peer` to route towards",
            )?),
            _ => None,
        };
    let outside_addr = match args.outside_addr {
        Some(OutsideAddr::Fixed(a)) => Some(a),
        Some(OutsideAddr::Dhcp) => {
            let peer = follow.unwrap_or(Ipv4Addr::UNSPECIFIED);
            let a = examples::outside::route_source(peer)
                .ok_or_else(|| format!("--outside-addr dhcp: no route to {peer}"))?;
            log::info!("outside address {a}: the route to {peer} leaves from it (followed)");
            Some(a)
        }
        None => None,
    };
    let raw_esp = open_raw_esp(args, outside_addr, &config);
    let keylog = args
        .keylog
        .as_deref()
        .map(|p| create_keylog(p).map_err(|e| format!("--keylog {}: {e}", p.display())))
        .transpose()?;
    let options = GatewayOptions {
        outside_addr,
        ike_port: args.ike_port,
        natt_port: args.natt_port,
        force_udp_encapsulation: raw_esp.is_none(),
        keylog: keylog.is_some(),
        ..GatewayOptions::default()
    };
    let gateway = Gateway::new(config, options, &mut OsRng)?;
    let sockets =
        OutsideSockets::bind(gateway.ike_endpoint(), gateway.natt_endpoint()).map_err(|e| {
            format!(
                "bind {} / {}: {e}",
                gateway.ike_endpoint(),
                gateway.natt_endpoint()
            )
        })?;
    log::info!(
        "outside {} ({}, crypto map {}): IKE on {}, NAT-T on {}",
        gateway.outside_addr(),
        gateway.outside_interface(),
        gateway.crypto_map_name(),
        sockets.ike_addr(),
        sockets.natt_addr()
    );

    if gateway.is_ezvpn_client() {
        log::info!(
            "Easy VPN Remote: connecting to the hub through {}",
            gateway.outside_interface()
        );
    }
    let (tx, rx) = channel();
    let stop = Arc::new(AtomicBool::new(false));
    // SIGINT / SIGTERM: leave the loop, print the views and counters, exit.
    // SIGHUP: reread the configuration file (`configure replace` of it).
    let reload = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, Arc::clone(&stop))?;
    }
    signal_hook::flag::register(signal_hook::consts::SIGHUP, Arc::clone(&reload))?;
    sockets.spawn_readers(&tx, &stop)?;
    if let Some(raw) = &raw_esp {
        raw.spawn_reader(&tx, &stop)?;
    }
    let inside = if args.inside_echo {
        let lan = lan.ok_or("--inside-echo: no inside interface with a static `ip address`")?;
        log::info!("inside: echo responder for {}/{}", lan.addr, lan.mask);
        Inside::Echo(InsideEcho::new(lan))
    } else if let Some(dev) = &args.tun {
        open_tun(dev, tx.clone())?
    } else {
        Inside::Nothing
    };
    // A terminal gets the line editor; a pipe (tests, scripts) plain lines.
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stdin());
    let console = if terminal {
        Some(spawn_terminal_reader(tx.clone())?)
    } else {
        spawn_stdin_reader(tx.clone())?;
        None
    };
    let control = args
        .control_socket
        .as_deref()
        .map(|p| {
            examples::control::ControlSocket::listen(p, tx.clone())
                .map_err(|e| format!("--control-socket {}: {e}", p.display()))
        })
        .transpose()?;
    if let Some(c) = &control {
        log::info!(
            "control socket {} (router exec --socket {})",
            c.path().display(),
            c.path().display()
        );
    }

    let clock = MonotonicClock::new();
    let mut router = Router::new(name, gateway, sockets, inside, clock);
    // `configure replace FILE` and SIGHUP read files as the start did.
    // A file's `ip address` moves the outside address only without
    // `--outside-addr` (a fixed one stays; `dhcp` follows the route).
    let strict = args.strict;
    router.set_config_source(
        args.config.clone(),
        Box::new(move |path| load_config(path, strict).map(|(config, _)| config)),
        args.outside_addr.is_some(),
    );
    router.set_readers(examples::outside::Readers {
        tx: tx.clone(),
        stop: Arc::clone(&stop),
    });
    if let Some(peer) = follow {
        router.follow_route_to(peer);
    }
    if let Some(raw) = raw_esp {
        router.set_raw_esp(raw);
    }
    if args.threads > 0 {
        router
            .split_data_plane(args.threads, tx.clone())
            .map_err(|e| format!("--threads {}: {e}", args.threads))?;
        log::info!("data plane on {} threads", args.threads);
    }
    if let Some(file) = keylog {
        log::warn!(
            "key log {}: every IKE and IPsec key of this run is written there",
            args.keylog.as_deref().unwrap_or(Path::new("")).display()
        );
        router.set_keylog(Box::new(file));
    }
    if let (Some(dst), Some(from)) = (args.ping, args.from) {
        let plan = |src| PingPlan {
            src,
            dst,
            ident: u16::try_from(std::process::id() & 0xffff).unwrap_or(1),
            count: args.count,
            interval_ms: args.interval_ms,
            wait_ms: 5000,
            size: 56,
        };
        match from {
            PingSource::Address(src) => router.set_pinger(Pinger::new(plan(src))),
            PingSource::Assigned => {
                if !router.gateway().is_ezvpn_client() {
                    return Err("--from assigned: the configuration is no ezvpn client".into());
                }
                router.set_pinger_from_assigned(plan(Ipv4Addr::UNSPECIFIED));
            }
        }
    }
    let limits = RunLimits {
        until: args
            .run_for
            .map(|s| Instant::from_millis(clock.now().as_millis() + s * 1000)),
        until_ping_done: args.ping.is_some() && args.run_for.is_none(),
        show_every_ms: args.show_every.map(|s| s * 1000),
        stop: Some(Arc::clone(&stop)),
        reload: Some(reload),
    };
    if let Some(console) = console {
        router.set_console(console);
    }
    let exit = router.run(&rx, &limits);
    log::info!("stopping: {exit:?}");
    // The views as they stood, then the SAs go.
    print!("{}", router.show_views());
    // Stopped by the operator (SIGTERM, SIGINT, `quit`): tell the peers.
    // A run that ends by itself (--run-for, the pings done) leaves its
    // SAs to their lifetimes, so the peer's views still show the tunnel.
    if matches!(exit, Exit::Stopped | Exit::Quit) {
        let (children, ike) = router.shutdown();
        log::info!("sent Delete for {children} IPsec SAs and {ike} IKE SAs");
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    drop(control);

    println!("{}", router.counters_line());
    if let Some(echo) = router.inside_echo() {
        let c = echo.counters();
        println!(
            "{}: inside echo: {} ICMP echo replies, {} UDP echoes, {} ignored, {} malformed",
            router.name(),
            c.icmp_echoed,
            c.udp_echoed,
            c.ignored,
            c.malformed
        );
    }
    if let Some(p) = router.pinger() {
        let plan = p.plan();
        println!("--- {} ping statistics (from {}) ---", plan.dst, plan.src);
        println!("{}", p.stats());
        if p.stats().received == 0 {
            return Ok(ExitCode::FAILURE);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The raw ESP socket on the outside address, unless `--force-encaps`;
/// `None` means the Gateway must force UDP encapsulation, which is said
/// here, once, at start.
fn open_raw_esp(
    args: &Args,
    outside_addr: Option<Ipv4Addr>,
    config: &ike_policy::Config,
) -> Option<RawEsp> {
    if args.force_encaps {
        log::info!("--force-encaps: ESP always in UDP on the NAT-T port (RFC 3948)");
        return None;
    }
    // Without an address Gateway::new reports the missing one.
    let local = outside_addr.or_else(|| net::outside_address(config))?;
    match RawEsp::open(local) {
        Ok(raw) => {
            log::info!("raw ESP (IP protocol 50) on {local}");
            Some(raw)
        }
        Err(e) => {
            log::warn!(
                "raw ESP (IP protocol 50) on {local}: {e} (needs root or CAP_NET_RAW): \
                 forcing UDP encapsulation (ESP in UDP, RFC 3948) with every peer; \
                 peers without NAT-T get no IPsec SA"
            );
            None
        }
    }
}

#[cfg(target_os = "linux")]
fn open_tun(
    dev: &str,
    tx: std::sync::mpsc::Sender<examples::io::Input>,
) -> Result<Inside, Box<dyn std::error::Error>> {
    let tun = examples::tun_device::TunDevice::open(dev, None, tx)
        .map_err(|e| format!("--tun {dev}: {e}"))?;
    log::info!("inside: TUN device {dev} (route the peer's LAN into it)");
    Ok(Inside::Tun(tun))
}

#[cfg(not(target_os = "linux"))]
fn open_tun(
    dev: &str,
    _tx: std::sync::mpsc::Sender<examples::io::Input>,
) -> Result<Inside, Box<dyn std::error::Error>> {
    Err(format!("--tun {dev}: TUN devices are supported on Linux only").into())
}
