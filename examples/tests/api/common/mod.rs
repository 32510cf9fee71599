//! What the tests that run the `router` binary share.

use std::io::{BufRead, BufReader};
use std::net::UdpSocket;
use std::ops::{Deref, DerefMut};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

/// The seed's hub configuration, outside address on loopback.
pub const HUB: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/configs/hub.cfg");

/// Two UDP ports free on both 127.0.0.1 and `other` (the second router's
/// outside address): both routers use the same IKE / NAT-T pair.
pub fn free_ports(other: &str) -> (String, String) {
    let mut ports: Vec<u16> = Vec::new();
    while ports.len() < 2 {
        let a = UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = a.local_addr().unwrap().port();
        if UdpSocket::bind((other, port)).is_ok() && !ports.contains(&port) {
            ports.push(port);
        }
    }
    (ports[0].to_string(), ports[1].to_string())
}

/// The `router` binary with the negotiation log on.
pub fn router() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_router"));
    c.env("IKESUITE_LOG", "debug");
    c
}

/// The seed's hub on loopback, on the `ike` / `natt` ports with `args`
/// more; its stdin piped (`quit` ends it), its output captured; returned
/// once its outside sockets are bound.
pub fn spawn_hub(ike: &str, natt: &str, args: &[&str]) -> Hub {
    let mut hub = router();
    hub.args(["--config", HUB, "--ike-port", ike, "--natt-port", natt])
        .args(args);
    Hub::start(hub)
}

/// A hub router started with its stdin and stdout piped, whose stderr (the
/// log) is read as it comes so the test knows when the hub listens.
pub struct Hub {
    child: Child,
    log: JoinHandle<Vec<u8>>,
}

impl Hub {
    /// Spawns `command` and waits for its `outside ...: IKE on` line: a
    /// peer started before the hub's sockets are bound loses its first
    /// message and waits out a retransmission.
    pub fn start(mut command: Command) -> Self {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (ready_tx, ready) = mpsc::channel();
        let log = std::thread::spawn(move || {
            let mut all = Vec::new();
            let mut reader = BufReader::new(stderr);
            let mut line = Vec::new();
            while reader.read_until(b'\n', &mut line).is_ok_and(|n| n > 0) {
                if String::from_utf8_lossy(&line).contains("): IKE on ") {
                    let _ = ready_tx.send(());
                }
                all.append(&mut line);
            }
            all
        });
        // No line (the hub refused its configuration): the test sees why
        // in its output.
        let _ = ready.recv_timeout(Duration::from_secs(20));
        Self { child, log }
    }

    /// The hub's exit status and output, its stderr as it wrote it.
    pub fn wait_with_output(self) -> std::io::Result<Output> {
        let Self { child, log } = self;
        let mut out = child.wait_with_output()?;
        out.stderr = log.join().unwrap_or_default();
        Ok(out)
    }
}

impl Deref for Hub {
    type Target = Child;

    fn deref(&self) -> &Child {
        &self.child
    }
}

impl DerefMut for Hub {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.child
    }
}
/// `out` (a router's stdout) shows `n` echoes sent and all answered:
/// IOS's ping summary.
pub fn assert_all_answered(out: &str, n: u32) {
    let summary = format!("{n} packets transmitted, {n} received, 0% packet loss");
    assert!(out.contains(&summary), "{out}");
}

/// `out` shows `show crypto ipsec sa` counting `n` packets sealed.
pub fn assert_sealed(out: &str, n: u32) {
    let line = format!("#pkts encaps: {n}, #pkts encrypt: {n}, #pkts digest {n}");
    assert!(out.contains(&line), "{out}");
}

/// `out` shows `show crypto ipsec sa` counting `n` packets opened.
pub fn assert_opened(out: &str, n: u32) {
    let line = format!("#pkts decaps: {n}, #pkts decrypt: {n}, #pkts verify {n}");
    assert!(out.contains(&line), "{out}");
}
