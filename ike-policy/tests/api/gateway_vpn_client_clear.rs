//! `clear crypto sa peer` against a VPN client that answers the hub's
//! Delete with a new Quick Mode on the kept IKE SA, as vpnc does (lab
//! section 5b of examples/interop/run.sh). The new SA carries ESP sealed
//! with its own KEYMAT; ESP sealed with the cleared SA's keys under the new
//! SPI, which is what vpnc sends after that Quick Mode (it never reloads its
//! ESP keys there), fails the ICV check as it does on IOS.

use esp_core::{KeyMaterial, Mode, OutboundSa, SaParams};
use ike_policy::gateway::{ExecStatus, Instant};
use ike_proto::engine::Event;
use ike_proto::policy::{Selectors, TrafficSelector};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use crate::common;
use common::{
    ASSIGNED, CLIENT, HUB, HUB_HOST, KeyCopy, KeyedChild, Net, PORTS, icmp, keyed_child, suite,
};

/// `inner` in ESP under `spi`, sealed with `keys` (a client's outbound keys).
fn seal(spi: u32, keys: &KeyCopy, inner: &[u8], at: Instant) -> Vec<u8> {
    let keys = KeyMaterial::new(keys.encryption.as_bytes(), keys.integrity.as_bytes());
    let params = SaParams::new(spi, suite()).with_mode(Mode::Tunnel);
    let mut out = OutboundSa::new(&params, &keys, at).unwrap();
    let head = out.headroom();
    let mut buf = vec![0u8; head + inner.len() + out.tailroom(inner.len())];
    buf[head..head + inner.len()].copy_from_slice(inner);
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let range = out
        .seal(&mut buf, head..head + inner.len(), 4, &mut rng, at)
        .unwrap();
    buf[range].to_vec()
}

fn last_child_up(net: &Net) -> KeyedChild {
    net.client_events
        .iter()
        .rev()
        .filter(|e| matches!(e, Event::ChildSaUp { .. }))
        .find_map(keyed_child)
        .expect("a child SA came up on the client")
}

#[test]
fn a_vpn_clients_new_quick_mode_after_clear_crypto_sa_carries_esp_with_its_new_keys() {
    let mut net = Net::new(common::vpn_client(b"gfullage"));
    net.connect();
    let old = last_child_up(&net);
    let ike_before = net.hub.engine().ike_sas();
    assert_eq!(ike_before.len(), 1);

    let out = net
        .hub
        .exec(&format!("clear crypto sa peer {CLIENT}"), net.now);
    assert_eq!(out.status, ExecStatus::Ok, "{}", out.text);
    net.run();
    assert_eq!(net.hub.installed_child_sas(), 0);
    assert!(
        net.client.child_sas().is_empty(),
        "the client obeyed the Delete"
    );

    // As vpnc: a new Quick Mode at once, on the IKE SA the hub kept.
    let (l, r) = (net.client_ike(), std::net::SocketAddrV4::new(HUB, PORTS.0));
    let want = Selectors {
        local: TrafficSelector::host(ASSIGNED),
        remote: TrafficSelector::subnet(std::net::Ipv4Addr::UNSPECIFIED, 0),
    };
    net.client.initiate(net.now, l, r, want).unwrap();
    net.run_for(5);
    let new = last_child_up(&net);
    assert_ne!(new.spi_out, old.spi_out);
    let ike_after = net.hub.engine().ike_sas();
    assert_eq!(ike_after.len(), 1);
    assert_eq!(ike_after[0].id, ike_before[0].id, "same IKE SA");
    // The hub's new SA is the client's, direction by direction. Its keys
    // went to the hub's data plane (the ESP below shows the data plane's
    // are the client's).
    let hub_children = net.hub.engine().child_sas();
    assert_eq!(hub_children.len(), 1);
    let hub_child = &hub_children[0];
    assert_eq!(hub_child.spi_in, new.spi_out);
    assert_eq!(hub_child.spi_out, new.spi_in);
    assert_ne!(
        new.keys_out.integrity.as_bytes(),
        old.keys_out.integrity.as_bytes(),
        "fresh nonces, fresh KEYMAT"
    );

    // What vpnc sends: the new SPI, the cleared SA's keys. Dropped.
    let rejected = net.hub.counters().esp_rejected;
    let stale = icmp(ASSIGNED, HUB_HOST, 8, 1);
    let esp = seal(new.spi_out, &old.keys_out, &stale, net.now);
    net.hub.handle_esp(net.now, CLIENT, &esp);
    net.run();
    assert!(net.hub_inside.is_empty());
    assert_eq!(net.hub.counters().esp_rejected, rejected + 1);

    // The new SA's own keys: delivered inside.
    let ping = icmp(ASSIGNED, HUB_HOST, 8, 2);
    let esp = seal(new.spi_out, &new.keys_out, &ping, net.now);
    net.hub.handle_esp(net.now, CLIENT, &esp);
    net.run();
    assert_eq!(net.hub_inside, vec![ping], "{:?}", net.hub.counters());
}
