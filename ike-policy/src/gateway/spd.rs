//! The Gateway's static SPD: a crypto map's static entries' ACL lines,
//! flattened into esp-core's single first-match list.
//!
//! IOS walks the entries by sequence number: a permit line protects the
//! traffic through that entry's `set peer`; a deny line means "not this
//! entry", and the packet goes on to the next entry; traffic no entry
//! protects is routed in clear. So a deny line becomes, in its place, the
//! later entries' lines narrowed to the denied traffic, then a bypass for
//! whatever of it those leave. Each narrowed line keeps its own entry's
//! peer and its own ACL line as the proxy identities, as IOS proposes them.

use std::collections::HashMap;

use esp_core::Spd;
use esp_core::spd::{Fallback, PolicyAction, PolicyEntry, PolicyId};

use super::{StaticPolicy, esp_selector_from_acl};
use crate::model::{AclAction, Config, CryptoMap, CryptoMapEntry};
use crate::resolver::{self, AclSelector, Selector};

/// Past this many SPD entries, deny lines stop being expanded into the
/// later entries (they go in clear, as a last entry's deny does): each deny
/// copies the later entries' overlapping lines, and a map built to blow that
/// up must not exhaust memory.
const MAX_ENTRIES: usize = 1 << 16;

/// One static crypto map entry and its ACL's selectors.
struct MapLines<'c> {
    entry: &'c CryptoMapEntry,
    acl: &'c str,
    lines: Vec<AclSelector>,
}

struct Builder<'c> {
    entries: &'c [MapLines<'c>],
    spd: Spd,
    statics: HashMap<PolicyId, StaticPolicy>,
    next_id: u32,
    capped: bool,
    log_target: &'c str,
}

/// The SPD of `map`'s static entries (dynamic entries never initiate), with
/// `unprotected` for traffic no line selects, and the static protect
/// entries by policy id.
pub(super) fn build(
    config: &Config,
    map: &CryptoMap,
    unprotected: Fallback,
    log_target: &str,
) -> (Spd, HashMap<PolicyId, StaticPolicy>) {
    let entries: Vec<MapLines<'_>> = resolver::crypto_map_candidates(config, map)
        .into_iter()
        .filter(|c| !c.is_dynamic())
        .filter_map(|c| {
            let entry = c.entry();
            let acl = config.access_list(entry.match_address.as_deref()?)?;
            Some(MapLines {
                entry,
                acl: &acl.name,
                lines: resolver::acl_selectors(acl),
            })
        })
        .collect();
    let mut b = Builder {
        entries: &entries,
        spd: Spd::new(unprotected),
        statics: HashMap::new(),
        next_id: 1,
        capped: false,
        log_target,
    };
    b.walk(0, None);
    (b.spd, b.statics)
}

impl Builder<'_> {
    /// Entries `from..` in order, for the traffic `within` (all of it when
    /// `None`, else what an earlier entry's deny line handed on).
    fn walk(&mut self, from: usize, within: Option<&Selector>) {
        let entries = self.entries;
        for (k, map_lines) in entries.iter().enumerate().skip(from) {
            for line in &map_lines.lines {
                let selector = match within {
                    None => line.selector,
                    Some(w) => match w.intersection(&line.selector) {
                        Some(s) => s,
                        None => continue,
                    },
                };
                let Some(esp) = esp_selector_from_acl(&selector) else {
                    if within.is_none() {
                        log::warn!(
                            target: self.log_target,
                            "access-list {} line {}: a wildcard with holes cannot be an SPD selector; skipped",
                            map_lines.acl,
                            line.line
                        );
                    }
                    continue;
                };
                let action = match line.action {
                    AclAction::Permit => {
                        let id = self.next_id();
                        self.statics.insert(
                            id,
                            StaticPolicy {
                                peer: map_lines.entry.peers.first().copied(),
                                seq: map_lines.entry.seq,
                                selectors: crate::ios_policy::selectors_from_acl(&line.selector),
                            },
                        );
                        self.spd.push(PolicyEntry {
                            id,
                            selector: esp,
                            action: PolicyAction::Protect { sa: None },
                        });
                        continue;
                    }
                    AclAction::Deny => PolicyAction::Bypass,
                };
                // Not this entry: the later ones first, then in clear.
                if self.spd.len() < MAX_ENTRIES {
                    self.walk(k + 1, Some(&selector));
                } else if !self.capped {
                    self.capped = true;
                    log::warn!(
                        target: self.log_target,
                        "crypto map entry {}: more than {MAX_ENTRIES} SPD entries; further deny lines send their traffic in clear without trying later entries",
                        map_lines.entry.seq
                    );
                }
                let id = self.next_id();
                self.spd.push(PolicyEntry {
                    id,
                    selector: esp,
                    action,
                });
            }
        }
    }

    fn next_id(&mut self) -> PolicyId {
        let id = PolicyId(self.next_id);
        self.next_id += 1;
        id
    }
}

/// The SPD of an Easy VPN Remote: everything from the inside goes to the
/// hub (no split tunnel), through one acquire entry towards `peer`; the SA
/// negotiated for the assigned address goes in front of it.
pub(super) fn build_ezvpn(
    peer: Option<std::net::Ipv4Addr>,
    unprotected: Fallback,
) -> (Spd, HashMap<PolicyId, StaticPolicy>) {
    let mut spd = Spd::new(unprotected);
    let id = PolicyId(1);
    spd.push(PolicyEntry {
        id,
        selector: esp_core::spd::Selector::ANY,
        action: PolicyAction::Protect { sa: None },
    });
    let mut statics = HashMap::new();
    statics.insert(
        id,
        StaticPolicy {
            peer,
            seq: 0,
            selectors: None,
        },
    );
    (spd, statics)
}
