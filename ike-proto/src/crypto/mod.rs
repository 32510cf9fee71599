//! IKEv1 cryptography: PRFs, phase-1 ciphers, key derivation, Diffie-Hellman, vendor IDs.
//!
//! Everything here works on byte slices and small enums of its own; the
//! `from_wire` / `wire_id` helpers convert to and from the numbers in the
//! transform attributes. The pieces:
//!
//! * [`HashAlg`]: MD5, SHA-1, SHA2-256/384/512 and their HMAC,
//!   the IKEv1 PRF: [`HashAlg::prf`], [`HashAlg::hash`].
//! * [`DhGroup`] / [`DhKeyPair`]: MODP groups 1, 2, 5, 14-18, constant-time
//!   exponentiation, private exponents sized by group ([`ExponentSize`]),
//!   peer values checked, shared secret left-padded to the modulus length.
//! * [`skeyid_psk`] / [`skeyid_sig`] and [`Phase1Keys`]: SKEYID, SKEYID_d/_a/_e,
//!   HASH_I / HASH_R, Quick Mode HASH(1)/(2)/(3), the Informational and
//!   Transaction HASH, KEYMAT, and the phase-1 cipher key
//!   ([`Phase1Keys::encryption_key`], the appendix B expansion);
//!   [`Phase2Keys`], the SKEYID_d and SKEYID_a an established SA keeps.
//! * [`Phase1Cipher`] and [`IsakmpCrypter`]: DES, 3DES, AES-CBC with the
//!   RFC 2409 appendix B IV rules (phase-1 chain, per-message-ID phase-2
//!   chains), padding as documented on [`Padding`].
//! * [`vid`]: the Vendor ID table, recognition with prefix rules, the values
//!   to emit; [`nat_d_hash`] for NAT-D payloads.
//! * [`SecretBytes`] / [`PrfOutput`]: secrets wiped on drop with redacted
//!   `Debug`; [`verify_hash`] compares MACs in constant time.
//!
//! # Example: a Main Mode with a pre-shared key, both sides
//!
//! ```
//! use ike_proto::crypto::{
//!     skeyid_psk, verify_hash, DhGroup, DhKeyPair, HashAlg, IsakmpCrypter, Phase1Cipher,
//!     Phase1Keys, Phase1Transcript,
//! };
//! use rand_chacha::ChaCha20Rng;
//! use rand_core::SeedableRng;
//!
//! # fn main() -> Result<(), ike_proto::crypto::CryptoError> {
//! let mut rng = ChaCha20Rng::from_seed([7; 32]);
//! // Negotiated in messages 1-2: 3DES, SHA-1, PSK, group 2.
//! let (cipher, prf, group) = (
//!     Phase1Cipher::from_wire(5, None).unwrap(),
//!     HashAlg::from_wire(2).unwrap(),
//!     DhGroup::from_wire(2).unwrap(),
//! );
//! let (cky_i, cky_r) = ([1u8; 8], [2u8; 8]);
//! let (ni_b, nr_b) = ([0x11u8; 16], [0x22u8; 16]);
//! let sai_b = b"SA payload body as the initiator sent it";
//!
//! // Messages 3-4: KE and nonces.
//! let initiator = DhKeyPair::generate(group, &mut rng);
//! let responder = DhKeyPair::generate(group, &mut rng);
//! let (g_xi, g_xr) = (initiator.public_value(), responder.public_value());
//! let g_xy_i = initiator.shared_secret(g_xr)?;
//! let g_xy_r = responder.shared_secret(g_xi)?;
//! assert_eq!(g_xy_i, g_xy_r);
//!
//! // Both sides derive the same keys.
//! let derive = |g_xy: &[u8]| {
//!     let skeyid = skeyid_psk(prf, b"cisco123", &ni_b, &nr_b);
//!     Phase1Keys::derive(prf, skeyid, g_xy, &cky_i, &cky_r)
//! };
//! let (keys_i, keys_r) = (derive(g_xy_i.as_bytes()), derive(g_xy_r.as_bytes()));
//!
//! // Message 5: the initiator proves its identity, encrypted.
//! let t = Phase1Transcript { g_xi, g_xr, cky_i: &cky_i, cky_r: &cky_r, sai_b };
//! let idii_b = [1, 17, 1, 244, 192, 0, 2, 1]; // ID_IPV4_ADDR, UDP, 500, 192.0.2.1
//! let hash_i = keys_i.hash_i(&t, &idii_b);
//!
//! let mut crypter_i = IsakmpCrypter::new(cipher, prf, keys_i.encryption_key(cipher), g_xi, g_xr)?;
//! let mut crypter_r = IsakmpCrypter::new(cipher, prf, keys_r.encryption_key(cipher), g_xi, g_xr)?;
//! let mut payloads = idii_b.to_vec(); // (stands for ID | HASH payloads)
//! payloads.extend_from_slice(hash_i.as_bytes());
//! let message5 = crypter_i.encrypt(0, &payloads);
//!
//! // The responder decrypts, checks HASH_I, then confirms the IV chain.
//! let plain = crypter_r.decrypt(0, &message5)?;
//! let received_hash = &plain[idii_b.len()..idii_b.len() + prf.output_len()];
//! assert!(verify_hash(keys_r.hash_i(&t, &idii_b).as_bytes(), received_hash));
//! assert!(crypter_r.confirm(0));
//! assert_eq!(crypter_i.iv(0), crypter_r.iv(0)); // both continue the same chain
//!
//! // Quick Mode later: KEYMAT for an ESP SA (AES-128 + HMAC-SHA1 = 36 bytes).
//! let keymat = keys_i.keymat(3, &[0xc0, 0xff, 0xee, 0x01], &ni_b, &nr_b, None, 36);
//! assert_eq!(keymat.len(), 36);
//! # Ok(())
//! # }
//! ```

mod cipher;
mod dh;
mod error;
mod fixed_base;
mod fixed_width;
mod hexlit;
mod kdf;
mod modp;
mod natd;
mod prf;
mod secret;
pub mod vid;

pub use cipher::{
    IsakmpCrypter, MAX_TRACKED_EXCHANGES, Padding, Phase1Cipher, phase1_iv, phase2_iv,
};
pub use dh::{DhGroup, DhKeyPair, ExponentSize};
pub use error::CryptoError;
pub use kdf::{
    Phase1Keys, Phase1Transcript, Phase2Keys, expand_encryption_key, skeyid_psk, skeyid_sig,
};
pub use natd::nat_d_hash;
pub use prf::HashAlg;
pub use secret::{PrfOutput, SecretBytes, verify_hash};
