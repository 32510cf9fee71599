//! [`Gateway::exec`]: IOS exec commands on a running node, the operator's
//! one entry point (the router's control socket and prompt, the C API's
//! `iks_gateway_exec`).

use super::exec_parse::{self, ClearScope, Command, ParseError, Pipe};
use super::*;
use crate::show::IpsecSaFilter;

/// `debug crypto isakmp` / `debug crypto ipsec`: which debug lines the
/// Gateway writes (to the `log` facade, or as [`Event::Log`] events); the
/// engine's own type, so one switch gates both.
pub use ike_proto::engine::Debugging;

/// How an exec command ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExecStatus {
    /// Done.
    Ok,
    /// `% Invalid input detected at '^' marker.`: the word at this column
    /// (in characters, from the start of the line) fits nothing. The text
    /// holds the caret line, aligned for a line echoed from column 0: a
    /// prompt that put `Hub#` before the line indents it by its width.
    InvalidInput {
        /// Where the caret points.
        column: usize,
    },
    /// `% Ambiguous command:`.
    Ambiguous,
    /// `% Incomplete command.`.
    Incomplete,
    /// The command was understood and refused (no such SA, not an Easy
    /// VPN Remote ...): the text says why, `%`-prefixed as IOS does.
    Failed,
}

/// What the embedder has to finish, because a sans-IO Gateway cannot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExecAction {
    /// `configure replace FILE`: read FILE (a sans-IO Gateway cannot) and
    /// pass its text to [`Gateway::configure_replace_text`], which swaps
    /// it in and keeps the tunnels it does not change.
    ConfigureReplace(String),
    /// `crypto ipsec client ezvpn xauth`: ask the operator for a user name
    /// and password and pass them to [`Gateway::provide_xauth_credentials`]
    /// for this IKE SA.
    XauthCredentials(IkeSaId),
}

/// The result of [`Gateway::exec`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecOutput {
    /// What IOS would print, lines ending in `\n`.
    pub text: String,
    /// How it ended.
    pub status: ExecStatus,
    /// Work left to the embedder, if any.
    pub action: Option<ExecAction>,
}

impl ExecOutput {
    fn ok(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            status: ExecStatus::Ok,
            action: None,
        }
    }

    fn failed(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            status: ExecStatus::Failed,
            action: None,
        }
    }

    /// Whether the command ran.
    pub fn is_ok(&self) -> bool {
        self.status == ExecStatus::Ok
    }

    /// A process exit status for it: 0 when it ran, 1 when it was refused,
    /// 2 when it did not parse.
    pub fn exit_code(&self) -> u8 {
        match self.status {
            ExecStatus::Ok => 0,
            ExecStatus::Failed => 1,
            _ => 2,
        }
    }
}

fn parse_error(line: &str, e: ParseError) -> ExecOutput {
    let (text, status) = match e {
        ParseError::Invalid(column) => (
            format!(
                "{}^\n% Invalid input detected at '^' marker.\n",
                " ".repeat(column)
            ),
            ExecStatus::InvalidInput { column },
        ),
        ParseError::Ambiguous => (
            format!("% Ambiguous command:  \"{}\"\n", line.trim()),
            ExecStatus::Ambiguous,
        ),
        ParseError::Incomplete => ("% Incomplete command.\n".into(), ExecStatus::Incomplete),
    };
    ExecOutput {
        text,
        status,
        action: None,
    }
}

fn filter_lines(text: &str, pipe: &Pipe) -> String {
    match pipe {
        Pipe::Include(p) => text
            .lines()
            .filter(|l| l.contains(p.as_str()))
            .map(|l| format!("{l}\n"))
            .collect(),
        Pipe::Exclude(p) => text
            .lines()
            .filter(|l| !l.contains(p.as_str()))
            .map(|l| format!("{l}\n"))
            .collect(),
        Pipe::Begin(p) => text
            .lines()
            .skip_while(|l| !l.contains(p.as_str()))
            .map(|l| format!("{l}\n"))
            .collect(),
        Pipe::None | Pipe::Json => text.to_string(),
    }
}

impl Gateway {
    /// Runs one IOS exec command line, abbreviations as IOS takes them
    /// (`sh cry isa sa`):
    ///
    /// * `show crypto isakmp sa [detail]`, `show crypto isakmp policy`,
    ///   `show crypto ipsec sa [detail | peer A | map M | interface I]`,
    ///   `show crypto ipsec transform-set [tag T]`, `show crypto map [tag
    ///   M]`, `show crypto dynamic-map [tag M]`, `show crypto session
    ///   [detail]`, `show debugging`, `show aaa local user lockout`;
    ///   each may end in `| include X`, `| exclude X`, `| begin X`, or `|
    ///   json` (the same state as [`Gateway::status_json`], the part the
    ///   command shows);
    /// * `clear crypto sa [peer A | map M]`: the IPsec SAs only, each with
    ///   a Delete to its peer; the IKE SA stays, so the peer's next Quick
    ///   Mode needs no new phase 1 (IOS's behaviour);
    ///   `clear crypto isakmp [C-id]`: IKE SAs only (the IPsec SAs stay,
    ///   as in IKEv1); `clear crypto session [remote A]`: both;
    ///   `clear aaa local user lockout {username U | all}`;
    /// * `debug crypto isakmp|ipsec`, `undebug crypto isakmp|ipsec`,
    ///   `undebug all` (`no debug all`);
    /// * `crypto ipsec client ezvpn connect [NAME]`, `crypto ipsec client
    ///   ezvpn xauth` and `configure replace FILE`, which leave the
    ///   embedder an [`ExecAction`].
    ///
    /// Bad input gets IOS's words: `% Invalid input detected at '^'
    /// marker.` under a caret, `% Ambiguous command:`, `% Incomplete
    /// command.`
    pub fn exec(&mut self, line: &str, now: Instant) -> ExecOutput {
        let (cmd, pipe) = match exec_parse::parse(line) {
            Ok(Some(parsed)) => parsed,
            Ok(None) => return ExecOutput::ok(""),
            Err(e) => return parse_error(line, e),
        };
        if pipe == Pipe::Json {
            return ExecOutput::ok(self.json_for(&cmd, now));
        }
        let mut out = self.run(cmd, now);
        out.text = filter_lines(&out.text, &pipe);
        out
    }

    /// The text of a show command (`None`: not a show command).
    pub(super) fn render_show(&self, cmd: &Command, now: Instant) -> Option<String> {
        let text = match cmd {
            Command::IsakmpSa { detail } => {
                if *detail {
                    crate::show::render_isakmp_sa_detail(&self.isakmp_views(now))
                } else {
                    crate::show::render_isakmp_sa(&self.isakmp_rows(now))
                }
            }
            Command::IsakmpPolicy => {
                crate::show::render_isakmp_policy(&self.config.isakmp_policies)
            }
            Command::IpsecSa { filter, detail } => self.ipsec_sa_text(filter, *detail, now),
            Command::TransformSet { tag } => {
                let sets: Vec<_> = self
                    .config
                    .transform_sets
                    .iter()
                    .filter(|s| tag.as_ref().is_none_or(|t| *t == s.name))
                    .cloned()
                    .collect();
                crate::show::render_transform_sets(&sets)
            }
            Command::CryptoMap { tag } => {
                let views: Vec<_> = self
                    .crypto_map_views()
                    .into_iter()
                    .filter(|m| tag.as_ref().is_none_or(|t| *t == m.name))
                    .collect();
                crate::show::render_crypto_map(&views)
            }
            Command::DynamicMap { tag } => {
                let views: Vec<_> = self
                    .dynamic_map_views()
                    .into_iter()
                    .filter(|m| tag.as_ref().is_none_or(|t| *t == m.name))
                    .collect();
                crate::show::render_dynamic_map(&views)
            }
            Command::Session { detail } => {
                crate::show::render_crypto_session(&self.session_views(now), *detail)
            }
            Command::Debugging => self.debugging_text(),
            Command::AaaLockout => self.lockout_text(),
            _ => return None,
        };
        Some(text)
    }

    fn run(&mut self, cmd: Command, now: Instant) -> ExecOutput {
        if let Some(text) = self.render_show(&cmd, now) {
            return ExecOutput::ok(text);
        }
        match cmd {
            Command::ClearSa(scope) => {
                self.clear_crypto_sa(now, &scope);
                ExecOutput::ok("")
            }
            Command::ClearSession(peer) => {
                match peer {
                    Some(p) => self.clear_peer(now, p),
                    None => {
                        let peers: Vec<Ipv4Addr> = self
                            .engine
                            .ike_sa_rows()
                            .iter()
                            .map(|r| *r.remote.ip())
                            .chain(self.children.values().map(|c| *c.peer.ip()))
                            .collect();
                        for p in peers {
                            self.clear_peer(now, p);
                        }
                    }
                }
                ExecOutput::ok("")
            }
            Command::ClearIsakmp(id) => self.clear_isakmp(now, id),
            Command::ClearAaaLockout(user) => {
                self.clear_aaa_local_user_lockout(user.as_deref());
                ExecOutput::ok("")
            }
            Command::Debug { isakmp, on } => {
                let (flag, name) = if isakmp {
                    (&mut self.debugging.isakmp, "ISAKMP")
                } else {
                    (&mut self.debugging.ipsec, "IPSEC")
                };
                *flag = on;
                self.set_debugging(self.debugging);
                let state = if on { "on" } else { "off" };
                ExecOutput::ok(format!("Crypto {name} debugging is {state}\n"))
            }
            Command::UndebugAll => {
                self.debugging = Debugging::NONE;
                self.set_debugging(self.debugging);
                ExecOutput::ok("All possible debugging has been turned off\n")
            }
            Command::EzvpnConnect => match self.ezvpn_connect(now) {
                Ok(_) => ExecOutput::ok(""),
                Err(e) => ExecOutput::failed(format!("% {e}\n")),
            },
            Command::EzvpnXauth => match self.xauth_asked.first() {
                Some(id) => ExecOutput {
                    text: String::new(),
                    status: ExecStatus::Ok,
                    action: Some(ExecAction::XauthCredentials(*id)),
                },
                None => ExecOutput::failed("% No Xauth request is pending\n"),
            },
            Command::ConfigureReplace(file) => ExecOutput {
                text: String::new(),
                status: ExecStatus::Ok,
                action: Some(ExecAction::ConfigureReplace(file)),
            },
            // Rendered above.
            Command::IsakmpSa { .. }
            | Command::IsakmpPolicy
            | Command::IpsecSa { .. }
            | Command::TransformSet { .. }
            | Command::CryptoMap { .. }
            | Command::DynamicMap { .. }
            | Command::Session { .. }
            | Command::Debugging
            | Command::AaaLockout => ExecOutput::ok(""),
        }
    }

    /// `debug crypto isakmp|ipsec` in force.
    pub fn debugging(&self) -> Debugging {
        self.debugging
    }

    /// `debug crypto ..` in force in the engine and the policy alike.
    fn set_debugging(&mut self, d: Debugging) {
        self.engine.set_debugging(d);
        self.policy.set_debugging(d);
    }

    fn debugging_text(&self) -> String {
        let mut out = String::new();
        if self.debugging.isakmp || self.debugging.ipsec {
            out.push_str("Cryptographic Subsystem:\n");
        }
        if self.debugging.isakmp {
            out.push_str("  Crypto ISAKMP debugging is on\n");
        }
        if self.debugging.ipsec {
            out.push_str("  Crypto IPSEC debugging is on\n");
        }
        out
    }

    fn lockout_text(&self) -> String {
        // IOS prints the wall-clock lock time; a sans-IO node has only the
        // caller's clock: its hh:mm:ss.
        let mut out = format!("{:<31}{}\n", "Local-user", "Lock time");
        for (user, at) in self.aaa_local_user_lockout() {
            let t = crate::show::format_hms(at.as_millis() / 1000);
            out.push_str(&format!("{:<31}{t}\n", user.escape_debug().to_string()));
        }
        out
    }

    fn ipsec_sa_text(&self, filter: &IpsecSaFilter, detail: bool, now: Instant) -> String {
        let sas = [self.interface_sas(now)];
        if !detail {
            return crate::show::render_ipsec_sa(&sas, filter);
        }
        let errors = |f: &crate::show::FlowView| self.flow_errors(f);
        crate::show::render_ipsec_sa_detail(&sas, filter, &errors)
    }

    /// `clear crypto sa [peer A | map M]`: deletes the matching IPsec SAs,
    /// a Delete for each to its peer; IKE SAs stay.
    pub(super) fn clear_crypto_sa(&mut self, now: Instant, scope: &ClearScope) {
        self.now = now;
        let map = &self.map_name;
        let kids: Vec<ChildSaId> = self
            .children
            .values()
            .filter(|c| match scope {
                ClearScope::All => true,
                ClearScope::Peer(p) => c.peer.ip() == p,
                ClearScope::Map(m) => m == map,
            })
            .map(|c| c.child)
            .collect();
        for c in kids {
            if self.engine.delete_child_sa(now, c).is_err() {
                self.uninstall(c);
            }
        }
        self.drain(now);
    }

    /// `clear crypto isakmp [C-id]`: deletes one IKE SA (or all, complete
    /// or negotiating), a Delete to the peer of each complete one; their
    /// IPsec SAs stay.
    fn clear_isakmp(&mut self, now: Instant, id: Option<u64>) -> ExecOutput {
        self.now = now;
        let ids: Vec<IkeSaId> = self
            .engine
            .ike_sa_rows()
            .iter()
            .map(|r| r.id)
            .filter(|i| id.is_none_or(|n| u64::from(i.0) == n))
            .collect();
        if let (Some(n), true) = (id, ids.is_empty()) {
            return ExecOutput::failed(format!("% No ISAKMP SA with C-id {n}\n"));
        }
        for i in ids {
            let _ = self.engine.delete_ike_sa(now, i);
        }
        self.drain(now);
        ExecOutput::ok("")
    }
}
