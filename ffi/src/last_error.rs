//! The per-thread last error and the `rnuget_last_error_*` functions that read it.
//!
//! Every function that returns an `rnuget_status` sets it (on failure) or clears it (on success)
//! before returning, on the calling thread only. The accessors and the `_free` functions leave it
//! alone, so a caller can release what it holds before reporting the error.

use std::cell::RefCell;
use std::ffi::{CString, c_char};

use crate::boundary::guard_value;
use crate::error::FfiError;
use crate::status::rnuget_status::{self, RNUGET_OK};
use crate::strings::to_cstring;

/// The last error as the accessors hand it out: C strings kept alive until the next call.
struct LastError {
    status: rnuget_status,
    http_status: u16,
    attempts: u32,
    message: CString,
    url: CString,
    source: CString,
}

thread_local! {
    static LAST_ERROR: RefCell<Option<LastError>> = const { RefCell::new(None) };
}

/// Records `err` as the calling thread's last error.
pub(crate) fn set(err: FfiError) {
    let last = LastError {
        status: err.status,
        http_status: err.http_status,
        attempts: err.attempts,
        message: to_cstring(err.message),
        url: to_cstring(err.url),
        source: to_cstring(err.source),
    };
    // `try_with` because a call made while the thread is being torn down has nowhere to record.
    let _ = LAST_ERROR.try_with(|slot| *slot.borrow_mut() = Some(last));
}

/// Forgets the calling thread's last error.
pub(crate) fn clear() {
    let _ = LAST_ERROR.try_with(|slot| *slot.borrow_mut() = None);
}

/// Reads a field of the last error, or `default` when there is none.
fn read<T>(default: T, field: impl FnOnce(&LastError) -> T) -> T {
    LAST_ERROR
        .try_with(|slot| slot.borrow().as_ref().map(field))
        .ok()
        .flatten()
        .unwrap_or(default)
}

/// The empty string the text accessors return when there is no error.
const EMPTY: &str = "\0";

/// Returns the message of the last error on this thread: what failed and why, with the URL
/// (credentials removed), the HTTP status and the source where there are any, e.g.
/// `"rnuget_client_get_version_metadata: not found: ... (HTTP 404) [url: http://...]"`.
///
/// Ownership: the string belongs to the library; do not free it.
/// NULL: never returns NULL; the string is empty when the last call succeeded.
/// Lifetime: valid until the next rnuget call that returns an `rnuget_status` on this thread.
/// Threads: each thread has its own last error.
#[unsafe(no_mangle)]
pub extern "C" fn rnuget_last_error_message() -> *const c_char {
    guard_value(EMPTY.as_ptr().cast(), || {
        read(EMPTY.as_ptr().cast(), |e| e.message.as_ptr())
    })
}

/// Returns the status of the last error on this thread, `RNUGET_OK` when the last call succeeded.
///
/// Ownership: a plain value. NULL: no pointers. Threads: each thread has its own last error.
#[unsafe(no_mangle)]
pub extern "C" fn rnuget_last_error_status() -> rnuget_status {
    guard_value(RNUGET_OK, || read(RNUGET_OK, |e| e.status))
}

/// Returns the HTTP status of the last error on this thread (e.g. 404 or 503), 0 when the error
/// did not come from an HTTP answer or the last call succeeded.
///
/// Ownership: a plain value. NULL: no pointers. Threads: each thread has its own last error.
#[unsafe(no_mangle)]
pub extern "C" fn rnuget_last_error_http_status() -> u16 {
    guard_value(0, || read(0, |e| e.http_status))
}

/// Returns how many attempts the failed call made: more than 1 when retries were exhausted
/// (the message then says "gave up after N attempts"), 1 for a single failed request, 0 when
/// nothing was sent or the last call succeeded.
///
/// Ownership: a plain value. NULL: no pointers. Threads: each thread has its own last error.
#[unsafe(no_mangle)]
pub extern "C" fn rnuget_last_error_attempts() -> u32 {
    guard_value(0, || read(0, |e| e.attempts))
}

/// Returns the URL the last error on this thread happened at, with credentials removed.
///
/// Ownership: the string belongs to the library; do not free it.
/// NULL: never returns NULL; the string is empty when there is no URL or no error.
/// Lifetime: valid until the next rnuget call that returns an `rnuget_status` on this thread.
/// Threads: each thread has its own last error.
#[unsafe(no_mangle)]
pub extern "C" fn rnuget_last_error_url() -> *const c_char {
    guard_value(EMPTY.as_ptr().cast(), || {
        read(EMPTY.as_ptr().cast(), |e| e.url.as_ptr())
    })
}

/// Returns the package source (its name or URL, credentials removed) the last error on this thread
/// happened at.
///
/// Ownership: the string belongs to the library; do not free it.
/// NULL: never returns NULL; the string is empty when there is no source or no error.
/// Lifetime: valid until the next rnuget call that returns an `rnuget_status` on this thread.
/// Threads: each thread has its own last error.
#[unsafe(no_mangle)]
pub extern "C" fn rnuget_last_error_source() -> *const c_char {
    guard_value(EMPTY.as_ptr().cast(), || {
        read(EMPTY.as_ptr().cast(), |e| e.source.as_ptr())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::rnuget_status::RNUGET_ERR_HTTP_STATUS;
    use std::ffi::CStr;

    fn text(ptr: *const c_char) -> String {
        // SAFETY: the accessors return NUL-terminated strings valid until the next call.
        unsafe { CStr::from_ptr(ptr) }.to_str().unwrap().to_string()
    }

    #[test]
    fn set_then_clear_on_one_thread_only() {
        let mut err = FfiError::new(RNUGET_ERR_HTTP_STATUS, "http status: 503");
        err.http_status = 503;
        err.url = "http://127.0.0.1/x".into();
        set(err);
        assert_eq!(rnuget_last_error_status(), RNUGET_ERR_HTTP_STATUS);
        assert_eq!(rnuget_last_error_http_status(), 503);
        assert_eq!(text(rnuget_last_error_message()), "http status: 503");
        assert_eq!(text(rnuget_last_error_url()), "http://127.0.0.1/x");
        assert_eq!(text(rnuget_last_error_source()), "");

        let other = std::thread::spawn(|| text(rnuget_last_error_message()))
            .join()
            .unwrap();
        assert_eq!(other, "");

        clear();
        assert_eq!(rnuget_last_error_status(), RNUGET_OK);
        assert_eq!(rnuget_last_error_http_status(), 0);
        assert_eq!(text(rnuget_last_error_message()), "");
    }
}
