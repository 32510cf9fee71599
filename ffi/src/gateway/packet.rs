//! The caller-buffer data path: seal and open in the caller's own buffers,
//! with the outcome described by an `iks_packet` rather than queued.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::slice;

use ike_policy::gateway::Instant;

use super::events::drop_reason;
use super::{handle, iks_gateway, invalid};
use crate::boundary::{FfiError, MAX_BUFFER, MAX_DATAGRAM, bytes, check_len, guard};
use crate::result::iks_result;

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
pub(super) unsafe fn bytes_mut<'a>(
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
pub(super) unsafe fn seal_buffers<'a>(
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
pub(super) fn packet_guard(body: impl FnOnce() -> Result<iks_packet, FfiError>) -> iks_packet {
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

pub(super) fn inbound_packet(inbound: ike_policy::Inbound<'_>, buf: *const u8) -> iks_packet {
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
