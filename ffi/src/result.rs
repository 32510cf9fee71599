//! The numbered result codes. A number, once given, is never reused.

/// The result of every fallible `iks_` call.
///
/// The numbers are part of the ABI: new codes get new numbers, old numbers
/// keep their meaning forever.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum iks_result {
    /// Success.
    IKS_OK = 0,
    /// A required pointer argument was NULL.
    IKS_ERR_NULL_POINTER = 1,
    /// An argument was out of its allowed range or otherwise invalid.
    IKS_ERR_INVALID_ARGUMENT = 2,
    /// The caller's buffer is too small; the needed size was written to the
    /// call's size output where it has one.
    IKS_ERR_BUFFER_TOO_SMALL = 3,
    /// The library panicked; the handle involved must not be used again.
    IKS_ERR_PANIC = 4,
    /// Configuration text was rejected (see `iks_last_error`).
    IKS_ERR_CONFIG = 5,
    /// A cryptographic or protocol check failed on the data given.
    IKS_ERR_REJECTED = 6,
    /// There is nothing to take right now (an empty output queue).
    IKS_ERR_EMPTY = 7,
}
