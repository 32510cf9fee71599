//! The IKEv1 exchanges as typed states.
//!
//! Each exchange is an enum of states; each state holds only what is valid
//! at that point and is consumed by the message that moves it on
//! (`handle(self, ...) -> Result<Step, Error>`). Phase 1 ends in a
//! [`Phase1Sa`], which can only be built with an [`Authenticated`] token
//! that only the phase-1 hash check returns; Quick
//! Mode and the protected Informational exchange take a `&mut Phase1Sa`, so
//! phase 2 cannot run on an unauthenticated SA.
//!
//! * [`main_mode`]: Main Mode (identity protection), pre-shared key.
//! * [`aggressive`]: Aggressive Mode, pre-shared key chosen by identity.
//! * [`quick_mode`]: Quick Mode, PFS, commit bit, RESPONDER_LIFETIME.
//! * [`informational`]: Delete, notifies, INITIAL_CONTACT, DPD.
//! * `transaction`: Xauth and Mode Config (exchange type 6), both roles.

pub mod aggressive;
mod authenticated;
pub(crate) mod chain;
mod identity;
pub mod informational;
mod ios_state;
pub mod main_mode;
pub(crate) mod phase1;
mod proposal;
pub mod quick_mode;
pub(crate) mod said;
pub(crate) mod step;
pub(crate) mod suite;
pub(crate) mod trace;
pub(crate) mod transaction;

use std::net::{Ipv4Addr, SocketAddrV4};

use rand_core::CryptoRng;

use crate::crypto::vid;

pub(crate) use crate::error::Error;
use crate::wire::{
    Cookie, ExchangeType, Flags, NatDPayload, NatTNumbering, NotifyType, PayloadType, ProtocolId,
};
pub use authenticated::Authenticated;
pub(crate) use authenticated::check_phase1_hash;
use chain::{Parsed, Payload, Received, emit_chain};
pub use ios_state::IosState;
use suite::{IsakmpCrypter, Phase2Keys};

pub(crate) use self::identity::{
    identity_payload, parse_identity, parse_selector, selector_payload,
};
pub(crate) use self::proposal::{
    EspTransform, SaPhase, parse_responder_lifetime, phase1_offers, phase1_sa, phase1_sa_reply,
    responder_lifetime_data,
};
use crate::policy::{HashAlg, Identity, Phase1Proposal, Policy, Profile};

/// What the exchange code needs from the engine for one message.
pub(crate) struct Ctx<'a> {
    pub(crate) rng: &'a mut dyn CryptoRng,
    pub(crate) policy: &'a dyn Policy,
    pub(crate) local: SocketAddrV4,
    pub(crate) remote: SocketAddrV4,
    /// Offer / accept NAT-T.
    pub(crate) nat_traversal: bool,
    /// Our NAT-T port (where we float to).
    pub(crate) natt_port: u16,
    /// The peer's NAT-T port (where an initiator floats to).
    pub(crate) peer_natt_port: u16,
    /// Forced UDP encapsulation: our own NAT-D is a random value and a NAT
    /// counts as detected.
    pub(crate) force_encap: bool,
    /// Offer / accept the RFC 3947 dialect.
    pub(crate) natt_rfc: bool,
    /// Offer / accept the draft 02/03 dialects.
    pub(crate) natt_drafts: bool,
    /// Send the DPD vendor ID.
    pub(crate) advertise_dpd: bool,
    /// Set the commit bit in the Quick Mode messages we send.
    pub(crate) commit: bool,
    /// Where the exchange's debug lines go.
    pub(crate) trace: &'a mut trace::Trace,
}

impl Ctx<'_> {
    /// Whether we speak this NAT-T dialect.
    pub(crate) fn natt_ok(&self, m: NattMethod) -> bool {
        self.nat_traversal
            && if m == NattMethod::Rfc3947 {
                self.natt_rfc
            } else {
                self.natt_drafts
            }
    }

    pub(crate) fn nonce(&mut self) -> Vec<u8> {
        let mut b = vec![0u8; 20];
        self.rng.fill_bytes(&mut b);
        b
    }
}

/// Which NAT traversal dialect both peers speak.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NattMethod {
    /// draft-ietf-ipsec-nat-t-ike-02 (and 02\n): payloads 130/131, modes 61443/61444.
    Draft02,
    /// draft-ietf-ipsec-nat-t-ike-03: same numbers as 02.
    Draft03,
    /// RFC 3947: payloads 20/21, modes 3/4.
    Rfc3947,
}

impl NattMethod {
    fn draft(self) -> bool {
        self != Self::Rfc3947
    }

    /// The payload numbers of this dialect's NAT-D and NAT-OA.
    pub(crate) fn numbering(self) -> NatTNumbering {
        if self.draft() {
            NatTNumbering::Draft
        } else {
            NatTNumbering::Rfc3947
        }
    }
}

/// What the peer's vendor IDs told us.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PeerCaps {
    /// RFC 3706 DPD.
    pub dpd: bool,
    /// The best NAT-T dialect the peer advertised.
    pub natt: Option<NattMethod>,
    /// Xauth.
    pub xauth: bool,
    /// Cisco Unity.
    pub unity: bool,
}

impl PeerCaps {
    /// The peer's capabilities; `natt` is the best dialect both speak.
    pub(crate) fn from_payloads(payloads: &[Parsed], ctx: &Ctx<'_>) -> Self {
        use crate::crypto::vid::{NatTVersion, VendorIdKind, recognize};
        let mut c = Self::default();
        for p in payloads {
            let Payload::VendorId(crate::wire::VendorIdPayload { data: v }) = &p.payload else {
                continue;
            };
            let Some(m) = recognize(v) else {
                continue;
            };
            match m.kind() {
                VendorIdKind::Dpd => c.dpd = true,
                VendorIdKind::Xauth => c.xauth = true,
                VendorIdKind::CiscoUnity => c.unity = true,
                VendorIdKind::NatT(version) => {
                    let ours = match version {
                        NatTVersion::Rfc3947 => Some(NattMethod::Rfc3947),
                        NatTVersion::Draft03 => Some(NattMethod::Draft03),
                        NatTVersion::Draft02 | NatTVersion::Draft02N => Some(NattMethod::Draft02),
                        _ => None,
                    };
                    c.natt = c.natt.max(ours.filter(|m| ctx.natt_ok(*m)));
                }
                _ => {}
            }
        }
        c
    }
}

/// Our vendor IDs: DPD and the NAT-T dialects we speak (the responder
/// echoes only the one chosen).
pub(crate) fn our_vids(ctx: &Ctx<'_>, natt_choice: Option<Option<NattMethod>>) -> Vec<Payload> {
    let mut v = Vec::new();
    if natt_choice.is_some() {
        // As a responder (MM2 / AM2), what an IOS hub announces: Cisco
        // Unity and Xauth, so a Cisco client knows it may ask for the Unity
        // attributes and run Xauth. Both are harmless to peers that do not
        // know them (RFC 2408 3.16: unknown vendor IDs are ignored).
        v.push(Payload::VendorId(crate::wire::VendorIdPayload::new(
            vid::CISCO_UNITY.to_vec(),
        )));
    }
    // The DPD vendor ID says we answer R-U-THERE (RFC 3706 section 5.2),
    // which we always do, so a hub can find out whether we are alive (it
    // releases the flows of a dead spoke that way). Whether we probe is
    // Config::dpd's business, not the peer's.
    if ctx.advertise_dpd {
        v.push(Payload::VendorId(crate::wire::VendorIdPayload::new(
            vid::DPD.to_vec(),
        )));
    }
    if ctx.nat_traversal {
        match natt_choice {
            None => {
                if ctx.natt_rfc {
                    v.push(Payload::VendorId(crate::wire::VendorIdPayload::new(
                        vid::NAT_T_RFC3947.to_vec(),
                    )));
                }
                if ctx.natt_drafts {
                    for id in [
                        vid::NAT_T_DRAFT_03,
                        vid::NAT_T_DRAFT_02_N,
                        vid::NAT_T_DRAFT_02,
                    ] {
                        v.push(Payload::VendorId(crate::wire::VendorIdPayload::new(
                            id.to_vec(),
                        )));
                    }
                }
            }
            Some(Some(NattMethod::Rfc3947)) => v.push(Payload::VendorId(
                crate::wire::VendorIdPayload::new(vid::NAT_T_RFC3947.to_vec()),
            )),
            Some(Some(NattMethod::Draft03)) => v.push(Payload::VendorId(
                crate::wire::VendorIdPayload::new(vid::NAT_T_DRAFT_03.to_vec()),
            )),
            Some(Some(NattMethod::Draft02)) => v.push(Payload::VendorId(
                crate::wire::VendorIdPayload::new(vid::NAT_T_DRAFT_02_N.to_vec()),
            )),
            Some(None) => {}
        }
    }
    if natt_choice.is_some() {
        v.push(Payload::VendorId(crate::wire::VendorIdPayload::new(
            vid::XAUTH.to_vec(),
        )));
    }
    v
}

/// What NAT-D told us.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NatDetection {
    /// The dialect in use, if both peers speak one.
    pub method: Option<NattMethod>,
    /// We are behind a NAT (our address was rewritten).
    pub local_behind: bool,
    /// The peer is behind a NAT.
    pub peer_behind: bool,
    /// No NAT may be in the path, but we forced UDP encapsulation
    /// ([`crate::engine::Config::force_udp_encapsulation`]).
    pub forced: bool,
}

impl NatDetection {
    /// Whether any NAT is in the path, or one is faked (so IKE floats to
    /// the NAT-T port and ESP is UDP-encapsulated).
    pub fn any(&self) -> bool {
        self.method.is_some() && (self.local_behind || self.peer_behind || self.forced)
    }
}

/// NAT-D = HASH(CKY-I | CKY-R | IP | Port).
pub(crate) fn nat_d(hash: HashAlg, icky: &Cookie, rcky: &Cookie, addr: SocketAddrV4) -> Vec<u8> {
    suite::nat_d(hash, icky, rcky, addr)
}

/// The two NAT-D payloads we send: the peer's address first, then ours.
/// Under forced encapsulation ours is a random value of the hash's length
/// (RFC 3947 section 3.2 allows it), so the peer sees a NAT in front of us.
pub(crate) fn nat_d_payloads(
    ctx: &mut Ctx<'_>,
    method: NattMethod,
    hash: HashAlg,
    icky: &Cookie,
    rcky: &Cookie,
) -> Vec<Payload> {
    let mut ours = nat_d(hash, icky, rcky, ctx.local);
    if ctx.force_encap {
        ctx.rng.fill_bytes(&mut ours);
    }
    vec![
        Payload::NatD(NatDPayload {
            numbering: method.numbering(),
            hash: nat_d(hash, icky, rcky, ctx.remote),
        }),
        Payload::NatD(NatDPayload {
            numbering: method.numbering(),
            hash: ours,
        }),
    ]
}

/// Compares the peer's NAT-D payloads with the addresses the datagram had.
pub(crate) fn check_nat_d(
    ctx: &Ctx<'_>,
    method: Option<NattMethod>,
    hash: HashAlg,
    icky: &Cookie,
    rcky: &Cookie,
    payloads: &[Parsed],
) -> NatDetection {
    let Some(method) = method else {
        return NatDetection::default();
    };
    let hashes: Vec<&[u8]> = payloads
        .iter()
        .filter_map(|p| match &p.payload {
            Payload::NatD(n) => Some(n.hash.as_slice()),
            _ => None,
        })
        .collect();
    let Some((first, rest)) = hashes.split_first() else {
        // The peer speaks NAT-T but sent no NAT-D: no NAT handling.
        return NatDetection::default();
    };
    let ours = nat_d(hash, icky, rcky, ctx.local);
    let theirs = nat_d(hash, icky, rcky, ctx.remote);
    NatDetection {
        method: Some(method),
        local_behind: *first != ours.as_slice(),
        peer_behind: !rest.contains(&theirs.as_slice()),
        forced: ctx.force_encap,
    }
}

/// An established, authenticated ISAKMP SA: the keys and IV state phase 2
/// and the Informational exchange run on.
pub struct Phase1Sa {
    /// The proof that the peer authenticated.
    pub(crate) proof: Authenticated,
    /// SKEYID_d and SKEYID_a; phase 1's SKEYID and SKEYID_e are gone.
    pub(crate) keys: Phase2Keys,
    pub(crate) crypter: IsakmpCrypter,
    /// The negotiated transform, with the lifetime in force (shortened
    /// when a responder's RESPONDER_LIFETIME asks).
    pub(crate) proposal: Phase1Proposal,
    /// The peer's authenticated identity.
    pub(crate) peer_id: Identity,
    /// Our identity.
    pub(crate) local_id: Identity,
    /// The peer's capabilities (vendor IDs).
    pub(crate) caps: PeerCaps,
    /// NAT detection.
    pub(crate) nat: NatDetection,
    /// The profile the identity matched.
    pub(crate) profile: Option<Profile>,
    pub(crate) icookie: Cookie,
    pub(crate) rcookie: Cookie,
    /// The address Mode Config gave the peer (as the server): its Quick
    /// Mode proxy identity must be this host.
    pub(crate) assigned_address: Option<Ipv4Addr>,
    /// As the responder, our policy shortened the lifetime the peer
    /// proposed: a RESPONDER_LIFETIME is owed, sent (as IOS sends it) in a
    /// protected Informational once the peer is authenticated.
    pub(crate) announce_lifetime: bool,
}

impl core::fmt::Debug for Phase1Sa {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Phase1Sa")
            .field("proposal", &self.proposal)
            .field("peer_id", &self.peer_id)
            .field("nat", &self.nat)
            .finish_non_exhaustive()
    }
}

impl Phase1Sa {
    /// The proof token (phase-2 code asks for it to make the dependency
    /// explicit).
    pub(crate) fn authenticated(&self) -> &Authenticated {
        &self.proof
    }

    /// Builds an encrypted message: `HDR*, HASH(1), payloads` with HASH(1)
    /// = prf(SKEYID_a, M-ID | payloads) (Informational and Quick Mode
    /// message 1 use this form).
    pub(crate) fn protected_hash1(
        &mut self,
        exchange: ExchangeType,
        message_id: u32,
        payloads: &[Payload],
        flags_extra: Flags,
    ) -> Vec<u8> {
        let (first, rest) = emit_chain(payloads);
        // Wiped on drop: our Xauth REPLY carries our password.
        let rest = zeroize::Zeroizing::new(rest);
        let h = self.keys.hash1(message_id, &rest);
        self.seal(exchange, message_id, h.to_vec(), first, &rest, flags_extra)
    }

    /// `HDR*, HASH(x), rest` where `rest` is an emitted chain starting with
    /// `first`.
    pub(crate) fn seal(
        &mut self,
        exchange: ExchangeType,
        message_id: u32,
        hash: Vec<u8>,
        first: PayloadType,
        rest: &[u8],
        flags_extra: Flags,
    ) -> Vec<u8> {
        // Sized so it never reallocates (a reallocation would leave a copy
        // of the plaintext behind), and wiped on drop.
        let mut body = zeroize::Zeroizing::new(Vec::with_capacity(rest.len() + hash.len() + 4));
        body.push(first.get());
        body.push(0);
        let len = u16::try_from(hash.len() + 4).unwrap_or(u16::MAX);
        body.extend_from_slice(&len.to_be_bytes());
        body.extend_from_slice(&hash);
        body.extend_from_slice(rest);
        let ct = self.crypter.encrypt(message_id, &body);
        crate::wire::Header {
            initiator_cookie: self.icookie,
            responder_cookie: self.rcookie,
            exchange_type: exchange,
            flags: Flags::ENCRYPTION | flags_extra,
            message_id,
        }
        .message(PayloadType::HASH, &ct)
    }

    /// Decrypts a protected message into `plaintext` and splits off its
    /// leading HASH. Returns the HASH value, the raw bytes after it (for
    /// HASH(1)/(2)) and the parsed payloads after it, all borrowed from
    /// `plaintext`, which the caller owns and which wipes itself on drop.
    /// The IV moves on only when the caller calls `crypter.confirm` after
    /// verifying the HASH.
    pub(crate) fn open<'a>(
        &mut self,
        header: &Received<'_>,
        body: &[u8],
        plaintext: &'a mut suite::Secret,
    ) -> Result<Opened<'a>, Error> {
        self.open_with(header, body, plaintext, IvRule::Chain)
    }

    /// [`Phase1Sa::open`] with the IV `rule` says.
    pub(crate) fn open_with<'a>(
        &mut self,
        header: &Received<'_>,
        body: &[u8],
        plaintext: &'a mut suite::Secret,
        rule: IvRule,
    ) -> Result<Opened<'a>, Error> {
        if !header.flags().contains(Flags::ENCRYPTION) {
            return Err(Error::unexpected(
                "unencrypted message on an established SA",
            ));
        }
        let mid = header.message_id();
        *plaintext = match rule {
            IvRule::Chain => self.crypter.decrypt(mid, body),
            IvRule::NewExchange => self.crypter.decrypt_as_new_exchange(mid, body),
        }
        .ok_or(Error::malformed("ciphertext length"))?;
        if header.next_payload() != PayloadType::HASH {
            return Err(Error::unexpected("first payload is not HASH"));
        }
        let pt: &'a [u8] = plaintext;
        let payloads = chain::parse_chain(header.next_payload(), pt, true)?;
        let mut iter = payloads.into_iter();
        let (hash, hash_len) = match iter.next() {
            Some(Parsed {
                payload: Payload::Hash(h),
                raw,
            }) => (h.data, raw.len()),
            _ => return Err(Error::unexpected("HASH")),
        };
        let rest_payloads: Vec<Parsed<'a>> = iter.collect();
        let rest_len: usize = rest_payloads.iter().map(|p| p.raw.len()).sum();
        Ok(Opened {
            hash,
            rest: pt.get(hash_len..hash_len + rest_len).unwrap_or_default(),
            payloads: rest_payloads,
        })
    }
}

/// Which IV opens a protected message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IvRule {
    /// The chain of its message ID (phase 1's for ID 0).
    Chain,
    /// A new exchange's IV for its message ID, even ID 0.
    NewExchange,
}

/// A decrypted protected message, borrowed from its plaintext.
pub(crate) struct Opened<'a> {
    pub(crate) hash: Vec<u8>,
    /// The plaintext after HASH.
    pub(crate) rest: &'a [u8],
    pub(crate) payloads: Vec<Parsed<'a>>,
}

/// Builds an unprotected Informational message with one notify (errors
/// before phase 1 has keys).
pub(crate) fn unprotected_notify(
    icookie: Cookie,
    rcookie: Cookie,
    message_id: u32,
    ty: NotifyType,
) -> Vec<u8> {
    let n = Payload::Notify(crate::wire::NotifyPayload {
        doi: crate::wire::Doi::IPSEC,
        protocol: ProtocolId::ISAKMP,
        spi: Vec::new(),
        notify_type: ty,
        data: Vec::new(),
    });
    let (first, body) = emit_chain(&[n]);
    crate::wire::Header {
        initiator_cookie: icookie,
        responder_cookie: rcookie,
        exchange_type: ExchangeType::INFORMATIONAL,
        flags: Flags::empty(),
        message_id,
    }
    .message(first, &body)
}

#[cfg(test)]
mod machine_tests;
