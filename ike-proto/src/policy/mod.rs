//! The questions the engine asks about policy, as a trait that ike-proto
//! defines and ike-policy implements with Cisco's rules (keyrings, ISAKMP
//! policies by priority, ISAKMP profiles, crypto maps and transform sets).
//!
//! The engine asks, in protocol order:
//!
//! * as initiator: [`Policy::initiator_phase1`] (mode, proposals, identity),
//!   then [`Policy::preshared_key_for_address`] (Main Mode) or
//!   [`Policy::preshared_key_for_identity`] (Aggressive Mode, for the peer's
//!   identity once known), then [`Policy::initiator_phase2`] for the
//!   selectors of an acquire;
//! * as responder: [`Policy::choose_phase1`] on the peer's transforms, the
//!   pre-shared key (by address in Main Mode, before the identity is known;
//!   by the initiator's identity in Aggressive Mode, ID_KEY_ID group names
//!   included), [`Policy::match_profile`] once the identity is authenticated,
//!   and [`Policy::choose_phase2`] on each Quick Mode offer.
//!
//! The trait is object-safe: the engine holds a `Box<dyn Policy>`.
//! [`StaticPolicy`] is a small implementation for tests and for embedders
//! that do not need IOS configurations.

use std::net::Ipv4Addr;

mod phase1;
mod phase2;
mod remote_access;
mod static_policy;

pub use self::phase1::{
    AuthMethod, DhGroup, HashAlg, Identity, InitiatorPhase1, Lifetime, ModeConfig, Phase1Choice,
    Phase1Cipher, Phase1Mode, Phase1Proposal, PresharedKey, Profile,
};
pub use self::phase2::{
    EncapMode, EspCipher, EspIntegrity, Phase2Choice, Phase2Offer, Phase2Proposal, Phase2Refusal,
    Phase2Request, Selectors, TrafficSelector,
};
pub use self::remote_access::{
    ModeConfigAttributes, XauthAttempt, XauthCredentials, XauthPassword, XauthVerdict,
};
pub use self::static_policy::{LifetimeRule, StaticPhase2, StaticPolicy, StaticPool};

/// The policy questions of the engine. See the module documentation for
/// when each is asked.
pub trait Policy {
    /// The pre-shared key for a peer address (Main Mode responder before the
    /// identity is known, and Main Mode initiator).
    fn preshared_key_for_address(&self, local: Ipv4Addr, peer: Ipv4Addr) -> Option<PresharedKey>;

    /// The pre-shared key for an identity (Aggressive Mode, ID_KEY_ID group
    /// names included). The default falls back to the address.
    fn preshared_key_for_identity(
        &self,
        local: Ipv4Addr,
        peer: Ipv4Addr,
        identity: &Identity,
    ) -> Option<PresharedKey> {
        let _ = identity;
        self.preshared_key_for_address(local, peer)
    }

    /// Whether an Aggressive Mode first message from `peer` with
    /// `identity` is answered at all. Asked before any DH or HASH is
    /// computed: an AM2 carries HASH_R keyed with the pre-shared key, an
    /// offline guessing oracle for anyone who asks, so it is only for
    /// identities configured for Aggressive Mode (IOS: an ID_KEY_ID that
    /// names a `crypto isakmp client configuration group`, a `crypto isakmp
    /// peer` with `set aggressive-mode password`; none at all after
    /// `crypto isakmp aggressive-mode disable`). A refusal is answered with
    /// INVALID_ID_INFORMATION and counted
    /// ([`crate::engine::Counters::aggressive_mode_refused`]). The default
    /// answers every identity (the behaviour before this question).
    fn aggressive_mode_allowed(
        &self,
        local: Ipv4Addr,
        peer: Ipv4Addr,
        identity: &Identity,
    ) -> bool {
        let _ = (local, peer, identity);
        true
    }

    /// How to start phase 1 towards `peer`, or `None` if we must not.
    fn initiator_phase1(&self, local: Ipv4Addr, peer: Ipv4Addr) -> Option<InitiatorPhase1>;

    /// Our identity towards `peer` as responder (ID_IPV4_ADDR by default).
    fn local_identity(&self, local: Ipv4Addr, peer: Ipv4Addr) -> Identity {
        let _ = peer;
        Identity::Ipv4(local)
    }

    /// Chooses one of the initiator's phase-1 transforms (ordered policies
    /// and the lifetime rule live in the implementation). `identity` is
    /// known in Aggressive Mode only.
    fn choose_phase1(
        &self,
        local: Ipv4Addr,
        peer: Ipv4Addr,
        identity: Option<&Identity>,
        offered: &[Phase1Proposal],
    ) -> Option<Phase1Choice>;

    /// The profile an authenticated identity matches; `None` refuses the
    /// peer (the phase 1 is torn down).
    fn match_profile(
        &self,
        local: Ipv4Addr,
        peer: Ipv4Addr,
        identity: &Identity,
    ) -> Option<Profile>;

    /// What to offer in Quick Mode for traffic matching `selectors` (ours
    /// as local), or `None` if it must not be protected.
    fn initiator_phase2(
        &self,
        local: Ipv4Addr,
        peer: Ipv4Addr,
        selectors: &Selectors,
    ) -> Option<Phase2Offer>;

    /// Whether to accept a Quick Mode offer, and which proposal.
    fn choose_phase2(&self, request: &Phase2Request<'_>) -> Result<Phase2Choice, Phase2Refusal>;

    /// Checks an Xauth user name and password of a peer that matched
    /// `profile` (`client authentication list`). The default defers every
    /// answer to the embedder ([`XauthVerdict::Deferred`]).
    fn check_xauth(
        &self,
        local: Ipv4Addr,
        peer: Ipv4Addr,
        profile: &Profile,
        user: &str,
        password: &XauthPassword,
    ) -> XauthVerdict {
        let _ = (local, peer, profile, user, password);
        XauthVerdict::Deferred
    }

    /// [`Policy::check_xauth`] with the time and the IKE SA: what the
    /// engine asks. The default forgets both and asks
    /// [`Policy::check_xauth`].
    fn check_xauth_attempt(&self, attempt: &XauthAttempt<'_>) -> XauthVerdict {
        self.check_xauth(
            attempt.local,
            *attempt.peer.ip(),
            attempt.profile,
            attempt.user,
            attempt.password,
        )
    }

    /// An IKE SA is gone (deleted, expired, failed): whatever the policy
    /// counted against it (a login) is free again.
    fn ike_sa_ended(&self, ike_sa: crate::engine::IkeSaId) {
        let _ = ike_sa;
    }

    /// Our Xauth user name and password towards `peer`, as the client
    /// (`None`: answered only by the embedder, or not at all).
    fn xauth_credentials(&self, local: Ipv4Addr, peer: Ipv4Addr) -> Option<XauthCredentials> {
        let _ = (local, peer);
        None
    }

    /// The Mode Config attributes for an authenticated peer (`isakmp
    /// authorization list` → the group's pool, dns, wins, domain ...); an
    /// address handed out here is the peer's until [`Policy::release_address`].
    /// `None` refuses the peer.
    fn mode_config_attributes(
        &self,
        local: Ipv4Addr,
        peer: Ipv4Addr,
        identity: &Identity,
        profile: &Profile,
        user: Option<&str>,
    ) -> Option<ModeConfigAttributes> {
        let _ = (local, peer, identity, profile, user);
        None
    }

    /// An address from [`Policy::mode_config_attributes`] is free again
    /// (its IKE SA went away).
    fn release_address(&self, address: Ipv4Addr) {
        let _ = address;
    }
}
