//! The C ABI of rnuget: `extern "C"` functions over the safe `rnuget` library.
//!
//! This crate is the only place with `unsafe`. Its shape, one module per C object family and a few
//! plumbing modules:
//!
//! ```text
//! status.rs      rnuget_status: explicit, grouped, never reused numbers
//! error.rs       FfiError: a status plus the message, URL, HTTP status and source
//! last_error.rs  the per-thread last error and its rnuget_last_error_* accessors
//! boundary.rs    the one panic boundary every export runs in
//! args.rs        NULL checks and borrowing of C arguments (strings, arrays, handles)
//! handle.rs      boxing Rust values into opaque handles and freeing them
//! strings.rs     owned C strings handed out (rnuget_string_free)
//! buffer.rs      owned byte buffers handed out (rnuget_buffer_*)
//! json.rs        serializing results into owned JSON strings
//! version.rs     rnuget_version_*
//! range.rs       rnuget_range_*
//! options.rs     rnuget_client_options_*
//! client.rs      rnuget_client_* (versions, metadata, search)
//! autocomplete.rs rnuget_client_autocomplete_* (ids for a prefix, versions of an id)
//! download.rs    rnuget_client_download_*
//! cache.rs       cache settings, rnuget_client_with_context, rnuget_client_cache_*
//! resilience.rs  retry, circuit breaker and source limit settings; their statistics
//! observability.rs metrics text, health JSON, the process-wide log callback
//! ```
//!
//! Every export follows the same steps: NULL checks first, then the work inside
//! [`boundary::guard`], which turns an error or a panic into an [`rnuget_status`] and records the
//! per-thread last error.

// The C contract of each function (which pointers may be NULL, how long they must stay valid) is
// written in its doc comment, in the order the header uses; a separate `# Safety` section would
// repeat it in the header.
#![allow(clippy::missing_safety_doc)]
// Types exported to C keep their C names (`rnuget_version`), so the header and the code agree.
#![allow(non_camel_case_types)]

mod args;
mod autocomplete;
mod boundary;
mod buffer;
mod cache;
mod client;
#[cfg(test)]
mod doc_examples;
mod download;
mod error;
mod handle;
mod json;
mod last_error;
mod observability;
mod options;
mod range;
mod resilience;
mod status;
mod strings;
mod trace;
mod version;

pub use autocomplete::RNUGET_AUTOCOMPLETE_PRERELEASE;
pub use buffer::rnuget_buffer;
pub use client::{
    RNUGET_METADATA_INCLUDE_PRERELEASE, RNUGET_METADATA_INCLUDE_UNLISTED, RNUGET_SEARCH_PRERELEASE,
    RNUGET_SEARCH_SEMVER2, rnuget_client,
};
pub use observability::{rnuget_log_callback, rnuget_log_level};
pub use options::rnuget_client_options;
pub use range::rnuget_range;
pub use status::rnuget_status;
pub use version::{rnuget_version, rnuget_version_comparison};

use std::ffi::c_char;

/// The C ABI version this header describes. Compare it with `rnuget_abi_version()` at run time to
/// detect a library built from a different header.
pub const RNUGET_ABI_VERSION: u32 = 1;

/// Returns the version of the C ABI, bumped on any incompatible change (`RNUGET_ABI_VERSION`).
///
/// Ownership: a plain value. NULL: no pointers. Threads: callable from any thread; it does not
/// touch the last error.
#[unsafe(no_mangle)]
pub extern "C" fn rnuget_abi_version() -> u32 {
    boundary::guard_value(RNUGET_ABI_VERSION, || RNUGET_ABI_VERSION)
}

/// The library version, NUL-terminated, e.g. `"0.1.0"`.
const LIBRARY_VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");

/// Returns the version of the rnuget library as a NUL-terminated string such as `"0.1.0"`.
///
/// Ownership: the string is static and owned by the library; never free it.
/// NULL: never returns NULL.
/// Lifetime: valid for as long as the library is loaded.
/// Threads: callable from any thread; it does not touch the last error.
#[unsafe(no_mangle)]
pub extern "C" fn rnuget_library_version() -> *const c_char {
    boundary::guard_value(LIBRARY_VERSION, || LIBRARY_VERSION)
        .as_ptr()
        .cast()
}
