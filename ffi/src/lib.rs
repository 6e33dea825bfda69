//! The C ABI of rnuget. TODO(skeleton): filled in by the C ABI work.

/// The version of the C ABI; bumped on any incompatible change.
#[unsafe(no_mangle)]
pub extern "C" fn rnuget_abi_version() -> u32 {
    1
}
