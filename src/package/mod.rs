//! Reading `.nupkg` archives and their `.nuspec` manifests.
//!
//! TODO(skeleton): interface only; the implementation replaces every `todo!()` below and keeps
//! these signatures (it may add more).

mod dependency;

pub use dependency::{Dependency, DependencyGroup};

use std::path::Path;

use crate::Result;

/// The manifest of a package, as `NuspecReader` reads it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Nuspec {
    /// Package id as written in the nuspec.
    pub id: String,
    /// Package version.
    pub version: crate::version::NuGetVersion,
    /// Dependency groups by target framework.
    pub dependency_groups: Vec<DependencyGroup>,
}

impl Nuspec {
    /// Parses nuspec XML (any of the nuspec namespaces). `label` names the input in errors.
    pub fn parse(_xml: &str, _label: &str) -> Result<Self> {
        todo!()
    }
}

/// An opened, validated `.nupkg`.
#[derive(Debug)]
pub struct PackageReader {
    _private: (),
}

impl PackageReader {
    /// Opens and validates a package file (whole zip, one root nuspec, safe entry names).
    pub fn open(_path: &Path) -> Result<Self> {
        todo!()
    }
    /// Validates and opens a package held in memory. `label` names it in errors.
    pub fn from_bytes(_bytes: Vec<u8>, _label: &str) -> Result<Self> {
        todo!()
    }
    /// The manifest.
    pub fn nuspec(&self) -> &Nuspec {
        todo!()
    }
    /// Entry names in archive order.
    pub fn files(&self) -> &[String] {
        todo!()
    }
}
