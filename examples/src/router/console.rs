//! The operator's console: the prompt, the exec commands typed or sent
//! through the control socket, and the Xauth credentials asked for.

use std::io::Write;

use ike_policy::gateway::ExecAction;
use ike_proto::engine::IkeSaId;
use ike_proto::policy::XauthPassword;
use ike_proto::time::Instant;

use crate::io::Ask;

use super::{ConsoleXauth, ExecReply, Router};

impl Router {
    pub(super) fn print_prompt(&self) {
        self.ask(Ask::Line(format!("{}#", self.name)));
    }

    /// Asks the operator: through the terminal console, or printed before
    /// the next stdin line.
    fn ask(&self, ask: Ask) {
        match &self.console {
            Some(console) => {
                let _ = console.send(ask);
            }
            None => {
                let (Ask::Line(p) | Ask::Secret(p)) = ask;
                print!("{p}");
                let _ = std::io::stdout().flush();
            }
        }
    }

    pub(super) fn command(&mut self, line: String, now: Instant) -> bool {
        if let Some(mut asked) = self.console_xauth.take() {
            match asked.user.take() {
                None => {
                    asked.user = Some(line.trim().to_owned());
                    self.console_xauth = Some(asked);
                    self.ask(Ask::Secret("Password: ".into()));
                }
                Some(user) => {
                    let password = XauthPassword::new(line.into_bytes());
                    let (_, text) = self.xauth_credentials(now, asked.ike_sa, user, password);
                    self.print_answer(text);
                }
            }
            return false;
        }
        let line = line.trim();
        if matches!(line, "quit" | "exit" | "q") {
            return true;
        }
        match self.exec(line, now) {
            ExecReply::Done(_, mut text) => {
                if self.prompt && text.contains("% Invalid input detected") {
                    // The caret is aligned to the line as typed, after the prompt.
                    text.insert_str(0, &" ".repeat(self.name.len() + 1));
                }
                self.print_answer(text);
            }
            ExecReply::XauthCredentials(ike_sa) => {
                self.console_xauth = Some(ConsoleXauth { ike_sa, user: None });
                self.ask(Ask::Line("Username: ".into()));
            }
        }
        false
    }

    fn print_answer(&self, text: String) {
        print!("{text}");
        if self.prompt {
            self.print_prompt();
        }
    }

    /// Runs one exec line (the Gateway's IOS exec, plus `counters`) and
    /// carries out what it sent.
    pub fn exec(&mut self, line: &str, now: Instant) -> ExecReply {
        if line.trim() == "counters" {
            return ExecReply::Done(0, format!("{}\n", self.counters_line()));
        }
        let out = self.gateway.exec(line, now);
        let mut text = out.text.clone();
        let mut status = out.exit_code();
        match out.action {
            None => {}
            Some(ExecAction::ConfigureReplace(file)) => {
                let (s, t) = self.configure_replace(&file, now);
                status = s;
                text.push_str(&t);
            }
            Some(ExecAction::XauthCredentials(ike_sa)) => {
                return ExecReply::XauthCredentials(ike_sa);
            }
        }
        self.drain(now);
        ExecReply::Done(status, text)
    }

    /// The operator's answers to `crypto ipsec client ezvpn xauth`, sent to
    /// the hub that asked.
    pub fn xauth_credentials(
        &mut self,
        now: Instant,
        ike_sa: IkeSaId,
        user: String,
        password: XauthPassword,
    ) -> (u8, String) {
        let outcome = self
            .gateway
            .provide_xauth_credentials(now, ike_sa, user, password);
        self.drain(now);
        match outcome {
            Ok(()) => (0, String::new()),
            Err(e) => (1, format!("% {e}\n")),
        }
    }
}
