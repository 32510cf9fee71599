//! [`IosPolicy`]: ike-proto's [`Policy`] trait answered by an IOS
//! configuration with Cisco's rules, by delegating to the [`resolver`]
//! functions.
//!
//! | engine question | rule | resolver |
//! | --- | --- | --- |
//! | key for a peer address | default keyring first, then named keyrings; most specific entry; wildcard last | [`resolver::find_key_by_address`] |
//! | key for an identity | ID_KEY_ID: the client group's key; ID_FQDN: `hostname` entries; else by address | [`resolver::find_group_key`], [`resolver::find_key_by_hostname`] |
//! | phase 1 as initiator | Main Mode, ISAKMP policies by priority | [`Config::isakmp_policies_by_priority`] |
//! | phase 1 as responder | our policies by priority against each offered transform; a longer peer lifetime is accepted and answered with our own (RESPONDER-LIFETIME), as the seed's IOS 12.3 hub does | [`resolver::choose_isakmp_policy`] |
//! | profile | by identity, most specific `match identity`; no `client authentication list` means no Xauth | [`resolver::select_profile`], [`resolver::xauth_required`] |
//! | phase 2 as initiator | static crypto map entries by sequence number; the entry whose ACL permits the traffic and whose `set peer` is the peer; the ACL line becomes the proxy identities | [`resolver::crypto_map_candidates`], [`resolver::acl_selector_iter`] |
//! | phase 2 as responder | static entries, then dynamic ones; `set isakmp-profile` must be the IKE SA's profile; ACL must cover the proxies (a dynamic entry without ACL accepts what is free); transform sets; the peer's side no pool address but its own, none of our networks without an ACL, no flow another peer's live SA holds | [`resolver::select_responder_entry`], [`resolver::proxy_claim_allowed`], [`crate::ownership`] |
//! | Xauth user name and password | the profile's `client authentication list` (else the crypto map's) → `aaa authentication login` → local users, constant-time compare; a RADIUS/TACACS+ list defers to the embedder | [`resolver::authenticate_xauth`] |
//! | ... across IKE SAs ([`Policy::check_xauth_attempt`]) | a source in back-off and a user locked by `aaa local authentication attempts max-fail` are refused unchecked; group `max-users` / `max-logins` bound logins at once | [`crate::lockout`] |
//! | answer an Aggressive Mode first message? ([`Policy::aggressive_mode_allowed`]) | an ID_KEY_ID of a client group, or a `crypto isakmp peer` with `set aggressive-mode ...`; none with `crypto isakmp aggressive-mode disable` | [`resolver::aggressive_mode_rule`] |
//! | Mode Config attributes | `isakmp authorization list` must be local; the profile's `client configuration group`, else the ID_KEY_ID's group: address from its `pool`, dns, wins, domain, netmask, save-password, split-include from its `acl`; released when the IKE SA goes | [`resolver::AddressPool`] |
//!
//! | Easy VPN Remote (`crypto ipsec client ezvpn` on the outside interface), towards its `peer`s | Aggressive Mode as ID_KEY_ID = `group`, key = the group key, the IOS client's XAUTHInitPreShared proposals; Xauth answered from `username ... password`; Mode Config pulled; Quick Mode for (assigned address ↔ 0.0.0.0/0) in client mode | [`IosPolicy::ezvpn`] |
//!
//! Each key lookup logs IOS's lines ("Looking for a matching key for X in
//! default", "... in spokes : success") through the `log` facade.

use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};

use ike_proto::engine::{Debugging, IkeSaId};
use ike_proto::policy::{
    AuthMethod, DhGroup as ProtoGroup, EncapMode, EspCipher, EspIntegrity as ProtoIntegrity,
    HashAlg as ProtoHash, Identity, InitiatorPhase1, Lifetime, ModeConfig, ModeConfigAttributes,
    Phase1Choice as ProtoPhase1Choice, Phase1Cipher as ProtoCipher, Phase1Mode, Phase1Proposal,
    Phase2Choice as ProtoPhase2Choice, Phase2Offer, Phase2Proposal, Phase2Refusal,
    Phase2Request as ProtoPhase2Request, Policy, PresharedKey, Profile, Selectors, TrafficSelector,
    XauthAttempt, XauthCredentials, XauthPassword, XauthVerdict,
};

use crate::lockout::{XauthBackoff, XauthGuard};
use crate::model::{
    AclAction, ClientConfigAddress, Config, CryptoMap, EzvpnClient, EzvpnMode, EzvpnSide,
    IsakmpPolicy, IsakmpProfile, TransformSet,
};
use crate::ownership::FlowOwners;
use crate::resolver::{
    self, AddressMatch, Flow, KeyLookup, KeyScope, LifetimeRule, PeerIdentity, Phase1Options,
    Selector,
};

/// The engine's [`Policy`] over a parsed IOS configuration.
///
/// The crypto map consulted is the one applied to the outside interface
/// (the first interface with `crypto map NAME`), unless
/// [`IosPolicy::with_crypto_map`] names another.
#[derive(Debug, Clone)]
pub struct IosPolicy {
    config: Arc<Config>,
    crypto_map: Option<String>,
    /// The Easy VPN client of the outside interface, by name.
    ezvpn: Option<String>,
    options: Phase1Options,
    /// The `ip local pool`s' allocations, shared by the clones of one
    /// policy (the Gateway's views and its engine see the same pools).
    pools: Arc<Mutex<Vec<resolver::AddressPool>>>,
    /// The flows live child SAs hold, kept by the Gateway that runs this
    /// policy (empty for an engine run alone).
    flows: Arc<Mutex<FlowOwners>>,
    /// Xauth lockouts, back-off and login counts ([`crate::lockout`]),
    /// shared by the clones.
    guard: Arc<Mutex<XauthGuard>>,
    /// The `log` target of every line this policy logs.
    log_target: Arc<str>,
    /// `debug crypto isakmp` / `debug crypto ipsec` (bits 0 and 1), shared
    /// by the clones: the Gateway's switches, so a line they do not let
    /// through is not even formatted.
    debugging: Arc<AtomicU8>,
}

/// A line of `debug crypto isakmp`, formatted only if it is on.
macro_rules! isakmp_debug {
    ($policy:expr, $($arg:tt)+) => {
        if $policy.debugging().isakmp {
            log::debug!(target: &$policy.log_target, $($arg)+)
        }
    };
}

/// A line of `debug crypto ipsec`, formatted only if it is on.
macro_rules! ipsec_debug {
    ($policy:expr, $($arg:tt)+) => {
        if $policy.debugging().ipsec {
            log::debug!(target: &$policy.log_target, $($arg)+)
        }
    };
}

impl IosPolicy {
    /// A policy over `config`, with the crypto map of its outside
    /// interface and IOS 12.3's phase 1 lifetime rule (accept a longer
    /// peer lifetime, answer with ours).
    pub fn new(config: Arc<Config>) -> Self {
        let crypto_map = config
            .crypto_interfaces()
            .next()
            .map(|(_, m)| m.name.clone());
        let ezvpn = config
            .interfaces
            .iter()
            .filter_map(|i| i.ezvpn.as_ref())
            .find(|e| e.side == EzvpnSide::Outside)
            .map(|e| e.name.clone());
        let pools = config
            .local_pools
            .iter()
            .map(resolver::AddressPool::new)
            .collect();
        Self {
            config,
            crypto_map,
            ezvpn,
            pools: Arc::new(Mutex::new(pools)),
            flows: Arc::default(),
            guard: Arc::default(),
            log_target: Arc::from(crate::gateway::DEFAULT_LOG_TARGET),
            debugging: Arc::new(AtomicU8::new(0b11)),
            options: Phase1Options {
                lifetime_rule: LifetimeRule::ResponderLifetime,
                include_default_suite: false,
            },
        }
    }

    /// The same policy logging under `target` (a Gateway's
    /// [`crate::GatewayOptions::log_target`]) instead of `"ikesuite"`.
    pub fn with_log_target(mut self, target: &str) -> Self {
        self.log_target = Arc::from(target);
        self
    }

    /// Which of its debug lines the policy (and its clones) writes: the
    /// Gateway's `debug crypto isakmp|ipsec`. All, until told otherwise.
    pub fn set_debugging(&self, d: Debugging) {
        let bits = u8::from(d.isakmp) | u8::from(d.ipsec) << 1;
        self.debugging.store(bits, Ordering::Relaxed);
    }

    fn debugging(&self) -> Debugging {
        let bits = self.debugging.load(Ordering::Relaxed);
        Debugging {
            isakmp: bits & 1 != 0,
            ipsec: bits & 2 != 0,
        }
    }

    /// The same policy consulting crypto map `name`.
    pub fn with_crypto_map(mut self, name: impl Into<String>) -> Self {
        self.crypto_map = Some(name.into());
        self
    }

    /// The same policy with another per-source Xauth back-off (state
    /// kept so far is forgotten).
    pub fn with_xauth_backoff(mut self, backoff: XauthBackoff) -> Self {
        self.guard = Arc::new(Mutex::new(XauthGuard::new(backoff)));
        self
    }

    /// The Xauth lockout state: `show aaa local user lockout`, `clear aaa
    /// local user lockout`, shared with the engine's clone.
    pub fn xauth_guard(&self) -> Arc<Mutex<XauthGuard>> {
        Arc::clone(&self.guard)
    }

    /// The same policy with another phase 1 lifetime rule.
    pub fn with_lifetime_rule(mut self, rule: LifetimeRule) -> Self {
        self.options.lifetime_rule = rule;
        self
    }

    /// The table of held flows Quick Mode offers are checked against,
    /// shared by the clones of this policy: the Gateway fills it as it
    /// installs and removes child SAs.
    pub fn flow_owners(&self) -> Arc<Mutex<FlowOwners>> {
        Arc::clone(&self.flows)
    }

    /// The same policy over another configuration (`configure replace`):
    /// the held flows, the Xauth lockouts and the log target carry over;
    /// a pool whose ranges are unchanged keeps its allocations (the
    /// clients it served may stay up), any other pool starts empty. The
    /// pools are no longer shared with this policy's clones.
    pub fn reconfigured(&self, config: Arc<Config>) -> Self {
        let old = self.pools.lock().unwrap_or_else(|e| e.into_inner());
        let pools = config
            .local_pools
            .iter()
            .map(|p| {
                let fresh = resolver::AddressPool::new(p);
                old.iter()
                    .find(|o| o.same_ranges(&fresh))
                    .cloned()
                    .unwrap_or(fresh)
            })
            .collect();
        let mut next = Self::new(config);
        next.pools = Arc::new(Mutex::new(pools));
        next.flows = Arc::clone(&self.flows);
        next.guard = Arc::clone(&self.guard);
        next.log_target = Arc::clone(&self.log_target);
        next.debugging = Arc::clone(&self.debugging);
        next.options = self.options;
        next
    }

    /// The addresses of `ip local pool NAME` handed out now.
    pub fn pool_in_use(&self, name: &str) -> Option<Vec<Ipv4Addr>> {
        let pools = self.pools.lock().unwrap_or_else(|e| e.into_inner());
        let pool = pools.iter().find(|p| p.name() == name)?;
        let cfg = self.config.local_pool(name)?;
        Some(
            cfg.ranges
                .iter()
                .flat_map(|r| u32::from(r.first)..=u32::from(r.last))
                .map(Ipv4Addr::from)
                .filter(|a| pool.is_allocated(*a))
                .collect(),
        )
    }

    /// The AAA list a profile checks Xauth against: its `client
    /// authentication list`, else the crypto map's.
    fn xauth_list(&self, profile: &Profile) -> Option<&str> {
        self.config
            .isakmp_profile(&profile.name)
            .and_then(|p| p.client_authentication_list.as_deref())
            .or_else(|| {
                self.crypto_map()
                    .and_then(|m| m.client_authentication_list.as_deref())
            })
    }

    /// The client configuration group of a peer: the profile's `client
    /// configuration group`, else the group its ID_KEY_ID names.
    fn client_group(
        &self,
        profile: &Profile,
        identity: &Identity,
    ) -> Option<&crate::model::ClientConfigGroup> {
        let named = self
            .config
            .isakmp_profile(&profile.name)
            .and_then(|p| p.client_configuration_group.as_deref());
        let name = match (named, identity) {
            (Some(n), _) => n.to_string(),
            (None, Identity::KeyId(k)) => String::from_utf8(k.clone()).ok()?,
            (None, _) => return None,
        };
        self.config.client_group(&name)
    }

    /// Whether the profile's `isakmp authorization list` answers group
    /// attributes from the local configuration (`local`, or no list).
    fn local_authorization(&self, profile: &Profile) -> bool {
        let list = self
            .config
            .isakmp_profile(&profile.name)
            .and_then(|p| p.isakmp_authorization_list.as_deref());
        match list {
            None => true,
            Some(l) => self.config.authorization_network_list(l).is_some_and(|l| {
                matches!(
                    l.methods.first(),
                    Some(crate::model::AaaMethod::Local | crate::model::AaaMethod::LocalCase)
                )
            }),
        }
    }

    /// The Easy VPN client this router runs: the one applied with
    /// `crypto ipsec client ezvpn NAME [outside]` to an interface.
    pub fn ezvpn(&self) -> Option<&EzvpnClient> {
        self.config.ezvpn_client(self.ezvpn.as_deref()?)
    }

    /// The Easy VPN client whose `peer` is `peer`.
    fn ezvpn_towards(&self, peer: Ipv4Addr) -> Option<&EzvpnClient> {
        self.ezvpn().filter(|e| e.peers.contains(&peer))
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The crypto map consulted, if the configuration has it.
    pub fn crypto_map(&self) -> Option<&CryptoMap> {
        self.config.crypto_map(self.crypto_map.as_deref()?)
    }

    /// Whether the peer may have the flow it asks for: not a pool address
    /// other than its own, not our networks unless the entry's ACL says
    /// so ([`resolver::proxy_claim_allowed`]), and nothing another peer's
    /// live child SA holds ([`FlowOwners::claim`], which also queues a
    /// DPD probe of the holder).
    fn check_claim(
        &self,
        request: &ProtoPhase2Request<'_>,
        entry: &crate::model::CryptoMapEntry,
        proxies: &Selectors,
    ) -> Result<(), Phase2Refusal> {
        if let Err(why) =
            resolver::proxy_claim_allowed(&self.config, entry, proxies, request.assigned_address)
        {
            self.flows
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .count_refusal(why);
            ipsec_debug!(
                self,
                "IPSEC(validate_proposal_request): proxy identities of {} refused ({why:?}): {:?}",
                request.peer,
                request.selectors
            );
            return Err(Phase2Refusal::InvalidIdInformation);
        }
        let claimant = std::net::SocketAddrV4::new(request.peer, request.peer_port);
        let free = self
            .flows
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .claim(claimant, &request.selectors);
        if !free {
            ipsec_debug!(
                self,
                "IPSEC(validate_proposal_request): proxy identities of {claimant} refused (held by another peer, probing it): {:?}",
                request.selectors
            );
            return Err(Phase2Refusal::InvalidIdInformation);
        }
        Ok(())
    }

    fn log_lookup(&self, peer: impl core::fmt::Display, lookup: &KeyLookup<'_>) {
        let last = lookup.searched.len().saturating_sub(1);
        for (i, ring) in lookup.searched.iter().enumerate() {
            if i == last && lookup.found.is_some() {
                isakmp_debug!(
                    self,
                    "ISAKMP: Looking for a matching key for {peer} in {ring} : success"
                );
            } else {
                isakmp_debug!(
                    self,
                    "ISAKMP: Looking for a matching key for {peer} in {ring}"
                );
            }
        }
        if lookup.found.is_none() {
            isakmp_debug!(self, "ISAKMP: No pre-shared key with {peer}!");
        }
    }
}

mod convert;
mod policy;

pub use convert::{
    ezvpn_phase1_proposals, ezvpn_phase2_proposals, peer_identity, phase1_proposal,
    phase2_proposal, selectors_from_acl,
};
use convert::{flow_of, mode_config};
