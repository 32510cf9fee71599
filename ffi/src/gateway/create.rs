//! Creating and freeing a gateway: the options struct's defaults, the
//! checks on what C filled in, and the configuration's errors as C sees
//! them.

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::slice;

use esp_core::spd::Fallback;
use getrandom::SysRng;
use getrandom::rand_core::UnwrapErr;
use ike_policy::{Gateway, GatewayError, GatewayOptions};

use super::{clamp, iks_config_error, iks_gateway, iks_gateway_options, invalid};
use crate::boundary::{FfiError, MAX_BUFFER, check_len, guard};
use crate::result::iks_result;

pub(super) fn defaults() -> iks_gateway_options {
    let d = GatewayOptions::default();
    iks_gateway_options {
        outside_addr: 0,
        ike_port: d.ike_port,
        natt_port: d.natt_port,
        force_udp_encapsulation: d.force_udp_encapsulation,
        discard_unprotected: d.unprotected == Fallback::Discard,
        keylog: d.keylog,
        hold_queue_limit: u32::try_from(d.hold_queue_limit).unwrap_or(u32::MAX),
        replay_window: d.replay_window,
        reserved: [0; 8],
    }
}

pub(super) fn gateway_options(o: &iks_gateway_options) -> Result<GatewayOptions, FfiError> {
    if o.reserved.iter().any(|&r| r != 0) {
        return Err(invalid("reserved fields must be zero"));
    }
    if o.ike_port == 0 || o.natt_port == 0 || o.ike_port == o.natt_port {
        return Err(invalid(format!(
            "ike_port {} and natt_port {} must be distinct and not 0",
            o.ike_port, o.natt_port
        )));
    }
    Ok(GatewayOptions {
        outside_addr: (o.outside_addr != 0).then(|| Ipv4Addr::from(o.outside_addr)),
        ike_port: o.ike_port,
        natt_port: o.natt_port,
        force_udp_encapsulation: o.force_udp_encapsulation,
        hold_queue_limit: o.hold_queue_limit as usize,
        unprotected: if o.discard_unprotected {
            Fallback::Discard
        } else {
            Fallback::Bypass
        },
        replay_window: o.replay_window,
        keylog: o.keylog,
        ..GatewayOptions::default()
    })
}

/// The configuration error as code, text and position.
pub(super) fn config_error(error: &GatewayError) -> (FfiError, iks_config_error) {
    let position = match error {
        GatewayError::Config(e) => iks_config_error {
            line: clamp(e.line()),
            column: clamp(e.column()),
            reserved: [0; 2],
        },
        _ => iks_config_error::default(),
    };
    (
        FfiError::new(iks_result::IKS_ERR_CONFIG, error.to_string()),
        position,
    )
}

/// Where invalid UTF-8 starts, as a configuration error.
pub(super) fn utf8_error(text: &[u8], valid_up_to: usize) -> (FfiError, iks_config_error) {
    let before = &text[..valid_up_to];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    let text = format!("line {line}, column {column}: the configuration is not UTF-8 text");
    (
        FfiError::new(iks_result::IKS_ERR_CONFIG, text),
        iks_config_error {
            line: clamp(line),
            column: clamp(column),
            reserved: [0; 2],
        },
    )
}

/// Fills `*options` with the defaults: address from the configuration,
/// ports 500 and 4500, no forced encapsulation, unprotected packets given
/// back in clear, a hold queue of 64 packets, a replay window of 64.
///
/// # Safety
/// `options` must be NULL or valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_gateway_options_init(options: *mut iks_gateway_options) -> iks_result {
    guard(|| {
        if options.is_null() {
            return Err(FfiError::null("options"));
        }
        // SAFETY: non-null, and the caller promised it is valid for a write.
        unsafe { options.write(defaults()) };
        Ok(())
    })
}

/// Builds a gateway from IOS configuration text (`config_len` bytes of
/// UTF-8, no NUL needed) and writes the handle to `*out`. The outside
/// interface is the first one with `crypto map NAME`. Keys, nonces, cookies
/// and SPIs come from the operating system's random generator.
///
/// Text the parser rejects gives `IKS_ERR_CONFIG`, with "line L, column C:
/// ..." in `iks_last_error` and, when `error_out` is not NULL, the line and
/// column in `*error_out` (written only on `IKS_ERR_CONFIG`; `error_out` is
/// the one optional pointer).
///
/// # Safety
/// `config` valid for `config_len` bytes of reads; `options` valid for a
/// read; `error_out` NULL or valid for a write; `out` valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_gateway_new(
    config: *const u8,
    config_len: usize,
    options: *const iks_gateway_options,
    error_out: *mut iks_config_error,
    out: *mut *mut iks_gateway,
) -> iks_result {
    guard(|| {
        if out.is_null() {
            return Err(FfiError::null("out"));
        }
        if config.is_null() {
            return Err(FfiError::null("config"));
        }
        if options.is_null() {
            return Err(FfiError::null("options"));
        }
        check_len(config_len, MAX_BUFFER, "config")?;
        // SAFETY: non-null, within a slice's limit; the caller promised
        // config_len readable bytes.
        let raw = unsafe { slice::from_raw_parts(config, config_len) };
        // SAFETY: non-null; the caller promised a readable struct.
        let options = gateway_options(&unsafe { options.read() })?;
        let built = match std::str::from_utf8(raw) {
            Ok(text) => Gateway::from_ios(text, options, &mut UnwrapErr(SysRng))
                .map_err(|e| config_error(&e)),
            Err(e) => Err(utf8_error(raw, e.valid_up_to())),
        };
        let gateway = match built {
            Ok(g) => g,
            Err((error, position)) => {
                if !error_out.is_null() {
                    // SAFETY: non-null; the caller promised it is writable.
                    unsafe { error_out.write(position) };
                }
                return Err(error);
            }
        };
        let handle = Box::into_raw(Box::new(iks_gateway {
            gateway,
            xauth: HashMap::new(),
            transmit: None,
            keylog: None,
            inside: None,
            exec_text: None,
        }));
        // SAFETY: non-null; the caller promised it is writable.
        unsafe { out.write(handle) };
        Ok(())
    })
}

/// Frees a gateway (its keys are wiped). NULL is accepted and ignored.
/// Freeing the same handle twice is undefined behaviour: set your pointer
/// to NULL after freeing it.
///
/// # Safety
/// `gw` must be NULL or a handle from `iks_gateway_new` not freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_gateway_free(gw: *mut iks_gateway) {
    if !gw.is_null() {
        // SAFETY: the caller passes a live handle we allocated with Box.
        drop(unsafe { Box::from_raw(gw) });
    }
}
