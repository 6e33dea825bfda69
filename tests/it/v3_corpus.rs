//! Every real V3 capture in `../shared/corpus/responses/` read through [`V3Provider`] from a
//! loopback feed, checked against the counts its `SOURCES.tsv` row gives and against the file.
//!
//! The check for a row is chosen by the row's endpoint column alone, so a new capture of a
//! known kind is checked with no code change; a V3 kind this test does not know fails it.

mod cases;
mod limits;
mod registration_faults;

use std::path::Path;

use rnuget::protocol::v3::V3Provider;
use rnuget::protocol::{MetadataOptions, SearchQuery};
use rnuget::version::NuGetVersion;
use serde_json::{Value, json};

use crate::support::captures::{
    CaptureFeed, CaptureRow, capture_json, capture_rows, read_capture, serve_registration,
};
use crate::support::corpus_dir;
use crate::support::tsv::Diffs;

type Check = Result<(), String>;

const ALL: MetadataOptions = MetadataOptions {
    include_prerelease: true,
    include_unlisted: true,
};

#[test]
fn every_v3_capture_reads_through_the_provider() {
    let Some(corpus) = corpus_dir() else { return };
    let rows = capture_rows(&corpus);
    let mut diffs = Diffs::new("responses/SOURCES.tsv (V3 captures)");
    for row in rows.iter().filter(|r| r.endpoint.starts_with("V3 ")) {
        let result = check_row(&corpus, row, &rows);
        diffs.check(result.err().map(|e| format!("{}: {e}", row.file)));
    }
    diffs.finish();
}

fn check_row(corpus: &Path, row: &CaptureRow, rows: &[CaptureRow]) -> Check {
    let kind = row.endpoint.as_str();
    if kind.starts_with("V3 service index") {
        check_service_index(corpus, row)
    } else if kind.starts_with("V3 search query response") {
        check_search(corpus, row)
    } else if kind.starts_with("V3 registration index") {
        check_registration_index(corpus, row, rows)
    } else if kind.starts_with("V3 registration page") {
        check_registration_page(corpus, row)
    } else if kind.starts_with("V3 registration leaf") {
        check_registration_leaf(corpus, row)
    } else if kind.starts_with("V3 flat container version list") {
        check_flat_container(corpus, row)
    } else if kind.starts_with("V3 autocomplete") {
        check_autocomplete(corpus, row)
    } else if kind.starts_with("V3 catalog leaf") {
        check_catalog_leaf(corpus, row)
    } else if kind.starts_with("V3 RepositorySignatures") {
        check_repository_signatures(corpus, row)
    } else {
        Err(format!("no check for V3 capture kind {kind:?}"))
    }
}

/// The number written right before `word` in an endpoint description (`14 resources`).
fn number_before(text: &str, word: &str) -> Result<u64, String> {
    let end = text
        .find(word)
        .ok_or_else(|| format!("no {word:?} in {text:?}"))?;
    let digits: String = text[..end]
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    digits
        .parse()
        .map_err(|_| format!("no number before {word:?} in {text:?}"))
}

/// The value after `key` up to `,` or `)` (`version=3.0.0`).
fn value_after<'a>(text: &'a str, key: &str) -> Result<&'a str, String> {
    let start = text
        .find(key)
        .ok_or_else(|| format!("no {key:?} in {text:?}"))?
        + key.len();
    let rest = &text[start..];
    Ok(&rest[..rest.find([',', ')']).unwrap_or(rest.len())])
}

fn expect<T: PartialEq + std::fmt::Debug>(what: &str, got: T, want: T) -> Check {
    if got == want {
        Ok(())
    } else {
        Err(format!("{what}: got {got:?}, want {want:?}"))
    }
}

fn parse_version(text: &str) -> Result<NuGetVersion, String> {
    NuGetVersion::parse(text).map_err(|e| format!("capture version {text:?}: {e}"))
}

/// A feed serving `file` rewritten to itself, and the capture as JSON (after rewriting).
fn feed_with(corpus: &Path, file: &str) -> (CaptureFeed, Vec<u8>, Value) {
    let feed = CaptureFeed::start();
    let bytes = feed.rewrite_bytes(&read_capture(corpus, file));
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let value = serde_json::from_slice(body).expect("captures are JSON");
    (feed, bytes, value)
}

fn check_service_index(corpus: &Path, row: &CaptureRow) -> Check {
    let (feed, bytes, file) = feed_with(corpus, &row.file);
    feed.serve("/index.json", bytes);
    let index = feed.provider().service_index().map_err(|e| e.to_string())?;
    let raw = file["resources"].as_array().cloned().unwrap_or_default();
    expect(
        "version",
        index.version(),
        value_after(&row.endpoint, "version=")?,
    )?;
    expect(
        "resources in the file",
        raw.len() as u64,
        number_before(&row.endpoint, " resources")?,
    )?;
    // NuGet skips entries whose @id is not an absolute URL; so does rnuget.
    let usable: Vec<&str> = raw
        .iter()
        .filter_map(|r| r["@id"].as_str())
        .filter(|id| id.starts_with("http://") || id.starts_with("https://"))
        .collect();
    expect("usable resources", index.resources().len(), usable.len())?;
    for types in [
        rnuget::protocol::v3::REGISTRATIONS_BASE_URL,
        rnuget::protocol::v3::PACKAGE_BASE_ADDRESS,
        rnuget::protocol::v3::SEARCH_QUERY_SERVICE,
        rnuget::protocol::v3::SEARCH_AUTOCOMPLETE_SERVICE,
    ] {
        let offered: Vec<(&str, &str)> = types
            .iter()
            .find_map(|t| {
                let ids: Vec<_> = raw
                    .iter()
                    .filter(|r| has_type(r, t))
                    .filter_map(|r| r["@id"].as_str().map(|id| (*t, id)))
                    .collect();
                (!ids.is_empty()).then_some(ids)
            })
            .unwrap_or_default();
        match (index.url(types), offered.first()) {
            (None, None) => {}
            (Some(url), Some(_)) if offered.iter().any(|(_, id)| *id == url) => {}
            (got, _) => return Err(format!("{}: chose {got:?} of {offered:?}", types[0])),
        }
    }
    Ok(())
}

fn has_type(resource: &Value, wanted: &str) -> bool {
    match &resource["@type"] {
        Value::String(t) => t == wanted,
        Value::Array(types) => types.iter().any(|t| t == wanted),
        _ => false,
    }
}

fn check_search(corpus: &Path, row: &CaptureRow) -> Check {
    let (feed, bytes, file) = feed_with(corpus, &row.file);
    feed.serve_service_index(&[("SearchQueryService/3.0.0-beta", "/query")]);
    feed.serve("/query", bytes);
    // NuGet.Client reads at most `take` results, so ask for as many as the file holds.
    let want_results = number_before(&row.endpoint, " results")?;
    let query = SearchQuery {
        query: "Some Query".into(),
        take: u32::try_from(want_results).map_err(|e| e.to_string())?,
        ..SearchQuery::default()
    };
    let results = feed.provider().search(&query).map_err(|e| e.to_string())?;
    expect(
        "totalHits",
        results.total_hits,
        number_before(&row.endpoint, ",")?,
    )?;
    expect("results", results.results.len() as u64, want_results)?;
    let data = file["data"].as_array().cloned().unwrap_or_default();
    let want_ids: Vec<&str> = data.iter().filter_map(|d| d["id"].as_str()).collect();
    let got_ids: Vec<&str> = results.results.iter().map(|r| r.id.as_str()).collect();
    expect("ids", got_ids, want_ids)?;
    for (got, want) in results.results.iter().zip(&data) {
        expect(
            "version",
            got.version.clone(),
            parse_version(want["version"].as_str().unwrap_or(""))?,
        )?;
        // PackageSearchResourceV3 lists each version of the array once, then adds the
        // result's own version when the array does not hold it.
        let mut versions: Vec<NuGetVersion> = Vec::new();
        let listed = want["versions"].as_array().cloned().unwrap_or_default();
        let own = std::iter::once(want["version"].as_str().unwrap_or(""));
        for text in listed
            .iter()
            .map(|v| v["version"].as_str().unwrap_or(""))
            .chain(own)
        {
            let version = parse_version(text)?;
            if !versions.contains(&version) {
                versions.push(version);
            }
        }
        let got_versions: Vec<NuGetVersion> =
            got.versions.iter().map(|v| v.version.clone()).collect();
        expect("versions of the result", got_versions, versions)?;
        expect(
            "totalDownloads",
            got.total_downloads,
            want["totalDownloads"].as_u64(),
        )?;
    }
    let target = feed.requested().pop().unwrap_or_default();
    expect(
        "query",
        target.as_str(),
        format!(
            "/query?q=Some%20Query&skip=0&take={want_results}&prerelease=true&semVerLevel=2.0.0"
        )
        .as_str(),
    )
}

/// The leaves of a registration page object.
fn leaves(page: &Value) -> Vec<Value> {
    page["items"].as_array().cloned().unwrap_or_default()
}

fn leaf_versions(leaves: &[Value]) -> Result<Vec<NuGetVersion>, String> {
    leaves
        .iter()
        .map(|l| parse_version(l["catalogEntry"]["version"].as_str().unwrap_or("")))
        .collect()
}

/// The id a registration capture is for: its first entry's id, else its `@id`'s folder.
fn registration_id(index: &Value) -> String {
    let first_entry = index["items"].as_array().and_then(|pages| {
        pages
            .iter()
            .find_map(|p| p["items"][0]["catalogEntry"]["id"].as_str())
    });
    if let Some(id) = first_entry {
        return id.to_string();
    }
    let url = index["@id"].as_str().unwrap_or("");
    url.rsplit('/').nth(1).unwrap_or("unknown").to_string()
}

fn registration_feed(feed: &CaptureFeed) -> V3Provider {
    feed.serve_service_index(&[("RegistrationsBaseUrl/3.6.0", "/reg/")]);
    feed.provider()
}

fn check_registration_index(corpus: &Path, row: &CaptureRow, rows: &[CaptureRow]) -> Check {
    let (feed, _, index) = feed_with(corpus, &row.file);
    let id = registration_id(&index);
    let mut page_paths = serve_registration(&feed, corpus, rows, &row.file, &id)?;
    let pages = index["items"].as_array().cloned().unwrap_or_default();
    let inline: Vec<&Value> = pages.iter().filter(|p| p["items"].is_array()).collect();
    let remote: Vec<&Value> = pages.iter().filter(|p| !p["items"].is_array()).collect();
    let e = &row.endpoint;
    expect("pages", pages.len() as u64, number_before(e, " pages")?)?;
    expect(
        "inline pages",
        inline.len() as u64,
        number_before(e, " inline")?,
    )?;
    expect(
        "by-reference pages",
        remote.len() as u64,
        number_before(e, " by reference")?,
    )?;
    let mut all_leaves: Vec<Value> = inline.iter().flat_map(|p| leaves(p)).collect();
    expect(
        "inline leaves",
        all_leaves.len() as u64,
        number_before(e, " leaves")?,
    )?;
    for page in &remote {
        let captured = feed.restore(page["@id"].as_str().unwrap_or(""));
        let page_row = rows
            .iter()
            .filter(|r| r.endpoint.starts_with("V3 registration page"))
            .find(|r| capture_json(corpus, &r.file)["@id"] == captured.as_str())
            .ok_or_else(|| format!("no capture of remote page {captured}"))?;
        all_leaves.extend(leaves(&capture_json(corpus, &page_row.file)));
    }

    let provider = registration_feed(&feed);
    let got = provider
        .get_metadata(&id, &ALL)
        .map_err(|e| e.to_string())?;
    let mut want = leaf_versions(&all_leaves)?;
    want.sort();
    let got_versions: Vec<_> = got.iter().map(|m| m.version.clone()).collect();
    expect("versions", got_versions, want)?;
    // Concurrent fetches arrive in any order.
    let mut fetched: Vec<String> = feed
        .requested()
        .into_iter()
        .filter(|t| !t.ends_with("/index.json"))
        .collect();
    fetched.sort();
    page_paths.sort();
    expect("remote pages fetched at their @id", fetched, page_paths)?;

    let stable_listed = all_leaves
        .iter()
        .filter(|l| l["catalogEntry"]["listed"] != false)
        .filter(|l| {
            let version = l["catalogEntry"]["version"].as_str().unwrap_or("");
            parse_version(version).is_ok_and(|v| !v.is_prerelease())
        })
        .count();
    let none = MetadataOptions::default();
    let got = provider
        .get_metadata(&id, &none)
        .map_err(|e| e.to_string())?;
    expect("listed stable versions", got.len(), stable_listed)
}

fn check_registration_page(corpus: &Path, row: &CaptureRow) -> Check {
    let (feed, bytes, page) = feed_with(corpus, &row.file);
    let items = leaves(&page);
    let range = value_after(&row.endpoint, "leaves, ")?;
    let (lower, upper) = range
        .split_once("..")
        .ok_or_else(|| format!("no bounds in {}", row.endpoint))?;
    expect(
        "leaves",
        items.len() as u64,
        number_before(&row.endpoint, " leaves")?,
    )?;
    expect("lower", page["lower"].as_str().unwrap_or(""), lower)?;
    expect("upper", page["upper"].as_str().unwrap_or(""), upper)?;
    let id = items
        .first()
        .and_then(|l| l["catalogEntry"]["id"].as_str())
        .unwrap_or("unknown")
        .to_string();
    // A one-page index that refers to the captured page by its @id.
    let page_url = page["@id"].as_str().unwrap_or("").to_string();
    let index =
        json!({"items": [{"@id": page_url, "lower": lower, "upper": upper, "count": items.len()}]});
    feed.serve(
        &format!("/reg/{}/index.json", id.to_lowercase()),
        index.to_string(),
    );
    feed.serve(&page_url, bytes);
    let got = registration_feed(&feed)
        .get_metadata(&id, &ALL)
        .map_err(|e| e.to_string())?;
    let mut want = leaf_versions(&items)?;
    want.sort();
    expect(
        "versions",
        got.iter().map(|m| m.version.clone()).collect::<Vec<_>>(),
        want,
    )?;
    expect(
        "page fetched",
        feed.requested().last().cloned(),
        Some(feed.path_of(&page_url)),
    )
}

fn check_registration_leaf(corpus: &Path, row: &CaptureRow) -> Check {
    let (feed, bytes, leaf) = feed_with(corpus, &row.file);
    let url = leaf["@id"].as_str().ok_or("leaf without @id")?.to_string();
    // `{base}/{id}/{version}.json`: the base, id and version come from the leaf's own URL.
    let mut parts = url.rsplitn(3, '/');
    let file_name = parts.next().unwrap_or("");
    let id = parts.next().unwrap_or("");
    let base = parts.next().unwrap_or("");
    let version = parse_version(file_name.trim_end_matches(".json"))?;
    feed.serve(&url, bytes);
    feed.serve_service_index(&[(
        "RegistrationsBaseUrl/3.4.0",
        &format!("{}/", feed.path_of(base)),
    )]);
    let got = feed
        .provider()
        .registration_leaf(id, &version)
        .map_err(|e| e.to_string())?;
    expect("listed", got.listed, leaf["listed"] != false)?;
    expect(
        "packageContent",
        got.package_content.as_deref(),
        leaf["packageContent"].as_str(),
    )?;
    let entry = leaf["catalogEntry"]
        .as_str()
        .or(leaf["catalogEntry"]["@id"].as_str());
    expect("catalogEntry", got.catalog_entry_url.as_deref(), entry)
}

fn check_flat_container(corpus: &Path, row: &CaptureRow) -> Check {
    let (feed, bytes, file) = feed_with(corpus, &row.file);
    feed.serve_service_index(&[("PackageBaseAddress/3.0.0", "/flat/")]);
    feed.serve("/flat/corpus.package/index.json", bytes);
    let got = feed
        .provider()
        .list_versions("Corpus.Package")
        .map_err(|e| e.to_string())?;
    let mut want = file["versions"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|v| parse_version(v.as_str().unwrap_or("")))
        .collect::<Result<Vec<_>, _>>()?;
    expect(
        "versions in the file",
        want.len() as u64,
        number_before(&row.endpoint, " versions")?,
    )?;
    want.sort();
    want.dedup();
    expect("versions", got, want)
}

fn check_autocomplete(corpus: &Path, row: &CaptureRow) -> Check {
    let (feed, bytes, file) = feed_with(corpus, &row.file);
    feed.serve_service_index(&[("SearchAutocompleteService/3.0.0-beta", "/autocomplete")]);
    feed.serve("/autocomplete", bytes);
    let got = feed
        .provider()
        .autocomplete_ids("", 0, 20, true)
        .map_err(|e| e.to_string())?;
    expect(
        "items",
        got.len() as u64,
        number_before(&row.endpoint, " items")?,
    )?;
    expect(
        "totalHits",
        file["totalHits"].as_u64(),
        Some(number_before(&row.endpoint, ",")?),
    )?;
    let want: Vec<&str> = file["data"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    expect(
        "ids",
        got.iter().map(String::as_str).collect::<Vec<_>>(),
        want,
    )?;
    let target = feed.requested().pop().unwrap_or_default();
    expect(
        "query",
        target.as_str(),
        "/autocomplete?q=&skip=0&take=20&prerelease=true&semVerLevel=2.0.0",
    )
}

fn check_catalog_leaf(corpus: &Path, row: &CaptureRow) -> Check {
    let (feed, _, entry) = feed_with(corpus, &row.file);
    // "V3 catalog leaf (PackageDetails) <id> <version> [...]"
    let words: Vec<&str> = row
        .endpoint
        .split(')')
        .nth(1)
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let (id, version) = match words.as_slice() {
        [id, version, ..] => (*id, parse_version(version)?),
        _ => return Err(format!("no id and version in {}", row.endpoint)),
    };
    expect("id", entry["id"].as_str(), Some(id))?;
    // The entry served inline in a one-page registration index, as registrations carry it.
    let v = version.to_normalized_string();
    let index = json!({"items": [{"@id": "page", "lower": v, "upper": v, "items": [{"catalogEntry": entry}]}]});
    feed.serve(
        &format!("/reg/{}/index.json", id.to_lowercase()),
        index.to_string(),
    );
    let got = registration_feed(&feed)
        .get_metadata(id, &ALL)
        .map_err(|e| e.to_string())?;
    let [got] = got.as_slice() else {
        return Err(format!("{} results, want 1", got.len()));
    };
    expect("id", got.id.as_str(), id)?;
    expect("version", &got.version, &version)?;
    expect(
        "description",
        got.description.as_deref(),
        entry["description"].as_str(),
    )?;
    let reasons: Vec<&str> = entry["deprecation"]["reasons"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let got_reasons: Vec<&str> = got
        .deprecation
        .iter()
        .flat_map(|d| d.reasons.iter().map(String::as_str))
        .collect();
    expect("deprecation reasons", got_reasons, reasons)?;
    let project = entry["projectUrl"]
        .as_str()
        .filter(|u| rnuget::http::origin(u).is_some());
    expect(
        "projectUrl (absolute URLs only)",
        got.project_url.as_deref(),
        project,
    )
}

fn check_repository_signatures(corpus: &Path, row: &CaptureRow) -> Check {
    let _ = &row.endpoint; // "V3 RepositorySignatures resource": no counts to check
    let (feed, bytes, file) = feed_with(corpus, &row.file);
    feed.serve_service_index(&[("RepositorySignatures/4.7.0", "/signatures")]);
    feed.serve("/signatures", bytes);
    let got = feed
        .provider()
        .repository_signatures()
        .map_err(|e| e.to_string())?;
    expect(
        "allRepositorySigned",
        got.all_repository_signed,
        file["allRepositorySigned"] == true,
    )?;
    let want = file["signingCertificates"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    expect("certificates", got.certificates.len(), want.len())?;
    for (got, want) in got.certificates.iter().zip(&want) {
        expect(
            "subject",
            Some(got.subject.as_str()),
            want["subject"].as_str(),
        )?;
        expect(
            "contentUrl",
            Some(got.content_url.as_str()),
            want["contentUrl"].as_str(),
        )?;
        let sha256 = want["fingerprints"]["2.16.840.1.101.3.4.2.1"].as_str();
        expect(
            "sha256",
            got.fingerprints
                .get("2.16.840.1.101.3.4.2.1")
                .map(String::as_str),
            sha256,
        )?;
    }
    Ok(())
}
