//! Phase 1 on the engine: a new responder SA from a first message, and
//! each further Main Mode (`exchange::main_mode`) or Aggressive Mode
//! (`exchange::aggressive`) message driven through its state, up to the
//! completed IKE SA.

use std::net::SocketAddrV4;

use super::counters::bump;
use super::half_open::Admit;
use super::notify;
use super::table::SaTable;
use super::{
    Arrival, Core, DownReason, Event, FollowUp, IkeSa, IkeSaId, IkeSaKeys, InfoItem, LogForm,
    NON_ESP_MARKER, PeerScope, Phase1State, QmRole, SaTimer,
};
use crate::exchange::IosState;
use crate::exchange::aggressive::{AggressiveResponder, AmRefusal};
use crate::exchange::chain::Received;
use crate::exchange::informational::{self};
use crate::exchange::main_mode::MainModeResponder;
use crate::exchange::phase1::{Phase1Done, Step};
use crate::exchange::{Phase1Sa, SaPhase, parse_responder_lifetime, unprotected_notify};
use crate::time::{Duration, Instant};
use crate::wire::{Cookie, ExchangeType, NotifyType, ProtocolId};

impl Core {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn new_responder(
        &mut self,
        sas: &mut SaTable,
        now: Instant,
        local: SocketAddrV4,
        remote: SocketAddrV4,
        header: &Received<'_>,
        body: &[u8],
        raw: &[u8],
    ) {
        let mut refused = false;
        // IOS prints the arrival before it looks at the message; the SA it
        // makes takes the next handle.
        self.received_new_sa(IkeSaId(self.next_id), local, remote);
        let main = header.exchange_type() == ExchangeType::MAIN_MODE;
        if main {
            self.first_input(IkeSaId(self.next_id), IosState::IkeRMm1);
        }
        let mut rcookie = self.cookie(sas);
        while sas.has_cookies(header.initiator_cookie(), rcookie) {
            rcookie = self.cookie(sas);
        }
        let (result, first, name) = match header.exchange_type() {
            ExchangeType::MAIN_MODE => {
                let mut ctx = Self::ctx(
                    &mut self.rng,
                    &*self.policy,
                    &self.config,
                    (&mut self.trace, Some(IkeSaId(self.next_id))),
                    local,
                    remote,
                );
                (
                    MainModeResponder::start(&mut ctx, header, body, rcookie).map(|(s, m)| {
                        let kept = s.retained_bytes();
                        (Phase1State::MainR(Box::new(s)), m, kept)
                    }),
                    IosState::IkeRMm1,
                    IosState::IkeRMm2,
                )
            }
            _ => {
                let (rate, burst) = (
                    self.config.aggressive_dh_per_second,
                    self.config.aggressive_dh_burst,
                );
                let budget = &mut self.dh_budget;
                let mut gate =
                    || budget.take(now, rate, burst, header.initiator_cookie(), *remote.ip());
                let mut ctx = Self::ctx(
                    &mut self.rng,
                    &*self.policy,
                    &self.config,
                    (&mut self.trace, Some(IkeSaId(self.next_id))),
                    local,
                    remote,
                );
                let started =
                    AggressiveResponder::start(&mut ctx, header, body, rcookie, &mut gate);
                let started = match started {
                    Ok((s, m)) => {
                        let kept = s.retained_bytes();
                        Ok((Phase1State::AggrR(Box::new(s)), m, kept))
                    }
                    Err(AmRefusal::OverBudget) => {
                        bump(&mut self.counters.aggressive_dh_budget);
                        self.log(
                            None,
                            None,
                            format_args!(
                                "Aggressive Mode DH budget spent: dropping first message from {remote}"
                            ),
                        );
                        return;
                    }
                    Err(AmRefusal::NotAllowed(e)) => {
                        // Counted here, not as peer_incompatible too.
                        bump(&mut self.counters.aggressive_mode_refused);
                        self.log(
                            None,
                            None,
                            format_args!(
                                "Aggressive Mode not configured for the identity from {remote}"
                            ),
                        );
                        refused = true;
                        Err(e)
                    }
                    Err(AmRefusal::Error(e)) => Err(e),
                };
                (started, IosState::IkeRAmAaaAwait, IosState::IkeRAm2)
            }
        };
        let (state, reply, kept) = match result {
            Ok(x) => x,
            Err(e) => {
                let sa_id = self.alloc_id(sas);
                if !main {
                    self.first_input(sa_id, first);
                }
                if !refused {
                    self.counters.error(&e);
                }
                self.log(Some(sa_id), None, format_args!("phase 1 refused: {e}"));
                if let Some(ty) = e.notify() {
                    self.send_plain_notify(
                        local,
                        remote,
                        header.initiator_cookie(),
                        rcookie,
                        ty,
                        sa_id,
                    );
                }
                self.events.push_back(Event::IkeSaFailed {
                    ike_sa: sa_id,
                    remote,
                    error: Some(e),
                });
                return;
            }
        };
        // What the entry will hold: the SA (twice: the table's slack at
        // its worst load), the state's own buffers, our reply twice (to
        // retransmit, to answer duplicates: never the peer's message, of
        // which a digest is kept) and the indexes.
        let bytes = 2 * core::mem::size_of::<IkeSa>()
            + kept
            + 2 * (reply.len() + 4)
            + super::half_open::INDEX_BYTES;
        match self.half_open.admit(
            *remote.ip(),
            self.config.half_open_per_peer,
            self.config.half_open_total,
            self.config.half_open_memory,
            bytes,
        ) {
            Admit::Take => {}
            Admit::Evict(ids) => {
                for id in ids {
                    if let Some(mut old) = sas.remove(id) {
                        self.forget(&old);
                        bump(&mut self.counters.half_open_evicted);
                        self.log(
                            Some(id),
                            None,
                            format_args!(
                                "half-open table full: evicting unverified SA with {}",
                                old.remote
                            ),
                        );
                        self.ike_down_ref(&mut old, DownReason::Expired);
                    }
                }
            }
            Admit::Refuse => {
                bump(&mut self.counters.half_open_limit);
                self.log(
                    None,
                    None,
                    format_args!("half-open SA limit reached: dropping new SA from {remote}"),
                );
                return;
            }
        }
        let mut sa = self.new_sa(
            sas,
            false,
            header.initiator_cookie(),
            rcookie,
            local,
            remote,
            state,
        );
        // The handle stands where IOS prints the SA's address.
        self.log_form(
            None,
            None,
            LogForm::Global,
            format_args!("insert sa successfully sa = {:08X}", sa.id.0),
        );
        if !main {
            self.first_input(sa.id, first);
        }
        if main {
            self.process_main_mode(sa.id, first);
        }
        // A retransmitted first message gets this answer again.
        self.send_phase1(&mut sa, now, Some(raw), reply, true);
        // Main Mode completes its step; Aggressive Mode's step waited on
        // the pre-shared key, found before the answer was built.
        let input = if main {
            "Input = IKE_MESG_INTERNAL, IKE_PROCESS_COMPLETE"
        } else {
            "Input = IKE_MESG_FROM_AAA, PRESHARED_KEY_REPLY"
        };
        self.log(Some(sa.id), None, input);
        self.transition(sa.id, None, first, name);
        self.half_open.insert(sa.id, *remote.ip(), bytes);
        sa.first_from = Some(*remote.ip());
        sas.insert(sa);
    }

    /// `Input = IKE_MESG_FROM_PEER, IKE_MM_EXCH` (or `IKE_AM_EXCH`): the
    /// event before the state change a peer's phase-1 message makes.
    fn peer_input(&mut self, id: IkeSaId, exchange: ExchangeType) {
        let name = if exchange == ExchangeType::AGGRESSIVE {
            "IKE_AM_EXCH"
        } else {
            "IKE_MM_EXCH"
        };
        self.log(
            Some(id),
            None,
            format_args!("Input = IKE_MESG_FROM_PEER, {name}"),
        );
    }

    /// The Main Mode responder's internal step before it answers:
    /// `Input = IKE_MESG_INTERNAL, IKE_PROCESS_MAIN_MODE` and the state
    /// change to itself.
    fn process_main_mode(&mut self, id: IkeSaId, state: IosState) {
        self.log(
            Some(id),
            None,
            "Input = IKE_MESG_INTERNAL, IKE_PROCESS_MAIN_MODE",
        );
        self.transition(id, None, state, state);
    }

    /// `received packet from .. (N) NEW SA`, `local port .., remote port ..`.
    fn received_new_sa(&mut self, id: IkeSaId, local: SocketAddrV4, remote: SocketAddrV4) {
        self.log(
            Some(id),
            None,
            format_args!(
                "received packet from {} dport {} sport {} Global (N) NEW SA",
                remote.ip(),
                local.port(),
                remote.port()
            ),
        );
        self.log_form(
            None,
            None,
            LogForm::Global,
            format_args!("local port {}, remote port {}", local.port(), remote.port()),
        );
    }

    /// The first message's event and state change (`IKE_READY` to
    /// `first`): before the Main Mode responder reads the message, after
    /// the Aggressive Mode responder did, as IOS prints them.
    fn first_input(&mut self, id: IkeSaId, first: IosState) {
        // The first message's own state names say which exchange it is.
        let exchange = if first.aggressive_responder() {
            "IKE_AM_EXCH"
        } else {
            "IKE_MM_EXCH"
        };
        self.log(
            Some(id),
            None,
            format_args!("Input = IKE_MESG_FROM_PEER, {exchange}"),
        );
        self.transition(id, None, IosState::IkeReady, first);
    }

    fn send_plain_notify(
        &mut self,
        local: SocketAddrV4,
        remote: SocketAddrV4,
        icookie: Cookie,
        rcookie: Cookie,
        ty: NotifyType,
        sa: IkeSaId,
    ) {
        let mid = self.rng.next_u32() | 1;
        let msg = unprotected_notify(icookie, rcookie, mid, ty);
        self.log(
            Some(sa),
            None,
            format_args!("sending NOTIFY {} to {remote}", notify::name(ty.get())),
        );
        let mut payload = Vec::new();
        if local.port() == self.config.natt_port {
            payload.extend_from_slice(&NON_ESP_MARKER);
        }
        payload.extend_from_slice(&msg);
        self.transmits.push_back(super::Datagram {
            local,
            remote,
            payload,
        });
    }

    /// Handles a phase-1 message on an existing SA; `false` drops the SA.
    ///
    /// `others`: whether the table holds other IKE SAs with the peer.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn phase1_message(
        &mut self,
        now: Instant,
        sa: &mut IkeSa,
        header: &Received<'_>,
        body: &[u8],
        raw: &[u8],
        arrival: Arrival,
        others: bool,
    ) -> bool {
        if let Some(answer) = sa.flight.duplicate(raw) {
            // The peer did not get our answer: repeat it, never reprocess.
            let answer = answer.map(<[u8]>::to_vec);
            self.duplicate(sa, None, answer.as_deref());
            return true;
        }
        let state = core::mem::replace(&mut sa.phase1, Phase1State::Gone);
        let mut old = state.name();
        let answered_in = state.ios_state();
        // IOS's Main Mode responder names the message's event and state
        // before it reads the message.
        let announced = match &state {
            Phase1State::MainR(s) => Some(s.received_name()),
            _ => None,
        };
        if let Some(received) = announced {
            self.peer_input(sa.id, header.exchange_type());
            self.transition(sa.id, None, old, received);
            old = received;
        }
        let want_ic = self.config.initial_contact
            && !others
            && self.children.of_peer(*sa.remote.ip()).next().is_none();
        // The exchange sees the addresses this datagram travelled between
        // (NAT-D is about them).
        let mut ctx = Self::ctx(
            &mut self.rng,
            &*self.policy,
            &self.config,
            (&mut self.trace, Some(sa.id)),
            arrival.local,
            arrival.remote,
        );
        let mut nat = None;
        let step = match state {
            Phase1State::MainI(s) => {
                let step = (*s).handle(&mut ctx, header, body, want_ic);
                if let Step::Next { state, .. } = &step {
                    nat = state.nat_detected();
                }
                step.map(|s| Phase1State::MainI(Box::new(s)))
            }
            Phase1State::MainR(s) => (*s)
                .handle(&mut ctx, header, body)
                .map(|s| Phase1State::MainR(Box::new(s))),
            Phase1State::AggrI(s) => {
                let step = (*s).handle(&mut ctx, header, body);
                if let Step::Done { outcome, .. } = &step {
                    nat = Some(outcome.sa.nat);
                }
                step.map(|s| Phase1State::AggrI(Box::new(s)))
            }
            Phase1State::AggrR(s) => (*s)
                .handle(&mut ctx, header, body)
                .map(|s| Phase1State::AggrR(Box::new(s))),
            established @ (Phase1State::Established(_) | Phase1State::Gone) => {
                sa.phase1 = established;
                bump(&mut self.counters.out_of_state);
                self.log(
                    Some(sa.id),
                    None,
                    "phase-1 message on a complete SA: dropped",
                );
                return true;
            }
        };
        if matches!(step, Step::Next { .. } | Step::Done { .. }) {
            // Validated: now the SA follows the message.
            self.adopt(sa, header, arrival);
            if let Some(nat) = nat.filter(|n| n.any() && !sa.floated) {
                // RFC 3947: MM5 / AM3 onwards on the NAT-T ports with the marker.
                sa.floated = true;
                sa.local.set_port(self.config.natt_port);
                sa.remote.set_port(self.config.peer_natt_port);
                // Say which: a NAT in front of us, or our own forcing (a
                // peer that forces too looks "behind a NAT" to us).
                let why = if nat.forced && !nat.local_behind {
                    "UDP encapsulation forced"
                } else {
                    "NAT detected"
                };
                self.log(
                    Some(sa.id),
                    None,
                    format_args!(
                        "{why}: floating to port {} (peer {})",
                        sa.local.port(),
                        sa.remote.port()
                    ),
                );
            }
        }
        match step {
            Step::Next {
                state,
                reply,
                received,
            } => {
                if announced.is_none() {
                    self.peer_input(sa.id, header.exchange_type());
                    self.transition(sa.id, None, old, received);
                }
                sa.phase1 = state;
                // The peer answered our first message: its address is real,
                // the SA is no longer the first to go when the table fills.
                self.half_open.verify(sa.id);
                let new = sa.phase1.name();
                let main_responder =
                    !sa.initiator && header.exchange_type() == ExchangeType::MAIN_MODE;
                if main_responder {
                    // IOS's Main Mode responder processes the message, sends
                    // its answer, then completes the step.
                    self.process_main_mode(sa.id, received);
                }
                self.send_phase1(sa, now, Some(raw), reply, true);
                if main_responder {
                    self.log(
                        Some(sa.id),
                        None,
                        "Input = IKE_MESG_INTERNAL, IKE_PROCESS_COMPLETE",
                    );
                }
                self.transition(sa.id, None, received, new);
                true
            }
            Step::Done {
                outcome:
                    Phase1Done {
                        sa: p1,
                        initial_contact,
                    },
                reply,
                received,
            } => {
                if announced.is_none() {
                    self.peer_input(sa.id, header.exchange_type());
                }
                // IOS's Aggressive Mode responder goes from IKE_R_AM2
                // straight to IKE_P1_COMPLETE on AM3.
                let received = if announced.is_some()
                    || !sa.initiator && header.exchange_type() == ExchangeType::AGGRESSIVE
                {
                    old
                } else {
                    self.transition(sa.id, None, old, received);
                    received
                };
                if !sa.initiator && header.exchange_type() == ExchangeType::MAIN_MODE {
                    self.process_main_mode(sa.id, received);
                }
                // MM6 is resent until the initiator speaks under the SA
                // (`heard_from` stops it): without that, only the
                // initiator's MM5 retries carry it, and each needs both
                // messages through. AM3 needs no resend: the Aggressive
                // Mode responder resends AM2 until it comes.
                let main_responder =
                    !sa.initiator && header.exchange_type() == ExchangeType::MAIN_MODE;
                match reply {
                    Some(r) => {
                        self.send_phase1_as(sa, now, Some(raw), r, main_responder, answered_in)
                    }
                    None => sa.flight.received(raw),
                }
                let aggressive_initiator =
                    sa.initiator && matches!(header.exchange_type(), ExchangeType::AGGRESSIVE);
                self.phase1_complete(now, sa, p1, received, initial_contact);
                if aggressive_initiator && want_ic {
                    // Aggressive Mode has no encrypted message of ours to
                    // carry it: an Informational right after AM3.
                    if let Some(p1) = sa.established() {
                        let spi = informational::isakmp_spi(p1);
                        let item = InfoItem::Notify {
                            ty: NotifyType::INITIAL_CONTACT,
                            protocol: ProtocolId::ISAKMP,
                            spi,
                            data: Vec::new(),
                        };
                        self.send_info(sa, &[item]);
                    }
                }
                true
            }
            Step::Ignore { state, why } => {
                sa.phase1 = state;
                bump(&mut self.counters.ignored);
                self.log(Some(sa.id), None, format_args!("ignoring message: {why}"));
                true
            }
            Step::Reject { state, error } => {
                sa.phase1 = state;
                self.counters.error(&error);
                self.log(
                    Some(sa.id),
                    None,
                    format_args!("rejecting message: {error}"),
                );
                if let Some(ty) = error.notify() {
                    // To the peer we know, not to wherever the datagram
                    // claims to come from.
                    self.send_plain_notify(sa.local, sa.remote, sa.icookie, sa.rcookie, ty, sa.id);
                }
                true
            }

            Step::Fail(e) => {
                self.counters.error(&e);
                self.log(Some(sa.id), None, format_args!("phase 1 failed: {e}"));
                if let Some(ty) = e.notify() {
                    self.send_plain_notify(sa.local, sa.remote, sa.icookie, sa.rcookie, ty, sa.id);
                }
                self.transition(sa.id, None, old, IosState::IkeDestSa);
                self.events.push_back(Event::IkeSaFailed {
                    ike_sa: sa.id,
                    remote: sa.remote,
                    error: Some(e.clone()),
                });
                for a in sa.acquires.drain(..) {
                    self.events.push_back(Event::ChildSaFailed {
                        remote: sa.remote,
                        selectors: a.selectors,
                        error: Some(e.clone()),
                    });
                }
                false
            }
        }
    }

    /// A validated phase-1 message: take the responder's cookie (the
    /// first answer to our first message), its addresses and the float.
    fn adopt(&mut self, sa: &mut IkeSa, header: &Received<'_>, arrival: Arrival) {
        if sa.rcookie.is_zero() && !header.responder_cookie().is_zero() {
            // The table re-files it under the pair when it is filed back.
            sa.rcookie = header.responder_cookie();
        }
        if arrival.local.port() == self.config.natt_port && !sa.floated {
            sa.floated = true;
            sa.local = arrival.local;
        }
        sa.remote = arrival.remote;
    }

    fn phase1_complete(
        &mut self,
        now: Instant,
        sa: &mut IkeSa,
        p1: Box<Phase1Sa>,
        received: IosState,
        initial_contact: bool,
    ) {
        self.log(Some(sa.id), None, "SA authentication status: authenticated");
        self.log(
            Some(sa.id),
            None,
            format_args!("SA has been authenticated with {}", sa.remote.ip()),
        );
        if !sa.initiator && received.main_mode_responder() {
            // The Main Mode responder's step ends once its answer is out.
            self.log(
                Some(sa.id),
                None,
                "Input = IKE_MESG_INTERNAL, IKE_PROCESS_COMPLETE",
            );
        }
        self.transition(sa.id, None, received, IosState::IkeP1Complete);
        if self.config.keylog {
            self.events.push_back(Event::IkeSaKeys(IkeSaKeys {
                ike_sa: sa.id,
                initiator_cookie: p1.icookie,
                responder_cookie: p1.rcookie,
                encryption_key: p1.crypter.key().clone(),
            }));
        }
        self.half_open.remove(sa.id);
        let lifetime = p1.proposal.lifetime;
        let nat = p1.nat;
        let dpd = p1.caps.dpd;
        sa.phase1 = Phase1State::Established(p1);
        sa.up_since = now;
        sa.reported_up = true;
        sa.dpd.last_heard = now;
        match lifetime.seconds {
            Some(s) => sa
                .timers
                .set(SaTimer::Expire, now + Duration::from_secs(u64::from(s))),
            None => sa.timers.stop(SaTimer::Expire),
        }
        if let Some(cfg) = self.config.dpd.filter(|_| dpd) {
            sa.timers.set(SaTimer::Dpd, now + cfg.interval);
        }
        if nat.local_behind && sa.floated {
            sa.timers
                .set(SaTimer::Keepalive, now + self.config.nat_keepalive);
        }
        self.announce_lifetime(sa);
        if let Some(info) = self.info(sa) {
            self.events.push_back(Event::IkeSaUp(info));
        }
        self.log(
            Some(sa.id),
            None,
            "Input = IKE_MESG_INTERNAL, IKE_PHASE1_COMPLETE",
        );
        self.transition(
            sa.id,
            None,
            IosState::IkeP1Complete,
            IosState::IkeP1Complete,
        );
        if initial_contact {
            self.initial_contact(sa);
        }
        self.start_transaction(now, sa);
    }

    /// The RESPONDER_LIFETIME a responder owes when its policy shortened
    /// the peer's phase-1 lifetime: IOS sends it in a protected
    /// Informational right after the peer authenticated, where it cannot be
    /// forged, rather than in the clear in MM2 / AM2.
    fn announce_lifetime(&mut self, sa: &mut IkeSa) {
        let Some(p1) = sa.established_mut() else {
            return;
        };
        if !core::mem::take(&mut p1.announce_lifetime) {
            return;
        }
        let lifetime = p1.proposal.lifetime;
        let Some(item) = informational::phase1_responder_lifetime(p1) else {
            return;
        };
        self.send_info(sa, &[item]);
        self.log_form(
            None,
            None,
            LogForm::Global,
            format_args!(
                "Sending phase 1 responder lifetime {}",
                lifetime.seconds.unwrap_or(0)
            ),
        );
    }

    /// A peer's phase-1 RESPONDER_LIFETIME (protected, protocol ISAKMP):
    /// the shorter lifetime is the one in force.
    pub(super) fn responder_lifetime(&mut self, now: Instant, sa: &mut IkeSa, data: &[u8]) {
        let Some(l) = parse_responder_lifetime(SaPhase::Isakmp, data) else {
            bump(&mut self.counters.ignored);
            self.log(
                Some(sa.id),
                None,
                "unreadable phase 1 RESPONDER_LIFETIME ignored",
            );
            return;
        };
        let Some(p1) = sa.established_mut() else {
            return;
        };
        p1.proposal.lifetime = p1.proposal.lifetime.min(l);
        let in_force = p1.proposal.lifetime;
        if let (Some(s), Some(up)) = (in_force.seconds, sa.established_at()) {
            let at = up + Duration::from_secs(u64::from(s));
            sa.timers.set(SaTimer::Expire, at.max(now));
        }
        self.log(
            Some(sa.id),
            None,
            format_args!(
                "phase 1 responder lifetime {} s in force",
                in_force.seconds.unwrap_or(0)
            ),
        );
    }

    /// Lets Quick Mode run on `sa` and starts the acquires that waited.
    pub(super) fn open_phase2(&mut self, now: Instant, sa: &mut IkeSa) {
        sa.phase2_open = true;
        self.pump_acquires(now, sa);
    }

    /// Tears down every SA in `scope` but `keep`'s (INITIAL_CONTACT:
    /// RFC 2407 4.6.3.3 scopes it to the sending system; DPD: the dead
    /// peer). Peers that share the address but not the port, identity or
    /// Xauth user (clients behind one NAT) keep theirs. Done once `keep`
    /// is filed back: the table is not the core's to change while `keep`
    /// is borrowed from it.
    pub(super) fn purge_scope(&mut self, scope: &PeerScope, keep: IkeSaId, reason: DownReason) {
        self.follow_ups.push(FollowUp::Purge {
            scope: scope.clone(),
            keep,
            reason,
        });
    }

    /// A peer's INITIAL_CONTACT: its earlier SAs go, once the peer is who
    /// it says (after Xauth where the profile wants it).
    pub(super) fn initial_contact(&mut self, sa: &mut IkeSa) {
        let Some(scope) = sa.scope() else {
            if sa.xauth_outstanding() {
                sa.client_mut().pending_initial_contact = true;
                self.log(
                    Some(sa.id),
                    None,
                    "INITIAL_CONTACT held until Xauth is done",
                );
            }
            return;
        };
        if let Some(c) = sa.client.as_mut() {
            c.pending_initial_contact = false;
        }
        self.log(Some(sa.id), None, "Process initial contact,");
        self.log_form(
            None,
            None,
            LogForm::Verbatim,
            format_args!(
                "bring down existing phase 1 and 2 SA's with local {} remote {} remote port {}",
                sa.local.ip(),
                scope.remote.ip(),
                scope.remote.port()
            ),
        );
        self.purge_scope(&scope, sa.id, DownReason::InitialContact);
    }

    pub(super) fn pump_acquires(&mut self, now: Instant, sa: &mut IkeSa) {
        while sa.phase2_open && sa.established().is_some() && !sa.acquires.is_empty() {
            let active = sa
                .quick
                .iter()
                .filter(|q| !matches!(q.role, QmRole::Done))
                .count();
            if active >= super::MAX_ACTIVE_QUICK_MODES {
                break;
            }
            let a = sa.acquires.remove(0);
            self.start_quick_mode(now, sa, a);
        }
    }
}
