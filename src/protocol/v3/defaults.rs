//! [`V3Provider`] calls without a context: each runs under the provider's default context
//! (its cache's defaults and the HTTP client's session id). The [`Provider`] trait methods of
//! the same names take the context explicitly.

use std::path::Path;
use std::sync::Arc;

use super::leaf::{RegistrationLeaf, RepositorySignatures};
use super::provider::V3Provider;
use super::service_index::ServiceIndex;
use crate::Result;
use crate::protocol::{
    DownloadInfo, MetadataOptions, PackageMetadata, Provider, SearchQuery, SearchResults,
};
use crate::version::NuGetVersion;

impl V3Provider {
    /// [`V3Provider::service_index_with`] under the default context.
    pub fn service_index(&self) -> Result<Arc<ServiceIndex>> {
        self.service_index_with(self.default_context())
    }

    /// [`V3Provider::registration_url_with`] under the default context.
    pub fn registration_url(&self, id: &str) -> Result<String> {
        self.registration_url_with(self.default_context(), id)
    }

    /// [`V3Provider::package_url_with`] under the default context.
    pub fn package_url(&self, id: &str, version: &NuGetVersion) -> Result<String> {
        self.package_url_with(self.default_context(), id, version)
    }

    /// [`V3Provider::registration_leaf_with`] under the default context.
    pub fn registration_leaf(&self, id: &str, version: &NuGetVersion) -> Result<RegistrationLeaf> {
        self.registration_leaf_with(self.default_context(), id, version)
    }

    /// [`V3Provider::repository_signatures_with`] under the default context.
    pub fn repository_signatures(&self) -> Result<RepositorySignatures> {
        self.repository_signatures_with(self.default_context())
    }

    /// [`Provider::list_versions`] under the default context.
    pub fn list_versions(&self, id: &str) -> Result<Vec<NuGetVersion>> {
        Provider::list_versions(self, self.default_context(), id)
    }

    /// [`Provider::get_metadata`] under the default context.
    pub fn get_metadata(
        &self,
        id: &str,
        options: &MetadataOptions,
    ) -> Result<Vec<Arc<PackageMetadata>>> {
        Provider::get_metadata(self, self.default_context(), id, options)
    }

    /// [`Provider::get_version_metadata`] under the default context.
    pub fn get_version_metadata(
        &self,
        id: &str,
        version: &NuGetVersion,
    ) -> Result<Arc<PackageMetadata>> {
        Provider::get_version_metadata(self, self.default_context(), id, version)
    }

    /// [`Provider::search`] under the default context.
    pub fn search(&self, query: &SearchQuery) -> Result<SearchResults> {
        Provider::search(self, self.default_context(), query)
    }

    /// [`Provider::autocomplete_ids`] under the default context.
    pub fn autocomplete_ids(
        &self,
        prefix: &str,
        skip: u32,
        take: u32,
        prerelease: bool,
    ) -> Result<Vec<String>> {
        Provider::autocomplete_ids(self, self.default_context(), prefix, skip, take, prerelease)
    }

    /// [`Provider::autocomplete_versions`] under the default context.
    pub fn autocomplete_versions(&self, id: &str, prerelease: bool) -> Result<Vec<NuGetVersion>> {
        Provider::autocomplete_versions(self, self.default_context(), id, prerelease)
    }

    /// [`Provider::download_to_file`] under the default context.
    pub fn download_to_file(
        &self,
        id: &str,
        version: &NuGetVersion,
        path: &Path,
    ) -> Result<DownloadInfo> {
        Provider::download_to_file(self, self.default_context(), id, version, path)
    }

    /// [`Provider::download_to_vec`] under the default context.
    pub fn download_to_vec(&self, id: &str, version: &NuGetVersion) -> Result<Vec<u8>> {
        Provider::download_to_vec(self, self.default_context(), id, version)
    }
}
