//! Instructions per AES-128-GCM seal+open at 1400 B, for valgrind's
//! callgrind (repeatable on a shared machine, unlike time): the esp-core
//! data plane on the aws-lc-rs backend against aws-lc-rs's raw AEAD on the
//! same bytes. Run each at two iteration counts and take the difference,
//! which leaves out start-up and key setup:
//!
//! ```sh
//! cargo build --release -p benches --features aws-lc --example gcm_count
//! for what in esp raw; do for n in 1000 2000; do
//!   valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!     target/release/examples/gcm_count $what $n 2>&1 | grep Collected
//! done; done   # (Ir at 2000 − Ir at 1000) / 1000 = per seal+open
//! ```

use std::hint::black_box;

use aws_lc_rs::aead::{AES_128_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use esp_core::wire::protocol;
use esp_core::{Backend, InboundSa, Instant, KeyMaterial, OutboundSa, SaParams, Suite};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

const SIZE: usize = 1400;

fn main() {
    let mut args = std::env::args().skip(1);
    let what = args.next().unwrap_or_else(|| "esp".into());
    let n: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let key = [0x11u8; 20];
    match what.as_str() {
        "esp" => {
            let keys = KeyMaterial::new(&key, &[]);
            let params = SaParams::new(0x7a1a_b8f3, Suite::AES128_GCM).with_backend(Backend::AwsLc);
            let mut outbound = OutboundSa::new(&params, &keys, Instant(0)).expect("SA");
            let mut inbound = InboundSa::new(&params, &keys, Instant(0)).expect("SA");
            let mut rng = ChaCha20Rng::seed_from_u64(1);
            let head = outbound.headroom();
            let mut buf = vec![0x5au8; head + SIZE + outbound.tailroom(SIZE)];
            for _ in 0..n {
                let out = outbound
                    .seal(
                        black_box(&mut buf),
                        head..head + SIZE,
                        protocol::IPV4,
                        &mut rng,
                        Instant(0),
                    )
                    .expect("seal");
                black_box(inbound.open(&mut buf[out], Instant(0)).expect("open"));
            }
        }
        _ => {
            let aead = LessSafeKey::new(UnboundKey::new(&AES_128_GCM, &key[..16]).expect("key"));
            // header (8) + IV (8) + payload, padding and trailer (1404) + tag
            let mut packet = vec![0x5au8; 16 + 1404 + 16];
            for _ in 0..n {
                let (front, icv) = packet.split_at_mut(16 + 1404);
                let (header, body) = front.split_at_mut(16);
                let aad: [u8; 8] = header[..8].try_into().expect("8");
                let mut nonce = [0u8; 12];
                nonce[4..].copy_from_slice(&header[8..16]);
                let tag = aead
                    .seal_in_place_separate_tag(
                        Nonce::assume_unique_for_key(nonce),
                        Aad::from(aad),
                        black_box(body),
                    )
                    .expect("seal");
                icv.copy_from_slice(tag.as_ref());
                aead.open_in_place_separate_tag(
                    Nonce::assume_unique_for_key(nonce),
                    Aad::from(aad),
                    icv,
                    body,
                )
                .expect("open");
            }
        }
    }
}
