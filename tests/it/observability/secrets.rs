//! Planted secrets (a password in each source URL, its user name, the `Authorization` value it
//! makes, an API key header) never show in what a full run with faults leaves for an operator
//! or a caller: log lines, the metrics text, the health reports, span attributes, the errors
//! the calls returned.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use rnuget::client::Client;
use rnuget::demo::server::{LoopbackServer, Response};
use rnuget::protocol::SearchQuery;

use super::full_run::{API_KEY, DOWN_PASSWORD, PASSWORD, full_run};
use crate::support::logs::{capture_logs, lines};

fn basic(user: &str, password: &str) -> String {
    STANDARD.encode(format!("{user}:{password}"))
}

#[test]
fn no_secret_reaches_logs_metrics_health_spans_or_errors() {
    capture_logs();
    let run = full_run("secrets", true);
    let relay_basic = basic("alice", PASSWORD);
    let secrets = [
        PASSWORD,
        DOWN_PASSWORD,
        API_KEY,
        relay_basic.as_str(),
        &basic("bob", DOWN_PASSWORD),
        "alice:",
        "bob:",
        // No header is ever logged (the names of extra headers show in `Debug`, their
        // values never).
        "Authorization",
    ];
    // The secrets were planted: the relay got the credentials and the key.
    let first = &run.relay.server.requests()[0];
    let authorization = first.header("Authorization");
    assert_eq!(authorization, Some(format!("Basic {relay_basic}").as_str()));
    assert_eq!(first.header("X-NuGet-ApiKey"), Some(API_KEY));
    // Another origin (the redirect's) never gets the source's credentials or its API key.
    let cdn = run.relay.feed.server().requests();
    assert!(!cdn.is_empty());
    assert!(cdn.iter().all(|r| r.header("Authorization").is_none()));
    assert!(cdn.iter().all(|r| r.header("X-NuGet-ApiKey").is_none()));

    let relay_base = run.relay.server.base_url();
    let lines = lines();
    let of_run = lines.iter().filter(|l| l.contains(&relay_base)).count();
    assert!(
        of_run >= 20,
        "the run logged {of_run} lines naming the relay"
    );
    assert!(lines.iter().any(|l| l.contains(&run.failing.base_url())));
    let mut texts: Vec<(&str, String)> = lines.into_iter().map(|l| ("log line", l)).collect();
    texts.push(("metrics", run.metrics.clone()));
    assert!(run.metrics.contains(&relay_base), "{}", run.metrics);
    texts.extend(run.health.iter().map(|h| ("health", h.clone())));
    assert!(
        run.health[0].contains("\"error\":\"circuit open"),
        "{}",
        run.health[0]
    );
    for span in &run.spans {
        texts.push(("span", format!("{span:?}")));
    }
    assert!(run.errors.len() >= 3, "{:#?}", run.errors);
    assert!(
        run.errors
            .iter()
            .any(|e| e.contains(&run.failing.base_url()))
    );
    texts.extend(run.errors.iter().map(|e| ("error", e.clone())));
    // What a caller may print of the client itself.
    texts.push(("client's Debug", format!("{:?}", run.client)));
    texts.push((
        "source list",
        format!("{:?}", run.client.repositories().sources()),
    ));
    for (what, text) in &texts {
        for secret in secrets {
            assert!(!text.contains(secret), "{secret} shows in a {what}: {text}");
        }
    }
}

#[test]
fn a_password_the_feed_puts_in_a_resource_url_stays_out_of_its_warnings() {
    capture_logs();
    const FEED_PASSWORD: &str = "pw-F33dGivenS3cret";
    let base = std::sync::Arc::new(std::sync::OnceLock::<String>::new());
    let own = std::sync::Arc::clone(&base);
    let server = LoopbackServer::start(move |request| {
        let here = own.get().cloned().unwrap_or_default();
        let with_password = here.replace("http://", &format!("http://eve:{FEED_PASSWORD}@"));
        match request.path() {
            "/v3/index.json" => Response::json(format!(
                r#"{{"version":"3.0.0","resources":[
                    {{"@id":"{with_password}/flat/","@type":"PackageBaseAddress/3.0.0"}},
                    {{"@id":"{with_password}/query","@type":"SearchQueryService"}},
                    {{"@id":"{with_password}/ac","@type":"SearchAutocompleteService"}}]}}"#
            )),
            "/flat/demo.core/index.json" => Response::json(r#"{"versions":["1.0.0",7,"x.y"]}"#),
            "/query" => Response::json(
                r#"{"totalHits":2,"data":[{"id":"","version":"1.0.0"},{"id":"A","version":"?"}]}"#,
            ),
            "/ac" => Response::json(r#"{"totalHits":1,"data":["1.0.0","x.y"]}"#),
            _ => Response::not_found(),
        }
    })
    .unwrap();
    let _ = base.set(server.base_url());
    let client = Client::for_sources(&[format!("{}/v3/index.json", server.base_url())]).unwrap();
    let versions = client.list_versions("Demo.Core").unwrap();
    assert_eq!(versions.len(), 1, "{versions:?}");
    let query = SearchQuery::default();
    let found = client.search(&query).remove(0).result.unwrap();
    assert!(found.results.is_empty(), "{found:?}");
    let listed = client
        .autocomplete_versions("Demo.Core", true)
        .remove(0)
        .result;
    assert_eq!(listed.unwrap().len(), 1);
    let port = server.base_url().rsplit(':').next().unwrap().to_string();
    let warnings: Vec<String> = lines()
        .into_iter()
        .filter(|l| l.starts_with("WARN rnuget::protocol") && l.contains(&port))
        .collect();
    // Two bad versions in the flat container, two bad search results, one bad autocomplete
    // version: each skipped with a warning naming the URL.
    assert!(warnings.len() >= 5, "{warnings:#?}");
    for line in &warnings {
        assert!(
            !line.contains(FEED_PASSWORD) && !line.contains("eve:"),
            "{line}"
        );
    }
}

#[test]
fn a_secret_query_value_in_a_source_url_stays_out_of_logs_metrics_health_and_errors() {
    capture_logs();
    const TOKEN: &str = "QueryT0kenS3cret";
    let feed = rnuget::demo::DemoFeed::start().unwrap();
    let down = LoopbackServer::start(|_| Response::new(500, "down")).unwrap();
    let dir = std::env::temp_dir().join(format!("rnuget-query-secret-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let spans = std::sync::Arc::new(parking_lot::Mutex::new(Vec::<String>::new()));
    let sink = std::sync::Arc::clone(&spans);
    let options = rnuget::client::ClientOptions::new()
        .named_source("feed", &format!("{}?token={TOKEN}", feed.index_url()))
        .named_source(
            "down",
            &format!("{}/v3/index.json?sig={TOKEN}", down.base_url()),
        )
        .cache(rnuget::cache::CacheOptions::at(&dir))
        .observability(rnuget::observability::Observability::with_metrics().spans(
            std::sync::Arc::new(move |span: &rnuget::observability::Span<'_>| {
                sink.lock().push(format!("{span:?}"));
            }),
        ));
    let client = Client::new(options).unwrap();
    let mut errors = Vec::new();
    errors.push(client.list_versions("Demo.Core").unwrap_err());
    // Twice: the second answer comes from the cache (a `cache_lookup` span that hit).
    for _ in 0..2 {
        client
            .get_metadata("Demo.Core", &Default::default())
            .unwrap();
    }
    for answer in client.search(&SearchQuery::default()) {
        if let Err(err) = answer.result {
            errors.push(err);
        }
    }
    let health = client.health().to_json();
    assert!(
        health.contains("token=***") && health.contains("sig=***"),
        "{health}"
    );
    let metrics = client.metrics_text().unwrap();
    assert!(metrics.contains("?token=***\""), "{metrics}");
    let port = feed.base_url().rsplit(':').next().unwrap().to_string();
    let down_port = down.base_url().rsplit(':').next().unwrap().to_string();
    let root = dir.display().to_string();
    // Cache folders end with the source URL's tail, as NuGet names them: lines show it masked.
    let logged: Vec<String> = lines()
        .into_iter()
        .filter(|l| l.contains(&port) || l.contains(&down_port) || l.contains(&root))
        .collect();
    assert!(logged.len() >= 5, "{logged:#?}");
    assert!(
        logged
            .iter()
            .any(|l| l.contains(&root) && l.contains("token=***")),
        "no line showed a cache path: {logged:#?}"
    );
    let spans = spans.lock().clone();
    for name in ["service_index", "metadata", "cache_lookup"] {
        assert!(
            spans.iter().any(|s| s.contains(&format!("name: {name:?}"))),
            "{spans:#?}"
        );
    }
    assert!(spans.iter().any(|s| s.contains("token=***")), "{spans:#?}");
    let mut texts = vec![health, metrics];
    texts.extend(logged);
    texts.extend(spans);
    texts.extend(errors.iter().map(|e| format!("{e} {e:?}")));
    assert!(errors.len() >= 2, "{errors:?}");
    for text in &texts {
        assert!(!text.contains(TOKEN), "{text}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A caller that logs its settings (`{options:?}`, `dbg!`) shows no secret either: the API key
/// header's value, a password in a source URL and a token in its query are hidden; everything
/// else, the header's name included, shows.
#[test]
fn the_debug_form_of_client_options_shows_no_secret() {
    use rnuget::client::ClientOptions;
    use rnuget::http::HttpOptions;

    let http = HttpOptions {
        extra_headers: vec![("X-NuGet-ApiKey".into(), "key-s3cret-1".into())],
        ..HttpOptions::default()
    };
    let options = ClientOptions::new()
        .named_source(
            "feed",
            "https://alice:pa55-s3cret@feed.example/v3/index.json?token=t0k3n",
        )
        .http(http);
    let shown = format!("{options:?} {:#?}", options.http);
    for secret in ["key-s3cret-1", "pa55-s3cret", "t0k3n"] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
    for kept in [
        "X-NuGet-ApiKey",
        "feed.example/v3/index.json?token=***",
        "user_agent",
    ] {
        assert!(shown.contains(kept), "{kept} not in {shown}");
    }
}
