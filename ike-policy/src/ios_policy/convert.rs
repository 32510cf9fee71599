//! Conversions between ike-proto's terms and the resolver's.

use super::*;

/// An ISAKMP policy as the phase 1 proposal we offer; `None` for the
/// authentication methods this suite does not do (RSA).
pub fn phase1_proposal(p: &IsakmpPolicy) -> Option<Phase1Proposal> {
    Some(Phase1Proposal {
        cipher: p.encryption.into(),
        hash: p.hash.into(),
        auth: AuthMethod::try_from(p.authentication).ok()?,
        group: p.group.into(),
        lifetime: Lifetime::seconds(p.lifetime),
    })
}

/// A transform set as the ESP proposal we offer; `None` for transforms the
/// engine cannot carry (SHA-384/512 integrity).
pub fn phase2_proposal(
    ts: &TransformSet,
    pfs: Option<crate::model::DhGroup>,
    lifetime: crate::model::SaLifetime,
) -> Option<Phase2Proposal> {
    let integrity = match ts.integrity {
        None => None,
        Some(i) => Some(ProtoIntegrity::try_from(i).ok()?),
    };
    Some(Phase2Proposal {
        cipher: ts.encryption.map_or(EspCipher::Null, EspCipher::from),
        integrity,
        mode: ts.mode.into(),
        pfs: pfs.map(ProtoGroup::from),
        lifetime: Lifetime::new(lifetime.seconds, lifetime.kilobytes),
    })
}

/// A phase 1 identity in the resolver's terms (`None` for ID types no
/// profile can match).
pub fn peer_identity(id: &Identity) -> Option<PeerIdentity> {
    match id {
        Identity::Ipv4(a) => Some(PeerIdentity::Ipv4(*a)),
        Identity::Fqdn(s) => Some(PeerIdentity::Fqdn(s.clone())),
        Identity::UserFqdn(s) => Some(PeerIdentity::UserFqdn(s.clone())),
        Identity::KeyId(k) => Some(PeerIdentity::KeyId(String::from_utf8_lossy(k).into_owned())),
        Identity::Other { .. } => None,
    }
}

fn side(
    addr: &AddressMatch,
    protocol: Option<u8>,
    ports: resolver::PortRange,
) -> Option<TrafficSelector> {
    let (start, end) = match *addr {
        AddressMatch::Prefix { address, len } => {
            let s = TrafficSelector::subnet(address, len);
            (s.start, s.end)
        }
        // A wildcard with holes is not one IKE identity.
        AddressMatch::Masked { .. } => return None,
    };
    let port = if ports.first == ports.last {
        ports.first
    } else {
        0
    };
    Some(TrafficSelector {
        start,
        end,
        protocol: protocol.unwrap_or(0),
        port,
    })
}

/// An ACL selector (source = our side) as IKE traffic selectors; `None`
/// when a wildcard with holes cannot be one IKE identity.
pub fn selectors_from_acl(s: &Selector) -> Option<Selectors> {
    Some(Selectors {
        local: side(&s.source, s.protocol, s.source_ports)?,
        remote: side(&s.destination, s.protocol, s.destination_ports)?,
    })
}

/// A packet as the resolver's flow, from IKE host selectors.
pub(super) fn flow_of(s: &Selectors) -> Flow {
    Flow {
        source: s.local.start,
        destination: s.remote.start,
        protocol: s.local.protocol.max(s.remote.protocol),
        source_port: s.local.port,
        destination_port: s.remote.port,
    }
}

pub(super) fn mode_config(p: &IsakmpProfile) -> ModeConfig {
    match p.client_configuration_address {
        None => ModeConfig::None,
        Some(ClientConfigAddress::Respond) => ModeConfig::Respond,
        Some(ClientConfigAddress::Initiate) => ModeConfig::Initiate,
    }
}

/// The phase 1 transforms an IOS Easy VPN Remote offers, strongest first:
/// pre-shared key with Xauth (XAUTHInitPreShared), DH group 2, one day.
pub fn ezvpn_phase1_proposals() -> Vec<Phase1Proposal> {
    [
        (ProtoCipher::Aes256, ProtoHash::Sha1),
        (ProtoCipher::Aes128, ProtoHash::Sha1),
        (ProtoCipher::TripleDes, ProtoHash::Sha1),
        (ProtoCipher::TripleDes, ProtoHash::Md5),
        (ProtoCipher::Des, ProtoHash::Sha1),
    ]
    .into_iter()
    .map(|(cipher, hash)| Phase1Proposal {
        cipher,
        hash,
        auth: AuthMethod::XauthInitPreShared,
        group: ProtoGroup::Modp1024,
        lifetime: Lifetime::seconds(86_400),
    })
    .collect()
}

/// The ESP proposals an IOS Easy VPN Remote offers, strongest first, tunnel
/// mode, no PFS, with the configured SA lifetime.
pub fn ezvpn_phase2_proposals(lifetime: crate::model::SaLifetime) -> Vec<Phase2Proposal> {
    [
        (
            EspCipher::AesCbc { key_bits: 256 },
            ProtoIntegrity::HmacSha1,
        ),
        (
            EspCipher::AesCbc { key_bits: 128 },
            ProtoIntegrity::HmacSha1,
        ),
        (EspCipher::TripleDes, ProtoIntegrity::HmacSha1),
        (EspCipher::TripleDes, ProtoIntegrity::HmacMd5),
        (EspCipher::Des, ProtoIntegrity::HmacSha1),
    ]
    .into_iter()
    .map(|(cipher, integrity)| Phase2Proposal {
        cipher,
        integrity: Some(integrity),
        mode: EncapMode::Tunnel,
        pfs: None,
        lifetime: Lifetime::new(lifetime.seconds, lifetime.kilobytes),
    })
    .collect()
}
