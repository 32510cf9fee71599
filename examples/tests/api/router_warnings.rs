//! The `router` binary prints the configuration's warnings at start (IOS
//! style, `% ...`) and goes on; under `--strict` it refuses the
//! configuration.

use std::io::Write;
use std::path::PathBuf;
use std::process::Stdio;

use crate::common::{HUB, free_ports, router, spawn_hub};

/// The seed's hub on loopback with a line the suite does not carry out
/// and a misspelt command at the top.
fn hub_with_warnings(test: &str) -> PathBuf {
    let hub = std::fs::read_to_string(HUB).unwrap();
    let path = std::env::temp_dir().join(format!(
        "ikesuite-warnings-{}-{test}.cfg",
        std::process::id()
    ));
    std::fs::write(
        &path,
        format!("crypto isakmp fragmentation\ninterfce FastEthernet0/9\n{hub}"),
    )
    .unwrap();
    path
}

#[test]
fn warnings_are_printed_at_start_and_the_router_runs() {
    let cfg = hub_with_warnings("run");
    let (ike, natt) = free_ports("127.0.0.2");
    let mut hub = router()
        .arg("--config")
        .arg(&cfg)
        .args(["--ike-port", &ike, "--natt-port", &natt, "--run-for", "20"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    hub.stdin.take().unwrap().write_all(b"quit\n").unwrap();
    let out = hub.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    std::fs::remove_file(&cfg).ok();
    assert!(out.status.success(), "{stderr}");
    let path = cfg.display();
    for text in [
        format!(
            "% {path}: line 1, column 15: 'crypto isakmp fragmentation': not implemented: IKE \
             fragmentation"
        ),
        format!("% {path}: line 2, column 1: 'interfce': unknown command, kept aside and not used"),
    ] {
        assert!(stderr.contains(&text), "missing {text:?} in:\n{stderr}");
    }
    assert!(stderr.contains("Hub: stopping: Quit"), "{stderr}");
}

#[test]
fn strict_refuses_a_configuration_with_warnings() {
    let cfg = hub_with_warnings("strict");
    let (ike, natt) = free_ports("127.0.0.2");
    let out = router()
        .arg("--config")
        .arg(&cfg)
        .args(["--ike-port", &ike, "--natt-port", &natt, "--run-for", "20"])
        .arg("--strict")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    std::fs::remove_file(&cfg).ok();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let want = format!(
        "router: {}: line 1, column 15: 'crypto isakmp fragmentation': not implemented: IKE \
         fragmentation",
        cfg.display()
    );
    assert!(stderr.contains(&want), "missing {want:?} in:\n{stderr}");
    assert!(stderr.contains("(strict: warnings are errors)"), "{stderr}");
}

#[test]
fn strict_takes_the_seeds_hub_as_it_is() {
    let (ike, natt) = free_ports("127.0.0.2");
    let mut hub = spawn_hub(&ike, &natt, &["--strict", "--run-for", "20"]);
    hub.stdin.take().unwrap().write_all(b"quit\n").unwrap();
    let out = hub.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("% "), "no warning: {stderr}");
}
