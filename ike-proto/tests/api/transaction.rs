//! The Transaction exchange (Xauth, Mode Config) between two engines in
//! the in-memory harness: a Cisco-style VPN client (A: Aggressive Mode,
//! ID_KEY_ID "testgroup") and the seed's hub (B: profile VPNclient with
//! `client authentication list` and `client configuration address
//! respond`).

use std::net::Ipv4Addr;

use crate::common::seed::{CLIENT, HUB, Keyed, hub_lan};
use ike_proto::engine::{Config, DownReason, Engine, Event, IkeSaId};
use ike_proto::harness::Pair;
use ike_proto::policy::{
    Identity, ModeConfig, ModeConfigAttributes, Phase1Proposal, Phase2Proposal, PresharedKey,
    Profile, Selectors, StaticPhase2, StaticPolicy, StaticPool, TrafficSelector, XauthCredentials,
    XauthPassword,
};
use ike_proto::time::Duration;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

const POOL_FIRST: Ipv4Addr = Ipv4Addr::new(10, 5, 5, 1);

fn engine(policy: StaticPolicy, seed: u64) -> Engine {
    Engine::new(
        Config::default(),
        Box::new(policy),
        Box::new(ChaCha20Rng::seed_from_u64(seed)),
    )
}

fn group() -> Identity {
    Identity::KeyId(b"testgroup".to_vec())
}

/// The client: Aggressive Mode as testgroup/cisco321, Xauth with `password`,
/// Mode Config as `mode` (`Respond`: pull, `Initiate`: wait for the SET).
fn client_policy(password: &[u8], xauth: bool, mode: ModeConfig) -> StaticPolicy {
    let mut p = StaticPolicy::seed_vpn_client("gfullage", password);
    for (_, profile) in &mut p.profiles {
        profile.xauth = xauth;
        profile.mode_config = mode;
    }
    p
}

fn seed_attributes() -> ModeConfigAttributes {
    ModeConfigAttributes {
        dns: vec![Ipv4Addr::new(1, 1, 1, 1), Ipv4Addr::new(2, 2, 2, 2)],
        wins: vec![Ipv4Addr::new(3, 3, 3, 3), Ipv4Addr::new(4, 4, 4, 4)],
        domain: Some("cisco.com".into()),
        address_expiry: Some(86_386),
        ..Default::default()
    }
}

/// The hub: profile VPNclient (Xauth against user gfullage, Mode Config
/// `mode`), address pool 10.5.5.1-10.5.5.254.
fn hub_policy(mode: ModeConfig, pool: &StaticPool) -> StaticPolicy {
    let mut p = StaticPolicy::new();
    p.keys_by_identity
        .push((group(), PresharedKey::new(b"cisco321".to_vec())));
    p.phase1.push(Phase1Proposal::seed());
    p.profiles.push((
        Some(group()),
        Profile {
            name: "VPNclient".into(),
            xauth: true,
            mode_config: mode,
        },
    ));
    p.phase2.push(StaticPhase2 {
        peer: None,
        selectors: None,
        proposals: vec![Phase2Proposal::seed()],
    });
    p.xauth_users.push((
        "gfullage".into(),
        XauthPassword::new(b"ikelab-pass".to_vec()),
    ));
    p.mode_config = Some(seed_attributes());
    p.pool = Some(pool.clone());
    p
}

fn pool() -> StaticPool {
    StaticPool::new(POOL_FIRST, Ipv4Addr::new(10, 5, 5, 254))
}

fn pair(client: StaticPolicy, hub: StaticPolicy, seed: u64) -> Pair {
    Pair::new(
        engine(client, seed),
        CLIENT,
        engine(hub, seed + 100),
        HUB,
        seed,
    )
}

/// What the client wants protected before it knows its address.
/// The pair after the client's acquire has run for `secs` seconds.
fn connected(client: StaticPolicy, hub: StaticPolicy, seed: u64, secs: u64) -> Pair {
    let mut pair = pair(client, hub, seed);
    pair.initiate_a(acquire());
    pair.run_for(Duration::from_secs(secs));
    pair
}

fn acquire() -> Selectors {
    Selectors {
        local: TrafficSelector::host(Ipv4Addr::new(192, 168, 1, 10)),
        remote: hub_lan(),
    }
}

fn children(events: &[Event]) -> Vec<Keyed<'_>> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::ChildSaUp { sa, keys } => Some(Keyed { sa, keys }),
            _ => None,
        })
        .collect()
}

fn assigned(events: &[Event]) -> Vec<(Ipv4Addr, ModeConfigAttributes, bool)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::ConfigAssigned {
                address,
                attributes,
                server,
                ..
            } => Some((*address, (**attributes).clone(), *server)),
            _ => None,
        })
        .collect()
}

fn xauth_results(events: &[Event]) -> Vec<bool> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::XauthDone { ok, .. } => Some(*ok),
            _ => None,
        })
        .collect()
}

fn log(events: &[Event]) -> String {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Log(l) => Some(l.to_string()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn hub_sa(pair: &Pair) -> IkeSaId {
    pair.b.ike_sas().first().map(|i| i.id).expect("hub IKE SA")
}

#[test]
fn xauth_then_mode_config_then_quick_mode_for_the_assigned_address() {
    let pool = pool();
    let mut pair = connected(
        client_policy(b"ikelab-pass", true, ModeConfig::Respond),
        hub_policy(ModeConfig::Respond, &pool),
        1,
        10,
    );

    let hub_log = log(&pair.b_events);
    for line in [
        "Need XAUTH",
        "Old State = IKE_P1_COMPLETE New State = IKE_XAUTH_AAA_START_LOGIN_AWAIT",
        "ISAKMP/xauth: request attribute XAUTH_USER_NAME_V2",
        "Old State = IKE_XAUTH_AAA_START_LOGIN_AWAIT New State = IKE_XAUTH_REQ_SENT",
        "ISAKMP/xauth: reply attribute XAUTH_USER_PASSWORD_V2",
        "Old State = IKE_XAUTH_REQ_SENT New State = IKE_XAUTH_AAA_CONT_LOGIN_AWAIT",
        "Old State = IKE_XAUTH_AAA_CONT_LOGIN_AWAIT New State = IKE_XAUTH_SET_SENT",
        "XAUTH ACK Processed",
        "Old State = IKE_XAUTH_SET_SENT New State = IKE_P1_COMPLETE",
        "Input = IKE_MESG_FROM_PEER, IKE_CFG_REQUEST",
        "Old State = IKE_P1_COMPLETE New State = IKE_CONFIG_AUTHOR_AAA_AWAIT",
        "allocating address 10.5.5.1",
        "Sending private address: 10.5.5.1",
        "Sending IP4_DNS server address: 2.2.2.2",
        "Sending IP4_NBNS server address: 3.3.3.3",
        "Sending ADDRESS_EXPIRY seconds left to use the address: 86386",
        "Sending DEFAULT_DOMAIN default domain name: cisco.com",
        "Old State = IKE_CONFIG_AUTHOR_AAA_AWAIT New State = IKE_P1_COMPLETE",
        "Old State = IKE_QM_R_QM2 New State = IKE_QM_PHASE2_COMPLETE",
    ] {
        assert!(hub_log.contains(line), "missing {line:?} in\n{hub_log}");
    }
    assert!(!hub_log.contains("ikelab-pass"), "password in the log");

    assert_eq!(xauth_results(&pair.b_events), vec![true]);
    assert_eq!(xauth_results(&pair.a_events), vec![true]);
    let hub_cfg = assigned(&pair.b_events);
    let client_cfg = assigned(&pair.a_events);
    assert_eq!(hub_cfg.len(), 1);
    assert_eq!(client_cfg.len(), 1);
    assert_eq!((hub_cfg[0].0, hub_cfg[0].2), (POOL_FIRST, true));
    let mut expected = seed_attributes();
    expected.address = Some(POOL_FIRST);
    // The hub answers APPLICATION_VERSION with its own, IOS-style string.
    expected.application_version = Some(format!(
        "ikesuite Internetwork Operating System Software \nikesuite (tm) IKEv1 Software \
         (IKE-PROTO), Version {}, RELEASE SOFTWARE",
        env!("CARGO_PKG_VERSION")
    ));
    assert_eq!(client_cfg[0], (POOL_FIRST, expected, false));
    assert_eq!(pool.in_use(), vec![POOL_FIRST]);

    // Quick Mode ran for the assigned address, not the acquire's.
    let (a, b) = (children(&pair.a_events), children(&pair.b_events));
    assert_eq!((a.len(), b.len()), (1, 1), "{hub_log}");
    assert_eq!(a[0].selectors.local, TrafficSelector::host(POOL_FIRST));
    assert_eq!(b[0].selectors.remote, TrafficSelector::host(POOL_FIRST));
    assert_eq!(a[0].spi_in, b[0].spi_out);
    assert_eq!(a[0].keys.inbound, b[0].keys.outbound);

    let hub_info = &pair.b.ike_sas()[0];
    assert_eq!(hub_info.xauth_user.as_deref(), Some("gfullage"));
    assert_eq!(hub_info.config_address, Some(POOL_FIRST));
    let client_info = &pair.a.ike_sas()[0];
    assert_eq!(client_info.config_address, Some(POOL_FIRST));

    // The IKE SA goes: the address goes back to the pool.
    let now = pair.now;
    let id = hub_sa(&pair);
    pair.b.delete_ike_sa(now, id).unwrap();
    pair.flush();
    assert!(pool.in_use().is_empty());
    assert!(log(&pair.b_events).contains("returning IP addr to the address pool"));
}

#[test]
fn wrong_password_is_asked_again_then_fail_and_the_sa_is_deleted_at_the_ack() {
    let pool = pool();
    let pair = connected(
        client_policy(b"not-the-password", true, ModeConfig::Respond),
        hub_policy(ModeConfig::Respond, &pool),
        2,
        30,
    );
    // Three REQUESTs, each answered; one SET (FAIL) after the third.
    assert_eq!(xauth_results(&pair.b_events), vec![false, false, false]);
    assert_eq!(xauth_results(&pair.a_events), vec![false]);
    let hub_log = log(&pair.b_events);
    assert_eq!(
        hub_log
            .matches("request attribute XAUTH_USER_PASSWORD_V2")
            .count(),
        3
    );
    assert_eq!(hub_log.matches("asking again").count(), 2);
    // Deleted as the ACK came, not after a timeout.
    let fail_at = pair
        .captured
        .iter()
        .filter(|c| c.from == ike_proto::harness::Side::A)
        .map(|c| c.at)
        .next_back()
        .unwrap();
    let deleted_at = pair
        .captured
        .iter()
        .filter(|c| c.from == ike_proto::harness::Side::B)
        .map(|c| c.at)
        .next_back()
        .unwrap();
    assert!(deleted_at - fail_at < Duration::from_secs(2));
    assert!(children(&pair.a_events).is_empty());
    assert!(children(&pair.b_events).is_empty());
    assert!(assigned(&pair.b_events).is_empty());
    assert!(pool.in_use().is_empty());
    assert!(pair.b.ike_sas().is_empty());
    assert!(pair.b_events.iter().any(|e| matches!(
        e,
        Event::IkeSaDown {
            reason: DownReason::DeletedLocally,
            ..
        }
    )));
    // The client heard the Delete.
    assert!(pair.a_events.iter().any(|e| matches!(
        e,
        Event::IkeSaDown {
            reason: DownReason::DeletedByPeer,
            ..
        }
    )));
    assert!(log(&pair.b_events).contains("Xauth failed 3 times"));
}

#[test]
fn a_deferred_verdict_holds_everything_until_it_comes() {
    let pool = pool();
    let mut hub = hub_policy(ModeConfig::Respond, &pool);
    hub.xauth_deferred = true;
    let mut pair = connected(
        client_policy(b"ikelab-pass", true, ModeConfig::Respond),
        hub,
        3,
        20,
    );
    let asked: Vec<(IkeSaId, String, XauthPassword)> = pair
        .b_events
        .iter()
        .filter_map(|e| match e {
            Event::XauthRequest {
                ike_sa,
                user,
                password,
                ..
            } => Some((*ike_sa, user.clone(), password.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].1, "gfullage");
    assert!(asked[0].2.matches(b"ikelab-pass"));
    let printed = format!("{:?}", pair.b_events);
    assert!(!printed.contains("ikelab-pass"), "password printed");
    // Nothing moves while the verdict is out.
    assert!(children(&pair.b_events).is_empty());
    assert!(xauth_results(&pair.b_events).is_empty());

    let now = pair.now;
    pair.b.xauth_verdict(now, asked[0].0, true).unwrap();
    assert!(pair.b.xauth_verdict(now, asked[0].0, true).is_err());
    pair.run_for(Duration::from_secs(10));
    assert_eq!(xauth_results(&pair.b_events), vec![true]);
    assert_eq!(assigned(&pair.b_events).len(), 1);
    let b = children(&pair.b_events);
    assert_eq!(b.len(), 1, "{}", log(&pair.b_events));
    assert_eq!(b[0].selectors.remote, TrafficSelector::host(POOL_FIRST));
}

#[test]
fn a_verdict_that_never_comes_ends_the_sa_at_the_deadline() {
    let pool = pool();
    let mut hub = hub_policy(ModeConfig::Respond, &pool);
    hub.xauth_deferred = true;
    let pair = connected(
        client_policy(b"ikelab-pass", true, ModeConfig::Respond),
        hub,
        4,
        120,
    );
    // Both sides give up at their deadline (the client's, armed a few
    // milliseconds earlier, goes first and its Delete reaches the hub).
    assert!(pair.b.ike_sas().is_empty());
    assert!(pair.a.ike_sas().is_empty());
    let both = format!("{}\n{}", log(&pair.a_events), log(&pair.b_events));
    assert!(
        both.contains("transaction timed out in IKE_XAUTH_"),
        "{both}"
    );
    assert!(children(&pair.b_events).is_empty());
}

#[test]
fn loss_and_duplication_never_process_a_transaction_twice() {
    for seed in 10..16 {
        let pool = pool();
        let mut pair = pair(
            client_policy(b"ikelab-pass", true, ModeConfig::Respond),
            hub_policy(ModeConfig::Respond, &pool),
            seed,
        );
        pair.loss_permille = 150;
        pair.duplicate_permille = 300;
        pair.jitter = Duration::from_millis(30);
        pair.initiate_a(acquire());
        pair.run_for(Duration::from_secs(60));
        let ctx = log(&pair.b_events);
        assert_eq!(
            xauth_results(&pair.b_events),
            vec![true],
            "seed {seed}\n{ctx}"
        );
        assert_eq!(assigned(&pair.b_events).len(), 1, "seed {seed}");
        assert_eq!(assigned(&pair.a_events).len(), 1, "seed {seed}");
        assert_eq!(pool.in_use(), vec![POOL_FIRST], "seed {seed}");
        let b = children(&pair.b_events);
        assert!(!b.is_empty(), "seed {seed}\n{ctx}");
        assert!(
            b.iter()
                .all(|c| c.selectors.remote == TrafficSelector::host(POOL_FIRST))
        );
    }
}

/// Transaction messages A sent, in order.
fn client_transactions(pair: &Pair) -> Vec<Vec<u8>> {
    pair.captured
        .iter()
        .filter(|c| c.from == ike_proto::harness::Side::A && c.payload.get(18) == Some(&6))
        .map(|c| c.payload.clone())
        .collect()
}

#[test]
fn replayed_and_forged_transaction_messages_are_dropped() {
    let pool = pool();
    let mut pair = pair(
        client_policy(b"ikelab-pass", true, ModeConfig::Respond),
        hub_policy(ModeConfig::Respond, &pool),
        5,
    );
    // The first Xauth REPLY arrives damaged: its HASH cannot verify, and
    // the hub's chain must survive it (its retransmitted REQUEST gets the
    // good REPLY again).
    let mut damaged = false;
    pair.tamper = Some(Box::new(move |c| {
        if !damaged && c.from == ike_proto::harness::Side::A && c.payload.get(18) == Some(&6) {
            damaged = true;
            if let Some(b) = c.payload.last_mut() {
                *b ^= 0x55;
            }
        }
        true
    }));
    pair.initiate_a(acquire());
    pair.run_for(Duration::from_secs(20));
    assert_eq!(xauth_results(&pair.b_events), vec![true]);
    assert_eq!(children(&pair.b_events).len(), 1);
    assert!(pair.b.counters().peer_misbehaved + pair.b.counters().invalid_message >= 1);

    // Every transaction message of the client, replayed: none is
    // processed again.
    pair.tamper = None;
    let before = pair.b.counters();
    let (hub, client) = (pair.b_ike(), pair.a_ike());
    let now = pair.now;
    for m in client_transactions(&pair) {
        pair.b.handle_datagram(now, hub, client, &m);
    }
    pair.flush();
    let after = pair.b.counters();
    assert!(after.duplicates + after.replays > before.duplicates + before.replays);
    assert_eq!(xauth_results(&pair.b_events), vec![true]);
    assert_eq!(assigned(&pair.b_events).len(), 1);
    assert_eq!(pool.in_use(), vec![POOL_FIRST]);
    assert_eq!(pair.b.ike_sas().len(), 1);
}

#[test]
fn the_hub_holds_quick_mode_until_xauth_is_done() {
    // A client that does not expect Xauth sends Quick Mode at once; the
    // hub answers only after Xauth (the client answers the unexpected
    // REQUEST with its credentials), and the retransmitted Quick Mode then
    // succeeds.
    let pool = pool();
    let pair = connected(
        client_policy(b"ikelab-pass", false, ModeConfig::None),
        hub_policy(ModeConfig::None, &pool),
        6,
        20,
    );
    let hub_log = log(&pair.b_events);
    assert!(
        hub_log.contains("Quick Mode not accepted now: dropped"),
        "{hub_log}"
    );
    assert_eq!(xauth_results(&pair.b_events), vec![true]);
    assert_eq!(children(&pair.b_events).len(), 1, "{hub_log}");
}

#[test]
fn a_client_quick_mode_for_another_address_is_refused() {
    let pool = pool();
    let mut pair = connected(
        client_policy(b"ikelab-pass", true, ModeConfig::Respond),
        hub_policy(ModeConfig::Respond, &pool),
        7,
        10,
    );
    assert_eq!(children(&pair.b_events).len(), 1);
    // The client now asks for a flow from an address it was not given.
    pair.initiate_a(Selectors {
        local: TrafficSelector::host(Ipv4Addr::new(10, 5, 5, 77)),
        remote: hub_lan(),
    });
    pair.run_for(Duration::from_secs(10));
    assert_eq!(children(&pair.b_events).len(), 1);
    assert!(
        pair.a_events
            .iter()
            .any(|e| matches!(e, Event::ChildSaFailed { .. }))
    );
}

#[test]
fn mode_config_initiate_pushes_a_set_that_the_client_acks() {
    let pool = pool();
    let pair = connected(
        client_policy(b"ikelab-pass", true, ModeConfig::Initiate),
        hub_policy(ModeConfig::Initiate, &pool),
        8,
        10,
    );
    let hub_log = log(&pair.b_events);
    assert!(
        hub_log.contains("New State = IKE_CONFIG_SET_SENT"),
        "{hub_log}"
    );
    assert_eq!(assigned(&pair.b_events).len(), 1);
    assert_eq!(
        assigned(&pair.a_events).first().map(|c| c.0),
        Some(POOL_FIRST)
    );
    let a = children(&pair.a_events);
    assert_eq!(a.len(), 1, "{hub_log}");
    assert_eq!(a[0].selectors.local, TrafficSelector::host(POOL_FIRST));
}

#[test]
fn a_client_without_credentials_asks_the_embedder_and_answers_later() {
    let pool = pool();
    let mut client = client_policy(b"unused", true, ModeConfig::Respond);
    client.xauth_credentials = None;
    let mut pair = connected(client, hub_policy(ModeConfig::Respond, &pool), 9, 3);
    let asked: Vec<IkeSaId> = pair
        .a_events
        .iter()
        .filter_map(|e| match e {
            Event::XauthCredentialsRequest { ike_sa, .. } => Some(*ike_sa),
            _ => None,
        })
        .collect();
    assert_eq!(asked.len(), 1, "{}", log(&pair.a_events));
    // The hub repeats its REQUEST meanwhile; nothing is answered yet.
    assert!(xauth_results(&pair.b_events).is_empty());
    let now = pair.now;
    let creds = XauthCredentials {
        user: "gfullage".into(),
        password: XauthPassword::new(b"ikelab-pass".to_vec()),
    };
    pair.a
        .provide_xauth_credentials(now, asked[0], creds.clone())
        .unwrap();
    assert!(
        pair.a
            .provide_xauth_credentials(now, asked[0], creds)
            .is_err()
    );
    pair.run_for(Duration::from_secs(10));
    assert_eq!(xauth_results(&pair.b_events), vec![true]);
    let a = children(&pair.a_events);
    assert_eq!(a.len(), 1, "{}", log(&pair.b_events));
    assert_eq!(a[0].selectors.local, TrafficSelector::host(POOL_FIRST));
}

/// The hub and several clients that share one public address (as behind a
/// NAT), each from its own port; datagrams go by address and port.
struct SharedAddress {
    now: ike_proto::time::Instant,
    hub: Engine,
    clients: Vec<(u16, Engine)>,
    hub_events: Vec<Event>,
}

impl SharedAddress {
    fn new(hub: StaticPolicy) -> Self {
        Self {
            now: ike_proto::time::Instant::from_secs(10),
            hub: engine(hub, 900),
            clients: Vec::new(),
            hub_events: Vec::new(),
        }
    }

    /// A client on `port` of the shared address starts its connection.
    fn connect(&mut self, port: u16, policy: StaticPolicy, seed: u64) {
        let config = Config {
            ike_port: port,
            natt_port: port + 1,
            ..Config::default()
        };
        let mut c = Engine::new(
            config,
            Box::new(policy),
            Box::new(ChaCha20Rng::seed_from_u64(seed)),
        );
        let local = std::net::SocketAddrV4::new(CLIENT, port);
        let hub = std::net::SocketAddrV4::new(HUB, 500);
        c.initiate(self.now, local, hub, acquire()).unwrap();
        self.clients.push((port, c));
        self.run_for(Duration::from_secs(10));
    }

    fn flush(&mut self) {
        for _ in 0..1000 {
            let mut moved = false;
            for (_, c) in &mut self.clients {
                while let Some(d) = c.poll_transmit() {
                    moved = true;
                    self.hub
                        .handle_datagram(self.now, d.remote, d.local, &d.payload);
                }
            }
            while let Some(d) = self.hub.poll_transmit() {
                moved = true;
                if let Some((_, c)) = self
                    .clients
                    .iter_mut()
                    .find(|(p, _)| *p == d.remote.port() || *p + 1 == d.remote.port())
                {
                    c.handle_datagram(self.now, d.remote, d.local, &d.payload);
                }
            }
            while let Some(e) = self.hub.poll_event() {
                self.hub_events.push(e);
            }
            for (_, c) in &mut self.clients {
                while c.poll_event().is_some() {}
            }
            if !moved {
                return;
            }
        }
        panic!("never quiet");
    }

    fn run_for(&mut self, d: Duration) {
        let end = self.now + d;
        loop {
            self.flush();
            let next = self
                .clients
                .iter()
                .filter_map(|(_, c)| c.poll_timeout())
                .chain(self.hub.poll_timeout())
                .min();
            match next {
                Some(t) if t <= end => {
                    self.now = t.max(self.now);
                    self.hub.handle_timeout(self.now);
                    for (_, c) in &mut self.clients {
                        c.handle_timeout(self.now);
                    }
                }
                _ => {
                    self.now = end;
                    return;
                }
            }
        }
    }

    /// The hub's child SAs towards the client on `port`.
    fn hub_children_to(&self, port: u16) -> usize {
        self.hub
            .child_sas()
            .iter()
            .filter(|c| c.remote.port() == port || c.remote.port() == port + 1)
            .count()
    }
}

/// IOS scopes INITIAL_CONTACT to the peer's address and port ("bring down
/// existing phase 1 and 2 SA's with local .. remote .. remote port 500"):
/// two clients behind one NAT, same group and even the same user, both
/// stay up, each with its own pool address.
#[test]
fn two_clients_behind_one_address_both_stay_up() {
    let pool = pool();
    let mut net = SharedAddress::new(hub_policy(ModeConfig::Respond, &pool));
    net.connect(
        40_500,
        client_policy(b"ikelab-pass", true, ModeConfig::Respond),
        1,
    );
    assert_eq!(net.hub_children_to(40_500), 1);
    net.connect(
        41_500,
        client_policy(b"ikelab-pass", true, ModeConfig::Respond),
        2,
    );
    assert_eq!(net.hub_children_to(41_500), 1);
    assert_eq!(
        net.hub_children_to(40_500),
        1,
        "the first client kept its SA"
    );
    assert_eq!(net.hub.ike_sas().len(), 2);
    let mut addresses = pool.in_use();
    addresses.sort();
    assert_eq!(addresses, [POOL_FIRST, Ipv4Addr::new(10, 5, 5, 2)]);
    assert!(
        !net.hub_events
            .iter()
            .any(|e| matches!(e, Event::IkeSaDown { .. } | Event::ChildSaDown { .. }))
    );
}

/// A group member that knows only the group key (its Xauth fails) sends
/// INITIAL_CONTACT right after AM3, from the victim's address: it is held
/// until Xauth is done, which never happens, so the victim keeps its SAs.
#[test]
fn initial_contact_before_xauth_touches_nothing() {
    let pool = pool();
    let mut net = SharedAddress::new(hub_policy(ModeConfig::Respond, &pool));
    net.connect(
        40_500,
        client_policy(b"ikelab-pass", true, ModeConfig::Respond),
        3,
    );
    assert_eq!(net.hub_children_to(40_500), 1);
    net.connect(
        41_500,
        client_policy(b"not-the-password", true, ModeConfig::Respond),
        4,
    );
    net.run_for(Duration::from_secs(30));
    assert_eq!(net.hub_children_to(40_500), 1, "the victim kept its SA");
    assert_eq!(net.hub_children_to(41_500), 0);
    assert_eq!(net.hub.ike_sas().len(), 1);
    assert_eq!(pool.in_use(), [POOL_FIRST]);
    assert!(log(&net.hub_events).contains("INITIAL_CONTACT held until Xauth is done"));
}
