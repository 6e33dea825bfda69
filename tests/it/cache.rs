//! The cache against loopback feeds that count requests: what a second call costs, freshness,
//! the per-call context, self-healing entries and NuGet's file layout; crash safety and
//! concurrency in `crash.rs`, single flight in `flight.rs`, the binary's options in `cli.rs`.

mod cli;
mod crash;
mod flight;
mod interop;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use rnuget::ErrorKind;
use rnuget::cache::{CacheOptions, MemoryOptions, SourceCacheContext};
use rnuget::client::{Client, ClientOptions};
use rnuget::demo::{DemoFeed, demo_packages};
use rnuget::protocol::{MetadataOptions, SearchQuery};
use rnuget::version::NuGetVersion;
use sha2::{Digest, Sha256};

const ALL: MetadataOptions = MetadataOptions {
    include_prerelease: true,
    include_unlisted: true,
};

fn v(text: &str) -> NuGetVersion {
    NuGetVersion::parse(text).unwrap()
}

/// A directory removed when dropped.
pub struct TempDir(pub PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn temp_dir(name: &str) -> TempDir {
    static N: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "rnuget-it-cache-{name}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    TempDir(dir)
}

/// A client of `url` with both tiers, the disk one at `dir`.
pub fn cached_client(url: &str, dir: &Path) -> Client {
    cached_client_with(url, CacheOptions::at(dir))
}

pub fn cached_client_with(url: &str, cache: CacheOptions) -> Client {
    Client::new(ClientOptions::new().source(url).cache(cache)).unwrap()
}

/// The folder NuGet.Client names for a source, computed here from its rules: the first 20
/// bytes of SHA-256 of the URL in hex, `$`, the URL's last 32 characters, `/` made `_`, runs of
/// `_` shortened.
pub fn nuget_folder(source_url: &str) -> String {
    let hex: String = Sha256::digest(source_url.as_bytes())[..20]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let chars: Vec<char> = source_url.chars().collect();
    let tail: String = chars[chars.len().saturating_sub(32)..].iter().collect();
    format!("{hex}${}", tail.replace('/', "_"))
        .replace("__", "_")
        .replace("__", "_")
}

/// The `.dat` files under `dir`, as `folder/file`, sorted.
pub fn dat_files(dir: &Path) -> Vec<String> {
    let mut names = Vec::new();
    for folder in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        for file in std::fs::read_dir(folder.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let name = file.file_name().to_string_lossy().into_owned();
            if name.ends_with(".dat") {
                let folder = folder.file_name().to_string_lossy().into_owned();
                names.push(format!("{folder}/{name}"));
            }
        }
    }
    names.sort();
    names
}

/// Moves the modification time of every `.dat` file under `dir` `age` into the past.
pub fn age_files(dir: &Path, age: Duration) {
    let when = SystemTime::now() - age;
    for name in dat_files(dir) {
        let file = std::fs::File::options()
            .write(true)
            .open(dir.join(name))
            .unwrap();
        file.set_modified(when).unwrap();
    }
}

fn file_age(path: &Path) -> Duration {
    let modified = std::fs::metadata(path).unwrap().modified().unwrap();
    SystemTime::now()
        .duration_since(modified)
        .unwrap_or(Duration::ZERO)
}

/// Every read the client offers, once; the answers in a comparable form.
fn every_read(client: &Client, context: &SourceCacheContext, dir: &Path) -> Vec<String> {
    let query = SearchQuery {
        query: "demo".into(),
        ..SearchQuery::default()
    };
    let search = client
        .search_with(context, &query)
        .remove(0)
        .result
        .unwrap();
    let autocomplete = client
        .autocomplete_ids_with(context, "demo", 0, 10, true)
        .remove(0)
        .result
        .unwrap();
    let path = dir.join("downloaded.nupkg");
    let info = client
        .download_to_file_with(context, "Demo.Json", &v("1.0.1"), &path)
        .unwrap();
    vec![
        format!(
            "{:?}",
            client.list_versions_with(context, "Demo.Core").unwrap()
        ),
        format!(
            "{:?}",
            client
                .get_metadata_with(context, "Demo.Nightly", &ALL)
                .unwrap()
        ),
        format!(
            "{:?}",
            client
                .get_version_metadata_with(context, "Demo.Logging", &v("1.2.0"))
                .unwrap()
        ),
        format!("{search:?}"),
        format!("{autocomplete:?}"),
        format!(
            "{:?}",
            client
                .download_to_vec_with(context, "Demo.Core", &v("2.0.0"))
                .unwrap()
        ),
        format!("{} {}", info.value.sha512, info.value.bytes),
    ]
}

#[test]
fn a_second_identical_call_makes_no_request_and_a_new_client_reads_the_disk() {
    let feed = DemoFeed::start().unwrap();
    let dir = temp_dir("second");
    let client = cached_client(&feed.index_url(), &dir.0);
    let context = client.new_context();
    let first = every_read(&client, &context, &dir.0);
    let cold = feed.server().request_count();
    assert!(cold >= 9, "{cold} requests");

    assert_eq!(every_read(&client, &context, &dir.0), first);
    assert_eq!(feed.server().request_count(), cold, "memory answers");

    // A new client (empty memory) on the same directory: the disk answers, service index too.
    let other = cached_client(&feed.index_url(), &dir.0);
    assert_eq!(every_read(&other, &other.new_context(), &dir.0), first);
    assert_eq!(feed.server().request_count(), cold, "disk answers");
    let stats = other.cache_stats();
    assert!(stats.disk.unwrap().hits >= 9, "{stats:?}");
    assert_eq!(stats.disk.unwrap().writes, 0);

    // And the answers are those of a client without a cache.
    let plain = Client::for_sources(&[feed.index_url()]).unwrap();
    assert_eq!(every_read(&plain, &plain.new_context(), &dir.0), first);
}

#[test]
fn entries_are_named_as_nuget_names_them() {
    let feed = DemoFeed::start().unwrap();
    let dir = temp_dir("names");
    let client = cached_client(&feed.index_url(), &dir.0);
    client.list_versions("Demo.Core").unwrap();
    client.get_metadata("Demo.Nightly", &ALL).unwrap();
    client
        .download_to_vec("Demo.Core", &v("2.0.0-beta.1"))
        .unwrap();
    let folder = nuget_folder(&feed.index_url());
    let names: Vec<String> = dat_files(&dir.0)
        .into_iter()
        .map(|name| {
            name.strip_prefix(&format!("{folder}/"))
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        names,
        [
            "list_demo.core.dat",
            "list_demo.nightly_index.dat",
            "list_demo.nightly_range_1.0.0-nightly.1-1.0.0-nightly.10.dat",
            "list_demo.nightly_range_1.0.0-nightly.11-1.0.0-nightly.20.dat",
            "list_demo.nightly_range_1.0.0-nightly.21-1.0.0.dat",
            "nupkg_demo.core.2.0.0-beta.1.dat",
            "service_index.dat",
        ]
    );
    let package = std::fs::read(dir.0.join(&folder).join("nupkg_demo.core.2.0.0-beta.1.dat"));
    let served = feed
        .package_bytes("Demo.Core", "2.0.0-beta.1")
        .unwrap()
        .unwrap();
    assert_eq!(package.unwrap(), served);
}

#[test]
fn entries_older_than_max_age_are_fetched_again() {
    let feed = DemoFeed::start().unwrap();
    let dir = temp_dir("expiry");
    cached_client(&feed.index_url(), &dir.0)
        .list_versions("Demo.Core")
        .unwrap();
    assert_eq!(feed.server().request_count(), 2);

    // 29 minutes old: still fresh for the default 30 minutes.
    age_files(&dir.0, Duration::from_secs(29 * 60));
    let client = cached_client(&feed.index_url(), &dir.0);
    client.list_versions("Demo.Core").unwrap();
    assert_eq!(feed.server().request_count(), 2);

    // 31 minutes old: both documents are fetched again and rewritten.
    age_files(&dir.0, Duration::from_secs(31 * 60));
    let client = cached_client(&feed.index_url(), &dir.0);
    client.list_versions("Demo.Core").unwrap();
    assert_eq!(feed.server().request_count(), 4);
    for name in dat_files(&dir.0) {
        assert!(
            file_age(&dir.0.join(&name)) < Duration::from_secs(60),
            "{name}"
        );
    }

    // A short max_age applies to memory too; the service index keeps its own 40 minutes.
    let strict = client.new_context().max_age(Duration::ZERO);
    client.list_versions_with(&strict, "Demo.Core").unwrap();
    assert_eq!(feed.server().request_count(), 5);
    let path = feed.server().requests().last().unwrap().path().to_string();
    assert_eq!(path, "/v3/flatcontainer/demo.core/index.json");
}

#[test]
fn a_client_default_max_age_applies_to_calls_without_a_context() {
    let feed = DemoFeed::start().unwrap();
    let dir = temp_dir("default-age");
    cached_client(&feed.index_url(), &dir.0)
        .list_versions("Demo.Core")
        .unwrap();
    age_files(&dir.0, Duration::from_secs(10 * 60));
    let options = CacheOptions::at(&dir.0).default_max_age(Duration::from_secs(5 * 60));
    let client = cached_client_with(&feed.index_url(), options);
    assert_eq!(client.default_context().max_age, Duration::from_secs(300));
    client.list_versions("Demo.Core").unwrap();
    // The version list is refetched; the service index follows NuGet's fixed 30 minutes.
    assert_eq!(feed.server().request_count(), 3);
}

#[test]
fn no_cache_reads_the_feed_and_still_refreshes_the_cache() {
    let feed = DemoFeed::start().unwrap();
    let dir = temp_dir("nocache");
    let client = cached_client(&feed.index_url(), &dir.0);
    client.get_metadata("Demo.Json", &ALL).unwrap();
    let warm = feed.server().request_count();
    age_files(&dir.0, Duration::from_secs(20 * 60));

    let fresh = client.new_context().no_cache(true);
    let metadata = client.get_metadata_with(&fresh, "Demo.Json", &ALL).unwrap();
    assert_eq!(metadata.value.len(), 3);
    assert_eq!(feed.server().request_count(), warm + 1);
    let entry = dir
        .0
        .join(nuget_folder(&feed.index_url()))
        .join("list_demo.json_index.dat");
    assert!(file_age(&entry) < Duration::from_secs(60));

    // The refreshed entry serves the next ordinary call.
    client.get_metadata("Demo.Json", &ALL).unwrap();
    assert_eq!(feed.server().request_count(), warm + 1);
}

#[test]
fn refresh_memory_cache_drops_the_memory_entry_before_reading() {
    let feed = DemoFeed::start().unwrap();
    let dir = temp_dir("refresh");
    let client = cached_client(&feed.index_url(), &dir.0);
    client.list_versions("Demo.Http").unwrap();
    let warm = feed.server().request_count();
    let refresh = client.new_context().refresh_memory_cache(true);
    let before = client.cache_stats().disk.unwrap().hits;
    client.list_versions_with(&refresh, "Demo.Http").unwrap();
    // The disk answered instead of memory, without a request.
    assert_eq!(feed.server().request_count(), warm);
    assert_eq!(client.cache_stats().disk.unwrap().hits, before + 1);

    // With memory only, the feed answers.
    let memory_only = cached_client_with(&feed.index_url(), CacheOptions::memory_only());
    memory_only.list_versions("Demo.Http").unwrap();
    let warm = feed.server().request_count();
    memory_only.list_versions("Demo.Http").unwrap();
    assert_eq!(feed.server().request_count(), warm);
    memory_only
        .list_versions_with(&refresh, "Demo.Http")
        .unwrap();
    assert_eq!(feed.server().request_count(), warm + 1);
}

#[test]
fn direct_downloads_are_not_stored_but_a_stored_package_still_serves() {
    let feed = DemoFeed::start().unwrap();
    let dir = temp_dir("direct");
    let client = cached_client(&feed.index_url(), &dir.0);
    let direct = client.new_context().direct_download(true);
    let expected = feed.package_bytes("Demo.Core", "1.1.0").unwrap().unwrap();
    let nupkg_requests = || {
        feed.server()
            .requests()
            .iter()
            .filter(|r| r.path().ends_with(".nupkg"))
            .count()
    };
    for _ in 0..2 {
        let bytes = client.download_to_vec_with(&direct, "Demo.Core", &v("1.1.0"));
        assert_eq!(bytes.unwrap().value, expected);
    }
    assert_eq!(nupkg_requests(), 2);
    let path = dir.0.join("direct.nupkg");
    client
        .download_to_file_with(&direct, "Demo.Core", &v("1.1.0"), &path)
        .unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), expected);
    assert_eq!(nupkg_requests(), 3);
    assert!(!dat_files(&dir.0).iter().any(|n| n.contains("nupkg_")));

    // Stored by an ordinary download, the package then serves direct downloads as well.
    client.download_to_vec("Demo.Core", &v("1.1.0")).unwrap();
    assert_eq!(nupkg_requests(), 4);
    client
        .download_to_file_with(&direct, "Demo.Core", &v("1.1.0"), &path)
        .unwrap();
    assert_eq!(nupkg_requests(), 4);
}

#[test]
fn offline_serves_whatever_is_cached_and_never_touches_the_network() {
    let feed = DemoFeed::start().unwrap();
    let dir = temp_dir("offline");
    let online = cached_client(&feed.index_url(), &dir.0);
    let first = every_read(&online, &online.new_context(), &dir.0);
    // A day old: far past any max_age.
    age_files(&dir.0, Duration::from_secs(86_400));
    let before = feed.server().request_count();

    let offline = cached_client_with(&feed.index_url(), CacheOptions::at(&dir.0).offline(true));
    assert!(offline.default_context().offline);
    assert_eq!(
        every_read(&offline, offline.default_context(), &dir.0),
        first
    );
    let err = offline.list_versions("Demo.Logging").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotCached);
    let url = format!(
        "{}/v3/flatcontainer/demo.logging/index.json",
        feed.base_url()
    );
    assert_eq!(
        err.message(),
        format!("versions of Demo.Logging: offline and not cached: {url}")
    );
    assert_eq!(err.url(), Some(url.as_str()));
    let err = offline
        .download_to_vec("Demo.Core", &v("1.0.0"))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotCached);
    assert_eq!(feed.server().request_count(), before);

    // Offline per call on an online client; a client with nothing cached fails at once.
    let per_call = online.new_context().offline(true);
    assert_eq!(every_read(&online, &per_call, &dir.0), first);
    let empty = temp_dir("offline-empty");
    let nothing = cached_client_with(&feed.index_url(), CacheOptions::at(&empty.0).offline(true));
    let err = nothing.list_versions("Demo.Core").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotCached);
    assert!(err.to_string().contains("/v3/index.json"), "{err}");
    assert_eq!(feed.server().request_count(), before);
}

#[test]
fn each_context_sends_its_own_session_id() {
    let feed = DemoFeed::start().unwrap();
    let dir = temp_dir("session");
    let client = cached_client(&feed.index_url(), &dir.0);
    client.list_versions("Demo.Core").unwrap();
    let one = client.new_context().no_cache(true);
    let two = client.new_context().no_cache(true);
    client.list_versions_with(&one, "Demo.Core").unwrap();
    client.get_metadata_with(&two, "Demo.Core", &ALL).unwrap();
    let sessions: Vec<String> = feed
        .server()
        .requests()
        .iter()
        .map(|r| r.header("X-NuGet-Session-Id").unwrap_or("").to_string())
        .collect();
    assert_eq!(
        sessions,
        [
            client.session_id(),
            client.session_id(),
            one.session_id(),
            two.session_id()
        ]
    );
    assert_ne!(one.session_id(), two.session_id());
    assert_ne!(one.session_id(), client.session_id());
}

#[test]
fn a_broken_entry_is_removed_and_fetched_again() {
    let feed = DemoFeed::start().unwrap();
    let dir = temp_dir("broken");
    let client = cached_client(&feed.index_url(), &dir.0);
    client.list_versions("Demo.Core").unwrap();
    client.download_to_vec("Demo.Core", &v("2.0.0")).unwrap();
    let folder = dir.0.join(nuget_folder(&feed.index_url()));
    // A torn version list and a package cut in half, as a crashed non-atomic writer leaves them.
    std::fs::write(
        folder.join("list_demo.core.dat"),
        br#"{"versions":["1.0.0","#,
    )
    .unwrap();
    let package = feed.package_bytes("Demo.Core", "2.0.0").unwrap().unwrap();
    let nupkg = folder.join("nupkg_demo.core.2.0.0.dat");
    std::fs::write(&nupkg, &package[..package.len() / 2]).unwrap();

    let fresh = cached_client(&feed.index_url(), &dir.0);
    let before = feed.server().request_count();
    assert_eq!(
        fresh.list_versions("Demo.Core").unwrap(),
        [v("1.0.0"), v("1.1.0"), v("2.0.0-beta.1"), v("2.0.0")]
    );
    assert_eq!(
        fresh
            .download_to_vec("Demo.Core", &v("2.0.0"))
            .unwrap()
            .value,
        package
    );
    assert_eq!(feed.server().request_count(), before + 2);
    assert_eq!(std::fs::read(&nupkg).unwrap(), package);
    assert_eq!(fresh.cache_stats().disk.unwrap().invalid, 2);
    // Offline, a broken entry is a miss, never an answer.
    std::fs::write(&nupkg, b"PK\x03\x04 torn").unwrap();
    let offline = cached_client_with(&feed.index_url(), CacheOptions::at(&dir.0).offline(true));
    let err = offline
        .download_to_vec("Demo.Core", &v("2.0.0"))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotCached);
    assert!(!nupkg.exists());
}

#[test]
fn memory_statistics_count_hits_misses_and_evictions() {
    let feed = DemoFeed::start().unwrap();
    let memory = MemoryOptions {
        max_entries: 2,
        ..MemoryOptions::default()
    };
    let client = cached_client_with(
        &feed.index_url(),
        CacheOptions::memory_only().memory(Some(memory)),
    );
    for id in ["Demo.Core", "Demo.Json", "Demo.Http"] {
        client.list_versions(id).unwrap();
    }
    client.list_versions("Demo.Http").unwrap();
    client.list_versions("Demo.Core").unwrap();
    let stats = client.cache_stats().memory.unwrap();
    assert_eq!((stats.hits, stats.misses), (1, 4));
    assert_eq!((stats.evictions, stats.entries), (2, 2));
    assert!(stats.bytes > 0);
    assert!(client.cache_stats().disk.is_none());
    client.clear_cache(false).unwrap();
    assert_eq!(client.cache_stats().memory.unwrap().entries, 0);
}

#[test]
fn an_entry_cap_of_usize_max_means_no_cap_and_allocates_nothing_up_front() {
    // The C ABI passes UINT64_MAX through: a cap, not a size to reserve.
    let feed = DemoFeed::start().unwrap();
    let memory = MemoryOptions {
        max_entries: usize::MAX,
        ..MemoryOptions::default()
    };
    let client = cached_client_with(
        &feed.index_url(),
        CacheOptions::memory_only().memory(Some(memory)),
    );
    client.list_versions("Demo.Core").unwrap();
    client.list_versions("Demo.Core").unwrap();
    let stats = client.cache_stats().memory.unwrap();
    assert_eq!((stats.hits, stats.entries), (1, 1));
}

#[test]
fn clearing_the_cache_removes_the_disk_entries() {
    let feed = DemoFeed::start().unwrap();
    let dir = temp_dir("clear");
    let client = cached_client(&feed.index_url(), &dir.0);
    client.list_versions("Demo.Core").unwrap();
    assert_eq!(dat_files(&dir.0).len(), 2);
    assert_eq!(client.clear_cache(true).unwrap(), 2);
    assert!(dat_files(&dir.0).is_empty());
    let before = feed.server().request_count();
    client.list_versions("Demo.Core").unwrap();
    assert_eq!(feed.server().request_count(), before + 1);
}

#[test]
fn a_client_without_a_cache_writes_nothing_and_keeps_only_the_service_index() {
    let feed = DemoFeed::with_packages(demo_packages()).unwrap();
    let client = Client::for_sources(&[feed.index_url()]).unwrap();
    let stats = client.cache_stats();
    assert!(stats.memory.is_none() && stats.disk.is_none());
    client.list_versions("Demo.Core").unwrap();
    client.list_versions("Demo.Core").unwrap();
    // The service index once (40 minutes in memory, as NuGet), the version list every time.
    assert_eq!(feed.server().request_count(), 3);
    let offline = client.new_context().offline(true);
    let err = client
        .list_versions_with(&offline, "Demo.Core")
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotCached);
}

/// How many requests `feed` received for `path`.
fn requests_for(feed: &DemoFeed, path: &str) -> usize {
    feed.server()
        .requests()
        .iter()
        .filter(|r| r.path() == path)
        .count()
}

#[test]
fn the_service_index_is_cached_as_nuget_caches_it_whatever_the_context() {
    const INDEX: &str = "/v3/index.json";
    const LIST: &str = "/v3/flatcontainer/demo.core/index.json";
    let feed = DemoFeed::start().unwrap();
    let dir = temp_dir("index-context");
    let client = cached_client(&feed.index_url(), &dir.0);
    client.list_versions("Demo.Core").unwrap();
    assert_eq!(
        (requests_for(&feed, INDEX), requests_for(&feed, LIST)),
        (1, 1)
    );

    // In memory (40 minutes): no context drops the copy; the version list obeys each one.
    let contexts = [
        client.new_context().no_cache(true),
        client.new_context().refresh_memory_cache(true),
        client.new_context().max_age(Duration::ZERO),
    ];
    for context in &contexts {
        client.list_versions_with(context, "Demo.Core").unwrap();
    }
    assert_eq!(requests_for(&feed, INDEX), 1);
    assert_eq!(
        requests_for(&feed, LIST),
        3,
        "refresh_memory_cache reads the disk"
    );

    // On disk, the index is read with NuGet's defaults: 20 minutes old it serves even a
    // no_cache call of a new client (whose version list comes from the feed)...
    age_files(&dir.0, Duration::from_secs(20 * 60));
    let fresh = cached_client(&feed.index_url(), &dir.0);
    let no_cache = fresh.new_context().no_cache(true).max_age(Duration::ZERO);
    fresh.list_versions_with(&no_cache, "Demo.Core").unwrap();
    assert_eq!(
        (requests_for(&feed, INDEX), requests_for(&feed, LIST)),
        (1, 4)
    );

    // ...and 31 minutes old it is fetched again even for a call that accepts a day-old list.
    age_files(&dir.0, Duration::from_secs(31 * 60));
    let lenient = cached_client(&feed.index_url(), &dir.0);
    let day = lenient.new_context().max_age(Duration::from_secs(86_400));
    lenient.list_versions_with(&day, "Demo.Core").unwrap();
    assert_eq!(
        (requests_for(&feed, INDEX), requests_for(&feed, LIST)),
        (2, 4)
    );
}

#[test]
fn a_disk_tier_that_cannot_be_written_downloads_packages_directly_and_warns_once() {
    crate::support::logs::capture_logs();
    let feed = DemoFeed::start().unwrap();
    let dir = temp_dir("unwritable");
    // A cache root under a regular file: no folder can be made there, whoever runs the test
    // (root ignores permission bits, not this).
    let blocker = dir.0.join("a-file");
    std::fs::write(&blocker, b"not a folder").unwrap();
    let root = blocker.join("cache");
    let client = cached_client(&feed.index_url(), &root);
    let target = dir.0.join("out.nupkg");
    for version in ["1.0.0", "1.1.0"] {
        let expected = feed.package_bytes("Demo.Core", version).unwrap().unwrap();
        client
            .download_to_file("Demo.Core", &v(version), &target)
            .unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), expected, "{version}");
    }
    let bytes = client.download_to_vec("Demo.Core", &v("2.0.0")).unwrap();
    assert_eq!(
        bytes.value,
        feed.package_bytes("Demo.Core", "2.0.0").unwrap().unwrap()
    );
    // Nothing but the target beside it: the download was still written atomically.
    let mut names: Vec<String> = std::fs::read_dir(&dir.0)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["a-file", "out.nupkg"]);
    let root_shown = root.display().to_string();
    let warnings = crate::support::logs::lines()
        .into_iter()
        .filter(|l| {
            l.starts_with("WARN") && l.contains("cannot store packages") && l.contains(&root_shown)
        })
        .count();
    assert_eq!(warnings, 1);
}
