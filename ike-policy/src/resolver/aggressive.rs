//! Whether to answer an Aggressive Mode first message. Its answer carries
//! HASH_R keyed with the pre-shared key, which anyone can guess offline:
//! a hub answers only the identities it is configured to take in
//! Aggressive Mode, in IOS's terms:
//! * an ID_KEY_ID naming a `crypto isakmp client configuration group`
//!   (with a `key`): the Cisco VPN Client;
//! * a `crypto isakmp peer address A` (from A) or `crypto isakmp peer
//!   hostname NAME` (ID_FQDN NAME) block with `set aggressive-mode
//!   password` or `set aggressive-mode client-endpoint`; with a
//!   client-endpoint, the identity must be that one.
//!
//! `crypto isakmp aggressive-mode disable` turns it off for everyone.

use std::net::Ipv4Addr;

use crate::model::{ClientEndpoint, Config, IsakmpPeer, IsakmpPeerId};
use crate::resolver::profile::PeerIdentity;

/// Why Aggressive Mode is or is not answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggressiveModeRule<'c> {
    /// `crypto isakmp aggressive-mode disable`.
    Disabled,
    /// The ID_KEY_ID's client configuration group.
    ClientGroup(&'c str),
    /// A `crypto isakmp peer` block that configures it.
    Peer(&'c IsakmpPeer),
    /// Nothing configures Aggressive Mode for this peer and identity.
    NotConfigured,
}

impl AggressiveModeRule<'_> {
    /// Whether the first message is answered.
    pub fn allowed(&self) -> bool {
        matches!(self, Self::ClientGroup(_) | Self::Peer(_))
    }
}

fn endpoint_is(endpoint: &ClientEndpoint, identity: Option<&PeerIdentity>) -> bool {
    match (endpoint, identity) {
        (ClientEndpoint::Ipv4(a), Some(PeerIdentity::Ipv4(b))) => a == b,
        (ClientEndpoint::Fqdn(a), Some(PeerIdentity::Fqdn(b))) => a.eq_ignore_ascii_case(b),
        (ClientEndpoint::UserFqdn(a), Some(PeerIdentity::UserFqdn(b))) => a.eq_ignore_ascii_case(b),
        _ => false,
    }
}

/// The `crypto isakmp peer` block that configures Aggressive Mode for a
/// peer at `peer` with `identity`: an `address` block for `peer` first,
/// then a `hostname` block for an ID_FQDN; a block with a client-endpoint
/// takes only that identity.
pub fn aggressive_mode_peer<'c>(
    config: &'c Config,
    peer: Ipv4Addr,
    identity: Option<&PeerIdentity>,
) -> Option<&'c IsakmpPeer> {
    let fits = |p: &&IsakmpPeer| {
        p.aggressive_mode()
            && p.aggressive_mode_client_endpoint
                .as_ref()
                .is_none_or(|e| endpoint_is(e, identity))
    };
    let by_address = config
        .isakmp_peers
        .iter()
        .filter(|p| p.peer == IsakmpPeerId::Address(peer))
        .find(fits);
    by_address.or_else(|| {
        let Some(PeerIdentity::Fqdn(name)) = identity else {
            return None;
        };
        config
            .isakmp_peers
            .iter()
            .filter(
                |p| matches!(&p.peer, IsakmpPeerId::Hostname(h) if h.eq_ignore_ascii_case(name)),
            )
            .find(fits)
    })
}

/// Which rule decides an Aggressive Mode first message from `peer` with
/// `identity` (`None`: an ID type no rule names).
pub fn aggressive_mode_rule<'c>(
    config: &'c Config,
    peer: Ipv4Addr,
    identity: Option<&PeerIdentity>,
) -> AggressiveModeRule<'c> {
    if config.isakmp_aggressive_mode_disable {
        return AggressiveModeRule::Disabled;
    }
    if let Some(PeerIdentity::KeyId(group)) = identity {
        if let Some(g) = config.client_group(group).filter(|g| g.key.is_some()) {
            return AggressiveModeRule::ClientGroup(&g.name);
        }
    }
    match aggressive_mode_peer(config, peer, identity) {
        Some(p) => AggressiveModeRule::Peer(p),
        None => AggressiveModeRule::NotConfigured,
    }
}

/// Whether to answer an Aggressive Mode first message from `peer` with
/// `identity` ([`aggressive_mode_rule`]).
pub fn aggressive_mode_allowed(
    config: &Config,
    peer: Ipv4Addr,
    identity: Option<&PeerIdentity>,
) -> bool {
    aggressive_mode_rule(config, peer, identity).allowed()
}
