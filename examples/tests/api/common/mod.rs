//! What the tests that run the `router` binary share.

use std::net::UdpSocket;
use std::process::{Child, Command, Stdio};

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
/// more; its stdin piped (`quit` ends it), its output captured.
pub fn spawn_hub(ike: &str, natt: &str, args: &[&str]) -> Child {
    router()
        .args(["--config", HUB, "--ike-port", ike, "--natt-port", natt])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
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
