//! The Security Policy Database: ordered selectors over IPv4 traffic, each
//! with an action (protect with an SA, bypass, discard).
//!
//! Entries are searched in order and the first match decides, as Cisco
//! walks a crypto map's sequence numbers (the caller orders them). A
//! protect entry whose SA is missing or expired yields an [`Acquire`]:
//! the selector and the packet's addresses, for IKE to negotiate an SA.
//!
//! ```
//! use core::net::Ipv4Addr;
//! use esp_core::spd::{AddressMatch, Decision, Fallback, PolicyAction, PolicyEntry, PolicyId, Selector, Spd};
//! use esp_core::Sad;
//!
//! let mut spd = Spd::new(Fallback::Bypass);
//! spd.push(PolicyEntry {
//!     id: PolicyId(10),
//!     selector: Selector {
//!         source: AddressMatch::prefix(Ipv4Addr::new(10, 1, 0, 0), 16).unwrap(),
//!         destination: AddressMatch::prefix(Ipv4Addr::new(10, 2, 0, 0), 16).unwrap(),
//!         ..Selector::ANY
//!     },
//!     action: PolicyAction::Protect { sa: None },
//! });
//! // An ICMP packet 10.1.0.5 -> 10.2.0.9.
//! let mut packet = [0u8; 28];
//! esp_core::wire::Ipv4Repr {
//!     src_addr: Ipv4Addr::new(10, 1, 0, 5),
//!     dst_addr: Ipv4Addr::new(10, 2, 0, 9),
//!     protocol: 1,
//!     payload_len: 8,
//!     ttl: 64,
//!     ident: 0,
//! }
//! .emit(&mut packet)
//! .unwrap();
//! match spd.decide_ipv4(&packet, &Sad::new()).unwrap() {
//!     Decision::Acquire(acquire) => assert_eq!(acquire.policy, PolicyId(10)),
//!     other => panic!("{other:?}"),
//! }
//! ```

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::EspError;
use crate::sad::{SaId, Sad};

mod index;
mod selector;
pub use selector::{AddressMatch, PacketInfo, PortRange, Selector};

use index::{Bucket, find_ranked, index_key, insert_ranked, mask, remove_ranked};

#[cfg(test)]
mod tests;

/// Names a policy entry (e.g. its crypto map sequence number).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PolicyId(pub u32);

/// What to do with selected traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyAction {
    /// Protect with the outbound SA `sa` (once IKE installed one).
    Protect {
        /// The outbound SA, when one is bound.
        sa: Option<SaId>,
    },
    /// Send in clear.
    Bypass,
    /// Drop.
    Discard,
}

/// One ordered SPD entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PolicyEntry {
    /// Its name.
    pub id: PolicyId,
    /// Which traffic.
    pub selector: Selector,
    /// What to do.
    pub action: PolicyAction,
}

/// What to do with traffic no entry selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fallback {
    /// Send it in clear (what a Cisco interface does with traffic outside its crypto map).
    Bypass,
    /// Drop it (RFC 4301's default).
    Discard,
}

/// Request to IKE: protect-policy traffic arrived and no SA carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Acquire {
    /// The policy that asked for protection.
    pub policy: PolicyId,
    /// Its selector (what to negotiate).
    pub selector: Selector,
    /// The packet that triggered it.
    pub packet: PacketInfo,
}

/// The SPD's verdict on an outbound packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Decision {
    /// Seal with this outbound SA.
    Protect(SaId),
    /// Send in clear.
    Bypass,
    /// Drop.
    Discard,
    /// Drop (or queue) and ask IKE for an SA.
    Acquire(Acquire),
}

/// Where an entry stands in the search order: lower is searched first.
/// Ranks are spaced so that putting an entry first or last never moves the
/// others; a full renumbering happens only when an insert in the middle
/// finds no gap.
type Rank = i64;

/// Spacing of ranks given out by pushes and renumbering.
const RANK_STEP: Rank = 1 << 20;

/// The ordered policy database.
///
/// First-match semantics over the entries in order, compiled so that the
/// cost of a decision does not grow with the number of peers: an entry
/// whose destination is a prefix (a host, or a peer's network, as dynamic
/// crypto map entries are) sits in a hash index under its prefix; the
/// others (any, ranges) stay in an ordered list. A decision looks up the
/// packet's destination under each prefix length in use (at most 32, in
/// practice a few), takes the first match by rank, and walks the list only
/// over entries ranked before it.
#[derive(Debug, Clone)]
pub struct Spd {
    /// Every entry's rank in search order, with where the entry itself
    /// is: the prefix it is filed under in `by_destination`, or `None`
    /// for `rest`. Each entry is kept once, in the index a decision reads
    /// (a tree of 40-byte copies took some 80 bytes a peer).
    order: BTreeMap<Rank, Option<(u8, u32)>>,
    /// Where each id's entries are (the lowest rank is "the" entry of `id`).
    ids: BTreeSet<(PolicyId, Rank)>,
    /// Entries with a destination prefix, by (length, network), in rank
    /// order: a decision reads one bucket and no tree.
    by_destination: HashMap<(u8, u32), Bucket>,
    /// How many indexed entries there are of each prefix length.
    lengths: [u32; 33],
    /// The prefix lengths in use, longest first.
    lengths_used: Vec<u8>,
    /// Entries that are not indexed, in rank order.
    rest: Vec<(Rank, PolicyEntry)>,
    fallback: Fallback,
}

impl PartialEq for Spd {
    fn eq(&self, other: &Self) -> bool {
        self.fallback == other.fallback && self.entries().eq(other.entries())
    }
}

impl Eq for Spd {}

impl Spd {
    /// An empty database with this fallback.
    pub fn new(fallback: Fallback) -> Self {
        Self {
            order: BTreeMap::new(),
            ids: BTreeSet::new(),
            by_destination: HashMap::new(),
            lengths: [0; 33],
            lengths_used: Vec::new(),
            rest: Vec::new(),
            fallback,
        }
    }

    fn place(&mut self, rank: Rank, entry: PolicyEntry) {
        self.ids.insert((entry.id, rank));
        let home = index_key(&entry.selector);
        self.order.insert(rank, home);
        match home {
            Some(key) => {
                match self.by_destination.entry(key) {
                    std::collections::hash_map::Entry::Occupied(mut b) => {
                        b.get_mut().insert(rank, entry)
                    }
                    std::collections::hash_map::Entry::Vacant(v) => {
                        v.insert(Bucket::One((rank, entry)));
                    }
                }
                let count = &mut self.lengths[usize::from(key.0)];
                *count += 1;
                if *count == 1 {
                    let at = self.lengths_used.partition_point(|l| *l > key.0);
                    self.lengths_used.insert(at, key.0);
                }
            }
            None => insert_ranked(&mut self.rest, rank, entry),
        }
    }

    /// The entry at `rank`, found where `order` says it is.
    fn at(&self, rank: Rank, home: Option<(u8, u32)>) -> Option<&PolicyEntry> {
        let list = match home {
            Some(key) => self.by_destination.get(&key)?.as_slice(),
            None => &self.rest,
        };
        let i = list.binary_search_by_key(&rank, |(r, _)| *r).ok()?;
        list.get(i).map(|(_, e)| e)
    }

    fn unplace(&mut self, rank: Rank) -> Option<PolicyEntry> {
        let home = self.order.remove(&rank)?;
        let entry = *self.at(rank, home)?;
        self.ids.remove(&(entry.id, rank));
        match home {
            Some(key) => {
                if let Some(bucket) = self.by_destination.get_mut(&key) {
                    if bucket.remove(rank) {
                        self.by_destination.remove(&key);
                    }
                }
                let count = &mut self.lengths[usize::from(key.0)];
                *count -= 1;
                if *count == 0 {
                    self.lengths_used.retain(|l| *l != key.0);
                }
            }
            None => remove_ranked(&mut self.rest, rank),
        }
        Some(entry)
    }

    /// Give every entry a fresh, evenly spaced rank (rare: when the ranks
    /// reach the ends of their range).
    fn renumber(&mut self) {
        let entries: Vec<PolicyEntry> = self.entries().copied().collect();
        *self = Self::new(self.fallback);
        for (i, entry) in entries.into_iter().enumerate() {
            self.place((i as Rank + 1) * RANK_STEP, entry);
        }
    }

    /// Append an entry (lowest priority so far).
    pub fn push(&mut self, entry: PolicyEntry) {
        let last = self.order.last_key_value().map_or(0, |(r, _)| *r);
        match last.checked_add(RANK_STEP) {
            Some(rank) => self.place(rank, entry),
            None => {
                self.renumber();
                self.push(entry);
            }
        }
    }

    /// Insert an entry at `index` (0 = first searched); past the end appends.
    /// At the front or the back this is O(log n); in the middle it walks to
    /// the position (and now and then relabels a few neighbours).
    pub fn insert(&mut self, index: usize, entry: PolicyEntry) {
        if index >= self.order.len() {
            return self.push(entry);
        }
        let after = self.order.keys().nth(index).copied();
        let before = index
            .checked_sub(1)
            .and_then(|i| self.order.keys().nth(i).copied());
        let rank = match (before, after) {
            (None, Some(first)) => first.checked_sub(RANK_STEP),
            (Some(b), Some(a)) if a - b > 1 => Some(b + (a - b) / 2),
            _ => None,
        };
        match (rank, after) {
            (Some(rank), _) => self.place(rank, entry),
            (None, Some(at)) if before.is_some() => {
                self.make_room(at);
                self.insert(index, entry);
            }
            _ => {
                self.renumber();
                self.insert(index, entry);
            }
        }
    }

    /// Spread the ranks around `at` over the smallest window (doubling) in
    /// which they can stand at least 4 apart, so repeated inserts at one
    /// place in the middle relabel a few neighbours, not the whole list.
    fn make_room(&mut self, at: Rank) {
        let mut span: Rank = 1 << 10;
        loop {
            let (Some(lo), Some(hi)) = (at.checked_sub(span), at.checked_add(span)) else {
                return self.renumber();
            };
            let count = self.order.range(lo..hi).count() as Rank;
            let spacing = (hi - lo) / (count + 1);
            if spacing >= 4 {
                let ranks: Vec<Rank> = self.order.range(lo..hi).map(|(r, _)| *r).collect();
                let entries: Vec<PolicyEntry> =
                    ranks.iter().filter_map(|r| self.unplace(*r)).collect();
                for (i, entry) in entries.into_iter().enumerate() {
                    self.place(lo + (i as Rank + 1) * spacing, entry);
                }
                return;
            }
            span = span.saturating_mul(2);
        }
    }

    fn first_rank_of(&self, id: PolicyId) -> Option<Rank> {
        self.ids
            .range((id, Rank::MIN)..=(id, Rank::MAX))
            .next()
            .map(|(_, rank)| *rank)
    }

    /// Remove the entry `id` (the first one, if several share the id).
    pub fn remove(&mut self, id: PolicyId) -> Option<PolicyEntry> {
        let rank = self.first_rank_of(id)?;
        self.unplace(rank)
    }

    /// The entries in search order.
    pub fn entries(&self) -> impl Iterator<Item = &PolicyEntry> {
        self.order
            .iter()
            .filter_map(|(rank, home)| self.at(*rank, *home))
    }

    /// What happens to traffic no entry selects.
    pub fn fallback(&self) -> Fallback {
        self.fallback
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether there is no entry.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// Bind (or unbind) the outbound SA of protect entry `id`. Returns
    /// whether a protect entry with that id exists.
    pub fn bind(&mut self, id: PolicyId, sa: Option<SaId>) -> bool {
        let Some(rank) = self.first_rank_of(id) else {
            return false;
        };
        let Some(&home) = self.order.get(&rank) else {
            return false;
        };
        let entry = match home {
            Some(key) => self
                .by_destination
                .get_mut(&key)
                .and_then(|bucket| find_ranked(bucket.as_mut_slice(), rank)),
            None => find_ranked(&mut self.rest, rank),
        };
        let Some(PolicyEntry {
            action: PolicyAction::Protect { sa: bound },
            ..
        }) = entry
        else {
            return false;
        };
        *bound = sa;
        true
    }

    /// The first entry selecting the packet.
    pub fn lookup(&self, packet: &PacketInfo) -> Option<&PolicyEntry> {
        let destination = u32::from(packet.destination);
        let mut best: Option<&(Rank, PolicyEntry)> = None;
        for &len in &self.lengths_used {
            let Some(list) = self.by_destination.get(&(len, destination & mask(len))) else {
                continue;
            };
            let limit = best.map_or(Rank::MAX, |(r, _)| *r);
            let found = list
                .as_slice()
                .iter()
                .take_while(|(rank, _)| *rank < limit)
                .find(|(_, e)| e.selector.matches(packet));
            if found.is_some() {
                best = found;
            }
        }
        let limit = best.map_or(Rank::MAX, |(r, _)| *r);
        let earlier = self
            .rest
            .iter()
            .take_while(|(rank, _)| *rank < limit)
            .find(|(_, e)| e.selector.matches(packet));
        earlier.or(best).map(|(_, e)| e)
    }

    /// Decide for an outbound packet; a protect entry is honoured only if
    /// its SA is installed in `sad` and not expired, otherwise it acquires.
    pub fn decide<G>(&self, packet: &PacketInfo, sad: &Sad<G>) -> Decision {
        decision(self.lookup(packet), self.fallback, packet, sad)
    }

    /// Parse an IPv4 packet (checked) and decide for it.
    pub fn decide_ipv4<G>(&self, packet: &[u8], sad: &Sad<G>) -> Result<Decision, EspError> {
        Ok(self.decide(&PacketInfo::from_ipv4(packet)?, sad))
    }
}

/// What the first matching entry (or the fallback) means for a packet.
fn decision<G>(
    entry: Option<&PolicyEntry>,
    fallback: Fallback,
    packet: &PacketInfo,
    sad: &Sad<G>,
) -> Decision {
    match entry {
        None => match fallback {
            Fallback::Bypass => Decision::Bypass,
            Fallback::Discard => Decision::Discard,
        },
        Some(entry) => match entry.action {
            PolicyAction::Bypass => Decision::Bypass,
            PolicyAction::Discard => Decision::Discard,
            PolicyAction::Protect { sa: Some(id) } if sad.has_usable_outbound(id) => {
                Decision::Protect(id)
            }
            PolicyAction::Protect { .. } => Decision::Acquire(Acquire {
                policy: entry.id,
                selector: entry.selector,
                packet: *packet,
            }),
        },
    }
}
