//! `NuGetFrameworkSorter`: the order NuGet lists frameworks in (supported frameworks, framework
//! assembly groups): `any` first, `unsupported` last, the rest by identifier (ignoring case),
//! version, profile, platform and platform version.

use std::cmp::Ordering;

use super::NuGetFramework;
use super::text::cmp_ignore_case;

impl Ord for NuGetFramework {
    fn cmp(&self, other: &Self) -> Ordering {
        let special = |f: &NuGetFramework| match (f.is_any(), f.is_unsupported()) {
            (true, _) => 0,
            (false, false) => 1,
            (false, true) => 2,
        };
        special(self)
            .cmp(&special(other))
            .then_with(|| cmp_ignore_case(self.framework(), other.framework()))
            .then_with(|| self.version().cmp(&other.version()))
            .then_with(|| cmp_ignore_case(self.profile(), other.profile()))
            .then_with(|| cmp_ignore_case(self.platform(), other.platform()))
            .then_with(|| self.platform_version().cmp(&other.platform_version()))
    }
}

/// Consistent with equality: frameworks compare equal exactly when they are equal.
impl PartialOrd for NuGetFramework {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_like_nuget() {
        let mut frameworks: Vec<NuGetFramework> = ["foo", "net45", "net5.0", "any", "net20"]
            .iter()
            .map(|n| NuGetFramework::parse(n).unwrap())
            .collect();
        frameworks.sort();
        let names: Vec<String> = frameworks.iter().map(|f| f.short_folder_name()).collect();
        assert_eq!(names, ["any", "net5.0", "net20", "net45", "unsupported"]);
    }
}
