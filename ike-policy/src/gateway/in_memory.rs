//! Two Gateways wired to each other in memory, as tests, benches and
//! simulations run a hub and a spoke without sockets: what one transmits
//! the other receives, the way a network would hand it over.

use super::{Gateway, Instant, Transmit};

/// What one [`carry`] moved.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Carried {
    /// UDP datagrams and raw ESP packets handed to the other Gateway.
    pub datagrams: usize,
    /// Inside packets no crypto ACL protected ([`Transmit::Clear`]): no
    /// wire between two outside interfaces carries them, so they are only
    /// counted.
    pub clear: usize,
}

impl Carried {
    /// Whether anything left `from`.
    pub const fn moved(&self) -> bool {
        self.datagrams + self.clear > 0
    }
}

/// Hands everything `from` wants sent to `to` at `now`: a UDP datagram
/// arrives on its `remote` from its `local`, raw ESP from its `local`.
pub fn carry(from: &mut Gateway, to: &mut Gateway, now: Instant) -> Carried {
    let mut carried = Carried::default();
    while let Some(t) = from.poll_transmit() {
        match t {
            Transmit::Udp {
                local,
                remote,
                payload,
            } => {
                carried.datagrams += 1;
                to.handle_datagram(now, remote, local, &payload);
            }
            Transmit::Esp { local, payload, .. } => {
                carried.datagrams += 1;
                to.handle_esp(now, local, &payload);
            }
            Transmit::Clear { .. } => carried.clear += 1,
        }
    }
    carried
}
