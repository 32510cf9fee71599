//! Warnings: lines kept aside with a reason, unknown global commands, and
//! crypto map numbering that IOS would break on.

use super::{Parser, WarningKind};
use crate::ios::lexer::{Cursor, Line, Tok};
use crate::ios::warning::ConfigWarning;
use crate::model::IgnoredLine;

/// First words of IOS global configuration commands that this parser keeps
/// aside without a word (they are valid IOS about things the suite does not
/// model: the seed's `version`, `service timestamps`, `line vty`,
/// `dial-peer`, `mgcp` ...). Any other first word draws a warning: it may
/// be valid IOS missing from this list, or a typo such as `interfce`.
const KNOWN_GLOBAL_WORDS: &[&str] = &[
    "aaa",
    "access-list",
    "alarm-interface",
    "alias",
    "application",
    "archive",
    "arp",
    "async-bootp",
    "autonomic",
    "banner",
    "boot",
    "boot-end-marker",
    "boot-start-marker",
    "bridge",
    "call",
    "call-home",
    "card",
    "cdp",
    "chat-script",
    "class-map",
    "clock",
    "config-register",
    "control-plane",
    "controller",
    "crypto",
    "cts",
    "default",
    "dial-peer",
    "dialer",
    "dialer-list",
    "diagnostic",
    "dot11",
    "enable",
    "end",
    "ephone",
    "ephone-dn",
    "errdisable",
    "event",
    "exception",
    "file",
    "flow",
    "frame-relay",
    "gatekeeper",
    "gateway",
    "hostname",
    "hw-module",
    "interface",
    "ip",
    "ipv6",
    "isdn",
    "kron",
    "key",
    "license",
    "line",
    "lldp",
    "logging",
    "login",
    "mac-address-table",
    "map-class",
    "memory",
    "memory-size",
    "mgcp",
    "mls",
    "monitor",
    "mpls",
    "multilink",
    "netconf",
    "no",
    "ntp",
    "object-group",
    "parameter-map",
    "parser",
    "platform",
    "policy-map",
    "port-channel",
    "power",
    "privilege",
    "process-max-time",
    "radius",
    "radius-server",
    "redundancy",
    "rmon",
    "route-map",
    "router",
    "sccp",
    "scheduler",
    "scripting",
    "secure",
    "security",
    "service",
    "snmp",
    "snmp-server",
    "spanning-tree",
    "subscriber",
    "system",
    "tacacs",
    "tacacs-server",
    "telephony-service",
    "template",
    "track",
    "username",
    "version",
    "vlan",
    "voice",
    "voice-card",
    "voice-port",
    "vpdn",
    "vpdn-group",
    "vtp",
    "webvpn",
    "x25",
    "zone",
    "zone-pair",
];

impl Parser {
    /// Records a warning about `tok` of the cursor's line.
    pub(super) fn warn(&mut self, c: &Cursor<'_, '_>, tok: Tok<'_>, kind: WarningKind) {
        self.warnings.push(ConfigWarning {
            line: c.line_number(),
            column: tok.column,
            text: c.line_text().trim().to_string(),
            kind,
        });
    }

    /// Keeps a fully read line aside (in [`crate::model::Config::ignored`])
    /// with a warning naming what is not implemented. `tok` is the word
    /// the warning points at. Called only once the line has parsed, so a
    /// malformed line is an error and leaves nothing behind.
    pub(super) fn keep_aside(&mut self, c: &Cursor<'_, '_>, tok: Tok<'_>, what: &str) {
        self.cfg.ignored.push(IgnoredLine {
            line: c.line_number(),
            text: c.line_text().to_string(),
        });
        self.warn(c, tok, WarningKind::NotImplemented(what.to_string()));
    }

    /// A line no command of this parser takes: a warning unless its first
    /// word is an IOS global command kept aside on purpose. Only the first
    /// word is shown (the rest may be a secret).
    pub(super) fn warn_unknown(&mut self, line: &Line<'_>) {
        let Some(first) = line.tokens.first() else {
            return;
        };
        if KNOWN_GLOBAL_WORDS
            .iter()
            .any(|w| w.eq_ignore_ascii_case(first.text))
        {
            return;
        }
        self.warnings.push(ConfigWarning {
            line: line.number,
            column: first.column,
            text: first.text.to_string(),
            kind: WarningKind::UnknownCommand,
        });
    }

    /// The seed: "The sequence number of the dynamic crypto map entry must
    /// be higher than all of the other static crypto map entries. If the
    /// static entries are numbered higher than the dynamic entry,
    /// connections with those peers fail." One warning per static entry
    /// numbered above a dynamic entry of its map; the resolver still tries
    /// static entries first ([`crate::resolver::crypto_map_candidates`]).
    pub(super) fn warn_map_numbering(&mut self) {
        let mut found = Vec::new();
        for (m, map) in self.cfg.crypto_maps.iter().enumerate() {
            let Some(lowest_dynamic) = map
                .entries
                .iter()
                .filter(|e| e.dynamic_map.is_some())
                .map(|e| e.seq)
                .min()
            else {
                continue;
            };
            for e in map.entries.iter().filter(|e| e.dynamic_map.is_none()) {
                if e.seq > lowest_dynamic {
                    let column = self.entry_columns.get(&(m, e.seq)).copied().unwrap_or(1);
                    found.push(ConfigWarning {
                        line: e.line,
                        column,
                        text: format!("crypto map {} {}", map.name, e.seq),
                        kind: WarningKind::StaticAfterDynamic {
                            map: map.name.clone(),
                            static_seq: e.seq,
                            dynamic_seq: lowest_dynamic,
                        },
                    });
                }
            }
        }
        self.warnings.extend(found);
    }
}
