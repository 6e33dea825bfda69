//! Portable class library profiles: which frameworks each numbered profile targets, which
//! frameworks count as the same for matching, and how a `portable-a+b+c` list finds its number.

use super::names::ids::*;
use super::text::{eq_ignore_case, starts_with_ignore_case};
use super::version::parse_dotnet_int;
use super::{FrameworkVersion, NuGetFramework};

/// A framework in NuGet's static tables.
#[derive(Clone, Copy)]
struct Known {
    id: &'static str,
    version: FrameworkVersion,
    profile: &'static str,
}

impl Known {
    fn matches(&self, framework: &NuGetFramework) -> bool {
        eq_ignore_case(framework.framework(), self.id)
            && framework.version() == self.version
            && eq_ignore_case(framework.profile(), self.profile)
            && framework.platform().is_empty()
            && framework.platform_version().is_empty()
    }

    fn to_framework(self) -> NuGetFramework {
        NuGetFramework::with_profile(self.id, self.version, self.profile)
    }
}

const fn known(id: &'static str, major: u32, minor: u32, build: u32) -> Known {
    Known {
        id,
        version: FrameworkVersion::new(major, minor, build, 0),
        profile: "",
    }
}

const fn phone(major: u32, minor: u32, profile: &'static str) -> Known {
    Known {
        id: SILVERLIGHT,
        version: FrameworkVersion::new(major, minor, 0, 0),
        profile,
    }
}

const NET4: Known = known(NET, 4, 0, 0);
const NET403: Known = known(NET, 4, 0, 3);
const NET45: Known = known(NET, 4, 5, 0);
const NET451: Known = known(NET, 4, 5, 1);
const WIN8: Known = known(WINDOWS, 8, 0, 0);
const WIN81: Known = known(WINDOWS, 8, 1, 0);
const SL4: Known = known(SILVERLIGHT, 4, 0, 0);
const SL5: Known = known(SILVERLIGHT, 5, 0, 0);
const WP7: Known = known(WINDOWS_PHONE, 7, 0, 0);
const WP75: Known = known(WINDOWS_PHONE, 7, 5, 0);
const WP8: Known = known(WINDOWS_PHONE, 8, 0, 0);
const WP81: Known = known(WINDOWS_PHONE, 8, 1, 0);
const WPA81: Known = known(WINDOWS_PHONE_APP, 8, 1, 0);

/// Profile number and the frameworks it requires, in the order NuGet tries them.
const PROFILES: &[(u32, &[Known])] = &[
    (31, &[WIN81, WP81]),
    (32, &[WIN81, WPA81]),
    (44, &[NET451, WIN81]),
    (84, &[WP81, WPA81]),
    (151, &[NET451, WIN81, WPA81]),
    (157, &[WIN81, WP81, WPA81]),
    (7, &[NET45, WIN8]),
    (49, &[NET45, WP8]),
    (78, &[NET45, WIN8, WP8]),
    (111, &[NET45, WIN8, WPA81]),
    (259, &[NET45, WIN8, WPA81, WP8]),
    (2, &[NET4, WIN8, SL4, WP7]),
    (3, &[NET4, SL4]),
    (4, &[NET45, SL4, WIN8, WP7]),
    (5, &[NET4, WIN8]),
    (6, &[NET403, WIN8]),
    (14, &[NET4, SL5]),
    (18, &[NET403, SL4]),
    (19, &[NET403, SL5]),
    (23, &[NET45, SL4]),
    (24, &[NET45, SL5]),
    (36, &[NET4, SL4, WIN8, WP8]),
    (37, &[NET4, SL5, WIN8]),
    (41, &[NET403, SL4, WIN8]),
    (42, &[NET403, SL5, WIN8]),
    (46, &[NET45, SL4, WIN8]),
    (47, &[NET45, SL5, WIN8]),
    (88, &[NET4, SL4, WIN8, WP75]),
    (92, &[NET4, WIN8, WPA81]),
    (95, &[NET403, SL4, WIN8, WP7]),
    (96, &[NET403, SL4, WIN8, WP75]),
    (102, &[NET403, WIN8, WPA81]),
    (104, &[NET45, SL4, WIN8, WP75]),
    (136, &[NET4, SL5, WIN8, WP8]),
    (143, &[NET403, SL4, WIN8, WP8]),
    (147, &[NET403, SL5, WIN8, WP8]),
    (154, &[NET45, SL4, WIN8, WP8]),
    (158, &[NET45, SL5, WIN8, WP8]),
    (225, &[NET4, SL5, WIN8, WPA81]),
    (240, &[NET403, SL5, WIN8, WPA81]),
    (255, &[NET45, SL5, WIN8, WPA81]),
    (328, &[NET4, SL5, WIN8, WPA81, WP8]),
    (336, &[NET403, SL5, WIN8, WPA81, WP8]),
    (344, &[NET45, SL5, WIN8, WPA81, WP8]),
];

/// Profiles that also run on the Mono/Xamarin frameworks, which a list may name or leave out.
const PROFILES_WITH_OPTIONAL: &[u32] = &[
    5, 6, 7, 14, 19, 24, 37, 42, 44, 47, 49, 78, 92, 102, 111, 136, 147, 151, 158, 225, 255, 259,
    328, 336, 344,
];

/// The optional frameworks (any version).
const OPTIONAL: &[&str] = &[
    MONO_ANDROID,
    MONO_TOUCH,
    XAMARIN_IOS,
    XAMARIN_MAC,
    XAMARIN_WATCH_OS,
    XAMARIN_TV_OS,
];

/// Frameworks NuGet treats as the same one (its equivalence pairs, closed transitively).
const EQUIVALENT: &[&[Known]] = &[
    &[known(UAP, 0, 0, 0), known(UAP, 10, 0, 0)],
    &[
        known(WINDOWS, 0, 0, 0),
        WIN8,
        known(NET_CORE, 4, 5, 0),
        known(WIN_RT, 4, 5, 0),
        known(NET_CORE, 0, 0, 0),
        known(WIN_RT, 0, 0, 0),
    ],
    &[WIN81, known(NET_CORE, 4, 5, 1)],
    &[
        known(WINDOWS_PHONE, 0, 0, 0),
        WP7,
        phone(3, 0, "WindowsPhone"),
    ],
    &[known(WINDOWS_PHONE, 7, 1, 0), phone(4, 0, "WindowsPhone71")],
    &[WP8, phone(8, 0, "WindowsPhone")],
    &[WP81, phone(8, 1, "WindowsPhone")],
    &[known(WINDOWS_PHONE_APP, 0, 0, 0), WPA81],
    &[known(TIZEN, 0, 0, 0), known(TIZEN, 3, 0, 0)],
    &[
        known(DNX, 0, 0, 0),
        known(DNX, 4, 5, 0),
        known(ASP_NET, 0, 0, 0),
        known(ASP_NET, 5, 0, 0),
    ],
    &[
        known(DNX_CORE, 0, 0, 0),
        known(DNX_CORE, 5, 0, 0),
        known(ASP_NET_CORE, 0, 0, 0),
        known(ASP_NET_CORE, 5, 0, 0),
    ],
    &[known(NET_PLATFORM, 0, 0, 0), known(NET_PLATFORM, 5, 0, 0)],
];

fn equivalence_class(framework: &NuGetFramework) -> Option<usize> {
    EQUIVALENT
        .iter()
        .position(|class| class.iter().any(|k| k.matches(framework)))
}

/// Equal, or in the same equivalence class.
fn equivalent(a: &NuGetFramework, b: &NuGetFramework) -> bool {
    a == b || equivalence_class(a).is_some_and(|class| equivalence_class(b) == Some(class))
}

fn is_optional(framework: &NuGetFramework) -> bool {
    framework.profile().is_empty()
        && OPTIONAL
            .iter()
            .any(|id| eq_ignore_case(id, framework.framework()))
}

/// The number of the profile that targets exactly `frameworks`, counting equivalent frameworks
/// once and leaving out the optional ones where the profile allows them.
pub(super) fn profile_number(frameworks: &[NuGetFramework]) -> Option<u32> {
    let mut distinct: Vec<&NuGetFramework> = Vec::new();
    for framework in frameworks {
        if !distinct.iter().any(|kept| equivalent(kept, framework)) {
            distinct.push(framework);
        }
    }
    let targets_exactly = |number: u32, required: &[Known]| {
        let optional_allowed = PROFILES_WITH_OPTIONAL.contains(&number);
        let reduced: Vec<&&NuGetFramework> = distinct
            .iter()
            .filter(|f| !(optional_allowed && is_optional(f)))
            .collect();
        let required: Vec<NuGetFramework> = required.iter().map(|k| k.to_framework()).collect();
        reduced.len() == required.len()
            && reduced
                .iter()
                .all(|f| required.iter().any(|r| equivalent(r, f)))
            && required
                .iter()
                .all(|r| reduced.iter().any(|f| equivalent(r, f)))
    };
    PROFILES
        .iter()
        .find(|(number, required)| {
            required.len() <= distinct.len() && targets_exactly(*number, required)
        })
        .map(|(number, _)| *number)
}

/// `ProfileN` as a number, when it is one (`Int32` rules after the prefix).
pub(super) fn parse_profile_number(profile: &str) -> Option<i64> {
    if !starts_with_ignore_case(profile, "Profile") {
        return None;
    }
    profile.get("Profile".len()..).and_then(parse_dotnet_int)
}

/// The frameworks a numbered profile requires, `None` for a number NuGet does not know.
pub(super) fn required_frameworks(number: i64) -> Option<Vec<NuGetFramework>> {
    let (_, required) = PROFILES.iter().find(|(n, _)| i64::from(*n) == number)?;
    Some(required.iter().map(|k| k.to_framework()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_all(names: &[&str]) -> Vec<NuGetFramework> {
        names
            .iter()
            .map(|n| NuGetFramework::parse(n).unwrap())
            .collect()
    }

    #[test]
    fn finds_profiles_through_equivalents_and_optionals() {
        assert_eq!(profile_number(&parse_all(&["net45", "netcore45"])), Some(7));
        let with_mono = parse_all(&["net45", "win8", "wp8", "wpa81", "monotouch", "monoandroid"]);
        assert_eq!(profile_number(&with_mono), Some(259));
        assert_eq!(profile_number(&parse_all(&["net45", "win8", "sl6"])), None);
        assert_eq!(
            profile_number(&parse_all(&["net40", "sl5", "monotouch"])),
            Some(14)
        );
    }

    #[test]
    fn profile_numbers() {
        assert_eq!(parse_profile_number("Profile259"), Some(259));
        assert_eq!(parse_profile_number("profile 7"), Some(7));
        assert_eq!(parse_profile_number("net45+win8"), None);
        assert_eq!(required_frameworks(1), None);
        assert_eq!(required_frameworks(7).map(|f| f.len()), Some(2));
    }
}
