//! `rnuget_client_*`: a client over one or more package sources; versions, metadata, search.
//!
//! Results are JSON documents (see `json.rs` for the shapes), owned by the caller and freed with
//! `rnuget_string_free`. Downloads are in `download.rs`.

use std::ffi::{CString, c_char};

use rnuget::client::Client;
use rnuget::protocol::{MetadataOptions, SearchQuery};
use rnuget::version::{NuGetVersion, VersionRange};

use crate::args;
use crate::boundary::{guard, guard_value};
use crate::error::FfiError;
use crate::handle;
use crate::json::{SourceAnswer, SourcedMetadata, all_failed, to_owned_json};
use crate::options::rnuget_client_options;
use crate::status::rnuget_status;
use crate::strings::{into_owned_c_string, to_cstring};

/// A NuGet client over one or more package sources. Create it with `rnuget_client_new`, release
/// it with `rnuget_client_free`. Thread-safe: any number of threads may call it at once, and
/// they share its HTTP connections and service indexes.
pub struct rnuget_client(pub(crate) Client, pub(crate) CString);

impl rnuget_client {
    /// Wraps `client`, keeping its session id as a C string for `rnuget_client_session_id`.
    pub(crate) fn new(client: Client) -> Self {
        let session_id = to_cstring(client.session_id().to_string());
        rnuget_client(client, session_id)
    }
}

const _: () = handle::assert_thread_safe::<rnuget_client>();

/// `rnuget_client_get_metadata` flag: include versions with a release label (`1.0.0-beta`).
pub const RNUGET_METADATA_INCLUDE_PRERELEASE: u32 = 1;
/// `rnuget_client_get_metadata` flag: include versions the feed marks unlisted.
pub const RNUGET_METADATA_INCLUDE_UNLISTED: u32 = 2;
/// `rnuget_client_search` flag: include prerelease versions.
pub const RNUGET_SEARCH_PRERELEASE: u32 = 1;
/// `rnuget_client_search` flag: include packages that need SemVer 2.0.0 (`semVerLevel=2.0.0`).
pub const RNUGET_SEARCH_SEMVER2: u32 = 2;

/// Checks that `flags` holds only bits from `known`.
pub(crate) fn check_flags(flags: u32, known: u32) -> Result<(), FfiError> {
    check_bits("flags", flags, known)
}

/// Checks that the bit set argument `name` holds only bits from `known`; the message names
/// the argument as the header does (`flags`, `tiers`).
pub(crate) fn check_bits(name: &str, bits: u32, known: u32) -> Result<(), FfiError> {
    match bits & !known {
        0 => Ok(()),
        unknown => Err(FfiError::invalid(
            name,
            format!("has unknown bits {unknown:#x}"),
        )),
    }
}

/// Parses a version argument.
pub(crate) fn parse_version(text: &str) -> Result<NuGetVersion, FfiError> {
    NuGetVersion::parse(text).map_err(FfiError::from)
}

/// Creates a client over `count` source URLs (V3 service indexes such as
/// `"https://api.nuget.org/v3/index.json"`), consulted in order, each named after its URL. With
/// `options` (may be NULL for the defaults), its sources come first and its settings apply.
/// Nothing is sent until the first call.
///
/// Ownership: `*out` receives a new client; release it with `rnuget_client_free`. The URLs and
/// the options are copied: free the options whenever you like.
/// NULL: `out` NULL, or `sources` NULL with `count` > 0, or a NULL element gives
/// `RNUGET_ERR_NULL_ARGUMENT`; on failure `*out` is NULL.
/// Errors: `RNUGET_ERR_INVALID_ARGUMENT` when there is no source at all or two share a name,
/// when `count` is more than any array can hold (a negative length cast to `size_t`), or when
/// `options` is not live options (freed already, say).
/// Lifetime: `sources`, its strings and `options` are read during the call only.
/// Threads: callable from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rnuget_client_new(
    sources: *const *const c_char,
    count: usize,
    options: *const rnuget_client_options,
    out: *mut *mut rnuget_client,
) -> rnuget_status {
    guard("rnuget_client_new", || {
        // SAFETY: `out` is NULL or writable, `sources` NULL or `count` C strings and `options`
        // NULL or live, per the contract above.
        let (out, urls, options) = unsafe {
            (
                args::out_ptr(out, "out")?,
                args::text_array(sources, count, "sources")?,
                args::optional_handle(options, "options")?,
            )
        };
        let mut settings = options
            .map(rnuget_client_options::snapshot)
            .unwrap_or_default();
        for (index, url) in urls.iter().enumerate() {
            if url.trim().is_empty() {
                return Err(FfiError::invalid(&format!("sources[{index}]"), "is empty"));
            }
            settings = settings.source(url);
        }
        *out = handle::into_raw(rnuget_client::new(Client::new(settings)?));
        Ok(())
    })
}

/// Frees a client, closing its connections.
///
/// Ownership: takes back ownership; `client` must not be used afterwards.
/// NULL: `client` may be NULL; nothing happens. So does a pointer that is not a live client
/// (one freed already, unless rnuget has since made another at the same address, or a
/// handle of another type).
/// Threads: must not race with another call on the same client (wait for every thread using
/// it first); it does not touch the last error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rnuget_client_free(client: *mut rnuget_client) {
    // SAFETY: `handle::free` ignores NULL and pointers that are not live; a live one came
    // from rnuget_client_new.
    guard_value((), || unsafe { handle::free(client) })
}

/// Writes every version of package `id` that any source lists, ascending, each once, into
/// `*out_json` as a JSON array of normalized version strings:
///
///     ["1.0.0", "1.1.0", "2.0.0-beta.1", "2.0.0"]
///
/// An id no source knows gives `[]`. A failing source fails the call (`RNUGET_ERR_NETWORK`,
/// `RNUGET_ERR_HTTP_STATUS`, ...) unless the client ignores failed sources.
///
/// Ownership: `*out_json` receives a new string; release it with `rnuget_string_free`.
/// NULL: any pointer NULL gives `RNUGET_ERR_NULL_ARGUMENT`; on failure `*out_json` is NULL.
/// Errors: `RNUGET_ERR_INVALID_ARGUMENT` for an empty id; see the last error for the URL.
/// Lifetime: `client` must be live during the call; `id` is read during the call only.
/// Threads: callable from any thread, also at once on one client.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rnuget_client_list_versions(
    client: *const rnuget_client,
    id: *const c_char,
    out_json: *mut *mut c_char,
) -> rnuget_status {
    guard("rnuget_client_list_versions", || {
        // SAFETY: the pointers are NULL or valid as the contract above requires.
        let (out_json, client, id) = unsafe {
            (
                args::out_ptr(out_json, "out_json")?,
                args::handle(client, "client")?,
                args::text(id, "id")?,
            )
        };
        *out_json = to_owned_json(&client.0.list_versions(id)?)?;
        Ok(())
    })
}

/// Writes the version of package `id` that NuGet would pick for `range` (`"[1.0, 2.0)"`,
/// `"1.*"`, ...) among the versions any source lists into `*out_version` as a new normalized
/// string, or sets it to NULL when no version fits (still `RNUGET_OK`).
///
/// Ownership: a non-NULL `*out_version` is a new string; release it with `rnuget_string_free`.
/// NULL: any pointer NULL gives `RNUGET_ERR_NULL_ARGUMENT`; on failure `*out_version` is NULL.
/// Errors: `RNUGET_ERR_INVALID_RANGE`, `RNUGET_ERR_INVALID_ARGUMENT` (empty id), feed errors.
/// Lifetime: `client` must be live during the call; the strings are read during the call only.
/// Threads: callable from any thread, also at once on one client.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rnuget_client_find_best_version(
    client: *const rnuget_client,
    id: *const c_char,
    range: *const c_char,
    out_version: *mut *mut c_char,
) -> rnuget_status {
    guard("rnuget_client_find_best_version", || {
        // SAFETY: the pointers are NULL or valid as the contract above requires.
        let (out_version, client, id, range) = unsafe {
            (
                args::out_ptr(out_version, "out_version")?,
                args::handle(client, "client")?,
                args::text(id, "id")?,
                args::text(range, "range")?,
            )
        };
        let range = VersionRange::parse(range)?;
        if let Some(best) = client.0.find_best_version(id, &range)? {
            *out_version = into_owned_c_string(best.to_normalized_string());
        }
        Ok(())
    })
}

/// Writes the metadata of the versions of package `id` that `flags` asks for
/// (`RNUGET_METADATA_INCLUDE_PRERELEASE`, `RNUGET_METADATA_INCLUDE_UNLISTED`, or 0 for listed
/// stable versions only), from the first source that has the id, into `*out_json`: a JSON array
/// of package metadata objects (shape at `rnuget_client_get_version_metadata`, each with the
/// same `source`), ascending by version. An id no source has gives `[]`.
///
/// Ownership: `*out_json` receives a new string; release it with `rnuget_string_free`.
/// NULL: any pointer NULL gives `RNUGET_ERR_NULL_ARGUMENT`; on failure `*out_json` is NULL.
/// Errors: `RNUGET_ERR_INVALID_ARGUMENT` (empty id, unknown flag bits), feed errors when no
/// source has the id and one failed.
/// Lifetime: `client` must be live during the call; `id` is read during the call only.
/// Threads: callable from any thread, also at once on one client.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rnuget_client_get_metadata(
    client: *const rnuget_client,
    id: *const c_char,
    flags: u32,
    out_json: *mut *mut c_char,
) -> rnuget_status {
    guard("rnuget_client_get_metadata", || {
        // SAFETY: the pointers are NULL or valid as the contract above requires.
        let (out_json, client, id) = unsafe {
            (
                args::out_ptr(out_json, "out_json")?,
                args::handle(client, "client")?,
                args::text(id, "id")?,
            )
        };
        check_flags(
            flags,
            RNUGET_METADATA_INCLUDE_PRERELEASE | RNUGET_METADATA_INCLUDE_UNLISTED,
        )?;
        let options = MetadataOptions {
            include_prerelease: flags & RNUGET_METADATA_INCLUDE_PRERELEASE != 0,
            include_unlisted: flags & RNUGET_METADATA_INCLUDE_UNLISTED != 0,
        };
        let found = client.0.get_metadata(id, &options)?;
        let sourced: Vec<SourcedMetadata> = found
            .value
            .iter()
            .map(|metadata| SourcedMetadata::new(&found.source, metadata))
            .collect();
        *out_json = to_owned_json(&sourced)?;
        Ok(())
    })
}

/// Writes the metadata of one version of package `id` (listed or not), from the first source
/// that has it, into `*out_json` as a JSON object. `source` names the source that answered (for
/// a source given to `rnuget_client_new`, its URL; else the name it was added under). Absent
/// values are `null` or `[]`; `version` is normalized, dependency `range`s are normalized
/// ranges, `target_framework` a short folder name, `severity` 0 (low) to 3 (critical). Example
/// (one line in the real document):
///
///     {"source": "https://feed.example/v3/index.json",
///      "id": "Demo.Logging", "version": "1.2.0", "title": "Demo Logging",
///      "summary": null, "description": "Structured logging.", "authors": ["rnuget"],
///      "owners": [], "tags": ["demo", "logging"], "license_url": null,
///      "license_expression": "MIT", "project_url": "https://example.invalid/demo",
///      "icon_url": null, "require_license_acceptance": false, "listed": true,
///      "published": "2024-03-01T12:00:00+00:00",
///      "dependency_groups": [{"target_framework": "netstandard2.0", "dependencies":
///        [{"id": "Demo.Core", "range": "[1.1.0, 2.0.0)", "include": [], "exclude": []}]}],
///      "deprecation": {"reasons": ["Legacy"], "message": "Use Demo.Logging2.",
///        "alternate_package": {"id": "Demo.Logging2", "range": "[1.0.0, )"}},
///      "vulnerabilities": [{"advisory_url": "https://example.invalid/a/1", "severity": 2}],
///      "download_count": 2600,
///      "package_content_url": "http://127.0.0.1:1/flat/demo.logging/1.2.0/demo.logging.1.2.0.nupkg"}
///
/// Ownership: `*out_json` receives a new string; release it with `rnuget_string_free`.
/// NULL: any pointer NULL gives `RNUGET_ERR_NULL_ARGUMENT`; on failure `*out_json` is NULL.
/// Errors: `RNUGET_ERR_NOT_FOUND` when no source has that version (the message names the
/// sources asked), `RNUGET_ERR_INVALID_VERSION`, `RNUGET_ERR_INVALID_ARGUMENT`, feed errors.
/// Lifetime: `client` must be live during the call; the strings are read during the call only.
/// Threads: callable from any thread, also at once on one client.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rnuget_client_get_version_metadata(
    client: *const rnuget_client,
    id: *const c_char,
    version: *const c_char,
    out_json: *mut *mut c_char,
) -> rnuget_status {
    guard("rnuget_client_get_version_metadata", || {
        // SAFETY: the pointers are NULL or valid as the contract above requires.
        let (out_json, client, id, version) = unsafe {
            (
                args::out_ptr(out_json, "out_json")?,
                args::handle(client, "client")?,
                args::text(id, "id")?,
                args::text(version, "version")?,
            )
        };
        let version = parse_version(version)?;
        let found = client.0.get_version_metadata(id, &version)?;
        *out_json = to_owned_json(&SourcedMetadata::new(&found.source, &found.value))?;
        Ok(())
    })
}

/// Searches every source at once for `query` (empty lists everything), skipping `skip` and
/// returning up to `take` results per source, with `flags` (`RNUGET_SEARCH_PRERELEASE`,
/// `RNUGET_SEARCH_SEMVER2`, as NuGet asks by default: pass both). Writes into `*out_json` a JSON
/// array with one object per source, in source order; a source that failed has `error` set
/// (its `status` is an `rnuget_status`) and no results:
///
///     [{"source": "https://feed.example/v3/index.json", "total_hits": 1, "error": null,
///       "results": [{"id": "Demo.Core", "version": "2.0.0", "description": "Core types.",
///         "summary": null, "title": "Demo Core", "authors": ["rnuget"], "owners": [],
///         "tags": ["demo"], "icon_url": null, "project_url": null, "license_url": null,
///         "total_downloads": 9850, "verified": false, "package_types": ["Dependency"],
///         "deprecation": null, "vulnerabilities": [],
///         "versions": [{"version": "1.0.0", "downloads": 1200},
///           {"version": "2.0.0", "downloads": 9850}]}]},
///      {"source": "http://127.0.0.1:9/v3/index.json", "total_hits": 0, "results": [],
///       "error": {"status": 200, "http_status": 0, "url": "http://127.0.0.1:9/v3/index.json",
///         "message": "network error: ..."}}]
///
/// The call fails only when every source failed; it then returns the first source's status.
///
/// Ownership: `*out_json` receives a new string; release it with `rnuget_string_free`.
/// NULL: any pointer NULL gives `RNUGET_ERR_NULL_ARGUMENT`; on failure `*out_json` is NULL.
/// Errors: `RNUGET_ERR_INVALID_ARGUMENT` for unknown flag bits, feed errors as said above.
/// Lifetime: `client` must be live during the call; `query` is read during the call only.
/// Threads: callable from any thread, also at once on one client.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rnuget_client_search(
    client: *const rnuget_client,
    query: *const c_char,
    skip: u32,
    take: u32,
    flags: u32,
    out_json: *mut *mut c_char,
) -> rnuget_status {
    guard("rnuget_client_search", || {
        // SAFETY: the pointers are NULL or valid as the contract above requires.
        let (out_json, client, query) = unsafe {
            (
                args::out_ptr(out_json, "out_json")?,
                args::handle(client, "client")?,
                args::text(query, "query")?,
            )
        };
        check_flags(flags, RNUGET_SEARCH_PRERELEASE | RNUGET_SEARCH_SEMVER2)?;
        let query = SearchQuery {
            query: query.to_string(),
            skip,
            take,
            prerelease: flags & RNUGET_SEARCH_PRERELEASE != 0,
            semver2: flags & RNUGET_SEARCH_SEMVER2 != 0,
        };
        let answers = client.0.search(&query);
        if let Some(failure) = all_failed(&answers) {
            return Err(failure);
        }
        let answers: Vec<SourceAnswer> = answers.into_iter().map(SourceAnswer::from).collect();
        *out_json = to_owned_json(&answers)?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_flag_bits_are_refused() {
        assert!(check_flags(3, 3).is_ok());
        let err = check_flags(4, 3).unwrap_err();
        assert_eq!(err.status, rnuget_status::RNUGET_ERR_INVALID_ARGUMENT);
        assert!(err.message.contains("0x4"), "{}", err.message);
        let err = check_bits("tiers", 7, 3).unwrap_err();
        assert!(
            err.message.contains("`tiers` has unknown bits 0x4"),
            "{}",
            err.message
        );
    }
}
