//! Criterion benches live in `benches/`; this library holds what a bench
//! and a test share: the hub-and-spokes rig of the per-peer figures.

#![forbid(unsafe_code)]

pub mod peers;
