//! `show crypto session [detail]`: one block per peer, its IKE SA and
//! its IPsec flows, in IOS 12.3's layout.

use std::fmt::Write as _;
use std::net::Ipv4Addr;

use super::ProxyIdent;

/// IOS's session states.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionStatus {
    /// An IKE SA and at least one IPsec SA.
    UpActive,
    /// An IKE SA, no IPsec SA.
    UpIdle,
    /// IPsec SAs whose IKE SA is gone (IKEv1 keeps them).
    UpNoIke,
    /// Phase 1 under way, nothing up.
    DownNegotiating,
    /// Nothing (a static peer with no SA).
    Down,
}

impl SessionStatus {
    /// The status as IOS prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            SessionStatus::UpActive => "UP-ACTIVE",
            SessionStatus::UpIdle => "UP-IDLE",
            SessionStatus::UpNoIke => "UP-NO-IKE",
            SessionStatus::DownNegotiating => "DOWN-NEGOTIATING",
            SessionStatus::Down => "DOWN",
        }
    }
}

/// A session's IKE SA.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionIke {
    /// Our address and port.
    pub local: (Ipv4Addr, u16),
    /// The peer's address and port.
    pub remote: (Ipv4Addr, u16),
    /// `Active`, or IOS's state name while negotiating.
    pub state: String,
    /// The conn-id (C-id).
    pub conn_id: u32,
    /// Seconds left.
    pub remaining_secs: u64,
    /// The capability letters (`CDNX`), empty for none.
    pub capabilities: String,
}

/// One IPsec flow of a session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionFlow {
    /// Our side.
    pub local: ProxyIdent,
    /// The peer's side.
    pub remote: ProxyIdent,
    /// IPsec SAs carrying it (both directions counted, as IOS does).
    pub active_sas: usize,
    /// `crypto map` or `dynamic crypto map`.
    pub origin: &'static str,
    /// Packets decrypted and dropped inbound.
    pub inbound: (u64, u64),
    /// Packets encrypted and dropped outbound.
    pub outbound: (u64, u64),
    /// Kilobytes and seconds left (the current SA's).
    pub life: (u64, u64),
}

/// One peer's session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionView {
    /// The outside interface.
    pub interface: String,
    /// The status.
    pub status: SessionStatus,
    /// The peer's address and port.
    pub peer: (Ipv4Addr, u16),
    /// The peer's phase-1 identity, as text.
    pub phase1_id: Option<String>,
    /// The Xauth user, if any (IOS prints it as `Username:`).
    pub username: Option<String>,
    /// Its IKE SAs.
    pub ike: Vec<SessionIke>,
    /// Its flows.
    pub flows: Vec<SessionFlow>,
}

fn ident(p: &ProxyIdent) -> String {
    let mut s = format!("{}/{}", p.addr, p.mask);
    if p.protocol != 0 {
        let _ = write!(s, "/{}/{}", p.protocol, p.port);
    }
    s
}

fn protocol(local: &ProxyIdent, remote: &ProxyIdent) -> String {
    match local.protocol.max(remote.protocol) {
        0 => "ip".into(),
        1 => "icmp".into(),
        6 => "tcp".into(),
        17 => "udp".into(),
        n => n.to_string(),
    }
}

/// Renders `show crypto session` (`detail`: the capability legend,
/// phase-1 ids, connection ids, lifetimes and per-direction counters).
pub fn render_crypto_session(sessions: &[SessionView], detail: bool) -> String {
    let mut out = String::from("Crypto session current status\n\n");
    if detail {
        out.push_str(
            "Code: C - IKE Configuration mode, D - Dead Peer Detection\n\
             K - Keepalives, N - NAT-traversal, X - IKE Extended Authentication\n\n",
        );
    }
    for s in sessions {
        let _ = writeln!(out, "Interface: {}", s.interface);
        if let Some(u) = &s.username {
            let _ = writeln!(out, "Username: {}", u.escape_debug());
        }
        let _ = writeln!(out, "Session status: {}", s.status.as_str());
        if detail {
            let _ = writeln!(
                out,
                "Peer: {} port {} fvrf: (none) ivrf: (none)",
                s.peer.0, s.peer.1
            );
            let id = s.phase1_id.as_deref().unwrap_or("");
            let _ = writeln!(out, "      Phase1_id: {}", id.escape_debug());
            out.push_str("      Desc: (none)\n");
        } else {
            let _ = writeln!(out, "Peer: {} port {}", s.peer.0, s.peer.1);
        }
        for i in &s.ike {
            let _ = writeln!(
                out,
                "  IKE SA: local {}/{} remote {}/{} {}",
                i.local.0, i.local.1, i.remote.0, i.remote.1, i.state
            );
            if detail {
                let caps = if i.capabilities.is_empty() {
                    "(none)"
                } else {
                    &i.capabilities
                };
                let _ = writeln!(
                    out,
                    "          Capabilities:{caps} connid:{} lifetime:{}",
                    i.conn_id,
                    super::format_hms(i.remaining_secs)
                );
            }
        }
        for f in &s.flows {
            let _ = writeln!(
                out,
                "  IPSEC FLOW: permit {} {} {}",
                protocol(&f.local, &f.remote),
                ident(&f.local),
                ident(&f.remote)
            );
            let _ = writeln!(
                out,
                "        Active SAs: {}, origin: {}",
                f.active_sas, f.origin
            );
            if detail {
                let _ = writeln!(
                    out,
                    "        Inbound:  #pkts dec'ed {} drop {} life (KB/Sec) {}/{}",
                    f.inbound.0, f.inbound.1, f.life.0, f.life.1
                );
                let _ = writeln!(
                    out,
                    "        Outbound: #pkts enc'ed {} drop {} life (KB/Sec) {}/{}",
                    f.outbound.0, f.outbound.1, f.life.0, f.life.1
                );
            }
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_active_l2l_session() {
        let net = |a: [u8; 4], m: [u8; 4]| ProxyIdent {
            addr: a.into(),
            mask: m.into(),
            protocol: 0,
            port: 0,
        };
        let s = SessionView {
            interface: "FastEthernet0/0".into(),
            status: SessionStatus::UpActive,
            peer: (Ipv4Addr::new(10, 100, 2, 102), 500),
            phase1_id: Some("10.100.2.102".into()),
            username: None,
            ike: vec![SessionIke {
                local: (Ipv4Addr::new(10, 48, 67, 181), 500),
                remote: (Ipv4Addr::new(10, 100, 2, 102), 500),
                state: "Active".into(),
                conn_id: 1,
                remaining_secs: 3600,
                capabilities: String::new(),
            }],
            flows: vec![SessionFlow {
                local: net([10, 1, 0, 0], [255, 255, 0, 0]),
                remote: net([10, 2, 0, 0], [255, 255, 0, 0]),
                active_sas: 2,
                origin: "dynamic crypto map",
                inbound: (4, 0),
                outbound: (5, 0),
                life: (4_608_000, 3500),
            }],
        };
        assert_eq!(
            render_crypto_session(std::slice::from_ref(&s), false),
            "Crypto session current status\n\n\
             Interface: FastEthernet0/0\n\
             Session status: UP-ACTIVE\n\
             Peer: 10.100.2.102 port 500\n\
             \x20 IKE SA: local 10.48.67.181/500 remote 10.100.2.102/500 Active\n\
             \x20 IPSEC FLOW: permit ip 10.1.0.0/255.255.0.0 10.2.0.0/255.255.0.0\n\
             \x20       Active SAs: 2, origin: dynamic crypto map\n\n"
        );
        let d = render_crypto_session(&[s], true);
        assert!(d.contains("          Capabilities:(none) connid:1 lifetime:01:00:00\n"));
        assert!(d.contains("        Inbound:  #pkts dec'ed 4 drop 0 life (KB/Sec) 4608000/3500\n"));
        assert!(d.contains("        Outbound: #pkts enc'ed 5 drop 0 life (KB/Sec) 4608000/3500\n"));
    }
}
