//! A node's lifecycle from C: a clean stop, a new outside address, a new
//! configuration.

use std::net::Ipv4Addr;
use std::slice;

use ike_proto::time::Instant;

use super::create::{config_error, utf8_error};
use super::{handle, iks_gateway};
use crate::boundary::{FfiError, MAX_BUFFER, check_len, guard};
use crate::result::iks_result;

/// Deletes every IPsec SA and then every IKE SA, each with a Delete
/// notify to its peer: call it before `iks_gateway_free` when the node
/// stops, and send what `iks_gateway_poll_transmit` then gives.
///
/// # Safety
/// `gw` a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_gateway_shutdown(gw: *mut iks_gateway, now_ms: u64) -> iks_result {
    guard(|| {
        // SAFETY: forwarded caller promise.
        let gw = unsafe { handle(gw)? };
        gw.gateway.shutdown(Instant::from_millis(now_ms));
        Ok(())
    })
}

/// Sets a new outside address (host byte order), learnt at run time (`ip
/// address dhcp`): the SAs bound to the old one are deleted (Deletes from
/// the old address: drain `iks_gateway_poll_transmit`), and the next
/// negotiation starts from the new one. Bind the sockets to the new
/// address again. Nothing happens when it is the address in use.
///
/// # Safety
/// `gw` a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_gateway_set_outside_address(
    gw: *mut iks_gateway,
    now_ms: u64,
    addr: u32,
) -> iks_result {
    guard(|| {
        // SAFETY: forwarded caller promise.
        let gw = unsafe { handle(gw)? };
        gw.gateway
            .set_outside_address(Instant::from_millis(now_ms), Ipv4Addr::from(addr));
        Ok(())
    })
}

/// `configure replace`: swaps in a new IOS configuration (`config_len`
/// bytes of UTF-8) at `now_ms`, live. An SA whose keyring entry, ISAKMP
/// policy, profile, crypto map entry, transform set and ACL are unchanged
/// stays up (same SPIs, same IKE SA); the others are deleted with Deletes
/// to their peers, IPsec SAs first (drain `iks_gateway_poll_transmit`,
/// and `iks_gateway_poll_event` says which SAs went), and negotiate again
/// under the new configuration.
///
/// Text the parser rejects, or a configuration the gateway cannot run (no
/// interface with a crypto map, no outside address) gives
/// `IKS_ERR_CONFIG` with "line L, column C: ..." (for a parse error) in
/// `iks_last_error`; the running configuration and every SA are then
/// untouched.
///
/// # Safety
/// `gw` a live handle; `config` valid for `config_len` bytes of reads.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_gateway_configure_replace(
    gw: *mut iks_gateway,
    config: *const u8,
    config_len: usize,
    now_ms: u64,
) -> iks_result {
    guard(|| {
        // SAFETY: forwarded caller promise.
        let gw = unsafe { handle(gw)? };
        if config.is_null() {
            return Err(FfiError::null("config"));
        }
        check_len(config_len, MAX_BUFFER, "config")?;
        // SAFETY: non-null, within a slice's limit; the caller promised
        // config_len readable bytes.
        let raw = unsafe { slice::from_raw_parts(config, config_len) };
        let text = std::str::from_utf8(raw).map_err(|e| utf8_error(raw, e.valid_up_to()).0)?;
        gw.gateway
            .configure_replace_text(Instant::from_millis(now_ms), text)
            .map_err(|e| config_error(&e).0)?;
        Ok(())
    })
}
