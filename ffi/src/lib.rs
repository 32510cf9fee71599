//! The stable C ABI of ikesuite.
//!
//! Every symbol, type and constant carries the `iks_` prefix. Handles are
//! opaque; every entry point checks its pointers, catches panics and returns
//! an [`iks_result`]; outputs are written only on success; buffers are
//! pointer + length and belong to the caller. The header `include/ikesuite.h`
//! is generated from this crate by cbindgen and checked by a test.

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
