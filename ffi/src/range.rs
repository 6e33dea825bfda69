//! `rnuget_range_*`: NuGet version ranges as handles, `satisfies` and best-match selection.

use std::ffi::c_char;

use rnuget::version::{NuGetVersion, VersionRange};

use crate::args;
use crate::boundary::{guard, guard_value};
use crate::error::FfiError;
use crate::handle;
use crate::status::rnuget_status;
use crate::strings::into_owned_c_string;
use crate::version::rnuget_version;

/// A parsed NuGet version range, possibly floating. Create it with `rnuget_range_parse`, release
/// it with `rnuget_range_free`. Immutable: any thread may use it at once.
pub struct rnuget_range(VersionRange);

const _: () = handle::assert_thread_safe::<rnuget_range>();

/// Parses `input` as a NuGet version range, floating ranges allowed
/// (`VersionRange.TryParse(s, allowFloating: true)`): `"1.0"` (at least 1.0), `"[1.0]"`,
/// `"[1.0, 2.0)"`, `"(, 3.0]"`, `"1.*"`, `"1.0.0-*"`, `"*-*"`, ...
///
/// Ownership: on success `*out` receives a new handle; release it with `rnuget_range_free`.
/// NULL: `input` or `out` NULL gives `RNUGET_ERR_NULL_ARGUMENT`; on any failure `*out` is NULL.
/// Errors: `RNUGET_ERR_INVALID_UTF8`, `RNUGET_ERR_INVALID_RANGE` (the message quotes `input`).
/// Lifetime: `input` is read during the call only.
/// Threads: callable from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rnuget_range_parse(
    input: *const c_char,
    out: *mut *mut rnuget_range,
) -> rnuget_status {
    guard("rnuget_range_parse", || {
        // SAFETY: `out` is NULL or writable, `input` NULL or a C string, per the contract above.
        let (out, input) = unsafe { (args::out_ptr(out, "out")?, args::text(input, "input")?) };
        *out = handle::into_raw(rnuget_range(VersionRange::parse(input)?));
        Ok(())
    })
}

/// Frees a range handle.
///
/// Ownership: takes back ownership; `range` must not be used afterwards.
/// NULL: `range` may be NULL; nothing happens. So does a pointer that is not a live range
/// (one freed already, unless rnuget has since made another at the same address, or a
/// handle of another type).
/// Threads: must not race with another use of the same handle; it does not touch the last error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rnuget_range_free(range: *mut rnuget_range) {
    // SAFETY: `handle::free` ignores NULL and pointers that are not live; a live one came
    // from rnuget_range_parse.
    guard_value((), || unsafe { handle::free(range) })
}

/// Writes the normalized form of `range` (`ToNormalizedString`), e.g. `"[1.0.0, )"` for `"1.0"`
/// and `"[1.0.0, 2.0.0)"` for `"[1.0,2.0)"`, into `*out`.
///
/// Ownership: `*out` receives a new string; release it with `rnuget_string_free`.
/// NULL: `range` or `out` NULL gives `RNUGET_ERR_NULL_ARGUMENT`; on failure `*out` is NULL.
/// Lifetime: `range` must be live during the call; the string outlives it.
/// Threads: callable from any thread, also on a handle shared with other threads.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rnuget_range_to_normalized_string(
    range: *const rnuget_range,
    out: *mut *mut c_char,
) -> rnuget_status {
    guard("rnuget_range_to_normalized_string", || {
        // SAFETY: `out` is NULL or writable, `range` NULL or live, per the contract above.
        let (out, range) = unsafe { (args::out_ptr(out, "out")?, args::handle(range, "range")?) };
        *out = into_owned_c_string(range.0.to_normalized_string());
        Ok(())
    })
}

/// Writes whether `version` is inside `range` into `*out`.
///
/// Ownership: nothing is allocated.
/// NULL: any pointer NULL gives `RNUGET_ERR_NULL_ARGUMENT`; on failure `*out` is false.
/// Lifetime: both handles must be live during the call.
/// Threads: callable from any thread, also on handles shared with other threads.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rnuget_range_satisfies(
    range: *const rnuget_range,
    version: *const rnuget_version,
    out: *mut bool,
) -> rnuget_status {
    guard("rnuget_range_satisfies", || {
        // SAFETY: `out` is NULL or writable, the handles NULL or live, per the contract above.
        let (out, range, version) = unsafe {
            (
                args::out_value(out, "out")?,
                args::handle(range, "range")?,
                args::handle(version, "version")?,
            )
        };
        *out = range.0.satisfies(&version.0);
        Ok(())
    })
}

/// Picks the candidate NuGet would choose for `range` (`FindBestMatch`: the lowest satisfying
/// version, or the highest matching one for a floating range) among `count` version strings.
/// On success `*out_found` says whether any candidate fits and `*out_index` is the index of the
/// chosen one in `candidates` (0 when none fits).
///
/// Ownership: nothing is allocated.
/// NULL: `range`, `out_found`, `out_index` or (when `count` > 0) `candidates` or any element NULL
/// gives `RNUGET_ERR_NULL_ARGUMENT`; on failure `*out_found` is false and `*out_index` 0.
/// Errors: `RNUGET_ERR_INVALID_VERSION` when a candidate is not a version (the message says
/// which), `RNUGET_ERR_INVALID_UTF8`, `RNUGET_ERR_INVALID_ARGUMENT` when `count` is more than
/// any array can hold (a negative length cast to `size_t`).
/// Lifetime: `candidates` and its strings are read during the call only.
/// Threads: callable from any thread, also on a handle shared with other threads.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rnuget_range_find_best_match(
    range: *const rnuget_range,
    candidates: *const *const c_char,
    count: usize,
    out_found: *mut bool,
    out_index: *mut usize,
) -> rnuget_status {
    guard("rnuget_range_find_best_match", || {
        // SAFETY: the out-parameters are NULL or writable, `range` NULL or live and `candidates`
        // NULL or `count` C strings, per the contract above.
        let (out_found, out_index, range, candidates) = unsafe {
            (
                args::out_value(out_found, "out_found")?,
                args::out_value(out_index, "out_index")?,
                args::handle(range, "range")?,
                args::text_array(candidates, count, "candidates")?,
            )
        };
        let versions = parse_candidates(&candidates)?;
        if let Some(best) = range.0.find_best_match(&versions) {
            // find_best_match returns a reference into `versions`; its index is the candidate's.
            let index = versions.iter().position(|v| std::ptr::eq(v, best));
            *out_index = index.unwrap_or_default();
            *out_found = index.is_some();
        }
        Ok(())
    })
}

/// Parses every candidate, naming the first one that is not a version.
fn parse_candidates(candidates: &[&str]) -> Result<Vec<NuGetVersion>, FfiError> {
    candidates
        .iter()
        .enumerate()
        .map(|(index, text)| {
            NuGetVersion::parse(text)
                .map_err(|err| FfiError::from(err.context(format!("candidates[{index}]"))))
        })
        .collect()
}
