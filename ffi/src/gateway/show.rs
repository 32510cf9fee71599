//! The read-only views: IOS show commands, the gateway's counters and its
//! outside address.

use std::slice;

use ike_policy::gateway::Instant;

use super::{MAX_COMMAND, iks_gateway, iks_gateway_counters, invalid, too_small};
use crate::boundary::{FfiError, check_len, guard};
use crate::result::iks_result;

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
