//! Timers on the engine: liveness from what arrives, the due flights,
//! SA lifetimes, DPD and the Quick Mode slots.

use super::children::Lifetime;
use super::counters::bump;
use super::flight::Due;
use std::net::SocketAddrV4;

use super::{
    ChildSaId, Core, DownReason, DpdMode, Engine, Event, FollowUp, IkeSa, IkeSaId, QmRole, SaTimer,
};
use crate::exchange::informational::dpd;
use crate::time::Instant;
use crate::wire::NotifyType;

impl Engine {
    /// Runs the timers due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.core.now = now;
        // Only the SAs with something due: under a flood of first
        // messages the table is large and the timers are many.
        for id in self.sas.due(now) {
            self.with_sa(id, |core, sa| (core.sa_timers(now, sa), ()));
        }
        // Likewise only the child SAs with a lifetime run out.
        for (id, lifetime) in self.core.children.due(now) {
            if lifetime == Lifetime::Hard {
                if let Some(c) = self.core.children.remove(&id) {
                    self.send_child_delete(&c.sa);
                    self.core.child_down(c, DownReason::Expired);
                }
            } else if let Some(c) = self.core.children.get(&id) {
                let (local, remote, sel) = (c.sa.local, c.sa.remote, c.sa.selectors);
                self.core.children.stop_soft(id);
                if self.rekey(now, id, local, remote, sel).is_err() {
                    if let Some(c) = self.core.children.get_mut(&id) {
                        c.rekeying = false;
                    }
                    self.core.log(
                        None,
                        None,
                        format_args!(
                            "child SA {} reached its soft lifetime; not ours to rekey",
                            id.0
                        ),
                    );
                }
            }
        }
    }

    /// Phase 1 went away while child SAs with the peer live on: as its
    /// initiator, bring it back (DPD and the rekeys need it).
    pub(super) fn restart_phase1(
        &mut self,
        id: IkeSaId,
        local: SocketAddrV4,
        remote: SocketAddrV4,
    ) {
        let peer = *remote.ip();
        if self.core.children.of_peer(peer).next().is_none() {
            return;
        }
        if self.sas.of_peer(peer).next().is_some() {
            return; // another IKE SA with the peer exists or is coming up
        }
        self.core
            .log(Some(id), None, "child SAs live on: re-establishing phase 1");
        // Where the old SA ended up: after a float, the NAT-T ports (the
        // new SA starts floated, so a NAT in the path keeps its mapping).
        let now = self.core.now;
        let _ = self.core.start_phase1(&mut self.sas, now, local, remote);
    }
}

impl Core {
    /// An SA's due timers; `false` drops the SA.
    fn sa_timers(&mut self, now: Instant, sa: &mut IkeSa) -> bool {
        // Phase 1's retransmission first, as when it was the first
        // SA timer: at a tie it wins over the half-open timeout.
        let mut keep = self.phase1_flight(now, sa);
        while keep {
            let Some(t) = sa.timers.take_expired(now) else {
                break;
            };
            keep = self.sa_timer(now, sa, t);
        }
        if keep {
            keep = self.xact_timer(now, sa);
        }
        if keep {
            self.slot_timers(now, sa);
            self.pump_acquires(now, sa);
        }
        keep
    }

    /// Phase 1's flight, if due; `false` drops the SA.
    fn phase1_flight(&mut self, now: Instant, sa: &mut IkeSa) -> bool {
        // A peer that never answered gets one retransmission: its first
        // message may have been spoofed (each answer would multiply the
        // flood towards the victim), and a real peer retransmits its own
        // first message (answered by the flight) if ours was lost.
        let unanswered = self.half_open.is_unverified(sa.id);
        let established = sa.established().is_some();
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
                    format_args!("retransmitting phase 1 {}...", sa.phase1.name()),
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
            Some(Due::Exhausted) if established => {
                // MM6's resends: the SA is complete on our side, and an
                // initiator without it retries MM5, which is still answered.
                sa.flight.stop();
                self.log(Some(sa.id), None, "no more retransmissions of MM6");
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
                    self.reestablish(sa);
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

    /// Phase 1 went away: as its initiator, bring it back if child SAs
    /// with the peer live on (once the SA is out of the table).
    pub(super) fn reestablish(&mut self, sa: &IkeSa) {
        if sa.initiator {
            self.follow_ups.push(FollowUp::Reestablish {
                id: sa.id,
                local: sa.local,
                remote: sa.remote,
            });
        }
    }

    fn dpd_timer(&mut self, now: Instant, sa: &mut IkeSa) -> bool {
        // A probe (`Engine::probe_peer`) runs even without periodic DPD.
        let Some(cfg) = self.dpd_settings(sa.dpd.outstanding.is_some()) else {
            return true;
        };
        match sa.dpd.outstanding {
            None => {
                if cfg.mode == DpdMode::OnIdle {
                    let idle_until = sa.dpd.last_heard + cfg.interval;
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
                        format_args!("peer {} not responding to DPD: declared dead", sa.remote),
                    );
                    self.events.push_back(Event::PeerDead {
                        ike_sa: sa.id,
                        remote: sa.remote,
                    });
                    if let Some(scope) = sa.scope() {
                        self.purge_scope(&scope, sa.id, DownReason::PeerDead);
                    }
                    let kids: Vec<ChildSaId> =
                        self.children.of_ike(sa.id).map(|c| c.sa.id).collect();
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
            format_args!("DPD/R-U-THERE sequence {seq} sent"),
        );
        if let Some(p1) = sa.established() {
            let item = dpd(p1, NotifyType::R_U_THERE, seq);
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
