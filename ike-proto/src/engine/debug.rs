//! The engine's debug lines (`debug crypto isakmp`, `debug crypto ipsec`):
//! its own, and its exchanges' once handed back. Nothing is formatted when
//! no switch lets a line through.

use std::fmt;
use std::net::SocketAddrV4;

use crate::exchange::quick_mode::NegotiatedChild;

use super::{Core, Debugging, Engine, Event, IkeSaId, LogForm, LogLine};
use crate::exchange::IosState;

impl Engine {
    /// Which debug lines are written: `debug crypto isakmp` / `debug
    /// crypto ipsec` ([`Debugging::ALL`] until told otherwise). Lines no
    /// switch lets through are not formatted at all.
    pub fn set_debugging(&mut self, debugging: Debugging) {
        self.core.trace.set_debugging(debugging);
    }

    /// The switches in force.
    pub fn debugging(&self) -> Debugging {
        self.core.trace.debugging()
    }
}

impl Core {
    /// `ISAKMP (0:N): [Node n, ]text`.
    pub(super) fn log(
        &mut self,
        ike_sa: Option<IkeSaId>,
        node: Option<u32>,
        text: impl fmt::Display,
    ) {
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

    /// `Old State = .. New State = ..`: IOS names no Node here, even in
    /// Quick Mode (the `Input = ...` line before it does).
    pub(super) fn transition(
        &mut self,
        sa: IkeSaId,
        _node: Option<u32>,
        old: IosState,
        new: IosState,
    ) {
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

    /// Quick Mode is done: `CryptoEngine0: ipsec allocate flow` for each
    /// direction, `Creating IPSec SAs` and what each SA holds. The pair
    /// takes the next child handle.
    pub(super) fn creating_ipsec_sas(
        &mut self,
        id: IkeSaId,
        local: SocketAddrV4,
        remote: SocketAddrV4,
        child: &NegotiatedChild,
    ) {
        if !self.trace.isakmp() {
            return;
        }
        let (conn_in, conn_out) = super::ios_ipsec::conn_ids(super::ChildSaId(self.next_child_id));
        let v = LogForm::Verbatim;
        self.log_form(
            None,
            None,
            v,
            format_args!("CryptoEngine0: generate hmac context for conn id {}", id.0),
        );
        self.log_form(None, None, v, "CryptoEngine0: ipsec allocate flow");
        self.log_form(None, None, v, "CryptoEngine0: ipsec allocate flow");
        self.log(Some(id), None, "Creating IPSec SAs");
        let (l, r) = (child.selectors.local.start, child.selectors.remote.start);
        let lifetime = child.lifetime;
        for inbound in [true, false] {
            let (text, proxy, spi, conn, flags) = if inbound {
                (
                    format!(
                        "inbound SA from {} to {} (f/i)  0/ 0",
                        remote.ip(),
                        local.ip()
                    ),
                    format!("(proxy {r} to {l})"),
                    format!("0x{:X}", child.spi_in),
                    conn_in,
                    "2",
                )
            } else {
                (
                    format!(
                        "outbound SA from {} to {} (f/i) 0/ 0",
                        local.ip(),
                        remote.ip()
                    ),
                    format!("(proxy {l} to {r} )"),
                    // IOS prints the outbound SPI as a signed number.
                    format!("{}", child.spi_out as i32),
                    conn_out,
                    "A",
                )
            };
            self.log_form(None, None, v, format_args!("        {text}"));
            self.log_form(None, None, v, format_args!("        {proxy}"));
            self.log_form(
                None,
                None,
                v,
                format_args!("        has spi {spi} and conn_id {conn} and flags {flags}"),
            );
            if let Some(s) = lifetime.seconds {
                self.log_form(
                    None,
                    None,
                    v,
                    format_args!("        lifetime of {s} seconds"),
                );
            }
            if let Some(kb) = lifetime.kilobytes {
                self.log_form(
                    None,
                    None,
                    v,
                    format_args!("        lifetime of {kb} kilobytes"),
                );
            }
            self.log_form(None, None, v, "        has client flags 0x0");
        }
    }
}
