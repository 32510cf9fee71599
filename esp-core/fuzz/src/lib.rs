//! The open path of every suite under hostile bytes: a random packet for
//! each SA, and a packet sealed by the peer then damaged at fuzz-chosen
//! places. Nothing may panic; a damaged packet of an authenticated suite
//! must never open; an undamaged one always opens, once.

use esp_core::{InboundSa, Instant, KeyMaterial, OutboundSa, SaParams, Suite};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

fn sa_pair(suite: Suite, esn: bool, udp: bool) -> (OutboundSa, InboundSa) {
    let enc: Vec<u8> = (0..suite.encryption().key_len())
        .map(|i| i as u8 ^ 0x5a)
        .collect();
    let integ = vec![0x42; suite.integrity().key_len()];
    let keys = KeyMaterial::new(&enc, &integ);
    let mut params = SaParams::new(0x1234, suite)
        .with_esn(esn)
        .with_replay_window(64);
    if udp {
        params = params.with_udp_encapsulation(4500, 4500);
    }
    let (Ok(out), Ok(inb)) = (
        OutboundSa::new(&params, &keys, Instant(0)),
        InboundSa::new(&params.with_udp_encapsulation(0, 0), &keys, Instant(0)),
    ) else {
        panic!("every suite builds");
    };
    (out, inb)
}

/// First byte: suite, ESN, mode; then either a random packet, or an inner
/// length and a list of (offset, xor) damages to a sealed one.
pub fn esp_open(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let suites: Vec<Suite> = Suite::all().collect();
    let Some(&suite) = suites.get(usize::from(pick >> 2) % suites.len()) else {
        return;
    };
    let (mut out, mut inb) = sa_pair(suite, pick & 1 == 1, false);
    if pick & 2 == 0 {
        // A random packet from the SPI on.
        let mut buf = rest.to_vec();
        if buf.len() >= 4 {
            buf[..4].copy_from_slice(&0x1234u32.to_be_bytes());
        }
        let _ = inb.open(&mut buf, Instant(1));
        return;
    }
    let Some((&len, damages)) = rest.split_first() else {
        return;
    };
    let inner_len = usize::from(len) * 4;
    let head = out.headroom();
    let mut buf = vec![0u8; head + inner_len + out.tailroom(inner_len)];
    for (i, b) in buf.iter_mut().enumerate().skip(head).take(inner_len) {
        *b = i as u8;
    }
    let mut rng = ChaCha20Rng::seed_from_u64(u64::from(pick));
    let Ok(sealed) = out.seal(&mut buf, head..head + inner_len, 4, &mut rng, Instant(1)) else {
        panic!("sealing a fitting packet never fails");
    };
    let mut packet = buf[sealed].to_vec();
    let clean = packet.clone();
    let n = packet.len().max(1);
    for d in damages.chunks(3) {
        if let [a, b, x] = d {
            let at = usize::from(u16::from_be_bytes([*a, *b])) % n;
            if let Some(byte) = packet.get_mut(at) {
                *byte ^= *x;
            }
        }
    }
    let damaged = packet != clean;
    let result = inb.open(&mut packet, Instant(1));
    if damaged && suite.is_authenticated() {
        assert!(result.is_err(), "a damaged packet opened under {suite:?}");
    }
    if !damaged {
        assert!(
            result.is_ok(),
            "an intact packet was refused under {suite:?}"
        );
        let mut again = clean;
        if suite.is_authenticated() {
            assert!(inb.open(&mut again, Instant(1)).is_err(), "a replay opened");
        }
    }
}
