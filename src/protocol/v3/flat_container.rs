//! The flat container (`PackageBaseAddress/3.0.0`): version lists and `.nupkg` URLs.
//!
//! Ids and versions are lower-cased here, and only here and in the registration URL, because
//! these are the URLs rnuget builds itself; URLs a feed hands out are used as given.

use log::warn;
use serde::Deserialize;

use super::segment;
use crate::http::loggable;
use crate::version::NuGetVersion;

/// `{base}{id-lower}/index.json` (the id escaped by [`segment::push_id`]).
pub fn versions_url(base: &str, id: &str) -> String {
    let mut url = with_slash(base);
    segment::push_id(&mut url, id);
    url.push_str("/index.json");
    url
}

/// `{base}{id-lower}/{version-lower}/{id-lower}.{version-lower}.nupkg`, with the normalized
/// version (see [`segment`]).
pub fn package_url(base: &str, id: &str, version: &NuGetVersion) -> String {
    let mut id_part = String::with_capacity(id.len());
    segment::push_id(&mut id_part, id);
    let mut version_part = String::with_capacity(16);
    segment::push_version(&mut version_part, version);
    format!(
        "{}{id_part}/{version_part}/{id_part}.{version_part}.nupkg",
        with_slash(base)
    )
}

#[derive(Deserialize)]
struct VersionsDoc {
    #[serde(default)]
    versions: Option<Vec<serde_json::Value>>,
}

/// Parses `index.json`: the versions sorted ascending without duplicates. A version that does
/// not parse is left out with a warning (NuGet.Client would fail the whole list).
pub fn parse_versions(bytes: &[u8], url: &str) -> crate::Result<Vec<NuGetVersion>> {
    let doc: VersionsDoc = crate::http::parse_json(bytes, url)?;
    let mut versions: Vec<NuGetVersion> = Vec::new();
    for value in doc.versions.unwrap_or_default() {
        let Some(text) = value.as_str() else {
            let shown = loggable(url);
            warn!(target: "rnuget::protocol", "{shown}: skipping version {value} (not a string)");
            continue;
        };
        match NuGetVersion::parse(text) {
            Ok(version) => versions.push(version),
            Err(err) => {
                warn!(target: "rnuget::protocol", "{}: skipping version: {err}", loggable(url))
            }
        }
    }
    versions.sort();
    versions.dedup();
    Ok(versions)
}

fn with_slash(base: &str) -> String {
    if base.ends_with('/') {
        base.to_string()
    } else {
        format!("{base}/")
    }
}
