//! Runs the `router` binary: operator commands on stdin, and the seed's hub
//! and spoke as two processes on loopback with pings through the tunnel.

use std::io::Write;
use std::process::Stdio;

use crate::common;

use common::{assert_all_answered, assert_opened, assert_sealed, free_ports, router, spawn_hub};

const SPOKE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/configs/spoke.cfg");

#[test]
fn answers_show_commands_on_stdin() {
    let (ike, natt) = free_ports("127.0.0.2");
    let mut hub = spawn_hub(&ike, &natt, &["--inside-echo", "--run-for", "20"]);
    hub.stdin
        .take()
        .unwrap()
        .write_all(b"sh cry map\nshow crypto nonsense\nbogus\nquit\n")
        .unwrap();
    let out = hub.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    for text in [
        "Crypto Map \"mymap\" 10 ipsec-isakmp",
        "Dynamic map template tag: dynmap",
        // IOS's words for both bad lines, the caret under the bad word
        // after the prompt's width (no terminal: no prompt, no shift).
        "            ^\n% Invalid input detected at '^' marker.\n",
        "\n^\n% Invalid input detected at '^' marker.\n",
        // At exit.
        "Hub#show crypto ipsec sa",
        "Crypto map tag: mymap, local addr. 127.0.0.1",
    ] {
        assert!(stdout.contains(text), "missing {text:?} in:\n{stdout}");
    }
    assert!(stderr.contains("Hub: stopping: Quit"), "{stderr}");
}

#[test]
fn spoke_pings_the_hub_lan_through_the_tunnel() {
    let (ike, natt) = free_ports("127.0.0.2");
    let mut hub = spawn_hub(
        &ike,
        &natt,
        &["--force-encaps", "--inside-echo", "--run-for", "20"],
    );
    let spoke = router()
        .args(["--config", SPOKE, "--outside-addr", "127.0.0.2"])
        .args([
            "--ike-port",
            &ike,
            "--natt-port",
            &natt,
            "--force-encaps",
            "--inside-echo",
        ])
        .args([
            "--ping",
            "10.1.0.77",
            "--from",
            "10.2.2.2",
            "--count",
            "3",
            "--interval-ms",
            "100",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let mut hub_in = hub.stdin.take().unwrap();
    hub_in.write_all(b"show crypto isakmp sa\nquit\n").unwrap();
    drop(hub_in);
    let hub = hub.wait_with_output().unwrap();

    let spoke_out = String::from_utf8_lossy(&spoke.stdout);
    let spoke_err = String::from_utf8_lossy(&spoke.stderr);
    assert!(spoke.status.success(), "{spoke_out}\n{spoke_err}");
    // The first request waits in the hold queue while IKE runs, then all
    // three are answered by the hub's inside echo (10.1.0.77 is on its
    // 10.1.0.0/23 LAN).
    assert!(
        spoke_out.contains("--- 10.1.0.77 ping statistics (from 10.2.2.2) ---"),
        "{spoke_out}"
    );
    assert_all_answered(&spoke_out, 3);
    assert_sealed(&spoke_out, 3);
    assert_opened(&spoke_out, 3);
    assert!(
        spoke_out.contains("current_peer: 127.0.0.1:"),
        "{spoke_out}"
    );
    assert!(
        spoke_err.contains("Spoke: IPSEC(sa_request): acquire from 127.0.0.2 to 127.0.0.1"),
        "{spoke_err}"
    );
    assert!(spoke_err.contains("IKE_QM_PHASE2_COMPLETE"), "{spoke_err}");

    let hub_out = String::from_utf8_lossy(&hub.stdout);
    let hub_err = String::from_utf8_lossy(&hub.stderr);
    assert!(hub.status.success(), "{hub_out}\n{hub_err}");
    assert!(
        hub_out.contains("Hub: inside echo: 3 ICMP echo replies"),
        "{hub_out}"
    );
    assert_sealed(&hub_out, 3);
    assert!(
        hub_err.contains("Hub: ISAKMP (0:1): peer matches L2L profile"),
        "{hub_err}"
    );
}

#[test]
fn both_routers_on_two_data_plane_threads_carry_the_pings() {
    let (ike, natt) = free_ports("127.0.0.2");
    let mut hub = spawn_hub(
        &ike,
        &natt,
        &[
            "--force-encaps",
            "--inside-echo",
            "--run-for",
            "20",
            "--threads",
            "2",
        ],
    );
    let spoke = router()
        .args(["--config", SPOKE, "--outside-addr", "127.0.0.2"])
        .args(["--ike-port", &ike, "--natt-port", &natt])
        .args(["--force-encaps", "--inside-echo", "--threads", "2"])
        .args(["--ping", "10.1.0.77", "--from", "10.2.2.2"])
        .args(["--count", "5", "--interval-ms", "100"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let mut hub_in = hub.stdin.take().unwrap();
    hub_in.write_all(b"counters\nquit\n").unwrap();
    drop(hub_in);
    let hub = hub.wait_with_output().unwrap();
    let spoke_out = String::from_utf8_lossy(&spoke.stdout);
    let spoke_err = String::from_utf8_lossy(&spoke.stderr);
    assert!(spoke.status.success(), "{spoke_out}\n{spoke_err}");
    assert!(spoke_err.contains("data plane on 2 threads"), "{spoke_err}");
    // The first request waits for IKE on the Gateway, goes to its SA's
    // thread once the SA is up; the rest go straight to it.
    assert!(
        spoke_out.contains("5 packets transmitted, 5 received, 0% packet loss"),
        "{spoke_out}\n{spoke_err}"
    );
    // The views read the threads' counters.
    assert_sealed(&spoke_out, 5);
    assert_opened(&spoke_out, 5);
    let hub_out = String::from_utf8_lossy(&hub.stdout);
    let hub_err = String::from_utf8_lossy(&hub.stderr);
    assert!(hub.status.success(), "{hub_out}\n{hub_err}");
    assert!(
        hub_out.contains("Hub: inside echo: 5 ICMP echo replies"),
        "{hub_out}"
    );
    assert_sealed(&hub_out, 5);
    assert!(hub_out.contains("sealed 5 delivered 5"), "{hub_out}");
}
