//! The Security Association Database: inbound SAs by SPI (O(1)), outbound
//! SAs by an id the owner chooses (so a policy keeps pointing at "its" SA
//! across rekeys).
//!
//! Nothing here scans the table. Each SA is boxed (a rehash moves a pointer,
//! not a kilobyte of key schedules), lifetime events are queued when a seal
//! or open crosses a limit, and time limits sit in one ordered timer keyed by
//! deadline: [`Sad::poll_event`] is O(1) amortised, [`Sad::poll_timeout`]
//! O(log n) and [`Sad::handle_timeout`] O(log n) per SA that is due.
//!
//! An SA changed through [`Sad::inbound_mut`] / [`Sad::outbound_mut`] is
//! noted and looked at again by the next poll, so an event it raised there
//! (or a changed deadline) is not lost either.

use core::ops::Range;
use std::collections::hash_map::Entry;
use std::collections::{BTreeSet, HashMap, VecDeque};

use rand_core::TryCryptoRng;

use crate::lifetime::LifetimeEvent;
use crate::sa::{InboundSa, Opened, OutboundSa};
use crate::wire::EspPacket;
use crate::{EspError, Instant};

/// Names an outbound SA in the [`Sad`] (and from an SPD protect entry).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SaId(pub u32);

/// Which SA an event or a lookup concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
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

/// What the database needs of either kind of SA to keep its queues.
trait Tracked {
    fn has_event(&self) -> bool;
    fn poll_event(&mut self) -> Option<LifetimeEvent>;
    fn poll_timeout(&self) -> Option<Instant>;
}

macro_rules! tracked {
    ($t:ty) => {
        impl Tracked for $t {
            fn has_event(&self) -> bool {
                <$t>::has_event(self)
            }
            fn poll_event(&mut self) -> Option<LifetimeEvent> {
                <$t>::poll_event(self)
            }
            fn poll_timeout(&self) -> Option<Instant> {
                <$t>::poll_timeout(self)
            }
        }
    };
}
tracked!(InboundSa);
tracked!(OutboundSa);

/// One installed SA, the owner's tag for it, and what the queues know of
/// it.
#[derive(Debug)]
struct Slot<T, G = ()> {
    sa: Box<T>,
    /// The owner's data for this SA, beside it in the table (see
    /// [`Sad::outbound_tag`]).
    tag: G,
    /// The deadline under which the SA sits in the timer, [`NOT_FILED`]
    /// if none (an `Option` would take eight bytes more in both tables).
    deadline: Instant,
    /// Whether the SA is in the ready queue.
    ready: bool,
    /// Whether the SA is in the list to look at again.
    touched: bool,
}

/// A slot's deadline when the SA is not in the timer. An SA whose next
/// limit is the end of time is not filed either: nothing is ever due then.
const NOT_FILED: Instant = Instant(u64::MAX);

impl<T, G> Slot<T, G> {
    /// The deadline under which the SA sits in the timer.
    fn filed(&self) -> Option<Instant> {
        Some(self.deadline).filter(|&d| d != NOT_FILED)
    }

    fn new(sa: T, tag: G) -> Self {
        Self {
            sa: Box::new(sa),
            tag,
            deadline: NOT_FILED,
            ready: false,
            touched: false,
        }
    }
}

/// The queues: SAs with an event to report, the timer, and SAs lent out
/// mutably since the last poll.
#[derive(Debug, Default)]
struct Queues {
    ready: VecDeque<SaRef>,
    timer: BTreeSet<(Instant, SaRef)>,
    touched: Vec<SaRef>,
}

impl Queues {
    /// Bring the queues up to date with `slot` after its SA may have changed:
    /// O(1) when nothing changed, O(log n) when its deadline moved.
    fn sync<T: Tracked, G>(&mut self, key: SaRef, slot: &mut Slot<T, G>) {
        if !slot.ready && slot.sa.has_event() {
            slot.ready = true;
            self.ready.push_back(key);
        }
        let deadline = slot.sa.poll_timeout().filter(|&d| d != NOT_FILED);
        if deadline != slot.filed() {
            if let Some(old) = slot.filed() {
                self.timer.remove(&(old, key));
            }
            if let Some(new) = deadline {
                self.timer.insert((new, key));
            }
            slot.deadline = deadline.unwrap_or(NOT_FILED);
        }
    }

    fn forget<T, G>(&mut self, key: SaRef, slot: &Slot<T, G>) {
        // The ready and touched lists are cleaned lazily: a key whose SA is
        // gone is skipped when it comes up.
        if let Some(old) = slot.filed() {
            self.timer.remove(&(old, key));
        }
    }

    fn touch<T, G>(&mut self, key: SaRef, slot: &mut Slot<T, G>) {
        if !slot.touched {
            slot.touched = true;
            self.touched.push(key);
        }
    }
}

/// The SA database. `G` is what its owner keeps beside each outbound SA
/// (a route, say: [`Sad::insert_outbound_tagged`], [`Sad::outbound_tag`]),
/// so one look-up finds both; nothing by default.
#[derive(Debug)]
pub struct Sad<G = ()> {
    inbound: HashMap<u32, Slot<InboundSa>>,
    outbound: HashMap<SaId, Slot<OutboundSa, G>>,
    queues: Queues,
    counters: SadCounters,
}

impl<G> Default for Sad<G> {
    fn default() -> Self {
        Self {
            inbound: HashMap::new(),
            outbound: HashMap::new(),
            queues: Queues::default(),
            counters: SadCounters::default(),
        }
    }
}

impl Sad {
    /// An empty database.
    pub fn new() -> Self {
        Self::default()
    }

    /// Install an outbound SA under `id`, returning the one it replaces (a rekey).
    pub fn insert_outbound(&mut self, id: SaId, sa: OutboundSa) -> Option<OutboundSa> {
        self.insert_outbound_tagged(id, sa, ()).map(|(old, ())| old)
    }
}

impl<G> Sad<G> {
    /// An empty database whose outbound SAs carry a `G` each.
    pub fn tagged() -> Self {
        Self::default()
    }

    /// Install an inbound SA; its SPI must be free.
    pub fn insert_inbound(&mut self, sa: InboundSa) -> Result<(), EspError> {
        let spi = sa.spi();
        match self.inbound.entry(spi) {
            Entry::Occupied(_) => Err(EspError::DuplicateSpi { spi }),
            Entry::Vacant(vacant) => {
                let slot = vacant.insert(Slot::new(sa, ()));
                self.queues.sync(SaRef::Inbound(spi), slot);
                Ok(())
            }
        }
    }

    /// Remove an inbound SA.
    pub fn remove_inbound(&mut self, spi: u32) -> Option<InboundSa> {
        let slot = self.inbound.remove(&spi)?;
        self.queues.forget(SaRef::Inbound(spi), &slot);
        Some(*slot.sa)
    }

    /// The inbound SA with this SPI.
    pub fn inbound(&self, spi: u32) -> Option<&InboundSa> {
        self.inbound.get(&spi).map(|slot| &*slot.sa)
    }

    /// The inbound SA with this SPI, mutable. The next poll looks at it
    /// again (for events and its deadline).
    pub fn inbound_mut(&mut self, spi: u32) -> Option<&mut InboundSa> {
        let slot = self.inbound.get_mut(&spi)?;
        self.queues.touch(SaRef::Inbound(spi), slot);
        Some(&mut *slot.sa)
    }

    /// Install an outbound SA and its tag under `id`, returning the ones it
    /// replaces (a rekey).
    pub fn insert_outbound_tagged(
        &mut self,
        id: SaId,
        sa: OutboundSa,
        tag: G,
    ) -> Option<(OutboundSa, G)> {
        let key = SaRef::Outbound(id);
        let old = self.outbound.remove(&id).map(|slot| {
            self.queues.forget(key, &slot);
            (*slot.sa, slot.tag)
        });
        let slot = self.outbound.entry(id).or_insert(Slot::new(sa, tag));
        self.queues.sync(key, slot);
        old
    }

    /// Remove an outbound SA.
    pub fn remove_outbound(&mut self, id: SaId) -> Option<OutboundSa> {
        self.remove_outbound_tagged(id).map(|(sa, _)| sa)
    }

    /// Remove an outbound SA, with its tag.
    pub fn remove_outbound_tagged(&mut self, id: SaId) -> Option<(OutboundSa, G)> {
        let slot = self.outbound.remove(&id)?;
        self.queues.forget(SaRef::Outbound(id), &slot);
        Some((*slot.sa, slot.tag))
    }

    /// The tag of the outbound SA `id`: read before a seal, it brings the
    /// SA's table slot into the cache for the seal that follows.
    pub fn outbound_tag(&self, id: SaId) -> Option<&G> {
        self.outbound.get(&id).map(|slot| &slot.tag)
    }

    /// The outbound SA with this id.
    pub fn outbound(&self, id: SaId) -> Option<&OutboundSa> {
        self.outbound.get(&id).map(|slot| &*slot.sa)
    }

    /// The outbound SA with this id, mutable. The next poll looks at it
    /// again (for events and its deadline).
    pub fn outbound_mut(&mut self, id: SaId) -> Option<&mut OutboundSa> {
        let slot = self.outbound.get_mut(&id)?;
        self.queues.touch(SaRef::Outbound(id), slot);
        Some(&mut *slot.sa)
    }

    /// Whether `id` names an installed outbound SA that still sends.
    pub fn has_usable_outbound(&self, id: SaId) -> bool {
        self.outbound
            .get(&id)
            .is_some_and(|slot| !slot.sa.is_expired())
    }

    /// Every inbound SA.
    pub fn inbound_sas(&self) -> impl Iterator<Item = &InboundSa> {
        self.inbound.values().map(|slot| &*slot.sa)
    }

    /// Every outbound SA with its id.
    pub fn outbound_sas(&self) -> impl Iterator<Item = (SaId, &OutboundSa)> {
        self.outbound.iter().map(|(id, slot)| (*id, &*slot.sa))
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
        let Some(slot) = self.inbound.get_mut(&spi) else {
            self.counters.no_sa_recv += 1;
            return Err(EspError::UnknownSpi { spi });
        };
        let result = slot.sa.open(buf, now);
        self.queues.sync(SaRef::Inbound(spi), slot);
        result.map(|opened| (spi, opened))
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
        let Some(slot) = self.outbound.get_mut(&id) else {
            self.counters.no_sa_send += 1;
            return Err(EspError::UnknownSa { id: id.0 });
        };
        let result = slot.sa.seal(buf, inner, next_header, rng, now);
        self.queues.sync(SaRef::Outbound(id), slot);
        result
    }

    /// [`Sad::seal`] if `id` names an installed outbound SA that still
    /// sends (what [`Sad::has_usable_outbound`] says), else `None` with
    /// nothing counted: the SPD's protect decision and the seal in one
    /// look-up.
    pub fn seal_if_usable<R: TryCryptoRng + ?Sized>(
        &mut self,
        id: SaId,
        buf: &mut [u8],
        inner: Range<usize>,
        next_header: u8,
        rng: &mut R,
        now: Instant,
    ) -> Option<Result<Range<usize>, EspError>> {
        let slot = self.outbound.get_mut(&id)?;
        if slot.sa.is_expired() {
            return None;
        }
        let result = slot.sa.seal(buf, inner, next_header, rng, now);
        self.queues.sync(SaRef::Outbound(id), slot);
        Some(result)
    }

    /// Look again at the SAs lent out mutably since the last poll.
    fn sync_touched(&mut self) {
        for key in core::mem::take(&mut self.queues.touched) {
            match key {
                SaRef::Inbound(spi) => {
                    if let Some(slot) = self.inbound.get_mut(&spi) {
                        slot.touched = false;
                        self.queues.sync(key, slot);
                    }
                }
                SaRef::Outbound(id) => {
                    if let Some(slot) = self.outbound.get_mut(&id) {
                        slot.touched = false;
                        self.queues.sync(key, slot);
                    }
                }
            }
        }
    }

    /// Check the time limits of the SAs that are due at `now` (the timer
    /// holds each SA under its next deadline; the others are not visited).
    pub fn handle_timeout(&mut self, now: Instant) {
        self.sync_touched();
        while let Some(&(deadline, key)) = self.queues.timer.first() {
            if deadline > now {
                break;
            }
            match key {
                SaRef::Inbound(spi) => match self.inbound.get_mut(&spi) {
                    Some(slot) => {
                        slot.sa.handle_timeout(now);
                        self.queues.sync(key, slot);
                    }
                    None => {
                        self.queues.timer.remove(&(deadline, key));
                    }
                },
                SaRef::Outbound(id) => match self.outbound.get_mut(&id) {
                    Some(slot) => {
                        slot.sa.handle_timeout(now);
                        self.queues.sync(key, slot);
                    }
                    None => {
                        self.queues.timer.remove(&(deadline, key));
                    }
                },
            }
            // An SA's next deadline after `handle_timeout(now)` is later
            // than `now` (or none), so each due SA leaves the front here.
            if self.queues.timer.first() == Some(&(deadline, key)) {
                self.queues.timer.remove(&(deadline, key));
                self.clear_deadline(key);
            }
        }
    }

    /// Drop the record of `key`'s deadline (it is no longer in the timer).
    fn clear_deadline(&mut self, key: SaRef) {
        match key {
            SaRef::Inbound(spi) => {
                if let Some(slot) = self.inbound.get_mut(&spi) {
                    slot.deadline = NOT_FILED;
                }
            }
            SaRef::Outbound(id) => {
                if let Some(slot) = self.outbound.get_mut(&id) {
                    slot.deadline = NOT_FILED;
                }
            }
        }
    }

    /// The earliest time limit of any SA: the front of the timer, or an
    /// earlier one of an SA lent out mutably since the last poll.
    pub fn poll_timeout(&self) -> Option<Instant> {
        // A lent-out SA's place in the timer may be stale: its own deadline
        // counts instead (skipping at most one timer entry per such SA).
        let timer = self
            .queues
            .timer
            .iter()
            .find(|(_, key)| !self.is_touched(*key))
            .map(|(deadline, _)| *deadline);
        let touched = self.queues.touched.iter().filter_map(|key| match key {
            SaRef::Inbound(spi) => self.inbound.get(spi)?.sa.poll_timeout(),
            SaRef::Outbound(id) => self.outbound.get(id)?.sa.poll_timeout(),
        });
        timer.into_iter().chain(touched).min()
    }

    fn is_touched(&self, key: SaRef) -> bool {
        match key {
            SaRef::Inbound(spi) => self.inbound.get(&spi).is_some_and(|slot| slot.touched),
            SaRef::Outbound(id) => self.outbound.get(&id).is_some_and(|slot| slot.touched),
        }
    }

    /// The next lifetime event of any SA, in the order the SAs raised them
    /// (and, for one SA, soft before hard).
    pub fn poll_event(&mut self) -> Option<(SaRef, LifetimeEvent)> {
        self.sync_touched();
        while let Some(key) = self.queues.ready.pop_front() {
            let event = match key {
                SaRef::Inbound(spi) => self
                    .inbound
                    .get_mut(&spi)
                    .and_then(|slot| take_event(&mut self.queues.ready, key, slot)),
                SaRef::Outbound(id) => self
                    .outbound
                    .get_mut(&id)
                    .and_then(|slot| take_event(&mut self.queues.ready, key, slot)),
            };
            if let Some(event) = event {
                return Some((key, event));
            }
        }
        None
    }
}

/// Take `slot`'s next event; if it has another, it stays first in line.
fn take_event<T: Tracked, G>(
    ready: &mut VecDeque<SaRef>,
    key: SaRef,
    slot: &mut Slot<T, G>,
) -> Option<LifetimeEvent> {
    if !slot.ready {
        // A stale key: the SA was removed and another installed under it.
        return None;
    }
    slot.ready = false;
    let event = slot.sa.poll_event();
    if slot.sa.has_event() {
        slot.ready = true;
        ready.push_front(key);
    }
    event
}
