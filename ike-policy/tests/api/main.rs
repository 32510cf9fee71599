//! The public API of ike-policy, one test binary: the parser on the seed's
//! configurations and on bad input, type 7 vectors, the resolver's rules, and
//! Gateways negotiating in memory (`common` holds their shared harness).

mod builder;
mod common;
mod debug_fidelity;
mod ezvpn;
mod gateway;
mod gateway_caller_buffer;
mod gateway_exec;
mod gateway_ezvpn;
mod gateway_ezvpn_policy;
mod gateway_hub_security;
mod gateway_reload;
mod gateway_vpn_client;
mod gateway_vpn_client_clear;
mod gateway_workers;
mod gateway_xauth_client;
mod gateway_xauth_deferred;
mod hub_limits;
mod ios_lines;
mod ios_lines_replay;
mod keylog_tshark;
mod parser;
mod policy;
mod resolver;
mod robust;
mod show_views;
mod threads;
mod type7;

use ike_policy::Config;

/// The seed's hub configuration, verbatim.
pub const HUB: &str = common::HUB_CFG;
/// The seed's spoke configuration, verbatim.
pub const SPOKE: &str = common::SPOKE_CFG;

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
