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
//!
//!    Or, for the data path in the caller's own buffers with no heap
//!    allocation per packet, [`Gateway::seal_into`] (an inside packet into
//!    an ESP datagram, or what became of it: [`Outbound`]) and
//!    [`Gateway::open_into`] / [`Gateway::open_esp_into`] (ESP opened in
//!    place, or IKE handed to the engine: [`Inbound`]); the outputs below
//!    still carry IKE and events.
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
//! 4. **Operator**: [`Gateway::exec`] with an IOS exec line (`show crypto
//!    isakmp sa [detail]`, `show crypto ipsec sa [peer A | map M |
//!    interface I]`, `show crypto session`, `clear crypto sa peer A`,
//!    `debug crypto isakmp` ..., abbreviations such as `sh cry isa sa`
//!    accepted, IOS's error text for bad input), [`Gateway::show`] for the
//!    show commands alone; [`Gateway::counters`], [`Gateway::status_json`]
//!    for monitoring.
//! 5. **Lifecycle**: [`Gateway::shutdown`] (a Delete for every SA, when
//!    the node stops), [`Gateway::set_outside_address`] (`ip address dhcp`
//!    got a new lease), [`Gateway::configure_replace`] (a new
//!    configuration, live: the SAs it does not change stay up).
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
//! One hub's data plane can also run on N threads:
//! [`Gateway::split_data_plane`] gives N [`DataPlaneWorker`]s, each owning
//! the ESP SAs whose inbound SPI maps to it, while the Gateway keeps IKE
//! and the views ([`plane`] says how packets are steered and how the two
//! sides talk: channels, no lock per packet).
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
//! ([`GatewayOptions::log_target`]), each line once, in the order IOS
//! prints them (the engine writes its lines as they happen, between the
//! resolver's). With [`GatewayOptions::log_events`] the engine's lines
//! arrive as [`Event::Log`] events instead. `debug crypto isakmp|ipsec`
//! ([`GatewayOptions::debug`], [`Gateway::exec`]) switches the lines in
//! the engine, the resolver and the Gateway alike: a line no switch lets
//! through is not formatted.

mod build;
mod caller_buffer;
mod commands;
mod control;
mod convert;
mod datapath;
mod early_esp;
mod exec;
mod exec_parse;
mod ezvpn;
pub mod in_memory;
mod install;
mod json;
mod keylog;
mod lifecycle;
mod live_policy;
pub mod plane;
mod reload;
mod show;
mod spd;
#[cfg(test)]
mod tests;
mod types;
#[cfg(feature = "unnegotiated-sas")]
mod unnegotiated;
mod views;
mod worker;

pub use caller_buffer::{Inbound, Outbound, SEAL_OVERHEAD};
use caller_buffer::{OpenedIn, Routed, RoutedSad, Routes};
pub use keylog::{KEYLOG_HEADER, KeyLogLine};
pub use plane::{DataPlaneWorker, esp_worker, worker_for_spi};
use plane::{SaMirror, Split};

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
    ChildSa, ChildSaId, ChildSaKeys, CommandError, Config as EngineConfig, DpdConfig, DpdMode,
    Encapsulation, Engine, Event, IkeSaId,
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
    /// The SAs, each outbound one with its route.
    sad: RoutedSad,
    spd: Spd,
    rng: ChaCha20Rng,
    statics: HashMap<PolicyId, StaticPolicy>,
    ezvpn: Option<EzvpnState>,
    /// Boxed: a tree node then holds eleven pointers, not eleven
    /// 112-byte records mostly a third empty.
    children: BTreeMap<ChildSaId, Box<Installed>>,
    by_sa_id: HashMap<SaId, ChildSaId>,
    by_spi_in: HashMap<u32, ChildSaId>,
    /// The data path's per-SA look-ups (peer, ports, selectors).
    routes: Routes,
    /// Peers an acquire is pending for.
    pending: Vec<Ipv4Addr>,
    held: VecDeque<Held>,
    transmits: VecDeque<Transmit>,
    inside: VecDeque<Vec<u8>>,
    events: VecDeque<GatewayEvent>,
    counters: GatewayCounters,
    /// The flows our child SAs hold, shared with the policy that answers
    /// Quick Mode ([`crate::ownership`]).
    flows: Arc<std::sync::Mutex<FlowOwners>>,
    /// The engine's policy, for the operator's views of its shared state
    /// (pools).
    policy: IosPolicy,
    /// The engine's policy cell, holding the same policy as `policy`
    /// ([`Gateway::configure_replace`] refills both).
    live: live_policy::PolicyCell,
    /// Xauth replies waiting for the embedder's verdict: the source and
    /// user, for the back-off.
    deferred_xauth: HashMap<IkeSaId, (Ipv4Addr, String)>,
    /// IKE SAs whose hub asked us (the Xauth client) for credentials the
    /// configuration does not hold (`crypto ipsec client ezvpn xauth`).
    xauth_asked: Vec<IkeSaId>,
    /// `debug crypto isakmp|ipsec` in force.
    debugging: Debugging,
    next_sa: u32,
    next_child_policy: u32,
    now: Instant,
    /// The data-plane workers' side, once split
    /// ([`Gateway::split_data_plane`]).
    split: Option<Split>,
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

use convert::*;
pub use exec::{Debugging, ExecAction, ExecOutput, ExecStatus};
pub use reload::{ReloadReport, ReloadedSa};
pub use types::*;

impl Gateway {
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
        if let Some(split) = &self.split {
            split.add_counters(&mut c);
        }
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

    /// Number of child SA pairs installed in the SAD (the workers' SADs
    /// when split).
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
        if self.split.as_ref().is_some_and(Split::has_reports) {
            // A worker sent a lifetime event, an acquire or IKE.
            return Some(self.now);
        }
        let esp = self.sad.poll_timeout();
        let retry = self.ezvpn.as_ref().and_then(|e| e.retry_at);
        [self.engine.poll_timeout(), esp, retry]
            .into_iter()
            .flatten()
            .min()
    }
}
