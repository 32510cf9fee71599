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

use core::net::Ipv4Addr;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::EspError;
use crate::sad::{SaId, Sad};
use crate::wire::Ipv4Packet;

/// Which addresses a selector takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum AddressMatch {
    /// Every address.
    #[default]
    Any,
    /// The addresses under a prefix (host bits of `address` are ignored).
    Prefix {
        /// The network.
        address: Ipv4Addr,
        /// Prefix length, 0..=32.
        len: u8,
    },
    /// An inclusive range.
    Range {
        /// First address.
        first: Ipv4Addr,
        /// Last address.
        last: Ipv4Addr,
    },
}

impl AddressMatch {
    /// A prefix; `len` must be at most 32.
    pub fn prefix(address: Ipv4Addr, len: u8) -> Result<Self, EspError> {
        if len > 32 {
            return Err(EspError::Malformed {
                what: "address prefix",
                reason: "length above 32",
            });
        }
        Ok(Self::Prefix { address, len })
    }

    /// One address.
    pub fn host(address: Ipv4Addr) -> Self {
        Self::Prefix { address, len: 32 }
    }

    /// An inclusive range; `first` must not be above `last`.
    pub fn range(first: Ipv4Addr, last: Ipv4Addr) -> Result<Self, EspError> {
        if first > last {
            return Err(EspError::Malformed {
                what: "address range",
                reason: "first address above the last",
            });
        }
        Ok(Self::Range { first, last })
    }

    /// Whether `address` is taken.
    pub fn matches(&self, address: Ipv4Addr) -> bool {
        match *self {
            Self::Any => true,
            Self::Prefix { address: net, len } => {
                let mask = if len == 0 {
                    0
                } else {
                    u32::MAX << (32 - u32::from(len.min(32)))
                };
                u32::from(net) & mask == u32::from(address) & mask
            }
            Self::Range { first, last } => (first..=last).contains(&address),
        }
    }
}

/// An inclusive port range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PortRange {
    /// First port.
    pub first: u16,
    /// Last port.
    pub last: u16,
}

impl PortRange {
    /// Every port (and packets without ports).
    pub const ANY: Self = Self {
        first: 0,
        last: u16::MAX,
    };

    /// One port.
    pub const fn single(port: u16) -> Self {
        Self {
            first: port,
            last: port,
        }
    }

    /// Whether this is every port.
    pub const fn is_any(&self) -> bool {
        self.first == 0 && self.last == u16::MAX
    }

    fn matches(&self, port: Option<u16>) -> bool {
        match port {
            Some(p) => (self.first..=self.last).contains(&p),
            // No ports (other protocols, later fragments): only "any" matches.
            None => self.is_any(),
        }
    }
}

impl Default for PortRange {
    fn default() -> Self {
        Self::ANY
    }
}

/// The fields of a packet that selectors look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PacketInfo {
    /// Source address.
    pub source: Ipv4Addr,
    /// Destination address.
    pub destination: Ipv4Addr,
    /// IP protocol.
    pub protocol: u8,
    /// Source port (TCP, UDP, SCTP first fragments).
    pub source_port: Option<u16>,
    /// Destination port.
    pub destination_port: Option<u16>,
}

impl PacketInfo {
    /// Read the selector fields of an IPv4 packet (checked view; never panics).
    pub fn from_ipv4(packet: &[u8]) -> Result<Self, EspError> {
        let ip = Ipv4Packet::new_checked(packet)?;
        let ports = ip.ports();
        Ok(Self {
            source: ip.src_addr(),
            destination: ip.dst_addr(),
            protocol: ip.protocol(),
            source_port: ports.map(|p| p.0),
            destination_port: ports.map(|p| p.1),
        })
    }
}

/// A traffic selector, written from the local side (source = local).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Selector {
    /// Source addresses.
    pub source: AddressMatch,
    /// Destination addresses.
    pub destination: AddressMatch,
    /// IP protocol; `None` is any.
    pub protocol: Option<u8>,
    /// Source ports.
    pub source_ports: PortRange,
    /// Destination ports.
    pub destination_ports: PortRange,
}

impl Selector {
    /// Everything.
    pub const ANY: Self = Self {
        source: AddressMatch::Any,
        destination: AddressMatch::Any,
        protocol: None,
        source_ports: PortRange::ANY,
        destination_ports: PortRange::ANY,
    };

    /// Whether the packet is selected.
    pub fn matches(&self, packet: &PacketInfo) -> bool {
        self.source.matches(packet.source)
            && self.destination.matches(packet.destination)
            && self.protocol.is_none_or(|p| p == packet.protocol)
            && self.source_ports.matches(packet.source_port)
            && self.destination_ports.matches(packet.destination_port)
    }

    /// The same selector seen from the other direction (for checking what
    /// an inbound SA delivered against the policy it was negotiated for).
    pub fn reversed(&self) -> Self {
        Self {
            source: self.destination,
            destination: self.source,
            protocol: self.protocol,
            source_ports: self.destination_ports,
            destination_ports: self.source_ports,
        }
    }
}

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
    /// Every entry in search order.
    order: BTreeMap<Rank, PolicyEntry>,
    /// Where each id's entries are (the lowest rank is "the" entry of `id`).
    ids: BTreeSet<(PolicyId, Rank)>,
    /// Entries with a destination prefix, by (length, network), in rank
    /// order. They are copies, so a decision reads one bucket and no tree.
    by_destination: HashMap<(u8, u32), Bucket>,
    /// How many indexed entries there are of each prefix length.
    lengths: [u32; 33],
    /// The prefix lengths in use, longest first.
    lengths_used: Vec<u8>,
    /// Entries that are not indexed, in rank order (copies).
    rest: Vec<(Rank, PolicyEntry)>,
    fallback: Fallback,
}

/// The entries of one destination prefix, in rank order. Most prefixes
/// have one entry (a peer's network): it sits in the index's own slot, so
/// a decision reads no second allocation.
#[derive(Debug, Clone)]
enum Bucket {
    One((Rank, PolicyEntry)),
    Many(Vec<(Rank, PolicyEntry)>),
}

impl Bucket {
    fn as_slice(&self) -> &[(Rank, PolicyEntry)] {
        match self {
            Bucket::One(one) => core::slice::from_ref(one),
            Bucket::Many(list) => list,
        }
    }

    fn as_mut_slice(&mut self) -> &mut [(Rank, PolicyEntry)] {
        match self {
            Bucket::One(one) => core::slice::from_mut(one),
            Bucket::Many(list) => list,
        }
    }

    fn insert(&mut self, rank: Rank, entry: PolicyEntry) {
        if let Bucket::One(one) = self {
            *self = Bucket::Many(vec![*one]);
        }
        if let Bucket::Many(list) = self {
            insert_ranked(list, rank, entry);
        }
    }

    /// Takes out the entry of `rank`; says whether the bucket is now empty.
    fn remove(&mut self, rank: Rank) -> bool {
        match self {
            Bucket::One((r, _)) => *r == rank,
            Bucket::Many(list) => {
                remove_ranked(list, rank);
                if let [one] = list.as_slice() {
                    *self = Bucket::One(*one);
                }
                matches!(self, Bucket::Many(list) if list.is_empty())
            }
        }
    }
}

/// Insert `(rank, entry)` into a list kept in rank order.
fn insert_ranked(list: &mut Vec<(Rank, PolicyEntry)>, rank: Rank, entry: PolicyEntry) {
    let at = list.partition_point(|(r, _)| *r < rank);
    list.insert(at, (rank, entry));
}

fn remove_ranked(list: &mut Vec<(Rank, PolicyEntry)>, rank: Rank) {
    if let Ok(at) = list.binary_search_by_key(&rank, |(r, _)| *r) {
        list.remove(at);
    }
}

fn find_ranked(list: &mut [(Rank, PolicyEntry)], rank: Rank) -> Option<&mut PolicyEntry> {
    let at = list.binary_search_by_key(&rank, |(r, _)| *r).ok()?;
    list.get_mut(at).map(|(_, e)| e)
}

impl PartialEq for Spd {
    fn eq(&self, other: &Self) -> bool {
        self.fallback == other.fallback && self.entries().eq(other.entries())
    }
}

impl Eq for Spd {}

fn mask(len: u8) -> u32 {
    if len == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(len.min(32)))
    }
}

/// The index key of a selector, if it has one: its destination prefix.
fn index_key(selector: &Selector) -> Option<(u8, u32)> {
    match selector.destination {
        AddressMatch::Prefix { address, len } if len > 0 => {
            let len = len.min(32);
            Some((len, u32::from(address) & mask(len)))
        }
        _ => None,
    }
}

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
        match index_key(&entry.selector) {
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
        self.order.insert(rank, entry);
    }

    fn unplace(&mut self, rank: Rank) -> Option<PolicyEntry> {
        let entry = self.order.remove(&rank)?;
        self.ids.remove(&(entry.id, rank));
        match index_key(&entry.selector) {
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
        self.order.values()
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
        let Some(entry) = self.order.get_mut(&rank) else {
            return false;
        };
        let PolicyAction::Protect { sa: bound } = &mut entry.action else {
            return false;
        };
        *bound = sa;
        // The index holds a copy: bind it too.
        let copy = match index_key(&entry.selector) {
            Some(key) => self
                .by_destination
                .get_mut(&key)
                .and_then(|bucket| find_ranked(bucket.as_mut_slice(), rank)),
            None => find_ranked(&mut self.rest, rank),
        };
        if let Some(PolicyEntry {
            action: PolicyAction::Protect { sa: bound },
            ..
        }) = copy
        {
            *bound = sa;
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn info(src: [u8; 4], dst: [u8; 4], protocol: u8, ports: Option<(u16, u16)>) -> PacketInfo {
        PacketInfo {
            source: src.into(),
            destination: dst.into(),
            protocol,
            source_port: ports.map(|p| p.0),
            destination_port: ports.map(|p| p.1),
        }
    }

    #[test]
    fn address_matches() {
        let p = AddressMatch::prefix(Ipv4Addr::new(10, 1, 2, 3), 16).unwrap();
        assert!(p.matches(Ipv4Addr::new(10, 1, 255, 1)));
        assert!(!p.matches(Ipv4Addr::new(10, 2, 0, 1)));
        assert!(
            AddressMatch::prefix(Ipv4Addr::UNSPECIFIED, 0)
                .unwrap()
                .matches(Ipv4Addr::BROADCAST)
        );
        assert!(AddressMatch::prefix(Ipv4Addr::UNSPECIFIED, 33).is_err());
        let h = AddressMatch::host(Ipv4Addr::new(10, 5, 5, 1));
        assert!(h.matches(Ipv4Addr::new(10, 5, 5, 1)) && !h.matches(Ipv4Addr::new(10, 5, 5, 2)));
        let r =
            AddressMatch::range(Ipv4Addr::new(10, 0, 0, 10), Ipv4Addr::new(10, 0, 1, 5)).unwrap();
        assert!(r.matches(Ipv4Addr::new(10, 0, 0, 255)));
        assert!(!r.matches(Ipv4Addr::new(10, 0, 1, 6)));
        assert!(AddressMatch::range(Ipv4Addr::new(2, 0, 0, 0), Ipv4Addr::new(1, 0, 0, 0)).is_err());
    }

    #[test]
    fn ordered_first_match_and_ports() {
        let mut spd = Spd::new(Fallback::Discard);
        spd.push(PolicyEntry {
            id: PolicyId(1),
            selector: Selector {
                protocol: Some(17),
                destination_ports: PortRange::single(500),
                ..Selector::ANY
            },
            action: PolicyAction::Bypass,
        });
        spd.push(PolicyEntry {
            id: PolicyId(2),
            selector: Selector {
                source: AddressMatch::prefix(Ipv4Addr::new(10, 1, 0, 0), 16).unwrap(),
                destination: AddressMatch::prefix(Ipv4Addr::new(10, 2, 0, 0), 16).unwrap(),
                ..Selector::ANY
            },
            action: PolicyAction::Protect { sa: Some(SaId(7)) },
        });
        let sad = Sad::new();
        assert_eq!(
            spd.decide(
                &info([10, 1, 0, 1], [10, 2, 0, 1], 17, Some((500, 500))),
                &sad
            ),
            Decision::Bypass
        );
        let tcp = info([10, 1, 0, 1], [10, 2, 0, 1], 6, Some((1234, 80)));
        match spd.decide(&tcp, &sad) {
            Decision::Acquire(a) => {
                assert_eq!(a.policy, PolicyId(2));
                assert_eq!(a.packet, tcp);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            spd.decide(&info([10, 9, 0, 1], [10, 2, 0, 1], 6, None), &sad),
            Decision::Discard
        );
        // Port selectors do not take packets without ports.
        assert_ne!(
            spd.decide(&info([1, 1, 1, 1], [2, 2, 2, 2], 17, None), &sad),
            Decision::Bypass
        );
        assert!(spd.bind(PolicyId(2), None));
        assert!(!spd.bind(PolicyId(1), None));
        assert!(spd.remove(PolicyId(1)).is_some());
        assert_eq!(spd.len(), 1);
    }

    #[test]
    fn reversed_selector() {
        let s = Selector {
            source: AddressMatch::host(Ipv4Addr::new(1, 1, 1, 1)),
            source_ports: PortRange::single(1),
            ..Selector::ANY
        };
        let r = s.reversed();
        assert_eq!(r.destination, s.source);
        assert_eq!(r.destination_ports, PortRange::single(1));
        assert_eq!(r.reversed(), s);
    }

    /// The SPD as it was before it was indexed: a list searched in order.
    /// It is the oracle the indexed one must agree with.
    mod linear {
        use super::super::*;

        pub struct LinearSpd {
            pub entries: Vec<PolicyEntry>,
            pub fallback: Fallback,
        }

        impl LinearSpd {
            pub fn insert(&mut self, index: usize, entry: PolicyEntry) {
                let index = index.min(self.entries.len());
                self.entries.insert(index, entry);
            }

            pub fn remove(&mut self, id: PolicyId) -> Option<PolicyEntry> {
                let at = self.entries.iter().position(|e| e.id == id)?;
                Some(self.entries.remove(at))
            }

            pub fn bind(&mut self, id: PolicyId, sa: Option<SaId>) -> bool {
                match self.entries.iter_mut().find(|e| e.id == id) {
                    Some(PolicyEntry {
                        action: PolicyAction::Protect { sa: bound },
                        ..
                    }) => {
                        *bound = sa;
                        true
                    }
                    _ => false,
                }
            }

            pub fn decide(&self, packet: &PacketInfo, sad: &Sad) -> Decision {
                let entry = self.entries.iter().find(|e| e.selector.matches(packet));
                decision(entry, self.fallback, packet, sad)
            }
        }
    }

    mod equivalence {
        use proptest::prelude::*;

        use super::super::*;
        use super::linear::LinearSpd;
        use crate::{Instant, KeyMaterial, OutboundSa, SaParams, Suite};

        /// Addresses from a small space, so that selectors overlap often.
        fn address() -> impl Strategy<Value = Ipv4Addr> {
            (0u8..2, 0u8..4, 0u8..4).prop_map(|(a, b, c)| Ipv4Addr::new(10, a, b, c))
        }

        fn address_match() -> impl Strategy<Value = AddressMatch> {
            prop_oneof![
                Just(AddressMatch::Any),
                (
                    address(),
                    prop_oneof![
                        Just(0u8),
                        Just(8),
                        Just(16),
                        Just(23),
                        Just(24),
                        Just(30),
                        Just(31),
                        Just(32),
                        Just(40)
                    ]
                )
                    .prop_map(|(address, len)| AddressMatch::Prefix { address, len }),
                (address(), address()).prop_map(|(a, b)| AddressMatch::Range {
                    first: a.min(b),
                    last: a.max(b)
                }),
            ]
        }

        fn ports() -> impl Strategy<Value = PortRange> {
            prop_oneof![
                3 => Just(PortRange::ANY),
                1 => (0u16..4, 0u16..4).prop_map(|(a, b)| PortRange { first: a.min(b), last: a.max(b) }),
            ]
        }

        fn selector() -> impl Strategy<Value = Selector> {
            (
                address_match(),
                address_match(),
                prop_oneof![3 => Just(None), 1 => (6u8..8).prop_map(Some)],
                ports(),
                ports(),
            )
                .prop_map(
                    |(source, destination, protocol, source_ports, destination_ports)| Selector {
                        source,
                        destination,
                        protocol,
                        source_ports,
                        destination_ports,
                    },
                )
        }

        fn action() -> impl Strategy<Value = PolicyAction> {
            prop_oneof![
                Just(PolicyAction::Bypass),
                Just(PolicyAction::Discard),
                (0u32..4).prop_map(|id| PolicyAction::Protect { sa: Some(SaId(id)) }),
                Just(PolicyAction::Protect { sa: None }),
            ]
        }

        fn entry() -> impl Strategy<Value = PolicyEntry> {
            (0u32..12, selector(), action()).prop_map(|(id, selector, action)| PolicyEntry {
                id: PolicyId(id),
                selector,
                action,
            })
        }

        #[derive(Debug, Clone)]
        enum Op {
            Push(PolicyEntry),
            Insert(usize, PolicyEntry),
            Remove(u32),
            Bind(u32, Option<u32>),
        }

        fn op() -> impl Strategy<Value = Op> {
            prop_oneof![
                3 => entry().prop_map(Op::Push),
                3 => (prop_oneof![Just(0usize), 0usize..40], entry()).prop_map(|(i, e)| Op::Insert(i, e)),
                1 => (0u32..12).prop_map(Op::Remove),
                1 => (0u32..12, proptest::option::of(0u32..4)).prop_map(|(id, sa)| Op::Bind(id, sa)),
            ]
        }

        fn packet() -> impl Strategy<Value = PacketInfo> {
            (
                address(),
                address(),
                5u8..8,
                proptest::option::of((0u16..5, 0u16..5)),
            )
                .prop_map(|(source, destination, protocol, ports)| PacketInfo {
                    source,
                    destination,
                    protocol,
                    source_port: ports.map(|p| p.0),
                    destination_port: ports.map(|p| p.1),
                })
        }

        /// SAs 0 and 1 installed (1 expired by volume), 2 and 3 not.
        fn sad() -> Sad {
            let mut sad = Sad::new();
            let keys = KeyMaterial::new(&[7; 20], &[]);
            for id in 0..2u32 {
                let params = SaParams::new(0x100 + id, Suite::AES128_GCM)
                    .with_lifetime(crate::Lifetime::new(3600, 1));
                let mut sa = OutboundSa::new(&params, &keys, Instant(0)).unwrap();
                if id == 1 {
                    let mut buf = vec![0u8; 2048];
                    let head = sa.headroom();
                    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
                    sa.seal(&mut buf, head..head + 1024, 4, &mut rng, Instant(0))
                        .unwrap();
                    assert!(sa.is_expired());
                }
                sad.insert_outbound(SaId(id), sa);
            }
            sad
        }

        use rand_core::SeedableRng;

        proptest! {
            #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

            #[test]
            fn indexed_decisions_equal_the_linear_first_match(
                discard in any::<bool>(),
                ops in proptest::collection::vec(op(), 0..40),
                packets in proptest::collection::vec(packet(), 1..24),
            ) {
                let fallback = if discard { Fallback::Discard } else { Fallback::Bypass };
                let mut indexed = Spd::new(fallback);
                let mut linear = LinearSpd { entries: vec![], fallback };
                let sad = sad();
                for op in ops {
                    match op {
                        Op::Push(e) => {
                            indexed.push(e);
                            linear.entries.push(e);
                        }
                        Op::Insert(i, e) => {
                            indexed.insert(i, e);
                            linear.insert(i, e);
                        }
                        Op::Remove(id) => {
                            prop_assert_eq!(indexed.remove(PolicyId(id)), linear.remove(PolicyId(id)));
                        }
                        Op::Bind(id, sa) => {
                            prop_assert_eq!(
                                indexed.bind(PolicyId(id), sa.map(SaId)),
                                linear.bind(PolicyId(id), sa.map(SaId))
                            );
                        }
                    }
                    prop_assert!(indexed.entries().eq(linear.entries.iter()));
                    for p in &packets {
                        prop_assert_eq!(indexed.decide(p, &sad), linear.decide(p, &sad));
                    }
                }
            }
        }

        #[test]
        fn middle_inserts_relabel_when_the_gap_closes() {
            let mut indexed = Spd::new(Fallback::Discard);
            let mut linear = LinearSpd {
                entries: vec![],
                fallback: Fallback::Discard,
            };
            let e = |id: u32| PolicyEntry {
                id: PolicyId(id),
                selector: Selector {
                    destination: AddressMatch::host(Ipv4Addr::from(id)),
                    ..Selector::ANY
                },
                action: PolicyAction::Bypass,
            };
            // Squeeze entries into one gap until it closes (20 halvings),
            // again and again: the neighbours are relabelled.
            indexed.push(e(0));
            indexed.push(e(1));
            linear.entries.extend([e(0), e(1)]);
            for id in 2..400 {
                indexed.insert(1, e(id));
                linear.insert(1, e(id));
            }
            assert!(indexed.entries().eq(linear.entries.iter()));
            for id in 0..400 {
                let p = PacketInfo {
                    source: Ipv4Addr::UNSPECIFIED,
                    destination: Ipv4Addr::from(id),
                    protocol: 1,
                    source_port: None,
                    destination_port: None,
                };
                assert_eq!(indexed.decide(&p, &Sad::new()), Decision::Bypass);
            }
        }
    }
}
