//! The client over many sources, against demo feeds and failing servers on loopback; the
//! `rnuget` binary end to end in `cli.rs`.

mod cli;
mod credentials;
mod serve_demo;

use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use base64::Engine;
use rnuget::ErrorKind;
use rnuget::client::{Client, ClientOptions};
use rnuget::demo::server::{LoopbackServer, Response};
use rnuget::demo::{DemoFeed, DemoPackage};
use rnuget::protocol::{MetadataOptions, SearchQuery};
use rnuget::version::{NuGetVersion, VersionRange};
use sha2::{Digest, Sha512};

fn v(text: &str) -> NuGetVersion {
    NuGetVersion::parse(text).unwrap()
}

fn strings<T: ToString>(items: &[T]) -> Vec<String> {
    items.iter().map(ToString::to_string).collect()
}

fn sha512_base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha512::digest(bytes))
}

/// Two feeds with overlapping ids: A has Shared 1.0.0 and 2.0.0 and OnlyA; B has Shared 1.0.0
/// (other bytes), 1.5.0, 3.0.0-beta.1 and OnlyB.
fn two_feeds() -> (DemoFeed, DemoFeed) {
    let a = DemoFeed::with_packages([
        DemoPackage::new("Shared", "1.0.0").with_description("from A"),
        DemoPackage::new("Shared", "2.0.0"),
        DemoPackage::new("OnlyA", "1.0.0"),
    ])
    .unwrap();
    let b = DemoFeed::with_packages([
        DemoPackage::new("Shared", "1.0.0").with_description("from B"),
        DemoPackage::new("Shared", "1.5.0"),
        DemoPackage::new("Shared", "3.0.0-beta.1"),
        DemoPackage::new("OnlyB", "0.1.0").with_dependency(Some("net8.0"), "OnlyA", Some("1.0.0")),
    ])
    .unwrap();
    (a, b)
}

fn client(sources: &[(&str, String)]) -> Client {
    let options = sources.iter().fold(ClientOptions::new(), |o, (name, url)| {
        o.named_source(name, url)
    });
    Client::new(options).unwrap()
}

/// A server that answers 500 to everything, service index included.
fn failing_server() -> LoopbackServer {
    LoopbackServer::start(|_| Response::new(500, "boom")).unwrap()
}

#[test]
fn versions_are_the_sorted_union_without_duplicates() {
    let (a, b) = two_feeds();
    let client = client(&[("a", a.index_url()), ("b", b.index_url())]);
    let versions = client.list_versions("shared").unwrap();
    assert_eq!(
        strings(&versions),
        ["1.0.0", "1.5.0", "2.0.0", "3.0.0-beta.1"]
    );
    assert_eq!(strings(&client.list_versions("OnlyB").unwrap()), ["0.1.0"]);
    assert!(client.list_versions("Nowhere").unwrap().is_empty());
}

#[test]
fn the_best_version_follows_nuget_over_the_union() {
    let (a, b) = two_feeds();
    let client = client(&[("a", a.index_url()), ("b", b.index_url())]);
    let best = |range: &str| {
        client
            .find_best_version("Shared", &VersionRange::parse(range).unwrap())
            .unwrap()
            .map(|v| v.to_string())
    };
    // A plain range picks the lowest version it allows; a floating one the highest it matches.
    assert_eq!(best("[1.0.0, 2.0.0)").as_deref(), Some("1.0.0"));
    assert_eq!(best("(1.0.0, )").as_deref(), Some("1.5.0"));
    assert_eq!(best("1.*").as_deref(), Some("1.5.0"));
    assert_eq!(best("*").as_deref(), Some("2.0.0"));
    assert_eq!(best("[5.0.0, )"), None);
}

#[test]
fn metadata_and_downloads_come_from_the_first_source_that_has_the_package() {
    let (a, b) = two_feeds();
    let client = client(&[("a", a.index_url()), ("b", b.index_url())]);

    let shared = client.get_version_metadata("Shared", &v("1.0.0")).unwrap();
    assert_eq!(shared.source, "a");
    assert_eq!(shared.value.description.as_deref(), Some("from A"));

    let only_b = client.get_version_metadata("OnlyB", &v("0.1.0")).unwrap();
    assert_eq!(only_b.source, "b");
    let group = &only_b.value.dependency_groups[0];
    assert_eq!(group.target_framework.short_folder_name(), "net8.0");
    assert_eq!(group.dependencies[0].id, "OnlyA");
    assert_eq!(group.dependencies[0].range.to_string(), "[1.0.0, )");

    // 1.5.0 is only in B: A's "not found" falls through.
    let bytes = client.download_to_vec("Shared", &v("1.5.0")).unwrap();
    assert_eq!(bytes.source, "b");
    assert_eq!(
        bytes.value,
        b.package_bytes("Shared", "1.5.0").unwrap().unwrap()
    );
    let from_a = client.download_to_vec("Shared", &v("1.0.0")).unwrap();
    assert_eq!(
        from_a.value,
        a.package_bytes("Shared", "1.0.0").unwrap().unwrap()
    );

    let listed = client
        .get_metadata("Shared", &MetadataOptions::default())
        .unwrap();
    assert_eq!(listed.source, "a");
    assert_eq!(
        strings(
            &listed
                .value
                .iter()
                .map(|m| m.version.clone())
                .collect::<Vec<_>>()
        ),
        ["1.0.0", "2.0.0"]
    );
    let only_b = client
        .get_metadata("OnlyB", &MetadataOptions::default())
        .unwrap();
    assert_eq!(only_b.source, "b");
}

#[test]
fn a_package_no_source_has_is_not_found_naming_it_and_the_sources() {
    let (a, b) = two_feeds();
    let client = client(&[("a", a.index_url()), ("b", b.index_url())]);
    let err = client
        .get_version_metadata("Shared", &v("9.9.9"))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(
        err.message(),
        "Shared 9.9.9 was not found in any source ('a', 'b')"
    );
    let err = client.download_to_vec("Nowhere", &v("1.0.0")).unwrap_err();
    assert!(err.is_not_found(), "{err}");
    let none = client
        .get_metadata("Nowhere", &MetadataOptions::default())
        .unwrap();
    assert!(none.value.is_empty());
}

#[test]
fn a_source_without_the_package_404s_and_the_next_one_answers() {
    let empty = DemoFeed::with_packages(Vec::<DemoPackage>::new()).unwrap();
    let demo = DemoFeed::start().unwrap();
    let client = client(&[("empty", empty.index_url()), ("demo", demo.index_url())]);

    let found = client
        .get_version_metadata("Demo.Core", &v("1.1.0"))
        .unwrap();
    assert_eq!(found.source, "demo");
    assert_eq!(found.value.title.as_deref(), Some("Demo Core"));
    let paths: Vec<String> = empty
        .server()
        .requests()
        .iter()
        .map(|r| r.path().to_string())
        .collect();
    assert!(paths.iter().any(|p| p.contains("demo.core")), "{paths:?}");
    assert_eq!(
        strings(&client.list_versions("Demo.Core").unwrap()),
        ["1.0.0", "1.1.0", "2.0.0-beta.1", "2.0.0"]
    );
}

fn tolerant(sources: &[(&str, String)]) -> Client {
    let options = sources.iter().fold(ClientOptions::new(), |o, (name, url)| {
        o.named_source(name, url)
    });
    Client::new(options.ignore_failed_sources(true)).unwrap()
}

#[test]
fn a_source_url_that_404s_is_a_broken_source_not_a_missing_package() {
    let nothing = LoopbackServer::start(|_| Response::not_found()).unwrap();
    let nothing_url = format!("{}/v3/index.json", nothing.base_url());
    let demo = DemoFeed::start().unwrap();
    let sources = [("nothing", nothing_url.clone()), ("demo", demo.index_url())];
    let client = client(&sources);

    // Every operation fails naming the source and its URL, as NuGet's NU1301 does.
    let check = |err: rnuget::Error| {
        assert_eq!(err.kind(), ErrorKind::Protocol, "{err}");
        assert_eq!(err.status(), Some(404));
        assert_eq!(err.source_name(), Some("nothing"));
        assert_eq!(err.url(), Some(nothing_url.as_str()));
        let expected = format!("unable to load the service index for source {nothing_url}");
        assert!(err.message().contains(&expected), "{err}");
        // The URL is said once.
        assert_eq!(
            err.to_string().matches(nothing_url.as_str()).count(),
            1,
            "{err}"
        );
    };
    check(client.list_versions("Demo.Core").unwrap_err());
    check(
        client
            .get_version_metadata("Demo.Core", &v("2.0.0"))
            .unwrap_err(),
    );
    check(
        client
            .get_metadata("Demo.Core", &MetadataOptions::default())
            .unwrap_err(),
    );
    check(
        client
            .download_to_vec("Demo.Core", &v("2.0.0"))
            .unwrap_err(),
    );
    let answers = client.search(&SearchQuery::default());
    check(answers[0].result.clone().unwrap_err());

    // Ignored, the next source answers.
    let tolerant = tolerant(&sources);
    let found = tolerant
        .get_version_metadata("Demo.Core", &v("2.0.0"))
        .unwrap();
    assert_eq!(found.source, "demo");
    assert_eq!(tolerant.list_versions("Demo.Core").unwrap().len(), 4);
}

#[test]
fn a_failing_source_fails_the_call_unless_failed_sources_are_ignored() {
    let broken = failing_server();
    let broken_url = format!("{}/v3/index.json", broken.base_url());
    let demo = DemoFeed::start().unwrap();
    let sources = [("broken", broken_url.clone()), ("demo", demo.index_url())];
    let client = client(&sources);

    // NuGet's rule for restore: the package might have been in the failed source.
    let check = |err: rnuget::Error| {
        assert_eq!(err.kind(), ErrorKind::HttpStatus, "{err}");
        assert_eq!(err.status(), Some(500));
        assert_eq!(err.source_name(), Some("broken"));
        assert_eq!(err.url(), Some(broken_url.as_str()));
        assert!(!err.message().contains("not found"), "{err}");
    };
    check(
        client
            .get_version_metadata("Demo.Json", &v("1.0.1"))
            .unwrap_err(),
    );
    check(
        client
            .get_metadata("Demo.Json", &MetadataOptions::default())
            .unwrap_err(),
    );
    check(
        client
            .download_to_vec("Demo.Json", &v("1.0.1"))
            .unwrap_err(),
    );
    let path = temp_dir("failing-source").join("demo.json.nupkg");
    check(
        client
            .download_to_file("Demo.Json", &v("1.0.1"), &path)
            .unwrap_err(),
    );
    assert!(!path.exists());
    check(client.list_versions("Demo.Json").unwrap_err());

    // Search keeps every source's own answer.
    let answers = client.search(&SearchQuery {
        query: "json".into(),
        ..SearchQuery::default()
    });
    assert_eq!(answers.len(), 2);
    assert_eq!(answers[0].source, "broken");
    assert_eq!(answers[0].result.as_ref().unwrap_err().status(), Some(500));
    assert_eq!(answers[1].source, "demo");
    assert_eq!(
        answers[1].result.as_ref().unwrap().results[0].id,
        "Demo.Json"
    );

    // With failed sources ignored, the others answer.
    let tolerant = tolerant(&sources);
    assert_eq!(
        strings(&tolerant.list_versions("Demo.Json").unwrap()),
        ["0.9.0", "1.0.0", "1.0.1"]
    );
    let found = tolerant
        .get_version_metadata("Demo.Json", &v("1.0.1"))
        .unwrap();
    assert_eq!(found.source, "demo");
    let bytes = tolerant.download_to_vec("Demo.Json", &v("1.0.1")).unwrap();
    assert_eq!(
        bytes.value,
        demo.package_bytes("Demo.Json", "1.0.1").unwrap().unwrap()
    );
}

#[test]
fn when_only_failing_sources_remain_the_failure_is_reported() {
    let broken = failing_server();
    let broken_url = format!("{}/v3/index.json", broken.base_url());
    let empty = DemoFeed::with_packages(Vec::<DemoPackage>::new()).unwrap();
    let sources = [("empty", empty.index_url()), ("broken", broken_url.clone())];
    let err = client(&sources)
        .get_version_metadata("Demo.Core", &v("1.0.0"))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::HttpStatus, "{err}");
    assert_eq!(err.status(), Some(500));
    assert_eq!(err.source_name(), Some("broken"));
    assert!(err.message().starts_with("Demo.Core 1.0.0: "), "{err}");

    // Ignored: not found where it was looked for, and the failed source is named.
    let err = tolerant(&sources)
        .get_version_metadata("Demo.Core", &v("1.0.0"))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    assert_eq!(
        err.message(),
        "Demo.Core 1.0.0 was not found in any source ('empty'); failed sources ignored: 'broken'"
    );

    // Only failing sources: the failure, plainly, ignored or not.
    let only_broken = tolerant(&[("broken", broken_url.clone())]);
    assert_eq!(
        only_broken.list_versions("x").unwrap_err().status(),
        Some(500)
    );
    let err = only_broken
        .download_to_vec("Demo.Core", &v("1.0.0"))
        .unwrap_err();
    assert_eq!(err.status(), Some(500), "{err}");
    assert!(!err.message().contains("not found"), "{err}");
}

/// A server in front of `feed`: `answer` may answer a request itself; everything else is
/// fetched from the feed, with the feed's URLs in the body rewritten to the proxy's own
/// (`rewrite` then edits the body further).
fn proxy(
    feed: &DemoFeed,
    answer: impl Fn(&rnuget::demo::server::Request) -> Option<Response> + Send + Sync + 'static,
    rewrite: impl Fn(String, &str) -> String + Send + Sync + 'static,
) -> LoopbackServer {
    let feed_base = feed.base_url();
    let http = rnuget::http::HttpClient::new(rnuget::http::HttpOptions::default()).unwrap();
    LoopbackServer::start(move |request| {
        if let Some(response) = answer(request) {
            return response;
        }
        let own_base = format!("http://{}", request.header("host").unwrap_or_default());
        match http.get_bytes(&format!("{feed_base}{}", request.target)) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => {
                    let text = text.replace(&feed_base, &own_base);
                    Response::new(200, rewrite(text, &own_base))
                }
                Err(bytes) => Response::new(200, bytes.into_bytes()),
            },
            Err(err) => Response::new(err.status().unwrap_or(502), err.to_string()),
        }
    })
    .unwrap()
}

#[test]
fn a_failing_version_list_says_what_was_asked_once() {
    let demo = DemoFeed::start().unwrap();
    let server = proxy(
        &demo,
        |request| {
            let flat = request.path().contains("/flatcontainer/");
            flat.then(|| Response::new(500, "boom"))
        },
        |text, _| text,
    );
    let client = Client::for_sources(&[format!("{}/v3/index.json", server.base_url())]).unwrap();
    let err = client.list_versions("Demo.Core").unwrap_err();
    assert_eq!(
        (err.kind(), err.status()),
        (ErrorKind::HttpStatus, Some(500))
    );
    assert_eq!(
        err.to_string().matches("versions of Demo.Core").count(),
        1,
        "{err}"
    );
}

#[test]
fn a_package_that_is_not_the_one_asked_for_is_refused_and_not_kept() {
    let demo = DemoFeed::start().unwrap();
    let wrong = demo.package_bytes("Demo.Core", "1.0.0").unwrap().unwrap();
    let asked_path = demo.package_url("Demo.Core", "1.1.0").unwrap();
    let asked_path = asked_path.trim_start_matches(&demo.base_url()).to_string();
    let server = proxy(
        &demo,
        move |request| (request.path() == asked_path).then(|| Response::new(200, wrong.clone())),
        |text, _| text,
    );
    let client = Client::for_sources(&[format!("{}/v3/index.json", server.base_url())]).unwrap();
    let url = demo
        .package_url("Demo.Core", "1.1.0")
        .unwrap()
        .replace(&demo.base_url(), &server.base_url());
    let check = |err: rnuget::Error| {
        assert_eq!(err.kind(), ErrorKind::InvalidPackage, "{err}");
        assert_eq!(err.url(), Some(url.as_str()), "{err}");
        let said = format!("the package at {url} is Demo.Core 1.0.0, not the Demo.Core 1.1.0");
        assert!(err.message().contains(&said), "{err}");
    };
    let dir = temp_dir("identity");
    let path = dir.join("demo.core.1.1.0.nupkg");
    check(
        client
            .download_to_file("Demo.Core", &v("1.1.0"), &path)
            .unwrap_err(),
    );
    assert!(!path.exists());
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "a temporary file was left"
    );
    check(
        client
            .download_to_vec("Demo.Core", &v("1.1.0"))
            .unwrap_err(),
    );
    // Ids compare ignoring case, versions as NuGet versions.
    let found = client.download_to_vec("demo.CORE", &v("1.0")).unwrap();
    assert_eq!(
        found.value,
        demo.package_bytes("Demo.Core", "1.0.0").unwrap().unwrap()
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_flat_container_404_falls_back_to_the_registrations_package_content() {
    // nuget-server matches prerelease labels case-sensitively: the lower-cased flat-container
    // URL misses, the registration's packageContent URL has the package.
    let demo = DemoFeed::with_packages([DemoPackage::new("Case.Pkg", "1.0.0-Beta")]).unwrap();
    let bytes = demo
        .package_bytes("Case.Pkg", "1.0.0-Beta")
        .unwrap()
        .unwrap();
    let flat = demo.package_url("Case.Pkg", "1.0.0-Beta").unwrap();
    let flat_path = flat.trim_start_matches(&demo.base_url()).to_string();
    let content_path = "/packages/Case.Pkg/1.0.0-Beta".to_string();
    let (missing, served) = (flat_path.clone(), content_path.clone());
    let server = proxy(
        &demo,
        move |request| match request.path() {
            path if path == missing => Some(Response::not_found()),
            path if path == served => Some(Response::new(200, bytes.clone())),
            _ => None,
        },
        move |text, own_base| {
            let flat_here = format!("{own_base}{flat_path}");
            text.replace(&flat_here, &format!("{own_base}{content_path}"))
        },
    );
    let client = Client::for_sources(&[format!("{}/v3/index.json", server.base_url())]).unwrap();
    let expected = demo
        .package_bytes("Case.Pkg", "1.0.0-Beta")
        .unwrap()
        .unwrap();
    let found = client
        .download_to_vec("Case.Pkg", &v("1.0.0-Beta"))
        .unwrap();
    assert_eq!(found.value, expected);

    let dir = temp_dir("package-content");
    let path = dir.join("case.pkg.nupkg");
    let found = client
        .download_to_file("Case.Pkg", &v("1.0.0-Beta"), &path)
        .unwrap();
    assert_eq!(
        found.value.url,
        format!("{}/packages/Case.Pkg/1.0.0-Beta", server.base_url())
    );
    assert_eq!(std::fs::read(&path).unwrap(), expected);
    std::fs::remove_dir_all(&dir).unwrap();

    // A version neither URL has is still "not found".
    let err = client.download_to_vec("Case.Pkg", &v("9.0.0")).unwrap_err();
    assert!(err.is_not_found(), "{err}");
}

#[test]
fn downloads_are_valid_packages_with_their_sha512() {
    let demo = DemoFeed::start().unwrap();
    let client = Client::for_sources(&[demo.index_url()]).unwrap();
    let expected = demo.package_bytes("Demo.Http", "3.1.0").unwrap().unwrap();

    let dir = temp_dir("download");
    let path = dir.join("demo.http.3.1.0.nupkg");
    let found = client
        .download_to_file("Demo.Http", &v("3.1.0"), &path)
        .unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), expected);
    assert_eq!(found.value.bytes, expected.len() as u64);
    assert_eq!(found.value.sha512, sha512_base64(&expected));
    assert_eq!(
        found.value.url,
        demo.package_url("Demo.Http", "3.1.0").unwrap()
    );
    let package = rnuget::package::PackageReader::open(&path).unwrap();
    assert_eq!(package.nuspec().id, "Demo.Http");
    assert_eq!(package.nuspec().version.to_string(), "3.1.0");

    // A version the feed does not have leaves no file behind.
    let missing = dir.join("missing.nupkg");
    let err = client
        .download_to_file("Demo.Http", &v("9.0.0"), &missing)
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert!(!missing.exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn unlisted_versions_are_listed_by_version_lists_and_hidden_from_metadata() {
    let demo = DemoFeed::start().unwrap();
    let client = Client::for_sources(&[demo.index_url()]).unwrap();
    assert_eq!(
        strings(&client.list_versions("Demo.Json").unwrap()),
        ["0.9.0", "1.0.0", "1.0.1"]
    );
    let versions_of = |options: MetadataOptions| {
        let found = client.get_metadata("Demo.Json", &options).unwrap();
        found
            .value
            .iter()
            .map(|m| (m.version.to_string(), m.listed))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        versions_of(MetadataOptions::default()),
        [("1.0.0".to_string(), true), ("1.0.1".to_string(), true)]
    );
    let all = versions_of(MetadataOptions {
        include_prerelease: false,
        include_unlisted: true,
    });
    assert_eq!(all[0], ("0.9.0".to_string(), false));
    assert_eq!(all.len(), 3);

    let unlisted = client
        .get_version_metadata("Demo.Json", &v("0.9.0"))
        .unwrap();
    assert!(!unlisted.value.listed);
    let bytes = client.download_to_vec("Demo.Json", &v("0.9.0")).unwrap();
    assert_eq!(
        bytes.value,
        demo.package_bytes("Demo.Json", "0.9.0").unwrap().unwrap()
    );
}

#[test]
fn search_answers_per_source_in_source_order() {
    let (a, b) = two_feeds();
    let client = client(&[("a", a.index_url()), ("b", b.index_url())]);
    let answers = client.search(&SearchQuery {
        query: "only".into(),
        ..SearchQuery::default()
    });
    let ids: Vec<(String, Vec<String>)> = answers
        .iter()
        .map(|answer| {
            let results = answer.result.as_ref().unwrap();
            (
                answer.source.clone(),
                results.results.iter().map(|r| r.id.clone()).collect(),
            )
        })
        .collect();
    assert_eq!(
        ids,
        [
            ("a".to_string(), vec!["OnlyA".to_string()]),
            ("b".to_string(), vec!["OnlyB".to_string()])
        ]
    );
    let shared = client.search(&SearchQuery {
        query: "shared".into(),
        ..SearchQuery::default()
    });
    let latest: Vec<String> = shared
        .iter()
        .map(|a| a.result.as_ref().unwrap().results[0].version.to_string())
        .collect();
    assert_eq!(latest, ["2.0.0", "3.0.0-beta.1"]);
}

#[test]
fn autocomplete_answers_per_source_in_source_order() {
    let (a, b) = two_feeds();
    let failing = failing_server();
    let broken = format!("{}/v3/index.json", failing.base_url());
    let client = client(&[("a", a.index_url()), ("b", b.index_url()), ("x", broken)]);
    let ids = client.autocomplete_ids("only", 0, 20, true);
    let sources: Vec<&str> = ids.iter().map(|answer| answer.source.as_str()).collect();
    assert_eq!(sources, ["a", "b", "x"]);
    assert_eq!(ids[0].result.as_ref().unwrap(), &["OnlyA"]);
    assert_eq!(ids[1].result.as_ref().unwrap(), &["OnlyB"]);
    assert_eq!(ids[2].result.as_ref().unwrap_err().status(), Some(500));

    let versions = client.autocomplete_versions("shared", true);
    let listed = |i: usize| strings(versions[i].result.as_ref().unwrap());
    assert_eq!(listed(0), ["1.0.0", "2.0.0"]);
    assert_eq!(listed(1), ["1.0.0", "1.5.0", "3.0.0-beta.1"]);
    assert!(versions[2].result.is_err());
    let stable = client.autocomplete_versions("Shared", false);
    assert_eq!(
        strings(stable[1].result.as_ref().unwrap()),
        ["1.0.0", "1.5.0"]
    );
    let unknown = client.autocomplete_versions("Nowhere", true);
    assert!(unknown[0].result.as_ref().unwrap().is_empty());
}

/// Two feeds whose search answers only once both searches have arrived (or after 10 s with
/// 503): the client passes only if it asks them at the same time.
#[test]
fn sources_are_searched_concurrently() {
    let gate = Arc::new((Mutex::new(0usize), Condvar::new()));
    let gated_feed = |gate: Arc<(Mutex<usize>, Condvar)>| {
        let base = Arc::new(Mutex::new(String::new()));
        let base_in_handler = Arc::clone(&base);
        let server = LoopbackServer::start(move |request| {
            let base = base_in_handler.lock().unwrap().clone();
            if request.path() == "/index.json" {
                let index = format!(
                    r#"{{"version":"3.0.0","resources":[{{"@id":"{base}/query","@type":"SearchQueryService/3.5.0"}}]}}"#
                );
                return Response::json(index);
            }
            let (arrived, all_here) = &*gate;
            let mut count = arrived.lock().unwrap();
            *count += 1;
            all_here.notify_all();
            let (count, wait) = all_here
                .wait_timeout_while(count, Duration::from_secs(10), |c| *c < 2)
                .unwrap();
            drop(count);
            if wait.timed_out() {
                Response::new(503, "the other search never came")
            } else {
                Response::json(r#"{"totalHits":0,"data":[]}"#)
            }
        })
        .unwrap();
        *base.lock().unwrap() = server.base_url();
        server
    };
    let one = gated_feed(Arc::clone(&gate));
    let two = gated_feed(Arc::clone(&gate));
    let client = client(&[
        ("one", format!("{}/index.json", one.base_url())),
        ("two", format!("{}/index.json", two.base_url())),
    ]);
    for answer in client.search(&SearchQuery::default()) {
        assert_eq!(answer.result.unwrap().total_hits, 0, "{}", answer.source);
    }
}

#[test]
fn every_request_of_a_client_carries_its_session_id_and_user_agent() {
    let (a, b) = two_feeds();
    let client = client(&[("a", a.index_url()), ("b", b.index_url())]);
    client.list_versions("Shared").unwrap();
    client.get_version_metadata("OnlyB", &v("0.1.0")).unwrap();
    let requests: Vec<_> = a
        .server()
        .requests()
        .into_iter()
        .chain(b.server().requests())
        .collect();
    assert!(requests.len() >= 4);
    for request in &requests {
        assert_eq!(
            request.header("X-NuGet-Session-Id"),
            Some(client.session_id())
        );
        let agent = request.header("User-Agent").unwrap_or("");
        assert!(agent.starts_with("rnuget/"), "{agent}");
    }
    let other = Client::for_sources(&[a.index_url()]).unwrap();
    assert_ne!(other.session_id(), client.session_id());
}

#[test]
fn bad_configuration_is_an_error_before_anything_is_sent() {
    let err = Client::new(ClientOptions::new()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    let err = Client::for_sources(&["http://127.0.0.1:9/api/v2"])
        .unwrap()
        .list_versions("x")
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert_eq!(err.url(), Some("http://127.0.0.1:9/api/v2"));
    let err = Client::new(
        ClientOptions::new()
            .named_source("x", "http://127.0.0.1:9/a.json")
            .named_source("X", "http://127.0.0.1:9/b.json"),
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("two package sources are named 'X'"),
        "{err}"
    );
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rnuget-it-client-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs the binary with an HTTP cache of its own (`NUGET_HTTP_CACHE_PATH`, removed
/// afterwards): a run never reads or fills the user's NuGet cache.
fn rnuget(args: &[&str]) -> (i32, String, String) {
    static RUNS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let run = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let cache = temp_dir(&format!("http-cache-{run}"));
    let output = Command::new(env!("CARGO_BIN_EXE_rnuget"))
        .args(args)
        .env("NUGET_HTTP_CACHE_PATH", &cache)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&cache);
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}
