//! The configuration model: the objects of a Cisco IOS crypto
//! configuration, named as IOS names them.
//!
//! A [`Config`] is what [`crate::ios::parse`] returns. Every object keeps
//! the line it was defined on. Lists keep configuration order; the rules
//! that need another order (ISAKMP policies by priority, crypto map entries
//! by sequence number) apply it themselves.

mod acl;
mod build;
mod ezvpn;
mod ipsec;
mod isakmp;
mod proto_terms;
mod system;

use std::net::Ipv4Addr;

pub use acl::{AccessList, AclAction, AclEntry, AclKind, AclProtocol, AddressWildcard, PortMatch};
pub use ezvpn::{EzvpnClient, EzvpnConnect, EzvpnMode, EzvpnSide, InterfaceEzvpn, XauthUseridMode};
pub use ipsec::{
    CryptoMap, CryptoMapEntry, DynamicMap, EspEncryption, EspIntegrity, EspMode, IpsecProfile,
    SaLifetime, TransformSet,
};
pub use isakmp::{
    ClientConfigAddress, ClientConfigGroup, ClientEndpoint, DEFAULT_KEYRING, DhGroup,
    IkeAuthentication, IkeEncryption, IkeHash, IsakmpIdentity, IsakmpKeepalive, IsakmpPeer,
    IsakmpPeerId, IsakmpPolicy, IsakmpProfile, KeepaliveMode, KeyPeer, Keyring,
    KeyringLocalAddress, LocalAddress, MatchIdentity, PresharedKey, ProfileKeepalive, SelfIdentity,
};
pub use proto_terms::NotNegotiable;
pub use system::{
    AaaMethod, AaaMethodList, Credential, IgnoredLine, Interface, InterfaceAddress, IpRoute,
    LocalPool, PasswordEncoding, PoolGroup, PoolRange, User,
};

/// An AES key length, for `encr aes N`, `esp-aes N` and `esp-gcm N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AesKeyLength {
    /// 128 bits (what `aes` alone means).
    Aes128,
    /// 192 bits.
    Aes192,
    /// 256 bits.
    Aes256,
}

impl AesKeyLength {
    /// The length in bits.
    pub fn bits(self) -> u16 {
        match self {
            AesKeyLength::Aes128 => 128,
            AesKeyLength::Aes192 => 192,
            AesKeyLength::Aes256 => 256,
        }
    }

    /// The length for a bit count, if it is one of the three.
    pub fn from_bits(bits: u16) -> Option<Self> {
        match bits {
            128 => Some(AesKeyLength::Aes128),
            192 => Some(AesKeyLength::Aes192),
            256 => Some(AesKeyLength::Aes256),
            _ => None,
        }
    }
}

/// The prefix length of a contiguous subnet mask (`255.255.254.0` is 23),
/// `None` when the mask has holes.
pub fn mask_prefix_len(mask: Ipv4Addr) -> Option<u8> {
    let m = u32::from(mask);
    let len = m.leading_ones();
    (m.checked_shl(len).unwrap_or(0) == 0).then_some(len as u8)
}

/// A whole configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `hostname NAME`.
    pub hostname: Option<String>,
    /// `service password-encryption` (`no service password-encryption`
    /// or absent: false).
    pub service_password_encryption: bool,
    /// `aaa new-model`.
    pub aaa_new_model: bool,
    /// `aaa authentication login LIST METHODS`.
    pub aaa_authentication_login: Vec<AaaMethodList>,
    /// `aaa authorization network LIST METHODS`.
    pub aaa_authorization_network: Vec<AaaMethodList>,
    /// `username ...`.
    pub users: Vec<User>,
    /// `crypto isakmp key ...`: the default keyring (named
    /// [`DEFAULT_KEYRING`] in IOS's debug output).
    pub isakmp_keys: Vec<PresharedKey>,
    /// `crypto keyring NAME`.
    pub keyrings: Vec<Keyring>,
    /// `crypto isakmp policy N`, in configuration order.
    pub isakmp_policies: Vec<IsakmpPolicy>,
    /// `crypto isakmp profile NAME`, in configuration order.
    pub isakmp_profiles: Vec<IsakmpProfile>,
    /// `crypto isakmp client configuration group NAME`.
    pub client_groups: Vec<ClientConfigGroup>,
    /// `crypto isakmp client configuration address-pool local POOL`.
    pub client_address_pool: Option<String>,
    /// `crypto isakmp identity ...`.
    pub isakmp_identity: Option<IsakmpIdentity>,
    /// `crypto isakmp keepalive ...` (DPD).
    pub isakmp_keepalive: Option<IsakmpKeepalive>,
    /// `crypto isakmp nat keepalive N` (seconds).
    pub nat_keepalive: Option<u32>,
    /// `crypto isakmp aggressive-mode disable`: no Aggressive Mode is
    /// answered, whatever the identity.
    pub isakmp_aggressive_mode_disable: bool,
    /// `crypto isakmp peer address A | hostname NAME`.
    pub isakmp_peers: Vec<IsakmpPeer>,
    /// `aaa local authentication attempts max-fail N`: a local user is
    /// locked after N failed logins in a row.
    pub aaa_local_max_fail: Option<u32>,
    /// `crypto ipsec security-association lifetime ...` (defaults 3600 s,
    /// 4608000 KB).
    pub ipsec_sa_lifetime: SaLifetime,
    /// `crypto ipsec security-association replay window-size [N]`: the
    /// anti-replay window of inbound SAs in packets (IOS: 64 without it);
    /// the Gateway uses it over [`crate::GatewayOptions::replay_window`].
    pub ipsec_replay_window: Option<u32>,
    /// `crypto ipsec profile NAME` (read, used by nothing: no tunnel
    /// interfaces here).
    pub ipsec_profiles: Vec<IpsecProfile>,
    /// Keyrings' `local-address` lines (read, not applied).
    pub keyring_local_addresses: Vec<KeyringLocalAddress>,
    /// `ip local pool ... group G`: the pool groups.
    pub pool_groups: Vec<PoolGroup>,
    /// NAT traversal enabled (`no crypto ipsec nat-transparency
    /// udp-encapsulation` turns it off).
    pub nat_transparency: bool,
    /// `crypto ipsec transform-set NAME ...`.
    pub transform_sets: Vec<TransformSet>,
    /// `crypto dynamic-map NAME SEQ`.
    pub dynamic_maps: Vec<DynamicMap>,
    /// `crypto map NAME ...`.
    pub crypto_maps: Vec<CryptoMap>,
    /// `access-list N ...` and `ip access-list ...`.
    pub access_lists: Vec<AccessList>,
    /// `ip local pool NAME ...`.
    pub local_pools: Vec<LocalPool>,
    /// `crypto ipsec client ezvpn NAME` (Easy VPN Remote).
    pub ezvpn_clients: Vec<EzvpnClient>,
    /// `interface NAME`.
    pub interfaces: Vec<Interface>,
    /// `ip route ...`.
    pub ip_routes: Vec<IpRoute>,
    /// Lines kept aside (not about anything above), in order.
    pub ignored: Vec<IgnoredLine>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            hostname: None,
            service_password_encryption: false,
            aaa_new_model: false,
            aaa_authentication_login: Vec::new(),
            aaa_authorization_network: Vec::new(),
            users: Vec::new(),
            isakmp_keys: Vec::new(),
            keyrings: Vec::new(),
            isakmp_policies: Vec::new(),
            isakmp_profiles: Vec::new(),
            client_groups: Vec::new(),
            client_address_pool: None,
            isakmp_identity: None,
            isakmp_keepalive: None,
            nat_keepalive: None,
            isakmp_aggressive_mode_disable: false,
            isakmp_peers: Vec::new(),
            aaa_local_max_fail: None,
            ipsec_sa_lifetime: SaLifetime::default(),
            ipsec_replay_window: None,
            ipsec_profiles: Vec::new(),
            keyring_local_addresses: Vec::new(),
            pool_groups: Vec::new(),
            nat_transparency: true,
            transform_sets: Vec::new(),
            dynamic_maps: Vec::new(),
            crypto_maps: Vec::new(),
            access_lists: Vec::new(),
            local_pools: Vec::new(),
            ezvpn_clients: Vec::new(),
            interfaces: Vec::new(),
            ip_routes: Vec::new(),
            ignored: Vec::new(),
        }
    }
}

impl Config {
    /// Parses IOS configuration text; see [`crate::ios::parse`].
    pub fn from_ios(text: &str) -> Result<Self, crate::ios::ConfigError> {
        crate::ios::parse(text)
    }

    /// The keyring with this name.
    pub fn keyring(&self, name: &str) -> Option<&Keyring> {
        self.keyrings.iter().find(|k| k.name == name)
    }

    /// The ISAKMP policy with this priority.
    pub fn isakmp_policy(&self, priority: u16) -> Option<&IsakmpPolicy> {
        self.isakmp_policies.iter().find(|p| p.priority == priority)
    }

    /// The configured ISAKMP policies, lowest priority number first (the
    /// order an initiator proposes them and a responder tries them).
    pub fn isakmp_policies_by_priority(&self) -> Vec<&IsakmpPolicy> {
        let mut v: Vec<&IsakmpPolicy> = self.isakmp_policies.iter().collect();
        v.sort_by_key(|p| p.priority);
        v
    }

    /// The ISAKMP profile with this name.
    pub fn isakmp_profile(&self, name: &str) -> Option<&IsakmpProfile> {
        self.isakmp_profiles.iter().find(|p| p.name == name)
    }

    /// The client configuration group with this name.
    pub fn client_group(&self, name: &str) -> Option<&ClientConfigGroup> {
        self.client_groups.iter().find(|g| g.name == name)
    }

    /// The transform set with this name.
    pub fn transform_set(&self, name: &str) -> Option<&TransformSet> {
        self.transform_sets.iter().find(|t| t.name == name)
    }

    /// The crypto map with this name.
    pub fn crypto_map(&self, name: &str) -> Option<&CryptoMap> {
        self.crypto_maps.iter().find(|m| m.name == name)
    }

    /// The dynamic map with this name.
    pub fn dynamic_map(&self, name: &str) -> Option<&DynamicMap> {
        self.dynamic_maps.iter().find(|m| m.name == name)
    }

    /// The access list with this number or name.
    pub fn access_list(&self, name: &str) -> Option<&AccessList> {
        self.access_lists.iter().find(|a| a.name == name)
    }

    /// The local pool with this name.
    pub fn local_pool(&self, name: &str) -> Option<&LocalPool> {
        self.local_pools.iter().find(|p| p.name == name)
    }

    /// The Easy VPN client with this name.
    pub fn ezvpn_client(&self, name: &str) -> Option<&EzvpnClient> {
        self.ezvpn_clients.iter().find(|c| c.name == name)
    }

    /// The interface with this name.
    pub fn interface(&self, name: &str) -> Option<&Interface> {
        self.interfaces.iter().find(|i| i.name == name)
    }

    /// The local user with this name.
    pub fn user(&self, name: &str) -> Option<&User> {
        self.users.iter().find(|u| u.name == name)
    }

    /// The `aaa authentication login` list with this name.
    pub fn authentication_login_list(&self, name: &str) -> Option<&AaaMethodList> {
        self.aaa_authentication_login
            .iter()
            .find(|l| l.name == name)
    }

    /// The `aaa authorization network` list with this name.
    pub fn authorization_network_list(&self, name: &str) -> Option<&AaaMethodList> {
        self.aaa_authorization_network
            .iter()
            .find(|l| l.name == name)
    }

    /// The IPsec profile with this name.
    pub fn ipsec_profile(&self, name: &str) -> Option<&IpsecProfile> {
        self.ipsec_profiles.iter().find(|p| p.name == name)
    }

    /// The `local-address` of the keyring with this name, if it has one.
    pub fn keyring_local_address(&self, keyring: &str) -> Option<&LocalAddress> {
        self.keyring_local_addresses
            .iter()
            .rev()
            .find(|k| k.keyring == keyring)
            .map(|k| &k.local)
    }

    /// The pool group the pool with this name belongs to, if any.
    pub fn pool_group_of(&self, pool: &str) -> Option<&PoolGroup> {
        self.pool_groups
            .iter()
            .find(|g| g.pools.iter().any(|p| p == pool))
    }

    /// Turns the host names of `set peer NAME` lines (static and dynamic
    /// map entries) into peer addresses with `resolve`, which the embedder
    /// supplies (this library does no I/O). A resolved name's address is
    /// added to the entry's peers after the addresses written as such (IOS
    /// order within an entry is the order of the lines; the first peer is
    /// the primary one) and the name is dropped; names `resolve` cannot
    /// turn into an address stay, and are returned.
    pub fn resolve_peer_hostnames(
        &mut self,
        mut resolve: impl FnMut(&str) -> Option<Ipv4Addr>,
    ) -> Vec<String> {
        let mut unresolved = Vec::new();
        let entries = self
            .crypto_maps
            .iter_mut()
            .flat_map(|m| m.entries.iter_mut())
            .chain(
                self.dynamic_maps
                    .iter_mut()
                    .flat_map(|m| m.entries.iter_mut()),
            );
        for e in entries {
            let names = std::mem::take(&mut e.peer_hostnames);
            for name in names {
                match resolve(&name) {
                    Some(a) => {
                        if !e.peers.contains(&a) {
                            e.peers.push(a);
                        }
                    }
                    None => {
                        unresolved.push(name.clone());
                        e.peer_hostnames.push(name);
                    }
                }
            }
        }
        unresolved
    }

    /// The interfaces that carry a crypto map, with the map.
    pub fn crypto_interfaces(&self) -> impl Iterator<Item = (&Interface, &CryptoMap)> {
        self.interfaces.iter().filter_map(|i| {
            let map = self.crypto_map(i.crypto_map.as_deref()?)?;
            Some((i, map))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_lengths() {
        assert_eq!(mask_prefix_len(Ipv4Addr::new(255, 255, 254, 0)), Some(23));
        assert_eq!(mask_prefix_len(Ipv4Addr::new(0, 0, 0, 0)), Some(0));
        assert_eq!(mask_prefix_len(Ipv4Addr::new(255, 255, 255, 255)), Some(32));
        assert_eq!(mask_prefix_len(Ipv4Addr::new(255, 0, 255, 0)), None);
    }

    #[test]
    fn wildcard_prefixes() {
        let w = |a: [u8; 4]| AddressWildcard::new(Ipv4Addr::UNSPECIFIED, Ipv4Addr::from(a));
        assert_eq!(w([0, 0, 255, 255]).prefix_len(), Some(16));
        assert_eq!(w([255, 255, 255, 255]).prefix_len(), Some(0));
        assert_eq!(w([0, 0, 0, 0]).prefix_len(), Some(32));
        assert_eq!(w([0, 0, 255, 0]).prefix_len(), None);
        let a = AddressWildcard::new(Ipv4Addr::new(10, 2, 9, 9), Ipv4Addr::new(0, 0, 255, 255));
        assert_eq!(a.address, Ipv4Addr::new(10, 2, 0, 0));
        assert!(a.matches(Ipv4Addr::new(10, 2, 200, 1)));
        assert!(!a.matches(Ipv4Addr::new(10, 3, 0, 1)));
    }
}
