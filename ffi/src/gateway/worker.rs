//! One hub's data plane on N threads from C: `iks_gateway_split_data_plane`
//! gives N `iks_worker` handles, each owning the ESP SAs whose inbound SPI
//! maps to it (`spi % n`, `iks_esp_worker`), while the `iks_gateway` keeps
//! IKE, the policy and the show views (counters summed over the workers).
//!
//! Run each worker on its own thread (a handle is used by one thread at a
//! time; the gateway and the workers may run at the same time): give it
//! the ESP for its SPIs (`iks_worker_open_esp_into` / `_open_into`) and the
//! inside packets its SAs protect (`iks_worker_owner_of` says which worker;
//! a packet at the wrong one comes back as `IKS_PACKET_ELSEWHERE` with the
//! right one's index in `reason`), call `iks_worker_handle_timeout` when
//! `iks_worker_poll_timeout` is due and at least every few hundred
//! milliseconds when idle (it also takes the gateway's installs), and
//! drain `iks_worker_poll_transmit` / `_poll_inside` (packets the gateway
//! handed it: those held while IKE ran). Keep calling
//! `iks_gateway_handle_timeout` when `iks_gateway_poll_timeout` is due: the
//! workers' lifetime events and acquires reach IKE there. No lock per
//! packet: the two sides talk through queues.

use std::net::{Ipv4Addr, SocketAddrV4};

use ike_policy::gateway::{DataPlaneWorker, Instant, Transmit, esp_worker};

use super::output::{deliver_packet, deliver_transmit};
use super::packet::{bytes_mut, inbound_packet, outbound_packet, packet_guard, seal_buffers};
use super::{empty, handle, iks_gateway, iks_packet, iks_transmit, invalid};
use crate::boundary::{FfiError, MAX_DATAGRAM, bytes, guard};
use crate::result::iks_result;

/// The most workers one gateway may be split into.
const MAX_WORKERS: usize = 1024;

/// One data-plane worker of a split gateway (opaque).
pub struct iks_worker {
    worker: DataPlaneWorker,
    /// As `iks_gateway`'s: a transmit a too-small buffer left.
    transmit: Option<Transmit>,
    /// As `iks_gateway`'s, for inside packets.
    inside: Option<Vec<u8>>,
}

/// The worker behind `w`, or the NULL error.
///
/// # Safety
/// `w` must be NULL or a live handle used by no other thread.
unsafe fn worker<'a>(w: *mut iks_worker) -> Result<&'a mut iks_worker, FfiError> {
    // SAFETY: the caller passes a live, unshared handle or NULL.
    unsafe { w.as_mut() }.ok_or_else(|| FfiError::null("worker"))
}

/// Splits `gw`'s data plane over `n` workers (1 to 1024), written to
/// `out_workers[0..n]` (free each with `iks_worker_free`, before or after
/// the gateway). The SAs up now move to their workers. `IKS_ERR_REJECTED`
/// when the gateway is already split or is an Easy VPN Remote.
///
/// # Safety
/// `gw` a live handle; `out_workers` valid for `n` pointer writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_gateway_split_data_plane(
    gw: *mut iks_gateway,
    n: usize,
    out_workers: *mut *mut iks_worker,
) -> iks_result {
    guard(|| {
        // SAFETY: forwarded caller promise.
        let gw = unsafe { handle(gw)? };
        if out_workers.is_null() {
            return Err(FfiError::null("out_workers"));
        }
        if n == 0 || n > MAX_WORKERS {
            return Err(invalid(format!("{n} workers: 1 to {MAX_WORKERS}")));
        }
        let workers = gw
            .gateway
            .split_data_plane(n)
            .map_err(|e| FfiError::new(iks_result::IKS_ERR_REJECTED, e.to_string()))?;
        for (k, w) in workers.into_iter().enumerate() {
            let handle = Box::into_raw(Box::new(iks_worker {
                worker: w,
                transmit: None,
                inside: None,
            }));
            // SAFETY: k < n; the caller promised n writable slots.
            unsafe { out_workers.add(k).write(handle) };
        }
        Ok(())
    })
}

/// Frees a worker (NULL is accepted). Its SAs go with it.
///
/// # Safety
/// `w` NULL or a live handle, not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_worker_free(w: *mut iks_worker) {
    if !w.is_null() {
        // SAFETY: the caller passes a live handle we allocated with Box.
        drop(unsafe { Box::from_raw(w) });
    }
}

/// Which of `workers` workers owns the ESP packet `esp` (`len` bytes, from
/// the SPI on: raw ESP, or ESP in UDP after the UDP header), into
/// `*out_worker`. `IKS_ERR_INVALID_ARGUMENT` when it is shorter than an SPI
/// or `workers` is 0.
///
/// # Safety
/// `esp` valid for `len` bytes of reads; `out_worker` valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_esp_worker(
    esp: *const u8,
    len: usize,
    workers: u32,
    out_worker: *mut u32,
) -> iks_result {
    guard(|| {
        // SAFETY: forwarded caller promise.
        let esp = unsafe { bytes(esp, len, MAX_DATAGRAM, "esp")? };
        if out_worker.is_null() {
            return Err(FfiError::null("out_worker"));
        }
        if workers == 0 {
            return Err(invalid("no workers"));
        }
        let w = esp_worker(esp, workers as usize).ok_or_else(|| invalid("no SPI"))?;
        // SAFETY: non-null and writable per the contract.
        unsafe { out_worker.write(w as u32) };
        Ok(())
    })
}

/// Which worker seals the inside packet `packet` (`len` bytes) into
/// `*out_worker`; `IKS_ERR_EMPTY` when no SA protects it (it goes in
/// clear, is dropped, or needs IKE: any worker's `iks_worker_seal_into`
/// takes those).
///
/// # Safety
/// `w` a live handle; `packet` valid for `len` bytes of reads; `out_worker`
/// valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_worker_owner_of(
    w: *mut iks_worker,
    packet: *const u8,
    len: usize,
    out_worker: *mut u32,
) -> iks_result {
    guard(|| {
        // SAFETY: forwarded caller promise.
        let w = unsafe { worker(w)? };
        // SAFETY: forwarded caller promise.
        let packet = unsafe { bytes(packet, len, MAX_DATAGRAM, "packet")? };
        if out_worker.is_null() {
            return Err(FfiError::null("out_worker"));
        }
        let owner = w.worker.owner_of(packet).ok_or_else(|| empty("SA"))?;
        // SAFETY: non-null and writable per the contract.
        unsafe { out_worker.write(owner as u32) };
        Ok(())
    })
}

/// `iks_gateway_seal_into` on this worker's SAs; also
/// `IKS_PACKET_ELSEWHERE` (another worker's SA: `reason` is its index) and
/// `IKS_PACKET_HELD` (no usable SA: the gateway starts IKE and holds it).
///
/// # Safety
/// `w` a live handle; `packet` valid for `len` bytes of reads; `out` valid
/// for `out_len` bytes of writes, not overlapping `packet`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_worker_seal_into(
    w: *mut iks_worker,
    now_ms: u64,
    packet: *const u8,
    len: usize,
    out: *mut u8,
    out_len: usize,
) -> iks_packet {
    packet_guard(|| {
        // SAFETY: forwarded caller promise.
        let w = unsafe { worker(w)? };
        // SAFETY: forwarded caller promise.
        let (packet, buf) = unsafe { seal_buffers(packet, len, out, out_len)? };
        let outbound = w
            .worker
            .seal_into(Instant::from_millis(now_ms), packet, buf);
        Ok(outbound_packet(outbound, out))
    })
}

/// `iks_gateway_open_into` on this worker's SAs: ESP in UDP on the NAT-T
/// port is opened, IKE handed to the gateway (`IKS_PACKET_IKE`; it answers
/// at its next call), ESP for another worker's SPI is
/// `IKS_PACKET_ELSEWHERE` (untouched).
///
/// # Safety
/// `w` a live handle; `datagram` valid for `len` bytes of reads and writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_worker_open_into(
    w: *mut iks_worker,
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
        let w = unsafe { worker(w)? };
        // SAFETY: forwarded caller promise.
        let buf = unsafe { bytes_mut(datagram, len, MAX_DATAGRAM, "datagram")? };
        let local = SocketAddrV4::new(Ipv4Addr::from(local_addr), local_port);
        let remote = SocketAddrV4::new(Ipv4Addr::from(remote_addr), remote_port);
        let inbound = w
            .worker
            .open_into(Instant::from_millis(now_ms), local, remote, buf);
        Ok(inbound_packet(inbound, datagram))
    })
}

/// `iks_gateway_open_esp_into` on this worker's SAs (raw ESP from
/// `remote_addr`); see `iks_worker_open_into`.
///
/// # Safety
/// `w` a live handle; `esp` valid for `len` bytes of reads and writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_worker_open_esp_into(
    w: *mut iks_worker,
    now_ms: u64,
    remote_addr: u32,
    esp: *mut u8,
    len: usize,
) -> iks_packet {
    packet_guard(|| {
        // SAFETY: forwarded caller promise.
        let w = unsafe { worker(w)? };
        // SAFETY: forwarded caller promise.
        let buf = unsafe { bytes_mut(esp, len, MAX_DATAGRAM, "esp")? };
        let inbound = w.worker.open_esp_into(
            Instant::from_millis(now_ms),
            Ipv4Addr::from(remote_addr),
            buf,
        );
        Ok(inbound_packet(inbound, esp))
    })
}

/// Time passed: this worker's SAs' time limits, and the gateway's installs
/// and removals.
///
/// # Safety
/// `w` a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_worker_handle_timeout(w: *mut iks_worker, now_ms: u64) -> iks_result {
    guard(|| {
        // SAFETY: forwarded caller promise.
        let w = unsafe { worker(w)? };
        w.worker.handle_timeout(Instant::from_millis(now_ms));
        Ok(())
    })
}

/// When `iks_worker_handle_timeout` is due for the SAs' time limits, into
/// `*out_ms`; `IKS_ERR_EMPTY` when no SA has one (call it anyway every few
/// hundred milliseconds).
///
/// # Safety
/// `w` a live handle; `out_ms` valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_worker_poll_timeout(
    w: *const iks_worker,
    out_ms: *mut u64,
) -> iks_result {
    guard(|| {
        // SAFETY: the caller passes a live handle or NULL.
        let w = unsafe { w.as_ref() }.ok_or_else(|| FfiError::null("worker"))?;
        if out_ms.is_null() {
            return Err(FfiError::null("out_ms"));
        }
        let at = w.worker.poll_timeout().ok_or_else(|| empty("timer"))?;
        // SAFETY: non-null and writable per the contract.
        unsafe { out_ms.write(at.as_millis()) };
        Ok(())
    })
}

/// As `iks_gateway_poll_transmit`, for what the gateway asked this worker
/// to seal (packets held while IKE ran, or given to
/// `iks_gateway_handle_inside`).
///
/// # Safety
/// `w` a live handle; `buf` valid for `buf_len` bytes of writes; `out`
/// valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_worker_poll_transmit(
    w: *mut iks_worker,
    buf: *mut u8,
    buf_len: usize,
    out: *mut iks_transmit,
) -> iks_result {
    guard(|| {
        // SAFETY: forwarded caller promise.
        let w = unsafe { worker(w)? };
        if buf.is_null() || out.is_null() {
            return Err(FfiError::null("buf/out"));
        }
        // SAFETY: forwarded caller promise (checked non-null).
        unsafe {
            deliver_transmit(
                &mut w.transmit,
                || w.worker.poll_transmit(),
                buf,
                buf_len,
                out,
            )
        }
    })
}

/// As `iks_gateway_poll_inside`, for what the gateway asked this worker to
/// open (ESP given to `iks_gateway_handle_esp` / `_handle_datagram`).
///
/// # Safety
/// `w` a live handle; `buf` valid for `buf_len` bytes of writes; `out_len`
/// valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_worker_poll_inside(
    w: *mut iks_worker,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> iks_result {
    guard(|| {
        // SAFETY: forwarded caller promise.
        let w = unsafe { worker(w)? };
        if buf.is_null() || out_len.is_null() {
            return Err(FfiError::null("buf/out_len"));
        }
        // SAFETY: forwarded caller promise (checked non-null).
        unsafe {
            deliver_packet(
                &mut w.inside,
                || w.worker.poll_inside(),
                buf,
                buf_len,
                out_len,
            )
        }
    })
}
