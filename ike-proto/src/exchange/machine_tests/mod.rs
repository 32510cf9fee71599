//! Each exchange state machine driven alone, without the engine: two
//! contexts as the engine would build them (a seeded RNG, a
//! [`StaticPolicy`], the two addresses), one side's output fed to the other
//! side's state, the states reached and the keys agreed asserted, and the
//! messages produced decoded by the independent `wire` codec.

use std::net::{Ipv4Addr, SocketAddrV4};

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use super::aggressive::{AggressiveInitiator, AggressiveResponder};
use super::chain::Received;
use super::informational::{self, InfoItem};
use super::main_mode::{MainModeInitiator, MainModeResponder};
use super::phase1::Phase1Done;
use super::quick_mode::{NegotiatedChild, QuickModeInitiator, QuickModeResponder};
use super::step::{Exchange, Step};
use super::trace::Trace;
use super::transaction::{
    self, Action, Transaction, TransactionCx, TransactionDone, TransactionEvent, XauthNumbering,
};
use super::{Ctx, Phase1Sa};
use crate::policy::{
    Identity, ModeConfig, Phase1Proposal, Phase2Proposal, Policy, PresharedKey, Profile, Selectors,
    StaticPolicy, TrafficSelector, XauthPassword,
};
use crate::wire::{
    self, ConfigMessageType, Cookie, ExchangeType, Flags, NotifyType, PayloadType, ProtocolId,
};

const SPOKE: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 2);
const HUB: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
const ICOOKIE: Cookie = Cookie([1, 2, 3, 4, 5, 6, 7, 8]);
const RCOOKIE: Cookie = Cookie([9, 10, 11, 12, 13, 14, 15, 16]);

/// One peer: what the engine would hand its exchanges.
struct Side {
    rng: ChaCha20Rng,
    policy: StaticPolicy,
    local: SocketAddrV4,
    remote: SocketAddrV4,
    trace: Trace,
}

impl Side {
    fn new(seed: u64, policy: StaticPolicy, local: Ipv4Addr, remote: Ipv4Addr) -> Self {
        Self {
            rng: ChaCha20Rng::seed_from_u64(seed),
            policy,
            local: SocketAddrV4::new(local, 500),
            remote: SocketAddrV4::new(remote, 500),
            trace: Trace::new(None),
        }
    }

    /// The context as `Engine::ctx` builds it with the default
    /// configuration, NAT traversal off (no NAT-D to compare).
    fn cx(&mut self) -> Ctx<'_> {
        Ctx {
            rng: &mut self.rng,
            policy: &self.policy,
            local: self.local,
            remote: self.remote,
            nat_traversal: false,
            natt_port: 4500,
            peer_natt_port: 4500,
            force_encap: false,
            natt_rfc: true,
            natt_drafts: true,
            advertise_dpd: true,
            commit: false,
            trace: &mut self.trace,
        }
    }
}

fn lan(a: u8) -> TrafficSelector {
    TrafficSelector::subnet(Ipv4Addr::new(10, a, 0, 0), 16)
}

/// The seed's L2L pair: spoke (initiator) and hub (responder).
fn l2l() -> (Side, Side) {
    let spoke = StaticPolicy::seed(b"cisco123", lan(2), lan(1));
    let hub = StaticPolicy::seed(b"cisco123", lan(1), lan(2));
    (
        Side::new(1, spoke, SPOKE, HUB),
        Side::new(2, hub, HUB, SPOKE),
    )
}

fn split(msg: &[u8]) -> (Received<'_>, &[u8]) {
    super::chain::received(msg).expect("header")
}

/// The payload types of a clear message, decoded by `wire`.
fn clear_payloads(msg: &[u8], exchange: ExchangeType) -> Vec<PayloadType> {
    let m = wire::Message::parse(msg).expect("wire decodes the message");
    assert_eq!(m.header.exchange_type, exchange);
    assert!(!m.header.flags.contains(Flags::ENCRYPTION));
    m.payloads.iter().map(wire::Payload::payload_type).collect()
}

/// The header of an encrypted message, decoded by `wire`.
fn sealed_header(msg: &[u8], exchange: ExchangeType) -> wire::Header {
    let m = wire::EncryptedMessage::parse(msg).expect("wire decodes the message");
    assert_eq!(m.header.exchange_type, exchange);
    assert!(m.header.flags.contains(Flags::ENCRYPTION));
    m.header
}

fn done<S: Exchange<Outcome = Phase1Done, Reply = Vec<u8>>>(
    step: Step<S>,
    received: &str,
) -> (Box<Phase1Sa>, Option<Vec<u8>>) {
    match step {
        Step::Done {
            outcome,
            reply,
            received: r,
        } => {
            assert_eq!(r, received);
            (outcome.sa, reply)
        }
        Step::Fail(e) => panic!("failed in {received}: {e:?}"),
        Step::Reject { error, .. } => panic!("rejected in {received}: {error:?}"),
        Step::Ignore { why, .. } => panic!("ignored in {received}: {why}"),
        Step::Next { received: r, .. } => panic!("{r}: not done"),
    }
}

fn next<S: Exchange<Reply = Vec<u8>>>(step: Step<S>, received: &str) -> (S, Vec<u8>) {
    match step {
        Step::Next {
            state,
            reply,
            received: r,
        } => {
            assert_eq!(r, received);
            (state, reply)
        }
        Step::Fail(e) => panic!("failed in {received}: {e:?}"),
        Step::Reject { error, .. } => panic!("rejected in {received}: {error:?}"),
        Step::Ignore { why, .. } => panic!("ignored in {received}: {why}"),
        Step::Done { received: r, .. } => panic!("{r}: done too early"),
    }
}

/// The two ends hold the same SKEYID_a (HASH(1)), SKEYID_d (KEYMAT) and
/// SKEYID_e (the 3DES key), compared through what each is used for.
fn assert_same_keys(a: &Phase1Sa, b: &Phase1Sa) {
    let (ka, kb) = (&a.keys, &b.keys);
    assert_eq!(*ka.hash1(7, b"rest"), *kb.hash1(7, b"rest"));
    assert_eq!(ka.hash1(7, b"rest").len(), 20, "SHA-1 PRF output");
    let keymat = |k: &super::suite::Phase2Keys| k.keymat(3, &[1, 2, 3, 4], b"ni", b"nr", None, 44);
    assert_eq!(*keymat(ka), *keymat(kb));
    let (ea, eb) = (a.crypter.key(), b.crypter.key());
    assert_eq!(ea.as_bytes(), eb.as_bytes());
    assert_eq!(ea.len(), 24);
    assert_eq!((a.icookie, a.rcookie), (b.icookie, b.rcookie));
    assert_eq!(a.proposal, b.proposal);
}

/// Main Mode between the seed's spoke and hub, both state machines alone.
fn main_mode(spoke: &mut Side, hub: &mut Side) -> (Box<Phase1Sa>, Box<Phase1Sa>) {
    let psk = PresharedKey::new(b"cisco123".to_vec());
    let (i, mm1) = MainModeInitiator::start(
        &mut spoke.cx(),
        ICOOKIE,
        vec![Phase1Proposal::seed()],
        psk,
        Identity::Ipv4(SPOKE),
    );
    assert_eq!(i.name(), "IKE_I_MM1");
    let mm1_types = clear_payloads(&mm1, ExchangeType::MAIN_MODE);
    assert_eq!(mm1_types.first(), Some(&PayloadType::SA));
    assert!(
        mm1_types
            .iter()
            .skip(1)
            .all(|t| *t == PayloadType::VENDOR_ID)
    );

    let (h, b) = split(&mm1);
    let (r, mm2) = MainModeResponder::start(&mut hub.cx(), &h, b, RCOOKIE).expect("MM2");
    assert_eq!(r.name(), "IKE_R_MM2");
    let m = wire::Message::parse(&mm2).unwrap();
    assert_eq!(m.header.responder_cookie, RCOOKIE);
    let sa = m.sa().expect("MM2 carries SA");
    assert_eq!(sa.proposals.len(), 1);
    assert_eq!(sa.proposals[0].transforms.len(), 1, "one transform chosen");

    let (h, b) = split(&mm2);
    let step = i.handle(&mut spoke.cx(), &h, b, true);
    let (i, mm3) = next(step, "IKE_I_MM2");
    assert!(i.nat_detected().is_none());
    assert_eq!(i.name(), "IKE_I_MM3");
    assert_eq!(
        clear_payloads(&mm3, ExchangeType::MAIN_MODE),
        [PayloadType::KEY_EXCHANGE, PayloadType::NONCE]
    );

    let (h, b) = split(&mm3);
    let (r, mm4) = next(r.handle(&mut hub.cx(), &h, b), "IKE_R_MM3");
    assert_eq!(r.name(), "IKE_R_MM4");
    let mm4_types = clear_payloads(&mm4, ExchangeType::MAIN_MODE);
    assert_eq!(mm4_types, [PayloadType::KEY_EXCHANGE, PayloadType::NONCE]);
    let m = wire::Message::parse(&mm4).unwrap();
    let ke_len = m
        .payloads
        .iter()
        .find_map(|p| match p {
            wire::Payload::Ke(k) => Some(k.data.len()),
            _ => None,
        })
        .unwrap();
    assert_eq!(ke_len, 128, "group 2 g^xr is 1024 bits");

    let (h, b) = split(&mm4);
    let step = i.handle(&mut spoke.cx(), &h, b, true);
    let (i, mm5) = next(step, "IKE_I_MM4");
    let nat = i.nat_detected().expect("MM4 reports NAT detection");
    assert!(!nat.any());
    assert_eq!(i.name(), "IKE_I_MM5");
    sealed_header(&mm5, ExchangeType::MAIN_MODE);

    let (h, b) = split(&mm5);
    let (hub_sa, mm6) = done(r.handle(&mut hub.cx(), &h, b), "IKE_R_MM5");
    let mm6 = mm6.expect("MM6");
    sealed_header(&mm6, ExchangeType::MAIN_MODE);

    let (h, b) = split(&mm6);
    let step = i.handle(&mut spoke.cx(), &h, b, true);
    let (spoke_sa, reply) = done(step, "IKE_I_MM6");
    assert!(reply.is_none(), "MM6 ends Main Mode");

    assert_same_keys(&spoke_sa, &hub_sa);
    assert_eq!(spoke_sa.peer_id, Identity::Ipv4(HUB));
    assert_eq!(hub_sa.peer_id, Identity::Ipv4(SPOKE));
    assert_eq!(
        hub_sa.profile.as_ref().map(|p| p.name.as_str()),
        Some("L2L")
    );
    (spoke_sa, hub_sa)
}

#[test]
fn main_mode_initiator_and_responder_agree_on_keys() {
    let (mut spoke, mut hub) = l2l();
    main_mode(&mut spoke, &mut hub);
}

#[test]
fn main_mode_responder_rejects_an_mm5_under_another_key() {
    let (mut spoke, mut hub) = l2l();
    let psk = PresharedKey::new(b"wrong-key".to_vec());
    let (i, mm1) = MainModeInitiator::start(
        &mut spoke.cx(),
        ICOOKIE,
        vec![Phase1Proposal::seed()],
        psk,
        Identity::Ipv4(SPOKE),
    );
    let (h, b) = split(&mm1);
    let (r, mm2) = MainModeResponder::start(&mut hub.cx(), &h, b, RCOOKIE).unwrap();
    let (h, b) = split(&mm2);
    let (i, mm3) = next(i.handle(&mut spoke.cx(), &h, b, true), "IKE_I_MM2");
    let (h, b) = split(&mm3);
    let (r, mm4) = next(r.handle(&mut hub.cx(), &h, b), "IKE_R_MM3");
    // The spoke derives its keys from another pre-shared key: its MM5
    // does not decrypt under the hub's.
    let (h, b) = split(&mm4);
    let (_, mm5) = next(i.handle(&mut spoke.cx(), &h, b, true), "IKE_I_MM4");
    let (h, b) = split(&mm5);
    match r.handle(&mut hub.cx(), &h, b) {
        Step::Reject { state, .. } => assert_eq!(state.name(), "IKE_R_MM4"),
        Step::Fail(e) => panic!("the state must be kept, got Fail({e:?})"),
        _ => panic!("an MM5 under another key must not complete"),
    }
}

/// The seed's Cisco VPN Client (group testgroup) and the hub that knows
/// the group key.
fn remote_access() -> (Side, Side) {
    let group = Identity::KeyId(b"testgroup".to_vec());
    let mut hub = StaticPolicy::new();
    hub.keys_by_identity
        .push((group, PresharedKey::new(b"cisco321".to_vec())));
    hub.phase1.push(Phase1Proposal::seed());
    hub.profiles.push((
        None,
        Profile {
            name: "VPNclient".into(),
            xauth: true,
            mode_config: ModeConfig::Respond,
        },
    ));
    let client = StaticPolicy::seed_vpn_client("user", b"password");
    (
        Side::new(3, client, SPOKE, HUB),
        Side::new(4, hub, HUB, SPOKE),
    )
}

fn aggressive(client: &mut Side, hub: &mut Side) -> (Box<Phase1Sa>, Box<Phase1Sa>) {
    let group = Identity::KeyId(b"testgroup".to_vec());
    let (i, am1) = AggressiveInitiator::start(
        &mut client.cx(),
        ICOOKIE,
        vec![Phase1Proposal::seed()],
        group.clone(),
    )
    .expect("AM1");
    assert_eq!(i.name(), "IKE_I_AM1");
    let types = clear_payloads(&am1, ExchangeType::AGGRESSIVE_MODE);
    assert_eq!(
        types.get(..4),
        Some(
            &[
                PayloadType::SA,
                PayloadType::KEY_EXCHANGE,
                PayloadType::NONCE,
                PayloadType::IDENTIFICATION
            ][..]
        )
    );

    let (h, b) = split(&am1);
    let mut dh_asked = 0;
    let (r, am2) = AggressiveResponder::start(&mut hub.cx(), &h, b, RCOOKIE, &mut || {
        dh_asked += 1;
        true
    })
    .unwrap_or_else(|_| panic!("AM2"));
    assert_eq!(dh_asked, 1, "the DH budget is asked once");
    assert_eq!(r.name(), "IKE_R_AM2");
    let types = clear_payloads(&am2, ExchangeType::AGGRESSIVE_MODE);
    assert_eq!(
        types.get(..5),
        Some(
            &[
                PayloadType::SA,
                PayloadType::KEY_EXCHANGE,
                PayloadType::NONCE,
                PayloadType::IDENTIFICATION,
                PayloadType::HASH
            ][..]
        )
    );

    let (h, b) = split(&am2);
    let step = i.handle(&mut client.cx(), &h, b);
    let (client_sa, am3) = done(step, "IKE_I_AM2");
    assert!(!client_sa.nat.any());
    let am3 = am3.expect("AM3");
    sealed_header(&am3, ExchangeType::AGGRESSIVE_MODE);

    let (h, b) = split(&am3);
    let (hub_sa, reply) = done(r.handle(&mut hub.cx(), &h, b), "IKE_R_AM3");
    assert!(reply.is_none(), "AM3 ends Aggressive Mode");

    assert_same_keys(&client_sa, &hub_sa);
    assert_eq!(hub_sa.peer_id, group);
    assert_eq!(client_sa.peer_id, Identity::Ipv4(HUB));
    assert!(hub_sa.profile.as_ref().is_some_and(|p| p.xauth));
    (client_sa, hub_sa)
}

#[test]
fn aggressive_mode_initiator_and_responder_agree_on_keys() {
    let (mut client, mut hub) = remote_access();
    aggressive(&mut client, &mut hub);
}

#[test]
fn aggressive_mode_responder_refuses_an_identity_it_does_not_answer() {
    let (mut client, mut hub) = remote_access();
    hub.policy.aggressive_identities = Some(vec![Identity::KeyId(b"othergroup".to_vec())]);
    let (_, am1) = AggressiveInitiator::start(
        &mut client.cx(),
        ICOOKIE,
        vec![Phase1Proposal::seed()],
        Identity::KeyId(b"testgroup".to_vec()),
    )
    .unwrap();
    let (h, b) = split(&am1);
    let mut dh_asked = false;
    let refused = AggressiveResponder::start(&mut hub.cx(), &h, b, RCOOKIE, &mut || {
        dh_asked = true;
        true
    });
    assert!(matches!(
        refused,
        Err(super::aggressive::AmRefusal::NotAllowed(_))
    ));
    assert!(!dh_asked, "refused before any DH");
}

fn assert_mirrored(i: &NegotiatedChild, r: &NegotiatedChild) {
    assert_eq!(i.spi_out, r.spi_in);
    assert_eq!(i.spi_in, r.spi_out);
    assert_eq!(i.keys_out, r.keys_in);
    assert_eq!(i.keys_in, r.keys_out);
    assert_ne!(i.keys_in, i.keys_out, "each direction has its own keys");
    assert_eq!(i.proposal, r.proposal);
    assert_eq!(i.selectors.local, r.selectors.remote);
    assert_eq!(i.selectors.remote, r.selectors.local);
}

#[test]
fn quick_mode_initiator_and_responder_agree_on_child_keys() {
    let (mut spoke, mut hub) = l2l();
    let (mut spoke_sa, mut hub_sa) = main_mode(&mut spoke, &mut hub);
    let offer = spoke
        .policy
        .initiator_phase2(
            SPOKE,
            HUB,
            &Selectors {
                local: lan(2),
                remote: lan(1),
            },
        )
        .expect("the spoke protects its LAN");
    let mid = 0x1234_5678;
    let (i, qm1) = QuickModeInitiator::start(
        &mut spoke_sa,
        &mut spoke.cx(),
        mid,
        offer.proposals,
        offer.selectors,
        offer.send_client_ids,
        0xaaaa_0001,
    )
    .expect("QM1");
    assert_eq!(i.spi_in(), 0xaaaa_0001);
    let qm1_header = sealed_header(&qm1, ExchangeType::QUICK_MODE);
    assert_eq!(qm1_header.message_id, mid);

    let (h, b) = split(&qm1);
    let (r, qm2) = QuickModeResponder::start(
        &mut hub_sa,
        &mut hub.cx(),
        &h,
        b,
        &mut |_| 0xbbbb_0002,
        true,
    )
    .unwrap_or_else(|e| panic!("QM2: {:?}", e.error));
    assert_eq!(r.spi_in(), 0xbbbb_0002);
    assert_eq!(
        sealed_header(&qm2, ExchangeType::QUICK_MODE).message_id,
        mid
    );

    let (h, b) = split(&qm2);
    let (child_i, qm3) = match i.handle(&mut spoke_sa, &h, b) {
        Step::Done { outcome, reply, .. } => (outcome, reply.expect("QM3")),
        Step::Next { .. } => panic!("no commit bit: nothing to wait for"),
        Step::Ignore { why, .. } => panic!("QM2 ignored: {why}"),
        Step::Reject { error: e, .. } | Step::Fail(e) => panic!("QM2 failed: {e:?}"),
    };
    assert_eq!(
        sealed_header(&qm3, ExchangeType::QUICK_MODE).message_id,
        mid
    );

    let (h, b) = split(&qm3);
    let (child_r, connected) = match r.handle(&mut hub_sa, &h, b) {
        Step::Done { outcome, .. } => (outcome.child, outcome.send_connected),
        Step::Reject { error: e, .. } | Step::Fail(e) => panic!("QM3: {e:?}"),
        Step::Next { .. } | Step::Ignore { .. } => panic!("QM3 not taken"),
    };
    assert!(!connected, "no commit bit: no CONNECTED");
    assert_mirrored(&child_i, &child_r);
    assert_eq!(child_i.proposal, Phase2Proposal::seed());
    assert_eq!(child_i.selectors.local, lan(2));
    // esp-3des esp-sha-hmac: 24 + 20 bytes of KEYMAT per direction.
    assert_eq!(child_i.keys_in.encryption.as_bytes().len(), 24);
    assert_eq!(child_i.keys_in.integrity.as_bytes().len(), 20);
}

#[test]
fn quick_mode_responder_refuses_a_qm3_with_a_wrong_hash() {
    let (mut spoke, mut hub) = l2l();
    let (mut spoke_sa, mut hub_sa) = main_mode(&mut spoke, &mut hub);
    let sel = Selectors {
        local: lan(2),
        remote: lan(1),
    };
    let mid = 7;
    let (_, qm1) = QuickModeInitiator::start(
        &mut spoke_sa,
        &mut spoke.cx(),
        mid,
        vec![Phase2Proposal::seed()],
        sel,
        true,
        1,
    )
    .unwrap();
    let (h, b) = split(&qm1);
    let (r, _) =
        QuickModeResponder::start(&mut hub_sa, &mut hub.cx(), &h, b, &mut |_| 2, true).unwrap();
    // An Informational under the same message ID is protected but is no
    // HASH(3).
    let forged = informational::protected(&mut spoke_sa, mid, &[]);
    let (h, b) = split(&forged);
    match r.handle(&mut hub_sa, &h, b) {
        Step::Reject { state: kept, .. } => assert_eq!(kept.spi_in(), 2, "the state is kept"),
        _ => panic!("a message without HASH(3) installed a child SA"),
    }
}

#[test]
fn informational_delete_and_dpd_cross_between_phase1_sas() {
    let (mut spoke, mut hub) = l2l();
    let (mut spoke_sa, mut hub_sa) = main_mode(&mut spoke, &mut hub);
    let delete = InfoItem::Delete {
        protocol: ProtocolId::IPSEC_ESP,
        spis: vec![0xaaaa_0001u32.to_be_bytes().to_vec()],
    };
    let dpd = informational::dpd(&spoke_sa, NotifyType::R_U_THERE, 41);
    let msg = informational::protected(&mut spoke_sa, 0x0102_0304, &[delete.clone(), dpd.clone()]);
    let header = sealed_header(&msg, ExchangeType::INFORMATIONAL);
    assert_eq!(header.message_id, 0x0102_0304);

    let (h, b) = split(&msg);
    let items = informational::open_protected(&mut hub_sa, &h, b).expect("HASH(1) verifies");
    assert_eq!(items, [delete, dpd]);
    let InfoItem::Notify { spi, data, .. } = &items[1] else {
        panic!("DPD is a notify");
    };
    assert_eq!(spi.as_slice(), [ICOOKIE.0, RCOOKIE.0].concat());
    assert_eq!(data.as_slice(), 41u32.to_be_bytes());

    // A bit flipped in the first ciphertext block (under CBC, the HASH
    // payload) does not verify.
    let mut bad = msg.clone();
    if let Some(b) = bad.get_mut(28) {
        *b ^= 1;
    }
    let (h, b) = split(&bad);
    assert!(informational::open_protected(&mut hub_sa, &h, b).is_err());
}

/// vpnc's Delete at disconnect takes a one-byte random message ID, so one
/// in 256 is message ID 0, encrypted from the IV a new exchange with ID 0
/// would start from (not phase 1's chain): taken once its HASH(1)
/// verifies, and refused when it does not.
#[test]
fn a_delete_under_message_id_zero_with_a_new_exchange_iv_is_taken() {
    let (mut spoke, mut hub) = l2l();
    let (mut spoke_sa, mut hub_sa) = main_mode(&mut spoke, &mut hub);
    let delete = InfoItem::Delete {
        protocol: ProtocolId::ISAKMP,
        spis: vec![informational::isakmp_spi(&spoke_sa)],
    };
    let (cipher, hash) = (spoke_sa.proposal.cipher, spoke_sa.proposal.hash);
    let key = spoke_sa.crypter.key().clone();
    let chain_iv = spoke_sa.crypter.iv(0);
    let vpnc_iv = crate::crypto::phase2_iv(hash, cipher, &chain_iv, 0);
    assert_ne!(chain_iv, vpnc_iv);
    // Our own form (phase 1's chain), re-encrypted as vpnc does it.
    let mut msg = informational::protected(&mut spoke_sa, 0, std::slice::from_ref(&delete));
    let body = msg.get_mut(28..).unwrap();
    cipher.decrypt_cbc(key.as_bytes(), &chain_iv, body).unwrap();
    cipher.encrypt_cbc(key.as_bytes(), &vpnc_iv, body).unwrap();

    let mut bad = msg.clone();
    if let Some(b) = bad.get_mut(30) {
        *b ^= 1;
    }
    let (h, b) = split(&bad);
    assert!(informational::open_protected(&mut hub_sa, &h, b).is_err());
    let (h, b) = split(&msg);
    let items = informational::open_protected(&mut hub_sa, &h, b).expect("HASH(1) verifies");
    assert_eq!(items, [delete]);
    // Phase 1's chain did not move.
    assert_eq!(hub_sa.crypter.iv(0), chain_iv);
}

#[test]
fn transaction_xauth_and_mode_config_cross_between_phase1_sas() {
    let (mut client, mut hub) = remote_access();
    let (mut client_sa, mut hub_sa) = aggressive(&mut client, &mut hub);

    // Server: REQUEST for the user name and password.
    let mid = 0x0a0b_0c0d;
    let req = transaction::seal(&mut hub_sa, mid, transaction::xauth_request(1));
    assert_eq!(
        sealed_header(&req, ExchangeType::TRANSACTION).message_id,
        mid
    );
    let (h, b) = split(&req);
    let (got, padding) = transaction::open(&mut client_sa, &h, b).expect("REQUEST opens");
    assert_eq!(got.message_type, ConfigMessageType::REQUEST);
    assert!(padding < 8);
    let numbering = XauthNumbering::of_credentials(&got).expect("a credentials REQUEST");

    // Client: REPLY with the seed's credentials in the REQUEST's numbering.
    let creds = client
        .policy
        .xauth_credentials
        .clone()
        .expect("seed client");
    let reply = transaction::xauth_reply(got.identifier, &creds.user, &creds.password, numbering);
    let msg = transaction::seal(&mut client_sa, mid, reply);
    let (h, b) = split(&msg);
    let (got, _) = transaction::open(&mut hub_sa, &h, b).expect("REPLY opens");
    let (user, password) = transaction::parse_xauth_reply(&got).expect("credentials");
    assert_eq!(user, "user");
    assert_eq!(password, XauthPassword::new(b"password".to_vec()));

    // Server: SET status OK; client: ACK.
    let mid = mid + 1;
    let set = transaction::xauth_set(2, true);
    let msg = transaction::seal(&mut hub_sa, mid, set);
    let (h, b) = split(&msg);
    let (got, _) = transaction::open(&mut client_sa, &h, b).expect("SET opens");
    assert_eq!(transaction::xauth_status(&got), Some(true));
    let msg = transaction::seal(&mut client_sa, mid, transaction::ack(&got));
    let (h, b) = split(&msg);
    let (got, _) = transaction::open(&mut hub_sa, &h, b).expect("ACK opens");
    assert_eq!(got.message_type, ConfigMessageType::ACK);
    assert_eq!(got.identifier, 2);

    // Client: CFG_REQUEST; server: CFG_REPLY with the pool address.
    let mid = mid + 1;
    let msg = transaction::seal(&mut client_sa, mid, transaction::config_request(3));
    let (h, b) = split(&msg);
    let (wanted, _) = transaction::open(&mut hub_sa, &h, b).expect("CFG_REQUEST opens");
    let attrs = crate::policy::ModeConfigAttributes {
        address: Some(Ipv4Addr::new(10, 5, 5, 1)),
        ..Default::default()
    };
    let mut log = Vec::new();
    let answer = wire::AttributePayload {
        message_type: ConfigMessageType::REPLY,
        identifier: wanted.identifier,
        attributes: transaction::config_attributes(&attrs, Some(&wanted), &mut log),
    };
    let msg = transaction::seal(&mut hub_sa, mid, answer);
    let (h, b) = split(&msg);
    let (got, _) = transaction::open(&mut client_sa, &h, b).expect("CFG_REPLY opens");
    assert_eq!(got.message_type, ConfigMessageType::REPLY);
    assert_eq!(transaction::parse_config(&got).address, attrs.address);
    assert!(!log.is_empty(), "the hub logs what it sends");
}

mod transaction_machine;
