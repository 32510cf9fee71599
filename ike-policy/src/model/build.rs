//! Building a [`Config`] in code instead of parsing IOS text: constructors
//! that fill in IOS's defaults (an ISAKMP policy is `des`/`sha`/`rsa-sig`/
//! group 1/86400 s until told otherwise, a transform set is tunnel mode)
//! and chaining setters named after the IOS commands they stand for.
//! Objects built here carry line 0; [`Config::without_source`] drops the
//! line numbers (and the lines kept aside) of a parsed one, so the two
//! compare equal when they say the same thing.

use std::net::Ipv4Addr;

use super::*;
use crate::Secret;

impl Config {
    /// An empty configuration with IOS's global defaults
    /// ([`Config::default`]).
    pub fn new() -> Self {
        Self::default()
    }

    /// The model alone: every line number set to 0 and the lines kept
    /// aside ([`Config::ignored`]) dropped. A parsed configuration and one
    /// built in code that say the same thing compare equal after this.
    #[must_use]
    pub fn without_source(mut self) -> Self {
        self.ignored.clear();
        let lines = self
            .aaa_authentication_login
            .iter_mut()
            .chain(self.aaa_authorization_network.iter_mut())
            .map(|l| &mut l.line)
            .chain(self.users.iter_mut().map(|u| &mut u.line))
            .chain(self.isakmp_keys.iter_mut().map(|k| &mut k.line))
            .chain(self.isakmp_policies.iter_mut().map(|p| &mut p.line))
            .chain(self.isakmp_profiles.iter_mut().map(|p| &mut p.line))
            .chain(self.client_groups.iter_mut().map(|g| &mut g.line))
            .chain(self.transform_sets.iter_mut().map(|t| &mut t.line))
            .chain(self.local_pools.iter_mut().map(|p| &mut p.line))
            .chain(self.ezvpn_clients.iter_mut().map(|e| &mut e.line))
            .chain(self.interfaces.iter_mut().map(|i| &mut i.line))
            .chain(self.ip_routes.iter_mut().map(|r| &mut r.line));
        lines.for_each(|l| *l = 0);
        for k in &mut self.keyrings {
            k.line = 0;
            k.keys.iter_mut().for_each(|p| p.line = 0);
        }
        for m in &mut self.dynamic_maps {
            m.line = 0;
            m.entries.iter_mut().for_each(|e| e.line = 0);
        }
        for m in &mut self.crypto_maps {
            m.line = 0;
            m.entries.iter_mut().for_each(|e| e.line = 0);
        }
        for a in &mut self.access_lists {
            a.line = 0;
            a.entries.iter_mut().for_each(|e| e.line = 0);
        }
        self
    }

    /// `hostname NAME`.
    pub fn with_hostname(mut self, name: &str) -> Self {
        self.hostname = Some(name.to_owned());
        self
    }

    /// `service password-encryption`.
    pub fn with_service_password_encryption(mut self) -> Self {
        self.service_password_encryption = true;
        self
    }

    /// `username NAME ...`.
    pub fn with_user(mut self, user: User) -> Self {
        self.users.push(user);
        self
    }

    /// `aaa new-model` and `aaa authentication login LIST METHODS`.
    pub fn with_aaa_authentication_login(mut self, list: &str, methods: &[AaaMethod]) -> Self {
        self.aaa_new_model = true;
        self.aaa_authentication_login
            .push(AaaMethodList::new(list, methods));
        self
    }

    /// `aaa new-model` and `aaa authorization network LIST METHODS`.
    pub fn with_aaa_authorization_network(mut self, list: &str, methods: &[AaaMethod]) -> Self {
        self.aaa_new_model = true;
        self.aaa_authorization_network
            .push(AaaMethodList::new(list, methods));
        self
    }

    /// `crypto isakmp key KEY address A`: a key in the default keyring.
    pub fn with_isakmp_key(mut self, key: &str, peer: KeyPeer) -> Self {
        self.isakmp_keys.push(PresharedKey::new(peer, key));
        self
    }

    /// `crypto keyring NAME` with its keys.
    pub fn with_keyring(mut self, keyring: Keyring) -> Self {
        self.keyrings.push(keyring);
        self
    }

    /// `crypto isakmp policy N`.
    pub fn with_isakmp_policy(mut self, policy: IsakmpPolicy) -> Self {
        self.isakmp_policies.push(policy);
        self
    }

    /// `crypto isakmp client configuration group NAME`.
    pub fn with_client_group(mut self, group: ClientConfigGroup) -> Self {
        self.client_groups.push(group);
        self
    }

    /// `crypto isakmp profile NAME`.
    pub fn with_isakmp_profile(mut self, profile: IsakmpProfile) -> Self {
        self.isakmp_profiles.push(profile);
        self
    }

    /// `crypto ipsec transform-set NAME ...`.
    pub fn with_transform_set(mut self, set: TransformSet) -> Self {
        self.transform_sets.push(set);
        self
    }

    /// `crypto dynamic-map NAME SEQ` with its `set`/`match` lines: a new
    /// entry of the map `name`, which is created on its first entry.
    pub fn with_dynamic_map_entry(mut self, name: &str, entry: CryptoMapEntry) -> Self {
        match self.dynamic_maps.iter_mut().find(|m| m.name == name) {
            Some(m) => m.entries.push(entry),
            None => self.dynamic_maps.push(DynamicMap {
                name: name.to_owned(),
                entries: vec![entry],
                ..DynamicMap::default()
            }),
        }
        self
    }

    /// `crypto map NAME SEQ ipsec-isakmp [dynamic D]` with its lines: a
    /// new entry of the map `name`, which is created on its first entry.
    pub fn with_crypto_map_entry(mut self, name: &str, entry: CryptoMapEntry) -> Self {
        match self.crypto_maps.iter_mut().find(|m| m.name == name) {
            Some(m) => m.entries.push(entry),
            None => self.crypto_maps.push(CryptoMap {
                name: name.to_owned(),
                entries: vec![entry],
                ..CryptoMap::default()
            }),
        }
        self
    }

    /// `access-list N ...` / `ip access-list ...`.
    pub fn with_access_list(mut self, list: AccessList) -> Self {
        self.access_lists.push(list);
        self
    }

    /// `ip local pool NAME FIRST LAST`: a range of the pool `name`, which
    /// is created on its first range.
    pub fn with_local_pool(mut self, name: &str, first: Ipv4Addr, last: Ipv4Addr) -> Self {
        let range = PoolRange { first, last };
        match self.local_pools.iter_mut().find(|p| p.name == name) {
            Some(p) => p.ranges.push(range),
            None => self.local_pools.push(LocalPool {
                name: name.to_owned(),
                ranges: vec![range],
                line: 0,
            }),
        }
        self
    }

    /// `interface NAME` with its lines.
    pub fn with_interface(mut self, interface: Interface) -> Self {
        self.interfaces.push(interface);
        self
    }

    /// `ip route PREFIX MASK NEXT-HOP`.
    pub fn with_ip_route(mut self, prefix: Ipv4Addr, mask: Ipv4Addr, next_hop: Ipv4Addr) -> Self {
        self.ip_routes.push(IpRoute {
            prefix,
            mask,
            next_hop: Some(next_hop),
            interface: None,
            distance: None,
            line: 0,
        });
        self
    }
}

impl User {
    /// `username NAME password [0|7] P`: `plain` is the password itself
    /// (a type 7 string decoded), `encoding` how the text writes it.
    pub fn with_password(name: &str, plain: &str, encoding: PasswordEncoding) -> Self {
        Self {
            name: name.to_owned(),
            privilege: None,
            credential: Credential::Password {
                plain: Secret::from(plain),
                encoding,
            },
            line: 0,
        }
    }
}

impl AaaMethodList {
    /// A named list of methods, tried in order.
    pub fn new(name: &str, methods: &[AaaMethod]) -> Self {
        Self {
            name: name.to_owned(),
            methods: methods.to_vec(),
            line: 0,
        }
    }
}

impl KeyPeer {
    /// `address 0.0.0.0 0.0.0.0`: every peer (the seed's wildcard key).
    pub const ANY: Self = Self::Address {
        address: Ipv4Addr::UNSPECIFIED,
        mask: Ipv4Addr::UNSPECIFIED,
    };

    /// `address A`: one peer (mask 255.255.255.255).
    pub const fn address(address: Ipv4Addr) -> Self {
        Self::Address {
            address,
            mask: Ipv4Addr::BROADCAST,
        }
    }
}

impl PresharedKey {
    /// A key for `peer`.
    pub fn new(peer: KeyPeer, key: &str) -> Self {
        Self {
            peer,
            key: Secret::from(key),
            no_xauth: false,
            line: 0,
        }
    }
}

impl Keyring {
    /// `crypto keyring NAME`, without keys yet.
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            ..Self::default()
        }
    }

    /// ` pre-shared-key PEER key KEY`.
    pub fn pre_shared_key(mut self, peer: KeyPeer, key: &str) -> Self {
        self.keys.push(PresharedKey::new(peer, key));
        self
    }
}

impl IsakmpPolicy {
    /// `crypto isakmp policy PRIORITY` with IOS's defaults: `encr des`,
    /// `hash sha`, `authentication rsa-sig`, `group 1`, `lifetime 86400`.
    pub fn new(priority: u16) -> Self {
        Self::with_defaults(priority, 0)
    }

    /// ` encr ...`.
    pub fn encryption(mut self, e: IkeEncryption) -> Self {
        self.encryption = e;
        self
    }

    /// ` hash ...`.
    pub fn hash(mut self, h: IkeHash) -> Self {
        self.hash = h;
        self
    }

    /// ` authentication ...`.
    pub fn authentication(mut self, a: IkeAuthentication) -> Self {
        self.authentication = a;
        self
    }

    /// ` group N`.
    pub fn group(mut self, g: DhGroup) -> Self {
        self.group = g;
        self
    }

    /// ` lifetime SECONDS`.
    pub fn lifetime(mut self, seconds: u32) -> Self {
        self.lifetime = seconds;
        self
    }
}

impl ClientConfigGroup {
    /// `crypto isakmp client configuration group NAME` with ` key KEY`.
    pub fn named(name: &str, key: &str) -> Self {
        Self {
            name: name.to_owned(),
            key: Some(Secret::from(key)),
            ..Self::default()
        }
    }

    /// ` dns A [B]`.
    pub fn dns(mut self, servers: &[Ipv4Addr]) -> Self {
        self.dns = servers.to_vec();
        self
    }

    /// ` wins A [B]`.
    pub fn wins(mut self, servers: &[Ipv4Addr]) -> Self {
        self.wins = servers.to_vec();
        self
    }

    /// ` domain D`.
    pub fn domain(mut self, domain: &str) -> Self {
        self.domain = Some(domain.to_owned());
        self
    }

    /// ` pool P`.
    pub fn pool(mut self, pool: &str) -> Self {
        self.pool = Some(pool.to_owned());
        self
    }
}

impl MatchIdentity {
    /// `match identity address A` (no mask).
    pub const fn address(address: Ipv4Addr) -> Self {
        Self::Address {
            address,
            mask: None,
        }
    }
}

impl IsakmpProfile {
    /// `crypto isakmp profile NAME`, matching nothing yet.
    pub fn named(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            ..Self::default()
        }
    }

    /// ` description TEXT`.
    pub fn description(mut self, text: &str) -> Self {
        self.description = Some(text.to_owned());
        self
    }

    /// ` keyring NAME`.
    pub fn keyring(mut self, name: &str) -> Self {
        self.keyrings.push(name.to_owned());
        self
    }

    /// ` match identity ...`.
    pub fn match_identity(mut self, m: MatchIdentity) -> Self {
        self.match_identities.push(m);
        self
    }

    /// ` client authentication list L` (Xauth).
    pub fn client_authentication_list(mut self, list: &str) -> Self {
        self.client_authentication_list = Some(list.to_owned());
        self
    }

    /// ` isakmp authorization list L`.
    pub fn isakmp_authorization_list(mut self, list: &str) -> Self {
        self.isakmp_authorization_list = Some(list.to_owned());
        self
    }

    /// ` client configuration address respond|initiate` (Mode Config).
    pub fn client_configuration_address(mut self, a: ClientConfigAddress) -> Self {
        self.client_configuration_address = Some(a);
        self
    }
}

impl TransformSet {
    /// `crypto ipsec transform-set NAME ENC [INTEGRITY]`, tunnel mode.
    pub fn new(name: &str, encryption: EspEncryption, integrity: Option<EspIntegrity>) -> Self {
        Self {
            name: name.to_owned(),
            encryption: Some(encryption),
            integrity,
            ..Self::default()
        }
    }
}

impl CryptoMapEntry {
    /// `crypto map M SEQ ipsec-isakmp` (or `crypto dynamic-map M SEQ`),
    /// without lines yet.
    pub fn seq(seq: u32) -> Self {
        Self {
            seq,
            ..Self::default()
        }
    }

    /// `crypto map M SEQ ipsec-isakmp dynamic D`.
    pub fn dynamic(seq: u32, dynamic_map: &str) -> Self {
        Self {
            dynamic_map: Some(dynamic_map.to_owned()),
            ..Self::seq(seq)
        }
    }

    /// ` set peer A`.
    pub fn peer(mut self, peer: Ipv4Addr) -> Self {
        self.peers.push(peer);
        self
    }

    /// ` set transform-set T` (again for the next in preference order).
    pub fn transform_set(mut self, name: &str) -> Self {
        self.transform_sets.push(name.to_owned());
        self
    }

    /// ` match address ACL`.
    pub fn match_address(mut self, acl: &str) -> Self {
        self.match_address = Some(acl.to_owned());
        self
    }

    /// ` set pfs groupN`.
    pub fn pfs(mut self, group: DhGroup) -> Self {
        self.pfs = Some(group);
        self
    }

    /// ` set isakmp-profile P`.
    pub fn isakmp_profile(mut self, profile: &str) -> Self {
        self.isakmp_profile = Some(profile.to_owned());
        self
    }
}

impl AccessList {
    /// `access-list NAME` of extended kind (numbers 100-199, 2000-2699,
    /// or `ip access-list extended NAME`), without lines yet.
    pub fn extended(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            kind: AclKind::Extended,
            entries: Vec::new(),
            line: 0,
        }
    }

    /// `... permit ip SOURCE DESTINATION`.
    pub fn permit_ip(mut self, source: AddressWildcard, destination: AddressWildcard) -> Self {
        self.entries.push(AclEntry {
            action: AclAction::Permit,
            protocol: AclProtocol::Ip,
            source,
            source_port: None,
            destination,
            destination_port: None,
            icmp_type: None,
            established: false,
            log: false,
            line: 0,
        });
        self
    }
}

impl Interface {
    /// `interface NAME`, without lines yet.
    pub fn named(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            ..Self::default()
        }
    }

    /// ` description TEXT`.
    pub fn description(mut self, text: &str) -> Self {
        self.description = Some(text.to_owned());
        self
    }

    /// ` ip address A M`.
    pub fn address(mut self, address: Ipv4Addr, mask: Ipv4Addr) -> Self {
        self.address = Some(InterfaceAddress::Static { address, mask });
        self
    }

    /// ` ip address dhcp`.
    pub fn dhcp(mut self) -> Self {
        self.address = Some(InterfaceAddress::Dhcp);
        self
    }

    /// ` crypto map NAME`: this is the outside interface.
    pub fn crypto_map(mut self, name: &str) -> Self {
        self.crypto_map = Some(name.to_owned());
        self
    }
}
