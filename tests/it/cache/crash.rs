//! Crash safety and concurrency: writer processes (this test binary, re-invoked with
//! `RNUGET_CACHE_TEST_CHILD`) killed at random points while they fill the cache, then 16 threads
//! and a second process reading and writing the same keys. Afterwards every entry on disk must
//! be byte for byte a document the feed serves, and everything must serve offline.

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rnuget::cache::{CacheOptions, SourceCacheContext};
use rnuget::client::Client;
use rnuget::demo::{DemoFeed, DemoPackage};
use rnuget::http::{HttpClient, HttpOptions};
use rnuget::protocol::SearchQuery;

use super::{ALL, cached_client, cached_client_with, dat_files, temp_dir, v};

/// `<rounds or "forever">\t<cache dir>\t<service index URL>`: run the writer workload.
const CHILD_ENV: &str = "RNUGET_CACHE_TEST_CHILD";

/// This file's child entry point, as the test harness names it.
const CHILD_TEST: &str = "cache::crash::the_writer_workload_fills_the_cache_with_whole_entries";

fn packages() -> &'static [DemoPackage] {
    static PACKAGES: OnceLock<Vec<DemoPackage>> = OnceLock::new();
    PACKAGES.get_or_init(|| {
        let mut packages = vec![
            DemoPackage::new("Big.One", "1.0.0").with_filler(1_500_000),
            DemoPackage::new("Big.Two", "2.0.0").with_filler(1_000_000),
        ];
        // 25 versions: a registration of remote pages.
        packages.extend((1..=25).map(|n| DemoPackage::new("Many", &format!("1.0.{n}"))));
        packages
    })
}

fn package_bytes(id: &str) -> &'static [u8] {
    static BYTES: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    let all = BYTES.get_or_init(|| {
        packages()[..2]
            .iter()
            .map(|p| (p.file_name(), p.to_nupkg()))
            .collect()
    });
    let name = format!("{}.", id.to_lowercase());
    &all.iter()
        .find(|(n, _)| n.to_lowercase().starts_with(&name))
        .unwrap()
        .1
}

fn feed() -> DemoFeed {
    DemoFeed::with_packages(packages().to_vec()).unwrap()
}

/// One round of every kind of write; even rounds skip reading the cache so that every entry is
/// written again. Panics on any error or wrong answer.
fn workload(client: &Client, round: u64, scratch: &str) {
    let context = if round % 2 == 0 {
        client.new_context().no_cache(true)
    } else {
        client.new_context()
    };
    check_answers(client, &context, scratch);
}

fn check_answers(client: &Client, context: &SourceCacheContext, scratch: &str) {
    let versions = client.list_versions_with(context, "Many").unwrap();
    assert_eq!(versions.len(), 25);
    let metadata = client.get_metadata_with(context, "Many", &ALL).unwrap();
    assert_eq!(metadata.value.len(), 25);
    let query = SearchQuery {
        query: "big".into(),
        ..SearchQuery::default()
    };
    let found = client
        .search_with(context, &query)
        .remove(0)
        .result
        .unwrap();
    assert_eq!(found.total_hits, 2);
    let one = client
        .download_to_vec_with(context, "Big.One", &v("1.0.0"))
        .unwrap();
    assert!(one.value == package_bytes("Big.One"), "Big.One differs");
    let path = std::env::temp_dir().join(format!("rnuget-it-cache-{scratch}.nupkg"));
    client
        .download_to_file_with(context, "Big.Two", &v("2.0.0"), &path)
        .unwrap();
    let two = std::fs::read(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    assert!(two == package_bytes("Big.Two"), "Big.Two differs");
}

/// Every `.dat` under `dir` is byte for byte a document `feed` serves: a package, or the body
/// of a request the feed saw.
fn assert_whole(feed: &DemoFeed, dir: &Path) -> usize {
    let http = HttpClient::new(HttpOptions::default()).unwrap();
    let mut bodies: HashSet<Vec<u8>> = HashSet::new();
    let targets: HashSet<String> = feed
        .server()
        .requests()
        .into_iter()
        .map(|r| r.target)
        .filter(|t| !t.ends_with(".nupkg"))
        .collect();
    for target in targets {
        bodies.insert(
            http.get_bytes(&format!("{}{target}", feed.base_url()))
                .unwrap(),
        );
    }
    let names = dat_files(dir);
    for name in &names {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        let whole = if name.contains("/nupkg_big.one.") {
            bytes == package_bytes("Big.One")
        } else if name.contains("/nupkg_big.two.") {
            bytes == package_bytes("Big.Two")
        } else {
            bodies.contains(&bytes)
        };
        assert!(
            whole,
            "{name} ({} bytes) is not a whole document",
            bytes.len()
        );
    }
    names.len()
}

/// rnuget's temporary files under `dir` (a writer killed mid-write leaves one behind).
fn temp_files(dir: &Path) -> usize {
    let folders = std::fs::read_dir(dir).into_iter().flatten().flatten();
    folders
        .flat_map(|folder| {
            std::fs::read_dir(folder.path())
                .into_iter()
                .flatten()
                .flatten()
        })
        .filter(|file| file.file_name().to_string_lossy().ends_with(".rnuget-tmp"))
        .count()
}

/// Runs this binary's child test with the workload spec in the environment.
fn spawn_child(rounds: &str, dir: &Path, url: &str) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args([CHILD_TEST, "--exact", "--nocapture", "--test-threads", "1"])
        .env(CHILD_ENV, format!("{rounds}\t{}\t{url}", dir.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
}

/// The child side: rounds of the workload against the parent's feed and cache directory,
/// printing a line after each so that the parent knows writes are under way.
fn run_child(spec: &str) {
    let mut parts = spec.split('\t');
    let (rounds, dir, url) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    let client = cached_client(url, Path::new(dir));
    let rounds: u64 = rounds.parse().unwrap_or(u64::MAX);
    for round in 0..rounds {
        workload(
            &client,
            round,
            &format!("child-{}-{round}", std::process::id()),
        );
        println!("round {round} done");
    }
}

#[test]
fn the_writer_workload_fills_the_cache_with_whole_entries() {
    if let Ok(spec) = std::env::var(CHILD_ENV) {
        run_child(&spec);
        return;
    }
    let feed = feed();
    let dir = temp_dir("writer");
    let client = cached_client(&feed.index_url(), &dir.0);
    workload(&client, 0, &format!("writer-{}", std::process::id()));
    // Service index, version list, registration index and 3 pages, search, 2 packages.
    assert_eq!(assert_whole(&feed, &dir.0), 9);
}

/// A small deterministic-per-run generator (no random crate): xorshift seeded by the clock.
fn random_delays(count: usize, max_ms: u64) -> Vec<u64> {
    let mut state = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(7)
        | 1;
    (0..count)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % max_ms
        })
        .collect()
}

#[test]
fn writers_killed_at_random_points_leave_only_whole_entries() {
    let feed = feed();
    let dir = temp_dir("crash");
    let delays = random_delays(6, 400);
    eprintln!("kill delays after the first round (ms): {delays:?}");
    for delay in delays {
        let mut child = spawn_child("forever", &dir.0, &feed.index_url());
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        // Kill only once a whole round is in, so that the kill lands among later writes.
        loop {
            let line = rx.recv_timeout(Duration::from_secs(120));
            let line = line.unwrap_or_else(|e| panic!("the child finished no round: {e:?}"));
            if line.unwrap().contains("round 0 done") {
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(delay));
        child.kill().unwrap();
        child.wait().unwrap();
        let entries = assert_whole(&feed, &dir.0);
        // Temporary files left by the kill show that it landed in the middle of a write.
        eprintln!(
            "killed after {delay} ms: {entries} whole entries, {} temporary files left",
            temp_files(&dir.0)
        );
    }
    // Whatever the kills left serves offline, with the feed's answers.
    let offline = cached_client_with(&feed.index_url(), CacheOptions::at(&dir.0).offline(true));
    check_answers(&offline, offline.default_context(), "crash-offline");
}

#[test]
fn sixteen_threads_and_two_processes_share_keys_without_errors_or_torn_data() {
    let feed = feed();
    let dir = temp_dir("concurrent");
    let url = feed.index_url();
    let mut child = spawn_child("2", &dir.0, &url);
    let shared = cached_client(&url, &dir.0);
    std::thread::scope(|scope| {
        for thread in 0..16u64 {
            let (shared, url, root) = (&shared, &url, &dir.0);
            scope.spawn(move || {
                // Half share one client (one memory tier), half have their own.
                let own;
                let client = if thread < 8 {
                    shared
                } else {
                    own = cached_client(url, root);
                    &own
                };
                for round in 0..2 {
                    let scratch = format!("thread-{}-{thread}-{round}", std::process::id());
                    workload(client, thread + round, &scratch);
                }
            });
        }
    });
    let status = child.wait().unwrap();
    assert!(status.success(), "the second process failed: {status}");
    assert_eq!(assert_whole(&feed, &dir.0), 9);
}
