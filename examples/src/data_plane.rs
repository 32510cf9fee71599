//! `router --threads N`: the Gateway's data plane on N threads. The
//! router's loop keeps the Gateway (IKE, the views, the inside); each
//! [`DataPlaneWorker`] runs on its own thread, fed ESP by SPI and inside
//! packets by the loop, sending what it seals on the shared sockets and
//! handing what it opens back to the loop (as [`Input::Delivered`]).

use std::net::{Ipv4Addr, SocketAddrV4};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::thread::JoinHandle;
use std::time::Duration;

use ike_policy::gateway::{SEAL_OVERHEAD, esp_worker};
use ike_policy::{DataPlaneWorker, Inbound, Outbound, Transmit};

use crate::clock::MonotonicClock;
use crate::io::{Input, OutsideSockets};
use crate::raw_esp::RawEsp;

/// The longest a worker sleeps: its SAs' timers and the Gateway's
/// installs are looked at least this often.
const IDLE: Duration = Duration::from_millis(50);

/// What a worker thread is given.
#[derive(Debug)]
pub enum WorkerInput {
    /// A datagram on the NAT-T port (ESP in UDP, a keepalive, or IKE).
    Datagram {
        /// Our address and port.
        local: SocketAddrV4,
        /// The sender.
        remote: SocketAddrV4,
        /// The UDP payload.
        payload: Vec<u8>,
    },
    /// Raw ESP.
    Esp {
        /// The outer source.
        remote: Ipv4Addr,
        /// From the SPI on.
        payload: Vec<u8>,
    },
    /// An inside packet to seal.
    Inner(Vec<u8>),
    /// The Gateway sent the worker something: apply it now.
    Wake,
    /// The outside address moved: send on these sockets from now on.
    Rebind {
        /// UDP on the new address.
        sockets: Arc<OutsideSockets>,
        /// Raw ESP on it, when the router carries raw ESP.
        raw_esp: Option<Arc<RawEsp>>,
    },
}

/// What the worker threads counted of the router's own counters.
#[derive(Debug, Default)]
pub struct WorkerIo {
    /// Datagrams sent.
    pub datagrams_out: AtomicU64,
    /// Raw ESP packets sent.
    pub raw_esp_out: AtomicU64,
    /// Sends that failed.
    pub send_errors: AtomicU64,
    /// Inside packets the Gateway would route in clear (dropped).
    pub clear_unrouted: AtomicU64,
    /// Raw ESP asked for with no raw socket.
    pub raw_esp_unsent: AtomicU64,
}

/// The worker threads of one router.
#[derive(Debug)]
pub struct DataPlaneThreads {
    inputs: Vec<Sender<WorkerInput>>,
    threads: Vec<JoinHandle<()>>,
    io: Arc<WorkerIo>,
    stop: Arc<AtomicBool>,
}

impl DataPlaneThreads {
    /// Starts one thread per worker. Opened packets and wake-ups for the
    /// Gateway go to `main`.
    pub fn spawn(
        workers: Vec<DataPlaneWorker>,
        sockets: Arc<OutsideSockets>,
        raw_esp: Option<Arc<RawEsp>>,
        main: Sender<Input>,
        clock: MonotonicClock,
    ) -> std::io::Result<Self> {
        let io = Arc::new(WorkerIo::default());
        let stop = Arc::new(AtomicBool::new(false));
        let (inputs, receivers): (Vec<_>, Vec<_>) = workers.iter().map(|_| channel()).unzip();
        let mut threads = Vec::new();
        for (worker, rx) in workers.into_iter().zip(receivers) {
            let mut t = WorkerThread {
                worker,
                rx,
                peers: inputs.clone(),
                sockets: Arc::clone(&sockets),
                raw_esp: raw_esp.clone(),
                main: main.clone(),
                clock,
                io: Arc::clone(&io),
                stop: Arc::clone(&stop),
            };
            let name = format!("data-plane-{}", t.worker.index());
            threads.push(
                std::thread::Builder::new()
                    .name(name)
                    .spawn(move || t.run())?,
            );
        }
        Ok(Self {
            inputs,
            threads,
            io,
            stop,
        })
    }

    /// How many workers there are.
    pub fn len(&self) -> usize {
        self.inputs.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.inputs.is_empty()
    }

    /// What the workers counted.
    pub fn io(&self) -> &WorkerIo {
        &self.io
    }

    /// Hands ESP (raw, or on the NAT-T port) to the worker of its SPI.
    pub fn esp(&self, input: WorkerInput) {
        let spi_worker = match &input {
            WorkerInput::Datagram { payload, .. } | WorkerInput::Esp { payload, .. } => {
                esp_worker(payload, self.len()).unwrap_or(0)
            }
            WorkerInput::Inner(_) | WorkerInput::Wake | WorkerInput::Rebind { .. } => 0,
        };
        self.send(spi_worker, input);
    }

    /// Hands an inside packet to a worker (it passes it on to the worker
    /// owning its SA).
    pub fn inner(&self, packet: Vec<u8>) {
        self.send(0, WorkerInput::Inner(packet));
    }

    /// Every worker sends on `sockets` (and `raw_esp`) from now on: the
    /// outside address moved. The old sockets close when the last worker
    /// lets them go.
    pub fn rebind(&self, sockets: &Arc<OutsideSockets>, raw_esp: Option<&Arc<RawEsp>>) {
        for k in 0..self.len() {
            self.send(
                k,
                WorkerInput::Rebind {
                    sockets: Arc::clone(sockets),
                    raw_esp: raw_esp.cloned(),
                },
            );
        }
    }

    /// Wakes every worker (the Gateway sent them installs or packets).
    pub fn wake(&self) {
        for k in 0..self.len() {
            self.send(k, WorkerInput::Wake);
        }
    }

    fn send(&self, k: usize, input: WorkerInput) {
        if let Some(tx) = self.inputs.get(k) {
            let _ = tx.send(input);
        }
    }
}

impl Drop for DataPlaneThreads {
    /// Stops the threads (within `IDLE`) and waits for them.
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

struct WorkerThread {
    worker: DataPlaneWorker,
    rx: Receiver<WorkerInput>,
    peers: Vec<Sender<WorkerInput>>,
    sockets: Arc<OutsideSockets>,
    raw_esp: Option<Arc<RawEsp>>,
    main: Sender<Input>,
    clock: MonotonicClock,
    io: Arc<WorkerIo>,
    stop: Arc<AtomicBool>,
}

fn bump(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

impl WorkerThread {
    fn run(&mut self) {
        let mut out = vec![0u8; 65_535 + SEAL_OVERHEAD];
        while !self.stop.load(Ordering::Relaxed) {
            let wait = self
                .worker
                .poll_timeout()
                .map_or(IDLE, |d| self.clock.until(d).min(IDLE));
            match self.rx.recv_timeout(wait) {
                Ok(input) => {
                    self.handle(input, &mut out);
                    while let Ok(input) = self.rx.try_recv() {
                        self.handle(input, &mut out);
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return,
            }
            let now = self.clock.now();
            self.worker.handle_timeout(now);
            while let Some(t) = self.worker.poll_transmit() {
                self.transmit(t);
            }
            while let Some(p) = self.worker.poll_inside() {
                let _ = self.main.send(Input::Delivered(p));
            }
            if self.worker.take_control_wake() {
                let _ = self.main.send(Input::Wake);
            }
        }
    }

    fn handle(&mut self, input: WorkerInput, out: &mut [u8]) {
        let now = self.clock.now();
        match input {
            WorkerInput::Datagram {
                local,
                remote,
                mut payload,
            } => match self.worker.open_into(now, local, remote, &mut payload) {
                Inbound::Inside(p) => {
                    let _ = self.main.send(Input::Delivered(p.to_vec()));
                }
                Inbound::Elsewhere { worker } => self.pass(
                    worker,
                    WorkerInput::Datagram {
                        local,
                        remote,
                        payload,
                    },
                ),
                _ => {}
            },
            WorkerInput::Esp {
                remote,
                mut payload,
            } => match self.worker.open_esp_into(now, remote, &mut payload) {
                Inbound::Inside(p) => {
                    let _ = self.main.send(Input::Delivered(p.to_vec()));
                }
                Inbound::Elsewhere { worker } => {
                    self.pass(worker, WorkerInput::Esp { remote, payload })
                }
                _ => {}
            },
            WorkerInput::Inner(packet) => match self.worker.seal_into(now, &packet, out) {
                Outbound::Udp {
                    local,
                    remote,
                    payload,
                } => self.send_udp(local, remote, payload),
                Outbound::Esp {
                    remote, payload, ..
                } => self.send_esp(remote, payload),
                Outbound::Clear => bump(&self.io.clear_unrouted),
                Outbound::Elsewhere { worker } => self.pass(worker, WorkerInput::Inner(packet)),
                Outbound::Held | Outbound::Dropped(_) | Outbound::BufferTooSmall { .. } => {}
            },
            WorkerInput::Wake => {}
            WorkerInput::Rebind { sockets, raw_esp } => {
                self.sockets = sockets;
                if raw_esp.is_some() {
                    self.raw_esp = raw_esp;
                }
            }
        }
    }

    /// To the worker that owns it.
    fn pass(&self, worker: usize, input: WorkerInput) {
        if worker != self.worker.index() {
            if let Some(tx) = self.peers.get(worker) {
                let _ = tx.send(input);
            }
        }
    }

    fn transmit(&self, t: Transmit) {
        match t {
            Transmit::Udp {
                local,
                remote,
                payload,
            } => self.send_udp(local, remote, &payload),
            Transmit::Esp {
                remote, payload, ..
            } => self.send_esp(remote, &payload),
            Transmit::Clear { .. } => bump(&self.io.clear_unrouted),
        }
    }

    fn send_udp(&self, local: SocketAddrV4, remote: SocketAddrV4, payload: &[u8]) {
        match self.sockets.send(local, remote, payload) {
            Ok(()) => bump(&self.io.datagrams_out),
            Err(e) => {
                bump(&self.io.send_errors);
                log::warn!("send {local} -> {remote}: {e}");
            }
        }
    }

    fn send_esp(&self, remote: Ipv4Addr, payload: &[u8]) {
        match &self.raw_esp {
            Some(raw) => match raw.send(remote, payload) {
                Ok(()) => bump(&self.io.raw_esp_out),
                Err(e) => {
                    bump(&self.io.send_errors);
                    log::warn!("raw ESP to {remote}: {e}");
                }
            },
            None => bump(&self.io.raw_esp_unsent),
        }
    }
}
