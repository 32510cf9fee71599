//! The Transaction exchange's state machine: where Xauth and Mode Config
//! stand on one IKE SA, in both roles, and what each message, verdict and
//! answer moves them to.
//!
//! Every entry point (`start`, `handle`, `verdict`, `credentials`) returns
//! one [`Step`], as the other exchanges do. The step's reply is a
//! [`Script`]: the messages to send, the debug lines in IOS's words and
//! the things only the engine can do (events, INITIAL_CONTACT, the
//! acquires waiting for an address), in the order IOS does them, so the
//! engine plays it back without deciding anything and the machine can be
//! driven without an engine.

use super::script::{
    Action, Await, Deadline, Script, TransactionCx, TransactionDone, TransactionEvent,
};
use super::{
    HUB_VERSION, XauthNumbering, ack, attribute_name, config_attributes, config_request,
    parse_config, parse_xauth_reply, seal, xauth_reply, xauth_request, xauth_set, xauth_status,
};
use crate::engine::LogForm;
use crate::exchange::IosState;
use crate::exchange::step::{Exchange, Step};
use crate::policy::{
    ModeConfig, ModeConfigAttributes, Profile, XauthAttempt, XauthCredentials, XauthVerdict,
};
use crate::wire::{AttributePayload, ConfigMessageType};

/// Where a Transaction exchange stands on one IKE SA.
#[derive(Debug)]
pub(crate) enum Transaction {
    /// Server: our Xauth REQUEST (message ID `mid`) awaits the REPLY.
    XauthRequestSent {
        /// Message ID of the REQUEST.
        mid: u32,
        /// Attempts so far (1 for the first).
        attempt: u32,
    },
    /// Server: the REPLY came; the verdict is awaited.
    XauthVerdictAwait {
        /// Attempt number.
        attempt: u32,
        /// The user name the client gave.
        user: String,
    },
    /// Server: our SET (XAUTH_STATUS) awaits the ACK.
    XauthSetSent {
        /// Message ID of the SET.
        mid: u32,
        /// Whether the status was OK.
        ok: bool,
        /// Attempt number.
        attempt: u32,
        /// The user name (kept for Mode Config).
        user: String,
    },
    /// Server: waiting for the client's CFG_REQUEST.
    ConfigRequestAwait {
        /// The Xauth user, if Xauth ran.
        user: Option<String>,
    },
    /// Server: our CFG_SET awaits the ACK.
    ConfigSetSent {
        /// Message ID of the SET.
        mid: u32,
        /// What the SET carried (boxed: the other states are small).
        attrs: Box<ModeConfigAttributes>,
    },
    /// Client: waiting for the server's Xauth REQUEST (or a CFG_SET).
    ClientAwaitServer {
        /// Mode Config after Xauth: pull (`Respond`), wait for a SET
        /// (`Initiate`) or none.
        pull: ModeConfig,
    },
    /// Client: the server's REQUEST (message ID `mid`) waits for the
    /// embedder's credentials.
    ClientCredentialsAwait {
        /// Mode Config afterwards, as in `ClientAwaitServer`.
        pull: ModeConfig,
        /// Message ID of the REQUEST.
        mid: u32,
        /// The REQUEST's identifier, echoed in the REPLY.
        identifier: u16,
        /// The REQUEST's Xauth numbering, which the REPLY uses.
        numbering: XauthNumbering,
    },
    /// Client: our REPLY went; the server's SET is awaited.
    ClientReplied {
        /// Mode Config afterwards, as in `ClientAwaitServer`.
        pull: ModeConfig,
    },
    /// Client: our CFG_REQUEST awaits the REPLY.
    ClientConfigRequestSent {
        /// Message ID of the REQUEST.
        mid: u32,
    },
}

impl Transaction {
    /// IOS's name for the state.
    pub(crate) fn name(&self) -> IosState {
        match self {
            Self::XauthRequestSent { .. } => IosState::IkeXauthReqSent,
            Self::XauthVerdictAwait { .. } => IosState::IkeXauthAaaContLoginAwait,
            Self::XauthSetSent { .. } => IosState::IkeXauthSetSent,
            Self::ConfigRequestAwait { .. } => IosState::IkeP1Complete,
            Self::ConfigSetSent { .. } => IosState::IkeConfigSetSent,
            Self::ClientAwaitServer { .. } => IosState::IkeP1Complete,
            Self::ClientCredentialsAwait { .. } => IosState::IkeXauthAaaStartLoginAwait,
            Self::ClientReplied { .. } => IosState::IkeXauthReplySent,
            Self::ClientConfigRequestSent { .. } => IosState::IkeConfigReqSent,
        }
    }

    /// The message ID our last message awaits an answer under.
    pub(crate) fn pending_mid(&self) -> Option<u32> {
        match self {
            Self::XauthRequestSent { mid, .. }
            | Self::XauthSetSent { mid, .. }
            | Self::ConfigSetSent { mid, .. }
            | Self::ClientConfigRequestSent { mid }
            | Self::ClientCredentialsAwait { mid, .. } => Some(*mid),
            _ => None,
        }
    }
}

impl Exchange for Transaction {
    type Outcome = TransactionDone;
    type Reply = Script;
}

/// One step being written: the script so far and where it leaves the
/// exchange (what the engine's `xact_set` / `finish_transaction` did).
struct Run<'c, 'a> {
    cx: &'c mut TransactionCx<'a>,
    script: Script,
    next: Option<Transaction>,
    done: Option<TransactionDone>,
}

impl Transaction {
    /// Phase 1 is complete: Xauth / Mode Config as the profile says
    /// (none: phase 2 opens at once).
    pub(crate) fn start(cx: &mut TransactionCx<'_>) -> Step<Self> {
        let mut run = Run::new(cx);
        let Some(profile) = run.cx.p1.profile.clone() else {
            run.finish();
            return run.step();
        };
        if !run.cx.initiator {
            if profile.xauth {
                run.log("Need XAUTH");
                run.log("Input = IKE_MESG_INTERNAL, IKE_PHASE1_COMPLETE");
                run.transition(
                    IosState::IkeP1Complete,
                    IosState::IkeXauthAaaStartLoginAwait,
                );
                run.send_xauth_request(1);
            } else {
                run.mode_config_server(&profile, None);
            }
            return run.step();
        }
        match (profile.xauth, profile.mode_config) {
            (true, pull) => run.set(Transaction::ClientAwaitServer { pull }),
            (false, ModeConfig::Respond) => run.send_config_request(),
            (false, ModeConfig::Initiate) => run.set(Transaction::ClientAwaitServer {
                pull: ModeConfig::Initiate,
            }),
            (false, ModeConfig::None) => run.finish(),
        }
        run.step()
    }

    /// A verified message (its ATTR payload) under message ID `mid`.
    pub(crate) fn handle(
        self,
        cx: &mut TransactionCx<'_>,
        mid: u32,
        attr: &AttributePayload,
    ) -> Step<Self> {
        let mut run = Run::new(cx);
        match (self, attr.message_type) {
            (Self::XauthRequestSent { attempt, .. }, ConfigMessageType::REPLY) => {
                run.xauth_reply(mid, attempt, attr);
            }
            (
                Self::XauthSetSent {
                    ok, attempt, user, ..
                },
                ConfigMessageType::ACK,
            ) => {
                run.xauth_ack(mid, ok, attempt, user);
            }
            (Self::ConfigRequestAwait { user }, ConfigMessageType::REQUEST) => {
                run.config_request(mid, user, attr);
            }
            (Self::ConfigSetSent { attrs, .. }, ConfigMessageType::ACK) => {
                run.global("Config payload ACK");
                run.remember(mid, None);
                run.transition(IosState::IkeConfigSetSent, IosState::IkeP1Complete);
                run.assigned_event(*attrs, true);
                run.finish();
            }
            (
                Self::ClientAwaitServer { pull } | Self::ClientReplied { pull },
                ConfigMessageType::REQUEST,
            ) if XauthNumbering::of_credentials(attr).is_some() => {
                run.credentials_asked(mid, pull, attr);
            }
            (
                Self::ClientAwaitServer { pull } | Self::ClientReplied { pull },
                ConfigMessageType::SET,
            ) => run.server_set(mid, pull, attr),
            (Self::ClientConfigRequestSent { .. }, ConfigMessageType::REPLY) => {
                run.remember(mid, None);
                let attrs = parse_config(attr);
                run.transition(IosState::IkeConfigReqSent, IosState::IkeP1Complete);
                run.client_configured(attrs);
            }
            (state, _) => {
                return Step::Ignore {
                    state,
                    why: "unexpected config message type",
                };
            }
        }
        run.step()
    }

    /// The embedder's verdict on credentials the policy deferred; the
    /// state back when it waits for none.
    pub(crate) fn verdict(self, cx: &mut TransactionCx<'_>, ok: bool) -> Result<Step<Self>, Self> {
        let Self::XauthVerdictAwait { attempt, user } = self else {
            return Err(self);
        };
        let mut run = Run::new(cx);
        run.xauth_decided(attempt, user, ok);
        Ok(run.step())
    }

    /// The embedder's credentials for the server's REQUEST; the state back
    /// when it waits for none.
    pub(crate) fn credentials(
        self,
        cx: &mut TransactionCx<'_>,
        credentials: XauthCredentials,
    ) -> Result<Step<Self>, Self> {
        let Self::ClientCredentialsAwait {
            pull,
            mid,
            identifier,
            numbering,
        } = self
        else {
            return Err(self);
        };
        let mut run = Run::new(cx);
        run.reply_credentials(mid, pull, identifier, numbering, credentials);
        Ok(run.step())
    }
}

impl<'c, 'a> Run<'c, 'a> {
    fn new(cx: &'c mut TransactionCx<'a>) -> Self {
        Self {
            cx,
            script: Script::default(),
            next: None,
            done: None,
        }
    }

    fn step(self) -> Step<Transaction> {
        let Run {
            script, next, done, ..
        } = self;
        match (done, next) {
            (None, Some(state)) => Step::Next {
                received: state.name(),
                state,
                reply: script,
            },
            (done, _) => Step::Done {
                outcome: done.unwrap_or(TransactionDone::Phase2),
                reply: Some(script),
                received: IosState::IkeP1Complete,
            },
        }
    }

    // ----- the script's vocabulary -------------------------------------

    fn push(&mut self, a: Action) {
        self.script.actions.push(a);
    }

    fn log(&mut self, text: impl Into<String>) {
        self.push(Action::Log(LogForm::Connection, text.into()));
    }

    fn global(&mut self, text: impl Into<String>) {
        self.push(Action::Log(LogForm::Global, text.into()));
    }

    fn verbatim(&mut self, text: impl Into<String>) {
        self.push(Action::Log(LogForm::Verbatim, text.into()));
    }

    fn transition(&mut self, old: IosState, new: IosState) {
        self.log(format!("Old State = {old} New State = {new}"));
    }

    /// AAA's answer is in (IOS's word for it).
    fn aaa_callback(&mut self) {
        self.global("got callback 1");
    }

    /// A Mode Config attribute we send, as IOS words it.
    fn sending_line(&mut self, line: String) {
        if line.starts_with("Unknown Attr:") {
            let id = self.cx.ike_sa.0;
            self.verbatim(format!("ISAKMP (0/{id}): {line}"));
        } else {
            self.global(line);
        }
    }

    fn event(&mut self, e: TransactionEvent) {
        self.push(Action::Event(e));
    }

    fn remember(&mut self, mid: u32, answer: Option<Vec<u8>>) {
        self.push(Action::Remember { mid, answer });
    }

    /// The exchange waits in `state`, nothing of ours in flight.
    fn set(&mut self, state: Transaction) {
        self.next = Some(state);
        self.script.flight = Await::Nothing;
        self.script.deadline = Deadline::Restart;
    }

    fn finish(&mut self) {
        self.done = Some(TransactionDone::Phase2);
    }

    fn delete(&mut self) {
        self.done = Some(TransactionDone::Delete);
    }

    /// A message ID no Quick Mode nor finished Transaction of the SA has.
    fn fresh_mid(&mut self) -> u32 {
        loop {
            let m = self.cx.rng.next_u32();
            if m != 0 && !(self.cx.mid_in_use)(m) {
                return m;
            }
        }
    }

    fn identifier(&mut self) -> u16 {
        (self.cx.rng.next_u32() & 0xffff) as u16
    }

    /// Seals and sends `attr` under `mid`, and waits in `state`; `awaits`
    /// makes it the state's request, else it is returned for the caller
    /// to remember as the answer to the message received.
    fn send(
        &mut self,
        mid: u32,
        attr: AttributePayload,
        state: Transaction,
        awaits: bool,
    ) -> Option<Vec<u8>> {
        // IOS names the Mode Config server's answer (the address it
        // hands out) CONF_ADDR.
        let conf_addr = !self.cx.initiator && attr.message_type == ConfigMessageType::REPLY;
        let bytes = seal(self.cx.p1, mid, attr);
        self.push(Action::Send {
            bytes: bytes.clone(),
            conf_addr,
        });
        self.set(state);
        if awaits {
            self.script.flight = Await::Request(bytes);
            return None;
        }
        Some(bytes)
    }

    fn initiating(&mut self, mid: u32) {
        let peer = *self.cx.remote.ip();
        self.log(format!(
            "initiating peer config to {peer}. ID = {}",
            mid as i32
        ));
    }

    // ----- server --------------------------------------------------------

    fn send_xauth_request(&mut self, attempt: u32) {
        // AAA answered: the login may start.
        self.aaa_callback();
        let mid = self.fresh_mid();
        let id = self.identifier();
        self.global(format!("set new node {} to CONF_XAUTH", mid as i32));
        self.verbatim("ISAKMP/xauth: request attribute XAUTH_USER_NAME_V2");
        self.verbatim("ISAKMP/xauth: request attribute XAUTH_USER_PASSWORD_V2");
        self.initiating(mid);
        let state = Transaction::XauthRequestSent { mid, attempt };
        self.send(mid, xauth_request(id), state, true);
        self.log("Input = IKE_MESG_FROM_AAA, IKE_AAA_START_LOGIN");
        self.transition(
            IosState::IkeXauthAaaStartLoginAwait,
            IosState::IkeXauthReqSent,
        );
    }

    fn xauth_reply(&mut self, mid: u32, attempt: u32, attr: &AttributePayload) {
        self.global("Config payload REPLY");
        self.verbatim("ISAKMP/xauth: reply attribute XAUTH_USER_NAME_V2");
        self.verbatim("ISAKMP/xauth: reply attribute XAUTH_USER_PASSWORD_V2");
        self.remember(mid, None);
        self.log(format!(
            "deleting node {mid} error FALSE reason \"done with xauth request/reply exchange\""
        ));
        self.log("Input = IKE_MESG_FROM_PEER, IKE_CFG_REPLY");
        self.transition(
            IosState::IkeXauthReqSent,
            IosState::IkeXauthAaaContLoginAwait,
        );
        let (user, verdict, password) = match parse_xauth_reply(attr) {
            Ok((user, password)) => {
                let cx = &*self.cx;
                let v = match cx.p1.profile.as_ref() {
                    Some(profile) => cx.policy.check_xauth_attempt(&XauthAttempt {
                        now: cx.now,
                        ike_sa: cx.ike_sa,
                        local: *cx.local.ip(),
                        peer: cx.remote,
                        identity: &cx.p1.peer_id,
                        profile,
                        user: &user,
                        password: &password,
                    }),
                    None => XauthVerdict::Reject,
                };
                (user, v, Some(password))
            }
            Err(e) => {
                self.log(format!("bad Xauth REPLY: {e}"));
                (String::new(), XauthVerdict::Reject, None)
            }
        };
        match (verdict, password) {
            (XauthVerdict::Deferred, Some(password)) => {
                self.set(Transaction::XauthVerdictAwait {
                    attempt,
                    user: user.clone(),
                });
                self.event(TransactionEvent::VerdictWanted { user, password });
            }
            (v, _) => self.xauth_decided(attempt, user, v == XauthVerdict::Accept),
        }
    }

    fn xauth_decided(&mut self, attempt: u32, user: String, ok: bool) {
        if !ok && attempt < self.cx.xauth_attempts {
            // The Xauth draft (and IOS): a wrong password is asked again
            // with a new REQUEST; FAIL ends the exchange and the SA, so it
            // is sent only once the attempts are used up.
            self.log(format!(
                "XAUTH: authentication failed for user {user} (attempt {attempt}): asking again"
            ));
            self.event(TransactionEvent::XauthDone { user, ok });
            self.transition(
                IosState::IkeXauthAaaContLoginAwait,
                IosState::IkeXauthAaaStartLoginAwait,
            );
            self.send_xauth_request(attempt + 1);
            return;
        }
        // AAA's verdict on the user is in.
        self.aaa_callback();
        let mid = self.fresh_mid();
        let id = self.identifier();
        self.global(format!("set new node {} to CONF_XAUTH", mid as i32));
        self.initiating(mid);
        let state = Transaction::XauthSetSent {
            mid,
            ok,
            attempt,
            user,
        };
        self.send(mid, xauth_set(id, ok), state, true);
        self.log("Input = IKE_MESG_FROM_AAA, IKE_AAA_CONT_LOGIN");
        self.transition(
            IosState::IkeXauthAaaContLoginAwait,
            IosState::IkeXauthSetSent,
        );
    }

    fn xauth_ack(&mut self, mid: u32, ok: bool, attempt: u32, user: String) {
        self.global("Config payload ACK");
        if ok {
            self.log("XAUTH ACK Processed");
        }
        self.remember(mid, None);
        self.log(format!(
            "deleting node {mid} error FALSE reason \"done with transaction\""
        ));
        self.log("Input = IKE_MESG_FROM_PEER, IKE_CFG_ACK");
        self.transition(IosState::IkeXauthSetSent, IosState::IkeP1Complete);
        self.event(TransactionEvent::XauthDone {
            user: user.clone(),
            ok,
        });
        if !ok {
            self.log(format!("Xauth failed {attempt} times: deleting the SA"));
            self.delete();
            return;
        }
        self.push(Action::XauthUser(Some(user.clone())));
        self.push(Action::InitialContact);
        match self.cx.p1.profile.clone() {
            Some(p) => self.mode_config_server(&p, Some(user)),
            None => self.finish(),
        }
    }

    /// Xauth is done (or was not wanted): Mode Config as the profile says.
    fn mode_config_server(&mut self, profile: &Profile, user: Option<String>) {
        match profile.mode_config {
            ModeConfig::None => self.finish(),
            ModeConfig::Respond => self.set(Transaction::ConfigRequestAwait { user }),
            ModeConfig::Initiate => {
                let mut lines = Vec::new();
                let attrs = self.config_for(profile, user.as_deref(), &mut lines);
                for l in lines {
                    self.log(l);
                }
                let Some(attrs) = attrs else {
                    self.set(Transaction::ConfigRequestAwait { user });
                    self.script.deadline = Deadline::Now;
                    return;
                };
                let mid = self.fresh_mid();
                let id = self.identifier();
                let mut lines = Vec::new();
                let set = AttributePayload {
                    message_type: ConfigMessageType::SET,
                    identifier: id,
                    attributes: config_attributes(&attrs, None, &mut lines),
                };
                for l in lines {
                    self.log(l);
                }
                self.initiating(mid);
                let state = Transaction::ConfigSetSent {
                    mid,
                    attrs: Box::new(attrs),
                };
                self.send(mid, set, state, true);
                self.transition(IosState::IkeP1Complete, IosState::IkeConfigSetSent);
            }
        }
    }

    /// The group's attributes for the peer, with the address allocated and
    /// what IOS adds itself (ADDRESS_EXPIRY, APPLICATION_VERSION); the log
    /// lines of the allocation go to `lines`, for the caller to log where
    /// IOS does.
    fn config_for(
        &mut self,
        profile: &Profile,
        user: Option<&str>,
        lines: &mut Vec<String>,
    ) -> Option<ModeConfigAttributes> {
        let cx = &mut *self.cx;
        let mut attrs = cx.policy.mode_config_attributes(
            *cx.local.ip(),
            *cx.remote.ip(),
            &cx.p1.peer_id,
            profile,
            user,
        );
        if let Some(a) = attrs.as_mut().filter(|a| a.address_expiry.is_none()) {
            // IOS: the address is the client's for what is left of phase 1.
            if let (Some(life), Some(at)) = (cx.p1.proposal.lifetime.seconds, cx.established_at) {
                let used = (cx.now - at).as_secs();
                a.address_expiry = u32::try_from(u64::from(life).saturating_sub(used)).ok();
            }
        }
        if let Some(a) = attrs.as_mut() {
            // IOS answers APPLICATION_VERSION with its own version string.
            a.application_version
                .get_or_insert_with(|| HUB_VERSION.to_string());
        }
        match &attrs {
            Some(a) => {
                if let Some(addr) = a.address {
                    lines.push(format!("allocating address {addr}"));
                    cx.p1.assigned_address = Some(addr);
                    self.push(Action::Assigned(addr));
                }
            }
            None => lines.push("no Mode Config attributes for the peer (no pool address?)".into()),
        }
        attrs
    }

    fn config_request(&mut self, mid: u32, user: Option<String>, attr: &AttributePayload) {
        // What the group gives is known first, so the request's Unity
        // attributes are named only when configured (as the seed's IOS
        // calls the unconfigured ones UNKNOWN).
        let mut alloc = Vec::new();
        let attrs = match self.cx.p1.profile.clone() {
            Some(p) => self.config_for(&p, user.as_deref(), &mut alloc),
            None => None,
        };
        self.global("Config payload REQUEST");
        self.log("checking request:");
        for a in &attr.attributes {
            self.global(attribute_name(a.kind, attrs.as_ref()));
        }
        self.log("Input = IKE_MESG_FROM_PEER, IKE_CFG_REQUEST");
        self.transition(IosState::IkeP1Complete, IosState::IkeConfigAuthorAaaAwait);
        // AAA's answer (the group's attributes) is in.
        self.aaa_callback();
        if attrs.is_some() {
            self.log("attributes sent in message:");
        }
        for l in alloc {
            self.log(l);
        }
        let Some(attrs) = attrs else {
            self.remember(mid, None);
            self.delete();
            return;
        };
        let mut lines = Vec::new();
        let reply = AttributePayload {
            message_type: ConfigMessageType::REPLY,
            identifier: attr.identifier,
            attributes: config_attributes(&attrs, Some(attr), &mut lines),
        };
        for l in lines {
            self.sending_line(l);
        }
        let peer = *self.cx.remote.ip();
        self.log(format!(
            "responding to peer config from {peer}. ID = {}",
            mid as i32
        ));
        let next = Transaction::ConfigRequestAwait { user: None };
        let msg = self.send(mid, reply, next, false);
        self.remember(mid, msg);
        self.log(format!("deleting node {mid} error FALSE reason \"\""));
        self.log("Input = IKE_MESG_FROM_AAA, IKE_AAA_GROUP_ATTR");
        self.transition(IosState::IkeConfigAuthorAaaAwait, IosState::IkeP1Complete);
        self.assigned_event(attrs, true);
        self.finish();
    }

    fn assigned_event(&mut self, attrs: ModeConfigAttributes, server: bool) {
        if let Some(address) = attrs.address {
            self.event(TransactionEvent::Assigned {
                address,
                attributes: Box::new(attrs),
                server,
            });
        }
    }

    // ----- client --------------------------------------------------------

    fn credentials_asked(&mut self, mid: u32, pull: ModeConfig, attr: &AttributePayload) {
        let numbering = XauthNumbering::of_credentials(attr).unwrap_or_default();
        let creds = self
            .cx
            .policy
            .xauth_credentials(*self.cx.local.ip(), *self.cx.remote.ip());
        let Some(creds) = creds else {
            // The embedder answers (a prompt): the REPLY waits for
            // Engine::provide_xauth_credentials.
            self.log("Xauth credentials requested from the embedder");
            self.set(Transaction::ClientCredentialsAwait {
                pull,
                mid,
                identifier: attr.identifier,
                numbering,
            });
            self.script.flight = Await::Unanswered;
            self.script.deadline = Deadline::Keep;
            self.event(TransactionEvent::CredentialsWanted);
            return;
        };
        self.reply_credentials(mid, pull, attr.identifier, numbering, creds);
    }

    fn reply_credentials(
        &mut self,
        mid: u32,
        pull: ModeConfig,
        identifier: u16,
        numbering: XauthNumbering,
        creds: XauthCredentials,
    ) {
        let reply = xauth_reply(identifier, &creds.user, &creds.password, numbering);
        self.push(Action::XauthUser(Some(creds.user)));
        let msg = self.send(mid, reply, Transaction::ClientReplied { pull }, false);
        self.remember(mid, msg);
    }

    /// The server's SET: XAUTH_STATUS, or Mode Config pushed to us.
    fn server_set(&mut self, mid: u32, pull: ModeConfig, attr: &AttributePayload) {
        let ack = ack(attr);
        let next = Transaction::ClientAwaitServer { pull };
        let Some(ok) = xauth_status(attr) else {
            let attrs = parse_config(attr);
            let msg = self.send(mid, ack, next, false);
            self.remember(mid, msg);
            self.client_configured(attrs);
            return;
        };
        let user = self.cx.xauth_user.unwrap_or_default().to_string();
        let msg = self.send(mid, ack, next, false);
        self.remember(mid, msg);
        self.event(TransactionEvent::XauthDone { user, ok });
        if !ok {
            self.push(Action::XauthUser(None));
            self.log("Xauth status FAIL");
            return;
        }
        match pull {
            ModeConfig::Respond => self.send_config_request(),
            ModeConfig::Initiate => {}
            ModeConfig::None => self.finish(),
        }
    }

    fn send_config_request(&mut self) {
        let mid = self.fresh_mid();
        let id = self.identifier();
        self.initiating(mid);
        let state = Transaction::ClientConfigRequestSent { mid };
        self.send(mid, config_request(id), state, true);
        self.transition(IosState::IkeP1Complete, IosState::IkeConfigReqSent);
    }

    /// The client got its configuration.
    fn client_configured(&mut self, attrs: ModeConfigAttributes) {
        if let Some(a) = attrs.address {
            self.log(format!("assigned address {a}"));
            self.push(Action::ClientAddress(a));
        }
        self.assigned_event(attrs, false);
        self.finish();
    }
}
