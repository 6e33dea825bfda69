//! Target framework monikers, as NuGet.Frameworks 5.8 parses and formats them.
//!
//! ```text
//! parse.rs     NuGetFramework.Parse: long names (with a comma) and short folder names
//! format.rs    GetShortFolderName() and DotNetFrameworkName
//! names.rs     identifiers, their synonyms and short names, profile short names
//! order.rs     NuGetFrameworkSorter as Ord
//! portable.rs  portable profiles (ProfileN <-> framework lists) and equivalent frameworks
//! version.rs   the four-part framework version and its text forms
//! text.rs      .NET's case-insensitive comparison and URI unescaping
//! ```

mod format;
mod names;
mod order;
mod parse;
mod portable;
pub(crate) mod text;
mod version;

pub use version::FrameworkVersion;

use std::fmt;
use std::hash::{Hash, Hasher};

use crate::Result;
use names::ids;
use text::{eq_ignore_case, hash_ignore_case};

/// A parsed target framework (`net45`, `netstandard2.0`, `.NETFramework,Version=v4.5`).
///
/// Equality and hashing are NuGet's full comparison: identifier, profile and platform ignoring
/// case, version and platform version exactly. Ordering is `NuGetFrameworkSorter`'s.
#[derive(Debug, Clone)]
pub struct NuGetFramework {
    framework: String,
    version: FrameworkVersion,
    profile: String,
    platform: String,
    platform_version: FrameworkVersion,
}

impl NuGetFramework {
    /// Parses a short or long framework name, as `NuGetFramework.Parse` does. Names NuGet does
    /// not know give [`NuGetFramework::unsupported`]; an error only where NuGet throws (a long
    /// name with a version that does not parse, a portable profile naming a framework with a
    /// profile, a name that is nothing but commas).
    pub fn parse(input: &str) -> Result<Self> {
        parse::parse(input)
    }

    /// Parses a folder name (`lib/<folder>/`) as `NuGetFramework.ParseFolder` does: like
    /// [`Self::parse`], but a comma is not read as a long name.
    pub fn parse_folder(folder: &str) -> Result<Self> {
        parse::parse_folder(folder)
    }

    /// The framework that matches any framework (`any`), used for groups without one.
    pub fn any() -> Self {
        Self::named(ids::ANY)
    }

    /// The framework of content that targets no framework (`agnostic`).
    pub fn agnostic() -> Self {
        Self::named(ids::AGNOSTIC)
    }

    /// The framework of names NuGet does not know (`unsupported`).
    pub fn unsupported() -> Self {
        Self::named(ids::UNSUPPORTED)
    }

    /// Builds a framework from its parts. As in NuGet, the platform is kept only for .NET 5 and
    /// later (`.NETCoreApp` 5.0 and up); for other frameworks it is dropped.
    pub fn new(
        framework: &str,
        version: FrameworkVersion,
        profile: &str,
        platform: &str,
        platform_version: FrameworkVersion,
    ) -> Self {
        let net5_era = is_net5_era(framework, version);
        NuGetFramework {
            framework: framework.to_string(),
            version,
            profile: profile.to_string(),
            platform: if net5_era {
                platform.to_string()
            } else {
                String::new()
            },
            platform_version: if net5_era {
                platform_version
            } else {
                FrameworkVersion::EMPTY
            },
        }
    }

    /// A framework with a profile and no platform.
    pub fn with_profile(framework: &str, version: FrameworkVersion, profile: &str) -> Self {
        Self::new(framework, version, profile, "", FrameworkVersion::EMPTY)
    }

    fn named(identifier: &str) -> Self {
        Self::with_profile(identifier, FrameworkVersion::EMPTY, "")
    }

    /// The framework identifier (`.NETFramework`, `.NETCoreApp`, `Unsupported`).
    pub fn framework(&self) -> &str {
        &self.framework
    }

    /// The framework version, `0.0.0.0` when the name has none.
    pub fn version(&self) -> FrameworkVersion {
        self.version
    }

    /// The profile (`Client`, `Profile7`), empty when there is none.
    pub fn profile(&self) -> &str {
        &self.profile
    }

    /// The platform of a .NET 5+ framework (`windows`, `ios`), empty when there is none.
    pub fn platform(&self) -> &str {
        &self.platform
    }

    /// The platform version of a .NET 5+ framework, `0.0.0.0` when there is none.
    pub fn platform_version(&self) -> FrameworkVersion {
        self.platform_version
    }

    /// `IsUnsupported`: a name NuGet does not know.
    pub fn is_unsupported(&self) -> bool {
        self.is_special(ids::UNSUPPORTED)
    }

    /// `IsAny`: the framework that matches every framework.
    pub fn is_any(&self) -> bool {
        self.is_special(ids::ANY)
    }

    /// `IsAgnostic`: content for no particular framework.
    pub fn is_agnostic(&self) -> bool {
        self.is_special(ids::AGNOSTIC)
    }

    /// `IsPCL`: a portable class library profile.
    pub fn is_pcl(&self) -> bool {
        eq_ignore_case(&self.framework, ids::PORTABLE) && self.version.major < 5
    }

    /// `IsSpecificFramework`: neither any, agnostic nor unsupported.
    pub fn is_specific(&self) -> bool {
        !self.is_any() && !self.is_agnostic() && !self.is_unsupported()
    }

    /// .NET 5 or later (`.NETCoreApp` 5.0 and up), written `net5.0` and able to have a platform.
    pub fn is_net5_era(&self) -> bool {
        is_net5_era(&self.framework, self.version)
    }

    fn is_special(&self, identifier: &str) -> bool {
        eq_ignore_case(&self.framework, identifier)
            && self.version.is_empty()
            && self.profile.is_empty()
            && self.platform.is_empty()
            && self.platform_version.is_empty()
    }

    /// `GetShortFolderName()`, or the reason NuGet cannot give one (an identifier without letters
    /// or digits, a portable profile it cannot list).
    pub fn try_short_folder_name(&self) -> Result<String> {
        format::short_folder_name(self)
    }

    /// `GetShortFolderName()`. Where NuGet would throw (see [`Self::try_short_folder_name`]) this
    /// gives the [`Self::dotnet_framework_name`] instead, which parses back to this framework.
    pub fn short_folder_name(&self) -> String {
        self.try_short_folder_name()
            .unwrap_or_else(|_| self.dotnet_framework_name())
    }

    /// `DotNetFrameworkName` (`.NETFramework,Version=v4.5,Profile=Client`).
    pub fn dotnet_framework_name(&self) -> String {
        format::dotnet_framework_name(self)
    }
}

fn is_net5_era(framework: &str, version: FrameworkVersion) -> bool {
    version.major >= 5 && eq_ignore_case(framework, ids::NET_CORE_APP)
}

impl PartialEq for NuGetFramework {
    fn eq(&self, other: &Self) -> bool {
        self.version == other.version
            && self.platform_version == other.platform_version
            && eq_ignore_case(&self.framework, &other.framework)
            && eq_ignore_case(&self.profile, &other.profile)
            && eq_ignore_case(&self.platform, &other.platform)
    }
}

impl Eq for NuGetFramework {}

impl Hash for NuGetFramework {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_ignore_case(&self.framework, state);
        self.version.hash(state);
        hash_ignore_case(&self.profile, state);
        hash_ignore_case(&self.platform, state);
        self.platform_version.hash(state);
    }
}

/// `ToString()` as NuGet gives it: the short folder name for .NET 5 and later, the
/// `DotNetFrameworkName` otherwise.
impl fmt::Display for NuGetFramework {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_net5_era() {
            f.write_str(&self.short_folder_name())
        } else {
            f.write_str(&self.dotnet_framework_name())
        }
    }
}

impl std::str::FromStr for NuGetFramework {
    type Err = crate::Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

/// Serialized as the short folder name.
impl serde::Serialize for NuGetFramework {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.short_folder_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn short(name: &str) -> String {
        NuGetFramework::parse(name).unwrap().short_folder_name()
    }

    #[test]
    fn round_trips_common_names() {
        assert_eq!(short("net45"), "net45");
        assert_eq!(
            short(".NETFramework,Version=v4.5,Profile=Client"),
            "net45-client"
        );
        assert_eq!(short("net6.0-windows7.0"), "net6.0-windows7.0");
        assert_eq!(short("portable-net45+win8"), "portable-net45+win8");
        assert_eq!(short("netstandard2.0"), "netstandard2.0");
        assert_eq!(short("dotnet"), "dotnet");
        assert_eq!(short("foo"), "unsupported");
    }

    #[test]
    fn failing_short_names_fall_back_to_the_full_name() {
        let f = NuGetFramework::parse(".NETPortable,Version=v0.0,Profile=Profile1").unwrap();
        assert!(f.try_short_folder_name().is_err());
        assert_eq!(NuGetFramework::parse(&f.short_folder_name()).unwrap(), f);
    }

    #[test]
    fn equality_ignores_case() {
        let a = NuGetFramework::parse("NET45-CLIENT").unwrap();
        let b = NuGetFramework::parse(".netframework,version=v4.5,profile=client").unwrap();
        assert_eq!(a, b);
        assert_ne!(a, NuGetFramework::parse("net45").unwrap());
        assert!(NuGetFramework::any().is_any());
    }
}
