//! Pre-shared key lookup.

use std::net::Ipv4Addr;

use crate::model::{Config, DEFAULT_KEYRING, IsakmpProfile, PresharedKey};
use crate::secret::Secret;

/// Which keyrings a lookup may use.
#[derive(Debug, Clone, Copy)]
pub enum KeyScope<'c> {
    /// No profile applies yet (Main Mode before the peer's ID is known):
    /// the default keyring, then every named keyring in configuration order.
    AllKeyrings,
    /// A profile applies: the default keyring, then the profile's
    /// `keyring` lines in order (every keyring when it names none).
    Profile(&'c IsakmpProfile),
}

/// The key a lookup chose.
#[derive(Debug, Clone, Copy)]
pub struct KeyMatch<'c> {
    /// The keyring it is in ([`DEFAULT_KEYRING`] for `crypto isakmp key`).
    pub keyring: &'c str,
    /// The entry.
    pub entry: &'c PresharedKey,
}

impl<'c> KeyMatch<'c> {
    /// The key itself.
    pub fn secret(&self) -> &'c Secret {
        &self.entry.key
    }
}

/// The outcome of a key lookup, with what IOS would log.
#[derive(Debug, Clone)]
pub struct KeyLookup<'c> {
    /// The keyrings looked at, in order, up to the one the key came from
    /// (all of them when none matched): one "Looking for a matching key for
    /// X in NAME" line each in IOS's debug output.
    pub searched: Vec<&'c str>,
    /// The key, if any.
    pub found: Option<KeyMatch<'c>>,
}

/// The keyrings of a scope in search order, the default keyring first.
pub fn keyrings_in_scope<'c>(
    config: &'c Config,
    scope: KeyScope<'c>,
) -> Vec<(&'c str, &'c [PresharedKey])> {
    let mut rings: Vec<(&str, &[PresharedKey])> = vec![(DEFAULT_KEYRING, &config.isakmp_keys)];
    match scope {
        KeyScope::Profile(p) if !p.keyrings.is_empty() => {
            for name in &p.keyrings {
                if let Some(k) = config.keyring(name) {
                    rings.push((k.name.as_str(), k.keys.as_slice()));
                }
            }
        }
        _ => rings.extend(
            config
                .keyrings
                .iter()
                .map(|k| (k.name.as_str(), k.keys.as_slice())),
        ),
    }
    rings
}

/// Finds the pre-shared key for a peer address.
///
/// Cisco's rules, as this suite applies them:
/// 1. only keyrings in `scope` are used (a profile's keyrings once the
///    profile is known, see [`KeyScope`]);
/// 2. the most specific address entry wins (longest mask);
/// 3. among equally specific entries, the default keyring (`crypto isakmp
///    key`) comes before named keyrings, then configuration order;
/// 4. so the wildcard `0.0.0.0 0.0.0.0` is used only when nothing more
///    specific matches.
///
/// With the seed's hub, a spoke at 10.100.2.102 is looked for "in default"
/// (no `crypto isakmp key` there) and then found "in spokes" (the wildcard).
pub fn find_key_by_address<'c>(
    config: &'c Config,
    peer: Ipv4Addr,
    scope: KeyScope<'c>,
) -> KeyLookup<'c> {
    let rings = keyrings_in_scope(config, scope);
    // (prefix length, keyring index, entry)
    let mut best: Option<(u8, usize, &PresharedKey)> = None;
    for (ri, (_, keys)) in rings.iter().enumerate() {
        for key in keys.iter() {
            if !key.peer.matches_address(peer) {
                continue;
            }
            let len = key.peer.prefix_len().unwrap_or(0);
            if best.is_none_or(|(bl, _, _)| len > bl) {
                best = Some((len, ri, key));
            }
        }
    }
    finish(&rings, best.map(|(_, ri, k)| (ri, k)))
}

/// Finds the pre-shared key for a peer that identified itself by FQDN
/// (`pre-shared-key hostname H`, `crypto isakmp key K hostname H`): an
/// exact, case-insensitive match, default keyring first.
pub fn find_key_by_hostname<'c>(
    config: &'c Config,
    fqdn: &str,
    scope: KeyScope<'c>,
) -> KeyLookup<'c> {
    let rings = keyrings_in_scope(config, scope);
    let found = rings.iter().enumerate().find_map(|(ri, (_, keys))| {
        keys.iter()
            .find(|k| matches!(&k.peer, crate::model::KeyPeer::Hostname(h) if h.eq_ignore_ascii_case(fqdn)))
            .map(|k| (ri, k))
    });
    finish(&rings, found)
}

fn finish<'c>(
    rings: &[(&'c str, &'c [PresharedKey])],
    found: Option<(usize, &'c PresharedKey)>,
) -> KeyLookup<'c> {
    match found {
        Some((ri, entry)) => KeyLookup {
            searched: rings[..=ri].iter().map(|(n, _)| *n).collect(),
            found: Some(KeyMatch {
                keyring: rings[ri].0,
                entry,
            }),
        },
        None => KeyLookup {
            searched: rings.iter().map(|(n, _)| *n).collect(),
            found: None,
        },
    }
}

/// The group key of a Cisco VPN Client group (`crypto isakmp client
/// configuration group G` / `key K`): the pre-shared key of a peer that
/// sent ID_KEY_ID G in Aggressive Mode.
pub fn find_group_key<'c>(config: &'c Config, group: &str) -> Option<&'c Secret> {
    config.client_group(group)?.key.as_ref()
}
