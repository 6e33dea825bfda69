//! Owned C strings handed to the caller, and the one function that frees them.

use std::ffi::{CString, c_char};

use crate::boundary::guard_value;

/// Makes a C string from Rust text. An interior NUL (possible only in text a feed sent) is written
/// as `\0` so that nothing after it is lost.
pub(crate) fn to_cstring(text: String) -> CString {
    CString::new(text).unwrap_or_else(|err| {
        let escaped = String::from_utf8_lossy(&err.into_vec()).replace('\0', "\\0");
        CString::new(escaped).unwrap_or_default()
    })
}

/// Hands `text` to C as a newly allocated NUL-terminated string, freed by `rnuget_string_free`.
pub(crate) fn into_owned_c_string(text: String) -> *mut c_char {
    let ptr = to_cstring(text).into_raw();
    crate::handle::record::<CString>(ptr.cast());
    ptr
}

/// Frees a string returned by rnuget through a `char **` out-parameter (normalized versions, JSON
/// documents). Strings from `rnuget_last_error_*`, `rnuget_status_name` and
/// `rnuget_library_version` belong to the library and must not be passed here.
///
/// Ownership: takes back ownership of `text`; it must not be used afterwards.
/// NULL: `text` may be NULL; nothing happens. So does a pointer that is not a live string
/// from rnuget: one freed already (unless rnuget has since handed out another string at the
/// same address), or one of the library's own strings.
/// Lifetime: `text` must not be in use by another thread.
/// Threads: callable from any thread; it does not touch the last error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rnuget_string_free(text: *mut c_char) {
    guard_value((), || {
        if !text.is_null() && crate::handle::release(text.cast::<CString>()) {
            // SAFETY: `text` was live, so it came from `CString::into_raw` in
            // `into_owned_c_string` and was not freed before; it is no longer recorded, so it
            // is not freed again.
            drop(unsafe { CString::from_raw(text) });
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interior_nul_is_escaped_not_truncated() {
        assert_eq!(to_cstring("a\0b".into()).to_str().unwrap(), "a\\0b");
        assert_eq!(to_cstring("plain".into()).to_str().unwrap(), "plain");
    }

    #[test]
    fn owned_strings_round_trip_and_free() {
        let raw = into_owned_c_string("1.0.0".into());
        // SAFETY: `raw` is a live string from into_owned_c_string.
        assert_eq!(
            unsafe { std::ffi::CStr::from_ptr(raw) }.to_str().unwrap(),
            "1.0.0"
        );
        // SAFETY: `raw` came from into_owned_c_string and is freed once; NULL is allowed.
        unsafe {
            rnuget_string_free(raw);
            rnuget_string_free(std::ptr::null_mut());
        }
    }
}
