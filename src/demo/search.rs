//! Search and autocomplete of the demo feed, answered per request.
//!
//! Search (`q`, `skip`, `take`, `prerelease`, `semVerLevel`): every word of `q` must occur (case
//! insensitively) in the id, title, description, tags or authors; `packageid:X` asks for that
//! exact id. Only listed versions count; without `prerelease=true` only stable ones, without
//! `semVerLevel=2.0.0` only SemVer 1 ones, as nuget.org filters. An exact id match comes first,
//! then more downloads, then the id.
//!
//! Autocomplete: `q` gives the ids starting with it; `id` gives the versions of that id.

use serde_json::{Value, json};

use super::catalog::{Catalog, CatalogEntry, CatalogId};
use super::documents::FeedUrls;

/// Default and largest `take`, as nuget.org has them.
const DEFAULT_TAKE: usize = 20;
const MAX_TAKE: usize = 1000;

/// The parameters of one search or autocomplete request.
#[derive(Debug, Default)]
pub(crate) struct Params {
    q: String,
    id: Option<String>,
    skip: usize,
    take: usize,
    prerelease: bool,
    semver2: bool,
}

impl Params {
    /// Parses a query string (`q=a+b&skip=1`).
    pub fn parse(query: &str) -> Params {
        let mut params = Params {
            take: DEFAULT_TAKE,
            ..Params::default()
        };
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = percent_decode(value);
            match name {
                "q" => params.q = value,
                "id" => params.id = Some(value),
                "skip" => params.skip = value.parse().unwrap_or(0),
                "take" => params.take = value.parse().unwrap_or(DEFAULT_TAKE).min(MAX_TAKE),
                "prerelease" => params.prerelease = value.eq_ignore_ascii_case("true"),
                "semVerLevel" => params.semver2 = value.starts_with('2'),
                _ => {}
            }
        }
        params
    }

    fn admits(&self, entry: &CatalogEntry) -> bool {
        entry.package.listed
            && (self.prerelease || !entry.version.is_prerelease())
            && (self.semver2 || !entry.version.is_semver2())
    }
}

/// A search response.
pub(crate) fn search(catalog: &Catalog, urls: &FeedUrls, params: &Params) -> Value {
    let terms: Vec<String> = params.q.split_whitespace().map(str::to_lowercase).collect();
    let mut hits: Vec<(&CatalogId, Vec<&CatalogEntry>)> = catalog
        .ids
        .iter()
        .filter_map(|id| {
            let versions: Vec<&CatalogEntry> =
                id.entries.iter().filter(|e| params.admits(e)).collect();
            let latest = versions.last()?;
            terms
                .iter()
                .all(|term| matches(id, latest, term))
                .then_some((id, versions))
        })
        .collect();
    let q = params.q.trim().to_lowercase();
    hits.sort_by_key(|(id, versions)| {
        let downloads: u64 = versions.iter().map(|e| e.package.downloads).sum();
        (
            id.lower_id != q,
            std::cmp::Reverse(downloads),
            id.lower_id.clone(),
        )
    });
    let data: Vec<Value> = hits
        .iter()
        .skip(params.skip)
        .take(params.take)
        .map(|(id, versions)| result(id, versions, urls))
        .collect();
    json!({ "totalHits": hits.len(), "data": data })
}

fn matches(id: &CatalogId, latest: &CatalogEntry, term: &str) -> bool {
    if let Some(exact) = term.strip_prefix("packageid:") {
        return id.lower_id == exact;
    }
    let package = &latest.package;
    let contains = |text: &str| text.to_lowercase().contains(term);
    id.lower_id.contains(term)
        || package.title.as_deref().is_some_and(contains)
        || contains(&package.description)
        || package.tags.iter().any(|t| contains(t))
        || package.authors.iter().any(|a| contains(a))
}

fn result(id: &CatalogId, versions: &[&CatalogEntry], urls: &FeedUrls) -> Value {
    // `versions` is never empty: an id without admitted versions is not a hit.
    let latest = versions[versions.len() - 1];
    let package = &latest.package;
    let version_list: Vec<Value> = versions
        .iter()
        .map(|e| {
            json!({
                "version": e.version.to_full_string(),
                "downloads": e.package.downloads,
                "@id": urls.registration_leaf(&id.lower_id, &e.lower_version),
            })
        })
        .collect();
    json!({
        "@id": urls.registration_index(&id.lower_id),
        "@type": "Package",
        "registration": urls.registration_index(&id.lower_id),
        "id": package.id,
        "version": latest.version.to_full_string(),
        "description": package.description,
        "summary": package.summary.clone().unwrap_or_default(),
        "title": package.title.clone().unwrap_or_else(|| package.id.clone()),
        "licenseUrl": package
            .license_expression
            .as_ref()
            .map(|e| format!("https://licenses.nuget.org/{e}"))
            .unwrap_or_default(),
        "projectUrl": package.project_url.clone().unwrap_or_default(),
        "tags": package.tags,
        "authors": package.authors,
        "owners": ["rnuget"],
        "totalDownloads": versions.iter().map(|e| e.package.downloads).sum::<u64>(),
        "verified": false,
        "packageTypes": [{ "name": "Dependency" }],
        "versions": version_list,
    })
}

/// An autocomplete response: ids for `q`, or the versions of `id`.
pub(crate) fn autocomplete(catalog: &Catalog, params: &Params) -> Value {
    if let Some(wanted) = &params.id {
        let versions: Vec<String> = catalog
            .get(&wanted.to_lowercase())
            .map(|id| {
                id.entries
                    .iter()
                    .filter(|e| params.admits(e))
                    .map(|e| e.version.to_full_string())
                    .collect()
            })
            .unwrap_or_default();
        return json!({ "totalHits": versions.len(), "data": versions });
    }
    let prefix = params.q.trim().to_lowercase();
    let ids: Vec<&str> = catalog
        .ids
        .iter()
        .filter(|id| id.lower_id.starts_with(&prefix))
        .filter(|id| id.entries.iter().any(|e| params.admits(e)))
        .map(|id| id.id.as_str())
        .collect();
    let page: Vec<&str> = ids
        .iter()
        .skip(params.skip)
        .take(params.take)
        .copied()
        .collect();
    json!({ "totalHits": ids.len(), "data": page })
}

/// Decodes `%XX` escapes and `+` (a space in query strings); bad escapes are kept as written.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = match bytes.get(i + 1..i + 3) {
            Some([high, low]) if bytes[i] == b'%' => hex(*high).zip(hex(*low)),
            _ => None,
        };
        match (bytes[i], escaped) {
            (_, Some((high, low))) => {
                out.push(high << 4 | low);
                i += 3;
            }
            (b'+', None) => {
                out.push(b' ');
                i += 1;
            }
            (byte, None) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(digit: u8) -> Option<u8> {
    (digit as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_strings_are_decoded() {
        let params = Params::parse("q=demo+core%21&skip=2&take=5000&prerelease=true&x=1");
        assert_eq!(params.q, "demo core!");
        assert_eq!(params.skip, 2);
        assert_eq!(params.take, MAX_TAKE);
        assert!(params.prerelease);
        assert!(!params.semver2);
        assert_eq!(Params::parse("").take, DEFAULT_TAKE);
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%41"), "%zzA");
    }
}
