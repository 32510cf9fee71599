//! Runs the `demo` binary (the seed's hub and spoke over loopback UDP) and
//! checks its verdict and what it prints.

use std::net::UdpSocket;
use std::process::{Command, Output};

/// A pair of UDP ports free on both 127.0.0.1 and 127.0.0.2, so that tests
/// running at the same time do not collide.
fn free_ports() -> (u16, u16) {
    let mut ports = Vec::new();
    while ports.len() < 2 {
        let a = UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = a.local_addr().unwrap().port();
        if UdpSocket::bind(("127.0.0.2", port)).is_ok() && !ports.contains(&port) {
            ports.push(port);
        }
    }
    (ports[0], ports[1])
}

fn demo(extra: &[&str]) -> (Output, String, String) {
    let (ike, natt) = free_ports();
    let out = Command::new(env!("CARGO_BIN_EXE_demo"))
        .args([
            "--ike-port",
            &ike.to_string(),
            "--natt-port",
            &natt.to_string(),
        ])
        .args(["--timeout", "20"])
        .args(extra)
        .env("IKESUITE_LOG", "debug")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out, stdout, stderr)
}

#[test]
fn hub_and_spoke_carry_pings_through_the_tunnel() {
    let (out, stdout, stderr) = demo(&["--count", "4"]);
    // Everything is on stdout, in order: a pipe sees the negotiation too.
    let log = &stdout;
    assert!(out.status.success(), "demo failed:\n{stdout}\n{stderr}");

    // The negotiation, in the seed's vocabulary, on both ends.
    for line in [
        "Spoke: ISAKMP (0:1): Old State = IKE_I_MM6 New State = IKE_P1_COMPLETE",
        "Hub: ISAKMP (0:1): Old State = IKE_R_MM5 New State = IKE_P1_COMPLETE",
        "Hub: ISAKMP: Looking for a matching key for 127.0.0.2 in spokes : success",
        "Hub: ISAKMP: peer matches L2L profile",
    ] {
        assert!(log.contains(line), "missing {line:?} in:\n{log}");
    }
    for who in ["Hub", "Spoke"] {
        assert!(
            log.lines()
                .any(|l| l.contains(&format!("{who}: ")) && l.contains("IKE_QM_PHASE2_COMPLETE")),
            "{who} did not complete Quick Mode:\n{log}"
        );
    }

    // The show views of both ends, with the four echo requests and their
    // replies counted on each.
    for view in [
        "Hub#show crypto isakmp sa detail",
        "Hub#show crypto ipsec sa",
        "Spoke#show crypto isakmp sa detail",
        "Spoke#show crypto ipsec sa",
        "current_peer: 127.0.0.1:",
        "current_peer: 127.0.0.2:",
        "local ident (addr/mask/prot/port): (10.2.0.0/255.255.0.0/0/0)",
        "in use settings ={Tunnel UDP-Encaps, }",
    ] {
        assert!(stdout.contains(view), "missing {view:?} in:\n{stdout}");
    }
    assert_eq!(
        stdout
            .matches("#pkts encaps: 4, #pkts encrypt: 4, #pkts digest 4")
            .count(),
        2,
        "{stdout}"
    );
    assert_eq!(
        stdout
            .matches("#pkts decaps: 4, #pkts decrypt: 4, #pkts verify 4")
            .count(),
        2,
        "{stdout}"
    );
    assert!(
        stdout.contains("4 packets transmitted, 4 received, 0% packet loss"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Hub: inside echo answered 4 ICMP echo requests"),
        "{stdout}"
    );
    assert!(stdout.contains("demo: PASS"), "{stdout}");
}

#[test]
fn no_traffic_means_failure() {
    // Without a single echo request no tunnel is ever needed: the demo must
    // say so and exit non-zero rather than claim success.
    let (out, stdout, _) = demo(&["--count", "0"]);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("Hub: no ESP both ways (encaps 0, decaps 0)"),
        "{stdout}"
    );
    assert!(stdout.contains("demo: FAIL"), "{stdout}");
}
