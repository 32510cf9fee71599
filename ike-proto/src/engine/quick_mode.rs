//! Quick Mode on the engine: starting one for an acquire, driving
//! `exchange::quick_mode` in both roles, and installing the child SAs.

use super::counters::bump;
use super::flight::Flight;
use super::notify;
use super::{
    Acquire, Arrival, ChildEntry, ChildSa, ChildSaKeys, Core, Encapsulation, Event, IkeSa, IkeSaId,
    InfoItem, LogForm, Phase1State, QmRole, QmSlot,
};
use crate::error::Error;
use crate::exchange::IosState;
use crate::exchange::chain::Received;
use crate::exchange::informational::{self};
use crate::exchange::phase1::Step;
use crate::exchange::quick_mode::{
    NegotiatedChild, QuickModeInitiator, QuickModeResponder, ResponderDone,
};
use crate::policy::Identity;
use crate::time::{Duration, Instant};
use crate::wire::{NotifyType, ProtocolId};
use std::net::SocketAddrV4;

impl Core {
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
        let mut ctx = Self::ctx(
            &mut self.rng,
            &*self.policy,
            &self.config,
            (&mut self.trace, Some(sa.id)),
            local,
            remote,
        );
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
                self.transition(sa.id, Some(mid), IosState::IkeQmReady, IosState::IkeQmIQm1);
                self.send(sa, &msg);
                sa.remember_quick(mid);
                let mut flight = Flight::default();
                flight.request(now, msg, self.backoff());
                self.quick_spis.insert(spi);
                // One slot's room at a time: most IKE SAs run one
                // Quick Mode, not four.
                sa.quick.reserve_exact(1);
                sa.quick.push(QmSlot {
                    message_id: mid,
                    spi_in: spi,
                    role: QmRole::Initiator(Box::new(state)),
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

    pub(super) fn quick_message(
        &mut self,
        now: Instant,
        sa: &mut IkeSa,
        header: &Received<'_>,
        body: &[u8],
        raw: &[u8],
        arrival: Arrival,
    ) {
        let mid = header.message_id();
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
            QmRole::Initiator(s) => match (*s).handle(p1, header, body) {
                step @ (Step::Next { .. } | Step::Done { .. }) => {
                    let (waiting, child, reply) = match step {
                        Step::Next { state, reply, .. } => (Some(state), None, reply),
                        Step::Done {
                            outcome,
                            reply,
                            received,
                        } => (None, Some((outcome, received)), reply.unwrap_or_default()),
                        _ => return,
                    };
                    let linger = self.linger();
                    if let Some(slot) = sa.quick.get_mut(idx) {
                        slot.role =
                            waiting.map_or(QmRole::Done, |w| QmRole::Initiator(Box::new(w)));
                        slot.flight.answer(now, raw, reply.clone(), None);
                        slot.expire_at = now + linger;
                    }
                    // Finished: duplicates are answered from `last_tx`, so
                    // the IV chain can go (the crypter remembers only a few).
                    sa.forget_iv(mid);
                    self.heard_from(now, sa, arrival);
                    self.send(sa, &reply);
                    if let Some((child, received)) = child {
                        self.transition(sa.id, Some(mid), IosState::IkeQmIQm1, received);
                        self.install_child(now, sa, *child, true, acquire);
                    } else {
                        self.log(
                            Some(sa.id),
                            Some(mid),
                            "commit bit set: waiting for CONNECTED",
                        );
                    }
                }
                Step::Ignore { state, why } => {
                    if let Some(slot) = sa.quick.get_mut(idx) {
                        slot.role = QmRole::Initiator(Box::new(state));
                    }
                    bump(&mut self.counters.ignored);
                    self.log(
                        Some(sa.id),
                        Some(mid),
                        format_args!("ignoring message: {why}"),
                    );
                }
                Step::Reject { error: e, .. } | Step::Fail(e) => {
                    self.counters.error(&e);
                    self.log(
                        Some(sa.id),
                        Some(mid),
                        format_args!("Quick Mode failed: {e}"),
                    );
                    self.take_slot(sa, idx);
                    sa.forget_iv(mid);
                    if let Some(ty) = e.notify() {
                        self.send_notify(sa, ty, ProtocolId::ISAKMP, Vec::new());
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
            QmRole::Responder(s) => match (*s).handle(p1, header, body) {
                Step::Done {
                    outcome:
                        ResponderDone {
                            child,
                            send_connected: commit,
                        },
                    received,
                    ..
                } => {
                    let linger = self.linger();
                    if let Some(slot) = sa.quick.get_mut(idx) {
                        slot.flight.received(raw);
                        slot.expire_at = now + linger;
                    }
                    sa.forget_iv(mid);
                    self.heard_from(now, sa, arrival);
                    self.creating_ipsec_sas(sa.id, sa.local, sa.remote, &child);
                    self.log(
                        Some(sa.id),
                        None,
                        format_args!(
                            "deleting node {mid} error FALSE reason \"quick mode done (await)\""
                        ),
                    );
                    self.log(
                        Some(sa.id),
                        Some(mid),
                        "Input = IKE_MESG_FROM_PEER, IKE_QM_EXCH",
                    );
                    self.transition(sa.id, Some(mid), IosState::IkeQmRQm2, received);
                    let spi_in = child.spi_in;
                    self.install_child(now, sa, child, false, None);
                    if commit {
                        self.send_notify(
                            sa,
                            NotifyType::CONNECTED,
                            ProtocolId::IPSEC_ESP,
                            spi_in.to_be_bytes().to_vec(),
                        );
                    }
                }
                Step::Reject { state, error: e } => {
                    if let Some(slot) = sa.quick.get_mut(idx) {
                        slot.role = QmRole::Responder(Box::new(state));
                    }
                    self.counters.error(&e);
                    self.log(
                        Some(sa.id),
                        Some(mid),
                        format_args!("ignoring message: {e}"),
                    );
                }
                // QM3 ends the responder's exchange or is rejected.
                Step::Next { state, .. } | Step::Ignore { state, .. } => {
                    if let Some(slot) = sa.quick.get_mut(idx) {
                        slot.role = QmRole::Responder(Box::new(state));
                    }
                }
                Step::Fail(e) => self.counters.error(&e),
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
        header: &Received<'_>,
        body: &[u8],
        raw: &[u8],
        arrival: Arrival,
    ) {
        let mid = header.message_id();
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
        self.log_form(
            None,
            None,
            LogForm::Global,
            format_args!("set new node {} to {}", mid as i32, IosState::QmIdle),
        );
        let room = self.child_room(sa);
        let Phase1State::Established(p1) = &mut sa.phase1 else {
            return;
        };
        let (children, quick_spis) = (&self.children, &self.quick_spis);
        let mut alloc =
            |ctx: &mut crate::exchange::Ctx<'_>| Self::spi(&mut *ctx.rng, children, quick_spis);
        let mut ctx = Self::ctx(
            &mut self.rng,
            &*self.policy,
            &self.config,
            (&mut self.trace, Some(id)),
            local,
            sa_remote,
        );
        let result = QuickModeResponder::start(p1, &mut ctx, header, body, &mut alloc, room);
        match result {
            Ok((state, reply)) => {
                self.log(
                    Some(id),
                    Some(mid),
                    "Input = IKE_MESG_FROM_PEER, IKE_QM_EXCH",
                );
                self.transition(
                    id,
                    Some(mid),
                    IosState::IkeQmReady,
                    IosState::IkeQmSpiStarve,
                );
                let spi_in = state.spi_in();
                self.spi_reply(id, local, sa_remote, spi_in);
                self.heard_from(now, sa, arrival);
                self.send(sa, &reply);
                self.log(
                    Some(id),
                    Some(mid),
                    "Input = IKE_MESG_FROM_IPSEC, IKE_SPI_REPLY",
                );
                self.transition(id, Some(mid), IosState::IkeQmSpiStarve, IosState::IkeQmRQm2);
                sa.remember_quick(mid);
                let mut flight = Flight::default();
                flight.answer(now, raw, reply, Some(self.backoff()));
                self.quick_spis.insert(spi_in);
                // One slot's room at a time: most IKE SAs run one
                // Quick Mode, not four.
                sa.quick.reserve_exact(1);
                sa.quick.push(QmSlot {
                    message_id: mid,
                    spi_in,
                    role: QmRole::Responder(Box::new(state)),
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
                        format_args!(
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
                    format_args!("Quick Mode refused: {}", e.error),
                );
                // Only a message whose HASH(1) verified is provably the
                // peer's; anything else is dropped without an answer.
                if let Some(ty) = e.error.notify().filter(|_| e.authenticated) {
                    match e.spi {
                        Some(spi) => self.send_notify(sa, ty, ProtocolId::IPSEC_ESP, spi.to_vec()),
                        None => self.send_notify(sa, ty, ProtocolId::ISAKMP, Vec::new()),
                    }
                }
            }
        }
    }

    /// The inbound SPI the exchange took, as IOS's IPsec side hands it
    /// back to ISAKMP: `IPSEC(spi_response): getting spi ..`, then
    /// ISAKMP's `received ke message`.
    fn spi_reply(&mut self, id: IkeSaId, local: SocketAddrV4, remote: SocketAddrV4, spi: u32) {
        let _ = id;
        self.log_form(
            None,
            None,
            LogForm::Ipsec,
            "IPSEC(key_engine): got a queue event...",
        );
        self.log_form(
            None,
            None,
            LogForm::Ipsec,
            format_args!(
                "IPSEC(spi_response): getting spi {spi} for SA from {} to {} for prot 3",
                local.ip(),
                remote.ip()
            ),
        );
        self.log_form(None, None, LogForm::Global, "received ke message (2/1)");
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
        let mine = running + self.children.of_ike(sa.id).count();
        let peer = running + self.children.of_peer(*sa.remote.ip()).count();
        mine < self.config.max_child_sas_per_ike_sa && peer < self.config.max_child_sas_per_peer
    }

    fn send_notify(&mut self, sa: &mut IkeSa, ty: NotifyType, protocol: ProtocolId, spi: Vec<u8>) {
        let spi = if protocol == ProtocolId::ISAKMP && spi.is_empty() {
            sa.established()
                .map(informational::isakmp_spi)
                .unwrap_or_default()
        } else {
            spi
        };
        self.log(
            Some(sa.id),
            None,
            format_args!(
                "sending NOTIFY {} protocol {}",
                notify::name(ty.get()),
                protocol.get()
            ),
        );
        let item = InfoItem::Notify {
            ty,
            protocol,
            spi,
            data: Vec::new(),
        };
        self.send_info(sa, &[item]);
    }

    pub(super) fn rekey_failed(&mut self, a: Acquire) {
        if let Some(old) = a.rekey_of.and_then(|id| self.children.get_mut(&id)) {
            old.rekeying = false;
        }
    }

    pub(super) fn install_child(
        &mut self,
        now: Instant,
        sa: &mut IkeSa,
        nc: NegotiatedChild,
        initiator: bool,
        acquire: Option<Acquire>,
    ) {
        // A Quick Mode done proves the peer had our last phase-1 message:
        // phase 1's flight has nothing left to resend or to answer.
        sa.flight.release();
        let id = self.alloc_child_id();
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
            initiator,
        };
        let keys = ChildSaKeys {
            inbound: nc.keys_in,
            outbound: nc.keys_out,
        };
        self.log(
            Some(sa.id),
            None,
            format_args!(
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
            format_args!(
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
                // The peer's entries, in handle order: the oldest first.
                self.children
                    .of_peer(*sa.remote.ip())
                    .find(|c| !c.replaced && c.sa.selectors == child.selectors)
                    .map(|c| c.sa.id)
            });
        // The keys go to the data plane in the event, once.
        let kept = child.clone();
        let event = match old.and_then(|o| self.children.get_mut(&o)) {
            Some(o) => {
                o.replaced = true;
                o.rekeying = false;
                let old = o.sa.id;
                self.children.stop_soft(old);
                Event::ChildSaRekeyed {
                    old,
                    new: child,
                    keys,
                }
            }
            None => Event::ChildSaUp { sa: child, keys },
        };
        self.children.insert(ChildEntry::new(
            kept,
            sa.established()
                .map_or(Identity::Ipv4(*sa.remote.ip()), |p| p.peer_id.clone()),
            sa.xauth_user().map(Box::from),
            soft_at,
            hard_at,
        ));
        self.events.push_back(event);
    }
}
