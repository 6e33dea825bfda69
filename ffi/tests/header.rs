//! The committed `include/rnuget.h` must be exactly what cbindgen generates from `ffi/src` now.
//!
//! `build.rs` rewrites the header on every developer build, so this fails only when a stale
//! header was committed, or under CI (`CI` set), where `build.rs` leaves the file alone.

use std::path::Path;

#[test]
fn committed_header_matches_cbindgen_output() {
    let ffi_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let header_path = ffi_dir.join("..").join("include").join("rnuget.h");
    let config = cbindgen::Config::from_file(ffi_dir.join("cbindgen.toml"))
        .expect("ffi/cbindgen.toml is readable");
    let bindings =
        cbindgen::generate_with_config(ffi_dir, config).expect("cbindgen can parse ffi/src");
    let mut fresh = Vec::new();
    bindings.write(&mut fresh);
    let fresh = String::from_utf8(fresh).expect("cbindgen writes UTF-8");

    let committed = std::fs::read_to_string(&header_path)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", header_path.display()));
    if committed != fresh {
        let first_difference = committed
            .lines()
            .zip(fresh.lines())
            .position(|(old, new)| old != new)
            .unwrap_or(committed.lines().count().min(fresh.lines().count()));
        panic!(
            "include/rnuget.h is out of date (first difference at line {}).\n\
             Refresh it with `cargo build -p rnuget-ffi` (without CI set; build.rs rewrites it) \
             and commit the result.\n--- committed: {:?}\n+++ generated: {:?}",
            first_difference + 1,
            committed
                .lines()
                .nth(first_difference)
                .unwrap_or("<end of file>"),
            fresh
                .lines()
                .nth(first_difference)
                .unwrap_or("<end of file>"),
        );
    }
}
