//! ISAKMP Vendor ID payloads: the values peers send, how to recognise them
//! (with the prefix rules for VIDs that carry version or capability bytes),
//! and the ones this side emits.
//!
//! The table follows libreswan's `vendorid.c` (its names are kept as
//! [`VendorIdEntry::id`]), with additions from strongSwan and vpnc; see
//! `tests/vectors/ikev1_vendor_ids.json`. The obsolete FreeS/WAN-style hashed
//! VIDs are not included.

use self::index::Index;
use self::table::TABLE;
use super::hexlit::hex;

mod index;
mod table;

/// Which NAT traversal specification a VID announces.
///
/// The order is the order of preference (`Ord`): [`Rfc3947`](Self::Rfc3947)
/// is the greatest, so the best version both sides share is the maximum.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum NatTVersion {
    /// "ESPThruNAT" (draft-huttunen).
    Huttunen,
    /// draft-huttunen-ipsec-esp-in-udp-00.txt.
    HuttunenEspInUdp,
    /// draft-stenberg-ipsec-nat-traversal-01.
    Stenberg01,
    /// draft-stenberg-ipsec-nat-traversal-02.
    Stenberg02,
    /// "draft-ietf-ipsec-nat-t-ike" without a number.
    DraftUnnumbered,
    /// draft-ietf-ipsec-nat-t-ike-00.
    Draft00,
    /// draft-ietf-ipsec-nat-t-ike-01.
    Draft01,
    /// "draft-ietf-ipsec-nat-t-ike-02\n" (MD5 of the name with a newline, as
    /// some implementations hashed it).
    Draft02N,
    /// draft-ietf-ipsec-nat-t-ike-02.
    Draft02,
    /// draft-ietf-ipsec-nat-t-ike-03.
    Draft03,
    /// draft-ietf-ipsec-nat-t-ike-04.
    Draft04,
    /// draft-ietf-ipsec-nat-t-ike-05.
    Draft05,
    /// draft-ietf-ipsec-nat-t-ike-06.
    Draft06,
    /// draft-ietf-ipsec-nat-t-ike-07.
    Draft07,
    /// draft-ietf-ipsec-nat-t-ike-08.
    Draft08,
    /// RFC 3947.
    Rfc3947,
}

impl NatTVersion {
    /// Whether this is the RFC (NAT-D / NAT-OA payload types 20 / 21, UDP
    /// encapsulation modes 3 / 4) rather than a draft.
    #[must_use]
    pub fn is_rfc(self) -> bool {
        self == Self::Rfc3947
    }
}

/// What a Vendor ID tells about the peer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum VendorIdKind {
    /// Supports Xauth (draft-ietf-ipsec-isakmp-xauth-06).
    Xauth,
    /// Supports Dead Peer Detection (RFC 3706); version bytes follow a 14-byte prefix.
    Dpd,
    /// Supports a version of NAT traversal.
    NatT(NatTVersion),
    /// Cisco Unity client/server extensions (Mode Config attributes 0x7000..);
    /// version bytes follow a 14-byte prefix.
    CiscoUnity,
    /// The Cisco Unity firewall-type VID.
    CiscoUnityFwType,
    /// Cisco VPN 3000 concentrator ("ALTIGA GATEWAY"); version bytes follow a 14-byte prefix.
    CiscoConcentrator,
    /// A Cisco IOS device (4-byte prefix, more bytes follow).
    CiscoIos,
    /// Supports Cisco's delete-with-reason.
    CiscoDeleteReason,
    /// Cisco dynamic route injection.
    CiscoDynamicRoute,
    /// Cisco FlexVPN supported.
    CiscoFlexVpn,
    /// "CISCOVPN-REV-02".
    CiscoVpnRev02,
    /// Supports IKE fragmentation (payload 132); an optional 4-byte capability
    /// word follows the 16 bytes.
    Fragmentation,
    /// Initial-contact announced as a VID.
    InitialContact,
    /// Heartbeat notify.
    HeartbeatNotify,
    /// Claims IKEv2 capability (obsolete).
    Ikev2,
    /// Identifies a product or version only.
    Product,
}

/// How a received VID is compared with a table entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MatchRule {
    /// The whole VID equals the entry's value.
    Exact,
    /// The VID starts with the first `n` bytes of the entry's value; the
    /// bytes after them (version, capabilities, build) may be anything.
    Prefix(usize),
}

/// One known Vendor ID.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VendorIdEntry {
    /// Stable identifier (libreswan's name, e.g. `VID_MISC_DPD`, where it has one).
    pub id: &'static str,
    /// Human-readable name (the hashed string, or a description).
    pub name: &'static str,
    /// What the VID announces.
    pub kind: VendorIdKind,
    /// The value: what this side emits for it (for prefix rules, the prefix
    /// plus, where known, the usual suffix).
    pub value: &'static [u8],
    /// How a received VID is matched.
    pub rule: MatchRule,
}

impl VendorIdEntry {
    /// How many bytes of `vid` this entry matches under its rule, if it
    /// matches at all ([`recognize`] keeps the entry matching the most).
    #[must_use]
    pub fn matched_len(&self, vid: &[u8]) -> Option<usize> {
        match self.rule {
            MatchRule::Exact => (vid == self.value).then_some(vid.len()),
            MatchRule::Prefix(n) => {
                let prefix = self.value.get(..n)?;
                vid.starts_with(prefix).then_some(n)
            }
        }
    }
}

/// A received VID recognised in the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VendorIdMatch<'a> {
    /// The table entry.
    pub entry: &'static VendorIdEntry,
    /// The received bytes after the matched prefix (empty for exact matches).
    pub suffix: &'a [u8],
}

impl VendorIdMatch<'_> {
    /// What the VID announces.
    #[must_use]
    pub fn kind(&self) -> VendorIdKind {
        self.entry.kind
    }

    /// The (major, minor) version bytes of a Unity, DPD or concentrator VID
    /// (the two bytes after the 14-byte prefix).
    #[must_use]
    pub fn version(&self) -> Option<(u8, u8)> {
        match (self.entry.kind, self.suffix) {
            (
                VendorIdKind::CiscoUnity | VendorIdKind::Dpd | VendorIdKind::CiscoConcentrator,
                [major, minor, ..],
            ) => Some((*major, *minor)),
            _ => None,
        }
    }

    /// The capability word of a fragmentation VID, if the peer sent one.
    #[must_use]
    pub fn fragmentation_capabilities(&self) -> Option<u32> {
        match (self.entry.kind, self.suffix) {
            (VendorIdKind::Fragmentation, [a, b, c, d]) => {
                Some(u32::from_be_bytes([*a, *b, *c, *d]))
            }
            _ => None,
        }
    }
}

/// Looks a received VID up in the table; the entry matching the most bytes
/// wins (an exact Windows version beats the generic MS prefix, Libreswan's
/// "OE-Libreswan-" beats Openswan's "OE").
#[must_use]
pub fn recognize(vid: &[u8]) -> Option<VendorIdMatch<'_>> {
    let (i, n) = Index::of(TABLE).best(vid)?;
    Some(VendorIdMatch {
        entry: TABLE.get(i)?,
        suffix: vid.get(n..).unwrap_or_default(),
    })
}

/// Every known Vendor ID.
#[must_use]
pub fn table() -> &'static [VendorIdEntry] {
    TABLE
}

/// The first table entry of a kind (e.g. to emit it).
#[must_use]
pub fn find(kind: VendorIdKind) -> Option<&'static VendorIdEntry> {
    TABLE.iter().find(|e| e.kind == kind)
}

/// MD5 of a string, the construction of most VIDs.
#[must_use]
pub fn md5_vid(text: &[u8]) -> [u8; 16] {
    use digest::Digest;
    md5::Md5::digest(text).into()
}

/// Xauth: the first 8 bytes of MD5("draft-ietf-ipsra-isakmp-xauth-06.txt").
pub const XAUTH: &[u8] = &hex::<8>("09002689dfd6b712");
/// Dead Peer Detection, RFC 3706 (version 1.0).
pub const DPD: &[u8] = &hex::<16>("afcad71368a1f1c96b8696fc77570100");
/// NAT-T, RFC 3947: MD5("RFC 3947").
pub const NAT_T_RFC3947: &[u8] = &hex::<16>("4a131c81070358455c5728f20e95452f");
/// NAT-T draft 02: MD5("draft-ietf-ipsec-nat-t-ike-02").
pub const NAT_T_DRAFT_02: &[u8] = &hex::<16>("cd60464335df21f87cfdb2fc68b6a448");
/// NAT-T draft 02 with newline: MD5("draft-ietf-ipsec-nat-t-ike-02\n").
pub const NAT_T_DRAFT_02_N: &[u8] = &hex::<16>("90cb80913ebb696e086381b5ec427b1f");
/// NAT-T draft 03: MD5("draft-ietf-ipsec-nat-t-ike-03").
pub const NAT_T_DRAFT_03: &[u8] = &hex::<16>("7d9419a65310ca6f2c179d9215529d56");
/// Cisco Unity 1.0: MD5("CISCO-UNITY") with the last two bytes set to 01 00.
pub const CISCO_UNITY: &[u8] = &hex::<16>("12f5f28c457168a9702d9fe274cc0100");
/// IKE fragmentation (without a capability word; see [`fragmentation_vid`]).
pub const FRAGMENTATION: &[u8] = &hex::<16>("4048b7d56ebce88525e7de7f00d6c2d3");
/// strongSwan: MD5("strongSwan").
pub const STRONGSWAN: &[u8] = &hex::<16>("882fe56d6fd20dbc2251613b2ebe5beb");

/// Fragmentation capability bit: fragments in Identity Protection and
/// Aggressive Mode (what Cisco and strongSwan send).
pub const FRAG_CAP_IDENT_AGG: u32 = 0x8000_0000;
/// Fragmentation capability bit: fragments in Base Mode.
pub const FRAG_CAP_BASE: u32 = 0x4000_0000;

/// The fragmentation VID with a capability word (e.g. [`FRAG_CAP_IDENT_AGG`]), 20 bytes.
#[must_use]
pub fn fragmentation_vid(capabilities: u32) -> Vec<u8> {
    let mut v = FRAGMENTATION.to_vec();
    v.extend_from_slice(&capabilities.to_be_bytes());
    v
}

/// A Cisco Unity VID with the given version bytes.
#[must_use]
pub fn cisco_unity_vid(major: u8, minor: u8) -> [u8; 16] {
    let mut v = [0u8; 16];
    v.copy_from_slice(CISCO_UNITY);
    v[14] = major;
    v[15] = minor;
    v
}
