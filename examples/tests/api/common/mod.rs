//! What the tests that run the `router` binary share.

use std::net::UdpSocket;
use std::process::Command;

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
