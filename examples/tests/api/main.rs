//! The example binaries run as a user runs them, one test binary: the demo,
//! routers as hub and spoke over loopback, the raw ESP socket, signals, and
//! the Easy VPN client (`common` finds free ports and the configurations).

mod common;
mod console;
mod demo;
mod exec;
mod raw_esp;
mod reload;
mod router;
mod router_warnings;
mod signals;
mod vpnclient;
