//! Sans-IO ISAKMP/IKEv1: the wire codec, the IKEv1 cryptography and the
//! exchange engine.

#![forbid(unsafe_code)]

pub mod crypto;
pub mod engine;
pub mod error;
pub mod exchange;
pub mod harness;
pub mod policy;
pub mod time;
pub mod wire;
