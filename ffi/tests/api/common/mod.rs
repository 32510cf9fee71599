//! What the tests of the C API share: the last-error text, an owning
//! gateway handle, and carrying datagrams and events between gateways.

#![allow(dead_code)]

use std::ffi::c_char;

use ikesuite::gateway::*;
use ikesuite::{iks_last_error, iks_result};

/// The calling thread's last error text.
pub fn last_error() -> String {
    let mut buf = [0 as c_char; 512];
    let mut len = 0usize;
    // SAFETY: valid local buffers.
    let r = unsafe { iks_last_error(buf.as_mut_ptr(), buf.len(), &mut len) };
    assert_eq!(r, iks_result::IKS_OK);
    String::from_utf8(buf[..len].iter().map(|&c| c as u8).collect()).unwrap()
}

/// A gateway freed on drop.
pub struct Gw(pub *mut iks_gateway);

impl Drop for Gw {
    fn drop(&mut self) {
        // SAFETY: a handle from iks_gateway_new, freed once.
        unsafe { iks_gateway_free(self.0) };
    }
}

/// Moves every datagram `from` wants sent into `to`, calling `check` on
/// each first; true when something moved.
pub fn carry_checked(from: &Gw, to: &Gw, now: u64, check: impl Fn(&iks_transmit)) -> bool {
    let mut moved = false;
    let mut buf = vec![0u8; 65535];
    loop {
        let mut t = iks_transmit::default();
        // SAFETY: live handle and valid buffers.
        let r = unsafe { iks_gateway_poll_transmit(from.0, buf.as_mut_ptr(), buf.len(), &mut t) };
        if r == iks_result::IKS_ERR_EMPTY {
            return moved;
        }
        assert_eq!(r, iks_result::IKS_OK, "{}", last_error());
        check(&t);
        moved = true;
        // SAFETY: live handle; buf holds t.len bytes.
        let r = unsafe {
            iks_gateway_handle_datagram(
                to.0,
                now,
                t.remote_addr,
                t.remote_port,
                t.local_addr,
                t.local_port,
                buf.as_ptr(),
                t.len,
            )
        };
        assert_eq!(r, iks_result::IKS_OK);
    }
}

/// Every event `gw` has queued.
pub fn events(gw: &Gw) -> Vec<iks_event> {
    let mut all = Vec::new();
    loop {
        let mut e = iks_event::default();
        // SAFETY: live handle and a valid local.
        match unsafe { iks_gateway_poll_event(gw.0, &mut e) } {
            iks_result::IKS_OK => all.push(e),
            iks_result::IKS_ERR_EMPTY => return all,
            other => panic!("poll_event: {other:?}"),
        }
    }
}
