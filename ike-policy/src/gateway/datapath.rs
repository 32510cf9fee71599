//! The data path: inside packets out through the SPD and SAD, ESP in.

use super::*;

impl Gateway {
    // ----- the data path -------------------------------------------------

    /// The queue API's way out: [`Gateway::route`] into a buffer of its
    /// own, kept as the transmit (one allocation per packet; the
    /// caller-buffer path, [`Gateway::seal_into`], has none).
    pub(super) fn route_out(&mut self, now: Instant, packet: &[u8]) {
        let mut buf = vec![0u8; packet.len() + SEAL_OVERHEAD];
        let t = match self.route(now, packet, &mut buf).into_transmit(buf, packet) {
            Ok(t) => t,
            Err(Routed::Elsewhere(worker)) => {
                if let Some(split) = self.split.as_mut() {
                    split.seal_on(worker, packet);
                }
                return;
            }
            // SEAL_OVERHEAD always suffices.
            Err(Routed::BufferTooSmall(_)) => return self.drop_packets(DropReason::SealFailed, 1),
            Err(_) => return,
        };
        self.transmits.push_back(t);
    }

    pub(super) fn acquire(
        &mut self,
        now: Instant,
        peer: Ipv4Addr,
        info: &PacketInfo,
        packet: Vec<u8>,
    ) -> Result<(), DropReason> {
        if self.held.len() >= self.options.hold_queue_limit {
            self.drop_packets(DropReason::HoldQueueFull, 1);
            return Err(DropReason::HoldQueueFull);
        }
        if let Err(e) = self.negotiate(now, peer, info) {
            if self.debugging.ipsec {
                log::debug!(target: &self.options.log_target, "IPSEC: {e}");
            }
            self.drop_packets(DropReason::NegotiationFailed, 1);
            return Err(DropReason::NegotiationFailed);
        }
        self.counters.held += 1;
        self.held.push_back(Held { peer, packet });
        Ok(())
    }

    /// Starts IKE towards `peer` for traffic like `info`, unless a
    /// negotiation with that peer is already pending.
    pub(super) fn negotiate(
        &mut self,
        now: Instant,
        peer: Ipv4Addr,
        info: &PacketInfo,
    ) -> Result<Initiated, GatewayError> {
        if self.pending.contains(&peer) {
            return Ok(Initiated::Pending(peer));
        }
        // Host selectors: the policy widens them to the crypto ACL line
        // that matched, as IOS proposes the ACL's proxy identities.
        let selectors = Selectors {
            local: TrafficSelector::host(info.source),
            remote: TrafficSelector::host(info.destination),
        };
        if self.debugging.ipsec {
            log::debug!(
                target: &self.options.log_target,
                "IPSEC(sa_request): acquire from {} to {} for {} -> {}",
                self.local,
                peer,
                info.source,
                info.destination
            );
        }
        let local = SocketAddrV4::new(self.local, self.options.ike_port);
        let remote = SocketAddrV4::new(peer, self.options.ike_port);
        match self.engine.initiate(now, local, remote, selectors) {
            Ok(_) => {
                self.pending.push(peer);
                Ok(Initiated::Started(peer))
            }
            Err(e) => Err(GatewayError::CannotInitiate {
                from: info.source,
                to: info.destination,
                reason: format!("no SA can be negotiated with {peer}: {e}"),
            }),
        }
    }

    /// The queue API's way in for ESP: a copy opened in place, its inner
    /// packet kept for [`Gateway::poll_inside`].
    pub(super) fn open_esp(&mut self, now: Instant, remote: Ipv4Addr, esp: &[u8]) {
        if let Some(split) = self.split.as_mut() {
            match esp_worker(esp, split.workers()) {
                Some(w) => split.open_on(w, remote, esp),
                None => self.drop_packets(DropReason::Malformed, 1),
            }
            return;
        }
        let mut buf = esp.to_vec();
        if let OpenedIn::Inside(range) = self.open_in_place(now, remote, &mut buf) {
            self.inside.push_back(keep_range(buf, range));
        }
    }

    pub(super) fn drop_packets(&mut self, reason: DropReason, packets: usize) {
        let n = packets as u64;
        let c = &mut self.counters;
        match reason {
            DropReason::Malformed => c.malformed += n,
            DropReason::PolicyDiscard => c.policy_discards += n,
            DropReason::HoldQueueFull => c.hold_queue_full += n,
            DropReason::NegotiationFailed => c.negotiation_failed += n,
            DropReason::EspRejected => c.esp_rejected += n,
            DropReason::SelectorMismatch => c.selector_mismatch += n,
            DropReason::SealFailed => c.seal_failed += n,
        }
        self.events
            .push_back(GatewayEvent::Dropped { reason, packets });
    }
}
