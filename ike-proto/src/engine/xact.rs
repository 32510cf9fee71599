//! The Transaction exchange on an IKE SA: Xauth and Mode Config in both
//! roles, its retransmissions, its deadline and the Xauth verdict command.
//! The messages themselves are [`crate::exchange::transaction`]'s.

use super::flight::{Due, Flight};
use super::{
    CommandError, DownReason, Engine, Event, IkeSa, IkeSaId, LogForm, Phase1State, XactDone,
    XactSlot,
};
use crate::exchange::IosState;
use crate::exchange::transaction::{self as tx, Transaction};
use crate::policy::{ModeConfig, ModeConfigAttributes, Profile, TrafficSelector, XauthCredentials};
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
                    IosState::IkeP1Complete,
                    IosState::IkeXauthAaaStartLoginAwait,
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
        let result = match sa.xact.take().map(|x| *x) {
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
                sa.xact = other.map(Box::new);
                Err(CommandError::NoXauthPending)
            }
        };
        self.put_sa(sa);
        result
    }

    pub(super) fn xact_set(&mut self, now: Instant, sa: &mut IkeSa, state: Transaction) {
        sa.xact = Some(Box::new(XactSlot {
            state,
            flight: Flight::default(),
            deadline: now + self.exchange_life(),
        }));
    }

    /// Seals and sends `attr` under `mid`; `awaits` makes it the
    /// transaction's flight (a message that expects an answer), else the
    /// message is returned for the caller to remember as an answer.
    pub(super) fn xact_send(
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
        // IOS names the Mode Config server's answer (the address it
        // hands out) CONF_ADDR.
        let assigning = !sa.initiator && attr.message_type == ConfigMessageType::REPLY;
        let msg = tx::seal(p1, mid, attr);
        if assigning {
            self.send_as(sa, &msg, IosState::ConfAddr);
        } else {
            self.send(sa, &msg);
        }
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
    pub(super) fn remember(sa: &mut IkeSa, mid: u32, flight: Flight) {
        if sa.xact_done.len() >= XACT_DONE_MEMORY {
            sa.xact_done.pop_front();
        }
        sa.xact_done.push_back(XactDone { mid, flight });
        sa.forget_iv(mid);
    }

    pub(super) fn finish_transaction(&mut self, now: Instant, sa: &mut IkeSa) {
        sa.xact = None;
        self.open_phase2(now, sa);
    }

    // ----- server ---------------------------------------------------------

    fn send_xauth_request(&mut self, now: Instant, sa: &mut IkeSa, attempt: u32) {
        // AAA answered: the login may start.
        self.aaa_callback();
        let mid = self.xact_mid(sa);
        let id = self.identifier();
        self.log_form(
            None,
            None,
            LogForm::Global,
            format_args!("set new node {} to CONF_XAUTH", mid as i32),
        );
        self.log_form(
            None,
            None,
            LogForm::Verbatim,
            "ISAKMP/xauth: request attribute XAUTH_USER_NAME_V2",
        );
        self.log_form(
            None,
            None,
            LogForm::Verbatim,
            "ISAKMP/xauth: request attribute XAUTH_USER_PASSWORD_V2",
        );
        self.log(
            Some(sa.id),
            None,
            format_args!(
                "initiating peer config to {}. ID = {}",
                sa.remote.ip(),
                mid as i32
            ),
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
            IosState::IkeXauthAaaStartLoginAwait,
            IosState::IkeXauthReqSent,
        );
    }

    pub(super) fn xauth_decided(
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
                format_args!(
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
                IosState::IkeXauthAaaContLoginAwait,
                IosState::IkeXauthAaaStartLoginAwait,
            );
            self.send_xauth_request(now, sa, attempt + 1);
            return;
        }
        // AAA's verdict on the user is in.
        self.aaa_callback();
        let mid = self.xact_mid(sa);
        let id = self.identifier();
        self.log_form(
            None,
            None,
            LogForm::Global,
            format_args!("set new node {} to CONF_XAUTH", mid as i32),
        );
        self.log(
            Some(sa.id),
            None,
            format_args!(
                "initiating peer config to {}. ID = {}",
                sa.remote.ip(),
                mid as i32
            ),
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
            IosState::IkeXauthAaaContLoginAwait,
            IosState::IkeXauthSetSent,
        );
    }

    /// Xauth is done (or was not wanted): Mode Config as the profile says.
    pub(super) fn mode_config_server(
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
                    format_args!(
                        "initiating peer config to {}. ID = {}",
                        sa.remote.ip(),
                        mid as i32
                    ),
                );
                let state = Transaction::ConfigSetSent { mid, attrs };
                self.xact_send(now, sa, mid, set, state, true);
                self.transition(
                    sa.id,
                    None,
                    IosState::IkeP1Complete,
                    IosState::IkeConfigSetSent,
                );
            }
        }
    }

    /// The group's attributes for the peer, with the address allocated and
    /// what IOS adds itself (ADDRESS_EXPIRY, APPLICATION_VERSION); the log
    /// lines of the allocation go to `lines`, for the caller to log where
    /// IOS does.
    pub(super) fn config_for(
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

    pub(super) fn assigned_event(&mut self, sa: &IkeSa, attrs: ModeConfigAttributes, server: bool) {
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

    pub(super) fn send_config_request(&mut self, now: Instant, sa: &mut IkeSa) {
        let mid = self.xact_mid(sa);
        let id = self.identifier();
        self.log(
            Some(sa.id),
            None,
            format_args!(
                "initiating peer config to {}. ID = {}",
                sa.remote.ip(),
                mid as i32
            ),
        );
        let state = Transaction::ClientConfigRequestSent { mid };
        self.xact_send(now, sa, mid, tx::config_request(id), state, true);
        self.transition(
            sa.id,
            None,
            IosState::IkeP1Complete,
            IosState::IkeConfigReqSent,
        );
    }

    /// The client got its address: the acquires waiting for phase 2 now
    /// speak for it.
    pub(super) fn client_configured(
        &mut self,
        now: Instant,
        sa: &mut IkeSa,
        attrs: ModeConfigAttributes,
    ) {
        if let Some(a) = attrs.address {
            self.log(Some(sa.id), None, format_args!("assigned address {a}"));
            sa.assigned = Some(a);
            for acq in &mut sa.acquires {
                acq.selectors.local = TrafficSelector::host(a);
            }
        }
        self.assigned_event(sa, attrs, false);
        self.finish_transaction(now, sa);
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
                format_args!("transaction timed out in {name}: deleting the SA"),
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
