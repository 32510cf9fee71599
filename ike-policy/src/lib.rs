//! Cisco IOS crypto configuration model, IOS-text parser, policy resolver and the Gateway node.
//!
//! * [`model`]: the objects of an IOS crypto configuration, with their IOS
//!   names: [`Keyring`](model::Keyring), [`IsakmpPolicy`](model::IsakmpPolicy),
//!   [`IsakmpProfile`](model::IsakmpProfile),
//!   [`TransformSet`](model::TransformSet),
//!   [`CryptoMapEntry`](model::CryptoMapEntry), access lists, pools, users,
//!   AAA lists, interfaces.
//! * [`ios`]: the parser from IOS configuration text to a [`Config`], with
//!   errors that name the line and column.
//! * [`resolver`]: Cisco's rules as plain functions: which pre-shared key,
//!   which ISAKMP policy, which profile, whether Xauth, which crypto map
//!   entry and transform set, which selectors, which pool address.
//! * [`IosPolicy`]: ike-proto's policy trait answered with those rules, so
//!   the IKEv1 engine negotiates as the configuration says.
//! * [`gateway`]: the [`Gateway`], one IPsec node (configuration, engine,
//!   ESP SAD and SPD) with datagrams, inside packets and time in, datagrams,
//!   inside packets and events out, and the `show crypto` views; its module
//!   documentation has the call order and a hub and spoke run in memory.
//! * [`ownership`]: which peer's live child SA holds which flow, so no
//!   peer with the wildcard key claims another's; [`lockout`]: Xauth
//!   lockouts, back-off and login counts across IKE SAs.
//! * [`show`]: the IOS show views, rendered from snapshots.
//! * [`Secret`] holds keys and passwords (zeroized, never printed, compared
//!   in constant time); [`type7`] decodes `password 7` strings.
//!
//! The library does no I/O and keeps no global state.
//!
//! # Example: the seed's hub
//!
//! Parse the hub of Cisco's "IPsec Router Dynamic LAN-to-LAN Peer and VPN
//! Clients" example, then answer what the hub asks itself when the spoke at
//! 10.100.2.102 and a VPN Client of group "testgroup" come in.
//!
//! ```
//! use std::net::Ipv4Addr;
//! use ike_policy::resolver::{self, KeyScope, PeerIdentity};
//!
//! let hub = ike_policy::parse("\
//! hostname Hub
//! username gfullage password 7 0201024E070A0E2649
//! aaa new-model
//! aaa authentication login clientauth local
//! aaa authorization network groupauthor local
//! !
//! !--- Keyring that defines wildcard pre-shared key.
//! crypto keyring spokes
//!   pre-shared-key address 0.0.0.0 0.0.0.0 key cisco123
//! !
//! crypto isakmp policy 10
//!  encr 3des
//!  authentication pre-share
//!  group 2
//! !
//! crypto isakmp client configuration group testgroup
//!  key cisco321
//!  dns 1.1.1.1 2.2.2.2
//!  wins 3.3.3.3 4.4.4.4
//!  domain cisco.com
//!  pool ippool
//! !
//! crypto isakmp profile L2L
//!    description LAN-to-LAN for spoke router(s) connection
//!    keyring spokes
//!    match identity address 0.0.0.0
//! crypto isakmp profile VPNclient
//!    description VPN clients profile
//!    match identity group testgroup
//!    client authentication list clientauth
//!    isakmp authorization list groupauthor
//!    client configuration address respond
//! !
//! crypto ipsec transform-set myset esp-3des esp-sha-hmac
//! crypto dynamic-map dynmap 5
//!  set transform-set myset
//!  set isakmp-profile VPNclient
//! crypto dynamic-map dynmap 10
//!  set transform-set myset
//!  set isakmp-profile L2L
//! crypto map mymap 10 ipsec-isakmp dynamic dynmap
//! !
//! interface FastEthernet0/0
//!  description Outside interface
//!  ip address 10.48.67.181 255.255.255.224
//!  duplex auto
//!  crypto map mymap
//! ip local pool ippool 10.5.5.1 10.5.5.254
//! ").unwrap();
//!
//! // The spoke: "Looking for a matching key for 10.100.2.102 in default",
//! // "... in spokes : success".
//! let spoke = Ipv4Addr::new(10, 100, 2, 102);
//! let lookup = resolver::find_key_by_address(&hub, spoke, KeyScope::AllKeyrings);
//! assert_eq!(lookup.searched, ["default", "spokes"]);
//! let key = lookup.found.unwrap();
//! assert_eq!(key.keyring, "spokes");
//! assert!(key.secret().ct_eq_bytes(b"cisco123"));
//! assert_eq!(format!("{:?}", key.secret()), "Secret(<redacted>)");
//!
//! // "peer matches L2L profile": no client authentication list, no Xauth.
//! let l2l = resolver::select_profile(&hub, &PeerIdentity::Ipv4(spoke)).unwrap();
//! assert_eq!(l2l.name, "L2L");
//! assert!(!resolver::xauth_required(Some(l2l), Some(key.entry), hub.crypto_map("mymap")));
//!
//! // The VPN Client: group key, Xauth, then an address from ippool.
//! let group = PeerIdentity::KeyId("testgroup".into());
//! let vpn = resolver::select_profile(&hub, &group).unwrap();
//! assert_eq!(vpn.name, "VPNclient");
//! assert!(resolver::find_group_key(&hub, "testgroup").unwrap().ct_eq_bytes(b"cisco321"));
//! assert!(resolver::xauth_required(Some(vpn), None, hub.crypto_map("mymap")));
//! assert_eq!(resolver::authenticate_xauth(&hub, "clientauth", "gfullage", b"gfullage"), Some(true));
//! let mut pool = resolver::AddressPool::new(hub.local_pool("ippool").unwrap());
//! assert_eq!(pool.allocate(), Some(Ipv4Addr::new(10, 5, 5, 1)));
//!
//! // `duplex auto` is kept aside with its line number.
//! assert_eq!(hub.ignored[0].text.trim(), "duplex auto");
//! ```

#![forbid(unsafe_code)]

pub mod gateway;
pub mod ios;
pub mod ios_policy;
pub mod lockout;
pub mod model;
pub mod ownership;
pub mod resolver;
pub mod secret;
pub mod show;
pub mod type7;

pub use gateway::{
    DataPlaneWorker, Epoch, Gateway, GatewayError, GatewayEvent, GatewayOptions, Inbound,
    Initiated, Instant, Outbound, Transmit,
};
#[cfg(feature = "os-rng")]
pub use ike_proto::OsRng;
pub use ios::{ConfigError, ConfigWarning, ParseOptions, Parsed, parse, parse_with};
pub use ios_policy::IosPolicy;
pub use model::Config;
pub use secret::Secret;

/// The repository README's Rust example, compiled and run as a doc test so
/// that it cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
