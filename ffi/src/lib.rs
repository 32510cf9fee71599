//! The stable C ABI of ikesuite.
//!
//! Every symbol, type and constant carries the `iks_` prefix. Handles are
//! opaque; every entry point checks its pointers, catches panics and returns
//! an [`iks_result`]; outputs are written only on success; buffers are
//! pointer + length and belong to the caller. The header `include/ikesuite.h`
//! is generated from this crate by cbindgen and checked by a test.
//!
//! * [`gateway`]: the whole Gateway (IOS configuration, IKE, ESP, show
//!   views) driven by the caller's sockets and clock: `iks_gateway_*`.
//! * [`esp`]: the ESP data plane alone, for SAs keyed elsewhere:
//!   `iks_esp_*`.
//! * [`logging`]: the process-wide log callback, `iks_set_log_callback`.
//! * `iks_last_error`, `iks_version`, `iks_version_number`.
//!
//! The README's "C API conventions" section and `examples/c/` show the C
//! side.

#![allow(non_camel_case_types)]

mod boundary;
pub mod esp;
pub mod gateway;
pub mod logging;
mod result;
mod version;

pub use boundary::iks_last_error;
pub use result::iks_result;
pub use version::{iks_version, iks_version_number};
