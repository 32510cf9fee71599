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
    Identity, InitiatorPhase1, Lifetime, ModeConfig, ModeConfigAttributes,
    Phase1Choice as ProtoPhase1Choice, Phase1Cipher as ProtoCipher, Phase1Hash as ProtoHash,
    Phase1Mode, Phase1Proposal, Phase2Choice as ProtoPhase2Choice, Phase2Offer, Phase2Proposal,
    Phase2Refusal, Phase2Request as ProtoPhase2Request, Policy, PresharedKey, Profile, Selectors,
    TrafficSelector, XauthAttempt, XauthCredentials, XauthPassword, XauthVerdict,
};

use crate::lockout::{XauthBackoff, XauthGuard};
use crate::model::{
    AclAction, ClientConfigAddress, Config, CryptoMap, EzvpnClient, EzvpnMode, EzvpnSide,
    IsakmpPolicy, IsakmpProfile, TransformSet,
};
use crate::ownership::FlowOwners;
use crate::resolver::{
    self, AddressMatch, Flow, KeyLookup, KeyScope, LifetimeRule, PeerIdentity, Phase1Options,
    ProxyIdentity, ProxyPair, Selector,
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
        proxies: &ProxyPair,
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

// ---------------------------------------------------------------------
// Conversions between ike-proto's terms and the resolver's
// ---------------------------------------------------------------------

/// An ISAKMP policy as the phase 1 proposal we offer; `None` for the
/// authentication methods this suite does not do (RSA).
pub fn phase1_proposal(p: &IsakmpPolicy) -> Option<Phase1Proposal> {
    Some(Phase1Proposal {
        cipher: p.encryption.into(),
        hash: p.hash.into(),
        auth: AuthMethod::try_from(p.authentication).ok()?,
        group: p.group.into(),
        lifetime: Lifetime::seconds(p.lifetime),
    })
}

/// A transform set as the ESP proposal we offer; `None` for transforms the
/// engine cannot carry (SHA-384/512 integrity).
pub fn phase2_proposal(
    ts: &TransformSet,
    pfs: Option<crate::model::DhGroup>,
    lifetime: crate::model::SaLifetime,
) -> Option<Phase2Proposal> {
    let integrity = match ts.integrity {
        None => None,
        Some(i) => Some(ProtoIntegrity::try_from(i).ok()?),
    };
    Some(Phase2Proposal {
        cipher: ts.encryption.map_or(EspCipher::Null, EspCipher::from),
        integrity,
        mode: ts.mode.into(),
        pfs: pfs.map(ProtoGroup::from),
        lifetime: Lifetime::new(lifetime.seconds, lifetime.kilobytes),
    })
}

/// A phase 1 identity in the resolver's terms (`None` for ID types no
/// profile can match).
pub fn peer_identity(id: &Identity) -> Option<PeerIdentity> {
    match id {
        Identity::Ipv4(a) => Some(PeerIdentity::Ipv4(*a)),
        Identity::Fqdn(s) => Some(PeerIdentity::Fqdn(s.clone())),
        Identity::UserFqdn(s) => Some(PeerIdentity::UserFqdn(s.clone())),
        Identity::KeyId(k) => Some(PeerIdentity::KeyId(String::from_utf8_lossy(k).into_owned())),
        Identity::Other { .. } => None,
    }
}

fn proxy(ts: &TrafficSelector) -> ProxyIdentity {
    ProxyIdentity {
        first: ts.start,
        last: ts.end,
        protocol: ts.protocol,
        port: ts.port,
    }
}

/// IKE traffic selectors (ours as local) as the resolver's proxy pair.
pub fn proxy_pair(s: &Selectors) -> ProxyPair {
    ProxyPair {
        local: proxy(&s.local),
        remote: proxy(&s.remote),
    }
}

fn side(
    addr: &AddressMatch,
    protocol: Option<u8>,
    ports: resolver::PortRange,
) -> Option<TrafficSelector> {
    let (start, end) = match *addr {
        AddressMatch::Prefix { address, len } => {
            let s = TrafficSelector::subnet(address, len);
            (s.start, s.end)
        }
        // A wildcard with holes is not one IKE identity.
        AddressMatch::Masked { .. } => return None,
    };
    let port = if ports.first == ports.last {
        ports.first
    } else {
        0
    };
    Some(TrafficSelector {
        start,
        end,
        protocol: protocol.unwrap_or(0),
        port,
    })
}

/// An ACL selector (source = our side) as IKE traffic selectors; `None`
/// when a wildcard with holes cannot be one IKE identity.
pub fn selectors_from_acl(s: &Selector) -> Option<Selectors> {
    Some(Selectors {
        local: side(&s.source, s.protocol, s.source_ports)?,
        remote: side(&s.destination, s.protocol, s.destination_ports)?,
    })
}

/// A packet as the resolver's flow, from IKE host selectors.
fn flow_of(s: &Selectors) -> Flow {
    Flow {
        source: s.local.start,
        destination: s.remote.start,
        protocol: s.local.protocol.max(s.remote.protocol),
        source_port: s.local.port,
        destination_port: s.remote.port,
    }
}

fn mode_config(p: &IsakmpProfile) -> ModeConfig {
    match p.client_configuration_address {
        None => ModeConfig::None,
        Some(ClientConfigAddress::Respond) => ModeConfig::Respond,
        Some(ClientConfigAddress::Initiate) => ModeConfig::Initiate,
    }
}

/// The phase 1 transforms an IOS Easy VPN Remote offers, strongest first:
/// pre-shared key with Xauth (XAUTHInitPreShared), DH group 2, one day.
pub fn ezvpn_phase1_proposals() -> Vec<Phase1Proposal> {
    [
        (ProtoCipher::AesCbc { key_bits: 256 }, ProtoHash::Sha1),
        (ProtoCipher::AesCbc { key_bits: 128 }, ProtoHash::Sha1),
        (ProtoCipher::TripleDes, ProtoHash::Sha1),
        (ProtoCipher::TripleDes, ProtoHash::Md5),
        (ProtoCipher::Des, ProtoHash::Sha1),
    ]
    .into_iter()
    .map(|(cipher, hash)| Phase1Proposal {
        cipher,
        hash,
        auth: AuthMethod::XauthInitPreShared,
        group: ProtoGroup::MODP1024,
        lifetime: Lifetime::seconds(86_400),
    })
    .collect()
}

/// The ESP proposals an IOS Easy VPN Remote offers, strongest first, tunnel
/// mode, no PFS, with the configured SA lifetime.
pub fn ezvpn_phase2_proposals(lifetime: crate::model::SaLifetime) -> Vec<Phase2Proposal> {
    [
        (
            EspCipher::AesCbc { key_bits: 256 },
            ProtoIntegrity::HmacSha1,
        ),
        (
            EspCipher::AesCbc { key_bits: 128 },
            ProtoIntegrity::HmacSha1,
        ),
        (EspCipher::TripleDes, ProtoIntegrity::HmacSha1),
        (EspCipher::TripleDes, ProtoIntegrity::HmacMd5),
        (EspCipher::Des, ProtoIntegrity::HmacSha1),
    ]
    .into_iter()
    .map(|(cipher, integrity)| Phase2Proposal {
        cipher,
        integrity: Some(integrity),
        mode: EncapMode::Tunnel,
        pfs: None,
        lifetime: Lifetime::new(lifetime.seconds, lifetime.kilobytes),
    })
    .collect()
}

impl Policy for IosPolicy {
    fn preshared_key_for_address(&self, _local: Ipv4Addr, peer: Ipv4Addr) -> Option<PresharedKey> {
        if let Some(key) = self.ezvpn_towards(peer).and_then(|e| e.group_key.as_ref()) {
            return Some(PresharedKey::new(key.expose().to_vec()));
        }
        let lookup = resolver::find_key_by_address(&self.config, peer, KeyScope::AllKeyrings);
        self.log_lookup(peer, &lookup);
        lookup
            .found
            .map(|k| PresharedKey::new(k.secret().expose().to_vec()))
    }

    fn preshared_key_for_identity(
        &self,
        local: Ipv4Addr,
        peer: Ipv4Addr,
        identity: &Identity,
    ) -> Option<PresharedKey> {
        // Towards our Easy VPN hub, whatever the identity: the group key.
        if let Some(key) = self.ezvpn_towards(peer).and_then(|e| e.group_key.as_ref()) {
            return Some(PresharedKey::new(key.expose().to_vec()));
        }
        // `crypto isakmp peer ...` / `set aggressive-mode password K`.
        if !matches!(identity, Identity::KeyId(_)) {
            let id = peer_identity(identity);
            if let Some(key) = resolver::aggressive_mode_peer(&self.config, peer, id.as_ref())
                .and_then(|p| p.aggressive_mode_password.as_ref())
            {
                return Some(PresharedKey::new(key.expose().to_vec()));
            }
        }
        match identity {
            Identity::KeyId(group) => {
                let group = String::from_utf8_lossy(group);
                let key = resolver::find_group_key(&self.config, &group);
                if key.is_none() {
                    isakmp_debug!(self, "ISAKMP: No client configuration group {group}");
                }
                key.map(|k| PresharedKey::new(k.expose().to_vec()))
            }
            Identity::Fqdn(name) => {
                let lookup =
                    resolver::find_key_by_hostname(&self.config, name, KeyScope::AllKeyrings);
                self.log_lookup(name, &lookup);
                match lookup.found {
                    Some(k) => Some(PresharedKey::new(k.secret().expose().to_vec())),
                    None => self.preshared_key_for_address(local, peer),
                }
            }
            _ => self.preshared_key_for_address(local, peer),
        }
    }

    /// Whether to answer an Aggressive Mode first message from `peer`
    /// with `identity`: an ID_KEY_ID of a client configuration group, or
    /// a `crypto isakmp peer` block with `set aggressive-mode ...` for
    /// it; never with `crypto isakmp aggressive-mode disable`
    /// ([`resolver::aggressive_mode_rule`]).
    fn aggressive_mode_allowed(
        &self,
        _local: Ipv4Addr,
        peer: Ipv4Addr,
        identity: &Identity,
    ) -> bool {
        let id = peer_identity(identity);
        let rule = resolver::aggressive_mode_rule(&self.config, peer, id.as_ref());
        if !rule.allowed() {
            isakmp_debug!(
                self,
                "ISAKMP: Aggressive Mode from {peer} ({identity:?}) refused: {rule:?}"
            );
        }
        rule.allowed()
    }

    fn initiator_phase1(&self, _local: Ipv4Addr, peer: Ipv4Addr) -> Option<InitiatorPhase1> {
        if let Some(ez) = self.ezvpn_towards(peer) {
            let Some(group) = ez.group.as_deref() else {
                isakmp_debug!(self, "EZVPN({}): no group configured", ez.name);
                return None;
            };
            return Some(InitiatorPhase1 {
                mode: Phase1Mode::Aggressive,
                proposals: ezvpn_phase1_proposals(),
                identity: Some(Identity::KeyId(group.as_bytes().to_vec())),
            });
        }
        let proposals: Vec<Phase1Proposal> = self
            .config
            .isakmp_policies_by_priority()
            .into_iter()
            .filter_map(phase1_proposal)
            .collect();
        if proposals.is_empty() {
            isakmp_debug!(self, "ISAKMP: no ISAKMP policy to offer {peer}");
            return None;
        }
        Some(InitiatorPhase1 {
            mode: Phase1Mode::Main,
            proposals,
            identity: None,
        })
    }

    fn choose_phase1(
        &self,
        _local: Ipv4Addr,
        peer: Ipv4Addr,
        _identity: Option<&Identity>,
        offered: &[Phase1Proposal],
    ) -> Option<ProtoPhase1Choice> {
        let Some(choice) = resolver::choose_isakmp_policy(&self.config, offered, self.options)
        else {
            isakmp_debug!(
                self,
                "ISAKMP: no offered transform from {peer} matches an ISAKMP policy"
            );
            return None;
        };
        // The exchange says which transform passed which check.
        Some(ProtoPhase1Choice {
            index: choice.transform_index,
            lifetime: Lifetime::seconds(choice.lifetime),
            priority: Some(u32::from(choice.policy.priority)),
        })
    }

    fn match_profile(
        &self,
        _local: Ipv4Addr,
        peer: Ipv4Addr,
        identity: &Identity,
    ) -> Option<Profile> {
        if let Some(ez) = self.ezvpn_towards(peer) {
            // As the client: the hub runs Xauth, we pull our address.
            return Some(Profile {
                name: ez.name.clone(),
                xauth: true,
                mode_config: ModeConfig::Respond,
            });
        }
        let map = self.crypto_map();
        let profile =
            peer_identity(identity).and_then(|id| resolver::select_profile(&self.config, &id));
        match profile {
            Some(p) => {
                // The exchange says `peer matches .. profile`, naming the SA.
                Some(Profile {
                    name: p.name.clone(),
                    xauth: resolver::xauth_required(Some(p), None, map),
                    mode_config: mode_config(p),
                })
            }
            None if self.config.isakmp_profiles.is_empty() => {
                // No profiles at all: the global configuration applies
                // (the seed's spoke), under an unnamed profile.
                let lookup =
                    resolver::find_key_by_address(&self.config, peer, KeyScope::AllKeyrings);
                let key = lookup.found.map(|k| k.entry);
                Some(Profile {
                    name: String::new(),
                    xauth: resolver::xauth_required(None, key, map),
                    mode_config: ModeConfig::None,
                })
            }
            None => {
                isakmp_debug!(
                    self,
                    "ISAKMP: peer {peer} ({identity:?}) matches no profile"
                );
                None
            }
        }
    }

    fn initiator_phase2(
        &self,
        _local: Ipv4Addr,
        peer: Ipv4Addr,
        selectors: &Selectors,
    ) -> Option<Phase2Offer> {
        if let Some(ez) = self.ezvpn_towards(peer) {
            // Client mode: our (assigned) address to everything; network
            // extension: the inside traffic as it is, to everything.
            let local = match ez.mode {
                EzvpnMode::Client => TrafficSelector::host(selectors.local.start),
                EzvpnMode::NetworkExtension => selectors.local,
            };
            return Some(Phase2Offer {
                proposals: ezvpn_phase2_proposals(self.config.ipsec_sa_lifetime),
                selectors: Selectors {
                    local,
                    remote: TrafficSelector::subnet(Ipv4Addr::UNSPECIFIED, 0),
                },
                send_client_ids: true,
            });
        }
        let map = self.crypto_map()?;
        let flow = flow_of(selectors);
        for candidate in resolver::crypto_map_candidates(&self.config, map) {
            if candidate.is_dynamic() {
                continue; // dynamic entries never initiate
            }
            let entry = candidate.entry();
            if !entry.peers.contains(&peer) {
                continue;
            }
            let Some(acl) = entry
                .match_address
                .as_deref()
                .and_then(|n| self.config.access_list(n))
            else {
                continue;
            };
            let Some(line) = resolver::acl_selector_iter(acl).find(|s| s.selector.matches(&flow))
            else {
                continue;
            };
            if line.action != AclAction::Permit {
                continue; // a deny hands the packet to the next entry
            }
            let offered = selectors_from_acl(&line.selector)?;
            let lifetime = entry.sa_lifetime(self.config.ipsec_sa_lifetime);
            let proposals: Vec<Phase2Proposal> = entry
                .transform_sets
                .iter()
                .filter_map(|n| self.config.transform_set(n))
                .filter_map(|ts| phase2_proposal(ts, entry.pfs, lifetime))
                .collect();
            if proposals.is_empty() {
                return None;
            }
            return Some(Phase2Offer {
                proposals,
                selectors: offered,
                send_client_ids: true,
            });
        }
        None
    }

    fn choose_phase2(
        &self,
        request: &ProtoPhase2Request<'_>,
    ) -> Result<ProtoPhase2Choice, Phase2Refusal> {
        let Some(map) = self.crypto_map() else {
            return Err(Phase2Refusal::InvalidIdInformation);
        };
        let profile = request
            .profile
            .map(|p| p.name.as_str())
            .filter(|n| !n.is_empty());
        let proxies = proxy_pair(&request.selectors);
        let rreq = resolver::Phase2Request {
            peer: request.peer,
            profile,
            proxies,
            transforms: request.offered,
        };
        if let Some(sel) = resolver::select_responder_entry(&self.config, map, &rreq) {
            self.check_claim(request, sel.candidate.entry(), &proxies)?;
            let c = sel.choice;
            // IOS names the map by its head, a dynamic map's match too
            // (the seed's client, matched by `dynmap 10` under `mymap 10`).
            ipsec_debug!(
                self,
                "IPSEC(kei_proxy): head = {}, map->ivrf = , kei->ivrf = ",
                map.name
            );
            return Ok(ProtoPhase2Choice {
                index: c.transform_index,
                lifetime: Lifetime::new(c.lifetime.seconds, c.lifetime.kilobytes),
            });
        }
        // Tell "no transform" from "not our traffic", as IOS's notifies do.
        let ids_ok = resolver::crypto_map_candidates(&self.config, map)
            .into_iter()
            .any(|c| {
                let e = c.entry();
                let peer_ok = if c.is_dynamic() {
                    e.peers.is_empty() || e.peers.contains(&request.peer)
                } else {
                    e.peers.contains(&request.peer)
                };
                let profile_ok = e
                    .isakmp_profile
                    .as_deref()
                    .is_none_or(|p| profile == Some(p));
                peer_ok
                    && profile_ok
                    && resolver::entry_accepts_proxies(&self.config, e, c.is_dynamic(), &proxies)
            });
        if ids_ok {
            ipsec_debug!(
                self,
                "IPSEC(validate_proposal_request): no transform set accepts the proposal"
            );
            Err(Phase2Refusal::NoProposalChosen)
        } else {
            ipsec_debug!(
                self,
                "IPSEC(validate_transform_proposal): proxy identities not supported ({:?})",
                request.selectors
            );
            Err(Phase2Refusal::InvalidIdInformation)
        }
    }

    fn check_xauth(
        &self,
        _local: Ipv4Addr,
        peer: Ipv4Addr,
        profile: &Profile,
        user: &str,
        password: &XauthPassword,
    ) -> XauthVerdict {
        let Some(list) = self.xauth_list(profile) else {
            isakmp_debug!(
                self,
                "ISAKMP: no client authentication list for {peer}: Xauth fails"
            );
            return XauthVerdict::Reject;
        };
        match resolver::authenticate_xauth(&self.config, list, user, password.as_bytes()) {
            Some(true) => XauthVerdict::Accept,
            Some(false) => XauthVerdict::Reject,
            // A RADIUS or TACACS+ list: the embedder answers.
            None => XauthVerdict::Deferred,
        }
    }

    /// [`Policy::check_xauth`] behind the limits of [`crate::lockout`]: a
    /// source in back-off and a locked user are refused unchecked; a wrong
    /// password counts against both; a right one is refused when the
    /// group's `max-users` or the user's `max-logins` is reached, else it
    /// counts as a login until the IKE SA ends.
    fn check_xauth_attempt(&self, a: &XauthAttempt<'_>) -> XauthVerdict {
        let peer = *a.peer.ip();
        let mut guard = self.guard.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(until) = guard.source_blocked(peer, a.now) {
            isakmp_debug!(
                self,
                "ISAKMP: Xauth from {peer} refused unchecked: backing off for {} s more",
                until.saturating_duration_since(a.now).as_secs()
            );
            guard.refusals.backoff += 1;
            return XauthVerdict::Reject;
        }
        let max_fail = self.config.aaa_local_max_fail;
        if max_fail.is_some() && guard.user_locked(a.user) {
            isakmp_debug!(
                self,
                "AAA: local user {} is locked out",
                a.user.escape_debug()
            );
            guard.refusals.locked += 1;
            return XauthVerdict::Reject;
        }
        let verdict = self.check_xauth(a.local, peer, a.profile, a.user, a.password);
        match verdict {
            XauthVerdict::Accept => {
                guard.succeeded(a.user, peer);
                let group = self.client_group(a.profile, a.identity);
                let name = group.map(|g| g.name.as_str());
                let (in_group, mine) = guard.logins(name, a.user, a.ike_sa);
                if let Some(g) = group {
                    if g.max_users.is_some_and(|m| in_group >= m as usize) {
                        isakmp_debug!(
                            self,
                            "ISAKMP: group {} is at max-users: login refused",
                            g.name
                        );
                        guard.refusals.max_users += 1;
                        return XauthVerdict::Reject;
                    }
                    if g.max_logins.is_some_and(|m| mine >= m as usize) {
                        isakmp_debug!(
                            self,
                            "ISAKMP: user {} is at max-logins of group {}: login refused",
                            a.user.escape_debug(),
                            g.name
                        );
                        guard.refusals.max_logins += 1;
                        return XauthVerdict::Reject;
                    }
                }
                guard.login(a.ike_sa, name, a.user);
                XauthVerdict::Accept
            }
            XauthVerdict::Reject => {
                let local_user = self.config.users.iter().any(|u| u.name == a.user);
                guard.failed(local_user.then_some(a.user), max_fail, peer, a.now);
                XauthVerdict::Reject
            }
            XauthVerdict::Deferred => XauthVerdict::Deferred,
        }
    }

    fn ike_sa_ended(&self, ike_sa: IkeSaId) {
        self.guard
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .ended(ike_sa);
    }

    fn xauth_credentials(&self, _local: Ipv4Addr, peer: Ipv4Addr) -> Option<XauthCredentials> {
        // `xauth userid mode interactive` or `http-intercept`: the embedder
        // asks a person.
        let ez = self
            .ezvpn_towards(peer)
            .filter(|e| e.xauth_userid_mode == crate::model::XauthUseridMode::Local)?;
        Some(XauthCredentials {
            user: ez.username.clone()?,
            password: XauthPassword::new(ez.password.as_ref()?.expose().to_vec()),
        })
    }

    fn mode_config_attributes(
        &self,
        _local: Ipv4Addr,
        peer: Ipv4Addr,
        identity: &Identity,
        profile: &Profile,
        _user: Option<&str>,
    ) -> Option<ModeConfigAttributes> {
        if !self.local_authorization(profile) {
            isakmp_debug!(
                self,
                "ISAKMP: authorization list for {peer} is not local: no attributes"
            );
            return None;
        }
        let group = self.client_group(profile, identity)?;
        let address = match group.pool.as_deref() {
            Some(name) => {
                let mut pools = self.pools.lock().unwrap_or_else(|e| e.into_inner());
                let pool = pools.iter_mut().find(|p| p.name() == name)?;
                Some(pool.allocate()?)
            }
            None => None,
        };
        let split_include = group
            .acl
            .as_deref()
            .and_then(|n| self.config.access_list(n))
            .map(|acl| {
                resolver::acl_selector_iter(acl)
                    .filter(|s| s.action == AclAction::Permit)
                    .filter_map(|s| selectors_from_acl(&s.selector).map(|x| x.local))
                    .collect()
            })
            .unwrap_or_default();
        Some(ModeConfigAttributes {
            address,
            netmask: group.netmask,
            dns: group.dns.clone(),
            wins: group.wins.clone(),
            domain: group.domain.clone(),
            split_include,
            banner: group.banner.clone(),
            save_password: group.save_password,
            // The engine fills what is left of phase 1.
            address_expiry: None,
            // The engine's IOS-style version string.
            application_version: None,
            split_dns: group.split_dns.clone(),
            include_local_lan: group.include_local_lan,
            pfs: group.pfs,
            firewall_are_u_there: group.firewall_are_u_there,
            backup_servers: group.backup_gateways.clone(),
        })
    }

    fn release_address(&self, address: Ipv4Addr) {
        let mut pools = self.pools.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(p) = pools.iter_mut().find(|p| p.is_allocated(address)) {
            p.release(address);
        }
    }
}
