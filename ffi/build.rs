//! Tells the C tests (`tests/c.rs`) which target they build C programs for, so that the `cc`
//! crate picks the same compiler and flags a build script would.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let target = std::env::var("TARGET").expect("cargo sets TARGET for build scripts");
    println!("cargo:rustc-env=RNUGET_FFI_TARGET={target}");
}
