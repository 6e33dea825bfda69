//! `NuGetFramework.Parse`: a name with a comma is a long .NET `FrameworkName`
//! (`.NETFramework,Version=v4.5,Profile=Client`); anything else is a short folder name (`net45`,
//! `net6.0-windows7.0`, `portable-net45+win8`). Names NuGet does not know parse to `unsupported`;
//! only a few malformed ones are errors, exactly where NuGet throws.

use super::names::{self, ids};
use super::portable;
use super::text::{eq_ignore_case, starts_with_ignore_case, unescape_data_string};
use super::{FrameworkVersion, NuGetFramework};
use crate::error::quoted_input;
use crate::{Error, ErrorKind, Result};

/// Parses a short or long framework name.
pub(super) fn parse(input: &str) -> Result<NuGetFramework> {
    if input.contains(',') {
        parse_long(input)
    } else {
        parse_folder(input)
    }
}

fn invalid(input: &str, why: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorKind::InvalidFramework,
        format!("framework {}: {why}", quoted_input(input)),
    )
}

/// `any`, `agnostic` and `unsupported` in any case.
fn special(name: &str) -> Option<NuGetFramework> {
    [ids::ANY, ids::AGNOSTIC, ids::UNSUPPORTED]
        .into_iter()
        .find(|id| eq_ignore_case(id, name))
        .map(NuGetFramework::named)
}

fn parse_long(input: &str) -> Result<NuGetFramework> {
    let parts: Vec<&str> = input
        .split(',')
        .filter(|part| !part.is_empty())
        .map(str::trim)
        .collect();
    let Some(first) = parts.first() else {
        return Err(invalid(
            input,
            "no framework identifier before or between the commas",
        ));
    };
    if let Some(framework) = special(first) {
        return Ok(framework);
    }
    let identifier = names::identifier(first).unwrap_or(first);
    let version = match single_part(&parts, "Version=") {
        Some(part) => long_version(input, part)?,
        None => FrameworkVersion::EMPTY,
    };
    let profile = single_part(&parts, "Profile=").map_or("", value_of);
    if eq_ignore_case(identifier, ids::PORTABLE) && profile.contains('-') {
        return Err(invalid(
            input,
            "frameworks inside a portable profile cannot have profiles",
        ));
    }
    if version.major >= 5 && eq_ignore_case(identifier, ids::NET_CORE_APP) {
        // .NET 5 and later have no profiles, and a long name carries no platform.
        return Ok(NuGetFramework::with_profile(identifier, version, ""));
    }
    Ok(NuGetFramework::with_profile(identifier, version, profile))
}

/// The one part that starts with `key` (any case); none when zero or several do.
fn single_part<'a>(parts: &[&'a str], key: &str) -> Option<&'a str> {
    let mut matching = parts.iter().filter(|p| starts_with_ignore_case(p, key));
    match (matching.next(), matching.next()) {
        (Some(part), None) => Some(part),
        _ => None,
    }
}

/// The text between the first and second `=` of `key=value`.
fn value_of(part: &str) -> &str {
    part.split('=').nth(1).unwrap_or("")
}

fn long_version(input: &str, part: &str) -> Result<FrameworkVersion> {
    let text = value_of(part).trim_start_matches('v');
    FrameworkVersion::parse_with_minor(text).ok_or_else(|| {
        invalid(
            input,
            format!("{} is not a framework version", quoted_input(text)),
        )
    })
}

pub(super) fn parse_folder(input: &str) -> Result<NuGetFramework> {
    let unescaped;
    let name = if input.contains('%') {
        unescaped = unescape_data_string(input);
        unescaped.as_str()
    } else {
        input
    };
    if let Some(framework) = special(name) {
        return Ok(framework);
    }
    if name.eq_ignore_ascii_case("dotnet") {
        // NuGet returns its interned `dotnet5.0` here; every other interned name it keeps
        // parses to the same framework through the general rules below.
        return Ok(NuGetFramework::with_profile(
            ids::NET_PLATFORM,
            FrameworkVersion::new(5, 0, 0, 0),
            "",
        ));
    }
    let Some((identifier, version, profile)) = split_folder(name) else {
        return Ok(deprecated(name).unwrap_or_else(NuGetFramework::unsupported));
    };
    let Some(identifier) = names::identifier(identifier) else {
        return Ok(NuGetFramework::unsupported());
    };
    let Some(version) = version.map_or(
        Some(FrameworkVersion::EMPTY),
        FrameworkVersion::parse_folder,
    ) else {
        return Ok(NuGetFramework::unsupported());
    };
    if version.major >= 5 && eq_ignore_case(identifier, ids::NET) {
        return Ok(net5_era(version, profile));
    }
    if eq_ignore_case(identifier, ids::PORTABLE) {
        return portable_folder(input, version, profile);
    }
    let profile = names::profile(profile).unwrap_or(profile);
    Ok(NuGetFramework::with_profile(identifier, version, profile))
}

/// `net5.0` and later are `.NETCoreApp`; the text after the dash is a platform and its version
/// (`windows10.0`), and a platform version that does not parse makes the name unsupported.
fn net5_era(version: FrameworkVersion, profile: &str) -> NuGetFramework {
    let letters = profile
        .find(|c: char| !(c.is_ascii_alphabetic() || c == '.'))
        .unwrap_or(profile.len());
    let (platform, platform_version) = match letters {
        0 => (profile, Some(FrameworkVersion::EMPTY)),
        _ => (
            &profile[..letters],
            FrameworkVersion::parse_platform(&profile[letters..]),
        ),
    };
    match platform_version {
        Some(platform_version) => {
            NuGetFramework::new(ids::NET_CORE_APP, version, "", platform, platform_version)
        }
        None => NuGetFramework::unsupported(),
    }
}

/// `portable-a+b+c`: the list is parsed, and replaced by `ProfileN` when a numbered profile
/// targets the same frameworks. An empty list is unsupported.
fn portable_folder(input: &str, version: FrameworkVersion, list: &str) -> Result<NuGetFramework> {
    let frameworks = parse_portable_list(input, list)?;
    if frameworks.is_empty() {
        return Ok(NuGetFramework::unsupported());
    }
    let profile = match portable::profile_number(&frameworks) {
        Some(number) => format!("Profile{number}"),
        None => list.to_string(),
    };
    Ok(NuGetFramework::with_profile(
        ids::PORTABLE,
        version,
        &profile,
    ))
}

/// The frameworks of a `+` separated portable list; a framework with a profile is an error.
pub(super) fn parse_portable_list(input: &str, list: &str) -> Result<Vec<NuGetFramework>> {
    let mut frameworks = Vec::new();
    for name in list.split('+').filter(|name| !name.is_empty()) {
        let framework = parse(name)?;
        if !framework.profile().is_empty() {
            return Err(invalid(
                input,
                format!(
                    "portable profile {} names {}, which has a profile",
                    quoted_input(list),
                    quoted_input(name)
                ),
            ));
        }
        frameworks.push(framework);
    }
    Ok(frameworks)
}

/// Splits a folder name into identifier (letters and dots), version (digits and dots) and the
/// profile after a dash (letters, digits, `.`, `+`, `-`); `None` when it has no such shape.
fn split_folder(name: &str) -> Option<(&str, Option<&str>, &str)> {
    let is_letter_or_dot = |b: u8| b.is_ascii_alphabetic() || b == b'.';
    let is_digit_or_dot = |b: u8| b.is_ascii_digit() || b == b'.';
    let bytes = name.as_bytes();
    let version_start = bytes
        .iter()
        .position(|&b| !is_letter_or_dot(b))
        .unwrap_or(bytes.len());
    if version_start == 0 {
        return None;
    }
    let profile_start = bytes[version_start..]
        .iter()
        .position(|&b| !is_digit_or_dot(b))
        .map_or(bytes.len(), |p| version_start + p);
    let version = (profile_start > version_start).then(|| &name[version_start..profile_start]);
    let profile = match bytes.get(profile_start) {
        None => "",
        Some(b'-') => &name[profile_start + 1..],
        Some(_) => return None,
    };
    let valid_profile_byte = |b: u8| b.is_ascii_alphanumeric() || b"+-.".contains(&b);
    if bytes.get(profile_start) == Some(&b'-')
        && (profile.is_empty() || !profile.bytes().all(valid_profile_byte))
    {
        return None;
    }
    Some((&name[..version_start], version, profile))
}

/// Bare version numbers that NuGet still reads as .NET Framework versions.
fn deprecated(name: &str) -> Option<NuGetFramework> {
    let version = match name {
        "45" | "4.5" => FrameworkVersion::new(4, 5, 0, 0),
        "40" | "4.0" | "4" => FrameworkVersion::new(4, 0, 0, 0),
        "35" | "3.5" => FrameworkVersion::new(3, 5, 0, 0),
        "20" | "2" | "2.0" => FrameworkVersion::new(2, 0, 0, 0),
        _ => return None,
    };
    Some(NuGetFramework::with_profile(ids::NET, version, ""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_folder_names() {
        assert_eq!(split_folder("net45"), Some(("net", Some("45"), "")));
        assert_eq!(
            split_folder("net45-client"),
            Some(("net", Some("45"), "client"))
        );
        assert_eq!(
            split_folder("portable-net45+win8"),
            Some(("portable", None, "net45+win8"))
        );
        assert_eq!(split_folder("net45-"), None);
        assert_eq!(split_folder("45"), None);
        assert_eq!(split_folder("win+net"), None);
        assert_eq!(split_folder("net45-a_b"), None);
    }

    #[test]
    fn errors_where_nuget_throws() {
        assert!(parse(",").is_err());
        assert!(parse("plat,Version=badversion").is_err());
        assert!(parse("portable-win+net-cf").is_err());
        assert_eq!(
            parse("net45-foo_bar").unwrap(),
            NuGetFramework::unsupported()
        );
    }
}
