//! Lifetime events (seconds and kilobytes, soft and hard) through the SAs.

use esp_core::{
    EspError, ExpiryCause, Instant, Lifetime, LifetimeEvent, Remaining, SaParams, Suite,
};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use crate::common::{layout, pair};

#[test]
fn time_limits_soft_then_hard() {
    let lifetime = Lifetime {
        soft_seconds: Some(90),
        hard_seconds: Some(100),
        ..Lifetime::UNLIMITED
    };
    let params = SaParams::new(0x42, Suite::AES128_SHA1).with_lifetime(lifetime);
    let (mut out, mut inb) = pair(&params, 2);
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    assert_eq!(out.poll_timeout(), Some(Instant::from_secs(90)));

    // Traffic before the soft limit raises nothing.
    let (mut buf, range) = layout(&out, b"hello");
    let o = out
        .seal(&mut buf, range.clone(), 4, &mut rng, Instant::from_secs(89))
        .unwrap();
    inb.open(&mut buf[o], Instant::from_secs(89)).unwrap();
    assert_eq!(out.poll_event(), None);
    assert_eq!(
        out.remaining(Instant::from_secs(89)),
        Remaining {
            kilobytes: None,
            seconds: Some(11)
        }
    );

    // The timer (no traffic) raises the soft event once.
    out.handle_timeout(Instant::from_secs(90));
    inb.handle_timeout(Instant::from_secs(90));
    assert!(out.has_event());
    assert_eq!(
        out.poll_event(),
        Some(LifetimeEvent::SoftExpired(ExpiryCause::Time))
    );
    assert_eq!(
        inb.poll_event(),
        Some(LifetimeEvent::SoftExpired(ExpiryCause::Time))
    );
    assert_eq!(out.poll_event(), None);
    assert_eq!(out.poll_timeout(), Some(Instant::from_secs(100)));

    // Still usable between soft and hard.
    let (mut buf, range) = layout(&out, b"hello");
    let o = out
        .seal(&mut buf, range, 4, &mut rng, Instant::from_secs(95))
        .unwrap();
    let mut late = buf[o].to_vec();

    // A packet at the hard limit raises the hard event and is refused.
    let (mut buf, range) = layout(&out, b"hello");
    assert!(matches!(
        out.seal(&mut buf, range, 4, &mut rng, Instant::from_secs(100)),
        Err(EspError::Expired { .. })
    ));
    assert_eq!(
        out.poll_event(),
        Some(LifetimeEvent::HardExpired(ExpiryCause::Time))
    );
    assert!(out.is_expired());
    assert_eq!(out.poll_timeout(), None);
    assert_eq!(out.counters().expired, 1);
    assert!(matches!(
        inb.open(&mut late, Instant::from_millis(100_001)),
        Err(EspError::Expired { .. })
    ));
    assert_eq!(
        inb.poll_event(),
        Some(LifetimeEvent::HardExpired(ExpiryCause::Time))
    );
    assert_eq!(inb.counters().recv_errors, 1);
}

#[test]
fn volume_limits_soft_then_hard() {
    // Cisco-style: hard 4 KB, soft at 90% (3 KB after rounding down 4 - 0).
    let lifetime = Lifetime::new(3600, 4);
    assert_eq!(lifetime.soft_kilobytes, Some(4));
    let lifetime = Lifetime {
        soft_kilobytes: Some(2),
        ..lifetime
    };
    let params = SaParams::new(0x43, Suite::AES128_GCM).with_lifetime(lifetime);
    let (mut out, mut inb) = pair(&params, 2);
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let inner = [0u8; 1000];
    let mut events_out = vec![];
    let mut events_in = vec![];
    let mut sealed = 0;
    loop {
        let (mut buf, range) = layout(&out, &inner);
        match out.seal(&mut buf, range, 4, &mut rng, Instant(0)) {
            Ok(o) => {
                sealed += 1;
                inb.open(&mut buf[o], Instant(0)).unwrap();
            }
            Err(EspError::Expired { .. }) => break,
            Err(e) => panic!("{e}"),
        }
        while let Some(e) = out.poll_event() {
            events_out.push((sealed, e));
        }
        while let Some(e) = inb.poll_event() {
            events_in.push((sealed, e));
        }
    }
    // 2 KB = 2048 bytes: crossed by the 3rd packet; 4 KB by the 5th, which is
    // still delivered; the 6th is refused.
    assert_eq!(
        events_out,
        vec![
            (3, LifetimeEvent::SoftExpired(ExpiryCause::Volume)),
            (5, LifetimeEvent::HardExpired(ExpiryCause::Volume)),
        ]
    );
    assert_eq!(events_in, events_out);
    assert_eq!(sealed, 5);
    assert_eq!(out.remaining(Instant(0)).kilobytes, Some(0));
    assert_eq!(out.counters().encaps_bytes, 5000);
}

#[test]
fn cisco_default_remaining_lifetime() {
    let params =
        SaParams::new(0x44, Suite::TRIPLE_DES_SHA1).with_lifetime(Lifetime::new(3600, 4_608_000));
    let (mut out, _) = pair(&params, 2);
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let (mut buf, range) = layout(&out, &[0u8; 100]);
    out.seal(&mut buf, range, 4, &mut rng, Instant::from_secs(1))
        .unwrap();
    // As `sa timing: remaining key lifetime (k/sec): (4607999/3169)` reads.
    assert_eq!(
        out.remaining(Instant::from_secs(431)),
        Remaining {
            kilobytes: Some(4_607_999),
            seconds: Some(3169)
        }
    );
    assert_eq!(out.installed(), Instant(0));
    assert_eq!(out.lifetime().hard_seconds, Some(3600));
}
