//! The debug lines an exchange prints while it works (`processing SA
//! payload`, the transform under check, the ID payload it read), in IOS's
//! words and at the moment IOS prints them: written straight to the `log`
//! facade when the engine has a target (so they fall in order with the
//! policy's own lines), else kept for the engine to hand out as events.
//! A line no `debug` switch lets through is never formatted.

use std::fmt;

use crate::engine::{Debugging, IkeSaId, LogForm, LogLine};

/// Where an exchange's debug lines go.
#[derive(Debug)]
pub(crate) struct Trace {
    debugging: Debugging,
    target: Option<String>,
    /// The IKE SA the lines are about (IOS's conn-id in `(0:N)`).
    pub(crate) ike_sa: Option<IkeSaId>,
    /// Lines for the engine's events (no `log` target).
    pending: Vec<LogLine>,
}

impl Trace {
    pub(crate) fn new(target: Option<String>) -> Self {
        Self {
            debugging: Debugging::ALL,
            target,
            ike_sa: None,
            pending: Vec::new(),
        }
    }

    pub(crate) fn set_debugging(&mut self, d: Debugging) {
        self.debugging = d;
    }

    pub(crate) fn debugging(&self) -> Debugging {
        self.debugging
    }

    /// Whether a line of this form would be written: its switch is on and,
    /// with a `log` target, the facade takes debug lines for it.
    pub(crate) fn wants(&self, form: LogForm) -> bool {
        let on = match form {
            LogForm::Ipsec => self.debugging.ipsec,
            _ => self.debugging.isakmp,
        };
        on && self
            .target
            .as_deref()
            .is_none_or(|t| log::log_enabled!(target: t, log::Level::Debug))
    }

    /// Whether ISAKMP lines are written (to skip building a block of them).
    pub(crate) fn isakmp(&self) -> bool {
        self.wants(LogForm::Connection)
    }

    /// Whether IPsec lines are written.
    pub(crate) fn ipsec(&self) -> bool {
        self.wants(LogForm::Ipsec)
    }

    /// The current IKE SA's number, as IOS prints a conn-id.
    pub(crate) fn conn_id(&self) -> u64 {
        self.ike_sa.map_or(0, |i| u64::from(i.0))
    }

    /// A line about the current IKE SA: `ISAKMP (0:N): text`.
    pub(crate) fn conn(&mut self, text: impl fmt::Display) {
        self.line(LogForm::Connection, text);
    }

    /// `ISAKMP: text`.
    pub(crate) fn global(&mut self, text: impl fmt::Display) {
        self.line(LogForm::Global, text);
    }

    /// The text as it stands (`CryptoEngine0: ...`, a payload dump's body).
    pub(crate) fn verbatim(&mut self, text: impl fmt::Display) {
        self.line(LogForm::Verbatim, text);
    }

    /// An IPsec line, as it stands.
    pub(crate) fn ipsec_line(&mut self, text: impl fmt::Display) {
        self.line(LogForm::Ipsec, text);
    }

    /// A line of `form`, formatted only if it is wanted.
    pub(crate) fn line(&mut self, form: LogForm, text: impl fmt::Display) {
        if self.wants(form) {
            self.emit(LogLine {
                ike_sa: self.ike_sa,
                node: None,
                form,
                text: text.to_string(),
            });
        }
    }

    /// Writes a line built elsewhere (the engine's own), unchecked.
    pub(crate) fn emit(&mut self, line: LogLine) {
        match &self.target {
            Some(target) => log::debug!(target: target, "{line}"),
            None => self.pending.push(line),
        }
    }

    /// The lines kept for events, oldest first.
    pub(crate) fn take_pending(&mut self) -> Vec<LogLine> {
        std::mem::take(&mut self.pending)
    }

    pub(crate) fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }
}
