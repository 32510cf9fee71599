//! The Gateway C API called the way C calls it: raw pointers, caller
//! buffers, result codes, and a hub and a spoke negotiating through it in
//! memory (the test is the network).

use std::ffi::{CStr, c_char, c_void};
use std::ptr;
use std::sync::Mutex;

use ikesuite::gateway::*;
use ikesuite::iks_result;
use ikesuite::logging::*;

use crate::common;

use common::{Gw, HUB, SPOKE, carry_checked, events, last_error};

const HUB_ADDR: u32 = 0x7F00_0001;
const SPOKE_ADDR: u32 = 0x7F00_0002;

fn options(outside: u32) -> iks_gateway_options {
    common::options(outside, 14500)
}

fn new_gateway(
    config: &str,
    opts: &iks_gateway_options,
) -> Result<Gw, (iks_result, iks_config_error)> {
    let mut gw = ptr::null_mut();
    let mut err = iks_config_error::default();
    // SAFETY: valid pointers and lengths.
    let r = unsafe { iks_gateway_new(config.as_ptr(), config.len(), opts, &mut err, &mut gw) };
    if r == iks_result::IKS_OK {
        assert!(!gw.is_null());
        Ok(Gw(gw))
    } else {
        assert!(gw.is_null(), "no handle written on failure");
        Err((r, err))
    }
}

/// An ICMP echo request from the spoke's LAN to the hub's LAN.
fn echo_request(seq: u16) -> Vec<u8> {
    let mut p = vec![
        0x45, 0, 0, 36, 0, 1, 0, 0, 64, 1, 0, 0, 10, 2, 2, 5, 10, 1, 1, 1,
    ];
    let sum = checksum(&p);
    p[10..12].copy_from_slice(&sum.to_be_bytes());
    let mut icmp = vec![8, 0, 0, 0, 0x12, 0x34];
    icmp.extend_from_slice(&seq.to_be_bytes());
    icmp.extend_from_slice(b"ikesuite");
    let sum = checksum(&icmp);
    icmp[2..4].copy_from_slice(&sum.to_be_bytes());
    p.extend_from_slice(&icmp);
    p
}

fn checksum(data: &[u8]) -> u16 {
    let mut sum = data
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])))
        .sum::<u32>();
    while sum > 0xFFFF {
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    !(sum as u16)
}

/// Carries every datagram `from` sends to `to`; true if any moved.
fn carry(from: &Gw, to: &Gw, now: u64) -> bool {
    carry_checked(from, to, now, |t| {
        assert_eq!(t.kind, IKS_TRANSMIT_UDP, "forced encapsulation: UDP only")
    })
}

fn show(gw: &Gw, command: &str, now: u64) -> String {
    let mut buf = vec![0u8; 16384];
    let mut len = 0usize;
    // SAFETY: live handle and valid buffers.
    let r = unsafe {
        iks_gateway_show(
            gw.0,
            command.as_ptr(),
            command.len(),
            now,
            buf.as_mut_ptr(),
            buf.len(),
            &mut len,
        )
    };
    assert_eq!(r, iks_result::IKS_OK, "{}", last_error());
    assert_eq!(buf[len], 0, "NUL-terminated");
    String::from_utf8(buf[..len].to_vec()).unwrap()
}

static LOG_LINES: Mutex<Vec<(u32, String)>> = Mutex::new(Vec::new());

unsafe extern "C" fn collect_log(
    userdata: *mut c_void,
    level: u32,
    _target: *const c_char,
    message: *const c_char,
) {
    assert_eq!(userdata as usize, 0x5EED, "userdata comes back unchanged");
    // SAFETY: the library passes a NUL-terminated string valid for the call.
    let text = unsafe { CStr::from_ptr(message) }
        .to_string_lossy()
        .into_owned();
    LOG_LINES.lock().unwrap().push((level, text));
}

#[test]
fn hub_and_spoke_negotiate_and_carry_a_ping_through_the_c_api() {
    // SAFETY: a function that is safe from any thread, with userdata it
    // only compares.
    let r =
        unsafe { iks_set_log_callback(Some(collect_log), 0x5EED as *mut c_void, IKS_LOG_DEBUG) };
    assert_eq!(r, iks_result::IKS_OK, "{}", last_error());

    let hub = new_gateway(HUB, &options(0)).expect("hub");
    let spoke = new_gateway(SPOKE, &options(SPOKE_ADDR)).expect("spoke");
    let mut addr = 0u32;
    // SAFETY: live handle, valid local.
    assert_eq!(
        unsafe { iks_gateway_outside_addr(hub.0, &mut addr) },
        iks_result::IKS_OK
    );
    assert_eq!(addr, HUB_ADDR);

    let now = 1_000;
    let ping = echo_request(1);
    // SAFETY: live handle, valid packet.
    let r = unsafe { iks_gateway_handle_inside(spoke.0, now, ping.as_ptr(), ping.len()) };
    assert_eq!(r, iks_result::IKS_OK);
    let mut wake = 0u64;
    // SAFETY: live handle, valid local.
    let r = unsafe { iks_gateway_poll_timeout(spoke.0, &mut wake) };
    assert_eq!(r, iks_result::IKS_OK, "a retransmission timer runs");
    assert!(wake > now);

    // A too-small buffer: the size needed comes back and the datagram stays.
    let mut small = [0u8; 16];
    let mut t = iks_transmit::default();
    // SAFETY: live handle, valid buffers.
    let r = unsafe { iks_gateway_poll_transmit(spoke.0, small.as_mut_ptr(), small.len(), &mut t) };
    assert_eq!(r, iks_result::IKS_ERR_BUFFER_TOO_SMALL);
    let needed = t.len;
    assert!(needed > small.len());
    assert_eq!((t.local_addr, t.local_port), (SPOKE_ADDR, 10500));
    assert_eq!((t.remote_addr, t.remote_port), (HUB_ADDR, 10500));
    assert!(small.iter().all(|&b| b == 0), "nothing written");
    let mut big = vec![0u8; needed];
    // SAFETY: as above.
    let r = unsafe { iks_gateway_poll_transmit(spoke.0, big.as_mut_ptr(), big.len(), &mut t) };
    assert_eq!(r, iks_result::IKS_OK);
    assert_eq!(t.len, needed);
    // SAFETY: live handle; big holds t.len bytes.
    let r = unsafe {
        iks_gateway_handle_datagram(
            hub.0,
            now,
            t.remote_addr,
            t.remote_port,
            t.local_addr,
            t.local_port,
            big.as_ptr(),
            t.len,
        )
    };
    assert_eq!(r, iks_result::IKS_OK);

    while carry(&hub, &spoke, now) | carry(&spoke, &hub, now) {}

    // The held ping crossed in ESP; a short buffer first.
    let mut len = 0usize;
    // SAFETY: live handle, valid buffers.
    let r = unsafe { iks_gateway_poll_inside(hub.0, small.as_mut_ptr(), small.len(), &mut len) };
    assert_eq!(r, iks_result::IKS_ERR_BUFFER_TOO_SMALL);
    assert_eq!(len, ping.len());
    let mut inside = vec![0u8; 2048];
    // SAFETY: as above.
    let r = unsafe { iks_gateway_poll_inside(hub.0, inside.as_mut_ptr(), inside.len(), &mut len) };
    assert_eq!(r, iks_result::IKS_OK);
    assert_eq!(&inside[..len], &ping[..]);
    // SAFETY: as above.
    let r = unsafe { iks_gateway_poll_inside(hub.0, inside.as_mut_ptr(), inside.len(), &mut len) };
    assert_eq!(r, iks_result::IKS_ERR_EMPTY);

    let hub_events = events(&hub);
    let ike_up = hub_events
        .iter()
        .find(|e| e.kind == IKS_EVENT_IKE_SA_UP)
        .expect("IKE SA up");
    assert_eq!(ike_up.peer_addr, SPOKE_ADDR);
    assert_eq!(ike_up.peer_port, 14500, "floated to NAT-T, real port");
    let sa_up = hub_events
        .iter()
        .find(|e| e.kind == IKS_EVENT_SA_UP)
        .expect("SA up");
    assert_eq!(sa_up.peer_addr, SPOKE_ADDR);
    assert!(sa_up.udp_encapsulated);
    let spoke_events = events(&spoke);
    let spoke_sa = spoke_events
        .iter()
        .find(|e| e.kind == IKS_EVENT_SA_UP)
        .expect("SA up");
    assert_eq!(spoke_sa.peer_addr, HUB_ADDR);
    assert_eq!(
        (spoke_sa.spi_in, spoke_sa.spi_out),
        (sa_up.spi_out, sa_up.spi_in)
    );
    assert_ne!(sa_up.spi_in, 0);

    let isakmp = show(&spoke, "show crypto isakmp sa", now);
    assert!(isakmp.contains("QM_IDLE"), "{isakmp}");
    let ipsec = show(&hub, "sh cry ips sa", now);
    assert!(
        ipsec.contains("#pkts decaps: 1, #pkts decrypt: 1, #pkts verify 1"),
        "{ipsec}"
    );
    let mut counters = iks_gateway_counters::default();
    // SAFETY: live handle, valid local.
    assert_eq!(
        unsafe { iks_gateway_get_counters(hub.0, &mut counters) },
        iks_result::IKS_OK
    );
    assert_eq!(counters.delivered, 1);

    // Clearing the peer on the spoke deletes both sides' SAs.
    // SAFETY: live handle.
    let r = unsafe { iks_gateway_clear_peer(spoke.0, now + 10, HUB_ADDR) };
    assert_eq!(r, iks_result::IKS_OK);
    while carry(&spoke, &hub, now + 10) | carry(&hub, &spoke, now + 10) {}
    let down = events(&spoke);
    let sa_down = down
        .iter()
        .find(|e| e.kind == IKS_EVENT_SA_DOWN)
        .expect("SA down");
    assert_eq!(sa_down.reason, IKS_DOWN_DELETED_LOCALLY);
    assert_eq!(sa_down.spi_in, spoke_sa.spi_in);
    let hub_down = events(&hub);
    assert!(
        hub_down
            .iter()
            .any(|e| e.kind == IKS_EVENT_SA_DOWN && e.reason == IKS_DOWN_DELETED_BY_PEER),
        "{hub_down:?}"
    );

    // SAFETY: NULL unregisters.
    let r = unsafe { iks_set_log_callback(None, ptr::null_mut(), IKS_LOG_OFF) };
    assert_eq!(r, iks_result::IKS_OK);
    let lines = LOG_LINES.lock().unwrap();
    assert!(
        lines
            .iter()
            .any(|(level, text)| *level == IKS_LOG_DEBUG && text.contains("IKE_P1_COMPLETE")),
        "the negotiation is logged in IOS's vocabulary: {lines:?}"
    );
}

#[test]
fn bad_configuration_text_names_its_line_and_column() {
    let text = "crypto isakmp policy 10\n encr 3des\n group 77\n";
    let (r, err) = new_gateway(text, &options(0)).err().expect("rejected");
    assert_eq!(r, iks_result::IKS_ERR_CONFIG);
    assert_eq!((err.line, err.column), (3, 8), "{}", last_error());
    assert!(
        last_error().starts_with("line 3, column 8: "),
        "{}",
        last_error()
    );

    // Not UTF-8: the position of the first bad byte.
    let mut bytes = HUB.as_bytes().to_vec();
    bytes.splice(24..24, [0xFF]);
    let mut gw = ptr::null_mut();
    let mut err = iks_config_error::default();
    // SAFETY: valid pointers and lengths.
    let r = unsafe { iks_gateway_new(bytes.as_ptr(), bytes.len(), &options(0), &mut err, &mut gw) };
    assert_eq!(r, iks_result::IKS_ERR_CONFIG);
    assert_eq!(
        (err.line, err.column),
        (2, 12),
        "byte 24 is after 11 characters of line 2"
    );
    assert!(gw.is_null());

    // Valid text without a crypto map interface: no position, a reason.
    let (r, err) = new_gateway("hostname Lonely\n", &options(0))
        .err()
        .expect("rejected");
    assert_eq!(r, iks_result::IKS_ERR_CONFIG);
    assert_eq!((err.line, err.column), (0, 0));
    assert_eq!(last_error(), "no interface carries a crypto map");

    // The spoke's `ip address dhcp` needs an outside address.
    let (r, _) = new_gateway(SPOKE, &options(0)).err().expect("rejected");
    assert_eq!(r, iks_result::IKS_ERR_CONFIG);
    assert!(last_error().contains("outside_addr"), "{}", last_error());

    // The error output is optional.
    // SAFETY: valid pointers; error_out may be NULL.
    let r = unsafe {
        iks_gateway_new(
            text.as_ptr(),
            text.len(),
            &options(0),
            ptr::null_mut(),
            &mut gw,
        )
    };
    assert_eq!(r, iks_result::IKS_ERR_CONFIG);
}

#[test]
fn options_are_checked() {
    let mut o = options(0);
    o.reserved[3] = 1;
    assert_eq!(
        new_gateway(HUB, &o).err().unwrap().0,
        iks_result::IKS_ERR_INVALID_ARGUMENT
    );
    let mut o = options(0);
    o.natt_port = o.ike_port;
    assert_eq!(
        new_gateway(HUB, &o).err().unwrap().0,
        iks_result::IKS_ERR_INVALID_ARGUMENT
    );
}

#[test]
fn every_null_pointer_is_refused() {
    use iks_result::IKS_ERR_NULL_POINTER as NULL;
    let gw = new_gateway(HUB, &options(0)).expect("hub");
    let o = options(0);
    let n = ptr::null_mut();
    let mut buf = [0u8; 64];
    let b = buf.as_mut_ptr();
    let mut len = 0usize;
    let mut t = iks_transmit::default();
    let mut e = iks_event::default();
    let mut ms = 0u64;
    let mut c = iks_gateway_counters::default();
    let mut a = 0u32;
    let cmd = "show crypto map";
    let cfg = HUB.as_ptr();
    let mut out = ptr::null_mut();
    // SAFETY: every pointer is NULL or valid; NULLs are the point.
    unsafe {
        assert_eq!(iks_gateway_options_init(ptr::null_mut()), NULL);
        assert_eq!(iks_gateway_new(ptr::null(), 3, &o, n, &mut out), NULL);
        assert_eq!(
            iks_gateway_new(cfg, HUB.len(), ptr::null(), n, &mut out),
            NULL
        );
        assert_eq!(
            iks_gateway_new(cfg, HUB.len(), &o, n, ptr::null_mut()),
            NULL
        );
        assert!(out.is_null());
        iks_gateway_free(ptr::null_mut());
        assert_eq!(
            iks_gateway_handle_datagram(ptr::null_mut(), 0, 1, 2, 3, 4, b, 1),
            NULL
        );
        assert_eq!(
            iks_gateway_handle_datagram(gw.0, 0, 1, 2, 3, 4, ptr::null(), 1),
            NULL
        );
        assert_eq!(iks_gateway_handle_esp(ptr::null_mut(), 0, 1, b, 1), NULL);
        assert_eq!(iks_gateway_handle_esp(gw.0, 0, 1, ptr::null(), 1), NULL);
        assert_eq!(iks_gateway_handle_inside(ptr::null_mut(), 0, b, 1), NULL);
        assert_eq!(iks_gateway_handle_inside(gw.0, 0, ptr::null(), 1), NULL);
        assert_eq!(iks_gateway_handle_timeout(ptr::null_mut(), 0), NULL);
        assert_eq!(
            iks_gateway_poll_transmit(ptr::null_mut(), b, 64, &mut t),
            NULL
        );
        assert_eq!(
            iks_gateway_poll_transmit(gw.0, ptr::null_mut(), 64, &mut t),
            NULL
        );
        assert_eq!(
            iks_gateway_poll_transmit(gw.0, b, 64, ptr::null_mut()),
            NULL
        );
        assert_eq!(
            iks_gateway_poll_inside(ptr::null_mut(), b, 64, &mut len),
            NULL
        );
        assert_eq!(
            iks_gateway_poll_inside(gw.0, ptr::null_mut(), 64, &mut len),
            NULL
        );
        assert_eq!(iks_gateway_poll_inside(gw.0, b, 64, ptr::null_mut()), NULL);
        assert_eq!(iks_gateway_poll_event(ptr::null_mut(), &mut e), NULL);
        assert_eq!(iks_gateway_poll_event(gw.0, ptr::null_mut()), NULL);
        assert_eq!(iks_gateway_poll_timeout(ptr::null(), &mut ms), NULL);
        assert_eq!(iks_gateway_poll_timeout(gw.0, ptr::null_mut()), NULL);
        assert_eq!(iks_gateway_clear_peer(ptr::null_mut(), 0, 1), NULL);
        assert_eq!(
            iks_gateway_show(ptr::null(), cmd.as_ptr(), cmd.len(), 0, b, 64, &mut len),
            NULL
        );
        assert_eq!(
            iks_gateway_show(gw.0, ptr::null(), 3, 0, b, 64, &mut len),
            NULL
        );
        assert_eq!(
            iks_gateway_show(
                gw.0,
                cmd.as_ptr(),
                cmd.len(),
                0,
                ptr::null_mut(),
                64,
                &mut len
            ),
            NULL
        );
        assert_eq!(
            iks_gateway_show(gw.0, cmd.as_ptr(), cmd.len(), 0, b, 64, ptr::null_mut()),
            NULL
        );
        assert_eq!(iks_gateway_get_counters(ptr::null(), &mut c), NULL);
        assert_eq!(iks_gateway_get_counters(gw.0, ptr::null_mut()), NULL);
        assert_eq!(iks_gateway_outside_addr(ptr::null(), &mut a), NULL);
        assert_eq!(iks_gateway_outside_addr(gw.0, ptr::null_mut()), NULL);
        // A zero length may come with a NULL pointer.
        assert_eq!(
            iks_gateway_handle_inside(gw.0, 0, ptr::null(), 0),
            iks_result::IKS_OK
        );
    }
    assert_eq!(len, 0, "nothing written on failure");
    assert!(last_error().contains("NULL"));
}

#[test]
fn show_reports_the_size_it_needs_and_refuses_unknown_commands() {
    let gw = new_gateway(HUB, &options(0)).expect("hub");
    let full = show(&gw, "show crypto map", 0);
    assert!(full.contains("mymap"), "{full}");
    let cmd = "show crypto map";
    let mut buf = vec![0x2Au8; full.len()];
    let mut len = 0usize;
    // SAFETY: live handle and valid buffers; one byte short for the NUL.
    let r = unsafe {
        iks_gateway_show(
            gw.0,
            cmd.as_ptr(),
            cmd.len(),
            0,
            buf.as_mut_ptr(),
            buf.len(),
            &mut len,
        )
    };
    assert_eq!(r, iks_result::IKS_ERR_BUFFER_TOO_SMALL);
    assert_eq!(len, full.len());
    assert!(buf.iter().all(|&b| b == 0x2A), "nothing written");
    let bad = "show running-config";
    // SAFETY: as above.
    let r = unsafe {
        iks_gateway_show(
            gw.0,
            bad.as_ptr(),
            bad.len(),
            0,
            buf.as_mut_ptr(),
            buf.len(),
            &mut len,
        )
    };
    assert_eq!(r, iks_result::IKS_ERR_INVALID_ARGUMENT);
    assert!(last_error().contains("unknown show command"));
    let mut e = iks_event::default();
    // SAFETY: live handle, valid local.
    assert_eq!(
        unsafe { iks_gateway_poll_event(gw.0, &mut e) },
        iks_result::IKS_ERR_EMPTY
    );
}

#[test]
fn unknown_log_levels_are_refused() {
    // SAFETY: no callback is registered by a failing call.
    let r = unsafe { iks_set_log_callback(None, ptr::null_mut(), 9) };
    assert_eq!(r, iks_result::IKS_ERR_INVALID_ARGUMENT);
}

#[test]
fn initiate_brings_the_tunnel_up_from_c_without_a_packet() {
    let hub = new_gateway(HUB, &options(0)).expect("hub");
    let spoke = new_gateway(SPOKE, &options(SPOKE_ADDR)).expect("spoke");
    let (lan_spoke, lan_hub) = (0x0A02_0205u32, 0x0A01_0101u32); // 10.2.2.5, 10.1.1.1
    let (mut state, mut peer) = (0u32, 0u32);
    // SAFETY: live handle, valid locals.
    let r =
        unsafe { iks_gateway_initiate(spoke.0, 1_000, lan_spoke, lan_hub, &mut state, &mut peer) };
    assert_eq!(r, iks_result::IKS_OK, "{}", last_error());
    assert_eq!((state, peer), (IKS_INITIATE_STARTED, HUB_ADDR));
    let mut now = 1_000;
    for _ in 0..20 {
        let a = carry(&spoke, &hub, now);
        let b = carry(&hub, &spoke, now);
        if !a && !b {
            break;
        }
        now += 10;
    }
    // SAFETY: as above.
    let r =
        unsafe { iks_gateway_initiate(spoke.0, now, lan_spoke, lan_hub, &mut state, &mut peer) };
    assert_eq!(r, iks_result::IKS_OK);
    assert_eq!((state, peer), (IKS_INITIATE_ALREADY_UP, 0));
    // Traffic no ACL covers: refused with a reason, outputs untouched.
    let (mut s2, mut p2) = (9u32, 9u32);
    // SAFETY: as above.
    let r = unsafe { iks_gateway_initiate(spoke.0, now, 0x0A09_0909, lan_hub, &mut s2, &mut p2) };
    assert_eq!(r, iks_result::IKS_ERR_REJECTED);
    assert!(
        last_error().contains("no crypto map entry protects"),
        "{}",
        last_error()
    );
    assert_eq!((s2, p2), (9, 9));
    // SAFETY: NULL outputs and handle are refused.
    unsafe {
        assert_eq!(
            iks_gateway_initiate(ptr::null_mut(), now, lan_spoke, lan_hub, &mut s2, &mut p2),
            iks_result::IKS_ERR_NULL_POINTER
        );
        assert_eq!(
            iks_gateway_initiate(spoke.0, now, lan_spoke, lan_hub, ptr::null_mut(), &mut p2),
            iks_result::IKS_ERR_NULL_POINTER
        );
        assert_eq!(
            iks_gateway_initiate(spoke.0, now, lan_spoke, lan_hub, &mut s2, ptr::null_mut()),
            iks_result::IKS_ERR_NULL_POINTER
        );
    }
}

/// Every key-log line `gw` has queued, taken as C takes them; the other
/// events are dropped.
fn keylog_lines(gw: &Gw) -> Vec<String> {
    let mut lines = Vec::new();
    loop {
        let mut e = iks_event::default();
        // SAFETY: live handle and a valid local.
        match unsafe { iks_gateway_poll_event(gw.0, &mut e) } {
            iks_result::IKS_OK if e.kind == IKS_EVENT_KEYLOG => {
                let (mut small, mut buf) = ([0 as c_char; 8], [0 as c_char; 256]);
                let mut len = 0usize;
                // SAFETY: live handle, buffers of the sizes given.
                unsafe {
                    assert_eq!(
                        iks_gateway_keylog_line(gw.0, small.as_mut_ptr(), small.len(), &mut len),
                        iks_result::IKS_ERR_BUFFER_TOO_SMALL
                    );
                    let needed = len;
                    assert_eq!(
                        iks_gateway_keylog_line(gw.0, buf.as_mut_ptr(), buf.len(), &mut len),
                        iks_result::IKS_OK,
                        "{}",
                        last_error()
                    );
                    assert_eq!(len, needed);
                    lines.push(CStr::from_ptr(buf.as_ptr()).to_str().unwrap().to_owned());
                }
            }
            iks_result::IKS_OK => {
                let mut buf = [0 as c_char; 256];
                let mut len = 0usize;
                // SAFETY: as above.
                let r =
                    unsafe { iks_gateway_keylog_line(gw.0, buf.as_mut_ptr(), buf.len(), &mut len) };
                assert_eq!(
                    r,
                    iks_result::IKS_ERR_EMPTY,
                    "no line after kind {}",
                    e.kind
                );
            }
            iks_result::IKS_ERR_EMPTY => return lines,
            other => panic!("poll_event: {other:?}"),
        }
    }
}

#[test]
fn the_key_log_comes_out_as_lines_only_when_asked() {
    // SAFETY: a static NUL-terminated string.
    let header = unsafe { CStr::from_ptr(iks_keylog_header()) };
    assert_eq!(header.to_str().unwrap(), "# tshark-keys");
    for keylog in [false, true] {
        let mut hub_opts = options(0);
        let mut spoke_opts = options(SPOKE_ADDR);
        hub_opts.keylog = keylog;
        spoke_opts.keylog = keylog;
        let hub = new_gateway(HUB, &hub_opts).expect("hub");
        let spoke = new_gateway(SPOKE, &spoke_opts).expect("spoke");
        let (mut state, mut peer) = (0u32, 0u32);
        // SAFETY: live handle, valid locals.
        let r = unsafe {
            iks_gateway_initiate(
                spoke.0,
                1_000,
                0x0A02_0205,
                0x0A01_0101,
                &mut state,
                &mut peer,
            )
        };
        assert_eq!(r, iks_result::IKS_OK, "{}", last_error());
        let (mut hub_lines, mut spoke_lines) = (Vec::new(), Vec::new());
        for _ in 0..20 {
            let a = carry(&spoke, &hub, 1_000);
            let b = carry(&hub, &spoke, 1_000);
            hub_lines.extend(keylog_lines(&hub));
            spoke_lines.extend(keylog_lines(&spoke));
            if !a && !b {
                break;
            }
        }
        if !keylog {
            assert!(hub_lines.is_empty() && spoke_lines.is_empty());
            continue;
        }
        // One IKE SA (3DES: 24 key bytes) and both directions of one
        // IPsec SA, the same keys on both sides.
        assert_eq!(hub_lines.len(), 3, "{hub_lines:?}");
        assert!(hub_lines[0].starts_with("ikev1 "), "{hub_lines:?}");
        assert_eq!(hub_lines[0].len(), "ikev1 ".len() + 16 + 1 + 48);
        assert!(hub_lines[1].starts_with("esp \"IPv4\",\"127.0.0.2\",\"127.0.0.1\",\"0x"));
        assert!(hub_lines[1].contains("\"TripleDES-CBC [RFC2451]\""));
        assert!(hub_lines[1].contains("\"HMAC-SHA-1-96 [RFC2404]\""));
        let mut a = hub_lines.clone();
        let mut b = spoke_lines.clone();
        a.sort();
        b.sort();
        assert_eq!(a, b);
    }
}

/// A length above what the call can mean (SIZE_MAX from a C caller's
/// arithmetic slip) is IKS_ERR_INVALID_ARGUMENT, named in the last error,
/// and never becomes a slice (which would abort or worse).
#[test]
fn lengths_no_call_can_mean_are_invalid_arguments() {
    use iks_result::IKS_ERR_INVALID_ARGUMENT as INVALID;
    let gw = new_gateway(HUB, &options(0)).expect("hub");
    let o = options(0);
    let byte = [0u8; 1];
    let p = byte.as_ptr();
    let mut buf = [0u8; 64];
    let mut len = 0usize;
    let mut out = ptr::null_mut();
    let mut err = iks_config_error::default();
    for huge in [usize::MAX, 65_536] {
        // SAFETY: valid handle and pointers; the lengths are refused before
        // any byte is read.
        unsafe {
            assert_eq!(
                iks_gateway_handle_datagram(gw.0, 0, 1, 500, 2, 500, p, huge),
                INVALID
            );
            assert!(last_error().contains("data"), "{}", last_error());
            assert_eq!(iks_gateway_handle_esp(gw.0, 0, 2, p, huge), INVALID);
            assert_eq!(iks_gateway_handle_inside(gw.0, 0, p, huge), INVALID);
            assert!(last_error().contains("packet"), "{}", last_error());
            assert_eq!(
                iks_gateway_xauth_credentials(gw.0, 0, 1, p, huge, p, 1),
                INVALID
            );
            assert_eq!(
                iks_gateway_show(gw.0, p, huge, 0, buf.as_mut_ptr(), buf.len(), &mut len),
                INVALID
            );
        }
    }
    // SAFETY: as above.
    unsafe {
        assert_eq!(
            iks_gateway_new(p, usize::MAX, &o, &mut err, &mut out),
            INVALID
        );
        assert!(out.is_null());
        assert!(last_error().contains("config"), "{}", last_error());
    }
    // The largest datagram is still taken (and dropped as not ISAKMP).
    let big = vec![0u8; 65_535];
    // SAFETY: valid handle and buffer.
    let r =
        unsafe { iks_gateway_handle_datagram(gw.0, 0, 1, 500, 2, 500, big.as_ptr(), big.len()) };
    assert_eq!(r, iks_result::IKS_OK);
}
