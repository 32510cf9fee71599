//! A router: one [`Gateway`] driven by real sockets and a clock. It owns
//! the outside sockets, the inside (a TUN device, the echo responder, or
//! nothing), an optional ping generator, and runs the loop that feeds the
//! Gateway its inputs and carries out its outputs.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::Duration;

use std::io::Write;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

use ike_policy::gateway::{DropReason, ExecAction, GatewayCounters, KEYLOG_HEADER, KeyLogLine};
use ike_policy::{Config, Gateway, GatewayEvent, Transmit};
use ike_proto::engine::{Event, IkeSaId};
use ike_proto::policy::XauthPassword;
use ike_proto::time::Instant;

use crate::clock::MonotonicClock;
use crate::data_plane::{DataPlaneThreads, WorkerInput};
use crate::inside_echo::InsideEcho;
use crate::io::{Ask, Input, OutsideSockets};
use crate::outside::{self, Follower, Readers};
use crate::raw_esp::RawEsp;
use crate::traffic::{PingPlan, Pinger};

/// The longest the loop sleeps without looking at its limits.
const MAX_WAIT: Duration = Duration::from_millis(250);

/// The show commands printed on request and at exit.
pub const SHOW_VIEWS: [&str; 2] = ["show crypto isakmp sa detail", "show crypto ipsec sa"];

/// Creates (or truncates) a key-log file readable by its owner only
/// (mode 0600: it holds every key of the traffic) and writes its
/// [`KEYLOG_HEADER`] line.
pub fn create_keylog(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    // An existing file keeps its mode through open(): narrow it too.
    #[cfg(unix)]
    file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    writeln!(file, "{KEYLOG_HEADER}")?;
    file.flush()?;
    Ok(file)
}

/// Where decapsulated packets go.
#[derive(Debug)]
pub enum Inside {
    /// The built-in responder for the inside LAN.
    Echo(InsideEcho),
    /// A Linux TUN device.
    #[cfg(target_os = "linux")]
    Tun(crate::tun_device::TunDevice),
    /// Nowhere (counted and dropped).
    Nothing,
}

/// What the router did besides the Gateway's own counting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RouterCounters {
    /// Datagrams received on the outside sockets.
    pub datagrams_in: u64,
    /// Datagrams sent.
    pub datagrams_out: u64,
    /// Sends that failed.
    pub send_errors: u64,
    /// Raw ESP (IP protocol 50) the Gateway asked for with no raw socket
    /// open (the Gateway is then told to force UDP encapsulation, so this
    /// stays 0 unless it was built otherwise).
    pub raw_esp_unsent: u64,
    /// Raw ESP packets received for our address and given to the Gateway.
    pub raw_esp_in: u64,
    /// Raw ESP packets sent.
    pub raw_esp_out: u64,
    /// Unprotected inside packets the Gateway would route in clear; this
    /// router has no clear path, so they are dropped.
    pub clear_unrouted: u64,
    /// Decapsulated packets handed to the inside.
    pub inside_delivered: u64,
}

/// When [`Router::run`] returns.
#[derive(Clone, Debug, Default)]
pub struct RunLimits {
    /// Return at this instant.
    pub until: Option<Instant>,
    /// Return when the ping generator is done.
    pub until_ping_done: bool,
    /// Print the show views this often (milliseconds).
    pub show_every_ms: Option<u64>,
    /// Return when this is set (by another thread).
    pub stop: Option<Arc<AtomicBool>>,
    /// Reread the configuration file ([`Router::set_config_source`]) when
    /// this is set (SIGHUP), then clear it.
    pub reload: Option<Arc<AtomicBool>>,
}

/// Why [`Router::run`] returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// The operator typed `quit`.
    Quit,
    /// [`RunLimits::until`] passed.
    Deadline,
    /// The ping generator finished.
    PingDone,
    /// [`RunLimits::stop`] was set.
    Stopped,
    /// Every input source is gone.
    Disconnected,
}

/// What an exec line came to.
#[derive(Debug)]
pub enum ExecReply {
    /// Its exit status (0 ran, 1 refused, 2 did not parse) and text.
    Done(u8, String),
    /// `crypto ipsec client ezvpn xauth`: ask the operator `Username:` and
    /// `Password:` and hand them to [`Router::xauth_credentials`] for
    /// this IKE SA.
    XauthCredentials(IkeSaId),
}

/// The console's `crypto ipsec client ezvpn xauth` between its two
/// questions.
#[derive(Debug)]
struct ConsoleXauth {
    ike_sa: IkeSaId,
    /// The answer to `Username:`, once given.
    user: Option<String>,
}

/// One router.
pub struct Router {
    name: String,
    gateway: Gateway,
    sockets: Arc<OutsideSockets>,
    raw_esp: Option<Arc<RawEsp>>,
    /// `--threads N`: the data plane's threads.
    plane: Option<DataPlaneThreads>,
    keylog: Option<Box<dyn Write + Send>>,
    inside: Inside,
    pinger: Option<Pinger>,
    /// A ping plan waiting for the Easy VPN hub's Mode Config address,
    /// its source.
    pinger_from_assigned: Option<PingPlan>,
    clock: MonotonicClock,
    counters: RouterCounters,
    /// Stdin is a terminal: print a `Name#` prompt, align carets to it.
    prompt: bool,
    /// The file the router started from and how to read a configuration
    /// file (`configure replace`, SIGHUP).
    config_source: Option<(PathBuf, ConfigLoader)>,
    /// `--outside-addr` was given: a configuration's `ip address` does not
    /// move the outside address.
    outside_fixed: bool,
    /// Where the readers of sockets bound on a new outside address send;
    /// without it the outside address cannot move.
    readers: Option<Readers>,
    /// `--outside-addr dhcp`: the route whose source address the outside
    /// address follows.
    follower: Option<Follower>,
    /// The console is answering `Username:` / `Password:`.
    console_xauth: Option<ConsoleXauth>,
    /// The terminal console ([`Router::set_console`]), told what to ask
    /// next.
    console: Option<Sender<Ask>>,
}

/// Reads and parses a configuration file as the router did at start (its
/// `--strict`, its `set peer NAME` resolution); the error is the line to
/// print.
pub type ConfigLoader = Box<dyn FnMut(&Path) -> Result<Config, String> + Send>;

impl std::fmt::Debug for Router {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Router")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl Router {
    /// A router around a built Gateway and its bound sockets.
    pub fn new(
        name: impl Into<String>,
        gateway: Gateway,
        sockets: OutsideSockets,
        inside: Inside,
        clock: MonotonicClock,
    ) -> Self {
        Self {
            name: name.into(),
            gateway,
            sockets: Arc::new(sockets),
            raw_esp: None,
            plane: None,
            keylog: None,
            inside,
            pinger: None,
            pinger_from_assigned: None,
            clock,
            counters: RouterCounters::default(),
            prompt: false,
            config_source: None,
            outside_fixed: false,
            readers: None,
            follower: None,
            console_xauth: None,
            console: None,
        }
    }

    /// Lets the outside address move ([`Router::configure_replace`] with a
    /// new `ip address`, [`Router::follow_route_to`]): sockets bound on a
    /// new address get readers sending to `readers`.
    pub fn set_readers(&mut self, readers: Readers) {
        self.readers = Some(readers);
    }

    /// `--outside-addr dhcp`: every [`outside::FOLLOW_EVERY_MS`] (and on
    /// SIGHUP) the router looks at the address the host sends from
    /// towards `peer` and, when it changed, moves there: every SA is
    /// deleted (Deletes sent from the old address while it still works)
    /// and negotiates again from the new one. Needs [`Router::set_readers`].
    pub fn follow_route_to(&mut self, peer: Ipv4Addr) {
        self.follower = Some(Follower::new(peer));
    }

    /// `configure replace FILE` and SIGHUP ([`RunLimits::reload`], which
    /// rereads `startup`) read files with `loader`. Without it `configure
    /// replace` is refused. `outside_fixed`: the Gateway was given its
    /// outside address (`--outside-addr`), which a file's `ip address`
    /// does not change.
    pub fn set_config_source(
        &mut self,
        startup: PathBuf,
        loader: ConfigLoader,
        outside_fixed: bool,
    ) {
        self.config_source = Some((startup, loader));
        self.outside_fixed = outside_fixed;
    }

    /// Carries raw ESP on this socket (its reader must feed the same
    /// channel as the UDP sockets).
    pub fn set_raw_esp(&mut self, raw: RawEsp) {
        self.raw_esp = Some(Arc::new(raw));
    }

    /// Runs the Gateway's data plane on `threads` threads
    /// (`Gateway::split_data_plane`): ESP goes to the thread owning its
    /// SPI, inside packets to the one owning their SA; IKE, the views and
    /// the inside stay on the loop, to which the threads hand what they
    /// open (through `main`, the loop's own channel). Call it after
    /// [`Router::set_raw_esp`].
    pub fn split_data_plane(&mut self, threads: usize, main: Sender<Input>) -> Result<(), String> {
        let workers = self
            .gateway
            .split_data_plane(threads)
            .map_err(|e| e.to_string())?;
        let plane = DataPlaneThreads::spawn(
            workers,
            Arc::clone(&self.sockets),
            self.raw_esp.clone(),
            main,
            self.clock,
        )
        .map_err(|e| format!("data-plane threads: {e}"))?;
        self.plane = Some(plane);
        Ok(())
    }

    /// Writes the Gateway's key-log lines ([`GatewayEvent::KeyLog`], given
    /// only when it was built with `GatewayOptions::keylog`) to `out`,
    /// which [`create_keylog`] opened.
    pub fn set_keylog(&mut self, out: Box<dyn Write + Send>) {
        self.keylog = Some(out);
    }

    /// Adds a ping generator whose requests enter the Gateway as inside
    /// packets and whose replies are taken out of the decapsulated ones.
    pub fn set_pinger(&mut self, pinger: Pinger) {
        self.pinger = Some(pinger);
    }

    /// Adds a ping generator that starts once the Gateway (an Easy VPN
    /// Remote) has its Mode Config address, and sends from it (the plan's
    /// `src` is replaced).
    pub fn set_pinger_from_assigned(&mut self, plan: PingPlan) {
        self.pinger_from_assigned = Some(plan);
    }

    /// Reads the operator's lines from a terminal console
    /// ([`crate::io::spawn_terminal_reader`]): the `Name#` prompt with
    /// line editing and history, asked through `console` each time the
    /// previous line is answered.
    pub fn set_console(&mut self, console: Sender<Ask>) {
        self.console = Some(console);
        self.prompt = true;
        self.print_prompt();
    }

    fn print_prompt(&self) {
        self.ask(Ask::Line(format!("{}#", self.name)));
    }

    /// Asks the operator: through the terminal console, or printed before
    /// the next stdin line.
    fn ask(&self, ask: Ask) {
        match &self.console {
            Some(console) => {
                let _ = console.send(ask);
            }
            None => {
                let (Ask::Line(p) | Ask::Secret(p)) = ask;
                print!("{p}");
                let _ = std::io::stdout().flush();
            }
        }
    }

    /// The name (the configuration's hostname).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The Gateway.
    pub fn gateway(&self) -> &Gateway {
        &self.gateway
    }

    /// The ping generator.
    pub fn pinger(&self) -> Option<&Pinger> {
        self.pinger.as_ref()
    }

    /// The router's counters (the data-plane threads' included).
    pub fn counters(&self) -> RouterCounters {
        let mut c = self.counters;
        if let Some(plane) = &self.plane {
            let io = plane.io();
            let n = |a: &std::sync::atomic::AtomicU64| a.load(Ordering::Relaxed);
            c.datagrams_out += n(&io.datagrams_out);
            c.raw_esp_out += n(&io.raw_esp_out);
            c.send_errors += n(&io.send_errors);
            c.clear_unrouted += n(&io.clear_unrouted);
            c.raw_esp_unsent += n(&io.raw_esp_unsent);
        }
        c
    }

    /// The Gateway's counters.
    pub fn gateway_counters(&self) -> GatewayCounters {
        self.gateway.counters()
    }

    /// The inside echo responder, if that is the inside.
    pub fn inside_echo(&self) -> Option<&InsideEcho> {
        match &self.inside {
            Inside::Echo(e) => Some(e),
            _ => None,
        }
    }

    /// Runs an IOS show command on the live state.
    pub fn show(&self, command: &str) -> String {
        match self.gateway.show(command, self.clock.now()) {
            Ok(text) => text,
            Err(e) => format!("% {e}\n"),
        }
    }

    /// The show views of [`SHOW_VIEWS`], each under a `Name#command` line
    /// as on a router's console.
    pub fn show_views(&self) -> String {
        let mut out = String::new();
        for cmd in SHOW_VIEWS {
            out.push_str(&format!("{}#{cmd}\n", self.name));
            out.push_str(&self.show(cmd));
            if !out.ends_with('\n') {
                out.push('\n');
            }
        }
        out
    }

    /// One line with the counters that tell whether traffic crossed.
    pub fn counters_line(&self) -> String {
        let g = self.gateway.counters();
        let r = self.counters();
        format!(
            "{}: sealed {} delivered {} held {} ike-datagrams {} esp-rejected {} \
             datagrams in/out {}/{} raw-esp in/out {}/{} raw-esp-refused {} send-errors {} raw-esp-unsent {} \
             clear-unrouted {}",
            self.name,
            g.sealed,
            g.delivered,
            g.held,
            g.ike_datagrams,
            g.esp_rejected,
            r.datagrams_in,
            r.datagrams_out,
            r.raw_esp_in,
            r.raw_esp_out,
            g.raw_esp_refused,
            r.send_errors,
            r.raw_esp_unsent,
            r.clear_unrouted
        )
    }

    /// The loop: inputs from `rx` (socket, TUN and stdin threads), the
    /// Gateway's timers, the ping generator's pace, until a limit is met.
    pub fn run(&mut self, rx: &Receiver<Input>, limits: &RunLimits) -> Exit {
        let mut next_show = limits
            .show_every_ms
            .map(|ms| self.clock.now().as_millis() + ms);
        loop {
            let now = self.clock.now();
            self.pump_pinger(now);
            if let Some(exit) = self.limit_reached(now, limits) {
                return exit;
            }
            if limits
                .reload
                .as_ref()
                .is_some_and(|r| r.swap(false, Ordering::Relaxed))
            {
                self.reload(now);
            }
            if let (Some(at), Some(every)) = (next_show, limits.show_every_ms) {
                if now.as_millis() >= at {
                    print!("{}", self.show_views());
                    next_show = Some(now.as_millis() + every);
                }
            }
            self.follow_route(now, false);
            let deadline = [
                self.gateway.poll_timeout(),
                self.pinger.as_ref().and_then(Pinger::poll_timeout),
                self.follower.as_ref().map(Follower::poll_timeout),
                limits.until,
                next_show.map(Instant::from_millis),
            ]
            .into_iter()
            .flatten()
            .min();
            let wait = deadline.map_or(MAX_WAIT, |d| self.clock.until(d).min(MAX_WAIT));
            match rx.recv_timeout(wait) {
                Ok(input) => {
                    if self.handle_input(input) {
                        return Exit::Quit;
                    }
                    // Take whatever else is already queued before sleeping.
                    while let Ok(input) = rx.try_recv() {
                        if self.handle_input(input) {
                            return Exit::Quit;
                        }
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return Exit::Disconnected,
            }
            let now = self.clock.now();
            if self.gateway.poll_timeout().is_some_and(|t| t <= now) {
                self.gateway.handle_timeout(now);
                self.drain(now);
            }
        }
    }

    fn limit_reached(&self, now: Instant, limits: &RunLimits) -> Option<Exit> {
        if limits
            .stop
            .as_ref()
            .is_some_and(|s| s.load(Ordering::Relaxed))
        {
            return Some(Exit::Stopped);
        }
        if limits.until_ping_done
            && self.pinger_from_assigned.is_none()
            && self.pinger.as_ref().is_none_or(|p| p.is_done(now))
        {
            return Some(Exit::PingDone);
        }
        if limits.until.is_some_and(|u| now >= u) {
            return Some(Exit::Deadline);
        }
        None
    }

    fn pump_pinger(&mut self, now: Instant) {
        if let Some(src) = self.gateway.assigned_address() {
            if let Some(mut plan) = self.pinger_from_assigned.take() {
                log::info!("pinging {} from the assigned address {src}", plan.dst);
                plan.src = src;
                self.pinger = Some(Pinger::new(plan));
            }
        }
        while let Some(req) = self.pinger.as_mut().and_then(|p| p.poll_request(now)) {
            self.gateway.handle_inside(now, &req);
            self.drain(now);
        }
    }

    /// Feeds one input; returns whether the operator asked to quit.
    fn handle_input(&mut self, input: Input) -> bool {
        let now = self.clock.now();
        match input {
            Input::Datagram {
                local,
                remote,
                payload,
            } => {
                self.counters.datagrams_in += 1;
                match &self.plane {
                    // ESP in UDP (and the odd IKE) to the SPI's thread.
                    Some(plane) if local.port() == self.sockets.natt_addr().port() => {
                        plane.esp(WorkerInput::Datagram {
                            local,
                            remote,
                            payload,
                        })
                    }
                    _ => self.gateway.handle_datagram(now, local, remote, &payload),
                }
            }
            Input::Esp { remote, payload } => {
                self.counters.raw_esp_in += 1;
                match &self.plane {
                    Some(plane) => plane.esp(WorkerInput::Esp { remote, payload }),
                    None => self.gateway.handle_esp(now, remote, &payload),
                }
            }
            Input::Inner(packet) => match &self.plane {
                Some(plane) => plane.inner(packet),
                None => self.gateway.handle_inside(now, &packet),
            },
            Input::Delivered(packet) => {
                self.counters.inside_delivered += 1;
                self.deliver_inside(now, packet);
            }
            Input::Wake => {
                if self.gateway.poll_timeout().is_some_and(|t| t <= now) {
                    self.gateway.handle_timeout(now);
                }
            }
            Input::Command(line) => return self.command(line, now),
            Input::CommandsClosed => {}
            #[cfg(unix)]
            Input::Exec(request) => {
                let answer = self.exec(&request.line, now);
                let _ = request.reply.send(answer);
            }
            #[cfg(unix)]
            Input::XauthCredentials(c) => {
                let (status, text) = self.xauth_credentials(now, c.ike_sa, c.user, c.password);
                let _ = c.reply.send(ExecReply::Done(status, text));
            }
        }
        self.drain(now);
        false
    }

    fn command(&mut self, line: String, now: Instant) -> bool {
        if let Some(mut asked) = self.console_xauth.take() {
            match asked.user.take() {
                None => {
                    asked.user = Some(line.trim().to_owned());
                    self.console_xauth = Some(asked);
                    self.ask(Ask::Secret("Password: ".into()));
                }
                Some(user) => {
                    let password = XauthPassword::new(line.into_bytes());
                    let (_, text) = self.xauth_credentials(now, asked.ike_sa, user, password);
                    self.print_answer(text);
                }
            }
            return false;
        }
        let line = line.trim();
        if matches!(line, "quit" | "exit" | "q") {
            return true;
        }
        match self.exec(line, now) {
            ExecReply::Done(_, mut text) => {
                if self.prompt && text.contains("% Invalid input detected") {
                    // The caret is aligned to the line as typed, after the prompt.
                    text.insert_str(0, &" ".repeat(self.name.len() + 1));
                }
                self.print_answer(text);
            }
            ExecReply::XauthCredentials(ike_sa) => {
                self.console_xauth = Some(ConsoleXauth { ike_sa, user: None });
                self.ask(Ask::Line("Username: ".into()));
            }
        }
        false
    }

    fn print_answer(&self, text: String) {
        print!("{text}");
        if self.prompt {
            self.print_prompt();
        }
    }

    /// Runs one exec line (the Gateway's IOS exec, plus `counters`) and
    /// carries out what it sent.
    pub fn exec(&mut self, line: &str, now: Instant) -> ExecReply {
        if line.trim() == "counters" {
            return ExecReply::Done(0, format!("{}\n", self.counters_line()));
        }
        let out = self.gateway.exec(line, now);
        let mut text = out.text.clone();
        let mut status = out.exit_code();
        match out.action {
            None => {}
            Some(ExecAction::ConfigureReplace(file)) => {
                let (s, t) = self.configure_replace(&file, now);
                status = s;
                text.push_str(&t);
            }
            Some(ExecAction::XauthCredentials(ike_sa)) => {
                return ExecReply::XauthCredentials(ike_sa);
            }
        }
        self.drain(now);
        ExecReply::Done(status, text)
    }

    /// The operator's answers to `crypto ipsec client ezvpn xauth`, sent to
    /// the hub that asked.
    pub fn xauth_credentials(
        &mut self,
        now: Instant,
        ike_sa: IkeSaId,
        user: String,
        password: XauthPassword,
    ) -> (u8, String) {
        let outcome = self
            .gateway
            .provide_xauth_credentials(now, ike_sa, user, password);
        self.drain(now);
        match outcome {
            Ok(()) => (0, String::new()),
            Err(e) => (1, format!("% {e}\n")),
        }
    }

    /// SIGHUP: `configure replace` of the file the router started from,
    /// the outcome logged.
    fn reload(&mut self, now: Instant) {
        let Some(file) = self.config_source.as_ref().map(|(p, _)| p.clone()) else {
            log::warn!("SIGHUP: no configuration file to reread");
            return;
        };
        let (status, text) = self.configure_replace(&file.to_string_lossy(), now);
        self.drain(now);
        // A DHCP client hook may signal a new lease: look at the route now.
        self.follow_route(now, true);
        for line in text.lines() {
            if status == 0 {
                log::info!("SIGHUP: {line}");
            } else {
                log::warn!("SIGHUP: {line}");
            }
        }
    }

    /// `configure replace FILE`: the file read and parsed as at start, then
    /// swapped in by the Gateway (the SAs it does not change stay up). A
    /// new static `ip address` on the crypto interface (without
    /// `--outside-addr`) moves the outside address: the sockets are bound
    /// there first and every SA negotiates again. A file that does not
    /// read or parse, or whose address the host cannot bind, leaves the
    /// running configuration as it was.
    pub fn configure_replace(&mut self, file: &str, now: Instant) -> (u8, String) {
        let Some((_, loader)) = self.config_source.as_mut() else {
            return (
                1,
                format!("% configure replace {file}: no configuration loader\n"),
            );
        };
        let config = match loader(Path::new(file)) {
            Ok(c) => c,
            Err(e) => return (1, format!("% configure replace {file}: {e}\n")),
        };
        let moved = crate::net::outside_address(&config)
            .filter(|a| !self.outside_fixed && *a != self.gateway.outside_addr());
        let rebound = match moved.map(|a| self.rebind(a)).transpose() {
            Ok(r) => r,
            Err(e) => {
                let a = moved.unwrap_or(Ipv4Addr::UNSPECIFIED);
                return (
                    1,
                    format!("% configure replace {file}: the outside address moves to {a}: {e}\n"),
                );
            }
        };
        match self.gateway.configure_replace(now, config) {
            Ok(report) => {
                // The Deletes leave from the old address, then the
                // sockets move.
                self.drain(now);
                if let Some(r) = rebound {
                    self.swap_outside(r);
                }
                (0, format!("{report}[OK] configure replace {file}\n"))
            }
            Err(e) => (1, format!("% configure replace {file}: {e}\n")),
        }
    }

    /// The outside sockets bound on `address` with their readers, or why
    /// not.
    fn rebind(&self, address: Ipv4Addr) -> Result<outside::Rebound, String> {
        let readers = self
            .readers
            .as_ref()
            .ok_or("this router cannot rebind its sockets")?;
        outside::rebind(&self.sockets, self.raw_esp.is_some(), address, readers)
    }

    fn swap_outside(&mut self, rebound: outside::Rebound) {
        log::info!(
            "outside sockets moved: IKE on {}, NAT-T on {}",
            rebound.sockets.ike_addr(),
            rebound.sockets.natt_addr()
        );
        // The old sockets' readers stop as they drop.
        self.sockets = Arc::new(rebound.sockets);
        if let Some(raw) = rebound.raw_esp {
            self.raw_esp = Some(Arc::new(raw));
        }
        if let Some(plane) = &self.plane {
            plane.rebind(&self.sockets, self.raw_esp.as_ref());
        }
    }

    /// `--outside-addr dhcp`: moves to the route's source address when it
    /// changed (`force`: look now).
    fn follow_route(&mut self, now: Instant, force: bool) {
        let Some(address) = self.follower.as_mut().and_then(|f| f.poll(now, force)) else {
            return;
        };
        if address == self.gateway.outside_addr() {
            return;
        }
        match self.rebind(address) {
            Ok(rebound) => {
                log::info!(
                    "outside address: the route to {} now leaves from {address}",
                    self.follower.map_or(Ipv4Addr::UNSPECIFIED, |f| f.peer())
                );
                self.gateway.set_outside_address(now, address);
                self.drain(now);
                self.swap_outside(rebound);
            }
            Err(e) => log::warn!(
                "outside address {address}: {e}; staying on {}",
                self.gateway.outside_addr()
            ),
        }
    }

    /// Deletes every SA with a Delete to its peer and sends them: the
    /// router is stopping. Says how many IPsec and IKE SAs went.
    pub fn shutdown(&mut self) -> (usize, usize) {
        let now = self.clock.now();
        let gone = self.gateway.shutdown(now);
        self.drain(now);
        gone
    }

    /// Carries out everything the Gateway has to say, including the inside
    /// answers it triggers, until it is quiet.
    fn drain(&mut self, now: Instant) {
        loop {
            let mut busy = false;
            while let Some(t) = self.gateway.poll_transmit() {
                busy = true;
                self.transmit(t);
            }
            while let Some(packet) = self.gateway.poll_inside() {
                busy = true;
                self.counters.inside_delivered += 1;
                self.deliver_inside(now, packet);
            }
            while let Some(ev) = self.gateway.poll_event() {
                busy = true;
                self.event(ev);
            }
            if !busy {
                if self.gateway.take_worker_wake() {
                    if let Some(plane) = &self.plane {
                        plane.wake();
                    }
                }
                return;
            }
        }
    }

    fn transmit(&mut self, t: Transmit) {
        match t {
            Transmit::Udp {
                local,
                remote,
                payload,
            } => match self.sockets.send(local, remote, &payload) {
                Ok(()) => self.counters.datagrams_out += 1,
                Err(e) => {
                    self.counters.send_errors += 1;
                    log::warn!("send {local} -> {remote}: {e}");
                }
            },
            Transmit::Esp {
                remote, payload, ..
            } => match &self.raw_esp {
                Some(raw) => match raw.send(remote, &payload) {
                    Ok(()) => self.counters.raw_esp_out += 1,
                    Err(e) => {
                        self.counters.send_errors += 1;
                        log::warn!("raw ESP to {remote}: {e}");
                    }
                },
                None => {
                    self.counters.raw_esp_unsent += 1;
                    if self.counters.raw_esp_unsent == 1 {
                        log::warn!(
                            "raw ESP to {remote} but no raw socket is open: \
                             run with --force-encaps (ESP in UDP, RFC 3948)"
                        );
                    }
                }
            },
            Transmit::Clear { .. } => self.counters.clear_unrouted += 1,
        }
    }

    fn deliver_inside(&mut self, now: Instant, packet: Vec<u8>) {
        if self
            .pinger
            .as_mut()
            .is_some_and(|p| p.handle_packet(&packet, now))
        {
            return;
        }
        match &mut self.inside {
            Inside::Echo(echo) => {
                if let Some(reply) = echo.answer(&packet) {
                    self.gateway.handle_inside(now, &reply);
                }
            }
            #[cfg(target_os = "linux")]
            Inside::Tun(dev) => {
                if let Err(e) = dev.write_packet(&packet) {
                    log::warn!("TUN write: {e}");
                }
            }
            Inside::Nothing => {}
        }
    }

    fn event(&mut self, ev: GatewayEvent) {
        match ev {
            // The engine already wrote its log lines through `log`.
            GatewayEvent::Engine(Event::Log(_)) => {}
            GatewayEvent::Engine(Event::IkeSaFailed { remote, error, .. }) => {
                log::warn!("phase 1 with {remote} failed: {error:?}");
            }
            GatewayEvent::Engine(Event::XauthCredentialsRequest { .. }) => {
                // IOS's console lines, word for word.
                log::info!("EZVPN: Pending XAuth Request, Please enter the following command:");
                log::info!("EZVPN: crypto ipsec client ezvpn xauth");
            }
            GatewayEvent::Engine(Event::ChildSaFailed { remote, error, .. }) => {
                log::warn!("quick mode with {remote} failed: {error:?}");
            }
            GatewayEvent::SaInstallFailed { child, reason } => {
                log::warn!("child SA {child:?} not installed: {reason}");
            }
            GatewayEvent::Dropped { reason, packets } if reason != DropReason::Malformed => {
                log::info!("dropped {packets} packet(s): {reason:?}");
            }
            GatewayEvent::KeyLog(line) => self.write_keylog(&line),
            other => log::trace!("{other:?}"),
        }
    }

    fn write_keylog(&mut self, line: &KeyLogLine) {
        let Some(out) = self.keylog.as_mut() else {
            return;
        };
        // Flushed at once: the file is read while the router runs.
        let written = writeln!(out, "{}", line.as_str()).and_then(|()| out.flush());
        if let Err(e) = written {
            log::warn!("key log: {e}; no more keys are written");
            self.keylog = None;
        }
    }
}
