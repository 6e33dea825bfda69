//! `rnuget_client_autocomplete_*`: package ids for a prefix, and the versions of one id, from
//! every source at once, as JSON documents with one answer per source (as search gives them).

use std::ffi::c_char;

use rnuget::version::NuGetVersion;

use crate::args;
use crate::boundary::guard;
use crate::client::{check_flags, rnuget_client};
use crate::json::{AutocompleteAnswer, all_failed, to_owned_json};
use crate::status::rnuget_status;

/// `rnuget_client_autocomplete_*` flag: include packages and versions with a release label
/// (`1.0.0-beta`). Packages that need SemVer 2.0.0 are always included, as NuGet asks.
pub const RNUGET_AUTOCOMPLETE_PRERELEASE: u32 = 1;

/// Asks every source at once for the package ids that start with `prefix` (ignoring case; an
/// empty prefix lists every id), skipping `skip` and returning up to `take` ids per source,
/// with `flags` (`RNUGET_AUTOCOMPLETE_PRERELEASE`, or 0 for ids with a stable version). Writes
/// into `*out_json` a JSON array with one object per source, in source order, its ids in the
/// feed's order; a source that failed has `error` set (its `status` is an `rnuget_status`) and
/// no results:
///
///     [{"source": "https://feed.example/v3/index.json", "error": null,
///       "results": ["Demo.Core", "Demo.Http", "Demo.Json"]},
///      {"source": "http://127.0.0.1:9/v3/index.json", "results": [],
///       "error": {"status": 200, "http_status": 0, "url": "http://127.0.0.1:9/v3/index.json",
///         "message": "network error: ..."}}]
///
/// The call fails only when every source failed; it then returns the first source's status.
///
/// Ownership: `*out_json` receives a new string; release it with `rnuget_string_free`.
/// NULL: any pointer NULL gives `RNUGET_ERR_NULL_ARGUMENT`; on failure `*out_json` is NULL.
/// Errors: `RNUGET_ERR_INVALID_ARGUMENT` for unknown flag bits, feed errors as said above.
/// Lifetime: `client` must be live during the call; `prefix` is read during the call only.
/// Threads: callable from any thread, also at once on one client.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rnuget_client_autocomplete_ids(
    client: *const rnuget_client,
    prefix: *const c_char,
    skip: u32,
    take: u32,
    flags: u32,
    out_json: *mut *mut c_char,
) -> rnuget_status {
    guard("rnuget_client_autocomplete_ids", || {
        // SAFETY: the pointers are NULL or valid as the contract above requires.
        let (out_json, client, prefix) = unsafe {
            (
                args::out_ptr(out_json, "out_json")?,
                args::handle(client, "client")?,
                args::text(prefix, "prefix")?,
            )
        };
        check_flags(flags, RNUGET_AUTOCOMPLETE_PRERELEASE)?;
        let prerelease = flags & RNUGET_AUTOCOMPLETE_PRERELEASE != 0;
        let answers = client.0.autocomplete_ids(prefix, skip, take, prerelease);
        if let Some(failure) = all_failed(&answers) {
            return Err(failure);
        }
        let answers: Vec<AutocompleteAnswer> = answers
            .into_iter()
            .map(|answer| AutocompleteAnswer::new(answer, |id| id))
            .collect();
        *out_json = to_owned_json(&answers)?;
        Ok(())
    })
}

/// Asks every source at once for the versions of package `id`, with `flags`
/// (`RNUGET_AUTOCOMPLETE_PRERELEASE`, or 0 for stable versions only). Writes into `*out_json` a
/// JSON array with one object per source, in source order, as `rnuget_client_autocomplete_ids`
/// does; `results` are normalized version strings in the feed's order, `[]` from a source that
/// does not know the id:
///
///     [{"source": "https://feed.example/v3/index.json", "error": null,
///       "results": ["1.0.0", "1.1.0", "2.0.0-beta.1", "2.0.0"]},
///      {"source": "http://127.0.0.1:9/v3/index.json", "results": [],
///       "error": {"status": 200, "http_status": 0, "url": "http://127.0.0.1:9/v3/index.json",
///         "message": "network error: ..."}}]
///
/// The call fails only when every source failed; it then returns the first source's status.
///
/// Ownership: `*out_json` receives a new string; release it with `rnuget_string_free`.
/// NULL: any pointer NULL gives `RNUGET_ERR_NULL_ARGUMENT`; on failure `*out_json` is NULL.
/// Errors: `RNUGET_ERR_INVALID_ARGUMENT` for an id that is not a valid package id or unknown
/// flag bits (before any source is asked), feed errors as said above.
/// Lifetime: `client` must be live during the call; `id` is read during the call only.
/// Threads: callable from any thread, also at once on one client.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rnuget_client_autocomplete_versions(
    client: *const rnuget_client,
    id: *const c_char,
    flags: u32,
    out_json: *mut *mut c_char,
) -> rnuget_status {
    guard("rnuget_client_autocomplete_versions", || {
        // SAFETY: the pointers are NULL or valid as the contract above requires.
        let (out_json, client, id) = unsafe {
            (
                args::out_ptr(out_json, "out_json")?,
                args::handle(client, "client")?,
                args::text(id, "id")?,
            )
        };
        check_flags(flags, RNUGET_AUTOCOMPLETE_PRERELEASE)?;
        rnuget::package::validate_id(id)?;
        let prerelease = flags & RNUGET_AUTOCOMPLETE_PRERELEASE != 0;
        let answers = client.0.autocomplete_versions(id, prerelease);
        if let Some(failure) = all_failed(&answers) {
            return Err(failure);
        }
        let answers: Vec<AutocompleteAnswer> = answers
            .into_iter()
            .map(|answer| {
                AutocompleteAnswer::new(answer, |v: NuGetVersion| v.to_normalized_string())
            })
            .collect();
        *out_json = to_owned_json(&answers)?;
        Ok(())
    })
}
