//! Registration documents with a leaf NuGet.Client cannot read, on loopback feeds built here:
//! which reads fail, as they fail in NuGet.Client's `PackageMetadataResourceV3`, and which are
//! still answered.
//!
//! NuGet.Client deserializes the whole document first (the index with its inline pages, or one
//! remote page): a `catalogEntry` that is only a link, or a version that is there but does not
//! parse, throws there, so every read of that document fails. It then walks the pages a read
//! chooses (all of them for a full read, those whose bounds hold the version for a single
//! one): a leaf that is null, has no `catalogEntry` or no version throws there, so only the
//! reads that choose its page fail.

use std::sync::Arc;

use rnuget::ErrorKind;
use rnuget::cache::{Cache, CacheOptions};
use rnuget::http::{HttpClient, HttpOptions};
use rnuget::protocol::MetadataOptions;
use rnuget::protocol::v3::V3Provider;
use serde_json::{Value, json};

use super::cases::{ALL, leaf, registration_feed, times_requested, v};
use crate::support::captures::CaptureFeed;

const LISTED_STABLE: MetadataOptions = MetadataOptions {
    include_prerelease: false,
    include_unlisted: false,
};

/// A provider over `feed` with a memory cache, to see which documents are kept.
fn cached_provider(feed: &CaptureFeed) -> V3Provider {
    let cache = Cache::new(&CacheOptions::memory_only()).unwrap();
    let http = Arc::new(HttpClient::new(HttpOptions::default()).unwrap());
    let source = format!("{}/index.json", feed.base_url());
    V3Provider::with_cache(&source, http, Arc::new(cache))
}

/// An index with two inline pages: `1.0.0..1.5.0` holding two good leaves, and
/// `2.0.0..2.5.0` holding `2.0.0`, `bad` and `2.5.0`.
fn two_inline_pages(id: &str, bad: Value) -> String {
    let first = vec![
        leaf(id, "1.0.0", json!({"description": "first"})),
        leaf(id, "1.5.0", json!({"description": "one and a half"})),
    ];
    let second = vec![
        leaf(id, "2.0.0", json!({})),
        bad,
        leaf(id, "2.5.0", json!({})),
    ];
    json!({"count": 2, "items": [
        {"@id": "page/1", "lower": "1.0.0", "upper": "1.5.0", "items": first},
        {"@id": "page/2", "lower": "2.0.0", "upper": "2.5.0", "items": second},
    ]})
    .to_string()
}

/// Asserts that `err` is a protocol error about the document at `url` that says `want`.
fn assert_fault(err: &rnuget::Error, url: &str, want: &str, case: &str) {
    assert_eq!(err.kind(), ErrorKind::Protocol, "{case}: {err}");
    assert_eq!(err.url(), Some(url), "{case}: {err}");
    assert!(err.message().contains(want), "{case}: {err}");
}

#[test]
fn a_leaf_that_fails_its_page_fails_only_the_reads_that_walk_that_page() {
    let feed = registration_feed().0;
    let id = "Page.Fault";
    let faults = [
        (Value::Null, "a registration leaf of Page.Fault is null"),
        (
            json!({"packageContent": format!("{}/flat/x.nupkg", feed.base_url())}),
            "a registration leaf of Page.Fault has no catalogEntry",
        ),
        (
            json!({"catalogEntry": null}),
            "a registration leaf of Page.Fault has no catalogEntry",
        ),
        (
            json!({"catalogEntry": {"id": id}}),
            "a registration leaf of Page.Fault has a catalogEntry without a version",
        ),
        (
            json!({"catalogEntry": {"id": id, "version": null}}),
            "a registration leaf of Page.Fault has a catalogEntry without a version",
        ),
    ];
    let path = "/reg/page.fault/index.json";
    let index_url = format!("{}{path}", feed.base_url());
    for (bad, want) in faults {
        let case = bad.to_string();
        feed.serve(path, two_inline_pages(id, bad));
        feed.server.clear_requests();
        let provider = cached_provider(&feed);

        // The page whose bounds hold 1.5.0 is read; the faulty page is never walked.
        let one = provider.get_version_metadata(id, &v("1.5.0")).unwrap();
        assert_eq!(one.version, v("1.5.0"), "{case}");
        assert_eq!(one.description.as_deref(), Some("one and a half"), "{case}");
        // Inside the first page's bounds but not in it, and outside every page: not found.
        for absent in ["1.2.0", "3.0.0"] {
            let err = provider.get_version_metadata(id, &v(absent)).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::NotFound, "{case} {absent}: {err}");
        }
        // Every leaf of the faulty page fails, the good ones before and after the fault too.
        for on_page in ["2.0.0", "2.5.0"] {
            let err = provider.get_version_metadata(id, &v(on_page)).unwrap_err();
            assert_fault(&err, &index_url, want, &case);
        }
        // A full read walks every page, whatever it keeps.
        for options in [ALL, LISTED_STABLE] {
            let err = provider.get_metadata(id, &options).unwrap_err();
            assert_fault(&err, &index_url, want, &case);
        }
        // The document itself reads, so it is kept; the fault stays with its page.
        assert_eq!(times_requested(&feed, path), 1, "{case}");
    }
}

#[test]
fn a_leaf_that_fails_its_document_fails_every_read_of_it_and_is_not_kept() {
    let feed = registration_feed().0;
    let id = "Doc.Fault";
    let base = feed.base_url();
    let link = format!("{base}/catalog/doc.fault.2.1.0.json");
    // Served, so that following the link would have succeeded.
    feed.serve(
        "/catalog/doc.fault.2.1.0.json",
        json!({"id": id, "version": "2.1.0"}).to_string(),
    );
    let linked = json!({"catalogEntry": link});
    let link_message = format!(
        "a registration leaf of Doc.Fault gives its catalogEntry only as a link ({link}); \
         registration pages must hold their catalog entries inline"
    );
    let faults = [
        (linked.clone(), link_message.clone()),
        (
            leaf(id, "not-a-version", json!({})),
            "a registration leaf of Doc.Fault has a catalogEntry whose version \
             \"not-a-version\" is not a NuGet version"
                .to_string(),
        ),
        (
            leaf(id, "", json!({})),
            "a registration leaf of Doc.Fault has a catalogEntry whose version \"\" is not a \
             NuGet version"
                .to_string(),
        ),
    ];
    let path = "/reg/doc.fault/index.json";
    let index_url = format!("{base}{path}");
    for (bad, want) in faults {
        let case = bad.to_string();
        feed.serve(path, two_inline_pages(id, bad));
        feed.server.clear_requests();
        let provider = cached_provider(&feed);
        for _ in 0..2 {
            let err = provider.get_version_metadata(id, &v("1.5.0")).unwrap_err();
            assert_fault(&err, &index_url, &want, &case);
            let err = provider.get_metadata(id, &ALL).unwrap_err();
            assert_fault(&err, &index_url, &want, &case);
        }
        assert_eq!(
            times_requested(&feed, path),
            4,
            "{case}: a broken index is not kept"
        );
    }

    // A leaf that fails only its page does not hide a later one that fails the document.
    let second = vec![Value::Null, linked];
    let index = json!({"items": [
        {"@id": "page/1", "lower": "1.0.0", "upper": "1.5.0", "items": [leaf(id, "1.5.0", json!({}))]},
        {"@id": "page/2", "lower": "2.0.0", "upper": "2.5.0", "items": second},
    ]});
    feed.serve(path, index.to_string());
    let provider = cached_provider(&feed);
    let err = provider.get_version_metadata(id, &v("1.5.0")).unwrap_err();
    assert_fault(&err, &index_url, &link_message, "null, then a link");
    assert!(
        !feed.requested().iter().any(|p| p.starts_with("/catalog/")),
        "a link was followed: {:?}",
        feed.requested()
    );
}

#[test]
fn a_remote_page_with_a_bad_leaf_fails_the_reads_that_fetch_it_and_is_not_kept() {
    let feed = registration_feed().0;
    let id = "Remote.Fault";
    let base = feed.base_url();
    let (good, bad) = (format!("{base}/pages/good"), format!("{base}/pages/bad"));
    let index = json!({"items": [
        {"@id": good, "lower": "1.0.0", "upper": "1.0.0"},
        {"@id": bad, "lower": "2.0.0", "upper": "2.0.0"},
    ]});
    feed.serve("/reg/remote.fault/index.json", index.to_string());
    let good_page = json!({"items": [leaf(id, "1.0.0", json!({"description": "good"}))]});
    feed.serve("/pages/good", good_page.to_string());
    let faults = [
        (
            json!({"catalogEntry": format!("{base}/catalog/x.json")}),
            "a registration leaf of Remote.Fault gives its catalogEntry only as a link",
        ),
        (
            leaf(id, "2.0.0.0.0", json!({})),
            "a registration leaf of Remote.Fault has a catalogEntry whose version \
             \"2.0.0.0.0\" is not a NuGet version",
        ),
        (
            json!({"catalogEntry": null}),
            "a registration leaf of Remote.Fault has no catalogEntry",
        ),
        (Value::Null, "a registration leaf of Remote.Fault is null"),
    ];
    for (fault, want) in faults {
        let case = fault.to_string();
        let page = json!({"items": [leaf(id, "2.0.0", json!({})), fault]});
        feed.serve("/pages/bad", page.to_string());
        feed.server.clear_requests();
        let provider = cached_provider(&feed);
        let one = provider.get_version_metadata(id, &v("1.0.0")).unwrap();
        assert_eq!(one.description.as_deref(), Some("good"), "{case}");
        for _ in 0..2 {
            let err = provider.get_version_metadata(id, &v("2.0.0")).unwrap_err();
            assert_fault(&err, &bad, want, &case);
            let err = provider.get_metadata(id, &ALL).unwrap_err();
            assert_fault(&err, &bad, want, &case);
        }
        assert_eq!(
            times_requested(&feed, "/pages/bad"),
            4,
            "{case}: a broken page is not kept"
        );
    }
}

/// NuGet.Client reads a remote page that answers 404 as null and then fails on it, so the
/// reads that fetch the page fail: a broken registration, never a package the feed lacks.
#[test]
fn a_remote_page_that_is_not_found_fails_the_reads_that_fetch_it() {
    let feed = registration_feed().0;
    let id = "Missing.Page";
    let base = feed.base_url();
    let (good, gone) = (format!("{base}/pages/good"), format!("{base}/pages/gone"));
    let index = json!({"items": [
        {"@id": good, "lower": "1.0.0", "upper": "1.0.0"},
        {"@id": gone, "lower": "2.0.0", "upper": "2.0.0"},
    ]});
    feed.serve("/reg/missing.page/index.json", index.to_string());
    let good_page = json!({"items": [leaf(id, "1.0.0", json!({}))]});
    feed.serve("/pages/good", good_page.to_string());
    let provider = cached_provider(&feed);

    assert_eq!(
        provider
            .get_version_metadata(id, &v("1.0.0"))
            .unwrap()
            .version,
        v("1.0.0")
    );
    let want = "a registration page of Missing.Page that its index lists is not found";
    for err in [
        provider.get_version_metadata(id, &v("2.0.0")).unwrap_err(),
        provider.get_metadata(id, &ALL).unwrap_err(),
    ] {
        assert_fault(&err, &gone, want, "404");
        assert_eq!(err.status(), Some(404), "{err}");
        assert!(!err.is_not_found(), "{err}");
        assert_eq!(err.source_name(), Some(provider.source_url()), "{err}");
    }
}
