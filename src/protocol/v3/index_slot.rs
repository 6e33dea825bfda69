//! [`IndexSlot`]: a provider's copy of its service index, kept as NuGet.Client's
//! `ServiceIndexResourceV3Provider` keeps it.
//!
//! - In memory for 40 minutes from when its fetch began; only a copy older than that is fetched
//!   again (NuGet compares with `>`).
//! - The caller's [`SourceCacheContext`] does not decide its freshness: NuGet reads the index
//!   under a context of its own, with the defaults, whatever the operation's context says. So
//!   `no_cache`, `refresh_memory_cache` and `max_age` neither drop the memory copy nor skip the
//!   disk tier; the disk copy is fresh for the default 30 minutes ([`IndexSlot::disk_context`]).
//! - Offline (rnuget's own switch, which NuGet does not have) does apply: the memory copy serves
//!   however old, the disk copy too, and a miss fails without touching the network.
//! - Concurrent first calls wait for one fetch (NuGet's semaphore); a failure is not kept, so
//!   the next call fetches again.

use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use super::service_index::ServiceIndex;
use crate::Result;
use crate::cache::{DEFAULT_MAX_AGE, SourceCacheContext};

/// How long the service index is kept in memory: NuGet.Client's `ServiceIndexResourceV3Provider`
/// keeps it 40 minutes.
pub const SERVICE_INDEX_MEMORY_TTL: Duration = Duration::from_secs(40 * 60);

/// The memory copy of one source's service index.
#[derive(Debug, Default)]
pub(crate) struct IndexSlot {
    /// The index and when the fetch that got it began.
    copy: Mutex<Option<(Arc<ServiceIndex>, Instant)>>,
}

impl IndexSlot {
    /// The memory copy when it serves under `context`, else what `load` gets (kept on
    /// success). Calls that find no usable copy wait for the one loading.
    pub fn get_or_load(
        &self,
        context: &SourceCacheContext,
        load: impl FnOnce() -> Result<Arc<ServiceIndex>>,
    ) -> Result<Arc<ServiceIndex>> {
        let mut copy = self.copy.lock();
        let now = Instant::now();
        if let Some((index, at)) = copy.as_ref()
            && serves(*at, now, context.offline)
        {
            return Ok(Arc::clone(index));
        }
        let index = load()?;
        *copy = Some((Arc::clone(&index), now));
        Ok(index)
    }

    /// The context the index is read through the cache with: NuGet's defaults (30 minutes,
    /// `no_cache` off), the caller's session, trace and offline switch.
    pub fn disk_context(context: &SourceCacheContext) -> SourceCacheContext {
        SourceCacheContext::with_session_id(context.session_id())
            .max_age(DEFAULT_MAX_AGE)
            .offline(context.offline)
            .with_trace_of(context)
    }
}

/// Whether a copy fetched at `at` serves at `now`: for 40 minutes, or at any age offline.
fn serves(at: Instant, now: Instant, offline: bool) -> bool {
    offline || now.saturating_duration_since(at) <= SERVICE_INDEX_MEMORY_TTL
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Error, ErrorKind};
    use std::cell::Cell;

    fn index() -> Arc<ServiceIndex> {
        let json = br#"{"version":"3.0.0","resources":[]}"#;
        Arc::new(ServiceIndex::parse(json, "http://127.0.0.1:1/index.json").unwrap())
    }

    #[test]
    fn a_copy_serves_for_forty_minutes_and_at_any_age_offline() {
        let at = Instant::now();
        let minutes = |m: u64| at + Duration::from_secs(m * 60);
        assert!(serves(at, minutes(39), false));
        assert!(serves(at, minutes(40), false));
        assert!(!serves(at, minutes(40) + Duration::from_millis(1), false));
        assert!(serves(at, minutes(24 * 60), true));
    }

    #[test]
    fn the_callers_freshness_does_not_drop_the_copy() {
        let slot = IndexSlot::default();
        let loads = Cell::new(0);
        let load = || {
            loads.set(loads.get() + 1);
            Ok(index())
        };
        let plain = SourceCacheContext::new();
        slot.get_or_load(&plain, load).unwrap();
        for context in [
            plain.clone().no_cache(true),
            plain.clone().refresh_memory_cache(true),
            plain.clone().max_age(Duration::ZERO),
        ] {
            slot.get_or_load(&context, load).unwrap();
        }
        assert_eq!(loads.get(), 1);
    }

    #[test]
    fn a_failure_is_not_kept() {
        let slot = IndexSlot::default();
        let context = SourceCacheContext::new();
        let failed = slot.get_or_load(&context, || Err(Error::new(ErrorKind::Network, "down")));
        assert_eq!(failed.unwrap_err().kind(), ErrorKind::Network);
        let loads = Cell::new(0);
        let load = || {
            loads.set(loads.get() + 1);
            Ok(index())
        };
        slot.get_or_load(&context, load).unwrap();
        slot.get_or_load(&context, load).unwrap();
        assert_eq!(loads.get(), 1);
    }

    #[test]
    fn the_disk_copy_is_read_with_nugets_defaults_and_the_callers_session() {
        let caller = SourceCacheContext::new()
            .no_cache(true)
            .max_age(Duration::from_secs(5))
            .refresh_memory_cache(true);
        let own = IndexSlot::disk_context(&caller);
        assert_eq!(own.max_age, DEFAULT_MAX_AGE);
        assert!(!own.no_cache && !own.refresh_memory_cache && !own.offline);
        assert_eq!(own.session_id(), caller.session_id());
        assert!(IndexSlot::disk_context(&caller.offline(true)).offline);
    }
}
