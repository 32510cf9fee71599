//! The responder's half-open table: phase 1s a peer started and that are
//! not complete yet, indexed so that a flood of first messages costs
//! O(log n) per datagram and can never lock legitimate peers out.
//!
//! A half-open SA is *unverified* until the peer's second message arrived
//! (MM3, which carries our responder cookie: the peer got our MM2, so its
//! address is real). Spoofed first messages never get past that point, so
//! when the table is full the oldest unverified SA makes room for the new
//! one instead of the newcomer being refused: every peer that answers
//! within `capacity / flood rate` seconds gets through, however many
//! addresses the flood comes from. Verified half-open SAs are never
//! evicted (their peer is real and already cost us a DH).

use std::collections::{BTreeMap, HashMap};
use std::net::Ipv4Addr;

use super::IkeSaId;

struct Entry {
    seq: u64,
    addr: Ipv4Addr,
    verified: bool,
    bytes: usize,
}

/// What [`HalfOpen::admit`] decided for a new first message.
pub(super) enum Admit {
    /// Room: take it.
    Take,
    /// Take it once these unverified SAs are gone (oldest first).
    Evict(Vec<IkeSaId>),
    /// No room and nothing unverified to evict: refuse.
    Refuse,
}

/// Responder SAs not yet established.
#[derive(Default)]
pub(super) struct HalfOpen {
    next_seq: u64,
    entries: HashMap<IkeSaId, Entry>,
    /// Unverified SAs by age.
    unverified: BTreeMap<u64, IkeSaId>,
    /// SAs per peer address (a handful each: the per-address limit).
    by_addr: HashMap<Ipv4Addr, Vec<IkeSaId>>,
    /// What the entries retain, as [`HalfOpen::insert`] was told.
    bytes: usize,
}

impl HalfOpen {
    /// Half-open responder SAs.
    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Of which unverified.
    pub(super) fn unverified(&self) -> usize {
        self.unverified.len()
    }

    /// Bytes the entries retain (state, messages, indexes).
    pub(super) fn bytes(&self) -> usize {
        self.bytes
    }

    /// Whether a new SA from `addr` may be made (`per_addr`, `total`:
    /// the limits; `budget`: the bytes all entries may retain, `bytes`:
    /// what the new one will), and what has to go first.
    pub(super) fn admit(
        &self,
        addr: Ipv4Addr,
        per_addr: usize,
        total: usize,
        budget: usize,
        bytes: usize,
    ) -> Admit {
        let mut first = None;
        let mine = self.by_addr.get(&addr).map_or(&[][..], Vec::as_slice);
        if mine.len() >= per_addr {
            // The address's own oldest unverified SA makes room, so a
            // spoofer using a victim's address cannot keep it out.
            let oldest = mine
                .iter()
                .filter_map(|id| self.entries.get(id).map(|e| (e.seq, e.verified, *id)))
                .filter(|(_, verified, _)| !verified)
                .min();
            match oldest {
                Some((_, _, id)) => first = Some(id),
                None => return Admit::Refuse,
            }
        }
        let mut evict: Vec<IkeSaId> = first.into_iter().collect();
        let mut count = self.entries.len() - evict.len();
        let mut held = self.bytes - first.map_or(0, |id| self.size(id));
        let mut oldest = self.unverified.values().filter(|id| Some(**id) != first);
        while count >= total || held + bytes > budget {
            let Some(id) = oldest.next() else {
                return Admit::Refuse;
            };
            count -= 1;
            held -= self.size(*id);
            evict.push(*id);
        }
        if evict.is_empty() {
            Admit::Take
        } else {
            Admit::Evict(evict)
        }
    }

    fn size(&self, id: IkeSaId) -> usize {
        self.entries.get(&id).map_or(0, |e| e.bytes)
    }

    /// A new unverified SA.
    pub(super) fn insert(&mut self, id: IkeSaId, addr: Ipv4Addr, bytes: usize) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.entries.insert(
            id,
            Entry {
                seq,
                addr,
                verified: false,
                bytes,
            },
        );
        self.unverified.insert(seq, id);
        self.by_addr.entry(addr).or_default().push(id);
        self.bytes += bytes;
    }

    /// The peer's second message arrived: no longer evictable.
    pub(super) fn verify(&mut self, id: IkeSaId) {
        if let Some(e) = self.entries.get_mut(&id) {
            e.verified = true;
            self.unverified.remove(&e.seq);
        }
    }

    /// Whether `id` is half-open and unverified.
    pub(super) fn is_unverified(&self, id: IkeSaId) -> bool {
        self.entries.get(&id).is_some_and(|e| !e.verified)
    }

    /// The SA completed or went away (no-op for SAs not in the table).
    pub(super) fn remove(&mut self, id: IkeSaId) {
        let Some(e) = self.entries.remove(&id) else {
            return;
        };
        self.unverified.remove(&e.seq);
        if let Some(v) = self.by_addr.get_mut(&e.addr) {
            v.retain(|x| *x != id);
            if v.is_empty() {
                self.by_addr.remove(&e.addr);
            }
        }
        self.bytes -= e.bytes;
    }
}

/// Bytes one half-open entry costs in the indexes (`by_cookies`,
/// `by_first`, the timer tree and map, this table's maps and tree: their
/// slots at worst load, estimated generously).
pub(super) const INDEX_BYTES: usize = 5 * 64 + 2 * 48;
