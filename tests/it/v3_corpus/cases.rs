//! Cases users have hit with other clients, each against a small loopback feed built here.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use rnuget::ErrorKind;
use rnuget::cache::{Cache, CacheOptions};
use rnuget::demo::packages::DemoPackage;
use rnuget::demo::server::{LoopbackServer, Response};
use rnuget::framework::NuGetFramework;
use rnuget::http::{HttpClient, HttpOptions};
use rnuget::protocol::MetadataOptions;
use rnuget::protocol::v3::{PAGE_FETCH_THREADS, V3Provider, sha512_base64};
use rnuget::version::{NuGetVersion, VersionRange};
use serde_json::{Value, json};

use crate::support::captures::CaptureFeed;

pub(super) fn v(text: &str) -> NuGetVersion {
    NuGetVersion::parse(text).unwrap()
}

pub(super) fn versions(items: &[std::sync::Arc<rnuget::protocol::PackageMetadata>]) -> Vec<String> {
    items
        .iter()
        .map(|m| m.version.to_normalized_string())
        .collect()
}

/// A registration leaf for `id` `version` with more catalog entry fields from `extra`.
pub(super) fn leaf(id: &str, version: &str, extra: Value) -> Value {
    let mut entry = json!({"id": id, "version": version});
    if let (Some(entry), Some(extra)) = (entry.as_object_mut(), extra.as_object()) {
        entry.extend(extra.clone());
    }
    json!({"catalogEntry": entry})
}

/// A registration index with one inline page holding `leaves`.
pub(super) fn inline_index(leaves: Vec<Value>) -> String {
    json!({"count": 1, "items": [{"@id": "page", "lower": "0.0.0", "upper": "99.0.0", "items": leaves}]})
        .to_string()
}

pub(super) fn registration_feed() -> (CaptureFeed, V3Provider) {
    let feed = CaptureFeed::start();
    feed.serve_service_index(&[
        ("RegistrationsBaseUrl/3.6.0", "/reg/"),
        ("PackageBaseAddress/3.0.0", "/flat/"),
    ]);
    let provider = feed.provider();
    (feed, provider)
}

pub(super) const ALL: MetadataOptions = MetadataOptions {
    include_prerelease: true,
    include_unlisted: true,
};

#[test]
fn registration_pages_are_fetched_at_their_id_exactly() {
    let (feed, provider) = registration_feed();
    let base = feed.base_url();
    // Neither URL could be rebuilt from the page bounds or the id.
    let odd = format!("{base}/Elsewhere/Odd%20Name/PAGE-One.JSON?token=abc");
    let other = format!("{base}/another/place/p2");
    let index = json!({"items": [
        {"@id": odd, "lower": "1.0.0", "upper": "2.0.0"},
        {"@id": other, "lower": "2.1.0", "upper": "3.0.0"},
    ]});
    feed.serve("/reg/odd.pages/index.json", index.to_string());
    let page = |versions: &[&str]| {
        let leaves: Vec<Value> = versions
            .iter()
            .map(|v| leaf("Odd.Pages", v, json!({})))
            .collect();
        json!({"items": leaves}).to_string()
    };
    feed.serve(&odd, page(&["1.0.0", "2.0.0"]));
    feed.serve(&other, page(&["2.1.0", "3.0.0"]));

    let got = provider.get_metadata("Odd.Pages", &ALL).unwrap();
    assert_eq!(versions(&got), ["1.0.0", "2.0.0", "2.1.0", "3.0.0"]);
    let mut requested = feed.requested();
    requested.sort();
    assert_eq!(
        requested,
        [
            "/Elsewhere/Odd%20Name/PAGE-One.JSON?token=abc",
            "/another/place/p2",
            "/index.json",
            "/reg/odd.pages/index.json",
        ]
    );

    // Only the page whose bounds hold the version asked for is fetched.
    feed.server.clear_requests();
    let one = provider
        .get_version_metadata("Odd.Pages", &v("2.1.0"))
        .unwrap();
    assert_eq!(one.version, v("2.1.0"));
    assert_eq!(
        feed.requested(),
        ["/reg/odd.pages/index.json", "/another/place/p2"]
    );
}

#[test]
fn remote_pages_are_fetched_concurrently_on_bounded_threads() {
    let in_flight = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let (now, peak) = (Arc::clone(&in_flight), Arc::clone(&most));
    let server = LoopbackServer::start(move |req| {
        let path = req.path().to_string();
        if path == "/index.json" {
            let base = req.header("Host").unwrap_or("");
            return Response::json(
                json!({"version": "3.0.0", "resources": [
                    {"@id": format!("http://{base}/reg/"), "@type": "RegistrationsBaseUrl/3.6.0"}
                ]})
                .to_string(),
            );
        }
        if path == "/reg/many/index.json" {
            let base = req.header("Host").unwrap_or("");
            let pages: Vec<Value> = (0..10)
                .map(|i| json!({"@id": format!("http://{base}/pages/{i}"), "lower": format!("{i}.0.0"), "upper": format!("{i}.0.0")}))
                .collect();
            return Response::json(json!({"items": pages}).to_string());
        }
        let Some(page) = path.strip_prefix("/pages/") else {
            return Response::not_found();
        };
        let current = now.fetch_add(1, Ordering::SeqCst) + 1;
        peak.fetch_max(current, Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(100));
        now.fetch_sub(1, Ordering::SeqCst);
        let leaves = vec![leaf("Many", &format!("{page}.0.0"), json!({}))];
        Response::json(json!({"items": leaves}).to_string())
    })
    .unwrap();
    let http = Arc::new(HttpClient::new(HttpOptions::default()).unwrap());
    let provider = V3Provider::new(&format!("{}/index.json", server.base_url()), http);
    let got = provider.get_metadata("Many", &ALL).unwrap();
    let want: Vec<String> = (0..10).map(|i| format!("{i}.0.0")).collect();
    assert_eq!(versions(&got), want, "results keep version order");
    let peak = most.load(Ordering::SeqCst);
    assert!(peak >= 2, "pages were fetched one at a time");
    assert!(peak <= PAGE_FETCH_THREADS, "{peak} pages in flight at once");
}

#[test]
fn ids_and_versions_are_lower_cased_only_in_urls_rnuget_builds() {
    let feed = CaptureFeed::start();
    feed.serve_service_index(&[
        ("RegistrationsBaseUrl/3.6.0", "/Reg/Hive/"),
        ("PackageBaseAddress/3.0.0", "/Flat/Container/"),
    ]);
    let base = feed.base_url();
    let page_url = format!("{base}/Reg/Hive/My.Package/Page/1.0.0-Beta.json");
    let content = format!("{base}/Cdn/My.Package.1.0.0-Beta.nupkg");
    let index = json!({"items": [{"@id": page_url, "lower": "1.0.0-Beta", "upper": "1.0.0-Beta"}]});
    feed.serve("/Reg/Hive/my.package/index.json", index.to_string());
    let leaves = vec![
        json!({"catalogEntry": {"id": "My.Package", "version": "1.0.0.0-Beta"}, "packageContent": content}),
    ];
    feed.serve(&page_url, json!({"items": leaves}).to_string());
    feed.serve(
        "/Flat/Container/my.package/index.json",
        r#"{"versions":["1.0.0.0-Beta"]}"#,
    );
    let provider = feed.provider();

    assert_eq!(
        provider.list_versions("My.Package").unwrap(),
        [v("1.0.0-Beta")]
    );
    let got = provider.get_metadata("My.Package", &ALL).unwrap();
    assert_eq!(
        got[0].package_content_url.as_deref(),
        Some(content.as_str())
    );
    assert_eq!(
        feed.requested()[1..],
        [
            "/Flat/Container/my.package/index.json",
            "/Reg/Hive/my.package/index.json",
            "/Reg/Hive/My.Package/Page/1.0.0-Beta.json",
        ]
    );
    assert_eq!(
        provider
            .package_url("My.Package", &v("1.0.0.0-Beta"))
            .unwrap(),
        format!("{base}/Flat/Container/my.package/1.0.0-beta/my.package.1.0.0-beta.nupkg")
    );
    assert_eq!(
        provider.registration_url("My.Package").unwrap(),
        format!("{base}/Reg/Hive/my.package/index.json")
    );
}

#[test]
fn unlisted_versions_are_left_out_unless_asked_for() {
    let (feed, provider) = registration_feed();
    let leaves = vec![
        leaf("Mixed", "1.0.0", json!({})),
        leaf("Mixed", "1.1.0", json!({"listed": false})),
        leaf("Mixed", "2.0.0-beta", json!({"listed": true})),
    ];
    feed.serve("/reg/mixed/index.json", inline_index(leaves));
    let with = |include_prerelease, include_unlisted| {
        let options = MetadataOptions {
            include_prerelease,
            include_unlisted,
        };
        versions(&provider.get_metadata("Mixed", &options).unwrap())
    };
    assert_eq!(with(false, false), ["1.0.0"]);
    assert_eq!(with(false, true), ["1.0.0", "1.1.0"]);
    assert_eq!(with(true, false), ["1.0.0", "2.0.0-beta"]);
    assert_eq!(with(true, true), ["1.0.0", "1.1.0", "2.0.0-beta"]);
    // Asked for by version, an unlisted one is still found (and says so).
    let unlisted = provider.get_version_metadata("Mixed", &v("1.1.0")).unwrap();
    assert!(!unlisted.listed);
}

#[test]
fn empty_or_missing_dependency_ranges_mean_any_version() {
    let (feed, provider) = registration_feed();
    let groups = json!({"dependencyGroups": [
        {"dependencies": [
            {"id": "Missing"},
            {"id": "Empty", "range": ""},
            {"id": "Null", "range": null},
            {"id": "Bounded", "range": "[1.0, 2.0)"},
        ]},
        {"targetFramework": ".NETStandard2.0"},
    ]});
    feed.serve(
        "/reg/deps/index.json",
        inline_index(vec![leaf("Deps", "1.0.0", groups)]),
    );
    let got = provider.get_metadata("Deps", &ALL).unwrap();
    let groups = &got[0].dependency_groups;
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0].target_framework, NuGetFramework::any());
    let ranges: Vec<(&str, &VersionRange)> = groups[0]
        .dependencies
        .iter()
        .map(|d| (d.id.as_str(), &d.range))
        .collect();
    let any = VersionRange::all();
    assert_eq!(
        ranges[..3],
        [("Missing", &any), ("Empty", &any), ("Null", &any)]
    );
    assert_eq!(ranges[3].1.to_normalized_string(), "[1.0.0, 2.0.0)");
    assert!(ranges[0].1.satisfies(&v("0.0.1-alpha")));
    assert_eq!(
        groups[1].target_framework.short_folder_name(),
        "netstandard2.0"
    );
    assert!(groups[1].dependencies.is_empty());
}

#[test]
fn responses_starting_with_a_byte_order_mark_parse() {
    let feed = CaptureFeed::start();
    let bom = |text: String| [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
    let base = feed.base_url();
    let index = json!({"version": "3.0.0", "resources": [
        {"@id": format!("{base}/reg/"), "@type": "RegistrationsBaseUrl/3.6.0"},
        {"@id": format!("{base}/flat/"), "@type": "PackageBaseAddress/3.0.0"},
        {"@id": format!("{base}/query"), "@type": "SearchQueryService"},
    ]});
    feed.serve("/index.json", bom(index.to_string()));
    feed.serve(
        "/reg/bom/index.json",
        bom(inline_index(vec![leaf("Bom", "1.0.0", json!({}))])),
    );
    feed.serve(
        "/flat/bom/index.json",
        bom(r#"{"versions":["1.0.0"]}"#.to_string()),
    );
    let search = json!({"totalHits": 1, "data": [{"id": "Bom", "version": "1.0.0"}]});
    feed.serve("/query", bom(search.to_string()));
    let provider = feed.provider();
    assert_eq!(provider.list_versions("Bom").unwrap(), [v("1.0.0")]);
    assert_eq!(
        versions(&provider.get_metadata("Bom", &ALL).unwrap()),
        ["1.0.0"]
    );
    let results = provider.search(&Default::default()).unwrap();
    assert_eq!(
        (results.total_hits, results.results[0].id.as_str()),
        (1, "Bom")
    );
}

#[test]
fn not_found_is_a_result_the_caller_can_tell_from_a_failure() {
    let (feed, provider) = registration_feed();
    assert!(provider.get_metadata("Nobody", &ALL).unwrap().is_empty());
    assert!(provider.list_versions("Nobody").unwrap().is_empty());
    let err = provider
        .get_version_metadata("Nobody", &v("1.0.0"))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(err.message().contains("Nobody 1.0.0"), "{err}");

    feed.serve_response("/reg/broken/index.json", Response::new(500, "oops"));
    let err = provider.get_metadata("Broken", &ALL).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::HttpStatus);
    assert_eq!(err.status(), Some(500));
    assert_eq!(
        err.url(),
        Some(format!("{}/reg/broken/index.json", feed.base_url()).as_str())
    );
    assert_eq!(err.source_name(), Some(provider.source_url()));
    assert!(err.to_string().contains("Broken"), "{err}");
}

#[test]
fn responses_over_the_size_cap_are_too_large() {
    let (feed, _) = registration_feed();
    let leaves: Vec<Value> = (0..100)
        .map(|i| leaf("Big", &format!("1.0.{i}"), json!({})))
        .collect();
    feed.serve("/reg/big/index.json", inline_index(leaves));
    let options = HttpOptions {
        max_response_bytes: 2_000,
        ..HttpOptions::default()
    };
    let http = Arc::new(HttpClient::new(options).unwrap());
    let provider = V3Provider::new(&format!("{}/index.json", feed.base_url()), http);
    let err = provider.get_metadata("Big", &ALL).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TooLarge);
    assert_eq!(
        err.url(),
        Some(format!("{}/reg/big/index.json", feed.base_url()).as_str())
    );
}

#[test]
fn source_credentials_are_not_sent_to_another_origin() {
    // The flat container lives on another port of the same host: another origin.
    let other = CaptureFeed::start();
    other.serve("/flat/secret/index.json", r#"{"versions":["1.0.0"]}"#);
    let home = CaptureFeed::start();
    let index = json!({"version": "3.0.0", "resources": [
        {"@id": format!("{}/reg/", home.base_url()), "@type": "RegistrationsBaseUrl/3.6.0"},
        {"@id": format!("{}/flat/", other.base_url()), "@type": "PackageBaseAddress/3.0.0"},
    ]});
    home.serve("/index.json", index.to_string());
    home.serve(
        "/reg/secret/index.json",
        inline_index(vec![leaf("Secret", "1.0.0", json!({}))]),
    );
    let port = home.server.addr().port();
    let http = Arc::new(HttpClient::new(HttpOptions::default()).unwrap());
    let provider = V3Provider::new(&format!("http://me:pa55@127.0.0.1:{port}/index.json"), http);
    assert!(!format!("{provider:?}").contains("pa55"));
    assert_eq!(
        provider.source_url(),
        format!("http://127.0.0.1:{port}/index.json")
    );

    assert_eq!(provider.list_versions("Secret").unwrap(), [v("1.0.0")]);
    assert_eq!(provider.get_metadata("Secret", &ALL).unwrap().len(), 1);
    for request in home.server.requests() {
        assert_eq!(
            request.header("Authorization"),
            Some("Basic bWU6cGE1NQ=="),
            "{}",
            request.target
        );
    }
    let foreign = other.server.requests();
    assert_eq!(foreign.len(), 1);
    assert_eq!(
        foreign[0].header("Authorization"),
        None,
        "credentials crossed origins"
    );
}

#[test]
fn every_request_names_rnuget_and_the_session() {
    let (feed, _) = registration_feed();
    feed.serve(
        "/reg/a/index.json",
        inline_index(vec![leaf("A", "1.0.0", json!({}))]),
    );
    let http = Arc::new(HttpClient::new(HttpOptions::default()).unwrap());
    let provider = V3Provider::new(
        &format!("{}/index.json", feed.base_url()),
        Arc::clone(&http),
    );
    provider.get_metadata("A", &ALL).unwrap();
    provider.list_versions("A").unwrap();
    let requests = feed.server.requests();
    assert_eq!(requests.len(), 3);
    for request in requests {
        let agent = request.header("User-Agent").unwrap_or("");
        assert!(
            agent.starts_with(&format!("rnuget/{}", env!("CARGO_PKG_VERSION"))),
            "{agent}"
        );
        assert_eq!(
            request.header("X-NuGet-Session-Id"),
            Some(http.session_id())
        );
    }
}

#[test]
fn the_service_index_is_fetched_once_under_concurrent_first_use() {
    let (feed, provider) = registration_feed();
    feed.serve("/flat/x/index.json", r#"{"versions":["1.0.0","2.0.0"]}"#);
    std::thread::scope(|scope| {
        for _ in 0..8 {
            scope.spawn(|| assert_eq!(provider.list_versions("X").unwrap().len(), 2));
        }
    });
    let index_requests = feed
        .requested()
        .iter()
        .filter(|t| *t == "/index.json")
        .count();
    assert_eq!(index_requests, 1);
}

#[test]
fn downloads_are_hashed_validated_and_renamed_into_place() {
    let package = DemoPackage::new("Whole.Package", "1.2.0").to_nupkg();
    let (feed, provider) = registration_feed();
    feed.serve_response(
        "/flat/whole.package/1.2.0/whole.package.1.2.0.nupkg",
        Response::new(200, package.clone()),
    );
    let dir = tempdir("whole");
    let path = dir.join("Whole.Package.1.2.0.nupkg");
    let info = provider
        .download_to_file("Whole.Package", &v("1.2.0"), &path)
        .unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), package);
    assert_eq!(info.bytes, package.len() as u64);
    assert_eq!(info.sha512, sha512_base64(&package));
    assert_eq!(leftovers(&dir), ["Whole.Package.1.2.0.nupkg"]);
    assert_eq!(
        provider
            .download_to_vec("Whole.Package", &v("1.2.0"))
            .unwrap(),
        package
    );
}

#[test]
fn a_truncated_package_is_an_error_naming_it_and_leaves_nothing() {
    let package = DemoPackage::new("Cut.Package", "1.0.0").to_nupkg();
    // Cut off before the central directory at the end of the zip.
    let cut = package[..package.len() * 2 / 3].to_vec();
    let (feed, provider) = registration_feed();
    feed.serve_response(
        "/flat/cut.package/1.0.0/cut.package.1.0.0.nupkg",
        Response::new(200, cut),
    );
    let dir = tempdir("cut");
    let path = dir.join("cut.nupkg");
    let err = provider
        .download_to_file("Cut.Package", &v("1.0.0"), &path)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidPackage, "{err}");
    assert!(err.to_string().contains("Cut.Package 1.0.0"), "{err}");
    assert!(!path.exists());
    assert!(leftovers(&dir).is_empty(), "{:?}", leftovers(&dir));
    let err = provider
        .download_to_vec("Cut.Package", &v("1.0.0"))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidPackage, "{err}");

    let err = provider
        .download_to_file("Absent", &v("1.0.0"), &path)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    assert!(!path.exists() && leftovers(&dir).is_empty());
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("rnuget-v3-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn leftovers(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_page_at_a_url_that_cannot_be_fetched_is_a_protocol_error() {
    let (feed, provider) = registration_feed();
    let index =
        json!({"items": [{"@id": "file:///etc/passwd", "lower": "1.0.0", "upper": "1.0.0"}]});
    feed.serve("/reg/local/index.json", index.to_string());
    let err = provider.get_metadata("Local", &ALL).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Protocol, "{err}");
    assert_eq!(err.url(), Some("file:///etc/passwd"));
    assert!(err.message().contains("not http:// or https://"), "{err}");

    // A URL the HTTP layer cannot send (a port past 65535) is the feed's fault too, not an
    // invalid argument of the caller's.
    let base = feed.base_url();
    let bad_port = base.rsplit_once(':').unwrap().0.to_string() + ":99999/reg/x/page.json";
    let index = json!({"items": [{"@id": bad_port, "lower": "1.0.0", "upper": "1.0.0"}]});
    feed.serve("/reg/badport/index.json", index.to_string());
    let err = provider.get_metadata("BadPort", &ALL).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Protocol, "{err}");
    assert!(
        err.message()
            .contains("the feed gave a URL that cannot be fetched"),
        "{err}"
    );
    assert!(err.message().contains("99999"), "{err}");
}

/// How many times `path` was requested.
pub(super) fn times_requested(feed: &CaptureFeed, path: &str) -> usize {
    feed.requested().iter().filter(|p| *p == path).count()
}

#[test]
fn a_registration_without_an_items_array_is_a_protocol_error_and_not_kept() {
    // NuGet.Client walks `items` without a null check: a missing (or null) array fails the
    // read, while an empty one is a registration with no versions.
    let (feed, _) = registration_feed();
    let cache = Cache::new(&CacheOptions::memory_only()).unwrap();
    let http = Arc::new(HttpClient::new(HttpOptions::default()).unwrap());
    let base = feed.base_url();
    let provider = V3Provider::with_cache(&format!("{base}/index.json"), http, Arc::new(cache));
    for body in [r#"{"count":0}"#, r#"{"count":0,"items":null}"#] {
        feed.serve("/reg/no.items/index.json", body);
        feed.server.clear_requests();
        for _ in 0..2 {
            let err = provider.get_metadata("No.Items", &ALL).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Protocol, "{body}: {err}");
            assert_eq!(
                err.url(),
                Some(format!("{base}/reg/no.items/index.json").as_str()),
                "{body}: {err}"
            );
            assert!(
                err.message()
                    .contains("the registration index of No.Items has no \"items\" array"),
                "{body}: {err}"
            );
        }
        assert_eq!(
            times_requested(&feed, "/reg/no.items/index.json"),
            2,
            "{body}: a broken index is not kept"
        );
    }
    // The same for a remote page.
    let page = format!("{base}/reg/no.leaves/page1.json");
    let index = json!({"items": [{"@id": page, "lower": "1.0.0", "upper": "2.0.0"}]});
    feed.serve("/reg/no.leaves/index.json", index.to_string());
    feed.serve(&page, r#"{"count":0}"#);
    let err = provider.get_metadata("No.Leaves", &ALL).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Protocol, "{err}");
    assert_eq!(err.url(), Some(page.as_str()), "{err}");
    assert!(
        err.message()
            .contains("a registration page of No.Leaves has no \"items\" array"),
        "{err}"
    );

    // An empty array is a valid, empty registration, and is kept.
    feed.serve("/reg/empty/index.json", r#"{"count":0,"items":[]}"#);
    feed.server.clear_requests();
    for _ in 0..2 {
        assert!(provider.get_metadata("Empty", &ALL).unwrap().is_empty());
    }
    assert_eq!(times_requested(&feed, "/reg/empty/index.json"), 1);
}

#[test]
fn a_resource_listed_only_at_a_url_that_is_not_http_is_named_as_such() {
    let feed = CaptureFeed::start();
    let index = json!({"version": "3.0.0", "resources": [
        {"@id": "file:///srv/feed/reg/", "@type": "RegistrationsBaseUrl/3.6.0"},
        {"@id": "search/query", "@type": "SearchQueryService"},
    ]});
    feed.serve("/index.json", index.to_string());
    let provider = feed.provider();
    let err = provider.get_metadata("Demo.Core", &ALL).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Protocol, "{err}");
    assert!(
        err.message().contains(
            "the service index lists RegistrationsBaseUrl only at \"file:///srv/feed/reg/\", \
             which is not an absolute http:// or https:// URL"
        ),
        "{err}"
    );
    let err = provider
        .search(&rnuget::protocol::SearchQuery::default())
        .unwrap_err();
    assert!(
        err.message()
            .contains("lists SearchQueryService only at \"search/query\""),
        "{err}"
    );
    // A resource that is not listed at all is still said to be missing.
    let err = provider.autocomplete_ids("x", 0, 10, true).unwrap_err();
    assert!(
        err.message()
            .contains("the service index has no SearchAutocompleteService resource"),
        "{err}"
    );
}

/// A download killed mid-way leaves its part file. The next download into the same folder
/// removes those, of any target, whose process is gone and which nothing wrote for an hour; a
/// running process's stay, and so does a recent one (its writer may run in a pid namespace
/// this one cannot see, or be hidden by `/proc`'s `hidepid`), even of the same target. The
/// caller's own files stay whatever their name: a download's part files carry rnuget's name.
#[cfg(target_os = "linux")]
#[test]
fn a_download_removes_part_files_left_in_its_folder_by_dead_processes() {
    let package = DemoPackage::new("Left.Over", "1.0.0").to_nupkg();
    let (feed, provider) = registration_feed();
    feed.serve_response(
        "/flat/left.over/1.0.0/left.over.1.0.0.nupkg",
        Response::new(200, package.clone()),
    );
    let dir = tempdir("leftover");
    let path = dir.join("Left.Over.1.0.0.nupkg");
    // Above the kernel's pid_max no process can run; process 1 always does.
    let pid_max: u64 = std::fs::read_to_string("/proc/sys/kernel/pid_max")
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let dead = pid_max + 1;
    let own_old = format!(".Left.Over.1.0.0.nupkg.{dead}-4.rnuget-part");
    let own_recent = format!(".Left.Over.1.0.0.nupkg.{dead}-5.rnuget-part");
    let live = ".Left.Over.1.0.0.nupkg.1-0.rnuget-part";
    let other_recent = format!(".Other.2.0.0.nupkg.{dead}-0.rnuget-part");
    let other_old = format!(".Other.1.0.0.nupkg.{dead}-0.rnuget-part");
    // The caller's own file, of the shape of a part file but not rnuget's name.
    let users = format!(".notes.{dead}-1.part");
    let all = [
        own_old.as_str(),
        &own_recent,
        live,
        &other_recent,
        &other_old,
        &users,
    ];
    for name in all {
        std::fs::write(dir.join(name), b"partial").unwrap();
    }
    let two_hours_ago = std::time::SystemTime::now() - Duration::from_secs(2 * 3600);
    for name in [&own_old, live, &other_old, &users] {
        std::fs::File::options()
            .write(true)
            .open(dir.join(name))
            .unwrap()
            .set_modified(two_hours_ago)
            .unwrap();
    }
    provider
        .download_to_file("Left.Over", &v("1.0.0"), &path)
        .unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), package);
    assert_eq!(
        leftovers(&dir),
        [
            live,
            own_recent.as_str(),
            &other_recent,
            &users,
            "Left.Over.1.0.0.nupkg",
        ]
    );
}

/// A search result's versions as NuGet.Client's `PackageSearchResourceV3` hands them out: each
/// once in feed order, prerelease ones only when asked, then the result's own version (with
/// `totalDownloads`) when the array leaves it out. A feed without `versions` (some BaGet and
/// Artifactory answers) still gives the one version.
#[test]
fn search_versions_are_deduplicated_filtered_and_hold_the_result_version() {
    let feed = CaptureFeed::start();
    feed.serve_service_index(&[("SearchQueryService/3.5.0", "/query")]);
    let search = json!({"totalHits": 2, "data": [
        {"id": "Listed", "version": "2.0.0", "totalDownloads": 30, "versions": [
            {"version": "1.0.0", "downloads": 10},
            {"version": "1.0.0+build", "downloads": 11},
            {"version": "2.0.0-beta", "downloads": 5},
            {"version": "not a version", "downloads": 1}
        ]},
        {"id": "Bare", "version": "3.0.0-rc.1", "totalDownloads": 7}
    ]});
    feed.serve("/query", search.to_string());
    let provider = feed.provider();
    let got = |prerelease: bool| -> Vec<Vec<(String, Option<u64>)>> {
        let query = rnuget::protocol::SearchQuery {
            prerelease,
            ..Default::default()
        };
        let results = provider.search(&query).unwrap().results;
        let pairs = |r: &rnuget::protocol::SearchResult| {
            let shown = |s: &rnuget::protocol::SearchVersion| {
                (s.version.to_normalized_string(), s.downloads)
            };
            r.versions.iter().map(shown).collect()
        };
        results.iter().map(pairs).collect()
    };
    let pair = |text: &str, downloads: u64| (text.to_string(), Some(downloads));
    assert_eq!(
        got(true),
        [
            vec![pair("1.0.0", 10), pair("2.0.0-beta", 5), pair("2.0.0", 30)],
            vec![pair("3.0.0-rc.1", 7)],
        ]
    );
    assert_eq!(
        got(false),
        [
            vec![pair("1.0.0", 10), pair("2.0.0", 30)],
            vec![pair("3.0.0-rc.1", 7)],
        ]
    );
}

/// The URLs rnuget builds itself, as NuGet.Client builds them: `RegistrationResourceV3` and
/// `HttpFileSystemBasedFindPackageByIdResource` lower-case the id and use the version's
/// normalized string (four-part zero dropped, `+metadata` left out), lower-cased; an id with
/// letters outside ASCII (allowed by NuGet's id rule) goes out percent-encoded as UTF-8, as
/// .NET's `Uri` sends it.
#[test]
fn built_urls_lower_case_normalize_and_escape_like_nuget_client() {
    let feed = CaptureFeed::start();
    feed.serve_service_index(&[
        ("RegistrationsBaseUrl/3.6.0", "/reg/"),
        ("PackageBaseAddress/3.0.0", "/flat"),
    ]);
    let provider = feed.provider();
    let version = v("1.0.0.0-Beta.1+Build.5");
    let base = feed.base_url();
    assert_eq!(
        provider.package_url("My.Package", &version).unwrap(),
        format!("{base}/flat/my.package/1.0.0-beta.1/my.package.1.0.0-beta.1.nupkg")
    );
    assert_eq!(
        provider.registration_url("My.Package").unwrap(),
        format!("{base}/reg/my.package/index.json")
    );
    let _ = provider.registration_leaf("My.Package", &version);
    let _ = provider.list_versions("Ünïcode.Pkg");
    let requested = feed.requested();
    assert_eq!(
        requested[requested.len() - 2..],
        [
            "/reg/my.package/1.0.0-beta.1.json",
            "/flat/%C3%BCn%C3%AFcode.pkg/index.json"
        ]
    );
}

/// A feed that ignores `take` (answers more results than asked for) gives the caller only
/// `take` of them, the first ones, as NuGet.Client's `V3SearchResultsConverter` stops reading
/// `data` there; `take=0` gives none.
#[test]
fn search_reads_at_most_take_results() {
    let feed = CaptureFeed::start();
    feed.serve_service_index(&[("SearchQueryService/3.5.0", "/query")]);
    let data: Vec<Value> = (1..=5)
        .map(|n| json!({"id": format!("P{n}"), "version": "1.0.0"}))
        .collect();
    feed.serve("/query", json!({"totalHits": 5, "data": data}).to_string());
    let provider = feed.provider();
    let ids = |take: u32| -> Vec<String> {
        let query = rnuget::protocol::SearchQuery {
            take,
            ..Default::default()
        };
        let results = provider.search(&query).unwrap();
        assert_eq!(results.total_hits, 5);
        results.results.into_iter().map(|r| r.id).collect()
    };
    assert_eq!(ids(2), ["P1", "P2"]);
    assert_eq!(ids(0), Vec::<String>::new());
    assert_eq!(ids(20), ["P1", "P2", "P3", "P4", "P5"]);
    let requested = feed.requested();
    assert_eq!(
        requested[requested.len() - 3..],
        [
            "/query?q=&skip=0&take=2&prerelease=true&semVerLevel=2.0.0",
            "/query?q=&skip=0&take=0&prerelease=true&semVerLevel=2.0.0",
            "/query?q=&skip=0&take=20&prerelease=true&semVerLevel=2.0.0",
        ]
    );
}

/// A search result's `deprecation` and `vulnerabilities` reach the caller, as NuGet.Client's
/// `PackageSearchMetadata` reads them from search results; missing ones are none, a
/// deprecation with an alternate range that does not parse is dropped (the result stays).
#[test]
fn search_results_carry_deprecation_and_vulnerabilities() {
    let feed = CaptureFeed::start();
    feed.serve_service_index(&[("SearchQueryService/3.5.0", "/query")]);
    let search = json!({"data": [
        {"id": "Old", "version": "1.0.0",
         "deprecation": {"reasons": ["Legacy", "CriticalBugs"], "message": "use New",
                         "alternatePackage": {"id": "New", "range": "[2.0.0, )"}},
         "vulnerabilities": [{"advisoryUrl": "https://adv/1", "severity": "2"},
                             {"severity": 1}]},
        {"id": "Plain", "version": "1.0.0"},
        {"id": "Odd", "version": "1.0.0",
         "deprecation": {"reasons": "Other", "alternatePackage": {"id": "X", "range": "[bad"}}}
    ]});
    feed.serve("/query", search.to_string());
    let results = feed.provider().search(&Default::default()).unwrap().results;
    let old = &results[0];
    let deprecation = old.deprecation.as_ref().unwrap();
    assert_eq!(deprecation.reasons, ["Legacy", "CriticalBugs"]);
    assert_eq!(deprecation.message.as_deref(), Some("use New"));
    let alternate = deprecation.alternate_package.as_ref().unwrap();
    assert_eq!(
        (alternate.id.as_str(), alternate.range.to_string()),
        ("New", VersionRange::parse("[2.0.0, )").unwrap().to_string())
    );
    let advisories: Vec<(&str, i32)> = old
        .vulnerabilities
        .iter()
        .map(|v| (v.advisory_url.as_str(), v.severity))
        .collect();
    assert_eq!(advisories, [("https://adv/1", 2)]);
    assert_eq!(
        (
            results[1].deprecation.is_none(),
            results[1].vulnerabilities.len()
        ),
        (true, 0)
    );
    assert_eq!(
        (results[2].id.as_str(), results[2].deprecation.is_none()),
        ("Odd", true)
    );
}
