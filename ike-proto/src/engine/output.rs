//! What the engine hands out: datagrams to send, events, log lines and
//! the views of its SAs.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddrV4};

use super::{ChildSaId, IkeSaId};

use crate::error::Error;
use crate::exchange::IosState;
use crate::exchange::NatDetection;
use crate::exchange::quick_mode::EspKeys;
use crate::policy::{
    DhGroup, EncapMode, EspCipher, EspIntegrity, Identity, Lifetime, ModeConfigAttributes,
    Phase1Proposal, Profile, Selectors, XauthPassword,
};
use crate::time::Instant;
use crate::wire::Cookie;

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

/// UDP encapsulation of ESP (RFC 3948), if NAT-T is in use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encapsulation {
    /// Plain ESP (IP protocol 50).
    None,
    /// ESP in UDP between these ports.
    Udp {
        /// Our port ([`Config::natt_port`](super::Config::natt_port)).
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
    /// Whether we initiated the Quick Mode.
    pub initiator: bool,
}

/// The keys of a child SA pair (RFC 2409 5.5 KEYMAT, split per
/// direction), handed to the data plane once, in the
/// [`Event::ChildSaUp`] / [`Event::ChildSaRekeyed`] that brings the pair
/// up. Not `Clone`, so the only copy is the one the event moves to its
/// taker; the engine keeps none (it never needs them again, and a hub
/// would hold a second copy of every peer's). Wiped on drop, redacted in
/// `Debug`. The default is empty: a data plane that takes the keys
/// (`std::mem::take`) passes the event on without them, as the Gateway
/// does.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct ChildSaKeys {
    /// Keys of the inbound SA (the SPI we chose).
    pub inbound: EspKeys,
    /// Keys of the outbound SA (the peer's SPI).
    pub outbound: EspKeys,
}

impl ChildSaKeys {
    /// The keys of a pair no Quick Mode negotiated (see [`EspKeys::new`]).
    pub fn new(inbound: EspKeys, outbound: EspKeys) -> Self {
        Self { inbound, outbound }
    }
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

/// The half-open responder table at a glance ([`Engine::half_open`](super::Engine::half_open)).
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
    pub state: IosState,
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

/// How a [`LogLine`] begins, as IOS words each kind of debug line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LogForm {
    /// `ISAKMP (0:N): [Node n, ]text`: a line about one IKE SA.
    Connection,
    /// `ISAKMP: text`: IOS names no connection (`ISAKMP: set new node 0
    /// to QM_IDLE`, the attributes of a transform under check).
    Global,
    /// The text as it stands: another part of IOS with its own prefix
    /// (`CryptoEngine0: ...`), or the body lines of a payload dump
    /// (`next-payload : 8`).
    Verbatim,
    /// A line of the IPsec subsystem (`IPSEC(spi_response): ...`), as it
    /// stands, under `debug crypto ipsec` rather than `debug crypto isakmp`.
    Ipsec,
}

/// A log line in IOS's debug vocabulary.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LogLine {
    /// The IKE SA concerned.
    pub ike_sa: Option<IkeSaId>,
    /// The Quick Mode message ID (IOS's "Node").
    pub node: Option<u32>,
    /// How the line begins.
    pub form: LogForm,
    /// The text, e.g. `Old State = IKE_READY New State = IKE_R_MM1`.
    pub text: String,
}

impl fmt::Display for LogLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.form {
            LogForm::Connection => {
                write!(f, "ISAKMP (0:{}): ", self.ike_sa.map_or(0, |i| i.0))?;
                if let Some(n) = self.node {
                    write!(f, "Node {n}, ")?;
                }
            }
            LogForm::Global => f.write_str("ISAKMP: ")?,
            LogForm::Verbatim | LogForm::Ipsec => {}
        }
        f.write_str(&self.text)
    }
}

/// The phase-1 key of an IKE SA, as Wireshark's `ikev1_decryption_table`
/// takes it (initiator cookie, encryption key). Only reported under
/// [`Config::keylog`](super::Config::keylog); `Debug` shows the cookies, never the key.
#[derive(Clone)]
pub struct IkeSaKeys {
    /// Handle.
    pub ike_sa: IkeSaId,
    /// CKY-I.
    pub initiator_cookie: Cookie,
    /// CKY-R.
    pub responder_cookie: Cookie,
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
/// with a minor version (0.x), like any other API change. Not `Clone`:
/// the child SA events carry the only copy of their keys.
#[derive(Debug)]
pub enum Event {
    /// Phase 1 completed.
    IkeSaUp(IkeSaInfo),
    /// The phase-1 key of an IKE SA that just completed phase 1 (before
    /// its [`Event::IkeSaUp`]), for a key log; only under
    /// [`Config::keylog`](super::Config::keylog).
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
    ChildSaUp {
        /// The pair.
        sa: ChildSa,
        /// Its keys, for the data plane.
        keys: ChildSaKeys,
    },
    /// A child SA was rekeyed: `new` replaces `old` (which stays installed
    /// until its own [`Event::ChildSaDown`]).
    ChildSaRekeyed {
        /// The SA being replaced.
        old: ChildSaId,
        /// The new SA.
        new: ChildSa,
        /// Its keys, for the data plane.
        keys: ChildSaKeys,
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
    /// ([`Engine::xauth_verdict`](super::Engine::xauth_verdict)); the policy deferred it.
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
    /// [`Engine::provide_xauth_credentials`](super::Engine::provide_xauth_credentials).
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
    /// A log line, when [`Config::log_target`](super::Config::log_target) is `None` (otherwise it
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
