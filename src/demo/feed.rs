//! A static NuGet V3 feed served from memory on loopback.
//!
//! [`DemoFeed::start`] serves the demo packages; [`DemoFeed::with_packages`] and
//! [`DemoFeed::builder`] serve any set, for tests and benchmarks. Every document but search and
//! autocomplete is rendered once at start (see `documents` for the URL layout), so that serving
//! costs next to nothing and a benchmark measures the client, not the feed.

use std::collections::HashMap;
use std::io;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use super::catalog::{Catalog, FeedPackage};
use super::documents::{self, Document, FeedUrls, PageLayout};
use super::packages::demo_packages;
use super::search::{self, Params};
use super::server::{Body, LoopbackServer, Request, Response};

/// What the request handler needs; set once the server knows its port.
struct FeedState {
    catalog: Catalog,
    urls: FeedUrls,
    documents: HashMap<String, Document>,
}

/// A running V3 feed on `127.0.0.1`; it stops when dropped.
pub struct DemoFeed {
    server: LoopbackServer,
    state: Arc<OnceLock<FeedState>>,
}

/// Settings for a [`DemoFeed`] before it starts.
#[derive(Debug, Clone, Default)]
pub struct DemoFeedBuilder {
    packages: Vec<FeedPackage>,
    layout: PageLayout,
    port: u16,
}

impl DemoFeedBuilder {
    /// Adds one package.
    pub fn package(mut self, package: impl Into<FeedPackage>) -> Self {
        self.packages.push(package.into());
        self
    }

    /// Adds packages.
    pub fn packages<P: Into<FeedPackage>>(mut self, packages: impl IntoIterator<Item = P>) -> Self {
        self.packages.extend(packages.into_iter().map(Into::into));
        self
    }

    /// Versions per registration page (default 10).
    pub fn page_size(mut self, versions: usize) -> Self {
        self.layout.page_size = versions.max(1);
        self
    }

    /// Largest number of versions whose pages are inline in the registration index (default 20).
    pub fn inline_limit(mut self, versions: usize) -> Self {
        self.layout.inline_limit = versions;
        self
    }

    /// Listens on this port instead of a free one.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Indexes the packages and starts serving. Fails when a package cannot be read, two have
    /// the same id and version, or the port cannot be bound.
    pub fn start(self) -> io::Result<DemoFeed> {
        let catalog = Catalog::build(self.packages)?;
        let state: Arc<OnceLock<FeedState>> = Arc::new(OnceLock::new());
        let handler_state = Arc::clone(&state);
        let server = LoopbackServer::start_on(self.port, move |request| {
            match handler_state.get() {
                Some(state) => respond(state, request),
                // Only reachable by a client that guessed the port before `start` returned.
                None => Response::new(503, "the demo feed is starting"),
            }
        })?;
        let urls = FeedUrls {
            base: server.base_url(),
        };
        let documents = documents::render(&catalog, &urls, self.layout);
        let _ = state.set(FeedState {
            catalog,
            urls,
            documents,
        });
        Ok(DemoFeed { server, state })
    }
}

impl DemoFeed {
    /// Serves the demo packages ([`super::packages::demo_packages`]).
    pub fn start() -> io::Result<DemoFeed> {
        DemoFeed::with_packages(demo_packages())
    }

    /// Serves the given packages (demo packages, `.nupkg` bytes or files).
    pub fn with_packages<P: Into<FeedPackage>>(
        packages: impl IntoIterator<Item = P>,
    ) -> io::Result<DemoFeed> {
        DemoFeed::builder().packages(packages).start()
    }

    /// A builder for a feed with other settings.
    pub fn builder() -> DemoFeedBuilder {
        DemoFeedBuilder::default()
    }

    /// The service index URL, the one a client is given.
    pub fn index_url(&self) -> String {
        self.urls().index()
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    /// The server, for counting and inspecting requests.
    pub fn server(&self) -> &LoopbackServer {
        &self.server
    }

    /// The URL the feed serves the `.nupkg` of `id` `version` at, if it has that version.
    pub fn package_url(&self, id: &str, version: &str) -> Option<String> {
        let (lower_id, lower_version) = self.find(id, version)?;
        Some(self.urls().nupkg(&lower_id, &lower_version))
    }

    /// The `.nupkg` bytes the feed serves for `id` `version`, for comparing downloads.
    pub fn package_bytes(&self, id: &str, version: &str) -> Option<io::Result<Vec<u8>>> {
        let url = self.package_url(id, version)?;
        let document = self.state().documents.get(self.urls().path(&url))?;
        Some(match &document.body {
            Body::Bytes(bytes) | Body::Trickle { bytes, .. } => Ok(bytes.to_vec()),
            Body::File(path) => std::fs::read(path),
        })
    }

    /// Every id the feed serves, with its versions (normalized, ascending) and whether each is
    /// listed.
    pub fn packages(&self) -> Vec<(String, Vec<(String, bool)>)> {
        self.state()
            .catalog
            .ids
            .iter()
            .map(|id| {
                let versions = id
                    .entries
                    .iter()
                    .map(|e| (e.version.to_normalized_string(), e.package.listed))
                    .collect();
                (id.id.clone(), versions)
            })
            .collect()
    }

    fn find(&self, id: &str, version: &str) -> Option<(String, String)> {
        let version = crate::version::NuGetVersion::parse(version).ok()?;
        let id = self.state().catalog.get(&id.to_lowercase())?;
        let entry = id.entries.iter().find(|e| e.version == version)?;
        Some((id.lower_id.clone(), entry.lower_version.clone()))
    }

    fn urls(&self) -> &FeedUrls {
        &self.state().urls
    }

    fn state(&self) -> &FeedState {
        // Set in `start` before the feed is returned, never unset.
        match self.state.get() {
            Some(state) => state,
            None => unreachable!("a DemoFeed is only returned once its state is set"),
        }
    }
}

impl std::fmt::Debug for DemoFeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoFeed")
            .field("index_url", &self.index_url())
            .finish()
    }
}

fn respond(state: &FeedState, request: &Request) -> Response {
    if request.method != "GET" && request.method != "HEAD" {
        return Response::new(405, "only GET and HEAD");
    }
    let path = request.path();
    if let Some(document) = state.documents.get(path) {
        return Response {
            status: 200,
            headers: vec![(
                "Content-Type".to_string(),
                document.content_type.to_string(),
            )],
            body: document.body.clone(),
        };
    }
    let params = Params::parse(request.query());
    let body = if path == state.urls.path(&state.urls.search()) {
        search::search(&state.catalog, &state.urls, &params)
    } else if path == state.urls.path(&state.urls.autocomplete()) {
        search::autocomplete(&state.catalog, &params)
    } else {
        return Response::not_found();
    };
    Response::json(body.to_string())
}

/// Writes `package` as a `.nupkg` into `dir` (streaming, so big packages never sit in memory)
/// and returns the path, ready for [`FeedPackage::File`].
pub fn write_package_file(
    package: &super::packages::DemoPackage,
    dir: &std::path::Path,
) -> io::Result<PathBuf> {
    let path = dir.join(package.file_name());
    let file = io::BufWriter::new(std::fs::File::create(&path)?);
    let mut file = package.write_nupkg(file)?;
    io::Write::flush(&mut file)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::DemoPackage;
    use serde_json::Value;

    fn get(url: &str) -> (u16, Vec<u8>) {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .new_agent();
        let mut response = agent.get(url).call().unwrap();
        let status = response.status().as_u16();
        (status, response.body_mut().read_to_vec().unwrap())
    }

    fn get_json(url: &str) -> Value {
        let (status, body) = get(url);
        assert_eq!(status, 200, "{url}");
        serde_json::from_slice(&body).unwrap()
    }

    fn resource(index: &Value, kind: &str) -> String {
        index["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["@type"] == kind)
            .unwrap_or_else(|| panic!("no {kind}"))["@id"]
            .as_str()
            .unwrap()
            .to_string()
    }

    #[test]
    fn the_service_index_names_the_four_resources_on_loopback() {
        let feed = DemoFeed::start().unwrap();
        let index = get_json(&feed.index_url());
        let base = feed.base_url();
        assert!(base.starts_with("http://127.0.0.1:"));
        let types = [
            "RegistrationsBaseUrl/3.6.0",
            "PackageBaseAddress/3.0.0",
            "SearchQueryService/3.5.0",
            "SearchAutocompleteService/3.5.0",
        ];
        for kind in types {
            assert!(resource(&index, kind).starts_with(&base), "{kind}");
        }
    }

    #[test]
    fn the_flat_container_lists_every_version_and_serves_the_packages() {
        let feed = DemoFeed::start().unwrap();
        let flat = resource(&get_json(&feed.index_url()), "PackageBaseAddress/3.0.0");
        let versions = get_json(&format!("{flat}demo.json/index.json"));
        assert_eq!(
            versions["versions"],
            serde_json::json!(["0.9.0", "1.0.0", "1.0.1"])
        );
        let core = get_json(&format!("{flat}demo.core/index.json"));
        assert_eq!(
            core["versions"],
            serde_json::json!(["1.0.0", "1.1.0", "2.0.0-beta.1", "2.0.0"])
        );

        let (status, bytes) = get(&format!(
            "{flat}demo.core/2.0.0-beta.1/demo.core.2.0.0-beta.1.nupkg"
        ));
        assert_eq!(status, 200);
        assert_eq!(
            bytes,
            feed.package_bytes("Demo.Core", "2.0.0-beta.1")
                .unwrap()
                .unwrap()
        );
        assert!(bytes.starts_with(b"PK\x03\x04"));
        // Paths are matched exactly, as on a static blob feed.
        assert_eq!(get(&format!("{flat}Demo.Core/index.json")).0, 404);
        assert_eq!(get(&format!("{flat}nothing/index.json")).0, 404);
    }

    #[test]
    fn registrations_are_inline_for_few_versions_and_remote_for_many() {
        let feed = DemoFeed::start().unwrap();
        let registrations = resource(&get_json(&feed.index_url()), "RegistrationsBaseUrl/3.6.0");

        let json = get_json(&format!("{registrations}demo.json/index.json"));
        assert_eq!(json["count"], 1);
        let leaves = json["items"][0]["items"].as_array().unwrap();
        assert_eq!(leaves.len(), 3);
        assert_eq!(leaves[0]["catalogEntry"]["version"], "0.9.0");
        assert_eq!(leaves[0]["catalogEntry"]["listed"], false);
        assert_eq!(leaves[2]["catalogEntry"]["licenseExpression"], "Apache-2.0");
        assert_eq!(json["items"][0]["lower"], "0.9.0");
        assert_eq!(json["items"][0]["upper"], "1.0.1");

        let nightly = get_json(&format!("{registrations}demo.nightly/index.json"));
        let pages = nightly["items"].as_array().unwrap();
        assert_eq!(pages.len(), 3);
        assert!(pages.iter().all(|p| p.get("items").is_none()));
        let counts: Vec<u64> = pages
            .iter()
            .map(|page| {
                let remote = get_json(page["@id"].as_str().unwrap());
                assert_eq!(remote["lower"], page["lower"]);
                remote["items"].as_array().unwrap().len() as u64
            })
            .collect();
        assert_eq!(counts, [10, 10, 5]);
        assert_eq!(pages[2]["upper"], "1.0.0");
    }

    #[test]
    fn dependency_groups_carry_frameworks_and_ranges() {
        let feed = DemoFeed::start().unwrap();
        let url = format!(
            "{}/v3/registration/demo.logging/index.json",
            feed.base_url()
        );
        let json = get_json(&url);
        let leaves = json["items"][0]["items"].as_array().unwrap();
        let v120 = &leaves[1]["catalogEntry"];
        assert_eq!(v120["version"], "1.2.0");
        let groups = v120["dependencyGroups"].as_array().unwrap();
        assert_eq!(groups[0]["targetFramework"], ".NETStandard2.0");
        assert_eq!(groups[0]["dependencies"][0]["id"], "Demo.Core");
        assert_eq!(groups[0]["dependencies"][0]["range"], "[1.1.0, 2.0.0)");
        assert_eq!(groups[1]["targetFramework"], "net6.0");
    }

    #[test]
    fn search_filters_prerelease_semver2_and_unlisted_versions() {
        let feed = DemoFeed::start().unwrap();
        let query = |q: &str| get_json(&format!("{}/v3/query?{q}", feed.base_url()));

        let stable = query("q=demo.core");
        assert_eq!(stable["data"][0]["id"], "Demo.Core");
        assert_eq!(stable["data"][0]["version"], "2.0.0");
        assert_eq!(stable["data"][0]["versions"].as_array().unwrap().len(), 3);

        let semver2 = query("q=packageid:demo.core&prerelease=true&semVerLevel=2.0.0");
        assert_eq!(semver2["totalHits"], 1);
        assert_eq!(semver2["data"][0]["versions"].as_array().unwrap().len(), 4);

        let json = query("q=json");
        let ids: Vec<&str> = json["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["Demo.Json", "Demo.Http"]);
        let versions = &json["data"][0]["versions"];
        assert_eq!(
            versions,
            &serde_json::json!([
                {"version": "1.0.0", "downloads": 2100, "@id": format!("{}/v3/registration/demo.json/1.0.0.json", feed.base_url())},
                {"version": "1.0.1", "downloads": 2900, "@id": format!("{}/v3/registration/demo.json/1.0.1.json", feed.base_url())},
            ])
        );

        let all = query("q=&skip=1&take=2&prerelease=true&semVerLevel=2.0.0");
        assert_eq!(all["totalHits"], 5);
        assert_eq!(all["data"].as_array().unwrap().len(), 2);
        // Only prerelease versions: gone without prerelease=true.
        assert_eq!(query("q=nightly")["data"][0]["version"], "1.0.0");
    }

    #[test]
    fn autocomplete_gives_ids_by_prefix_and_versions_of_an_id() {
        let feed = DemoFeed::start().unwrap();
        let ask = |q: &str| get_json(&format!("{}/v3/autocomplete?{q}", feed.base_url()));
        assert_eq!(ask("q=demo.j")["data"], serde_json::json!(["Demo.Json"]));
        assert_eq!(ask("q=demo")["totalHits"], 5);
        assert_eq!(
            ask("id=demo.logging&prerelease=true&semVerLevel=2.0.0")["data"],
            serde_json::json!(["1.0.0", "1.2.0", "1.3.0-preview.2"])
        );
        // A dotted release label is SemVer 2.0.0: left out unless asked for.
        assert_eq!(
            ask("id=demo.logging&prerelease=true")["data"],
            serde_json::json!(["1.0.0", "1.2.0"])
        );
        assert_eq!(
            ask("id=demo.json")["data"],
            serde_json::json!(["1.0.0", "1.0.1"])
        );
    }

    #[test]
    fn raw_bytes_and_files_are_indexed_from_their_nuspec() {
        let dir = std::env::temp_dir().join(format!("rnuget-demo-feed-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let big = DemoPackage::new("Big.One", "1.0").with_filler(300_000);
        let path = write_package_file(&big, &dir).unwrap();
        let bytes = DemoPackage::new("Raw.One", "2.0.0-rc.1").to_nupkg();
        let feed = DemoFeed::builder()
            .package(bytes.clone())
            .package(path.clone())
            .start()
            .unwrap();
        let listed = feed.packages();
        assert_eq!(listed[0].0, "Big.One");
        assert_eq!(listed[0].1, [("1.0.0".to_string(), true)]);
        assert_eq!(listed[1].0, "Raw.One");

        let url = feed.package_url("big.one", "1.0.0").unwrap();
        assert!(
            url.ends_with("/v3/flatcontainer/big.one/1.0.0/big.one.1.0.0.nupkg"),
            "{url}"
        );
        assert_eq!(get(&url).1, std::fs::read(&path).unwrap());
        let raw = feed.package_url("Raw.One", "2.0.0-RC.1").unwrap();
        assert_eq!(get(&raw).1, bytes);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_duplicate_or_unreadable_package_fails_the_start() {
        let one = DemoPackage::new("Same", "1.0.0");
        let two = DemoPackage::new("same", "1.0");
        let err = DemoFeed::with_packages([one, two]).unwrap_err();
        assert_eq!(err.to_string(), "the feed already has same 1.0");
        let err = DemoFeed::with_packages([b"junk".to_vec()]).unwrap_err();
        assert!(err.to_string().contains("not a zip archive"), "{err}");
    }
}
