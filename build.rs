//! Regenerates `include/rnuget.h` from the C ABI crate in `ffi/` with cbindgen.
//!
//! On a developer machine the header is rewritten whenever it is out of date, so a commit always
//! carries a fresh one. Under CI (`CI` set) the committed header is left alone and the header test
//! fails on any difference, so a stale header cannot land.

use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=ffi/src");
    println!("cargo:rerun-if-changed=ffi/cbindgen.toml");
    println!("cargo:rerun-if-env-changed=CI");

    let root = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let ffi_dir = Path::new(&root).join("ffi");
    let header_path = Path::new(&root).join("include").join("rnuget.h");
    if std::env::var_os("CI").is_some() || !ffi_dir.join("cbindgen.toml").exists() {
        return;
    }

    let config = match cbindgen::Config::from_file(ffi_dir.join("cbindgen.toml")) {
        Ok(config) => config,
        Err(err) => {
            println!("cargo:warning=cannot read ffi/cbindgen.toml: {err}");
            return;
        }
    };
    let bindings = match cbindgen::generate_with_config(&ffi_dir, config) {
        Ok(bindings) => bindings,
        Err(err) => {
            println!("cargo:warning=cbindgen could not generate include/rnuget.h: {err}");
            return;
        }
    };
    let mut fresh = Vec::new();
    bindings.write(&mut fresh);
    if std::fs::read(&header_path).ok().as_deref() != Some(fresh.as_slice()) {
        if let Err(err) = std::fs::write(&header_path, &fresh) {
            println!("cargo:warning=cannot write include/rnuget.h: {err}");
        }
    }
}
