//! The control path: the engine's and the SAD's events.

use super::*;

impl Gateway {
    // ----- the control path ----------------------------------------------

    /// Drains the engine and the SAD until both are quiet.
    pub(super) fn drain(&mut self, now: Instant) {
        loop {
            let mut busy = false;
            while let Some(d) = self.engine.poll_transmit() {
                busy = true;
                self.transmits.push_back(Transmit::Udp {
                    local: d.local,
                    remote: d.remote,
                    payload: d.payload,
                });
            }
            while let Some(mut ev) = self.engine.poll_event() {
                busy = true;
                if let Event::IkeSaKeys(keys) = &ev {
                    // The key goes no further than its key-log line.
                    self.events
                        .push_back(GatewayEvent::KeyLog(KeyLogLine::ikev1(keys)));
                    continue;
                }
                // An `Event::Log` only comes under `log_events` (else the
                // engine wrote it under our target), and only if `debug
                // crypto isakmp|ipsec` let it through.
                self.on_engine_event(now, &mut ev);
                self.events.push_back(GatewayEvent::Engine(ev));
            }
            while let Some((sa, ev)) = self.sad.poll_event() {
                busy = true;
                self.on_lifetime_event(now, sa, ev);
            }
            busy |= self.drain_workers(now);
            busy |= self.probe_holders(now);
            if !busy {
                break;
            }
        }
    }

    /// Quick Mode refused a claim on a flow another peer holds: probe the
    /// holders now (DPD), so a dead one gives the flow up within seconds.
    pub(super) fn probe_holders(&mut self, now: Instant) -> bool {
        let probes = self.flows().take_probes();
        for ike_sa in &probes {
            match self.engine.probe_peer(now, *ike_sa) {
                Ok(()) => {
                    self.counters.holder_probes += 1;
                    log::debug!(target: &self.options.log_target, "IPSEC: flow claimed by another peer: probing {ike_sa:?}");
                }
                // A peer without DPD cannot be probed: it keeps its flows
                // until its SAs go.
                Err(e) => {
                    log::debug!(target: &self.options.log_target, "IPSEC: holder {ike_sa:?} not probed: {e}")
                }
            }
        }
        !probes.is_empty()
    }

    pub(super) fn flows(&self) -> std::sync::MutexGuard<'_, FlowOwners> {
        self.flows.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(super) fn on_engine_event(&mut self, now: Instant, ev: &mut Event) {
        match ev {
            Event::XauthRequest {
                ike_sa,
                remote,
                user,
                ..
            } => {
                self.deferred_xauth
                    .insert(*ike_sa, (*remote.ip(), user.clone()));
            }
            Event::XauthCredentialsRequest { ike_sa, .. } => {
                self.xauth_asked.push(*ike_sa);
            }
            Event::XauthDone { ike_sa, .. } => self.xauth_asked.retain(|i| i != ike_sa),
            Event::IkeSaDown { ike_sa, remote, .. } => {
                self.xauth_asked.retain(|i| i != ike_sa);
                self.deferred_xauth.remove(ike_sa);
                self.ezvpn_lost(now, *remote.ip());
            }
            Event::IkeSaFailed { ike_sa, remote, .. } => {
                self.deferred_xauth.remove(ike_sa);
                self.fail_peer(*remote.ip());
                self.ezvpn_lost(now, *remote.ip());
            }
            Event::ChildSaUp { sa: c, keys } => {
                // The keys stop here: they go into the SAD, not on to
                // the embedder.
                let keys = std::mem::take(keys);
                if self.install(now, c, &keys) {
                    self.flush(now, *c.remote.ip());
                } else {
                    // Routing them again would only negotiate the same
                    // unusable SA again.
                    self.fail_peer(*c.remote.ip());
                }
            }
            Event::ConfigAssigned {
                address,
                server: false,
                ..
            } => {
                if let Some(ez) = self.ezvpn.as_mut() {
                    log::info!(target: &self.options.log_target, "EZVPN: Mode Config address {address}");
                    ez.assigned = Some(*address);
                }
            }
            Event::ChildSaRekeyed { new, keys, .. } => {
                let keys = std::mem::take(keys);
                self.install(now, new, &keys);
            }
            Event::ChildSaDown { child, .. } => self.uninstall(*child),
            Event::ChildSaFailed { remote, .. } => self.fail_peer(*remote.ip()),
            Event::PeerAddressChanged { old, new, .. } => {
                // The NAT in front of the peer remapped it: send there.
                // The flow table knows the peer's child SAs: no walk
                // over every tunnel.
                let moved = self.flows().moved(*old, *new);
                for id in &moved {
                    let Some(c) = self.children.get_mut(id) else {
                        continue;
                    };
                    if c.peer == *old {
                        c.peer = *new;
                        if let Some((_, remote)) = &mut c.udp {
                            *remote = new.port();
                        }
                    }
                }
            }
            _ => {}
        }
    }

    pub(super) fn on_lifetime_event(&mut self, now: Instant, sa: SaRef, ev: LifetimeEvent) {
        let child = match sa {
            SaRef::Inbound(spi) => self.by_spi_in.get(&spi).copied(),
            SaRef::Outbound(id) => self.by_sa_id.get(&id).copied(),
        };
        if let Some(child) = child {
            self.on_child_lifetime(now, child, ev);
        }
    }

    /// A lifetime limit of one of `child`'s SAs passed: rekey (soft) or
    /// delete (hard).
    pub(super) fn on_child_lifetime(&mut self, now: Instant, child: ChildSaId, ev: LifetimeEvent) {
        if !self.children.contains_key(&child) {
            // Reported by a worker for a pair removed since.
            return;
        }
        match ev {
            LifetimeEvent::SoftExpired(cause) => {
                log::debug!(target: &self.options.log_target, "IPSEC: SA {child:?} soft lifetime ({cause:?}): rekeying");
                if let Err(e) = self.engine.rekey_child_sa(now, child) {
                    log::debug!(target: &self.options.log_target, "IPSEC: rekey of {child:?} refused: {e}");
                }
            }
            LifetimeEvent::HardExpired(cause) => {
                log::debug!(target: &self.options.log_target, "IPSEC: SA {child:?} hard lifetime ({cause:?}): deleting");
                if self.engine.delete_child_sa(now, child).is_err() {
                    self.uninstall(child);
                }
            }
        }
    }

    /// IKE gave up on `peer`: drop what waited for it.
    pub(super) fn fail_peer(&mut self, peer: Ipv4Addr) {
        self.pending.retain(|p| *p != peer);
        let before = self.held.len();
        self.held.retain(|h| h.peer != peer);
        let dropped = before - self.held.len();
        if dropped > 0 {
            log::debug!(target: &self.options.log_target, "IPSEC: negotiation with {peer} failed: {dropped} held packets dropped");
            self.drop_packets(DropReason::NegotiationFailed, dropped);
        }
    }

    /// An SA towards `peer` came up: route what waited for it again.
    pub(super) fn flush(&mut self, now: Instant, peer: Ipv4Addr) {
        self.pending.retain(|p| *p != peer);
        let (mine, rest): (VecDeque<Held>, VecDeque<Held>) =
            self.held.drain(..).partition(|h| h.peer == peer);
        self.held = rest;
        for h in mine {
            self.route_out(now, &h.packet);
        }
    }
}
