//! Remote-access values: Xauth passwords, attempts, credentials and
//! verdicts, and Mode Config attributes.

use core::fmt;
use std::net::Ipv4Addr;

use zeroize::Zeroizing;

use super::{Identity, Profile, TrafficSelector};

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
/// back-off) or counts logins
/// ([`Policy::check_xauth_attempt`](super::Policy::check_xauth_attempt)).
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
