//! Phase 1 objects: keyrings and pre-shared keys, ISAKMP policies, ISAKMP
//! profiles, client configuration groups and keepalives.

use std::net::Ipv4Addr;

use crate::model::{AesKeyLength, mask_prefix_len};
use crate::secret::Secret;

/// The name IOS gives, in its debug output, to the keys of
/// `crypto isakmp key` ("Looking for a matching key for X in default").
pub const DEFAULT_KEYRING: &str = "default";

/// `crypto keyring NAME`: a named set of pre-shared keys.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Keyring {
    /// The keyring's name (`spokes` in the seed).
    pub name: String,
    /// `description TEXT`.
    pub description: Option<String>,
    /// `pre-shared-key ...` lines, in configuration order.
    pub keys: Vec<PresharedKey>,
    /// Line of `crypto keyring NAME` (1-based).
    pub line: usize,
}

/// Whom a pre-shared key is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum KeyPeer {
    /// `address A [M]`: peers whose address ANDed with `mask` equals
    /// `address` ANDed with `mask`. `0.0.0.0 0.0.0.0` is the wildcard.
    Address {
        /// The address as written.
        address: Ipv4Addr,
        /// The subnet mask (contiguous); `255.255.255.255` when omitted.
        mask: Ipv4Addr,
    },
    /// `hostname H`: a peer that identifies itself with this FQDN.
    Hostname(String),
}

impl KeyPeer {
    /// Whether `peer` is covered by this entry (never for a hostname entry).
    pub fn matches_address(&self, peer: Ipv4Addr) -> bool {
        match self {
            KeyPeer::Address { address, mask } => {
                let m = u32::from(*mask);
                u32::from(*address) & m == u32::from(peer) & m
            }
            KeyPeer::Hostname(_) => false,
        }
    }

    /// Prefix length of an address entry (0 for the wildcard), `None` for a
    /// hostname entry.
    pub fn prefix_len(&self) -> Option<u8> {
        match self {
            KeyPeer::Address { mask, .. } => Some(mask_prefix_len(*mask).unwrap_or(0)),
            KeyPeer::Hostname(_) => None,
        }
    }

    /// Whether this is the wildcard `0.0.0.0 0.0.0.0`.
    pub fn is_wildcard(&self) -> bool {
        matches!(self, KeyPeer::Address { mask, .. } if mask.is_unspecified())
    }
}

/// One pre-shared key: `pre-shared-key address A M key K` in a keyring, or
/// `crypto isakmp key K address A [M] [no-xauth]` in the default keyring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresharedKey {
    /// The peer(s) the key is for.
    pub peer: KeyPeer,
    /// The key itself.
    pub key: Secret,
    /// `no-xauth` (only on `crypto isakmp key`): this peer is not asked for
    /// Xauth even when the crypto map asks everyone else.
    pub no_xauth: bool,
    /// Line of the command (1-based).
    pub line: usize,
}

/// Phase 1 encryption of an ISAKMP policy (`encryption` / `encr`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IkeEncryption {
    /// `des` (the IOS default).
    Des,
    /// `3des`.
    TripleDes,
    /// `aes [128|192|256]` (`aes` alone is 128).
    Aes(AesKeyLength),
}

impl IkeEncryption {
    /// The keyword(s) as IOS writes them: `des`, `3des`, `aes 256`.
    pub fn ios_name(self) -> &'static str {
        match self {
            IkeEncryption::Des => "des",
            IkeEncryption::TripleDes => "3des",
            IkeEncryption::Aes(AesKeyLength::Aes128) => "aes",
            IkeEncryption::Aes(AesKeyLength::Aes192) => "aes 192",
            IkeEncryption::Aes(AesKeyLength::Aes256) => "aes 256",
        }
    }
}

/// Phase 1 hash of an ISAKMP policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IkeHash {
    /// `md5`.
    Md5,
    /// `sha` (SHA-1, the IOS default).
    Sha,
    /// `sha256`.
    Sha256,
    /// `sha384`.
    Sha384,
    /// `sha512`.
    Sha512,
}

impl IkeHash {
    /// The keyword as IOS writes it.
    pub fn ios_name(self) -> &'static str {
        match self {
            IkeHash::Md5 => "md5",
            IkeHash::Sha => "sha",
            IkeHash::Sha256 => "sha256",
            IkeHash::Sha384 => "sha384",
            IkeHash::Sha512 => "sha512",
        }
    }
}

/// Phase 1 authentication method of an ISAKMP policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IkeAuthentication {
    /// `pre-share`: pre-shared keys (with or without Xauth).
    PreShare,
    /// `rsa-sig`: RSA signatures (the IOS default). Parsed, not supported by
    /// this suite: see [`IkeAuthentication::is_supported`].
    RsaSig,
    /// `rsa-encr`: RSA encrypted nonces. Parsed, not supported.
    RsaEncr,
}

impl IkeAuthentication {
    /// The keyword as IOS writes it.
    pub fn ios_name(self) -> &'static str {
        match self {
            IkeAuthentication::PreShare => "pre-share",
            IkeAuthentication::RsaSig => "rsa-sig",
            IkeAuthentication::RsaEncr => "rsa-encr",
        }
    }

    /// Whether ikesuite can authenticate this way (only pre-shared keys:
    /// there is no PKI in the suite).
    pub fn is_supported(self) -> bool {
        matches!(self, IkeAuthentication::PreShare)
    }
}

/// A MODP Diffie-Hellman group, as numbered by IKE (RFC 2409, RFC 3526).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum DhGroup {
    /// Group 1, 768-bit MODP (the IOS default for ISAKMP policies and for
    /// `set pfs` without a group).
    Group1,
    /// Group 2, 1024-bit MODP.
    Group2,
    /// Group 5, 1536-bit MODP.
    Group5,
    /// Group 14, 2048-bit MODP.
    Group14,
    /// Group 15, 3072-bit MODP.
    Group15,
    /// Group 16, 4096-bit MODP.
    Group16,
}

impl DhGroup {
    /// All groups this model knows, in number order.
    pub const ALL: [DhGroup; 6] = [
        DhGroup::Group1,
        DhGroup::Group2,
        DhGroup::Group5,
        DhGroup::Group14,
        DhGroup::Group15,
        DhGroup::Group16,
    ];

    /// The IKE group number.
    pub fn number(self) -> u16 {
        match self {
            DhGroup::Group1 => 1,
            DhGroup::Group2 => 2,
            DhGroup::Group5 => 5,
            DhGroup::Group14 => 14,
            DhGroup::Group15 => 15,
            DhGroup::Group16 => 16,
        }
    }

    /// The group with this IKE number, if the model knows it.
    pub fn from_number(n: u16) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.number() == n)
    }
}

/// `crypto isakmp policy N`: one phase 1 protection suite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IsakmpPolicy {
    /// Priority 1 to 10000; lower is tried first.
    pub priority: u16,
    /// `encryption` (default `des`).
    pub encryption: IkeEncryption,
    /// `hash` (default `sha`).
    pub hash: IkeHash,
    /// `authentication` (default `rsa-sig`).
    pub authentication: IkeAuthentication,
    /// `group` (default 1).
    pub group: DhGroup,
    /// `lifetime` in seconds, 60 to 86400 (default 86400).
    pub lifetime: u32,
    /// Line of `crypto isakmp policy N` (0 for the built-in default suite).
    pub line: usize,
}

impl IsakmpPolicy {
    /// The priority IOS gives its built-in "Default protection suite",
    /// tried after every configured policy.
    pub const DEFAULT_SUITE_PRIORITY: u16 = 65535;
    /// The IOS default lifetime of a policy, in seconds.
    pub const DEFAULT_LIFETIME: u32 = 86400;

    /// A policy with the IOS defaults of a fresh `crypto isakmp policy N`:
    /// encryption des, hash sha, authentication rsa-sig, group 1, lifetime
    /// 86400 (as `show crypto isakmp policy` prints them).
    pub fn with_defaults(priority: u16, line: usize) -> Self {
        Self {
            priority,
            encryption: IkeEncryption::Des,
            hash: IkeHash::Sha,
            authentication: IkeAuthentication::RsaSig,
            group: DhGroup::Group1,
            lifetime: Self::DEFAULT_LIFETIME,
            line,
        }
    }

    /// The IOS "Default protection suite" (the defaults above at priority
    /// 65535).
    pub fn default_suite() -> Self {
        Self::with_defaults(Self::DEFAULT_SUITE_PRIORITY, 0)
    }
}

/// `match identity ...` in an ISAKMP profile.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MatchIdentity {
    /// `match identity address A [M]`: the peer's ID payload is an IPv4
    /// address inside A/M.
    Address {
        /// The address as written.
        address: Ipv4Addr,
        /// The mask as written, if any.
        mask: Option<Ipv4Addr>,
    },
    /// `match identity group G`: the peer sent ID_KEY_ID G (a Cisco VPN
    /// Client group name).
    Group(String),
    /// `match identity host H`: the peer sent ID_FQDN H.
    Host(String),
    /// `match identity host domain D`: the peer sent an ID_FQDN in domain D.
    HostDomain(String),
    /// `match identity user U`: the peer sent ID_USER_FQDN U.
    User(String),
    /// `match identity user domain D`: the peer sent an ID_USER_FQDN in D.
    UserDomain(String),
}

impl MatchIdentity {
    /// The mask an address match really uses. With a mask written, that
    /// mask. Without one, `255.255.255.255`, except for the address
    /// `0.0.0.0` alone, which is the wildcard identity: the seed's profile
    /// L2L says `match identity address 0.0.0.0` and its debug output shows
    /// the spoke 10.100.2.102 matching it ("peer matches L2L profile").
    pub fn effective_mask(&self) -> Option<Ipv4Addr> {
        match self {
            MatchIdentity::Address { mask: Some(m), .. } => Some(*m),
            MatchIdentity::Address {
                address,
                mask: None,
            } if address.is_unspecified() => Some(Ipv4Addr::UNSPECIFIED),
            MatchIdentity::Address { mask: None, .. } => Some(Ipv4Addr::BROADCAST),
            _ => None,
        }
    }
}

/// `client configuration address respond|initiate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientConfigAddress {
    /// `respond`: answer the client's Mode Config request.
    Respond,
    /// `initiate`: push the address to the client.
    Initiate,
}

/// `keepalive N retry M` in an ISAKMP profile (DPD).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProfileKeepalive {
    /// Seconds between keepalives, 10 to 3600.
    pub interval: u32,
    /// Seconds between retries, 2 to 60.
    pub retry: u32,
}

/// `self-identity address|fqdn` in an ISAKMP profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SelfIdentity {
    /// Send ID_IPV4_ADDR (the default).
    Address,
    /// Send ID_FQDN with the host name.
    Fqdn,
}

/// `crypto isakmp profile NAME`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IsakmpProfile {
    /// The profile's name.
    pub name: String,
    /// `description TEXT`.
    pub description: Option<String>,
    /// `keyring NAME` lines: the keyrings this profile's peers' keys come
    /// from. Empty means "every keyring".
    pub keyrings: Vec<String>,
    /// `match identity ...` lines; a peer matches when any of them does.
    pub match_identities: Vec<MatchIdentity>,
    /// `client authentication list L`: peers of this profile do Xauth
    /// against AAA list L. Absent means no Xauth (the seed's L2L).
    pub client_authentication_list: Option<String>,
    /// `isakmp authorization list L`: group attributes come from list L.
    pub isakmp_authorization_list: Option<String>,
    /// `client configuration address respond|initiate` (Mode Config).
    pub client_configuration_address: Option<ClientConfigAddress>,
    /// `client configuration group G`.
    pub client_configuration_group: Option<String>,
    /// `keepalive N retry M`.
    pub keepalive: Option<ProfileKeepalive>,
    /// `self-identity address|fqdn`.
    pub self_identity: Option<SelfIdentity>,
    /// `initiate mode aggressive`.
    pub initiate_aggressive: bool,
    /// `local-address INTERFACE`.
    pub local_address: Option<String>,
    /// Line of `crypto isakmp profile NAME`.
    pub line: usize,
}

impl IsakmpProfile {
    /// An empty profile.
    pub fn new(name: impl Into<String>, line: usize) -> Self {
        Self {
            name: name.into(),
            description: None,
            keyrings: Vec::new(),
            match_identities: Vec::new(),
            client_authentication_list: None,
            isakmp_authorization_list: None,
            client_configuration_address: None,
            client_configuration_group: None,
            keepalive: None,
            self_identity: None,
            initiate_aggressive: false,
            local_address: None,
            line,
        }
    }
}

/// `crypto isakmp client configuration group NAME`: what a Cisco VPN Client
/// of this group authenticates with and receives through Mode Config.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClientConfigGroup {
    /// The group name (the ID_KEY_ID the client sends).
    pub name: String,
    /// `key K`: the group's pre-shared key.
    pub key: Option<Secret>,
    /// `dns A [B]`.
    pub dns: Vec<Ipv4Addr>,
    /// `wins A [B]`.
    pub wins: Vec<Ipv4Addr>,
    /// `domain D`.
    pub domain: Option<String>,
    /// `pool P`: an `ip local pool`.
    pub pool: Option<String>,
    /// `acl A`: the split-tunnel access list.
    pub acl: Option<String>,
    /// `netmask M`.
    pub netmask: Option<Ipv4Addr>,
    /// `save-password`.
    pub save_password: bool,
    /// `include-local-lan`.
    pub include_local_lan: bool,
    /// `pfs`.
    pub pfs: bool,
    /// `max-users N`.
    pub max_users: Option<u32>,
    /// `max-logins N`.
    pub max_logins: Option<u32>,
    /// `backup-gateway G` lines.
    pub backup_gateways: Vec<String>,
    /// `split-dns D` lines.
    pub split_dns: Vec<String>,
    /// `banner c ... c`: the text between the delimiters, lines joined
    /// with `\n` (the line breaks right after the opening and before the
    /// closing delimiter are not part of it).
    pub banner: Option<String>,
    /// `firewall are-u-there`: the client must have its firewall running.
    pub firewall_are_u_there: bool,
    /// Line of the group command.
    pub line: usize,
}

impl ClientConfigGroup {
    /// An empty group.
    pub fn new(name: impl Into<String>, line: usize) -> Self {
        Self {
            name: name.into(),
            key: None,
            dns: Vec::new(),
            wins: Vec::new(),
            domain: None,
            pool: None,
            acl: None,
            netmask: None,
            save_password: false,
            include_local_lan: false,
            pfs: false,
            max_users: None,
            max_logins: None,
            backup_gateways: Vec::new(),
            split_dns: Vec::new(),
            banner: None,
            firewall_are_u_there: false,
            line,
        }
    }
}

/// Whether DPD keepalives are sent periodically or only when needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeepaliveMode {
    /// `on-demand` (the default): only when traffic is sent and none came.
    OnDemand,
    /// `periodic`: at every interval.
    Periodic,
}

/// `crypto isakmp keepalive N [R] [periodic|on-demand]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IsakmpKeepalive {
    /// Seconds between keepalives, 10 to 3600.
    pub interval: u32,
    /// Seconds between retries, 2 to 60 (IOS default 2).
    pub retry: u32,
    /// Periodic or on demand.
    pub mode: KeepaliveMode,
}

/// `crypto isakmp identity address|hostname|dn`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IsakmpIdentity {
    /// `address` (the default).
    Address,
    /// `hostname`.
    Hostname,
    /// `dn`.
    Dn,
}

/// Who a `crypto isakmp peer` block is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum IsakmpPeerId {
    /// `crypto isakmp peer address A`.
    Address(Ipv4Addr),
    /// `crypto isakmp peer hostname NAME`.
    Hostname(String),
}

/// `set aggressive-mode client-endpoint ...`: the identity the peer's
/// Aggressive Mode carries.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ClientEndpoint {
    /// `ipv4-address A` (ID_IPV4_ADDR).
    Ipv4(Ipv4Addr),
    /// `fqdn NAME` (ID_FQDN).
    Fqdn(String),
    /// `user-fqdn NAME` (ID_USER_FQDN).
    UserFqdn(String),
}

/// `crypto isakmp peer address A | hostname NAME` and the sub-commands
/// that configure Aggressive Mode for that peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IsakmpPeer {
    /// The peer.
    pub peer: IsakmpPeerId,
    /// `set aggressive-mode password K`: the pre-shared key of its
    /// Aggressive Mode.
    pub aggressive_mode_password: Option<Secret>,
    /// `set aggressive-mode client-endpoint ...`.
    pub aggressive_mode_client_endpoint: Option<ClientEndpoint>,
    /// Line of `crypto isakmp peer`.
    pub line: usize,
}

impl IsakmpPeer {
    /// A block with nothing set yet.
    pub fn new(peer: IsakmpPeerId, line: usize) -> Self {
        Self {
            peer,
            aggressive_mode_password: None,
            aggressive_mode_client_endpoint: None,
            line,
        }
    }

    /// Whether the block configures Aggressive Mode at all.
    pub fn aggressive_mode(&self) -> bool {
        self.aggressive_mode_password.is_some() || self.aggressive_mode_client_endpoint.is_some()
    }
}

/// An address a keyring is bound to (`local-address`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocalAddress {
    /// `local-address A [VRF]`.
    Address(Ipv4Addr),
    /// `local-address INTERFACE`: the interface's address.
    Interface(String),
}

/// A keyring's `local-address` line: IOS uses the keyring only for IKE
/// SAs on that local address. Kept beside [`Keyring`] (whose fields stay as
/// they are) and not applied: a Gateway has one outside address, and every
/// keyring serves it (the parser warns).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyringLocalAddress {
    /// The keyring.
    pub keyring: String,
    /// The address or interface.
    pub local: LocalAddress,
    /// Line of the `local-address` line.
    pub line: usize,
}
