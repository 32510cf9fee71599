//! The Identification payload (RFC 2408 section 3.8, IPsec DOI form of
//! RFC 2407 section 4.6.2).
//!
//! ```text
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ! Next Payload  !   RESERVED    !        Payload Length         !
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! !   ID Type     !  Protocol ID  !             Port              !
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ~                     Identification Data                       ~
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! The address types must carry exactly their address length (4, 8, 16 or
//! 32 bytes), otherwise parse fails with INVALID-ID-INFORMATION. The other
//! types (names, DER, KEY_ID, unknown types) are opaque bytes; whether they
//! are acceptable is policy.

use core::net::{Ipv4Addr, Ipv6Addr};

use super::MAX_BODY_LEN;
use super::codec::{Reader, Writer, check_emit_len, emit_atomic};
use super::enums::IdType;
use crate::error::{Error, InvalidMessage};

/// An ID payload body.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdPayload {
    /// The ID type.
    pub id_type: IdType,
    /// IP protocol (17 = UDP for a phase 1 ID from port 500; 0 = any).
    pub protocol: u8,
    /// Port (500 or 0 in phase 1).
    pub port: u16,
    /// The identification data, in the type's format.
    pub data: Vec<u8>,
}

/// The identification data read according to its type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IdValue<'a> {
    /// ID_IPV4_ADDR.
    Ipv4Addr(Ipv4Addr),
    /// ID_IPV4_ADDR_SUBNET: address and mask.
    Ipv4Subnet(Ipv4Addr, Ipv4Addr),
    /// ID_IPV4_ADDR_RANGE: first and last address.
    Ipv4Range(Ipv4Addr, Ipv4Addr),
    /// ID_IPV6_ADDR.
    Ipv6Addr(Ipv6Addr),
    /// ID_IPV6_ADDR_SUBNET: address and mask.
    Ipv6Subnet(Ipv6Addr, Ipv6Addr),
    /// ID_IPV6_ADDR_RANGE: first and last address.
    Ipv6Range(Ipv6Addr, Ipv6Addr),
    /// ID_FQDN (bytes as sent; usually ASCII).
    Fqdn(&'a [u8]),
    /// ID_USER_FQDN.
    UserFqdn(&'a [u8]),
    /// ID_DER_ASN1_DN.
    DerAsn1Dn(&'a [u8]),
    /// ID_DER_ASN1_GN.
    DerAsn1Gn(&'a [u8]),
    /// ID_KEY_ID (Cisco VPN client: the group name).
    KeyId(&'a [u8]),
    /// Any other type.
    Other(IdType, &'a [u8]),
}

/// Address length each address type requires.
fn address_len(t: IdType) -> Option<usize> {
    match t {
        IdType::IPV4_ADDR => Some(4),
        IdType::IPV4_ADDR_SUBNET | IdType::IPV4_ADDR_RANGE => Some(8),
        IdType::IPV6_ADDR => Some(16),
        IdType::IPV6_ADDR_SUBNET | IdType::IPV6_ADDR_RANGE => Some(32),
        _ => None,
    }
}

fn v4(b: &[u8]) -> Option<Ipv4Addr> {
    <[u8; 4]>::try_from(b).ok().map(Ipv4Addr::from)
}

fn v6(b: &[u8]) -> Option<Ipv6Addr> {
    <[u8; 16]>::try_from(b).ok().map(Ipv6Addr::from)
}

fn pair<T>(b: &[u8], n: usize, f: fn(&[u8]) -> Option<T>) -> Option<(T, T)> {
    let (a, c) = b.split_at_checked(n)?;
    Some((f(a)?, f(c)?))
}

impl IdPayload {
    /// ID_IPV4_ADDR.
    pub fn ipv4(addr: Ipv4Addr, protocol: u8, port: u16) -> Self {
        Self {
            id_type: IdType::IPV4_ADDR,
            protocol,
            port,
            data: addr.octets().to_vec(),
        }
    }

    /// ID_IPV4_ADDR_SUBNET.
    pub fn ipv4_subnet(addr: Ipv4Addr, mask: Ipv4Addr, protocol: u8, port: u16) -> Self {
        let mut data = addr.octets().to_vec();
        data.extend_from_slice(&mask.octets());
        Self {
            id_type: IdType::IPV4_ADDR_SUBNET,
            protocol,
            port,
            data,
        }
    }

    /// ID_IPV4_ADDR_RANGE.
    pub fn ipv4_range(first: Ipv4Addr, last: Ipv4Addr, protocol: u8, port: u16) -> Self {
        let mut data = first.octets().to_vec();
        data.extend_from_slice(&last.octets());
        Self {
            id_type: IdType::IPV4_ADDR_RANGE,
            protocol,
            port,
            data,
        }
    }

    /// ID_IPV6_ADDR.
    pub fn ipv6(addr: Ipv6Addr, protocol: u8, port: u16) -> Self {
        Self {
            id_type: IdType::IPV6_ADDR,
            protocol,
            port,
            data: addr.octets().to_vec(),
        }
    }

    /// ID_FQDN.
    pub fn fqdn(name: &str, protocol: u8, port: u16) -> Self {
        Self::opaque(IdType::FQDN, name.as_bytes(), protocol, port)
    }

    /// ID_USER_FQDN.
    pub fn user_fqdn(name: &str, protocol: u8, port: u16) -> Self {
        Self::opaque(IdType::USER_FQDN, name.as_bytes(), protocol, port)
    }

    /// ID_KEY_ID (the Cisco VPN client's group name).
    pub fn key_id(key: &[u8], protocol: u8, port: u16) -> Self {
        Self::opaque(IdType::KEY_ID, key, protocol, port)
    }

    fn opaque(id_type: IdType, data: &[u8], protocol: u8, port: u16) -> Self {
        Self {
            id_type,
            protocol,
            port,
            data: data.to_vec(),
        }
    }

    /// The data read according to the ID type. Address types whose data
    /// has the wrong length (only possible for a hand-built value) come back
    /// as [`IdValue::Other`].
    pub fn value(&self) -> IdValue<'_> {
        let d = self.data.as_slice();
        let typed = match self.id_type {
            IdType::IPV4_ADDR => v4(d).map(IdValue::Ipv4Addr),
            IdType::IPV4_ADDR_SUBNET => pair(d, 4, v4).map(|(a, m)| IdValue::Ipv4Subnet(a, m)),
            IdType::IPV4_ADDR_RANGE => pair(d, 4, v4).map(|(a, b)| IdValue::Ipv4Range(a, b)),
            IdType::IPV6_ADDR => v6(d).map(IdValue::Ipv6Addr),
            IdType::IPV6_ADDR_SUBNET => pair(d, 16, v6).map(|(a, m)| IdValue::Ipv6Subnet(a, m)),
            IdType::IPV6_ADDR_RANGE => pair(d, 16, v6).map(|(a, b)| IdValue::Ipv6Range(a, b)),
            IdType::FQDN => Some(IdValue::Fqdn(d)),
            IdType::USER_FQDN => Some(IdValue::UserFqdn(d)),
            IdType::DER_ASN1_DN => Some(IdValue::DerAsn1Dn(d)),
            IdType::DER_ASN1_GN => Some(IdValue::DerAsn1Gn(d)),
            IdType::KEY_ID => Some(IdValue::KeyId(d)),
            _ => None,
        };
        typed.unwrap_or(IdValue::Other(self.id_type, d))
    }

    /// The address of an ID_IPV4_ADDR.
    pub fn ipv4_addr(&self) -> Option<Ipv4Addr> {
        match self.value() {
            IdValue::Ipv4Addr(a) => Some(a),
            _ => None,
        }
    }

    /// Address and mask of an ID_IPV4_ADDR_SUBNET.
    pub fn ipv4_subnet_value(&self) -> Option<(Ipv4Addr, Ipv4Addr)> {
        match self.value() {
            IdValue::Ipv4Subnet(a, m) => Some((a, m)),
            _ => None,
        }
    }

    /// First and last address of an ID_IPV4_ADDR_RANGE.
    pub fn ipv4_range_value(&self) -> Option<(Ipv4Addr, Ipv4Addr)> {
        match self.value() {
            IdValue::Ipv4Range(a, b) => Some((a, b)),
            _ => None,
        }
    }

    /// The name of an ID_FQDN, if it is UTF-8.
    pub fn fqdn_value(&self) -> Option<&str> {
        match self.value() {
            IdValue::Fqdn(n) => core::str::from_utf8(n).ok(),
            _ => None,
        }
    }

    /// The name of an ID_USER_FQDN, if it is UTF-8.
    pub fn user_fqdn_value(&self) -> Option<&str> {
        match self.value() {
            IdValue::UserFqdn(n) => core::str::from_utf8(n).ok(),
            _ => None,
        }
    }

    /// The bytes of an ID_KEY_ID.
    pub fn key_id_value(&self) -> Option<&[u8]> {
        match self.value() {
            IdValue::KeyId(k) => Some(k),
            _ => None,
        }
    }

    /// Parses the payload body (after the generic payload header).
    pub fn parse(body: &[u8]) -> Result<Self, Error> {
        let mut r = Reader::new(body, "ID payload");
        let id_type = IdType(r.u8()?);
        let protocol = r.u8()?;
        let port = r.u16()?;
        let data = r.rest();
        if let Some(expected) = address_len(id_type) {
            if data.len() != expected {
                return Err(InvalidMessage::InvalidIdentification {
                    what: id_type.name().unwrap_or("ID address"),
                    got: data.len(),
                    expected,
                }
                .into());
            }
        }
        Ok(Self {
            id_type,
            protocol,
            port,
            data: data.to_vec(),
        })
    }

    /// Appends the payload body.
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        emit_atomic(out, |w| self.write(w))
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>) -> Result<(), Error> {
        match address_len(self.id_type) {
            Some(n) => check_emit_len(self.data.len(), n, n, "ID address")?,
            None => check_emit_len(self.data.len(), 0, MAX_BODY_LEN - 4, "ID data")?,
        }
        w.u8(self.id_type.0);
        w.u8(self.protocol);
        w.u16(self.port);
        w.bytes(&self.data);
        Ok(())
    }

    /// Bytes [`IdPayload::emit`] writes (without the generic header).
    pub fn buffer_len(&self) -> usize {
        4usize.saturating_add(self.data.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::NotifyType;

    #[test]
    fn seed_ipv4_id() {
        // "ID payload: type 1, address 10.100.2.102, protocol 17, port 500,
        // length 12" (hub debug, spoke's MM5)
        let body = [0x01, 0x11, 0x01, 0xf4, 10, 100, 2, 102];
        let p = IdPayload::parse(&body).unwrap();
        assert_eq!(p, IdPayload::ipv4(Ipv4Addr::new(10, 100, 2, 102), 17, 500));
        assert_eq!(p.ipv4_addr(), Some(Ipv4Addr::new(10, 100, 2, 102)));
        assert_eq!(p.buffer_len() + 4, 12);
        let mut out = Vec::new();
        p.emit(&mut out).unwrap();
        assert_eq!(out, body);
    }

    #[test]
    fn seed_key_id() {
        // "type 11, group id testgroup, protocol 17, port 500, length 17"
        let mut body = vec![0x0b, 0x11, 0x01, 0xf4];
        body.extend_from_slice(b"testgroup");
        let p = IdPayload::parse(&body).unwrap();
        assert_eq!(p.key_id_value(), Some(&b"testgroup"[..]));
        assert_eq!(p.buffer_len() + 4, 17);
        assert_eq!(p, IdPayload::key_id(b"testgroup", 17, 500));
    }

    #[test]
    fn every_type_has_a_typed_value() {
        let a = Ipv4Addr::new(10, 2, 2, 0);
        let m = Ipv4Addr::new(255, 255, 255, 0);
        let s = IdPayload::ipv4_subnet(a, m, 0, 0);
        assert_eq!(s.ipv4_subnet_value(), Some((a, m)));
        let r = IdPayload::ipv4_range(a, m, 0, 0);
        assert_eq!(r.ipv4_range_value(), Some((a, m)));
        let v6 = IdPayload::ipv6(Ipv6Addr::LOCALHOST, 0, 0);
        assert_eq!(v6.value(), IdValue::Ipv6Addr(Ipv6Addr::LOCALHOST));
        let mut sub6 = IdPayload::ipv6(Ipv6Addr::LOCALHOST, 0, 0);
        sub6.id_type = IdType::IPV6_ADDR_SUBNET;
        sub6.data.extend_from_slice(&[0xff; 16]);
        assert!(matches!(sub6.value(), IdValue::Ipv6Subnet(..)));
        sub6.id_type = IdType::IPV6_ADDR_RANGE;
        assert!(matches!(sub6.value(), IdValue::Ipv6Range(..)));
        assert_eq!(
            IdPayload::fqdn("hub.example", 17, 500).fqdn_value(),
            Some("hub.example")
        );
        assert_eq!(
            IdPayload::user_fqdn("a@example", 17, 500).user_fqdn_value(),
            Some("a@example")
        );
        for (t, want) in [
            (IdType::DER_ASN1_DN, IdValue::DerAsn1Dn(&[0x30][..])),
            (IdType::DER_ASN1_GN, IdValue::DerAsn1Gn(&[0x30][..])),
            (IdType(99), IdValue::Other(IdType(99), &[0x30][..])),
        ] {
            let p = IdPayload::opaque(t, &[0x30], 0, 0);
            assert_eq!(p.value(), want);
            let mut out = Vec::new();
            p.emit(&mut out).unwrap();
            assert_eq!(IdPayload::parse(&out).unwrap(), p);
        }
    }

    #[test]
    fn address_lengths_are_checked() {
        let body = [0x01, 0x11, 0x01, 0xf4, 10, 100, 2];
        let e = IdPayload::parse(&body).unwrap_err();
        assert_eq!(e.notify(), Some(NotifyType::INVALID_ID_INFORMATION));
        let body = [0x04, 0, 0, 0, 10, 100, 2, 0, 255, 255, 255, 0, 1];
        assert!(IdPayload::parse(&body).is_err());
        let mut bad = IdPayload::ipv4(Ipv4Addr::LOCALHOST, 0, 0);
        bad.data.push(0);
        assert!(bad.emit(&mut Vec::new()).is_err());
    }

    #[test]
    fn truncated() {
        let body = [0x01, 0x11, 0x01, 0xf4, 10, 100, 2, 102];
        for n in 0..body.len() {
            assert!(IdPayload::parse(&body[..n]).is_err(), "{n}");
        }
    }
}
