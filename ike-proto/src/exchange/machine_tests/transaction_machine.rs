//! The Transaction machine of both roles driven alone: Xauth and Mode
//! Config from phase 1's end to phase 2, and the attempts running out.

use std::net::Ipv4Addr;

use super::*;

/// What one step of a Transaction machine left: the next state (none
/// when it ended), how it ended, the messages sent with their IDs.
type Played = (
    Option<Transaction>,
    Option<TransactionDone>,
    Vec<(u32, Vec<u8>)>,
);

/// The Transaction machine of one side, driven as the engine drives it:
/// the script's messages collected, its user and address changes applied.
struct TxSide {
    side: Side,
    p1: Box<Phase1Sa>,
    initiator: bool,
    user: Option<String>,
    assigned: Option<Ipv4Addr>,
    events: Vec<TransactionEvent>,
}

impl TxSide {
    fn run(&mut self, f: impl FnOnce(&mut TransactionCx<'_>) -> Step<Transaction>) -> Played {
        let in_use = |_: u32| false;
        let mut cx = TransactionCx {
            now: crate::time::Instant::ZERO,
            ike_sa: crate::engine::IkeSaId(1),
            initiator: self.initiator,
            local: self.side.local,
            remote: self.side.remote,
            rng: &mut self.side.rng,
            policy: &self.side.policy,
            p1: &mut self.p1,
            established_at: Some(crate::time::Instant::ZERO),
            xauth_user: self.user.as_deref(),
            xauth_attempts: 3,
            mid_in_use: &in_use,
        };
        let (state, done, script) = match f(&mut cx) {
            Step::Next {
                state,
                reply,
                received,
            } => {
                assert_eq!(received, state.name());
                (Some(state), None, reply)
            }
            Step::Done { outcome, reply, .. } => (None, Some(outcome), reply.expect("a script")),
            Step::Ignore { why, .. } => panic!("ignored: {why}"),
            Step::Reject { error, .. } | Step::Fail(error) => panic!("{error:?}"),
        };
        let mut sent = Vec::new();
        for a in script.actions {
            match a {
                Action::Send { bytes, .. } => {
                    let mid = sealed_header(&bytes, ExchangeType::TRANSACTION).message_id;
                    sent.push((mid, bytes));
                }
                Action::XauthUser(u) => self.user = u,
                Action::Assigned(a) | Action::ClientAddress(a) => self.assigned = Some(a),
                Action::Event(e) => self.events.push(e),
                Action::Log(..) | Action::Remember { .. } | Action::InitialContact => {}
            }
        }
        (state, done, sent)
    }

    /// Opens a message of the other side and hands it to `state`.
    fn receive(&mut self, state: Transaction, (mid, msg): &(u32, Vec<u8>)) -> Played {
        let (h, b) = split(msg);
        let (attr, _) = transaction::open(&mut self.p1, &h, b).expect("opens");
        self.run(|cx| state.handle(cx, *mid, &attr))
    }
}

fn transaction_pair(hub_password: &[u8]) -> (TxSide, TxSide) {
    let (client, mut hub) = remote_access();
    hub.policy
        .xauth_users
        .push(("user".into(), XauthPassword::new(hub_password.to_vec())));
    hub.policy.mode_config = Some(crate::policy::ModeConfigAttributes::default());
    hub.policy.pool = Some(crate::policy::StaticPool::new(
        Ipv4Addr::new(10, 5, 5, 1),
        Ipv4Addr::new(10, 5, 5, 10),
    ));
    let (mut client, mut hub) = (client, hub);
    let (client_sa, hub_sa) = aggressive(&mut client, &mut hub);
    let side = |side, p1, initiator| TxSide {
        side,
        p1,
        initiator,
        user: None,
        assigned: None,
        events: Vec::new(),
    };
    (side(client, client_sa, true), side(hub, hub_sa, false))
}

#[test]
fn transaction_machines_run_xauth_and_mode_config_to_phase_2() {
    let (mut client, mut hub) = transaction_pair(b"password");

    let (c, done, sent) = client.run(Transaction::start);
    assert!(done.is_none() && sent.is_empty(), "the client waits");
    let c = c.expect("client state");
    assert_eq!(c.name(), "IKE_P1_COMPLETE");

    let (h, _, sent) = hub.run(Transaction::start);
    let h = h.expect("hub state");
    assert_eq!(h.name(), "IKE_XAUTH_REQ_SENT");
    let [request] = &sent[..] else {
        panic!("{sent:?}")
    };
    assert_eq!(h.pending_mid(), Some(request.0));

    let (c, _, sent) = client.receive(c, request);
    assert_eq!(
        c.as_ref().map(Transaction::name),
        Some(crate::exchange::IosState::IkeXauthReplySent)
    );
    let [reply] = &sent[..] else {
        panic!("one REPLY")
    };
    assert_eq!(reply.0, request.0, "a REPLY shares its REQUEST's ID");
    assert_eq!(client.user.as_deref(), Some("user"));

    let (h, _, sent) = hub.receive(h, reply);
    let h = h.expect("hub state");
    assert_eq!(h.name(), "IKE_XAUTH_SET_SENT");
    let [set] = &sent[..] else { panic!("one SET") };

    // The ACK, then at once the client's CFG_REQUEST.
    let (c, _, sent) = client.receive(c.expect("client state"), set);
    let c = c.expect("client state");
    assert_eq!(c.name(), "IKE_CONFIG_REQ_SENT");
    let [ack, cfg_request] = &sent[..] else {
        panic!("ACK and CFG_REQUEST")
    };
    assert_eq!(ack.0, set.0);
    assert!(matches!(
        client.events[..],
        [TransactionEvent::XauthDone { ok: true, .. }]
    ));

    let (h, done, sent) = hub.receive(h, ack);
    assert!(done.is_none() && sent.is_empty());
    let h = h.expect("hub state");
    assert_eq!(h.name(), "IKE_P1_COMPLETE", "waiting for the CFG_REQUEST");
    assert_eq!(hub.user.as_deref(), Some("user"), "Xauth accepted");

    let (h, done, sent) = hub.receive(h, cfg_request);
    assert!(h.is_none());
    assert_eq!(done, Some(TransactionDone::Phase2));
    let [cfg_reply] = &sent[..] else {
        panic!("one CFG_REPLY")
    };
    let pool = Ipv4Addr::new(10, 5, 5, 1);
    assert_eq!(hub.assigned, Some(pool));
    assert_eq!(hub.p1.assigned_address, Some(pool));

    let (c, done, sent) = client.receive(c, cfg_reply);
    assert!(c.is_none() && sent.is_empty());
    assert_eq!(done, Some(TransactionDone::Phase2));
    assert_eq!(client.assigned, Some(pool));
    assert!(matches!(
        client.events.last(),
        Some(TransactionEvent::Assigned { address, server: false, .. }) if *address == pool
    ));
}

#[test]
fn transaction_machine_asks_again_then_deletes_after_the_last_wrong_password() {
    let (mut client, mut hub) = transaction_pair(b"not the client's");
    let (mut c, _, _) = client.run(Transaction::start);
    let (mut h, _, mut sent) = hub.run(Transaction::start);
    for attempt in 1..=3 {
        let [request] = &sent[..] else {
            panic!("one REQUEST")
        };
        let (c2, _, replies) = client.receive(c.take().expect("client"), request);
        c = c2;
        let (h2, _, next) = hub.receive(h.take().expect("hub"), &replies[0]);
        let h2 = h2.expect("hub state");
        let want = if attempt < 3 {
            "IKE_XAUTH_REQ_SENT"
        } else {
            "IKE_XAUTH_SET_SENT"
        };
        assert_eq!(h2.name(), want, "attempt {attempt}");
        h = Some(h2);
        sent = next;
    }
    // SET status FAIL; the client ACKs; the hub deletes the SA.
    let [set] = &sent[..] else { panic!("one SET") };
    let (_, _, acks) = client.receive(c.expect("client"), set);
    assert!(client.user.is_none(), "FAIL forgets our user");
    let (h, done, _) = hub.receive(h.expect("hub"), &acks[0]);
    assert!(h.is_none());
    assert_eq!(done, Some(TransactionDone::Delete));
    let failures = hub
        .events
        .iter()
        .filter(|e| matches!(e, TransactionEvent::XauthDone { ok: false, .. }))
        .count();
    assert_eq!(failures, 3, "each attempt reported");
    assert!(hub.assigned.is_none());
}
