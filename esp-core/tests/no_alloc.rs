//! Proof that the per-packet path never touches the allocator: seal, open,
//! refusals, the SAD lookup and the SPD decision all run under
//! `assert_no_alloc`, which counts every (de)allocation made by this thread.
//!
//! Only debug builds instrument the allocator (the crate's default), which
//! is what `cargo test` builds.
#![cfg(debug_assertions)]

use assert_no_alloc::{AllocDisabler, assert_no_alloc, reset_violation_count, violation_count};
use esp_core::spd::{Fallback, PolicyAction, PolicyEntry, PolicyId, Selector};
use esp_core::wire::{Ipv4Repr, UdpEncapPayload, protocol};
use esp_core::{
    InboundSa, Instant, KeyMaterial, Lifetime, OutboundSa, SaId, SaParams, Sad, Spd, Suite,
};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

#[global_allocator]
static ALLOCATOR: AllocDisabler = AllocDisabler;

#[test]
fn seal_and_open_do_not_allocate() {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    for suite in Suite::all() {
        for (esn, udp) in [(false, false), (true, true)] {
            let enc: Vec<u8> = (0..suite.encryption().key_len() as u8)
                .map(|i| i * 3 + 1)
                .collect();
            let integ = vec![0x42; suite.integrity().key_len()];
            let keys = KeyMaterial::new(&enc, &integ);
            let mut params = SaParams::new(0x1234, suite)
                .with_esn(esn)
                .with_lifetime(Lifetime::new(3600, 4_608_000))
                .with_replay_window(1024);
            if udp {
                params = params.with_udp_encapsulation(4500, 4500);
            }
            let mut outbound = OutboundSa::new(&params, &keys, Instant(0)).unwrap();
            let inbound =
                InboundSa::new(&params.with_udp_encapsulation(0, 0), &keys, Instant(0)).unwrap();
            let mut sad = Sad::new();
            sad.insert_inbound(inbound).unwrap();
            sad.insert_outbound(
                SaId(1),
                OutboundSa::new(&params, &keys, Instant(0)).unwrap(),
            );
            let mut spd = Spd::new(Fallback::Discard);
            spd.push(PolicyEntry {
                id: PolicyId(1),
                selector: Selector::ANY,
                action: PolicyAction::Protect { sa: Some(SaId(1)) },
            });
            let mut inner = [0u8; 1400];
            Ipv4Repr {
                src_addr: [10, 1, 0, 1].into(),
                dst_addr: [10, 2, 0, 1].into(),
                protocol: protocol::UDP,
                payload_len: 1380,
                ttl: 64,
                ident: 0,
            }
            .emit(&mut inner)
            .unwrap();
            let mut buf = vec![0u8; 2048];
            let mut spare = vec![0u8; 2048];
            let head = outbound.headroom();
            let esp_at = if udp { 8 } else { 0 };

            reset_violation_count();
            assert_no_alloc(|| {
                for round in 1..=50u64 {
                    let now = Instant(round);
                    let len = (round as usize * 29) % 1401;
                    buf[head..head + len].copy_from_slice(&inner[..len]);
                    let decision = spd.decide_ipv4(&inner, &sad).unwrap();
                    assert!(matches!(decision, esp_core::Decision::Protect(SaId(1))));
                    let out = outbound
                        .seal(&mut buf, head..head + len, protocol::IPV4, &mut rng, now)
                        .unwrap();
                    let packet = &mut buf[out];
                    assert!(matches!(
                        UdpEncapPayload::classify(&packet[esp_at..]),
                        Ok(UdpEncapPayload::Esp(_))
                    ));
                    let esp = &mut packet[esp_at..];
                    // A forged copy (last ICV or payload bit flipped) is refused first.
                    let forged = &mut spare[..esp.len()];
                    forged.copy_from_slice(esp);
                    let last = forged.len() - 1;
                    forged[last] ^= 1;
                    let forged_result = sad.open(forged, now);
                    // (Confidentiality-only suites cannot see every flip; they
                    // keep no replay state, so the genuine packet opens anyway.)
                    assert!(forged_result.is_err() || !suite.is_authenticated());
                    let (_, opened) = sad.open(esp, now).unwrap();
                    assert_eq!(opened.inner.len(), len);
                    // A replay, and an unknown SPI.
                    if suite.is_authenticated() {
                        assert!(sad.open(esp, now).is_err());
                    }
                    esp[0] ^= 0x80;
                    assert!(sad.open(esp, now).is_err());
                    // The SAD's own seal path.
                    sad.seal(
                        SaId(1),
                        &mut buf,
                        head..head + len,
                        protocol::IPV4,
                        &mut rng,
                        now,
                    )
                    .unwrap();
                    while sad.poll_event().is_some() {}
                    sad.handle_timeout(now);
                }
            });
            assert_eq!(violation_count(), 0, "{suite}: seal/open allocated");
        }
    }
}

#[test]
fn the_guard_sees_allocations() {
    // The instrument works: an allocation inside the guard is counted.
    reset_violation_count();
    assert_no_alloc(|| {
        let v = std::hint::black_box(vec![1u8; 10]);
        drop(v);
    });
    assert!(violation_count() > 0);
    reset_violation_count();
}
