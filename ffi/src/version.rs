//! The library's version, from Cargo's package version.

use std::ffi::c_char;

/// The version as a NUL-terminated string such as `"0.1.0"`. The pointer is
/// static: never free it.
#[unsafe(no_mangle)]
pub extern "C" fn iks_version() -> *const c_char {
    const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");
    VERSION.as_ptr().cast()
}

/// The version as one number, `major * 1_000_000 + minor * 1_000 + patch`,
/// so that C code can compare versions with `<`.
#[unsafe(no_mangle)]
pub extern "C" fn iks_version_number() -> u32 {
    version_number(
        env!("CARGO_PKG_VERSION_MAJOR"),
        env!("CARGO_PKG_VERSION_MINOR"),
        env!("CARGO_PKG_VERSION_PATCH"),
    )
}

fn version_number(major: &str, minor: &str, patch: &str) -> u32 {
    let part = |s: &str| s.parse::<u32>().unwrap_or(0);
    part(major) * 1_000_000 + part(minor) * 1_000 + part(patch)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn string_and_number_agree_with_cargo() {
        // SAFETY: iks_version returns a static NUL-terminated string.
        let text = unsafe { CStr::from_ptr(iks_version()) }.to_str().unwrap();
        assert_eq!(text, env!("CARGO_PKG_VERSION"));
        let mut parts = text.split('.').map(|p| p.parse::<u32>().unwrap());
        let (a, b, c) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        assert_eq!(iks_version_number(), a * 1_000_000 + b * 1_000 + c);
        assert_eq!(version_number("1", "2", "3"), 1_002_003);
    }
}
