//! The router leaves its loop on SIGTERM and SIGINT as it does on `quit`:
//! the show views and counters printed, exit status 0.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::common;

use common::{HUB, free_ports, router};

fn stops_on(signal: &str) {
    let (ike, natt) = free_ports("127.0.0.2");
    let mut hub = router()
        .args(["--config", HUB, "--ike-port", &ike, "--natt-port", &natt])
        .args(["--inside-echo", "--run-for", "120"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until it is up: the inside echo is set up after the signal
    // handler (a signal before that ends the process, as it should).
    let (tx, rx) = mpsc::channel();
    let stderr = hub.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut all = String::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line.clone());
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    let up = rx
        .iter()
        .find(|l| l.contains("inside: echo responder"))
        .expect("the router came up");
    assert!(up.contains("10.1.1.1"), "{up}");
    let status = Command::new("kill")
        .args([&format!("-{signal}"), &hub.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let (done_tx, done_rx) = mpsc::channel();
    let waiter = std::thread::spawn(move || {
        let out = hub.wait_with_output().unwrap();
        let _ = done_tx.send(());
        out
    });
    // Well before --run-for's 120 s.
    done_rx
        .recv_timeout(Duration::from_secs(20))
        .unwrap_or_else(|_| panic!("the router did not stop on SIG{signal}"));
    let out = waiter.join().unwrap();
    let stderr = reader.join().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stderr.contains("Hub: stopping: Stopped"), "{stderr}");
    assert!(stdout.contains("Hub#show crypto ipsec sa"), "{stdout}");
}

#[test]
fn sigterm_stops_the_router_cleanly() {
    stops_on("TERM");
}

#[test]
fn sigint_stops_the_router_cleanly() {
    stops_on("INT");
}
