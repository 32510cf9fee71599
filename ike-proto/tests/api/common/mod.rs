//! What the ike-proto integration tests share.

pub mod seed;
pub mod vectors;
