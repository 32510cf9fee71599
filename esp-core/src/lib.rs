//! Zero-copy, allocation-free ESP (RFC 4303/3948) data plane: suites, in-place seal/open, anti-replay, lifetimes, SAD and SPD.

#![forbid(unsafe_code)]
