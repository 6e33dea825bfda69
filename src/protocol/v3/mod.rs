//! NuGet V3 feeds: the service index and the resources it lists.
//!
//! ```text
//! provider.rs          V3Provider: the Provider trait over the pieces below, through the cache
//! defaults.rs          V3Provider calls without a context (the provider's default one)
//! service_index.rs     resource types, versions and NuGet.Client's fallback order
//! index_slot.rs        the service index in memory: 40 minutes, as NuGet.Client keeps it
//! registration.rs      registration index, inline and remote pages, concurrent page fetches
//! registration_page.rs one page's leaves, and the faults that fail a page or a document
//! catalog_entry.rs     one catalogEntry -> PackageMetadata, with NuGet.Client's rules
//! flat_container.rs    version lists and .nupkg URLs (the only lower-cased URLs)
//! search.rs            search query URL and response
//! segment.rs           ids and versions as escaped URL path segments
//! autocomplete.rs      id and version autocomplete
//! download.rs          streamed, hashed, validated downloads with atomic rename
//! published.rs         publish times in UTC, as NuGet prints them
//! leaf.rs              registration leaves and RepositorySignatures
//! json.rs              forgiving readers for fields feeds spell differently
//! ```

mod autocomplete;
mod catalog_entry;
mod defaults;
mod download;
mod flat_container;
mod index_slot;
mod json;
mod leaf;
mod provider;
mod published;
mod registration;
mod registration_page;
mod search;
mod segment;
mod service_index;

pub use download::sha512_base64;
pub use index_slot::SERVICE_INDEX_MEMORY_TTL;
pub use leaf::{RegistrationLeaf, RepositorySignatures, SigningCertificate};
pub use provider::V3Provider;
pub use registration::PAGE_FETCH_THREADS;
pub use service_index::{
    CLIENT_VERSION, PACKAGE_BASE_ADDRESS, REGISTRATIONS_BASE_URL, REPOSITORY_SIGNATURES,
    SEARCH_AUTOCOMPLETE_SERVICE, SEARCH_QUERY_SERVICE, ServiceIndex, ServiceResource,
};
