//! [`CacheOptions`]: which tiers a client keeps and their limits.

use std::path::PathBuf;
use std::time::Duration;

use super::context::DEFAULT_MAX_AGE;
use super::disk::DiskOptions;
use super::memory::MemoryOptions;

/// Settings of a client's cache, fixed when the client is built. A client without them has no
/// cache at all (and pays nothing for one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheOptions {
    /// The memory tier; `None` keeps nothing in memory. Default on, with
    /// [`MemoryOptions::default`].
    pub memory: Option<MemoryOptions>,
    /// The disk tier; `None` keeps nothing on disk. Default on, in NuGet's own HTTP cache
    /// (`NUGET_HTTP_CACHE_PATH` or the OS default), without a byte cap.
    pub disk: Option<DiskOptions>,
    /// `max_age` of the contexts the client makes (and of calls given none). Default 30 min.
    pub default_max_age: Duration,
    /// `offline` of the contexts the client makes (and of calls given none). Default false.
    pub offline: bool,
}

impl Default for CacheOptions {
    fn default() -> Self {
        CacheOptions {
            memory: Some(MemoryOptions::default()),
            disk: Some(DiskOptions::default()),
            default_max_age: DEFAULT_MAX_AGE,
            offline: false,
        }
    }
}

impl CacheOptions {
    /// Both tiers, the disk one at `root` instead of NuGet's own.
    pub fn at(root: impl Into<PathBuf>) -> Self {
        CacheOptions {
            disk: Some(DiskOptions {
                root: Some(root.into()),
                max_bytes: None,
            }),
            ..CacheOptions::default()
        }
    }

    /// Only the memory tier.
    pub fn memory_only() -> Self {
        CacheOptions {
            disk: None,
            ..CacheOptions::default()
        }
    }

    /// Sets [`CacheOptions::default_max_age`].
    pub fn default_max_age(mut self, max_age: Duration) -> Self {
        self.default_max_age = max_age;
        self
    }

    /// Sets [`CacheOptions::offline`].
    pub fn offline(mut self, offline: bool) -> Self {
        self.offline = offline;
        self
    }

    /// Sets the disk tier's byte cap (no effect without a disk tier).
    pub fn disk_max_bytes(mut self, max_bytes: Option<u64>) -> Self {
        if let Some(disk) = &mut self.disk {
            disk.max_bytes = max_bytes;
        }
        self
    }

    /// Replaces the memory tier's limits (`None` turns it off).
    pub fn memory(mut self, memory: Option<MemoryOptions>) -> Self {
        self.memory = memory;
        self
    }
}
