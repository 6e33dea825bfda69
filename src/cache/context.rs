//! [`SourceCacheContext`]: the caller's control over freshness, passed with each call.

use std::sync::Arc;
use std::time::Duration;

use crate::http::new_session_id;
use crate::observability::TraceContext;

/// How long cached metadata stays fresh unless a call says otherwise (NuGet.Client's 30 minutes).
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(30 * 60);

/// Cache control for one operation, as NuGet.Client's `SourceCacheContext`.
///
/// A context is cheap to clone; clones share the session id, which is sent as
/// `X-NuGet-Session-Id` with every request made under the context (one id per context, so that a
/// feed's logs can group the requests of one operation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceCacheContext {
    /// Cached entries older than this are fetched again. Default 30 minutes.
    pub max_age: Duration,
    /// Do not read cached entries (memory or disk); what is fetched still refreshes the cache.
    pub no_cache: bool,
    /// Packages are never written to the cache (neither tier) and go straight to the caller; a
    /// package already on disk is still served, as NuGet.Client serves it.
    pub direct_download: bool,
    /// Drop the memory entry before reading, so that the disk or the network answers.
    pub refresh_memory_cache: bool,
    /// Never touch the network: serve whatever is cached, however old, and fail with
    /// [`crate::ErrorKind::NotCached`] on a miss.
    pub offline: bool,
    session_id: Arc<str>,
    /// The caller's W3C trace context, carried by every request of the call.
    trace: Option<Arc<TraceContext>>,
}

impl Default for SourceCacheContext {
    fn default() -> Self {
        SourceCacheContext::new()
    }
}

impl SourceCacheContext {
    /// A context with the defaults and a fresh session id.
    pub fn new() -> Self {
        SourceCacheContext::with_session_id(&new_session_id())
    }

    /// A context with the defaults and the given session id.
    pub fn with_session_id(session_id: &str) -> Self {
        SourceCacheContext {
            max_age: DEFAULT_MAX_AGE,
            no_cache: false,
            direct_download: false,
            refresh_memory_cache: false,
            offline: false,
            session_id: Arc::from(session_id),
            trace: None,
        }
    }

    /// The `X-NuGet-Session-Id` requests under this context carry.
    pub fn session_id(&self) -> &str {
        &self.session_id
    }

    /// The caller's trace context, if the call takes part in a trace.
    pub fn trace(&self) -> Option<&TraceContext> {
        self.trace.as_deref()
    }

    /// The same context taking part in the caller's trace: every request made under it sends
    /// `traceparent` (with a fresh span id) and `tracestate`, and its spans name the trace.
    pub fn with_trace(mut self, trace: TraceContext) -> Self {
        self.trace = Some(Arc::new(trace));
        self
    }

    /// The same context with the trace (or none) of `other`.
    pub fn with_trace_of(mut self, other: &SourceCacheContext) -> Self {
        self.trace = other.trace.clone();
        self
    }

    /// Sets [`SourceCacheContext::max_age`].
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.max_age = max_age;
        self
    }

    /// Sets [`SourceCacheContext::no_cache`].
    pub fn no_cache(mut self, no_cache: bool) -> Self {
        self.no_cache = no_cache;
        self
    }

    /// Sets [`SourceCacheContext::direct_download`].
    pub fn direct_download(mut self, direct_download: bool) -> Self {
        self.direct_download = direct_download;
        self
    }

    /// Sets [`SourceCacheContext::refresh_memory_cache`].
    pub fn refresh_memory_cache(mut self, refresh: bool) -> Self {
        self.refresh_memory_cache = refresh;
        self
    }

    /// Sets [`SourceCacheContext::offline`].
    pub fn offline(mut self, offline: bool) -> Self {
        self.offline = offline;
        self
    }

    /// A copy with a fresh session id, for the next operation.
    pub fn next_operation(&self) -> Self {
        SourceCacheContext {
            session_id: Arc::from(new_session_id().as_str()),
            ..self.clone()
        }
    }

    /// Whether an entry of this age may be served: always offline, otherwise younger than
    /// [`SourceCacheContext::max_age`] (NuGet compares the file's age with `<`).
    pub fn accepts_age(&self, age: Duration) -> bool {
        self.offline || age < self.max_age
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_nuget() {
        let context = SourceCacheContext::new();
        assert_eq!(context.max_age, Duration::from_secs(1800));
        assert!(!context.no_cache && !context.direct_download);
        assert!(!context.refresh_memory_cache && !context.offline);
        assert_eq!(context.session_id().len(), 36);
    }

    #[test]
    fn each_context_has_its_own_session_and_clones_share_it() {
        let one = SourceCacheContext::new();
        let two = SourceCacheContext::default();
        assert_ne!(one.session_id(), two.session_id());
        assert_eq!(one.clone().no_cache(true).session_id(), one.session_id());
        let next = one.next_operation();
        assert_ne!(next.session_id(), one.session_id());
        assert_eq!(next.max_age, one.max_age);
    }

    #[test]
    fn ages_are_accepted_below_max_age_and_always_offline() {
        let context = SourceCacheContext::new().max_age(Duration::from_secs(10));
        assert!(context.accepts_age(Duration::from_secs(9)));
        assert!(!context.accepts_age(Duration::from_secs(10)));
        let offline = context.offline(true);
        assert!(offline.accepts_age(Duration::from_secs(100_000)));
    }
}
