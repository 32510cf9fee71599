//! Installing negotiated child SAs in esp-core, and removing them.

use super::caller_buffer::{InRoute, OutRoute};
use super::*;

impl Gateway {
    /// Installs a child SA pair; on failure deletes it and says false.
    pub(super) fn install(&mut self, now: Instant, c: &ChildSa, keys: &ChildSaKeys) -> bool {
        match self.try_install(now, c, keys) {
            Ok(()) => true,
            Err(reason) => {
                log::warn!(target: &self.options.log_target, "IPSEC: child SA {:?} cannot be installed: {reason}", c.id);
                self.events.push_back(GatewayEvent::SaInstallFailed {
                    child: c.id,
                    reason,
                });
                let _ = self.engine.delete_child_sa(now, c.id);
                false
            }
        }
    }

    pub(super) fn try_install(
        &mut self,
        now: Instant,
        c: &ChildSa,
        keys: &ChildSaKeys,
    ) -> Result<(), String> {
        let suite = suite(c.cipher, c.integrity)?;
        let mode = match c.mode {
            EncapMode::Tunnel => esp_core::Mode::Tunnel,
            EncapMode::Transport => {
                return Err("transport mode is not carried by the Gateway".into());
            }
        };
        let udp = match c.encapsulation {
            Encapsulation::None => None,
            Encapsulation::Udp {
                local_port,
                remote_port,
            } => Some((local_port, remote_port)),
        };
        if udp.is_none() && self.options.force_udp_encapsulation {
            self.counters.raw_esp_refused += 1;
            return Err(format!(
                "{} did not float to ESP in UDP (no NAT-T) and this node cannot carry \
                 raw ESP (forced UDP encapsulation)",
                c.remote.ip()
            ));
        }
        let lifetime = esp_lifetime(c.lifetime);
        let at = now;
        let inbound_params = SaParams::new(c.spi_in, suite)
            .with_mode(mode)
            .with_lifetime(lifetime)
            .with_replay_window(self.options.replay_window);
        let mut outbound_params = SaParams::new(c.spi_out, suite)
            .with_mode(mode)
            .with_lifetime(lifetime);
        if let Some((l, r)) = udp {
            outbound_params = outbound_params.with_udp_encapsulation(l, r);
        }
        let keys_in = KeyMaterial::new(
            keys.inbound.encryption.as_bytes(),
            keys.inbound.integrity.as_bytes(),
        );
        let keys_out = KeyMaterial::new(
            keys.outbound.encryption.as_bytes(),
            keys.outbound.integrity.as_bytes(),
        );
        let inbound = InboundSa::new(&inbound_params, &keys_in, at).map_err(|e| e.to_string())?;
        let outbound =
            OutboundSa::new(&outbound_params, &keys_out, at).map_err(|e| e.to_string())?;
        // For a worker, when split (its SAD is elsewhere: the control
        // side's record of inbound SPIs stands in for the SAD's own check).
        let for_worker = if self.split.is_some() {
            if self.by_spi_in.contains_key(&c.spi_in) {
                return Err(esp_core::EspError::DuplicateSpi { spi: c.spi_in }.to_string());
            }
            Some(inbound)
        } else {
            self.sad
                .insert_inbound(inbound)
                .map_err(|e| e.to_string())?;
            None
        };
        let sa_id = SaId(self.next_sa);
        self.next_sa = self.next_sa.wrapping_add(1).max(1);
        let policy = PolicyId(self.next_child_policy);
        self.next_child_policy = self
            .next_child_policy
            .wrapping_add(1)
            .max(CHILD_POLICY_BASE);
        let entry = PolicyEntry {
            id: policy,
            selector: esp_selector(&c.selectors),
            action: PolicyAction::Protect { sa: Some(sa_id) },
        };
        // In front of the static entries: the newest SA for a flow wins.
        self.spd.insert(0, entry);
        let peer_ip = *c.remote.ip();
        let out_route = OutRoute::new(c.id, &outbound, peer_ip, udp);
        let in_route = InRoute::new(c.id, &c.selectors);
        match (self.split.as_mut(), for_worker) {
            (Some(split), Some(inbound)) => {
                split.install(sa_id, inbound, outbound, out_route, in_route, Some(entry));
            }
            _ => {
                self.routes.inbound.insert(c.spi_in, in_route);
                self.sad.insert_outbound_tagged(sa_id, outbound, out_route);
            }
        }
        let map_seq = self.map_seq_for(c);
        let peer = c.remote;
        if self.debugging.ipsec {
            self.log_create_sa(c);
        }
        self.by_sa_id.insert(sa_id, c.id);
        self.by_spi_in.insert(c.spi_in, c.id);
        self.flows().insert(HeldFlow {
            child: c.id,
            ike_sa: c.ike_sa,
            holder: peer,
            selectors: c.selectors,
        });
        self.children.insert(
            c.id,
            Box::new(Installed {
                child: c.id,
                sa_id,
                policy,
                spi_in: c.spi_in,
                spi_out: c.spi_out,
                peer,
                udp,
                selectors: c.selectors,
                cipher: c.cipher,
                integrity: c.integrity,
                mode: c.mode,
                lifetime: c.lifetime,
                installed_at: now,
                map_seq,
            }),
        );
        if self.options.keylog {
            self.keylog_child(c, keys);
        }
        self.events.push_back(GatewayEvent::SaInstalled {
            child: c.id,
            peer: *c.remote.ip(),
            spi_in: c.spi_in,
            spi_out: c.spi_out,
            udp_encapsulated: udp.is_some(),
        });
        Ok(())
    }

    /// `debug crypto ipsec` as IOS prints an installed pair: the key
    /// engine's `initialize_sas` of each direction, the map it belongs to,
    /// the flow it enters, `create_sa` of each SA.
    fn log_create_sa(&self, c: &ChildSa) {
        use ike_proto::engine::ios_ipsec::{KeyEngineMsg, conn_ids, transform_names};
        let target = &self.options.log_target;
        let (conn_in, conn_out) = conn_ids(c.id);
        let (us, peer) = (*c.local.ip(), *c.remote.ip());
        log::debug!(target: target, "IPSEC(key_engine): got a queue event...");
        for (inbound, spi, conn) in [(true, c.spi_in, conn_in), (false, c.spi_out, conn_out)] {
            log::debug!(target: target, "IPSEC(initialize_sas): ,");
            let msg = KeyEngineMsg {
                inbound,
                local: us,
                remote: peer,
                selectors: &c.selectors,
                cipher: c.cipher,
                integrity: c.integrity,
                mode: c.mode,
                lifetime: c.lifetime,
                spi,
                conn_id: conn,
            };
            for line in msg.lines() {
                log::debug!(target: target, "  {line}");
            }
        }
        // The map is looked up for each SA of the pair.
        for _ in [c.spi_in, c.spi_out] {
            log::debug!(
                target: target,
                "IPSEC(kei_proxy): head = {}, map->ivrf = , kei->ivrf = ",
                self.map_name
            );
        }
        log::debug!(
            target: target,
            "IPSEC(add mtree): src {}, dest {}, dest_port {}",
            c.selectors.local.start,
            c.selectors.remote.start,
            c.selectors.remote.port
        );
        let names = transform_names(c.cipher, c.integrity);
        for (dest, spi, conn) in [(us, c.spi_in, conn_in), (peer, c.spi_out, conn_out)] {
            log::debug!(target: target, "IPSEC(create_sa): sa created,");
            log::debug!(target: target, "  (sa) sa_dest= {dest}, sa_prot= 50, ");
            log::debug!(target: target, "    sa_spi= 0x{spi:X}({spi}), ");
            log::debug!(target: target, "    sa_trans= {names} , sa_conn_id= {conn}");
        }
    }

    /// The `esp_sa` lines of both directions of an installed child SA.
    pub(super) fn keylog_child(&mut self, c: &ChildSa, keys: &ChildSaKeys) {
        let (us, peer) = (self.local, *c.remote.ip());
        for (src, dst, spi, keys) in [
            (peer, us, c.spi_in, &keys.inbound),
            (us, peer, c.spi_out, &keys.outbound),
        ] {
            self.events.push_back(GatewayEvent::KeyLog(KeyLogLine::esp(
                src,
                dst,
                spi,
                c.cipher,
                keys.encryption.as_bytes(),
                c.integrity,
                keys.integrity.as_bytes(),
            )));
        }
    }

    /// The crypto map sequence number an SA belongs to: the static entry
    /// for its peer, else the (first) dynamic entry.
    pub(super) fn map_seq_for(&self, c: &ChildSa) -> Option<u32> {
        let map = self.config.crypto_map(&self.map_name)?;
        let mut entries: Vec<_> = map.entries.iter().collect();
        entries.sort_by_key(|e| e.seq);
        entries
            .iter()
            .find(|e| e.dynamic_map.is_none() && e.peers.contains(c.remote.ip()))
            .or_else(|| entries.iter().find(|e| e.dynamic_map.is_some()))
            .map(|e| e.seq)
    }

    pub(super) fn uninstall(&mut self, child: ChildSaId) {
        let Some(c) = self.children.remove(&child) else {
            return;
        };
        match self.split.as_mut() {
            Some(split) => split.remove(&c),
            None => {
                self.sad.remove_inbound(c.spi_in);
                self.sad.remove_outbound(c.sa_id);
            }
        }
        self.spd.remove(c.policy);
        self.by_sa_id.remove(&c.sa_id);
        self.by_spi_in.remove(&c.spi_in);
        self.routes.inbound.remove(&c.spi_in);
        self.flows().remove(child);
        if self.debugging.ipsec {
            log::info!(
                target: &self.options.log_target,
                "IPSEC(delete_sa): deleting SA, (sa) sa_dest= {}, sa_spi= 0x{:08X}",
                c.peer.ip(),
                c.spi_out
            );
        }
        self.events.push_back(GatewayEvent::SaRemoved { child });
    }
}
