//! Search (`SearchQueryService`): the query URL and the response.

use log::warn;
use serde::Deserialize;

use super::json::{self, StringOrList};
use crate::Result;
use crate::protocol::{SearchQuery, SearchResult, SearchResults, SearchVersion};
use crate::version::NuGetVersion;

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
    #[serde(deserialize_with = "json::integer")]
    total_hits: Option<i64>,
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
pub fn parse(bytes: &[u8], url: &str) -> Result<SearchResults> {
    let doc: ResponseDoc = crate::http::parse_json(bytes, url)?;
    let results = doc
        .data
        .unwrap_or_default()
        .into_iter()
        .filter_map(|r| r.into_result(url))
        .collect();
    Ok(SearchResults {
        total_hits: doc
            .total_hits
            .and_then(|n| u64::try_from(n).ok())
            .unwrap_or(0),
        results,
    })
}

impl ResultDoc {
    fn into_result(self, url: &str) -> Option<SearchResult> {
        let Some(id) = self.id.filter(|id| !id.is_empty()) else {
            warn!(target: "rnuget::protocol", "{url}: skipping a search result without id");
            return None;
        };
        let version = match self.version.as_deref().map(NuGetVersion::parse) {
            Some(Ok(version)) => version,
            _ => {
                warn!(target: "rnuget::protocol", "{url}: skipping {id}: version {:?} is not a version", self.version);
                return None;
            }
        };
        let versions = self
            .versions
            .unwrap_or_default()
            .into_iter()
            .filter_map(|v| {
                let version = NuGetVersion::parse(v.version.as_deref()?).ok()?;
                Some(SearchVersion {
                    version,
                    downloads: v.downloads.and_then(|n| u64::try_from(n).ok()),
                })
            })
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
            total_downloads: self.total_downloads.and_then(|n| u64::try_from(n).ok()),
            verified: self.verified,
            package_types: self
                .package_types
                .unwrap_or_default()
                .into_iter()
                .filter_map(|t| t.name)
                .collect(),
            versions,
            id,
            version,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
