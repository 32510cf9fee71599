//! Transaction messages on an IKE SA: each Xauth / Mode Config message
//! (`exchange::transaction`) checked, answered and moved through the
//! state it is in, in both roles.

use super::counters::bump;
use super::flight::Flight;
use super::{Arrival, DownReason, Engine, Event, IkeSa, LogForm, Phase1State, XactSlot};
use crate::exchange::IosState;
use crate::exchange::chain::Received;
use crate::exchange::transaction::{self as tx, Transaction};
use crate::policy::{ModeConfig, XauthAttempt, XauthVerdict};
use crate::time::Instant;
use crate::wire::{AttributePayload, ConfigMessageType};

impl Engine {
    /// Handles a Transaction message; `false` drops the SA.
    pub(super) fn transaction_message(
        &mut self,
        now: Instant,
        sa: &mut IkeSa,
        header: &Received<'_>,
        body: &[u8],
        raw: &[u8],
        arrival: Arrival,
    ) -> bool {
        let mid = header.message_id();
        if mid == 0 || sa.established().is_none() {
            bump(&mut self.counters.out_of_state);
            self.log(
                Some(sa.id),
                None,
                "Transaction before phase 1 complete: dropped",
            );
            return true;
        }
        if let Some(done) = sa.xact_done.iter().find(|d| d.mid == mid) {
            // Never processed twice: the same bytes get the same answer,
            // anything else under a finished message ID is dropped.
            if let Some(answer) = done.flight.duplicate(raw) {
                let answer = answer.map(<[u8]>::to_vec);
                self.duplicate(sa, None, answer.as_deref());
            } else {
                bump(&mut self.counters.replays);
                self.log(
                    Some(sa.id),
                    None,
                    format_args!("message for finished transaction {mid}: dropped"),
                );
            }
            return true;
        }
        // A server may run Xauth or push Mode Config whatever our profile
        // expected: as the initiator, an unexpected transaction is taken
        // once its HASH verified.
        let implicit = sa.xact.is_none() && sa.initiator;
        let fits = match sa.xact.as_ref().map(|x| (&x.state, x.state.pending_mid())) {
            None => implicit && !sa.quick.iter().any(|q| q.message_id == mid),
            Some((_, Some(p))) => p == mid,
            // Peer-initiated: a fresh message ID, not a Quick Mode's.
            Some((state, None)) => {
                !matches!(state, Transaction::XauthVerdictAwait { .. })
                    && !sa.quick.iter().any(|q| q.message_id == mid)
            }
        };
        if !fits {
            bump(&mut self.counters.out_of_state);
            self.log(
                Some(sa.id),
                None,
                format_args!("transaction message ID {mid} not expected: dropped"),
            );
            return true;
        }
        if sa
            .xact
            .as_ref()
            .is_some_and(|x| x.flight.duplicate(raw).is_some())
        {
            // The server repeats its REQUEST; our answer is not ready
            // (ClientCredentialsAwait: the flight received it, unanswered).
            bump(&mut self.counters.duplicates);
            return true;
        }
        let Phase1State::Established(p1) = &mut sa.phase1 else {
            return true;
        };
        let attr = match tx::open(p1, header, body) {
            Ok((a, padding)) => {
                if padding > 0 {
                    bump(&mut self.counters.zero_padding);
                }
                a
            }
            Err(e) => {
                self.counters.error(&e);
                self.log(Some(sa.id), None, format_args!("Transaction dropped: {e}"));
                return true;
            }
        };
        self.log(
            Some(sa.id),
            None,
            format_args!(
                "processing transaction payload from {}. message ID = {mid}",
                sa.remote.ip()
            ),
        );
        self.heard_from(now, sa, arrival);
        if implicit {
            self.xact_set(
                now,
                sa,
                Transaction::ClientAwaitServer {
                    pull: ModeConfig::None,
                },
            );
        }
        let Some(slot) = sa.xact.take() else {
            return true;
        };
        self.transaction_step(now, sa, *slot, mid, raw, attr)
    }

    fn transaction_step(
        &mut self,
        now: Instant,
        sa: &mut IkeSa,
        slot: XactSlot,
        mid: u32,
        raw: &[u8],
        attr: zeroize::Zeroizing<AttributePayload>,
    ) -> bool {
        let ty = attr.message_type;
        match (slot.state, ty) {
            (Transaction::XauthRequestSent { attempt, .. }, ConfigMessageType::REPLY) => {
                self.log_form(None, None, LogForm::Global, "Config payload REPLY");
                self.log_form(
                    None,
                    None,
                    LogForm::Verbatim,
                    "ISAKMP/xauth: reply attribute XAUTH_USER_NAME_V2",
                );
                self.log_form(
                    None,
                    None,
                    LogForm::Verbatim,
                    "ISAKMP/xauth: reply attribute XAUTH_USER_PASSWORD_V2",
                );
                Self::remember(sa, mid, Flight::finished(raw, None));
                self.log(
                    Some(sa.id),
                    None,
                    format_args!(
                        "deleting node {mid} error FALSE reason \"done with xauth request/reply exchange\""
                    ),
                );
                self.log(
                    Some(sa.id),
                    None,
                    "Input = IKE_MESG_FROM_PEER, IKE_CFG_REPLY",
                );
                self.transition(
                    sa.id,
                    None,
                    IosState::IkeXauthReqSent,
                    IosState::IkeXauthAaaContLoginAwait,
                );
                let profile = sa.established().and_then(|p| p.profile.clone());
                let identity = sa.established().map(|p| p.peer_id.clone());
                let (user, verdict, password) = match tx::parse_xauth_reply(&attr) {
                    Ok((user, password)) => {
                        let v = match (profile.as_ref(), identity.as_ref()) {
                            (Some(p), Some(identity)) => {
                                self.policy.check_xauth_attempt(&XauthAttempt {
                                    now,
                                    ike_sa: sa.id,
                                    local: *sa.local.ip(),
                                    peer: sa.remote,
                                    identity,
                                    profile: p,
                                    user: &user,
                                    password: &password,
                                })
                            }
                            _ => XauthVerdict::Reject,
                        };
                        (user, v, Some(password))
                    }
                    Err(e) => {
                        self.log(Some(sa.id), None, format_args!("bad Xauth REPLY: {e}"));
                        (String::new(), XauthVerdict::Reject, None)
                    }
                };
                match (verdict, password) {
                    (XauthVerdict::Deferred, Some(password)) => {
                        self.xact_set(
                            now,
                            sa,
                            Transaction::XauthVerdictAwait {
                                attempt,
                                user: user.clone(),
                            },
                        );
                        self.events.push_back(Event::XauthRequest {
                            ike_sa: sa.id,
                            remote: sa.remote,
                            user,
                            password,
                        });
                    }
                    (v, _) => {
                        let ok = v == XauthVerdict::Accept;
                        self.xauth_decided(now, sa, attempt, user, ok);
                    }
                }
                true
            }
            (
                Transaction::XauthSetSent {
                    ok, attempt, user, ..
                },
                ConfigMessageType::ACK,
            ) => {
                self.log_form(None, None, LogForm::Global, "Config payload ACK");
                if ok {
                    self.log(Some(sa.id), None, "XAUTH ACK Processed");
                }
                Self::remember(sa, mid, Flight::finished(raw, None));
                self.log(
                    Some(sa.id),
                    None,
                    format_args!(
                        "deleting node {mid} error FALSE reason \"done with transaction\""
                    ),
                );
                self.log(Some(sa.id), None, "Input = IKE_MESG_FROM_PEER, IKE_CFG_ACK");
                self.transition(
                    sa.id,
                    None,
                    IosState::IkeXauthSetSent,
                    IosState::IkeP1Complete,
                );
                self.events.push_back(Event::XauthDone {
                    ike_sa: sa.id,
                    remote: sa.remote,
                    user: user.clone(),
                    ok,
                });
                if ok {
                    sa.xauth_user = Some(user.clone());
                    if sa.pending_initial_contact {
                        self.initial_contact(sa);
                    }
                    let profile = sa.established().and_then(|p| p.profile.clone());
                    match profile {
                        Some(p) => self.mode_config_server(now, sa, &p, Some(user)),
                        None => self.finish_transaction(now, sa),
                    }
                    true
                } else {
                    self.log(
                        Some(sa.id),
                        None,
                        format_args!("Xauth failed {attempt} times: deleting the SA"),
                    );
                    self.send_ike_delete(sa);
                    self.ike_down_ref(sa, DownReason::DeletedLocally);
                    false
                }
            }
            (Transaction::ConfigRequestAwait { user }, ConfigMessageType::REQUEST) => {
                // What the group gives is known first, so the request's
                // Unity attributes are named only when configured (as the
                // seed's IOS calls the unconfigured ones UNKNOWN).
                let profile = sa.established().and_then(|p| p.profile.clone());
                let mut alloc = Vec::new();
                let attrs = profile
                    .as_ref()
                    .and_then(|p| self.config_for(sa, p, user.as_deref(), &mut alloc));
                self.log_form(None, None, LogForm::Global, "Config payload REQUEST");
                self.log(Some(sa.id), None, "checking request:");
                let named = if self.trace.isakmp() {
                    &attr.attributes[..]
                } else {
                    &[]
                };
                for a in named {
                    self.log_form(
                        None,
                        None,
                        LogForm::Global,
                        tx::attribute_name(a.kind, attrs.as_ref()),
                    );
                }
                self.log(
                    Some(sa.id),
                    None,
                    "Input = IKE_MESG_FROM_PEER, IKE_CFG_REQUEST",
                );
                self.transition(
                    sa.id,
                    None,
                    IosState::IkeP1Complete,
                    IosState::IkeConfigAuthorAaaAwait,
                );
                // AAA's answer (the group's attributes) is in.
                self.aaa_callback();
                if attrs.is_some() {
                    self.log(Some(sa.id), None, "attributes sent in message:");
                }
                for l in alloc {
                    self.log(Some(sa.id), None, l);
                }
                let Some(attrs) = attrs else {
                    Self::remember(sa, mid, Flight::finished(raw, None));
                    self.send_ike_delete(sa);
                    self.ike_down_ref(sa, DownReason::DeletedLocally);
                    return false;
                };
                let mut lines = Vec::new();
                let reply = AttributePayload {
                    message_type: ConfigMessageType::REPLY,
                    identifier: attr.identifier,
                    attributes: tx::config_attributes(&attrs, Some(&attr), &mut lines),
                };
                for l in lines {
                    self.sending_line(sa.id, &l);
                }
                self.log(
                    Some(sa.id),
                    None,
                    format_args!(
                        "responding to peer config from {}. ID = {}",
                        sa.remote.ip(),
                        mid as i32
                    ),
                );
                let msg = self.xact_send(
                    now,
                    sa,
                    mid,
                    reply,
                    Transaction::ConfigRequestAwait { user: None },
                    false,
                );
                Self::remember(sa, mid, Flight::finished(raw, msg));
                self.log(
                    Some(sa.id),
                    None,
                    format_args!("deleting node {mid} error FALSE reason \"\""),
                );
                self.log(
                    Some(sa.id),
                    None,
                    "Input = IKE_MESG_FROM_AAA, IKE_AAA_GROUP_ATTR",
                );
                self.transition(
                    sa.id,
                    None,
                    IosState::IkeConfigAuthorAaaAwait,
                    IosState::IkeP1Complete,
                );
                self.assigned_event(sa, attrs, true);
                self.finish_transaction(now, sa);
                true
            }
            (Transaction::ConfigSetSent { attrs, .. }, ConfigMessageType::ACK) => {
                self.log_form(None, None, LogForm::Global, "Config payload ACK");
                Self::remember(sa, mid, Flight::finished(raw, None));
                self.transition(
                    sa.id,
                    None,
                    IosState::IkeConfigSetSent,
                    IosState::IkeP1Complete,
                );
                self.assigned_event(sa, attrs, true);
                self.finish_transaction(now, sa);
                true
            }
            (
                Transaction::ClientAwaitServer { pull } | Transaction::ClientReplied { pull },
                ConfigMessageType::REQUEST,
            ) if tx::XauthNumbering::of_credentials(&attr).is_some() => {
                let numbering = tx::XauthNumbering::of_credentials(&attr).unwrap_or_default();
                let Some(creds) = self
                    .policy
                    .xauth_credentials(*sa.local.ip(), *sa.remote.ip())
                else {
                    // The embedder answers (a prompt): the REPLY waits for
                    // Engine::provide_xauth_credentials.
                    self.log(
                        Some(sa.id),
                        None,
                        "Xauth credentials requested from the embedder",
                    );
                    let mut flight = Flight::default();
                    flight.received(raw);
                    sa.xact = Some(Box::new(XactSlot {
                        state: Transaction::ClientCredentialsAwait {
                            pull,
                            mid,
                            identifier: attr.identifier,
                            numbering,
                        },
                        flight,
                        deadline: slot.deadline,
                    }));
                    self.events.push_back(Event::XauthCredentialsRequest {
                        ike_sa: sa.id,
                        remote: sa.remote,
                    });
                    return true;
                };
                let reply =
                    tx::xauth_reply(attr.identifier, &creds.user, &creds.password, numbering);
                sa.xauth_user = Some(creds.user);
                let msg = self.xact_send(
                    now,
                    sa,
                    mid,
                    reply,
                    Transaction::ClientReplied { pull },
                    false,
                );
                Self::remember(sa, mid, Flight::finished(raw, msg));
                true
            }
            (
                Transaction::ClientAwaitServer { pull } | Transaction::ClientReplied { pull },
                ConfigMessageType::SET,
            ) => {
                let ack = tx::ack(&attr);
                match tx::xauth_status(&attr) {
                    Some(ok) => {
                        let user = sa.xauth_user.clone().unwrap_or_default();
                        let next = Transaction::ClientAwaitServer { pull };
                        let msg = self.xact_send(now, sa, mid, ack, next, false);
                        Self::remember(sa, mid, Flight::finished(raw, msg));
                        self.events.push_back(Event::XauthDone {
                            ike_sa: sa.id,
                            remote: sa.remote,
                            user,
                            ok,
                        });
                        if !ok {
                            sa.xauth_user = None;
                            self.log(Some(sa.id), None, "Xauth status FAIL");
                            return true;
                        }
                        match pull {
                            ModeConfig::Respond => self.send_config_request(now, sa),
                            ModeConfig::Initiate => {}
                            ModeConfig::None => self.finish_transaction(now, sa),
                        }
                    }
                    None => {
                        let attrs = tx::parse_config(&attr);
                        let next = Transaction::ClientAwaitServer { pull };
                        let msg = self.xact_send(now, sa, mid, ack, next, false);
                        Self::remember(sa, mid, Flight::finished(raw, msg));
                        self.client_configured(now, sa, attrs);
                    }
                }
                true
            }
            (Transaction::ClientConfigRequestSent { .. }, ConfigMessageType::REPLY) => {
                Self::remember(sa, mid, Flight::finished(raw, None));
                let attrs = tx::parse_config(&attr);
                self.transition(
                    sa.id,
                    None,
                    IosState::IkeConfigReqSent,
                    IosState::IkeP1Complete,
                );
                self.client_configured(now, sa, attrs);
                true
            }
            (state, ty) => {
                bump(&mut self.counters.out_of_state);
                self.log(
                    Some(sa.id),
                    None,
                    format_args!(
                        "unexpected config message type {} in {}: dropped",
                        ty.0,
                        state.name()
                    ),
                );
                // Its IV was committed; the state and its retransmission
                // stay as they were.
                sa.xact = Some(Box::new(XactSlot {
                    state,
                    flight: slot.flight,
                    deadline: slot.deadline,
                }));
                true
            }
        }
    }
}
