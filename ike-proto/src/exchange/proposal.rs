//! The SA payloads of both phases and the RESPONDER_LIFETIME data: the
//! one place that knows the Oakley (phase 1) and IPsec DOI (phase 2)
//! attribute classes and values, in [`crate::wire`]'s names.

use super::{NattMethod, suite};
use crate::error::{Error, PeerIncompatible};
use crate::policy::{
    AuthMethod, DhGroup, EncapMode, EspCipher, EspIntegrity, Lifetime, Phase1Cipher, Phase1Hash,
    Phase1Proposal, Phase2Proposal,
};
use crate::wire::{
    self, AuthAlgorithm, DataAttribute, EncapsulationMode, EncryptionAlgorithm, EspTransformId,
    HashAlgorithm, IpsecAttribute, IsakmpTransformId, LifeType, OakleyAttribute, Proposal,
    ProtocolId, SaPayload, Transform,
};

// ---------------------------------------------------------------------
// Phase-1 SA payloads
// ---------------------------------------------------------------------

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
            Self::Isakmp => (
                OakleyAttribute::LIFE_TYPE.get(),
                OakleyAttribute::LIFE_DURATION.get(),
            ),
            Self::Ipsec => (
                IpsecAttribute::SA_LIFE_TYPE.get(),
                IpsecAttribute::SA_LIFE_DURATION.get(),
            ),
        }
    }
}

fn lifetime_attrs(phase: SaPhase, l: Lifetime, out: &mut Vec<DataAttribute>) {
    let (type_attr, dur_attr) = phase.life_classes();
    if let Some(s) = l.seconds {
        out.push(DataAttribute::basic(type_attr, LifeType::SECONDS));
        out.push(DataAttribute::integer(dur_attr, s));
    }
    if let Some(k) = l.kilobytes {
        out.push(DataAttribute::basic(type_attr, LifeType::KILOBYTES));
        out.push(DataAttribute::integer(dur_attr, k));
    }
}

fn phase1_transform(number: u8, p: &Phase1Proposal) -> Transform {
    let mut attrs = Vec::new();
    let (enc, keylen) = match p.cipher {
        Phase1Cipher::Des => (EncryptionAlgorithm::DES_CBC, None),
        Phase1Cipher::TripleDes => (EncryptionAlgorithm::TRIPLE_DES_CBC, None),
        Phase1Cipher::AesCbc { key_bits } => (EncryptionAlgorithm::AES_CBC, Some(key_bits)),
    };
    attrs.push(DataAttribute::basic(
        OakleyAttribute::ENCRYPTION_ALGORITHM,
        enc,
    ));
    attrs.push(DataAttribute::basic(
        OakleyAttribute::HASH_ALGORITHM,
        match p.hash {
            Phase1Hash::Md5 => HashAlgorithm::MD5,
            Phase1Hash::Sha1 => HashAlgorithm::SHA,
            Phase1Hash::Sha256 => HashAlgorithm::SHA2_256,
            Phase1Hash::Sha384 => HashAlgorithm::SHA2_384,
            Phase1Hash::Sha512 => HashAlgorithm::SHA2_512,
        },
    ));
    attrs.push(DataAttribute::basic(
        OakleyAttribute::AUTHENTICATION_METHOD,
        match p.auth {
            AuthMethod::PreSharedKey => wire::AuthMethod::PRE_SHARED_KEY,
            AuthMethod::XauthInitPreShared => wire::AuthMethod::XAUTH_INIT_PRE_SHARED,
            AuthMethod::XauthRespPreShared => wire::AuthMethod::XAUTH_RESP_PRE_SHARED,
        },
    ));
    attrs.push(DataAttribute::basic(
        OakleyAttribute::GROUP_DESCRIPTION,
        p.group.0,
    ));
    if let Some(k) = keylen {
        attrs.push(DataAttribute::basic(OakleyAttribute::KEY_LENGTH, k));
    }
    lifetime_attrs(SaPhase::Isakmp, p.lifetime, &mut attrs);
    Transform::ike(number, attrs)
}

/// Our phase-1 SA payload: one ISAKMP proposal, one transform per policy.
pub(crate) fn phase1_sa(proposals: &[Phase1Proposal]) -> SaPayload {
    SaPayload::ipsec(vec![Proposal {
        number: 1,
        protocol: ProtocolId::ISAKMP,
        spi: Vec::new(),
        transforms: proposals
            .iter()
            .enumerate()
            .map(|(i, p)| phase1_transform(u8::try_from(i + 1).unwrap_or(u8::MAX), p))
            .collect(),
    }])
}

/// The responder's SA payload: the one chosen transform, as the peer sent it
/// (with its number), lifetime unchanged (a shorter one goes in a
/// RESPONDER_LIFETIME notify).
pub(crate) fn phase1_sa_reply(chosen: &Transform) -> SaPayload {
    SaPayload::ipsec(vec![Proposal {
        number: 1,
        protocol: ProtocolId::ISAKMP,
        spi: Vec::new(),
        transforms: vec![chosen.clone()],
    }])
}

/// Reads the life type / life duration pairs of a transform.
///
/// A duration of 0 counts as not proposed: strongSwan sends 0 when it is
/// configured never to rekey, and taking it literally would expire the SA
/// as it comes up, whatever the policy's lifetime rule.
fn parse_lifetimes(attrs: &[DataAttribute], phase: SaPhase) -> Option<Lifetime> {
    let (type_attr, dur_attr) = phase.life_classes();
    let mut l = Lifetime::default();
    let mut current: Option<u32> = None;
    for a in attrs {
        if a.kind == type_attr {
            current = Some(a.as_u32()?);
        } else if a.kind == dur_attr {
            let v = a.as_u32()?;
            let v = (v > 0).then_some(v);
            match LifeType(u16::try_from(current?).ok()?) {
                LifeType::SECONDS => l.seconds = v,
                LifeType::KILOBYTES => l.kilobytes = v,
                _ => return None,
            }
        }
    }
    Some(l)
}

/// Reads a phase-1 transform; `None` if we cannot do it.
pub(crate) fn parse_phase1_transform(t: &Transform) -> Option<Phase1Proposal> {
    if t.transform_id != IsakmpTransformId::KEY_IKE.get() {
        return None;
    }
    let get = |ty: OakleyAttribute| t.attribute(ty).and_then(DataAttribute::as_u32);
    // A 16-bit value (every Oakley class we read is one), else `None`.
    let get16 = |ty: OakleyAttribute| get(ty).and_then(|v| u16::try_from(v).ok());
    let keylen = get(OakleyAttribute::KEY_LENGTH);
    let cipher = match (
        EncryptionAlgorithm(get16(OakleyAttribute::ENCRYPTION_ALGORITHM)?),
        keylen,
    ) {
        (EncryptionAlgorithm::DES_CBC, None) => Phase1Cipher::Des,
        (EncryptionAlgorithm::TRIPLE_DES_CBC, None | Some(192)) => Phase1Cipher::TripleDes,
        (EncryptionAlgorithm::AES_CBC, Some(k @ (128 | 192 | 256))) => Phase1Cipher::AesCbc {
            key_bits: u16::try_from(k).ok()?,
        },
        _ => return None,
    };
    let hash = match HashAlgorithm(get16(OakleyAttribute::HASH_ALGORITHM)?) {
        HashAlgorithm::MD5 => Phase1Hash::Md5,
        HashAlgorithm::SHA => Phase1Hash::Sha1,
        HashAlgorithm::SHA2_256 => Phase1Hash::Sha256,
        HashAlgorithm::SHA2_384 => Phase1Hash::Sha384,
        HashAlgorithm::SHA2_512 => Phase1Hash::Sha512,
        _ => return None,
    };
    let auth = match wire::AuthMethod(get16(OakleyAttribute::AUTHENTICATION_METHOD)?) {
        wire::AuthMethod::PRE_SHARED_KEY => AuthMethod::PreSharedKey,
        wire::AuthMethod::XAUTH_INIT_PRE_SHARED => AuthMethod::XauthInitPreShared,
        wire::AuthMethod::XAUTH_RESP_PRE_SHARED => AuthMethod::XauthRespPreShared,
        _ => return None,
    };
    let group = DhGroup(get16(OakleyAttribute::GROUP_DESCRIPTION)?);
    if !suite::group_supported(group) {
        return None;
    }
    // Unknown attribute classes make the transform unacceptable.
    if t.attributes.iter().any(|a| {
        !matches!(
            a.oakley_type(),
            OakleyAttribute::ENCRYPTION_ALGORITHM
                | OakleyAttribute::HASH_ALGORITHM
                | OakleyAttribute::AUTHENTICATION_METHOD
                | OakleyAttribute::GROUP_DESCRIPTION
                | OakleyAttribute::LIFE_TYPE
                | OakleyAttribute::LIFE_DURATION
                | OakleyAttribute::KEY_LENGTH
        )
    }) {
        return None;
    }
    Some(Phase1Proposal {
        cipher,
        hash,
        auth,
        group,
        lifetime: parse_lifetimes(&t.attributes, SaPhase::Isakmp)?,
    })
}

/// The initiator's transforms we can do, with the transform each came from.
pub(crate) fn phase1_offers(sa: &SaPayload) -> Result<Vec<(Phase1Proposal, Transform)>, Error> {
    if sa.doi != wire::Doi::IPSEC {
        return Err(Error::PeerIncompatible(PeerIncompatible::NoProposalChosen));
    }
    let prop = match sa.proposals.as_slice() {
        [p] if p.protocol == ProtocolId::ISAKMP => p,
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

/// The ESP transform as it goes on the wire.
pub(crate) fn esp_transform(number: u8, p: &Phase2Proposal, natt: Option<NattMethod>) -> Transform {
    let (id, keylen) = match p.cipher {
        EspCipher::Des => (EspTransformId::DES, None),
        EspCipher::TripleDes => (EspTransformId::TRIPLE_DES, None),
        EspCipher::AesCbc { key_bits } => (EspTransformId::AES_CBC, Some(key_bits)),
        EspCipher::AesGcm16 { key_bits } => (EspTransformId::AES_GCM_16, Some(key_bits)),
        EspCipher::Null => (EspTransformId::NULL, None),
    };
    let mut attrs = Vec::new();
    lifetime_attrs(SaPhase::Ipsec, p.lifetime, &mut attrs);
    if let Some(g) = p.pfs {
        attrs.push(DataAttribute::basic(IpsecAttribute::GROUP_DESCRIPTION, g.0));
    }
    let encap = match natt {
        Some(m) => m.udp_encap(p.mode),
        None => match p.mode {
            EncapMode::Tunnel => EncapsulationMode::TUNNEL,
            EncapMode::Transport => EncapsulationMode::TRANSPORT,
        },
    };
    attrs.push(DataAttribute::basic(
        IpsecAttribute::ENCAPSULATION_MODE,
        encap,
    ));
    if let Some(i) = p.integrity {
        attrs.push(DataAttribute::basic(
            IpsecAttribute::AUTH_ALGORITHM,
            match i {
                EspIntegrity::HmacMd5 => AuthAlgorithm::HMAC_MD5,
                EspIntegrity::HmacSha1 => AuthAlgorithm::HMAC_SHA1,
                EspIntegrity::HmacSha256 => AuthAlgorithm::HMAC_SHA2_256,
            },
        ));
    }
    if let Some(k) = keylen {
        attrs.push(DataAttribute::basic(IpsecAttribute::KEY_LENGTH, k));
    }
    Transform {
        number,
        transform_id: id.get(),
        attributes: attrs,
    }
}

/// Reads an ESP transform: the proposal and whether it asks for UDP
/// encapsulation. `None` if we cannot do it.
pub(crate) fn parse_esp_transform(t: &Transform) -> Option<(Phase2Proposal, bool)> {
    let get = |ty: IpsecAttribute| t.attribute(ty).and_then(DataAttribute::as_u32);
    let keylen = get(IpsecAttribute::KEY_LENGTH).and_then(|k| u16::try_from(k).ok());
    let cipher = match (t.esp_transform_id(), keylen) {
        (EspTransformId::DES, None) => EspCipher::Des,
        (EspTransformId::TRIPLE_DES, None) => EspCipher::TripleDes,
        (EspTransformId::AES_CBC, Some(k @ (128 | 192 | 256))) => EspCipher::AesCbc { key_bits: k },
        (EspTransformId::AES_CBC, None) => EspCipher::AesCbc { key_bits: 128 },
        (EspTransformId::AES_GCM_16, Some(k @ (128 | 192 | 256))) => {
            EspCipher::AesGcm16 { key_bits: k }
        }
        (EspTransformId::NULL, None) => EspCipher::Null,
        _ => return None,
    };
    let integrity = match get(IpsecAttribute::AUTH_ALGORITHM) {
        None => None,
        Some(a) => Some(match AuthAlgorithm(u16::try_from(a).ok()?) {
            AuthAlgorithm::HMAC_MD5 => EspIntegrity::HmacMd5,
            AuthAlgorithm::HMAC_SHA1 => EspIntegrity::HmacSha1,
            AuthAlgorithm::HMAC_SHA2_256 => EspIntegrity::HmacSha256,
            _ => return None,
        }),
    };
    let combined = matches!(cipher, EspCipher::AesGcm16 { .. });
    if combined == integrity.is_some() {
        return None;
    }
    let encap = match get(IpsecAttribute::ENCAPSULATION_MODE) {
        None => EncapsulationMode::TUNNEL,
        Some(e) => EncapsulationMode(u16::try_from(e).ok()?),
    };
    let (mode, udp) = match encap {
        EncapsulationMode::TUNNEL => (EncapMode::Tunnel, false),
        EncapsulationMode::TRANSPORT => (EncapMode::Transport, false),
        EncapsulationMode::UDP_TUNNEL | EncapsulationMode::UDP_TUNNEL_DRAFT => {
            (EncapMode::Tunnel, true)
        }
        EncapsulationMode::UDP_TRANSPORT | EncapsulationMode::UDP_TRANSPORT_DRAFT => {
            (EncapMode::Transport, true)
        }
        _ => return None,
    };
    let pfs = match get(IpsecAttribute::GROUP_DESCRIPTION) {
        None => None,
        Some(g) => {
            let g = DhGroup(u16::try_from(g).ok()?);
            if !suite::group_supported(g) {
                return None;
            }
            Some(g)
        }
    };
    if t.attributes.iter().any(|a| {
        !matches!(
            a.ipsec_type(),
            IpsecAttribute::SA_LIFE_TYPE
                | IpsecAttribute::SA_LIFE_DURATION
                | IpsecAttribute::GROUP_DESCRIPTION
                | IpsecAttribute::ENCAPSULATION_MODE
                | IpsecAttribute::AUTH_ALGORITHM
                | IpsecAttribute::KEY_LENGTH
        )
    }) {
        return None;
    }
    Some((
        Phase2Proposal {
            cipher,
            integrity,
            mode,
            pfs,
            lifetime: parse_lifetimes(&t.attributes, SaPhase::Ipsec)?,
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
    if let Err(e) = wire::emit_attributes(&attrs, &mut out) {
        // At most four attributes of 4-byte values: within the codec's limits.
        log::error!("cannot emit a RESPONDER_LIFETIME: {e}");
        out.clear();
    }
    out
}

/// At most this many attributes in a RESPONDER_LIFETIME we read (a lifetime
/// needs four).
const MAX_LIFETIME_ATTRS: usize = 16;

/// Reads RESPONDER_LIFETIME data strictly in the numbering of `phase`: an
/// attribute of another class (a phase-2 class in a phase-1 notify, as an
/// old version of ours sent) makes the notify unreadable, so it is ignored
/// rather than misread.
pub(crate) fn parse_responder_lifetime(phase: SaPhase, data: &[u8]) -> Option<Lifetime> {
    let attrs = wire::parse_attributes(data).ok()?;
    let (type_attr, dur_attr) = phase.life_classes();
    if attrs.len() > MAX_LIFETIME_ATTRS
        || attrs
            .iter()
            .any(|a| a.kind != type_attr && a.kind != dur_attr)
    {
        return None;
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
            DataAttribute::basic(OakleyAttribute::LIFE_TYPE, LifeType::SECONDS),
            DataAttribute::basic(OakleyAttribute::LIFE_DURATION, 0u16),
            DataAttribute::basic(OakleyAttribute::LIFE_TYPE, LifeType::KILOBYTES),
            DataAttribute::basic(OakleyAttribute::LIFE_DURATION, 4608u16),
        ];
        let l = parse_lifetimes(&attrs, SaPhase::Isakmp).unwrap();
        assert_eq!((l.seconds, l.kilobytes), (None, Some(4608)));
        let attrs = [
            DataAttribute::basic(OakleyAttribute::LIFE_TYPE, LifeType::SECONDS),
            DataAttribute::basic(OakleyAttribute::LIFE_DURATION, 3600u16),
        ];
        let l = parse_lifetimes(&attrs, SaPhase::Isakmp).unwrap();
        assert_eq!(l.seconds, Some(3600));
    }
}
