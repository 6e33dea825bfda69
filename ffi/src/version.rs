//! `rnuget_version_*`: NuGet versions as handles, their string forms and comparisons.

use std::cmp::Ordering;
use std::ffi::{c_char, c_int};

use rnuget::version::{NuGetVersion, VersionComparison};

use crate::args;
use crate::boundary::{guard, guard_value};
use crate::error::FfiError;
use crate::handle;
use crate::status::rnuget_status;
use crate::strings::into_owned_c_string;

/// A parsed NuGet version. Create it with `rnuget_version_parse`, release it with
/// `rnuget_version_free`. Immutable: any thread may use it at once.
pub struct rnuget_version(pub(crate) NuGetVersion);

const _: () = handle::assert_thread_safe::<rnuget_version>();

/// How much of two versions `rnuget_version_compare` looks at, as NuGet's `VersionComparison`.
/// Passed as a plain `int`, so an unknown number is an error, not undefined behaviour.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum rnuget_version_comparison {
    /// Numbers and release label (case-insensitive); metadata ignored. NuGet's default.
    RNUGET_COMPARE_DEFAULT = 0,
    /// Numbers only.
    RNUGET_COMPARE_VERSION = 1,
    /// Numbers and release label.
    RNUGET_COMPARE_VERSION_RELEASE = 2,
    /// Numbers, release label and metadata.
    RNUGET_COMPARE_VERSION_RELEASE_METADATA = 3,
}

/// The library's comparison for a mode number from C.
fn comparison(mode: c_int) -> Result<VersionComparison, FfiError> {
    use rnuget_version_comparison::*;
    Ok(match mode {
        m if m == RNUGET_COMPARE_DEFAULT as c_int => VersionComparison::Default,
        m if m == RNUGET_COMPARE_VERSION as c_int => VersionComparison::Version,
        m if m == RNUGET_COMPARE_VERSION_RELEASE as c_int => VersionComparison::VersionRelease,
        m if m == RNUGET_COMPARE_VERSION_RELEASE_METADATA as c_int => {
            VersionComparison::VersionReleaseMetadata
        }
        other => {
            return Err(FfiError::invalid(
                "mode",
                format!("{other} is not a comparison"),
            ));
        }
    })
}

/// Parses `input` as a NuGet version with NuGet's lenient rules (`NuGetVersion.TryParse`: one to
/// four numbers, an optional `-release` label and `+metadata`), e.g. `"1.0"` or `"2.1.0-beta.1"`.
///
/// Ownership: on success `*out` receives a new handle; release it with `rnuget_version_free`.
/// NULL: `input` or `out` NULL gives `RNUGET_ERR_NULL_ARGUMENT`; on any failure `*out` is NULL.
/// Errors: `RNUGET_ERR_INVALID_UTF8`, `RNUGET_ERR_INVALID_VERSION` (the message quotes `input`).
/// Lifetime: `input` is read during the call only.
/// Threads: callable from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rnuget_version_parse(
    input: *const c_char,
    out: *mut *mut rnuget_version,
) -> rnuget_status {
    guard("rnuget_version_parse", || {
        // SAFETY: `out` is NULL or writable, `input` NULL or a C string, per the contract above.
        let (out, input) = unsafe { (args::out_ptr(out, "out")?, args::text(input, "input")?) };
        *out = handle::into_raw(rnuget_version(NuGetVersion::parse(input)?));
        Ok(())
    })
}

/// Frees a version handle.
///
/// Ownership: takes back ownership; `version` must not be used afterwards.
/// NULL: `version` may be NULL; nothing happens. So does a pointer that is not a live version
/// (one freed already, unless rnuget has since made another at the same address, or a
/// handle of another type).
/// Threads: must not race with another use of the same handle; it does not touch the last error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rnuget_version_free(version: *mut rnuget_version) {
    // SAFETY: `handle::free` ignores NULL and pointers that are not live; a live one came
    // from rnuget_version_parse.
    guard_value((), || unsafe { handle::free(version) })
}

/// Writes one string form of a version into a new owned string.
///
/// # Safety
/// `version` is NULL or a live handle, `out` NULL or writable, for the duration of the call.
unsafe fn write_string(
    function: &str,
    version: *const rnuget_version,
    out: *mut *mut c_char,
    form: impl FnOnce(&NuGetVersion) -> String,
) -> rnuget_status {
    guard(function, || {
        // SAFETY: forwarded from this function's own contract.
        let (out, version) = unsafe {
            (
                args::out_ptr(out, "out")?,
                args::handle(version, "version")?,
            )
        };
        *out = into_owned_c_string(form(&version.0));
        Ok(())
    })
}

/// Writes the normalized form of `version` (`ToNormalizedString`: at least three numbers, the
/// release label, no metadata), e.g. `"1.0.0-beta"` for `"1.0-beta+build.7"`, into `*out`.
///
/// Ownership: `*out` receives a new string; release it with `rnuget_string_free`.
/// NULL: `version` or `out` NULL gives `RNUGET_ERR_NULL_ARGUMENT`; on failure `*out` is NULL.
/// Lifetime: `version` must be live during the call; the string outlives it.
/// Threads: callable from any thread, also on a handle shared with other threads.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rnuget_version_to_normalized_string(
    version: *const rnuget_version,
    out: *mut *mut c_char,
) -> rnuget_status {
    // SAFETY: the pointers are as this function's contract requires.
    unsafe {
        write_string("rnuget_version_to_normalized_string", version, out, |v| {
            v.to_normalized_string()
        })
    }
}

/// Writes the full form of `version` (`ToFullString`: normalized plus `+metadata`), e.g.
/// `"1.0.0-beta+build.7"` for `"1.0-beta+build.7"`, into `*out`.
///
/// Ownership: `*out` receives a new string; release it with `rnuget_string_free`.
/// NULL: `version` or `out` NULL gives `RNUGET_ERR_NULL_ARGUMENT`; on failure `*out` is NULL.
/// Lifetime: `version` must be live during the call; the string outlives it.
/// Threads: callable from any thread, also on a handle shared with other threads.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rnuget_version_to_full_string(
    version: *const rnuget_version,
    out: *mut *mut c_char,
) -> rnuget_status {
    // SAFETY: the pointers are as this function's contract requires.
    unsafe {
        write_string("rnuget_version_to_full_string", version, out, |v| {
            v.to_full_string()
        })
    }
}

/// Parses `input` and writes its normalized form into `*out` in one step, e.g. `"1.0.0"` for
/// `"1.0"` and `"1.2.3.4"` for `"1.2.3.4"`.
///
/// Ownership: `*out` receives a new string; release it with `rnuget_string_free`.
/// NULL: `input` or `out` NULL gives `RNUGET_ERR_NULL_ARGUMENT`; on failure `*out` is NULL.
/// Errors: `RNUGET_ERR_INVALID_UTF8`, `RNUGET_ERR_INVALID_VERSION`.
/// Lifetime: `input` is read during the call only.
/// Threads: callable from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rnuget_version_normalize(
    input: *const c_char,
    out: *mut *mut c_char,
) -> rnuget_status {
    guard("rnuget_version_normalize", || {
        // SAFETY: `out` is NULL or writable, `input` NULL or a C string, per the contract above.
        let (out, input) = unsafe { (args::out_ptr(out, "out")?, args::text(input, "input")?) };
        *out = into_owned_c_string(NuGetVersion::parse(input)?.to_normalized_string());
        Ok(())
    })
}

/// Compares `left` with `right` in `mode` (an `rnuget_version_comparison`) and writes -1, 0 or 1
/// into `*out_order` when `left` sorts before, equal to or after `right`.
///
/// Ownership: nothing is allocated.
/// NULL: any pointer NULL gives `RNUGET_ERR_NULL_ARGUMENT`; on failure `*out_order` is 0.
/// Errors: `RNUGET_ERR_INVALID_ARGUMENT` for an unknown `mode`.
/// Lifetime: both handles must be live during the call.
/// Threads: callable from any thread, also on handles shared with other threads.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rnuget_version_compare(
    left: *const rnuget_version,
    right: *const rnuget_version,
    mode: c_int,
    out_order: *mut c_int,
) -> rnuget_status {
    guard("rnuget_version_compare", || {
        // SAFETY: `out_order` is NULL or writable, the handles NULL or live, per the contract.
        let (out_order, left, right) = unsafe {
            (
                args::out_value(out_order, "out_order")?,
                args::handle(left, "left")?,
                args::handle(right, "right")?,
            )
        };
        *out_order = match left.0.compare_with(&right.0, comparison(mode)?) {
            Ordering::Less => -1,
            Ordering::Equal => 0,
            Ordering::Greater => 1,
        };
        Ok(())
    })
}

/// Writes whether `version` has a release label (`1.0.0-beta` does, `1.0.0+meta` does not).
///
/// Ownership: nothing is allocated.
/// NULL: `version` or `out` NULL gives `RNUGET_ERR_NULL_ARGUMENT`; on failure `*out` is false.
/// Lifetime: `version` must be live during the call.
/// Threads: callable from any thread, also on a handle shared with other threads.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rnuget_version_is_prerelease(
    version: *const rnuget_version,
    out: *mut bool,
) -> rnuget_status {
    guard("rnuget_version_is_prerelease", || {
        // SAFETY: `out` is NULL or writable, `version` NULL or live, per the contract above.
        let (out, version) = unsafe {
            (
                args::out_value(out, "out")?,
                args::handle(version, "version")?,
            )
        };
        *out = version.0.is_prerelease();
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_modes_are_rejected() {
        assert!(comparison(3).is_ok());
        let err = comparison(4).unwrap_err();
        assert_eq!(err.status, rnuget_status::RNUGET_ERR_INVALID_ARGUMENT);
        assert!(comparison(-1).is_err());
    }
}
