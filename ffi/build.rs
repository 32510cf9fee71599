//! Gives the shared library the SONAME distributions expect,
//! `libikesuite.so.<ABI_MAJOR>`, so programs linked against it record the
//! ABI they were built for rather than an unversioned file name. The
//! top-level Makefile installs the library under this same name.

/// The C ABI's major version: raised only when the ABI breaks (see the
/// README's semver policy), independently of the crate version.
const ABI_MAJOR: u32 = 0;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let family = std::env::var("CARGO_CFG_TARGET_FAMILY").unwrap_or_default();
    let vendor = std::env::var("CARGO_CFG_TARGET_VENDOR").unwrap_or_default();
    // ELF platforms; Apple's linker names libraries with -install_name.
    if family.split(',').any(|f| f == "unix") && vendor != "apple" {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libikesuite.so.{ABI_MAJOR}");
    }
}
