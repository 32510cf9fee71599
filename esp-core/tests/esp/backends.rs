//! Every built-in backend gives the same packets: the same SA sealed with
//! each (same keys, same IVs) yields the same bytes, and each opens what
//! the others sealed. With only RustCrypto built in this checks it against
//! itself; CI also runs the whole suite with `--features aws-lc`, where the
//! vectors run on aws-lc-rs.

use esp_core::wire::protocol;
use esp_core::{Backend, Instant, SaParams, Suite};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use crate::common::{layout, pair};

#[test]
fn backends_seal_the_same_bytes_and_open_each_other() {
    for suite in Suite::all() {
        for len in [0usize, 1, 15, 16, 17, 64, 1400] {
            let inner: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
            let mut sealed = vec![];
            for &backend in Backend::ALL {
                let params = SaParams::new(0x0102_0304, suite).with_backend(backend);
                let (mut out, _) = pair(&params, 9);
                let (mut buf, range) = layout(&out, &inner);
                let mut rng = ChaCha20Rng::seed_from_u64(len as u64);
                let at = out
                    .seal(&mut buf, range, protocol::IPV4, &mut rng, Instant(0))
                    .unwrap();
                sealed.push((backend, buf[at].to_vec()));
            }
            for (sealer, packet) in &sealed {
                assert_eq!(packet, &sealed[0].1, "{suite} {len}: {}", sealer.name());
                for &backend in Backend::ALL {
                    let params = SaParams::new(0x0102_0304, suite).with_backend(backend);
                    let (_, mut inb) = pair(&params, 9);
                    let mut buf = packet.clone();
                    let opened = inb.open(&mut buf, Instant(0)).unwrap();
                    assert_eq!(&buf[opened.inner], &inner[..], "{suite} {len}");
                    // A flipped ICV bit is refused by every backend.
                    let mut bad = packet.clone();
                    if suite.is_authenticated() {
                        *bad.last_mut().unwrap() ^= 1;
                        let (_, mut inb) = pair(&params, 9);
                        assert!(inb.open(&mut bad, Instant(0)).is_err(), "{suite} {len}");
                    }
                }
            }
        }
    }
}

#[test]
fn sas_stay_send_and_sync_on_every_backend() {
    // Compile-time: an aws-lc-rs key must not make an SA thread-bound.
    fn send_sync<T: Send + Sync>() {}
    send_sync::<esp_core::InboundSa>();
    send_sync::<esp_core::OutboundSa>();
    send_sync::<esp_core::Sad>();
    send_sync::<esp_core::Spd>();
}
