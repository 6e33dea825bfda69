//! The cache's health: the disk tier's bytes against its cap, counted on disk when this client
//! has not written yet (a folder filled earlier, by another process or under a bigger cap).

use std::path::{Path, PathBuf};

use rnuget::cache::{CacheOptions, DiskOptions};
use rnuget::client::{Client, ClientOptions};
use rnuget::demo::DemoFeed;
use rnuget::observability::HealthStatus;
use rnuget::protocol::MetadataOptions;

struct Dir(PathBuf);
impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn client(feed: &DemoFeed, root: &Path, max_bytes: Option<u64>) -> Client {
    let cache = CacheOptions {
        disk: Some(DiskOptions {
            root: Some(root.to_path_buf()),
            max_bytes,
        }),
        ..CacheOptions::default()
    };
    let options = ClientOptions::new()
        .named_source("demo", &feed.index_url())
        .cache(cache);
    Client::new(options).unwrap()
}

/// Bytes of the cache entries (`.dat` files in the source folders) under `root`.
fn entry_bytes(root: &Path) -> u64 {
    let mut total = 0;
    for folder in std::fs::read_dir(root).unwrap().flatten() {
        for file in std::fs::read_dir(folder.path()).unwrap().flatten() {
            if file.file_name().to_string_lossy().ends_with(".dat") {
                total += file.metadata().unwrap().len();
            }
        }
    }
    total
}

#[test]
fn a_disk_tier_over_its_cap_is_degraded_and_healthy_again_once_evicted() {
    let dir = std::env::temp_dir().join(format!("rnuget-cache-health-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let dir = Dir(dir);
    let feed = DemoFeed::start().unwrap();
    let all = MetadataOptions::default();
    // An uncapped client fills the folder.
    let filler = client(&feed, &dir.0, None);
    filler.get_metadata("Demo.Core", &all).unwrap();
    let filled = entry_bytes(&dir.0);
    assert!(filled > 1000, "{filled}");
    assert_eq!(
        filler.health().cache.disk_bytes,
        None,
        "uncapped: not counted"
    );

    // A client capped at 1000 bytes over the same folder, before it writes anything.
    let capped = client(&feed, &dir.0, Some(1000));
    let report = capped.health();
    assert_eq!(report.cache.disk_bytes, Some(filled), "{report:?}");
    assert_eq!(report.cache.disk_max_bytes, Some(1000));
    assert_eq!(report.cache.status, HealthStatus::Degraded, "{report:?}");
    assert_eq!(
        report.sources[0].status,
        HealthStatus::Healthy,
        "{report:?}"
    );
    assert_eq!(report.status, HealthStatus::Degraded, "the worst of all");
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    assert_eq!(json["cache"]["status"], "degraded", "{json}");
    assert_eq!(json["cache"]["disk_bytes"], filled);
    assert_eq!(json["status"], "degraded");

    // Its first write evicts down to the cap: healthy again.
    capped.get_metadata("Demo.Logging", &all).unwrap();
    let report = capped.health();
    let bytes = report.cache.disk_bytes.unwrap();
    assert!(bytes <= 1000, "{report:?}");
    assert_eq!(bytes, entry_bytes(&dir.0));
    assert_eq!(report.cache.status, HealthStatus::Healthy, "{report:?}");
    assert_eq!(report.status, HealthStatus::Healthy, "{report:?}");
}
