//! Transaction messages on an IKE SA: each Xauth / Mode Config message
//! checked (phase 1 done, the message ID expected, not a repeat, the HASH)
//! and handed to the state machine of `exchange::transaction`, whose
//! script the engine plays back.

use super::counters::bump;
use super::flight::Flight;
use super::{Arrival, Core, DownReason, Event, IkeSa, LogForm, Phase1State, XactSlot};
use crate::exchange::IosState;
use crate::exchange::chain::Received;
use crate::exchange::step::Step;
use crate::exchange::transaction::{
    self as tx, Action, Await, Deadline, Transaction, TransactionCx, TransactionDone,
    TransactionEvent,
};
use crate::policy::{ModeConfig, TrafficSelector};
use crate::time::Instant;

impl Core {
    /// Handles a Transaction message; `false` drops the SA.
    pub(super) fn transaction_message(
        &mut self,
        now: Instant,
        sa: &mut IkeSa,
        header: &Received<'_>,
        body: &[u8],
        raw: &[u8],
        arrival: Arrival,
    ) -> bool {
        let mid = header.message_id();
        if mid == 0 || sa.established().is_none() {
            bump(&mut self.counters.out_of_state);
            self.log(
                Some(sa.id),
                None,
                "Transaction before phase 1 complete: dropped",
            );
            return true;
        }
        let done = sa.client.as_ref().map(|c| &c.xact_done);
        if let Some(done) = done.into_iter().flatten().find(|d| d.mid == mid) {
            // Never processed twice: the same bytes get the same answer,
            // anything else under a finished message ID is dropped.
            if let Some(answer) = done.flight.duplicate(raw) {
                let answer = answer.map(<[u8]>::to_vec);
                self.duplicate(sa, None, answer.as_deref());
            } else {
                bump(&mut self.counters.replays);
                self.log(
                    Some(sa.id),
                    None,
                    format_args!("message for finished transaction {mid}: dropped"),
                );
            }
            return true;
        }
        // A server may run Xauth or push Mode Config whatever our profile
        // expected: as the initiator, an unexpected transaction is taken
        // once its HASH verified.
        let implicit = sa.xact().is_none() && sa.initiator;
        let fits = match sa.xact().map(|x| (&x.state, x.state.pending_mid())) {
            None => implicit && !sa.quick.iter().any(|q| q.message_id == mid),
            Some((_, Some(p))) => p == mid,
            // Peer-initiated: a fresh message ID, not a Quick Mode's.
            Some((state, None)) => {
                !matches!(state, Transaction::XauthVerdictAwait { .. })
                    && !sa.quick.iter().any(|q| q.message_id == mid)
            }
        };
        if !fits {
            bump(&mut self.counters.out_of_state);
            self.log(
                Some(sa.id),
                None,
                format_args!("transaction message ID {mid} not expected: dropped"),
            );
            return true;
        }
        if sa.xact().is_some_and(|x| x.flight.duplicate(raw).is_some()) {
            // The server repeats its REQUEST; our answer is not ready
            // (ClientCredentialsAwait: the flight received it, unanswered).
            bump(&mut self.counters.duplicates);
            return true;
        }
        let Phase1State::Established(p1) = &mut sa.phase1 else {
            return true;
        };
        let attr = match tx::open(p1, header, body) {
            Ok((a, padding)) => {
                if padding > 0 {
                    bump(&mut self.counters.zero_padding);
                }
                a
            }
            Err(e) => {
                self.counters.error(&e);
                self.log(Some(sa.id), None, format_args!("Transaction dropped: {e}"));
                return true;
            }
        };
        self.log(
            Some(sa.id),
            None,
            format_args!(
                "processing transaction payload from {}. message ID = {mid}",
                sa.remote.ip()
            ),
        );
        self.heard_from(now, sa, arrival);
        if implicit {
            sa.client_mut().xact = Some(Box::new(XactSlot {
                state: Transaction::ClientAwaitServer {
                    pull: ModeConfig::None,
                },
                flight: Flight::default(),
                deadline: now + self.exchange_life(),
            }));
        }
        let Some(slot) = sa.take_xact() else {
            return true;
        };
        let XactSlot {
            state,
            flight,
            deadline,
        } = *slot;
        let ty = attr.message_type;
        let Some(step) = self.run_transaction(now, sa, |cx| state.handle(cx, mid, &attr)) else {
            return true;
        };
        match step {
            Step::Ignore { state, .. } => {
                bump(&mut self.counters.out_of_state);
                self.log(
                    Some(sa.id),
                    None,
                    format_args!(
                        "unexpected config message type {} in {}: dropped",
                        ty.0,
                        state.name()
                    ),
                );
                // Its IV was committed; the state and its retransmission
                // stay as they were.
                sa.client_mut().xact = Some(Box::new(XactSlot {
                    state,
                    flight,
                    deadline,
                }));
                true
            }
            step => self.play_transaction(now, sa, step, Answered::Received(raw), Some(deadline)),
        }
    }

    /// Runs one step of the Transaction machine on `sa`'s phase-1 SA (`None`
    /// before phase 1 is complete).
    pub(super) fn run_transaction<R>(
        &mut self,
        now: Instant,
        sa: &mut IkeSa,
        f: impl FnOnce(&mut TransactionCx<'_>) -> R,
    ) -> Option<R> {
        let Phase1State::Established(p1) = &mut sa.phase1 else {
            return None;
        };
        let client = sa.client.as_deref();
        let (quick, seen_quick) = (&sa.quick, &sa.seen_quick);
        let in_use = |m: u32| {
            quick.iter().any(|s| s.message_id == m)
                || seen_quick.contains(&m)
                || client.is_some_and(|c| c.xact_done.iter().any(|d| d.mid == m))
        };
        let mut cx = TransactionCx {
            now,
            ike_sa: sa.id,
            initiator: sa.initiator,
            local: sa.local,
            remote: sa.remote,
            rng: &mut *self.rng,
            policy: &*self.policy,
            p1,
            established_at: Some(sa.up_since),
            xauth_user: client.and_then(|c| c.xauth_user.as_deref()),
            xauth_attempts: self.config.xauth_attempts,
            mid_in_use: &in_use,
        };
        Some(f(&mut cx))
    }

    /// Plays a Transaction step back: its messages, lines and events in
    /// order, then the state it left (or phase 2, or the SA's deletion);
    /// `false` drops the SA. `answered` is what a `Remember` answers.
    pub(super) fn play_transaction(
        &mut self,
        now: Instant,
        sa: &mut IkeSa,
        step: Step<Transaction>,
        mut answered: Answered<'_>,
        old_deadline: Option<Instant>,
    ) -> bool {
        let (script, next) = match step {
            Step::Next { state, reply, .. } => (reply, Ok(state)),
            Step::Done { outcome, reply, .. } => (reply.unwrap_or_default(), Err(outcome)),
            // The machine refuses in `handle` only, and the caller keeps
            // the state then.
            Step::Ignore { .. } | Step::Reject { .. } | Step::Fail(_) => return true,
        };
        for action in script.actions {
            self.act(sa, action, &mut answered);
        }
        match next {
            Ok(state) => {
                let mut flight = Flight::default();
                match script.flight {
                    Await::Nothing => {}
                    Await::Request(bytes) => flight.request(now, bytes, self.backoff()),
                    Await::Unanswered => {
                        if let Answered::Received(raw) = answered {
                            flight.received(raw);
                        }
                    }
                }
                let deadline = match script.deadline {
                    Deadline::Restart => now + self.exchange_life(),
                    Deadline::Keep => old_deadline.unwrap_or(now + self.exchange_life()),
                    Deadline::Now => now,
                };
                sa.client_mut().xact = Some(Box::new(XactSlot {
                    state,
                    flight,
                    deadline,
                }));
                true
            }
            Err(TransactionDone::Phase2) => {
                self.finish_transaction(now, sa);
                true
            }
            Err(TransactionDone::Delete) => {
                drop(sa.take_xact());
                self.send_ike_delete(sa);
                self.ike_down_ref(sa, DownReason::DeletedLocally);
                false
            }
        }
    }

    fn act(&mut self, sa: &mut IkeSa, action: Action, answered: &mut Answered<'_>) {
        match action {
            Action::Log(LogForm::Connection, text) => self.log(Some(sa.id), None, text),
            Action::Log(form, text) => self.log_form(None, None, form, text),
            Action::Send { bytes, conf_addr } => {
                if conf_addr {
                    self.send_as(sa, &bytes, IosState::ConfAddr);
                } else {
                    self.send(sa, &bytes);
                }
            }
            Action::Remember { mid, answer } => {
                let flight = match std::mem::replace(answered, Answered::Nothing) {
                    Answered::Received(raw) => {
                        *answered = Answered::Received(raw);
                        Flight::finished(raw, answer)
                    }
                    Answered::Flight(mut flight) => {
                        if let Some(bytes) = answer {
                            flight.reply(bytes);
                        }
                        flight
                    }
                    Answered::Nothing => return,
                };
                Self::remember(sa, mid, flight);
            }
            Action::XauthUser(user) => sa.client_mut().xauth_user = user,
            Action::Assigned(address) => sa.client_mut().assigned = Some(address),
            Action::ClientAddress(address) => {
                sa.client_mut().assigned = Some(address);
                for acq in &mut sa.acquires {
                    acq.selectors.local = TrafficSelector::host(address);
                }
            }
            Action::InitialContact => {
                if sa
                    .client
                    .as_ref()
                    .is_some_and(|c| c.pending_initial_contact)
                {
                    self.initial_contact(sa);
                }
            }
            Action::Event(e) => {
                let (ike_sa, remote) = (sa.id, sa.remote);
                self.events.push_back(match e {
                    TransactionEvent::VerdictWanted { user, password } => Event::XauthRequest {
                        ike_sa,
                        remote,
                        user,
                        password,
                    },
                    TransactionEvent::CredentialsWanted => {
                        Event::XauthCredentialsRequest { ike_sa, remote }
                    }
                    TransactionEvent::XauthDone { user, ok } => Event::XauthDone {
                        ike_sa,
                        remote,
                        user,
                        ok,
                    },
                    TransactionEvent::Assigned {
                        address,
                        attributes,
                        server,
                    } => Event::ConfigAssigned {
                        ike_sa,
                        remote,
                        address,
                        attributes,
                        server,
                    },
                });
            }
        }
    }
}

/// What a played-back `Remember` answers: the message just received, or
/// the flight of a message whose answer had to wait (the embedder's
/// credentials).
pub(super) enum Answered<'r> {
    Received(&'r [u8]),
    Flight(Flight),
    Nothing,
}
