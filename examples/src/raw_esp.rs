//! Raw ESP (IP protocol 50) on the outside: what a peer without NAT-T (an
//! IOS spoke on a public address, vpnc `--natt none`) sends and expects.
//! One raw IPv4 socket, which needs root or CAP_NET_RAW; without it the
//! router forces UDP encapsulation instead (see `bin/router.rs`).
//!
//! The kernel adds the IP header on send (no IP_HDRINCL) and gives the
//! whole IPv4 packet on receive. A raw socket sees every ESP packet the
//! host receives (this host runs no ESP of its own), so packets for other
//! addresses are counted and dropped here.

use std::io::{self, Read};
use std::net::{Ipv4Addr, SocketAddrV4};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::Sender;
use std::thread;
use std::time::Duration;

use socket2::{Domain, Protocol, SockAddr, Socket, Type};

use crate::io::Input;
use crate::packet;

/// IP protocol number of ESP (RFC 4303).
pub const PROTO_ESP: i32 = 50;
/// Largest IPv4 packet read.
const MAX_PACKET: usize = 65535;
/// How often the reading thread looks at the stop flag.
const POLL_STOP: Duration = Duration::from_millis(200);

/// What the reading thread dropped before the Gateway saw it.
#[derive(Debug, Default)]
pub struct RawEspDrops {
    /// ESP for another address of the host.
    pub foreign: AtomicU64,
    /// Not a well-formed IPv4 packet carrying ESP.
    pub malformed: AtomicU64,
}

/// The raw ESP socket of one outside address.
#[derive(Debug)]
pub struct RawEsp {
    sock: Socket,
    local: Ipv4Addr,
    drops: Arc<RawEspDrops>,
    /// Set on drop: the reading thread stops.
    closed: Arc<AtomicBool>,
}

impl Drop for RawEsp {
    fn drop(&mut self) {
        self.closed.store(true, Ordering::Relaxed);
    }
}

impl RawEsp {
    /// Opens a raw IPv4 socket for protocol 50 bound to `local` (our
    /// outside address, the source of what we send). Fails without root
    /// or CAP_NET_RAW (`PermissionDenied`).
    pub fn open(local: Ipv4Addr) -> io::Result<Self> {
        let sock = Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::from(PROTO_ESP)))?;
        sock.bind(&SockAddr::from(SocketAddrV4::new(local, 0)))?;
        Ok(Self {
            sock,
            local,
            drops: Arc::default(),
            closed: Arc::default(),
        })
    }

    /// Our outside address.
    pub fn local(&self) -> Ipv4Addr {
        self.local
    }

    /// What the reader dropped.
    pub fn drops(&self) -> &RawEspDrops {
        &self.drops
    }

    /// Sends one ESP packet (SPI to ICV) to `remote`.
    pub fn send(&self, remote: Ipv4Addr, payload: &[u8]) -> io::Result<()> {
        self.sock
            .send_to(payload, &SockAddr::from(SocketAddrV4::new(remote, 0)))
            .map(|_| ())
    }

    /// Starts the reading thread: each ESP packet for our address goes to
    /// `tx` as [`Input::Esp`]; it stops soon after `stop` is set or this
    /// socket drops.
    pub fn spawn_reader(&self, tx: &Sender<Input>, stop: &Arc<AtomicBool>) -> io::Result<()> {
        let sock = self.sock.try_clone()?;
        sock.set_read_timeout(Some(POLL_STOP))?;
        let (tx, stop, drops, local) = (
            tx.clone(),
            [Arc::clone(stop), Arc::clone(&self.closed)],
            Arc::clone(&self.drops),
            self.local,
        );
        thread::Builder::new()
            .name("raw-esp".into())
            .spawn(move || read_raw(sock, local, &tx, &stop, &drops))?;
        Ok(())
    }
}

fn read_raw(
    mut sock: Socket,
    local: Ipv4Addr,
    tx: &Sender<Input>,
    stop: &[Arc<AtomicBool>],
    drops: &RawEspDrops,
) {
    let mut buf = vec![0u8; MAX_PACKET];
    while !crate::io::stopped(stop) {
        match sock.read(&mut buf) {
            Ok(n) => {
                let Some(input) = classify(buf.get(..n).unwrap_or_default(), local, drops) else {
                    continue;
                };
                if tx.send(input).is_err() {
                    return;
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                        | io::ErrorKind::Interrupted
                ) => {}
            Err(e) => {
                log::warn!("raw ESP receive: {e}");
                thread::sleep(POLL_STOP);
            }
        }
    }
}

/// The ESP payload of a received IPv4 packet, if it is ESP for `local`.
fn classify(packet: &[u8], local: Ipv4Addr, drops: &RawEspDrops) -> Option<Input> {
    let ip = match packet::ipv4(packet) {
        Ok(ip)
            if i32::from(ip.header.protocol().0) == PROTO_ESP
                && !ip.header.is_fragmenting_payload() =>
        {
            ip
        }
        _ => {
            drops.malformed.fetch_add(1, Ordering::Relaxed);
            return None;
        }
    };
    if ip.header.destination_addr() != local {
        drops.foreign.fetch_add(1, Ordering::Relaxed);
        return None;
    }
    Some(Input::Esp {
        remote: ip.header.source_addr(),
        payload: ip.payload.to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use etherparse::IpNumber;

    fn esp_packet(src: Ipv4Addr, dst: Ipv4Addr) -> Vec<u8> {
        let mut p = Vec::new();
        packet::ipv4_builder(src, dst, 1)
            .write_to_vec(
                &mut p,
                IpNumber::ENCAPSULATING_SECURITY_PAYLOAD,
                &[0, 0, 0x10, 0x01, 0, 0, 0, 1, 0xaa, 0xbb],
            )
            .unwrap();
        p
    }

    #[test]
    fn esp_for_us_goes_to_the_gateway_others_are_counted() {
        let us = Ipv4Addr::new(192, 0, 2, 1);
        let peer = Ipv4Addr::new(192, 0, 2, 2);
        let drops = RawEspDrops::default();
        match classify(&esp_packet(peer, us), us, &drops) {
            Some(Input::Esp { remote, payload }) => {
                assert_eq!(remote, peer);
                assert_eq!(payload, [0, 0, 0x10, 0x01, 0, 0, 0, 1, 0xaa, 0xbb]);
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(classify(&esp_packet(peer, Ipv4Addr::new(192, 0, 2, 9)), us, &drops).is_none());
        assert_eq!(drops.foreign.load(Ordering::Relaxed), 1);
        let mut bad = esp_packet(peer, us);
        bad[10] ^= 0xff; // header checksum
        assert!(classify(&bad, us, &drops).is_none());
        assert!(classify(&[0x45, 0], us, &drops).is_none());
        assert_eq!(drops.malformed.load(Ordering::Relaxed), 2);
    }
}
