//! A node's lifecycle: shutting down cleanly (every SA deleted with a
//! Delete to its peer).

use super::*;

impl Gateway {
    /// Deletes every IPsec SA and then every IKE SA, each with a Delete
    /// notify to its peer (the IPsec SAs' Deletes go first, protected by
    /// the IKE SA they need), as a router that stops should: drain
    /// [`Gateway::poll_transmit`] and send it all before exiting. Says how
    /// many IPsec and IKE SAs went.
    pub fn shutdown(&mut self, now: Instant) -> (usize, usize) {
        self.now = now;
        // An Easy VPN Remote must not connect again as its hub goes.
        if let Some(ez) = self.ezvpn.as_mut() {
            ez.auto = false;
            ez.autostart = false;
            ez.retry_at = None;
        }
        let kids: Vec<ChildSaId> = self.engine.child_sas().iter().map(|c| c.id).collect();
        let mut children = 0;
        for c in kids {
            if self.engine.delete_child_sa(now, c).is_ok() {
                children += 1;
            }
        }
        self.drain(now);
        // What the engine no longer knew but the SAD still held.
        let stale: Vec<ChildSaId> = self.children.keys().copied().collect();
        for c in stale {
            self.uninstall(c);
        }
        let ikes: Vec<IkeSaId> = self.engine.ike_sa_rows().iter().map(|r| r.id).collect();
        let mut ike = 0;
        for i in ikes {
            if self.engine.delete_ike_sa(now, i).is_ok() {
                ike += 1;
            }
        }
        // Nothing waits any more.
        self.pending.clear();
        let held = self.held.len();
        self.held.clear();
        if held > 0 {
            self.drop_packets(DropReason::NegotiationFailed, held);
        }
        self.drain(now);
        (children, ike)
    }
}

impl Gateway {
    /// A new outside address, learnt at run time (`ip address dhcp` got
    /// another lease): every SA bound to the old address is deleted (the
    /// Deletes leave from the old address, which the peer may still
    /// reach), and from now on IKE and ESP use `address`: the next inside
    /// packet (or an Easy VPN Remote's `connect auto`) negotiates from it.
    /// The embedder binds its sockets to [`Gateway::ike_endpoint`] and
    /// [`Gateway::natt_endpoint`] again. Says whether the address changed.
    pub fn set_outside_address(&mut self, now: Instant, address: Ipv4Addr) -> bool {
        if address == self.local {
            return false;
        }
        let auto = self.ezvpn.as_ref().is_some_and(|e| e.auto);
        self.shutdown(now);
        if let Some(ip) = self.options.outside_addr.as_mut() {
            *ip = address;
        }
        log::info!(
            target: &self.options.log_target,
            "outside address {} -> {address}",
            self.local
        );
        self.local = address;
        if let Some(split) = self.split.as_mut() {
            split.set_local(address);
        }
        if let Some(ez) = self.ezvpn.as_mut() {
            // shutdown() stopped `connect auto`: it resumes from the new
            // address.
            ez.auto = auto;
            ez.autostart = auto;
        }
        true
    }
}
