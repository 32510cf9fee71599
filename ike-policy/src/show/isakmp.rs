//! `show crypto isakmp sa` and `show crypto isakmp sa detail`.

use std::fmt::{self, Write as _};
use std::net::Ipv4Addr;

use super::text::format_hms;

/// One IKE (ISAKMP) SA as the operator sees it: a snapshot the Gateway fills
/// from its IKE SA table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IsakmpSaView {
    /// The connection id IOS prints as `C-id` / `conn-id`.
    pub conn_id: u32,
    /// Our own address on this SA.
    pub local: Ipv4Addr,
    /// The peer's address.
    pub remote: Ipv4Addr,
    /// Who started the exchange; `show crypto isakmp sa` prints the
    /// responder as `dst` and the initiator as `src`.
    pub role: IsakmpRole,
    /// The inside VRF (`I-VRF`); empty for the global table.
    pub ivrf: String,
    /// The negotiated encryption in IOS's short name (`des`, `3des`, `aes`).
    pub encr: String,
    /// The negotiated hash in IOS's short name (`md5`, `sha`).
    pub hash: String,
    /// The negotiated authentication method.
    pub auth: IsakmpAuth,
    /// The negotiated Diffie-Hellman group number.
    pub dh_group: u16,
    /// Seconds left before the SA expires (printed as `HH:MM:SS`).
    pub remaining_lifetime_secs: u64,
    /// The capabilities in use on this SA (the `Cap.` column).
    pub caps: Capabilities,
    /// Where the exchange stands.
    pub state: IsakmpState,
    /// Whether the SA is usable or on its way out.
    pub status: IsakmpSaStatus,
    /// The crypto engine slot (0: software).
    pub slot: u32,
}

/// Which side started the Phase 1 exchange.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IsakmpRole {
    /// We sent the first message: we are `src`, the peer is `dst`.
    Initiator,
    /// The peer sent the first message: the peer is `src`, we are `dst`.
    Responder,
}

/// The authentication method of an IKE SA, as the `Auth` column and its
/// legend name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IsakmpAuth {
    /// Pre-shared key: `psk`.
    PreShared,
    /// RSA signatures: `rsig`.
    RsaSig,
    /// RSA encryption: `renc`.
    RsaEnc,
    /// Pre-shared key extended by Xauth (the VPN Client's Aggressive Mode,
    /// method 65001). It has no code in IOS's legend and IOS 12.3 prints
    /// the cell blank; the seed (line 342) shows that blank cell three
    /// characters wider than the `psk` cell, and we print it the same.
    XauthPreShared,
}

impl IsakmpAuth {
    /// The text of the `Auth` cell including its separator, as wide as
    /// IOS prints it.
    fn cell(self) -> &'static str {
        match self {
            IsakmpAuth::PreShared => "psk  ",
            IsakmpAuth::RsaSig => "rsig ",
            IsakmpAuth::RsaEnc => "renc ",
            IsakmpAuth::XauthPreShared => "        ",
        }
    }
}

/// The `Cap.` column's letters: what the SA negotiated beyond Phase 1.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Capabilities {
    /// `C`: IKE Mode Config was used (an address was pushed).
    pub config_mode: bool,
    /// `D`: Dead Peer Detection was negotiated.
    pub dpd: bool,
    /// `K`: IOS keepalives are running.
    pub keepalives: bool,
    /// `N`: NAT traversal is in use (the SA floated to port 4500).
    pub nat_t: bool,
    /// `X`: the peer passed Xauth.
    pub xauth: bool,
}

impl fmt::Display for Capabilities {
    /// The letters in IOS's legend order, `CDKNX`, absent ones omitted.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (on, letter) in [
            (self.config_mode, 'C'),
            (self.dpd, 'D'),
            (self.keepalives, 'K'),
            (self.nat_t, 'N'),
            (self.xauth, 'X'),
        ] {
            if on {
                f.write_char(letter)?;
            }
        }
        Ok(())
    }
}

/// The state of an IKE SA, named as IOS prints it in `show crypto isakmp
/// sa`: ike-proto's one type for IOS's state names, under the name the
/// show views have always used.
pub use ike_proto::exchange::IosState as IsakmpState;

/// The `status` column of `show crypto isakmp sa`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IsakmpSaStatus {
    /// `ACTIVE`: the SA is in use.
    Active,
    /// `ACTIVE (deleted)`: the SA is marked for deletion and lingers in
    /// the table until it is reaped.
    Deleted,
}

impl IsakmpSaStatus {
    /// IOS's text for the status.
    pub fn as_str(self) -> &'static str {
        match self {
            IsakmpSaStatus::Active => "ACTIVE",
            IsakmpSaStatus::Deleted => "ACTIVE (deleted)",
        }
    }
}

impl fmt::Display for IsakmpSaStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Renders `show crypto isakmp sa`: one line per SA under IOS 12.3's
/// header, in the order given. `dst` is the responder of the exchange and
/// `src` its initiator. With no SA only the header is printed.
pub fn render_isakmp_sa(sas: &[IsakmpSaView]) -> String {
    let mut out =
        String::from("dst             src             state          conn-id slot status\n");
    for sa in sas {
        let (dst, src) = match sa.role {
            IsakmpRole::Initiator => (sa.remote, sa.local),
            IsakmpRole::Responder => (sa.local, sa.remote),
        };
        // Infallible: writing to a String.
        let _ = writeln!(
            out,
            "{:<15} {:<15} {:<15}{:>7} {:>4} {}",
            dst.to_string(),
            src.to_string(),
            sa.state.as_str(),
            sa.conn_id,
            sa.slot,
            sa.status
        );
    }
    out
}

/// The legend IOS prints above the detail table. The line holding a single
/// space is IOS's own (seed line 336).
const DETAIL_LEGEND: &str = "\
Codes: C - IKE configuration mode, D - Dead Peer Detection
       K - Keepalives, N - NAT-traversal
       X - IKE Extended Authentication
       psk - Preshared key, rsig - RSA signature
       renc - RSA encryption
 
C-id  Local           Remote          I-VRF    Encr Hash Auth DH Lifetime Cap.
";

/// Renders `show crypto isakmp sa detail`: the legend, the column header,
/// then one line per SA in the order given. Only SAs that finished Phase 1
/// carry the negotiated values, but IOS lists every SA, so this prints every
/// one given.
pub fn render_isakmp_sa_detail(sas: &[IsakmpSaView]) -> String {
    let mut out = String::from(DETAIL_LEGEND);
    for sa in sas {
        let _ = writeln!(
            out,
            "{:<5} {:<15} {:<15} {:<8} {:<4} {:<4} {}{:<3} {} {}",
            sa.conn_id,
            sa.local.to_string(),
            sa.remote.to_string(),
            sa.ivrf,
            sa.encr,
            sa.hash,
            sa.auth.cell(),
            sa.dh_group,
            format_hms(sa.remaining_lifetime_secs),
            sa.caps
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sa(role: IsakmpRole, state: IsakmpState) -> IsakmpSaView {
        IsakmpSaView {
            conn_id: 1001,
            local: Ipv4Addr::new(192, 0, 2, 1),
            remote: Ipv4Addr::new(198, 51, 100, 77),
            role,
            ivrf: String::new(),
            encr: "aes".into(),
            hash: "md5".into(),
            auth: IsakmpAuth::RsaSig,
            dh_group: 14,
            remaining_lifetime_secs: 86_400,
            caps: Capabilities {
                dpd: true,
                nat_t: true,
                ..Capabilities::default()
            },
            state,
            status: IsakmpSaStatus::Active,
            slot: 0,
        }
    }

    #[test]
    fn initiator_prints_peer_as_dst() {
        let text = render_isakmp_sa(&[sa(IsakmpRole::Initiator, IsakmpState::MmKeyExch)]);
        assert_eq!(
            text.lines().nth(1),
            Some("198.51.100.77   192.0.2.1       MM_KEY_EXCH       1001    0 ACTIVE")
        );
    }

    #[test]
    fn every_state_has_its_ios_name() {
        let all = [
            (IsakmpState::MmNoState, "MM_NO_STATE"),
            (IsakmpState::MmSaSetup, "MM_SA_SETUP"),
            (IsakmpState::MmKeyExch, "MM_KEY_EXCH"),
            (IsakmpState::MmKeyAuth, "MM_KEY_AUTH"),
            (IsakmpState::AgNoState, "AG_NO_STATE"),
            (IsakmpState::AgInitExch, "AG_INIT_EXCH"),
            (IsakmpState::AgAuth, "AG_AUTH"),
            (IsakmpState::QmIdle, "QM_IDLE"),
        ];
        for (state, name) in all {
            assert_eq!(state.to_string(), name);
        }
    }

    #[test]
    fn deleted_sa_keeps_active_word() {
        let mut s = sa(IsakmpRole::Responder, IsakmpState::MmNoState);
        s.status = IsakmpSaStatus::Deleted;
        let text = render_isakmp_sa(&[s]);
        assert!(
            text.ends_with("MM_NO_STATE       1001    0 ACTIVE (deleted)\n"),
            "{text}"
        );
    }

    #[test]
    fn detail_row_with_rsig_group14_and_caps() {
        let text = render_isakmp_sa_detail(&[sa(IsakmpRole::Responder, IsakmpState::QmIdle)]);
        assert_eq!(
            text.lines().last(),
            Some("1001  192.0.2.1       198.51.100.77            aes  md5  rsig 14  24:00:00 DN")
        );
    }

    #[test]
    fn caps_in_legend_order() {
        let all = Capabilities {
            config_mode: true,
            dpd: true,
            keepalives: true,
            nat_t: true,
            xauth: true,
        };
        assert_eq!(all.to_string(), "CDKNX");
        assert_eq!(Capabilities::default().to_string(), "");
    }
}
