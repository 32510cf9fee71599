//! `crypto ipsec ...`, `crypto map` and the map entry blocks (static and
//! dynamic).

use super::isakmp::{aes_key_length, client_config_address};
use super::{Mode, Parser};
use crate::ios::error::RefKind;
use crate::ios::lexer::{Cursor, Result};
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
