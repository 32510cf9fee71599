//! A running router's changes: a reread configuration (SIGHUP,
//! `configure replace`), a new outside address, and the clean stop.

use std::net::Ipv4Addr;
use std::path::Path;
use std::sync::Arc;

use ike_proto::time::Instant;

use crate::outside;

use super::Router;

impl Router {
    /// SIGHUP: `configure replace` of the file the router started from,
    /// the outcome logged.
    pub(super) fn reload(&mut self, now: Instant) {
        let Some(file) = self.config_source.as_ref().map(|(p, _)| p.clone()) else {
            log::warn!("SIGHUP: no configuration file to reread");
            return;
        };
        let (status, text) = self.configure_replace(&file.to_string_lossy(), now);
        self.drain(now);
        // A DHCP client hook may signal a new lease: look at the route now.
        self.follow_route(now, true);
        for line in text.lines() {
            if status == 0 {
                log::info!("SIGHUP: {line}");
            } else {
                log::warn!("SIGHUP: {line}");
            }
        }
    }

    /// `configure replace FILE`: the file read and parsed as at start, then
    /// swapped in by the Gateway (the SAs it does not change stay up). A
    /// new static `ip address` on the crypto interface (without
    /// `--outside-addr`) moves the outside address: the sockets are bound
    /// there first and every SA negotiates again. A file that does not
    /// read or parse, or whose address the host cannot bind, leaves the
    /// running configuration as it was.
    pub fn configure_replace(&mut self, file: &str, now: Instant) -> (u8, String) {
        let Some((_, loader)) = self.config_source.as_mut() else {
            return (
                1,
                format!("% configure replace {file}: no configuration loader\n"),
            );
        };
        let config = match loader(Path::new(file)) {
            Ok(c) => c,
            Err(e) => return (1, format!("% configure replace {file}: {e}\n")),
        };
        let moved = crate::net::outside_address(&config)
            .filter(|a| !self.outside_fixed && *a != self.gateway.outside_addr());
        let rebound = match moved.map(|a| self.rebind(a)).transpose() {
            Ok(r) => r,
            Err(e) => {
                let a = moved.unwrap_or(Ipv4Addr::UNSPECIFIED);
                return (
                    1,
                    format!("% configure replace {file}: the outside address moves to {a}: {e}\n"),
                );
            }
        };
        match self.gateway.configure_replace(now, config) {
            Ok(report) => {
                // The Deletes leave from the old address, then the
                // sockets move.
                self.drain(now);
                if let Some(r) = rebound {
                    self.swap_outside(r);
                }
                (0, format!("{report}[OK] configure replace {file}\n"))
            }
            Err(e) => (1, format!("% configure replace {file}: {e}\n")),
        }
    }

    /// The outside sockets bound on `address` with their readers, or why
    /// not.
    fn rebind(&self, address: Ipv4Addr) -> Result<outside::Rebound, String> {
        let readers = self
            .readers
            .as_ref()
            .ok_or("this router cannot rebind its sockets")?;
        outside::rebind(&self.sockets, self.raw_esp.is_some(), address, readers)
    }

    fn swap_outside(&mut self, rebound: outside::Rebound) {
        log::info!(
            "outside sockets moved: IKE on {}, NAT-T on {}",
            rebound.sockets.ike_addr(),
            rebound.sockets.natt_addr()
        );
        // The old sockets' readers stop as they drop.
        self.sockets = Arc::new(rebound.sockets);
        if let Some(raw) = rebound.raw_esp {
            self.raw_esp = Some(Arc::new(raw));
        }
        if let Some(plane) = &self.plane {
            plane.rebind(&self.sockets, self.raw_esp.as_ref());
        }
    }

    /// `--outside-addr dhcp`: moves to the route's source address when it
    /// changed (`force`: look now).
    pub(super) fn follow_route(&mut self, now: Instant, force: bool) {
        let Some(address) = self.follower.as_mut().and_then(|f| f.poll(now, force)) else {
            return;
        };
        if address == self.gateway.outside_addr() {
            return;
        }
        match self.rebind(address) {
            Ok(rebound) => {
                log::info!(
                    "outside address: the route to {} now leaves from {address}",
                    self.follower.map_or(Ipv4Addr::UNSPECIFIED, |f| f.peer())
                );
                self.gateway.set_outside_address(now, address);
                self.drain(now);
                self.swap_outside(rebound);
            }
            Err(e) => log::warn!(
                "outside address {address}: {e}; staying on {}",
                self.gateway.outside_addr()
            ),
        }
    }

    /// Deletes every SA with a Delete to its peer and sends them: the
    /// router is stopping. Says how many IPsec and IKE SAs went.
    pub fn shutdown(&mut self) -> (usize, usize) {
        let now = self.clock.now();
        let gone = self.gateway.shutdown(now);
        self.drain(now);
        gone
    }
}
