//! `show crypto map`.

use std::fmt::{self, Write as _};
use std::net::Ipv4Addr;

/// One crypto map set (all entries sharing a name) and where it is applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CryptoMapView {
    /// The map's name, e.g. `mymap`.
    pub name: String,
    /// Its entries in sequence order (the order they are printed).
    pub entries: Vec<CryptoMapEntryView>,
    /// The interfaces that carry the map (`crypto map NAME` under them).
    pub interfaces: Vec<String>,
}

/// How an entry's SAs are keyed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CryptoMapKind {
    /// `ipsec-isakmp`: keys negotiated by IKE.
    IpsecIsakmp,
    /// `ipsec-manual`: keys written in the configuration.
    IpsecManual,
}

impl CryptoMapKind {
    /// The keyword as IOS writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            CryptoMapKind::IpsecIsakmp => "ipsec-isakmp",
            CryptoMapKind::IpsecManual => "ipsec-manual",
        }
    }
}

/// One sequence-numbered entry of a crypto map, with the values in effect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CryptoMapEntryView {
    /// The sequence number.
    pub seq: u32,
    /// How the entry is keyed.
    pub kind: CryptoMapKind,
    /// For `crypto map M N ipsec-isakmp dynamic D`: the dynamic map `D`.
    /// Such an entry is only a reference, so the fields below are not
    /// printed for it.
    pub dynamic_template: Option<String>,
    /// `set isakmp-profile`.
    pub isakmp_profile: Option<String>,
    /// `set peer`, in configuration order.
    pub peers: Vec<Ipv4Addr>,
    /// `match address`, with the list's entries.
    pub access_list: Option<AccessListView>,
    /// The peer in use now, if any.
    pub current_peer: Option<Ipv4Addr>,
    /// The SA volume lifetime in effect, in kilobytes.
    pub lifetime_kilobytes: u64,
    /// The SA time lifetime in effect, in seconds.
    pub lifetime_secs: u64,
    /// `set pfs`: the DH group, or `None` without PFS.
    pub pfs_group: Option<u16>,
    /// `set transform-set`, in configuration order.
    pub transform_sets: Vec<String>,
}

/// An extended IP access list as `show crypto map` lists it under an entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessListView {
    /// The list's number or name.
    pub name: String,
    /// Its entries in order.
    pub entries: Vec<AclEntryView>,
}

/// One line of an extended access list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AclEntryView {
    /// `permit` or `deny`.
    pub action: AclAction,
    /// IP protocol number; 0 is `ip` (any protocol).
    pub protocol: u8,
    /// Source match.
    pub source: AclAddress,
    /// Source port match (TCP/UDP only).
    pub source_port: AclPort,
    /// Destination match.
    pub destination: AclAddress,
    /// Destination port match (TCP/UDP only).
    pub destination_port: AclPort,
}

/// `permit` or `deny`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AclAction {
    /// `permit`: protect the traffic.
    Permit,
    /// `deny`: leave the traffic in the clear.
    Deny,
}

/// An address match of an access-list line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AclAddress {
    /// `any`.
    Any,
    /// `host A`.
    Host(Ipv4Addr),
    /// `A W`: an address and a wildcard mask (set bits are "don't care").
    Wildcard(Ipv4Addr, Ipv4Addr),
}

impl fmt::Display for AclAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AclAddress::Any => f.write_str("any"),
            AclAddress::Host(a) => write!(f, "host {a}"),
            AclAddress::Wildcard(a, w) => write!(f, "{a} {w}"),
        }
    }
}

/// A port match of an access-list line. Ports print as numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AclPort {
    /// No port match.
    Any,
    /// `eq P`.
    Eq(u16),
    /// `neq P`.
    Neq(u16),
    /// `lt P`.
    Lt(u16),
    /// `gt P`.
    Gt(u16),
    /// `range P Q`.
    Range(u16, u16),
}

impl fmt::Display for AclPort {
    /// The match with a leading space, nothing for [`AclPort::Any`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AclPort::Any => Ok(()),
            AclPort::Eq(p) => write!(f, " eq {p}"),
            AclPort::Neq(p) => write!(f, " neq {p}"),
            AclPort::Lt(p) => write!(f, " lt {p}"),
            AclPort::Gt(p) => write!(f, " gt {p}"),
            AclPort::Range(p, q) => write!(f, " range {p} {q}"),
        }
    }
}

/// IOS's keyword for a protocol number in an access list, if it has one.
fn protocol_keyword(protocol: u8) -> Option<&'static str> {
    Some(match protocol {
        0 => "ip",
        1 => "icmp",
        6 => "tcp",
        17 => "udp",
        47 => "gre",
        50 => "esp",
        51 => "ahp",
        _ => return None,
    })
}

const INDENT: &str = "        ";

/// Renders `show crypto map` for the maps given, in the order given: one
/// block per entry, blocks separated by an empty line. An entry that points
/// to a dynamic map prints only the template's name. No map renders as the
/// empty string.
pub fn render_crypto_map(maps: &[CryptoMapView]) -> String {
    let mut out = String::new();
    for map in maps {
        for entry in &map.entries {
            if !out.is_empty() {
                out.push('\n');
            }
            // Infallible: writing to a String.
            let _ = write_entry(&mut out, map, entry);
        }
    }
    out
}

fn write_entry(out: &mut String, map: &CryptoMapView, e: &CryptoMapEntryView) -> fmt::Result {
    writeln!(
        out,
        "Crypto Map \"{}\" {} {}",
        map.name,
        e.seq,
        e.kind.as_str()
    )?;
    if let Some(template) = &e.dynamic_template {
        writeln!(out, "{INDENT}Dynamic map template tag: {template}")?;
    } else {
        write_entry_body(out, e)?;
    }
    writeln!(out, "{INDENT}Interfaces using crypto map {}:", map.name)?;
    for interface in &map.interfaces {
        writeln!(out, "{INDENT}{INDENT}{interface}")?;
    }
    Ok(())
}

/// An entry's lines between its heading and its interfaces (shared with
/// `show crypto dynamic-map`).
pub(super) fn write_entry_body(out: &mut String, e: &CryptoMapEntryView) -> fmt::Result {
    {
        if let Some(profile) = &e.isakmp_profile {
            writeln!(out, "{INDENT}ISAKMP Profile: {profile}")?;
        }
        for peer in &e.peers {
            writeln!(out, "{INDENT}Peer = {peer}")?;
        }
        match &e.access_list {
            Some(acl) => {
                writeln!(out, "{INDENT}Extended IP access list {}", acl.name)?;
                for line in &acl.entries {
                    write_acl_line(out, &acl.name, line)?;
                }
            }
            None => writeln!(out, "{INDENT}No matching address list set.")?,
        }
        if let Some(peer) = e.current_peer {
            writeln!(out, "{INDENT}Current peer: {peer}")?;
        }
        writeln!(
            out,
            "{INDENT}Security association lifetime: {} kilobytes/{} seconds",
            e.lifetime_kilobytes, e.lifetime_secs
        )?;
        match e.pfs_group {
            Some(group) => {
                writeln!(out, "{INDENT}PFS (Y/N): Y")?;
                writeln!(out, "{INDENT}DH group:  group{group}")?;
            }
            None => writeln!(out, "{INDENT}PFS (Y/N): N")?,
        }
        out.push_str(INDENT);
        out.push_str("Transform sets={ ");
        for set in &e.transform_sets {
            out.push_str(set);
            out.push_str(", ");
        }
        out.push_str("}\n");
    }
    Ok(())
}

fn write_acl_line(out: &mut String, name: &str, l: &AclEntryView) -> fmt::Result {
    let action = match l.action {
        AclAction::Permit => "permit",
        AclAction::Deny => "deny",
    };
    write!(out, "{INDENT}    access-list {name} {action} ")?;
    match protocol_keyword(l.protocol) {
        Some(keyword) => out.push_str(keyword),
        None => write!(out, "{}", l.protocol)?,
    }
    writeln!(
        out,
        " {}{} {}{}",
        l.source, l.source_port, l.destination, l.destination_port
    )
}
