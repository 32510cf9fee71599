//! Informational exchanges on the engine: notifies and deletes in, and
//! the notifies we send (`exchange::informational`).

use super::counters::bump;
use super::{Arrival, Core, DownReason, Event, IkeSa, InfoItem, Phase1State, QmRole, SaTimer};
use crate::error::Error;
use crate::exchange::IosState;
use crate::exchange::chain::Received;
use crate::exchange::informational::{self, dpd};
use crate::exchange::main_mode::MainModeInitiator;
use crate::exchange::quick_mode::QuickModeInitiator;
use crate::time::Instant;
use crate::wire::{Flags, NotifyType, ProtocolId};

impl Core {
    /// Handles an Informational message; `false` drops the SA.
    pub(super) fn info_message(
        &mut self,
        now: Instant,
        sa: &mut IkeSa,
        header: &Received<'_>,
        body: &[u8],
        arrival: Arrival,
    ) -> bool {
        let remote = arrival.remote;
        let authenticated = header.flags().contains(Flags::ENCRYPTION);
        let tag = replay_tag(header.message_id(), body);
        if authenticated && sa.seen_info.contains(&tag) {
            // Informational messages carry no sequence number: a message
            // seen before (same ID, same last ciphertext bytes) is a replay
            // (it would otherwise count as DPD liveness and move the peer
            // under NAT).
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
                self.log(
                    Some(sa.id),
                    None,
                    format_args!("Informational dropped: {e}"),
                );
                return true;
            }
        };
        if authenticated {
            if sa.seen_info.len() >= super::SEEN_INFORMATIONALS {
                sa.seen_info.pop_front();
            }
            sa.seen_info.push_back(tag);
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
                        format_args!(
                            "processing NOTIFY {} protocol {}{}",
                            super::notify::name(ty.get()),
                            protocol.get(),
                            if authenticated {
                                ""
                            } else {
                                " (unauthenticated)"
                            }
                        ),
                    );
                    let spi_value = spi.iter().fold(0u64, |v, b| v << 8 | u64::from(*b));
                    self.log_form(
                        None,
                        None,
                        super::LogForm::Verbatim,
                        format_args!(
                            "        spi {spi_value}, message ID = {}, sa = {:08X}",
                            header.message_id() as i32,
                            sa.id.0
                        ),
                    );
                    self.events.push_back(Event::NotifyReceived {
                        ike_sa: Some(sa.id),
                        remote,
                        ty: ty.get(),
                        authenticated,
                    });
                    if !authenticated {
                        // Unauthenticated: honoured only as the answer to our
                        // first message, from the peer we sent it to.
                        let awaiting_first_answer = match &sa.phase1 {
                            Phase1State::MainI(s) => {
                                matches!(**s, MainModeInitiator::ExpectSa(_))
                            }
                            Phase1State::AggrI(_) => true,
                            _ => false,
                        };
                        if is_error_notify(ty) && awaiting_first_answer && remote == sa.remote {
                            // Our phase 1 was refused.
                            let e = Error::from_notify(ty.get());
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
                        NotifyType::R_U_THERE => {
                            let seq = seq_of(&data);
                            if let Some(p1) = sa.established() {
                                let ack = dpd(p1, NotifyType::R_U_THERE_ACK, seq);
                                self.send_info(sa, &[ack]);
                            }
                        }
                        NotifyType::R_U_THERE_ACK => {
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
                        NotifyType::INITIAL_CONTACT => self.initial_contact(sa),
                        NotifyType::RESPONDER_LIFETIME
                            if protocol == ProtocolId::ISAKMP && sa.initiator =>
                        {
                            self.responder_lifetime(now, sa, &data);
                        }
                        NotifyType::CONNECTED => self.connected(now, sa, &spi),
                        t if is_error_notify(t) => self.quick_mode_refused(sa, t, &spi),
                        _ => {}
                    }
                }
                InfoItem::Delete { protocol, spis } => {
                    if !authenticated {
                        continue;
                    }
                    if protocol == ProtocolId::ISAKMP {
                        let ours = sa.established().map(informational::isakmp_spi);
                        if spis.iter().any(|s| Some(s) == ours.as_ref()) {
                            self.log(Some(sa.id), None, "peer deleted the ISAKMP SA");
                            self.ike_down_ref(sa, DownReason::DeletedByPeer);
                            self.reestablish(sa);
                            return false;
                        }
                    } else if protocol == ProtocolId::IPSEC_ESP {
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
                            // This SA's own, else its system's (the same
                            // peer address: the scope's).
                            let hit = self
                                .children
                                .of_ike(sa.id)
                                .chain(
                                    self.children
                                        .of_peer(*scope.remote.ip())
                                        .filter(|c| scope.covers_child(c)),
                                )
                                .find(|c| c.sa.spi_out == spi)
                                .map(|c| c.sa.id);
                            if let Some(c) = hit.and_then(|h| self.children.remove(&h)) {
                                self.log(
                                    Some(sa.id),
                                    None,
                                    format_args!("peer deleted SPI 0x{spi:08X}"),
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
            matches!(&q.role, QmRole::Initiator(s)
                if matches!(**s, QuickModeInitiator::ExpectConnected(_)))
        });
        let Some(idx) = idx else {
            return;
        };
        let Some(slot) = sa.quick.get_mut(idx) else {
            return;
        };
        let acquire = slot.acquire;
        if let QmRole::Initiator(s) = core::mem::replace(&mut slot.role, QmRole::Done)
            && let QuickModeInitiator::ExpectConnected(child) = *s
        {
            let mid = slot.message_id;
            self.transition(
                sa.id,
                Some(mid),
                IosState::IkeQmIQm1,
                IosState::IkeQmPhase2Complete,
            );
            self.install_child(now, sa, *child, true, acquire);
        }
    }

    fn quick_mode_refused(&mut self, sa: &mut IkeSa, ty: NotifyType, spi: &[u8]) {
        let spi32 = <[u8; 4]>::try_from(spi).ok().map(u32::from_be_bytes);
        let pending: Vec<usize> = sa
            .quick
            .iter()
            .enumerate()
            .filter(|(_, q)| {
                matches!(&q.role, QmRole::Initiator(s)
                    if matches!(**s, QuickModeInitiator::ExpectHash2(_)))
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
                    error: Some(Error::from_notify(ty.get())),
                });
                self.rekey_failed(a);
            }
        }
    }

    /// An authenticated message arrived: DPD liveness, and the peer's
    /// address may have changed under NAT.
    pub(super) fn heard_from(&mut self, now: Instant, sa: &mut IkeSa, arrival: Arrival) {
        let remote = arrival.remote;
        sa.dpd.last_heard = now;
        // The peer speaks under the SA, so it has our MM6: no more resends.
        if sa.established().is_some() {
            sa.flight.stop();
        }
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
                format_args!("peer moved from {old} to {remote}"),
            );
            self.children.move_peer(old, remote);
            self.events.push_back(Event::PeerAddressChanged {
                ike_sa: sa.id,
                old,
                new: remote,
            });
        }
    }
}

fn seq_of(data: &[u8]) -> u32 {
    <[u8; 4]>::try_from(data)
        .map(u32::from_be_bytes)
        .unwrap_or(0)
}

/// RFC 2408 3.14.1: types below 16384 are errors, the rest status.
fn is_error_notify(ty: NotifyType) -> bool {
    (1..NotifyType::CONNECTED.get()).contains(&ty.get())
}

/// What a replayed protected Informational is known by: its message ID
/// with its last ciphertext bytes. Exactly the same bytes again are a
/// replay; another message under the same ID is not, for peers that reuse
/// IDs (vpnc draws a Delete's ID from one random byte, so the two Deletes
/// of its disconnect share one in 256 times). Four bytes per message, as
/// the ID alone took.
fn replay_tag(message_id: u32, body: &[u8]) -> u32 {
    let tail = body
        .len()
        .checked_sub(4)
        .and_then(|at| body.get(at..))
        .and_then(|t| <[u8; 4]>::try_from(t).ok())
        .unwrap_or_default();
    message_id ^ u32::from_be_bytes(tail)
}

#[cfg(test)]
mod tests {
    use super::replay_tag;

    #[test]
    fn a_replay_is_the_same_bytes_not_the_same_message_id() {
        let first = [0x11u8; 32];
        let mut second = first;
        second[31] ^= 0x80;
        // vpnc's two Deletes under one message ID: two messages.
        assert_ne!(replay_tag(7, &first), replay_tag(7, &second));
        // The same bytes again: a replay.
        assert_eq!(replay_tag(7, &first), replay_tag(7, &first.clone()));
        // Shorter than a tag: no panic, the ID alone.
        assert_eq!(replay_tag(7, &[1, 2]), 7);
    }
}
