//! Datagrams in: each is matched to its SA and handed to phase 1, Quick
//! Mode, Informational or the Transaction exchange (the sibling modules).

use std::net::SocketAddrV4;

use super::counters::bump;
use super::{Arrival, Engine, IkeSaId, NON_ESP_MARKER};
use crate::exchange::chain::{self, Received};
use crate::time::Instant;
use crate::wire::{Cookie, ExchangeType, Flags};

impl Engine {
    /// Feeds one received UDP datagram: `local` is the address and port it
    /// arrived on, `remote` where it came from.
    pub fn handle_datagram(
        &mut self,
        now: Instant,
        local: SocketAddrV4,
        remote: SocketAddrV4,
        data: &[u8],
    ) {
        self.now = now;
        bump(&mut self.counters.datagrams);
        let msg = if local.port() == self.config.natt_port {
            if data == [0xff] {
                bump(&mut self.counters.nat_keepalives);
                return;
            }
            match data.strip_prefix(&NON_ESP_MARKER) {
                Some(m) => m,
                None => {
                    // ESP in UDP: the data plane's.
                    bump(&mut self.counters.esp_in_udp);
                    return;
                }
            }
        } else {
            data
        };
        let (header, body) = match chain::received(msg) {
            Ok(x) => x,
            Err(e) => {
                bump(&mut self.counters.unparsable);
                self.log(
                    None,
                    None,
                    format_args!("dropping packet from {remote}: {e}"),
                );
                return;
            }
        };
        if !header.flags().contains(Flags::ENCRYPTION) {
            let padding = chain::zero_padding(header.next_payload(), body);
            if padding > 0 {
                bump(&mut self.counters.zero_padding);
                self.log(
                    None,
                    None,
                    format_args!("accepting {padding} bytes of zero padding after the last payload from {remote}"),
                );
            }
        }
        let Some(id) = self.lookup(&header, remote) else {
            if header.responder_cookie().is_zero()
                && header.message_id() == 0
                && matches!(
                    header.exchange_type(),
                    ExchangeType::MAIN_MODE | ExchangeType::AGGRESSIVE
                )
            {
                self.new_responder(now, local, remote, &header, body, msg);
            } else {
                bump(&mut self.counters.unknown_cookies);
                self.log(
                    None,
                    None,
                    format_args!("received packet from {remote} for unknown cookies: dropped"),
                );
            }
            return;
        };
        let Some(mut sa) = self.sas.remove(&id) else {
            return;
        };
        self.log(
            Some(sa.id),
            None,
            format_args!(
                "received packet from {} dport {} sport {} Global ({}) {}",
                remote.ip(),
                local.port(),
                remote.port(),
                sa.role_letter(),
                sa.debug_state()
            ),
        );
        // Nothing about the SA (the responder cookie, the peer's address,
        // the float to NAT-T) changes until the message has been validated
        // by the state it is for.
        let arrival = Arrival { local, remote };
        let keep = match header.exchange_type() {
            ExchangeType::MAIN_MODE | ExchangeType::AGGRESSIVE if header.message_id() == 0 => {
                self.phase1_message(now, &mut sa, &header, body, msg, arrival)
            }
            ExchangeType::QUICK => {
                self.quick_message(now, &mut sa, &header, body, msg, arrival);
                self.pump_acquires(now, &mut sa);
                true
            }
            ExchangeType::INFORMATIONAL => {
                let keep = self.info_message(now, &mut sa, &header, body, arrival);
                if keep {
                    self.pump_acquires(now, &mut sa);
                }
                keep
            }
            ExchangeType::TRANSACTION => {
                let keep = self.transaction_message(now, &mut sa, &header, body, msg, arrival);
                if keep {
                    self.pump_acquires(now, &mut sa);
                }
                keep
            }
            other => {
                bump(&mut self.counters.unsupported_exchange);
                self.log(
                    Some(sa.id),
                    None,
                    format_args!("unsupported exchange type {other}: dropped"),
                );
                true
            }
        };
        if keep {
            self.put_sa(sa);
        } else {
            self.forget_sa(&sa);
        }
    }

    fn lookup(&self, h: &Received<'_>, remote: SocketAddrV4) -> Option<IkeSaId> {
        if let Some(id) = self
            .by_cookies
            .get(&(h.initiator_cookie(), h.responder_cookie()))
        {
            return Some(*id);
        }
        if h.responder_cookie().is_zero() {
            // A retransmitted first message: the responder SA we made for it
            // (indexed: this runs for every datagram of a flood).
            return self
                .by_first
                .get(&(h.initiator_cookie(), *remote.ip()))
                .copied();
        }
        // The responder's first answer to us.
        self.by_cookies
            .get(&(h.initiator_cookie(), Cookie::ZERO))
            .copied()
            .filter(|id| self.sas.get(id).is_some_and(|s| s.initiator))
    }
}
