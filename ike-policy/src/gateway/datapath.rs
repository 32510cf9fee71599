//! The data path: inside packets out through the SPD and SAD, ESP in.

use super::*;

impl Gateway {
    // ----- the data path -------------------------------------------------

    /// Borrows the packet: only a packet that is held or passed in clear
    /// is copied, a sealed one goes straight into its ESP buffer.
    pub(super) fn route_out(&mut self, now: Instant, packet: &[u8]) {
        let info = match PacketInfo::from_ipv4(packet) {
            Ok(i) => i,
            Err(e) => {
                log::debug!(target: &self.options.log_target, "dropping inside packet: {e}");
                self.drop_packets(DropReason::Malformed, 1);
                return;
            }
        };
        if let Some(EzvpnState {
            client_mode: true,
            assigned: Some(a),
            ..
        }) = self.ezvpn
        {
            // Client mode carries the assigned address's own traffic only
            // (IOS would translate the inside network to it; we do not).
            if info.source != a {
                log::debug!(
                    target: &self.options.log_target,
                    "EZVPN: packet from {} is not from the assigned {a}: dropped",
                    info.source
                );
                self.drop_packets(DropReason::PolicyDiscard, 1);
                return;
            }
        }
        match self.spd.decide(&info, &self.sad) {
            Decision::Protect(id) => self.seal_and_send(now, id, packet),
            Decision::Bypass => {
                self.counters.clear += 1;
                self.transmits.push_back(Transmit::Clear {
                    packet: packet.to_vec(),
                });
            }
            Decision::Discard => self.drop_packets(DropReason::PolicyDiscard, 1),
            Decision::Acquire(acquire) => {
                let peer = match self.statics.get(&acquire.policy) {
                    Some(s) => s.peer,
                    // A negotiated SA's entry whose SA is gone: ask its peer.
                    None => self
                        .children
                        .values()
                        .find(|c| c.policy == acquire.policy)
                        .map(|c| *c.peer.ip()),
                };
                let Some(peer) = peer else {
                    log::debug!(target: &self.options.log_target, "crypto map entry without set peer: packet dropped");
                    self.drop_packets(DropReason::NegotiationFailed, 1);
                    return;
                };
                self.acquire(now, peer, &info, packet.to_vec());
            }
        }
    }

    pub(super) fn acquire(
        &mut self,
        now: Instant,
        peer: Ipv4Addr,
        info: &PacketInfo,
        packet: Vec<u8>,
    ) {
        if self.held.len() >= self.options.hold_queue_limit {
            self.drop_packets(DropReason::HoldQueueFull, 1);
            return;
        }
        if let Err(e) = self.negotiate(now, peer, info) {
            if self.debugging.ipsec {
                log::debug!(target: &self.options.log_target, "IPSEC: {e}");
            }
            self.drop_packets(DropReason::NegotiationFailed, 1);
            return;
        }
        self.counters.held += 1;
        self.held.push_back(Held { peer, packet });
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

    pub(super) fn seal_and_send(&mut self, now: Instant, id: SaId, packet: &[u8]) {
        let Some(child) = self.by_sa_id.get(&id).and_then(|c| self.children.get(c)) else {
            self.drop_packets(DropReason::SealFailed, 1);
            return;
        };
        let (peer, udp) = (child.peer, child.udp);
        let Some(sa) = self.sad.outbound(id) else {
            self.drop_packets(DropReason::SealFailed, 1);
            return;
        };
        let head = sa.headroom();
        let len = packet.len();
        let mut buf = vec![0u8; head + len + sa.tailroom(len)];
        buf[head..head + len].copy_from_slice(packet);
        match self.sad.seal(
            id,
            &mut buf,
            head..head + len,
            protocol::IPV4,
            &mut self.rng,
            now,
        ) {
            Ok(out) => {
                self.counters.sealed += 1;
                let t = match udp {
                    Some((local_port, remote_port)) => Transmit::Udp {
                        local: SocketAddrV4::new(self.local, local_port),
                        remote: SocketAddrV4::new(*peer.ip(), remote_port),
                        // esp-core wrote the UDP header; a UDP socket
                        // writes its own.
                        payload: keep_range(
                            buf,
                            out.start + esp_core::wire::UDP_HEADER_LEN..out.end,
                        ),
                    },
                    None => Transmit::Esp {
                        local: self.local,
                        remote: *peer.ip(),
                        payload: keep_range(buf, out),
                    },
                };
                self.transmits.push_back(t);
            }
            Err(e) => {
                if self.debugging.ipsec {
                    log::debug!(target: &self.options.log_target, "IPSEC: seal with SA {id:?} failed: {e}");
                }
                self.drop_packets(DropReason::SealFailed, 1);
            }
        }
    }

    pub(super) fn open_esp(&mut self, now: Instant, remote: Ipv4Addr, esp: &[u8]) {
        let mut buf = esp.to_vec();
        let (spi, opened) = match self.sad.open(&mut buf, now) {
            Ok(x) => x,
            Err(e) => {
                if self.debugging.ipsec {
                    log::debug!(target: &self.options.log_target, "IPSEC: ESP from {remote} rejected: {e}");
                }
                self.drop_packets(DropReason::EspRejected, 1);
                return;
            }
        };
        if opened.is_dummy() {
            return;
        }
        let Some(child) = self.by_spi_in.get(&spi).and_then(|c| self.children.get(c)) else {
            self.drop_packets(DropReason::EspRejected, 1);
            return;
        };
        let inner = buf.get(opened.inner.clone()).unwrap_or_default();
        if opened.next_header != protocol::IPV4 {
            self.drop_packets(DropReason::Malformed, 1);
            return;
        }
        let Ok(info) = PacketInfo::from_ipv4(inner) else {
            self.drop_packets(DropReason::Malformed, 1);
            return;
        };
        // RFC 4301 5.2: what an SA delivers must be what it was
        // negotiated for.
        if !esp_selector(&child.selectors).reversed().matches(&info) {
            if self.debugging.ipsec {
                log::debug!(
                    target: &self.options.log_target,
                    "IPSEC: packet {} -> {} on SPI 0x{spi:08X} is outside the SA's proxies {:?}: dropped",
                    info.source,
                    info.destination,
                    child.selectors
                );
            }
            self.drop_packets(DropReason::SelectorMismatch, 1);
            return;
        }
        self.counters.delivered += 1;
        self.inside.push_back(keep_range(buf, opened.inner));
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
