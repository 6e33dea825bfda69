//! Status codes returned by every fallible C function.
//!
//! The numbers are part of the ABI: grouped by where a fault comes from, each assigned once and
//! never reused, so that a new code can be added to a group without moving the others.

use std::ffi::{c_char, c_int};

use rnuget::ErrorKind;

/// The result of a call. `RNUGET_OK` (0) is success; anything else is a failure whose details
/// (message with URL, HTTP status and source) are in `rnuget_last_error_*` on the same thread.
///
/// Groups: 1xx the caller's arguments, 2xx the network, 3xx the HTTP answer, 4xx the NuGet
/// protocol, 5xx package files, 6xx local I/O, 7xx the cache, 9xx faults inside rnuget.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum rnuget_status {
    /// Success.
    RNUGET_OK = 0,
    /// An argument cannot be used (empty id, bad URL, unknown mode or flag).
    RNUGET_ERR_INVALID_ARGUMENT = 100,
    /// A pointer argument that must not be NULL was NULL.
    RNUGET_ERR_NULL_ARGUMENT = 101,
    /// A string argument is not valid UTF-8.
    RNUGET_ERR_INVALID_UTF8 = 102,
    /// A string is not a NuGet version.
    RNUGET_ERR_INVALID_VERSION = 103,
    /// A string is not a NuGet version range.
    RNUGET_ERR_INVALID_RANGE = 104,
    /// A string is not a target framework moniker.
    RNUGET_ERR_INVALID_FRAMEWORK = 105,
    /// A client function, or `rnuget_set_log_callback`, was called from inside the log
    /// callback, where it could wait forever for a lock the library holds; nothing was done.
    RNUGET_ERR_REENTRANT_CALL = 106,
    /// The connection failed: DNS, refused, reset, TLS.
    RNUGET_ERR_NETWORK = 200,
    /// A connect, read or overall deadline passed.
    RNUGET_ERR_TIMEOUT = 201,
    /// A response or package is larger than the configured limit.
    RNUGET_ERR_TOO_LARGE = 202,
    /// A source's rate limit gave no permit before its deadline; nothing was sent.
    RNUGET_ERR_RATE_LIMITED = 203,
    /// The host's circuit breaker is open after repeated failures; nothing was sent. The
    /// message says when it half-opens.
    RNUGET_ERR_CIRCUIT_OPEN = 204,
    /// The feed answered with an HTTP status that is neither success nor 404.
    RNUGET_ERR_HTTP_STATUS = 300,
    /// The feed does not have the package, version or resource (HTTP 404): a result, not a fault.
    RNUGET_ERR_NOT_FOUND = 301,
    /// The feed answered with something that breaks the NuGet protocol (bad JSON, missing field).
    RNUGET_ERR_PROTOCOL = 400,
    /// A `.nupkg` or `.nuspec` is not valid (bad zip, no nuspec, unsafe entry names).
    RNUGET_ERR_INVALID_PACKAGE = 500,
    /// A local file could not be read or written.
    RNUGET_ERR_IO = 600,
    /// Offline, and the cache holds no answer for the request ("offline and not cached: URL").
    RNUGET_ERR_NOT_CACHED = 700,
    /// rnuget panicked; the panic was caught at the boundary and the call had no effect.
    RNUGET_ERR_PANIC = 900,
    /// An error rnuget has no specific code for yet; the message says what it was.
    RNUGET_ERR_INTERNAL = 901,
}

use rnuget_status::*;

/// Every status, for lookups by number.
const ALL: [rnuget_status; 21] = [
    RNUGET_OK,
    RNUGET_ERR_INVALID_ARGUMENT,
    RNUGET_ERR_NULL_ARGUMENT,
    RNUGET_ERR_INVALID_UTF8,
    RNUGET_ERR_INVALID_VERSION,
    RNUGET_ERR_INVALID_RANGE,
    RNUGET_ERR_INVALID_FRAMEWORK,
    RNUGET_ERR_REENTRANT_CALL,
    RNUGET_ERR_NETWORK,
    RNUGET_ERR_TIMEOUT,
    RNUGET_ERR_TOO_LARGE,
    RNUGET_ERR_RATE_LIMITED,
    RNUGET_ERR_CIRCUIT_OPEN,
    RNUGET_ERR_HTTP_STATUS,
    RNUGET_ERR_NOT_FOUND,
    RNUGET_ERR_PROTOCOL,
    RNUGET_ERR_INVALID_PACKAGE,
    RNUGET_ERR_IO,
    RNUGET_ERR_NOT_CACHED,
    RNUGET_ERR_PANIC,
    RNUGET_ERR_INTERNAL,
];

impl rnuget_status {
    /// The status for a library error kind.
    pub(crate) fn from_kind(kind: ErrorKind) -> Self {
        match kind {
            ErrorKind::InvalidArgument => RNUGET_ERR_INVALID_ARGUMENT,
            ErrorKind::InvalidVersion => RNUGET_ERR_INVALID_VERSION,
            ErrorKind::InvalidRange => RNUGET_ERR_INVALID_RANGE,
            ErrorKind::InvalidFramework => RNUGET_ERR_INVALID_FRAMEWORK,
            ErrorKind::NotFound => RNUGET_ERR_NOT_FOUND,
            ErrorKind::HttpStatus => RNUGET_ERR_HTTP_STATUS,
            ErrorKind::Network => RNUGET_ERR_NETWORK,
            ErrorKind::Timeout => RNUGET_ERR_TIMEOUT,
            ErrorKind::TooLarge => RNUGET_ERR_TOO_LARGE,
            ErrorKind::RateLimited => RNUGET_ERR_RATE_LIMITED,
            ErrorKind::CircuitOpen => RNUGET_ERR_CIRCUIT_OPEN,
            ErrorKind::Protocol => RNUGET_ERR_PROTOCOL,
            ErrorKind::InvalidPackage => RNUGET_ERR_INVALID_PACKAGE,
            ErrorKind::Io => RNUGET_ERR_IO,
            ErrorKind::NotCached => RNUGET_ERR_NOT_CACHED,
            // ErrorKind is non-exhaustive: a kind added later reads as internal until it gets a
            // code of its own here.
            _ => RNUGET_ERR_INTERNAL,
        }
    }

    /// The constant's name as a NUL-terminated string.
    fn name(self) -> &'static str {
        match self {
            RNUGET_OK => "RNUGET_OK\0",
            RNUGET_ERR_INVALID_ARGUMENT => "RNUGET_ERR_INVALID_ARGUMENT\0",
            RNUGET_ERR_NULL_ARGUMENT => "RNUGET_ERR_NULL_ARGUMENT\0",
            RNUGET_ERR_INVALID_UTF8 => "RNUGET_ERR_INVALID_UTF8\0",
            RNUGET_ERR_INVALID_VERSION => "RNUGET_ERR_INVALID_VERSION\0",
            RNUGET_ERR_INVALID_RANGE => "RNUGET_ERR_INVALID_RANGE\0",
            RNUGET_ERR_INVALID_FRAMEWORK => "RNUGET_ERR_INVALID_FRAMEWORK\0",
            RNUGET_ERR_REENTRANT_CALL => "RNUGET_ERR_REENTRANT_CALL\0",
            RNUGET_ERR_NETWORK => "RNUGET_ERR_NETWORK\0",
            RNUGET_ERR_TIMEOUT => "RNUGET_ERR_TIMEOUT\0",
            RNUGET_ERR_TOO_LARGE => "RNUGET_ERR_TOO_LARGE\0",
            RNUGET_ERR_RATE_LIMITED => "RNUGET_ERR_RATE_LIMITED\0",
            RNUGET_ERR_CIRCUIT_OPEN => "RNUGET_ERR_CIRCUIT_OPEN\0",
            RNUGET_ERR_HTTP_STATUS => "RNUGET_ERR_HTTP_STATUS\0",
            RNUGET_ERR_NOT_FOUND => "RNUGET_ERR_NOT_FOUND\0",
            RNUGET_ERR_PROTOCOL => "RNUGET_ERR_PROTOCOL\0",
            RNUGET_ERR_INVALID_PACKAGE => "RNUGET_ERR_INVALID_PACKAGE\0",
            RNUGET_ERR_IO => "RNUGET_ERR_IO\0",
            RNUGET_ERR_NOT_CACHED => "RNUGET_ERR_NOT_CACHED\0",
            RNUGET_ERR_PANIC => "RNUGET_ERR_PANIC\0",
            RNUGET_ERR_INTERNAL => "RNUGET_ERR_INTERNAL\0",
        }
    }
}

/// Returns the name of a status code, e.g. `"RNUGET_ERR_NOT_FOUND"` for 301, or
/// `"RNUGET_UNKNOWN_STATUS"` for a number that is not a status.
///
/// `status` is a plain integer, so any value is safe to pass.
/// Ownership: the string is static; never free it.
/// NULL: never returns NULL.
/// Lifetime: valid for as long as the library is loaded.
/// Threads: callable from any thread; it does not touch the last error.
#[unsafe(no_mangle)]
pub extern "C" fn rnuget_status_name(status: c_int) -> *const c_char {
    let name = crate::boundary::guard_value("RNUGET_UNKNOWN_STATUS\0", || {
        ALL.iter()
            .find(|s| **s as c_int == status)
            .map_or("RNUGET_UNKNOWN_STATUS\0", |s| s.name())
    });
    name.as_ptr().cast()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn every_status_has_its_own_number_and_name() {
        let mut numbers: Vec<c_int> = ALL.iter().map(|s| *s as c_int).collect();
        numbers.sort();
        numbers.dedup();
        assert_eq!(numbers.len(), ALL.len());
        for status in ALL {
            // SAFETY: rnuget_status_name returns a static NUL-terminated string.
            let name = unsafe { CStr::from_ptr(rnuget_status_name(status as c_int)) };
            assert_eq!(name.to_str().unwrap(), format!("{status:?}"));
        }
    }

    #[test]
    fn unknown_numbers_have_a_name_too() {
        // SAFETY: rnuget_status_name returns a static NUL-terminated string.
        let name = unsafe { CStr::from_ptr(rnuget_status_name(-7)) };
        assert_eq!(name.to_str().unwrap(), "RNUGET_UNKNOWN_STATUS");
    }

    #[test]
    fn error_kinds_map_to_their_groups() {
        assert_eq!(rnuget_status::from_kind(ErrorKind::NotFound) as c_int, 301);
        assert_eq!(rnuget_status::from_kind(ErrorKind::Timeout) as c_int, 201);
        assert_eq!(
            rnuget_status::from_kind(ErrorKind::InvalidPackage) as c_int,
            500
        );
        assert_eq!(rnuget_status::from_kind(ErrorKind::Io) as c_int, 600);
        assert_eq!(
            rnuget_status::from_kind(ErrorKind::RateLimited) as c_int,
            203
        );
        assert_eq!(
            rnuget_status::from_kind(ErrorKind::CircuitOpen) as c_int,
            204
        );
    }
}
