//! Instructions per DH exponentiation option (the `dh_pow_options` bench's
//! contenders, 256-bit exponent), for callgrind: steadier than time on a
//! shared machine, though blind to how fast each instruction is.
//!
//! ```sh
//! cargo build --release -p benches --example dh_count
//! for n in 100 200; do valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!   target/release/examples/dh_count 14 boxed $n 2>&1 | grep Collected; done
//! ```
//! Options: boxed, fixed, fixed-amm, w4, w5, w6, shared (`shared_secret`),
//! keygen (our g^x).

use std::hint::black_box;

use ike_proto::crypto::{DhGroup, DhKeyPair, ExponentSize};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

#[path = "../benches/common/dh_options.rs"]
mod dh_options;

fn run<const L: usize>(g: DhGroup, what: &str, n: u32) {
    let mut rng = ChaCha20Rng::from_seed([9; 32]);
    let peer = DhKeyPair::generate(g, &mut rng);
    let exponent = [0xa5u8; 32];
    let ours = DhKeyPair::generate(g, &mut rng).public_value().to_vec();
    let o = dh_options::Options::<L>::new(g.prime(), peer.public_value(), &exponent);
    for _ in 0..n {
        match what {
            "boxed" => drop(black_box(o.boxed_pow())),
            "fixed" => drop(black_box(o.fixed_pow())),
            "fixed-amm" => drop(black_box(o.fixed_pow_amm())),
            "w4" => drop(black_box(o.window_pow(4))),
            "w5" => drop(black_box(o.window_pow(5))),
            "w6" => drop(black_box(o.window_pow(6))),
            "shared" => drop(black_box(peer.shared_secret(&ours))),
            _ => drop(black_box(DhKeyPair::generate_with_size(
                g,
                ExponentSize::Bits(256),
                &mut rng,
            ))),
        }
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let group = args.next().unwrap_or_else(|| "14".into());
    let what = args.next().unwrap_or_else(|| "boxed".into());
    let n: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(100);
    if group == "2" {
        run::<16>(DhGroup::Modp1024, &what, n);
    } else {
        run::<32>(DhGroup::Modp2048, &what, n);
    }
}
