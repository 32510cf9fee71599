//! The two primitives every payload is built on: a [`Reader`] that can only
//! shrink and never indexes past its end, and a [`Writer`] that appends to a
//! `Vec<u8>` and back-patches length fields.

use crate::error::{ApiMisuse, Error, InvalidMessage};

/// A cursor over untrusted bytes.
///
/// Every read either returns the bytes it asked for and moves past them, or
/// fails with [`InvalidMessage::Truncated`] naming the structure being read;
/// nothing can index past the end. `what` is that structure's name.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    what: &'static str,
}

impl<'a> Reader<'a> {
    /// A reader over `buf`; errors name `what`.
    pub fn new(buf: &'a [u8], what: &'static str) -> Self {
        Self { buf, what }
    }

    /// The structure this reader reads, as named in its errors.
    pub fn what(&self) -> &'static str {
        self.what
    }

    /// Bytes not read yet.
    pub fn remaining(&self) -> usize {
        self.buf.len()
    }

    /// Whether everything was read.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// The next `n` bytes.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], InvalidMessage> {
        match self.buf.split_at_checked(n) {
            Some((head, tail)) => {
                self.buf = tail;
                Ok(head)
            }
            None => Err(InvalidMessage::Truncated {
                what: self.what,
                needed: n,
                available: self.buf.len(),
            }),
        }
    }

    /// The next `N` bytes as an array.
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N], InvalidMessage> {
        match self.buf.split_first_chunk::<N>() {
            Some((head, tail)) => {
                self.buf = tail;
                Ok(*head)
            }
            None => Err(InvalidMessage::Truncated {
                what: self.what,
                needed: N,
                available: self.buf.len(),
            }),
        }
    }

    /// One byte.
    pub fn u8(&mut self) -> Result<u8, InvalidMessage> {
        self.array::<1>().map(|[b]| b)
    }

    /// A big-endian `u16`.
    pub fn u16(&mut self) -> Result<u16, InvalidMessage> {
        self.array().map(u16::from_be_bytes)
    }

    /// A big-endian `u32`.
    pub fn u32(&mut self) -> Result<u32, InvalidMessage> {
        self.array().map(u32::from_be_bytes)
    }

    /// `n` bytes that must all be zero (a RESERVED field).
    pub fn reserved(&mut self, n: usize) -> Result<(), InvalidMessage> {
        let bytes = self.take(n)?;
        if bytes.iter().all(|&b| b == 0) {
            Ok(())
        } else {
            Err(InvalidMessage::NonZeroReserved { what: self.what })
        }
    }

    /// A child reader over the next `n` bytes, named `what`.
    pub fn sub(&mut self, n: usize, what: &'static str) -> Result<Reader<'a>, InvalidMessage> {
        Ok(Reader::new(self.take(n)?, what))
    }

    /// Everything left; the reader is empty afterwards.
    pub fn rest(&mut self) -> &'a [u8] {
        core::mem::take(&mut self.buf)
    }

    /// Fails with [`InvalidMessage::TrailingData`] unless everything was read.
    pub fn finish(self) -> Result<(), InvalidMessage> {
        if self.buf.is_empty() {
            Ok(())
        } else {
            Err(InvalidMessage::TrailingData {
                what: self.what,
                len: self.buf.len(),
            })
        }
    }
}

/// Appends big-endian fields to a `Vec<u8>` and back-patches lengths.
///
/// A length field is first written as all-ones, so an encoding interrupted
/// between [`Writer::placeholder_u16`] and [`Writer::patch_u16_len`] cannot
/// be mistaken for a shorter valid structure (rustls does the same).
#[derive(Debug)]
pub struct Writer<'a> {
    out: &'a mut Vec<u8>,
}

/// Where a back-patched length field sits in the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LengthMark {
    /// Offset of the length field itself.
    field: usize,
    /// Offset from which the length counts.
    start: usize,
}

impl<'a> Writer<'a> {
    /// A writer appending to `out`.
    pub fn new(out: &'a mut Vec<u8>) -> Self {
        Self { out }
    }

    /// Bytes in the output so far (including what was there before).
    pub fn len(&self) -> usize {
        self.out.len()
    }

    /// Whether the output is empty.
    pub fn is_empty(&self) -> bool {
        self.out.is_empty()
    }

    /// One byte.
    pub fn u8(&mut self, v: u8) {
        self.out.push(v);
    }

    /// A big-endian `u16`.
    pub fn u16(&mut self, v: u16) {
        self.out.extend_from_slice(&v.to_be_bytes());
    }

    /// A big-endian `u32`.
    pub fn u32(&mut self, v: u32) {
        self.out.extend_from_slice(&v.to_be_bytes());
    }

    /// Raw bytes.
    pub fn bytes(&mut self, v: &[u8]) {
        self.out.extend_from_slice(v);
    }

    /// `n` zero bytes (a RESERVED field).
    pub fn zeros(&mut self, n: usize) {
        self.out.resize(self.out.len().saturating_add(n), 0);
    }

    /// Writes a 2-byte placeholder for a length that counts from `start`
    /// (an offset returned by [`Writer::len`] earlier).
    pub fn placeholder_u16(&mut self, start: usize) -> LengthMark {
        let field = self.out.len();
        self.u16(0xffff);
        LengthMark { field, start }
    }

    /// Writes a 4-byte placeholder for a length that counts from `start`.
    pub fn placeholder_u32(&mut self, start: usize) -> LengthMark {
        let field = self.out.len();
        self.u32(0xffff_ffff);
        LengthMark { field, start }
    }

    /// Fills a 2-byte placeholder with the bytes written since its start.
    pub fn patch_u16_len(&mut self, mark: LengthMark, what: &'static str) -> Result<(), Error> {
        let len = self.out.len().saturating_sub(mark.start);
        let v = u16::try_from(len).map_err(|_| ApiMisuse::TooLong {
            what,
            len,
            max: u16::MAX as usize,
        })?;
        self.patch(mark.field, &v.to_be_bytes())
    }

    /// Fills a 4-byte placeholder with the bytes written since its start,
    /// which must not exceed `max`.
    pub fn patch_u32_len(
        &mut self,
        mark: LengthMark,
        max: usize,
        what: &'static str,
    ) -> Result<(), Error> {
        let len = self.out.len().saturating_sub(mark.start);
        if len > max {
            return Err(ApiMisuse::TooLong { what, len, max }.into());
        }
        let v = u32::try_from(len).map_err(|_| ApiMisuse::TooLong { what, len, max })?;
        self.patch(mark.field, &v.to_be_bytes())
    }

    fn patch(&mut self, at: usize, bytes: &[u8]) -> Result<(), Error> {
        let end = at.saturating_add(bytes.len());
        match self.out.get_mut(at..end) {
            Some(dst) => {
                dst.copy_from_slice(bytes);
                Ok(())
            }
            // Only reachable if a LengthMark from another writer is used.
            None => Err(ApiMisuse::BufferTooSmall {
                required: end,
                provided: self.out.len(),
            }
            .into()),
        }
    }
}

/// Runs `f` on a writer over `out`; on error `out` is restored to its
/// length before the call, so a failed emit leaves nothing behind.
pub(crate) fn emit_atomic(
    out: &mut Vec<u8>,
    f: impl FnOnce(&mut Writer<'_>) -> Result<(), Error>,
) -> Result<(), Error> {
    let start = out.len();
    let result = f(&mut Writer::new(out));
    if result.is_err() {
        out.truncate(start);
    }
    result
}

/// A `u8` count or length field, or [`ApiMisuse::TooLong`].
pub(crate) fn len_u8(len: usize, what: &'static str) -> Result<u8, ApiMisuse> {
    u8::try_from(len).map_err(|_| ApiMisuse::TooLong {
        what,
        len,
        max: u8::MAX as usize,
    })
}

/// A `u16` count or length field, or [`ApiMisuse::TooLong`].
pub(crate) fn len_u16(len: usize, what: &'static str) -> Result<u16, ApiMisuse> {
    u16::try_from(len).map_err(|_| ApiMisuse::TooLong {
        what,
        len,
        max: u16::MAX as usize,
    })
}

/// Checks a length against an inclusive range when emitting, so emit never
/// produces what parse would refuse.
pub(crate) fn check_emit_len(
    len: usize,
    min: usize,
    max: usize,
    what: &'static str,
) -> Result<(), ApiMisuse> {
    if (min..=max).contains(&len) {
        Ok(())
    } else {
        Err(ApiMisuse::InvalidLength {
            what,
            got: len,
            min,
            max,
        })
    }
}

/// Checks a length against an inclusive range when parsing.
pub(crate) fn check_parse_len(
    len: usize,
    min: usize,
    max: usize,
    what: &'static str,
) -> Result<(), InvalidMessage> {
    if (min..=max).contains(&len) {
        Ok(())
    } else {
        Err(InvalidMessage::InvalidLength {
            what,
            got: len,
            min,
            max,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_never_reads_past_the_end() {
        let mut r = Reader::new(&[1, 2, 3], "test");
        assert_eq!(r.u16(), Ok(0x0102));
        assert_eq!(
            r.u16(),
            Err(InvalidMessage::Truncated {
                what: "test",
                needed: 2,
                available: 1
            })
        );
        // a failed read consumes nothing
        assert_eq!(r.u8(), Ok(3));
        assert!(r.is_empty());
        assert!(r.take(usize::MAX).is_err());
        assert_eq!(r.take(0), Ok(&[][..]));
        assert_eq!(r.finish(), Ok(()));
    }

    #[test]
    fn reader_rejects_trailing_and_reserved() {
        let mut r = Reader::new(&[0, 1, 9], "x");
        assert_eq!(r.reserved(1), Ok(()));
        assert_eq!(
            r.reserved(1),
            Err(InvalidMessage::NonZeroReserved { what: "x" })
        );
        assert_eq!(
            r.finish(),
            Err(InvalidMessage::TrailingData { what: "x", len: 1 })
        );
    }

    #[test]
    fn writer_back_patches() {
        let mut v = vec![0xaa];
        let mut w = Writer::new(&mut v);
        let start = w.len();
        let m = w.placeholder_u16(start);
        w.bytes(&[1, 2, 3]);
        w.patch_u16_len(m, "t").unwrap();
        assert_eq!(v, [0xaa, 0, 5, 1, 2, 3]);
    }

    #[test]
    fn writer_refuses_overlong_u16_length() {
        let mut v = Vec::new();
        let mut w = Writer::new(&mut v);
        let m = w.placeholder_u16(0);
        w.zeros(70_000);
        assert!(matches!(
            w.patch_u16_len(m, "t"),
            Err(Error::ApiMisuse(ApiMisuse::TooLong { .. }))
        ));
        // the placeholder stays all-ones
        assert_eq!(v.get(..2), Some(&[0xff, 0xff][..]));
    }
}
