//! Feed protocols behind one [`Provider`] trait.
//!
//! A [`crate::repository::SourceRepository`] picks the provider for its URL once and then calls it
//! for every operation. Only V3 exists so far; V2 (OData) and local folders come later.

mod model;
pub mod v3;

pub use model::{
    AlternatePackage, Deprecation, DownloadInfo, MetadataOptions, PackageMetadata, SearchQuery,
    SearchResult, SearchResults, SearchVersion, Vulnerability,
};

use std::fmt::Debug;
use std::path::Path;
use std::sync::Arc;

use crate::Result;
use crate::cache::SourceCacheContext;
use crate::version::NuGetVersion;

/// The protocol a source speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProtocolVersion {
    /// NuGet V3: a JSON service index.
    V3,
}

/// What every protocol offers. Calls are blocking and safe from many threads at once.
///
/// Every call takes the [`SourceCacheContext`] of the operation it belongs to: its freshness
/// rules decide what the provider's cache may answer, its session id goes out as
/// `X-NuGet-Session-Id`, and offline it answers from the cache alone.
///
/// "Not found" is `Err` with [`crate::ErrorKind::NotFound`] for single items, and an empty list for
/// collections (a feed that does not know an id has no versions of it).
pub trait Provider: Send + Sync + Debug {
    /// The protocol this provider speaks.
    fn protocol(&self) -> ProtocolVersion;

    /// All versions of `id` the feed lists, sorted ascending, without duplicates.
    fn list_versions(&self, context: &SourceCacheContext, id: &str) -> Result<Vec<NuGetVersion>>;

    /// Metadata of every version of `id` that passes `options`, sorted by version ascending.
    ///
    /// The items are shared with the provider's cache (an `Arc` each), so that a warm call
    /// costs a reference count per version, not a copy of every string.
    fn get_metadata(
        &self,
        context: &SourceCacheContext,
        id: &str,
        options: &MetadataOptions,
    ) -> Result<Vec<Arc<PackageMetadata>>>;

    /// Metadata of one version (listed or not); `NotFound` when the feed does not have it.
    /// Shared with the provider's cache, as for [`Provider::get_metadata`].
    fn get_version_metadata(
        &self,
        context: &SourceCacheContext,
        id: &str,
        version: &NuGetVersion,
    ) -> Result<Arc<PackageMetadata>>;

    /// A search query.
    fn search(&self, context: &SourceCacheContext, query: &SearchQuery) -> Result<SearchResults>;

    /// Package ids starting with `prefix` (autocomplete).
    fn autocomplete_ids(
        &self,
        context: &SourceCacheContext,
        prefix: &str,
        skip: u32,
        take: u32,
        prerelease: bool,
    ) -> Result<Vec<String>>;

    /// Versions of one id (autocomplete), as the feed orders them.
    fn autocomplete_versions(
        &self,
        context: &SourceCacheContext,
        id: &str,
        prerelease: bool,
    ) -> Result<Vec<NuGetVersion>>;

    /// Downloads the `.nupkg` to `path`, streaming, hashing and validating it as a whole zip
    /// before it appears at `path`; nothing is left at `path` on failure.
    fn download_to_file(
        &self,
        context: &SourceCacheContext,
        id: &str,
        version: &NuGetVersion,
        path: &Path,
    ) -> Result<DownloadInfo>;

    /// Downloads the `.nupkg` into memory and validates it.
    fn download_to_vec(
        &self,
        context: &SourceCacheContext,
        id: &str,
        version: &NuGetVersion,
    ) -> Result<Vec<u8>>;
}
