//! A tiny static V3 feed on loopback, made from the real packages in `../shared/corpus/nupkgs`,
//! for the C tests: service index, flat container, registration (one inline page) and search.
//!
//! TODO(demo-feed): switch to `rnuget::demo::DemoFeed` once it lands, so that the C tests need no
//! corpus.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rnuget::demo::server::{LoopbackServer, Request, Response};
use serde_json::{Value, json};

/// One package version the feed serves.
#[derive(Debug, Clone)]
pub struct FeedPackage {
    /// Id as the nuspec spells it.
    pub id: String,
    /// Version as the corpus gives it; only plain `x.y.z` versions are served, since those are
    /// already in normalized form.
    pub version: String,
    /// The `.nupkg` bytes.
    pub bytes: Arc<Vec<u8>>,
}

/// A running feed.
pub struct Feed {
    server: LoopbackServer,
    /// Every package served, by lower-cased id, versions ascending.
    pub packages: BTreeMap<String, Vec<FeedPackage>>,
}

impl Feed {
    /// The service index URL.
    pub fn index_url(&self) -> String {
        format!("{}/v3/index.json", self.server.base_url())
    }

    /// The id with the most versions (the first such id in order), and its versions.
    pub fn richest_package(&self) -> &[FeedPackage] {
        let mut best: &[FeedPackage] = &[];
        for versions in self.packages.values() {
            if versions.len() > best.len() {
                best = versions;
            }
        }
        best
    }
}

/// The corpus directory (`RNUGET_CORPUS_DIR`, default `../shared/corpus`), or `None` after saying
/// loudly why the test is skipped; under CI a missing corpus is a failure.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("RNUGET_CORPUS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus"));
    if dir.is_dir() {
        return Some(dir);
    }
    let message = format!(
        "{} is not a directory; the C client tests cannot run",
        dir.display()
    );
    if std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0") {
        panic!("{message} (CI is set, so missing data is a failure)");
    }
    eprintln!("\n*** SKIPPED: {message} ***\n");
    None
}

/// Reads `nupkgs/SOURCES.tsv` and starts a feed with every plain-versioned package in it.
pub fn start(corpus: &Path) -> Feed {
    let packages = read_packages(&corpus.join("nupkgs"));
    assert!(
        !packages.is_empty(),
        "no servable packages in {}",
        corpus.display()
    );
    let served = Arc::new(packages.clone());
    let server = LoopbackServer::start(move |request| answer(&served, request))
        .expect("the loopback feed starts");
    Feed { server, packages }
}

fn read_packages(nupkgs: &Path) -> BTreeMap<String, Vec<FeedPackage>> {
    let sources = std::fs::read_to_string(nupkgs.join("SOURCES.tsv")).expect("SOURCES.tsv");
    let mut packages: BTreeMap<String, Vec<FeedPackage>> = BTreeMap::new();
    for line in sources.lines().skip(1) {
        let columns: Vec<&str> = line.split('\t').collect();
        let (Some(file), Some(notes)) = (columns.first(), columns.last()) else {
            continue;
        };
        let (Some(id), Some(version)) = (note(notes, "id"), note(notes, "version")) else {
            continue;
        };
        if file.contains(".symbols.") || !is_plain_version(version) {
            continue;
        }
        let bytes = std::fs::read(nupkgs.join(file)).expect("a corpus package listed in SOURCES");
        let entry = packages.entry(id.to_lowercase()).or_default();
        entry.push(FeedPackage {
            id: id.into(),
            version: version.into(),
            bytes: Arc::new(bytes),
        });
        entry.sort_by_key(|p| numbers(&p.version));
    }
    packages
}

/// A `key=value` field from the notes column (`... || id=X; version=Y; ...`).
fn note<'a>(notes: &'a str, key: &str) -> Option<&'a str> {
    let (_, fields) = notes.split_once("||")?;
    fields
        .split(';')
        .filter_map(|field| field.trim().split_once('='))
        .find(|(name, _)| *name == key)
        .map(|(_, value)| value.trim())
}

/// `x.y.z` with no leading zeros: its own normalized form.
fn is_plain_version(version: &str) -> bool {
    let parts: Vec<&str> = version.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes().all(|b| b.is_ascii_digit())
                && (p.len() == 1 || !p.starts_with('0'))
        })
}

fn numbers(version: &str) -> Vec<u64> {
    version.split('.').filter_map(|p| p.parse().ok()).collect()
}

fn answer(packages: &BTreeMap<String, Vec<FeedPackage>>, request: &Request) -> Response {
    let base = format!("http://{}", request.header("Host").unwrap_or("127.0.0.1"));
    let path = request.path();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match segments.as_slice() {
        ["v3", "index.json"] => Response::json(service_index(&base).to_string()),
        ["v3", "query"] => Response::json(search(packages, &base, request.query()).to_string()),
        ["v3", "registration", id, "index.json"] => match packages.get(*id) {
            Some(versions) => Response::json(registration(versions, &base).to_string()),
            None => Response::not_found(),
        },
        ["v3-flatcontainer", id, "index.json"] => match packages.get(*id) {
            Some(versions) => {
                let list: Vec<String> = versions.iter().map(|p| p.version.to_lowercase()).collect();
                Response::json(json!({ "versions": list }).to_string())
            }
            None => Response::not_found(),
        },
        ["v3-flatcontainer", id, version, _file] => packages
            .get(*id)
            .and_then(|versions| {
                versions
                    .iter()
                    .find(|p| p.version.to_lowercase() == *version)
            })
            .map_or_else(Response::not_found, |p| Response {
                status: 200,
                headers: vec![("Content-Type".into(), "application/octet-stream".into())],
                body: rnuget::demo::server::Body::Bytes(Arc::clone(&p.bytes)),
            }),
        _ => Response::not_found(),
    }
}

fn service_index(base: &str) -> Value {
    json!({
        "version": "3.0.0",
        "resources": [
            { "@id": format!("{base}/v3-flatcontainer/"), "@type": "PackageBaseAddress/3.0.0" },
            { "@id": format!("{base}/v3/registration/"), "@type": "RegistrationsBaseUrl/3.6.0" },
            { "@id": format!("{base}/v3/query"), "@type": "SearchQueryService/3.5.0" },
        ]
    })
}

fn content_url(base: &str, package: &FeedPackage) -> String {
    let (id, version) = (package.id.to_lowercase(), package.version.to_lowercase());
    format!("{base}/v3-flatcontainer/{id}/{version}/{id}.{version}.nupkg")
}

fn registration(versions: &[FeedPackage], base: &str) -> Value {
    let id = versions[0].id.to_lowercase();
    let index = format!("{base}/v3/registration/{id}/index.json");
    let items: Vec<Value> = versions
        .iter()
        .map(|p| {
            let leaf = format!(
                "{base}/v3/registration/{id}/{}.json",
                p.version.to_lowercase()
            );
            json!({
                "@id": leaf,
                "catalogEntry": {
                    "@id": format!("{base}/catalog/{id}.{}.json", p.version.to_lowercase()),
                    "id": p.id,
                    "version": p.version,
                    "authors": "rnuget test feed",
                    "description": format!("{} served by the rnuget C test feed", p.id),
                    "listed": true,
                    "published": "2020-01-02T03:04:05+00:00",
                    "dependencyGroups": [],
                    "packageContent": content_url(base, p),
                },
                "packageContent": content_url(base, p),
                "registration": index,
            })
        })
        .collect();
    let (lower, upper) = (&versions[0].version, &versions[versions.len() - 1].version);
    json!({
        "@id": index,
        "count": 1,
        "items": [{
            "@id": format!("{index}#page/{lower}/{upper}"),
            "count": items.len(),
            "lower": lower,
            "upper": upper,
            "items": items,
        }]
    })
}

fn search(packages: &BTreeMap<String, Vec<FeedPackage>>, base: &str, query: &str) -> Value {
    let terms = query
        .split('&')
        .find_map(|pair| pair.strip_prefix("q="))
        .unwrap_or("")
        .to_lowercase();
    let data: Vec<Value> = packages
        .iter()
        .filter(|(id, _)| id.contains(&terms))
        .map(|(id, versions)| {
            let latest = &versions[versions.len() - 1];
            json!({
                "@id": format!("{base}/v3/registration/{id}/index.json"),
                "@type": "Package",
                "registration": format!("{base}/v3/registration/{id}/index.json"),
                "id": latest.id,
                "version": latest.version,
                "description": format!("{} served by the rnuget C test feed", latest.id),
                "authors": ["rnuget test feed"],
                "totalDownloads": 0,
                "verified": false,
                "packageTypes": [{ "name": "Dependency" }],
                "versions": versions.iter().map(|p| json!({
                    "version": p.version,
                    "downloads": 0,
                    "@id": format!("{base}/v3/registration/{id}/{}.json", p.version.to_lowercase()),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({ "totalHits": data.len(), "data": data })
}
