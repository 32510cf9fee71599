//! The 28-byte ISAKMP header (RFC 2408 section 3.1).
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! !                          Initiator                            !
//! !                            Cookie                             !
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! !                          Responder                            !
//! !                            Cookie                             !
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! !  Next Payload ! MjVer ! MnVer ! Exchange Type !     Flags     !
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! !                          Message ID                           !
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! !                            Length                             !
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! Two levels, as in smoltcp: [`IsakmpPacket`] is a checked zero-copy view
//! of a datagram (cheap dispatch on cookies and message ID without parsing
//! any payload), [`Header`] the owned fields a sender chooses. The next
//! payload and length fields are not in [`Header`]: they follow from the
//! body, and [`crate::wire::Message`] computes them when emitting.

use core::fmt;
use core::ops::Range;

use bitflags::bitflags;
use rand_core::CryptoRng;

use super::MAX_MESSAGE_LEN;
use super::codec::{Reader, Writer};
use super::enums::{ExchangeType, PayloadType};
use crate::error::{Error, InvalidMessage, PeerIncompatible};

/// Length of the ISAKMP header.
pub const HEADER_LEN: usize = 28;

/// The only version this codec speaks: major 1, minor 0.
pub const VERSION: u8 = 0x10;

mod field {
    use core::ops::Range;
    pub(super) const INITIATOR_COOKIE: Range<usize> = 0..8;
    pub(super) const RESPONDER_COOKIE: Range<usize> = 8..16;
    pub(super) const NEXT_PAYLOAD: usize = 16;
    pub(super) const VERSION: usize = 17;
    pub(super) const EXCHANGE_TYPE: usize = 18;
    pub(super) const FLAGS: usize = 19;
    pub(super) const MESSAGE_ID: Range<usize> = 20..24;
    pub(super) const LENGTH: Range<usize> = 24..28;
}

/// An 8-byte ISAKMP cookie (CKY-I or CKY-R).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Cookie(pub [u8; 8]);

impl Cookie {
    /// The all-zero cookie a responder has not yet chosen.
    pub const ZERO: Self = Self([0; 8]);

    /// The all-zero cookie a responder has not yet chosen.
    pub const fn zero() -> Self {
        Self::ZERO
    }

    /// A fresh cookie: 64 bits from `rng`, drawn again in the (2^-64)
    /// case of all zeros, which on the wire means "not chosen yet".
    pub fn random<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        loop {
            let mut c = [0u8; 8];
            rng.fill_bytes(&mut c);
            if c != [0; 8] {
                return Self(c);
            }
        }
    }

    /// The ISAKMP SPI of a phase-1 SA, CKY-I | CKY-R (RFC 2408 section
    /// 2.4), as Notify and Delete payloads with protocol ISAKMP carry it.
    pub fn isakmp_spi(cky_i: Self, cky_r: Self) -> Vec<u8> {
        let mut spi = Vec::with_capacity(16);
        spi.extend_from_slice(&cky_i.0);
        spi.extend_from_slice(&cky_r.0);
        spi
    }

    /// Whether this is the all-zero cookie.
    pub fn is_zero(&self) -> bool {
        self.0 == [0; 8]
    }

    /// The cookie's bytes.
    pub fn as_bytes(&self) -> &[u8; 8] {
        &self.0
    }
}

impl From<[u8; 8]> for Cookie {
    fn from(v: [u8; 8]) -> Self {
        Self(v)
    }
}

impl From<Cookie> for [u8; 8] {
    fn from(c: Cookie) -> Self {
        c.0
    }
}

impl AsRef<[u8]> for Cookie {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// Lower-case bare hex, as Wireshark's `ikev1_decryption_table` and the
/// `ikev1` key-log line take it.
impl fmt::LowerHex for Cookie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// Upper-case bare hex, as IOS prints 64-bit SPIs and cookies.
impl fmt::UpperHex for Cookie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02X}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Cookie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::LowerHex::fmt(self, f)
    }
}

/// As IOS prints it: sixteen upper-case hex digits.
impl fmt::Display for Cookie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::UpperHex::fmt(self, f)
    }
}

bitflags! {
    /// ISAKMP header flags.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct Flags: u8 {
        /// E: the payloads after the header are encrypted.
        const ENCRYPTION = 0x01;
        /// C: commit bit (Quick Mode responder waits for CONNECTED).
        const COMMIT = 0x02;
        /// A: authentication only (payloads integrity-protected, not
        /// encrypted).
        const AUTH_ONLY = 0x04;
    }
}

/// The fields of an ISAKMP header that a sender chooses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Header {
    /// CKY-I.
    pub initiator_cookie: Cookie,
    /// CKY-R (zero in the first message of an exchange).
    pub responder_cookie: Cookie,
    /// The exchange type.
    pub exchange_type: ExchangeType,
    /// E, C and A.
    pub flags: Flags,
    /// Zero in phase 1, random in phase 2, Informational and Transaction.
    pub message_id: u32,
}

impl Header {
    /// Reads a header from the first 28 bytes of `bytes`, with the next
    /// payload and length fields as they came. Checks the version and the
    /// flags, not the length; [`IsakmpPacket::new_checked`] checks that.
    pub fn parse(bytes: &[u8]) -> Result<(Self, PayloadType, u32), Error> {
        let mut r = Reader::new(bytes, "ISAKMP header");
        let initiator_cookie = Cookie(r.array()?);
        let responder_cookie = Cookie(r.array()?);
        let next_payload = PayloadType(r.u8()?);
        let version = r.u8()?;
        check_version(version)?;
        let exchange_type = ExchangeType(r.u8()?);
        let raw_flags = r.u8()?;
        let flags = Flags::from_bits(raw_flags).ok_or(InvalidMessage::InvalidFlags(raw_flags))?;
        let message_id = r.u32()?;
        let length = r.u32()?;
        Ok((
            Self {
                initiator_cookie,
                responder_cookie,
                exchange_type,
                flags,
                message_id,
            },
            next_payload,
            length,
        ))
    }

    /// Writes the header with `next_payload` and a length placeholder; the
    /// caller patches the length with [`Writer::patch_u32_len`].
    pub(crate) fn emit_with_placeholder(
        &self,
        next_payload: PayloadType,
        w: &mut Writer<'_>,
    ) -> super::codec::LengthMark {
        let start = w.len();
        w.bytes(&self.initiator_cookie.0);
        w.bytes(&self.responder_cookie.0);
        w.u8(next_payload.0);
        w.u8(VERSION);
        w.u8(self.exchange_type.0);
        w.u8(self.flags.bits());
        w.u32(self.message_id);
        w.placeholder_u32(start)
    }

    /// Writes the 28 header bytes with the given next payload and total
    /// message length (header included).
    pub fn emit(&self, next_payload: PayloadType, length: u32, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.initiator_cookie.0);
        out.extend_from_slice(&self.responder_cookie.0);
        out.push(next_payload.0);
        out.push(VERSION);
        out.push(self.exchange_type.0);
        out.push(self.flags.bits());
        out.extend_from_slice(&self.message_id.to_be_bytes());
        out.extend_from_slice(&length.to_be_bytes());
    }

    /// The whole message: this header, with the next payload and the length
    /// filled in, followed by `body`.
    pub fn message(&self, next_payload: PayloadType, body: &[u8]) -> Vec<u8> {
        let total = HEADER_LEN.saturating_add(body.len());
        let mut out = Vec::with_capacity(total);
        let len = u32::try_from(total).unwrap_or(u32::MAX);
        self.emit(next_payload, len, &mut out);
        out.extend_from_slice(body);
        out
    }

    /// Always [`HEADER_LEN`].
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN
    }
}

fn check_version(version: u8) -> Result<(), PeerIncompatible> {
    let (major, minor) = (version >> 4, version & 0x0f);
    if major != 1 {
        Err(PeerIncompatible::UnsupportedMajorVersion(major))
    } else if minor != 0 {
        Err(PeerIncompatible::UnsupportedMinorVersion(minor))
    } else {
        Ok(())
    }
}

/// A zero-copy view of an ISAKMP datagram.
///
/// After [`IsakmpPacket::new_checked`] succeeded no accessor can panic or
/// fail: the buffer holds a whole header, version 1.0, defined flags only,
/// and a length field equal to the buffer length (at most
/// [`MAX_MESSAGE_LEN`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IsakmpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> IsakmpPacket<T> {
    /// Checks `buffer` and wraps it.
    ///
    /// Order of checks: size of the datagram, a whole header, version, flags,
    /// then the length field against the datagram (larger or smaller is
    /// [`InvalidMessage::MessageLength`]).
    pub fn new_checked(buffer: T) -> Result<Self, Error> {
        let bytes = buffer.as_ref();
        if bytes.len() > MAX_MESSAGE_LEN {
            return Err(InvalidMessage::DatagramTooLarge {
                len: bytes.len(),
                max: MAX_MESSAGE_LEN,
            }
            .into());
        }
        let (_, _, length) = Header::parse(bytes)?;
        let declared = usize::try_from(length).unwrap_or(usize::MAX);
        if declared != bytes.len() {
            return Err(InvalidMessage::MessageLength {
                declared: length,
                available: bytes.len(),
            }
            .into());
        }
        Ok(Self { buffer })
    }

    /// Consumes the view, returning the buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    fn get<const N: usize>(&self, range: Range<usize>) -> [u8; N] {
        self.buffer
            .as_ref()
            .get(range)
            .and_then(|s| <[u8; N]>::try_from(s).ok())
            .unwrap_or([0; N])
    }

    fn byte(&self, at: usize) -> u8 {
        self.buffer.as_ref().get(at).copied().unwrap_or(0)
    }

    /// CKY-I.
    pub fn initiator_cookie(&self) -> Cookie {
        Cookie(self.get(field::INITIATOR_COOKIE))
    }

    /// CKY-R.
    pub fn responder_cookie(&self) -> Cookie {
        Cookie(self.get(field::RESPONDER_COOKIE))
    }

    /// The type of the first payload.
    pub fn next_payload(&self) -> PayloadType {
        PayloadType(self.byte(field::NEXT_PAYLOAD))
    }

    /// The version byte (always 0x10 after `new_checked`).
    pub fn version(&self) -> u8 {
        self.byte(field::VERSION)
    }

    /// The exchange type.
    pub fn exchange_type(&self) -> ExchangeType {
        ExchangeType(self.byte(field::EXCHANGE_TYPE))
    }

    /// The flags.
    pub fn flags(&self) -> Flags {
        Flags::from_bits_retain(self.byte(field::FLAGS))
    }

    /// The message ID.
    pub fn message_id(&self) -> u32 {
        u32::from_be_bytes(self.get(field::MESSAGE_ID))
    }

    /// The length field (the whole message, header included).
    pub fn length(&self) -> u32 {
        u32::from_be_bytes(self.get(field::LENGTH))
    }

    /// The owned header fields.
    pub fn header(&self) -> Header {
        Header {
            initiator_cookie: self.initiator_cookie(),
            responder_cookie: self.responder_cookie(),
            exchange_type: self.exchange_type(),
            flags: self.flags(),
            message_id: self.message_id(),
        }
    }

    /// The bytes after the header: the payload chain, or the ciphertext when
    /// the E flag is set.
    pub fn body(&self) -> &[u8] {
        self.buffer.as_ref().get(HEADER_LEN..).unwrap_or(&[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MM1_HEADER: [u8; 28] = [
        0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, // CKY-I
        0, 0, 0, 0, 0, 0, 0, 0, // CKY-R
        0x01, 0x10, 0x02, 0x00, // SA, 1.0, Main Mode, no flags
        0, 0, 0, 0, // message ID
        0, 0, 0, 28, // length
    ];

    #[test]
    fn parse_and_view_agree() {
        let (h, next, len) = Header::parse(&MM1_HEADER).unwrap();
        assert_eq!(next, PayloadType::SA);
        assert_eq!(len, 28);
        assert_eq!(h.exchange_type, ExchangeType::MAIN_MODE);
        assert!(h.responder_cookie.is_zero());
        let p = IsakmpPacket::new_checked(&MM1_HEADER[..]).unwrap();
        assert_eq!(p.header(), h);
        assert_eq!(p.next_payload(), PayloadType::SA);
        assert_eq!(p.version(), VERSION);
        assert_eq!(p.length(), 28);
        assert!(p.body().is_empty());
        assert_eq!(format!("{:?}", h.initiator_cookie), "1122334455667788");
    }

    #[test]
    fn cookie_prints_as_ios_and_as_wireshark_take_it() {
        let c = Cookie([0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef]);
        assert_eq!(c.to_string(), "0123456789ABCDEF");
        assert_eq!(format!("{c:x}"), "0123456789abcdef");
        assert_eq!(Cookie::zero().to_string(), "0000000000000000");
        assert!(Cookie::zero().is_zero() && !c.is_zero());
        assert_eq!(<[u8; 8]>::from(c), c.0);
    }

    /// A generator that yields zeros first: the zero cookie ("not chosen
    /// yet" on the wire) is never handed out.
    #[test]
    fn random_cookie_is_never_zero() {
        struct ZerosThen(u8);
        impl rand_core::TryRng for ZerosThen {
            type Error = core::convert::Infallible;
            fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
                unreachable!("cookies are drawn with fill_bytes")
            }
            fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
                unreachable!("cookies are drawn with fill_bytes")
            }
            fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
                dst.fill(if self.0 == 0 { 7 } else { 0 });
                self.0 = self.0.saturating_sub(1);
                Ok(())
            }
        }
        impl rand_core::TryCryptoRng for ZerosThen {}
        assert_eq!(Cookie::random(&mut ZerosThen(2)), Cookie([7; 8]));
    }

    #[test]
    fn emit_is_the_inverse() {
        let (h, next, len) = Header::parse(&MM1_HEADER).unwrap();
        let mut out = Vec::new();
        h.emit(next, len, &mut out);
        assert_eq!(out, MM1_HEADER);
    }

    #[test]
    fn truncated() {
        for n in 0..HEADER_LEN {
            let e = IsakmpPacket::new_checked(&MM1_HEADER[..n]).unwrap_err();
            assert_eq!(e.notify(), Some(crate::wire::NotifyType::PAYLOAD_MALFORMED));
        }
    }

    #[test]
    fn version_flags_and_length_are_checked() {
        let mut b = MM1_HEADER;
        b[17] = 0x20; // IKEv2
        let e = IsakmpPacket::new_checked(&b[..]).unwrap_err();
        assert_eq!(e, PeerIncompatible::UnsupportedMajorVersion(2).into());
        assert_eq!(
            e.notify(),
            Some(crate::wire::NotifyType::INVALID_MAJOR_VERSION)
        );
        b[17] = 0x11;
        let e = IsakmpPacket::new_checked(&b[..]).unwrap_err();
        assert_eq!(
            e.notify(),
            Some(crate::wire::NotifyType::INVALID_MINOR_VERSION)
        );

        let mut b = MM1_HEADER;
        b[19] = 0x08;
        let e = IsakmpPacket::new_checked(&b[..]).unwrap_err();
        assert_eq!(e, InvalidMessage::InvalidFlags(8).into());
        assert_eq!(e.notify(), Some(crate::wire::NotifyType::INVALID_FLAGS));

        let mut b = MM1_HEADER;
        b[27] = 29; // longer than the datagram
        let e = IsakmpPacket::new_checked(&b[..]).unwrap_err();
        assert_eq!(
            e.notify(),
            Some(crate::wire::NotifyType::UNEQUAL_PAYLOAD_LENGTHS)
        );
        let mut long = MM1_HEADER.to_vec();
        long.push(0); // trailing byte after the declared length
        assert!(IsakmpPacket::new_checked(&long[..]).is_err());
    }
}
