//! Peak memory of the `rnuget download` process fetching a big package from a loopback feed.
//!
//! The bench writes a 200 MB package (20 MB with `RNUGET_BENCH_SHORT=1`) of incompressible
//! content into a temporary folder, serves it from the file, and runs the `rnuget` binary to
//! download it. Peak memory is the child's `VmHWM` (high-water resident set) from
//! `/proc/<pid>/status`, polled while it runs, and, where GNU time is installed, the maximum
//! resident set that `/usr/bin/time` reads from the kernel when the child ends. The goal is
//! under 32 MB for 200 MB: the download streams, hashing and validating as it goes.
//!
//! `cargo bench --bench download_memory`.

mod harness;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rnuget::demo::{DemoFeed, DemoPackage, FeedPackage, write_package_file};

const GOAL_MB: f64 = 32.0;
const ID: &str = "Bench.Big";
const VERSION: &str = "1.0.0";

fn main() {
    if !harness::selected("download_memory") {
        return;
    }
    let megabytes: u64 = if harness::short_mode() { 20 } else { 200 };
    let dir = std::env::temp_dir().join(format!("rnuget-bench-download-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary folder");
    let package = DemoPackage::new(ID, VERSION).with_filler(megabytes << 20);
    let source = write_package_file(&package, &dir).expect("write the package");
    let size = std::fs::metadata(&source).expect("package size").len();
    let feed = DemoFeed::with_packages([FeedPackage::File(source)]).expect("start the feed");

    let target = dir.join("downloaded.nupkg");
    let started = Instant::now();
    let polled = run_polled(&feed.index_url(), &target);
    let elapsed = started.elapsed();
    check_download(&target, size);
    std::fs::remove_file(&target).expect("remove the download");
    // The next run downloads again rather than copying from the cache.
    let _ = std::fs::remove_dir_all(cache_dir(&target));
    println!(
        "download_memory/rnuget download {:.0} MB: peak VmHWM {:.1} MB (polled), {:.2} s",
        mb(size),
        polled,
        elapsed.as_secs_f64()
    );
    let mut peak = polled;
    if let Some(max_rss) = run_under_gnu_time(&feed.index_url(), &target) {
        check_download(&target, size);
        println!(
            "download_memory/rnuget download {:.0} MB: max RSS {max_rss:.1} MB (/usr/bin/time)",
            mb(size)
        );
        peak = peak.max(max_rss);
    }
    let verdict = if peak < GOAL_MB { "met" } else { "MISSED" };
    println!("download_memory/goal: peak {peak:.1} MB against under {GOAL_MB} MB: {verdict}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The HTTP cache of a run (the package passes through it, as through NuGet's): inside the
/// bench's folder, not the user's NuGet cache.
fn cache_dir(target: &Path) -> PathBuf {
    target.with_extension("http-cache")
}

fn download_args(index_url: &str, target: &Path) -> Vec<String> {
    let cache = cache_dir(target).to_string_lossy().into_owned();
    let target = target.to_string_lossy().into_owned();
    [
        "download",
        ID,
        VERSION,
        "--source",
        index_url,
        "--output",
        &target,
        "--cache-dir",
        &cache,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// Runs the download and returns the child's highest `VmHWM`, in MB, seen while polling.
fn run_polled(index_url: &str, target: &Path) -> f64 {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rnuget"))
        .args(download_args(index_url, target))
        .stdout(Stdio::null())
        .spawn()
        .expect("start rnuget");
    let status_file = PathBuf::from(format!("/proc/{}/status", child.id()));
    let mut peak_kb = 0u64;
    let status = loop {
        if let Some(kb) = std::fs::read_to_string(&status_file)
            .ok()
            .and_then(|s| vm_hwm_kb(&s))
        {
            peak_kb = peak_kb.max(kb);
        }
        if let Some(status) = child.try_wait().expect("wait for rnuget") {
            break status;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    assert!(status.success(), "rnuget download failed: {status}");
    peak_kb as f64 / 1024.0
}

/// Runs the download under GNU time and returns its maximum resident set, in MB, or `None`
/// when `/usr/bin/time` is not there.
fn run_under_gnu_time(index_url: &str, target: &Path) -> Option<f64> {
    let time = Path::new("/usr/bin/time");
    if !time.exists() {
        println!("download_memory/(no /usr/bin/time here: only the polled figure)");
        return None;
    }
    let output = Command::new(time)
        .args(["-f", "max-rss-kb %M"])
        .arg(env!("CARGO_BIN_EXE_rnuget"))
        .args(download_args(index_url, target))
        .stdout(Stdio::null())
        .output()
        .expect("start /usr/bin/time");
    assert!(
        output.status.success(),
        "rnuget download failed: {}",
        output.status
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    let kb: u64 = stderr
        .lines()
        .find_map(|l| l.strip_prefix("max-rss-kb "))
        .and_then(|v| v.trim().parse().ok())?;
    Some(kb as f64 / 1024.0)
}

fn vm_hwm_kb(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn check_download(target: &Path, size: u64) {
    let got = std::fs::metadata(target).expect("downloaded file").len();
    assert_eq!(
        got, size,
        "the download has {got} bytes, the package {size}"
    );
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}
