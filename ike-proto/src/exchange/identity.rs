//! ID payloads: phase-1 identities and Quick Mode client identities
//! (traffic selectors), both ways.

use std::net::Ipv4Addr;

use crate::error::{Error, PeerMisbehaved};
use crate::policy::{Identity, TrafficSelector};
use crate::wire::{IdPayload, IdType};

/// A phase-1 identity as an ID payload (protocol UDP, port 500 as IOS
/// sends in Main Mode, whatever ports are in use: RFC 2407 4.6.2 allows
/// only 0 or 500 here).
pub(crate) fn identity_payload(id: &Identity) -> IdPayload {
    let (id_type, data) = match id {
        Identity::Ipv4(a) => (IdType::IPV4_ADDR, a.octets().to_vec()),
        Identity::Fqdn(s) => (IdType::FQDN, s.as_bytes().to_vec()),
        Identity::UserFqdn(s) => (IdType::USER_FQDN, s.as_bytes().to_vec()),
        Identity::KeyId(k) => (IdType::KEY_ID, k.clone()),
        Identity::Other { id_type, data } => (IdType(*id_type), data.clone()),
    };
    IdPayload {
        id_type,
        protocol: 17,
        port: 500,
        data,
    }
}

/// Reads a phase-1 identity.
pub(crate) fn parse_identity(id: &IdPayload) -> Result<Identity, Error> {
    Ok(match id.id_type {
        IdType::IPV4_ADDR => {
            let o: [u8; 4] = id.data.as_slice().try_into().map_err(|_| {
                Error::PeerMisbehaved(PeerMisbehaved::InvalidIdInformation("identification data"))
            })?;
            Identity::Ipv4(Ipv4Addr::from(o))
        }
        IdType::FQDN => Identity::Fqdn(String::from_utf8(id.data.clone()).map_err(|_| {
            Error::PeerMisbehaved(PeerMisbehaved::InvalidIdInformation("identification data"))
        })?),
        IdType::USER_FQDN => {
            Identity::UserFqdn(String::from_utf8(id.data.clone()).map_err(|_| {
                Error::PeerMisbehaved(PeerMisbehaved::InvalidIdInformation("identification data"))
            })?)
        }
        IdType::KEY_ID => Identity::KeyId(id.data.clone()),
        t => Identity::Other {
            id_type: t.get(),
            data: id.data.clone(),
        },
    })
}

/// A Quick Mode client identity for a selector: IPV4_ADDR for a host,
/// IPV4_ADDR_SUBNET for a subnet, IPV4_ADDR_RANGE otherwise.
pub(crate) fn selector_payload(s: &TrafficSelector) -> IdPayload {
    let (id_type, data) = if s.start == s.end {
        (IdType::IPV4_ADDR, s.start.octets().to_vec())
    } else if let Some((a, m)) = s.as_subnet() {
        let mut d = a.octets().to_vec();
        d.extend_from_slice(&m.octets());
        (IdType::IPV4_ADDR_SUBNET, d)
    } else {
        let mut d = s.start.octets().to_vec();
        d.extend_from_slice(&s.end.octets());
        (IdType::IPV4_ADDR_RANGE, d)
    };
    IdPayload {
        id_type,
        protocol: s.protocol,
        port: s.port,
        data,
    }
}

/// Reads a Quick Mode client identity.
pub(crate) fn parse_selector(id: &IdPayload) -> Result<TrafficSelector, Error> {
    let quad = |b: &[u8]| -> Result<Ipv4Addr, Error> {
        let o: [u8; 4] = b.try_into().map_err(|_| {
            Error::PeerMisbehaved(PeerMisbehaved::InvalidIdInformation("identification data"))
        })?;
        Ok(Ipv4Addr::from(o))
    };
    let (start, end) = match id.id_type {
        IdType::IPV4_ADDR => {
            let a = quad(&id.data)?;
            (a, a)
        }
        IdType::IPV4_ADDR_SUBNET => {
            let a = u32::from(quad(id.data.get(..4).unwrap_or_default())?);
            let m = u32::from(quad(id.data.get(4..).unwrap_or_default())?);
            (Ipv4Addr::from(a & m), Ipv4Addr::from(a | !m))
        }
        IdType::IPV4_ADDR_RANGE => {
            let a = quad(id.data.get(..4).unwrap_or_default())?;
            let b = quad(id.data.get(4..).unwrap_or_default())?;
            if u32::from(a) > u32::from(b) {
                return Err(Error::PeerMisbehaved(PeerMisbehaved::InvalidIdInformation(
                    "identification data",
                )));
            }
            (a, b)
        }
        _ => {
            return Err(Error::PeerMisbehaved(PeerMisbehaved::InvalidIdInformation(
                "identification data",
            )));
        }
    };
    Ok(TrafficSelector {
        start,
        end,
        protocol: id.protocol,
        port: id.port,
    })
}
