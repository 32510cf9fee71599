//! The seed's hub Gateway against our own Easy VPN Remote: an engine run by
//! `IosPolicy` over `crypto ipsec client ezvpn` (Aggressive Mode as
//! testgroup with the IOS client's XAUTHInitPreShared proposals, Xauth as
//! gfullage from `username ... password`, Mode Config pulled), in memory
//! under a virtual clock. The client has no
//! data plane of its own: the test seals and opens its ESP with esp-core
//! and the keys the client's engine negotiated.

use std::net::Ipv4Addr;

use ike_policy::IosPolicy;
use ike_proto::engine::{Config, Engine};
use ike_proto::policy::{Selectors, TrafficSelector};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use std::sync::Arc;

use crate::common;
use crate::gateway_vpn_client;
use common::{ASSIGNED, CLIENT, HUB, HUB_HOST, PORTS};

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
    gateway_vpn_client::gets_10_5_5_1_and_reaches_the_hub_lan_over_esp(client(b"gfullage"));
}

#[test]
fn an_ezvpn_client_with_a_wrong_password_never_gets_an_address() {
    gateway_vpn_client::never_gets_an_address(client(b"not-gfullage"));
}

/// The policy questions behind the above, asked of the client's
/// `IosPolicy` directly.
#[test]
fn ezvpn_policy_answers_as_the_ios_client_does() {
    use ike_proto::policy::{AuthMethod, DhGroup, Identity, ModeConfig, Phase1Mode, Policy};
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
            .all(|p| p.auth == AuthMethod::XauthInitPreShared && p.group == DhGroup::Modp1024)
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
