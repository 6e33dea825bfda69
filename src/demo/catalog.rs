//! What the demo feed holds: packages grouped by id, versions parsed and sorted.

use std::collections::BTreeMap;
use std::io::{self, Cursor};
use std::path::PathBuf;
use std::sync::Arc;

use super::nuspec;
use super::packages::DemoPackage;
use super::server::Body;
use crate::version::NuGetVersion;

/// A package handed to a [`super::DemoFeed`].
#[derive(Debug, Clone)]
pub enum FeedPackage {
    /// A demo package; the feed builds its `.nupkg` and uses its listing and download count.
    Demo(Box<DemoPackage>),
    /// A `.nupkg` in memory; the feed reads its nuspec and lists it.
    Nupkg(Vec<u8>),
    /// A `.nupkg` on disk, streamed from the file on every download (big packages).
    File(PathBuf),
}

impl From<DemoPackage> for FeedPackage {
    fn from(package: DemoPackage) -> Self {
        FeedPackage::Demo(Box::new(package))
    }
}

impl From<Vec<u8>> for FeedPackage {
    fn from(bytes: Vec<u8>) -> Self {
        FeedPackage::Nupkg(bytes)
    }
}

impl From<PathBuf> for FeedPackage {
    fn from(path: PathBuf) -> Self {
        FeedPackage::File(path)
    }
}

/// One version the feed serves.
#[derive(Debug, Clone)]
pub(crate) struct CatalogEntry {
    pub package: DemoPackage,
    pub version: NuGetVersion,
    /// The normalized version, lower-cased: the form in every URL of the feed.
    pub lower_version: String,
    pub content: Body,
}

/// All versions of one id, ascending.
#[derive(Debug, Clone)]
pub(crate) struct CatalogId {
    /// The id as the newest version spells it.
    pub id: String,
    pub lower_id: String,
    pub entries: Vec<CatalogEntry>,
}

/// Everything the feed serves, ids in lower-case order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Catalog {
    pub ids: Vec<CatalogId>,
}

impl Catalog {
    /// Reads, parses and groups the packages; two packages with the same id and version are an
    /// error, as a feed rejects a second push of one version.
    pub fn build(packages: Vec<FeedPackage>) -> io::Result<Catalog> {
        let mut by_id: BTreeMap<String, Vec<CatalogEntry>> = BTreeMap::new();
        for package in packages {
            let entry = entry(package)?;
            let versions = by_id.entry(entry.package.id.to_lowercase()).or_default();
            if versions.iter().any(|e| e.version == entry.version) {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!(
                        "the feed already has {} {}",
                        entry.package.id, entry.package.version
                    ),
                ));
            }
            versions.push(entry);
        }
        let ids = by_id
            .into_iter()
            .map(|(lower_id, mut entries)| {
                entries.sort_by(|a, b| a.version.cmp(&b.version));
                let id = entries
                    .last()
                    .map(|e| e.package.id.clone())
                    .unwrap_or_else(|| lower_id.clone());
                CatalogId {
                    id,
                    lower_id,
                    entries,
                }
            })
            .collect();
        Ok(Catalog { ids })
    }

    /// The versions of `lower_id`, if the feed has it.
    pub fn get(&self, lower_id: &str) -> Option<&CatalogId> {
        self.ids
            .binary_search_by(|id| id.lower_id.as_str().cmp(lower_id))
            .ok()
            .map(|index| &self.ids[index])
    }
}

fn entry(package: FeedPackage) -> io::Result<CatalogEntry> {
    let (package, content) = match package {
        FeedPackage::Demo(package) => {
            let bytes = package.to_nupkg();
            (*package, Body::Bytes(Arc::new(bytes)))
        }
        FeedPackage::Nupkg(bytes) => {
            let package = nuspec::read_package(Cursor::new(&bytes), "a .nupkg given to the feed")?;
            (package, Body::Bytes(Arc::new(bytes)))
        }
        FeedPackage::File(path) => {
            let file = std::fs::File::open(&path)?;
            let label = path.display().to_string();
            let package = nuspec::read_package(io::BufReader::new(file), &label)?;
            (package, Body::File(path))
        }
    };
    let version = NuGetVersion::parse(&package.version).map_err(|err| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{} has a bad version: {err}", package.id),
        )
    })?;
    Ok(CatalogEntry {
        lower_version: version.to_normalized_string().to_lowercase(),
        package,
        version,
        content,
    })
}
