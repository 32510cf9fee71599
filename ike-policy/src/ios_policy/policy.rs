//! The engine's questions ([`Policy`]) answered from the IOS configuration.

use super::*;

impl Policy for IosPolicy {
    fn preshared_key_for_address(&self, _local: Ipv4Addr, peer: Ipv4Addr) -> Option<PresharedKey> {
        if let Some(key) = self.ezvpn_towards(peer).and_then(|e| e.group_key.as_ref()) {
            return Some(PresharedKey::new(key.expose().to_vec()));
        }
        let lookup = resolver::find_key_by_address(&self.config, peer, KeyScope::AllKeyrings);
        self.log_lookup(peer, &lookup);
        lookup
            .found
            .map(|k| PresharedKey::new(k.secret().expose().to_vec()))
    }

    fn preshared_key_for_identity(
        &self,
        local: Ipv4Addr,
        peer: Ipv4Addr,
        identity: &Identity,
    ) -> Option<PresharedKey> {
        // Towards our Easy VPN hub, whatever the identity: the group key.
        if let Some(key) = self.ezvpn_towards(peer).and_then(|e| e.group_key.as_ref()) {
            return Some(PresharedKey::new(key.expose().to_vec()));
        }
        // `crypto isakmp peer ...` / `set aggressive-mode password K`.
        if !matches!(identity, Identity::KeyId(_)) {
            let id = peer_identity(identity);
            if let Some(key) = resolver::aggressive_mode_peer(&self.config, peer, id.as_ref())
                .and_then(|p| p.aggressive_mode_password.as_ref())
            {
                return Some(PresharedKey::new(key.expose().to_vec()));
            }
        }
        match identity {
            Identity::KeyId(group) => {
                let group = String::from_utf8_lossy(group);
                let key = resolver::find_group_key(&self.config, &group);
                if key.is_none() {
                    isakmp_debug!(self, "ISAKMP: No client configuration group {group}");
                }
                key.map(|k| PresharedKey::new(k.expose().to_vec()))
            }
            Identity::Fqdn(name) => {
                let lookup =
                    resolver::find_key_by_hostname(&self.config, name, KeyScope::AllKeyrings);
                self.log_lookup(name, &lookup);
                match lookup.found {
                    Some(k) => Some(PresharedKey::new(k.secret().expose().to_vec())),
                    None => self.preshared_key_for_address(local, peer),
                }
            }
            _ => self.preshared_key_for_address(local, peer),
        }
    }

    /// Whether to answer an Aggressive Mode first message from `peer`
    /// with `identity`: an ID_KEY_ID of a client configuration group, or
    /// a `crypto isakmp peer` block with `set aggressive-mode ...` for
    /// it; never with `crypto isakmp aggressive-mode disable`
    /// ([`resolver::aggressive_mode_rule`]).
    fn aggressive_mode_allowed(
        &self,
        _local: Ipv4Addr,
        peer: Ipv4Addr,
        identity: &Identity,
    ) -> bool {
        let id = peer_identity(identity);
        let rule = resolver::aggressive_mode_rule(&self.config, peer, id.as_ref());
        if !rule.allowed() {
            isakmp_debug!(
                self,
                "ISAKMP: Aggressive Mode from {peer} ({identity:?}) refused: {rule:?}"
            );
        }
        rule.allowed()
    }

    fn initiator_phase1(&self, _local: Ipv4Addr, peer: Ipv4Addr) -> Option<InitiatorPhase1> {
        if let Some(ez) = self.ezvpn_towards(peer) {
            let Some(group) = ez.group.as_deref() else {
                isakmp_debug!(self, "EZVPN({}): no group configured", ez.name);
                return None;
            };
            return Some(InitiatorPhase1 {
                mode: Phase1Mode::Aggressive,
                proposals: ezvpn_phase1_proposals(),
                identity: Some(Identity::KeyId(group.as_bytes().to_vec())),
            });
        }
        let proposals: Vec<Phase1Proposal> = self
            .config
            .isakmp_policies_by_priority()
            .into_iter()
            .filter_map(phase1_proposal)
            .collect();
        if proposals.is_empty() {
            isakmp_debug!(self, "ISAKMP: no ISAKMP policy to offer {peer}");
            return None;
        }
        Some(InitiatorPhase1 {
            mode: Phase1Mode::Main,
            proposals,
            identity: None,
        })
    }

    fn choose_phase1(
        &self,
        _local: Ipv4Addr,
        peer: Ipv4Addr,
        _identity: Option<&Identity>,
        offered: &[Phase1Proposal],
    ) -> Option<ProtoPhase1Choice> {
        let Some(choice) = resolver::choose_isakmp_policy(&self.config, offered, self.options)
        else {
            isakmp_debug!(
                self,
                "ISAKMP: no offered transform from {peer} matches an ISAKMP policy"
            );
            return None;
        };
        // The exchange says which transform passed which check.
        Some(ProtoPhase1Choice {
            index: choice.transform_index,
            lifetime: Lifetime::seconds(choice.lifetime),
            priority: Some(u32::from(choice.policy.priority)),
        })
    }

    fn match_profile(
        &self,
        _local: Ipv4Addr,
        peer: Ipv4Addr,
        identity: &Identity,
    ) -> Option<Profile> {
        if let Some(ez) = self.ezvpn_towards(peer) {
            // As the client: the hub runs Xauth, we pull our address.
            return Some(Profile {
                name: ez.name.clone(),
                xauth: true,
                mode_config: ModeConfig::Respond,
            });
        }
        let map = self.crypto_map();
        let profile =
            peer_identity(identity).and_then(|id| resolver::select_profile(&self.config, &id));
        match profile {
            Some(p) => {
                // The exchange says `peer matches .. profile`, naming the SA.
                Some(Profile {
                    name: p.name.clone(),
                    xauth: resolver::xauth_required(Some(p), None, map),
                    mode_config: mode_config(p),
                })
            }
            None if self.config.isakmp_profiles.is_empty() => {
                // No profiles at all: the global configuration applies
                // (the seed's spoke), under an unnamed profile.
                let lookup =
                    resolver::find_key_by_address(&self.config, peer, KeyScope::AllKeyrings);
                let key = lookup.found.map(|k| k.entry);
                Some(Profile {
                    name: String::new(),
                    xauth: resolver::xauth_required(None, key, map),
                    mode_config: ModeConfig::None,
                })
            }
            None => {
                isakmp_debug!(
                    self,
                    "ISAKMP: peer {peer} ({identity:?}) matches no profile"
                );
                None
            }
        }
    }

    fn initiator_phase2(
        &self,
        _local: Ipv4Addr,
        peer: Ipv4Addr,
        selectors: &Selectors,
    ) -> Option<Phase2Offer> {
        if let Some(ez) = self.ezvpn_towards(peer) {
            // Client mode: our (assigned) address to everything; network
            // extension: the inside traffic as it is, to everything.
            let local = match ez.mode {
                EzvpnMode::Client => TrafficSelector::host(selectors.local.start),
                EzvpnMode::NetworkExtension => selectors.local,
            };
            return Some(Phase2Offer {
                proposals: ezvpn_phase2_proposals(self.config.ipsec_sa_lifetime),
                selectors: Selectors {
                    local,
                    remote: TrafficSelector::subnet(Ipv4Addr::UNSPECIFIED, 0),
                },
                send_client_ids: true,
            });
        }
        let map = self.crypto_map()?;
        let flow = flow_of(selectors);
        for candidate in resolver::crypto_map_candidates(&self.config, map) {
            if candidate.is_dynamic() {
                continue; // dynamic entries never initiate
            }
            let entry = candidate.entry();
            if !entry.peers.contains(&peer) {
                continue;
            }
            let Some(acl) = entry
                .match_address
                .as_deref()
                .and_then(|n| self.config.access_list(n))
            else {
                continue;
            };
            let Some(line) = resolver::acl_selector_iter(acl).find(|s| s.selector.matches(&flow))
            else {
                continue;
            };
            if line.action != AclAction::Permit {
                continue; // a deny hands the packet to the next entry
            }
            let offered = selectors_from_acl(&line.selector)?;
            let lifetime = entry.sa_lifetime(self.config.ipsec_sa_lifetime);
            let proposals: Vec<Phase2Proposal> = entry
                .transform_sets
                .iter()
                .filter_map(|n| self.config.transform_set(n))
                .filter_map(|ts| phase2_proposal(ts, entry.pfs, lifetime))
                .collect();
            if proposals.is_empty() {
                return None;
            }
            return Some(Phase2Offer {
                proposals,
                selectors: offered,
                send_client_ids: true,
            });
        }
        None
    }

    fn choose_phase2(
        &self,
        request: &ProtoPhase2Request<'_>,
    ) -> Result<ProtoPhase2Choice, Phase2Refusal> {
        let Some(map) = self.crypto_map() else {
            return Err(Phase2Refusal::InvalidIdInformation);
        };
        let profile = request
            .profile
            .map(|p| p.name.as_str())
            .filter(|n| !n.is_empty());
        let proxies = request.selectors;
        let rreq = resolver::Phase2Request {
            peer: request.peer,
            profile,
            proxies,
            transforms: request.offered,
        };
        if let Some(sel) = resolver::select_responder_entry(&self.config, map, &rreq) {
            self.check_claim(request, sel.candidate.entry(), &proxies)?;
            let c = sel.choice;
            // IOS names the map by its head, a dynamic map's match too
            // (the seed's client, matched by `dynmap 10` under `mymap 10`).
            ipsec_debug!(
                self,
                "IPSEC(kei_proxy): head = {}, map->ivrf = , kei->ivrf = ",
                map.name
            );
            return Ok(ProtoPhase2Choice {
                index: c.transform_index,
                lifetime: Lifetime::new(c.lifetime.seconds, c.lifetime.kilobytes),
            });
        }
        // Tell "no transform" from "not our traffic", as IOS's notifies do.
        let ids_ok = resolver::crypto_map_candidates(&self.config, map)
            .into_iter()
            .any(|c| {
                let e = c.entry();
                let peer_ok = if c.is_dynamic() {
                    e.peers.is_empty() || e.peers.contains(&request.peer)
                } else {
                    e.peers.contains(&request.peer)
                };
                let profile_ok = e
                    .isakmp_profile
                    .as_deref()
                    .is_none_or(|p| profile == Some(p));
                peer_ok
                    && profile_ok
                    && resolver::entry_accepts_proxies(&self.config, e, c.is_dynamic(), &proxies)
            });
        if ids_ok {
            ipsec_debug!(
                self,
                "IPSEC(validate_proposal_request): no transform set accepts the proposal"
            );
            Err(Phase2Refusal::NoProposalChosen)
        } else {
            ipsec_debug!(
                self,
                "IPSEC(validate_transform_proposal): proxy identities not supported ({:?})",
                request.selectors
            );
            Err(Phase2Refusal::InvalidIdInformation)
        }
    }

    fn check_xauth(
        &self,
        _local: Ipv4Addr,
        peer: Ipv4Addr,
        profile: &Profile,
        user: &str,
        password: &XauthPassword,
    ) -> XauthVerdict {
        let Some(list) = self.xauth_list(profile) else {
            isakmp_debug!(
                self,
                "ISAKMP: no client authentication list for {peer}: Xauth fails"
            );
            return XauthVerdict::Reject;
        };
        match resolver::authenticate_xauth(&self.config, list, user, password.as_bytes()) {
            Some(true) => XauthVerdict::Accept,
            Some(false) => XauthVerdict::Reject,
            // A RADIUS or TACACS+ list: the embedder answers.
            None => XauthVerdict::Deferred,
        }
    }

    /// [`Policy::check_xauth`] behind the limits of [`crate::lockout`]: a
    /// source in back-off and a locked user are refused unchecked; a wrong
    /// password counts against both; a right one is refused when the
    /// group's `max-users` or the user's `max-logins` is reached, else it
    /// counts as a login until the IKE SA ends.
    fn check_xauth_attempt(&self, a: &XauthAttempt<'_>) -> XauthVerdict {
        let peer = *a.peer.ip();
        let mut guard = self.guard.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(until) = guard.source_blocked(peer, a.now) {
            isakmp_debug!(
                self,
                "ISAKMP: Xauth from {peer} refused unchecked: backing off for {} s more",
                until.saturating_duration_since(a.now).as_secs()
            );
            guard.refusals.backoff += 1;
            return XauthVerdict::Reject;
        }
        let max_fail = self.config.aaa_local_max_fail;
        if max_fail.is_some() && guard.user_locked(a.user) {
            isakmp_debug!(
                self,
                "AAA: local user {} is locked out",
                a.user.escape_debug()
            );
            guard.refusals.locked += 1;
            return XauthVerdict::Reject;
        }
        let verdict = self.check_xauth(a.local, peer, a.profile, a.user, a.password);
        match verdict {
            XauthVerdict::Accept => {
                guard.succeeded(a.user, peer);
                let group = self.client_group(a.profile, a.identity);
                let name = group.map(|g| g.name.as_str());
                let (in_group, mine) = guard.logins(name, a.user, a.ike_sa);
                if let Some(g) = group {
                    if g.max_users.is_some_and(|m| in_group >= m as usize) {
                        isakmp_debug!(
                            self,
                            "ISAKMP: group {} is at max-users: login refused",
                            g.name
                        );
                        guard.refusals.max_users += 1;
                        return XauthVerdict::Reject;
                    }
                    if g.max_logins.is_some_and(|m| mine >= m as usize) {
                        isakmp_debug!(
                            self,
                            "ISAKMP: user {} is at max-logins of group {}: login refused",
                            a.user.escape_debug(),
                            g.name
                        );
                        guard.refusals.max_logins += 1;
                        return XauthVerdict::Reject;
                    }
                }
                guard.login(a.ike_sa, name, a.user);
                XauthVerdict::Accept
            }
            XauthVerdict::Reject => {
                let local_user = self.config.users.iter().any(|u| u.name == a.user);
                guard.failed(local_user.then_some(a.user), max_fail, peer, a.now);
                XauthVerdict::Reject
            }
            XauthVerdict::Deferred => XauthVerdict::Deferred,
        }
    }

    fn ike_sa_ended(&self, ike_sa: IkeSaId) {
        self.guard
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .ended(ike_sa);
    }

    fn xauth_credentials(&self, _local: Ipv4Addr, peer: Ipv4Addr) -> Option<XauthCredentials> {
        // `xauth userid mode interactive` or `http-intercept`: the embedder
        // asks a person.
        let ez = self
            .ezvpn_towards(peer)
            .filter(|e| e.xauth_userid_mode == crate::model::XauthUseridMode::Local)?;
        Some(XauthCredentials {
            user: ez.username.clone()?,
            password: XauthPassword::new(ez.password.as_ref()?.expose().to_vec()),
        })
    }

    fn mode_config_attributes(
        &self,
        _local: Ipv4Addr,
        peer: Ipv4Addr,
        identity: &Identity,
        profile: &Profile,
        _user: Option<&str>,
    ) -> Option<ModeConfigAttributes> {
        if !self.local_authorization(profile) {
            isakmp_debug!(
                self,
                "ISAKMP: authorization list for {peer} is not local: no attributes"
            );
            return None;
        }
        let group = self.client_group(profile, identity)?;
        let address = match group.pool.as_deref() {
            Some(name) => {
                let mut pools = self.pools.lock().unwrap_or_else(|e| e.into_inner());
                let pool = pools.iter_mut().find(|p| p.name() == name)?;
                Some(pool.allocate()?)
            }
            None => None,
        };
        let split_include = group
            .acl
            .as_deref()
            .and_then(|n| self.config.access_list(n))
            .map(|acl| {
                resolver::acl_selector_iter(acl)
                    .filter(|s| s.action == AclAction::Permit)
                    .filter_map(|s| selectors_from_acl(&s.selector).map(|x| x.local))
                    .collect()
            })
            .unwrap_or_default();
        Some(ModeConfigAttributes {
            address,
            netmask: group.netmask,
            dns: group.dns.clone(),
            wins: group.wins.clone(),
            domain: group.domain.clone(),
            split_include,
            banner: group.banner.clone(),
            save_password: group.save_password,
            // The engine fills what is left of phase 1.
            address_expiry: None,
            // The engine's IOS-style version string.
            application_version: None,
            split_dns: group.split_dns.clone(),
            include_local_lan: group.include_local_lan,
            pfs: group.pfs,
            firewall_are_u_there: group.firewall_are_u_there,
            backup_servers: group.backup_gateways.clone(),
        })
    }

    fn release_address(&self, address: Ipv4Addr) {
        let mut pools = self.pools.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(p) = pools.iter_mut().find(|p| p.is_allocated(address)) {
            p.release(address);
        }
    }
}
