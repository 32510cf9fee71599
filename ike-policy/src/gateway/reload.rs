//! `configure replace`: a new configuration swapped in while the node
//! runs. Each SA is judged by what it was built from, looked up again in
//! the old and the new configuration: an IKE SA by its key (the keyring
//! entry, or the client group of an ID_KEY_ID), the ISAKMP policy that
//! accepts its transform, its profile (and the one its identity would
//! match now); an IPsec SA by the crypto map entry (and dynamic map entry)
//! that accepts its proxies and transform, that entry's transform set and
//! ACL. Where all of it is equal (configuration line numbers aside) the SA
//! stays, same SPIs and same IKE SA; anything else is deleted with a
//! Delete to its peer, IPsec SAs first, and negotiated again by whichever
//! side's crypto map calls for it.

use crate::ios_policy::peer_identity;
use crate::model::{
    AccessList, ClientConfigGroup, CryptoMapEntry, EzvpnClient, IsakmpPolicy, IsakmpProfile,
    LocalPool, PresharedKey as KeyEntry, TransformSet,
};
use crate::resolver::{KeyScope, LifetimeRule, Phase1Options};
use ike_proto::engine::IkeSaInfo;
use ike_proto::policy::{Identity, Phase2Proposal};

use super::live_policy::LivePolicy;
use super::*;

/// One SA in a [`ReloadReport`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReloadedSa {
    /// The peer's outside address.
    pub peer: Ipv4Addr,
    /// The IKE SA (for an IPsec SA: the one that negotiated it).
    pub ike_sa: IkeSaId,
    /// The IPsec SA and its SPIs (inbound, outbound); `None` for the IKE
    /// SA itself.
    pub ipsec: Option<(ChildSaId, u32, u32)>,
    /// For a deleted SA: the item of the configuration that changed
    /// (`keyring entry`, `ISAKMP policy`, `isakmp profile`, `client
    /// group`, `ezvpn client`, `crypto map entry`, `transform set`,
    /// `access list`), or `IKE SA` for an IPsec SA deleted with its IKE
    /// SA.
    pub changed: Option<&'static str>,
}

/// What [`Gateway::configure_replace`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReloadReport {
    /// SAs still up, as they were.
    pub kept: Vec<ReloadedSa>,
    /// SAs deleted (a Delete was sent to each peer).
    pub deleted: Vec<ReloadedSa>,
    /// The engine's settings that changed, applied live: `crypto isakmp
    /// keepalive` and `crypto isakmp nat keepalive` on every IKE SA up
    /// too, NAT transparency from the next negotiation
    /// ([`Engine::set_liveness`](ike_proto::engine::Engine::set_liveness)).
    pub applied: Vec<&'static str>,
}

impl core::fmt::Display for ReloadReport {
    /// One line per SA, as the router prints it after `configure replace`.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for (verb, list) in [("kept", &self.kept), ("deleted", &self.deleted)] {
            for sa in list {
                match sa.ipsec {
                    Some((_, spi_in, spi_out)) => write!(
                        f,
                        "{verb}: IPsec SA peer {} inbound spi 0x{spi_in:08X} outbound spi 0x{spi_out:08X}",
                        sa.peer
                    )?,
                    None => write!(f, "{verb}: IKE SA peer {} C-id {}", sa.peer, sa.ike_sa.0)?,
                }
                match sa.changed {
                    Some(what) => writeln!(f, " ({what} changed)")?,
                    None => writeln!(f)?,
                }
            }
        }
        for what in &self.applied {
            writeln!(f, "applied: {what}")?;
        }
        Ok(())
    }
}

/// What an IKE SA was built from, in one configuration.
#[derive(PartialEq, Eq)]
struct IkeOrigin {
    key: Option<(String, KeyEntry)>,
    group: Option<(ClientConfigGroup, Option<LocalPool>)>,
    ezvpn: Option<EzvpnClient>,
    policy: Option<IsakmpPolicy>,
    profile: Option<IsakmpProfile>,
    /// The profile the identity would match (a new, more specific one
    /// takes the peer from its old profile).
    matched: Option<String>,
}

impl IkeOrigin {
    fn of(config: &Config, info: &IkeSaInfo, ezvpn: Option<&str>) -> Self {
        let peer = *info.remote.ip();
        let mut key = None;
        let mut group = None;
        match &info.peer_identity {
            Identity::KeyId(g) => {
                let name = String::from_utf8_lossy(g);
                group = config.client_group(&name).map(|g| {
                    let pool = g.pool.as_deref().and_then(|p| config.local_pool(p));
                    (unlined_group(g), pool.map(unlined_pool))
                });
            }
            other => {
                let lookup = match other {
                    Identity::Fqdn(h) => {
                        resolver::find_key_by_hostname(config, h, KeyScope::AllKeyrings)
                    }
                    _ => resolver::find_key_by_address(config, peer, KeyScope::AllKeyrings),
                };
                key = lookup
                    .found
                    .map(|m| (m.keyring.to_owned(), unlined_key(m.entry)));
            }
        }
        let options = Phase1Options {
            lifetime_rule: LifetimeRule::ResponderLifetime,
            include_default_suite: false,
        };
        let policy = resolver::choose_isakmp_policy(config, &[info.proposal], options)
            .map(|c| unlined_policy(&c.policy));
        let name = info.profile.as_ref().map(|p| p.name.as_str());
        let profile = name
            .filter(|n| !n.is_empty())
            .and_then(|n| config.isakmp_profile(n))
            .map(unlined_profile);
        let matched = peer_identity(&info.peer_identity)
            .and_then(|id| resolver::select_profile(config, &id))
            .map(|p| p.name.clone());
        let ezvpn = ezvpn
            .and_then(|n| config.ezvpn_client(n))
            .map(|e| EzvpnClient {
                line: 0,
                ..e.clone()
            });
        Self {
            key,
            group,
            ezvpn,
            policy,
            profile,
            matched,
        }
    }

    /// The first item that differs, in IOS's words.
    fn changed(&self, new: &Self) -> Option<&'static str> {
        if self.key != new.key {
            Some("keyring entry")
        } else if self.group != new.group {
            Some("client group")
        } else if self.ezvpn != new.ezvpn {
            Some("ezvpn client")
        } else if self.policy != new.policy {
            Some("ISAKMP policy")
        } else if self.profile != new.profile || self.matched != new.matched {
            Some("isakmp profile")
        } else {
            None
        }
    }
}

/// What an IPsec SA was built from, in one configuration.
#[derive(PartialEq, Eq)]
struct ChildOrigin {
    entry: CryptoMapEntry,
    dynamic: Option<(String, CryptoMapEntry)>,
    transform_set: TransformSet,
    acl: Option<AccessList>,
}

impl ChildOrigin {
    /// The entry that accepts the SA as a Quick Mode responder would
    /// (static entries for their `set peer`, then dynamic ones), `None`
    /// when no entry does (or the node has no crypto map).
    fn of(config: &Config, map: &str, c: &ChildSa, profile: Option<&str>) -> Option<Self> {
        let map = config.crypto_map(map)?;
        let transform = Phase2Proposal {
            cipher: c.cipher,
            integrity: c.integrity,
            mode: c.mode,
            pfs: c.pfs,
            lifetime: Lifetime::default(),
        };
        let request = resolver::Phase2Request {
            peer: *c.remote.ip(),
            profile,
            proxies: c.selectors,
            transforms: &[transform],
        };
        let sel = resolver::select_responder_entry(config, map, &request)?;
        let entry = sel.candidate.entry();
        Some(Self {
            entry: unlined_entry(sel.candidate.map_entry),
            dynamic: sel
                .candidate
                .dynamic
                .map(|(d, e)| (d.name.clone(), unlined_entry(e))),
            transform_set: TransformSet {
                line: 0,
                ..sel.choice.transform_set.clone()
            },
            acl: entry
                .match_address
                .as_deref()
                .and_then(|n| config.access_list(n))
                .map(unlined_acl),
        })
    }

    fn changed(
        old: &Option<Self>,
        new: &Option<Self>,
        config: &Config,
        map: &str,
    ) -> Option<&'static str> {
        match (old, new) {
            (Some(o), Some(n)) if o.entry != n.entry || o.dynamic != n.dynamic => {
                Some("crypto map entry")
            }
            (Some(o), Some(n)) if o.transform_set != n.transform_set => Some("transform set"),
            (Some(o), Some(n)) if o.acl != n.acl => Some("access list"),
            // No entry of the new configuration takes the SA: say which
            // of the old items went or changed.
            (Some(o), None) => Some(o.gone_in(config, map)),
            (o, n) if o != n => Some("crypto map entry"),
            _ => None,
        }
    }

    /// Which of these items `config` lacks or holds otherwise.
    fn gone_in(&self, config: &Config, map: &str) -> &'static str {
        let entry = config
            .crypto_map(map)
            .and_then(|m| m.entries.iter().find(|e| e.seq == self.entry.seq))
            .map(unlined_entry);
        let dynamic = self.dynamic.as_ref().map(|(name, e)| {
            config
                .dynamic_map(name)
                .and_then(|d| d.entries.iter().find(|x| x.seq == e.seq))
                .map(unlined_entry)
        });
        let set = config
            .transform_set(&self.transform_set.name)
            .map(|t| TransformSet {
                line: 0,
                ..t.clone()
            });
        if entry.as_ref() != Some(&self.entry)
            || dynamic.as_ref().map(|d| d.as_ref()) != self.dynamic.as_ref().map(|(_, e)| Some(e))
        {
            "crypto map entry"
        } else if set.as_ref() != Some(&self.transform_set) {
            "transform set"
        } else {
            // Entry and set as they were: the ACL no longer covers it.
            "access list"
        }
    }
}

// Configuration line numbers say where an item is written, not what it
// does: a line added above an item leaves it unchanged.
fn unlined_key(k: &KeyEntry) -> KeyEntry {
    KeyEntry {
        line: 0,
        ..k.clone()
    }
}
fn unlined_group(g: &ClientConfigGroup) -> ClientConfigGroup {
    ClientConfigGroup {
        line: 0,
        ..g.clone()
    }
}
fn unlined_pool(p: &LocalPool) -> LocalPool {
    LocalPool {
        line: 0,
        ..p.clone()
    }
}
fn unlined_policy(p: &IsakmpPolicy) -> IsakmpPolicy {
    IsakmpPolicy {
        line: 0,
        ..p.clone()
    }
}
fn unlined_profile(p: &IsakmpProfile) -> IsakmpProfile {
    IsakmpProfile {
        line: 0,
        ..p.clone()
    }
}
fn unlined_entry(e: &CryptoMapEntry) -> CryptoMapEntry {
    CryptoMapEntry {
        line: 0,
        ..e.clone()
    }
}
fn unlined_acl(a: &AccessList) -> AccessList {
    let mut a = a.clone();
    a.line = 0;
    for e in &mut a.entries {
        e.line = 0;
    }
    a
}

impl Gateway {
    /// `configure replace`: runs `new` from now on, keeping every SA whose
    /// keyring entry, ISAKMP policy, profile, crypto map entry, transform
    /// set and ACL are unchanged (same SPIs, same IKE SA) and deleting the
    /// others with a Delete to their peer (IPsec SAs first, then IKE
    /// SAs): drain [`Gateway::poll_transmit`]. Their traffic negotiates
    /// again under `new` (our static crypto map entries at the next inside
    /// packet, or the peer's). Pools keep their allocations where their
    /// ranges are unchanged; Xauth lockouts stay. A new outside address
    /// (a changed static `ip address`, without
    /// [`GatewayOptions::outside_addr`]) is [`Gateway::set_outside_address`]:
    /// every SA goes.
    ///
    /// # Errors
    /// What [`Gateway::new`] says of `new` ([`GatewayError::NoCryptoInterface`],
    /// [`GatewayError::NoOutsideAddress`]); the running configuration and
    /// every SA are then untouched. Parse errors come before this call:
    /// [`Gateway::configure_replace_text`].
    pub fn configure_replace(
        &mut self,
        now: Instant,
        new: Config,
    ) -> Result<ReloadReport, GatewayError> {
        self.now = now;
        // Everything the configuration decides, computed by the builder
        // (and validated by it) before anything here changes.
        let fresh = Gateway::new(new, self.options.clone(), &mut self.rng)?;
        let mut report = ReloadReport::default();
        let (old_engine, new_engine) = (self.engine.config(), fresh.engine.config());
        let (dpd, nat_keepalive, nat_traversal) = (
            new_engine.dpd,
            new_engine.nat_keepalive,
            new_engine.nat_traversal,
        );
        if old_engine.dpd != dpd {
            report
                .applied
                .push("crypto isakmp keepalive (every IKE SA up)");
        }
        if old_engine.nat_keepalive != nat_keepalive {
            report
                .applied
                .push("crypto isakmp nat keepalive (every IKE SA up)");
        }
        if old_engine.nat_traversal != nat_traversal {
            report
                .applied
                .push("crypto ipsec nat-transparency udp-encapsulation (new negotiations)");
        }
        self.engine.set_liveness(now, dpd, nat_keepalive);
        self.engine.set_nat_traversal(nat_traversal);

        // Judge every SA against the old and the new configuration.
        let ezvpn_old = self.policy.ezvpn().map(|e| e.name.clone());
        let ezvpn_new = fresh.policy.ezvpn().map(|e| e.name.clone());
        let mut dead_ike: HashMap<IkeSaId, &'static str> = HashMap::new();
        let mut profiles: HashMap<IkeSaId, Option<String>> = HashMap::new();
        for info in self.engine.ike_sas() {
            let old = IkeOrigin::of(&self.config, &info, ezvpn_old.as_deref());
            let new = IkeOrigin::of(&fresh.config, &info, ezvpn_new.as_deref());
            let sa = ReloadedSa {
                peer: *info.remote.ip(),
                ike_sa: info.id,
                ipsec: None,
                changed: old.changed(&new),
            };
            if let Some(what) = sa.changed {
                dead_ike.insert(info.id, what);
                report.deleted.push(sa);
            } else {
                report.kept.push(sa);
            }
            profiles.insert(info.id, info.profile.map(|p| p.name));
        }
        let mut dead_children = Vec::new();
        for c in self.engine.child_sas() {
            let profile = profiles
                .get(&c.ike_sa)
                .and_then(|p| p.as_deref())
                .filter(|n| !n.is_empty());
            let old = ChildOrigin::of(&self.config, &self.map_name, &c, profile);
            let new = ChildOrigin::of(&fresh.config, &fresh.map_name, &c, profile);
            let changed = ChildOrigin::changed(&old, &new, &fresh.config, &fresh.map_name)
                .or_else(|| dead_ike.contains_key(&c.ike_sa).then_some("IKE SA"));
            let sa = ReloadedSa {
                peer: *c.remote.ip(),
                ike_sa: c.ike_sa,
                ipsec: Some((c.id, c.spi_in, c.spi_out)),
                changed,
            };
            if changed.is_some() {
                dead_children.push(c.id);
                report.deleted.push(sa);
            } else {
                report.kept.push(sa);
            }
        }

        // Deletes while the old policy still answers (their Deletes are
        // protected by IKE SAs that may be about to go).
        for c in dead_children {
            if self.engine.delete_child_sa(now, c).is_err() {
                self.uninstall(c);
            }
        }
        self.drain(now);
        for i in dead_ike.keys() {
            let _ = self.engine.delete_ike_sa(now, *i);
        }
        self.drain(now);

        self.swap_in(fresh);
        log::info!(
            target: &self.options.log_target,
            "configure replace: {} SAs kept, {} deleted",
            report.kept.len(),
            report.deleted.len()
        );
        Ok(report)
    }

    /// [`Gateway::configure_replace`] from IOS text.
    ///
    /// # Errors
    /// [`GatewayError::Config`] when the text does not parse (line and
    /// column): nothing changes.
    pub fn configure_replace_text(
        &mut self,
        now: Instant,
        text: &str,
    ) -> Result<ReloadReport, GatewayError> {
        let config = crate::parse(text)?;
        self.configure_replace(now, config)
    }

    /// Takes the configuration-derived state of `fresh`, keeping our SAs
    /// and their SPD entries.
    fn swap_in(&mut self, fresh: Gateway) {
        let Gateway {
            config,
            options,
            interface,
            map_name,
            local,
            mut spd,
            statics,
            ezvpn,
            ..
        } = fresh;
        // The kept SAs' entries in front of the new static ones, newest
        // first as [`Gateway::try_install`] puts them.
        let mut kept: Vec<&Installed> = self.children.values().map(|c| &**c).collect();
        kept.sort_by_key(|c| c.policy.0);
        for c in kept {
            spd.insert(
                0,
                PolicyEntry {
                    id: c.policy,
                    selector: esp_selector(&c.selectors),
                    action: PolicyAction::Protect { sa: Some(c.sa_id) },
                },
            );
        }
        let mut policy = self.policy.reconfigured(Arc::clone(&config));
        if !map_name.is_empty() {
            policy = policy.with_crypto_map(map_name.clone());
        }
        *self.live.lock().unwrap_or_else(|e| e.into_inner()) = policy.clone();
        self.policy = policy;
        self.config = config;
        self.options.replay_window = options.replay_window;
        self.interface = interface;
        self.map_name = map_name;
        self.spd = spd;
        if let Some(split) = self.split.as_mut() {
            split.replace_spd(&self.spd);
        }
        self.statics = statics;
        self.ezvpn = match (self.ezvpn.take(), ezvpn) {
            // Still an Easy VPN Remote: the hub's address and the retry
            // timer are run-time state.
            (Some(old), Some(new)) => Some(EzvpnState {
                client_mode: new.client_mode,
                auto: new.auto,
                autostart: old.autostart || (new.auto && !old.auto && old.assigned.is_none()),
                peer: new.peer,
                ..old
            }),
            (_, new) => new,
        };
        if local != self.local {
            let now = self.now;
            self.set_outside_address(now, local);
        }
    }
}

/// Builds the engine's policy cell (see [`LivePolicy`]).
pub(super) fn live_policy(policy: IosPolicy) -> (super::live_policy::PolicyCell, LivePolicy) {
    let cell = Arc::new(std::sync::Mutex::new(policy));
    (Arc::clone(&cell), LivePolicy(cell))
}
