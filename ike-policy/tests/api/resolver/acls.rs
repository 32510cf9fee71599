//! ACLs as selectors.

use super::maps::subnet;
use super::*;

#[test]
fn spoke_acl_100_is_two_prefixes() {
    let c = spoke();
    let sel = acl_selectors(c.access_list("100").unwrap());
    assert_eq!(
        sel,
        vec![AclSelector {
            action: AclAction::Permit,
            selector: Selector {
                source: AddressMatch::Prefix {
                    address: ip("10.2.0.0"),
                    len: 16
                },
                destination: AddressMatch::Prefix {
                    address: ip("10.1.0.0"),
                    len: 16
                },
                protocol: None,
                source_ports: PortRange::ANY,
                destination_ports: PortRange::ANY,
            },
            line: 69,
        }]
    );
    // As `show crypto ipsec sa` writes them.
    assert_eq!(sel[0].selector.source.to_string(), "10.2.0.0/255.255.0.0");
    assert_eq!(
        sel[0].selector.destination.to_string(),
        "10.1.0.0/255.255.0.0"
    );
}

#[test]
fn wildcards_protocols_and_ports_become_selectors() {
    let c = parse(
        "access-list 110 permit tcp host 10.1.1.1 any eq 80\n\
         access-list 110 permit udp 10.0.5.0 0.255.0.255 any neq 53\n\
         access-list 110 deny tcp any lt 0 any\n\
         access-list 110 permit tcp any gt 1023 any range 20 21\n\
         access-list 110 permit icmp any any echo\n\
         access-list 10 permit 192.168.0.0 0.0.255.255\n",
    )
    .unwrap();
    let s = acl_selectors(c.access_list("110").unwrap());
    assert_eq!(s.len(), 5, "neq makes two, lt 0 makes none");
    assert_eq!(
        s[0].selector.source,
        AddressMatch::Prefix {
            address: ip("10.1.1.1"),
            len: 32
        }
    );
    assert_eq!(s[0].selector.destination, AddressMatch::ANY);
    assert_eq!(s[0].selector.protocol, Some(6));
    assert_eq!(
        s[0].selector.destination_ports,
        PortRange {
            first: 80,
            last: 80
        }
    );
    assert_eq!(
        s[1].selector.source,
        AddressMatch::Masked {
            address: ip("10.0.5.0"),
            mask: ip("255.0.255.0")
        }
    );
    assert_eq!(s[1].selector.source.to_string(), "10.0.5.0/255.0.255.0");
    assert_eq!(
        s[1].selector.destination_ports,
        PortRange { first: 0, last: 52 }
    );
    assert_eq!(
        s[2].selector.destination_ports,
        PortRange {
            first: 54,
            last: 65535
        }
    );
    assert_eq!(
        s[3].selector.source_ports,
        PortRange {
            first: 1024,
            last: 65535
        }
    );
    assert_eq!(
        s[3].selector.destination_ports,
        PortRange {
            first: 20,
            last: 21
        }
    );
    assert_eq!(
        (s[4].selector.protocol, s[4].selector.destination_ports),
        (Some(1), PortRange::ANY)
    );
    let flow = Flow {
        source: ip("10.77.5.3"),
        destination: ip("1.1.1.1"),
        protocol: 17,
        source_port: 9,
        destination_port: 53,
    };
    assert_eq!(acl_action_for(c.access_list("110").unwrap(), &flow), None);
    let flow = Flow {
        destination_port: 54,
        ..flow
    };
    assert_eq!(
        acl_action_for(c.access_list("110").unwrap(), &flow),
        Some(AclAction::Permit)
    );

    let std = acl_selectors(c.access_list("10").unwrap());
    assert_eq!(
        std[0].selector.source,
        AddressMatch::Prefix {
            address: ip("192.168.0.0"),
            len: 16
        }
    );
    assert_eq!(std[0].selector.destination, AddressMatch::ANY);
}

/// The lazy iterator gives the same selectors in the same order, `neq` on
/// both sides making four, and stops where it is asked to.
#[test]
fn selector_iter_is_acl_selectors_one_at_a_time() {
    let c = parse(
        "access-list 130 permit tcp any neq 1024 any neq 80\n\
         access-list 130 deny udp any eq 53 any\n\
         access-list 130 permit ip any any\n",
    )
    .unwrap();
    let acl = c.access_list("130").unwrap();
    let all: Vec<_> = acl_selector_iter(acl).collect();
    assert_eq!(all, acl_selectors(acl));
    assert_eq!(all.len(), 6);
    let ports: Vec<_> = all[..4]
        .iter()
        .map(|s| (s.selector.source_ports, s.selector.destination_ports))
        .collect();
    let r = |first, last| PortRange { first, last };
    assert_eq!(
        ports,
        vec![
            (r(0, 1023), r(0, 79)),
            (r(0, 1023), r(81, 65535)),
            (r(1025, 65535), r(0, 79)),
            (r(1025, 65535), r(81, 65535)),
        ]
    );
    assert_eq!(all[4].action, AclAction::Deny);
    let mut it = acl_selector_iter(acl);
    assert_eq!(it.next(), Some(all[0]));
    assert_eq!(it.nth(4), Some(all[5]));
    assert_eq!(it.next(), None);
}

#[test]
fn proxy_identities_against_protocol_and_port_selectors() {
    let c = parse("access-list 120 permit udp host 10.0.0.1 eq 500 any\n").unwrap();
    let acl = c.access_list("120").unwrap();
    // Both sides of a proxy pair carry the same protocol.
    let p = |local: TrafficSelector| Selectors {
        local,
        remote: subnet("0.0.0.0", "0.0.0.0").with_protocol(local.protocol, 0),
    };
    assert!(acl_accepts_proxies(
        acl,
        &p(TrafficSelector::host(ip("10.0.0.1")).with_protocol(17, 500))
    ));
    assert!(!acl_accepts_proxies(
        acl,
        &p(TrafficSelector::host(ip("10.0.0.1")).with_protocol(17, 0))
    ));
    assert!(!acl_accepts_proxies(
        acl,
        &p(TrafficSelector::host(ip("10.0.0.1")))
    ));
    assert!(!acl_accepts_proxies(
        acl,
        &p(TrafficSelector::host(ip("10.0.0.1")).with_protocol(6, 500))
    ));
    let r = TrafficSelector::range(ip("10.0.0.1"), ip("10.0.0.1"))
        .unwrap()
        .with_protocol(17, 500);
    assert!(acl_accepts_proxies(acl, &p(r)));
    assert!(TrafficSelector::range(ip("10.0.0.2"), ip("10.0.0.1")).is_none());
    assert!(TrafficSelector::subnet_mask(ip("10.0.0.0"), ip("255.0.255.0")).is_none());
}
