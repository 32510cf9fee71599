//! The Gateway's public value types: options, errors, outputs, events, counters.

use super::*;

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
    /// `debug crypto isakmp` / `debug crypto ipsec` at start (then
    /// [`Gateway::exec`] turns them on and off). Both on by default, so a
    /// Gateway logs as it always did; the `log` facade's level still
    /// filters what is written.
    pub debug: Debugging,
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
            debug: Debugging::ALL,
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
    /// [`Gateway::split_data_plane`] refused.
    #[error("the data plane cannot be split: {0}")]
    DataPlane(String),
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
#[derive(Debug)]
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
