//! Who holds which flows: the live child SAs of a hub, by the peer
//! endpoint (address and UDP port) that negotiated them, shared between
//! the [`Gateway`](crate::Gateway) (which installs and removes SAs) and
//! its [`IosPolicy`](crate::IosPolicy) (which answers Quick Mode).
//!
//! Under a dynamic crypto map with one wildcard key, any spoke could
//! otherwise claim another's LAN, or 0.0.0.0/0, and the newest SA would
//! take the traffic. A claim that overlaps a flow another endpoint holds
//! is refused (INVALID_ID_INFORMATION) and the holder's IKE SA is queued
//! for a DPD probe: a dead holder (a spoke back on a new DHCP address)
//! loses its SAs and the flow is free for the newcomer's next try; a live
//! one keeps it. The same endpoint may claim its own flows again (rekey,
//! make-before-break).

use std::collections::{BTreeSet, HashMap};
use std::net::SocketAddrV4;

use ike_proto::engine::{ChildSaId, IkeSaId};
use ike_proto::policy::{Selectors, TrafficSelector};

/// One live child SA's flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeldFlow {
    /// The child SA.
    pub child: ChildSaId,
    /// The IKE SA that negotiated it (the one to probe).
    pub ike_sa: IkeSaId,
    /// The peer endpoint that holds it.
    pub holder: SocketAddrV4,
    /// The selectors, from our point of view.
    pub selectors: Selectors,
}

/// Quick Mode claims refused, by reason (each was INVALID_ID_INFORMATION).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClaimRefusals {
    /// A pool address not the peer's own.
    pub local_pool: u64,
    /// One of our networks, under an entry without `match address`.
    pub own_network: u64,
    /// A flow another peer's live child SA holds.
    pub held: u64,
}

/// The table of held flows and the probes it asks for.
///
/// Indexed so a hub with 100,000 peers installs, removes and checks a
/// claim without walking every flow: by child SA, by holder (a NAT
/// remap), and by the smallest prefix covering each flow's remote
/// selector (the peers' LANs, disjoint under the ownership rule): two
/// ranges can only overlap if their covering prefixes nest, so a claim
/// looks at one key per shorter prefix length and one key range per
/// longer one, and checks only the flows found there.
#[derive(Debug, Default)]
pub struct FlowOwners {
    flows: HashMap<ChildSaId, HeldFlow>,
    by_remote: BTreeSet<(Prefix, ChildSaId)>,
    by_holder: BTreeSet<(SocketAddrV4, ChildSaId)>,
    probes: Vec<IkeSaId>,
    refusals: ClaimRefusals,
}

/// The smallest prefix covering a range: its length, then its first
/// address (the range's start, masked to the length).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Prefix {
    len: u8,
    addr: u32,
}

/// The mask of a prefix length (0 to 32).
fn mask(len: u8) -> u32 {
    u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0)
}

impl Prefix {
    /// The prefix covering `s`; an inverted range (start after end, which
    /// [`selectors_overlap`] still compares) as if it ran from the lower
    /// address to the higher, so every range it overlaps nests with it.
    fn covering(s: &TrafficSelector) -> Self {
        let (a, b) = (u32::from(s.start), u32::from(s.end));
        let (lo, hi) = (a.min(b), a.max(b));
        let len = (lo ^ hi).leading_zeros() as u8;
        Self {
            len,
            addr: lo & mask(len),
        }
    }
}

/// Whether two selectors can match one packet.
pub fn selectors_overlap(a: &TrafficSelector, b: &TrafficSelector) -> bool {
    u32::from(a.start) <= u32::from(b.end)
        && u32::from(b.start) <= u32::from(a.end)
        && (a.protocol == 0 || b.protocol == 0 || a.protocol == b.protocol)
        && (a.port == 0 || b.port == 0 || a.port == b.port)
}

/// Whether two pairs can carry one packet (both sides overlap).
pub fn flows_overlap(a: &Selectors, b: &Selectors) -> bool {
    selectors_overlap(&a.local, &b.local) && selectors_overlap(&a.remote, &b.remote)
}

impl FlowOwners {
    /// A child SA is installed (again: its flow is replaced).
    pub fn insert(&mut self, flow: HeldFlow) {
        self.remove(flow.child);
        self.by_remote
            .insert((Prefix::covering(&flow.selectors.remote), flow.child));
        self.by_holder.insert((flow.holder, flow.child));
        self.flows.insert(flow.child, flow);
    }

    /// A child SA is gone.
    pub fn remove(&mut self, child: ChildSaId) {
        if let Some(f) = self.flows.remove(&child) {
            self.by_remote
                .remove(&(Prefix::covering(&f.selectors.remote), child));
            self.by_holder.remove(&(f.holder, child));
        }
    }

    /// The peer behind a NAT was remapped: its flows follow it. Says
    /// which child SAs moved.
    pub fn moved(&mut self, old: SocketAddrV4, new: SocketAddrV4) -> Vec<ChildSaId> {
        let ids: Vec<ChildSaId> = self
            .by_holder
            .range((old, ChildSaId(0))..=(old, ChildSaId(u32::MAX)))
            .map(|(_, c)| *c)
            .collect();
        for child in &ids {
            self.by_holder.remove(&(old, *child));
            self.by_holder.insert((new, *child));
            if let Some(f) = self.flows.get_mut(child) {
                f.holder = new;
            }
        }
        ids
    }

    /// The child SAs held by any port of `address`, oldest first.
    pub fn held_by(&self, address: std::net::Ipv4Addr) -> Vec<ChildSaId> {
        let (from, to) = (
            SocketAddrV4::new(address, 0),
            SocketAddrV4::new(address, u16::MAX),
        );
        let mut ids: Vec<ChildSaId> = self
            .by_holder
            .range((from, ChildSaId(0))..=(to, ChildSaId(u32::MAX)))
            .map(|(_, c)| *c)
            .collect();
        ids.sort();
        ids
    }

    /// The flows other endpoints than `claimant` hold that overlap
    /// `selectors`, oldest child SA first.
    pub fn conflicts(
        &self,
        claimant: SocketAddrV4,
        selectors: &Selectors,
    ) -> impl Iterator<Item = &HeldFlow> + '_ {
        let q = Prefix::covering(&selectors.remote);
        let mut hits: Vec<&HeldFlow> = (0..=32u8)
            .flat_map(|len| {
                // Shorter (or equal) prefixes: the one containing q's;
                // longer ones: all those inside q's.
                let (lo, hi) = if len <= q.len {
                    let addr = q.addr & mask(len);
                    (addr, addr)
                } else {
                    (q.addr, q.addr | !mask(q.len))
                };
                let from = (Prefix { len, addr: lo }, ChildSaId(0));
                let to = (Prefix { len, addr: hi }, ChildSaId(u32::MAX));
                self.by_remote.range(from..=to).map(|(_, c)| *c)
            })
            .filter_map(|c| self.flows.get(&c))
            .filter(|f| f.holder != claimant && flows_overlap(&f.selectors, selectors))
            .collect();
        hits.sort_by_key(|f| f.child);
        hits.into_iter()
    }

    /// Refuses a claim of `claimant` if another endpoint holds an
    /// overlapping flow, queueing a probe of each such holder.
    pub fn claim(&mut self, claimant: SocketAddrV4, selectors: &Selectors) -> bool {
        let holders: Vec<IkeSaId> = self
            .conflicts(claimant, selectors)
            .map(|f| f.ike_sa)
            .collect();
        for h in &holders {
            if !self.probes.contains(h) {
                self.probes.push(*h);
            }
        }
        if !holders.is_empty() {
            self.refusals.held += 1;
        }
        holders.is_empty()
    }

    /// A claim the configuration refused ([`crate::resolver::proxy_claim_allowed`]).
    pub fn count_refusal(&mut self, why: crate::resolver::ClaimRefusal) {
        use crate::resolver::ClaimRefusal as R;
        match why {
            R::LocalPool => self.refusals.local_pool += 1,
            R::OwnNetwork => self.refusals.own_network += 1,
            R::Held => self.refusals.held += 1,
        }
    }

    /// The claims refused so far.
    pub fn refusals(&self) -> ClaimRefusals {
        self.refusals
    }

    /// The IKE SAs to probe now (each once per refusal round).
    pub fn take_probes(&mut self) -> Vec<IkeSaId> {
        core::mem::take(&mut self.probes)
    }

    /// The held flows, in no particular order.
    pub fn flows(&self) -> impl Iterator<Item = &HeldFlow> + '_ {
        self.flows.values()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn pair(l: (u8, u8), r: (u8, u8)) -> Selectors {
        Selectors {
            local: TrafficSelector::subnet(Ipv4Addr::new(10, l.0, 0, 0), l.1),
            remote: TrafficSelector::subnet(Ipv4Addr::new(10, r.0, 0, 0), r.1),
        }
    }

    #[test]
    fn a_claim_overlapping_another_endpoints_flow_is_refused_and_probes_it() {
        let a = SocketAddrV4::new(Ipv4Addr::new(198, 51, 100, 2), 500);
        let b = SocketAddrV4::new(Ipv4Addr::new(198, 51, 100, 3), 500);
        let mut t = FlowOwners::default();
        t.insert(HeldFlow {
            child: ChildSaId(1),
            ike_sa: IkeSaId(7),
            holder: a,
            selectors: pair((1, 16), (2, 16)),
        });
        // Its own rekey, and a disjoint LAN: free.
        assert!(t.claim(a, &pair((1, 16), (2, 16))));
        assert!(t.claim(b, &pair((1, 16), (3, 16))));
        assert!(t.take_probes().is_empty());
        // A subnet of the held LAN, and everything: held.
        assert!(!t.claim(b, &pair((1, 16), (2, 24))));
        let any = Selectors {
            local: TrafficSelector::subnet(Ipv4Addr::UNSPECIFIED, 0),
            remote: TrafficSelector::subnet(Ipv4Addr::UNSPECIFIED, 0),
        };
        assert!(!t.claim(b, &any));
        assert_eq!(t.take_probes(), vec![IkeSaId(7)]);
        // Other ports of one address are other peers (two behind a NAT).
        assert!(!t.claim(SocketAddrV4::new(*a.ip(), 4500), &any));
        t.remove(ChildSaId(1));
        assert!(t.claim(b, &any));
    }

    /// The index finds exactly the flows a walk over all of them finds,
    /// for subnets, hosts, odd ranges (inverted ones included) and 0/0.
    #[test]
    fn the_index_finds_what_a_walk_finds() {
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        // Claims may be wide; held flows are LANs (/20 or longer), hosts
        // and odd ranges.
        let range = |r: u64, claim: bool| -> TrafficSelector {
            let base = 0x0a00_0000 | (r as u32 & 0x00ff_ffff);
            let shortest = if claim { 8 } else { 20 };
            match r >> 60 {
                0 if claim => TrafficSelector::subnet(Ipv4Addr::UNSPECIFIED, 0),
                0..=5 => TrafficSelector::subnet(
                    Ipv4Addr::from(base),
                    shortest + (r >> 32) as u8 % (33 - shortest),
                ),
                6..=9 => TrafficSelector::host(Ipv4Addr::from(base)),
                _ => {
                    let end = base.wrapping_add((r >> 24) as u32 % 3_000);
                    let (start, end) = if r & 1 == 0 { (base, end) } else { (end, base) };
                    TrafficSelector {
                        start: Ipv4Addr::from(start),
                        end: Ipv4Addr::from(end),
                        protocol: 0,
                        port: 0,
                    }
                }
            }
        };
        let local = TrafficSelector::subnet(Ipv4Addr::new(10, 1, 0, 0), 16);
        let mut t = FlowOwners::default();
        let mut all = Vec::new();
        for i in 0..400u32 {
            let f = HeldFlow {
                child: ChildSaId(i),
                ike_sa: IkeSaId(i),
                holder: SocketAddrV4::new(Ipv4Addr::from(0xc612_0000 + i % 50), 500),
                selectors: Selectors {
                    local,
                    remote: range(next(), false),
                },
            };
            t.insert(f);
            all.push(f);
        }
        // Replaced and removed flows are gone from the index too.
        for i in (0..400u32).step_by(7) {
            t.remove(ChildSaId(i));
        }
        all.retain(|f| f.child.0 % 7 != 0);
        let claimant = SocketAddrV4::new(Ipv4Addr::from(0xc612_0003), 500);
        let (mut free, mut held) = (0, 0);
        for _ in 0..2000 {
            let q = Selectors {
                local,
                remote: range(next(), true),
            };
            let found: Vec<ChildSaId> = t.conflicts(claimant, &q).map(|f| f.child).collect();
            let walked: Vec<ChildSaId> = all
                .iter()
                .filter(|f| f.holder != claimant && flows_overlap(&f.selectors, &q))
                .map(|f| f.child)
                .collect();
            assert_eq!(found, walked, "{q:?}");
            if found.is_empty() {
                free += 1;
            } else {
                held += 1;
            }
        }
        assert!(free > 100 && held > 100, "{free} free, {held} held");
        // A remapped holder takes its flows along.
        let old = SocketAddrV4::new(Ipv4Addr::from(0xc612_0004), 500);
        let new = SocketAddrV4::new(Ipv4Addr::from(0xc612_0004), 4500);
        let held = t.flows().filter(|f| f.holder == old).count();
        assert!(held > 0);
        t.moved(old, new);
        assert_eq!(t.flows().filter(|f| f.holder == new).count(), held);
        assert_eq!(t.flows().filter(|f| f.holder == old).count(), 0);
    }
}
