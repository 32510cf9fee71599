//! The seed's hub Gateway against a Cisco-style VPN client: an engine
//! with a StaticPolicy (Aggressive Mode as testgroup, Xauth as gfullage,
//! Mode Config pulled), in memory under a virtual clock. The client has no
//! data plane of its own: the test seals and opens its ESP with esp-core
//! and the keys the client's engine negotiated.

use std::net::Ipv4Addr;

use esp_core::{InboundSa, KeyMaterial, Mode, OutboundSa, SaParams};
use ike_policy::GatewayEvent;
use ike_proto::engine::{Engine, Event};
use ike_proto::policy::{Identity, ModeConfig, TrafficSelector, XauthPassword};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use crate::common;
use common::{ASSIGNED, CLIENT, HUB, HUB_CFG, HUB_HOST, Net, icmp, suite};

/// The Cisco VPN Client: group testgroup / cisco321, user gfullage, Mode
/// Config pulled, everything to 0.0.0.0/0 through the hub.
fn client(password: &[u8]) -> Engine {
    common::vpn_client(password)
}

#[test]
fn a_vpn_client_gets_10_5_5_1_and_reaches_the_hub_lan_over_esp() {
    gets_10_5_5_1_and_reaches_the_hub_lan_over_esp(client(b"gfullage"));
}

/// A Cisco-style client (`client`, user gfullage with the right password)
/// against the seed's hub: the group's Mode Config, Quick Mode for the
/// assigned /32, a ping each way through ESP, the seed's `CX` row, the
/// address back in the pool when it goes. Shared with our Easy VPN Remote's
/// test (`gateway_ezvpn_policy`).
pub fn gets_10_5_5_1_and_reaches_the_hub_lan_over_esp(client: Engine) {
    let mut net = Net::new(client);
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
    let child = net.client_child().expect("client child SA");
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
fn a_wrong_password_never_gets_an_address() {
    never_gets_an_address(client(b"not-gfullage"));
}

/// `client` with a wrong Xauth password: asked three times, refused, no
/// address, no child SA, no IKE SA left on the hub.
pub fn never_gets_an_address(client: Engine) {
    let mut net = Net::new(client);
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

/// The policy questions behind the above, asked of `IosPolicy` directly.
#[test]
fn ios_policy_checks_xauth_against_clientauth_and_allocates_from_ippool() {
    use ike_proto::policy::{Policy, XauthVerdict};
    let config = std::sync::Arc::new(ike_policy::parse(HUB_CFG).unwrap());
    let policy = ike_policy::IosPolicy::new(config);
    let group = Identity::KeyId(b"testgroup".to_vec());
    let profile = policy
        .match_profile(HUB, CLIENT, &group)
        .expect("VPNclient");
    assert_eq!(profile.name, "VPNclient");
    assert!(profile.xauth);
    assert_eq!(profile.mode_config, ModeConfig::Respond);
    let check = |user: &str, pw: &[u8]| {
        policy.check_xauth(
            HUB,
            CLIENT,
            &profile,
            user,
            &XauthPassword::new(pw.to_vec()),
        )
    };
    // `username gfullage password 7 0201024E070A0E2649` is "gfullage".
    assert_eq!(check("gfullage", b"gfullage"), XauthVerdict::Accept);
    assert_eq!(check("gfullage", b"gfullagE"), XauthVerdict::Reject);
    assert_eq!(check("gfullage", b""), XauthVerdict::Reject);
    assert_eq!(check("nobody", b"gfullage"), XauthVerdict::Reject);

    let first = policy
        .mode_config_attributes(HUB, CLIENT, &group, &profile, Some("gfullage"))
        .unwrap();
    assert_eq!(first.address, Some(ASSIGNED));
    assert_eq!(first.domain.as_deref(), Some("cisco.com"));
    assert_eq!(first.dns.len(), 2);
    assert_eq!(first.wins.len(), 2);
    let second = policy
        .mode_config_attributes(HUB, CLIENT, &group, &profile, Some("gfullage"))
        .unwrap();
    assert_eq!(second.address, Some(Ipv4Addr::new(10, 5, 5, 2)));
    assert_eq!(
        policy.pool_in_use("ippool"),
        Some(vec![ASSIGNED, Ipv4Addr::new(10, 5, 5, 2)])
    );
    policy.release_address(ASSIGNED);
    assert_eq!(
        policy.pool_in_use("ippool"),
        Some(vec![Ipv4Addr::new(10, 5, 5, 2)])
    );
    // An identity with no client configuration group gets nothing.
    let other = Identity::KeyId(b"othergroup".to_vec());
    assert!(
        policy
            .mode_config_attributes(HUB, CLIENT, &other, &profile, None)
            .is_none()
    );
}

/// A group member who knows only the group key (every VPN user does),
/// from the victim's public address but another port, as behind one NAT:
/// its INITIAL_CONTACT in AM3 and a protected DELETE naming the victim's
/// SPI leave the victim's SAs alone (before Xauth it has proved nothing
/// but the group key; and its scope is its own address and port).
#[test]
fn a_group_member_without_a_password_cannot_take_down_another_client() {
    use common::raw_peer::RawPeer;
    let mut net = Net::new(client(b"gfullage"));
    net.connect();
    let victim = net.client_child().expect("the victim is up").clone();
    let installed = net.hub.installed_child_sas();
    assert_eq!(installed, 1);
    let mut rng = ChaCha20Rng::seed_from_u64(666);
    let from = std::net::SocketAddrV4::new(CLIENT, 40_000);
    let now = net.now;
    let mut attacker = RawPeer::aggressive(
        &mut net.hub,
        now,
        from,
        b"testgroup",
        b"cisco321",
        true,
        &mut rng,
    )
    .expect("the hub answers a group member");
    // (The hub's Xauth REQUEST to the attacker goes unanswered.)
    let _ = common::raw_peer::answers_to(&mut net.hub, from);
    assert_eq!(
        net.hub.installed_child_sas(),
        installed,
        "INITIAL_CONTACT before Xauth"
    );
    // The SPI the victim receives on, which it would name in its DELETE.
    let delete = attacker.delete_esp(0x1234_5678, &[victim.spi_in]);
    net.hub
        .handle_datagram(net.now, attacker.hub, from, &delete);
    let _ = common::raw_peer::answers_to(&mut net.hub, from);
    assert_eq!(
        net.hub.installed_child_sas(),
        installed,
        "DELETE of its SPI"
    );
    assert_eq!(net.client_child().map(|c| c.spi_in), Some(victim.spi_in));
}
