//! Machine-readable state for monitoring: [`Gateway::status_json`] and the
//! exec's `| json`. Written by hand (a handful of objects, numbers and
//! escaped strings) so that the library carries no serializer.

use std::fmt::Write as _;

use super::exec_parse::Command;
use super::*;

/// A JSON string literal.
fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn opt_string(s: Option<&str>) -> String {
    s.map_or_else(|| "null".into(), string)
}

/// An object from (key, already-encoded value) pairs.
fn object(fields: &[(&str, String)]) -> String {
    let body: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{}:{v}", string(k)))
        .collect();
    format!("{{{}}}", body.join(","))
}

fn array(items: Vec<String>) -> String {
    format!("[{}]", items.join(","))
}

impl Gateway {
    /// Everything a monitor polls, as one JSON object: `hostname`,
    /// `outside_address`, `interface`, `crypto_map`, `debugging`,
    /// `counters` (the [`GatewayCounters`] by field name), `isakmp_sa`
    /// (every IKE SA, negotiating ones with IOS's state name) and
    /// `ipsec_sa` (every installed pair with SPIs, selectors, counters
    /// and remaining lifetime).
    pub fn status_json(&self, now: Instant) -> String {
        object(&[
            ("hostname", opt_string(self.config.hostname.as_deref())),
            ("outside_address", string(&self.local.to_string())),
            ("interface", string(&self.interface)),
            ("crypto_map", string(&self.map_name)),
            (
                "debugging",
                object(&[
                    ("isakmp", self.debugging.isakmp.to_string()),
                    ("ipsec", self.debugging.ipsec.to_string()),
                ]),
            ),
            ("counters", self.counters_json()),
            ("isakmp_sa", self.isakmp_json(now)),
            ("ipsec_sa", self.ipsec_json(now)),
        ])
    }

    /// What `| json` prints after `cmd`: the part of the status the
    /// command shows, else all of it.
    pub(super) fn json_for(&self, cmd: &Command, now: Instant) -> String {
        let text = match cmd {
            Command::IsakmpSa { .. } => object(&[("isakmp_sa", self.isakmp_json(now))]),
            Command::IpsecSa { .. } => object(&[("ipsec_sa", self.ipsec_json(now))]),
            _ => self.status_json(now),
        };
        text + "\n"
    }

    fn counters_json(&self) -> String {
        let c = self.counters();
        let n = |v: u64| v.to_string();
        object(&[
            ("sealed", n(c.sealed)),
            ("delivered", n(c.delivered)),
            ("clear", n(c.clear)),
            ("held", n(c.held)),
            ("ike_datagrams", n(c.ike_datagrams)),
            ("nat_keepalives", n(c.nat_keepalives)),
            ("malformed", n(c.malformed)),
            ("policy_discards", n(c.policy_discards)),
            ("hold_queue_full", n(c.hold_queue_full)),
            ("negotiation_failed", n(c.negotiation_failed)),
            ("esp_rejected", n(c.esp_rejected)),
            ("selector_mismatch", n(c.selector_mismatch)),
            ("seal_failed", n(c.seal_failed)),
            ("raw_esp_refused", n(c.raw_esp_refused)),
            ("holder_probes", n(c.holder_probes)),
            ("proxy_refused_local_pool", n(c.proxy_refused_local_pool)),
            ("proxy_refused_own_network", n(c.proxy_refused_own_network)),
            ("proxy_refused_held", n(c.proxy_refused_held)),
            ("xauth_refused_backoff", n(c.xauth_refused_backoff)),
            ("xauth_refused_locked", n(c.xauth_refused_locked)),
            ("xauth_refused_max_users", n(c.xauth_refused_max_users)),
            ("xauth_refused_max_logins", n(c.xauth_refused_max_logins)),
        ])
    }

    fn isakmp_json(&self, now: Instant) -> String {
        let infos = self.engine.ike_sas();
        let rows = self.engine.ike_sa_rows();
        array(
            rows.iter()
                .map(|r| {
                    let info = infos.iter().find(|i| i.id == r.id);
                    let view = info.map(|i| self.isakmp_view(i, now));
                    object(&[
                        ("conn_id", r.id.0.to_string()),
                        ("local", string(&r.local.to_string())),
                        ("remote", string(&r.remote.to_string())),
                        ("state", string(r.state.as_str())),
                        ("established", info.is_some().to_string()),
                        (
                            "role",
                            string(if r.initiator {
                                "initiator"
                            } else {
                                "responder"
                            }),
                        ),
                        ("encr", opt_string(view.as_ref().map(|v| v.encr.as_str()))),
                        ("hash", opt_string(view.as_ref().map(|v| v.hash.as_str()))),
                        (
                            "dh_group",
                            view.as_ref()
                                .map_or_else(|| "null".into(), |v| v.dh_group.to_string()),
                        ),
                        (
                            "remaining_secs",
                            view.as_ref().map_or_else(
                                || "null".into(),
                                |v| v.remaining_lifetime_secs.to_string(),
                            ),
                        ),
                        (
                            "xauth_user",
                            opt_string(info.and_then(|i| i.xauth_user.as_deref())),
                        ),
                        (
                            "config_address",
                            opt_string(
                                info.and_then(|i| i.config_address)
                                    .map(|a| a.to_string())
                                    .as_deref(),
                            ),
                        ),
                    ])
                })
                .collect(),
        )
    }

    fn ipsec_json(&self, now: Instant) -> String {
        let ts = |t: &TrafficSelector| {
            object(&[
                ("start", string(&t.start.to_string())),
                ("end", string(&t.end.to_string())),
                ("protocol", t.protocol.to_string()),
                ("port", t.port.to_string()),
            ])
        };
        array(
            self.children
                .values()
                .map(|c| {
                    let pair = self.pair_state(c, now);
                    let (i, o) = (
                        pair.as_ref().map(|p| p.inbound),
                        pair.as_ref().map(|p| p.outbound),
                    );
                    let n = |v: Option<u64>| v.map_or_else(|| "null".into(), |v| v.to_string());
                    let remaining = pair.as_ref().map(|p| p.remaining_out);
                    object(&[
                        ("child", c.child.0.to_string()),
                        ("peer", string(&c.peer.to_string())),
                        ("spi_in", c.spi_in.to_string()),
                        ("spi_out", c.spi_out.to_string()),
                        ("udp_encapsulated", c.udp.is_some().to_string()),
                        ("local", ts(&c.selectors.local)),
                        ("remote", ts(&c.selectors.remote)),
                        ("encaps", n(o.map(|o| o.encaps))),
                        ("decaps", n(i.map(|i| i.decaps))),
                        ("auth_failures", n(i.map(|i| i.auth_failures))),
                        ("replay_failures", n(i.map(|i| i.replay_failures))),
                        ("remaining_secs", n(remaining.and_then(|r| r.seconds))),
                        (
                            "remaining_kilobytes",
                            n(remaining.and_then(|r| r.kilobytes)),
                        ),
                    ])
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_for_json() {
        let s = string("a\"b\\c\nd\u{1}é");
        let back: String = serde_json::from_str(&s).unwrap();
        assert_eq!(back, "a\"b\\c\nd\u{1}é");
        assert_eq!(opt_string(None), "null");
        let o = object(&[("k", array(vec!["1".into(), string("x")]))]);
        let v: serde_json::Value = serde_json::from_str(&o).unwrap();
        assert_eq!(v["k"][1], "x");
    }
}
