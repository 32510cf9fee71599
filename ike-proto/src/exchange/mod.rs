//! The IKEv1 exchanges as typed states.
//!
//! Each exchange is an enum of states; each state holds only what is valid
//! at that point and is consumed by the message that moves it on
//! (`handle(self, ...) -> Result<Step, Error>`). Phase 1 ends in a
//! [`Phase1Sa`], which can only be built with an [`Authenticated`] token
//! that Main and Aggressive Mode mint after the peer's HASH verified; Quick
//! Mode and the protected Informational exchange take a `&mut Phase1Sa`, so
//! phase 2 cannot run on an unauthenticated SA.
//!
//! * [`main_mode`]: Main Mode (identity protection), pre-shared key.
//! * [`aggressive`]: Aggressive Mode, pre-shared key chosen by identity.
//! * [`quick_mode`]: Quick Mode, PFS, commit bit, RESPONDER_LIFETIME.
//! * [`informational`]: Delete, notifies, INITIAL_CONTACT, DPD.
//! * `transaction`: Xauth and Mode Config (exchange type 6), both roles.

pub mod aggressive;
pub mod informational;
pub mod main_mode;
pub(crate) mod msg;
pub mod notify;
pub mod quick_mode;
pub(crate) mod suite;
pub(crate) mod transaction;

use std::net::{Ipv4Addr, SocketAddrV4};

use rand_core::CryptoRng;

use crate::crypto::vid;

pub(crate) use crate::error::{Error, PeerIncompatible, PeerMisbehaved};
use msg::{
    Attr, Header, IdPayload, Parsed, Payload, Proposal, SaPayload, Transform, emit_chain, exch,
    flags,
};
use suite::{IsakmpCrypter, Phase1Keys};

use crate::policy::{
    AuthMethod, DhGroup, EncapMode, EspCipher, EspIntegrity, Identity, Lifetime, Phase1Cipher,
    Phase1Hash, Phase1Proposal, Phase2Proposal, Policy, Profile, TrafficSelector,
};

/// Proof that the peer's phase-1 HASH verified. Only Main Mode and
/// Aggressive Mode can mint one (the field is private to this module tree).
#[derive(Debug)]
pub struct Authenticated {
    _private: (),
}

impl Authenticated {
    /// Minted only after HASH_I / HASH_R compared equal.
    fn mint() -> Self {
        Self { _private: () }
    }
}

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

    /// The ESP encapsulation attribute value for UDP tunnel / transport.
    pub fn udp_encap(self, mode: EncapMode) -> u16 {
        match (self.draft(), mode) {
            (false, EncapMode::Tunnel) => 3,
            (false, EncapMode::Transport) => 4,
            (true, EncapMode::Tunnel) => 61443,
            (true, EncapMode::Transport) => 61444,
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
            let Payload::VendorId(v) = &p.payload else {
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
        v.push(Payload::VendorId(vid::CISCO_UNITY.to_vec()));
    }
    // The DPD vendor ID says we answer R-U-THERE (RFC 3706 section 5.2),
    // which we always do, so a hub can find out whether we are alive (it
    // releases the flows of a dead spoke that way). Whether we probe is
    // Config::dpd's business, not the peer's.
    if ctx.advertise_dpd {
        v.push(Payload::VendorId(vid::DPD.to_vec()));
    }
    if ctx.nat_traversal {
        match natt_choice {
            None => {
                if ctx.natt_rfc {
                    v.push(Payload::VendorId(vid::NAT_T_RFC3947.to_vec()));
                }
                if ctx.natt_drafts {
                    for id in [
                        vid::NAT_T_DRAFT_03,
                        vid::NAT_T_DRAFT_02_N,
                        vid::NAT_T_DRAFT_02,
                    ] {
                        v.push(Payload::VendorId(id.to_vec()));
                    }
                }
            }
            Some(Some(NattMethod::Rfc3947)) => {
                v.push(Payload::VendorId(vid::NAT_T_RFC3947.to_vec()))
            }
            Some(Some(NattMethod::Draft03)) => {
                v.push(Payload::VendorId(vid::NAT_T_DRAFT_03.to_vec()))
            }
            Some(Some(NattMethod::Draft02)) => {
                v.push(Payload::VendorId(vid::NAT_T_DRAFT_02_N.to_vec()))
            }
            Some(None) => {}
        }
    }
    if natt_choice.is_some() {
        v.push(Payload::VendorId(vid::XAUTH.to_vec()));
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
pub(crate) fn nat_d(
    hash: Phase1Hash,
    icky: &[u8; 8],
    rcky: &[u8; 8],
    addr: SocketAddrV4,
) -> Vec<u8> {
    suite::nat_d(hash, icky, rcky, addr)
}

/// The two NAT-D payloads we send: the peer's address first, then ours.
/// Under forced encapsulation ours is a random value of the hash's length
/// (RFC 3947 section 3.2 allows it), so the peer sees a NAT in front of us.
pub(crate) fn nat_d_payloads(
    ctx: &mut Ctx<'_>,
    method: NattMethod,
    hash: Phase1Hash,
    icky: &[u8; 8],
    rcky: &[u8; 8],
) -> Vec<Payload> {
    let mut ours = nat_d(hash, icky, rcky, ctx.local);
    if ctx.force_encap {
        ctx.rng.fill_bytes(&mut ours);
    }
    vec![
        Payload::NatD {
            hash: nat_d(hash, icky, rcky, ctx.remote),
            draft: method.draft(),
        },
        Payload::NatD {
            hash: ours,
            draft: method.draft(),
        },
    ]
}

/// Compares the peer's NAT-D payloads with the addresses the datagram had.
pub(crate) fn check_nat_d(
    ctx: &Ctx<'_>,
    method: Option<NattMethod>,
    hash: Phase1Hash,
    icky: &[u8; 8],
    rcky: &[u8; 8],
    payloads: &[Parsed],
) -> NatDetection {
    let Some(method) = method else {
        return NatDetection::default();
    };
    let hashes: Vec<&[u8]> = payloads
        .iter()
        .filter_map(|p| match &p.payload {
            Payload::NatD { hash, .. } => Some(hash.as_slice()),
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
    pub(crate) keys: Phase1Keys,
    pub(crate) crypter: IsakmpCrypter,
    /// The negotiated transform.
    pub(crate) proposal: Phase1Proposal,
    /// The lifetime in force.
    pub(crate) lifetime: Lifetime,
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
    pub(crate) icookie: [u8; 8],
    pub(crate) rcookie: [u8; 8],
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
        exchange: u8,
        message_id: u32,
        payloads: &[Payload],
        flags_extra: u8,
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
        exchange: u8,
        message_id: u32,
        hash: Vec<u8>,
        first: u8,
        rest: &[u8],
        flags_extra: u8,
    ) -> Vec<u8> {
        // Sized so it never reallocates (a reallocation would leave a copy
        // of the plaintext behind), and wiped on drop.
        let mut body = zeroize::Zeroizing::new(Vec::with_capacity(rest.len() + hash.len() + 4));
        body.push(first);
        body.push(0);
        let len = u16::try_from(hash.len() + 4).unwrap_or(u16::MAX);
        body.extend_from_slice(&len.to_be_bytes());
        body.extend_from_slice(&hash);
        body.extend_from_slice(rest);
        let ct = self.crypter.encrypt(message_id, &body);
        Header {
            icookie: self.icookie,
            rcookie: self.rcookie,
            next_payload: msg::pt::HASH,
            exchange,
            flags: flags::E | flags_extra,
            message_id,
        }
        .emit(&ct)
    }

    /// Decrypts a protected message and splits off its leading HASH.
    /// Returns the HASH value, the raw bytes after it (for HASH(1)/(2)) and
    /// the parsed payloads after it. The IV moves on only when the caller
    /// calls `crypter.confirm` after verifying the HASH.
    pub(crate) fn open(&mut self, header: &Header, body: &[u8]) -> Result<Opened, Error> {
        if header.flags & flags::E == 0 {
            return Err(Error::unexpected(
                "unencrypted message on an established SA",
            ));
        }
        let pt = self
            .crypter
            .decrypt(header.message_id, body)
            .ok_or(Error::malformed("ciphertext length"))?;
        if header.next_payload != msg::pt::HASH {
            return Err(Error::unexpected("first payload is not HASH"));
        }
        let payloads = msg::parse_chain(header.next_payload, &pt, true)?;
        let mut iter = payloads.into_iter();
        let hash = match iter.next() {
            Some(Parsed {
                payload: Payload::Hash(h),
                raw,
            }) => (h, raw.len()),
            _ => return Err(Error::unexpected("HASH")),
        };
        let rest_payloads: Vec<Parsed> = iter.collect();
        let rest_len: usize = rest_payloads.iter().map(|p| p.raw.len()).sum();
        let rest = zeroize::Zeroizing::new(
            pt.get(hash.1..hash.1 + rest_len)
                .unwrap_or_default()
                .to_vec(),
        );
        Ok(Opened {
            hash: hash.0,
            rest,
            payloads: rest_payloads,
        })
    }
}

/// A decrypted protected message.
pub(crate) struct Opened {
    pub(crate) hash: Vec<u8>,
    /// The plaintext after HASH (wiped on drop: an Xauth REPLY's password).
    pub(crate) rest: zeroize::Zeroizing<Vec<u8>>,
    pub(crate) payloads: Vec<Parsed>,
}

// ---------------------------------------------------------------------
// Phase-1 SA payloads
// ---------------------------------------------------------------------

mod oakley {
    pub(super) const ENC: u16 = 1;
    pub(super) const HASH: u16 = 2;
    pub(super) const AUTH: u16 = 3;
    pub(super) const GROUP: u16 = 4;
    pub(super) const LIFE_TYPE: u16 = 11;
    pub(super) const LIFE_DURATION: u16 = 12;
    pub(super) const KEY_LENGTH: u16 = 14;
}

const DOI_IPSEC: u32 = 1;
const SIT_IDENTITY_ONLY: u32 = 1;
pub(crate) const PROTO_ISAKMP: u8 = 1;
pub(crate) const PROTO_ESP: u8 = 3;

/// Which SA a lifetime attribute describes. The two phases number the same
/// attributes differently (phase 1: Oakley classes 11/12, RFC 2409 App. A;
/// phase 2: IPsec DOI classes 1/2, RFC 2407 4.5), so every lifetime we
/// emit or parse names its phase and the classes follow from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SaPhase {
    /// The ISAKMP SA (phase 1).
    Isakmp,
    /// An IPsec SA (phase 2).
    Ipsec,
}

impl SaPhase {
    /// The (life type, life duration) attribute classes of this phase.
    const fn life_classes(self) -> (u16, u16) {
        match self {
            Self::Isakmp => (oakley::LIFE_TYPE, oakley::LIFE_DURATION),
            Self::Ipsec => (ipsec_attr::LIFE_TYPE, ipsec_attr::LIFE_DURATION),
        }
    }
}

fn lifetime_attrs(phase: SaPhase, l: Lifetime, out: &mut Vec<Attr>) {
    let (type_attr, dur_attr) = phase.life_classes();
    if let Some(s) = l.seconds {
        out.push(Attr::basic(type_attr, 1));
        out.push(Attr::number(dur_attr, s));
    }
    if let Some(k) = l.kilobytes {
        out.push(Attr::basic(type_attr, 2));
        out.push(Attr::number(dur_attr, k));
    }
}

fn phase1_transform(number: u8, p: &Phase1Proposal) -> Transform {
    let mut attrs = Vec::new();
    let (enc, keylen) = match p.cipher {
        Phase1Cipher::Des => (1, None),
        Phase1Cipher::TripleDes => (5, None),
        Phase1Cipher::AesCbc { key_bits } => (7, Some(key_bits)),
    };
    attrs.push(Attr::basic(oakley::ENC, enc));
    attrs.push(Attr::basic(
        oakley::HASH,
        match p.hash {
            Phase1Hash::Md5 => 1,
            Phase1Hash::Sha1 => 2,
            Phase1Hash::Sha256 => 4,
            Phase1Hash::Sha384 => 5,
            Phase1Hash::Sha512 => 6,
        },
    ));
    attrs.push(Attr::basic(
        oakley::AUTH,
        match p.auth {
            AuthMethod::PreSharedKey => 1,
            AuthMethod::XauthInitPreShared => 65001,
            AuthMethod::XauthRespPreShared => 65002,
        },
    ));
    attrs.push(Attr::basic(oakley::GROUP, p.group.0));
    if let Some(k) = keylen {
        attrs.push(Attr::basic(oakley::KEY_LENGTH, k));
    }
    lifetime_attrs(SaPhase::Isakmp, p.lifetime, &mut attrs);
    Transform {
        number,
        id: 1, // KEY_IKE
        attrs,
    }
}

/// Our phase-1 SA payload: one ISAKMP proposal, one transform per policy.
pub(crate) fn phase1_sa(proposals: &[Phase1Proposal]) -> SaPayload {
    SaPayload {
        doi: DOI_IPSEC,
        situation: SIT_IDENTITY_ONLY,
        proposals: vec![Proposal {
            number: 1,
            protocol: PROTO_ISAKMP,
            spi: Vec::new(),
            transforms: proposals
                .iter()
                .enumerate()
                .map(|(i, p)| phase1_transform(u8::try_from(i + 1).unwrap_or(u8::MAX), p))
                .collect(),
        }],
    }
}

/// The responder's SA payload: the one chosen transform, as the peer sent it
/// (with its number), lifetime unchanged (a shorter one goes in a
/// RESPONDER_LIFETIME notify).
pub(crate) fn phase1_sa_reply(chosen: &Transform) -> SaPayload {
    SaPayload {
        doi: DOI_IPSEC,
        situation: SIT_IDENTITY_ONLY,
        proposals: vec![Proposal {
            number: 1,
            protocol: PROTO_ISAKMP,
            spi: Vec::new(),
            transforms: vec![chosen.clone()],
        }],
    }
}

/// Reads the life type / life duration pairs of a transform.
///
/// A duration of 0 counts as not proposed: strongSwan sends 0 when it is
/// configured never to rekey, and taking it literally would expire the SA
/// as it comes up, whatever the policy's lifetime rule.
fn parse_lifetimes(attrs: &[Attr], phase: SaPhase) -> Option<Lifetime> {
    let (type_attr, dur_attr) = phase.life_classes();
    let mut l = Lifetime::default();
    let mut current: Option<u32> = None;
    for a in attrs {
        if a.ty == type_attr {
            current = Some(a.as_u32()?);
        } else if a.ty == dur_attr {
            let v = a.as_u32()?;
            let v = (v > 0).then_some(v);
            match current? {
                1 => l.seconds = v,
                2 => l.kilobytes = v,
                _ => return None,
            }
        }
    }
    Some(l)
}

/// Reads a phase-1 transform; `None` if we cannot do it.
pub(crate) fn parse_phase1_transform(t: &Transform) -> Option<Phase1Proposal> {
    if t.id != 1 {
        return None;
    }
    let get = |ty: u16| t.attrs.iter().find(|a| a.ty == ty).and_then(Attr::as_u32);
    let keylen = get(oakley::KEY_LENGTH);
    let cipher = match (get(oakley::ENC)?, keylen) {
        (1, None) => Phase1Cipher::Des,
        (5, None | Some(192)) => Phase1Cipher::TripleDes,
        (7, Some(k @ (128 | 192 | 256))) => Phase1Cipher::AesCbc {
            key_bits: u16::try_from(k).ok()?,
        },
        _ => return None,
    };
    let hash = match get(oakley::HASH)? {
        1 => Phase1Hash::Md5,
        2 => Phase1Hash::Sha1,
        4 => Phase1Hash::Sha256,
        5 => Phase1Hash::Sha384,
        6 => Phase1Hash::Sha512,
        _ => return None,
    };
    let auth = match get(oakley::AUTH)? {
        1 => AuthMethod::PreSharedKey,
        65001 => AuthMethod::XauthInitPreShared,
        65002 => AuthMethod::XauthRespPreShared,
        _ => return None,
    };
    let group = DhGroup(u16::try_from(get(oakley::GROUP)?).ok()?);
    if !suite::group_supported(group) {
        return None;
    }
    // Unknown attribute classes make the transform unacceptable.
    if t.attrs
        .iter()
        .any(|a| !matches!(a.ty, 1..=4 | 11 | 12 | 14))
    {
        return None;
    }
    Some(Phase1Proposal {
        cipher,
        hash,
        auth,
        group,
        lifetime: parse_lifetimes(&t.attrs, SaPhase::Isakmp)?,
    })
}

/// The initiator's transforms we can do, with the transform each came from.
pub(crate) fn phase1_offers(sa: &SaPayload) -> Result<Vec<(Phase1Proposal, Transform)>, Error> {
    if sa.doi != DOI_IPSEC {
        return Err(Error::PeerIncompatible(PeerIncompatible::NoProposalChosen));
    }
    let prop = match sa.proposals.as_slice() {
        [p] if p.protocol == PROTO_ISAKMP => p,
        _ => {
            return Err(Error::malformed("phase-1 SA needs one ISAKMP proposal"));
        }
    };
    Ok(prop
        .transforms
        .iter()
        .filter_map(|t| parse_phase1_transform(t).map(|p| (p, t.clone())))
        .collect())
}

// ---------------------------------------------------------------------
// Phase-2 SA payloads
// ---------------------------------------------------------------------

mod ipsec_attr {
    pub(super) const LIFE_TYPE: u16 = 1;
    pub(super) const LIFE_DURATION: u16 = 2;
    pub(super) const GROUP: u16 = 3;
    pub(super) const ENCAP: u16 = 4;
    pub(super) const AUTH: u16 = 5;
    pub(super) const KEY_LENGTH: u16 = 6;
}

/// The ESP transform as it goes on the wire.
pub(crate) fn esp_transform(number: u8, p: &Phase2Proposal, natt: Option<NattMethod>) -> Transform {
    let (id, keylen) = match p.cipher {
        EspCipher::Des => (2, None),
        EspCipher::TripleDes => (3, None),
        EspCipher::AesCbc { key_bits } => (12, Some(key_bits)),
        EspCipher::AesGcm16 { key_bits } => (20, Some(key_bits)),
        EspCipher::Null => (11, None),
    };
    let mut attrs = Vec::new();
    lifetime_attrs(SaPhase::Ipsec, p.lifetime, &mut attrs);
    if let Some(g) = p.pfs {
        attrs.push(Attr::basic(ipsec_attr::GROUP, g.0));
    }
    let encap = match natt {
        Some(m) => m.udp_encap(p.mode),
        None => match p.mode {
            EncapMode::Tunnel => 1,
            EncapMode::Transport => 2,
        },
    };
    attrs.push(Attr::basic(ipsec_attr::ENCAP, encap));
    if let Some(i) = p.integrity {
        attrs.push(Attr::basic(
            ipsec_attr::AUTH,
            match i {
                EspIntegrity::HmacMd5 => 1,
                EspIntegrity::HmacSha1 => 2,
                EspIntegrity::HmacSha256 => 5,
            },
        ));
    }
    if let Some(k) = keylen {
        attrs.push(Attr::basic(ipsec_attr::KEY_LENGTH, k));
    }
    Transform { number, id, attrs }
}

/// Reads an ESP transform: the proposal and whether it asks for UDP
/// encapsulation. `None` if we cannot do it.
pub(crate) fn parse_esp_transform(t: &Transform) -> Option<(Phase2Proposal, bool)> {
    let get = |ty: u16| t.attrs.iter().find(|a| a.ty == ty).and_then(Attr::as_u32);
    let keylen = get(ipsec_attr::KEY_LENGTH).and_then(|k| u16::try_from(k).ok());
    let cipher = match (t.id, keylen) {
        (2, None) => EspCipher::Des,
        (3, None) => EspCipher::TripleDes,
        (12, Some(k @ (128 | 192 | 256))) => EspCipher::AesCbc { key_bits: k },
        (12, None) => EspCipher::AesCbc { key_bits: 128 },
        (20, Some(k @ (128 | 192 | 256))) => EspCipher::AesGcm16 { key_bits: k },
        (11, None) => EspCipher::Null,
        _ => return None,
    };
    let integrity = match get(ipsec_attr::AUTH) {
        None => None,
        Some(1) => Some(EspIntegrity::HmacMd5),
        Some(2) => Some(EspIntegrity::HmacSha1),
        Some(5) => Some(EspIntegrity::HmacSha256),
        Some(_) => return None,
    };
    let combined = matches!(cipher, EspCipher::AesGcm16 { .. });
    if combined == integrity.is_some() {
        return None;
    }
    let (mode, udp) = match get(ipsec_attr::ENCAP).unwrap_or(1) {
        1 => (EncapMode::Tunnel, false),
        2 => (EncapMode::Transport, false),
        3 | 61443 => (EncapMode::Tunnel, true),
        4 | 61444 => (EncapMode::Transport, true),
        _ => return None,
    };
    let pfs = match get(ipsec_attr::GROUP) {
        None => None,
        Some(g) => {
            let g = DhGroup(u16::try_from(g).ok()?);
            if !suite::group_supported(g) {
                return None;
            }
            Some(g)
        }
    };
    if t.attrs.iter().any(|a| !matches!(a.ty, 1..=6)) {
        return None;
    }
    Some((
        Phase2Proposal {
            cipher,
            integrity,
            mode,
            pfs,
            lifetime: parse_lifetimes(&t.attrs, SaPhase::Ipsec)?,
        },
        udp,
    ))
}

// ---------------------------------------------------------------------
// Identities
// ---------------------------------------------------------------------

mod id_type {
    pub(super) const IPV4_ADDR: u8 = 1;
    pub(super) const FQDN: u8 = 2;
    pub(super) const USER_FQDN: u8 = 3;
    pub(super) const IPV4_ADDR_SUBNET: u8 = 4;
    pub(super) const IPV4_ADDR_RANGE: u8 = 7;
    pub(super) const KEY_ID: u8 = 11;
}

/// A phase-1 identity as an ID payload (protocol UDP, port 500 as IOS
/// sends in Main Mode, whatever ports are in use: RFC 2407 4.6.2 allows
/// only 0 or 500 here).
pub(crate) fn identity_payload(id: &Identity) -> IdPayload {
    let (id_type, data) = match id {
        Identity::Ipv4(a) => (id_type::IPV4_ADDR, a.octets().to_vec()),
        Identity::Fqdn(s) => (id_type::FQDN, s.as_bytes().to_vec()),
        Identity::UserFqdn(s) => (id_type::USER_FQDN, s.as_bytes().to_vec()),
        Identity::KeyId(k) => (id_type::KEY_ID, k.clone()),
        Identity::Other { id_type, data } => (*id_type, data.clone()),
    };
    IdPayload {
        id_type,
        protocol: 17,
        port: 500,
        data,
    }
}

/// Reads a phase-1 identity.
pub(crate) fn parse_identity(id: &IdPayload) -> Result<Identity, Error> {
    Ok(match id.id_type {
        id_type::IPV4_ADDR => {
            let o: [u8; 4] = id.data.as_slice().try_into().map_err(|_| {
                Error::PeerMisbehaved(PeerMisbehaved::InvalidIdInformation("identification data"))
            })?;
            Identity::Ipv4(Ipv4Addr::from(o))
        }
        id_type::FQDN => Identity::Fqdn(String::from_utf8(id.data.clone()).map_err(|_| {
            Error::PeerMisbehaved(PeerMisbehaved::InvalidIdInformation("identification data"))
        })?),
        id_type::USER_FQDN => {
            Identity::UserFqdn(String::from_utf8(id.data.clone()).map_err(|_| {
                Error::PeerMisbehaved(PeerMisbehaved::InvalidIdInformation("identification data"))
            })?)
        }
        id_type::KEY_ID => Identity::KeyId(id.data.clone()),
        t => Identity::Other {
            id_type: t,
            data: id.data.clone(),
        },
    })
}

/// A Quick Mode client identity for a selector: IPV4_ADDR for a host,
/// IPV4_ADDR_SUBNET for a subnet, IPV4_ADDR_RANGE otherwise.
pub(crate) fn selector_payload(s: &TrafficSelector) -> IdPayload {
    let (id_type, data) = if s.start == s.end {
        (id_type::IPV4_ADDR, s.start.octets().to_vec())
    } else if let Some((a, m)) = s.as_subnet() {
        let mut d = a.octets().to_vec();
        d.extend_from_slice(&m.octets());
        (id_type::IPV4_ADDR_SUBNET, d)
    } else {
        let mut d = s.start.octets().to_vec();
        d.extend_from_slice(&s.end.octets());
        (id_type::IPV4_ADDR_RANGE, d)
    };
    IdPayload {
        id_type,
        protocol: s.protocol,
        port: s.port,
        data,
    }
}

/// Reads a Quick Mode client identity.
pub(crate) fn parse_selector(id: &IdPayload) -> Result<TrafficSelector, Error> {
    let quad = |b: &[u8]| -> Result<Ipv4Addr, Error> {
        let o: [u8; 4] = b.try_into().map_err(|_| {
            Error::PeerMisbehaved(PeerMisbehaved::InvalidIdInformation("identification data"))
        })?;
        Ok(Ipv4Addr::from(o))
    };
    let (start, end) = match id.id_type {
        id_type::IPV4_ADDR => {
            let a = quad(&id.data)?;
            (a, a)
        }
        id_type::IPV4_ADDR_SUBNET => {
            let a = u32::from(quad(id.data.get(..4).unwrap_or_default())?);
            let m = u32::from(quad(id.data.get(4..).unwrap_or_default())?);
            (Ipv4Addr::from(a & m), Ipv4Addr::from(a | !m))
        }
        id_type::IPV4_ADDR_RANGE => {
            let a = quad(id.data.get(..4).unwrap_or_default())?;
            let b = quad(id.data.get(4..).unwrap_or_default())?;
            if u32::from(a) > u32::from(b) {
                return Err(Error::PeerMisbehaved(PeerMisbehaved::InvalidIdInformation(
                    "identification data",
                )));
            }
            (a, b)
        }
        _ => {
            return Err(Error::PeerMisbehaved(PeerMisbehaved::InvalidIdInformation(
                "identification data",
            )));
        }
    };
    Ok(TrafficSelector {
        start,
        end,
        protocol: id.protocol,
        port: id.port,
    })
}

/// Builds an unprotected Informational message with one notify (errors
/// before phase 1 has keys).
pub(crate) fn unprotected_notify(
    icookie: [u8; 8],
    rcookie: [u8; 8],
    message_id: u32,
    ty: u16,
) -> Vec<u8> {
    let n = Payload::Notify(msg::NotifyPayload {
        doi: DOI_IPSEC,
        protocol: PROTO_ISAKMP,
        spi: Vec::new(),
        ty,
        data: Vec::new(),
    });
    let (first, body) = emit_chain(&[n]);
    Header {
        icookie,
        rcookie,
        next_payload: first,
        exchange: exch::INFORMATIONAL,
        flags: 0,
        message_id,
    }
    .emit(&body)
}

/// The responder's RESPONDER_LIFETIME notify data: the lifetime attributes
/// in the numbering of the SA's phase.
pub(crate) fn responder_lifetime_data(phase: SaPhase, l: Lifetime) -> Vec<u8> {
    let mut attrs = Vec::new();
    lifetime_attrs(phase, l, &mut attrs);
    let mut out = Vec::new();
    for a in attrs {
        if a.basic {
            out.extend_from_slice(&(a.ty | 0x8000).to_be_bytes());
            out.extend_from_slice(&a.value);
        } else {
            out.extend_from_slice(&a.ty.to_be_bytes());
            out.extend_from_slice(&u16::try_from(a.value.len()).unwrap_or(0).to_be_bytes());
            out.extend_from_slice(&a.value);
        }
    }
    out
}

/// Reads RESPONDER_LIFETIME data strictly in the numbering of `phase`: an
/// attribute of another class (a phase-2 class in a phase-1 notify, as an
/// old version of ours sent) makes the notify unreadable, so it is ignored
/// rather than misread.
pub(crate) fn parse_responder_lifetime(phase: SaPhase, data: &[u8]) -> Option<Lifetime> {
    let mut attrs = Vec::new();
    let mut rest = data;
    let (type_attr, dur_attr) = phase.life_classes();
    while !rest.is_empty() {
        let (t, r) = rest.split_at_checked(2)?;
        let t = u16::from_be_bytes([*t.first()?, *t.get(1)?]);
        let (attr, r) = if t & 0x8000 != 0 {
            let (v, r2) = r.split_at_checked(2)?;
            (
                Attr {
                    ty: t & 0x7fff,
                    value: v.to_vec(),
                    basic: true,
                },
                r2,
            )
        } else {
            let (l, r2) = r.split_at_checked(2)?;
            let l = usize::from(u16::from_be_bytes([*l.first()?, *l.get(1)?]));
            let (v, r3) = r2.split_at_checked(l)?;
            (
                Attr {
                    ty: t,
                    value: v.to_vec(),
                    basic: false,
                },
                r3,
            )
        };
        if attr.ty != type_attr && attr.ty != dur_attr {
            return None;
        }
        attrs.push(attr);
        rest = r;
        if attrs.len() > 16 {
            return None;
        }
    }
    let l = parse_lifetimes(&attrs, phase)?;
    (l != Lifetime::default()).then_some(l)
}

/// A tiny helper: find the first payload matching `f`.
pub(crate) fn find<'a, T>(
    payloads: &'a [Parsed],
    f: impl Fn(&'a Payload) -> Option<T>,
) -> Option<(T, &'a Parsed)> {
    payloads.iter().find_map(|p| f(&p.payload).map(|t| (t, p)))
}

#[cfg(test)]
mod machine_tests;

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 2409 Appendix A numbers the phase-1 life type / duration 11 / 12,
    /// RFC 2407 4.5 numbers phase 2's 1 / 2; tshark decodes
    /// `800b0001 000c0004 00015180` as "Life-Type: Seconds, Life-Duration:
    /// 86400" (and `80010001 ...` in a phase-1 notify as
    /// "Encryption-Algorithm", which crashed vpnc).
    #[test]
    fn responder_lifetime_uses_the_classes_of_its_phase() {
        let day = Lifetime::seconds(86_400);
        assert_eq!(
            responder_lifetime_data(SaPhase::Isakmp, day),
            [
                0x80, 0x0b, 0x00, 0x01, 0x00, 0x0c, 0x00, 0x04, 0x00, 0x01, 0x51, 0x80
            ]
        );
        let hour = Lifetime::new(3600, 4_608_000);
        assert_eq!(
            responder_lifetime_data(SaPhase::Ipsec, hour),
            [
                0x80, 0x01, 0x00, 0x01, 0x80, 0x02, 0x0e, 0x10, 0x80, 0x01, 0x00, 0x02, 0x00, 0x02,
                0x00, 0x04, 0x00, 0x46, 0x50, 0x00
            ]
        );
        for (phase, l) in [(SaPhase::Isakmp, day), (SaPhase::Ipsec, hour)] {
            let data = responder_lifetime_data(phase, l);
            assert_eq!(parse_responder_lifetime(phase, &data), Some(l));
        }
        // Strict by class: the other phase's numbering is not read.
        let wrong = responder_lifetime_data(SaPhase::Ipsec, day);
        assert_eq!(parse_responder_lifetime(SaPhase::Isakmp, &wrong), None);
        let wrong = responder_lifetime_data(SaPhase::Isakmp, hour);
        assert_eq!(parse_responder_lifetime(SaPhase::Ipsec, &wrong), None);
        assert_eq!(
            parse_responder_lifetime(SaPhase::Ipsec, &[0x80, 0x01]),
            None
        );
    }

    #[test]
    fn a_zero_lifetime_counts_as_not_proposed() {
        let attrs = [
            Attr::basic(oakley::LIFE_TYPE, 1),
            Attr::basic(oakley::LIFE_DURATION, 0),
            Attr::basic(oakley::LIFE_TYPE, 2),
            Attr::basic(oakley::LIFE_DURATION, 4608),
        ];
        let l = parse_lifetimes(&attrs, SaPhase::Isakmp).unwrap();
        assert_eq!((l.seconds, l.kilobytes), (None, Some(4608)));
        let attrs = [
            Attr::basic(oakley::LIFE_TYPE, 1),
            Attr::basic(oakley::LIFE_DURATION, 3600),
        ];
        let l = parse_lifetimes(&attrs, SaPhase::Isakmp).unwrap();
        assert_eq!(l.seconds, Some(3600));
    }
}
