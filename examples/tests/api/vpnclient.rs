//! Runs the `router` binary twice on loopback: the seed's hub, and our
//! Easy VPN Remote (`configs/vpnclient.cfg`) that connects by itself, gets
//! 10.5.5.1 from the hub's ippool and pings the hub's LAN from it.

use std::io::Write;
use std::process::Stdio;

use crate::common;

use common::{HUB, free_ports, router};

const CLIENT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/configs/vpnclient.cfg");

#[test]
fn ezvpn_client_pings_the_hub_lan_from_its_mode_config_address() {
    let (ike, natt) = free_ports("127.0.0.3");
    let mut hub = router()
        .args(["--config", HUB, "--ike-port", &ike, "--natt-port", &natt])
        .args(["--force-encaps", "--inside-echo", "--run-for", "20"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let client = router()
        .args(["--config", CLIENT, "--outside-addr", "127.0.0.3"])
        .args(["--ike-port", &ike, "--natt-port", &natt, "--force-encaps"])
        .args(["--ping", "10.1.1.1", "--from", "assigned"])
        .args(["--count", "3", "--interval-ms", "100"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let mut hub_in = hub.stdin.take().unwrap();
    hub_in
        .write_all(b"show crypto isakmp sa detail\nquit\n")
        .unwrap();
    drop(hub_in);
    let hub = hub.wait_with_output().unwrap();

    let out = String::from_utf8_lossy(&client.stdout);
    let err = String::from_utf8_lossy(&client.stderr);
    assert!(client.status.success(), "{out}\n{err}");
    assert!(
        err.contains("VPNclient: EZVPN: Mode Config address 10.5.5.1"),
        "{err}"
    );
    assert!(
        out.contains("--- 10.1.1.1 ping statistics (from 10.5.5.1) ---"),
        "{out}"
    );
    assert!(
        out.contains("3 packets transmitted, 3 received, 0% packet loss"),
        "{out}"
    );
    assert!(
        out.contains("#pkts encaps: 3, #pkts encrypt: 3, #pkts digest 3"),
        "{out}"
    );
    assert!(
        out.contains("#pkts decaps: 3, #pkts decrypt: 3, #pkts verify 3"),
        "{out}"
    );

    let hub_out = String::from_utf8_lossy(&hub.stdout);
    let hub_err = String::from_utf8_lossy(&hub.stderr);
    assert!(hub.status.success(), "{hub_out}\n{hub_err}");
    assert!(
        hub_err.contains("Hub: ISAKMP (0:1): peer matches VPNclient profile"),
        "{hub_err}"
    );
    assert!(
        hub_out.contains("Hub: inside echo: 3 ICMP echo replies"),
        "{hub_out}"
    );
    // The client's IKE SA row: Xauth (X) and Mode Config (C) done, over
    // NAT-T (N, forced).
    let row = hub_out
        .lines()
        .find(|l| l.contains("127.0.0.3") && l.contains("3des sha"))
        .unwrap_or_else(|| panic!("{hub_out}"));
    assert!(row.trim_end().ends_with("CNX"), "{row}");
}
