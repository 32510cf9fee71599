//! The command grammar: global commands, crypto commands and sub-modes.
//!
//! One file per part of the model: `isakmp`, `ipsec`, `ezvpn`,
//! `system`, `acl`, plus `banner` texts; this one holds the parser's
//! state, the line loop, the sub-mode dispatch and the global commands.

mod acl;
mod banner;
mod ezvpn;
mod ipsec;
mod isakmp;
mod system;
mod warn;

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::Hash;

use self::acl::acl_entry;
use self::banner::{banner_ends, banner_split, delim_name};
use self::system::aaa_list;
use crate::ios::error::{ConfigError, RefKind, one_of};
use crate::ios::lexer::{Cursor, Line, Result, Tok, parse_decimal};
use crate::ios::warning::{ConfigWarning, WarningKind};
use crate::model::*;

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
    /// `crypto ipsec profile NAME`.
    IpsecProfile(usize),
    /// Inside a block the parser does not interpret: indented lines are
    /// kept aside with it.
    Ignored,
    /// Inside a multi-line `banner`, until the delimiter comes back.
    Banner(char),
}

const KEYRING_CMDS: &[&str] = &["description", "pre-shared-key", "local-address", "exit"];
const IPSEC_PROFILE_CMDS: &[&str] = &["set", "description", "responder-only", "exit"];
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
    /// What was accepted with a reservation.
    warnings: Vec<ConfigWarning>,
    /// Column of each crypto map entry's sequence number, by map index
    /// and sequence number, for the numbering warning.
    entry_columns: HashMap<(usize, u32), usize>,
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
    ipsec_profiles: Index<String>,
    pool_groups: Index<String>,
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
            warnings: Vec::new(),
            entry_columns: HashMap::new(),
        }
    }

    pub fn parse(
        mut self,
        text: &str,
    ) -> core::result::Result<(Config, Vec<ConfigWarning>), ConfigError> {
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
        self.warn_map_numbering();
        let mut warnings = self.warnings;
        warnings.sort_by_key(|w| (w.line, w.column));
        Ok((self.cfg, warnings))
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
            Mode::IpsecProfile(_) => Some(IPSEC_PROFILE_CMDS),
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
                let warnings_before = self.warnings.len();
                let Err(err) = self.block_command(cmd, &mut c) else {
                    return Ok(());
                };
                self.warnings.truncate(warnings_before);
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
        self.warn_unknown(line);
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
            Mode::IpsecProfile(p) => self.ipsec_profile_command(p, cmd, c),
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

fn match_keyword_is(tok: &str, kw: &'static str) -> bool {
    crate::ios::lexer::match_keyword(tok, &[kw]).is_some()
}
