//! The `rnuget` binary's cache options: `--cache-dir`, `--offline`, `--no-cache`, and NuGet's
//! own root (`NUGET_HTTP_CACHE_PATH`) when no `--cache-dir` is given.

use std::path::Path;
use std::process::Command;

use rnuget::demo::DemoFeed;

use super::{dat_files, nuget_folder, temp_dir};

/// Runs the binary with `NUGET_HTTP_CACHE_PATH` set to `nuget_root`, so that a run without
/// `--cache-dir` never touches the user's own cache.
fn rnuget(args: &[&str], nuget_root: &Path) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_rnuget"))
        .args(args)
        .env("NUGET_HTTP_CACHE_PATH", nuget_root)
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn an_offline_run_answers_what_an_online_run_cached_with_the_feed_stopped() {
    let dir = temp_dir("cli-offline");
    let cache = dir.0.join("http-cache");
    let cache = cache.to_str().unwrap();
    let nuget_root = temp_dir("cli-offline-nuget");
    let package = dir.0.join("core.nupkg");
    let package = package.to_str().unwrap();
    let commands: [&[&str]; 5] = [
        &["versions", "Demo.Core", "--range", "1.*"],
        &["metadata", "Demo.Logging", "1.2.0", "--json"],
        &["metadata", "Demo.Nightly", "--prerelease", "--unlisted"],
        &["search", "demo", "--json"],
        &["download", "Demo.Core", "2.0.0", "--output", package],
    ];
    let feed = DemoFeed::start().unwrap();
    let url = feed.index_url();
    let run = |command: &[&str], more: &[&str]| {
        let mut args = command.to_vec();
        args.extend(["--source", &url, "--cache-dir", cache]);
        args.extend(more);
        let (code, out, err) = rnuget(&args, &nuget_root.0);
        assert_eq!(code, 0, "{args:?}\nstdout:\n{out}\nstderr:\n{err}");
        out
    };
    let online: Vec<String> = commands.iter().map(|c| run(c, &[])).collect();
    let downloaded = std::fs::read(package).unwrap();
    assert_eq!(
        downloaded,
        feed.package_bytes("Demo.Core", "2.0.0").unwrap().unwrap()
    );
    assert!(online[0].contains("2.0.0-beta.1"), "{}", online[0]);
    std::fs::remove_file(package).unwrap();
    drop(feed);

    // The feed is gone: the same commands answer the same from the cache.
    let offline: Vec<String> = commands.iter().map(|c| run(c, &["--offline"])).collect();
    assert_eq!(offline, online);
    assert_eq!(std::fs::read(package).unwrap(), downloaded);
    // Everything went to --cache-dir, nothing to NuGet's own root.
    assert!(!dat_files(Path::new(cache)).is_empty());
    assert!(dat_files(&nuget_root.0).is_empty());
}

#[test]
fn offline_on_an_empty_cache_fails_naming_the_url() {
    let feed = DemoFeed::start().unwrap();
    let url = feed.index_url();
    let empty = temp_dir("cli-offline-empty");
    let empty_dir = empty.0.to_str().unwrap();
    let nuget_root = temp_dir("cli-offline-empty-nuget");
    let args = [
        "versions",
        "Demo.Core",
        "--source",
        &url,
        "--cache-dir",
        empty_dir,
        "--offline",
    ];
    let (code, out, err) = rnuget(&args, &nuget_root.0);
    assert_eq!(code, 1, "stdout:\n{out}\nstderr:\n{err}");
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains(&format!("offline and not cached: {url}")),
        "{err}"
    );
    assert_eq!(feed.server().request_count(), 0);
}

#[test]
fn without_cache_dir_nugets_root_is_used_and_no_cache_asks_the_feed() {
    let feed = DemoFeed::start().unwrap();
    let url = feed.index_url();
    let nuget_root = temp_dir("cli-nuget-root");
    let versions = ["versions", "Demo.Core", "--source", &url];
    let (code, first, err) = rnuget(&versions, &nuget_root.0);
    assert_eq!(code, 0, "{err}");
    assert_eq!(feed.server().request_count(), 2);
    let folder = nuget_folder(&url);
    assert_eq!(
        dat_files(&nuget_root.0),
        [
            format!("{folder}/list_demo.core.dat"),
            format!("{folder}/service_index.dat")
        ]
    );

    // A second run reads NuGet's files: no request.
    let (_, again, _) = rnuget(&versions, &nuget_root.0);
    assert_eq!(
        (again.as_str(), feed.server().request_count()),
        (first.as_str(), 2)
    );

    // --no-cache asks the feed for the version list; the service index is read as NuGet
    // reads it (its own 30 minutes, whatever the call says).
    let no_cache = [&versions[..], &["--no-cache"]].concat();
    let (code, fresh, err) = rnuget(&no_cache, &nuget_root.0);
    assert_eq!(code, 0, "{err}");
    assert_eq!(fresh, first);
    let paths: Vec<String> = feed
        .server()
        .requests()
        .iter()
        .map(|r| r.path().to_string())
        .collect();
    assert_eq!(paths[2..], ["/v3/flatcontainer/demo.core/index.json"]);

    let (code, _, err) = rnuget(&[&no_cache[..], &["--offline"]].concat(), &nuget_root.0);
    assert_eq!(code, 2);
    assert!(
        err.contains("--no-cache and --offline cannot be used together"),
        "{err}"
    );
}
