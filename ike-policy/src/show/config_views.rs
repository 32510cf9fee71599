//! The views of the configuration in force: `show crypto isakmp policy`,
//! `show crypto ipsec transform-set`, `show crypto dynamic-map`. They read
//! the model directly: nothing live goes into them but a dynamic map
//! entry's current peer.

use std::fmt::Write as _;

use crate::model::{
    AesKeyLength, DhGroup, EspMode, IkeAuthentication, IkeEncryption, IkeHash, IsakmpPolicy,
    TransformSet,
};

use super::crypto_map::{CryptoMapView, write_entry_body};

const INDENT: &str = "        ";

fn encryption_text(e: IkeEncryption) -> String {
    match e {
        IkeEncryption::Des => "DES - Data Encryption Standard (56 bit keys).".into(),
        IkeEncryption::TripleDes => "Three key triple DES".into(),
        IkeEncryption::Aes(k) => format!(
            "AES - Advanced Encryption Standard ({} bit keys).",
            AesKeyLength::bits(k)
        ),
    }
}

fn hash_text(h: IkeHash) -> &'static str {
    match h {
        IkeHash::Md5 => "Message Digest 5",
        IkeHash::Sha => "Secure Hash Standard",
        IkeHash::Sha256 => "Secure Hash Standard 2 (256 bit)",
        IkeHash::Sha384 => "Secure Hash Standard 2 (384 bit)",
        IkeHash::Sha512 => "Secure Hash Standard 2 (512 bit)",
    }
}

fn auth_text(a: IkeAuthentication) -> &'static str {
    match a {
        IkeAuthentication::PreShare => "Pre-Shared Key",
        IkeAuthentication::RsaSig => "Rivest-Shamir-Adleman Signature",
        IkeAuthentication::RsaEncr => "Rivest-Shamir-Adleman Encryption",
    }
}

fn group_bits(g: DhGroup) -> u16 {
    match g {
        DhGroup::Group1 => 768,
        DhGroup::Group2 => 1024,
        DhGroup::Group5 => 1536,
        DhGroup::Group14 => 2048,
        DhGroup::Group15 => 3072,
        DhGroup::Group16 => 4096,
    }
}

/// Renders `show crypto isakmp policy`: the configured suites by
/// priority, then IOS's built-in "Default protection suite".
pub fn render_isakmp_policy(policies: &[IsakmpPolicy]) -> String {
    let mut sorted: Vec<&IsakmpPolicy> = policies.iter().collect();
    sorted.sort_by_key(|p| p.priority);
    let default = IsakmpPolicy::default_suite();
    let mut out = String::from("Global IKE policy\n");
    for p in sorted.into_iter().chain(std::iter::once(&default)) {
        if p.priority == IsakmpPolicy::DEFAULT_SUITE_PRIORITY {
            out.push_str("Default protection suite\n");
        } else {
            let _ = writeln!(out, "Protection suite of priority {}", p.priority);
        }
        let _ = writeln!(
            out,
            "{INDENT}encryption algorithm:   {}",
            encryption_text(p.encryption)
        );
        let _ = writeln!(out, "{INDENT}hash algorithm:         {}", hash_text(p.hash));
        let _ = writeln!(
            out,
            "{INDENT}authentication method:  {}",
            auth_text(p.authentication)
        );
        let _ = writeln!(
            out,
            "{INDENT}Diffie-Hellman group:   #{} ({} bit)",
            p.group.number(),
            group_bits(p.group)
        );
        let _ = writeln!(
            out,
            "{INDENT}lifetime:               {} seconds, no volume limit",
            p.lifetime
        );
    }
    out
}

/// Renders `show crypto ipsec transform-set`: each set's transforms and
/// the mode it will negotiate, in the order given.
pub fn render_transform_sets(sets: &[TransformSet]) -> String {
    let mut out = String::new();
    for set in sets {
        let _ = writeln!(
            out,
            "Transform set {}: {{ {}  }}",
            set.name,
            set.transforms_text()
        );
        let mode = match set.mode {
            EspMode::Tunnel => "Tunnel",
            EspMode::Transport => "Transport",
        };
        let _ = writeln!(out, "   will negotiate = {{ {mode},  }},");
        out.push('\n');
    }
    out
}

/// Renders `show crypto dynamic-map`: one block per template entry, each
/// headed `Crypto Map Template"NAME" SEQ` as IOS prints it (no space
/// before the quote). The views' `interfaces` are not printed: a template
/// is applied through the crypto map that names it.
pub fn render_dynamic_map(maps: &[CryptoMapView]) -> String {
    let mut out = String::new();
    for map in maps {
        for entry in &map.entries {
            if !out.is_empty() {
                out.push('\n');
            }
            let _ = writeln!(out, "Crypto Map Template\"{}\" {}", map.name, entry.seq);
            let _ = write_entry_body(&mut out, entry);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isakmp_policy_lists_the_seed_policy_then_the_default_suite() {
        let p = IsakmpPolicy {
            encryption: IkeEncryption::TripleDes,
            authentication: IkeAuthentication::PreShare,
            group: DhGroup::Group2,
            ..IsakmpPolicy::with_defaults(10, 1)
        };
        assert_eq!(
            render_isakmp_policy(&[p]),
            "Global IKE policy\n\
             Protection suite of priority 10\n\
             \x20       encryption algorithm:   Three key triple DES\n\
             \x20       hash algorithm:         Secure Hash Standard\n\
             \x20       authentication method:  Pre-Shared Key\n\
             \x20       Diffie-Hellman group:   #2 (1024 bit)\n\
             \x20       lifetime:               86400 seconds, no volume limit\n\
             Default protection suite\n\
             \x20       encryption algorithm:   DES - Data Encryption Standard (56 bit keys).\n\
             \x20       hash algorithm:         Secure Hash Standard\n\
             \x20       authentication method:  Rivest-Shamir-Adleman Signature\n\
             \x20       Diffie-Hellman group:   #1 (768 bit)\n\
             \x20       lifetime:               86400 seconds, no volume limit\n"
        );
    }

    #[test]
    fn transform_set_as_ios_prints_it() {
        let set = TransformSet {
            name: "myset".into(),
            encryption: Some(crate::model::EspEncryption::TripleDes),
            integrity: Some(crate::model::EspIntegrity::ShaHmac),
            mode: EspMode::Tunnel,
            line: 3,
        };
        assert_eq!(
            render_transform_sets(&[set]),
            "Transform set myset: { esp-3des esp-sha-hmac  }\n   will negotiate = { Tunnel,  },\n\n"
        );
    }
}
