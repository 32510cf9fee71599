//! The operator's `show` views, rendered in Cisco IOS 12.3's layout.
//!
//! This module is a pure renderer: it turns plain snapshot structs into the
//! text an IOS router prints. It owns no state and reads no clock; whoever
//! owns the live state (the Gateway) fills the snapshots, with remaining
//! lifetimes already computed for "now". Every value printed comes from a
//! field; the only literal text is IOS's own labels and headings.
//!
//! | command | snapshot | renderer |
//! |---|---|---|
//! | `show crypto isakmp sa` | [`IsakmpSaView`] | [`render_isakmp_sa`] |
//! | `show crypto isakmp sa detail` | [`IsakmpSaView`] | [`render_isakmp_sa_detail`] |
//! | `show crypto ipsec sa [peer A \| map M \| interface I]` | [`InterfaceSas`] | [`render_ipsec_sa`] with an [`IpsecSaFilter`] |
//! | `show crypto map [tag M]` | [`CryptoMapView`] | [`render_crypto_map`] |
//! | `show crypto dynamic-map [tag M]` | [`CryptoMapView`] | [`render_dynamic_map`] |
//! | `show crypto session [detail]` | [`SessionView`] | [`render_crypto_session`] |
//! | `show crypto isakmp policy` | the model's [`crate::model::IsakmpPolicy`] | [`render_isakmp_policy`] |
//! | `show crypto ipsec transform-set` | the model's [`crate::model::TransformSet`] | [`render_transform_sets`] |
//!
//! The layouts follow the seed document (Cisco's "IPsec Router Dynamic
//! LAN-to-LAN Peer and VPN Clients", IOS 12.3): `show crypto isakmp sa
//! detail` and `show crypto ipsec sa` reproduce its output byte for byte
//! (up to trailing whitespace), flush-left as the seed prints them. A live
//! router indents the lines of `show crypto ipsec sa`; the seed's page does
//! not, and the seed is our reference. Views the seed does not show
//! (`show crypto isakmp sa` without `detail`, `show crypto map`) follow the
//! IOS 12.x layout of Cisco's published examples; they have not been checked
//! against a live router.
//!
//! Filtering beyond [`IpsecSaFilter`] (`show crypto map tag M`, one peer's
//! IKE SAs) is the caller's: pass only the snapshots to print.
//!
//! Lines end in `\n`; a terminal driver that wants `\r\n` converts.
//!
//! # Example: the spoke's IKE SA on the hub
//!
//! ```
//! use std::net::Ipv4Addr;
//! use ike_policy::show::{
//!     render_isakmp_sa, render_isakmp_sa_detail, Capabilities, IsakmpAuth, IsakmpRole,
//!     IsakmpSaStatus, IsakmpSaView, IsakmpState,
//! };
//!
//! let sa = IsakmpSaView {
//!     conn_id: 1,
//!     local: Ipv4Addr::new(10, 48, 67, 181),
//!     remote: Ipv4Addr::new(10, 100, 2, 102),
//!     role: IsakmpRole::Responder,
//!     ivrf: String::new(),
//!     encr: "3des".into(),
//!     hash: "sha".into(),
//!     auth: IsakmpAuth::PreShared,
//!     dh_group: 2,
//!     remaining_lifetime_secs: 15_343,
//!     caps: Capabilities::default(),
//!     state: IsakmpState::QmIdle,
//!     status: IsakmpSaStatus::Active,
//!     slot: 0,
//! };
//!
//! // The spoke initiated, so the hub is the destination of the exchange.
//! assert_eq!(
//!     render_isakmp_sa(&[sa.clone()]),
//!     "dst             src             state          conn-id slot status\n\
//!      10.48.67.181    10.100.2.102    QM_IDLE              1    0 ACTIVE\n"
//! );
//!
//! let detail = render_isakmp_sa_detail(&[sa]);
//! assert!(detail.ends_with(
//!     "C-id  Local           Remote          I-VRF    Encr Hash Auth DH Lifetime Cap.\n\
//!      1     10.48.67.181    10.100.2.102             3des sha  psk  2   04:15:43 \n"
//! ));
//! ```

mod config_views;
mod crypto_map;
mod ipsec;
mod isakmp;
mod session;
mod text;

pub use config_views::{render_dynamic_map, render_isakmp_policy, render_transform_sets};
pub use session::{SessionFlow, SessionIke, SessionStatus, SessionView, render_crypto_session};

pub use crypto_map::{
    AccessListView, AclAction, AclAddress, AclEntryView, AclPort, CryptoMapEntryView,
    CryptoMapKind, CryptoMapView, render_crypto_map,
};
pub use ipsec::{
    EncapsulationMode, EspSaView, FlowCounters, FlowErrors, FlowFlag, FlowView, InterfaceSas,
    IpsecSaFilter, ProxyIdent, render_ipsec_sa, render_ipsec_sa_detail,
};
pub use isakmp::{
    Capabilities, IsakmpAuth, IsakmpRole, IsakmpSaStatus, IsakmpSaView, IsakmpState,
    render_isakmp_sa, render_isakmp_sa_detail,
};
pub use text::format_hms;
