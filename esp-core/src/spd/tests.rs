use core::net::Ipv4Addr;

use super::*;

fn info(src: [u8; 4], dst: [u8; 4], protocol: u8, ports: Option<(u16, u16)>) -> PacketInfo {
    PacketInfo {
        source: src.into(),
        destination: dst.into(),
        protocol,
        source_port: ports.map(|p| p.0),
        destination_port: ports.map(|p| p.1),
    }
}

#[test]
fn address_matches() {
    let p = AddressMatch::prefix(Ipv4Addr::new(10, 1, 2, 3), 16).unwrap();
    assert!(p.matches(Ipv4Addr::new(10, 1, 255, 1)));
    assert!(!p.matches(Ipv4Addr::new(10, 2, 0, 1)));
    assert!(
        AddressMatch::prefix(Ipv4Addr::UNSPECIFIED, 0)
            .unwrap()
            .matches(Ipv4Addr::BROADCAST)
    );
    assert!(AddressMatch::prefix(Ipv4Addr::UNSPECIFIED, 33).is_err());
    let h = AddressMatch::host(Ipv4Addr::new(10, 5, 5, 1));
    assert!(h.matches(Ipv4Addr::new(10, 5, 5, 1)) && !h.matches(Ipv4Addr::new(10, 5, 5, 2)));
    let r = AddressMatch::range(Ipv4Addr::new(10, 0, 0, 10), Ipv4Addr::new(10, 0, 1, 5)).unwrap();
    assert!(r.matches(Ipv4Addr::new(10, 0, 0, 255)));
    assert!(!r.matches(Ipv4Addr::new(10, 0, 1, 6)));
    assert!(AddressMatch::range(Ipv4Addr::new(2, 0, 0, 0), Ipv4Addr::new(1, 0, 0, 0)).is_err());
}

#[test]
fn ordered_first_match_and_ports() {
    let mut spd = Spd::new(Fallback::Discard);
    spd.push(PolicyEntry {
        id: PolicyId(1),
        selector: Selector {
            protocol: Some(17),
            destination_ports: PortRange::single(500),
            ..Selector::ANY
        },
        action: PolicyAction::Bypass,
    });
    spd.push(PolicyEntry {
        id: PolicyId(2),
        selector: Selector {
            source: AddressMatch::prefix(Ipv4Addr::new(10, 1, 0, 0), 16).unwrap(),
            destination: AddressMatch::prefix(Ipv4Addr::new(10, 2, 0, 0), 16).unwrap(),
            ..Selector::ANY
        },
        action: PolicyAction::Protect { sa: Some(SaId(7)) },
    });
    let sad = Sad::new();
    assert_eq!(
        spd.decide(
            &info([10, 1, 0, 1], [10, 2, 0, 1], 17, Some((500, 500))),
            &sad
        ),
        Decision::Bypass
    );
    let tcp = info([10, 1, 0, 1], [10, 2, 0, 1], 6, Some((1234, 80)));
    match spd.decide(&tcp, &sad) {
        Decision::Acquire(a) => {
            assert_eq!(a.policy, PolicyId(2));
            assert_eq!(a.packet, tcp);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        spd.decide(&info([10, 9, 0, 1], [10, 2, 0, 1], 6, None), &sad),
        Decision::Discard
    );
    // Port selectors do not take packets without ports.
    assert_ne!(
        spd.decide(&info([1, 1, 1, 1], [2, 2, 2, 2], 17, None), &sad),
        Decision::Bypass
    );
    assert!(spd.bind(PolicyId(2), None));
    assert!(!spd.bind(PolicyId(1), None));
    assert!(spd.remove(PolicyId(1)).is_some());
    assert_eq!(spd.len(), 1);
}

#[test]
fn reversed_selector() {
    let s = Selector {
        source: AddressMatch::host(Ipv4Addr::new(1, 1, 1, 1)),
        source_ports: PortRange::single(1),
        ..Selector::ANY
    };
    let r = s.reversed();
    assert_eq!(r.destination, s.source);
    assert_eq!(r.destination_ports, PortRange::single(1));
    assert_eq!(r.reversed(), s);
}

/// The SPD as it was before it was indexed: a list searched in order.
/// It is the oracle the indexed one must agree with.
mod linear {
    use super::super::*;

    pub struct LinearSpd {
        pub entries: Vec<PolicyEntry>,
        pub fallback: Fallback,
    }

    impl LinearSpd {
        pub fn insert(&mut self, index: usize, entry: PolicyEntry) {
            let index = index.min(self.entries.len());
            self.entries.insert(index, entry);
        }

        pub fn remove(&mut self, id: PolicyId) -> Option<PolicyEntry> {
            let at = self.entries.iter().position(|e| e.id == id)?;
            Some(self.entries.remove(at))
        }

        pub fn bind(&mut self, id: PolicyId, sa: Option<SaId>) -> bool {
            match self.entries.iter_mut().find(|e| e.id == id) {
                Some(PolicyEntry {
                    action: PolicyAction::Protect { sa: bound },
                    ..
                }) => {
                    *bound = sa;
                    true
                }
                _ => false,
            }
        }

        pub fn decide(&self, packet: &PacketInfo, sad: &Sad) -> Decision {
            let entry = self.entries.iter().find(|e| e.selector.matches(packet));
            decision(entry, self.fallback, packet, sad)
        }
    }
}

mod equivalence {
    use proptest::prelude::*;

    use core::net::Ipv4Addr;

    use super::super::*;
    use super::linear::LinearSpd;
    use crate::{Instant, KeyMaterial, OutboundSa, SaParams, Suite};

    /// Addresses from a small space, so that selectors overlap often.
    fn address() -> impl Strategy<Value = Ipv4Addr> {
        (0u8..2, 0u8..4, 0u8..4).prop_map(|(a, b, c)| Ipv4Addr::new(10, a, b, c))
    }

    fn address_match() -> impl Strategy<Value = AddressMatch> {
        prop_oneof![
            Just(AddressMatch::Any),
            (
                address(),
                prop_oneof![
                    Just(0u8),
                    Just(8),
                    Just(16),
                    Just(23),
                    Just(24),
                    Just(30),
                    Just(31),
                    Just(32),
                    Just(40)
                ]
            )
                .prop_map(|(address, len)| AddressMatch::Prefix { address, len }),
            (address(), address()).prop_map(|(a, b)| AddressMatch::Range {
                first: a.min(b),
                last: a.max(b)
            }),
        ]
    }

    fn ports() -> impl Strategy<Value = PortRange> {
        prop_oneof![
            3 => Just(PortRange::ANY),
            1 => (0u16..4, 0u16..4).prop_map(|(a, b)| PortRange { first: a.min(b), last: a.max(b) }),
        ]
    }

    fn selector() -> impl Strategy<Value = Selector> {
        (
            address_match(),
            address_match(),
            prop_oneof![3 => Just(None), 1 => (6u8..8).prop_map(Some)],
            ports(),
            ports(),
        )
            .prop_map(
                |(source, destination, protocol, source_ports, destination_ports)| Selector {
                    source,
                    destination,
                    protocol,
                    source_ports,
                    destination_ports,
                },
            )
    }

    fn action() -> impl Strategy<Value = PolicyAction> {
        prop_oneof![
            Just(PolicyAction::Bypass),
            Just(PolicyAction::Discard),
            (0u32..4).prop_map(|id| PolicyAction::Protect { sa: Some(SaId(id)) }),
            Just(PolicyAction::Protect { sa: None }),
        ]
    }

    fn entry() -> impl Strategy<Value = PolicyEntry> {
        (0u32..12, selector(), action()).prop_map(|(id, selector, action)| PolicyEntry {
            id: PolicyId(id),
            selector,
            action,
        })
    }

    #[derive(Debug, Clone)]
    enum Op {
        Push(PolicyEntry),
        Insert(usize, PolicyEntry),
        Remove(u32),
        Bind(u32, Option<u32>),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            3 => entry().prop_map(Op::Push),
            3 => (prop_oneof![Just(0usize), 0usize..40], entry()).prop_map(|(i, e)| Op::Insert(i, e)),
            1 => (0u32..12).prop_map(Op::Remove),
            1 => (0u32..12, proptest::option::of(0u32..4)).prop_map(|(id, sa)| Op::Bind(id, sa)),
        ]
    }

    fn packet() -> impl Strategy<Value = PacketInfo> {
        (
            address(),
            address(),
            5u8..8,
            proptest::option::of((0u16..5, 0u16..5)),
        )
            .prop_map(|(source, destination, protocol, ports)| PacketInfo {
                source,
                destination,
                protocol,
                source_port: ports.map(|p| p.0),
                destination_port: ports.map(|p| p.1),
            })
    }

    /// SAs 0 and 1 installed (1 expired by volume), 2 and 3 not.
    fn sad() -> Sad {
        let mut sad = Sad::new();
        let keys = KeyMaterial::new(&[7; 20], &[]);
        for id in 0..2u32 {
            let params = SaParams::new(0x100 + id, Suite::AES128_GCM)
                .with_lifetime(crate::Lifetime::new(3600, 1));
            let mut sa = OutboundSa::new(&params, &keys, Instant(0)).unwrap();
            if id == 1 {
                let mut buf = vec![0u8; 2048];
                let head = sa.headroom();
                let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
                sa.seal(&mut buf, head..head + 1024, 4, &mut rng, Instant(0))
                    .unwrap();
                assert!(sa.is_expired());
            }
            sad.insert_outbound(SaId(id), sa);
        }
        sad
    }

    use rand_core::SeedableRng;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        #[test]
        fn indexed_decisions_equal_the_linear_first_match(
            discard in any::<bool>(),
            ops in proptest::collection::vec(op(), 0..40),
            packets in proptest::collection::vec(packet(), 1..24),
        ) {
            let fallback = if discard { Fallback::Discard } else { Fallback::Bypass };
            let mut indexed = Spd::new(fallback);
            let mut linear = LinearSpd { entries: vec![], fallback };
            let sad = sad();
            for op in ops {
                match op {
                    Op::Push(e) => {
                        indexed.push(e);
                        linear.entries.push(e);
                    }
                    Op::Insert(i, e) => {
                        indexed.insert(i, e);
                        linear.insert(i, e);
                    }
                    Op::Remove(id) => {
                        prop_assert_eq!(indexed.remove(PolicyId(id)), linear.remove(PolicyId(id)));
                    }
                    Op::Bind(id, sa) => {
                        prop_assert_eq!(
                            indexed.bind(PolicyId(id), sa.map(SaId)),
                            linear.bind(PolicyId(id), sa.map(SaId))
                        );
                    }
                }
                prop_assert!(indexed.entries().eq(linear.entries.iter()));
                for p in &packets {
                    prop_assert_eq!(indexed.decide(p, &sad), linear.decide(p, &sad));
                }
            }
        }
    }

    #[test]
    fn middle_inserts_relabel_when_the_gap_closes() {
        let mut indexed = Spd::new(Fallback::Discard);
        let mut linear = LinearSpd {
            entries: vec![],
            fallback: Fallback::Discard,
        };
        let e = |id: u32| PolicyEntry {
            id: PolicyId(id),
            selector: Selector {
                destination: AddressMatch::host(Ipv4Addr::from(id)),
                ..Selector::ANY
            },
            action: PolicyAction::Bypass,
        };
        // Squeeze entries into one gap until it closes (20 halvings),
        // again and again: the neighbours are relabelled.
        indexed.push(e(0));
        indexed.push(e(1));
        linear.entries.extend([e(0), e(1)]);
        for id in 2..400 {
            indexed.insert(1, e(id));
            linear.insert(1, e(id));
        }
        assert!(indexed.entries().eq(linear.entries.iter()));
        for id in 0..400 {
            let p = PacketInfo {
                source: Ipv4Addr::UNSPECIFIED,
                destination: Ipv4Addr::from(id),
                protocol: 1,
                source_port: None,
                destination_port: None,
            };
            assert_eq!(indexed.decide(&p, &Sad::new()), Decision::Bypass);
        }
    }
}
