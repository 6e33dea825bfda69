//! How a [`super::Client`] is configured.

use crate::cache::CacheOptions;
use crate::error::strip_credentials;
use crate::http::HttpOptions;
use crate::observability::{HealthOptions, Observability};

/// Settings of a client, fixed when it is built.
#[derive(Debug, Clone, Default)]
pub struct ClientOptions {
    /// HTTP settings shared by every source (one session id for the whole client).
    pub http: HttpOptions,
    /// Sources in the order they are consulted.
    pub sources: Vec<SourceOptions>,
    /// When true, a source that fails is skipped with a warning (version lists leave it out,
    /// metadata and downloads ask the next source) instead of failing the call, as NuGet's
    /// `--ignore-failed-sources` does; a call whose every source failed still fails. Default
    /// false: a failing source fails the call, as it fails a NuGet restore.
    pub ignore_failed_sources: bool,
    /// The cache (memory, disk) every source reads through, and the defaults of the contexts
    /// the client makes. `None` (the default) caches nothing and costs nothing.
    pub cache: Option<CacheOptions>,
    /// Metrics and span hook the client reports to. Default: none, which costs nothing.
    pub observability: Observability,
    /// Deadline and reuse time of [`super::Client::health`] checks.
    pub health: HealthOptions,
}

/// One configured source. Its `Debug` form shows the URL without credentials and with secret
/// query values masked.
#[derive(Clone, PartialEq, Eq)]
pub struct SourceOptions {
    /// Name used in messages and results (NuGet.Config's `key`).
    pub name: String,
    /// Source URL (NuGet.Config's `value`): a V3 service index.
    pub url: String,
}

impl std::fmt::Debug for SourceOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SourceOptions")
            .field("name", &self.name)
            .field("url", &crate::http::loggable(&self.url))
            .finish()
    }
}

impl ClientOptions {
    /// Options with default HTTP settings and no sources.
    pub fn new() -> Self {
        ClientOptions::default()
    }

    /// Adds a source named after its URL (credentials removed).
    pub fn source(self, url: &str) -> Self {
        let name = strip_credentials(url);
        self.named_source(&name, url)
    }

    /// Adds a source with a name.
    pub fn named_source(mut self, name: &str, url: &str) -> Self {
        self.sources.push(SourceOptions {
            name: name.to_string(),
            url: url.to_string(),
        });
        self
    }

    /// Replaces the HTTP settings.
    pub fn http(mut self, http: HttpOptions) -> Self {
        self.http = http;
        self
    }

    /// Sets [`ClientOptions::cache`].
    pub fn cache(mut self, cache: CacheOptions) -> Self {
        self.cache = Some(cache);
        self
    }

    /// Sets [`ClientOptions::observability`].
    pub fn observability(mut self, observability: Observability) -> Self {
        self.observability = observability;
        self
    }

    /// Sets [`ClientOptions::ignore_failed_sources`].
    pub fn ignore_failed_sources(mut self, ignore: bool) -> Self {
        self.ignore_failed_sources = ignore;
        self
    }
}
