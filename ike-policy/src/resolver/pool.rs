//! Address allocation from an `ip local pool`.

use std::collections::BTreeSet;
use std::net::Ipv4Addr;

use crate::model::LocalPool;

/// The run-time state of an `ip local pool`: which addresses are handed out.
///
/// Allocation gives the lowest free address, range by range in
/// configuration order (the seed's first VPN Client gets 10.5.5.1 from
/// `ip local pool ippool 10.5.5.1 10.5.5.254`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressPool {
    name: String,
    ranges: Vec<(u32, u32)>,
    in_use: BTreeSet<u32>,
}

impl AddressPool {
    /// The state of a configured pool, with nothing allocated.
    pub fn new(pool: &LocalPool) -> Self {
        Self {
            name: pool.name.clone(),
            ranges: pool
                .ranges
                .iter()
                .map(|r| (u32::from(r.first), u32::from(r.last)))
                .collect(),
            in_use: BTreeSet::new(),
        }
    }

    /// Whether `other` is the same pool (name and ranges), whatever is
    /// allocated in either.
    pub fn same_ranges(&self, other: &Self) -> bool {
        self.name == other.name && self.ranges == other.ranges
    }

    /// The pool's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether the address belongs to the pool.
    pub fn contains(&self, addr: Ipv4Addr) -> bool {
        let a = u32::from(addr);
        self.ranges.iter().any(|&(f, l)| (f..=l).contains(&a))
    }

    /// How many addresses the pool has.
    pub fn size(&self) -> u64 {
        // Overlapping ranges count once.
        let mut r = self.ranges.clone();
        r.sort_unstable();
        let mut total = 0u64;
        let mut covered_to: Option<u32> = None;
        for (f, l) in r {
            let start = match covered_to {
                Some(c) if c >= l => continue,
                Some(c) if c >= f => c + 1,
                _ => f,
            };
            total += u64::from(l - start) + 1;
            covered_to = Some(l);
        }
        total
    }

    /// How many addresses are handed out.
    pub fn in_use(&self) -> usize {
        self.in_use.len()
    }

    /// Whether the address is handed out.
    pub fn is_allocated(&self, addr: Ipv4Addr) -> bool {
        self.in_use.contains(&u32::from(addr))
    }

    /// Hands out the lowest free address; `None` when the pool is used up.
    pub fn allocate(&mut self) -> Option<Ipv4Addr> {
        for &(first, last) in &self.ranges {
            let mut candidate = first;
            for &used in self.in_use.range(first..=last) {
                if used != candidate {
                    break;
                }
                if candidate == last {
                    break;
                }
                candidate += 1;
            }
            if !self.in_use.contains(&candidate) && candidate <= last {
                self.in_use.insert(candidate);
                return Some(candidate.into());
            }
        }
        None
    }

    /// Hands out a given address (a client asking for its previous one);
    /// `false` when it is not in the pool or already taken.
    pub fn allocate_specific(&mut self, addr: Ipv4Addr) -> bool {
        self.contains(addr) && self.in_use.insert(u32::from(addr))
    }

    /// Takes an address back; `false` when it was not handed out.
    pub fn release(&mut self, addr: Ipv4Addr) -> bool {
        self.in_use.remove(&u32::from(addr))
    }
}
