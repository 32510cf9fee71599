//! Inputs: datagrams and timeouts.

use std::net::SocketAddrV4;

use super::children::Lifetime;
use super::counters::bump;
use super::flight::{Due, Flight};
use super::half_open::Admit;
use super::{
    Acquire, Arrival, ChildEntry, ChildSa, ChildSaId, DownReason, DpdMode, Encapsulation, Engine,
    Event, IkeSa, IkeSaId, IkeSaKeys, InfoItem, NON_ESP_MARKER, PeerScope, Phase1State, QmRole,
    QmSlot, SaTimer,
};
use crate::error::Error;
use crate::exchange::aggressive::{AggressiveResponder, AmRefusal};
use crate::exchange::informational::{self, dpd};
use crate::exchange::main_mode::{MainModeInitiator, MainModeResponder, Step};
use crate::exchange::msg::{self, Header, exch, flags};
use crate::exchange::notify;
use crate::exchange::quick_mode::{
    InitiatorOutcome, NegotiatedChild, QuickModeInitiator, QuickModeResponder,
};
use crate::exchange::{
    PROTO_ESP, PROTO_ISAKMP, Phase1Sa, SaPhase, parse_responder_lifetime, unprotected_notify,
};
use crate::policy::Identity;
use crate::time::{Duration, Instant};

fn is_error_notify(ty: u16) -> bool {
    (1..16384).contains(&ty)
}

impl Engine {
    /// Feeds one received UDP datagram: `local` is the address and port it
    /// arrived on, `remote` where it came from.
    pub fn handle_datagram(
        &mut self,
        now: Instant,
        local: SocketAddrV4,
        remote: SocketAddrV4,
        data: &[u8],
    ) {
        self.now = now;
        bump(&mut self.counters.datagrams);
        let msg = if local.port() == self.config.natt_port {
            if data == [0xff] {
                bump(&mut self.counters.nat_keepalives);
                return;
            }
            match data.strip_prefix(&NON_ESP_MARKER) {
                Some(m) => m,
                None => {
                    // ESP in UDP: the data plane's.
                    bump(&mut self.counters.esp_in_udp);
                    return;
                }
            }
        } else {
            data
        };
        let (header, body) = match Header::parse(msg) {
            Ok(x) => x,
            Err(e) => {
                bump(&mut self.counters.unparsable);
                self.log(None, None, format!("dropping packet from {remote}: {e}"));
                return;
            }
        };
        if header.flags & flags::E == 0 {
            let padding = msg::zero_padding(header.next_payload, body);
            if padding > 0 {
                bump(&mut self.counters.zero_padding);
                self.log(
                    None,
                    None,
                    format!("accepting {padding} bytes of zero padding after the last payload from {remote}"),
                );
            }
        }
        let Some(id) = self.lookup(&header, remote) else {
            if header.rcookie == [0; 8]
                && header.message_id == 0
                && matches!(header.exchange, exch::MAIN | exch::AGGRESSIVE)
            {
                self.new_responder(now, local, remote, &header, body, msg);
            } else {
                bump(&mut self.counters.unknown_cookies);
                self.log(
                    None,
                    None,
                    format!("received packet from {remote} for unknown cookies: dropped"),
                );
            }
            return;
        };
        let Some(mut sa) = self.sas.remove(&id) else {
            return;
        };
        // Nothing about the SA (the responder cookie, the peer's address,
        // the float to NAT-T) changes until the message has been validated
        // by the state it is for.
        let arrival = Arrival { local, remote };
        let keep = match header.exchange {
            exch::MAIN | exch::AGGRESSIVE if header.message_id == 0 => {
                self.phase1_message(now, &mut sa, &header, body, msg, arrival)
            }
            exch::QUICK => {
                self.quick_message(now, &mut sa, &header, body, msg, arrival);
                self.pump_acquires(now, &mut sa);
                true
            }
            exch::INFORMATIONAL => {
                let keep = self.info_message(now, &mut sa, &header, body, arrival);
                if keep {
                    self.pump_acquires(now, &mut sa);
                }
                keep
            }
            exch::TRANSACTION => {
                let keep = self.transaction_message(now, &mut sa, &header, body, msg, arrival);
                if keep {
                    self.pump_acquires(now, &mut sa);
                }
                keep
            }
            other => {
                bump(&mut self.counters.unsupported_exchange);
                self.log(
                    Some(sa.id),
                    None,
                    format!("unsupported exchange type {other}: dropped"),
                );
                true
            }
        };
        if keep {
            self.put_sa(sa);
        } else {
            self.forget_sa(&sa);
        }
    }

    fn lookup(&self, h: &Header, remote: SocketAddrV4) -> Option<IkeSaId> {
        if let Some(id) = self.by_cookies.get(&(h.icookie, h.rcookie)) {
            return Some(*id);
        }
        if h.rcookie == [0; 8] {
            // A retransmitted first message: the responder SA we made for it
            // (indexed: this runs for every datagram of a flood).
            return self.by_first.get(&(h.icookie, *remote.ip())).copied();
        }
        // The responder's first answer to us.
        self.by_cookies
            .get(&(h.icookie, [0; 8]))
            .copied()
            .filter(|id| self.sas.get(id).is_some_and(|s| s.initiator))
    }

    // ----- phase 1 ---------------------------------------------------------

    fn new_responder(
        &mut self,
        now: Instant,
        local: SocketAddrV4,
        remote: SocketAddrV4,
        header: &Header,
        body: &[u8],
        raw: &[u8],
    ) {
        let mut refused = false;
        let mut rcookie = self.cookie();
        while self.by_cookies.contains_key(&(header.icookie, rcookie)) {
            rcookie = self.cookie();
        }
        let (result, first, name) = match header.exchange {
            exch::MAIN => {
                let mut ctx = Self::ctx(&mut self.rng, &*self.policy, &self.config, local, remote);
                (
                    MainModeResponder::start(&mut ctx, header, body, rcookie).map(|(s, m)| {
                        let kept = s.retained_bytes();
                        (Phase1State::MainR(s), m, kept)
                    }),
                    "IKE_R_MM1",
                    "IKE_R_MM2",
                )
            }
            _ => {
                let (rate, burst) = (
                    self.config.aggressive_dh_per_second,
                    self.config.aggressive_dh_burst,
                );
                let budget = &mut self.dh_budget;
                let mut gate = || budget.take(now, rate, burst, header.icookie, *remote.ip());
                let mut ctx = Self::ctx(&mut self.rng, &*self.policy, &self.config, local, remote);
                let started =
                    AggressiveResponder::start(&mut ctx, header, body, rcookie, &mut gate);
                let started = match started {
                    Ok((s, m)) => {
                        let kept = s.retained_bytes();
                        Ok((Phase1State::AggrR(s), m, kept))
                    }
                    Err(AmRefusal::OverBudget) => {
                        bump(&mut self.counters.aggressive_dh_budget);
                        self.log(
                            None,
                            None,
                            format!(
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
                            format!(
                                "Aggressive Mode not configured for the identity from {remote}"
                            ),
                        );
                        refused = true;
                        Err(e)
                    }
                    Err(AmRefusal::Error(e)) => Err(e),
                };
                (started, "IKE_R_AM_AAA_AWAIT", "IKE_R_AM2")
            }
        };
        let (state, reply, kept) = match result {
            Ok(x) => x,
            Err(e) => {
                let sa_id = IkeSaId(self.alloc_id());
                self.new_sa_log(sa_id, local, remote, first);
                if !refused {
                    self.counters.error(&e);
                }
                self.log(Some(sa_id), None, format!("phase 1 refused: {e}"));
                if let Some(ty) = e.notify_number() {
                    self.send_plain_notify(local, remote, header.icookie, rcookie, ty, sa_id);
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
                    if let Some(mut old) = self.take_sa(id) {
                        bump(&mut self.counters.half_open_evicted);
                        self.log(
                            Some(id),
                            None,
                            format!(
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
                    format!("half-open SA limit reached: dropping new SA from {remote}"),
                );
                return;
            }
        }
        let mut sa = self.new_sa(false, header.icookie, rcookie, local, remote, state);
        self.new_sa_log(sa.id, local, remote, first);
        self.transition(sa.id, None, first, name);
        // A retransmitted first message gets this answer again.
        self.send_phase1(&mut sa, now, Some(raw), reply, true);
        self.half_open.insert(sa.id, *remote.ip(), bytes);
        sa.first_from = Some(*remote.ip());
        self.by_first.insert((sa.icookie, *remote.ip()), sa.id);
        self.insert_sa(sa);
    }

    fn new_sa_log(&mut self, id: IkeSaId, local: SocketAddrV4, remote: SocketAddrV4, first: &str) {
        self.log(
            Some(id),
            None,
            format!(
                "received packet from {remote} dport {} sport {} Global (N) NEW SA",
                local.port(),
                remote.port()
            ),
        );
        self.transition(id, None, "IKE_READY", first);
    }

    fn send_plain_notify(
        &mut self,
        local: SocketAddrV4,
        remote: SocketAddrV4,
        icookie: [u8; 8],
        rcookie: [u8; 8],
        ty: u16,
        sa: IkeSaId,
    ) {
        let mid = self.rng.next_u32() | 1;
        let msg = unprotected_notify(icookie, rcookie, mid, ty);
        self.log(
            Some(sa),
            None,
            format!("sending NOTIFY {} to {remote}", notify::name(ty)),
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
    fn phase1_message(
        &mut self,
        now: Instant,
        sa: &mut IkeSa,
        header: &Header,
        body: &[u8],
        raw: &[u8],
        arrival: Arrival,
    ) -> bool {
        if let Some(answer) = sa.flight.duplicate(raw) {
            // The peer did not get our answer: repeat it, never reprocess.
            let answer = answer.map(<[u8]>::to_vec);
            self.duplicate(sa, None, answer.as_deref());
            return true;
        }
        let state = core::mem::replace(&mut sa.phase1, Phase1State::Gone);
        let old = state.name();
        let want_ic =
            self.config.initial_contact && !self.have_sas_with(*sa.remote.ip(), Some(sa.id));
        // The exchange sees the addresses this datagram travelled between
        // (NAT-D is about them).
        let mut ctx = Self::ctx(
            &mut self.rng,
            &*self.policy,
            &self.config,
            arrival.local,
            arrival.remote,
        );
        let mut nat = None;
        let step = match state {
            Phase1State::MainI(s) => {
                let (step, mm4) = s.handle(&mut ctx, header, body, want_ic);
                nat = mm4.map(|o| o.nat);
                map_step(step, Phase1State::MainI)
            }
            Phase1State::MainR(s) => map_step(s.handle(&mut ctx, header, body), Phase1State::MainR),
            Phase1State::AggrI(s) => {
                let (step, detected) = s.handle(&mut ctx, header, body);
                nat = Some(detected);
                map_step(step, Phase1State::AggrI)
            }
            Phase1State::AggrR(s) => map_step(s.handle(&mut ctx, header, body), Phase1State::AggrR),
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
                    format!(
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
                self.transition(sa.id, None, old, received);
                sa.phase1 = state;
                // The peer answered our first message: its address is real,
                // the SA is no longer the first to go when the table fills.
                self.half_open.verify(sa.id);
                let new = sa.phase1.name();
                self.transition(sa.id, None, received, new);
                self.send_phase1(sa, now, Some(raw), reply, true);
                true
            }
            Step::Done {
                sa: p1,
                reply,
                received,
                initial_contact,
            } => {
                self.transition(sa.id, None, old, received);
                match reply {
                    Some(r) => self.send_phase1(sa, now, Some(raw), r, false),
                    None => sa.flight.received(raw),
                }
                let aggressive_initiator =
                    sa.initiator && matches!(header.exchange, exch::AGGRESSIVE);
                self.phase1_complete(now, sa, p1, received, initial_contact);
                if aggressive_initiator && want_ic {
                    // Aggressive Mode has no encrypted message of ours to
                    // carry it: an Informational right after AM3.
                    if let Some(p1) = sa.established() {
                        let spi = informational::isakmp_spi(p1);
                        let item = InfoItem::Notify {
                            ty: notify::INITIAL_CONTACT,
                            protocol: PROTO_ISAKMP,
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
                self.log(Some(sa.id), None, format!("ignoring message: {why}"));
                true
            }
            Step::Reject { state, error } => {
                sa.phase1 = state;
                self.counters.error(&error);
                self.log(Some(sa.id), None, format!("rejecting message: {error}"));
                if let Some(ty) = error.notify_number() {
                    // To the peer we know, not to wherever the datagram
                    // claims to come from.
                    self.send_plain_notify(sa.local, sa.remote, sa.icookie, sa.rcookie, ty, sa.id);
                }
                true
            }

            Step::Fail(e) => {
                self.counters.error(&e);
                self.log(Some(sa.id), None, format!("phase 1 failed: {e}"));
                if let Some(ty) = e.notify_number() {
                    self.send_plain_notify(sa.local, sa.remote, sa.icookie, sa.rcookie, ty, sa.id);
                }
                self.transition(sa.id, None, old, "IKE_DEST_SA");
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
    fn adopt(&mut self, sa: &mut IkeSa, header: &Header, arrival: Arrival) {
        if sa.rcookie == [0; 8] && header.rcookie != [0; 8] {
            self.by_cookies.remove(&(sa.icookie, sa.rcookie));
            sa.rcookie = header.rcookie;
            self.by_cookies.insert((sa.icookie, sa.rcookie), sa.id);
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
        received: &str,
        initial_contact: bool,
    ) {
        self.log(
            Some(sa.id),
            None,
            format!("SA has been authenticated with {}", sa.remote.ip()),
        );
        self.transition(sa.id, None, received, "IKE_P1_COMPLETE");
        if self.config.keylog {
            if let Some(encryption_key) = p1.keys.encryption_key(p1.proposal.cipher) {
                self.events.push_back(Event::IkeSaKeys(IkeSaKeys {
                    ike_sa: sa.id,
                    initiator_cookie: p1.icookie,
                    responder_cookie: p1.rcookie,
                    encryption_key,
                }));
            }
        }
        self.half_open.remove(sa.id);
        let lifetime = p1.lifetime;
        let nat = p1.nat;
        let dpd = p1.caps.dpd;
        sa.phase1 = Phase1State::Established(p1);
        sa.established_at = Some(now);
        sa.reported_up = true;
        sa.dpd.last_heard = Some(now);
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
        self.transition(sa.id, None, "IKE_P1_COMPLETE", "IKE_P1_COMPLETE");
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
        let lifetime = p1.lifetime;
        let Some(item) = informational::phase1_responder_lifetime(p1) else {
            return;
        };
        self.log(
            Some(sa.id),
            None,
            format!(
                "Sending phase 1 responder lifetime {}",
                lifetime.seconds.unwrap_or(0)
            ),
        );
        self.send_info(sa, &[item]);
    }

    /// A peer's phase-1 RESPONDER_LIFETIME (protected, protocol ISAKMP):
    /// the shorter lifetime is the one in force.
    fn responder_lifetime(&mut self, now: Instant, sa: &mut IkeSa, data: &[u8]) {
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
        p1.lifetime = p1.lifetime.min(l);
        let in_force = p1.lifetime;
        if let (Some(s), Some(up)) = (in_force.seconds, sa.established_at) {
            let at = up + Duration::from_secs(u64::from(s));
            sa.timers.set(SaTimer::Expire, at.max(now));
        }
        self.log(
            Some(sa.id),
            None,
            format!(
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
    /// Xauth user (clients behind one NAT) keep theirs.
    pub(super) fn purge_scope(&mut self, scope: &PeerScope, keep: IkeSaId, reason: DownReason) {
        let ids: Vec<IkeSaId> = self
            .sas
            .values()
            .filter(|s| s.id != keep && scope.covers_ike(s))
            .map(|s| s.id)
            .collect();
        for id in ids {
            if let Some(sa) = self.take_sa(id) {
                self.ike_down(sa, reason);
            }
        }
        let mut kids: Vec<ChildSaId> = self
            .children
            .values()
            .filter(|c| c.sa.ike_sa != keep && scope.covers_child(c))
            .map(|c| c.sa.id)
            .collect();
        kids.sort();
        for k in kids {
            if let Some(c) = self.children.remove(&k) {
                self.child_down(c, reason);
            }
        }
    }

    /// A peer's INITIAL_CONTACT: its earlier SAs go, once the peer is who
    /// it says (after Xauth where the profile wants it).
    pub(super) fn initial_contact(&mut self, sa: &mut IkeSa) {
        let Some(scope) = sa.scope() else {
            if sa.xauth_outstanding() {
                sa.pending_initial_contact = true;
                self.log(
                    Some(sa.id),
                    None,
                    "INITIAL_CONTACT held until Xauth is done",
                );
            }
            return;
        };
        sa.pending_initial_contact = false;
        self.log(
            Some(sa.id),
            None,
            format!(
                "Process initial contact, bring down existing phase 1 and 2 SA's with local {} remote {} remote port {}",
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

    // ----- Quick Mode -----------------------------------------------------------

    pub(super) fn start_quick_mode(&mut self, now: Instant, sa: &mut IkeSa, acquire: Acquire) {
        let Some(offer) =
            self.policy
                .initiator_phase2(*sa.local.ip(), *sa.remote.ip(), &acquire.selectors)
        else {
            self.events.push_back(Event::ChildSaFailed {
                remote: sa.remote,
                selectors: acquire.selectors,
                error: Some(Error::refused("policy no longer protects the selectors")),
            });
            return;
        };
        let mid = self.message_id(sa);
        let spi = Self::spi(&mut *self.rng, &self.children, &self.quick_spis);
        let (local, remote) = (sa.local, sa.remote);
        let Phase1State::Established(p1) = &mut sa.phase1 else {
            sa.acquires.push(acquire);
            return;
        };
        let mut ctx = Self::ctx(&mut self.rng, &*self.policy, &self.config, local, remote);
        match QuickModeInitiator::start(
            p1,
            &mut ctx,
            mid,
            offer.proposals,
            acquire.selectors,
            offer.send_client_ids,
            spi,
        ) {
            Ok((state, msg)) => {
                self.transition(sa.id, Some(mid), "IKE_QM_READY", "IKE_QM_I_QM1");
                self.send(sa, &msg);
                sa.remember_quick(mid);
                let mut flight = Flight::default();
                flight.request(now, msg, self.backoff());
                self.quick_spis.insert(spi);
                sa.quick.push(QmSlot {
                    message_id: mid,
                    spi_in: spi,
                    role: QmRole::Initiator(state),
                    acquire: Some(acquire),
                    flight,
                    expire_at: now + self.exchange_life(),
                });
            }
            Err(e) => {
                self.events.push_back(Event::ChildSaFailed {
                    remote,
                    selectors: acquire.selectors,
                    error: Some(e),
                });
            }
        }
    }

    fn quick_message(
        &mut self,
        now: Instant,
        sa: &mut IkeSa,
        header: &Header,
        body: &[u8],
        raw: &[u8],
        arrival: Arrival,
    ) {
        let mid = header.message_id;
        if mid == 0 || sa.established().is_none() {
            bump(&mut self.counters.out_of_state);
            self.log(
                Some(sa.id),
                Some(mid),
                "Quick Mode before phase 1 complete: dropped",
            );
            return;
        }
        let Some(idx) = sa.quick.iter().position(|q| q.message_id == mid) else {
            if sa.seen_quick.contains(&mid) {
                // A Quick Mode of this SA that is over (its linger too):
                // a replay, never run again.
                bump(&mut self.counters.replays);
                self.log(
                    Some(sa.id),
                    Some(mid),
                    "Quick Mode message ID seen before: replay dropped",
                );
                return;
            }
            self.quick_responder(now, sa, header, body, raw, arrival);
            return;
        };
        let Some(slot) = sa.quick.get_mut(idx) else {
            return;
        };
        if let Some(answer) = slot.flight.duplicate(raw) {
            let answer = answer.map(<[u8]>::to_vec);
            self.duplicate(sa, Some(mid), answer.as_deref());
            return;
        }
        let role = core::mem::replace(&mut slot.role, QmRole::Done);
        let acquire = slot.acquire;
        let Phase1State::Established(p1) = &mut sa.phase1 else {
            return;
        };
        match role {
            QmRole::Initiator(s) => match s.handle(p1, header, body) {
                InitiatorOutcome::Done {
                    reply,
                    child,
                    waiting,
                } => {
                    let linger = self.linger();
                    if let Some(slot) = sa.quick.get_mut(idx) {
                        slot.role = waiting.map_or(QmRole::Done, QmRole::Initiator);
                        slot.flight.answer(now, raw, reply.clone(), None);
                        slot.expire_at = now + linger;
                    }
                    // Finished: duplicates are answered from `last_tx`, so
                    // the IV chain can go (the crypter remembers only a few).
                    sa.forget_iv(mid);
                    self.heard_from(now, sa, arrival);
                    self.send(sa, &reply);
                    if let Some(child) = child {
                        self.transition(sa.id, Some(mid), "IKE_QM_I_QM1", "IKE_QM_PHASE2_COMPLETE");
                        self.install_child(now, sa, *child, true, acquire);
                    } else {
                        self.log(
                            Some(sa.id),
                            Some(mid),
                            "commit bit set: waiting for CONNECTED",
                        );
                    }
                }
                InitiatorOutcome::Ignore(s, why) => {
                    if let Some(slot) = sa.quick.get_mut(idx) {
                        slot.role = QmRole::Initiator(s);
                    }
                    bump(&mut self.counters.ignored);
                    self.log(Some(sa.id), Some(mid), format!("ignoring message: {why}"));
                }
                InitiatorOutcome::Fail(e) => {
                    self.counters.error(&e);
                    self.log(Some(sa.id), Some(mid), format!("Quick Mode failed: {e}"));
                    self.take_slot(sa, idx);
                    sa.forget_iv(mid);
                    if let Some(ty) = e.notify_number() {
                        self.send_notify(sa, ty, PROTO_ISAKMP, Vec::new());
                    }
                    if let Some(a) = acquire {
                        self.events.push_back(Event::ChildSaFailed {
                            remote: sa.remote,
                            selectors: a.selectors,
                            error: Some(e),
                        });
                        self.rekey_failed(a);
                    }
                }
            },
            QmRole::Responder(s) => match s.handle(p1, header, body) {
                Ok((child, commit)) => {
                    let linger = self.linger();
                    if let Some(slot) = sa.quick.get_mut(idx) {
                        slot.flight.received(raw);
                        slot.expire_at = now + linger;
                    }
                    sa.forget_iv(mid);
                    self.heard_from(now, sa, arrival);
                    self.log(Some(sa.id), Some(mid), "Creating IPSec SAs");
                    self.transition(sa.id, Some(mid), "IKE_QM_R_QM2", "IKE_QM_PHASE2_COMPLETE");
                    let spi_in = child.spi_in;
                    self.install_child(now, sa, child, false, None);
                    if commit {
                        self.send_notify(
                            sa,
                            notify::CONNECTED,
                            PROTO_ESP,
                            spi_in.to_be_bytes().to_vec(),
                        );
                    }
                }
                Err((s, e)) => {
                    if let Some(slot) = sa.quick.get_mut(idx) {
                        slot.role = QmRole::Responder(s);
                    }
                    self.counters.error(&e);
                    self.log(Some(sa.id), Some(mid), format!("ignoring message: {e}"));
                }
            },
            QmRole::Done => {
                bump(&mut self.counters.out_of_state);
                self.log(
                    Some(sa.id),
                    Some(mid),
                    "message for a finished Quick Mode: dropped",
                );
            }
        }
    }

    fn quick_responder(
        &mut self,
        now: Instant,
        sa: &mut IkeSa,
        header: &Header,
        body: &[u8],
        raw: &[u8],
        arrival: Arrival,
    ) {
        let mid = header.message_id;
        let active = sa
            .quick
            .iter()
            .filter(|q| !matches!(q.role, QmRole::Done))
            .count();
        // Active exchanges are capped below the crypter's per-message-ID IV
        // memory; the initiator retransmits what we drop here.
        if !sa.phase2_open
            || sa.quick.len() >= super::MAX_QUICK_MODES
            || active >= super::MAX_ACTIVE_QUICK_MODES
        {
            bump(&mut self.counters.out_of_state);
            self.log(
                Some(sa.id),
                Some(mid),
                "Quick Mode not accepted now: dropped",
            );
            return;
        }
        let (local, sa_remote, id) = (sa.local, sa.remote, sa.id);
        let room = self.child_room(sa);
        let Phase1State::Established(p1) = &mut sa.phase1 else {
            return;
        };
        let (children, quick_spis) = (&self.children, &self.quick_spis);
        let mut alloc =
            |ctx: &mut crate::exchange::Ctx<'_>| Self::spi(&mut *ctx.rng, children, quick_spis);
        let mut ctx = Self::ctx(&mut self.rng, &*self.policy, &self.config, local, sa_remote);
        let result = QuickModeResponder::start(p1, &mut ctx, header, body, &mut alloc, room);
        match result {
            Ok((state, reply)) => {
                self.log(
                    Some(id),
                    Some(mid),
                    "Input = IKE_MESG_FROM_PEER, IKE_QM_EXCH",
                );
                self.transition(id, Some(mid), "IKE_QM_READY", "IKE_QM_SPI_STARVE");
                self.log(
                    Some(id),
                    Some(mid),
                    "Input = IKE_MESG_FROM_IPSEC, IKE_SPI_REPLY",
                );
                self.transition(id, Some(mid), "IKE_QM_SPI_STARVE", "IKE_QM_R_QM2");
                self.heard_from(now, sa, arrival);
                self.send(sa, &reply);
                sa.remember_quick(mid);
                let mut flight = Flight::default();
                flight.answer(now, raw, reply, Some(self.backoff()));
                let spi_in = state.spi_in();
                self.quick_spis.insert(spi_in);
                sa.quick.push(QmSlot {
                    message_id: mid,
                    spi_in,
                    role: QmRole::Responder(state),
                    acquire: None,
                    flight,
                    expire_at: now + self.exchange_life(),
                });
            }
            Err(e) => {
                if !room && e.authenticated {
                    bump(&mut self.counters.child_sa_limit);
                    self.log(
                        Some(id),
                        Some(mid),
                        format!(
                            "Quick Mode refused: the IKE SA or peer {} holds its most IPsec SAs",
                            sa_remote.ip()
                        ),
                    );
                } else {
                    self.counters.error(&e.error);
                }
                self.log(
                    Some(id),
                    Some(mid),
                    format!("Quick Mode refused: {}", e.error),
                );
                // Only a message whose HASH(1) verified is provably the
                // peer's; anything else is dropped without an answer.
                if let Some(ty) = e.error.notify_number().filter(|_| e.authenticated) {
                    match e.spi {
                        Some(spi) => self.send_notify(sa, ty, PROTO_ESP, spi.to_vec()),
                        None => self.send_notify(sa, ty, PROTO_ISAKMP, Vec::new()),
                    }
                }
            }
        }
    }

    /// Whether a peer's new Quick Mode may add a child SA: the IKE SA's and
    /// the peer address's child SAs (replaced ones awaiting their hard
    /// expiry included: a peer that rekeys every second must not pile them
    /// up) and the Quick Modes it is answering, under the limits.
    fn child_room(&self, sa: &IkeSa) -> bool {
        let running = sa
            .quick
            .iter()
            .filter(|q| matches!(q.role, QmRole::Responder(_)))
            .count();
        let (mut mine, mut peer) = (running, running);
        for c in self.children.values() {
            if c.sa.ike_sa == sa.id {
                mine += 1;
            }
            if c.sa.remote.ip() == sa.remote.ip() {
                peer += 1;
            }
        }
        mine < self.config.max_child_sas_per_ike_sa && peer < self.config.max_child_sas_per_peer
    }

    fn send_notify(&mut self, sa: &mut IkeSa, ty: u16, protocol: u8, spi: Vec<u8>) {
        let spi = if protocol == PROTO_ISAKMP && spi.is_empty() {
            sa.established()
                .map(informational::isakmp_spi)
                .unwrap_or_default()
        } else {
            spi
        };
        self.log(
            Some(sa.id),
            None,
            format!("sending NOTIFY {} protocol {protocol}", notify::name(ty)),
        );
        let item = InfoItem::Notify {
            ty,
            protocol,
            spi,
            data: Vec::new(),
        };
        self.send_info(sa, &[item]);
    }

    fn rekey_failed(&mut self, a: Acquire) {
        if let Some(old) = a.rekey_of.and_then(|id| self.children.get_mut(&id)) {
            old.rekeying = false;
        }
    }

    fn install_child(
        &mut self,
        now: Instant,
        sa: &IkeSa,
        nc: NegotiatedChild,
        initiator: bool,
        acquire: Option<Acquire>,
    ) {
        let id = ChildSaId(self.alloc_id());
        let encapsulation = if nc.udp_encap {
            Encapsulation::Udp {
                local_port: sa.local.port(),
                remote_port: sa.remote.port(),
            }
        } else {
            Encapsulation::None
        };
        let child = ChildSa {
            id,
            ike_sa: sa.id,
            local: sa.local,
            remote: sa.remote,
            spi_in: nc.spi_in,
            spi_out: nc.spi_out,
            cipher: nc.proposal.cipher,
            integrity: nc.proposal.integrity,
            mode: nc.proposal.mode,
            encapsulation,
            pfs: nc.proposal.pfs,
            selectors: nc.selectors,
            lifetime: nc.lifetime,
            keys_in: nc.keys_in,
            keys_out: nc.keys_out,
            initiator,
        };
        self.log(
            Some(sa.id),
            None,
            format!(
                "inbound SA from {} to {} (proxy {:?} to {:?}) has spi 0x{:08X}",
                sa.remote.ip(),
                sa.local.ip(),
                child.selectors.remote,
                child.selectors.local,
                child.spi_in
            ),
        );
        self.log(
            Some(sa.id),
            None,
            format!(
                "outbound SA from {} to {} (proxy {:?} to {:?}) has spi 0x{:08X}",
                sa.local.ip(),
                sa.remote.ip(),
                child.selectors.local,
                child.selectors.remote,
                child.spi_out
            ),
        );
        let (soft_at, hard_at) = match nc.lifetime.seconds {
            Some(s) => {
                let life = Duration::from_secs(u64::from(s));
                let permille = if initiator {
                    self.config.rekey_initiator_permille
                } else {
                    self.config.rekey_responder_permille
                };
                (Some(now + life.mul_ratio(permille, 1000)), Some(now + life))
            }
            None => (None, None),
        };
        let old = acquire
            .and_then(|a| a.rekey_of)
            .filter(|o| self.children.contains_key(o))
            .or_else(|| {
                self.children
                    .values()
                    .filter(|c| {
                        !c.replaced
                            && c.sa.remote.ip() == sa.remote.ip()
                            && c.sa.selectors == child.selectors
                    })
                    .min_by_key(|c| c.sa.id)
                    .map(|c| c.sa.id)
            });
        let event = match old.and_then(|o| self.children.get_mut(&o)) {
            Some(o) => {
                o.replaced = true;
                o.rekeying = false;
                let old = o.sa.id;
                self.children.stop_soft(old);
                Event::ChildSaRekeyed {
                    old,
                    new: child.clone(),
                }
            }
            None => Event::ChildSaUp(child.clone()),
        };
        self.children.insert(ChildEntry::new(
            child,
            sa.established()
                .map_or(Identity::Ipv4(*sa.remote.ip()), |p| p.peer_id.clone()),
            sa.xauth_user.clone(),
            soft_at,
            hard_at,
        ));
        self.events.push_back(event);
    }

    // ----- Informational ------------------------------------------------------

    /// Handles an Informational message; `false` drops the SA.
    fn info_message(
        &mut self,
        now: Instant,
        sa: &mut IkeSa,
        header: &Header,
        body: &[u8],
        arrival: Arrival,
    ) -> bool {
        let remote = arrival.remote;
        let authenticated = header.flags & flags::E != 0;
        if authenticated && sa.seen_info.contains(&header.message_id) {
            // Informational messages carry no sequence number: a message ID
            // seen before is a replay (it would otherwise count as DPD
            // liveness and move the peer under NAT).
            bump(&mut self.counters.replays);
            self.log(Some(sa.id), None, "replayed Informational: dropped");
            return true;
        }
        let items = match &mut sa.phase1 {
            Phase1State::Established(p1) if authenticated => {
                informational::open_protected(p1, header, body)
            }
            Phase1State::Established(_) => Err(Error::unexpected(
                "unprotected Informational on a complete SA",
            )),
            _ if !authenticated => informational::open_plain(header, body),
            _ => Err(Error::unexpected(
                "protected Informational before phase 1 completed",
            )),
        };
        let items = match items {
            Ok(i) => i,
            Err(e) => {
                self.counters.error(&e);
                self.log(Some(sa.id), None, format!("Informational dropped: {e}"));
                return true;
            }
        };
        if authenticated {
            if sa.seen_info.len() >= super::SEEN_INFORMATIONALS {
                sa.seen_info.pop_front();
            }
            sa.seen_info.push_back(header.message_id);
            self.heard_from(now, sa, arrival);
        }
        for item in items {
            match item {
                InfoItem::Notify {
                    ty,
                    protocol,
                    spi,
                    data,
                } => {
                    self.log(
                        Some(sa.id),
                        None,
                        format!(
                            "received NOTIFY {} protocol {protocol}{}",
                            notify::name(ty),
                            if authenticated {
                                ""
                            } else {
                                " (unauthenticated)"
                            }
                        ),
                    );
                    self.events.push_back(Event::NotifyReceived {
                        ike_sa: Some(sa.id),
                        remote,
                        ty,
                        authenticated,
                    });
                    if !authenticated {
                        // Unauthenticated: honoured only as the answer to our
                        // first message, from the peer we sent it to.
                        let awaiting_first_answer = matches!(
                            sa.phase1,
                            Phase1State::MainI(MainModeInitiator::ExpectSa(_))
                                | Phase1State::AggrI(_)
                        );
                        if is_error_notify(ty) && awaiting_first_answer && remote == sa.remote {
                            // Our phase 1 was refused.
                            let e = Error::from_notify(ty);
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
                            return false;
                        }
                        continue;
                    }
                    match ty {
                        notify::R_U_THERE => {
                            let seq = seq_of(&data);
                            if let Some(p1) = sa.established() {
                                let ack = dpd(p1, notify::R_U_THERE_ACK, seq);
                                self.send_info(sa, &[ack]);
                            }
                        }
                        notify::R_U_THERE_ACK => {
                            let seq = seq_of(&data);
                            if let Some((first, last, _)) = sa.dpd.outstanding {
                                if (first..=last).contains(&seq) {
                                    sa.dpd.outstanding = None;
                                    if let Some(cfg) = self.config.dpd {
                                        sa.timers.set(SaTimer::Dpd, now + cfg.interval);
                                    }
                                }
                            }
                        }
                        notify::INITIAL_CONTACT => self.initial_contact(sa),
                        notify::RESPONDER_LIFETIME if protocol == PROTO_ISAKMP && sa.initiator => {
                            self.responder_lifetime(now, sa, &data);
                        }
                        notify::CONNECTED => self.connected(now, sa, &spi),
                        t if is_error_notify(t) => self.quick_mode_refused(sa, t, &spi),
                        _ => {}
                    }
                }
                InfoItem::Delete { protocol, spis } => {
                    if !authenticated {
                        continue;
                    }
                    if protocol == PROTO_ISAKMP {
                        let ours = sa.established().map(informational::isakmp_spi);
                        if spis.iter().any(|s| Some(s) == ours.as_ref()) {
                            self.log(Some(sa.id), None, "peer deleted the ISAKMP SA");
                            self.ike_down_ref(sa, DownReason::DeletedByPeer);
                            self.reestablish(now, sa);
                            return false;
                        }
                    } else if protocol == PROTO_ESP {
                        // Only SAs of the sender's own scope: a group member
                        // behind the same NAT must not delete another's.
                        let Some(scope) = sa.scope() else {
                            bump(&mut self.counters.ignored);
                            self.log(Some(sa.id), None, "DELETE before Xauth is done: ignored");
                            continue;
                        };
                        for spi in spis {
                            let Ok(b) = <[u8; 4]>::try_from(spi.as_slice()) else {
                                continue;
                            };
                            let spi = u32::from_be_bytes(b);
                            let hit = self
                                .children
                                .values()
                                .find(|c| {
                                    c.sa.spi_out == spi
                                        && (c.sa.ike_sa == sa.id || scope.covers_child(c))
                                })
                                .map(|c| c.sa.id);
                            if let Some(c) = hit.and_then(|h| self.children.remove(&h)) {
                                self.log(
                                    Some(sa.id),
                                    None,
                                    format!("peer deleted SPI 0x{spi:08X}"),
                                );
                                self.child_down(c, DownReason::DeletedByPeer);
                            }
                        }
                    }
                }
            }
        }
        true
    }

    fn connected(&mut self, now: Instant, sa: &mut IkeSa, _spi: &[u8]) {
        let idx = sa.quick.iter().position(|q| {
            matches!(
                &q.role,
                QmRole::Initiator(QuickModeInitiator::ExpectConnected(_))
            )
        });
        let Some(idx) = idx else {
            return;
        };
        let Some(slot) = sa.quick.get_mut(idx) else {
            return;
        };
        let acquire = slot.acquire;
        if let QmRole::Initiator(QuickModeInitiator::ExpectConnected(child)) =
            core::mem::replace(&mut slot.role, QmRole::Done)
        {
            let mid = slot.message_id;
            self.transition(sa.id, Some(mid), "IKE_QM_I_QM1", "IKE_QM_PHASE2_COMPLETE");
            self.install_child(now, sa, *child, true, acquire);
        }
    }

    fn quick_mode_refused(&mut self, sa: &mut IkeSa, ty: u16, spi: &[u8]) {
        let spi32 = <[u8; 4]>::try_from(spi).ok().map(u32::from_be_bytes);
        let pending: Vec<usize> = sa
            .quick
            .iter()
            .enumerate()
            .filter(|(_, q)| {
                matches!(
                    q.role,
                    QmRole::Initiator(QuickModeInitiator::ExpectHash2(_))
                )
            })
            .map(|(i, _)| i)
            .collect();
        let idx = pending
            .iter()
            .copied()
            .find(|i| matches!(sa.quick.get(*i).map(|q| &q.role), Some(QmRole::Initiator(s)) if Some(s.spi_in()) == spi32))
            .or_else(|| if pending.len() == 1 { pending.first().copied() } else { None });
        if let Some(q) = idx.and_then(|i| self.take_slot(sa, i)) {
            sa.forget_iv(q.message_id);
            if let Some(a) = q.acquire {
                self.events.push_back(Event::ChildSaFailed {
                    remote: sa.remote,
                    selectors: a.selectors,
                    error: Some(Error::from_notify(ty)),
                });
                self.rekey_failed(a);
            }
        }
    }

    /// An authenticated message arrived: DPD liveness, and the peer's
    /// address may have changed under NAT.
    pub(super) fn heard_from(&mut self, now: Instant, sa: &mut IkeSa, arrival: Arrival) {
        let remote = arrival.remote;
        sa.dpd.last_heard = Some(now);
        if arrival.local.port() == self.config.natt_port && !sa.floated {
            // The peer floated (authenticated): answer on NAT-T from now on.
            sa.floated = true;
            sa.local = arrival.local;
        }
        // Any authenticated message proves the peer alive (RFC 3706 5.3).
        if sa.dpd.outstanding.take().is_some() {
            if let Some(cfg) = self.config.dpd {
                sa.timers.set(SaTimer::Dpd, now + cfg.interval);
            }
        }
        if remote != sa.remote && sa.established().is_some_and(|p| p.nat.any() || sa.floated) {
            let old = sa.remote;
            sa.remote = remote;
            self.log(
                Some(sa.id),
                None,
                format!("peer moved from {old} to {remote}"),
            );
            for c in self.children.values_mut().filter(|c| c.sa.remote == old) {
                c.sa.remote = remote;
                if let Encapsulation::Udp { remote_port, .. } = &mut c.sa.encapsulation {
                    *remote_port = remote.port();
                }
            }
            self.events.push_back(Event::PeerAddressChanged {
                ike_sa: sa.id,
                old,
                new: remote,
            });
        }
    }

    // ----- timers ------------------------------------------------------------

    /// Runs the timers due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.now = now;
        // Only the SAs with something due: under a flood of first
        // messages the table is large and the timers are many.
        let mut ids: Vec<IkeSaId> = self
            .wakeups
            .iter()
            .take_while(|(t, _)| *t <= now)
            .map(|(_, id)| *id)
            .collect();
        ids.sort();
        for id in ids {
            let Some(mut sa) = self.sas.remove(&id) else {
                self.reschedule(id, None);
                continue;
            };
            // Phase 1's retransmission first, as when it was the first
            // SA timer: at a tie it wins over the half-open timeout.
            let mut keep = self.phase1_flight(now, &mut sa);
            while keep {
                let Some(t) = sa.timers.take_expired(now) else {
                    break;
                };
                keep = self.sa_timer(now, &mut sa, t);
            }
            if keep {
                keep = self.xact_timer(now, &mut sa);
            }
            if keep {
                self.slot_timers(now, &mut sa);
                self.pump_acquires(now, &mut sa);
                self.put_sa(sa);
            } else {
                self.forget_sa(&sa);
            }
        }
        // Likewise only the child SAs with a lifetime run out.
        for (id, lifetime) in self.children.due(now) {
            if lifetime == Lifetime::Hard {
                if let Some(c) = self.children.remove(&id) {
                    self.send_child_delete(now, &c.sa);
                    self.child_down(c, DownReason::Expired);
                }
            } else if let Some(c) = self.children.get(&id) {
                let (local, remote, sel) = (c.sa.local, c.sa.remote, c.sa.selectors);
                self.children.stop_soft(id);
                if self.rekey(now, id, local, remote, sel).is_err() {
                    if let Some(c) = self.children.get_mut(&id) {
                        c.rekeying = false;
                    }
                    self.log(
                        None,
                        None,
                        format!(
                            "child SA {} reached its soft lifetime; not ours to rekey",
                            id.0
                        ),
                    );
                }
            }
        }
    }

    /// Phase 1's flight, if due; `false` drops the SA.
    fn phase1_flight(&mut self, now: Instant, sa: &mut IkeSa) -> bool {
        // A peer that never answered gets one retransmission: its first
        // message may have been spoofed (each answer would multiply the
        // flood towards the victim), and a real peer retransmits its own
        // first message (answered by the flight) if ours was lost.
        let unanswered = self.half_open.is_unverified(sa.id);
        let backoff = self.backoff();
        let tries = if unanswered {
            backoff.tries.min(2)
        } else {
            backoff.tries
        };
        match sa.flight.due(now, backoff, tries) {
            None => true,
            Some(Due::Resend(bytes)) => {
                let bytes = bytes.to_vec();
                self.log(
                    Some(sa.id),
                    None,
                    format!("retransmitting phase 1 {}...", sa.phase1.name()),
                );
                self.send(sa, &bytes);
                true
            }
            Some(Due::Exhausted) if unanswered => {
                // Kept (a late second message still completes it) until
                // the half-open timeout or an eviction, but silent.
                bump(&mut self.counters.half_open_unanswered);
                sa.flight.stop();
                self.log(
                    Some(sa.id),
                    None,
                    "peer never answered: no more retransmissions",
                );
                true
            }
            Some(Due::Exhausted) => {
                self.log(Some(sa.id), None, "retransmissions exhausted: giving up");
                self.ike_down_ref(sa, DownReason::PeerDead);
                false
            }
        }
    }

    /// A repeat of the last message an exchange processed: our answer
    /// again (if we gave one), never a second processing.
    pub(super) fn duplicate(&mut self, sa: &IkeSa, node: Option<u32>, answer: Option<&[u8]>) {
        bump(&mut self.counters.duplicates);
        if let Some(answer) = answer {
            self.log(
                Some(sa.id),
                node,
                "duplicate packet: retransmitting last response",
            );
            self.send(sa, answer);
        }
    }

    /// One SA timer; `false` drops the SA.
    fn sa_timer(&mut self, now: Instant, sa: &mut IkeSa, t: SaTimer) -> bool {
        match t {
            SaTimer::Expire => {
                if sa.is_half_open() {
                    self.log(Some(sa.id), None, "phase 1 timed out");
                } else {
                    self.log(Some(sa.id), None, "phase 1 lifetime expired");
                    self.send_ike_delete(sa);
                }
                let was_up = !sa.is_half_open();
                self.ike_down_ref(sa, DownReason::Expired);
                if was_up {
                    self.reestablish(now, sa);
                }
                false
            }
            SaTimer::Dpd => self.dpd_timer(now, sa),
            SaTimer::Keepalive => {
                self.transmits.push_back(super::Datagram {
                    local: sa.local,
                    remote: sa.remote,
                    payload: vec![0xff],
                });
                sa.timers
                    .set(SaTimer::Keepalive, now + self.config.nat_keepalive);
                true
            }
        }
    }

    /// Phase 1 went away while child SAs with the peer live on: as its
    /// initiator, bring it back (DPD and the rekeys need it).
    fn reestablish(&mut self, now: Instant, sa: &IkeSa) {
        let peer = *sa.remote.ip();
        if !sa.initiator || !self.children.values().any(|c| c.sa.remote.ip() == &peer) {
            return;
        }
        if self.sas.values().any(|s| s.remote.ip() == &peer) {
            return; // another IKE SA with the peer exists or is coming up
        }
        self.log(
            Some(sa.id),
            None,
            "child SAs live on: re-establishing phase 1",
        );
        // Where the old SA ended up: after a float, the NAT-T ports (the
        // new SA starts floated, so a NAT in the path keeps its mapping).
        let _ = self.start_phase1(now, sa.local, sa.remote);
    }

    fn dpd_timer(&mut self, now: Instant, sa: &mut IkeSa) -> bool {
        // A probe (`Engine::probe_peer`) runs even without periodic DPD.
        let Some(cfg) = self.dpd_settings(sa.dpd.outstanding.is_some()) else {
            return true;
        };
        match sa.dpd.outstanding {
            None => {
                if cfg.mode == DpdMode::OnIdle {
                    let idle_until = sa.dpd.last_heard.unwrap_or(now) + cfg.interval;
                    if idle_until > now {
                        sa.timers.set(SaTimer::Dpd, idle_until);
                        return true;
                    }
                }
                sa.dpd.seq = sa.dpd.seq.wrapping_add(1);
                let seq = sa.dpd.seq;
                sa.dpd.outstanding = Some((seq, seq, 1));
                self.send_dpd(sa, seq);
                sa.timers.set(SaTimer::Dpd, now + cfg.retry);
                true
            }
            Some((first, _, tries)) => {
                if tries >= cfg.retries {
                    self.log(
                        Some(sa.id),
                        None,
                        format!("peer {} not responding to DPD: declared dead", sa.remote),
                    );
                    self.events.push_back(Event::PeerDead {
                        ike_sa: sa.id,
                        remote: sa.remote,
                    });
                    if let Some(scope) = sa.scope() {
                        self.purge_scope(&scope, sa.id, DownReason::PeerDead);
                    }
                    let mut kids: Vec<ChildSaId> = self
                        .children
                        .values()
                        .filter(|c| c.sa.ike_sa == sa.id)
                        .map(|c| c.sa.id)
                        .collect();
                    kids.sort();
                    for k in kids {
                        if let Some(c) = self.children.remove(&k) {
                            self.child_down(c, DownReason::PeerDead);
                        }
                    }
                    self.ike_down_ref(sa, DownReason::PeerDead);
                    return false;
                }
                sa.dpd.seq = sa.dpd.seq.wrapping_add(1);
                let seq = sa.dpd.seq;
                sa.dpd.outstanding = Some((first, seq, tries + 1));
                self.send_dpd(sa, seq);
                sa.timers.set(SaTimer::Dpd, now + cfg.retry);
                true
            }
        }
    }

    pub(super) fn send_dpd(&mut self, sa: &mut IkeSa, seq: u32) {
        self.log(
            Some(sa.id),
            None,
            format!("DPD/R-U-THERE sequence {seq} sent"),
        );
        if let Some(p1) = sa.established() {
            let item = dpd(p1, notify::R_U_THERE, seq);
            self.send_info(sa, &[item]);
        }
    }

    fn slot_timers(&mut self, now: Instant, sa: &mut IkeSa) {
        let backoff = self.backoff();
        let mut i = 0;
        while let Some(slot) = sa.quick.get_mut(i) {
            if slot.expire_at <= now {
                self.drop_slot(sa, i, None);
                continue;
            }
            match slot.flight.due(now, backoff, backoff.tries) {
                None => {}
                Some(Due::Resend(bytes)) => {
                    let (bytes, mid) = (bytes.to_vec(), slot.message_id);
                    self.log(Some(sa.id), Some(mid), "retransmitting Quick Mode message");
                    self.send(sa, &bytes);
                }
                Some(Due::Exhausted) => {
                    self.drop_slot(sa, i, Some("Quick Mode retransmissions exhausted"));
                    continue;
                }
            }
            i += 1;
        }
    }

    /// Ends the Quick Mode in slot `i` unfinished (expired, or its
    /// retransmissions exhausted): an acquire behind it failed.
    fn drop_slot(&mut self, sa: &mut IkeSa, i: usize, why: Option<&str>) {
        let Some(slot) = self.take_slot(sa, i) else {
            return;
        };
        sa.forget_iv(slot.message_id);
        if let Some(why) = why {
            self.log(Some(sa.id), Some(slot.message_id), why);
        }
        if let (QmRole::Initiator(_), Some(a)) = (&slot.role, slot.acquire) {
            self.events.push_back(Event::ChildSaFailed {
                remote: sa.remote,
                selectors: a.selectors,
                error: None,
            });
            self.rekey_failed(a);
        }
    }
}

fn seq_of(data: &[u8]) -> u32 {
    <[u8; 4]>::try_from(data)
        .map(u32::from_be_bytes)
        .unwrap_or(0)
}

fn map_step<S>(step: Step<S>, wrap: fn(S) -> Phase1State) -> Step<Phase1State> {
    match step {
        Step::Next {
            state,
            reply,
            received,
        } => Step::Next {
            state: wrap(state),
            reply,
            received,
        },
        Step::Done {
            sa,
            reply,
            received,
            initial_contact,
        } => Step::Done {
            sa,
            reply,
            received,
            initial_contact,
        },
        Step::Ignore { state, why } => Step::Ignore {
            state: wrap(state),
            why,
        },
        Step::Reject { state, error } => Step::Reject {
            state: wrap(state),
            error,
        },
        Step::Fail(e) => Step::Fail(e),
    }
}
