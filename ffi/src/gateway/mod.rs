//! The Gateway from C: one IPsec node (IOS configuration, IKE engine, ESP
//! data plane) driven by the caller's sockets and clock.
//!
//! Call order (as `ike_policy::gateway` documents it): create with
//! `iks_gateway_new`; on every input (`iks_gateway_handle_datagram`,
//! `_handle_esp`, `_handle_inside`, `_handle_timeout`) pass the time; after
//! every input drain `iks_gateway_poll_transmit`, `_poll_inside` and
//! `_poll_event` until `IKS_ERR_EMPTY`, then ask `_poll_timeout` when to
//! call `_handle_timeout`.
//!
//! Commands answer events, each with the time, and are followed by the same
//! draining: `iks_gateway_xauth_verdict` answers `IKS_EVENT_XAUTH_REQUEST`
//! (whose credentials `iks_gateway_xauth_take_credentials` hands over once,
//! because the event struct carries no strings) and
//! `iks_gateway_xauth_credentials` answers
//! `IKS_EVENT_XAUTH_CREDENTIALS_REQUEST`.
//!
//! Addresses are IPv4 addresses as one `uint32_t` in host order
//! (127.0.0.1 is `0x7F000001`: `ntohl(sin.sin_addr.s_addr)`), ports are
//! plain numbers (`ntohs(sin.sin_port)`). Times are milliseconds of the
//! caller's monotonic clock, any epoch, never going back.
//!
//! Thread safety: an `iks_gateway` may move between threads but must be
//! used by one thread at a time; different gateways are independent.

use std::collections::HashMap;

use ike_policy::gateway::{GatewayCounters, KeyLogLine};
use ike_policy::{Gateway, Transmit};
use ike_proto::policy::XauthPassword;

use crate::boundary::FfiError;
use crate::result::iks_result;

/// A UDP datagram (IKE, or ESP in UDP): send it from
/// `local_addr:local_port` to `remote_addr:remote_port`.
pub const IKS_TRANSMIT_UDP: u32 = 1;
/// A raw ESP packet (the payload of an IP protocol 50 packet) from
/// `local_addr` to `remote_addr`; ports are 0.
pub const IKS_TRANSMIT_ESP: u32 = 2;
/// An inside packet no crypto ACL protects: route it in clear. Addresses
/// and ports are 0.
pub const IKS_TRANSMIT_CLEAR: u32 = 3;

/// Phase 1 completed with `peer`; `id` is the IKE SA.
pub const IKS_EVENT_IKE_SA_UP: u32 = 1;
/// An established IKE SA went away; `reason` is an `IKS_DOWN_*`.
pub const IKS_EVENT_IKE_SA_DOWN: u32 = 2;
/// Phase 1 failed or timed out before completing.
pub const IKS_EVENT_IKE_SA_FAILED: u32 = 3;
/// An IPsec SA pair was installed in the data plane: `spi_in`, `spi_out`,
/// `udp_encapsulated`; `id` is the child SA.
pub const IKS_EVENT_SA_UP: u32 = 4;
/// An IPsec SA pair went away (`spi_in`, `spi_out`, `reason`).
pub const IKS_EVENT_SA_DOWN: u32 = 5;
/// An IPsec SA pair was rekeyed: the new pair's `spi_in`/`spi_out`; the old
/// pair stays until its own `IKS_EVENT_SA_DOWN`.
pub const IKS_EVENT_SA_REKEYED: u32 = 6;
/// A Quick Mode failed or timed out.
pub const IKS_EVENT_SA_FAILED: u32 = 7;
/// A negotiated SA could not be installed (e.g. a cipher the data plane
/// lacks) and was deleted.
pub const IKS_EVENT_SA_INSTALL_FAILED: u32 = 8;
/// Dead peer detection declared `peer` dead.
pub const IKS_EVENT_PEER_DEAD: u32 = 9;
/// The peer's address or port changed under NAT; `peer` is the new one.
pub const IKS_EVENT_PEER_MOVED: u32 = 10;
/// A notify of type `notify_type` arrived from `peer`.
pub const IKS_EVENT_NOTIFY: u32 = 11;
/// `count` packets were dropped; `reason` is an `IKS_DROP_*`.
pub const IKS_EVENT_DROPPED: u32 = 12;
/// A client's Xauth user name and password on IKE SA `id` await the
/// embedder's verdict: the configuration's `client authentication list`
/// is not local (`group radius` ...). Take them with
/// `iks_gateway_xauth_take_credentials`, ask the AAA server, answer with
/// `iks_gateway_xauth_verdict` (any time before the client gives up).
pub const IKS_EVENT_XAUTH_REQUEST: u32 = 13;
/// As the Xauth client, the server on IKE SA `id` asked for a user name
/// and password and the configuration has none: answer with
/// `iks_gateway_xauth_credentials`.
pub const IKS_EVENT_XAUTH_CREDENTIALS_REQUEST: u32 = 14;
/// Xauth ended on IKE SA `id` (either role); `ok` says whether it passed.
/// A failed attempt may be followed by another `IKS_EVENT_XAUTH_REQUEST`.
pub const IKS_EVENT_XAUTH_DONE: u32 = 15;
/// Mode Config handed `assigned_addr` to the peer (we are the server) on
/// IKE SA `id`.
pub const IKS_EVENT_CONFIG_ASSIGNED: u32 = 16;
/// Mode Config gave us `assigned_addr` (we are the client) on IKE SA `id`.
pub const IKS_EVENT_CONFIG_RECEIVED: u32 = 17;
/// A key-log line is ready (only with `iks_gateway_options.keylog`): copy
/// it with `iks_gateway_keylog_line` before the next poll, and write it
/// to the key-log file after its first line `iks_keylog_header()`.
pub const IKS_EVENT_KEYLOG: u32 = 18;

/// The lifetime ran out.
pub const IKS_DOWN_EXPIRED: u32 = 1;
/// The peer sent a Delete.
pub const IKS_DOWN_DELETED_BY_PEER: u32 = 2;
/// A local command (`iks_gateway_clear_peer`).
pub const IKS_DOWN_DELETED_LOCALLY: u32 = 3;
/// Dead peer detection.
pub const IKS_DOWN_PEER_DEAD: u32 = 4;
/// The peer rebooted (INITIAL_CONTACT).
pub const IKS_DOWN_INITIAL_CONTACT: u32 = 5;

/// Not a well-formed IPv4 packet.
pub const IKS_DROP_MALFORMED: u32 = 1;
/// The policy says discard.
pub const IKS_DROP_POLICY_DISCARD: u32 = 2;
/// The hold queue was full while IKE negotiated.
pub const IKS_DROP_HOLD_QUEUE_FULL: u32 = 3;
/// IKE refused or failed to negotiate an SA for it.
pub const IKS_DROP_NEGOTIATION_FAILED: u32 = 4;
/// ESP that did not open (unknown SPI, ICV, replay, padding ...).
pub const IKS_DROP_ESP_REJECTED: u32 = 5;
/// A decapsulated packet outside its SA's selectors.
pub const IKS_DROP_SELECTOR_MISMATCH: u32 = 6;
/// Sealing failed (SA expired, sequence numbers exhausted).
pub const IKS_DROP_SEAL_FAILED: u32 = 7;

/// How to build a gateway besides its configuration text. Fill it with
/// `iks_gateway_options_init` first, then set what differs: fields added in
/// later versions come out of `reserved`, which must stay zero.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct iks_gateway_options {
    /// The outside address (host order); 0 takes the outside interface's
    /// static `ip address`. Required when that interface says `ip address
    /// dhcp` (the seed's spoke).
    pub outside_addr: u32,
    /// The UDP port of IKE on both sides (500).
    pub ike_port: u16,
    /// The UDP port of NAT traversal on both sides (4500).
    pub natt_port: u16,
    /// Always float to the NAT-T port and carry ESP in UDP, for callers
    /// that cannot send raw ESP (UDP sockets only). The peer needs nothing
    /// special.
    pub force_udp_encapsulation: bool,
    /// Inside packets that no crypto ACL selects are dropped instead of
    /// being given back as `IKS_TRANSMIT_CLEAR`.
    pub discard_unprotected: bool,
    /// Report every IKE SA's and IPsec SA's keys as `IKS_EVENT_KEYLOG`
    /// lines for a Wireshark key log (false). The lines hold every secret
    /// of the traffic. Taken from padding of earlier versions: the struct
    /// keeps its size.
    pub keylog: bool,
    /// Inside packets held while IKE negotiates, in total (64).
    pub hold_queue_limit: u32,
    /// The anti-replay window of inbound SAs, in packets (64).
    pub replay_window: u32,
    /// Zero.
    pub reserved: [u64; 8],
}

/// Where configuration text went wrong.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct iks_config_error {
    /// Line, from 1; 0 when the error is about the configuration as a
    /// whole (such as no interface carrying a crypto map).
    pub line: u32,
    /// Column, from 1; 0 as for `line`.
    pub column: u32,
    /// Zero; later versions add fields here.
    pub reserved: [u64; 2],
}

/// What `iks_gateway_poll_transmit` took.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct iks_transmit {
    /// `IKS_TRANSMIT_UDP`, `IKS_TRANSMIT_ESP` or `IKS_TRANSMIT_CLEAR`.
    pub kind: u32,
    /// Our address (host order).
    pub local_addr: u32,
    /// The peer's address (host order).
    pub remote_addr: u32,
    /// Our UDP port.
    pub local_port: u16,
    /// The peer's UDP port.
    pub remote_port: u16,
    /// Bytes written to the buffer (or needed, on
    /// `IKS_ERR_BUFFER_TOO_SMALL`).
    pub len: usize,
    /// Zero; later versions add fields here.
    pub reserved: [u64; 4],
}

/// One event, tagged by `kind`; the fields a kind does not use are 0.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct iks_event {
    /// One of `IKS_EVENT_*`.
    pub kind: u32,
    /// The peer's address (host order).
    pub peer_addr: u32,
    /// The peer's UDP port (the gateway's IKE or NAT-T port, or what a NAT
    /// mapped it to); 0 when the event does not say.
    pub peer_port: u16,
    /// The IPsec SA is carried in UDP (`IKS_EVENT_SA_UP`).
    pub udp_encapsulated: bool,
    /// Inbound SPI (chosen by us), in host order.
    pub spi_in: u32,
    /// Outbound SPI (chosen by the peer), in host order.
    pub spi_out: u32,
    /// `IKS_DOWN_*` for the `_DOWN` kinds, `IKS_DROP_*` for
    /// `IKS_EVENT_DROPPED`.
    pub reason: u32,
    /// Packets dropped (`IKS_EVENT_DROPPED`).
    pub count: u32,
    /// The notify type (`IKS_EVENT_NOTIFY`).
    pub notify_type: u16,
    /// The IKE SA (`IKS_EVENT_IKE_SA_*`, `PEER_*`, `XAUTH_*`, `CONFIG_*`)
    /// or the IPsec SA pair (`IKS_EVENT_SA_*`) the event is about; IOS's
    /// conn-id for IKE SAs.
    pub id: u64,
    /// The Mode Config address (`IKS_EVENT_CONFIG_*`), host order. Taken
    /// from the reserved space of earlier versions: the struct keeps its
    /// size.
    pub assigned_addr: u32,
    /// Xauth passed (`IKS_EVENT_XAUTH_DONE`).
    pub ok: bool,
    /// Zero; later versions add fields here.
    pub reserved: [u64; 3],
}

/// The gateway's own counters (the per-SA ones are in `show crypto ipsec
/// sa`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct iks_gateway_counters {
    /// Inside packets sealed and sent.
    pub sealed: u64,
    /// ESP packets opened and delivered inside.
    pub delivered: u64,
    /// Inside packets given back to route in clear.
    pub clear: u64,
    /// Inside packets held while IKE negotiated.
    pub held: u64,
    /// IKE datagrams passed to the engine.
    pub ike_datagrams: u64,
    /// NAT keepalives received.
    pub nat_keepalives: u64,
    /// Drops: malformed packets.
    pub malformed: u64,
    /// Drops: policy discard.
    pub policy_discards: u64,
    /// Drops: hold queue full.
    pub hold_queue_full: u64,
    /// Drops: IKE refused or failed.
    pub negotiation_failed: u64,
    /// Drops: ESP that did not open.
    pub esp_rejected: u64,
    /// Drops: decapsulated packet outside its SA's selectors.
    pub selector_mismatch: u64,
    /// Drops: seal failed.
    pub seal_failed: u64,
    /// Zero; later versions add counters here.
    pub reserved: [u64; 8],
}

impl From<GatewayCounters> for iks_gateway_counters {
    fn from(c: GatewayCounters) -> Self {
        Self {
            sealed: c.sealed,
            delivered: c.delivered,
            clear: c.clear,
            held: c.held,
            ike_datagrams: c.ike_datagrams,
            nat_keepalives: c.nat_keepalives,
            malformed: c.malformed,
            policy_discards: c.policy_discards,
            hold_queue_full: c.hold_queue_full,
            negotiation_failed: c.negotiation_failed,
            esp_rejected: c.esp_rejected,
            selector_mismatch: c.selector_mismatch,
            seal_failed: c.seal_failed,
            reserved: [0; 8],
        }
    }
}

/// A client's Xauth credentials awaiting the embedder's verdict.
struct PendingXauth {
    user: String,
    /// Zeroized on drop.
    password: XauthPassword,
}

/// A gateway (opaque).
pub struct iks_gateway {
    gateway: Gateway,
    /// Per IKE SA, the credentials of an `IKS_EVENT_XAUTH_REQUEST` not yet
    /// taken by `iks_gateway_xauth_take_credentials`; gone (and the
    /// password wiped) once taken, decided, or the SA goes away.
    xauth: HashMap<u64, PendingXauth>,
    /// Taken from the gateway but not yet delivered: the caller's buffer
    /// was too small. It goes out first on the next poll.
    transmit: Option<Transmit>,
    /// As `transmit`, for inside packets.
    inside: Option<Vec<u8>>,
    /// The line of the last `IKS_EVENT_KEYLOG`, for
    /// `iks_gateway_keylog_line` (wiped on drop; replaced or dropped at
    /// the next poll).
    keylog: Option<KeyLogLine>,
    /// The text of the last `iks_gateway_exec` that did not fit the
    /// caller's buffer, for `iks_gateway_exec_text` (the command ran once).
    exec_text: Option<String>,
}

// cbindgen writes the header in module declaration order: the modules
// stay in the order of a handle's life (create, drive, command, view).
mod create;
pub use create::{iks_gateway_free, iks_gateway_new, iks_gateway_options_init};

mod input;
pub use input::{
    iks_gateway_handle_datagram, iks_gateway_handle_esp, iks_gateway_handle_inside,
    iks_gateway_handle_timeout,
};

mod output;
pub use output::{
    iks_gateway_keylog_line, iks_gateway_poll_event, iks_gateway_poll_inside,
    iks_gateway_poll_timeout, iks_gateway_poll_transmit, iks_keylog_header,
};

mod events;

mod commands;
pub use commands::{
    IKS_INITIATE_ALREADY_UP, IKS_INITIATE_PENDING, IKS_INITIATE_STARTED, iks_gateway_clear_peer,
    iks_gateway_initiate,
};

mod xauth;
pub use xauth::{
    iks_gateway_xauth_credentials, iks_gateway_xauth_take_credentials, iks_gateway_xauth_verdict,
};

mod show;
pub use show::{iks_gateway_get_counters, iks_gateway_outside_addr, iks_gateway_show};

mod packet;
pub use packet::{
    IKS_PACKET_BUFFER_TOO_SMALL, IKS_PACKET_CLEAR, IKS_PACKET_DROPPED, IKS_PACKET_DUMMY,
    IKS_PACKET_ELSEWHERE, IKS_PACKET_ERROR, IKS_PACKET_ESP, IKS_PACKET_HELD, IKS_PACKET_IKE,
    IKS_PACKET_INSIDE, IKS_PACKET_NAT_KEEPALIVE, IKS_PACKET_UDP, IKS_SEAL_OVERHEAD,
    iks_gateway_open_esp_into, iks_gateway_open_into, iks_gateway_seal_into, iks_packet,
};

mod exec;
pub use exec::{iks_gateway_exec, iks_gateway_exec_text};

mod lifecycle;
pub use lifecycle::{
    iks_gateway_configure_replace, iks_gateway_set_outside_address, iks_gateway_shutdown,
};

mod worker;
pub use worker::{
    iks_esp_worker, iks_gateway_split_data_plane, iks_worker, iks_worker_free,
    iks_worker_handle_timeout, iks_worker_open_esp_into, iks_worker_open_into, iks_worker_owner_of,
    iks_worker_poll_inside, iks_worker_poll_timeout, iks_worker_poll_transmit,
    iks_worker_seal_into,
};

/// A show or exec command is one line of text.
const MAX_COMMAND: usize = 4096;

fn invalid(text: impl Into<String>) -> FfiError {
    FfiError::new(iks_result::IKS_ERR_INVALID_ARGUMENT, text)
}

fn empty(what: &str) -> FfiError {
    FfiError::new(iks_result::IKS_ERR_EMPTY, format!("no {what}"))
}

fn too_small(buf_len: usize, needed: usize) -> FfiError {
    FfiError::new(
        iks_result::IKS_ERR_BUFFER_TOO_SMALL,
        format!("buffer of {buf_len} bytes, {needed} needed"),
    )
}

/// The handle behind `gw`, or the NULL error.
///
/// # Safety
/// `gw` must be NULL or a live handle used by no other thread.
unsafe fn handle<'a>(gw: *mut iks_gateway) -> Result<&'a mut iks_gateway, FfiError> {
    // SAFETY: the caller passes a live, unshared handle or NULL.
    unsafe { gw.as_mut() }.ok_or_else(|| FfiError::null("gw"))
}

fn clamp(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Copies `text` and a NUL into `buf` (`cap` bytes).
///
/// # Safety
/// `buf` non-null and valid for `cap > text.len()` bytes of writes, not
/// overlapping `text`.
unsafe fn put_terminated(text: &[u8], buf: *mut u8) {
    // SAFETY: per the function's contract.
    unsafe {
        std::ptr::copy_nonoverlapping(text.as_ptr(), buf, text.len());
        buf.add(text.len()).write(0);
    }
}

#[cfg(test)]
mod tests;
