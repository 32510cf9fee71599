//! The Transaction exchange (exchange type 6): Xauth
//! (draft-ietf-ipsec-isakmp-xauth-06) and Mode Config
//! (draft-dukes-ike-mode-cfg-02), both roles.
//!
//! Every message is `HDR*, HASH, ATTR` under the phase-1 keys, with HASH =
//! prf(SKEYID_a, M-ID | ATTR) checked in constant time, its own message ID
//! and its own IV chain. A request and its answer share a message ID (a
//! REQUEST and its REPLY, a SET and its ACK); the IV of a received message
//! is committed only once its HASH verified, so a forged message cannot
//! disturb a live chain.
//!
//! The states, as IOS names them in its debug output:
//!
//! * the edge device (server): `IKE_XAUTH_REQ_SENT` (REQUEST for
//!   XAUTH_USER_NAME / XAUTH_USER_PASSWORD sent) → the client's REPLY →
//!   `IKE_XAUTH_AAA_CONT_LOGIN_AWAIT` (the verdict, which may come later) →
//!   `IKE_XAUTH_SET_SENT` (SET with XAUTH_STATUS) → the client's ACK →
//!   `IKE_P1_COMPLETE`; then, with `client configuration address respond`,
//!   the client's CFG_REQUEST is answered with a CFG_REPLY
//!   (`IKE_CONFIG_AUTHOR_AAA_AWAIT`), or with `initiate` a CFG_SET goes out
//!   and the client ACKs (`IKE_CONFIG_SET_SENT`);
//! * the client: answers the REQUEST with its user name and password, ACKs
//!   the SET, sends its CFG_REQUEST and uses the REPLY (or ACKs a CFG_SET).

mod machine;
mod script;

use std::net::Ipv4Addr;

use super::chain::{Payload, Received};
use super::suite::verify;
use super::{Error, Phase1Sa};
use crate::error::PeerMisbehaved;
use crate::policy::{ModeConfigAttributes, TrafficSelector, XauthPassword};
use crate::wire::{
    AttributePayload, ConfigAttributeType as A, ConfigMessageType, DataAttribute, XauthStatus,
};
use crate::wire::{ExchangeType, Flags};
use zeroize::{Zeroize, Zeroizing};

pub(crate) use machine::Transaction;
pub(crate) use script::{
    Action, Await, Deadline, TransactionCx, TransactionDone, TransactionEvent,
};

/// Seals `HDR*, HASH, ATTR` under `mid`.
pub(crate) fn seal(p1: &mut Phase1Sa, mid: u32, attr: AttributePayload) -> Vec<u8> {
    let mut payloads = [Payload::Attribute(attr)];
    let msg = p1.protected_hash1(ExchangeType::TRANSACTION, mid, &payloads, Flags::empty());
    // Our REPLY's password is not left in freed memory.
    for p in &mut payloads {
        if let Payload::Attribute(a) = p {
            a.zeroize();
        }
    }
    msg
}

/// Opens a Transaction message: decrypts it, checks HASH = prf(SKEYID_a,
/// M-ID | ATTR) in constant time and returns its one ATTR payload. The IV
/// chain of the message ID moves on only when the HASH verified. Also
/// says how many zero bytes padded the ATTR payload.
pub(crate) fn open(
    p1: &mut Phase1Sa,
    header: &Received<'_>,
    body: &[u8],
) -> Result<(Zeroizing<AttributePayload>, usize), Error> {
    // Every copy of the plaintext (the decrypted body, which the chain
    // after HASH and each payload's bytes borrow, and the parsed
    // attributes) is wiped on drop: a REPLY carries the Xauth password.
    let mut plaintext = zeroize::Zeroizing::default();
    let opened = p1.open(header, body, &mut plaintext)?;
    let expect = p1.keys.hash1(header.message_id(), opened.rest);
    if !verify(&expect, &opened.hash) {
        return Err(Error::PeerMisbehaved(PeerMisbehaved::InvalidHash));
    }
    let mut attrs = opened.payloads.into_iter().filter_map(|p| {
        // What the payload held beyond its attributes is the zero padding
        // the chain's parse let through: no second parse (nor a second
        // copy of a password) to measure it.
        let body_len = p.body().len();
        match p.payload {
            Payload::Attribute(a) => {
                let padding = body_len.saturating_sub(a.buffer_len());
                Some((Zeroizing::new(a), padding))
            }
            _ => None,
        }
    });
    let attr = attrs
        .next()
        .ok_or(Error::malformed("Transaction without ATTR payload"))?;
    p1.crypter.confirm(header.message_id());
    Ok(attr)
}

fn empty(kind: A) -> DataAttribute {
    DataAttribute::variable(kind, Vec::new())
}

/// The server's Xauth REQUEST: XAUTH_TYPE generic, empty user name and
/// password.
pub(crate) fn xauth_request(identifier: u16) -> AttributePayload {
    AttributePayload {
        message_type: ConfigMessageType::REQUEST,
        identifier,
        attributes: vec![
            DataAttribute::basic(A::XAUTH_TYPE, 0u16),
            empty(A::XAUTH_USER_NAME),
            empty(A::XAUTH_USER_PASSWORD),
        ],
    }
}

/// Which numbering a peer gives the Xauth attributes: that of
/// draft-ietf-ipsec-isakmp-xauth-06 (16520 to 16529, what IOS and every
/// current client use) or the older one of draft-beaulieu-ike-xauth-02
/// (XAUTH_TYPE 13 to XAUTH_STATUS 20), which some old clients and servers
/// still speak. The older numbers collide with Mode Config's
/// INTERNAL_IP4_SUBNET (13) to INTERNAL_IP6_SUBNET (15), so they are read
/// as Xauth only in an Xauth message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum XauthNumbering {
    /// 16520 (XAUTH_TYPE) to 16529 (XAUTH_ANSWER).
    #[default]
    Current,
    /// 13 (XAUTH_TYPE) to 20 (XAUTH_STATUS).
    Legacy,
}

/// XAUTH_TYPE (16520) in the current numbering minus XAUTH_TYPE (13) in the
/// legacy one; the legacy draft has the same order from TYPE to STATUS.
const LEGACY_XAUTH_OFFSET: u16 = A::XAUTH_TYPE.0 - 13;

impl XauthNumbering {
    /// The number of `kind` (a current-numbering Xauth type) in this
    /// numbering; a type the legacy draft lacks keeps its current number.
    pub(crate) fn number(self, kind: A) -> u16 {
        match self {
            Self::Legacy if (A::XAUTH_TYPE.0..=A::XAUTH_STATUS.0).contains(&kind.0) => {
                kind.0 - LEGACY_XAUTH_OFFSET
            }
            _ => kind.0,
        }
    }

    /// The numbering an Xauth REQUEST (or REPLY) uses: a user name or
    /// password asked for (or given) in either numbering; `None` when it is
    /// no Xauth message.
    pub(crate) fn of_credentials(a: &AttributePayload) -> Option<Self> {
        [Self::Current, Self::Legacy].into_iter().find(|n| {
            a.attribute(n.number(A::XAUTH_USER_NAME)).is_some()
                || a.attribute(n.number(A::XAUTH_USER_PASSWORD)).is_some()
        })
    }

    /// The numbering of a SET's XAUTH_STATUS, if it has one.
    fn of_status(a: &AttributePayload) -> Option<Self> {
        [Self::Current, Self::Legacy]
            .into_iter()
            .find(|n| a.attribute(n.number(A::XAUTH_STATUS)).is_some())
    }
}

/// The client's Xauth REPLY, in the numbering of the REQUEST.
pub(crate) fn xauth_reply(
    identifier: u16,
    user: &str,
    password: &XauthPassword,
    numbering: XauthNumbering,
) -> AttributePayload {
    let n = |k| numbering.number(k);
    AttributePayload {
        message_type: ConfigMessageType::REPLY,
        identifier,
        attributes: vec![
            DataAttribute::basic(n(A::XAUTH_TYPE), 0u16),
            DataAttribute::variable(n(A::XAUTH_USER_NAME), user.as_bytes().to_vec()),
            DataAttribute::variable(n(A::XAUTH_USER_PASSWORD), password.as_bytes().to_vec()),
        ],
    }
}

/// Reads the client's REPLY: the user name and password, in either
/// numbering.
pub(crate) fn parse_xauth_reply(a: &AttributePayload) -> Result<(String, XauthPassword), Error> {
    if a.message_type != ConfigMessageType::REPLY {
        return Err(Error::unexpected("Xauth REPLY"));
    }
    let n = XauthNumbering::of_credentials(a).unwrap_or_default();
    let user = a
        .attribute(n.number(A::XAUTH_USER_NAME))
        .and_then(DataAttribute::as_bytes)
        .ok_or(Error::malformed("Xauth REPLY without XAUTH_USER_NAME"))?;
    let user = String::from_utf8(user.to_vec()).map_err(|_| Error::malformed("XAUTH_USER_NAME"))?;
    let password = a
        .attribute(n.number(A::XAUTH_USER_PASSWORD))
        .and_then(DataAttribute::as_bytes)
        .ok_or(Error::malformed("Xauth REPLY without XAUTH_USER_PASSWORD"))?;
    Ok((user, XauthPassword::new(password.to_vec())))
}

/// The server's SET with XAUTH_STATUS.
pub(crate) fn xauth_set(identifier: u16, ok: bool) -> AttributePayload {
    AttributePayload {
        message_type: ConfigMessageType::SET,
        identifier,
        attributes: vec![DataAttribute::basic(
            A::XAUTH_STATUS,
            if ok {
                XauthStatus::OK.0
            } else {
                XauthStatus::FAIL.0
            },
        )],
    }
}

/// An ACK of a SET: the attribute types it carried, without values.
pub(crate) fn ack(set: &AttributePayload) -> AttributePayload {
    AttributePayload {
        message_type: ConfigMessageType::ACK,
        identifier: set.identifier,
        attributes: set
            .attributes
            .iter()
            .map(|a| {
                if a.is_basic() {
                    DataAttribute::basic(a.kind, 0u16)
                } else {
                    DataAttribute::variable(a.kind, Vec::new())
                }
            })
            .collect(),
    }
}

/// The attribute types our client asks for: those the Cisco VPN Client
/// asks for and `crypto isakmp client configuration group` can answer.
const REQUESTED: [A; 15] = [
    A::INTERNAL_IP4_ADDRESS,
    A::INTERNAL_IP4_NETMASK,
    A::INTERNAL_IP4_DNS,
    A::INTERNAL_IP4_NBNS,
    A::INTERNAL_ADDRESS_EXPIRY,
    A::UNITY_BANNER,
    A::UNITY_SAVE_PASSWD,
    A::UNITY_DEF_DOMAIN,
    A::UNITY_SPLITDNS_NAME,
    A::UNITY_SPLIT_INCLUDE,
    A::UNITY_LOCAL_LAN,
    A::UNITY_PFS,
    A::UNITY_BACKUP_SERVERS,
    A::APPLICATION_VERSION,
    A::UNITY_FW_TYPE,
];

/// What our client says it is in its APPLICATION_VERSION (as the Cisco VPN
/// Client sends "Cisco Systems VPN Client 4.0.4 ...").
pub(crate) const CLIENT_VERSION: &str =
    concat!("ikesuite Easy VPN Remote ", env!("CARGO_PKG_VERSION"));

/// What our hub answers APPLICATION_VERSION with when the policy gives no
/// string: IOS's form ("Cisco Internetwork Operating System Software \n
/// IOS (tm) 7200 Software (C7200-IK9S-M), Version 12.3(6a), ...").
pub(crate) const HUB_VERSION: &str = concat!(
    "ikesuite Internetwork Operating System Software \n",
    "ikesuite (tm) IKEv1 Software (IKE-PROTO), Version ",
    env!("CARGO_PKG_VERSION"),
    ", RELEASE SOFTWARE"
);

/// Split-include entries one UNITY_SPLIT_INCLUDE carries at most, so the
/// REPLY stays far below a Cisco client's 8192-byte receive buffer.
const MAX_SPLIT_INCLUDE: usize = 256;

/// Bytes of one UNITY_SPLIT_INCLUDE entry: address, mask (4 each),
/// protocol, source port, destination port (2 each).
const SPLIT_ENTRY_LEN: usize = 14;

/// The client's CFG_REQUEST: every attribute empty but APPLICATION_VERSION,
/// which says who asks.
pub(crate) fn config_request(identifier: u16) -> AttributePayload {
    AttributePayload {
        message_type: ConfigMessageType::REQUEST,
        identifier,
        attributes: REQUESTED
            .iter()
            .map(|k| match *k {
                A::APPLICATION_VERSION => {
                    DataAttribute::variable(*k, CLIENT_VERSION.as_bytes().to_vec())
                }
                _ => empty(*k),
            })
            .collect(),
    }
}

fn ip(kind: A, a: Ipv4Addr) -> DataAttribute {
    DataAttribute::variable(kind, a.octets().to_vec())
}

fn text(kind: A, s: &str) -> DataAttribute {
    DataAttribute::variable(kind, s.as_bytes().to_vec())
}

/// The subnets that exactly cover `start..=end`, largest first.
fn cidrs(start: Ipv4Addr, end: Ipv4Addr) -> Vec<(Ipv4Addr, Ipv4Addr)> {
    let (mut s, e) = (u64::from(u32::from(start)), u64::from(u32::from(end)));
    let mut out = Vec::new();
    while s <= e && out.len() < MAX_SPLIT_INCLUDE {
        // The largest block aligned at `s` that does not pass `e`.
        let mut size = if s == 0 {
            1u64 << 32
        } else {
            s & s.wrapping_neg()
        };
        while s + size - 1 > e {
            size >>= 1;
        }
        let mask = u32::try_from((1u64 << 32) - size).unwrap_or(u32::MAX);
        out.push((
            Ipv4Addr::from(u32::try_from(s).unwrap_or(0)),
            Ipv4Addr::from(mask),
        ));
        s += size;
    }
    out
}

/// UNITY_SPLIT_INCLUDE's value: one 14-byte entry per network. IOS sends
/// networks only (protocol and ports 0), as the Cisco client tunnels by
/// destination network.
fn split_include_value(nets: &[TrafficSelector]) -> Vec<(Ipv4Addr, Ipv4Addr)> {
    let mut out: Vec<(Ipv4Addr, Ipv4Addr)> = Vec::new();
    for s in nets {
        for n in cidrs(s.start, s.end) {
            if out.len() < MAX_SPLIT_INCLUDE && !out.contains(&n) {
                out.push(n);
            }
        }
    }
    out
}

/// Whether `attrs` gives a value for the Unity attribute `kind` (IOS 12.3
/// does not know these by name; a group that configures one names it).
fn configures(attrs: &ModeConfigAttributes, kind: A) -> bool {
    match kind {
        A::UNITY_BANNER => attrs.banner.is_some(),
        A::UNITY_SAVE_PASSWD => attrs.save_password,
        A::UNITY_SPLITDNS_NAME => !attrs.split_dns.is_empty(),
        A::UNITY_LOCAL_LAN => attrs.include_local_lan,
        A::UNITY_PFS => attrs.pfs,
        A::UNITY_FW_TYPE => attrs.firewall_are_u_there,
        A::UNITY_BACKUP_SERVERS => !attrs.backup_servers.is_empty(),
        _ => false,
    }
}

/// One answered attribute type: its attributes (one per DNS server ...)
/// and the log lines IOS prints for it.
struct Answer {
    kind: A,
    attributes: Vec<DataAttribute>,
    lines: Vec<String>,
}

impl Answer {
    fn one(kind: A, attribute: DataAttribute, line: String) -> Self {
        Self {
            kind,
            attributes: vec![attribute],
            lines: vec![line],
        }
    }
}

/// Every attribute type `attrs` has a value for, in the order of the seed's
/// IOS answer; INTERNAL_IP4_ADDRESS comes before the netmask, as vpnc needs.
fn answers(attrs: &ModeConfigAttributes, wanted: Option<&AttributePayload>) -> Vec<Answer> {
    let mut out = Vec::new();
    if let Some(a) = attrs.address {
        let line = format!("Sending private address: {a}");
        out.push(Answer::one(
            A::INTERNAL_IP4_ADDRESS,
            ip(A::INTERNAL_IP4_ADDRESS, a),
            line,
        ));
    }
    if let Some(m) = attrs.netmask {
        let line = format!("Sending subnet mask: {m}");
        out.push(Answer::one(
            A::INTERNAL_IP4_NETMASK,
            ip(A::INTERNAL_IP4_NETMASK, m),
            line,
        ));
    }
    for (kind, servers, what) in [
        (A::INTERNAL_IP4_DNS, &attrs.dns, "IP4_DNS"),
        (A::INTERNAL_IP4_NBNS, &attrs.wins, "IP4_NBNS"),
    ] {
        if !servers.is_empty() {
            // One attribute per server, as IOS sends and vpnc reads them.
            out.push(Answer {
                kind,
                attributes: servers.iter().map(|d| ip(kind, *d)).collect(),
                lines: servers
                    .iter()
                    .map(|d| format!("Sending {what} server address: {d}"))
                    .collect(),
            });
        }
    }
    if let Some(e) = attrs.address_expiry {
        let line = format!("Sending ADDRESS_EXPIRY seconds left to use the address: {e}");
        let a = DataAttribute::variable(A::INTERNAL_ADDRESS_EXPIRY, e.to_be_bytes().to_vec());
        out.push(Answer::one(A::INTERNAL_ADDRESS_EXPIRY, a, line));
    }
    if let Some(b) = &attrs.banner {
        let line = format!("Sending MODECFG_BANNER banner: {} bytes", b.len());
        out.push(Answer::one(A::UNITY_BANNER, text(A::UNITY_BANNER, b), line));
    }
    if attrs.save_password {
        let line = "Sending SAVE_PASSWD save password reply value: 1".to_string();
        let a = DataAttribute::basic(A::UNITY_SAVE_PASSWD, 1u16);
        out.push(Answer::one(A::UNITY_SAVE_PASSWD, a, line));
    }
    if let Some(d) = &attrs.domain {
        let line = format!("Sending DEFAULT_DOMAIN default domain name: {d}");
        out.push(Answer::one(
            A::UNITY_DEF_DOMAIN,
            text(A::UNITY_DEF_DOMAIN, d),
            line,
        ));
    }
    if !attrs.split_dns.is_empty() {
        let v = attrs.split_dns.join(",");
        let line = format!("Sending SPLIT_DNS split dns names: {v}");
        out.push(Answer::one(
            A::UNITY_SPLITDNS_NAME,
            text(A::UNITY_SPLITDNS_NAME, &v),
            line,
        ));
    }
    if !attrs.split_include.is_empty() {
        let mut v = Vec::new();
        let mut lines = Vec::new();
        for (a, m) in split_include_value(&attrs.split_include) {
            lines.push(format!(
                "Sending SPLIT_INCLUDE network {a}, mask {m}, protocol 0, src port 0, dst port 0"
            ));
            v.extend_from_slice(&a.octets());
            v.extend_from_slice(&m.octets());
            v.extend_from_slice(&[0; 6]);
        }
        out.push(Answer {
            kind: A::UNITY_SPLIT_INCLUDE,
            attributes: vec![DataAttribute::variable(A::UNITY_SPLIT_INCLUDE, v)],
            lines,
        });
    }
    if attrs.include_local_lan {
        let line = "Sending INCLUDE_LOCAL_LAN include local lan reply value: 1".to_string();
        let a = DataAttribute::basic(A::UNITY_LOCAL_LAN, 1u16);
        out.push(Answer::one(A::UNITY_LOCAL_LAN, a, line));
    }
    if attrs.pfs {
        let line = "Sending PFS reply value: 1".to_string();
        out.push(Answer::one(
            A::UNITY_PFS,
            DataAttribute::basic(A::UNITY_PFS, 1u16),
            line,
        ));
    }
    if !attrs.backup_servers.is_empty() {
        let v = attrs.backup_servers.join(",");
        let line = format!("Sending BACKUP_SERVER backup servers: {v}");
        let a = text(A::UNITY_BACKUP_SERVERS, &v);
        out.push(Answer::one(A::UNITY_BACKUP_SERVERS, a, line));
    }
    if let Some(s) = &attrs.application_version {
        let line = format!("Sending APPLICATION_VERSION string: {s}");
        out.push(Answer::one(
            A::APPLICATION_VERSION,
            text(A::APPLICATION_VERSION, s),
            line,
        ));
    }
    if attrs.firewall_are_u_there {
        // The client's REQUEST describes its firewall; the answer names
        // that same firewall as the one that must be there.
        let record = wanted
            .and_then(|w| w.attribute(A::UNITY_FW_TYPE))
            .and_then(DataAttribute::as_bytes)
            .unwrap_or_default()
            .to_vec();
        let line = "Sending FW_RECORD firewall are-u-there".to_string();
        let a = DataAttribute::variable(A::UNITY_FW_TYPE, record);
        out.push(Answer::one(A::UNITY_FW_TYPE, a, line));
    }
    out
}

/// The attributes of `attrs` that `wanted` asks for, in the order asked
/// (all of them when `wanted` is `None`, as in a CFG_SET), with the seed's
/// log lines: a "Sending" line per value, and `Unknown Attr: UNKNOWN
/// (0x7000)` for an asked type IOS has no name for and the group does not
/// configure. A type asked twice is answered once.
pub(crate) fn config_attributes(
    attrs: &ModeConfigAttributes,
    wanted: Option<&AttributePayload>,
    log: &mut Vec<String>,
) -> Vec<DataAttribute> {
    let mut all = answers(attrs, wanted);
    let Some(wanted) = wanted else {
        return all
            .into_iter()
            .flat_map(|a| {
                log.extend(a.lines);
                a.attributes
            })
            .collect();
    };
    let mut out = Vec::new();
    let mut asked: Vec<u16> = Vec::new();
    for w in &wanted.attributes {
        if asked.contains(&w.kind) {
            continue;
        }
        asked.push(w.kind);
        match all.iter().position(|a| a.kind.0 == w.kind) {
            Some(i) => {
                let a = all.swap_remove(i);
                log.extend(a.lines);
                out.extend(a.attributes);
            }
            None if attribute_name(w.kind, None).starts_with("UNKNOWN") => {
                log.push(format!("Unknown Attr: UNKNOWN (0x{:X})", w.kind));
            }
            None => {}
        }
    }
    out
}

fn quad(b: &[u8]) -> Option<Ipv4Addr> {
    <[u8; 4]>::try_from(b).ok().map(Ipv4Addr::from)
}

fn string(b: &[u8]) -> Option<String> {
    String::from_utf8(b.to_vec()).ok()
}

fn list(b: &[u8]) -> Vec<String> {
    string(b)
        .map(|s| {
            s.split(',')
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

/// A TV flag (UNITY_SAVE_PASSWD, UNITY_LOCAL_LAN, UNITY_PFS): set when its
/// value is not 0.
fn flag(d: &DataAttribute) -> bool {
    d.as_u32().is_some_and(|v| v != 0)
}

/// Reads the attributes of a CFG_REPLY or CFG_SET; unknown or malformed
/// values are skipped (a split-include list whose length is not a multiple
/// of 14 bytes entirely, as the Cisco client does).
pub(crate) fn parse_config(a: &AttributePayload) -> ModeConfigAttributes {
    let mut out = ModeConfigAttributes::default();
    for d in &a.attributes {
        let bytes = d.as_bytes().unwrap_or_default();
        match A(d.kind) {
            A::INTERNAL_IP4_ADDRESS => out.address = out.address.or(quad(bytes)),
            A::INTERNAL_IP4_NETMASK => out.netmask = quad(bytes),
            A::INTERNAL_IP4_DNS => out.dns.extend(quad(bytes)),
            A::INTERNAL_IP4_NBNS => out.wins.extend(quad(bytes)),
            A::INTERNAL_ADDRESS_EXPIRY => out.address_expiry = d.as_u32(),
            A::UNITY_DEF_DOMAIN => out.domain = string(bytes),
            A::UNITY_BANNER => out.banner = string(bytes),
            A::UNITY_SAVE_PASSWD => out.save_password = flag(d),
            A::UNITY_SPLITDNS_NAME => out.split_dns = list(bytes),
            A::UNITY_LOCAL_LAN => out.include_local_lan = flag(d),
            A::UNITY_PFS => out.pfs = flag(d),
            A::UNITY_FW_TYPE => out.firewall_are_u_there = true,
            A::UNITY_BACKUP_SERVERS => out.backup_servers = list(bytes),
            A::APPLICATION_VERSION => out.application_version = string(bytes),
            A::UNITY_SPLIT_INCLUDE if bytes.len() % SPLIT_ENTRY_LEN == 0 => {
                for e in bytes.chunks_exact(SPLIT_ENTRY_LEN) {
                    let (Some(a), Some(m)) =
                        (e.get(..4).and_then(quad), e.get(4..8).and_then(quad))
                    else {
                        continue;
                    };
                    let (a, m) = (u32::from(a), u32::from(m));
                    out.split_include.push(TrafficSelector {
                        start: Ipv4Addr::from(a & m),
                        end: Ipv4Addr::from(a | !m),
                        protocol: 0,
                        port: 0,
                    });
                }
            }
            _ => {}
        }
    }
    out
}

/// IOS's name of a requested attribute, for "checking request:". IOS 12.3
/// names the Mode Config ones, DEFAULT_DOMAIN and SPLIT_INCLUDE; the other
/// Unity ones are named when the group configures them (`configured`) and
/// are `UNKNOWN Unknown Attr` otherwise, as in the seed.
pub(crate) fn attribute_name(kind: u16, attrs: Option<&ModeConfigAttributes>) -> String {
    let k = A(kind);
    let named = attrs.is_some_and(|a| configures(a, k));
    match k {
        A::INTERNAL_IP4_ADDRESS => "IP4_ADDRESS".into(),
        A::INTERNAL_IP4_NETMASK => "IP4_NETMASK".into(),
        A::INTERNAL_IP4_DNS => "IP4_DNS".into(),
        A::INTERNAL_IP4_NBNS => "IP4_NBNS".into(),
        A::INTERNAL_ADDRESS_EXPIRY => "ADDRESS_EXPIRY".into(),
        A::APPLICATION_VERSION => "APPLICATION_VERSION".into(),
        A::UNITY_DEF_DOMAIN => "DEFAULT_DOMAIN".into(),
        A::UNITY_SPLIT_INCLUDE => "SPLIT_INCLUDE".into(),
        A::UNITY_BANNER if named => "MODECFG_BANNER".into(),
        A::UNITY_SAVE_PASSWD if named => "SAVE_PASSWD".into(),
        A::UNITY_SPLITDNS_NAME if named => "SPLIT_DNS".into(),
        A::UNITY_LOCAL_LAN if named => "INCLUDE_LOCAL_LAN".into(),
        A::UNITY_PFS if named => "PFS".into(),
        A::UNITY_FW_TYPE if named => "FW_RECORD".into(),
        A::UNITY_BACKUP_SERVERS if named => "BACKUP_SERVER".into(),
        _ => format!("UNKNOWN Unknown Attr: 0x{kind:X}"),
    }
}

/// The XAUTH_STATUS of a SET, if it carries one.
pub(crate) fn xauth_status(a: &AttributePayload) -> Option<bool> {
    let n = XauthNumbering::of_status(a)?;
    a.attribute(n.number(A::XAUTH_STATUS))
        .and_then(DataAttribute::as_u32)
        .map(|v| v == u32::from(XauthStatus::OK.0))
}

#[cfg(test)]
mod tests;
