//! The Gateway's `show` commands: IOS command text parsed (abbreviations
//! included), ike-policy's show snapshots filled from live state, rendered
//! by [`crate::show`].

use std::net::Ipv4Addr;

use ike_proto::engine::IkeSaInfo;
use ike_proto::policy::{
    AuthMethod, EspCipher, EspIntegrity, HashAlg, Phase1Cipher, TrafficSelector,
};

use super::{Gateway, GatewayError, Installed, Instant};
use crate::model::{AccessList, AclProtocol, AddressWildcard, PortMatch};
use crate::show::{
    AccessListView, AclAddress, AclEntryView, AclPort, Capabilities, CryptoMapView,
    EncapsulationMode, EspSaView, FlowCounters, FlowFlag, FlowView, InterfaceSas, IsakmpAuth,
    IsakmpRole, IsakmpSaStatus, IsakmpSaView, IsakmpState, ProxyIdent,
};

fn encr_name(c: Phase1Cipher) -> String {
    match c {
        Phase1Cipher::Des => "des".into(),
        Phase1Cipher::TripleDes => "3des".into(),
        Phase1Cipher::Aes128 => "aes".into(),
        Phase1Cipher::Aes192 => "aes192".into(),
        Phase1Cipher::Aes256 => "aes256".into(),
    }
}

fn hash_name(h: HashAlg) -> &'static str {
    match h {
        HashAlg::Md5 => "md5",
        HashAlg::Sha1 => "sha",
        HashAlg::Sha2_256 => "sha256",
        HashAlg::Sha2_384 => "sha384",
        HashAlg::Sha2_512 => "sha512",
    }
}

fn transforms(cipher: EspCipher, integrity: Option<EspIntegrity>) -> Vec<String> {
    use ike_proto::engine::ios_ipsec::{cipher_name, integrity_name};
    let mut v = vec![cipher_name(cipher)];
    v.extend(integrity.map(|i| integrity_name(i).to_owned()));
    v
}

fn iv_size(cipher: EspCipher) -> u8 {
    match cipher {
        EspCipher::Des | EspCipher::TripleDes | EspCipher::AesGcm16 { .. } => 8,
        EspCipher::AesCbc { .. } => 16,
        EspCipher::Null => 0,
    }
}

fn ident(ts: &TrafficSelector) -> ProxyIdent {
    let (addr, mask) = ts
        .as_subnet()
        .unwrap_or((ts.start, Ipv4Addr::new(255, 255, 255, 255)));
    ProxyIdent {
        addr,
        mask,
        protocol: ts.protocol,
        port: ts.port,
    }
}

fn acl_address(a: &AddressWildcard) -> AclAddress {
    if a.is_any() {
        AclAddress::Any
    } else if a.wildcard.is_unspecified() {
        AclAddress::Host(a.address)
    } else {
        AclAddress::Wildcard(a.address, a.wildcard)
    }
}

fn acl_port(p: Option<PortMatch>) -> AclPort {
    match p {
        None => AclPort::Any,
        Some(PortMatch::Eq(p)) => AclPort::Eq(p),
        Some(PortMatch::Neq(p)) => AclPort::Neq(p),
        Some(PortMatch::Lt(p)) => AclPort::Lt(p),
        Some(PortMatch::Gt(p)) => AclPort::Gt(p),
        Some(PortMatch::Range(a, b)) => AclPort::Range(a, b),
    }
}

pub(super) fn acl_view(acl: &AccessList) -> AccessListView {
    AccessListView {
        name: acl.name.clone(),
        entries: acl
            .entries
            .iter()
            .map(|e| AclEntryView {
                action: match e.action {
                    crate::model::AclAction::Permit => crate::show::AclAction::Permit,
                    crate::model::AclAction::Deny => crate::show::AclAction::Deny,
                },
                protocol: match e.protocol {
                    AclProtocol::Ip => 0,
                    p => p.number().unwrap_or(0),
                },
                source: acl_address(&e.source),
                source_port: acl_port(e.source_port),
                destination: acl_address(&e.destination),
                destination_port: acl_port(e.destination_port),
            })
            .collect(),
    }
}

impl Gateway {
    /// Runs an IOS show command on live state: any show command of
    /// [`Gateway::exec`] (`show crypto isakmp sa [detail]`, `show crypto
    /// ipsec sa [peer A | map M | interface I]`, `show crypto map [tag
    /// M]`, `show aaa local user lockout` ...), each word abbreviable
    /// (`sh cry isa sa`, `sh cry ips sa`), without a pipe.
    ///
    /// # Errors
    /// [`GatewayError::UnknownCommand`]: not a show command, or not one
    /// the exec takes.
    pub fn show(&self, command: &str, now: Instant) -> Result<String, GatewayError> {
        match super::exec_parse::parse(command) {
            Ok(Some((cmd, super::exec_parse::Pipe::None))) => self
                .render_show(&cmd, now)
                .ok_or_else(|| GatewayError::UnknownCommand(command.to_string())),
            _ => Err(GatewayError::UnknownCommand(command.to_string())),
        }
    }

    /// The snapshots of `show crypto isakmp sa`: the established IKE SAs.
    pub fn isakmp_views(&self, now: Instant) -> Vec<IsakmpSaView> {
        self.engine
            .ike_sas()
            .iter()
            .map(|i| self.isakmp_view(i, now))
            .collect()
    }

    /// `show crypto isakmp sa`'s rows: the complete IKE SAs and, as IOS
    /// lists them, the negotiations in progress under their state
    /// (`MM_NO_STATE`, `MM_SA_SETUP`, `MM_KEY_EXCH`, `AG_INIT_EXCH` ...),
    /// in conn-id order. A negotiation has agreed no suite the view could
    /// name yet, so its suite columns are empty; `detail` lists the
    /// complete ones only ([`Gateway::isakmp_views`]).
    pub fn isakmp_rows(&self, now: Instant) -> Vec<IsakmpSaView> {
        let mut views = self.isakmp_views(now);
        for row in self.engine.ike_sa_rows() {
            if views.iter().any(|v| v.conn_id == row.id.0) {
                continue;
            }
            views.push(IsakmpSaView {
                conn_id: row.id.0,
                local: *row.local.ip(),
                remote: *row.remote.ip(),
                role: if row.initiator {
                    IsakmpRole::Initiator
                } else {
                    IsakmpRole::Responder
                },
                ivrf: String::new(),
                encr: String::new(),
                hash: String::new(),
                auth: IsakmpAuth::PreShared,
                dh_group: 0,
                remaining_lifetime_secs: 0,
                caps: Capabilities::default(),
                state: row.state,
                status: IsakmpSaStatus::Active,
                slot: 0,
            });
        }
        views.sort_by_key(|v| v.conn_id);
        views
    }

    pub(super) fn isakmp_view(&self, i: &IkeSaInfo, now: Instant) -> IsakmpSaView {
        let elapsed = now.saturating_duration_since(i.established_at).as_secs();
        let total = u64::from(i.lifetime.seconds.unwrap_or(0));
        // Live state: X once Xauth accepted a user on this SA, C once Mode
        // Config handed out (or gave us) an address.
        let (xauth, config_mode) = (i.xauth_user.is_some(), i.config_address.is_some());
        IsakmpSaView {
            conn_id: i.id.0,
            local: self.local,
            remote: *i.remote.ip(),
            role: if i.initiator {
                IsakmpRole::Initiator
            } else {
                IsakmpRole::Responder
            },
            ivrf: String::new(),
            encr: encr_name(i.proposal.cipher),
            hash: hash_name(i.proposal.hash).into(),
            auth: match i.proposal.auth {
                AuthMethod::PreSharedKey => IsakmpAuth::PreShared,
                _ => IsakmpAuth::XauthPreShared,
            },
            dh_group: i.proposal.group.wire_id(),
            remaining_lifetime_secs: total.saturating_sub(elapsed),
            caps: Capabilities {
                config_mode,
                // The engine's own setting: IOS does DPD only with `crypto isakmp
                // keepalive`, whatever the options said.
                dpd: i.peer_dpd && self.engine.config().dpd.is_some(),
                keepalives: false,
                nat_t: i.nat.any(),
                xauth,
            },
            state: IsakmpState::QmIdle,
            status: IsakmpSaStatus::Active,
            slot: 0,
        }
    }

    fn esp_view(
        &self,
        c: &Installed,
        spi: u32,
        conn_id: u32,
        remaining: esp_core::Remaining,
        now: Instant,
    ) -> EspSaView {
        let elapsed = now.saturating_duration_since(c.installed_at).as_secs();
        let secs = remaining
            .seconds
            .unwrap_or_else(|| u64::from(c.lifetime.seconds.unwrap_or(0)).saturating_sub(elapsed));
        EspSaView {
            spi,
            transforms: transforms(c.cipher, c.integrity),
            mode: match (c.mode, c.udp.is_some()) {
                (ike_proto::policy::EncapMode::Tunnel, false) => EncapsulationMode::Tunnel,
                (ike_proto::policy::EncapMode::Tunnel, true) => EncapsulationMode::TunnelUdpEncaps,
                (ike_proto::policy::EncapMode::Transport, false) => EncapsulationMode::Transport,
                (ike_proto::policy::EncapMode::Transport, true) => {
                    EncapsulationMode::TransportUdpEncaps
                }
            },
            slot: 0,
            conn_id,
            // The seed's: conn id 2002 is flow 3, 2005 is flow 6.
            flow_id: conn_id.saturating_sub(1999),
            crypto_map: self.map_name.clone(),
            remaining_kilobytes: remaining.kilobytes.unwrap_or(0),
            remaining_secs: secs,
            iv_size: iv_size(c.cipher),
            replay_detection: true,
        }
    }

    /// The snapshot of `show crypto ipsec sa` for the outside interface.
    pub fn interface_sas(&self, now: Instant) -> InterfaceSas {
        let at = now;
        let mut flows: Vec<FlowView> = Vec::new();
        for c in self.children.values() {
            let Some(pair) = self.pair_state(c, at) else {
                continue;
            };
            let sum = pair.inbound.combined(&pair.outbound);
            // IOS numbers the crypto engine's connections from 2000 up, two
            // per pair (seed: conn id 2004 in, 2005 out).
            let (conn_in, conn_out) = ike_proto::engine::ios_ipsec::conn_ids(c.child);
            let conn = |id: u64| u32::try_from(id).unwrap_or(u32::MAX);
            let in_view = self.esp_view(c, c.spi_in, conn(conn_in), pair.remaining_in, now);
            let out_view = self.esp_view(c, c.spi_out, conn(conn_out), pair.remaining_out, now);
            let flow = FlowView {
                protected_vrf: String::new(),
                local_ident: ident(&c.selectors.local),
                remote_ident: ident(&c.selectors.remote),
                peer_addr: *c.peer.ip(),
                peer_port: c.peer.port(),
                flags: if self.statics.values().any(|s| Some(s.seq) == c.map_seq) {
                    vec![FlowFlag::OriginIsAcl]
                } else {
                    Vec::new()
                },
                counters: FlowCounters {
                    encaps: sum.encaps,
                    encrypt: sum.encrypt,
                    digest: sum.digest,
                    decaps: sum.decaps,
                    decrypt: sum.decrypt,
                    verify: sum.verify,
                    compressed: sum.compressed,
                    decompressed: sum.decompressed,
                    not_compressed: sum.not_compressed,
                    compr_failed: sum.compr_failed,
                    not_decompressed: sum.not_decompressed,
                    decompress_failed: sum.decompress_failed,
                    send_errors: sum.send_errors,
                    recv_errors: sum.recv_errors,
                },
                local_endpoint: self.local,
                remote_endpoint: *c.peer.ip(),
                path_mtu: 1500,
                ip_mtu: 1500,
                current_outbound_spi: c.spi_out,
                inbound_esp: vec![in_view],
                outbound_esp: vec![out_view],
            };
            // A rekey overlaps two pairs for one flow: IOS prints them under
            // one flow, the newest outbound SPI current.
            match flows.iter_mut().find(|f| {
                f.local_ident == flow.local_ident
                    && f.remote_ident == flow.remote_ident
                    && f.peer_addr == flow.peer_addr
            }) {
                Some(f) => {
                    let a = &mut f.counters;
                    let b = &flow.counters;
                    a.encaps += b.encaps;
                    a.encrypt += b.encrypt;
                    a.digest += b.digest;
                    a.decaps += b.decaps;
                    a.decrypt += b.decrypt;
                    a.verify += b.verify;
                    a.send_errors += b.send_errors;
                    a.recv_errors += b.recv_errors;
                    f.current_outbound_spi = flow.current_outbound_spi;
                    f.inbound_esp.extend(flow.inbound_esp);
                    f.outbound_esp.extend(flow.outbound_esp);
                }
                None => flows.push(flow),
            }
        }
        // Static entries' ACL lines with no SA yet: IOS lists them too,
        // with their counters at zero.
        let mut statics: Vec<_> = self.statics.iter().collect();
        // By entry, then line: a line copied under an earlier entry's deny
        // is listed with its own entry.
        statics.sort_by_key(|(id, s)| (s.seq, **id));
        for (_, s) in statics {
            let (Some(sel), Some(peer)) = (s.selectors, s.peer) else {
                continue;
            };
            let (local_ident, remote_ident) = (ident(&sel.local), ident(&sel.remote));
            if flows
                .iter()
                .any(|f| f.local_ident == local_ident && f.remote_ident == remote_ident)
            {
                continue;
            }
            let mut flags = vec![FlowFlag::OriginIsAcl];
            if self.pending.contains(&peer) {
                flags.push(FlowFlag::IpsecSaRequestSent);
            }
            flows.push(FlowView {
                protected_vrf: String::new(),
                local_ident,
                remote_ident,
                peer_addr: peer,
                peer_port: self.options.ike_port,
                flags,
                counters: FlowCounters::default(),
                local_endpoint: self.local,
                remote_endpoint: peer,
                path_mtu: 1500,
                ip_mtu: 1500,
                current_outbound_spi: 0,
                inbound_esp: Vec::new(),
                outbound_esp: Vec::new(),
            });
        }
        InterfaceSas {
            interface: self.interface.clone(),
            crypto_map_tag: self.map_name.clone(),
            local_addr: self.local,
            flows,
        }
    }

    /// The snapshots of `show crypto map`.
    pub fn crypto_map_views(&self) -> Vec<CryptoMapView> {
        let Some(map) = self.config.crypto_map(&self.map_name) else {
            return Vec::new();
        };
        let mut entries: Vec<_> = map.entries.iter().collect();
        entries.sort_by_key(|e| e.seq);
        let entries = entries
            .into_iter()
            .map(|e| self.entry_view(e, Some(e.seq)))
            .collect();
        vec![CryptoMapView {
            name: map.name.clone(),
            entries,
            interfaces: self
                .config
                .interfaces
                .iter()
                .filter(|i| i.crypto_map.as_deref() == Some(map.name.as_str()))
                .map(|i| i.name.clone())
                .collect(),
        }]
    }
}

#[cfg(test)]
mod tests {
    use super::super::exec_parse::{Command, parse};
    use super::*;
    use crate::show::IpsecSaFilter;

    #[test]
    fn commands_and_abbreviations() {
        let table: [(&str, Option<Command>); 9] = [
            (
                "show crypto isakmp sa",
                Some(Command::IsakmpSa { detail: false }),
            ),
            ("sh cry isa sa", Some(Command::IsakmpSa { detail: false })),
            (
                "sh cry isa sa det",
                Some(Command::IsakmpSa { detail: true }),
            ),
            (
                "show crypto ipsec sa",
                Some(Command::IpsecSa {
                    filter: IpsecSaFilter::All,
                    detail: false,
                }),
            ),
            (
                "sh cry ips sa peer 192.0.2.1",
                Some(Command::IpsecSa {
                    filter: IpsecSaFilter::Peer(Ipv4Addr::new(192, 0, 2, 1)),
                    detail: false,
                }),
            ),
            ("show crypto map", Some(Command::CryptoMap { tag: None })),
            (
                "sh cry map tag mymap",
                Some(Command::CryptoMap {
                    tag: Some("mymap".into()),
                }),
            ),
            // Known since the exec: the configuration's policies.
            ("show crypto isakmp policy", Some(Command::IsakmpPolicy)),
            // "i" is isakmp or ipsec: ambiguous, as on IOS.
            ("s c i s", None),
        ];
        for (text, expected) in table {
            assert_eq!(
                parse(text).ok().flatten().map(|(c, _)| c),
                expected,
                "{text}"
            );
        }
    }
}
