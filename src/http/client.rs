//! [`HttpClient`]: blocking GETs over ureq and rustls with NuGet's headers, deadlines and caps.
//! Each GET's hops (the request and the redirects it follows) are sent by `hops.rs`.

use std::cell::Cell;
use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use log::debug;
use serde::de::DeserializeOwned;
use ureq::http::Response;

use super::body::{self, CopyError};
use super::errors;
use super::guard::{Guards, RunMode};
use super::options::{HttpOptions, new_session_id};
use crate::observability::Observability;
use crate::observability::TraceContext;
use crate::observability::metrics::RequestRecord;
use crate::resilience::{
    BreakerStats, HostBreakers, LONGEST_WAIT, LimiterStats, SourceLimiter, deadline_after, host_key,
};
use crate::{Error, ErrorKind, Result};

/// A blocking HTTP client shared by every provider of a session (`Arc<HttpClient>`).
///
/// Every method takes `&self` and may be called from many threads at once; the connection pool
/// inside is shared.
pub struct HttpClient {
    pub(super) agent: ureq::Agent,
    pub(super) options: HttpOptions,
    observability: Observability,
    /// Retry, breakers and limiters, shared with every per-source view; `None` when off.
    guards: Option<Arc<Guards>>,
    /// The limiter of the source this view serves ([`HttpClient::for_source`]).
    source: Option<Arc<SourceLimiter>>,
    /// Whether failed requests are retried (by the retry policy, when there is one); false in
    /// a health-probe view ([`HttpClient::for_probe`]).
    retries: bool,
    /// When a health-probe view's request must be done by, and the timeout that ends then
    /// ([`HttpClient::for_probe`]): the wait for the source's limiter and the request itself
    /// share it.
    deadline: Option<(Instant, Duration)>,
}

/// Header values (which may hold API keys) never show; their names do.
impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers: Vec<&str> = self
            .options
            .extra_headers
            .iter()
            .map(|(n, _)| n.as_str())
            .collect();
        f.debug_struct("HttpClient")
            .field("user_agent", &self.options.user_agent)
            .field("session_id", &self.options.session_id)
            .field("connect_timeout", &self.options.connect_timeout)
            .field("request_timeout", &self.options.request_timeout)
            .field("max_response_bytes", &self.options.max_response_bytes)
            .field("max_package_bytes", &self.options.max_package_bytes)
            .field("extra_headers", &headers)
            .finish_non_exhaustive()
    }
}

/// What a request is for: it decides the deadlines and the size cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Purpose {
    /// A document read into memory: one overall deadline, `max_response_bytes`.
    Document,
    /// A package streamed to a writer: a deadline for the headers, then per read.
    Package,
}

/// One GET: where, what for, and the session it belongs to.
#[derive(Debug, Clone, Copy)]
pub(super) struct Request<'a> {
    pub(super) url: &'a str,
    pub(super) purpose: Purpose,
    pub(super) session_id: &'a str,
    pub(super) source: &'a str,
    pub(super) trace: Option<&'a TraceContext>,
}

/// Who a request is for: the operation's session, the source it belongs to (for metrics) and
/// the caller's trace context (sent as `traceparent` with a fresh span id, and `tracestate`).
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestScope<'a> {
    /// Sent as `X-NuGet-Session-Id`; empty means the client's own session.
    pub session_id: &'a str,
    /// The source URL without credentials, or `""`.
    pub source: &'a str,
    /// The caller's trace context, if any.
    pub trace: Option<&'a TraceContext>,
}

impl HttpClient {
    /// Builds a client; fails only when an option cannot be used (an invalid header).
    pub fn new(mut options: HttpOptions) -> Result<HttpClient> {
        if options.session_id.trim().is_empty() {
            options.session_id = new_session_id();
        }
        check_header_value("User-Agent", &options.user_agent)?;
        check_header_value("X-NuGet-Session-Id", &options.session_id)?;
        for (name, value) in &options.extra_headers {
            ureq::http::HeaderName::try_from(name.as_str()).map_err(|_| {
                Error::new(
                    ErrorKind::InvalidArgument,
                    format!("bad header name {name:?}"),
                )
            })?;
            check_header_value(name, value)?;
        }
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .user_agent(options.user_agent.as_str())
            .accept_encoding("gzip, deflate")
            .timeout_connect(Some(options.connect_timeout.min(LONGEST_WAIT)))
            .build();
        Ok(HttpClient {
            agent: ureq::Agent::new_with_config(config),
            guards: Guards::new(&options.resilience),
            options,
            observability: Observability::default(),
            source: None,
            retries: true,
            deadline: None,
        })
    }

    /// The same client reporting requests to `observability`'s metrics.
    pub fn with_observability(mut self, observability: Observability) -> HttpClient {
        self.observability = observability;
        self
    }

    /// What this client reports to.
    pub fn observability(&self) -> &Observability {
        &self.observability
    }

    /// A view of this client for the package source `name`: the same connections, session and
    /// circuit breakers, under the limits [`crate::resilience::ResilienceOptions`] sets for
    /// that source. Fails only when a rate limiter's refill thread cannot start.
    pub fn for_source(&self, name: &str) -> Result<HttpClient> {
        let source = match &self.guards {
            Some(guards) => guards.limiter(name)?,
            None => None,
        };
        Ok(HttpClient {
            agent: self.agent.clone(),
            options: self.options.clone(),
            guards: self.guards.clone(),
            source,
            observability: self.observability.clone(),
            retries: self.retries,
            deadline: self.deadline,
        })
    }

    /// A view of this client for a health probe: the same connections, identity, headers,
    /// credentials rule, metrics, source limiter and circuit breakers, under `timeout` for the
    /// connection and for the whole request, and one try only (a probe says how the source is
    /// now; retries with their backoff would outlast its deadline). The deadline runs from
    /// now and covers the wait for the source's limiter too, whatever its `max_wait`: a probe
    /// that gets no permit in time fails as [`ErrorKind::RateLimited`] naming the source, and
    /// one that waited gets only what is left for its request.
    pub fn for_probe(&self, timeout: Duration) -> HttpClient {
        let options = HttpOptions {
            connect_timeout: self.options.connect_timeout.min(timeout),
            request_timeout: self.options.request_timeout.min(timeout),
            ..self.options.clone()
        };
        HttpClient {
            agent: self.agent.clone(),
            options,
            guards: self.guards.clone(),
            source: self.source.clone(),
            observability: self.observability.clone(),
            retries: false,
            deadline: Some((deadline_after(Instant::now(), timeout), timeout)),
        }
    }

    /// The hosts (`host:port`) requests of the source `source` (its URL without credentials,
    /// as in [`RequestScope::source`]) went to, in the order first seen; recorded only while
    /// circuit breakers are on, since they are what the hosts are needed for.
    pub fn hosts_of_source(&self, source: &str) -> Vec<String> {
        self.guards
            .as_ref()
            .map(|g| g.hosts_of_source(source))
            .unwrap_or_default()
    }

    /// True when the options give the source `name` limits of its own (so that it needs a
    /// view, [`HttpClient::for_source`]).
    pub fn source_limiter_wanted(&self, name: &str) -> bool {
        self.options.resilience.limits_of(name).is_some()
    }

    /// The circuit breakers, one per host; `None` when they are off.
    pub fn breakers(&self) -> Option<&HostBreakers> {
        self.guards.as_deref().and_then(Guards::breakers)
    }

    /// The statistics of the breaker of the host of `url_or_host` (a URL, or `host:port`);
    /// `None` when breakers are off or nothing was sent there yet.
    pub fn breaker_stats(&self, url_or_host: &str) -> Option<BreakerStats> {
        let host = host_key(url_or_host).unwrap_or_else(|| url_or_host.to_ascii_lowercase());
        self.breakers()?.stats(&host)
    }

    /// The limiter of the source `name`, once a view for it was made; `None` when the source
    /// is unlimited.
    pub fn source_limiter(&self, name: &str) -> Option<Arc<SourceLimiter>> {
        self.guards.as_ref()?.existing_limiter(name)
    }

    /// The statistics of the limiter of the source `name` (see [`HttpClient::source_limiter`]).
    pub fn limiter_stats(&self, name: &str) -> Option<LimiterStats> {
        self.source_limiter(name).map(|l| l.stats())
    }

    /// Runs one request under the limiter, breaker and retry that are on; `can_retry` says
    /// whether a failed attempt left nothing behind that another would corrupt.
    fn guarded(
        &self,
        request: Request<'_>,
        attempt: impl FnMut() -> Result<u64>,
        can_retry: impl Fn() -> bool,
    ) -> Result<u64> {
        match &self.guards {
            None => {
                let mut attempt = attempt;
                attempt()
            }
            Some(guards) => {
                guards.note_host(request.source, request.url);
                guards.run(
                    self.source.as_deref(),
                    request.url,
                    attempt,
                    can_retry,
                    self.observability.metrics_ref(),
                    RunMode {
                        retries: self.retries,
                        deadline: self.deadline,
                    },
                )
            }
        }
    }

    /// The options this client was built with.
    pub fn options(&self) -> &HttpOptions {
        &self.options
    }

    /// The `X-NuGet-Session-Id` this client sends.
    pub fn session_id(&self) -> &str {
        &self.options.session_id
    }

    /// GETs `url` into memory, at most `max_response_bytes` after decompression.
    pub fn get_bytes(&self, url: &str) -> Result<Vec<u8>> {
        self.get_bytes_in_session(url, &self.options.session_id)
    }

    /// [`HttpClient::get_bytes`], sending `session_id` as `X-NuGet-Session-Id` (the session of
    /// the operation the request belongs to).
    pub fn get_bytes_in_session(&self, url: &str, session_id: &str) -> Result<Vec<u8>> {
        let scope = RequestScope {
            session_id,
            ..RequestScope::default()
        };
        self.get_bytes_scoped(url, scope)
    }

    /// [`HttpClient::get_bytes`] for `scope`'s session, source and trace.
    pub fn get_bytes_scoped(&self, url: &str, scope: RequestScope<'_>) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        let request = self.request(url, Purpose::Document, scope);
        let cap = self.options.max_response_bytes;
        // A retry starts the document afresh.
        let attempt = || {
            out.clear();
            match self.left_of_deadline() {
                Some(view) => view.get_into(request, cap, &mut out),
                None => self.get_into(request, cap, &mut out),
            }
        };
        self.guarded(request, attempt, || true)?;
        Ok(out)
    }

    /// GETs `url` and parses it as JSON; a leading UTF-8 byte-order mark is skipped.
    pub fn get_json<T: DeserializeOwned>(&self, url: &str) -> Result<T> {
        let bytes = self.get_bytes(url)?;
        parse_json(&bytes, url)
    }

    /// GETs `url` into `writer`, streaming, at most `max_package_bytes`; returns bytes written.
    pub fn download_to(&self, url: &str, writer: &mut dyn Write) -> Result<u64> {
        self.download_to_in_session(url, writer, &self.options.session_id)
    }

    /// [`HttpClient::download_to`], sending `session_id` as `X-NuGet-Session-Id`.
    pub fn download_to_in_session(
        &self,
        url: &str,
        writer: &mut dyn Write,
        session_id: &str,
    ) -> Result<u64> {
        let scope = RequestScope {
            session_id,
            ..RequestScope::default()
        };
        self.download_to_scoped(url, writer, scope)
    }

    /// [`HttpClient::download_to`] for `scope`'s session, source and trace.
    pub fn download_to_scoped(
        &self,
        url: &str,
        writer: &mut dyn Write,
        scope: RequestScope<'_>,
    ) -> Result<u64> {
        let request = self.request(url, Purpose::Package, scope);
        let cap = self.options.max_package_bytes;
        let written = Cell::new(0u64);
        let mut counting = Counting {
            inner: writer,
            written: &written,
        };
        // TODO(resumable downloads): a download that fails after handing bytes to the writer
        // is not retried, since the writer cannot be rewound.
        let attempt = || match self.left_of_deadline() {
            Some(view) => view.get_into(request, cap, &mut counting),
            None => self.get_into(request, cap, &mut counting),
        };
        self.guarded(request, attempt, || written.get() == 0)
    }

    /// For a view with a deadline (a health probe's), the same view under what is left of it,
    /// so that a request that first waited for the source's limiter still ends in time.
    fn left_of_deadline(&self) -> Option<HttpClient> {
        let (deadline, timeout) = self.deadline?;
        let mut view = self.for_probe(deadline.saturating_duration_since(Instant::now()));
        view.deadline = Some((deadline, timeout));
        Some(view)
    }

    fn request<'a>(
        &'a self,
        url: &'a str,
        purpose: Purpose,
        scope: RequestScope<'a>,
    ) -> Request<'a> {
        let session_id = if scope.session_id.is_empty() {
            self.options.session_id.as_str()
        } else {
            scope.session_id
        };
        Request {
            url,
            purpose,
            session_id,
            source: scope.source,
            trace: scope.trace,
        }
    }

    /// The deadlines a request for `purpose` runs under, for its timeout messages.
    pub(super) fn deadlines(&self, purpose: Purpose) -> errors::Deadlines {
        errors::Deadlines {
            connect: self.options.connect_timeout,
            request: self.options.request_timeout,
            per_read: match purpose {
                Purpose::Document => None,
                Purpose::Package => Some(self.options.download_read_timeout),
            },
            body: match purpose {
                Purpose::Document => None,
                Purpose::Package => self.options.download_timeout,
            },
        }
    }

    /// The overall deadline of a request for `purpose`, counted from its start: the request
    /// deadline for documents; for packages, `download_timeout` when set (the request deadline
    /// still bounds the wait for the headers).
    pub(super) fn overall(&self, purpose: Purpose) -> Option<Duration> {
        match purpose {
            Purpose::Document => Some(self.options.request_timeout),
            Purpose::Package => self.options.download_timeout,
        }
    }

    /// How long the wait for the response headers may take, from the start of the request.
    pub(super) fn header_deadline(&self, purpose: Purpose) -> Duration {
        match self.overall(purpose) {
            Some(overall) => overall.min(self.options.request_timeout),
            None => self.options.request_timeout,
        }
    }

    /// [`HttpClient::fetch_into`], recorded in the metrics when there are any.
    fn get_into(&self, request: Request<'_>, cap: u64, writer: &mut dyn Write) -> Result<u64> {
        let Some(metrics) = self.observability.metrics_ref() else {
            return self
                .fetch_into(request, cap, writer)
                .map(|(bytes, _)| bytes);
        };
        let started = Instant::now();
        let result = self.fetch_into(request, cap, writer);
        let (status, error, bytes) = match &result {
            Ok((bytes, status)) => (Some(*status), None, *bytes),
            Err(err) => (err.status(), Some(err.kind()), 0),
        };
        metrics.record_request(&RequestRecord {
            method: "GET",
            source: request.source,
            status,
            error,
            duration: started.elapsed(),
            package: request.purpose == Purpose::Package,
            bytes,
        });
        result.map(|(bytes, _)| bytes)
    }

    /// The GET itself: bytes written and the final status.
    fn fetch_into(
        &self,
        request: Request<'_>,
        cap: u64,
        writer: &mut dyn Write,
    ) -> Result<(u64, u16)> {
        let purpose = request.purpose;
        let deadlines = self.deadlines(purpose);
        let opened = self.open(request)?;
        let shown = opened.url.clone();
        if let Some(length) = declared_length(&opened.response)
            && length > cap
        {
            return Err(errors::too_large(cap, &shown));
        }
        let encoding = header(&opened.response, "content-encoding");
        body::check_encoding(encoding.as_deref()).map_err(|message| {
            Error::new(ErrorKind::Protocol, message)
                .with_url(&shown)
                .with_status(opened.status)
        })?;
        let raw = opened.response.into_body().into_reader();
        let mut reader = body::decoded(raw, encoding.as_deref())
            .map_err(|e| errors::from_io(e, &shown, &deadlines))?;
        let overall = self.overall(purpose);
        let deadline = overall.map(|limit| deadline_after(opened.started, limit));
        let result = body::copy_capped(&mut reader, writer, cap, deadline);
        let elapsed = opened.started.elapsed().as_millis();
        match result {
            Ok(bytes) => {
                debug!(
                    target: "rnuget::http",
                    "GET {shown} {} {bytes} bytes {elapsed} ms",
                    opened.status
                );
                Ok((bytes, opened.status))
            }
            Err(err) => {
                let err = match err {
                    CopyError::Read(e) => errors::from_decoded_read(
                        e,
                        body::own_codec(encoding.as_deref()),
                        &shown,
                        &deadlines,
                    ),
                    CopyError::Write(e) => Error::from(e)
                        .context("writing the response")
                        .with_url(&shown),
                    CopyError::TooLarge => errors::too_large(cap, &shown),
                    CopyError::Deadline => Error::new(
                        ErrorKind::Timeout,
                        errors::timed_out_after(
                            overall.unwrap_or(self.options.request_timeout),
                            "reading the response body",
                        ),
                    )
                    .with_url(&shown),
                };
                debug!(
                    target: "rnuget::http",
                    "GET {shown} {} failed after {elapsed} ms: {err}",
                    opened.status
                );
                Err(err.with_status(opened.status))
            }
        }
    }
}

/// A writer that counts what it passed on, so that a retry knows whether it may start over.
struct Counting<'a, 'b> {
    inner: &'a mut dyn Write,
    written: &'b Cell<u64>,
}

impl Write for Counting<'_, '_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.written.set(self.written.get() + n as u64);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Parses JSON, skipping a UTF-8 byte-order mark; a parse failure is a protocol error.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8], url: &str) -> Result<T> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    serde_json::from_slice(bytes)
        .map_err(|e| Error::new(ErrorKind::Protocol, format!("invalid JSON: {e}")).with_url(url))
}

pub(super) fn header(response: &Response<ureq::Body>, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// `Content-Length` of a body sent as is; `None` for compressed bodies, whose decoded size
/// only shows while reading.
fn declared_length(response: &Response<ureq::Body>) -> Option<u64> {
    if header(response, "content-encoding").is_some_and(|e| !e.eq_ignore_ascii_case("identity")) {
        return None;
    }
    header(response, "content-length").and_then(|v| v.trim().parse().ok())
}

fn check_header_value(name: &str, value: &str) -> Result<()> {
    ureq::http::HeaderValue::try_from(value)
        .map(|_| ())
        .map_err(|_| {
            Error::new(
                ErrorKind::InvalidArgument,
                format!("bad value for header {name}"),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_is_shareable_across_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<HttpClient>();
    }

    #[test]
    fn empty_session_id_gets_a_fresh_one() {
        let options = HttpOptions {
            session_id: String::new(),
            ..HttpOptions::default()
        };
        let client = HttpClient::new(options).unwrap();
        assert_eq!(client.session_id().len(), 36);
    }

    #[test]
    fn bad_headers_are_invalid_arguments() {
        let options = HttpOptions {
            extra_headers: vec![("X-Bad".into(), "a\nb".into())],
            ..HttpOptions::default()
        };
        assert_eq!(
            HttpClient::new(options).unwrap_err().kind(),
            ErrorKind::InvalidArgument
        );
    }

    #[test]
    fn json_with_a_byte_order_mark_parses() {
        let value: serde_json::Value = parse_json(b"\xEF\xBB\xBF{\"a\":1}", "u").unwrap();
        assert_eq!(value["a"], 1);
        let err = parse_json::<serde_json::Value>(b"{", "http://x:y@h/").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Protocol);
        assert_eq!(err.url(), Some("http://h/"));
    }
}
