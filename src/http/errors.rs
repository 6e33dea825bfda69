//! Turning transport failures and HTTP statuses into [`crate::Error`]s that name the URL.

use std::io;

use crate::{Error, ErrorKind};

/// An error for a failed exchange with `url`: connection, TLS, deadline, bad URL.
pub fn from_ureq(err: ureq::Error, url: &str) -> Error {
    let (kind, message) = match err {
        ureq::Error::Io(io_err) => return from_plain_io(io_err, url),
        ureq::Error::Timeout(which) => (ErrorKind::Timeout, format!("deadline passed: {which}")),
        ureq::Error::BadUri(uri) => (ErrorKind::InvalidArgument, format!("bad URL {uri:?}")),
        ureq::Error::Http(e) => (ErrorKind::InvalidArgument, format!("bad request: {e}")),
        ureq::Error::BodyExceedsLimit(limit) => (
            ErrorKind::TooLarge,
            format!("response body is larger than {limit} bytes"),
        ),
        ureq::Error::HostNotFound => (ErrorKind::Network, "host not found".to_string()),
        ureq::Error::ConnectionFailed => (ErrorKind::Network, "connection failed".to_string()),
        other => (ErrorKind::Network, other.to_string()),
    };
    Error::new(kind, message).with_url(url)
}

/// An error for a failed read of a response body (or of its decompression).
pub fn from_io(err: io::Error, url: &str) -> Error {
    // ureq wraps its own errors (a deadline, a broken chunk) in `io::Error` while a body is read.
    from_ureq(ureq::Error::from(err), url)
}

fn from_plain_io(err: io::Error, url: &str) -> Error {
    let kind = match err.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => ErrorKind::Timeout,
        io::ErrorKind::InvalidData | io::ErrorKind::InvalidInput => ErrorKind::Protocol,
        _ => ErrorKind::Network,
    };
    Error::new(kind, format!("reading from the server failed: {err}")).with_url(url)
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
