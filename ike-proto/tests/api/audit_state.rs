//! Audit: per-message-ID state, and secrets in what the engine prints.

use std::net::Ipv4Addr;

use crate::common::seed::{HUB, SPOKE, hub_lan, keyed, ups};
use ike_proto::engine::{Config, Engine, Event};
use ike_proto::harness::Pair;
use ike_proto::policy::{Identity, Selectors, StaticPhase2, StaticPolicy, TrafficSelector};
use ike_proto::time::Duration;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

const PSK: &[u8] = b"audit-psk-0123456789";

fn spoke_lan(i: u8) -> TrafficSelector {
    TrafficSelector::subnet(Ipv4Addr::new(10, 2, i, 0), 24)
}

fn engine(policy: StaticPolicy, seed: u64) -> Engine {
    Engine::new(
        Config::default(),
        Box::new(policy),
        Box::new(ChaCha20Rng::seed_from_u64(seed)),
    )
}

/// A spoke whose crypto ACL has `lines` entries (10.2.i.0/24 -> 10.1/16),
/// each its own Quick Mode, and a hub that accepts any selectors.
fn many_lines_pair(lines: u8, seed: u64) -> Pair {
    let mut spoke = StaticPolicy::seed(PSK, spoke_lan(0), hub_lan());
    let proposals = spoke.phase2[0].proposals.clone();
    spoke.phase2 = (0..lines)
        .map(|i| StaticPhase2 {
            peer: None,
            selectors: Some(Selectors {
                local: spoke_lan(i),
                remote: hub_lan(),
            }),
            proposals: proposals.clone(),
        })
        .collect();
    let mut hub = StaticPolicy::seed(PSK, hub_lan(), spoke_lan(0));
    hub.phase2[0].selectors = None;
    Pair::new(engine(spoke, seed), SPOKE, engine(hub, seed + 1), HUB, seed)
}

fn acquire_all(pair: &mut Pair, lines: u8) {
    for i in 0..lines {
        pair.initiate_a(Selectors {
            local: TrafficSelector::host(Ipv4Addr::new(10, 2, i, 5)),
            remote: TrafficSelector::host(Ipv4Addr::new(10, 1, 0, 7)),
        });
    }
}

fn assert_all_mirrored(pair: &Pair, lines: usize) {
    let (a, b) = (pair.a.child_sas(), pair.b.child_sas());
    assert_eq!((a.len(), b.len()), (lines, lines), "spoke / hub child SAs");
    for c in &a {
        let peer = b
            .iter()
            .find(|h| h.spi_in == c.spi_out)
            .expect("the hub holds the other half of every spoke SA");
        assert_eq!(peer.spi_out, c.spi_in);
        let (c, peer) = (keyed(&pair.a_events, c), keyed(&pair.b_events, peer));
        assert_eq!(peer.keys.inbound, c.keys.outbound);
        assert_eq!(peer.keys.outbound, c.keys.inbound);
    }
}

/// Sixteen Quick Modes at once (the crypter's IV-chain limit) all complete.
#[test]
fn sixteen_parallel_quick_modes_all_complete() {
    let mut pair = many_lines_pair(16, 1);
    acquire_all(&mut pair, 16);
    pair.run_for(Duration::from_secs(60));
    assert_all_mirrored(&pair, 16);
}

/// crypto/cipher.rs `MAX_TRACKED_EXCHANGES` (16) caps the per-message-ID
/// IV chains, least recently used dropped, while the engine runs up to
/// `MAX_QUICK_MODES` (64) Quick Modes per IKE SA. A spoke whose crypto ACL
/// has 20 lines starts 20 Quick Modes when phase 1 completes; the chains of
/// the first ones are evicted before their QM2/QM3 arrive, the message is
/// decrypted with a freshly derived (wrong) IV and ignored, and those
/// exchanges never complete (or complete on one side only).
#[test]
fn twenty_parallel_quick_modes_all_complete() {
    let mut pair = many_lines_pair(20, 2);
    acquire_all(&mut pair, 20);
    pair.run_for(Duration::from_secs(60));
    assert_all_mirrored(&pair, 20);
}

/// Neither the PSK nor any ESP key reaches `Debug` of the events, the
/// SA views or the policy, nor the log lines.
#[test]
fn secrets_never_reach_debug_or_logs() {
    let mut pair = many_lines_pair(1, 3);
    acquire_all(&mut pair, 1);
    pair.run_for(Duration::from_secs(30));
    // The keys as the data plane got them (the engine keeps none).
    let children = ups(&pair.a_events);
    assert_eq!(children.len(), 1);
    let mut secrets: Vec<Vec<u8>> = vec![PSK.to_vec()];
    for c in &children {
        for k in [&c.keys.inbound, &c.keys.outbound] {
            secrets.push(k.encryption.as_bytes().to_vec());
            secrets.push(k.integrity.as_bytes().to_vec());
        }
    }
    let mut printed = String::new();
    for e in pair.a_events.iter().chain(&pair.b_events) {
        printed.push_str(&format!("{e:?}\n"));
        if let Event::Log(l) = e {
            printed.push_str(&format!("{l}\n"));
        }
    }
    printed.push_str(&format!(
        "{:?}{:?}{:?}{:?}{:?}",
        pair.a.child_sas(),
        pair.b.child_sas(),
        pair.a.ike_sas(),
        pair.a,
        StaticPolicy::seed(PSK, hub_lan(), hub_lan())
    ));
    assert!(printed.contains("ChildSaUp"), "the events were printed");
    for s in &secrets {
        let lower: String = s.iter().map(|b| format!("{b:02x}")).collect();
        let upper = lower.to_uppercase();
        let list = format!("{s:?}");
        let text = String::from_utf8_lossy(s).to_string();
        for needle in [&lower, &upper, &list, &text] {
            // Short fragments could match by chance; the keys are >= 16 bytes.
            assert!(needle.len() >= 16);
            assert!(
                !printed.contains(needle.as_str()),
                "a secret was printed: {needle}"
            );
        }
    }
}

/// policy/phase1.rs `impl Debug for Identity`: the peer's ID_FQDN / ID_USER_FQDN /
/// ID_KEY_ID text is written verbatim, so a peer can put newlines and
/// terminal escapes into anything that prints an `IkeSaInfo` or an
/// `Event::IkeSaUp` (log injection: a forged "SA has been authenticated"
/// line). The text should be escaped (`escape_debug`) or quoted with `{:?}`.
#[test]
fn peer_identities_are_printed_escaped() {
    for id in [
        Identity::Fqdn("a\nISAKMP (0:1): SA has been authenticated".into()),
        Identity::UserFqdn("u@x\r\x1b[2J".into()),
        Identity::KeyId(b"group\nfake line".to_vec()),
    ] {
        let printed = format!("{id:?}");
        assert!(
            !printed.contains(['\n', '\r', '\x1b']),
            "control characters printed: {printed:?}"
        );
    }
}
