//! One hub's data plane on N threads: [`Gateway::split_data_plane`] hands
//! the ESP SAs to N [`DataPlaneWorker`]s, each owning its shard, while the
//! Gateway keeps IKE, the policy and the operator's views.
//!
//! # The split
//!
//! * **Inbound** goes by SPI: the SA pair whose inbound SPI is `spi` lives
//!   on worker [`worker_for_spi`]`(spi, n)` (`spi % n`), so an embedder
//!   steers a received ESP packet without asking anyone
//!   ([`esp_worker`] reads the SPI). A worker given another worker's SPI
//!   says [`Inbound::Elsewhere`].
//! * **Outbound** goes by the SPD's decision: every worker holds a replica
//!   of the SPD and knows which worker owns each outbound SA; an inside
//!   packet whose SA another worker owns comes back as
//!   [`Outbound::Elsewhere`] (nothing sealed) for the embedder to hand
//!   over, and [`DataPlaneWorker::owner_of`] tells it beforehand (for
//!   flow steering). A pair's outbound SA lives with its inbound SA.
//! * **Control**: the Gateway sends installs, removals and SPD changes
//!   down one channel per worker; each worker applies them at the start of
//!   its next call, so a packet never meets a half-installed SA. Workers
//!   send lifetime events (soft: rekey, hard: delete), packets needing IKE
//!   (an acquire) and IKE datagrams received on the NAT-T port up one
//!   channel to the Gateway, which takes them at its next call
//!   ([`Gateway::poll_timeout`] is due at once while any wait).
//! * **Views**: each worker copies an SA's counters into that SA's
//!   mirror (relaxed atomic stores, one writer) after every packet, and
//!   its own packet counters into its share of the counters; `show crypto ipsec
//!   sa`, [`Gateway::counters`] and [`Gateway::status_json`] read those,
//!   summed.
//!
//! No lock is taken per packet: a worker's channel is polled with
//! `try_recv` (an atomic load when empty), the mirrors are atomics only its
//! worker writes. The library spawns no thread: the embedder runs each
//! worker where it likes (each `Send`, driven by one thread at a time, with
//! `now` passed in, like the Gateway).

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};

use esp_core::{Remaining, SaCounters};
use rand_core::Rng as _;

use super::caller_buffer::{InRoute, OutRoute};
pub use super::worker::DataPlaneWorker;
use super::*;

/// The worker that owns the SA pair whose inbound SPI is `spi`, among
/// `workers` (`spi % workers`; 0 when there are none).
pub fn worker_for_spi(spi: u32, workers: usize) -> usize {
    if workers <= 1 {
        0
    } else {
        (spi as usize) % workers
    }
}

/// The worker for a received ESP packet (the payload of IP protocol 50, or
/// ESP in UDP without the UDP header), by its SPI; `None` when it is too
/// short to carry one.
pub fn esp_worker(esp: &[u8], workers: usize) -> Option<usize> {
    let spi = esp.get(..4)?;
    let spi = u32::from_be_bytes([spi[0], spi[1], spi[2], spi[3]]);
    Some(worker_for_spi(spi, workers))
}

macro_rules! mirror {
    ($($field:ident),* $(,)?) => {
        /// A copy of one SA's counters that its worker writes after every
        /// packet and the control side reads for its views. Cache-line
        /// aligned: two workers' SAs never share a line.
        #[derive(Debug, Default)]
        #[repr(align(64))]
        pub(super) struct SaMirror {
            $($field: AtomicU64,)*
            /// The worker found the SA past its hard lifetime.
            hard_expired: AtomicBool,
        }

        impl SaMirror {
            /// Called by the one worker owning the SA.
            pub(super) fn publish(&self, c: &SaCounters) {
                $(self.$field.store(c.$field, Ordering::Relaxed);)*
            }

            pub(super) fn read(&self) -> SaCounters {
                let mut c = SaCounters::default();
                $(c.$field = self.$field.load(Ordering::Relaxed);)*
                c
            }
        }
    };
}

mirror!(
    encaps,
    encrypt,
    digest,
    decaps,
    decrypt,
    verify,
    compressed,
    decompressed,
    not_compressed,
    compr_failed,
    not_decompressed,
    decompress_failed,
    send_errors,
    recv_errors,
    replay_failures,
    auth_failures,
    pad_failures,
    invalid_spi,
    invalid_length,
    sequence_overflows,
    expired,
    encaps_bytes,
    decaps_bytes,
);

impl SaMirror {
    pub(super) fn set_expired(&self) {
        self.hard_expired.store(true, Ordering::Relaxed);
    }

    pub(super) fn is_expired(&self) -> bool {
        self.hard_expired.load(Ordering::Relaxed)
    }
}

macro_rules! stats {
    ($($field:ident),* $(,)?) => {
        /// One worker's share of the [`GatewayCounters`] of the data path
        /// (its thread is the only writer). Cache-line aligned, so two
        /// workers' counters never share a line.
        #[derive(Debug, Default)]
        #[repr(align(64))]
        pub(super) struct WorkerStats {
            $(pub(super) $field: AtomicU64,)*
        }

        impl WorkerStats {
            /// Adds this worker's counts to `c`.
            fn add_to(&self, c: &mut GatewayCounters) {
                $(c.$field += self.$field.load(Ordering::Relaxed);)*
            }
        }
    };
}

stats!(
    sealed,
    delivered,
    clear,
    nat_keepalives,
    malformed,
    policy_discards,
    esp_rejected,
    selector_mismatch,
    seal_failed,
);

/// Adds one to a counter only its worker writes (no read-modify-write
/// instruction needed).
pub(super) fn bump(counter: &AtomicU64) {
    counter.store(counter.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
}

/// What the Gateway tells a worker.
pub(super) enum Command {
    /// Own this SA pair from now on.
    Install {
        sa_id: SaId,
        inbound: Box<InboundSa>,
        outbound: Box<OutboundSa>,
        out_route: OutRoute,
        in_route: InRoute,
    },
    /// Forget this SA pair.
    Remove { sa_id: SaId, spi_in: u32 },
    /// A protect entry in front of the SPD, for an SA `owner` holds.
    PolicyFront { entry: PolicyEntry, owner: usize },
    /// Take out an SPD entry.
    PolicyRemove(PolicyId),
    /// A new SPD (a new configuration).
    ReplaceSpd(Box<Spd>),
    /// A new outside address.
    SetLocal(Ipv4Addr),
    /// Seal this inside packet and queue it (a packet held for IKE).
    Seal(Vec<u8>),
    /// Open this ESP packet and queue what it carries.
    Open { remote: Ipv4Addr, esp: Vec<u8> },
    /// No SA is coming for this SPI: refuse what is held for it.
    Refuse(u32),
}

/// What a worker tells the Gateway.
pub(super) enum Report {
    /// One of its SAs crossed a lifetime limit.
    Lifetime {
        child: ChildSaId,
        event: LifetimeEvent,
    },
    /// An inside packet with no usable SA: IKE must start (IOS's acquire).
    Acquire(Vec<u8>),
    /// IKE that arrived on the NAT-T port.
    Ike {
        local: SocketAddrV4,
        remote: SocketAddrV4,
        data: Vec<u8>,
    },
    /// ESP is held for this SPI, which has no SA here yet.
    Early(u32),
}

/// The worker's ends of the channels and what it shares with the Gateway.
pub(super) struct WorkerLink {
    pub(super) commands: Receiver<Command>,
    pub(super) reports: Sender<Report>,
    /// Reports sent and not yet taken, for the Gateway's `poll_timeout`.
    pub(super) pending: Arc<AtomicUsize>,
    pub(super) stats: Arc<WorkerStats>,
    /// `debug crypto ipsec`.
    pub(super) debug: Arc<AtomicBool>,
}

impl WorkerLink {
    pub(super) fn report(&self, report: Report) {
        if self.reports.send(report).is_ok() {
            self.pending.fetch_add(1, Ordering::Release);
        }
    }

    pub(super) fn next_command(&self) -> Option<Command> {
        // Empty, or the Gateway is gone (its SAs stay as they are).
        self.commands.try_recv().ok()
    }

    pub(super) fn debugging(&self) -> bool {
        self.debug.load(Ordering::Relaxed)
    }
}

/// The Gateway's side of a split data plane.
pub(super) struct Split {
    commands: Vec<Sender<Command>>,
    reports: Receiver<Report>,
    pending: Arc<AtomicUsize>,
    stats: Vec<Arc<WorkerStats>>,
    debug: Arc<AtomicBool>,
    /// Each installed pair's mirrors: inbound, outbound.
    mirrors: HashMap<ChildSaId, (Arc<SaMirror>, Arc<SaMirror>)>,
    /// Commands were sent since [`Gateway::take_worker_wake`] last asked.
    sent: bool,
}

impl core::fmt::Debug for Split {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Split")
            .field("workers", &self.commands.len())
            .finish_non_exhaustive()
    }
}

impl Split {
    pub(super) fn workers(&self) -> usize {
        self.commands.len()
    }

    fn send(&mut self, worker: usize, command: Command) {
        self.sent = true;
        if let Some(tx) = self.commands.get(worker) {
            // A worker dropped by its embedder takes its SAs with it.
            let _ = tx.send(command);
        }
    }

    fn broadcast(&mut self, command: impl Fn() -> Command) {
        self.sent = true;
        for tx in &self.commands {
            let _ = tx.send(command());
        }
    }

    /// Hands an installed pair to its worker, with a protect entry for it in
    /// every worker's SPD.
    #[allow(clippy::too_many_arguments, reason = "the pair's parts")]
    pub(super) fn install(
        &mut self,
        sa_id: SaId,
        inbound: InboundSa,
        outbound: OutboundSa,
        mut out_route: OutRoute,
        mut in_route: InRoute,
        entry: Option<PolicyEntry>,
    ) {
        let owner = worker_for_spi(inbound.spi(), self.workers());
        let (m_in, m_out) = (Arc::<SaMirror>::default(), Arc::<SaMirror>::default());
        m_in.publish(&inbound.counters());
        m_out.publish(&outbound.counters());
        in_route.mirror = Some(Arc::clone(&m_in));
        out_route.mirror = Some(Arc::clone(&m_out));
        self.mirrors.insert(in_route.child, (m_in, m_out));
        self.send(
            owner,
            Command::Install {
                sa_id,
                inbound: Box::new(inbound),
                outbound: Box::new(outbound),
                out_route,
                in_route,
            },
        );
        if let Some(entry) = entry {
            self.broadcast(|| Command::PolicyFront { entry, owner });
        }
    }

    pub(super) fn remove(&mut self, c: &Installed) {
        self.mirrors.remove(&c.child);
        self.send(
            worker_for_spi(c.spi_in, self.workers()),
            Command::Remove {
                sa_id: c.sa_id,
                spi_in: c.spi_in,
            },
        );
        let policy = c.policy;
        self.broadcast(|| Command::PolicyRemove(policy));
    }

    pub(super) fn replace_spd(&mut self, spd: &Spd) {
        self.broadcast(|| Command::ReplaceSpd(Box::new(spd.clone())));
    }

    pub(super) fn set_local(&mut self, local: Ipv4Addr) {
        self.broadcast(|| Command::SetLocal(local));
    }

    pub(super) fn seal_on(&mut self, worker: usize, packet: &[u8]) {
        self.send(worker, Command::Seal(packet.to_vec()));
    }

    pub(super) fn open_on(&mut self, spi_worker: usize, remote: Ipv4Addr, esp: &[u8]) {
        self.send(
            spi_worker,
            Command::Open {
                remote,
                esp: esp.to_vec(),
            },
        );
    }

    pub(super) fn has_reports(&self) -> bool {
        self.pending.load(Ordering::Acquire) > 0
    }

    fn next_report(&self) -> Option<Report> {
        let r = self.reports.try_recv().ok()?;
        self.pending.fetch_sub(1, Ordering::AcqRel);
        Some(r)
    }

    pub(super) fn mirrors(&self, child: ChildSaId) -> Option<&(Arc<SaMirror>, Arc<SaMirror>)> {
        self.mirrors.get(&child)
    }

    pub(super) fn add_counters(&self, c: &mut GatewayCounters) {
        for s in &self.stats {
            s.add_to(c);
        }
    }
}

/// One SA pair as the views print it: counters and what is left.
pub(super) struct PairState {
    pub(super) inbound: SaCounters,
    pub(super) outbound: SaCounters,
    pub(super) remaining_in: Remaining,
    pub(super) remaining_out: Remaining,
}

impl Gateway {
    /// Splits the data plane over `workers` [`DataPlaneWorker`]s (see the
    /// [module documentation](self)): the SAs installed now move to their
    /// workers, and every SA installed from now on goes to its worker. The
    /// Gateway keeps IKE, the SPD's master copy, the hold queue and the
    /// views; its own [`Gateway::seal_into`] and [`Gateway::open_esp_into`]
    /// then answer [`Outbound::Elsewhere`] / [`Inbound::Elsewhere`] for
    /// ESP, and its queue API ([`Gateway::handle_inside`],
    /// [`Gateway::handle_esp`]) forwards the packets to their worker (whose
    /// [`DataPlaneWorker::poll_transmit`] / [`DataPlaneWorker::poll_inside`]
    /// give the results).
    ///
    /// Run each worker on its own thread; call its
    /// [`DataPlaneWorker::handle_timeout`] when its
    /// [`DataPlaneWorker::poll_timeout`] is due and at least every few
    /// hundred milliseconds when it is idle (it picks up the Gateway's
    /// installs at every call), and the Gateway's
    /// [`Gateway::handle_timeout`] when [`Gateway::poll_timeout`] is due,
    /// as without workers. Packets a worker drops are counted (in
    /// [`Gateway::counters`]) and returned as [`Outbound::Dropped`] /
    /// [`Inbound::Dropped`], not reported as [`GatewayEvent::Dropped`].
    ///
    /// # Errors
    /// [`GatewayError::DataPlane`]: no worker asked for, already split, or
    /// an Easy VPN Remote (its client-mode source check stays with the
    /// Gateway).
    pub fn split_data_plane(
        &mut self,
        workers: usize,
    ) -> Result<Vec<DataPlaneWorker>, GatewayError> {
        if workers == 0 {
            return Err(GatewayError::DataPlane("at least one worker".into()));
        }
        if self.split.is_some() {
            return Err(GatewayError::DataPlane("already split".into()));
        }
        if self.ezvpn.is_some() {
            return Err(GatewayError::DataPlane(
                "an Easy VPN Remote keeps its data plane".into(),
            ));
        }
        let (report_tx, reports) = channel();
        let pending = Arc::new(AtomicUsize::new(0));
        let debug = Arc::new(AtomicBool::new(self.debugging.ipsec));
        let mut owners = HashMap::new();
        for c in self.children.values() {
            owners.insert(c.sa_id, worker_for_spi(c.spi_in, workers));
        }
        let mut split = Split {
            commands: Vec::with_capacity(workers),
            reports,
            pending: Arc::clone(&pending),
            stats: Vec::with_capacity(workers),
            debug: Arc::clone(&debug),
            mirrors: HashMap::new(),
            sent: false,
        };
        let mut out = Vec::with_capacity(workers);
        for index in 0..workers {
            let (tx, commands) = channel();
            let stats = Arc::new(WorkerStats::default());
            split.commands.push(tx);
            split.stats.push(Arc::clone(&stats));
            let mut seed = [0u8; 32];
            self.rng.fill_bytes(&mut seed);
            let link = WorkerLink {
                commands,
                reports: report_tx.clone(),
                pending: Arc::clone(&pending),
                stats,
                debug: Arc::clone(&debug),
            };
            out.push(DataPlaneWorker::new(
                index,
                workers,
                self.local,
                self.options.natt_port,
                self.options.log_target.clone(),
                self.spd.clone(),
                owners.clone(),
                ChaCha20Rng::from_seed(seed),
                link,
            ));
        }
        // The SAs up now move to their workers (their SPD entries are in
        // the replicas already).
        let kids: Vec<ChildSaId> = self.children.keys().copied().collect();
        for child in kids {
            let Some(c) = self.children.get(&child) else {
                continue;
            };
            let (sa_id, spi_in) = (c.sa_id, c.spi_in);
            let inbound = self.sad.remove_inbound(spi_in);
            let outbound = self.sad.remove_outbound_tagged(sa_id);
            let in_route = self.routes.inbound.remove(&spi_in);
            if let (Some(i), Some((o, or)), Some(ir)) = (inbound, outbound, in_route) {
                split.install(sa_id, i, o, or, ir, None);
            }
        }
        self.split = Some(split);
        Ok(out)
    }

    /// Whether the Gateway sent its workers anything (installs, removals,
    /// packets to seal) since the last call: an embedder whose workers
    /// sleep on their own input wakes them so they apply it now (a worker
    /// applies it at its next call anyway).
    pub fn take_worker_wake(&mut self) -> bool {
        self.split
            .as_mut()
            .is_some_and(|s| core::mem::take(&mut s.sent))
    }

    /// The number of data-plane workers (0: the Gateway is its own data
    /// plane).
    pub fn data_plane_workers(&self) -> usize {
        self.split.as_ref().map_or(0, Split::workers)
    }

    /// The worker owning outbound SA `id`, when split.
    pub(super) fn owner_of_sa(&self, id: SaId) -> Option<usize> {
        let split = self.split.as_ref()?;
        let c = self.children.get(self.by_sa_id.get(&id)?)?;
        Some(worker_for_spi(c.spi_in, split.workers()))
    }

    /// Takes what the workers sent; says whether there was anything.
    pub(super) fn drain_workers(&mut self, now: Instant) -> bool {
        let Some(split) = self.split.as_ref() else {
            return false;
        };
        split.debug.store(self.debugging.ipsec, Ordering::Relaxed);
        let mut any = false;
        while let Some(report) = self.split.as_ref().and_then(Split::next_report) {
            any = true;
            match report {
                Report::Lifetime { child, event } => self.on_child_lifetime(now, child, event),
                Report::Acquire(packet) => self.route_out(now, &packet),
                Report::Ike {
                    local,
                    remote,
                    data,
                } => {
                    self.counters.ike_datagrams += 1;
                    let local = SocketAddrV4::new(self.local, local.port());
                    self.engine.handle_datagram(now, local, remote, &data);
                }
                // Reports come in order, so IKE the same worker passed up
                // before this ESP (QM3 on the NAT-T port) is already in the
                // engine: an SPI it does not know gets no SA.
                Report::Early(spi) => {
                    if !self.engine.knows_inbound_spi(spi) {
                        if let Some(split) = self.split.as_mut() {
                            let worker = worker_for_spi(spi, split.workers());
                            split.send(worker, Command::Refuse(spi));
                        }
                    }
                }
            }
        }
        any
    }

    /// Counters and what is left of an installed pair, from the SAD or,
    /// when split, from its worker's mirrors.
    pub(super) fn pair_state(&self, c: &Installed, now: Instant) -> Option<PairState> {
        match &self.split {
            None => {
                let i = self.sad.inbound(c.spi_in)?;
                let o = self.sad.outbound(c.sa_id)?;
                Some(PairState {
                    inbound: i.counters(),
                    outbound: o.counters(),
                    remaining_in: i.remaining(now),
                    remaining_out: o.remaining(now),
                })
            }
            Some(split) => {
                let (m_in, m_out) = split.mirrors(c.child)?;
                let (inbound, outbound) = (m_in.read(), m_out.read());
                let life = esp_lifetime(c.lifetime);
                Some(PairState {
                    remaining_in: life.remaining(c.installed_at, inbound.decaps_bytes, now),
                    remaining_out: life.remaining(c.installed_at, outbound.encaps_bytes, now),
                    inbound,
                    outbound,
                })
            }
        }
    }

    /// Whether the outbound SA `id` may seal, as far as the control side
    /// knows: installed and, when split, not found expired by its worker.
    pub(super) fn usable_outbound(&self, id: SaId) -> bool {
        match &self.split {
            None => self.sad.has_usable_outbound(id),
            Some(split) => self
                .by_sa_id
                .get(&id)
                .and_then(|child| split.mirrors(*child))
                .is_some_and(|(_, out)| !out.is_expired()),
        }
    }
}
