//! [`DataPlaneWorker`]: one shard of a split hub's ESP SAs, sealing and
//! opening on its own thread (see [`super::plane`]).

use super::caller_buffer::{OpenFail, RoutedSad, SealFail, open_resolved, seal_resolved};
use super::early_esp::{Early, EarlyEsp};
use super::plane::{Command, Report, WorkerLink, bump, worker_for_spi};
use super::*;

/// One data-plane thread's share of a hub: the SA pairs whose inbound SPI
/// maps to it ([`super::plane::worker_for_spi`]), a replica of the SPD, and
/// the caller-buffer data path over them. Made by
/// [`Gateway::split_data_plane`]; `Send`, used by one thread at a time.
///
/// Every call first applies what the Gateway sent (installs, removals,
/// SPD changes), then handles the packet; what needs IKE goes back to the
/// Gateway. No heap allocation and no lock per packet once the SA is up.
pub struct DataPlaneWorker {
    index: usize,
    workers: usize,
    local: Ipv4Addr,
    natt_port: u16,
    log_target: String,
    /// This worker's SAs, each outbound one with its route.
    sad: RoutedSad,
    spd: Spd,
    routes: Routes,
    /// Which worker owns each outbound SA of the SPD (this one's too).
    owners: HashMap<SaId, usize>,
    rng: ChaCha20Rng,
    link: WorkerLink,
    transmits: VecDeque<Transmit>,
    inside: VecDeque<Vec<u8>>,
    /// ESP that came before its SA's install.
    early: EarlyEsp,
    /// The latest `now` an input brought.
    now: Instant,
    /// Something went to the Gateway since
    /// [`DataPlaneWorker::take_control_wake`] last asked.
    reported: bool,
}

impl core::fmt::Debug for DataPlaneWorker {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DataPlaneWorker")
            .field("index", &self.index)
            .field("workers", &self.workers)
            .field("sas", &self.sad.len())
            .finish_non_exhaustive()
    }
}

impl DataPlaneWorker {
    #[allow(clippy::too_many_arguments, reason = "built in one place")]
    pub(super) fn new(
        index: usize,
        workers: usize,
        local: Ipv4Addr,
        natt_port: u16,
        log_target: String,
        spd: Spd,
        owners: HashMap<SaId, usize>,
        rng: ChaCha20Rng,
        link: WorkerLink,
    ) -> Self {
        Self {
            index,
            workers,
            local,
            natt_port,
            log_target,
            sad: Sad::tagged(),
            spd,
            routes: Routes::default(),
            owners,
            rng,
            link,
            transmits: VecDeque::new(),
            inside: VecDeque::new(),
            early: EarlyEsp::default(),
            now: Instant::ZERO,
            reported: false,
        }
    }

    /// Whether this worker sent the Gateway anything (a lifetime event, a
    /// packet needing IKE, IKE from the NAT-T port) since the last call:
    /// an embedder whose Gateway sleeps wakes it, so it calls
    /// [`Gateway::handle_timeout`] (its [`Gateway::poll_timeout`] is due
    /// at once).
    pub fn take_control_wake(&mut self) -> bool {
        core::mem::take(&mut self.reported)
    }

    /// This worker's number, from 0.
    pub fn index(&self) -> usize {
        self.index
    }

    /// How many workers the data plane was split into.
    pub fn workers(&self) -> usize {
        self.workers
    }

    /// The inbound and outbound SAs this worker owns (after applying what
    /// the Gateway sent).
    pub fn installed_sas(&mut self) -> (usize, usize) {
        self.apply(self.now);
        self.sad.len()
    }

    /// Which worker seals this inside packet: `Some(index)` when an SA
    /// protects it (this worker's or another's), `None` when it goes in
    /// clear, is dropped, or needs IKE (any worker hands those on).
    pub fn owner_of(&mut self, packet: &[u8]) -> Option<usize> {
        self.apply(self.now);
        let info = PacketInfo::from_ipv4(packet).ok()?;
        match self.spd.lookup(&info)?.action {
            PolicyAction::Protect { sa: Some(id) } => self.owners.get(&id).copied(),
            _ => None,
        }
    }

    /// [`Gateway::seal_into`] on this worker's SAs. An inside packet whose
    /// SA another worker owns is [`Outbound::Elsewhere`] (hand it to that
    /// one); one with no usable SA goes to the Gateway, which starts IKE
    /// and holds it ([`Outbound::Held`]).
    pub fn seal_into<'o>(
        &mut self,
        now: Instant,
        packet: &[u8],
        out: &'o mut [u8],
    ) -> Outbound<'o> {
        self.apply(now);
        let routed = self.route(now, packet, out);
        self.report_lifetimes();
        routed.into_outbound(out)
    }

    /// [`Gateway::open_into`] on this worker's SAs: ESP in UDP on the NAT-T
    /// port is opened, a NAT keepalive counted, IKE handed to the Gateway
    /// ([`Inbound::Ike`]; it answers at its next call). Datagrams on other
    /// ports are IKE.
    pub fn open_into<'d>(
        &mut self,
        now: Instant,
        local: SocketAddrV4,
        remote: SocketAddrV4,
        datagram: &'d mut [u8],
    ) -> Inbound<'d> {
        if local.port() == self.natt_port {
            match UdpEncapPayload::classify(datagram) {
                Ok(UdpEncapPayload::NatKeepalive) => {
                    bump(&self.link.stats.nat_keepalives);
                    return Inbound::NatKeepalive;
                }
                Ok(UdpEncapPayload::Esp(_)) => {
                    return self.open_esp_into(now, *remote.ip(), datagram);
                }
                Ok(UdpEncapPayload::Ike(_)) => {}
                Err(e) => {
                    log::debug!(target: &self.log_target, "dropping datagram from {remote} on the NAT-T port: {e}");
                    bump(&self.link.stats.malformed);
                    return Inbound::Dropped(DropReason::Malformed);
                }
            }
        }
        self.report(Report::Ike {
            local,
            remote,
            data: datagram.to_vec(),
        });
        Inbound::Ike
    }

    /// [`Gateway::open_esp_into`] on this worker's SAs; ESP for another
    /// worker's SPI is [`Inbound::Elsewhere`].
    pub fn open_esp_into<'d>(
        &mut self,
        now: Instant,
        remote: Ipv4Addr,
        esp: &'d mut [u8],
    ) -> Inbound<'d> {
        self.apply(now);
        let opened = self.open(now, remote, esp);
        self.report_lifetimes();
        match opened {
            OpenedIn::Inside(range) => Inbound::Inside(esp.get(range).unwrap_or_default()),
            OpenedIn::Dummy => Inbound::Dummy,
            OpenedIn::Elsewhere(worker) => Inbound::Elsewhere { worker },
            OpenedIn::Held => Inbound::Held,
            OpenedIn::Dropped(r) => Inbound::Dropped(r),
        }
    }

    /// Time passed: this worker's SAs' time limits (their events go to the
    /// Gateway), what the Gateway sent, and held ESP whose SA did not come.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.apply(now);
        self.sad.handle_timeout(now);
        for early in self.early.expired(now) {
            self.refuse_early(&early);
        }
        self.report_lifetimes();
    }

    /// When [`DataPlaneWorker::handle_timeout`] is due for the SAs' time
    /// limits or a held datagram's wait (call it anyway every few hundred
    /// milliseconds: it also picks up the Gateway's installs).
    pub fn poll_timeout(&self) -> Option<Instant> {
        match (self.sad.poll_timeout(), self.early.deadline()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The next packet the Gateway asked this worker to seal (a packet
    /// held while IKE ran, or given to [`Gateway::handle_inside`]); what
    /// the Gateway sent is applied first.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        if self.transmits.is_empty() {
            self.apply(self.now);
            self.report_lifetimes();
        }
        self.transmits.pop_front()
    }

    /// The next packet the Gateway asked this worker to open (given to
    /// [`Gateway::handle_esp`] / [`Gateway::handle_datagram`]); what the
    /// Gateway sent is applied first.
    pub fn poll_inside(&mut self) -> Option<Vec<u8>> {
        if self.inside.is_empty() {
            self.apply(self.now);
            self.report_lifetimes();
        }
        self.inside.pop_front()
    }

    // ----- inside --------------------------------------------------------

    /// Applies what the Gateway sent, in order.
    fn apply(&mut self, now: Instant) {
        self.now = now;
        while let Some(command) = self.link.next_command() {
            match command {
                Command::Install {
                    sa_id,
                    inbound,
                    outbound,
                    out_route,
                    in_route,
                } => {
                    let spi_in = inbound.spi();
                    if let Err(e) = self.sad.insert_inbound(*inbound) {
                        log::warn!(target: &self.log_target, "IPSEC: worker {}: {e}", self.index);
                        continue;
                    }
                    self.sad.insert_outbound_tagged(sa_id, *outbound, out_route);
                    self.routes.inbound.insert(spi_in, in_route);
                    self.owners.insert(sa_id, self.index);
                    for early in self.early.take(spi_in) {
                        let mut esp = early.esp;
                        if let OpenedIn::Inside(range) = self.open(now, early.remote, &mut esp) {
                            self.inside.push_back(keep_range(esp, range));
                        }
                    }
                }
                Command::Remove { sa_id, spi_in } => {
                    self.sad.remove_inbound(spi_in);
                    self.sad.remove_outbound(sa_id);
                    self.routes.inbound.remove(&spi_in);
                    self.owners.remove(&sa_id);
                }
                Command::PolicyFront { entry, owner } => {
                    if let PolicyAction::Protect { sa: Some(id) } = entry.action {
                        self.owners.insert(id, owner);
                    }
                    self.spd.insert(0, entry);
                }
                Command::PolicyRemove(id) => {
                    if let Some(PolicyEntry {
                        action: PolicyAction::Protect { sa: Some(sa) },
                        ..
                    }) = self.spd.remove(id)
                    {
                        if self.sad.outbound_tag(sa).is_none() {
                            self.owners.remove(&sa);
                        }
                    }
                }
                Command::ReplaceSpd(spd) => self.spd = *spd,
                Command::Refuse(spi) => {
                    for early in self.early.take(spi) {
                        self.refuse_early(&early);
                    }
                }
                Command::SetLocal(local) => self.local = local,
                Command::Seal(packet) => self.seal_queued(now, &packet),
                Command::Open { remote, mut esp } => {
                    if let OpenedIn::Inside(range) = self.open(now, remote, &mut esp) {
                        self.inside.push_back(keep_range(esp, range));
                    }
                }
            }
        }
    }

    fn seal_queued(&mut self, now: Instant, packet: &[u8]) {
        let mut buf = vec![0u8; packet.len() + SEAL_OVERHEAD];
        let t = match self.route(now, packet, &mut buf).into_transmit(buf, packet) {
            Ok(t) => t,
            // The SPD moved on since the Gateway decided: its choice again.
            Err(Routed::Elsewhere(_)) => {
                self.report(Report::Acquire(packet.to_vec()));
                return;
            }
            Err(Routed::BufferTooSmall(_)) => {
                bump(&self.link.stats.seal_failed);
                return;
            }
            Err(_) => return,
        };
        self.transmits.push_back(t);
    }

    /// The SPD replica's verdict, carried out with this worker's SAs.
    fn route(&mut self, now: Instant, packet: &[u8], out: &mut [u8]) -> Routed {
        let Ok(info) = PacketInfo::from_ipv4(packet) else {
            bump(&self.link.stats.malformed);
            return Routed::Dropped(DropReason::Malformed);
        };
        let action = match self.spd.lookup(&info) {
            Some(entry) => entry.action,
            None => match self.spd.fallback() {
                Fallback::Bypass => PolicyAction::Bypass,
                Fallback::Discard => PolicyAction::Discard,
            },
        };
        let id = match action {
            PolicyAction::Bypass => {
                bump(&self.link.stats.clear);
                return Routed::Clear;
            }
            PolicyAction::Discard => {
                bump(&self.link.stats.policy_discards);
                return Routed::Dropped(DropReason::PolicyDiscard);
            }
            PolicyAction::Protect { sa: Some(id) } => id,
            PolicyAction::Protect { sa: None } => return self.hand_to_gateway(packet),
        };
        if self.sad.outbound_tag(id).is_none() {
            return match self.owners.get(&id) {
                Some(&w) if w != self.index => Routed::Elsewhere(w),
                _ => self.hand_to_gateway(packet),
            };
        }
        let (sad, rng) = (&mut self.sad, &mut self.rng);
        match seal_resolved(sad, rng, self.local, id, packet, out, now) {
            Ok(routed) => {
                if !matches!(routed, Routed::BufferTooSmall(_)) {
                    bump(&self.link.stats.sealed);
                }
                routed
            }
            Err(SealFail::Unusable) => {
                if let Some(m) = self.sad.outbound_tag(id).and_then(|r| r.mirror.as_ref()) {
                    m.set_expired();
                }
                self.hand_to_gateway(packet)
            }
            Err(fail) => {
                if let (SealFail::Esp(e), true) = (&fail, self.link.debugging()) {
                    log::debug!(target: &self.log_target, "IPSEC: seal with SA {id:?} failed: {e}");
                }
                bump(&self.link.stats.seal_failed);
                Routed::Dropped(DropReason::SealFailed)
            }
        }
    }

    /// A packet only the Gateway can handle (IKE must start): it holds it.
    fn hand_to_gateway(&mut self, packet: &[u8]) -> Routed {
        self.report(Report::Acquire(packet.to_vec()));
        Routed::Held
    }

    fn open(&mut self, now: Instant, remote: Ipv4Addr, buf: &mut [u8]) -> OpenedIn {
        match open_resolved(&mut self.sad, &self.routes, buf, now) {
            Ok(Some(inner)) => {
                bump(&self.link.stats.delivered);
                OpenedIn::Inside(inner)
            }
            Ok(None) => OpenedIn::Dummy,
            Err(OpenFail::Esp(esp_core::EspError::UnknownSpi { spi }))
                if worker_for_spi(spi, self.workers) != self.index =>
            {
                OpenedIn::Elsewhere(worker_for_spi(spi, self.workers))
            }
            // Its SA's install may be on the way (see `early_esp`).
            Err(OpenFail::Esp(esp_core::EspError::UnknownSpi { spi })) => {
                // One question per SPI, however many packets wait.
                if !self.early.holds(spi) {
                    self.report(Report::Early(spi));
                }
                if let Some(pushed_out) = self.early.hold(now, spi, remote, buf) {
                    self.refuse_early(&pushed_out);
                }
                OpenedIn::Held
            }
            Err(fail) => {
                if self.link.debugging() {
                    fail.log(&self.log_target, remote);
                }
                let stats = &self.link.stats;
                bump(match fail.reason() {
                    DropReason::Malformed => &stats.malformed,
                    DropReason::SelectorMismatch => &stats.selector_mismatch,
                    _ => &stats.esp_rejected,
                });
                OpenedIn::Dropped(fail.reason())
            }
        }
    }

    /// A held datagram whose SA did not come: refused as an unknown SPI,
    /// as it would have been on arrival.
    fn refuse_early(&self, early: &Early) {
        if self.link.debugging() {
            OpenFail::Esp(esp_core::EspError::UnknownSpi { spi: early.spi })
                .log(&self.log_target, early.remote);
        }
        bump(&self.link.stats.esp_rejected);
    }

    fn report(&mut self, report: Report) {
        self.reported = true;
        self.link.report(report);
    }

    /// Sends the SAs' lifetime events to the Gateway (rekey, delete).
    fn report_lifetimes(&mut self) {
        while let Some((sa, event)) = self.sad.poll_event() {
            let route = match sa {
                SaRef::Inbound(spi) => self.routes.inbound.get(&spi).map(|r| (r.child, &r.mirror)),
                SaRef::Outbound(id) => self.sad.outbound_tag(id).map(|r| (r.child, &r.mirror)),
            };
            let Some((child, mirror)) = route else {
                continue;
            };
            if let (LifetimeEvent::HardExpired(_), Some(m)) = (event, mirror) {
                m.set_expired();
            }
            self.report(Report::Lifetime { child, event });
        }
    }
}
