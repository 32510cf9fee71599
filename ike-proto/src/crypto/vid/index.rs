//! The Vendor ID table indexed by value, so recognising a received VID
//! costs a few hash lookups however long the table grows: every first
//! message a stranger sends carries VIDs, and a flood of them should not
//! pay a walk over some 180 entries per VID.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::{MatchRule, VendorIdEntry};

/// Table positions by the bytes an entry compares.
pub(super) struct Index {
    /// Exact entries by their whole value.
    exact: HashMap<&'static [u8], usize>,
    /// Prefix entries grouped by prefix length, longest first.
    prefixes: Vec<(usize, HashMap<&'static [u8], usize>)>,
}

impl Index {
    /// The index of `table`, built on first use.
    pub(super) fn of(table: &'static [VendorIdEntry]) -> &'static Index {
        static INDEX: OnceLock<Index> = OnceLock::new();
        INDEX.get_or_init(|| Self::build(table))
    }

    fn build(table: &'static [VendorIdEntry]) -> Self {
        let mut exact = HashMap::new();
        let mut by_len: HashMap<usize, HashMap<&'static [u8], usize>> = HashMap::new();
        for (i, entry) in table.iter().enumerate() {
            match entry.rule {
                // The first entry with a value wins ties, as a walk would.
                MatchRule::Exact => {
                    exact.entry(entry.value).or_insert(i);
                }
                MatchRule::Prefix(n) => {
                    if let Some(prefix) = entry.value.get(..n) {
                        by_len.entry(n).or_default().entry(prefix).or_insert(i);
                    }
                }
            }
        }
        let mut prefixes: Vec<_> = by_len.into_iter().collect();
        prefixes.sort_by_key(|(n, _)| core::cmp::Reverse(*n));
        Self { exact, prefixes }
    }

    /// The entry matching the most bytes of `vid` (the earliest in the
    /// table among equals) and how many bytes it matched.
    pub(super) fn best(&self, vid: &[u8]) -> Option<(usize, usize)> {
        let mut best = self.exact.get(vid).map(|&i| (i, vid.len()));
        for (n, map) in &self.prefixes {
            if best.is_some_and(|(_, m)| m > *n) {
                break;
            }
            let Some(&i) = vid.get(..*n).and_then(|p| map.get(p)) else {
                continue;
            };
            best = match best {
                Some((j, m)) if m > *n || (m == *n && j < i) => Some((j, m)),
                _ => Some((i, *n)),
            };
        }
        best
    }
}
