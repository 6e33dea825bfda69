//! `rnuget_client_download_*`: a `.nupkg` to a file or into an owned buffer.

use std::ffi::{CStr, c_char};
use std::path::PathBuf;

use serde::Serialize;

use crate::args;
use crate::boundary::guard;
use crate::buffer::{into_raw_buffer, rnuget_buffer};
use crate::client::{parse_version, rnuget_client};
use crate::error::FfiError;
use crate::json::to_owned_json;
use crate::status::rnuget_status;
use crate::strings::into_owned_c_string;

/// What a download to a file reports.
#[derive(Debug, Serialize)]
struct DownloadJson {
    source: String,
    url: String,
    bytes: u64,
    sha512: String,
}

/// A path argument. On Unix any bytes are a path, so a non-UTF-8 file name still works.
///
/// # Safety
/// `ptr` is NULL or a NUL-terminated string, alive during the call.
unsafe fn path_arg(ptr: *const c_char, name: &str) -> Result<PathBuf, FfiError> {
    if ptr.is_null() {
        return Err(FfiError::null(name));
    }
    // SAFETY: not NULL, and NUL-terminated per the caller.
    let bytes = unsafe { CStr::from_ptr(ptr) }.to_bytes();
    if bytes.is_empty() {
        return Err(FfiError::invalid(name, "is empty"));
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        Ok(PathBuf::from(std::ffi::OsStr::from_bytes(bytes)))
    }
    #[cfg(not(unix))]
    {
        let text = std::str::from_utf8(bytes).map_err(|err| FfiError::utf8(name, err))?;
        Ok(PathBuf::from(text))
    }
}

/// Downloads the `.nupkg` of package `id` at `version` from the first source that has it to
/// `path`, streaming it, checking it is a whole, valid package and computing its SHA-512 as it
/// goes; the file appears at `path` only when all of that succeeded (an existing file is
/// replaced), and nothing is left there on failure. When `out_info_json` is not NULL it
/// receives a JSON object describing the download (`sha512` is base64, as in NuGet's
/// `.nupkg.sha512` files):
///
///     {"source": "https://feed.example/v3/index.json",
///      "url": "https://feed.example/flat/demo.core/1.0.0/demo.core.1.0.0.nupkg",
///      "bytes": 1234, "sha512": "q1w2...=="}
///
/// Ownership: a non-NULL `*out_info_json` is a new string; release it with
/// `rnuget_string_free`. The file belongs to the caller.
/// NULL: `client`, `id`, `version` or `path` NULL gives `RNUGET_ERR_NULL_ARGUMENT`;
/// `out_info_json` may be NULL. On failure `*out_info_json` is NULL.
/// Errors: `RNUGET_ERR_NOT_FOUND`, `RNUGET_ERR_INVALID_PACKAGE` (the message names the package
/// and why), `RNUGET_ERR_IO` (the file), `RNUGET_ERR_TOO_LARGE`, `RNUGET_ERR_INVALID_VERSION`,
/// network and HTTP errors.
/// Lifetime: `client` must be live during the call; the strings are read during the call only.
/// Threads: callable from any thread, also at once on one client (with different paths).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rnuget_client_download_to_file(
    client: *const rnuget_client,
    id: *const c_char,
    version: *const c_char,
    path: *const c_char,
    out_info_json: *mut *mut c_char,
) -> rnuget_status {
    guard("rnuget_client_download_to_file", || {
        // SAFETY: the pointers are NULL or valid as the contract above requires.
        let (out_info_json, client, id, version, path) = unsafe {
            (
                match out_info_json.is_null() {
                    true => None,
                    false => Some(args::out_ptr(out_info_json, "out_info_json")?),
                },
                args::handle(client, "client")?,
                args::text(id, "id")?,
                args::text(version, "version")?,
                path_arg(path, "path")?,
            )
        };
        let version = parse_version(version)?;
        let found = client.0.download_to_file(id, &version, &path)?;
        if let Some(out) = out_info_json {
            *out = to_owned_json(&DownloadJson {
                source: found.source,
                url: found.value.url,
                bytes: found.value.bytes,
                sha512: found.value.sha512,
            })?;
        }
        Ok(())
    })
}

/// Downloads the `.nupkg` of package `id` at `version` from the first source that has it into
/// memory, checked to be a whole, valid package, and hands it over as a buffer: read it with
/// `rnuget_buffer_data` and `rnuget_buffer_len`. `rnuget_client_download_to_buffer_with_source`
/// also says which source it came from.
///
/// Ownership: `*out` receives a new buffer; release it with `rnuget_buffer_free`.
/// NULL: any pointer NULL gives `RNUGET_ERR_NULL_ARGUMENT`; on failure `*out` is NULL.
/// Errors: as `rnuget_client_download_to_file`, without the file errors.
/// Lifetime: `client` must be live during the call; the strings are read during the call only;
/// the buffer outlives the client.
/// Threads: callable from any thread, also at once on one client.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rnuget_client_download_to_buffer(
    client: *const rnuget_client,
    id: *const c_char,
    version: *const c_char,
    out: *mut *mut rnuget_buffer,
) -> rnuget_status {
    guard("rnuget_client_download_to_buffer", || {
        // SAFETY: forwarded from the caller, under the same contract; no source is asked for.
        unsafe { download_to_buffer(client, id, version, out, std::ptr::null_mut()) }
    })
}

/// `rnuget_client_download_to_buffer`, and when `out_source` is not NULL, `*out_source`
/// receives the name of the source the package came from (for a source given to
/// `rnuget_client_new`, its URL; else the name it was added under), as `source` is in
/// `rnuget_client_download_to_file`'s report.
///
/// Ownership: `*out` receives a new buffer; release it with `rnuget_buffer_free`. A non-NULL
/// `*out_source` is a new string; release it with `rnuget_string_free`.
/// NULL: `client`, `id`, `version` or `out` NULL gives `RNUGET_ERR_NULL_ARGUMENT`;
/// `out_source` may be NULL. On failure `*out` and `*out_source` are NULL.
/// Errors: as `rnuget_client_download_to_buffer`.
/// Lifetime: as `rnuget_client_download_to_buffer`; the string outlives the client too.
/// Threads: callable from any thread, also at once on one client.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rnuget_client_download_to_buffer_with_source(
    client: *const rnuget_client,
    id: *const c_char,
    version: *const c_char,
    out: *mut *mut rnuget_buffer,
    out_source: *mut *mut c_char,
) -> rnuget_status {
    guard("rnuget_client_download_to_buffer_with_source", || {
        // SAFETY: forwarded from the caller, under the same contract.
        unsafe { download_to_buffer(client, id, version, out, out_source) }
    })
}

/// The body of both buffer downloads; `out_source` may be NULL.
///
/// # Safety
/// As the contract of `rnuget_client_download_to_buffer_with_source` requires.
unsafe fn download_to_buffer(
    client: *const rnuget_client,
    id: *const c_char,
    version: *const c_char,
    out: *mut *mut rnuget_buffer,
    out_source: *mut *mut c_char,
) -> Result<(), FfiError> {
    // SAFETY: the pointers are NULL or valid as the contract requires.
    let (out, out_source, client, id, version) = unsafe {
        (
            args::out_ptr(out, "out")?,
            match out_source.is_null() {
                true => None,
                false => Some(args::out_ptr(out_source, "out_source")?),
            },
            args::handle(client, "client")?,
            args::text(id, "id")?,
            args::text(version, "version")?,
        )
    };
    let version = parse_version(version)?;
    let found = client.0.download_to_vec(id, &version)?;
    if let Some(out_source) = out_source {
        *out_source = into_owned_c_string(found.source);
    }
    *out = into_raw_buffer(found.value);
    Ok(())
}
