//! A stand-in for the hosts of the inside LAN when there is no TUN device:
//! it answers ICMP echo requests and UDP echo (port 7, RFC 862) addressed to
//! any address of the LAN.

use etherparse::{IcmpEchoHeader, Icmpv4Type, IpNumber};

use crate::net::Ipv4Net;
use crate::packet::{self, Ipv4};

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
        let Ok(ip) = packet::ipv4(packet) else {
            self.counters.malformed += 1;
            return None;
        };
        if !self.lan.contains(ip.header.destination_addr()) || ip.header.is_fragmenting_payload() {
            self.counters.ignored += 1;
            return None;
        }
        match ip.header.protocol() {
            IpNumber::ICMP => self.icmp_reply(&ip),
            IpNumber::UDP => self.udp_reply(&ip),
            _ => {
                self.counters.ignored += 1;
                None
            }
        }
    }

    fn icmp_reply(&mut self, ip: &Ipv4<'_>) -> Option<Vec<u8>> {
        let Ok(m) = packet::icmpv4(ip.payload) else {
            self.counters.malformed += 1;
            return None;
        };
        let Icmpv4Type::EchoRequest(IcmpEchoHeader { id, seq }) = m.icmp_type() else {
            self.counters.ignored += 1;
            return None;
        };
        self.counters.icmp_echoed += 1;
        let mut reply = Vec::new();
        self.reply_to(ip)
            .icmpv4_echo_reply(id, seq)
            .write_to_vec(&mut reply, m.payload())
            .ok()?;
        Some(reply)
    }

    fn udp_reply(&mut self, ip: &Ipv4<'_>) -> Option<Vec<u8>> {
        let (src, dst) = (ip.header.source_addr(), ip.header.destination_addr());
        let Ok(u) = packet::udp(ip.payload, src, dst) else {
            self.counters.malformed += 1;
            return None;
        };
        if u.destination_port() != ECHO_PORT {
            self.counters.ignored += 1;
            return None;
        }
        self.counters.udp_echoed += 1;
        let mut reply = Vec::new();
        self.reply_to(ip)
            .udp(ECHO_PORT, u.source_port())
            .write_to_vec(&mut reply, u.payload())
            .ok()?;
        Some(reply)
    }

    /// The IPv4 header of the answer to `ip`. (The answer is no longer than
    /// the request, so it fits.)
    fn reply_to(&mut self, ip: &Ipv4<'_>) -> etherparse::PacketBuilderStep<etherparse::IpHeaders> {
        let ident = self.take_ident();
        packet::ipv4_builder(ip.header.destination_addr(), ip.header.source_addr(), ident)
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

    fn ping(src: Ipv4Addr, dst: Ipv4Addr, ty: Icmpv4Type, data: &[u8]) -> Vec<u8> {
        let mut p = Vec::new();
        packet::ipv4_builder(src, dst, 99)
            .icmpv4(ty)
            .write_to_vec(&mut p, data)
            .unwrap();
        p
    }

    fn udp(src: Ipv4Addr, dst: Ipv4Addr, dport: u16, data: &[u8]) -> Vec<u8> {
        let mut p = Vec::new();
        packet::ipv4_builder(src, dst, 99)
            .udp(40000, dport)
            .write_to_vec(&mut p, data)
            .unwrap();
        p
    }

    const ECHO: IcmpEchoHeader = IcmpEchoHeader { id: 7, seq: 3 };

    #[test]
    fn answers_ping_to_the_lan() {
        let mut echo = hub_lan();
        let spoke = Ipv4Addr::new(10, 2, 2, 2);
        let hub = Ipv4Addr::new(10, 1, 1, 1);
        let req = ping(spoke, hub, Icmpv4Type::EchoRequest(ECHO), b"abc");
        let rep = echo.answer(&req).unwrap();
        let ip = packet::ipv4(&rep).unwrap();
        let h = &ip.header;
        assert_eq!(
            (h.source_addr(), h.destination_addr(), h.protocol(), h.ttl()),
            (hub, spoke, IpNumber::ICMP, 64)
        );
        assert_eq!((h.identification(), h.dont_fragment()), (1, true));
        let m = packet::icmpv4(ip.payload).unwrap();
        assert_eq!(
            (m.icmp_type(), m.payload()),
            (Icmpv4Type::EchoReply(ECHO), &b"abc"[..])
        );
        assert_eq!(echo.counters().icmp_echoed, 1);
        let again = echo.answer(&req).unwrap();
        assert_eq!(
            packet::ipv4(&again).unwrap().header.identification(),
            2,
            "one identification per reply"
        );
    }

    #[test]
    fn echoes_udp_port_7() {
        let mut echo = hub_lan();
        let src = Ipv4Addr::new(10, 2, 2, 9);
        let dst = Ipv4Addr::new(10, 1, 0, 20);
        let rep = echo.answer(&udp(src, dst, ECHO_PORT, b"ping?")).unwrap();
        let ip = packet::ipv4(&rep).unwrap();
        let (rsrc, rdst) = (ip.header.source_addr(), ip.header.destination_addr());
        assert_eq!(
            (rsrc, rdst, ip.header.protocol()),
            (dst, src, IpNumber::UDP)
        );
        let u = packet::udp(ip.payload, rsrc, rdst).unwrap();
        assert_eq!(
            (u.source_port(), u.destination_port(), u.payload()),
            (ECHO_PORT, 40000, &b"ping?"[..])
        );
        assert_eq!(echo.counters().udp_echoed, 1);
    }

    #[test]
    fn ignores_what_is_not_for_it() {
        let mut echo = hub_lan();
        let src = Ipv4Addr::new(10, 2, 2, 2);
        let off_lan = Ipv4Addr::new(10, 1, 2, 1);
        let lan = Ipv4Addr::new(10, 1, 1, 1);
        let request = Icmpv4Type::EchoRequest(ECHO);
        assert!(echo.answer(&ping(src, off_lan, request, b"")).is_none());
        let reply = Icmpv4Type::EchoReply(ECHO);
        assert!(echo.answer(&ping(src, lan, reply, b"")).is_none());
        assert!(echo.answer(&udp(src, lan, 9, b"x")).is_none());
        assert_eq!(echo.counters().ignored, 3);
        assert!(echo.answer(&[0x45, 0, 0]).is_none());
        let mut bad_udp_sum = udp(src, lan, ECHO_PORT, b"x");
        bad_udp_sum[28] ^= 1;
        assert!(echo.answer(&bad_udp_sum).is_none());
        assert_eq!(echo.counters().malformed, 2);
        assert_eq!(echo.counters().udp_echoed, 0);
    }
}
