//! The static documents of the demo feed, rendered once when it starts: service index, flat
//! container, registrations (index, remote pages, leaves) and catalog entries.
//!
//! ```text
//! /v3/index.json                                      service index
//! /v3/flatcontainer/{id}/index.json                   version list (listed and unlisted)
//! /v3/flatcontainer/{id}/{version}/{id}.{version}.nupkg
//! /v3/flatcontainer/{id}/{version}/{id}.nuspec
//! /v3/registration/{id}/index.json                    inline pages, or references to
//! /v3/registration/{id}/page/{lower}/{upper}.json     remote pages
//! /v3/registration/{id}/{version}.json                leaf
//! /v3/catalog/data/{id}.{version}.json                catalog entry
//! /v3/query, /v3/autocomplete                         dynamic, see `search`
//! ```
//!
//! Ids and versions in paths are lower-cased (versions normalized) and matched exactly, as on a
//! static blob feed.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Value, json};

use super::catalog::{Catalog, CatalogEntry, CatalogId};
use super::server::Body;

/// How registrations are split into pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageLayout {
    /// Versions per registration page.
    pub page_size: usize,
    /// An id with at most this many versions has its pages inline in the index; more, and the
    /// index refers to remote pages.
    pub inline_limit: usize,
}

impl Default for PageLayout {
    /// Small on purpose, so that the demo set shows both inline and remote pages.
    fn default() -> Self {
        PageLayout {
            page_size: 10,
            inline_limit: 20,
        }
    }
}

/// A body the feed serves at a path, with its content type.
#[derive(Debug, Clone)]
pub(crate) struct Document {
    pub content_type: &'static str,
    pub body: Body,
}

/// Every URL of the feed, from its base (`http://127.0.0.1:PORT`).
#[derive(Debug, Clone)]
pub(crate) struct FeedUrls {
    pub base: String,
}

impl FeedUrls {
    pub fn index(&self) -> String {
        format!("{}/v3/index.json", self.base)
    }
    pub fn flat_base(&self) -> String {
        format!("{}/v3/flatcontainer/", self.base)
    }
    pub fn flat_index(&self, lower_id: &str) -> String {
        format!("{}{lower_id}/index.json", self.flat_base())
    }
    pub fn nupkg(&self, lower_id: &str, lower_version: &str) -> String {
        format!(
            "{}{lower_id}/{lower_version}/{lower_id}.{lower_version}.nupkg",
            self.flat_base()
        )
    }
    pub fn nuspec(&self, lower_id: &str, lower_version: &str) -> String {
        format!(
            "{}{lower_id}/{lower_version}/{lower_id}.nuspec",
            self.flat_base()
        )
    }
    pub fn registration_base(&self) -> String {
        format!("{}/v3/registration/", self.base)
    }
    pub fn registration_index(&self, lower_id: &str) -> String {
        format!("{}{lower_id}/index.json", self.registration_base())
    }
    pub fn registration_page(&self, lower_id: &str, lower: &str, upper: &str) -> String {
        format!(
            "{}{lower_id}/page/{lower}/{upper}.json",
            self.registration_base()
        )
    }
    pub fn registration_leaf(&self, lower_id: &str, lower_version: &str) -> String {
        format!(
            "{}{lower_id}/{lower_version}.json",
            self.registration_base()
        )
    }
    pub fn catalog_entry(&self, lower_id: &str, lower_version: &str) -> String {
        format!(
            "{}/v3/catalog/data/{lower_id}.{lower_version}.json",
            self.base
        )
    }
    pub fn search(&self) -> String {
        format!("{}/v3/query", self.base)
    }
    pub fn autocomplete(&self) -> String {
        format!("{}/v3/autocomplete", self.base)
    }
    /// The path part of one of this feed's URLs.
    pub fn path<'a>(&self, url: &'a str) -> &'a str {
        url.strip_prefix(self.base.as_str()).unwrap_or(url)
    }
}

/// Renders every static document, keyed by path.
pub(crate) fn render(
    catalog: &Catalog,
    urls: &FeedUrls,
    layout: PageLayout,
) -> HashMap<String, Document> {
    let mut documents = HashMap::new();
    let mut put = |url: String, content_type: &'static str, body: Body| {
        documents.insert(urls.path(&url).to_string(), Document { content_type, body });
    };
    put(urls.index(), JSON, json_body(&service_index(urls)));
    for id in &catalog.ids {
        put(
            urls.flat_index(&id.lower_id),
            JSON,
            json_body(&flat_index(id)),
        );
        put(
            urls.registration_index(&id.lower_id),
            JSON,
            json_body(&registration_index(id, urls, layout)),
        );
        let pages = id.entries.chunks(layout.page_size.max(1));
        for page in pages.filter(|_| id.entries.len() > layout.inline_limit) {
            let (lower, upper) = bounds(page);
            put(
                urls.registration_page(&id.lower_id, lower, upper),
                JSON,
                json_body(&registration_page(id, page, urls, false)),
            );
        }
        for entry in &id.entries {
            let lv = &entry.lower_version;
            put(
                urls.registration_leaf(&id.lower_id, lv),
                JSON,
                json_body(&registration_leaf(id, entry, urls)),
            );
            put(
                urls.catalog_entry(&id.lower_id, lv),
                JSON,
                json_body(&catalog_entry(entry, urls)),
            );
            put(
                urls.nupkg(&id.lower_id, lv),
                "application/octet-stream",
                entry.content.clone(),
            );
            let nuspec = entry.package.nuspec_xml().into_bytes();
            put(
                urls.nuspec(&id.lower_id, lv),
                "application/xml",
                Body::Bytes(Arc::new(nuspec)),
            );
        }
    }
    documents
}

const JSON: &str = "application/json; charset=utf-8";

fn json_body(value: &Value) -> Body {
    Body::Bytes(Arc::new(value.to_string().into_bytes()))
}

fn service_index(urls: &FeedUrls) -> Value {
    let resource = |id: String, kind: &str, comment: &str| json!({ "@id": id, "@type": kind, "comment": comment });
    json!({
        "version": "3.0.0",
        "resources": [
            resource(urls.registration_base(), "RegistrationsBaseUrl/3.6.0",
                "Registrations (metadata) of the rnuget demo feed."),
            resource(urls.flat_base(), "PackageBaseAddress/3.0.0",
                "Flat container: version lists and .nupkg files."),
            resource(urls.search(), "SearchQueryService/3.5.0", "Search."),
            resource(urls.autocomplete(), "SearchAutocompleteService/3.5.0", "Autocomplete."),
            // NuGet.Client 5.8 (NuGet.exe) knows only these older types; nuget.org lists both.
            resource(urls.registration_base(), "RegistrationsBaseUrl/3.4.0",
                "Registrations, under the type NuGet 5.8 reads."),
            resource(urls.search(), "SearchQueryService/3.0.0-beta",
                "Search, under the type NuGet 5.8 reads."),
            resource(urls.autocomplete(), "SearchAutocompleteService/3.0.0-beta",
                "Autocomplete, under the type NuGet 5.8 reads."),
        ],
        "@context": {
            "@vocab": "http://schema.nuget.org/services#",
            "comment": "http://www.w3.org/2000/01/rdf-schema#comment"
        }
    })
}

fn flat_index(id: &CatalogId) -> Value {
    let versions: Vec<&str> = id
        .entries
        .iter()
        .map(|e| e.lower_version.as_str())
        .collect();
    json!({ "versions": versions })
}

fn bounds(page: &[CatalogEntry]) -> (&str, &str) {
    let lower = page.first().map(|e| e.lower_version.as_str()).unwrap_or("");
    let upper = page.last().map(|e| e.lower_version.as_str()).unwrap_or("");
    (lower, upper)
}

fn registration_index(id: &CatalogId, urls: &FeedUrls, layout: PageLayout) -> Value {
    let inline = id.entries.len() <= layout.inline_limit;
    let pages: Vec<Value> = id
        .entries
        .chunks(layout.page_size.max(1))
        .map(|page| {
            let mut value = registration_page(id, page, urls, inline);
            if !inline {
                strip_page_items(&mut value);
            }
            value
        })
        .collect();
    json!({
        "@id": urls.registration_index(&id.lower_id),
        "@type": ["catalog:CatalogRoot", "PackageRegistration", "catalog:Permalink"],
        "count": pages.len(),
        "items": pages,
    })
}

/// A page with its items: inline in the index (its `@id` points into the index, as on
/// nuget.org) or a remote page document.
fn registration_page(
    id: &CatalogId,
    page: &[CatalogEntry],
    urls: &FeedUrls,
    inline: bool,
) -> Value {
    let (lower, upper) = bounds(page);
    let page_id = if inline {
        format!(
            "{}#page/{lower}/{upper}",
            urls.registration_index(&id.lower_id)
        )
    } else {
        urls.registration_page(&id.lower_id, lower, upper)
    };
    let mut value = json!({
        "@id": page_id,
        "@type": "catalog:CatalogPage",
        "count": page.len(),
        "lower": page.first().map(|e| e.version.to_normalized_string()),
        "upper": page.last().map(|e| e.version.to_normalized_string()),
        "parent": urls.registration_index(&id.lower_id),
    });
    let items: Vec<Value> = page
        .iter()
        .map(|e| registration_item(id, e, urls))
        .collect();
    value["items"] = Value::Array(items);
    value
}

/// Turns a page into the reference the index holds when pages are remote.
fn strip_page_items(page: &mut Value) {
    if let Some(object) = page.as_object_mut() {
        object.remove("items");
    }
}

fn registration_item(id: &CatalogId, entry: &CatalogEntry, urls: &FeedUrls) -> Value {
    let lv = &entry.lower_version;
    json!({
        "@id": urls.registration_leaf(&id.lower_id, lv),
        "@type": "Package",
        "catalogEntry": catalog_entry(entry, urls),
        "packageContent": urls.nupkg(&id.lower_id, lv),
        "registration": urls.registration_index(&id.lower_id),
    })
}

fn registration_leaf(id: &CatalogId, entry: &CatalogEntry, urls: &FeedUrls) -> Value {
    let lv = &entry.lower_version;
    json!({
        "@id": urls.registration_leaf(&id.lower_id, lv),
        "@type": ["Package", "http://schema.nuget.org/catalog#Permalink"],
        "catalogEntry": urls.catalog_entry(&id.lower_id, lv),
        "listed": entry.package.listed,
        "packageContent": urls.nupkg(&id.lower_id, lv),
        "published": entry.package.published,
        "registration": urls.registration_index(&id.lower_id),
    })
}

fn catalog_entry(entry: &CatalogEntry, urls: &FeedUrls) -> Value {
    let package = &entry.package;
    let lower_id = package.id.to_lowercase();
    let catalog_url = urls.catalog_entry(&lower_id, &entry.lower_version);
    let groups: Vec<Value> = package
        .dependency_groups
        .iter()
        .map(|group| {
            let dependencies: Vec<Value> = group
                .dependencies
                .iter()
                .map(|d| {
                    json!({
                        "@id": format!("{catalog_url}#dependencygroup/{}", d.id.to_lowercase()),
                        "@type": "PackageDependency",
                        "id": d.id,
                        "range": d.range,
                        "registration": urls.registration_index(&d.id.to_lowercase()),
                    })
                })
                .collect();
            let mut value = json!({
                "@id": format!("{catalog_url}#dependencygroup"),
                "@type": "PackageDependencyGroup",
                "dependencies": dependencies,
            });
            if let Some(framework) = &group.target_framework {
                value["targetFramework"] = json!(framework);
            }
            value
        })
        .collect();
    let license_url = package
        .license_expression
        .as_ref()
        .map(|e| format!("https://licenses.nuget.org/{e}"));
    json!({
        "@id": catalog_url,
        "@type": "PackageDetails",
        "authors": package.authors.join(", "),
        "dependencyGroups": groups,
        "description": package.description,
        "iconUrl": "",
        "id": package.id,
        "language": "",
        "licenseExpression": package.license_expression.clone().unwrap_or_default(),
        "licenseUrl": license_url.unwrap_or_default(),
        "listed": package.listed,
        "minClientVersion": "",
        "packageContent": urls.nupkg(&lower_id, &entry.lower_version),
        "projectUrl": package.project_url.clone().unwrap_or_default(),
        "published": package.published,
        "requireLicenseAcceptance": package.require_license_acceptance,
        "summary": package.summary.clone().unwrap_or_default(),
        "tags": package.tags,
        "title": package.title.clone().unwrap_or_default(),
        "version": entry.version.to_full_string(),
    })
}
