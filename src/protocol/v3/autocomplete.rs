//! Autocomplete (`SearchAutocompleteService`): id prefixes and the versions of one id.

use log::warn;
use serde::Deserialize;

use super::search::{encode_component, without_query};
use crate::Result;
use crate::http::loggable;
use crate::version::NuGetVersion;

/// `?q=<prefix>&skip=&take=&prerelease=&semVerLevel=2.0.0`.
pub fn ids_url(endpoint: &str, prefix: &str, skip: u32, take: u32, prerelease: bool) -> String {
    format!(
        "{}?q={}&skip={skip}&take={take}&prerelease={prerelease}&semVerLevel=2.0.0",
        without_query(endpoint),
        encode_component(prefix)
    )
}

/// `?id=<id>&prerelease=&semVerLevel=2.0.0`.
pub fn versions_url(endpoint: &str, id: &str, prerelease: bool) -> String {
    format!(
        "{}?id={}&prerelease={prerelease}&semVerLevel=2.0.0",
        without_query(endpoint),
        encode_component(id)
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ResponseDoc {
    data: Option<Vec<serde_json::Value>>,
}

/// The `data` strings of an autocomplete response, in feed order.
pub fn parse_strings(bytes: &[u8], url: &str) -> Result<Vec<String>> {
    let doc: ResponseDoc = crate::http::parse_json(bytes, url)?;
    Ok(doc
        .data
        .unwrap_or_default()
        .into_iter()
        .filter_map(|v| match v {
            serde_json::Value::String(s) => Some(s),
            serde_json::Value::Null => None,
            other => Some(other.to_string()),
        })
        .collect())
}

/// Ids that start with `prefix` (ignoring case), as NuGet.Client filters them.
pub fn parse_ids(bytes: &[u8], url: &str, prefix: &str) -> Result<Vec<String>> {
    let prefix = prefix.to_lowercase();
    Ok(parse_strings(bytes, url)?
        .into_iter()
        .filter(|id| id.to_lowercase().starts_with(&prefix))
        .collect())
}

/// Versions in feed order; ones that do not parse are left out with a warning.
pub fn parse_versions(bytes: &[u8], url: &str) -> Result<Vec<NuGetVersion>> {
    Ok(parse_strings(bytes, url)?
        .into_iter()
        .filter_map(|text| match NuGetVersion::parse(&text) {
            Ok(version) => Some(version),
            Err(err) => {
                warn!(target: "rnuget::protocol", "{}: skipping version: {err}", loggable(url));
                None
            }
        })
        .collect())
}
