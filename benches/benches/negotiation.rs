//! Full IKEv1 negotiations per second, in memory: Main Mode then Quick Mode
//! between two real engines over ike-proto's two-peer harness (no loss, no
//! latency), for the seed's suite (3DES/SHA/PSK/group 2 with esp-3des
//! esp-sha-hmac) and a modern one (AES-256/SHA-256/PSK/group 14 with
//! AES-256-GCM ESP); then the seed's whole hub and spoke as two Gateways
//! (IOS text, resolver, engine, ESP install) until the spoke's first ping
//! comes out of the hub.
//!
//! Each group also times the Diffie-Hellman work one negotiation does
//! without PFS (two key pairs and two shared secrets, with the engine's
//! exponent size), so the DH share of a negotiation reads off the same run.
//!
//! ```sh
//! cargo bench -p benches --bench negotiation
//! # quicker:
//! cargo bench -p benches --bench negotiation -- --warm-up-time 1 --measurement-time 3
//! ```

use std::hint::black_box;
use std::net::Ipv4Addr;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use ike_policy::gateway::Instant as GwInstant;
use ike_policy::{Gateway, GatewayOptions};
use ike_proto::crypto::{DhGroup as CryptoGroup, DhKeyPair};
use ike_proto::engine::{Config, Engine, Event};
use ike_proto::harness::Pair;
use ike_proto::policy::{
    AuthMethod, DhGroup, EspCipher, HashAlg, Lifetime, Phase1Cipher, Phase1Proposal,
    Phase2Proposal, Selectors, StaticPolicy, TrafficSelector,
};
use ike_proto::time::{Duration, Instant};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

const SPOKE_ADDR: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 2);
const HUB_ADDR: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);

/// The suites the engine pair negotiates.
#[derive(Clone, Copy)]
enum Suite {
    /// The seed's: 3DES/SHA-1/PSK/group 2, esp-3des esp-sha-hmac.
    Seed,
    /// AES-256-CBC/SHA-256/PSK/group 14, ESP AES-256-GCM-16.
    Modern,
}

impl Suite {
    fn name(self) -> &'static str {
        match self {
            Self::Seed => "3des-sha1-g2_esp-3des-sha1",
            Self::Modern => "aes256-sha256-g14_esp-aes256gcm",
        }
    }

    fn dh_group(self) -> CryptoGroup {
        match self {
            Self::Seed => CryptoGroup::Modp1024,
            Self::Modern => CryptoGroup::Modp2048,
        }
    }

    fn esp_cipher(self) -> EspCipher {
        match self {
            Self::Seed => EspCipher::TripleDes,
            Self::Modern => EspCipher::AesGcm16 { key_bits: 256 },
        }
    }

    fn policy(self, local: TrafficSelector, remote: TrafficSelector) -> StaticPolicy {
        let mut p = StaticPolicy::seed(b"cisco123", local, remote);
        if let Self::Modern = self {
            p.phase1 = vec![Phase1Proposal {
                cipher: Phase1Cipher::Aes256,
                hash: HashAlg::Sha2_256,
                auth: AuthMethod::PreSharedKey,
                group: DhGroup::Modp2048,
                lifetime: Lifetime::seconds(86_400),
            }];
            for e in &mut p.phase2 {
                e.proposals = vec![Phase2Proposal {
                    cipher: EspCipher::AesGcm16 { key_bits: 256 },
                    integrity: None,
                    ..Phase2Proposal::seed()
                }];
            }
        }
        p
    }
}

fn lans() -> (TrafficSelector, TrafficSelector) {
    (
        TrafficSelector::subnet(Ipv4Addr::new(10, 2, 0, 0), 16),
        TrafficSelector::subnet(Ipv4Addr::new(10, 1, 0, 0), 16),
    )
}

/// A fresh spoke (A) and hub (B) on a perfect, zero-latency network.
fn engine_pair(suite: Suite, seed: u64) -> Pair {
    let (spoke_lan, hub_lan) = lans();
    let spoke = Engine::new(
        Config::default(),
        Box::new(suite.policy(spoke_lan, hub_lan)),
        Box::new(ChaCha20Rng::seed_from_u64(seed)),
    );
    let hub = Engine::new(
        Config::default(),
        Box::new(suite.policy(hub_lan, spoke_lan)),
        Box::new(ChaCha20Rng::seed_from_u64(seed ^ 0x5eed)),
    );
    let mut pair = Pair::new(spoke, SPOKE_ADDR, hub, HUB_ADDR, seed);
    pair.latency = Duration::ZERO;
    pair
}

fn child_up(events: &[Event]) -> Option<EspCipher> {
    events.iter().find_map(|e| match e {
        Event::ChildSaUp { sa, .. } => Some(sa.cipher),
        _ => None,
    })
}

/// Main Mode + Quick Mode from the spoke's acquire until both ends report
/// the child SA; returns the cipher both agreed on.
fn negotiate(pair: &mut Pair) -> EspCipher {
    let (spoke_lan, hub_lan) = lans();
    pair.initiate_a(Selectors {
        local: spoke_lan,
        remote: hub_lan,
    });
    // Stop as soon as both sides are up, so lingering timers (retransmit
    // guards, DPD, lifetimes) are not part of the figure.
    let deadline = Instant::from_secs(30);
    loop {
        if let (Some(a), Some(b)) = (child_up(&pair.a_events), child_up(&pair.b_events)) {
            assert_eq!(a, b);
            return a;
        }
        assert!(
            pair.step(deadline),
            "negotiation stalled: {:?} / {:?}",
            pair.a_events.iter().rev().take(3).collect::<Vec<_>>(),
            pair.b_events.iter().rev().take(3).collect::<Vec<_>>()
        );
    }
}

/// The DH of one Main Mode without PFS: each side makes a key pair and
/// computes the shared secret from the other's public value.
fn dh_of_one_negotiation(group: CryptoGroup, rng: &mut ChaCha20Rng) -> usize {
    let i = DhKeyPair::generate(group, rng);
    let r = DhKeyPair::generate(group, rng);
    let a = i
        .shared_secret(r.public_value())
        .map(|s| s.as_bytes().len());
    let b = r
        .shared_secret(i.public_value())
        .map(|s| s.as_bytes().len());
    a.unwrap_or(0) + b.unwrap_or(0)
}

fn engines(c: &mut Criterion) {
    for suite in [Suite::Seed, Suite::Modern] {
        // Check once, outside the timing, that the pair really negotiates
        // the suite under test.
        let mut probe = engine_pair(suite, 1);
        assert_eq!(negotiate(&mut probe), suite.esp_cipher());
        assert_eq!(probe.a.child_sas().len(), 1);
        assert_eq!(probe.b.child_sas().len(), 1);

        let mut group = c.benchmark_group(format!("negotiation/{}", suite.name()));
        group.throughput(Throughput::Elements(1));
        group.sample_size(20);
        let mut seed = 0u64;
        group.bench_function("main_mode+quick_mode", |b| {
            b.iter_batched(
                || {
                    seed += 1;
                    engine_pair(suite, seed)
                },
                |mut pair| {
                    negotiate(&mut pair);
                    pair
                },
                BatchSize::SmallInput,
            );
        });
        let mut rng = ChaCha20Rng::seed_from_u64(99);
        group.bench_function("dh_only(2x keygen + 2x shared)", |b| {
            b.iter(|| dh_of_one_negotiation(black_box(suite.dh_group()), &mut rng));
        });
        group.finish();
    }
}

// ---------------------------------------------------------------------
// The seed's hub and spoke as two Gateways
// ---------------------------------------------------------------------

const HUB_CFG: &str = include_str!("../../examples/configs/hub.cfg");
const SPOKE_CFG: &str = include_str!("../../examples/configs/spoke.cfg");
/// The spoke's `ip address dhcp` lease (the hub is 127.0.0.1 in the file).
const SPOKE_OUTSIDE: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);
const SPOKE_HOST: Ipv4Addr = Ipv4Addr::new(10, 2, 2, 5);
const HUB_HOST: Ipv4Addr = Ipv4Addr::new(10, 1, 1, 7);

/// An IPv4 ICMP echo request from the spoke's LAN to the hub's.
fn ping() -> Vec<u8> {
    let mut icmp = vec![8, 0, 0, 0, 0x12, 0x34, 0, 1];
    icmp.extend_from_slice(b"abcdefghijklmnopqrstuvwabcdefghi");
    let c = esp_core::wire::internet_checksum(&icmp);
    icmp[2..4].copy_from_slice(&c.to_be_bytes());
    let total = u16::try_from(20 + icmp.len()).unwrap_or(u16::MAX);
    let mut ip = vec![0x45, 0];
    ip.extend_from_slice(&total.to_be_bytes());
    ip.extend_from_slice(&[0, 1, 0, 0, 64, 1, 0, 0]);
    ip.extend_from_slice(&SPOKE_HOST.octets());
    ip.extend_from_slice(&HUB_HOST.octets());
    let c = esp_core::wire::internet_checksum(&ip);
    ip[10..12].copy_from_slice(&c.to_be_bytes());
    ip.extend_from_slice(&icmp);
    ip
}

fn gateways(seed: u64) -> (Gateway, Gateway) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let hub = Gateway::from_ios(HUB_CFG, GatewayOptions::default(), &mut rng)
        .unwrap_or_else(|e| panic!("hub.cfg: {e}"));
    let spoke_opts = GatewayOptions {
        outside_addr: Some(SPOKE_OUTSIDE),
        ..GatewayOptions::default()
    };
    let spoke = Gateway::from_ios(SPOKE_CFG, spoke_opts, &mut rng)
        .unwrap_or_else(|e| panic!("spoke.cfg: {e}"));
    (hub, spoke)
}

fn carry(from: &mut Gateway, to: &mut Gateway, now: GwInstant) -> bool {
    let carried = ike_policy::gateway::in_memory::carry(from, to, now);
    assert_eq!(carried.clear, 0, "the seed's ACL protects the ping");
    let moved = carried.moved();
    // Events pile up otherwise; an embedder drains them too.
    while from.poll_event().is_some() {}
    moved
}

/// The spoke's first ping: held, Main Mode, Quick Mode, both SAs installed,
/// sealed, carried, opened on the hub. Returns the packet the hub delivers.
fn first_ping(hub: &mut Gateway, spoke: &mut Gateway, packet: &[u8]) -> Vec<u8> {
    let now = GwInstant::from_secs(1);
    spoke.handle_inside(now, packet);
    for _ in 0..100 {
        if let Some(p) = hub.poll_inside() {
            return p;
        }
        if !(carry(spoke, hub, now) | carry(hub, spoke, now)) {
            break;
        }
    }
    panic!("the ping never reached the hub: {:?}", hub.counters());
}

fn gateway_pair(c: &mut Criterion) {
    let packet = ping();
    {
        let (mut hub, mut spoke) = gateways(1);
        assert_eq!(hub.outside_addr(), Ipv4Addr::LOCALHOST);
        assert_eq!(first_ping(&mut hub, &mut spoke, &packet), packet);
    }
    let mut group = c.benchmark_group("negotiation/gateway_seed_hub_spoke");
    group.throughput(Throughput::Elements(1));
    group.sample_size(20);
    let mut seed = 0u64;
    // Everything: both IOS configurations parsed, both Gateways built,
    // then the first ping through a fresh negotiation.
    group.bench_function("from_ios+first_ping", |b| {
        b.iter(|| {
            seed += 1;
            let (mut hub, mut spoke) = gateways(seed);
            first_ping(&mut hub, &mut spoke, black_box(&packet))
        });
    });
    // The Gateways built outside the timing: resolver, engine, SA install,
    // one seal and one open.
    group.bench_function("first_ping(prebuilt)", |b| {
        b.iter_batched(
            || {
                seed += 1;
                gateways(seed)
            },
            |(mut hub, mut spoke)| {
                let p = first_ping(&mut hub, &mut spoke, black_box(&packet));
                (hub, spoke, p)
            },
            BatchSize::SmallInput,
        );
    });
    group.bench_function("from_ios(hub+spoke)", |b| {
        b.iter(|| {
            seed += 1;
            gateways(seed)
        });
    });
    group.finish();
}

criterion_group!(benches, engines, gateway_pair);
criterion_main!(benches);
