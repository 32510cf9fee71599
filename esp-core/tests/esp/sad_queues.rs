//! The SAD's event queue and timer against the scan they replace: the same
//! operations on a [`Sad`] and on loose SAs polled one by one (the old
//! `poll_event` / `poll_timeout` / `handle_timeout`) give the same events and
//! the same next deadline after every step.

use std::collections::BTreeMap;

use esp_core::{
    InboundSa, Instant, KeyMaterial, Lifetime, LifetimeEvent, OutboundSa, SaId, SaParams, SaRef,
    Sad, Suite,
};
use proptest::prelude::*;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use crate::common::{keys_for, layout};

#[derive(Debug, Clone)]
enum Op {
    /// Install (or replace) outbound SA `id` with these limits.
    InsertOut {
        id: u8,
        seconds: u64,
        kilobytes: u64,
    },
    /// Install inbound SA `spi` (if free) with these limits.
    InsertIn { spi: u8, seconds: u64 },
    /// Seal `len` bytes with outbound SA `id` through the database.
    Seal { id: u8, len: usize },
    /// Seal `len` bytes with outbound SA `id` through `outbound_mut`.
    SealBorrowed { id: u8, len: usize },
    /// Remove outbound SA `id`.
    RemoveOut { id: u8 },
    /// Remove inbound SA `spi`.
    RemoveIn { spi: u8 },
    /// Let `ms` pass and handle the timeout.
    Advance { ms: u64 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u8..6, 1u64..20, 1u64..8).prop_map(|(id, seconds, kilobytes)| Op::InsertOut {
            id,
            seconds,
            kilobytes
        }),
        (1u8..6, 1u64..20).prop_map(|(spi, seconds)| Op::InsertIn { spi, seconds }),
        (0u8..6, 1usize..1500).prop_map(|(id, len)| Op::Seal { id, len }),
        (0u8..6, 1usize..1500).prop_map(|(id, len)| Op::SealBorrowed { id, len }),
        (0u8..6).prop_map(|id| Op::RemoveOut { id }),
        (1u8..6).prop_map(|spi| Op::RemoveIn { spi }),
        (0u64..6000).prop_map(|ms| Op::Advance { ms }),
    ]
}

fn params(spi: u32, seconds: u64, kilobytes: u64) -> SaParams {
    SaParams::new(spi, Suite::AES128_GCM).with_lifetime(Lifetime::new(seconds, kilobytes))
}

fn outbound(spi: u32, seconds: u64, kilobytes: u64, now: Instant) -> OutboundSa {
    let p = params(spi, seconds, kilobytes);
    let (enc, integ) = keys_for(p.suite, spi as u8);
    OutboundSa::new(&p, &KeyMaterial::new(&enc, &integ), now).unwrap()
}

fn inbound(spi: u32, seconds: u64, now: Instant) -> InboundSa {
    let p = params(spi, seconds, 1 << 30);
    let (enc, integ) = keys_for(p.suite, spi as u8);
    InboundSa::new(&p, &KeyMaterial::new(&enc, &integ), now).unwrap()
}

/// The scan: loose SAs, every one visited.
#[derive(Default)]
struct Model {
    out: BTreeMap<SaId, OutboundSa>,
    inb: BTreeMap<u32, InboundSa>,
}

impl Model {
    fn events(&mut self) -> Vec<(SaRef, LifetimeEvent)> {
        let mut all = vec![];
        for (spi, sa) in &mut self.inb {
            while let Some(e) = sa.poll_event() {
                all.push((SaRef::Inbound(*spi), e));
            }
        }
        for (id, sa) in &mut self.out {
            while let Some(e) = sa.poll_event() {
                all.push((SaRef::Outbound(*id), e));
            }
        }
        all
    }

    fn poll_timeout(&self) -> Option<Instant> {
        let i = self.inb.values().filter_map(InboundSa::poll_timeout);
        let o = self.out.values().filter_map(OutboundSa::poll_timeout);
        i.chain(o).min()
    }

    fn handle_timeout(&mut self, now: Instant) {
        self.inb.values_mut().for_each(|sa| sa.handle_timeout(now));
        self.out.values_mut().for_each(|sa| sa.handle_timeout(now));
    }
}

fn drain(sad: &mut Sad) -> Vec<(SaRef, LifetimeEvent)> {
    let mut all = vec![];
    while let Some(e) = sad.poll_event() {
        all.push(e);
    }
    all
}

/// Events per SA in order (the database may interleave SAs differently).
fn by_sa(events: Vec<(SaRef, LifetimeEvent)>) -> BTreeMap<SaRef, Vec<LifetimeEvent>> {
    let mut map: BTreeMap<SaRef, Vec<LifetimeEvent>> = BTreeMap::new();
    for (sa, e) in events {
        map.entry(sa).or_default().push(e);
    }
    map
}

fn seal(sa: &mut OutboundSa, len: usize, now: Instant) -> bool {
    let inner = vec![0x45; len];
    let (mut buf, range) = layout(sa, &inner);
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    sa.seal(&mut buf, range, 4, &mut rng, now).is_ok()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn queued_events_and_timer_match_the_scan(ops in proptest::collection::vec(op(), 1..60)) {
        let mut sad = Sad::new();
        let mut model = Model::default();
        let mut now = Instant(0);
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        for op in ops {
            match op {
                Op::InsertOut { id, seconds, kilobytes } => {
                    let spi = 0x100 + u32::from(id);
                    let a = sad.insert_outbound(SaId(id.into()), outbound(spi, seconds, kilobytes, now));
                    let b = model.out.insert(SaId(id.into()), outbound(spi, seconds, kilobytes, now));
                    prop_assert_eq!(a.is_some(), b.is_some());
                }
                Op::InsertIn { spi, seconds } => {
                    let spi = u32::from(spi);
                    let a = sad.insert_inbound(inbound(spi, seconds, now)).is_ok();
                    let b = !model.inb.contains_key(&spi);
                    if b {
                        model.inb.insert(spi, inbound(spi, seconds, now));
                    }
                    prop_assert_eq!(a, b);
                }
                Op::Seal { id, len } => {
                    let inner = vec![0x45; len];
                    let id = SaId(id.into());
                    let a = sad.outbound(id).map(|sa| layout(sa, &inner)).map(|(mut buf, range)| {
                        sad.seal(id, &mut buf, range, 4, &mut rng, now).is_ok()
                    });
                    let b = model.out.get_mut(&id).map(|sa| seal(sa, len, now));
                    prop_assert_eq!(a, b);
                }
                Op::SealBorrowed { id, len } => {
                    let id = SaId(id.into());
                    let a = sad.outbound_mut(id).map(|sa| seal(sa, len, now));
                    let b = model.out.get_mut(&id).map(|sa| seal(sa, len, now));
                    prop_assert_eq!(a, b);
                }
                Op::RemoveOut { id } => {
                    let id = SaId(id.into());
                    prop_assert_eq!(sad.remove_outbound(id).is_some(), model.out.remove(&id).is_some());
                }
                Op::RemoveIn { spi } => {
                    let spi = u32::from(spi);
                    prop_assert_eq!(sad.remove_inbound(spi).is_some(), model.inb.remove(&spi).is_some());
                }
                Op::Advance { ms } => {
                    now = Instant(now.0 + ms);
                    sad.handle_timeout(now);
                    model.handle_timeout(now);
                }
            }
            prop_assert_eq!(sad.poll_timeout(), model.poll_timeout());
            prop_assert_eq!(by_sa(drain(&mut sad)), by_sa(model.events()));
        }
    }
}

#[test]
fn many_sas_only_the_due_ones_fire_in_deadline_order() {
    let mut sad = Sad::new();
    for i in 1..=10_000u32 {
        // Hard limits 100 s .. 10 099 s: the soft ones fall at 90% of each.
        let sa = outbound(i, 99 + u64::from(i), 1 << 30, Instant(0));
        sad.insert_outbound(SaId(i), sa);
    }
    assert_eq!(sad.poll_event(), None);
    assert_eq!(sad.poll_timeout(), Some(Instant(90_000)));
    // At 99.9 s the soft limits (hard - hard/10, whole seconds) of the SAs
    // with hard limits 100..=110 have passed.
    sad.handle_timeout(Instant(99_900));
    let fired: Vec<_> = drain(&mut sad);
    let ids: Vec<_> = fired.iter().map(|(r, _)| *r).collect();
    let expected: Vec<_> = (1..=11).map(|i| SaRef::Outbound(SaId(i))).collect();
    assert_eq!(ids, expected);
    assert!(
        fired
            .iter()
            .all(|(_, e)| matches!(e, LifetimeEvent::SoftExpired(_)))
    );
    // Next: the hard limit of SA 1 and the soft one of SA 12 (both 100 s);
    // without them, SA 2's hard limit and SA 13's soft one (101 s).
    assert_eq!(sad.poll_timeout(), Some(Instant(100_000)));
    assert!(sad.remove_outbound(SaId(1)).is_some());
    assert!(sad.remove_outbound(SaId(12)).is_some());
    assert_eq!(sad.poll_timeout(), Some(Instant(101_000)));
}
