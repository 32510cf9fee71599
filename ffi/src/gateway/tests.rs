use std::net::Ipv4Addr;

use super::create::{defaults, gateway_options};
use super::show::PANIC_IN_SHOW;
use super::*;

const HUB: &str = "\
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
 ip address 192.0.2.1 255.255.255.0
 crypto map mymap
";

#[test]
fn a_panic_inside_an_entry_point_becomes_iks_err_panic() {
    let mut options = defaults();
    options.ike_port = 10500;
    let mut gw = std::ptr::null_mut();
    // SAFETY: valid pointers and lengths.
    let r = unsafe {
        iks_gateway_new(
            HUB.as_ptr(),
            HUB.len(),
            &options,
            std::ptr::null_mut(),
            &mut gw,
        )
    };
    assert_eq!(r, iks_result::IKS_OK);
    let cmd = "show crypto isakmp sa";
    let mut buf = [0u8; 4096];
    let mut len = 0usize;
    PANIC_IN_SHOW.with(|p| p.set(true));
    // SAFETY: gw is live; buffers are valid locals.
    let r = unsafe {
        iks_gateway_show(
            gw,
            cmd.as_ptr(),
            cmd.len(),
            0,
            buf.as_mut_ptr(),
            buf.len(),
            &mut len,
        )
    };
    assert_eq!(r, iks_result::IKS_ERR_PANIC);
    assert_eq!(len, 0, "no output on a panic");
    let mut text = [0 as std::ffi::c_char; 256];
    let mut text_len = 0usize;
    // SAFETY: valid locals.
    let r = unsafe { crate::iks_last_error(text.as_mut_ptr(), text.len(), &mut text_len) };
    assert_eq!(r, iks_result::IKS_OK);
    let text: Vec<u8> = text[..text_len].iter().map(|&c| c as u8).collect();
    assert_eq!(text, b"internal panic: test panic in iks_gateway_show");
    // SAFETY: freed once.
    unsafe { iks_gateway_free(gw) };
}

#[test]
fn the_event_struct_keeps_its_size_and_layout() {
    use std::mem::{offset_of, size_of};
    // The Xauth and Mode Config fields came out of `reserved`: code
    // built against the earlier header sees the same struct.
    assert_eq!(size_of::<iks_event>(), 72);
    assert_eq!(offset_of!(iks_event, id), 32);
    assert_eq!(offset_of!(iks_event, assigned_addr), 40);
    assert_eq!(offset_of!(iks_event, ok), 44);
    assert_eq!(offset_of!(iks_event, reserved), 48);
}

#[test]
fn addresses_are_host_order_integers() {
    assert_eq!(u32::from(Ipv4Addr::new(127, 0, 0, 1)), 0x7F00_0001);
    let o = gateway_options(&iks_gateway_options {
        outside_addr: 0x7F00_0002,
        ..defaults()
    })
    .unwrap();
    assert_eq!(o.outside_addr, Some(Ipv4Addr::new(127, 0, 0, 2)));
}
