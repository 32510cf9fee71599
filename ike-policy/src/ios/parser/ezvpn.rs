//! The `crypto ipsec client ezvpn NAME` block (Easy VPN Remote).

use super::Parser;
use super::isakmp::key_value;
use crate::ios::lexer::{Cursor, Result};
use crate::model::*;

impl Parser {
    pub(super) fn ezvpn_command(
        &mut self,
        e: usize,
        cmd: &str,
        c: &mut Cursor<'_, '_>,
    ) -> Result<()> {
        let client = &mut self.cfg.ezvpn_clients[e];
        match cmd {
            "connect" => {
                client.connect = match c.keyword(&["auto", "manual"])? {
                    "auto" => EzvpnConnect::Auto,
                    _ => EzvpnConnect::Manual,
                };
            }
            "group" => {
                let group = c.word("a group name")?;
                c.keyword(&["key"])?;
                let key = key_value(c)?;
                c.end_after_secret()?;
                client.group = Some(group.text.to_string());
                client.group_key = Some(key);
                return Ok(());
            }
            "mode" => {
                client.mode = match c.keyword(&["client", "network-extension"])? {
                    "client" => EzvpnMode::Client,
                    _ => EzvpnMode::NetworkExtension,
                };
            }
            "peer" => {
                let peer = c.ipv4("an IPv4 address")?;
                if !client.peers.contains(&peer) {
                    client.peers.push(peer);
                }
            }
            "username" => {
                let user = c.word("a user name")?;
                c.keyword(&["password"])?;
                let password = key_value(c)?;
                c.end_after_secret()?;
                client.username = Some(user.text.to_string());
                client.password = Some(password);
                return Ok(());
            }
            _ => {
                // cmd == "xauth"
                c.keyword(&["userid"])?;
                c.keyword(&["mode"])?;
                client.xauth_userid_mode =
                    match c.keyword(&["local", "interactive", "http-intercept"])? {
                        "local" => XauthUseridMode::Local,
                        "interactive" => XauthUseridMode::Interactive,
                        _ => XauthUseridMode::HttpIntercept,
                    };
            }
        }
        c.end()
    }
}
