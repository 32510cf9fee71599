//! The IKE fragmentation payload (private payload type 132, as Cisco IOS
//! and racoon send it).
//!
//! ```text
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ! Next Payload  !   RESERVED    !         Payload Length        !
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! !          Fragment ID          !  Fragment Num !     Flags     !
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ~                         Fragment Data                         ~
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! Flags other than LAST are kept as sent. Reassembly is the engine's job.

use bitflags::bitflags;

use super::MAX_BODY_LEN;
use super::codec::{Reader, Writer, check_emit_len, emit_atomic};
use crate::error::Error;

bitflags! {
    /// Fragment flags.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct FragmentFlags: u8 {
        /// This is the last fragment.
        const LAST = 0x01;
        // Other bits are undefined but kept as sent.
        const _ = !0;
    }
}

/// A fragment payload body.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FragmentPayload {
    /// Identifies the message the fragment belongs to.
    pub fragment_id: u16,
    /// Fragment number, from 1.
    pub number: u8,
    /// Flags (LAST on the last fragment).
    pub flags: FragmentFlags,
    /// A piece of the original message.
    pub data: Vec<u8>,
}

impl FragmentPayload {
    /// Parses the payload body (after the generic payload header).
    pub fn parse(body: &[u8]) -> Result<Self, Error> {
        let mut r = Reader::new(body, "FRAGMENT payload");
        let fragment_id = r.u16()?;
        let number = r.u8()?;
        let flags = FragmentFlags::from_bits_retain(r.u8()?);
        Ok(Self {
            fragment_id,
            number,
            flags,
            data: r.rest().to_vec(),
        })
    }

    /// Whether the LAST flag is set.
    pub fn is_last(&self) -> bool {
        self.flags.contains(FragmentFlags::LAST)
    }

    /// Appends the payload body.
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        emit_atomic(out, |w| self.write(w))
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>) -> Result<(), Error> {
        check_emit_len(self.data.len(), 0, MAX_BODY_LEN - 4, "FRAGMENT data")?;
        w.u16(self.fragment_id);
        w.u8(self.number);
        w.u8(self.flags.bits());
        w.bytes(&self.data);
        Ok(())
    }

    /// Bytes [`FragmentPayload::emit`] writes (without the generic header).
    pub fn buffer_len(&self) -> usize {
        4usize.saturating_add(self.data.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn construct_parse_emit_truncated() {
        let body = [0x00, 0x07, 0x02, 0x01, 0xaa, 0xbb];
        let p = FragmentPayload::parse(&body).unwrap();
        assert_eq!(
            p,
            FragmentPayload {
                fragment_id: 7,
                number: 2,
                flags: FragmentFlags::LAST,
                data: vec![0xaa, 0xbb]
            }
        );
        assert!(p.is_last());
        let mut out = Vec::new();
        p.emit(&mut out).unwrap();
        assert_eq!(out, body);
        assert_eq!(p.buffer_len(), body.len());
        for n in 0..4 {
            assert!(FragmentPayload::parse(&body[..n]).is_err());
        }
        // unknown flag bits survive
        let odd = [0, 1, 1, 0x81];
        let p = FragmentPayload::parse(&odd).unwrap();
        let mut out = Vec::new();
        p.emit(&mut out).unwrap();
        assert_eq!(out, odd);
    }
}
