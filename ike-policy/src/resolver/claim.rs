//! What a peer's Quick Mode may claim as its own side, beyond what the
//! crypto map entry accepts: a hub on the Internet with one wildcard key
//! must not let one spoke claim the addresses the hub hands out or the
//! networks the hub itself sits on. (Flows other peers hold are the
//! Gateway's live state: [`crate::ownership`].)

use std::net::Ipv4Addr;

use crate::model::{Config, CryptoMapEntry, InterfaceAddress};
use ike_proto::policy::{Selectors, TrafficSelector};

/// Why a claim is refused (each is INVALID_ID_INFORMATION on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimRefusal {
    /// The peer's side overlaps `ip local pool NAME` and is not exactly the
    /// address this IKE SA was handed.
    LocalPool,
    /// The peer's side overlaps a network of one of our interfaces and
    /// the entry has no `match address` saying it may.
    OwnNetwork,
    /// Another peer's live child SA holds an overlapping flow.
    Held,
}

fn overlaps(p: &TrafficSelector, first: Ipv4Addr, last: Ipv4Addr) -> bool {
    u32::from(p.start) <= u32::from(last) && u32::from(first) <= u32::from(p.end)
}

/// The networks of our interfaces with a static `ip address A M`.
pub fn own_networks(config: &Config) -> impl Iterator<Item = (Ipv4Addr, Ipv4Addr)> + '_ {
    config.interfaces.iter().filter_map(|i| match i.address {
        Some(InterfaceAddress::Static { address, mask }) => {
            let m = u32::from(mask);
            let net = u32::from(address) & m;
            Some((Ipv4Addr::from(net), Ipv4Addr::from(net | !m)))
        }
        _ => None,
    })
}

/// Whether a peer may claim `proxies.remote` (its side) under `entry`:
/// * no overlap with any `ip local pool`, unless it is exactly the Mode
///   Config address `assigned` this IKE SA was handed;
/// * for an entry without `match address` (a dynamic entry, which takes
///   what is free), no overlap with the networks of our interfaces; with
///   `match address`, the ACL ([`super::entry_accepts_proxies`]) already
///   says what it allows.
pub fn proxy_claim_allowed(
    config: &Config,
    entry: &CryptoMapEntry,
    proxies: &Selectors,
    assigned: Option<Ipv4Addr>,
) -> Result<(), ClaimRefusal> {
    let theirs = &proxies.remote;
    let own_address = assigned.is_some_and(|a| theirs.start == a && theirs.end == a);
    let in_pool = config
        .local_pools
        .iter()
        .flat_map(|p| p.ranges.iter())
        .any(|r| overlaps(theirs, r.first, r.last));
    if in_pool && !own_address {
        return Err(ClaimRefusal::LocalPool);
    }
    if entry.match_address.is_none() && own_networks(config).any(|(f, l)| overlaps(theirs, f, l)) {
        return Err(ClaimRefusal::OwnNetwork);
    }
    Ok(())
}
