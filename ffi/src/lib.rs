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
//! side; installed, the library is found with `pkg-config --cflags --libs
//! ikesuite`.
//!
//! # Example: a hub from its IOS text, through the C ABI
//!
//! The same calls a C program makes (`iks_gateway_options_init`,
//! `iks_gateway_new`, `iks_gateway_show`, `iks_gateway_free`), here from
//! Rust:
//!
//! ```
//! use ikesuite::gateway::{
//!     iks_config_error, iks_gateway, iks_gateway_free, iks_gateway_new, iks_gateway_options,
//!     iks_gateway_options_init, iks_gateway_show,
//! };
//! use ikesuite::iks_result;
//!
//! let hub = "crypto keyring spokes\n pre-shared-key address 0.0.0.0 0.0.0.0 key cisco123\n\
//!            crypto isakmp policy 10\n encr 3des\n authentication pre-share\n group 2\n\
//!            crypto ipsec transform-set myset esp-3des esp-sha-hmac\n\
//!            crypto dynamic-map dynmap 10\n set transform-set myset\n\
//!            crypto map mymap 10 ipsec-isakmp dynamic dynmap\n\
//!            interface FastEthernet0/0\n ip address 192.0.2.1 255.255.255.0\n crypto map mymap\n";
//! let mut options = std::mem::MaybeUninit::<iks_gateway_options>::uninit();
//! let mut gw: *mut iks_gateway = std::ptr::null_mut();
//! let mut error = std::mem::MaybeUninit::<iks_config_error>::uninit();
//! // SAFETY: valid pointers and lengths, as the header documents.
//! unsafe {
//!     assert_eq!(iks_gateway_options_init(options.as_mut_ptr()), iks_result::IKS_OK);
//!     let r = iks_gateway_new(hub.as_ptr(), hub.len(), options.as_ptr(), error.as_mut_ptr(), &mut gw);
//!     assert_eq!(r, iks_result::IKS_OK);
//!     let (cmd, mut buf, mut len) = ("show crypto map", [0u8; 1024], 0usize);
//!     let r = iks_gateway_show(gw, cmd.as_ptr(), cmd.len(), 0, buf.as_mut_ptr(), buf.len(), &mut len);
//!     assert_eq!(r, iks_result::IKS_OK);
//!     let text = std::str::from_utf8(&buf[..len]).unwrap();
//!     assert!(text.contains("Crypto Map \"mymap\" 10 ipsec-isakmp"), "{text}");
//!     iks_gateway_free(gw);
//! }
//! ```

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
