//! The memory tier: a least-recently-used map from (source, key) to a decoded value.
//!
//! Values are kept decoded (`Arc<T>`, any `T`), so that a hit costs a lookup and a reference
//! count, not a parse. Each entry remembers when its data left the network (or the disk file's
//! modification time), so that a caller's `max_age` applies to memory as it does to disk, and
//! carries its own time to live. Both an entry cap and a byte cap evict the least recently used
//! entries; an entry's bytes are the size of the document it was decoded from.
//!
//! A lookup allocates nothing and reads the clock once: the map is searched with the borrowed
//! (source, key) pair, and an entry's age is its age when stored plus the time held.

use std::any::Any;
use std::borrow::Borrow;
use std::hash::{Hash, Hasher};
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use lru::LruCache;
use parking_lot::Mutex;
use serde::Serialize;

use super::context::SourceCacheContext;

/// Limits of the memory tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryOptions {
    /// Most entries kept. Default 4096.
    pub max_entries: usize,
    /// Most bytes kept (sum of the documents' sizes). Default 64 MiB.
    pub max_bytes: u64,
    /// Longest an entry stays, whatever a caller's `max_age`. Default 30 minutes.
    pub ttl: Duration,
}

impl Default for MemoryOptions {
    fn default() -> Self {
        MemoryOptions {
            max_entries: 4096,
            max_bytes: 64 * 1024 * 1024,
            ttl: Duration::from_secs(30 * 60),
        }
    }
}

/// Counters of the memory tier since it was created.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct MemoryStats {
    /// Lookups answered from memory.
    pub hits: u64,
    /// Lookups memory could not answer (absent, too old for the caller, expired).
    pub misses: u64,
    /// Entries pushed out by the entry or byte cap.
    pub evictions: u64,
    /// Entries dropped because their time to live passed.
    pub expirations: u64,
    /// Entries held now.
    pub entries: u64,
    /// Bytes held now.
    pub bytes: u64,
}

struct Entry {
    value: Arc<dyn Any + Send + Sync>,
    bytes: u64,
    stored: Instant,
    ttl: Duration,
    /// How old its data was when stored (since it left the feed); its age now adds the time
    /// held, on the monotonic clock.
    age_when_stored: Duration,
}

struct Inner {
    lru: LruCache<EntryKey, Entry>,
    bytes: u64,
}

/// The (source, key) an entry is stored under, in one allocation.
struct EntryKey {
    text: Box<str>,
    /// Where the source ends in `text`.
    split: usize,
}

impl EntryKey {
    fn new(source: &str, key: &str) -> EntryKey {
        EntryKey {
            text: [source, key].concat().into_boxed_str(),
            split: source.len(),
        }
    }
}

/// A (source, key) pair, owned or borrowed: the map is searched with a borrowed pair, so that a
/// lookup builds no string. Both forms hash and compare by their two parts.
trait KeyParts {
    fn parts(&self) -> (&str, &str);
}

impl KeyParts for EntryKey {
    fn parts(&self) -> (&str, &str) {
        self.text.split_at(self.split)
    }
}

impl KeyParts for (&str, &str) {
    fn parts(&self) -> (&str, &str) {
        (self.0, self.1)
    }
}

impl Hash for dyn KeyParts + '_ {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // `str` hashing ends each string with a marker byte: ("ab", "c") != ("a", "bc").
        self.parts().hash(state);
    }
}

impl PartialEq for dyn KeyParts + '_ {
    fn eq(&self, other: &Self) -> bool {
        self.parts() == other.parts()
    }
}

impl Eq for dyn KeyParts + '_ {}

impl Hash for EntryKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (self as &dyn KeyParts).hash(state);
    }
}

impl PartialEq for EntryKey {
    fn eq(&self, other: &Self) -> bool {
        self.parts() == other.parts()
    }
}

impl Eq for EntryKey {}

impl<'a> Borrow<dyn KeyParts + 'a> for EntryKey {
    fn borrow(&self) -> &(dyn KeyParts + 'a) {
        self
    }
}

/// The borrowed form of (`source`, `key`) the map is searched with.
fn lookup_key<'a>(pair: &'a (&'a str, &'a str)) -> &'a (dyn KeyParts + 'a) {
    pair
}

/// The memory tier. Every method takes `&self` and may be called from many threads at once.
pub struct MemoryCache {
    options: MemoryOptions,
    inner: Mutex<Inner>,
    hits: AtomicU64,
    misses: AtomicU64,
    evictions: AtomicU64,
    expirations: AtomicU64,
}

impl std::fmt::Debug for MemoryCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryCache")
            .field("options", &self.options)
            .field("stats", &self.stats())
            .finish()
    }
}

impl MemoryCache {
    /// An empty memory tier with these limits.
    pub fn new(options: MemoryOptions) -> Self {
        let capacity = NonZeroUsize::new(options.max_entries.max(1)).unwrap_or(NonZeroUsize::MIN);
        MemoryCache {
            options,
            inner: Mutex::new(Inner {
                // Bounded by the entry cap; the byte cap is enforced on insert. Sparse: the cap
                // may be huge (UINT64_MAX from C), and `new` would reserve room for all of it.
                lru: LruCache::sparse(capacity),
                bytes: 0,
            }),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            evictions: AtomicU64::new(0),
            expirations: AtomicU64::new(0),
        }
    }

    /// The limits this tier was built with.
    pub fn options(&self) -> &MemoryOptions {
        &self.options
    }

    /// The value for (`source`, `key`) when it is a `T`, within its time to live and young
    /// enough for `context` (any age offline).
    pub fn get<T: Any + Send + Sync>(
        &self,
        source: &str,
        key: &str,
        context: &SourceCacheContext,
    ) -> Option<Arc<T>> {
        let found = self.lookup(lookup_key(&(source, key)), context);
        let value = found.and_then(|value| value.downcast::<T>().ok());
        let counter = if value.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        value
    }

    fn lookup(
        &self,
        key: &dyn KeyParts,
        context: &SourceCacheContext,
    ) -> Option<Arc<dyn Any + Send + Sync>> {
        let mut inner = self.inner.lock();
        let entry = inner.lru.get(key)?;
        let held = entry.stored.elapsed();
        if held >= entry.ttl && !context.offline {
            if let Some(entry) = inner.lru.pop(key) {
                inner.bytes -= entry.bytes;
            }
            self.expirations.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        let age = entry.age_when_stored.saturating_add(held);
        context.accepts_age(age).then(|| Arc::clone(&entry.value))
    }

    /// Stores `value` for (`source`, `key`) with the tier's time to live. `bytes` is the size of
    /// the document it came from; `origin` is when that document left the feed.
    pub fn insert<T: Any + Send + Sync>(
        &self,
        source: &str,
        key: &str,
        value: Arc<T>,
        bytes: u64,
        origin: SystemTime,
    ) {
        self.insert_with_ttl(source, key, value, bytes, origin, self.options.ttl);
    }

    /// Stores `value` as [`MemoryCache::insert`] does, with its own time to live.
    pub fn insert_with_ttl<T: Any + Send + Sync>(
        &self,
        source: &str,
        key: &str,
        value: Arc<T>,
        bytes: u64,
        origin: SystemTime,
        ttl: Duration,
    ) {
        if self.options.max_entries == 0 || bytes > self.options.max_bytes {
            return;
        }
        let entry = Entry {
            value,
            bytes,
            stored: Instant::now(),
            ttl,
            age_when_stored: SystemTime::now()
                .duration_since(origin)
                .unwrap_or(Duration::ZERO),
        };
        let mut inner = self.inner.lock();
        inner.bytes += bytes;
        if let Some((old_key, old)) = inner.lru.push(EntryKey::new(source, key), entry) {
            inner.bytes -= old.bytes;
            // `push` hands back the replaced entry of the same key, or the one the entry cap
            // pushed out.
            if old_key.parts() != (source, key) {
                self.evictions.fetch_add(1, Ordering::Relaxed);
            }
        }
        while inner.bytes > self.options.max_bytes {
            let Some((_, old)) = inner.lru.pop_lru() else {
                break;
            };
            inner.bytes -= old.bytes;
            self.evictions.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Drops the entry for (`source`, `key`); true when there was one.
    pub fn remove(&self, source: &str, key: &str) -> bool {
        let mut inner = self.inner.lock();
        match inner.lru.pop(lookup_key(&(source, key))) {
            Some(entry) => {
                inner.bytes -= entry.bytes;
                true
            }
            None => false,
        }
    }

    /// Drops every entry (the counters stay).
    pub fn clear(&self) {
        let mut inner = self.inner.lock();
        inner.lru.clear();
        inner.bytes = 0;
    }

    /// The counters and what is held now.
    pub fn stats(&self) -> MemoryStats {
        let (entries, bytes) = {
            let inner = self.inner.lock();
            (inner.lru.len() as u64, inner.bytes)
        };
        MemoryStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            evictions: self.evictions.load(Ordering::Relaxed),
            expirations: self.expirations.load(Ordering::Relaxed),
            entries,
            bytes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context() -> SourceCacheContext {
        SourceCacheContext::new()
    }

    fn cache(max_entries: usize, max_bytes: u64) -> MemoryCache {
        MemoryCache::new(MemoryOptions {
            max_entries,
            max_bytes,
            ttl: Duration::from_secs(60),
        })
    }

    #[test]
    fn values_come_back_by_source_and_key_and_type() {
        let memory = cache(10, 1000);
        memory.insert("s1", "k", Arc::new(vec![1u8, 2]), 2, SystemTime::now());
        assert_eq!(
            *memory.get::<Vec<u8>>("s1", "k", &context()).unwrap(),
            [1, 2]
        );
        // Another source never shares the entry; another type is a miss.
        assert!(memory.get::<Vec<u8>>("s2", "k", &context()).is_none());
        assert!(memory.get::<String>("s1", "k", &context()).is_none());
        let stats = memory.stats();
        assert_eq!(
            (stats.hits, stats.misses, stats.entries, stats.bytes),
            (1, 2, 1, 2)
        );
    }

    #[test]
    fn a_source_and_key_never_run_into_each_other() {
        let memory = cache(10, 1000);
        memory.insert("ab", "c", Arc::new(1u8), 1, SystemTime::now());
        memory.insert("a", "bc", Arc::new(2u8), 1, SystemTime::now());
        assert_eq!(*memory.get::<u8>("ab", "c", &context()).unwrap(), 1);
        assert_eq!(*memory.get::<u8>("a", "bc", &context()).unwrap(), 2);
        assert!(memory.get::<u8>("abc", "", &context()).is_none());
        assert!(memory.remove("a", "bc"));
        assert_eq!(memory.stats().entries, 1);
    }

    #[test]
    fn the_entry_cap_evicts_the_least_recently_used() {
        let memory = cache(2, 1000);
        let now = SystemTime::now();
        memory.insert("s", "a", Arc::new(1u32), 1, now);
        memory.insert("s", "b", Arc::new(2u32), 1, now);
        assert!(memory.get::<u32>("s", "a", &context()).is_some()); // a is now the newest
        memory.insert("s", "c", Arc::new(3u32), 1, now);
        assert!(memory.get::<u32>("s", "b", &context()).is_none());
        assert!(memory.get::<u32>("s", "a", &context()).is_some());
        assert_eq!(memory.stats().evictions, 1);
        // Replacing a key is not an eviction.
        memory.insert("s", "c", Arc::new(4u32), 1, now);
        assert_eq!(*memory.get::<u32>("s", "c", &context()).unwrap(), 4);
        assert_eq!(memory.stats().evictions, 1);
    }

    #[test]
    fn the_byte_cap_evicts_until_it_fits() {
        let memory = cache(100, 10);
        let now = SystemTime::now();
        memory.insert("s", "a", Arc::new(()), 4, now);
        memory.insert("s", "b", Arc::new(()), 4, now);
        memory.insert("s", "c", Arc::new(()), 4, now);
        let stats = memory.stats();
        assert_eq!((stats.entries, stats.bytes, stats.evictions), (2, 8, 1));
        assert!(memory.get::<()>("s", "a", &context()).is_none());
        // Bigger than the whole cap: not stored at all.
        memory.insert("s", "huge", Arc::new(()), 11, now);
        assert!(memory.get::<()>("s", "huge", &context()).is_none());
        assert_eq!(memory.stats().bytes, 8);
    }

    #[test]
    fn ttl_and_max_age_bound_what_is_served_offline_serves_anything() {
        let memory = cache(10, 100);
        let old = SystemTime::now() - Duration::from_secs(120);
        memory.insert("s", "old", Arc::new(1u8), 1, old);
        let strict = context().max_age(Duration::from_secs(60));
        assert!(memory.get::<u8>("s", "old", &strict).is_none());
        assert!(memory.get::<u8>("s", "old", &context()).is_some());
        assert!(
            memory
                .get::<u8>("s", "old", &strict.clone().offline(true))
                .is_some()
        );

        memory.insert_with_ttl(
            "s",
            "short",
            Arc::new(2u8),
            1,
            SystemTime::now(),
            Duration::ZERO,
        );
        assert!(
            memory
                .get::<u8>("s", "short", &context().offline(true))
                .is_some()
        );
        assert!(memory.get::<u8>("s", "short", &context()).is_none());
        assert_eq!(memory.stats().expirations, 1);
        assert!(
            memory
                .get::<u8>("s", "short", &context().offline(true))
                .is_none()
        );
    }

    #[test]
    fn remove_and_clear_drop_entries_and_bytes() {
        let memory = cache(10, 100);
        memory.insert("s", "a", Arc::new(1u8), 3, SystemTime::now());
        memory.insert("s", "b", Arc::new(1u8), 3, SystemTime::now());
        assert!(memory.remove("s", "a"));
        assert!(!memory.remove("s", "a"));
        assert_eq!(memory.stats().bytes, 3);
        memory.clear();
        assert_eq!((memory.stats().entries, memory.stats().bytes), (0, 0));
    }
}
