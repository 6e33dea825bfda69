//! Cache hits in the metrics count what served: a disk entry that does not validate (a package)
//! or decode (a document) is a miss, removed and fetched again, never a hit.

use std::path::PathBuf;

use rnuget::cache::{CacheOptions, naming};
use rnuget::client::{Client, ClientOptions};
use rnuget::demo::DemoFeed;
use rnuget::observability::Observability;
use rnuget::protocol::MetadataOptions;
use rnuget::version::NuGetVersion;

struct Dir(PathBuf);
impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `rnuget_cache_{hits,misses}_total{tier="disk"}` now.
fn disk_counts(client: &Client) -> (u64, u64) {
    let text = client.metrics_text().unwrap();
    let read = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(name) && l.contains("tier=\"disk\""))
            .and_then(|l| l.rsplit_once(' '))
            .map_or(0, |(_, v)| v.parse().unwrap())
    };
    (
        read("rnuget_cache_hits_total"),
        read("rnuget_cache_misses_total"),
    )
}

#[test]
fn a_broken_disk_entry_is_a_miss_and_a_sound_one_a_hit() {
    let dir = std::env::temp_dir().join(format!("rnuget-obs-hits-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let _dir = Dir(dir.clone());
    let feed = DemoFeed::start().unwrap();
    let options = ClientOptions::new()
        .named_source("demo", &feed.index_url())
        .cache(CacheOptions::at(&dir))
        .observability(Observability::with_metrics());
    let client = Client::new(options).unwrap();
    let disk = client.cache().disk().unwrap();
    let source = feed.index_url();
    let version = NuGetVersion::parse("1.1.0").unwrap();
    let all = MetadataOptions::default();

    // Network, stored on disk: misses only.
    let package = client.download_to_vec("Demo.Core", &version).unwrap().value;
    client.get_metadata("Demo.Core", &all).unwrap();
    let (hits, misses) = disk_counts(&client);
    assert_eq!(hits, 0);
    assert!(misses >= 2, "{misses}");

    // Both files broken, memory emptied: each is read from disk, rejected, removed and
    // fetched again; the metrics count two misses, no hit.
    let nupkg = disk.path(&source, &naming::nupkg_key("Demo.Core", &version));
    let index = disk.path(&source, &naming::registration_index_key("Demo.Core"));
    for path in [&nupkg, &index] {
        assert!(path.is_file(), "{} was not stored", path.display());
        std::fs::write(path, b"not what it should be").unwrap();
    }
    client.clear_cache(false).unwrap();
    let requests = feed.server().request_count();
    assert_eq!(
        client.download_to_vec("Demo.Core", &version).unwrap().value,
        package
    );
    client.get_metadata("Demo.Core", &all).unwrap();
    assert_eq!(feed.server().request_count(), requests + 2);
    assert_eq!(disk_counts(&client), (0, misses + 2));
    assert_eq!(client.cache_stats().disk.unwrap().invalid, 2);

    // Sound again (fetched and stored anew): from disk, two hits.
    client.clear_cache(false).unwrap();
    client.download_to_vec("Demo.Core", &version).unwrap();
    client.get_metadata("Demo.Core", &all).unwrap();
    assert_eq!(feed.server().request_count(), requests + 2);
    assert_eq!(disk_counts(&client), (2, misses + 2));
}
