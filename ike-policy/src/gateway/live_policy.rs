//! The engine's policy behind a cell the Gateway can refill: `configure
//! replace` swaps the [`IosPolicy`] the running engine asks, without a new
//! engine (whose SAs would be lost).

use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex, MutexGuard};

use ike_proto::engine::IkeSaId;
use ike_proto::policy::{
    Identity, InitiatorPhase1, ModeConfigAttributes, Phase1Choice, Phase1Proposal, Phase2Choice,
    Phase2Offer, Phase2Refusal, Phase2Request, Policy, PresharedKey, Profile, Selectors,
    XauthAttempt, XauthCredentials, XauthPassword, XauthVerdict,
};

use crate::IosPolicy;

/// The cell: one [`IosPolicy`] at a time, shared by the engine's
/// [`LivePolicy`] and the Gateway that replaces it.
pub(super) type PolicyCell = Arc<Mutex<IosPolicy>>;

/// The engine's [`Policy`]: every question goes to the policy in the cell
/// now. The Gateway drives the engine from one thread, so the lock is
/// never contended; a poisoned lock still holds a whole policy (it is only
/// ever replaced by assignment), so it is used as it is.
pub(super) struct LivePolicy(pub(super) PolicyCell);

impl LivePolicy {
    fn get(&self) -> MutexGuard<'_, IosPolicy> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Policy for LivePolicy {
    fn preshared_key_for_address(&self, local: Ipv4Addr, peer: Ipv4Addr) -> Option<PresharedKey> {
        self.get().preshared_key_for_address(local, peer)
    }

    fn preshared_key_for_identity(
        &self,
        local: Ipv4Addr,
        peer: Ipv4Addr,
        identity: &Identity,
    ) -> Option<PresharedKey> {
        self.get().preshared_key_for_identity(local, peer, identity)
    }

    fn aggressive_mode_allowed(
        &self,
        local: Ipv4Addr,
        peer: Ipv4Addr,
        identity: &Identity,
    ) -> bool {
        self.get().aggressive_mode_allowed(local, peer, identity)
    }

    fn initiator_phase1(&self, local: Ipv4Addr, peer: Ipv4Addr) -> Option<InitiatorPhase1> {
        self.get().initiator_phase1(local, peer)
    }

    fn local_identity(&self, local: Ipv4Addr, peer: Ipv4Addr) -> Identity {
        self.get().local_identity(local, peer)
    }

    fn choose_phase1(
        &self,
        local: Ipv4Addr,
        peer: Ipv4Addr,
        identity: Option<&Identity>,
        offered: &[Phase1Proposal],
    ) -> Option<Phase1Choice> {
        self.get().choose_phase1(local, peer, identity, offered)
    }

    fn match_profile(
        &self,
        local: Ipv4Addr,
        peer: Ipv4Addr,
        identity: &Identity,
    ) -> Option<Profile> {
        self.get().match_profile(local, peer, identity)
    }

    fn initiator_phase2(
        &self,
        local: Ipv4Addr,
        peer: Ipv4Addr,
        selectors: &Selectors,
    ) -> Option<Phase2Offer> {
        self.get().initiator_phase2(local, peer, selectors)
    }

    fn choose_phase2(&self, request: &Phase2Request<'_>) -> Result<Phase2Choice, Phase2Refusal> {
        self.get().choose_phase2(request)
    }

    fn check_xauth(
        &self,
        local: Ipv4Addr,
        peer: Ipv4Addr,
        profile: &Profile,
        user: &str,
        password: &XauthPassword,
    ) -> XauthVerdict {
        self.get().check_xauth(local, peer, profile, user, password)
    }

    fn check_xauth_attempt(&self, attempt: &XauthAttempt<'_>) -> XauthVerdict {
        self.get().check_xauth_attempt(attempt)
    }

    fn ike_sa_ended(&self, ike_sa: IkeSaId) {
        self.get().ike_sa_ended(ike_sa);
    }

    fn xauth_credentials(&self, local: Ipv4Addr, peer: Ipv4Addr) -> Option<XauthCredentials> {
        self.get().xauth_credentials(local, peer)
    }

    fn mode_config_attributes(
        &self,
        local: Ipv4Addr,
        peer: Ipv4Addr,
        identity: &Identity,
        profile: &Profile,
        user: Option<&str>,
    ) -> Option<ModeConfigAttributes> {
        self.get()
            .mode_config_attributes(local, peer, identity, profile, user)
    }

    fn release_address(&self, address: Ipv4Addr) {
        self.get().release_address(address);
    }
}
