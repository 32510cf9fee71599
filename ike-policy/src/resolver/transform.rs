//! Transform-set matching and IPsec SA lifetimes (phase 2).

use crate::model::{
    Config, CryptoMapEntry, DhGroup, EspEncryption, EspIntegrity, EspMode, SaLifetime, TransformSet,
};

/// An ESP transform ID as a peer offers it (RFC 2407 section 4.4.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase2Cipher {
    /// ESP_DES (2).
    Des,
    /// ESP_3DES (3).
    TripleDes,
    /// ESP_NULL (11).
    Null,
    /// ESP_AES (12), CBC; the key length comes separately.
    Aes,
    /// ESP_AES-GCM with a 16-byte ICV (20, RFC 4106).
    AesGcm16,
    /// Anything else, by its transform ID.
    Other(u16),
}

impl Phase2Cipher {
    /// From the ESP transform ID.
    pub fn from_ike(v: u16) -> Self {
        match v {
            2 => Phase2Cipher::Des,
            3 => Phase2Cipher::TripleDes,
            11 => Phase2Cipher::Null,
            12 => Phase2Cipher::Aes,
            20 => Phase2Cipher::AesGcm16,
            v => Phase2Cipher::Other(v),
        }
    }
}

/// The "Authentication Algorithm" attribute of a phase 2 transform
/// (RFC 2407 section 4.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase2Auth {
    /// No attribute (GCM, or ESP without integrity).
    None,
    /// HMAC-MD5 (1).
    HmacMd5,
    /// HMAC-SHA (2).
    HmacSha1,
    /// HMAC-SHA2-256 (5).
    HmacSha256,
    /// HMAC-SHA2-384 (6).
    HmacSha384,
    /// HMAC-SHA2-512 (7).
    HmacSha512,
    /// Anything else, by its value.
    Other(u16),
}

impl Phase2Auth {
    /// From the attribute value; `None` when the attribute is absent.
    pub fn from_ike(v: Option<u16>) -> Self {
        match v {
            None => Phase2Auth::None,
            Some(1) => Phase2Auth::HmacMd5,
            Some(2) => Phase2Auth::HmacSha1,
            Some(5) => Phase2Auth::HmacSha256,
            Some(6) => Phase2Auth::HmacSha384,
            Some(7) => Phase2Auth::HmacSha512,
            Some(v) => Phase2Auth::Other(v),
        }
    }
}

/// One phase 2 (ESP) transform a peer offers, in neutral terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Phase2Transform {
    /// The ESP transform.
    pub cipher: Phase2Cipher,
    /// Key length in bits, if sent (AES without one counts as 128).
    pub key_length: Option<u16>,
    /// The integrity algorithm.
    pub auth: Phase2Auth,
    /// Tunnel or transport (UDP-encapsulated modes map to these).
    pub mode: EspMode,
    /// The PFS group (Group Description attribute), if sent.
    pub group: Option<u16>,
    /// Proposed lifetime in seconds, if sent.
    pub lifetime_seconds: Option<u32>,
    /// Proposed lifetime in kilobytes, if sent.
    pub lifetime_kilobytes: Option<u32>,
}

/// Whether a transform set accepts a transform: the same cipher and key
/// length, the same integrity algorithm, and a mode the set allows (`mode
/// tunnel` allows tunnel only; `mode transport` asks for transport and
/// still allows tunnel, as in IOS).
pub fn transform_set_accepts(ts: &TransformSet, t: &Phase2Transform) -> bool {
    let len = t.key_length.unwrap_or(128);
    let cipher = match (ts.encryption, t.cipher) {
        (Some(EspEncryption::Des), Phase2Cipher::Des) => true,
        (Some(EspEncryption::TripleDes), Phase2Cipher::TripleDes) => true,
        (Some(EspEncryption::Aes(k)), Phase2Cipher::Aes) => len == k.bits(),
        (Some(EspEncryption::Gcm(k)), Phase2Cipher::AesGcm16) => len == k.bits(),
        (Some(EspEncryption::Null) | None, Phase2Cipher::Null) => true,
        _ => false,
    };
    let auth = matches!(
        (ts.integrity, t.auth),
        (None, Phase2Auth::None)
            | (Some(EspIntegrity::Md5Hmac), Phase2Auth::HmacMd5)
            | (Some(EspIntegrity::ShaHmac), Phase2Auth::HmacSha1)
            | (Some(EspIntegrity::Sha256Hmac), Phase2Auth::HmacSha256)
            | (Some(EspIntegrity::Sha384Hmac), Phase2Auth::HmacSha384)
            | (Some(EspIntegrity::Sha512Hmac), Phase2Auth::HmacSha512)
    );
    let mode = match ts.mode {
        EspMode::Tunnel => t.mode == EspMode::Tunnel,
        EspMode::Transport => true,
    };
    cipher && auth && mode
}

/// The IPsec SA lifetime a responder uses: for each of seconds and
/// kilobytes, the shorter of ours and the peer's, and whether ours is
/// shorter than what the peer asked for (then a RESPONDER-LIFETIME notify
/// tells the peer).
///
/// A proposal without seconds means 28800 s (RFC 2407 section 4.5: "if
/// unspecified, the default value shall be assumed to be 28800 seconds");
/// without kilobytes, no volume limit. A value of 0 counts as not proposed
/// (strongSwan sends 0 for "no limit"). The seed shows the rule at work:
/// the VPN Client proposes 2147483 s and no kilobytes; the hub's `show
/// crypto ipsec sa` then counts down from its own 3600 s and 4608000 KB
/// ("remaining key lifetime (k/sec): (4602415/3169)").
pub fn negotiate_sa_lifetime(
    ours: SaLifetime,
    their_seconds: Option<u32>,
    their_kilobytes: Option<u32>,
) -> (SaLifetime, bool) {
    let their_kilobytes = their_kilobytes.filter(|&k| k > 0);
    let theirs_s = their_seconds.filter(|&s| s > 0).unwrap_or(28800);
    let seconds = ours.seconds.min(theirs_s);
    let kilobytes = match their_kilobytes {
        Some(k) => ours.kilobytes.min(k),
        None => ours.kilobytes,
    };
    let notify = ours.seconds < theirs_s || their_kilobytes.is_none_or(|k| ours.kilobytes < k);
    (SaLifetime { seconds, kilobytes }, notify)
}

/// What a responder chose for a phase 2 offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Phase2Choice<'c> {
    /// Index of the chosen transform in the peer's list (0-based).
    pub transform_index: usize,
    /// The transform set that accepted it.
    pub transform_set: &'c TransformSet,
    /// The PFS group, if the exchange uses PFS.
    pub pfs: Option<DhGroup>,
    /// The SA lifetime.
    pub lifetime: SaLifetime,
    /// Whether to send a RESPONDER-LIFETIME notify.
    pub send_responder_lifetime: bool,
}

/// Matches a peer's phase 2 transforms against a crypto map entry: the
/// peer's transforms in its order, each against the entry's transform sets
/// in `set transform-set` order (IOS logs "Checking IPSec proposal N" per
/// peer proposal). PFS: with `set pfs groupN` the transform must carry
/// group N; without it, the peer's group (if any, and known) is accepted.
pub fn choose_transform<'c>(
    config: &'c Config,
    entry: &CryptoMapEntry,
    offered: &[Phase2Transform],
) -> Option<Phase2Choice<'c>> {
    let sets: Vec<&TransformSet> = entry
        .transform_sets
        .iter()
        .filter_map(|n| config.transform_set(n))
        .collect();
    for (i, t) in offered.iter().enumerate() {
        let pfs = match (entry.pfs, t.group) {
            (Some(ours), Some(g)) if ours.number() == g => Some(ours),
            (Some(_), _) => continue,
            (None, None) => None,
            (None, Some(g)) => match DhGroup::from_number(g) {
                Some(g) => Some(g),
                None => continue,
            },
        };
        if let Some(ts) = sets.iter().find(|ts| transform_set_accepts(ts, t)) {
            let (lifetime, notify) = negotiate_sa_lifetime(
                entry.sa_lifetime(config.ipsec_sa_lifetime),
                t.lifetime_seconds,
                t.lifetime_kilobytes,
            );
            return Some(Phase2Choice {
                transform_index: i,
                transform_set: ts,
                pfs,
                lifetime,
                send_responder_lifetime: notify,
            });
        }
    }
    None
}
