//! The ESP data plane alone, for a C program whose SAs are keyed by another
//! IKE daemon (or by hand): create an SA from its keys, seal and open in
//! place in the caller's buffer, read its counters and lifetime events.
//!
//! Thread safety: an `iks_esp_outbound` / `iks_esp_inbound` handle may move
//! between threads but must be used by one thread at a time; different
//! handles are independent.

use std::ptr;
use std::slice;

use esp_core::{
    Encryption, InboundSa, Instant, Integrity, KeyMaterial, Lifetime, LifetimeEvent, Mode,
    OutboundSa, SaCounters, SaParams, Suite,
};
use getrandom::SysRng;

use crate::boundary::{FfiError, MAX_BUFFER, MAX_DATAGRAM, bytes, check_len, guard};
use crate::result::iks_result;

/// NULL encryption (RFC 2410): integrity only, for debugging.
pub const IKS_ESP_ENCR_NULL: u32 = 0;
/// 3DES-EDE-CBC (RFC 2451), the seed's `esp-3des`; 24-byte key.
pub const IKS_ESP_ENCR_3DES_CBC: u32 = 1;
/// AES-CBC with a 16-byte key (RFC 3602).
pub const IKS_ESP_ENCR_AES_CBC_128: u32 = 2;
/// AES-CBC with a 24-byte key.
pub const IKS_ESP_ENCR_AES_CBC_192: u32 = 3;
/// AES-CBC with a 32-byte key.
pub const IKS_ESP_ENCR_AES_CBC_256: u32 = 4;
/// AES-GCM, 16-byte ICV (RFC 4106); key is 16 bytes + 4-byte salt.
pub const IKS_ESP_ENCR_AES_GCM_128: u32 = 5;
/// AES-GCM, 16-byte ICV; key is 24 bytes + 4-byte salt.
pub const IKS_ESP_ENCR_AES_GCM_192: u32 = 6;
/// AES-GCM, 16-byte ICV; key is 32 bytes + 4-byte salt.
pub const IKS_ESP_ENCR_AES_GCM_256: u32 = 7;
/// DES-CBC (RFC 2405), IOS's `esp-des`, for old peers only; 8-byte key
/// (weak and semi-weak keys are refused).
pub const IKS_ESP_ENCR_DES_CBC: u32 = 8;

/// No separate integrity algorithm (AES-GCM).
pub const IKS_ESP_AUTH_NONE: u32 = 0;
/// HMAC-MD5-96 (RFC 2403), for old peers; 16-byte key.
pub const IKS_ESP_AUTH_HMAC_MD5_96: u32 = 1;
/// HMAC-SHA1-96 (RFC 2404), the seed's `esp-sha-hmac`; 20-byte key.
pub const IKS_ESP_AUTH_HMAC_SHA1_96: u32 = 2;
/// HMAC-SHA-256-128 (RFC 4868); 32-byte key.
pub const IKS_ESP_AUTH_HMAC_SHA256_128: u32 = 3;

/// Tunnel mode: the inner packet is a whole IP packet.
pub const IKS_ESP_MODE_TUNNEL: u32 = 0;
/// Transport mode: the inner packet is a transport-layer segment.
pub const IKS_ESP_MODE_TRANSPORT: u32 = 1;

/// A soft lifetime limit passed (time): negotiate a replacement.
pub const IKS_ESP_EVENT_SOFT_TIME: u32 = 1;
/// A soft lifetime limit passed (volume).
pub const IKS_ESP_EVENT_SOFT_VOLUME: u32 = 2;
/// The sequence number space is nearly used up.
pub const IKS_ESP_EVENT_SOFT_SEQUENCE: u32 = 3;
/// The hard time limit passed: the SA refuses packets; delete it.
pub const IKS_ESP_EVENT_HARD_TIME: u32 = 4;
/// The hard volume limit passed.
pub const IKS_ESP_EVENT_HARD_VOLUME: u32 = 5;
/// The last sequence number was used.
pub const IKS_ESP_EVENT_HARD_SEQUENCE: u32 = 6;

/// Everything an ESP SA needs besides its keys. Fill it with
/// `iks_esp_sa_config_init` first, then set what differs: fields added in
/// later versions come out of `reserved`, which must stay zero.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct iks_esp_sa_config {
    /// Security Parameters Index, not 0.
    pub spi: u32,
    /// One of `IKS_ESP_ENCR_*`.
    pub encryption: u32,
    /// One of `IKS_ESP_AUTH_*` (`IKS_ESP_AUTH_NONE` with AES-GCM).
    pub integrity: u32,
    /// `IKS_ESP_MODE_TUNNEL` or `IKS_ESP_MODE_TRANSPORT`.
    pub mode: u32,
    /// Extended 64-bit sequence numbers (RFC 4304).
    pub esn: bool,
    /// Outbound only: put a UDP header (RFC 3948) in front of ESP.
    pub udp_encapsulation: bool,
    /// Source port of that UDP header.
    pub udp_source_port: u16,
    /// Destination port of that UDP header.
    pub udp_destination_port: u16,
    /// Inbound only: anti-replay window in packets (32 and up).
    pub replay_window: u32,
    /// Hard lifetime in seconds (0: none); the soft one is at 90%.
    pub lifetime_seconds: u64,
    /// Hard lifetime in kilobytes (0: none); the soft one is at 90%.
    pub lifetime_kilobytes: u64,
    /// Zero.
    pub reserved: [u64; 8],
}

/// The counters `show crypto ipsec sa` prints, plus the reasons for drops.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct iks_esp_counters {
    /// Packets sealed.
    pub encaps: u64,
    /// Packets encrypted.
    pub encrypt: u64,
    /// Packets given an ICV.
    pub digest: u64,
    /// Packets opened.
    pub decaps: u64,
    /// Packets decrypted.
    pub decrypt: u64,
    /// Packets whose ICV was verified.
    pub verify: u64,
    /// Seal failures.
    pub send_errors: u64,
    /// Open failures.
    pub recv_errors: u64,
    /// Packets refused by the anti-replay window.
    pub replay_failures: u64,
    /// Packets whose ICV did not verify.
    pub auth_failures: u64,
    /// Packets whose padding was wrong.
    pub pad_failures: u64,
    /// Inner bytes sealed.
    pub encaps_bytes: u64,
    /// Inner bytes opened.
    pub decaps_bytes: u64,
    /// Zero; later versions add counters here.
    pub reserved: [u64; 8],
}

impl From<&SaCounters> for iks_esp_counters {
    fn from(c: &SaCounters) -> Self {
        Self {
            encaps: c.encaps,
            encrypt: c.encrypt,
            digest: c.digest,
            decaps: c.decaps,
            decrypt: c.decrypt,
            verify: c.verify,
            send_errors: c.send_errors,
            recv_errors: c.recv_errors,
            replay_failures: c.replay_failures,
            auth_failures: c.auth_failures,
            pad_failures: c.pad_failures,
            encaps_bytes: c.encaps_bytes,
            decaps_bytes: c.decaps_bytes,
            reserved: [0; 8],
        }
    }
}

/// An outbound ESP SA (opaque).
pub struct iks_esp_outbound {
    sa: OutboundSa,
}

/// An inbound ESP SA (opaque).
pub struct iks_esp_inbound {
    sa: InboundSa,
}

/// Fills `*config` with the defaults: SPI 0 (set it), 3DES-CBC with
/// HMAC-SHA1-96 (the seed's transform set), tunnel mode, 32-bit sequence
/// numbers, no UDP encapsulation, a 64-packet window, no lifetime limits.
///
/// # Safety
/// `config` must be NULL or valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_esp_sa_config_init(config: *mut iks_esp_sa_config) -> iks_result {
    guard(|| {
        if config.is_null() {
            return Err(FfiError::null("config"));
        }
        let defaults = SaParams::new(0, Suite::TRIPLE_DES_SHA1);
        let value = iks_esp_sa_config {
            spi: 0,
            encryption: IKS_ESP_ENCR_3DES_CBC,
            integrity: IKS_ESP_AUTH_HMAC_SHA1_96,
            mode: IKS_ESP_MODE_TUNNEL,
            esn: false,
            udp_encapsulation: false,
            udp_source_port: 0,
            udp_destination_port: 0,
            replay_window: defaults.replay_window,
            lifetime_seconds: 0,
            lifetime_kilobytes: 0,
            reserved: [0; 8],
        };
        // SAFETY: non-null, and the caller promised it is valid for a write.
        unsafe { config.write(value) };
        Ok(())
    })
}

fn encryption(value: u32) -> Result<Encryption, FfiError> {
    Ok(match value {
        IKS_ESP_ENCR_NULL => Encryption::Null,
        IKS_ESP_ENCR_DES_CBC => Encryption::DesCbc,
        IKS_ESP_ENCR_3DES_CBC => Encryption::TripleDesCbc,
        IKS_ESP_ENCR_AES_CBC_128 => Encryption::AesCbc128,
        IKS_ESP_ENCR_AES_CBC_192 => Encryption::AesCbc192,
        IKS_ESP_ENCR_AES_CBC_256 => Encryption::AesCbc256,
        IKS_ESP_ENCR_AES_GCM_128 => Encryption::AesGcm128,
        IKS_ESP_ENCR_AES_GCM_192 => Encryption::AesGcm192,
        IKS_ESP_ENCR_AES_GCM_256 => Encryption::AesGcm256,
        other => return Err(invalid(format!("unknown encryption {other}"))),
    })
}

fn integrity(value: u32) -> Result<Integrity, FfiError> {
    Ok(match value {
        IKS_ESP_AUTH_NONE => Integrity::None,
        IKS_ESP_AUTH_HMAC_MD5_96 => Integrity::HmacMd5_96,
        IKS_ESP_AUTH_HMAC_SHA1_96 => Integrity::HmacSha1_96,
        IKS_ESP_AUTH_HMAC_SHA256_128 => Integrity::HmacSha256_128,
        other => return Err(invalid(format!("unknown integrity {other}"))),
    })
}

/// No ESP key is longer than this (AES-256-GCM with salt: 36 bytes; HMAC
/// keys: 64): a longer length is a caller's error.
const MAX_KEY: usize = 1024;

fn invalid(text: String) -> FfiError {
    FfiError::new(iks_result::IKS_ERR_INVALID_ARGUMENT, text)
}

fn limit(value: u64) -> (Option<u64>, Option<u64>) {
    if value == 0 {
        (None, None)
    } else {
        (Some(value - value / 10), Some(value))
    }
}

fn params(config: &iks_esp_sa_config) -> Result<SaParams, FfiError> {
    if config.reserved.iter().any(|&r| r != 0) {
        return Err(invalid("reserved fields must be zero".into()));
    }
    let suite = Suite::new(encryption(config.encryption)?, integrity(config.integrity)?)
        .map_err(|e| invalid(e.to_string()))?;
    let mode = match config.mode {
        IKS_ESP_MODE_TUNNEL => Mode::Tunnel,
        IKS_ESP_MODE_TRANSPORT => Mode::Transport,
        other => return Err(invalid(format!("unknown mode {other}"))),
    };
    let (soft_seconds, hard_seconds) = limit(config.lifetime_seconds);
    let (soft_kilobytes, hard_kilobytes) = limit(config.lifetime_kilobytes);
    let mut params = SaParams::new(config.spi, suite)
        .with_mode(mode)
        .with_esn(config.esn)
        .with_replay_window(config.replay_window)
        .with_lifetime(Lifetime {
            soft_seconds,
            hard_seconds,
            soft_kilobytes,
            hard_kilobytes,
        });
    if config.udp_encapsulation {
        params = params.with_udp_encapsulation(config.udp_source_port, config.udp_destination_port);
    }
    Ok(params)
}

/// Validates the common arguments of the two constructors.
///
/// # Safety
/// As for [`bytes`], and `config` valid for a read when non-null.
unsafe fn sa_inputs<'a>(
    config: *const iks_esp_sa_config,
    enc_key: *const u8,
    enc_key_len: usize,
    auth_key: *const u8,
    auth_key_len: usize,
) -> Result<(SaParams, &'a [u8], &'a [u8]), FfiError> {
    if config.is_null() {
        return Err(FfiError::null("config"));
    }
    // SAFETY: non-null; the caller promised a readable config.
    let config = unsafe { ptr::read(config) };
    let params = params(&config)?;
    // SAFETY: forwarded caller promises.
    let enc = unsafe { bytes(enc_key, enc_key_len, MAX_KEY, "enc_key")? };
    // SAFETY: forwarded caller promises.
    let auth = unsafe { bytes(auth_key, auth_key_len, MAX_KEY, "auth_key")? };
    Ok((params, enc, auth))
}

/// Creates an outbound SA from its configuration and keys at `now_ms`
/// (milliseconds of the caller's monotonic clock) and writes the handle to
/// `*out`. CBC IVs come from the operating system's random generator.
///
/// # Safety
/// `config` valid for a read; `enc_key`/`auth_key` valid for their lengths
/// (NULL allowed with length 0); `out` valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_esp_outbound_new(
    config: *const iks_esp_sa_config,
    enc_key: *const u8,
    enc_key_len: usize,
    auth_key: *const u8,
    auth_key_len: usize,
    now_ms: u64,
    out: *mut *mut iks_esp_outbound,
) -> iks_result {
    guard(|| {
        if out.is_null() {
            return Err(FfiError::null("out"));
        }
        // SAFETY: forwarded caller promises.
        let (params, enc, auth) =
            unsafe { sa_inputs(config, enc_key, enc_key_len, auth_key, auth_key_len)? };
        let sa = OutboundSa::new(&params, &KeyMaterial::new(enc, auth), Instant(now_ms))
            .map_err(|e| invalid(e.to_string()))?;
        let handle = Box::into_raw(Box::new(iks_esp_outbound { sa }));
        // SAFETY: non-null; the caller promised it is writable.
        unsafe { out.write(handle) };
        Ok(())
    })
}

/// Creates an inbound SA; see `iks_esp_outbound_new`.
///
/// # Safety
/// As for `iks_esp_outbound_new`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_esp_inbound_new(
    config: *const iks_esp_sa_config,
    enc_key: *const u8,
    enc_key_len: usize,
    auth_key: *const u8,
    auth_key_len: usize,
    now_ms: u64,
    out: *mut *mut iks_esp_inbound,
) -> iks_result {
    guard(|| {
        if out.is_null() {
            return Err(FfiError::null("out"));
        }
        // SAFETY: forwarded caller promises.
        let (params, enc, auth) =
            unsafe { sa_inputs(config, enc_key, enc_key_len, auth_key, auth_key_len)? };
        let sa = InboundSa::new(&params, &KeyMaterial::new(enc, auth), Instant(now_ms))
            .map_err(|e| invalid(e.to_string()))?;
        let handle = Box::into_raw(Box::new(iks_esp_inbound { sa }));
        // SAFETY: non-null; the caller promised it is writable.
        unsafe { out.write(handle) };
        Ok(())
    })
}

/// Frees an outbound SA (its keys are wiped). NULL is accepted and ignored.
///
/// # Safety
/// `sa` must be NULL or a handle from `iks_esp_outbound_new` not freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_esp_outbound_free(sa: *mut iks_esp_outbound) {
    if !sa.is_null() {
        // SAFETY: the caller passes a live handle we allocated with Box.
        drop(unsafe { Box::from_raw(sa) });
    }
}

/// Frees an inbound SA (its keys are wiped). NULL is accepted and ignored.
///
/// # Safety
/// `sa` must be NULL or a handle from `iks_esp_inbound_new` not freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_esp_inbound_free(sa: *mut iks_esp_inbound) {
    if !sa.is_null() {
        // SAFETY: the caller passes a live handle we allocated with Box.
        drop(unsafe { Box::from_raw(sa) });
    }
}

/// Writes the bytes `iks_esp_seal` needs before the inner packet (UDP
/// header when encapsulating, ESP header, IV) to `*out` and the bytes it
/// needs after an inner packet of `inner_len` bytes (padding, trailer, ICV)
/// to `*tail_out`.
///
/// # Safety
/// `sa` a live handle; `head_out` and `tail_out` valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_esp_outbound_room(
    sa: *const iks_esp_outbound,
    inner_len: usize,
    head_out: *mut usize,
    tail_out: *mut usize,
) -> iks_result {
    guard(|| {
        // SAFETY: the caller passes a live handle or NULL.
        let sa = unsafe { sa.as_ref() }.ok_or_else(|| FfiError::null("sa"))?;
        if head_out.is_null() || tail_out.is_null() {
            return Err(FfiError::null("head_out/tail_out"));
        }
        // SAFETY: both non-null and writable per the contract.
        unsafe {
            head_out.write(sa.sa.headroom());
            tail_out.write(sa.sa.tailroom(inner_len));
        }
        Ok(())
    })
}

/// Seals the inner packet at `buf[inner_offset .. inner_offset + inner_len]`
/// in place. `inner_offset` must be at least the headroom and `buf_len`
/// must leave the tailroom after the packet (`iks_esp_outbound_room`);
/// otherwise `IKS_ERR_BUFFER_TOO_SMALL` with the needed total length in
/// `*out_len`. On success the ESP packet (with its UDP header when
/// encapsulating) is `buf[*out_offset .. *out_offset + *out_len]`.
///
/// # Safety
/// `sa` a live handle; `buf` valid for `buf_len` bytes of reads and writes;
/// `out_offset` and `out_len` valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_esp_seal(
    sa: *mut iks_esp_outbound,
    buf: *mut u8,
    buf_len: usize,
    inner_offset: usize,
    inner_len: usize,
    next_header: u8,
    now_ms: u64,
    out_offset: *mut usize,
    out_len: *mut usize,
) -> iks_result {
    guard(|| {
        // SAFETY: the caller passes a live handle or NULL.
        let sa = unsafe { sa.as_mut() }.ok_or_else(|| FfiError::null("sa"))?;
        if buf.is_null() || out_offset.is_null() || out_len.is_null() {
            return Err(FfiError::null("buf/out_offset/out_len"));
        }
        let head = sa.sa.headroom();
        if inner_offset < head {
            return Err(invalid(format!(
                "inner_offset {inner_offset} is below the headroom {head}"
            )));
        }
        let needed = inner_offset
            .checked_add(inner_len)
            .and_then(|end| end.checked_add(sa.sa.tailroom(inner_len)))
            .ok_or_else(|| invalid("inner_offset + inner_len overflows".into()))?;
        if needed > buf_len {
            // SAFETY: non-null and writable per the contract.
            unsafe { out_len.write(needed) };
            return Err(FfiError::new(
                iks_result::IKS_ERR_BUFFER_TOO_SMALL,
                format!("buffer of {buf_len} bytes, {needed} needed"),
            ));
        }
        check_len(buf_len, MAX_BUFFER, "buf_len")?;
        // SAFETY: non-null, within a slice's limit; the caller promised
        // buf_len readable and writable bytes.
        let buf = unsafe { slice::from_raw_parts_mut(buf, buf_len) };
        let inner = inner_offset..inner_offset + inner_len;
        let sealed = sa
            .sa
            .seal(buf, inner, next_header, &mut SysRng, Instant(now_ms))
            .map_err(|e| FfiError::new(iks_result::IKS_ERR_REJECTED, e.to_string()))?;
        // SAFETY: both non-null and writable per the contract.
        unsafe {
            out_offset.write(sealed.start);
            out_len.write(sealed.len());
        }
        Ok(())
    })
}

/// Opens the ESP packet `buf[0 .. buf_len]` (starting at the SPI: strip any
/// UDP header first) in place: ICV, anti-replay window, decryption,
/// padding. On success the inner packet is
/// `buf[*inner_offset .. *inner_offset + *inner_len]` and its protocol is
/// `*next_header` (59 marks a dummy packet to drop). A rejected packet
/// gives `IKS_ERR_REJECTED` (the reason is in `iks_last_error`) and is
/// counted.
///
/// # Safety
/// `sa` a live handle; `buf` valid for `buf_len` bytes of reads and writes;
/// the three outputs valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_esp_open(
    sa: *mut iks_esp_inbound,
    buf: *mut u8,
    buf_len: usize,
    now_ms: u64,
    inner_offset: *mut usize,
    inner_len: *mut usize,
    next_header: *mut u8,
) -> iks_result {
    guard(|| {
        // SAFETY: the caller passes a live handle or NULL.
        let sa = unsafe { sa.as_mut() }.ok_or_else(|| FfiError::null("sa"))?;
        if buf.is_null() || inner_offset.is_null() || inner_len.is_null() || next_header.is_null() {
            return Err(FfiError::null("buf/inner_offset/inner_len/next_header"));
        }
        check_len(buf_len, MAX_DATAGRAM, "buf_len")?;
        // SAFETY: non-null, bounded; the caller promised buf_len readable
        // and writable bytes.
        let buf = unsafe { slice::from_raw_parts_mut(buf, buf_len) };
        let opened = sa
            .sa
            .open(buf, Instant(now_ms))
            .map_err(|e| FfiError::new(iks_result::IKS_ERR_REJECTED, e.to_string()))?;
        // SAFETY: all three non-null and writable per the contract.
        unsafe {
            inner_offset.write(opened.inner.start);
            inner_len.write(opened.inner.len());
            next_header.write(opened.next_header);
        }
        Ok(())
    })
}

/// What the counter and event calls need from either handle.
trait EspHandle {
    fn counters(&self) -> SaCounters;
    fn advance(&mut self, now: Instant) -> Option<LifetimeEvent>;
}

impl EspHandle for iks_esp_outbound {
    fn counters(&self) -> SaCounters {
        self.sa.counters()
    }
    fn advance(&mut self, now: Instant) -> Option<LifetimeEvent> {
        self.sa.handle_timeout(now);
        self.sa.poll_event()
    }
}

impl EspHandle for iks_esp_inbound {
    fn counters(&self) -> SaCounters {
        self.sa.counters()
    }
    fn advance(&mut self, now: Instant) -> Option<LifetimeEvent> {
        self.sa.handle_timeout(now);
        self.sa.poll_event()
    }
}

/// # Safety
/// `sa` NULL or a live handle; `out` NULL or valid for a write.
unsafe fn copy_counters<H: EspHandle>(sa: *const H, out: *mut iks_esp_counters) -> iks_result {
    guard(|| {
        // SAFETY: the caller passes a live handle or NULL.
        let sa = unsafe { sa.as_ref() }.ok_or_else(|| FfiError::null("sa"))?;
        if out.is_null() {
            return Err(FfiError::null("out"));
        }
        // SAFETY: non-null and writable per the contract.
        unsafe { out.write((&sa.counters()).into()) };
        Ok(())
    })
}

/// # Safety
/// `sa` NULL or a live handle; `event` NULL or valid for a write.
unsafe fn take_event<H: EspHandle>(sa: *mut H, now_ms: u64, event: *mut u32) -> iks_result {
    guard(|| {
        // SAFETY: the caller passes a live handle or NULL.
        let sa = unsafe { sa.as_mut() }.ok_or_else(|| FfiError::null("sa"))?;
        if event.is_null() {
            return Err(FfiError::null("event"));
        }
        let next = sa
            .advance(Instant(now_ms))
            .ok_or_else(|| FfiError::new(iks_result::IKS_ERR_EMPTY, "no event"))?;
        // SAFETY: non-null and writable per the contract.
        unsafe { event.write(event_code(next)) };
        Ok(())
    })
}

/// Copies an outbound SA's counters to `*out`.
///
/// # Safety
/// `sa` a live handle; `out` valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_esp_outbound_counters(
    sa: *const iks_esp_outbound,
    out: *mut iks_esp_counters,
) -> iks_result {
    // SAFETY: forwarded caller promises.
    unsafe { copy_counters(sa, out) }
}

/// Copies an inbound SA's counters to `*out`.
///
/// # Safety
/// `sa` a live handle; `out` valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_esp_inbound_counters(
    sa: *const iks_esp_inbound,
    out: *mut iks_esp_counters,
) -> iks_result {
    // SAFETY: forwarded caller promises.
    unsafe { copy_counters(sa, out) }
}

/// Advances an outbound SA's clock to `now_ms` and takes its next lifetime
/// event (`IKS_ESP_EVENT_*`) into `*event`; `IKS_ERR_EMPTY` when there is
/// none.
///
/// # Safety
/// `sa` a live handle; `event` valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_esp_outbound_poll_event(
    sa: *mut iks_esp_outbound,
    now_ms: u64,
    event: *mut u32,
) -> iks_result {
    // SAFETY: forwarded caller promises.
    unsafe { take_event(sa, now_ms, event) }
}

/// Advances an inbound SA's clock to `now_ms` and takes its next lifetime
/// event; see `iks_esp_outbound_poll_event`.
///
/// # Safety
/// `sa` a live handle; `event` valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_esp_inbound_poll_event(
    sa: *mut iks_esp_inbound,
    now_ms: u64,
    event: *mut u32,
) -> iks_result {
    // SAFETY: forwarded caller promises.
    unsafe { take_event(sa, now_ms, event) }
}

fn event_code(event: LifetimeEvent) -> u32 {
    use esp_core::ExpiryCause::{SequenceNumber, Time, Volume};
    match event {
        LifetimeEvent::SoftExpired(Time) => IKS_ESP_EVENT_SOFT_TIME,
        LifetimeEvent::SoftExpired(Volume) => IKS_ESP_EVENT_SOFT_VOLUME,
        LifetimeEvent::SoftExpired(SequenceNumber) => IKS_ESP_EVENT_SOFT_SEQUENCE,
        LifetimeEvent::HardExpired(Time) => IKS_ESP_EVENT_HARD_TIME,
        LifetimeEvent::HardExpired(Volume) => IKS_ESP_EVENT_HARD_VOLUME,
        LifetimeEvent::HardExpired(SequenceNumber) => IKS_ESP_EVENT_HARD_SEQUENCE,
    }
}
