//! The Transaction exchange on an IKE SA: Xauth and Mode Config in both
//! roles, its retransmissions, its deadline and the Xauth verdict command.
//! The messages themselves are [`crate::exchange::transaction`]'s.

use super::flight::{Due, Flight};
use super::transaction::Answered;
use super::{CommandError, Core, DownReason, Engine, IkeSa, IkeSaId, XactDone, XactSlot};
use crate::exchange::step::Step;
use crate::exchange::transaction::{Transaction, TransactionCx};
use crate::policy::XauthCredentials;
use crate::time::Instant;

/// Finished Transaction message IDs remembered per IKE SA.
const XACT_DONE_MEMORY: usize = 16;

impl Engine {
    /// The answer to [`Event::XauthRequest`](super::Event::XauthRequest): `ok` sends XAUTH_STATUS OK,
    /// else FAIL (and after the last attempt the IKE SA is deleted).
    ///
    /// # Errors
    /// [`CommandError::UnknownSa`], or [`CommandError::NoXauthPending`]
    /// when the SA does not wait for a verdict.
    pub fn xauth_verdict(
        &mut self,
        now: Instant,
        ike_sa: IkeSaId,
        ok: bool,
    ) -> Result<(), CommandError> {
        self.core.now = now;
        self.transaction_command(now, ike_sa, |state, cx| state.verdict(cx, ok))
    }

    /// The answer to [`Event::XauthCredentialsRequest`](super::Event::XauthCredentialsRequest): the user name and
    /// password to send in the Xauth REPLY (as the client).
    ///
    /// # Errors
    /// [`CommandError::UnknownSa`], or [`CommandError::NoXauthPending`]
    /// when the SA does not wait for credentials.
    pub fn provide_xauth_credentials(
        &mut self,
        now: Instant,
        ike_sa: IkeSaId,
        credentials: XauthCredentials,
    ) -> Result<(), CommandError> {
        self.core.now = now;
        self.transaction_command(now, ike_sa, |state, cx| state.credentials(cx, credentials))
    }

    /// Runs an embedder's answer on an SA's transaction; the SA is
    /// forgotten when the answer ended it.
    fn transaction_command(
        &mut self,
        now: Instant,
        ike_sa: IkeSaId,
        answer: impl FnOnce(
            Transaction,
            &mut TransactionCx<'_>,
        ) -> Result<Step<Transaction>, Transaction>,
    ) -> Result<(), CommandError> {
        self.with_sa(ike_sa, |core, sa| {
            let result = core.transaction_answer(now, sa, answer);
            (result != Ok(false), result.map(|_| ()))
        })
        .unwrap_or(Err(CommandError::UnknownSa))
    }
}

impl Core {
    /// Phase 1 is complete: run Xauth / Mode Config if the profile wants
    /// them, else open phase 2.
    pub(super) fn start_transaction(&mut self, now: Instant, sa: &mut IkeSa) {
        match self.run_transaction(now, sa, Transaction::start) {
            Some(step) => {
                // Nothing the start does can end the SA (no message came).
                let _ = self.play_transaction(now, sa, step, Answered::Nothing, None);
            }
            None => self.open_phase2(now, sa),
        }
    }

    /// Runs an embedder's answer through the state the SA's transaction
    /// waits in: whether the SA stays, or [`CommandError::NoXauthPending`]
    /// (and the state kept) when it waits for none.
    fn transaction_answer(
        &mut self,
        now: Instant,
        sa: &mut IkeSa,
        answer: impl FnOnce(
            Transaction,
            &mut TransactionCx<'_>,
        ) -> Result<Step<Transaction>, Transaction>,
    ) -> Result<bool, CommandError> {
        let Some(slot) = sa.take_xact() else {
            return Err(CommandError::NoXauthPending);
        };
        let XactSlot {
            state,
            flight,
            deadline,
        } = *slot;
        match self.run_transaction(now, sa, |cx| answer(state, cx)) {
            Some(Ok(step)) => {
                // A REPLY that waited for the credentials answers the
                // REQUEST its flight saw.
                let answered = Answered::Flight(flight);
                Ok(self.play_transaction(now, sa, step, answered, Some(deadline)))
            }
            Some(Err(state)) => {
                sa.client_mut().xact = Some(Box::new(XactSlot {
                    state,
                    flight,
                    deadline,
                }));
                Err(CommandError::NoXauthPending)
            }
            None => Err(CommandError::NoXauthPending),
        }
    }

    /// A finished message ID: `flight` answers its repeats.
    pub(super) fn remember(sa: &mut IkeSa, mid: u32, flight: Flight) {
        let done = &mut sa.client_mut().xact_done;
        if done.len() >= XACT_DONE_MEMORY {
            done.pop_front();
        }
        done.push_back(XactDone { mid, flight });
        sa.forget_iv(mid);
    }

    pub(super) fn finish_transaction(&mut self, now: Instant, sa: &mut IkeSa) {
        drop(sa.take_xact());
        self.open_phase2(now, sa);
    }

    /// Runs the transaction's retransmission and deadline; `false` drops
    /// the SA.
    pub(super) fn xact_timer(&mut self, now: Instant, sa: &mut IkeSa) -> bool {
        let Some(x) = sa.xact_mut() else {
            return true;
        };
        if x.deadline <= now {
            let name = x.state.name();
            self.log(
                Some(sa.id),
                None,
                format_args!("transaction timed out in {name}: deleting the SA"),
            );
            self.send_ike_delete(sa);
            self.ike_down_ref(sa, DownReason::PeerDead);
            return false;
        }
        let backoff = self.backoff();
        match x.flight.due(now, backoff, backoff.tries) {
            None => {}
            Some(Due::Resend(bytes)) => {
                let bytes = bytes.to_vec();
                self.log(Some(sa.id), None, "retransmitting transaction message");
                self.send(sa, &bytes);
            }
            Some(Due::Exhausted) => {
                self.log(
                    Some(sa.id),
                    None,
                    "transaction retransmissions exhausted: deleting the SA",
                );
                self.send_ike_delete(sa);
                self.ike_down_ref(sa, DownReason::PeerDead);
                return false;
            }
        }
        true
    }
}
