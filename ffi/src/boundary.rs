//! The panic boundary and the last-error text.
//!
//! Every entry point runs its body through [`guard`], which turns a panic
//! into [`iks_result::IKS_ERR_PANIC`] and records the error's text for
//! [`iks_last_error`]. The text is per thread, so concurrent callers on
//! different threads never see each other's errors.

use std::cell::RefCell;
use std::ffi::c_char;
use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::result::iks_result;

thread_local! {
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

/// An error on its way to C: the code and the text `iks_last_error` gives.
#[derive(Debug)]
pub(crate) struct FfiError {
    pub(crate) code: iks_result,
    pub(crate) text: String,
}

impl FfiError {
    pub(crate) fn new(code: iks_result, text: impl Into<String>) -> Self {
        Self {
            code,
            text: text.into(),
        }
    }

    pub(crate) fn null(argument: &str) -> Self {
        Self::new(
            iks_result::IKS_ERR_NULL_POINTER,
            format!("{argument} is NULL"),
        )
    }
}

/// The most bytes a datagram, an inside packet or an ESP packet can have
/// (the IPv4 total length): a longer length cannot describe one.
pub(crate) const MAX_DATAGRAM: usize = 65_535;

/// The most bytes any buffer may span: a Rust slice longer than
/// `isize::MAX` bytes is undefined behaviour, so a C length above it is a
/// caller's error, never a slice.
pub(crate) const MAX_BUFFER: usize = isize::MAX.unsigned_abs();

/// `IKS_ERR_INVALID_ARGUMENT` when `len` is above what `what` can mean.
pub(crate) fn check_len(len: usize, max: usize, what: &str) -> Result<(), FfiError> {
    if len > max {
        return Err(FfiError::new(
            iks_result::IKS_ERR_INVALID_ARGUMENT,
            format!("{what}: a length of {len} bytes, at most {max} can mean anything"),
        ));
    }
    Ok(())
}

/// Reads `len` bytes at `ptr` (at most `max`); a zero length may come with
/// a NULL pointer.
///
/// # Safety
/// `ptr` must be valid for `len` bytes of reads when `len > 0`.
pub(crate) unsafe fn bytes<'a>(
    ptr: *const u8,
    len: usize,
    max: usize,
    what: &str,
) -> Result<&'a [u8], FfiError> {
    check_len(len, max, what)?;
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(FfiError::null(what));
    }
    // SAFETY: non-null; the caller promised `len` readable bytes.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

fn set_last_error(text: String) {
    LAST_ERROR.with(|slot| *slot.borrow_mut() = text);
}

/// Runs `body`, catching panics, and records the error text on failure.
pub(crate) fn guard(body: impl FnOnce() -> Result<(), FfiError>) -> iks_result {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => iks_result::IKS_OK,
        Ok(Err(error)) => {
            set_last_error(error.text);
            error.code
        }
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_owned());
            set_last_error(format!("internal panic: {what}"));
            iks_result::IKS_ERR_PANIC
        }
    }
}

/// Copies the text of the last error on this thread, NUL-terminated, into
/// `buf` of `buf_len` bytes and writes its length (without the NUL) to
/// `*out_len`.
///
/// Returns `IKS_ERR_BUFFER_TOO_SMALL` with the needed length (without the
/// NUL) in `*out_len` when the text and its NUL do not fit; `buf` is then
/// left untouched. An empty text means no error was recorded.
///
/// # Safety
/// `buf` must be valid for `buf_len` bytes of writes and `out_len` for one
/// `size_t` write. A NULL for either gives `IKS_ERR_NULL_POINTER` and
/// writes nothing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iks_last_error(
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> iks_result {
    let text = LAST_ERROR.with(|slot| slot.borrow().clone());
    catch_unwind(|| {
        if out_len.is_null() || buf.is_null() {
            return iks_result::IKS_ERR_NULL_POINTER;
        }
        if text.len() + 1 > buf_len {
            // SAFETY: out_len is non-null and the caller promised it is writable.
            unsafe { out_len.write(text.len()) };
            return iks_result::IKS_ERR_BUFFER_TOO_SMALL;
        }
        // SAFETY: buf is non-null and valid for buf_len >= text.len() + 1 bytes.
        let out = unsafe { std::slice::from_raw_parts_mut(buf.cast::<u8>(), buf_len) };
        out[..text.len()].copy_from_slice(text.as_bytes());
        out[text.len()] = 0;
        // SAFETY: checked non-null above; the caller promised it is writable.
        unsafe { out_len.write(text.len()) };
        iks_result::IKS_OK
    })
    .unwrap_or(iks_result::IKS_ERR_PANIC)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn last_error() -> String {
        let mut buf = [0 as c_char; 256];
        let mut len = 0usize;
        // SAFETY: buf and len are valid locals.
        let r = unsafe { iks_last_error(buf.as_mut_ptr(), buf.len(), &mut len) };
        assert_eq!(r, iks_result::IKS_OK);
        assert_eq!(buf[len], 0);
        String::from_utf8(buf[..len].iter().map(|&c| c as u8).collect()).unwrap()
    }

    #[test]
    fn a_panic_becomes_a_code_and_a_text() {
        let r = guard(|| panic!("boom"));
        assert_eq!(r, iks_result::IKS_ERR_PANIC);
        assert_eq!(last_error(), "internal panic: boom");
    }

    #[test]
    fn an_error_keeps_its_code_and_text() {
        let r = guard(|| Err(FfiError::null("config")));
        assert_eq!(r, iks_result::IKS_ERR_NULL_POINTER);
        assert_eq!(last_error(), "config is NULL");
        assert_eq!(guard(|| Ok(())), iks_result::IKS_OK);
    }

    #[test]
    fn short_buffer_reports_the_needed_size_and_writes_nothing() {
        let _ = guard(|| Err(FfiError::new(iks_result::IKS_ERR_CONFIG, "0123456789")));
        let mut buf = [0x2A as c_char; 10];
        let mut len = 0usize;
        // SAFETY: buf and len are valid locals.
        let r = unsafe { iks_last_error(buf.as_mut_ptr(), buf.len(), &mut len) };
        assert_eq!(r, iks_result::IKS_ERR_BUFFER_TOO_SMALL);
        assert_eq!(len, 10);
        assert!(buf.iter().all(|&b| b == 0x2A));
    }

    #[test]
    fn null_pointers_are_refused() {
        let mut len = 7usize;
        // SAFETY: NULL pointers are part of the contract being tested.
        let r = unsafe { iks_last_error(std::ptr::null_mut(), 0, std::ptr::null_mut()) };
        assert_eq!(r, iks_result::IKS_ERR_NULL_POINTER);
        // SAFETY: as above; len is a valid local.
        let r = unsafe { iks_last_error(std::ptr::null_mut(), 0, &mut len) };
        assert_eq!(r, iks_result::IKS_ERR_NULL_POINTER);
    }
}
