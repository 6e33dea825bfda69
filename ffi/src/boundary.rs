//! The one panic boundary every export runs in.
//!
//! A panic must never unwind into C (that is undefined behaviour), so each export hands its body
//! to [`guard`] (functions returning a status) or [`guard_value`] (accessors and `_free`
//! functions returning a plain value). `panic = "unwind"` is kept in every profile so that
//! `catch_unwind` can see the panic at all.

use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::error::FfiError;
use crate::last_error;
use crate::status::rnuget_status::{self, RNUGET_ERR_REENTRANT_CALL, RNUGET_OK};

/// Runs the body of the C function `function`: success clears the thread's last error, an error
/// or a panic becomes it, prefixed with the function's name.
pub(crate) fn guard(function: &str, body: impl FnOnce() -> Result<(), FfiError>) -> rnuget_status {
    if refused_in_log_callback(function) {
        let message = "called from inside the log callback, where it could wait forever for a \
                       lock the library holds; queue the line and act on it after the call returns";
        last_error::set(FfiError::new(RNUGET_ERR_REENTRANT_CALL, message).in_function(function));
        return RNUGET_ERR_REENTRANT_CALL;
    }
    // The body's state is dropped or left behind after a panic and never observed again, so
    // asserting unwind safety is sound here.
    let err = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => {
            last_error::clear();
            return RNUGET_OK;
        }
        Ok(Err(err)) => err,
        Err(payload) => FfiError::panic(&*payload),
    };
    let status = err.status;
    last_error::set(err.in_function(function));
    status
}

/// Whether `function` must not run inside the log callback: everything that may take a client's
/// or the logger's locks. Options builders and the functions without a client are safe there.
fn refused_in_log_callback(function: &str) -> bool {
    let touches_locks = (function.starts_with("rnuget_client_")
        && !function.starts_with("rnuget_client_options_"))
        || function == "rnuget_set_log_callback";
    touches_locks && crate::observability::in_log_callback()
}

/// Runs the body of a C function that returns a plain value; a panic yields `fallback` and becomes
/// the last error, anything else leaves the last error alone.
pub(crate) fn guard_value<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(value) => value,
        Err(payload) => {
            last_error::set(FfiError::panic(&*payload));
            fallback
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::rnuget_status::*;

    #[test]
    fn a_panic_becomes_a_status_and_a_message() {
        let status = guard("rnuget_test", || panic!("deliberate"));
        assert_eq!(status, RNUGET_ERR_PANIC);
        assert_eq!(
            crate::last_error::rnuget_last_error_status(),
            RNUGET_ERR_PANIC
        );

        let value = guard_value(7, || -> i32 { panic!("deliberate") });
        assert_eq!(value, 7);
    }

    #[test]
    fn errors_are_recorded_and_success_clears_them() {
        let status = guard("rnuget_test", || Err(FfiError::null("id")));
        assert_eq!(status, RNUGET_ERR_NULL_ARGUMENT);
        // SAFETY: the accessor returns a NUL-terminated string valid until the next call.
        let message =
            unsafe { std::ffi::CStr::from_ptr(crate::last_error::rnuget_last_error_message()) };
        assert_eq!(
            message.to_str().unwrap(),
            "rnuget_test: null argument: `id` is NULL"
        );

        assert_eq!(guard("rnuget_test", || Ok(())), RNUGET_OK);
        assert_eq!(crate::last_error::rnuget_last_error_status(), RNUGET_OK);
    }
}
