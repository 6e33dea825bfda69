//! NuGet.Client's names for its HTTP cache, so that rnuget and NuGet share one directory.
//!
//! ```text
//! <root>/                                 NUGET_HTTP_CACHE_PATH, or the OS default below
//!   <hash>$<url tail>/                    one folder per source (its service index URL)
//!     service_index.dat                   the service index
//!     list_<id>_index.dat                 a registration index
//!     list_<id>_range_<lower>-<upper>.dat a remote registration page
//!     list_<id>.dat                       a flat container version list
//!     nupkg_<id>.<version>.dat            a package
//!     repository_signatures_<v>.dat       RepositorySignatures/<v>
//!     rnuget_<...>.dat                    what only rnuget caches (search, autocomplete, leaves)
//! ```
//!
//! `<hash>` is the SHA-256 of the source URL cut to 20 bytes, as 40 lower-case hex digits;
//! `<url tail>` its last 32 UTF-16 units. Characters the OS forbids in file names become `_`,
//! then runs of underscores are shortened as NuGet shortens them. Ids are lower-cased; versions
//! are normalized (and in the package name, not lower-cased, as NuGet writes it).

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::version::NuGetVersion;
use crate::{Error, ErrorKind, Result};

/// The environment variable NuGet reads the HTTP cache root from.
pub const HTTP_CACHE_ENV: &str = "NUGET_HTTP_CACHE_PATH";

/// How many UTF-16 units of the source URL follow the hash in the folder name.
const URL_TAIL_UNITS: usize = 32;

/// How many bytes of the SHA-256 NuGet keeps (the length SHA-1 had).
const HASH_BYTES: usize = 20;

/// The cache key of the service index.
pub const SERVICE_INDEX_KEY: &str = "service_index";

/// The folder of a source inside the cache root.
///
/// The name ends with the URL's last 32 characters, as NuGet names it, so a secret query value
/// at the end of a source URL (`?token=...`) is part of it: logs and errors show cache paths
/// through [`shown_folder_name`] and [`without_url_tails`].
pub fn source_folder_name(source_url: &str) -> String {
    folder_name(&short_hash(source_url), source_url)
}

/// The folder of a source as logs and errors show it: [`source_folder_name`] with its tail
/// taken from the URL with its secret query values masked (`token=***`). The same as the real
/// name for a URL without secrets.
pub fn shown_folder_name(source_url: &str) -> String {
    folder_name(&short_hash(source_url), &crate::http::loggable(source_url))
}

/// `<hash>$<the last 32 UTF-16 units of url>`, characters the OS forbids replaced.
fn folder_name(hash: &str, url: &str) -> String {
    let units: Vec<u16> = url.encode_utf16().collect();
    let tail = if units.len() > URL_TAIL_UNITS {
        String::from_utf16_lossy(&units[units.len() - URL_TAIL_UNITS..])
    } else {
        url.to_string()
    };
    remove_invalid_file_name_chars(&format!("{hash}${tail}"))
}

/// A path under the cache root as logs show it when its source is not known (eviction walks
/// every folder): each source folder's name cut to its hash, `<hash>$...`, since its URL tail
/// may end with a secret.
pub fn without_url_tails(path: &Path) -> String {
    path.components()
        .map(|part| {
            let text = part.as_os_str().to_string_lossy();
            match text.split_once('$') {
                Some((hash, _)) if is_short_hash(hash) => format!("{hash}$..."),
                _ => text.into_owned(),
            }
        })
        .collect::<PathBuf>()
        .display()
        .to_string()
}

fn is_short_hash(text: &str) -> bool {
    text.len() == 2 * HASH_BYTES && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The file name of a cache key (`<key>.dat`, unsafe characters replaced).
pub fn file_name(key: &str) -> String {
    format!("{}.dat", remove_invalid_file_name_chars(key))
}

/// 40 lower-case hex digits: the first 20 bytes of the SHA-256 of `value`'s UTF-8 bytes.
pub fn short_hash(value: &str) -> String {
    let digest = Sha256::digest(value.as_bytes());
    digest[..HASH_BYTES]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Replaces characters the OS forbids in file names with `_`, then shortens `__` to `_` twice,
/// exactly as NuGet's `CachingUtility.RemoveInvalidFileNameChars` does.
pub fn remove_invalid_file_name_chars(value: &str) -> String {
    let replaced: String = value
        .chars()
        .map(|c| if is_invalid_in_file_name(c) { '_' } else { c })
        .collect();
    replaced.replace("__", "_").replace("__", "_")
}

/// .NET's `Path.GetInvalidFileNameChars()` on this OS.
#[cfg(windows)]
fn is_invalid_in_file_name(c: char) -> bool {
    matches!(c, '"' | '<' | '>' | '|' | ':' | '*' | '?' | '\\' | '/') || (c as u32) < 32
}

/// .NET's `Path.GetInvalidFileNameChars()` on this OS.
#[cfg(not(windows))]
fn is_invalid_in_file_name(c: char) -> bool {
    c == '\0' || c == '/'
}

/// `list_<id>_index`: a registration index.
pub fn registration_index_key(id: &str) -> String {
    around_lower_id("list_", id, "_index")
}

/// `prefix`, `id` lower-cased, `suffix`, in one allocation of the right size (these names are
/// built on every call, cached or not).
pub(crate) fn around_lower_id(prefix: &str, id: &str, suffix: &str) -> String {
    let mut name = String::with_capacity(prefix.len() + id.len() + suffix.len());
    name.push_str(prefix);
    push_lower_id(&mut name, id);
    name.push_str(suffix);
    name
}

/// Appends `id` lower-cased as `str::to_lowercase` does, without a string of its own when the
/// id is ASCII (as almost every id is).
pub(crate) fn push_lower_id(name: &mut String, id: &str) {
    if id.is_ascii() {
        name.extend(id.chars().map(|c| c.to_ascii_lowercase()));
    } else {
        name.push_str(&id.to_lowercase());
    }
}

/// `list_<id>_range_<lower>-<upper>`: a remote registration page, bounds as the index gives
/// them, normalized when they are versions.
pub fn registration_page_key(id: &str, lower: &str, upper: &str) -> String {
    format!(
        "list_{}_range_{}-{}",
        id.to_lowercase(),
        normalized(lower),
        normalized(upper)
    )
}

/// `list_<id>`: a flat container version list.
pub fn flat_container_index_key(id: &str) -> String {
    around_lower_id("list_", id, "")
}

/// `nupkg_<id>.<version>`: a package; the version is normalized but keeps its case.
pub fn nupkg_key(id: &str, version: &NuGetVersion) -> String {
    format!(
        "nupkg_{}.{}",
        id.to_lowercase(),
        version.to_normalized_string()
    )
}

/// `repository_signatures_<v>` for the resource type `RepositorySignatures/<v>`.
pub fn repository_signatures_key(resource_type: &str) -> String {
    let version = resource_type
        .split_once('/')
        .map_or(resource_type, |(_, v)| v);
    format!("repository_signatures_{}", version.trim())
}

/// `rnuget_leaf_<id>_<version>`: a registration leaf (NuGet.Client does not cache leaves).
pub fn registration_leaf_key(id: &str, version: &NuGetVersion) -> String {
    format!(
        "rnuget_leaf_{}_{}",
        id.to_lowercase(),
        version.to_normalized_string().to_lowercase()
    )
}

/// `rnuget_search_<hash of the URL>` (NuGet.Client does not cache searches).
pub fn search_key(url: &str) -> String {
    format!("rnuget_search_{}", short_hash(url))
}

/// `rnuget_autocomplete_<hash of the URL>` (NuGet.Client does not cache autocomplete).
pub fn autocomplete_key(url: &str) -> String {
    format!("rnuget_autocomplete_{}", short_hash(url))
}

fn normalized(bound: &str) -> String {
    match NuGetVersion::parse(bound) {
        Ok(version) => version.to_normalized_string(),
        Err(_) => bound.trim().to_string(),
    }
}

/// The HTTP cache root NuGet uses: `NUGET_HTTP_CACHE_PATH` when set (it must be absolute),
/// otherwise `<local application data>/NuGet/v3-cache` (`%LOCALAPPDATA%` on Windows,
/// `$XDG_DATA_HOME` or `~/.local/share` elsewhere).
pub fn default_root() -> Result<PathBuf> {
    root_from(|name| std::env::var_os(name).filter(|v| !v.is_empty()))
}

fn root_from(env: impl Fn(&str) -> Option<std::ffi::OsString>) -> Result<PathBuf> {
    if let Some(path) = env(HTTP_CACHE_ENV) {
        let path = PathBuf::from(path);
        if !path.is_absolute() {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "{HTTP_CACHE_ENV} must be an absolute path, not {}",
                    path.display()
                ),
            ));
        }
        return Ok(path);
    }
    let base = local_application_data(&env).ok_or_else(|| {
        Error::new(
            ErrorKind::InvalidArgument,
            "cannot find the NuGet HTTP cache: no home folder is set (HOME, LOCALAPPDATA)",
        )
    })?;
    Ok(base.join("NuGet").join("v3-cache"))
}

#[cfg(windows)]
fn local_application_data(env: &impl Fn(&str) -> Option<std::ffi::OsString>) -> Option<PathBuf> {
    env("LOCALAPPDATA").map(PathBuf::from)
}

#[cfg(not(windows))]
fn local_application_data(env: &impl Fn(&str) -> Option<std::ffi::OsString>) -> Option<PathBuf> {
    if let Some(xdg) = env("XDG_DATA_HOME") {
        return Some(PathBuf::from(xdg));
    }
    env("HOME").map(|home| Path::new(&home).join(".local").join("share"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    #[test]
    fn the_folder_is_a_sha256_prefix_and_the_url_tail() {
        // The folder NuGet.Client creates for nuget.org on Linux and macOS.
        let name = source_folder_name("https://api.nuget.org/v3/index.json");
        if cfg!(windows) {
            assert_eq!(
                name,
                "670c1461c29885f9aa22c281d8b7da90845b38e4$ps_api.nuget.org_v3_index.json"
            );
        } else {
            assert_eq!(
                name,
                "670c1461c29885f9aa22c281d8b7da90845b38e4$ps:_api.nuget.org_v3_index.json"
            );
        }
        assert_eq!(
            short_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a3"
        );
        // A URL of at most 32 units is kept whole.
        let short = source_folder_name("http://h:1/index.json");
        assert!(
            short.ends_with("$http:_h:1_index.json") || cfg!(windows),
            "{short}"
        );
    }

    #[test]
    fn the_tail_counts_utf16_units() {
        let url = format!("http://h/{}/index.json", "é".repeat(40));
        let name = source_folder_name(&url);
        let tail = name.split_once('$').unwrap().1;
        assert_eq!(tail.encode_utf16().count(), 32);
        assert!(tail.ends_with("_index.json"));
    }

    #[test]
    fn underscores_shorten_twice_as_in_nuget() {
        assert_eq!(remove_invalid_file_name_chars("a__b"), "a_b");
        assert_eq!(remove_invalid_file_name_chars("a____b"), "a_b");
        assert_eq!(remove_invalid_file_name_chars("a_____b"), "a__b");
        assert_eq!(remove_invalid_file_name_chars("x//y"), "x_y");
    }

    #[test]
    fn shown_folder_names_mask_the_secrets_their_url_tail_may_end_with() {
        let plain = "https://api.nuget.org/v3/index.json";
        assert_eq!(shown_folder_name(plain), source_folder_name(plain));
        // A token longer than the tail: the real name ends with its last 32 characters.
        let token = "0123456789abcdef".repeat(4);
        let secret = format!("https://feed.example/v3/index.json?token={token}");
        let real = source_folder_name(&secret);
        let shown = shown_folder_name(&secret);
        assert!(real.ends_with(&token[32..]), "{real}");
        assert_eq!(&shown[..41], &real[..41], "the same hash");
        assert!(shown.ends_with("index.json?token=***"), "{shown}");
        assert!(!shown.contains(&token[32..]), "{shown}");

        let path = Path::new("/cache").join(&real).join("list_a_index.dat");
        let cut = without_url_tails(&path);
        assert_eq!(cut, format!("/cache/{}$.../list_a_index.dat", &real[..40]));
        // A folder name that is not `<hash>$...` stays as it is.
        assert_eq!(without_url_tails(Path::new("/a$b/c")), "/a$b/c");
    }

    #[test]
    fn keys_are_the_ones_nuget_uses() {
        let v = NuGetVersion::parse("2.0.0-Beta.1").unwrap();
        assert_eq!(registration_index_key("Demo.Core"), "list_demo.core_index");
        assert_eq!(
            registration_page_key("Demo.Core", "1.0", "2.0.0-beta"),
            "list_demo.core_range_1.0.0-2.0.0-beta"
        );
        assert_eq!(flat_container_index_key("Demo.Core"), "list_demo.core");
        assert_eq!(nupkg_key("Demo.Core", &v), "nupkg_demo.core.2.0.0-Beta.1");
        assert_eq!(
            repository_signatures_key("RepositorySignatures/5.0.0"),
            "repository_signatures_5.0.0"
        );
        assert_eq!(file_name("list_a/b"), "list_a_b.dat");
        assert!(search_key("http://h/q?q=x").starts_with("rnuget_search_"));
        assert_eq!(search_key("u").len(), "rnuget_search_".len() + 40);
    }

    #[test]
    fn the_root_comes_from_the_environment_or_the_os_default() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| OsString::from(v))
            }
        };
        assert_eq!(
            root_from(env(&[(HTTP_CACHE_ENV, "/tmp/h"), ("HOME", "/home/u")])).unwrap(),
            PathBuf::from("/tmp/h")
        );
        let relative = root_from(env(&[(HTTP_CACHE_ENV, "rel")])).unwrap_err();
        assert_eq!(relative.kind(), ErrorKind::InvalidArgument);
        if cfg!(not(windows)) {
            assert_eq!(
                root_from(env(&[("HOME", "/home/u")])).unwrap(),
                PathBuf::from("/home/u/.local/share/NuGet/v3-cache")
            );
            assert_eq!(
                root_from(env(&[("HOME", "/home/u"), ("XDG_DATA_HOME", "/x")])).unwrap(),
                PathBuf::from("/x/NuGet/v3-cache")
            );
            assert!(root_from(env(&[])).is_err());
        }
    }
}
