//! The cache between providers and the network: a [`SourceCacheContext`] per call, a memory
//! LRU, and a disk tier in NuGet.Client's own HTTP cache layout, so that rnuget and NuGet share
//! one cache directory.
//!
//! ```text
//! context.rs  SourceCacheContext: max_age, no_cache, direct_download, refresh_memory_cache,
//!             offline, session id
//! options.rs  CacheOptions: tiers, limits and defaults of a client
//! memory.rs   MemoryCache: LRU of decoded values, entry and byte caps, TTL, statistics
//! disk.rs     DiskCache: NuGet's files, freshness by mtime, atomic writes, byte cap
//! naming.rs   NuGet's folder and file names and cache root
//! tiered.rs   Cache: memory -> disk -> network
//! packages.rs Cache::package: packages found in a tier or streamed into the disk tier
//! flight.rs   single flight: concurrent misses of one entry share one fetch
//! ```

mod context;
mod disk;
mod flight;
mod memory;
pub mod naming;
mod options;
mod packages;
mod tiered;

pub use context::{DEFAULT_MAX_AGE, SourceCacheContext};
pub use disk::{DiskCache, DiskHit, DiskOptions, DiskStats};
pub use memory::{MemoryCache, MemoryOptions, MemoryStats};
pub use options::CacheOptions;
pub use packages::CachedPackage;
pub use tiered::{Cache, CacheStats, Entry, not_cached};
