//! ISAKMP policy matching (phase 1).

pub use ike_proto::policy::LifetimeRule;

use crate::model::{Config, DhGroup, IkeAuthentication, IkeEncryption, IkeHash, IsakmpPolicy};

/// A phase 1 cipher as a peer offers it (IKE attribute 1, RFC 2409 app. A).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase1Cipher {
    /// DES-CBC (1).
    Des,
    /// 3DES-CBC (5).
    TripleDes,
    /// AES-CBC (7); the key length comes separately.
    Aes,
    /// Anything else, by its IKE value.
    Other(u16),
}

impl Phase1Cipher {
    /// From the IKE "Encryption Algorithm" attribute value.
    pub fn from_ike(v: u16) -> Self {
        match v {
            1 => Phase1Cipher::Des,
            5 => Phase1Cipher::TripleDes,
            7 => Phase1Cipher::Aes,
            v => Phase1Cipher::Other(v),
        }
    }
}

/// A phase 1 hash as a peer offers it (IKE attribute 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase1Hash {
    /// MD5 (1).
    Md5,
    /// SHA-1 (2).
    Sha1,
    /// SHA2-256 (4).
    Sha256,
    /// SHA2-384 (5).
    Sha384,
    /// SHA2-512 (6).
    Sha512,
    /// Anything else, by its IKE value.
    Other(u16),
}

impl Phase1Hash {
    /// From the IKE "Hash Algorithm" attribute value.
    pub fn from_ike(v: u16) -> Self {
        match v {
            1 => Phase1Hash::Md5,
            2 => Phase1Hash::Sha1,
            4 => Phase1Hash::Sha256,
            5 => Phase1Hash::Sha384,
            6 => Phase1Hash::Sha512,
            v => Phase1Hash::Other(v),
        }
    }
}

/// A phase 1 authentication method as a peer offers it (IKE attribute 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase1Auth {
    /// Pre-shared key (1).
    PreShared,
    /// RSA signatures (3).
    RsaSig,
    /// RSA encryption (4).
    RsaEncr,
    /// XAUTHInitPreShared (65001): pre-shared key, then Xauth of the
    /// initiator (what the seed's Cisco VPN Client offers).
    XauthInitPreShared,
    /// XAUTHRespPreShared (65002).
    XauthRespPreShared,
    /// Anything else, by its IKE value.
    Other(u16),
}

impl Phase1Auth {
    /// From the IKE "Authentication Method" attribute value.
    pub fn from_ike(v: u16) -> Self {
        match v {
            1 => Phase1Auth::PreShared,
            3 => Phase1Auth::RsaSig,
            4 => Phase1Auth::RsaEncr,
            65001 => Phase1Auth::XauthInitPreShared,
            65002 => Phase1Auth::XauthRespPreShared,
            v => Phase1Auth::Other(v),
        }
    }
}

/// One phase 1 transform a peer offers, in neutral terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Phase1Transform {
    /// Cipher.
    pub cipher: Phase1Cipher,
    /// Key length attribute in bits, if sent (AES without one counts as 128).
    pub key_length: Option<u16>,
    /// Hash.
    pub hash: Phase1Hash,
    /// Authentication method.
    pub auth: Phase1Auth,
    /// Diffie-Hellman group number.
    pub group: u16,
    /// Proposed lifetime in seconds, if sent.
    pub lifetime_seconds: Option<u32>,
}

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
pub fn policy_matches(policy: &IsakmpPolicy, t: &Phase1Transform) -> bool {
    let cipher = match (policy.encryption, t.cipher) {
        // A KEY_LENGTH with a fixed-length cipher only matches when it states
        // that cipher's one length, as ike-proto's transform decoder reads it.
        (IkeEncryption::Des, Phase1Cipher::Des) => matches!(t.key_length, None | Some(64)),
        (IkeEncryption::TripleDes, Phase1Cipher::TripleDes) => {
            matches!(t.key_length, None | Some(192))
        }
        (IkeEncryption::Aes(k), Phase1Cipher::Aes) => t.key_length.unwrap_or(128) == k.bits(),
        _ => false,
    };
    let hash = matches!(
        (policy.hash, t.hash),
        (IkeHash::Md5, Phase1Hash::Md5)
            | (IkeHash::Sha, Phase1Hash::Sha1)
            | (IkeHash::Sha256, Phase1Hash::Sha256)
            | (IkeHash::Sha384, Phase1Hash::Sha384)
            | (IkeHash::Sha512, Phase1Hash::Sha512)
    );
    let auth = match policy.authentication {
        IkeAuthentication::PreShare => matches!(
            t.auth,
            Phase1Auth::PreShared | Phase1Auth::XauthInitPreShared | Phase1Auth::XauthRespPreShared
        ),
        IkeAuthentication::RsaSig => t.auth == Phase1Auth::RsaSig,
        IkeAuthentication::RsaEncr => t.auth == Phase1Auth::RsaEncr,
    };
    let group = DhGroup::from_number(t.group) == Some(policy.group);
    cipher && hash && auth && group
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
    offered: &[Phase1Transform],
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
                t.lifetime_seconds,
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
