//! `rnuget_client_with_trace`: a C caller's W3C trace context, carried by every request.

use std::ffi::c_char;

use rnuget::observability::TraceContext;

use crate::args;
use crate::boundary::guard;
use crate::client::rnuget_client;
use crate::handle;
use crate::status::rnuget_status;

/// Makes a client whose calls take part in the caller's trace: every request they send carries
/// `traceparent: 00-<trace id>-<a fresh span id>-<flags>` with the trace id and flags of
/// `traceparent` (W3C `version-traceid-parentid-flags`, lowercase hex), and `tracestate` as
/// given (NULL for none). It shares `client`'s sources, connections, service indexes and
/// cache, and keeps its context (cache flags, max age, session id): make one per traced
/// operation, from a client made by `rnuget_client_with_context` too.
///
/// Ownership: `*out` receives a new client; release it with `rnuget_client_free` (before or
/// after `client`).
/// NULL: `client`, `traceparent` or `out` NULL gives `RNUGET_ERR_NULL_ARGUMENT`; `tracestate`
/// may be NULL. On failure `*out` is NULL.
/// Errors: `RNUGET_ERR_INVALID_ARGUMENT` for a `traceparent` that is not W3C (an all-zero id,
/// uppercase hex, the version `ff`, ...) or a `tracestate` that is not printable ASCII of at
/// most 512 characters; `RNUGET_ERR_INVALID_UTF8` for text that is not UTF-8.
/// Lifetime: `client` must be live during the call; the strings are copied.
/// Threads: callable from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rnuget_client_with_trace(
    client: *const rnuget_client,
    traceparent: *const c_char,
    tracestate: *const c_char,
    out: *mut *mut rnuget_client,
) -> rnuget_status {
    guard("rnuget_client_with_trace", || {
        // SAFETY: the pointers are NULL or valid as the contract above requires.
        let (out, client, traceparent, tracestate) = unsafe {
            (
                args::out_ptr(out, "out")?,
                args::handle(client, "client")?,
                args::text(traceparent, "traceparent")?,
                args::optional_text(tracestate, "tracestate")?,
            )
        };
        let trace = TraceContext::parse(traceparent, tracestate)?;
        let context = client.0.default_context().clone().with_trace(trace);
        *out = handle::into_raw(rnuget_client::new(client.0.with_context(context)));
        Ok(())
    })
}
