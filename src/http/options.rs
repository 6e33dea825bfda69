//! How an [`super::HttpClient`] behaves: identity, deadlines and size limits.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};

use crate::resilience::ResilienceOptions;

/// Settings of one HTTP client, fixed when the client is built. Its `Debug` form hides the
/// values of [`HttpOptions::extra_headers`] (API keys, tokens).
#[derive(Clone, PartialEq, Eq)]
pub struct HttpOptions {
    /// `User-Agent` sent with every request; the default names rnuget and its version.
    pub user_agent: String,
    /// Deadline for opening a connection (DNS, TCP, TLS). Default 10 s.
    pub connect_timeout: Duration,
    /// Deadline for a whole request, redirects and body included, as NuGet's 100 s
    /// `HttpClient.Timeout`. For package downloads it covers the response headers only, and
    /// [`HttpOptions::download_read_timeout`] guards the body.
    pub request_timeout: Duration,
    /// Longest wait for the next bytes of a package body (NuGet's 60 s download timeout).
    ///
    /// As in NuGet, this is a per-read deadline only: a package body that keeps trickling in
    /// never times out by it. Set [`HttpOptions::download_timeout`] for an overall deadline.
    pub download_read_timeout: Duration,
    /// Overall deadline for a package download, headers and body, counted from the request.
    /// Default `None`: no overall deadline, NuGet's behaviour (only
    /// [`HttpOptions::download_read_timeout`] per read and the request deadline for headers).
    pub download_timeout: Option<Duration>,
    /// Largest JSON (or other in-memory) response body, after decompression. Default 64 MiB.
    pub max_response_bytes: u64,
    /// Largest `.nupkg` body, after decompression. Default 4 GiB.
    pub max_package_bytes: u64,
    /// Most pages one registration index may list, inline or remote; an index with more is
    /// refused as [`crate::ErrorKind::TooLarge`]. Default 2,000 (nuget.org's largest ids have a
    /// few dozen pages of 64 versions), so that a hostile index cannot make a reader fetch
    /// thousands of documents.
    pub max_registration_pages: usize,
    /// Most bytes read for one registration (index and the pages fetched for a call, as the
    /// feed sent them, decompressed); past it the read fails as
    /// [`crate::ErrorKind::TooLarge`]. Default 512 MiB.
    pub max_registration_bytes: u64,
    /// Redirects followed before giving up. Default 10.
    pub max_redirects: u32,
    /// `X-NuGet-Session-Id` sent with every request. The default is fresh for every
    /// `HttpOptions::default()`; an empty string asks the client to make a fresh one.
    pub session_id: String,
    /// More headers sent with every request, after the built-in ones: like credentials, only
    /// to the origin of the URL asked for, never to another origin a redirect points at.
    pub extra_headers: Vec<(String, String)>,
    /// Retry, circuit breakers and per-source limits; all off by default.
    pub resilience: ResilienceOptions,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            user_agent: default_user_agent(),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(100),
            download_read_timeout: Duration::from_secs(60),
            download_timeout: None,
            max_response_bytes: 64 * 1024 * 1024,
            max_package_bytes: 4 * 1024 * 1024 * 1024,
            max_registration_pages: 2_000,
            max_registration_bytes: 512 * 1024 * 1024,
            max_redirects: 10,
            session_id: new_session_id(),
            extra_headers: Vec::new(),
            resilience: ResilienceOptions::default(),
        }
    }
}

/// Every field, but of the extra headers only their names: their values may be secrets.
impl fmt::Debug for HttpOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Destructured, so that a new field cannot be left out (or shown) unnoticed.
        let HttpOptions {
            user_agent,
            connect_timeout,
            request_timeout,
            download_read_timeout,
            download_timeout,
            max_response_bytes,
            max_package_bytes,
            max_registration_pages,
            max_registration_bytes,
            max_redirects,
            session_id,
            extra_headers,
            resilience,
        } = self;
        let headers: Vec<(&str, &str)> = extra_headers
            .iter()
            .map(|(name, _)| (name.as_str(), "***"))
            .collect();
        f.debug_struct("HttpOptions")
            .field("user_agent", user_agent)
            .field("connect_timeout", connect_timeout)
            .field("request_timeout", request_timeout)
            .field("download_read_timeout", download_read_timeout)
            .field("download_timeout", download_timeout)
            .field("max_response_bytes", max_response_bytes)
            .field("max_package_bytes", max_package_bytes)
            .field("max_registration_pages", max_registration_pages)
            .field("max_registration_bytes", max_registration_bytes)
            .field("max_redirects", max_redirects)
            .field("session_id", session_id)
            .field("extra_headers", &headers)
            .field("resilience", resilience)
            .finish()
    }
}

/// `rnuget/<version> (+https://github.com/rnuget)`.
pub fn default_user_agent() -> String {
    format!(
        "rnuget/{} (+https://github.com/rnuget)",
        env!("CARGO_PKG_VERSION")
    )
}

/// A fresh id formatted as a GUID, different for every call in and across processes.
///
/// NuGet only needs the id to tell sessions apart in server logs, so a hash of the time, the
/// process id, a counter and a stack address is enough; no random-number crate is needed.
pub fn new_session_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let stack_marker = 0u8;
    let mut hasher = Sha256::new();
    hasher.update(nanos.to_le_bytes());
    hasher.update(std::process::id().to_le_bytes());
    hasher.update(count.to_le_bytes());
    hasher.update((&stack_marker as *const u8 as usize).to_le_bytes());
    hasher.update(format!("{:?}", std::thread::current().id()).as_bytes());
    let digest = hasher.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    // Mark it as a version-4 (random) GUID, RFC 4122 variant, so that it looks like one.
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_nuget() {
        let options = HttpOptions::default();
        assert!(options.user_agent.starts_with("rnuget/"));
        assert!(options.user_agent.contains(env!("CARGO_PKG_VERSION")));
        assert_eq!(options.connect_timeout, Duration::from_secs(10));
        assert_eq!(options.request_timeout, Duration::from_secs(100));
        assert_eq!(options.max_response_bytes, 64 << 20);
        assert_eq!(options.max_package_bytes, 4 << 30);
        assert_eq!(options.download_read_timeout, Duration::from_secs(60));
        assert_eq!(options.download_timeout, None);
        assert_eq!(options.max_registration_pages, 2_000);
        assert_eq!(options.max_registration_bytes, 512 << 20);
        assert!(options.extra_headers.is_empty());
    }

    #[test]
    fn session_ids_are_guids_and_differ() {
        let a = new_session_id();
        let b = new_session_id();
        assert_ne!(a, b);
        for id in [&a, &b] {
            let groups: Vec<_> = id.split('-').map(str::len).collect();
            assert_eq!(groups, [8, 4, 4, 4, 12], "{id}");
            assert!(
                id.chars().all(|c| c == '-' || c.is_ascii_hexdigit()),
                "{id}"
            );
            assert_eq!(&id[14..15], "4", "{id}");
        }
    }
}
