//! The little URL handling the HTTP layer needs: credentials out of the authority, origins for
//! the redirect rule, and resolving a `Location` header against the URL that answered.

use std::borrow::Cow;
use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::observability::printable::{has_unprintable, is_unprintable};

/// A user name and password taken from a URL's `user:password@`; never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    user: String,
    password: String,
}

impl Credentials {
    /// Credentials from a user name and a password.
    pub fn new(user: impl Into<String>, password: impl Into<String>) -> Self {
        Credentials {
            user: user.into(),
            password: password.into(),
        }
    }

    /// The `Authorization` header value (HTTP Basic).
    pub fn authorization(&self) -> String {
        let pair = format!("{}:{}", self.user, self.password);
        format!("Basic {}", STANDARD.encode(pair))
    }
}

/// Only the user name shows; the password never reaches a log or an error message.
impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Credentials({}:***)", self.user)
    }
}

/// The scheme, host and port of a URL, compared to decide where credentials may go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    scheme: String,
    host: String,
    port: Option<u16>,
}

/// Splits `user:password@` off a URL: the URL without it and the (percent-decoded) credentials.
///
/// The user info is found by [`crate::error::user_info_span`], the rule that also hides it in
/// messages; [`check_user_info`] refuses the URLs whose user info that rule had to guess.
pub fn split_credentials(url: &str) -> (String, Option<Credentials>) {
    let Some(span) = crate::error::user_info_span(url) else {
        return (url.to_string(), None);
    };
    let userinfo = &url[span.start..span.at];
    let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
    let bare = format!("{}{}", &url[..span.start], &url[span.at + 1..]);
    let credentials = Credentials::new(percent_decode(user), percent_decode(password));
    (bare, Some(credentials))
}

/// Refuses a URL whose password holds an unencoded `/`, `?` or `#`: read by the standard it
/// would send the request to the user name as a host, so it is never sent anywhere. The
/// message names the URL without the user info and never echoes the password.
pub fn check_user_info(url: &str) -> crate::Result<()> {
    match crate::error::user_info_span(url) {
        Some(span) if span.unencoded => Err(crate::Error::new(
            crate::ErrorKind::InvalidArgument,
            "the user info of the URL holds an unencoded '/', '?' or '#'; percent-encode the \
             password ('/' as %2F, '?' as %3F, '#' as %23, '@' as %40)",
        )
        .with_url(url)),
        _ => Ok(()),
    }
}

/// Refuses a URL whose port is not a number from 0 to 65535 (`http://h:99999/`): the HTTP
/// stack would not refuse it but send the request to the scheme's default port instead, to
/// whatever listens there.
pub fn check_port(url: &str) -> crate::Result<()> {
    let Some((start, end)) = authority_span(url) else {
        return Ok(());
    };
    let authority = &url[start..end];
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    let port = match host_port.strip_prefix('[') {
        Some(rest) => rest
            .split_once(']')
            .and_then(|(_, after)| after.strip_prefix(':')),
        None => host_port.rsplit_once(':').map(|(_, port)| port),
    };
    // An empty port (`h:/`) is the default one, as RFC 3986 allows.
    let Some(port) = port.filter(|port| !port.is_empty()) else {
        return Ok(());
    };
    if port.bytes().all(|b| b.is_ascii_digit()) && port.parse::<u16>().is_ok() {
        return Ok(());
    }
    Err(crate::Error::new(
        crate::ErrorKind::InvalidArgument,
        format!("the port {port:?} is not a number from 0 to 65535"),
    )
    .with_url(&loggable(url)))
}

/// The origin of an absolute URL, `None` when it has no `scheme://authority`.
pub fn origin(url: &str) -> Option<Origin> {
    let (start, end) = authority_span(url)?;
    origin_in(url, start, end)
}

/// The origin of a URL a server gave (a redirect's `Location`), read by RFC 3986 alone: its
/// authority ends at the first `/`, `?` or `#`. A caller's URL is read by the rule that leans to
/// hiding a password ([`crate::error::user_info_span`]); a server's URL is where a request
/// goes, so it is read as every HTTP client reads it (`http://h:8443/a@b/` is host `h`).
pub fn strict_origin(url: &str) -> Option<Origin> {
    let (start, end) = strict_authority_span(url)?;
    origin_in(url, start, end)
}

/// A URL a server gave with the user info of its RFC 3986 authority removed (see
/// [`strict_origin`]): a `Location` may name credentials, which are never used.
pub fn without_user_info(url: &str) -> String {
    match strict_authority_span(url) {
        Some((start, end)) => match url[start..end].rfind('@') {
            Some(at) => format!("{}{}", &url[..start], &url[start + at + 1..]),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

fn origin_in(url: &str, start: usize, end: usize) -> Option<Origin> {
    let scheme = url[..start - 3].to_ascii_lowercase();
    let authority = &url[start..end];
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    let (host, port) = split_host_port(host_port);
    if host.is_empty() {
        return None;
    }
    let port = port.or(match scheme.as_str() {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    });
    Some(Origin {
        scheme,
        host: host.to_ascii_lowercase(),
        port,
    })
}

/// `url` with the `user:password@` of `source` added, when `source` has one, `url` has none
/// and both share an origin: how a source's credentials reach the resources it lists.
pub fn with_credentials_of(source: &str, url: &str) -> Option<String> {
    let (start, end) = authority_span(source)?;
    let at = source[start..end].rfind('@')?;
    let userinfo = &source[start..start + at];
    let (url_start, url_end) = authority_span(url)?;
    if url[url_start..url_end].contains('@') || origin(source) != origin(url) {
        return None;
    }
    Some(format!(
        "{}{userinfo}@{}",
        &url[..url_start],
        &url[url_start..]
    ))
}

/// Query parameters whose values are secrets (signed-URL signatures, tokens, keys).
const SECRET_PARAMETERS: &[&str] = &[
    "sig",
    "signature",
    "token",
    "access_token",
    "code",
    "key",
    "apikey",
    "api-key",
    "api_key",
    "x-amz-signature",
    "x-amz-credential",
    "x-amz-security-token",
];

/// A URL fit for logs and messages: no `user:password@`, the values of query parameters that
/// carry secrets (`sig=`, `token=`, ...) replaced by `***`, and no character that could forge a
/// log line (a feed's URL with a line break or a terminal escape): those are percent-encoded.
pub fn loggable(url: &str) -> String {
    let stripped = crate::error::strip_credentials(&escape_unprintable(url));
    let Some((head, query)) = stripped.split_once('?') else {
        return stripped;
    };
    let (query, fragment) = match query.split_once('#') {
        Some((q, f)) => (q, Some(f)),
        None => (query, None),
    };
    let masked: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if SECRET_PARAMETERS.contains(&name.to_ascii_lowercase().as_str()) => {
                format!("{name}=***")
            }
            _ => pair.to_string(),
        })
        .collect();
    let mut out = format!("{head}?{}", masked.join("&"));
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(fragment);
    }
    out
}

/// [`loggable`] without allocating when there is nothing to hide (no `@`, no query, nothing
/// but printable ASCII): for the span attributes of every cached call. One pass over the
/// bytes: a `contains` of a set of chars walks the text char by char, several times slower.
pub fn loggable_cow(url: &str) -> Cow<'_, str> {
    if url
        .bytes()
        .any(|b| matches!(b, b'@' | b'?') || !(0x20..0x7f).contains(&b))
    {
        Cow::Owned(loggable(url))
    } else {
        Cow::Borrowed(url)
    }
}

/// `url` with every character that must not reach a log line raw (see
/// [`is_unprintable`]) percent-encoded, byte by byte of its UTF-8 form.
pub fn escape_unprintable(url: &str) -> Cow<'_, str> {
    if !has_unprintable(url) {
        return Cow::Borrowed(url);
    }
    let mut out = String::with_capacity(url.len() + 8);
    for c in url.chars() {
        if is_unprintable(c) {
            let mut bytes = [0; 4];
            for byte in c.encode_utf8(&mut bytes).bytes() {
                out.push_str(&format!("%{byte:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Whether a URL is `http://` or `https://` (any case): the only schemes rnuget fetches.
pub fn is_http_url(url: &str) -> bool {
    let starts = |scheme: &str| {
        url.get(..scheme.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(scheme))
    };
    starts("http://") || starts("https://")
}

/// The URL without its `#fragment`, which is never sent to a server.
pub fn without_fragment(url: &str) -> &str {
    url.split_once('#').map_or(url, |(before, _)| before)
}

/// Resolves a redirect `Location` against the URL that sent it (RFC 3986, section 5.2).
pub fn resolve(base: &str, location: &str) -> String {
    let location = location.trim();
    if has_scheme(location) {
        return location.to_string();
    }
    let Some((start, end)) = authority_span(base) else {
        return location.to_string();
    };
    if let Some(rest) = location.strip_prefix("//") {
        return format!("{}//{rest}", &base[..start - 2]);
    }
    let root = &base[..end];
    let base_path_query = without_fragment(&base[end..]);
    if location.starts_with('/') {
        return format!("{root}{}", remove_dot_segments(location));
    }
    let base_path = base_path_query.split('?').next().unwrap_or("");
    if location.is_empty() {
        return format!("{root}{base_path_query}");
    }
    if location.starts_with('?') {
        return format!("{root}{base_path}{location}");
    }
    let directory = match base_path.rfind('/') {
        Some(slash) => &base_path[..=slash],
        None => "/",
    };
    format!(
        "{root}{}",
        remove_dot_segments(&format!("{directory}{location}"))
    )
}

/// Byte range of the authority (`user@host:port`) of an absolute URL.
/// The authority by RFC 3986: from after `scheme://` to the first `/`, `?` or `#`.
fn strict_authority_span(url: &str) -> Option<(usize, usize)> {
    let (start, _) = authority_span(url)?;
    let end = url[start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| start + i);
    Some((start, end))
}

fn authority_span(url: &str) -> Option<(usize, usize)> {
    let scheme_end = url.find("://")?;
    if !url[..scheme_end]
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        || scheme_end == 0
    {
        return None;
    }
    let start = scheme_end + 3;
    // The host starts after the user info, which may hold delimiters (see `user_info_span`).
    let host_start = crate::error::user_info_span(url).map_or(start, |span| span.at + 1);
    let end = url[host_start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| host_start + i);
    Some((start, end))
}

fn has_scheme(reference: &str) -> bool {
    match reference.find(':') {
        Some(colon) => {
            let scheme = &reference[..colon];
            !scheme.is_empty()
                && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        }
        None => false,
    }
}

fn split_host_port(host_port: &str) -> (&str, Option<u16>) {
    if let Some(rest) = host_port.strip_prefix('[') {
        // IPv6 literal: `[::1]:8080`.
        let (host, after) = rest.split_once(']').unwrap_or((rest, ""));
        return (host, after.strip_prefix(':').and_then(|p| p.parse().ok()));
    }
    match host_port.rsplit_once(':') {
        Some((host, port)) => (host, port.parse().ok()),
        None => (host_port, None),
    }
}

/// Removes `.` and `..` segments from a path, keeping any query as it is.
fn remove_dot_segments(path_and_query: &str) -> String {
    let (path, query) = match path_and_query.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path_and_query, None),
    };
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').collect();
    let last = segments.len().saturating_sub(1);
    for (i, segment) in segments.iter().enumerate() {
        match *segment {
            "." => {
                if i == last {
                    out.push("");
                }
            }
            ".." => {
                if out.len() > 1 {
                    out.pop();
                }
                if i == last {
                    out.push("");
                }
            }
            other => out.push(other),
        }
    }
    let mut joined = out.join("/");
    if !joined.starts_with('/') {
        joined.insert(0, '/');
    }
    match query {
        Some(q) => format!("{joined}?{q}"),
        None => joined,
    }
}

fn percent_decode(input: &str) -> String {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(value) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(value);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_split_off_and_decoded() {
        let (url, creds) = split_credentials("https://me:p%40ss@feed.example:8443/v3/index.json");
        assert_eq!(url, "https://feed.example:8443/v3/index.json");
        let creds = creds.unwrap();
        assert_eq!(creds, Credentials::new("me", "p@ss"));
        assert_eq!(creds.authorization(), "Basic bWU6cEBzcw==");
        assert_eq!(format!("{creds:?}"), "Credentials(me:***)");
        assert_eq!(split_credentials("http://h/a@b").1, None);
        assert_eq!(
            split_credentials("http://u@h/").1,
            Some(Credentials::new("u", ""))
        );
    }

    #[test]
    fn user_info_with_unencoded_delimiters_is_split_by_the_hiding_rule() {
        let url = "http://alice:pa/ss?w#d@127.0.0.1:9/ok/index.json";
        let (bare, creds) = split_credentials(url);
        assert_eq!(bare, "http://127.0.0.1:9/ok/index.json");
        assert_eq!(creds, Some(Credentials::new("alice", "pa/ss?w#d")));
        assert_eq!(origin(url), origin("http://127.0.0.1:9/"));
        assert_eq!(loggable(url), "http://127.0.0.1:9/ok/index.json");
        let err = check_user_info(url).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::InvalidArgument);
        assert!(!format!("{err} {err:?}").contains("pa/ss"), "{err}");
        assert!(check_user_info("http://alice:p%2Fa@h/x").is_ok());
        assert!(check_user_info("http://alice:p@a@h/x").is_ok());
    }

    #[test]
    fn source_credentials_go_to_its_own_origin_only() {
        let source = "https://u:p@feed.example/v3/index.json";
        assert_eq!(
            with_credentials_of(source, "https://feed.example/flat/x").as_deref(),
            Some("https://u:p@feed.example/flat/x")
        );
        assert_eq!(
            with_credentials_of(source, "https://cdn.example/flat/x"),
            None
        );
        assert_eq!(
            with_credentials_of(source, "http://feed.example/flat/x"),
            None
        );
        assert_eq!(
            with_credentials_of(source, "https://o:q@feed.example/x"),
            None
        );
        assert_eq!(
            with_credentials_of("https://feed.example/", "https://feed.example/x"),
            None
        );
    }

    #[test]
    fn loggable_urls_hide_credentials_and_signatures() {
        assert_eq!(
            loggable("https://u:p@blob.example/p.nupkg?sv=2020&SIG=abc%3D&se=1#x"),
            "https://blob.example/p.nupkg?sv=2020&SIG=***&se=1#x"
        );
        assert_eq!(
            loggable("http://h/q?q=json&take=20"),
            "http://h/q?q=json&take=20"
        );
    }

    #[test]
    fn ports_that_are_not_sixteen_bit_numbers_are_refused() {
        for url in [
            "http://127.0.0.1:99999/v3/index.json",
            "https://h:65536",
            "http://u:p@h:8o/x",
            "http://[::1]:123456/x?y=1",
        ] {
            let err = check_port(url).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::InvalidArgument, "{url}");
            assert!(
                err.message().contains("is not a number from 0 to 65535"),
                "{err}"
            );
            assert!(!err.to_string().contains("u:p"), "{err}");
        }
        for url in [
            "http://127.0.0.1:65535/v3/index.json",
            "http://h:/x",
            "http://h/x:99999",
            "http://[::1]/x",
            "http://[::1]:8080",
            "http://u:99999@h/x",
            "not a url",
        ] {
            assert!(check_port(url).is_ok(), "{url}");
        }
    }

    #[test]
    fn origins_compare_scheme_host_and_port() {
        let a = origin("http://127.0.0.1:8080/x").unwrap();
        assert_eq!(a, origin("HTTP://127.0.0.1:8080/y?z").unwrap());
        assert_ne!(a, origin("http://127.0.0.1:8081/x").unwrap());
        assert_eq!(
            origin("https://h/").unwrap(),
            origin("https://u:p@H:443").unwrap()
        );
        assert_ne!(origin("http://h/").unwrap(), origin("https://h/").unwrap());
        assert_eq!(origin("[::1]"), None);
        assert_eq!(origin("http://///bad url"), None);
        assert_eq!(origin("http://[::1]:9/").unwrap().port, Some(9));
    }

    #[test]
    fn locations_resolve_like_a_browser() {
        let base = "http://h:1/a/b/c.json?q=1#f";
        assert_eq!(resolve(base, "https://o/x"), "https://o/x");
        assert_eq!(resolve(base, "//o:2/x"), "http://o:2/x");
        assert_eq!(resolve(base, "/x/y"), "http://h:1/x/y");
        assert_eq!(resolve(base, "d.json"), "http://h:1/a/b/d.json");
        assert_eq!(resolve(base, "../d.json"), "http://h:1/a/d.json");
        assert_eq!(resolve(base, "./d?x=2"), "http://h:1/a/b/d?x=2");
        assert_eq!(resolve(base, "?z"), "http://h:1/a/b/c.json?z");
        assert_eq!(resolve("http://h", "x"), "http://h/x");
        assert_eq!(without_fragment("http://h/p#page/1"), "http://h/p");
    }

    #[test]
    fn percent_decoding_keeps_bad_escapes() {
        assert_eq!(percent_decode("a%20b%zz%4"), "a b%zz%4");
        assert_eq!(percent_decode("%41"), "A");
    }

    #[test]
    fn a_servers_url_is_read_by_rfc_3986_alone() {
        let weird = "http://cdn.example:8443/x@other.example/p";
        let origin = strict_origin(weird).unwrap();
        assert_eq!(origin, strict_origin("http://cdn.example:8443/").unwrap());
        assert_ne!(Some(origin), strict_origin("http://other.example/"));
        assert_eq!(without_user_info(weird), weird);
        assert_eq!(
            without_user_info("https://u:p@cdn.example/a@b"),
            "https://cdn.example/a@b"
        );
        assert_eq!(without_user_info("not a url"), "not a url");
    }
}
