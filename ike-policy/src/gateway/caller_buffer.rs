//! The caller-buffer data path, boringtun-style: [`Gateway::seal_into`]
//! writes an inside packet's ESP datagram into the caller's buffer and
//! [`Gateway::open_into`] opens an outside datagram in place, with no heap
//! allocation per packet once the tunnel is up. The queue API
//! ([`Gateway::handle_inside`], [`Gateway::handle_datagram`],
//! [`Gateway::poll_transmit`] ...) runs on top of the same two cores.
//!
//! Each packet resolves its SA once in the Gateway: the SPD's entry names
//! the SA, and its slot in the SAD holds both the SA and its route (the
//! peer, the UDP ports and the room the SA needs, as the SAD's tag), so
//! one table slot is read before the SAD seals.
//! Inbound, the SAD finds the SA by SPI and one look-up gives the
//! selectors the inner packet must match.

use super::*;

/// Bytes [`Gateway::seal_into`] may add around an inner packet, for every
/// suite the data plane has: UDP header (8), ESP header (8), IV (up to
/// 16), padding (up to 15), pad length and next header (2), ICV (up to 32).
/// An `out` of `packet.len() + SEAL_OVERHEAD` bytes is always enough.
pub const SEAL_OVERHEAD: usize = 8 + 8 + 16 + 15 + 2 + 32;

/// What [`Gateway::seal_into`] did with an inside packet.
#[derive(Debug, PartialEq, Eq)]
pub enum Outbound<'o> {
    /// Send `payload` (ESP in UDP, RFC 3948, without the UDP header: a UDP
    /// socket writes its own) from `local` to `remote`.
    Udp {
        /// Our address and NAT-T port.
        local: SocketAddrV4,
        /// The peer's address and port.
        remote: SocketAddrV4,
        /// The UDP payload, inside `out`.
        payload: &'o [u8],
    },
    /// Send `payload` as the payload of an IP protocol 50 packet.
    Esp {
        /// Outer source address.
        local: Ipv4Addr,
        /// Outer destination address.
        remote: Ipv4Addr,
        /// From the SPI to the ICV, inside `out`.
        payload: &'o [u8],
    },
    /// No crypto ACL protects the packet: route the input packet in clear
    /// (nothing was written to `out`).
    Clear,
    /// No SA yet: the packet was copied to the hold queue and IKE started
    /// (IOS's acquire); it comes out of [`Gateway::poll_transmit`] once the
    /// SA is up.
    Held,
    /// Dropped, and counted (also reported as [`GatewayEvent::Dropped`]).
    Dropped(DropReason),
    /// A split data plane ([`Gateway::split_data_plane`]): another
    /// [`DataPlaneWorker`] owns the packet's SA; nothing was sealed, hand
    /// the packet to that worker.
    Elsewhere {
        /// The worker's index.
        worker: usize,
    },
    /// `out` is shorter than the `needed` bytes; nothing was sealed (the
    /// sequence number was not used), try again with a larger buffer.
    BufferTooSmall {
        /// The size `out` must have.
        needed: usize,
    },
}

/// What [`Gateway::open_into`] did with an outside datagram.
#[derive(Debug, PartialEq, Eq)]
pub enum Inbound<'d> {
    /// ESP opened: deliver this IPv4 packet (inside the datagram) on the
    /// inside.
    Inside(&'d [u8]),
    /// IKE, handed to the engine: its replies and events are in
    /// [`Gateway::poll_transmit`] / [`Gateway::poll_event`].
    Ike,
    /// A NAT keepalive (RFC 3948 §2.3), counted and consumed.
    NatKeepalive,
    /// A dummy ESP packet (next header 59, RFC 4303 §2.6): nothing to
    /// deliver.
    Dummy,
    /// Dropped, and counted (also reported as [`GatewayEvent::Dropped`],
    /// except a NAT-T datagram too short to classify, which is counted only).
    Dropped(DropReason),
    /// A split data plane ([`Gateway::split_data_plane`]): the SPI belongs
    /// to another [`DataPlaneWorker`] (see [`worker_for_spi`]); the datagram
    /// is untouched, hand it to that worker.
    Elsewhere {
        /// The worker's index.
        worker: usize,
    },
    /// A split data plane: ESP for this worker's share of SPIs that no SA
    /// has yet. A peer's first packet can overtake its SA, whose install
    /// comes from the Gateway's thread once QM3 is processed, so the worker
    /// keeps a copy a moment: when the SA arrives the packet comes out of
    /// [`DataPlaneWorker::poll_inside`], otherwise it is refused as an
    /// unknown SPI (counted then).
    Held,
}

/// The data path's view of each installed inbound SA (the outbound SAs'
/// [`OutRoute`]s sit beside them in the SAD, as its tags).
#[derive(Debug, Default)]
pub(super) struct Routes {
    pub(super) inbound: HashMap<u32, InRoute>,
}

#[derive(Debug, Clone)]
pub(super) struct OutRoute {
    pub(super) child: ChildSaId,
    peer: Ipv4Addr,
    udp: Option<(u16, u16)>,
    /// Outer headers before the inner packet (UDP, ESP, IV: under 64
    /// bytes), in two bytes: the route sits in every outbound slot.
    headroom: u16,
    suite: Suite,
    /// A data-plane worker's copy of the SA's counters for the control
    /// side's views.
    pub(super) mirror: Option<Arc<SaMirror>>,
}

impl OutRoute {
    pub(super) fn new(
        child: ChildSaId,
        outbound: &OutboundSa,
        peer: Ipv4Addr,
        udp: Option<(u16, u16)>,
    ) -> Self {
        Self {
            child,
            peer,
            udp,
            headroom: u16::try_from(outbound.headroom()).unwrap_or(u16::MAX),
            suite: outbound.suite(),
            mirror: None,
        }
    }

    /// What `OutboundSa::tailroom` says for this suite.
    fn tailroom(&self, inner_len: usize) -> usize {
        self.suite.pad_len(inner_len) + 2 + self.suite.icv_len()
    }
}

#[derive(Debug, Clone)]
pub(super) struct InRoute {
    pub(super) child: ChildSaId,
    /// The SA's selectors as inbound packets carry them (RFC 4301 5.2);
    /// also what the log line of a packet outside them shows (the proxy
    /// identities are not kept twice).
    accepts: EspSelector,
    /// See [`OutRoute::mirror`].
    pub(super) mirror: Option<Arc<SaMirror>>,
}

impl InRoute {
    pub(super) fn new(child: ChildSaId, selectors: &Selectors) -> Self {
        Self {
            child,
            accepts: esp_selector(selectors).reversed(),
            mirror: None,
        }
    }
}

/// The SAD of a data path: each outbound SA with its route.
pub(super) type RoutedSad = Sad<OutRoute>;

/// Why [`seal_resolved`] sealed nothing.
pub(super) enum SealFail {
    /// The SA has no route here (not installed, or on another worker).
    NoRoute,
    /// The SA is past its hard lifetime (nothing counted): IKE must
    /// bring another.
    Unusable,
    /// esp-core refused (expired, out of sequence numbers ...).
    Esp(esp_core::EspError),
}

/// Seals `packet` into `out` with the outbound SA `id`, whose route sits
/// beside it in the SAD (one table slot for both): the one core of the
/// Gateway's and a worker's seal.
pub(super) fn seal_resolved(
    sad: &mut RoutedSad,
    rng: &mut ChaCha20Rng,
    local: Ipv4Addr,
    id: SaId,
    packet: &[u8],
    out: &mut [u8],
    now: Instant,
) -> Result<Routed, SealFail> {
    let Some(r) = sad.outbound_tag(id) else {
        return Err(SealFail::NoRoute);
    };
    let (head, len, peer, udp) = (usize::from(r.headroom), packet.len(), r.peer, r.udp);
    let needed = head + len + r.tailroom(len);
    let Some(buf) = out.get_mut(..needed) else {
        return Ok(Routed::BufferTooSmall(needed));
    };
    let inner = head..head + len;
    if let Some(at) = buf.get_mut(inner.clone()) {
        at.copy_from_slice(packet);
    }
    let Some(sealed) = sad.seal_if_usable(id, buf, inner, protocol::IPV4, rng, now) else {
        return Err(SealFail::Unusable);
    };
    if let (Some(m), Some(sa)) = (
        sad.outbound_tag(id).and_then(|r| r.mirror.as_ref()),
        sad.outbound(id),
    ) {
        m.publish(&sa.counters());
    }
    let range = sealed.map_err(SealFail::Esp)?;
    Ok(match udp {
        Some((local_port, remote_port)) => Routed::Udp {
            local: SocketAddrV4::new(local, local_port),
            remote: SocketAddrV4::new(peer, remote_port),
            // esp-core wrote the UDP header; a UDP socket writes its own.
            range: range.start + esp_core::wire::UDP_HEADER_LEN..range.end,
        },
        None => Routed::Esp {
            local,
            remote: peer,
            range,
        },
    })
}

/// Why [`open_resolved`] delivered nothing.
pub(super) enum OpenFail {
    /// esp-core refused (no SA for the SPI, ICV, replay ...).
    Esp(esp_core::EspError),
    /// The SPI's SA has no route (cannot happen while both are installed
    /// together).
    NoRoute,
    /// Not an IPv4 packet inside.
    Malformed,
    /// The inner packet is outside the SA's selectors.
    Outside {
        spi: u32,
        info: PacketInfo,
        accepts: EspSelector,
    },
}

impl OpenFail {
    pub(super) fn reason(&self) -> DropReason {
        match self {
            OpenFail::Esp(_) | OpenFail::NoRoute => DropReason::EspRejected,
            OpenFail::Malformed => DropReason::Malformed,
            OpenFail::Outside { .. } => DropReason::SelectorMismatch,
        }
    }

    /// The `debug crypto ipsec` line.
    pub(super) fn log(&self, target: &str, remote: Ipv4Addr) {
        match self {
            OpenFail::Esp(e) => {
                log::debug!(target: target, "IPSEC: ESP from {remote} rejected: {e}")
            }
            OpenFail::Outside { spi, info, accepts } => log::debug!(
                target: target,
                "IPSEC: packet {} -> {} on SPI 0x{spi:08X} is outside the SA's proxies \
                 (it accepts {:?}): dropped",
                info.source,
                info.destination,
                accepts
            ),
            OpenFail::NoRoute | OpenFail::Malformed => {}
        }
    }
}

/// ESP opened in place (`Ok(None)`: a dummy packet), the inner packet
/// checked against its SA's selectors: the one core of the Gateway's and a
/// worker's open.
pub(super) fn open_resolved(
    sad: &mut RoutedSad,
    routes: &Routes,
    buf: &mut [u8],
    now: Instant,
) -> Result<Option<core::ops::Range<usize>>, OpenFail> {
    let opened = sad.open(buf, now);
    let spi = match &opened {
        Ok((spi, _)) => *spi,
        Err(_) => esp_core::wire::EspPacket::new_checked(&*buf).map_or(0, |p| p.spi()),
    };
    let r = routes.inbound.get(&spi);
    if let (Some(m), Some(sa)) = (r.and_then(|r| r.mirror.as_ref()), sad.inbound(spi)) {
        m.publish(&sa.counters());
    }
    let (_, opened) = opened.map_err(OpenFail::Esp)?;
    if opened.is_dummy() {
        return Ok(None);
    }
    let Some(r) = r else {
        return Err(OpenFail::NoRoute);
    };
    if opened.next_header != protocol::IPV4 {
        return Err(OpenFail::Malformed);
    }
    let Some(Ok(info)) = buf.get(opened.inner.clone()).map(PacketInfo::from_ipv4) else {
        return Err(OpenFail::Malformed);
    };
    // RFC 4301 5.2: what an SA delivers must be what it was negotiated for.
    if !r.accepts.matches(&info) {
        return Err(OpenFail::Outside {
            spi,
            info,
            accepts: r.accepts,
        });
    }
    Ok(Some(opened.inner))
}

/// [`Outbound`] with ranges of the buffer instead of borrows.
pub(super) enum Routed {
    Udp {
        local: SocketAddrV4,
        remote: SocketAddrV4,
        range: core::ops::Range<usize>,
    },
    Esp {
        local: Ipv4Addr,
        remote: Ipv4Addr,
        range: core::ops::Range<usize>,
    },
    Clear,
    Held,
    Elsewhere(usize),
    Dropped(DropReason),
    BufferTooSmall(usize),
}

/// [`Inbound`] of ESP with a range of the buffer instead of a borrow.
pub(super) enum OpenedIn {
    Inside(core::ops::Range<usize>),
    Dummy,
    Elsewhere(usize),
    /// Kept by a worker until its SA's install arrives.
    Held,
    Dropped(DropReason),
}

impl Routed {
    /// The queue API's transmit, the datagram kept in `buf` (the buffer
    /// sealed into); what does not leave as one (`Elsewhere`, `Held`,
    /// `Dropped`, `BufferTooSmall`) is handed back.
    pub(super) fn into_transmit(self, buf: Vec<u8>, packet: &[u8]) -> Result<Transmit, Routed> {
        match self {
            Routed::Udp {
                local,
                remote,
                range,
            } => Ok(Transmit::Udp {
                local,
                remote,
                payload: keep_range(buf, range),
            }),
            Routed::Esp {
                local,
                remote,
                range,
            } => Ok(Transmit::Esp {
                local,
                remote,
                payload: keep_range(buf, range),
            }),
            Routed::Clear => Ok(Transmit::Clear {
                packet: packet.to_vec(),
            }),
            other => Err(other),
        }
    }

    /// What the caller is told, the datagram borrowed from `out`.
    pub(super) fn into_outbound(self, out: &[u8]) -> Outbound<'_> {
        match self {
            Routed::Udp {
                local,
                remote,
                range,
            } => Outbound::Udp {
                local,
                remote,
                payload: out.get(range).unwrap_or_default(),
            },
            Routed::Esp {
                local,
                remote,
                range,
            } => Outbound::Esp {
                local,
                remote,
                payload: out.get(range).unwrap_or_default(),
            },
            Routed::Clear => Outbound::Clear,
            Routed::Held => Outbound::Held,
            Routed::Elsewhere(worker) => Outbound::Elsewhere { worker },
            Routed::Dropped(r) => Outbound::Dropped(r),
            Routed::BufferTooSmall(needed) => Outbound::BufferTooSmall { needed },
        }
    }
}

impl Gateway {
    /// Routes an IPv4 packet from the inside into `out`: sealed into an ESP
    /// datagram when an SA covers it, otherwise [`Outbound::Clear`],
    /// [`Outbound::Held`] or [`Outbound::Dropped`]. `out` needs
    /// `packet.len() +` [`SEAL_OVERHEAD`] bytes at most. No heap allocation
    /// once the SA is up. Drain [`Gateway::poll_transmit`] and
    /// [`Gateway::poll_event`] afterwards as after any input: a packet
    /// that crosses a soft lifetime starts a rekey, whose IKE comes out
    /// there.
    pub fn seal_into<'o>(
        &mut self,
        now: Instant,
        packet: &[u8],
        out: &'o mut [u8],
    ) -> Outbound<'o> {
        self.now = now;
        self.ezvpn_autostart(now);
        let routed = self.route(now, packet, out);
        if matches!(routed, Routed::Held) {
            // IKE started: its first message is in the engine.
            self.drain(now);
        } else {
            self.settle(now);
        }
        routed.into_outbound(out)
    }

    /// A UDP datagram received on `local` (the IKE or the NAT-T port) from
    /// `remote`, in [`Gateway::handle_datagram`]'s order, opened in place:
    /// ESP in UDP gives the inner packet inside `datagram`
    /// ([`Inbound::Inside`]), IKE goes to the engine. No heap allocation for
    /// ESP once the SA is up. Drain the queue outputs afterwards as after
    /// any input.
    pub fn open_into<'d>(
        &mut self,
        now: Instant,
        local: SocketAddrV4,
        remote: SocketAddrV4,
        datagram: &'d mut [u8],
    ) -> Inbound<'d> {
        self.now = now;
        self.ezvpn_autostart(now);
        if local.port() == self.options.natt_port {
            match UdpEncapPayload::classify(datagram) {
                Ok(UdpEncapPayload::NatKeepalive) => {
                    self.counters.nat_keepalives += 1;
                    return Inbound::NatKeepalive;
                }
                Ok(UdpEncapPayload::Esp(_)) => {
                    return self.open_esp_into(now, *remote.ip(), datagram);
                }
                Ok(UdpEncapPayload::Ike(_)) => {}
                Err(e) => {
                    log::debug!(target: &self.options.log_target, "dropping datagram from {remote} on the NAT-T port: {e}");
                    self.counters.malformed += 1;
                    return Inbound::Dropped(DropReason::Malformed);
                }
            }
        }
        self.counters.ike_datagrams += 1;
        let local = SocketAddrV4::new(self.local, local.port());
        self.engine.handle_datagram(now, local, remote, datagram);
        self.drain(now);
        Inbound::Ike
    }

    /// The payload of a raw ESP packet (IP protocol 50, from the SPI on)
    /// from `remote`, opened in place; see [`Gateway::open_into`].
    pub fn open_esp_into<'d>(
        &mut self,
        now: Instant,
        remote: Ipv4Addr,
        esp: &'d mut [u8],
    ) -> Inbound<'d> {
        self.now = now;
        let opened = self.open_in_place(now, remote, esp);
        self.settle(now);
        match opened {
            OpenedIn::Inside(range) => Inbound::Inside(esp.get(range).unwrap_or_default()),
            OpenedIn::Dummy => Inbound::Dummy,
            OpenedIn::Elsewhere(worker) => Inbound::Elsewhere { worker },
            OpenedIn::Held => Inbound::Held,
            OpenedIn::Dropped(r) => Inbound::Dropped(r),
        }
    }

    /// Hands the SAD's lifetime events (a seal or open crossed a limit) to
    /// the control path; drains the engine only when there were any, so a
    /// quiet packet costs one empty poll.
    fn settle(&mut self, now: Instant) {
        let mut any = false;
        while let Some((sa, ev)) = self.sad.poll_event() {
            any = true;
            self.on_lifetime_event(now, sa, ev);
        }
        if any | self.drain_workers(now) {
            self.drain(now);
        }
    }

    /// The SPD's verdict on an inside packet, carried out into `out`.
    pub(super) fn route(&mut self, now: Instant, packet: &[u8], out: &mut [u8]) -> Routed {
        let info = match PacketInfo::from_ipv4(packet) {
            Ok(i) => i,
            Err(e) => {
                log::debug!(target: &self.options.log_target, "dropping inside packet: {e}");
                return self.dropped(DropReason::Malformed);
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
                return self.dropped(DropReason::PolicyDiscard);
            }
        }
        if self.split.is_none() {
            // The common case in one look-up of each table: the SPD's
            // entry names the SA, the SAD checks and seals it.
            if let Some(PolicyEntry {
                action: PolicyAction::Protect { sa: Some(id) },
                ..
            }) = self.spd.lookup(&info)
            {
                if let Some(routed) = self.seal_with(now, *id, packet, out) {
                    return routed;
                }
            }
        }
        match self.decide(&info) {
            Decision::Protect(id) => match self.owner_of_sa(id) {
                Some(worker) => Routed::Elsewhere(worker),
                None => self
                    .seal_with(now, id, packet, out)
                    .unwrap_or_else(|| self.dropped(DropReason::SealFailed)),
            },
            Decision::Bypass => {
                self.counters.clear += 1;
                Routed::Clear
            }
            Decision::Discard => self.dropped(DropReason::PolicyDiscard),
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
                    return self.dropped(DropReason::NegotiationFailed);
                };
                match self.acquire(now, peer, &info, packet.to_vec()) {
                    Ok(()) => Routed::Held,
                    Err(reason) => Routed::Dropped(reason),
                }
            }
        }
    }

    /// The SPD's decision, the SA checked where it lives (the SAD, or a
    /// worker's mirror when split).
    pub(super) fn decide(&self, info: &PacketInfo) -> Decision {
        if self.split.is_none() {
            return self.spd.decide(info, &self.sad);
        }
        match self.spd.lookup(info) {
            None => match self.spd.fallback() {
                Fallback::Bypass => Decision::Bypass,
                Fallback::Discard => Decision::Discard,
            },
            Some(entry) => match entry.action {
                PolicyAction::Bypass => Decision::Bypass,
                PolicyAction::Discard => Decision::Discard,
                PolicyAction::Protect { sa: Some(id) } if self.usable_outbound(id) => {
                    Decision::Protect(id)
                }
                PolicyAction::Protect { .. } => Decision::Acquire(esp_core::spd::Acquire {
                    policy: entry.id,
                    selector: entry.selector,
                    packet: *info,
                }),
            },
        }
    }

    fn dropped(&mut self, reason: DropReason) -> Routed {
        self.drop_packets(reason, 1);
        Routed::Dropped(reason)
    }

    /// Seals `packet` with the outbound SA `id` into `out`; `None` when
    /// the SA is not installed or no longer sends (the SPD's decision then
    /// acquires).
    fn seal_with(
        &mut self,
        now: Instant,
        id: SaId,
        packet: &[u8],
        out: &mut [u8],
    ) -> Option<Routed> {
        let (sad, rng) = (&mut self.sad, &mut self.rng);
        Some(
            match seal_resolved(sad, rng, self.local, id, packet, out, now) {
                Ok(routed) => {
                    if !matches!(routed, Routed::BufferTooSmall(_)) {
                        self.counters.sealed += 1;
                    }
                    routed
                }
                Err(SealFail::Unusable | SealFail::NoRoute) => return None,
                Err(SealFail::Esp(e)) => {
                    if self.debugging.ipsec {
                        log::debug!(target: &self.options.log_target, "IPSEC: seal with SA {id:?} failed: {e}");
                    }
                    self.dropped(DropReason::SealFailed)
                }
            },
        )
    }

    /// Opens ESP from `remote` in place and checks the inner packet against
    /// its SA's selectors.
    pub(super) fn open_in_place(
        &mut self,
        now: Instant,
        remote: Ipv4Addr,
        buf: &mut [u8],
    ) -> OpenedIn {
        if let Some(split) = &self.split {
            return match esp_worker(buf, split.workers()) {
                Some(w) => OpenedIn::Elsewhere(w),
                None => self.dropped_in(DropReason::Malformed),
            };
        }
        match open_resolved(&mut self.sad, &self.routes, buf, now) {
            Ok(Some(inner)) => {
                self.counters.delivered += 1;
                OpenedIn::Inside(inner)
            }
            Ok(None) => OpenedIn::Dummy,
            Err(fail) => {
                let reason = fail.reason();
                if self.debugging.ipsec {
                    fail.log(&self.options.log_target, remote);
                }
                self.dropped_in(reason)
            }
        }
    }

    fn dropped_in(&mut self, reason: DropReason) -> OpenedIn {
        self.drop_packets(reason, 1);
        OpenedIn::Dropped(reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cached_room_is_what_the_sa_says_and_seal_overhead_bounds_it() {
        for suite in Suite::all() {
            for udp in [false, true] {
                let enc: Vec<u8> = (0..suite.encryption().key_len() as u8)
                    .map(|i| i * 3 + 1)
                    .collect();
                let integ = vec![9u8; suite.integrity().key_len()];
                let mut params = SaParams::new(0x100, suite);
                if udp {
                    params = params.with_udp_encapsulation(4500, 4500);
                }
                let sa = OutboundSa::new(&params, &KeyMaterial::new(&enc, &integ), Instant::ZERO)
                    .unwrap();
                let r = &OutRoute::new(ChildSaId(1), &sa, Ipv4Addr::LOCALHOST, None);
                assert_eq!(usize::from(r.headroom), sa.headroom(), "{suite}");
                for len in 0..=64 {
                    assert_eq!(r.tailroom(len), sa.tailroom(len), "{suite} {len}");
                    assert!(sa.overhead(len) <= SEAL_OVERHEAD, "{suite} {len}");
                }
            }
        }
    }

    #[test]
    fn a_range_that_is_a_prefix_becomes_the_prefix() {
        let a = |s: &str| s.parse::<Ipv4Addr>().unwrap();
        let cases = [
            ("10.2.0.0", "10.2.255.255", Some(("10.2.0.0", 16))),
            ("10.1.1.7", "10.1.1.7", Some(("10.1.1.7", 32))),
            ("128.0.0.0", "255.255.255.255", Some(("128.0.0.0", 1))),
            ("10.0.0.1", "10.0.0.6", None),
            ("10.0.0.2", "10.0.0.5", None),
            ("10.0.0.4", "10.0.0.3", None),
        ];
        for (first, last, prefix) in cases {
            let got = range_as_prefix(a(first), a(last));
            let want = prefix.map(|(p, l)| EspAddress::prefix(a(p), l).unwrap());
            assert_eq!(got, want, "{first}-{last}");
            // Same addresses either way, at and around the ends.
            if let Some(p) = got {
                let r = EspAddress::range(a(first), a(last)).unwrap();
                for x in [a(first), a(last)] {
                    for d in [-1i64, 0, 1] {
                        let y = Ipv4Addr::from(
                            (i64::from(u32::from(x)) + d).clamp(0, u32::MAX.into()) as u32,
                        );
                        assert_eq!(p.matches(y), r.matches(y), "{first}-{last} at {y}");
                    }
                }
            }
        }
        // The SPD form of a negotiated subnet is the indexed prefix.
        let (addr, _) = esp_side(&TrafficSelector::subnet(a("10.2.0.0"), 16));
        assert_eq!(addr, EspAddress::prefix(a("10.2.0.0"), 16).unwrap());
    }
}
