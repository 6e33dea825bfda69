//! One registration page: its leaves decoded into metadata, and the faults that fail it.
//!
//! NuGet.Client (`PackageMetadataResourceV3`) meets a bad leaf at one of two moments, and
//! rnuget fails the same reads it does:
//!
//! - While it deserializes the document (the whole index, inline pages and all, or one remote
//!   page): a `catalogEntry` that is not an object (a link, say) or a version that is there
//!   but does not parse makes the deserializer throw, so every read of that document fails.
//!   Here the decode fails, which also keeps the document out of the cache.
//! - While it walks a page it has chosen (every page for a full read, the pages whose bounds
//!   hold the version for a single-version read): a leaf that is `null`, has no
//!   `catalogEntry`, or whose entry has no version throws there, for every leaf of the page
//!   and before it asks whether that leaf is wanted. Such a page keeps the fault, and every
//!   read that chooses the page fails with it; a read that never chooses it is answered.

use std::fmt;
use std::sync::Arc;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

use super::catalog_entry::{CatalogEntryDoc, EntryContext};
use super::json;
use crate::protocol::{MetadataOptions, PackageMetadata};
use crate::version::NuGetVersion;
use crate::{Error, ErrorKind, Result};

/// Which versions a registration read keeps.
#[derive(Debug, Clone, Copy)]
pub enum Wanted<'a> {
    /// Every version that passes the options.
    All(MetadataOptions),
    /// One version, listed or not, prerelease or not.
    Exact(&'a NuGetVersion),
}

/// The leaves of one page, each decoded into metadata (or the error it gave) once.
#[derive(Debug, Default)]
pub struct RegistrationPage {
    leaves: Vec<Leaf>,
    /// The first leaf NuGet.Client throws on while walking the page; every read that uses the
    /// page fails with it.
    fault: Option<Error>,
    /// Size of the document it was decoded from.
    pub(super) bytes: u64,
}

#[derive(Debug)]
struct Leaf {
    version: NuGetVersion,
    listed: bool,
    /// Shared with every answer that includes it: a cached page hands out reference counts.
    metadata: Result<Arc<PackageMetadata>>,
}

/// A leaf of a page as the feed wrote it.
#[derive(Deserialize)]
pub(super) struct LeafDoc {
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

/// Decodes the leaves of one page found in the document at `doc_url`. A fault NuGet.Client's
/// deserializer throws on is the error; one its page walk throws on is kept in the page.
pub(super) fn decode(
    leaves: Vec<Option<LeafDoc>>,
    id: &str,
    doc_url: &str,
) -> Result<RegistrationPage> {
    let mut page = RegistrationPage {
        leaves: Vec::with_capacity(leaves.len()),
        fault: None,
        bytes: 0,
    };
    for leaf in leaves {
        match decode_leaf(leaf, id, doc_url)? {
            Decoded::Leaf(leaf) if page.fault.is_none() => page.leaves.push(leaf),
            // The page fails on its first fault; later leaves are only checked for faults
            // that fail the whole document.
            Decoded::Leaf(_) => {}
            Decoded::Fault(fault) => {
                page.fault.get_or_insert(fault);
                page.leaves.clear();
            }
        }
    }
    Ok(page)
}

/// A leaf as NuGet.Client's page walk meets it.
enum Decoded {
    Leaf(Leaf),
    /// Fails the page.
    Fault(Error),
}

/// One leaf; the error is a fault of the whole document.
fn decode_leaf(leaf: Option<LeafDoc>, id: &str, doc_url: &str) -> Result<Decoded> {
    let Some(leaf) = leaf else {
        return Ok(Decoded::Fault(bad_leaf(id, doc_url, "is null")));
    };
    let entry = match leaf.catalog_entry {
        Some(EntryField::Inline(entry)) => entry,
        Some(EntryField::Link(link)) => return Err(link_only(id, &link, doc_url)),
        None => return Ok(Decoded::Fault(bad_leaf(id, doc_url, "has no catalogEntry"))),
    };
    let Some(text) = entry.version_text() else {
        let what = "has a catalogEntry without a version";
        return Ok(Decoded::Fault(bad_leaf(id, doc_url, what)));
    };
    let Ok(version) = NuGetVersion::parse(text) else {
        let what = format!("has a catalogEntry whose version {text:?} is not a NuGet version");
        return Err(bad_leaf(id, doc_url, &what));
    };
    let listed = entry.is_listed();
    let context = EntryContext { id, url: doc_url };
    let metadata = entry
        .into_metadata(version.clone(), leaf.package_content, context)
        .map(Arc::new);
    Ok(Decoded::Leaf(Leaf {
        version,
        listed,
        metadata,
    }))
}

impl RegistrationPage {
    /// How many leaves the page holds.
    pub(super) fn len(&self) -> usize {
        self.leaves.len()
    }

    /// The page, or its fault. A remote page is fetched only when a read chose it, so its
    /// fault fails that read; failing the decode also keeps the page out of the cache.
    pub(super) fn or_fault(self) -> Result<Self> {
        match self.fault {
            Some(fault) => Err(fault),
            None => Ok(self),
        }
    }

    /// Adds the metadata of the wanted leaves. The page's fault, or a wanted leaf that did not
    /// decode, fails the read.
    pub(super) fn select(
        &self,
        wanted: Wanted<'_>,
        results: &mut Vec<Arc<PackageMetadata>>,
    ) -> Result<()> {
        if let Some(fault) = &self.fault {
            return Err(fault.clone());
        }
        for leaf in &self.leaves {
            let keep = match wanted {
                Wanted::All(options) => {
                    (options.include_prerelease || !leaf.version.is_prerelease())
                        && (options.include_unlisted || leaf.listed)
                }
                Wanted::Exact(exact) => leaf.version == *exact,
            };
            if keep {
                match &leaf.metadata {
                    Ok(metadata) => results.push(Arc::clone(metadata)),
                    Err(err) => return Err(err.clone()),
                }
            }
        }
        Ok(())
    }
}

/// The error for a leaf NuGet.Client cannot read: `what` is wrong with it.
fn bad_leaf(id: &str, doc_url: &str, what: &str) -> Error {
    let message = format!("a registration leaf of {id} {what}");
    Error::new(ErrorKind::Protocol, message).with_url(doc_url)
}

/// The error for a leaf whose `catalogEntry` is only a link.
fn link_only(id: &str, link: &str, doc_url: &str) -> Error {
    let message = format!(
        "a registration leaf of {id} gives its catalogEntry only as a link ({link}); \
         registration pages must hold their catalog entries inline"
    );
    Error::new(ErrorKind::Protocol, message).with_url(doc_url)
}
