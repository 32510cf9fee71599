//! Raw ESP (IP protocol 50) in the `router` binary: with CAP_NET_RAW the
//! seed's hub and spoke carry their pings as raw ESP over loopback;
//! without it the router says at start that it forces UDP encapsulation,
//! and the tunnel still works (ESP in UDP).

use std::io::Write;
use std::process::{Command, Output, Stdio};

use crate::common;

use common::{HUB, Hub, assert_all_answered, free_ports, router};

const SPOKE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/configs/spoke.cfg");

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Hub and spoke on loopback, the spoke pinging the hub's LAN 3 times;
/// `wrap` builds each router's command (e.g. without CAP_NET_RAW). The hub
/// is told to quit once the spoke is done (`--run-for` only bounds a hub
/// whose spoke never ends).
fn hub_and_spoke(wrap: &dyn Fn() -> Command) -> (Output, Output) {
    let (ike, natt) = free_ports("127.0.0.2");
    let mut hub = wrap();
    hub.args(["--config", HUB, "--ike-port", &ike, "--natt-port", &natt])
        .args(["--inside-echo", "--run-for", "20"]);
    let mut hub = Hub::start(hub);
    let spoke = wrap()
        .args(["--config", SPOKE, "--outside-addr", "127.0.0.2"])
        .args(["--ike-port", &ike, "--natt-port", &natt, "--inside-echo"])
        .args(["--ping", "10.1.0.77", "--from", "10.2.2.2"])
        .args(["--count", "3", "--interval-ms", "100"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let mut hub_in = hub.stdin.take().unwrap();
    hub_in.write_all(b"quit\n").unwrap();
    drop(hub_in);
    (hub.wait_with_output().unwrap(), spoke)
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn with_cap_net_raw_the_tunnel_is_raw_esp() {
    if !is_root() {
        println!("skipped: not root, no raw socket (the forced-encapsulation test covers this)");
        return;
    }
    let (hub, spoke) = hub_and_spoke(&router);
    let (hub_out, hub_err) = text(&hub);
    let (spoke_out, spoke_err) = text(&spoke);
    assert!(spoke.status.success(), "{spoke_out}\n{spoke_err}");
    assert!(
        hub_err.contains("raw ESP (IP protocol 50) on 127.0.0.1"),
        "{hub_err}"
    );
    assert!(
        spoke_err.contains("raw ESP (IP protocol 50) on 127.0.0.2"),
        "{spoke_err}"
    );
    // The first echo request brings the tunnel up; on a loaded machine it
    // may still be held when its reply is due (IOS's ".!!"), so two of the
    // three must come back, and every one that did crossed as raw ESP.
    let replies = number_after(&spoke_out, "3 packets transmitted, ")
        .unwrap_or_else(|| panic!("{spoke_out}"));
    assert!(replies >= 2, "{spoke_out}");
    // Every ping and reply crossed as IP protocol 50, none in UDP: as many
    // ESP packets each way as echoes answered.
    for out in [&spoke_out, &hub_out] {
        let sent_in = number_after(out, "raw-esp in/out ").unwrap_or_else(|| panic!("{out}"));
        assert!(sent_in >= replies, "{out}");
    }
    let echoed =
        number_after(&hub_out, "Hub: inside echo: ").unwrap_or_else(|| panic!("{hub_out}"));
    assert!(echoed >= replies, "{hub_out}");
    assert!(!hub_out.contains("UDP-Encaps"), "{hub_out}");
}

/// The number right after the first `prefix` in `text`.
fn number_after(text: &str, prefix: &str) -> Option<u32> {
    let rest = &text[text.find(prefix)? + prefix.len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

#[test]
fn without_cap_net_raw_it_says_so_and_forces_udp_encapsulation() {
    let wrap = || {
        if is_root() {
            // Root keeps no CAP_NET_RAW across exec once it has left the
            // bounding set.
            let mut c = Command::new("setpriv");
            c.args(["--bounding-set", "-net_raw", "--inh-caps", "-net_raw", "--"])
                .arg(env!("CARGO_BIN_EXE_router"))
                .env("IKESUITE_LOG", "debug");
            c
        } else {
            router()
        }
    };
    if is_root() && Command::new("setpriv").arg("--version").output().is_err() {
        println!("skipped: root without setpriv cannot drop CAP_NET_RAW");
        return;
    }
    let (hub, spoke) = hub_and_spoke(&wrap);
    let (hub_out, hub_err) = text(&hub);
    let (spoke_out, spoke_err) = text(&spoke);
    assert!(spoke.status.success(), "{spoke_out}\n{spoke_err}");
    for err in [&hub_err, &spoke_err] {
        assert!(
            err.contains("forcing UDP encapsulation (ESP in UDP, RFC 3948) with every peer"),
            "{err}"
        );
    }
    assert_all_answered(&spoke_out, 3);
    assert!(spoke_out.contains("raw-esp in/out 0/0"), "{spoke_out}");
    assert!(spoke_out.contains("raw-esp-unsent 0"), "{spoke_out}");
    assert!(hub_out.contains("Tunnel UDP-Encaps"), "{hub_out}");
    assert!(
        hub_out.contains("Hub: inside echo: 3 ICMP echo replies"),
        "{hub_out}"
    );
}
