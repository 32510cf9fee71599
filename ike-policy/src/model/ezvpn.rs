//! The Easy VPN Remote (`crypto ipsec client ezvpn NAME`): the router as a
//! Cisco VPN client of a hub.

use std::net::Ipv4Addr;

use crate::secret::Secret;

/// When the tunnel comes up (`connect auto|manual`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EzvpnConnect {
    /// As soon as the configuration is applied (IOS's default).
    #[default]
    Auto,
    /// Only when asked (`crypto ipsec client ezvpn connect` in IOS).
    Manual,
}

/// What the tunnel carries (`mode client|network-extension`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EzvpnMode {
    /// The inside traffic leaves from the Mode Config address (IOS's
    /// default).
    #[default]
    Client,
    /// The inside network is routed as it is.
    NetworkExtension,
}

/// How the Xauth credentials are found (`xauth userid mode ...`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum XauthUseridMode {
    /// From the `username ... password ...` line.
    #[default]
    Local,
    /// Asked of a person at the console.
    Interactive,
    /// Asked through an intercepted web page.
    HttpIntercept,
}

/// `crypto ipsec client ezvpn NAME` and its sub-mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EzvpnClient {
    /// The name.
    pub name: String,
    /// `connect auto|manual`.
    pub connect: EzvpnConnect,
    /// `group GROUP key KEY`: the group name (sent as ID_KEY_ID).
    pub group: Option<String>,
    /// `group GROUP key KEY`: the group key (the pre-shared key).
    pub group_key: Option<Secret>,
    /// `mode client|network-extension`.
    pub mode: EzvpnMode,
    /// `peer ADDRESS` lines, in order (the first is tried first).
    pub peers: Vec<Ipv4Addr>,
    /// `username USER password PASS`: the Xauth user.
    pub username: Option<String>,
    /// `username USER password PASS`: the Xauth password.
    pub password: Option<Secret>,
    /// `xauth userid mode ...`.
    pub xauth_userid_mode: XauthUseridMode,
    /// Line of `crypto ipsec client ezvpn NAME`.
    pub line: usize,
}

impl EzvpnClient {
    /// A client with nothing configured but its name.
    pub fn new(name: impl Into<String>, line: usize) -> Self {
        Self {
            name: name.into(),
            connect: EzvpnConnect::default(),
            group: None,
            group_key: None,
            mode: EzvpnMode::default(),
            peers: Vec::new(),
            username: None,
            password: None,
            xauth_userid_mode: XauthUseridMode::default(),
            line,
        }
    }
}

/// The side of an interface for an Easy VPN client
/// (`crypto ipsec client ezvpn NAME [outside|inside]` on the interface).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EzvpnSide {
    /// Faces the hub (the default when no side is written).
    #[default]
    Outside,
    /// Faces the protected network.
    Inside,
}

/// An interface's `crypto ipsec client ezvpn NAME [outside|inside]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterfaceEzvpn {
    /// The Easy VPN client's name.
    pub name: String,
    /// Outside or inside.
    pub side: EzvpnSide,
}
