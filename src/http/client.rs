//! [`HttpClient`]: blocking GETs over ureq and rustls with NuGet's headers, deadlines and caps.
//!
//! Redirects are followed here rather than inside ureq so that the credentials rule is exact:
//! an `Authorization` header, and the caller's extra headers (which may hold an API key or a
//! token), go only to the origin (scheme, host and port) of the URL the caller gave, never to
//! another one a redirect points at. ureq's own "same host" rule ignores the port, so two
//! servers on one machine would share credentials.

use std::cell::Cell;
use std::io::{Read, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use log::debug;
use serde::de::DeserializeOwned;
use ureq::http::Response;

use super::body::{self, CopyError};
use super::errors;
use super::guard::{Guards, RunMode};
use super::options::{HttpOptions, new_session_id};
use super::url::{self, Credentials, Origin};
use crate::observability::Observability;
use crate::observability::TraceContext;
use crate::observability::metrics::RequestRecord;
use crate::resilience::{
    BreakerStats, HostBreakers, LONGEST_WAIT, LimiterStats, SourceLimiter, deadline_after, host_key,
};
use crate::{Error, ErrorKind, Result};

/// Largest redirect body read (and thrown away) so that its connection can be reused.
const REDIRECT_BODY_LIMIT: u64 = 64 * 1024;

/// A blocking HTTP client shared by every provider of a session (`Arc<HttpClient>`).
///
/// Every method takes `&self` and may be called from many threads at once; the connection pool
/// inside is shared.
pub struct HttpClient {
    agent: ureq::Agent,
    options: HttpOptions,
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
enum Purpose {
    /// A document read into memory: one overall deadline, `max_response_bytes`.
    Document,
    /// A package streamed to a writer: a deadline for the headers, then per read.
    Package,
}

/// One GET: where, what for, and the session it belongs to.
#[derive(Debug, Clone, Copy)]
struct Request<'a> {
    url: &'a str,
    purpose: Purpose,
    session_id: &'a str,
    source: &'a str,
    trace: Option<&'a TraceContext>,
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

/// What is left of a request's deadlines when one hop (a GET, maybe a redirect) starts.
#[derive(Debug, Clone, Copy)]
struct HopTimes {
    /// Until the headers must have arrived.
    remaining: Duration,
    /// Until the body must have arrived, when there is an overall deadline.
    body_left: Option<Duration>,
}

/// A response with a success status, ready to be read.
struct Opened {
    response: Response<ureq::Body>,
    /// The URL that answered, after redirects, credentials removed.
    url: String,
    status: u16,
    started: Instant,
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
    fn deadlines(&self, purpose: Purpose) -> errors::Deadlines {
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
    fn overall(&self, purpose: Purpose) -> Option<Duration> {
        match purpose {
            Purpose::Document => Some(self.options.request_timeout),
            Purpose::Package => self.options.download_timeout,
        }
    }

    /// How long the wait for the response headers may take, from the start of the request.
    fn header_deadline(&self, purpose: Purpose) -> Duration {
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

    /// Sends the GET, following redirects, and returns the first non-redirect success.
    fn open(&self, request: Request<'_>) -> Result<Opened> {
        let Request {
            url,
            purpose,
            session_id,
            trace,
            ..
        } = request;
        url::check_user_info(url)?;
        url::check_port(url)?;
        if !url::is_http_url(url) {
            let message = "only http:// and https:// URLs can be fetched";
            return Err(Error::new(ErrorKind::InvalidArgument, message).with_url(url));
        }
        let started = Instant::now();
        let limit = self.header_deadline(purpose);
        let deadline = deadline_after(started, limit);
        let (mut current, credentials) = url::split_credentials(url);
        let home = url::origin(&current);
        let mut redirects = 0u32;
        loop {
            let hop_started = Instant::now();
            let remaining = deadline.saturating_duration_since(hop_started);
            if remaining.is_zero() {
                let phase = match redirects {
                    0 => "before sending the request",
                    _ => "following redirects",
                };
                return Err(
                    Error::new(ErrorKind::Timeout, errors::timed_out_after(limit, phase))
                        .with_url(&url::loggable(&current)),
                );
            }
            let at_home = same_origin(&home, &current);
            let authorize = credentials.as_ref().filter(|_| at_home);
            let body_left = self
                .overall(purpose)
                .map(|limit| deadline_after(started, limit).saturating_duration_since(hop_started));
            let times = HopTimes {
                remaining,
                body_left,
            };
            let who = Who {
                session_id,
                trace,
                credentials: authorize,
                at_home,
            };
            let response = self.send(&current, purpose, who, times)?;
            let status = response.status().as_u16();
            let ms = hop_started.elapsed().as_millis();
            if (200..300).contains(&status) {
                return Ok(Opened {
                    response,
                    url: url::loggable(&current),
                    status,
                    started,
                });
            }
            let location = header(&response, "location");
            if !is_redirect(status) || location.is_none() {
                debug!(target: "rnuget::http", "GET {} {status} {ms} ms", url::loggable(&current));
                let err = errors::from_status(status, &url::loggable(&current));
                return Err(match header(&response, "retry-after") {
                    Some(after) => err.with_retry_after(&after),
                    None => err,
                });
            }
            let next = url::resolve(&current, location.as_deref().unwrap_or_default());
            debug!(
                target: "rnuget::http",
                "GET {} {status} -> {} {ms} ms",
                url::loggable(&current),
                url::loggable(&next)
            );
            drain(response);
            if !url::is_http_url(&next) {
                // Only http and https are followed; anything else is the server's fault.
                let message = "redirected to a URL that is not http:// or https://";
                return Err(Error::new(ErrorKind::Protocol, message)
                    .with_url(&url::loggable(&next))
                    .with_status(status));
            }
            if let Err(err) = url::check_port(&next) {
                let message = format!(
                    "redirected to a URL that cannot be fetched: {}",
                    err.message()
                );
                return Err(Error::new(ErrorKind::Protocol, message)
                    .with_url(&url::loggable(&next))
                    .with_status(status));
            }
            redirects += 1;
            if redirects > self.options.max_redirects {
                return Err(Error::new(
                    ErrorKind::HttpStatus,
                    format!("more than {} redirects", self.options.max_redirects),
                )
                .with_url(&url::loggable(url))
                .with_status(status));
            }
            // A Location may carry its own user info; it is dropped, never used.
            current = url::split_credentials(&next).0;
        }
    }

    fn send(
        &self,
        url: &str,
        purpose: Purpose,
        who: Who<'_>,
        times: HopTimes,
    ) -> Result<Response<ureq::Body>> {
        let mut request = self
            .agent
            .get(url::without_fragment(url))
            .header("X-NuGet-Session-Id", who.session_id);
        if who.at_home {
            for (name, value) in &self.options.extra_headers {
                request = request.header(name.as_str(), value.as_str());
            }
        }
        if let Some(credentials) = who.credentials {
            request = request.header("Authorization", credentials.authorization());
        }
        if let Some(trace) = who.trace {
            add_trace_headers(&mut request, trace);
        }
        let config = request.config();
        let request = match purpose {
            // Per-phase timeouts rather than `timeout_global`: with a global timeout ureq 3.5
            // resolves the host on a new thread for every request, pooled connection or not,
            // which costs more than a whole loopback GET. The copy loop enforces the overall
            // deadline on the body.
            Purpose::Document => config
                .timeout_connect(Some(self.options.connect_timeout.min(LONGEST_WAIT)))
                .timeout_recv_response(Some(times.remaining))
                .timeout_recv_body(Some(times.remaining))
                .build(),
            // With a `download_timeout`, ureq also ends a read that stalls past it (the copy
            // loop only sees the deadline between reads).
            Purpose::Package => config
                .timeout_connect(Some(self.options.connect_timeout.min(LONGEST_WAIT)))
                .timeout_recv_response(Some(times.remaining))
                .timeout_recv_body(times.body_left)
                .timeout_per_read(Some(self.options.download_read_timeout.min(LONGEST_WAIT)))
                .build(),
        };
        request.call().map_err(|err| {
            let err = errors::from_ureq(err, &url::loggable(url), &self.deadlines(purpose));
            debug!(target: "rnuget::http", "GET {} failed: {err}", url::loggable(url));
            err
        })
    }
}

/// `traceparent` (every request is a span of its own under the caller's) and `tracestate`,
/// put straight into the header map with names known in advance: the builder's own `header`
/// parses each name and moves the whole request builder, which cost more than the rest of
/// the trace context on a warm call.
fn add_trace_headers<B>(request: &mut ureq::RequestBuilder<B>, trace: &TraceContext) {
    use ureq::http::{HeaderName, HeaderValue};
    let Some(headers) = request.headers_mut() else {
        return;
    };
    // Both values were checked when the trace context was parsed (printable ASCII).
    if let Ok(value) = HeaderValue::try_from(trace.child_traceparent()) {
        headers.append(HeaderName::from_static("traceparent"), value);
    }
    if let Some(state) = trace.tracestate()
        && let Ok(value) = HeaderValue::from_str(state)
    {
        headers.append(HeaderName::from_static("tracestate"), value);
    }
}

/// Who one hop is sent for: the session, the caller's trace and the credentials it may carry.
#[derive(Clone, Copy)]
struct Who<'a> {
    session_id: &'a str,
    trace: Option<&'a TraceContext>,
    credentials: Option<&'a Credentials>,
    /// Whether the hop goes to the origin the caller asked (so its extra headers go too).
    at_home: bool,
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

fn same_origin(home: &Option<Origin>, url: &str) -> bool {
    home.is_some() && *home == url::origin(url)
}

fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

fn header(response: &Response<ureq::Body>, name: &str) -> Option<String> {
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

fn drain(response: Response<ureq::Body>) {
    let mut reader = response.into_body().into_reader().take(REDIRECT_BODY_LIMIT);
    let _ = std::io::copy(&mut reader, &mut std::io::sink());
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
