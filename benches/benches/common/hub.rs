//! The benches' hub with N tunnels: one real negotiation (the hub's
//! dynamic crypto map and a spoke, Main Mode + Quick Mode in memory) gives
//! a child SA; a fresh hub built from the same configuration gets N copies
//! of it, each with its own SPIs, peer address (198.18.0.0/15) and remote
//! selector (a host in 11.0.0.0/8), through `Gateway::install_unnegotiated`
//! (the feature `unnegotiated-sas`). AES-128-GCM, raw ESP.

#![allow(dead_code, reason = "each bench uses its part")]

use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::Instant as WallClock;

use esp_core::KeyMaterial;
use esp_core::wire::{Ipv4Repr, internet_checksum, protocol};
use ike_policy::gateway::Instant;
use ike_policy::{Gateway, GatewayEvent, GatewayOptions, Transmit};
use ike_proto::engine::{ChildSa, ChildSaId, ChildSaKeys, Encapsulation, EspKeys, Event};
use ike_proto::policy::{EspCipher, TrafficSelector};
use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};

pub const SIZE: usize = 1400;
pub const HUB_HOST: Ipv4Addr = Ipv4Addr::new(10, 1, 1, 7);

pub const HUB_CFG: &str = "\
crypto keyring spokes
 pre-shared-key address 0.0.0.0 0.0.0.0 key cisco123
crypto isakmp policy 10
 encr aes
 authentication pre-share
 group 2
crypto isakmp profile L2L
 keyring spokes
 match identity address 0.0.0.0
crypto ipsec transform-set gcm esp-gcm
crypto dynamic-map dynmap 10
 set transform-set gcm
 set isakmp-profile L2L
crypto map mymap 10 ipsec-isakmp dynamic dynmap
interface FastEthernet0/0
 ip address 192.0.2.1 255.255.255.0
 crypto map mymap
";

pub const SPOKE_CFG: &str = "\
crypto isakmp policy 10
 encr aes
 authentication pre-share
 group 2
crypto isakmp key cisco123 address 192.0.2.1
crypto ipsec transform-set gcm esp-gcm
crypto map mymap 10 ipsec-isakmp
 set peer 192.0.2.1
 set transform-set gcm
 match address 100
interface FastEthernet0/0
 ip address 198.51.100.2 255.255.255.0
 crypto map mymap
access-list 100 permit ip 10.2.0.0 0.0.255.255 10.1.0.0 0.0.255.255
";

pub fn now() -> Instant {
    Instant::from_secs(10)
}

pub fn options() -> GatewayOptions {
    GatewayOptions {
        ike_port: 10500,
        natt_port: 14500,
        ..GatewayOptions::default()
    }
}

pub fn packet(src: Ipv4Addr, dst: Ipv4Addr) -> Vec<u8> {
    let mut p = vec![0x5a; SIZE];
    Ipv4Repr {
        src_addr: src,
        dst_addr: dst,
        protocol: protocol::UDP,
        payload_len: (SIZE - 20) as u16,
        ttl: 64,
        ident: 0,
    }
    .emit(&mut p)
    .unwrap();
    p
}

/// The tunnels' template: the hub's child SA from one real negotiation,
/// and keys for its copies. The negotiated keys stay in the hub's SAD
/// (the Gateway passes the event on without them), so the copies get
/// their own, drawn here at the suite's lengths.
pub struct Base {
    pub sa: ChildSa,
    pub keys: ChildSaKeys,
}

impl std::ops::Deref for Base {
    type Target = ChildSa;
    fn deref(&self) -> &ChildSa {
        &self.sa
    }
}

/// The hub's half of one real negotiation, with keys for its copies.
pub fn negotiated_child() -> Base {
    let mut rng = ChaCha20Rng::seed_from_u64(14);
    let mut hub = Gateway::from_ios(HUB_CFG, options(), &mut rng).unwrap();
    let mut spoke = Gateway::from_ios(SPOKE_CFG, options(), &mut rng).unwrap();
    spoke.handle_inside(now(), &packet(Ipv4Addr::new(10, 2, 2, 5), HUB_HOST));
    while carry(&mut spoke, &mut hub) | carry(&mut hub, &mut spoke) {}
    assert!(hub.poll_inside().is_some(), "the tunnel came up");
    while let Some(e) = hub.poll_event() {
        if let GatewayEvent::Engine(Event::ChildSaUp { sa, .. }) = e {
            assert_eq!(sa.cipher, EspCipher::AesGcm16 { key_bits: 128 });
            assert_eq!(sa.encapsulation, Encapsulation::None);
            let mut draw = |len: usize| {
                let mut k = vec![0u8; len];
                rng.fill_bytes(&mut k);
                k
            };
            let integrity = sa.integrity.map_or(0, |i| i.key_len());
            let mut one = || EspKeys::new(draw(sa.cipher.key_len()), draw(integrity));
            let keys = ChildSaKeys::new(one(), one());
            return Base { sa, keys };
        }
    }
    panic!("no child SA came up");
}

/// Carries what `from` sends to `to`; false when there was nothing.
pub fn carry(from: &mut Gateway, to: &mut Gateway) -> bool {
    let mut moved = false;
    while let Some(t) = from.poll_transmit() {
        moved = true;
        match t {
            Transmit::Udp {
                local,
                remote,
                payload,
            } => to.handle_datagram(now(), remote, local, &payload),
            Transmit::Esp { local, payload, .. } => to.handle_esp(now(), local, &payload),
            Transmit::Clear { .. } => unreachable!("protected"),
        }
    }
    moved
}

/// Tunnel `i` (from 1): its copy of the negotiated child SA.
pub fn copy(base: &ChildSa, i: u32) -> ChildSa {
    let mut c = base.clone();
    c.id = ChildSaId(1_000_000 + i);
    c.spi_in = 0x4000_0000 + i;
    c.spi_out = 0x5000_0000 + i;
    c.remote = SocketAddrV4::new(peer(i), base.remote.port());
    c.selectors.remote = TrafficSelector::subnet(host(i), 32);
    c.lifetime.kilobytes = None;
    c
}

pub fn peer(i: u32) -> Ipv4Addr {
    Ipv4Addr::from(0xc612_0000 + i)
}

pub fn host(i: u32) -> Ipv4Addr {
    Ipv4Addr::from(0x0b00_0000 + i)
}

pub fn keys(k: &ike_proto::engine::EspKeys) -> KeyMaterial<'_> {
    KeyMaterial::new(k.encryption.as_bytes(), k.integrity.as_bytes())
}

pub fn hub_with(base: &Base, n: u32) -> Gateway {
    let mut rng = ChaCha20Rng::seed_from_u64(15);
    let mut hub = Gateway::from_ios(HUB_CFG, options(), &mut rng).unwrap();
    #[allow(clippy::disallowed_methods, reason = "the setup's wall time, reported")]
    let start = WallClock::now();
    for i in 1..=n {
        hub.install_unnegotiated(now(), &copy(base, i), &base.keys)
            .unwrap();
        while hub.poll_event().is_some() {}
    }
    eprintln!(
        "gateway bench: {n} tunnels installed in {:.2?}",
        start.elapsed()
    );
    assert_eq!(hub.installed_child_sas(), n as usize);
    hub
}

/// Puts `dst` in the packet's destination and fixes the header checksum.
pub fn set_destination(p: &mut [u8], dst: Ipv4Addr) {
    p[16..20].copy_from_slice(&dst.octets());
    p[10..12].fill(0);
    let sum = internet_checksum(&p[..20]);
    p[10..12].copy_from_slice(&sum.to_be_bytes());
}
