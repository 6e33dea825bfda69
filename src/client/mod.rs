//! [`Client`]: one entry point over many package sources.
//!
//! - search and autocomplete ask every source at once (std threads) and keep each source's
//!   answer, failure included;
//! - versions are the sorted union over every source;
//! - metadata and downloads come from the first source, in order, that has the package ("not
//!   found" falls through to the next source).
//!
//! Failing sources follow NuGet's rule for restore: a source that fails (unreachable, timed
//! out, an HTTP status other than 404, no service index at its URL) fails the operation, as
//! NuGet's NU1301 does, even when a later source has the package, because the answer might
//! have been in the failed one. With [`ClientOptions::ignore_failed_sources`] the failure is a
//! `warn!` log line (NuGet's NU1801) and the other sources answer; when every source failed,
//! the call still fails. Search and autocomplete answer per source, failures included.
//!
//! One [`HttpClient`] and one [`Cache`] serve every source of a client. Each operation runs under
//! a [`SourceCacheContext`] (its `*_with` form takes one; the plain form uses the client's
//! default context, whose session id is the client's).
//!
//! ```text
//! mod.rs          Client: every operation under a SourceCacheContext (`*_with`)
//! defaults.rs     the same operations under the client's default context
//! options.rs      ClientOptions, SourceOptions
//! fan_out.rs      every source at once, SourceResult
//! first_found.rs  sources in order until one has it
//! target.rs       where a download goes, checked before any source is asked
//! ```

mod defaults;
mod fan_out;
mod first_found;
mod options;
mod target;

pub use fan_out::SourceResult;
pub use options::{ClientOptions, SourceOptions};

use std::path::Path;
use std::sync::{Arc, OnceLock};

use fan_out::fan_out;
use first_found::{Seek, first_found};

use crate::cache::{Cache, CacheStats, SourceCacheContext};
use crate::http::HttpClient;
use crate::observability::Timer;
use crate::observability::{
    HealthChecker, HealthOptions, HealthReport, Observability, SourceProbe,
};
use crate::protocol::{
    DownloadInfo, MetadataOptions, PackageMetadata, Provider, SearchQuery, SearchResults,
};
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
///
/// Offline, against the embedded demo feed on loopback (any V3 service index URL works the
/// same way):
///
/// ```
/// use rnuget::client::{Client, ClientOptions};
/// use rnuget::demo::DemoFeed;
/// use rnuget::protocol::{MetadataOptions, SearchQuery};
/// use rnuget::version::{NuGetVersion, VersionRange};
///
/// let feed = DemoFeed::start()?;
/// let client = Client::new(ClientOptions::new().named_source("demo", &feed.index_url()))?;
///
/// // Versions are the union over every source; NuGet's best match picks from them.
/// let versions = client.list_versions("Demo.Core")?;
/// let range = VersionRange::parse("[1.0, 2.0)")?;
/// assert_eq!(range.find_best_match(&versions).map(|v| v.to_string()), Some("1.0.0".into()));
///
/// // Metadata and downloads say which source answered.
/// let version = NuGetVersion::parse("1.1.0")?;
/// let metadata = client.get_version_metadata("Demo.Core", &version)?;
/// assert_eq!((metadata.source.as_str(), metadata.value.id.as_str()), ("demo", "Demo.Core"));
/// let listed = client.get_metadata("Demo.Core", &MetadataOptions::default())?;
/// assert!(listed.value.iter().all(|m| m.listed && !m.version.is_prerelease()));
///
/// let package = client.download_to_vec("Demo.Core", &version)?;
/// assert!(package.value.starts_with(b"PK"));
///
/// // Search answers per source, failures included.
/// let query = SearchQuery { query: "demo".into(), ..SearchQuery::default() };
/// let answers = client.search(&query);
/// assert!(answers[0].result.as_ref().is_ok_and(|r| r.total_hits > 0));
///
/// // A package no source has is "not found", which a caller can tell from a failure.
/// let err = client.get_version_metadata("No.Such.Package", &version).unwrap_err();
/// assert!(err.is_not_found());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Client {
    http: Arc<HttpClient>,
    cache: Arc<Cache>,
    /// The context of calls that give none.
    context: SourceCacheContext,
    repositories: RepositoryManager,
    ignore_failed_sources: bool,
    health_options: HealthOptions,
    /// Made on the first health check: a client never asked costs nothing.
    health: Arc<OnceLock<HealthChecker>>,
}

impl Client {
    /// Builds a client for the configured sources. Fails when there is no source, two share a
    /// name, the HTTP options cannot be used, or the cache root cannot be found. Nothing is sent
    /// (and nothing is written to the cache) until the first call.
    pub fn new(options: ClientOptions) -> Result<Client> {
        if options.sources.is_empty() {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "a client needs at least one package source",
            ));
        }
        let observability = options.observability;
        let http = HttpClient::new(options.http)?.with_observability(observability.clone());
        let http = Arc::new(http);
        let cache = match &options.cache {
            Some(cache) => Cache::new(cache)?,
            None => Cache::disabled(),
        };
        let cache = Arc::new(cache.with_observability(observability));
        let mut repositories = RepositoryManager::new();
        for source in &options.sources {
            repositories.add(
                SourceRepository::new(&source.name, &source.url, source_http(&http, &source.name)?)
                    .with_cache(Arc::clone(&cache)),
            )?;
        }
        Ok(Client {
            context: cache.default_context(http.session_id()),
            http,
            cache,
            repositories,
            ignore_failed_sources: options.ignore_failed_sources,
            health_options: options.health,
            health: Arc::new(OnceLock::new()),
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
        let cache = Arc::new(Cache::disabled());
        Client {
            context: cache.default_context(http.session_id()),
            cache,
            http,
            repositories,
            ignore_failed_sources: false,
            health_options: HealthOptions::default(),
            health: Arc::new(OnceLock::new()),
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

    /// The circuit-breaker statistics of the host of `url_or_host` (a URL or `host:port`);
    /// `None` when breakers are off or nothing was sent there yet.
    pub fn breaker_stats(&self, url_or_host: &str) -> Option<crate::resilience::BreakerStats> {
        self.http.breaker_stats(url_or_host)
    }

    /// The rate-limiter statistics of the source named `source`; `None` when it is unlimited.
    pub fn limiter_stats(&self, source: &str) -> Option<crate::resilience::LimiterStats> {
        self.http.limiter_stats(source)
    }

    /// Closes every circuit breaker.
    pub fn reset_breakers(&self) {
        if let Some(breakers) = self.http.breakers() {
            breakers.reset_all();
        }
    }

    /// The `X-NuGet-Session-Id` requests of calls without a context carry (the default
    /// context's).
    pub fn session_id(&self) -> &str {
        self.context.session_id()
    }

    /// The context of calls that give none: the cache defaults of [`ClientOptions::cache`] and
    /// the client's session id.
    pub fn default_context(&self) -> &SourceCacheContext {
        &self.context
    }

    /// A context for one operation: the client's defaults and a session id of its own.
    pub fn new_context(&self) -> SourceCacheContext {
        self.context.next_operation()
    }

    /// This client, sharing its sources, connections, service indexes and cache, whose calls
    /// without a context run under `context` (for the C ABI, which has no `*_with` calls).
    pub fn with_context(&self, context: SourceCacheContext) -> Client {
        Client {
            http: Arc::clone(&self.http),
            cache: Arc::clone(&self.cache),
            context,
            repositories: self.repositories.clone(),
            ignore_failed_sources: self.ignore_failed_sources,
            health_options: self.health_options,
            health: Arc::clone(&self.health),
        }
    }

    /// The cache every source reads through (one without tiers when none is configured).
    pub fn cache(&self) -> &Arc<Cache> {
        &self.cache
    }

    /// What the cache's tiers counted so far.
    pub fn cache_stats(&self) -> CacheStats {
        self.cache.stats()
    }

    /// The metrics and span hook this client reports to.
    pub fn observability(&self) -> &Observability {
        self.http.observability()
    }

    /// The client's metrics in Prometheus' text format; empty when it has none
    /// ([`ClientOptions::observability`]).
    pub fn metrics_text(&self) -> Result<String> {
        match self.observability().metrics_ref() {
            Some(metrics) => metrics.text(),
            None => Ok(String::new()),
        }
    }

    /// The health of every source (a GET of its service index through the source's own HTTP
    /// client, one try under a short deadline, reused for a few seconds; a source one of whose
    /// hosts has an open circuit breaker is unhealthy, one whose rate limiter turned requests
    /// away in the last minute degraded) and of the cache; see
    /// [`crate::observability::health`].
    pub fn health(&self) -> HealthReport {
        let checker = self
            .health
            .get_or_init(|| HealthChecker::new(self.health_options));
        let sources: Vec<SourceProbe<'_>> = self
            .repositories
            .sources()
            .iter()
            .map(|s| SourceProbe {
                name: s.name(),
                url: s.source_url(),
                http: s.http(),
            })
            .collect();
        checker.check(&sources, &self.cache)
    }

    /// Empties the memory tier and, when `disk` is true, every entry of the disk tier (NuGet's
    /// too, as `nuget locals http-cache -clear` does); returns how many files were removed.
    pub fn clear_cache(&self, disk: bool) -> Result<u64> {
        if disk {
            self.cache.clear()
        } else {
            self.cache.clear_memory();
            Ok(0)
        }
    }

    /// Searches every source at once; one answer per source, in source order.
    pub fn search_with(
        &self,
        context: &SourceCacheContext,
        query: &SearchQuery,
    ) -> Vec<SourceResult<SearchResults>> {
        fan_out(self.repositories.sources(), |source| {
            self.traced("search", context, source, &query.query, |provider| {
                provider.search(context, query)
            })
        })
    }

    /// Ids starting with `prefix`, from every source at once; one answer per source.
    pub fn autocomplete_ids_with(
        &self,
        context: &SourceCacheContext,
        prefix: &str,
        skip: u32,
        take: u32,
        prerelease: bool,
    ) -> Vec<SourceResult<Vec<String>>> {
        fan_out(self.repositories.sources(), |source| {
            self.traced("autocomplete", context, source, prefix, |provider| {
                provider.autocomplete_ids(context, prefix, skip, take, prerelease)
            })
        })
    }

    /// Versions of `id` (autocomplete), from every source at once; one answer per source, each
    /// in its feed's order. An id the feed does not know is an empty list.
    pub fn autocomplete_versions_with(
        &self,
        context: &SourceCacheContext,
        id: &str,
        prerelease: bool,
    ) -> Vec<SourceResult<Vec<NuGetVersion>>> {
        fan_out(self.repositories.sources(), |source| {
            self.traced("autocomplete", context, source, id, |provider| {
                provider.autocomplete_versions(context, id, prerelease)
            })
        })
    }

    /// Every version of `id` any source lists, ascending, each once (the first source's
    /// spelling wins). A failing source fails the call unless the client ignores failed
    /// sources; a source without the id adds nothing.
    pub fn list_versions_with(
        &self,
        context: &SourceCacheContext,
        id: &str,
    ) -> Result<Vec<NuGetVersion>> {
        check_id(id)?;
        let answers = fan_out(self.repositories.sources(), |source| {
            self.traced("versions", context, source, id, |provider| {
                provider.list_versions(context, id)
            })
        });
        let mut versions = Vec::new();
        let mut failures = Vec::new();
        for answer in answers {
            match answer.result {
                Ok(found) => versions.extend(found),
                Err(err) if err.is_not_found() => {}
                Err(err) => {
                    if self.ignore_failed_sources {
                        log::warn!(
                            target: "rnuget::client",
                            "versions of {id}: ignoring failed source '{}': {err}",
                            crate::observability::printable::printable(&answer.source)
                        );
                    }
                    failures.push(err);
                }
            }
        }
        let all_failed = failures.len() == self.repositories.len();
        if let Some(first) = failures.into_iter().next() {
            if !self.ignore_failed_sources || all_failed {
                return Err(first.context(format!("versions of {id}")));
            }
        }
        // A stable sort keeps equal versions in source order, so `dedup` keeps the first.
        versions.sort();
        versions.dedup();
        Ok(versions)
    }

    /// The version of `id` NuGet would pick for `range` among [`Client::list_versions_with`].
    pub fn find_best_version_with(
        &self,
        context: &SourceCacheContext,
        id: &str,
        range: &VersionRange,
    ) -> Result<Option<NuGetVersion>> {
        let versions = self.list_versions_with(context, id)?;
        Ok(range.find_best_match(&versions).cloned())
    }

    /// Metadata of the versions of `id` that pass `options`, from the first source that has
    /// any. Empty when no source has the id and none failed.
    pub fn get_metadata_with(
        &self,
        context: &SourceCacheContext,
        id: &str,
        options: &MetadataOptions,
    ) -> Result<Found<Vec<Arc<PackageMetadata>>>> {
        check_id(id)?;
        let seek = self.seek(id, Vec::is_empty);
        let (source, value) = first_found(self.repositories.sources(), seek, |s| {
            self.traced("metadata", context, s, id, |provider| {
                provider.get_metadata(context, id, options)
            })
        })?;
        Ok(Found { source, value })
    }

    /// Metadata of one version (listed or not), from the first source that has it.
    pub fn get_version_metadata_with(
        &self,
        context: &SourceCacheContext,
        id: &str,
        version: &NuGetVersion,
    ) -> Result<Found<Arc<PackageMetadata>>> {
        self.first_with_version("metadata", context, id, version, |provider| {
            provider.get_version_metadata(context, id, version)
        })
    }

    /// Downloads the `.nupkg` of `id` `version` to `path` from the first source that has it,
    /// streaming and validating it (a whole zip with one nuspec whose id and version are the
    /// ones asked for); nothing is left at `path` on failure. A `path` that is a folder, or
    /// whose folder does not exist, fails before any source is asked.
    pub fn download_to_file_with(
        &self,
        context: &SourceCacheContext,
        id: &str,
        version: &NuGetVersion,
        path: &Path,
    ) -> Result<Found<DownloadInfo>> {
        // The id first, then the path: both before any source is asked.
        check_id(id)?;
        target::check_target(path)?;
        self.first_with_version("download", context, id, version, |provider| {
            provider.download_to_file(context, id, version, path)
        })
    }

    /// Downloads the `.nupkg` of `id` `version` into memory, validated, from the first source
    /// that has it.
    pub fn download_to_vec_with(
        &self,
        context: &SourceCacheContext,
        id: &str,
        version: &NuGetVersion,
    ) -> Result<Found<Vec<u8>>> {
        self.first_with_version("download", context, id, version, |provider| {
            provider.download_to_vec(context, id, version)
        })
    }
}

impl Client {
    /// Runs `operation` on `source`, reported as a span `name` about `what` when the client
    /// has a span hook.
    fn traced<T>(
        &self,
        name: &'static str,
        context: &SourceCacheContext,
        source: &SourceRepository,
        what: &str,
        operation: impl FnOnce(&dyn Provider) -> Result<T>,
    ) -> Result<T> {
        let observability = self.http.observability();
        let timer = Timer::start(observability, name);
        let result = source.call(operation);
        let attributes = [("source", source.name()), ("what", what)];
        timer.finish(observability, context.trace(), &attributes, result)
    }

    /// Asks the sources in order for one version of `id` until one has it, as span `name`.
    fn first_with_version<T>(
        &self,
        name: &'static str,
        context: &SourceCacheContext,
        id: &str,
        version: &NuGetVersion,
        operation: impl Fn(&dyn Provider) -> Result<T>,
    ) -> Result<Found<T>> {
        check_id(id)?;
        let what = format!("{id} {version}");
        let (source, value) = first_found(
            self.repositories.sources(),
            self.seek(&what, |_| false),
            |s| self.traced(name, context, s, &what, &operation),
        )?;
        Ok(Found { source, value })
    }

    fn seek<'a, T>(&self, what: &'a str, is_missing: fn(&T) -> bool) -> Seek<'a, T> {
        Seek {
            what,
            is_missing,
            ignore_failed_sources: self.ignore_failed_sources,
        }
    }
}

fn check_id(id: &str) -> Result<()> {
    crate::package::validate_id(id)
}

/// The HTTP client of one source: the shared one, or a view under the source's own limits.
fn source_http(http: &Arc<HttpClient>, source: &str) -> Result<Arc<HttpClient>> {
    match http.source_limiter_wanted(source) {
        true => Ok(Arc::new(http.for_source(source)?)),
        false => Ok(Arc::clone(http)),
    }
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
    fn an_invalid_id_is_refused_before_anything_is_sent() {
        // Port 9 (discard) has no feed: reaching the network would fail differently.
        let client = Client::for_sources(&["http://127.0.0.1:9/v3/index.json"]).unwrap();
        for id in [" ", "../dapper", "Dap?per"] {
            let err = client.list_versions(id).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{id:?}");
            assert!(err.message().contains("is not a valid package id"), "{err}");
            let version = NuGetVersion::parse("1.0.0").unwrap();
            let err = client.download_to_vec(id, &version).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{id:?}");
        }
    }
}
