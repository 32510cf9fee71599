//! A stand-in for the hosts of the inside LAN when there is no TUN device:
//! it answers ICMP echo requests and UDP echo (port 7, RFC 862) addressed to
//! any address of the LAN.

use crate::net::Ipv4Net;
use crate::packet::ipv4::{Ipv4Packet, Ipv4Repr, PROTO_ICMP, PROTO_UDP};
use crate::packet::{icmp, udp};

/// The UDP echo port.
pub const ECHO_PORT: u16 = 7;

/// What the responder has done, for the report at exit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EchoCounters {
    /// ICMP echo requests answered.
    pub icmp_echoed: u64,
    /// UDP datagrams echoed.
    pub udp_echoed: u64,
    /// Packets that were not for us or not echo requests.
    pub ignored: u64,
    /// Packets that failed their length or checksum checks.
    pub malformed: u64,
}

/// The responder for one LAN.
#[derive(Clone, Debug)]
pub struct InsideEcho {
    lan: Ipv4Net,
    next_ident: u16,
    counters: EchoCounters,
}

impl InsideEcho {
    /// A responder for the addresses of `lan`.
    pub fn new(lan: Ipv4Net) -> Self {
        Self {
            lan,
            next_ident: 1,
            counters: EchoCounters::default(),
        }
    }

    /// The LAN it answers for.
    pub fn lan(&self) -> Ipv4Net {
        self.lan
    }

    /// Counters so far.
    pub fn counters(&self) -> EchoCounters {
        self.counters
    }

    /// The answer to an inner packet that came out of the tunnel, if any.
    pub fn answer(&mut self, packet: &[u8]) -> Option<Vec<u8>> {
        let ip = match Ipv4Packet::new_checked(packet) {
            Ok(ip) => ip,
            Err(_) => {
                self.counters.malformed += 1;
                return None;
            }
        };
        if !self.lan.contains(ip.dst()) || ip.is_fragment() {
            self.counters.ignored += 1;
            return None;
        }
        let reply_payload = match ip.protocol() {
            PROTO_ICMP => self.icmp_reply(ip.payload())?,
            PROTO_UDP => self.udp_reply(&ip)?,
            _ => {
                self.counters.ignored += 1;
                return None;
            }
        };
        let repr = Ipv4Repr {
            src: ip.dst(),
            dst: ip.src(),
            protocol: ip.protocol(),
            ttl: 64,
            ident: self.take_ident(),
        };
        // The reply is no longer than the request, so it fits.
        repr.emit(&reply_payload).ok()
    }

    fn icmp_reply(&mut self, payload: &[u8]) -> Option<Vec<u8>> {
        let Ok(m) = icmp::IcmpPacket::new_checked(payload) else {
            self.counters.malformed += 1;
            return None;
        };
        if m.ty() != icmp::ECHO_REQUEST || m.code() != 0 {
            self.counters.ignored += 1;
            return None;
        }
        self.counters.icmp_echoed += 1;
        Some(icmp::echo(
            icmp::ECHO_REPLY,
            m.echo_ident(),
            m.echo_seq(),
            m.data(),
        ))
    }

    fn udp_reply(&mut self, ip: &Ipv4Packet<'_>) -> Option<Vec<u8>> {
        let Ok(u) = udp::UdpDatagram::new_checked(ip.payload(), ip.src(), ip.dst()) else {
            self.counters.malformed += 1;
            return None;
        };
        if u.dst_port() != ECHO_PORT {
            self.counters.ignored += 1;
            return None;
        }
        self.counters.udp_echoed += 1;
        udp::build(ip.dst(), ECHO_PORT, ip.src(), u.src_port(), u.data()).ok()
    }

    fn take_ident(&mut self) -> u16 {
        let id = self.next_ident;
        self.next_ident = self.next_ident.wrapping_add(1);
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn hub_lan() -> InsideEcho {
        InsideEcho::new(Ipv4Net {
            addr: Ipv4Addr::new(10, 1, 1, 1),
            mask: Ipv4Addr::new(255, 255, 254, 0),
        })
    }

    fn request(src: Ipv4Addr, dst: Ipv4Addr, proto: u8, payload: &[u8]) -> Vec<u8> {
        Ipv4Repr {
            src,
            dst,
            protocol: proto,
            ttl: 64,
            ident: 99,
        }
        .emit(payload)
        .unwrap()
    }

    #[test]
    fn answers_ping_to_the_lan() {
        let mut echo = hub_lan();
        let spoke = Ipv4Addr::new(10, 2, 2, 2);
        let hub = Ipv4Addr::new(10, 1, 1, 1);
        let req = request(
            spoke,
            hub,
            PROTO_ICMP,
            &icmp::echo(icmp::ECHO_REQUEST, 7, 3, b"abc"),
        );
        let rep = echo.answer(&req).unwrap();
        let ip = Ipv4Packet::new_checked(&rep).unwrap();
        assert_eq!(
            (ip.src(), ip.dst(), ip.protocol()),
            (hub, spoke, PROTO_ICMP)
        );
        assert_eq!(ip.payload(), icmp::echo(icmp::ECHO_REPLY, 7, 3, b"abc"));
        assert_eq!(echo.counters().icmp_echoed, 1);
    }

    #[test]
    fn echoes_udp_port_7() {
        let mut echo = hub_lan();
        let src = Ipv4Addr::new(10, 2, 2, 9);
        let dst = Ipv4Addr::new(10, 1, 0, 20);
        let d = udp::build(src, 40000, dst, ECHO_PORT, b"ping?").unwrap();
        let rep = echo.answer(&request(src, dst, PROTO_UDP, &d)).unwrap();
        let ip = Ipv4Packet::new_checked(&rep).unwrap();
        let u = udp::UdpDatagram::new_checked(ip.payload(), ip.src(), ip.dst()).unwrap();
        assert_eq!(
            (u.src_port(), u.dst_port(), u.data()),
            (ECHO_PORT, 40000, &b"ping?"[..])
        );
        assert_eq!(echo.counters().udp_echoed, 1);
    }

    #[test]
    fn ignores_what_is_not_for_it() {
        let mut echo = hub_lan();
        let src = Ipv4Addr::new(10, 2, 2, 2);
        let off_lan = Ipv4Addr::new(10, 1, 2, 1);
        let ping = icmp::echo(icmp::ECHO_REQUEST, 1, 1, b"");
        assert!(
            echo.answer(&request(src, off_lan, PROTO_ICMP, &ping))
                .is_none()
        );
        let reply = icmp::echo(icmp::ECHO_REPLY, 1, 1, b"");
        let lan = Ipv4Addr::new(10, 1, 1, 1);
        assert!(
            echo.answer(&request(src, lan, PROTO_ICMP, &reply))
                .is_none()
        );
        let d = udp::build(src, 1, lan, 9, b"x").unwrap();
        assert!(echo.answer(&request(src, lan, PROTO_UDP, &d)).is_none());
        assert_eq!(echo.counters().ignored, 3);
        assert!(echo.answer(&[0x45, 0, 0]).is_none());
        assert_eq!(echo.counters().malformed, 1);
    }
}
