//! [`HostBreakers`]: one [`CircuitBreaker`] per host, created on first use.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::RwLock;

use super::circuit_breaker::{BreakerOptions, BreakerStats, CircuitBreaker};
use super::clock::SharedClock;

/// The breakers of one client, keyed by host (`host:port`, lowercase).
#[derive(Debug)]
pub struct HostBreakers {
    options: BreakerOptions,
    clock: SharedClock,
    breakers: RwLock<HashMap<String, Arc<CircuitBreaker>>>,
}

impl HostBreakers {
    /// No breaker yet; each is made with `options` when its host is first used.
    pub fn new(options: BreakerOptions, clock: SharedClock) -> HostBreakers {
        HostBreakers {
            options,
            clock,
            breakers: RwLock::new(HashMap::new()),
        }
    }

    /// The breaker of `host`, made now if this is the first request to it.
    pub fn get(&self, host: &str) -> Arc<CircuitBreaker> {
        if let Some(breaker) = self.breakers.read().get(host) {
            return Arc::clone(breaker);
        }
        let mut breakers = self.breakers.write();
        let breaker = breakers.entry(host.to_string()).or_insert_with(|| {
            Arc::new(CircuitBreaker::for_host(
                self.options,
                self.clock.clone(),
                host,
            ))
        });
        Arc::clone(breaker)
    }

    /// The statistics of `host`'s breaker, `None` when nothing was sent to it yet.
    pub fn stats(&self, host: &str) -> Option<BreakerStats> {
        self.breakers.read().get(host).map(|b| b.stats())
    }

    /// Every host with a breaker and its statistics, sorted by host.
    pub fn all(&self) -> Vec<(String, BreakerStats)> {
        let mut all: Vec<_> = self
            .breakers
            .read()
            .iter()
            .map(|(host, b)| (host.clone(), b.stats()))
            .collect();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        all
    }

    /// Closes `host`'s breaker; false when it has none.
    pub fn reset(&self, host: &str) -> bool {
        self.breakers.read().get(host).map(|b| b.reset()).is_some()
    }

    /// Closes every breaker.
    pub fn reset_all(&self) {
        for breaker in self.breakers.read().values() {
            breaker.reset();
        }
    }
}

/// The breaker key of a URL: `host:port` in lowercase, the port defaulted from the scheme;
/// `None` for a URL without a host.
pub fn host_key(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    if host_port.is_empty() {
        return None;
    }
    let has_port = match host_port.rfind(':') {
        Some(colon) => !host_port[colon..].contains(']'),
        None => false,
    };
    let key = if has_port {
        host_port.to_ascii_lowercase()
    } else {
        let port = if scheme.eq_ignore_ascii_case("https") {
            443
        } else {
            80
        };
        format!("{}:{port}", host_port.to_ascii_lowercase())
    };
    Some(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resilience::circuit_breaker::BreakerState;

    #[test]
    fn host_keys_carry_the_port() {
        assert_eq!(
            host_key("https://API.nuget.org/v3/index.json").unwrap(),
            "api.nuget.org:443"
        );
        assert_eq!(
            host_key("http://u:p@127.0.0.1:8080/x").unwrap(),
            "127.0.0.1:8080"
        );
        assert_eq!(host_key("http://[::1]/x").unwrap(), "[::1]:80");
        assert_eq!(host_key("http://[::1]:9/x").unwrap(), "[::1]:9");
        assert_eq!(host_key("http:///x"), None);
        assert_eq!(host_key("no url"), None);
    }

    #[test]
    fn each_host_has_its_own_breaker_made_on_first_use() {
        let options = BreakerOptions {
            failure_threshold: 1,
            ..BreakerOptions::default()
        };
        let breakers = HostBreakers::new(options, SharedClock::default());
        assert_eq!(breakers.stats("a:80"), None);
        breakers.get("a:80").try_acquire().unwrap().failure();
        breakers.get("b:80").try_acquire().unwrap().success();
        assert_eq!(breakers.stats("a:80").unwrap().state, BreakerState::Open);
        assert_eq!(breakers.stats("b:80").unwrap().state, BreakerState::Closed);
        assert_eq!(breakers.all().len(), 2);
        assert!(breakers.reset("a:80"));
        assert!(!breakers.reset("c:80"));
        assert_eq!(breakers.stats("a:80").unwrap().state, BreakerState::Closed);
    }
}
