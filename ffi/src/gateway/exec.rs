//! `iks_gateway_exec`: the Gateway's IOS exec for C embedders.

use std::slice;

use ike_proto::time::Instant;

use super::{MAX_COMMAND, handle, iks_gateway, invalid, put_terminated, too_small};
use crate::boundary::{FfiError, check_len, guard};
use crate::result::iks_result;

/// Copies `text` and its NUL to `buf`, or keeps it in the handle.
///
/// # Safety
/// `buf` valid for `buf_len` bytes of writes; `out_len` for a write.
unsafe fn deliver(
    gw: &mut iks_gateway,
    text: String,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> Result<(), FfiError> {
    // SAFETY: per the function's contract.
    unsafe { out_len.write(text.len()) };
    if text.len() + 1 > buf_len {
        let needed = text.len() + 1;
        gw.exec_text = Some(text);
        return Err(too_small(buf_len, needed));
    }
    // SAFETY: the caller promised buf_len > text.len() writable bytes,
    // which cannot overlap the fresh String.
    unsafe { put_terminated(text.as_bytes(), buf) };
    Ok(())
}

/// Runs one IOS exec command line at `now_ms` (`show ...` with its pipes
/// `| include X` and `| json`, `clear crypto sa [peer A | map M]` (IPsec
/// SAs only), `clear crypto isakmp [C-id]`, `clear crypto session`,
/// `debug crypto isakmp|ipsec`, `undebug all`, `show debugging`, `crypto
/// ipsec client ezvpn connect` ...; abbreviations as IOS takes them) and
/// writes what IOS would print into `buf`, NUL-terminated, its length
/// (without the NUL) in `*out_len`, and in `*out_status` 0 when the command
/// ran, 1 when it was refused, 2 when it did not parse (the text then holds
/// IOS's `% Invalid input detected at '^' marker.`, `% Ambiguous command`
/// or `% Incomplete command.`). Drain the outputs after it (a clear sends
/// Deletes).
///
/// The command runs once: when its text and NUL do not fit,
/// `IKS_ERR_BUFFER_TOO_SMALL` with the needed length (without the NUL) in
/// `*out_len`, and `iks_gateway_exec_text` copies the kept text.
///
/// # Safety
/// `gw` a live handle; `command` valid for `command_len` bytes of reads;
/// `buf` valid for `buf_len` bytes of writes; `out_len` and `out_status`
/// valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_gateway_exec(
    gw: *mut iks_gateway,
    command: *const u8,
    command_len: usize,
    now_ms: u64,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
    out_status: *mut u8,
) -> iks_result {
    guard(|| {
        // SAFETY: forwarded caller promise.
        let gw = unsafe { handle(gw)? };
        if command.is_null() || buf.is_null() || out_len.is_null() || out_status.is_null() {
            return Err(FfiError::null("command/buf/out_len/out_status"));
        }
        check_len(command_len, MAX_COMMAND, "command")?;
        // SAFETY: non-null, bounded; the caller promised command_len
        // readable bytes.
        let command = unsafe { slice::from_raw_parts(command, command_len) };
        let command =
            std::str::from_utf8(command).map_err(|_| invalid("the command is not UTF-8 text"))?;
        let out = gw.gateway.exec(command, Instant::from_millis(now_ms));
        // SAFETY: non-null; the caller promised it is writable.
        unsafe { out_status.write(out.exit_code()) };
        gw.exec_text = None;
        // SAFETY: forwarded caller promise.
        unsafe { deliver(gw, out.text, buf, buf_len, out_len) }
    })
}

/// Copies the text of the last `iks_gateway_exec` that returned
/// `IKS_ERR_BUFFER_TOO_SMALL` into `buf` (NUL-terminated, its length in
/// `*out_len`); `IKS_ERR_INVALID_ARGUMENT` when none is kept. The text is
/// given once.
///
/// # Safety
/// `gw` a live handle; `buf` valid for `buf_len` bytes of writes;
/// `out_len` valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_gateway_exec_text(
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
        let text = gw
            .exec_text
            .take()
            .ok_or_else(|| invalid("no exec text is kept"))?;
        // SAFETY: forwarded caller promise.
        unsafe { deliver(gw, text, buf, buf_len, out_len) }
    })
}
