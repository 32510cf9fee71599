//! The committed header must be exactly what cbindgen generates from the
//! crate today: a public extern function changed without regenerating the
//! header fails here, with the diff.

use std::path::PathBuf;

fn generate() -> String {
    let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .expect("ffi/cbindgen.toml is readable");
    let bindings = cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen parses the ffi crate");
    let mut out = Vec::new();
    bindings.write(&mut out);
    String::from_utf8(out).expect("cbindgen writes UTF-8")
}

fn line_diff(old: &str, new: &str) -> String {
    let (old, new): (Vec<_>, Vec<_>) = (old.lines().collect(), new.lines().collect());
    let mut diff = String::new();
    for i in 0..old.len().max(new.len()) {
        match (old.get(i), new.get(i)) {
            (Some(a), Some(b)) if a == b => {}
            (a, b) => {
                if let Some(a) = a {
                    diff.push_str(&format!("{:>5} - {a}\n", i + 1));
                }
                if let Some(b) = b {
                    diff.push_str(&format!("{:>5} + {b}\n", i + 1));
                }
            }
        }
    }
    diff
}

#[test]
fn committed_header_is_current() {
    // The package's copy; in the repository a link to include/ikesuite.h,
    // so blessing writes the workspace's one header.
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("include/ikesuite.h");
    let fresh = generate();
    if std::env::var_os("IKS_BLESS").is_some() {
        std::fs::write(&path, &fresh).expect("include/ikesuite.h is writable");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "include/ikesuite.h is stale; regenerate it with \
         `IKS_BLESS=1 cargo test -p ikesuite-ffi --test api header`.\n{}",
        line_diff(&committed, &fresh)
    );
}
