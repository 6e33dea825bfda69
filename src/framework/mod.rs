//! Target framework monikers, as NuGet.Frameworks parses and formats them.
//!
//! TODO(skeleton): interface only; the implementation replaces every `todo!()` below and keeps
//! these signatures (it may add more).

use crate::Result;

/// A parsed target framework (`net45`, `netstandard2.0`, `.NETFramework,Version=v4.5`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NuGetFramework {
    _private: (),
}

impl NuGetFramework {
    /// Parses a short or long framework name, as `NuGetFramework.Parse` does.
    pub fn parse(_input: &str) -> Result<Self> {
        todo!()
    }
    /// The framework that matches any framework (`any`), used for groups without one.
    pub fn any() -> Self {
        todo!()
    }
    /// `GetShortFolderName()`.
    pub fn short_folder_name(&self) -> String {
        todo!()
    }
}

/// Serialized as the short folder name.
impl serde::Serialize for NuGetFramework {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.short_folder_name())
    }
}
