//! The engine's configuration: timers, limits, NAT traversal, DPD and
//! logging, each with its IOS default.

use super::{IKE_PORT, NATT_PORT};

use crate::time::Duration;

/// DPD mode (`crypto isakmp keepalive ... [periodic | on-demand]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DpdMode {
    /// Send R-U-THERE only after `interval` without hearing from the peer.
    OnIdle,
    /// Send R-U-THERE every `interval`.
    Periodic,
}

/// Dead peer detection settings (RFC 3706).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DpdConfig {
    /// Idle time / period before an R-U-THERE.
    pub interval: Duration,
    /// Time between unanswered R-U-THEREs.
    pub retry: Duration,
    /// Unanswered R-U-THEREs after which the peer is dead.
    pub retries: u32,
    /// On-idle or periodic.
    pub mode: DpdMode,
}

impl Default for DpdConfig {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(10),
            retry: Duration::from_secs(2),
            retries: 5,
            mode: DpdMode::OnIdle,
        }
    }
}

/// Engine settings that are not per-peer policy.
#[derive(Clone, Debug)]
pub struct Config {
    /// First retransmission interval (doubles each try).
    pub retransmit_interval: Duration,
    /// Longest retransmission interval.
    pub retransmit_max_interval: Duration,
    /// Sends of one message before the exchange is given up.
    pub retransmit_tries: u32,
    /// How long a phase 1 (and a Quick Mode or Transaction exchange) may
    /// stay incomplete; at least the retransmission budget (the sum of
    /// the `retransmit_tries` intervals), so every try is made. With the
    /// defaults both are a minute.
    pub half_open_timeout: Duration,
    /// Half-open responder SAs per peer address; beyond it the address's
    /// own oldest unverified one makes room.
    pub half_open_per_peer: usize,
    /// Half-open responder SAs in total; beyond it the oldest unverified
    /// one (the peer never sent its second message) makes room, so a flood
    /// of spoofed first messages delays real peers by at most
    /// `half_open_total / flood rate` seconds instead of locking them out.
    pub half_open_total: usize,
    /// Bytes the half-open responder SAs may retain in all (state, the
    /// peer's SA payload, our last message), as the engine estimates them:
    /// evicts as `half_open_total` does, so large first messages cannot
    /// raise the memory bound. The estimate is conservative: under a
    /// 10,000-per-second spoofed flood the allocator counts about two
    /// thirds of it (tests/flood.rs measures both).
    pub half_open_memory: usize,
    /// Diffie-Hellman computations per second Aggressive Mode first
    /// messages may cost (each is a DH before the peer proved its
    /// address); beyond it an AM1 is dropped and counted, and its
    /// retransmission has priority.
    pub aggressive_dh_per_second: u32,
    /// Aggressive Mode DHs allowed in a burst.
    pub aggressive_dh_burst: u32,
    /// Child SAs (IPsec SA pairs, rekeyed ones awaiting their hard expiry
    /// included) one IKE SA may negotiate and hold; a Quick Mode beyond it
    /// is refused with NO_PROPOSAL_CHOSEN.
    pub max_child_sas_per_ike_sa: usize,
    /// Child SAs all IKE SAs with one peer address may hold (VPN clients
    /// behind one NAT share it).
    pub max_child_sas_per_peer: usize,
    /// Offer and accept NAT traversal.
    pub nat_traversal: bool,
    /// Speak RFC 3947 NAT-T (payloads 20/21, modes 3/4).
    pub nat_t_rfc3947: bool,
    /// Speak the draft 02/02\n/03 NAT-T of older peers (payloads 130/131,
    /// modes 61443/61444).
    pub nat_t_drafts: bool,
    /// NAT keepalive period when we are behind a NAT.
    pub nat_keepalive: Duration,
    /// Periodic DPD probes, `None` for none (IOS without `crypto isakmp
    /// keepalive`). R-U-THERE is answered either way.
    pub dpd: Option<DpdConfig>,
    /// Send the DPD vendor ID (RFC 3706: "I answer R-U-THERE"), as IOS
    /// does whether or not it probes itself. Off only to stand in for a
    /// peer without DPD.
    pub advertise_dpd: bool,
    /// Send INITIAL_CONTACT after a phase 1 with a peer we hold nothing with.
    pub initial_contact: bool,
    /// Child SA rekey point as initiator, in per-mille of the lifetime.
    pub rekey_initiator_permille: u64,
    /// Child SA rekey point as responder, in per-mille of the lifetime.
    pub rekey_responder_permille: u64,
    /// How long a finished Quick Mode is kept to answer retransmissions;
    /// at least the retransmission budget, as long as the peer may still
    /// be resending the message we answered last.
    pub finished_exchange_linger: Duration,
    /// Set the commit bit in our Quick Mode messages (RFC 2408 3.1): the
    /// SA is used only after CONNECTED. Off, as in IOS.
    pub quick_mode_commit: bool,
    /// Our IKE port: where an [`Engine::initiate`](super::Engine::initiate)
    /// given port 0 sends from.
    /// 500 unless running unprivileged.
    pub ike_port: u16,
    /// Our NAT-T port: datagrams arriving on it carry the non-ESP marker,
    /// and an SA that floats sends from it. 4500 unless running
    /// unprivileged; must differ from `ike_port`.
    pub natt_port: u16,
    /// The peer's IKE port, where an [`Engine::initiate`](super::Engine::initiate) given port 0
    /// sends to.
    pub peer_ike_port: u16,
    /// The peer's NAT-T port, where an SA we initiated floats to (a
    /// responder learns it from the datagram the peer floated with).
    pub peer_natt_port: u16,
    /// Always float to the NAT-T port and carry ESP in UDP, as if a NAT
    /// were in the path (strongSwan's `forceencaps`): the NAT-D payload
    /// for our own address is a random value (RFC 3947 allows it), so the
    /// peer sees us "behind a NAT", and we count a NAT as detected
    /// ([`NatDetection::forced`](super::NatDetection::forced)). Needs a peer that speaks NAT-T; one
    /// that does not gets plain ESP modes. For nodes on UDP sockets, which
    /// cannot send raw ESP.
    pub force_udp_encapsulation: bool,
    /// Xauth tries per IKE SA as the server: a wrong password is asked
    /// again with a new REQUEST until this many failed; then SET with
    /// XAUTH_STATUS FAIL, and the IKE SA is deleted once it is acknowledged.
    pub xauth_attempts: u32,
    /// Report each IKE SA's phase-1 encryption key in an
    /// [`Event::IkeSaKeys`](super::Event::IkeSaKeys) when phase 1 completes, for a Wireshark key
    /// log. Off by default: it hands out a secret, and only an embedder
    /// that writes a key log on purpose should turn it on.
    pub keylog: bool,
    /// Where the log lines in IOS's debug vocabulary go, each exactly
    /// once: `None` (the default) as [`Event::Log`](super::Event::Log) events, polled per
    /// engine; `Some(target)` to the `log` facade at debug level under
    /// this target (a name the embedder gives, so the lines of several
    /// engines in one process can be told apart and filtered, e.g.
    /// `RUST_LOG=hub=debug`), and not as events.
    pub log_target: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            retransmit_interval: Duration::from_secs(2),
            retransmit_max_interval: Duration::from_secs(30),
            retransmit_tries: 5,
            half_open_timeout: Duration::from_secs(60),
            half_open_per_peer: 8,
            half_open_total: 16_384,
            half_open_memory: 48 << 20,
            aggressive_dh_per_second: 100,
            aggressive_dh_burst: 20,
            max_child_sas_per_ike_sa: 32,
            max_child_sas_per_peer: 256,
            nat_traversal: true,
            nat_t_rfc3947: true,
            nat_t_drafts: true,
            nat_keepalive: Duration::from_secs(20),
            dpd: Some(DpdConfig::default()),
            advertise_dpd: true,
            initial_contact: true,
            rekey_initiator_permille: 850,
            rekey_responder_permille: 950,
            finished_exchange_linger: Duration::from_secs(60),
            quick_mode_commit: false,
            xauth_attempts: 3,
            ike_port: IKE_PORT,
            natt_port: NATT_PORT,
            peer_ike_port: IKE_PORT,
            peer_natt_port: NATT_PORT,
            force_udp_encapsulation: false,
            keylog: false,
            log_target: None,
        }
    }
}

/// `debug crypto isakmp` / `debug crypto ipsec`: which debug lines are
/// written at all ([`Engine::set_debugging`](super::Engine::set_debugging)).
/// A line that no switch lets through is never formatted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Debugging {
    /// The ISAKMP lines (`ISAKMP (0:1): Old State = ...`, `CryptoEngine0: ...`).
    pub isakmp: bool,
    /// The IPsec lines (`IPSEC(create_sa): ...`).
    pub ipsec: bool,
}

impl Debugging {
    /// Both on.
    pub const ALL: Self = Self {
        isakmp: true,
        ipsec: true,
    };
    /// Both off (`undebug all`, IOS's state at boot).
    pub const NONE: Self = Self {
        isakmp: false,
        ipsec: false,
    };
}
