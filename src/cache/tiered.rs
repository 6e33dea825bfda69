//! [`Cache`]: memory, then disk, then the network, for one client's sources.
//!
//! ```text
//! get(context, entry, fetch, decode)
//!   refresh_memory_cache -> drop the memory entry
//!   memory   (unless no_cache)  fresh for max_age and within its TTL     -> value
//!   disk     (unless no_cache)  file younger than max_age, decodes       -> value, kept in memory
//!            a file that does not decode is removed (warning) and fetched again
//!   offline                      -> NotCached "offline and not cached: URL"
//!   in flight (unless no_cache)  another call is fetching it       -> wait, share its answer
//!   network  fetch, decode (a response that does not decode is never stored), store both tiers
//! ```
//!
//! Offline, any cached entry is served however old (and `no_cache` is ignored: there is nothing
//! else to serve). Packages follow the same order with [`Cache::package`], so that they can be
//! streamed from the disk file rather than held in memory.
//!
//! Concurrent misses of one entry in one process send one request (`flight.rs`): the others
//! wait for it (ten minutes at most) and share its answer; a failure reaches the calls that
//! waited for it and is not kept; a panicking fetch lets a waiter fetch. A call under
//! `no_cache` neither waits for nor joins a fetch already in the air, since that fetch may have
//! left before the call began: it fetches on its own, as NuGet.Client's does.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, SystemTime};

use log::{debug, warn};
use serde::Serialize;

use super::context::SourceCacheContext;
use super::disk::{DiskCache, DiskStats};
use super::flight::{Flights, Join, Ticket};
use super::memory::{MemoryCache, MemoryStats};
use super::options::CacheOptions;
use crate::error::strip_credentials;
use crate::http::loggable;
use crate::observability::Observability;
use crate::observability::Timer;
use crate::observability::metrics::Tier;
use crate::{Error, ErrorKind, Result};

/// One cached document: which source, which key, and the URL it is fetched from.
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    /// The source URL (credentials removed): it names the disk folder and scopes the memory key.
    pub source: &'a str,
    /// NuGet's cache key (see [`super::naming`]).
    pub key: &'a str,
    /// Where the document is fetched from, for logs and errors.
    pub url: &'a str,
    /// Whether the memory tier keeps it (the service index has a slot of its own).
    pub memory: bool,
    /// Whether what is fetched is stored (false for direct downloads).
    pub store: bool,
    /// The source URL as spans show it (secret query values masked), when the caller has it
    /// at hand; otherwise it is masked for each span.
    pub shown_source: Option<&'a str>,
}

impl<'a> Entry<'a> {
    /// An entry kept in both tiers.
    pub fn new(source: &'a str, key: &'a str, url: &'a str) -> Self {
        Entry {
            source,
            key,
            url,
            memory: true,
            store: true,
            shown_source: None,
        }
    }

    /// With the source URL's log-safe form (`crate::http::loggable` of it), made once by the
    /// caller rather than on every span.
    pub fn shown_as(mut self, shown_source: &'a str) -> Self {
        self.shown_source = Some(shown_source);
        self
    }

    /// Not kept in the memory tier.
    pub fn without_memory(mut self) -> Self {
        self.memory = false;
        self
    }

    /// Served from the cache when there, but what is fetched is not stored.
    pub fn without_store(mut self) -> Self {
        self.store = false;
        self
    }
}

/// What both tiers counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CacheStats {
    /// The memory tier, if there is one.
    pub memory: Option<MemoryStats>,
    /// The disk tier, if there is one.
    pub disk: Option<DiskStats>,
}

/// The tiers of one client, shared by its sources. Every method takes `&self` and may be called
/// from many threads at once.
#[derive(Debug)]
pub struct Cache {
    pub(super) memory: Option<MemoryCache>,
    pub(super) disk: Option<DiskCache>,
    default_max_age: Duration,
    offline: bool,
    pub(super) observability: Observability,
    pub(super) flights: Flights,
    /// Whether the disk tier was already found unable to store a package (warned once).
    pub(super) warned_unwritable: AtomicBool,
}

impl Cache {
    /// Builds the configured tiers. Fails when the disk root cannot be found (no home folder,
    /// or a relative `NUGET_HTTP_CACHE_PATH`).
    pub fn new(options: &CacheOptions) -> Result<Cache> {
        let disk = match &options.disk {
            Some(disk) => Some(DiskCache::new(disk)?),
            None => None,
        };
        if let Some(disk) = &disk {
            debug!(target: "rnuget::cache", "disk cache at {}", disk.root().display());
        }
        Ok(Cache {
            memory: options
                .memory
                .filter(|m| m.max_entries > 0)
                .map(MemoryCache::new),
            disk,
            default_max_age: options.default_max_age,
            offline: options.offline,
            observability: Observability::default(),
            flights: Flights::default(),
            warned_unwritable: AtomicBool::new(false),
        })
    }

    /// No tiers: every read goes to the network (and fails offline).
    pub fn disabled() -> Cache {
        Cache {
            memory: None,
            disk: None,
            default_max_age: super::context::DEFAULT_MAX_AGE,
            offline: false,
            observability: Observability::default(),
            flights: Flights::default(),
            warned_unwritable: AtomicBool::new(false),
        }
    }

    /// The same cache counting hits, misses and bytes in `observability`'s metrics and
    /// reporting each lookup as a `cache_lookup` span.
    pub fn with_observability(mut self, observability: Observability) -> Cache {
        self.observability = observability;
        self
    }

    /// A context with this cache's defaults (max age, offline) and `session_id`.
    pub fn default_context(&self, session_id: &str) -> SourceCacheContext {
        SourceCacheContext::with_session_id(session_id)
            .max_age(self.default_max_age)
            .offline(self.offline)
    }

    /// The memory tier, if any.
    pub fn memory(&self) -> Option<&MemoryCache> {
        self.memory.as_ref()
    }

    /// The disk tier, if any.
    pub fn disk(&self) -> Option<&DiskCache> {
        self.disk.as_ref()
    }

    /// The counters of both tiers.
    pub fn stats(&self) -> CacheStats {
        CacheStats {
            memory: self.memory.as_ref().map(MemoryCache::stats),
            disk: self.disk.as_ref().map(DiskCache::stats),
        }
    }

    /// Empties the memory tier.
    pub fn clear_memory(&self) {
        if let Some(memory) = &self.memory {
            memory.clear();
        }
    }

    /// Empties both tiers; returns how many disk files were removed.
    pub fn clear(&self) -> Result<u64> {
        self.clear_memory();
        match &self.disk {
            Some(disk) => disk.clear(),
            None => Ok(0),
        }
    }

    /// The decoded document for `entry`: from memory, disk or `fetch`, as the module docs say.
    /// `decode` also validates: what it rejects is never stored or served. `fetch` must not
    /// read `entry` through this cache (it would wait for itself).
    pub fn get<T: Send + Sync + 'static>(
        &self,
        context: &SourceCacheContext,
        entry: Entry<'_>,
        fetch: impl FnOnce() -> Result<Vec<u8>>,
        decode: impl Fn(&[u8]) -> Result<T>,
    ) -> Result<Arc<T>> {
        let ticket = self.flights.ticket();
        let timer = Timer::start(&self.observability, "cache_lookup");
        let found = self.cached(context, entry, &decode);
        self.report_lookup(timer, context, entry, found.is_some());
        if let Some(value) = found {
            return Ok(value);
        }
        if context.offline {
            return Err(not_cached(entry.url));
        }
        match self.join::<Arc<T>>(context, entry, ticket) {
            Join::Shared(answer) => answer,
            Join::Alone => self.fetch_and_store(entry, fetch, &decode),
            Join::Lead(leader) => {
                let again = leader
                    .stale()
                    .then(|| self.cached(context, entry, &decode))
                    .flatten();
                let answer = match again {
                    Some(value) => Ok(value),
                    None => self.fetch_and_store(entry, fetch, &decode),
                };
                leader.land(&answer);
                answer
            }
        }
    }

    /// Whether a call that missed leads the flight of `entry`, waits for it, or goes alone
    /// (`no_cache`).
    pub(super) fn join<T: Clone + 'static>(
        &self,
        context: &SourceCacheContext,
        entry: Entry<'_>,
        ticket: Ticket,
    ) -> Join<'_, T> {
        if context.no_cache {
            return Join::Alone;
        }
        self.flights.join(entry.source, entry.key, ticket)
    }

    /// Fetches and decodes `entry`, then stores it (when `entry.store`).
    fn fetch_and_store<T: Send + Sync + 'static>(
        &self,
        entry: Entry<'_>,
        fetch: impl FnOnce() -> Result<Vec<u8>>,
        decode: &impl Fn(&[u8]) -> Result<T>,
    ) -> Result<Arc<T>> {
        debug!(target: "rnuget::cache", "miss {} -> network {}", entry.key, loggable(entry.url));
        let bytes = fetch()?;
        let value = Arc::new(decode(&bytes)?);
        if entry.store {
            if let Some(disk) = &self.disk
                && let Err(err) = disk.write(entry.source, entry.key, &bytes)
            {
                warn!(target: "rnuget::cache", "cannot store {}: {err}", loggable(entry.url));
            }
            self.remember(entry, &value, bytes.len(), SystemTime::now());
            self.count_disk_bytes();
        }
        Ok(value)
    }

    /// The memory or disk answer, when there is a usable one.
    fn cached<T: Send + Sync + 'static>(
        &self,
        context: &SourceCacheContext,
        entry: Entry<'_>,
        decode: &impl Fn(&[u8]) -> Result<T>,
    ) -> Option<Arc<T>> {
        if let Some(value) = self.memory_answer::<T>(context, entry)? {
            return Some(value);
        }
        let disk = self.disk.as_ref()?;
        // A hit counts once the file decodes: a broken one is a miss (and is removed).
        let Some(hit) = disk.read(entry.source, entry.key, context) else {
            self.count(Tier::Disk, false);
            return None;
        };
        let decoded = decode(&hit.bytes);
        self.count(Tier::Disk, decoded.is_ok());
        match decoded {
            Ok(value) => {
                debug!(target: "rnuget::cache", "disk hit {}", entry.key);
                let value = Arc::new(value);
                self.remember(entry, &value, hit.bytes.len(), hit.modified);
                Some(value)
            }
            Err(err) => {
                self.discard(disk, entry, &err);
                None
            }
        }
    }

    /// The memory tier's answer for `entry`, counted and logged: `None` when `context` reads
    /// no tier (`no_cache`, unless offline), else the hit, if any. `refresh_memory_cache` drops
    /// the entry first.
    pub(super) fn memory_answer<T: Send + Sync + 'static>(
        &self,
        context: &SourceCacheContext,
        entry: Entry<'_>,
    ) -> Option<Option<Arc<T>>> {
        let memory = self.memory.as_ref().filter(|_| entry.memory);
        if context.refresh_memory_cache
            && let Some(memory) = memory
        {
            memory.remove(entry.source, entry.key);
        }
        if context.no_cache && !context.offline {
            return None;
        }
        let Some(memory) = memory else {
            return Some(None);
        };
        let value = memory.get::<T>(entry.source, entry.key, context);
        self.count(Tier::Memory, value.is_some());
        if value.is_some() {
            debug!(target: "rnuget::cache", "memory hit {}", entry.key);
        }
        Some(value)
    }

    pub(super) fn remember<T: Send + Sync + 'static>(
        &self,
        entry: Entry<'_>,
        value: &Arc<T>,
        bytes: usize,
        origin: SystemTime,
    ) {
        if let Some(memory) = self.memory.as_ref().filter(|_| entry.memory) {
            memory.insert(
                entry.source,
                entry.key,
                Arc::clone(value),
                bytes as u64,
                origin,
            );
            if let Some(metrics) = self.observability.metrics_ref() {
                metrics.set_cache_bytes(Tier::Memory, memory.stats().bytes);
            }
        }
    }

    /// Counts a lookup of `tier` in the metrics.
    pub(super) fn count(&self, tier: Tier, hit: bool) {
        if let Some(metrics) = self.observability.metrics_ref() {
            if hit {
                metrics.cache_hit(tier);
            } else {
                metrics.cache_miss(tier);
            }
        }
    }

    /// Sets the disk tier's bytes in the metrics, when the tier counts them (it has a cap).
    pub(super) fn count_disk_bytes(&self) {
        if let (Some(metrics), Some(disk)) = (self.observability.metrics_ref(), &self.disk)
            && let Some(bytes) = disk.stats().bytes
        {
            metrics.set_cache_bytes(Tier::Disk, bytes);
        }
    }

    /// Reports one lookup as a `cache_lookup` span: `hit` says whether a tier answered.
    pub(super) fn report_lookup(
        &self,
        timer: Timer,
        context: &SourceCacheContext,
        entry: Entry<'_>,
        hit: bool,
    ) {
        if !timer.is_timed() {
            return;
        }
        let hit = if hit { "true" } else { "false" };
        // The source URL has no credentials, but its query may hold a token.
        let source = match entry.shown_source {
            Some(shown) => std::borrow::Cow::Borrowed(shown),
            None => crate::http::loggable_cow(entry.source),
        };
        let attributes = [("source", &*source), ("key", entry.key), ("hit", hit)];
        let _ = timer.finish(&self.observability, context.trace(), &attributes, Ok(()));
    }

    pub(super) fn discard(&self, disk: &DiskCache, entry: Entry<'_>, err: &Error) {
        let path = disk.shown(entry.source, &disk.path(entry.source, entry.key));
        warn!(
            target: "rnuget::cache",
            "broken cache entry {path} for {}, removing it: {err}",
            loggable(entry.url)
        );
        disk.remove_invalid(entry.source, entry.key);
    }
}

/// The error for a miss while offline.
pub fn not_cached(url: &str) -> Error {
    let url = strip_credentials(url);
    Error::new(
        ErrorKind::NotCached,
        format!("offline and not cached: {url}"),
    )
    .with_url(&url)
}

#[cfg(test)]
pub(super) mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::cache::disk::DiskOptions;
    use std::cell::Cell;
    use std::fs;

    pub(in crate::cache) struct Dir(PathBuf);
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    pub(in crate::cache) fn cache(name: &str) -> (Dir, Cache) {
        let dir = std::env::temp_dir().join(format!("rnuget-tiered-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let options = CacheOptions {
            disk: Some(DiskOptions {
                root: Some(dir.clone()),
                max_bytes: None,
            }),
            ..CacheOptions::default()
        };
        (Dir(dir), Cache::new(&options).unwrap())
    }

    pub(in crate::cache) const SOURCE: &str = "http://127.0.0.1:1/index.json";

    fn decode(bytes: &[u8]) -> Result<String> {
        let text = String::from_utf8(bytes.to_vec())
            .map_err(|_| Error::new(ErrorKind::Protocol, "not text"))?;
        if text.starts_with('{') {
            Ok(text)
        } else {
            Err(Error::new(ErrorKind::Protocol, "not an object"))
        }
    }

    #[test]
    fn memory_then_disk_then_network() {
        let (_dir, cache) = cache("order");
        let context = SourceCacheContext::new();
        let entry = Entry::new(SOURCE, "k", "http://127.0.0.1:1/k");
        let fetches = Cell::new(0);
        let fetch = || {
            fetches.set(fetches.get() + 1);
            Ok(b"{1}".to_vec())
        };
        assert_eq!(*cache.get(&context, entry, fetch, decode).unwrap(), "{1}");
        assert_eq!(*cache.get(&context, entry, fetch, decode).unwrap(), "{1}");
        assert_eq!(fetches.get(), 1);
        assert_eq!(cache.stats().memory.unwrap().hits, 1);
        // Without the memory entry the disk answers, and the value is promoted to memory.
        cache.clear_memory();
        assert_eq!(*cache.get(&context, entry, fetch, decode).unwrap(), "{1}");
        assert_eq!(fetches.get(), 1);
        assert_eq!(cache.stats().disk.unwrap().hits, 1);
        assert_eq!(cache.stats().memory.unwrap().entries, 1);
    }

    #[test]
    fn no_cache_fetches_and_still_stores() {
        let (_dir, cache) = cache("nocache");
        let entry = Entry::new(SOURCE, "k", "u");
        let first = SourceCacheContext::new();
        cache
            .get(&first, entry, || Ok(b"{old}".to_vec()), decode)
            .unwrap();
        let fresh = first.clone().no_cache(true);
        let value = cache.get(&fresh, entry, || Ok(b"{new}".to_vec()), decode);
        assert_eq!(*value.unwrap(), "{new}");
        let again = cache.get(&first, entry, || panic!("no fetch"), decode);
        assert_eq!(*again.unwrap(), "{new}");
    }

    #[test]
    fn a_broken_disk_entry_is_removed_and_fetched_again() {
        let (_dir, cache) = cache("broken");
        let entry = Entry::new(SOURCE, "k", "u");
        let disk = cache.disk().unwrap();
        disk.write(SOURCE, "k", b"garbage").unwrap();
        let value = cache.get(
            &SourceCacheContext::new(),
            entry,
            || Ok(b"{ok}".to_vec()),
            decode,
        );
        assert_eq!(*value.unwrap(), "{ok}");
        assert_eq!(fs::read(disk.path(SOURCE, "k")).unwrap(), b"{ok}");
        assert_eq!(disk.stats().invalid, 1);
    }

    #[test]
    fn a_response_that_does_not_decode_is_not_stored() {
        let (_dir, cache) = cache("reject");
        let entry = Entry::new(SOURCE, "k", "u");
        let err = cache
            .get(
                &SourceCacheContext::new(),
                entry,
                || Ok(b"junk".to_vec()),
                decode,
            )
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Protocol);
        assert!(!cache.disk().unwrap().path(SOURCE, "k").exists());
        assert_eq!(cache.stats().memory.unwrap().entries, 0);
    }

    #[test]
    fn offline_serves_old_entries_and_fails_clearly_on_a_miss() {
        let (_dir, cache) = cache("offline");
        let entry = Entry::new(SOURCE, "k", "http://u:p@127.0.0.1:1/k.json");
        let online = SourceCacheContext::new();
        cache
            .get(&online, entry, || Ok(b"{v}".to_vec()), decode)
            .unwrap();
        cache.clear_memory();
        let path = cache.disk().unwrap().path(SOURCE, "k");
        let old = SystemTime::now() - Duration::from_secs(86_400);
        fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(old)
            .unwrap();
        let offline = SourceCacheContext::new().offline(true);
        let served = cache.get(&offline, entry, || panic!("network offline"), decode);
        assert_eq!(*served.unwrap(), "{v}");
        let missing = Entry::new(SOURCE, "other", "http://u:p@127.0.0.1:1/other.json");
        let err = cache
            .get(&offline, missing, || panic!("network offline"), decode)
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotCached);
        assert_eq!(
            err.message(),
            "offline and not cached: http://127.0.0.1:1/other.json"
        );
        assert_eq!(err.url(), Some("http://127.0.0.1:1/other.json"));
        // No tiers at all: offline is always a miss.
        let err = Cache::disabled()
            .get(&offline, entry, || panic!("network offline"), decode)
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotCached);
    }

    #[test]
    fn refresh_memory_cache_goes_to_disk() {
        let (_dir, cache) = cache("refresh");
        let entry = Entry::new(SOURCE, "k", "u");
        let context = SourceCacheContext::new();
        cache
            .get(&context, entry, || Ok(b"{a}".to_vec()), decode)
            .unwrap();
        cache.disk().unwrap().write(SOURCE, "k", b"{b}").unwrap();
        assert_eq!(
            *cache.get(&context, entry, || panic!(), decode).unwrap(),
            "{a}"
        );
        let refresh = context.refresh_memory_cache(true);
        assert_eq!(
            *cache.get(&refresh, entry, || panic!(), decode).unwrap(),
            "{b}"
        );
    }
}
