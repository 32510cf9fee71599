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
use std::ffi::c_char;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::slice;

use esp_core::spd::Fallback;
use getrandom::SysRng;
use getrandom::rand_core::UnwrapErr;
use ike_policy::gateway::{DropReason, GatewayCounters, Instant, KeyLogLine};
use ike_policy::{Gateway, GatewayError, GatewayEvent, GatewayOptions, Initiated, Transmit};
use ike_proto::engine::{CommandError, DownReason, Event, IkeSaId};
use ike_proto::policy::XauthPassword;

use crate::boundary::{FfiError, MAX_BUFFER, MAX_DATAGRAM, bytes, check_len, guard};
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

/// An Xauth user name or password is one attribute value (a 16-bit
/// length on the wire).
const MAX_ATTRIBUTE: usize = 65_535;

mod exec;
mod lifecycle;
mod worker;
pub use exec::{iks_gateway_exec, iks_gateway_exec_text};
pub use lifecycle::{
    iks_gateway_configure_replace, iks_gateway_set_outside_address, iks_gateway_shutdown,
};
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

fn defaults() -> iks_gateway_options {
    let d = GatewayOptions::default();
    iks_gateway_options {
        outside_addr: 0,
        ike_port: d.ike_port,
        natt_port: d.natt_port,
        force_udp_encapsulation: d.force_udp_encapsulation,
        discard_unprotected: d.unprotected == Fallback::Discard,
        keylog: d.keylog,
        hold_queue_limit: u32::try_from(d.hold_queue_limit).unwrap_or(u32::MAX),
        replay_window: d.replay_window,
        reserved: [0; 8],
    }
}

fn gateway_options(o: &iks_gateway_options) -> Result<GatewayOptions, FfiError> {
    if o.reserved.iter().any(|&r| r != 0) {
        return Err(invalid("reserved fields must be zero"));
    }
    if o.ike_port == 0 || o.natt_port == 0 || o.ike_port == o.natt_port {
        return Err(invalid(format!(
            "ike_port {} and natt_port {} must be distinct and not 0",
            o.ike_port, o.natt_port
        )));
    }
    Ok(GatewayOptions {
        outside_addr: (o.outside_addr != 0).then(|| Ipv4Addr::from(o.outside_addr)),
        ike_port: o.ike_port,
        natt_port: o.natt_port,
        force_udp_encapsulation: o.force_udp_encapsulation,
        hold_queue_limit: o.hold_queue_limit as usize,
        unprotected: if o.discard_unprotected {
            Fallback::Discard
        } else {
            Fallback::Bypass
        },
        replay_window: o.replay_window,
        keylog: o.keylog,
        ..GatewayOptions::default()
    })
}

fn clamp(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The configuration error as code, text and position.
fn config_error(error: &GatewayError) -> (FfiError, iks_config_error) {
    let position = match error {
        GatewayError::Config(e) => iks_config_error {
            line: clamp(e.line()),
            column: clamp(e.column()),
            reserved: [0; 2],
        },
        _ => iks_config_error::default(),
    };
    (
        FfiError::new(iks_result::IKS_ERR_CONFIG, error.to_string()),
        position,
    )
}

/// Where invalid UTF-8 starts, as a configuration error.
fn utf8_error(text: &[u8], valid_up_to: usize) -> (FfiError, iks_config_error) {
    let before = &text[..valid_up_to];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    let text = format!("line {line}, column {column}: the configuration is not UTF-8 text");
    (
        FfiError::new(iks_result::IKS_ERR_CONFIG, text),
        iks_config_error {
            line: clamp(line),
            column: clamp(column),
            reserved: [0; 2],
        },
    )
}

/// Fills `*options` with the defaults: address from the configuration,
/// ports 500 and 4500, no forced encapsulation, unprotected packets given
/// back in clear, a hold queue of 64 packets, a replay window of 64.
///
/// # Safety
/// `options` must be NULL or valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_gateway_options_init(options: *mut iks_gateway_options) -> iks_result {
    guard(|| {
        if options.is_null() {
            return Err(FfiError::null("options"));
        }
        // SAFETY: non-null, and the caller promised it is valid for a write.
        unsafe { options.write(defaults()) };
        Ok(())
    })
}

/// Builds a gateway from IOS configuration text (`config_len` bytes of
/// UTF-8, no NUL needed) and writes the handle to `*out`. The outside
/// interface is the first one with `crypto map NAME`. Keys, nonces, cookies
/// and SPIs come from the operating system's random generator.
///
/// Text the parser rejects gives `IKS_ERR_CONFIG`, with "line L, column C:
/// ..." in `iks_last_error` and, when `error_out` is not NULL, the line and
/// column in `*error_out` (written only on `IKS_ERR_CONFIG`; `error_out` is
/// the one optional pointer).
///
/// # Safety
/// `config` valid for `config_len` bytes of reads; `options` valid for a
/// read; `error_out` NULL or valid for a write; `out` valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_gateway_new(
    config: *const u8,
    config_len: usize,
    options: *const iks_gateway_options,
    error_out: *mut iks_config_error,
    out: *mut *mut iks_gateway,
) -> iks_result {
    guard(|| {
        if out.is_null() {
            return Err(FfiError::null("out"));
        }
        if config.is_null() {
            return Err(FfiError::null("config"));
        }
        if options.is_null() {
            return Err(FfiError::null("options"));
        }
        check_len(config_len, MAX_BUFFER, "config")?;
        // SAFETY: non-null, within a slice's limit; the caller promised
        // config_len readable bytes.
        let raw = unsafe { slice::from_raw_parts(config, config_len) };
        // SAFETY: non-null; the caller promised a readable struct.
        let options = gateway_options(&unsafe { options.read() })?;
        let built = match std::str::from_utf8(raw) {
            Ok(text) => Gateway::from_ios(text, options, &mut UnwrapErr(SysRng))
                .map_err(|e| config_error(&e)),
            Err(e) => Err(utf8_error(raw, e.valid_up_to())),
        };
        let gateway = match built {
            Ok(g) => g,
            Err((error, position)) => {
                if !error_out.is_null() {
                    // SAFETY: non-null; the caller promised it is writable.
                    unsafe { error_out.write(position) };
                }
                return Err(error);
            }
        };
        let handle = Box::into_raw(Box::new(iks_gateway {
            gateway,
            xauth: HashMap::new(),
            transmit: None,
            keylog: None,
            inside: None,
            exec_text: None,
        }));
        // SAFETY: non-null; the caller promised it is writable.
        unsafe { out.write(handle) };
        Ok(())
    })
}

/// Frees a gateway (its keys are wiped). NULL is accepted and ignored.
/// Freeing the same handle twice is undefined behaviour: set your pointer
/// to NULL after freeing it.
///
/// # Safety
/// `gw` must be NULL or a handle from `iks_gateway_new` not freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_gateway_free(gw: *mut iks_gateway) {
    if !gw.is_null() {
        // SAFETY: the caller passes a live handle we allocated with Box.
        drop(unsafe { Box::from_raw(gw) });
    }
}

/// A UDP datagram received on the IKE port or the NAT-T port:
/// `local_addr:local_port` is where it arrived, `remote_addr:remote_port`
/// its source (host order). `len` may be 0 (then `data` may be NULL).
///
/// # Safety
/// `gw` a live handle; `data` valid for `len` bytes of reads.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_gateway_handle_datagram(
    gw: *mut iks_gateway,
    now_ms: u64,
    local_addr: u32,
    local_port: u16,
    remote_addr: u32,
    remote_port: u16,
    data: *const u8,
    len: usize,
) -> iks_result {
    guard(|| {
        // SAFETY: forwarded caller promise.
        let gw = unsafe { handle(gw)? };
        // SAFETY: forwarded caller promise.
        let data = unsafe { bytes(data, len, MAX_DATAGRAM, "data")? };
        let local = SocketAddrV4::new(Ipv4Addr::from(local_addr), local_port);
        let remote = SocketAddrV4::new(Ipv4Addr::from(remote_addr), remote_port);
        gw.gateway
            .handle_datagram(Instant::from_millis(now_ms), local, remote, data);
        Ok(())
    })
}

/// The payload of a raw ESP packet (IP protocol 50, from the SPI on)
/// received from `remote_addr`, for callers with raw sockets.
///
/// # Safety
/// `gw` a live handle; `data` valid for `len` bytes of reads.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_gateway_handle_esp(
    gw: *mut iks_gateway,
    now_ms: u64,
    remote_addr: u32,
    data: *const u8,
    len: usize,
) -> iks_result {
    guard(|| {
        // SAFETY: forwarded caller promise.
        let gw = unsafe { handle(gw)? };
        // SAFETY: forwarded caller promise.
        let data = unsafe { bytes(data, len, MAX_DATAGRAM, "data")? };
        gw.gateway.handle_esp(
            Instant::from_millis(now_ms),
            Ipv4Addr::from(remote_addr),
            data,
        );
        Ok(())
    })
}

/// An IPv4 packet from the inside, to route out: sealed when an SA covers
/// it, held while IKE negotiates one (a packet that a crypto map with `set
/// peer` protects is how a spoke initiates), given back in clear, or
/// dropped (an `IKS_EVENT_DROPPED` says why).
///
/// # Safety
/// `gw` a live handle; `packet` valid for `len` bytes of reads.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_gateway_handle_inside(
    gw: *mut iks_gateway,
    now_ms: u64,
    packet: *const u8,
    len: usize,
) -> iks_result {
    guard(|| {
        // SAFETY: forwarded caller promise.
        let gw = unsafe { handle(gw)? };
        // SAFETY: forwarded caller promise.
        let packet = unsafe { bytes(packet, len, MAX_DATAGRAM, "packet")? };
        gw.gateway
            .handle_inside(Instant::from_millis(now_ms), packet);
        Ok(())
    })
}

/// Time passed: retransmissions, lifetimes, dead peer detection. Call it
/// when `iks_gateway_poll_timeout`'s instant is reached (earlier is
/// harmless).
///
/// # Safety
/// `gw` a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_gateway_handle_timeout(
    gw: *mut iks_gateway,
    now_ms: u64,
) -> iks_result {
    guard(|| {
        // SAFETY: forwarded caller promise.
        let gw = unsafe { handle(gw)? };
        gw.gateway.handle_timeout(Instant::from_millis(now_ms));
        Ok(())
    })
}

fn transmit_parts(t: &Transmit) -> (iks_transmit, &[u8]) {
    let mut info = iks_transmit::default();
    let bytes = match t {
        Transmit::Udp {
            local,
            remote,
            payload,
        } => {
            info.kind = IKS_TRANSMIT_UDP;
            info.local_addr = (*local.ip()).into();
            info.local_port = local.port();
            info.remote_addr = (*remote.ip()).into();
            info.remote_port = remote.port();
            payload
        }
        Transmit::Esp {
            local,
            remote,
            payload,
        } => {
            info.kind = IKS_TRANSMIT_ESP;
            info.local_addr = (*local).into();
            info.remote_addr = (*remote).into();
            payload
        }
        Transmit::Clear { packet } => {
            info.kind = IKS_TRANSMIT_CLEAR;
            packet
        }
    };
    info.len = bytes.len();
    (info, bytes)
}

/// Takes the next thing to send into `buf` (`buf_len` bytes) and describes
/// it in `*out`. `IKS_ERR_EMPTY` when there is nothing. When `buf` is too
/// small: `IKS_ERR_BUFFER_TOO_SMALL`, `*out` is written with `out->len` the
/// size needed, and the item stays first in line for the next call. 65535
/// bytes always suffice.
///
/// # Safety
/// `gw` a live handle; `buf` valid for `buf_len` bytes of writes; `out`
/// valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_gateway_poll_transmit(
    gw: *mut iks_gateway,
    buf: *mut u8,
    buf_len: usize,
    out: *mut iks_transmit,
) -> iks_result {
    guard(|| {
        // SAFETY: forwarded caller promise.
        let gw = unsafe { handle(gw)? };
        if buf.is_null() || out.is_null() {
            return Err(FfiError::null("buf/out"));
        }
        // SAFETY: forwarded caller promise (checked non-null).
        unsafe {
            deliver_transmit(
                &mut gw.transmit,
                || gw.gateway.poll_transmit(),
                buf,
                buf_len,
                out,
            )
        }
    })
}

/// Takes the next decapsulated IPv4 packet to deliver on the inside into
/// `buf` and its length into `*out_len`. `IKS_ERR_EMPTY` when there is
/// none; `IKS_ERR_BUFFER_TOO_SMALL` with the size needed in `*out_len`
/// when `buf` is too small (the packet stays first in line).
///
/// # Safety
/// `gw` a live handle; `buf` valid for `buf_len` bytes of writes; `out_len`
/// valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_gateway_poll_inside(
    gw: *mut iks_gateway,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> iks_result {
    guard(|| {
        // SAFETY: forwarded caller promise.
        let gw = unsafe { handle(gw)? };
        if buf.is_null() || out_len.is_null() {
            return Err(FfiError::null("buf/out_len"));
        }
        // SAFETY: forwarded caller promise (checked non-null).
        unsafe {
            deliver_packet(
                &mut gw.inside,
                || gw.gateway.poll_inside(),
                buf,
                buf_len,
                out_len,
            )
        }
    })
}

/// The next transmit (`stash` first: one a too-small buffer left) into
/// `buf`, described in `*out`; it stays in `stash` when `buf` is too small.
///
/// # Safety
/// `buf` non-null and valid for `buf_len` bytes of writes; `out` non-null
/// and valid for a write.
unsafe fn deliver_transmit(
    stash: &mut Option<Transmit>,
    next: impl FnOnce() -> Option<Transmit>,
    buf: *mut u8,
    buf_len: usize,
    out: *mut iks_transmit,
) -> Result<(), FfiError> {
    if stash.is_none() {
        *stash = next();
    }
    let t = stash.as_ref().ok_or_else(|| empty("datagram"))?;
    let (info, payload) = transmit_parts(t);
    if payload.len() > buf_len {
        // SAFETY: non-null and writable per the contract.
        unsafe { out.write(info) };
        return Err(too_small(buf_len, payload.len()));
    }
    // SAFETY: non-null; the caller promised buf_len >= payload.len()
    // writable bytes, which cannot overlap our own heap copy.
    unsafe {
        std::ptr::copy_nonoverlapping(payload.as_ptr(), buf, payload.len());
        out.write(info);
    }
    *stash = None;
    Ok(())
}

/// The next inside packet (`stash` first) into `buf`, its length in
/// `*out_len`; it stays in `stash` when `buf` is too small.
///
/// # Safety
/// `buf` non-null and valid for `buf_len` bytes of writes; `out_len`
/// non-null and valid for a write.
unsafe fn deliver_packet(
    stash: &mut Option<Vec<u8>>,
    next: impl FnOnce() -> Option<Vec<u8>>,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> Result<(), FfiError> {
    if stash.is_none() {
        *stash = next();
    }
    let packet = stash.as_ref().ok_or_else(|| empty("inside packet"))?;
    let len = packet.len();
    if len > buf_len {
        // SAFETY: non-null and writable per the contract.
        unsafe { out_len.write(len) };
        return Err(too_small(buf_len, len));
    }
    // SAFETY: non-null; the caller promised buf_len >= len writable bytes,
    // which cannot overlap our own heap copy.
    unsafe {
        std::ptr::copy_nonoverlapping(packet.as_ptr(), buf, len);
        out_len.write(len);
    }
    *stash = None;
    Ok(())
}

fn down_reason(reason: DownReason) -> u32 {
    match reason {
        DownReason::Expired => IKS_DOWN_EXPIRED,
        DownReason::DeletedByPeer => IKS_DOWN_DELETED_BY_PEER,
        DownReason::DeletedLocally => IKS_DOWN_DELETED_LOCALLY,
        DownReason::PeerDead => IKS_DOWN_PEER_DEAD,
        DownReason::InitialContact => IKS_DOWN_INITIAL_CONTACT,
    }
}

fn drop_reason(reason: DropReason) -> u32 {
    match reason {
        DropReason::Malformed => IKS_DROP_MALFORMED,
        DropReason::PolicyDiscard => IKS_DROP_POLICY_DISCARD,
        DropReason::HoldQueueFull => IKS_DROP_HOLD_QUEUE_FULL,
        DropReason::NegotiationFailed => IKS_DROP_NEGOTIATION_FAILED,
        DropReason::EspRejected => IKS_DROP_ESP_REJECTED,
        DropReason::SelectorMismatch => IKS_DROP_SELECTOR_MISMATCH,
        DropReason::SealFailed => IKS_DROP_SEAL_FAILED,
    }
}

fn at_peer(kind: u32, id: u64, peer: SocketAddrV4) -> iks_event {
    iks_event {
        kind,
        id,
        peer_addr: (*peer.ip()).into(),
        peer_port: peer.port(),
        ..iks_event::default()
    }
}

/// The C view of an event; `None` for what C takes elsewhere: log lines
/// (the log callback), the engine's `ChildSaUp` (followed by the
/// Gateway's `SaInstalled` or `SaInstallFailed`) and `SaRemoved` (preceded
/// by the engine's `ChildSaDown`, which carries the SPIs).
///
/// Peers' ports are the real ones: the engine is configured with the
/// gateway's IKE and NAT-T ports and reports what the sockets see.
/// `xauth` keeps the credentials of an Xauth request for
/// `iks_gateway_xauth_take_credentials` (the event struct carries no
/// strings) and forgets them when their IKE SA ends.
fn c_event(
    xauth: &mut HashMap<u64, PendingXauth>,
    keylog: &mut Option<KeyLogLine>,
    event: GatewayEvent,
) -> Option<iks_event> {
    Some(match event {
        GatewayEvent::Engine(e) => match e {
            Event::IkeSaUp(info) => at_peer(IKS_EVENT_IKE_SA_UP, info.id.0, info.remote),
            Event::IkeSaDown {
                ike_sa,
                remote,
                reason,
            } => {
                xauth.remove(&ike_sa.0);
                iks_event {
                    reason: down_reason(reason),
                    ..at_peer(IKS_EVENT_IKE_SA_DOWN, ike_sa.0, remote)
                }
            }
            Event::IkeSaFailed { ike_sa, remote, .. } => {
                xauth.remove(&ike_sa.0);
                at_peer(IKS_EVENT_IKE_SA_FAILED, ike_sa.0, remote)
            }
            Event::ChildSaRekeyed { new, .. } => iks_event {
                spi_in: new.spi_in,
                spi_out: new.spi_out,
                ..at_peer(IKS_EVENT_SA_REKEYED, new.id.0, new.remote)
            },
            Event::ChildSaDown {
                child,
                remote,
                spi_in,
                spi_out,
                reason,
            } => iks_event {
                spi_in,
                spi_out,
                reason: down_reason(reason),
                ..at_peer(IKS_EVENT_SA_DOWN, child.0, remote)
            },
            Event::ChildSaFailed { remote, .. } => at_peer(IKS_EVENT_SA_FAILED, 0, remote),
            Event::PeerDead { ike_sa, remote } => at_peer(IKS_EVENT_PEER_DEAD, ike_sa.0, remote),
            Event::PeerAddressChanged { ike_sa, new, .. } => {
                at_peer(IKS_EVENT_PEER_MOVED, ike_sa.0, new)
            }
            Event::NotifyReceived {
                ike_sa, remote, ty, ..
            } => iks_event {
                notify_type: ty,
                ..at_peer(IKS_EVENT_NOTIFY, ike_sa.map_or(0, |i| i.0), remote)
            },
            Event::XauthRequest {
                ike_sa,
                remote,
                user,
                password,
            } => {
                xauth.insert(ike_sa.0, PendingXauth { user, password });
                at_peer(IKS_EVENT_XAUTH_REQUEST, ike_sa.0, remote)
            }
            Event::XauthCredentialsRequest { ike_sa, remote } => {
                at_peer(IKS_EVENT_XAUTH_CREDENTIALS_REQUEST, ike_sa.0, remote)
            }
            Event::XauthDone {
                ike_sa, remote, ok, ..
            } => {
                // Decided (or timed out): the credentials are of no use.
                xauth.remove(&ike_sa.0);
                iks_event {
                    ok,
                    ..at_peer(IKS_EVENT_XAUTH_DONE, ike_sa.0, remote)
                }
            }
            Event::ConfigAssigned {
                ike_sa,
                remote,
                address,
                server,
                ..
            } => {
                let kind = if server {
                    IKS_EVENT_CONFIG_ASSIGNED
                } else {
                    IKS_EVENT_CONFIG_RECEIVED
                };
                iks_event {
                    assigned_addr: address.into(),
                    ..at_peer(kind, ike_sa.0, remote)
                }
            }
            Event::ChildSaUp(_) | Event::Log(_) | Event::IkeSaKeys(_) => return None,
        },
        GatewayEvent::SaInstalled {
            child,
            peer,
            spi_in,
            spi_out,
            udp_encapsulated,
        } => iks_event {
            kind: IKS_EVENT_SA_UP,
            id: child.0,
            peer_addr: peer.into(),
            spi_in,
            spi_out,
            udp_encapsulated,
            ..iks_event::default()
        },
        GatewayEvent::SaInstallFailed { child, .. } => iks_event {
            kind: IKS_EVENT_SA_INSTALL_FAILED,
            id: child.0,
            ..iks_event::default()
        },
        GatewayEvent::Dropped { reason, packets } => iks_event {
            kind: IKS_EVENT_DROPPED,
            reason: drop_reason(reason),
            count: clamp(packets),
            ..iks_event::default()
        },
        GatewayEvent::SaRemoved { .. } => return None,
        GatewayEvent::KeyLog(line) => {
            *keylog = Some(line);
            iks_event {
                kind: IKS_EVENT_KEYLOG,
                ..iks_event::default()
            }
        }
    })
}

/// Takes the next event into `*out`; `IKS_ERR_EMPTY` when there is none.
/// Log lines are not events here: they go to the log callback
/// (`iks_set_log_callback`).
///
/// # Safety
/// `gw` a live handle; `out` valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_gateway_poll_event(
    gw: *mut iks_gateway,
    out: *mut iks_event,
) -> iks_result {
    guard(|| {
        // SAFETY: forwarded caller promise.
        let gw = unsafe { handle(gw)? };
        if out.is_null() {
            return Err(FfiError::null("out"));
        }
        // A key-log line lives until the next poll (wiped when dropped).
        gw.keylog = None;
        loop {
            let event = gw.gateway.poll_event().ok_or_else(|| empty("event"))?;
            if let Some(event) = c_event(&mut gw.xauth, &mut gw.keylog, event) {
                // SAFETY: non-null and writable per the contract.
                unsafe { out.write(event) };
                return Ok(());
            }
        }
    })
}

/// The first line of a key-log file (`# tshark-keys`, what the lab's
/// `capture.sh show --keys` looks for), NUL-terminated, static.
#[unsafe(no_mangle)]
pub extern "C" fn iks_keylog_header() -> *const c_char {
    c"# tshark-keys".as_ptr()
}

/// Copies the line of the last `IKS_EVENT_KEYLOG` (no newline) into
/// `buf`, NUL-terminated, its length (without the NUL) into `*out_len`:
/// `ikev1 <initiator cookie>,<phase-1 encryption key>` (Wireshark's
/// `ikev1_decryption_table`) or `esp "IPv4","src","dst","0xSPI",...`
/// (its `esp_sa` table). The line holds keys: wipe `buf` when written.
/// `IKS_ERR_EMPTY` when the last event polled was no key-log line;
/// `IKS_ERR_BUFFER_TOO_SMALL` (needed length written, the line kept)
/// when it and its NUL do not fit; 256 bytes always do.
///
/// # Safety
/// `gw` a live handle; `buf` valid for `cap` bytes of writes; `out_len`
/// valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_gateway_keylog_line(
    gw: *mut iks_gateway,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> iks_result {
    guard(|| {
        // SAFETY: forwarded caller promise.
        let gw = unsafe { handle(gw)? };
        if buf.is_null() || out_len.is_null() {
            return Err(FfiError::null("buf/out_len"));
        }
        let line = gw.keylog.as_ref().ok_or_else(|| empty("key-log line"))?;
        let text = line.as_str().as_bytes();
        if text.len() >= cap {
            // SAFETY: non-null and writable per the contract.
            unsafe { out_len.write(text.len()) };
            return Err(too_small(cap, text.len() + 1));
        }
        // SAFETY: non-null; the caller promised `cap > text.len()` bytes,
        // which cannot overlap our heap copy.
        unsafe {
            put_terminated(text, buf.cast::<u8>());
            out_len.write(text.len());
        }
        Ok(())
    })
}

/// Writes when `iks_gateway_handle_timeout` should be called next (the
/// caller's clock, milliseconds) to `*out_ms`; `IKS_ERR_EMPTY` when no timer
/// is set.
///
/// # Safety
/// `gw` a live handle; `out_ms` valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_gateway_poll_timeout(
    gw: *const iks_gateway,
    out_ms: *mut u64,
) -> iks_result {
    guard(|| {
        // SAFETY: the caller passes a live handle or NULL.
        let gw = unsafe { gw.as_ref() }.ok_or_else(|| FfiError::null("gw"))?;
        if out_ms.is_null() {
            return Err(FfiError::null("out_ms"));
        }
        let at = gw.gateway.poll_timeout().ok_or_else(|| empty("timer"))?;
        // SAFETY: non-null and writable per the contract.
        unsafe { out_ms.write(at.as_millis()) };
        Ok(())
    })
}

/// Deletes every SA with the peer at `peer_addr` (IOS `clear crypto sa
/// peer`): a Delete for each IPsec SA and for the IKE SA goes to the peer
/// (drain `iks_gateway_poll_transmit`). To start a negotiation, call
/// `iks_gateway_initiate` or feed an inside packet the crypto map protects
/// (`iks_gateway_handle_inside`).
///
/// # Safety
/// `gw` a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_gateway_clear_peer(
    gw: *mut iks_gateway,
    now_ms: u64,
    peer_addr: u32,
) -> iks_result {
    guard(|| {
        // SAFETY: forwarded caller promise.
        let gw = unsafe { handle(gw)? };
        gw.gateway
            .clear_peer(Instant::from_millis(now_ms), Ipv4Addr::from(peer_addr));
        Ok(())
    })
}

/// `iks_gateway_initiate`: a negotiation with the peer has started.
pub const IKS_INITIATE_STARTED: u32 = 1;
/// `iks_gateway_initiate`: a negotiation with the peer was already running.
pub const IKS_INITIATE_PENDING: u32 = 2;
/// `iks_gateway_initiate`: an SA already protects this traffic.
pub const IKS_INITIATE_ALREADY_UP: u32 = 3;

/// Brings up the tunnel that would protect traffic from the inside address
/// `source_addr` to `destination_addr` without waiting for a packet (what
/// a protected inside packet does, minus the packet), then drain
/// `iks_gateway_poll_transmit`. Writes `IKS_INITIATE_*` to `*out_state` and
/// the peer's address (0 when already up) to `*out_peer`.
/// `IKS_ERR_REJECTED` when no crypto map entry covers the pair, or its entry
/// has no `set peer` (a dynamic map waits for its peers); the reason is in
/// `iks_last_error`.
///
/// # Safety
/// `gw` a live handle; `out_state` and `out_peer` valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_gateway_initiate(
    gw: *mut iks_gateway,
    now_ms: u64,
    source_addr: u32,
    destination_addr: u32,
    out_state: *mut u32,
    out_peer: *mut u32,
) -> iks_result {
    guard(|| {
        // SAFETY: forwarded caller promise.
        let gw = unsafe { handle(gw)? };
        if out_state.is_null() || out_peer.is_null() {
            return Err(FfiError::null("out_state/out_peer"));
        }
        let done = gw
            .gateway
            .initiate(
                Instant::from_millis(now_ms),
                Ipv4Addr::from(source_addr),
                Ipv4Addr::from(destination_addr),
            )
            .map_err(|e| FfiError::new(iks_result::IKS_ERR_REJECTED, e.to_string()))?;
        let (state, peer) = match done {
            Initiated::Started(p) => (IKS_INITIATE_STARTED, u32::from(p)),
            Initiated::Pending(p) => (IKS_INITIATE_PENDING, u32::from(p)),
            Initiated::AlreadyUp => (IKS_INITIATE_ALREADY_UP, 0),
        };
        // SAFETY: both non-null and writable per the contract.
        unsafe {
            out_state.write(state);
            out_peer.write(peer);
        }
        Ok(())
    })
}

fn command_error(ike_sa: u64, e: &CommandError) -> FfiError {
    invalid(format!("IKE SA {ike_sa}: {e}"))
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

/// Takes the user name and password of the `IKS_EVENT_XAUTH_REQUEST` on
/// IKE SA `ike_sa`, for the embedder's own check (RADIUS, TACACS+ ...):
/// the user name into `user_buf` and the password into `pass_buf`, each
/// NUL-terminated, their lengths (without the NUL; the password may hold
/// NUL bytes, its length is what counts) into `*out_user_len` and
/// `*out_pass_len`.
///
/// The library's copy of the password is wiped as soon as it is copied
/// out, so the credentials can be taken once; wipe `pass_buf` yourself
/// when done with it. This is the only call that shows a password to C,
/// and only for checks the library was told to defer.
///
/// `IKS_ERR_EMPTY` when no credentials wait for `ike_sa` (never
/// requested, already taken, decided, or the SA is gone).
/// `IKS_ERR_BUFFER_TOO_SMALL` when either text and its NUL do not fit:
/// both needed lengths (without the NUL) are written, the buffers are
/// untouched and the credentials stay to be taken. Xauth limits neither
/// length; 256 bytes each hold what clients send in practice.
///
/// # Safety
/// `gw` a live handle; `user_buf` valid for `user_cap` bytes of writes and
/// `pass_buf` for `pass_cap`; `out_user_len` and `out_pass_len` valid for
/// a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_gateway_xauth_take_credentials(
    gw: *mut iks_gateway,
    ike_sa: u64,
    user_buf: *mut c_char,
    user_cap: usize,
    out_user_len: *mut usize,
    pass_buf: *mut u8,
    pass_cap: usize,
    out_pass_len: *mut usize,
) -> iks_result {
    guard(|| {
        // SAFETY: forwarded caller promise.
        let gw = unsafe { handle(gw)? };
        if user_buf.is_null()
            || out_user_len.is_null()
            || pass_buf.is_null()
            || out_pass_len.is_null()
        {
            return Err(FfiError::null(
                "user_buf/out_user_len/pass_buf/out_pass_len",
            ));
        }
        let pending = gw
            .xauth
            .get(&ike_sa)
            .ok_or_else(|| empty(&format!("Xauth credentials for IKE SA {ike_sa}")))?;
        let (user, pass) = (pending.user.as_bytes(), pending.password.as_bytes());
        if user.len() >= user_cap || pass.len() >= pass_cap {
            // SAFETY: both non-null and writable per the contract.
            unsafe {
                out_user_len.write(user.len());
                out_pass_len.write(pass.len());
            }
            return Err(FfiError::new(
                iks_result::IKS_ERR_BUFFER_TOO_SMALL,
                format!(
                    "buffers of {user_cap} and {pass_cap} bytes, {} and {} needed",
                    user.len() + 1,
                    pass.len() + 1
                ),
            ));
        }
        // SAFETY: non-null; the caller promised the capacities, which
        // exceed the lengths; our heap copies cannot overlap them.
        unsafe {
            put_terminated(user, user_buf.cast::<u8>());
            put_terminated(pass, pass_buf);
            out_user_len.write(user.len());
            out_pass_len.write(pass.len());
        }
        // Dropping it wipes the password.
        gw.xauth.remove(&ike_sa);
        Ok(())
    })
}

/// The verdict on the `IKS_EVENT_XAUTH_REQUEST` of IKE SA `ike_sa`, at
/// `now_ms`: `ok` sends XAUTH_STATUS OK and Mode Config follows
/// (`IKS_EVENT_XAUTH_DONE`, then `IKS_EVENT_CONFIG_ASSIGNED`); otherwise
/// FAIL, after which the client may try again (a new
/// `IKS_EVENT_XAUTH_REQUEST`) until its attempts run out and the IKE SA is
/// deleted. Drain `iks_gateway_poll_transmit` afterwards. Credentials not
/// taken are wiped. `IKS_ERR_INVALID_ARGUMENT` when the SA is unknown or
/// awaits no verdict (the text says which).
///
/// # Safety
/// `gw` a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_gateway_xauth_verdict(
    gw: *mut iks_gateway,
    now_ms: u64,
    ike_sa: u64,
    ok: bool,
) -> iks_result {
    guard(|| {
        // SAFETY: forwarded caller promise.
        let gw = unsafe { handle(gw)? };
        gw.xauth.remove(&ike_sa);
        gw.gateway
            .xauth_verdict(Instant::from_millis(now_ms), IkeSaId(ike_sa), ok)
            .map_err(|e| command_error(ike_sa, &e))
    })
}

/// As the Xauth client, answers the `IKS_EVENT_XAUTH_CREDENTIALS_REQUEST`
/// of IKE SA `ike_sa` with `user` (`user_len` bytes of UTF-8, no NUL
/// needed) and `pass` (`pass_len` bytes), at `now_ms`; drain
/// `iks_gateway_poll_transmit` afterwards. The library keeps the password
/// only in memory it wipes. A zero length may come with a NULL pointer.
/// `IKS_ERR_INVALID_ARGUMENT` when the user name is not UTF-8, the SA is
/// unknown or it awaits no credentials.
///
/// # Safety
/// `gw` a live handle; `user` valid for `user_len` bytes of reads and
/// `pass` for `pass_len`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_gateway_xauth_credentials(
    gw: *mut iks_gateway,
    now_ms: u64,
    ike_sa: u64,
    user: *const u8,
    user_len: usize,
    pass: *const u8,
    pass_len: usize,
) -> iks_result {
    guard(|| {
        // SAFETY: forwarded caller promise.
        let gw = unsafe { handle(gw)? };
        // SAFETY: forwarded caller promise.
        let user = unsafe { bytes(user, user_len, MAX_ATTRIBUTE, "user")? };
        // SAFETY: forwarded caller promise.
        let pass = unsafe { bytes(pass, pass_len, MAX_ATTRIBUTE, "pass")? };
        let user =
            std::str::from_utf8(user).map_err(|_| invalid("the user name is not UTF-8 text"))?;
        gw.gateway
            .provide_xauth_credentials(
                Instant::from_millis(now_ms),
                IkeSaId(ike_sa),
                user,
                XauthPassword::new(pass.to_vec()),
            )
            .map_err(|e| command_error(ike_sa, &e))
    })
}

#[cfg(test)]
thread_local! {
    /// Test-only: makes the next `iks_gateway_show` on this thread panic
    /// inside the boundary, to prove the panic becomes `IKS_ERR_PANIC`.
    pub(crate) static PANIC_IN_SHOW: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Renders an IOS show command (`show crypto isakmp sa [detail]`, `show
/// crypto ipsec sa [peer A | map M | interface I]`, `show crypto map [tag
/// M]`; abbreviations such as `sh cry isa sa` work) at `now_ms` into `buf`,
/// NUL-terminated, and writes its length (without the NUL) to `*out_len`.
/// `IKS_ERR_BUFFER_TOO_SMALL` with the needed length (without the NUL) in
/// `*out_len` when the text and its NUL do not fit; an unknown command is
/// `IKS_ERR_INVALID_ARGUMENT`.
///
/// # Safety
/// `gw` a live handle; `command` valid for `command_len` bytes of reads;
/// `buf` valid for `buf_len` bytes of writes; `out_len` valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_gateway_show(
    gw: *const iks_gateway,
    command: *const u8,
    command_len: usize,
    now_ms: u64,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> iks_result {
    guard(|| {
        // SAFETY: the caller passes a live handle or NULL.
        let gw = unsafe { gw.as_ref() }.ok_or_else(|| FfiError::null("gw"))?;
        if command.is_null() || buf.is_null() || out_len.is_null() {
            return Err(FfiError::null("command/buf/out_len"));
        }
        #[cfg(test)]
        if PANIC_IN_SHOW.with(|p| p.replace(false)) {
            panic!("test panic in iks_gateway_show");
        }
        check_len(command_len, MAX_COMMAND, "command")?;
        // SAFETY: non-null, bounded; the caller promised command_len
        // readable bytes.
        let command = unsafe { slice::from_raw_parts(command, command_len) };
        let command =
            std::str::from_utf8(command).map_err(|_| invalid("the command is not UTF-8 text"))?;
        let text = gw
            .gateway
            .show(command, Instant::from_millis(now_ms))
            .map_err(|e| invalid(e.to_string()))?;
        if text.len() + 1 > buf_len {
            // SAFETY: non-null and writable per the contract.
            unsafe { out_len.write(text.len()) };
            return Err(too_small(buf_len, text.len() + 1));
        }
        // SAFETY: non-null; the caller promised buf_len > text.len()
        // writable bytes, which cannot overlap the fresh String.
        unsafe {
            std::ptr::copy_nonoverlapping(text.as_ptr(), buf, text.len());
            buf.add(text.len()).write(0);
            out_len.write(text.len());
        }
        Ok(())
    })
}

/// Copies the gateway's counters to `*out`.
///
/// # Safety
/// `gw` a live handle; `out` valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_gateway_get_counters(
    gw: *const iks_gateway,
    out: *mut iks_gateway_counters,
) -> iks_result {
    guard(|| {
        // SAFETY: the caller passes a live handle or NULL.
        let gw = unsafe { gw.as_ref() }.ok_or_else(|| FfiError::null("gw"))?;
        if out.is_null() {
            return Err(FfiError::null("out"));
        }
        // SAFETY: non-null and writable per the contract.
        unsafe { out.write(gw.gateway.counters().into()) };
        Ok(())
    })
}

/// Writes the outside address the gateway uses (host order) to `*out`.
///
/// # Safety
/// `gw` a live handle; `out` valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_gateway_outside_addr(
    gw: *const iks_gateway,
    out: *mut u32,
) -> iks_result {
    guard(|| {
        // SAFETY: the caller passes a live handle or NULL.
        let gw = unsafe { gw.as_ref() }.ok_or_else(|| FfiError::null("gw"))?;
        if out.is_null() {
            return Err(FfiError::null("out"));
        }
        // SAFETY: non-null and writable per the contract.
        unsafe { out.write(gw.gateway.outside_addr().into()) };
        Ok(())
    })
}

// ----- the caller-buffer data path ------------------------------------------

/// `iks_gateway_seal_into`/`_open_into` could not run: a NULL or invalid
/// argument, or a panic; `reason` holds the `iks_result` and
/// `iks_last_error` the text.
pub const IKS_PACKET_ERROR: u32 = 0;
/// Sealed: send `len` bytes at `out + offset` as a UDP datagram from
/// `local_addr:local_port` to `remote_addr:remote_port` (ESP in UDP, the
/// UDP header left to the socket).
pub const IKS_PACKET_UDP: u32 = 1;
/// Sealed: send `len` bytes at `out + offset` as the payload of an IP
/// protocol 50 packet from `local_addr` to `remote_addr`.
pub const IKS_PACKET_ESP: u32 = 2;
/// No crypto ACL protects the packet: route the input packet in clear
/// (nothing was written).
pub const IKS_PACKET_CLEAR: u32 = 3;
/// No SA yet. Sealing: the packet was copied to the hold queue and IKE
/// started; it comes out of `iks_gateway_poll_transmit` once the SA is up.
/// Opening on a worker: ESP that overtook its SA's install was kept a
/// moment; it comes out of `iks_worker_poll_inside` when the SA arrives,
/// or is refused as an unknown SPI.
pub const IKS_PACKET_HELD: u32 = 4;
/// Dropped and counted; `reason` is an `IKS_DROP_*` (an
/// `IKS_EVENT_DROPPED` says it too).
pub const IKS_PACKET_DROPPED: u32 = 5;
/// `out` is too small: `len` is the size needed; nothing was sealed.
pub const IKS_PACKET_BUFFER_TOO_SMALL: u32 = 6;
/// ESP opened: deliver the `len` bytes at `datagram + offset` (an IPv4
/// packet) on the inside.
pub const IKS_PACKET_INSIDE: u32 = 7;
/// IKE, handed to the engine: its replies are in
/// `iks_gateway_poll_transmit`.
pub const IKS_PACKET_IKE: u32 = 8;
/// A NAT keepalive, counted and consumed.
pub const IKS_PACKET_NAT_KEEPALIVE: u32 = 9;
/// A dummy ESP packet (next header 59): nothing to deliver.
pub const IKS_PACKET_DUMMY: u32 = 10;
/// A split data plane (`iks_gateway_split_data_plane`): another worker
/// owns the packet's SA (`reason` is its index); nothing was written, hand
/// the packet to that worker.
pub const IKS_PACKET_ELSEWHERE: u32 = 11;

/// Bytes `iks_gateway_seal_into` may add around an inner packet: an `out`
/// of the packet's length plus this is always enough.
pub const IKS_SEAL_OVERHEAD: usize = 81;
const _: () = assert!(IKS_SEAL_OVERHEAD == ike_policy::gateway::SEAL_OVERHEAD);

/// What `iks_gateway_seal_into` / `iks_gateway_open_into` did, and where
/// the result lies in the caller's buffer; the fields a kind does not use
/// are 0.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct iks_packet {
    /// One of `IKS_PACKET_*`.
    pub kind: u32,
    /// `IKS_DROP_*` for `IKS_PACKET_DROPPED`, the `iks_result` for
    /// `IKS_PACKET_ERROR`, the worker's index for `IKS_PACKET_ELSEWHERE`.
    pub reason: u32,
    /// Where the result starts in the caller's buffer.
    pub offset: usize,
    /// Its length (the size needed, for `IKS_PACKET_BUFFER_TOO_SMALL`).
    pub len: usize,
    /// Our address (host order), `IKS_PACKET_UDP` / `_ESP`.
    pub local_addr: u32,
    /// The peer's address (host order), `IKS_PACKET_UDP` / `_ESP`.
    pub remote_addr: u32,
    /// Our UDP port, `IKS_PACKET_UDP`.
    pub local_port: u16,
    /// The peer's UDP port, `IKS_PACKET_UDP`.
    pub remote_port: u16,
    /// Zero; later versions add fields here.
    pub reserved: [u64; 2],
}

/// A caller's writable buffer of `len` bytes (at most `max`); a zero
/// length may come with NULL.
///
/// # Safety
/// `ptr` valid for `len` bytes of reads and writes when `len > 0`, and
/// aliased by nothing else for the call.
unsafe fn bytes_mut<'a>(
    ptr: *mut u8,
    len: usize,
    max: usize,
    what: &str,
) -> Result<&'a mut [u8], FfiError> {
    check_len(len, max, what)?;
    if len == 0 {
        return Ok(&mut []);
    }
    if ptr.is_null() {
        return Err(FfiError::null(what));
    }
    // SAFETY: non-null; the caller promised `len` writable, unaliased bytes.
    Ok(unsafe { slice::from_raw_parts_mut(ptr, len) })
}

/// The inside packet (`len` bytes, read) and the caller's output buffer
/// (`out_len` bytes, written) of a seal, refused when they overlap.
///
/// # Safety
/// `packet` valid for `len` bytes of reads; `out` valid for `out_len`
/// bytes of writes and aliased by nothing else for the call.
unsafe fn seal_buffers<'a>(
    packet: *const u8,
    len: usize,
    out: *mut u8,
    out_len: usize,
) -> Result<(&'a [u8], &'a mut [u8]), FfiError> {
    // SAFETY: forwarded caller promise.
    let packet = unsafe { bytes(packet, len, MAX_DATAGRAM, "packet")? };
    let (start, end) = (out as usize, (out as usize).saturating_add(out_len));
    let p = packet.as_ptr() as usize;
    if !packet.is_empty() && out_len > 0 && p < end && start < p + packet.len() {
        return Err(invalid("packet and out overlap"));
    }
    // SAFETY: forwarded caller promise; checked not to overlap `packet`.
    let buf = unsafe { bytes_mut(out, out_len, MAX_BUFFER, "out")? };
    Ok((packet, buf))
}

/// Where `part` (a slice of `buf`) starts in `buf`.
fn offset_in(buf: *const u8, part: &[u8]) -> usize {
    (part.as_ptr() as usize).saturating_sub(buf as usize)
}

/// Runs `body`, or describes its failure as `IKS_PACKET_ERROR`.
fn packet_guard(body: impl FnOnce() -> Result<iks_packet, FfiError>) -> iks_packet {
    let mut result = iks_packet::default();
    let code = guard(|| {
        result = body()?;
        Ok(())
    });
    if code != iks_result::IKS_OK {
        result = iks_packet {
            kind: IKS_PACKET_ERROR,
            reason: code as u32,
            ..iks_packet::default()
        };
    }
    result
}

fn inbound_packet(inbound: ike_policy::Inbound<'_>, buf: *const u8) -> iks_packet {
    use ike_policy::Inbound;
    let mut p = iks_packet::default();
    match inbound {
        Inbound::Inside(inner) => {
            p.kind = IKS_PACKET_INSIDE;
            p.offset = offset_in(buf, inner);
            p.len = inner.len();
        }
        Inbound::Ike => p.kind = IKS_PACKET_IKE,
        Inbound::NatKeepalive => p.kind = IKS_PACKET_NAT_KEEPALIVE,
        Inbound::Dummy => p.kind = IKS_PACKET_DUMMY,
        Inbound::Dropped(reason) => {
            p.kind = IKS_PACKET_DROPPED;
            p.reason = drop_reason(reason);
        }
        Inbound::Elsewhere { worker } => {
            p.kind = IKS_PACKET_ELSEWHERE;
            p.reason = u32::try_from(worker).unwrap_or(u32::MAX);
        }
        Inbound::Held => p.kind = IKS_PACKET_HELD,
    }
    p
}

/// The C form of a seal's outcome, `out` the buffer it sealed into.
pub(crate) fn outbound_packet(outbound: ike_policy::Outbound<'_>, out: *const u8) -> iks_packet {
    use ike_policy::Outbound;
    let mut r = iks_packet::default();
    match outbound {
        Outbound::Udp {
            local,
            remote,
            payload,
        } => {
            r.kind = IKS_PACKET_UDP;
            r.offset = offset_in(out, payload);
            r.len = payload.len();
            r.local_addr = (*local.ip()).into();
            r.local_port = local.port();
            r.remote_addr = (*remote.ip()).into();
            r.remote_port = remote.port();
        }
        Outbound::Esp {
            local,
            remote,
            payload,
        } => {
            r.kind = IKS_PACKET_ESP;
            r.offset = offset_in(out, payload);
            r.len = payload.len();
            r.local_addr = local.into();
            r.remote_addr = remote.into();
        }
        Outbound::Clear => r.kind = IKS_PACKET_CLEAR,
        Outbound::Held => r.kind = IKS_PACKET_HELD,
        Outbound::Dropped(reason) => {
            r.kind = IKS_PACKET_DROPPED;
            r.reason = drop_reason(reason);
        }
        Outbound::Elsewhere { worker } => {
            r.kind = IKS_PACKET_ELSEWHERE;
            r.reason = u32::try_from(worker).unwrap_or(u32::MAX);
        }
        Outbound::BufferTooSmall { needed } => {
            r.kind = IKS_PACKET_BUFFER_TOO_SMALL;
            r.len = needed;
        }
    }
    r
}

/// Routes an IPv4 packet from the inside (`packet`, `len` bytes) out
/// through the caller's buffer `out` (`out_len` bytes, not overlapping
/// `packet`): sealed into ESP there (`IKS_PACKET_UDP` / `IKS_PACKET_ESP`
/// with `offset` and `len`), or `IKS_PACKET_CLEAR`, `_HELD`, `_DROPPED`,
/// `_BUFFER_TOO_SMALL`. `len + IKS_SEAL_OVERHEAD` bytes of `out` always
/// suffice. No allocation once the SA is up. Drain
/// `iks_gateway_poll_transmit` / `iks_gateway_poll_event` afterwards as
/// after any input (a rekey's IKE comes out there).
///
/// # Safety
/// `gw` a live handle; `packet` valid for `len` bytes of reads; `out` valid
/// for `out_len` bytes of writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_gateway_seal_into(
    gw: *mut iks_gateway,
    now_ms: u64,
    packet: *const u8,
    len: usize,
    out: *mut u8,
    out_len: usize,
) -> iks_packet {
    packet_guard(|| {
        // SAFETY: forwarded caller promise.
        let gw = unsafe { handle(gw)? };
        // SAFETY: forwarded caller promise.
        let (packet, buf) = unsafe { seal_buffers(packet, len, out, out_len)? };
        let outbound = gw
            .gateway
            .seal_into(Instant::from_millis(now_ms), packet, buf);
        Ok(outbound_packet(outbound, out))
    })
}

/// A UDP datagram received on `local_addr:local_port` (the IKE or the NAT-T
/// port) from `remote_addr:remote_port`, in `iks_gateway_handle_datagram`'s
/// order, opened in place in
/// `datagram` (`len` bytes): `IKS_PACKET_INSIDE` with the inner packet's
/// `offset` and `len` in `datagram`, `IKS_PACKET_IKE` (handed to the
/// engine), `_NAT_KEEPALIVE`, `_DUMMY` or `_DROPPED`. No allocation for
/// ESP once the SA is up.
///
/// # Safety
/// `gw` a live handle; `datagram` valid for `len` bytes of reads and writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_gateway_open_into(
    gw: *mut iks_gateway,
    now_ms: u64,
    local_addr: u32,
    local_port: u16,
    remote_addr: u32,
    remote_port: u16,
    datagram: *mut u8,
    len: usize,
) -> iks_packet {
    packet_guard(|| {
        // SAFETY: forwarded caller promise.
        let gw = unsafe { handle(gw)? };
        // SAFETY: forwarded caller promise.
        let buf = unsafe { bytes_mut(datagram, len, MAX_DATAGRAM, "datagram")? };
        let remote = SocketAddrV4::new(Ipv4Addr::from(remote_addr), remote_port);
        let local = SocketAddrV4::new(Ipv4Addr::from(local_addr), local_port);
        let inbound = gw
            .gateway
            .open_into(Instant::from_millis(now_ms), local, remote, buf);
        Ok(inbound_packet(inbound, datagram))
    })
}

/// The payload of a raw ESP packet (IP protocol 50, from the SPI on)
/// received from `remote_addr`, opened in place; as
/// `iks_gateway_open_into`.
///
/// # Safety
/// `gw` a live handle; `esp` valid for `len` bytes of reads and writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_gateway_open_esp_into(
    gw: *mut iks_gateway,
    now_ms: u64,
    remote_addr: u32,
    esp: *mut u8,
    len: usize,
) -> iks_packet {
    packet_guard(|| {
        // SAFETY: forwarded caller promise.
        let gw = unsafe { handle(gw)? };
        // SAFETY: forwarded caller promise.
        let buf = unsafe { bytes_mut(esp, len, MAX_DATAGRAM, "esp")? };
        let inbound = gw.gateway.open_esp_into(
            Instant::from_millis(now_ms),
            Ipv4Addr::from(remote_addr),
            buf,
        );
        Ok(inbound_packet(inbound, esp))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HUB: &str = "\
crypto keyring spokes
 pre-shared-key address 0.0.0.0 0.0.0.0 key cisco123
crypto isakmp policy 10
 encr 3des
 authentication pre-share
 group 2
crypto isakmp profile L2L
 keyring spokes
 match identity address 0.0.0.0
crypto ipsec transform-set myset esp-3des esp-sha-hmac
crypto dynamic-map dynmap 10
 set transform-set myset
 set isakmp-profile L2L
crypto map mymap 10 ipsec-isakmp dynamic dynmap
interface FastEthernet0/0
 ip address 192.0.2.1 255.255.255.0
 crypto map mymap
";

    #[test]
    fn a_panic_inside_an_entry_point_becomes_iks_err_panic() {
        let mut options = defaults();
        options.ike_port = 10500;
        let mut gw = std::ptr::null_mut();
        // SAFETY: valid pointers and lengths.
        let r = unsafe {
            iks_gateway_new(
                HUB.as_ptr(),
                HUB.len(),
                &options,
                std::ptr::null_mut(),
                &mut gw,
            )
        };
        assert_eq!(r, iks_result::IKS_OK);
        let cmd = "show crypto isakmp sa";
        let mut buf = [0u8; 4096];
        let mut len = 0usize;
        PANIC_IN_SHOW.with(|p| p.set(true));
        // SAFETY: gw is live; buffers are valid locals.
        let r = unsafe {
            iks_gateway_show(
                gw,
                cmd.as_ptr(),
                cmd.len(),
                0,
                buf.as_mut_ptr(),
                buf.len(),
                &mut len,
            )
        };
        assert_eq!(r, iks_result::IKS_ERR_PANIC);
        assert_eq!(len, 0, "no output on a panic");
        let mut text = [0 as std::ffi::c_char; 256];
        let mut text_len = 0usize;
        // SAFETY: valid locals.
        let r = unsafe { crate::iks_last_error(text.as_mut_ptr(), text.len(), &mut text_len) };
        assert_eq!(r, iks_result::IKS_OK);
        let text: Vec<u8> = text[..text_len].iter().map(|&c| c as u8).collect();
        assert_eq!(text, b"internal panic: test panic in iks_gateway_show");
        // SAFETY: freed once.
        unsafe { iks_gateway_free(gw) };
    }

    #[test]
    fn the_event_struct_keeps_its_size_and_layout() {
        use std::mem::{offset_of, size_of};
        // The Xauth and Mode Config fields came out of `reserved`: code
        // built against the earlier header sees the same struct.
        assert_eq!(size_of::<iks_event>(), 72);
        assert_eq!(offset_of!(iks_event, id), 32);
        assert_eq!(offset_of!(iks_event, assigned_addr), 40);
        assert_eq!(offset_of!(iks_event, ok), 44);
        assert_eq!(offset_of!(iks_event, reserved), 48);
    }

    #[test]
    fn addresses_are_host_order_integers() {
        assert_eq!(u32::from(Ipv4Addr::new(127, 0, 0, 1)), 0x7F00_0001);
        let o = gateway_options(&iks_gateway_options {
            outside_addr: 0x7F00_0002,
            ..defaults()
        })
        .unwrap();
        assert_eq!(o.outside_addr, Some(Ipv4Addr::new(127, 0, 0, 2)));
    }
}
