//! A hostile feed (or a hostile NuGet.Config) cannot forge log lines: control characters (CR,
//! LF, the ESC of terminal escapes) and bidirectional overrides in feed data, URLs and source
//! names reach log lines and error messages escaped, never raw.

use rnuget::client::{Client, ClientOptions};
use rnuget::demo::server::{LoopbackServer, Response};
use rnuget::protocol::{MetadataOptions, SearchQuery};

use crate::support::alone::alone;
use crate::support::logs::lines;

/// A package id that would start a forged warning on a line of its own, in red.
const FORGED_ID: &str = r"Evil\r\nWARN  rnuget::http: forged \u001b[31mred\u202e";

/// Whether `text` holds a character that can end a line, move the cursor, recolour the
/// terminal or reverse the text after it.
fn unprintable(text: &str) -> bool {
    text.chars()
        .any(|c| c.is_control() || matches!(c, '\u{2028}'..='\u{202e}' | '\u{2066}'..='\u{2069}'))
}

/// A feed whose search result has a forged id (and a bad version, so that it is warned
/// about), and whose registrations live at a URL with a line break and a terminal escape.
fn hostile_feed() -> LoopbackServer {
    LoopbackServer::start(move |request| {
        let base = format!("http://{}", request.header("host").unwrap_or_default());
        match request.path() {
            "/index.json" => Response::json(format!(
                r#"{{"version":"3.0.0","resources":[
                    {{"@id":"{base}/search","@type":"SearchQueryService"}},
                    {{"@id":"{base}/reg\u001b[2J\n/","@type":"RegistrationsBaseUrl/3.6.0"}}]}}"#
            )),
            "/search" => Response::json(format!(
                r#"{{"totalHits":1,"data":[{{"id":"{FORGED_ID}","version":"bad"}}]}}"#
            )),
            _ => Response::not_found(),
        }
    })
    .unwrap()
}

#[test]
fn control_characters_from_a_feed_or_a_source_name_never_reach_a_log_line_raw() {
    if !alone(concat!(
        module_path!(),
        "::control_characters_from_a_feed_or_a_source_name_never_reach_a_log_line_raw"
    )) {
        return;
    }
    let feed = hostile_feed();
    let url = format!("{}/index.json", feed.base_url());
    let options = ClientOptions::new()
        .named_source("feed\nWARN  forged\u{1b}[0m", &url)
        .ignore_failed_sources(true);
    let client = Client::new(options).unwrap();
    let found = client.search(&SearchQuery::default());
    assert!(found[0].result.as_ref().unwrap().results.is_empty());
    let err = client
        .get_metadata("Demo.Core", &MetadataOptions::default())
        .unwrap_err();
    let _ = client.health();

    let shown = err.to_string();
    assert!(!unprintable(&shown), "{shown:?}");
    assert!(
        shown.contains("/reg%1B[2J%0A/demo.core/index.json"),
        "{shown}"
    );
    assert!(shown.contains(r"feed\nWARN  forged\u{1b}[0m"), "{shown}");
    let lines = lines();
    let raw: Vec<&String> = lines.iter().filter(|l| unprintable(l)).collect();
    assert!(raw.is_empty(), "{raw:#?}");
    let skipped = r#"skipping "Evil\r\nWARN  rnuget::http: forged \u{1b}[31mred\u{202e}""#;
    assert!(lines.iter().any(|l| l.contains(skipped)), "{lines:#?}");
}
