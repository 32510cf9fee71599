//! `iks_gateway_exec` from C's side: IOS exec lines, their status, and the
//! text kept when the caller's buffer is too small.

use std::ptr;

use ikesuite::gateway::*;
use ikesuite::iks_result;

use crate::common;

use common::Gw;

const HUB: &str = "\
hostname Hub
crypto isakmp policy 10
 encr 3des
 authentication pre-share
 group 2
crypto ipsec transform-set myset esp-3des esp-sha-hmac
crypto dynamic-map dynmap 10
 set transform-set myset
crypto map mymap 10 ipsec-isakmp dynamic dynmap
interface FastEthernet0/0
 ip address 127.0.0.1 255.0.0.0
 crypto map mymap
";

fn hub() -> Gw {
    let mut o = std::mem::MaybeUninit::<iks_gateway_options>::uninit();
    // SAFETY: init writes the whole struct.
    assert_eq!(
        unsafe { iks_gateway_options_init(o.as_mut_ptr()) },
        iks_result::IKS_OK
    );
    // SAFETY: initialised just above.
    let o = unsafe { o.assume_init() };
    let mut gw = ptr::null_mut();
    let mut err = iks_config_error::default();
    // SAFETY: valid pointers and lengths.
    let r = unsafe { iks_gateway_new(HUB.as_ptr(), HUB.len(), &o, &mut err, &mut gw) };
    assert_eq!(r, iks_result::IKS_OK);
    Gw(gw)
}

fn exec(gw: &Gw, line: &str, cap: usize) -> (iks_result, u8, usize, String) {
    let mut buf = vec![0u8; cap.max(1)];
    let (mut len, mut status) = (0usize, 9u8);
    // SAFETY: live handle; valid buffers.
    let r = unsafe {
        iks_gateway_exec(
            gw.0,
            line.as_ptr(),
            line.len(),
            1000,
            buf.as_mut_ptr(),
            cap,
            &mut len,
            &mut status,
        )
    };
    let text = if r == iks_result::IKS_OK {
        assert_eq!(buf[len], 0, "NUL-terminated");
        String::from_utf8(buf[..len].to_vec()).unwrap()
    } else {
        String::new()
    };
    (r, status, len, text)
}

#[test]
fn exec_runs_ios_lines_and_reports_their_status() {
    let gw = hub();
    let (r, status, _, text) = exec(&gw, "sh cry ipsec transform-set", 4096);
    assert_eq!((r, status), (iks_result::IKS_OK, 0));
    assert_eq!(
        text,
        "Transform set myset: { esp-3des esp-sha-hmac  }\n   will negotiate = { Tunnel,  },\n\n"
    );
    let (r, status, _, text) = exec(&gw, "show crypto isakmp foo", 4096);
    assert_eq!((r, status), (iks_result::IKS_OK, 2));
    assert!(
        text.ends_with("% Invalid input detected at '^' marker.\n"),
        "{text}"
    );
    let (_, status, _, text) = exec(&gw, "clear crypto isakmp 77", 4096);
    assert_eq!(status, 1);
    assert_eq!(text, "% No ISAKMP SA with C-id 77\n");
    let (_, status, _, text) = exec(&gw, "undebug all", 4096);
    assert_eq!(
        (status, text.as_str()),
        (0, "All possible debugging has been turned off\n")
    );
}

#[test]
fn a_text_too_long_for_the_buffer_is_kept_and_the_command_not_run_again() {
    let gw = hub();
    let (r, status, needed, _) = exec(&gw, "show crypto isakmp policy", 8);
    assert_eq!(r, iks_result::IKS_ERR_BUFFER_TOO_SMALL);
    assert_eq!(status, 0, "it ran");
    let mut buf = vec![0u8; needed + 1];
    let mut len = 0usize;
    // SAFETY: live handle; valid buffers.
    let r = unsafe { iks_gateway_exec_text(gw.0, buf.as_mut_ptr(), buf.len(), &mut len) };
    assert_eq!(r, iks_result::IKS_OK);
    assert_eq!(len, needed);
    let text = String::from_utf8(buf[..len].to_vec()).unwrap();
    assert!(text.starts_with("Global IKE policy\n"), "{text}");
    // Given once.
    // SAFETY: as above.
    let r = unsafe { iks_gateway_exec_text(gw.0, buf.as_mut_ptr(), buf.len(), &mut len) };
    assert_eq!(r, iks_result::IKS_ERR_INVALID_ARGUMENT);
    // NULL pointers are refused.
    // SAFETY: NULL is checked.
    let r = unsafe {
        iks_gateway_exec(
            ptr::null_mut(),
            ptr::null(),
            0,
            0,
            ptr::null_mut(),
            0,
            ptr::null_mut(),
            ptr::null_mut(),
        )
    };
    assert_eq!(r, iks_result::IKS_ERR_NULL_POINTER);
}

#[test]
fn shutdown_and_a_new_outside_address_from_c() {
    let gw = hub();
    let show = |gw: &Gw| {
        let (_, _, _, t) = exec(gw, "show crypto ipsec sa", 4096);
        t
    };
    assert!(show(&gw).contains("local addr. 127.0.0.1"));
    // SAFETY: live handle.
    assert_eq!(
        unsafe { iks_gateway_set_outside_address(gw.0, 2000, 0x7F00_0009) },
        iks_result::IKS_OK
    );
    assert!(show(&gw).contains("local addr. 127.0.0.9"), "{}", show(&gw));
    // SAFETY: live handle.
    assert_eq!(
        unsafe { iks_gateway_shutdown(gw.0, 3000) },
        iks_result::IKS_OK
    );
    // SAFETY: NULL is refused.
    assert_eq!(
        unsafe { iks_gateway_shutdown(ptr::null_mut(), 0) },
        iks_result::IKS_ERR_NULL_POINTER
    );
}

#[test]
fn configure_replace_from_c_swaps_the_configuration_or_changes_nothing() {
    let gw = hub();
    let sets = |gw: &Gw| {
        let (_, _, _, t) = exec(gw, "show crypto ipsec transform-set", 4096);
        t
    };
    let replace = |gw: &Gw, text: &[u8]| {
        // SAFETY: live handle; valid text.
        unsafe { iks_gateway_configure_replace(gw.0, text.as_ptr(), text.len(), 2000) }
    };
    assert!(
        sets(&gw).contains("{ esp-3des esp-sha-hmac  }"),
        "{}",
        sets(&gw)
    );

    // A line that does not parse: refused with its position, nothing
    // changes.
    let bad = HUB.replace("group 2", "group two");
    assert_eq!(replace(&gw, bad.as_bytes()), iks_result::IKS_ERR_CONFIG);
    let e = common::last_error();
    assert!(e.starts_with("line 5, column "), "{e}");
    // Not UTF-8.
    assert_eq!(replace(&gw, b"hostname \xff\n"), iks_result::IKS_ERR_CONFIG);
    assert!(common::last_error().contains("not UTF-8"));
    // Parses, but no interface carries the crypto map.
    let no_map = HUB.replace(" crypto map mymap\n", "");
    assert_eq!(replace(&gw, no_map.as_bytes()), iks_result::IKS_ERR_CONFIG);
    assert!(
        sets(&gw).contains("{ esp-3des esp-sha-hmac  }"),
        "{}",
        sets(&gw)
    );

    // A new transform set, live.
    let aes = HUB.replace("esp-3des esp-sha-hmac", "esp-aes esp-sha-hmac");
    assert_eq!(replace(&gw, aes.as_bytes()), iks_result::IKS_OK);
    assert!(
        sets(&gw).contains("{ esp-aes esp-sha-hmac  }"),
        "{}",
        sets(&gw)
    );

    // SAFETY: NULL is refused.
    assert_eq!(
        unsafe { iks_gateway_configure_replace(gw.0, ptr::null(), 0, 0) },
        iks_result::IKS_ERR_NULL_POINTER
    );
    // SAFETY: NULL is refused.
    assert_eq!(
        unsafe { iks_gateway_configure_replace(ptr::null_mut(), HUB.as_ptr(), HUB.len(), 0) },
        iks_result::IKS_ERR_NULL_POINTER
    );
}
