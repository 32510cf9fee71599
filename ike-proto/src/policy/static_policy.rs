//! [`StaticPolicy`]: a small policy held in memory, for tests and for
//! embedders that need no IOS configuration.

use std::net::Ipv4Addr;

use super::phase2::prefix_mask;
use super::{
    Identity, InitiatorPhase1, Lifetime, ModeConfig, ModeConfigAttributes, Phase1Choice,
    Phase1Mode, Phase1Proposal, Phase2Choice, Phase2Offer, Phase2Proposal, Phase2Refusal,
    Phase2Request, Policy, PresharedKey, Profile, Selectors, TrafficSelector, XauthCredentials,
    XauthPassword, XauthVerdict,
};

/// How a responder treats a proposed lifetime longer than its own (both
/// phases; ike-policy's resolver uses it for IOS phase 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum LifetimeRule {
    /// Accept, use the shorter of the two and tell the peer with a
    /// RESPONDER-LIFETIME notify when ours is shorter. What the seed's hub
    /// (IOS 12.3) does in phase 1: the Cisco VPN Client proposes 2147483 s
    /// (`life duration (VPI) of 0x0 0x20 0xC4 0x9B`), the hub finds the
    /// "atts are acceptable" against its 86400 s policy and logs "Sending
    /// phase 1 responder lifetime 86400"; IOS does the same in phase 2.
    #[default]
    ResponderLifetime,
    /// Refuse a longer lifetime: the rule as Cisco's IOS configuration
    /// guides state it ("a match is made when ... the remote peer's policy
    /// specifies a lifetime that is less than or equal to the lifetime in
    /// the policy being compared; if the lifetimes are not identical, the
    /// shorter lifetime, from the remote peer's policy, is used").
    Strict,
}

/// One phase-2 entry of a [`StaticPolicy`], like a crypto map entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaticPhase2 {
    /// The peer this entry is for (`None`: any peer, a dynamic map).
    pub peer: Option<Ipv4Addr>,
    /// The protected traffic from our point of view; `None`: accept any
    /// selectors the peer proposes (a dynamic map entry without ACL).
    pub selectors: Option<Selectors>,
    /// Transform sets in order.
    pub proposals: Vec<Phase2Proposal>,
}

/// A simple policy held in memory: keys by address and identity, ordered
/// phase-1 transforms, profiles by identity, phase-2 entries.
#[derive(Clone, Debug, Default)]
pub struct StaticPolicy {
    /// Keys by peer address/prefix; the longest prefix wins.
    pub keys_by_address: Vec<(Ipv4Addr, u8, PresharedKey)>,
    /// Keys by identity (Aggressive Mode group names).
    pub keys_by_identity: Vec<(Identity, PresharedKey)>,
    /// Phase-1 mode when initiating.
    pub mode: Option<Phase1Mode>,
    /// The identities Aggressive Mode is answered for as the responder
    /// ([`Policy::aggressive_mode_allowed`]); `None`: every identity.
    pub aggressive_identities: Option<Vec<Identity>>,
    /// Our identity (`None`: our address).
    pub identity: Option<Identity>,
    /// ISAKMP policies by priority.
    pub phase1: Vec<Phase1Proposal>,
    /// Phase-1 lifetime rule.
    pub phase1_lifetime_rule: LifetimeRule,
    /// Profiles: an identity (`None` matches any) and what it gets.
    pub profiles: Vec<(Option<Identity>, Profile)>,
    /// Phase-2 entries in order.
    pub phase2: Vec<StaticPhase2>,
    /// Phase-2 lifetime rule.
    pub phase2_lifetime_rule: LifetimeRule,
    /// Send client IDs in Quick Mode when initiating (default true when
    /// built with [`StaticPolicy::new`]).
    pub send_client_ids: bool,
    /// Xauth users (as the server).
    pub xauth_users: Vec<(String, XauthPassword)>,
    /// Leave every Xauth verdict to [`crate::engine::Engine::xauth_verdict`].
    pub xauth_deferred: bool,
    /// Our Xauth credentials (as the client).
    pub xauth_credentials: Option<XauthCredentials>,
    /// Mode Config attributes handed to clients (the address comes from
    /// `pool`).
    pub mode_config: Option<ModeConfigAttributes>,
    /// An address pool for Mode Config.
    pub pool: Option<StaticPool>,
}

/// A range of addresses for Mode Config; clones share the allocations, so
/// a test can watch the pool of a policy the engine owns.
#[derive(Clone, Debug)]
pub struct StaticPool {
    /// First address.
    pub first: Ipv4Addr,
    /// Last address (inclusive).
    pub last: Ipv4Addr,
    in_use: std::sync::Arc<std::sync::Mutex<Vec<Ipv4Addr>>>,
}

impl StaticPool {
    /// The pool `first..=last`, all free.
    pub fn new(first: Ipv4Addr, last: Ipv4Addr) -> Self {
        Self {
            first,
            last,
            in_use: Default::default(),
        }
    }

    /// The addresses handed out and not yet released.
    pub fn in_use(&self) -> Vec<Ipv4Addr> {
        self.in_use.lock().map(|v| v.clone()).unwrap_or_default()
    }

    /// The lowest free address, now taken.
    pub fn allocate(&self) -> Option<Ipv4Addr> {
        let mut used = self.in_use.lock().ok()?;
        let a = (u32::from(self.first)..=u32::from(self.last))
            .map(Ipv4Addr::from)
            .find(|a| !used.contains(a))?;
        used.push(a);
        Some(a)
    }

    /// Gives `a` back.
    pub fn release(&self, a: Ipv4Addr) {
        if let Ok(mut used) = self.in_use.lock() {
            used.retain(|x| *x != a);
        }
    }
}

impl StaticPolicy {
    /// An empty policy that sends client IDs.
    pub fn new() -> Self {
        Self {
            send_client_ids: true,
            phase2_lifetime_rule: LifetimeRule::ResponderLifetime,
            ..Self::default()
        }
    }

    /// The seed's LAN-to-LAN policy on one side: wildcard key `key`, the
    /// 3des/sha/psk/group 2 ISAKMP policy, esp-3des esp-sha-hmac for
    /// `local` ↔ `remote`.
    pub fn seed(key: &[u8], local: TrafficSelector, remote: TrafficSelector) -> Self {
        let mut p = Self::new();
        p.keys_by_address
            .push((Ipv4Addr::UNSPECIFIED, 0, PresharedKey::new(key.to_vec())));
        p.mode = Some(Phase1Mode::Main);
        p.phase1.push(Phase1Proposal::seed());
        p.profiles.push((
            None,
            Profile {
                name: "L2L".into(),
                xauth: false,
                mode_config: ModeConfig::None,
            },
        ));
        p.phase2.push(StaticPhase2 {
            peer: None,
            selectors: Some(Selectors { local, remote }),
            proposals: vec![Phase2Proposal::seed()],
        });
        p
    }
}

impl StaticPolicy {
    /// The seed's Cisco VPN Client: Aggressive Mode as group `testgroup`
    /// with the group key `cisco321`, the seed's ISAKMP policy, Xauth as
    /// `user` / `password`, Mode Config pulled (`Respond`), and whatever
    /// selectors it is asked to protect.
    pub fn seed_vpn_client(user: &str, password: &[u8]) -> Self {
        let group = Identity::KeyId(b"testgroup".to_vec());
        let mut p = Self::new();
        p.mode = Some(Phase1Mode::Aggressive);
        p.identity = Some(group.clone());
        p.keys_by_identity
            .push((group, PresharedKey::new(b"cisco321".to_vec())));
        p.phase1.push(Phase1Proposal::seed());
        p.profiles.push((
            None,
            Profile {
                name: "hub".into(),
                xauth: true,
                mode_config: ModeConfig::Respond,
            },
        ));
        p.phase2.push(StaticPhase2 {
            peer: None,
            selectors: None,
            proposals: vec![Phase2Proposal::seed()],
        });
        p.xauth_credentials = Some(XauthCredentials {
            user: user.into(),
            password: XauthPassword::new(password.to_vec()),
        });
        p
    }
}

fn choose_lifetime(rule: LifetimeRule, ours: Lifetime, theirs: Lifetime) -> Option<Lifetime> {
    match rule {
        LifetimeRule::Strict => theirs.within(ours).then_some(theirs),
        LifetimeRule::ResponderLifetime => Some(theirs.min(ours)),
    }
}

impl Policy for StaticPolicy {
    fn preshared_key_for_address(&self, _local: Ipv4Addr, peer: Ipv4Addr) -> Option<PresharedKey> {
        self.keys_by_address
            .iter()
            .filter(|(a, len, _)| {
                let m = prefix_mask(*len);
                u32::from(*a) & m == u32::from(peer) & m
            })
            .max_by_key(|(_, len, _)| *len)
            .map(|(_, _, k)| k.clone())
    }

    fn preshared_key_for_identity(
        &self,
        local: Ipv4Addr,
        peer: Ipv4Addr,
        identity: &Identity,
    ) -> Option<PresharedKey> {
        self.keys_by_identity
            .iter()
            .find(|(id, _)| id == identity)
            .map(|(_, k)| k.clone())
            .or_else(|| self.preshared_key_for_address(local, peer))
    }

    fn aggressive_mode_allowed(
        &self,
        _local: Ipv4Addr,
        _peer: Ipv4Addr,
        identity: &Identity,
    ) -> bool {
        self.aggressive_identities
            .as_ref()
            .is_none_or(|ids| ids.contains(identity))
    }

    fn initiator_phase1(&self, _local: Ipv4Addr, _peer: Ipv4Addr) -> Option<InitiatorPhase1> {
        if self.phase1.is_empty() {
            return None;
        }
        Some(InitiatorPhase1 {
            mode: self.mode.unwrap_or(Phase1Mode::Main),
            proposals: self.phase1.clone(),
            identity: self.identity.clone(),
        })
    }

    fn local_identity(&self, local: Ipv4Addr, _peer: Ipv4Addr) -> Identity {
        self.identity.clone().unwrap_or(Identity::Ipv4(local))
    }

    fn choose_phase1(
        &self,
        _local: Ipv4Addr,
        _peer: Ipv4Addr,
        _identity: Option<&Identity>,
        offered: &[Phase1Proposal],
    ) -> Option<Phase1Choice> {
        // IOS: for each of our policies by priority, the first offered
        // transform that matches it.
        for ours in &self.phase1 {
            for (index, theirs) in offered.iter().enumerate() {
                let same = ours.cipher == theirs.cipher
                    && ours.hash == theirs.hash
                    && ours.auth == theirs.auth
                    && ours.group == theirs.group;
                if !same {
                    continue;
                }
                if let Some(lifetime) =
                    choose_lifetime(self.phase1_lifetime_rule, ours.lifetime, theirs.lifetime)
                {
                    return Some(Phase1Choice {
                        index,
                        lifetime,
                        priority: None,
                    });
                }
            }
        }
        None
    }

    fn match_profile(
        &self,
        _local: Ipv4Addr,
        _peer: Ipv4Addr,
        identity: &Identity,
    ) -> Option<Profile> {
        self.profiles
            .iter()
            .find(|(id, _)| id.as_ref().is_none_or(|id| id == identity))
            .map(|(_, p)| p.clone())
    }

    fn initiator_phase2(
        &self,
        _local: Ipv4Addr,
        peer: Ipv4Addr,
        selectors: &Selectors,
    ) -> Option<Phase2Offer> {
        self.phase2
            .iter()
            .filter(|e| e.peer.is_none_or(|p| p == peer))
            .find_map(|e| {
                let sel = match e.selectors {
                    Some(s)
                        if s.local.contains(&selectors.local)
                            && s.remote.contains(&selectors.remote) =>
                    {
                        s
                    }
                    Some(_) => return None,
                    None => *selectors,
                };
                Some(Phase2Offer {
                    proposals: e.proposals.clone(),
                    selectors: sel,
                    send_client_ids: self.send_client_ids,
                })
            })
    }

    fn choose_phase2(&self, request: &Phase2Request<'_>) -> Result<Phase2Choice, Phase2Refusal> {
        let mut selectors_matched = false;
        for e in self
            .phase2
            .iter()
            .filter(|e| e.peer.is_none_or(|p| p == request.peer))
        {
            if let Some(s) = e.selectors {
                if !(s.local.contains(&request.selectors.local)
                    && s.remote.contains(&request.selectors.remote))
                {
                    continue;
                }
            }
            selectors_matched = true;
            for ours in &e.proposals {
                for (index, theirs) in request.offered.iter().enumerate() {
                    let same = ours.cipher == theirs.cipher
                        && ours.integrity == theirs.integrity
                        && ours.mode == theirs.mode
                        && ours.pfs == theirs.pfs;
                    if !same {
                        continue;
                    }
                    if let Some(lifetime) =
                        choose_lifetime(self.phase2_lifetime_rule, ours.lifetime, theirs.lifetime)
                    {
                        return Ok(Phase2Choice { index, lifetime });
                    }
                }
            }
        }
        Err(if selectors_matched {
            Phase2Refusal::NoProposalChosen
        } else {
            Phase2Refusal::InvalidIdInformation
        })
    }

    fn check_xauth(
        &self,
        _local: Ipv4Addr,
        _peer: Ipv4Addr,
        _profile: &Profile,
        user: &str,
        password: &XauthPassword,
    ) -> XauthVerdict {
        if self.xauth_deferred {
            return XauthVerdict::Deferred;
        }
        let ok = self
            .xauth_users
            .iter()
            .any(|(u, p)| u == user && p.matches(password.as_bytes()));
        if ok {
            XauthVerdict::Accept
        } else {
            XauthVerdict::Reject
        }
    }

    fn xauth_credentials(&self, _local: Ipv4Addr, _peer: Ipv4Addr) -> Option<XauthCredentials> {
        self.xauth_credentials.clone()
    }

    fn mode_config_attributes(
        &self,
        _local: Ipv4Addr,
        _peer: Ipv4Addr,
        _identity: &Identity,
        _profile: &Profile,
        _user: Option<&str>,
    ) -> Option<ModeConfigAttributes> {
        let mut attrs = self.mode_config.clone()?;
        if let Some(pool) = &self.pool {
            attrs.address = Some(pool.allocate()?);
        }
        Some(attrs)
    }

    fn release_address(&self, address: Ipv4Addr) {
        if let Some(pool) = &self.pool {
            pool.release(address);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::EspCipher;

    fn l2l() -> StaticPolicy {
        StaticPolicy::seed(
            b"cisco123",
            TrafficSelector::subnet(Ipv4Addr::new(10, 2, 0, 0), 16),
            TrafficSelector::subnet(Ipv4Addr::new(10, 1, 0, 0), 16),
        )
    }

    #[test]
    fn policy_is_object_safe() {
        let p: Box<dyn Policy> = Box::new(l2l());
        assert!(
            p.preshared_key_for_address(Ipv4Addr::LOCALHOST, Ipv4Addr::new(1, 2, 3, 4))
                .is_some()
        );
    }

    #[test]
    fn longest_prefix_key_wins() {
        let mut p = StaticPolicy::new();
        p.keys_by_address
            .push((Ipv4Addr::UNSPECIFIED, 0, PresharedKey::new("wild")));
        p.keys_by_address
            .push((Ipv4Addr::new(10, 0, 0, 0), 8, PresharedKey::new("ten")));
        let k = p.preshared_key_for_address(Ipv4Addr::LOCALHOST, Ipv4Addr::new(10, 9, 9, 9));
        assert_eq!(k.map(|k| k.as_bytes().to_vec()), Some(b"ten".to_vec()));
        let k = p.preshared_key_for_address(Ipv4Addr::LOCALHOST, Ipv4Addr::new(11, 9, 9, 9));
        assert_eq!(k.map(|k| k.as_bytes().to_vec()), Some(b"wild".to_vec()));
    }

    #[test]
    fn phase1_lifetime_rules() {
        let mut p = l2l();
        let mut offer = Phase1Proposal::seed();
        offer.lifetime = Lifetime::seconds(100_000);
        let c = p.choose_phase1(Ipv4Addr::LOCALHOST, Ipv4Addr::LOCALHOST, None, &[offer]);
        assert_eq!(c.map(|c| c.lifetime), Some(Lifetime::seconds(86_400)));
        p.phase1_lifetime_rule = LifetimeRule::Strict;
        assert!(
            p.choose_phase1(Ipv4Addr::LOCALHOST, Ipv4Addr::LOCALHOST, None, &[offer])
                .is_none()
        );
    }

    #[test]
    fn phase2_refusals() {
        let p = l2l();
        let good = Selectors {
            local: TrafficSelector::subnet(Ipv4Addr::new(10, 2, 0, 0), 16),
            remote: TrafficSelector::subnet(Ipv4Addr::new(10, 1, 5, 0), 24),
        };
        let mut req = Phase2Request {
            local: Ipv4Addr::LOCALHOST,
            peer: Ipv4Addr::LOCALHOST,
            peer_port: 500,
            assigned_address: None,
            profile: None,
            selectors: good,
            offered: &[Phase2Proposal::seed()],
        };
        assert!(p.choose_phase2(&req).is_ok());
        let mut other = Phase2Proposal::seed();
        other.cipher = EspCipher::Des;
        let offered = [other];
        req.offered = &offered;
        assert_eq!(p.choose_phase2(&req), Err(Phase2Refusal::NoProposalChosen));
        req.selectors = good.mirrored();
        assert_eq!(
            p.choose_phase2(&req),
            Err(Phase2Refusal::InvalidIdInformation)
        );
    }

    #[test]
    fn subnet_round_trip() {
        let s = TrafficSelector::subnet(Ipv4Addr::new(10, 2, 3, 4), 16);
        assert_eq!(
            s.as_subnet(),
            Some((Ipv4Addr::new(10, 2, 0, 0), Ipv4Addr::new(255, 255, 0, 0)))
        );
        let r = TrafficSelector {
            start: Ipv4Addr::new(10, 0, 0, 1),
            end: Ipv4Addr::new(10, 0, 0, 5),
            protocol: 6,
            port: 80,
        };
        assert_eq!(r.as_subnet(), None);
    }
}
