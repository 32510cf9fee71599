//! The Transaction exchange on an IKE SA: Xauth and Mode Config in both
//! roles, its retransmissions, its deadline and the Xauth verdict command.
//! The messages themselves are [`crate::exchange::transaction`]'s.

use super::counters::bump;
use super::flight::{Due, Flight};
use super::{
    Arrival, CommandError, DownReason, Engine, Event, IkeSa, IkeSaId, Phase1State, XactDone,
    XactSlot,
};
use crate::exchange::msg::Header;
use crate::exchange::transaction::{self as tx, Transaction};
use crate::policy::{
    ModeConfig, ModeConfigAttributes, Profile, TrafficSelector, XauthAttempt, XauthCredentials,
    XauthVerdict,
};
use crate::time::Instant;
use crate::wire::{AttributePayload, ConfigMessageType};

/// Xauth attempts before the IKE SA is deleted.
/// Finished Transaction message IDs remembered per IKE SA.
const XACT_DONE_MEMORY: usize = 16;

impl Engine {
    /// Phase 1 is complete: run Xauth / Mode Config if the profile wants
    /// them, else open phase 2.
    pub(super) fn start_transaction(&mut self, now: Instant, sa: &mut IkeSa) {
        let Some(profile) = sa.established().and_then(|p| p.profile.clone()) else {
            self.open_phase2(now, sa);
            return;
        };
        if !sa.initiator {
            if profile.xauth {
                self.log(Some(sa.id), None, "Need XAUTH");
                self.log(
                    Some(sa.id),
                    None,
                    "Input = IKE_MESG_INTERNAL, IKE_PHASE1_COMPLETE",
                );
                self.transition(
                    sa.id,
                    None,
                    "IKE_P1_COMPLETE",
                    "IKE_XAUTH_AAA_START_LOGIN_AWAIT",
                );
                self.send_xauth_request(now, sa, 1);
            } else {
                self.mode_config_server(now, sa, &profile, None);
            }
            return;
        }
        if profile.xauth {
            self.xact_set(
                now,
                sa,
                Transaction::ClientAwaitServer {
                    pull: profile.mode_config,
                },
            );
            return;
        }
        match profile.mode_config {
            ModeConfig::Respond => self.send_config_request(now, sa),
            ModeConfig::Initiate => self.xact_set(
                now,
                sa,
                Transaction::ClientAwaitServer {
                    pull: ModeConfig::Initiate,
                },
            ),
            ModeConfig::None => self.open_phase2(now, sa),
        }
    }

    /// The answer to [`Event::XauthRequest`]: `ok` sends XAUTH_STATUS OK,
    /// else FAIL (and after the last attempt the IKE SA is deleted).
    ///
    /// # Errors
    /// [`CommandError::UnknownSa`], or [`CommandError::NoXauthPending`]
    /// when the SA does not wait for a verdict.
    pub fn xauth_verdict(
        &mut self,
        now: Instant,
        ike_sa: IkeSaId,
        ok: bool,
    ) -> Result<(), CommandError> {
        self.now = now;
        let mut sa = self.sas.remove(&ike_sa).ok_or(CommandError::UnknownSa)?;
        let result = match sa.xact.as_ref().map(|x| &x.state) {
            Some(Transaction::XauthVerdictAwait { attempt, user }) => {
                let (attempt, user) = (*attempt, user.clone());
                self.xauth_decided(now, &mut sa, attempt, user, ok);
                Ok(())
            }
            _ => Err(CommandError::NoXauthPending),
        };
        self.put_sa(sa);
        result
    }

    /// The answer to [`Event::XauthCredentialsRequest`]: the user name and
    /// password to send in the Xauth REPLY (as the client).
    ///
    /// # Errors
    /// [`CommandError::UnknownSa`], or [`CommandError::NoXauthPending`]
    /// when the SA does not wait for credentials.
    pub fn provide_xauth_credentials(
        &mut self,
        now: Instant,
        ike_sa: IkeSaId,
        credentials: XauthCredentials,
    ) -> Result<(), CommandError> {
        self.now = now;
        let mut sa = self.sas.remove(&ike_sa).ok_or(CommandError::UnknownSa)?;
        let result = match sa.xact.take() {
            Some(XactSlot {
                state:
                    Transaction::ClientCredentialsAwait {
                        pull,
                        mid,
                        identifier,
                        numbering,
                    },
                mut flight,
                ..
            }) => {
                let reply = tx::xauth_reply(
                    identifier,
                    &credentials.user,
                    &credentials.password,
                    numbering,
                );
                sa.xauth_user = Some(credentials.user);
                let msg = self.xact_send(
                    now,
                    &mut sa,
                    mid,
                    reply,
                    Transaction::ClientReplied { pull },
                    false,
                );
                // The flight saw the REQUEST; this answers it (and its
                // repeats from now on).
                if let Some(msg) = msg {
                    flight.reply(msg);
                }
                Self::remember(&mut sa, mid, flight);
                Ok(())
            }
            other => {
                sa.xact = other;
                Err(CommandError::NoXauthPending)
            }
        };
        self.put_sa(sa);
        result
    }

    fn xact_set(&mut self, now: Instant, sa: &mut IkeSa, state: Transaction) {
        sa.xact = Some(XactSlot {
            state,
            flight: Flight::default(),
            deadline: now + self.exchange_life(),
        });
    }

    /// Seals and sends `attr` under `mid`; `awaits` makes it the
    /// transaction's flight (a message that expects an answer), else the
    /// message is returned for the caller to remember as an answer.
    fn xact_send(
        &mut self,
        now: Instant,
        sa: &mut IkeSa,
        mid: u32,
        attr: AttributePayload,
        state: Transaction,
        awaits: bool,
    ) -> Option<Vec<u8>> {
        let Phase1State::Established(p1) = &mut sa.phase1 else {
            return None;
        };
        let msg = tx::seal(p1, mid, attr);
        self.send(sa, &msg);
        self.xact_set(now, sa, state);
        if awaits {
            let backoff = self.backoff();
            if let Some(x) = sa.xact.as_mut() {
                x.flight.request(now, msg, backoff);
            }
            return None;
        }
        Some(msg)
    }

    fn identifier(&mut self) -> u16 {
        (self.rng.next_u32() & 0xffff) as u16
    }

    fn xact_mid(&mut self, sa: &IkeSa) -> u32 {
        loop {
            let m = self.message_id(sa);
            if !sa.xact_done.iter().any(|d| d.mid == m) {
                return m;
            }
        }
    }

    /// A finished message ID: `flight` answers its repeats.
    fn remember(sa: &mut IkeSa, mid: u32, flight: Flight) {
        if sa.xact_done.len() >= XACT_DONE_MEMORY {
            sa.xact_done.pop_front();
        }
        sa.xact_done.push_back(XactDone { mid, flight });
        sa.forget_iv(mid);
    }

    fn finish_transaction(&mut self, now: Instant, sa: &mut IkeSa) {
        sa.xact = None;
        self.open_phase2(now, sa);
    }

    // ----- server ---------------------------------------------------------

    fn send_xauth_request(&mut self, now: Instant, sa: &mut IkeSa, attempt: u32) {
        let mid = self.xact_mid(sa);
        let id = self.identifier();
        self.log(
            Some(sa.id),
            None,
            format!("set new node {mid} to CONF_XAUTH"),
        );
        self.log(
            Some(sa.id),
            None,
            "ISAKMP/xauth: request attribute XAUTH_USER_NAME_V2",
        );
        self.log(
            Some(sa.id),
            None,
            "ISAKMP/xauth: request attribute XAUTH_USER_PASSWORD_V2",
        );
        self.log(
            Some(sa.id),
            None,
            format!("initiating peer config to {}. ID = {mid}", sa.remote.ip()),
        );
        let state = Transaction::XauthRequestSent { mid, attempt };
        self.xact_send(now, sa, mid, tx::xauth_request(id), state, true);
        self.log(
            Some(sa.id),
            None,
            "Input = IKE_MESG_FROM_AAA, IKE_AAA_START_LOGIN",
        );
        self.transition(
            sa.id,
            None,
            "IKE_XAUTH_AAA_START_LOGIN_AWAIT",
            "IKE_XAUTH_REQ_SENT",
        );
    }

    fn xauth_decided(
        &mut self,
        now: Instant,
        sa: &mut IkeSa,
        attempt: u32,
        user: String,
        ok: bool,
    ) {
        if !ok && attempt < self.config.xauth_attempts {
            // The Xauth draft (and IOS): a wrong password is asked again
            // with a new REQUEST; FAIL ends the exchange and the SA, so it
            // is sent only once the attempts are used up.
            self.log(
                Some(sa.id),
                None,
                format!(
                    "XAUTH: authentication failed for user {user} (attempt {attempt}): asking again"
                ),
            );
            self.events.push_back(Event::XauthDone {
                ike_sa: sa.id,
                remote: sa.remote,
                user,
                ok,
            });
            self.transition(
                sa.id,
                None,
                "IKE_XAUTH_AAA_CONT_LOGIN_AWAIT",
                "IKE_XAUTH_AAA_START_LOGIN_AWAIT",
            );
            self.send_xauth_request(now, sa, attempt + 1);
            return;
        }
        let mid = self.xact_mid(sa);
        let id = self.identifier();
        self.log(
            Some(sa.id),
            None,
            format!("set new node {mid} to CONF_XAUTH"),
        );
        self.log(
            Some(sa.id),
            None,
            format!("initiating peer config to {}. ID = {mid}", sa.remote.ip()),
        );
        let state = Transaction::XauthSetSent {
            mid,
            ok,
            attempt,
            user,
        };
        self.xact_send(now, sa, mid, tx::xauth_set(id, ok), state, true);
        self.log(
            Some(sa.id),
            None,
            "Input = IKE_MESG_FROM_AAA, IKE_AAA_CONT_LOGIN",
        );
        self.transition(
            sa.id,
            None,
            "IKE_XAUTH_AAA_CONT_LOGIN_AWAIT",
            "IKE_XAUTH_SET_SENT",
        );
    }

    /// Xauth is done (or was not wanted): Mode Config as the profile says.
    fn mode_config_server(
        &mut self,
        now: Instant,
        sa: &mut IkeSa,
        profile: &Profile,
        user: Option<String>,
    ) {
        match profile.mode_config {
            ModeConfig::None => self.finish_transaction(now, sa),
            ModeConfig::Respond => {
                self.xact_set(now, sa, Transaction::ConfigRequestAwait { user });
            }
            ModeConfig::Initiate => {
                let mut lines = Vec::new();
                let attrs = self.config_for(sa, profile, user.as_deref(), &mut lines);
                for l in lines {
                    self.log(Some(sa.id), None, l);
                }
                let Some(attrs) = attrs else {
                    self.xact_set(now, sa, Transaction::ConfigRequestAwait { user });
                    if let Some(x) = sa.xact.as_mut() {
                        x.deadline = now;
                    }
                    return;
                };
                let mid = self.xact_mid(sa);
                let id = self.identifier();
                let mut lines = Vec::new();
                let set = AttributePayload {
                    message_type: ConfigMessageType::SET,
                    identifier: id,
                    attributes: tx::config_attributes(&attrs, None, &mut lines),
                };
                for l in lines {
                    self.log(Some(sa.id), None, l);
                }
                self.log(
                    Some(sa.id),
                    None,
                    format!("initiating peer config to {}. ID = {mid}", sa.remote.ip()),
                );
                let state = Transaction::ConfigSetSent { mid, attrs };
                self.xact_send(now, sa, mid, set, state, true);
                self.transition(sa.id, None, "IKE_P1_COMPLETE", "IKE_CONFIG_SET_SENT");
            }
        }
    }

    /// The group's attributes for the peer, with the address allocated and
    /// what IOS adds itself (ADDRESS_EXPIRY, APPLICATION_VERSION); the log
    /// lines of the allocation go to `lines`, for the caller to log where
    /// IOS does.
    fn config_for(
        &mut self,
        sa: &mut IkeSa,
        profile: &Profile,
        user: Option<&str>,
        lines: &mut Vec<String>,
    ) -> Option<ModeConfigAttributes> {
        let peer_id = sa.established()?.peer_id.clone();
        let attrs = self.policy.mode_config_attributes(
            *sa.local.ip(),
            *sa.remote.ip(),
            &peer_id,
            profile,
            user,
        );
        let mut attrs = attrs;
        if let Some(a) = attrs.as_mut().filter(|a| a.address_expiry.is_none()) {
            // IOS: the address is the client's for what is left of phase 1.
            let life = sa.established().and_then(|p| p.lifetime.seconds);
            if let (Some(life), Some(at)) = (life, sa.established_at) {
                let used = (self.now - at).as_secs();
                a.address_expiry = u32::try_from(u64::from(life).saturating_sub(used)).ok();
            }
        }
        if let Some(a) = attrs.as_mut() {
            // IOS answers APPLICATION_VERSION with its own version string.
            a.application_version
                .get_or_insert_with(|| tx::HUB_VERSION.to_string());
        }
        match &attrs {
            Some(a) => {
                if let Some(addr) = a.address {
                    lines.push(format!("allocating address {addr}"));
                    sa.assigned = Some(addr);
                    if let Phase1State::Established(p1) = &mut sa.phase1 {
                        p1.assigned_address = Some(addr);
                    }
                }
            }
            None => lines.push("no Mode Config attributes for the peer (no pool address?)".into()),
        }
        attrs
    }

    fn assigned_event(&mut self, sa: &IkeSa, attrs: ModeConfigAttributes, server: bool) {
        if let Some(address) = attrs.address {
            self.events.push_back(Event::ConfigAssigned {
                ike_sa: sa.id,
                remote: sa.remote,
                address,
                attributes: Box::new(attrs),
                server,
            });
        }
    }

    // ----- client ---------------------------------------------------------

    fn send_config_request(&mut self, now: Instant, sa: &mut IkeSa) {
        let mid = self.xact_mid(sa);
        let id = self.identifier();
        self.log(
            Some(sa.id),
            None,
            format!("initiating peer config to {}. ID = {mid}", sa.remote.ip()),
        );
        let state = Transaction::ClientConfigRequestSent { mid };
        self.xact_send(now, sa, mid, tx::config_request(id), state, true);
        self.transition(sa.id, None, "IKE_P1_COMPLETE", "IKE_CONFIG_REQ_SENT");
    }

    /// The client got its address: the acquires waiting for phase 2 now
    /// speak for it.
    fn client_configured(&mut self, now: Instant, sa: &mut IkeSa, attrs: ModeConfigAttributes) {
        if let Some(a) = attrs.address {
            self.log(Some(sa.id), None, format!("assigned address {a}"));
            sa.assigned = Some(a);
            for acq in &mut sa.acquires {
                acq.selectors.local = TrafficSelector::host(a);
            }
        }
        self.assigned_event(sa, attrs, false);
        self.finish_transaction(now, sa);
    }

    // ----- messages -------------------------------------------------------

    /// Handles a Transaction message; `false` drops the SA.
    pub(super) fn transaction_message(
        &mut self,
        now: Instant,
        sa: &mut IkeSa,
        header: &Header,
        body: &[u8],
        raw: &[u8],
        arrival: Arrival,
    ) -> bool {
        let mid = header.message_id;
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
                    format!("message for finished transaction {mid}: dropped"),
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
                format!("transaction message ID {mid} not expected: dropped"),
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
                self.log(Some(sa.id), None, format!("Transaction dropped: {e}"));
                return true;
            }
        };
        self.log(
            Some(sa.id),
            None,
            format!(
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
        self.transaction_step(now, sa, slot, mid, raw, attr)
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
                self.log(Some(sa.id), None, "Config payload REPLY");
                self.log(
                    Some(sa.id),
                    None,
                    "ISAKMP/xauth: reply attribute XAUTH_USER_NAME_V2",
                );
                self.log(
                    Some(sa.id),
                    None,
                    "ISAKMP/xauth: reply attribute XAUTH_USER_PASSWORD_V2",
                );
                Self::remember(sa, mid, Flight::finished(raw, None));
                self.log(
                    Some(sa.id),
                    None,
                    format!(
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
                    "IKE_XAUTH_REQ_SENT",
                    "IKE_XAUTH_AAA_CONT_LOGIN_AWAIT",
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
                        self.log(Some(sa.id), None, format!("bad Xauth REPLY: {e}"));
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
                self.log(Some(sa.id), None, "Config payload ACK");
                if ok {
                    self.log(Some(sa.id), None, "XAUTH ACK Processed");
                }
                Self::remember(sa, mid, Flight::finished(raw, None));
                self.log(
                    Some(sa.id),
                    None,
                    format!("deleting node {mid} error FALSE reason \"done with transaction\""),
                );
                self.log(Some(sa.id), None, "Input = IKE_MESG_FROM_PEER, IKE_CFG_ACK");
                self.transition(sa.id, None, "IKE_XAUTH_SET_SENT", "IKE_P1_COMPLETE");
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
                        format!("Xauth failed {attempt} times: deleting the SA"),
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
                self.log(Some(sa.id), None, "Config payload REQUEST");
                self.log(Some(sa.id), None, "checking request:");
                for a in &attr.attributes {
                    self.log(
                        Some(sa.id),
                        None,
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
                    "IKE_P1_COMPLETE",
                    "IKE_CONFIG_AUTHOR_AAA_AWAIT",
                );
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
                    self.log(Some(sa.id), None, l);
                }
                self.log(
                    Some(sa.id),
                    None,
                    format!(
                        "responding to peer config from {}. ID = {mid}",
                        sa.remote.ip()
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
                    format!("deleting node {mid} error FALSE reason \"\""),
                );
                self.log(
                    Some(sa.id),
                    None,
                    "Input = IKE_MESG_FROM_AAA, IKE_AAA_GROUP_ATTR",
                );
                self.transition(
                    sa.id,
                    None,
                    "IKE_CONFIG_AUTHOR_AAA_AWAIT",
                    "IKE_P1_COMPLETE",
                );
                self.assigned_event(sa, attrs, true);
                self.finish_transaction(now, sa);
                true
            }
            (Transaction::ConfigSetSent { attrs, .. }, ConfigMessageType::ACK) => {
                self.log(Some(sa.id), None, "Config payload ACK");
                Self::remember(sa, mid, Flight::finished(raw, None));
                self.transition(sa.id, None, "IKE_CONFIG_SET_SENT", "IKE_P1_COMPLETE");
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
                    sa.xact = Some(XactSlot {
                        state: Transaction::ClientCredentialsAwait {
                            pull,
                            mid,
                            identifier: attr.identifier,
                            numbering,
                        },
                        flight,
                        deadline: slot.deadline,
                    });
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
                self.transition(sa.id, None, "IKE_CONFIG_REQ_SENT", "IKE_P1_COMPLETE");
                self.client_configured(now, sa, attrs);
                true
            }
            (state, ty) => {
                bump(&mut self.counters.out_of_state);
                self.log(
                    Some(sa.id),
                    None,
                    format!(
                        "unexpected config message type {} in {}: dropped",
                        ty.0,
                        state.name()
                    ),
                );
                // Its IV was committed; the state and its retransmission
                // stay as they were.
                sa.xact = Some(XactSlot {
                    state,
                    flight: slot.flight,
                    deadline: slot.deadline,
                });
                true
            }
        }
    }

    /// Runs the transaction's retransmission and deadline; `false` drops
    /// the SA.
    pub(super) fn xact_timer(&mut self, now: Instant, sa: &mut IkeSa) -> bool {
        let Some(x) = sa.xact.as_mut() else {
            return true;
        };
        if x.deadline <= now {
            let name = x.state.name();
            self.log(
                Some(sa.id),
                None,
                format!("transaction timed out in {name}: deleting the SA"),
            );
            self.send_ike_delete(sa);
            self.ike_down_ref(sa, DownReason::PeerDead);
            return false;
        }
        let backoff = self.backoff();
        match x.flight.due(now, backoff, backoff.tries) {
            None => {}
            Some(Due::Resend(bytes)) => {
                let bytes = bytes.to_vec();
                self.log(Some(sa.id), None, "retransmitting transaction message");
                self.send(sa, &bytes);
            }
            Some(Due::Exhausted) => {
                self.log(
                    Some(sa.id),
                    None,
                    "transaction retransmissions exhausted: deleting the SA",
                );
                self.send_ike_delete(sa);
                self.ike_down_ref(sa, DownReason::PeerDead);
                return false;
            }
        }
        true
    }
}
