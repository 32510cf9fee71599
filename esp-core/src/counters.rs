//! The per-SA counters that `show crypto ipsec sa` prints.

use core::fmt;

/// Packet and error counters of one SA.
///
/// An outbound SA moves the `encaps`/`encrypt`/`digest`/`send_errors` side,
/// an inbound SA the `decaps`/`decrypt`/`verify`/`recv_errors` side; Cisco
/// prints the two of a pair together, which [`SaCounters::combined`] gives.
/// The compression counters are always 0 (no IPComp) but present, as IOS
/// prints them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub struct SaCounters {
    /// Packets sealed.
    pub encaps: u64,
    /// Packets sealed with a confidentiality algorithm (not NULL).
    pub encrypt: u64,
    /// Packets sealed with an ICV.
    pub digest: u64,
    /// Packets opened.
    pub decaps: u64,
    /// Packets opened that were decrypted (not NULL).
    pub decrypt: u64,
    /// Packets opened whose ICV verified.
    pub verify: u64,
    /// Always 0: no IPComp.
    pub compressed: u64,
    /// Always 0: no IPComp.
    pub decompressed: u64,
    /// Always 0: no IPComp.
    pub not_compressed: u64,
    /// Always 0: no IPComp.
    pub compr_failed: u64,
    /// Always 0: no IPComp.
    pub not_decompressed: u64,
    /// Always 0: no IPComp.
    pub decompress_failed: u64,
    /// Every refused seal.
    pub send_errors: u64,
    /// Every refused open.
    pub recv_errors: u64,
    /// Opens refused by the anti-replay window.
    pub replay_failures: u64,
    /// Opens refused because the ICV did not verify.
    pub auth_failures: u64,
    /// Opens refused because the decrypted padding was wrong.
    pub pad_failures: u64,
    /// Opens refused because the packet's SPI was not the SA's.
    pub invalid_spi: u64,
    /// Opens refused because the packet was too short or not block-aligned.
    pub invalid_length: u64,
    /// Seals refused because the sequence number space was exhausted.
    pub sequence_overflows: u64,
    /// Seals or opens refused because the SA was past its hard lifetime.
    pub expired: u64,
    /// Inner bytes sealed.
    pub encaps_bytes: u64,
    /// Inner bytes opened.
    pub decaps_bytes: u64,
}

impl SaCounters {
    /// Field-by-field sum, e.g. of the inbound and outbound SA of a pair.
    pub fn combined(&self, other: &Self) -> Self {
        Self {
            encaps: self.encaps + other.encaps,
            encrypt: self.encrypt + other.encrypt,
            digest: self.digest + other.digest,
            decaps: self.decaps + other.decaps,
            decrypt: self.decrypt + other.decrypt,
            verify: self.verify + other.verify,
            compressed: self.compressed + other.compressed,
            decompressed: self.decompressed + other.decompressed,
            not_compressed: self.not_compressed + other.not_compressed,
            compr_failed: self.compr_failed + other.compr_failed,
            not_decompressed: self.not_decompressed + other.not_decompressed,
            decompress_failed: self.decompress_failed + other.decompress_failed,
            send_errors: self.send_errors + other.send_errors,
            recv_errors: self.recv_errors + other.recv_errors,
            replay_failures: self.replay_failures + other.replay_failures,
            auth_failures: self.auth_failures + other.auth_failures,
            pad_failures: self.pad_failures + other.pad_failures,
            invalid_spi: self.invalid_spi + other.invalid_spi,
            invalid_length: self.invalid_length + other.invalid_length,
            sequence_overflows: self.sequence_overflows + other.sequence_overflows,
            expired: self.expired + other.expired,
            encaps_bytes: self.encaps_bytes + other.encaps_bytes,
            decaps_bytes: self.decaps_bytes + other.decaps_bytes,
        }
    }

    /// The six counter lines of `show crypto ipsec sa`, as IOS prints them.
    pub fn cisco_lines(&self) -> CiscoCounters<'_> {
        CiscoCounters(self)
    }
}

/// Displays counters as the lines of `show crypto ipsec sa`.
#[derive(Debug, Clone, Copy)]
pub struct CiscoCounters<'a>(&'a SaCounters);

impl fmt::Display for CiscoCounters<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.0;
        writeln!(
            f,
            "#pkts encaps: {}, #pkts encrypt: {}, #pkts digest {}",
            c.encaps, c.encrypt, c.digest
        )?;
        writeln!(
            f,
            "#pkts decaps: {}, #pkts decrypt: {}, #pkts verify {}",
            c.decaps, c.decrypt, c.verify
        )?;
        writeln!(
            f,
            "#pkts compressed: {}, #pkts decompressed: {}",
            c.compressed, c.decompressed
        )?;
        writeln!(
            f,
            "#pkts not compressed: {}, #pkts compr. failed: {}",
            c.not_compressed, c.compr_failed
        )?;
        writeln!(
            f,
            "#pkts not decompressed: {}, #pkts decompress failed: {}",
            c.not_decompressed, c.decompress_failed
        )?;
        write!(
            f,
            "#send errors {}, #recv errors {}",
            c.send_errors, c.recv_errors
        )
    }
}

/// What one SA stores of its counters: an SA moves one direction only, its
/// `encrypt`/`digest` (or `decrypt`/`verify`) counts equal its packets
/// whenever its suite encrypts / authenticates, the compression counters
/// are always 0, and the error counters are 32-bit (saturating: they count
/// refused packets, not traffic). 48 bytes in the SA instead of
/// [`SaCounters`]' 184, which a hub holds twice per peer. The errors stay
/// inline: a refused packet must not allocate (`tests/no_alloc.rs`).
#[derive(Debug, Default)]
pub(crate) struct Tally {
    packets: u64,
    bytes: u64,
    errors: Errors,
}

/// The error counters of one SA.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Errors {
    /// Every refused seal or open (IOS's `send errors` / `recv errors`).
    refused: u32,
    replay_failures: u32,
    auth_failures: u32,
    pad_failures: u32,
    invalid_spi: u32,
    invalid_length: u32,
    sequence_overflows: u32,
    expired: u32,
}

/// Why a packet was refused, as the error counters sort it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    Replay,
    Auth,
    Padding,
    Spi,
    Length,
    SequenceOverflow,
    Expired,
    /// Counted only as a send / receive error.
    Other,
}

/// Which side of [`SaCounters`] a [`Tally`] fills, with what its suite
/// does to every packet.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Side {
    /// Seals (`encaps`) rather than opens (`decaps`).
    pub(crate) outbound: bool,
    /// Its suite encrypts (not NULL).
    pub(crate) confidential: bool,
    /// Its suite carries an ICV.
    pub(crate) authenticated: bool,
}

impl Side {
    /// The side of an SA of `suite`, sealing when `outbound`.
    pub(crate) fn of(suite: crate::suite::Suite, outbound: bool) -> Self {
        Side {
            outbound,
            confidential: suite.encryption().is_confidential(),
            authenticated: suite.is_authenticated(),
        }
    }
}

impl Tally {
    /// One packet of `inner_len` bytes sealed or opened.
    pub(crate) fn packet(&mut self, inner_len: usize) {
        self.packets += 1;
        self.bytes += inner_len as u64;
    }

    /// One refused packet.
    pub(crate) fn error(&mut self, why: Refusal) {
        let e = &mut self.errors;
        let one = |c: &mut u32| *c = c.saturating_add(1);
        one(&mut e.refused);
        match why {
            Refusal::Replay => one(&mut e.replay_failures),
            Refusal::Auth => one(&mut e.auth_failures),
            Refusal::Padding => one(&mut e.pad_failures),
            Refusal::Spi => one(&mut e.invalid_spi),
            Refusal::Length => one(&mut e.invalid_length),
            Refusal::SequenceOverflow => one(&mut e.sequence_overflows),
            Refusal::Expired => one(&mut e.expired),
            Refusal::Other => {}
        }
    }

    /// The counters as `show crypto ipsec sa` reads them.
    pub(crate) fn view(&self, side: Side) -> SaCounters {
        let e = self.errors;
        let when = |on: bool| if on { self.packets } else { 0 };
        let (out, inb) = (side.outbound, !side.outbound);
        let mut c = SaCounters {
            replay_failures: u64::from(e.replay_failures),
            auth_failures: u64::from(e.auth_failures),
            pad_failures: u64::from(e.pad_failures),
            invalid_spi: u64::from(e.invalid_spi),
            invalid_length: u64::from(e.invalid_length),
            sequence_overflows: u64::from(e.sequence_overflows),
            expired: u64::from(e.expired),
            ..SaCounters::default()
        };
        if out {
            c.encaps = self.packets;
            c.encrypt = when(side.confidential);
            c.digest = when(side.authenticated);
            c.encaps_bytes = self.bytes;
            c.send_errors = u64::from(e.refused);
        }
        if inb {
            c.decaps = self.packets;
            c.decrypt = when(side.confidential);
            c.verify = when(side.authenticated);
            c.decaps_bytes = self.bytes;
            c.recv_errors = u64::from(e.refused);
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tally_reads_as_the_full_counters_of_its_side() {
        let side = Side {
            outbound: false,
            confidential: true,
            authenticated: true,
        };
        let mut t = Tally::default();
        t.packet(100);
        t.packet(20);
        t.error(Refusal::Replay);
        let c = t.view(side);
        assert_eq!(
            (c.decaps, c.decrypt, c.verify, c.decaps_bytes),
            (2, 2, 2, 120)
        );
        assert_eq!((c.recv_errors, c.replay_failures), (1, 1));
        assert_eq!((c.encaps, c.send_errors), (0, 0));
        let clear = t.view(Side {
            outbound: true,
            confidential: false,
            authenticated: false,
        });
        assert_eq!(
            (clear.encaps, clear.encrypt, clear.digest, clear.send_errors),
            (2, 0, 0, 1)
        );
    }

    #[test]
    fn error_counters_saturate() {
        let mut t = Tally::default();
        t.errors.refused = u32::MAX;
        t.error(Refusal::Other);
        assert_eq!(
            t.view(Side {
                outbound: true,
                confidential: true,
                authenticated: true
            })
            .send_errors,
            u64::from(u32::MAX)
        );
    }

    #[test]
    fn cisco_format_matches_the_seed() {
        let out = SaCounters {
            encaps: 8,
            encrypt: 8,
            digest: 8,
            ..Default::default()
        };
        let inb = SaCounters {
            decaps: 189,
            decrypt: 189,
            verify: 189,
            ..Default::default()
        };
        let text = out.combined(&inb).cisco_lines().to_string();
        assert_eq!(
            text,
            "#pkts encaps: 8, #pkts encrypt: 8, #pkts digest 8\n\
             #pkts decaps: 189, #pkts decrypt: 189, #pkts verify 189\n\
             #pkts compressed: 0, #pkts decompressed: 0\n\
             #pkts not compressed: 0, #pkts compr. failed: 0\n\
             #pkts not decompressed: 0, #pkts decompress failed: 0\n\
             #send errors 0, #recv errors 0"
        );
    }
}
