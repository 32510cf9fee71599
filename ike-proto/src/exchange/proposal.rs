//! The SA payloads of both phases and the RESPONDER_LIFETIME data: the
//! one place that knows the Oakley (phase 1) and IPsec DOI (phase 2)
//! attribute numbers.

use super::msg::{Attr, Proposal, SaPayload, Transform};
use super::{NattMethod, suite};
use crate::error::{Error, PeerIncompatible};
use crate::policy::{
    AuthMethod, DhGroup, EncapMode, EspCipher, EspIntegrity, Lifetime, Phase1Cipher, Phase1Hash,
    Phase1Proposal, Phase2Proposal,
};

// ---------------------------------------------------------------------
// Phase-1 SA payloads
// ---------------------------------------------------------------------

mod oakley {
    pub(super) const ENC: u16 = 1;
    pub(super) const HASH: u16 = 2;
    pub(super) const AUTH: u16 = 3;
    pub(super) const GROUP: u16 = 4;
    pub(super) const LIFE_TYPE: u16 = 11;
    pub(super) const LIFE_DURATION: u16 = 12;
    pub(super) const KEY_LENGTH: u16 = 14;
}

pub(super) const DOI_IPSEC: u32 = 1;
const SIT_IDENTITY_ONLY: u32 = 1;
pub(crate) const PROTO_ISAKMP: u8 = 1;
pub(crate) const PROTO_ESP: u8 = 3;

/// Which SA a lifetime attribute describes. The two phases number the same
/// attributes differently (phase 1: Oakley classes 11/12, RFC 2409 App. A;
/// phase 2: IPsec DOI classes 1/2, RFC 2407 4.5), so every lifetime we
/// emit or parse names its phase and the classes follow from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SaPhase {
    /// The ISAKMP SA (phase 1).
    Isakmp,
    /// An IPsec SA (phase 2).
    Ipsec,
}

impl SaPhase {
    /// The (life type, life duration) attribute classes of this phase.
    const fn life_classes(self) -> (u16, u16) {
        match self {
            Self::Isakmp => (oakley::LIFE_TYPE, oakley::LIFE_DURATION),
            Self::Ipsec => (ipsec_attr::LIFE_TYPE, ipsec_attr::LIFE_DURATION),
        }
    }
}

fn lifetime_attrs(phase: SaPhase, l: Lifetime, out: &mut Vec<Attr>) {
    let (type_attr, dur_attr) = phase.life_classes();
    if let Some(s) = l.seconds {
        out.push(Attr::basic(type_attr, 1));
        out.push(Attr::number(dur_attr, s));
    }
    if let Some(k) = l.kilobytes {
        out.push(Attr::basic(type_attr, 2));
        out.push(Attr::number(dur_attr, k));
    }
}

fn phase1_transform(number: u8, p: &Phase1Proposal) -> Transform {
    let mut attrs = Vec::new();
    let (enc, keylen) = match p.cipher {
        Phase1Cipher::Des => (1, None),
        Phase1Cipher::TripleDes => (5, None),
        Phase1Cipher::AesCbc { key_bits } => (7, Some(key_bits)),
    };
    attrs.push(Attr::basic(oakley::ENC, enc));
    attrs.push(Attr::basic(
        oakley::HASH,
        match p.hash {
            Phase1Hash::Md5 => 1,
            Phase1Hash::Sha1 => 2,
            Phase1Hash::Sha256 => 4,
            Phase1Hash::Sha384 => 5,
            Phase1Hash::Sha512 => 6,
        },
    ));
    attrs.push(Attr::basic(
        oakley::AUTH,
        match p.auth {
            AuthMethod::PreSharedKey => 1,
            AuthMethod::XauthInitPreShared => 65001,
            AuthMethod::XauthRespPreShared => 65002,
        },
    ));
    attrs.push(Attr::basic(oakley::GROUP, p.group.0));
    if let Some(k) = keylen {
        attrs.push(Attr::basic(oakley::KEY_LENGTH, k));
    }
    lifetime_attrs(SaPhase::Isakmp, p.lifetime, &mut attrs);
    Transform {
        number,
        id: 1, // KEY_IKE
        attrs,
    }
}

/// Our phase-1 SA payload: one ISAKMP proposal, one transform per policy.
pub(crate) fn phase1_sa(proposals: &[Phase1Proposal]) -> SaPayload {
    SaPayload {
        doi: DOI_IPSEC,
        situation: SIT_IDENTITY_ONLY,
        proposals: vec![Proposal {
            number: 1,
            protocol: PROTO_ISAKMP,
            spi: Vec::new(),
            transforms: proposals
                .iter()
                .enumerate()
                .map(|(i, p)| phase1_transform(u8::try_from(i + 1).unwrap_or(u8::MAX), p))
                .collect(),
        }],
    }
}

/// The responder's SA payload: the one chosen transform, as the peer sent it
/// (with its number), lifetime unchanged (a shorter one goes in a
/// RESPONDER_LIFETIME notify).
pub(crate) fn phase1_sa_reply(chosen: &Transform) -> SaPayload {
    SaPayload {
        doi: DOI_IPSEC,
        situation: SIT_IDENTITY_ONLY,
        proposals: vec![Proposal {
            number: 1,
            protocol: PROTO_ISAKMP,
            spi: Vec::new(),
            transforms: vec![chosen.clone()],
        }],
    }
}

/// Reads the life type / life duration pairs of a transform.
///
/// A duration of 0 counts as not proposed: strongSwan sends 0 when it is
/// configured never to rekey, and taking it literally would expire the SA
/// as it comes up, whatever the policy's lifetime rule.
fn parse_lifetimes(attrs: &[Attr], phase: SaPhase) -> Option<Lifetime> {
    let (type_attr, dur_attr) = phase.life_classes();
    let mut l = Lifetime::default();
    let mut current: Option<u32> = None;
    for a in attrs {
        if a.ty == type_attr {
            current = Some(a.as_u32()?);
        } else if a.ty == dur_attr {
            let v = a.as_u32()?;
            let v = (v > 0).then_some(v);
            match current? {
                1 => l.seconds = v,
                2 => l.kilobytes = v,
                _ => return None,
            }
        }
    }
    Some(l)
}

/// Reads a phase-1 transform; `None` if we cannot do it.
pub(crate) fn parse_phase1_transform(t: &Transform) -> Option<Phase1Proposal> {
    if t.id != 1 {
        return None;
    }
    let get = |ty: u16| t.attrs.iter().find(|a| a.ty == ty).and_then(Attr::as_u32);
    let keylen = get(oakley::KEY_LENGTH);
    let cipher = match (get(oakley::ENC)?, keylen) {
        (1, None) => Phase1Cipher::Des,
        (5, None | Some(192)) => Phase1Cipher::TripleDes,
        (7, Some(k @ (128 | 192 | 256))) => Phase1Cipher::AesCbc {
            key_bits: u16::try_from(k).ok()?,
        },
        _ => return None,
    };
    let hash = match get(oakley::HASH)? {
        1 => Phase1Hash::Md5,
        2 => Phase1Hash::Sha1,
        4 => Phase1Hash::Sha256,
        5 => Phase1Hash::Sha384,
        6 => Phase1Hash::Sha512,
        _ => return None,
    };
    let auth = match get(oakley::AUTH)? {
        1 => AuthMethod::PreSharedKey,
        65001 => AuthMethod::XauthInitPreShared,
        65002 => AuthMethod::XauthRespPreShared,
        _ => return None,
    };
    let group = DhGroup(u16::try_from(get(oakley::GROUP)?).ok()?);
    if !suite::group_supported(group) {
        return None;
    }
    // Unknown attribute classes make the transform unacceptable.
    if t.attrs
        .iter()
        .any(|a| !matches!(a.ty, 1..=4 | 11 | 12 | 14))
    {
        return None;
    }
    Some(Phase1Proposal {
        cipher,
        hash,
        auth,
        group,
        lifetime: parse_lifetimes(&t.attrs, SaPhase::Isakmp)?,
    })
}

/// The initiator's transforms we can do, with the transform each came from.
pub(crate) fn phase1_offers(sa: &SaPayload) -> Result<Vec<(Phase1Proposal, Transform)>, Error> {
    if sa.doi != DOI_IPSEC {
        return Err(Error::PeerIncompatible(PeerIncompatible::NoProposalChosen));
    }
    let prop = match sa.proposals.as_slice() {
        [p] if p.protocol == PROTO_ISAKMP => p,
        _ => {
            return Err(Error::malformed("phase-1 SA needs one ISAKMP proposal"));
        }
    };
    Ok(prop
        .transforms
        .iter()
        .filter_map(|t| parse_phase1_transform(t).map(|p| (p, t.clone())))
        .collect())
}

// ---------------------------------------------------------------------
// Phase-2 SA payloads
// ---------------------------------------------------------------------

mod ipsec_attr {
    pub(super) const LIFE_TYPE: u16 = 1;
    pub(super) const LIFE_DURATION: u16 = 2;
    pub(super) const GROUP: u16 = 3;
    pub(super) const ENCAP: u16 = 4;
    pub(super) const AUTH: u16 = 5;
    pub(super) const KEY_LENGTH: u16 = 6;
}

/// The ESP transform as it goes on the wire.
pub(crate) fn esp_transform(number: u8, p: &Phase2Proposal, natt: Option<NattMethod>) -> Transform {
    let (id, keylen) = match p.cipher {
        EspCipher::Des => (2, None),
        EspCipher::TripleDes => (3, None),
        EspCipher::AesCbc { key_bits } => (12, Some(key_bits)),
        EspCipher::AesGcm16 { key_bits } => (20, Some(key_bits)),
        EspCipher::Null => (11, None),
    };
    let mut attrs = Vec::new();
    lifetime_attrs(SaPhase::Ipsec, p.lifetime, &mut attrs);
    if let Some(g) = p.pfs {
        attrs.push(Attr::basic(ipsec_attr::GROUP, g.0));
    }
    let encap = match natt {
        Some(m) => m.udp_encap(p.mode),
        None => match p.mode {
            EncapMode::Tunnel => 1,
            EncapMode::Transport => 2,
        },
    };
    attrs.push(Attr::basic(ipsec_attr::ENCAP, encap));
    if let Some(i) = p.integrity {
        attrs.push(Attr::basic(
            ipsec_attr::AUTH,
            match i {
                EspIntegrity::HmacMd5 => 1,
                EspIntegrity::HmacSha1 => 2,
                EspIntegrity::HmacSha256 => 5,
            },
        ));
    }
    if let Some(k) = keylen {
        attrs.push(Attr::basic(ipsec_attr::KEY_LENGTH, k));
    }
    Transform { number, id, attrs }
}

/// Reads an ESP transform: the proposal and whether it asks for UDP
/// encapsulation. `None` if we cannot do it.
pub(crate) fn parse_esp_transform(t: &Transform) -> Option<(Phase2Proposal, bool)> {
    let get = |ty: u16| t.attrs.iter().find(|a| a.ty == ty).and_then(Attr::as_u32);
    let keylen = get(ipsec_attr::KEY_LENGTH).and_then(|k| u16::try_from(k).ok());
    let cipher = match (t.id, keylen) {
        (2, None) => EspCipher::Des,
        (3, None) => EspCipher::TripleDes,
        (12, Some(k @ (128 | 192 | 256))) => EspCipher::AesCbc { key_bits: k },
        (12, None) => EspCipher::AesCbc { key_bits: 128 },
        (20, Some(k @ (128 | 192 | 256))) => EspCipher::AesGcm16 { key_bits: k },
        (11, None) => EspCipher::Null,
        _ => return None,
    };
    let integrity = match get(ipsec_attr::AUTH) {
        None => None,
        Some(1) => Some(EspIntegrity::HmacMd5),
        Some(2) => Some(EspIntegrity::HmacSha1),
        Some(5) => Some(EspIntegrity::HmacSha256),
        Some(_) => return None,
    };
    let combined = matches!(cipher, EspCipher::AesGcm16 { .. });
    if combined == integrity.is_some() {
        return None;
    }
    let (mode, udp) = match get(ipsec_attr::ENCAP).unwrap_or(1) {
        1 => (EncapMode::Tunnel, false),
        2 => (EncapMode::Transport, false),
        3 | 61443 => (EncapMode::Tunnel, true),
        4 | 61444 => (EncapMode::Transport, true),
        _ => return None,
    };
    let pfs = match get(ipsec_attr::GROUP) {
        None => None,
        Some(g) => {
            let g = DhGroup(u16::try_from(g).ok()?);
            if !suite::group_supported(g) {
                return None;
            }
            Some(g)
        }
    };
    if t.attrs.iter().any(|a| !matches!(a.ty, 1..=6)) {
        return None;
    }
    Some((
        Phase2Proposal {
            cipher,
            integrity,
            mode,
            pfs,
            lifetime: parse_lifetimes(&t.attrs, SaPhase::Ipsec)?,
        },
        udp,
    ))
}

/// The responder's RESPONDER_LIFETIME notify data: the lifetime attributes
/// in the numbering of the SA's phase.
pub(crate) fn responder_lifetime_data(phase: SaPhase, l: Lifetime) -> Vec<u8> {
    let mut attrs = Vec::new();
    lifetime_attrs(phase, l, &mut attrs);
    let mut out = Vec::new();
    for a in attrs {
        if a.basic {
            out.extend_from_slice(&(a.ty | 0x8000).to_be_bytes());
            out.extend_from_slice(&a.value);
        } else {
            out.extend_from_slice(&a.ty.to_be_bytes());
            out.extend_from_slice(&u16::try_from(a.value.len()).unwrap_or(0).to_be_bytes());
            out.extend_from_slice(&a.value);
        }
    }
    out
}

/// Reads RESPONDER_LIFETIME data strictly in the numbering of `phase`: an
/// attribute of another class (a phase-2 class in a phase-1 notify, as an
/// old version of ours sent) makes the notify unreadable, so it is ignored
/// rather than misread.
pub(crate) fn parse_responder_lifetime(phase: SaPhase, data: &[u8]) -> Option<Lifetime> {
    let mut attrs = Vec::new();
    let mut rest = data;
    let (type_attr, dur_attr) = phase.life_classes();
    while !rest.is_empty() {
        let (t, r) = rest.split_at_checked(2)?;
        let t = u16::from_be_bytes([*t.first()?, *t.get(1)?]);
        let (attr, r) = if t & 0x8000 != 0 {
            let (v, r2) = r.split_at_checked(2)?;
            (
                Attr {
                    ty: t & 0x7fff,
                    value: v.to_vec(),
                    basic: true,
                },
                r2,
            )
        } else {
            let (l, r2) = r.split_at_checked(2)?;
            let l = usize::from(u16::from_be_bytes([*l.first()?, *l.get(1)?]));
            let (v, r3) = r2.split_at_checked(l)?;
            (
                Attr {
                    ty: t,
                    value: v.to_vec(),
                    basic: false,
                },
                r3,
            )
        };
        if attr.ty != type_attr && attr.ty != dur_attr {
            return None;
        }
        attrs.push(attr);
        rest = r;
        if attrs.len() > 16 {
            return None;
        }
    }
    let l = parse_lifetimes(&attrs, phase)?;
    (l != Lifetime::default()).then_some(l)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 2409 Appendix A numbers the phase-1 life type / duration 11 / 12,
    /// RFC 2407 4.5 numbers phase 2's 1 / 2; tshark decodes
    /// `800b0001 000c0004 00015180` as "Life-Type: Seconds, Life-Duration:
    /// 86400" (and `80010001 ...` in a phase-1 notify as
    /// "Encryption-Algorithm", which crashed vpnc).
    #[test]
    fn responder_lifetime_uses_the_classes_of_its_phase() {
        let day = Lifetime::seconds(86_400);
        assert_eq!(
            responder_lifetime_data(SaPhase::Isakmp, day),
            [
                0x80, 0x0b, 0x00, 0x01, 0x00, 0x0c, 0x00, 0x04, 0x00, 0x01, 0x51, 0x80
            ]
        );
        let hour = Lifetime::new(3600, 4_608_000);
        assert_eq!(
            responder_lifetime_data(SaPhase::Ipsec, hour),
            [
                0x80, 0x01, 0x00, 0x01, 0x80, 0x02, 0x0e, 0x10, 0x80, 0x01, 0x00, 0x02, 0x00, 0x02,
                0x00, 0x04, 0x00, 0x46, 0x50, 0x00
            ]
        );
        for (phase, l) in [(SaPhase::Isakmp, day), (SaPhase::Ipsec, hour)] {
            let data = responder_lifetime_data(phase, l);
            assert_eq!(parse_responder_lifetime(phase, &data), Some(l));
        }
        // Strict by class: the other phase's numbering is not read.
        let wrong = responder_lifetime_data(SaPhase::Ipsec, day);
        assert_eq!(parse_responder_lifetime(SaPhase::Isakmp, &wrong), None);
        let wrong = responder_lifetime_data(SaPhase::Isakmp, hour);
        assert_eq!(parse_responder_lifetime(SaPhase::Ipsec, &wrong), None);
        assert_eq!(
            parse_responder_lifetime(SaPhase::Ipsec, &[0x80, 0x01]),
            None
        );
    }

    #[test]
    fn a_zero_lifetime_counts_as_not_proposed() {
        let attrs = [
            Attr::basic(oakley::LIFE_TYPE, 1),
            Attr::basic(oakley::LIFE_DURATION, 0),
            Attr::basic(oakley::LIFE_TYPE, 2),
            Attr::basic(oakley::LIFE_DURATION, 4608),
        ];
        let l = parse_lifetimes(&attrs, SaPhase::Isakmp).unwrap();
        assert_eq!((l.seconds, l.kilobytes), (None, Some(4608)));
        let attrs = [
            Attr::basic(oakley::LIFE_TYPE, 1),
            Attr::basic(oakley::LIFE_DURATION, 3600),
        ];
        let l = parse_lifetimes(&attrs, SaPhase::Isakmp).unwrap();
        assert_eq!(l.seconds, Some(3600));
    }
}
