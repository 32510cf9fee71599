//! The public API of esp-core, end to end: published vectors, byte-exact
//! known packets, round trips, tampering, replay, lifetimes, SAD/SPD, and
//! untrusted input.

mod audit_open;
mod backends;
mod common;
mod known_packets;
mod lifetime;
mod replay;
mod roundtrip;
mod sad_queues;
mod sad_spd;
mod untrusted;
mod vectors;
