//! The log callback: the `log` facade's records, handed to C.
//!
//! The libraries log through the `log` crate, whose logger is one per
//! process. So the callback is process-wide, not per gateway: the first
//! call to [`iks_set_log_callback`] installs this library's logger, and
//! every later call only swaps the callback, its userdata and the level.
//! If the process already has another `log` logger (a Rust program that
//! also links this library), registration fails with
//! `IKS_ERR_INVALID_ARGUMENT` and that logger keeps receiving the records.

use std::ffi::{CString, c_char, c_void};
use std::sync::RwLock;

use log::{Level, LevelFilter, Log, Metadata, Record};

use crate::boundary::{FfiError, guard};
use crate::result::iks_result;

/// Logging off.
pub const IKS_LOG_OFF: u32 = 0;
/// Errors only.
pub const IKS_LOG_ERROR: u32 = 1;
/// Warnings and errors.
pub const IKS_LOG_WARN: u32 = 2;
/// Informational messages and above.
pub const IKS_LOG_INFO: u32 = 3;
/// The negotiation in IOS's debug vocabulary (`IKE_R_MM1` ...) and above.
pub const IKS_LOG_DEBUG: u32 = 4;
/// Everything.
pub const IKS_LOG_TRACE: u32 = 5;

/// Receives one log record: `level` is one of `IKS_LOG_ERROR` ..
/// `IKS_LOG_TRACE`, `target` who logged (`"ikesuite"` for a gateway's
/// lines, a Rust module path such as `"ike_proto::exchange::msg"` for the
/// rest), `message` the text. Both strings are
/// NUL-terminated and valid only during the call.
pub type iks_log_callback = Option<
    unsafe extern "C" fn(
        userdata: *mut c_void,
        level: u32,
        target: *const c_char,
        message: *const c_char,
    ),
>;

/// The registered callback; userdata is kept as an address so the slot is
/// `Sync` (the C side promised it may be used from any thread).
#[derive(Clone, Copy)]
struct Sink {
    callback: unsafe extern "C" fn(*mut c_void, u32, *const c_char, *const c_char),
    userdata: usize,
}

static SINK: RwLock<Option<Sink>> = RwLock::new(None);

struct CallbackLogger;

static LOGGER: CallbackLogger = CallbackLogger;

fn level_code(level: Level) -> u32 {
    match level {
        Level::Error => IKS_LOG_ERROR,
        Level::Warn => IKS_LOG_WARN,
        Level::Info => IKS_LOG_INFO,
        Level::Debug => IKS_LOG_DEBUG,
        Level::Trace => IKS_LOG_TRACE,
    }
}

fn level_filter(code: u32) -> Option<LevelFilter> {
    Some(match code {
        IKS_LOG_OFF => LevelFilter::Off,
        IKS_LOG_ERROR => LevelFilter::Error,
        IKS_LOG_WARN => LevelFilter::Warn,
        IKS_LOG_INFO => LevelFilter::Info,
        IKS_LOG_DEBUG => LevelFilter::Debug,
        IKS_LOG_TRACE => LevelFilter::Trace,
        _ => return None,
    })
}

/// A C string from Rust text; an interior NUL (never expected) becomes a
/// space rather than cutting the line short.
fn c_text(text: &str) -> CString {
    CString::new(text.replace('\0', " ")).unwrap_or_default()
}

impl Log for CallbackLogger {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        // The level is enforced by `log::set_max_level`.
        true
    }

    fn log(&self, record: &Record<'_>) {
        // A poisoned lock only means a panic elsewhere while swapping; the
        // stored value is still a whole `Option<Sink>`.
        let sink = *SINK.read().unwrap_or_else(|p| p.into_inner());
        let Some(sink) = sink else { return };
        let target = c_text(record.target());
        let message = c_text(&record.args().to_string());
        // SAFETY: the callback and userdata were registered together by the
        // C caller, who promised the callback may be called from any thread
        // with that userdata until it is replaced; the strings live until
        // the call returns.
        unsafe {
            (sink.callback)(
                sink.userdata as *mut c_void,
                level_code(record.level()),
                target.as_ptr(),
                message.as_ptr(),
            )
        };
    }

    fn flush(&self) {}
}

/// Routes the library's log records to `callback(userdata, level, target,
/// message)` for every record at `level` (`IKS_LOG_*`) or more severe.
/// A NULL `callback` (or `IKS_LOG_OFF`) stops logging.
///
/// This is process-wide, for every gateway: the `log` crate has one logger
/// per process. The callback runs on whichever thread is inside an `iks_`
/// call, possibly several at once, so it must be thread-safe. Once this
/// function returns, the previous callback is never called again, so its
/// userdata may be freed. The callback must not call back into the library
/// (the registration is held while it runs). Fails with
/// `IKS_ERR_INVALID_ARGUMENT` for an unknown level, or when another `log`
/// logger owns the process.
///
/// # Safety
/// `callback`, when not NULL, must be safe to call with `userdata` from
/// any thread until it is replaced.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_set_log_callback(
    callback: iks_log_callback,
    userdata: *mut c_void,
    level: u32,
) -> iks_result {
    guard(|| {
        let filter = level_filter(level).ok_or_else(|| {
            FfiError::new(
                iks_result::IKS_ERR_INVALID_ARGUMENT,
                format!("unknown log level {level}"),
            )
        })?;
        let sink = callback.map(|callback| Sink {
            callback,
            userdata: userdata as usize,
        });
        // Install ours once; a second call fails harmlessly when it is
        // already ours, so tell that apart from a foreign logger.
        if log::set_logger(&LOGGER).is_err() && !std::ptr::addr_eq(log::logger(), &LOGGER) {
            return Err(FfiError::new(
                iks_result::IKS_ERR_INVALID_ARGUMENT,
                "another logger already owns the process's `log` facade",
            ));
        }
        *SINK.write().unwrap_or_else(|p| p.into_inner()) = sink;
        log::set_max_level(if sink.is_some() {
            filter
        } else {
            LevelFilter::Off
        });
        Ok(())
    })
}
