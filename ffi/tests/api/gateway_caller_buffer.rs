//! `iks_gateway_seal_into` / `iks_gateway_open_into` called as C calls
//! them: a hub and a spoke bring their tunnel up through the queue API,
//! then pings cross through the caller's buffers, told apart by `{kind,
//! offset, len}`.

use std::ptr;

use ikesuite::gateway::*;
use ikesuite::iks_result;

use crate::common::{Gw, HUB, SPOKE, carry_checked, gateway, icmp, last_error};

const HUB_ADDR: u32 = 0x7F00_0001;
const SPOKE_ADDR: u32 = 0x7F00_0002;

fn seal(gw: &Gw, now: u64, packet: &[u8], out: &mut [u8]) -> iks_packet {
    // SAFETY: live handle; valid, disjoint buffers.
    unsafe {
        iks_gateway_seal_into(
            gw.0,
            now,
            packet.as_ptr(),
            packet.len(),
            out.as_mut_ptr(),
            out.len(),
        )
    }
}

/// Seals at `from`, opens at `to` in a copy of the datagram (the wire);
/// the inner packet `to` delivered.
fn cross(from: &Gw, to: &Gw, now: u64, packet: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; packet.len() + IKS_SEAL_OVERHEAD];
    let s = seal(from, now, packet, &mut out);
    assert_eq!(s.kind, IKS_PACKET_UDP, "forced encapsulation: {s:?}");
    assert_eq!(s.remote_port, 14500);
    assert_eq!(s.local_port, 14500);
    // SPI, sequence, 8-byte IV, packet, padding and trailer, 12-byte ICV.
    assert_eq!(s.len, 16 + (packet.len() + 2).div_ceil(8) * 8 + 12);
    let mut wire = out[s.offset..s.offset + s.len].to_vec();
    // SAFETY: live handle; the datagram is ours to open in place.
    let o = unsafe {
        iks_gateway_open_into(
            to.0,
            now,
            s.remote_addr,
            s.remote_port,
            s.local_addr,
            s.local_port,
            wire.as_mut_ptr(),
            wire.len(),
        )
    };
    assert_eq!(o.kind, IKS_PACKET_INSIDE, "{o:?}");
    wire[o.offset..o.offset + o.len].to_vec()
}

#[test]
fn pings_cross_through_the_caller_buffer_functions() {
    let hub = gateway(HUB, 0, 14500);
    let spoke = gateway(SPOKE, SPOKE_ADDR, 14500);
    let now = 1_000;
    let first = icmp([10, 2, 2, 5], [10, 1, 1, 1], 8, 0);
    let mut out = vec![0u8; 2048];
    assert_eq!(seal(&spoke, now, &first, &mut out).kind, IKS_PACKET_HELD);
    while carry_checked(&spoke, &hub, now, |_| {}) | carry_checked(&hub, &spoke, now, |_| {}) {}

    for seq in 1..=5 {
        let request = icmp([10, 2, 2, 5], [10, 1, 1, 1], 8, seq);
        assert_eq!(cross(&spoke, &hub, now, &request), request);
        let reply = icmp([10, 1, 1, 1], [10, 2, 2, 5], 0, seq);
        assert_eq!(cross(&hub, &spoke, now, &reply), reply);
    }
    let mut c = iks_gateway_counters::default();
    // SAFETY: live handle, valid local.
    assert_eq!(
        unsafe { iks_gateway_get_counters(hub.0, &mut c) },
        iks_result::IKS_OK
    );
    assert_eq!((c.delivered, c.sealed), (6, 5));

    // Traffic no ACL selects: in clear, nothing written.
    let other = icmp([10, 2, 2, 5], [10, 9, 9, 9], 8, 1);
    assert_eq!(seal(&spoke, now, &other, &mut out).kind, IKS_PACKET_CLEAR);
    // Too small: the size needed; that size works.
    let ping = icmp([10, 2, 2, 5], [10, 1, 1, 1], 8, 9);
    let s = seal(&spoke, now, &ping, &mut [0u8; 40]);
    assert_eq!(s.kind, IKS_PACKET_BUFFER_TOO_SMALL);
    let mut exact = vec![0u8; s.len];
    let sealed = seal(&spoke, now, &ping, &mut exact);
    assert_eq!(sealed.kind, IKS_PACKET_UDP);
    assert_eq!(sealed.offset + sealed.len, exact.len());
    // A flipped bit: dropped, with the reason.
    let mut wire = exact[sealed.offset..].to_vec();
    wire[20] ^= 1;
    // SAFETY: live handle, our buffer.
    let o = unsafe {
        iks_gateway_open_into(
            hub.0,
            now,
            HUB_ADDR,
            14500,
            SPOKE_ADDR,
            14500,
            wire.as_mut_ptr(),
            wire.len(),
        )
    };
    assert_eq!(
        (o.kind, o.reason),
        (IKS_PACKET_DROPPED, IKS_DROP_ESP_REJECTED)
    );
    // A NAT keepalive.
    let mut keepalive = [0xFFu8];
    // SAFETY: live handle, our buffer.
    let o = unsafe {
        iks_gateway_open_into(
            hub.0,
            now,
            HUB_ADDR,
            14500,
            SPOKE_ADDR,
            14500,
            keepalive.as_mut_ptr(),
            1,
        )
    };
    assert_eq!(o.kind, IKS_PACKET_NAT_KEEPALIVE);
}

#[test]
fn misuse_is_an_error_kind_with_the_result_code() {
    let spoke = gateway(SPOKE, SPOKE_ADDR, 14500);
    let ping = icmp([10, 2, 2, 5], [10, 1, 1, 1], 8, 1);
    let mut out = vec![0u8; 256];
    // SAFETY: a NULL handle is refused before any use.
    let r = unsafe {
        iks_gateway_seal_into(
            ptr::null_mut(),
            1,
            ping.as_ptr(),
            ping.len(),
            out.as_mut_ptr(),
            out.len(),
        )
    };
    assert_eq!(
        (r.kind, r.reason),
        (IKS_PACKET_ERROR, iks_result::IKS_ERR_NULL_POINTER as u32)
    );
    // The packet inside the output buffer: refused, not aliased.
    out[..ping.len()].copy_from_slice(&ping);
    // SAFETY: live handle; the overlap is what is checked.
    let r = unsafe {
        iks_gateway_seal_into(
            spoke.0,
            1,
            out.as_ptr(),
            ping.len(),
            out.as_mut_ptr(),
            out.len(),
        )
    };
    assert_eq!(
        (r.kind, r.reason),
        (
            IKS_PACKET_ERROR,
            iks_result::IKS_ERR_INVALID_ARGUMENT as u32
        )
    );
    assert!(last_error().contains("overlap"), "{}", last_error());
    // SAFETY: NULL with a length is refused.
    let r = unsafe { iks_gateway_open_esp_into(spoke.0, 1, HUB_ADDR, ptr::null_mut(), 10) };
    assert_eq!(
        (r.kind, r.reason),
        (IKS_PACKET_ERROR, iks_result::IKS_ERR_NULL_POINTER as u32)
    );
}
