//! A hand-made IKEv1 peer, built from ike-proto's public wire and crypto
//! API rather than its engine: it sends what an attacker who knows the
//! group key would send (Aggressive Mode as a group member, then protected
//! Informationals of its choosing), so a test can show what the hub does
//! with it.

use std::net::SocketAddrV4;

use ike_policy::gateway::Instant;
use ike_policy::{Gateway, Transmit};
use ike_proto::crypto::{
    DhGroup, DhKeyPair, HashAlg, IsakmpCrypter, Phase1Cipher, Phase1Keys, Phase1Transcript,
    skeyid_psk,
};
use ike_proto::wire::{
    AuthMethod, Cookie, DataAttribute, DeletePayload, Doi, EncryptedMessage, EncryptionAlgorithm,
    ExchangeType, Flags, GroupDescription, HashAlgorithm, HashPayload, Header, IdPayload, IdType,
    KePayload, LifeType, Message, NoncePayload, OakleyAttribute, Payload, PayloadType, Proposal,
    ProtocolId, SaPayload, Transform, emit_payloads,
};

/// A group member's Aggressive Mode IKE SA with the hub, as the attacker
/// holds it: cookies, keys and the IV chains.
pub struct RawPeer {
    /// Where it sends from.
    pub addr: SocketAddrV4,
    /// The hub's IKE endpoint.
    pub hub: SocketAddrV4,
    icookie: [u8; 8],
    rcookie: [u8; 8],
    keys: Phase1Keys,
    crypter: IsakmpCrypter,
}

fn sa_body(sa: &SaPayload) -> Vec<u8> {
    let mut b = Vec::new();
    sa.emit(&mut b).expect("our SA payload emits");
    b
}

fn id_body(id: &IdPayload) -> Vec<u8> {
    let mut b = Vec::new();
    id.emit(&mut b).expect("our ID payload emits");
    b
}

/// The hub's answers to `to`, as IKE payload bytes (the non-ESP marker
/// stripped).
pub fn answers_to(hub: &mut Gateway, to: SocketAddrV4) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    while let Some(t) = hub.poll_transmit() {
        if let Transmit::Udp {
            remote, payload, ..
        } = t
        {
            if remote == to {
                let ike = payload.strip_prefix(&[0u8; 4][..]).unwrap_or(&payload);
                out.push(ike.to_vec());
            }
        }
    }
    out
}

impl RawPeer {
    /// Runs Aggressive Mode as `group` with `key` (3DES/SHA/group 2, plain
    /// pre-shared key) from `addr`; `initial_contact` adds that notify to
    /// AM3, as a rebooted client would. `None` when the hub did not answer
    /// with an AM2 (or its HASH_R does not verify under `key`).
    pub fn aggressive(
        hub: &mut Gateway,
        now: Instant,
        addr: SocketAddrV4,
        group: &[u8],
        key: &[u8],
        initial_contact: bool,
        rng: &mut dyn rand_core::CryptoRng,
    ) -> Option<Self> {
        let hub_ep = hub.ike_endpoint();
        let mut icookie = [0u8; 8];
        rng.fill_bytes(&mut icookie);
        let dh = DhKeyPair::generate(DhGroup::Modp1024, rng);
        let mut ni = vec![0u8; 20];
        rng.fill_bytes(&mut ni);
        let sa = SaPayload {
            doi: Doi::IPSEC,
            situation: 1,
            proposals: vec![Proposal {
                number: 1,
                protocol: ProtocolId::ISAKMP,
                spi: vec![],
                transforms: vec![Transform::ike(
                    1,
                    vec![
                        DataAttribute::basic(
                            OakleyAttribute::ENCRYPTION_ALGORITHM,
                            EncryptionAlgorithm::TRIPLE_DES_CBC,
                        ),
                        DataAttribute::basic(OakleyAttribute::HASH_ALGORITHM, HashAlgorithm::SHA),
                        DataAttribute::basic(
                            OakleyAttribute::GROUP_DESCRIPTION,
                            GroupDescription::MODP_1024,
                        ),
                        DataAttribute::basic(
                            OakleyAttribute::AUTHENTICATION_METHOD,
                            AuthMethod::PRE_SHARED_KEY,
                        ),
                        DataAttribute::basic(OakleyAttribute::LIFE_TYPE, LifeType::SECONDS),
                        DataAttribute::integer(OakleyAttribute::LIFE_DURATION, 86_400),
                    ],
                )],
            }],
        };
        let idii = IdPayload {
            id_type: IdType::KEY_ID,
            protocol: 17,
            port: 500,
            data: group.to_vec(),
        };
        let am1 = Message {
            header: Header {
                initiator_cookie: Cookie(icookie),
                responder_cookie: Cookie::ZERO,
                exchange_type: ExchangeType::AGGRESSIVE,
                flags: Flags::empty(),
                message_id: 0,
            },
            payloads: vec![
                Payload::Sa(sa.clone()),
                Payload::Ke(KePayload {
                    data: dh.public_value().to_vec(),
                }),
                Payload::Nonce(NoncePayload { data: ni.clone() }),
                Payload::Id(idii.clone()),
            ],
        };
        hub.handle_datagram(now, hub_ep, addr, &am1.to_bytes().ok()?);
        let am2 = answers_to(hub, addr)
            .into_iter()
            .find_map(|b| Message::parse(&b).ok())
            .filter(|m| m.header.exchange_type == ExchangeType::AGGRESSIVE)?;
        let rcookie = am2.header.responder_cookie.0;
        let mut g_xr = None;
        let mut nr = None;
        let mut idir = None;
        let mut hash_r = None;
        for p in &am2.payloads {
            match p {
                Payload::Ke(k) => g_xr = Some(k.data.clone()),
                Payload::Nonce(n) => nr = Some(n.data.clone()),
                Payload::Id(i) => idir = Some(i.clone()),
                Payload::Hash(h) => hash_r = Some(h.data.clone()),
                _ => {}
            }
        }
        let (g_xr, nr, idir, hash_r) = (g_xr?, nr?, idir?, hash_r?);
        let g_xy = dh.shared_secret(&g_xr).ok()?;
        let skeyid = skeyid_psk(HashAlg::Sha1, key, &ni, &nr);
        let keys = Phase1Keys::derive(HashAlg::Sha1, skeyid, g_xy.as_bytes(), &icookie, &rcookie);
        let sai_b = sa_body(&sa);
        let g_xi = dh.public_value().to_vec();
        let t = Phase1Transcript {
            g_xi: &g_xi,
            g_xr: &g_xr,
            cky_i: &icookie,
            cky_r: &rcookie,
            sai_b: &sai_b,
        };
        if keys.hash_r(&t, &id_body(&idir)).as_bytes() != hash_r.as_slice() {
            return None;
        }
        let hash_i = keys.hash_i(&t, &id_body(&idii));
        let crypter = IsakmpCrypter::new(
            Phase1Cipher::TripleDes,
            HashAlg::Sha1,
            keys.encryption_key(Phase1Cipher::TripleDes),
            &g_xi,
            &g_xr,
        )
        .ok()?;
        let mut peer = Self {
            addr,
            hub: hub_ep,
            icookie,
            rcookie,
            keys,
            crypter,
        };
        let mut am3 = vec![Payload::Hash(HashPayload {
            data: hash_i.as_bytes().to_vec(),
        })];
        if initial_contact {
            let mut spi = icookie.to_vec();
            spi.extend_from_slice(&rcookie);
            am3.push(Payload::Notify(ike_proto::wire::NotifyPayload {
                doi: Doi::IPSEC,
                protocol: ProtocolId::ISAKMP,
                notify_type: ike_proto::wire::NotifyType::INITIAL_CONTACT,
                spi,
                data: vec![],
            }));
        }
        let bytes = peer.sealed(ExchangeType::AGGRESSIVE, 0, &am3);
        hub.handle_datagram(now, hub_ep, addr, &bytes);
        Some(peer)
    }

    /// Encrypts `payloads` under `message_id` into a whole datagram.
    fn sealed(&mut self, exchange: ExchangeType, message_id: u32, payloads: &[Payload]) -> Vec<u8> {
        let mut plain = Vec::new();
        emit_payloads(payloads, &mut plain).expect("our payloads emit");
        let ciphertext = self.crypter.encrypt(message_id, &plain);
        let first = payloads
            .first()
            .map_or(PayloadType::NONE, Payload::payload_type);
        let mut out = Vec::new();
        EncryptedMessage {
            header: Header {
                initiator_cookie: Cookie(self.icookie),
                responder_cookie: Cookie(self.rcookie),
                exchange_type: exchange,
                flags: Flags::ENCRYPTION,
                message_id,
            },
            next_payload: first,
            ciphertext: &ciphertext,
        }
        .emit(&mut out)
        .expect("fits");
        out
    }

    /// A protected Informational: HASH(1) = prf(SKEYID_a, M-ID | payloads).
    pub fn informational(&mut self, message_id: u32, payloads: Vec<Payload>) -> Vec<u8> {
        let mut covered = Vec::new();
        emit_payloads(&payloads, &mut covered).expect("our payloads emit");
        let hash = self.keys.info_hash(message_id, &covered);
        let mut all = vec![Payload::Hash(HashPayload {
            data: hash.as_bytes().to_vec(),
        })];
        all.extend(payloads);
        self.sealed(ExchangeType::INFORMATIONAL, message_id, &all)
    }

    /// A protected DELETE of the ESP SAs whose SPIs (the hub's outbound
    /// ones, as a peer names its own inbound SAs) are `spis`.
    pub fn delete_esp(&mut self, message_id: u32, spis: &[u32]) -> Vec<u8> {
        self.informational(
            message_id,
            vec![Payload::Delete(DeletePayload {
                doi: Doi::IPSEC,
                protocol: ProtocolId::IPSEC_ESP,
                spi_size: 4,
                spis: spis.iter().map(|s| s.to_be_bytes().to_vec()).collect(),
            })],
        )
    }
}
