//! `rnuget_client_options_set_cache*`, `rnuget_client_with_context`, `rnuget_client_cache_*`:
//! the cache of a client (memory and NuGet's own HTTP cache on disk), the freshness rules of one
//! operation, statistics and clearing.

use std::ffi::{CStr, c_char, c_int};
use std::path::PathBuf;
use std::time::Duration;

use rnuget::cache::{CacheOptions, DiskOptions, MemoryOptions};
use rnuget::client::ClientOptions;

use crate::args;
use crate::boundary::{guard, guard_value};
use crate::client::{check_bits, check_flags, rnuget_client};
use crate::error::FfiError;
use crate::handle;
use crate::json::to_owned_json;
use crate::options::{rnuget_client_options, update};
use crate::status::rnuget_status;

/// `rnuget_client_options_set_cache` tier: keep decoded answers in memory (an LRU).
pub const RNUGET_CACHE_MEMORY: u32 = 1;
/// `rnuget_client_options_set_cache` tier: keep responses on disk, in NuGet's HTTP cache layout.
pub const RNUGET_CACHE_DISK: u32 = 2;

/// `rnuget_client_with_context` flag: do not read cached entries (what is fetched still
/// refreshes the cache).
pub const RNUGET_CONTEXT_NO_CACHE: u32 = 1;
/// `rnuget_client_with_context` flag: packages are not stored in the cache.
pub const RNUGET_CONTEXT_DIRECT_DOWNLOAD: u32 = 2;
/// `rnuget_client_with_context` flag: drop memory entries before reading them.
pub const RNUGET_CONTEXT_REFRESH_MEMORY_CACHE: u32 = 4;
/// `rnuget_client_with_context` flag: never touch the network; serve whatever is cached,
/// however old, and fail with `RNUGET_ERR_NOT_CACHED` otherwise.
pub const RNUGET_CONTEXT_OFFLINE: u32 = 8;

/// `rnuget_client_with_context` max age meaning "the client's default max age".
pub const RNUGET_CACHE_DEFAULT_MAX_AGE: u64 = u64::MAX;

/// `rnuget_client_cache_clear` flag: empty the memory tier.
pub const RNUGET_CACHE_CLEAR_MEMORY: u32 = 1;
/// `rnuget_client_cache_clear` flag: remove every entry of the disk tier (every source's, and
/// NuGet's own, as `nuget locals http-cache -clear` does).
pub const RNUGET_CACHE_CLEAR_DISK: u32 = 2;

/// The cache settings of `options`, created without tiers when there are none yet.
fn cache_of(options: &mut ClientOptions) -> &mut CacheOptions {
    options.cache.get_or_insert_with(|| CacheOptions {
        memory: None,
        disk: None,
        ..CacheOptions::default()
    })
}

/// A directory argument; NULL means "NuGet's own".
///
/// # Safety
/// `ptr` is NULL or a NUL-terminated string, alive during the call.
unsafe fn directory_arg(ptr: *const c_char) -> Result<Option<PathBuf>, FfiError> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: not NULL, and NUL-terminated per the caller.
    let bytes = unsafe { CStr::from_ptr(ptr) }.to_bytes();
    if bytes.is_empty() {
        return Err(FfiError::invalid("directory", "is empty"));
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        Ok(Some(PathBuf::from(std::ffi::OsStr::from_bytes(bytes))))
    }
    #[cfg(not(unix))]
    {
        let text = std::str::from_utf8(bytes).map_err(|err| FfiError::utf8("directory", err))?;
        Ok(Some(PathBuf::from(text)))
    }
}

/// Chooses the cache tiers of the client: `tiers` is `RNUGET_CACHE_MEMORY`, `RNUGET_CACHE_DISK`,
/// both, or 0 for none (the default: no cache, and no cost). The disk tier lives in `directory`,
/// or with `directory` NULL in NuGet's own HTTP cache (`NUGET_HTTP_CACHE_PATH`, else
/// `~/.local/share/NuGet/v3-cache` on Linux and macOS, `%LOCALAPPDATA%\NuGet\v3-cache` on
/// Windows), which rnuget and NuGet then share. Limits go back to their defaults (memory: 4096
/// entries, 64 MiB, 30 minutes per entry; disk: no byte cap).
///
/// Ownership: `directory` is copied.
/// NULL: `options` NULL gives `RNUGET_ERR_NULL_ARGUMENT`; `directory` may be NULL.
/// Errors: `RNUGET_ERR_INVALID_ARGUMENT` for unknown bits in `tiers` or an empty `directory`.
/// Lifetime: `directory` is read during the call only.
/// Threads: callable from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rnuget_client_options_set_cache(
    options: *mut rnuget_client_options,
    tiers: u32,
    directory: *const c_char,
) -> rnuget_status {
    // SAFETY: the pointers are as this function's contract requires.
    unsafe {
        update("rnuget_client_options_set_cache", options, |o| {
            check_bits("tiers", tiers, RNUGET_CACHE_MEMORY | RNUGET_CACHE_DISK)?;
            let root = directory_arg(directory)?;
            let cache = cache_of(o);
            cache.memory = (tiers & RNUGET_CACHE_MEMORY != 0).then(MemoryOptions::default);
            cache.disk = (tiers & RNUGET_CACHE_DISK != 0).then_some(DiskOptions {
                root,
                max_bytes: None,
            });
            Ok(())
        })
    }
}

/// Sets the cache limits: the memory tier keeps at most `memory_max_entries` entries and
/// `memory_max_bytes` bytes (0 keeps the default: 4096 entries, 64 MiB), the disk tier at most
/// `disk_max_bytes` bytes of entries, evicting the least recently used (0: no cap, as NuGet).
///
/// Ownership: nothing is allocated.
/// NULL: `options` NULL gives `RNUGET_ERR_NULL_ARGUMENT`.
/// Errors: `RNUGET_ERR_INVALID_ARGUMENT` when no tier was chosen with
/// `rnuget_client_options_set_cache`.
/// Threads: callable from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rnuget_client_options_set_cache_limits(
    options: *mut rnuget_client_options,
    memory_max_entries: u64,
    memory_max_bytes: u64,
    disk_max_bytes: u64,
) -> rnuget_status {
    // SAFETY: `options` is as this function's contract requires.
    unsafe {
        update("rnuget_client_options_set_cache_limits", options, |o| {
            let cache = cache_of(o);
            if cache.memory.is_none() && cache.disk.is_none() {
                return Err(FfiError::invalid(
                    "options",
                    "has no cache tier: call rnuget_client_options_set_cache first",
                ));
            }
            let defaults = MemoryOptions::default();
            if let Some(memory) = &mut cache.memory {
                memory.max_entries = match memory_max_entries {
                    0 => defaults.max_entries,
                    n => usize::try_from(n).unwrap_or(usize::MAX),
                };
                memory.max_bytes = match memory_max_bytes {
                    0 => defaults.max_bytes,
                    n => n,
                };
            }
            if let Some(disk) = &mut cache.disk {
                disk.max_bytes = (disk_max_bytes > 0).then_some(disk_max_bytes);
            }
            Ok(())
        })
    }
}

/// Sets how old a cached entry may be before it is fetched again, in milliseconds, for calls
/// of this client (and of clients made from it without a max age of their own). Default
/// 1800000 (30 minutes, as NuGet). 0 fetches every time (the service index keeps NuGet's own
/// 40 minutes in memory and 30 on disk).
///
/// Ownership: nothing is allocated.
/// NULL: `options` NULL gives `RNUGET_ERR_NULL_ARGUMENT`.
/// Threads: callable from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rnuget_client_options_set_cache_max_age_ms(
    options: *mut rnuget_client_options,
    milliseconds: u64,
) -> rnuget_status {
    // SAFETY: `options` is as this function's contract requires.
    unsafe {
        update("rnuget_client_options_set_cache_max_age_ms", options, |o| {
            cache_of(o).default_max_age = Duration::from_millis(milliseconds);
            Ok(())
        })
    }
}

/// Sets whether the client works offline (`offline` non-zero): it never touches the network,
/// serves whatever its cache holds however old, and fails with `RNUGET_ERR_NOT_CACHED`
/// ("offline and not cached: URL") otherwise. Default no.
///
/// Ownership: nothing is allocated.
/// NULL: `options` NULL gives `RNUGET_ERR_NULL_ARGUMENT`.
/// Threads: callable from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rnuget_client_options_set_offline(
    options: *mut rnuget_client_options,
    offline: c_int,
) -> rnuget_status {
    // SAFETY: `options` is as this function's contract requires.
    unsafe {
        update("rnuget_client_options_set_offline", options, |o| {
            cache_of(o).offline = offline != 0;
            Ok(())
        })
    }
}

/// Makes a client for one operation: it shares `client`'s sources, connections, service
/// indexes and cache, and runs every call under a context of its own: `max_age_ms` (or
/// `RNUGET_CACHE_DEFAULT_MAX_AGE` for `client`'s), `flags` (`RNUGET_CONTEXT_NO_CACHE`,
/// `RNUGET_CONTEXT_DIRECT_DOWNLOAD`, `RNUGET_CONTEXT_REFRESH_MEMORY_CACHE`,
/// `RNUGET_CONTEXT_OFFLINE`, or 0), and a session id of its own, sent as `X-NuGet-Session-Id`
/// (`rnuget_client_session_id`). An offline `client` stays offline.
///
/// Ownership: `*out` receives a new client; release it with `rnuget_client_free` (before or
/// after `client`).
/// NULL: any pointer NULL gives `RNUGET_ERR_NULL_ARGUMENT`; on failure `*out` is NULL.
/// Errors: `RNUGET_ERR_INVALID_ARGUMENT` for unknown flag bits.
/// Lifetime: `client` must be live during the call.
/// Threads: callable from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rnuget_client_with_context(
    client: *const rnuget_client,
    max_age_ms: u64,
    flags: u32,
    out: *mut *mut rnuget_client,
) -> rnuget_status {
    guard("rnuget_client_with_context", || {
        // SAFETY: the pointers are NULL or valid as the contract above requires.
        let (out, client) =
            unsafe { (args::out_ptr(out, "out")?, args::handle(client, "client")?) };
        let known = RNUGET_CONTEXT_NO_CACHE
            | RNUGET_CONTEXT_DIRECT_DOWNLOAD
            | RNUGET_CONTEXT_REFRESH_MEMORY_CACHE
            | RNUGET_CONTEXT_OFFLINE;
        check_flags(flags, known)?;
        let defaults = client.0.default_context();
        let mut context = client
            .0
            .new_context()
            .no_cache(flags & RNUGET_CONTEXT_NO_CACHE != 0)
            .direct_download(flags & RNUGET_CONTEXT_DIRECT_DOWNLOAD != 0)
            .refresh_memory_cache(flags & RNUGET_CONTEXT_REFRESH_MEMORY_CACHE != 0)
            .offline(defaults.offline || flags & RNUGET_CONTEXT_OFFLINE != 0);
        if max_age_ms != RNUGET_CACHE_DEFAULT_MAX_AGE {
            context = context.max_age(Duration::from_millis(max_age_ms));
        }
        *out = handle::into_raw(rnuget_client::new(client.0.with_context(context)));
        Ok(())
    })
}

/// Returns the `X-NuGet-Session-Id` the client's requests carry: one per client, and one per
/// client made by `rnuget_client_with_context`.
///
/// Ownership: the string belongs to the client; never free it.
/// NULL: `client` NULL, or not a live client (freed already, say), returns NULL.
/// Lifetime: valid until `client` is freed.
/// Threads: callable from any thread; it does not touch the last error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rnuget_client_session_id(client: *const rnuget_client) -> *const c_char {
    guard_value(std::ptr::null(), || {
        if !crate::handle::is_live(client) {
            return std::ptr::null();
        }
        // SAFETY: live, so an unfreed client from rnuget.
        unsafe { &*client }.1.as_ptr()
    })
}

/// Writes what the client's cache counted since it was created into `*out_json`; a tier the
/// client does not have is `null`:
///
///     {"memory": {"hits": 12, "misses": 3, "evictions": 0, "expirations": 0,
///                 "entries": 3, "bytes": 18234},
///      "disk": {"hits": 2, "misses": 1, "writes": 1, "evictions": 0, "invalid": 0,
///               "bytes": null}}
///
/// (`disk.bytes` is counted only under a disk byte cap.)
///
/// Ownership: `*out_json` receives a new string; release it with `rnuget_string_free`.
/// NULL: any pointer NULL gives `RNUGET_ERR_NULL_ARGUMENT`; on failure `*out_json` is NULL.
/// Lifetime: `client` must be live during the call.
/// Threads: callable from any thread, also while other threads use the client.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rnuget_client_cache_stats(
    client: *const rnuget_client,
    out_json: *mut *mut c_char,
) -> rnuget_status {
    guard("rnuget_client_cache_stats", || {
        // SAFETY: the pointers are NULL or valid as the contract above requires.
        let (out_json, client) = unsafe {
            (
                args::out_ptr(out_json, "out_json")?,
                args::handle(client, "client")?,
            )
        };
        *out_json = to_owned_json(&client.0.cache_stats())?;
        Ok(())
    })
}

/// Empties the client's cache: `flags` is `RNUGET_CACHE_CLEAR_MEMORY`, `RNUGET_CACHE_CLEAR_DISK`
/// or both. Clearing the disk removes every entry under the cache directory, every source's and
/// NuGet's own too. When `out_removed` is not NULL it receives how many files were removed.
///
/// Ownership: nothing is allocated.
/// NULL: `client` NULL gives `RNUGET_ERR_NULL_ARGUMENT`; `out_removed` may be NULL.
/// Errors: `RNUGET_ERR_INVALID_ARGUMENT` for unknown flag bits, `RNUGET_ERR_IO` when a file
/// cannot be removed.
/// Lifetime: `client` must be live during the call.
/// Threads: callable from any thread, also while other threads use the client.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rnuget_client_cache_clear(
    client: *const rnuget_client,
    flags: u32,
    out_removed: *mut u64,
) -> rnuget_status {
    guard("rnuget_client_cache_clear", || {
        // SAFETY: the pointers are NULL or valid as the contract above requires.
        let client = unsafe { args::handle(client, "client")? };
        check_flags(flags, RNUGET_CACHE_CLEAR_MEMORY | RNUGET_CACHE_CLEAR_DISK)?;
        let cache = client.0.cache();
        let removed = match cache.disk() {
            Some(disk) if flags & RNUGET_CACHE_CLEAR_DISK != 0 => disk.clear()?,
            _ => 0,
        };
        if flags & RNUGET_CACHE_CLEAR_MEMORY != 0 {
            cache.clear_memory();
        }
        // SAFETY: `out_removed` is NULL or writable, per the contract above.
        if let Some(out) = unsafe { out_removed.as_mut() } {
            *out = removed;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::{rnuget_client_options_free, rnuget_client_options_new};
    use crate::status::rnuget_status::*;

    /// The cache settings after `configure` ran on fresh options.
    fn cache_after(configure: impl FnOnce(*mut rnuget_client_options)) -> Option<CacheOptions> {
        let mut options = std::ptr::null_mut();
        // SAFETY: `options` is a live local, freed once at the end.
        unsafe {
            assert_eq!(rnuget_client_options_new(&mut options), RNUGET_OK);
            configure(options);
            let cache = (*options).snapshot().cache;
            rnuget_client_options_free(options);
            cache
        }
    }

    #[test]
    fn settings_build_the_cache_options() {
        assert_eq!(cache_after(|_| {}), None);
        let cache = cache_after(|o| unsafe {
            assert_eq!(rnuget_client_options_set_offline(o, 1), RNUGET_OK);
            assert_eq!(
                rnuget_client_options_set_cache(o, RNUGET_CACHE_DISK, c"/tmp/x".as_ptr()),
                RNUGET_OK
            );
            assert_eq!(
                rnuget_client_options_set_cache_limits(o, 0, 0, 1000),
                RNUGET_OK
            );
            assert_eq!(
                rnuget_client_options_set_cache_max_age_ms(o, 5000),
                RNUGET_OK
            );
        })
        .unwrap();
        assert!(cache.offline && cache.memory.is_none());
        let disk = cache.disk.unwrap();
        assert_eq!(disk.root, Some(PathBuf::from("/tmp/x")));
        assert_eq!(disk.max_bytes, Some(1000));
        assert_eq!(cache.default_max_age, Duration::from_millis(5000));

        let memory = cache_after(|o| unsafe {
            assert_eq!(
                rnuget_client_options_set_cache(o, RNUGET_CACHE_MEMORY, std::ptr::null()),
                RNUGET_OK
            );
            assert_eq!(
                rnuget_client_options_set_cache_limits(o, 7, 0, 0),
                RNUGET_OK
            );
        })
        .unwrap()
        .memory
        .unwrap();
        assert_eq!(memory.max_entries, 7);
        assert_eq!(memory.max_bytes, MemoryOptions::default().max_bytes);
    }

    #[test]
    fn an_empty_directory_is_refused() {
        cache_after(|o| unsafe {
            let status = rnuget_client_options_set_cache(o, RNUGET_CACHE_DISK, c"".as_ptr());
            assert_eq!(status, RNUGET_ERR_INVALID_ARGUMENT);
        });
    }
}
