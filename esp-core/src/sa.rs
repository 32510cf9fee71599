//! Security associations: [`OutboundSa::seal`] and [`InboundSa::open`], in place.
//!
//! # Buffer layout
//!
//! `seal` takes the caller's buffer with the inner packet at `inner`. The
//! SA declares how much room it needs around it:
//!
//! ```text
//!  out.start                         inner.start          inner.end                   out.end
//!  |  [UDP 8]  | SPI 4 | seq 4 | IV  |  inner packet ...  | pad | pad len | next hdr | ICV |
//!  |<------------ headroom() ------->|                    |<------ tailroom(len) ---------->|
//! ```
//!
//! and returns `out`, the range of the finished packet (starting with the
//! UDP header when the SA is UDP-encapsulated, else with the SPI). Nothing
//! is copied: the header and IV are written in the headroom, the trailer
//! and ICV in the tailroom, and the payload is encrypted where it lies.
//!
//! `open` takes an ESP packet that starts at its SPI (strip the outer IP
//! header, and the UDP header after [`UdpEncapPayload::classify`](crate::wire::UdpEncapPayload::classify)),
//! decrypts it where it lies and returns the range of the inner packet and
//! the next header. The order of the checks is RFC 4303's: SPI, anti-replay
//! pre-check, ICV (constant time, before any decryption), window update,
//! decryption, padding (1, 2, 3, ...), next header.
//!
//! Neither allocates. Tunnel and transport mode differ only by the next
//! header the caller gives ([`protocol::IPV4`]
//! for a tunnelled IPv4 packet, the transport protocol otherwise).

use core::ops::Range;

use rand_core::TryCryptoRng;

use crate::counters::{Refusal, SaCounters, Side, Tally};
use crate::lifetime::{ExpiryCause, Lifetime, LifetimeEvent, LifetimeTracker, Remaining};
use crate::replay::{DEFAULT_WINDOW, ReplayWindow};
use crate::suite::{Backend, KeyMaterial, Suite, Transform};
use crate::wire::{ESP_HEADER_LEN, UDP_HEADER_LEN, protocol};
use crate::{EspError, Instant, ReplayReason};

/// IPsec mode; it only decides which next header the caller passes, and is
/// kept for display (`in use settings ={Tunnel, }`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Mode {
    /// The inner packet is a whole IP packet.
    #[default]
    Tunnel,
    /// The inner packet is a transport-layer segment.
    Transport,
}

impl Mode {
    /// The name IOS prints.
    pub const fn cisco_name(self) -> &'static str {
        match self {
            Self::Tunnel => "Tunnel",
            Self::Transport => "Transport",
        }
    }
}

/// UDP encapsulation of ESP (RFC 3948): the ports of the UDP header that
/// `seal` writes in front of the ESP header (checksum 0, as RFC 3948 §3.1.1 allows).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UdpEncapsulation {
    /// Source port (normally 4500, or what the local NAT-T socket uses).
    pub source_port: u16,
    /// Destination port (the peer's NAT-T port as seen through the NAT).
    pub destination_port: u16,
}

/// Everything an SA needs besides its keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SaParams {
    /// Security Parameters Index (not 0).
    pub spi: u32,
    /// Algorithms.
    pub suite: Suite,
    /// Tunnel or transport (for display).
    pub mode: Mode,
    /// Extended (64-bit) sequence numbers, RFC 4304.
    pub esn: bool,
    /// Soft and hard limits.
    pub lifetime: Lifetime,
    /// Outbound only: wrap packets in UDP.
    pub udp_encapsulation: Option<UdpEncapsulation>,
    /// Inbound only: anti-replay window in packets.
    pub replay_window: u32,
    /// Which implementation of the primitives the SA's keys use.
    pub backend: Backend,
}

impl SaParams {
    /// Tunnel mode, 32-bit sequence numbers, no lifetime limit, no UDP
    /// encapsulation, a 64-packet window.
    pub const fn new(spi: u32, suite: Suite) -> Self {
        Self {
            spi,
            suite,
            mode: Mode::Tunnel,
            esn: false,
            lifetime: Lifetime::UNLIMITED,
            udp_encapsulation: None,
            replay_window: DEFAULT_WINDOW,
            backend: Backend::DEFAULT,
        }
    }

    /// With the primitives of `backend`.
    pub const fn with_backend(mut self, backend: Backend) -> Self {
        self.backend = backend;
        self
    }

    /// With this mode.
    pub const fn with_mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// With or without extended sequence numbers.
    pub const fn with_esn(mut self, esn: bool) -> Self {
        self.esn = esn;
        self
    }

    /// With these lifetime limits.
    pub const fn with_lifetime(mut self, lifetime: Lifetime) -> Self {
        self.lifetime = lifetime;
        self
    }

    /// With UDP encapsulation between these ports.
    pub const fn with_udp_encapsulation(mut self, source_port: u16, destination_port: u16) -> Self {
        self.udp_encapsulation = Some(UdpEncapsulation {
            source_port,
            destination_port,
        });
        self
    }

    /// With an anti-replay window of `packets`.
    pub const fn with_replay_window(mut self, packets: u32) -> Self {
        self.replay_window = packets;
        self
    }
}

fn check_spi(spi: u32) -> Result<(), EspError> {
    if spi == 0 {
        return Err(EspError::Malformed {
            what: "SPI",
            reason: "0 is reserved (RFC 4303 §2.1)",
        });
    }
    Ok(())
}

fn read_u32(buf: &[u8], at: usize) -> u32 {
    buf.get(at..)
        .and_then(|b| b.first_chunk::<4>())
        .map_or(0, |b| u32::from_be_bytes(*b))
}

/// Build the GCM AAD: SPI ‖ seq, or SPI ‖ seq-high ‖ seq-low with ESN (RFC 4106 §5).
fn gcm_aad(spi: u32, seq: u64, esn: bool) -> ([u8; 12], usize) {
    let mut aad = [0u8; 12];
    aad[..4].copy_from_slice(&spi.to_be_bytes());
    if esn {
        aad[4..].copy_from_slice(&seq.to_be_bytes());
        (aad, 12)
    } else {
        aad[4..8].copy_from_slice(&(seq as u32).to_be_bytes());
        (aad, 8)
    }
}

/// What an outbound and an inbound SA say alike of their counters and
/// their lifetime: `$outbound` tells the counter view which side it is.
macro_rules! counters_and_lifetime {
    ($outbound:expr) => {
        /// The counters (built from the packet and byte counts the SA stores).
        pub fn counters(&self) -> SaCounters {
            self.counters.view(self.side())
        }

        fn side(&self) -> Side {
            Side::of(self.transform.suite, $outbound)
        }

        /// Check the time limits at `now` without a packet (call at
        /// [`poll_timeout`](Self::poll_timeout)).
        pub fn handle_timeout(&mut self, now: Instant) {
            self.life.on_time(now);
        }

        /// When the next time limit passes, if any is left.
        pub fn poll_timeout(&self) -> Option<Instant> {
            self.life.next_deadline()
        }

        /// The next lifetime event, oldest first; each is reported once.
        pub fn poll_event(&mut self) -> Option<LifetimeEvent> {
            self.life.poll_event()
        }

        /// Whether an event waits to be polled.
        pub fn has_event(&self) -> bool {
            self.life.has_event()
        }

        /// What is left of the hard limits at `now`.
        pub fn remaining(&self, now: Instant) -> Remaining {
            self.life.remaining(now)
        }

        /// The lifetime limits.
        pub fn lifetime(&self) -> Lifetime {
            self.life.lifetime()
        }

        /// When the SA was installed.
        pub fn installed(&self) -> Instant {
            self.life.installed()
        }

        /// Whether the SA passed a hard limit and refuses packets.
        pub fn is_expired(&self) -> bool {
            self.life.hard().is_some()
        }
    };
}

// ---------------------------------------------------------------------------
// Outbound
// ---------------------------------------------------------------------------

/// An outbound SA: seals inner packets into ESP.
#[derive(Debug)]
pub struct OutboundSa {
    spi: u32,
    mode: Mode,
    esn: bool,
    udp: Option<UdpEncapsulation>,
    transform: Transform,
    next_sequence: u64,
    counters: Tally,
    life: LifetimeTracker,
}

impl OutboundSa {
    /// Install an outbound SA at `now` (its lifetime counts from there).
    /// Keys are checked against the suite and expanded here.
    pub fn new(params: &SaParams, keys: &KeyMaterial<'_>, now: Instant) -> Result<Self, EspError> {
        check_spi(params.spi)?;
        Ok(Self {
            spi: params.spi,
            mode: params.mode,
            esn: params.esn,
            udp: params.udp_encapsulation,
            transform: Transform::new(params.suite, keys, params.backend)?,
            next_sequence: 1,
            counters: Tally::default(),
            life: LifetimeTracker::new(params.lifetime, now),
        })
    }

    /// The SPI (the peer chose it).
    pub fn spi(&self) -> u32 {
        self.spi
    }

    /// The suite.
    pub fn suite(&self) -> Suite {
        self.transform.suite
    }

    /// The mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Whether extended sequence numbers are used.
    pub fn esn(&self) -> bool {
        self.esn
    }

    /// The UDP encapsulation, if any.
    pub fn udp_encapsulation(&self) -> Option<UdpEncapsulation> {
        self.udp
    }

    /// Bytes `seal` needs before the inner packet: [UDP header,] ESP header, IV.
    pub fn headroom(&self) -> usize {
        let udp = if self.udp.is_some() {
            UDP_HEADER_LEN
        } else {
            0
        };
        udp + ESP_HEADER_LEN + self.transform.suite.iv_len()
    }

    /// Bytes `seal` needs after an inner packet of `inner_len` bytes:
    /// padding, pad length, next header, ICV.
    pub fn tailroom(&self, inner_len: usize) -> usize {
        let suite = self.transform.suite;
        suite.pad_len(inner_len) + 2 + suite.icv_len()
    }

    /// Total bytes added to an inner packet of `inner_len` bytes.
    pub fn overhead(&self, inner_len: usize) -> usize {
        self.headroom() + self.tailroom(inner_len)
    }

    /// The sequence number the next packet will carry.
    pub fn next_sequence(&self) -> u64 {
        self.next_sequence
    }

    fn max_sequence(&self) -> u64 {
        if self.esn {
            u64::MAX
        } else {
            u64::from(u32::MAX)
        }
    }

    /// Move the sequence number forward (resuming a persisted SA, or tests).
    /// It can never go back, and must stay within the sequence number space.
    pub fn set_next_sequence(&mut self, next: u64) -> Result<(), EspError> {
        if next < self.next_sequence || next > self.max_sequence() {
            return Err(EspError::Malformed {
                what: "next sequence number",
                reason: "must not go back nor leave the sequence number space",
            });
        }
        self.next_sequence = next;
        Ok(())
    }

    /// Seal the inner packet at `inner` in `buf`, in place, and return the
    /// range of the finished packet.
    ///
    /// `inner.start` must be at least [`headroom`](Self::headroom) and
    /// `buf` must hold [`tailroom`](Self::tailroom)`(inner.len())` bytes
    /// after `inner.end`. CBC IVs come from `rng`; GCM uses the sequence
    /// number as its explicit IV. Fails (and counts a send error) when the
    /// SA is past its hard lifetime or out of sequence numbers.
    pub fn seal<R: TryCryptoRng + ?Sized>(
        &mut self,
        buf: &mut [u8],
        inner: Range<usize>,
        next_header: u8,
        rng: &mut R,
        now: Instant,
    ) -> Result<Range<usize>, EspError> {
        let result = self.seal_packet(buf, inner, next_header, rng, now);
        if let Err(e) = &result {
            self.counters.error(match e {
                EspError::SequenceOverflow { .. } => Refusal::SequenceOverflow,
                EspError::Expired { .. } => Refusal::Expired,
                _ => Refusal::Other,
            });
        }
        result
    }

    fn seal_packet<R: TryCryptoRng + ?Sized>(
        &mut self,
        buf: &mut [u8],
        inner: Range<usize>,
        next_header: u8,
        rng: &mut R,
        now: Instant,
    ) -> Result<Range<usize>, EspError> {
        self.life.on_time(now);
        match self.life.hard() {
            Some(ExpiryCause::SequenceNumber) => {
                return Err(EspError::SequenceOverflow { spi: self.spi });
            }
            Some(_) => return Err(EspError::Expired { spi: self.spi }),
            None => {}
        }
        let seq = self.next_sequence;
        if seq > self.max_sequence() {
            self.life.fire_hard(ExpiryCause::SequenceNumber);
            return Err(EspError::SequenceOverflow { spi: self.spi });
        }

        let Range { start, end } = inner;
        if start > end || end > buf.len() {
            return Err(EspError::InvalidRange {
                start,
                end,
                len: buf.len(),
            });
        }
        let head = self.headroom();
        if start < head {
            return Err(EspError::Headroom {
                needed: head,
                got: start,
            });
        }
        let suite = self.transform.suite;
        let inner_len = end - start;
        let pad = suite.pad_len(inner_len);
        let tail = pad + 2 + suite.icv_len();
        let room = buf.len() - end;
        if room < tail {
            return Err(EspError::Tailroom {
                needed: tail,
                got: room,
            });
        }
        let out = start - head..end + tail;
        if self.udp.is_some() && out.len() > usize::from(u16::MAX) {
            return Err(EspError::TooLarge {
                len: out.len(),
                max: usize::from(u16::MAX),
            });
        }

        // Offsets within the finished packet.
        let packet = &mut buf[out.clone()];
        let esp = if self.udp.is_some() {
            UDP_HEADER_LEN
        } else {
            0
        };
        let iv_at = esp + ESP_HEADER_LEN;
        let encryption = suite.encryption();
        let iv_len = encryption.iv_len();
        let ct_end = head + inner_len + pad + 2;

        if encryption.is_cbc() {
            rng.try_fill_bytes(&mut packet[iv_at..head])
                .map_err(|_| EspError::Rng)?;
        } else if encryption.is_aead() {
            packet[iv_at..head].copy_from_slice(&seq.to_be_bytes());
        }
        // From here on the packet is committed: the number is used.
        self.next_sequence = seq + 1;

        let trailer = &mut packet[head + inner_len..ct_end];
        for (i, b) in trailer.iter_mut().take(pad).enumerate() {
            *b = (i + 1) as u8;
        }
        trailer[pad] = pad as u8;
        trailer[pad + 1] = next_header;

        packet[esp..esp + 4].copy_from_slice(&self.spi.to_be_bytes());
        packet[esp + 4..esp + 8].copy_from_slice(&(seq as u32).to_be_bytes());

        if encryption.is_aead() {
            let (aad, aad_len) = gcm_aad(self.spi, seq, self.esn);
            let (body, icv) = packet[head..].split_at_mut(ct_end - head);
            let tag =
                self.transform
                    .encryption
                    .gcm_seal(&seq.to_be_bytes(), &aad[..aad_len], body)?;
            icv.copy_from_slice(&tag);
        } else {
            let (iv, body) = packet[iv_at..ct_end].split_at_mut(iv_len);
            self.transform.encryption.cbc_encrypt(iv, body)?;
            if suite.is_authenticated() {
                let esn_high = self.esn.then_some((seq >> 32) as u32);
                let (authenticated, icv) = packet[esp..].split_at_mut(ct_end - esp);
                self.transform
                    .integrity
                    .compute(authenticated, esn_high, icv);
            }
        }

        if let Some(udp) = self.udp {
            packet[0..2].copy_from_slice(&udp.source_port.to_be_bytes());
            packet[2..4].copy_from_slice(&udp.destination_port.to_be_bytes());
            packet[4..6].copy_from_slice(&(out.len() as u16).to_be_bytes());
            packet[6..8].copy_from_slice(&[0, 0]);
        }

        self.counters.packet(inner_len);
        self.life.on_bytes(inner_len as u64);
        let max = self.max_sequence();
        if seq >= max - max / 16 {
            self.life.fire_soft(ExpiryCause::SequenceNumber);
        }
        if seq == max {
            self.life.fire_hard(ExpiryCause::SequenceNumber);
        }
        Ok(out)
    }

    counters_and_lifetime!(true);
}

// ---------------------------------------------------------------------------
// Inbound
// ---------------------------------------------------------------------------

/// The result of a successful [`InboundSa::open`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Opened {
    /// Where the inner packet lies in the buffer.
    pub inner: Range<usize>,
    /// The next header from the trailer.
    pub next_header: u8,
    /// The full (with ESN, reconstructed) sequence number.
    pub sequence: u64,
}

impl Opened {
    /// A dummy packet (next header 59, RFC 4303 §2.6): drop it silently.
    pub fn is_dummy(&self) -> bool {
        self.next_header == protocol::NO_NEXT_HEADER
    }
}

/// An inbound SA: opens ESP packets.
#[derive(Debug)]
pub struct InboundSa {
    spi: u32,
    mode: Mode,
    esn: bool,
    transform: Transform,
    window: ReplayWindow,
    counters: Tally,
    life: LifetimeTracker,
}

impl InboundSa {
    /// Install an inbound SA at `now`. Keys are checked and expanded, and the
    /// anti-replay bitmap is allocated, here.
    pub fn new(params: &SaParams, keys: &KeyMaterial<'_>, now: Instant) -> Result<Self, EspError> {
        check_spi(params.spi)?;
        Ok(Self {
            spi: params.spi,
            mode: params.mode,
            esn: params.esn,
            transform: Transform::new(params.suite, keys, params.backend)?,
            window: ReplayWindow::new(params.replay_window)?,
            counters: Tally::default(),
            life: LifetimeTracker::new(params.lifetime, now),
        })
    }

    /// The SPI (we chose it).
    pub fn spi(&self) -> u32 {
        self.spi
    }

    /// The suite.
    pub fn suite(&self) -> Suite {
        self.transform.suite
    }

    /// The mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Whether extended sequence numbers are used.
    pub fn esn(&self) -> bool {
        self.esn
    }

    /// The anti-replay window size in packets.
    pub fn replay_window(&self) -> u32 {
        self.window.size()
    }

    /// Whether anti-replay is enforced (only when packets are authenticated).
    pub fn replay_detection(&self) -> bool {
        self.transform.suite.is_authenticated()
    }

    /// The highest sequence number received so far.
    pub fn highest_sequence(&self) -> u64 {
        self.window.top()
    }

    /// Move the anti-replay window forward so that `seq` is the highest
    /// number received (resuming a persisted SA, e.g. after a fail-over,
    /// where the ESN high half must be known). Never moves it back.
    pub fn set_highest_sequence(&mut self, seq: u64) {
        self.window.advance_to(seq);
    }

    /// Open the ESP packet that fills `buf` (from its SPI to its ICV) in
    /// place. On success the inner packet is decrypted at `Opened::inner`.
    /// Every failure is counted; a packet refused before its ICV verified
    /// changes nothing else in the SA.
    pub fn open(&mut self, buf: &mut [u8], now: Instant) -> Result<Opened, EspError> {
        let result = self.open_packet(buf, now);
        if let Err(e) = &result {
            self.counters.error(match e {
                EspError::Replay { .. } => Refusal::Replay,
                EspError::AuthenticationFailed { .. } => Refusal::Auth,
                EspError::InvalidPadding { .. } => Refusal::Padding,
                EspError::SpiMismatch { .. } => Refusal::Spi,
                EspError::Truncated { .. }
                | EspError::NotBlockAligned { .. }
                | EspError::Malformed { .. } => Refusal::Length,
                EspError::Expired { .. } => Refusal::Expired,
                _ => Refusal::Other,
            });
        }
        result
    }

    fn open_packet(&mut self, buf: &mut [u8], now: Instant) -> Result<Opened, EspError> {
        self.life.on_time(now);
        if self.life.hard().is_some() {
            return Err(EspError::Expired { spi: self.spi });
        }
        let suite = self.transform.suite;
        let encryption = suite.encryption();
        let iv_len = encryption.iv_len();
        let icv_len = suite.icv_len();
        let head = ESP_HEADER_LEN + iv_len;
        let block = encryption.block_len();
        let min = head + block.max(2) + icv_len;
        let len = buf.len();
        if len < min {
            return Err(EspError::Truncated {
                what: "ESP packet",
                needed: min,
                got: len,
            });
        }
        let spi = read_u32(buf, 0);
        if spi != self.spi {
            return Err(EspError::SpiMismatch {
                expected: self.spi,
                got: spi,
            });
        }
        let ct_end = len - icv_len;
        let ct_len = ct_end - head;
        if ct_len % block != 0 {
            return Err(EspError::NotBlockAligned { len: ct_len, block });
        }

        let seq_low = read_u32(buf, 4);
        let authenticated = suite.is_authenticated();
        let seq = if authenticated && self.esn {
            self.window.infer_esn(seq_low).ok_or(EspError::Replay {
                sequence: u64::from(seq_low),
                reason: ReplayReason::TooOld,
            })?
        } else {
            u64::from(seq_low)
        };
        if authenticated {
            self.window.check(seq).map_err(|reason| EspError::Replay {
                sequence: seq,
                reason,
            })?;
        }

        let auth_failed = EspError::AuthenticationFailed {
            spi: self.spi,
            sequence: seq,
        };
        if encryption.is_aead() {
            let (aad, aad_len) = gcm_aad(self.spi, seq, self.esn);
            let (front, tag) = buf.split_at_mut(ct_end);
            let (header, body) = front.split_at_mut(head);
            let iv = header.last_chunk::<8>().copied().ok_or(auth_failed)?;
            let tag = tag.first_chunk::<16>().ok_or(auth_failed)?;
            // Verifies the tag (constant time) before decrypting anything.
            if !self
                .transform
                .encryption
                .gcm_open(&iv, &aad[..aad_len], body, tag)?
            {
                return Err(auth_failed);
            }
        } else if authenticated {
            let esn_high = self.esn.then_some((seq >> 32) as u32);
            let (data, icv) = buf.split_at(ct_end);
            if !self.transform.integrity.verify(data, esn_high, icv) {
                return Err(auth_failed);
            }
        }
        if authenticated {
            self.window.commit(seq).map_err(|reason| EspError::Replay {
                sequence: seq,
                reason,
            })?;
        }
        if encryption.is_cbc() {
            let (iv, body) = buf[ESP_HEADER_LEN..ct_end].split_at_mut(iv_len);
            self.transform.encryption.cbc_decrypt(iv, body)?;
        }

        let plain = &buf[head..ct_end];
        let bad_padding = EspError::InvalidPadding {
            spi: self.spi,
            sequence: seq,
        };
        let [.., pad_len, next_header] = *plain else {
            return Err(bad_padding);
        };
        let pad_len = usize::from(pad_len);
        let inner_len = ct_len.checked_sub(pad_len + 2).ok_or(bad_padding)?;
        let padding = &plain[inner_len..inner_len + pad_len];
        if !padding
            .iter()
            .enumerate()
            .all(|(i, &b)| usize::from(b) == i + 1)
        {
            return Err(bad_padding);
        }

        self.counters.packet(inner_len);
        self.life.on_bytes(inner_len as u64);
        Ok(Opened {
            inner: head..head + inner_len,
            next_header,
            sequence: seq,
        })
    }

    counters_and_lifetime!(false);
}
