//! The seed's hub Gateway against our own Easy VPN Remote: an engine run by
//! `IosPolicy` over `crypto ipsec client ezvpn` (Aggressive Mode as
//! testgroup with the IOS client's XAUTHInitPreShared proposals, Xauth as
//! gfullage from `username ... password`, Mode Config pulled), in memory
//! under a virtual clock. The client has no
//! data plane of its own: the test seals and opens its ESP with esp-core
//! and the keys the client's engine negotiated.

use std::net::Ipv4Addr;

use esp_core::{InboundSa, KeyMaterial, Mode, OutboundSa, SaParams};
use ike_policy::GatewayEvent;
use ike_policy::IosPolicy;
use ike_proto::engine::{Config, Engine, Event};
use ike_proto::policy::{Selectors, TrafficSelector};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use std::sync::Arc;

use crate::common;
use common::{ASSIGNED, CLIENT, HUB, HUB_HOST, Net, PORTS, icmp, suite};

/// The Easy VPN Remote's configuration: group testgroup / cisco321, user
/// gfullage, client mode, towards the hub.
fn client_cfg(password: &str) -> String {
    format!(
        "hostname Remote
crypto ipsec client ezvpn hubvpn
 connect auto
 group testgroup key cisco321
 mode client
 peer {HUB}
 username gfullage password {password}
!
interface Ethernet0
 ip address {CLIENT} 255.255.255.0
 crypto ipsec client ezvpn hubvpn
!
interface Ethernet1
 ip address 192.168.1.1 255.255.255.0
 crypto ipsec client ezvpn hubvpn inside
"
    )
}

/// An engine run by `IosPolicy` over the Easy VPN Remote configuration.
fn client(password: &[u8]) -> Engine {
    let text = client_cfg(std::str::from_utf8(password).unwrap());
    let policy = IosPolicy::new(Arc::new(ike_policy::parse(&text).unwrap()));
    let config = Config {
        ike_port: PORTS.0,
        natt_port: PORTS.1,
        peer_ike_port: PORTS.0,
        peer_natt_port: PORTS.1,
        ..Config::default()
    };
    Engine::new(
        config,
        Box::new(policy),
        Box::new(ChaCha20Rng::seed_from_u64(77)),
    )
}

#[test]
fn an_ezvpn_client_gets_10_5_5_1_and_reaches_the_hub_lan_over_esp() {
    let mut net = Net::new(client(b"gfullage"));
    net.connect();

    // Mode Config: the seed's group testgroup, as the client received it.
    let cfg = net
        .client_events
        .iter()
        .find_map(|e| match e {
            Event::ConfigAssigned { attributes, .. } => Some((**attributes).clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("{:#?}\n{:#?}", net.client_events, net.hub_events));
    assert_eq!(cfg.address, Some(ASSIGNED));
    assert_eq!(
        cfg.dns,
        vec![Ipv4Addr::new(1, 1, 1, 1), Ipv4Addr::new(2, 2, 2, 2)]
    );
    assert_eq!(
        cfg.wins,
        vec![Ipv4Addr::new(3, 3, 3, 3), Ipv4Addr::new(4, 4, 4, 4)]
    );
    assert_eq!(cfg.domain.as_deref(), Some("cisco.com"));
    // What is left of the hub's 86400 s phase 1.
    assert!(
        cfg.address_expiry
            .is_some_and(|e| e <= 86_400 && e > 86_000)
    );
    assert_eq!(net.hub_assigned(), vec![ASSIGNED]);

    // Quick Mode for the assigned /32, installed on the hub.
    let child = net.client_child().expect("client child SA").clone();
    assert_eq!(child.selectors.local, TrafficSelector::host(ASSIGNED));
    assert!(
        net.hub_events
            .iter()
            .any(|e| matches!(e, GatewayEvent::SaInstalled { .. })),
        "{:#?}",
        net.hub_events
    );

    // The client's ping to the hub's LAN, sealed with its outbound SA.
    let at = net.now;
    let keys = KeyMaterial::new(
        child.keys_out.encryption.as_bytes(),
        child.keys_out.integrity.as_bytes(),
    );
    let params = SaParams::new(child.spi_out, suite()).with_mode(Mode::Tunnel);
    let mut out = OutboundSa::new(&params, &keys, at).unwrap();
    let ping = icmp(ASSIGNED, HUB_HOST, 8, 1);
    let head = out.headroom();
    let mut buf = vec![0u8; head + ping.len() + out.tailroom(ping.len())];
    buf[head..head + ping.len()].copy_from_slice(&ping);
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let range = out
        .seal(&mut buf, head..head + ping.len(), 4, &mut rng, at)
        .unwrap();
    net.hub.handle_esp(net.now, CLIENT, &buf[range]);
    net.run();
    assert_eq!(net.hub_inside, vec![ping], "{:?}", net.hub.counters());

    // The reply goes back to 10.5.5.1 through the client's SA.
    let pong = icmp(HUB_HOST, ASSIGNED, 0, 1);
    net.hub.handle_inside(net.now, &pong);
    net.run();
    assert_eq!(net.to_client_esp.len(), 1);
    let keys_in = KeyMaterial::new(
        child.keys_in.encryption.as_bytes(),
        child.keys_in.integrity.as_bytes(),
    );
    let params = SaParams::new(child.spi_in, suite()).with_mode(Mode::Tunnel);
    let mut inbound = InboundSa::new(&params, &keys_in, at).unwrap();
    let mut esp = net.to_client_esp[0].clone();
    let opened = inbound.open(&mut esp, at).unwrap();
    assert_eq!(&esp[opened.inner], &pong[..]);

    // The IKE SA row as the seed shows it: Cap. CX from live state.
    let show = net
        .hub
        .show("show crypto isakmp sa detail", net.now)
        .unwrap();
    let row = show
        .lines()
        .find(|l| l.contains(&CLIENT.to_string()))
        .unwrap_or_else(|| panic!("{show}"));
    assert!(row.trim_end().ends_with("CX"), "{show}");
    assert!(row.contains("3des sha"), "{show}");

    // The client goes: its address goes back to ippool.
    let id = net.client.ike_sas()[0].id;
    let now = net.now;
    net.client.delete_ike_sa(now, id).unwrap();
    net.run();
    assert!(net.hub.engine().ike_sas().is_empty());
    // Back in the pool: the client connecting again gets the first
    // address again, not 10.5.5.2.
    net.connect();
    assert_eq!(net.hub_assigned(), vec![ASSIGNED, ASSIGNED]);
}

#[test]
fn an_ezvpn_client_with_a_wrong_password_never_gets_an_address() {
    let mut net = Net::new(client(b"not-gfullage"));
    net.connect();
    net.run_for(30);
    assert!(net.hub_assigned().is_empty());
    assert!(net.client_child().is_none());
    assert!(net.hub.engine().ike_sas().is_empty());
    let fails = net
        .hub_events
        .iter()
        .filter(|e| matches!(e, GatewayEvent::Engine(Event::XauthDone { ok: false, .. })))
        .count();
    assert_eq!(fails, 3);
}

/// The policy questions behind the above, asked of the client's
/// `IosPolicy` directly.
#[test]
fn ezvpn_policy_answers_as_the_ios_client_does() {
    use ike_proto::policy::{AuthMethod, Identity, ModeConfig, Phase1Mode, Policy};
    let policy = IosPolicy::new(Arc::new(
        ike_policy::parse(&client_cfg("gfullage")).unwrap(),
    ));
    assert_eq!(policy.ezvpn().map(|e| e.name.as_str()), Some("hubvpn"));
    let p1 = policy
        .initiator_phase1(CLIENT, HUB)
        .expect("towards the hub");
    assert_eq!(p1.mode, Phase1Mode::Aggressive);
    assert_eq!(p1.identity, Some(Identity::KeyId(b"testgroup".to_vec())));
    assert!(
        p1.proposals
            .iter()
            .all(|p| p.auth == AuthMethod::XauthInitPreShared && p.group.0 == 2)
    );
    assert_eq!(
        policy
            .preshared_key_for_address(CLIENT, HUB)
            .map(|k| k.as_bytes().to_vec()),
        Some(b"cisco321".to_vec())
    );
    let creds = policy.xauth_credentials(CLIENT, HUB).unwrap();
    assert_eq!(creds.user, "gfullage");
    assert_eq!(creds.password.as_bytes(), b"gfullage");
    let profile = policy
        .match_profile(CLIENT, HUB, &Identity::Ipv4(HUB))
        .unwrap();
    assert!(profile.xauth);
    assert_eq!(profile.mode_config, ModeConfig::Respond);
    let want = Selectors {
        local: TrafficSelector::host(ASSIGNED),
        remote: TrafficSelector::host(HUB_HOST),
    };
    let offer = policy.initiator_phase2(CLIENT, HUB, &want).unwrap();
    assert_eq!(offer.selectors.local, TrafficSelector::host(ASSIGNED));
    assert_eq!(
        offer.selectors.remote,
        TrafficSelector::subnet(Ipv4Addr::UNSPECIFIED, 0)
    );
    // Not one of its peers: no ezvpn answer (and this router has no crypto
    // map to offer either).
    let other = Ipv4Addr::new(203, 0, 113, 9);
    assert!(policy.initiator_phase1(CLIENT, other).is_none());
    assert!(policy.xauth_credentials(CLIENT, other).is_none());
    assert!(policy.initiator_phase2(CLIENT, other, &want).is_none());
}
