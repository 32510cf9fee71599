//! The outside address moving while the router runs: a `configure replace`
//! with a new static `ip address` on the crypto interface, or `--outside-addr
//! dhcp`, where the router follows the address the host sends from towards
//! its peer (what IOS does when an `ip address dhcp` lease changes). The
//! Gateway moves with `Gateway::set_outside_address`; the router binds its
//! sockets on the new address first, so an address the host does not have
//! changes nothing.

use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::Sender;

use ike_proto::time::Instant;

use crate::io::{Input, OutsideSockets};
use crate::raw_esp::RawEsp;

/// How often `--outside-addr dhcp` looks at the route.
pub const FOLLOW_EVERY_MS: u64 = 2000;

/// Where the readers of rebound sockets send what they read.
#[derive(Debug, Clone)]
pub struct Readers {
    /// The router loop's channel.
    pub tx: Sender<Input>,
    /// The router's stop flag.
    pub stop: Arc<AtomicBool>,
}

/// The outside sockets bound on a new address, their readers started.
#[derive(Debug)]
pub struct Rebound {
    /// UDP on the IKE and NAT-T ports.
    pub sockets: OutsideSockets,
    /// Raw ESP, when the router carried it.
    pub raw_esp: Option<RawEsp>,
}

/// Binds `old`'s ports (and raw ESP when `raw` is set) on `address` and
/// starts their readers.
///
/// # Errors
/// The bind's error, as a line to print: nothing was changed.
pub fn rebind(
    old: &OutsideSockets,
    raw: bool,
    address: Ipv4Addr,
    readers: &Readers,
) -> Result<Rebound, String> {
    let sockets = old
        .rebind(address)
        .map_err(|e| format!("bind {address}: {e}"))?;
    let raw_esp = raw
        .then(|| RawEsp::open(address))
        .transpose()
        .map_err(|e| format!("raw ESP on {address}: {e}"))?;
    sockets
        .spawn_readers(&readers.tx, &readers.stop)
        .map_err(|e| format!("readers on {address}: {e}"))?;
    if let Some(r) = &raw_esp {
        r.spawn_reader(&readers.tx, &readers.stop)
            .map_err(|e| format!("raw ESP reader on {address}: {e}"))?;
    }
    Ok(Rebound { sockets, raw_esp })
}

/// The address the host sends from towards `peer`: a UDP socket's local
/// address once connected (connecting a UDP socket sends nothing; the
/// kernel picks the route and its source).
pub fn route_source(peer: Ipv4Addr) -> Option<Ipv4Addr> {
    let sock = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)).ok()?;
    sock.connect((peer, 500)).ok()?;
    match sock.local_addr().ok()? {
        SocketAddr::V4(a) if !a.ip().is_unspecified() => Some(*a.ip()),
        _ => None,
    }
}

/// `--outside-addr dhcp`: looks at the route towards the peer every
/// [`FOLLOW_EVERY_MS`].
#[derive(Debug, Clone, Copy)]
pub struct Follower {
    peer: Ipv4Addr,
    next_ms: u64,
}

impl Follower {
    /// Follows the source address of the route towards `peer`.
    pub fn new(peer: Ipv4Addr) -> Self {
        Self { peer, next_ms: 0 }
    }

    /// The peer whose route is followed.
    pub fn peer(&self) -> Ipv4Addr {
        self.peer
    }

    /// When the route is looked at next.
    pub fn poll_timeout(&self) -> Instant {
        Instant::from_millis(self.next_ms)
    }

    /// The route's source address when it is time to look (`force`: look
    /// now, e.g. on SIGHUP).
    pub fn poll(&mut self, now: Instant, force: bool) -> Option<Ipv4Addr> {
        if !force && now.as_millis() < self.next_ms {
            return None;
        }
        self.next_ms = now.as_millis() + FOLLOW_EVERY_MS;
        route_source(self.peer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_route_to_a_loopback_peer_comes_from_loopback() {
        assert_eq!(
            route_source(Ipv4Addr::new(127, 0, 0, 1)),
            Some(Ipv4Addr::new(127, 0, 0, 1))
        );
    }

    #[test]
    fn the_follower_looks_at_its_pace_or_when_forced() {
        let mut f = Follower::new(Ipv4Addr::LOCALHOST);
        let t0 = Instant::from_millis(10_000);
        assert!(f.poll(t0, false).is_some());
        assert!(f.poll(Instant::from_millis(10_500), false).is_none());
        assert!(f.poll(Instant::from_millis(10_500), true).is_some());
        assert_eq!(f.poll_timeout(), Instant::from_millis(12_500));
        assert!(f.poll(Instant::from_millis(12_500), false).is_some());
    }
}
