//! Packages through the cache: [`Cache::package`] finds a package in memory or on disk, or
//! streams it from the network into the disk tier, so that a package is read from its file
//! rather than held in memory; bytes that reached memory anyway may be kept there.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::SystemTime;

use log::{debug, warn};

use super::context::SourceCacheContext;
use super::disk::DiskCache;
use super::flight::Join;
use super::tiered::{Cache, Entry, not_cached};
use crate::http::loggable;
use crate::observability::Timer;
use crate::observability::metrics::Tier;
use crate::{Error, Result};

/// A package is kept in memory only when it takes at most this share (1/n) of the byte cap.
const PACKAGE_SHARE_OF_MEMORY: u64 = 8;

/// Where [`Cache::package`] found a package.
#[derive(Debug, Clone)]
pub enum CachedPackage {
    /// In memory, validated.
    Memory(Arc<Vec<u8>>),
    /// In the disk tier, validated: stream it from this file.
    File(PathBuf),
    /// Not cached and not stored: stream it from the network.
    Network,
}

impl Cache {
    /// Where to take a package from. `validate` checks a whole package file. Memory and disk
    /// are read as for [`Cache::get`]; on a miss, when `entry.store` and a disk tier allow it,
    /// `fetch` streams the package into the disk tier (validated before it is renamed into
    /// place) and the stored file is returned; otherwise [`CachedPackage::Network`] tells the
    /// caller to stream it itself. A disk tier that cannot be written (its folder cannot be
    /// made, or no file created in it) is warned about once and also answers `Network`: a
    /// cache that cannot store fails no download. Offline, a miss is
    /// [`crate::ErrorKind::NotCached`].
    pub fn package(
        &self,
        context: &SourceCacheContext,
        entry: Entry<'_>,
        fetch: &mut dyn FnMut(&mut dyn std::io::Write) -> Result<u64>,
        validate: &dyn Fn(&Path) -> Result<()>,
    ) -> Result<CachedPackage> {
        let ticket = self.flights.ticket();
        let timer = Timer::start(&self.observability, "cache_lookup");
        let found = self.cached_package(context, entry, validate);
        self.report_lookup(timer, context, entry, found.is_some());
        if let Some(found) = found {
            return Ok(found);
        }
        if context.offline {
            return Err(not_cached(entry.url));
        }
        let Some(disk) = self.disk.as_ref().filter(|_| entry.store) else {
            // The caller streams it: the decision still gets its line.
            debug!(
                target: "rnuget::cache",
                "miss {} -> network {}",
                entry.key,
                loggable(entry.url)
            );
            return Ok(CachedPackage::Network);
        };
        let mut store = || -> Result<CachedPackage> {
            debug!(
                target: "rnuget::cache",
                "miss {} -> network {}",
                entry.key,
                loggable(entry.url)
            );
            let pending = match disk.begin_write(entry.source, entry.key) {
                Ok(pending) => pending,
                Err(err) => {
                    self.cannot_store_packages(disk, &err);
                    return Ok(CachedPackage::Network);
                }
            };
            // TODO(disk full mid-download): a write that fails after the download started (no
            // space left) still fails the call; falling back would mean fetching it again.
            let (path, _) = pending.finish(fetch, validate)?;
            self.count_disk_bytes();
            Ok(CachedPackage::File(path))
        };
        match self.join::<CachedPackage>(context, entry, ticket) {
            Join::Shared(answer) => answer,
            Join::Alone => store(),
            Join::Lead(leader) => {
                let again = leader
                    .stale()
                    .then(|| self.cached_package(context, entry, validate))
                    .flatten();
                let answer = match again {
                    Some(found) => Ok(found),
                    None => store(),
                };
                leader.land(&answer);
                answer
            }
        }
    }

    /// A disk tier that cannot be written does not fail a download: the package is streamed
    /// straight to the caller instead (validated and written atomically there, as a direct
    /// download is). Said once per cache at warn level, as documents say "cannot store"; later
    /// ones at debug level, so that a read-only cache does not flood the log.
    fn cannot_store_packages(&self, disk: &DiskCache, err: &Error) {
        if self.warned_unwritable.swap(true, Ordering::Relaxed) {
            debug!(
                target: "rnuget::cache",
                "cannot store packages in {}: {err}",
                disk.root().display()
            );
        } else {
            warn!(
                target: "rnuget::cache",
                "the disk cache at {} cannot store packages ({err}); downloading them directly",
                disk.root().display()
            );
        }
    }

    fn cached_package(
        &self,
        context: &SourceCacheContext,
        entry: Entry<'_>,
        validate: &dyn Fn(&Path) -> Result<()>,
    ) -> Option<CachedPackage> {
        if let Some(bytes) = self.memory_answer::<Vec<u8>>(context, entry)? {
            return Some(CachedPackage::Memory(bytes));
        }
        let disk = self.disk.as_ref()?;
        // A hit counts once the package validates: a broken file is a miss (and is removed).
        let Some((path, _)) = disk.fresh_path(entry.source, entry.key, context) else {
            self.count(Tier::Disk, false);
            return None;
        };
        let validated = validate(&path);
        self.count(Tier::Disk, validated.is_ok());
        match validated {
            Ok(()) => {
                debug!(target: "rnuget::cache", "disk hit {}", entry.key);
                Some(CachedPackage::File(path))
            }
            Err(err) => {
                self.discard(disk, entry, &err);
                None
            }
        }
    }

    /// Keeps package bytes that reached memory anyway (a download into memory), unless they
    /// would take more than an eighth of the memory tier: one big package must not push out
    /// every document.
    pub fn remember_package(&self, entry: Entry<'_>, bytes: &Arc<Vec<u8>>) {
        let fits = self
            .memory
            .as_ref()
            .is_some_and(|m| bytes.len() as u64 <= m.options().max_bytes / PACKAGE_SHARE_OF_MEMORY);
        if entry.store && fits {
            self.remember(entry, bytes, bytes.len(), SystemTime::now());
        }
    }
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;
    use crate::ErrorKind;
    use crate::cache::CacheOptions;
    use crate::cache::tiered::tests::{SOURCE, cache};

    #[test]
    fn only_packages_small_beside_the_memory_cap_are_kept_in_memory() {
        let options = CacheOptions {
            memory: Some(crate::cache::MemoryOptions {
                max_bytes: 800,
                ..crate::cache::MemoryOptions::default()
            }),
            disk: None,
            ..CacheOptions::default()
        };
        let cache = Cache::new(&options).unwrap();
        let small = Entry::new(SOURCE, "nupkg_small.1.0.0", "u");
        let big = Entry::new(SOURCE, "nupkg_big.1.0.0", "u");
        cache.remember_package(small, &Arc::new(vec![0; 100]));
        cache.remember_package(big, &Arc::new(vec![0; 101]));
        let context = SourceCacheContext::new();
        let memory = cache.memory().unwrap();
        assert!(memory.get::<Vec<u8>>(SOURCE, small.key, &context).is_some());
        assert!(memory.get::<Vec<u8>>(SOURCE, big.key, &context).is_none());
    }

    #[test]
    fn packages_are_validated_before_they_are_stored_and_served() {
        let (_dir, cache) = cache("package");
        let entry = Entry::new(SOURCE, "nupkg_a.1.0.0", "u");
        let context = SourceCacheContext::new();
        let validate = |path: &Path| match fs::read(path) {
            Ok(bytes) if bytes.starts_with(b"PK") => Ok(()),
            _ => Err(Error::new(ErrorKind::InvalidPackage, "not a zip")),
        };
        let mut torn = |w: &mut dyn std::io::Write| -> Result<u64> {
            w.write_all(b"P")?;
            Ok(1)
        };
        let err = cache
            .package(&context, entry, &mut torn, &validate)
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidPackage);
        let path = cache.disk().unwrap().path(SOURCE, entry.key);
        assert!(!path.exists());

        let mut whole = |w: &mut dyn std::io::Write| -> Result<u64> {
            w.write_all(b"PK..")?;
            Ok(4)
        };
        let stored = cache
            .package(&context, entry, &mut whole, &validate)
            .unwrap();
        assert!(matches!(stored, CachedPackage::File(ref p) if *p == path));
        let mut never = |_: &mut dyn std::io::Write| -> Result<u64> { panic!("cached") };
        let hit = cache
            .package(&context, entry, &mut never, &validate)
            .unwrap();
        assert!(matches!(hit, CachedPackage::File(_)));

        // A file that stopped validating is removed; a direct download is not stored.
        fs::write(&path, b"torn").unwrap();
        let direct = entry.without_store();
        let found = cache
            .package(&context, direct, &mut never, &validate)
            .unwrap();
        assert!(matches!(found, CachedPackage::Network));
        assert!(!path.exists());
    }
}
