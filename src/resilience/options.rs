//! [`ResilienceOptions`]: which of retry, breaker and limits are on. All off by default.

use super::circuit_breaker::BreakerOptions;
use super::clock::SharedClock;
use super::source_limiter::SourceLimits;
use crate::http::RetryPolicy;

/// What protects requests. The default turns everything off, which costs nothing per request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResilienceOptions {
    /// Retries of failed requests; `None`: each request is sent once.
    pub retry: Option<RetryPolicy>,
    /// A circuit breaker per host; `None`: no breaker.
    pub circuit_breaker: Option<BreakerOptions>,
    /// Limits of every source that [`ResilienceOptions::per_source`] does not name.
    pub source_limits: Option<SourceLimits>,
    /// Limits of named sources (by [`crate::client::SourceOptions::name`]), over
    /// `source_limits`.
    pub per_source: Vec<(String, SourceLimits)>,
    /// The clock waits and timeouts run on; tests pass a [`super::FakeClock`].
    pub clock: SharedClock,
}

impl ResilienceOptions {
    /// True when nothing is on.
    pub fn is_off(&self) -> bool {
        self.retry.is_none() && self.circuit_breaker.is_none() && self.limits_of_any().is_none()
    }

    fn limits_of_any(&self) -> Option<()> {
        let default_on = self.source_limits.is_some_and(|l| !l.is_unlimited());
        let named_on = self.per_source.iter().any(|(_, l)| !l.is_unlimited());
        (default_on || named_on).then_some(())
    }

    /// The limits of `source`: its own, else the default; `None` when it is unlimited.
    pub fn limits_of(&self, source: &str) -> Option<SourceLimits> {
        self.per_source
            .iter()
            .find(|(name, _)| name == source)
            .map(|(_, limits)| *limits)
            .or(self.source_limits)
            .filter(|limits| !limits.is_unlimited())
    }
}
