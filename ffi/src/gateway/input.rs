//! The inputs that drive a gateway, each with the time: datagrams, raw
//! ESP, inside packets and timeouts. What they produce is drained in
//! `output`.

use std::net::{Ipv4Addr, SocketAddrV4};

use ike_policy::gateway::Instant;

use super::{handle, iks_gateway};
use crate::boundary::{MAX_DATAGRAM, bytes, guard};
use crate::result::iks_result;

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
