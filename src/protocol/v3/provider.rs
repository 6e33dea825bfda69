//! [`V3Provider`]: the [`Provider`] for a NuGet V3 feed.

use std::borrow::Cow;
use std::fmt;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use super::download::{self, Requested};
use super::index_slot::IndexSlot;
use super::leaf::{self, RegistrationLeaf, RepositorySignatures};
use super::registration::{self, Wanted};
use super::service_index::{
    PACKAGE_BASE_ADDRESS, REGISTRATIONS_BASE_URL, REPOSITORY_SIGNATURES,
    SEARCH_AUTOCOMPLETE_SERVICE, SEARCH_QUERY_SERVICE, ServiceIndex,
};
use super::{autocomplete, flat_container, search};
use crate::cache::{Cache, CachedPackage, Entry, SourceCacheContext, naming};
use crate::error::strip_credentials;
use crate::http::{HttpClient, RequestScope, with_credentials_of};
use crate::observability::Timer;
use crate::protocol::{
    DownloadInfo, MetadataOptions, PackageMetadata, ProtocolVersion, Provider, SearchQuery,
    SearchResults,
};
use crate::version::NuGetVersion;
use crate::{Error, ErrorKind, Result};

/// A V3 feed, known by the URL of its service index.
///
/// Creating one is cheap: nothing is fetched until the first call, which reads the service
/// index and keeps it for 40 minutes (concurrent first calls wait for that one fetch; a failed
/// fetch is retried by the next call). Every document goes through the provider's [`Cache`]
/// (none unless one is given). Credentials written in the source URL
/// (`https://user:pass@host/...`) are sent to resources on the same origin only.
pub struct V3Provider {
    /// As given, possibly with credentials; never shown.
    raw_source_url: String,
    /// Credentials removed: the cache names its folders after it.
    source_url: String,
    /// The log-safe form (credentials removed, secret query values masked): what errors,
    /// metrics and health reports show.
    shown_url: String,
    http: Arc<HttpClient>,
    cache: Arc<Cache>,
    /// The context of calls that give none.
    context: SourceCacheContext,
    index: IndexSlot,
}

impl fmt::Debug for V3Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("V3Provider")
            .field("source", &self.shown_url)
            .finish_non_exhaustive()
    }
}

impl V3Provider {
    /// A provider for the service index at `source_url`, sharing `http` with other sources,
    /// without a cache.
    pub fn new(source_url: &str, http: Arc<HttpClient>) -> V3Provider {
        V3Provider::with_cache(source_url, http, Arc::new(Cache::disabled()))
    }

    /// A provider that reads through `cache` (shared with the client's other sources).
    pub fn with_cache(source_url: &str, http: Arc<HttpClient>, cache: Arc<Cache>) -> V3Provider {
        let context = cache.default_context(http.session_id());
        V3Provider {
            raw_source_url: source_url.trim().to_string(),
            source_url: strip_credentials(source_url.trim()),
            shown_url: crate::http::loggable(source_url.trim()),
            http,
            cache,
            context,
            index: IndexSlot::default(),
        }
    }

    /// The source URL, credentials removed.
    pub fn source_url(&self) -> &str {
        &self.source_url
    }

    /// The cache every read goes through.
    pub fn cache(&self) -> &Arc<Cache> {
        &self.cache
    }

    /// The context of calls that give none: the cache's defaults and the HTTP client's session.
    pub fn default_context(&self) -> &SourceCacheContext {
        &self.context
    }

    /// The service index: from memory for 40 minutes, then from the disk tier (fresh for 30
    /// minutes) or the feed, as NuGet.Client reads it, whatever `context` says about freshness
    /// (see [`SERVICE_INDEX_MEMORY_TTL`]); `context` gives the session and the trace. Offline,
    /// any cached index serves and a miss fails.
    ///
    /// [`SERVICE_INDEX_MEMORY_TTL`]: super::SERVICE_INDEX_MEMORY_TTL
    pub fn service_index_with(&self, context: &SourceCacheContext) -> Result<Arc<ServiceIndex>> {
        self.index.get_or_load(context, || {
            // A span only when the index is loaded (from disk or the feed): answering from the
            // copy this provider holds is a field read, not an operation worth a span.
            let observability = self.http.observability();
            let timer = Timer::start(observability, "service_index");
            let result = self.load_service_index(context);
            let source = crate::http::loggable_cow(&self.source_url);
            let attributes = [("source", &*source)];
            timer.finish(observability, context.trace(), &attributes, result)
        })
    }

    fn load_service_index(&self, context: &SourceCacheContext) -> Result<Arc<ServiceIndex>> {
        let own = IndexSlot::disk_context(context);
        let url = &self.raw_source_url;
        let key = naming::SERVICE_INDEX_KEY;
        let entry = Entry::new(&self.source_url, key, url)
            .shown_as(&self.shown_url)
            .without_memory();
        self.cache
            .get(
                &own,
                entry,
                || self.get(&own, url),
                |bytes| ServiceIndex::parse(bytes, &self.shown_url),
            )
            .map_err(|e| self.named(index_failure(e, &self.shown_url)))
    }

    /// The registration index URL of `id` (`{RegistrationsBaseUrl}/{id-lower}/index.json`).
    pub fn registration_url_with(&self, context: &SourceCacheContext, id: &str) -> Result<String> {
        let index = self.service_index_with(context)?;
        let base = self.resource(&index, REGISTRATIONS_BASE_URL, "RegistrationsBaseUrl")?;
        Ok(registration::index_url(base, id))
    }

    /// Where the `.nupkg` of `id` `version` is fetched from: the flat container when the feed
    /// has one, otherwise the registration's `packageContent`.
    pub fn package_url_with(
        &self,
        context: &SourceCacheContext,
        id: &str,
        version: &NuGetVersion,
    ) -> Result<String> {
        let index = self.service_index_with(context)?;
        if let Some(base) = index.url(PACKAGE_BASE_ADDRESS) {
            return Ok(flat_container::package_url(base, id, version));
        }
        self.package_content_url(context, id, version)?
            .ok_or_else(|| {
                self.named(Error::new(
                    ErrorKind::Protocol,
                    format!(
                        "feed gives no download URL for {id} {}",
                        version.to_normalized_string()
                    ),
                ))
            })
    }

    /// The registration's `packageContent` URL of `id` `version`, if the feed gives one.
    fn package_content_url(
        &self,
        context: &SourceCacheContext,
        id: &str,
        version: &NuGetVersion,
    ) -> Result<Option<String>> {
        let metadata = Provider::get_version_metadata(self, context, id, version)?;
        Ok(metadata.package_content_url.clone())
    }

    /// Runs `download` on the package URL. When the URL rnuget built (the flat container)
    /// answers 404 and the registration names another `packageContent` URL, that URL is tried:
    /// some servers (nuget-server) match prerelease labels case-sensitively, so the lower-cased
    /// URL misses a package the registration still points to.
    fn with_package_url<T>(
        &self,
        context: &SourceCacheContext,
        id: &str,
        version: &NuGetVersion,
        download: impl Fn(&str) -> Result<T>,
    ) -> Result<T> {
        let url = self.package_url_with(context, id, version)?;
        let err = match download(&url) {
            Err(err) if err.is_not_found() => err,
            answer => return answer,
        };
        let content = match self.package_content_url(context, id, version) {
            Ok(Some(content)) if content != url => content,
            // Not in the registration either (or no other URL): the package is not there.
            Ok(_) => return Err(err),
            Err(other) if other.is_not_found() => return Err(err),
            Err(other) => return Err(other),
        };
        log::debug!(
            target: "rnuget::protocol",
            "{} answered 404; trying the registration's packageContent {}",
            crate::http::loggable(&url),
            crate::http::loggable(&content)
        );
        download(&content)
    }

    /// The registration leaf of one version (`{RegistrationsBaseUrl}/{id}/{version}.json`,
    /// lower-cased, normalized version).
    pub fn registration_leaf_with(
        &self,
        context: &SourceCacheContext,
        id: &str,
        version: &NuGetVersion,
    ) -> Result<RegistrationLeaf> {
        check_id(id)?;
        let index = self.service_index_with(context)?;
        let base = self.resource(&index, REGISTRATIONS_BASE_URL, "RegistrationsBaseUrl")?;
        let url = registration::leaf_url(base, id, version);
        let key = naming::registration_leaf_key(id, version);
        self.document(context, &key, &url, |bytes| leaf::parse_leaf(bytes, &url))
            .map(Arc::unwrap_or_clone)
            .map_err(|e| self.named(e))
    }

    /// The repository's signing certificates (`RepositorySignatures/5.0.0` and older).
    pub fn repository_signatures_with(
        &self,
        context: &SourceCacheContext,
    ) -> Result<RepositorySignatures> {
        let index = self.service_index_with(context)?;
        let url = self.resource(&index, REPOSITORY_SIGNATURES, "RepositorySignatures")?;
        let resource_type = REPOSITORY_SIGNATURES
            .iter()
            .find(|t| index.url(&[t]) == Some(url))
            .unwrap_or(&REPOSITORY_SIGNATURES[0]);
        let key = naming::repository_signatures_key(resource_type);
        self.document(context, &key, url, |bytes| {
            leaf::parse_signatures(bytes, url)
        })
        .map(Arc::unwrap_or_clone)
        .map_err(|e| self.named(e))
    }

    fn resource<'a>(&self, index: &'a ServiceIndex, types: &[&str], name: &str) -> Result<&'a str> {
        index
            .url(types)
            .ok_or_else(|| self.named(missing_resource(index, types, name)))
    }

    /// A document through the cache: memory, disk, then a GET decoded by `decode`.
    fn document<T: Send + Sync + 'static>(
        &self,
        context: &SourceCacheContext,
        key: &str,
        url: &str,
        decode: impl Fn(&[u8]) -> Result<T>,
    ) -> Result<Arc<T>> {
        let entry = Entry::new(&self.source_url, key, url).shown_as(&self.shown_url);
        self.cache
            .get(context, entry, || self.get(context, url), decode)
    }

    /// A GET into memory, with the source's credentials where they belong.
    fn get(&self, context: &SourceCacheContext, url: &str) -> Result<Vec<u8>> {
        self.check_feed_url(url)?;
        self.http
            .get_bytes_scoped(&self.authorized(url), self.scope(context))
            .map_err(|err| self.blame_feed(url, err))
    }

    fn stream(
        &self,
        context: &SourceCacheContext,
        url: &str,
        writer: &mut dyn Write,
    ) -> Result<u64> {
        self.check_feed_url(url)?;
        self.http
            .download_to_scoped(&self.authorized(url), writer, self.scope(context))
            .map_err(|err| self.blame_feed(url, err))
    }

    /// A URL the feed gave (every one but the source's) that the HTTP layer refuses as
    /// malformed (a bad port, a character no URL may hold, user info it cannot read) is the
    /// feed's fault: a protocol error, not the caller's invalid argument.
    fn blame_feed(&self, url: &str, err: Error) -> Error {
        if url == self.raw_source_url || err.kind() != ErrorKind::InvalidArgument {
            return err;
        }
        let message = format!(
            "the feed gave a URL that cannot be fetched: {}",
            err.message()
        );
        Error::new(ErrorKind::Protocol, message).with_url(err.url().unwrap_or(url))
    }

    /// The session, source and trace of requests made under `context`.
    fn scope<'a>(&'a self, context: &'a SourceCacheContext) -> RequestScope<'a> {
        RequestScope {
            session_id: context.session_id(),
            source: &self.shown_url,
            trace: context.trace(),
        }
    }

    /// A URL the feed gave (every one but the source's) must be http or https: anything else
    /// is a fault of the feed, not of the caller.
    fn check_feed_url(&self, url: &str) -> Result<()> {
        if url == self.raw_source_url || crate::http::is_http_url(url) {
            return Ok(());
        }
        let message = "the feed gave a URL that is not http:// or https://";
        Err(Error::new(ErrorKind::Protocol, message).with_url(url))
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
            err.with_source(&self.shown_url)
        }
    }

    fn read_registration(
        &self,
        context: &SourceCacheContext,
        id: &str,
        wanted: Wanted<'_>,
    ) -> Result<Vec<Arc<PackageMetadata>>> {
        let url = self.registration_url_with(context, id)?;
        let index_key = naming::registration_index_key(id);
        let load_index = |index_url: &str| {
            self.document(context, &index_key, index_url, |bytes| {
                registration::decode_index(bytes, index_url, id)
            })
        };
        let load_page = |page_url: &str, key: &str| {
            self.document(context, key, page_url, |bytes| {
                registration::decode_page(bytes, page_url, id)
            })
        };
        let options = self.http.options();
        let limits = registration::Limits {
            max_pages: options.max_registration_pages,
            max_bytes: options.max_registration_bytes,
        };
        registration::read(&load_index, &load_page, &url, id, wanted, limits)
            .map_err(|e| self.named(e))
    }

    fn first_success<T>(
        &self,
        index: &ServiceIndex,
        types: &[&str],
        name: &str,
        call: impl Fn(&str) -> Result<T>,
    ) -> Result<T> {
        let endpoints = index.urls(types);
        let mut last = missing_resource(index, types, name);
        for endpoint in endpoints {
            match call(endpoint) {
                Ok(value) => return Ok(value),
                Err(err) => {
                    log::debug!(
                        target: "rnuget::protocol",
                        "{name} at {} failed: {err}",
                        crate::http::loggable(endpoint)
                    );
                    last = err;
                }
            }
        }
        Err(self.named(last))
    }

    /// Where the package comes from: memory, the disk tier (stored there first on a miss), or
    /// straight from the feed (direct downloads, no disk tier).
    fn locate_package(
        &self,
        context: &SourceCacheContext,
        wanted: Requested<'_>,
        url: &str,
    ) -> Result<CachedPackage> {
        let key = naming::nupkg_key(wanted.id, wanted.version);
        let mut entry = Entry::new(&self.source_url, &key, url).shown_as(&self.shown_url);
        if context.direct_download {
            entry = entry.without_store();
        }
        let mut fetch = |writer: &mut dyn Write| self.stream(context, url, writer);
        let validate = |path: &Path| download::validate(path, wanted, url);
        self.cache.package(context, entry, &mut fetch, &validate)
    }
}

/// A failed read of the service index, worded as NuGet's NU1301 ("Unable to load the service
/// index for source ..."). A 404 there means no feed at that URL: a broken source, not a
/// missing package, so it becomes a protocol error that no caller takes for "not found".
fn index_failure(err: Error, source_url: &str) -> Error {
    let err = err.context(format!(
        "unable to load the service index for source {source_url}"
    ));
    if !err.is_not_found() {
        return err;
    }
    Error::new(ErrorKind::Protocol, err.message())
        .with_url(err.url().unwrap_or(source_url))
        .with_status(err.status().unwrap_or(404))
}

/// The error for a resource the service index offers no usable URL for: none listed, or
/// listed only at an `@id` that is not an absolute http(s) URL (which the parse skips).
fn missing_resource(index: &ServiceIndex, types: &[&str], name: &str) -> Error {
    let message = match index.unusable_url(types) {
        Some(id) => format!(
            "the service index lists {name} only at {id:?}, which is not an absolute http:// \
             or https:// URL"
        ),
        None => format!("the service index has no {name} resource"),
    };
    Error::new(ErrorKind::Protocol, message)
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

/// Streams a package held in memory or in a cache file.
fn copy_from(found: &CachedPackage, writer: &mut dyn Write) -> Result<u64> {
    match found {
        CachedPackage::Memory(bytes) => {
            writer.write_all(bytes)?;
            Ok(bytes.len() as u64)
        }
        CachedPackage::File(path) => {
            let mut file = std::fs::File::open(path)?;
            Ok(std::io::copy(&mut file, writer)?)
        }
        CachedPackage::Network => Err(Error::new(ErrorKind::Io, "the package is not cached")),
    }
}

impl Provider for V3Provider {
    fn protocol(&self) -> ProtocolVersion {
        ProtocolVersion::V3
    }

    fn list_versions(&self, context: &SourceCacheContext, id: &str) -> Result<Vec<NuGetVersion>> {
        check_id(id)?;
        let index = self.service_index_with(context)?;
        let Some(base) = index.url(PACKAGE_BASE_ADDRESS) else {
            let options = MetadataOptions {
                include_prerelease: true,
                include_unlisted: true,
            };
            let mut versions: Vec<_> = self
                .read_registration(context, id, Wanted::All(options))?
                .into_iter()
                .map(|m| m.version.clone())
                .collect();
            versions.sort();
            versions.dedup();
            return Ok(versions);
        };
        let url = flat_container::versions_url(base, id);
        let key = naming::flat_container_index_key(id);
        match self.document(context, &key, &url, |bytes| {
            flat_container::parse_versions(bytes, &url)
        }) {
            Ok(versions) => Ok(Arc::unwrap_or_clone(versions)),
            Err(err) if err.is_not_found() => Ok(Vec::new()),
            // The client says "versions of {id}" for every kind of failure.
            Err(err) => Err(self.named(err)),
        }
    }

    fn get_metadata(
        &self,
        context: &SourceCacheContext,
        id: &str,
        options: &MetadataOptions,
    ) -> Result<Vec<Arc<PackageMetadata>>> {
        check_id(id)?;
        let mut results = self.read_registration(context, id, Wanted::All(*options))?;
        // Stable: versions a feed lists twice stay in feed order, as NuGet returns them.
        results.sort_by(|a, b| a.version.cmp(&b.version));
        Ok(results)
    }

    fn get_version_metadata(
        &self,
        context: &SourceCacheContext,
        id: &str,
        version: &NuGetVersion,
    ) -> Result<Arc<PackageMetadata>> {
        check_id(id)?;
        self.read_registration(context, id, Wanted::Exact(version))?
            .into_iter()
            .next()
            .ok_or_else(|| {
                let what = format!("package {id} {} not found", version.to_normalized_string());
                self.named(Error::new(ErrorKind::NotFound, what))
            })
    }

    fn search(&self, context: &SourceCacheContext, query: &SearchQuery) -> Result<SearchResults> {
        let index = self.service_index_with(context)?;
        self.first_success(
            &index,
            SEARCH_QUERY_SERVICE,
            "SearchQueryService",
            |endpoint| {
                let url = search::query_url(endpoint, query);
                let key = naming::search_key(&url);
                self.document(context, &key, &url, |bytes| {
                    search::parse(bytes, &url, query)
                })
                .map(Arc::unwrap_or_clone)
            },
        )
    }

    fn autocomplete_ids(
        &self,
        context: &SourceCacheContext,
        prefix: &str,
        skip: u32,
        take: u32,
        prerelease: bool,
    ) -> Result<Vec<String>> {
        let index = self.service_index_with(context)?;
        let autocomplete = SEARCH_AUTOCOMPLETE_SERVICE;
        self.first_success(
            &index,
            autocomplete,
            "SearchAutocompleteService",
            |endpoint| {
                let url = autocomplete::ids_url(endpoint, prefix, skip, take, prerelease);
                let key = naming::autocomplete_key(&url);
                self.document(context, &key, &url, |bytes| {
                    autocomplete::parse_ids(bytes, &url, prefix)
                })
                .map(Arc::unwrap_or_clone)
            },
        )
    }

    fn autocomplete_versions(
        &self,
        context: &SourceCacheContext,
        id: &str,
        prerelease: bool,
    ) -> Result<Vec<NuGetVersion>> {
        check_id(id)?;
        let index = self.service_index_with(context)?;
        let autocomplete = SEARCH_AUTOCOMPLETE_SERVICE;
        self.first_success(
            &index,
            autocomplete,
            "SearchAutocompleteService",
            |endpoint| {
                let url = autocomplete::versions_url(endpoint, id, prerelease);
                let key = naming::autocomplete_key(&url);
                self.document(context, &key, &url, |bytes| {
                    autocomplete::parse_versions(bytes, &url)
                })
                .map(Arc::unwrap_or_clone)
            },
        )
    }

    fn download_to_file(
        &self,
        context: &SourceCacheContext,
        id: &str,
        version: &NuGetVersion,
        path: &Path,
    ) -> Result<DownloadInfo> {
        check_id(id)?;
        let wanted = Requested { id, version };
        self.with_package_url(context, id, version, |url| {
            let found = self.locate_package(context, wanted, url).map_err(|e| {
                self.named(e.context(format!("downloading package {}", wanted.label())))
            })?;
            let stream = |writer: &mut dyn Write| match &found {
                CachedPackage::Network => self.stream(context, url, writer),
                cached => copy_from(cached, writer),
            };
            download::to_file(&stream, url, wanted, path).map_err(|e| self.named(e))
        })
    }

    fn download_to_vec(
        &self,
        context: &SourceCacheContext,
        id: &str,
        version: &NuGetVersion,
    ) -> Result<Vec<u8>> {
        check_id(id)?;
        let wanted = Requested { id, version };
        self.with_package_url(context, id, version, |url| {
            self.download_from(context, wanted, url)
        })
    }
}

impl V3Provider {
    /// [`Provider::download_to_vec`] from one URL: the cache, else the feed.
    fn download_from(
        &self,
        context: &SourceCacheContext,
        wanted: Requested<'_>,
        url: &str,
    ) -> Result<Vec<u8>> {
        let found = self.locate_package(context, wanted, url).map_err(|e| {
            self.named(e.context(format!("downloading package {}", wanted.label())))
        })?;
        let bytes = match &found {
            CachedPackage::Memory(bytes) => return Ok(bytes.to_vec()),
            CachedPackage::File(path) => std::fs::read(path).map_err(|e| {
                let shown = match self.cache.disk() {
                    Some(disk) => disk.shown(&self.source_url, path),
                    None => path.display().to_string(),
                };
                self.named(Error::from(e).context(format!("cache file {shown}")))
            })?,
            CachedPackage::Network => {
                let stream = |writer: &mut dyn Write| self.stream(context, url, writer);
                download::to_vec(&stream, url, wanted).map_err(|e| self.named(e))?
            }
        };
        if !context.direct_download {
            let key = naming::nupkg_key(wanted.id, wanted.version);
            let entry = Entry::new(&self.source_url, &key, url).shown_as(&self.shown_url);
            self.cache.remember_package(entry, &Arc::new(bytes.clone()));
        }
        Ok(bytes)
    }
}
