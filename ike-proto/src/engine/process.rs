//! Datagrams in: each is matched to its SA and handed to phase 1, Quick
//! Mode, Informational or the Transaction exchange (the sibling modules).

use std::net::SocketAddrV4;

use super::counters::bump;
use super::{Arrival, Core, Engine, IkeSa, NON_ESP_MARKER};
use crate::exchange::chain::{self, Received};
use crate::time::Instant;
use crate::wire::{ExchangeType, Flags};

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
        self.core.now = now;
        bump(&mut self.core.counters.datagrams);
        let msg = if local.port() == self.core.config.natt_port {
            if data == [0xff] {
                bump(&mut self.core.counters.nat_keepalives);
                return;
            }
            match data.strip_prefix(&NON_ESP_MARKER) {
                Some(m) => m,
                None => {
                    // ESP in UDP: the data plane's.
                    bump(&mut self.core.counters.esp_in_udp);
                    return;
                }
            }
        } else {
            data
        };
        let (header, body) = match chain::received(msg) {
            Ok(x) => x,
            Err(e) => {
                bump(&mut self.core.counters.unparsable);
                self.core.log(
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
                bump(&mut self.core.counters.zero_padding);
                self.core.log(
                    None,
                    None,
                    format_args!("accepting {padding} bytes of zero padding after the last payload from {remote}"),
                );
            }
        }
        let Some(id) = self.sas.lookup(&header, remote) else {
            if header.responder_cookie().is_zero()
                && header.message_id() == 0
                && matches!(
                    header.exchange_type(),
                    ExchangeType::MAIN_MODE | ExchangeType::AGGRESSIVE
                )
            {
                self.core
                    .new_responder(&mut self.sas, now, local, remote, &header, body, msg);
            } else {
                bump(&mut self.core.counters.unknown_cookies);
                self.core.log(
                    None,
                    None,
                    format_args!("received packet from {remote} for unknown cookies: dropped"),
                );
            }
            return;
        };
        let arrival = Arrival { local, remote };
        let phase1 = matches!(
            header.exchange_type(),
            ExchangeType::MAIN_MODE | ExchangeType::AGGRESSIVE
        ) && header.message_id() == 0;
        // Whether phase 1 may offer INITIAL_CONTACT: no other SA with the
        // peer (asked of the table before the SA is borrowed from it).
        let others = phase1
            && self.sas.get(id).is_some_and(|sa| {
                let peer = *sa.remote.ip();
                self.sas
                    .of_peer(peer)
                    .any(|s| s.id != id && !s.is_half_open())
            });
        self.with_sa(id, |core, sa| {
            (
                core.message(now, sa, &header, body, msg, arrival, others),
                (),
            )
        });
    }
}

impl Core {
    /// A message for an SA of ours; `false` drops the SA.
    #[allow(clippy::too_many_arguments)]
    fn message(
        &mut self,
        now: Instant,
        sa: &mut IkeSa,
        header: &Received<'_>,
        body: &[u8],
        msg: &[u8],
        arrival: Arrival,
        others: bool,
    ) -> bool {
        let (local, remote) = (arrival.local, arrival.remote);
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
        match header.exchange_type() {
            ExchangeType::MAIN_MODE | ExchangeType::AGGRESSIVE if header.message_id() == 0 => {
                self.phase1_message(now, sa, header, body, msg, arrival, others)
            }
            ExchangeType::QUICK => {
                self.quick_message(now, sa, header, body, msg, arrival);
                self.pump_acquires(now, sa);
                true
            }
            ExchangeType::INFORMATIONAL => {
                let keep = self.info_message(now, sa, header, body, arrival);
                if keep {
                    self.pump_acquires(now, sa);
                }
                keep
            }
            ExchangeType::TRANSACTION => {
                let keep = self.transaction_message(now, sa, header, body, msg, arrival);
                if keep {
                    self.pump_acquires(now, sa);
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
        }
    }
}
