//! One error type for the whole library.
//!
//! Every failure carries a [`ErrorKind`] that a caller (or the C ABI) can branch on, a message for
//! people, and the context an operator needs to find the fault: the source name, the URL with any
//! credentials removed, the HTTP status and how many attempts were made.

use std::fmt;

use crate::http::escape_unprintable;
use crate::observability::printable::printable_owned;

/// What went wrong, in groups a caller can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A caller passed an argument that cannot be used (empty id, bad URL, bad option).
    InvalidArgument,
    /// A version string is not a NuGet version.
    InvalidVersion,
    /// A version range string is not a NuGet version range.
    InvalidRange,
    /// A target framework moniker cannot be parsed.
    InvalidFramework,
    /// The feed answered that the package, version or resource does not exist (HTTP 404).
    NotFound,
    /// The feed answered with an HTTP status that is neither success nor 404.
    HttpStatus,
    /// The connection failed: DNS, refused, reset, TLS.
    Network,
    /// A connect, read or overall deadline passed.
    Timeout,
    /// A response or package is bigger than the configured limit.
    TooLarge,
    /// A feed answered with something that breaks the NuGet protocol (bad JSON, missing field).
    Protocol,
    /// A `.nupkg` or `.nuspec` is not valid (bad zip, no nuspec, unsafe entry names).
    InvalidPackage,
    /// A local file could not be read or written.
    Io,
    /// Offline, and the cache holds no answer for the request.
    NotCached,
    /// A source's rate limit gave no permit before its deadline (too many requests queued).
    RateLimited,
    /// A host's circuit breaker is open after repeated failures; nothing was sent.
    CircuitOpen,
}

impl ErrorKind {
    /// A short lowercase name, stable across releases, used in messages and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidArgument => "invalid argument",
            ErrorKind::InvalidVersion => "invalid version",
            ErrorKind::InvalidRange => "invalid version range",
            ErrorKind::InvalidFramework => "invalid framework",
            ErrorKind::NotFound => "not found",
            ErrorKind::HttpStatus => "http status",
            ErrorKind::Network => "network error",
            ErrorKind::Timeout => "timeout",
            ErrorKind::TooLarge => "too large",
            ErrorKind::Protocol => "protocol error",
            ErrorKind::InvalidPackage => "invalid package",
            ErrorKind::Io => "i/o error",
            ErrorKind::NotCached => "not cached",
            ErrorKind::RateLimited => "rate limited",
            ErrorKind::CircuitOpen => "circuit open",
        }
    }
}

/// An error with its kind and the context it happened in.
#[derive(Debug, Clone)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    source_name: Option<String>,
    url: Option<String>,
    status: Option<u16>,
    attempts: u32,
    /// The server's `Retry-After` header, as sent.
    retry_after: Option<String>,
    /// The fault will not go away by asking again (a TLS failure): never retried.
    permanent: bool,
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Creates an error of `kind` with a message that says what was wrong.
    /// Characters that could forge a log line (a feed's CR, LF or terminal escape) are
    /// escaped, here and in every other field: messages quote what feeds send, and they are
    /// logged.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: printable_owned(message.into()),
            source_name: None,
            url: None,
            status: None,
            attempts: 0,
            retry_after: None,
            permanent: false,
        }
    }

    /// Adds the URL the error happened at; user info (credentials) is removed first.
    pub fn with_url(mut self, url: &str) -> Self {
        self.url = Some(strip_credentials(&escape_unprintable(url)));
        self
    }

    /// Adds the name (or URL) of the package source the error happened at.
    pub fn with_source(mut self, source: &str) -> Self {
        self.source_name = Some(printable_owned(strip_credentials(source)));
        self
    }

    /// Adds the HTTP status the server answered with.
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// Records how many attempts were made before giving up.
    pub fn with_attempts(mut self, attempts: u32) -> Self {
        self.attempts = attempts;
        self
    }

    /// Adds the server's `Retry-After` header (seconds or an HTTP date), as sent.
    pub fn with_retry_after(mut self, value: &str) -> Self {
        self.retry_after = Some(value.to_string());
        self
    }

    /// Marks the error as one that asking again cannot cure (a TLS failure): it is never retried.
    pub fn permanent(mut self) -> Self {
        self.permanent = true;
        self
    }

    /// Prefixes the message with more context, keeping kind, URL and status.
    pub fn context(mut self, context: impl fmt::Display) -> Self {
        let context = printable_owned(context.to_string());
        self.message = format!("{context}: {}", self.message);
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The message without the context fields.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The source the error happened at, if known.
    pub fn source_name(&self) -> Option<&str> {
        self.source_name.as_deref()
    }

    /// The URL the error happened at, credentials removed, if known.
    pub fn url(&self) -> Option<&str> {
        self.url.as_deref()
    }

    /// The HTTP status, if the server answered.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// How many attempts were made (0 when nothing was sent).
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The `Retry-After` header of the answer, as the server sent it.
    pub fn retry_after(&self) -> Option<&str> {
        self.retry_after.as_deref()
    }

    /// True when asking again cannot cure the fault (see [`Error::permanent`]).
    pub fn is_permanent(&self) -> bool {
        self.permanent
    }

    /// True when the feed said the thing does not exist: a result, not a failure.
    pub fn is_not_found(&self) -> bool {
        self.kind == ErrorKind::NotFound
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.as_str(), self.message)?;
        if let Some(status) = self.status {
            write!(f, " (HTTP {status})")?;
        }
        // A field is shown once: not when the message already says it, and a source named
        // after its URL is not named again after that URL.
        let url = self
            .url
            .as_deref()
            .filter(|url| !self.message.contains(url));
        if let Some(url) = url {
            write!(f, " [url: {url}]")?;
        }
        let source = self.source_name.as_deref().filter(|source| {
            let said = source.contains("://") && self.message.contains(*source);
            self.url.as_deref() != Some(*source) && !said
        });
        if let Some(source) = source {
            write!(f, " [source: {source}]")?;
        }
        if self.attempts > 1 {
            write!(f, " [after {} attempts]", self.attempts)?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(err: std::io::Error) -> Self {
        let kind = match err.kind() {
            std::io::ErrorKind::TimedOut => ErrorKind::Timeout,
            _ => ErrorKind::Io,
        };
        Error::new(kind, err.to_string())
    }
}

/// Removes `user:password@` from a URL so that it can be shown and logged (the rule of
/// [`user_info_span`], which hides rather than shows when in doubt).
pub fn strip_credentials(url: &str) -> String {
    match user_info_span(url) {
        Some(span) => format!("{}{}", &url[..span.start], &url[span.at + 1..]),
        None => url.to_string(),
    }
}

/// Where the user info (`user:password`) of a URL lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserInfoSpan {
    /// Byte offset of its first character, just after `://`.
    pub start: usize,
    /// Byte offset of the `@` that ends it.
    pub at: usize,
    /// True when it runs past the first `/`, `?` or `#` after `://`: a password with an
    /// unencoded delimiter, which no URL parser reads the same way; such a URL is refused.
    pub unencoded: bool,
}

/// The user info of `url`, by one rule shared by every place that shows or splits URLs.
///
/// By RFC 3986 the authority ends at the first `/`, `?` or `#`, and a password holding one of
/// them unencoded (`http://alice:pa/ss@host/`) would read as host `alice` with the password in
/// the path. People do write such URLs, so the rule leans to hiding: when an `@` comes later
/// in the URL and the text between `://` and it holds a `:`, everything up to the last such
/// `@` is user info. Otherwise the user info is what precedes the last `@` of the authority.
pub fn user_info_span(url: &str) -> Option<UserInfoSpan> {
    let start = url.find("://")? + 3;
    let rest = &url[start..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let hidden = rest
        .rfind('@')
        .filter(|&at| rest[..at].contains(':'))
        .map(|at| UserInfoSpan {
            start,
            at: start + at,
            unencoded: at > authority_end,
        });
    hidden.or_else(|| {
        rest[..authority_end].rfind('@').map(|at| UserInfoSpan {
            start,
            at: start + at,
            unencoded: false,
        })
    })
}

/// Caps a caller's input quoted in an error message: at most [`QUOTED_INPUT_CHARS`]
/// characters, then `… (N bytes)`, so that a huge argument never makes a huge message.
pub fn quoted_input(input: &str) -> String {
    match input.char_indices().nth(QUOTED_INPUT_CHARS) {
        None => format!("{input:?}"),
        Some((cut, _)) => format!("{:?}… ({} bytes)", &input[..cut], input.len()),
    }
}

/// Most characters of an input [`quoted_input`] shows.
pub const QUOTED_INPUT_CHARS: usize = 200;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_stripped_from_urls() {
        assert_eq!(
            strip_credentials("https://user:s3cret@feed.example/v3/index.json"),
            "https://feed.example/v3/index.json"
        );
        assert_eq!(strip_credentials("http://h/a@b"), "http://h/a@b");
        assert_eq!(strip_credentials("not a url"), "not a url");
        assert_eq!(strip_credentials("http://u@h/a@b"), "http://h/a@b");
    }

    #[test]
    fn passwords_with_unencoded_delimiters_are_hidden() {
        for password in ["pa/ss", "pa?ss", "pa#ss", "pa@ss", "p/a?s#s@x"] {
            let url = format!("http://alice:{password}@127.0.0.1:9/ok/index.json");
            assert_eq!(strip_credentials(&url), "http://127.0.0.1:9/ok/index.json");
            let span = user_info_span(&url).unwrap();
            assert_eq!(&url[span.start..span.at], format!("alice:{password}"));
            assert_eq!(span.unencoded, password.contains(['/', '?', '#']), "{url}");
        }
        assert_eq!(user_info_span("http://h:1/a"), None);
        assert_eq!(user_info_span("http://h/a@b"), None);
    }

    #[test]
    fn errors_quote_at_most_a_few_hundred_bytes_of_a_huge_input() {
        let huge = format!("1.0.0-{}!", "a".repeat(5_000_000));
        let messages = [
            crate::version::NuGetVersion::parse(&huge).unwrap_err(),
            crate::version::VersionRange::parse(&huge).unwrap_err(),
            crate::version::FloatRange::parse(&huge).unwrap_err(),
            crate::framework::NuGetFramework::parse(&format!(".NETFramework,Version=v{huge}"))
                .unwrap_err(),
            crate::package::validate_id(&huge).unwrap_err(),
        ]
        .map(|err| err.to_string());
        for message in messages {
            // At most two quotes of 200 characters each, and the words around them.
            let start: String = message.chars().take(300).collect();
            assert!(message.len() < 1_000, "{} bytes: {start}", message.len());
            assert!(
                message.contains("… (5000007 bytes)") || message.contains("… (5000030 bytes)"),
                "{message}"
            );
        }
    }

    #[test]
    fn quoted_input_is_capped() {
        assert_eq!(quoted_input("1.0"), "\"1.0\"");
        let long = "é".repeat(300);
        let quoted = quoted_input(&long);
        assert_eq!(quoted, format!("{:?}… (600 bytes)", "é".repeat(200)));
    }

    #[test]
    fn display_names_url_status_and_source() {
        let err = Error::new(ErrorKind::HttpStatus, "GET failed")
            .with_url("https://u:p@h/x")
            .with_status(503)
            .with_source("corp")
            .with_attempts(3);
        assert_eq!(
            err.to_string(),
            "http status: GET failed (HTTP 503) [url: https://h/x] [source: corp] [after 3 attempts]"
        );
    }

    #[test]
    fn display_says_a_url_once() {
        let url = "http://127.0.0.1:1/v3/index.json";
        let named_after_its_url = Error::new(ErrorKind::Network, "connection refused")
            .with_url(url)
            .with_source(url);
        assert_eq!(
            named_after_its_url.to_string(),
            format!("network error: connection refused [url: {url}]")
        );
        let said = Error::new(ErrorKind::Protocol, format!("no index at {url}"))
            .with_url(url)
            .with_source("corp");
        assert_eq!(
            said.to_string(),
            format!("protocol error: no index at {url} [source: corp]")
        );
    }
}
