//! The operator's and embedder's commands on a running Gateway.

use super::*;

impl Gateway {
    // ----- commands ----------------------------------------------------

    /// The local users `aaa local authentication attempts max-fail`
    /// locked, by name, with when (`show aaa local user lockout`).
    pub fn aaa_local_user_lockout(&self) -> Vec<(String, Instant)> {
        self.policy
            .xauth_guard()
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .locked_users()
    }

    /// `clear aaa local user lockout username NAME` (`Some(NAME)`) or
    /// `all` (`None`): the users may log in again; says how many were
    /// locked.
    pub fn clear_aaa_local_user_lockout(&mut self, user: Option<&str>) -> usize {
        self.policy
            .xauth_guard()
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear_lockout(user)
    }

    /// Clears every SA with `peer`, IPsec and IKE (IOS `clear crypto
    /// session remote A`): a Delete for each child SA and for the IKE SA
    /// goes to the peer. IOS's `clear crypto sa peer A`, which keeps the
    /// IKE SA, is [`Gateway::exec`]'s.
    pub fn clear_peer(&mut self, now: Instant, peer: Ipv4Addr) {
        self.now = now;
        // Both by index: one peer's SAs, however many tunnels the hub has.
        let kids = self.flows().held_by(peer);
        for c in kids {
            let _ = self.engine.delete_child_sa(now, c);
        }
        for i in self.engine.established_with(peer) {
            let _ = self.engine.delete_ike_sa(now, i);
        }
        self.drain(now);
    }

    /// The verdict on a deferred Xauth check, the answer to
    /// `GatewayEvent::Engine(Event::XauthRequest)` (the configuration's
    /// `client authentication list` is not local, e.g. `group radius`, so
    /// the embedder asks its AAA server, possibly long after the client's
    /// REPLY). `ok` sends XAUTH_STATUS OK and Mode Config follows; else
    /// FAIL, and after the last attempt the IKE SA is deleted.
    ///
    /// # Errors
    /// The engine's [`CommandError::UnknownSa`] (the SA went away
    /// meanwhile) or [`CommandError::NoXauthPending`] (no verdict awaited).
    pub fn xauth_verdict(
        &mut self,
        now: Instant,
        ike_sa: IkeSaId,
        ok: bool,
    ) -> Result<(), CommandError> {
        self.now = now;
        let result = self.engine.xauth_verdict(now, ike_sa, ok);
        // The AAA server's verdict counts for the per-source back-off as
        // a local one does ([`crate::lockout`]).
        if let (Ok(()), Some((peer, user))) = (&result, self.deferred_xauth.remove(&ike_sa)) {
            let guard = self.policy.xauth_guard();
            let mut guard = guard.lock().unwrap_or_else(|e| e.into_inner());
            if ok {
                guard.succeeded(&user, peer);
            } else {
                guard.failed(None, None, peer, now);
            }
        }
        self.drain(now);
        result
    }

    /// As the Xauth client, the user name and password to answer
    /// `GatewayEvent::Engine(Event::XauthCredentialsRequest)` with (the
    /// configuration holds no Xauth credentials of its own).
    ///
    /// # Errors
    /// The engine's [`CommandError::UnknownSa`] or
    /// [`CommandError::NoXauthPending`] (no credentials awaited).
    pub fn provide_xauth_credentials(
        &mut self,
        now: Instant,
        ike_sa: IkeSaId,
        user: impl Into<String>,
        password: XauthPassword,
    ) -> Result<(), CommandError> {
        self.now = now;
        let credentials = XauthCredentials {
            user: user.into(),
            password,
        };
        let result = self
            .engine
            .provide_xauth_credentials(now, ike_sa, credentials);
        self.drain(now);
        result
    }

    /// Brings up the SA that would protect traffic from `source` (inside)
    /// to `destination`, without waiting for a packet: what an inside
    /// packet matching a static crypto map entry does, minus the packet.
    ///
    /// # Errors
    /// [`GatewayError::NotProtected`] when no crypto map entry's ACL covers
    /// the pair; [`GatewayError::CannotInitiate`] when the entry has no
    /// `set peer` (a dynamic map entry waits for its peer) or the engine
    /// refuses.
    pub fn initiate(
        &mut self,
        now: Instant,
        source: Ipv4Addr,
        destination: Ipv4Addr,
    ) -> Result<Initiated, GatewayError> {
        self.now = now;
        let info = PacketInfo {
            source,
            destination,
            protocol: 0,
            source_port: None,
            destination_port: None,
        };
        let result = match self.decide(&info) {
            Decision::Protect(_) => Ok(Initiated::AlreadyUp),
            Decision::Bypass | Decision::Discard => Err(GatewayError::NotProtected {
                from: source,
                to: destination,
            }),
            Decision::Acquire(acquire) => {
                match self.statics.get(&acquire.policy).and_then(|e| e.peer) {
                    Some(peer) => self.negotiate(now, peer, &info),
                    None => Err(GatewayError::CannotInitiate {
                        from: source,
                        to: destination,
                        reason: "the crypto map entry has no peer".into(),
                    }),
                }
            }
        };
        self.drain(now);
        result
    }
}
