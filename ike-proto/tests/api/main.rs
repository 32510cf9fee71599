//! The integration tests of ike-proto, one binary: the wire codec on the
//! seed's packets and on damage, the crypto on published vectors, and two
//! engines negotiating in memory under loss, reordering and attack. The
//! flood tests keep their own binary: they count heap with a global
//! allocator.

mod aggressive_policy;
mod audit_forged;
mod audit_fuzz;
mod audit_state;
mod child_limits;
mod common;
mod crypto_cipher;
mod crypto_dh;
mod crypto_kdf;
mod crypto_vid;
mod engine;
mod engine_counters;
mod engine_errors;
mod engine_ports;
mod quick_mode_replay;
mod transaction;
mod wire_reject;
mod wire_roundtrip;
mod wire_seed;
