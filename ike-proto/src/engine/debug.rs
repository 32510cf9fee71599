//! The engine's debug lines (`debug crypto isakmp`, `debug crypto ipsec`):
//! its own, and its exchanges' once handed back. Nothing is formatted when
//! no switch lets a line through.

use std::fmt;

use super::{Debugging, Engine, Event, IkeSaId, LogForm, LogLine};

impl Engine {
    /// Which debug lines are written: `debug crypto isakmp` / `debug
    /// crypto ipsec` ([`Debugging::ALL`] until told otherwise). Lines no
    /// switch lets through are not formatted at all.
    pub fn set_debugging(&mut self, debugging: Debugging) {
        self.trace.set_debugging(debugging);
    }

    /// The switches in force.
    pub fn debugging(&self) -> Debugging {
        self.trace.debugging()
    }

    /// `ISAKMP (0:N): [Node n, ]text`.
    pub(super) fn log(&mut self, ike_sa: Option<IkeSaId>, node: Option<u32>, text: impl fmt::Display) {
        self.log_form(ike_sa, node, LogForm::Connection, text);
    }

    /// A line of any form about `ike_sa`.
    pub(super) fn log_form(
        &mut self,
        ike_sa: Option<IkeSaId>,
        node: Option<u32>,
        form: LogForm,
        text: impl fmt::Display,
    ) {
        if !self.trace.wants(form) {
            return;
        }
        self.flush_trace();
        let line = LogLine {
            ike_sa,
            node,
            form,
            text: text.to_string(),
        };
        if self.config.log_target.is_some() {
            self.trace.emit(line);
        } else {
            self.events.push_back(Event::Log(line));
        }
    }

    /// Whether ISAKMP lines are written (to skip building a block).
    pub(super) fn debug_isakmp(&self) -> bool {
        self.trace.isakmp()
    }

    /// Whether IPsec lines are written.
    pub(super) fn debug_ipsec(&self) -> bool {
        self.trace.ipsec()
    }

    /// `Old State = .. New State = ..`: IOS names no Node here, even in
    /// Quick Mode (the `Input = ...` line before it does).
    pub(super) fn transition(&mut self, sa: IkeSaId, _node: Option<u32>, old: &str, new: &str) {
        self.log(
            Some(sa),
            None,
            format_args!("Old State = {old} New State = {new}"),
        );
    }

    /// The exchanges' lines kept for events, now as events, in order.
    pub(super) fn flush_trace(&mut self) {
        if self.trace.has_pending() {
            for line in self.trace.take_pending() {
                self.events.push_back(Event::Log(line));
            }
        }
    }
}
