//! The single-valued parts of `<metadata>`: text values, flags, license, repository and package
//! types, read as NuGet's `NuspecReader` reads them.

use std::collections::HashMap;

use roxmltree::Node;

use super::model::{LicenseKind, LicenseMetadata, PackageType, RepositoryMetadata};
use super::xml;
use crate::framework::FrameworkVersion;
use crate::{Error, ErrorKind, Result};

/// The `<metadata>` element of one manifest, with what NuGet looks things up by.
pub(super) struct Metadata<'a, 'i> {
    /// Names the package in errors.
    pub label: &'a str,
    /// The document's root element.
    pub root: Node<'a, 'i>,
    /// The `<metadata>` element.
    pub node: Node<'a, 'i>,
    /// The default namespace at `<metadata>`, which child elements must be in.
    pub ns: Option<&'a str>,
    /// Text of the childless, non-empty elements by lower-cased local name (any namespace),
    /// first one winning: `GetMetadataValue`.
    values: HashMap<String, String>,
}

impl<'a, 'i> Metadata<'a, 'i> {
    /// Finds `<metadata>` under the root (any namespace, as NuGet accepts legacy nuspecs).
    pub fn find(root: Node<'a, 'i>, label: &'a str) -> Result<Self> {
        let node = root
            .children()
            .find(|c| c.is_element() && c.tag_name().name() == "metadata")
            .ok_or_else(|| invalid(label, "the root element has no <metadata> element"))?;
        let mut values = HashMap::new();
        for element in node
            .children()
            .filter(|c| c.is_element() && !xml::has_elements(*c))
        {
            let text = xml::value(element);
            if !text.is_empty() {
                let key = element.tag_name().name().to_lowercase();
                values.entry(key).or_insert(text);
            }
        }
        Ok(Metadata {
            label,
            root,
            node,
            ns: xml::default_namespace(node),
            values,
        })
    }

    /// `GetMetadataValue(name)`: the text, or empty.
    pub fn text(&self, name: &str) -> String {
        self.values
            .get(&name.to_lowercase())
            .cloned()
            .unwrap_or_default()
    }

    /// The text of the first `<name>` in the metadata namespace, `None` without one.
    pub fn element_text(&self, name: &str) -> Option<String> {
        xml::child(self.node, name).map(xml::value)
    }

    /// An error about this manifest.
    pub fn error(&self, why: impl std::fmt::Display) -> Error {
        invalid(self.label, why)
    }

    /// `GetRequireLicenseAcceptance`: exactly `true` in any case.
    pub fn require_license_acceptance(&self) -> bool {
        self.text("requireLicenseAcceptance")
            .eq_ignore_ascii_case("true")
    }

    /// `GetDevelopmentDependency`: `bool.Parse` of the element, false without one.
    pub fn development_dependency(&self) -> Result<bool> {
        let Some(text) = self.element_text("developmentDependency") else {
            return Ok(false);
        };
        dotnet_bool(&text)
            .ok_or_else(|| self.error(format!("developmentDependency {text:?} is not a boolean")))
    }

    /// `IsServiceable`: `XmlConvert.ToBoolean` of the element, false without one.
    pub fn serviceable(&self) -> Result<bool> {
        let Some(text) = self.element_text("serviceable") else {
            return Ok(false);
        };
        match text.trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n')) {
            "true" | "1" => Ok(true),
            "false" | "0" => Ok(false),
            _ => Err(self.error(format!("serviceable {text:?} is not an XML boolean"))),
        }
    }

    /// `GetRepositoryMetadata`.
    pub fn repository(&self) -> RepositoryMetadata {
        let Some(node) = xml::child(self.node, "repository") else {
            return RepositoryMetadata::default();
        };
        let part = |name| xml::attribute(node, name).unwrap_or("").to_string();
        RepositoryMetadata {
            kind: part("type"),
            url: part("url"),
            branch: part("branch"),
            commit: part("commit"),
        }
    }

    /// `GetLicenseMetadata`: `None` without a `<license>` or with a type NuGet does not know.
    // TODO(license-expression): the SPDX expression is not parsed, so NuGet's warnings about
    // non-standard identifiers or `UNLICENSED` are not reported.
    pub fn license(&self) -> Option<LicenseMetadata> {
        let node = xml::child(self.node, "license")?;
        let kind = license_kind(xml::attribute(node, "type")?.trim())?;
        let version = xml::attribute(node, "version")
            .and_then(|v| dotnet_version_text(v.trim()))
            .unwrap_or_else(|| "1.0.0".to_string());
        Some(LicenseMetadata {
            kind,
            value: xml::value(node).trim().to_string(),
            version,
        })
    }

    /// `GetPackageTypes`: a type needs a name; a version must be a `System.Version`.
    pub fn package_types(&self) -> Result<Vec<PackageType>> {
        let mut types = Vec::new();
        for list in xml::children(self.node, self.ns, "packageTypes") {
            for node in xml::children(list, self.ns, "packageType") {
                let name = xml::attribute(node, "name").unwrap_or("").trim();
                if name.is_empty() {
                    return Err(self.error("a <packageType> has no name"));
                }
                let version = match xml::attribute(node, "version") {
                    None => "0.0".to_string(),
                    Some(text) => dotnet_version_text(text).ok_or_else(|| {
                        self.error(format!("package type version {text:?} is not a version"))
                    })?,
                };
                types.push(PackageType {
                    name: name.to_string(),
                    version,
                });
            }
        }
        Ok(types)
    }
}

fn invalid(label: &str, why: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::InvalidPackage, format!("{label}: nuspec: {why}"))
}

/// `Enum.TryParse<LicenseType>(text, ignoreCase: true)` for the two names and their numbers.
fn license_kind(text: &str) -> Option<LicenseKind> {
    match text.to_ascii_lowercase().as_str() {
        "file" | "0" => Some(LicenseKind::File),
        "expression" | "1" => Some(LicenseKind::Expression),
        _ => None,
    }
}

/// `bool.Parse`: `True` or `False` in any case, surrounding white space allowed.
fn dotnet_bool(text: &str) -> Option<bool> {
    let trimmed = text.trim_matches(|c: char| c.is_whitespace() || c == '\0');
    if trimmed.eq_ignore_ascii_case("true") {
        Some(true)
    } else if trimmed.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// A `System.Version` written back as `Version.ToString()` does (as many parts as were given).
fn dotnet_version_text(text: &str) -> Option<String> {
    let version = FrameworkVersion::parse_dotnet(text)?;
    let parts = [
        version.major,
        version.minor,
        version.build,
        version.revision,
    ];
    let given = text.split('.').count();
    let written: Vec<String> = parts[..given].iter().map(u32::to_string).collect();
    Some(written.join("."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotnet_values() {
        assert_eq!(dotnet_bool(" TRUE "), Some(true));
        assert_eq!(dotnet_bool("yes"), None);
        assert_eq!(dotnet_version_text("1.02"), Some("1.2".to_string()));
        assert_eq!(dotnet_version_text("1"), None);
        assert_eq!(license_kind("Expression"), Some(LicenseKind::Expression));
    }
}
