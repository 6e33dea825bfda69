//! One GET's hops: the request, and the redirects it follows, each sent with NuGet's headers.
//!
//! Redirects are followed here rather than inside ureq so that the credentials rule is exact:
//! an `Authorization` header, and the caller's extra headers (which may hold an API key or a
//! token), go only to the origin (scheme, host and port) of the URL the caller gave, never to
//! another one a redirect points at. ureq's own "same host" rule ignores the port, so two
//! servers on one machine would share credentials.

use std::io::Read;
use std::time::{Duration, Instant};

use log::debug;
use ureq::http::Response;

use super::client::{HttpClient, Purpose, Request, header};
use super::errors;
use super::url::{self, Credentials, Origin};
use crate::observability::TraceContext;
use crate::resilience::{LONGEST_WAIT, deadline_after};
use crate::{Error, ErrorKind, Result};

/// Largest redirect body read (and thrown away) so that its connection can be reused.
const REDIRECT_BODY_LIMIT: u64 = 64 * 1024;

/// What is left of a request's deadlines when one hop (a GET, maybe a redirect) starts.
#[derive(Debug, Clone, Copy)]
struct HopTimes {
    /// Until the headers must have arrived.
    remaining: Duration,
    /// Until the body must have arrived, when there is an overall deadline.
    body_left: Option<Duration>,
}

/// A response with a success status, ready to be read.
pub(super) struct Opened {
    pub(super) response: Response<ureq::Body>,
    /// The URL that answered, after redirects, credentials removed.
    pub(super) url: String,
    pub(super) status: u16,
    pub(super) started: Instant,
}

impl HttpClient {
    /// Sends the GET, following redirects, and returns the first non-redirect success.
    pub(super) fn open(&self, request: Request<'_>) -> Result<Opened> {
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
        // The caller's URL passed `check_user_info`, so the strict reading agrees with the
        // one that split its credentials off; every later hop is a server's URL.
        let home = url::strict_origin(&current);
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
            current = url::without_user_info(&next);
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

fn same_origin(home: &Option<Origin>, url: &str) -> bool {
    home.is_some() && *home == url::strict_origin(url)
}

fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

fn drain(response: Response<ureq::Body>) {
    let mut reader = response.into_body().into_reader().take(REDIRECT_BODY_LIMIT);
    let _ = std::io::copy(&mut reader, &mut std::io::sink());
}
