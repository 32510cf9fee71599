//! Quick Mode, RFC 2409 5.5:
//!
//! ```text
//! Initiator                                   Responder
//! HDR*, HASH(1), SA, Ni [, KE] [, IDci, IDcr] -->
//!                         <-- HDR*, HASH(2), SA, Nr [, KE] [, IDci, IDcr]
//! HDR*, HASH(3)                               -->
//! ```
//!
//! Runs only on an authenticated [`Phase1Sa`]. The responder asks the
//! policy which proposal and selectors it accepts; a shorter lifetime goes
//! back in a RESPONDER_LIFETIME notify, which the initiator honours. The
//! commit bit is honoured: a responder that sets it makes the initiator wait
//! for CONNECTED; an initiator that sets it gets CONNECTED after HASH(3).

use crate::error::{InvalidMessage, PeerIncompatible, PeerMisbehaved};
use core::fmt;
use std::net::SocketAddrV4;

use zeroize::Zeroizing;

use crate::wire::{
    Doi, ExchangeType, Flags, NotifyPayload, NotifyType, PayloadType, PayloadView, Proposal,
    ProtocolId, SIT_IDENTITY_ONLY, SaPayload, Transform,
};

use super::IosState;
use super::chain::{Parsed, Payload, Received, emit_chain};
use super::said;
use super::step::{Exchange, Step};
use super::suite::{DhKeyPair, Secret, verify};
use super::{
    Ctx, Error, EspTransform, NattMethod, Phase1Sa, SaPhase, parse_responder_lifetime,
    parse_selector, responder_lifetime_data, selector_payload,
};
use crate::policy::{
    Lifetime, Phase2Proposal, Phase2Refusal, Phase2Request, Selectors, TrafficSelector,
};

/// Key material, zeroized on drop and never printed; not `Clone`, so
/// it is moved to the data plane, not copied. The default is empty.
#[derive(Default, PartialEq, Eq)]
pub struct SecretKey(Zeroizing<Vec<u8>>);

impl SecretKey {
    /// A key from its bytes (which it takes, to wipe them on drop).
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// The key bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey(<{} bytes>)", self.0.len())
    }
}

/// The keys of one direction of an ESP SA.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct EspKeys {
    /// Encryption key (for AES-GCM: key then 4-byte salt).
    pub encryption: SecretKey,
    /// Integrity key (empty for combined-mode ciphers).
    pub integrity: SecretKey,
}

impl EspKeys {
    /// One direction's keys, for an SA no Quick Mode negotiated (a test's,
    /// a bench's, ike-policy's `Gateway::install_unnegotiated`).
    pub fn new(encryption: Vec<u8>, integrity: Vec<u8>) -> Self {
        Self {
            encryption: SecretKey::new(encryption),
            integrity: SecretKey::new(integrity),
        }
    }
}

fn split_keys(km: &Secret, p: &Phase2Proposal) -> EspKeys {
    let e = p.cipher.key_len();
    EspKeys {
        encryption: SecretKey(Zeroizing::new(km.get(..e).unwrap_or_default().to_vec())),
        integrity: SecretKey(Zeroizing::new(km.get(e..).unwrap_or_default().to_vec())),
    }
}

/// A child SA as Quick Mode negotiated it.
#[derive(Debug)]
pub struct NegotiatedChild {
    /// The SPI we receive on.
    pub spi_in: u32,
    /// The SPI we send with.
    pub spi_out: u32,
    /// The transform.
    pub proposal: Phase2Proposal,
    /// UDP encapsulation (NAT-T) in use.
    pub udp_encap: bool,
    /// The lifetime in force.
    pub lifetime: Lifetime,
    /// Selectors from our point of view.
    pub selectors: Selectors,
    /// Keys of the inbound SA.
    pub keys_in: EspKeys,
    /// Keys of the outbound SA.
    pub keys_out: EspKeys,
}

struct Material<'a> {
    ni: &'a [u8],
    nr: &'a [u8],
    g_qm: Option<&'a Secret>,
}

fn keys(p1: &Phase1Sa, m: &Material<'_>, p: &Phase2Proposal, spi: u32) -> EspKeys {
    let len = p.cipher.key_len() + p.integrity.map_or(0, |i| i.key_len());
    let km = p1.keys.keymat(
        ProtocolId::IPSEC_ESP.get(),
        &spi.to_be_bytes(),
        m.ni,
        m.nr,
        m.g_qm.map(|g| g.as_slice()),
        len,
    );
    split_keys(&km, p)
}

fn esp_sa(number: u8, spi: u32, transforms: Vec<Transform>) -> Proposal {
    Proposal {
        number,
        protocol: ProtocolId::IPSEC_ESP,
        spi: spi.to_be_bytes().to_vec(),
        transforms,
    }
}

/// Quick Mode as initiator.
pub(crate) enum QuickModeInitiator {
    /// QM1 sent.
    ExpectHash2(ExpectHash2),
    /// QM3 sent with the responder's commit bit: waiting for CONNECTED.
    ExpectConnected(Box<NegotiatedChild>),
}

pub(crate) struct ExpectHash2 {
    message_id: u32,
    offered: Vec<Phase2Proposal>,
    spi_in: u32,
    ni: Vec<u8>,
    dh: Option<DhKeyPair>,
    selectors: Selectors,
    sent_ids: bool,
    natt: Option<NattMethod>,
}

impl Exchange for QuickModeInitiator {
    /// The child SA, up once QM3 went (or, with the responder's commit
    /// bit, once its CONNECTED came: then the step is `Next` to
    /// `ExpectConnected`).
    type Outcome = Box<NegotiatedChild>;
    type Reply = Vec<u8>;
}

impl QuickModeInitiator {
    /// Builds QM1 for `offer`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn start(
        p1: &mut Phase1Sa,
        ctx: &mut Ctx<'_>,
        message_id: u32,
        proposals: Vec<Phase2Proposal>,
        selectors: Selectors,
        send_ids: bool,
        spi_in: u32,
    ) -> Result<(Self, Vec<u8>), Error> {
        let _proof = p1.authenticated();
        let natt = p1.nat.method.filter(|_| p1.nat.any());
        // One KE per message: only proposals sharing the first one's PFS group.
        let pfs = proposals.first().and_then(|p| p.pfs);
        let offered: Vec<Phase2Proposal> = proposals.into_iter().filter(|p| p.pfs == pfs).collect();
        if offered.is_empty() {
            return Err(Error::PeerIncompatible(PeerIncompatible::NoProposalChosen));
        }
        let sa = SaPayload {
            doi: Doi::IPSEC,
            situation: SIT_IDENTITY_ONLY,
            proposals: offered
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let n = u8::try_from(i + 1).unwrap_or(u8::MAX);
                    esp_sa(
                        n,
                        spi_in,
                        vec![Transform::from(&EspTransform::new(*p, natt))],
                    )
                })
                .collect(),
        };
        let ni = ctx.nonce();
        let dh = pfs.map(|g| DhKeyPair::generate(g, ctx.rng));
        let mut payloads = vec![
            Payload::Sa(sa),
            Payload::Nonce(crate::wire::NoncePayload::new(ni.clone())),
        ];
        if let Some(dh) = &dh {
            payloads.push(Payload::Ke(crate::wire::KePayload::new(dh.public.clone())));
        }
        if send_ids {
            payloads.push(Payload::Id(selector_payload(&selectors.local)));
            payloads.push(Payload::Id(selector_payload(&selectors.remote)));
        }
        let commit = if ctx.commit {
            Flags::COMMIT
        } else {
            Flags::empty()
        };
        let msg = p1.protected_hash1(ExchangeType::QUICK, message_id, &payloads, commit);
        Ok((
            Self::ExpectHash2(ExpectHash2 {
                message_id,
                offered,
                spi_in,
                ni,
                dh,
                selectors,
                sent_ids: send_ids,
                natt,
            }),
            msg,
        ))
    }

    /// Handles QM2 (or CONNECTED while waiting for it).
    pub(crate) fn handle(
        self,
        p1: &mut Phase1Sa,
        header: &Received<'_>,
        body: &[u8],
    ) -> Step<Self> {
        match self {
            Self::ExpectHash2(s) => s.handle(p1, header, body),
            Self::ExpectConnected(c) => Step::Ignore {
                state: Self::ExpectConnected(c),
                why: "waiting for CONNECTED",
            },
        }
    }

    /// The SPI we offered (to match a NO_PROPOSAL_CHOSEN notify).
    pub(crate) fn spi_in(&self) -> u32 {
        match self {
            Self::ExpectHash2(s) => s.spi_in,
            Self::ExpectConnected(c) => c.spi_in,
        }
    }
}

impl ExpectHash2 {
    fn handle(
        self,
        p1: &mut Phase1Sa,
        header: &Received<'_>,
        body: &[u8],
    ) -> Step<QuickModeInitiator> {
        let mut plaintext = zeroize::Zeroizing::default();
        let opened = match p1.open(header, body, &mut plaintext) {
            Ok(o) => o,
            Err(e) => {
                return Step::Ignore {
                    state: QuickModeInitiator::ExpectHash2(self),
                    why: ignore_why(e),
                };
            }
        };
        let expect = p1.keys.hash2(self.message_id, &self.ni, opened.rest);
        if !verify(&expect, &opened.hash) {
            // Unauthenticated: a damaged or forged copy must not end the
            // exchange; the real QM2 (or its retransmission) still can.
            return Step::Ignore {
                state: QuickModeInitiator::ExpectHash2(self),
                why: "QM2 with a HASH(2) that does not verify",
            };
        }
        p1.crypter.confirm(self.message_id);
        match self.accept(p1, header, &opened.payloads) {
            Ok(o) => o,
            Err(e) => Step::Fail(e),
        }
    }

    fn accept(
        self,
        p1: &mut Phase1Sa,
        header: &Received<'_>,
        payloads: &[Parsed],
    ) -> Result<Step<QuickModeInitiator>, Error> {
        let (sa, _) = payloads.require_sa()?;
        let (prop, t) = match sa.proposals.as_slice() {
            [p] => match p.transforms.as_slice() {
                [t] => (p, t),
                _ => return Err(Error::PeerIncompatible(PeerIncompatible::NoProposalChosen)),
            },
            _ => return Err(Error::PeerIncompatible(PeerIncompatible::NoProposalChosen)),
        };
        let EspTransform {
            proposal: chosen,
            udp,
        } = EspTransform::try_from(t)
            .map_err(|_| Error::PeerIncompatible(PeerIncompatible::NoProposalChosen))?;
        let udp = udp.is_some();
        let index = usize::from(prop.number)
            .checked_sub(1)
            .ok_or(Error::PeerIncompatible(PeerIncompatible::NoProposalChosen))?;
        let ours = self
            .offered
            .get(index)
            .ok_or(Error::PeerIncompatible(PeerIncompatible::NoProposalChosen))?;
        if ours.cipher != chosen.cipher
            || ours.integrity != chosen.integrity
            || ours.mode != chosen.mode
            || ours.pfs != chosen.pfs
        {
            return Err(Error::PeerIncompatible(PeerIncompatible::NoProposalChosen));
        }
        if udp != self.natt.is_some() {
            return Err(Error::PeerIncompatible(PeerIncompatible::NoProposalChosen));
        }
        let spi_out: [u8; 4] = prop
            .spi
            .as_slice()
            .try_into()
            .map_err(|_| Error::malformed("ESP SPI size"))?;
        let spi_out = u32::from_be_bytes(spi_out);
        let nr = payloads.require_nonce()?.data.clone();
        let g_qm = match &self.dh {
            Some(dh) => {
                let ke = payloads.require_ke()?.data.as_slice();
                Some(
                    dh.shared(ke)
                        .ok_or(Error::PeerMisbehaved(PeerMisbehaved::InvalidKeyInformation))?,
                )
            }
            None => None,
        };
        let ids: Vec<&crate::wire::IdPayload> = payloads
            .iter()
            .filter_map(|p| match &p.payload {
                Payload::Id(i) => Some(i),
                _ => None,
            })
            .collect();
        let mut selectors = self.selectors;
        if self.sent_ids {
            match ids.as_slice() {
                [ci, cr] => {
                    // The responder echoes our IDs, or (strongSwan) narrows
                    // them to what its policy covers: a narrower SA only
                    // protects less, so it is taken; anything wider or
                    // elsewhere is refused.
                    let (local, remote) = (parse_selector(ci)?, parse_selector(cr)?);
                    if !self.selectors.local.contains(&local)
                        || !self.selectors.remote.contains(&remote)
                    {
                        return Err(Error::PeerIncompatible(
                            PeerIncompatible::InvalidIdInformation,
                        ));
                    }
                    selectors = Selectors { local, remote };
                }
                _ => {
                    return Err(Error::PeerIncompatible(
                        PeerIncompatible::InvalidIdInformation,
                    ));
                }
            }
        }
        let mut lifetime = ours.lifetime;
        if let Some(l) = payloads.iter().find_map(|p| match &p.payload {
            Payload::Notify(n) if n.notify_type == NotifyType::RESPONDER_LIFETIME => {
                parse_responder_lifetime(SaPhase::Ipsec, &n.data)
            }
            _ => None,
        }) {
            lifetime = lifetime.min(l);
        }
        let m = Material {
            ni: &self.ni,
            nr: &nr,
            g_qm: g_qm.as_ref(),
        };
        let child = NegotiatedChild {
            spi_in: self.spi_in,
            spi_out,
            proposal: Phase2Proposal { lifetime, ..*ours },
            udp_encap: udp,
            lifetime,
            selectors,
            keys_in: keys(p1, &m, ours, self.spi_in),
            keys_out: keys(p1, &m, ours, spi_out),
        };
        let h3 = p1.keys.hash3(self.message_id, &self.ni, &nr);
        let reply = p1.seal(
            ExchangeType::QUICK,
            self.message_id,
            h3.to_vec(),
            PayloadType::NONE,
            &[],
            Flags::empty(),
        );
        if header.flags().contains(Flags::COMMIT) {
            return Ok(Step::Next {
                state: QuickModeInitiator::ExpectConnected(Box::new(child)),
                reply,
                received: IosState::IkeQmIQm1,
            });
        }
        Ok(Step::Done {
            outcome: Box::new(child),
            reply: Some(reply),
            received: IosState::IkeQmPhase2Complete,
        })
    }
}

fn ignore_why(e: Error) -> &'static str {
    match e {
        Error::InvalidMessage(InvalidMessage::Malformed(w))
        | Error::PeerMisbehaved(PeerMisbehaved::UnexpectedMessage(w)) => w,
        _ => "undecryptable",
    }
}

/// Why a Quick Mode offer was not answered.
#[derive(Debug, Clone)]
pub(crate) struct QmRefusal {
    pub(crate) error: Error,
    /// The message's HASH(1) verified: the peer sent it and deserves a
    /// (protected) notify.
    pub(crate) authenticated: bool,
    /// The ESP SPI the initiator proposed, if any.
    pub(crate) spi: Option<[u8; 4]>,
}

/// What the responder's QM3 handling produced.
pub(crate) struct ResponderDone {
    pub(crate) child: NegotiatedChild,
    /// The initiator set the commit bit: CONNECTED is owed.
    pub(crate) send_connected: bool,
}

impl Exchange for QuickModeResponder {
    type Outcome = ResponderDone;
    type Reply = Vec<u8>;
}

/// Quick Mode as responder: QM2 sent, waiting for HASH(3).
pub(crate) struct QuickModeResponder {
    message_id: u32,
    ni: Vec<u8>,
    nr: Vec<u8>,
    g_qm: Option<Secret>,
    child: NegotiatedChild,
    send_connected: bool,
}

/// The peers' addresses when no client IDs are sent.
fn host_selectors(local: SocketAddrV4, remote: SocketAddrV4) -> Selectors {
    Selectors {
        local: TrafficSelector::host(*local.ip()),
        remote: TrafficSelector::host(*remote.ip()),
    }
}

impl QuickModeResponder {
    /// Handles QM1: verifies HASH(1), asks the policy, builds QM2.
    /// `alloc_spi` allocates our inbound SPI (IOS: "asking for 1 spis from
    /// ipsec", state IKE_QM_SPI_STARVE). Without `room` (the IKE SA or the
    /// peer holds its most child SAs) an authenticated QM1 is refused with
    /// NO_PROPOSAL_CHOSEN before the policy is asked or a PFS DH computed.
    pub(crate) fn start(
        p1: &mut Phase1Sa,
        ctx: &mut Ctx<'_>,
        header: &Received<'_>,
        body: &[u8],
        alloc_spi: &mut dyn FnMut(&mut Ctx<'_>) -> u32,
        room: bool,
    ) -> Result<(Self, Vec<u8>), QmRefusal> {
        let _proof = p1.authenticated();
        let unproven = |error| QmRefusal {
            error,
            authenticated: false,
            spi: None,
        };
        let mut plaintext = zeroize::Zeroizing::default();
        let opened = p1.open(header, body, &mut plaintext).map_err(unproven)?;
        let expect = p1.keys.hash1(header.message_id(), opened.rest);
        if !verify(&expect, &opened.hash) {
            return Err(unproven(Error::PeerMisbehaved(PeerMisbehaved::InvalidHash)));
        }
        p1.crypter.confirm(header.message_id());
        said::hmac(ctx);
        said::processing(ctx, "HASH", header.message_id());
        // The SPI the initiator proposed names the failed negotiation in
        // our notify.
        let spi = opened.payloads.iter().find_map(|p| match &p.payload {
            Payload::Sa(sa) => sa
                .proposals
                .iter()
                .find(|p| p.protocol == ProtocolId::IPSEC_ESP)
                .and_then(|p| <[u8; 4]>::try_from(p.spi.as_slice()).ok()),
            _ => None,
        });
        if !room {
            return Err(QmRefusal {
                error: Error::PeerIncompatible(PeerIncompatible::NoProposalChosen),
                authenticated: true,
                spi,
            });
        }
        Self::accept(p1, ctx, header, &opened.payloads, alloc_spi).map_err(|error| QmRefusal {
            error,
            authenticated: true,
            spi,
        })
    }

    fn accept(
        p1: &mut Phase1Sa,
        ctx: &mut Ctx<'_>,
        header: &Received<'_>,
        payloads: &[Parsed],
        alloc_spi: &mut dyn FnMut(&mut Ctx<'_>) -> u32,
    ) -> Result<(Self, Vec<u8>), Error> {
        let (sa, _) = payloads.require_sa()?;
        said::processing(ctx, "SA", header.message_id());
        let ni = payloads.require_nonce()?.data.clone();
        let ke = payloads.require_ke().ok().map(|k| k.data.clone());
        let ids: Vec<&crate::wire::IdPayload> = payloads
            .iter()
            .filter_map(|p| match &p.payload {
                Payload::Id(i) => Some(i),
                _ => None,
            })
            .collect();
        let (selectors, echo_ids) = match ids.as_slice() {
            [] => (host_selectors(ctx.local, ctx.remote), None),
            [ci, cr] => (
                Selectors {
                    local: parse_selector(cr)?,
                    remote: parse_selector(ci)?,
                },
                Some(((*ci).clone(), (*cr).clone())),
            ),
            _ => {
                return Err(Error::PeerIncompatible(
                    PeerIncompatible::InvalidIdInformation,
                ));
            }
        };
        if let Some(a) = p1.assigned_address {
            // A Mode Config client speaks for its assigned address only.
            if selectors.remote != TrafficSelector::host(a) {
                return Err(Error::PeerIncompatible(
                    PeerIncompatible::InvalidIdInformation,
                ));
            }
        }
        let natt = p1.nat.method.filter(|_| p1.nat.any());
        // Proposals: several payloads with one number are an AND (e.g.
        // AH+ESP), which we do not do; each ESP-only proposal's transforms
        // are alternatives.
        let mut offers: Vec<(u8, [u8; 4], Transform, Phase2Proposal, bool)> = Vec::new();
        for p in &sa.proposals {
            let siblings = sa.proposals.iter().filter(|q| q.number == p.number).count();
            if p.protocol != ProtocolId::IPSEC_ESP || siblings != 1 {
                continue;
            }
            let Ok(spi) = <[u8; 4]>::try_from(p.spi.as_slice()) else {
                continue;
            };
            for t in &p.transforms {
                if let Ok(e) = EspTransform::try_from(t) {
                    offers.push((p.number, spi, t.clone(), e.proposal, e.udp.is_some()));
                }
            }
        }
        let list: Vec<Phase2Proposal> = offers.iter().map(|o| o.3).collect();
        let request = Phase2Request {
            local: *ctx.local.ip(),
            peer: *ctx.remote.ip(),
            peer_port: ctx.remote.port(),
            assigned_address: p1.assigned_address,
            profile: p1.profile.as_ref(),
            selectors,
            offered: &list,
        };
        let choice = ctx.policy.choose_phase2(&request).map_err(|r| match r {
            Phase2Refusal::NoProposalChosen => {
                Error::PeerIncompatible(PeerIncompatible::NoProposalChosen)
            }
            Phase2Refusal::InvalidIdInformation => {
                Error::PeerIncompatible(PeerIncompatible::InvalidIdInformation)
            }
        })?;
        let (number, spi_out, transform, chosen, udp) = offers
            .get(choice.index)
            .cloned()
            .ok_or(Error::PeerIncompatible(PeerIncompatible::NoProposalChosen))?;
        if udp != natt.is_some() {
            return Err(Error::PeerIncompatible(PeerIncompatible::NoProposalChosen));
        }
        said::phase2_accepted(ctx, number, &[&transform]);
        said::validate_request(ctx, &selectors, &chosen);
        said::processing(ctx, "NONCE", header.message_id());
        for _ in &ids {
            said::processing(ctx, "ID", header.message_id());
        }
        let mut dh = None;
        let g_qm = match chosen.pfs {
            Some(g) => {
                let ke = ke.ok_or(Error::unexpected("PFS without KE"))?;
                let pair = DhKeyPair::generate(g, ctx.rng);
                let shared = pair
                    .shared(&ke)
                    .ok_or(Error::PeerMisbehaved(PeerMisbehaved::InvalidKeyInformation))?;
                dh = Some(pair);
                Some(shared)
            }
            None => None,
        };
        if chosen.pfs.is_some() {
            said::processing(ctx, "KE", header.message_id());
        }
        ctx.trace.conn("asking for 1 spis from ipsec");
        let spi_in = alloc_spi(ctx);
        let spi_out = u32::from_be_bytes(spi_out);
        let nr = ctx.nonce();
        let mut out = vec![
            Payload::Sa(SaPayload {
                doi: sa.doi,
                situation: sa.situation,
                proposals: vec![esp_sa(number, spi_in, vec![transform])],
            }),
            Payload::Nonce(crate::wire::NoncePayload::new(nr.clone())),
        ];
        if let Some(dh) = &dh {
            out.push(Payload::Ke(crate::wire::KePayload::new(dh.public.clone())));
        }
        if let Some((ci, cr)) = echo_ids {
            out.push(Payload::Id(ci));
            out.push(Payload::Id(cr));
        }
        if choice.lifetime != chosen.lifetime {
            out.push(Payload::Notify(NotifyPayload {
                doi: Doi::IPSEC,
                protocol: ProtocolId::IPSEC_ESP,
                spi: spi_in.to_be_bytes().to_vec(),
                notify_type: NotifyType::RESPONDER_LIFETIME,
                data: responder_lifetime_data(SaPhase::Ipsec, choice.lifetime),
            }));
        }
        let (first, rest) = emit_chain(&out);
        said::hmac(ctx);
        let h2 = p1.keys.hash2(header.message_id(), &ni, &rest);
        let commit = if ctx.commit {
            Flags::COMMIT
        } else {
            Flags::empty()
        };
        let reply = p1.seal(
            ExchangeType::QUICK,
            header.message_id(),
            h2.to_vec(),
            first,
            &rest,
            commit,
        );
        let m = Material {
            ni: &ni,
            nr: &nr,
            g_qm: g_qm.as_ref(),
        };
        let proposal = Phase2Proposal {
            lifetime: choice.lifetime,
            ..chosen
        };
        let child = NegotiatedChild {
            spi_in,
            spi_out,
            proposal,
            udp_encap: udp,
            lifetime: choice.lifetime,
            selectors,
            keys_in: keys(p1, &m, &chosen, spi_in),
            keys_out: keys(p1, &m, &chosen, spi_out),
        };
        Ok((
            Self {
                message_id: header.message_id(),
                ni,
                nr,
                g_qm,
                child,
                // Either side set the commit bit: CONNECTED follows HASH(3).
                send_connected: header.flags().contains(Flags::COMMIT) || ctx.commit,
            },
            reply,
        ))
    }

    /// Our inbound SPI.
    pub(crate) fn spi_in(&self) -> u32 {
        self.child.spi_in
    }

    /// Handles QM3. On success, the child SA and whether the CONNECTED
    /// notify is owed (the initiator set the commit bit); a message that
    /// does not open or verify is rejected with the state kept.
    pub(crate) fn handle(
        self,
        p1: &mut Phase1Sa,
        header: &Received<'_>,
        body: &[u8],
    ) -> Step<Self> {
        let mut plaintext = zeroize::Zeroizing::default();
        let opened = match p1.open(header, body, &mut plaintext) {
            Ok(o) => o,
            Err(error) => return Step::Reject { state: self, error },
        };
        let expect = p1.keys.hash3(self.message_id, &self.ni, &self.nr);
        if !verify(&expect, &opened.hash) || !opened.payloads.is_empty() {
            return Step::Reject {
                state: self,
                error: Error::PeerMisbehaved(PeerMisbehaved::InvalidHash),
            };
        }
        let _ = &self.g_qm;
        p1.crypter.confirm(self.message_id);
        Step::Done {
            outcome: ResponderDone {
                child: self.child,
                send_connected: self.send_connected,
            },
            reply: None,
            received: IosState::IkeQmPhase2Complete,
        }
    }
}
