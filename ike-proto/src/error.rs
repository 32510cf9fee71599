//! The crate's one error type.
//!
//! Errors are split by who is at fault, as rustls does:
//!
//! * [`InvalidMessage`]: the bytes are not a well-formed ISAKMP message
//!   (truncated, lengths that do not add up, reserved bits set, too many
//!   items). Raised by the wire codec.
//! * [`PeerMisbehaved`]: the message is well formed but breaks the protocol
//!   (wrong cookie, wrong exchange, a HASH that does not verify).
//! * [`PeerIncompatible`]: the peer is within the protocol but asks for
//!   something we cannot serve (another ISAKMP version, a DOI or situation we
//!   do not implement, no acceptable proposal).
//! * [`ApiMisuse`]: the caller asked for something impossible (a value too
//!   long for its length field, too many items).
//! * [`CryptoError`]: a cryptographic operation failed.
//! * [`Error::Internal`]: our own fault inside an exchange.
//!
//! The wire codec and the exchanges share them: an exchange that refuses a
//! message says so with the same enum, and the engine reports it in its
//! events ([`crate::engine::Event::IkeSaFailed`] ...).
//!
//! [`Error::notify`] maps each to the ISAKMP notify message type a peer
//! should receive, or `None` when nothing should be sent (our own fault).
//!
//! # Extending
//!
//! Every enum here is `#[non_exhaustive]`. A new failure goes into the
//! sub-enum of whoever is at fault, with one new arm in that sub-enum's
//! `notify` match; [`enum@Error`] itself needs no change. A new category gets a
//! new [`enum@Error`] variant and one arm in [`Error::notify`].

use thiserror::Error;

use crate::crypto::CryptoError;
use crate::wire::{ExchangeType, NotifyType, PayloadType};

/// Every way ike-proto can refuse input or fail.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum Error {
    /// The bytes are not a well-formed ISAKMP message.
    #[error("malformed message: {0}")]
    InvalidMessage(#[from] InvalidMessage),
    /// A well-formed message that breaks the protocol.
    #[error("peer misbehaved: {0}")]
    PeerMisbehaved(#[from] PeerMisbehaved),
    /// A peer within the protocol that asks for something we cannot serve.
    #[error("peer incompatible: {0}")]
    PeerIncompatible(#[from] PeerIncompatible),
    /// The caller asked for something impossible.
    #[error("API misuse: {0}")]
    ApiMisuse(#[from] ApiMisuse),
    /// A cryptographic operation failed.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// Our own fault inside an exchange (a state the code should never
    /// reach). Nothing goes on the wire.
    #[error("internal error: {0}")]
    Internal(&'static str),
}

impl Error {
    /// The ISAKMP notify message type a peer should receive for this error,
    /// or `None` when the fault is ours and nothing should go on the wire.
    ///
    /// Whether to actually send it (unauthenticated notifies are a
    /// reflection vector) is the exchange engine's decision.
    pub fn notify(&self) -> Option<NotifyType> {
        match self {
            Self::InvalidMessage(e) => Some(e.notify()),
            Self::PeerMisbehaved(e) => Some(e.notify()),
            Self::PeerIncompatible(e) => Some(e.notify()),
            Self::ApiMisuse(_) | Self::Internal(_) => None,
            // CryptoError belongs to the crypto module; the value checks a
            // peer can fail (e.g. a DH public value) map to
            // INVALID_KEY_INFORMATION once CryptoError distinguishes them.
            Self::Crypto(_) => None,
        }
    }

    /// [`Error::notify`] as the plain number the exchanges put in a
    /// NOTIFY payload.
    pub fn notify_number(&self) -> Option<u16> {
        self.notify().map(|n| n.get())
    }

    /// The error a received error notify stands for (what the peer says
    /// went wrong with our message).
    pub fn from_notify(ty: u16) -> Self {
        match NotifyType(ty) {
            NotifyType::NO_PROPOSAL_CHOSEN => PeerIncompatible::NoProposalChosen.into(),
            NotifyType::INVALID_ID_INFORMATION => PeerIncompatible::InvalidIdInformation.into(),
            NotifyType::INVALID_HASH_INFORMATION => PeerMisbehaved::InvalidHash.into(),
            NotifyType::AUTHENTICATION_FAILED => PeerMisbehaved::AuthenticationFailed.into(),
            NotifyType::PAYLOAD_MALFORMED => {
                InvalidMessage::Malformed("the peer could not parse our message").into()
            }
            NotifyType::INVALID_KEY_INFORMATION => PeerMisbehaved::InvalidKeyInformation.into(),
            _ => PeerIncompatible::Refused("the peer sent an error notify").into(),
        }
    }

    /// A message the exchange cannot read (PAYLOAD_MALFORMED).
    pub(crate) const fn malformed(what: &'static str) -> Self {
        Self::InvalidMessage(InvalidMessage::Malformed(what))
    }

    /// Payloads the exchange does not expect here (PAYLOAD_MALFORMED).
    pub(crate) const fn unexpected(what: &'static str) -> Self {
        Self::PeerMisbehaved(PeerMisbehaved::UnexpectedMessage(what))
    }

    /// The policy refused the peer (AUTHENTICATION_FAILED).
    pub(crate) const fn refused(why: &'static str) -> Self {
        Self::PeerIncompatible(PeerIncompatible::Refused(why))
    }
}

/// The bytes are not a well-formed ISAKMP message.
///
/// `what` names the structure being read (`"SA payload"`, `"transform"`,
/// ...). All fields are plain values so the error is `Copy` and cheap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum InvalidMessage {
    /// Fewer bytes than a field needs.
    #[error("{what} truncated: needed {needed} more bytes, {available} left")]
    Truncated {
        /// The structure being read.
        what: &'static str,
        /// Bytes the next field needs.
        needed: usize,
        /// Bytes that were left.
        available: usize,
    },
    /// Bytes left over after a structure that must fill its space exactly.
    #[error("{what}: {len} trailing bytes after the last field")]
    TrailingData {
        /// The structure that should have ended.
        what: &'static str,
        /// How many bytes were left.
        len: usize,
    },
    /// The datagram is larger than any ISAKMP message can be.
    #[error("datagram of {len} bytes exceeds the ISAKMP maximum of {max}")]
    DatagramTooLarge {
        /// The datagram length.
        len: usize,
        /// The maximum.
        max: usize,
    },
    /// The ISAKMP header's length field disagrees with the datagram.
    #[error("ISAKMP header says {declared} bytes, datagram has {available}")]
    MessageLength {
        /// The header's length field.
        declared: u32,
        /// The datagram length.
        available: usize,
    },
    /// A payload's length field runs past the end of its message, or the
    /// payload chain ends before the message does.
    #[error("{what}: payload lengths do not add up: {declared} declared, {available} available")]
    UnequalLengths {
        /// The payload or chain concerned.
        what: &'static str,
        /// The length claimed.
        declared: usize,
        /// The space there was.
        available: usize,
    },
    /// A length field smaller than the fixed part it must contain.
    #[error("{what}: length field {declared} is below the minimum {min}")]
    LengthTooShort {
        /// The structure concerned.
        what: &'static str,
        /// The length field.
        declared: usize,
        /// The smallest valid value.
        min: usize,
    },
    /// A variable-length field outside its allowed range.
    #[error("{what}: length {got} outside {min}..={max}")]
    InvalidLength {
        /// The field concerned.
        what: &'static str,
        /// Its length.
        got: usize,
        /// The smallest valid length.
        min: usize,
        /// The largest valid length.
        max: usize,
    },
    /// A RESERVED field that is not zero.
    #[error("{what}: RESERVED field is not zero")]
    NonZeroReserved {
        /// The structure concerned.
        what: &'static str,
    },
    /// Flag bits the protocol does not define.
    #[error("ISAKMP header flags 0x{0:02x} have undefined bits set (E|C|A = 0x07)")]
    InvalidFlags(u8),
    /// More items than we accept.
    #[error("{what}: more than {max} items")]
    TooMany {
        /// The list concerned.
        what: &'static str,
        /// The cap.
        max: usize,
    },
    /// A payload type that is unknown or not allowed where it appears.
    #[error("{context}: payload type {got:?} is unknown or not allowed here")]
    InvalidPayloadType {
        /// Where it appeared.
        context: &'static str,
        /// What came.
        got: PayloadType,
    },
    /// A proposal/transform structure that breaks RFC 2408 section 4.2.
    #[error("bad proposal syntax: {0}")]
    BadProposalSyntax(&'static str),
    /// Identification data whose length does not fit its ID type.
    #[error("{what}: {got} bytes of identification data, expected {expected}")]
    InvalidIdentification {
        /// The ID type.
        what: &'static str,
        /// The length that came.
        got: usize,
        /// The length the type needs.
        expected: usize,
    },
    /// A field whose value is not allowed.
    #[error("{what}: value {got} not allowed")]
    InvalidValue {
        /// The field concerned.
        what: &'static str,
        /// The value that came.
        got: u32,
    },
    /// A message an exchange cannot read (the wire codec refused it, a
    /// ciphertext that is not whole blocks, bytes after the last payload).
    #[error("malformed message: {0}")]
    Malformed(&'static str),
}

impl InvalidMessage {
    /// The ISAKMP notify a peer should receive.
    pub fn notify(&self) -> NotifyType {
        match self {
            Self::DatagramTooLarge { .. }
            | Self::MessageLength { .. }
            | Self::UnequalLengths { .. } => NotifyType::UNEQUAL_PAYLOAD_LENGTHS,
            Self::InvalidFlags(_) => NotifyType::INVALID_FLAGS,
            Self::InvalidPayloadType { .. } => NotifyType::INVALID_PAYLOAD_TYPE,
            Self::BadProposalSyntax(_) => NotifyType::BAD_PROPOSAL_SYNTAX,
            Self::InvalidIdentification { .. } => NotifyType::INVALID_ID_INFORMATION,
            Self::Truncated { .. }
            | Self::TrailingData { .. }
            | Self::LengthTooShort { .. }
            | Self::InvalidLength { .. }
            | Self::NonZeroReserved { .. }
            | Self::TooMany { .. }
            | Self::InvalidValue { .. }
            | Self::Malformed(_) => NotifyType::PAYLOAD_MALFORMED,
        }
    }
}

/// A well-formed message that breaks the protocol.
///
/// The exchange engine adds its own failures here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum PeerMisbehaved {
    /// Cookies that match no IKE SA, or a zero initiator cookie.
    #[error("invalid cookie")]
    InvalidCookie,
    /// A message ID that is not valid in this state.
    #[error("invalid message ID {0:#010x}")]
    InvalidMessageId(u32),
    /// An exchange type that is not the one in progress.
    #[error("expected exchange {expected:?}, got {got:?}")]
    InvalidExchangeType {
        /// The exchange in progress.
        expected: ExchangeType,
        /// What came.
        got: ExchangeType,
    },
    /// A payload that is not allowed at this point of the exchange.
    #[error("unexpected payload {got:?}")]
    UnexpectedPayload {
        /// What came.
        got: PayloadType,
    },
    /// A payload the exchange requires is absent.
    #[error("missing {0:?} payload")]
    MissingPayload(PayloadType),
    /// Identification the policy cannot accept or that is inconsistent.
    #[error("invalid ID information: {0}")]
    InvalidIdInformation(&'static str),
    /// A HASH payload that does not verify.
    #[error("HASH payload does not verify")]
    InvalidHash,
    /// Authentication (HASH_I/HASH_R or a signature) failed.
    #[error("authentication failed")]
    AuthenticationFailed,
    /// An SPI that is not valid for the protocol.
    #[error("invalid SPI")]
    InvalidSpi,
    /// Payloads an exchange needs are missing, or ones it forbids are
    /// there.
    #[error("unexpected payloads: {0}")]
    UnexpectedMessage(&'static str),
    /// A KE payload out of range for the group.
    #[error("invalid key information")]
    InvalidKeyInformation,
    /// An encrypted phase-1 message that does not parse once decrypted:
    /// almost always the two ends hold different pre-shared keys.
    #[error("authentication failed: decrypted message malformed: probable pre-shared key mismatch")]
    UndecryptableMessage,
}

impl PeerMisbehaved {
    /// The ISAKMP notify a peer should receive.
    pub fn notify(&self) -> NotifyType {
        match self {
            Self::InvalidCookie => NotifyType::INVALID_COOKIE,
            Self::InvalidMessageId(_) => NotifyType::INVALID_MESSAGE_ID,
            Self::InvalidExchangeType { .. } => NotifyType::INVALID_EXCHANGE_TYPE,
            Self::UnexpectedPayload { .. } => NotifyType::INVALID_PAYLOAD_TYPE,
            Self::MissingPayload(_) => NotifyType::PAYLOAD_MALFORMED,
            Self::InvalidIdInformation(_) => NotifyType::INVALID_ID_INFORMATION,
            Self::InvalidHash => NotifyType::INVALID_HASH_INFORMATION,
            Self::AuthenticationFailed => NotifyType::AUTHENTICATION_FAILED,
            Self::InvalidSpi => NotifyType::INVALID_SPI,
            Self::UnexpectedMessage(_) => NotifyType::PAYLOAD_MALFORMED,
            Self::InvalidKeyInformation => NotifyType::INVALID_KEY_INFORMATION,
            Self::UndecryptableMessage => NotifyType::AUTHENTICATION_FAILED,
        }
    }
}

/// A peer within the protocol that asks for something we cannot serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum PeerIncompatible {
    /// An ISAKMP major version other than 1 (IKEv2 sends 2).
    #[error("ISAKMP major version {0} (expected 1)")]
    UnsupportedMajorVersion(u8),
    /// An ISAKMP minor version other than 0.
    #[error("ISAKMP minor version {0} (expected 0)")]
    UnsupportedMinorVersion(u8),
    /// A Domain of Interpretation other than IPsec (1).
    #[error("DOI {0} (expected 1, IPsec)")]
    UnsupportedDoi(u32),
    /// A situation other than SIT_IDENTITY_ONLY (labeled domains).
    #[error("situation {0:#x} (only SIT_IDENTITY_ONLY is supported)")]
    UnsupportedSituation(u32),
    /// An exchange type we do not implement.
    #[error("exchange type {0:?} is not supported")]
    UnsupportedExchangeType(ExchangeType),
    /// None of the peer's proposals is acceptable.
    #[error("no proposal chosen")]
    NoProposalChosen,
    /// SA attributes we do not implement.
    #[error("attributes not supported")]
    AttributesNotSupported,
    /// Identities (or Quick Mode selectors) the policy does not accept.
    #[error("invalid ID information")]
    InvalidIdInformation,
    /// No pre-shared key for this peer or identity.
    #[error("no pre-shared key for the peer")]
    NoPresharedKey,
    /// The policy refused the peer (no profile, limits).
    #[error("refused by policy: {0}")]
    Refused(&'static str),
}

impl PeerIncompatible {
    /// The ISAKMP notify a peer should receive.
    pub fn notify(&self) -> NotifyType {
        match self {
            Self::UnsupportedMajorVersion(_) => NotifyType::INVALID_MAJOR_VERSION,
            Self::UnsupportedMinorVersion(_) => NotifyType::INVALID_MINOR_VERSION,
            Self::UnsupportedDoi(_) => NotifyType::DOI_NOT_SUPPORTED,
            Self::UnsupportedSituation(_) => NotifyType::SITUATION_NOT_SUPPORTED,
            Self::UnsupportedExchangeType(_) => NotifyType::UNSUPPORTED_EXCHANGE_TYPE,
            Self::NoProposalChosen => NotifyType::NO_PROPOSAL_CHOSEN,
            Self::AttributesNotSupported => NotifyType::ATTRIBUTES_NOT_SUPPORTED,
            Self::InvalidIdInformation => NotifyType::INVALID_ID_INFORMATION,
            // IOS answers a peer it has no key or profile for as it
            // answers a wrong key: nothing more is given away.
            Self::NoPresharedKey | Self::Refused(_) => NotifyType::AUTHENTICATION_FAILED,
        }
    }
}

/// The caller asked for something impossible. Nothing goes on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ApiMisuse {
    /// A value too long for the length field that must carry it.
    #[error("{what}: {len} bytes do not fit (at most {max})")]
    TooLong {
        /// The field concerned.
        what: &'static str,
        /// The length given.
        len: usize,
        /// The maximum.
        max: usize,
    },
    /// A value outside what the wire format (or the parser) accepts; emitting
    /// it would produce bytes that do not parse back.
    #[error("{what}: length {got} outside {min}..={max}")]
    InvalidLength {
        /// The field concerned.
        what: &'static str,
        /// The length given.
        got: usize,
        /// The smallest valid length.
        min: usize,
        /// The largest valid length.
        max: usize,
    },
    /// More items than the wire format or our caps allow.
    #[error("{what}: {count} items, at most {max}")]
    TooMany {
        /// The list concerned.
        what: &'static str,
        /// The count given.
        count: usize,
        /// The maximum.
        max: usize,
    },
    /// A value that cannot be encoded (e.g. an attribute type with the AF
    /// bit set, or SPIs of different sizes in one DELETE).
    #[error("{what}: value {got} cannot be encoded")]
    InvalidValue {
        /// The field concerned.
        what: &'static str,
        /// The value given.
        got: u32,
    },
    /// A caller buffer too small for the output.
    #[error("buffer of {provided} bytes, {required} needed")]
    BufferTooSmall {
        /// Bytes needed.
        required: usize,
        /// Bytes given.
        provided: usize,
    },
}
