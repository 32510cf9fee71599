//! A spoke Gateway that the hub Xauths but that holds no credentials: the
//! engine asks (`Event::XauthCredentialsRequest`) and the embedder answers
//! with `Gateway::provide_xauth_credentials`, as a prompt would.

use std::net::Ipv4Addr;

use ike_policy::gateway::Instant;
use ike_policy::{Gateway, GatewayEvent, GatewayOptions};
use ike_proto::engine::{CommandError, Event, IkeSaId};
use ike_proto::policy::XauthPassword;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use crate::common::carry;

const HUB_CFG: &str = "\
username spoke password 0 s3cret
aaa new-model
aaa authentication login clientauth local
crypto keyring spokes
 pre-shared-key address 0.0.0.0 0.0.0.0 key cisco123
crypto isakmp policy 10
 encr 3des
 authentication pre-share
 group 2
crypto isakmp profile L2L
 keyring spokes
 match identity address 0.0.0.0
 client authentication list clientauth
crypto ipsec transform-set myset esp-3des esp-sha-hmac
crypto dynamic-map dynmap 10
 set transform-set myset
 set isakmp-profile L2L
crypto map mymap 10 ipsec-isakmp dynamic dynmap
interface FastEthernet0/0
 ip address 192.0.2.1 255.255.255.0
 crypto map mymap
";

const SPOKE_CFG: &str = "\
aaa new-model
aaa authentication login clientauth local
crypto isakmp policy 10
 encr 3des
 authentication pre-share
 group 2
crypto isakmp key cisco123 address 192.0.2.1
crypto ipsec transform-set myset esp-3des esp-sha-hmac
crypto map mymap client authentication list clientauth
crypto map mymap 10 ipsec-isakmp
 set peer 192.0.2.1
 set transform-set myset
 match address 100
interface FastEthernet0/0
 ip address dhcp
 crypto map mymap
access-list 100 permit ip 10.2.0.0 0.0.255.255 10.1.0.0 0.0.255.255
";

fn events(gw: &mut Gateway) -> Vec<Event> {
    std::iter::from_fn(|| gw.poll_event())
        .filter_map(|e| match e {
            GatewayEvent::Engine(e) => Some(e),
            _ => None,
        })
        .collect()
}

#[test]
fn the_embedder_answers_the_hubs_xauth_request_for_the_spoke() {
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let opts = GatewayOptions {
        ike_port: 10500,
        natt_port: 14500,
        ..GatewayOptions::default()
    };
    let mut hub = Gateway::from_ios(HUB_CFG, opts.clone(), &mut rng).unwrap();
    let spoke_opts = GatewayOptions {
        outside_addr: Some(Ipv4Addr::new(198, 51, 100, 2)),
        ..opts
    };
    let mut spoke = Gateway::from_ios(SPOKE_CFG, spoke_opts, &mut rng).unwrap();
    let now = Instant::from_secs(10);
    spoke
        .initiate(now, Ipv4Addr::new(10, 2, 2, 5), Ipv4Addr::new(10, 1, 1, 7))
        .unwrap();
    while carry(&mut spoke, &mut hub, now) | carry(&mut hub, &mut spoke, now) {}

    let ike_sa = events(&mut spoke)
        .iter()
        .find_map(|e| match e {
            Event::XauthCredentialsRequest { ike_sa, remote } => {
                assert_eq!(*remote.ip(), Ipv4Addr::new(192, 0, 2, 1));
                Some(*ike_sa)
            }
            _ => None,
        })
        .expect("the spoke asks its embedder");
    assert_eq!(spoke.installed_child_sas(), 0, "phase 2 waits for Xauth");
    // Not a server: the spoke never waits for a verdict.
    assert_eq!(
        spoke.xauth_verdict(now, ike_sa, true),
        Err(CommandError::NoXauthPending)
    );

    spoke
        .provide_xauth_credentials(now, ike_sa, "spoke", XauthPassword::new(b"s3cret".to_vec()))
        .unwrap();
    // The REPLY was drained into the spoke's queue by the command itself.
    while carry(&mut spoke, &mut hub, now) | carry(&mut hub, &mut spoke, now) {}

    let hub_events = events(&mut hub);
    assert!(
        hub_events.iter().any(|e| matches!(
            e,
            Event::XauthDone { ok: true, user, .. } if user == "spoke"
        )),
        "{hub_events:#?}"
    );
    assert!(
        events(&mut spoke)
            .iter()
            .any(|e| matches!(e, Event::XauthDone { ok: true, .. }))
    );
    assert_eq!(spoke.installed_child_sas(), 1);
    assert_eq!(hub.installed_child_sas(), 1);
    assert_eq!(
        spoke.provide_xauth_credentials(now, ike_sa, "spoke", XauthPassword::new(b"x".to_vec())),
        Err(CommandError::NoXauthPending)
    );
    assert_eq!(
        spoke.provide_xauth_credentials(now, IkeSaId(999), "spoke", XauthPassword::new(vec![])),
        Err(CommandError::UnknownSa)
    );
}
