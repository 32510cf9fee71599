//! `crypto ipsec ...`, `crypto map` and the map entry blocks (static and
//! dynamic).

use super::isakmp::{aes_key_length, client_config_address, last_word};
use super::{Mode, Parser, WarningKind};
use crate::ios::error::RefKind;
use crate::ios::lexer::{Cursor, Result, Tok};
use crate::model::*;

pub(super) const ESP_TRANSFORMS: &[&str] = &[
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

impl Parser {
    pub(super) fn crypto_ipsec(&mut self, c: &mut Cursor<'_, '_>) -> Result<()> {
        let line_no = c.line_number();
        match c.keyword(&[
            "transform-set",
            "security-association",
            "nat-transparency",
            "client",
            "df-bit",
            "profile",
        ])? {
            "df-bit" => {
                let at = last_word(c);
                c.keyword(&["clear", "set", "copy"])?;
                c.end()?;
                self.keep_aside(c, at, DF_BIT);
            }
            "profile" => {
                let name = c.word("an IPsec profile name")?;
                c.end()?;
                let idx = self.seen.ipsec_profiles.find_or_push(
                    &mut self.cfg.ipsec_profiles,
                    name.text.to_string(),
                    || IpsecProfile::new(name.text, line_no),
                );
                self.warn(
                    c,
                    name,
                    WarningKind::NotImplemented(
                        "IPsec profiles: IOS applies them to tunnel interfaces (tunnel \
                         protection ipsec profile), which this suite does not model; the \
                         profile is read and its names checked, and nothing uses it"
                            .to_string(),
                    ),
                );
                self.mode = Mode::IpsecProfile(idx);
            }
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
                if c.keyword(&["lifetime", "replay"])? == "replay" {
                    return self.global_replay(c);
                }
                match sa_lifetime(c)? {
                    Lifetime::Seconds(n) => self.cfg.ipsec_sa_lifetime.seconds = n,
                    Lifetime::Kilobytes(n) => self.cfg.ipsec_sa_lifetime.kilobytes = n,
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

    pub(super) fn crypto_map(&mut self, c: &mut Cursor<'_, '_>) -> Result<()> {
        let line_no = c.line_number();
        let name = c.word("a crypto map name")?;
        let m = self.seen.crypto_maps.find_or_push(
            &mut self.cfg.crypto_maps,
            name.text.to_string(),
            || CryptoMap::new(name.text, line_no),
        );
        if let Some(seq) = c.opt_number(1, 65535) {
            let seq = seq as u32;
            let seq_column = c.last().map_or(1, |t| t.column);
            self.entry_columns.entry((m, seq)).or_insert(seq_column);
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

    pub(super) fn map_entry_command(
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
                    if let Some(a) = c.opt_ipv4() {
                        c.opt_keyword(&["default"]);
                        if !entry.peers.contains(&a) {
                            entry.peers.push(a);
                        }
                    } else {
                        return self.peer_hostname(entry, c);
                    }
                }
                "transform-set" => entry.transform_sets = self.transform_set_list(c)?,
                "pfs" => entry.pfs = Some(pfs_group(c)),
                "security-association" => {
                    if c.keyword(&["lifetime", "replay"])? == "replay" {
                        return self.entry_replay(c);
                    }
                    match sa_lifetime(c)? {
                        Lifetime::Seconds(n) => entry.sa_lifetime_seconds = Some(n),
                        Lifetime::Kilobytes(n) => entry.sa_lifetime_kilobytes = Some(n),
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

    /// `set peer NAME [dynamic] [default]`: IOS resolves the name (again
    /// for each negotiation with `dynamic`); a library does no I/O, so the
    /// name is kept for the embedder to resolve, with a warning.
    fn peer_hostname(&mut self, entry: &mut CryptoMapEntry, c: &mut Cursor<'_, '_>) -> Result<()> {
        const EXPECTED: &str = "an IPv4 address or a host name";
        let t = c.word(EXPECTED)?;
        if !is_host_name(t.text) {
            return Err(c.expected_at(t, EXPECTED));
        }
        c.opt_keyword(&["dynamic"]);
        c.opt_keyword(&["default"]);
        c.end()?;
        if !entry.peer_hostnames.iter().any(|h| h == t.text) {
            entry.peer_hostnames.push(t.text.to_string());
        }
        self.warn(c, t, WarningKind::PeerHostname);
        Ok(())
    }

    /// `set transform-set T1 [T2 ... T6]`, after `transform-set`.
    fn transform_set_list(&mut self, c: &mut Cursor<'_, '_>) -> Result<Vec<String>> {
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
        Ok(names)
    }

    /// `crypto ipsec security-association replay window-size [N] |
    /// disable`, after `replay`. The window works (inbound SAs get it); no
    /// anti-replay at all does not exist in esp-core, so `disable` is kept
    /// aside with a warning.
    fn global_replay(&mut self, c: &mut Cursor<'_, '_>) -> Result<()> {
        match replay_setting(c)? {
            Some(n) => self.cfg.ipsec_replay_window = Some(n),
            None => self.keep_aside(c, last_word(c), REPLAY_DISABLE),
        }
        Ok(())
    }

    /// `set security-association replay window-size [N] | disable` in a
    /// crypto map entry or an IPsec profile, after `replay`: kept aside.
    fn entry_replay(&mut self, c: &mut Cursor<'_, '_>) -> Result<()> {
        let at = c.last().unwrap_or(Tok {
            text: "",
            column: 1,
        });
        let what = match replay_setting(c)? {
            Some(_) => {
                "a per-entry anti-replay window: every SA gets the global one (crypto ipsec \
                 security-association replay window-size, 64 packets without it)"
            }
            None => REPLAY_DISABLE,
        };
        self.keep_aside(c, at, what);
        Ok(())
    }

    /// A line of a `crypto ipsec profile` block.
    pub(super) fn ipsec_profile_command(
        &mut self,
        p: usize,
        cmd: &str,
        c: &mut Cursor<'_, '_>,
    ) -> Result<()> {
        match cmd {
            "description" => {
                self.cfg.ipsec_profiles[p].description = Some(c.rest("a description")?.to_string());
                return Ok(());
            }
            "responder-only" => self.cfg.ipsec_profiles[p].responder_only = true,
            _ => match c.keyword(&[
                "transform-set",
                "pfs",
                "security-association",
                "isakmp-profile",
            ])? {
                "transform-set" => {
                    let names = self.transform_set_list(c)?;
                    self.cfg.ipsec_profiles[p].transform_sets = names;
                }
                "pfs" => self.cfg.ipsec_profiles[p].pfs = Some(pfs_group(c)),
                "security-association" => {
                    if c.keyword(&["lifetime", "replay"])? == "replay" {
                        return self.entry_replay(c);
                    }
                    let profile = &mut self.cfg.ipsec_profiles[p];
                    match sa_lifetime(c)? {
                        Lifetime::Seconds(n) => profile.sa_lifetime_seconds = Some(n),
                        Lifetime::Kilobytes(n) => profile.sa_lifetime_kilobytes = Some(n),
                    }
                }
                _ => {
                    let name = c.word("a profile name")?;
                    self.refer(c, name, RefKind::IsakmpProfile);
                    self.cfg.ipsec_profiles[p].isakmp_profile = Some(name.text.to_string());
                }
            },
        }
        c.end()
    }
}

const DF_BIT: &str = "DF bit control: the outer IP header of tunnel-mode ESP is written by \
                      the embedder's socket, not by this suite";

const REPLAY_DISABLE: &str = "disabling anti-replay: esp-core always checks sequence numbers, \
                              with the configured window (64 packets by default)";

/// An SA lifetime line's value.
enum Lifetime {
    Seconds(u32),
    Kilobytes(u32),
}

/// `seconds N | kilobytes N` after `lifetime`.
fn sa_lifetime(c: &mut Cursor<'_, '_>) -> Result<Lifetime> {
    Ok(match c.keyword(&["seconds", "kilobytes"])? {
        "seconds" => Lifetime::Seconds(c.number(120, 86400)? as u32),
        _ => Lifetime::Kilobytes(c.number(2560, 4_294_967_295)? as u32),
    })
}

/// `[groupN]` after `set pfs` (`set pfs` alone is group 1).
fn pfs_group(c: &mut Cursor<'_, '_>) -> DhGroup {
    let g = c.opt_keyword(&[
        "group1", "group2", "group5", "group14", "group15", "group16",
    ]);
    match g {
        None | Some("group1") => DhGroup::Group1,
        Some(g) => DhGroup::from_number(g[5..].parse().unwrap_or(1)).unwrap_or(DhGroup::Group1),
    }
}

/// `window-size [N] | disable` after `replay`, to the end of the line:
/// the window (IOS takes 64, 128, 256, 512 or 1024; 64 when N is left
/// out), or `None` for `disable`.
fn replay_setting(c: &mut Cursor<'_, '_>) -> Result<Option<u32>> {
    if c.keyword(&["window-size", "disable"])? == "disable" {
        c.end()?;
        return Ok(None);
    }
    let n = if c.at_end() {
        64
    } else {
        c.keyword(&["64", "128", "256", "512", "1024"])?
            .parse()
            .unwrap_or(64)
    };
    c.end()?;
    Ok(Some(n))
}

/// Whether a word can be a host name (RFC 1123 labels of letters, digits
/// and hyphens), and is not a malformed address such as `10.0.0`.
fn is_host_name(w: &str) -> bool {
    let labels_ok = w.len() <= 253
        && w.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    labels_ok && w.bytes().any(|b| b.is_ascii_alphabetic() || b == b'-')
}

/// The transforms of `crypto ipsec transform-set NAME ...`.
pub(super) fn esp_transforms(
    c: &mut Cursor<'_, '_>,
) -> Result<(Option<EspEncryption>, Option<EspIntegrity>)> {
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
