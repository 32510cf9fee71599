//! What the tests of the C API share: the last-error text, an owning
//! gateway handle made from a configuration, carrying datagrams and events
//! between gateways, and the echo requests they carry.

#![allow(dead_code)]

use std::ffi::c_char;
use std::ptr;

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

/// The seed's hub, cut to its LAN-to-LAN half, on loopback.
pub const HUB: &str = "\
hostname Hub
crypto keyring spokes
 pre-shared-key address 0.0.0.0 0.0.0.0 key cisco123
crypto isakmp policy 10
 encr 3des
 authentication pre-share
 group 2
crypto isakmp profile L2L
 keyring spokes
 match identity address 0.0.0.0
crypto ipsec transform-set myset esp-3des esp-sha-hmac
crypto dynamic-map dynmap 10
 set transform-set myset
 set isakmp-profile L2L
crypto map mymap 10 ipsec-isakmp dynamic dynmap
interface FastEthernet0/0
 ip address 127.0.0.1 255.0.0.0
 crypto map mymap
";

/// The seed's spoke towards it.
pub const SPOKE: &str = "\
hostname Spoke
crypto isakmp policy 10
 encr 3des
 authentication pre-share
 group 2
crypto isakmp key cisco123 address 127.0.0.1
crypto ipsec transform-set myset esp-3des esp-sha-hmac
crypto map mymap 10 ipsec-isakmp
 set peer 127.0.0.1
 set transform-set myset
 match address 100
interface FastEthernet0/0
 ip address dhcp
 crypto map mymap
access-list 100 permit ip 10.2.0.0 0.0.255.255 10.1.0.0 0.0.255.255
";

/// The options C starts from (`iks_gateway_options_init`) for a gateway on
/// `outside`: IKE on 10500, NAT-T on `natt_port`, UDP encapsulation forced
/// so loopback carries ESP.
pub fn options(outside: u32, natt_port: u16) -> iks_gateway_options {
    let mut o = std::mem::MaybeUninit::<iks_gateway_options>::uninit();
    // SAFETY: init writes the whole struct.
    assert_eq!(
        unsafe { iks_gateway_options_init(o.as_mut_ptr()) },
        iks_result::IKS_OK
    );
    // SAFETY: initialised just above.
    let mut o = unsafe { o.assume_init() };
    o.outside_addr = outside;
    o.ike_port = 10500;
    o.natt_port = natt_port;
    o.force_udp_encapsulation = true;
    o
}

/// The gateway `config` describes on `outside` (IKE on 10500, NAT-T on
/// `natt_port`, UDP encapsulation forced so loopback carries ESP).
pub fn gateway(config: &str, outside: u32, natt_port: u16) -> Gw {
    let o = options(outside, natt_port);
    let mut gw = ptr::null_mut();
    let mut err = iks_config_error::default();
    // SAFETY: valid pointers and lengths.
    let r = unsafe { iks_gateway_new(config.as_ptr(), config.len(), &o, &mut err, &mut gw) };
    assert_eq!(r, iks_result::IKS_OK, "{}", last_error());
    Gw(gw)
}

/// An ICMP echo request (`kind` 8) or reply (0) between the two LANs.
pub fn icmp(src: [u8; 4], dst: [u8; 4], kind: u8, seq: u16) -> Vec<u8> {
    let mut p = vec![0x45, 0, 0, 36, 0, 1, 0, 0, 64, 1, 0, 0];
    p.extend_from_slice(&src);
    p.extend_from_slice(&dst);
    let sum = esp_core::wire::internet_checksum(&p);
    p[10..12].copy_from_slice(&sum.to_be_bytes());
    let mut body = vec![kind, 0, 0, 0, 0x12, 0x34];
    body.extend_from_slice(&seq.to_be_bytes());
    body.extend_from_slice(b"ikesuite");
    let sum = esp_core::wire::internet_checksum(&body);
    body[2..4].copy_from_slice(&sum.to_be_bytes());
    p.extend_from_slice(&body);
    p
}
