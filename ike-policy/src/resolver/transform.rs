//! Transform-set matching and IPsec SA lifetimes (phase 2).

use ike_proto::policy::{EncapMode, EspCipher, EspIntegrity as ProtoIntegrity, Phase2Proposal};

use crate::model::{Config, CryptoMapEntry, DhGroup, EspMode, SaLifetime, TransformSet};

/// Whether a transform set accepts a transform: the same cipher and key
/// length, the same integrity algorithm, and a mode the set allows (`mode
/// tunnel` allows tunnel only; `mode transport` asks for transport and
/// still allows tunnel, as in IOS).
pub fn transform_set_accepts(ts: &TransformSet, p: &Phase2Proposal) -> bool {
    // ike-proto's decoder has already read the KEY_LENGTH into the cipher
    // (AES without one is 128).
    let cipher = ts.encryption.map_or(EspCipher::Null, EspCipher::from) == p.cipher;
    let auth = match ts.integrity {
        None => p.integrity.is_none(),
        Some(i) => ProtoIntegrity::try_from(i).is_ok_and(|i| p.integrity == Some(i)),
    };
    let mode = match ts.mode {
        EspMode::Tunnel => p.mode == EncapMode::Tunnel,
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
    offered: &[Phase2Proposal],
) -> Option<Phase2Choice<'c>> {
    let sets: Vec<&TransformSet> = entry
        .transform_sets
        .iter()
        .filter_map(|n| config.transform_set(n))
        .collect();
    for (i, t) in offered.iter().enumerate() {
        let pfs = match (entry.pfs, t.pfs.map(|g| g.wire_id())) {
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
                t.lifetime.seconds,
                t.lifetime.kilobytes,
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
