//! [`Client`]: one entry point over many package sources.
//!
//! - search and autocomplete ask every source at once (std threads) and keep each source's
//!   answer, failure included;
//! - versions are the sorted union over every source;
//! - metadata and downloads come from the first source, in order, that has the package ("not
//!   found" falls through to the next source; other failures are reported when no source has it).
//!
//! One [`HttpClient`] (one `X-NuGet-Session-Id`) serves every source of a client.
//!
//! ```text
//! mod.rs          Client
//! options.rs      ClientOptions, SourceOptions
//! fan_out.rs      every source at once, SourceResult
//! first_found.rs  sources in order until one has it
//! ```

mod fan_out;
mod first_found;
mod options;

pub use fan_out::SourceResult;
pub use options::{ClientOptions, SourceOptions};

use std::path::Path;
use std::sync::Arc;

use fan_out::fan_out;
use first_found::first_found;

use crate::http::HttpClient;
use crate::protocol::{DownloadInfo, MetadataOptions, PackageMetadata, SearchQuery, SearchResults};
use crate::repository::{RepositoryManager, SourceRepository};
use crate::version::{NuGetVersion, VersionRange};
use crate::{Error, ErrorKind, Result};

/// A value and the name of the source it came from.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Found<T> {
    /// The source that had it.
    pub source: String,
    /// What it answered.
    pub value: T,
}

/// A NuGet client over one or more sources. Every method takes `&self` and may be called from
/// many threads at once.
#[derive(Debug)]
pub struct Client {
    http: Arc<HttpClient>,
    repositories: RepositoryManager,
    ignore_failed_sources: bool,
}

impl Client {
    /// Builds a client for the configured sources. Fails when there is no source, two share a
    /// name, or the HTTP options cannot be used. Nothing is sent until the first call.
    pub fn new(options: ClientOptions) -> Result<Client> {
        if options.sources.is_empty() {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "a client needs at least one package source",
            ));
        }
        let http = Arc::new(HttpClient::new(options.http)?);
        let mut repositories = RepositoryManager::new();
        for source in &options.sources {
            repositories.add(SourceRepository::new(
                &source.name,
                &source.url,
                Arc::clone(&http),
            ))?;
        }
        Ok(Client {
            http,
            repositories,
            ignore_failed_sources: options.ignore_failed_sources,
        })
    }

    /// A client for these source URLs with default settings, each named after its URL.
    pub fn for_sources<S: AsRef<str>>(urls: &[S]) -> Result<Client> {
        let options = urls.iter().fold(ClientOptions::new(), |options, url| {
            options.source(url.as_ref())
        });
        Client::new(options)
    }

    /// A client over sources built elsewhere (custom providers), sharing `http`.
    pub fn with_repositories(repositories: RepositoryManager, http: Arc<HttpClient>) -> Client {
        Client {
            http,
            repositories,
            ignore_failed_sources: false,
        }
    }

    /// The sources, in order.
    pub fn repositories(&self) -> &RepositoryManager {
        &self.repositories
    }

    /// The HTTP client every source shares.
    pub fn http(&self) -> &Arc<HttpClient> {
        &self.http
    }

    /// The `X-NuGet-Session-Id` every request of this client carries.
    pub fn session_id(&self) -> &str {
        self.http.session_id()
    }

    /// Searches every source at once; one answer per source, in source order.
    pub fn search(&self, query: &SearchQuery) -> Vec<SourceResult<SearchResults>> {
        fan_out(self.repositories.sources(), |source| {
            source.call(|provider| provider.search(query))
        })
    }

    /// Ids starting with `prefix`, from every source at once; one answer per source.
    pub fn autocomplete_ids(
        &self,
        prefix: &str,
        skip: u32,
        take: u32,
        prerelease: bool,
    ) -> Vec<SourceResult<Vec<String>>> {
        fan_out(self.repositories.sources(), |source| {
            source.call(|provider| provider.autocomplete_ids(prefix, skip, take, prerelease))
        })
    }

    /// Every version of `id` any source lists, ascending, each once (the first source's
    /// spelling wins). A failing source fails the call unless the client ignores failed
    /// sources; a source without the id adds nothing.
    pub fn list_versions(&self, id: &str) -> Result<Vec<NuGetVersion>> {
        check_id(id)?;
        let answers = fan_out(self.repositories.sources(), |source| {
            source.call(|provider| provider.list_versions(id))
        });
        let mut versions = Vec::new();
        let mut failures = Vec::new();
        for answer in answers {
            match answer.result {
                Ok(found) => versions.extend(found),
                Err(err) if err.is_not_found() => {}
                Err(err) => failures.push(err),
            }
        }
        let all_failed = failures.len() == self.repositories.len();
        if let Some(first) = failures.into_iter().next() {
            if !self.ignore_failed_sources || all_failed {
                return Err(first.context(format!("versions of {id}")));
            }
            log::warn!(target: "rnuget::client", "versions of {id}: ignoring a failed source: {first}");
        }
        // A stable sort keeps equal versions in source order, so `dedup` keeps the first.
        versions.sort();
        versions.dedup();
        Ok(versions)
    }

    /// The version of `id` NuGet would pick for `range` among [`Client::list_versions`].
    pub fn find_best_version(
        &self,
        id: &str,
        range: &VersionRange,
    ) -> Result<Option<NuGetVersion>> {
        let versions = self.list_versions(id)?;
        Ok(range.find_best_match(&versions).cloned())
    }

    /// Metadata of the versions of `id` that pass `options`, from the first source that has
    /// any. Empty when no source has the id and none failed.
    pub fn get_metadata(
        &self,
        id: &str,
        options: &MetadataOptions,
    ) -> Result<Found<Vec<PackageMetadata>>> {
        check_id(id)?;
        let (source, value) = first_found(self.repositories.sources(), id, Vec::is_empty, |s| {
            s.call(|provider| provider.get_metadata(id, options))
        })?;
        Ok(Found { source, value })
    }

    /// Metadata of one version (listed or not), from the first source that has it.
    pub fn get_version_metadata(
        &self,
        id: &str,
        version: &NuGetVersion,
    ) -> Result<Found<PackageMetadata>> {
        check_id(id)?;
        let what = format!("{id} {version}");
        let (source, value) = first_found(
            self.repositories.sources(),
            &what,
            |_| false,
            |s| s.call(|provider| provider.get_version_metadata(id, version)),
        )?;
        Ok(Found { source, value })
    }

    /// Downloads the `.nupkg` of `id` `version` to `path` from the first source that has it,
    /// streaming and validating it; nothing is left at `path` on failure.
    pub fn download_to_file(
        &self,
        id: &str,
        version: &NuGetVersion,
        path: &Path,
    ) -> Result<Found<DownloadInfo>> {
        check_id(id)?;
        let what = format!("{id} {version}");
        let (source, value) = first_found(
            self.repositories.sources(),
            &what,
            |_| false,
            |s| s.call(|provider| provider.download_to_file(id, version, path)),
        )?;
        Ok(Found { source, value })
    }

    /// Downloads the `.nupkg` of `id` `version` into memory, validated, from the first source
    /// that has it.
    pub fn download_to_vec(&self, id: &str, version: &NuGetVersion) -> Result<Found<Vec<u8>>> {
        check_id(id)?;
        let what = format!("{id} {version}");
        let (source, value) = first_found(
            self.repositories.sources(),
            &what,
            |_| false,
            |s| s.call(|provider| provider.download_to_vec(id, version)),
        )?;
        Ok(Found { source, value })
    }
}

fn check_id(id: &str) -> Result<()> {
    if id.trim().is_empty() {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            "the package id is empty",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shareable<T: Send + Sync>() {}

    #[test]
    fn a_client_can_be_shared_between_threads() {
        // The C ABI hands one client to many threads.
        shareable::<Client>();
        shareable::<SourceRepository>();
    }

    #[test]
    fn an_empty_id_is_refused_before_anything_is_sent() {
        let client = Client::for_sources(&["http://127.0.0.1:9/v3/index.json"]).unwrap();
        let err = client.list_versions(" ").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument);
        assert_eq!(err.message(), "the package id is empty");
    }
}
