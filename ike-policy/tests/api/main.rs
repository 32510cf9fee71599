//! The public API of ike-policy: the parser on the seed's configurations and
//! on bad input, type 7 vectors, and the resolver's rules.

mod builder;
mod ezvpn;
mod hub_limits;
mod parser;
mod policy;
mod resolver;
mod robust;
mod type7;

use ike_policy::Config;

/// The seed's hub configuration, verbatim.
pub const HUB: &str = include_str!("../configs/hub.cfg");
/// The seed's spoke configuration, verbatim.
pub const SPOKE: &str = include_str!("../configs/spoke.cfg");

/// The hub configuration, parsed.
pub fn hub() -> Config {
    ike_policy::parse(HUB).expect("the seed's hub configuration parses")
}

/// The spoke configuration, parsed.
pub fn spoke() -> Config {
    ike_policy::parse(SPOKE).expect("the seed's spoke configuration parses")
}

/// An address from text.
pub fn ip(s: &str) -> std::net::Ipv4Addr {
    s.parse().unwrap()
}
