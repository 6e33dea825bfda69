//! `rnuget_client_options_*`: the settings a client is built with, set one by one from C.
//!
//! An options object is a builder: create it, set what differs from the defaults, pass it to
//! `rnuget_client_new` (which copies it) and free it. Setters are separate functions, not a C
//! struct, so that settings can be added without breaking the ABI.

use std::ffi::{c_char, c_int};
use std::time::Duration;

use parking_lot::Mutex;
use rnuget::client::ClientOptions;

use crate::args;
use crate::boundary::{guard, guard_value};
use crate::error::FfiError;
use crate::handle;
use crate::status::rnuget_status;

/// Settings for `rnuget_client_new`: sources, timeouts, user agent. Create it with
/// `rnuget_client_options_new`, release it with `rnuget_client_options_free`. Setters lock it, so
/// any thread may use it at once.
pub struct rnuget_client_options(Mutex<ClientOptions>);

const _: () = handle::assert_thread_safe::<rnuget_client_options>();

impl rnuget_client_options {
    /// A copy of the settings as they are now.
    pub(crate) fn snapshot(&self) -> ClientOptions {
        self.0.lock().clone()
    }
}

/// Creates client options with the defaults: no sources, a 10 s connect timeout, a 100 s request
/// timeout, a User-Agent naming rnuget and its version, failed sources not ignored.
///
/// Ownership: `*out` receives a new object; release it with `rnuget_client_options_free` (a
/// client made from it keeps its own copy).
/// NULL: `out` NULL gives `RNUGET_ERR_NULL_ARGUMENT`.
/// Threads: callable from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rnuget_client_options_new(
    out: *mut *mut rnuget_client_options,
) -> rnuget_status {
    guard("rnuget_client_options_new", || {
        // SAFETY: `out` is NULL or writable, per the contract above.
        let out = unsafe { args::out_ptr(out, "out")? };
        *out = handle::into_raw(rnuget_client_options(Mutex::new(ClientOptions::new())));
        Ok(())
    })
}

/// Frees client options.
///
/// Ownership: takes back ownership; `options` must not be used afterwards.
/// NULL: `options` may be NULL; nothing happens. So does a pointer that is not a live client
/// options object (one freed already, unless rnuget has since made another at the same
/// address, or a handle of another type).
/// Threads: must not race with another use of the same object; it does not touch the last error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rnuget_client_options_free(options: *mut rnuget_client_options) {
    // SAFETY: `handle::free` ignores NULL and pointers that are not live; a live one came
    // from rnuget_client_options_new.
    guard_value((), || unsafe { handle::free(options) })
}

/// Runs `change` on the options behind `options`.
///
/// # Safety
/// `options` is NULL or a live options object for the duration of the call.
pub(crate) unsafe fn update(
    function: &str,
    options: *const rnuget_client_options,
    change: impl FnOnce(&mut ClientOptions) -> Result<(), FfiError>,
) -> rnuget_status {
    guard(function, || {
        // SAFETY: forwarded from this function's contract.
        let options = unsafe { args::handle(options, "options")? };
        change(&mut options.0.lock())
    })
}

/// Adds a package source, consulted after the ones added before it. `url` is a V3 service index
/// (`https://api.nuget.org/v3/index.json`); `name`, used in messages and search results, may be
/// NULL to name the source after its URL (credentials removed).
///
/// Ownership: `url` and `name` are copied.
/// NULL: `options` or `url` NULL gives `RNUGET_ERR_NULL_ARGUMENT`; `name` may be NULL.
/// Errors: `RNUGET_ERR_INVALID_ARGUMENT` for an empty `url`, `RNUGET_ERR_INVALID_UTF8`.
/// Lifetime: the strings are read during the call only.
/// Threads: callable from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rnuget_client_options_add_source(
    options: *mut rnuget_client_options,
    url: *const c_char,
    name: *const c_char,
) -> rnuget_status {
    // SAFETY: the pointers are as this function's contract requires.
    unsafe {
        update("rnuget_client_options_add_source", options, |o| {
            let url = args::text(url, "url")?;
            let name = args::optional_text(name, "name")?;
            if url.trim().is_empty() {
                return Err(FfiError::invalid("url", "is empty"));
            }
            let current = std::mem::take(o);
            *o = match name {
                Some(name) => current.named_source(name, url),
                None => current.source(url),
            };
            Ok(())
        })
    }
}

/// A positive number of milliseconds as a duration.
fn millis(name: &str, value: u64) -> Result<Duration, FfiError> {
    if value == 0 {
        return Err(FfiError::invalid(name, "must be at least 1 millisecond"));
    }
    Ok(Duration::from_millis(value))
}

/// Sets the deadline for a whole request (headers and body; for package downloads the
/// headers only) in milliseconds. Default 100000 (100 s).
///
/// Ownership: nothing is allocated.
/// NULL: `options` NULL gives `RNUGET_ERR_NULL_ARGUMENT`.
/// Errors: `RNUGET_ERR_INVALID_ARGUMENT` for 0.
/// Threads: callable from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rnuget_client_options_set_request_timeout_ms(
    options: *mut rnuget_client_options,
    milliseconds: u64,
) -> rnuget_status {
    // SAFETY: `options` is as this function's contract requires.
    unsafe {
        update(
            "rnuget_client_options_set_request_timeout_ms",
            options,
            |o| {
                o.http.request_timeout = millis("milliseconds", milliseconds)?;
                Ok(())
            },
        )
    }
}

/// Sets the deadline for opening a connection (DNS, TCP, TLS) in milliseconds. Default 10000.
///
/// Ownership: nothing is allocated.
/// NULL: `options` NULL gives `RNUGET_ERR_NULL_ARGUMENT`.
/// Errors: `RNUGET_ERR_INVALID_ARGUMENT` for 0.
/// Threads: callable from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rnuget_client_options_set_connect_timeout_ms(
    options: *mut rnuget_client_options,
    milliseconds: u64,
) -> rnuget_status {
    // SAFETY: `options` is as this function's contract requires.
    unsafe {
        update(
            "rnuget_client_options_set_connect_timeout_ms",
            options,
            |o| {
                o.http.connect_timeout = millis("milliseconds", milliseconds)?;
                Ok(())
            },
        )
    }
}

/// Sets the `User-Agent` header sent with every request. Default `rnuget/<version> (+...)`.
///
/// Ownership: `user_agent` is copied.
/// NULL: `options` or `user_agent` NULL gives `RNUGET_ERR_NULL_ARGUMENT`.
/// Errors: `RNUGET_ERR_INVALID_ARGUMENT` for an empty value or one with a control character
/// (it would break the header), `RNUGET_ERR_INVALID_UTF8`.
/// Lifetime: `user_agent` is read during the call only.
/// Threads: callable from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rnuget_client_options_set_user_agent(
    options: *mut rnuget_client_options,
    user_agent: *const c_char,
) -> rnuget_status {
    // SAFETY: the pointers are as this function's contract requires.
    unsafe {
        update("rnuget_client_options_set_user_agent", options, |o| {
            let user_agent = args::text(user_agent, "user_agent")?;
            if user_agent.trim().is_empty() || user_agent.chars().any(char::is_control) {
                return Err(FfiError::invalid(
                    "user_agent",
                    "is empty or has control characters",
                ));
            }
            o.http.user_agent = user_agent.to_string();
            Ok(())
        })
    }
}

/// Sets whether a source that fails is skipped with a warning (version lists leave it out,
/// metadata and downloads ask the next source) instead of failing the call, as NuGet's
/// `--ignore-failed-sources`: `ignore` non-zero for yes. A call whose every source failed
/// still fails. Default no.
///
/// Ownership: nothing is allocated.
/// NULL: `options` NULL gives `RNUGET_ERR_NULL_ARGUMENT`.
/// Threads: callable from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rnuget_client_options_set_ignore_failed_sources(
    options: *mut rnuget_client_options,
    ignore: c_int,
) -> rnuget_status {
    // SAFETY: `options` is as this function's contract requires.
    unsafe {
        update(
            "rnuget_client_options_set_ignore_failed_sources",
            options,
            |o| {
                o.ignore_failed_sources = ignore != 0;
                Ok(())
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::{rnuget_client_free, rnuget_client_list_versions, rnuget_client_new};
    use crate::status::rnuget_status::*;
    use crate::strings::rnuget_string_free;
    use rnuget::demo::server::{LoopbackServer, Response};

    /// Makes a client from `configure`d options over `url` and lists the versions of `Some.Id`.
    fn list_with(url: &str, configure: impl FnOnce(*mut rnuget_client_options)) -> rnuget_status {
        let url = std::ffi::CString::new(url).unwrap();
        let mut options = std::ptr::null_mut();
        let mut client = std::ptr::null_mut();
        let mut json = std::ptr::null_mut();
        // SAFETY: every pointer is a live local; each object is freed once at the end.
        unsafe {
            assert_eq!(rnuget_client_options_new(&mut options), RNUGET_OK);
            configure(options);
            let urls = [url.as_ptr()];
            assert_eq!(
                rnuget_client_new(urls.as_ptr(), 1, options, &mut client),
                RNUGET_OK
            );
            rnuget_client_options_free(options);
            let status = rnuget_client_list_versions(client, c"Some.Id".as_ptr(), &mut json);
            rnuget_string_free(json);
            rnuget_client_free(client);
            status
        }
    }

    #[test]
    fn the_user_agent_set_is_the_one_sent() {
        let server = LoopbackServer::start(|_| Response::not_found()).unwrap();
        let url = format!("{}/v3/index.json", server.base_url());
        list_with(&url, |options| {
            // SAFETY: `options` is live for the closure.
            let status =
                unsafe { rnuget_client_options_set_user_agent(options, c"c-host/2.0".as_ptr()) };
            assert_eq!(status, RNUGET_OK);
        });
        let requests = server.requests();
        assert!(!requests.is_empty());
        assert!(
            requests
                .iter()
                .all(|r| r.header("User-Agent") == Some("c-host/2.0"))
        );
    }

    #[test]
    fn the_request_timeout_set_is_the_one_applied() {
        let server = LoopbackServer::start(|_| {
            std::thread::sleep(Duration::from_millis(1500));
            Response::not_found()
        })
        .unwrap();
        let url = format!("{}/v3/index.json", server.base_url());
        let status = list_with(&url, |options| {
            // SAFETY: `options` is live for the closure.
            let status = unsafe { rnuget_client_options_set_request_timeout_ms(options, 200) };
            assert_eq!(status, RNUGET_OK);
        });
        assert_eq!(status, RNUGET_ERR_TIMEOUT);
    }

    #[test]
    fn named_sources_name_errors() {
        let server = LoopbackServer::start(|_| Response::new(500, "broken")).unwrap();
        let url = std::ffi::CString::new(format!("{}/v3/index.json", server.base_url())).unwrap();
        let status = list_with("http://127.0.0.1:9/unused/index.json", |options| {
            // SAFETY: `options` is live for the closure; the strings are live locals.
            let status = unsafe {
                rnuget_client_options_add_source(options, url.as_ptr(), c"corp-feed".as_ptr())
            };
            assert_eq!(status, RNUGET_OK);
        });
        assert_eq!(status, RNUGET_ERR_HTTP_STATUS);
        // SAFETY: the accessor returns a NUL-terminated string valid until the next call.
        let source =
            unsafe { std::ffi::CStr::from_ptr(crate::last_error::rnuget_last_error_source()) };
        assert_eq!(source.to_str().unwrap(), "corp-feed");
    }
}
