//! The notify numbers of the engine's public surface
//! ([`super::Event::NotifyReceived`]'s `ty`, [`crate::error::Error::notify_number`],
//! [`crate::error::Error::from_notify`]) as plain `u16`, for callers that
//! match on the integer. The numbers are [`NotifyType`]'s, the one list.

use crate::wire::NotifyType;

/// INVALID-PAYLOAD-TYPE.
pub const INVALID_PAYLOAD_TYPE: u16 = NotifyType::INVALID_PAYLOAD_TYPE.get();
/// INVALID-COOKIE.
pub const INVALID_COOKIE: u16 = NotifyType::INVALID_COOKIE.get();
/// INVALID-MAJOR-VERSION.
pub const INVALID_MAJOR_VERSION: u16 = NotifyType::INVALID_MAJOR_VERSION.get();
/// INVALID-EXCHANGE-TYPE.
pub const INVALID_EXCHANGE_TYPE: u16 = NotifyType::INVALID_EXCHANGE_TYPE.get();
/// INVALID-MESSAGE-ID.
pub const INVALID_MESSAGE_ID: u16 = NotifyType::INVALID_MESSAGE_ID.get();
/// INVALID-SPI.
pub const INVALID_SPI: u16 = NotifyType::INVALID_SPI.get();
/// NO-PROPOSAL-CHOSEN.
pub const NO_PROPOSAL_CHOSEN: u16 = NotifyType::NO_PROPOSAL_CHOSEN.get();
/// PAYLOAD-MALFORMED.
pub const PAYLOAD_MALFORMED: u16 = NotifyType::PAYLOAD_MALFORMED.get();
/// INVALID-KEY-INFORMATION.
pub const INVALID_KEY_INFORMATION: u16 = NotifyType::INVALID_KEY_INFORMATION.get();
/// INVALID-ID-INFORMATION.
pub const INVALID_ID_INFORMATION: u16 = NotifyType::INVALID_ID_INFORMATION.get();
/// INVALID-HASH-INFORMATION.
pub const INVALID_HASH_INFORMATION: u16 = NotifyType::INVALID_HASH_INFORMATION.get();
/// AUTHENTICATION-FAILED.
pub const AUTHENTICATION_FAILED: u16 = NotifyType::AUTHENTICATION_FAILED.get();
/// UNSUPPORTED-EXCHANGE-TYPE.
pub const UNSUPPORTED_EXCHANGE_TYPE: u16 = NotifyType::UNSUPPORTED_EXCHANGE_TYPE.get();
/// CONNECTED (commit bit).
pub const CONNECTED: u16 = NotifyType::CONNECTED.get();
/// IPSEC RESPONDER-LIFETIME.
pub const RESPONDER_LIFETIME: u16 = NotifyType::RESPONDER_LIFETIME.get();
/// IPSEC INITIAL-CONTACT.
pub const INITIAL_CONTACT: u16 = NotifyType::INITIAL_CONTACT.get();
/// R-U-THERE (RFC 3706).
pub const R_U_THERE: u16 = NotifyType::R_U_THERE.get();
/// R-U-THERE-ACK (RFC 3706).
pub const R_U_THERE_ACK: u16 = NotifyType::R_U_THERE_ACK.get();

/// The name IOS and the RFCs use for a notify type.
pub fn name(ty: u16) -> &'static str {
    NotifyType(ty).name().unwrap_or("UNKNOWN")
}
