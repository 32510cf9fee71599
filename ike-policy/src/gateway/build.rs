//! Building a Gateway from a configuration.

use super::*;

impl Gateway {
    /// Builds a node from a parsed configuration.
    ///
    /// The outside interface is the first interface with `crypto map
    /// NAME` (else the first with `crypto ipsec client ezvpn NAME
    /// [outside]`: an Easy VPN Remote, see the module docs); its address is [`GatewayOptions::outside_addr`] if given,
    /// else its static `ip address`. The SPD holds the map's static
    /// entries' ACL lines in sequence order (permit: protect through `set
    /// peer`; deny: as IOS, the traffic is tried against the later entries,
    /// and goes in clear if none protects it), then
    /// [`GatewayOptions::unprotected`]. `rng` seeds the engine's and the
    /// data plane's generators.
    ///
    /// # Errors
    /// [`GatewayError::NoCryptoInterface`], [`GatewayError::NoOutsideAddress`].
    pub fn new(
        config: Config,
        options: GatewayOptions,
        rng: &mut dyn CryptoRng,
    ) -> Result<Self, GatewayError> {
        let mut options = options;
        // `crypto ipsec security-association replay window-size N`: the
        // configuration's window over the option's.
        if let Some(window) = config.ipsec_replay_window {
            options.replay_window = window;
        }
        let config = Arc::new(config);
        let crypto = config.crypto_interfaces().next();
        // No crypto map: an Easy VPN Remote's outside interface will do.
        let ezvpn_outside = || {
            config.interfaces.iter().find_map(|i| {
                let e = i.ezvpn.as_ref().filter(|e| e.side == EzvpnSide::Outside)?;
                Some((i, config.ezvpn_client(&e.name)?))
            })
        };
        let (interface, map, ezvpn_client) = match crypto {
            Some((i, m)) => (i, Some(m), None),
            None => {
                let (i, e) = ezvpn_outside().ok_or(GatewayError::NoCryptoInterface)?;
                (i, None, Some(e))
            }
        };
        let local = match (options.outside_addr, &interface.address) {
            (Some(a), _) => a,
            (None, Some(InterfaceAddress::Static { address, .. })) => *address,
            (None, _) => return Err(GatewayError::NoOutsideAddress(interface.name.clone())),
        };
        let interface = interface.name.clone();
        let map_name = map.map(|m| m.name.clone()).unwrap_or_default();

        let (spd, statics) = match (map, ezvpn_client) {
            (Some(map), _) => spd::build(&config, map, options.unprotected, &options.log_target),
            (None, e) => spd::build_ezvpn(
                e.and_then(|e| e.peers.first().copied()),
                options.unprotected,
            ),
        };
        let ezvpn = ezvpn_client.map(|e| EzvpnState {
            client_mode: e.mode == EzvpnMode::Client,
            auto: e.connect == EzvpnConnect::Auto,
            autostart: e.connect == EzvpnConnect::Auto,
            retry_at: None,
            peer: e.peers.first().copied(),
            assigned: None,
        });

        let mut seed = [0u8; 32];
        rng.fill_bytes(&mut seed);
        let engine_rng = ChaCha20Rng::from_seed(seed);
        rng.fill_bytes(&mut seed);
        let esp_rng = ChaCha20Rng::from_seed(seed);
        seed.fill(0);

        let mut policy = IosPolicy::new(Arc::clone(&config))
            .with_xauth_backoff(options.xauth_backoff)
            .with_log_target(&options.log_target);
        if !map_name.is_empty() {
            policy = policy.with_crypto_map(map_name.clone());
        }
        let mut engine_config = options.engine.clone();
        // The same pair of ports on both sides (see the module docs).
        engine_config.ike_port = options.ike_port;
        engine_config.natt_port = options.natt_port;
        engine_config.peer_ike_port = options.ike_port;
        engine_config.peer_natt_port = options.natt_port;
        // The engine writes its lines under the Gateway's target itself, as
        // they happen, so they fall in order with the resolver's; or hands
        // them out as events when the embedder asked for events. `debug
        // crypto isakmp|ipsec` ([`Gateway::exec`]) switches them in the
        // engine, which then formats nothing it would not write.
        engine_config.log_target = (!options.log_events).then(|| options.log_target.clone());
        engine_config.force_udp_encapsulation = options.force_udp_encapsulation;
        engine_config.keylog = options.keylog;
        if options.force_udp_encapsulation {
            engine_config.nat_traversal = true;
        }
        engine_config.nat_traversal &= config.nat_transparency;
        // DPD as IOS does it: only with `crypto isakmp keepalive`.
        engine_config.dpd = config.isakmp_keepalive.map(|k| DpdConfig {
            interval: Duration::from_secs(u64::from(k.interval)),
            retry: Duration::from_secs(u64::from(k.retry)),
            mode: match k.mode {
                KeepaliveMode::OnDemand => DpdMode::OnIdle,
                KeepaliveMode::Periodic => DpdMode::Periodic,
            },
            ..DpdConfig::default()
        });
        if let Some(s) = config.nat_keepalive {
            engine_config.nat_keepalive = Duration::from_secs(u64::from(s));
        }
        let flows = policy.flow_owners();
        // A clone shares the pools (and later state) with the engine's.
        let views = policy.clone();
        // Behind a cell, so that `configure replace` can give the running
        // engine another policy.
        let (live, policy) = reload::live_policy(policy);
        let debugging = options.debug;
        // The clones share the switches: the views' and the engine's.
        views.set_debugging(debugging);
        let mut engine = Engine::new(engine_config, Box::new(policy), Box::new(engine_rng));
        engine.set_debugging(debugging);
        Ok(Self {
            config,
            options,
            interface,
            map_name,
            local,
            engine,
            sad: Sad::tagged(),
            spd,
            rng: esp_rng,
            statics,
            ezvpn,
            children: BTreeMap::new(),
            by_sa_id: HashMap::new(),
            by_spi_in: HashMap::new(),
            routes: Routes::default(),
            pending: Vec::new(),
            held: VecDeque::new(),
            transmits: VecDeque::new(),
            inside: VecDeque::new(),
            events: VecDeque::new(),
            counters: GatewayCounters::default(),
            next_sa: 1,
            next_child_policy: CHILD_POLICY_BASE,
            now: Instant::ZERO,
            split: None,
            flows,
            policy: views,
            live,
            deferred_xauth: HashMap::new(),
            xauth_asked: Vec::new(),
            debugging,
        })
    }

    /// Parses IOS text and builds a node; see [`Gateway::new`].
    ///
    /// # Errors
    /// [`GatewayError::Config`] with the parser's error (line and column),
    /// or what [`Gateway::new`] returns.
    pub fn from_ios(
        text: &str,
        options: GatewayOptions,
        rng: &mut dyn CryptoRng,
    ) -> Result<Self, GatewayError> {
        Self::new(crate::parse(text)?, options, rng)
    }
}
