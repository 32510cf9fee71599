//! What one step of the Transaction machine hands the engine (its
//! script: messages, debug lines and outcomes in IOS's order) and what it
//! needs of the IKE SA to take it.

use std::net::{Ipv4Addr, SocketAddrV4};

use rand_core::CryptoRng;

use crate::engine::{IkeSaId, LogForm};
use crate::exchange::Phase1Sa;
use crate::policy::{ModeConfigAttributes, Policy, XauthPassword};
use crate::time::Instant;

/// How a Transaction exchange ended.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum TransactionDone {
    /// Xauth and Mode Config are done (or were not wanted): Quick Mode
    /// may run.
    Phase2,
    /// Xauth failed for good, or the peer gets no Mode Config: the IKE SA
    /// is deleted (and the peer told).
    Delete,
}

/// What the engine does for one step, in order.
#[derive(Debug, Default)]
pub(crate) struct Script {
    pub(crate) actions: Vec<Action>,
    /// How the next state's flight starts.
    pub(crate) flight: Await,
    /// When the next state's deadline is.
    pub(crate) deadline: Deadline,
}

/// One thing to do, in the order IOS does it.
#[derive(Debug)]
pub(crate) enum Action {
    /// A debug line (`Connection` lines are about the IKE SA).
    Log(LogForm, String),
    /// Send this sealed message; `conf_addr`: the debug line names the
    /// state `CONF_ADDR` (the server's answer that hands out an address).
    Send { bytes: Vec<u8>, conf_addr: bool },
    /// The received message ID is finished: its repeats get `answer`.
    Remember { mid: u32, answer: Option<Vec<u8>> },
    /// The Xauth user of the IKE SA from now on.
    XauthUser(Option<String>),
    /// We handed `address` out (ours to release when the SA goes).
    Assigned(Ipv4Addr),
    /// The client got `address`: the acquires waiting for phase 2 speak
    /// for it.
    ClientAddress(Ipv4Addr),
    /// Xauth is done: an INITIAL_CONTACT held until now takes effect.
    InitialContact,
    /// Something the embedder hears of.
    Event(TransactionEvent),
}

/// What the embedder hears of a Transaction exchange.
#[derive(Debug)]
pub(crate) enum TransactionEvent {
    /// The policy deferred its verdict on these credentials.
    VerdictWanted {
        user: String,
        password: XauthPassword,
    },
    /// As the client: the server asks for credentials the policy lacks.
    CredentialsWanted,
    /// An Xauth attempt ended.
    XauthDone { user: String, ok: bool },
    /// Mode Config gave an address (`server`: we handed it out).
    Assigned {
        address: Ipv4Addr,
        attributes: Box<ModeConfigAttributes>,
        server: bool,
    },
}

/// How the next state's flight starts.
#[derive(Debug, Default)]
pub(crate) enum Await {
    /// Nothing of ours waits for an answer.
    #[default]
    Nothing,
    /// Our request (sealed), resent until its answer comes.
    Request(Vec<u8>),
    /// The message received waits for our answer (the embedder's
    /// credentials): its repeats are dropped until then.
    Unanswered,
}

/// When the next state gives up.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) enum Deadline {
    /// A whole exchange's life from now.
    #[default]
    Restart,
    /// The deadline the state had (an answer that waits for the embedder).
    Keep,
    /// At once (nothing to offer the peer).
    Now,
}

/// What a Transaction step needs of the IKE SA and the engine.
pub(crate) struct TransactionCx<'a> {
    pub(crate) now: Instant,
    pub(crate) ike_sa: IkeSaId,
    pub(crate) initiator: bool,
    pub(crate) local: SocketAddrV4,
    pub(crate) remote: SocketAddrV4,
    pub(crate) rng: &'a mut dyn CryptoRng,
    pub(crate) policy: &'a dyn Policy,
    pub(crate) p1: &'a mut Phase1Sa,
    pub(crate) established_at: Option<Instant>,
    /// The IKE SA's Xauth user (as the client: ours).
    pub(crate) xauth_user: Option<&'a str>,
    /// Xauth attempts before the SA is deleted.
    pub(crate) xauth_attempts: u32,
    /// Whether a message ID is taken on this IKE SA (a Quick Mode's, a
    /// finished Transaction's).
    pub(crate) mid_in_use: &'a dyn Fn(u32) -> bool,
}
