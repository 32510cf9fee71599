//! Addresses taken from the router's IOS configuration: the inside LAN and
//! the outside interface.

use std::net::Ipv4Addr;

use ike_policy::Config;
use ike_policy::model::{EzvpnSide, InterfaceAddress};

/// An IPv4 subnet given by an address on it and its mask (`ip address A M`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ipv4Net {
    /// The interface's own address on the subnet.
    pub addr: Ipv4Addr,
    /// The subnet mask.
    pub mask: Ipv4Addr,
}

impl Ipv4Net {
    /// Whether `a` is on this subnet.
    pub fn contains(&self, a: Ipv4Addr) -> bool {
        let m = u32::from(self.mask);
        u32::from(a) & m == u32::from(self.addr) & m
    }
}

/// The inside LAN: the first interface that is not shut down, carries no
/// crypto map nor an Easy VPN Remote's `outside` and has a static `ip address A M` (the seed's
/// `FastEthernet0/1`).
pub fn inside_network(config: &Config) -> Option<Ipv4Net> {
    config.interfaces.iter().find_map(|i| match i.address {
        Some(InterfaceAddress::Static { address, mask })
            if i.crypto_map.is_none()
                && !i.shutdown
                && !i
                    .ezvpn
                    .as_ref()
                    .is_some_and(|e| e.side == EzvpnSide::Outside) =>
        {
            Some(Ipv4Net {
                addr: address,
                mask,
            })
        }
        _ => None,
    })
}

/// The outside interface's static address: the first interface with a
/// crypto map. `None` when it has `ip address dhcp` or no address.
pub fn outside_address(config: &Config) -> Option<Ipv4Addr> {
    config.interfaces.iter().find_map(|i| match i.address {
        Some(InterfaceAddress::Static { address, .. }) if i.crypto_map.is_some() => Some(address),
        _ => None,
    })
}

/// The first peer this router initiates to: a static crypto map entry's
/// `set peer`, else an Easy VPN Remote's `peer`. `--outside-addr dhcp`
/// follows the route towards it.
pub fn first_peer(config: &Config) -> Option<Ipv4Addr> {
    let map_peer = config
        .crypto_maps
        .iter()
        .flat_map(|m| &m.entries)
        .find_map(|e| e.peers.first().copied());
    map_peer.or_else(|| {
        config
            .ezvpn_clients
            .iter()
            .find_map(|c| c.peers.first().copied())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HUB: &str = include_str!("../configs/hub.cfg");
    const SPOKE: &str = include_str!("../configs/spoke.cfg");

    #[test]
    fn seed_interfaces() {
        let hub = ike_policy::parse(HUB).unwrap();
        let lan = inside_network(&hub).unwrap();
        assert_eq!(lan.addr, Ipv4Addr::new(10, 1, 1, 1));
        assert_eq!(lan.mask, Ipv4Addr::new(255, 255, 254, 0));
        assert!(lan.contains(Ipv4Addr::new(10, 1, 0, 9)));
        assert!(!lan.contains(Ipv4Addr::new(10, 1, 2, 1)));
        assert_eq!(outside_address(&hub), Some(Ipv4Addr::new(127, 0, 0, 1)));

        let spoke = ike_policy::parse(SPOKE).unwrap();
        assert_eq!(
            inside_network(&spoke).unwrap().addr,
            Ipv4Addr::new(10, 2, 2, 2)
        );
        // `ip address dhcp`: the demo hands the spoke its address.
        assert_eq!(outside_address(&spoke), None);
        assert_eq!(first_peer(&spoke), Some(Ipv4Addr::new(127, 0, 0, 1)));
        assert_eq!(first_peer(&hub), None);

        // The Easy VPN Remote's inside, not its ezvpn outside.
        let client = ike_policy::parse(include_str!("../configs/vpnclient.cfg")).unwrap();
        assert_eq!(
            inside_network(&client).unwrap().addr,
            Ipv4Addr::new(192, 168, 10, 1)
        );
    }

    #[test]
    fn interop_lab_configs() {
        let hub = ike_policy::parse(include_str!("../interop/hub.cfg")).unwrap();
        assert_eq!(outside_address(&hub), Some(Ipv4Addr::new(192, 0, 2, 1)));
        let lan = inside_network(&hub).unwrap();
        assert_eq!(
            (lan.addr, lan.mask),
            (
                Ipv4Addr::new(198, 51, 100, 1),
                Ipv4Addr::new(255, 255, 255, 0)
            )
        );

        let spoke = ike_policy::parse(include_str!("../interop/spoke.cfg")).unwrap();
        assert_eq!(outside_address(&spoke), None);
        assert_eq!(
            inside_network(&spoke).unwrap().addr,
            Ipv4Addr::new(198, 51, 100, 1)
        );
        let map = spoke.crypto_map("mymap").unwrap();
        assert_eq!(map.entries[0].peers, [Ipv4Addr::new(192, 0, 2, 2)]);
    }
}
