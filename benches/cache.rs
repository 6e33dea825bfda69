//! The cache: a memory hit (goal: under 1 us), a disk hit for a typical registration page
//! (goal: under 100 us), and a metadata call through the whole client, warm against cold, on a
//! loopback feed (goal: warm at least 100 x faster).
//!
//! `cargo bench --bench cache`; `RNUGET_BENCH_SHORT=1` for the quick CI run.

mod harness;

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use rnuget::cache::{
    Cache, CacheOptions, DiskCache, DiskOptions, Entry, MemoryCache, MemoryOptions,
    SourceCacheContext,
};
use rnuget::client::{Client, ClientOptions};
use rnuget::demo::{DemoFeed, DemoPackage};
use rnuget::http::{HttpClient, HttpOptions};
use rnuget::protocol::{MetadataOptions, PackageMetadata};

const ALL: MetadataOptions = MetadataOptions {
    include_prerelease: true,
    include_unlisted: true,
};

/// 64 versions (a nuget.org registration page holds 64) with two dependency groups each.
/// Also 4 versions of `Bench.Small`, the shape of the metadata bench's packages.
fn page_packages() -> Vec<DemoPackage> {
    let package = |id: &str, version: String| {
        DemoPackage::new(id, &version)
            .with_description("A package of the cache benchmark.")
            .with_tags(&["bench", "cache"])
            .with_dependency(Some("netstandard2.0"), "Bench.Dep", Some("[1.0.0, 2.0.0)"))
            .with_dependency(Some("net6.0"), "Bench.Other", Some("3.1.0"))
    };
    let page = (0..64).map(|n| package("Bench.Page", format!("1.{}.{}", n / 8, n % 8)));
    let small =
        ["1.0.0", "1.1.0", "2.0.0-beta.1", "2.0.0"].map(|v| package("Bench.Small", v.into()));
    page.chain(small).collect()
}

fn main() {
    println!(
        "cache bench{}",
        if harness::short_mode() {
            " (short mode)"
        } else {
            ""
        }
    );
    memory_hit();
    let feed = DemoFeed::builder()
        .packages(page_packages())
        .inline_limit(64)
        .page_size(64)
        .start()
        .expect("feed");
    disk_hit(&feed);
    warm_against_cold(&feed, "Bench.Small", 4);
    warm_against_cold(&feed, "Bench.Page", 64);
}

/// A lookup of a decoded value among 1000 entries, and the same through the tiered cache.
fn memory_hit() {
    let memory = MemoryCache::new(MemoryOptions::default());
    let source = "https://api.nuget.org/v3/index.json";
    let value: Arc<Vec<PackageMetadata>> = Arc::new(Vec::new());
    for n in 0..1000 {
        let key = format!("list_package.number{n}_index");
        memory.insert(source, &key, Arc::clone(&value), 50_000, SystemTime::now());
    }
    let context = SourceCacheContext::new();
    let key = "list_package.number500_index";
    harness::measure("cache/memory hit (MemoryCache::get)", 1, || {
        black_box(memory.get::<Vec<PackageMetadata>>(black_box(source), black_box(key), &context));
    });

    let cache = Cache::new(&CacheOptions::memory_only()).expect("cache");
    let entry = Entry::new(
        source,
        key,
        "https://api.nuget.org/v3/registration5/x/index.json",
    );
    let decode = |_: &[u8]| Ok(Vec::<PackageMetadata>::new());
    cache
        .get(&context, entry, || Ok(b"[]".to_vec()), decode)
        .expect("fill");
    harness::measure("cache/memory hit (Cache::get)", 1, || {
        let found = cache.get(&context, black_box(entry), || unreachable!("a hit"), decode);
        black_box(found.expect("hit"));
    });
}

/// A registration page on disk: the file read alone, and read plus decoded into metadata
/// through the tiered cache (no memory tier, so every call is a disk hit).
fn disk_hit(feed: &DemoFeed) {
    let http = HttpClient::new(HttpOptions::default()).expect("http");
    let url = format!("{}/v3/registration/bench.page/index.json", feed.base_url());
    let page = http.get_bytes(&url).expect("registration page");
    let dir = harness::TempDir::new("cache-disk");
    let source = feed.index_url();
    let key = "list_bench.page_index";
    let disk = DiskCache::new(&DiskOptions {
        root: Some(dir.path().to_path_buf()),
        max_bytes: None,
    })
    .expect("disk");
    disk.write(&source, key, &page).expect("write");
    let context = SourceCacheContext::new();
    let kib = page.len() / 1024;
    harness::measure(&format!("cache/disk hit, read ({kib} KiB page)"), 1, || {
        black_box(disk.read(&source, key, &context).expect("hit"));
    });

    let options = CacheOptions {
        memory: None,
        ..CacheOptions::at(dir.path())
    };
    let client = Client::new(ClientOptions::new().source(&source).cache(options)).expect("client");
    client.get_metadata("Bench.Page", &ALL).expect("warm");
    let name = format!("cache/disk hit, read + decode ({kib} KiB page, 64 versions)");
    harness::measure(&name, 1, || {
        let found = client.get_metadata("Bench.Page", &ALL).expect("metadata");
        assert_eq!(found.value.len(), 64);
        black_box(found);
    });
    real_page_from_the_corpus(dir.path());
}

/// nuget.org's jQuery registration (a real inline page), when the corpus is there.
fn real_page_from_the_corpus(root: &Path) {
    let Some(corpus) = harness::corpus_dir() else {
        return;
    };
    let path = corpus.join("responses/nugetclient-embedded/JQueryRegistration.json");
    let Ok(page) = std::fs::read(&path) else {
        eprintln!("{} is missing; skipping the real page", path.display());
        return;
    };
    let disk = DiskCache::new(&DiskOptions {
        root: Some(root.to_path_buf()),
        max_bytes: None,
    })
    .expect("disk");
    let source = "https://api.nuget.org/v3/index.json";
    disk.write(source, "list_jquery_index", &page)
        .expect("write");
    let context = SourceCacheContext::new();
    let name = format!(
        "cache/disk hit, read (nuget.org jQuery, {} KiB)",
        page.len() / 1024
    );
    harness::measure(&name, 1, || {
        black_box(
            disk.read(source, "list_jquery_index", &context)
                .expect("hit"),
        );
    });
}

/// `get_metadata` of `id` (`versions` of them) through a client: cold (a new client and cache:
/// service index and registration from the feed) against warm (the same call again: memory).
/// Cold and warm runs alternate so that a shared machine slows both.
fn warm_against_cold(feed: &DemoFeed, id: &str, versions: usize) {
    let name = format!("cache/metadata {id} ({versions} versions)");
    if !harness::selected(&name) {
        return;
    }
    let url = feed.index_url();
    let new_client = || {
        let options = ClientOptions::new()
            .source(&url)
            .cache(CacheOptions::memory_only());
        Client::new(options).expect("client")
    };
    let call = |client: &Client| {
        let found = client.get_metadata(id, &ALL).expect("metadata");
        assert_eq!(found.value.len(), versions);
        black_box(found);
    };
    let cold_once = || {
        let client = new_client();
        let started = Instant::now();
        call(&client);
        started.elapsed().as_secs_f64()
    };
    let warm = new_client();
    call(&warm);
    // What part of a warm call is building the answer: one reference count per version (the
    // metadata itself is shared with the cached registration page).
    let answer = warm.get_metadata(id, &ALL).expect("metadata").value;
    harness::measure(&format!("{name} clone of the answer"), 1, || {
        black_box(black_box(&answer).clone());
    });
    let warm_calls = if harness::short_mode() { 100 } else { 2_000 };
    let warm_once = || {
        let started = Instant::now();
        for _ in 0..warm_calls {
            call(&warm);
        }
        started.elapsed().as_secs_f64() / warm_calls as f64
    };
    let before = feed.server().request_count();
    cold_once();
    assert_eq!(
        feed.server().request_count(),
        before + 2,
        "a cold call sends 2 requests"
    );
    warm_once();
    assert_eq!(
        feed.server().request_count(),
        before + 2,
        "warm calls send nothing"
    );

    let rounds = if harness::short_mode() { 5 } else { 41 };
    let (mut cold, mut hot, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        let c = cold_once();
        let w = warm_once();
        cold.push(c);
        hot.push(w);
        ratios.push(c / w);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    println!(
        "{name} cold (new client, 2 GETs) {:>9.1} us/call",
        median(&mut cold) * 1e6
    );
    println!(
        "{name} warm (memory)             {:>9.1} us/call",
        median(&mut hot) * 1e6
    );
    println!(
        "{name} cold / warm: median {:.0} x over {rounds} rounds; goal: at least 100 x",
        median(&mut ratios)
    );
}
