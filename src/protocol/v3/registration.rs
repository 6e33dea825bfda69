//! Registration (`RegistrationsBaseUrl`): the index of one id, its pages and their leaves.
//!
//! Pages are either inline (their `items` are in the index) or remote (only `@id`, `lower`,
//! `upper`). Only pages whose `[lower, upper]` overlaps what was asked are used; remote ones
//! are fetched at their `@id` exactly as the feed wrote it, never at a URL rebuilt from the
//! bounds, on at most [`PAGE_FETCH_THREADS`] threads at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use log::warn;
use parking_lot::Mutex;
use serde::Deserialize;

use super::json;
use super::registration_page::{self, LeafDoc};
pub use super::registration_page::{RegistrationPage, Wanted};
use super::segment;
use crate::cache::naming;
use crate::protocol::PackageMetadata;
use crate::version::NuGetVersion;
use crate::{Error, ErrorKind, Result};

/// Most remote pages fetched at the same time for one call.
pub const PAGE_FETCH_THREADS: usize = 4;

/// `{base}/{id-lower}/index.json`, as NuGet.Client builds it.
pub fn index_url(base: &str, id: &str) -> String {
    const INDEX: &str = "/index.json";
    let base = base.trim_end_matches('/');
    let mut url = String::with_capacity(base.len() + 1 + id.len() + INDEX.len());
    url.push_str(base);
    url.push('/');
    segment::push_id(&mut url, id);
    url.push_str(INDEX);
    url
}

/// `{base}/{id-lower}/{version-lower}.json` with the normalized version (see [`segment`]).
pub fn leaf_url(base: &str, id: &str, version: &NuGetVersion) -> String {
    let mut url = base.trim_end_matches('/').to_string();
    url.push('/');
    segment::push_id(&mut url, id);
    url.push('/');
    segment::push_version(&mut url, version);
    url.push_str(".json");
    url
}

/// Loads the decoded registration index at a URL (the provider's, through its cache).
pub type LoadIndex<'a> = dyn Fn(&str) -> Result<Arc<RegistrationIndex>> + 'a;

/// Loads the decoded remote page at a URL under a cache key (the provider's, through its
/// cache); called from several threads at once.
pub type LoadPage<'a> = dyn Fn(&str, &str) -> Result<Arc<RegistrationPage>> + Sync + 'a;

/// The wanted metadata of a remote page.
type PageResult = Result<Vec<Arc<PackageMetadata>>>;

/// A registration index, decoded once (and then cached): its pages in feed order, inline
/// pages with their leaves already turned into metadata.
#[derive(Debug)]
pub struct RegistrationIndex {
    pages: Vec<Page>,
    /// Size of the document it was decoded from.
    bytes: u64,
}

#[derive(Debug)]
struct Page {
    lower: Option<String>,
    upper: Option<String>,
    body: PageBody,
}

#[derive(Debug)]
enum PageBody {
    Inline(RegistrationPage),
    /// The page's `@id` (empty when the feed gave none).
    Remote(String),
}

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
    items: Option<Vec<Option<LeafDoc>>>,
}

/// Decodes a registration index; the leaves of inline pages are read here, once.
pub fn decode_index(bytes: &[u8], url: &str, id: &str) -> Result<RegistrationIndex> {
    let index: IndexDoc = crate::http::parse_json(bytes, url)?;
    let pages = index
        .items
        .ok_or_else(|| no_items(format!("the registration index of {id}"), url))?
        .into_iter()
        .map(|page| {
            Ok(Page {
                body: match page.items {
                    Some(items) => PageBody::Inline(registration_page::decode(items, id, url)?),
                    None => PageBody::Remote(page.url.unwrap_or_default()),
                },
                lower: page.lower,
                upper: page.upper,
            })
        })
        .collect::<Result<_>>()?;
    Ok(RegistrationIndex {
        pages,
        bytes: bytes.len() as u64,
    })
}

/// Decodes a remote registration page.
pub fn decode_page(bytes: &[u8], url: &str, id: &str) -> Result<RegistrationPage> {
    let page: PageDoc = crate::http::parse_json(bytes, url)?;
    let items = page
        .items
        .ok_or_else(|| no_items(format!("a registration page of {id}"), url))?;
    let mut decoded = registration_page::decode(items, id, url)?.or_fault()?;
    decoded.bytes = bytes.len() as u64;
    Ok(decoded)
}

/// A registration document without its `items` array (missing or null). NuGet.Client walks
/// the array without a null check, so such a document fails the read there too; an empty array
/// is a valid document with nothing in it. Failing here, in the decoder, also keeps the
/// document out of the cache.
fn no_items(what: String, url: &str) -> Error {
    Error::new(
        ErrorKind::Protocol,
        format!("{what} has no \"items\" array"),
    )
    .with_url(url)
}

/// A remote page that answered 404. NuGet.Client reads such a page as null and then fails on
/// it (a null reference, next to a null check meant for it that tests the index instead), so
/// the read fails there too. Reading it as empty would drop the versions the index says the
/// page holds without a word; and a protocol error, unlike "not found", is never taken for a
/// package the feed does not have.
fn missing_page(id: &str, page_url: &str) -> Error {
    let message = format!("a registration page of {id} that its index lists is not found");
    Error::new(ErrorKind::Protocol, message)
        .with_url(page_url)
        .with_status(404)
}

/// How much one registration read may take in (from [`crate::http::HttpOptions`]).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most pages the index may list.
    pub max_pages: usize,
    /// Most bytes read: the index and every page fetched for the call.
    pub max_bytes: u64,
}

/// Reads the registration of `id` from the index at `url`: the metadata of every wanted
/// version, in feed order. A 404 for the index means the feed does not know the id: empty.
///
/// Each remote page is reduced to its wanted metadata as soon as it arrives and then dropped,
/// so that memory follows the answer, not the number of pages; `limits` bound the pages and
/// the bytes a feed can make one call read.
pub fn read(
    load_index: &LoadIndex<'_>,
    load_page: &LoadPage<'_>,
    url: &str,
    id: &str,
    wanted: Wanted<'_>,
    limits: Limits,
) -> Result<Vec<Arc<PackageMetadata>>> {
    let index = match load_index(url) {
        Ok(index) => index,
        Err(err) if err.is_not_found() => return Ok(Vec::new()),
        Err(err) => return Err(err.context(format!("registration index of {id}"))),
    };
    if index.pages.len() > limits.max_pages {
        let message = format!(
            "the registration index of {id} lists {} pages, more than the limit of {} \
             (max_registration_pages)",
            index.pages.len(),
            limits.max_pages
        );
        return Err(Error::new(ErrorKind::TooLarge, message).with_url(url));
    }
    let budget = Budget {
        read: AtomicU64::new(0),
        limits,
        url,
        id,
    };
    budget.take(index.bytes)?;
    let pages: Vec<&Page> = index
        .pages
        .iter()
        .filter(|page| overlaps(page, wanted, url))
        .collect();

    // Remote pages, in page order, fetched before the inline leaves are read so that they
    // overlap.
    let remote: Vec<(&str, String)> = pages
        .iter()
        .filter_map(|page| match &page.body {
            PageBody::Remote(page_url) => Some((page_url.as_str(), page_key(id, page, page_url))),
            PageBody::Inline(_) => None,
        })
        .collect();
    let mut fetched = fetch_pages(load_page, &remote, id, wanted, &budget).into_iter();

    let inline: usize = pages
        .iter()
        .map(|page| match &page.body {
            PageBody::Inline(leaves) => leaves.len(),
            PageBody::Remote(_) => 0,
        })
        .sum();
    let mut results = Vec::with_capacity(inline);
    for page in pages {
        match &page.body {
            PageBody::Inline(leaves) => leaves.select(wanted, &mut results)?,
            PageBody::Remote(_) => match fetched.next() {
                Some(Some(Ok(items))) => results.extend(items),
                Some(Some(Err(err))) => return Err(err),
                // Left unfetched after another page failed; that failure comes first.
                Some(None) | None => {}
            },
        }
    }
    Ok(results)
}

/// The bytes one read has taken in so far, shared by the page threads.
struct Budget<'a> {
    read: AtomicU64,
    limits: Limits,
    url: &'a str,
    id: &'a str,
}

impl Budget<'_> {
    /// Counts `bytes` more; fails once the total passes the limit.
    fn take(&self, bytes: u64) -> Result<()> {
        let total = self.read.fetch_add(bytes, Ordering::Relaxed) + bytes;
        if total <= self.limits.max_bytes {
            return Ok(());
        }
        let message = format!(
            "the registration of {} is larger than the limit of {} bytes \
             (max_registration_bytes)",
            self.id, self.limits.max_bytes
        );
        Err(Error::new(ErrorKind::TooLarge, message).with_url(self.url))
    }
}

/// NuGet's cache key of a remote page (`list_<id>_range_<lower>-<upper>`); a page without both
/// bounds is keyed by its URL, so that two such pages never share an entry.
fn page_key(id: &str, page: &Page, page_url: &str) -> String {
    match (&page.lower, &page.upper) {
        (Some(lower), Some(upper)) => naming::registration_page_key(id, lower, upper),
        _ => format!("rnuget_page_{}", naming::short_hash(page_url)),
    }
}

/// Fetches remote pages concurrently and keeps only their wanted metadata; the results keep
/// the order of `remote`. After a failure no further page is started (`None` in its slot).
fn fetch_pages(
    load: &LoadPage<'_>,
    remote: &[(&str, String)],
    id: &str,
    wanted: Wanted<'_>,
    budget: &Budget<'_>,
) -> Vec<Option<PageResult>> {
    let fetch_one = |(page_url, key): &(&str, String)| -> PageResult {
        if page_url.is_empty() {
            let message = format!("a registration page of {id} has neither items nor @id");
            return Err(Error::new(ErrorKind::Protocol, message));
        }
        let page = match load(page_url, key) {
            Ok(page) => page,
            Err(err) if err.is_not_found() => return Err(missing_page(id, page_url)),
            Err(err) => return Err(err.context(format!("registration page of {id}"))),
        };
        budget.take(page.bytes)?;
        let mut items = Vec::new();
        page.select(wanted, &mut items)?;
        Ok(items)
    };
    let failed = AtomicBool::new(false);
    let run = |page: &(&str, String)| -> Option<PageResult> {
        if failed.load(Ordering::Relaxed) {
            return None;
        }
        let result = fetch_one(page);
        if result.is_err() {
            failed.store(true, Ordering::Relaxed);
        }
        Some(result)
    };
    let workers = remote.len().min(PAGE_FETCH_THREADS);
    if workers <= 1 {
        return remote.iter().map(run).collect();
    }
    let slots: Vec<Mutex<Option<PageResult>>> = remote.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    let Some(page) = remote.get(n) else { break };
                    *slots[n].lock() = run(page);
                }
            });
        }
    });
    slots.into_iter().map(Mutex::into_inner).collect()
}

/// Whether a read chooses a page: every page for a full read, those whose bounds hold the
/// version for a single one, as NuGet.Client chooses them. Bounds that are missing or not
/// versions make the page count as overlapping, so that it is read rather than silently
/// skipped. (NuGet.Client parses both bounds of every page first and fails the whole read on
/// such a page; rnuget answers there instead, never the other way round.)
fn overlaps(page: &Page, wanted: Wanted<'_>, index_url: &str) -> bool {
    let Wanted::Exact(version) = wanted else {
        return true;
    };
    let bound = |text: &Option<String>| text.as_deref().and_then(|t| NuGetVersion::parse(t).ok());
    match (bound(&page.lower), bound(&page.upper)) {
        (Some(lower), Some(upper)) => lower <= *version && *version <= upper,
        _ => {
            let (shown, lower, upper) =
                (crate::http::loggable(index_url), &page.lower, &page.upper);
            warn!(target: "rnuget::protocol",
                "{shown}: a page has bounds {lower:?}..{upper:?} that are not versions; \
                 reading it");
            true
        }
    }
}
