//! What a router shows: its parts, its counters, and the IOS show views
//! it prints on request and at exit.

use std::sync::atomic::Ordering;

use ike_policy::Gateway;
use ike_policy::gateway::GatewayCounters;

use crate::inside_echo::InsideEcho;
use crate::traffic::Pinger;

use super::{Inside, Router, RouterCounters, SHOW_VIEWS};

impl Router {
    /// The name (the configuration's hostname).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The Gateway.
    pub fn gateway(&self) -> &Gateway {
        &self.gateway
    }

    /// The ping generator.
    pub fn pinger(&self) -> Option<&Pinger> {
        self.pinger.as_ref()
    }

    /// The router's counters (the data-plane threads' included).
    pub fn counters(&self) -> RouterCounters {
        let mut c = self.counters;
        if let Some(plane) = &self.plane {
            let io = plane.io();
            let n = |a: &std::sync::atomic::AtomicU64| a.load(Ordering::Relaxed);
            c.datagrams_out += n(&io.datagrams_out);
            c.raw_esp_out += n(&io.raw_esp_out);
            c.send_errors += n(&io.send_errors);
            c.clear_unrouted += n(&io.clear_unrouted);
            c.raw_esp_unsent += n(&io.raw_esp_unsent);
        }
        c
    }

    /// The Gateway's counters.
    pub fn gateway_counters(&self) -> GatewayCounters {
        self.gateway.counters()
    }

    /// The inside echo responder, if that is the inside.
    pub fn inside_echo(&self) -> Option<&InsideEcho> {
        match &self.inside {
            Inside::Echo(e) => Some(e),
            _ => None,
        }
    }

    /// Runs an IOS show command on the live state.
    pub fn show(&self, command: &str) -> String {
        match self.gateway.show(command, self.clock.now()) {
            Ok(text) => text,
            Err(e) => format!("% {e}\n"),
        }
    }

    /// The show views of [`SHOW_VIEWS`], each under a `Name#command` line
    /// as on a router's console.
    pub fn show_views(&self) -> String {
        let mut out = String::new();
        for cmd in SHOW_VIEWS {
            out.push_str(&format!("{}#{cmd}\n", self.name));
            out.push_str(&self.show(cmd));
            if !out.ends_with('\n') {
                out.push('\n');
            }
        }
        out
    }

    /// One line with the counters that tell whether traffic crossed.
    pub fn counters_line(&self) -> String {
        let g = self.gateway.counters();
        let r = self.counters();
        format!(
            "{}: sealed {} delivered {} held {} ike-datagrams {} esp-rejected {} \
             datagrams in/out {}/{} raw-esp in/out {}/{} raw-esp-refused {} send-errors {} raw-esp-unsent {} \
             clear-unrouted {}",
            self.name,
            g.sealed,
            g.delivered,
            g.held,
            g.ike_datagrams,
            g.esp_rejected,
            r.datagrams_in,
            r.datagrams_out,
            r.raw_esp_in,
            r.raw_esp_out,
            g.raw_esp_refused,
            r.send_errors,
            r.raw_esp_unsent,
            r.clear_unrouted
        )
    }
}
