//! The destination-prefix index of the database: the buckets of entries
//! kept in rank order, and the prefix an entry is filed under.

use super::{AddressMatch, PolicyEntry, Rank, Selector};

/// The entries of one destination prefix, in rank order. Most prefixes
/// have one entry (a peer's network): it sits in the index's own slot, so
/// a decision reads no second allocation.
#[derive(Debug, Clone)]
pub(super) enum Bucket {
    One((Rank, PolicyEntry)),
    Many(Vec<(Rank, PolicyEntry)>),
}

impl Bucket {
    pub(super) fn as_slice(&self) -> &[(Rank, PolicyEntry)] {
        match self {
            Bucket::One(one) => core::slice::from_ref(one),
            Bucket::Many(list) => list,
        }
    }

    pub(super) fn as_mut_slice(&mut self) -> &mut [(Rank, PolicyEntry)] {
        match self {
            Bucket::One(one) => core::slice::from_mut(one),
            Bucket::Many(list) => list,
        }
    }

    pub(super) fn insert(&mut self, rank: Rank, entry: PolicyEntry) {
        if let Bucket::One(one) = self {
            *self = Bucket::Many(vec![*one]);
        }
        if let Bucket::Many(list) = self {
            insert_ranked(list, rank, entry);
        }
    }

    /// Takes out the entry of `rank`; says whether the bucket is now empty.
    pub(super) fn remove(&mut self, rank: Rank) -> bool {
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
pub(super) fn insert_ranked(list: &mut Vec<(Rank, PolicyEntry)>, rank: Rank, entry: PolicyEntry) {
    let at = list.partition_point(|(r, _)| *r < rank);
    list.insert(at, (rank, entry));
}

pub(super) fn remove_ranked(list: &mut Vec<(Rank, PolicyEntry)>, rank: Rank) {
    if let Ok(at) = list.binary_search_by_key(&rank, |(r, _)| *r) {
        list.remove(at);
    }
}

pub(super) fn find_ranked(
    list: &mut [(Rank, PolicyEntry)],
    rank: Rank,
) -> Option<&mut PolicyEntry> {
    let at = list.binary_search_by_key(&rank, |(r, _)| *r).ok()?;
    list.get_mut(at).map(|(_, e)| e)
}

pub(super) fn mask(len: u8) -> u32 {
    if len == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(len.min(32)))
    }
}

/// The index key of a selector, if it has one: its destination prefix.
pub(super) fn index_key(selector: &Selector) -> Option<(u8, u32)> {
    match selector.destination {
        AddressMatch::Prefix { address, len } if len > 0 => {
            let len = len.min(32);
            Some((len, u32::from(address) & mask(len)))
        }
        _ => None,
    }
}
