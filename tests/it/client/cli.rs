//! The `rnuget` binary end to end: its commands against demo feeds and failing servers on
//! loopback, their output and exit statuses.

use std::time::Duration;

use rnuget::ErrorKind;
use rnuget::client::{Client, ClientOptions};
use rnuget::demo::server::Response;
use rnuget::demo::{DemoFeed, DemoPackage};

use super::{failing_server, proxy, rnuget, sha512_base64, temp_dir, v};

#[test]
fn the_demo_command_walks_the_main_job_with_real_values() {
    let (code, out, err) = rnuget(&["demo"]);
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    // The same feed, built again: its packages are byte-for-byte the same.
    let feed = DemoFeed::start().unwrap();
    let http = feed.package_bytes("Demo.Http", "3.1.0").unwrap().unwrap();
    let expected = [
        "feed:    http://127.0.0.1:".to_string(),
        "5 packages, 37 versions (1 unlisted)".to_string(),
        "source demo: 5 hits, showing 5".to_string(),
        "  Demo.Core 2.0.0 (4 versions, 9850 downloads)".to_string(),
        "Demo.Core: 4 versions\n  1.0.0\n  1.1.0\n  2.0.0-beta.1\n  2.0.0\n".to_string(),
        "best match for [1.0.0, 2.0.0): 1.0.0".to_string(),
        "best match for 1.*: 1.1.0".to_string(),
        "best match for (2.0.0, ): none".to_string(),
        "Demo.Logging 1.2.0 (from source demo)".to_string(),
        "  license:      MIT".to_string(),
        "    netstandard2.0\n      Demo.Core [1.1.0, 2.0.0)".to_string(),
        "    net6.0\n      Demo.Core [1.1.0, )".to_string(),
        "hides the unlisted 0.9.0".to_string(),
        "downloaded Demo.Http 3.1.0 from source demo".to_string(),
        format!("  bytes:   {}", http.len()),
        format!("  sha512:  {}", sha512_base64(&http)),
        "read back: Demo.Http 3.1.0".to_string(),
        "dependency groups: netstandard2.0, net8.0".to_string(),
    ];
    for line in expected {
        assert!(out.contains(&line), "missing {line:?} in:\n{out}");
    }
    assert!(out.contains("HTTP requests to the demo feed"), "{out}");
}

#[test]
fn the_binary_talks_to_the_sources_it_is_given() {
    let demo = DemoFeed::start().unwrap();
    let url = demo.index_url();
    let (code, out, err) = rnuget(&[
        "versions",
        "Demo.Core",
        "--source",
        &url,
        "--json",
        "--range",
        "1.*",
    ]);
    assert_eq!(code, 0, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        json["versions"],
        serde_json::json!(["1.0.0", "1.1.0", "2.0.0-beta.1", "2.0.0"])
    );
    assert_eq!(json["best_match"], "1.1.0");
    assert!(!err.contains("demo feed"), "{err}");

    let dir = temp_dir("cli-download");
    let path = dir.join("core.nupkg");
    let path_text = path.to_str().unwrap();
    let (code, out, err) = rnuget(&[
        "download",
        "Demo.Core",
        "1.1.0",
        "-s",
        &url,
        "-o",
        path_text,
    ]);
    assert_eq!(code, 0, "{err}");
    let expected = demo.package_bytes("Demo.Core", "1.1.0").unwrap().unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), expected);
    assert!(out.contains(&sha512_base64(&expected)), "{out}");
    std::fs::remove_dir_all(&dir).unwrap();

    let (code, out, _) = rnuget(&["search", "logging", "--prerelease", "-s", &url, "--json"]);
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json[0]["source"], url.as_str());
    assert_eq!(json[0]["results"]["results"][0]["id"], "Demo.Logging");
}

#[test]
fn the_binary_exit_status_tells_failures_apart() {
    let demo = DemoFeed::start().unwrap();
    let url = demo.index_url();
    let (code, _, err) = rnuget(&["metadata", "Nope.Package", "1.0.0", "-s", &url]);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("Nope.Package 1.0.0 was not found in any source"),
        "{err}"
    );

    let broken = failing_server();
    let broken_url = format!("{}/v3/index.json", broken.base_url());
    let (code, _, err) = rnuget(&["versions", "Demo.Core", "-s", &broken_url]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("(HTTP 500)") && err.contains(&broken_url),
        "{err}"
    );

    let (code, _, err) = rnuget(&["download", "Demo.Core"]);
    assert_eq!(code, 2);
    assert!(err.contains("usage: rnuget download ID VERSION"), "{err}");
    let (code, _, err) = rnuget(&["metadata", "Demo.Core", "not-a-version", "-s", &url]);
    assert_eq!(code, 2, "{err}");

    let (code, out, _) = rnuget(&["--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("EXIT STATUS"), "{out}");
}

#[test]
fn metadata_says_which_versions_it_left_out_and_how_to_show_them() {
    let demo = DemoFeed::with_packages([
        DemoPackage::new("Mixed", "1.0.0"),
        DemoPackage::new("Mixed", "1.1.0").unlisted(),
        DemoPackage::new("Mixed", "2.0.0-beta.1"),
        DemoPackage::new("Mixed", "2.0.0-beta.2"),
        DemoPackage::new("Mixed", "2.0.0-rc.1").unlisted(),
        DemoPackage::new("Mixed", "2.0.0"),
    ])
    .unwrap();
    let url = demo.index_url();
    let cases: [(&[&str], &[&str], &[&str]); 4] = [
        (
            &[],
            &["1.0.0", "2.0.0"],
            &[
                "3 prerelease versions not shown; use --prerelease",
                "2 unlisted versions not shown; use --unlisted",
            ],
        ),
        (
            &["--prerelease"],
            &["1.0.0", "2.0.0-beta.1", "2.0.0-beta.2", "2.0.0"],
            &["2 unlisted versions not shown; use --unlisted"],
        ),
        (
            &["--unlisted"],
            &["1.0.0", "1.1.0", "2.0.0"],
            &["3 prerelease versions not shown; use --prerelease"],
        ),
        (
            &["--prerelease", "--unlisted"],
            &[
                "1.0.0",
                "1.1.0",
                "2.0.0-beta.1",
                "2.0.0-beta.2",
                "2.0.0-rc.1",
                "2.0.0",
            ],
            &[],
        ),
    ];
    for (options, shown, notes) in cases {
        let mut args = vec!["metadata", "Mixed", "-s", &url];
        args.extend(options);
        let (code, out, err) = rnuget(&args);
        assert_eq!(code, 0, "{options:?}: {err}");
        let versions: Vec<&str> = out
            .lines()
            .skip(1)
            .filter(|l| l.starts_with("  "))
            .filter_map(|l| l.split_whitespace().next())
            .collect();
        assert_eq!(versions, shown, "{options:?}:\n{out}");
        let said: Vec<&str> = out
            .lines()
            .filter_map(|l| l.strip_prefix('(')?.strip_suffix(')'))
            .collect();
        assert_eq!(said, notes, "{options:?}:\n{out}");

        // With --json, stdout is the document alone and the notes go to stderr.
        args.push("--json");
        let (code, out, err) = rnuget(&args);
        assert_eq!(code, 0, "{options:?}: {err}");
        let json: serde_json::Value = serde_json::from_str(&out).unwrap();
        let versions: Vec<&str> = json["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["version"].as_str().unwrap())
            .collect();
        assert_eq!(versions, shown, "{options:?}");
        let said: Vec<&str> = err
            .lines()
            .filter_map(|l| l.strip_prefix("rnuget: note: "))
            .collect();
        assert_eq!(said, notes, "{options:?}: {err}");
    }
}

#[test]
fn the_binary_reports_failures_alike_with_or_without_json_and_prints_nothing_first() {
    let demo = DemoFeed::with_packages([
        DemoPackage::new("Only.Pre", "1.0.0-beta.1"),
        DemoPackage::new("Long.Text", "1.0.0")
            .with_description("First line of the description.\nSecond line.\nThird."),
    ])
    .unwrap();
    let url = demo.index_url();
    for json in [false, true] {
        let mut args = vec!["versions", "Nope", "-s", &url];
        if json {
            args.push("--json");
        }
        let (code, out, err) = rnuget(&args);
        assert_eq!(code, 3, "--json {json}: {err}");
        assert_eq!(out, "", "--json {json}: nothing on stdout before an error");
        assert!(err.contains("no source has Nope"), "{err}");
    }

    // The hint only for an id that exists, naming what would show it.
    let (code, out, err) = rnuget(&["metadata", "Only.Pre", "-s", &url]);
    assert_eq!((code, out.as_str()), (3, ""), "{err}");
    assert!(err.contains("1 version hidden; try --prerelease)"), "{err}");
    // A registration with none of the versions the version list has hides nothing.
    let leafless = proxy(
        &demo,
        |request| {
            let registration = request.path().ends_with("/long.text/index.json")
                && !request.path().contains("/flatcontainer/");
            registration.then(|| Response::json(r#"{"count":0,"items":[]}"#))
        },
        |text, _| text,
    );
    let leafless_url = format!("{}/v3/index.json", leafless.base_url());
    for extra in [&[][..], &["--prerelease", "--unlisted"][..]] {
        let mut args = vec!["metadata", "Long.Text", "-s", &leafless_url];
        args.extend(extra);
        let (code, _, err) = rnuget(&args);
        assert_eq!(code, 3, "{err}");
        let said = "no source has metadata of Long.Text: its registration lists none of the \
                    versions its version list has (1 version)";
        assert!(err.contains(said), "{err}");
    }
    let (code, _, err) = rnuget(&["metadata", "Nope", "-s", &url]);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("no source has Nope") && !err.contains("try"),
        "{err}"
    );

    // Free text keeps to one line per field.
    let (code, out, err) = rnuget(&["metadata", "long.text", "1.0", "-s", &url]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("Long.Text 1.0.0 (from source "), "{out}");
    assert!(
        out.contains("  description:  First line of the description. …\n"),
        "{out}"
    );
    assert!(!out.contains("Second line"), "{out}");

    // Downloads echo the package's own spelling, and a bad path is refused before anything.
    let dir = temp_dir("cli-echo");
    let path = dir.join("p.nupkg");
    let (code, out, err) = rnuget(&[
        "download",
        "long.text",
        "1.0",
        "-s",
        &url,
        "-o",
        path.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("downloaded Long.Text 1.0.0 from source "),
        "{out}"
    );
    let missing = dir.join("missing").join("p.nupkg");
    let (code, out, err) = rnuget(&[
        "download",
        "Long.Text",
        "1.0.0",
        "-s",
        &url,
        "-o",
        missing.to_str().unwrap(),
    ]);
    assert_eq!((code, out.as_str()), (1, ""), "{err}");
    assert!(err.contains(&missing.display().to_string()), "{err}");
    let requests = demo.server().request_count();
    let (code, _, err) = rnuget(&[
        "download",
        "Long.Text",
        "1.0.0",
        "-s",
        &url,
        "-o",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is a folder"), "{err}");
    assert_eq!(demo.server().request_count(), requests, "nothing was asked");
    std::fs::remove_dir_all(&dir).unwrap();

    // A source without a scheme, and options of another command.
    let (code, _, err) = rnuget(&["versions", "x", "-s", "127.0.0.1:1/v3/index.json"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("not a URL: 127.0.0.1:1/v3/index.json"),
        "{err}"
    );
    let (code, _, err) = rnuget(&["search", "x", "--range", "1.0", "-s", &url]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("unknown option --range for search"), "{err}");
}

#[test]
fn search_exits_non_zero_when_a_source_failed() {
    let demo = DemoFeed::start().unwrap();
    let broken = failing_server();
    let broken_url = format!("{}/v3/index.json", broken.base_url());
    let url = demo.index_url();
    let (code, out, err) = rnuget(&["search", "json", "-s", &broken_url, "-s", &url]);
    assert_eq!(code, 1, "{err}");
    assert!(
        out.contains(&format!("source {url}: 2 hits, showing 2")),
        "{out}"
    );
    assert!(err.contains("search: 1 source of 2 failed"), "{err}");
    let (code, _, err) = rnuget(&["search", "json", "-s", &broken_url, "-s", &url, "--json"]);
    assert_eq!(code, 1, "{err}");
    let (code, _, err) = rnuget(&[
        "search",
        "json",
        "-s",
        &broken_url,
        "-s",
        &url,
        "--ignore-failed-sources",
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = rnuget(&[
        "search",
        "json",
        "-s",
        &broken_url,
        "--ignore-failed-sources",
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("(HTTP 500)"), "{err}");
}

#[test]
fn a_download_whose_only_source_timed_out_says_so_plainly() {
    let demo = DemoFeed::start().unwrap();
    let package = demo.package_url("Demo.Core", "1.0.0").unwrap();
    let package_path = package.trim_start_matches(&demo.base_url()).to_string();
    // The package answers too late; everything else is the demo feed.
    let slow = proxy(
        &demo,
        move |request| {
            (request.path() == package_path).then(|| {
                std::thread::sleep(Duration::from_millis(1200));
                Response::not_found()
            })
        },
        |text, _| text,
    );
    let http = rnuget::http::HttpOptions {
        request_timeout: Duration::from_millis(300),
        ..rnuget::http::HttpOptions::default()
    };
    let url = format!("{}/v3/index.json", slow.base_url());
    let client = Client::new(ClientOptions::new().source(&url).http(http)).unwrap();
    let err = client
        .download_to_vec("Demo.Core", &v("1.0.0"))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert_eq!(
        err.message(),
        "downloading package Demo.Core 1.0.0: timed out after 0.3 s waiting for the response"
    );
    assert_eq!(err.source_name(), Some(url.as_str()));
}

#[test]
fn the_binary_gives_up_on_a_trickling_download_at_its_timeout() {
    let demo = DemoFeed::start().unwrap();
    // The package body comes a byte a second: without a deadline it would take minutes.
    let slow = proxy(
        &demo,
        |request| {
            request
                .path()
                .ends_with(".nupkg")
                .then(|| Response::new(200, vec![0u8; 600]).trickled(1, Duration::from_secs(1)))
        },
        |text, _| text,
    );
    let url = format!("{}/v3/index.json", slow.base_url());
    let dir = temp_dir("cli-timeout");
    let path = dir.join("slow.nupkg");
    let path_text = path.to_str().unwrap();
    let (code, out, err) = rnuget(&[
        "download",
        "Demo.Core",
        "1.0.0",
        "-s",
        &url,
        "-o",
        path_text,
        "--timeout",
        "1",
    ]);
    assert_eq!((code, out.as_str()), (1, ""), "{err}");
    assert!(
        err.contains("timed out after 1 s reading the response body"),
        "{err}"
    );
    assert!(!path.exists(), "nothing is left at the target");

    for bad in ["0", "-1", "soon", "inf", "NaN"] {
        let (code, _, err) = rnuget(&["versions", "Demo.Core", "-s", &url, "--timeout", bad]);
        assert_eq!(code, 2, "{bad}: {err}");
        assert!(
            err.contains(&format!(
                "--timeout needs a positive number of seconds, not '{bad}'"
            )),
            "{bad}: {err}"
        );
    }
}
