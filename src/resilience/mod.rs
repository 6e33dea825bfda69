//! Resilience primitives: a circuit breaker per host, a token bucket and limits per source, and
//! a clock that tests can fake. [`crate::http::HttpClient`] puts them around every request, in
//! this order: source limiter, host breaker, retry ([`crate::http::RetryPolicy`]), the request.
//! Each is off unless configured in [`ResilienceOptions`], and costs nothing when off.
//!
//! ```text
//! options.rs          ResilienceOptions: what is on, per source and per host
//! clock.rs            Clock, SystemClock, FakeClock, SharedClock
//! circuit_breaker.rs  CircuitBreaker: closed, open, half-open
//! host_breakers.rs    one breaker per host, made on first use
//! token_bucket.rs     TokenBucket refilled by a std thread
//! source_limiter.rs   a source's rate and in-flight cap
//! ```

mod circuit_breaker;
mod clock;
mod host_breakers;
mod options;
mod source_limiter;
mod token_bucket;

pub use circuit_breaker::{
    BreakerOptions, BreakerState, BreakerStats, CircuitBreaker, Permit, Rejected,
};
pub use clock::{Clock, FakeClock, SharedClock, SystemClock};
pub(crate) use clock::{LONGEST_WAIT, deadline_after};
pub use host_breakers::{HostBreakers, host_key};
pub use options::ResilienceOptions;
pub use source_limiter::{LimiterStats, SourceLimiter, SourceLimits, SourcePermit};
pub use token_bucket::{BucketStats, RateLimit, TokenBucket};
