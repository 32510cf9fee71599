//! What Main Mode and Aggressive Mode share: the result of a state
//! transition, building phase-1 messages in the clear and sealed, the
//! key derivation once DH is done, and reading KE / NONCE / ID / HASH.

use super::chain::{Parsed, Payload, Received, emit_chain, parse_chain};
use super::suite::{IsakmpCrypter, Phase1Keys, Secret};
use super::{Error, IosState, Phase1Sa, SaPhase, parse_responder_lifetime};
use crate::error::{PeerIncompatible, PeerMisbehaved};
use crate::policy::{Lifetime, Phase1Proposal, PresharedKey};
use crate::wire::{
    Cookie, Doi, ExchangeType, Flags, IdPayload, NotifyPayload, NotifyType, PayloadView, ProtocolId,
};

pub(crate) use super::step::{Exchange, Step};

/// What a finished phase 1 hands the engine.
pub(crate) struct Phase1Done {
    pub(crate) sa: Box<Phase1Sa>,
    /// The peer asked to clear old SAs (INITIAL_CONTACT in the last message).
    pub(crate) initial_contact: bool,
}

impl<S: Exchange<Outcome = Phase1Done, Reply = Vec<u8>>> Step<S> {
    /// Phase 1 is complete (after sending `reply`, if any).
    pub(crate) fn phase1_done(
        sa: Box<Phase1Sa>,
        reply: Option<Vec<u8>>,
        received: IosState,
        initial_contact: bool,
    ) -> Self {
        Step::Done {
            outcome: Phase1Done {
                sa,
                initial_contact,
            },
            reply,
            received,
        }
    }
}

pub(crate) fn plain(
    icookie: Cookie,
    rcookie: Cookie,
    exchange: ExchangeType,
    payloads: &[Payload],
) -> Vec<u8> {
    let (first, body) = emit_chain(payloads);
    crate::wire::Header {
        initiator_cookie: icookie,
        responder_cookie: rcookie,
        exchange_type: exchange,
        flags: Flags::empty(),
        message_id: 0,
    }
    .message(first, &body)
}

pub(crate) fn sealed(
    crypter: &mut IsakmpCrypter,
    icookie: Cookie,
    rcookie: Cookie,
    exchange: ExchangeType,
    payloads: &[Payload],
) -> Vec<u8> {
    let (first, body) = emit_chain(payloads);
    let ct = crypter.encrypt(0, &body);
    crate::wire::Header {
        initiator_cookie: icookie,
        responder_cookie: rcookie,
        exchange_type: exchange,
        flags: Flags::ENCRYPTION,
        message_id: 0,
    }
    .message(first, &ct)
}

/// The body of a payload as emitted (`SAi_b`, `IDii_b`).
pub(crate) fn body_of(p: &Payload) -> Vec<u8> {
    let (_, b) = emit_chain(std::slice::from_ref(p));
    b.get(4..).unwrap_or_default().to_vec()
}

pub(crate) fn same_suite(a: &Phase1Proposal, b: &Phase1Proposal) -> bool {
    a.cipher == b.cipher && a.hash == b.hash && a.auth == b.auth && a.group == b.group
}

pub(crate) fn initial_contact(icookie: Cookie, rcookie: Cookie) -> Payload {
    let spi = Cookie::isakmp_spi(icookie, rcookie);
    Payload::Notify(NotifyPayload {
        doi: Doi::IPSEC,
        protocol: ProtocolId::ISAKMP,
        spi,
        notify_type: NotifyType::INITIAL_CONTACT,
        data: Vec::new(),
    })
}

pub(crate) fn has_initial_contact(payloads: &[Parsed]) -> bool {
    payloads
        .iter()
        .any(|p| matches!(&p.payload, Payload::Notify(n) if n.notify_type == NotifyType::INITIAL_CONTACT))
}

/// The responder's answer to our offer (MM2, AM2): one proposal with one
/// transform, a suite we offered, held to the shorter of our lifetime and
/// the responder's (its RESPONDER_LIFETIME notify, else the transform's).
pub(crate) fn responder_choice(
    payloads: &[Parsed],
    offered: &[Phase1Proposal],
) -> Result<Phase1Proposal, Error> {
    let (sa, _) = payloads.require_sa()?;
    let refused = || Error::PeerIncompatible(PeerIncompatible::NoProposalChosen);
    let mut chosen = match sa.proposals.as_slice() {
        [p] if p.transforms.len() == 1 => p
            .transforms
            .first()
            .and_then(|t| Phase1Proposal::try_from(t).ok()),
        _ => None,
    }
    .ok_or_else(refused)?;
    let ours = offered
        .iter()
        .find(|o| same_suite(o, &chosen))
        .ok_or_else(refused)?;
    chosen.lifetime = responder_lifetime(payloads)
        .unwrap_or(chosen.lifetime)
        .min(ours.lifetime);
    Ok(chosen)
}

pub(crate) fn responder_lifetime(payloads: &[Parsed]) -> Option<Lifetime> {
    payloads.iter().find_map(|p| match &p.payload {
        Payload::Notify(n) if n.notify_type == NotifyType::RESPONDER_LIFETIME => {
            parse_responder_lifetime(SaPhase::Isakmp, &n.data)
        }
        _ => None,
    })
}

/// Keys of phase 1 once DH is done.
pub(crate) struct KeyState {
    pub(crate) keys: Phase1Keys,
    pub(crate) crypter: IsakmpCrypter,
    pub(crate) g_xi: Vec<u8>,
    pub(crate) g_xr: Vec<u8>,
}

/// Heap bytes of the keys, the IV chains and the DH values, estimated
/// high (the half-open table's memory bound rests on it).
const KEY_STATE_HEAP: usize = 1024;

impl KeyState {
    /// Heap bytes held, estimated from above.
    pub(crate) fn retained_bytes(&self) -> usize {
        KEY_STATE_HEAP + self.g_xi.len() + self.g_xr.len()
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn derive(
    proposal: &Phase1Proposal,
    psk: &PresharedKey,
    ni: &[u8],
    nr: &[u8],
    g_xy: &Secret,
    g_xi: Vec<u8>,
    g_xr: Vec<u8>,
    icookie: &Cookie,
    rcookie: &Cookie,
) -> Result<KeyState, Error> {
    let keys = Phase1Keys::derive_psk(
        proposal.hash,
        psk.as_bytes(),
        ni,
        nr,
        g_xy,
        icookie,
        rcookie,
    );
    let crypter = IsakmpCrypter::new(&keys, proposal.cipher, proposal.hash, &g_xi, &g_xr)
        .ok_or(Error::Internal("phase-1 cipher"))?;
    Ok(KeyState {
        keys,
        crypter,
        g_xi,
        g_xr,
    })
}

/// KE and nonce from a message, checked.
pub(crate) fn ke_nonce(payloads: &[Parsed]) -> Result<(Vec<u8>, Vec<u8>), Error> {
    let ke = payloads.require_ke()?.data.clone();
    let nonce = payloads.require_nonce()?.data.clone();
    if !(8..=256).contains(&nonce.len()) {
        return Err(Error::malformed("nonce length"));
    }
    Ok((ke, nonce))
}

/// Decrypts a phase-1 message 5/6 (or AM3) and parses it; a message that
/// does not parse after decryption almost always means the two ends hold
/// different pre-shared keys.
///
/// The payloads borrow `plaintext`, which the caller owns.
pub(crate) fn open_phase1<'a>(
    crypter: &mut IsakmpCrypter,
    header: &Received<'_>,
    body: &[u8],
    plaintext: &'a mut Secret,
) -> Result<Vec<Parsed<'a>>, Error> {
    *plaintext = crypter
        .decrypt(0, body)
        .ok_or(Error::malformed("ciphertext length"))?;
    parse_chain(header.next_payload(), plaintext, true)
        .map_err(|_| Error::PeerMisbehaved(PeerMisbehaved::UndecryptableMessage))
}

pub(crate) fn id_and_hash<'p>(
    payloads: &'p [Parsed<'_>],
) -> Result<(&'p IdPayload, Vec<u8>, &'p [u8]), Error> {
    let (id, idp) = payloads.require_id()?;
    let hash = payloads.require_hash()?;
    Ok((id, idp.body().to_vec(), hash.data.as_slice()))
}
