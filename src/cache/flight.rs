//! Single flight: concurrent misses of one entry in one process share one fetch.
//!
//! The first call to miss an entry leads: it fetches, stores and then lands the flight. Calls
//! that miss the same (source, key) while it is in the air wait for it and take its answer, so
//! that N threads missing one entry send one request. (NuGet.Client serializes them with a lock
//! file per entry, after which the others read what the first one stored; waiting in memory
//! gives the same answer without reading the file again.) Different entries never wait for
//! each other: a flight is one map entry, and the map's lock is held only to find or add one.
//!
//! - A failure is handed to the calls that were waiting (they asked at the same moment; asking
//!   again at once would only multiply the load on a failing feed), but it is not kept: the
//!   next call after the flight landed fetches again.
//! - A leader that panics abandons its flight (its guard lands it as abandoned while
//!   unwinding): the waiters wake up and one of them leads anew.
//! - A waiter gives up after [`WAIT_LIMIT`] and fetches on its own.
//! - A call missed just as another flight of the same entry landed would lead a second,
//!   needless fetch; a [`Ticket`] taken before the cache lookup tells the new leader that some
//!   flight landed since, and it looks at the cache again first.
//!
//! A leader's fetch must not read its own entry through the cache: it would wait for itself
//! (until [`WAIT_LIMIT`]).

use std::any::Any;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use log::debug;
use parking_lot::{Condvar, Mutex};

use crate::{Error, Result};

/// Longest a call waits for another call's fetch before it fetches on its own: longer than a
/// document fetch with its retries takes (the HTTP layer bounds those), so it only ends waits
/// on a leader that is stuck.
const WAIT_LIMIT: Duration = Duration::from_secs(10 * 60);

/// The fetches in flight of one cache.
#[derive(Default)]
pub(crate) struct Flights {
    running: Mutex<HashMap<String, Arc<Flight>>>,
    /// How many flights have landed: see [`Ticket`].
    landed: AtomicU64,
}

impl std::fmt::Debug for Flights {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Flights")
            .field("running", &self.running.lock().len())
            .finish()
    }
}

/// How many flights had landed when a call looked at the cache.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ticket(u64);

#[derive(Default)]
struct Flight {
    outcome: Mutex<Option<Outcome>>,
    done: Condvar,
}

enum Outcome {
    Value(Box<dyn Any + Send + Sync>),
    Failed(Error),
    Abandoned,
}

/// What a call that missed does.
pub(crate) enum Join<'a, T> {
    /// Fetch and store, then land the flight.
    Lead(Leader<'a>),
    /// The answer of the flight it waited for.
    Shared(Result<T>),
    /// Fetch on its own (the wait ran out, or the flight's answer is of another type).
    Alone,
}

/// The call that fetches for everyone waiting on one entry. Dropping it without
/// [`Leader::land`] (a panic) abandons the flight.
pub(crate) struct Leader<'a> {
    flights: &'a Flights,
    key: String,
    flight: Arc<Flight>,
    stale: bool,
    landed: bool,
}

impl Flights {
    /// To be taken before the cache lookup that precedes [`Flights::join`].
    pub fn ticket(&self) -> Ticket {
        // Acquire: the lookup after it sees whatever a flight counted here had stored.
        Ticket(self.landed.load(Ordering::Acquire))
    }

    /// Leads the flight of (`source`, `key`), or waits for the one in the air and shares its
    /// answer.
    pub fn join<T: Clone + 'static>(&self, source: &str, key: &str, ticket: Ticket) -> Join<'_, T> {
        let key = flight_key(source, key);
        let deadline = Instant::now() + WAIT_LIMIT;
        loop {
            let (flight, lead) = {
                let mut running = self.running.lock();
                match running.get(&key) {
                    Some(flight) => (Arc::clone(flight), false),
                    None => {
                        let flight = Arc::new(Flight::default());
                        running.insert(key.clone(), Arc::clone(&flight));
                        (flight, true)
                    }
                }
            };
            if lead {
                let stale = self.landed.load(Ordering::Acquire) != ticket.0;
                return Join::Lead(Leader {
                    flights: self,
                    key,
                    flight,
                    stale,
                    landed: false,
                });
            }
            debug!(
                target: "rnuget::cache",
                "waiting for the fetch of {} in flight",
                printable(&key)
            );
            let mut outcome = flight.outcome.lock();
            while outcome.is_none() {
                if flight.done.wait_until(&mut outcome, deadline).timed_out() {
                    debug!(target: "rnuget::cache", "gave up waiting for {}", printable(&key));
                    return Join::Alone;
                }
            }
            match outcome.as_ref() {
                Some(Outcome::Value(value)) => {
                    return match value.downcast_ref::<T>() {
                        Some(value) => Join::Shared(Ok(value.clone())),
                        None => Join::Alone,
                    };
                }
                Some(Outcome::Failed(err)) => return Join::Shared(Err(err.clone())),
                // The leader panicked: lead anew (or join whoever was quicker).
                Some(Outcome::Abandoned) | None => {}
            }
        }
    }

    /// Takes `flight` off the map (the next miss leads a new one) and counts it as landed.
    fn remove(&self, key: &str, flight: &Arc<Flight>) {
        let mut running = self.running.lock();
        // Counted under the lock: a call that finds no flight afterwards sees the count.
        self.landed.fetch_add(1, Ordering::Release);
        if running.get(key).is_some_and(|f| Arc::ptr_eq(f, flight)) {
            running.remove(key);
        }
    }
}

impl Leader<'_> {
    /// Whether a flight landed since the caller's ticket: look at the cache again first.
    pub fn stale(&self) -> bool {
        self.stale
    }

    /// Hands `result` to every call waiting (after it was stored, so that a later call finds
    /// it in the cache).
    pub fn land<T: Clone + Send + Sync + 'static>(mut self, result: &Result<T>) {
        let outcome = match result {
            Ok(value) => Outcome::Value(Box::new(value.clone())),
            Err(err) => Outcome::Failed(err.clone()),
        };
        self.finish(outcome);
    }

    fn finish(&mut self, outcome: Outcome) {
        self.landed = true;
        self.flights.remove(&self.key, &self.flight);
        *self.flight.outcome.lock() = Some(outcome);
        self.flight.done.notify_all();
    }
}

impl Drop for Leader<'_> {
    fn drop(&mut self) {
        if !self.landed {
            debug!(target: "rnuget::cache", "the fetch of {} was abandoned", printable(&self.key));
            self.finish(Outcome::Abandoned);
        }
    }
}

/// One string per (source, key): a newline occurs in neither.
fn flight_key(source: &str, key: &str) -> String {
    [source, "\n", key].concat()
}

/// The key of a flight for logs, its source URL as every log line shows URLs.
fn printable(key: &str) -> String {
    match key.split_once('\n') {
        Some((source, key)) => format!("{} {key}", crate::http::loggable(source)),
        None => key.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use std::sync::Barrier;
    use std::sync::atomic::AtomicUsize;

    /// Runs `threads` calls of one entry at once; the leader runs `work` once every other
    /// thread waits for its flight (or after 10 s, so that a slow machine fails, not hangs).
    fn together<T: Clone + Send + Sync + 'static>(
        threads: usize,
        key: &str,
        work: impl Fn() -> Result<T> + Sync,
    ) -> (Vec<Result<T>>, usize) {
        let flights = Flights::default();
        let leaders = AtomicUsize::new(0);
        let start = Barrier::new(threads);
        let results = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|_| {
                    scope.spawn(|| {
                        start.wait();
                        let ticket = flights.ticket();
                        match flights.join::<T>("s", key, ticket) {
                            Join::Lead(leader) => {
                                leaders.fetch_add(1, Ordering::Relaxed);
                                // The map, the leader and each waiter hold the flight.
                                let deadline = Instant::now() + Duration::from_secs(10);
                                while Arc::strong_count(&leader.flight) < threads + 1
                                    && Instant::now() < deadline
                                {
                                    std::thread::sleep(Duration::from_millis(1));
                                }
                                let result = work();
                                leader.land(&result);
                                result
                            }
                            Join::Shared(result) => result,
                            Join::Alone => panic!("no wait runs out here"),
                        }
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        (results, leaders.into_inner())
    }

    #[test]
    fn concurrent_misses_share_one_fetch() {
        let (results, leaders) = together(8, "k", || Ok(Arc::new(42u32)));
        assert_eq!(leaders, 1);
        assert!(results.iter().all(|r| r.as_deref().is_ok_and(|v| *v == 42)));
    }

    #[test]
    fn a_failure_reaches_every_waiter_and_is_not_kept() {
        let fail = || -> Result<u32> { Err(Error::new(ErrorKind::Network, "refused")) };
        let (results, leaders) = together(4, "k", fail);
        assert_eq!(leaders, 1);
        for result in results {
            assert_eq!(result.unwrap_err().message(), "refused");
        }
        // Nothing stays in the map: the next miss leads again.
        let flights = Flights::default();
        let ticket = flights.ticket();
        let Join::Lead(leader) = flights.join::<u32>("s", "k", ticket) else {
            panic!("first miss leads")
        };
        assert!(!leader.stale());
        leader.land(&fail());
        let Join::Lead(again) = flights.join::<u32>("s", "k", ticket) else {
            panic!("a landed flight is gone")
        };
        // A flight landed since the ticket: the new leader looks at the cache first.
        assert!(again.stale());
    }

    #[test]
    fn a_panicking_leader_lets_a_waiter_lead() {
        let flights = Flights::default();
        let led = AtomicUsize::new(0);
        let start = Barrier::new(2);
        std::thread::scope(|scope| {
            let first = scope.spawn(|| {
                let ticket = flights.ticket();
                let Join::Lead(leader) = flights.join::<u32>("s", "k", ticket) else {
                    panic!("first leads")
                };
                start.wait();
                // Until the second waits for the flight (map, leader, waiter).
                let deadline = Instant::now() + Duration::from_secs(10);
                while Arc::strong_count(&leader.flight) < 3 && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(1));
                }
                panic!("the fetch panicked");
            });
            let second = scope.spawn(|| {
                start.wait();
                match flights.join::<u32>("s", "k", flights.ticket()) {
                    Join::Lead(leader) => {
                        led.fetch_add(1, Ordering::Relaxed);
                        leader.land(&Ok(7u32));
                    }
                    _ => panic!("the waiter leads after the panic"),
                }
            });
            assert!(first.join().is_err());
            second.join().unwrap();
        });
        assert_eq!(led.into_inner(), 1);
        assert!(flights.running.lock().is_empty());
    }

    #[test]
    fn different_entries_do_not_wait_for_each_other() {
        let flights = Flights::default();
        let ticket = flights.ticket();
        let Join::Lead(a) = flights.join::<u32>("s", "a", ticket) else {
            panic!()
        };
        // While `a` is in the air, `b` (and `a` of another source) lead at once.
        let Join::Lead(b) = flights.join::<u32>("s", "b", ticket) else {
            panic!()
        };
        let Join::Lead(other) = flights.join::<u32>("t", "a", ticket) else {
            panic!()
        };
        for leader in [a, b, other] {
            leader.land(&Ok(1u32));
        }
    }
}
