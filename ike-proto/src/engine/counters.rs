//! Every datagram the engine drops or refuses is counted by why: the
//! [`Counters`] view behind [`super::Engine::counters`].

use crate::error::Error;

/// What the engine did not accept, by reason; plain numbers that only
/// grow (wrapping after 2^64), for `show` views and monitoring.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Counters {
    /// Datagrams handed to [`super::Engine::handle_datagram`].
    pub datagrams: u64,
    /// NAT keepalives (a single 0xFF on the NAT-T port), dropped as they
    /// should be.
    pub nat_keepalives: u64,
    /// ESP in UDP on the NAT-T port: the data plane's, not IKE.
    pub esp_in_udp: u64,
    /// Not an ISAKMP message: the header did not parse.
    pub unparsable: u64,
    /// Messages accepted although zero bytes followed their last payload
    /// (a cleartext chain or an ATTRIBUTE payload; Libreswan pads both).
    /// Harmless, so taken, but counted.
    pub zero_padding: u64,
    /// Cookies no IKE SA holds (and not a first message).
    pub unknown_cookies: u64,
    /// A new responder SA refused by the half-open limits (the table or
    /// the address's share of it full of verified SAs).
    pub half_open_limit: u64,
    /// Unverified half-open responder SAs evicted to make room for a new
    /// one (not a rejected datagram: the new one was taken).
    pub half_open_evicted: u64,
    /// Half-open responder SAs given up after one retransmission because
    /// the peer never sent its second message (likely spoofed).
    pub half_open_unanswered: u64,
    /// Aggressive Mode first messages dropped because the DH budget
    /// ([`super::Config::aggressive_dh_per_second`]) was spent.
    pub aggressive_dh_budget: u64,
    /// Aggressive Mode first messages refused by
    /// [`crate::policy::Policy::aggressive_mode_allowed`] (answered with
    /// INVALID_ID_INFORMATION, no hash).
    pub aggressive_mode_refused: u64,
    /// Quick Modes refused because the IKE SA or the peer holds its most
    /// child SAs ([`super::Config::max_child_sas_per_ike_sa`],
    /// [`super::Config::max_child_sas_per_peer`]).
    pub child_sa_limit: u64,
    /// A repeat of the last request: answered with the last response,
    /// never processed twice.
    pub duplicates: u64,
    /// A protected Informational, or a Quick Mode first message, whose
    /// message ID was seen before on the IKE SA.
    pub replays: u64,
    /// An exchange type the engine does not run.
    pub unsupported_exchange: u64,
    /// A message valid in itself but not now: a phase-1 message on a
    /// complete SA, Quick Mode before phase 1 or when no more may run, a
    /// message for a finished Quick Mode.
    pub out_of_state: u64,
    /// A message the state machine set aside without an error (most often
    /// a retransmission of the peer's previous message).
    pub ignored: u64,
    /// Refused by an exchange: not a well-formed message
    /// ([`Error::InvalidMessage`]).
    pub invalid_message: u64,
    /// Refused by an exchange: the peer broke the protocol (a HASH that
    /// does not verify, payloads that do not belong) ([`Error::PeerMisbehaved`]).
    pub peer_misbehaved: u64,
    /// Refused by an exchange: the peer asks for what we do not serve (no
    /// proposal chosen, identities or keys the policy does not know)
    /// ([`Error::PeerIncompatible`]).
    pub peer_incompatible: u64,
    /// Refused for a reason of our own ([`Error::ApiMisuse`],
    /// [`Error::Crypto`], [`Error::Internal`]).
    pub local_errors: u64,
}

impl Counters {
    /// Datagrams not accepted, whatever the reason (NAT keepalives and
    /// ESP in UDP, which are not IKE's, excluded).
    pub fn rejected(&self) -> u64 {
        [
            self.unparsable,
            self.unknown_cookies,
            self.half_open_limit,
            self.aggressive_dh_budget,
            self.aggressive_mode_refused,
            self.child_sa_limit,
            self.duplicates,
            self.replays,
            self.unsupported_exchange,
            self.out_of_state,
            self.ignored,
            self.invalid_message,
            self.peer_misbehaved,
            self.peer_incompatible,
            self.local_errors,
        ]
        .iter()
        .fold(0u64, |a, b| a.wrapping_add(*b))
    }

    /// Counts a refusal by who was at fault.
    pub(crate) fn error(&mut self, e: &Error) {
        let c = match e {
            Error::InvalidMessage(_) => &mut self.invalid_message,
            Error::PeerMisbehaved(_) => &mut self.peer_misbehaved,
            Error::PeerIncompatible(_) => &mut self.peer_incompatible,
            Error::ApiMisuse(_) | Error::Crypto(_) | Error::Internal(_) => &mut self.local_errors,
        };
        bump(c);
    }
}

/// Adds one.
pub(crate) fn bump(c: &mut u64) {
    *c = c.wrapping_add(1);
}
