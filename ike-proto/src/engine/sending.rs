//! Handing a datagram to the caller, with its `sending packet` line.

use super::{Core, Datagram, IkeSa, NON_ESP_MARKER};
use crate::exchange::IosState;
use crate::time::Instant;

impl Core {
    pub(super) fn wrap(sa: &IkeSa, bytes: &[u8]) -> Datagram {
        let mut payload = Vec::with_capacity(bytes.len() + 4);
        if sa.floated {
            payload.extend_from_slice(&NON_ESP_MARKER);
        }
        payload.extend_from_slice(bytes);
        Datagram {
            local: sa.local,
            remote: sa.remote,
            payload,
        }
    }

    pub(super) fn send(&mut self, sa: &IkeSa, bytes: &[u8]) {
        self.send_as(sa, bytes, sa.debug_state());
    }

    /// [`Engine::send`], naming the state as `state` in the debug line.
    pub(super) fn send_as(&mut self, sa: &IkeSa, bytes: &[u8], state: IosState) {
        self.log(
            Some(sa.id),
            None,
            format_args!(
                "sending packet to {} my_port {} peer_port {} ({}) {state}",
                sa.remote.ip(),
                sa.local.port(),
                sa.remote.port(),
                sa.role_letter(),
            ),
        );
        let d = Self::wrap(sa, bytes);
        self.transmits.push_back(d);
    }

    /// Sends a phase-1 message: our first (`raw` `None`) or the answer to
    /// `raw`; `retransmit` when it expects an answer in turn.
    pub(super) fn send_phase1(
        &mut self,
        sa: &mut IkeSa,
        now: Instant,
        raw: Option<&[u8]>,
        bytes: Vec<u8>,
        retransmit: bool,
    ) {
        self.send_phase1_as(sa, now, raw, bytes, retransmit, sa.debug_state());
    }

    /// [`Engine::send_phase1`], naming the state as `state` in the debug
    /// line (the last answer of phase 1 goes out in the state it answers).
    pub(super) fn send_phase1_as(
        &mut self,
        sa: &mut IkeSa,
        now: Instant,
        raw: Option<&[u8]>,
        bytes: Vec<u8>,
        retransmit: bool,
        state: IosState,
    ) {
        self.send_as(sa, &bytes, state);
        let backoff = self.backoff();
        match raw {
            None => sa.flight.request(now, bytes, backoff),
            Some(raw) => sa
                .flight
                .answer(now, raw, bytes, retransmit.then_some(backoff)),
        }
    }
}
