//! Two Gateways with the seed's hub and spoke configurations, exchanging
//! datagrams in memory under a virtual clock. The 10.x addresses are only
//! bytes inside the library; the outside addresses are documentation ones.

use std::net::Ipv4Addr;

use esp_core::spd::Fallback;
use ike_policy::gateway::{DropReason, Instant};
use ike_policy::{Gateway, GatewayEvent, GatewayOptions};
use ike_proto::engine::Event;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use crate::common;
use common::gateways::Gateways;
use common::{HUB, HUB_CFG, HUB_HOST, SEED_HUB_ADDR, SPOKE_CFG, captured_logs, icmp, is_echo};

const SPOKE: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 2);
const SPOKE_HOST: Ipv4Addr = Ipv4Addr::new(10, 2, 2, 5);

/// The seed's hub and spoke Gateways, carried in memory.
type Net = Gateways;

fn options(ports: (u16, u16), outside: Option<Ipv4Addr>) -> GatewayOptions {
    GatewayOptions {
        outside_addr: outside,
        ike_port: ports.0,
        natt_port: ports.1,
        // The tests read the engine's lines per Gateway, as events.
        log_events: true,
        ..GatewayOptions::default()
    }
}

/// What these tests add to the pair: the seed's Gateways built, a ping
/// from the spoke's LAN, the SAs each side installed.
trait SeedPair {
    fn spoke(spoke_cfg: &str, hub_opts: GatewayOptions, spoke_opts: GatewayOptions) -> Self;
    fn seed() -> Self;
    fn ping_from_spoke(&mut self, seq: u16);
    fn installed(&self, on_hub: bool) -> Vec<bool>;
}

impl SeedPair for Gateways {
    fn spoke(spoke_cfg: &str, hub_opts: GatewayOptions, spoke_opts: GatewayOptions) -> Self {
        let hub_cfg = HUB_CFG.replace(SEED_HUB_ADDR, &HUB.to_string());
        let spoke_cfg = spoke_cfg.replace(SEED_HUB_ADDR, &HUB.to_string());
        let mut rng = ChaCha20Rng::seed_from_u64(5);
        let hub = Gateway::from_ios(&hub_cfg, hub_opts, &mut rng).unwrap();
        let spoke = Gateway::from_ios(&spoke_cfg, spoke_opts, &mut rng).unwrap();
        assert_eq!(hub.outside_addr(), HUB);
        assert_eq!(spoke.outside_addr(), SPOKE);
        Gateways::new(hub, spoke)
    }

    fn seed() -> Self {
        captured_logs();
        Self::spoke(
            SPOKE_CFG,
            options((10500, 14500), None),
            options((10500, 14500), Some(SPOKE)),
        )
    }

    fn ping_from_spoke(&mut self, seq: u16) {
        let p = icmp(SPOKE_HOST, HUB_HOST, 8, seq);
        self.peer.handle_inside(self.now, &p);
    }

    fn installed(&self, on_hub: bool) -> Vec<bool> {
        self.events
            .iter()
            .filter(|(h, _)| *h == on_hub)
            .filter_map(|(_, e)| match e {
                GatewayEvent::SaInstalled {
                    udp_encapsulated, ..
                } => Some(*udp_encapsulated),
                _ => None,
            })
            .collect()
    }
}

fn counter_line(show: &str, label: &str) -> u64 {
    // "#pkts encaps: 19, #pkts encrypt: 19, #pkts digest 19"
    let at = show
        .find(label)
        .unwrap_or_else(|| panic!("{label} in {show}"));
    show[at + label.len()..]
        .trim_start()
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn a_spoke_ping_triggers_ike_is_held_crosses_esp_and_comes_back() {
    let mut net = Net::seed();
    net.ping_from_spoke(1);
    // Held while IKE runs: nothing on the hub's inside yet.
    assert_eq!(net.peer.held_packets(), 1);
    assert!(net.hub_inside.is_empty());
    // Before any SA, the spoke lists its ACL's flow with the acquire sent.
    let before = net.peer.show("show crypto ipsec sa", net.now).unwrap();
    assert!(
        before.contains("PERMIT, flags={origin_is_acl,ipsec_sa_request_sent,}"),
        "{before}"
    );
    assert_eq!(counter_line(&before, "#pkts encaps:"), 0);
    assert!(!before.contains("spi: 0x"));
    net.run();
    assert_eq!(net.peer.held_packets(), 0);
    assert_eq!(net.hub_inside.len(), 1, "{:?}", net.peer.counters());
    // The negotiation in the seed's vocabulary, on both ends.
    for hub in [true, false] {
        let logs: Vec<String> = net
            .events
            .iter()
            .filter(|(h, _)| *h == hub)
            .filter_map(|(_, e)| match e {
                GatewayEvent::Engine(ike_proto::engine::Event::Log(l)) => Some(l.to_string()),
                _ => None,
            })
            .collect();
        for state in [
            "New State = IKE_P1_COMPLETE",
            "New State = IKE_QM_PHASE2_COMPLETE",
        ] {
            assert!(
                logs.iter().any(|l| l.contains(state)),
                "{state} in {logs:#?}"
            );
        }
        // The profile the spoke matched, said of its SA as the seed says it.
        if hub {
            let matched = "ISAKMP (0:1): peer matches L2L profile";
            assert!(
                logs.iter().any(|l| l == matched),
                "{matched:?} in {logs:#?}"
            );
        }
    }
    let lines = captured_logs();
    for expected in [
        "ISAKMP: Looking for a matching key for 198.51.100.2 in default",
        "ISAKMP: Looking for a matching key for 198.51.100.2 in spokes : success",
    ] {
        assert!(
            lines.iter().any(|l| l == expected),
            "{expected:?} in {lines:#?}"
        );
    }
    assert!(is_echo(&net.hub_inside[0], SPOKE_HOST, HUB_HOST, 8));
    assert_eq!(net.installed(true), [false]);
    assert_eq!(net.installed(false), [false]);
    assert_eq!(net.raw_esp, 1);

    // The reply goes back through the SA the spoke negotiated.
    let reply = icmp(HUB_HOST, SPOKE_HOST, 0, 1);
    net.hub.handle_inside(net.now, &reply);
    net.run();
    assert_eq!(net.peer_inside, [reply]);
    for seq in 2..=4 {
        net.ping_from_spoke(seq);
        net.hub
            .handle_inside(net.now, &icmp(HUB_HOST, SPOKE_HOST, 0, seq));
    }
    net.run();
    assert_eq!(net.hub_inside.len(), 4);
    assert_eq!(net.peer_inside.len(), 4);
    assert!(net.clear.is_empty());

    // The show views, in the seed's layout, with live counters.
    net.now = Instant::from_millis(net.now.as_millis() + 61_000);
    let hub_sa = net.hub.show("show crypto ipsec sa", net.now).unwrap();
    let spoke_sa = net.peer.show("sh cry ips sa", net.now).unwrap();
    for (show, local, peer, local_ident, remote_ident) in [
        (
            &hub_sa,
            HUB,
            SPOKE,
            "(10.1.0.0/255.255.0.0/0/0)",
            "(10.2.0.0/255.255.0.0/0/0)",
        ),
        (
            &spoke_sa,
            SPOKE,
            HUB,
            "(10.2.0.0/255.255.0.0/0/0)",
            "(10.1.0.0/255.255.0.0/0/0)",
        ),
    ] {
        assert!(
            show.starts_with(&format!(
                "\ninterface: FastEthernet0/0\nCrypto map tag: mymap, local addr. {local}\n"
            )),
            "{show}"
        );
        assert!(show.contains(&format!(
            "local ident (addr/mask/prot/port): {local_ident}\n"
        )));
        assert!(show.contains(&format!(
            "remote ident (addr/mask/prot/port): {remote_ident}\n"
        )));
        assert!(
            show.contains(&format!("current_peer: {peer}:10500\n")),
            "{show}"
        );
        assert_eq!(counter_line(show, "#pkts encaps:"), 4);
        assert_eq!(counter_line(show, "#pkts decaps:"), 4);
        assert_eq!(counter_line(show, "#pkts verify"), 4);
        assert!(show.contains("transform: esp-3des esp-sha-hmac ,\nin use settings ={Tunnel, }\n"));
        assert!(
            show.contains("sa timing: remaining key lifetime (k/sec): (4607"),
            "{show}"
        );
        assert!(show.contains("/3539)\n"), "{show}");
        assert!(show.contains("IV size: 8 bytes\nreplay detection support: Y\n"));
    }
    assert!(
        spoke_sa.contains("PERMIT, flags={origin_is_acl,}"),
        "{spoke_sa}"
    );

    let hub_isakmp = net.hub.show("sh cry isa sa", net.now).unwrap();
    assert_eq!(
        hub_isakmp
            .lines()
            .nth(1)
            .unwrap()
            .split_whitespace()
            .collect::<Vec<_>>(),
        ["192.0.2.1", "198.51.100.2", "QM_IDLE", "1", "0", "ACTIVE"]
    );
    let detail = net
        .hub
        .show("show crypto isakmp sa detail", net.now)
        .unwrap();
    let row = detail.lines().last().unwrap();
    assert_eq!(
        row.split_whitespace().collect::<Vec<_>>(),
        [
            "1",
            "192.0.2.1",
            "198.51.100.2",
            "3des",
            "sha",
            "psk",
            "2",
            "23:58:59"
        ],
        "{detail}"
    );
    let map = net.peer.show("show crypto map", net.now).unwrap();
    assert!(
        map.contains("Crypto Map \"mymap\" 10 ipsec-isakmp"),
        "{map}"
    );
    assert!(map.contains("192.0.2.1"), "{map}");
    // Once unknown to `show`, now one of the exec's commands.
    let policy = net.hub.show("show crypto isakmp policy", net.now).unwrap();
    assert!(
        policy.contains("Protection suite of priority 10\n"),
        "{policy}"
    );
    assert!(
        net.hub
            .show("show crypto isakmp frobnicate", net.now)
            .is_err()
    );
}

#[test]
fn the_hold_queue_is_bounded() {
    let mut spoke_opts = options((500, 4500), Some(SPOKE));
    spoke_opts.hold_queue_limit = 3;
    let mut net = Net::spoke(SPOKE_CFG, options((500, 4500), None), spoke_opts);
    for seq in 1..=5 {
        net.ping_from_spoke(seq);
    }
    assert_eq!(net.peer.held_packets(), 3);
    assert_eq!(net.peer.counters().hold_queue_full, 2);
    net.run();
    assert_eq!(net.hub_inside.len(), 3);
    let seqs: Vec<u8> = net.hub_inside.iter().map(|p| p[27]).collect();
    assert_eq!(seqs, [1, 2, 3]);
}

#[test]
fn traffic_outside_the_acls_goes_in_clear_or_is_dropped_per_spd() {
    let other = icmp(SPOKE_HOST, Ipv4Addr::new(172, 16, 0, 1), 8, 9);
    let mut net = Net::seed();
    net.peer.handle_inside(net.now, &other);
    net.run();
    assert_eq!(net.clear, std::slice::from_ref(&other));
    assert_eq!(net.peer.held_packets(), 0);
    assert!(net.installed(false).is_empty(), "no IKE for clear traffic");

    let mut spoke_opts = options((500, 4500), Some(SPOKE));
    spoke_opts.unprotected = Fallback::Discard;
    let mut net = Net::spoke(SPOKE_CFG, options((500, 4500), None), spoke_opts);
    net.peer.handle_inside(net.now, &other);
    net.run();
    assert!(net.clear.is_empty());
    assert_eq!(net.peer.counters().policy_discards, 1);
    // Garbage from the inside is counted, not routed.
    net.peer.handle_inside(net.now, &[0x45, 0, 0]);
    assert_eq!(net.peer.counters().malformed, 1);
}

#[test]
fn a_wrong_preshared_key_gives_no_sa_and_drops_the_held_packets() {
    let wrong = SPOKE_CFG.replace("crypto isakmp key cisco123", "crypto isakmp key cisco124");
    assert_ne!(wrong, SPOKE_CFG);
    let mut net = Net::spoke(
        &wrong,
        options((500, 4500), None),
        options((500, 4500), Some(SPOKE)),
    );
    net.ping_from_spoke(1);
    net.run_for(300);
    assert!(net.installed(true).is_empty());
    assert!(net.installed(false).is_empty());
    assert!(net.hub_inside.is_empty());
    assert_eq!(net.peer.held_packets(), 0);
    assert_eq!(net.peer.counters().negotiation_failed, 1);
    assert!(net.events.iter().any(|(hub, e)| !*hub
        && matches!(
            e,
            GatewayEvent::Dropped {
                reason: DropReason::NegotiationFailed,
                packets: 1
            }
        )));
    assert!(net.hub.engine().ike_sas().is_empty());
}

#[test]
fn forced_udp_encapsulation_floats_to_natt_and_carries_esp_in_udp() {
    let mut spoke_opts = options((10500, 14500), Some(SPOKE));
    spoke_opts.force_udp_encapsulation = true;
    let mut net = Net::spoke(SPOKE_CFG, options((10500, 14500), None), spoke_opts);
    net.ping_from_spoke(1);
    net.run();
    assert_eq!(net.installed(true), [true]);
    assert_eq!(net.installed(false), [true]);
    assert_eq!(net.hub_inside.len(), 1);
    net.hub
        .handle_inside(net.now, &icmp(HUB_HOST, SPOKE_HOST, 0, 1));
    net.run();
    assert_eq!(net.peer_inside.len(), 1);
    assert_eq!(net.raw_esp, 0);
    assert_eq!(net.udp_esp, 2);
    let show = net.hub.show("show crypto ipsec sa", net.now).unwrap();
    assert!(
        show.contains("in use settings ={Tunnel UDP-Encaps, }"),
        "{show}"
    );
    assert!(
        show.contains("current_peer: 198.51.100.2:14500\n"),
        "{show}"
    );
    let detail = net
        .hub
        .show("show crypto isakmp sa detail", net.now)
        .unwrap();
    assert!(
        detail.lines().last().unwrap().trim_end().ends_with('N'),
        "{detail}"
    );
    // The engine was told the real ports: its log and events say them.
    let hub_log = |needle: &str| {
        net.events.iter().any(|(hub, e)| {
            *hub && matches!(e, GatewayEvent::Engine(Event::Log(l)) if l.text.contains(needle))
        })
    };
    assert!(hub_log("dport 10500 sport 10500"));
    assert!(!hub_log("dport 501"));
    let hub_up = net.events.iter().find_map(|(hub, e)| match e {
        GatewayEvent::Engine(Event::IkeSaUp(info)) if *hub => Some(info.clone()),
        _ => None,
    });
    let hub_up = hub_up.expect("the hub's IKE SA came up");
    assert_eq!(hub_up.remote.port(), 14500, "floated, real port");
    assert_eq!(hub_up.local.port(), 14500);
    assert!(hub_up.nat.peer_behind && !hub_up.nat.forced);
}

#[test]
fn forced_udp_encapsulation_on_the_hub_alone_floats_both_sides() {
    let mut hub_opts = options((10500, 14500), None);
    hub_opts.force_udp_encapsulation = true;
    let mut net = Net::spoke(SPOKE_CFG, hub_opts, options((10500, 14500), Some(SPOKE)));
    net.ping_from_spoke(1);
    net.run();
    assert_eq!(net.hub_inside.len(), 1);
    assert_eq!(net.raw_esp, 0);
    assert_eq!(net.udp_esp, 1);
    let show = net.peer.show("show crypto ipsec sa", net.now).unwrap();
    assert!(
        show.contains("in use settings ={Tunnel UDP-Encaps, }"),
        "{show}"
    );
    assert!(show.contains("current_peer: 192.0.2.1:14500\n"), "{show}");
}

#[test]
fn forced_encapsulation_refuses_a_plain_esp_sa_with_a_peer_without_nat_t() {
    // The hub cannot carry raw ESP (forced encapsulation); the spoke
    // speaks no NAT-T, so the Quick Mode can only give plain ESP.
    let mut hub_opts = options((10500, 14500), None);
    hub_opts.force_udp_encapsulation = true;
    let mut spoke_opts = options((10500, 14500), Some(SPOKE));
    spoke_opts.engine.nat_traversal = false;
    let mut net = Net::spoke(SPOKE_CFG, hub_opts, spoke_opts);
    net.ping_from_spoke(1);
    net.run();
    assert_eq!(net.hub.installed_child_sas(), 0);
    assert_eq!(net.hub.counters().raw_esp_refused, 1);
    let refused = net.events.iter().find_map(|(hub, e)| match e {
        GatewayEvent::SaInstallFailed { reason, .. } if *hub => Some(reason.clone()),
        _ => None,
    });
    let refused = refused.expect("the hub refused the SA");
    assert!(refused.contains("cannot carry raw ESP"), "{refused}");
    // Deleted on the spoke too (the hub's Delete), and nothing crossed.
    assert_eq!(net.peer.installed_child_sas(), 0);
    // The held ping left the spoke as raw ESP before the Delete came
    // back; the hub, holding no SA for it, opened none of it.
    assert!(net.hub_inside.is_empty());
    assert_eq!(net.hub.counters().esp_rejected, net.raw_esp as u64);
}

#[test]
fn clearing_the_peer_removes_the_sas_on_both_ends_and_traffic_renegotiates() {
    let mut net = Net::seed();
    net.ping_from_spoke(1);
    net.run();
    assert_eq!(net.hub.installed_child_sas(), 1);
    assert_eq!(net.peer.installed_child_sas(), 1);
    net.peer.clear_peer(net.now, HUB);
    net.run();
    assert_eq!(net.peer.installed_child_sas(), 0);
    assert_eq!(
        net.hub.installed_child_sas(),
        0,
        "the hub obeyed the Delete"
    );
    let removed = |hub: bool| {
        net.events
            .iter()
            .filter(|(h, e)| *h == hub && matches!(e, GatewayEvent::SaRemoved { .. }))
            .count()
    };
    assert_eq!((removed(true), removed(false)), (1, 1));
    let show = net.peer.show("show crypto ipsec sa", net.now).unwrap();
    assert!(!show.contains("spi: 0x"), "{show}");
    assert!(show.contains("PERMIT, flags={origin_is_acl,}"), "{show}");
    // The next packet negotiates again.
    net.ping_from_spoke(2);
    net.run();
    assert_eq!(net.hub_inside.len(), 2);
    assert_eq!(net.peer.installed_child_sas(), 1);
}

#[test]
fn the_kilobyte_soft_lifetime_rekeys_and_traffic_goes_on() {
    let cfg = SPOKE_CFG.replace(
        "crypto ipsec transform-set myset",
        "crypto ipsec security-association lifetime kilobytes 2560\ncrypto ipsec transform-set myset",
    );
    let mut net = Net::spoke(
        &cfg,
        options((500, 4500), None),
        options((500, 4500), Some(SPOKE)),
    );
    // 1400-byte packets: the soft limit (90% of 2560 KB) falls near 1700.
    let big = |seq: u16| {
        let mut p = icmp(SPOKE_HOST, HUB_HOST, 8, seq);
        p.resize(1400, 0x5a);
        p[2..4].copy_from_slice(&1400u16.to_be_bytes());
        p[10..12].copy_from_slice(&[0, 0]);
        let c = esp_core::wire::internet_checksum(&p[..20]);
        p[10..12].copy_from_slice(&c.to_be_bytes());
        p
    };
    for seq in 0..1800u16 {
        net.peer.handle_inside(net.now, &big(seq));
        net.run();
    }
    assert_eq!(net.hub_inside.len(), 1800, "{:?}", net.peer.counters());
    assert!(net.installed(false).len() >= 2, "the spoke rekeyed");
    assert!(
        net.installed(true).len() >= 2,
        "the hub installed the new SA"
    );
    let show = net.peer.show("show crypto ipsec sa", net.now).unwrap();
    assert!(show.matches("spi: 0x").count() >= 4, "{show}");
}

#[test]
fn sas_are_rekeyed_on_time_and_the_old_ones_removed_when_they_expire() {
    let mut net = Net::seed();
    net.ping_from_spoke(1);
    net.run();
    assert_eq!(net.installed(false).len(), 1);
    // 3600 s lifetime: the engine rekeys before it, the old pair expires.
    net.run_for(3700);
    assert!(net.installed(false).len() >= 2, "rekeyed on time");
    let removed = net
        .events
        .iter()
        .filter(|(h, e)| !*h && matches!(e, GatewayEvent::SaRemoved { .. }))
        .count();
    assert!(removed >= 1, "the expired pair left the SAD");
    assert!(net.peer.installed_child_sas() >= 1);
    // Traffic still flows on the new SA.
    net.ping_from_spoke(2);
    net.run();
    assert_eq!(net.hub_inside.len(), 2);
    assert_eq!(net.peer.held_packets(), 0);
}

#[test]
fn building_needs_a_crypto_interface_an_address_and_valid_text() {
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let spoke = SPOKE_CFG.replace(SEED_HUB_ADDR, &HUB.to_string());
    // `ip address dhcp` and no address given.
    let e = Gateway::from_ios(&spoke, GatewayOptions::default(), &mut rng).unwrap_err();
    assert_eq!(
        e,
        ike_policy::GatewayError::NoOutsideAddress("FastEthernet0/0".into())
    );
    let e = Gateway::from_ios("hostname x\n", GatewayOptions::default(), &mut rng).unwrap_err();
    assert_eq!(e, ike_policy::GatewayError::NoCryptoInterface);
    let e = Gateway::from_ios(
        "crypto isakmp policy x\n",
        GatewayOptions::default(),
        &mut rng,
    )
    .unwrap_err();
    assert!(matches!(e, ike_policy::GatewayError::Config(_)), "{e}");
    // The seed's hub: its own static address, unless overridden.
    let hub = Gateway::from_ios(HUB_CFG, GatewayOptions::default(), &mut rng).unwrap();
    assert_eq!(hub.outside_addr(), Ipv4Addr::new(10, 48, 67, 181));
    assert_eq!(hub.outside_interface(), "FastEthernet0/0");
    assert_eq!(hub.crypto_map_name(), "mymap");
    assert_eq!(hub.ike_endpoint().port(), 500);
    assert_eq!(hub.natt_endpoint().port(), 4500);
}

/// `esp-des` (RFC 2405): IKE agrees on it and the data plane carries it.
/// (Until esp-core had DES this SA failed to install on both ends; an SA
/// the data plane refuses is still deleted on both ends, as the forced
/// encapsulation test shows.)
#[test]
fn esp_des_is_negotiated_and_carries_traffic() {
    let des = |c: &str| c.replace("esp-3des esp-sha-hmac", "esp-des esp-sha-hmac");
    let hub = des(HUB_CFG).replace(SEED_HUB_ADDR, &HUB.to_string());
    let spoke = des(SPOKE_CFG).replace(SEED_HUB_ADDR, &HUB.to_string());
    let mut rng = ChaCha20Rng::seed_from_u64(8);
    let hub = Gateway::from_ios(&hub, GatewayOptions::default(), &mut rng).unwrap();
    let spoke = Gateway::from_ios(&spoke, options((500, 4500), Some(SPOKE)), &mut rng).unwrap();
    let mut net = Net::spoke(
        SPOKE_CFG,
        options((500, 4500), None),
        options((500, 4500), Some(SPOKE)),
    );
    net.hub = hub;
    net.peer = spoke;
    net.ping_from_spoke(1);
    net.run();
    assert!(
        !net.events
            .iter()
            .any(|(_, e)| matches!(e, GatewayEvent::SaInstallFailed { .. })),
        "{:?}",
        net.events
    );
    assert_eq!(net.peer.installed_child_sas(), 1);
    assert_eq!(net.hub.installed_child_sas(), 1);
    assert_eq!(net.hub_inside.len(), 1, "the ping crossed");
    let show = net.hub.show("show crypto ipsec sa", net.now).unwrap();
    assert!(show.contains("transform: esp-des esp-sha-hmac"), "{show}");
}

#[test]
fn initiate_brings_the_tunnel_up_without_a_packet() {
    use ike_policy::{GatewayError, Initiated};
    let mut net = Net::seed();
    let now = net.now;
    // Traffic no crypto ACL covers cannot be initiated.
    assert!(matches!(
        net.peer.initiate(now, Ipv4Addr::new(10, 9, 9, 9), HUB_HOST),
        Err(GatewayError::NotProtected { .. })
    ));
    assert_eq!(
        net.peer.initiate(now, SPOKE_HOST, HUB_HOST).unwrap(),
        Initiated::Started(HUB)
    );
    assert_eq!(
        net.peer.initiate(now, SPOKE_HOST, HUB_HOST).unwrap(),
        Initiated::Pending(HUB),
        "one negotiation per peer"
    );
    assert_eq!(
        net.peer.held_packets(),
        0,
        "nothing was held: there was no packet"
    );
    net.run();
    assert_eq!(net.peer.installed_child_sas(), 1);
    assert_eq!(net.hub.installed_child_sas(), 1);
    // The SA covers the whole ACL line, not just the two hosts.
    assert_eq!(
        net.peer
            .initiate(
                net.now,
                Ipv4Addr::new(10, 2, 7, 7),
                Ipv4Addr::new(10, 1, 200, 1)
            )
            .unwrap(),
        Initiated::AlreadyUp
    );
    // The first packet then goes straight into ESP.
    net.ping_from_spoke(1);
    net.run();
    assert_eq!(net.hub_inside.len(), 1);
    // The hub's only entry is dynamic: the SA its peer negotiated covers
    // the spoke's LAN, anything else waits for a peer to come.
    assert_eq!(
        net.hub
            .initiate(
                net.now,
                Ipv4Addr::new(10, 1, 1, 1),
                Ipv4Addr::new(10, 2, 2, 2)
            )
            .unwrap(),
        Initiated::AlreadyUp
    );
    assert!(matches!(
        net.hub.initiate(
            net.now,
            Ipv4Addr::new(10, 1, 1, 1),
            Ipv4Addr::new(10, 3, 3, 3)
        ),
        Err(GatewayError::NotProtected { .. } | GatewayError::CannotInitiate { .. })
    ));
}

/// IOS: a deny line in a crypto map entry's ACL means "not this entry", and
/// the packet is tried against the next entry. Entry 10 (towards another
/// peer) denies the spoke's host, then permits the rest of its LAN; entry
/// 20 covers that host towards the hub.
#[test]
fn a_crypto_acl_deny_hands_the_traffic_to_the_next_map_entry() {
    use ike_policy::{GatewayError, Initiated};
    const OTHER_PEER: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 9);
    let edits = [
        (" set peer 10.48.67.181\n", " set peer 203.0.113.9\n"),
        (
            " match address 100 \n",
            " match address 100 \n\
             crypto map mymap 20 ipsec-isakmp\n\
             \x20set peer 10.48.67.181\n\
             \x20set transform-set myset\n\
             \x20match address 120\n",
        ),
        (
            "access-list 100 permit ip 10.2.0.0 0.0.255.255 10.1.0.0 0.0.255.255 \n",
            "access-list 100 deny ip host 10.2.2.5 10.1.0.0 0.0.255.255\n\
             access-list 100 permit ip 10.2.0.0 0.0.255.255 10.1.0.0 0.0.255.255\n\
             access-list 120 permit ip host 10.2.2.5 10.1.0.0 0.0.255.255\n\
             crypto isakmp key other address 203.0.113.9\n",
        ),
    ];
    let mut spoke_cfg = SPOKE_CFG.to_string();
    for (from, to) in edits {
        assert_eq!(spoke_cfg.matches(from).count(), 1, "{from:?}");
        spoke_cfg = spoke_cfg.replace(from, to);
    }
    captured_logs();
    let mut net = Net::spoke(
        &spoke_cfg,
        options((10500, 14500), None),
        options((10500, 14500), Some(SPOKE)),
    );
    net.ping_from_spoke(1);
    assert_eq!(
        net.peer.held_packets(),
        1,
        "held for IKE, not sent in clear"
    );
    net.run();
    assert!(net.clear.is_empty(), "nothing in clear");
    assert_eq!(net.hub_inside.len(), 1, "{:?}", net.peer.counters());
    assert!(is_echo(&net.hub_inside[0], SPOKE_HOST, HUB_HOST, 8));
    assert_eq!(net.peer.installed_child_sas(), 1);
    assert_eq!(net.hub.installed_child_sas(), 1);
    // The SA is entry 20's line: that one host to the hub's LAN.
    let show = net.peer.show("show crypto ipsec sa", net.now).unwrap();
    assert!(
        show.contains("local ident (addr/mask/prot/port): (10.2.2.5/255.255.255.255/0/0)"),
        "{show}"
    );
    let now = net.now;
    assert_eq!(
        net.peer.initiate(now, SPOKE_HOST, HUB_HOST).unwrap(),
        Initiated::AlreadyUp
    );
    // The rest of the LAN is entry 10's, towards the other peer.
    assert_eq!(
        net.peer
            .initiate(now, Ipv4Addr::new(10, 2, 2, 6), HUB_HOST)
            .unwrap(),
        Initiated::Started(OTHER_PEER)
    );
    assert!(matches!(
        net.peer.initiate(now, Ipv4Addr::new(10, 3, 0, 1), HUB_HOST),
        Err(GatewayError::NotProtected { .. })
    ));
}
