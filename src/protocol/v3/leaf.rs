//! Registration leaves (`{RegistrationsBaseUrl}/{id-lower}/{version-lower}.json`) and the
//! `RepositorySignatures` resource: small documents NuGet.Client reads on their own.

use serde::{Deserialize, Serialize};

use super::json;
use crate::Result;

/// A registration leaf: one version's listing state and where its details live.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegistrationLeaf {
    /// The leaf's own URL (`@id`), if given.
    pub url: Option<String>,
    /// Whether the version is listed (absent means listed).
    pub listed: bool,
    /// Publish time as the feed wrote it.
    pub published: Option<String>,
    /// Where the `.nupkg` is.
    pub package_content: Option<String>,
    /// The catalog entry's URL (the leaf names it, or gives it inline with an `@id`).
    pub catalog_entry_url: Option<String>,
    /// The registration index this leaf belongs to.
    pub registration: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct LeafDoc {
    #[serde(rename = "@id", deserialize_with = "json::string")]
    url: Option<String>,
    #[serde(deserialize_with = "json::boolean")]
    listed: Option<bool>,
    #[serde(deserialize_with = "json::string")]
    published: Option<String>,
    #[serde(deserialize_with = "json::string")]
    package_content: Option<String>,
    catalog_entry: Option<serde_json::Value>,
    #[serde(deserialize_with = "json::string")]
    registration: Option<String>,
}

/// Parses a registration leaf.
pub fn parse_leaf(bytes: &[u8], url: &str) -> Result<RegistrationLeaf> {
    let doc: LeafDoc = crate::http::parse_json(bytes, url)?;
    let catalog_entry_url = match doc.catalog_entry {
        Some(serde_json::Value::String(link)) => Some(link),
        Some(serde_json::Value::Object(entry)) => entry
            .get("@id")
            .and_then(|v| v.as_str())
            .map(str::to_string),
        _ => None,
    };
    Ok(RegistrationLeaf {
        url: doc.url,
        listed: doc.listed.unwrap_or(true),
        published: doc.published,
        package_content: doc.package_content,
        catalog_entry_url,
        registration: doc.registration,
    })
}

/// Which certificates a repository signs packages with (`RepositorySignatures/5.0.0`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RepositorySignatures {
    /// Whether every package of the repository is repository-signed.
    pub all_repository_signed: bool,
    /// The signing certificates.
    pub certificates: Vec<SigningCertificate>,
}

/// One repository signing certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SigningCertificate {
    /// Fingerprints by hash algorithm OID (`2.16.840.1.101.3.4.2.1` is SHA-256), sorted by OID.
    #[serde(default)]
    pub fingerprints: std::collections::BTreeMap<String, String>,
    /// Subject distinguished name.
    #[serde(default)]
    pub subject: String,
    /// Issuer distinguished name.
    #[serde(default)]
    pub issuer: String,
    /// Start of validity (ISO 8601).
    #[serde(default)]
    pub not_before: String,
    /// End of validity (ISO 8601).
    #[serde(default)]
    pub not_after: String,
    /// Where the certificate can be downloaded.
    #[serde(default)]
    pub content_url: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct SignaturesDoc {
    #[serde(deserialize_with = "json::boolean")]
    all_repository_signed: Option<bool>,
    signing_certificates: Option<Vec<SigningCertificate>>,
}

/// Parses a `RepositorySignatures` document.
pub fn parse_signatures(bytes: &[u8], url: &str) -> Result<RepositorySignatures> {
    let doc: SignaturesDoc = crate::http::parse_json(bytes, url)?;
    Ok(RepositorySignatures {
        all_repository_signed: doc.all_repository_signed.unwrap_or(false),
        certificates: doc.signing_certificates.unwrap_or_default(),
    })
}
