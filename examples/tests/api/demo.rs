//! Runs the `demo` binary (the seed's hub, spoke and VPN client over
//! loopback UDP) and checks its verdict and what it prints.

use std::net::UdpSocket;
use std::process::{Command, Output};

/// A pair of UDP ports free on 127.0.0.1, 127.0.0.2 and 127.0.0.3, so that
/// tests running at the same time do not collide.
fn free_ports() -> (u16, u16) {
    let mut ports = Vec::new();
    while ports.len() < 2 {
        let a = UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = a.local_addr().unwrap().port();
        if UdpSocket::bind(("127.0.0.2", port)).is_ok()
            && UdpSocket::bind(("127.0.0.3", port)).is_ok()
            && !ports.contains(&port)
        {
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
fn hub_spoke_and_vpn_client_carry_pings_through_both_tunnels() {
    let (out, stdout, stderr) = demo(&["--count", "4"]);
    // Everything is on stdout, in order: a pipe sees the negotiation too.
    let log = &stdout;
    assert!(out.status.success(), "demo failed:\n{stdout}\n{stderr}");

    // The negotiation, in the seed's vocabulary, on both ends.
    for line in [
        "Spoke: ISAKMP (0:1): Old State = IKE_I_MM6 New State = IKE_P1_COMPLETE",
        "Hub: ISAKMP: Looking for a matching key for 127.0.0.2 in spokes : success",
        // The client: Aggressive Mode as the group, Xauth, Mode Config.
        "VPNclient: EZVPN: Mode Config address 10.5.5.1",
        // Forced encapsulation is said as such, not as a NAT.
        "Spoke: ISAKMP (0:1): UDP encapsulation forced: floating to port",
    ] {
        assert!(log.contains(line), "missing {line:?} in:\n{log}");
    }
    assert!(!log.contains("NAT detected"), "{log}");
    // The hub's conn-ids follow arrival order: spoke or client first.
    // The profile each matched is said of its SA, as the seed's hub says it.
    for line in [
        "peer matches L2L profile",
        "peer matches VPNclient profile",
        "Old State = IKE_R_MM5 New State = IKE_P1_COMPLETE",
        "Old State = IKE_R_AM2 New State = IKE_P1_COMPLETE",
    ] {
        assert!(
            log.lines()
                .any(|l| l.contains("Hub: ISAKMP (0:") && l.contains(line)),
            "missing hub {line:?} in:\n{log}"
        );
    }
    for who in ["Hub", "Spoke", "VPNclient"] {
        assert!(
            log.lines()
                .any(|l| l.contains(&format!("{who}: ")) && l.contains("IKE_QM_PHASE2_COMPLETE")),
            "{who} did not complete Quick Mode:\n{log}"
        );
    }

    // The show views of every router, with the four echo requests and
    // their replies counted on each flow.
    for view in [
        "Hub#show crypto isakmp sa detail",
        "Hub#show crypto ipsec sa",
        "Spoke#show crypto isakmp sa detail",
        "Spoke#show crypto ipsec sa",
        "VPNclient#show crypto isakmp sa detail",
        "current_peer: 127.0.0.1:",
        "current_peer: 127.0.0.2:",
        "current_peer: 127.0.0.3:",
        "local ident (addr/mask/prot/port): (10.2.0.0/255.255.0.0/0/0)",
        "remote ident (addr/mask/prot/port): (10.5.5.1/255.255.255.255/0/0)",
        "in use settings ={Tunnel UDP-Encaps, }",
    ] {
        assert!(stdout.contains(view), "missing {view:?} in:\n{stdout}");
    }
    // The hub's IKE SA table has both rows as the seed's has them: the
    // spoke authenticated by pre-shared key, the client by Xauth with
    // Mode Config (C, X; N too: NAT-T is in use, forced).
    let hub_view = stdout
        .split("Hub#show crypto isakmp sa detail")
        .nth(1)
        .and_then(|v| v.split("Hub#show crypto ipsec sa").next())
        .unwrap();
    let row = |peer: &str| {
        hub_view
            .lines()
            .find(|l| l.contains(&format!("127.0.0.1       {peer}")))
            .unwrap_or_else(|| panic!("no row for {peer} in:\n{hub_view}"))
    };
    assert!(row("127.0.0.2").contains("3des sha  psk  2"), "{hub_view}");
    let client = row("127.0.0.3");
    assert!(!client.contains("psk"), "{hub_view}");
    let caps = client.split_whitespace().last().unwrap();
    assert!(caps.contains('C') && caps.contains('X'), "{hub_view}");
    // Hub: two flows; spoke and client: one each.
    for counted in [
        "#pkts encaps: 4, #pkts encrypt: 4, #pkts digest 4",
        "#pkts decaps: 4, #pkts decrypt: 4, #pkts verify 4",
    ] {
        assert_eq!(stdout.matches(counted).count(), 4, "{stdout}");
    }
    for ping in ["(from 10.2.2.2) ---", "(from 10.5.5.1) ---"] {
        let stats = stdout.split(ping).nth(1).unwrap_or_default();
        assert!(
            stats.contains("4 packets transmitted, 4 received, 0% packet loss"),
            "{ping}: {stdout}"
        );
    }
    assert!(
        stdout.contains("Hub: inside echo answered 8 ICMP echo requests"),
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
