//! The one contract of an exchange state: `handle(self, cx, message) ->
//! Step<Self>`. A state is consumed by the message that moves it on; the
//! step says where it went, what to send, what a finished exchange
//! produced and the IOS state the message took it to.

use super::{Error, IosState};

/// The states of one exchange (Main Mode initiator, Quick Mode responder
/// ...): what a finished one hands the engine.
pub(crate) trait Exchange: Sized {
    /// A finished exchange's result: the phase-1 SA, the child SA.
    type Outcome;
    /// What a step hands the engine to send: one sealed message for the
    /// phase-1 and Quick Mode exchanges; for the Transaction exchange, its
    /// script (messages, debug lines and outcomes, in order).
    type Reply;
}

/// What a state transition produced.
pub(crate) enum Step<S: Exchange> {
    /// Moved on to `state`; `reply` to send; `received` is the IOS state
    /// the message took the exchange to (for the IOS-style log).
    Next {
        state: S,
        reply: S::Reply,
        received: IosState,
    },
    /// The exchange is complete (after sending `reply`, if any).
    Done {
        outcome: S::Outcome,
        reply: Option<S::Reply>,
        received: IosState,
    },
    /// Not for this state (kept as it was).
    Ignore { state: S, why: &'static str },
    /// Unauthenticated and unusable (most likely a pre-shared key
    /// mismatch, possibly a forgery): the state is kept, so a forged copy
    /// cannot end the negotiation (phase 1 tells the peer in the clear).
    Reject { state: S, error: Error },
    /// The exchange failed.
    Fail(Error),
}

impl<S: Exchange> Step<S> {
    /// The same step with its state wrapped (the engine's enum of states).
    pub(crate) fn map<T: Exchange<Outcome = S::Outcome, Reply = S::Reply>>(
        self,
        wrap: impl FnOnce(S) -> T,
    ) -> Step<T> {
        match self {
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
                outcome,
                reply,
                received,
            } => Step::Done {
                outcome,
                reply,
                received,
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
}
