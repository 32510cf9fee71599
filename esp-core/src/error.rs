//! The one error type of the crate.

use core::fmt;

use thiserror::Error;

/// Why the anti-replay check refused a sequence number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReplayReason {
    /// Sequence number 0 is never sent (the first packet of an SA carries 1).
    Zero,
    /// The sequence number was already received.
    Duplicate,
    /// The sequence number lies to the left of the window.
    TooOld,
}

impl fmt::Display for ReplayReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Zero => "is zero",
            Self::Duplicate => "was already received",
            Self::TooOld => "is older than the anti-replay window",
        })
    }
}

/// Every way an ESP operation can fail.
///
/// Each rejection of a packet by an SA is also counted in that SA's
/// [`SaCounters`](crate::SaCounters) (and in [`Sad`](crate::Sad)'s counters
/// when no SA could be found).
#[derive(Debug, Error, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EspError {
    /// The buffer is shorter than the structure it should hold.
    #[error("truncated {what}: need at least {needed} bytes, got {got}")]
    Truncated {
        /// What was being read.
        what: &'static str,
        /// The smallest acceptable length.
        needed: usize,
        /// The length that came.
        got: usize,
    },
    /// A field holds a value the format does not allow.
    #[error("malformed {what}: {reason}")]
    Malformed {
        /// What was being read.
        what: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The encrypted part of an ESP packet is not a whole number of cipher blocks.
    #[error("ESP payload of {len} bytes is not a multiple of the cipher's {block}-byte block")]
    NotBlockAligned {
        /// Length of the encrypted part.
        len: usize,
        /// The cipher's block length.
        block: usize,
    },
    /// The packet's SPI is not the SA's.
    #[error("SPI mismatch: this SA is {expected:#010x}, the packet says {got:#010x}")]
    SpiMismatch {
        /// The SA's SPI.
        expected: u32,
        /// The packet's SPI.
        got: u32,
    },
    /// No inbound SA has this SPI.
    #[error("no inbound SA for SPI {spi:#010x}")]
    UnknownSpi {
        /// The packet's SPI.
        spi: u32,
    },
    /// No outbound SA has this id.
    #[error("no outbound SA with id {id}")]
    UnknownSa {
        /// The id asked for.
        id: u32,
    },
    /// The anti-replay window refused the packet.
    #[error("replayed packet: sequence number {sequence} {reason}")]
    Replay {
        /// The (reconstructed, with ESN) sequence number.
        sequence: u64,
        /// Why it was refused.
        reason: ReplayReason,
    },
    /// The ICV (HMAC or GCM tag) did not verify.
    #[error("ICV check failed (SPI {spi:#010x}, sequence number {sequence})")]
    AuthenticationFailed {
        /// The SA's SPI.
        spi: u32,
        /// The sequence number the ICV was checked with.
        sequence: u64,
    },
    /// The decrypted trailer is inconsistent: pad length too large or pad bytes not 1, 2, 3, ...
    #[error("invalid ESP padding (SPI {spi:#010x}, sequence number {sequence})")]
    InvalidPadding {
        /// The SA's SPI.
        spi: u32,
        /// The packet's sequence number.
        sequence: u64,
    },
    /// A key has the wrong length for its algorithm.
    #[error("{algorithm} needs {expected} bytes of keying material, got {got}")]
    KeyLength {
        /// The algorithm.
        algorithm: &'static str,
        /// The length it needs.
        expected: usize,
        /// The length that came.
        got: usize,
    },
    /// A 3DES key whose parts repeat (K1 = K2 or K2 = K3) and so degenerates to single DES.
    #[error("{algorithm} key is degenerate (K1 = K2 or K2 = K3)")]
    WeakKey {
        /// The algorithm.
        algorithm: &'static str,
    },
    /// The combination of encryption and integrity algorithms is not allowed.
    #[error("invalid suite: {reason}")]
    InvalidSuite {
        /// Why.
        reason: &'static str,
    },
    /// The anti-replay window size is out of range.
    #[error("anti-replay window of {got} packets is outside {min}..={max}")]
    InvalidReplayWindow {
        /// The size asked for.
        got: u32,
        /// Smallest size.
        min: u32,
        /// Largest size.
        max: u32,
    },
    /// The inner packet's range does not lie inside the buffer.
    #[error("inner packet range {start}..{end} does not lie in a {len}-byte buffer")]
    InvalidRange {
        /// Start of the range.
        start: usize,
        /// End of the range.
        end: usize,
        /// Length of the buffer.
        len: usize,
    },
    /// Not enough room before the inner packet for the headers.
    #[error("headroom too small: need {needed} bytes before the inner packet, got {got}")]
    Headroom {
        /// What [`OutboundSa::headroom`](crate::OutboundSa::headroom) says.
        needed: usize,
        /// What the buffer has.
        got: usize,
    },
    /// Not enough room after the inner packet for padding, trailer and ICV.
    #[error("tailroom too small: need {needed} bytes after the inner packet, got {got}")]
    Tailroom {
        /// What [`OutboundSa::tailroom`](crate::OutboundSa::tailroom) says.
        needed: usize,
        /// What the buffer has.
        got: usize,
    },
    /// The packet would not fit its length field (UDP) or the cipher's limit.
    #[error("packet too large: {len} bytes, at most {max}")]
    TooLarge {
        /// The length it would have.
        len: usize,
        /// The largest length allowed.
        max: usize,
    },
    /// The outbound sequence number space is exhausted; the SA must be rekeyed (it never wraps).
    #[error("sequence number space of SA {spi:#010x} is exhausted: rekey")]
    SequenceOverflow {
        /// The SA's SPI.
        spi: u32,
    },
    /// The SA passed its hard lifetime.
    #[error("SA {spi:#010x} has expired (hard lifetime)")]
    Expired {
        /// The SA's SPI.
        spi: u32,
    },
    /// The injected random number generator failed.
    #[error("the random number generator failed")]
    Rng,
    /// An inbound SA with this SPI is already installed.
    #[error("SPI {spi:#010x} is already in the SAD")]
    DuplicateSpi {
        /// The SPI.
        spi: u32,
    },
}
