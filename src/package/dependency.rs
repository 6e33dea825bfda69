//! Dependencies and dependency groups, shared by nuspec reading and feed metadata.

use crate::framework::NuGetFramework;
use crate::version::VersionRange;

/// One dependency of a package.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Dependency {
    /// Id of the package depended on.
    pub id: String,
    /// Accepted versions; an empty or missing range in the source means any version.
    pub range: VersionRange,
    /// Asset types to include (nuspec `include`), empty when not given.
    pub include: Vec<String>,
    /// Asset types to exclude (nuspec `exclude`), empty when not given.
    pub exclude: Vec<String>,
}

/// The dependencies that apply to one target framework.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DependencyGroup {
    /// The target framework; `any` for a group without one.
    pub target_framework: NuGetFramework,
    /// The dependencies, in source order.
    pub dependencies: Vec<Dependency>,
}
