//! Cisco's rules, as plain functions on the [`Config`](crate::model::Config)
//! and small neutral types: what the engine's policy trait will ask.
//!
//! | question | function |
//! | --- | --- |
//! | which pre-shared key for this peer address? | [`find_key_by_address`] |
//! | ... for this FQDN, for this VPN Client group? | [`find_key_by_hostname`], [`find_group_key`] |
//! | which ISAKMP policy for these phase 1 transforms, and which lifetime? | [`choose_isakmp_policy`] |
//! | which ISAKMP profile for this identity? | [`select_profile`] |
//! | answer this Aggressive Mode first message? | [`aggressive_mode_allowed`] |
//! | Xauth or not? | [`xauth_required`], [`xauth_possible`] |
//! | in which order are crypto map entries tried? | [`crypto_map_candidates`] |
//! | which transform set for these phase 2 transforms? | [`choose_transform`] |
//! | which entry answers this quick mode? | [`select_responder_entry`] |
//! | which entry protects this outbound packet? | [`select_initiator_entry`] |
//! | which selectors does this ACL make? | [`acl_selectors`], lazily [`acl_selector_iter`] |
//! | may the peer have these proxy identities? | [`entry_accepts_proxies`] |
//! | may it claim them as its side (pools, our networks)? | [`proxy_claim_allowed`] |
//! | which address for this VPN Client? | [`AddressPool`] |
//! | is this Xauth user name and password right? | [`authenticate_xauth`] |
//!
//! The functions borrow the configuration and hold no state, except
//! [`AddressPool`].

mod aaa;
mod aggressive;
mod claim;
mod cryptomap;
mod keys;
mod phase1;
mod pool;
mod profile;
mod selector;
mod transform;

pub use aaa::{authenticate_xauth, verify_local_user};
pub use aggressive::{
    AggressiveModeRule, aggressive_mode_allowed, aggressive_mode_peer, aggressive_mode_rule,
};
pub use claim::{ClaimRefusal, own_networks, proxy_claim_allowed};
pub use cryptomap::{
    MapCandidate, Phase2Request, Phase2Selection, crypto_map_candidates, entry_accepts_proxies,
    select_initiator_entry, select_responder_entry,
};
pub use keys::{
    KeyLookup, KeyMatch, KeyScope, find_group_key, find_key_by_address, find_key_by_hostname,
    keyrings_in_scope,
};
pub use phase1::{
    LifetimeRule, Phase1Choice, Phase1Options, choose_isakmp_policy, negotiate_phase1_lifetime,
    policy_matches,
};
pub use pool::AddressPool;
pub use profile::{PeerIdentity, identity_rank, select_profile, xauth_possible, xauth_required};
pub use selector::{
    AclSelector, AddressMatch, Flow, PortRange, Selector, acl_accepts_proxies, acl_action_for,
    acl_selector_iter, acl_selectors,
};
pub use transform::{Phase2Choice, choose_transform, negotiate_sa_lifetime, transform_set_accepts};
