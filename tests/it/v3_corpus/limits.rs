//! How much a registration may make one read take in: pages listed, bytes read.

use std::sync::Arc;

use rnuget::ErrorKind;
use rnuget::http::{HttpClient, HttpOptions};
use rnuget::protocol::MetadataOptions;
use rnuget::protocol::v3::V3Provider;
use serde_json::{Value, json};

use crate::support::captures::CaptureFeed;

const ALL: MetadataOptions = MetadataOptions {
    include_prerelease: true,
    include_unlisted: true,
};

/// A feed whose registration of `Huge` lists `pages` remote pages of one leaf each, every page
/// padded to about `page_bytes` with a field NuGet does not read.
fn huge_feed(pages: usize, page_bytes: usize) -> (CaptureFeed, String) {
    let feed = CaptureFeed::start();
    feed.serve_service_index(&[("RegistrationsBaseUrl/3.6.0", "/reg/")]);
    let base = feed.base_url();
    let listed: Vec<Value> = (0..pages)
        .map(|i| json!({"@id": format!("{base}/pages/{i}"), "lower": format!("{i}.0.0"), "upper": format!("{i}.0.0")}))
        .collect();
    let index_url = format!("{base}/reg/huge/index.json");
    feed.serve(&index_url, json!({"items": listed}).to_string());
    let padding = "x".repeat(page_bytes);
    for i in 0..pages {
        let entry = json!({"id": "Huge", "version": format!("{i}.0.0"), "padding": padding});
        feed.serve(
            &format!("/pages/{i}"),
            json!({"items": [{"catalogEntry": entry}]}).to_string(),
        );
    }
    (feed, index_url)
}

fn provider(feed: &CaptureFeed, options: HttpOptions) -> V3Provider {
    let http = Arc::new(HttpClient::new(options).unwrap());
    V3Provider::new(&format!("{}/index.json", feed.base_url()), http)
}

fn pages_requested(feed: &CaptureFeed) -> usize {
    feed.requested()
        .iter()
        .filter(|path| path.starts_with("/pages/"))
        .count()
}

#[test]
fn an_index_with_more_pages_than_the_limit_is_refused_before_any_page() {
    let (feed, index_url) = huge_feed(2_001, 10);
    let err = feed.provider().get_metadata("Huge", &ALL).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TooLarge, "{err}");
    assert_eq!(err.url(), Some(index_url.as_str()));
    let text = err.to_string();
    assert!(text.contains("2001 pages"), "{text}");
    assert!(text.contains("limit of 2000"), "{text}");
    assert!(text.contains("max_registration_pages"), "{text}");
    assert_eq!(pages_requested(&feed), 0);

    let roomy = HttpOptions {
        max_registration_pages: 2_001,
        ..HttpOptions::default()
    };
    let (feed, _) = huge_feed(30, 10);
    let options = HttpOptions {
        max_registration_pages: 29,
        ..roomy.clone()
    };
    let err = provider(&feed, options).get_metadata("Huge", &ALL);
    assert_eq!(err.unwrap_err().kind(), ErrorKind::TooLarge);
    let got = provider(&feed, roomy).get_metadata("Huge", &ALL).unwrap();
    assert_eq!(got.len(), 30);
}

#[test]
fn a_registration_over_the_byte_limit_stops_fetching_pages() {
    let (feed, index_url) = huge_feed(40, 100_000);
    let options = HttpOptions {
        max_registration_bytes: 350_000,
        ..HttpOptions::default()
    };
    let err = provider(&feed, options)
        .get_metadata("Huge", &ALL)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TooLarge, "{err}");
    assert_eq!(err.url(), Some(index_url.as_str()));
    let text = err.to_string();
    assert!(text.contains("limit of 350000 bytes"), "{text}");
    assert!(text.contains("max_registration_bytes"), "{text}");
    // Four pages pass the limit; the threads start no page after that.
    let fetched = pages_requested(&feed);
    assert!((4..40).contains(&fetched), "{fetched} pages fetched");

    // The same feed under the default limit reads whole, in page order.
    let got = feed.provider().get_metadata("Huge", &ALL).unwrap();
    let versions: Vec<String> = got.iter().map(|m| m.version.to_string()).collect();
    let want: Vec<String> = (0..40).map(|i| format!("{i}.0.0")).collect();
    assert_eq!(versions, want);
}
