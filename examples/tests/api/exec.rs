//! `router exec` against running routers on loopback: the seed's hub and
//! spoke as two processes, each with a control socket; every exec command
//! through `router exec --socket`; then SIGTERM on the spoke, whose
//! Delete notifies the hub obeys, read back from a loopback capture by
//! our own decoder and by tshark.

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use ike_proto::wire::{ExchangeType, Flags, Header};

use crate::common;

use common::{HUB, free_ports, router};

const SPOKE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/configs/spoke.cfg");

/// A hub and a spoke pinging through it, both with control sockets.
struct Lab {
    dir: PathBuf,
    ike: String,
    natt: String,
    hub: Child,
    spoke: Option<Child>,
    /// `dumpcap` on `lo`, started before the spoke (tshark decrypts an
    /// INFORMATIONAL only after seeing its phase 1).
    dumpcap: Option<Child>,
}

impl Lab {
    fn start(name: &str, capture: bool) -> Self {
        let dir = std::env::temp_dir().join(format!("ikesuite-exec-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (ike, natt) = free_ports("127.0.0.2");
        let hub = router()
            .args(["--config", HUB, "--ike-port", &ike, "--natt-port", &natt])
            .args(["--force-encaps", "--inside-echo", "--run-for", "120"])
            .arg("--control-socket")
            .arg(dir.join("hub.sock"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lab = Self {
            dir,
            ike,
            natt,
            hub,
            spoke: None,
            dumpcap: None,
        };
        lab.wait_for(&lab.sock("hub"));
        if capture {
            lab.dumpcap = lab.capture();
        }
        let spoke = router()
            .args(["--config", SPOKE, "--outside-addr", "127.0.0.2"])
            .args(["--ike-port", &lab.ike, "--natt-port", &lab.natt])
            .args(["--force-encaps", "--inside-echo", "--run-for", "120"])
            .args(["--ping", "10.1.0.77", "--from", "10.2.2.2"])
            .args(["--count", "3", "--interval-ms", "100"])
            .arg("--control-socket")
            .arg(lab.sock("spoke"))
            .arg("--keylog")
            .arg(lab.dir.join("spoke.keys"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        lab.spoke = Some(spoke);
        lab.wait_for(&lab.sock("spoke"));
        // Up when the hub's session is, and the three pings crossed.
        lab.until("hub", "show crypto ipsec sa | include pkts decaps", |t| {
            t.contains("#pkts decaps: 3")
        });
        lab
    }

    /// Captures the routers' ports on `lo` into `term.pcap` (root: the
    /// lab's machines and CI run as root; elsewhere the capture half of
    /// the test is skipped, and says so).
    fn capture(&self) -> Option<Child> {
        let cap = self.dir.join("term.pcap");
        let filter = format!("udp port {} or udp port {}", self.ike, self.natt);
        let dumpcap = Command::new("dumpcap")
            .args(["-i", "lo", "-P", "-q", "-f", &filter, "-w"])
            .arg(&cap)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn();
        match dumpcap {
            Ok(mut d) => {
                // It says where it captures once it does.
                let (tx, rx) = mpsc::channel();
                let err = d.stderr.take().unwrap();
                std::thread::spawn(move || {
                    for l in BufReader::new(err).lines().map_while(Result::ok) {
                        let _ = tx.send(l);
                    }
                });
                match rx.recv_timeout(Duration::from_secs(10)) {
                    Ok(l) if l.contains("Capturing on") => {
                        // It says so a moment before its filter is in
                        // place: give it that moment, or phase 1 is lost.
                        std::thread::sleep(Duration::from_secs(1));
                        Some(d)
                    }
                    other => {
                        println!("capture half skipped: dumpcap said {other:?}");
                        let _ = d.kill();
                        let _ = d.wait();
                        None
                    }
                }
            }
            Err(e) => {
                println!("capture half skipped: no dumpcap ({e})");
                None
            }
        }
    }

    fn sock(&self, who: &str) -> PathBuf {
        self.dir.join(format!("{who}.sock"))
    }

    fn wait_for(&self, path: &Path) {
        let t0 = Instant::now();
        while !path.exists() {
            assert!(
                t0.elapsed() < Duration::from_secs(30),
                "{} never came",
                path.display()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `router exec --socket <who>.sock LINE`: exit status and stdout.
    fn exec(&self, who: &str, line: &str) -> (i32, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_router"))
            .arg("exec")
            .arg("--socket")
            .arg(self.sock(who))
            .arg(line)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    }

    /// Runs `line` until its output satisfies `ok` (20 s at most).
    fn until(&self, who: &str, line: &str, ok: impl Fn(&str) -> bool) -> String {
        let t0 = Instant::now();
        loop {
            let (status, text) = self.exec(who, line);
            if status == 0 && ok(&text) {
                return text;
            }
            assert!(
                t0.elapsed() < Duration::from_secs(20),
                "{who}: {line}: {text}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// SIGTERM to a router; its exit status, stdout and stderr.
    fn terminate(child: Child) -> (bool, String, String) {
        let status = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let out = child.wait_with_output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for c in [Some(&mut self.hub), self.spoke.as_mut()]
            .into_iter()
            .flatten()
        {
            let _ = c.kill();
            let _ = c.wait();
        }
        // IKESUITE_KEEP_TEST_DIR=1 keeps the capture and keys to look at.
        if std::env::var_os("IKESUITE_KEEP_TEST_DIR").is_none() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

#[test]
fn router_exec_runs_every_command_against_a_running_hub() {
    let lab = Lab::start("all", false);
    let mode = std::fs::metadata(lab.sock("hub"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "the control socket is the owner's");

    let ok = |line: &str| {
        let (status, text) = lab.exec("hub", line);
        assert_eq!(status, 0, "{line}: {text}");
        text
    };
    let t = ok("sh cry isa sa");
    assert!(t.contains("127.0.0.1       127.0.0.2       QM_IDLE"), "{t}");
    assert!(ok("show crypto isakmp sa detail").contains("3des sha  psk  2"));
    assert!(ok("show crypto ipsec sa").contains("current_peer: 127.0.0.2:"));
    assert!(ok("sh cry ips sa peer 127.0.0.2").contains("#pkts encaps: 3"));
    assert!(ok("sh cry ips sa map mymap").contains("Crypto map tag: mymap"));
    assert!(ok("sh cry ips sa detail").contains("##pkts replay failed (rcv): 0"));
    let s = ok("show crypto session");
    assert!(s.contains("Session status: UP-ACTIVE"), "{s}");
    assert!(s.contains("Peer: 127.0.0.2 port "), "{s}");
    assert!(ok("show crypto session detail").contains("      Phase1_id: 127.0.0.2"));
    assert!(ok("show crypto map").contains("Crypto Map \"mymap\" 10 ipsec-isakmp"));
    assert!(ok("show crypto isakmp policy").contains("Protection suite of priority 10"));
    assert!(
        ok("show crypto ipsec transform-set")
            .contains("Transform set myset: { esp-3des esp-sha-hmac  }")
    );
    assert!(ok("show crypto dynamic-map").contains("Crypto Map Template\"dynmap\" 10"));
    let json: serde_json::Value = serde_json::from_str(&ok("sh cry isa sa | json")).unwrap();
    assert_eq!(
        json["isakmp_sa"][0]["remote"]
            .as_str()
            .unwrap()
            .split(':')
            .next(),
        Some("127.0.0.2")
    );

    // Debugging: on at start (--log debug), then off, then ISAKMP back.
    assert!(ok("show debugging").contains("Crypto ISAKMP debugging is on"));
    assert_eq!(
        ok("undebug all"),
        "All possible debugging has been turned off\n"
    );
    assert_eq!(ok("show debugging"), "");
    assert_eq!(ok("debug crypto isakmp"), "Crypto ISAKMP debugging is on\n");
    assert_eq!(ok("debug crypto ipsec"), "Crypto IPSEC debugging is on\n");

    // clear crypto sa: the IPsec SAs go (the spoke's too), the IKE SA
    // stays, and the spoke's next packet needs only a Quick Mode.
    let before = ok("show crypto isakmp sa");
    assert_eq!(ok("clear crypto sa peer 127.0.0.2"), "");
    lab.until("spoke", "show crypto ipsec sa", |t| !t.contains("spi: 0x"));
    assert_eq!(ok("show crypto isakmp sa"), before, "the IKE SA stayed");
    assert_eq!(ok("clear crypto sa"), "");
    assert_eq!(ok("clear crypto sa map mymap"), "");

    // clear crypto isakmp: the IKE SA goes.
    let c_id = before
        .lines()
        .nth(1)
        .and_then(|l| l.split_whitespace().nth(3))
        .unwrap()
        .to_string();
    assert_eq!(ok(&format!("clear crypto isakmp {c_id}")), "");
    lab.until("spoke", "show crypto isakmp sa", |t| t.lines().count() == 1);
    assert_eq!(ok("clear crypto isakmp"), "");
    assert_eq!(ok("clear crypto session"), "");

    // The Easy VPN commands on a hub: understood, refused.
    let (status, text) = lab.exec("hub", "crypto ipsec client ezvpn connect");
    assert_eq!(status, 1, "{text}");
    let (status, text) = lab.exec("hub", "crypto ipsec client ezvpn xauth");
    assert_eq!(
        (status, text.as_str()),
        (1, "% No Xauth request is pending\n")
    );
    // Bad lines: IOS's words, exit status 2.
    let (status, text) = lab.exec("hub", "show crypto isakmp foo");
    assert_eq!(status, 2);
    assert_eq!(
        text,
        "                   ^\n% Invalid input detected at '^' marker.\n"
    );
    assert_eq!(
        lab.exec("hub", "sh cry i"),
        (2, "% Ambiguous command:  \"sh cry i\"\n".into())
    );
    assert_eq!(
        lab.exec("hub", "show crypto"),
        (2, "% Incomplete command.\n".into())
    );
    // The router's own word.
    assert!(ok("counters").starts_with("Hub: sealed "));
    // No router there: status 3 and a reason.
    let out = Command::new(env!("CARGO_BIN_EXE_router"))
        .args(["exec", "--socket"])
        .arg(lab.dir.join("nobody.sock"))
        .arg("show crypto isakmp sa")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
}

/// One UDP payload from a pcap (`dumpcap -P` on `lo`: Ethernet frames).
fn udp_payloads(pcap: &[u8]) -> Vec<(u16, u16, [u8; 4], Vec<u8>)> {
    let mut out = Vec::new();
    let mut at = 24;
    while let Some(rec) = pcap.get(at..at + 16) {
        let len = u32::from_le_bytes(rec[8..12].try_into().unwrap()) as usize;
        let Some(frame) = pcap.get(at + 16..at + 16 + len) else {
            break;
        };
        at += 16 + len;
        let Some(ip) = frame.get(14..) else { continue };
        if ip.len() < 28 || ip[0] >> 4 != 4 || ip[9] != 17 {
            continue;
        }
        let ihl = usize::from(ip[0] & 0x0f) * 4;
        let src = [ip[12], ip[13], ip[14], ip[15]];
        let udp = &ip[ihl..];
        let sport = u16::from_be_bytes([udp[0], udp[1]]);
        let dport = u16::from_be_bytes([udp[2], udp[3]]);
        out.push((sport, dport, src, udp[8..].to_vec()));
    }
    out
}

#[test]
fn sigterm_sends_delete_notifies_the_hub_obeys() {
    let mut lab = Lab::start("term", true);
    let spoke = lab.spoke.take().unwrap();
    let (ok, out, err) = Lab::terminate(spoke);
    assert!(ok, "exit 0 on SIGTERM\n{out}\n{err}");
    assert!(
        err.contains("sent Delete for 1 IPsec SAs and 1 IKE SAs"),
        "{err}"
    );
    // The final views show the state as it stood.
    assert!(out.contains("Spoke#show crypto ipsec sa"), "{out}");
    assert!(out.contains("#pkts encaps: 3"), "{out}");
    // The hub obeyed both Deletes: no IKE SA, no IPsec SA, no session.
    lab.until("hub", "show crypto isakmp sa", |t| t.lines().count() == 1);
    let (_, s) = lab.exec("hub", "show crypto session");
    assert_eq!(s, "Crypto session current status\n\n");
    let (_, sa) = lab.exec("hub", "show crypto ipsec sa");
    assert!(!sa.contains("spi: 0x"), "{sa}");

    let Some(mut d) = lab.dumpcap.take() else {
        return;
    };
    let cap = lab.dir.join("term.pcap");
    std::thread::sleep(Duration::from_millis(500));
    let _ = Command::new("kill")
        .args(["-TERM", &d.id().to_string()])
        .status();
    let _ = d.wait();
    let pcap = std::fs::read(&cap).unwrap();
    // Our decoder: from the spoke (127.0.0.2), after NAT-T's non-ESP
    // marker, two encrypted INFORMATIONAL exchanges under the IKE SA whose
    // key the spoke logged.
    let keys = std::fs::read_to_string(lab.dir.join("spoke.keys")).unwrap();
    let cookie = keys
        .lines()
        .find_map(|l| l.strip_prefix("ikev1 "))
        .and_then(|l| l.split(',').next())
        .unwrap()
        .to_string();
    let natt: u16 = lab.natt.parse().unwrap();
    let infos: Vec<Header> = udp_payloads(&pcap)
        .into_iter()
        .filter(|(_, dport, src, _)| *src == [127, 0, 0, 2] && *dport == natt)
        .filter_map(|(_, _, _, p)| {
            let ike = p.strip_prefix(&[0, 0, 0, 0][..])?;
            Header::parse(ike).ok().map(|(h, _, _)| h)
        })
        .filter(|h| h.exchange_type == ExchangeType::INFORMATIONAL)
        .collect();
    assert_eq!(
        infos.len(),
        2,
        "one Delete for the IPsec SA, one for the IKE SA"
    );
    for h in &infos {
        assert!(h.flags.contains(Flags::ENCRYPTION));
        let hex: String = h
            .initiator_cookie
            .0
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(hex, cookie);
    }

    // tshark, given the spoke's key, decrypts them: two Delete payloads,
    // protocol ESP (3) then ISAKMP (1).
    if Command::new("tshark").arg("--version").output().is_err() {
        println!("tshark half skipped: tshark is not installed (the lab's install.sh installs it)");
        return;
    }
    let table: String = keys
        .lines()
        .filter_map(|l| l.strip_prefix("ikev1 "))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(lab.dir.join("ikev1_decryption_table"), table).unwrap();
    let out = Command::new("tshark")
        .env("WIRESHARK_CONFIG_DIR", &lab.dir)
        .args(["-n", "-r"])
        .arg(&cap)
        .args(["-d", &format!("udp.port=={},isakmp", lab.ike)])
        .args(["-d", &format!("udp.port=={},udpencap", lab.natt)])
        .args(["-Y", "isakmp.exchangetype == 5 && ip.src == 127.0.0.2"])
        .args(["-T", "fields", "-e", "isakmp.delete.protoid"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let protos: Vec<&str> = text.lines().map(str::trim).collect();
    assert_eq!(protos, ["3", "1"], "{text}");
}
