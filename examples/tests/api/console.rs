//! The router's console on a real terminal: `script(1)` gives the hub a
//! pseudo-terminal, so it runs its `Hub#` line editor. A command typed,
//! then recalled from the history with the up arrow, runs twice; Ctrl-C
//! at the prompt stops the router as SIGINT does (final views, exit 0).

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::{HUB, free_ports};

#[test]
fn the_console_prompt_keeps_a_history_and_ctrl_c_stops_the_router() {
    let (ike, natt) = free_ports("127.0.0.2");
    let cmd = format!(
        "{} --config {HUB} --ike-port {ike} --natt-port {natt} --force-encaps --log warn",
        env!("CARGO_BIN_EXE_router")
    );
    let mut child = Command::new("script")
        .args(["-qfec", &cmd, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("script(1) from util-linux");
    let screen = Arc::new(Mutex::new(String::new()));
    let mut stdout = child.stdout.take().unwrap();
    let reader = {
        let screen = Arc::clone(&screen);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 {
                    break;
                }
                screen
                    .lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        })
    };
    let count = |what: &str| screen.lock().unwrap().matches(what).count();
    let wait_for = |what: &str, n: usize| {
        let t0 = Instant::now();
        while count(what) < n {
            assert!(
                t0.elapsed() < Duration::from_secs(20),
                "{n}× {what:?} never shown:\n{}",
                screen.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    let mut keys = child.stdin.take().unwrap();
    wait_for("Hub#", 1);
    keys.write_all(b"show crypto isakmp policy\r").unwrap();
    wait_for("Global IKE policy", 1);
    wait_for("Hub#", 2);
    // Up arrow: the last line again, then Enter.
    keys.write_all(b"\x1b[A").unwrap();
    wait_for("Hub#show crypto isakmp policy", 1);
    keys.write_all(b"\r").unwrap();
    wait_for("Global IKE policy", 2);
    wait_for("Hub#", 3);
    // Ctrl-C: the router stops, printing its final views.
    keys.write_all(b"\x03").unwrap();
    let t0 = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "{}",
            screen.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    drop(keys);
    reader.join().unwrap();
    let screen = screen.lock().unwrap();
    assert!(status.success(), "{status:?}\n{screen}");
    assert!(
        screen.contains("Hub#show crypto isakmp sa detail"),
        "{screen}"
    );
    assert!(screen.contains("Hub: sealed 0 delivered 0"), "{screen}");
}
