//! What the ike-proto integration tests share.

pub mod vectors;
