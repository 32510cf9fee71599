//! How an exchange fails, and the notify a peer should see for it.
//!
//! This enum is the exchanges' own for now: the crate's [`crate::error::Error`]
//! belongs to the wire codec. It should fold into it as follows:
//! `Malformed`/`InvalidPayloadType`/`InvalidMajorVersion` are
//! `InvalidMessage`; `InvalidHashInformation`, `AuthenticationFailed`,
//! `InvalidCookie`, `InvalidMessageId`, `UnexpectedMessage` and
//! `InvalidKeyInformation` are `PeerMisbehaved`; `NoProposalChosen`,
//! `InvalidIdInformation`, `UnsupportedExchangeType`, `NoPresharedKey` and
//! `Refused` are `PeerIncompatible`; `Internal` is ours (no notify).

use thiserror::Error;

/// ISAKMP notify message types (RFC 2408 3.14.1, RFC 2407 4.6.3, RFC 3706).
pub mod notify {
    /// INVALID-PAYLOAD-TYPE.
    pub const INVALID_PAYLOAD_TYPE: u16 = 1;
    /// INVALID-COOKIE.
    pub const INVALID_COOKIE: u16 = 4;
    /// INVALID-MAJOR-VERSION.
    pub const INVALID_MAJOR_VERSION: u16 = 5;
    /// INVALID-EXCHANGE-TYPE.
    pub const INVALID_EXCHANGE_TYPE: u16 = 7;
    /// INVALID-MESSAGE-ID.
    pub const INVALID_MESSAGE_ID: u16 = 9;
    /// INVALID-SPI.
    pub const INVALID_SPI: u16 = 11;
    /// NO-PROPOSAL-CHOSEN.
    pub const NO_PROPOSAL_CHOSEN: u16 = 14;
    /// PAYLOAD-MALFORMED.
    pub const PAYLOAD_MALFORMED: u16 = 16;
    /// INVALID-KEY-INFORMATION.
    pub const INVALID_KEY_INFORMATION: u16 = 17;
    /// INVALID-ID-INFORMATION.
    pub const INVALID_ID_INFORMATION: u16 = 18;
    /// INVALID-HASH-INFORMATION.
    pub const INVALID_HASH_INFORMATION: u16 = 23;
    /// AUTHENTICATION-FAILED.
    pub const AUTHENTICATION_FAILED: u16 = 24;
    /// UNSUPPORTED-EXCHANGE-TYPE.
    pub const UNSUPPORTED_EXCHANGE_TYPE: u16 = 29;
    /// CONNECTED (commit bit).
    pub const CONNECTED: u16 = 16384;
    /// IPSEC RESPONDER-LIFETIME.
    pub const RESPONDER_LIFETIME: u16 = 24576;
    /// IPSEC INITIAL-CONTACT.
    pub const INITIAL_CONTACT: u16 = 24578;
    /// R-U-THERE (RFC 3706).
    pub const R_U_THERE: u16 = 36136;
    /// R-U-THERE-ACK (RFC 3706).
    pub const R_U_THERE_ACK: u16 = 36137;

    /// The name IOS and the RFCs use for a notify type.
    pub fn name(ty: u16) -> &'static str {
        match ty {
            INVALID_PAYLOAD_TYPE => "INVALID_PAYLOAD_TYPE",
            INVALID_COOKIE => "INVALID_COOKIE",
            INVALID_MAJOR_VERSION => "INVALID_MAJOR_VERSION",
            INVALID_EXCHANGE_TYPE => "INVALID_EXCHANGE_TYPE",
            INVALID_MESSAGE_ID => "INVALID_MESSAGE_ID",
            INVALID_SPI => "INVALID_SPI",
            NO_PROPOSAL_CHOSEN => "NO_PROPOSAL_CHOSEN",
            PAYLOAD_MALFORMED => "PAYLOAD_MALFORMED",
            INVALID_KEY_INFORMATION => "INVALID_KEY_INFORMATION",
            INVALID_ID_INFORMATION => "INVALID_ID_INFORMATION",
            INVALID_HASH_INFORMATION => "INVALID_HASH_INFORMATION",
            AUTHENTICATION_FAILED => "AUTHENTICATION_FAILED",
            UNSUPPORTED_EXCHANGE_TYPE => "UNSUPPORTED_EXCHANGE_TYPE",
            CONNECTED => "CONNECTED",
            RESPONDER_LIFETIME => "RESPONDER_LIFETIME",
            INITIAL_CONTACT => "INITIAL_CONTACT",
            R_U_THERE => "R_U_THERE",
            R_U_THERE_ACK => "R_U_THERE_ACK",
            _ => "UNKNOWN",
        }
    }
}

/// Why an exchange could not go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ExchangeError {
    /// The message does not parse.
    #[error("malformed message: {0}")]
    Malformed(&'static str),
    /// A payload type that is not defined.
    #[error("invalid payload type")]
    InvalidPayloadType,
    /// An ISAKMP version other than 1.
    #[error("invalid major version")]
    InvalidMajorVersion,
    /// A payload the exchange needs is missing, or one it forbids is there.
    #[error("unexpected payloads: {0}")]
    UnexpectedMessage(&'static str),
    /// None of the offered proposals is acceptable.
    #[error("no proposal chosen")]
    NoProposalChosen,
    /// The identities are not acceptable.
    #[error("invalid ID information")]
    InvalidIdInformation,
    /// A HASH payload did not verify.
    #[error("invalid hash information")]
    InvalidHashInformation,
    /// Authentication failed (wrong pre-shared key, unknown peer).
    #[error("authentication failed: {0}")]
    AuthenticationFailed(&'static str),
    /// A KE payload out of range for the group.
    #[error("invalid key information")]
    InvalidKeyInformation,
    /// No SA for these cookies.
    #[error("invalid cookie")]
    InvalidCookie,
    /// A message ID that is not valid here.
    #[error("invalid message ID")]
    InvalidMessageId,
    /// An exchange type we do not do.
    #[error("unsupported exchange type {0}")]
    UnsupportedExchangeType(u8),
    /// No pre-shared key for this peer or identity.
    #[error("no pre-shared key for the peer")]
    NoPresharedKey,
    /// Policy refused the peer (no profile, limits).
    #[error("refused by policy: {0}")]
    Refused(&'static str),
    /// Our own fault; nothing goes on the wire.
    #[error("internal error: {0}")]
    Internal(&'static str),
}

impl ExchangeError {
    /// The notify type the peer should receive, `None` when nothing is sent.
    pub fn notify(&self) -> Option<u16> {
        use notify::*;
        Some(match self {
            Self::Malformed(_) => PAYLOAD_MALFORMED,
            Self::InvalidPayloadType => INVALID_PAYLOAD_TYPE,
            Self::InvalidMajorVersion => INVALID_MAJOR_VERSION,
            Self::UnexpectedMessage(_) => PAYLOAD_MALFORMED,
            Self::NoProposalChosen => NO_PROPOSAL_CHOSEN,
            Self::InvalidIdInformation => INVALID_ID_INFORMATION,
            Self::InvalidHashInformation => INVALID_HASH_INFORMATION,
            Self::AuthenticationFailed(_) | Self::NoPresharedKey | Self::Refused(_) => {
                AUTHENTICATION_FAILED
            }
            Self::InvalidKeyInformation => INVALID_KEY_INFORMATION,
            Self::InvalidCookie => INVALID_COOKIE,
            Self::InvalidMessageId => INVALID_MESSAGE_ID,
            Self::UnsupportedExchangeType(_) => UNSUPPORTED_EXCHANGE_TYPE,
            Self::Internal(_) => return None,
        })
    }
}
