//! The child SA table: the entries by handle and their lifetimes in one
//! ordered timer, so [`super::Engine::poll_timeout`] and
//! [`super::Engine::handle_timeout`] cost O(log n) and visit only the
//! child SAs that are due, however many are installed; and indexed by the
//! IKE SA that negotiated them and by peer address, so what a peer's
//! messages ask (its room for one more, the SA a new one replaces, its
//! DELETEs, INITIAL_CONTACT, DPD) reads that peer's entries, not the
//! whole table.

use std::collections::{BTreeSet, HashMap};
use std::net::{Ipv4Addr, SocketAddrV4};

use super::{ChildSa, ChildSaId, Encapsulation, IkeSaId};
use crate::policy::Identity;
use crate::time::{Instant, Timer, TimerTable};

pub(super) struct ChildEntry {
    pub(super) sa: ChildSa,
    /// The peer's authenticated identity (INITIAL_CONTACT's scope).
    pub(super) peer_id: Identity,
    /// The Xauth user of the IKE SA that negotiated it (same scope); a
    /// boxed `str`, eight bytes under a `String`'s room.
    pub(super) xauth_user: Option<Box<str>>,
    /// The soft and hard lifetimes; private to the table, which keeps its
    /// timer in step with them.
    lifetimes: TimerTable<ChildTimer, { ChildTimer::COUNT }>,
    /// A newer SA replaced this one (it lingers until hard expiry).
    pub(super) replaced: bool,
    /// A rekey is under way.
    pub(super) rekeying: bool,
}

impl ChildEntry {
    pub(super) fn new(
        sa: ChildSa,
        peer_id: Identity,
        xauth_user: Option<Box<str>>,
        soft_at: Option<Instant>,
        hard_at: Option<Instant>,
    ) -> Self {
        let mut lifetimes = TimerTable::default();
        if let Some(at) = soft_at {
            lifetimes.set(ChildTimer::Soft, at);
        }
        if let Some(at) = hard_at {
            lifetimes.set(ChildTimer::Hard, at);
        }
        Self {
            sa,
            peer_id,
            xauth_user,
            lifetimes,
            replaced: false,
            rekeying: false,
        }
    }

    fn deadline(&self) -> Option<Instant> {
        self.lifetimes.next_timeout()
    }
}

/// A child SA's two lifetimes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ChildTimer {
    Soft,
    Hard,
}

impl Timer for ChildTimer {
    const COUNT: usize = 2;
    fn index(self) -> usize {
        self as usize
    }
    fn from_index(i: usize) -> Option<Self> {
        [Self::Soft, Self::Hard].get(i).copied()
    }
}

/// What a due child SA wants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Lifetime {
    /// The soft lifetime ran out: rekey (the timer is spent).
    Soft,
    /// The hard lifetime ran out: delete.
    Hard,
}

#[derive(Default)]
pub(super) struct ChildTable {
    /// Boxed: the table's spare buckets hold pointers, not 300-byte
    /// entries.
    map: HashMap<ChildSaId, Box<ChildEntry>>,
    /// Every entry's next deadline (soft or hard lifetime), ordered.
    timers: BTreeSet<(Instant, ChildSaId)>,
    /// Inbound SPIs in use, with how many entries hold each (a new SPI
    /// is checked against them in O(1)).
    spis: HashMap<u32, u32>,
    /// The entries by the IKE SA that negotiated them.
    by_ike: BTreeSet<(IkeSaId, ChildSaId)>,
    /// The entries by peer address.
    by_peer: BTreeSet<(Ipv4Addr, ChildSaId)>,
}

impl ChildTable {
    pub(super) fn insert(&mut self, entry: ChildEntry) {
        let id = entry.sa.id;
        if let Some(old) = self.map.remove(&id) {
            self.forget(id, &old);
        }
        *self.spis.entry(entry.sa.spi_in).or_default() += 1;
        if let Some(t) = entry.deadline() {
            self.timers.insert((t, id));
        }
        self.by_ike.insert((entry.sa.ike_sa, id));
        self.by_peer.insert((*entry.sa.remote.ip(), id));
        self.map.insert(id, Box::new(entry));
    }

    fn forget(&mut self, id: ChildSaId, entry: &ChildEntry) {
        if let Some(t) = entry.deadline() {
            self.timers.remove(&(t, id));
        }
        self.by_ike.remove(&(entry.sa.ike_sa, id));
        self.by_peer.remove(&(*entry.sa.remote.ip(), id));
        if let Some(n) = self.spis.get_mut(&entry.sa.spi_in) {
            *n -= 1;
            if *n == 0 {
                self.spis.remove(&entry.sa.spi_in);
            }
        }
    }

    /// Whether a child SA has `spi` as its inbound SPI.
    pub(super) fn has_spi_in(&self, spi: u32) -> bool {
        self.spis.contains_key(&spi)
    }

    pub(super) fn remove(&mut self, id: &ChildSaId) -> Option<ChildEntry> {
        let entry = self.map.remove(id)?;
        self.forget(*id, &entry);
        Some(*entry)
    }

    /// Spends the soft lifetime (rekeyed, or replaced by a newer SA).
    pub(super) fn stop_soft(&mut self, id: ChildSaId) {
        let Some(entry) = self.map.get_mut(&id) else {
            return;
        };
        if let Some(t) = entry.deadline() {
            self.timers.remove(&(t, id));
        }
        entry.lifetimes.stop(ChildTimer::Soft);
        if let Some(t) = entry.deadline() {
            self.timers.insert((t, id));
        }
    }

    /// The child SAs due at `now`, in handle order, hard before soft.
    pub(super) fn due(&self, now: Instant) -> Vec<(ChildSaId, Lifetime)> {
        let mut due: Vec<(ChildSaId, Lifetime)> = self
            .timers
            .iter()
            .take_while(|(t, _)| *t <= now)
            .filter_map(|(_, id)| {
                let c = self.map.get(id)?;
                let hard = c.lifetimes.get(ChildTimer::Hard);
                let what = if hard.is_some_and(|t| t <= now) {
                    Lifetime::Hard
                } else {
                    Lifetime::Soft
                };
                Some((*id, what))
            })
            .collect();
        due.sort();
        due
    }

    pub(super) fn next_timeout(&self) -> Option<Instant> {
        self.timers.first().map(|(t, _)| *t)
    }

    pub(super) fn get(&self, id: &ChildSaId) -> Option<&ChildEntry> {
        self.map.get(id).map(|c| &**c)
    }

    /// An entry to change; its lifetimes only through the table.
    pub(super) fn get_mut(&mut self, id: &ChildSaId) -> Option<&mut ChildEntry> {
        self.map.get_mut(id).map(|c| &mut **c)
    }

    pub(super) fn contains_key(&self, id: &ChildSaId) -> bool {
        self.map.contains_key(id)
    }

    /// Whether an entry names `ike_sa` as the IKE SA that negotiated it
    /// (its handle is then not free for a new IKE SA).
    pub(super) fn names_ike(&self, ike_sa: IkeSaId) -> bool {
        self.of_ike(ike_sa).next().is_some()
    }

    pub(super) fn values(&self) -> impl Iterator<Item = &ChildEntry> {
        self.map.values().map(|c| &**c)
    }

    /// The entries an IKE SA negotiated, in handle order.
    pub(super) fn of_ike(&self, ike_sa: IkeSaId) -> impl Iterator<Item = &ChildEntry> {
        self.by_ike
            .range((ike_sa, ChildSaId(0))..=(ike_sa, ChildSaId(u32::MAX)))
            .filter_map(|(_, id)| self.map.get(id).map(|c| &**c))
    }

    /// The entries with a peer address, in handle order.
    pub(super) fn of_peer(&self, peer: Ipv4Addr) -> impl Iterator<Item = &ChildEntry> {
        self.by_peer
            .range((peer, ChildSaId(0))..=(peer, ChildSaId(u32::MAX)))
            .filter_map(|(_, id)| self.map.get(id).map(|c| &**c))
    }

    /// The peer behind a NAT was remapped from `old` to `new`: the
    /// entries with `old` follow it (their UDP encapsulation too).
    pub(super) fn move_peer(&mut self, old: SocketAddrV4, new: SocketAddrV4) {
        let ids: Vec<ChildSaId> = self
            .of_peer(*old.ip())
            .filter(|c| c.sa.remote == old)
            .map(|c| c.sa.id)
            .collect();
        for id in ids {
            let Some(c) = self.map.get_mut(&id) else {
                continue;
            };
            c.sa.remote = new;
            if let Encapsulation::Udp { remote_port, .. } = &mut c.sa.encapsulation {
                *remote_port = new.port();
            }
            self.by_peer.remove(&(*old.ip(), id));
            self.by_peer.insert((*new.ip(), id));
        }
    }

    pub(super) fn len(&self) -> usize {
        self.map.len()
    }
}
