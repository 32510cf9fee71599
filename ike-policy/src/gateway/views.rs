//! The exec's views beyond the three of `show.rs`: `show crypto session`,
//! `show crypto dynamic-map` and the error counters of `show crypto ipsec
//! sa detail`.

use std::collections::BTreeMap;

use ike_proto::policy::Identity;

use super::show::acl_view;
use super::*;
use crate::model::CryptoMapEntry;
use crate::show::{
    CryptoMapEntryView, CryptoMapKind, CryptoMapView, FlowErrors, FlowFlag, FlowView, SessionFlow,
    SessionIke, SessionStatus, SessionView,
};

/// A phase-1 identity as IOS prints it in `Phase1_id:`.
pub(super) fn identity_text(id: &Identity) -> String {
    match id {
        Identity::Ipv4(a) => a.to_string(),
        Identity::Fqdn(s) | Identity::UserFqdn(s) => s.clone(),
        Identity::KeyId(k) => String::from_utf8_lossy(k).into_owned(),
        Identity::Other { id_type, .. } => format!("(id type {id_type})"),
    }
}

impl Gateway {
    /// A configured entry as `show crypto map` / `dynamic-map` print it.
    pub(super) fn entry_view(
        &self,
        e: &CryptoMapEntry,
        seq_in_map: Option<u32>,
    ) -> CryptoMapEntryView {
        let lifetime = e.sa_lifetime(self.config.ipsec_sa_lifetime);
        let current_peer = seq_in_map.and_then(|seq| {
            self.children
                .values()
                .find(|c| c.map_seq == Some(seq))
                .map(|c| *c.peer.ip())
        });
        CryptoMapEntryView {
            seq: e.seq,
            kind: CryptoMapKind::IpsecIsakmp,
            dynamic_template: e.dynamic_map.clone(),
            isakmp_profile: e.isakmp_profile.clone(),
            peers: e.peers.clone(),
            access_list: e
                .match_address
                .as_deref()
                .and_then(|n| self.config.access_list(n))
                .map(acl_view),
            current_peer,
            lifetime_kilobytes: u64::from(lifetime.kilobytes),
            lifetime_secs: u64::from(lifetime.seconds),
            pfs_group: e.pfs.map(|g| g.number()),
            transform_sets: e.transform_sets.clone(),
        }
    }

    /// The snapshots of `show crypto dynamic-map`: each template, its
    /// current peer taken from the SAs of the crypto map entry that names
    /// it.
    pub fn dynamic_map_views(&self) -> Vec<CryptoMapView> {
        let parent_seq = |name: &str| {
            self.config
                .crypto_map(&self.map_name)?
                .entries
                .iter()
                .find(|e| e.dynamic_map.as_deref() == Some(name))
                .map(|e| e.seq)
        };
        self.config
            .dynamic_maps
            .iter()
            .map(|d| {
                let mut entries: Vec<_> = d.entries.iter().collect();
                entries.sort_by_key(|e| e.seq);
                CryptoMapView {
                    name: d.name.clone(),
                    entries: entries
                        .into_iter()
                        .map(|e| self.entry_view(e, parent_seq(&d.name)))
                        .collect(),
                    interfaces: Vec::new(),
                }
            })
            .collect()
    }

    /// The error counters of one flow of `show crypto ipsec sa detail`,
    /// summed over the SA pairs that carry it.
    pub(super) fn flow_errors(&self, f: &FlowView) -> FlowErrors {
        let mut e = FlowErrors::default();
        for c in self.children.values() {
            if !f.outbound_esp.iter().any(|s| s.spi == c.spi_out) {
                continue;
            }
            let Some(pair) = self.pair_state(c, self.now) else {
                continue;
            };
            {
                let k = pair.inbound;
                e.verify_failed += k.auth_failures;
                e.replay_failed += k.replay_failures;
                e.decaps_failed += k.pad_failures;
                e.invalid_len += k.invalid_length;
                e.replay_rollover_recv += k.sequence_overflows;
            }
            {
                let k = pair.outbound;
                e.replay_rollover_send += k.sequence_overflows;
                e.encaps_failed += k.send_errors;
            }
        }
        e
    }

    /// The snapshots of `show crypto session`: one per peer endpoint
    /// (address and port: two clients behind one NAT are two sessions)
    /// with an IKE SA (complete or negotiating) or an IPsec SA, in order.
    pub fn session_views(&self, now: Instant) -> Vec<SessionView> {
        let infos = self.engine.ike_sas();
        let mut peers: BTreeMap<(Ipv4Addr, u16), SessionView> = BTreeMap::new();
        let blank = |peer: Ipv4Addr, port: u16| SessionView {
            interface: self.interface.clone(),
            status: SessionStatus::Down,
            peer: (peer, port),
            phase1_id: None,
            username: None,
            ike: Vec::new(),
            flows: Vec::new(),
        };
        let mut established: Vec<(Ipv4Addr, u16)> = Vec::new();
        for row in self.engine.ike_sa_rows() {
            let peer = *row.remote.ip();
            let key = (peer, row.remote.port());
            let s = peers.entry(key).or_insert_with(|| blank(peer, key.1));
            let info = infos.iter().find(|i| i.id == row.id);
            let (state, remaining, caps) = match info {
                Some(i) => {
                    established.push(key);
                    s.phase1_id = Some(identity_text(&i.peer_identity));
                    s.username = s.username.take().or_else(|| i.xauth_user.clone());
                    let v = self.isakmp_view(i, now);
                    (
                        "Active".to_string(),
                        v.remaining_lifetime_secs,
                        v.caps.to_string().trim().to_string(),
                    )
                }
                None => (row.state.to_string(), 0, String::new()),
            };
            s.ike.push(SessionIke {
                local: (*row.local.ip(), row.local.port()),
                remote: (peer, row.remote.port()),
                state,
                conn_id: row.id.0,
                remaining_secs: remaining,
                capabilities: caps,
            });
        }
        for f in self.interface_sas(now).flows {
            if f.outbound_esp.is_empty() {
                continue;
            }
            let s = peers
                .entry((f.peer_addr, f.peer_port))
                .or_insert_with(|| blank(f.peer_addr, f.peer_port));
            let life = f
                .outbound_esp
                .last()
                .map_or((0, 0), |o| (o.remaining_kilobytes, o.remaining_secs));
            s.flows.push(SessionFlow {
                local: f.local_ident,
                remote: f.remote_ident,
                active_sas: f.inbound_esp.len() + f.outbound_esp.len(),
                origin: if f.flags.contains(&FlowFlag::OriginIsAcl) {
                    "crypto map"
                } else {
                    "dynamic crypto map"
                },
                inbound: (f.counters.decaps, f.counters.recv_errors),
                outbound: (f.counters.encaps, f.counters.send_errors),
                life,
            });
        }
        peers
            .into_iter()
            .map(|(peer, mut s)| {
                let ike_up = established.contains(&peer);
                s.status = match (ike_up, s.flows.is_empty(), s.ike.is_empty()) {
                    (true, false, _) => SessionStatus::UpActive,
                    (true, true, _) => SessionStatus::UpIdle,
                    (false, false, _) => SessionStatus::UpNoIke,
                    (false, true, false) => SessionStatus::DownNegotiating,
                    (false, true, true) => SessionStatus::Down,
                };
                s
            })
            .collect()
    }
}
