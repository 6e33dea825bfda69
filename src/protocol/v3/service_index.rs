//! The V3 service index: which resource lives at which URL.
//!
//! Resource types are looked up as NuGet.Client's `ServiceIndexResourceV3` does: the wanted
//! types are tried in order, and within the first type the feed offers, the entries with the
//! highest `clientVersion` this client satisfies win (an entry without one suits every client).

use serde::Deserialize;

use super::json;
use crate::version::NuGetVersion;
use crate::{Error, ErrorKind, Result};

/// The NuGet client version rnuget claims when an entry names a minimum `clientVersion`.
pub const CLIENT_VERSION: &str = "6.14.0";

/// Registration hives, best first: NuGet.Client's `ServiceTypes.RegistrationsBaseUrl`.
pub const REGISTRATIONS_BASE_URL: &[&str] = &[
    "RegistrationsBaseUrl/Versioned",
    "RegistrationsBaseUrl/3.6.0",
    "RegistrationsBaseUrl/3.4.0",
    "RegistrationsBaseUrl/3.0.0-rc",
    "RegistrationsBaseUrl/3.0.0-beta",
    "RegistrationsBaseUrl",
];

/// The flat container: NuGet.Client's `ServiceTypes.PackageBaseAddress`.
pub const PACKAGE_BASE_ADDRESS: &[&str] =
    &["PackageBaseAddress/Versioned", "PackageBaseAddress/3.0.0"];

/// Search: NuGet.Client's `ServiceTypes.SearchQueryService` first, then the other versions
/// feeds publish (nuget.org's `3.5.0`, `3.0.0-rc`, the unversioned name), so that a feed which
/// only offers those still searches.
pub const SEARCH_QUERY_SERVICE: &[&str] = &[
    "SearchQueryService/Versioned",
    "SearchQueryService/3.4.0",
    "SearchQueryService/3.0.0-beta",
    "SearchQueryService/3.5.0",
    "SearchQueryService/3.0.0-rc",
    "SearchQueryService",
];

/// Autocomplete: NuGet.Client's `ServiceTypes.SearchAutocompleteService`, then as for search.
pub const SEARCH_AUTOCOMPLETE_SERVICE: &[&str] = &[
    "SearchAutocompleteService/Versioned",
    "SearchAutocompleteService/3.0.0-beta",
    "SearchAutocompleteService/3.5.0",
    "SearchAutocompleteService/3.0.0-rc",
    "SearchAutocompleteService",
];

/// Repository signing certificates: NuGet.Client's `ServiceTypes.RepositorySignatures`.
pub const REPOSITORY_SIGNATURES: &[&str] = &[
    "RepositorySignatures/5.0.0",
    "RepositorySignatures/4.9.0",
    "RepositorySignatures/4.7.0",
];

/// A parsed service index.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceIndex {
    version: String,
    resources: Vec<ServiceResource>,
    /// The `(@type, @id)` of entries skipped because their `@id` is not an absolute URL
    /// with a host (`file:///...`, a relative path): kept to say why a resource is missing.
    unusable: Vec<Skipped>,
}

/// A skipped entry's `@type`s and `@id`.
type Skipped = (Vec<String>, String);

/// One entry of `resources`.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceResource {
    /// The resource URL (`@id`).
    pub url: String,
    /// Its types (`@type`, a string or an array).
    pub types: Vec<String>,
    /// Minimum client versions (`clientVersion`); empty when the entry names none.
    pub client_versions: Vec<NuGetVersion>,
    /// True when the entry names a `clientVersion`, even one that does not parse.
    pub versioned: bool,
}

#[derive(Deserialize)]
struct IndexDoc {
    #[serde(default, deserialize_with = "json::string")]
    version: Option<String>,
    #[serde(default)]
    resources: Option<Vec<ResourceDoc>>,
}

#[derive(Deserialize)]
struct ResourceDoc {
    #[serde(rename = "@id", default, deserialize_with = "json::string")]
    id: Option<String>,
    #[serde(rename = "@type", default, deserialize_with = "json::strings")]
    types: Option<json::StringOrList>,
    #[serde(rename = "clientVersion", default, deserialize_with = "json::strings")]
    client_version: Option<json::StringOrList>,
}

impl ServiceIndex {
    /// Parses a service index. Like NuGet, it requires a `version` with major version 3 and
    /// skips resources without an absolute `@id`.
    pub fn parse(bytes: &[u8], url: &str) -> Result<ServiceIndex> {
        let doc: IndexDoc = crate::http::parse_json(bytes, url)?;
        let version = doc.version.ok_or_else(|| {
            Error::new(ErrorKind::Protocol, "service index has no \"version\"").with_url(url)
        })?;
        let major_is_3 = NuGetVersion::parse_strict(&version).is_ok_and(|v| v.major() == 3);
        if !major_is_3 {
            return Err(Error::new(
                ErrorKind::Protocol,
                format!("service index version {version:?} is not a supported 3.x version"),
            )
            .with_url(url));
        }
        let mut resources = Vec::new();
        let mut unusable = Vec::new();
        for doc in doc.resources.unwrap_or_default() {
            match ServiceResource::from_doc(doc) {
                Ok(resource) => resources.push(resource),
                Err(Some(skipped)) => unusable.push(skipped),
                Err(None) => {}
            }
        }
        Ok(ServiceIndex {
            version,
            resources,
            unusable,
        })
    }

    /// The index's `version` (`3.0.0`, `3.0.0-beta.1`).
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Every usable resource, in document order.
    pub fn resources(&self) -> &[ServiceResource] {
        &self.resources
    }

    /// URLs of the best entries for the first of `ordered_types` the feed offers a suitable
    /// entry for; empty when none.
    pub fn urls(&self, ordered_types: &[&str]) -> Vec<&str> {
        for wanted in ordered_types {
            if let Some(best) = self.best_client_version(wanted) {
                let mut urls: Vec<&str> = Vec::new();
                for (_, url) in self.candidates(wanted).filter(|(v, _)| *v == best) {
                    if !urls.contains(&url) {
                        urls.push(url);
                    }
                }
                return urls;
            }
        }
        Vec::new()
    }

    /// The first URL for `ordered_types`, if any (the first of [`ServiceIndex::urls`], found
    /// without allocating: every metadata call looks its resource up).
    pub fn url(&self, ordered_types: &[&str]) -> Option<&str> {
        ordered_types.iter().find_map(|wanted| {
            let best = self.best_client_version(wanted)?;
            self.candidates(wanted)
                .find(|(v, _)| *v == best)
                .map(|(_, url)| url)
        })
    }

    /// The `@id` of the first entry of one of `ordered_types` that was skipped because it is
    /// not an absolute URL with a host: why [`ServiceIndex::url`] found none, when it did not.
    pub fn unusable_url(&self, ordered_types: &[&str]) -> Option<&str> {
        ordered_types.iter().find_map(|wanted| {
            self.unusable
                .iter()
                .find(|(types, _)| types.iter().any(|t| t == wanted))
                .map(|(_, id)| id.as_str())
        })
    }

    /// The highest minimum client version among the entries of type `wanted` this client
    /// satisfies (`Some(None)`: an entry without one is the best); `None` when none suits.
    fn best_client_version(&self, wanted: &str) -> Option<Option<&NuGetVersion>> {
        // Parsed once: this runs on every call that looks a resource up.
        static CLIENT: std::sync::OnceLock<Option<NuGetVersion>> = std::sync::OnceLock::new();
        let client = CLIENT.get_or_init(|| NuGetVersion::parse(CLIENT_VERSION).ok());
        let suitable = |v: &Option<&NuGetVersion>| match (v, client) {
            (Some(min), Some(client)) => *min <= client,
            _ => true,
        };
        self.candidates(wanted)
            .map(|(v, _)| v)
            .filter(suitable)
            .max()
    }

    /// Each (minimum client version, URL) the entries of type `wanted` offer, in document
    /// order: `None` for an entry without `clientVersion`.
    fn candidates<'a, 'w>(
        &'a self,
        wanted: &'w str,
    ) -> impl Iterator<Item = (Option<&'a NuGetVersion>, &'a str)> + use<'a, 'w> {
        self.resources
            .iter()
            .filter(move |r| r.has_type(wanted))
            .flat_map(|resource| {
                let unversioned = (!resource.versioned).then_some((None, resource.url.as_str()));
                let versioned = resource
                    .client_versions
                    .iter()
                    .map(|minimum| (Some(minimum), resource.url.as_str()));
                unversioned.into_iter().chain(versioned)
            })
    }
}

impl ServiceResource {
    /// The entry, or why it is skipped: `Some((types, @id))` for an `@id` that is not an
    /// absolute URL with a host, `None` for one without an `@id`.
    fn from_doc(doc: ResourceDoc) -> Result<ServiceResource, Option<Skipped>> {
        let types = doc.types.map(|t| t.items(&[])).unwrap_or_default();
        let url = doc.id.ok_or(None)?;
        if !is_absolute_url(&url) {
            return Err(Some((types, url)));
        }
        let versioned = doc.client_version.is_some();
        let client_versions = doc
            .client_version
            .map(|v| v.items(&[]))
            .unwrap_or_default()
            .iter()
            .filter_map(|v| NuGetVersion::parse_strict(v).ok())
            .collect();
        Ok(ServiceResource {
            url,
            types,
            client_versions,
            versioned,
        })
    }

    /// True when one of the entry's types is exactly `wanted` (types are case-sensitive).
    pub fn has_type(&self, wanted: &str) -> bool {
        self.types.iter().any(|t| t == wanted)
    }
}

fn is_absolute_url(url: &str) -> bool {
    crate::http::origin(url).is_some()
}
