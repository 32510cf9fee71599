//! The NAT Original Address payload (RFC 3947 section 5.2), under its RFC
//! number (21) or its draft number (131).
//!
//! ```text
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ! Next Payload  !   RESERVED    !        Payload length         !
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! !    ID Type    !   RESERVED    !            RESERVED           !
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! !         IPv4 (4 octets) or IPv6 address (16 octets)           !
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::codec::{Reader, Writer, emit_atomic};
use super::enums::{IdType, PayloadType};
use super::nat_d::NatTNumbering;
use crate::error::{Error, InvalidMessage};

/// A NAT-OA payload body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NatOaPayload {
    /// The payload number it is sent under.
    pub numbering: NatTNumbering,
    /// The original address (ID type IPV4_ADDR or IPV6_ADDR on the wire).
    pub address: IpAddr,
}

impl NatOaPayload {
    /// The payload type it is sent under.
    pub fn payload_type(&self) -> PayloadType {
        match self.numbering {
            NatTNumbering::Rfc3947 => PayloadType::NAT_OA,
            NatTNumbering::Draft => PayloadType::NAT_OA_DRAFT,
        }
    }

    /// Parses the payload body (after the generic payload header).
    pub fn parse(numbering: NatTNumbering, body: &[u8]) -> Result<Self, Error> {
        let mut r = Reader::new(body, "NAT-OA payload");
        let id_type = IdType(r.u8()?);
        r.reserved(3)?;
        let address = match id_type {
            IdType::IPV4_ADDR => IpAddr::V4(Ipv4Addr::from(r.array::<4>()?)),
            IdType::IPV6_ADDR => IpAddr::V6(Ipv6Addr::from(r.array::<16>()?)),
            other => {
                return Err(InvalidMessage::InvalidValue {
                    what: "NAT-OA ID type",
                    got: u32::from(other.0),
                }
                .into());
            }
        };
        r.finish()?;
        Ok(Self { numbering, address })
    }

    /// Appends the payload body.
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        emit_atomic(out, |w| self.write(w))
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>) -> Result<(), Error> {
        match self.address {
            IpAddr::V4(a) => {
                w.u8(IdType::IPV4_ADDR.0);
                w.zeros(3);
                w.bytes(&a.octets());
            }
            IpAddr::V6(a) => {
                w.u8(IdType::IPV6_ADDR.0);
                w.zeros(3);
                w.bytes(&a.octets());
            }
        }
        Ok(())
    }

    /// Bytes [`NatOaPayload::emit`] writes (without the generic header).
    pub fn buffer_len(&self) -> usize {
        match self.address {
            IpAddr::V4(_) => 8,
            IpAddr::V6(_) => 20,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn construct_parse_emit_truncated() {
        let body = [1, 0, 0, 0, 192, 168, 1, 10];
        let p = NatOaPayload::parse(NatTNumbering::Rfc3947, &body).unwrap();
        assert_eq!(p.address, IpAddr::V4(Ipv4Addr::new(192, 168, 1, 10)));
        assert_eq!(p.payload_type(), PayloadType::NAT_OA);
        let mut out = Vec::new();
        p.emit(&mut out).unwrap();
        assert_eq!(out, body);
        assert_eq!(p.buffer_len(), 8);
        for n in 0..body.len() {
            assert!(NatOaPayload::parse(NatTNumbering::Rfc3947, &body[..n]).is_err());
        }
        let mut b = body;
        b[0] = 2;
        assert!(NatOaPayload::parse(NatTNumbering::Rfc3947, &b).is_err());
        let mut b = body;
        b[2] = 2;
        assert!(NatOaPayload::parse(NatTNumbering::Rfc3947, &b).is_err());
        let v6 = NatOaPayload {
            numbering: NatTNumbering::Draft,
            address: IpAddr::V6(Ipv6Addr::LOCALHOST),
        };
        let mut out = Vec::new();
        v6.emit(&mut out).unwrap();
        assert_eq!(NatOaPayload::parse(NatTNumbering::Draft, &out).unwrap(), v6);
    }
}
