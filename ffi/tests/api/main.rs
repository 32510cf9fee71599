//! The C API as C sees it, one test binary: the ESP and Gateway functions
//! called through the exported symbols, Xauth driven from C callbacks, and
//! the generated header kept in sync (`header`).

mod common;
mod esp;
mod exec;
mod gateway;
mod gateway_caller_buffer;
mod header;
mod workers;
mod xauth;
