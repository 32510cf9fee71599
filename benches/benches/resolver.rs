//! The resolver at scale. A hub-like IOS configuration is generated with
//! N = 10, 100, 1000, 10000 of each of:
//! * `pre-shared-key address` entries in one keyring (masks /32, /24 and
//!   /28 in turn, each in its own block of 10.0.0.0/8) plus the wildcard
//!   `0.0.0.0 0.0.0.0`;
//! * ISAKMP policies, priorities 1 to N-1 and 10000, where only 10000
//!   (aes 256/sha256/pre-share/group 14) matches the offer;
//! * lines of crypto ACL 101 (wildcards 0.0.0.3, 0.0.0.1 and 0.0.0.0 in
//!   turn) on a static crypto map entry.
//!
//! Measured: the pre-shared key for a peer address (a specific entry, and
//! a peer that falls to the wildcard), directly and through
//! [`IosPolicy`]'s engine-facing trait; the ISAKMP policy for an offer; the
//! ACL and crypto map match for a packet on the first line, the last line
//! and none; the Quick Mode questions on both ends; and parsing the text.
//!
//! ```sh
//! cargo bench -p benches --bench resolver
//! # quicker:
//! cargo bench -p benches --bench resolver -- --warm-up-time 1 --measurement-time 3
//! ```

use std::fmt::Write as _;
use std::hint::black_box;
use std::net::Ipv4Addr;
use std::sync::Arc;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ike_policy::model::AclAction;
use ike_policy::resolver::{self, Flow, KeyScope, LifetimeRule, Phase1Options};
use ike_policy::{Config, IosPolicy};
use ike_proto::policy::{
    AuthMethod, DhGroup, HashAlg, Lifetime, Phase1Cipher, Phase1Proposal, Phase2Proposal,
    Phase2Request, Policy, Selectors, TrafficSelector,
};

const SIZES: [usize; 4] = [10, 100, 1000, 10_000];
const LOCAL: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
const PEER: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 2);
const REMOTE_LAN: Ipv4Addr = Ipv4Addr::new(10, 1, 0, 0);

/// The keyring entry `i`: its block of 10.0.0.0/8 and mask.
fn key_entry(i: usize) -> (Ipv4Addr, Ipv4Addr) {
    let block = 0x0A00_0000u32 + ((i as u32) << 8);
    match i % 3 {
        0 => (Ipv4Addr::from(block + 1), Ipv4Addr::new(255, 255, 255, 255)),
        1 => (Ipv4Addr::from(block), Ipv4Addr::new(255, 255, 255, 0)),
        _ => (
            Ipv4Addr::from(block + 16),
            Ipv4Addr::new(255, 255, 255, 240),
        ),
    }
}

/// A peer address inside keyring entry `i`.
fn peer_of_entry(i: usize) -> Ipv4Addr {
    let (a, _) = key_entry(i);
    match i % 3 {
        0 => a,
        _ => Ipv4Addr::from(u32::from(a) + 5),
    }
}

/// ACL line `i`: its source block of 172.16.0.0/12 and wildcard.
fn acl_line(i: usize) -> (Ipv4Addr, Ipv4Addr) {
    let block = 0xAC10_0000u32 + ((i as u32) << 2);
    let wildcard = [3, 1, 0][i % 3];
    (Ipv4Addr::from(block), Ipv4Addr::new(0, 0, 0, wildcard))
}

fn keyring_text(n: usize) -> String {
    let mut t = String::from("crypto keyring spokes\n");
    for i in 0..n {
        let (a, m) = key_entry(i);
        let _ = writeln!(t, " pre-shared-key address {a} {m} key key{i}");
    }
    t.push_str(" pre-shared-key address 0.0.0.0 0.0.0.0 key wildcard\n!\n");
    t
}

fn isakmp_policies_text(n: usize) -> String {
    let mut t = String::new();
    for p in 1..n {
        let _ = writeln!(
            t,
            "crypto isakmp policy {p}\n encryption des\n hash md5\n \
             authentication pre-share\n group 1\n lifetime {}",
            60 + p
        );
    }
    t.push_str(
        "crypto isakmp policy 10000\n encryption aes 256\n hash sha256\n \
         authentication pre-share\n group 14\n!\n",
    );
    t
}

fn crypto_acl_text(n: usize) -> String {
    let mut t = String::from(
        "crypto ipsec transform-set myset esp-3des esp-sha-hmac\n\
         crypto map mymap 10 ipsec-isakmp\n set peer 192.0.2.2\n set transform-set myset\n \
         match address 101\n!\ninterface FastEthernet0/0\n ip address 192.0.2.1 255.255.255.0\n \
         crypto map mymap\n!\n",
    );
    for i in 0..n {
        let (s, w) = acl_line(i);
        let _ = writeln!(
            t,
            "access-list 101 permit ip {s} {w} {REMOTE_LAN} 0.0.255.255"
        );
    }
    t
}

fn config_text(n: usize) -> String {
    format!(
        "hostname Hub\n{}{}{}",
        keyring_text(n),
        isakmp_policies_text(n),
        crypto_acl_text(n)
    )
}

fn flow(source: Ipv4Addr) -> Flow {
    Flow {
        source,
        destination: Ipv4Addr::new(10, 1, 1, 7),
        protocol: 6,
        source_port: 40_000,
        destination_port: 443,
    }
}

fn modern_offer() -> Vec<Phase1Proposal> {
    vec![
        Phase1Proposal::seed(),
        Phase1Proposal {
            cipher: Phase1Cipher::Aes256,
            hash: HashAlg::Sha2_256,
            auth: AuthMethod::PreSharedKey,
            group: DhGroup::Modp2048,
            lifetime: Lifetime::seconds(86_400),
        },
    ]
}

struct Fixture {
    n: usize,
    cfg: Arc<Config>,
    policy: IosPolicy,
}

impl Fixture {
    fn new(n: usize) -> Self {
        let cfg = Arc::new(ike_policy::parse(&config_text(n)).unwrap_or_else(|e| panic!("{e}")));
        let policy = IosPolicy::new(Arc::clone(&cfg));
        let f = Self { n, cfg, policy };
        f.check();
        f
    }

    /// The answers the figures are about, checked before any timing.
    fn check(&self) {
        let last = self.n - 1;
        let hit =
            resolver::find_key_by_address(&self.cfg, peer_of_entry(last), KeyScope::AllKeyrings);
        let hit = hit
            .found
            .unwrap_or_else(|| panic!("no key for entry {last}"));
        assert!(hit.secret().ct_eq_bytes(format!("key{last}").as_bytes()));
        let wild = resolver::find_key_by_address(
            &self.cfg,
            Ipv4Addr::new(203, 0, 113, 9),
            KeyScope::AllKeyrings,
        );
        assert!(
            wild.found
                .unwrap_or_else(|| panic!("no wildcard"))
                .secret()
                .ct_eq_bytes(b"wildcard")
        );

        let choice = self
            .policy
            .choose_phase1(LOCAL, PEER, None, &modern_offer())
            .unwrap_or_else(|| panic!("no ISAKMP policy"));
        assert_eq!(choice.index, 1);

        let acl = self
            .cfg
            .access_list("101")
            .unwrap_or_else(|| panic!("ACL 101"));
        assert_eq!(acl.entries.len(), self.n);
        for (src, expected) in [
            (acl_line(0).0, Some(AclAction::Permit)),
            (acl_line(last).0, Some(AclAction::Permit)),
            (Ipv4Addr::new(192, 168, 9, 9), None),
        ] {
            assert_eq!(resolver::acl_action_for(acl, &flow(src)), expected);
        }
        assert!(
            self.policy
                .initiator_phase2(LOCAL, PEER, &self.acquire(last))
                .is_some()
        );
        assert!(
            self.policy
                .choose_phase2(&self.quick_mode(last, &[Phase2Proposal::seed()]))
                .is_ok()
        );
    }

    /// The acquire for a packet that ACL line `i` selects.
    fn acquire(&self, i: usize) -> Selectors {
        Selectors {
            local: TrafficSelector::host(acl_line(i).0),
            remote: TrafficSelector::host(Ipv4Addr::new(10, 1, 1, 7)),
        }
    }

    /// A Quick Mode offer (our view) of exactly ACL line `i`'s traffic.
    fn quick_mode<'a>(&self, i: usize, offered: &'a [Phase2Proposal]) -> Phase2Request<'a> {
        let (s, w) = acl_line(i);
        let prefix = 32 - (u32::from(w) + 1).trailing_zeros() as u8;
        Phase2Request {
            local: LOCAL,
            peer: PEER,
            peer_port: 500,
            assigned_address: None,
            profile: None,
            selectors: Selectors {
                local: TrafficSelector::subnet(s, prefix),
                remote: TrafficSelector::subnet(REMOTE_LAN, 16),
            },
            offered,
        }
    }
}

fn keys(c: &mut Criterion, fixtures: &[Fixture]) {
    let mut g = c.benchmark_group("resolver/psk_by_address");
    g.throughput(Throughput::Elements(1));
    for f in fixtures {
        let specific = peer_of_entry(f.n - 1);
        let wildcard = Ipv4Addr::new(203, 0, 113, 9);
        g.bench_with_input(BenchmarkId::new("specific", f.n), &specific, |b, &p| {
            b.iter(|| {
                resolver::find_key_by_address(&f.cfg, black_box(p), KeyScope::AllKeyrings)
                    .found
                    .is_some()
            });
        });
        g.bench_with_input(BenchmarkId::new("to_wildcard", f.n), &wildcard, |b, &p| {
            b.iter(|| {
                resolver::find_key_by_address(&f.cfg, black_box(p), KeyScope::AllKeyrings)
                    .found
                    .is_some()
            });
        });
        g.bench_with_input(BenchmarkId::new("policy_trait", f.n), &specific, |b, &p| {
            b.iter(|| f.policy.preshared_key_for_address(LOCAL, black_box(p)));
        });
    }
    g.finish();
}

fn isakmp_policy(c: &mut Criterion, fixtures: &[Fixture]) {
    let offer = modern_offer();
    let options = Phase1Options {
        lifetime_rule: LifetimeRule::ResponderLifetime,
        include_default_suite: false,
    };
    let mut g = c.benchmark_group("resolver/isakmp_policy_choice");
    g.throughput(Throughput::Elements(1));
    for f in fixtures {
        g.bench_function(BenchmarkId::new("last_of_n", f.n), |b| {
            b.iter(|| resolver::choose_isakmp_policy(&f.cfg, black_box(&offer), options));
        });
        g.bench_function(BenchmarkId::new("policy_trait", f.n), |b| {
            b.iter(|| f.policy.choose_phase1(LOCAL, PEER, None, black_box(&offer)));
        });
    }
    g.finish();
}

fn acl_match(c: &mut Criterion, fixtures: &[Fixture]) {
    let mut g = c.benchmark_group("resolver/acl_match");
    g.throughput(Throughput::Elements(1));
    for f in fixtures {
        let acl = f
            .cfg
            .access_list("101")
            .unwrap_or_else(|| panic!("ACL 101"));
        let map = f.cfg.crypto_map("mymap").unwrap_or_else(|| panic!("mymap"));
        for (label, src) in [
            ("first_line", acl_line(0).0),
            ("last_line", acl_line(f.n - 1).0),
            ("no_line", Ipv4Addr::new(192, 168, 9, 9)),
        ] {
            let fl = flow(src);
            g.bench_function(BenchmarkId::new(format!("acl/{label}"), f.n), |b| {
                b.iter(|| resolver::acl_action_for(acl, black_box(&fl)));
            });
            g.bench_function(BenchmarkId::new(format!("crypto_map/{label}"), f.n), |b| {
                b.iter(|| resolver::select_initiator_entry(&f.cfg, map, black_box(&fl)).is_some());
            });
        }
    }
    g.finish();

    let offered = [Phase2Proposal::seed()];
    let mut g = c.benchmark_group("resolver/quick_mode");
    g.throughput(Throughput::Elements(1));
    for f in fixtures {
        let acquire = f.acquire(f.n - 1);
        g.bench_function(BenchmarkId::new("initiator_phase2/last_line", f.n), |b| {
            b.iter(|| f.policy.initiator_phase2(LOCAL, PEER, black_box(&acquire)));
        });
        let request = f.quick_mode(f.n - 1, &offered);
        g.bench_function(BenchmarkId::new("choose_phase2/last_line", f.n), |b| {
            b.iter(|| f.policy.choose_phase2(black_box(&request)));
        });
    }
    g.finish();
}

/// A part of the generated configuration, by name, as text for N.
type Section = (&'static str, fn(usize) -> String);

fn parse(c: &mut Criterion) {
    let mut g = c.benchmark_group("resolver/parse");
    g.sample_size(10);
    // The whole configuration, then each section alone, to tell which one
    // grows faster than its line count.
    let sections: [Section; 4] = [
        ("whole", config_text),
        ("keyring_only", keyring_text),
        ("isakmp_policies_only", isakmp_policies_text),
        ("crypto_acl_only", crypto_acl_text),
    ];
    for (label, text_of) in sections {
        for n in SIZES {
            let text = text_of(n);
            assert!(ike_policy::parse(&text).is_ok(), "{label} {n}");
            // Per configuration line, so the figures compare across N.
            g.throughput(Throughput::Elements(text.lines().count() as u64));
            g.bench_with_input(BenchmarkId::new(label, n), &text, |b, t| {
                b.iter(|| ike_policy::parse(black_box(t)).is_ok());
            });
        }
    }
    g.finish();
}

fn all(c: &mut Criterion) {
    let fixtures: Vec<Fixture> = SIZES.into_iter().map(Fixture::new).collect();
    keys(c, &fixtures);
    isakmp_policy(c, &fixtures);
    acl_match(c, &fixtures);
    parse(c);
}

criterion_group!(benches, all);
criterion_main!(benches);
