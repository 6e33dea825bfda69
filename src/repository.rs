//! Package sources: one [`SourceRepository`] per feed, and the ordered [`RepositoryManager`].
//!
//! A repository knows its name and URL and creates its [`Provider`] the first time it is used,
//! once, even when many threads ask at the same time. The protocol is told from the URL: a URL
//! whose path ends in `.json` is a V3 service index.

use std::fmt;
use std::sync::{Arc, OnceLock};

use crate::cache::Cache;
use crate::http::HttpClient;
use crate::observability::printable::printable;
use crate::protocol::Provider;
use crate::protocol::v3::V3Provider;
use crate::{Error, ErrorKind, Result};

/// One package source: a name, a URL and the provider that speaks its protocol.
pub struct SourceRepository {
    name: String,
    source_url: String,
    http: Arc<HttpClient>,
    cache: Arc<Cache>,
    provider: OnceLock<Result<Arc<dyn Provider>>>,
}

impl SourceRepository {
    /// A source whose provider is created from `source_url` on first use, sending its requests
    /// through `http`.
    pub fn new(
        name: impl Into<String>,
        source_url: impl Into<String>,
        http: Arc<HttpClient>,
    ) -> Self {
        SourceRepository {
            name: name.into(),
            source_url: source_url.into(),
            http,
            cache: Arc::new(Cache::disabled()),
            provider: OnceLock::new(),
        }
    }

    /// The same source reading through `cache` (shared with the client's other sources).
    pub fn with_cache(mut self, cache: Arc<Cache>) -> Self {
        self.cache = cache;
        self
    }

    /// A source with a provider made elsewhere (a test double, a protocol detected by other
    /// means).
    pub fn with_provider(
        name: impl Into<String>,
        source_url: impl Into<String>,
        http: Arc<HttpClient>,
        provider: Arc<dyn Provider>,
    ) -> Self {
        let repository = SourceRepository::new(name, source_url, http);
        let _ = repository.provider.set(Ok(provider));
        repository
    }

    /// The name the source was configured with.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The source URL as configured (it may hold credentials: show [`Self::display_url`]).
    pub fn source_url(&self) -> &str {
        &self.source_url
    }

    /// The HTTP client the source's requests go through.
    pub fn http(&self) -> &HttpClient {
        &self.http
    }

    /// The source URL for messages and logs: credentials removed, secret query values masked.
    pub fn display_url(&self) -> String {
        crate::http::loggable(&self.source_url)
    }

    /// The provider, created on the first call. An error names the source and its URL.
    pub fn provider(&self) -> Result<Arc<dyn Provider>> {
        self.provider.get_or_init(|| self.create_provider()).clone()
    }

    /// Runs `operation` on the provider; an error (from the provider or from creating it) names
    /// this source.
    pub fn call<T>(&self, operation: impl FnOnce(&dyn Provider) -> Result<T>) -> Result<T> {
        // Borrowed, not cloned: this runs on every call.
        match self.provider.get_or_init(|| self.create_provider()) {
            Ok(provider) => operation(provider.as_ref()).map_err(|err| self.own(err)),
            Err(err) => Err(err.clone()),
        }
    }

    /// Names this source in `err`.
    fn own(&self, err: Error) -> Error {
        err.with_source(&self.name)
    }

    fn create_provider(&self) -> Result<Arc<dyn Provider>> {
        // Before anything reads the URL: a password with an unencoded `#` or `?` would
        // otherwise hide the `.json` that tells the protocol.
        crate::http::check_user_info(&self.source_url).map_err(|err| self.own(err))?;
        if is_v3_service_index(&self.source_url) && !has_http_scheme(&self.source_url) {
            // `127.0.0.1:5000/v3/index.json`: without a scheme it is neither a URL nor a path.
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "not a URL: {} (a V3 source is an http:// or https:// service index URL)",
                    self.display_url()
                ),
            )
            .with_source(&self.name));
        }
        if is_v3_service_index(&self.source_url) {
            log::debug!(
                target: "rnuget::repository",
                "source {}: V3 service index {}",
                printable(&self.name),
                self.display_url()
            );
            let provider = V3Provider::with_cache(
                &self.source_url,
                Arc::clone(&self.http),
                Arc::clone(&self.cache),
            );
            return Ok(Arc::new(provider));
        }
        // TODO(v2-local): V2 (OData) feeds and local folders are a later issue.
        Err(Error::new(
            ErrorKind::InvalidArgument,
            format!(
                "cannot tell the protocol of source '{}': only NuGet V3 feeds (a service index \
                 URL ending in .json) are supported so far",
                self.name
            ),
        )
        .with_url(&self.display_url())
        .with_source(&self.name))
    }
}

impl fmt::Debug for SourceRepository {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SourceRepository")
            .field("name", &self.name)
            .field("source_url", &self.display_url())
            .finish()
    }
}

/// True when the URL's path (query and fragment aside) ends in `.json`.
fn has_http_scheme(url: &str) -> bool {
    let url = url.trim();
    let starts = |scheme: &str| {
        url.get(..scheme.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(scheme))
    };
    starts("http://") || starts("https://")
}

fn is_v3_service_index(url: &str) -> bool {
    let path = url.split(['?', '#']).next().unwrap_or("");
    path.len() >= 5 && path[path.len() - 5..].eq_ignore_ascii_case(".json")
}

/// Named sources in the order they are consulted. Clones share the sources.
#[derive(Debug, Default, Clone)]
pub struct RepositoryManager {
    sources: Vec<Arc<SourceRepository>>,
}

impl RepositoryManager {
    /// A manager without sources.
    pub fn new() -> Self {
        RepositoryManager::default()
    }

    /// Adds a source after the others. Names are unique ignoring case, as in NuGet.Config; a
    /// second source with a name already taken is an error.
    pub fn add(&mut self, repository: SourceRepository) -> Result<Arc<SourceRepository>> {
        if self.get(repository.name()).is_some() {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("two package sources are named '{}'", repository.name()),
            )
            .with_url(&repository.display_url()));
        }
        let repository = Arc::new(repository);
        self.sources.push(Arc::clone(&repository));
        Ok(repository)
    }

    /// The source with this name (ignoring case), if any.
    pub fn get(&self, name: &str) -> Option<&Arc<SourceRepository>> {
        self.sources
            .iter()
            .find(|s| s.name().eq_ignore_ascii_case(name))
    }

    /// Every source, in order.
    pub fn sources(&self) -> &[Arc<SourceRepository>] {
        &self.sources
    }

    /// How many sources there are.
    pub fn len(&self) -> usize {
        self.sources.len()
    }

    /// True when there is no source.
    pub fn is_empty(&self) -> bool {
        self.sources.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::HttpOptions;

    fn http() -> Arc<HttpClient> {
        Arc::new(HttpClient::new(HttpOptions::default()).unwrap())
    }

    #[test]
    fn a_json_url_is_a_v3_service_index() {
        assert!(is_v3_service_index("https://api.nuget.org/v3/index.json"));
        assert!(is_v3_service_index("http://127.0.0.1:1/INDEX.JSON?x=1#top"));
        assert!(!is_v3_service_index("https://www.nuget.org/api/v2/"));
        assert!(!is_v3_service_index("/tmp/packages"));
        assert!(!is_v3_service_index("https://h/index.json/"));
    }

    #[test]
    fn the_provider_is_created_once() {
        let repository = SourceRepository::new("demo", "http://127.0.0.1:9/v3/index.json", http());
        let first = repository.provider().unwrap();
        let second = repository.provider().unwrap();
        assert!(Arc::ptr_eq(&first, &second));
        assert_eq!(first.protocol(), crate::protocol::ProtocolVersion::V3);
    }

    #[test]
    fn an_unknown_protocol_is_an_error_naming_source_and_url() {
        let repository =
            SourceRepository::new("old", "https://u:secret@feed.example/api/v2", http());
        let err = repository.provider().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument);
        assert_eq!(err.url(), Some("https://feed.example/api/v2"));
        assert_eq!(err.source_name(), Some("old"));
        assert!(err.to_string().contains("source 'old'"), "{err}");
        assert!(!err.to_string().contains("secret"), "{err}");
    }

    #[test]
    fn a_service_index_without_a_scheme_is_not_a_url() {
        let repository = SourceRepository::new("x", "127.0.0.1:5000/v3/index.json", http());
        let err = repository.provider().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument);
        assert!(
            err.message()
                .starts_with("not a URL: 127.0.0.1:5000/v3/index.json"),
            "{err}"
        );
        let https = SourceRepository::new("y", "HTTPS://h/v3/index.json", http());
        assert!(https.provider().is_ok());
    }

    #[test]
    fn names_are_unique_ignoring_case_and_order_is_kept() {
        let mut manager = RepositoryManager::new();
        manager
            .add(SourceRepository::new(
                "A",
                "http://127.0.0.1:9/a/index.json",
                http(),
            ))
            .unwrap();
        manager
            .add(SourceRepository::new(
                "b",
                "http://127.0.0.1:9/b/index.json",
                http(),
            ))
            .unwrap();
        let err = manager
            .add(SourceRepository::new(
                "a",
                "http://127.0.0.1:9/c/index.json",
                http(),
            ))
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("two package sources are named 'a'"),
            "{err}"
        );
        let names: Vec<&str> = manager.sources().iter().map(|s| s.name()).collect();
        assert_eq!(names, ["A", "b"]);
        assert_eq!(manager.get("B").unwrap().name(), "b");
    }
}
