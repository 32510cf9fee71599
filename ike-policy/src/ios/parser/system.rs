//! Interfaces, local users, address pools, static routes and AAA method
//! lists.

use super::{Mode, Parser};
use crate::ios::error::{ConfigError, Found, RefKind};
use crate::ios::lexer::{Cursor, Result};
use crate::model::*;
use crate::secret::Secret;
use crate::type7;

impl Parser {
    pub(super) fn interface(&mut self, c: &mut Cursor<'_, '_>) -> Result<()> {
        let line_no = c.line_number();
        let first = c.word("an interface name")?;
        let mut name = first.text.to_string();
        while let Some(t) = c.peek() {
            // `interface FastEthernet 0/0` is `FastEthernet0/0`; a
            // `point-to-point` or `multipoint` keyword is not part of it.
            if matches!(t.text, "point-to-point" | "multipoint") {
                break;
            }
            name.push_str(t.text);
            c.advance();
        }
        let idx = self
            .seen
            .interfaces
            .find_or_push(&mut self.cfg.interfaces, name.clone(), || {
                Interface::new(name.clone(), line_no)
            });
        self.mode = Mode::Interface(idx);
        Ok(())
    }

    /// Returns `Ok(false)` for a line that is no interface command handled
    /// here.
    pub(super) fn interface_command(
        &mut self,
        i: usize,
        indented: bool,
        c: &mut Cursor<'_, '_>,
    ) -> Result<bool> {
        let Some(first) = c.peek() else {
            return Ok(false);
        };
        let w0 = first.text.to_ascii_lowercase();
        let w1 = c
            .peek_at(1)
            .map(|t| t.text.to_ascii_lowercase())
            .unwrap_or_default();
        let w2 = c
            .peek_at(2)
            .map(|t| t.text.to_ascii_lowercase())
            .unwrap_or_default();
        match (w0.as_str(), w1.as_str()) {
            ("description", _) => {
                c.advance();
                self.cfg.interfaces[i].description = Some(c.rest("a description")?.to_string());
            }
            ("ip", "address") => {
                c.advance();
                c.advance();
                if c.opt_keyword(&["dhcp"]).is_some() {
                    // `ip address dhcp [client-id IF] [hostname H]`: options
                    // do not matter here.
                    self.cfg.interfaces[i].address = Some(InterfaceAddress::Dhcp);
                    return Ok(true);
                }
                let address = c.ipv4("an IPv4 address or 'dhcp'")?;
                let mask_tok = c.peek();
                let mask = c.ipv4("a subnet mask")?;
                if mask_prefix_len(mask).is_none() {
                    if let Some(t) = mask_tok {
                        return Err(
                            c.invalid_at(t, format!("{mask} is not a contiguous subnet mask"))
                        );
                    }
                }
                let secondary = c.opt_keyword(&["secondary"]).is_some();
                c.end()?;
                let iface = &mut self.cfg.interfaces[i];
                if secondary {
                    iface.secondary.push((address, mask));
                } else {
                    iface.address = Some(InterfaceAddress::Static { address, mask });
                }
            }
            ("no", "ip") if w2 == "address" => {
                c.advance();
                c.advance();
                c.advance();
                c.end()?;
                self.cfg.interfaces[i].address = None;
                self.cfg.interfaces[i].secondary.clear();
            }
            // `crypto map NAME` is the interface's; an unindented line
            // with more words is the global `crypto map NAME SEQ ...`.
            ("crypto", "map") if indented || c.remaining() == 3 => {
                c.advance();
                c.advance();
                let m = c.word("a crypto map name")?;
                c.end()?;
                self.refer(c, m, RefKind::CryptoMap);
                self.cfg.interfaces[i].crypto_map = Some(m.text.to_string());
            }
            // Unindented, the same words open a global ezvpn block, which is
            // what they are in a configuration file.
            // `crypto ipsec df-bit clear|set|copy` for this interface;
            // unindented, the global command of the same words.
            ("crypto", "ipsec") if w2 == "df-bit" && indented => {
                c.advance();
                c.advance();
                c.advance();
                let at = c.last().unwrap_or(first);
                c.keyword(&["clear", "set", "copy"])?;
                c.end()?;
                self.keep_aside(
                    c,
                    at,
                    "DF bit control on an interface: the outer IP header of tunnel-mode \
                     ESP is written by the embedder's socket, not by this suite",
                );
            }
            ("crypto", "ipsec") if w2 == "client" && indented => {
                c.advance();
                c.advance();
                c.advance();
                c.keyword(&["ezvpn"])?;
                let name = c.word("an ezvpn client name")?;
                let side = match c.opt_keyword(&["outside", "inside"]) {
                    Some("inside") => EzvpnSide::Inside,
                    _ => EzvpnSide::Outside,
                };
                c.end()?;
                self.refer(c, name, RefKind::EzvpnClient);
                self.cfg.interfaces[i].ezvpn = Some(InterfaceEzvpn {
                    name: name.text.to_string(),
                    side,
                });
            }
            ("no", "crypto") if w2 == "map" => {
                c.advance();
                c.advance();
                c.advance();
                self.cfg.interfaces[i].crypto_map = None;
            }
            ("shutdown", "") => self.cfg.interfaces[i].shutdown = true,
            ("no", "shutdown") => self.cfg.interfaces[i].shutdown = false,
            _ => return Ok(false),
        }
        Ok(true)
    }

    pub(super) fn username(&mut self, c: &mut Cursor<'_, '_>) -> Result<()> {
        let line_no = c.line_number();
        let name = c.word("a user name")?;
        let mut privilege = None;
        if c.opt_keyword(&["privilege"]).is_some() {
            privilege = Some(c.number(0, 15)? as u8);
        }
        let credential = match c.keyword(&["password", "secret", "nopassword"])? {
            "nopassword" => {
                c.end()?;
                Credential::NoPassword
            }
            "password" => {
                let kind = if c.remaining() >= 2 {
                    c.opt_keyword(&["0", "7"])
                } else {
                    None
                };
                if kind == Some("7") {
                    let t = c.secret_word("a type 7 password")?;
                    let plain = type7::decode(t.text).ok_or_else(|| ConfigError::Syntax {
                        line: line_no,
                        column: t.column,
                        expected: String::from("a type 7 encoded password"),
                        found: Found::Secret,
                    })?;
                    c.end_after_secret()?;
                    Credential::Password {
                        plain,
                        encoding: PasswordEncoding::Type7,
                    }
                } else {
                    let t = c.secret_word("a password")?;
                    c.end_after_secret()?;
                    Credential::Password {
                        plain: Secret::from(t.text),
                        encoding: PasswordEncoding::Clear,
                    }
                }
            }
            _ => {
                let kind = if c.remaining() >= 2 {
                    c.opt_keyword(&["0", "4", "5", "8", "9"])
                } else {
                    None
                };
                let t = c.secret_word("a secret")?;
                c.end_after_secret()?;
                match kind {
                    None | Some("0") => Credential::Password {
                        plain: Secret::from(t.text),
                        encoding: PasswordEncoding::Clear,
                    },
                    Some(k) => Credential::Hashed {
                        kind: k.parse().unwrap_or(5),
                        hash: Secret::from(t.text),
                    },
                }
            }
        };
        let user = User {
            name: name.text.to_string(),
            privilege,
            credential,
            line: line_no,
        };
        self.seen
            .users
            .replace_or_push(&mut self.cfg.users, user.name.clone(), user);
        Ok(())
    }

    pub(super) fn local_pool(&mut self, c: &mut Cursor<'_, '_>) -> Result<()> {
        let line_no = c.line_number();
        let name = c.word("a pool name")?;
        let first = c.ipv4("an IPv4 address")?;
        let last_tok = c.peek();
        let last = c.opt_ipv4().unwrap_or(first);
        // `[group G] [cache-size N] [recycle delay S]`: a group lets pools
        // of different groups overlap on IOS; the others tune IOS's
        // allocator and do not change which addresses are handed out.
        let mut group = None;
        while let Some(option) = c.opt_keyword(&["group", "cache-size", "recycle"]) {
            match option {
                "group" => group = Some(c.word("a pool group name")?),
                "cache-size" => {
                    c.number(0, 65535)?;
                }
                _ => {
                    c.keyword(&["delay"])?;
                    c.number(0, 3600)?;
                }
            }
        }
        c.end()?;
        if u32::from(last) < u32::from(first) {
            let t = last_tok.unwrap_or(name);
            return Err(c.invalid_at(
                t,
                format!("pool range ends at {last}, before it starts at {first}"),
            ));
        }
        let idx = self.seen.local_pools.find_or_push(
            &mut self.cfg.local_pools,
            name.text.to_string(),
            || LocalPool {
                name: name.text.to_string(),
                ranges: Vec::new(),
                line: line_no,
            },
        );
        self.cfg.local_pools[idx]
            .ranges
            .push(PoolRange { first, last });
        if let Some(g) = group {
            let gi = self.seen.pool_groups.find_or_push(
                &mut self.cfg.pool_groups,
                g.text.to_string(),
                || PoolGroup {
                    name: g.text.to_string(),
                    pools: Vec::new(),
                    line: line_no,
                },
            );
            let pools = &mut self.cfg.pool_groups[gi].pools;
            if !pools.iter().any(|p| p == name.text) {
                pools.push(name.text.to_string());
            }
        }
        Ok(())
    }

    pub(super) fn ip_route(&mut self, c: &mut Cursor<'_, '_>) -> Result<()> {
        let line_no = c.line_number();
        let prefix = c.ipv4("an IPv4 prefix")?;
        let mask = c.ipv4("a subnet mask")?;
        let mut next_hop = c.opt_ipv4();
        let mut interface = None;
        if next_hop.is_none() {
            interface = Some(
                c.word("a next hop address or an interface")?
                    .text
                    .to_string(),
            );
            next_hop = c.opt_ipv4();
        }
        let distance = c.opt_number(1, 255).map(|d| d as u8);
        // Further options (name, tag, permanent, track) do not matter here.
        self.cfg.ip_routes.push(IpRoute {
            prefix,
            mask,
            next_hop,
            interface,
            distance,
            line: line_no,
        });
        Ok(())
    }
}

/// `aaa ... LIST METHOD...` after the list type.
pub(super) fn aaa_list(c: &mut Cursor<'_, '_>, methods: &[&'static str]) -> Result<AaaMethodList> {
    let line = c.line_number();
    let name = c.word("a list name or 'default'")?;
    let mut v = Vec::new();
    loop {
        if c.at_end() && !v.is_empty() {
            break;
        }
        let m = match c.keyword(methods)? {
            "local" => AaaMethod::Local,
            "local-case" => AaaMethod::LocalCase,
            "none" => AaaMethod::None,
            "enable" => AaaMethod::Enable,
            "line" => AaaMethod::Line,
            "if-authenticated" => AaaMethod::IfAuthenticated,
            _ => AaaMethod::Group(c.word("a server group name")?.text.to_string()),
        };
        v.push(m);
    }
    Ok(AaaMethodList {
        name: name.text.to_string(),
        methods: v,
        line,
    })
}
