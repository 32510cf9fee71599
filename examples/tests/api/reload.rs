//! Live reload of a running router on loopback: the seed's hub with the
//! spoke's tunnel up rereads its `--config` file on SIGHUP (unchanged: the
//! tunnel keeps its SPIs; a changed transform set: the IPsec SA is deleted,
//! the IKE SA stays), and `configure replace FILE` through the control
//! socket refuses a file that does not parse, changing nothing.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use crate::common;

use common::{HUB, free_ports, router};

const SPOKE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/configs/spoke.cfg");

struct Lab {
    dir: PathBuf,
    hub: Child,
    spoke: Child,
    /// The hub's stderr, line by line.
    hub_log: Receiver<String>,
}

impl Drop for Lab {
    fn drop(&mut self) {
        for c in [&mut self.hub, &mut self.spoke] {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Lab {
    fn start() -> Self {
        let dir = std::env::temp_dir().join(format!("ikesuite-reload-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(HUB, dir.join("hub.cfg")).unwrap();
        let (ike, natt) = free_ports("127.0.0.2");
        let mut hub = router()
            .arg("--config")
            .arg(dir.join("hub.cfg"))
            .args(["--ike-port", &ike, "--natt-port", &natt])
            .args(["--force-encaps", "--inside-echo", "--run-for", "120"])
            .arg("--control-socket")
            .arg(dir.join("hub.sock"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, hub_log) = mpsc::channel();
        let stderr = hub.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        // The spoke starts once the hub listens (else its MM1 is lost).
        while let Ok(line) = hub_log.recv_timeout(Duration::from_secs(20)) {
            if line.contains("): IKE on ") {
                break;
            }
        }
        let spoke = router()
            .args(["--config", SPOKE, "--outside-addr", "127.0.0.2"])
            .args(["--ike-port", &ike, "--natt-port", &natt])
            .args(["--force-encaps", "--inside-echo", "--run-for", "120"])
            .args(["--ping", "10.1.0.77", "--from", "10.2.2.2"])
            .args(["--count", "3", "--interval-ms", "100"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let lab = Self {
            dir,
            hub,
            spoke,
            hub_log,
        };
        lab.until("show crypto ipsec sa | include pkts decaps", |t| {
            t.contains("#pkts decaps: 3")
        });
        lab
    }

    fn sock(&self) -> PathBuf {
        self.dir.join("hub.sock")
    }

    /// `router exec` to the hub: exit status and stdout.
    fn exec(&self, line: &str) -> (i32, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_router"))
            .arg("exec")
            .arg("--socket")
            .arg(self.sock())
            .arg(line)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    }

    fn until(&self, line: &str, ok: impl Fn(&str) -> bool) -> String {
        let t0 = Instant::now();
        loop {
            if self.sock().exists() {
                let (status, text) = self.exec(line);
                if status == 0 && ok(&text) {
                    return text;
                }
            }
            assert!(t0.elapsed() < Duration::from_secs(30), "{line}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The hub's SPI lines (`current outbound spi`, `spi: 0x...`).
    fn spis(&self) -> String {
        let (status, text) = self.exec("show crypto ipsec sa | include spi");
        assert_eq!(status, 0, "{text}");
        text
    }

    /// SIGHUP to the hub, then its `SIGHUP:` log lines up to the one that
    /// ends the reload.
    fn sighup(&self) -> Vec<String> {
        let status = Command::new("kill")
            .args(["-HUP", &self.hub.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let mut lines = Vec::new();
        let t0 = Instant::now();
        loop {
            let left = Duration::from_secs(20).saturating_sub(t0.elapsed());
            let line = self
                .hub_log
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no end of the reload in {lines:?}"));
            if let Some(at) = line.find("SIGHUP: ") {
                let l = line[at + 8..].to_owned();
                let end = l.starts_with("[OK]") || l.starts_with('%');
                lines.push(l);
                if end {
                    return lines;
                }
            }
        }
    }
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
}

#[test]
fn sighup_rereads_the_config_file_and_keeps_the_unchanged_tunnel() {
    let lab = Lab::start();
    let spis = lab.spis();
    assert!(spis.contains("current outbound spi: "), "{spis}");

    // The file as it was: everything kept, the SPIs as before.
    let log = lab.sighup();
    assert!(
        log.iter()
            .any(|l| l.starts_with("kept: IPsec SA peer 127.0.0.2 inbound spi 0x")),
        "{log:?}"
    );
    assert!(
        log.iter()
            .any(|l| l.starts_with("kept: IKE SA peer 127.0.0.2")),
        "{log:?}"
    );
    assert!(!log.iter().any(|l| l.starts_with("deleted")), "{log:?}");
    assert!(
        log.last().unwrap().starts_with("[OK] configure replace"),
        "{log:?}"
    );
    assert_eq!(lab.spis(), spis);

    // A file that does not parse, through the control socket: refused,
    // nothing changes.
    let bad = lab.dir.join("bad.cfg");
    let text = std::fs::read_to_string(lab.dir.join("hub.cfg")).unwrap();
    write(
        &bad,
        &text.replace("crypto isakmp policy 10", "crypto isakmp policy ten"),
    );
    let (status, out) = lab.exec(&format!("configure replace {}", bad.display()));
    assert_eq!(status, 1, "{out}");
    assert!(
        out.starts_with(&format!("% configure replace {}: ", bad.display())),
        "{out}"
    );
    assert_eq!(lab.spis(), spis);

    // The file's transform set changed: SIGHUP deletes the IPsec SA (a
    // Delete to the spoke), the IKE SA stays.
    write(
        &lab.dir.join("hub.cfg"),
        &text.replace("myset esp-3des esp-sha-hmac", "myset esp-3des esp-md5-hmac"),
    );
    let log = lab.sighup();
    assert!(
        log.iter()
            .any(|l| l.starts_with("deleted: IPsec SA peer 127.0.0.2")
                && l.ends_with("(transform set changed)")),
        "{log:?}"
    );
    assert!(
        log.iter()
            .any(|l| l.starts_with("kept: IKE SA peer 127.0.0.2")),
        "{log:?}"
    );
    // The old SA's outbound SPI is gone from the hub's view.
    let old_spi = spis
        .lines()
        .find_map(|l| l.trim().strip_prefix("current outbound spi: "))
        .unwrap()
        .to_owned();
    lab.until("show crypto ipsec sa | include spi", |t| {
        !t.contains(&old_spi)
    });
    let (_, isakmp) = lab.exec("show crypto isakmp sa");
    assert!(
        isakmp.contains("127.0.0.1       127.0.0.2       QM_IDLE"),
        "{isakmp}"
    );
}

/// Two UDP ports free on 127.0.0.1 and on each of `others`.
fn ports_free_on(others: &[&str]) -> (String, String) {
    loop {
        let (ike, natt) = free_ports(others[0]);
        let free = |p: &str| {
            others
                .iter()
                .all(|a| std::net::UdpSocket::bind(format!("{a}:{p}")).is_ok())
        };
        if free(&ike) && free(&natt) {
            return (ike, natt);
        }
    }
}

/// `router exec` to the socket at `sock`.
fn exec_at(sock: &Path, line: &str) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_router"))
        .arg("exec")
        .arg("--socket")
        .arg(sock)
        .arg(line)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn until_at(sock: &Path, line: &str, ok: impl Fn(&str) -> bool) -> String {
    let t0 = Instant::now();
    let mut last = String::new();
    loop {
        if sock.exists() {
            let (status, text) = exec_at(sock, line);
            if status == 0 && ok(&text) {
                return text;
            }
            last = text;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "{line} never matched; last:\n{last}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The seed's spoke with a static outside address (as if its DHCP lease
/// were written into the file) moves to another one by `configure
/// replace`: an address the host cannot bind is refused with the tunnel
/// untouched; a bindable one moves the sockets, the spoke's SAs go with
/// Deletes from the old address, and the spoke's traffic negotiates again
/// from the new one, which the hub then lists.
#[test]
fn a_new_ip_address_moves_the_spoke_and_it_negotiates_again_from_there() {
    let dir = std::env::temp_dir().join(format!("ikesuite-move-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let spoke_cfg = |addr: &str| {
        std::fs::read_to_string(SPOKE)
            .unwrap()
            .replace(" ip address dhcp", &format!(" ip address {addr} 255.0.0.0"))
    };
    write(&dir.join("spoke.cfg"), &spoke_cfg("127.0.0.2"));
    write(&dir.join("moved.cfg"), &spoke_cfg("127.0.0.4"));
    write(&dir.join("foreign.cfg"), &spoke_cfg("192.0.2.77"));
    let (ike, natt) = ports_free_on(&["127.0.0.2", "127.0.0.4"]);
    let (hub_sock, spoke_sock) = (dir.join("hub.sock"), dir.join("spoke.sock"));
    let spawn = |args: &[&str], sock: &Path| {
        router()
            .args(args)
            .args(["--ike-port", &ike, "--natt-port", &natt])
            .args(["--force-encaps", "--inside-echo", "--run-for", "120"])
            .arg("--control-socket")
            .arg(sock)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let hub = spawn(&["--config", HUB], &hub_sock);
    let spoke_file = dir.join("spoke.cfg");
    let spoke = spawn(
        &[
            "--config",
            spoke_file.to_str().unwrap(),
            "--ping",
            "10.1.0.77",
            "--from",
            "10.2.2.2",
            "--count",
            "500",
            "--interval-ms",
            "100",
        ],
        &spoke_sock,
    );
    struct Kill(Vec<Child>, PathBuf);
    impl Drop for Kill {
        fn drop(&mut self) {
            for c in &mut self.0 {
                let _ = c.kill();
                let _ = c.wait();
            }
            let _ = std::fs::remove_dir_all(&self.1);
        }
    }
    let _guard = Kill(vec![hub, spoke], dir.clone());

    until_at(&hub_sock, "show crypto isakmp sa", |t| {
        t.contains("127.0.0.1       127.0.0.2       QM_IDLE")
    });
    until_at(&hub_sock, "show crypto ipsec sa", |t| {
        t.contains("current_peer: 127.0.0.2:") && !t.contains("#pkts decaps: 0,")
    });

    // An address this host does not have: refused, the tunnel stays.
    let (status, out) = exec_at(
        &spoke_sock,
        &format!("configure replace {}", dir.join("foreign.cfg").display()),
    );
    assert_eq!(status, 1, "{out}");
    assert!(
        out.contains("the outside address moves to 192.0.2.77: bind 192.0.2.77"),
        "{out}"
    );
    let (_, isakmp) = exec_at(&spoke_sock, "show crypto isakmp sa");
    assert!(
        isakmp.contains("127.0.0.1       127.0.0.2       QM_IDLE"),
        "{isakmp}"
    );

    // The new lease: the spoke moves and comes back from 127.0.0.4.
    let (status, out) = exec_at(
        &spoke_sock,
        &format!("configure replace {}", dir.join("moved.cfg").display()),
    );
    assert_eq!(status, 0, "{out}");
    let hub_isakmp = until_at(&hub_sock, "show crypto isakmp sa", |t| {
        t.contains("127.0.0.1       127.0.0.4       QM_IDLE")
    });
    // The old address's IKE SA went with the spoke's Delete.
    assert!(!hub_isakmp.contains("127.0.0.2"), "{hub_isakmp}");
    until_at(&hub_sock, "show crypto ipsec sa", |t| {
        t.contains("current_peer: 127.0.0.4:")
            && !t.contains("current_peer: 127.0.0.2:")
            && !t.contains("#pkts decaps: 0,")
    });
    let (_, spoke_isakmp) = exec_at(&spoke_sock, "show crypto isakmp sa");
    assert!(
        spoke_isakmp.contains("127.0.0.1       127.0.0.4       QM_IDLE"),
        "{spoke_isakmp}"
    );
}
