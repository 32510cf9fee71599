//! Phase-2 values: traffic selectors, ESP transforms, and a Quick Mode
//! offer, request, choice or refusal.

use core::fmt;
use std::net::Ipv4Addr;

use super::{DhGroup, Lifetime, Profile};

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

    /// A subnet by address and mask (ID_IPV4_ADDR_SUBNET, an ACL line's
    /// contiguous wildcard); `None` for a mask with holes.
    pub fn subnet_mask(addr: Ipv4Addr, mask: Ipv4Addr) -> Option<Self> {
        let m = u32::from(mask);
        let len = m.leading_ones();
        (len + m.trailing_zeros() == 32).then(|| Self::subnet(addr, len as u8))
    }

    /// An address range (ID_IPV4_ADDR_RANGE); `None` when `end` is before
    /// `start`.
    pub fn range(start: Ipv4Addr, end: Ipv4Addr) -> Option<Self> {
        (u32::from(start) <= u32::from(end)).then_some(Self {
            start,
            end,
            protocol: 0,
            port: 0,
        })
    }

    /// The same addresses for one protocol and port.
    pub fn with_protocol(self, protocol: u8, port: u16) -> Self {
        Self {
            protocol,
            port,
            ..self
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

pub(super) fn prefix_mask(len: u8) -> u32 {
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
