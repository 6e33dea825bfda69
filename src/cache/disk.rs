//! The disk tier: NuGet.Client's HTTP cache layout (see [`super::naming`]), shared with NuGet.
//!
//! An entry is fresh while its file's modification time is younger than the caller's
//! `max_age`, as NuGet decides it. Writes go to a unique temporary file in the same folder and
//! are renamed over the entry, so a reader (in this process or another, rnuget or NuGet) sees
//! the old file or the new one, never a torn one; whatever is read is decoded and validated
//! before it is served, and an entry that does not decode is removed (see [`super::tiered`]).
//! With a byte cap, the least recently used entries (by access time, set on every hit, or
//! modification time) are evicted when the whole cache grows past it.

use std::fs::{self, File, FileTimes};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use log::{debug, warn};
use parking_lot::Mutex;
use serde::Serialize;

use super::context::SourceCacheContext;
use super::naming;
use crate::temp_file::TempFile;
use crate::{Error, Result};

/// Suffix of rnuget's temporary files (NuGet's own end in `.dat-new`).
const TEMP_SUFFIX: &str = ".rnuget-tmp";

/// A temporary file this old was left by a writer that died; eviction and `clear` remove it.
const STALE_TEMP_AGE: Duration = Duration::from_secs(3600);

/// Eviction frees space down to this share of the cap, so that it does not run on every write.
const LOW_WATER_PERCENT: u64 = 90;

/// Where the disk tier lives and how big it may grow.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DiskOptions {
    /// The cache root; `None` is NuGet's own (`NUGET_HTTP_CACHE_PATH`, or the OS default).
    pub root: Option<PathBuf>,
    /// Most bytes of `.dat` files under the root, all sources together; `None` is no cap
    /// (NuGet sets none).
    pub max_bytes: Option<u64>,
}

/// Counters of the disk tier since it was opened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DiskStats {
    /// Reads answered by a fresh file.
    pub hits: u64,
    /// Reads with no file, or one too old for the caller.
    pub misses: u64,
    /// Entries written.
    pub writes: u64,
    /// Entries removed by the byte cap.
    pub evictions: u64,
    /// Entries removed because they did not decode or validate.
    pub invalid: u64,
    /// Bytes of entries under the root, when a byte cap makes rnuget count them.
    pub bytes: Option<u64>,
}

/// An entry being written: its temporary file exists, the entry is not in place yet. Dropped
/// unfinished, the temporary file is removed.
pub(crate) struct PendingWrite<'a> {
    cache: &'a DiskCache,
    path: PathBuf,
    temp: TempFile,
    /// The source the entry belongs to, so that messages show its paths masked.
    source: String,
}

impl PendingWrite<'_> {
    /// Fills the temporary file from `fill` (streaming), runs `validate` on it, and only then
    /// renames it into place. Returns the entry's path and its size.
    pub(crate) fn finish(
        mut self,
        fill: &mut dyn FnMut(&mut dyn Write) -> Result<u64>,
        validate: &dyn Fn(&Path) -> Result<()>,
    ) -> Result<(PathBuf, u64)> {
        let cache = self.cache;
        let shown = |path: &Path| cache.shown(&self.source, path);
        let temp = &mut self.temp;
        let written = {
            let file = temp
                .take_file()
                .map_err(|e| io_error(e, &shown(temp.path())))?;
            let mut writer = BufWriter::new(file);
            let written = fill(&mut writer)?;
            writer
                .into_inner()
                .map_err(|e| io_error(e.into_error(), &shown(temp.path())))?;
            written
        };
        validate(temp.path())?;
        let path = self.path;
        let replaced = fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        self.temp
            .persist(&path)
            .map_err(|e| io_error(e, &shown(&path)))?;
        cache.writes.fetch_add(1, Ordering::Relaxed);
        debug!(target: "rnuget::cache", "stored {} ({written} bytes)", shown(&path));
        self.cache.account(written, replaced);
        Ok((path, written))
    }
}

/// A fresh entry read from disk.
#[derive(Debug)]
pub struct DiskHit {
    /// The whole file.
    pub bytes: Vec<u8>,
    /// Its modification time: when its data left the feed.
    pub modified: SystemTime,
}

/// The disk tier. Every method takes `&self` and may be called from many threads at once.
#[derive(Debug)]
pub struct DiskCache {
    root: PathBuf,
    max_bytes: Option<u64>,
    /// Bytes under the root as last counted plus what was written since; `None` until the
    /// first write under a cap counts them.
    usage: Mutex<Option<u64>>,
    hits: AtomicU64,
    misses: AtomicU64,
    writes: AtomicU64,
    evictions: AtomicU64,
    invalid: AtomicU64,
}

impl DiskCache {
    /// Opens the tier at `options.root` (or NuGet's root); nothing is created until a write.
    pub fn new(options: &DiskOptions) -> Result<DiskCache> {
        let root = match &options.root {
            Some(root) => root.clone(),
            None => naming::default_root()?,
        };
        Ok(DiskCache {
            root,
            max_bytes: options.max_bytes,
            usage: Mutex::new(None),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            writes: AtomicU64::new(0),
            evictions: AtomicU64::new(0),
            invalid: AtomicU64::new(0),
        })
    }

    /// The byte cap, if any.
    pub fn max_bytes(&self) -> Option<u64> {
        self.max_bytes
    }

    /// The cache root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The file of (`source`, `key`): `<root>/<source folder>/<key>.dat`.
    pub fn path(&self, source: &str, key: &str) -> PathBuf {
        self.root
            .join(naming::source_folder_name(source))
            .join(naming::file_name(key))
    }

    /// A path of `source`'s folder as logs and errors show it: the folder's URL tail with its
    /// secret query values masked ([`naming::shown_folder_name`]).
    pub fn shown(&self, source: &str, path: &Path) -> String {
        // Most sources have nothing to mask: no hashing for them.
        if let std::borrow::Cow::Borrowed(_) = crate::http::loggable_cow(source) {
            return path.display().to_string();
        }
        let real = naming::source_folder_name(source);
        let shown = naming::shown_folder_name(source);
        path.components()
            .map(|part| match part.as_os_str().to_str() {
                Some(name) if name == real => std::ffi::OsString::from(&shown),
                _ => part.as_os_str().to_owned(),
            })
            .collect::<PathBuf>()
            .display()
            .to_string()
    }

    /// The entry, when its file exists and is fresh for `context`.
    pub fn read(&self, source: &str, key: &str, context: &SourceCacheContext) -> Option<DiskHit> {
        let path = self.path(source, key);
        let shown = || self.shown(source, &path);
        let hit = open_fresh(&path, &shown, context).and_then(|(mut file, modified)| {
            let mut bytes = Vec::new();
            match file.read_to_end(&mut bytes) {
                Ok(_) => Some(DiskHit { bytes, modified }),
                Err(err) => {
                    debug!(target: "rnuget::cache", "cannot read {}: {err}", shown());
                    None
                }
            }
        });
        self.count(hit.is_some());
        hit
    }

    /// The path of the entry, when its file exists and is fresh for `context` (to be streamed
    /// by the caller, who validates it), and its modification time.
    pub fn fresh_path(
        &self,
        source: &str,
        key: &str,
        context: &SourceCacheContext,
    ) -> Option<(PathBuf, SystemTime)> {
        let path = self.path(source, key);
        let shown = || self.shown(source, &path);
        let found = open_fresh(&path, &shown, context).map(|(_, modified)| modified);
        self.count(found.is_some());
        found.map(|modified| (path, modified))
    }

    fn count(&self, hit: bool) {
        let counter = if hit { &self.hits } else { &self.misses };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Writes the entry atomically (temporary file, then rename).
    pub fn write(&self, source: &str, key: &str, bytes: &[u8]) -> Result<PathBuf> {
        let mut fill = |writer: &mut dyn Write| -> Result<u64> {
            writer.write_all(bytes)?;
            Ok(bytes.len() as u64)
        };
        self.write_with(source, key, &mut fill, &|_| Ok(()))
            .map(|(path, _)| path)
    }

    /// Writes the entry from `fill` (streaming), runs `validate` on the finished temporary file,
    /// and only then renames it into place. Returns the entry's path and its size.
    pub fn write_with(
        &self,
        source: &str,
        key: &str,
        fill: &mut dyn FnMut(&mut dyn Write) -> Result<u64>,
        validate: &dyn Fn(&Path) -> Result<()>,
    ) -> Result<(PathBuf, u64)> {
        self.begin_write(source, key)?.finish(fill, validate)
    }

    /// Starts writing the entry: makes its folder and a temporary file beside it. A tier that
    /// cannot be written (a read-only or missing root) fails here, before anything is fetched,
    /// so that the caller can do without it.
    pub(crate) fn begin_write(&self, source: &str, key: &str) -> Result<PendingWrite<'_>> {
        let path = self.path(source, key);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(|e| io_error(e, &self.shown(source, dir)))?;
        }
        let temp = TempFile::beside(&path, TEMP_SUFFIX)
            .map_err(|e| io_error(e, &self.shown(source, &path)))?;
        Ok(PendingWrite {
            cache: self,
            path,
            temp,
            source: source.to_string(),
        })
    }

    /// Removes the entry (a broken one, typically); true when a file was removed.
    pub fn remove(&self, source: &str, key: &str) -> bool {
        fs::remove_file(self.path(source, key)).is_ok()
    }

    /// Removes a broken entry and counts it.
    pub fn remove_invalid(&self, source: &str, key: &str) {
        self.invalid.fetch_add(1, Ordering::Relaxed);
        self.remove(source, key);
    }

    /// Removes every entry under the root (every source's, NuGet's too, as
    /// `nuget locals http-cache -clear` does) and rnuget's stale temporary files. Returns how
    /// many files were removed.
    pub fn clear(&self) -> Result<u64> {
        let mut removed = 0;
        for file in scan(&self.root) {
            if file.is_entry || file.is_stale_temp() {
                match fs::remove_file(&file.path) {
                    Ok(()) => removed += 1,
                    Err(err) if err.kind() == io::ErrorKind::NotFound => {}
                    Err(err) => return Err(io_error(err, &naming::without_url_tails(&file.path))),
                }
            }
        }
        *self.usage.lock() = self.max_bytes.map(|_| 0);
        Ok(removed)
    }

    /// The counters.
    pub fn stats(&self) -> DiskStats {
        DiskStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            writes: self.writes.load(Ordering::Relaxed),
            evictions: self.evictions.load(Ordering::Relaxed),
            invalid: self.invalid.load(Ordering::Relaxed),
            bytes: *self.usage.lock(),
        }
    }

    /// Bytes of the entries under the root, when there is a byte cap (`None` without one): as
    /// counted since the last scan. Before the first write the entries are counted on disk
    /// now, so that a cache filled earlier (by another process, or under a bigger cap) shows
    /// its size before this process writes to it.
    pub fn usage(&self) -> Option<u64> {
        self.max_bytes?;
        let mut usage = self.usage.lock();
        let bytes = usage.unwrap_or_else(|| entry_bytes(&self.root));
        *usage = Some(bytes);
        Some(bytes)
    }

    /// Adds a write to the byte count and evicts when the cap is passed.
    fn account(&self, written: u64, replaced: u64) {
        let Some(cap) = self.max_bytes else { return };
        let mut usage = self.usage.lock();
        let current = match *usage {
            Some(bytes) => bytes.saturating_add(written).saturating_sub(replaced),
            None => entry_bytes(&self.root),
        };
        *usage = Some(if current > cap {
            self.evict(cap * LOW_WATER_PERCENT / 100)
        } else {
            current
        });
    }

    /// Removes the least recently used entries until at most `target` bytes remain; returns
    /// the bytes left. Files other processes wrote are counted afresh here.
    fn evict(&self, target: u64) -> u64 {
        let mut files = scan(&self.root);
        for stale in files.iter().filter(|f| f.is_stale_temp()) {
            let _ = fs::remove_file(&stale.path);
        }
        files.retain(|f| f.is_entry);
        files.sort_by_key(|f| f.last_used);
        let mut total: u64 = files.iter().map(|f| f.len).sum();
        for file in files {
            if total <= target {
                break;
            }
            match fs::remove_file(&file.path) {
                Ok(()) => {
                    total -= file.len;
                    self.evictions.fetch_add(1, Ordering::Relaxed);
                    let shown = naming::without_url_tails(&file.path);
                    debug!(target: "rnuget::cache", "evicted {shown}");
                }
                Err(err) if err.kind() == io::ErrorKind::NotFound => total -= file.len,
                Err(err) => {
                    let shown = naming::without_url_tails(&file.path);
                    warn!(target: "rnuget::cache", "cannot evict {shown}: {err}");
                }
            }
        }
        total
    }
}

/// Opens `path` when it exists and is fresh; the time comes from the open file itself, so that
/// a rename between the check and the read cannot pair one file's age with another's bytes.
fn open_fresh(
    path: &Path,
    shown: &dyn Fn() -> String,
    context: &SourceCacheContext,
) -> Option<(File, SystemTime)> {
    let file = File::open(path).ok()?;
    let metadata = file.metadata().ok()?;
    let modified = metadata.modified().ok()?;
    let age = SystemTime::now()
        .duration_since(modified)
        .unwrap_or(Duration::ZERO);
    if !context.accepts_age(age) {
        debug!(target: "rnuget::cache", "{} is {}s old: stale", shown(), age.as_secs());
        return None;
    }
    // The access time orders eviction; the modification time (freshness) is left alone.
    let _ = file.set_times(FileTimes::new().set_accessed(SystemTime::now()));
    Some((file, modified))
}

/// `shown`: the path as [`DiskCache::shown`] shows it.
fn io_error(err: io::Error, shown: &str) -> Error {
    Error::from(err).context(format!("cache file {shown}"))
}

/// A file found under the root.
struct Found {
    path: PathBuf,
    len: u64,
    last_used: SystemTime,
    modified: SystemTime,
    is_entry: bool,
    is_temp: bool,
}

impl Found {
    fn is_stale_temp(&self) -> bool {
        self.is_temp
            && SystemTime::now()
                .duration_since(self.modified)
                .is_ok_and(|age| age > STALE_TEMP_AGE)
    }
}

/// Bytes of the entries under `root`.
fn entry_bytes(root: &Path) -> u64 {
    scan(root)
        .iter()
        .filter(|f| f.is_entry)
        .map(|f| f.len)
        .sum()
}

/// Every entry and rnuget temporary file one level below the root's source folders.
fn scan(root: &Path) -> Vec<Found> {
    let mut found = Vec::new();
    let Ok(folders) = fs::read_dir(root) else {
        return found;
    };
    // Links are not followed, nor taken for entries: a link to a folder elsewhere would make
    // clearing and eviction delete files outside the cache.
    let real = |entry: &fs::DirEntry, is: fn(&fs::FileType) -> bool| {
        entry.file_type().is_ok_and(|t| is(&t))
    };
    for folder in folders.flatten() {
        if !real(&folder, fs::FileType::is_dir) {
            continue;
        }
        let Ok(files) = fs::read_dir(folder.path()) else {
            continue;
        };
        for file in files.flatten() {
            let name = file.file_name().to_string_lossy().into_owned();
            let is_entry = name.ends_with(".dat");
            let is_temp = name.ends_with(TEMP_SUFFIX);
            if !is_entry && !is_temp || !real(&file, fs::FileType::is_file) {
                continue;
            }
            let Ok(metadata) = file.metadata() else {
                continue;
            };
            let modified = metadata.modified().unwrap_or(SystemTime::UNIX_EPOCH);
            let accessed = metadata.accessed().unwrap_or(modified);
            found.push(Found {
                path: file.path(),
                len: metadata.len(),
                last_used: accessed.max(modified),
                modified,
                is_entry,
                is_temp,
            });
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Dir(PathBuf);
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn temp_dir(name: &str) -> Dir {
        static N: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "rnuget-disk-{name}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = fs::remove_dir_all(&dir);
        Dir(dir)
    }

    fn disk(dir: &Dir, max_bytes: Option<u64>) -> DiskCache {
        DiskCache::new(&DiskOptions {
            root: Some(dir.0.clone()),
            max_bytes,
        })
        .unwrap()
    }

    fn set_mtime(path: &Path, age: Duration) {
        let file = File::options().write(true).open(path).unwrap();
        let when = SystemTime::now() - age;
        file.set_times(FileTimes::new().set_modified(when).set_accessed(when))
            .unwrap();
    }

    const SOURCE: &str = "http://127.0.0.1:1/v3/index.json";

    #[test]
    fn entries_live_where_nuget_puts_them() {
        let dir = temp_dir("layout");
        let cache = disk(&dir, None);
        let path = cache.write(SOURCE, "list_demo.core_index", b"{}").unwrap();
        let expected = dir
            .0
            .join(naming::source_folder_name(SOURCE))
            .join("list_demo.core_index.dat");
        assert_eq!(path, expected);
        assert_eq!(fs::read(&path).unwrap(), b"{}");
        // Only the entry is left in the folder: the temporary file was renamed.
        let names: Vec<_> = fs::read_dir(path.parent().unwrap())
            .unwrap()
            .flatten()
            .collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn freshness_is_the_file_age_against_max_age() {
        let dir = temp_dir("fresh");
        let cache = disk(&dir, None);
        let path = cache.write(SOURCE, "k", b"[1]").unwrap();
        let context = SourceCacheContext::new().max_age(Duration::from_secs(60));
        assert_eq!(cache.read(SOURCE, "k", &context).unwrap().bytes, b"[1]");
        set_mtime(&path, Duration::from_secs(120));
        assert!(cache.read(SOURCE, "k", &context).is_none());
        let offline = context.offline(true);
        assert!(cache.read(SOURCE, "k", &offline).is_some());
        assert!(cache.read(SOURCE, "absent", &offline).is_none());
        let stats = cache.stats();
        assert_eq!((stats.hits, stats.misses, stats.writes), (2, 2, 1));
    }

    #[test]
    fn a_failed_validation_leaves_nothing_behind() {
        let dir = temp_dir("invalid");
        let cache = disk(&dir, None);
        cache.write(SOURCE, "k", b"old").unwrap();
        let mut fill = |w: &mut dyn Write| -> Result<u64> {
            w.write_all(b"torn")?;
            Ok(4)
        };
        let reject = |_: &Path| Err(Error::new(crate::ErrorKind::InvalidPackage, "no"));
        assert!(cache.write_with(SOURCE, "k", &mut fill, &reject).is_err());
        let folder = cache.path(SOURCE, "k").parent().unwrap().to_path_buf();
        assert_eq!(fs::read_dir(&folder).unwrap().count(), 1);
        assert_eq!(fs::read(cache.path(SOURCE, "k")).unwrap(), b"old");
        // A failing writer leaves nothing either.
        let mut failing = |_: &mut dyn Write| -> Result<u64> {
            Err(Error::new(crate::ErrorKind::Network, "reset"))
        };
        assert!(
            cache
                .write_with(SOURCE, "k", &mut failing, &|_| Ok(()))
                .is_err()
        );
        assert_eq!(fs::read_dir(&folder).unwrap().count(), 1);
    }

    #[test]
    fn usage_counts_entries_written_before_and_none_without_a_cap() {
        let dir = temp_dir("usage");
        let uncapped = disk(&dir, None);
        for key in ["a", "b", "c"] {
            uncapped.write(SOURCE, key, &[0u8; 40]).unwrap();
        }
        assert_eq!(uncapped.usage(), None);
        // Opened under a smaller cap, nothing written yet: the 120 bytes on disk show.
        let capped = disk(&dir, Some(100));
        assert_eq!(capped.usage(), Some(120));
        assert_eq!(capped.stats().bytes, Some(120));
        capped.write(SOURCE, "d", &[0u8; 40]).unwrap();
        assert_eq!(capped.usage(), Some(80));
    }

    #[test]
    fn the_byte_cap_evicts_the_least_recently_used_entries() {
        let dir = temp_dir("cap");
        let cache = disk(&dir, Some(100));
        for (n, key) in ["a", "b", "c"].iter().enumerate() {
            let path = cache.write(SOURCE, key, &[0u8; 40]).unwrap();
            // a is the oldest, c the newest.
            set_mtime(&path, Duration::from_secs(300 - 100 * n as u64));
        }
        // 120 bytes > 100: the oldest goes, down to at most 90.
        assert!(!cache.path(SOURCE, "a").exists());
        assert!(cache.path(SOURCE, "b").exists() && cache.path(SOURCE, "c").exists());
        assert_eq!(cache.stats().bytes, Some(80));
        // Reading b makes it recent, so the next eviction takes c.
        assert!(
            cache
                .read(SOURCE, "b", &SourceCacheContext::new())
                .is_some()
        );
        cache.write(SOURCE, "d", &[0u8; 40]).unwrap();
        assert!(cache.path(SOURCE, "b").exists());
        assert!(!cache.path(SOURCE, "c").exists());
        assert_eq!(cache.stats().evictions, 2);
    }

    #[test]
    fn clear_removes_entries_of_every_source() {
        let dir = temp_dir("clear");
        let cache = disk(&dir, None);
        cache.write(SOURCE, "a", b"1").unwrap();
        cache.write("http://other/index.json", "b", b"2").unwrap();
        assert_eq!(cache.clear().unwrap(), 2);
        assert!(!cache.path(SOURCE, "a").exists());
        assert_eq!(disk(&temp_dir("none"), None).clear().unwrap(), 0);
    }

    /// Clearing and eviction take only the cache's own files: a link in the root to a folder
    /// elsewhere (planted, or made by mistake) is not followed, and a linked entry name is
    /// neither counted nor removed, so that no `.dat` file outside the cache is ever deleted.
    #[cfg(unix)]
    #[test]
    fn clear_and_eviction_never_follow_links_out_of_the_cache() {
        let dir = temp_dir("links");
        let outside = temp_dir("links-outside");
        fs::create_dir_all(&outside.0).unwrap();
        let kept = outside.0.join("saved-game.dat");
        fs::write(&kept, [0u8; 500]).unwrap();
        let cache = disk(&dir, Some(100));
        cache.write(SOURCE, "a", b"1").unwrap();
        std::os::unix::fs::symlink(&outside.0, dir.0.join("linked")).unwrap();
        let folder = cache.path(SOURCE, "a").parent().unwrap().to_path_buf();
        std::os::unix::fs::symlink(&kept, folder.join("linked.dat")).unwrap();
        // The third write passes the cap and evicts; only the cache's own entries count.
        cache.write(SOURCE, "b", &[0u8; 60]).unwrap();
        cache.write(SOURCE, "c", &[0u8; 50]).unwrap();
        assert!(cache.stats().evictions > 0);
        assert!(kept.exists(), "evicted a file outside the cache");
        assert!(cache.clear().unwrap() > 0);
        assert!(kept.exists(), "cleared a file outside the cache");
        assert!(!cache.path(SOURCE, "c").exists());
        assert!(fs::symlink_metadata(folder.join("linked.dat")).is_ok());
    }
}
