//! Sans-IO ISAKMP/IKEv1: the wire codec, the IKEv1 cryptography and the
//! exchange engine.
//!
//! * [`wire`]: every ISAKMP payload, parsed and emitted byte-exactly;
//!   untrusted bytes never panic (its module documentation emits and parses
//!   a Main Mode message).
//! * [`crypto`]: IKEv1's keys (SKEYID and its derivatives), phase 1 and 2
//!   encryption, constant-time MODP Diffie-Hellman.
//! * [`engine`]: the [`Engine`](engine::Engine), one IKE node: datagrams
//!   and the time in, datagrams, events and a timeout out. No socket, no
//!   clock: see its call order.
//! * [`policy`]: the questions the engine asks (which key, which proposal,
//!   which selectors), with [`StaticPolicy`](policy::StaticPolicy) as a
//!   simple answer; ike-policy answers them from an IOS configuration.
//! * [`time`]: the [`Instant`](time::Instant) every call takes;
//!   [`OsRng`] (feature `os-rng`, default) the operating system's CSPRNG.
//!
//! # Example: a spoke and a hub negotiate Main Mode and Quick Mode
//!
//! ```
//! use std::net::{Ipv4Addr, SocketAddrV4};
//! use ike_proto::OsRng;
//! use ike_proto::engine::{Config, Engine, Event};
//! use ike_proto::policy::{Selectors, StaticPolicy, TrafficSelector};
//! use ike_proto::time::Instant;
//!
//! let (spoke_lan, hub_lan) = (
//!     TrafficSelector::subnet(Ipv4Addr::new(10, 2, 0, 0), 16),
//!     TrafficSelector::subnet(Ipv4Addr::new(10, 1, 0, 0), 16),
//! );
//! let mut spoke = Engine::new(Config::default(), Box::new(StaticPolicy::seed(b"cisco123", spoke_lan, hub_lan)), Box::new(OsRng));
//! let mut hub = Engine::new(Config::default(), Box::new(StaticPolicy::seed(b"cisco123", hub_lan, spoke_lan)), Box::new(OsRng));
//! let spoke_addr = SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 2), 500);
//! let hub_addr = SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 1), 500);
//!
//! // The ESP acquire: a packet from 10.2.0.5 to 10.1.0.7 wants protection.
//! let now = Instant::from_secs(1);
//! let packet = Selectors {
//!     local: TrafficSelector::host(Ipv4Addr::new(10, 2, 0, 5)),
//!     remote: TrafficSelector::host(Ipv4Addr::new(10, 1, 0, 7)),
//! };
//! spoke.initiate(now, spoke_addr, hub_addr, packet)?;
//!
//! // Carry datagrams both ways (your sockets would) until both are quiet.
//! let mut up = (None, None);
//! loop {
//!     let mut moved = false;
//!     while let Some(d) = spoke.poll_transmit() {
//!         hub.handle_datagram(now, d.remote, d.local, &d.payload);
//!         moved = true;
//!     }
//!     while let Some(d) = hub.poll_transmit() {
//!         spoke.handle_datagram(now, d.remote, d.local, &d.payload);
//!         moved = true;
//!     }
//!     while let Some(e) = spoke.poll_event() {
//!         if let Event::ChildSaUp { sa, keys } = e { up.0 = Some((sa, keys)) }
//!     }
//!     while let Some(e) = hub.poll_event() {
//!         if let Event::ChildSaUp { sa, keys } = e { up.1 = Some((sa, keys)) }
//!     }
//!     if !moved { break }
//! }
//! // One ESP SA pair, the same on both ends: move the keys into your data
//! // plane (the event carries the only copy).
//! let (spoke, hub) = (up.0.expect("spoke's SA"), up.1.expect("hub's SA"));
//! assert_eq!((spoke.0.spi_in, spoke.0.spi_out), (hub.0.spi_out, hub.0.spi_in));
//! assert_eq!(spoke.1.outbound, hub.1.inbound);
//! # Ok::<(), ike_proto::engine::CommandError>(())
//! ```

#![forbid(unsafe_code)]

pub mod crypto;
pub mod engine;
pub mod error;
pub mod exchange;
pub mod harness;
pub mod policy;
#[cfg(feature = "os-rng")]
pub mod rng;
pub mod time;
pub mod wire;

#[cfg(feature = "os-rng")]
pub use rng::OsRng;
