//! Registration (`RegistrationsBaseUrl`): the index of one id, its pages and their leaves.
//!
//! Pages are either inline (their `items` are in the index) or remote (only `@id`, `lower`,
//! `upper`). Only pages whose `[lower, upper]` overlaps what was asked are used; remote ones
//! are fetched at their `@id` exactly as the feed wrote it, never at a URL rebuilt from the
//! bounds, on at most [`PAGE_FETCH_THREADS`] threads at once.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};

use log::warn;
use parking_lot::Mutex;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

use super::catalog_entry::{CatalogEntryDoc, EntryContext};
use super::json;
use crate::protocol::{MetadataOptions, PackageMetadata};
use crate::version::NuGetVersion;
use crate::{Error, Result};

/// Most remote pages fetched at the same time for one call.
pub const PAGE_FETCH_THREADS: usize = 4;

/// `{base}/{id-lower}/index.json`, as NuGet.Client builds it.
pub fn index_url(base: &str, id: &str) -> String {
    format!(
        "{}/{}/index.json",
        base.trim_end_matches('/'),
        id.to_lowercase()
    )
}

/// `{base}/{id-lower}/{version-lower}.json` with the normalized version.
pub fn leaf_url(base: &str, id: &str, version: &NuGetVersion) -> String {
    format!(
        "{}/{}/{}.json",
        base.trim_end_matches('/'),
        id.to_lowercase(),
        version.to_normalized_string().to_lowercase()
    )
}

/// Which versions a registration read keeps.
#[derive(Debug, Clone, Copy)]
pub enum Wanted<'a> {
    /// Every version that passes the options.
    All(MetadataOptions),
    /// One version, listed or not, prerelease or not.
    Exact(&'a NuGetVersion),
}

/// Something that GETs a URL into memory (the provider, with its source's credentials).
pub type Fetch<'a> = dyn Fn(&str) -> Result<Vec<u8>> + Sync + 'a;

#[derive(Deserialize)]
struct IndexDoc {
    #[serde(default)]
    items: Option<Vec<PageDoc>>,
}

#[derive(Deserialize)]
struct PageDoc {
    #[serde(rename = "@id", default, deserialize_with = "json::string")]
    url: Option<String>,
    #[serde(default, deserialize_with = "json::string")]
    lower: Option<String>,
    #[serde(default, deserialize_with = "json::string")]
    upper: Option<String>,
    #[serde(default)]
    items: Option<Vec<LeafDoc>>,
}

#[derive(Deserialize)]
struct LeafDoc {
    #[serde(rename = "catalogEntry", default)]
    catalog_entry: Option<EntryField>,
    #[serde(rename = "packageContent", default, deserialize_with = "json::string")]
    package_content: Option<String>,
}

/// A leaf's `catalogEntry`: the entry itself (registration pages) or only its URL.
enum EntryField {
    Inline(Box<CatalogEntryDoc>),
    Link(String),
}

impl<'de> Deserialize<'de> for EntryField {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_any(EntryVisitor)
    }
}

struct EntryVisitor;

impl<'de> Visitor<'de> for EntryVisitor {
    type Value = EntryField;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a catalog entry object or its URL")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<EntryField, E> {
        Ok(EntryField::Link(v.to_string()))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> std::result::Result<EntryField, A::Error> {
        let entry = CatalogEntryDoc::deserialize(de::value::MapAccessDeserializer::new(map))?;
        Ok(EntryField::Inline(Box::new(entry)))
    }
}

/// Reads the registration of `id` from the index at `url`: the metadata of every wanted
/// version, in feed order. A 404 for the index means the feed does not know the id: empty.
pub fn read(
    fetch: &Fetch<'_>,
    url: &str,
    id: &str,
    wanted: Wanted<'_>,
) -> Result<Vec<PackageMetadata>> {
    let bytes = match fetch(url) {
        Ok(bytes) => bytes,
        Err(err) if err.is_not_found() => return Ok(Vec::new()),
        Err(err) => return Err(err.context(format!("registration index of {id}"))),
    };
    let index: IndexDoc = crate::http::parse_json(&bytes, url)?;
    let pages: Vec<PageDoc> = index
        .items
        .unwrap_or_default()
        .into_iter()
        .filter(|page| overlaps(page, wanted, url))
        .collect();

    // Remote pages, in page order, fetched before the leaves are read so that they overlap.
    let remote: Vec<String> = pages
        .iter()
        .filter(|page| page.items.is_none())
        .map(|page| page.url.clone().unwrap_or_default())
        .collect();
    let mut fetched = fetch_pages(fetch, &remote, id).into_iter().zip(remote);

    let mut results = Vec::new();
    for page in pages {
        let (leaves, page_url) = match page.items {
            Some(items) => (items, url.to_string()),
            None => match fetched.next() {
                Some((doc, page_url)) => (doc?.and_then(|d| d.items).unwrap_or_default(), page_url),
                None => continue,
            },
        };
        collect_leaves(leaves, id, &page_url, wanted, &mut results)?;
    }
    Ok(results)
}

/// Fetches remote pages concurrently; the results keep the order of `remote`. A page answering
/// 404 reads as empty, as NuGet.Client reads it.
fn fetch_pages(fetch: &Fetch<'_>, remote: &[String], id: &str) -> Vec<Result<Option<PageDoc>>> {
    let fetch_one = |page_url: &str| -> Result<Option<PageDoc>> {
        if page_url.is_empty() {
            let message = format!("a registration page of {id} has neither items nor @id");
            return Err(Error::new(crate::ErrorKind::Protocol, message));
        }
        match fetch(page_url) {
            Ok(bytes) => crate::http::parse_json(&bytes, page_url).map(Some),
            Err(err) if err.is_not_found() => Ok(None),
            Err(err) => Err(err.context(format!("registration page of {id}"))),
        }
    };
    let workers = remote.len().min(PAGE_FETCH_THREADS);
    if workers <= 1 {
        return remote.iter().map(|url| fetch_one(url)).collect();
    }
    let slots: Vec<Mutex<Option<Result<Option<PageDoc>>>>> =
        remote.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    let Some(url) = remote.get(n) else { break };
                    *slots[n].lock() = Some(fetch_one(url));
                }
            });
        }
    });
    slots
        .into_iter()
        .map(|slot| slot.into_inner().unwrap_or(Ok(None)))
        .collect()
}

fn collect_leaves(
    leaves: Vec<LeafDoc>,
    id: &str,
    page_url: &str,
    wanted: Wanted<'_>,
    results: &mut Vec<PackageMetadata>,
) -> Result<()> {
    for leaf in leaves {
        let entry = match leaf.catalog_entry {
            Some(EntryField::Inline(entry)) => entry,
            Some(EntryField::Link(link)) => {
                // TODO(registration-links): fetch catalog entries given only as a URL.
                warn!(target: "rnuget::protocol", "{page_url}: skipping a leaf of {id} whose catalogEntry is only a link ({link})");
                continue;
            }
            None => {
                warn!(target: "rnuget::protocol", "{page_url}: skipping a leaf of {id} without catalogEntry");
                continue;
            }
        };
        let Some(version) = entry.parsed_version() else {
            warn!(target: "rnuget::protocol", "{page_url}: skipping a leaf of {id} with version {:?}", entry.version_text());
            continue;
        };
        let keep = match wanted {
            Wanted::All(options) => {
                (options.include_prerelease || !version.is_prerelease())
                    && (options.include_unlisted || entry.is_listed())
            }
            Wanted::Exact(exact) => version == *exact,
        };
        if keep {
            let context = EntryContext { id, url: page_url };
            results.push(entry.into_metadata(version, leaf.package_content, context)?);
        }
    }
    Ok(())
}

/// Whether a page can hold a wanted version. Bounds that are missing or not versions make the
/// page count as overlapping, so that it is read rather than silently skipped.
fn overlaps(page: &PageDoc, wanted: Wanted<'_>, index_url: &str) -> bool {
    let Wanted::Exact(version) = wanted else {
        return true;
    };
    let bound = |text: &Option<String>| text.as_deref().and_then(|t| NuGetVersion::parse(t).ok());
    match (bound(&page.lower), bound(&page.upper)) {
        (Some(lower), Some(upper)) => lower <= *version && *version <= upper,
        _ => {
            warn!(target: "rnuget::protocol", "{index_url}: a page has bounds {:?}..{:?} that are not versions; reading it", page.lower, page.upper);
            true
        }
    }
}
