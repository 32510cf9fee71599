//! The ISAKMP wire codec: the header and every IKEv1 payload, each as an
//! owned representation with `parse`, `emit` and `buffer_len`, plus
//! zero-copy views of the header ([`IsakmpPacket`]) and of the payload chain
//! ([`RawPayloads`]).
//!
//! # Contract
//!
//! * **Parse never panics and never trusts a length.** Every read goes
//!   through [`codec::Reader`], which can only shrink; lengths are checked
//!   against what is there before use; lists are capped ([`MAX_PAYLOADS`],
//!   [`MAX_PROPOSALS`], [`MAX_TRANSFORMS`], [`MAX_ATTRIBUTES`],
//!   [`MAX_DELETE_SPIS`]) so allocation is bounded by the datagram
//!   (at most [`MAX_MESSAGE_LEN`]); trailing bytes are rejected; reserved
//!   fields must be zero; the payload chain stops at the first error.
//! * **Emit is the exact inverse of parse**: whatever parses re-emits to the
//!   same bytes (TV/TLV forms, SPI sizes and unknown enum values are kept as
//!   they came). Emit refuses values that parse would refuse, so what we
//!   send parses back; a failed emit appends nothing.
//! * Each payload type's `parse`/`emit` cover the body after the 4-byte
//!   generic header; [`Payload`] dispatches on the type, and
//!   [`parse_payloads`]/[`emit_payloads`] handle generic headers and the
//!   next-payload chain. [`Message`] adds the ISAKMP header.
//! * Encrypted messages: [`Datagram::parse`] returns
//!   [`Datagram::Encrypted`] with the header and the ciphertext when the E
//!   flag is set. After the crypto module decrypted the body,
//!   [`EncryptedMessage::parse_plaintext`] parses the chain, allowing the
//!   cipher padding RFC 2409 adds after the last payload (and only there).
//! * Every numbered field is an open enum ([`PayloadType`], [`NotifyType`],
//!   ...): a newtype over the integer whose `Debug` prints the name, with
//!   unknown values kept.
//! * Errors are [`crate::error::Error`]; [`crate::error::Error::notify`]
//!   tells which ISAKMP notify a peer should receive.
//!
//! # Example
//!
//! Build a Main Mode first message, emit it, parse it back:
//!
//! ```
//! use ike_proto::wire::{
//!     AuthMethod, Cookie, DataAttribute, Datagram, EncryptionAlgorithm, ExchangeType, Flags,
//!     GroupDescription, HashAlgorithm, Header, LifeType, Message, OakleyAttribute, Payload,
//!     PayloadType, Proposal, ProtocolId, SaPayload, Transform, VendorIdPayload,
//! };
//!
//! let sa = SaPayload::ipsec(vec![Proposal {
//!     number: 1,
//!     protocol: ProtocolId::ISAKMP,
//!     spi: vec![],
//!     transforms: vec![Transform::ike(1, vec![
//!         DataAttribute::basic(OakleyAttribute::ENCRYPTION_ALGORITHM, EncryptionAlgorithm::TRIPLE_DES_CBC),
//!         DataAttribute::basic(OakleyAttribute::HASH_ALGORITHM, HashAlgorithm::SHA),
//!         DataAttribute::basic(OakleyAttribute::AUTHENTICATION_METHOD, AuthMethod::PRE_SHARED_KEY),
//!         DataAttribute::basic(OakleyAttribute::GROUP_DESCRIPTION, GroupDescription::MODP_1024),
//!         DataAttribute::basic(OakleyAttribute::LIFE_TYPE, LifeType::SECONDS),
//!         // 86400 does not fit 16 bits: a 4-byte TLV, as IOS sends it
//!         DataAttribute::integer(OakleyAttribute::LIFE_DURATION, 86400),
//!     ])],
//! }]);
//! let mm1 = Message {
//!     header: Header {
//!         initiator_cookie: Cookie([0x5a; 8]),
//!         responder_cookie: Cookie::ZERO,
//!         exchange_type: ExchangeType::MAIN_MODE,
//!         flags: Flags::empty(),
//!         message_id: 0,
//!     },
//!     payloads: vec![
//!         Payload::Sa(sa),
//!         // RFC 3706 DPD
//!         Payload::VendorId(VendorIdPayload::new(
//!             *b"\xaf\xca\xd7\x13\x68\xa1\xf1\xc9\x6b\x86\x96\xfc\x77\x57\x01\x00",
//!         )),
//!     ],
//! };
//!
//! let bytes = mm1.to_bytes()?;
//! assert_eq!(bytes.len(), mm1.buffer_len());
//! assert_eq!(bytes[16], PayloadType::SA.get()); // the header's next payload
//!
//! let Datagram::Plain(parsed) = Datagram::parse(&bytes)? else {
//!     unreachable!("the E flag is clear")
//! };
//! assert_eq!(parsed, mm1);
//! let life = parsed.sa().unwrap().proposals[0].transforms[0]
//!     .attribute(OakleyAttribute::LIFE_DURATION)
//!     .and_then(DataAttribute::as_u32);
//! assert_eq!(life, Some(86400));
//! assert_eq!(parsed.to_bytes()?, bytes); // byte for byte
//! # Ok::<(), ike_proto::error::Error>(())
//! ```

#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]
// The codec's lengths come from the peer: no unchecked arithmetic on them.
// Tests compute expected offsets freely; `.clippy.toml` lets them unwrap,
// index and panic, and the lib's non-test build still checks all five.
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]

#[macro_use]
mod macros;

pub mod codec;

mod attribute;
mod cert;
mod cert_request;
mod config;
mod delete;
mod enums;
mod fragment;
mod hash;
mod header;
mod id;
mod ke;
mod message;
mod nat_d;
mod nat_oa;
mod nonce;
mod notify;
mod parsed;
mod payload;
mod proposal;
mod sa;
mod sig;
mod transform;
mod vendor_id;

pub use attribute::{
    AttributeValue, DataAttribute, attributes_len, emit_attributes, parse_attributes,
};
pub use cert::CertPayload;
pub use cert_request::CertRequestPayload;
pub use config::AttributePayload;
pub use delete::DeletePayload;
pub use enums::{
    AuthAlgorithm, AuthMethod, CertEncoding, ConfigAttributeType, ConfigMessageType, Doi,
    EncapsulationMode, EncryptionAlgorithm, EspTransformId, ExchangeType, GroupDescription,
    HashAlgorithm, IdType, IpsecAttribute, IsakmpTransformId, LifeType, NotifyType,
    OakleyAttribute, PayloadType, ProtocolId, XauthStatus, XauthType,
};
pub use fragment::{FragmentFlags, FragmentPayload};
pub use hash::HashPayload;
pub use header::{Cookie, Flags, HEADER_LEN, Header, IsakmpPacket, VERSION};
pub use id::{IdPayload, IdValue};
pub use ke::KePayload;
pub use message::{Datagram, EncryptedMessage, Message, strip_non_esp_marker};
pub use nat_d::{NatDPayload, NatTNumbering};
pub use nat_oa::NatOaPayload;
pub use nonce::NoncePayload;
pub use notify::NotifyPayload;
pub use parsed::{ParsedPayload, PayloadView, parse_chain};
pub use payload::{
    GENERIC_HEADER_LEN, PaddedPayloads, Payload, RawPayload, RawPayloads, emit_payloads,
    first_payload_type, parse_payloads, parse_payloads_padded, payloads_len,
};
pub use proposal::Proposal;
pub use sa::{SIT_IDENTITY_ONLY, SaPayload};
pub use sig::SigPayload;
pub use transform::Transform;
pub use vendor_id::VendorIdPayload;

/// The largest ISAKMP message (and UDP payload) accepted or emitted.
pub const MAX_MESSAGE_LEN: usize = 65535;
/// The largest payload body: a 16-bit length minus the generic header.
pub const MAX_BODY_LEN: usize = 65535 - GENERIC_HEADER_LEN;
/// Most payloads in one message.
pub const MAX_PAYLOADS: usize = 64;
/// Most proposals in one SA payload.
pub const MAX_PROPOSALS: usize = 64;
/// Most transforms in one proposal.
pub const MAX_TRANSFORMS: usize = 64;
/// Most data attributes in one transform or Attribute payload.
pub const MAX_ATTRIBUTES: usize = 64;
/// Most SPIs in one DELETE payload.
pub const MAX_DELETE_SPIS: usize = 1024;
/// Most bytes of cipher padding accepted after a decrypted payload chain
/// (RFC 2409 appendix B: up to 255 padding bytes plus the pad length).
pub const MAX_PADDING: usize = 256;
