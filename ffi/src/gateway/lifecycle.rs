//! A node's lifecycle from C: a clean stop, a new outside address.

use std::net::Ipv4Addr;

use ike_proto::time::Instant;

use super::{handle, iks_gateway};
use crate::boundary::guard;
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
