//! The HTTP layer: one [`HttpClient`] per session, shared by every source as `Arc<HttpClient>`.
//!
//! It sends what NuGet.Client sends (a `User-Agent` naming rnuget and its version, an
//! `X-NuGet-Session-Id`, `Accept-Encoding: gzip, deflate`), keeps connect and overall deadlines,
//! caps every response body, and reports failures as [`crate::Error`]s that name the URL with
//! credentials removed: 404 is [`crate::ErrorKind::NotFound`], other statuses
//! [`crate::ErrorKind::HttpStatus`], transport faults `Network` or `Timeout`, an oversized body
//! `TooLarge`. Credentials given as `user:password@` in a URL are sent as HTTP Basic to that
//! URL's origin only, and never logged.
//!
//! ```text
//! client.rs   HttpClient: requests, deadlines, bodies, metrics
//! hops.rs     one GET's hops: redirects under the credentials rule, headers, timeouts
//! options.rs  HttpOptions and their defaults, session ids
//! body.rs     deflate decoding, copying under a size cap
//! errors.rs   transport errors and statuses as crate::Error
//! retry.rs    RetryPolicy: what retries, backoff, Retry-After
//! date.rs     HTTP dates in their three forms (Retry-After)
//! guard.rs    source limiter -> host breaker -> retry around each request
//! url.rs      credentials, origins, Location resolution
//! ```

mod body;
mod client;
mod date;
mod errors;
mod guard;
mod hops;
mod options;
mod retry;
mod url;

pub use client::{HttpClient, RequestScope, parse_json};
pub use date::{parse_http_date, parse_http_date_at};
pub use options::{HttpOptions, default_user_agent, new_session_id};
pub use retry::{RetryPolicy, parse_retry_after};
pub use url::{
    Credentials, Origin, check_user_info, is_http_url, origin, resolve, split_credentials,
    with_credentials_of,
};
pub(crate) use url::{escape_unprintable, loggable, loggable_cow};

#[cfg(test)]
mod tests;
