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
#[derive(Debug, Default)]
pub struct FlowOwners {
    flows: Vec<HeldFlow>,
    probes: Vec<IkeSaId>,
    refusals: ClaimRefusals,
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
    /// A child SA is installed.
    pub fn insert(&mut self, flow: HeldFlow) {
        self.flows.retain(|f| f.child != flow.child);
        self.flows.push(flow);
    }

    /// A child SA is gone.
    pub fn remove(&mut self, child: ChildSaId) {
        self.flows.retain(|f| f.child != child);
    }

    /// The peer behind a NAT was remapped: its flows follow it.
    pub fn moved(&mut self, old: SocketAddrV4, new: SocketAddrV4) {
        for f in &mut self.flows {
            if f.holder == old {
                f.holder = new;
            }
        }
    }

    /// The flows other endpoints than `claimant` hold that overlap
    /// `selectors`.
    pub fn conflicts(
        &self,
        claimant: SocketAddrV4,
        selectors: &Selectors,
    ) -> impl Iterator<Item = &HeldFlow> + '_ {
        let selectors = *selectors;
        self.flows
            .iter()
            .filter(move |f| f.holder != claimant && flows_overlap(&f.selectors, &selectors))
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

    /// The held flows.
    pub fn flows(&self) -> &[HeldFlow] {
        &self.flows
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
}
