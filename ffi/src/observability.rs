//! `rnuget_client_options_set_metrics`, `rnuget_client_metrics_text`, `rnuget_client_health_json`
//! and `rnuget_set_log_callback`: what a C program can see of what the library does.
//!
//! The log callback sits behind the `log` facade, which has one logger per process: the first
//! `rnuget_set_log_callback` installs a forwarding logger, later calls swap the callback it
//! forwards to.

use std::ffi::{CString, c_char, c_int, c_void};
use std::sync::RwLock;

use log::{Level, LevelFilter, Log, Metadata, Record};
use rnuget::observability::Observability;

use crate::args;
use crate::boundary::guard;
use crate::client::rnuget_client;
use crate::error::FfiError;
use crate::options::{rnuget_client_options, update};
use crate::status::rnuget_status;
use crate::strings::{into_owned_c_string, to_cstring};

/// Turns Prometheus metrics on (`enabled` non-zero) or off for clients made from `options`:
/// HTTP requests by method, status and source, request durations, cache hits and misses, cache
/// bytes, downloads, retries, breaker state and failures, rate-limit waits. Off by default,
/// which costs nothing. Clients made from the same options object share one registry; set it
/// again between them for a registry each.
///
/// Ownership: nothing is handed out.
/// NULL: `options` NULL gives `RNUGET_ERR_NULL_ARGUMENT`.
/// Threads: callable from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rnuget_client_options_set_metrics(
    options: *mut rnuget_client_options,
    enabled: c_int,
) -> rnuget_status {
    // SAFETY: `options` is as this function's contract requires.
    unsafe {
        update("rnuget_client_options_set_metrics", options, |o| {
            o.observability.metrics = if enabled != 0 {
                Observability::with_metrics().metrics
            } else {
                None
            };
            Ok(())
        })
    }
}

/// Writes the client's metrics in the Prometheus text exposition format (version 0.0.4, what a
/// `/metrics` endpoint serves) into `*out_text`, e.g.
/// `# TYPE rnuget_http_requests_total counter` followed by one line per series. Empty (`""`)
/// when metrics are off (`rnuget_client_options_set_metrics`).
///
/// Ownership: `*out_text` receives a new string; release it with `rnuget_string_free`.
/// NULL: any pointer NULL gives `RNUGET_ERR_NULL_ARGUMENT`; on failure `*out_text` is NULL.
/// Lifetime: `client` must be live during the call.
/// Threads: callable from any thread, also while other threads use the client.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rnuget_client_metrics_text(
    client: *const rnuget_client,
    out_text: *mut *mut c_char,
) -> rnuget_status {
    guard("rnuget_client_metrics_text", || {
        // SAFETY: the pointers are NULL or valid as the contract above requires.
        let (out_text, client) = unsafe {
            (
                args::out_ptr(out_text, "out_text")?,
                args::handle(client, "client")?,
            )
        };
        *out_text = into_owned_c_string(client.0.metrics_text()?);
        Ok(())
    })
}

/// Checks the client's health and writes the report into `*out_json`. Each source gets a GET of
/// its service index, sent as its own requests are (headers, credentials, limits, breakers) but
/// in one try under a short deadline (5 s; a result is reused for 10 s, then `cached` is true);
/// the cache is checked against its disk cap. `status` is `"healthy"`, `"degraded"`
/// (working, but slow or over a limit) or `"unhealthy"`, and the top one is the worst below it.
/// URLs and errors have credentials removed; `http_status` is set when a failed check got an
/// answer; `breaker` is the worst state of the circuit breakers of the hosts the source uses,
/// its service index's and every host its requests went to (`"closed"`, `"open"`,
/// `"half-open"`; an open one makes the source unhealthy), null when breakers are off or
/// nothing was sent there; a source whose rate limit turned a request away in the last minute
/// (the probe included) is at least `"degraded"`, its `error` naming the source; the cache's
/// byte counts are null for a tier that is off (or, on disk, uncapped):
///
///     {"status": "unhealthy",
///      "sources": [{"name": "corp-feed", "url": "http://127.0.0.1:8080/v3/index.json",
///        "status": "unhealthy", "latency_ms": 3, "http_status": 500,
///        "error": "http status: server answered 500 Internal Server Error (HTTP 500) [url: ...]",
///        "cached": false, "breaker": null}],
///      "cache": {"status": "healthy", "memory_bytes": 5120, "disk_bytes": null,
///        "disk_max_bytes": null}}
///
/// The call succeeds whatever the health; failures are in the document.
///
/// Ownership: `*out_json` receives a new string; release it with `rnuget_string_free`.
/// NULL: any pointer NULL gives `RNUGET_ERR_NULL_ARGUMENT`; on failure `*out_json` is NULL.
/// Lifetime: `client` must be live during the call.
/// Threads: callable from any thread, also while other threads use the client.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rnuget_client_health_json(
    client: *const rnuget_client,
    out_json: *mut *mut c_char,
) -> rnuget_status {
    guard("rnuget_client_health_json", || {
        // SAFETY: the pointers are NULL or valid as the contract above requires.
        let (out_json, client) = unsafe {
            (
                args::out_ptr(out_json, "out_json")?,
                args::handle(client, "client")?,
            )
        };
        *out_json = into_owned_c_string(client.0.health().to_json());
        Ok(())
    })
}

/// The severity of a log line, as the `log` crate ranks them; also the `max_level` of
/// `rnuget_set_log_callback`, where `RNUGET_LOG_OFF` means no lines at all.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum rnuget_log_level {
    /// No lines (only as `max_level`).
    RNUGET_LOG_OFF = 0,
    /// A call failed and could not heal.
    RNUGET_LOG_ERROR = 1,
    /// A fault the library healed (a retry, a skipped source, a dropped cache entry).
    RNUGET_LOG_WARN = 2,
    /// Rare notable events; routine work never logs at this level or above.
    RNUGET_LOG_INFO = 3,
    /// One line per request and per cache decision.
    RNUGET_LOG_DEBUG = 4,
    /// Finer detail.
    RNUGET_LOG_TRACE = 5,
}

impl rnuget_log_level {
    fn of(level: Level) -> Self {
        match level {
            Level::Error => rnuget_log_level::RNUGET_LOG_ERROR,
            Level::Warn => rnuget_log_level::RNUGET_LOG_WARN,
            Level::Info => rnuget_log_level::RNUGET_LOG_INFO,
            Level::Debug => rnuget_log_level::RNUGET_LOG_DEBUG,
            Level::Trace => rnuget_log_level::RNUGET_LOG_TRACE,
        }
    }
}

/// The filter for a `max_level` argument.
fn level_filter(max_level: c_int) -> Result<LevelFilter, FfiError> {
    Ok(match max_level {
        0 => LevelFilter::Off,
        1 => LevelFilter::Error,
        2 => LevelFilter::Warn,
        3 => LevelFilter::Info,
        4 => LevelFilter::Debug,
        5 => LevelFilter::Trace,
        other => {
            return Err(FfiError::invalid(
                "max_level",
                format!("{other} is not an rnuget_log_level"),
            ));
        }
    })
}

/// Receives one log line: its level, its target (the layer: `"rnuget::http"`,
/// `"rnuget::cache"`, `"rnuget::protocol"`, `"rnuget::resilience"`, ...), the message, and the
/// `user_data` given to `rnuget_set_log_callback`. `target` and `message` are NUL-terminated
/// UTF-8 owned by the library and valid only during the call: copy what you keep.
pub type rnuget_log_callback = Option<
    unsafe extern "C" fn(
        level: rnuget_log_level,
        target: *const c_char,
        message: *const c_char,
        user_data: *mut c_void,
    ),
>;

/// Where log lines go now.
struct Sink {
    callback: unsafe extern "C" fn(rnuget_log_level, *const c_char, *const c_char, *mut c_void),
    max_level: LevelFilter,
    user_data: *mut c_void,
}

// SAFETY: `user_data` is only handed back to the caller's callback, which the contract of
// rnuget_set_log_callback requires to accept calls from any thread.
unsafe impl Send for Sink {}
// SAFETY: as above; the sink itself is never changed through a shared reference.
unsafe impl Sync for Sink {}

static SINK: RwLock<Option<Sink>> = RwLock::new(None);

thread_local! {
    /// Whether this thread is inside the C log callback right now.
    static IN_LOG_CALLBACK: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether the calling thread is running the C log callback: the library may be holding a lock
/// (a source being set up, a service index being fetched, the sink itself), so a call back into
/// the client from there could wait for it forever. [`crate::boundary::guard`] refuses those.
pub(crate) fn in_log_callback() -> bool {
    IN_LOG_CALLBACK.with(|flag| flag.get())
}

/// The process's logger: forwards every enabled record to the current sink.
struct CallbackLogger;

static LOGGER: CallbackLogger = CallbackLogger;

impl Sink {
    /// Whether a line of `level` from `target` goes to the callback: rnuget's up to the level
    /// asked for, other crates' (the HTTP stack's own chatter) at warn and above only, as the
    /// Rust side's logging helper does by default.
    fn wants(&self, level: Level, target: &str) -> bool {
        let ours = target == "rnuget" || target.starts_with("rnuget::");
        let max = if ours {
            self.max_level
        } else {
            self.max_level.min(LevelFilter::Warn)
        };
        level <= max
    }
}

impl Log for CallbackLogger {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        let sink = SINK.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        sink.as_ref()
            .is_some_and(|sink| sink.wants(metadata.level(), metadata.target()))
    }

    fn log(&self, record: &Record<'_>) {
        let sink = SINK.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        let Some(sink) = sink.as_ref() else { return };
        if !sink.wants(record.level(), record.target()) {
            return;
        }
        let target: CString = to_cstring(record.target().to_string());
        let message: CString = to_cstring(record.args().to_string());
        // A C function cannot unwind, so the flag is always reset after the call.
        let outer = IN_LOG_CALLBACK.with(|flag| flag.replace(true));
        // SAFETY: the caller registered a function with this signature, and promised it may be
        // called from any thread with the user data it gave; the strings live until it returns.
        unsafe {
            (sink.callback)(
                rnuget_log_level::of(record.level()),
                target.as_ptr(),
                message.as_ptr(),
                sink.user_data,
            )
        };
        IN_LOG_CALLBACK.with(|flag| flag.set(outer));
    }

    fn flush(&self) {}
}

/// Sends the library's log lines up to `max_level` (an `rnuget_log_level`; `RNUGET_LOG_DEBUG`
/// gives one line per request and per cache decision, `RNUGET_LOG_WARN` only healed faults) to
/// `callback`, with `user_data`; lines of the crates it is built on (targets not starting with
/// `rnuget`) only at `RNUGET_LOG_WARN` and above. `callback` NULL stops logging.
///
/// Process-wide: Rust's `log` facade has one logger per process, so this applies to every client
/// and thread. The first call installs rnuget's logger; a later call replaces the callback, the
/// level and the user data (the old callback is not called again once this returns). It fails
/// if the program installed another logger of its own first (a Rust host, say).
///
/// Log lines never carry a credential: the library never logs an API key, an `Authorization`
/// header or a password from a URL (URLs are logged with credentials removed).
///
/// Ownership: the library keeps `callback` and `user_data` (it never frees `user_data`).
/// NULL: `callback` and `user_data` may be NULL.
/// Errors: `RNUGET_ERR_INVALID_ARGUMENT` for an unknown `max_level`, `RNUGET_ERR_INTERNAL` when
/// another logger is installed.
/// Lifetime: `user_data` must stay valid until the callback is replaced or removed.
/// Threads: callable from any thread. The callback is called on whatever thread logs, possibly
/// several at once, so it and `user_data` must be thread-safe. It may run while the client holds
/// a lock (a source being set up, a service index being fetched), so from inside it
/// `rnuget_set_log_callback` and every `rnuget_client_*` function except the
/// `rnuget_client_options_*` ones return `RNUGET_ERR_REENTRANT_CALL` and do nothing, rather
/// than wait for that lock forever. Queue the line and act on it after the call returns.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rnuget_set_log_callback(
    callback: rnuget_log_callback,
    max_level: c_int,
    user_data: *mut c_void,
) -> rnuget_status {
    guard("rnuget_set_log_callback", || {
        let max_level = level_filter(max_level)?;
        install_logger()?;
        let mut sink = SINK
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *sink = callback.map(|callback| Sink {
            callback,
            max_level,
            user_data,
        });
        let max_level = if sink.is_some() {
            max_level
        } else {
            LevelFilter::Off
        };
        log::set_max_level(max_level);
        Ok(())
    })
}

/// Installs [`LOGGER`] once per process; fails when someone else's logger came first.
fn install_logger() -> Result<(), FfiError> {
    static INSTALLED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let ours = *INSTALLED.get_or_init(|| log::set_logger(&LOGGER).is_ok());
    if ours {
        Ok(())
    } else {
        Err(FfiError::new(
            rnuget_status::RNUGET_ERR_INTERNAL,
            "another logger is already installed in this process (log::set_logger)",
        ))
    }
}
