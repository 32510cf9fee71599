//! The SA payloads of both phases and the RESPONDER_LIFETIME data: the
//! one place that knows the Oakley (phase 1) and IPsec DOI (phase 2)
//! attribute classes and values, in [`crate::wire`]'s names.
//!
//! A phase-1 transform converts to and from a [`Phase1Proposal`], an ESP
//! transform to and from an [`EspTransform`] (`TryFrom<&Transform>` /
//! `From<&_> for Transform`); [`Phase1Class`] and [`Phase2Class`] are the
//! attribute classes such a transform may carry.

use super::NattMethod;
use crate::error::{Error, PeerIncompatible};
use crate::policy::{
    AuthMethod, DhGroup, EncapMode, EspCipher, EspIntegrity, HashAlg, Lifetime, Phase1Cipher,
    Phase1Proposal, Phase2Proposal,
};
use crate::wire::{
    self, AuthAlgorithm, DataAttribute, EncapsulationMode, EncryptionAlgorithm, EspTransformId,
    HashAlgorithm, IpsecAttribute, IsakmpTransformId, LifeType, NatTNumbering, OakleyAttribute,
    Proposal, ProtocolId, SaPayload, Transform,
};

/// What a transform we cannot do converts to: the responder goes on to
/// the next one, and with none left answers NO-PROPOSAL-CHOSEN.
const UNSUPPORTED: Error = Error::PeerIncompatible(PeerIncompatible::AttributesNotSupported);

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

/// The Oakley attribute classes a phase-1 transform of ours may carry
/// (RFC 2409 appendix A); a transform with any other is not one we can do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase1Class {
    /// Class 1, Encryption Algorithm.
    Encryption,
    /// Class 2, Hash Algorithm.
    Hash,
    /// Class 3, Authentication Method.
    Auth,
    /// Class 4, Group Description.
    Group,
    /// Class 11, Life Type.
    LifeType,
    /// Class 12, Life Duration.
    LifeDuration,
    /// Class 14, Key Length.
    KeyLength,
}

impl Phase1Class {
    /// The class of `a`, `None` for one we do not read.
    pub(crate) fn of(a: &DataAttribute) -> Option<Self> {
        Some(match a.oakley_type() {
            OakleyAttribute::ENCRYPTION_ALGORITHM => Self::Encryption,
            OakleyAttribute::HASH_ALGORITHM => Self::Hash,
            OakleyAttribute::AUTHENTICATION_METHOD => Self::Auth,
            OakleyAttribute::GROUP_DESCRIPTION => Self::Group,
            OakleyAttribute::LIFE_TYPE => Self::LifeType,
            OakleyAttribute::LIFE_DURATION => Self::LifeDuration,
            OakleyAttribute::KEY_LENGTH => Self::KeyLength,
            _ => return None,
        })
    }
}

/// The IPsec DOI attribute classes an ESP transform of ours may carry
/// (RFC 2407 section 4.5); a transform with any other is not one we can do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase2Class {
    /// Class 1, SA Life Type.
    LifeType,
    /// Class 2, SA Life Duration.
    LifeDuration,
    /// Class 3, Group Description (PFS).
    Group,
    /// Class 4, Encapsulation Mode.
    Encapsulation,
    /// Class 5, Authentication Algorithm.
    Auth,
    /// Class 6, Key Length.
    KeyLength,
}

impl Phase2Class {
    /// The class of `a`, `None` for one we do not read.
    pub(crate) fn of(a: &DataAttribute) -> Option<Self> {
        Some(match a.ipsec_type() {
            IpsecAttribute::SA_LIFE_TYPE => Self::LifeType,
            IpsecAttribute::SA_LIFE_DURATION => Self::LifeDuration,
            IpsecAttribute::GROUP_DESCRIPTION => Self::Group,
            IpsecAttribute::ENCAPSULATION_MODE => Self::Encapsulation,
            IpsecAttribute::AUTH_ALGORITHM => Self::Auth,
            IpsecAttribute::KEY_LENGTH => Self::KeyLength,
            _ => return None,
        })
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

/// Our phase-1 transform for a proposal (number 1; the SA payload numbers
/// its transforms). No KEY_LENGTH for DES and 3DES: RFC 2409 appendix A
/// says it MUST NOT be sent with a fixed-length cipher.
impl From<&Phase1Proposal> for Transform {
    fn from(p: &Phase1Proposal) -> Self {
        phase1_transform(1, p)
    }
}

fn phase1_transform(number: u8, p: &Phase1Proposal) -> Transform {
    let mut attrs = Vec::new();
    // The numbers are the crypto types' own (`wire_id`, `from_wire`): one
    // table per algorithm, both ways.
    let keylen = p.cipher.key_length_attribute();
    attrs.push(DataAttribute::basic(
        OakleyAttribute::ENCRYPTION_ALGORITHM,
        EncryptionAlgorithm(p.cipher.wire_id()),
    ));
    attrs.push(DataAttribute::basic(
        OakleyAttribute::HASH_ALGORITHM,
        HashAlgorithm(p.hash.wire_id()),
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
        p.group.wire_id(),
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

/// A phase-1 transform we can do, or [`PeerIncompatible::AttributesNotSupported`].
///
/// The cipher and its key length are read by [`Phase1Cipher::from_wire`],
/// the one table of them: AES needs a KEY_LENGTH of 128, 192 or 256; DES and
/// 3DES have one length each, and a KEY_LENGTH that states it (64 with the
/// parity bits, 192) is read as that cipher. RFC 2409 appendix A forbids
/// sending the attribute with a fixed-length cipher (we never do), but one
/// that names the only possible length cannot be misread, so it is accepted
/// like 3DES with 192 always was; any other length (DES 56) is refused.
impl TryFrom<&Transform> for Phase1Proposal {
    type Error = Error;

    fn try_from(t: &Transform) -> Result<Self, Error> {
        phase1_proposal(t).ok_or(UNSUPPORTED)
    }
}

fn phase1_proposal(t: &Transform) -> Option<Phase1Proposal> {
    if t.transform_id != IsakmpTransformId::KEY_IKE.get() {
        return None;
    }
    // Unknown attribute classes make the transform unacceptable.
    if t.attributes.iter().any(|a| Phase1Class::of(a).is_none()) {
        return None;
    }
    let get = |ty: OakleyAttribute| t.attribute(ty).and_then(DataAttribute::as_u32);
    // A 16-bit value (every Oakley class we read is one), else `None`.
    let get16 = |ty: OakleyAttribute| get(ty).and_then(|v| u16::try_from(v).ok());
    let keylen = match get(OakleyAttribute::KEY_LENGTH) {
        None => None,
        Some(k) => Some(u16::try_from(k).ok()?),
    };
    let cipher = Phase1Cipher::from_wire(get16(OakleyAttribute::ENCRYPTION_ALGORITHM)?, keylen)?;
    let hash = HashAlg::from_wire(get16(OakleyAttribute::HASH_ALGORITHM)?)?;
    let auth = match wire::AuthMethod(get16(OakleyAttribute::AUTHENTICATION_METHOD)?) {
        wire::AuthMethod::PRE_SHARED_KEY => AuthMethod::PreSharedKey,
        wire::AuthMethod::XAUTH_INIT_PRE_SHARED => AuthMethod::XauthInitPreShared,
        wire::AuthMethod::XAUTH_RESP_PRE_SHARED => AuthMethod::XauthRespPreShared,
        _ => return None,
    };
    let group = DhGroup::from_wire(get16(OakleyAttribute::GROUP_DESCRIPTION)?)?;
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
        .filter_map(|t| Phase1Proposal::try_from(t).ok().map(|p| (p, t.clone())))
        .collect())
}

// ---------------------------------------------------------------------
// Phase-2 SA payloads
// ---------------------------------------------------------------------

/// One ESP transform as negotiated: the proposal and whether its packets
/// travel in UDP (RFC 3948), which the encapsulation mode says in RFC
/// 3947's numbering (3, 4) or the drafts' (61443, 61444).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct EspTransform {
    /// The proposal (its mode is tunnel or transport, UDP or not).
    pub(crate) proposal: Phase2Proposal,
    /// `Some` with the numbering of the UDP encapsulation mode, `None` for
    /// plain ESP.
    pub(crate) udp: Option<NatTNumbering>,
}

impl EspTransform {
    /// The transform we offer for `proposal`, UDP-encapsulated in `natt`'s
    /// numbering when NAT traversal is in use.
    pub(crate) fn new(proposal: Phase2Proposal, natt: Option<NattMethod>) -> Self {
        Self {
            proposal,
            udp: natt.map(NattMethod::numbering),
        }
    }
}

impl NattMethod {
    /// The ESP encapsulation attribute value for UDP tunnel / transport.
    pub fn udp_encap(self, mode: EncapMode) -> EncapsulationMode {
        udp_encapsulation(self.numbering(), mode)
    }
}

fn udp_encapsulation(numbering: NatTNumbering, mode: EncapMode) -> EncapsulationMode {
    match (numbering, mode) {
        (NatTNumbering::Rfc3947, EncapMode::Tunnel) => EncapsulationMode::UDP_TUNNEL,
        (NatTNumbering::Rfc3947, EncapMode::Transport) => EncapsulationMode::UDP_TRANSPORT,
        (NatTNumbering::Draft, EncapMode::Tunnel) => EncapsulationMode::UDP_TUNNEL_DRAFT,
        (NatTNumbering::Draft, EncapMode::Transport) => EncapsulationMode::UDP_TRANSPORT_DRAFT,
    }
}

/// The ESP transform as it goes on the wire (number 1: each of our
/// proposals carries one transform).
impl From<&EspTransform> for Transform {
    fn from(e: &EspTransform) -> Self {
        let p = &e.proposal;
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
            attrs.push(DataAttribute::basic(
                IpsecAttribute::GROUP_DESCRIPTION,
                g.wire_id(),
            ));
        }
        let encap = match e.udp {
            Some(n) => udp_encapsulation(n, p.mode),
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
            number: 1,
            transform_id: id.get(),
            attributes: attrs,
        }
    }
}

/// An ESP transform we can do, or [`PeerIncompatible::AttributesNotSupported`].
impl TryFrom<&Transform> for EspTransform {
    type Error = Error;

    fn try_from(t: &Transform) -> Result<Self, Error> {
        esp_transform(t).ok_or(UNSUPPORTED)
    }
}

fn esp_transform(t: &Transform) -> Option<EspTransform> {
    if t.attributes.iter().any(|a| Phase2Class::of(a).is_none()) {
        return None;
    }
    let get = |ty: IpsecAttribute| t.attribute(ty).and_then(DataAttribute::as_u32);
    let keylen = get(IpsecAttribute::KEY_LENGTH).and_then(|k| u16::try_from(k).ok());
    let cipher = match (t.esp_transform_id(), keylen) {
        // Fixed-length ciphers: a KEY_LENGTH stating their one length is
        // harmless and accepted, as in phase 1; any other is refused.
        (EspTransformId::DES, None | Some(64)) => EspCipher::Des,
        (EspTransformId::TRIPLE_DES, None | Some(192)) => EspCipher::TripleDes,
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
        EncapsulationMode::TUNNEL => (EncapMode::Tunnel, None),
        EncapsulationMode::TRANSPORT => (EncapMode::Transport, None),
        EncapsulationMode::UDP_TUNNEL => (EncapMode::Tunnel, Some(NatTNumbering::Rfc3947)),
        EncapsulationMode::UDP_TRANSPORT => (EncapMode::Transport, Some(NatTNumbering::Rfc3947)),
        EncapsulationMode::UDP_TUNNEL_DRAFT => (EncapMode::Tunnel, Some(NatTNumbering::Draft)),
        EncapsulationMode::UDP_TRANSPORT_DRAFT => {
            (EncapMode::Transport, Some(NatTNumbering::Draft))
        }
        _ => return None,
    };
    let pfs = match get(IpsecAttribute::GROUP_DESCRIPTION) {
        None => None,
        Some(g) => Some(DhGroup::from_wire(u16::try_from(g).ok()?)?),
    };
    Some(EspTransform {
        proposal: Phase2Proposal {
            cipher,
            integrity,
            mode,
            pfs,
            lifetime: parse_lifetimes(&t.attributes, SaPhase::Ipsec)?,
        },
        udp,
    })
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

    /// A phase-1 transform body as a peer sends it: DES (or `enc`), SHA,
    /// pre-shared key, group 2, 3600 s, then `tail` (a KEY_LENGTH or nothing).
    fn phase1_bytes(enc: u8, tail: &[u8]) -> Vec<u8> {
        let mut b = vec![
            0x01, 0x01, 0x00, 0x00, // transform 1, KEY_IKE
            0x80, 0x01, 0x00, enc, // Encryption Algorithm
            0x80, 0x02, 0x00, 0x02, // Hash Algorithm: SHA
            0x80, 0x03, 0x00, 0x01, // Authentication Method: pre-shared key
            0x80, 0x04, 0x00, 0x02, // Group Description: 2
        ];
        b.extend_from_slice(tail);
        b.extend_from_slice(&[
            0x80, 0x0b, 0x00, 0x01, // Life Type: seconds
            0x80, 0x0c, 0x0e, 0x10, // Life Duration: 3600
        ]);
        b
    }

    /// The transform body as we emit it.
    fn body(t: &Transform) -> Vec<u8> {
        let mut out = Vec::new();
        t.emit(&mut out).unwrap();
        out
    }

    fn phase1(enc: u8, tail: &[u8]) -> Result<Phase1Proposal, Error> {
        let t = Transform::parse(&phase1_bytes(enc, tail)).unwrap();
        Phase1Proposal::try_from(&t)
    }

    /// RFC 2409 appendix A: KEY_LENGTH is for variable-length ciphers. A
    /// peer that sends DES with 64 (the DES key with its parity bits) or
    /// 3DES with 192 says the only length there is, which is harmless and
    /// accepted; a length that contradicts the fixed cipher (DES 56, 3DES
    /// 128) is refused, and AES needs one (RFC 3602 5.3). The crypto
    /// table reads every pair the same way.
    #[test]
    fn phase1_key_length_is_accepted_only_where_harmless() {
        let des = phase1(1, &[]).unwrap();
        assert_eq!(des.cipher, Phase1Cipher::Des);
        assert_eq!(phase1(1, &[0x80, 0x0e, 0x00, 0x40]).unwrap(), des);
        assert_eq!(
            phase1(5, &[0x80, 0x0e, 0x00, 0xc0]).unwrap().cipher,
            Phase1Cipher::TripleDes
        );
        assert_eq!(
            phase1(7, &[0x80, 0x0e, 0x01, 0x00]).unwrap().cipher,
            Phase1Cipher::Aes256
        );
        for (enc, kl) in [(1, 56u16), (1, 128), (5, 128), (5, 64), (7, 64)] {
            let tail = [0x80, 0x0e, (kl >> 8) as u8, kl as u8];
            assert!(phase1(enc, &tail).is_err(), "{enc} {kl}");
        }
        assert!(phase1(7, &[]).is_err());
        for enc in [1u8, 5, 7] {
            for kl in [None, Some(56u16), Some(64), Some(128), Some(192), Some(256)] {
                let tail = kl.map_or(Vec::new(), |k| vec![0x80, 0x0e, (k >> 8) as u8, k as u8]);
                assert_eq!(
                    phase1(enc, &tail).is_ok(),
                    Phase1Cipher::from_wire(u16::from(enc), kl).is_some(),
                    "{enc} {kl:?}"
                );
            }
        }
    }

    /// What we send for DES carries no KEY_LENGTH, byte for byte the
    /// peer's transform above, and reads back as the same proposal.
    #[test]
    fn phase1_transform_round_trips_byte_exact() {
        let p = phase1(1, &[]).unwrap();
        assert_eq!(body(&Transform::from(&p)), phase1_bytes(1, &[]));
        let aes = phase1(7, &[0x80, 0x0e, 0x00, 0x80]).unwrap();
        assert_eq!(
            body(&Transform::from(&aes)),
            phase1_bytes(7, &[0x80, 0x0e, 0x00, 0x80])
        );
        assert_eq!(
            Phase1Proposal::try_from(&Transform::from(&aes)).unwrap(),
            aes
        );
    }

    /// An ESP transform body: `id`, 3600 s, tunnel, HMAC-SHA1, then `tail`.
    fn esp_bytes(id: u8, tail: &[u8]) -> Vec<u8> {
        let mut b = vec![
            0x01, id, 0x00, 0x00, // transform 1, ESP transform ID
            0x80, 0x01, 0x00, 0x01, // SA Life Type: seconds
            0x80, 0x02, 0x0e, 0x10, // SA Life Duration: 3600
            0x80, 0x04, 0x00, 0x01, // Encapsulation Mode: tunnel
            0x80, 0x05, 0x00, 0x02, // Authentication Algorithm: HMAC-SHA1
        ];
        b.extend_from_slice(tail);
        b
    }

    fn esp(id: u8, tail: &[u8]) -> Result<EspTransform, Error> {
        EspTransform::try_from(&Transform::parse(&esp_bytes(id, tail)).unwrap())
    }

    /// Phase 2 follows the same rule as phase 1 for DES (2) and 3DES (3).
    #[test]
    fn esp_key_length_is_accepted_only_where_harmless() {
        let des = esp(2, &[]).unwrap();
        assert_eq!(des.proposal.cipher, EspCipher::Des);
        assert_eq!(des.udp, None);
        assert_eq!(esp(2, &[0x80, 0x06, 0x00, 0x40]).unwrap(), des);
        assert_eq!(
            esp(3, &[0x80, 0x06, 0x00, 0xc0]).unwrap().proposal.cipher,
            EspCipher::TripleDes
        );
        for (id, kl) in [(2u8, 56u16), (2, 128), (3, 128), (12, 64)] {
            let tail = [0x80, 0x06, (kl >> 8) as u8, kl as u8];
            assert!(esp(id, &tail).is_err(), "{id} {kl}");
        }
        assert_eq!(body(&Transform::from(&des)), esp_bytes(2, &[]));
        let aes = esp(12, &[0x80, 0x06, 0x01, 0x00]).unwrap();
        assert_eq!(
            body(&Transform::from(&aes)),
            esp_bytes(12, &[0x80, 0x06, 0x01, 0x00])
        );
    }

    /// Values a peer may send that the policy types cannot name are
    /// refused here, before any policy sees them, with the one typed error
    /// (ATTRIBUTES-NOT-SUPPORTED): these cases were ike-policy resolver
    /// tests (`Phase1Cipher::Other(3)`, `Phase1Auth::RsaSig`, the
    /// `from_ike` numbers, fixed-length ciphers with a KEY_LENGTH, AES
    /// without one) before the resolver took ike-proto's types.
    #[test]
    fn decoding_refuses_what_the_resolver_cannot_name() {
        let kl = |k: u16| [0x80, 0x0e, (k >> 8) as u8, k as u8];
        let with = |patch: &dyn Fn(&mut Vec<u8>)| {
            let mut b = phase1_bytes(5, &[]);
            patch(&mut b);
            Phase1Proposal::try_from(&Transform::parse(&b).unwrap())
        };
        // The numbers: 3DES (5), SHA (2), XAUTHInitPreShared (65001).
        let p = with(&|b| b[14..16].copy_from_slice(&65001u16.to_be_bytes())).unwrap();
        assert_eq!(p.cipher, Phase1Cipher::TripleDes);
        assert_eq!(p.hash, HashAlg::Sha1);
        assert_eq!(p.auth, AuthMethod::XauthInitPreShared);
        // Blowfish (3), an unknown cipher to us.
        assert_eq!(phase1(3, &[]), Err(UNSUPPORTED));
        // RSA signatures (3) and RSA encryption (4).
        for auth in [3u8, 4] {
            assert_eq!(with(&|b| b[15] = auth), Err(UNSUPPORTED), "{auth}");
        }
        // An elliptic-curve group (19).
        assert_eq!(with(&|b| b[19] = 19), Err(UNSUPPORTED));
        // 3DES takes only 192, DES only 64, AES needs a length.
        assert!(phase1(5, &kl(192)).is_ok());
        for k in [56, 64, 128, 256] {
            assert_eq!(phase1(5, &kl(k)), Err(UNSUPPORTED), "3des {k}");
        }
        assert!(phase1(1, &[]).is_ok());
        assert!(phase1(1, &kl(64)).is_ok());
        for k in [56, 192] {
            assert_eq!(phase1(1, &kl(k)), Err(UNSUPPORTED), "des {k}");
        }
        assert_eq!(phase1(7, &[]), Err(UNSUPPORTED));

        // ESP: ESP_3DES (3) with HMAC-SHA (2); no Authentication Algorithm
        // attribute (GCM) means no integrity.
        let e = esp(3, &[]).unwrap().proposal;
        assert_eq!(e.cipher, EspCipher::TripleDes);
        assert_eq!(e.integrity, Some(EspIntegrity::HmacSha1));
        let mut gcm = esp_bytes(20, &[0x80, 0x06, 0x01, 0x00]);
        gcm.drain(16..20);
        let g = EspTransform::try_from(&Transform::parse(&gcm).unwrap()).unwrap();
        assert_eq!(g.proposal.cipher, EspCipher::AesGcm16 { key_bits: 256 });
        assert_eq!(g.proposal.integrity, None);
        // HMAC-SHA2-384 (6) and -512 (7), which IOS can configure and the
        // ESP suite does not do; an unknown transform ID (ESP_BLOWFISH 7).
        for auth in [6u8, 7] {
            let mut b = esp_bytes(3, &[]);
            b[19] = auth;
            let t = Transform::parse(&b).unwrap();
            assert_eq!(EspTransform::try_from(&t), Err(UNSUPPORTED), "{auth}");
        }
        assert_eq!(esp(7, &[]), Err(UNSUPPORTED));
    }
}
