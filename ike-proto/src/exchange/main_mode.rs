//! Main Mode (identity protection) with pre-shared keys, RFC 2409 5.4:
//!
//! ```text
//! Initiator                          Responder
//! HDR, SA [, VIDs]              -->                      (MM1)
//!                               <--  HDR, SA [, VIDs]     (MM2)
//! HDR, KE, Ni [, NAT-D, NAT-D]  -->                      (MM3)
//!                               <--  HDR, KE, Nr [, NAT-D, NAT-D] (MM4)
//! HDR*, IDii, HASH_I [, N(INITIAL_CONTACT)] -->          (MM5, to 4500 under NAT)
//!                               <--  HDR*, IDir, HASH_R   (MM6)
//! ```
//!
//! The pre-shared key is chosen by the peer's address: the identity is
//! only known (encrypted) in MM5.

use super::chain::{Payload, Received, parse_chain};
use super::phase1::{
    Exchange, KeyState, Phase1Done, Step, body_of, derive, has_initial_contact, id_and_hash,
    initial_contact, ke_nonce, open_phase1, plain, responder_choice, sealed,
};
use super::said;
use super::suite::DhKeyPair;
use super::{
    Ctx, Error, NatDetection, PeerCaps, Phase1Sa, check_nat_d, check_phase1_hash, identity_payload,
    nat_d_payloads, our_vids, parse_identity, phase1_offers, phase1_sa, phase1_sa_reply,
};
use crate::error::{PeerIncompatible, PeerMisbehaved};
use crate::exchange::IosState;
use crate::policy::{Identity, Phase1Proposal, PresharedKey};
use crate::wire::{Cookie, ExchangeType, Flags, PayloadType, PayloadView};

/// Main Mode as initiator.
#[allow(clippy::large_enum_variant)] // one per negotiating SA; boxing buys nothing
pub(crate) enum MainModeInitiator {
    /// MM1 sent, waiting for the responder's SA.
    ExpectSa(ExpectSa),
    /// MM3 sent, waiting for KE, Nr.
    ExpectKe(ExpectKe),
    /// MM5 sent, waiting for IDir, HASH_R.
    ExpectHashR(ExpectHashR),
}

pub(crate) struct ExpectSa {
    icookie: Cookie,
    offered: Vec<Phase1Proposal>,
    sai_b: Vec<u8>,
    psk: PresharedKey,
    local_id: Identity,
}

pub(crate) struct ExpectKe {
    icookie: Cookie,
    rcookie: Cookie,
    chosen: Phase1Proposal,
    sai_b: Vec<u8>,
    psk: PresharedKey,
    local_id: Identity,
    dh: DhKeyPair,
    ni: Vec<u8>,
    caps: PeerCaps,
    want_initial_contact: bool,
}

pub(crate) struct ExpectHashR {
    icookie: Cookie,
    rcookie: Cookie,
    chosen: Phase1Proposal,
    sai_b: Vec<u8>,
    local_id: Identity,
    ks: KeyState,
    caps: PeerCaps,
    nat: NatDetection,
}

impl Exchange for MainModeInitiator {
    type Outcome = Phase1Done;
    type Reply = Vec<u8>;
}

impl MainModeInitiator {
    /// The state name as IOS prints it.
    pub(crate) fn name(&self) -> IosState {
        match self {
            Self::ExpectSa(_) => IosState::IkeIMm1,
            Self::ExpectKe(_) => IosState::IkeIMm3,
            Self::ExpectHashR(_) => IosState::IkeIMm5,
        }
    }

    /// Builds MM1.
    pub(crate) fn start(
        ctx: &mut Ctx<'_>,
        icookie: Cookie,
        offered: Vec<Phase1Proposal>,
        psk: PresharedKey,
        local_id: Identity,
    ) -> (Self, Vec<u8>) {
        let sa = Payload::Sa(phase1_sa(&offered));
        let sai_b = body_of(&sa);
        let mut payloads = vec![sa];
        payloads.extend(our_vids(ctx, None));
        let msg = plain(icookie, Cookie::ZERO, ExchangeType::MAIN_MODE, &payloads);
        (
            Self::ExpectSa(ExpectSa {
                icookie,
                offered,
                sai_b,
                psk,
                local_id,
            }),
            msg,
        )
    }

    /// Handles MM2, MM4 or MM6. `want_initial_contact` says whether MM5
    /// should carry INITIAL_CONTACT (no SA with this peer yet).
    pub(crate) fn handle(
        self,
        ctx: &mut Ctx<'_>,
        header: &Received<'_>,
        body: &[u8],
        want_initial_contact: bool,
    ) -> Step<Self> {
        match self {
            Self::ExpectSa(s) => s.handle(ctx, header, body, want_initial_contact),
            Self::ExpectKe(s) => s.handle(ctx, header, body),
            Self::ExpectHashR(s) => s.handle(ctx, header, body),
        }
    }

    /// What MM4's NAT-D payloads showed, once MM4 is in: the float before
    /// MM5 is the engine's to carry out.
    pub(crate) fn nat_detected(&self) -> Option<NatDetection> {
        match self {
            Self::ExpectHashR(s) => Some(s.nat),
            _ => None,
        }
    }
}

fn fail<S: Exchange>(e: Error) -> Step<S> {
    Step::Fail(e)
}

impl ExpectSa {
    fn handle(
        self,
        ctx: &mut Ctx<'_>,
        header: &Received<'_>,
        body: &[u8],
        want_ic: bool,
    ) -> Step<MainModeInitiator> {
        if header.flags().contains(Flags::ENCRYPTION) || header.responder_cookie().is_zero() {
            return Step::Ignore {
                state: MainModeInitiator::ExpectSa(self),
                why: "MM2 must be in the clear with the responder cookie",
            };
        }
        let payloads = match parse_chain(header.next_payload(), body, false) {
            Ok(p) => p,
            Err(e) => return fail(e),
        };
        let chosen = match responder_choice(&payloads, &self.offered) {
            Ok(c) => c,
            Err(e) => return fail(e),
        };
        let caps = PeerCaps::from_payloads(&payloads, ctx);
        let dh = DhKeyPair::generate(chosen.group, ctx.rng);
        let ni = ctx.nonce();
        let mut out = vec![
            Payload::Ke(crate::wire::KePayload::new(dh.public.clone())),
            Payload::Nonce(crate::wire::NoncePayload::new(ni.clone())),
        ];
        if let Some(m) = caps.natt {
            out.extend(nat_d_payloads(
                ctx,
                m,
                chosen.hash,
                &self.icookie,
                &header.responder_cookie(),
            ));
        }
        let reply = plain(
            self.icookie,
            header.responder_cookie(),
            ExchangeType::MAIN_MODE,
            &out,
        );
        Step::Next {
            state: MainModeInitiator::ExpectKe(ExpectKe {
                icookie: self.icookie,
                rcookie: header.responder_cookie(),
                chosen,
                sai_b: self.sai_b,
                psk: self.psk,
                local_id: self.local_id,
                dh,
                ni,
                caps,
                want_initial_contact: want_ic,
            }),
            reply,
            received: IosState::IkeIMm2,
        }
    }
}

impl ExpectKe {
    fn handle(
        self,
        ctx: &mut Ctx<'_>,
        header: &Received<'_>,
        body: &[u8],
    ) -> Step<MainModeInitiator> {
        if header.flags().contains(Flags::ENCRYPTION) {
            return Step::Ignore {
                state: MainModeInitiator::ExpectKe(self),
                why: "MM4 must be in the clear",
            };
        }
        let payloads = match parse_chain(header.next_payload(), body, false) {
            Ok(p) => p,
            Err(e) => return fail(e),
        };
        let (g_xr, nr) = match ke_nonce(&payloads) {
            Ok(v) => v,
            Err(Error::PeerMisbehaved(PeerMisbehaved::UnexpectedMessage(_))) => {
                // Most likely a retransmitted MM2: keep waiting.
                return Step::Ignore {
                    state: MainModeInitiator::ExpectKe(self),
                    why: "not MM4",
                };
            }
            Err(e) => return fail(e),
        };
        let Some(g_xy) = self.dh.shared(&g_xr) else {
            return fail(Error::PeerMisbehaved(PeerMisbehaved::InvalidKeyInformation));
        };
        let nat = check_nat_d(
            ctx,
            self.caps.natt,
            self.chosen.hash,
            &self.icookie,
            &self.rcookie,
            &payloads,
        );
        let mut ks = match derive(
            &self.chosen,
            &self.psk,
            &self.ni,
            &nr,
            &g_xy,
            self.dh.public.clone(),
            g_xr,
            &self.icookie,
            &self.rcookie,
        ) {
            Ok(k) => k,
            Err(e) => return fail(e),
        };
        let id = Payload::Id(identity_payload(&self.local_id));
        let idii_b = body_of(&id);
        let hash_i = ks.keys.hash_i(
            &ks.g_xi,
            &ks.g_xr,
            &self.icookie,
            &self.rcookie,
            &self.sai_b,
            &idii_b,
        );
        let mut out = vec![
            id,
            Payload::Hash(crate::wire::HashPayload::new(hash_i.to_vec())),
        ];
        if self.want_initial_contact {
            out.push(initial_contact(self.icookie, self.rcookie));
        }
        let reply = sealed(
            &mut ks.crypter,
            self.icookie,
            self.rcookie,
            ExchangeType::MAIN_MODE,
            &out,
        );
        Step::Next {
            state: MainModeInitiator::ExpectHashR(ExpectHashR {
                icookie: self.icookie,
                rcookie: self.rcookie,
                chosen: self.chosen,
                sai_b: self.sai_b,
                local_id: self.local_id,
                ks,
                caps: self.caps,
                nat,
            }),
            reply,
            received: IosState::IkeIMm4,
        }
    }
}

impl ExpectHashR {
    fn handle(
        mut self,
        ctx: &mut Ctx<'_>,
        header: &Received<'_>,
        body: &[u8],
    ) -> Step<MainModeInitiator> {
        if !header.flags().contains(Flags::ENCRYPTION) {
            // An unencrypted MM4 retransmission: ignore.
            return Step::Ignore {
                state: MainModeInitiator::ExpectHashR(self),
                why: "MM6 must be encrypted",
            };
        }
        let mut plaintext = zeroize::Zeroizing::default();
        let payloads = match open_phase1(&mut self.ks.crypter, header, body, &mut plaintext) {
            Ok(p) => p,
            // Not provably the responder's: a forged copy must not end the
            // exchange (a key mismatch shows as the responder's notify and
            // then the retransmissions running out).
            Err(_) => {
                return Step::Ignore {
                    state: MainModeInitiator::ExpectHashR(self),
                    why: "MM6 does not decrypt to a valid message",
                };
            }
        };
        let (id, idir_b, got) = match id_and_hash(&payloads) {
            Ok(v) => v,
            Err(e) => return fail(e),
        };
        let expect = self.ks.keys.hash_r(
            &self.ks.g_xi,
            &self.ks.g_xr,
            &self.icookie,
            &self.rcookie,
            &self.sai_b,
            &idir_b,
        );
        let proof = match check_phase1_hash(&expect, got) {
            Ok(p) => p,
            Err(e) => return fail(e),
        };
        let peer_id = match parse_identity(id) {
            Ok(i) => i,
            Err(e) => return fail(e),
        };
        self.ks.crypter.confirm(0);
        let profile = ctx
            .policy
            .match_profile(*ctx.local.ip(), *ctx.remote.ip(), &peer_id);
        let ic = has_initial_contact(&payloads);
        Step::phase1_done(
            Box::new(Phase1Sa {
                assigned_address: None,
                proof,
                keys: self.ks.keys.into_phase2(),
                crypter: self.ks.crypter,
                proposal: self.chosen,
                peer_id,
                local_id: self.local_id,
                caps: self.caps,
                nat: self.nat,
                profile,
                icookie: self.icookie,
                rcookie: self.rcookie,
                announce_lifetime: false,
            }),
            None,
            IosState::IkeIMm6,
            ic,
        )
    }
}

/// Main Mode as responder.
#[allow(clippy::large_enum_variant)] // one per negotiating SA; boxing buys nothing
pub(crate) enum MainModeResponder {
    /// MM2 sent, waiting for KE, Ni.
    ExpectKe(RExpectKe),
    /// MM4 sent, waiting for IDii, HASH_I.
    ExpectHashI(RExpectHashI),
}

pub(crate) struct RExpectKe {
    icookie: Cookie,
    rcookie: Cookie,
    chosen: Phase1Proposal,
    sai_b: Vec<u8>,
    caps: PeerCaps,
    announce_lifetime: bool,
}

pub(crate) struct RExpectHashI {
    icookie: Cookie,
    rcookie: Cookie,
    chosen: Phase1Proposal,
    sai_b: Vec<u8>,
    caps: PeerCaps,
    ks: KeyState,
    nat: NatDetection,
    announce_lifetime: bool,
}

impl Exchange for MainModeResponder {
    type Outcome = Phase1Done;
    type Reply = Vec<u8>;
}

impl MainModeResponder {
    /// Heap bytes this state holds (the peer's SA payload body, keys once
    /// DH is done), for the half-open table.
    pub(crate) fn retained_bytes(&self) -> usize {
        match self {
            Self::ExpectKe(s) => s.sai_b.len(),
            Self::ExpectHashI(s) => s.sai_b.len() + s.ks.retained_bytes(),
        }
    }

    /// The state name as IOS prints it.
    pub(crate) fn name(&self) -> IosState {
        match self {
            Self::ExpectKe(_) => IosState::IkeRMm2,
            Self::ExpectHashI(_) => IosState::IkeRMm4,
        }
    }

    /// Handles MM1: chooses a transform and builds MM2.
    pub(crate) fn start(
        ctx: &mut Ctx<'_>,
        header: &Received<'_>,
        body: &[u8],
        rcookie: Cookie,
    ) -> Result<(Self, Vec<u8>), Error> {
        let payloads = parse_chain(header.next_payload(), body, false)?;
        let (sa, sap) = &payloads.require_sa()?;
        said::processing(ctx, "SA", header.message_id());
        let offers = phase1_offers(sa)?;
        let list: Vec<Phase1Proposal> = offers.iter().map(|(p, _)| *p).collect();
        let choice = ctx
            .policy
            .choose_phase1(*ctx.local.ip(), *ctx.remote.ip(), None, &list)
            .ok_or(Error::PeerIncompatible(PeerIncompatible::NoProposalChosen))?;
        let (mut chosen, transform) = offers
            .get(choice.index)
            .cloned()
            .ok_or(Error::PeerIncompatible(PeerIncompatible::NoProposalChosen))?;
        if ctx
            .policy
            .preshared_key_for_address(*ctx.local.ip(), *ctx.remote.ip())
            .is_none()
        {
            return Err(Error::PeerIncompatible(PeerIncompatible::NoPresharedKey));
        }
        said::psk_found(ctx, true);
        said::xauth_preshared(ctx, &transform);
        said::phase1_accepted(ctx, sa, &transform, choice.priority);
        said::vendor_ids(ctx, &payloads);
        let caps = PeerCaps::from_payloads(&payloads, ctx);
        let announce_lifetime = choice.lifetime != chosen.lifetime;
        chosen.lifetime = choice.lifetime;
        let mut out = vec![Payload::Sa(phase1_sa_reply(&transform))];
        let natt = caps.natt;
        out.extend(our_vids(ctx, Some(natt)));
        let reply = plain(
            header.initiator_cookie(),
            rcookie,
            ExchangeType::MAIN_MODE,
            &out,
        );
        Ok((
            Self::ExpectKe(RExpectKe {
                icookie: header.initiator_cookie(),
                rcookie,
                chosen,
                sai_b: sap.body().to_vec(),
                caps: PeerCaps { natt, ..caps },
                announce_lifetime,
            }),
            reply,
        ))
    }

    /// The state IOS names on the message this state waits for.
    pub(crate) fn received_name(&self) -> IosState {
        match self {
            Self::ExpectKe(_) => IosState::IkeRMm3,
            Self::ExpectHashI(_) => IosState::IkeRMm5,
        }
    }

    /// Handles MM3 or MM5.
    pub(crate) fn handle(
        self,
        ctx: &mut Ctx<'_>,
        header: &Received<'_>,
        body: &[u8],
    ) -> Step<Self> {
        match self {
            Self::ExpectKe(s) => s.handle(ctx, header, body),
            Self::ExpectHashI(s) => s.handle(ctx, header, body),
        }
    }
}

impl RExpectKe {
    fn handle(
        self,
        ctx: &mut Ctx<'_>,
        header: &Received<'_>,
        body: &[u8],
    ) -> Step<MainModeResponder> {
        if header.flags().contains(Flags::ENCRYPTION) {
            return Step::Ignore {
                state: MainModeResponder::ExpectKe(self),
                why: "MM3 must be in the clear",
            };
        }
        let payloads = match parse_chain(header.next_payload(), body, false) {
            Ok(p) => p,
            Err(e) => return fail(e),
        };
        let (g_xi, ni) = match ke_nonce(&payloads) {
            Ok(v) => v,
            Err(e) => return fail(e),
        };
        // The key before any DH work: a peer without one costs nothing.
        let Some(psk) = ctx
            .policy
            .preshared_key_for_address(*ctx.local.ip(), *ctx.remote.ip())
        else {
            return fail(Error::PeerIncompatible(PeerIncompatible::NoPresharedKey));
        };
        let dh = DhKeyPair::generate(self.chosen.group, ctx.rng);
        said::dh_generated(ctx);
        said::processing(ctx, "KE", header.message_id());
        let Some(g_xy) = dh.shared(&g_xi) else {
            return fail(Error::PeerMisbehaved(PeerMisbehaved::InvalidKeyInformation));
        };
        said::crypto_engine(ctx, "generate alg parameter");
        said::processing(ctx, "NONCE", header.message_id());
        said::psk_found(ctx, false);
        let nr = ctx.nonce();
        let nat = check_nat_d(
            ctx,
            self.caps.natt,
            self.chosen.hash,
            &self.icookie,
            &self.rcookie,
            &payloads,
        );
        let mut out = vec![
            Payload::Ke(crate::wire::KePayload::new(dh.public.clone())),
            Payload::Nonce(crate::wire::NoncePayload::new(nr.clone())),
        ];
        if let Some(m) = self.caps.natt {
            out.extend(nat_d_payloads(
                ctx,
                m,
                self.chosen.hash,
                &self.icookie,
                &self.rcookie,
            ));
        }
        let reply = plain(self.icookie, self.rcookie, ExchangeType::MAIN_MODE, &out);
        let ks = match derive(
            &self.chosen,
            &psk,
            &ni,
            &nr,
            &g_xy,
            g_xi,
            dh.public.clone(),
            &self.icookie,
            &self.rcookie,
        ) {
            Ok(k) => k,
            Err(e) => return fail(e),
        };
        said::skeyid(ctx);
        // Our DH private value goes with `dh`, here.
        drop(dh);
        said::clear_dh(ctx);
        said::vendor_ids(ctx, &payloads);
        Step::Next {
            state: MainModeResponder::ExpectHashI(RExpectHashI {
                icookie: self.icookie,
                rcookie: self.rcookie,
                chosen: self.chosen,
                sai_b: self.sai_b,
                caps: self.caps,
                ks,
                nat,
                announce_lifetime: self.announce_lifetime,
            }),
            reply,
            received: IosState::IkeRMm3,
        }
    }
}

impl RExpectHashI {
    fn handle(
        mut self,
        ctx: &mut Ctx<'_>,
        header: &Received<'_>,
        body: &[u8],
    ) -> Step<MainModeResponder> {
        if !header.flags().contains(Flags::ENCRYPTION) {
            return Step::Ignore {
                state: MainModeResponder::ExpectHashI(self),
                why: "MM5 must be encrypted",
            };
        }
        let mut plaintext = zeroize::Zeroizing::default();
        let payloads = match open_phase1(&mut self.ks.crypter, header, body, &mut plaintext) {
            Ok(p) => p,
            Err(error) => {
                return Step::Reject {
                    state: MainModeResponder::ExpectHashI(self),
                    error,
                };
            }
        };
        let (id, idii_b, got) = match id_and_hash(&payloads) {
            Ok(v) => v,
            Err(e) => return fail(e),
        };
        said::processing(ctx, "ID", header.message_id());
        if let Some(p) = payloads
            .iter()
            .find(|p| matches!(p.payload, Payload::Id(_)))
        {
            said::id_payload(ctx, id, said::next_of(p));
        }
        said::processing(ctx, "HASH", header.message_id());
        said::hmac(ctx);
        let expect = self.ks.keys.hash_i(
            &self.ks.g_xi,
            &self.ks.g_xr,
            &self.icookie,
            &self.rcookie,
            &self.sai_b,
            &idii_b,
        );
        let proof = match check_phase1_hash(&expect, got) {
            Ok(p) => p,
            Err(e) => return fail(e),
        };
        let peer_id = match parse_identity(id) {
            Ok(i) => i,
            Err(e) => return fail(e),
        };
        self.ks.crypter.confirm(0);
        let Some(profile) = ctx
            .policy
            .match_profile(*ctx.local.ip(), *ctx.remote.ip(), &peer_id)
        else {
            return fail(Error::refused("no ISAKMP profile matches the identity"));
        };
        said::profile_matched(ctx, &profile);
        let local_id = ctx.policy.local_identity(*ctx.local.ip(), *ctx.remote.ip());
        let idr_payload = identity_payload(&local_id);
        said::our_id(ctx, &idr_payload, PayloadType::HASH, false);
        let idr = Payload::Id(idr_payload);
        let idir_b = body_of(&idr);
        said::hmac(ctx);
        let hash_r = self.ks.keys.hash_r(
            &self.ks.g_xi,
            &self.ks.g_xr,
            &self.icookie,
            &self.rcookie,
            &self.sai_b,
            &idir_b,
        );
        let reply = sealed(
            &mut self.ks.crypter,
            self.icookie,
            self.rcookie,
            ExchangeType::MAIN_MODE,
            &[
                idr,
                Payload::Hash(crate::wire::HashPayload::new(hash_r.to_vec())),
            ],
        );
        let ic = has_initial_contact(&payloads);
        Step::phase1_done(
            Box::new(Phase1Sa {
                assigned_address: None,
                proof,
                keys: self.ks.keys.into_phase2(),
                crypter: self.ks.crypter,
                proposal: self.chosen,
                peer_id,
                local_id,
                caps: self.caps,
                nat: self.nat,
                profile: Some(profile),
                icookie: self.icookie,
                rcookie: self.rcookie,
                announce_lifetime: self.announce_lifetime,
            }),
            Some(reply),
            IosState::IkeRMm5,
            ic,
        )
    }
}
