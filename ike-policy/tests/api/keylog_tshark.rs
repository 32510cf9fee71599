//! The key log read by an independent decoder: the seed's hub and spoke
//! Gateways negotiate in memory with `GatewayOptions::keylog`, every
//! datagram and ESP packet they send is written to a pcap, and tshark,
//! given the key-log lines as its `ikev1_decryption_table` and `esp_sa`
//! tables (as the lab's capture.sh gives them), must decrypt the Quick
//! Mode (its HASH, SA, nonce and ID payloads) and the pings inside ESP.
//! Skipped, with a message, when tshark is not installed.

use std::net::Ipv4Addr;
use std::path::Path;
use std::process::Command;

use ike_policy::gateway::{Instant, KEYLOG_HEADER};
use ike_policy::{Gateway, GatewayEvent, GatewayOptions, Transmit};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use crate::common;
use common::gateways::Gateways;
use common::{HUB, HUB_CFG, HUB_HOST, SEED_HUB_ADDR, SPOKE_CFG, icmp};

const SPOKE: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 2);
const SPOKE_HOST: Ipv4Addr = Ipv4Addr::new(10, 2, 2, 5);
const PORTS: (u16, u16) = (10500, 14500);

/// A pcap file (LINKTYPE_RAW: each frame an IPv4 packet).
struct Pcap(Vec<u8>);

impl Pcap {
    fn new() -> Self {
        let mut b = Vec::new();
        b.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
        b.extend_from_slice(&2u16.to_le_bytes());
        b.extend_from_slice(&4u16.to_le_bytes());
        b.extend_from_slice(&[0; 8]);
        b.extend_from_slice(&65535u32.to_le_bytes());
        b.extend_from_slice(&101u32.to_le_bytes());
        Self(b)
    }

    fn ipv4(&mut self, now: Instant, src: Ipv4Addr, dst: Ipv4Addr, proto: u8, payload: &[u8]) {
        let total = u16::try_from(20 + payload.len()).unwrap();
        let mut ip = vec![0x45, 0];
        ip.extend_from_slice(&total.to_be_bytes());
        ip.extend_from_slice(&[0, 0, 0x40, 0, 64, proto, 0, 0]);
        ip.extend_from_slice(&src.octets());
        ip.extend_from_slice(&dst.octets());
        let c = esp_core::wire::internet_checksum(&ip);
        ip[10..12].copy_from_slice(&c.to_be_bytes());
        ip.extend_from_slice(payload);
        let ms = now.as_millis();
        let len = u32::try_from(ip.len()).unwrap();
        for v in [
            u32::try_from(ms / 1000).unwrap(),
            u32::try_from(ms % 1000 * 1000).unwrap(),
            len,
            len,
        ] {
            self.0.extend_from_slice(&v.to_le_bytes());
        }
        self.0.extend_from_slice(&ip);
    }

    fn udp(&mut self, now: Instant, src: (Ipv4Addr, u16), dst: (Ipv4Addr, u16), payload: &[u8]) {
        let mut udp = Vec::new();
        udp.extend_from_slice(&src.1.to_be_bytes());
        udp.extend_from_slice(&dst.1.to_be_bytes());
        udp.extend_from_slice(&u16::try_from(8 + payload.len()).unwrap().to_be_bytes());
        // Checksum 0: none (RFC 768), which tshark accepts.
        udp.extend_from_slice(&[0, 0]);
        udp.extend_from_slice(payload);
        self.ipv4(now, src.0, dst.0, 17, &udp);
    }
}

/// Hub and spoke, each packet on the pcap, each key-log line collected.
/// The seed's hub and spoke with `transform` in place of the seed's
/// `esp-3des esp-sha-hmac`, three pings across.
fn negotiate(force_encaps: bool, keylog: bool, transform: &str) -> (Pcap, Vec<String>) {
    let options = |outside| GatewayOptions {
        outside_addr: outside,
        ike_port: PORTS.0,
        natt_port: PORTS.1,
        force_udp_encapsulation: force_encaps,
        keylog,
        ..GatewayOptions::default()
    };
    let mut rng = ChaCha20Rng::seed_from_u64(9);
    let cfg = |c: &str| {
        c.replace(SEED_HUB_ADDR, &HUB.to_string())
            .replace("esp-3des esp-sha-hmac", transform)
    };
    let (hub_cfg, spoke_cfg) = (cfg(HUB_CFG), cfg(SPOKE_CFG));
    let hub = Gateway::from_ios(&hub_cfg, options(None), &mut rng).unwrap();
    let spoke = Gateway::from_ios(&spoke_cfg, options(Some(SPOKE)), &mut rng).unwrap();
    let mut net = Gateways::new(hub, spoke);
    net.wire = Some(Vec::new());
    for seq in 1..=3u16 {
        net.peer
            .handle_inside(net.now, &icmp(SPOKE_HOST, HUB_HOST, 8, seq));
        net.run();
        // The hub's LAN host answers.
        for p in std::mem::take(&mut net.hub_inside) {
            let reply = icmp(HUB_HOST, SPOKE_HOST, 0, u16::from(p[27]));
            net.hub.handle_inside(net.now, &reply);
        }
        net.run();
        net.now = Instant::from_millis(net.now.as_millis() + 100);
    }
    assert_eq!(net.peer_inside.len(), 3, "the pings did not come back");
    assert!(net.clear.is_empty(), "nothing goes in clear here");
    let mut pcap = Pcap::new();
    for (at, t) in net.wire.take().unwrap_or_default() {
        match t {
            Transmit::Udp {
                local,
                remote,
                payload,
            } => pcap.udp(
                at,
                (*local.ip(), local.port()),
                (*remote.ip(), remote.port()),
                &payload,
            ),
            Transmit::Esp {
                local,
                remote,
                payload,
            } => pcap.ipv4(at, local, remote, 50, &payload),
            Transmit::Clear { .. } => unreachable!("checked above"),
        }
    }
    let keys = net
        .events
        .iter()
        .filter_map(|(_, e)| match e {
            GatewayEvent::KeyLog(line) => Some(line.as_str().to_owned()),
            _ => None,
        })
        .collect();
    (pcap, keys)
}

fn tshark(dir: &Path, pcap: &Path, filter: &str, fields: &[&str]) -> String {
    let mut c = Command::new("tshark");
    c.env("WIRESHARK_CONFIG_DIR", dir)
        .args(["-n", "-r"])
        .arg(pcap)
        .args(["-o", "esp.enable_encryption_decode:TRUE"])
        .args(["-o", "esp.enable_authentication_check:TRUE"])
        .args(["-d", &format!("udp.port=={},isakmp", PORTS.0)])
        .args(["-d", &format!("udp.port=={},udpencap", PORTS.1)])
        .args(["-Y", filter, "-T", "fields"]);
    for f in fields {
        c.args(["-e", f]);
    }
    let out = c.output().expect("tshark runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn check_decrypts(force_encaps: bool, transform: &str) {
    if Command::new("tshark").arg("--version").output().is_err() {
        println!("skipped: tshark is not installed (the lab's install.sh installs it)");
        return;
    }
    let (pcap, keys) = negotiate(force_encaps, true, transform);
    // One IKE SA, one child SA pair, from each side: the same keys twice.
    let ikev1: Vec<&String> = keys.iter().filter(|l| l.starts_with("ikev1 ")).collect();
    let esp: Vec<&String> = keys.iter().filter(|l| l.starts_with("esp ")).collect();
    assert_eq!(ikev1.len(), 2, "{keys:?}");
    assert_eq!(ikev1[0], ikev1[1]);
    assert_eq!(esp.len(), 4, "{keys:?}");
    // The hub's 3DES phase 1: 24 key bytes.
    assert_eq!(ikev1[0].len(), "ikev1 ".len() + 16 + 1 + 48, "{}", ikev1[0]);

    let dir = std::env::temp_dir().join(format!(
        "ikesuite-keylog-{}-{force_encaps}-{}",
        std::process::id(),
        transform.replace(' ', "_")
    ));
    std::fs::create_dir_all(&dir).unwrap();
    // The tables as capture.sh show --keys makes them from a key-log file.
    let file = format!("{KEYLOG_HEADER}\n{}\n", keys.join("\n"));
    let table = |kind: &str| {
        let mut lines: Vec<&str> = file.lines().filter_map(|l| l.strip_prefix(kind)).collect();
        lines.sort_unstable();
        lines.dedup();
        lines.join("\n") + "\n"
    };
    std::fs::write(dir.join("ikev1_decryption_table"), table("ikev1 ")).unwrap();
    std::fs::write(dir.join("esp_sa"), table("esp ")).unwrap();
    let cap = dir.join("run.pcap");
    std::fs::write(&cap, &pcap.0).unwrap();

    // Quick Mode (exchange type 32): decrypted, its ID payloads are the
    // crypto ACL's subnets (10.2.0.0/16 <-> 10.1.0.0/16).
    let qm = tshark(
        &dir,
        &cap,
        "isakmp.exchangetype == 32",
        &["isakmp.id.type", "isakmp.id.data.ipv4_addr", "isakmp.nonce"],
    );
    assert!(qm.contains("10.2.0.0"), "Quick Mode not decrypted:\n{qm}");
    assert!(qm.contains("10.1.0.0"), "Quick Mode not decrypted:\n{qm}");
    // The pings inside ESP: requests and replies between the two LANs.
    let pings = tshark(&dir, &cap, "icmp", &["ip.src", "ip.dst", "icmp.type"]);
    let requests = pings
        .lines()
        .filter(|l| l.contains("10.2.2.5") && l.ends_with("\t8"))
        .count();
    let replies = pings.lines().filter(|l| l.ends_with("\t0")).count();
    assert_eq!((requests, replies), (3, 3), "ESP not decrypted:\n{pings}");
    // Without keys the same capture shows no ping: tshark really decrypted.
    std::fs::remove_file(dir.join("esp_sa")).unwrap();
    let dark = tshark(&dir, &cap, "icmp", &["icmp.type"]);
    assert_eq!(dark.trim(), "", "{dark}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn tshark_decrypts_quick_mode_and_raw_esp_with_the_key_log() {
    check_decrypts(false, "esp-3des esp-sha-hmac");
}

/// `esp-des` (RFC 2405): tshark's DES-CBC opens what esp-core sealed.
#[test]
fn tshark_decrypts_esp_des_with_the_key_log() {
    check_decrypts(false, "esp-des esp-sha-hmac");
}

#[test]
fn tshark_decrypts_quick_mode_and_esp_in_udp_with_the_key_log() {
    check_decrypts(true, "esp-3des esp-sha-hmac");
}

#[test]
fn no_key_log_lines_unless_asked() {
    let (_, keys) = negotiate(false, false, "esp-3des esp-sha-hmac");
    assert!(keys.is_empty(), "{keys:?}");
}
