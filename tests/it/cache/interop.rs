//! One HTTP cache directory shared with the real NuGet.Client: NuGet.exe 5.8 on Mono
//! (`../shared/tools/nuget-exe`) and rnuget pointed at the same loopback feed and the same
//! `NUGET_HTTP_CACHE_PATH`. The same requests leave the same files, with the same bytes; what
//! NuGet.exe cached, rnuget serves offline; what rnuget cached, NuGet.exe reads without asking
//! the feed.
//!
//! Without Mono or NuGet.exe the tests skip loudly; under CI (`CI=true`) that is a failure.

use std::path::{Path, PathBuf};
use std::process::Command;

use rnuget::cache::CacheOptions;
use rnuget::demo::DemoFeed;

use super::{
    ALL, TempDir, cached_client, cached_client_with, dat_files, nuget_folder, temp_dir, v,
};

/// NuGet.exe, run through the shared script with a home, config and packages folder of its
/// own, so that nothing outside the test's directories is read or written.
struct NuGetExe {
    script: PathBuf,
    tools_home: PathBuf,
    home: TempDir,
}

fn nuget_exe() -> Option<NuGetExe> {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("shared")
        .join("tools")
        .join("nuget-exe");
    let tools_home = match std::env::var_os("RNUGET_TOOLS_HOME") {
        Some(dir) => PathBuf::from(dir),
        None => std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache")))
            .unwrap_or_default()
            .join("rnuget-tools"),
    };
    let exe = tools_home.join("nuget-exe-5.8.0").join("NuGet.exe");
    let missing = if !script.is_file() {
        Some(format!("{} does not exist", script.display()))
    } else if !on_path("mono") {
        Some("mono is not installed".to_string())
    } else if !exe.is_file() {
        Some(format!("{} does not exist", exe.display()))
    } else {
        None
    };
    if let Some(missing) = missing {
        let message = format!(
            "NuGet.exe interop: {missing}; install it with `{} --path` (Mono from Debian, \
             NuGet.exe from npm)",
            script.display()
        );
        if std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0") {
            panic!("{message} (CI is set, so this is a failure)");
        }
        eprintln!("\n*** SKIPPED: {message} ***\n");
        return None;
    }
    let home = temp_dir("nuget-home");
    let config = r#"<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
  </packageSources>
</configuration>
"#;
    std::fs::write(home.0.join("NuGet.Config"), config).unwrap();
    Some(NuGetExe {
        script,
        tools_home,
        home,
    })
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

impl NuGetExe {
    /// `nuget install ID -Version VERSION -Source URL` with `NUGET_HTTP_CACHE_PATH=cache`.
    fn install(&self, cache: &Path, source: &str, id: &str, version: &str) {
        let out = self.home.0.join("out");
        let config = self.home.0.join("NuGet.Config");
        let output = Command::new(&self.script)
            .args(["install", id, "-Version", version, "-Source", source])
            .arg("-OutputDirectory")
            .arg(&out)
            .arg("-ConfigFile")
            .arg(&config)
            .args(["-NonInteractive", "-Verbosity", "detailed"])
            .env("NUGET_HTTP_CACHE_PATH", cache)
            .env("NUGET_PACKAGES", self.home.0.join("packages"))
            .env("RNUGET_TOOLS_HOME", &self.tools_home)
            .env("HOME", &self.home.0)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        eprintln!("nuget install {id} {version}:\n{stdout}{stderr}");
        assert!(
            output.status.success(),
            "NuGet.exe failed: {stdout}{stderr}"
        );
        let installed = out
            .join(format!("{id}.{version}"))
            .join(format!("{id}.{version}.nupkg"));
        assert!(
            installed.is_file(),
            "NuGet.exe did not install {}",
            installed.display()
        );
        let _ = std::fs::remove_dir_all(&out);
    }
}

/// `(file name, bytes)` of every entry under `dir`, in `folder`.
fn entries(dir: &Path, folder: &str) -> Vec<(String, Vec<u8>)> {
    dat_files(dir)
        .into_iter()
        .map(|name| {
            let bytes = std::fs::read(dir.join(&name)).unwrap();
            let file = name.strip_prefix(&format!("{folder}/"));
            let file = file.unwrap_or_else(|| panic!("{name} is outside {folder}"));
            (file.to_string(), bytes)
        })
        .collect()
}

fn names(entries: &[(String, Vec<u8>)]) -> Vec<&str> {
    entries.iter().map(|(name, _)| name.as_str()).collect()
}

/// Requests the feed saw from NuGet.exe (anything but rnuget), by path.
fn nuget_requests(feed: &DemoFeed) -> Vec<String> {
    feed.server()
        .requests()
        .into_iter()
        .filter(|r| !r.header("User-Agent").unwrap_or("").starts_with("rnuget/"))
        .map(|r| r.path().to_string())
        .collect()
}

#[test]
fn nuget_exe_and_rnuget_write_the_same_files_and_read_each_others() {
    let Some(nuget) = nuget_exe() else { return };
    let feed = DemoFeed::start().unwrap();
    let url = feed.index_url();
    let folder = nuget_folder(&url);

    // NuGet.exe installs one version of an inline registration and one of a paged one.
    let by_nuget = temp_dir("by-nuget");
    nuget.install(&by_nuget.0, &url, "Demo.Core", "2.0.0");
    nuget.install(&by_nuget.0, &url, "Demo.Nightly", "1.0.0");
    let nuget_entries = entries(&by_nuget.0, &folder);
    eprintln!("NuGet.exe wrote: {:?}", names(&nuget_entries));

    // rnuget reads the same documents into a directory of its own.
    let by_rnuget = temp_dir("by-rnuget");
    let client = cached_client(&url, &by_rnuget.0);
    let core = client
        .get_version_metadata("Demo.Core", &v("2.0.0"))
        .unwrap();
    let nightly = client
        .get_version_metadata("Demo.Nightly", &v("1.0.0"))
        .unwrap();
    let rnuget_entries = entries(&by_rnuget.0, &folder);
    eprintln!("rnuget wrote: {:?}", names(&rnuget_entries));
    assert_eq!(names(&rnuget_entries), names(&nuget_entries));
    assert!(names(&nuget_entries).contains(&"service_index.dat"));
    assert!(names(&nuget_entries).contains(&"list_demo.core_index.dat"));
    for ((name, ours), (_, theirs)) in rnuget_entries.iter().zip(&nuget_entries) {
        assert!(ours == theirs, "{name}: the bytes differ");
    }

    // What NuGet.exe cached, rnuget serves offline, with the same answers.
    let before = feed.server().request_count();
    let offline = cached_client_with(&url, CacheOptions::at(&by_nuget.0).offline(true));
    let core_offline = offline
        .get_version_metadata("Demo.Core", &v("2.0.0"))
        .unwrap();
    assert_eq!(core_offline.value, core.value);
    let nightly_offline = offline
        .get_version_metadata("Demo.Nightly", &v("1.0.0"))
        .unwrap();
    assert_eq!(nightly_offline.value, nightly.value);
    assert_eq!(core_offline.value.version, v("2.0.0"));
    assert_eq!(feed.server().request_count(), before);

    // What rnuget cached, NuGet.exe reads without asking the feed: only packages go out.
    let warm = temp_dir("warm-by-rnuget");
    let writer = cached_client(&url, &warm.0);
    writer.get_metadata("Demo.Json", &ALL).unwrap();
    feed.server().clear_requests();
    nuget.install(&warm.0, &url, "Demo.Json", "1.0.1");
    let asked = nuget_requests(&feed);
    eprintln!("NuGet.exe asked the feed for: {asked:?}");
    assert!(!asked.is_empty(), "NuGet.exe sent nothing at all");
    for path in &asked {
        assert!(
            path.ends_with(".nupkg") || path.ends_with(".nuspec"),
            "NuGet.exe fetched {path} although rnuget had cached it"
        );
    }
}
