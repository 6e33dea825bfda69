//! The parts of a manifest beside identity and dependencies: license, package types, repository,
//! framework-specific item groups and framework assembly references.

use crate::framework::NuGetFramework;

/// How a `<license>` element names the license.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum LicenseKind {
    /// `type="file"`: a file inside the package.
    File,
    /// `type="expression"`: an SPDX license expression (`MIT`, `MIT OR Apache-2.0`).
    Expression,
}

impl LicenseKind {
    /// The name NuGet gives it (`File`, `Expression`).
    pub fn as_str(self) -> &'static str {
        match self {
            LicenseKind::File => "File",
            LicenseKind::Expression => "Expression",
        }
    }
}

/// The `<license>` element, as `NuspecReader.GetLicenseMetadata` reads it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LicenseMetadata {
    /// File or expression.
    pub kind: LicenseKind,
    /// The expression or the file path, trimmed.
    pub value: String,
    /// The `version` attribute as .NET writes a `System.Version` (`1.0.0` when absent or not a
    /// version).
    pub version: String,
}

/// One `<packageType>`: a name and a version (`0.0` when none is given).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PackageType {
    /// The package type name (`Dependency`, `DotnetTool`), trimmed.
    pub name: String,
    /// The version as .NET writes a `System.Version`.
    pub version: String,
}

/// The `<repository>` element; every part is empty when it is not given.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct RepositoryMetadata {
    /// Repository type (`git`).
    #[serde(rename = "type")]
    pub kind: String,
    /// Repository URL.
    pub url: String,
    /// Branch.
    pub branch: String,
    /// Commit id.
    pub commit: String,
}

/// Items (file or assembly names) that apply to one target framework.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FrameworkSpecificGroup {
    /// The target framework; `any` for a group without one.
    pub target_framework: NuGetFramework,
    /// The items, in NuGet's order.
    pub items: Vec<String>,
}

/// One `<frameworkAssembly>`: an assembly from the framework and the frameworks it is for.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FrameworkAssembly {
    /// The assembly name (`System.Net.Http`), empty when the attribute is missing.
    pub assembly_name: String,
    /// The frameworks of the comma-separated `targetFramework`; `any` when it is empty.
    pub target_frameworks: Vec<NuGetFramework>,
}
