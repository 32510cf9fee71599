//! Phase 2 objects: transform sets, crypto maps and dynamic maps.

use std::net::Ipv4Addr;

use crate::model::AesKeyLength;
use crate::model::isakmp::{ClientConfigAddress, DhGroup};

/// The ESP cipher of a transform set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EspEncryption {
    /// `esp-des`.
    Des,
    /// `esp-3des` (the seed's).
    TripleDes,
    /// `esp-aes [128|192|256]` (`esp-aes` alone is 128).
    Aes(AesKeyLength),
    /// `esp-gcm [128|192|256]`: AES-GCM with a 16-byte ICV (RFC 4106);
    /// combined mode, so no integrity transform goes with it.
    Gcm(AesKeyLength),
    /// `esp-null`.
    Null,
}

impl EspEncryption {
    /// The transform as IOS prints it: `esp-3des`, `esp-aes 256`.
    pub fn ios_name(self) -> &'static str {
        match self {
            EspEncryption::Des => "esp-des",
            EspEncryption::TripleDes => "esp-3des",
            EspEncryption::Aes(AesKeyLength::Aes128) => "esp-aes",
            EspEncryption::Aes(AesKeyLength::Aes192) => "esp-aes 192",
            EspEncryption::Aes(AesKeyLength::Aes256) => "esp-aes 256",
            EspEncryption::Gcm(AesKeyLength::Aes128) => "esp-gcm",
            EspEncryption::Gcm(AesKeyLength::Aes192) => "esp-gcm 192",
            EspEncryption::Gcm(AesKeyLength::Aes256) => "esp-gcm 256",
            EspEncryption::Null => "esp-null",
        }
    }

    /// Whether this cipher authenticates by itself (GCM).
    pub fn is_combined_mode(self) -> bool {
        matches!(self, EspEncryption::Gcm(_))
    }
}

/// The ESP integrity transform of a transform set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EspIntegrity {
    /// `esp-md5-hmac` (HMAC-MD5-96).
    Md5Hmac,
    /// `esp-sha-hmac` (HMAC-SHA1-96, the seed's).
    ShaHmac,
    /// `esp-sha256-hmac` (HMAC-SHA-256-128).
    Sha256Hmac,
    /// `esp-sha384-hmac` (HMAC-SHA-384-192).
    Sha384Hmac,
    /// `esp-sha512-hmac` (HMAC-SHA-512-256).
    Sha512Hmac,
}

impl EspIntegrity {
    /// The transform as IOS prints it.
    pub fn ios_name(self) -> &'static str {
        match self {
            EspIntegrity::Md5Hmac => "esp-md5-hmac",
            EspIntegrity::ShaHmac => "esp-sha-hmac",
            EspIntegrity::Sha256Hmac => "esp-sha256-hmac",
            EspIntegrity::Sha384Hmac => "esp-sha384-hmac",
            EspIntegrity::Sha512Hmac => "esp-sha512-hmac",
        }
    }
}

/// `mode tunnel|transport` of a transform set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum EspMode {
    /// `mode tunnel` (the default).
    #[default]
    Tunnel,
    /// `mode transport`: transport requested, tunnel still accepted.
    Transport,
}

/// `crypto ipsec transform-set NAME t1 [t2]` and its `mode`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TransformSet {
    /// The set's name (`myset` in the seed).
    pub name: String,
    /// The ESP cipher, if the set has one (an integrity-only set has none).
    pub encryption: Option<EspEncryption>,
    /// The ESP integrity transform, if any.
    pub integrity: Option<EspIntegrity>,
    /// Tunnel or transport.
    pub mode: EspMode,
    /// Line of the transform-set command.
    pub line: usize,
}

impl TransformSet {
    /// The transforms as IOS prints them in `show crypto ipsec sa`:
    /// `esp-3des esp-sha-hmac`.
    pub fn transforms_text(&self) -> String {
        let mut parts = Vec::new();
        if let Some(e) = self.encryption {
            parts.push(e.ios_name());
        }
        if let Some(i) = self.integrity {
            parts.push(i.ios_name());
        }
        parts.join(" ")
    }
}

/// IPsec SA lifetimes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SaLifetime {
    /// Seconds.
    pub seconds: u32,
    /// Kilobytes.
    pub kilobytes: u32,
}

impl Default for SaLifetime {
    /// The IOS global defaults: 3600 seconds and 4608000 kilobytes (the
    /// seed's spoke proposes exactly these).
    fn default() -> Self {
        Self {
            seconds: 3600,
            kilobytes: 4_608_000,
        }
    }
}

/// One sequence-numbered entry of a crypto map or a dynamic map.
///
/// In a crypto map, an entry either is a static entry (`crypto map M 10
/// ipsec-isakmp` with its `set` and `match` lines) or refers to a dynamic
/// map (`crypto map M 10 ipsec-isakmp dynamic D`, with `dynamic_map` set).
/// In a dynamic map, `dynamic_map` is always `None`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CryptoMapEntry {
    /// The sequence number, 1 to 65535.
    pub seq: u32,
    /// `dynamic D`: the dynamic map this entry stands for.
    pub dynamic_map: Option<String>,
    /// `set peer A` lines (the first is the primary peer).
    pub peers: Vec<Ipv4Addr>,
    /// `set peer NAME [dynamic] [default]` lines with a host name: kept as
    /// written, since a library does no name lookups; the embedder turns
    /// them into [`CryptoMapEntry::peers`] with
    /// [`super::Config::resolve_peer_hostnames`].
    pub peer_hostnames: Vec<String>,
    /// `set transform-set T1 [T2 ...]`, in preference order.
    pub transform_sets: Vec<String>,
    /// `match address ACL`.
    pub match_address: Option<String>,
    /// `set pfs [groupN]` (`set pfs` alone is group 1).
    pub pfs: Option<DhGroup>,
    /// `set security-association lifetime seconds N`.
    pub sa_lifetime_seconds: Option<u32>,
    /// `set security-association lifetime kilobytes N`.
    pub sa_lifetime_kilobytes: Option<u32>,
    /// `set isakmp-profile P`.
    pub isakmp_profile: Option<String>,
    /// `reverse-route`.
    pub reverse_route: bool,
    /// `description TEXT`.
    pub description: Option<String>,
    /// Line of the entry's command.
    pub line: usize,
}

impl CryptoMapEntry {
    /// An empty entry.
    pub fn new(seq: u32, line: usize) -> Self {
        Self {
            seq,
            dynamic_map: None,
            peers: Vec::new(),
            peer_hostnames: Vec::new(),
            transform_sets: Vec::new(),
            match_address: None,
            pfs: None,
            sa_lifetime_seconds: None,
            sa_lifetime_kilobytes: None,
            isakmp_profile: None,
            reverse_route: false,
            description: None,
            line,
        }
    }

    /// This entry's SA lifetimes: its own `set security-association
    /// lifetime` values, else the global ones.
    pub fn sa_lifetime(&self, global: SaLifetime) -> SaLifetime {
        SaLifetime {
            seconds: self.sa_lifetime_seconds.unwrap_or(global.seconds),
            kilobytes: self.sa_lifetime_kilobytes.unwrap_or(global.kilobytes),
        }
    }
}

/// `crypto map NAME ...`: the entries and the map-wide settings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CryptoMap {
    /// The map's name (`mymap` in the seed).
    pub name: String,
    /// The entries in configuration order (see
    /// [`crate::resolver::crypto_map_candidates`] for evaluation order).
    pub entries: Vec<CryptoMapEntry>,
    /// `crypto map NAME client authentication list L` (Xauth for peers that
    /// no ISAKMP profile claims).
    pub client_authentication_list: Option<String>,
    /// `crypto map NAME isakmp authorization list L`.
    pub isakmp_authorization_list: Option<String>,
    /// `crypto map NAME client configuration address respond|initiate`.
    pub client_configuration_address: Option<ClientConfigAddress>,
    /// `crypto map NAME isakmp-profile P`.
    pub isakmp_profile: Option<String>,
    /// `crypto map NAME local-address INTERFACE`.
    pub local_address: Option<String>,
    /// Line of the first command naming this map.
    pub line: usize,
}

impl CryptoMap {
    /// An empty map.
    pub fn new(name: impl Into<String>, line: usize) -> Self {
        Self {
            name: name.into(),
            entries: Vec::new(),
            client_authentication_list: None,
            isakmp_authorization_list: None,
            client_configuration_address: None,
            isakmp_profile: None,
            local_address: None,
            line,
        }
    }

    /// The entry with this sequence number.
    pub fn entry(&self, seq: u32) -> Option<&CryptoMapEntry> {
        self.entries.iter().find(|e| e.seq == seq)
    }
}

/// `crypto dynamic-map NAME SEQ`: entries that accept peers not known in
/// advance.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DynamicMap {
    /// The map's name (`dynmap` in the seed).
    pub name: String,
    /// The entries in configuration order.
    pub entries: Vec<CryptoMapEntry>,
    /// Line of the first entry.
    pub line: usize,
}

impl DynamicMap {
    /// The entry with this sequence number.
    pub fn entry(&self, seq: u32) -> Option<&CryptoMapEntry> {
        self.entries.iter().find(|e| e.seq == seq)
    }
}

/// `crypto ipsec profile NAME` and its lines. IOS applies a profile to
/// tunnel interfaces (`tunnel protection ipsec profile NAME`), which this
/// suite does not model: the profile is read and its names checked, and
/// nothing uses it (the parser warns).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IpsecProfile {
    /// The profile's name.
    pub name: String,
    /// `description TEXT`.
    pub description: Option<String>,
    /// `set transform-set T1 [T2 ...]`.
    pub transform_sets: Vec<String>,
    /// `set pfs [groupN]`.
    pub pfs: Option<DhGroup>,
    /// `set security-association lifetime seconds N`.
    pub sa_lifetime_seconds: Option<u32>,
    /// `set security-association lifetime kilobytes N`.
    pub sa_lifetime_kilobytes: Option<u32>,
    /// `set isakmp-profile P`.
    pub isakmp_profile: Option<String>,
    /// `responder-only`.
    pub responder_only: bool,
    /// Line of `crypto ipsec profile NAME`.
    pub line: usize,
}

impl IpsecProfile {
    /// A profile with nothing set.
    pub fn new(name: impl Into<String>, line: usize) -> Self {
        Self {
            name: name.into(),
            line,
            ..Self::default()
        }
    }
}
