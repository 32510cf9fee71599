//! [`Gateway`]: one IPsec node made of a parsed IOS configuration, the
//! ike-proto [`Engine`] (driven through [`IosPolicy`]) and esp-core's SAD and
//! SPD. Sans-IO, like the engine: no socket, no clock, no global state.
//!
//! # Call order
//!
//! 1. **Build** with [`Gateway::new`]: the configuration, the
//!    [`GatewayOptions`] (outside address when the interface says `ip
//!    address dhcp`, the UDP ports, forced UDP encapsulation ...) and a
//!    CSPRNG. The outside interface is the one carrying `crypto map NAME`;
//!    without one, the one carrying `crypto ipsec client ezvpn NAME
//!    [outside]` makes the node an Easy VPN Remote (see below).
//! 2. **Inputs**, each with the current [`Instant`] (milliseconds from any
//!    monotonic epoch, never going back):
//!    * [`Gateway::handle_datagram`]: a UDP datagram received on the IKE
//!      port or the NAT-T port (on the NAT-T port, the non-ESP marker means
//!      IKE, a single 0xFF byte is a NAT keepalive and is dropped, anything
//!      else is ESP in UDP and goes to the SAD);
//!    * [`Gateway::handle_esp`]: the payload of a raw IP protocol 50 packet,
//!      for embedders with raw sockets;
//!    * [`Gateway::handle_inside`]: an IPv4 packet from the inside to route
//!      out (sealed, sent in clear, dropped, or held while IKE runs);
//!    * [`Gateway::handle_timeout`]: when [`Gateway::poll_timeout`] is due.
//! 3. **Outputs**, drained after every input:
//!    * [`Gateway::poll_transmit`] until `None`: [`Transmit::Udp`] (IKE, or
//!      ESP in UDP: send from `local` to `remote`), [`Transmit::Esp`] (raw
//!      ESP: the payload of an IP protocol 50 packet), [`Transmit::Clear`]
//!      (an inside packet that no crypto ACL protects, to route in clear);
//!    * [`Gateway::poll_inside`] until `None`: decapsulated IPv4 packets to
//!      deliver on the inside;
//!    * [`Gateway::poll_event`] until `None`: the engine's events (IKE and
//!      child SAs up/down, log lines in IOS's debug vocabulary) and the
//!      Gateway's own ([`GatewayEvent`]);
//!    * [`Gateway::poll_timeout`]: when to call [`Gateway::handle_timeout`].
//! 4. **Operator**: [`Gateway::show`] with IOS command text (`show crypto
//!    isakmp sa [detail]`, `show crypto ipsec sa [peer A | map M |
//!    interface I]`, `show crypto map [tag M]`, abbreviations such as `sh
//!    cry isa sa` accepted); [`Gateway::counters`].
//!
//! # Threading
//!
//! A [`Gateway`] is `Send`, not `Sync`: it may be built on one thread and
//! moved to another at any moment, even in the middle of a negotiation,
//! and is driven by one thread at a time (inputs and outputs take
//! `&mut self`). Gateways share no state, so an embedder can run one per
//! worker thread. The C handles inherit this
//! (`ffi`'s `iks_gateway`).
//!
//! # Easy VPN Remote
//!
//! A node whose outside interface carries `crypto ipsec client ezvpn
//! NAME` is a Cisco VPN client of the ezvpn's first `peer`: Aggressive
//! Mode as the `group`, Xauth from `username ... password`, Mode Config
//! pulled, then one Quick Mode for (assigned address ↔ 0.0.0.0/0). With
//! `connect auto` it connects at its first call ([`Gateway::poll_timeout`]
//! is due at once), and again 10 s after losing the hub; with `connect manual` on [`Gateway::ezvpn_connect`] (or
//! [`Gateway::initiate`], or the first inside packet). The hub's address is
//! [`Gateway::assigned_address`] (also in the engine's `ConfigAssigned`
//! event); in `mode client` the embedder sends inside packets from it and
//! packets from any other source are dropped (no NAT is done here).
//!
//! The engine is told the configured [`GatewayOptions::ike_port`] and
//! [`GatewayOptions::natt_port`] as both its own ports and the ports of
//! the peers it initiates to, so two unprivileged nodes using the same pair
//! of ports talk to each other, and a node on the IANA ports talks to any
//! IKE peer. Ports in datagrams and forwarded engine events are the real
//! ones (a NAT's mapping included).
//!
//! # Example: the seed's spoke and hub in memory
//!
//! The outside addresses are documentation addresses, the LAN addresses
//! are only bytes: nothing here touches a socket.
//!
//! ```
//! use std::net::Ipv4Addr;
//! use ike_policy::gateway::Instant;
//! use ike_policy::{Gateway, GatewayOptions, Transmit};
//! use rand_chacha::ChaCha20Rng;
//! use rand_core::SeedableRng;
//!
//! let hub_cfg = "\
//! crypto keyring spokes
//!  pre-shared-key address 0.0.0.0 0.0.0.0 key cisco123
//! crypto isakmp policy 10
//!  encr 3des
//!  authentication pre-share
//!  group 2
//! crypto isakmp profile L2L
//!  keyring spokes
//!  match identity address 0.0.0.0
//! crypto ipsec transform-set myset esp-3des esp-sha-hmac
//! crypto dynamic-map dynmap 10
//!  set transform-set myset
//!  set isakmp-profile L2L
//! crypto map mymap 10 ipsec-isakmp dynamic dynmap
//! interface FastEthernet0/0
//!  ip address 192.0.2.1 255.255.255.0
//!  crypto map mymap
//! ";
//! let spoke_cfg = "\
//! crypto isakmp policy 10
//!  encr 3des
//!  authentication pre-share
//!  group 2
//! crypto isakmp key cisco123 address 192.0.2.1
//! crypto ipsec transform-set myset esp-3des esp-sha-hmac
//! crypto map mymap 10 ipsec-isakmp
//!  set peer 192.0.2.1
//!  set transform-set myset
//!  match address 100
//! interface FastEthernet0/0
//!  ip address dhcp
//!  crypto map mymap
//! access-list 100 permit ip 10.2.0.0 0.0.255.255 10.1.0.0 0.0.255.255
//! ";
//! let mut rng = ChaCha20Rng::seed_from_u64(1); // the OS's CSPRNG in production
//! let unprivileged = GatewayOptions { ike_port: 10500, natt_port: 14500, ..Default::default() };
//! let mut hub = Gateway::from_ios(hub_cfg, unprivileged.clone(), &mut rng).unwrap();
//! let spoke_opts = GatewayOptions {
//!     outside_addr: Some(Ipv4Addr::new(198, 51, 100, 2)), // `ip address dhcp`
//!     ..unprivileged
//! };
//! let mut spoke = Gateway::from_ios(spoke_cfg, spoke_opts, &mut rng).unwrap();
//!
//! // A UDP packet from the spoke's LAN to the hub's LAN.
//! let mut packet = vec![0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0, 10, 2, 2, 5, 10, 1, 1, 7];
//! let sum = esp_core::wire::internet_checksum(&packet);
//! packet[10..12].copy_from_slice(&sum.to_be_bytes());
//! packet.extend_from_slice(&[0x30, 0x39, 0, 7, 0, 8, 0, 0]);
//!
//! let now = Instant::from_secs(1);
//! spoke.handle_inside(now, &packet); // no SA yet: held, IKE starts
//! assert_eq!(spoke.held_packets(), 1);
//!
//! // The "network": carry every datagram to the other node until quiet.
//! fn carry(from: &mut Gateway, to: &mut Gateway, now: Instant) -> bool {
//!     let mut moved = false;
//!     while let Some(t) = from.poll_transmit() {
//!         moved = true;
//!         match t {
//!             Transmit::Udp { local, remote, payload } => to.handle_datagram(now, remote, local, &payload),
//!             Transmit::Esp { local, payload, .. } => to.handle_esp(now, local, &payload),
//!             Transmit::Clear { .. } => unreachable!("everything here is protected"),
//!         }
//!     }
//!     moved
//! }
//! while carry(&mut spoke, &mut hub, now) | carry(&mut hub, &mut spoke, now) {}
//!
//! // Main Mode, Quick Mode, then the held packet crossed in ESP.
//! assert_eq!(hub.poll_inside(), Some(packet));
//! let show = hub.show("sh cry ips sa", now).unwrap();
//! assert!(show.contains("#pkts decaps: 1, #pkts decrypt: 1, #pkts verify 1"));
//! let isakmp = spoke.show("show crypto isakmp sa", now).unwrap();
//! assert!(isakmp.contains("QM_IDLE"));
//! ```
//!
//! # On the Internet
//!
//! * A peer's Quick Mode may claim as its own side no flow another peer's
//!   live child SA holds, no `ip local pool` address but the one Mode
//!   Config gave it, and (under an entry without `match address`) none
//!   of our interfaces' networks: INVALID_ID_INFORMATION. The holder of a
//!   claimed flow is DPD-probed at once; a dead one loses its SAs and the
//!   claimant's next try gets the flow ([`crate::ownership`]). A holder
//!   that never sent the DPD vendor ID cannot be probed and keeps its
//!   flows until its SAs end.
//! * A Mode Config client's child SAs end with its IKE SA, and only then
//!   is its address back in the pool ([`Gateway::pool_in_use`]).
//! * Xauth: `aaa local authentication attempts max-fail` lockouts
//!   ([`Gateway::aaa_local_user_lockout`],
//!   [`Gateway::clear_aaa_local_user_lockout`], `show aaa local user
//!   lockout`), a per-source back-off, group `max-users` and `max-logins`
//!   ([`crate::lockout`]).
//!
//! # Limits
//!
//! * Crypto ACL lines whose wildcard has holes (`0.0.255.0`) have no SPD
//!   form and are skipped (with a warning). A `deny` line is IOS's "not
//!   this entry": its traffic is tried against the map's later entries and
//!   goes in clear if none protects it (expanded into the SPD at build time,
//!   up to 65536 SPD entries).
//! * Tunnel mode only; transport-mode SAs and ciphers the data plane lacks
//!   (DES) are deleted as soon as they are negotiated
//!   ([`GatewayEvent::SaInstallFailed`]).
//! * `show crypto isakmp sa` lists established IKE SAs only (the engine
//!   does not expose the half-open ones).
//!
//! Log lines: the engine logs its debug vocabulary (`Old State = IKE_R_MM1
//! New State = IKE_R_MM2` ...), the resolver its key lookups ("Looking for
//! a matching key for X in default"), the Gateway SA installation and
//! drops, all through the `log` facade under the Gateway's own target
//! ([`GatewayOptions::log_target`]), each line once. With
//! [`GatewayOptions::log_events`] the engine's lines arrive as
//! [`Event::Log`] events instead.

mod keylog;
mod show;
mod spd;

pub use keylog::{KEYLOG_HEADER, KeyLogLine};

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::{Ipv4Addr, SocketAddrV4};
use std::sync::Arc;

use esp_core::spd::{
    AddressMatch as EspAddress, Fallback, PacketInfo, PolicyAction, PolicyEntry, PolicyId,
    PortRange as EspPorts, Selector as EspSelector,
};
use esp_core::wire::{UdpEncapPayload, protocol};
use esp_core::{
    Decision, Encryption, InboundSa, Integrity, KeyMaterial, LifetimeEvent, OutboundSa, SaId,
    SaParams, SaRef, Sad, Spd, Suite,
};
use ike_proto::engine::{
    ChildSa, ChildSaId, CommandError, Config as EngineConfig, DpdConfig, DpdMode, Encapsulation,
    Engine, Event, IkeSaId,
};
use ike_proto::policy::{
    EncapMode, EspCipher, EspIntegrity, Lifetime, Selectors, TrafficSelector, XauthCredentials,
    XauthPassword,
};
use ike_proto::time::Duration;
pub use ike_proto::time::{Epoch, Instant};
use rand_chacha::ChaCha20Rng;
use rand_core::{CryptoRng, SeedableRng};

use crate::IosPolicy;
use crate::lockout::XauthBackoff;
use crate::model::{Config, EzvpnConnect, EzvpnMode, EzvpnSide, InterfaceAddress, KeepaliveMode};
use crate::ownership::{FlowOwners, HeldFlow};
use crate::resolver::{self, AddressMatch};

/// First id of the SPD entries installed for negotiated child SAs.
const CHILD_POLICY_BASE: u32 = 0x8000_0000;

/// How to build a [`Gateway`] besides its configuration.
#[derive(Clone, Debug)]
pub struct GatewayOptions {
    /// The outside address. Required when the outside interface says `ip
    /// address dhcp` (the seed's spoke); overrides a static address
    /// otherwise (e.g. to run the seed's hub on loopback).
    pub outside_addr: Option<Ipv4Addr>,
    /// The UDP port IKE uses on both sides (500 unless running
    /// unprivileged).
    pub ike_port: u16,
    /// The UDP port of NAT traversal on both sides (4500 unless running
    /// unprivileged).
    pub natt_port: u16,
    /// Always float to the NAT-T port and carry ESP in UDP, as if a NAT
    /// were in the path (needed by embedders that cannot send raw ESP),
    /// like strongSwan's `forceencaps`: the engine's
    /// [`EngineConfig::force_udp_encapsulation`], which sends a NAT-D
    /// payload for our own address that cannot match, so both sides
    /// detect a NAT and float. The peer needs nothing special (but NAT-T).
    pub force_udp_encapsulation: bool,
    /// Engine settings (retransmissions, half-open limits ...). Its ports
    /// and forced encapsulation are overwritten from `ike_port`,
    /// `natt_port` and `force_udp_encapsulation` above. DPD comes
    /// from `crypto isakmp keepalive` (none without it, as in IOS), the NAT
    /// keepalive period from `crypto isakmp nat keepalive`, NAT traversal
    /// is off under `no crypto ipsec nat-transparency udp-encapsulation`.
    pub engine: EngineConfig,
    /// Inside packets held while IKE negotiates, in total.
    pub hold_queue_limit: usize,
    /// What happens to inside packets that no crypto ACL selects:
    /// [`Fallback::Bypass`] (IOS: routed in clear) or [`Fallback::Discard`].
    pub unprotected: Fallback,
    /// The anti-replay window of inbound SAs, in packets (IOS: 64).
    pub replay_window: u32,
    /// Emit [`GatewayEvent::KeyLog`] lines (every IKE SA's phase-1 key and
    /// every child SA's keys, in Wireshark's table formats) for a key log.
    /// Off by default: the lines hold every secret of the traffic.
    pub keylog: bool,
    /// The per-source back-off of failed Xauth ([`crate::lockout`]).
    pub xauth_backoff: XauthBackoff,
    /// This Gateway's name as a `log` target: every line it logs (the
    /// engine's IOS debug vocabulary, the resolver's key and profile
    /// lookups, SA installation and drops) goes to the `log` facade under
    /// it, so several Gateways in one process can be told apart and
    /// filtered (`RUST_LOG=hub=debug`). Default `"ikesuite"`. Overrides
    /// [`EngineConfig::log_target`].
    pub log_target: String,
    /// Deliver the engine's log lines as [`Event::Log`] events (through
    /// [`Gateway::poll_event`]) instead of to the `log` facade: each line
    /// arrives once, one way or the other. Default false.
    pub log_events: bool,
}

impl Default for GatewayOptions {
    fn default() -> Self {
        Self {
            outside_addr: None,
            ike_port: ike_proto::engine::IKE_PORT,
            natt_port: ike_proto::engine::NATT_PORT,
            force_udp_encapsulation: false,
            engine: EngineConfig::default(),
            hold_queue_limit: 64,
            unprotected: Fallback::Bypass,
            replay_window: 64,
            keylog: false,
            xauth_backoff: XauthBackoff::default(),
            log_target: DEFAULT_LOG_TARGET.to_owned(),
            log_events: false,
        }
    }
}

/// [`GatewayOptions::log_target`]'s default.
pub const DEFAULT_LOG_TARGET: &str = "ikesuite";

/// Why a [`Gateway`] could not be built or a command failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GatewayError {
    /// No interface carries a crypto map that exists (nor an Easy VPN
    /// Remote's `crypto ipsec client ezvpn NAME`).
    #[error("no interface carries a crypto map")]
    NoCryptoInterface,
    /// The outside interface's address is learnt at run time and none was
    /// given in [`GatewayOptions::outside_addr`].
    #[error("interface {0} has no static address: set GatewayOptions::outside_addr")]
    NoOutsideAddress(String),
    /// `show` was given a command it does not know.
    #[error("unknown show command: {0:?}")]
    UnknownCommand(String),
    /// The configuration text did not parse ([`Gateway::from_ios`]).
    #[error(transparent)]
    Config(#[from] crate::ConfigError),
    /// [`Gateway::initiate`]: no crypto map entry protects this traffic.
    #[error("no crypto map entry protects {from} -> {to}")]
    NotProtected {
        /// The inside source.
        from: Ipv4Addr,
        /// The destination.
        to: Ipv4Addr,
    },
    /// [`Gateway::initiate`]: the entry has no peer to negotiate with (a
    /// dynamic map entry waits for its peer) or the engine refused.
    #[error("cannot negotiate for {from} -> {to}: {reason}")]
    CannotInitiate {
        /// The inside source.
        from: Ipv4Addr,
        /// The destination.
        to: Ipv4Addr,
        /// Why.
        reason: String,
    },
}

/// What [`Gateway::initiate`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Initiated {
    /// An SA already protects this traffic: nothing to do.
    AlreadyUp,
    /// A negotiation with this peer was already under way.
    Pending(Ipv4Addr),
    /// A negotiation with this peer has started.
    Started(Ipv4Addr),
}

/// Something to send on the outside.
#[derive(Clone, PartialEq, Eq)]
pub enum Transmit {
    /// A UDP datagram: IKE, or ESP in UDP (RFC 3948).
    Udp {
        /// Our address and port (the IKE or the NAT-T port).
        local: SocketAddrV4,
        /// The peer's address and port.
        remote: SocketAddrV4,
        /// The UDP payload.
        payload: Vec<u8>,
    },
    /// A raw ESP packet: the payload of an IP protocol 50 packet.
    Esp {
        /// Outer source address.
        local: Ipv4Addr,
        /// Outer destination address.
        remote: Ipv4Addr,
        /// From the SPI to the ICV.
        payload: Vec<u8>,
    },
    /// An inside packet no crypto ACL protects: route it in clear.
    Clear {
        /// The IPv4 packet.
        packet: Vec<u8>,
    },
}

impl core::fmt::Debug for Transmit {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Udp {
                local,
                remote,
                payload,
            } => write!(f, "Udp({local} -> {remote}, {} bytes)", payload.len()),
            Self::Esp {
                local,
                remote,
                payload,
            } => write!(f, "Esp({local} -> {remote}, {} bytes)", payload.len()),
            Self::Clear { packet } => write!(f, "Clear({} bytes)", packet.len()),
        }
    }
}

/// Why an inside or outside packet was dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DropReason {
    /// Not a well-formed IPv4 packet.
    Malformed,
    /// The SPD says discard.
    PolicyDiscard,
    /// The hold queue was full while IKE negotiated.
    HoldQueueFull,
    /// IKE refused or failed to negotiate an SA for it.
    NegotiationFailed,
    /// ESP that did not open (unknown SPI, ICV, replay, padding ...).
    EspRejected,
    /// A decapsulated packet outside its SA's selectors.
    SelectorMismatch,
    /// Sealing failed (SA expired, sequence numbers exhausted).
    SealFailed,
}

/// What the Gateway tells its caller.
///
/// Deliberately not `#[non_exhaustive]`, like [`Event`]: an embedder
/// mapping events should be made to handle a new one.
#[derive(Clone, Debug)]
pub enum GatewayEvent {
    /// An engine event, as the engine reported it.
    Engine(Event),
    /// A child SA pair was installed in the SAD.
    SaInstalled {
        /// The engine's handle.
        child: ChildSaId,
        /// The peer's outside address.
        peer: Ipv4Addr,
        /// Inbound SPI.
        spi_in: u32,
        /// Outbound SPI.
        spi_out: u32,
        /// Whether ESP is carried in UDP.
        udp_encapsulated: bool,
    },
    /// A child SA pair was removed from the SAD.
    SaRemoved {
        /// The engine's handle.
        child: ChildSaId,
    },
    /// A negotiated child SA could not be installed (e.g. a cipher the data
    /// plane lacks); it was deleted.
    SaInstallFailed {
        /// The engine's handle.
        child: ChildSaId,
        /// Why.
        reason: String,
    },
    /// A key-log line (only under [`GatewayOptions::keylog`]): an IKE SA's
    /// phase-1 key as it completes, each direction of a child SA as it is
    /// installed. Write them after a [`KEYLOG_HEADER`] line.
    KeyLog(KeyLogLine),
    /// Packets were dropped.
    Dropped {
        /// Why.
        reason: DropReason,
        /// How many.
        packets: usize,
    },
}

/// The Gateway's own counters (the per-SA ones are in `show crypto ipsec
/// sa`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct GatewayCounters {
    /// Inside packets sealed and sent.
    pub sealed: u64,
    /// ESP packets opened and delivered inside.
    pub delivered: u64,
    /// Inside packets sent in clear.
    pub clear: u64,
    /// Inside packets held while IKE negotiated.
    pub held: u64,
    /// IKE datagrams passed to the engine.
    pub ike_datagrams: u64,
    /// NAT keepalives received.
    pub nat_keepalives: u64,
    /// Drops: malformed inside or decapsulated packets.
    pub malformed: u64,
    /// Drops: SPD discard.
    pub policy_discards: u64,
    /// Drops: hold queue full.
    pub hold_queue_full: u64,
    /// Drops: IKE refused or failed.
    pub negotiation_failed: u64,
    /// Drops: ESP that did not open.
    pub esp_rejected: u64,
    /// Drops: decapsulated packet outside its SA's selectors.
    pub selector_mismatch: u64,
    /// Drops: seal failed.
    pub seal_failed: u64,
    /// Child SAs refused because they carry plain ESP (IP protocol 50)
    /// while [`GatewayOptions::force_udp_encapsulation`] says this node
    /// cannot (the peer did not do NAT-T).
    pub raw_esp_refused: u64,
    /// DPD probes of a flow's holder after another peer claimed it.
    pub holder_probes: u64,
    /// Quick Mode claims refused: a pool address not the peer's own.
    pub proxy_refused_local_pool: u64,
    /// Quick Mode claims refused: our networks, entry without ACL.
    pub proxy_refused_own_network: u64,
    /// Quick Mode claims refused: held by another peer's live SA.
    pub proxy_refused_held: u64,
    /// Xauth replies refused unchecked: the source backs off.
    pub xauth_refused_backoff: u64,
    /// Xauth replies refused unchecked: the user is locked (`max-fail`).
    pub xauth_refused_locked: u64,
    /// Logins refused: the group is at `max-users`.
    pub xauth_refused_max_users: u64,
    /// Logins refused: the user is at `max-logins`.
    pub xauth_refused_max_logins: u64,
}

/// A child SA installed in esp-core.
#[derive(Clone, Debug)]
struct Installed {
    child: ChildSaId,
    sa_id: SaId,
    policy: PolicyId,
    spi_in: u32,
    spi_out: u32,
    /// The peer's outside address and real port.
    peer: SocketAddrV4,
    /// Real ports of UDP encapsulation, if any.
    udp: Option<(u16, u16)>,
    selectors: Selectors,
    cipher: EspCipher,
    integrity: Option<EspIntegrity>,
    mode: EncapMode,
    lifetime: Lifetime,
    installed_at: Instant,
    map_seq: Option<u32>,
}

/// A static crypto map protect entry of the SPD.
#[derive(Clone, Copy, Debug)]
struct StaticPolicy {
    peer: Option<Ipv4Addr>,
    seq: u32,
    /// The ACL line as proxy identities (what `show crypto ipsec sa`
    /// lists before any SA exists).
    selectors: Option<Selectors>,
}

/// The Easy VPN Remote side of a Gateway whose outside interface carries
/// `crypto ipsec client ezvpn NAME`.
#[derive(Debug, Clone)]
struct EzvpnState {
    /// `mode client`: only the assigned address's own traffic goes out.
    client_mode: bool,
    /// `connect auto`: connect at once, and again when the hub goes.
    auto: bool,
    /// `connect auto` and not yet started.
    autostart: bool,
    /// When to connect again after losing the hub (`connect auto`).
    retry_at: Option<Instant>,
    /// The hub (the first `peer`).
    peer: Option<Ipv4Addr>,
    /// The Mode Config address, once the hub gave it.
    assigned: Option<Ipv4Addr>,
}

/// How long an Easy VPN Remote with `connect auto` waits before
/// connecting again after losing its hub.
const EZVPN_RETRY_MS: u64 = 10_000;

/// An inside packet waiting for its SA.
struct Held {
    peer: Ipv4Addr,
    packet: Vec<u8>,
}

/// One IPsec node. See the [module documentation](self) for the call order.
pub struct Gateway {
    config: Arc<Config>,
    options: GatewayOptions,
    interface: String,
    map_name: String,
    local: Ipv4Addr,
    engine: Engine,
    sad: Sad,
    spd: Spd,
    rng: ChaCha20Rng,
    statics: HashMap<PolicyId, StaticPolicy>,
    ezvpn: Option<EzvpnState>,
    children: BTreeMap<ChildSaId, Installed>,
    by_sa_id: HashMap<SaId, ChildSaId>,
    by_spi_in: HashMap<u32, ChildSaId>,
    /// Peers an acquire is pending for.
    pending: Vec<Ipv4Addr>,
    held: VecDeque<Held>,
    transmits: VecDeque<Transmit>,
    inside: VecDeque<Vec<u8>>,
    events: VecDeque<GatewayEvent>,
    ike_up: HashMap<IkeSaId, Instant>,
    counters: GatewayCounters,
    /// The flows our child SAs hold, shared with the policy that answers
    /// Quick Mode ([`crate::ownership`]).
    flows: Arc<std::sync::Mutex<FlowOwners>>,
    /// The engine's policy, for the operator's views of its shared state
    /// (pools).
    policy: IosPolicy,
    /// Xauth replies waiting for the embedder's verdict: the source and
    /// user, for the back-off.
    deferred_xauth: HashMap<IkeSaId, (Ipv4Addr, String)>,
    next_sa: u32,
    next_child_policy: u32,
    now: Instant,
}

impl core::fmt::Debug for Gateway {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Gateway")
            .field("interface", &self.interface)
            .field("crypto_map", &self.map_name)
            .field("local", &self.local)
            .field("child_sas", &self.children.len())
            .field("held", &self.held.len())
            .finish_non_exhaustive()
    }
}

fn esp_address(m: &AddressMatch) -> Option<EspAddress> {
    match *m {
        AddressMatch::Prefix { len: 0, .. } => Some(EspAddress::Any),
        AddressMatch::Prefix { address, len } => EspAddress::prefix(address, len).ok(),
        // esp-core selects by prefix or range: a wildcard with holes has
        // no SPD form.
        AddressMatch::Masked { .. } => None,
    }
}

fn esp_selector_from_acl(s: &resolver::Selector) -> Option<EspSelector> {
    Some(EspSelector {
        source: esp_address(&s.source)?,
        destination: esp_address(&s.destination)?,
        protocol: s.protocol,
        source_ports: EspPorts {
            first: s.source_ports.first,
            last: s.source_ports.last,
        },
        destination_ports: EspPorts {
            first: s.destination_ports.first,
            last: s.destination_ports.last,
        },
    })
}

fn esp_side(ts: &TrafficSelector) -> (EspAddress, EspPorts) {
    let addr = if ts.start == Ipv4Addr::UNSPECIFIED && ts.end == Ipv4Addr::BROADCAST {
        EspAddress::Any
    } else {
        EspAddress::range(ts.start, ts.end).unwrap_or(EspAddress::host(ts.start))
    };
    let ports = if ts.port == 0 {
        EspPorts::ANY
    } else {
        EspPorts::single(ts.port)
    };
    (addr, ports)
}

/// A child SA's selectors (ours as local) as an outbound SPD selector.
fn esp_selector(s: &Selectors) -> EspSelector {
    let (source, source_ports) = esp_side(&s.local);
    let (destination, destination_ports) = esp_side(&s.remote);
    let protocol = s.local.protocol.max(s.remote.protocol);
    EspSelector {
        source,
        destination,
        protocol: (protocol != 0).then_some(protocol),
        source_ports,
        destination_ports,
    }
}

fn suite(cipher: EspCipher, integrity: Option<EspIntegrity>) -> Result<Suite, String> {
    let e = match cipher {
        EspCipher::TripleDes => Encryption::TripleDesCbc,
        EspCipher::AesCbc { key_bits: 128 } => Encryption::AesCbc128,
        EspCipher::AesCbc { key_bits: 192 } => Encryption::AesCbc192,
        EspCipher::AesCbc { key_bits: 256 } => Encryption::AesCbc256,
        EspCipher::AesGcm16 { key_bits: 128 } => Encryption::AesGcm128,
        EspCipher::AesGcm16 { key_bits: 192 } => Encryption::AesGcm192,
        EspCipher::AesGcm16 { key_bits: 256 } => Encryption::AesGcm256,
        EspCipher::Null => Encryption::Null,
        other => return Err(format!("the data plane has no {other:?}")),
    };
    let i = match integrity {
        None => Integrity::None,
        Some(EspIntegrity::HmacMd5) => Integrity::HmacMd5_96,
        Some(EspIntegrity::HmacSha1) => Integrity::HmacSha1_96,
        Some(EspIntegrity::HmacSha256) => Integrity::HmacSha256_128,
    };
    Suite::new(e, i).map_err(|e| e.to_string())
}

/// `buf[range]` as its own vector, reusing `buf`'s allocation: the packet
/// was sealed or opened in place, so only its bytes move, once.
fn keep_range(mut buf: Vec<u8>, range: std::ops::Range<usize>) -> Vec<u8> {
    buf.truncate(range.end);
    buf.drain(..range.start.min(buf.len()));
    buf
}

/// The data plane's limits: kilobytes soft and hard (the soft one asks the
/// engine to rekey), seconds hard only (the engine rekeys on time itself).
fn esp_lifetime(l: Lifetime) -> esp_core::Lifetime {
    let kb = l.kilobytes.map(u64::from);
    esp_core::Lifetime {
        soft_seconds: None,
        hard_seconds: l.seconds.map(u64::from),
        soft_kilobytes: kb.map(|k| k - k / 10),
        hard_kilobytes: kb,
    }
}

impl Gateway {
    /// Builds a node from a parsed configuration.
    ///
    /// The outside interface is the first interface with `crypto map
    /// NAME` (else the first with `crypto ipsec client ezvpn NAME
    /// [outside]`: an Easy VPN Remote, see the module docs); its address is [`GatewayOptions::outside_addr`] if given,
    /// else its static `ip address`. The SPD holds the map's static
    /// entries' ACL lines in sequence order (permit: protect through `set
    /// peer`; deny: as IOS, the traffic is tried against the later entries,
    /// and goes in clear if none protects it), then
    /// [`GatewayOptions::unprotected`]. `rng` seeds the engine's and the
    /// data plane's generators.
    ///
    /// # Errors
    /// [`GatewayError::NoCryptoInterface`], [`GatewayError::NoOutsideAddress`].
    pub fn new(
        config: Config,
        options: GatewayOptions,
        rng: &mut dyn CryptoRng,
    ) -> Result<Self, GatewayError> {
        let config = Arc::new(config);
        let crypto = config.crypto_interfaces().next();
        // No crypto map: an Easy VPN Remote's outside interface will do.
        let ezvpn_outside = || {
            config.interfaces.iter().find_map(|i| {
                let e = i.ezvpn.as_ref().filter(|e| e.side == EzvpnSide::Outside)?;
                Some((i, config.ezvpn_client(&e.name)?))
            })
        };
        let (interface, map, ezvpn_client) = match crypto {
            Some((i, m)) => (i, Some(m), None),
            None => {
                let (i, e) = ezvpn_outside().ok_or(GatewayError::NoCryptoInterface)?;
                (i, None, Some(e))
            }
        };
        let local = match (options.outside_addr, &interface.address) {
            (Some(a), _) => a,
            (None, Some(InterfaceAddress::Static { address, .. })) => *address,
            (None, _) => return Err(GatewayError::NoOutsideAddress(interface.name.clone())),
        };
        let interface = interface.name.clone();
        let map_name = map.map(|m| m.name.clone()).unwrap_or_default();

        let (spd, statics) = match (map, ezvpn_client) {
            (Some(map), _) => spd::build(&config, map, options.unprotected, &options.log_target),
            (None, e) => spd::build_ezvpn(
                e.and_then(|e| e.peers.first().copied()),
                options.unprotected,
            ),
        };
        let ezvpn = ezvpn_client.map(|e| EzvpnState {
            client_mode: e.mode == EzvpnMode::Client,
            auto: e.connect == EzvpnConnect::Auto,
            autostart: e.connect == EzvpnConnect::Auto,
            retry_at: None,
            peer: e.peers.first().copied(),
            assigned: None,
        });

        let mut seed = [0u8; 32];
        rng.fill_bytes(&mut seed);
        let engine_rng = ChaCha20Rng::from_seed(seed);
        rng.fill_bytes(&mut seed);
        let esp_rng = ChaCha20Rng::from_seed(seed);
        seed.fill(0);

        let mut policy = IosPolicy::new(Arc::clone(&config))
            .with_xauth_backoff(options.xauth_backoff)
            .with_log_target(&options.log_target);
        if !map_name.is_empty() {
            policy = policy.with_crypto_map(map_name.clone());
        }
        let mut engine_config = options.engine.clone();
        // The same pair of ports on both sides (see the module docs).
        engine_config.ike_port = options.ike_port;
        engine_config.natt_port = options.natt_port;
        engine_config.peer_ike_port = options.ike_port;
        engine_config.peer_natt_port = options.natt_port;
        engine_config.log_target = (!options.log_events).then(|| options.log_target.clone());
        engine_config.force_udp_encapsulation = options.force_udp_encapsulation;
        engine_config.keylog = options.keylog;
        if options.force_udp_encapsulation {
            engine_config.nat_traversal = true;
        }
        engine_config.nat_traversal &= config.nat_transparency;
        // DPD as IOS does it: only with `crypto isakmp keepalive`.
        engine_config.dpd = config.isakmp_keepalive.map(|k| DpdConfig {
            interval: Duration::from_secs(u64::from(k.interval)),
            retry: Duration::from_secs(u64::from(k.retry)),
            mode: match k.mode {
                KeepaliveMode::OnDemand => DpdMode::OnIdle,
                KeepaliveMode::Periodic => DpdMode::Periodic,
            },
            ..DpdConfig::default()
        });
        if let Some(s) = config.nat_keepalive {
            engine_config.nat_keepalive = Duration::from_secs(u64::from(s));
        }
        let flows = policy.flow_owners();
        // A clone shares the pools (and later state) with the engine's.
        let views = policy.clone();
        let engine = Engine::new(engine_config, Box::new(policy), Box::new(engine_rng));
        Ok(Self {
            config,
            options,
            interface,
            map_name,
            local,
            engine,
            sad: Sad::new(),
            spd,
            rng: esp_rng,
            statics,
            ezvpn,
            children: BTreeMap::new(),
            by_sa_id: HashMap::new(),
            by_spi_in: HashMap::new(),
            pending: Vec::new(),
            held: VecDeque::new(),
            transmits: VecDeque::new(),
            inside: VecDeque::new(),
            events: VecDeque::new(),
            ike_up: HashMap::new(),
            counters: GatewayCounters::default(),
            next_sa: 1,
            next_child_policy: CHILD_POLICY_BASE,
            now: Instant::ZERO,
            flows,
            policy: views,
            deferred_xauth: HashMap::new(),
        })
    }

    /// Parses IOS text and builds a node; see [`Gateway::new`].
    ///
    /// # Errors
    /// [`GatewayError::Config`] with the parser's error (line and column),
    /// or what [`Gateway::new`] returns.
    pub fn from_ios(
        text: &str,
        options: GatewayOptions,
        rng: &mut dyn CryptoRng,
    ) -> Result<Self, GatewayError> {
        Self::new(crate::parse(text)?, options, rng)
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The outside address.
    pub fn outside_addr(&self) -> Ipv4Addr {
        self.local
    }

    /// The outside interface's name.
    pub fn outside_interface(&self) -> &str {
        &self.interface
    }

    /// The crypto map in force.
    pub fn crypto_map_name(&self) -> &str {
        &self.map_name
    }

    /// The IKE endpoint to bind: outside address and IKE port.
    pub fn ike_endpoint(&self) -> SocketAddrV4 {
        SocketAddrV4::new(self.local, self.options.ike_port)
    }

    /// The NAT-T endpoint to bind: outside address and NAT-T port.
    pub fn natt_endpoint(&self) -> SocketAddrV4 {
        SocketAddrV4::new(self.local, self.options.natt_port)
    }

    /// The engine (read-only: its SA tables).
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The Gateway's own counters.
    pub fn counters(&self) -> GatewayCounters {
        let mut c = self.counters;
        let claims = self.flows().refusals();
        c.proxy_refused_local_pool = claims.local_pool;
        c.proxy_refused_own_network = claims.own_network;
        c.proxy_refused_held = claims.held;
        let xauth = self
            .policy
            .xauth_guard()
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .refusals;
        c.xauth_refused_backoff = xauth.backoff;
        c.xauth_refused_locked = xauth.locked;
        c.xauth_refused_max_users = xauth.max_users;
        c.xauth_refused_max_logins = xauth.max_logins;
        c
    }

    /// The addresses of `ip local pool NAME` handed out now (`None` for
    /// a pool the configuration lacks).
    pub fn pool_in_use(&self, name: &str) -> Option<Vec<Ipv4Addr>> {
        self.policy.pool_in_use(name)
    }

    /// Inside packets currently held for IKE.
    pub fn held_packets(&self) -> usize {
        self.held.len()
    }

    /// Number of child SA pairs installed in the SAD.
    pub fn installed_child_sas(&self) -> usize {
        self.children.len()
    }

    // ----- inputs ------------------------------------------------------

    /// A UDP datagram received on the IKE port or the NAT-T port: `local`
    /// is the address and port it arrived on, `remote` its source.
    pub fn handle_datagram(
        &mut self,
        now: Instant,
        local: SocketAddrV4,
        remote: SocketAddrV4,
        data: &[u8],
    ) {
        self.now = now;
        self.ezvpn_autostart(now);
        if local.port() == self.options.natt_port {
            match UdpEncapPayload::classify(data) {
                Ok(UdpEncapPayload::NatKeepalive) => {
                    self.counters.nat_keepalives += 1;
                    return;
                }
                Ok(UdpEncapPayload::Esp(_)) => {
                    self.open_esp(now, *remote.ip(), data);
                    self.drain(now);
                    return;
                }
                Ok(UdpEncapPayload::Ike(_)) => {}
                Err(e) => {
                    log::debug!(target: &self.options.log_target, "dropping datagram from {remote} on the NAT-T port: {e}");
                    self.counters.malformed += 1;
                    return;
                }
            }
        }
        self.counters.ike_datagrams += 1;
        // Our outside address, whatever address the socket was bound to.
        let local = SocketAddrV4::new(self.local, local.port());
        self.engine.handle_datagram(now, local, remote, data);
        self.drain(now);
    }

    /// The payload of a raw ESP packet (IP protocol 50), from the SPI on,
    /// received from `remote`.
    pub fn handle_esp(&mut self, now: Instant, remote: Ipv4Addr, payload: &[u8]) {
        self.now = now;
        self.open_esp(now, remote, payload);
        self.drain(now);
    }

    /// An IPv4 packet from the inside, to route out.
    pub fn handle_inside(&mut self, now: Instant, packet: &[u8]) {
        self.now = now;
        self.ezvpn_autostart(now);
        self.route_out(now, packet);
        self.drain(now);
    }

    /// Time passed: engine timers (retransmissions, lifetimes, DPD) and
    /// data-plane lifetimes.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.now = now;
        self.ezvpn_autostart(now);
        if self.engine.poll_timeout().is_some_and(|t| t <= now) {
            self.engine.handle_timeout(now);
        }
        self.sad.handle_timeout(now);
        self.drain(now);
    }

    // ----- outputs -----------------------------------------------------

    /// The next thing to send on the outside.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// The next decapsulated packet to deliver on the inside.
    pub fn poll_inside(&mut self) -> Option<Vec<u8>> {
        self.inside.pop_front()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<GatewayEvent> {
        self.events.pop_front()
    }

    /// When [`Gateway::handle_timeout`] should be called next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.ezvpn.as_ref().is_some_and(|e| e.autostart) {
            // `connect auto`: as soon as the embedder lets us run.
            return Some(self.now);
        }
        let esp = self.sad.poll_timeout();
        let retry = self.ezvpn.as_ref().and_then(|e| e.retry_at);
        [self.engine.poll_timeout(), esp, retry]
            .into_iter()
            .flatten()
            .min()
    }

    // ----- commands ----------------------------------------------------

    /// The local users `aaa local authentication attempts max-fail`
    /// locked, by name, with when (`show aaa local user lockout`).
    pub fn aaa_local_user_lockout(&self) -> Vec<(String, Instant)> {
        self.policy
            .xauth_guard()
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .locked_users()
    }

    /// `clear aaa local user lockout username NAME` (`Some(NAME)`) or
    /// `all` (`None`): the users may log in again; says how many were
    /// locked.
    pub fn clear_aaa_local_user_lockout(&mut self, user: Option<&str>) -> usize {
        self.policy
            .xauth_guard()
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear_lockout(user)
    }

    /// Clears every SA with `peer` (IOS `clear crypto sa peer`): a Delete
    /// for each child SA and for the IKE SA goes to the peer.
    pub fn clear_peer(&mut self, now: Instant, peer: Ipv4Addr) {
        self.now = now;
        let kids: Vec<ChildSaId> = self
            .children
            .values()
            .filter(|c| *c.peer.ip() == peer)
            .map(|c| c.child)
            .collect();
        for c in kids {
            let _ = self.engine.delete_child_sa(now, c);
        }
        let ikes: Vec<IkeSaId> = self
            .engine
            .ike_sas()
            .into_iter()
            .filter(|i| *i.remote.ip() == peer)
            .map(|i| i.id)
            .collect();
        for i in ikes {
            let _ = self.engine.delete_ike_sa(now, i);
        }
        self.drain(now);
    }

    /// The verdict on a deferred Xauth check, the answer to
    /// `GatewayEvent::Engine(Event::XauthRequest)` (the configuration's
    /// `client authentication list` is not local, e.g. `group radius`, so
    /// the embedder asks its AAA server, possibly long after the client's
    /// REPLY). `ok` sends XAUTH_STATUS OK and Mode Config follows; else
    /// FAIL, and after the last attempt the IKE SA is deleted.
    ///
    /// # Errors
    /// The engine's [`CommandError::UnknownSa`] (the SA went away
    /// meanwhile) or [`CommandError::NoXauthPending`] (no verdict awaited).
    pub fn xauth_verdict(
        &mut self,
        now: Instant,
        ike_sa: IkeSaId,
        ok: bool,
    ) -> Result<(), CommandError> {
        self.now = now;
        let result = self.engine.xauth_verdict(now, ike_sa, ok);
        // The AAA server's verdict counts for the per-source back-off as
        // a local one does ([`crate::lockout`]).
        if let (Ok(()), Some((peer, user))) = (&result, self.deferred_xauth.remove(&ike_sa)) {
            let guard = self.policy.xauth_guard();
            let mut guard = guard.lock().unwrap_or_else(|e| e.into_inner());
            if ok {
                guard.succeeded(&user, peer);
            } else {
                guard.failed(None, None, peer, now);
            }
        }
        self.drain(now);
        result
    }

    /// As the Xauth client, the user name and password to answer
    /// `GatewayEvent::Engine(Event::XauthCredentialsRequest)` with (the
    /// configuration holds no Xauth credentials of its own).
    ///
    /// # Errors
    /// The engine's [`CommandError::UnknownSa`] or
    /// [`CommandError::NoXauthPending`] (no credentials awaited).
    pub fn provide_xauth_credentials(
        &mut self,
        now: Instant,
        ike_sa: IkeSaId,
        user: impl Into<String>,
        password: XauthPassword,
    ) -> Result<(), CommandError> {
        self.now = now;
        let credentials = XauthCredentials {
            user: user.into(),
            password,
        };
        let result = self
            .engine
            .provide_xauth_credentials(now, ike_sa, credentials);
        self.drain(now);
        result
    }

    /// The address the Easy VPN hub assigned by Mode Config (client mode:
    /// the source of the inside packets to send), once known.
    pub fn assigned_address(&self) -> Option<Ipv4Addr> {
        self.ezvpn.as_ref()?.assigned
    }

    /// Whether this node is an Easy VPN Remote (its outside interface
    /// carries `crypto ipsec client ezvpn NAME` and no crypto map).
    pub fn is_ezvpn_client(&self) -> bool {
        self.ezvpn.is_some()
    }

    /// Connects an Easy VPN Remote to its hub (IOS's `crypto ipsec client
    /// ezvpn connect`; with `connect auto` the Gateway does it by itself at
    /// its first call). The phase 2 is negotiated for the address the hub
    /// assigns.
    ///
    /// # Errors
    /// [`GatewayError::CannotInitiate`] when this node is no Easy VPN
    /// Remote, has no `peer`, or the engine refuses.
    pub fn ezvpn_connect(&mut self, now: Instant) -> Result<Initiated, GatewayError> {
        self.now = now;
        let refuse = |reason: &str| GatewayError::CannotInitiate {
            from: Ipv4Addr::UNSPECIFIED,
            to: Ipv4Addr::UNSPECIFIED,
            reason: reason.into(),
        };
        let Some(ez) = self.ezvpn.as_mut() else {
            return Err(refuse("not an ezvpn client"));
        };
        ez.autostart = false;
        let Some(peer) = ez.peer else {
            return Err(refuse("the ezvpn client has no peer"));
        };
        if self.children.values().any(|c| *c.peer.ip() == peer) {
            return Ok(Initiated::AlreadyUp);
        }
        // Before Mode Config our inside address is not known: the engine
        // binds the Quick Mode to the assigned one.
        let info = PacketInfo {
            source: self.local,
            destination: Ipv4Addr::UNSPECIFIED,
            protocol: 0,
            source_port: None,
            destination_port: None,
        };
        let result = self.negotiate(now, peer, &info);
        self.drain(now);
        result
    }

    /// `connect auto`: the first call after construction connects, and a
    /// due retry connects again.
    fn ezvpn_autostart(&mut self, now: Instant) {
        let due = self
            .ezvpn
            .as_ref()
            .is_some_and(|e| e.autostart || e.retry_at.is_some_and(|t| t <= now));
        if due {
            if let Some(e) = self.ezvpn.as_mut() {
                e.retry_at = None;
            }
            if let Err(e) = self.ezvpn_connect(now) {
                log::warn!(target: &self.options.log_target, "EZVPN: cannot connect: {e}");
            }
        }
    }

    /// The hub's IKE SA went or never came: forget the address and, with
    /// `connect auto`, connect again later, as IOS's Easy VPN Remote does.
    fn ezvpn_lost(&mut self, now: Instant, peer: Ipv4Addr) {
        let hub_left = self.engine.ike_sas().iter().all(|s| *s.remote.ip() != peer);
        let Some(ez) = self.ezvpn.as_mut().filter(|e| e.peer == Some(peer)) else {
            return;
        };
        if !hub_left {
            return;
        }
        ez.assigned = None;
        if ez.auto && ez.retry_at.is_none() {
            let at = Instant::from_millis(now.as_millis() + EZVPN_RETRY_MS);
            log::info!(target: &self.options.log_target, "EZVPN: lost {peer}: connecting again in {EZVPN_RETRY_MS} ms");
            ez.retry_at = Some(at);
        }
    }

    /// Brings up the SA that would protect traffic from `source` (inside)
    /// to `destination`, without waiting for a packet: what an inside
    /// packet matching a static crypto map entry does, minus the packet.
    ///
    /// # Errors
    /// [`GatewayError::NotProtected`] when no crypto map entry's ACL covers
    /// the pair; [`GatewayError::CannotInitiate`] when the entry has no
    /// `set peer` (a dynamic map entry waits for its peer) or the engine
    /// refuses.
    pub fn initiate(
        &mut self,
        now: Instant,
        source: Ipv4Addr,
        destination: Ipv4Addr,
    ) -> Result<Initiated, GatewayError> {
        self.now = now;
        let info = PacketInfo {
            source,
            destination,
            protocol: 0,
            source_port: None,
            destination_port: None,
        };
        let result = match self.spd.decide(&info, &self.sad) {
            Decision::Protect(_) => Ok(Initiated::AlreadyUp),
            Decision::Bypass | Decision::Discard => Err(GatewayError::NotProtected {
                from: source,
                to: destination,
            }),
            Decision::Acquire(acquire) => {
                match self.statics.get(&acquire.policy).and_then(|e| e.peer) {
                    Some(peer) => self.negotiate(now, peer, &info),
                    None => Err(GatewayError::CannotInitiate {
                        from: source,
                        to: destination,
                        reason: "the crypto map entry has no peer".into(),
                    }),
                }
            }
        };
        self.drain(now);
        result
    }

    // ----- the data path -------------------------------------------------

    /// Borrows the packet: only a packet that is held or passed in clear
    /// is copied, a sealed one goes straight into its ESP buffer.
    fn route_out(&mut self, now: Instant, packet: &[u8]) {
        let info = match PacketInfo::from_ipv4(packet) {
            Ok(i) => i,
            Err(e) => {
                log::debug!(target: &self.options.log_target, "dropping inside packet: {e}");
                self.drop_packets(DropReason::Malformed, 1);
                return;
            }
        };
        if let Some(EzvpnState {
            client_mode: true,
            assigned: Some(a),
            ..
        }) = self.ezvpn
        {
            // Client mode carries the assigned address's own traffic only
            // (IOS would translate the inside network to it; we do not).
            if info.source != a {
                log::debug!(
                    target: &self.options.log_target,
                    "EZVPN: packet from {} is not from the assigned {a}: dropped",
                    info.source
                );
                self.drop_packets(DropReason::PolicyDiscard, 1);
                return;
            }
        }
        match self.spd.decide(&info, &self.sad) {
            Decision::Protect(id) => self.seal_and_send(now, id, packet),
            Decision::Bypass => {
                self.counters.clear += 1;
                self.transmits.push_back(Transmit::Clear {
                    packet: packet.to_vec(),
                });
            }
            Decision::Discard => self.drop_packets(DropReason::PolicyDiscard, 1),
            Decision::Acquire(acquire) => {
                let peer = match self.statics.get(&acquire.policy) {
                    Some(s) => s.peer,
                    // A negotiated SA's entry whose SA is gone: ask its peer.
                    None => self
                        .children
                        .values()
                        .find(|c| c.policy == acquire.policy)
                        .map(|c| *c.peer.ip()),
                };
                let Some(peer) = peer else {
                    log::debug!(target: &self.options.log_target, "crypto map entry without set peer: packet dropped");
                    self.drop_packets(DropReason::NegotiationFailed, 1);
                    return;
                };
                self.acquire(now, peer, &info, packet.to_vec());
            }
        }
    }

    fn acquire(&mut self, now: Instant, peer: Ipv4Addr, info: &PacketInfo, packet: Vec<u8>) {
        if self.held.len() >= self.options.hold_queue_limit {
            self.drop_packets(DropReason::HoldQueueFull, 1);
            return;
        }
        if let Err(e) = self.negotiate(now, peer, info) {
            log::debug!(target: &self.options.log_target, "IPSEC: {e}");
            self.drop_packets(DropReason::NegotiationFailed, 1);
            return;
        }
        self.counters.held += 1;
        self.held.push_back(Held { peer, packet });
    }

    /// Starts IKE towards `peer` for traffic like `info`, unless a
    /// negotiation with that peer is already pending.
    fn negotiate(
        &mut self,
        now: Instant,
        peer: Ipv4Addr,
        info: &PacketInfo,
    ) -> Result<Initiated, GatewayError> {
        if self.pending.contains(&peer) {
            return Ok(Initiated::Pending(peer));
        }
        // Host selectors: the policy widens them to the crypto ACL line
        // that matched, as IOS proposes the ACL's proxy identities.
        let selectors = Selectors {
            local: TrafficSelector::host(info.source),
            remote: TrafficSelector::host(info.destination),
        };
        log::debug!(
            target: &self.options.log_target,
            "IPSEC(sa_request): acquire from {} to {} for {} -> {}",
            self.local,
            peer,
            info.source,
            info.destination
        );
        let local = SocketAddrV4::new(self.local, self.options.ike_port);
        let remote = SocketAddrV4::new(peer, self.options.ike_port);
        match self.engine.initiate(now, local, remote, selectors) {
            Ok(_) => {
                self.pending.push(peer);
                Ok(Initiated::Started(peer))
            }
            Err(e) => Err(GatewayError::CannotInitiate {
                from: info.source,
                to: info.destination,
                reason: format!("no SA can be negotiated with {peer}: {e}"),
            }),
        }
    }

    fn seal_and_send(&mut self, now: Instant, id: SaId, packet: &[u8]) {
        let Some(child) = self.by_sa_id.get(&id).and_then(|c| self.children.get(c)) else {
            self.drop_packets(DropReason::SealFailed, 1);
            return;
        };
        let (peer, udp) = (child.peer, child.udp);
        let Some(sa) = self.sad.outbound(id) else {
            self.drop_packets(DropReason::SealFailed, 1);
            return;
        };
        let head = sa.headroom();
        let len = packet.len();
        let mut buf = vec![0u8; head + len + sa.tailroom(len)];
        buf[head..head + len].copy_from_slice(packet);
        match self.sad.seal(
            id,
            &mut buf,
            head..head + len,
            protocol::IPV4,
            &mut self.rng,
            now,
        ) {
            Ok(out) => {
                self.counters.sealed += 1;
                let t = match udp {
                    Some((local_port, remote_port)) => Transmit::Udp {
                        local: SocketAddrV4::new(self.local, local_port),
                        remote: SocketAddrV4::new(*peer.ip(), remote_port),
                        // esp-core wrote the UDP header; a UDP socket
                        // writes its own.
                        payload: keep_range(
                            buf,
                            out.start + esp_core::wire::UDP_HEADER_LEN..out.end,
                        ),
                    },
                    None => Transmit::Esp {
                        local: self.local,
                        remote: *peer.ip(),
                        payload: keep_range(buf, out),
                    },
                };
                self.transmits.push_back(t);
            }
            Err(e) => {
                log::debug!(target: &self.options.log_target, "IPSEC: seal with SA {id:?} failed: {e}");
                self.drop_packets(DropReason::SealFailed, 1);
            }
        }
    }

    fn open_esp(&mut self, now: Instant, remote: Ipv4Addr, esp: &[u8]) {
        let mut buf = esp.to_vec();
        let (spi, opened) = match self.sad.open(&mut buf, now) {
            Ok(x) => x,
            Err(e) => {
                log::debug!(target: &self.options.log_target, "IPSEC: ESP from {remote} rejected: {e}");
                self.drop_packets(DropReason::EspRejected, 1);
                return;
            }
        };
        if opened.is_dummy() {
            return;
        }
        let Some(child) = self.by_spi_in.get(&spi).and_then(|c| self.children.get(c)) else {
            self.drop_packets(DropReason::EspRejected, 1);
            return;
        };
        let inner = buf.get(opened.inner.clone()).unwrap_or_default();
        if opened.next_header != protocol::IPV4 {
            self.drop_packets(DropReason::Malformed, 1);
            return;
        }
        let Ok(info) = PacketInfo::from_ipv4(inner) else {
            self.drop_packets(DropReason::Malformed, 1);
            return;
        };
        // RFC 4301 5.2: what an SA delivers must be what it was
        // negotiated for.
        if !esp_selector(&child.selectors).reversed().matches(&info) {
            log::debug!(
                target: &self.options.log_target,
                "IPSEC: packet {} -> {} on SPI 0x{spi:08X} is outside the SA's proxies {:?}: dropped",
                info.source,
                info.destination,
                child.selectors
            );
            self.drop_packets(DropReason::SelectorMismatch, 1);
            return;
        }
        self.counters.delivered += 1;
        self.inside.push_back(keep_range(buf, opened.inner));
    }

    fn drop_packets(&mut self, reason: DropReason, packets: usize) {
        let n = packets as u64;
        let c = &mut self.counters;
        match reason {
            DropReason::Malformed => c.malformed += n,
            DropReason::PolicyDiscard => c.policy_discards += n,
            DropReason::HoldQueueFull => c.hold_queue_full += n,
            DropReason::NegotiationFailed => c.negotiation_failed += n,
            DropReason::EspRejected => c.esp_rejected += n,
            DropReason::SelectorMismatch => c.selector_mismatch += n,
            DropReason::SealFailed => c.seal_failed += n,
        }
        self.events
            .push_back(GatewayEvent::Dropped { reason, packets });
    }

    // ----- the control path ----------------------------------------------

    /// Drains the engine and the SAD until both are quiet.
    fn drain(&mut self, now: Instant) {
        loop {
            let mut busy = false;
            while let Some(d) = self.engine.poll_transmit() {
                busy = true;
                self.transmits.push_back(Transmit::Udp {
                    local: d.local,
                    remote: d.remote,
                    payload: d.payload,
                });
            }
            while let Some(ev) = self.engine.poll_event() {
                busy = true;
                if let Event::IkeSaKeys(keys) = &ev {
                    // The key goes no further than its key-log line.
                    self.events
                        .push_back(GatewayEvent::KeyLog(KeyLogLine::ikev1(keys)));
                    continue;
                }
                self.on_engine_event(now, &ev);
                self.events.push_back(GatewayEvent::Engine(ev));
            }
            while let Some((sa, ev)) = self.sad.poll_event() {
                busy = true;
                self.on_lifetime_event(now, sa, ev);
            }
            busy |= self.probe_holders(now);
            if !busy {
                break;
            }
        }
    }

    /// Quick Mode refused a claim on a flow another peer holds: probe the
    /// holders now (DPD), so a dead one gives the flow up within seconds.
    fn probe_holders(&mut self, now: Instant) -> bool {
        let probes = self.flows().take_probes();
        for ike_sa in &probes {
            match self.engine.probe_peer(now, *ike_sa) {
                Ok(()) => {
                    self.counters.holder_probes += 1;
                    log::debug!(target: &self.options.log_target, "IPSEC: flow claimed by another peer: probing {ike_sa:?}");
                }
                // A peer without DPD cannot be probed: it keeps its flows
                // until its SAs go.
                Err(e) => {
                    log::debug!(target: &self.options.log_target, "IPSEC: holder {ike_sa:?} not probed: {e}")
                }
            }
        }
        !probes.is_empty()
    }

    fn flows(&self) -> std::sync::MutexGuard<'_, FlowOwners> {
        self.flows.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn on_engine_event(&mut self, now: Instant, ev: &Event) {
        match ev {
            Event::IkeSaUp(info) => {
                self.ike_up.insert(info.id, now);
            }
            Event::XauthRequest {
                ike_sa,
                remote,
                user,
                ..
            } => {
                self.deferred_xauth
                    .insert(*ike_sa, (*remote.ip(), user.clone()));
            }
            Event::IkeSaDown { ike_sa, remote, .. } => {
                self.deferred_xauth.remove(ike_sa);
                self.ike_up.remove(ike_sa);
                self.ezvpn_lost(now, *remote.ip());
            }
            Event::IkeSaFailed { ike_sa, remote, .. } => {
                self.deferred_xauth.remove(ike_sa);
                self.fail_peer(*remote.ip());
                self.ezvpn_lost(now, *remote.ip());
            }
            Event::ChildSaUp(c) => {
                if self.install(now, c) {
                    self.flush(now, *c.remote.ip());
                } else {
                    // Routing them again would only negotiate the same
                    // unusable SA again.
                    self.fail_peer(*c.remote.ip());
                }
            }
            Event::ConfigAssigned {
                address,
                server: false,
                ..
            } => {
                if let Some(ez) = self.ezvpn.as_mut() {
                    log::info!(target: &self.options.log_target, "EZVPN: Mode Config address {address}");
                    ez.assigned = Some(*address);
                }
            }
            Event::ChildSaRekeyed { new, .. } => {
                self.install(now, new);
            }
            Event::ChildSaDown { child, .. } => self.uninstall(*child),
            Event::ChildSaFailed { remote, .. } => self.fail_peer(*remote.ip()),
            Event::PeerAddressChanged { old, new, .. } => {
                // The NAT in front of the peer remapped it: send there.
                self.flows().moved(*old, *new);
                for c in self.children.values_mut() {
                    if c.peer == *old {
                        c.peer = *new;
                        if let Some((_, remote)) = &mut c.udp {
                            *remote = new.port();
                        }
                    }
                }
            }
            _ => {}
        }
    }

    fn on_lifetime_event(&mut self, now: Instant, sa: SaRef, ev: LifetimeEvent) {
        let child = match sa {
            SaRef::Inbound(spi) => self.by_spi_in.get(&spi).copied(),
            SaRef::Outbound(id) => self.by_sa_id.get(&id).copied(),
        };
        let Some(child) = child else {
            return;
        };
        match ev {
            LifetimeEvent::SoftExpired(cause) => {
                log::debug!(target: &self.options.log_target, "IPSEC: SA {child:?} soft lifetime ({cause:?}): rekeying");
                if let Err(e) = self.engine.rekey_child_sa(now, child) {
                    log::debug!(target: &self.options.log_target, "IPSEC: rekey of {child:?} refused: {e}");
                }
            }
            LifetimeEvent::HardExpired(cause) => {
                log::debug!(target: &self.options.log_target, "IPSEC: SA {child:?} hard lifetime ({cause:?}): deleting");
                if self.engine.delete_child_sa(now, child).is_err() {
                    self.uninstall(child);
                }
            }
        }
    }

    /// IKE gave up on `peer`: drop what waited for it.
    fn fail_peer(&mut self, peer: Ipv4Addr) {
        self.pending.retain(|p| *p != peer);
        let before = self.held.len();
        self.held.retain(|h| h.peer != peer);
        let dropped = before - self.held.len();
        if dropped > 0 {
            log::debug!(target: &self.options.log_target, "IPSEC: negotiation with {peer} failed: {dropped} held packets dropped");
            self.drop_packets(DropReason::NegotiationFailed, dropped);
        }
    }

    /// An SA towards `peer` came up: route what waited for it again.
    fn flush(&mut self, now: Instant, peer: Ipv4Addr) {
        self.pending.retain(|p| *p != peer);
        let (mine, rest): (VecDeque<Held>, VecDeque<Held>) =
            self.held.drain(..).partition(|h| h.peer == peer);
        self.held = rest;
        for h in mine {
            self.route_out(now, &h.packet);
        }
    }

    /// Installs a child SA pair; on failure deletes it and says false.
    fn install(&mut self, now: Instant, c: &ChildSa) -> bool {
        match self.try_install(now, c) {
            Ok(()) => true,
            Err(reason) => {
                log::warn!(target: &self.options.log_target, "IPSEC: child SA {:?} cannot be installed: {reason}", c.id);
                self.events.push_back(GatewayEvent::SaInstallFailed {
                    child: c.id,
                    reason,
                });
                let _ = self.engine.delete_child_sa(now, c.id);
                false
            }
        }
    }

    fn try_install(&mut self, now: Instant, c: &ChildSa) -> Result<(), String> {
        let suite = suite(c.cipher, c.integrity)?;
        let mode = match c.mode {
            EncapMode::Tunnel => esp_core::Mode::Tunnel,
            EncapMode::Transport => {
                return Err("transport mode is not carried by the Gateway".into());
            }
        };
        let udp = match c.encapsulation {
            Encapsulation::None => None,
            Encapsulation::Udp {
                local_port,
                remote_port,
            } => Some((local_port, remote_port)),
        };
        if udp.is_none() && self.options.force_udp_encapsulation {
            self.counters.raw_esp_refused += 1;
            return Err(format!(
                "{} did not float to ESP in UDP (no NAT-T) and this node cannot carry \
                 raw ESP (forced UDP encapsulation)",
                c.remote.ip()
            ));
        }
        let lifetime = esp_lifetime(c.lifetime);
        let at = now;
        let inbound_params = SaParams::new(c.spi_in, suite)
            .with_mode(mode)
            .with_lifetime(lifetime)
            .with_replay_window(self.options.replay_window);
        let mut outbound_params = SaParams::new(c.spi_out, suite)
            .with_mode(mode)
            .with_lifetime(lifetime);
        if let Some((l, r)) = udp {
            outbound_params = outbound_params.with_udp_encapsulation(l, r);
        }
        let keys_in = KeyMaterial::new(
            c.keys_in.encryption.as_bytes(),
            c.keys_in.integrity.as_bytes(),
        );
        let keys_out = KeyMaterial::new(
            c.keys_out.encryption.as_bytes(),
            c.keys_out.integrity.as_bytes(),
        );
        let inbound = InboundSa::new(&inbound_params, &keys_in, at).map_err(|e| e.to_string())?;
        let outbound =
            OutboundSa::new(&outbound_params, &keys_out, at).map_err(|e| e.to_string())?;
        self.sad
            .insert_inbound(inbound)
            .map_err(|e| e.to_string())?;
        let sa_id = SaId(self.next_sa);
        self.next_sa = self.next_sa.wrapping_add(1).max(1);
        self.sad.insert_outbound(sa_id, outbound);

        let policy = PolicyId(self.next_child_policy);
        self.next_child_policy = self
            .next_child_policy
            .wrapping_add(1)
            .max(CHILD_POLICY_BASE);
        // In front of the static entries: the newest SA for a flow wins.
        self.spd.insert(
            0,
            PolicyEntry {
                id: policy,
                selector: esp_selector(&c.selectors),
                action: PolicyAction::Protect { sa: Some(sa_id) },
            },
        );
        let map_seq = self.map_seq_for(c);
        let peer = c.remote;
        log::info!(
            target: &self.options.log_target,
            "IPSEC(create_sa): sa created, (sa) sa_dest= {}, sa_spi= 0x{:08X}({}), conn_id= {}, (sa) sa_dest= {}, sa_spi= 0x{:08X}({})",
            self.local,
            c.spi_in,
            c.spi_in,
            c.id.0,
            peer.ip(),
            c.spi_out,
            c.spi_out
        );
        self.by_sa_id.insert(sa_id, c.id);
        self.by_spi_in.insert(c.spi_in, c.id);
        self.flows().insert(HeldFlow {
            child: c.id,
            ike_sa: c.ike_sa,
            holder: peer,
            selectors: c.selectors,
        });
        self.children.insert(
            c.id,
            Installed {
                child: c.id,
                sa_id,
                policy,
                spi_in: c.spi_in,
                spi_out: c.spi_out,
                peer,
                udp,
                selectors: c.selectors,
                cipher: c.cipher,
                integrity: c.integrity,
                mode: c.mode,
                lifetime: c.lifetime,
                installed_at: now,
                map_seq,
            },
        );
        if self.options.keylog {
            self.keylog_child(c);
        }
        self.events.push_back(GatewayEvent::SaInstalled {
            child: c.id,
            peer: *c.remote.ip(),
            spi_in: c.spi_in,
            spi_out: c.spi_out,
            udp_encapsulated: udp.is_some(),
        });
        Ok(())
    }

    /// The `esp_sa` lines of both directions of an installed child SA.
    fn keylog_child(&mut self, c: &ChildSa) {
        let (us, peer) = (self.local, *c.remote.ip());
        for (src, dst, spi, keys) in [
            (peer, us, c.spi_in, &c.keys_in),
            (us, peer, c.spi_out, &c.keys_out),
        ] {
            self.events.push_back(GatewayEvent::KeyLog(KeyLogLine::esp(
                src,
                dst,
                spi,
                c.cipher,
                keys.encryption.as_bytes(),
                c.integrity,
                keys.integrity.as_bytes(),
            )));
        }
    }

    /// The crypto map sequence number an SA belongs to: the static entry
    /// for its peer, else the (first) dynamic entry.
    fn map_seq_for(&self, c: &ChildSa) -> Option<u32> {
        let map = self.config.crypto_map(&self.map_name)?;
        let mut entries: Vec<_> = map.entries.iter().collect();
        entries.sort_by_key(|e| e.seq);
        entries
            .iter()
            .find(|e| e.dynamic_map.is_none() && e.peers.contains(c.remote.ip()))
            .or_else(|| entries.iter().find(|e| e.dynamic_map.is_some()))
            .map(|e| e.seq)
    }

    fn uninstall(&mut self, child: ChildSaId) {
        let Some(c) = self.children.remove(&child) else {
            return;
        };
        self.sad.remove_inbound(c.spi_in);
        self.sad.remove_outbound(c.sa_id);
        self.spd.remove(c.policy);
        self.by_sa_id.remove(&c.sa_id);
        self.by_spi_in.remove(&c.spi_in);
        self.flows().remove(child);
        log::info!(
            target: &self.options.log_target,
            "IPSEC(delete_sa): deleting SA, (sa) sa_dest= {}, sa_spi= 0x{:08X}",
            c.peer.ip(),
            c.spi_out
        );
        self.events.push_back(GatewayEvent::SaRemoved { child });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keep_range_keeps_exactly_the_range_in_the_same_allocation() {
        let buf: Vec<u8> = (0..32).collect();
        let ptr = buf.as_ptr();
        let kept = keep_range(buf, 5..12);
        assert_eq!(kept, (5..12).collect::<Vec<u8>>());
        assert_eq!(kept.as_ptr(), ptr, "no new allocation");
        assert_eq!(keep_range((0..4).collect(), 0..4), vec![0, 1, 2, 3]);
        assert!(keep_range((0..4).collect(), 4..4).is_empty());
    }

    const HUB_CFG: &str = include_str!("../../tests/configs/hub.cfg");
    const SPOKE_CFG: &str = include_str!("../../tests/configs/spoke.cfg");

    fn ip_packet(src: [u8; 4], dst: [u8; 4]) -> Vec<u8> {
        let mut p = vec![0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0];
        p.extend_from_slice(&src);
        p.extend_from_slice(&dst);
        p.extend_from_slice(&[0x30, 0x39, 0x00, 0x07, 0, 8, 0, 0]);
        let c = esp_core::wire::internet_checksum(&p[..20]);
        p[10..12].copy_from_slice(&c.to_be_bytes());
        p
    }

    fn carry(from: &mut Gateway, to: &mut Gateway, now: Instant) -> bool {
        let mut moved = false;
        while let Some(t) = from.poll_transmit() {
            moved = true;
            match t {
                Transmit::Udp {
                    local,
                    remote,
                    payload,
                } => to.handle_datagram(now, remote, local, &payload),
                Transmit::Esp { local, payload, .. } => to.handle_esp(now, local, &payload),
                Transmit::Clear { .. } => {}
            }
        }
        moved
    }

    /// Seals `packet` with the spoke's outbound SA, bypassing its SPD: what
    /// a peer that ignores its own selectors would send.
    fn seal_raw(spoke: &mut Gateway, packet: &[u8], now: Instant) -> Vec<u8> {
        let c = spoke.children.values().next().unwrap().clone();
        let sa = spoke.sad.outbound(c.sa_id).unwrap();
        let head = sa.headroom();
        let mut buf = vec![0u8; head + packet.len() + sa.tailroom(packet.len())];
        buf[head..head + packet.len()].copy_from_slice(packet);
        let out = spoke
            .sad
            .seal(
                c.sa_id,
                &mut buf,
                head..head + packet.len(),
                protocol::IPV4,
                &mut spoke.rng,
                now,
            )
            .unwrap();
        buf[out].to_vec()
    }

    #[test]
    fn decapsulated_packets_are_checked_against_the_sa_selectors() {
        let hub_addr = Ipv4Addr::new(192, 0, 2, 1);
        let spoke_addr = Ipv4Addr::new(198, 51, 100, 2);
        let mut rng = ChaCha20Rng::seed_from_u64(9);
        let mut hub = Gateway::from_ios(
            &HUB_CFG.replace("10.48.67.181", "192.0.2.1"),
            GatewayOptions::default(),
            &mut rng,
        )
        .unwrap();
        let mut spoke = Gateway::from_ios(
            &SPOKE_CFG.replace("10.48.67.181", "192.0.2.1"),
            GatewayOptions {
                outside_addr: Some(spoke_addr),
                ..GatewayOptions::default()
            },
            &mut rng,
        )
        .unwrap();
        let now = Instant::from_secs(10);
        spoke.handle_inside(now, &ip_packet([10, 2, 2, 5], [10, 1, 1, 7]));
        while carry(&mut spoke, &mut hub, now) | carry(&mut hub, &mut spoke, now) {}
        assert_eq!(hub.counters().delivered, 1);
        assert_eq!(hub.outside_addr(), hub_addr);

        // Inside the SA's proxies (10.2.0.0/16 -> 10.1.0.0/16): delivered.
        let good = ip_packet([10, 2, 9, 9], [10, 1, 0, 1]);
        let esp = seal_raw(&mut spoke, &good, now);
        hub.handle_esp(now, spoke_addr, &esp);
        assert_eq!(hub.counters().delivered, 2);
        // Outside them: authenticated and decrypted, but dropped.
        let bad = ip_packet([10, 2, 9, 9], [10, 3, 0, 1]);
        let esp = seal_raw(&mut spoke, &bad, now);
        hub.handle_esp(now, spoke_addr, &esp);
        assert_eq!(hub.counters().delivered, 2);
        assert_eq!(hub.counters().selector_mismatch, 1);
        let inside: Vec<Vec<u8>> = core::iter::from_fn(|| hub.poll_inside()).collect();
        assert_eq!(inside.len(), 2);
        assert_eq!(inside[1], good);
        // A tampered packet does not open.
        let mut esp = seal_raw(&mut spoke, &good, now);
        let last = esp.len() - 1;
        esp[last] ^= 1;
        hub.handle_esp(now, spoke_addr, &esp);
        assert_eq!(hub.counters().esp_rejected, 1);
        // NAT keepalives on the NAT-T port are counted and dropped.
        hub.handle_datagram(
            now,
            hub.natt_endpoint(),
            SocketAddrV4::new(spoke_addr, 4500),
            &[0xff],
        );
        assert_eq!(hub.counters().nat_keepalives, 1);
        assert!(hub.poll_transmit().is_none());
    }
}
