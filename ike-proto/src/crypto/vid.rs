//! ISAKMP Vendor ID payloads: the values peers send, how to recognise them
//! (with the prefix rules for VIDs that carry version or capability bytes),
//! and the ones this side emits.
//!
//! The table follows libreswan's `vendorid.c` (its names are kept as
//! [`VendorIdEntry::id`]), with additions from strongSwan and vpnc; see
//! `tests/vectors/ikev1_vendor_ids.json`. The obsolete FreeS/WAN-style hashed
//! VIDs are not included.

use super::hexlit::hex;

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
    fn matched_len(&self, vid: &[u8]) -> Option<usize> {
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
    let mut best: Option<(&'static VendorIdEntry, usize)> = None;
    for entry in TABLE {
        if let Some(n) = entry.matched_len(vid) {
            if best.is_none_or(|(_, m)| n > m) {
                best = Some((entry, n));
            }
        }
    }
    best.map(|(entry, n)| VendorIdMatch {
        entry,
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

const fn entry(
    id: &'static str,
    name: &'static str,
    kind: VendorIdKind,
    value: &'static [u8],
    rule: MatchRule,
) -> VendorIdEntry {
    VendorIdEntry {
        id,
        name,
        kind,
        value,
        rule,
    }
}

// Generated from tests/vectors/ikev1_vendor_ids.json (MD5 values recomputed),
// plus three entries from strongSwan / vpnc at the end.
static TABLE: &[VendorIdEntry] = &[
    entry(
        "VID_OPPORTUNISTIC",
        "Opportunistic IPsec",
        VendorIdKind::Product,
        &hex::<19>("4f70706f7274756e6973746963204950736563"),
        MatchRule::Exact,
    ),
    entry(
        "VID_OPENPGP",
        "OpenPGP10171",
        VendorIdKind::Product,
        &hex::<12>("4f70656e5047503130313731"),
        MatchRule::Exact,
    ),
    entry(
        "VID_KAME_RACOON",
        "KAME/racoon",
        VendorIdKind::Product,
        &hex::<16>("7003cbc1097dbe9c2600ba6983bc8b35"),
        MatchRule::Exact,
    ),
    entry(
        "VID_MS_WIN2K",
        "Windows 2000",
        VendorIdKind::Product,
        &hex::<20>("1e2b516905991c7d7c96fcbfb587e46100000002"),
        MatchRule::Exact,
    ),
    entry(
        "VID_MS_WINXP",
        "Windows XP",
        VendorIdKind::Product,
        &hex::<20>("1e2b516905991c7d7c96fcbfb587e46100000003"),
        MatchRule::Exact,
    ),
    entry(
        "VID_MS_WIN2003",
        "Windows Server 2003",
        VendorIdKind::Product,
        &hex::<20>("1e2b516905991c7d7c96fcbfb587e46100000004"),
        MatchRule::Exact,
    ),
    entry(
        "VID_MS_WINVISTA",
        "Windows Vista",
        VendorIdKind::Product,
        &hex::<20>("1e2b516905991c7d7c96fcbfb587e46100000005"),
        MatchRule::Exact,
    ),
    entry(
        "VID_MS_WIN2008",
        "Windows Server 2008",
        VendorIdKind::Product,
        &hex::<20>("1e2b516905991c7d7c96fcbfb587e46100000006"),
        MatchRule::Exact,
    ),
    entry(
        "VID_MS_WIN7",
        "Windows 7",
        VendorIdKind::Product,
        &hex::<20>("1e2b516905991c7d7c96fcbfb587e46100000007"),
        MatchRule::Exact,
    ),
    entry(
        "VID_MS_WIN2008R2",
        "Windows Server 2008 R2",
        VendorIdKind::Product,
        &hex::<20>("1e2b516905991c7d7c96fcbfb587e46100000008"),
        MatchRule::Exact,
    ),
    entry(
        "VID_MS_WINKSINK09",
        "Windows 8, 8.1, 10, Server 2012 R2, Server 2016",
        VendorIdKind::Product,
        &hex::<20>("1e2b516905991c7d7c96fcbfb587e46100000009"),
        MatchRule::Exact,
    ),
    entry(
        "VID_MS_WINKEYMODS_IKE",
        "Windows KEY_MODS (IKE)",
        VendorIdKind::Product,
        &hex::<20>("01528bbbc00696121849ab9a1c5b2a5100000000"),
        MatchRule::Exact,
    ),
    entry(
        "VID_MS_WINKEYMODS_AUTHIP",
        "Windows KEY_MODS (AUTHIP)",
        VendorIdKind::Product,
        &hex::<20>("01528bbbc00696121849ab9a1c5b2a5100000001"),
        MatchRule::Exact,
    ),
    entry(
        "VID_MS_WINKEYMODS_IKEv2",
        "Windows KEY_MODS (IKEv2)",
        VendorIdKind::Product,
        &hex::<20>("01528bbbc00696121849ab9a1c5b2a5100000002"),
        MatchRule::Exact,
    ),
    entry(
        "VID_MS_AUTHIP_KE_DH_NONE",
        "AUTHIP INIT KE DH NONE",
        VendorIdKind::Product,
        &hex::<20>("7bb93867d76c8d80df0f40fae8fc3b1900000000"),
        MatchRule::Exact,
    ),
    entry(
        "VID_MS_AUTHIP_KE_DH1",
        "AUTHIP INIT KE DH1",
        VendorIdKind::Product,
        &hex::<20>("7bb93867d76c8d80df0f40fae8fc3b1900000001"),
        MatchRule::Exact,
    ),
    entry(
        "VID_MS_AUTHIP_KE_DH2",
        "AUTHIP INIT KE DH2",
        VendorIdKind::Product,
        &hex::<20>("7bb93867d76c8d80df0f40fae8fc3b1900000002"),
        MatchRule::Exact,
    ),
    entry(
        "VID_MS_AUTHIP_KE_DH14",
        "AUTHIP INIT KE DH14",
        VendorIdKind::Product,
        &hex::<20>("7bb93867d76c8d80df0f40fae8fc3b1900000003"),
        MatchRule::Exact,
    ),
    entry(
        "VID_MS_AUTHIP_KE_DH19",
        "AUTHIP INIT KE DH19(ECP 256)",
        VendorIdKind::Product,
        &hex::<20>("7bb93867d76c8d80df0f40fae8fc3b1900000004"),
        MatchRule::Exact,
    ),
    entry(
        "VID_MS_AUTHIP_KE_DH20",
        "AUTHIP INIT KE DH20(ECP 384)",
        VendorIdKind::Product,
        &hex::<20>("7bb93867d76c8d80df0f40fae8fc3b1900000005"),
        MatchRule::Exact,
    ),
    entry(
        "VID_MS_AUTHIP_KE_DH21",
        "AUTHIP INIT KE DH21(ECP 521)",
        VendorIdKind::Product,
        &hex::<20>("7bb93867d76c8d80df0f40fae8fc3b1900000006"),
        MatchRule::Exact,
    ),
    entry(
        "VID_MS_AUTHIP_KE_DHMAX",
        "AUTHIP INIT KE DH MAX",
        VendorIdKind::Product,
        &hex::<20>("7bb93867d76c8d80df0f40fae8fc3b1900000007"),
        MatchRule::Exact,
    ),
    entry(
        "VID_MS_NLBS_PRESENT",
        "NLB/MSCS fast failover supported",
        VendorIdKind::Product,
        &hex::<16>("72872b95fcda2eb708efe322119b4971"),
        MatchRule::Exact,
    ),
    entry(
        "VID_MS_AUTHIP_SUPPORTED",
        "AuthIP supported",
        VendorIdKind::Product,
        &hex::<16>("214ca4faffa7f32d6748e5303395ae83"),
        MatchRule::Exact,
    ),
    entry(
        "VID_MS_CGA_SUPPORTED",
        "CGA supported",
        VendorIdKind::Product,
        &hex::<16>("e3a5966a76379fe707228231e5ce8652"),
        MatchRule::Exact,
    ),
    entry(
        "VID_MS_NEGOTIATION_DISCOVERY_SUPPORTED",
        "Negotiation discovery supported",
        VendorIdKind::Product,
        &hex::<16>("fb1de3cdf341b7ea16b7e5be0855f120"),
        MatchRule::Exact,
    ),
    entry(
        "VID_MS_XBOX_ONE_2013",
        "Microsoft Xbox One 2013",
        VendorIdKind::Product,
        &hex::<16>("8aa394cf8a5577dc3110c113b027a4f2"),
        MatchRule::Exact,
    ),
    entry(
        "VID_MS_XBOX_IKEv2",
        "Xbox IKEv2 Negotiation",
        VendorIdKind::Product,
        &hex::<16>("660822b3a73a244149578d62e0eb46a0"),
        MatchRule::Exact,
    ),
    entry(
        "VID_MS_SEC_REALM_ID",
        "MSFT IPsec Security Realm Id",
        VendorIdKind::Product,
        &hex::<16>("686a8cbdfe634b405146fb2baf33e9e8"),
        MatchRule::Exact,
    ),
    entry(
        "VID_GSSAPILONG",
        "A GSS-API Authentication Method for IKE",
        VendorIdKind::Product,
        &hex::<16>("ad2c0dd0b9c32083ccba25b8861ec455"),
        MatchRule::Exact,
    ),
    entry(
        "VID_GSSAPI",
        "GSSAPI",
        VendorIdKind::Product,
        &hex::<16>("621b04bb09882ac1e15935fefa24aeee"),
        MatchRule::Exact,
    ),
    entry(
        "VID_SSH_SENTINEL",
        "SSH Sentinel",
        VendorIdKind::Product,
        &hex::<16>("054182a07c7ae206f9d2cf9d2432c482"),
        MatchRule::Exact,
    ),
    entry(
        "VID_SSH_SENTINEL_1_1",
        "SSH Sentinel 1.1",
        VendorIdKind::Product,
        &hex::<16>("b91623e693ca18a54c6a2778552305e8"),
        MatchRule::Exact,
    ),
    entry(
        "VID_SSH_SENTINEL_1_2",
        "SSH Sentinel 1.2",
        VendorIdKind::Product,
        &hex::<16>("5430888de01a31a6fa8f60224e449958"),
        MatchRule::Exact,
    ),
    entry(
        "VID_SSH_SENTINEL_1_3",
        "SSH Sentinel 1.3",
        VendorIdKind::Product,
        &hex::<16>("7ee5cb85f71ce259c94a5c731ee4e752"),
        MatchRule::Exact,
    ),
    entry(
        "VID_SSH_SENTINEL_1_4",
        "SSH Sentinel 1.4",
        VendorIdKind::Product,
        &hex::<16>("63d9a1a7009491b5a0a6fdeb2a8284f0"),
        MatchRule::Exact,
    ),
    entry(
        "VID_SSH_SENTINEL_1_4_1",
        "SSH Sentinel 1.4.1",
        VendorIdKind::Product,
        &hex::<16>("eb4b0d96276b4e220ad16221a7b2a5e6"),
        MatchRule::Exact,
    ),
    entry(
        "VID_SSH_IPSEC_1_1_0",
        "Ssh Communications Security IPSEC Express version 1.1.0",
        VendorIdKind::Product,
        &hex::<16>("fbf47614984031fa8e3bb6198089b223"),
        MatchRule::Exact,
    ),
    entry(
        "VID_SSH_IPSEC_1_1_1",
        "Ssh Communications Security IPSEC Express version 1.1.1",
        VendorIdKind::Product,
        &hex::<16>("1952dc91ac20f646fb01cf42a33aee30"),
        MatchRule::Exact,
    ),
    entry(
        "VID_SSH_IPSEC_1_1_2",
        "Ssh Communications Security IPSEC Express version 1.1.2",
        VendorIdKind::Product,
        &hex::<16>("e8bffa643e5c8f2cd10fda7370b6ebe5"),
        MatchRule::Exact,
    ),
    entry(
        "VID_SSH_IPSEC_1_2_1",
        "Ssh Communications Security IPSEC Express version 1.2.1",
        VendorIdKind::Product,
        &hex::<16>("c1111b2dee8cbc3d620573ec57aab9cb"),
        MatchRule::Exact,
    ),
    entry(
        "VID_SSH_IPSEC_1_2_2",
        "Ssh Communications Security IPSEC Express version 1.2.2",
        VendorIdKind::Product,
        &hex::<16>("09ec27bfbc09c75823cfecbffe565a2e"),
        MatchRule::Exact,
    ),
    entry(
        "VID_SSH_IPSEC_2_0_0",
        "SSH Communications Security IPSEC Express version 2.0.0",
        VendorIdKind::Product,
        &hex::<16>("7f21a596e4e318f0b2f4944c2384cb84"),
        MatchRule::Exact,
    ),
    entry(
        "VID_SSH_IPSEC_2_1_0",
        "SSH Communications Security IPSEC Express version 2.1.0",
        VendorIdKind::Product,
        &hex::<16>("2836d1fd2807bc9e5ae30786320451ec"),
        MatchRule::Exact,
    ),
    entry(
        "VID_SSH_IPSEC_2_1_1",
        "SSH Communications Security IPSEC Express version 2.1.1",
        VendorIdKind::Product,
        &hex::<16>("a68de756a9c5229bae66498040951ad5"),
        MatchRule::Exact,
    ),
    entry(
        "VID_SSH_IPSEC_2_1_2",
        "SSH Communications Security IPSEC Express version 2.1.2",
        VendorIdKind::Product,
        &hex::<16>("3f2372867e237c1cd8250a75559cae20"),
        MatchRule::Exact,
    ),
    entry(
        "VID_SSH_IPSEC_3_0_0",
        "SSH Communications Security IPSEC Express version 3.0.0",
        VendorIdKind::Product,
        &hex::<16>("0e58d5774df602007d0b02443660f7eb"),
        MatchRule::Exact,
    ),
    entry(
        "VID_SSH_IPSEC_3_0_1",
        "SSH Communications Security IPSEC Express version 3.0.1",
        VendorIdKind::Product,
        &hex::<16>("f5ce31ebc210f44350cf71265b57380f"),
        MatchRule::Exact,
    ),
    entry(
        "VID_SSH_IPSEC_4_0_0",
        "SSH Communications Security IPSEC Express version 4.0.0",
        VendorIdKind::Product,
        &hex::<16>("f64260af2e2742daddd56987068a99a0"),
        MatchRule::Exact,
    ),
    entry(
        "VID_SSH_IPSEC_4_0_1",
        "SSH Communications Security IPSEC Express version 4.0.1",
        VendorIdKind::Product,
        &hex::<16>("7a54d3bdb3b1e6d923892064be2d981c"),
        MatchRule::Exact,
    ),
    entry(
        "VID_SSH_IPSEC_4_1_0",
        "SSH Communications Security IPSEC Express version 4.1.0",
        VendorIdKind::Product,
        &hex::<16>("9aa1f3b43472a45d5f506aeb260cf214"),
        MatchRule::Exact,
    ),
    entry(
        "VID_SSH_IPSEC_4_2_0",
        "SSH Communications Security IPSEC Express version 4.2.0",
        VendorIdKind::Product,
        &hex::<16>("6880c7d026099114e486c55430e7abee"),
        MatchRule::Exact,
    ),
    entry(
        "VID_CISCO3K",
        "Cisco VPN 3000 Series",
        VendorIdKind::CiscoConcentrator,
        &hex::<14>("1f07f70eaa6514d3b0fa96542a50"),
        MatchRule::Prefix(14),
    ),
    entry(
        "VID_CISCO_IOS",
        "Cisco IOS Device",
        VendorIdKind::CiscoIos,
        &hex::<4>("3e984048"),
        MatchRule::Prefix(4),
    ),
    entry(
        "VID_CISCO_UNITY",
        "Cisco-Unity",
        VendorIdKind::CiscoUnity,
        &hex::<16>("12f5f28c457168a9702d9fe274cc0100"),
        MatchRule::Prefix(14),
    ),
    entry(
        "VID_CISCO_VPN_REV_02",
        "CISCOVPN-REV-02",
        VendorIdKind::CiscoVpnRev02,
        &hex::<15>("434953434f56504e2d5245562d3032"),
        MatchRule::Exact,
    ),
    entry(
        "VID_CISCO_UNITY_FWTYPE",
        "Cisco-Unity FW type",
        VendorIdKind::CiscoUnityFwType,
        &hex::<12>("800100018002000180030002"),
        MatchRule::Exact,
    ),
    entry(
        "VID_CISCO_DELETE_REASON",
        "CISCO-DELETE-REASON",
        VendorIdKind::CiscoDeleteReason,
        &hex::<19>("434953434f2d44454c4554452d524541534f4e"),
        MatchRule::Exact,
    ),
    entry(
        "VID_CISCO_DYNAMIC_ROUTE",
        "CISCO-DYNAMIC-ROUTE",
        VendorIdKind::CiscoDynamicRoute,
        &hex::<19>("434953434f2d44594e414d49432d524f555445"),
        MatchRule::Exact,
    ),
    entry(
        "VID_CISCO_FLEXVPN_SUPPORTED",
        "FLEXVPN-SUPPORTED",
        VendorIdKind::CiscoFlexVpn,
        &hex::<17>("464c455856504e2d535550504f52544544"),
        MatchRule::Exact,
    ),
    entry(
        "VID_TIMESTEP",
        "TIMESTEP",
        VendorIdKind::Product,
        &hex::<8>("54494d4553544550"),
        MatchRule::Prefix(8),
    ),
    entry(
        "VID_NATT_STENBERG_01",
        "draft-stenberg-ipsec-nat-traversal-01",
        VendorIdKind::NatT(NatTVersion::Stenberg01),
        &hex::<16>("27bab5dc01ea0760ea4e3190ac27c0d0"),
        MatchRule::Exact,
    ),
    entry(
        "VID_NATT_STENBERG_02",
        "draft-stenberg-ipsec-nat-traversal-02",
        VendorIdKind::NatT(NatTVersion::Stenberg02),
        &hex::<16>("6105c422e76847e43f9684801292aecd"),
        MatchRule::Exact,
    ),
    entry(
        "VID_NATT_HUTTUNEN",
        "ESPThruNAT",
        VendorIdKind::NatT(NatTVersion::Huttunen),
        &hex::<16>("50760f624c63e5c53eea386c685ca083"),
        MatchRule::Exact,
    ),
    entry(
        "VID_NATT_HUTTUNEN_ESPINUDP",
        "draft-huttunen-ipsec-esp-in-udp-00.txt",
        VendorIdKind::NatT(NatTVersion::HuttunenEspInUdp),
        &hex::<16>("6a7434c19d7e36348090a02334c9c805"),
        MatchRule::Exact,
    ),
    entry(
        "VID_NATT_IETF_00",
        "draft-ietf-ipsec-nat-t-ike-00",
        VendorIdKind::NatT(NatTVersion::Draft00),
        &hex::<16>("4485152d18b6bbcd0be8a8469579ddcc"),
        MatchRule::Exact,
    ),
    entry(
        "VID_NATT_IETF_01",
        "draft-ietf-ipsec-nat-t-ike-01",
        VendorIdKind::NatT(NatTVersion::Draft01),
        &hex::<16>("16f6ca16e4a4066d83821a0f0aeaa862"),
        MatchRule::Exact,
    ),
    entry(
        "VID_NATT_IETF_02",
        "draft-ietf-ipsec-nat-t-ike-02",
        VendorIdKind::NatT(NatTVersion::Draft02),
        &hex::<16>("cd60464335df21f87cfdb2fc68b6a448"),
        MatchRule::Exact,
    ),
    entry(
        "VID_NATT_IETF_02_N",
        "draft-ietf-ipsec-nat-t-ike-02\n",
        VendorIdKind::NatT(NatTVersion::Draft02N),
        &hex::<16>("90cb80913ebb696e086381b5ec427b1f"),
        MatchRule::Exact,
    ),
    entry(
        "VID_NATT_IETF_03",
        "draft-ietf-ipsec-nat-t-ike-03",
        VendorIdKind::NatT(NatTVersion::Draft03),
        &hex::<16>("7d9419a65310ca6f2c179d9215529d56"),
        MatchRule::Exact,
    ),
    entry(
        "VID_NATT_IETF_04",
        "draft-ietf-ipsec-nat-t-ike-04",
        VendorIdKind::NatT(NatTVersion::Draft04),
        &hex::<16>("9909b64eed937c6573de52ace952fa6b"),
        MatchRule::Exact,
    ),
    entry(
        "VID_NATT_IETF_05",
        "draft-ietf-ipsec-nat-t-ike-05",
        VendorIdKind::NatT(NatTVersion::Draft05),
        &hex::<16>("80d0bb3def54565ee84645d4c85ce3ee"),
        MatchRule::Exact,
    ),
    entry(
        "VID_NATT_IETF_06",
        "draft-ietf-ipsec-nat-t-ike-06",
        VendorIdKind::NatT(NatTVersion::Draft06),
        &hex::<16>("4d1e0e136deafa34c4f3ea9f02ec7285"),
        MatchRule::Exact,
    ),
    entry(
        "VID_NATT_IETF_07",
        "draft-ietf-ipsec-nat-t-ike-07",
        VendorIdKind::NatT(NatTVersion::Draft07),
        &hex::<16>("439b59f8ba676c4c7737ae22eab8f582"),
        MatchRule::Exact,
    ),
    entry(
        "VID_NATT_IETF_08",
        "draft-ietf-ipsec-nat-t-ike-08",
        VendorIdKind::NatT(NatTVersion::Draft08),
        &hex::<16>("8f8d83826d246b6fc7a8a6a428c11de8"),
        MatchRule::Exact,
    ),
    entry(
        "VID_NATT_DRAFT_IETF_IPSEC_NAT_T_IKE",
        "draft-ietf-ipsec-nat-t-ike",
        VendorIdKind::NatT(NatTVersion::DraftUnnumbered),
        &hex::<16>("4df37928e9fc4fd1b3262170d515c662"),
        MatchRule::Exact,
    ),
    entry(
        "VID_NATT_RFC",
        "RFC 3947",
        VendorIdKind::NatT(NatTVersion::Rfc3947),
        &hex::<16>("4a131c81070358455c5728f20e95452f"),
        MatchRule::Exact,
    ),
    entry(
        "VID_SONICWALL_1",
        "Sonicwall 1 (TZ 170 Standard?)",
        VendorIdKind::Product,
        &hex::<8>("404bf439522ca3f6"),
        MatchRule::Exact,
    ),
    entry(
        "VID_SONICWALL_2",
        "Sonicwall 2 (3.1.0.12-86s?)",
        VendorIdKind::Product,
        &hex::<8>("da8e937880010000"),
        MatchRule::Exact,
    ),
    entry(
        "VID_MISC_XAUTH",
        "XAUTH",
        VendorIdKind::Xauth,
        &hex::<8>("09002689dfd6b712"),
        MatchRule::Exact,
    ),
    entry(
        "VID_MISC_DPD",
        "Dead Peer Detection",
        VendorIdKind::Dpd,
        &hex::<16>("afcad71368a1f1c96b8696fc77570100"),
        MatchRule::Prefix(14),
    ),
    entry(
        "VID_DPD1_NG",
        "DPDv1_NG",
        VendorIdKind::Product,
        &hex::<16>("3b9031dce4fcf88b489a923963dd0c49"),
        MatchRule::Exact,
    ),
    entry(
        "VID_MISC_IKEv2",
        "IKEv2",
        VendorIdKind::Ikev2,
        &hex::<5>("494b457632"),
        MatchRule::Exact,
    ),
    entry(
        "VID_MISC_HEARTBEAT_NOTIFY",
        "HeartBeat Notify",
        VendorIdKind::HeartbeatNotify,
        &hex::<16>("4865617274426561745f4e6f74696679"),
        MatchRule::Prefix(16),
    ),
    entry(
        "VID_IKE_FRAGMENTATION",
        "FRAGMENTATION",
        VendorIdKind::Fragmentation,
        &hex::<16>("4048b7d56ebce88525e7de7f00d6c2d3"),
        MatchRule::Prefix(16),
    ),
    entry(
        "VID_INITIAL_CONTACT",
        "Vid-Initial-Contact",
        VendorIdKind::InitialContact,
        &hex::<16>("26244d38eddb61b3172a36e3d0cfb819"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN",
        "strongSwan",
        VendorIdKind::Product,
        &hex::<16>("882fe56d6fd20dbc2251613b2ebe5beb"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_4_0_0",
        "strongSwan 4.0.0",
        VendorIdKind::Product,
        &hex::<16>("2ce9c946a4c879bf11b50b76cc5692cb"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_4_0_1",
        "strongSwan 4.0.1",
        VendorIdKind::Product,
        &hex::<16>("9dbbafcf1db0dd595ae065294003ad3e"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_4_0_2",
        "strongSwan 4.0.2",
        VendorIdKind::Product,
        &hex::<16>("77e8eea6f556a499de3ffe7f7f95661c"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_4_0_3",
        "strongSwan 4.0.3",
        VendorIdKind::Product,
        &hex::<16>("b181b18e114fc209b3c6e26c3a80718e"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_4_0_4",
        "strongSwan 4.0.4",
        VendorIdKind::Product,
        &hex::<16>("1ef283f83549b5ff9608b6d634f84d75"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_4_0_5",
        "strongSwan 4.0.5",
        VendorIdKind::Product,
        &hex::<16>("dd180d21e5ce655a768ba32211dd8ad9"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_4_0_6",
        "strongSwan 4.0.6",
        VendorIdKind::Product,
        &hex::<16>("4c90136946577b51919d8d9a6b8e4a9f"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_4_0_7",
        "strongSwan 4.0.7",
        VendorIdKind::Product,
        &hex::<16>("ab0746221cc8fd0d5238f73a9b3da557"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_4_1_0",
        "strongSwan 4.1.0",
        VendorIdKind::Product,
        &hex::<16>("4794cef6843422980d1a3d06af41c5cd"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_4_1_1",
        "strongSwan 4.1.1",
        VendorIdKind::Product,
        &hex::<16>("d3f1c488c368175d5f40a8f5ca5f5e12"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_4_1_2",
        "strongSwan 4.1.2",
        VendorIdKind::Product,
        &hex::<16>("15a1ace7ee52fddfef04f928db2dd134"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_4_1_3",
        "strongSwan 4.1.3",
        VendorIdKind::Product,
        &hex::<16>("5849ab6d8beabd6e4d09e5a3b88c089a"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_4_1_4",
        "strongSwan 4.1.4",
        VendorIdKind::Product,
        &hex::<16>("312f9cb1a6b90e19de7528c904ac3087"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_4_1_5",
        "strongSwan 4.1.5",
        VendorIdKind::Product,
        &hex::<16>("bf0fbf7306ebb7827042d893539886e2"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_4_1_6",
        "strongSwan 4.1.6",
        VendorIdKind::Product,
        &hex::<16>("d19683368af4b0edc21ccde982b1d1b0"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_4_1_7",
        "strongSwan 4.1.7",
        VendorIdKind::Product,
        &hex::<16>("ea840aa4dfc9712d6c32b5a16eb329a3"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_4_1_8",
        "strongSwan 4.1.8",
        VendorIdKind::Product,
        &hex::<16>("66a2045507c119da78a4666259cdea48"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_4_1_9",
        "strongSwan 4.1.9",
        VendorIdKind::Product,
        &hex::<16>("78fdd287def01a3f074b5369eab4fd1c"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_4_1_10",
        "strongSwan 4.1.10",
        VendorIdKind::Product,
        &hex::<16>("bf3a89ae5bef8e72d44dac8bb88d7d5f"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_4_1_11",
        "strongSwan 4.1.11",
        VendorIdKind::Product,
        &hex::<16>("b7bd9f2f978e3259a7aa9f7a1396ad6c"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_4_2_0",
        "strongSwan 4.2.0",
        VendorIdKind::Product,
        &hex::<16>("9f68901325a972894335302a9531ab9f"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_4_2_1",
        "strongSwan 4.2.1",
        VendorIdKind::Product,
        &hex::<16>("bab253f4cb10a8108a7c927c56c87886"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_4_2_2",
        "strongSwan 4.2.2",
        VendorIdKind::Product,
        &hex::<16>("2a517d0d23c37d08bce7c292a0217b39"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_4_2_3",
        "strongSwan 4.2.3",
        VendorIdKind::Product,
        &hex::<16>("2d1f406118fbd5d28474791ffa00488a"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_2_8_8",
        "strongSwan 2.8.8",
        VendorIdKind::Product,
        &hex::<16>("8c4a3bcb729b11f703d22a5b39640ca8"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_2_8_7",
        "strongSwan 2.8.7",
        VendorIdKind::Product,
        &hex::<16>("3a0d4e7ca4e492ed4dfe476d1ac6018b"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_2_8_6",
        "strongSwan 2.8.6",
        VendorIdKind::Product,
        &hex::<16>("fe3f49706e26a9fb36a87bfce9ea36ce"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_2_8_5",
        "strongSwan 2.8.5",
        VendorIdKind::Product,
        &hex::<16>("4c7efa31b39e510432a317570d97bbb9"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_2_8_4",
        "strongSwan 2.8.4",
        VendorIdKind::Product,
        &hex::<16>("76c72bfd398424dd001b86d0012fe061"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_2_8_3",
        "strongSwan 2.8.3",
        VendorIdKind::Product,
        &hex::<16>("fb4641ad0eeb2a34491d15f4eff51063"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_2_8_2",
        "strongSwan 2.8.2",
        VendorIdKind::Product,
        &hex::<16>("299932277b7dfe382ce23465333a7d23"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_2_8_1",
        "strongSwan 2.8.1",
        VendorIdKind::Product,
        &hex::<16>("e37f2d5ba89a62cd202ee27dac06c8a8"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_2_8_0",
        "strongSwan 2.8.0",
        VendorIdKind::Product,
        &hex::<16>("32f0e9b9c06dfe8c9ad5599a636971a1"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_2_7_3",
        "strongSwan 2.7.3",
        VendorIdKind::Product,
        &hex::<16>("7f50cc4ebf04c2d9da73abfd69b77aa2"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_2_7_2",
        "strongSwan 2.7.2",
        VendorIdKind::Product,
        &hex::<16>("a194e2aaddd0bafb95253dd96dc733eb"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_2_7_1",
        "strongSwan 2.7.1",
        VendorIdKind::Product,
        &hex::<16>("8134878582121785ba65ea345d6ba724"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_2_7_0",
        "strongSwan 2.7.0",
        VendorIdKind::Product,
        &hex::<16>("07fa128e4754f9447b1dd46374eef360"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_2_6_4",
        "strongSwan 2.6.4",
        VendorIdKind::Product,
        &hex::<16>("b927f95219a0fe3600dba3c1182ae55f"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_2_6_3",
        "strongSwan 2.6.3",
        VendorIdKind::Product,
        &hex::<16>("b2860e7837f711bef3d0eeb106872ded"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_2_6_2",
        "strongSwan 2.6.2",
        VendorIdKind::Product,
        &hex::<16>("5b1cd6fe7d050eda6c93871c107db3d2"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_2_6_1",
        "strongSwan 2.6.1",
        VendorIdKind::Product,
        &hex::<16>("66afbc12bbfe6ce108b1f69f4bc917b7"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_2_6_0",
        "strongSwan 2.6.0",
        VendorIdKind::Product,
        &hex::<16>("3f3266499ffdbd85950e702298062844"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_2_5_7",
        "strongSwan 2.5.7",
        VendorIdKind::Product,
        &hex::<16>("1f4442296b83d7e33a8b45209ba0e590"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_2_5_6",
        "strongSwan 2.5.6",
        VendorIdKind::Product,
        &hex::<16>("3c5eba3d8564928e32ae43c3d9924dee"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_2_5_5",
        "strongSwan 2.5.5",
        VendorIdKind::Product,
        &hex::<16>("3f267ed621ada7ee6c7d8893ccb0b14b"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_2_5_4",
        "strongSwan 2.5.4",
        VendorIdKind::Product,
        &hex::<16>("7a6bf5b7df89642a75a78ef7d657c1c0"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_2_5_3",
        "strongSwan 2.5.3",
        VendorIdKind::Product,
        &hex::<16>("df5b1f0f1d5679d9f8512b16c55a6065"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_2_5_2",
        "strongSwan 2.5.2",
        VendorIdKind::Product,
        &hex::<16>("861ce5eb72164b190e9e629a31cf4901"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_2_5_1",
        "strongSwan 2.5.1",
        VendorIdKind::Product,
        &hex::<16>("9a4a4648f60f8eda7cfcbfe271ee5b7d"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_2_5_0",
        "strongSwan 2.5.0",
        VendorIdKind::Product,
        &hex::<16>("9eb3d907ed7ada4e3cbcacb917abc8e4"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_2_4_4",
        "strongSwan 2.4.4",
        VendorIdKind::Product,
        &hex::<16>("485a70361b4433b31dea1c6be0df243e"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_2_4_3",
        "strongSwan 2.4.3",
        VendorIdKind::Product,
        &hex::<16>("982b7a063a33c143a8eadc88249f6bcc"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_2_4_2",
        "strongSwan 2.4.2",
        VendorIdKind::Product,
        &hex::<16>("e7a3fd0c6d771a8f1b8a86a4169c9ea4"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_2_4_1",
        "strongSwan 2.4.1",
        VendorIdKind::Product,
        &hex::<16>("75b0653cb281eb26d31ede38c8e1e228"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_2_4_0",
        "strongSwan 2.4.0",
        VendorIdKind::Product,
        &hex::<16>("e829c88149bab3c0cee85da60e18ae9b"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_2_3_2",
        "strongSwan 2.3.2",
        VendorIdKind::Product,
        &hex::<16>("42a4834c92ab9a7777063afa254bcb69"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_2_3_1",
        "strongSwan 2.3.1",
        VendorIdKind::Product,
        &hex::<16>("f697c1afcc2ec8ddcdf99dc7af03a67f"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_2_3_0",
        "strongSwan 2.3.0",
        VendorIdKind::Product,
        &hex::<16>("b8f92b2fa2d3fe5fe158344bda1cc6ae"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_2_2_2",
        "strongSwan 2.2.2",
        VendorIdKind::Product,
        &hex::<16>("99dc7cc823376b3b33d04357896ae07b"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_2_2_1",
        "strongSwan 2.2.1",
        VendorIdKind::Product,
        &hex::<16>("d9118b1e9de5efced9cc9d883f2168ff"),
        MatchRule::Exact,
    ),
    entry(
        "VID_STRONGSWAN_2_2_0",
        "strongSwan 2.2.0",
        VendorIdKind::Product,
        &hex::<16>("85b6cbec480d5c8cd9882c825ac2c244"),
        MatchRule::Exact,
    ),
    entry(
        "VID_NCP",
        "NCP client",
        VendorIdKind::Product,
        &hex::<16>("101fb0b35c5a4f4c08b919f1cb9777b0"),
        MatchRule::Exact,
    ),
    entry(
        "VID_SHREWSOFT",
        "Shrew Soft client",
        VendorIdKind::Product,
        &hex::<16>("f14b94b7bff1fef02773b8c49feded26"),
        MatchRule::Exact,
    ),
    entry(
        "VID_NETSCREEN_01",
        "Netscreen-01",
        VendorIdKind::Product,
        &hex::<20>("299ee8289f40a8973bc78687e2e7226b532c3b76"),
        MatchRule::Exact,
    ),
    entry(
        "VID_NETSCREEN_02",
        "Netscreen-02",
        VendorIdKind::Product,
        &hex::<20>("3a15e1f3cf2a63582e3ac82d1c64cbe3b6d779e7"),
        MatchRule::Exact,
    ),
    entry(
        "VID_NETSCREEN_03",
        "Netscreen-03",
        VendorIdKind::Product,
        &hex::<20>("47d2b126bfcd83489760e2cf8c5d4d5a03497c15"),
        MatchRule::Exact,
    ),
    entry(
        "VID_NETSCREEN_04",
        "Netscreen-04",
        VendorIdKind::Product,
        &hex::<20>("4a4340b543e02b84c88a8b96a8af9ebe77d9accc"),
        MatchRule::Exact,
    ),
    entry(
        "VID_NETSCREEN_05",
        "Netscreen-05",
        VendorIdKind::Product,
        &hex::<20>("64405f46f03b7660a23be116a1975058e69e8387"),
        MatchRule::Exact,
    ),
    entry(
        "VID_NETSCREEN_06",
        "Netscreen-06",
        VendorIdKind::Product,
        &hex::<20>("699369228741c6d4ca094c93e242c9de19e7b7c6"),
        MatchRule::Exact,
    ),
    entry(
        "VID_NETSCREEN_07",
        "Netscreen-07",
        VendorIdKind::Product,
        &hex::<20>("8c0dc6cf62a0ef1b5c6eabd1b67ba69866adf16a"),
        MatchRule::Exact,
    ),
    entry(
        "VID_NETSCREEN_08",
        "Netscreen-08",
        VendorIdKind::Product,
        &hex::<20>("92d27a9ecb31d99246986d3453d0c3d57a222a61"),
        MatchRule::Exact,
    ),
    entry(
        "VID_NETSCREEN_09",
        "Netscreen-09",
        VendorIdKind::Product,
        &hex::<20>("9b096d9ac3275a7d6fe8b91c583111b09efed1a0"),
        MatchRule::Exact,
    ),
    entry(
        "VID_NETSCREEN_10",
        "Netscreen-10",
        VendorIdKind::Product,
        &hex::<20>("bf03746108d746c904f1f3547de24f78479fed12"),
        MatchRule::Exact,
    ),
    entry(
        "VID_NETSCREEN_11",
        "Netscreen-11",
        VendorIdKind::Product,
        &hex::<20>("c2e80500f4cc5fbf5daaeed3bb59abaeee56c652"),
        MatchRule::Exact,
    ),
    entry(
        "VID_NETSCREEN_12",
        "Netscreen-12",
        VendorIdKind::Product,
        &hex::<20>("c8660a62b03b1b6130bf781608d32a6a8d0fb89f"),
        MatchRule::Exact,
    ),
    entry(
        "VID_NETSCREEN_13",
        "Netscreen-13",
        VendorIdKind::Product,
        &hex::<20>("f885da40b1e7a9abd17655ec5bbec0f21f0ed52e"),
        MatchRule::Exact,
    ),
    entry(
        "VID_NETSCREEN_14",
        "Netscreen-14",
        VendorIdKind::Product,
        &hex::<20>("2a2bcac19b8e91b426107807e02e7249569d6fd3"),
        MatchRule::Exact,
    ),
    entry(
        "VID_NETSCREEN_15",
        "Netscreen-15",
        VendorIdKind::Product,
        &hex::<20>("166f932d55eb64d8e4df4fd37e2313f0d0fd8451"),
        MatchRule::Exact,
    ),
    entry(
        "VID_NETSCREEN_16",
        "Netscreen-16",
        VendorIdKind::Product,
        &hex::<20>("a35bfd05ca1ac0b3d2f24e9e82bfcbff9c9e52b5"),
        MatchRule::Exact,
    ),
    entry(
        "VID_ZYWALL",
        "Zywall",
        VendorIdKind::Product,
        &hex::<20>("625027749d5ab97f5616c1602765cf480a3b7d0b"),
        MatchRule::Exact,
    ),
    entry(
        "VID_SIDEWINDER",
        "Sidewinder",
        VendorIdKind::Product,
        &hex::<16>("8404adf9cda05760b2ca292e4bff537b"),
        MatchRule::Exact,
    ),
    entry(
        "VID_LUCENT_GW9",
        "Lucent VPN Gateway 9 (LVG9.1.255:BRICK:9.1.255)",
        VendorIdKind::Product,
        &hex::<24>("4c5647392e322e3234353a425249434b3a392e322e323435"),
        MatchRule::Exact,
    ),
    entry(
        "VID_LUCENT_CL7",
        "Lucent VPN Client 7 (LVC7.1.2:XP)",
        VendorIdKind::Product,
        &hex::<11>("4c5643372e312e323a5850"),
        MatchRule::Exact,
    ),
    entry(
        "VID_CHECKPOINT",
        "Check Point",
        VendorIdKind::Product,
        &hex::<20>("f4ed19e0c114eb516faaac0ee37daf2807b4381f"),
        MatchRule::Exact,
    ),
    entry(
        "VID_LIBRESWAN",
        "Libreswan (3.6+)",
        VendorIdKind::Product,
        &hex::<13>("4f452d4c696272657377616e2d"),
        MatchRule::Prefix(13),
    ),
    entry(
        "VID_LIBRESWAN_OLD",
        "Libreswan 3.0 - 3.5",
        VendorIdKind::Product,
        &hex::<3>("4f454e"),
        MatchRule::Prefix(3),
    ),
    entry(
        "VID_XOPENSWAN",
        "Openswan(xeleranized)",
        VendorIdKind::Product,
        &hex::<3>("4f5357"),
        MatchRule::Prefix(3),
    ),
    entry(
        "VID_OPENSWANORG",
        "Openswan(project)",
        VendorIdKind::Product,
        &hex::<2>("4f45"),
        MatchRule::Prefix(2),
    ),
    entry(
        "VID_ELVIS",
        "ELVIS-PLUS Zastava",
        VendorIdKind::Product,
        &hex::<20>("08db45e6cb01f80bb576e9a78c0f54e1300b8881"),
        MatchRule::Prefix(20),
    ),
    entry(
        "VID_FORTINET_ENDPOINT_CONTROL",
        "Fortinet Endpoint Control",
        VendorIdKind::Product,
        &hex::<16>("b4f01ca951e9da8d0bafbbd34ad3044e"),
        MatchRule::Exact,
    ),
    entry(
        "VID_FORTINET_CONNECT_LICENSE",
        "forticlient connect license",
        VendorIdKind::Product,
        &hex::<16>("4c53427b6d465d1b337bb755a37a7fef"),
        MatchRule::Exact,
    ),
    entry(
        "VID_OPENIKED",
        "OpenIKED",
        VendorIdKind::Product,
        &hex::<8>("4f70656e494b4544"),
        MatchRule::Prefix(8),
    ),
    entry(
        "CISCO_VPN3000_CLIENT",
        "Cisco VPN 3000 client (ALTIGA NETWORKS)",
        VendorIdKind::Product,
        &hex::<16>("f6f7efc7f5aeb8cb158cb9d094ba69e7"),
        MatchRule::Exact,
    ),
    entry(
        "CISCO_DELETE_REASON_VPNC",
        "Cisco delete-with-reason (vpnc)",
        VendorIdKind::CiscoDeleteReason,
        &hex::<16>("2d7922c6b301d9b0e1342739e9cfbbd5"),
        MatchRule::Exact,
    ),
    entry(
        "MS_NT5_ISAKMPOAKLEY",
        "MS NT5 ISAKMPOAKLEY (any version)",
        VendorIdKind::Product,
        &hex::<16>("1e2b516905991c7d7c96fcbfb587e461"),
        MatchRule::Prefix(16),
    ),
];
