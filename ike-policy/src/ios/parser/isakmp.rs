//! `crypto isakmp ...`, `crypto keyring`, and the blocks they open:
//! keyrings, policies, client configuration groups, profiles, peers.

use std::net::Ipv4Addr;

use super::{Mode, Parser, WarningKind, match_keyword_is};
use crate::ios::error::{RefKind, one_of_or_end};
use crate::ios::lexer::{Cursor, Result, Tok};
use crate::model::*;
use crate::secret::Secret;

impl Parser {
    pub(super) fn crypto_isakmp(&mut self, c: &mut Cursor<'_, '_>) -> Result<()> {
        let line_no = c.line_number();
        match c.keyword(&[
            "policy",
            "key",
            "profile",
            "client",
            "keepalive",
            "nat",
            "identity",
            "aggressive-mode",
            "peer",
            "fragmentation",
            "invalid-spi-recovery",
            "xauth",
        ])? {
            "policy" => {
                let priority = c.number(1, 10000)? as u16;
                c.end()?;
                let idx = self.seen.isakmp_policies.find_or_push(
                    &mut self.cfg.isakmp_policies,
                    priority,
                    || IsakmpPolicy::with_defaults(priority, line_no),
                );
                self.mode = Mode::Policy(idx);
            }
            "key" => {
                let key = isakmp_key(c)?;
                self.seen.isakmp_keys.replace_or_push(
                    &mut self.cfg.isakmp_keys,
                    key.peer.clone(),
                    key,
                );
            }
            "profile" => {
                let name = c.word("a profile name")?;
                c.end()?;
                let idx = self.seen.isakmp_profiles.find_or_push(
                    &mut self.cfg.isakmp_profiles,
                    name.text.to_string(),
                    || IsakmpProfile::new(name.text, line_no),
                );
                self.mode = Mode::Profile(idx);
            }
            "client" => {
                c.keyword(&["configuration"])?;
                match c.keyword(&["group", "address-pool"])? {
                    "group" => {
                        let name = c.word("a group name")?;
                        c.end()?;
                        let idx = self.seen.client_groups.find_or_push(
                            &mut self.cfg.client_groups,
                            name.text.to_string(),
                            || ClientConfigGroup::new(name.text, line_no),
                        );
                        self.mode = Mode::Group(idx);
                    }
                    _ => {
                        c.keyword(&["local"])?;
                        let pool = c.word("a pool name")?;
                        c.end()?;
                        self.refer(c, pool, RefKind::LocalPool);
                        self.cfg.client_address_pool = Some(pool.text.to_string());
                    }
                }
            }
            "keepalive" => {
                let interval = c.number(10, 3600)? as u32;
                let retry = c.opt_number(2, 60).map_or(2, |n| n as u32);
                let mode = match c.opt_keyword(&["periodic", "on-demand"]) {
                    Some("periodic") => KeepaliveMode::Periodic,
                    _ => KeepaliveMode::OnDemand,
                };
                c.end()?;
                self.cfg.isakmp_keepalive = Some(IsakmpKeepalive {
                    interval,
                    retry,
                    mode,
                });
            }
            "nat" => {
                c.keyword(&["keepalive"])?;
                let n = c.number(5, 3600)? as u32;
                c.end()?;
                self.cfg.nat_keepalive = Some(n);
            }
            "aggressive-mode" => {
                c.keyword(&["disable"])?;
                c.end()?;
                self.cfg.isakmp_aggressive_mode_disable = true;
            }
            "fragmentation" => {
                let at = last_word(c);
                c.end()?;
                self.keep_aside(
                    c,
                    at,
                    "IKE fragmentation (Cisco's payload 132): messages are sent whole, \
                     fragments received are not reassembled",
                );
            }
            "invalid-spi-recovery" => {
                let at = last_word(c);
                c.end()?;
                self.keep_aside(
                    c,
                    at,
                    "invalid SPI recovery: ESP with an unknown SPI is dropped and counted, \
                     and no IKE SA is started to send INVALID_SPI_INFO",
                );
            }
            "xauth" => {
                let at = last_word(c);
                c.keyword(&["timeout"])?;
                c.number(5, 90)?;
                c.end()?;
                self.keep_aside(
                    c,
                    at,
                    "the Xauth timeout: the server waits for the user's credentials as long \
                     as a phase 1 may stay incomplete (the engine's half_open_timeout, 60 s \
                     by default)",
                );
            }
            "peer" => {
                let peer = match c.keyword(&["address", "hostname"])? {
                    "address" => IsakmpPeerId::Address(c.ipv4("an IPv4 address")?),
                    _ => IsakmpPeerId::Hostname(c.word("a host name")?.text.to_string()),
                };
                c.end()?;
                let idx = self.seen.isakmp_peers.find_or_push(
                    &mut self.cfg.isakmp_peers,
                    peer.clone(),
                    || IsakmpPeer::new(peer, line_no),
                );
                self.mode = Mode::IsakmpPeer(idx);
            }
            _ => {
                let id = match c.keyword(&["address", "hostname", "dn"])? {
                    "address" => IsakmpIdentity::Address,
                    "hostname" => IsakmpIdentity::Hostname,
                    _ => IsakmpIdentity::Dn,
                };
                c.end()?;
                self.cfg.isakmp_identity = Some(id);
            }
        }
        Ok(())
    }

    pub(super) fn keyring_command(
        &mut self,
        k: usize,
        cmd: &str,
        c: &mut Cursor<'_, '_>,
    ) -> Result<()> {
        let line_no = c.line_number();
        if cmd == "description" {
            self.cfg.keyrings[k].description = Some(c.rest("a description")?.to_string());
            return Ok(());
        }
        if cmd == "local-address" {
            return self.keyring_local_address(k, c);
        }
        let peer = match c.keyword(&["address", "hostname"])? {
            "address" => {
                let address = c.ipv4("an IPv4 address")?;
                let mask = match c.peek() {
                    Some(t) if t.text.parse::<Ipv4Addr>().is_ok() => {
                        let m = c.ipv4("a subnet mask")?;
                        if mask_prefix_len(m).is_none() {
                            return Err(
                                c.invalid_at(t, format!("{m} is not a contiguous subnet mask"))
                            );
                        }
                        m
                    }
                    Some(t) if match_keyword_is(t.text, "key") => Ipv4Addr::BROADCAST,
                    _ => return Err(c.expected("a subnet mask or 'key'")),
                };
                KeyPeer::Address { address, mask }
            }
            _ => KeyPeer::Hostname(c.word("a host name")?.text.to_string()),
        };
        c.keyword(&["key"])?;
        let key = key_value(c)?;
        c.end_after_secret()?;
        let entry = PresharedKey {
            peer,
            key,
            no_xauth: false,
            line: line_no,
        };
        self.seen.keyring_keys.replace_or_push(
            &mut self.cfg.keyrings[k].keys,
            (k, entry.peer.clone()),
            entry,
        );
        Ok(())
    }

    /// `local-address {A [VRF] | INTERFACE}` in a keyring: read, kept, not
    /// applied (one outside address per Gateway: every keyring serves it).
    fn keyring_local_address(&mut self, k: usize, c: &mut Cursor<'_, '_>) -> Result<()> {
        let at = last_word(c);
        let local = match c.opt_ipv4() {
            Some(a) => {
                // `local-address A VRF`: the VRF does not matter here.
                if !c.at_end() {
                    c.word("a VRF name")?;
                }
                LocalAddress::Address(a)
            }
            None => {
                LocalAddress::Interface(c.word("an IPv4 address or an interface")?.text.to_string())
            }
        };
        c.end()?;
        self.cfg.keyring_local_addresses.push(KeyringLocalAddress {
            keyring: self.cfg.keyrings[k].name.clone(),
            local,
            line: c.line_number(),
        });
        self.warn(
            c,
            at,
            WarningKind::NotImplemented(
                "a keyring's local-address: the keyring is not limited to it; a Gateway has \
                 one outside address and every keyring serves it"
                    .to_string(),
            ),
        );
        Ok(())
    }

    /// A `crypto isakmp peer` block: `set aggressive-mode password K`,
    /// `set aggressive-mode client-endpoint ipv4-address A | fqdn NAME |
    /// user-fqdn NAME`.
    pub(super) fn isakmp_peer_command(
        &mut self,
        p: usize,
        cmd: &str,
        c: &mut Cursor<'_, '_>,
    ) -> Result<()> {
        if cmd == "description" {
            c.rest("a description")?;
            return Ok(());
        }
        c.keyword(&["aggressive-mode"])?;
        match c.keyword(&["password", "client-endpoint"])? {
            "password" => {
                let key = key_value(c)?;
                c.end_after_secret()?;
                self.cfg.isakmp_peers[p].aggressive_mode_password = Some(key);
            }
            _ => {
                let endpoint = match c.keyword(&["ipv4-address", "fqdn", "user-fqdn"])? {
                    "ipv4-address" => ClientEndpoint::Ipv4(c.ipv4("an IPv4 address")?),
                    "fqdn" => ClientEndpoint::Fqdn(c.word("a host name")?.text.to_string()),
                    _ => ClientEndpoint::UserFqdn(c.word("a user FQDN")?.text.to_string()),
                };
                c.end()?;
                self.cfg.isakmp_peers[p].aggressive_mode_client_endpoint = Some(endpoint);
            }
        }
        Ok(())
    }

    pub(super) fn policy_command(
        &mut self,
        p: usize,
        cmd: &str,
        c: &mut Cursor<'_, '_>,
    ) -> Result<()> {
        let policy = &mut self.cfg.isakmp_policies[p];
        match cmd {
            "encryption" => {
                policy.encryption = match c.keyword(&["des", "3des", "aes"])? {
                    "des" => IkeEncryption::Des,
                    "3des" => IkeEncryption::TripleDes,
                    _ => IkeEncryption::Aes(aes_key_length(c)?),
                };
            }
            "hash" => {
                policy.hash = match c.keyword(&["md5", "sha", "sha256", "sha384", "sha512"])? {
                    "md5" => IkeHash::Md5,
                    "sha" => IkeHash::Sha,
                    "sha256" => IkeHash::Sha256,
                    "sha384" => IkeHash::Sha384,
                    _ => IkeHash::Sha512,
                };
            }
            "authentication" => {
                policy.authentication = match c.keyword(&["pre-share", "rsa-sig", "rsa-encr"])? {
                    "pre-share" => IkeAuthentication::PreShare,
                    "rsa-sig" => IkeAuthentication::RsaSig,
                    _ => IkeAuthentication::RsaEncr,
                };
            }
            "group" => {
                let g = c.keyword(&["1", "2", "5", "14", "15", "16"])?;
                policy.group =
                    DhGroup::from_number(g.parse().unwrap_or(1)).unwrap_or(DhGroup::Group1);
            }
            _ => {
                policy.lifetime = c.number(60, 86400)? as u32;
            }
        }
        c.end()
    }

    pub(super) fn group_command(
        &mut self,
        g: usize,
        cmd: &str,
        c: &mut Cursor<'_, '_>,
    ) -> Result<()> {
        match cmd {
            "key" => {
                let key = key_value(c)?;
                c.end_after_secret()?;
                self.cfg.client_groups[g].key = Some(key);
                return Ok(());
            }
            "dns" | "wins" => {
                let mut v = vec![c.ipv4("an IPv4 address")?];
                if let Some(b) = c.opt_ipv4() {
                    v.push(b);
                }
                let group = &mut self.cfg.client_groups[g];
                if cmd == "dns" {
                    group.dns = v;
                } else {
                    group.wins = v;
                }
            }
            "domain" => {
                self.cfg.client_groups[g].domain = Some(c.word("a domain name")?.text.to_string())
            }
            "pool" => {
                let p = c.word("a pool name")?;
                self.refer(c, p, RefKind::LocalPool);
                self.cfg.client_groups[g].pool = Some(p.text.to_string());
            }
            "acl" => {
                let a = c.word("an access list")?;
                self.refer(c, a, RefKind::AccessList);
                self.cfg.client_groups[g].acl = Some(a.text.to_string());
            }
            "netmask" => self.cfg.client_groups[g].netmask = Some(c.ipv4("a subnet mask")?),
            "save-password" => self.cfg.client_groups[g].save_password = true,
            "include-local-lan" => self.cfg.client_groups[g].include_local_lan = true,
            "pfs" => self.cfg.client_groups[g].pfs = true,
            "max-users" => self.cfg.client_groups[g].max_users = Some(c.number(1, 5000)? as u32),
            "max-logins" => self.cfg.client_groups[g].max_logins = Some(c.number(1, 10)? as u32),
            "backup-gateway" => {
                let gw = c.word("a gateway address or name")?;
                self.cfg.client_groups[g]
                    .backup_gateways
                    .push(gw.text.to_string());
            }
            "firewall" => {
                c.keyword(&["are-u-there"])?;
                self.cfg.client_groups[g].firewall_are_u_there = true;
            }
            "banner" => return self.group_banner_start(g, c),
            _ => {
                let d = c.word("a domain name")?;
                self.cfg.client_groups[g].split_dns.push(d.text.to_string());
            }
        }
        c.end()
    }

    pub(super) fn profile_command(
        &mut self,
        p: usize,
        cmd: &str,
        c: &mut Cursor<'_, '_>,
    ) -> Result<()> {
        match cmd {
            "description" => {
                self.cfg.isakmp_profiles[p].description =
                    Some(c.rest("a description")?.to_string());
            }
            "keyring" => {
                let k = c.word("a keyring name")?;
                self.refer(c, k, RefKind::Keyring);
                let profile = &mut self.cfg.isakmp_profiles[p];
                if !profile.keyrings.iter().any(|x| x == k.text) {
                    profile.keyrings.push(k.text.to_string());
                }
            }
            "match" => {
                c.keyword(&["identity"])?;
                let id = match c.keyword(&["address", "group", "host", "user"])? {
                    "address" => {
                        let address = c.ipv4("an IPv4 address")?;
                        let mask = c.opt_ipv4();
                        if c.opt_keyword(&["vrf"]).is_some() {
                            c.word("a VRF name")?;
                        }
                        MatchIdentity::Address { address, mask }
                    }
                    "group" => MatchIdentity::Group(c.word("a group name")?.text.to_string()),
                    "host" => {
                        if c.remaining() == 2 && c.opt_keyword(&["domain"]).is_some() {
                            MatchIdentity::HostDomain(c.word("a domain name")?.text.to_string())
                        } else {
                            MatchIdentity::Host(c.word("a host name")?.text.to_string())
                        }
                    }
                    _ => {
                        if c.remaining() == 2 && c.opt_keyword(&["domain"]).is_some() {
                            MatchIdentity::UserDomain(c.word("a domain name")?.text.to_string())
                        } else {
                            MatchIdentity::User(c.word("a user name")?.text.to_string())
                        }
                    }
                };
                let profile = &mut self.cfg.isakmp_profiles[p];
                if !profile.match_identities.contains(&id) {
                    profile.match_identities.push(id);
                }
            }
            "client" => match c.keyword(&["authentication", "configuration"])? {
                "authentication" => {
                    c.keyword(&["list"])?;
                    let l = c.word("an AAA list name")?;
                    self.refer(c, l, RefKind::AuthenticationList);
                    self.cfg.isakmp_profiles[p].client_authentication_list =
                        Some(l.text.to_string());
                }
                _ => match c.keyword(&["address", "group"])? {
                    "address" => {
                        let a = client_config_address(c)?;
                        self.cfg.isakmp_profiles[p].client_configuration_address = Some(a);
                    }
                    _ => {
                        let g = c.word("a group name")?;
                        self.refer(c, g, RefKind::ClientGroup);
                        self.cfg.isakmp_profiles[p].client_configuration_group =
                            Some(g.text.to_string());
                    }
                },
            },
            "isakmp" => {
                c.keyword(&["authorization"])?;
                c.keyword(&["list"])?;
                let l = c.word("an AAA list name")?;
                self.refer(c, l, RefKind::AuthorizationList);
                self.cfg.isakmp_profiles[p].isakmp_authorization_list = Some(l.text.to_string());
            }
            "keepalive" => {
                let interval = c.number(10, 3600)? as u32;
                c.keyword(&["retry"])?;
                let retry = c.number(2, 60)? as u32;
                self.cfg.isakmp_profiles[p].keepalive = Some(ProfileKeepalive { interval, retry });
            }
            "self-identity" => {
                let id = match c.keyword(&["address", "fqdn"])? {
                    "address" => SelfIdentity::Address,
                    _ => SelfIdentity::Fqdn,
                };
                self.cfg.isakmp_profiles[p].self_identity = Some(id);
            }
            "initiate" => {
                c.keyword(&["mode"])?;
                c.keyword(&["aggressive"])?;
                self.cfg.isakmp_profiles[p].initiate_aggressive = true;
            }
            _ => {
                let i = c.word("an interface name")?;
                self.cfg.isakmp_profiles[p].local_address = Some(i.text.to_string());
            }
        }
        c.end()
    }
}

/// `key [0|6] K` after the `key` keyword: the key itself.
pub(super) fn key_value(c: &mut Cursor<'_, '_>) -> Result<Secret> {
    if c.remaining() >= 2 {
        if let Some(t) = c.peek() {
            match t.text {
                "0" => c.advance(),
                "6" => {
                    return Err(c.invalid_at(
                        t,
                        "type 6 keys need the router's master key; write the key in clear (type 0)",
                    ));
                }
                _ => {}
            }
        }
    }
    Ok(Secret::from(c.secret_word("a key")?.text))
}

/// `crypto isakmp key [0|6] K address A [M] [no-xauth]` or
/// `crypto isakmp key [0|6] K hostname H [no-xauth]`, after `key`.
pub(super) fn isakmp_key(c: &mut Cursor<'_, '_>) -> Result<PresharedKey> {
    let line = c.line_number();
    // An encryption type is a lone 0 or 6 followed by the key and then the
    // address/hostname keyword.
    if let (Some(t), Some(_), Some(kw)) = (c.peek(), c.peek_at(1), c.peek_at(2)) {
        let kw_follows =
            crate::ios::lexer::match_keyword(kw.text, &["address", "hostname"]).is_some();
        if kw_follows && t.text == "0" {
            c.advance();
        } else if kw_follows && t.text == "6" {
            return Err(c.invalid_at(
                t,
                "type 6 keys need the router's master key; write the key in clear (type 0)",
            ));
        }
    }
    let key = Secret::from(c.secret_word("a key")?.text);
    let peer = match c.keyword(&["address", "hostname"])? {
        "address" => {
            let address = c.ipv4("an IPv4 address")?;
            let mask_tok = c.peek();
            let mask = match c.opt_ipv4() {
                Some(m) => {
                    if mask_prefix_len(m).is_none() {
                        if let Some(t) = mask_tok {
                            return Err(
                                c.invalid_at(t, format!("{m} is not a contiguous subnet mask"))
                            );
                        }
                    }
                    m
                }
                None => Ipv4Addr::BROADCAST,
            };
            KeyPeer::Address { address, mask }
        }
        _ => KeyPeer::Hostname(c.word("a host name")?.text.to_string()),
    };
    let no_xauth = c.opt_keyword(&["no-xauth"]).is_some();
    if !c.at_end() {
        return Err(c.expected(if no_xauth {
            "end of line".to_string()
        } else {
            one_of_or_end(&["no-xauth"])
        }));
    }
    Ok(PresharedKey {
        peer,
        key,
        no_xauth,
        line,
    })
}

/// `[128|192|256]` after `aes`, `esp-aes` or `esp-gcm`.
pub(super) fn aes_key_length(c: &mut Cursor<'_, '_>) -> Result<AesKeyLength> {
    Ok(match c.opt_keyword(&["128", "192", "256"]) {
        None | Some("128") => AesKeyLength::Aes128,
        Some("192") => AesKeyLength::Aes192,
        Some(_) => AesKeyLength::Aes256,
    })
}

pub(super) fn client_config_address(c: &mut Cursor<'_, '_>) -> Result<ClientConfigAddress> {
    Ok(match c.keyword(&["respond", "initiate"])? {
        "respond" => ClientConfigAddress::Respond,
        _ => ClientConfigAddress::Initiate,
    })
}

/// The keyword just read (where a warning about the command points).
pub(super) fn last_word<'a>(c: &Cursor<'_, 'a>) -> Tok<'a> {
    c.last().unwrap_or(Tok {
        text: "",
        column: 1,
    })
}
