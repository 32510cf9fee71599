//! The Security Association Database: inbound SAs by SPI (O(1)), outbound
//! SAs by an id the owner chooses (so a policy keeps pointing at "its" SA
//! across rekeys).

use core::ops::Range;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

use rand_core::TryCryptoRng;

use crate::lifetime::LifetimeEvent;
use crate::sa::{InboundSa, Opened, OutboundSa};
use crate::wire::EspPacket;
use crate::{EspError, Instant};

/// Names an outbound SA in the [`Sad`] (and from an SPD protect entry).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SaId(pub u32);

/// Which SA an event or a lookup concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SaRef {
    /// An inbound SA, by its SPI.
    Inbound(u32),
    /// An outbound SA, by its id.
    Outbound(SaId),
}

/// Counters of packets that found no SA at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub struct SadCounters {
    /// Inbound packets whose SPI matched no SA (Cisco: "invalid sa (rcv)").
    pub no_sa_recv: u64,
    /// Seals asked of an SA id that is not installed (Cisco: "no sa (send)").
    pub no_sa_send: u64,
    /// Inbound packets too short for an ESP header.
    pub invalid_recv: u64,
}

/// The SA database.
#[derive(Debug, Default)]
pub struct Sad {
    inbound: HashMap<u32, InboundSa>,
    outbound: HashMap<SaId, OutboundSa>,
    counters: SadCounters,
}

impl Sad {
    /// An empty database.
    pub fn new() -> Self {
        Self::default()
    }

    /// Install an inbound SA; its SPI must be free.
    pub fn insert_inbound(&mut self, sa: InboundSa) -> Result<(), EspError> {
        match self.inbound.entry(sa.spi()) {
            Entry::Occupied(_) => Err(EspError::DuplicateSpi { spi: sa.spi() }),
            Entry::Vacant(slot) => {
                slot.insert(sa);
                Ok(())
            }
        }
    }

    /// Remove an inbound SA.
    pub fn remove_inbound(&mut self, spi: u32) -> Option<InboundSa> {
        self.inbound.remove(&spi)
    }

    /// The inbound SA with this SPI.
    pub fn inbound(&self, spi: u32) -> Option<&InboundSa> {
        self.inbound.get(&spi)
    }

    /// The inbound SA with this SPI, mutable.
    pub fn inbound_mut(&mut self, spi: u32) -> Option<&mut InboundSa> {
        self.inbound.get_mut(&spi)
    }

    /// Install an outbound SA under `id`, returning the one it replaces (a rekey).
    pub fn insert_outbound(&mut self, id: SaId, sa: OutboundSa) -> Option<OutboundSa> {
        self.outbound.insert(id, sa)
    }

    /// Remove an outbound SA.
    pub fn remove_outbound(&mut self, id: SaId) -> Option<OutboundSa> {
        self.outbound.remove(&id)
    }

    /// The outbound SA with this id.
    pub fn outbound(&self, id: SaId) -> Option<&OutboundSa> {
        self.outbound.get(&id)
    }

    /// The outbound SA with this id, mutable.
    pub fn outbound_mut(&mut self, id: SaId) -> Option<&mut OutboundSa> {
        self.outbound.get_mut(&id)
    }

    /// Whether `id` names an installed outbound SA that still sends.
    pub fn has_usable_outbound(&self, id: SaId) -> bool {
        self.outbound.get(&id).is_some_and(|sa| !sa.is_expired())
    }

    /// Every inbound SA.
    pub fn inbound_sas(&self) -> impl Iterator<Item = &InboundSa> {
        self.inbound.values()
    }

    /// Every outbound SA with its id.
    pub fn outbound_sas(&self) -> impl Iterator<Item = (SaId, &OutboundSa)> {
        self.outbound.iter().map(|(id, sa)| (*id, sa))
    }

    /// Number of inbound and outbound SAs.
    pub fn len(&self) -> (usize, usize) {
        (self.inbound.len(), self.outbound.len())
    }

    /// Whether the database holds no SA.
    pub fn is_empty(&self) -> bool {
        self.inbound.is_empty() && self.outbound.is_empty()
    }

    /// Packets that found no SA.
    pub fn counters(&self) -> &SadCounters {
        &self.counters
    }

    /// Find the inbound SA by the packet's SPI and open the packet in place
    /// (see [`InboundSa::open`]). Returns the SPI with the result.
    pub fn open(&mut self, buf: &mut [u8], now: Instant) -> Result<(u32, Opened), EspError> {
        let spi = match EspPacket::new_checked(&*buf) {
            Ok(packet) => packet.spi(),
            Err(e) => {
                self.counters.invalid_recv += 1;
                return Err(e);
            }
        };
        let Some(sa) = self.inbound.get_mut(&spi) else {
            self.counters.no_sa_recv += 1;
            return Err(EspError::UnknownSpi { spi });
        };
        sa.open(buf, now).map(|opened| (spi, opened))
    }

    /// Seal with the outbound SA `id` (see [`OutboundSa::seal`]).
    pub fn seal<R: TryCryptoRng + ?Sized>(
        &mut self,
        id: SaId,
        buf: &mut [u8],
        inner: Range<usize>,
        next_header: u8,
        rng: &mut R,
        now: Instant,
    ) -> Result<Range<usize>, EspError> {
        let Some(sa) = self.outbound.get_mut(&id) else {
            self.counters.no_sa_send += 1;
            return Err(EspError::UnknownSa { id: id.0 });
        };
        sa.seal(buf, inner, next_header, rng, now)
    }

    /// Check every SA's time limits at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.inbound
            .values_mut()
            .for_each(|sa| sa.handle_timeout(now));
        self.outbound
            .values_mut()
            .for_each(|sa| sa.handle_timeout(now));
    }

    /// The earliest time limit of any SA.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let inbound = self.inbound.values().filter_map(InboundSa::poll_timeout);
        let outbound = self.outbound.values().filter_map(OutboundSa::poll_timeout);
        inbound.chain(outbound).min()
    }

    /// The next lifetime event of any SA (a scan over the SAs).
    pub fn poll_event(&mut self) -> Option<(SaRef, LifetimeEvent)> {
        for (spi, sa) in &mut self.inbound {
            if let Some(event) = sa.poll_event() {
                return Some((SaRef::Inbound(*spi), event));
            }
        }
        for (id, sa) in &mut self.outbound {
            if let Some(event) = sa.poll_event() {
                return Some((SaRef::Outbound(*id), event));
            }
        }
        None
    }
}
