//! Runs the `router` binary twice on loopback: the seed's hub, and our
//! Easy VPN Remote (`configs/vpnclient.cfg`) that connects by itself, gets
//! 10.5.5.1 from the hub's ippool and pings the hub's LAN from it.

use std::io::Write;
use std::process::Stdio;

use crate::common;

use common::{assert_all_answered, assert_opened, assert_sealed, free_ports, router, spawn_hub};

const CLIENT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/configs/vpnclient.cfg");

#[test]
fn ezvpn_client_pings_the_hub_lan_from_its_mode_config_address() {
    let (ike, natt) = free_ports("127.0.0.3");
    let mut hub = spawn_hub(
        &ike,
        &natt,
        &["--force-encaps", "--inside-echo", "--run-for", "20"],
    );
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
    assert_all_answered(&out, 3);
    assert_sealed(&out, 3);
    assert_opened(&out, 3);

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

/// The seed's Easy VPN Remote without a stored Xauth password: the hub's
/// Xauth request waits for the operator, who answers IOS's `crypto ipsec
/// client ezvpn xauth` (`Username:`, `Password:`) on the console (`via
/// = Console`) or through `router exec` on the control socket.
enum Via {
    Console,
    Socket,
}

fn xauth_asked_of_the_operator(via: &Via) {
    use std::io::{BufRead, BufReader};
    let dir = std::env::temp_dir().join(format!(
        "ikesuite-xauth-{}-{}",
        std::process::id(),
        matches!(via, Via::Socket)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("vpnclient.cfg");
    let text = std::fs::read_to_string(CLIENT)
        .unwrap()
        .replace(" username gfullage password gfullage\n", "")
        .replace("xauth userid mode local", "xauth userid mode interactive");
    std::fs::write(&cfg, text).unwrap();
    let sock = dir.join("client.sock");
    let (ike, natt) = free_ports("127.0.0.3");
    let mut hub = spawn_hub(
        &ike,
        &natt,
        &["--force-encaps", "--inside-echo", "--run-for", "30"],
    );
    let mut client = router()
        .arg("--config")
        .arg(&cfg)
        .args(["--outside-addr", "127.0.0.3"])
        .args(["--ike-port", &ike, "--natt-port", &natt, "--force-encaps"])
        .args(["--ping", "10.1.1.1", "--from", "assigned"])
        .args(["--count", "3", "--interval-ms", "100"])
        .arg("--control-socket")
        .arg(&sock)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // IOS's console lines tell the operator what to type.
    let stderr = BufReader::new(client.stderr.take().unwrap());
    let mut log = Vec::new();
    for line in stderr.lines().map_while(Result::ok) {
        let asked = line.contains("EZVPN: crypto ipsec client ezvpn xauth");
        log.push(line);
        if asked {
            break;
        }
    }
    assert!(
        log.iter().any(
            |l| l.contains("EZVPN: Pending XAuth Request, Please enter the following command:")
        ),
        "{log:#?}"
    );
    let mut stdin = client.stdin.take().unwrap();
    match via {
        Via::Console => {
            stdin
                .write_all(b"crypto ipsec client ezvpn xauth\ngfullage\ngfullage\n")
                .unwrap();
        }
        Via::Socket => {
            let mut exec = std::process::Command::new(env!("CARGO_BIN_EXE_router"))
                .arg("exec")
                .arg("--socket")
                .arg(&sock)
                .arg("cry ipsec client ezvpn xauth")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap();
            exec.stdin
                .take()
                .unwrap()
                .write_all(b"gfullage\ngfullage\n")
                .unwrap();
            let out = exec.wait_with_output().unwrap();
            assert!(out.status.success(), "{out:?}");
            assert_eq!(String::from_utf8_lossy(&out.stdout), "Username: Password: ");
        }
    }
    let out = client.wait_with_output().unwrap();
    drop(stdin);
    let _ = hub.kill();
    let _ = hub.wait();
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{err}");
    if matches!(via, Via::Console) {
        assert!(stdout.contains("Username: Password: "), "{stdout}");
    }
    assert!(
        stdout.contains("--- 10.1.1.1 ping statistics (from 10.5.5.1) ---"),
        "{stdout}\n{err}"
    );
    assert_all_answered(&stdout, 3);
}

#[test]
fn ezvpn_xauth_asks_username_and_password_on_the_console() {
    xauth_asked_of_the_operator(&Via::Console);
}

#[test]
fn ezvpn_xauth_asks_username_and_password_through_router_exec() {
    xauth_asked_of_the_operator(&Via::Socket);
}
