//! ISAKMP policy matching (phase 1).

pub use ike_proto::policy::LifetimeRule;
use ike_proto::policy::{AuthMethod, DhGroup, HashAlg, Phase1Cipher, Phase1Proposal};

use crate::model::{Config, IsakmpPolicy};

/// How [`choose_isakmp_policy`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Phase1Options {
    /// The lifetime rule.
    pub lifetime_rule: LifetimeRule,
    /// Also try IOS's built-in "Default protection suite" (priority 65535:
    /// des, sha, rsa-sig, group 1, 86400 s) after the configured policies.
    /// Off by default, since this suite does not do RSA signatures.
    pub include_default_suite: bool,
}

/// The policy and transform a responder chose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phase1Choice {
    /// Index of the chosen transform in the peer's list (0-based; IOS's
    /// logs count from 1).
    pub transform_index: usize,
    /// The policy that matched.
    pub policy: IsakmpPolicy,
    /// The lifetime of the IKE SA, in seconds.
    pub lifetime: u32,
    /// Whether to send a RESPONDER-LIFETIME notify with `lifetime`.
    pub send_responder_lifetime: bool,
}

/// Whether a transform matches a policy on everything but the lifetime:
/// cipher and key length, hash, authentication method, group.
///
/// A `pre-share` policy accepts plain pre-shared keys and XAUTHInitPreShared
/// (the seed's "auth XAUTHInitPreShared" from the VPN Client, "atts are
/// acceptable" against priority 10 `authentication pre-share`) and
/// XAUTHRespPreShared; whether Xauth then runs is decided by
/// [`super::xauth_required`].
pub fn policy_matches(policy: &IsakmpPolicy, p: &Phase1Proposal) -> bool {
    // ike-proto's decoder has already read the KEY_LENGTH into the cipher
    // (a fixed-length cipher only with its one length, AES only with one).
    let auth = AuthMethod::try_from(policy.authentication).is_ok() && p.auth.is_preshared();
    Phase1Cipher::from(policy.encryption) == p.cipher
        && HashAlg::from(policy.hash) == p.hash
        && auth
        && DhGroup::from(policy.group) == p.group
}

/// The phase 1 lifetime rule: `Some((lifetime, send_responder_lifetime))`,
/// or `None` when `Strict` refuses a longer proposal. A proposal without a
/// lifetime gets ours, and so does a lifetime of 0: strongSwan sends 0 when
/// it is configured never to rekey, and taking it literally would expire
/// the SA the moment it is up.
pub fn negotiate_phase1_lifetime(
    ours: u32,
    theirs: Option<u32>,
    rule: LifetimeRule,
) -> Option<(u32, bool)> {
    match theirs.filter(|&t| t > 0) {
        None => Some((ours, false)),
        Some(t) if t <= ours => Some((t, false)),
        Some(_) => match rule {
            LifetimeRule::ResponderLifetime => Some((ours, true)),
            LifetimeRule::Strict => None,
        },
    }
}

/// Chooses the phase 1 policy for a peer's offer, as an IOS responder does:
/// the configured policies in priority order (lowest number first), each
/// checked against every transform of the offer in the peer's order; the
/// first acceptable pair wins (Cisco's configuration guides: "the remote
/// peer checks all of the peer's policies against each of its configured
/// policies in priority order (highest priority first) until it discovers a
/// match"). `None` means NO_PROPOSAL_CHOSEN.
pub fn choose_isakmp_policy(
    config: &Config,
    offered: &[Phase1Proposal],
    options: Phase1Options,
) -> Option<Phase1Choice> {
    let mut policies: Vec<IsakmpPolicy> = config
        .isakmp_policies_by_priority()
        .into_iter()
        .cloned()
        .collect();
    if options.include_default_suite {
        policies.push(IsakmpPolicy::default_suite());
    }
    for policy in policies {
        for (i, t) in offered.iter().enumerate() {
            if !policy_matches(&policy, t) {
                continue;
            }
            if let Some((lifetime, notify)) = negotiate_phase1_lifetime(
                policy.lifetime,
                t.lifetime.seconds,
                options.lifetime_rule,
            ) {
                return Some(Phase1Choice {
                    transform_index: i,
                    policy,
                    lifetime,
                    send_responder_lifetime: notify,
                });
            }
        }
    }
    None
}
