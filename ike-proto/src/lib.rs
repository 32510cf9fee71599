//! Sans-IO ISAKMP/IKEv1: the wire codec, the IKEv1 cryptography and the
//! exchange engine.

#![forbid(unsafe_code)]

pub mod crypto;
pub mod engine;
pub mod error;
pub mod exchange;
pub mod harness;
pub mod policy;
#[cfg(feature = "os-rng")]
pub mod rng;
pub mod time;
pub mod wire;

#[cfg(feature = "os-rng")]
pub use rng::OsRng;
