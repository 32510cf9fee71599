//! The IKE SA table and its indexes: by cookies, by the first message's
//! cookie and address, by peer address, and by next deadline.
//!
//! An SA stays in the table while it is worked on: the engine borrows it
//! from here and the rest of the engine (`Core`) beside it, disjointly,
//! then calls [`SaTable::refile`] so the indexes follow what changed.

use std::collections::{BTreeSet, HashMap};
use std::net::{Ipv4Addr, SocketAddrV4};

use super::IkeSaId;
use super::sa::IkeSa;
use crate::exchange::chain::Received;
use crate::time::Instant;
use crate::wire::Cookie;

#[derive(Default)]
pub(super) struct SaTable {
    /// Boxed: a table sized for a flood of half-open SAs holds pointers,
    /// not 1 KB values in every bucket, used or not.
    sas: HashMap<IkeSaId, Box<IkeSa>>,
    by_cookies: HashMap<(Cookie, Cookie), IkeSaId>,
    /// Responder SAs by the initiator cookie and address of the first
    /// message: its retransmissions find the SA in O(1).
    by_first: HashMap<(Cookie, Ipv4Addr), IkeSaId>,
    /// IKE SAs by peer address: what a peer's child SAs, commands and
    /// INITIAL_CONTACT look for, without a walk over every SA.
    by_peer: BTreeSet<(Ipv4Addr, IkeSaId)>,
    /// Every IKE SA's next deadline, ordered: `poll_timeout` and
    /// `handle_timeout` cost O(log n), not a walk over a table a flood of
    /// first messages keeps full.
    wakeups: BTreeSet<(Instant, IkeSaId)>,
}

/// An SA's `wakeup_filed` when it is not in the wakeups (an `Option`
/// would take eight bytes more in every SA). An SA whose next deadline is
/// the end of time is not filed either: nothing is ever due then.
pub(super) const NOT_FILED: Instant = Instant(u64::MAX);

impl SaTable {
    pub(super) fn len(&self) -> usize {
        self.sas.len()
    }

    pub(super) fn contains(&self, id: IkeSaId) -> bool {
        self.sas.contains_key(&id)
    }

    pub(super) fn get(&self, id: IkeSaId) -> Option<&IkeSa> {
        self.sas.get(&id).map(|s| &**s)
    }

    /// The SA to work on; [`SaTable::refile`] it afterwards.
    pub(super) fn get_mut(&mut self, id: IkeSaId) -> Option<&mut IkeSa> {
        self.sas.get_mut(&id).map(|s| &mut **s)
    }

    pub(super) fn values(&self) -> impl Iterator<Item = &IkeSa> {
        self.sas.values().map(|s| &**s)
    }

    pub(super) fn ids(&self) -> Vec<IkeSaId> {
        self.sas.keys().copied().collect()
    }

    /// Whether a cookie pair is taken (a fresh cookie must not clash).
    pub(super) fn has_cookies(&self, icookie: Cookie, rcookie: Cookie) -> bool {
        self.by_cookies.contains_key(&(icookie, rcookie))
    }

    /// A new SA, indexed.
    pub(super) fn insert(&mut self, sa: IkeSa) {
        let id = sa.id;
        self.by_cookies.insert((sa.icookie, sa.rcookie), id);
        if let Some(a) = sa.first_from {
            self.by_first.insert((sa.icookie, a), id);
        }
        self.sas.insert(id, Box::new(sa));
        self.refile(id);
    }

    /// Brings the indexes up to date after the SA was worked on: its next
    /// deadline, its peer address (it floats, or a NAT rebinds), and the
    /// responder cookie an initiator learns from the first answer.
    pub(super) fn refile(&mut self, id: IkeSaId) {
        let Some(sa) = self.sas.get_mut(&id) else {
            return;
        };
        let peer = *sa.remote.ip();
        if sa.filed_under != Some(peer) {
            if let Some(old) = sa.filed_under.replace(peer) {
                self.by_peer.remove(&(old, id));
            }
            self.by_peer.insert((peer, id));
        }
        let cookies = (sa.icookie, sa.rcookie);
        if !sa.rcookie.is_zero() && self.by_cookies.get(&cookies) != Some(&id) {
            // The cookie pair only ever changes from (I, 0) to (I, R).
            if self.by_cookies.get(&(sa.icookie, Cookie::ZERO)) == Some(&id) {
                self.by_cookies.remove(&(sa.icookie, Cookie::ZERO));
            }
            self.by_cookies.insert(cookies, id);
        }
        let at = sa.next_timeout().unwrap_or(NOT_FILED);
        if at != sa.wakeup_filed {
            let old = core::mem::replace(&mut sa.wakeup_filed, at);
            Self::reschedule(&mut self.wakeups, id, old, at);
        }
    }

    fn reschedule(
        wakeups: &mut BTreeSet<(Instant, IkeSaId)>,
        id: IkeSaId,
        old: Instant,
        at: Instant,
    ) {
        if old != NOT_FILED {
            wakeups.remove(&(old, id));
        }
        if at != NOT_FILED {
            wakeups.insert((at, id));
        }
    }

    /// Takes an SA out for good, with its index entries.
    pub(super) fn remove(&mut self, id: IkeSaId) -> Option<Box<IkeSa>> {
        let sa = self.sas.remove(&id)?;
        self.by_cookies.remove(&(sa.icookie, sa.rcookie));
        if let Some(peer) = sa.filed_under {
            self.by_peer.remove(&(peer, id));
        }
        Self::reschedule(&mut self.wakeups, id, sa.wakeup_filed, NOT_FILED);
        if let Some(a) = sa.first_from {
            if self.by_first.get(&(sa.icookie, a)) == Some(&id) {
                self.by_first.remove(&(sa.icookie, a));
            }
        }
        Some(sa)
    }

    /// The SA a received message is for.
    pub(super) fn lookup(&self, h: &Received<'_>, remote: SocketAddrV4) -> Option<IkeSaId> {
        if let Some(id) = self
            .by_cookies
            .get(&(h.initiator_cookie(), h.responder_cookie()))
        {
            return Some(*id);
        }
        if h.responder_cookie().is_zero() {
            // A retransmitted first message: the responder SA we made for it
            // (indexed: this runs for every datagram of a flood).
            return self
                .by_first
                .get(&(h.initiator_cookie(), *remote.ip()))
                .copied();
        }
        // The responder's first answer to us.
        self.by_cookies
            .get(&(h.initiator_cookie(), Cookie::ZERO))
            .copied()
            .filter(|id| self.sas.get(id).is_some_and(|s| s.initiator))
    }

    /// The IKE SAs with a peer address, in handle order.
    pub(super) fn of_peer(&self, peer: Ipv4Addr) -> impl Iterator<Item = &IkeSa> {
        self.by_peer
            .range((peer, IkeSaId(0))..=(peer, IkeSaId(u32::MAX)))
            .filter_map(|(_, id)| self.sas.get(id).map(|s| &**s))
    }

    /// The established IKE SA with a peer (the most recent).
    pub(super) fn established_with(&self, peer: Ipv4Addr) -> Option<IkeSaId> {
        self.of_peer(peer)
            .filter(|s| s.established().is_some())
            .max_by_key(|s| s.established_at())
            .map(|s| s.id)
    }

    /// The SAs with a deadline at or before `now`, in handle order.
    pub(super) fn due(&self, now: Instant) -> Vec<IkeSaId> {
        let mut ids: Vec<IkeSaId> = self
            .wakeups
            .iter()
            .take_while(|(t, _)| *t <= now)
            .map(|(_, id)| *id)
            .collect();
        ids.sort();
        ids
    }

    /// The earliest deadline of any SA.
    pub(super) fn next_wakeup(&self) -> Option<Instant> {
        self.wakeups.first().map(|(t, _)| *t)
    }
}
