//! The command grammar: global commands, crypto commands and sub-modes.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::Hash;
use std::net::Ipv4Addr;

use crate::ios::error::{ConfigError, Found, RefKind, one_of, one_of_or_end};
use crate::ios::lexer::{Cursor, Line, Result, Tok, parse_decimal};
use crate::model::*;
use crate::secret::Secret;
use crate::type7;

/// Where the parser is: at the top, or inside a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Global,
    Keyring(usize),
    Policy(usize),
    Group(usize),
    Profile(usize),
    TransformSet(usize),
    MapEntry(usize, usize),
    DynamicEntry(usize, usize),
    Interface(usize),
    NamedAcl(usize),
    Ezvpn(usize),
    /// `crypto isakmp peer ...`.
    IsakmpPeer(usize),
    /// Inside a block the parser does not interpret: indented lines are
    /// kept aside with it.
    Ignored,
    /// Inside a multi-line `banner`, until the delimiter comes back.
    Banner(char),
}

const KEYRING_CMDS: &[&str] = &["description", "pre-shared-key", "exit"];
const POLICY_CMDS: &[&str] = &[
    "encryption",
    "hash",
    "authentication",
    "group",
    "lifetime",
    "exit",
];
const GROUP_CMDS: &[&str] = &[
    "key",
    "dns",
    "wins",
    "domain",
    "pool",
    "acl",
    "netmask",
    "save-password",
    "include-local-lan",
    "pfs",
    "max-users",
    "max-logins",
    "backup-gateway",
    "split-dns",
    "banner",
    "firewall",
    "exit",
];
const PROFILE_CMDS: &[&str] = &[
    "description",
    "keyring",
    "match",
    "client",
    "isakmp",
    "keepalive",
    "self-identity",
    "initiate",
    "local-address",
    "exit",
];
const TRANSFORM_SET_CMDS: &[&str] = &["mode", "exit"];
const ISAKMP_PEER_CMDS: &[&str] = &["set", "description", "exit"];
const MAP_ENTRY_CMDS: &[&str] = &["set", "match", "description", "reverse-route", "exit"];
const NAMED_ACL_CMDS: &[&str] = &["permit", "deny", "remark", "exit"];
const EZVPN_CMDS: &[&str] = &[
    "connect", "group", "mode", "peer", "username", "xauth", "exit",
];

const ESP_TRANSFORMS: &[&str] = &[
    "esp-des",
    "esp-3des",
    "esp-aes",
    "esp-gcm",
    "esp-null",
    "esp-md5-hmac",
    "esp-sha-hmac",
    "esp-sha256-hmac",
    "esp-sha384-hmac",
    "esp-sha512-hmac",
];

/// A name a command refers to, checked once the whole text is read.
struct Reference {
    line: usize,
    column: usize,
    kind: RefKind,
    name: String,
}

pub(crate) struct Parser {
    cfg: Config,
    mode: Mode,
    refs: Vec<Reference>,
    seen: Seen,
    /// A client group's `banner c` block being read.
    group_banner: Option<GroupBanner>,
}

/// A client configuration group's multi-line `banner`: kept, not ignored.
struct GroupBanner {
    group: usize,
    delim: char,
    /// Line and column of the opening delimiter, for an unclosed block.
    line: usize,
    column: usize,
    lines: Vec<String>,
}

/// Where each deduplicated object of the configuration sits in its list,
/// by the key IOS identifies it by, so a re-entered line finds its object
/// without scanning every earlier one (a 10000-peer keyring would otherwise
/// parse in quadratic time). Lives only as long as the parse.
#[derive(Default)]
struct Seen {
    authentication_lists: Index<String>,
    authorization_lists: Index<String>,
    keyrings: Index<String>,
    /// By keyring index and peer.
    keyring_keys: Index<(usize, KeyPeer)>,
    dynamic_maps: Index<String>,
    /// By dynamic map index and sequence number.
    dynamic_entries: Index<(usize, u32)>,
    isakmp_policies: Index<u16>,
    isakmp_keys: Index<KeyPeer>,
    isakmp_profiles: Index<String>,
    client_groups: Index<String>,
    transform_sets: Index<String>,
    crypto_maps: Index<String>,
    /// By crypto map index and sequence number.
    map_entries: Index<(usize, u32)>,
    interfaces: Index<String>,
    isakmp_peers: Index<IsakmpPeerId>,
    ezvpn_clients: Index<String>,
    users: Index<String>,
    local_pools: Index<String>,
    access_lists: Index<String>,
}

/// Positions in one list by dedup key. Only ever used together with the
/// one list it indexes, which the parse only appends to.
struct Index<K>(HashMap<K, usize>);

impl<K> Default for Index<K> {
    fn default() -> Self {
        Self(HashMap::new())
    }
}

impl<K: Hash + Eq> Index<K> {
    /// Index of the element keyed `key`, pushing `make()` if none.
    fn find_or_push<T>(&mut self, v: &mut Vec<T>, key: K, make: impl FnOnce() -> T) -> usize {
        *self.0.entry(key).or_insert_with(|| {
            v.push(make());
            v.len() - 1
        })
    }

    /// Replaces the element keyed `key` (IOS keeps the last entry for the
    /// same object, in its first position), or appends.
    fn replace_or_push<T>(&mut self, v: &mut Vec<T>, key: K, item: T) {
        match self.0.entry(key) {
            Entry::Occupied(e) => {
                if let Some(slot) = v.get_mut(*e.get()) {
                    *slot = item;
                }
            }
            Entry::Vacant(e) => {
                e.insert(v.len());
                v.push(item);
            }
        }
    }
}

impl Parser {
    pub fn new() -> Self {
        Self {
            cfg: Config::default(),
            mode: Mode::Global,
            refs: Vec::new(),
            seen: Seen::default(),
            group_banner: None,
        }
    }

    pub fn parse(mut self, text: &str) -> core::result::Result<Config, ConfigError> {
        for (i, raw) in text.lines().enumerate() {
            let line = Line::new(i + 1, raw);
            if let Some(b) = self.group_banner.as_mut() {
                match banner_split(line.text, b.delim) {
                    Some(before) => {
                        if !before.is_empty() {
                            b.lines.push(before.to_string());
                        }
                        let g = b.group;
                        self.close_group_banner();
                        self.mode = Mode::Group(g);
                    }
                    None => b.lines.push(line.text.to_string()),
                }
                continue;
            }
            if let Mode::Banner(delim) = self.mode {
                self.ignore(&line);
                if banner_ends(line.text, delim) {
                    self.mode = Mode::Global;
                }
                continue;
            }
            if line.is_comment() {
                continue;
            }
            self.line(&line)?;
        }
        if let Some(b) = &self.group_banner {
            return Err(ConfigError::Invalid {
                line: b.line,
                column: b.column,
                message: format!("banner not closed by '{}'", delim_name(b.delim)),
            });
        }
        self.validate()?;
        Ok(self.cfg)
    }

    fn ignore(&mut self, line: &Line<'_>) {
        self.cfg.ignored.push(IgnoredLine {
            line: line.number,
            text: line.text.to_string(),
        });
    }

    fn refer(&mut self, c: &Cursor<'_, '_>, tok: Tok<'_>, kind: RefKind) {
        self.refs.push(Reference {
            line: c.line_number(),
            column: tok.column,
            kind,
            name: tok.text.to_string(),
        });
    }

    /// One non-comment line: first as a command of the current block, then
    /// (the block ends) as a global command.
    fn line(&mut self, line: &Line<'_>) -> Result<()> {
        let mut c = Cursor::new(line);
        let block_cmds: Option<&'static [&'static str]> = match self.mode {
            Mode::Keyring(_) => Some(KEYRING_CMDS),
            Mode::Policy(_) => Some(POLICY_CMDS),
            Mode::Group(_) => Some(GROUP_CMDS),
            Mode::Profile(_) => Some(PROFILE_CMDS),
            Mode::TransformSet(_) => Some(TRANSFORM_SET_CMDS),
            Mode::MapEntry(..) | Mode::DynamicEntry(..) => Some(MAP_ENTRY_CMDS),
            Mode::NamedAcl(_) => Some(NAMED_ACL_CMDS),
            Mode::Ezvpn(_) => Some(EZVPN_CMDS),
            Mode::IsakmpPeer(_) => Some(ISAKMP_PEER_CMDS),
            _ => None,
        };
        if let Some(cmds) = block_cmds {
            // `10 permit ...`: a named ACL line may carry a sequence number.
            if matches!(self.mode, Mode::NamedAcl(_))
                && c.peek().is_some_and(|t| parse_decimal(t.text).is_some())
            {
                c.advance();
            }
            if let Some(cmd) = c.opt_keyword(cmds) {
                if cmd == "exit" {
                    c.end()?;
                    self.mode = Mode::Global;
                    return Ok(());
                }
                let refs_before = self.refs.len();
                let Err(err) = self.block_command(cmd, &mut c) else {
                    return Ok(());
                };
                // As in IOS, a line that fails in the block is tried in the
                // global mode before it is an error; only for unindented
                // lines, since indentation says the line meant the block.
                if !line.indented {
                    let saved = self.mode;
                    self.mode = Mode::Global;
                    if self.global(line, &mut Cursor::new(line))? {
                        self.refs.truncate(refs_before);
                        return Ok(());
                    }
                    self.mode = saved;
                }
                return Err(err);
            }
        }
        // What to say if an indented line turns out to be nothing at all.
        let block_error = block_cmds.map(|cmds| c.expected(one_of(cmds)));
        match self.mode {
            Mode::Interface(i) => {
                if self.interface_command(i, line.indented, &mut c)? {
                    return Ok(());
                }
                if line.indented {
                    self.ignore(line);
                    return Ok(());
                }
            }
            Mode::Ignored if line.indented => {
                self.ignore(line);
                return Ok(());
            }
            _ => {}
        }
        self.mode = Mode::Global;
        let mut c = Cursor::new(line);
        if self.global(line, &mut c)? {
            return Ok(());
        }
        if let (Some(err), true) = (block_error, line.indented) {
            // An indented line inside a crypto block that is neither a
            // command of the block nor a global command: a typo, not
            // something to keep aside.
            return Err(err);
        }
        self.ignore(line);
        self.mode = Mode::Ignored;
        Ok(())
    }

    fn block_command(&mut self, cmd: &'static str, c: &mut Cursor<'_, '_>) -> Result<()> {
        match self.mode {
            Mode::Keyring(k) => self.keyring_command(k, cmd, c),
            Mode::Policy(p) => self.policy_command(p, cmd, c),
            Mode::Group(g) => self.group_command(g, cmd, c),
            Mode::Profile(p) => self.profile_command(p, cmd, c),
            Mode::Ezvpn(e) => self.ezvpn_command(e, cmd, c),
            Mode::IsakmpPeer(p) => self.isakmp_peer_command(p, cmd, c),
            Mode::TransformSet(t) => {
                // cmd == "mode"
                let m = c.keyword(&["tunnel", "transport"])?;
                c.end()?;
                self.cfg.transform_sets[t].mode = if m == "tunnel" {
                    EspMode::Tunnel
                } else {
                    EspMode::Transport
                };
                Ok(())
            }
            Mode::MapEntry(m, e) => {
                let mut entry = std::mem::replace(
                    &mut self.cfg.crypto_maps[m].entries[e],
                    CryptoMapEntry::new(0, 0),
                );
                let r = self.map_entry_command(&mut entry, cmd, c);
                self.cfg.crypto_maps[m].entries[e] = entry;
                r
            }
            Mode::DynamicEntry(m, e) => {
                let mut entry = std::mem::replace(
                    &mut self.cfg.dynamic_maps[m].entries[e],
                    CryptoMapEntry::new(0, 0),
                );
                let r = self.map_entry_command(&mut entry, cmd, c);
                self.cfg.dynamic_maps[m].entries[e] = entry;
                r
            }
            Mode::NamedAcl(a) => {
                if cmd == "remark" {
                    return Ok(());
                }
                let action = if cmd == "permit" {
                    AclAction::Permit
                } else {
                    AclAction::Deny
                };
                let kind = self.cfg.access_lists[a].kind;
                let entry = acl_entry(action, kind, c)?;
                self.cfg.access_lists[a].entries.push(entry);
                Ok(())
            }
            _ => Ok(()),
        }
    }

    // ----------------------------------------------------------------
    // Global commands
    // ----------------------------------------------------------------

    /// Returns `Ok(false)` when the line is not a command this parser
    /// interprets (it is then kept aside).
    fn global(&mut self, line: &Line<'_>, c: &mut Cursor<'_, '_>) -> Result<bool> {
        let first = line.word(0).unwrap_or_default();
        let second = line.word(1).unwrap_or_default();
        match first.as_str() {
            "crypto" => {
                c.advance();
                self.crypto(line, c)?;
            }
            "interface" => {
                c.advance();
                self.interface(c)?;
            }
            "hostname" => {
                c.advance();
                let name = c.word("a host name")?;
                c.end()?;
                self.cfg.hostname = Some(name.text.to_string());
            }
            "username" => {
                c.advance();
                self.username(c)?;
            }
            "access-list" => {
                c.advance();
                self.numbered_acl(c)?;
            }
            "ip" => match second.as_str() {
                "local" if line.word(2).as_deref() == Some("pool") => {
                    c.advance();
                    c.advance();
                    c.advance();
                    self.local_pool(c)?;
                }
                "route" => {
                    c.advance();
                    c.advance();
                    self.ip_route(c)?;
                }
                "access-list"
                    if matches!(line.word(2).as_deref(), Some("standard" | "extended")) =>
                {
                    c.advance();
                    c.advance();
                    self.named_acl(c)?;
                }
                _ => return Ok(false),
            },
            "aaa" => match second.as_str() {
                "new-model" => {
                    c.advance();
                    c.advance();
                    c.end()?;
                    self.cfg.aaa_new_model = true;
                }
                "authentication" if line.word(2).as_deref() == Some("login") => {
                    c.advance();
                    c.advance();
                    c.advance();
                    let list = aaa_list(
                        c,
                        &["local", "local-case", "none", "enable", "line", "group"],
                    )?;
                    self.seen.authentication_lists.replace_or_push(
                        &mut self.cfg.aaa_authentication_login,
                        list.name.clone(),
                        list,
                    );
                }
                "local" if line.word(2).as_deref() == Some("authentication") => {
                    c.advance();
                    c.advance();
                    c.advance();
                    c.keyword(&["attempts"])?;
                    c.keyword(&["max-fail"])?;
                    let n = c.number(1, 65536)? as u32;
                    c.end()?;
                    self.cfg.aaa_local_max_fail = Some(n);
                }
                "authorization" if line.word(2).as_deref() == Some("network") => {
                    c.advance();
                    c.advance();
                    c.advance();
                    let list = aaa_list(c, &["local", "none", "if-authenticated", "group"])?;
                    self.seen.authorization_lists.replace_or_push(
                        &mut self.cfg.aaa_authorization_network,
                        list.name.clone(),
                        list,
                    );
                }
                _ => return Ok(false),
            },
            "service" if second == "password-encryption" => {
                c.advance();
                c.advance();
                c.end()?;
                self.cfg.service_password_encryption = true;
            }
            "no" => match second.as_str() {
                "service" if line.word(2).as_deref() == Some("password-encryption") => {
                    c.advance();
                    c.advance();
                    c.advance();
                    c.end()?;
                    self.cfg.service_password_encryption = false;
                }
                "crypto" => {
                    c.advance();
                    c.advance();
                    self.no_crypto(line, c)?;
                }
                _ => return Ok(false),
            },
            "banner" => {
                self.ignore(line);
                self.banner(line);
            }
            "end" => {
                self.ignore(line);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn banner(&mut self, line: &Line<'_>) {
        // banner TYPE DELIM text... [DELIM]: the delimiter is the first
        // character after the type; IOS prints Ctrl-C as `^C`.
        let Some(tok) = line.tokens.get(2) else {
            return;
        };
        let (delim, len) = if tok.text.starts_with("^C") {
            (ETX, 2)
        } else {
            match tok.text.chars().next() {
                Some(ch) => (ch, ch.len_utf8()),
                None => return,
            }
        };
        let start = line.text.find(tok.text).unwrap_or(0) + len;
        if !banner_ends(line.text.get(start..).unwrap_or(""), delim) {
            self.mode = Mode::Banner(delim);
        }
    }

    fn no_crypto(&mut self, line: &Line<'_>, c: &mut Cursor<'_, '_>) -> Result<()> {
        match c.keyword(&["isakmp", "ipsec"])? {
            "isakmp" => {
                if c.opt_keyword(&["aggressive-mode"]).is_some() {
                    c.keyword(&["disable"])?;
                    c.end()?;
                    self.cfg.isakmp_aggressive_mode_disable = false;
                    return Ok(());
                }
                c.keyword(&["ccm"])?;
                c.end()?;
                self.ignore(line);
            }
            _ => {
                c.keyword(&["nat-transparency"])?;
                c.keyword(&["udp-encapsulation"])?;
                c.end()?;
                self.cfg.nat_transparency = false;
            }
        }
        Ok(())
    }

    // ----------------------------------------------------------------
    // crypto ...
    // ----------------------------------------------------------------

    fn crypto(&mut self, line: &Line<'_>, c: &mut Cursor<'_, '_>) -> Result<()> {
        match c.keyword(&[
            "keyring",
            "isakmp",
            "ipsec",
            "map",
            "dynamic-map",
            "pki",
            "ca",
            "key",
        ])? {
            "keyring" => {
                let name = c.word("a keyring name")?;
                if c.opt_keyword(&["vrf"]).is_some() {
                    c.word("a VRF name")?;
                }
                c.end()?;
                let idx = self.seen.keyrings.find_or_push(
                    &mut self.cfg.keyrings,
                    name.text.to_string(),
                    || Keyring {
                        name: name.text.to_string(),
                        description: None,
                        keys: Vec::new(),
                        line: c.line_number(),
                    },
                );
                self.mode = Mode::Keyring(idx);
            }
            "isakmp" => self.crypto_isakmp(c)?,
            "ipsec" => self.crypto_ipsec(c)?,
            "map" => self.crypto_map(c)?,
            "dynamic-map" => {
                let name = c.word("a dynamic map name")?;
                let seq = c.number(1, 65535)? as u32;
                c.end()?;
                let line_no = c.line_number();
                let m = self.seen.dynamic_maps.find_or_push(
                    &mut self.cfg.dynamic_maps,
                    name.text.to_string(),
                    || DynamicMap {
                        name: name.text.to_string(),
                        entries: Vec::new(),
                        line: line_no,
                    },
                );
                let e = self.seen.dynamic_entries.find_or_push(
                    &mut self.cfg.dynamic_maps[m].entries,
                    (m, seq),
                    || CryptoMapEntry::new(seq, line_no),
                );
                self.mode = Mode::DynamicEntry(m, e);
            }
            // Certificates and RSA keys: out of this suite's scope, kept
            // aside with their blocks.
            _ => {
                self.ignore(line);
                self.mode = Mode::Ignored;
            }
        }
        Ok(())
    }

    fn crypto_isakmp(&mut self, c: &mut Cursor<'_, '_>) -> Result<()> {
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

    fn crypto_ipsec(&mut self, c: &mut Cursor<'_, '_>) -> Result<()> {
        let line_no = c.line_number();
        match c.keyword(&[
            "transform-set",
            "security-association",
            "nat-transparency",
            "client",
        ])? {
            "client" => {
                c.keyword(&["ezvpn"])?;
                let name = c.word("an ezvpn client name")?;
                c.end()?;
                let idx = self.seen.ezvpn_clients.find_or_push(
                    &mut self.cfg.ezvpn_clients,
                    name.text.to_string(),
                    || EzvpnClient::new(name.text, line_no),
                );
                self.mode = Mode::Ezvpn(idx);
            }
            "transform-set" => {
                let name = c.word("a transform set name")?;
                let (encryption, integrity) = esp_transforms(c)?;
                let idx = self.seen.transform_sets.find_or_push(
                    &mut self.cfg.transform_sets,
                    name.text.to_string(),
                    || TransformSet {
                        name: name.text.to_string(),
                        encryption: None,
                        integrity: None,
                        mode: EspMode::Tunnel,
                        line: line_no,
                    },
                );
                let ts = &mut self.cfg.transform_sets[idx];
                ts.encryption = encryption;
                ts.integrity = integrity;
                self.mode = Mode::TransformSet(idx);
            }
            "security-association" => {
                c.keyword(&["lifetime"])?;
                match c.keyword(&["seconds", "kilobytes"])? {
                    "seconds" => self.cfg.ipsec_sa_lifetime.seconds = c.number(120, 86400)? as u32,
                    _ => {
                        self.cfg.ipsec_sa_lifetime.kilobytes = c.number(2560, 4_294_967_295)? as u32
                    }
                }
                c.end()?;
            }
            _ => {
                c.keyword(&["udp-encapsulation"])?;
                c.end()?;
                self.cfg.nat_transparency = true;
            }
        }
        Ok(())
    }

    fn crypto_map(&mut self, c: &mut Cursor<'_, '_>) -> Result<()> {
        let line_no = c.line_number();
        let name = c.word("a crypto map name")?;
        let m = self.seen.crypto_maps.find_or_push(
            &mut self.cfg.crypto_maps,
            name.text.to_string(),
            || CryptoMap::new(name.text, line_no),
        );
        if let Some(seq) = c.opt_number(1, 65535) {
            let seq = seq as u32;
            let mut dynamic = None;
            let kind_tok = c.peek();
            match c.opt_keyword(&["ipsec-isakmp", "ipsec-manual", "gdoi"]) {
                None | Some("ipsec-isakmp") => {
                    if c.opt_keyword(&["dynamic"]).is_some() {
                        let d = c.word("a dynamic map name")?;
                        self.refer(c, d, RefKind::DynamicMap);
                        dynamic = Some(d.text.to_string());
                        c.opt_keyword(&["discover"]);
                    }
                }
                Some(_) => {
                    let t = kind_tok.unwrap_or(name);
                    return Err(
                        c.invalid_at(t, "only ipsec-isakmp crypto map entries are supported")
                    );
                }
            }
            c.end()?;
            let entries = &mut self.cfg.crypto_maps[m].entries;
            let e = self
                .seen
                .map_entries
                .find_or_push(entries, (m, seq), || CryptoMapEntry::new(seq, line_no));
            if dynamic.is_some() {
                entries[e].dynamic_map = dynamic;
            }
            self.mode = Mode::MapEntry(m, e);
            return Ok(());
        }
        match c.keyword(&["client", "isakmp", "isakmp-profile", "local-address"])? {
            "client" => match c.keyword(&["authentication", "configuration"])? {
                "authentication" => {
                    c.keyword(&["list"])?;
                    let l = c.word("an AAA list name")?;
                    c.end()?;
                    self.refer(c, l, RefKind::AuthenticationList);
                    self.cfg.crypto_maps[m].client_authentication_list = Some(l.text.to_string());
                }
                _ => {
                    c.keyword(&["address"])?;
                    let a = client_config_address(c)?;
                    c.end()?;
                    self.cfg.crypto_maps[m].client_configuration_address = Some(a);
                }
            },
            "isakmp" => {
                c.keyword(&["authorization"])?;
                c.keyword(&["list"])?;
                let l = c.word("an AAA list name")?;
                c.end()?;
                self.refer(c, l, RefKind::AuthorizationList);
                self.cfg.crypto_maps[m].isakmp_authorization_list = Some(l.text.to_string());
            }
            "isakmp-profile" => {
                let p = c.word("a profile name")?;
                c.end()?;
                self.refer(c, p, RefKind::IsakmpProfile);
                self.cfg.crypto_maps[m].isakmp_profile = Some(p.text.to_string());
            }
            _ => {
                let i = c.word("an interface name")?;
                c.end()?;
                self.cfg.crypto_maps[m].local_address = Some(i.text.to_string());
            }
        }
        Ok(())
    }

    // ----------------------------------------------------------------
    // crypto blocks
    // ----------------------------------------------------------------

    fn keyring_command(&mut self, k: usize, cmd: &str, c: &mut Cursor<'_, '_>) -> Result<()> {
        let line_no = c.line_number();
        if cmd == "description" {
            self.cfg.keyrings[k].description = Some(c.rest("a description")?.to_string());
            return Ok(());
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

    /// A `crypto isakmp peer` block: `set aggressive-mode password K`,
    /// `set aggressive-mode client-endpoint ipv4-address A | fqdn NAME |
    /// user-fqdn NAME`.
    fn isakmp_peer_command(&mut self, p: usize, cmd: &str, c: &mut Cursor<'_, '_>) -> Result<()> {
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

    fn policy_command(&mut self, p: usize, cmd: &str, c: &mut Cursor<'_, '_>) -> Result<()> {
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

    fn group_command(&mut self, g: usize, cmd: &str, c: &mut Cursor<'_, '_>) -> Result<()> {
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

    /// `banner c text... c` in a client group: as IOS reads it, the first
    /// character after `banner` is the delimiter and the text runs, over
    /// as many lines as it takes, to the next one.
    fn group_banner_start(&mut self, g: usize, c: &mut Cursor<'_, '_>) -> Result<()> {
        let tok = c.word("a banner delimiter")?;
        let (delim, len) = if tok.text.starts_with("^C") {
            (ETX, 2)
        } else {
            match tok.text.chars().next() {
                Some(ch) => (ch, ch.len_utf8()),
                None => return Err(c.expected_at(tok, "a banner delimiter")),
            }
        };
        let line = c.line_number();
        let text = c.line_text();
        let after = text
            .char_indices()
            .nth(tok.column.saturating_sub(1))
            .map_or(text.len(), |(b, _)| b)
            .saturating_add(len);
        let rest = text.get(after..).unwrap_or("");
        let mut banner = GroupBanner {
            group: g,
            delim,
            line,
            column: tok.column,
            lines: Vec::new(),
        };
        match banner_split(rest, delim) {
            Some(inside) => {
                banner.lines.push(inside.to_string());
                self.group_banner = Some(banner);
                self.close_group_banner();
            }
            None => {
                if !rest.is_empty() {
                    banner.lines.push(rest.to_string());
                }
                self.group_banner = Some(banner);
                self.mode = Mode::Banner(delim);
            }
        }
        Ok(())
    }

    fn close_group_banner(&mut self) {
        if let Some(b) = self.group_banner.take() {
            if let Some(group) = self.cfg.client_groups.get_mut(b.group) {
                group.banner = Some(b.lines.join("\n"));
            }
        }
    }

    fn ezvpn_command(&mut self, e: usize, cmd: &str, c: &mut Cursor<'_, '_>) -> Result<()> {
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

    fn profile_command(&mut self, p: usize, cmd: &str, c: &mut Cursor<'_, '_>) -> Result<()> {
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

    fn map_entry_command(
        &mut self,
        entry: &mut CryptoMapEntry,
        cmd: &str,
        c: &mut Cursor<'_, '_>,
    ) -> Result<()> {
        match cmd {
            "description" => {
                entry.description = Some(c.rest("a description")?.to_string());
            }
            "reverse-route" => {
                // `reverse-route [static | remote-peer ...]`: the options
                // only shape the injected route.
                entry.reverse_route = true;
                return Ok(());
            }
            "match" => {
                c.keyword(&["address"])?;
                let a = c.word("an access list number or name")?;
                self.refer(c, a, RefKind::AccessList);
                entry.match_address = Some(a.text.to_string());
            }
            _ => match c.keyword(&[
                "peer",
                "transform-set",
                "pfs",
                "security-association",
                "isakmp-profile",
            ])? {
                "peer" => {
                    let a = c.ipv4("an IPv4 address")?;
                    c.opt_keyword(&["default"]);
                    if !entry.peers.contains(&a) {
                        entry.peers.push(a);
                    }
                }
                "transform-set" => {
                    let mut names = Vec::new();
                    while let Some(t) = c.peek() {
                        c.advance();
                        if names.len() == 6 {
                            return Err(c.invalid_at(t, "at most 6 transform sets per entry"));
                        }
                        self.refer(c, t, RefKind::TransformSet);
                        names.push(t.text.to_string());
                    }
                    if names.is_empty() {
                        return Err(c.expected("a transform set name"));
                    }
                    entry.transform_sets = names;
                }
                "pfs" => {
                    let g = c.opt_keyword(&[
                        "group1", "group2", "group5", "group14", "group15", "group16",
                    ]);
                    entry.pfs = Some(match g {
                        None | Some("group1") => DhGroup::Group1,
                        Some(g) => DhGroup::from_number(g[5..].parse().unwrap_or(1))
                            .unwrap_or(DhGroup::Group1),
                    });
                }
                "security-association" => {
                    c.keyword(&["lifetime"])?;
                    match c.keyword(&["seconds", "kilobytes"])? {
                        "seconds" => entry.sa_lifetime_seconds = Some(c.number(120, 86400)? as u32),
                        _ => {
                            entry.sa_lifetime_kilobytes =
                                Some(c.number(2560, 4_294_967_295)? as u32)
                        }
                    }
                }
                _ => {
                    let p = c.word("a profile name")?;
                    self.refer(c, p, RefKind::IsakmpProfile);
                    entry.isakmp_profile = Some(p.text.to_string());
                }
            },
        }
        c.end()
    }

    // ----------------------------------------------------------------
    // interfaces
    // ----------------------------------------------------------------

    fn interface(&mut self, c: &mut Cursor<'_, '_>) -> Result<()> {
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
    fn interface_command(
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
            ("crypto", "map") => {
                c.advance();
                c.advance();
                let m = c.word("a crypto map name")?;
                c.end()?;
                self.refer(c, m, RefKind::CryptoMap);
                self.cfg.interfaces[i].crypto_map = Some(m.text.to_string());
            }
            // Unindented, the same words open a global ezvpn block, which is
            // what they are in a configuration file.
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

    // ----------------------------------------------------------------
    // users, pools, routes, ACLs
    // ----------------------------------------------------------------

    fn username(&mut self, c: &mut Cursor<'_, '_>) -> Result<()> {
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

    fn local_pool(&mut self, c: &mut Cursor<'_, '_>) -> Result<()> {
        let line_no = c.line_number();
        let name = c.word("a pool name")?;
        let first = c.ipv4("an IPv4 address")?;
        let last_tok = c.peek();
        let last = c.opt_ipv4().unwrap_or(first);
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
        Ok(())
    }

    fn ip_route(&mut self, c: &mut Cursor<'_, '_>) -> Result<()> {
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

    fn numbered_acl(&mut self, c: &mut Cursor<'_, '_>) -> Result<()> {
        let line_no = c.line_number();
        let num_tok = c.peek();
        let n = c.number(1, 2699)?;
        let kind = match n {
            1..=99 | 1300..=1999 => AclKind::Standard,
            100..=199 | 2000..=2699 => AclKind::Extended,
            _ => {
                let t = num_tok.unwrap_or(Tok {
                    text: "",
                    column: 1,
                });
                return Err(c.expected_at(t, "an access list number (1-199, 1300-2699)"));
            }
        };
        let action = match c.keyword(&["permit", "deny", "remark"])? {
            "remark" => return Ok(()),
            "permit" => AclAction::Permit,
            _ => AclAction::Deny,
        };
        let entry = acl_entry(action, kind, c)?;
        let name = n.to_string();
        let idx =
            self.seen
                .access_lists
                .find_or_push(&mut self.cfg.access_lists, name.clone(), || AccessList {
                    name: name.clone(),
                    kind,
                    entries: Vec::new(),
                    line: line_no,
                });
        self.cfg.access_lists[idx].entries.push(entry);
        Ok(())
    }

    fn named_acl(&mut self, c: &mut Cursor<'_, '_>) -> Result<()> {
        let line_no = c.line_number();
        let kind = match c.keyword(&["standard", "extended"])? {
            "standard" => AclKind::Standard,
            _ => AclKind::Extended,
        };
        let name = c.word("an access list name")?;
        c.end()?;
        let idx = self.seen.access_lists.find_or_push(
            &mut self.cfg.access_lists,
            name.text.to_string(),
            || AccessList {
                name: name.text.to_string(),
                kind,
                entries: Vec::new(),
                line: line_no,
            },
        );
        self.mode = Mode::NamedAcl(idx);
        Ok(())
    }

    // ----------------------------------------------------------------
    // references
    // ----------------------------------------------------------------

    fn validate(&self) -> Result<()> {
        let cfg = &self.cfg;
        let mut refs: Vec<&Reference> = self.refs.iter().collect();
        refs.sort_by_key(|r| (r.line, r.column));
        for r in refs {
            let n = r.name.as_str();
            let ok = match r.kind {
                RefKind::Keyring => cfg.keyring(n).is_some(),
                RefKind::TransformSet => cfg.transform_set(n).is_some(),
                RefKind::DynamicMap => cfg.dynamic_map(n).is_some(),
                RefKind::CryptoMap => cfg.crypto_map(n).is_some_and(|m| !m.entries.is_empty()),
                RefKind::AccessList => cfg.access_list(n).is_some(),
                RefKind::IsakmpProfile => cfg.isakmp_profile(n).is_some(),
                RefKind::ClientGroup => cfg.client_group(n).is_some(),
                RefKind::LocalPool => cfg.local_pool(n).is_some(),
                RefKind::AuthenticationList => cfg.authentication_login_list(n).is_some(),
                RefKind::AuthorizationList => cfg.authorization_network_list(n).is_some(),
                RefKind::EzvpnClient => cfg.ezvpn_client(n).is_some(),
            };
            if !ok {
                return Err(ConfigError::Undefined {
                    line: r.line,
                    column: r.column,
                    kind: r.kind,
                    name: r.name.clone(),
                });
            }
        }
        Ok(())
    }
}

/// Ctrl-C, the usual banner delimiter.
const ETX: char = '\u{3}';

/// Whether a banner line holds the closing delimiter (`^C` stands for
/// Ctrl-C).
fn banner_ends(text: &str, delim: char) -> bool {
    text.contains(delim) || (delim == ETX && text.contains("^C"))
}

/// The text of a banner line before its closing delimiter, if it has one.
fn banner_split(text: &str, delim: char) -> Option<&str> {
    let at = if delim == ETX {
        match (text.find(ETX), text.find("^C")) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    } else {
        text.find(delim)
    };
    at.and_then(|i| text.get(..i))
}

/// How a delimiter is written in a message (`^C` for Ctrl-C).
fn delim_name(delim: char) -> String {
    if delim == ETX {
        "^C".to_string()
    } else {
        delim.to_string()
    }
}

fn match_keyword_is(tok: &str, kw: &'static str) -> bool {
    crate::ios::lexer::match_keyword(tok, &[kw]).is_some()
}

/// `key [0|6] K` after the `key` keyword: the key itself.
fn key_value(c: &mut Cursor<'_, '_>) -> Result<Secret> {
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
fn isakmp_key(c: &mut Cursor<'_, '_>) -> Result<PresharedKey> {
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
fn aes_key_length(c: &mut Cursor<'_, '_>) -> Result<AesKeyLength> {
    Ok(match c.opt_keyword(&["128", "192", "256"]) {
        None | Some("128") => AesKeyLength::Aes128,
        Some("192") => AesKeyLength::Aes192,
        Some(_) => AesKeyLength::Aes256,
    })
}

fn client_config_address(c: &mut Cursor<'_, '_>) -> Result<ClientConfigAddress> {
    Ok(match c.keyword(&["respond", "initiate"])? {
        "respond" => ClientConfigAddress::Respond,
        _ => ClientConfigAddress::Initiate,
    })
}

/// The transforms of `crypto ipsec transform-set NAME ...`.
fn esp_transforms(c: &mut Cursor<'_, '_>) -> Result<(Option<EspEncryption>, Option<EspIntegrity>)> {
    let mut encryption: Option<EspEncryption> = None;
    let mut integrity: Option<EspIntegrity> = None;
    if c.at_end() {
        return Err(c.expected("an ESP transform"));
    }
    while let Some(tok) = c.peek() {
        let t = c.keyword(ESP_TRANSFORMS)?;
        let enc = match t {
            "esp-des" => Some(EspEncryption::Des),
            "esp-3des" => Some(EspEncryption::TripleDes),
            "esp-aes" => Some(EspEncryption::Aes(aes_key_length(c)?)),
            "esp-gcm" => Some(EspEncryption::Gcm(aes_key_length(c)?)),
            "esp-null" => Some(EspEncryption::Null),
            _ => None,
        };
        let int = match t {
            "esp-md5-hmac" => Some(EspIntegrity::Md5Hmac),
            "esp-sha-hmac" => Some(EspIntegrity::ShaHmac),
            "esp-sha256-hmac" => Some(EspIntegrity::Sha256Hmac),
            "esp-sha384-hmac" => Some(EspIntegrity::Sha384Hmac),
            "esp-sha512-hmac" => Some(EspIntegrity::Sha512Hmac),
            _ => None,
        };
        if let Some(e) = enc {
            if encryption.is_some() {
                return Err(c.invalid_at(tok, "a transform set has at most one ESP cipher"));
            }
            encryption = Some(e);
        }
        if let Some(i) = int {
            if integrity.is_some() {
                return Err(c.invalid_at(
                    tok,
                    "a transform set has at most one ESP integrity transform",
                ));
            }
            integrity = Some(i);
        }
        if encryption.is_some_and(EspEncryption::is_combined_mode) && integrity.is_some() {
            return Err(c.invalid_at(
                tok,
                "esp-gcm authenticates by itself and takes no integrity transform",
            ));
        }
    }
    Ok((encryption, integrity))
}

/// `aaa ... LIST METHOD...` after the list type.
fn aaa_list(c: &mut Cursor<'_, '_>, methods: &[&'static str]) -> Result<AaaMethodList> {
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

const PROTOCOLS: &[(&str, u8)] = &[
    ("icmp", 1),
    ("igmp", 2),
    ("ipinip", 4),
    ("tcp", 6),
    ("udp", 17),
    ("gre", 47),
    ("esp", 50),
    ("ahp", 51),
    ("eigrp", 88),
    ("ospf", 89),
    ("nos", 94),
    ("pim", 103),
    ("pcp", 108),
];

const PORTS: &[(&str, u16)] = &[
    ("ftp-data", 20),
    ("ftp", 21),
    ("ssh", 22),
    ("telnet", 23),
    ("smtp", 25),
    ("domain", 53),
    ("bootps", 67),
    ("bootpc", 68),
    ("tftp", 69),
    ("www", 80),
    ("pop3", 110),
    ("ntp", 123),
    ("snmp", 161),
    ("snmptrap", 162),
    ("bgp", 179),
    ("isakmp", 500),
    ("syslog", 514),
    ("non500-isakmp", 4500),
];

const ICMP_TYPES: &[(&str, u8)] = &[
    ("echo-reply", 0),
    ("unreachable", 3),
    ("source-quench", 4),
    ("redirect", 5),
    ("echo", 8),
    ("time-exceeded", 11),
    ("parameter-problem", 12),
    ("timestamp-request", 13),
    ("timestamp-reply", 14),
];

fn named<T: Copy>(table: &[(&'static str, T)], tok: &str) -> Option<T> {
    table
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(tok))
        .map(|&(_, v)| v)
}

fn acl_protocol(c: &mut Cursor<'_, '_>) -> Result<AclProtocol> {
    let tok = c.peek();
    let p = tok.and_then(|t| {
        if t.text.eq_ignore_ascii_case("ip") {
            Some(AclProtocol::Ip)
        } else if let Some(n) = named(PROTOCOLS, t.text) {
            Some(AclProtocol::from_number(n))
        } else {
            parse_decimal(t.text)
                .filter(|n| *n <= 255)
                .map(|n| AclProtocol::from_number(n as u8))
        }
    });
    match p {
        Some(p) => {
            c.advance();
            Ok(p)
        }
        None => {
            Err(c.expected("a protocol ('ip', 'tcp', 'udp', 'icmp', a name or a number 0-255)"))
        }
    }
}

/// `any`, `host A`, or `A W` (`A [W]` in a standard list).
fn acl_address(c: &mut Cursor<'_, '_>, wildcard_optional: bool) -> Result<AddressWildcard> {
    if c.opt_keyword(&["any"]).is_some() {
        return Ok(AddressWildcard::any());
    }
    if c.opt_keyword(&["host"]).is_some() {
        return Ok(AddressWildcard::host(c.ipv4("an IPv4 address")?));
    }
    let a = c.ipv4("'any', 'host' or an IPv4 address")?;
    let w = if wildcard_optional {
        c.opt_ipv4().unwrap_or(Ipv4Addr::UNSPECIFIED)
    } else {
        c.ipv4("a wildcard mask")?
    };
    Ok(AddressWildcard::new(a, w))
}

fn port(c: &mut Cursor<'_, '_>) -> Result<u16> {
    let p = c.peek().and_then(|t| {
        named(PORTS, t.text).or_else(|| {
            parse_decimal(t.text)
                .filter(|n| *n <= 65535)
                .map(|n| n as u16)
        })
    });
    match p {
        Some(p) => {
            c.advance();
            Ok(p)
        }
        None => Err(c.expected("a port number or name")),
    }
}

fn port_match(c: &mut Cursor<'_, '_>) -> Result<Option<PortMatch>> {
    let Some(op) = c.opt_keyword(&["eq", "neq", "lt", "gt", "range"]) else {
        return Ok(None);
    };
    Ok(Some(match op {
        "eq" => PortMatch::Eq(port(c)?),
        "neq" => PortMatch::Neq(port(c)?),
        "lt" => PortMatch::Lt(port(c)?),
        "gt" => PortMatch::Gt(port(c)?),
        _ => {
            let lo_tok = c.peek();
            let lo = port(c)?;
            let hi = port(c)?;
            if hi < lo {
                let t = lo_tok.unwrap_or(Tok {
                    text: "",
                    column: 1,
                });
                return Err(c.invalid_at(t, format!("port range {lo}-{hi} ends before it starts")));
            }
            PortMatch::Range(lo, hi)
        }
    }))
}

/// An ACL line after `permit` / `deny`.
fn acl_entry(action: AclAction, kind: AclKind, c: &mut Cursor<'_, '_>) -> Result<AclEntry> {
    let line = c.line_number();
    let mut entry = AclEntry {
        action,
        protocol: AclProtocol::Ip,
        source: AddressWildcard::any(),
        source_port: None,
        destination: AddressWildcard::any(),
        destination_port: None,
        icmp_type: None,
        established: false,
        log: false,
        line,
    };
    if kind == AclKind::Standard {
        entry.source = acl_address(c, true)?;
    } else {
        entry.protocol = acl_protocol(c)?;
        entry.source = acl_address(c, false)?;
        if entry.protocol.has_ports() {
            entry.source_port = port_match(c)?;
        }
        entry.destination = acl_address(c, false)?;
        if entry.protocol.has_ports() {
            entry.destination_port = port_match(c)?;
        }
        if entry.protocol == AclProtocol::Icmp {
            if let Some(t) = c.peek() {
                let ty = named(ICMP_TYPES, t.text)
                    .or_else(|| parse_decimal(t.text).filter(|n| *n <= 255).map(|n| n as u8));
                if let Some(ty) = ty {
                    c.advance();
                    entry.icmp_type = Some(ty);
                    // An ICMP code may follow a numeric type.
                    c.opt_number(0, 255);
                }
            }
        }
    }
    let opts: &[&'static str] = if entry.protocol == AclProtocol::Tcp {
        &["established", "log", "log-input"]
    } else {
        &["log", "log-input"]
    };
    while !c.at_end() {
        match c.opt_keyword(opts) {
            Some("established") => entry.established = true,
            Some(_) => entry.log = true,
            None => return Err(c.expected(one_of_or_end(opts))),
        }
    }
    Ok(entry)
}
