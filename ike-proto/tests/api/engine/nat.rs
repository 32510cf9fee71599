//! NAT traversal: the float to 4500, rebinding, the draft dialects, and the vendor IDs the hub announces.

use super::*;

#[test]
fn nat_traversal_floats_to_4500_and_follows_a_rebinding() {
    let mut pair = seed_pair(dpd_config(), 91);
    pair.nat_a(Ipv4Addr::new(203, 0, 113, 7));
    pair.initiate_a(spoke_selectors());
    pair.run_for(Duration::from_secs(5));
    let (a, b) = one_installed(&pair);
    assert_eq!(
        a.encapsulation,
        Encapsulation::Udp {
            local_port: 4500,
            remote_port: 4500
        }
    );
    let Encapsulation::Udp { remote_port, .. } = b.encapsulation else {
        panic!("hub's SA is not UDP-encapsulated: {:?}", b);
    };
    assert_eq!(b.remote.ip(), &Ipv4Addr::new(203, 0, 113, 7));
    assert_eq!(b.remote.port(), remote_port);
    let ike_a = &pair.a.ike_sas()[0];
    assert!(ike_a.nat.local_behind && !ike_a.nat.peer_behind);
    let ike_b = &pair.b.ike_sas()[0];
    assert!(ike_b.nat.peer_behind && !ike_b.nat.local_behind);
    // MM5 onwards went to 4500 with the non-ESP marker.
    assert!(
        pair.captured
            .iter()
            .any(|c| c.dst.port() == 4500 && c.payload.len() > 4 && c.payload[..4] == [0; 4])
    );

    // Keepalives flow from the NATed side.
    pair.run_for(Duration::from_secs(45));
    assert!(
        pair.captured
            .iter()
            .any(|c| c.from == Side::A && c.payload == [0xff])
    );

    // The NAT forgets the mapping: the spoke's next packets come from a
    // new port and the hub follows instead of dropping the SA.
    let before = pair.b.ike_sas()[0].remote;
    pair.nat_rebind();
    pair.run_for(Duration::from_secs(60));
    let after = pair.b.ike_sas()[0].remote;
    assert_ne!(before, after);
    assert!(
        pair.b_events
            .iter()
            .any(|e| matches!(e, Event::PeerAddressChanged { .. }))
    );
    assert_eq!(pair.b.child_sas()[0].remote, after);
    assert!(
        pair.b_events
            .iter()
            .all(|e| !matches!(e, Event::PeerDead { .. }))
    );
}

#[test]
fn aggressive_mode_behind_a_nat_floats_after_the_second_message() {
    let mut pair = vpn_client_pair(b"cisco123", b"cisco123", 131);
    pair.nat_a(Ipv4Addr::new(203, 0, 113, 9));
    pair.initiate_a(client_selectors());
    pair.run_for(Duration::from_secs(5));
    let (a, b) = one_installed(&pair);
    assert!(matches!(
        a.encapsulation,
        Encapsulation::Udp {
            local_port: 4500,
            ..
        }
    ));
    assert!(matches!(
        b.encapsulation,
        Encapsulation::Udp {
            local_port: 4500,
            ..
        }
    ));
    assert!(pair.b.ike_sas()[0].nat.peer_behind);
}

#[test]
fn an_old_peer_speaking_only_the_nat_t_drafts_gets_them() {
    let old = Config {
        nat_t_rfc3947: false,
        ..Config::default()
    };
    let spoke = engine(
        StaticPolicy::seed(b"cisco123", spoke_lan(), hub_lan()),
        old,
        181,
    );
    let hub = engine(
        StaticPolicy::seed(b"cisco123", hub_lan(), spoke_lan()),
        Config::default(),
        182,
    );
    let mut pair = Pair::new(spoke, SPOKE, hub, HUB, 18);
    pair.nat_a(Ipv4Addr::new(203, 0, 113, 8));
    pair.initiate_a(spoke_selectors());
    pair.run_for(Duration::from_secs(5));
    let (_, b) = one_installed(&pair);
    assert!(matches!(b.encapsulation, Encapsulation::Udp { .. }));
    // NAT-D went under the drafts' payload number 130 (in MM3/MM4, in the clear).
    let nat_d_types: Vec<u8> = pair
        .captured
        .iter()
        .filter_map(|c| match WireDatagram::parse(&c.payload) {
            Ok(WireDatagram::Plain(m)) => Some(
                m.payloads
                    .iter()
                    .map(|p| p.payload_type().get())
                    .collect::<Vec<u8>>(),
            ),
            _ => None,
        })
        .flatten()
        .filter(|t| matches!(t, 20 | 130))
        .collect();
    assert!(
        !nat_d_types.is_empty() && nat_d_types.iter().all(|t| *t == 130),
        "{nat_d_types:?}"
    );
}

/// The vendor IDs in the hub's first answer, in payload order, as hex.
fn responder_vids(pair: &Pair) -> Vec<String> {
    let first = pair
        .captured
        .iter()
        .find(|c| c.from == Side::B)
        .expect("the hub answered");
    let Ok(WireDatagram::Plain(m)) = WireDatagram::parse(&first.payload) else {
        panic!("the hub's first answer is in the clear");
    };
    m.vendor_ids()
        .map(|v| v.data.iter().map(|b| format!("{b:02x}")).collect())
        .collect()
}

/// MM2 and AM2 announce what an IOS hub announces: Cisco Unity, DPD, the
/// one NAT-T dialect chosen (vpnc takes the first NAT-T VID it sees, so a
/// list would downgrade it) and Xauth. The values are the published ones
/// (draft-ietf-ipsec-isakmp-xauth, RFC 3706, RFC 3947, Cisco Unity), not
/// our table's.
#[test]
fn the_hub_announces_unity_xauth_dpd_and_the_chosen_nat_t_dialect() {
    const UNITY: &str = "12f5f28c457168a9702d9fe274cc0100";
    const DPD: &str = "afcad71368a1f1c96b8696fc77570100";
    const RFC3947: &str = "4a131c81070358455c5728f20e95452f";
    const XAUTH: &str = "09002689dfd6b712";
    let mut pair = vpn_client_pair(b"cisco123", b"cisco123", 25);
    pair.initiate_a(client_selectors());
    pair.run_for(Duration::from_secs(5));
    assert_eq!(responder_vids(&pair), [UNITY, DPD, RFC3947, XAUTH]);

    let mut pair = seed_pair(Config::default(), 26);
    pair.initiate_a(spoke_selectors());
    pair.run_for(Duration::from_secs(5));
    assert_eq!(responder_vids(&pair), [UNITY, DPD, RFC3947, XAUTH]);
    assert_eq!(ups(&pair.a_events).len(), 1);
}
