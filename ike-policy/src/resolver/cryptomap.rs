//! Crypto map evaluation order, and the entry a phase 2 negotiation uses.

use std::net::Ipv4Addr;

use crate::model::{AclAction, Config, CryptoMap, CryptoMapEntry, DynamicMap};
use ike_proto::policy::Selectors;

use crate::resolver::selector::{Flow, acl_accepts_proxies, acl_action_for};
use crate::resolver::transform::{Phase2Choice, choose_transform};
use ike_proto::policy::Phase2Proposal;

/// One entry of a crypto map as it is evaluated: a static entry, or one
/// entry of the dynamic map that a crypto map entry stands for.
#[derive(Debug, Clone, Copy)]
pub struct MapCandidate<'c> {
    /// The crypto map.
    pub map: &'c CryptoMap,
    /// The crypto map's entry.
    pub map_entry: &'c CryptoMapEntry,
    /// For an entry that refers to a dynamic map: that map and one of its
    /// entries.
    pub dynamic: Option<(&'c DynamicMap, &'c CryptoMapEntry)>,
}

impl<'c> MapCandidate<'c> {
    /// The entry whose settings apply (the dynamic map's entry for a
    /// dynamic candidate).
    pub fn entry(&self) -> &'c CryptoMapEntry {
        self.dynamic.map_or(self.map_entry, |(_, e)| e)
    }

    /// Whether it comes from a dynamic map.
    pub fn is_dynamic(&self) -> bool {
        self.dynamic.is_some()
    }
}

/// The entries of a crypto map in evaluation order: static entries by
/// sequence number, then the entries that refer to dynamic maps (by
/// sequence number), each expanded into its dynamic map's entries by their
/// sequence numbers.
///
/// Cisco's advice that the dynamic entry must have the highest sequence
/// number ("if the static entries are numbered higher than the dynamic
/// entry, connections with those peers fail", from the seed) becomes a rule
/// here: a dynamic entry never shadows a static one.
///
/// The seed's hub: `mymap 10` → `dynmap 5` (profile VPNclient), then
/// `dynmap 10` (profile L2L).
pub fn crypto_map_candidates<'c>(config: &'c Config, map: &'c CryptoMap) -> Vec<MapCandidate<'c>> {
    let mut statics: Vec<&CryptoMapEntry> = map
        .entries
        .iter()
        .filter(|e| e.dynamic_map.is_none())
        .collect();
    statics.sort_by_key(|e| e.seq);
    let mut dynamics: Vec<&CryptoMapEntry> = map
        .entries
        .iter()
        .filter(|e| e.dynamic_map.is_some())
        .collect();
    dynamics.sort_by_key(|e| e.seq);

    let mut out: Vec<MapCandidate<'c>> = statics
        .into_iter()
        .map(|e| MapCandidate {
            map,
            map_entry: e,
            dynamic: None,
        })
        .collect();
    for e in dynamics {
        let Some(dm) = e.dynamic_map.as_deref().and_then(|n| config.dynamic_map(n)) else {
            continue;
        };
        let mut dyn_entries: Vec<&CryptoMapEntry> = dm.entries.iter().collect();
        dyn_entries.sort_by_key(|d| d.seq);
        out.extend(dyn_entries.into_iter().map(|d| MapCandidate {
            map,
            map_entry: e,
            dynamic: Some((dm, d)),
        }));
    }
    out
}

/// Whether an entry accepts a peer's proposed proxy identities: with
/// `match address ACL`, the ACL must accept them
/// ([`acl_accepts_proxies`]); a dynamic map entry without an ACL accepts
/// whatever the peer proposes (the seed's VPN Client: 0.0.0.0/0 on the
/// hub's side, 10.5.5.1/32 on its own); a static entry without an ACL
/// accepts nothing.
pub fn entry_accepts_proxies(
    config: &Config,
    entry: &CryptoMapEntry,
    dynamic: bool,
    proxies: &Selectors,
) -> bool {
    match entry.match_address.as_deref() {
        Some(name) => config
            .access_list(name)
            .is_some_and(|acl| acl_accepts_proxies(acl, proxies)),
        None => dynamic,
    }
}

/// A responder's phase 2 question.
#[derive(Debug, Clone, Copy)]
pub struct Phase2Request<'a> {
    /// The peer's address.
    pub peer: Ipv4Addr,
    /// The ISAKMP profile the IKE SA was matched to, if any.
    pub profile: Option<&'a str>,
    /// The proposed proxy identities, from our point of view.
    pub proxies: Selectors,
    /// The proposed transforms, in the peer's order.
    pub transforms: &'a [Phase2Proposal],
}

/// The entry and transform a responder chose.
#[derive(Debug, Clone, Copy)]
pub struct Phase2Selection<'c> {
    /// The crypto map entry (possibly a dynamic map's entry).
    pub candidate: MapCandidate<'c>,
    /// The transform, PFS group and lifetimes.
    pub choice: Phase2Choice<'c>,
}

/// Chooses the crypto map entry for a peer's quick mode proposal: the first
/// candidate, in [`crypto_map_candidates`] order, that
/// * lists the peer in `set peer` (static entries; a dynamic entry with no
///   `set peer` takes any peer),
/// * has no `set isakmp-profile`, or names the profile of the IKE SA (so
///   the seed's spoke, matched to L2L, skips `dynmap 5` for VPNclient and
///   lands on `dynmap 10`),
/// * accepts the proxy identities ([`entry_accepts_proxies`]),
/// * and has a transform set that accepts one of the transforms
///   ([`choose_transform`]).
pub fn select_responder_entry<'c>(
    config: &'c Config,
    map: &'c CryptoMap,
    request: &Phase2Request<'_>,
) -> Option<Phase2Selection<'c>> {
    for candidate in crypto_map_candidates(config, map) {
        let entry = candidate.entry();
        let peer_ok = if candidate.is_dynamic() {
            entry.peers.is_empty() || entry.peers.contains(&request.peer)
        } else {
            entry.peers.contains(&request.peer)
        };
        let profile_ok = match entry.isakmp_profile.as_deref() {
            None => true,
            Some(p) => request.profile == Some(p),
        };
        if !(peer_ok
            && profile_ok
            && entry_accepts_proxies(config, entry, candidate.is_dynamic(), &request.proxies))
        {
            continue;
        }
        if let Some(choice) = choose_transform(config, entry, request.transforms) {
            return Some(Phase2Selection { candidate, choice });
        }
    }
    None
}

/// The static crypto map entry an outbound packet calls for: the first
/// static entry (by sequence number) whose ACL permits the packet. A deny
/// line lets the packet go on to the next entry; `None` means the packet is
/// not for IPsec under this map (it goes in clear). Dynamic entries never
/// initiate.
pub fn select_initiator_entry<'c>(
    config: &'c Config,
    map: &'c CryptoMap,
    flow: &Flow,
) -> Option<MapCandidate<'c>> {
    crypto_map_candidates(config, map)
        .into_iter()
        .filter(|c| !c.is_dynamic())
        .find(|c| {
            c.entry()
                .match_address
                .as_deref()
                .and_then(|n| config.access_list(n))
                .is_some_and(|acl| acl_action_for(acl, flow) == Some(AclAction::Permit))
        })
}
