//! The `.nuspec` manifest, read eagerly. Every value follows NuGet's `NuspecReader`: text
//! elements are empty when absent, the few that NuGet returns as null are `Option`s. Where a
//! `NuspecReader` getter throws (a version that does not parse, a framework that does not, a
//! dependency without an id, a flag that is not a boolean), the whole manifest is an error.

use super::groups::framework_assembly_groups;
use super::metadata::Metadata;
use super::model::{
    FrameworkAssembly, FrameworkSpecificGroup, LicenseMetadata, PackageType, RepositoryMetadata,
};
use super::{DependencyGroup, xml};
use crate::Result;
use crate::version::NuGetVersion;

/// The manifest of a package, as `NuspecReader` reads it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Nuspec {
    /// Package id as written in the nuspec, not validated: NuGet checks ids only when a package
    /// is created, and reads `<id></id>` as an empty id and `<id>../x</id>` as `../x`. Check it
    /// with [`is_valid_id`](super::is_valid_id) before it goes into a path or a URL (downloads
    /// compare it with the validated id they asked for).
    // TODO(nuspec-id-validation): rnuget follows NuGet and accepts any id here; refusing ids
    // that are not valid (or only path-like ones) would be safer for local files.
    pub id: String,
    /// Package version.
    pub version: crate::version::NuGetVersion,
    /// Dependency groups by target framework, in manifest order (a flat pre-2.5 list becomes
    /// one `any` group).
    pub dependency_groups: Vec<DependencyGroup>,
    /// `<title>`, empty when absent.
    pub title: String,
    /// `<authors>`, empty when absent.
    pub authors: String,
    /// `<owners>`, empty when absent.
    pub owners: String,
    /// `<description>`, empty when absent.
    pub description: String,
    /// `<summary>`, empty when absent.
    pub summary: String,
    /// `<releaseNotes>`, empty when absent.
    pub release_notes: String,
    /// `<tags>` (space separated, as written), empty when absent.
    pub tags: String,
    /// `<copyright>`, empty when absent.
    pub copyright: String,
    /// `<language>`, `None` when absent.
    pub language: Option<String>,
    /// `<projectUrl>`, empty when absent.
    pub project_url: String,
    /// `<iconUrl>`, empty when absent.
    pub icon_url: String,
    /// `<icon>`: a file in the package, `None` when absent.
    pub icon: Option<String>,
    /// `<readme>`: a file in the package, `None` when absent.
    pub readme: Option<String>,
    /// `<licenseUrl>`, `None` when absent.
    pub license_url: Option<String>,
    /// `<license>`, `None` when absent or of a type NuGet does not know.
    pub license: Option<LicenseMetadata>,
    /// `<requireLicenseAcceptance>` is `true`.
    pub require_license_acceptance: bool,
    /// `<developmentDependency>` is true.
    pub development_dependency: bool,
    /// `<serviceable>` is true.
    pub serviceable: bool,
    /// The `minClientVersion` attribute of `<metadata>`, `None` when absent.
    pub min_client_version: Option<NuGetVersion>,
    /// `<packageTypes>`, empty when absent.
    pub package_types: Vec<PackageType>,
    /// `<repository>`, every part empty when absent.
    pub repository: RepositoryMetadata,
    /// Framework assemblies grouped by framework, sorted (`GetFrameworkAssemblyGroups`).
    pub framework_assemblies: Vec<FrameworkSpecificGroup>,
    /// The `<frameworkAssembly>` elements as written.
    pub framework_assembly_references: Vec<FrameworkAssembly>,
    /// `<references>` groups of file names (`GetReferenceGroups`).
    pub reference_groups: Vec<FrameworkSpecificGroup>,
}

impl Nuspec {
    /// Parses nuspec XML (any of the nuspec namespaces). `label` names the input in errors.
    pub fn parse(xml: &str, label: &str) -> Result<Self> {
        let text = xml.strip_prefix('\u{feff}').unwrap_or(xml);
        let document = xml::parse(text, label)?;
        let metadata = Metadata::find(document.root_element(), label)?;
        read(&metadata)
    }

    /// Parses nuspec bytes: UTF-8 with or without a byte-order mark, or UTF-16 with one.
    pub fn from_bytes(bytes: &[u8], label: &str) -> Result<Self> {
        Self::parse(&xml::decode(bytes, label)?, label)
    }
}

// TODO(framework-references): `<frameworkReferences>` and `<contentFiles>` are not read yet.
fn read(metadata: &Metadata) -> Result<Nuspec> {
    let id = metadata
        .element_text("id")
        .ok_or_else(|| metadata.error("<metadata> has no <id>"))?;
    let version_text = metadata
        .element_text("version")
        .ok_or_else(|| metadata.error("<metadata> has no <version>"))?;
    let version = NuGetVersion::parse(&version_text)
        .map_err(|_| metadata.error(format!("version {version_text:?} is not a NuGet version")))?;
    let min_client_version = match xml::attribute(metadata.node, "minClientVersion") {
        None => None,
        Some(text) => Some(NuGetVersion::parse(text).map_err(|_| {
            metadata.error(format!("minClientVersion {text:?} is not a NuGet version"))
        })?),
    };
    let framework_assembly_references = metadata.framework_assembly_references()?;
    Ok(Nuspec {
        id,
        version,
        dependency_groups: metadata.dependency_groups()?,
        title: metadata.text("title"),
        authors: metadata.text("authors"),
        owners: metadata.text("owners"),
        description: metadata.text("description"),
        summary: metadata.text("summary"),
        release_notes: metadata.text("releaseNotes"),
        tags: metadata.text("tags"),
        copyright: metadata.text("copyright"),
        language: metadata.element_text("language"),
        project_url: metadata.text("projectUrl"),
        icon_url: metadata.text("iconUrl"),
        icon: metadata.element_text("icon"),
        readme: metadata.element_text("readme"),
        license_url: metadata.element_text("licenseUrl"),
        license: metadata.license(),
        require_license_acceptance: metadata.require_license_acceptance(),
        development_dependency: metadata.development_dependency()?,
        serviceable: metadata.serviceable()?,
        min_client_version,
        package_types: metadata.package_types()?,
        repository: metadata.repository(),
        framework_assemblies: framework_assembly_groups(&framework_assembly_references),
        framework_assembly_references,
        reference_groups: metadata.reference_groups()?,
    })
}
