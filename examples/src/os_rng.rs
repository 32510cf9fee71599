//! The operating system's randomness as the `rand_core::CryptoRng` that the
//! libraries take: the one ike-proto exports.

pub use ike_proto::OsRng;
