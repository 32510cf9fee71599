//! The sans-IO IKEv1 engine: the IKE SA table and the driving surface.
//!
//! The engine never touches a socket or a clock. The caller feeds it what
//! happened and drains what it wants done, quinn-proto style.
//!
//! # Call order
//!
//! 1. **Inputs** (`handle_*`), each with the current [`Instant`] (monotonic,
//!    never going back):
//!    * [`Engine::handle_datagram`] for every UDP datagram received on the
//!      IKE or the NAT-T port ([`Config::ike_port`], [`Config::natt_port`]:
//!      500 and 4500 by default; the non-ESP marker on the NAT-T port is the
//!      engine's business; ESP-in-UDP and NAT keepalives are recognised and
//!      ignored);
//!    * [`Engine::handle_timeout`] when the instant from
//!      [`Engine::poll_timeout`] has been reached.
//! 2. **Commands**: [`Engine::initiate`] (the ESP *acquire*: protect these
//!    selectors towards this peer), [`Engine::delete_child_sa`],
//!    [`Engine::delete_ike_sa`], [`Engine::rekey_child_sa`] (a kilobyte
//!    soft lifetime the data plane saw run out), and the answers to the
//!    Transaction exchange's questions: [`Engine::xauth_verdict`] (the
//!    server's verdict on [`Event::XauthRequest`], which may come long
//!    after the client's REPLY) and [`Engine::provide_xauth_credentials`]
//!    (the client's answer to [`Event::XauthCredentialsRequest`]).
//! 3. **Outputs**, drained after every input or command, in this order:
//!    * [`Engine::poll_transmit`] until `None`: datagrams to send, with the
//!      local and remote address and port;
//!    * [`Engine::poll_event`] until `None`: IKE SA up/down, child SA
//!      up/rekeyed/down (SPIs, algorithms, keys, selectors, lifetimes,
//!      encapsulation), Xauth asked / done, Mode Config address assigned,
//!      peer dead, log lines in IOS's vocabulary (or, with
//!      [`Config::log_target`], to the `log` facade instead);
//!    * [`Engine::poll_timeout`]: the next instant the engine wants
//!      [`Engine::handle_timeout`] to be called.
//! 4. **Views**, at any time: [`Engine::ike_sas`], [`Engine::child_sas`],
//!    [`Engine::ike_sa_rows`], and [`Engine::counters`] (every datagram
//!    dropped or refused, by reason).
//!
//! Policy questions go through the [`Policy`] trait; randomness (cookies,
//! nonces, SPIs, message IDs, DH secrets) comes from the injected
//! [`CryptoRng`], so a seeded generator makes a run reproducible.
//!
//! # Threading
//!
//! An [`Engine`] is `Send` (its policy and generator are boxed as
//! `dyn Policy + Send` and `dyn CryptoRng + Send`) but not `Sync`: build it
//! on one thread, drive it from another, one thread at a time (every
//! method takes `&mut self` or `&self`). Engines share nothing, so one per
//! worker thread scales across cores.
//!
//! ```
//! use std::net::{Ipv4Addr, SocketAddrV4};
//! use ike_proto::engine::{Config, Engine};
//! use ike_proto::policy::{StaticPolicy, TrafficSelector};
//! use ike_proto::time::Instant;
//! use rand_chacha::ChaCha20Rng;
//! use rand_core::SeedableRng;
//!
//! let policy = StaticPolicy::seed(
//!     b"cisco123",
//!     TrafficSelector::subnet(Ipv4Addr::new(10, 2, 0, 0), 16),
//!     TrafficSelector::subnet(Ipv4Addr::new(10, 1, 0, 0), 16),
//! );
//! let mut spoke = Engine::new(Config::default(), Box::new(policy), Box::new(ChaCha20Rng::seed_from_u64(1)));
//! let local = SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 2), 500);
//! let hub = SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 1), 500);
//! let packet = ike_proto::policy::Selectors {
//!     local: TrafficSelector::host(Ipv4Addr::new(10, 2, 0, 5)),
//!     remote: TrafficSelector::host(Ipv4Addr::new(10, 1, 0, 7)),
//! };
//! spoke.initiate(Instant::ZERO, local, hub, packet).unwrap();
//! let mm1 = spoke.poll_transmit().unwrap();
//! assert_eq!(mm1.remote, hub);
//! assert!(spoke.poll_timeout().is_some()); // the retransmission
//! ```

mod budget;
mod children;
mod counters;
mod flight;
mod half_open;
mod informational;
mod phase1;
mod probe;
mod process;
mod quick_mode;
mod timers;
mod xact;

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::fmt;
use std::net::{Ipv4Addr, SocketAddrV4};

use rand_core::CryptoRng;

use self::children::{ChildEntry, ChildTable};
pub use self::counters::Counters;
use self::flight::{Backoff, Flight};

pub use crate::error::Error;
pub use crate::exchange::NatDetection;
use crate::exchange::aggressive::{AggressiveInitiator, AggressiveResponder};
pub use crate::exchange::informational::InfoItem;
use crate::exchange::main_mode::{MainModeInitiator, MainModeResponder};
pub use crate::exchange::notify;
pub use crate::exchange::quick_mode::{EspKeys, SecretKey};
use crate::exchange::quick_mode::{QuickModeInitiator, QuickModeResponder};
use crate::exchange::transaction::Transaction;
use crate::exchange::{Ctx, Phase1Sa};
use crate::policy::{
    DhGroup, EncapMode, EspCipher, EspIntegrity, Identity, Lifetime, ModeConfigAttributes,
    Phase1Proposal, Policy, Profile, Selectors, XauthPassword,
};
use crate::time::{Duration, Instant, Timer, TimerTable};

/// Handle of an IKE (ISAKMP) SA, unique within one engine (IOS's conn-id).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IkeSaId(pub u64);

/// Handle of a child (IPsec) SA pair, unique within one engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChildSaId(pub u64);

/// A datagram to send.
#[derive(Clone, PartialEq, Eq)]
pub struct Datagram {
    /// Our address and port (the IKE port, or the NAT-T port after the
    /// float).
    pub local: SocketAddrV4,
    /// The peer's address and port.
    pub remote: SocketAddrV4,
    /// The UDP payload (with the non-ESP marker on the NAT-T port).
    pub payload: Vec<u8>,
}

impl fmt::Debug for Datagram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Datagram({} -> {}, {} bytes)",
            self.local,
            self.remote,
            self.payload.len()
        )
    }
}

/// DPD mode (`crypto isakmp keepalive ... [periodic | on-demand]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DpdMode {
    /// Send R-U-THERE only after `interval` without hearing from the peer.
    OnIdle,
    /// Send R-U-THERE every `interval`.
    Periodic,
}

/// Dead peer detection settings (RFC 3706).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DpdConfig {
    /// Idle time / period before an R-U-THERE.
    pub interval: Duration,
    /// Time between unanswered R-U-THEREs.
    pub retry: Duration,
    /// Unanswered R-U-THEREs after which the peer is dead.
    pub retries: u32,
    /// On-idle or periodic.
    pub mode: DpdMode,
}

impl Default for DpdConfig {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(10),
            retry: Duration::from_secs(2),
            retries: 5,
            mode: DpdMode::OnIdle,
        }
    }
}

/// Engine settings that are not per-peer policy.
#[derive(Clone, Debug)]
pub struct Config {
    /// First retransmission interval (doubles each try).
    pub retransmit_interval: Duration,
    /// Longest retransmission interval.
    pub retransmit_max_interval: Duration,
    /// Sends of one message before the exchange is given up.
    pub retransmit_tries: u32,
    /// How long a phase 1 (and a Quick Mode or Transaction exchange) may
    /// stay incomplete; at least the retransmission budget (the sum of
    /// the `retransmit_tries` intervals), so every try is made. With the
    /// defaults both are a minute.
    pub half_open_timeout: Duration,
    /// Half-open responder SAs per peer address; beyond it the address's
    /// own oldest unverified one makes room.
    pub half_open_per_peer: usize,
    /// Half-open responder SAs in total; beyond it the oldest unverified
    /// one (the peer never sent its second message) makes room, so a flood
    /// of spoofed first messages delays real peers by at most
    /// `half_open_total / flood rate` seconds instead of locking them out.
    pub half_open_total: usize,
    /// Bytes the half-open responder SAs may retain in all (state, the
    /// peer's SA payload, our last message), as the engine estimates them:
    /// evicts as `half_open_total` does, so large first messages cannot
    /// raise the memory bound. The estimate is conservative: under a
    /// 10,000-per-second spoofed flood the allocator counts about two
    /// thirds of it (tests/flood.rs measures both).
    pub half_open_memory: usize,
    /// Diffie-Hellman computations per second Aggressive Mode first
    /// messages may cost (each is a DH before the peer proved its
    /// address); beyond it an AM1 is dropped and counted, and its
    /// retransmission has priority.
    pub aggressive_dh_per_second: u32,
    /// Aggressive Mode DHs allowed in a burst.
    pub aggressive_dh_burst: u32,
    /// Child SAs (IPsec SA pairs, rekeyed ones awaiting their hard expiry
    /// included) one IKE SA may negotiate and hold; a Quick Mode beyond it
    /// is refused with NO_PROPOSAL_CHOSEN.
    pub max_child_sas_per_ike_sa: usize,
    /// Child SAs all IKE SAs with one peer address may hold (VPN clients
    /// behind one NAT share it).
    pub max_child_sas_per_peer: usize,
    /// Offer and accept NAT traversal.
    pub nat_traversal: bool,
    /// Speak RFC 3947 NAT-T (payloads 20/21, modes 3/4).
    pub nat_t_rfc3947: bool,
    /// Speak the draft 02/02\n/03 NAT-T of older peers (payloads 130/131,
    /// modes 61443/61444).
    pub nat_t_drafts: bool,
    /// NAT keepalive period when we are behind a NAT.
    pub nat_keepalive: Duration,
    /// Periodic DPD probes, `None` for none (IOS without `crypto isakmp
    /// keepalive`). R-U-THERE is answered either way.
    pub dpd: Option<DpdConfig>,
    /// Send the DPD vendor ID (RFC 3706: "I answer R-U-THERE"), as IOS
    /// does whether or not it probes itself. Off only to stand in for a
    /// peer without DPD.
    pub advertise_dpd: bool,
    /// Send INITIAL_CONTACT after a phase 1 with a peer we hold nothing with.
    pub initial_contact: bool,
    /// Child SA rekey point as initiator, in per-mille of the lifetime.
    pub rekey_initiator_permille: u64,
    /// Child SA rekey point as responder, in per-mille of the lifetime.
    pub rekey_responder_permille: u64,
    /// How long a finished Quick Mode is kept to answer retransmissions;
    /// at least the retransmission budget, as long as the peer may still
    /// be resending the message we answered last.
    pub finished_exchange_linger: Duration,
    /// Set the commit bit in our Quick Mode messages (RFC 2408 3.1): the
    /// SA is used only after CONNECTED. Off, as in IOS.
    pub quick_mode_commit: bool,
    /// Our IKE port: where an [`Engine::initiate`] given port 0 sends from.
    /// 500 unless running unprivileged.
    pub ike_port: u16,
    /// Our NAT-T port: datagrams arriving on it carry the non-ESP marker,
    /// and an SA that floats sends from it. 4500 unless running
    /// unprivileged; must differ from `ike_port`.
    pub natt_port: u16,
    /// The peer's IKE port, where an [`Engine::initiate`] given port 0
    /// sends to.
    pub peer_ike_port: u16,
    /// The peer's NAT-T port, where an SA we initiated floats to (a
    /// responder learns it from the datagram the peer floated with).
    pub peer_natt_port: u16,
    /// Always float to the NAT-T port and carry ESP in UDP, as if a NAT
    /// were in the path (strongSwan's `forceencaps`): the NAT-D payload
    /// for our own address is a random value (RFC 3947 allows it), so the
    /// peer sees us "behind a NAT", and we count a NAT as detected
    /// ([`NatDetection::forced`]). Needs a peer that speaks NAT-T; one
    /// that does not gets plain ESP modes. For nodes on UDP sockets, which
    /// cannot send raw ESP.
    pub force_udp_encapsulation: bool,
    /// Xauth tries per IKE SA as the server: a wrong password is asked
    /// again with a new REQUEST until this many failed; then SET with
    /// XAUTH_STATUS FAIL, and the IKE SA is deleted once it is acknowledged.
    pub xauth_attempts: u32,
    /// Report each IKE SA's phase-1 encryption key in an
    /// [`Event::IkeSaKeys`] when phase 1 completes, for a Wireshark key
    /// log. Off by default: it hands out a secret, and only an embedder
    /// that writes a key log on purpose should turn it on.
    pub keylog: bool,
    /// Where the log lines in IOS's debug vocabulary go, each exactly
    /// once: `None` (the default) as [`Event::Log`] events, polled per
    /// engine; `Some(target)` to the `log` facade at debug level under
    /// this target (a name the embedder gives, so the lines of several
    /// engines in one process can be told apart and filtered, e.g.
    /// `RUST_LOG=hub=debug`), and not as events.
    pub log_target: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            retransmit_interval: Duration::from_secs(2),
            retransmit_max_interval: Duration::from_secs(30),
            retransmit_tries: 5,
            half_open_timeout: Duration::from_secs(60),
            half_open_per_peer: 8,
            half_open_total: 16_384,
            half_open_memory: 48 << 20,
            aggressive_dh_per_second: 100,
            aggressive_dh_burst: 20,
            max_child_sas_per_ike_sa: 32,
            max_child_sas_per_peer: 256,
            nat_traversal: true,
            nat_t_rfc3947: true,
            nat_t_drafts: true,
            nat_keepalive: Duration::from_secs(20),
            dpd: Some(DpdConfig::default()),
            advertise_dpd: true,
            initial_contact: true,
            rekey_initiator_permille: 850,
            rekey_responder_permille: 950,
            finished_exchange_linger: Duration::from_secs(60),
            quick_mode_commit: false,
            xauth_attempts: 3,
            ike_port: IKE_PORT,
            natt_port: NATT_PORT,
            peer_ike_port: IKE_PORT,
            peer_natt_port: NATT_PORT,
            force_udp_encapsulation: false,
            keylog: false,
            log_target: None,
        }
    }
}

/// UDP encapsulation of ESP (RFC 3948), if NAT-T is in use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encapsulation {
    /// Plain ESP (IP protocol 50).
    None,
    /// ESP in UDP between these ports.
    Udp {
        /// Our port ([`Config::natt_port`]).
        local_port: u16,
        /// The peer's port (its NAT-T port, or what a NAT maps it to).
        remote_port: u16,
    },
}

/// A negotiated child SA pair, everything the data plane needs.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ChildSa {
    /// Handle.
    pub id: ChildSaId,
    /// The IKE SA that negotiated it.
    pub ike_sa: IkeSaId,
    /// Our IKE endpoint (the ESP source address).
    pub local: SocketAddrV4,
    /// The peer's IKE endpoint (the ESP destination address).
    pub remote: SocketAddrV4,
    /// SPI of the inbound SA (chosen by us).
    pub spi_in: u32,
    /// SPI of the outbound SA (chosen by the peer).
    pub spi_out: u32,
    /// Encryption.
    pub cipher: EspCipher,
    /// Integrity.
    pub integrity: Option<EspIntegrity>,
    /// Tunnel or transport.
    pub mode: EncapMode,
    /// Plain or UDP-encapsulated.
    pub encapsulation: Encapsulation,
    /// PFS group used.
    pub pfs: Option<DhGroup>,
    /// Protected traffic, from our point of view.
    pub selectors: Selectors,
    /// Lifetime (hard).
    pub lifetime: Lifetime,
    /// Keys of the inbound SA.
    pub keys_in: EspKeys,
    /// Keys of the outbound SA.
    pub keys_out: EspKeys,
    /// Whether we initiated the Quick Mode.
    pub initiator: bool,
}

/// A completed phase 1.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct IkeSaInfo {
    /// Handle.
    pub id: IkeSaId,
    /// Our endpoint.
    pub local: SocketAddrV4,
    /// The peer's endpoint.
    pub remote: SocketAddrV4,
    /// Whether we initiated.
    pub initiator: bool,
    /// The peer's authenticated identity.
    pub peer_identity: Identity,
    /// Our identity.
    pub local_identity: Identity,
    /// The profile the identity matched.
    pub profile: Option<Profile>,
    /// The negotiated transform.
    pub proposal: Phase1Proposal,
    /// The lifetime in force.
    pub lifetime: Lifetime,
    /// NAT detection.
    pub nat: NatDetection,
    /// The peer does DPD.
    pub peer_dpd: bool,
    /// When phase 1 completed.
    pub established_at: Instant,
    /// When the phase-1 lifetime runs out (`None`: no time limit).
    pub expires_at: Option<Instant>,
    /// The user Xauth accepted on this SA (either role), if it ran.
    pub xauth_user: Option<String>,
    /// The Mode Config address: the one we gave the peer (server), or
    /// the one we were given (client).
    pub config_address: Option<Ipv4Addr>,
}

/// The half-open responder table at a glance ([`Engine::half_open`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct HalfOpenStats {
    /// Responder SAs whose phase 1 is not complete.
    pub entries: usize,
    /// Of which the peer never sent its second message (evictable).
    pub unverified: usize,
    /// What they retain, estimated from their sizes: the SA and its
    /// state, the peer's SA payload, our last message (twice: to
    /// retransmit and to answer duplicates), the table's indexes.
    pub bytes: usize,
}

/// One row of the IKE SA table, complete or not, for `show crypto isakmp
/// sa`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct IkeSaRow {
    /// Handle (IOS's conn-id).
    pub id: IkeSaId,
    /// Our endpoint.
    pub local: SocketAddrV4,
    /// The peer's endpoint.
    pub remote: SocketAddrV4,
    /// Whether we initiated.
    pub initiator: bool,
    /// IOS's name for where phase 1 stands: `MM_NO_STATE`, `MM_SA_SETUP`,
    /// `MM_KEY_EXCH`, `AG_INIT_EXCH`, `QM_IDLE`.
    pub state: &'static str,
}

/// Why an SA went away.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DownReason {
    /// Its lifetime ran out.
    Expired,
    /// The peer sent a Delete.
    DeletedByPeer,
    /// A local command.
    DeletedLocally,
    /// DPD declared the peer dead.
    PeerDead,
    /// The peer rebooted (INITIAL_CONTACT).
    InitialContact,
}

/// A log line in IOS's debug vocabulary.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LogLine {
    /// The IKE SA concerned.
    pub ike_sa: Option<IkeSaId>,
    /// The Quick Mode message ID (IOS's "Node").
    pub node: Option<u32>,
    /// The text, e.g. `Old State = IKE_READY New State = IKE_R_MM1`.
    pub text: String,
}

impl fmt::Display for LogLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ISAKMP (0:{}): ", self.ike_sa.map_or(0, |i| i.0))?;
        if let Some(n) = self.node {
            write!(f, "Node {n}, ")?;
        }
        f.write_str(&self.text)
    }
}

/// The phase-1 key of an IKE SA, as Wireshark's `ikev1_decryption_table`
/// takes it (initiator cookie, encryption key). Only reported under
/// [`Config::keylog`]; `Debug` shows the cookies, never the key.
#[derive(Clone)]
pub struct IkeSaKeys {
    /// Handle.
    pub ike_sa: IkeSaId,
    /// CKY-I.
    pub initiator_cookie: [u8; 8],
    /// CKY-R.
    pub responder_cookie: [u8; 8],
    /// The phase-1 cipher key: SKEYID_e expanded to the cipher's key
    /// length (RFC 2409 appendix B), e.g. 24 bytes for 3DES. Wiped on drop.
    pub encryption_key: crate::crypto::SecretBytes,
}

impl fmt::Debug for IkeSaKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IkeSaKeys")
            .field("ike_sa", &self.ike_sa)
            .field("initiator_cookie", &self.initiator_cookie)
            .field("responder_cookie", &self.responder_cookie)
            .field("encryption_key", &"<redacted>")
            .finish()
    }
}

/// What the engine tells its caller.
///
/// Deliberately not `#[non_exhaustive]`: a caller that maps events (the C
/// API does) should be made to handle a new one, so a new variant comes
/// with a minor version (0.x), like any other API change.
#[derive(Clone, Debug)]
pub enum Event {
    /// Phase 1 completed.
    IkeSaUp(IkeSaInfo),
    /// The phase-1 key of an IKE SA that just completed phase 1 (before
    /// its [`Event::IkeSaUp`]), for a key log; only under [`Config::keylog`].
    IkeSaKeys(IkeSaKeys),
    /// An established IKE SA went away.
    IkeSaDown {
        /// Handle.
        ike_sa: IkeSaId,
        /// The peer.
        remote: SocketAddrV4,
        /// Why.
        reason: DownReason,
    },
    /// Phase 1 failed or was given up before completing.
    IkeSaFailed {
        /// Handle.
        ike_sa: IkeSaId,
        /// The peer.
        remote: SocketAddrV4,
        /// What went wrong (`None`: retransmissions exhausted / timed out).
        error: Option<Error>,
    },
    /// A child SA pair is ready.
    ChildSaUp(ChildSa),
    /// A child SA was rekeyed: `new` replaces `old` (which stays installed
    /// until its own [`Event::ChildSaDown`]).
    ChildSaRekeyed {
        /// The SA being replaced.
        old: ChildSaId,
        /// The new SA.
        new: ChildSa,
    },
    /// A child SA pair went away.
    ChildSaDown {
        /// Handle.
        child: ChildSaId,
        /// The peer.
        remote: SocketAddrV4,
        /// Inbound SPI.
        spi_in: u32,
        /// Outbound SPI.
        spi_out: u32,
        /// Why.
        reason: DownReason,
    },
    /// A Quick Mode failed.
    ChildSaFailed {
        /// The peer.
        remote: SocketAddrV4,
        /// The selectors of the acquire.
        selectors: Selectors,
        /// What went wrong (`None`: timed out).
        error: Option<Error>,
    },
    /// DPD declared the peer dead.
    PeerDead {
        /// The IKE SA.
        ike_sa: IkeSaId,
        /// The peer.
        remote: SocketAddrV4,
    },
    /// The peer's address or port changed under NAT.
    PeerAddressChanged {
        /// The IKE SA.
        ike_sa: IkeSaId,
        /// The old endpoint.
        old: SocketAddrV4,
        /// The new endpoint.
        new: SocketAddrV4,
    },
    /// A notify arrived.
    NotifyReceived {
        /// The IKE SA, if any.
        ike_sa: Option<IkeSaId>,
        /// The peer.
        remote: SocketAddrV4,
        /// The notify type.
        ty: u16,
        /// Whether it was protected by phase-1 keys.
        authenticated: bool,
    },
    /// A peer's Xauth user name and password await a verdict
    /// ([`Engine::xauth_verdict`]); the policy deferred it.
    XauthRequest {
        /// The IKE SA.
        ike_sa: IkeSaId,
        /// The peer.
        remote: SocketAddrV4,
        /// XAUTH_USER_NAME.
        user: String,
        /// XAUTH_USER_PASSWORD (zeroized on drop, never printed).
        password: XauthPassword,
    },
    /// As the Xauth client, the server asked for a user name and password
    /// and the policy has none: answer with
    /// [`Engine::provide_xauth_credentials`].
    XauthCredentialsRequest {
        /// The IKE SA.
        ike_sa: IkeSaId,
        /// The server.
        remote: SocketAddrV4,
    },
    /// Xauth ended on an IKE SA (either role).
    XauthDone {
        /// The IKE SA.
        ike_sa: IkeSaId,
        /// The peer.
        remote: SocketAddrV4,
        /// The user (as the client: ours).
        user: String,
        /// XAUTH_STATUS OK.
        ok: bool,
    },
    /// Mode Config gave an address: to the peer (we are the server) or to
    /// us (we are the client).
    ConfigAssigned {
        /// The IKE SA.
        ike_sa: IkeSaId,
        /// The peer.
        remote: SocketAddrV4,
        /// The address.
        address: Ipv4Addr,
        /// Everything the exchange carried (address, DNS, WINS, domain,
        /// the Cisco Unity attributes ...), boxed to keep every event small.
        attributes: Box<ModeConfigAttributes>,
        /// Whether we handed it out.
        server: bool,
    },
    /// A log line, when [`Config::log_target`] is `None` (otherwise it
    /// goes to the `log` facade instead).
    Log(LogLine),
}

/// Why a command was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CommandError {
    /// The policy does not protect this traffic towards this peer.
    #[error("policy does not protect these selectors towards the peer")]
    NotProtected,
    /// The policy has no phase-1 proposal or key for this peer.
    #[error("no phase-1 policy or key for the peer")]
    NoPhase1Policy,
    /// No such SA.
    #[error("no such SA")]
    UnknownSa,
    /// The SA does not wait for an Xauth verdict.
    #[error("no Xauth verdict awaited on this SA")]
    NoXauthPending,
}

// ---------------------------------------------------------------------
// Internal state
// ---------------------------------------------------------------------

/// An IKE SA's own timers; its exchanges' retransmissions are their
/// [`Flight`]s'.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SaTimer {
    /// Half-open timeout, or the phase-1 lifetime.
    Expire,
    /// DPD: next R-U-THERE (or its retry).
    Dpd,
    /// NAT keepalive.
    Keepalive,
}

impl Timer for SaTimer {
    const COUNT: usize = 3;
    fn index(self) -> usize {
        self as usize
    }
    fn from_index(i: usize) -> Option<Self> {
        [Self::Expire, Self::Dpd, Self::Keepalive].get(i).copied()
    }
}

enum Phase1State {
    MainI(MainModeInitiator),
    MainR(MainModeResponder),
    AggrI(AggressiveInitiator),
    AggrR(AggressiveResponder),
    Established(Box<Phase1Sa>),
    /// Transitional, while a state is being handled.
    Gone,
}

impl Phase1State {
    /// The `show crypto isakmp sa` state.
    fn ios_state(&self) -> &'static str {
        match self {
            Self::MainI(MainModeInitiator::ExpectSa(_)) => "MM_NO_STATE",
            Self::MainI(MainModeInitiator::ExpectKe(_))
            | Self::MainR(MainModeResponder::ExpectKe(_)) => "MM_SA_SETUP",
            Self::MainI(MainModeInitiator::ExpectHashR(_))
            | Self::MainR(MainModeResponder::ExpectHashI(_)) => "MM_KEY_EXCH",
            Self::AggrI(_) => "AG_NO_STATE",
            Self::AggrR(_) => "AG_INIT_EXCH",
            Self::Established(_) => "QM_IDLE",
            Self::Gone => "MM_NO_STATE",
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Self::MainI(s) => s.name(),
            Self::MainR(s) => s.name(),
            Self::AggrI(s) => s.name(),
            Self::AggrR(s) => s.name(),
            Self::Established(_) => "IKE_P1_COMPLETE",
            Self::Gone => "IKE_DEST_SA",
        }
    }
}

enum QmRole {
    Initiator(QuickModeInitiator),
    Responder(QuickModeResponder),
    /// Finished: kept to answer retransmissions.
    Done,
}

/// Why a Quick Mode was started.
#[derive(Clone, Copy, Debug)]
struct Acquire {
    selectors: Selectors,
    rekey_of: Option<ChildSaId>,
}

struct QmSlot {
    message_id: u32,
    /// Our inbound SPI (reserved in [`Engine::quick_spis`] while the
    /// slot lives).
    spi_in: u32,
    role: QmRole,
    acquire: Option<Acquire>,
    flight: Flight,
    expire_at: Instant,
}

#[derive(Default)]
struct Dpd {
    seq: u32,
    /// First and last sequence number sent in this round, and the tries.
    outstanding: Option<(u32, u32, u32)>,
    last_heard: Option<Instant>,
}

struct IkeSa {
    id: IkeSaId,
    icookie: [u8; 8],
    rcookie: [u8; 8],
    initiator: bool,
    local: SocketAddrV4,
    remote: SocketAddrV4,
    floated: bool,
    phase1: Phase1State,
    timers: TimerTable<SaTimer, { SaTimer::COUNT }>,
    /// Phase 1's messages: our last one, the peer's last (duplicates get
    /// our answer again), the retransmission.
    flight: Flight,
    quick: Vec<QmSlot>,
    acquires: Vec<Acquire>,
    dpd: Dpd,
    established_at: Option<Instant>,
    /// Set once IkeSaUp was reported (so IkeSaDown pairs with it).
    reported_up: bool,
    /// Whether Quick Mode may run. Phase 1 opens it on completion, or the
    /// Transaction exchange (Xauth, Mode Config) once it is done, which may
    /// be long after the message that started it (a deferred verdict):
    /// acquires wait in `acquires` meanwhile, and a peer's Quick Mode is
    /// not answered.
    phase2_open: bool,
    /// Message IDs of the protected Informationals received (replays).
    seen_info: VecDeque<u32>,
    /// Message IDs of every Quick Mode run on this SA (either role),
    /// remembered after the exchange's linger so a replayed QM1 is
    /// dropped rather than run again; the oldest go beyond
    /// [`QUICK_MODE_IDS`].
    seen_quick: VecDeque<u32>,
    /// The Transaction exchange under way (Xauth, Mode Config).
    xact: Option<XactSlot>,
    /// Finished Transaction message IDs: what came and what we answered.
    xact_done: VecDeque<XactDone>,
    /// The user Xauth accepted.
    xauth_user: Option<String>,
    /// The Mode Config address (ours to release as the server).
    assigned: Option<Ipv4Addr>,
    /// An INITIAL_CONTACT that waits for Xauth to finish: until then the
    /// sender proved only the group key, which every group member has.
    pending_initial_contact: bool,
    /// As the responder, the address the first message came from (the
    /// `by_first` key).
    first_from: Option<Ipv4Addr>,
}

/// Whose SAs a peer's INITIAL_CONTACT or DELETE may touch: those of the
/// same system (RFC 2407 4.6.3.3), which for IOS is the same peer address
/// and port ("remote 10.51.82.100 remote port 500"), the same
/// authenticated identity and, behind a group key, the same Xauth user.
/// Two clients behind one NAT share the address and the group but not the
/// port (nor, usually, the user).
#[derive(Clone, Debug, PartialEq, Eq)]
struct PeerScope {
    remote: SocketAddrV4,
    identity: Identity,
    xauth_user: Option<String>,
}

impl PeerScope {
    fn covers_ike(&self, sa: &IkeSa) -> bool {
        sa.remote == self.remote
            && sa.established().is_some_and(|p| p.peer_id == self.identity)
            && sa.xauth_user == self.xauth_user
    }

    fn covers_child(&self, c: &ChildEntry) -> bool {
        c.sa.remote == self.remote && c.peer_id == self.identity && c.xauth_user == self.xauth_user
    }
}

/// A Transaction exchange under way on an IKE SA.
struct XactSlot {
    state: Transaction,
    flight: Flight,
    /// The whole transaction must be over by then.
    deadline: Instant,
}

/// A finished Transaction message ID: what came and what we answered.
struct XactDone {
    mid: u32,
    flight: Flight,
}

impl IkeSa {
    /// Remembers a Quick Mode message ID for the SA's life (bounded).
    fn remember_quick(&mut self, mid: u32) {
        if self.seen_quick.len() >= QUICK_MODE_IDS {
            self.seen_quick.pop_front();
        }
        self.seen_quick.push_back(mid);
    }

    fn established(&self) -> Option<&Phase1Sa> {
        match &self.phase1 {
            Phase1State::Established(p1) => Some(p1),
            _ => None,
        }
    }

    /// Xauth is wanted of the peer (we are its server) and not done yet.
    fn xauth_outstanding(&self) -> bool {
        !self.initiator
            && self.xauth_user.is_none()
            && self
                .established()
                .and_then(|p| p.profile.as_ref())
                .is_some_and(|p| p.xauth)
    }

    /// The scope this SA's INITIAL_CONTACT and DELETE act in; `None` until
    /// phase 1 (and Xauth, where the profile wants it) is done.
    fn scope(&self) -> Option<PeerScope> {
        if self.xauth_outstanding() {
            return None;
        }
        self.established().map(|p| PeerScope {
            remote: self.remote,
            identity: p.peer_id.clone(),
            xauth_user: self.xauth_user.clone(),
        })
    }

    fn established_mut(&mut self) -> Option<&mut Phase1Sa> {
        match &mut self.phase1 {
            Phase1State::Established(p1) => Some(p1),
            _ => None,
        }
    }

    /// Drops the IV chain of a finished or abandoned exchange.
    fn forget_iv(&mut self, message_id: u32) {
        if let Phase1State::Established(p1) = &mut self.phase1 {
            p1.crypter.forget(message_id);
        }
    }

    fn is_half_open(&self) -> bool {
        !matches!(self.phase1, Phase1State::Established(_))
    }

    fn next_timeout(&self) -> Option<Instant> {
        let slots = self
            .quick
            .iter()
            .flat_map(|s| [s.flight.deadline(), Some(s.expire_at)])
            .flatten();
        let xact = self
            .xact
            .iter()
            .flat_map(|x| [x.flight.deadline(), Some(x.deadline)])
            .flatten();
        self.timers
            .next_timeout()
            .into_iter()
            .chain(self.flight.deadline())
            .chain(slots)
            .chain(xact)
            .min()
    }
}

/// The IKEv1 engine. See the module documentation for the call order.
pub struct Engine {
    config: Config,
    policy: Box<dyn Policy + Send>,
    rng: Box<dyn CryptoRng + Send>,
    /// Boxed: a table sized for a flood of half-open SAs holds pointers,
    /// not 1 KB values in every bucket, used or not.
    sas: HashMap<IkeSaId, Box<IkeSa>>,
    by_cookies: HashMap<([u8; 8], [u8; 8]), IkeSaId>,
    /// Responder SAs by the initiator cookie and address of the first
    /// message: its retransmissions find the SA in O(1).
    by_first: HashMap<([u8; 8], Ipv4Addr), IkeSaId>,
    children: ChildTable,
    /// The inbound SPIs of every IKE SA's Quick Modes (running or
    /// lingering): new SPIs avoid them.
    quick_spis: HashSet<u32>,
    next_id: u64,
    transmits: VecDeque<Datagram>,
    events: VecDeque<Event>,
    now: Instant,
    counters: Counters,
    half_open: half_open::HalfOpen,
    dh_budget: budget::DhBudget,
    /// Every IKE SA's next deadline, ordered: `poll_timeout` and
    /// `handle_timeout` cost O(log n), not a walk over a table a flood of
    /// first messages keeps full.
    wakeups: BTreeSet<(Instant, IkeSaId)>,
    wakeup_of: HashMap<IkeSaId, Instant>,
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("ike_sas", &self.sas.len())
            .field("child_sas", &self.children.len())
            .finish_non_exhaustive()
    }
}

/// The non-ESP marker that prefixes IKE on the NAT-T port (RFC 3948).
const NON_ESP_MARKER: [u8; 4] = [0; 4];
/// Most Quick Modes (running or lingering) per IKE SA.
const MAX_QUICK_MODES: usize = 64;
/// Most Quick Modes under way at once per IKE SA: below the crypto
/// module's per-message-ID IV memory (`crypto::MAX_TRACKED_EXCHANGES`),
/// leaving room for Informational exchanges; more acquires wait their turn.
const MAX_ACTIVE_QUICK_MODES: usize = 12;
/// Protected Informational message IDs remembered per IKE SA (replays).
const SEEN_INFORMATIONALS: usize = 256;
/// Quick Mode message IDs remembered per IKE SA (replays): 4 kB, and far
/// more Quick Modes than an IKE SA runs in its life at the child SA
/// limits and IOS's lifetimes (a rekey per child per hour).
const QUICK_MODE_IDS: usize = 1024;

/// Where a datagram travelled (our address and port, the sender's).
#[derive(Clone, Copy, Debug)]
struct Arrival {
    local: SocketAddrV4,
    remote: SocketAddrV4,
}
/// The IANA IKE port, [`Config::ike_port`]'s default.
pub const IKE_PORT: u16 = 500;
/// The IANA NAT-T port, [`Config::natt_port`]'s default.
pub const NATT_PORT: u16 = 4500;

impl Engine {
    /// A new engine with its settings, policy and random generator.
    pub fn new(
        config: Config,
        policy: Box<dyn Policy + Send>,
        rng: Box<dyn CryptoRng + Send>,
    ) -> Self {
        Self {
            policy,
            rng,
            sas: HashMap::new(),
            by_cookies: HashMap::new(),
            by_first: HashMap::new(),
            children: ChildTable::default(),
            quick_spis: HashSet::new(),
            next_id: 1,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            now: Instant::ZERO,
            counters: Counters::default(),
            half_open: half_open::HalfOpen::default(),
            dh_budget: budget::DhBudget::new(config.aggressive_dh_burst),
            wakeups: BTreeSet::new(),
            wakeup_of: HashMap::new(),
            config,
        }
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// What was dropped or refused so far, by reason.
    pub fn counters(&self) -> Counters {
        self.counters
    }

    /// The half-open responder table (`show crypto isakmp sa` counts).
    pub fn half_open(&self) -> HalfOpenStats {
        HalfOpenStats {
            entries: self.half_open.len(),
            unverified: self.half_open.unverified(),
            bytes: self.half_open.bytes(),
        }
    }

    /// The next datagram to send.
    pub fn poll_transmit(&mut self) -> Option<Datagram> {
        self.transmits.pop_front()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When [`Engine::handle_timeout`] should next be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let sas = self.wakeups.first().map(|(t, _)| *t).into_iter();
        sas.chain(self.children.next_timeout()).min()
    }

    /// Established IKE SAs, for show commands.
    pub fn ike_sas(&self) -> Vec<IkeSaInfo> {
        let mut v: Vec<IkeSaInfo> = self.sas.values().filter_map(|sa| self.info(sa)).collect();
        v.sort_by_key(|i| i.id);
        v
    }

    /// Live child SAs, for show commands.
    pub fn child_sas(&self) -> Vec<ChildSa> {
        let mut v: Vec<ChildSa> = self.children.values().map(|c| c.sa.clone()).collect();
        v.sort_by_key(|c| c.id);
        v
    }

    /// Every IKE SA, complete or negotiating, with IOS's state name.
    pub fn ike_sa_rows(&self) -> Vec<IkeSaRow> {
        let mut v: Vec<IkeSaRow> = self
            .sas
            .values()
            .map(|sa| IkeSaRow {
                id: sa.id,
                local: sa.local,
                remote: sa.remote,
                initiator: sa.initiator,
                state: sa.phase1.ios_state(),
            })
            .collect();
        v.sort_by_key(|r| r.id);
        v
    }

    fn info(&self, sa: &IkeSa) -> Option<IkeSaInfo> {
        let p1 = sa.established()?;
        Some(IkeSaInfo {
            id: sa.id,
            local: sa.local,
            remote: sa.remote,
            initiator: sa.initiator,
            peer_identity: p1.peer_id.clone(),
            local_identity: p1.local_id.clone(),
            profile: p1.profile.clone(),
            proposal: p1.proposal,
            lifetime: p1.lifetime,
            nat: p1.nat,
            peer_dpd: p1.caps.dpd,
            established_at: sa.established_at.unwrap_or(self.now),
            expires_at: p1.lifetime.seconds.and_then(|s| {
                sa.established_at
                    .map(|t| t + Duration::from_secs(u64::from(s)))
            }),
            xauth_user: sa.xauth_user.clone(),
            config_address: sa.assigned,
        })
    }

    // ----- small helpers ---------------------------------------------

    fn log(&mut self, ike_sa: Option<IkeSaId>, node: Option<u32>, text: impl Into<String>) {
        let line = LogLine {
            ike_sa,
            node,
            text: text.into(),
        };
        match &self.config.log_target {
            Some(target) => log::debug!(target: target, "{line}"),
            None => self.events.push_back(Event::Log(line)),
        }
    }

    fn transition(&mut self, sa: IkeSaId, node: Option<u32>, old: &str, new: &str) {
        self.log(
            Some(sa),
            node,
            format!("Old State = {old} New State = {new}"),
        );
    }

    fn alloc_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    fn cookie(&mut self) -> [u8; 8] {
        loop {
            let mut c = [0u8; 8];
            self.rng.fill_bytes(&mut c);
            // 64 random bits: a clash is all but impossible, and only an
            // exact (icookie, rcookie) clash would matter; checking the
            // pair keeps this O(1) under a flood of first messages.
            if c != [0; 8] && !self.by_cookies.contains_key(&(c, [0; 8])) {
                return c;
            }
        }
    }

    fn message_id(&mut self, sa: &IkeSa) -> u32 {
        loop {
            let m = self.rng.next_u32();
            if m != 0 && !sa.quick.iter().any(|s| s.message_id == m) && !sa.seen_quick.contains(&m)
            {
                return m;
            }
        }
    }

    /// A fresh inbound SPI: not a child SA's, nor a Quick Mode's of any
    /// IKE SA (both indexed, so this is O(1) at any table size).
    fn spi(rng: &mut dyn CryptoRng, children: &ChildTable, quick_spis: &HashSet<u32>) -> u32 {
        loop {
            let s = rng.next_u32();
            let used = children.has_spi_in(s) || quick_spis.contains(&s);
            if s >= 256 && !used {
                return s;
            }
        }
    }

    /// Removes Quick Mode slot `i` of `sa`, releasing its SPI.
    fn take_slot(&mut self, sa: &mut IkeSa, i: usize) -> Option<QmSlot> {
        if i >= sa.quick.len() {
            return None;
        }
        let slot = sa.quick.remove(i);
        self.quick_spis.remove(&slot.spi_in);
        Some(slot)
    }

    fn ctx<'a>(
        rng: &'a mut Box<dyn CryptoRng + Send>,
        policy: &'a dyn Policy,
        config: &Config,
        local: SocketAddrV4,
        remote: SocketAddrV4,
    ) -> Ctx<'a> {
        Ctx {
            rng: &mut **rng,
            policy,
            local,
            remote,
            nat_traversal: config.nat_traversal,
            natt_port: config.natt_port,
            peer_natt_port: config.peer_natt_port,
            force_encap: config.force_udp_encapsulation && config.nat_traversal,
            natt_rfc: config.nat_t_rfc3947,
            natt_drafts: config.nat_t_drafts,
            advertise_dpd: config.advertise_dpd,
            commit: config.quick_mode_commit,
        }
    }

    fn wrap(sa: &IkeSa, bytes: &[u8]) -> Datagram {
        let mut payload = Vec::with_capacity(bytes.len() + 4);
        if sa.floated {
            payload.extend_from_slice(&NON_ESP_MARKER);
        }
        payload.extend_from_slice(bytes);
        Datagram {
            local: sa.local,
            remote: sa.remote,
            payload,
        }
    }

    fn send(&mut self, sa: &IkeSa, bytes: &[u8]) {
        let d = Self::wrap(sa, bytes);
        self.transmits.push_back(d);
    }

    /// How every flight is resent: the `retransmit_*` settings.
    fn backoff(&self) -> Backoff {
        Backoff {
            interval: self.config.retransmit_interval,
            max: self.config.retransmit_max_interval,
            tries: self.config.retransmit_tries,
        }
    }

    /// How long an exchange under way may last: the half-open timeout,
    /// or longer if that would cut a flight short of its tries (so
    /// `retransmit_tries` holds whatever the intervals; with the default
    /// settings both are a minute).
    fn exchange_life(&self) -> Duration {
        self.config.half_open_timeout.max(self.backoff().budget())
    }

    /// How long a finished exchange answers duplicates: as long as the
    /// peer may still be retransmitting the message we answered last.
    fn linger(&self) -> Duration {
        self.config
            .finished_exchange_linger
            .max(self.backoff().budget())
    }

    /// Sends a phase-1 message: our first (`raw` `None`) or the answer to
    /// `raw`; `retransmit` when it expects an answer in turn.
    fn send_phase1(
        &mut self,
        sa: &mut IkeSa,
        now: Instant,
        raw: Option<&[u8]>,
        bytes: Vec<u8>,
        retransmit: bool,
    ) {
        self.send(sa, &bytes);
        let backoff = self.backoff();
        match raw {
            None => sa.flight.request(now, bytes, backoff),
            Some(raw) => sa
                .flight
                .answer(now, raw, bytes, retransmit.then_some(backoff)),
        }
    }

    fn insert_sa(&mut self, sa: IkeSa) {
        self.by_cookies.insert((sa.icookie, sa.rcookie), sa.id);
        self.put_sa(Box::new(sa));
    }

    /// Puts an SA (back) into the table after it was worked on, with its
    /// next deadline: every change to an SA's timers happens while it is
    /// out of the table, so this keeps `wakeups` exact.
    fn put_sa(&mut self, sa: Box<IkeSa>) {
        self.reschedule(sa.id, sa.next_timeout());
        self.sas.insert(sa.id, sa);
    }

    fn reschedule(&mut self, id: IkeSaId, at: Option<Instant>) {
        if let Some(old) = self.wakeup_of.remove(&id) {
            self.wakeups.remove(&(old, id));
        }
        if let Some(t) = at {
            self.wakeup_of.insert(id, t);
            self.wakeups.insert((t, id));
        }
    }

    fn take_sa(&mut self, id: IkeSaId) -> Option<Box<IkeSa>> {
        let sa = self.sas.remove(&id)?;
        self.forget_sa(&sa);
        Some(sa)
    }

    /// Drops an SA's index entries (it is gone for good).
    fn forget_sa(&mut self, sa: &IkeSa) {
        for q in &sa.quick {
            self.quick_spis.remove(&q.spi_in);
        }
        self.by_cookies.remove(&(sa.icookie, sa.rcookie));
        self.half_open.remove(sa.id);
        self.reschedule(sa.id, None);
        if let Some(a) = sa.first_from {
            if self.by_first.get(&(sa.icookie, a)) == Some(&sa.id) {
                self.by_first.remove(&(sa.icookie, a));
            }
        }
    }

    fn new_sa(
        &mut self,
        initiator: bool,
        icookie: [u8; 8],
        rcookie: [u8; 8],
        local: SocketAddrV4,
        remote: SocketAddrV4,
        state: Phase1State,
    ) -> IkeSa {
        let mut sa = IkeSa {
            id: IkeSaId(self.alloc_id()),
            icookie,
            rcookie,
            initiator,
            local,
            remote,
            floated: local.port() == self.config.natt_port,
            phase1: state,
            timers: TimerTable::default(),
            flight: Flight::default(),
            quick: Vec::new(),
            acquires: Vec::new(),
            dpd: Dpd::default(),
            established_at: None,
            reported_up: false,
            phase2_open: false,
            seen_info: VecDeque::new(),
            seen_quick: VecDeque::new(),
            xact: None,
            xact_done: VecDeque::new(),
            xauth_user: None,
            pending_initial_contact: false,
            first_from: None,
            assigned: None,
        };
        sa.timers
            .set(SaTimer::Expire, self.now + self.exchange_life());
        sa
    }

    /// Whether we hold any SA (IKE or child) with this peer address.
    fn have_sas_with(&self, peer: Ipv4Addr, except: Option<IkeSaId>) -> bool {
        self.sas
            .values()
            .any(|s| Some(s.id) != except && s.remote.ip() == &peer && !s.is_half_open())
            || self.children.values().any(|c| c.sa.remote.ip() == &peer)
    }

    // ----- commands ----------------------------------------------------

    /// The ESP acquire: protect traffic matching `selectors` (ours as
    /// local) towards `peer`. Starts phase 1 if there is no IKE SA with the
    /// peer, then Quick Mode. Returns the IKE SA that will carry it.
    ///
    /// # Errors
    /// A port 0 in `local` or `peer` stands for [`Config::ike_port`] or
    /// [`Config::peer_ike_port`].
    ///
    /// # Errors
    /// [`CommandError::NotProtected`] or [`CommandError::NoPhase1Policy`]
    /// when the policy says no.
    pub fn initiate(
        &mut self,
        now: Instant,
        mut local: SocketAddrV4,
        mut peer: SocketAddrV4,
        selectors: Selectors,
    ) -> Result<IkeSaId, CommandError> {
        self.now = now;
        if local.port() == 0 {
            local.set_port(self.config.ike_port);
        }
        if peer.port() == 0 {
            peer.set_port(self.config.peer_ike_port);
        }
        let offer = self
            .policy
            .initiator_phase2(*local.ip(), *peer.ip(), &selectors)
            .ok_or(CommandError::NotProtected)?;
        let acquire = Acquire {
            selectors: offer.selectors,
            rekey_of: None,
        };
        // Already protected or being negotiated: nothing to do.
        if self.children.values().any(|c| {
            !c.replaced && c.sa.remote.ip() == peer.ip() && c.sa.selectors == acquire.selectors
        }) {
            if let Some(sa) = self.sas.values().find(|s| s.remote.ip() == peer.ip()) {
                return Ok(sa.id);
            }
        }
        self.start_acquire(now, local, peer, acquire)
    }

    fn start_acquire(
        &mut self,
        now: Instant,
        local: SocketAddrV4,
        peer: SocketAddrV4,
        acquire: Acquire,
    ) -> Result<IkeSaId, CommandError> {
        // An established IKE SA with the peer: Quick Mode now.
        let established = self
            .sas
            .values()
            .filter(|s| s.remote.ip() == peer.ip() && s.established().is_some())
            .max_by_key(|s| s.established_at)
            .map(|s| s.id);
        if let Some(id) = established {
            if let Some(mut sa) = self.sas.remove(&id) {
                let pending = sa.quick.iter().any(|q| {
                    matches!(q.role, QmRole::Initiator(_))
                        && q.acquire.is_some_and(|a| a.selectors == acquire.selectors)
                });
                if !sa.phase2_open {
                    if !sa.acquires.iter().any(|a| a.selectors == acquire.selectors) {
                        sa.acquires.push(acquire);
                    }
                } else if !pending && !sa.acquires.iter().any(|a| a.selectors == acquire.selectors)
                {
                    sa.acquires.push(acquire);
                    self.pump_acquires(now, &mut sa);
                }
                self.put_sa(sa);
            }
            return Ok(id);
        }
        // A phase 1 under way: queue.
        if let Some(sa) = self
            .sas
            .values_mut()
            .find(|s| s.remote.ip() == peer.ip() && s.is_half_open() && s.initiator)
        {
            if !sa.acquires.iter().any(|a| a.selectors == acquire.selectors) {
                sa.acquires.push(acquire);
            }
            return Ok(sa.id);
        }
        let id = self.start_phase1(now, local, peer)?;
        if let Some(sa) = self.sas.get_mut(&id) {
            sa.acquires.push(acquire);
        }
        Ok(id)
    }

    fn start_phase1(
        &mut self,
        now: Instant,
        local: SocketAddrV4,
        peer: SocketAddrV4,
    ) -> Result<IkeSaId, CommandError> {
        let p1 = self
            .policy
            .initiator_phase1(*local.ip(), *peer.ip())
            .ok_or(CommandError::NoPhase1Policy)?;
        let local_id = p1.identity.clone().unwrap_or(Identity::Ipv4(*local.ip()));
        let icookie = self.cookie();
        let (state, msg, name) = match p1.mode {
            crate::policy::Phase1Mode::Main => {
                let psk = self
                    .policy
                    .preshared_key_for_address(*local.ip(), *peer.ip())
                    .ok_or(CommandError::NoPhase1Policy)?;
                let mut ctx = Self::ctx(&mut self.rng, &*self.policy, &self.config, local, peer);
                let (s, m) =
                    MainModeInitiator::start(&mut ctx, icookie, p1.proposals, psk, local_id);
                (Phase1State::MainI(s), m, "IKE_I_MM1")
            }
            crate::policy::Phase1Mode::Aggressive => {
                let mut ctx = Self::ctx(&mut self.rng, &*self.policy, &self.config, local, peer);
                let (s, m) = AggressiveInitiator::start(&mut ctx, icookie, p1.proposals, local_id)
                    .map_err(|_| CommandError::NoPhase1Policy)?;
                (Phase1State::AggrI(s), m, "IKE_I_AM1")
            }
        };
        let mut sa = self.new_sa(true, icookie, [0; 8], local, peer, state);
        self.transition(sa.id, None, "IKE_READY", name);
        self.send_phase1(&mut sa, now, None, msg, true);
        let id = sa.id;
        self.insert_sa(sa);
        Ok(id)
    }

    /// Deletes a child SA pair: a Delete for our inbound SPI goes to the
    /// peer (if an IKE SA is up) and [`Event::ChildSaDown`] is raised.
    ///
    /// # Errors
    /// [`CommandError::UnknownSa`].
    pub fn delete_child_sa(&mut self, now: Instant, child: ChildSaId) -> Result<(), CommandError> {
        self.now = now;
        let entry = self
            .children
            .remove(&child)
            .ok_or(CommandError::UnknownSa)?;
        self.send_child_delete(now, &entry.sa);
        self.child_down(entry, DownReason::DeletedLocally);
        Ok(())
    }

    /// Deletes an IKE SA: a Delete goes to the peer, [`Event::IkeSaDown`]
    /// is raised. Child SAs stay (as in IKEv1).
    ///
    /// # Errors
    /// [`CommandError::UnknownSa`].
    pub fn delete_ike_sa(&mut self, now: Instant, ike_sa: IkeSaId) -> Result<(), CommandError> {
        self.now = now;
        let mut sa = self.take_sa(ike_sa).ok_or(CommandError::UnknownSa)?;
        self.send_ike_delete(&mut sa);
        self.ike_down(sa, DownReason::DeletedLocally);
        Ok(())
    }

    /// Rekeys a child SA now (the data plane saw its kilobyte soft
    /// lifetime run out).
    ///
    /// # Errors
    /// [`CommandError::UnknownSa`], or the policy no longer protects it.
    pub fn rekey_child_sa(&mut self, now: Instant, child: ChildSaId) -> Result<(), CommandError> {
        self.now = now;
        let c = self.children.get(&child).ok_or(CommandError::UnknownSa)?;
        let (local, remote, selectors) = (c.sa.local, c.sa.remote, c.sa.selectors);
        self.rekey(now, child, local, remote, selectors)
    }

    fn rekey(
        &mut self,
        now: Instant,
        child: ChildSaId,
        local: SocketAddrV4,
        remote: SocketAddrV4,
        selectors: Selectors,
    ) -> Result<(), CommandError> {
        if let Some(c) = self.children.get_mut(&child) {
            if c.rekeying || c.replaced {
                return Ok(());
            }
            c.rekeying = true;
        }
        self.policy
            .initiator_phase2(*local.ip(), *remote.ip(), &selectors)
            .ok_or(CommandError::NotProtected)?;
        // The SA's own endpoints: a phase 1 this needs starts where the
        // old one ended up (after a float, on the NAT-T ports with the
        // marker, so a NAT keeps its mapping and the float holds).
        self.start_acquire(
            now,
            local,
            remote,
            Acquire {
                selectors,
                rekey_of: Some(child),
            },
        )
        .map(|_| ())
    }

    // ----- SA teardown helpers ---------------------------------------------

    fn ike_down(&mut self, mut sa: Box<IkeSa>, reason: DownReason) {
        self.ike_down_ref(&mut sa, reason);
    }

    /// Reports an SA's end (down if it was up, failed otherwise) and the
    /// acquires it carried; the caller forgets the SA.
    fn ike_down_ref(&mut self, sa: &mut IkeSa, reason: DownReason) {
        let state = core::mem::replace(&mut sa.phase1, Phase1State::Gone);
        sa.timers.stop_all();
        sa.xact = None;
        self.policy.ike_sa_ended(sa.id);
        if let Some(a) = sa.assigned.take().filter(|_| !sa.initiator) {
            // A Mode Config address lives as long as the SAs that carry
            // it: the client's child SAs go with its IKE SA, or a client
            // that deleted only its ISAKMP SA would keep a working IPsec
            // SA for an address the pool hands to the next client.
            self.drop_children_of(sa.id, reason);
            self.log(Some(sa.id), None, "returning IP addr to the address pool");
            self.policy.release_address(a);
        }
        self.transition(sa.id, None, state.name(), "IKE_DEST_SA");
        if sa.reported_up {
            self.events.push_back(Event::IkeSaDown {
                ike_sa: sa.id,
                remote: sa.remote,
                reason,
            });
        } else {
            self.events.push_back(Event::IkeSaFailed {
                ike_sa: sa.id,
                remote: sa.remote,
                error: None,
            });
        }
        for a in sa.acquires.drain(..) {
            self.events.push_back(Event::ChildSaFailed {
                remote: sa.remote,
                selectors: a.selectors,
                error: None,
            });
        }
        for q in sa.quick.drain(..) {
            self.quick_spis.remove(&q.spi_in);
            if let (Some(a), QmRole::Initiator(_)) = (q.acquire, &q.role) {
                self.events.push_back(Event::ChildSaFailed {
                    remote: sa.remote,
                    selectors: a.selectors,
                    error: None,
                });
            }
        }
    }

    /// Removes the child SAs an IKE SA negotiated (no Delete is sent:
    /// the IKE SA that would protect it is going).
    fn drop_children_of(&mut self, ike_sa: IkeSaId, reason: DownReason) {
        let mut kids: Vec<ChildSaId> = self
            .children
            .values()
            .filter(|c| c.sa.ike_sa == ike_sa)
            .map(|c| c.sa.id)
            .collect();
        kids.sort();
        for k in kids {
            if let Some(c) = self.children.remove(&k) {
                self.child_down(c, reason);
            }
        }
    }

    fn child_down(&mut self, entry: ChildEntry, reason: DownReason) {
        self.log(
            Some(entry.sa.ike_sa),
            None,
            format!(
                "deleting IPsec SAs spi in 0x{:08X} out 0x{:08X}",
                entry.sa.spi_in, entry.sa.spi_out
            ),
        );
        self.events.push_back(Event::ChildSaDown {
            child: entry.sa.id,
            remote: entry.sa.remote,
            spi_in: entry.sa.spi_in,
            spi_out: entry.sa.spi_out,
            reason,
        });
    }

    /// The established IKE SA to the peer of `child` (most recent first).
    fn ike_for_peer(&self, peer: Ipv4Addr) -> Option<IkeSaId> {
        self.sas
            .values()
            .filter(|s| s.remote.ip() == &peer && s.established().is_some())
            .max_by_key(|s| s.established_at)
            .map(|s| s.id)
    }

    fn send_info(&mut self, sa: &mut IkeSa, items: &[InfoItem]) {
        let mid = self.message_id(sa);
        if let Phase1State::Established(p1) = &mut sa.phase1 {
            let msg = crate::exchange::informational::protected(p1, mid, items);
            self.send(sa, &msg);
        }
    }

    fn send_child_delete(&mut self, _now: Instant, child: &ChildSa) {
        let Some(id) = self.ike_for_peer(*child.remote.ip()) else {
            return;
        };
        if let Some(mut sa) = self.sas.remove(&id) {
            let item = InfoItem::Delete {
                protocol: crate::exchange::PROTO_ESP,
                spis: vec![child.spi_in.to_be_bytes().to_vec()],
            };
            self.send_info(&mut sa, &[item]);
            self.put_sa(sa);
        }
    }

    fn send_ike_delete(&mut self, sa: &mut IkeSa) {
        if let Some(p1) = sa.established() {
            let spi = crate::exchange::informational::isakmp_spi(p1);
            let item = InfoItem::Delete {
                protocol: crate::exchange::PROTO_ISAKMP,
                spis: vec![spi],
            };
            self.send_info(sa, &[item]);
        }
    }
}
