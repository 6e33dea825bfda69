//! A registration `catalogEntry` and how it becomes [`PackageMetadata`].
//!
//! The rules are NuGet.Client's `PackageSearchMetadata`: a missing title is the id, a missing
//! summary is the description, `authors` and `tags` may be a string or an array, license and
//! project URLs that are not absolute URLs are dropped, `listed` defaults to true, an empty or
//! missing dependency range means any version and a group without a framework is `any`.

use serde::Deserialize;

use super::json::{self, StringOrList};
use super::published;
use crate::framework::NuGetFramework;
use crate::package::{Dependency, DependencyGroup};
use crate::protocol::{AlternatePackage, Deprecation, PackageMetadata, Vulnerability};
use crate::version::{NuGetVersion, VersionRange};
use crate::{Error, ErrorKind, Result};

/// The fields of a catalog entry rnuget reads; everything else is skipped while parsing.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CatalogEntryDoc {
    #[serde(deserialize_with = "json::string")]
    id: Option<String>,
    #[serde(deserialize_with = "json::string")]
    version: Option<String>,
    #[serde(deserialize_with = "json::string")]
    title: Option<String>,
    #[serde(deserialize_with = "json::string")]
    summary: Option<String>,
    #[serde(deserialize_with = "json::string")]
    description: Option<String>,
    #[serde(deserialize_with = "json::strings")]
    authors: Option<StringOrList>,
    #[serde(deserialize_with = "json::strings")]
    owners: Option<StringOrList>,
    #[serde(deserialize_with = "json::strings")]
    tags: Option<StringOrList>,
    #[serde(deserialize_with = "json::string")]
    license_url: Option<String>,
    #[serde(deserialize_with = "json::string")]
    license_expression: Option<String>,
    #[serde(deserialize_with = "json::string")]
    project_url: Option<String>,
    #[serde(deserialize_with = "json::string")]
    icon_url: Option<String>,
    #[serde(deserialize_with = "json::boolean")]
    require_license_acceptance: Option<bool>,
    #[serde(deserialize_with = "json::boolean")]
    listed: Option<bool>,
    #[serde(deserialize_with = "json::string")]
    published: Option<String>,
    #[serde(deserialize_with = "json::integer")]
    download_count: Option<i64>,
    #[serde(deserialize_with = "json::string")]
    package_content: Option<String>,
    dependency_groups: Option<Vec<GroupDoc>>,
    deprecation: Option<DeprecationDoc>,
    vulnerabilities: Option<Vec<VulnerabilityDoc>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct GroupDoc {
    #[serde(deserialize_with = "json::string")]
    target_framework: Option<String>,
    dependencies: Option<Vec<DependencyDoc>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct DependencyDoc {
    #[serde(deserialize_with = "json::string")]
    id: Option<String>,
    #[serde(deserialize_with = "json::string")]
    range: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct DeprecationDoc {
    #[serde(deserialize_with = "json::string")]
    message: Option<String>,
    #[serde(deserialize_with = "json::strings")]
    reasons: Option<StringOrList>,
    alternate_package: Option<AlternateDoc>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AlternateDoc {
    #[serde(deserialize_with = "json::string")]
    id: Option<String>,
    #[serde(deserialize_with = "json::string")]
    range: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct VulnerabilityDoc {
    #[serde(deserialize_with = "json::string")]
    advisory_url: Option<String>,
    #[serde(deserialize_with = "json::integer")]
    severity: Option<i64>,
}

/// Where an entry came from, for error messages.
#[derive(Debug, Clone, Copy)]
pub struct EntryContext<'a> {
    /// The id that was asked for, used when the entry has none.
    pub id: &'a str,
    /// The document the entry was read from.
    pub url: &'a str,
}

impl CatalogEntryDoc {
    /// The entry's version as the feed wrote it; `None` when missing or null.
    pub fn version_text(&self) -> Option<&str> {
        self.version.as_deref()
    }

    /// Whether the entry is listed (true unless it says `listed: false`).
    pub fn is_listed(&self) -> bool {
        self.listed.unwrap_or(true)
    }

    /// Builds the metadata; `package_content` is the leaf's own `packageContent`, if any.
    pub fn into_metadata(
        self,
        version: NuGetVersion,
        package_content: Option<String>,
        context: EntryContext<'_>,
    ) -> Result<PackageMetadata> {
        let id = self
            .id
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| context.id.to_string());
        let label = format!("{id} {}", version.to_normalized_string());
        let dependency_groups = self
            .dependency_groups
            .unwrap_or_default()
            .into_iter()
            .map(|g| g.into_group(&label, context.url))
            .collect::<Result<Vec<_>>>()?;
        let deprecation = self
            .deprecation
            .map(|d| d.into_deprecation(&label, context.url))
            .transpose()?;
        let description = self.description;
        Ok(PackageMetadata {
            title: Some(non_empty(self.title).unwrap_or_else(|| id.clone())),
            summary: non_empty(self.summary).or_else(|| description.clone()),
            description,
            authors: self.authors.map(|a| a.items(&[','])).unwrap_or_default(),
            owners: self.owners.map(|o| o.items(&[','])).unwrap_or_default(),
            tags: self.tags.map(|t| t.items(&[',', ' '])).unwrap_or_default(),
            license_url: absolute_url(self.license_url),
            license_expression: self
                .license_expression
                .map(|e| e.trim().to_string())
                .filter(|e| !e.is_empty()),
            project_url: absolute_url(self.project_url),
            icon_url: non_empty(self.icon_url),
            require_license_acceptance: self.require_license_acceptance.unwrap_or(false),
            listed: self.listed.unwrap_or(true),
            published: self.published.as_deref().and_then(published::to_utc),
            dependency_groups,
            deprecation,
            vulnerabilities: self
                .vulnerabilities
                .unwrap_or_default()
                .into_iter()
                .filter_map(VulnerabilityDoc::into_vulnerability)
                .collect(),
            download_count: self.download_count.and_then(|n| u64::try_from(n).ok()),
            package_content_url: package_content.or(self.package_content),
            id,
            version,
        })
    }
}

impl GroupDoc {
    fn into_group(self, label: &str, url: &str) -> Result<DependencyGroup> {
        let target_framework = match self.target_framework.as_deref().map(str::trim) {
            None | Some("") => NuGetFramework::any(),
            Some(name) => NuGetFramework::parse(name).map_err(|e| bad(label, url, e))?,
        };
        let dependencies = self
            .dependencies
            .unwrap_or_default()
            .into_iter()
            .map(|d| d.into_dependency(label, url))
            .collect::<Result<Vec<_>>>()?;
        Ok(DependencyGroup {
            target_framework,
            dependencies,
        })
    }
}

impl DependencyDoc {
    fn into_dependency(self, label: &str, url: &str) -> Result<Dependency> {
        Ok(Dependency {
            id: self.id.unwrap_or_default(),
            range: parse_range(self.range.as_deref(), label, url)?,
            include: Vec::new(),
            exclude: Vec::new(),
        })
    }
}

impl DeprecationDoc {
    /// The deprecation; a bad alternate-package range is a protocol error naming `label`.
    pub(super) fn into_deprecation(self, label: &str, url: &str) -> Result<Deprecation> {
        let alternate_package = match self.alternate_package {
            Some(AlternateDoc {
                id: Some(id),
                range,
            }) if !id.is_empty() => Some(AlternatePackage {
                id,
                range: parse_range(range.as_deref(), label, url)?,
            }),
            _ => None,
        };
        Ok(Deprecation {
            reasons: self.reasons.map(|r| r.items(&[','])).unwrap_or_default(),
            message: self.message,
            alternate_package,
        })
    }
}

impl VulnerabilityDoc {
    /// The vulnerability, or none without an advisory URL.
    pub(super) fn into_vulnerability(self) -> Option<Vulnerability> {
        Some(Vulnerability {
            advisory_url: self.advisory_url?,
            severity: self
                .severity
                .and_then(|s| i32::try_from(s).ok())
                .unwrap_or(0),
        })
    }
}

/// An empty or missing range is any version, as NuGet's dependency converter reads it.
fn parse_range(range: Option<&str>, label: &str, url: &str) -> Result<VersionRange> {
    match range.map(str::trim) {
        None | Some("") => Ok(VersionRange::all()),
        Some(text) => VersionRange::parse(text).map_err(|e| bad(label, url, e)),
    }
}

fn bad(label: &str, url: &str, err: Error) -> Error {
    Error::new(
        ErrorKind::Protocol,
        format!("package {label}: {}", err.message()),
    )
    .with_url(url)
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.is_empty())
}

/// NuGet's "safe URI" rule: trimmed, and kept only when it is an absolute URL.
fn absolute_url(value: Option<String>) -> Option<String> {
    let trimmed = value?.trim().to_string();
    crate::http::origin(&trimmed).is_some().then_some(trimmed)
}
