//! [`V3Provider`]: the [`Provider`] for a NuGet V3 feed.

use std::borrow::Cow;
use std::fmt;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use parking_lot::Mutex;

use super::leaf::{self, RegistrationLeaf, RepositorySignatures};
use super::registration::{self, Wanted};
use super::service_index::{
    PACKAGE_BASE_ADDRESS, REGISTRATIONS_BASE_URL, REPOSITORY_SIGNATURES,
    SEARCH_AUTOCOMPLETE_SERVICE, SEARCH_QUERY_SERVICE, ServiceIndex,
};
use super::{autocomplete, download, flat_container, search};
use crate::error::strip_credentials;
use crate::http::{HttpClient, with_credentials_of};
use crate::protocol::{
    DownloadInfo, MetadataOptions, PackageMetadata, ProtocolVersion, Provider, SearchQuery,
    SearchResults,
};
use crate::version::NuGetVersion;
use crate::{Error, ErrorKind, Result};

/// A V3 feed, known by the URL of its service index.
///
/// Creating one is cheap: nothing is fetched until the first call, which reads the service
/// index once for the life of the provider (concurrent first calls wait for that one fetch; a
/// failed fetch is retried by the next call). Credentials written in the source URL
/// (`https://user:pass@host/...`) are sent to resources on the same origin only.
pub struct V3Provider {
    /// As given, possibly with credentials; never shown.
    raw_source_url: String,
    /// Credentials removed, for errors and logs.
    source_url: String,
    http: Arc<HttpClient>,
    index: Mutex<Option<Arc<ServiceIndex>>>,
}

impl fmt::Debug for V3Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("V3Provider")
            .field("source", &self.source_url)
            .finish_non_exhaustive()
    }
}

impl V3Provider {
    /// A provider for the service index at `source_url`, sharing `http` with other sources.
    pub fn new(source_url: &str, http: Arc<HttpClient>) -> V3Provider {
        V3Provider {
            raw_source_url: source_url.trim().to_string(),
            source_url: strip_credentials(source_url.trim()),
            http,
            index: Mutex::new(None),
        }
    }

    /// The source URL, credentials removed.
    pub fn source_url(&self) -> &str {
        &self.source_url
    }

    /// The service index, fetched on first use and then reused.
    pub fn service_index(&self) -> Result<Arc<ServiceIndex>> {
        let mut slot = self.index.lock();
        if let Some(index) = slot.as_ref() {
            return Ok(Arc::clone(index));
        }
        let index = self
            .get(&self.raw_source_url)
            .and_then(|bytes| ServiceIndex::parse(&bytes, &self.source_url))
            .map_err(|e| self.named(e.context("reading the service index")))?;
        let index = Arc::new(index);
        *slot = Some(Arc::clone(&index));
        Ok(index)
    }

    /// The registration index URL of `id` (`{RegistrationsBaseUrl}/{id-lower}/index.json`).
    pub fn registration_url(&self, id: &str) -> Result<String> {
        let index = self.service_index()?;
        let base = self.resource(&index, REGISTRATIONS_BASE_URL, "RegistrationsBaseUrl")?;
        Ok(registration::index_url(base, id))
    }

    /// Where the `.nupkg` of `id` `version` is fetched from: the flat container when the feed
    /// has one, otherwise the registration's `packageContent`.
    pub fn package_url(&self, id: &str, version: &NuGetVersion) -> Result<String> {
        let index = self.service_index()?;
        if let Some(base) = index.url(PACKAGE_BASE_ADDRESS) {
            return Ok(flat_container::package_url(base, id, version));
        }
        let metadata = self.get_version_metadata(id, version)?;
        metadata.package_content_url.ok_or_else(|| {
            self.named(Error::new(
                ErrorKind::Protocol,
                format!(
                    "feed gives no download URL for {id} {}",
                    version.to_normalized_string()
                ),
            ))
        })
    }

    /// The registration leaf of one version (`{RegistrationsBaseUrl}/{id}/{version}.json`,
    /// lower-cased, normalized version).
    pub fn registration_leaf(&self, id: &str, version: &NuGetVersion) -> Result<RegistrationLeaf> {
        check_id(id)?;
        let index = self.service_index()?;
        let base = self.resource(&index, REGISTRATIONS_BASE_URL, "RegistrationsBaseUrl")?;
        let url = registration::leaf_url(base, id, version);
        let bytes = self.get(&url).map_err(|e| self.named(e))?;
        leaf::parse_leaf(&bytes, &url).map_err(|e| self.named(e))
    }

    /// The repository's signing certificates (`RepositorySignatures/5.0.0` and older).
    pub fn repository_signatures(&self) -> Result<RepositorySignatures> {
        let index = self.service_index()?;
        let url = self.resource(&index, REPOSITORY_SIGNATURES, "RepositorySignatures")?;
        let bytes = self.get(url).map_err(|e| self.named(e))?;
        leaf::parse_signatures(&bytes, url).map_err(|e| self.named(e))
    }

    fn resource<'a>(&self, index: &'a ServiceIndex, types: &[&str], name: &str) -> Result<&'a str> {
        index.url(types).ok_or_else(|| {
            self.named(Error::new(
                ErrorKind::Protocol,
                format!("the service index has no {name} resource"),
            ))
        })
    }

    /// A GET into memory, with the source's credentials where they belong.
    fn get(&self, url: &str) -> Result<Vec<u8>> {
        self.http.get_bytes(&self.authorized(url))
    }

    fn stream(&self, url: &str, writer: &mut dyn Write) -> Result<u64> {
        self.http.download_to(&self.authorized(url), writer)
    }

    fn authorized<'a>(&self, url: &'a str) -> Cow<'a, str> {
        match with_credentials_of(&self.raw_source_url, url) {
            Some(with) => Cow::Owned(with),
            None => Cow::Borrowed(url),
        }
    }

    fn named(&self, err: Error) -> Error {
        if err.source_name().is_some() {
            err
        } else {
            err.with_source(&self.source_url)
        }
    }

    fn read_registration(&self, id: &str, wanted: Wanted<'_>) -> Result<Vec<PackageMetadata>> {
        let url = self.registration_url(id)?;
        let fetch = |page: &str| self.get(page);
        registration::read(&fetch, &url, id, wanted).map_err(|e| self.named(e))
    }

    fn first_success<T>(
        &self,
        endpoints: Vec<&str>,
        name: &str,
        call: impl Fn(&str) -> Result<T>,
    ) -> Result<T> {
        let mut last = Error::new(
            ErrorKind::Protocol,
            format!("the service index has no {name} resource"),
        );
        for endpoint in endpoints {
            match call(endpoint) {
                Ok(value) => return Ok(value),
                Err(err) => {
                    log::debug!(target: "rnuget::protocol", "{name} at {} failed: {err}", strip_credentials(endpoint));
                    last = err;
                }
            }
        }
        Err(self.named(last))
    }
}

fn check_id(id: &str) -> Result<()> {
    if id.trim().is_empty() {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            "package id is empty",
        ));
    }
    Ok(())
}

impl Provider for V3Provider {
    fn protocol(&self) -> ProtocolVersion {
        ProtocolVersion::V3
    }

    fn list_versions(&self, id: &str) -> Result<Vec<NuGetVersion>> {
        check_id(id)?;
        let index = self.service_index()?;
        let Some(base) = index.url(PACKAGE_BASE_ADDRESS) else {
            let options = MetadataOptions {
                include_prerelease: true,
                include_unlisted: true,
            };
            let mut versions: Vec<_> = self
                .read_registration(id, Wanted::All(options))?
                .into_iter()
                .map(|m| m.version)
                .collect();
            versions.sort();
            versions.dedup();
            return Ok(versions);
        };
        let url = flat_container::versions_url(base, id);
        match self.get(&url) {
            Ok(bytes) => flat_container::parse_versions(&bytes, &url).map_err(|e| self.named(e)),
            Err(err) if err.is_not_found() => Ok(Vec::new()),
            Err(err) => Err(self.named(err.context(format!("versions of {id}")))),
        }
    }

    fn get_metadata(&self, id: &str, options: &MetadataOptions) -> Result<Vec<PackageMetadata>> {
        check_id(id)?;
        let mut results = self.read_registration(id, Wanted::All(*options))?;
        // Stable: versions a feed lists twice stay in feed order, as NuGet returns them.
        results.sort_by(|a, b| a.version.cmp(&b.version));
        Ok(results)
    }

    fn get_version_metadata(&self, id: &str, version: &NuGetVersion) -> Result<PackageMetadata> {
        check_id(id)?;
        self.read_registration(id, Wanted::Exact(version))?
            .into_iter()
            .next()
            .ok_or_else(|| {
                let what = format!("package {id} {} not found", version.to_normalized_string());
                self.named(Error::new(ErrorKind::NotFound, what))
            })
    }

    fn search(&self, query: &SearchQuery) -> Result<SearchResults> {
        let index = self.service_index()?;
        self.first_success(
            index.urls(SEARCH_QUERY_SERVICE),
            "SearchQueryService",
            |endpoint| {
                let url = search::query_url(endpoint, query);
                search::parse(&self.get(&url)?, &url)
            },
        )
    }

    fn autocomplete_ids(
        &self,
        prefix: &str,
        skip: u32,
        take: u32,
        prerelease: bool,
    ) -> Result<Vec<String>> {
        let index = self.service_index()?;
        let endpoints = index.urls(SEARCH_AUTOCOMPLETE_SERVICE);
        self.first_success(endpoints, "SearchAutocompleteService", |endpoint| {
            let url = autocomplete::ids_url(endpoint, prefix, skip, take, prerelease);
            autocomplete::parse_ids(&self.get(&url)?, &url, prefix)
        })
    }

    fn autocomplete_versions(&self, id: &str, prerelease: bool) -> Result<Vec<NuGetVersion>> {
        check_id(id)?;
        let index = self.service_index()?;
        let endpoints = index.urls(SEARCH_AUTOCOMPLETE_SERVICE);
        self.first_success(endpoints, "SearchAutocompleteService", |endpoint| {
            let url = autocomplete::versions_url(endpoint, id, prerelease);
            autocomplete::parse_versions(&self.get(&url)?, &url)
        })
    }

    fn download_to_file(
        &self,
        id: &str,
        version: &NuGetVersion,
        path: &Path,
    ) -> Result<DownloadInfo> {
        check_id(id)?;
        let url = self.package_url(id, version)?;
        let label = format!("{id} {}", version.to_normalized_string());
        let stream = |writer: &mut dyn Write| self.stream(&url, writer);
        download::to_file(&stream, &url, &label, path).map_err(|e| self.named(e))
    }

    fn download_to_vec(&self, id: &str, version: &NuGetVersion) -> Result<Vec<u8>> {
        check_id(id)?;
        let url = self.package_url(id, version)?;
        let label = format!("{id} {}", version.to_normalized_string());
        let stream = |writer: &mut dyn Write| self.stream(&url, writer);
        download::to_vec(&stream, &url, &label).map_err(|e| self.named(e))
    }
}
