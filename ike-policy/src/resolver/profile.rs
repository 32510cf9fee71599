//! ISAKMP profile selection and the Xauth decision.

use std::net::Ipv4Addr;

use crate::model::{Config, CryptoMap, IsakmpProfile, MatchIdentity, PresharedKey};

/// The identity a peer sent in its phase 1 ID payload.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PeerIdentity {
    /// ID_IPV4_ADDR (what a LAN-to-LAN router sends, the seed's spoke).
    Ipv4(Ipv4Addr),
    /// ID_FQDN.
    Fqdn(String),
    /// ID_USER_FQDN (`user@domain`).
    UserFqdn(String),
    /// ID_KEY_ID: a Cisco VPN Client's group name (the seed's "testgroup").
    KeyId(String),
}

fn in_domain(name: &str, domain: &str) -> bool {
    let (name, domain) = (name.to_ascii_lowercase(), domain.to_ascii_lowercase());
    name == domain || name.ends_with(&format!(".{domain}"))
}

/// How well one `match identity` statement matches an identity: `None` for
/// no match, else a rank (higher is more specific). Address matches rank by
/// the number of mask bits (0 for the wildcard), exact group, host and user
/// names rank above any address, domain matches rank lowest.
///
/// `match identity address` matches only ID_IPV4_ADDR identities: in the
/// seed, the VPN Client's ID_KEY_ID "testgroup" does not fall into L2L's
/// wildcard address but into VPNclient ("peer matches VPNclient profile").
pub fn identity_rank(m: &MatchIdentity, id: &PeerIdentity) -> Option<u32> {
    match (m, id) {
        (MatchIdentity::Address { address, .. }, PeerIdentity::Ipv4(peer)) => {
            let mask = u32::from(m.effective_mask()?);
            (u32::from(*address) & mask == u32::from(*peer) & mask).then_some(mask.count_ones() + 1)
        }
        (MatchIdentity::Group(g), PeerIdentity::KeyId(k)) => (g == k).then_some(100),
        (MatchIdentity::Host(h), PeerIdentity::Fqdn(f)) => h.eq_ignore_ascii_case(f).then_some(100),
        (MatchIdentity::User(u), PeerIdentity::UserFqdn(f)) => {
            u.eq_ignore_ascii_case(f).then_some(100)
        }
        (MatchIdentity::HostDomain(d), PeerIdentity::Fqdn(f)) => in_domain(f, d).then_some(0),
        (MatchIdentity::UserDomain(d), PeerIdentity::UserFqdn(f)) => {
            let domain = f.rsplit_once('@').map_or(f.as_str(), |(_, d)| d);
            in_domain(domain, d).then_some(0)
        }
        _ => None,
    }
}

/// Chooses the ISAKMP profile for a peer's identity: the profile with the
/// most specific matching `match identity` statement (see
/// [`identity_rank`]), the first in configuration order on a tie. `None`
/// when no profile matches.
///
/// The seed's hub: ID_IPV4_ADDR 10.100.2.102 gives L2L (`match identity
/// address 0.0.0.0`), ID_KEY_ID "testgroup" gives VPNclient.
pub fn select_profile<'c>(config: &'c Config, id: &PeerIdentity) -> Option<&'c IsakmpProfile> {
    let mut best: Option<(u32, &IsakmpProfile)> = None;
    for p in &config.isakmp_profiles {
        let rank = p
            .match_identities
            .iter()
            .filter_map(|m| identity_rank(m, id))
            .max();
        if let Some(r) = rank {
            if best.is_none_or(|(br, _)| r > br) {
                best = Some((r, p));
            }
        }
    }
    best.map(|(_, p)| p)
}

/// Whether the peer must pass Xauth after phase 1.
///
/// * When a profile applies, Xauth runs exactly when it has `client
///   authentication list` (the seed's point: L2L has none, so the
///   wildcard-key spokes are not asked; VPNclient has one).
/// * Without a profile, a key from `crypto isakmp key ... no-xauth` means
///   no Xauth.
/// * Otherwise Xauth runs when the crypto map says `crypto map M client
///   authentication list L`.
pub fn xauth_required(
    profile: Option<&IsakmpProfile>,
    key: Option<&PresharedKey>,
    crypto_map: Option<&CryptoMap>,
) -> bool {
    if let Some(p) = profile {
        return p.client_authentication_list.is_some();
    }
    if key.is_some_and(|k| k.no_xauth) {
        return false;
    }
    crypto_map.is_some_and(|m| m.client_authentication_list.is_some())
}

/// Whether Xauth may be needed before the peer's identity is known (IOS's
/// "Scanning profiles for xauth ..." in Main Mode message 1): some profile
/// has `client authentication list`, or the crypto map does. The engine
/// then accepts the Xauth authentication methods and announces Xauth.
pub fn xauth_possible(config: &Config, crypto_map: Option<&CryptoMap>) -> bool {
    config
        .isakmp_profiles
        .iter()
        .any(|p| p.client_authentication_list.is_some())
        || crypto_map.is_some_and(|m| m.client_authentication_list.is_some())
}
