//! Shared pieces of the runnable ikesuite programs (`router`, `demo`).
//!
//! * [`packet`]: the inner IPv4 / ICMP / UDP packets, checked and built with
//!   etherparse.
//! * [`router`]: a Gateway driven by real sockets, the inside and a clock.
//! * [`inside_echo`]: a responder standing in for the inside LAN's hosts.
//! * [`traffic`]: an ICMP echo generator that counts loss and round trips.
//! * [`net`]: the inside LAN and outside address read from the IOS config.
//! * [`clock`], [`os_rng`]: the clock and the randomness the sans-IO
//!   libraries are given.
//! * [`io`]: the outside UDP sockets and stdin, read by threads into one
//!   channel; `tun_device` (Linux): the inside as a TUN device;
//!   [`raw_esp`]: the raw IP protocol 50 socket (root / CAP_NET_RAW).
//! * [`logger`]: a small stderr backend for the `log` facade.
//! * [`control`] (Unix): the control socket of `router exec`.
//! * [`data_plane`]: `router --threads N`, the Gateway's data plane on N
//!   threads.

#![forbid(unsafe_code)]

pub mod clock;
#[cfg(unix)]
pub mod control;
pub mod data_plane;
pub mod inside_echo;
pub mod io;
pub mod logger;
pub mod net;
pub mod os_rng;
pub mod outside;
pub mod packet;
pub mod raw_esp;
pub mod router;
pub mod traffic;
#[cfg(target_os = "linux")]
pub mod tun_device;
