//! Commands that start or end negotiations: `clear crypto sa peer` and
//! bringing a tunnel up without waiting for a packet.

use std::net::Ipv4Addr;

use ike_policy::Initiated;
use ike_policy::gateway::Instant;
use ike_proto::engine::CommandError;

use super::{handle, iks_gateway, invalid};
use crate::boundary::{FfiError, guard};
use crate::result::iks_result;

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

pub(super) fn command_error(ike_sa: u64, e: &CommandError) -> FfiError {
    invalid(format!("IKE SA {ike_sa}: {e}"))
}
