//! The drains after every input: what to send, what to deliver inside,
//! the events (and the key-log line of the last one), and when to call
//! `iks_gateway_handle_timeout` next. A caller's buffer too small keeps the
//! item first in line.

use std::ffi::c_char;

use ike_policy::Transmit;

use super::events::c_event;
use super::{
    IKS_TRANSMIT_CLEAR, IKS_TRANSMIT_ESP, IKS_TRANSMIT_UDP, empty, handle, iks_event, iks_gateway,
    iks_transmit, put_terminated, too_small,
};
use crate::boundary::{FfiError, guard};
use crate::result::iks_result;

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
pub(super) unsafe fn deliver_transmit(
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
pub(super) unsafe fn deliver_packet(
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
