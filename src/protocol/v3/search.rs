//! Search (`SearchQueryService`): the query URL and the response.

use log::warn;
use serde::Deserialize;

use super::catalog_entry::{DeprecationDoc, VulnerabilityDoc};
use super::json::{self, StringOrList};
use crate::http::loggable;
use crate::protocol::{SearchQuery, SearchResult, SearchResults, SearchVersion};
use crate::version::NuGetVersion;
use crate::{Error, ErrorKind, Result};

/// The query URL, as NuGet.Client builds it: any query of `endpoint` is replaced by
/// `q`, `skip`, `take`, `prerelease` and, when asked, `semVerLevel=2.0.0`.
pub fn query_url(endpoint: &str, query: &SearchQuery) -> String {
    let mut url = format!(
        "{}?q={}&skip={}&take={}&prerelease={}",
        without_query(endpoint),
        encode_component(&query.query),
        query.skip,
        query.take,
        query.prerelease
    );
    if query.semver2 {
        url.push_str("&semVerLevel=2.0.0");
    }
    url
}

/// `endpoint` without its query and fragment.
pub fn without_query(endpoint: &str) -> &str {
    endpoint.split(['?', '#']).next().unwrap_or(endpoint)
}

/// Percent-encodes a query component (RFC 3986 unreserved characters stay as they are).
pub fn encode_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[derive(Default)]
struct ResponseDoc {
    /// Kept raw, so that a value that is there but is no count can be told from none.
    total_hits: Option<serde_json::Value>,
    data: Option<Vec<ResultDoc>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct ResultDoc {
    #[serde(deserialize_with = "json::string")]
    id: Option<String>,
    #[serde(deserialize_with = "json::string")]
    version: Option<String>,
    #[serde(deserialize_with = "json::string")]
    description: Option<String>,
    #[serde(deserialize_with = "json::string")]
    summary: Option<String>,
    #[serde(deserialize_with = "json::string")]
    title: Option<String>,
    #[serde(deserialize_with = "json::strings")]
    authors: Option<StringOrList>,
    #[serde(deserialize_with = "json::strings")]
    owners: Option<StringOrList>,
    #[serde(deserialize_with = "json::strings")]
    tags: Option<StringOrList>,
    #[serde(deserialize_with = "json::string")]
    icon_url: Option<String>,
    #[serde(deserialize_with = "json::string")]
    project_url: Option<String>,
    #[serde(deserialize_with = "json::string")]
    license_url: Option<String>,
    #[serde(deserialize_with = "json::integer")]
    total_downloads: Option<i64>,
    #[serde(deserialize_with = "json::boolean")]
    verified: Option<bool>,
    package_types: Option<Vec<PackageTypeDoc>>,
    versions: Option<Vec<VersionDoc>>,
    deprecation: Option<DeprecationDoc>,
    vulnerabilities: Option<Vec<VulnerabilityDoc>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PackageTypeDoc {
    #[serde(deserialize_with = "json::string")]
    name: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct VersionDoc {
    #[serde(deserialize_with = "json::string")]
    version: Option<String>,
    #[serde(deserialize_with = "json::integer")]
    downloads: Option<i64>,
}

/// Parses a search response. Results without an id or a parseable version are left out with a
/// warning; title and summary fall back to id and description as in NuGet.Client.
/// `deprecation` and `vulnerabilities` are read as in a registration leaf (NuGet.Client's
/// `PackageSearchMetadata` reads them from search results too); a deprecation whose alternate
/// range does not parse is dropped with a warning rather than failing the whole search.
///
/// At most `query.take` results are read, as NuGet.Client's `V3SearchResultsConverter` stops
/// there: a feed that ignores `take` does not hand the caller more than it asked for.
///
/// A result's versions are those of its `versions` array as NuGet.Client's
/// `PackageSearchResourceV3` hands them out: in feed order, each once, prerelease ones only
/// when `query.prerelease` was asked, and then the result's own version (with `totalDownloads`) when
/// the array did not list it, so that a feed that leaves `versions` out still gives one.
///
/// `totalHits` is a count: a whole number from 0 to `u64::MAX` (as a number, or a numeric
/// string). Missing or null it reads as 0; anything else (`1e300`, `-1`, `2.5`, `"many"`) is a
/// protocol error naming the URL rather than a count made up: NuGet.Client reads it as a
/// 64-bit integer and fails on what does not fit, and a negative or fractional count means
/// the feed is broken.
pub fn parse(bytes: &[u8], url: &str, query: &SearchQuery) -> Result<SearchResults> {
    let doc: ResponseDoc = crate::http::parse_json(bytes, url)?;
    let total_hits = total_hits(doc.total_hits, url)?;
    let results = doc
        .data
        .unwrap_or_default()
        .into_iter()
        .take(usize::try_from(query.take).unwrap_or(usize::MAX))
        .filter_map(|r| r.into_result(url, query.prerelease))
        .collect();
    Ok(SearchResults {
        total_hits,
        results,
    })
}

/// `totalHits` as a count (see [`parse`]).
fn total_hits(value: Option<serde_json::Value>, url: &str) -> Result<u64> {
    use serde_json::Value;
    let count = match &value {
        None | Some(Value::Null) => return Ok(0),
        Some(Value::Number(n)) => n.as_u64().or_else(|| {
            // 12.0 is a whole count; 2^64 and beyond is not one a u64 holds.
            let f = n.as_f64()?;
            (f >= 0.0 && f.fract() == 0.0 && f < 18_446_744_073_709_551_616.0).then_some(f as u64)
        }),
        Some(Value::String(text)) => text.trim().parse().ok(),
        Some(_) => None,
    };
    count.ok_or_else(|| {
        let shown = value.map(|v| v.to_string()).unwrap_or_default();
        Error::new(
            ErrorKind::Protocol,
            format!("the search response's totalHits {shown} is not a whole number of results"),
        )
        .with_url(url)
    })
}

impl ResultDoc {
    fn into_result(self, url: &str, prerelease: bool) -> Option<SearchResult> {
        let Some(id) = self.id.filter(|id| !id.is_empty()) else {
            let shown = loggable(url);
            warn!(target: "rnuget::protocol", "{shown}: skipping a search result without id");
            return None;
        };
        let version = match self.version.as_deref().map(NuGetVersion::parse) {
            Some(Ok(version)) => version,
            _ => {
                let (shown, version) = (loggable(url), &self.version);
                warn!(target: "rnuget::protocol",
                    "{shown}: skipping {id:?}: version {version:?} is not a version");
                return None;
            }
        };
        let total_downloads = self.total_downloads.and_then(|n| u64::try_from(n).ok());
        let mut versions: Vec<SearchVersion> = Vec::new();
        for v in self.versions.unwrap_or_default() {
            let Some(Ok(parsed)) = v.version.as_deref().map(NuGetVersion::parse) else {
                continue;
            };
            let wanted = prerelease || !parsed.is_prerelease();
            if wanted && !versions.iter().any(|seen| seen.version == parsed) {
                versions.push(SearchVersion {
                    version: parsed,
                    downloads: v.downloads.and_then(|n| u64::try_from(n).ok()),
                });
            }
        }
        if !versions.iter().any(|seen| seen.version == version) {
            versions.push(SearchVersion {
                version: version.clone(),
                downloads: total_downloads,
            });
        }
        let deprecation = self.deprecation.and_then(|doc| {
            let label = format!("{id} {}", version.to_normalized_string());
            doc.into_deprecation(&label, url)
                .map_err(|err| {
                    let shown = loggable(url);
                    warn!(target: "rnuget::protocol", "{shown}: ignoring a deprecation: {err}");
                })
                .ok()
        });
        let vulnerabilities = self
            .vulnerabilities
            .unwrap_or_default()
            .into_iter()
            .filter_map(VulnerabilityDoc::into_vulnerability)
            .collect();
        let description = self.description;
        Some(SearchResult {
            title: Some(
                self.title
                    .filter(|t| !t.is_empty())
                    .unwrap_or_else(|| id.clone()),
            ),
            summary: self
                .summary
                .filter(|s| !s.is_empty())
                .or_else(|| description.clone()),
            description,
            authors: self.authors.map(|a| a.items(&[','])).unwrap_or_default(),
            owners: self.owners.map(|o| o.items(&[','])).unwrap_or_default(),
            tags: self.tags.map(|t| t.items(&[',', ' '])).unwrap_or_default(),
            icon_url: self.icon_url.filter(|u| !u.is_empty()),
            project_url: self.project_url.filter(|u| !u.is_empty()),
            license_url: self.license_url.filter(|u| !u.is_empty()),
            total_downloads,
            verified: self.verified,
            package_types: self
                .package_types
                .unwrap_or_default()
                .into_iter()
                .filter_map(|t| t.name)
                .collect(),
            versions,
            deprecation,
            vulnerabilities,
            id,
            version,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(total: &str) -> Result<u64> {
        let body = format!(r#"{{"totalHits": {total}, "data": []}}"#);
        parse(
            body.as_bytes(),
            "http://h/query?q=x",
            &SearchQuery::default(),
        )
        .map(|r| r.total_hits)
    }

    #[test]
    fn total_hits_is_a_count_or_the_response_is_refused() {
        assert_eq!(hits("42").unwrap(), 42);
        assert_eq!(hits("12.0").unwrap(), 12);
        assert_eq!(hits("\"7\"").unwrap(), 7);
        assert_eq!(hits("18446744073709551615").unwrap(), u64::MAX);
        assert_eq!(hits("null").unwrap(), 0);
        let none = parse(br#"{"data": []}"#, "http://h/q", &SearchQuery::default()).unwrap();
        assert_eq!(none.total_hits, 0);
        for bad in ["1e300", "-1", "2.5", "\"many\"", "true", "[1]"] {
            let err = hits(bad).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Protocol, "{bad}");
            assert_eq!(err.url(), Some("http://h/query?q=x"), "{bad}");
            assert!(
                err.message().contains("totalHits") && err.message().contains("whole number"),
                "{bad}: {err}"
            );
        }
        let err = hits("1e300").unwrap_err();
        assert!(err.message().contains("totalHits 1e+300 "), "{err}");
    }

    #[test]
    fn query_urls_replace_the_endpoint_query() {
        let query = SearchQuery {
            query: "json net+x".into(),
            skip: 5,
            take: 10,
            prerelease: false,
            semver2: true,
        };
        assert_eq!(
            query_url("https://s/query?old=1", &query),
            "https://s/query?q=json%20net%2Bx&skip=5&take=10&prerelease=false&semVerLevel=2.0.0"
        );
        let query = SearchQuery {
            semver2: false,
            ..SearchQuery::default()
        };
        assert_eq!(
            query_url("https://s/q", &query),
            "https://s/q?q=&skip=0&take=20&prerelease=true"
        );
    }
}
