//! An IKE SA's state: its phase 1, its Quick Modes and Transaction
//! exchange under way, its timers, DPD and what INITIAL_CONTACT and DELETE
//! may touch.

use std::collections::VecDeque;
use std::net::{Ipv4Addr, SocketAddrV4};

use super::children::ChildEntry;
use super::flight::Flight;
use super::{ChildSaId, IkeSaId, QUICK_MODE_IDS};
use crate::exchange::aggressive::{AggressiveInitiator, AggressiveResponder};
use crate::exchange::main_mode::{MainModeInitiator, MainModeResponder};
use crate::exchange::quick_mode::{QuickModeInitiator, QuickModeResponder};
use crate::exchange::transaction::Transaction;
use crate::exchange::{IosState, Phase1Sa};
use crate::policy::{Identity, Selectors};
use crate::time::{Instant, Timer, TimerTable};
use crate::wire::Cookie;

/// An IKE SA's own timers; its exchanges' retransmissions are their
/// [`Flight`]s'.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum SaTimer {
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

/// Each state boxed: an established SA (most of a hub's) would otherwise
/// carry the room of the largest negotiating state (a DH key pair and
/// the messages so far, 400 bytes) for its whole life.
pub(super) enum Phase1State {
    MainI(Box<MainModeInitiator>),
    MainR(Box<MainModeResponder>),
    AggrI(Box<AggressiveInitiator>),
    AggrR(Box<AggressiveResponder>),
    Established(Box<Phase1Sa>),
    /// Transitional, while a state is being handled.
    Gone,
}

impl crate::exchange::phase1::Exchange for Phase1State {
    type Outcome = crate::exchange::phase1::Phase1Done;
    type Reply = Vec<u8>;
}

impl Phase1State {
    /// The `show crypto isakmp sa` state.
    pub(super) fn ios_state(&self) -> IosState {
        match self {
            Self::MainI(s) => match &**s {
                MainModeInitiator::ExpectSa(_) => IosState::MmNoState,
                MainModeInitiator::ExpectKe(_) => IosState::MmSaSetup,
                MainModeInitiator::ExpectHashR(_) => IosState::MmKeyExch,
            },
            Self::MainR(s) => match &**s {
                MainModeResponder::ExpectKe(_) => IosState::MmSaSetup,
                MainModeResponder::ExpectHashI(_) => IosState::MmKeyExch,
            },
            Self::AggrI(_) => IosState::AgNoState,
            Self::AggrR(_) => IosState::AgInitExch,
            Self::Established(_) => IosState::QmIdle,
            Self::Gone => IosState::MmNoState,
        }
    }

    pub(super) fn name(&self) -> IosState {
        match self {
            Self::MainI(s) => s.name(),
            Self::MainR(s) => s.name(),
            Self::AggrI(s) => s.name(),
            Self::AggrR(s) => s.name(),
            Self::Established(_) => IosState::IkeP1Complete,
            Self::Gone => IosState::IkeDestSa,
        }
    }
}

/// The states boxed: a finished exchange (`Done`, lingering a minute to
/// answer duplicates) then takes no room for them.
pub(super) enum QmRole {
    Initiator(Box<QuickModeInitiator>),
    Responder(Box<QuickModeResponder>),
    /// Finished: kept to answer retransmissions.
    Done,
}

/// Why a Quick Mode was started.
#[derive(Clone, Copy, Debug)]
pub(super) struct Acquire {
    pub(super) selectors: Selectors,
    pub(super) rekey_of: Option<ChildSaId>,
}

pub(super) struct QmSlot {
    pub(super) message_id: u32,
    /// Our inbound SPI (reserved in [`Engine::quick_spis`] while the
    /// slot lives).
    pub(super) spi_in: u32,
    pub(super) role: QmRole,
    pub(super) acquire: Option<Acquire>,
    pub(super) flight: Flight,
    pub(super) expire_at: Instant,
}

#[derive(Default)]
pub(super) struct Dpd {
    pub(super) seq: u32,
    /// First and last sequence number sent in this round, and the tries.
    pub(super) outstanding: Option<(u32, u32, u32)>,
    /// When the peer was last heard from (phase 1's completion at first;
    /// DPD runs only on an established SA, so no `Option`).
    pub(super) last_heard: Instant,
}

pub(super) struct IkeSa {
    pub(super) id: IkeSaId,
    pub(super) icookie: Cookie,
    pub(super) rcookie: Cookie,
    pub(super) initiator: bool,
    pub(super) local: SocketAddrV4,
    pub(super) remote: SocketAddrV4,
    pub(super) floated: bool,
    pub(super) phase1: Phase1State,
    pub(super) timers: TimerTable<SaTimer, { SaTimer::COUNT }>,
    /// Phase 1's messages: our last one, the peer's last (duplicates get
    /// our answer again), the retransmission.
    pub(super) flight: Flight,
    pub(super) quick: Vec<QmSlot>,
    pub(super) acquires: Vec<Acquire>,
    pub(super) dpd: Dpd,
    /// When phase 1 completed, once it has ([`IkeSa::established_at`]
    /// reads it: an `Option` would take eight bytes more in every SA).
    pub(super) up_since: Instant,
    /// Set once IkeSaUp was reported (so IkeSaDown pairs with it).
    pub(super) reported_up: bool,
    /// Whether Quick Mode may run. Phase 1 opens it on completion, or the
    /// Transaction exchange (Xauth, Mode Config) once it is done, which may
    /// be long after the message that started it (a deferred verdict):
    /// acquires wait in `acquires` meanwhile, and a peer's Quick Mode is
    /// not answered.
    pub(super) phase2_open: bool,
    /// The protected Informationals received, by message ID and last
    /// ciphertext bytes (`informational::replay_tag`), to drop replays.
    pub(super) seen_info: VecDeque<u32>,
    /// Message IDs of every Quick Mode run on this SA (either role),
    /// remembered after the exchange's linger so a replayed QM1 is
    /// dropped rather than run again; the oldest go beyond
    /// [`QUICK_MODE_IDS`].
    pub(super) seen_quick: VecDeque<u32>,
    /// What Xauth and Mode Config add; boxed, since most IKE SAs
    /// (LAN-to-LAN spokes) never run a Transaction exchange.
    pub(super) client: Option<Box<ClientState>>,
    /// As the responder, the address the first message came from (the
    /// `by_first` key).
    pub(super) first_from: Option<Ipv4Addr>,
    /// The peer address the SA is filed under in `Engine::by_peer` (its
    /// `remote`'s, as of the last time it went back into the table).
    pub(super) filed_under: Option<Ipv4Addr>,
    /// The deadline the SA is filed under in the table's wakeups
    /// ([`super::table::NOT_FILED`] if none): kept here rather than in a
    /// map beside the table, one entry fewer per SA.
    pub(super) wakeup_filed: Instant,
}

/// Whose SAs a peer's INITIAL_CONTACT or DELETE may touch: those of the
/// same system (RFC 2407 4.6.3.3), which for IOS is the same peer address
/// and port ("remote 10.51.82.100 remote port 500"), the same
/// authenticated identity and, behind a group key, the same Xauth user.
/// Two clients behind one NAT share the address and the group but not the
/// port (nor, usually, the user).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct PeerScope {
    pub(super) remote: SocketAddrV4,
    pub(super) identity: Identity,
    pub(super) xauth_user: Option<String>,
}

impl PeerScope {
    pub(super) fn covers_ike(&self, sa: &IkeSa) -> bool {
        sa.remote == self.remote
            && sa.established().is_some_and(|p| p.peer_id == self.identity)
            && sa.xauth_user() == self.xauth_user.as_deref()
    }

    pub(super) fn covers_child(&self, c: &ChildEntry) -> bool {
        c.sa.remote == self.remote
            && c.peer_id == self.identity
            && c.xauth_user.as_deref() == self.xauth_user.as_deref()
    }
}

/// The Transaction exchange's share of an IKE SA (Xauth, Mode Config).
#[derive(Default)]
pub(super) struct ClientState {
    /// The Transaction exchange under way; boxed, since it ends early in
    /// the SA's life.
    pub(super) xact: Option<Box<XactSlot>>,
    /// Finished Transaction message IDs: what came and what we answered.
    pub(super) xact_done: VecDeque<XactDone>,
    /// The user Xauth accepted.
    pub(super) xauth_user: Option<String>,
    /// The Mode Config address (ours to release as the server).
    pub(super) assigned: Option<Ipv4Addr>,
    /// An INITIAL_CONTACT that waits for Xauth to finish: until then the
    /// sender proved only the group key, which every group member has.
    pub(super) pending_initial_contact: bool,
}

/// A Transaction exchange under way on an IKE SA.
pub(super) struct XactSlot {
    pub(super) state: Transaction,
    pub(super) flight: Flight,
    /// The whole transaction must be over by then.
    pub(super) deadline: Instant,
}

/// A finished Transaction message ID: what came and what we answered.
pub(super) struct XactDone {
    pub(super) mid: u32,
    pub(super) flight: Flight,
}

impl IkeSa {
    /// The Transaction exchange's state, made on first use.
    pub(super) fn client_mut(&mut self) -> &mut ClientState {
        self.client.get_or_insert_with(Box::default)
    }

    /// The Transaction exchange under way.
    pub(super) fn xact(&self) -> Option<&XactSlot> {
        self.client.as_ref()?.xact.as_deref()
    }

    pub(super) fn xact_mut(&mut self) -> Option<&mut XactSlot> {
        self.client.as_mut()?.xact.as_deref_mut()
    }

    /// Takes the Transaction exchange under way out (ending it, unless it
    /// is put back).
    pub(super) fn take_xact(&mut self) -> Option<Box<XactSlot>> {
        self.client.as_mut()?.xact.take()
    }

    /// The user Xauth accepted.
    pub(super) fn xauth_user(&self) -> Option<&str> {
        self.client.as_ref()?.xauth_user.as_deref()
    }

    /// The Mode Config address.
    pub(super) fn assigned(&self) -> Option<Ipv4Addr> {
        self.client.as_ref()?.assigned
    }

    /// Remembers a Quick Mode message ID for the SA's life (bounded).
    pub(super) fn remember_quick(&mut self, mid: u32) {
        if self.seen_quick.len() >= QUICK_MODE_IDS {
            self.seen_quick.pop_front();
        }
        self.seen_quick.push_back(mid);
    }

    /// When phase 1 completed, if it has.
    pub(super) fn established_at(&self) -> Option<Instant> {
        self.established().map(|_| self.up_since)
    }

    pub(super) fn established(&self) -> Option<&Phase1Sa> {
        match &self.phase1 {
            Phase1State::Established(p1) => Some(p1),
            _ => None,
        }
    }

    /// The role IOS's debug lines show: `(I)` initiator, `(R)` responder.
    pub(super) fn role_letter(&self) -> char {
        if self.initiator { 'I' } else { 'R' }
    }

    /// The state `debug crypto isakmp` names in its `received packet` and
    /// `sending packet` lines: the `show crypto isakmp sa` state, and
    /// `CONF_XAUTH` while Xauth is still wanted of the peer.
    pub(super) fn debug_state(&self) -> IosState {
        if self.xauth_outstanding() {
            IosState::ConfXauth
        } else {
            self.phase1.ios_state()
        }
    }

    /// Xauth is wanted of the peer (we are its server) and not done yet.
    pub(super) fn xauth_outstanding(&self) -> bool {
        !self.initiator
            && self.xauth_user().is_none()
            && self
                .established()
                .and_then(|p| p.profile.as_ref())
                .is_some_and(|p| p.xauth)
    }

    /// The scope this SA's INITIAL_CONTACT and DELETE act in; `None` until
    /// phase 1 (and Xauth, where the profile wants it) is done.
    pub(super) fn scope(&self) -> Option<PeerScope> {
        if self.xauth_outstanding() {
            return None;
        }
        self.established().map(|p| PeerScope {
            remote: self.remote,
            identity: p.peer_id.clone(),
            xauth_user: self.xauth_user().map(str::to_owned),
        })
    }

    pub(super) fn established_mut(&mut self) -> Option<&mut Phase1Sa> {
        match &mut self.phase1 {
            Phase1State::Established(p1) => Some(p1),
            _ => None,
        }
    }

    /// Drops the IV chain of a finished or abandoned exchange.
    pub(super) fn forget_iv(&mut self, message_id: u32) {
        if let Phase1State::Established(p1) = &mut self.phase1 {
            p1.crypter.forget(message_id);
        }
    }

    pub(super) fn is_half_open(&self) -> bool {
        !matches!(self.phase1, Phase1State::Established(_))
    }

    pub(super) fn next_timeout(&self) -> Option<Instant> {
        let slots = self
            .quick
            .iter()
            .flat_map(|s| [s.flight.deadline(), Some(s.expire_at)])
            .flatten();
        let xact = self
            .xact()
            .into_iter()
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
