//! Which of several versions a range picks (`VersionRange.FindBestMatch` and `IsBetter`).
//!
//! Without a float the lowest satisfying version wins; with a float the highest version inside
//! the float wins, and when none is inside it the one closest above it.

use super::nuget_version::NuGetVersion;
use super::range::VersionRange;

impl VersionRange {
    /// `FindBestMatch`: the candidate NuGet would pick for this range, if any. Of equal
    /// candidates the first one wins.
    pub fn find_best_match<'a>(&self, candidates: &'a [NuGetVersion]) -> Option<&'a NuGetVersion> {
        let mut best: Option<&'a NuGetVersion> = None;
        for candidate in candidates {
            if self.is_better(best, candidate) {
                best = Some(candidate);
            }
        }
        best
    }

    /// `IsBetter`: true when `considering` should replace `current` as the best match.
    pub fn is_better(&self, current: Option<&NuGetVersion>, considering: &NuGetVersion) -> bool {
        if current.is_some_and(|c| std::ptr::eq(c, considering)) {
            return false;
        }
        // A range with only stable bounds takes prereleases only when its float lets them in.
        let float_takes_prerelease = self
            .float
            .as_ref()
            .is_some_and(|f| f.behavior().floats_prerelease());
        if considering.is_prerelease() && !self.has_prerelease_bounds() && !float_takes_prerelease {
            return false;
        }
        if !self.satisfies(considering) {
            return false;
        }
        let Some(current) = current else {
            return true;
        };
        match self.float.as_ref().filter(|_| self.is_floating()) {
            Some(float) => {
                let current_in = float.satisfies(current);
                let considering_in = float.satisfies(considering);
                match (current_in, considering_in) {
                    (true, false) => false,
                    (false, true) => true,
                    (true, true) => current < considering,
                    (false, false) => {
                        // Below the float's lowest version: prefer higher; above it: lower.
                        let below = |v: &NuGetVersion| float.min_version().is_some_and(|m| v < m);
                        match (below(current), below(considering)) {
                            (true, false) => true,
                            (false, true) => false,
                            (false, false) => current > considering,
                            (true, true) => current < considering,
                        }
                    }
                }
            }
            None => current > considering,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn best(range: &str, list: &[&str]) -> Option<String> {
        let versions: Vec<_> = list
            .iter()
            .map(|v| NuGetVersion::parse(v).unwrap())
            .collect();
        let range = VersionRange::parse(range).unwrap();
        range.find_best_match(&versions).map(|v| v.to_string())
    }

    #[test]
    fn lowest_satisfying_version_without_a_float() {
        assert_eq!(
            best("[1.0, 2.0)", &["2.0", "1.5", "1.1", "0.9"]).as_deref(),
            Some("1.1")
        );
        assert_eq!(best("1.0", &["1.1-beta", "1.2"]).as_deref(), Some("1.2"));
        assert_eq!(
            best("1.0-a", &["1.1-beta", "1.2"]).as_deref(),
            Some("1.1-beta")
        );
        assert_eq!(best("[3.0, )", &["1.0", "2.0"]), None);
    }

    #[test]
    fn highest_inside_the_float() {
        assert_eq!(
            best("1.*", &["1.0", "1.5", "2.0", "1.6-beta"]).as_deref(),
            Some("1.5")
        );
        assert_eq!(
            best("1.*-*", &["1.0", "1.5", "1.6-beta"]).as_deref(),
            Some("1.6-beta")
        );
        assert_eq!(best("1.*", &["2.1", "2.0", "3.0"]).as_deref(), Some("2.0"));
    }
}
