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

use std::net::Ipv4Addr;

use super::msg::{Header, Payload, exch};
use super::suite::verify;
use super::{Error, Phase1Sa};
use crate::error::PeerMisbehaved;
use crate::policy::{ModeConfig, ModeConfigAttributes, TrafficSelector, XauthPassword};
use crate::wire::{
    AttributePayload, ConfigAttributeType as A, ConfigMessageType, DataAttribute, XauthStatus,
};

/// Where a Transaction exchange stands on one IKE SA.
#[derive(Debug)]
pub(crate) enum Transaction {
    /// Server: our Xauth REQUEST (message ID `mid`) awaits the REPLY.
    XauthRequestSent {
        /// Message ID of the REQUEST.
        mid: u32,
        /// Attempts so far (1 for the first).
        attempt: u32,
    },
    /// Server: the REPLY came; the verdict is awaited.
    XauthVerdictAwait {
        /// Attempt number.
        attempt: u32,
        /// The user name the client gave.
        user: String,
    },
    /// Server: our SET (XAUTH_STATUS) awaits the ACK.
    XauthSetSent {
        /// Message ID of the SET.
        mid: u32,
        /// Whether the status was OK.
        ok: bool,
        /// Attempt number.
        attempt: u32,
        /// The user name (kept for Mode Config).
        user: String,
    },
    /// Server: waiting for the client's CFG_REQUEST.
    ConfigRequestAwait {
        /// The Xauth user, if Xauth ran.
        user: Option<String>,
    },
    /// Server: our CFG_SET awaits the ACK.
    ConfigSetSent {
        /// Message ID of the SET.
        mid: u32,
        /// What the SET carried.
        attrs: ModeConfigAttributes,
    },
    /// Client: waiting for the server's Xauth REQUEST (or a CFG_SET).
    ClientAwaitServer {
        /// Mode Config after Xauth: pull (`Respond`), wait for a SET
        /// (`Initiate`) or none.
        pull: ModeConfig,
    },
    /// Client: the server's REQUEST (message ID `mid`) waits for the
    /// embedder's credentials.
    ClientCredentialsAwait {
        /// Mode Config afterwards, as in `ClientAwaitServer`.
        pull: ModeConfig,
        /// Message ID of the REQUEST.
        mid: u32,
        /// The REQUEST's identifier, echoed in the REPLY.
        identifier: u16,
        /// The REQUEST as received (its repeats are not answered yet).
        request: Vec<u8>,
    },
    /// Client: our REPLY went; the server's SET is awaited.
    ClientReplied {
        /// Mode Config afterwards, as in `ClientAwaitServer`.
        pull: ModeConfig,
    },
    /// Client: our CFG_REQUEST awaits the REPLY.
    ClientConfigRequestSent {
        /// Message ID of the REQUEST.
        mid: u32,
    },
}

impl Transaction {
    /// IOS's name for the state.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Self::XauthRequestSent { .. } => "IKE_XAUTH_REQ_SENT",
            Self::XauthVerdictAwait { .. } => "IKE_XAUTH_AAA_CONT_LOGIN_AWAIT",
            Self::XauthSetSent { .. } => "IKE_XAUTH_SET_SENT",
            Self::ConfigRequestAwait { .. } => "IKE_P1_COMPLETE",
            Self::ConfigSetSent { .. } => "IKE_CONFIG_SET_SENT",
            Self::ClientAwaitServer { .. } => "IKE_P1_COMPLETE",
            Self::ClientCredentialsAwait { .. } => "IKE_XAUTH_AAA_START_LOGIN_AWAIT",
            Self::ClientReplied { .. } => "IKE_XAUTH_REPLY_SENT",
            Self::ClientConfigRequestSent { .. } => "IKE_CONFIG_REQ_SENT",
        }
    }

    /// The message ID our last message awaits an answer under.
    pub(crate) fn pending_mid(&self) -> Option<u32> {
        match self {
            Self::XauthRequestSent { mid, .. }
            | Self::XauthSetSent { mid, .. }
            | Self::ConfigSetSent { mid, .. }
            | Self::ClientConfigRequestSent { mid }
            | Self::ClientCredentialsAwait { mid, .. } => Some(*mid),
            _ => None,
        }
    }
}

/// Seals `HDR*, HASH, ATTR` under `mid`.
pub(crate) fn seal(p1: &mut Phase1Sa, mid: u32, attr: AttributePayload) -> Vec<u8> {
    p1.protected_hash1(exch::TRANSACTION, mid, &[Payload::Attribute(attr)], 0)
}

/// Opens a Transaction message: decrypts it, checks HASH = prf(SKEYID_a,
/// M-ID | ATTR) in constant time and returns its one ATTR payload. The IV
/// chain of the message ID moves on only when the HASH verified. Also
/// says how many zero bytes padded the ATTR payload.
pub(crate) fn open(
    p1: &mut Phase1Sa,
    header: &Header,
    body: &[u8],
) -> Result<(AttributePayload, usize), Error> {
    let opened = p1.open(header, body)?;
    let expect = p1.keys.hash1(header.message_id, &opened.rest);
    if !verify(&expect, &opened.hash) {
        return Err(Error::PeerMisbehaved(PeerMisbehaved::InvalidHash));
    }
    let mut attrs = opened.payloads.into_iter().filter_map(|p| {
        let padding = AttributePayload::parse_padded(p.body()).map_or(0, |(_, n)| n);
        match p.payload {
            Payload::Attribute(a) => Some((a, padding)),
            _ => None,
        }
    });
    let attr = attrs
        .next()
        .ok_or(Error::malformed("Transaction without ATTR payload"))?;
    p1.crypter.confirm(header.message_id);
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

/// The client's Xauth REPLY.
pub(crate) fn xauth_reply(
    identifier: u16,
    user: &str,
    password: &XauthPassword,
) -> AttributePayload {
    AttributePayload {
        message_type: ConfigMessageType::REPLY,
        identifier,
        attributes: vec![
            DataAttribute::basic(A::XAUTH_TYPE, 0u16),
            DataAttribute::variable(A::XAUTH_USER_NAME, user.as_bytes().to_vec()),
            DataAttribute::variable(A::XAUTH_USER_PASSWORD, password.as_bytes().to_vec()),
        ],
    }
}

/// Reads the client's REPLY: the user name and password.
pub(crate) fn parse_xauth_reply(a: &AttributePayload) -> Result<(String, XauthPassword), Error> {
    if a.message_type != ConfigMessageType::REPLY {
        return Err(Error::unexpected("Xauth REPLY"));
    }
    let user = a
        .attribute(A::XAUTH_USER_NAME)
        .and_then(DataAttribute::as_bytes)
        .ok_or(Error::malformed("Xauth REPLY without XAUTH_USER_NAME"))?;
    let user = String::from_utf8(user.to_vec()).map_err(|_| Error::malformed("XAUTH_USER_NAME"))?;
    let password = a
        .attribute(A::XAUTH_USER_PASSWORD)
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

/// The attribute types a client asks for (as the Cisco VPN Client does).
const REQUESTED: [A; 7] = [
    A::INTERNAL_IP4_ADDRESS,
    A::INTERNAL_IP4_NETMASK,
    A::INTERNAL_IP4_DNS,
    A::INTERNAL_IP4_NBNS,
    A::INTERNAL_ADDRESS_EXPIRY,
    A::UNITY_DEF_DOMAIN,
    A::UNITY_SPLIT_INCLUDE,
];

/// The client's CFG_REQUEST.
pub(crate) fn config_request(identifier: u16) -> AttributePayload {
    AttributePayload {
        message_type: ConfigMessageType::REQUEST,
        identifier,
        attributes: REQUESTED.iter().map(|k| empty(*k)).collect(),
    }
}

fn ip(kind: A, a: Ipv4Addr) -> DataAttribute {
    DataAttribute::variable(kind, a.octets().to_vec())
}

/// The attributes of `attrs` that `wanted` asks for (all of them when
/// `wanted` is `None`, as in a CFG_SET), with the seed's log lines.
pub(crate) fn config_attributes(
    attrs: &ModeConfigAttributes,
    wanted: Option<&AttributePayload>,
    log: &mut Vec<String>,
) -> Vec<DataAttribute> {
    let asks = |k: A| wanted.is_none_or(|w| w.attribute(k).is_some());
    let mut out = Vec::new();
    if let Some(a) = attrs.address.filter(|_| asks(A::INTERNAL_IP4_ADDRESS)) {
        log.push(format!("Sending private address: {a}"));
        out.push(ip(A::INTERNAL_IP4_ADDRESS, a));
    }
    if let Some(m) = attrs.netmask.filter(|_| asks(A::INTERNAL_IP4_NETMASK)) {
        out.push(ip(A::INTERNAL_IP4_NETMASK, m));
    }
    if asks(A::INTERNAL_IP4_DNS) {
        for d in &attrs.dns {
            log.push(format!("Sending IP4_DNS server address: {d}"));
            out.push(ip(A::INTERNAL_IP4_DNS, *d));
        }
    }
    if asks(A::INTERNAL_IP4_NBNS) {
        for w in &attrs.wins {
            log.push(format!("Sending IP4_NBNS server address: {w}"));
            out.push(ip(A::INTERNAL_IP4_NBNS, *w));
        }
    }
    if let Some(e) = attrs
        .address_expiry
        .filter(|_| asks(A::INTERNAL_ADDRESS_EXPIRY))
    {
        log.push(format!(
            "Sending ADDRESS_EXPIRY seconds left to use the address: {e}"
        ));
        out.push(DataAttribute::variable(
            A::INTERNAL_ADDRESS_EXPIRY,
            e.to_be_bytes().to_vec(),
        ));
    }
    if let Some(b) = attrs.banner.as_ref().filter(|_| asks(A::UNITY_BANNER)) {
        out.push(DataAttribute::variable(
            A::UNITY_BANNER,
            b.as_bytes().to_vec(),
        ));
    }
    if attrs.save_password && asks(A::UNITY_SAVE_PASSWD) {
        out.push(DataAttribute::basic(A::UNITY_SAVE_PASSWD, 1u16));
    }
    if let Some(d) = attrs.domain.as_ref().filter(|_| asks(A::UNITY_DEF_DOMAIN)) {
        log.push(format!("Sending DEFAULT_DOMAIN default domain name: {d}"));
        out.push(DataAttribute::variable(
            A::UNITY_DEF_DOMAIN,
            d.as_bytes().to_vec(),
        ));
    }
    if !attrs.split_include.is_empty() && asks(A::UNITY_SPLIT_INCLUDE) {
        let mut v = Vec::new();
        for s in &attrs.split_include {
            let (a, m) = s
                .as_subnet()
                .unwrap_or((s.start, Ipv4Addr::new(255, 255, 255, 255)));
            v.extend_from_slice(&a.octets());
            v.extend_from_slice(&m.octets());
            v.extend_from_slice(&[0; 6]);
        }
        out.push(DataAttribute::variable(A::UNITY_SPLIT_INCLUDE, v));
    }
    if let Some(s) = attrs
        .application_version
        .as_ref()
        .filter(|_| asks(A::APPLICATION_VERSION))
    {
        log.push(format!("Sending APPLICATION_VERSION string: {s}"));
        out.push(DataAttribute::variable(
            A::APPLICATION_VERSION,
            s.as_bytes().to_vec(),
        ));
    }
    out
}

fn quad(b: &[u8]) -> Option<Ipv4Addr> {
    <[u8; 4]>::try_from(b).ok().map(Ipv4Addr::from)
}

/// Reads the attributes of a CFG_REPLY or CFG_SET; unknown or malformed
/// values are skipped.
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
            A::UNITY_DEF_DOMAIN => out.domain = String::from_utf8(bytes.to_vec()).ok(),
            A::UNITY_BANNER => out.banner = String::from_utf8(bytes.to_vec()).ok(),
            A::UNITY_SAVE_PASSWD => out.save_password = d.as_u32() == Some(1),
            A::APPLICATION_VERSION => {
                out.application_version = String::from_utf8(bytes.to_vec()).ok();
            }
            A::UNITY_SPLIT_INCLUDE => {
                for e in bytes.chunks_exact(14) {
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

/// IOS's name of a requested attribute, for "checking request:".
pub(crate) fn attribute_name(kind: u16) -> String {
    match A(kind) {
        A::INTERNAL_IP4_ADDRESS => "IP4_ADDRESS".into(),
        A::INTERNAL_IP4_NETMASK => "IP4_NETMASK".into(),
        A::INTERNAL_IP4_DNS => "IP4_DNS".into(),
        A::INTERNAL_IP4_NBNS => "IP4_NBNS".into(),
        A::INTERNAL_ADDRESS_EXPIRY => "ADDRESS_EXPIRY".into(),
        A::APPLICATION_VERSION => "APPLICATION_VERSION".into(),
        A::UNITY_DEF_DOMAIN => "DEFAULT_DOMAIN".into(),
        A::UNITY_SPLIT_INCLUDE => "SPLIT_INCLUDE".into(),
        _ => format!("UNKNOWN Unknown Attr: 0x{kind:X}"),
    }
}

/// The XAUTH_STATUS of a SET, if it carries one.
pub(crate) fn xauth_status(a: &AttributePayload) -> Option<bool> {
    a.attribute(A::XAUTH_STATUS)
        .and_then(DataAttribute::as_u32)
        .map(|v| v == u32::from(XauthStatus::OK.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_round_trip_keeps_what_was_asked() {
        let attrs = ModeConfigAttributes {
            address: Some(Ipv4Addr::new(10, 5, 5, 1)),
            dns: vec![Ipv4Addr::new(1, 1, 1, 1), Ipv4Addr::new(2, 2, 2, 2)],
            wins: vec![Ipv4Addr::new(3, 3, 3, 3), Ipv4Addr::new(4, 4, 4, 4)],
            domain: Some("cisco.com".into()),
            address_expiry: Some(86_386),
            split_include: vec![TrafficSelector::subnet(Ipv4Addr::new(10, 1, 0, 0), 16)],
            ..Default::default()
        };
        let req = config_request(7);
        let mut log = Vec::new();
        let reply = AttributePayload {
            message_type: ConfigMessageType::REPLY,
            identifier: 7,
            attributes: config_attributes(&attrs, Some(&req), &mut log),
        };
        let mut bytes = Vec::new();
        reply.emit(&mut bytes).unwrap();
        let back = AttributePayload::parse(&bytes).unwrap();
        assert_eq!(parse_config(&back), attrs);
        assert!(log.contains(&"Sending private address: 10.5.5.1".to_string()));
        // Not asked for: not sent.
        let only_addr = AttributePayload {
            message_type: ConfigMessageType::REQUEST,
            identifier: 1,
            attributes: vec![empty(A::INTERNAL_IP4_ADDRESS)],
        };
        let sent = config_attributes(&attrs, Some(&only_addr), &mut log);
        assert_eq!(sent.len(), 1);
    }

    #[test]
    fn xauth_reply_needs_both_fields() {
        let pw = XauthPassword::new(b"pw".to_vec());
        let r = xauth_reply(1, "gfullage", &pw);
        let (u, p) = parse_xauth_reply(&r).unwrap();
        assert_eq!(u, "gfullage");
        assert!(p.matches(b"pw"));
        let mut bad = r.clone();
        bad.attributes
            .retain(|a| a.kind != A::XAUTH_USER_PASSWORD.0);
        assert!(parse_xauth_reply(&bad).is_err());
        assert_eq!(xauth_status(&xauth_set(3, false)), Some(false));
        assert_eq!(xauth_status(&xauth_set(3, true)), Some(true));
        assert_eq!(ack(&xauth_set(3, true)).identifier, 3);
    }
}
