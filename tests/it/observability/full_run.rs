//! One run of every operation under a caller's trace, through a [`Relay`] (remote registration
//! pages, downloads redirected to another host), with a password in each source URL and an API
//! key header, the memory and disk tiers, a rate limit, retries and breakers. With faults on,
//! the relay answers each URL's first request with 503 (retried), and a second source answers
//! 500 to everything until its host's breaker opens (ignored as a failed source).
//!
//! The run keeps what a caller or an operator sees: the spans, the errors the calls returned,
//! the health reports, the metrics text and the requests each server received.

use std::path::PathBuf;
use std::sync::Arc;

use parking_lot::Mutex;
use rnuget::client::{Client, ClientOptions};
use rnuget::demo::server::{LoopbackServer, Request, Response};
use rnuget::demo::{DemoFeed, demo_packages};
use rnuget::observability::{Observability, Span, SpanRecord, TraceContext};
use rnuget::protocol::{MetadataOptions, SearchQuery};
use rnuget::version::NuGetVersion;

use super::relay::Relay;
use super::{scenario_cache, scenario_http};

/// The relay source's password, in its URL.
pub const PASSWORD: &str = "pw-R3layS3cret";
/// The failing source's password, in its URL.
pub const DOWN_PASSWORD: &str = "pw-D0wnS3cret";
/// Sent as `X-NuGet-ApiKey` with every request.
pub const API_KEY: &str = "key-Fu11RunS3cret";
/// The caller's trace.
pub const TRACE_ID: &str = "0af7651916cd43dd8448eb211c80319c";
/// The caller's span, every span's parent.
pub const CALLER_SPAN: &str = "b7ad6b7169203331";
/// The caller's `tracestate`, passed on unchanged.
pub const TRACESTATE: &str = "rnuget=full,vendor=x1";

struct Dir(PathBuf);
impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What one run left behind.
pub struct FullRun {
    pub relay: Relay,
    pub failing: LoopbackServer,
    pub client: Client,
    pub spans: Vec<SpanRecord>,
    /// Every error a call returned, as `Display` and as `Debug`.
    pub errors: Vec<String>,
    /// Requests the servers received during the traced calls (before the health checks), with
    /// the server's name: the relay's (`relay`), the failing source's (`down`), and the demo
    /// feed's package downloads (`cdn`; the relay's own reads of the demo feed are not the
    /// client's).
    pub traced: Vec<(&'static str, Request)>,
    /// The two health reports, as JSON.
    pub health: Vec<String>,
    pub metrics: String,
    _dir: Dir,
}

fn with_password(url: &str, user: &str, password: &str) -> String {
    let rest = url.strip_prefix("http://").unwrap();
    format!("http://{user}:{password}@{rest}")
}

fn options(relay: &Relay, failing: &LoopbackServer, faults: bool, dir: &Dir) -> ClientOptions {
    let http = scenario_http("relay", API_KEY);
    let cache = scenario_cache(dir.0.clone());
    let relay_url = with_password(&relay.index_url(), "alice", PASSWORD);
    let mut options = ClientOptions::new()
        .named_source("relay", &relay_url)
        .http(http)
        .cache(cache)
        .ignore_failed_sources(true);
    if faults {
        let down = format!("{}/v3/index.json", failing.base_url());
        options = options.named_source("down", &with_password(&down, "bob", DOWN_PASSWORD));
    }
    options
}

/// Every operation of the client, under one traced context.
pub fn full_run(name: &str, faults: bool) -> FullRun {
    let dir = std::env::temp_dir().join(format!("rnuget-full-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let dir = Dir(dir);
    let feed = DemoFeed::builder()
        .packages(demo_packages())
        .page_size(2)
        .inline_limit(0)
        .start()
        .unwrap();
    let relay = Relay::start(feed, faults);
    let failing = LoopbackServer::start(|_| Response::new(500, "down")).unwrap();
    let spans = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&spans);
    let observability = Observability::with_metrics().spans(Arc::new(move |span: &Span| {
        sink.lock().push(span.to_record())
    }));
    let options = options(&relay, &failing, faults, &dir).observability(observability);
    let client = Client::new(options).unwrap();
    let trace = format!("00-{TRACE_ID}-{CALLER_SPAN}-01");
    let trace = TraceContext::parse(&trace, Some(TRACESTATE)).unwrap();
    let context = client.new_context().with_trace(trace);
    let mut errors = Vec::new();
    let mut keep = |err: rnuget::Error| errors.push(format!("{err} {err:?}"));
    let version = NuGetVersion::parse("1.1.0").unwrap();
    let all = MetadataOptions::default();

    assert!(
        client
            .list_versions_with(&context, "Demo.Core")
            .unwrap()
            .contains(&version)
    );
    let first = client
        .get_metadata_with(&context, "Demo.Core", &all)
        .unwrap();
    let from_memory = client
        .get_metadata_with(&context, "Demo.Core", &all)
        .unwrap();
    client.clear_cache(false).unwrap();
    let from_disk = client
        .get_metadata_with(&context, "Demo.Core", &all)
        .unwrap();
    assert!(first == from_memory && first == from_disk);
    let query = SearchQuery {
        query: "demo".into(),
        ..SearchQuery::default()
    };
    for answer in client.search_with(&context, &query) {
        answer.result.map(drop).unwrap_or_else(&mut keep);
    }
    for answer in client.autocomplete_ids_with(&context, "demo", 0, 10, true) {
        answer.result.map(drop).unwrap_or_else(&mut keep);
    }
    for answer in client.autocomplete_versions_with(&context, "Demo.Core", true) {
        answer.result.map(drop).unwrap_or_else(&mut keep);
    }
    let package = client
        .download_to_vec_with(&context, "Demo.Core", &version)
        .unwrap();
    let again = client
        .download_to_vec_with(&context, "Demo.Core", &version)
        .unwrap();
    assert!(package.value.starts_with(b"PK") && package.value == again.value);
    let missing = NuGetVersion::parse("9.9.9").unwrap();
    if let Err(err) = client.download_to_vec_with(&context, "Demo.Core", &missing) {
        keep(err);
    }
    let named = |name, requests: Vec<Request>| requests.into_iter().map(move |r| (name, r));
    let downloads = relay.feed.server().requests();
    let downloads = downloads
        .into_iter()
        .filter(|r| r.path().ends_with(".nupkg"));
    let traced: Vec<_> = named("relay", relay.server.requests())
        .chain(named("down", failing.requests()))
        .chain(named("cdn", downloads.collect()))
        .collect();
    let health = vec![client.health().to_json(), client.health().to_json()];
    let metrics = client.metrics_text().unwrap();
    let spans = spans.lock().clone();
    FullRun {
        relay,
        failing,
        client,
        spans,
        errors,
        traced,
        health,
        metrics,
        _dir: dir,
    }
}
