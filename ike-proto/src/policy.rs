//! The questions the engine asks about policy, as a trait that ike-proto
//! defines and ike-policy implements with Cisco's rules (keyrings, ISAKMP
//! policies by priority, ISAKMP profiles, crypto maps and transform sets).
//!
//! The engine asks, in protocol order:
//!
//! * as initiator: [`Policy::initiator_phase1`] (mode, proposals, identity),
//!   then [`Policy::preshared_key_for_address`] (Main Mode) or
//!   [`Policy::preshared_key_for_identity`] (Aggressive Mode, for the peer's
//!   identity once known), then [`Policy::initiator_phase2`] for the
//!   selectors of an acquire;
//! * as responder: [`Policy::choose_phase1`] on the peer's transforms, the
//!   pre-shared key (by address in Main Mode, before the identity is known;
//!   by the initiator's identity in Aggressive Mode, ID_KEY_ID group names
//!   included), [`Policy::match_profile`] once the identity is authenticated,
//!   and [`Policy::choose_phase2`] on each Quick Mode offer.
//!
//! The trait is object-safe: the engine holds a `Box<dyn Policy>`.
//! [`StaticPolicy`] is a small implementation for tests and for embedders
//! that do not need IOS configurations.

use core::fmt;
use std::net::Ipv4Addr;

use zeroize::Zeroizing;

/// Phase-1 (ISAKMP SA) encryption algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Phase1Cipher {
    /// DES-CBC (64-bit block, 56-bit key).
    Des,
    /// 3DES-CBC (`encryption 3des` in IOS).
    TripleDes,
    /// AES-CBC with the key-length attribute (128, 192 or 256 bits).
    AesCbc {
        /// Key length in bits.
        key_bits: u16,
    },
}

/// Phase-1 hash (and HMAC PRF) algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Phase1Hash {
    /// MD5.
    Md5,
    /// SHA-1 (`hash sha`).
    Sha1,
    /// SHA2-256.
    Sha256,
    /// SHA2-384.
    Sha384,
    /// SHA2-512.
    Sha512,
}

/// Phase-1 authentication method (Oakley attribute class 3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AuthMethod {
    /// Pre-shared key (1).
    PreSharedKey,
    /// XAUTHInitPreShared (65001): PSK, then Xauth of the initiator.
    XauthInitPreShared,
    /// XAUTHRespPreShared (65002).
    XauthRespPreShared,
}

impl AuthMethod {
    /// Whether the phase-1 keys come from a pre-shared key.
    pub fn is_preshared(self) -> bool {
        true
    }
}

/// A MODP Diffie-Hellman group by its IANA number (1, 2, 5, 14 ... 18).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DhGroup(pub u16);

impl DhGroup {
    /// MODP 768 (group 1).
    pub const MODP768: Self = Self(1);
    /// MODP 1024 (group 2, the seed's).
    pub const MODP1024: Self = Self(2);
    /// MODP 1536 (group 5).
    pub const MODP1536: Self = Self(5);
    /// MODP 2048 (group 14).
    pub const MODP2048: Self = Self(14);
}

/// An SA lifetime: seconds and/or kilobytes; `None` means unlimited in that
/// dimension.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Lifetime {
    /// Lifetime in seconds.
    pub seconds: Option<u32>,
    /// Lifetime in kilobytes.
    pub kilobytes: Option<u32>,
}

impl Lifetime {
    /// A lifetime of `s` seconds only.
    pub const fn seconds(s: u32) -> Self {
        Self {
            seconds: Some(s),
            kilobytes: None,
        }
    }

    /// Seconds and kilobytes.
    pub const fn new(seconds: u32, kilobytes: u32) -> Self {
        Self {
            seconds: Some(seconds),
            kilobytes: Some(kilobytes),
        }
    }

    /// The element-wise minimum (unlimited loses to any limit).
    pub fn min(self, other: Self) -> Self {
        fn m(a: Option<u32>, b: Option<u32>) -> Option<u32> {
            match (a, b) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, None) => a,
                (None, b) => b,
            }
        }
        Self {
            seconds: m(self.seconds, other.seconds),
            kilobytes: m(self.kilobytes, other.kilobytes),
        }
    }

    /// Whether `self` is no longer than `limit` in every dimension `limit`
    /// bounds.
    pub fn within(self, limit: Self) -> bool {
        fn ok(a: Option<u32>, l: Option<u32>) -> bool {
            match (a, l) {
                (_, None) => true,
                (Some(a), Some(l)) => a <= l,
                (None, Some(_)) => false,
            }
        }
        ok(self.seconds, limit.seconds) && ok(self.kilobytes, limit.kilobytes)
    }
}

/// One phase-1 transform: what an ISAKMP policy (`crypto isakmp policy N`)
/// describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Phase1Proposal {
    /// Encryption.
    pub cipher: Phase1Cipher,
    /// Hash and PRF.
    pub hash: Phase1Hash,
    /// Authentication method.
    pub auth: AuthMethod,
    /// Diffie-Hellman group.
    pub group: DhGroup,
    /// Lifetime.
    pub lifetime: Lifetime,
}

impl Phase1Proposal {
    /// The seed's ISAKMP policy: 3DES, SHA, pre-share, group 2, 86400 s.
    pub const fn seed() -> Self {
        Self {
            cipher: Phase1Cipher::TripleDes,
            hash: Phase1Hash::Sha1,
            auth: AuthMethod::PreSharedKey,
            group: DhGroup::MODP1024,
            lifetime: Lifetime::seconds(86_400),
        }
    }
}

/// An ISAKMP identity (ID payload of phase 1).
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum Identity {
    /// ID_IPV4_ADDR.
    Ipv4(Ipv4Addr),
    /// ID_FQDN.
    Fqdn(String),
    /// ID_USER_FQDN.
    UserFqdn(String),
    /// ID_KEY_ID (a Cisco group name such as "testgroup").
    KeyId(Vec<u8>),
    /// Any other ID type, kept as bytes.
    Other {
        /// The ID type number.
        id_type: u8,
        /// The identification data.
        data: Vec<u8>,
    },
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ipv4(a) => write!(f, "ID_IPV4_ADDR {a}"),
            // Peer-controlled text: escaped, so it cannot forge log lines.
            Self::Fqdn(s) => write!(f, "ID_FQDN {}", s.escape_debug()),
            Self::UserFqdn(s) => write!(f, "ID_USER_FQDN {}", s.escape_debug()),
            Self::KeyId(k) => write!(f, "ID_KEY_ID {}", k.escape_ascii()),
            Self::Other { id_type, data } => write!(f, "ID type {id_type} ({} bytes)", data.len()),
        }
    }
}

/// Phase-1 exchange to initiate with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Phase1Mode {
    /// Main Mode (identity protection).
    Main,
    /// Aggressive Mode (one DH group; identity chooses the key).
    Aggressive,
}

/// A pre-shared key. Zeroized on drop, never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct PresharedKey(Zeroizing<Vec<u8>>);

impl PresharedKey {
    /// Wraps key bytes.
    pub fn new(key: impl Into<Vec<u8>>) -> Self {
        Self(Zeroizing::new(key.into()))
    }

    /// The key bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for PresharedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PresharedKey(<redacted>)")
    }
}

/// What to do when initiating phase 1 towards a peer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InitiatorPhase1 {
    /// Main or Aggressive Mode.
    pub mode: Phase1Mode,
    /// Our transforms in order of preference (Aggressive Mode: all must
    /// share one DH group, the first one's).
    pub proposals: Vec<Phase1Proposal>,
    /// Our identity; `None` means ID_IPV4_ADDR of our address.
    pub identity: Option<Identity>,
}

/// The responder's choice among the initiator's phase-1 transforms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Phase1Choice {
    /// Index into the offered list.
    pub index: usize,
    /// The lifetime we will hold the SA to; shorter than the peer's offer
    /// means a RESPONDER_LIFETIME notify is sent.
    pub lifetime: Lifetime,
}

/// What the authenticated identity matched (`crypto isakmp profile`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Profile {
    /// The profile's name ("L2L", "VPNclient").
    pub name: String,
    /// Whether Xauth is to run after phase 1 (a later issue).
    pub xauth: bool,
    /// Whether and how Mode Config is to run.
    pub mode_config: ModeConfig,
}

/// Mode Config direction of a profile (`client configuration address`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum ModeConfig {
    /// No Mode Config.
    #[default]
    None,
    /// We answer the client's CFG_REQUEST.
    Respond,
    /// We push CFG_SET.
    Initiate,
}

/// One side's traffic selector: an IPv4 address range, an IP protocol (0 =
/// any) and a port (0 = any).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TrafficSelector {
    /// First address.
    pub start: Ipv4Addr,
    /// Last address (inclusive).
    pub end: Ipv4Addr,
    /// IP protocol, 0 for any.
    pub protocol: u8,
    /// Port, 0 for any.
    pub port: u16,
}

impl TrafficSelector {
    /// A subnet `addr/prefix_len`, any protocol and port.
    pub fn subnet(addr: Ipv4Addr, prefix_len: u8) -> Self {
        let mask = prefix_mask(prefix_len);
        let a = u32::from(addr) & mask;
        Self {
            start: Ipv4Addr::from(a),
            end: Ipv4Addr::from(a | !mask),
            protocol: 0,
            port: 0,
        }
    }

    /// A single host, any protocol and port.
    pub fn host(addr: Ipv4Addr) -> Self {
        Self {
            start: addr,
            end: addr,
            protocol: 0,
            port: 0,
        }
    }

    /// The selector's subnet mask if it is exactly a subnet.
    pub fn as_subnet(&self) -> Option<(Ipv4Addr, Ipv4Addr)> {
        let s = u32::from(self.start);
        let e = u32::from(self.end);
        let span = s ^ e;
        // span must be 0...01...1 and start aligned.
        if span.wrapping_add(1) & span != 0 || s & span != 0 {
            return None;
        }
        Some((self.start, Ipv4Addr::from(!span)))
    }

    /// Whether `self` contains `other` (addresses, protocol and port).
    pub fn contains(&self, other: &Self) -> bool {
        u32::from(self.start) <= u32::from(other.start)
            && u32::from(other.end) <= u32::from(self.end)
            && (self.protocol == 0 || self.protocol == other.protocol)
            && (self.port == 0 || self.port == other.port)
    }
}

impl fmt::Debug for TrafficSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.as_subnet() {
            Some((a, m)) => write!(f, "{a}/{m}/{}/{}", self.protocol, self.port),
            None => write!(
                f,
                "{}-{}/{}/{}",
                self.start, self.end, self.protocol, self.port
            ),
        }
    }
}

fn prefix_mask(len: u8) -> u32 {
    if len == 0 {
        0
    } else if len >= 32 {
        u32::MAX
    } else {
        u32::MAX << (32 - u32::from(len))
    }
}

/// The pair of selectors of a child SA, from the point of view of the side
/// that holds it: `local` is behind us, `remote` behind the peer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Selectors {
    /// Our side (source of outbound traffic).
    pub local: TrafficSelector,
    /// The peer's side.
    pub remote: TrafficSelector,
}

impl Selectors {
    /// The same pair seen from the peer.
    pub fn mirrored(self) -> Self {
        Self {
            local: self.remote,
            remote: self.local,
        }
    }
}

/// ESP encryption algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EspCipher {
    /// ESP_DES.
    Des,
    /// ESP_3DES (`esp-3des`).
    TripleDes,
    /// ESP_AES (CBC), key length in bits.
    AesCbc {
        /// Key length in bits.
        key_bits: u16,
    },
    /// ESP AES-GCM with a 16-byte ICV (RFC 4106), key length in bits.
    AesGcm16 {
        /// Key length in bits (the 4-byte salt is extra key material).
        key_bits: u16,
    },
    /// ESP_NULL.
    Null,
}

impl EspCipher {
    /// Bytes of KEYMAT the cipher takes (GCM: key plus 4-byte salt).
    pub fn key_len(self) -> usize {
        match self {
            Self::Des => 8,
            Self::TripleDes => 24,
            Self::AesCbc { key_bits } => usize::from(key_bits / 8),
            Self::AesGcm16 { key_bits } => usize::from(key_bits / 8) + 4,
            Self::Null => 0,
        }
    }
}

/// ESP integrity algorithm (IPsec DOI AUTH_ALG attribute).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EspIntegrity {
    /// HMAC-MD5-96.
    HmacMd5,
    /// HMAC-SHA1-96 (`esp-sha-hmac`).
    HmacSha1,
    /// HMAC-SHA-256-128.
    HmacSha256,
}

impl EspIntegrity {
    /// Bytes of KEYMAT the algorithm takes.
    pub fn key_len(self) -> usize {
        match self {
            Self::HmacMd5 => 16,
            Self::HmacSha1 => 20,
            Self::HmacSha256 => 32,
        }
    }
}

/// IPsec encapsulation mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EncapMode {
    /// Tunnel mode.
    Tunnel,
    /// Transport mode.
    Transport,
}

/// One ESP transform with its attributes, as a transform set describes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Phase2Proposal {
    /// Encryption.
    pub cipher: EspCipher,
    /// Integrity (`None` for combined-mode ciphers).
    pub integrity: Option<EspIntegrity>,
    /// Tunnel or transport (UDP encapsulation is added by the engine under NAT).
    pub mode: EncapMode,
    /// PFS group, `None` for no PFS.
    pub pfs: Option<DhGroup>,
    /// Lifetime.
    pub lifetime: Lifetime,
}

impl Phase2Proposal {
    /// The seed's transform set: esp-3des esp-sha-hmac, tunnel, no PFS,
    /// 3600 s and 4608000 KB.
    pub const fn seed() -> Self {
        Self {
            cipher: EspCipher::TripleDes,
            integrity: Some(EspIntegrity::HmacSha1),
            mode: EncapMode::Tunnel,
            pfs: None,
            lifetime: Lifetime::new(3600, 4_608_000),
        }
    }
}

/// What to offer in Quick Mode for an acquire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Phase2Offer {
    /// Proposals in order of preference (each becomes one proposal payload).
    pub proposals: Vec<Phase2Proposal>,
    /// The selectors to send as client identities (possibly wider than the
    /// acquire's packet, e.g. the crypto ACL's subnets).
    pub selectors: Selectors,
    /// Whether to send the IDci/IDcr payloads; `false` means the peers'
    /// own addresses.
    pub send_client_ids: bool,
}

/// A Quick Mode offer as the responder sees it.
#[derive(Clone, Copy, Debug)]
pub struct Phase2Request<'a> {
    /// Our address.
    pub local: Ipv4Addr,
    /// The peer's address.
    pub peer: Ipv4Addr,
    /// The peer's UDP port (500, 4500 or a NAT's): with `peer`, which
    /// peer speaks, so two behind one NAT are told apart.
    pub peer_port: u16,
    /// The Mode Config address this IKE SA handed the peer, if any: the
    /// one pool address the peer may claim.
    pub assigned_address: Option<Ipv4Addr>,
    /// The profile phase 1 matched, if any.
    pub profile: Option<&'a Profile>,
    /// The selectors from our point of view (the initiator's IDcr is our
    /// local side).
    pub selectors: Selectors,
    /// The proposals offered, in the peer's order.
    pub offered: &'a [Phase2Proposal],
}

/// The responder's choice in Quick Mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Phase2Choice {
    /// Index into `offered`.
    pub index: usize,
    /// The lifetime we hold the child SA to (shorter than offered: a
    /// RESPONDER_LIFETIME notify goes back).
    pub lifetime: Lifetime,
}

/// Why a Quick Mode offer is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase2Refusal {
    /// No acceptable transform.
    NoProposalChosen,
    /// The selectors are not ours to protect.
    InvalidIdInformation,
}

/// An Xauth password. Zeroized on drop, never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct XauthPassword(Zeroizing<Vec<u8>>);

impl XauthPassword {
    /// Wraps password bytes.
    pub fn new(password: impl Into<Vec<u8>>) -> Self {
        Self(Zeroizing::new(password.into()))
    }

    /// The password bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Whether `other` is this password, compared in constant time (the
    /// length is not hidden).
    pub fn matches(&self, other: &[u8]) -> bool {
        use subtle::ConstantTimeEq;
        self.0.len() == other.len() && bool::from(self.0.as_slice().ct_eq(other))
    }
}

impl fmt::Debug for XauthPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("XauthPassword(<redacted>)")
    }
}

/// One Xauth reply as the server sees it: who answered, on which IKE SA,
/// and when, for a policy that limits guessing across IKE SAs (lockouts,
/// back-off) or counts logins ([`Policy::check_xauth_attempt`]).
#[derive(Clone, Copy, Debug)]
pub struct XauthAttempt<'a> {
    /// Now, on the engine's clock.
    pub now: crate::time::Instant,
    /// The IKE SA the reply came on.
    pub ike_sa: crate::engine::IkeSaId,
    /// Our address.
    pub local: Ipv4Addr,
    /// The peer's endpoint.
    pub peer: std::net::SocketAddrV4,
    /// The peer's phase 1 identity (the group's ID_KEY_ID).
    pub identity: &'a Identity,
    /// The profile phase 1 matched.
    pub profile: &'a Profile,
    /// XAUTH_USER_NAME.
    pub user: &'a str,
    /// XAUTH_USER_PASSWORD.
    pub password: &'a XauthPassword,
}

/// A user name and password for Xauth as the client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XauthCredentials {
    /// XAUTH_USER_NAME.
    pub user: String,
    /// XAUTH_USER_PASSWORD.
    pub password: XauthPassword,
}

/// The policy's answer to an Xauth user name and password.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum XauthVerdict {
    /// Right: XAUTH_STATUS OK goes to the client.
    Accept,
    /// Wrong: XAUTH_STATUS FAIL goes to the client.
    Reject,
    /// Not known yet (a RADIUS round trip, a prompt): the engine raises
    /// [`crate::engine::Event::XauthRequest`] and waits for
    /// [`crate::engine::Engine::xauth_verdict`].
    Deferred,
}

/// Mode Config attributes for a client (`crypto isakmp client configuration
/// group`), or what a client received.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ModeConfigAttributes {
    /// INTERNAL_IP4_ADDRESS (from `ip local pool`).
    pub address: Option<Ipv4Addr>,
    /// INTERNAL_IP4_NETMASK.
    pub netmask: Option<Ipv4Addr>,
    /// INTERNAL_IP4_DNS (`dns`).
    pub dns: Vec<Ipv4Addr>,
    /// INTERNAL_IP4_NBNS (`wins`).
    pub wins: Vec<Ipv4Addr>,
    /// UNITY_DEF_DOMAIN (`domain`).
    pub domain: Option<String>,
    /// UNITY_SPLIT_INCLUDE (`acl`): the networks to tunnel.
    pub split_include: Vec<TrafficSelector>,
    /// UNITY_BANNER (`banner`).
    pub banner: Option<String>,
    /// UNITY_SAVE_PASSWD (`save-password`).
    pub save_password: bool,
    /// INTERNAL_ADDRESS_EXPIRY, seconds.
    pub address_expiry: Option<u32>,
    /// APPLICATION_VERSION.
    pub application_version: Option<String>,
    /// UNITY_SPLITDNS_NAME (`split-dns`): the domains resolved through the
    /// tunnel (comma-separated on the wire).
    pub split_dns: Vec<String>,
    /// UNITY_LOCAL_LAN (`include-local-lan`): the client may reach its own
    /// LAN in the clear while the tunnel is up.
    pub include_local_lan: bool,
    /// UNITY_PFS (`pfs`): Quick Mode must use PFS.
    pub pfs: bool,
    /// UNITY_FW_TYPE (`firewall are-u-there`): the client must run its
    /// firewall.
    pub firewall_are_u_there: bool,
    /// UNITY_BACKUP_SERVERS (`backup-gateway`): the hubs to try when this
    /// one does not answer, in order (comma-separated on the wire).
    pub backup_servers: Vec<String>,
}

/// The policy questions of the engine. See the module documentation for
/// when each is asked.
pub trait Policy {
    /// The pre-shared key for a peer address (Main Mode responder before the
    /// identity is known, and Main Mode initiator).
    fn preshared_key_for_address(&self, local: Ipv4Addr, peer: Ipv4Addr) -> Option<PresharedKey>;

    /// The pre-shared key for an identity (Aggressive Mode, ID_KEY_ID group
    /// names included). The default falls back to the address.
    fn preshared_key_for_identity(
        &self,
        local: Ipv4Addr,
        peer: Ipv4Addr,
        identity: &Identity,
    ) -> Option<PresharedKey> {
        let _ = identity;
        self.preshared_key_for_address(local, peer)
    }

    /// Whether an Aggressive Mode first message from `peer` with
    /// `identity` is answered at all. Asked before any DH or HASH is
    /// computed: an AM2 carries HASH_R keyed with the pre-shared key, an
    /// offline guessing oracle for anyone who asks, so it is only for
    /// identities configured for Aggressive Mode (IOS: an ID_KEY_ID that
    /// names a `crypto isakmp client configuration group`, a `crypto isakmp
    /// peer` with `set aggressive-mode password`; none at all after
    /// `crypto isakmp aggressive-mode disable`). A refusal is answered with
    /// INVALID_ID_INFORMATION and counted
    /// ([`crate::engine::Counters::aggressive_mode_refused`]). The default
    /// answers every identity (the behaviour before this question).
    fn aggressive_mode_allowed(
        &self,
        local: Ipv4Addr,
        peer: Ipv4Addr,
        identity: &Identity,
    ) -> bool {
        let _ = (local, peer, identity);
        true
    }

    /// How to start phase 1 towards `peer`, or `None` if we must not.
    fn initiator_phase1(&self, local: Ipv4Addr, peer: Ipv4Addr) -> Option<InitiatorPhase1>;

    /// Our identity towards `peer` as responder (ID_IPV4_ADDR by default).
    fn local_identity(&self, local: Ipv4Addr, peer: Ipv4Addr) -> Identity {
        let _ = peer;
        Identity::Ipv4(local)
    }

    /// Chooses one of the initiator's phase-1 transforms (ordered policies
    /// and the lifetime rule live in the implementation). `identity` is
    /// known in Aggressive Mode only.
    fn choose_phase1(
        &self,
        local: Ipv4Addr,
        peer: Ipv4Addr,
        identity: Option<&Identity>,
        offered: &[Phase1Proposal],
    ) -> Option<Phase1Choice>;

    /// The profile an authenticated identity matches; `None` refuses the
    /// peer (the phase 1 is torn down).
    fn match_profile(
        &self,
        local: Ipv4Addr,
        peer: Ipv4Addr,
        identity: &Identity,
    ) -> Option<Profile>;

    /// What to offer in Quick Mode for traffic matching `selectors` (ours
    /// as local), or `None` if it must not be protected.
    fn initiator_phase2(
        &self,
        local: Ipv4Addr,
        peer: Ipv4Addr,
        selectors: &Selectors,
    ) -> Option<Phase2Offer>;

    /// Whether to accept a Quick Mode offer, and which proposal.
    fn choose_phase2(&self, request: &Phase2Request<'_>) -> Result<Phase2Choice, Phase2Refusal>;

    /// Checks an Xauth user name and password of a peer that matched
    /// `profile` (`client authentication list`). The default defers every
    /// answer to the embedder ([`XauthVerdict::Deferred`]).
    fn check_xauth(
        &self,
        local: Ipv4Addr,
        peer: Ipv4Addr,
        profile: &Profile,
        user: &str,
        password: &XauthPassword,
    ) -> XauthVerdict {
        let _ = (local, peer, profile, user, password);
        XauthVerdict::Deferred
    }

    /// [`Policy::check_xauth`] with the time and the IKE SA: what the
    /// engine asks. The default forgets both and asks
    /// [`Policy::check_xauth`].
    fn check_xauth_attempt(&self, attempt: &XauthAttempt<'_>) -> XauthVerdict {
        self.check_xauth(
            attempt.local,
            *attempt.peer.ip(),
            attempt.profile,
            attempt.user,
            attempt.password,
        )
    }

    /// An IKE SA is gone (deleted, expired, failed): whatever the policy
    /// counted against it (a login) is free again.
    fn ike_sa_ended(&self, ike_sa: crate::engine::IkeSaId) {
        let _ = ike_sa;
    }

    /// Our Xauth user name and password towards `peer`, as the client
    /// (`None`: answered only by the embedder, or not at all).
    fn xauth_credentials(&self, local: Ipv4Addr, peer: Ipv4Addr) -> Option<XauthCredentials> {
        let _ = (local, peer);
        None
    }

    /// The Mode Config attributes for an authenticated peer (`isakmp
    /// authorization list` → the group's pool, dns, wins, domain ...); an
    /// address handed out here is the peer's until [`Policy::release_address`].
    /// `None` refuses the peer.
    fn mode_config_attributes(
        &self,
        local: Ipv4Addr,
        peer: Ipv4Addr,
        identity: &Identity,
        profile: &Profile,
        user: Option<&str>,
    ) -> Option<ModeConfigAttributes> {
        let _ = (local, peer, identity, profile, user);
        None
    }

    /// An address from [`Policy::mode_config_attributes`] is free again
    /// (its IKE SA went away).
    fn release_address(&self, address: Ipv4Addr) {
        let _ = address;
    }
}

/// How a responder treats the initiator's lifetime against its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum LifetimeRule {
    /// Accept only if the peer's lifetime is no longer than ours (IOS for
    /// phase 1).
    PeerMustNotExceed,
    /// Accept and use the shorter of the two, sending RESPONDER_LIFETIME
    /// when ours is shorter (IOS for phase 2).
    #[default]
    UseShorter,
}

/// One phase-2 entry of a [`StaticPolicy`], like a crypto map entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaticPhase2 {
    /// The peer this entry is for (`None`: any peer, a dynamic map).
    pub peer: Option<Ipv4Addr>,
    /// The protected traffic from our point of view; `None`: accept any
    /// selectors the peer proposes (a dynamic map entry without ACL).
    pub selectors: Option<Selectors>,
    /// Transform sets in order.
    pub proposals: Vec<Phase2Proposal>,
}

/// A simple policy held in memory: keys by address and identity, ordered
/// phase-1 transforms, profiles by identity, phase-2 entries.
#[derive(Clone, Debug, Default)]
pub struct StaticPolicy {
    /// Keys by peer address/prefix; the longest prefix wins.
    pub keys_by_address: Vec<(Ipv4Addr, u8, PresharedKey)>,
    /// Keys by identity (Aggressive Mode group names).
    pub keys_by_identity: Vec<(Identity, PresharedKey)>,
    /// Phase-1 mode when initiating.
    pub mode: Option<Phase1Mode>,
    /// The identities Aggressive Mode is answered for as the responder
    /// ([`Policy::aggressive_mode_allowed`]); `None`: every identity.
    pub aggressive_identities: Option<Vec<Identity>>,
    /// Our identity (`None`: our address).
    pub identity: Option<Identity>,
    /// ISAKMP policies by priority.
    pub phase1: Vec<Phase1Proposal>,
    /// Phase-1 lifetime rule.
    pub phase1_lifetime_rule: LifetimeRule,
    /// Profiles: an identity (`None` matches any) and what it gets.
    pub profiles: Vec<(Option<Identity>, Profile)>,
    /// Phase-2 entries in order.
    pub phase2: Vec<StaticPhase2>,
    /// Phase-2 lifetime rule.
    pub phase2_lifetime_rule: LifetimeRule,
    /// Send client IDs in Quick Mode when initiating (default true when
    /// built with [`StaticPolicy::new`]).
    pub send_client_ids: bool,
    /// Xauth users (as the server).
    pub xauth_users: Vec<(String, XauthPassword)>,
    /// Leave every Xauth verdict to [`crate::engine::Engine::xauth_verdict`].
    pub xauth_deferred: bool,
    /// Our Xauth credentials (as the client).
    pub xauth_credentials: Option<XauthCredentials>,
    /// Mode Config attributes handed to clients (the address comes from
    /// `pool`).
    pub mode_config: Option<ModeConfigAttributes>,
    /// An address pool for Mode Config.
    pub pool: Option<StaticPool>,
}

/// A range of addresses for Mode Config; clones share the allocations, so
/// a test can watch the pool of a policy the engine owns.
#[derive(Clone, Debug)]
pub struct StaticPool {
    /// First address.
    pub first: Ipv4Addr,
    /// Last address (inclusive).
    pub last: Ipv4Addr,
    in_use: std::sync::Arc<std::sync::Mutex<Vec<Ipv4Addr>>>,
}

impl StaticPool {
    /// The pool `first..=last`, all free.
    pub fn new(first: Ipv4Addr, last: Ipv4Addr) -> Self {
        Self {
            first,
            last,
            in_use: Default::default(),
        }
    }

    /// The addresses handed out and not yet released.
    pub fn in_use(&self) -> Vec<Ipv4Addr> {
        self.in_use.lock().map(|v| v.clone()).unwrap_or_default()
    }

    /// The lowest free address, now taken.
    pub fn allocate(&self) -> Option<Ipv4Addr> {
        let mut used = self.in_use.lock().ok()?;
        let a = (u32::from(self.first)..=u32::from(self.last))
            .map(Ipv4Addr::from)
            .find(|a| !used.contains(a))?;
        used.push(a);
        Some(a)
    }

    /// Gives `a` back.
    pub fn release(&self, a: Ipv4Addr) {
        if let Ok(mut used) = self.in_use.lock() {
            used.retain(|x| *x != a);
        }
    }
}

impl StaticPolicy {
    /// An empty policy that sends client IDs.
    pub fn new() -> Self {
        Self {
            send_client_ids: true,
            phase2_lifetime_rule: LifetimeRule::UseShorter,
            ..Self::default()
        }
    }

    /// The seed's LAN-to-LAN policy on one side: wildcard key `key`, the
    /// 3des/sha/psk/group 2 ISAKMP policy, esp-3des esp-sha-hmac for
    /// `local` ↔ `remote`.
    pub fn seed(key: &[u8], local: TrafficSelector, remote: TrafficSelector) -> Self {
        let mut p = Self::new();
        p.keys_by_address
            .push((Ipv4Addr::UNSPECIFIED, 0, PresharedKey::new(key.to_vec())));
        p.mode = Some(Phase1Mode::Main);
        p.phase1.push(Phase1Proposal::seed());
        p.profiles.push((
            None,
            Profile {
                name: "L2L".into(),
                xauth: false,
                mode_config: ModeConfig::None,
            },
        ));
        p.phase2.push(StaticPhase2 {
            peer: None,
            selectors: Some(Selectors { local, remote }),
            proposals: vec![Phase2Proposal::seed()],
        });
        p
    }
}

impl StaticPolicy {
    /// The seed's Cisco VPN Client: Aggressive Mode as group `testgroup`
    /// with the group key `cisco321`, the seed's ISAKMP policy, Xauth as
    /// `user` / `password`, Mode Config pulled (`Respond`), and whatever
    /// selectors it is asked to protect.
    pub fn seed_vpn_client(user: &str, password: &[u8]) -> Self {
        let group = Identity::KeyId(b"testgroup".to_vec());
        let mut p = Self::new();
        p.mode = Some(Phase1Mode::Aggressive);
        p.identity = Some(group.clone());
        p.keys_by_identity
            .push((group, PresharedKey::new(b"cisco321".to_vec())));
        p.phase1.push(Phase1Proposal::seed());
        p.profiles.push((
            None,
            Profile {
                name: "hub".into(),
                xauth: true,
                mode_config: ModeConfig::Respond,
            },
        ));
        p.phase2.push(StaticPhase2 {
            peer: None,
            selectors: None,
            proposals: vec![Phase2Proposal::seed()],
        });
        p.xauth_credentials = Some(XauthCredentials {
            user: user.into(),
            password: XauthPassword::new(password.to_vec()),
        });
        p
    }
}

fn choose_lifetime(rule: LifetimeRule, ours: Lifetime, theirs: Lifetime) -> Option<Lifetime> {
    match rule {
        LifetimeRule::PeerMustNotExceed => theirs.within(ours).then_some(theirs),
        LifetimeRule::UseShorter => Some(theirs.min(ours)),
    }
}

impl Policy for StaticPolicy {
    fn preshared_key_for_address(&self, _local: Ipv4Addr, peer: Ipv4Addr) -> Option<PresharedKey> {
        self.keys_by_address
            .iter()
            .filter(|(a, len, _)| {
                let m = prefix_mask(*len);
                u32::from(*a) & m == u32::from(peer) & m
            })
            .max_by_key(|(_, len, _)| *len)
            .map(|(_, _, k)| k.clone())
    }

    fn preshared_key_for_identity(
        &self,
        local: Ipv4Addr,
        peer: Ipv4Addr,
        identity: &Identity,
    ) -> Option<PresharedKey> {
        self.keys_by_identity
            .iter()
            .find(|(id, _)| id == identity)
            .map(|(_, k)| k.clone())
            .or_else(|| self.preshared_key_for_address(local, peer))
    }

    fn aggressive_mode_allowed(
        &self,
        _local: Ipv4Addr,
        _peer: Ipv4Addr,
        identity: &Identity,
    ) -> bool {
        self.aggressive_identities
            .as_ref()
            .is_none_or(|ids| ids.contains(identity))
    }

    fn initiator_phase1(&self, _local: Ipv4Addr, _peer: Ipv4Addr) -> Option<InitiatorPhase1> {
        if self.phase1.is_empty() {
            return None;
        }
        Some(InitiatorPhase1 {
            mode: self.mode.unwrap_or(Phase1Mode::Main),
            proposals: self.phase1.clone(),
            identity: self.identity.clone(),
        })
    }

    fn local_identity(&self, local: Ipv4Addr, _peer: Ipv4Addr) -> Identity {
        self.identity.clone().unwrap_or(Identity::Ipv4(local))
    }

    fn choose_phase1(
        &self,
        _local: Ipv4Addr,
        _peer: Ipv4Addr,
        _identity: Option<&Identity>,
        offered: &[Phase1Proposal],
    ) -> Option<Phase1Choice> {
        // IOS: for each of our policies by priority, the first offered
        // transform that matches it.
        for ours in &self.phase1 {
            for (index, theirs) in offered.iter().enumerate() {
                let same = ours.cipher == theirs.cipher
                    && ours.hash == theirs.hash
                    && ours.auth == theirs.auth
                    && ours.group == theirs.group;
                if !same {
                    continue;
                }
                if let Some(lifetime) =
                    choose_lifetime(self.phase1_lifetime_rule, ours.lifetime, theirs.lifetime)
                {
                    return Some(Phase1Choice { index, lifetime });
                }
            }
        }
        None
    }

    fn match_profile(
        &self,
        _local: Ipv4Addr,
        _peer: Ipv4Addr,
        identity: &Identity,
    ) -> Option<Profile> {
        self.profiles
            .iter()
            .find(|(id, _)| id.as_ref().is_none_or(|id| id == identity))
            .map(|(_, p)| p.clone())
    }

    fn initiator_phase2(
        &self,
        _local: Ipv4Addr,
        peer: Ipv4Addr,
        selectors: &Selectors,
    ) -> Option<Phase2Offer> {
        self.phase2
            .iter()
            .filter(|e| e.peer.is_none_or(|p| p == peer))
            .find_map(|e| {
                let sel = match e.selectors {
                    Some(s)
                        if s.local.contains(&selectors.local)
                            && s.remote.contains(&selectors.remote) =>
                    {
                        s
                    }
                    Some(_) => return None,
                    None => *selectors,
                };
                Some(Phase2Offer {
                    proposals: e.proposals.clone(),
                    selectors: sel,
                    send_client_ids: self.send_client_ids,
                })
            })
    }

    fn choose_phase2(&self, request: &Phase2Request<'_>) -> Result<Phase2Choice, Phase2Refusal> {
        let mut selectors_matched = false;
        for e in self
            .phase2
            .iter()
            .filter(|e| e.peer.is_none_or(|p| p == request.peer))
        {
            if let Some(s) = e.selectors {
                if !(s.local.contains(&request.selectors.local)
                    && s.remote.contains(&request.selectors.remote))
                {
                    continue;
                }
            }
            selectors_matched = true;
            for ours in &e.proposals {
                for (index, theirs) in request.offered.iter().enumerate() {
                    let same = ours.cipher == theirs.cipher
                        && ours.integrity == theirs.integrity
                        && ours.mode == theirs.mode
                        && ours.pfs == theirs.pfs;
                    if !same {
                        continue;
                    }
                    if let Some(lifetime) =
                        choose_lifetime(self.phase2_lifetime_rule, ours.lifetime, theirs.lifetime)
                    {
                        return Ok(Phase2Choice { index, lifetime });
                    }
                }
            }
        }
        Err(if selectors_matched {
            Phase2Refusal::NoProposalChosen
        } else {
            Phase2Refusal::InvalidIdInformation
        })
    }

    fn check_xauth(
        &self,
        _local: Ipv4Addr,
        _peer: Ipv4Addr,
        _profile: &Profile,
        user: &str,
        password: &XauthPassword,
    ) -> XauthVerdict {
        if self.xauth_deferred {
            return XauthVerdict::Deferred;
        }
        let ok = self
            .xauth_users
            .iter()
            .any(|(u, p)| u == user && p.matches(password.as_bytes()));
        if ok {
            XauthVerdict::Accept
        } else {
            XauthVerdict::Reject
        }
    }

    fn xauth_credentials(&self, _local: Ipv4Addr, _peer: Ipv4Addr) -> Option<XauthCredentials> {
        self.xauth_credentials.clone()
    }

    fn mode_config_attributes(
        &self,
        _local: Ipv4Addr,
        _peer: Ipv4Addr,
        _identity: &Identity,
        _profile: &Profile,
        _user: Option<&str>,
    ) -> Option<ModeConfigAttributes> {
        let mut attrs = self.mode_config.clone()?;
        if let Some(pool) = &self.pool {
            attrs.address = Some(pool.allocate()?);
        }
        Some(attrs)
    }

    fn release_address(&self, address: Ipv4Addr) {
        if let Some(pool) = &self.pool {
            pool.release(address);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l2l() -> StaticPolicy {
        StaticPolicy::seed(
            b"cisco123",
            TrafficSelector::subnet(Ipv4Addr::new(10, 2, 0, 0), 16),
            TrafficSelector::subnet(Ipv4Addr::new(10, 1, 0, 0), 16),
        )
    }

    #[test]
    fn policy_is_object_safe() {
        let p: Box<dyn Policy> = Box::new(l2l());
        assert!(
            p.preshared_key_for_address(Ipv4Addr::LOCALHOST, Ipv4Addr::new(1, 2, 3, 4))
                .is_some()
        );
    }

    #[test]
    fn longest_prefix_key_wins() {
        let mut p = StaticPolicy::new();
        p.keys_by_address
            .push((Ipv4Addr::UNSPECIFIED, 0, PresharedKey::new("wild")));
        p.keys_by_address
            .push((Ipv4Addr::new(10, 0, 0, 0), 8, PresharedKey::new("ten")));
        let k = p.preshared_key_for_address(Ipv4Addr::LOCALHOST, Ipv4Addr::new(10, 9, 9, 9));
        assert_eq!(k.map(|k| k.as_bytes().to_vec()), Some(b"ten".to_vec()));
        let k = p.preshared_key_for_address(Ipv4Addr::LOCALHOST, Ipv4Addr::new(11, 9, 9, 9));
        assert_eq!(k.map(|k| k.as_bytes().to_vec()), Some(b"wild".to_vec()));
    }

    #[test]
    fn phase1_lifetime_rules() {
        let mut p = l2l();
        let mut offer = Phase1Proposal::seed();
        offer.lifetime = Lifetime::seconds(100_000);
        let c = p.choose_phase1(Ipv4Addr::LOCALHOST, Ipv4Addr::LOCALHOST, None, &[offer]);
        assert_eq!(c.map(|c| c.lifetime), Some(Lifetime::seconds(86_400)));
        p.phase1_lifetime_rule = LifetimeRule::PeerMustNotExceed;
        assert!(
            p.choose_phase1(Ipv4Addr::LOCALHOST, Ipv4Addr::LOCALHOST, None, &[offer])
                .is_none()
        );
    }

    #[test]
    fn phase2_refusals() {
        let p = l2l();
        let good = Selectors {
            local: TrafficSelector::subnet(Ipv4Addr::new(10, 2, 0, 0), 16),
            remote: TrafficSelector::subnet(Ipv4Addr::new(10, 1, 5, 0), 24),
        };
        let mut req = Phase2Request {
            local: Ipv4Addr::LOCALHOST,
            peer: Ipv4Addr::LOCALHOST,
            peer_port: 500,
            assigned_address: None,
            profile: None,
            selectors: good,
            offered: &[Phase2Proposal::seed()],
        };
        assert!(p.choose_phase2(&req).is_ok());
        let mut other = Phase2Proposal::seed();
        other.cipher = EspCipher::Des;
        let offered = [other];
        req.offered = &offered;
        assert_eq!(p.choose_phase2(&req), Err(Phase2Refusal::NoProposalChosen));
        req.selectors = good.mirrored();
        assert_eq!(
            p.choose_phase2(&req),
            Err(Phase2Refusal::InvalidIdInformation)
        );
    }

    #[test]
    fn subnet_round_trip() {
        let s = TrafficSelector::subnet(Ipv4Addr::new(10, 2, 3, 4), 16);
        assert_eq!(
            s.as_subnet(),
            Some((Ipv4Addr::new(10, 2, 0, 0), Ipv4Addr::new(255, 255, 0, 0)))
        );
        let r = TrafficSelector {
            start: Ipv4Addr::new(10, 0, 0, 1),
            end: Ipv4Addr::new(10, 0, 0, 5),
            protocol: 6,
            port: 80,
        };
        assert_eq!(r.as_subnet(), None);
    }
}
