//! `Gateway::exec`: the seed's hub and spoke in memory, driven through
//! IOS exec commands as an operator would.

use std::net::Ipv4Addr;

use ike_policy::gateway::{ExecAction, ExecStatus, Instant};
use ike_policy::{Gateway, GatewayEvent, GatewayOptions, Transmit};
use ike_proto::engine::Event;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use crate::common::{HUB_CFG, SPOKE_CFG, carry, udp_packet};

const HUB: Ipv4Addr = Ipv4Addr::new(10, 48, 67, 181);
const SPOKE: Ipv4Addr = Ipv4Addr::new(10, 100, 2, 102);

struct Net {
    hub: Gateway,
    spoke: Gateway,
    now: Instant,
    /// Engine events seen on the hub.
    hub_events: Vec<Event>,
}

impl Net {
    fn new() -> Self {
        let mut rng = ChaCha20Rng::seed_from_u64(12);
        let hub = Gateway::from_ios(HUB_CFG, GatewayOptions::default(), &mut rng).unwrap();
        let spoke = Gateway::from_ios(
            SPOKE_CFG,
            GatewayOptions {
                outside_addr: Some(SPOKE),
                ..GatewayOptions::default()
            },
            &mut rng,
        )
        .unwrap();
        Self {
            hub,
            spoke,
            now: Instant::from_secs(100),
            hub_events: Vec::new(),
        }
    }

    fn run(&mut self) {
        let now = self.now;
        while carry(&mut self.spoke, &mut self.hub, now)
            | carry(&mut self.hub, &mut self.spoke, now)
        {}
        while let Some(e) = self.hub.poll_event() {
            if let GatewayEvent::Engine(e) = e {
                self.hub_events.push(e);
            }
        }
        while self.spoke.poll_event().is_some() {}
    }

    fn ping(&mut self) {
        self.spoke
            .handle_inside(self.now, &udp_packet([10, 2, 2, 5], [10, 1, 1, 7]));
        self.run();
        while self.hub.poll_inside().is_some() {}
    }

    fn hub_exec(&mut self, line: &str) -> String {
        let out = self.hub.exec(line, self.now);
        assert_eq!(out.status, ExecStatus::Ok, "{line}: {}", out.text);
        self.run();
        out.text
    }
}

#[test]
fn show_commands_render_the_live_state_with_abbreviations() {
    let mut net = Net::new();
    net.ping();
    assert_eq!(net.hub.installed_child_sas(), 1);

    let isakmp = net.hub_exec("sh cry isa sa");
    assert!(
        isakmp.contains(&format!("{HUB}")) && isakmp.contains("QM_IDLE"),
        "{isakmp}"
    );
    let detail = net.hub_exec("show crypto isakmp sa detail");
    assert!(detail.contains("C-id  Local"), "{detail}");

    let policy = net.hub_exec("sh cry isakmp pol");
    assert!(
        policy.contains("Protection suite of priority 10\n"),
        "{policy}"
    );
    assert!(policy.contains("encryption algorithm:   Three key triple DES\n"));
    assert!(policy.contains("Diffie-Hellman group:   #2 (1024 bit)\n"));
    assert!(policy.contains("Default protection suite\n"));

    let ts = net.hub_exec("sh cry ipsec transform-set");
    assert_eq!(
        ts,
        "Transform set myset: { esp-3des esp-sha-hmac  }\n   will negotiate = { Tunnel,  },\n\n"
    );

    let dynmap = net.hub_exec("show crypto dynamic-map");
    assert!(
        dynmap.contains("Crypto Map Template\"dynmap\" 5\n"),
        "{dynmap}"
    );
    assert!(
        dynmap.contains("Crypto Map Template\"dynmap\" 10\n"),
        "{dynmap}"
    );
    assert!(dynmap.contains("ISAKMP Profile: L2L"), "{dynmap}");
    let one = net.hub_exec("show crypto dynamic-map tag dynmap");
    assert_eq!(one, dynmap);
    assert_eq!(net.hub_exec("show crypto dynamic-map tag other"), "");

    let map = net.hub_exec("sh cry map");
    assert!(
        map.contains("Crypto Map \"mymap\" 10 ipsec-isakmp"),
        "{map}"
    );

    let sa = net.hub_exec(&format!("sh cry ips sa peer {SPOKE}"));
    assert!(
        sa.contains("#pkts decaps: 1, #pkts decrypt: 1, #pkts verify 1"),
        "{sa}"
    );
    let sa_detail = net.hub_exec("sh cry ips sa det");
    assert!(
        sa_detail.contains("#pkts invalid prot (recv) 0, #pkts verify failed: 0\n"),
        "{sa_detail}"
    );
    assert!(sa_detail.contains("##pkts replay failed (rcv): 0\n"));
    assert!(!sa.contains("##pkts replay failed"));
    assert!(
        net.hub_exec("sh cry ips sa map mymap")
            .contains("interface: FastEthernet0/0")
    );

    let session = net.hub_exec("show crypto session");
    assert!(
        session.starts_with("Crypto session current status\n\n"),
        "{session}"
    );
    assert!(session.contains("Session status: UP-ACTIVE\n"), "{session}");
    assert!(
        session.contains(&format!("Peer: {SPOKE} port 500\n")),
        "{session}"
    );
    assert!(
        session.contains("  IPSEC FLOW: permit ip 10.1.0.0/255.255.0.0 10.2.0.0/255.255.0.0\n"),
        "{session}"
    );
    assert!(session.contains("        Active SAs: 2, origin: dynamic crypto map\n"));
    let sd = net.hub_exec("show crypto session detail");
    assert!(sd.contains(&format!("      Phase1_id: {SPOKE}\n")), "{sd}");
    assert!(
        sd.contains("        Inbound:  #pkts dec'ed 1 drop 0 life (KB/Sec) "),
        "{sd}"
    );
    // The spoke sees the static entry.
    let s = net.spoke.exec("sh cry sess", net.now);
    assert!(s.text.contains("origin: crypto map\n"), "{}", s.text);

    // Pipes.
    let inc = net.hub_exec("sh cry ips sa | include pkts encaps");
    assert_eq!(inc.lines().count(), 1, "{inc}");
    assert!(inc.starts_with("#pkts encaps: "));
    let beg = net.hub_exec("sh cry ips sa | begin inbound esp");
    assert!(beg.starts_with("inbound esp sas:\n"), "{beg}");
    let exc = net.hub_exec("sh cry ips sa | exclude #pkts");
    assert!(!exc.contains("#pkts") && exc.contains("current_peer"));
}

#[test]
fn json_for_monitoring_parses_and_matches_the_sas() {
    let mut net = Net::new();
    net.ping();
    let v: serde_json::Value = serde_json::from_str(&net.hub.status_json(net.now)).unwrap();
    assert_eq!(v["hostname"], "Hub");
    assert_eq!(v["outside_address"], HUB.to_string());
    assert_eq!(v["counters"]["delivered"], 1);
    assert_eq!(v["isakmp_sa"][0]["state"], "QM_IDLE");
    assert_eq!(v["isakmp_sa"][0]["remote"], format!("{SPOKE}:500"));
    let child = net.hub.engine().child_sas()[0].clone();
    assert_eq!(v["ipsec_sa"][0]["spi_in"], child.spi_in);
    assert_eq!(v["ipsec_sa"][0]["spi_out"], child.spi_out);
    assert_eq!(v["ipsec_sa"][0]["decaps"], 1);
    assert_eq!(v["ipsec_sa"][0]["local"]["start"], "10.1.0.0");

    let isa: serde_json::Value =
        serde_json::from_str(&net.hub_exec("sh cry isa sa | json")).unwrap();
    assert_eq!(isa["isakmp_sa"], v["isakmp_sa"]);
    let ips: serde_json::Value = serde_json::from_str(&net.hub_exec("sh cry ips sa | j")).unwrap();
    assert_eq!(ips["ipsec_sa"], v["ipsec_sa"]);
}

#[test]
fn clear_crypto_sa_keeps_the_ike_sa_and_the_next_quick_mode_reuses_it() {
    let mut net = Net::new();
    net.ping();
    let ike_before = net.hub.engine().ike_sas();
    assert_eq!(ike_before.len(), 1);
    let spi_before = net.hub.engine().child_sas()[0].spi_in;

    assert_eq!(net.hub_exec(&format!("clear crypto sa peer {SPOKE}")), "");
    assert_eq!(net.hub.installed_child_sas(), 0);
    assert_eq!(
        net.spoke.installed_child_sas(),
        0,
        "the spoke obeyed the Delete"
    );
    // The IKE SA stays on both sides, as on IOS.
    assert_eq!(net.hub.engine().ike_sas().len(), 1);
    assert_eq!(net.spoke.engine().ike_sas().len(), 1);
    assert!(
        net.hub_events
            .iter()
            .any(|e| matches!(e, Event::ChildSaDown { .. }))
    );
    assert!(
        !net.hub_events
            .iter()
            .any(|e| matches!(e, Event::IkeSaDown { .. }))
    );

    // The next packet needs a Quick Mode only: same IKE SA, new SPIs.
    net.ping();
    assert_eq!(net.hub.installed_child_sas(), 1);
    let ike_after = net.hub.engine().ike_sas();
    assert_eq!(ike_after.len(), 1);
    assert_eq!(ike_after[0].id, ike_before[0].id);
    assert_ne!(net.hub.engine().child_sas()[0].spi_in, spi_before);

    // `clear crypto sa` and `... map M` clear everything on the map.
    net.hub_exec("clear crypto sa map mymap");
    assert_eq!(net.hub.installed_child_sas(), 0);
    net.ping();
    net.hub_exec("clear crypto sa");
    assert_eq!(net.hub.installed_child_sas(), 0);
    assert_eq!(net.hub.engine().ike_sas().len(), 1);
}

#[test]
fn clear_crypto_isakmp_deletes_ike_sas_only() {
    let mut net = Net::new();
    net.ping();
    let id = net.hub.engine().ike_sas()[0].id.0;
    let bad = net
        .hub
        .exec(&format!("clear crypto isakmp {}", id + 100), net.now);
    assert_eq!(bad.status, ExecStatus::Failed);
    assert_eq!(bad.text, format!("% No ISAKMP SA with C-id {}\n", id + 100));
    assert_eq!(net.hub_exec(&format!("clear crypto isakmp {id}")), "");
    // The SA with that C-id is gone on both sides (the spoke, whose
    // IPsec SAs stay, brings up a new phase 1 at once).
    assert!(net.hub.engine().ike_sas().iter().all(|i| i.id.0 != id));
    assert!(
        net.hub_events
            .iter()
            .any(|e| matches!(e, Event::IkeSaDown { ike_sa, .. } if ike_sa.0 == id))
    );
    // IKEv1: the IPsec SAs stay.
    assert_eq!(net.hub.installed_child_sas(), 1);
    assert_eq!(net.spoke.installed_child_sas(), 1);

    // clear crypto session: the rest goes too.
    net.hub_exec("clear crypto session");
    assert_eq!(net.hub.installed_child_sas(), 0);
    assert!(net.hub.engine().ike_sa_rows().is_empty());
}

#[test]
fn debug_switches_gate_the_log_lines_and_show_debugging_lists_them() {
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let opts = GatewayOptions {
        log_events: true,
        ..GatewayOptions::default()
    };
    let mut hub = Gateway::from_ios(HUB_CFG, opts.clone(), &mut rng).unwrap();
    let mut spoke = Gateway::from_ios(
        SPOKE_CFG,
        GatewayOptions {
            outside_addr: Some(SPOKE),
            ..opts
        },
        &mut rng,
    )
    .unwrap();
    let now = Instant::from_secs(5);
    let out = hub.exec("show debugging", now);
    assert_eq!(
        out.text,
        "Cryptographic Subsystem:\n  Crypto ISAKMP debugging is on\n  Crypto IPSEC debugging is on\n"
    );
    assert_eq!(
        hub.exec("undebug all", now).text,
        "All possible debugging has been turned off\n"
    );
    assert_eq!(hub.exec("show debugging", now).text, "");
    let logs = |g: &mut Gateway| {
        std::iter::from_fn(|| g.poll_event())
            .filter(|e| matches!(e, GatewayEvent::Engine(Event::Log(_))))
            .count()
    };
    spoke.handle_inside(now, &udp_packet([10, 2, 2, 5], [10, 1, 1, 7]));
    while carry(&mut spoke, &mut hub, now) | carry(&mut hub, &mut spoke, now) {}
    assert_eq!(hub.installed_child_sas(), 1);
    assert_eq!(logs(&mut hub), 0, "undebug all: no ISAKMP lines");
    assert!(logs(&mut spoke) > 10, "the spoke kept its debugging");

    assert_eq!(
        hub.exec("deb cry isa", now).text,
        "Crypto ISAKMP debugging is on\n"
    );
    assert_eq!(
        hub.exec("show debugging", now).text,
        "Cryptographic Subsystem:\n  Crypto ISAKMP debugging is on\n"
    );
    hub.exec("clear crypto isakmp", now);
    while carry(&mut spoke, &mut hub, now) | carry(&mut hub, &mut spoke, now) {}
    assert!(logs(&mut hub) > 0, "debug crypto isakmp: lines again");
    assert!(!hub.debugging().ipsec);
}

#[test]
fn bad_input_gets_the_ios_error_text() {
    let mut net = Net::new();
    let out = net.hub.exec("show crypto isakmp foo", net.now);
    assert_eq!(out.status, ExecStatus::InvalidInput { column: 19 });
    assert_eq!(
        out.text,
        "                   ^\n% Invalid input detected at '^' marker.\n"
    );
    assert_eq!(out.exit_code(), 2);
    let out = net.hub.exec("sh c i s", net.now);
    assert_eq!(out.status, ExecStatus::Ambiguous);
    assert_eq!(out.text, "% Ambiguous command:  \"sh c i s\"\n");
    let out = net.hub.exec("show crypto ipsec", net.now);
    assert_eq!(out.status, ExecStatus::Incomplete);
    assert_eq!(out.text, "% Incomplete command.\n");
    assert!(net.hub.exec("", net.now).is_ok());
    assert!(net.hub.show("show crypto isakmp foo", net.now).is_err());
    assert!(net.hub.show("clear crypto sa", net.now).is_err());
}

#[test]
fn commands_that_leave_work_to_the_embedder() {
    let mut net = Net::new();
    let out = net.hub.exec("configure replace /etc/hub.cfg", net.now);
    assert_eq!(
        out.action,
        Some(ExecAction::ConfigureReplace("/etc/hub.cfg".into()))
    );
    let out = net.hub.exec("crypto ipsec client ezvpn connect", net.now);
    assert_eq!(out.status, ExecStatus::Failed);
    assert!(out.text.starts_with("% "), "{}", out.text);
    let out = net.hub.exec("crypto ipsec client ezvpn xauth", net.now);
    assert_eq!(out.status, ExecStatus::Failed);
    assert_eq!(out.text, "% No Xauth request is pending\n");
}

#[test]
fn shutdown_sends_a_delete_for_every_sa() {
    let mut net = Net::new();
    net.ping();
    let spi_in = net.hub.engine().child_sas()[0].spi_in;
    assert_eq!(net.hub.shutdown(net.now), (1, 1));
    assert_eq!(net.hub.installed_child_sas(), 0);
    assert!(net.hub.engine().ike_sa_rows().is_empty());
    let sent: Vec<Transmit> = std::iter::from_fn(|| net.hub.poll_transmit()).collect();
    assert_eq!(sent.len(), 2, "one INFORMATIONAL per Delete: {sent:?}");
    for t in sent {
        let Transmit::Udp {
            local,
            remote,
            payload,
        } = t
        else {
            panic!("IKE goes in UDP");
        };
        net.spoke.handle_datagram(net.now, remote, local, &payload);
    }
    // The spoke obeyed both: its IPsec SA (our inbound SPI is its
    // outbound one) and its IKE SA are gone.
    assert_eq!(net.spoke.installed_child_sas(), 0);
    assert!(net.spoke.engine().ike_sas().is_empty());
    assert!(
        std::iter::from_fn(|| net.spoke.poll_event())
            .any(|e| matches!(e, GatewayEvent::Engine(Event::ChildSaDown { .. }))),
        "spi {spi_in:08x}"
    );
}

#[test]
fn a_spoke_whose_address_changes_renegotiates_from_the_new_one() {
    let mut net = Net::new();
    net.ping();
    let old_spi = net.hub.engine().child_sas()[0].spi_in;
    let moved = Ipv4Addr::new(10, 100, 2, 150);
    assert!(net.spoke.set_outside_address(net.now, moved));
    assert!(!net.spoke.set_outside_address(net.now, moved), "no change");
    assert_eq!(net.spoke.outside_addr(), moved);
    assert_eq!(net.spoke.ike_endpoint().ip(), &moved);
    // The Deletes (from the old address) reach the hub.
    net.run();
    assert_eq!(net.hub.installed_child_sas(), 0);
    assert!(net.hub.engine().ike_sas().is_empty());
    // The next packet negotiates from the new address.
    net.ping();
    assert_eq!(net.hub.installed_child_sas(), 1);
    let ike = net.hub.engine().ike_sas();
    assert_eq!(ike.len(), 1);
    assert_eq!(ike[0].remote.ip(), &moved);
    assert_ne!(net.hub.engine().child_sas()[0].spi_in, old_spi);
    let sa = net.hub_exec(&format!("sh cry ips sa peer {moved}"));
    assert!(sa.contains("#pkts decaps: 1,"), "{sa}");
}

/// IOS's C-ids count IKE SAs alone: the first phase 1's child SAs do not
/// use up numbers, so the next phase 1 is C-id 2 (the seed's client row);
/// the crypto engine's ESP conn ids of the first pair are 2002 and 2003,
/// flows 3 and 4, as in the seed's `show crypto ipsec sa`.
#[test]
fn c_ids_count_ike_sas_only_as_ios_does() {
    let mut net = Net::new();
    net.ping();
    let ids =
        |net: &Net| -> Vec<u32> { net.hub.engine().ike_sas().iter().map(|i| i.id.0).collect() };
    assert_eq!(ids(&net), [1]);
    let ipsec = net.hub_exec("show crypto ipsec sa");
    assert!(
        ipsec.contains("conn id: 2002, flow_id: 3,")
            && ipsec.contains("conn id: 2003, flow_id: 4,"),
        "{ipsec}"
    );
    net.hub_exec("clear crypto isakmp 1");
    net.ping();
    assert_eq!(ids(&net), [2]);
    let table = net.hub_exec("show crypto isakmp sa detail");
    assert!(table.lines().any(|l| l.starts_with("2 ")), "{table}");
}

/// `show crypto isakmp sa` lists a Main Mode still in progress with IOS's
/// state names, step by step, on both sides: the spoke sent MM1 (spoke
/// MM_NO_STATE), the hub answered with MM2 (hub MM_SA_SETUP, then the
/// spoke too), the spoke's MM3 reaches the hub (hub MM_KEY_EXCH); then
/// everything flows and both show QM_IDLE.
#[test]
fn show_crypto_isakmp_sa_lists_a_main_mode_in_progress_with_its_ios_state() {
    let mut net = Net::new();
    let now = net.now;
    let row = |text: &str, state: &str| {
        text.lines().any(|l| {
            l.contains(&HUB.to_string()) && l.contains(&SPOKE.to_string()) && l.contains(state)
        })
    };
    // One datagram at a time from `from` to `to`.
    let step = |from: &mut Gateway, to: &mut Gateway| match from.poll_transmit() {
        Some(Transmit::Udp {
            local,
            remote,
            payload,
        }) => to.handle_datagram(now, remote, local, &payload),
        other => panic!("expected one IKE datagram, got {other:?}"),
    };
    net.spoke
        .handle_inside(now, &udp_packet([10, 2, 2, 5], [10, 1, 1, 7]));
    let spoke = net.spoke.exec("show crypto isakmp sa", now).text;
    assert!(row(&spoke, "MM_NO_STATE"), "{spoke}");
    step(&mut net.spoke, &mut net.hub); // MM1
    let hub = net.hub.exec("show crypto isakmp sa", now).text;
    assert!(row(&hub, "MM_SA_SETUP"), "{hub}");
    step(&mut net.hub, &mut net.spoke); // MM2
    let spoke = net.spoke.exec("show crypto isakmp sa", now).text;
    assert!(row(&spoke, "MM_SA_SETUP"), "{spoke}");
    step(&mut net.spoke, &mut net.hub); // MM3
    let hub = net.hub.exec("show crypto isakmp sa", now).text;
    assert!(row(&hub, "MM_KEY_EXCH"), "{hub}");
    net.run();
    let hub = net.hub_exec("show crypto isakmp sa");
    assert!(row(&hub, "QM_IDLE"), "{hub}");
}
