//! Data returned by providers: plain structs, serializable to JSON for the C ABI.

use serde::Serialize;

use crate::package::DependencyGroup;
use crate::version::NuGetVersion;

/// Which versions a metadata call returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MetadataOptions {
    /// Include versions with a release label.
    pub include_prerelease: bool,
    /// Include versions the feed marks `listed: false`.
    pub include_unlisted: bool,
}

/// Metadata of one package version, as a feed describes it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PackageMetadata {
    /// Package id, as the feed spells it.
    pub id: String,
    /// Package version.
    pub version: NuGetVersion,
    /// Title, if any.
    pub title: Option<String>,
    /// Summary, if any.
    pub summary: Option<String>,
    /// Description, if any.
    pub description: Option<String>,
    /// Authors (a JSON string is split on commas, an array kept as is).
    pub authors: Vec<String>,
    /// Owners, where the feed gives them.
    pub owners: Vec<String>,
    /// Tags (a JSON string is split on spaces and commas, an array kept as is).
    pub tags: Vec<String>,
    /// License URL, if any.
    pub license_url: Option<String>,
    /// SPDX license expression, if any.
    pub license_expression: Option<String>,
    /// Project URL, if any.
    pub project_url: Option<String>,
    /// Icon URL, if any.
    pub icon_url: Option<String>,
    /// Whether a user must accept the license.
    pub require_license_acceptance: bool,
    /// Whether the version is listed.
    pub listed: bool,
    /// Publish time as the feed gives it (ISO 8601), if any.
    pub published: Option<String>,
    /// Dependency groups.
    pub dependency_groups: Vec<DependencyGroup>,
    /// Deprecation, if the version is deprecated.
    pub deprecation: Option<Deprecation>,
    /// Known vulnerabilities.
    pub vulnerabilities: Vec<Vulnerability>,
    /// Download count, where the feed gives it.
    pub download_count: Option<u64>,
    /// Where the `.nupkg` can be fetched, where the feed gives it.
    pub package_content_url: Option<String>,
}

/// Why and how a version is deprecated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Deprecation {
    /// Reasons (`Legacy`, `CriticalBugs`, `Other`).
    pub reasons: Vec<String>,
    /// Message, if any.
    pub message: Option<String>,
    /// The package to use instead, if any.
    pub alternate_package: Option<AlternatePackage>,
}

/// A package recommended instead of a deprecated one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlternatePackage {
    /// Its id.
    pub id: String,
    /// Its accepted versions.
    pub range: crate::version::VersionRange,
}

/// A known vulnerability of a version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Vulnerability {
    /// Advisory URL.
    pub advisory_url: String,
    /// Severity: 0 low, 1 moderate, 2 high, 3 critical.
    pub severity: i32,
}

/// A search request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    /// Search terms; empty lists everything.
    pub query: String,
    /// Results to skip.
    pub skip: u32,
    /// Results to return.
    pub take: u32,
    /// Include prerelease versions.
    pub prerelease: bool,
    /// Ask for SemVer 2.0.0 packages too (`semVerLevel=2.0.0`).
    pub semver2: bool,
}

impl Default for SearchQuery {
    fn default() -> Self {
        SearchQuery {
            query: String::new(),
            skip: 0,
            take: 20,
            prerelease: true,
            semver2: true,
        }
    }
}

/// One page of search results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchResults {
    /// Total matches the feed reports.
    pub total_hits: u64,
    /// The results on this page.
    pub results: Vec<SearchResult>,
}

/// One package in search results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchResult {
    /// Package id.
    pub id: String,
    /// Latest version matching the query.
    pub version: NuGetVersion,
    /// Description, if any.
    pub description: Option<String>,
    /// Summary, if any.
    pub summary: Option<String>,
    /// Title, if any.
    pub title: Option<String>,
    /// Authors.
    pub authors: Vec<String>,
    /// Owners.
    pub owners: Vec<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Icon URL, if any.
    pub icon_url: Option<String>,
    /// Project URL, if any.
    pub project_url: Option<String>,
    /// License URL, if any.
    pub license_url: Option<String>,
    /// Total downloads, if the feed gives them.
    pub total_downloads: Option<u64>,
    /// Whether the id prefix is verified, if the feed says.
    pub verified: Option<bool>,
    /// Package types (`Dependency`, `DotnetTool`, ...).
    pub package_types: Vec<String>,
    /// Deprecation of [`SearchResult::version`], if the feed gives one.
    pub deprecation: Option<Deprecation>,
    /// Known vulnerabilities of [`SearchResult::version`], where the feed gives them.
    pub vulnerabilities: Vec<Vulnerability>,
    /// The feed's versions of this result, each once, prerelease ones only when asked, then
    /// [`SearchResult::version`] if the feed did not list it (as NuGet.Client gives them).
    pub versions: Vec<SearchVersion>,
}

/// One version in a search result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchVersion {
    /// The version.
    pub version: NuGetVersion,
    /// Its downloads, if the feed gives them.
    pub downloads: Option<u64>,
}

/// What a download produced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DownloadInfo {
    /// The URL the package came from (credentials removed).
    pub url: String,
    /// Bytes written.
    pub bytes: u64,
    /// SHA-512 of the package, base64, as NuGet writes it in `.nupkg.sha512`.
    pub sha512: String,
}
