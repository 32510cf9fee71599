//! The ESP C API called the way C calls it: raw pointers, caller buffers,
//! result codes.

use std::ptr;

use ikesuite::esp::*;
use ikesuite::iks_result;

use crate::common;

use common::last_error;

/// Distinct bytes, so 3DES's K1/K2/K3 differ.
fn key(len: usize, seed: u8) -> Vec<u8> {
    (0..len as u8)
        .map(|i| i.wrapping_mul(7).wrapping_add(seed))
        .collect()
}

fn config(spi: u32, encryption: u32, integrity: u32) -> iks_esp_sa_config {
    let mut c = std::mem::MaybeUninit::<iks_esp_sa_config>::uninit();
    // SAFETY: init writes the whole struct.
    assert_eq!(
        unsafe { iks_esp_sa_config_init(c.as_mut_ptr()) },
        iks_result::IKS_OK
    );
    // SAFETY: initialised just above.
    let mut c = unsafe { c.assume_init() };
    c.spi = spi;
    c.encryption = encryption;
    c.integrity = integrity;
    c
}

struct Pair {
    out: *mut iks_esp_outbound,
    inb: *mut iks_esp_inbound,
}

impl Drop for Pair {
    fn drop(&mut self) {
        // SAFETY: handles from the constructors, freed once.
        unsafe {
            iks_esp_outbound_free(self.out);
            iks_esp_inbound_free(self.inb);
        }
    }
}

fn pair(cfg: &iks_esp_sa_config, enc: &[u8], auth: &[u8]) -> Pair {
    let mut out = ptr::null_mut();
    let mut inb = ptr::null_mut();
    // SAFETY: valid pointers and lengths.
    unsafe {
        let r = iks_esp_outbound_new(
            cfg,
            enc.as_ptr(),
            enc.len(),
            auth.as_ptr(),
            auth.len(),
            0,
            &mut out,
        );
        assert_eq!(r, iks_result::IKS_OK, "{}", last_error());
        let r = iks_esp_inbound_new(
            cfg,
            enc.as_ptr(),
            enc.len(),
            auth.as_ptr(),
            auth.len(),
            0,
            &mut inb,
        );
        assert_eq!(r, iks_result::IKS_OK, "{}", last_error());
    }
    Pair { out, inb }
}

/// Seals `inner` and returns the buffer and the ESP packet's range.
fn seal(p: &Pair, inner: &[u8]) -> (Vec<u8>, std::ops::Range<usize>) {
    let (mut head, mut tail) = (0usize, 0usize);
    // SAFETY: live handle, valid outputs.
    assert_eq!(
        unsafe { iks_esp_outbound_room(p.out, inner.len(), &mut head, &mut tail) },
        iks_result::IKS_OK
    );
    let mut buf = vec![0u8; head + inner.len() + tail];
    buf[head..head + inner.len()].copy_from_slice(inner);
    let (mut off, mut len) = (0usize, 0usize);
    // SAFETY: buf is valid for its length; outputs are locals.
    let r = unsafe {
        iks_esp_seal(
            p.out,
            buf.as_mut_ptr(),
            buf.len(),
            head,
            inner.len(),
            4,
            1000,
            &mut off,
            &mut len,
        )
    };
    assert_eq!(r, iks_result::IKS_OK, "{}", last_error());
    (buf, off..off + len)
}

fn open(p: &Pair, packet: &mut [u8]) -> Result<(std::ops::Range<usize>, u8), iks_result> {
    let (mut off, mut len, mut nh) = (0usize, 0usize, 0u8);
    // SAFETY: packet valid for its length; outputs are locals.
    let r = unsafe {
        iks_esp_open(
            p.inb,
            packet.as_mut_ptr(),
            packet.len(),
            1000,
            &mut off,
            &mut len,
            &mut nh,
        )
    };
    if r == iks_result::IKS_OK {
        Ok((off..off + len, nh))
    } else {
        Err(r)
    }
}

fn counters_in(p: &Pair) -> iks_esp_counters {
    let mut c = iks_esp_counters::default();
    // SAFETY: live handle, local output.
    assert_eq!(
        unsafe { iks_esp_inbound_counters(p.inb, &mut c) },
        iks_result::IKS_OK
    );
    c
}

#[test]
fn every_suite_round_trips_through_the_c_api() {
    let suites = [
        (IKS_ESP_ENCR_3DES_CBC, IKS_ESP_AUTH_HMAC_SHA1_96, 24, 20),
        (IKS_ESP_ENCR_AES_CBC_128, IKS_ESP_AUTH_HMAC_SHA1_96, 16, 20),
        (
            IKS_ESP_ENCR_AES_CBC_256,
            IKS_ESP_AUTH_HMAC_SHA256_128,
            32,
            32,
        ),
        (IKS_ESP_ENCR_AES_CBC_192, IKS_ESP_AUTH_HMAC_MD5_96, 24, 16),
        (IKS_ESP_ENCR_AES_GCM_128, IKS_ESP_AUTH_NONE, 20, 0),
        (IKS_ESP_ENCR_AES_GCM_256, IKS_ESP_AUTH_NONE, 36, 0),
        (IKS_ESP_ENCR_NULL, IKS_ESP_AUTH_HMAC_SHA1_96, 0, 20),
    ];
    for (i, (e, a, ek, ak)) in suites.into_iter().enumerate() {
        let cfg = config(0x1000 + i as u32, e, a);
        let p = pair(&cfg, &key(ek, 0x11), &key(ak, 0x22));
        let inner: Vec<u8> = (0..=200u8).collect();
        let (mut buf, range) = seal(&p, &inner);
        assert_eq!(
            &buf[range.start..range.start + 4],
            &(0x1000 + i as u32).to_be_bytes()
        );
        let packet = &mut buf[range];
        let (inner_range, nh) = open(&p, packet).expect("opens");
        assert_eq!(&packet[inner_range], &inner[..]);
        assert_eq!(nh, 4);
        let c = counters_in(&p);
        assert_eq!((c.decaps, c.verify), (1, 1));
        let mut out = iks_esp_counters::default();
        // SAFETY: live handle, local output.
        assert_eq!(
            unsafe { iks_esp_outbound_counters(p.out, &mut out) },
            iks_result::IKS_OK
        );
        assert_eq!(out.encaps, 1);
    }
}

#[test]
fn a_flipped_bit_and_a_replay_are_rejected_and_counted() {
    let cfg = config(0x77, IKS_ESP_ENCR_3DES_CBC, IKS_ESP_AUTH_HMAC_SHA1_96);
    let p = pair(&cfg, &key(24, 7), &key(20, 9));
    let (buf, range) = seal(&p, b"hello through the tunnel");
    let mut tampered = buf[range.clone()].to_vec();
    tampered[12] ^= 0x01;
    assert_eq!(open(&p, &mut tampered), Err(iks_result::IKS_ERR_REJECTED));
    assert!(!last_error().is_empty());
    assert_eq!(counters_in(&p).auth_failures, 1);

    let mut good = buf[range.clone()].to_vec();
    assert!(open(&p, &mut good).is_ok());
    let mut again = buf[range].to_vec();
    assert_eq!(open(&p, &mut again), Err(iks_result::IKS_ERR_REJECTED));
    assert_eq!(counters_in(&p).replay_failures, 1);
}

#[test]
fn a_short_buffer_says_the_size_it_needs() {
    let cfg = config(0x78, IKS_ESP_ENCR_AES_CBC_128, IKS_ESP_AUTH_HMAC_SHA1_96);
    let p = pair(&cfg, &key(16, 7), &key(20, 9));
    let (mut head, mut tail) = (0usize, 0usize);
    // SAFETY: live handle, local outputs.
    unsafe { iks_esp_outbound_room(p.out, 100, &mut head, &mut tail) };
    let mut buf = vec![0u8; head + 100 + tail - 1];
    let (mut off, mut len) = (0usize, 0usize);
    // SAFETY: buf valid for its length.
    let r = unsafe {
        iks_esp_seal(
            p.out,
            buf.as_mut_ptr(),
            buf.len(),
            head,
            100,
            4,
            0,
            &mut off,
            &mut len,
        )
    };
    assert_eq!(r, iks_result::IKS_ERR_BUFFER_TOO_SMALL);
    assert_eq!(len, head + 100 + tail);
    assert_eq!(off, 0, "the offset output is written only on success");
    // SAFETY: as above; an offset inside the headroom is refused.
    let r = unsafe {
        iks_esp_seal(
            p.out,
            buf.as_mut_ptr(),
            buf.len(),
            head - 1,
            10,
            4,
            0,
            &mut off,
            &mut len,
        )
    };
    assert_eq!(r, iks_result::IKS_ERR_INVALID_ARGUMENT);
}

#[test]
fn bad_configurations_are_refused_with_a_reason() {
    let mut out = ptr::null_mut();
    let key = key(24, 1);
    let cases = [
        (
            config(0, IKS_ESP_ENCR_3DES_CBC, IKS_ESP_AUTH_HMAC_SHA1_96),
            24,
            20,
            "SPI",
        ),
        (
            config(5, 99, IKS_ESP_AUTH_HMAC_SHA1_96),
            24,
            20,
            "encryption",
        ),
        (config(5, IKS_ESP_ENCR_3DES_CBC, 99), 24, 20, "integrity"),
        (
            config(5, IKS_ESP_ENCR_3DES_CBC, IKS_ESP_AUTH_HMAC_SHA1_96),
            16,
            20,
            "key",
        ),
        (
            config(5, IKS_ESP_ENCR_AES_GCM_128, IKS_ESP_AUTH_HMAC_SHA1_96),
            20,
            20,
            "",
        ),
    ];
    for (cfg, ek, ak, word) in cases {
        let auth = [2u8; 20];
        // SAFETY: valid pointers and lengths.
        let r =
            unsafe { iks_esp_outbound_new(&cfg, key.as_ptr(), ek, auth.as_ptr(), ak, 0, &mut out) };
        assert_eq!(r, iks_result::IKS_ERR_INVALID_ARGUMENT, "{word}");
        assert!(out.is_null(), "no handle on failure");
        assert!(last_error().contains(word), "{word}: {}", last_error());
    }
    let mut cfg = config(5, IKS_ESP_ENCR_3DES_CBC, IKS_ESP_AUTH_HMAC_SHA1_96);
    cfg.reserved[3] = 1;
    let auth = [2u8; 20];
    // SAFETY: valid pointers and lengths.
    let r = unsafe { iks_esp_outbound_new(&cfg, key.as_ptr(), 24, auth.as_ptr(), 20, 0, &mut out) };
    assert_eq!(r, iks_result::IKS_ERR_INVALID_ARGUMENT);
    cfg.reserved[3] = 0;
    cfg.mode = 9;
    // SAFETY: valid pointers and lengths.
    let r = unsafe { iks_esp_outbound_new(&cfg, key.as_ptr(), 24, auth.as_ptr(), 20, 0, &mut out) };
    assert_eq!(r, iks_result::IKS_ERR_INVALID_ARGUMENT);
}

#[test]
fn every_pointer_argument_may_be_null_without_harm() {
    use iks_result::IKS_ERR_NULL_POINTER as NULL;
    let cfg = config(0x79, IKS_ESP_ENCR_3DES_CBC, IKS_ESP_AUTH_HMAC_SHA1_96);
    let p = pair(&cfg, &key(24, 7), &key(20, 9));
    let key = key(24, 1);
    let mut buf = [0u8; 256];
    let (mut a, mut b, mut nh, mut ev) = (0usize, 0usize, 0u8, 0u32);
    let mut counters = iks_esp_counters::default();
    let mut out = ptr::null_mut();
    let mut inb = ptr::null_mut();
    // SAFETY: every call passes NULL where it is tested and valid pointers elsewhere.
    unsafe {
        assert_eq!(iks_esp_sa_config_init(ptr::null_mut()), NULL);
        assert_eq!(
            iks_esp_outbound_new(ptr::null(), key.as_ptr(), 24, key.as_ptr(), 20, 0, &mut out),
            NULL
        );
        assert_eq!(
            iks_esp_outbound_new(&cfg, ptr::null(), 24, key.as_ptr(), 20, 0, &mut out),
            NULL
        );
        assert_eq!(
            iks_esp_outbound_new(&cfg, key.as_ptr(), 24, ptr::null(), 20, 0, &mut out),
            NULL
        );
        assert_eq!(
            iks_esp_outbound_new(&cfg, key.as_ptr(), 24, key.as_ptr(), 20, 0, ptr::null_mut()),
            NULL
        );
        assert_eq!(
            iks_esp_inbound_new(ptr::null(), key.as_ptr(), 24, key.as_ptr(), 20, 0, &mut inb),
            NULL
        );
        assert_eq!(
            iks_esp_inbound_new(&cfg, key.as_ptr(), 24, key.as_ptr(), 20, 0, ptr::null_mut()),
            NULL
        );
        assert!(out.is_null() && inb.is_null());
        assert_eq!(iks_esp_outbound_room(ptr::null(), 1, &mut a, &mut b), NULL);
        assert_eq!(
            iks_esp_outbound_room(p.out, 1, ptr::null_mut(), &mut b),
            NULL
        );
        assert_eq!(
            iks_esp_outbound_room(p.out, 1, &mut a, ptr::null_mut()),
            NULL
        );
        assert_eq!(
            iks_esp_seal(
                ptr::null_mut(),
                buf.as_mut_ptr(),
                256,
                64,
                8,
                4,
                0,
                &mut a,
                &mut b
            ),
            NULL
        );
        assert_eq!(
            iks_esp_seal(p.out, ptr::null_mut(), 256, 64, 8, 4, 0, &mut a, &mut b),
            NULL
        );
        assert_eq!(
            iks_esp_seal(
                p.out,
                buf.as_mut_ptr(),
                256,
                64,
                8,
                4,
                0,
                ptr::null_mut(),
                &mut b
            ),
            NULL
        );
        assert_eq!(
            iks_esp_seal(
                p.out,
                buf.as_mut_ptr(),
                256,
                64,
                8,
                4,
                0,
                &mut a,
                ptr::null_mut()
            ),
            NULL
        );
        assert_eq!(
            iks_esp_open(
                ptr::null_mut(),
                buf.as_mut_ptr(),
                256,
                0,
                &mut a,
                &mut b,
                &mut nh
            ),
            NULL
        );
        assert_eq!(
            iks_esp_open(p.inb, ptr::null_mut(), 256, 0, &mut a, &mut b, &mut nh),
            NULL
        );
        assert_eq!(
            iks_esp_open(
                p.inb,
                buf.as_mut_ptr(),
                256,
                0,
                ptr::null_mut(),
                &mut b,
                &mut nh
            ),
            NULL
        );
        assert_eq!(
            iks_esp_open(
                p.inb,
                buf.as_mut_ptr(),
                256,
                0,
                &mut a,
                ptr::null_mut(),
                &mut nh
            ),
            NULL
        );
        assert_eq!(
            iks_esp_open(
                p.inb,
                buf.as_mut_ptr(),
                256,
                0,
                &mut a,
                &mut b,
                ptr::null_mut()
            ),
            NULL
        );
        assert_eq!(iks_esp_outbound_counters(ptr::null(), &mut counters), NULL);
        assert_eq!(iks_esp_outbound_counters(p.out, ptr::null_mut()), NULL);
        assert_eq!(iks_esp_inbound_counters(ptr::null(), &mut counters), NULL);
        assert_eq!(iks_esp_inbound_counters(p.inb, ptr::null_mut()), NULL);
        assert_eq!(
            iks_esp_outbound_poll_event(ptr::null_mut(), 0, &mut ev),
            NULL
        );
        assert_eq!(iks_esp_outbound_poll_event(p.out, 0, ptr::null_mut()), NULL);
        assert_eq!(
            iks_esp_inbound_poll_event(ptr::null_mut(), 0, &mut ev),
            NULL
        );
        assert_eq!(iks_esp_inbound_poll_event(p.inb, 0, ptr::null_mut()), NULL);
        iks_esp_outbound_free(ptr::null_mut());
        iks_esp_inbound_free(ptr::null_mut());
    }
    assert_eq!((a, b, nh, ev), (0, 0, 0, 0), "nothing written on failure");
}

#[test]
fn lifetimes_raise_soft_then_hard_events() {
    let mut cfg = config(0x7a, IKS_ESP_ENCR_AES_CBC_128, IKS_ESP_AUTH_HMAC_SHA1_96);
    cfg.lifetime_seconds = 100;
    let p = pair(&cfg, &key(16, 7), &key(20, 9));
    let mut ev = 0u32;
    // SAFETY: live handles, local output.
    unsafe {
        assert_eq!(
            iks_esp_outbound_poll_event(p.out, 50_000, &mut ev),
            iks_result::IKS_ERR_EMPTY
        );
        assert_eq!(
            iks_esp_outbound_poll_event(p.out, 90_000, &mut ev),
            iks_result::IKS_OK
        );
        assert_eq!(ev, IKS_ESP_EVENT_SOFT_TIME);
        assert_eq!(
            iks_esp_outbound_poll_event(p.out, 100_000, &mut ev),
            iks_result::IKS_OK
        );
        assert_eq!(ev, IKS_ESP_EVENT_HARD_TIME);
        assert_eq!(
            iks_esp_inbound_poll_event(p.inb, 100_000, &mut ev),
            iks_result::IKS_OK
        );
        assert_eq!(ev, IKS_ESP_EVENT_SOFT_TIME);
    }
    // An expired SA refuses to seal.
    let (mut head, mut tail) = (0usize, 0usize);
    // SAFETY: live handle, local outputs.
    unsafe { iks_esp_outbound_room(p.out, 8, &mut head, &mut tail) };
    let mut buf = vec![0u8; head + 8 + tail];
    let (mut off, mut len) = (0usize, 0usize);
    // SAFETY: buf valid for its length.
    let r = unsafe {
        iks_esp_seal(
            p.out,
            buf.as_mut_ptr(),
            buf.len(),
            head,
            8,
            4,
            100_000,
            &mut off,
            &mut len,
        )
    };
    assert_eq!(r, iks_result::IKS_ERR_REJECTED);
}

/// ESP buffers longer than a datagram (open) or a slice (seal) can be are
/// IKS_ERR_INVALID_ARGUMENT, not an abort.
#[test]
fn lengths_no_call_can_mean_are_invalid_arguments() {
    let cfg = config(0x1000, IKS_ESP_ENCR_AES_CBC_128, IKS_ESP_AUTH_HMAC_SHA1_96);
    let p = pair(&cfg, &key(16, 1), &key(20, 2));
    let mut buf = [0u8; 64];
    let (mut off, mut len, mut nh) = (0usize, 0usize, 0u8);
    // SAFETY: valid handles and outputs; the lengths are refused before the
    // buffer is touched.
    unsafe {
        let r = iks_esp_open(
            p.inb,
            buf.as_mut_ptr(),
            usize::MAX,
            0,
            &mut off,
            &mut len,
            &mut nh,
        );
        assert_eq!(r, iks_result::IKS_ERR_INVALID_ARGUMENT);
        assert!(last_error().contains("buf_len"), "{}", last_error());
        let r = iks_esp_seal(
            p.out,
            buf.as_mut_ptr(),
            usize::MAX,
            64,
            20,
            4,
            0,
            &mut off,
            &mut len,
        );
        assert_eq!(r, iks_result::IKS_ERR_INVALID_ARGUMENT);
        let mut out = ptr::null_mut();
        let k = key(16, 1);
        let r = iks_esp_outbound_new(&cfg, k.as_ptr(), usize::MAX, k.as_ptr(), 20, 0, &mut out);
        assert_eq!(r, iks_result::IKS_ERR_INVALID_ARGUMENT);
        assert!(out.is_null());
    }
}
