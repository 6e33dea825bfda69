//! [`Client`] operations without a context: each runs under [`Client::default_context`].

use std::path::Path;
use std::sync::Arc;

use super::{Client, Found, SourceResult};
use crate::Result;
use crate::protocol::{DownloadInfo, MetadataOptions, PackageMetadata, SearchQuery, SearchResults};
use crate::version::{NuGetVersion, VersionRange};

impl Client {
    /// [`Client::search_with`] under the default context.
    pub fn search(&self, query: &SearchQuery) -> Vec<SourceResult<SearchResults>> {
        self.search_with(self.default_context(), query)
    }

    /// [`Client::autocomplete_ids_with`] under the default context.
    pub fn autocomplete_ids(
        &self,
        prefix: &str,
        skip: u32,
        take: u32,
        prerelease: bool,
    ) -> Vec<SourceResult<Vec<String>>> {
        self.autocomplete_ids_with(self.default_context(), prefix, skip, take, prerelease)
    }

    /// [`Client::autocomplete_versions_with`] under the default context.
    pub fn autocomplete_versions(
        &self,
        id: &str,
        prerelease: bool,
    ) -> Vec<SourceResult<Vec<NuGetVersion>>> {
        self.autocomplete_versions_with(self.default_context(), id, prerelease)
    }

    /// [`Client::list_versions_with`] under the default context.
    pub fn list_versions(&self, id: &str) -> Result<Vec<NuGetVersion>> {
        self.list_versions_with(self.default_context(), id)
    }

    /// [`Client::find_best_version_with`] under the default context.
    pub fn find_best_version(
        &self,
        id: &str,
        range: &VersionRange,
    ) -> Result<Option<NuGetVersion>> {
        self.find_best_version_with(self.default_context(), id, range)
    }

    /// [`Client::get_metadata_with`] under the default context.
    pub fn get_metadata(
        &self,
        id: &str,
        options: &MetadataOptions,
    ) -> Result<Found<Vec<Arc<PackageMetadata>>>> {
        self.get_metadata_with(self.default_context(), id, options)
    }

    /// [`Client::get_version_metadata_with`] under the default context.
    pub fn get_version_metadata(
        &self,
        id: &str,
        version: &NuGetVersion,
    ) -> Result<Found<Arc<PackageMetadata>>> {
        self.get_version_metadata_with(self.default_context(), id, version)
    }

    /// [`Client::download_to_file_with`] under the default context.
    pub fn download_to_file(
        &self,
        id: &str,
        version: &NuGetVersion,
        path: &Path,
    ) -> Result<Found<DownloadInfo>> {
        self.download_to_file_with(self.default_context(), id, version, path)
    }

    /// [`Client::download_to_vec_with`] under the default context.
    pub fn download_to_vec(&self, id: &str, version: &NuGetVersion) -> Result<Found<Vec<u8>>> {
        self.download_to_vec_with(self.default_context(), id, version)
    }
}
