//! Single flight: threads that miss one entry at the same moment send one request and share
//! its answer (a failure too, which is then not kept); different entries do not wait for each
//! other.

use std::sync::Barrier;
use std::time::{Duration, Instant};

use rnuget::cache::CacheOptions;
use rnuget::client::Client;
use rnuget::demo::server::{Request, Response};
use rnuget::demo::{DemoFeed, LoopbackServer, demo_packages};

use super::{ALL, cached_client, cached_client_with, temp_dir, v};

const THREADS: usize = 16;

/// How long the slow feed takes to answer: long enough for every thread to miss while the
/// first fetch is in the air.
const SLOW: Duration = Duration::from_millis(400);

/// A V3 feed with a flat container only. `Fast.Ok` answers at once; `Slow.Ok` and the 404 of
/// every other id take [`SLOW`].
fn slow_feed() -> LoopbackServer {
    LoopbackServer::start(|request: &Request| {
        if request.path() != "/index.json" && request.path() != "/flat/fast.ok/index.json" {
            std::thread::sleep(SLOW);
        }
        match request.path() {
            "/index.json" => Response::json(
                r#"{"version":"3.0.0","resources":[
                    {"@id":"/flat/","@type":"PackageBaseAddress/3.0.0"}]}"#
                    .replace("/flat/", &format!("http://{}/flat/", request_host(request))),
            ),
            "/flat/slow.ok/index.json" => Response::json(r#"{"versions":["1.0.0","2.0.0"]}"#),
            "/flat/fast.ok/index.json" => Response::json(r#"{"versions":["3.0.0"]}"#),
            _ => Response::not_found(),
        }
    })
    .unwrap()
}

fn request_host(request: &Request) -> String {
    request.header("Host").unwrap_or("127.0.0.1").to_string()
}

/// Runs `call` on `THREADS` threads released at once; their answers in thread order.
fn at_once<T: Send>(call: impl Fn() -> T + Sync) -> Vec<T> {
    let start = Barrier::new(THREADS);
    std::thread::scope(|scope| {
        let threads: Vec<_> = (0..THREADS)
            .map(|_| {
                scope.spawn(|| {
                    start.wait();
                    call()
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    })
}

fn count(server: &LoopbackServer, path: &str) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| r.path() == path)
        .count()
}

#[test]
fn threads_missing_one_entry_send_one_request() {
    let server = slow_feed();
    let url = format!("{}/index.json", server.base_url());
    for cache in [
        CacheOptions::memory_only(),
        CacheOptions::at(&temp_dir("flight").0),
    ] {
        server.clear_requests();
        let client = cached_client_with(&url, cache);
        let answers = at_once(|| client.list_versions("Slow.Ok").unwrap());
        assert!(answers.iter().all(|a| *a == [v("1.0.0"), v("2.0.0")]));
        assert_eq!(count(&server, "/flat/slow.ok/index.json"), 1);
        assert_eq!(count(&server, "/index.json"), 1);
        assert_eq!(server.request_count(), 2);
    }
}

#[test]
fn a_failure_is_shared_with_the_waiters_but_not_kept() {
    let server = slow_feed();
    let url = format!("{}/index.json", server.base_url());
    let client = cached_client_with(&url, CacheOptions::memory_only());
    // A 404 is "no versions" to every thread; one request.
    let answers = at_once(|| client.list_versions("Slow.Missing").unwrap());
    assert!(answers.iter().all(Vec::is_empty));
    assert_eq!(count(&server, "/flat/slow.missing/index.json"), 1);
    // Not kept: the next call asks the feed again.
    assert!(client.list_versions("Slow.Missing").unwrap().is_empty());
    assert_eq!(count(&server, "/flat/slow.missing/index.json"), 2);
}

#[test]
fn a_fetch_in_flight_does_not_hold_up_other_entries() {
    let server = slow_feed();
    let url = format!("{}/index.json", server.base_url());
    let client = cached_client_with(&url, CacheOptions::memory_only());
    client.list_versions("Fast.Ok").unwrap();
    client.clear_cache(false).unwrap();
    std::thread::scope(|scope| {
        let slow = scope.spawn(|| client.list_versions("Slow.Ok").unwrap());
        // Once the slow list is in the air, a fast one answers without waiting for it.
        while count(&server, "/flat/slow.ok/index.json") == 0 {
            std::thread::sleep(Duration::from_millis(1));
        }
        let started = Instant::now();
        assert_eq!(client.list_versions("Fast.Ok").unwrap(), [v("3.0.0")]);
        let fast = started.elapsed();
        assert!(!slow.is_finished(), "the slow list took {fast:?} to arrive");
        slow.join().unwrap();
    });
}

#[test]
fn no_cache_calls_fetch_on_their_own() {
    let server = slow_feed();
    let url = format!("{}/index.json", server.base_url());
    let client = cached_client_with(&url, CacheOptions::memory_only());
    let fresh = client.new_context().no_cache(true);
    at_once(|| client.list_versions_with(&fresh, "Slow.Ok").unwrap());
    // As NuGet.Client: each call under no_cache reads the feed.
    assert_eq!(count(&server, "/flat/slow.ok/index.json"), THREADS);
}

#[test]
fn metadata_pages_and_packages_are_fetched_once_for_all_threads() {
    let feed = DemoFeed::with_packages(demo_packages()).unwrap();
    let dir = temp_dir("flight-demo");
    let plain = Client::for_sources(&[feed.index_url()]).unwrap();
    let metadata = plain.get_metadata("Demo.Nightly", &ALL).unwrap().value;
    let package = feed.package_bytes("Demo.Core", "2.0.0").unwrap().unwrap();
    feed.server().clear_requests();

    let client = cached_client(&feed.index_url(), &dir.0);
    let answers = at_once(|| {
        let got = client.get_metadata("Demo.Nightly", &ALL).unwrap().value;
        let bytes = client.download_to_vec("Demo.Core", &v("2.0.0")).unwrap();
        got == metadata && bytes.value == package
    });
    assert!(answers.iter().all(|same| *same));
    let mut paths: Vec<String> = feed
        .server()
        .requests()
        .iter()
        .map(|r| r.path().to_string())
        .collect();
    let requests = paths.len();
    paths.sort();
    paths.dedup();
    assert_eq!(requests, paths.len(), "each document once: {paths:?}");
    assert!(paths.iter().any(|p| p.ends_with(".nupkg")), "{paths:?}");
}
