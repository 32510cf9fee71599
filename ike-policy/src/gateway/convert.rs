//! Conversions between the engine's, the resolver's and esp-core's forms.

use super::*;

pub(super) fn esp_address(m: &AddressMatch) -> Option<EspAddress> {
    match *m {
        AddressMatch::Prefix { len: 0, .. } => Some(EspAddress::Any),
        AddressMatch::Prefix { address, len } => EspAddress::prefix(address, len).ok(),
        // esp-core selects by prefix or range: a wildcard with holes has
        // no SPD form.
        AddressMatch::Masked { .. } => None,
    }
}

pub(super) fn esp_selector_from_acl(s: &resolver::Selector) -> Option<EspSelector> {
    Some(EspSelector {
        source: esp_address(&s.source)?,
        destination: esp_address(&s.destination)?,
        protocol: s.protocol,
        source_ports: s.source_ports,
        destination_ports: s.destination_ports,
    })
}

/// `first..=last` as a prefix, when it is one.
pub(super) fn range_as_prefix(first: Ipv4Addr, last: Ipv4Addr) -> Option<EspAddress> {
    let (first, last) = (u32::from(first), u32::from(last));
    let size = last.checked_sub(first)?.checked_add(1)?;
    if !size.is_power_of_two() || first % size != 0 {
        return None;
    }
    let len = 32 - size.trailing_zeros() as u8;
    EspAddress::prefix(Ipv4Addr::from(first), len).ok()
}

pub(super) fn esp_side(ts: &TrafficSelector) -> (EspAddress, EspPorts) {
    let addr = if ts.start == Ipv4Addr::UNSPECIFIED && ts.end == Ipv4Addr::BROADCAST {
        EspAddress::Any
    } else {
        // A range that is exactly a prefix (a host, a subnet: what Quick
        // Mode IDs almost always are) becomes that prefix, which the SPD
        // indexes by destination; as a range it would sit in the SPD's
        // ordered list and every packet would walk all peers' entries.
        range_as_prefix(ts.start, ts.end)
            .or_else(|| EspAddress::range(ts.start, ts.end).ok())
            .unwrap_or(EspAddress::host(ts.start))
    };
    let ports = if ts.port == 0 {
        EspPorts::ANY
    } else {
        EspPorts::single(ts.port)
    };
    (addr, ports)
}

/// A child SA's selectors (ours as local) as an outbound SPD selector.
pub(super) fn esp_selector(s: &Selectors) -> EspSelector {
    let (source, source_ports) = esp_side(&s.local);
    let (destination, destination_ports) = esp_side(&s.remote);
    let protocol = s.local.protocol.max(s.remote.protocol);
    EspSelector {
        source,
        destination,
        protocol: (protocol != 0).then_some(protocol),
        source_ports,
        destination_ports,
    }
}

pub(super) fn suite(cipher: EspCipher, integrity: Option<EspIntegrity>) -> Result<Suite, String> {
    let e = match cipher {
        EspCipher::Des => Encryption::DesCbc,
        EspCipher::TripleDes => Encryption::TripleDesCbc,
        EspCipher::AesCbc { key_bits: 128 } => Encryption::AesCbc128,
        EspCipher::AesCbc { key_bits: 192 } => Encryption::AesCbc192,
        EspCipher::AesCbc { key_bits: 256 } => Encryption::AesCbc256,
        EspCipher::AesGcm16 { key_bits: 128 } => Encryption::AesGcm128,
        EspCipher::AesGcm16 { key_bits: 192 } => Encryption::AesGcm192,
        EspCipher::AesGcm16 { key_bits: 256 } => Encryption::AesGcm256,
        EspCipher::Null => Encryption::Null,
        other => return Err(format!("the data plane has no {other:?}")),
    };
    let i = match integrity {
        None => Integrity::None,
        Some(EspIntegrity::HmacMd5) => Integrity::HmacMd5_96,
        Some(EspIntegrity::HmacSha1) => Integrity::HmacSha1_96,
        Some(EspIntegrity::HmacSha256) => Integrity::HmacSha256_128,
    };
    Suite::new(e, i).map_err(|e| e.to_string())
}

/// `buf[range]` as its own vector, reusing `buf`'s allocation: the packet
/// was sealed or opened in place, so only its bytes move, once.
pub(super) fn keep_range(mut buf: Vec<u8>, range: std::ops::Range<usize>) -> Vec<u8> {
    buf.truncate(range.end);
    buf.drain(..range.start.min(buf.len()));
    buf
}

/// The data plane's limits: kilobytes soft and hard (the soft one asks the
/// engine to rekey), seconds hard only (the engine rekeys on time itself).
pub(super) fn esp_lifetime(l: Lifetime) -> esp_core::Lifetime {
    let kb = l.kilobytes.map(u64::from);
    esp_core::Lifetime {
        soft_seconds: None,
        hard_seconds: l.seconds.map(u64::from),
        soft_kilobytes: kb.map(|k| k - k / 10),
        hard_kilobytes: kb,
    }
}
