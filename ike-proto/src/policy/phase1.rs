//! Phase-1 values: algorithms, lifetimes, proposals, identities and keys,
//! and what a profile gives an authenticated peer.

use core::fmt;
use std::net::Ipv4Addr;

use zeroize::Zeroizing;

// The algorithms are the crypto module's own types: one type per concept,
// so a proposal names only what the suite can compute.
pub use crate::crypto::{DhGroup, HashAlg, Phase1Cipher};

/// Phase-1 authentication method (Oakley attribute class 3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AuthMethod {
    /// Pre-shared key (1).
    PreSharedKey,
    /// XAUTHInitPreShared (65001): PSK, then Xauth of the initiator.
    XauthInitPreShared,
    /// XAUTHRespPreShared (65002).
    XauthRespPreShared,
}

impl AuthMethod {
    /// Whether the phase-1 keys come from a pre-shared key.
    pub fn is_preshared(self) -> bool {
        true
    }
}

/// An SA lifetime: seconds and/or kilobytes; `None` means unlimited in that
/// dimension.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Lifetime {
    /// Lifetime in seconds.
    pub seconds: Option<u32>,
    /// Lifetime in kilobytes.
    pub kilobytes: Option<u32>,
}

impl Lifetime {
    /// A lifetime of `s` seconds only.
    pub const fn seconds(s: u32) -> Self {
        Self {
            seconds: Some(s),
            kilobytes: None,
        }
    }

    /// Seconds and kilobytes.
    pub const fn new(seconds: u32, kilobytes: u32) -> Self {
        Self {
            seconds: Some(seconds),
            kilobytes: Some(kilobytes),
        }
    }

    /// The element-wise minimum (unlimited loses to any limit).
    pub fn min(self, other: Self) -> Self {
        fn m(a: Option<u32>, b: Option<u32>) -> Option<u32> {
            match (a, b) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, None) => a,
                (None, b) => b,
            }
        }
        Self {
            seconds: m(self.seconds, other.seconds),
            kilobytes: m(self.kilobytes, other.kilobytes),
        }
    }

    /// Whether `self` is no longer than `limit` in every dimension `limit`
    /// bounds.
    pub fn within(self, limit: Self) -> bool {
        fn ok(a: Option<u32>, l: Option<u32>) -> bool {
            match (a, l) {
                (_, None) => true,
                (Some(a), Some(l)) => a <= l,
                (None, Some(_)) => false,
            }
        }
        ok(self.seconds, limit.seconds) && ok(self.kilobytes, limit.kilobytes)
    }
}

/// One phase-1 transform: what an ISAKMP policy (`crypto isakmp policy N`)
/// describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Phase1Proposal {
    /// Encryption.
    pub cipher: Phase1Cipher,
    /// Hash and PRF.
    pub hash: HashAlg,
    /// Authentication method.
    pub auth: AuthMethod,
    /// Diffie-Hellman group.
    pub group: DhGroup,
    /// Lifetime.
    pub lifetime: Lifetime,
}

impl Phase1Proposal {
    /// The seed's ISAKMP policy: 3DES, SHA, pre-share, group 2, 86400 s.
    pub const fn seed() -> Self {
        Self {
            cipher: Phase1Cipher::TripleDes,
            hash: HashAlg::Sha1,
            auth: AuthMethod::PreSharedKey,
            group: DhGroup::Modp1024,
            lifetime: Lifetime::seconds(86_400),
        }
    }
}

/// An ISAKMP identity (ID payload of phase 1).
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum Identity {
    /// ID_IPV4_ADDR.
    Ipv4(Ipv4Addr),
    /// ID_FQDN.
    Fqdn(String),
    /// ID_USER_FQDN.
    UserFqdn(String),
    /// ID_KEY_ID (a Cisco group name such as "testgroup").
    KeyId(Vec<u8>),
    /// Any other ID type, kept as bytes.
    Other {
        /// The ID type number.
        id_type: u8,
        /// The identification data.
        data: Vec<u8>,
    },
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ipv4(a) => write!(f, "ID_IPV4_ADDR {a}"),
            // Peer-controlled text: escaped, so it cannot forge log lines.
            Self::Fqdn(s) => write!(f, "ID_FQDN {}", s.escape_debug()),
            Self::UserFqdn(s) => write!(f, "ID_USER_FQDN {}", s.escape_debug()),
            Self::KeyId(k) => write!(f, "ID_KEY_ID {}", k.escape_ascii()),
            Self::Other { id_type, data } => write!(f, "ID type {id_type} ({} bytes)", data.len()),
        }
    }
}

/// Phase-1 exchange to initiate with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Phase1Mode {
    /// Main Mode (identity protection).
    Main,
    /// Aggressive Mode (one DH group; identity chooses the key).
    Aggressive,
}

/// A pre-shared key. Zeroized on drop, never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct PresharedKey(Zeroizing<Vec<u8>>);

impl PresharedKey {
    /// Wraps key bytes.
    pub fn new(key: impl Into<Vec<u8>>) -> Self {
        Self(Zeroizing::new(key.into()))
    }

    /// The key bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for PresharedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PresharedKey(<redacted>)")
    }
}

/// What to do when initiating phase 1 towards a peer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InitiatorPhase1 {
    /// Main or Aggressive Mode.
    pub mode: Phase1Mode,
    /// Our transforms in order of preference (Aggressive Mode: all must
    /// share one DH group, the first one's).
    pub proposals: Vec<Phase1Proposal>,
    /// Our identity; `None` means ID_IPV4_ADDR of our address.
    pub identity: Option<Identity>,
}

/// The responder's choice among the initiator's phase-1 transforms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Phase1Choice {
    /// Index into the offered list.
    pub index: usize,
    /// The lifetime we will hold the SA to; shorter than the peer's offer
    /// means a RESPONDER_LIFETIME notify is sent.
    pub lifetime: Lifetime,
    /// The priority of the `crypto isakmp policy` that accepted it, for
    /// the debug line `Checking ISAKMP transform 1 against priority 10
    /// policy` (`None`: the policy has no numbered list).
    pub priority: Option<u32>,
}

/// What the authenticated identity matched (`crypto isakmp profile`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Profile {
    /// The profile's name ("L2L", "VPNclient").
    pub name: String,
    /// Whether Xauth is to run after phase 1 (a later issue).
    pub xauth: bool,
    /// Whether and how Mode Config is to run.
    pub mode_config: ModeConfig,
}

/// Mode Config direction of a profile (`client configuration address`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum ModeConfig {
    /// No Mode Config.
    #[default]
    None,
    /// We answer the client's CFG_REQUEST.
    Respond,
    /// We push CFG_SET.
    Initiate,
}
