//! Key-log lines for Wireshark: the IKE SA keys in the form of its
//! `ikev1_decryption_table` and each child SA in the form of its `esp_sa`
//! table, as the lab's `capture.sh show --keys` reads them (a file whose
//! first line is [`KEYLOG_HEADER`]). Only produced under
//! [`super::GatewayOptions::keylog`]; the Gateway does no I/O, so the
//! embedder writes the lines where it wants them.

use core::fmt::{self, Write as _};
use std::net::Ipv4Addr;

use ike_proto::engine::IkeSaKeys;
use ike_proto::policy::{EspCipher, EspIntegrity};
use zeroize::Zeroizing;

/// The first line of a key-log file (what `capture.sh show --keys` looks
/// for to read the file as is).
pub const KEYLOG_HEADER: &str = "# tshark-keys";

/// One key-log line, without its newline. It holds secrets: wiped on drop,
/// `Debug` shows only what kind of line it is.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyLogLine(Zeroizing<String>);

impl KeyLogLine {
    /// The line, e.g. `ikev1 0123456789abcdef,<key hex>` or `esp
    /// "IPv4","192.0.2.2","192.0.2.1","0x12345678","TripleDES-CBC
    /// [RFC2451]","0x...","HMAC-SHA-1-96 [RFC2404]","0x..."`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The `ikev1_decryption_table` entry of an IKE SA: initiator cookie,
    /// encryption key, both bare hex (Wireshark's UAT byte fields).
    pub(crate) fn ikev1(keys: &IkeSaKeys) -> Self {
        let mut s = Zeroizing::new(String::with_capacity(6 + 17 + 2 * 32));
        s.push_str("ikev1 ");
        let _ = write!(s, "{:x}", keys.initiator_cookie);
        s.push(',');
        hex(&mut s, keys.encryption_key.as_bytes());
        Self(s)
    }

    /// The `esp_sa` entry of one direction of a child SA.
    pub(crate) fn esp(
        src: Ipv4Addr,
        dst: Ipv4Addr,
        spi: u32,
        cipher: EspCipher,
        encryption_key: &[u8],
        integrity: Option<EspIntegrity>,
        integrity_key: &[u8],
    ) -> Self {
        let mut s = Zeroizing::new(String::with_capacity(160));
        let _ = write!(
            s,
            "esp \"IPv4\",\"{src}\",\"{dst}\",\"0x{spi:08x}\",\"{}\",\"0x",
            esp_cipher_name(cipher)
        );
        hex(&mut s, encryption_key);
        let _ = write!(s, "\",\"{}\",\"0x", esp_integrity_name(cipher, integrity));
        hex(&mut s, integrity_key);
        s.push('"');
        Self(s)
    }
}

impl fmt::Debug for KeyLogLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = self.0.split(' ').next().unwrap_or("");
        write!(f, "KeyLogLine({kind}, <redacted>)")
    }
}

fn hex(out: &mut String, bytes: &[u8]) {
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
}

/// Wireshark's name of the ESP encryption algorithm (its `esp_sa` table's
/// choices, which name the RFC).
fn esp_cipher_name(c: EspCipher) -> &'static str {
    match c {
        EspCipher::Des => "DES-CBC [RFC2405]",
        EspCipher::TripleDes => "TripleDES-CBC [RFC2451]",
        EspCipher::AesCbc { .. } => "AES-CBC [RFC3602]",
        EspCipher::AesGcm16 { .. } => "AES-GCM with 16 octet ICV [RFC4106]",
        EspCipher::Null => "NULL",
    }
}

/// Wireshark's name of the ESP authentication algorithm; a combined-mode
/// cipher has none ("NULL").
fn esp_integrity_name(c: EspCipher, i: Option<EspIntegrity>) -> &'static str {
    match (c, i) {
        (EspCipher::AesGcm16 { .. }, _) | (_, None) => "NULL",
        (_, Some(EspIntegrity::HmacMd5)) => "HMAC-MD5-96 [RFC2403]",
        (_, Some(EspIntegrity::HmacSha1)) => "HMAC-SHA-1-96 [RFC2404]",
        (_, Some(EspIntegrity::HmacSha256)) => "HMAC-SHA-256-128 [RFC4868]",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ike_proto::crypto::SecretBytes;
    use ike_proto::engine::IkeSaId;
    use ike_proto::wire::Cookie;

    #[test]
    fn ikev1_line_is_cookie_comma_key_in_bare_hex() {
        let keys = IkeSaKeys {
            ike_sa: IkeSaId(1),
            initiator_cookie: Cookie([0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef]),
            responder_cookie: Cookie::ZERO,
            encryption_key: SecretBytes::from_slice(&[0xa5; 24]),
        };
        let line = KeyLogLine::ikev1(&keys);
        assert_eq!(
            line.as_str(),
            format!("ikev1 0123456789abcdef,{}", "a5".repeat(24))
        );
        assert_eq!(format!("{line:?}"), "KeyLogLine(ikev1, <redacted>)");
    }

    #[test]
    fn esp_line_as_capture_sh_reads_it() {
        let line = KeyLogLine::esp(
            Ipv4Addr::new(192, 0, 2, 2),
            Ipv4Addr::new(192, 0, 2, 1),
            0x0102_0304,
            EspCipher::TripleDes,
            &[0x11; 24],
            Some(EspIntegrity::HmacSha1),
            &[0x22; 20],
        );
        assert_eq!(
            line.as_str(),
            format!(
                "esp \"IPv4\",\"192.0.2.2\",\"192.0.2.1\",\"0x01020304\",\
                 \"TripleDES-CBC [RFC2451]\",\"0x{}\",\"HMAC-SHA-1-96 [RFC2404]\",\"0x{}\"",
                "11".repeat(24),
                "22".repeat(20)
            )
        );
        let gcm = KeyLogLine::esp(
            Ipv4Addr::LOCALHOST,
            Ipv4Addr::LOCALHOST,
            1,
            EspCipher::AesGcm16 { key_bits: 128 },
            &[0; 20],
            None,
            &[],
        );
        assert!(
            gcm.as_str()
                .ends_with("\"AES-GCM with 16 octet ICV [RFC4106]\",\"0x0000000000000000000000000000000000000000\",\"NULL\",\"0x\""),
            "{}",
            gcm.as_str()
        );
    }
}
