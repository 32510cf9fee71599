//! The IPsec side of IOS's debug vocabulary, shared by the engine (the
//! proposal it validates) and an embedder that installs the SAs
//! (`IPSEC(initialize_sas)`): the transform names and the `(key eng.
//! msg.)` block that describes one SA.

use std::net::Ipv4Addr;

use super::ChildSaId;

use crate::policy::{EncapMode, EspCipher, EspIntegrity, Lifetime, Selectors, TrafficSelector};

/// A transform set's cipher as IOS names it: `esp-3des`, `esp-aes 256`.
pub fn cipher_name(cipher: EspCipher) -> String {
    match cipher {
        EspCipher::Des => "esp-des".into(),
        EspCipher::TripleDes => "esp-3des".into(),
        EspCipher::AesCbc { key_bits: 128 } => "esp-aes".into(),
        EspCipher::AesCbc { key_bits } => format!("esp-aes {key_bits}"),
        EspCipher::AesGcm16 { key_bits: 128 } => "esp-gcm".into(),
        EspCipher::AesGcm16 { key_bits } => format!("esp-gcm {key_bits}"),
        EspCipher::Null => "esp-null".into(),
    }
}

/// A transform set's integrity as IOS names it: `esp-sha-hmac`.
pub fn integrity_name(integrity: EspIntegrity) -> &'static str {
    match integrity {
        EspIntegrity::HmacMd5 => "esp-md5-hmac",
        EspIntegrity::HmacSha1 => "esp-sha-hmac",
        EspIntegrity::HmacSha256 => "esp-sha256-hmac",
    }
}

/// `esp-3des esp-sha-hmac`.
pub fn transform_names(cipher: EspCipher, integrity: Option<EspIntegrity>) -> String {
    let mut s = cipher_name(cipher);
    if let Some(i) = integrity {
        s.push(' ');
        s.push_str(integrity_name(i));
    }
    s
}

/// A proxy as the key engine prints it: `10.1.0.0/255.255.0.0/0/0
/// (type=4)` for a subnet, `10.5.5.1/255.255.255.255/0/0 (type=1)` for a
/// host, `start-end/proto/port (type=5)` for a range.
pub fn proxy(s: &TrafficSelector) -> String {
    if s.start == s.end {
        format!(
            "{}/255.255.255.255/{}/{} (type=1)",
            s.start, s.protocol, s.port
        )
    } else if let Some((net, mask)) = s.as_subnet() {
        format!("{net}/{mask}/{}/{} (type=4)", s.protocol, s.port)
    } else {
        format!("{}-{}/{}/{} (type=5)", s.start, s.end, s.protocol, s.port)
    }
}

/// One SA as the key engine describes it, `(key eng. msg.) INBOUND
/// local= ...` and the lines after it.
#[derive(Clone, Copy, Debug)]
pub struct KeyEngineMsg<'a> {
    /// Inbound (the SA we receive on) or outbound.
    pub inbound: bool,
    /// Our address.
    pub local: Ipv4Addr,
    /// The peer's.
    pub remote: Ipv4Addr,
    /// The proxies, ours as local.
    pub selectors: &'a Selectors,
    /// Encryption.
    pub cipher: EspCipher,
    /// Integrity.
    pub integrity: Option<EspIntegrity>,
    /// Tunnel or transport.
    pub mode: EncapMode,
    /// The lifetime (0 where none: a proposal not yet agreed).
    pub lifetime: Lifetime,
    /// The SPI (0 before one is chosen).
    pub spi: u32,
    /// The crypto engine's connection (0 before the SA exists).
    pub conn_id: u64,
}

impl KeyEngineMsg<'_> {
    /// The block's lines.
    pub fn lines(&self) -> [String; 6] {
        let (direction, flags) = if self.inbound {
            ("INBOUND", 0x2)
        } else {
            ("OUTBOUND", 0xA)
        };
        let mode = match self.mode {
            EncapMode::Tunnel => "Tunnel",
            EncapMode::Transport => "Transport",
        };
        let keysize = match self.cipher {
            EspCipher::AesCbc { key_bits } | EspCipher::AesGcm16 { key_bits } => key_bits,
            _ => 0,
        };
        [
            format!(
                "(key eng. msg.) {direction} local= {}, remote= {}, ",
                self.local, self.remote
            ),
            format!("local_proxy= {}, ", proxy(&self.selectors.local)),
            format!("remote_proxy= {},", proxy(&self.selectors.remote)),
            format!(
                "protocol= ESP, transform= {} ({mode}), ",
                transform_names(self.cipher, self.integrity)
            ),
            format!(
                "lifedur= {}s and {}kb, ",
                self.lifetime.seconds.unwrap_or(0),
                self.lifetime.kilobytes.unwrap_or(0)
            ),
            format!(
                "spi= 0x{:X}({}), conn_id= {}, keysize= {keysize}, flags= 0x{flags:X}",
                self.spi, self.spi, self.conn_id
            ),
        ]
    }
}

/// The crypto engine's connection ids of a child SA pair, inbound and
/// outbound: IOS numbers them from 2000 up, two per pair (the seed's first
/// pair is 2002 and 2003, its second 2004 and 2005).
pub fn conn_ids(child: ChildSaId) -> (u64, u64) {
    let base = 2000 + 2 * u64::from(child.0);
    (base, base + 1)
}
