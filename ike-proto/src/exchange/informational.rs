//! The Informational exchange, RFC 2409 5.7: once phase 1 has keys, every
//! notify and delete travels as `HDR*, HASH(1), N/D` with HASH(1) =
//! prf(SKEYID_a, M-ID | N/D), under a fresh message ID and its own IV.
//! Before that, error notifies go in the clear.
//!
//! DPD (RFC 3706) rides on it: R-U-THERE / R-U-THERE-ACK notifies with the
//! ISAKMP cookies as SPI and a 32-bit sequence number as data.

use super::chain::{Parsed, Payload, Received};
use super::suite::verify;
use super::{Error, IvRule, Phase1Sa};
use crate::error::PeerMisbehaved;
use crate::wire::{
    Cookie, DeletePayload, Doi, ExchangeType, Flags, NotifyPayload, NotifyType, ProtocolId,
};

/// What an Informational message carried.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InfoItem {
    /// A notify (type, protocol, SPI, data).
    Notify {
        /// Notify message type.
        ty: NotifyType,
        /// Protocol ID.
        protocol: ProtocolId,
        /// SPI.
        spi: Vec<u8>,
        /// Notification data.
        data: Vec<u8>,
    },
    /// A delete of SAs of one protocol.
    Delete {
        /// Protocol ID (ISAKMP or ESP).
        protocol: ProtocolId,
        /// The SPIs (cookie pairs for ISAKMP).
        spis: Vec<Vec<u8>>,
    },
}

fn items(payloads: &[Parsed]) -> Vec<InfoItem> {
    payloads
        .iter()
        .filter_map(|p| match &p.payload {
            Payload::Notify(n) => Some(InfoItem::Notify {
                ty: n.notify_type,
                protocol: n.protocol,
                spi: n.spi.clone(),
                data: n.data.clone(),
            }),
            Payload::Delete(d) => Some(InfoItem::Delete {
                protocol: d.protocol,
                spis: d.spis.clone(),
            }),
            _ => None,
        })
        .collect()
}

fn payload(item: &InfoItem) -> Payload {
    match item {
        InfoItem::Notify {
            ty,
            protocol,
            spi,
            data,
        } => Payload::Notify(NotifyPayload {
            doi: Doi::IPSEC,
            protocol: *protocol,
            spi: spi.clone(),
            notify_type: *ty,
            data: data.clone(),
        }),
        InfoItem::Delete { protocol, spis } => Payload::Delete(DeletePayload {
            doi: Doi::IPSEC,
            protocol: *protocol,
            spi_size: u8::try_from(spis.first().map_or(0, Vec::len)).unwrap_or(0),
            spis: spis.clone(),
        }),
    }
}

/// Builds a protected Informational message.
pub(crate) fn protected(p1: &mut Phase1Sa, message_id: u32, items: &[InfoItem]) -> Vec<u8> {
    let payloads: Vec<Payload> = items.iter().map(payload).collect();
    let msg = p1.protected_hash1(
        ExchangeType::INFORMATIONAL,
        message_id,
        &payloads,
        Flags::empty(),
    );
    p1.crypter.forget(message_id);
    msg
}

/// Opens a protected Informational message and checks its HASH(1).
pub(crate) fn open_protected(
    p1: &mut Phase1Sa,
    header: &Received<'_>,
    body: &[u8],
) -> Result<Vec<InfoItem>, Error> {
    match open_with(p1, header, body, IvRule::Chain) {
        // Message ID 0 after phase 1 is vpnc's Delete one time in 256 (a
        // one-byte random ID), encrypted as a new exchange: tried that way
        // too, and taken only if its HASH(1) verifies.
        Err(first) if header.message_id() == 0 => {
            open_with(p1, header, body, IvRule::NewExchange).map_err(|_| first)
        }
        done => done,
    }
}

fn open_with(
    p1: &mut Phase1Sa,
    header: &Received<'_>,
    body: &[u8],
    rule: IvRule,
) -> Result<Vec<InfoItem>, Error> {
    let mut plaintext = zeroize::Zeroizing::default();
    let opened = p1.open_with(header, body, &mut plaintext, rule)?;
    let expect = p1.keys.hash1(header.message_id(), opened.rest);
    if !verify(&expect, &opened.hash) {
        // Leave the IV state of this message ID alone: a forged message
        // must not erase the chain of a live exchange that shares the ID.
        return Err(Error::PeerMisbehaved(PeerMisbehaved::InvalidHash));
    }
    if rule == IvRule::Chain {
        p1.crypter.forget(header.message_id());
    }
    Ok(items(&opened.payloads))
}

/// Reads an unprotected Informational message (errors before phase 1 has
/// keys). Its content is unauthenticated.
pub(crate) fn open_plain(header: &Received<'_>, body: &[u8]) -> Result<Vec<InfoItem>, Error> {
    let payloads = super::chain::parse_chain(header.next_payload(), body, false)?;
    Ok(items(&payloads))
}

/// The ISAKMP SPI (CKY-I | CKY-R) of a phase-1 SA.
pub(crate) fn isakmp_spi(p1: &Phase1Sa) -> Vec<u8> {
    Cookie::isakmp_spi(p1.icookie, p1.rcookie)
}

/// The phase-1 RESPONDER_LIFETIME notify for `p1`'s lifetime in force, in
/// the Oakley classes; `None` when no lifetime is set.
pub(crate) fn phase1_responder_lifetime(p1: &Phase1Sa) -> Option<InfoItem> {
    (p1.proposal.lifetime != crate::policy::Lifetime::default()).then(|| InfoItem::Notify {
        ty: NotifyType::RESPONDER_LIFETIME,
        protocol: ProtocolId::ISAKMP,
        spi: isakmp_spi(p1),
        data: super::responder_lifetime_data(super::SaPhase::Isakmp, p1.proposal.lifetime),
    })
}

/// A DPD notify (R-U-THERE or R-U-THERE-ACK) with sequence `seq`.
pub(crate) fn dpd(p1: &Phase1Sa, ty: NotifyType, seq: u32) -> InfoItem {
    InfoItem::Notify {
        ty,
        protocol: ProtocolId::ISAKMP,
        spi: isakmp_spi(p1),
        data: seq.to_be_bytes().to_vec(),
    }
}
