//! Numbered and named access lists.

use std::net::Ipv4Addr;

use super::{Mode, Parser};
use crate::ios::error::one_of_or_end;
use crate::ios::lexer::{Cursor, Result, Tok, parse_decimal};
use crate::model::*;

impl Parser {
    pub(super) fn numbered_acl(&mut self, c: &mut Cursor<'_, '_>) -> Result<()> {
        let line_no = c.line_number();
        let num_tok = c.peek();
        let n = c.number(1, 2699)?;
        let kind = match n {
            1..=99 | 1300..=1999 => AclKind::Standard,
            100..=199 | 2000..=2699 => AclKind::Extended,
            _ => {
                let t = num_tok.unwrap_or(Tok {
                    text: "",
                    column: 1,
                });
                return Err(c.expected_at(t, "an access list number (1-199, 1300-2699)"));
            }
        };
        let action = match c.keyword(&["permit", "deny", "remark"])? {
            "remark" => return Ok(()),
            "permit" => AclAction::Permit,
            _ => AclAction::Deny,
        };
        let entry = acl_entry(action, kind, c)?;
        let name = n.to_string();
        let idx =
            self.seen
                .access_lists
                .find_or_push(&mut self.cfg.access_lists, name.clone(), || AccessList {
                    name: name.clone(),
                    kind,
                    entries: Vec::new(),
                    line: line_no,
                });
        self.cfg.access_lists[idx].entries.push(entry);
        Ok(())
    }

    pub(super) fn named_acl(&mut self, c: &mut Cursor<'_, '_>) -> Result<()> {
        let line_no = c.line_number();
        let kind = match c.keyword(&["standard", "extended"])? {
            "standard" => AclKind::Standard,
            _ => AclKind::Extended,
        };
        let name = c.word("an access list name")?;
        c.end()?;
        let idx = self.seen.access_lists.find_or_push(
            &mut self.cfg.access_lists,
            name.text.to_string(),
            || AccessList {
                name: name.text.to_string(),
                kind,
                entries: Vec::new(),
                line: line_no,
            },
        );
        self.mode = Mode::NamedAcl(idx);
        Ok(())
    }
}

pub(super) const PROTOCOLS: &[(&str, u8)] = &[
    ("icmp", 1),
    ("igmp", 2),
    ("ipinip", 4),
    ("tcp", 6),
    ("udp", 17),
    ("gre", 47),
    ("esp", 50),
    ("ahp", 51),
    ("eigrp", 88),
    ("ospf", 89),
    ("nos", 94),
    ("pim", 103),
    ("pcp", 108),
];

pub(super) const PORTS: &[(&str, u16)] = &[
    ("ftp-data", 20),
    ("ftp", 21),
    ("ssh", 22),
    ("telnet", 23),
    ("smtp", 25),
    ("domain", 53),
    ("bootps", 67),
    ("bootpc", 68),
    ("tftp", 69),
    ("www", 80),
    ("pop3", 110),
    ("ntp", 123),
    ("snmp", 161),
    ("snmptrap", 162),
    ("bgp", 179),
    ("isakmp", 500),
    ("syslog", 514),
    ("non500-isakmp", 4500),
];

pub(super) const ICMP_TYPES: &[(&str, u8)] = &[
    ("echo-reply", 0),
    ("unreachable", 3),
    ("source-quench", 4),
    ("redirect", 5),
    ("echo", 8),
    ("time-exceeded", 11),
    ("parameter-problem", 12),
    ("timestamp-request", 13),
    ("timestamp-reply", 14),
];

pub(super) fn named<T: Copy>(table: &[(&'static str, T)], tok: &str) -> Option<T> {
    table
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(tok))
        .map(|&(_, v)| v)
}

pub(super) fn acl_protocol(c: &mut Cursor<'_, '_>) -> Result<AclProtocol> {
    let tok = c.peek();
    let p = tok.and_then(|t| {
        if t.text.eq_ignore_ascii_case("ip") {
            Some(AclProtocol::Ip)
        } else if let Some(n) = named(PROTOCOLS, t.text) {
            Some(AclProtocol::from_number(n))
        } else {
            parse_decimal(t.text)
                .filter(|n| *n <= 255)
                .map(|n| AclProtocol::from_number(n as u8))
        }
    });
    match p {
        Some(p) => {
            c.advance();
            Ok(p)
        }
        None => {
            Err(c.expected("a protocol ('ip', 'tcp', 'udp', 'icmp', a name or a number 0-255)"))
        }
    }
}

/// `any`, `host A`, or `A W` (`A [W]` in a standard list).
pub(super) fn acl_address(
    c: &mut Cursor<'_, '_>,
    wildcard_optional: bool,
) -> Result<AddressWildcard> {
    if c.opt_keyword(&["any"]).is_some() {
        return Ok(AddressWildcard::any());
    }
    if c.opt_keyword(&["host"]).is_some() {
        return Ok(AddressWildcard::host(c.ipv4("an IPv4 address")?));
    }
    let a = c.ipv4("'any', 'host' or an IPv4 address")?;
    let w = if wildcard_optional {
        c.opt_ipv4().unwrap_or(Ipv4Addr::UNSPECIFIED)
    } else {
        c.ipv4("a wildcard mask")?
    };
    Ok(AddressWildcard::new(a, w))
}

pub(super) fn port(c: &mut Cursor<'_, '_>) -> Result<u16> {
    let p = c.peek().and_then(|t| {
        named(PORTS, t.text).or_else(|| {
            parse_decimal(t.text)
                .filter(|n| *n <= 65535)
                .map(|n| n as u16)
        })
    });
    match p {
        Some(p) => {
            c.advance();
            Ok(p)
        }
        None => Err(c.expected("a port number or name")),
    }
}

pub(super) fn port_match(c: &mut Cursor<'_, '_>) -> Result<Option<PortMatch>> {
    let Some(op) = c.opt_keyword(&["eq", "neq", "lt", "gt", "range"]) else {
        return Ok(None);
    };
    Ok(Some(match op {
        "eq" => PortMatch::Eq(port(c)?),
        "neq" => PortMatch::Neq(port(c)?),
        "lt" => PortMatch::Lt(port(c)?),
        "gt" => PortMatch::Gt(port(c)?),
        _ => {
            let lo_tok = c.peek();
            let lo = port(c)?;
            let hi = port(c)?;
            if hi < lo {
                let t = lo_tok.unwrap_or(Tok {
                    text: "",
                    column: 1,
                });
                return Err(c.invalid_at(t, format!("port range {lo}-{hi} ends before it starts")));
            }
            PortMatch::Range(lo, hi)
        }
    }))
}

/// An ACL line after `permit` / `deny`.
pub(super) fn acl_entry(
    action: AclAction,
    kind: AclKind,
    c: &mut Cursor<'_, '_>,
) -> Result<AclEntry> {
    let line = c.line_number();
    let mut entry = AclEntry {
        action,
        protocol: AclProtocol::Ip,
        source: AddressWildcard::any(),
        source_port: None,
        destination: AddressWildcard::any(),
        destination_port: None,
        icmp_type: None,
        established: false,
        log: false,
        line,
    };
    if kind == AclKind::Standard {
        entry.source = acl_address(c, true)?;
    } else {
        entry.protocol = acl_protocol(c)?;
        entry.source = acl_address(c, false)?;
        if entry.protocol.has_ports() {
            entry.source_port = port_match(c)?;
        }
        entry.destination = acl_address(c, false)?;
        if entry.protocol.has_ports() {
            entry.destination_port = port_match(c)?;
        }
        if entry.protocol == AclProtocol::Icmp {
            if let Some(t) = c.peek() {
                let ty = named(ICMP_TYPES, t.text)
                    .or_else(|| parse_decimal(t.text).filter(|n| *n <= 255).map(|n| n as u8));
                if let Some(ty) = ty {
                    c.advance();
                    entry.icmp_type = Some(ty);
                    // An ICMP code may follow a numeric type.
                    c.opt_number(0, 255);
                }
            }
        }
    }
    let opts: &[&'static str] = if entry.protocol == AclProtocol::Tcp {
        &["established", "log", "log-input"]
    } else {
        &["log", "log-input"]
    };
    while !c.at_end() {
        match c.opt_keyword(opts) {
            Some("established") => entry.established = true,
            Some(_) => entry.log = true,
            None => return Err(c.expected(one_of_or_end(opts))),
        }
    }
    Ok(entry)
}
