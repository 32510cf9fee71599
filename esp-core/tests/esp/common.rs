//! Helpers shared by the test modules.

use std::convert::Infallible;
use std::path::PathBuf;

use esp_core::{
    Encryption, InboundSa, Instant, Integrity, KeyMaterial, OutboundSa, SaParams, Suite,
};
use rand_core::{TryCryptoRng, TryRng};
use serde_json::Value;

pub fn vector(name: &str) -> Value {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "vectors", name]
        .iter()
        .collect();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

pub fn hex(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().expect("hex string")).expect("valid hex")
}

pub fn encryption(name: &str) -> Encryption {
    *Encryption::ALL
        .iter()
        .find(|e| format!("{e:?}") == name)
        .unwrap_or_else(|| panic!("encryption {name}"))
}

pub fn integrity(name: &str) -> Integrity {
    *Integrity::ALL
        .iter()
        .find(|i| format!("{i:?}") == name)
        .unwrap_or_else(|| panic!("integrity {name}"))
}

/// A "random" generator that hands out fixed bytes (then zeros), for byte-exact packets.
pub struct FixedRng(pub Vec<u8>);

impl TryRng for FixedRng {
    type Error = Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut b = [0; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut b = [0; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for d in dst {
            *d = if self.0.is_empty() {
                0
            } else {
                self.0.remove(0)
            };
        }
        Ok(())
    }
}

// Test-only: the bytes are fixed on purpose.
impl TryCryptoRng for FixedRng {}

/// A generator that fails, to check the error path.
pub struct FailingRng;

#[derive(Debug)]
pub struct RngDown;

impl std::fmt::Display for RngDown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("rng down")
    }
}

impl std::error::Error for RngDown {}

impl TryRng for FailingRng {
    type Error = RngDown;
    fn try_next_u32(&mut self) -> Result<u32, RngDown> {
        Err(RngDown)
    }
    fn try_next_u64(&mut self) -> Result<u64, RngDown> {
        Err(RngDown)
    }
    fn try_fill_bytes(&mut self, _: &mut [u8]) -> Result<(), RngDown> {
        Err(RngDown)
    }
}

impl TryCryptoRng for FailingRng {}

/// Distinct, deterministic keys of the right lengths for `suite`.
pub fn keys_for(suite: Suite, seed: u8) -> (Vec<u8>, Vec<u8>) {
    let enc = (0..suite.encryption().key_len())
        .map(|i| seed.wrapping_add((i as u8).wrapping_mul(13)))
        .collect();
    let integ = (0..suite.integrity().key_len())
        .map(|i| {
            seed.wrapping_mul(3)
                .wrapping_add((i as u8).wrapping_mul(29))
        })
        .collect();
    (enc, integ)
}

/// An outbound and an inbound SA sharing keys and parameters.
pub fn pair(params: &SaParams, seed: u8) -> (OutboundSa, InboundSa) {
    let (enc, integ) = keys_for(params.suite, seed);
    let keys = KeyMaterial::new(&enc, &integ);
    (
        OutboundSa::new(params, &keys, Instant(0)).unwrap(),
        InboundSa::new(params, &keys, Instant(0)).unwrap(),
    )
}

/// A buffer laid out for `sa` with `inner` at its headroom; returns the buffer and the inner range.
pub fn layout(sa: &OutboundSa, inner: &[u8]) -> (Vec<u8>, std::ops::Range<usize>) {
    let head = sa.headroom();
    let mut buf = vec![0u8; head + inner.len() + sa.tailroom(inner.len())];
    buf[head..head + inner.len()].copy_from_slice(inner);
    (buf, head..head + inner.len())
}

/// Seal `inner` and return the finished packet (without the UDP header, if any, and whether there was one).
pub fn seal_packet(
    sa: &mut OutboundSa,
    inner: &[u8],
    next_header: u8,
    rng: &mut impl TryCryptoRng,
) -> Vec<u8> {
    let (mut buf, range) = layout(sa, inner);
    let out = sa
        .seal(&mut buf, range, next_header, rng, Instant(0))
        .unwrap();
    let udp = if sa.udp_encapsulation().is_some() {
        8
    } else {
        0
    };
    buf[out.start + udp..out.end].to_vec()
}
