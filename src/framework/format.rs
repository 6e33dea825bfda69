//! Writing frameworks out: `GetShortFolderName()` (`net45`, `net6.0-windows7.0`,
//! `portable-net45+win8`) and `DotNetFrameworkName` (`.NETFramework,Version=v4.5`).

use super::names::{self, ids};
use super::parse::parse_portable_list;
use super::portable;
use super::text::{cmp_ignore_case, eq_ignore_case, to_lower_invariant};
use super::{FrameworkVersion, NuGetFramework};
use crate::{Error, ErrorKind, Result};

/// NuGet writes `dotnet5.0` as plain `dotnet` in folder names, and plain `dotnet` as version 5.0
/// in full names.
fn is_net_platform(framework: &NuGetFramework, major: u32) -> bool {
    eq_ignore_case(framework.framework(), ids::NET_PLATFORM)
        && framework.version() == FrameworkVersion::new(major, 0, 0, 0)
        && framework.profile().is_empty()
        && framework.platform().is_empty()
        && framework.platform_version().is_empty()
}

/// The version a folder name writes for `framework` (`GetVersionString`).
fn folder_version(identifier: &str, version: FrameworkVersion) -> String {
    let dotted = eq_ignore_case(identifier, ids::NET_CORE_APP)
        || eq_ignore_case(identifier, ids::NET_STANDARD);
    version.folder_string(names::allows_single_digit_version(identifier), dotted)
}

fn cannot_shorten(framework: &NuGetFramework, why: &str) -> Error {
    Error::new(
        ErrorKind::InvalidFramework,
        format!(
            "framework {} has no short folder name: {why}",
            framework.dotnet_framework_name()
        ),
    )
}

/// `GetShortFolderName()`; fails where NuGet throws (an identifier with no letters or digits, a
/// portable profile NuGet cannot list).
pub(super) fn short_folder_name(framework: &NuGetFramework) -> Result<String> {
    if !framework.is_specific() {
        return Ok(to_lower_invariant(framework.framework()));
    }
    // Only the version changes under the rewrite; whether one is written depends on the original.
    let written_version = if is_net_platform(framework, 5) {
        FrameworkVersion::EMPTY
    } else {
        framework.version()
    };
    let identifier = if framework.is_net5_era() {
        ids::NET
    } else {
        framework.framework()
    };
    let short = match names::short_identifier(identifier) {
        Some(short) => short.to_string(),
        None => framework
            .framework()
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect(),
    };
    if short.is_empty() {
        return Err(cannot_shorten(
            framework,
            "its identifier has no letters or digits",
        ));
    }
    let mut name = short;
    if !framework.version().is_empty() {
        name.push_str(&folder_version(framework.framework(), written_version));
    }
    if framework.is_pcl() {
        name.push('-');
        name.push_str(&portable_profile_names(framework)?);
    } else if framework.is_net5_era() {
        if !framework.platform().is_empty() {
            name.push('-');
            name.push_str(framework.platform());
            let platform_version = framework.platform_version();
            name.push_str(&folder_version(framework.framework(), platform_version));
        }
    } else if !framework.profile().is_empty() {
        let profile = names::short_profile(framework.profile()).unwrap_or(framework.profile());
        if !profile.is_empty() {
            name.push('-');
            name.push_str(profile);
        }
    }
    Ok(to_lower_invariant(&name))
}

/// The short names of the frameworks a portable profile targets, sorted and joined with `+`.
fn portable_profile_names(framework: &NuGetFramework) -> Result<String> {
    let profile = framework.profile();
    let frameworks = match portable::parse_profile_number(profile) {
        Some(number) => portable::required_frameworks(number).unwrap_or_default(),
        None => parse_portable_list(profile, profile)?,
    };
    if frameworks.is_empty() {
        return Err(cannot_shorten(
            framework,
            "its portable profile names no known frameworks",
        ));
    }
    let mut distinct: Vec<&NuGetFramework> = Vec::new();
    for f in &frameworks {
        if !distinct.contains(&f) {
            distinct.push(f);
        }
    }
    let mut short_names = distinct
        .into_iter()
        .map(short_folder_name)
        .collect::<Result<Vec<_>>>()?;
    short_names.sort_by(|a, b| cmp_ignore_case(a, b));
    Ok(short_names.join("+"))
}

/// `DotNetFrameworkName`: identifier, `Version=v...` and `Profile=...` when there is one; the
/// platform of a .NET 5 framework is not part of it.
pub(super) fn dotnet_framework_name(framework: &NuGetFramework) -> String {
    if !framework.is_specific() {
        return format!("{},Version=v0.0", framework.framework());
    }
    let version = if is_net_platform(framework, 0) {
        FrameworkVersion::new(5, 0, 0, 0)
    } else {
        framework.version()
    };
    let mut name = format!(
        "{},Version=v{}",
        framework.framework(),
        version.display_string()
    );
    if !framework.profile().is_empty() {
        name.push_str(",Profile=");
        name.push_str(framework.profile());
    }
    name
}
