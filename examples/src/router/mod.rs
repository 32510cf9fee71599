//! A router: one [`Gateway`] driven by real sockets and a clock. It owns
//! the outside sockets, the inside (a TUN device, the echo responder, or
//! nothing), an optional ping generator, and runs the loop that feeds the
//! Gateway its inputs and carries out its outputs.

use std::io::Write;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::Sender;
use std::time::Duration;

use ike_policy::gateway::KEYLOG_HEADER;
use ike_policy::{Config, Gateway};
use ike_proto::engine::IkeSaId;
use ike_proto::time::Instant;

use crate::clock::MonotonicClock;
use crate::data_plane::DataPlaneThreads;
use crate::inside_echo::InsideEcho;
use crate::io::{Ask, Input, OutsideSockets};
use crate::outside::{Follower, Readers};
use crate::raw_esp::RawEsp;
use crate::traffic::{PingPlan, Pinger};

mod console;
mod lifecycle;
mod run;
mod views;

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
    ///
    /// [`outside::FOLLOW_EVERY_MS`]: crate::outside::FOLLOW_EVERY_MS
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
    ///
    /// [`GatewayEvent::KeyLog`]: ike_policy::GatewayEvent::KeyLog
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
}
