//! Serving captured feed responses from a loopback V3 feed.
//!
//! Every `http(s)://host` in a capture is rewritten to `http://127.0.0.1:PORT/http(s)/host`, so
//! that the captured URLs (page `@id`s, resource URLs) lead back to this server with their paths
//! intact, and different hosts and schemes stay apart. [`CaptureFeed::restore`] turns a rewritten
//! URL back into the captured one for comparisons.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use parking_lot::RwLock;
use rnuget::demo::server::{LoopbackServer, Request, Response};
use rnuget::http::{HttpClient, HttpOptions};
use rnuget::protocol::v3::V3Provider;

use super::tsv::Table;

/// One row of `responses/SOURCES.tsv`.
#[derive(Debug, Clone)]
pub struct CaptureRow {
    /// Path under `responses/`.
    pub file: String,
    /// What the capture is, with its counts (`V3 service index (version=3.0.0, 14 resources)`).
    pub endpoint: String,
}

/// The rows of `responses/SOURCES.tsv`, in file order.
pub fn capture_rows(corpus: &Path) -> Vec<CaptureRow> {
    let table = Table::read(&super::required_file(corpus, "responses/SOURCES.tsv"));
    table
        .rows()
        .map(|row| CaptureRow {
            file: row.get("file").to_string(),
            endpoint: row.get("endpoint (auto-classified)").to_string(),
        })
        .collect()
}

/// The bytes of one capture.
pub fn read_capture(corpus: &Path, file: &str) -> Vec<u8> {
    let path = super::required_file(corpus, &format!("responses/{file}"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// A capture parsed as JSON (a leading byte-order mark skipped).
pub fn capture_json(corpus: &Path, file: &str) -> serde_json::Value {
    let bytes = read_capture(corpus, file);
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    serde_json::from_slice(bytes).unwrap_or_else(|e| panic!("{file} is not JSON: {e}"))
}

type Routes = Arc<RwLock<HashMap<String, Response>>>;

/// A loopback server answering fixed paths; everything else is 404.
pub struct CaptureFeed {
    /// The server, for its recorded requests.
    pub server: LoopbackServer,
    routes: Routes,
}

impl Default for CaptureFeed {
    fn default() -> Self {
        Self::start()
    }
}

impl CaptureFeed {
    /// Starts an empty feed.
    pub fn start() -> CaptureFeed {
        let routes: Routes = Arc::default();
        let lookup = Arc::clone(&routes);
        let server = LoopbackServer::start(move |request: &Request| {
            lookup
                .read()
                .get(request.path())
                .cloned()
                .unwrap_or_else(Response::not_found)
        })
        .expect("loopback server starts");
        CaptureFeed { server, routes }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    /// Serves `body` as JSON at `path` (no query; a rewritten or plain URL also works).
    pub fn serve(&self, path_or_url: &str, body: impl Into<Vec<u8>>) {
        self.serve_response(path_or_url, Response::json(body));
    }

    /// Serves a response at `path`.
    pub fn serve_response(&self, path_or_url: &str, response: Response) {
        self.routes
            .write()
            .insert(self.path_of(path_or_url), response);
    }

    /// The path part of a URL on this server (or the path itself), without query or fragment.
    pub fn path_of(&self, path_or_url: &str) -> String {
        let rest = path_or_url
            .strip_prefix(&self.base_url())
            .unwrap_or(path_or_url);
        rest.split(['?', '#']).next().unwrap_or("").to_string()
    }

    /// Rewrites every `http(s)://host` in `text` to this server.
    pub fn rewrite(&self, text: &str) -> String {
        let base = self.base_url();
        let mut out = String::with_capacity(text.len() + 256);
        let mut rest = text;
        while let Some(start) = find_scheme(rest) {
            let (before, from) = rest.split_at(start);
            out.push_str(before);
            let scheme = if from.starts_with("https://") {
                "https"
            } else {
                "http"
            };
            let after = &from[scheme.len() + 3..];
            let host_len = after
                .find(|c: char| "/\"?#\\ <>'".contains(c) || c.is_whitespace())
                .unwrap_or(after.len());
            out.push_str(&base);
            out.push('/');
            out.push_str(scheme);
            out.push('/');
            out.push_str(&after[..host_len]);
            rest = &after[host_len..];
        }
        out.push_str(rest);
        out
    }

    /// Rewrites a capture's bytes (lossless for UTF-8 text; a BOM is kept).
    pub fn rewrite_bytes(&self, bytes: &[u8]) -> Vec<u8> {
        let text = String::from_utf8(bytes.to_vec()).expect("captures are UTF-8");
        self.rewrite(&text).into_bytes()
    }

    /// Undoes [`CaptureFeed::rewrite`] for one URL; other strings come back unchanged.
    pub fn restore(&self, url: &str) -> String {
        let prefix = format!("{}/", self.base_url());
        let Some(rest) = url.strip_prefix(&prefix) else {
            return url.to_string();
        };
        match rest.split_once('/') {
            Some((scheme @ ("http" | "https"), rest)) => format!("{scheme}://{rest}"),
            _ => url.to_string(),
        }
    }

    /// Undoes [`CaptureFeed::rewrite`] everywhere in a text (URLs inside descriptions too).
    pub fn restore_text(&self, text: &str) -> String {
        let base = self.base_url();
        text.replace(&format!("{base}/https/"), "https://")
            .replace(&format!("{base}/http/"), "http://")
    }

    /// Serves a service index at `/index.json` with the given `(type, path)` resources and
    /// returns its URL.
    pub fn serve_service_index(&self, resources: &[(&str, &str)]) -> String {
        let base = self.base_url();
        let resources: Vec<serde_json::Value> = resources
            .iter()
            .map(|(kind, path)| serde_json::json!({"@id": format!("{base}{path}"), "@type": kind}))
            .collect();
        let index = serde_json::json!({"version": "3.0.0", "resources": resources});
        self.serve("/index.json", index.to_string());
        format!("{base}/index.json")
    }

    /// A provider for the service index at `/index.json` with its own HTTP client.
    pub fn provider(&self) -> V3Provider {
        let http = HttpClient::new(HttpOptions::default()).expect("http client");
        V3Provider::new(&format!("{}/index.json", self.base_url()), Arc::new(http))
    }

    /// The paths requested so far, in order (queries included).
    pub fn requested(&self) -> Vec<String> {
        self.server
            .requests()
            .into_iter()
            .map(|r| r.target)
            .collect()
    }
}

fn find_scheme(text: &str) -> Option<usize> {
    match (text.find("http://"), text.find("https://")) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Serves the registration index capture `file` as the registration of `id` at
/// `/reg/{id-lower}/index.json`, and each of its remote pages, found among the
/// `V3 registration page` captures by `@id`, at its own (rewritten) `@id`. Returns the paths the
/// remote pages are served at; errors name a remote page no capture holds.
pub fn serve_registration(
    feed: &CaptureFeed,
    corpus: &Path,
    rows: &[CaptureRow],
    file: &str,
    id: &str,
) -> Result<Vec<String>, String> {
    let bytes = feed.rewrite_bytes(&read_capture(corpus, file));
    feed.serve(&format!("/reg/{}/index.json", id.to_lowercase()), bytes);
    let index = capture_json(corpus, file);
    let mut page_paths = Vec::new();
    for page in index["items"].as_array().into_iter().flatten() {
        if page["items"].is_array() {
            continue;
        }
        let url = page["@id"].as_str().unwrap_or("");
        let page_row = rows
            .iter()
            .filter(|r| r.endpoint.starts_with("V3 registration page"))
            .find(|r| capture_json(corpus, &r.file)["@id"] == url)
            .ok_or_else(|| format!("{file}: no capture of remote page {url}"))?;
        let rewritten = feed.rewrite(url);
        feed.serve(
            &rewritten,
            feed.rewrite_bytes(&read_capture(corpus, &page_row.file)),
        );
        page_paths.push(feed.path_of(&rewritten));
    }
    Ok(page_paths)
}

/// A service index with the registration hive at `/reg/` and the flat container at `/flat/`.
pub fn serve_registration_feed_index(feed: &CaptureFeed) {
    feed.serve_service_index(&[
        ("RegistrationsBaseUrl/3.6.0", "/reg/"),
        ("PackageBaseAddress/3.0.0", "/flat/"),
    ]);
}
