//! The Easy VPN Remote side (see the module docs).

use super::*;

impl Gateway {
    /// The address the Easy VPN hub assigned by Mode Config (client mode:
    /// the source of the inside packets to send), once known.
    pub fn assigned_address(&self) -> Option<Ipv4Addr> {
        self.ezvpn.as_ref()?.assigned
    }

    /// Whether this node is an Easy VPN Remote (its outside interface
    /// carries `crypto ipsec client ezvpn NAME` and no crypto map).
    pub fn is_ezvpn_client(&self) -> bool {
        self.ezvpn.is_some()
    }

    /// Connects an Easy VPN Remote to its hub (IOS's `crypto ipsec client
    /// ezvpn connect`; with `connect auto` the Gateway does it by itself at
    /// its first call). The phase 2 is negotiated for the address the hub
    /// assigns.
    ///
    /// # Errors
    /// [`GatewayError::CannotInitiate`] when this node is no Easy VPN
    /// Remote, has no `peer`, or the engine refuses.
    pub fn ezvpn_connect(&mut self, now: Instant) -> Result<Initiated, GatewayError> {
        self.now = now;
        let refuse = |reason: &str| GatewayError::CannotInitiate {
            from: Ipv4Addr::UNSPECIFIED,
            to: Ipv4Addr::UNSPECIFIED,
            reason: reason.into(),
        };
        let Some(ez) = self.ezvpn.as_mut() else {
            return Err(refuse("not an ezvpn client"));
        };
        ez.autostart = false;
        let Some(peer) = ez.peer else {
            return Err(refuse("the ezvpn client has no peer"));
        };
        if self.children.values().any(|c| *c.peer.ip() == peer) {
            return Ok(Initiated::AlreadyUp);
        }
        // Before Mode Config our inside address is not known: the engine
        // binds the Quick Mode to the assigned one.
        let info = PacketInfo {
            source: self.local,
            destination: Ipv4Addr::UNSPECIFIED,
            protocol: 0,
            source_port: None,
            destination_port: None,
        };
        let result = self.negotiate(now, peer, &info);
        self.drain(now);
        result
    }

    /// `connect auto`: the first call after construction connects, and a
    /// due retry connects again.
    pub(super) fn ezvpn_autostart(&mut self, now: Instant) {
        let due = self
            .ezvpn
            .as_ref()
            .is_some_and(|e| e.autostart || e.retry_at.is_some_and(|t| t <= now));
        if due {
            if let Some(e) = self.ezvpn.as_mut() {
                e.retry_at = None;
            }
            if let Err(e) = self.ezvpn_connect(now) {
                log::warn!(target: &self.options.log_target, "EZVPN: cannot connect: {e}");
            }
        }
    }

    /// The hub's IKE SA went or never came: forget the address and, with
    /// `connect auto`, connect again later, as IOS's Easy VPN Remote does.
    pub(super) fn ezvpn_lost(&mut self, now: Instant, peer: Ipv4Addr) {
        let hub_left = self.engine.ike_sas().iter().all(|s| *s.remote.ip() != peer);
        let Some(ez) = self.ezvpn.as_mut().filter(|e| e.peer == Some(peer)) else {
            return;
        };
        if !hub_left {
            return;
        }
        ez.assigned = None;
        if ez.auto && ez.retry_at.is_none() {
            let at = Instant::from_millis(now.as_millis() + EZVPN_RETRY_MS);
            log::info!(target: &self.options.log_target, "EZVPN: lost {peer}: connecting again in {EZVPN_RETRY_MS} ms");
            ez.retry_at = Some(at);
        }
    }
}
