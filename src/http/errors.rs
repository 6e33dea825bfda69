//! Turning transport failures and HTTP statuses into [`crate::Error`]s that name the URL.

use std::io;
use std::time::Duration;

use crate::{Error, ErrorKind};

/// The deadlines a request ran under, so that a timeout can say which one passed and how long
/// it was (the configured value, as the user wrote it, not ureq's internal phase name).
#[derive(Debug, Clone, Copy)]
pub struct Deadlines {
    /// Opening the connection.
    pub connect: Duration,
    /// The whole request (headers, and the body of documents).
    pub request: Duration,
    /// Each read of a package body; `None` when the request deadline covers the body.
    pub per_read: Option<Duration>,
    /// The whole package download (`download_timeout`); `None` for documents, whose body the
    /// request deadline covers, and for downloads without one.
    pub body: Option<Duration>,
}

impl Deadlines {
    /// The message of a timeout in `phase`: "timed out after 10 s connecting".
    pub fn timed_out(&self, phase: ureq::Timeout) -> String {
        let (limit, doing) = match phase {
            ureq::Timeout::Resolve | ureq::Timeout::Connect => (self.connect, "connecting"),
            ureq::Timeout::PerRead => (
                self.per_read.unwrap_or(self.request),
                "reading the response body",
            ),
            ureq::Timeout::RecvBody => (
                self.body.unwrap_or(self.request),
                "reading the response body",
            ),
            ureq::Timeout::SendRequest | ureq::Timeout::SendBody | ureq::Timeout::PerWrite => {
                (self.request, "sending the request")
            }
            _ => (self.request, "waiting for the response"),
        };
        timed_out_after(limit, doing)
    }
}

/// "timed out after 1.5 s reading the response body".
pub fn timed_out_after(limit: Duration, doing: &str) -> String {
    format!("timed out after {} s {doing}", limit.as_secs_f64())
}

/// An error for a failed exchange with `url`: connection, TLS, deadline, bad URL.
pub fn from_ureq(err: ureq::Error, url: &str, deadlines: &Deadlines) -> Error {
    let (kind, message) = match err {
        ureq::Error::Io(io_err) => return from_plain_io(io_err, url, deadlines),
        ureq::Error::Decompress(codec, io_err) => {
            return from_decompress(codec, io_err, url, deadlines);
        }
        ureq::Error::Timeout(which) => (ErrorKind::Timeout, deadlines.timed_out(which)),
        ureq::Error::BadUri(uri) => (ErrorKind::InvalidArgument, format!("bad URL {uri:?}")),
        ureq::Error::Http(e) => (ErrorKind::InvalidArgument, format!("bad request: {e}")),
        ureq::Error::BodyExceedsLimit(limit) => (
            ErrorKind::TooLarge,
            format!("response body is larger than {limit} bytes"),
        ),
        ureq::Error::HostNotFound => (ErrorKind::Network, "host not found".to_string()),
        ureq::Error::ConnectionFailed => (ErrorKind::Network, "connection failed".to_string()),
        // A TLS fault (a certificate the client rejects, a broken handshake) does not heal by
        // asking again.
        ureq::Error::Rustls(e) => {
            return Error::new(ErrorKind::Network, format!("TLS: {e}"))
                .with_url(url)
                .permanent();
        }
        ureq::Error::Tls(e) => {
            return Error::new(ErrorKind::Network, format!("TLS: {e}"))
                .with_url(url)
                .permanent();
        }
        other => (ErrorKind::Network, other.to_string()),
    };
    Error::new(kind, message).with_url(url)
}

/// An error for a failed read of a response body (or of its decompression).
pub fn from_io(err: io::Error, url: &str, deadlines: &Deadlines) -> Error {
    // ureq wraps its own errors (a deadline, a broken chunk) in `io::Error` while a body is read.
    from_ureq(ureq::Error::from(err), url, deadlines)
}

/// An error for a failed read of a body that rnuget decodes itself (`deflate`, named by
/// `codec`), or of a body sent as is (`codec` is `None`).
pub fn from_decoded_read(
    err: io::Error,
    codec: Option<&str>,
    url: &str,
    deadlines: &Deadlines,
) -> Error {
    match (codec, ureq::Error::from(err)) {
        (Some(codec), ureq::Error::Io(inner)) => from_decompress(codec, inner, url, deadlines),
        (_, other) => from_ureq(other, url, deadlines),
    }
}

/// An error for a body that failed while being decompressed. A transport fault under the
/// decoder (a reset, a connection cut short, a deadline) keeps its own kind and may heal by
/// asking again; anything else means the server sent bytes that are not the coding it
/// declared, which asking again does not heal: a protocol error, not retried.
fn from_decompress(codec: &str, err: io::Error, url: &str, deadlines: &Deadlines) -> Error {
    if is_transport_fault(&err) {
        return from_plain_io(err, url, deadlines);
    }
    Error::new(
        ErrorKind::Protocol,
        format!("the {codec} body does not decompress: {err}"),
    )
    .with_url(url)
}

/// Whether a read failed in the connection rather than in the bytes it carried. A compressed
/// stream that ends early reads as `UnexpectedEof`, as a cut connection does: it is retried.
fn is_transport_fault(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
            | io::ErrorKind::NotConnected
            | io::ErrorKind::TimedOut
            | io::ErrorKind::WouldBlock
    )
}

fn from_plain_io(err: io::Error, url: &str, deadlines: &Deadlines) -> Error {
    let (kind, message) = match err.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => (
            ErrorKind::Timeout,
            deadlines.timed_out(ureq::Timeout::PerRead),
        ),
        io::ErrorKind::ConnectionRefused => (ErrorKind::Network, "connection refused".to_string()),
        io::ErrorKind::ConnectionReset => (
            ErrorKind::Network,
            "the server reset the connection".to_string(),
        ),
        io::ErrorKind::InvalidData | io::ErrorKind::InvalidInput => (
            ErrorKind::Protocol,
            format!("reading from the server failed: {err}"),
        ),
        _ => (
            ErrorKind::Network,
            format!("reading from the server failed: {err}"),
        ),
    };
    Error::new(kind, message).with_url(url)
}

/// The error for a non-success status: `NotFound` for 404, `HttpStatus` for the rest.
pub fn from_status(status: u16, url: &str) -> Error {
    let kind = if status == 404 {
        ErrorKind::NotFound
    } else {
        ErrorKind::HttpStatus
    };
    let reason = ureq::http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    Error::new(
        kind,
        format!("server answered {status} {reason}")
            .trim_end()
            .to_string(),
    )
    .with_url(url)
    .with_status(status)
}

/// The error for a body bigger than `limit` bytes.
pub fn too_large(limit: u64, url: &str) -> Error {
    Error::new(
        ErrorKind::TooLarge,
        format!("response body is larger than the limit of {limit} bytes"),
    )
    .with_url(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEADLINES: Deadlines = Deadlines {
        connect: Duration::from_secs(10),
        request: Duration::from_millis(1500),
        per_read: Some(Duration::from_secs(60)),
        body: None,
    };

    #[test]
    fn timeouts_name_the_configured_limit_and_the_phase() {
        let err = from_ureq(
            ureq::Error::Timeout(ureq::Timeout::Global),
            "http://h/x",
            &DEADLINES,
        );
        assert_eq!(err.kind(), ErrorKind::Timeout);
        assert_eq!(
            err.message(),
            "timed out after 1.5 s waiting for the response"
        );
        let err = from_ureq(
            ureq::Error::Timeout(ureq::Timeout::Connect),
            "http://h/x",
            &DEADLINES,
        );
        assert_eq!(err.message(), "timed out after 10 s connecting");
        let read = io::Error::new(io::ErrorKind::TimedOut, "read");
        let err = from_io(read, "http://h/x", &DEADLINES);
        assert_eq!(err.kind(), ErrorKind::Timeout);
        assert_eq!(
            err.message(),
            "timed out after 60 s reading the response body"
        );
    }

    #[test]
    fn refused_connections_say_so() {
        let refused = io::Error::new(io::ErrorKind::ConnectionRefused, "os error 111");
        let err = from_ureq(ureq::Error::Io(refused), "http://h/x", &DEADLINES);
        assert_eq!(err.kind(), ErrorKind::Network);
        assert_eq!(err.message(), "connection refused");
        assert_eq!(err.url(), Some("http://h/x"));
    }
}
