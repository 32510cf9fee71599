//! Aggressive Mode with pre-shared keys, RFC 2409 5.4:
//!
//! ```text
//! Initiator                                 Responder
//! HDR, SA, KE, Ni, IDii [, VIDs]      -->                         (AM1)
//!                                     <--  HDR, SA, KE, Nr, IDir [, NAT-D, NAT-D], HASH_R [, VIDs]  (AM2)
//! HDR*, [NAT-D, NAT-D,] HASH_I        -->                         (AM3, to 4500 under NAT)
//! ```
//!
//! One DH group (the KE goes in the first message). The responder chooses
//! the pre-shared key by the initiator's identity (ID_KEY_ID group names
//! such as the Cisco VPN client's "testgroup" included). AM3 is sent
//! encrypted, as IOS and the Cisco client do; a plain AM3 is accepted too.

use super::chain::{Parsed, Payload, Received, parse_chain};
use super::phase1::{
    Exchange, KeyState, Phase1Done, Step, body_of, derive, has_initial_contact, id_and_hash,
    ke_nonce, open_phase1, plain, responder_choice, sealed,
};
use super::said;
use super::suite::DhKeyPair;
use super::{
    Ctx, Error, PeerCaps, Phase1Sa, check_nat_d, check_phase1_hash, identity_payload,
    nat_d_payloads, our_vids, parse_identity, phase1_offers, phase1_sa, phase1_sa_reply,
};
use crate::error::{PeerIncompatible, PeerMisbehaved};
use crate::exchange::IosState;
use crate::policy::{Identity, Phase1Proposal};
use crate::wire::{Cookie, ExchangeType, Flags, PayloadType, PayloadView};

/// Aggressive Mode as initiator: AM1 sent, waiting for AM2.
pub(crate) struct AggressiveInitiator {
    icookie: Cookie,
    offered: Vec<Phase1Proposal>,
    sai_b: Vec<u8>,
    local_id: Identity,
    idii_b: Vec<u8>,
    dh: DhKeyPair,
    ni: Vec<u8>,
}

impl Exchange for AggressiveInitiator {
    type Outcome = Phase1Done;
    type Reply = Vec<u8>;
}

impl AggressiveInitiator {
    /// The state name as IOS prints it.
    pub(crate) fn name(&self) -> IosState {
        IosState::IkeIAm1
    }

    /// Builds AM1. All offered transforms must share the first one's group.
    pub(crate) fn start(
        ctx: &mut Ctx<'_>,
        icookie: Cookie,
        proposals: Vec<Phase1Proposal>,
        local_id: Identity,
    ) -> Result<(Self, Vec<u8>), Error> {
        let group = proposals
            .first()
            .map(|p| p.group)
            .ok_or(Error::PeerIncompatible(PeerIncompatible::NoProposalChosen))?;
        let offered: Vec<Phase1Proposal> =
            proposals.into_iter().filter(|p| p.group == group).collect();
        let dh = DhKeyPair::generate(group, ctx.rng);
        let ni = ctx.nonce();
        let sa = Payload::Sa(phase1_sa(&offered));
        let sai_b = body_of(&sa);
        let id = Payload::Id(identity_payload(&local_id));
        let idii_b = body_of(&id);
        let mut payloads = vec![
            sa,
            Payload::Ke(crate::wire::KePayload::new(dh.public.clone())),
            Payload::Nonce(crate::wire::NoncePayload::new(ni.clone())),
            id,
        ];
        payloads.extend(our_vids(ctx, None));
        let msg = plain(icookie, Cookie::ZERO, ExchangeType::AGGRESSIVE, &payloads);
        Ok((
            Self {
                icookie,
                offered,
                sai_b,
                local_id,
                idii_b,
                dh,
                ni,
            },
            msg,
        ))
    }

    /// Handles AM2: verifies HASH_R and builds AM3. The NAT detection
    /// (the float before AM3) is the established SA's.
    pub(crate) fn handle(
        self,
        ctx: &mut Ctx<'_>,
        header: &Received<'_>,
        body: &[u8],
    ) -> Step<Self> {
        if header.flags().contains(Flags::ENCRYPTION) || header.responder_cookie().is_zero() {
            return Step::Ignore {
                state: self,
                why: "AM2 must be in the clear with the responder cookie",
            };
        }
        self.accept(ctx, header, body).unwrap_or_else(Step::Fail)
    }

    fn accept(
        self,
        ctx: &mut Ctx<'_>,
        header: &Received<'_>,
        body: &[u8],
    ) -> Result<Step<Self>, Error> {
        let payloads = parse_chain(header.next_payload(), body, false)?;
        let chosen = responder_choice(&payloads, &self.offered)?;
        let (g_xr, nr) = ke_nonce(&payloads)?;
        let g_xy = self
            .dh
            .shared(&g_xr)
            .ok_or(Error::PeerMisbehaved(PeerMisbehaved::InvalidKeyInformation))?;
        let (id, idir_b, got) = id_and_hash(&payloads)?;
        let peer_id = parse_identity(id)?;
        let psk = ctx
            .policy
            .preshared_key_for_identity(*ctx.local.ip(), *ctx.remote.ip(), &self.local_id)
            .ok_or(Error::PeerIncompatible(PeerIncompatible::NoPresharedKey))?;
        let rcookie = header.responder_cookie();
        let mut ks: KeyState = derive(
            &chosen,
            &psk,
            &self.ni,
            &nr,
            &g_xy,
            self.dh.public.clone(),
            g_xr,
            &self.icookie,
            &rcookie,
        )?;
        let expect = ks.keys.hash_r(
            &ks.g_xi,
            &ks.g_xr,
            &self.icookie,
            &rcookie,
            &self.sai_b,
            &idir_b,
        );
        let proof = check_phase1_hash(&expect, got)?;
        let caps = PeerCaps::from_payloads(&payloads, ctx);
        let natt = caps.natt;
        let nat = check_nat_d(ctx, natt, chosen.hash, &self.icookie, &rcookie, &payloads);
        let hash_i = ks.keys.hash_i(
            &ks.g_xi,
            &ks.g_xr,
            &self.icookie,
            &rcookie,
            &self.sai_b,
            &self.idii_b,
        );
        let mut out = Vec::new();
        if let Some(m) = natt {
            // Our view after the float: the addresses AM3 goes between.
            let mut c2 = Ctx {
                rng: &mut *ctx.rng,
                policy: ctx.policy,
                local: ctx.local,
                remote: ctx.remote,
                nat_traversal: ctx.nat_traversal,
                natt_port: ctx.natt_port,
                peer_natt_port: ctx.peer_natt_port,
                force_encap: ctx.force_encap,
                natt_rfc: ctx.natt_rfc,
                natt_drafts: ctx.natt_drafts,
                advertise_dpd: ctx.advertise_dpd,
                commit: ctx.commit,
                trace: &mut *ctx.trace,
            };
            if nat.any() {
                c2.local.set_port(ctx.natt_port);
                c2.remote.set_port(ctx.peer_natt_port);
            }
            out.extend(nat_d_payloads(
                &mut c2,
                m,
                chosen.hash,
                &self.icookie,
                &rcookie,
            ));
        }
        out.push(Payload::Hash(crate::wire::HashPayload::new(
            hash_i.to_vec(),
        )));
        let reply = sealed(
            &mut ks.crypter,
            self.icookie,
            rcookie,
            ExchangeType::AGGRESSIVE,
            &out,
        );
        let profile = ctx
            .policy
            .match_profile(*ctx.local.ip(), *ctx.remote.ip(), &peer_id);
        Ok(Step::phase1_done(
            Box::new(Phase1Sa {
                assigned_address: None,
                proof,
                keys: ks.keys.into_phase2(),
                crypter: ks.crypter,
                proposal: chosen,
                peer_id,
                local_id: self.local_id,
                caps: PeerCaps { natt, ..caps },
                nat,
                profile,
                icookie: self.icookie,
                rcookie,
                announce_lifetime: false,
            }),
            Some(reply),
            IosState::IkeIAm2,
            false,
        ))
    }
}

/// Why an Aggressive Mode first message got no AM2.
pub(crate) enum AmRefusal {
    /// The policy does not answer Aggressive Mode for the identity
    /// ([`crate::policy::Policy::aggressive_mode_allowed`]): nothing keyed
    /// was computed, INVALID_ID_INFORMATION goes back.
    NotAllowed(Error),
    /// The DH budget is spent: dropped without an answer.
    OverBudget,
    /// Anything else, with its notify.
    Error(Error),
}

impl From<Error> for AmRefusal {
    fn from(e: Error) -> Self {
        Self::Error(e)
    }
}

/// Aggressive Mode as responder: AM2 sent, waiting for AM3.
pub(crate) struct AggressiveResponder {
    icookie: Cookie,
    rcookie: Cookie,
    chosen: Phase1Proposal,
    sai_b: Vec<u8>,
    idii_b: Vec<u8>,
    peer_id: Identity,
    local_id: Identity,
    caps: PeerCaps,
    ks: KeyState,
    announce_lifetime: bool,
}

impl Exchange for AggressiveResponder {
    type Outcome = Phase1Done;
    type Reply = Vec<u8>;
}

impl AggressiveResponder {
    /// The state name as IOS prints it.
    pub(crate) fn name(&self) -> IosState {
        IosState::IkeRAm2
    }

    /// Heap bytes this state holds (the peer's SA and ID payload bodies,
    /// the DH values and keys), for the half-open table.
    pub(crate) fn retained_bytes(&self) -> usize {
        self.sai_b.len() + self.idii_b.len() + self.ks.retained_bytes()
    }

    /// Handles AM1: chooses the transform and the key by identity, builds
    /// AM2. The policy is asked whether Aggressive Mode is answered for the
    /// identity before anything keyed is computed (a HASH_R is an offline
    /// guessing oracle for the key), then `dh_gate` whether the DH may be
    /// spent.
    pub(crate) fn start(
        ctx: &mut Ctx<'_>,
        header: &Received<'_>,
        body: &[u8],
        rcookie: Cookie,
        dh_gate: &mut dyn FnMut() -> bool,
    ) -> Result<(Self, Vec<u8>), AmRefusal> {
        let payloads = parse_chain(header.next_payload(), body, false)?;
        let (sa, sap) = &payloads.require_sa()?;
        let (g_xi, ni) = ke_nonce(&payloads)?;
        let (id, idp) = payloads.require_id()?;
        said::processing(ctx, "SA", header.message_id());
        said::processing(ctx, "ID", header.message_id());
        said::id_payload(ctx, id, said::next_of(idp));
        let peer_id = parse_identity(id)?;
        if !ctx
            .policy
            .aggressive_mode_allowed(*ctx.local.ip(), *ctx.remote.ip(), &peer_id)
        {
            return Err(AmRefusal::NotAllowed(Error::PeerIncompatible(
                PeerIncompatible::InvalidIdInformation,
            )));
        }
        let offers = phase1_offers(sa)?;
        let list: Vec<Phase1Proposal> = offers.iter().map(|(p, _)| *p).collect();
        let choice = ctx
            .policy
            .choose_phase1(*ctx.local.ip(), *ctx.remote.ip(), Some(&peer_id), &list)
            .ok_or(Error::PeerIncompatible(PeerIncompatible::NoProposalChosen))?;
        let (mut chosen, transform) = offers
            .get(choice.index)
            .cloned()
            .ok_or(Error::PeerIncompatible(PeerIncompatible::NoProposalChosen))?;
        let psk = ctx
            .policy
            .preshared_key_for_identity(*ctx.local.ip(), *ctx.remote.ip(), &peer_id)
            .ok_or(Error::PeerIncompatible(PeerIncompatible::NoPresharedKey))?;
        // The key is AAA's answer in IOS.
        ctx.trace.global("got callback 1");
        if !dh_gate() {
            return Err(AmRefusal::OverBudget);
        }
        said::vendor_ids(ctx, &payloads);
        said::xauth_preshared(ctx, &transform);
        said::phase1_accepted(ctx, sa, &transform, choice.priority);
        let dh = DhKeyPair::generate(chosen.group, ctx.rng);
        said::dh_generated(ctx);
        said::processing(ctx, "KE", header.message_id());
        let g_xy = dh
            .shared(&g_xi)
            .ok_or(Error::PeerMisbehaved(PeerMisbehaved::InvalidKeyInformation))?;
        said::crypto_engine(ctx, "generate alg parameter");
        said::processing(ctx, "NONCE", header.message_id());
        let nr = ctx.nonce();
        let caps = PeerCaps::from_payloads(&payloads, ctx);
        let natt = caps.natt;
        let announce_lifetime = choice.lifetime != chosen.lifetime;
        chosen.lifetime = choice.lifetime;
        let sai_b = sap.body().to_vec();
        let ks = derive(
            &chosen,
            &psk,
            &ni,
            &nr,
            &g_xy,
            g_xi,
            dh.public.clone(),
            &header.initiator_cookie(),
            &rcookie,
        )?;
        said::skeyid(ctx);
        if let Some(m) = natt {
            said::constructed_natt(ctx, m);
        }
        let local_id = ctx.policy.local_identity(*ctx.local.ip(), *ctx.remote.ip());
        // UDP port 500 (RFC 2407 4.6.2 allows only 0/0 or 17/500; IOS's
        // 17/0 is logged as a MUST violation by Libreswan).
        let idr_payload = identity_payload(&local_id);
        // What follows our ID in AM2: NAT-D under NAT-T, else HASH_R.
        let next = match natt {
            Some(super::NattMethod::Rfc3947) => PayloadType::NAT_D,
            Some(_) => PayloadType::NAT_D_DRAFT,
            None => PayloadType::HASH,
        };
        said::our_id(ctx, &idr_payload, next, said::is_xauth(&transform));
        let idr = Payload::Id(idr_payload);
        let idir_b = body_of(&idr);
        said::hmac(ctx);
        let hash_r = ks.keys.hash_r(
            &ks.g_xi,
            &ks.g_xr,
            &header.initiator_cookie(),
            &rcookie,
            &sai_b,
            &idir_b,
        );
        let mut out = vec![
            Payload::Sa(phase1_sa_reply(&transform)),
            Payload::Ke(crate::wire::KePayload::new(dh.public.clone())),
            Payload::Nonce(crate::wire::NoncePayload::new(nr)),
            idr,
        ];
        if let Some(m) = natt {
            out.extend(nat_d_payloads(
                ctx,
                m,
                chosen.hash,
                &header.initiator_cookie(),
                &rcookie,
            ));
        }
        out.push(Payload::Hash(crate::wire::HashPayload::new(
            hash_r.to_vec(),
        )));
        out.extend(our_vids(ctx, Some(natt)));
        let reply = plain(
            header.initiator_cookie(),
            rcookie,
            ExchangeType::AGGRESSIVE,
            &out,
        );
        // Our DH private value goes with `dh`, here.
        drop(dh);
        said::clear_dh(ctx);
        Ok((
            Self {
                icookie: header.initiator_cookie(),
                rcookie,
                chosen,
                sai_b,
                idii_b: idp.body().to_vec(),
                peer_id,
                local_id,
                caps: PeerCaps { natt, ..caps },
                ks,
                announce_lifetime,
            },
            reply,
        ))
    }

    /// Handles AM3.
    pub(crate) fn handle(
        mut self,
        ctx: &mut Ctx<'_>,
        header: &Received<'_>,
        body: &[u8],
    ) -> Step<Self> {
        let mut plaintext = zeroize::Zeroizing::default();
        let payloads: Result<Vec<Parsed<'_>>, Error> = if header.flags().contains(Flags::ENCRYPTION)
        {
            open_phase1(&mut self.ks.crypter, header, body, &mut plaintext)
        } else {
            parse_chain(header.next_payload(), body, false)
        };
        let payloads = match payloads {
            Ok(p) => p,
            Err(error) => return Step::Reject { state: self, error },
        };
        let Ok(got) = payloads.require_hash().map(|h| h.data.clone()) else {
            return Step::Ignore {
                state: self,
                why: "AM3 without HASH",
            };
        };
        said::processing(ctx, "HASH", header.message_id());
        said::hmac(ctx);
        let expect = self.ks.keys.hash_i(
            &self.ks.g_xi,
            &self.ks.g_xr,
            &self.icookie,
            &self.rcookie,
            &self.sai_b,
            &self.idii_b,
        );
        let proof = match check_phase1_hash(&expect, &got) {
            Ok(p) => p,
            Err(e) => return Step::Fail(e),
        };
        self.ks.crypter.confirm(0);
        let nat = check_nat_d(
            ctx,
            self.caps.natt,
            self.chosen.hash,
            &self.icookie,
            &self.rcookie,
            &payloads,
        );
        let Some(profile) =
            ctx.policy
                .match_profile(*ctx.local.ip(), *ctx.remote.ip(), &self.peer_id)
        else {
            return Step::Fail(Error::refused("no ISAKMP profile matches the identity"));
        };
        said::profile_matched(ctx, &profile);
        let ic = has_initial_contact(&payloads);
        Step::phase1_done(
            Box::new(Phase1Sa {
                assigned_address: None,
                proof,
                keys: self.ks.keys.into_phase2(),
                crypter: self.ks.crypter,
                proposal: self.chosen,
                peer_id: self.peer_id,
                local_id: self.local_id,
                caps: self.caps,
                nat,
                profile: Some(profile),
                icookie: self.icookie,
                rcookie: self.rcookie,
                announce_lifetime: self.announce_lifetime,
            }),
            None,
            IosState::IkeRAm3,
            ic,
        )
    }
}
