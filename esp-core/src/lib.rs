//! Zero-copy, allocation-free ESP (RFC 4303/3948) data plane: suites, in-place seal/open, anti-replay, lifetimes, SAD and SPD.
//!
//! * [`wire`]: checked zero-copy views of ESP, UDP-encapsulated ESP
//!   (RFC 3948 demultiplexing), UDP and IPv4.
//! * [`suite`]: 3DES-CBC, AES-CBC-128/192/256, AES-GCM-128/192/256 (RFC 4106),
//!   NULL (RFC 2410); HMAC-SHA1-96, HMAC-SHA-256-128, HMAC-MD5-96. Keys are
//!   expanded once per SA and wiped on drop.
//! * [`sa`]: [`OutboundSa::seal`] and [`InboundSa::open`] work in place in
//!   the caller's buffer and never allocate.
//! * [`replay`]: the anti-replay window (32 to 32768 packets) with ESN.
//! * [`lifetime`] and [`counters`]: soft/hard limits in seconds and
//!   kilobytes reported as events; the counters `show crypto ipsec sa` prints.
//! * [`sad`] and [`spd`]: SPI → SA in O(1), lifetime events queued and time
//!   limits in a deadline-ordered timer (no scan of the SAs); ordered
//!   selectors → protect / bypass / discard, or an acquire for IKE, with
//!   first-match order kept over an index by destination prefix (a
//!   decision costs the same with 1 or 100,000 peers).
//!
//! # Crypto backends
//!
//! The primitives come from the RustCrypto crates (pure Rust) unless the
//! `aws-lc` cargo feature is on: then [`Backend::AwsLc`](suite::Backend)
//! (aws-lc-rs: AWS-LC's assembly AES-GCM, AES-CBC, 3DES through its
//! `legacy-des` feature, HMAC-SHA1/SHA-256) is the default of every SA, and
//! [`SaParams::with_backend`] picks one per SA. HMAC-MD5-96 and NULL always
//! use the RustCrypto code. Both backends pass the same vectors.
//!
//! Time is passed in as an [`Instant`] and randomness comes from an injected
//! CSPRNG: the crate reads no clock and no global state.
//!
//! # Threading
//!
//! Every type here is plain owned data: [`OutboundSa`], [`InboundSa`],
//! [`Sad`] and [`Spd`] are `Send` and `Sync`. Sealing and opening take
//! `&mut self` (sequence numbers, the replay window, counters), so an SA
//! is used by one thread at a time; different SAs are independent.
//!
//! # Seal and open
//!
//! ```
//! use esp_core::{Instant, InboundSa, KeyMaterial, OutboundSa, SaParams, Suite};
//! use esp_core::wire::protocol;
//! use rand_chacha::ChaCha20Rng;
//! use rand_core::SeedableRng;
//!
//! # fn main() -> Result<(), esp_core::EspError> {
//! // The seed's transform set: esp-3des esp-sha-hmac.
//! let suite = Suite::TRIPLE_DES_SHA1;
//! let enc_key: Vec<u8> = (1..=24).collect();
//! let auth_key = [0x5a; 20];
//! let keys = KeyMaterial::new(&enc_key, &auth_key);
//! let params = SaParams::new(0x7a1a_b8f3, suite);
//! let now = Instant::from_secs(1);
//!
//! let mut outbound = OutboundSa::new(&params, &keys, now)?;
//! let mut inbound = InboundSa::new(&params, &keys, now)?;
//! let mut rng = ChaCha20Rng::seed_from_u64(7);
//!
//! // The inner packet goes after the SA's headroom, with tailroom after it.
//! let inner = b"an IPv4 packet would go here";
//! let head = outbound.headroom();
//! let mut buf = vec![0u8; head + inner.len() + outbound.tailroom(inner.len())];
//! buf[head..head + inner.len()].copy_from_slice(inner);
//!
//! // Seal in place: the ESP packet is buf[out].
//! let out = outbound.seal(&mut buf, head..head + inner.len(), protocol::IPV4, &mut rng, now)?;
//! assert_eq!(out, 0..buf.len());
//! assert_ne!(&buf[head..head + inner.len()], inner); // encrypted where it lay
//! let captured = buf.clone(); // what an attacker could record
//!
//! // Open in place: ICV, anti-replay, decryption, padding.
//! let opened = inbound.open(&mut buf[out.clone()], now)?;
//! assert_eq!(&buf[out.clone()][opened.inner], inner);
//! assert_eq!(opened.next_header, protocol::IPV4);
//!
//! // A replay is refused and counted.
//! let mut replayed = captured;
//! assert!(inbound.open(&mut replayed[out], now).is_err());
//! assert_eq!(inbound.counters().replay_failures, 1);
//! assert_eq!((outbound.counters().encaps, inbound.counters().decaps), (1, 1));
//! # Ok(())
//! # }
//! ```

#![forbid(unsafe_code)]

pub mod counters;
mod error;
pub mod lifetime;
pub mod replay;
pub mod sa;
pub mod sad;
pub mod spd;
pub mod suite;
pub mod wire;

pub use counters::SaCounters;
pub use error::{EspError, ReplayReason};
pub use lifetime::{ExpiryCause, Lifetime, LifetimeEvent, Remaining};
pub use sa::{InboundSa, Mode, Opened, OutboundSa, SaParams, UdpEncapsulation};
pub use sad::{SaId, SaRef, Sad};
pub use spd::{Decision, Spd};
pub use suite::{Backend, Encryption, Integrity, KeyMaterial, Suite};

/// Time: the one `Instant` of ikesuite (`ikesuite-time`), milliseconds
/// since an epoch of the caller's choosing. Use a monotonic clock that
/// keeps counting while the machine sleeps (e.g. `CLOCK_BOOTTIME`), so
/// lifetimes include suspended time; [`Epoch`] converts from
/// `std::time::Instant`.
pub use ikesuite_time::{Duration, Epoch, Instant};
