//! Floating versions (`*`, `1.*`, `1.0.0-*`, `1.*-rc.*`, `*-*`): which part floats, the lowest
//! version they stand for, and which versions they take.

use crate::error::quoted_input;
use std::fmt;

use super::compare::VersionComparison;
use super::nuget_version::{NuGetVersion, push_u32};
use crate::{Error, ErrorKind, Result};

/// Which part of a version floats (`NuGetVersionFloatBehavior`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FloatBehavior {
    /// Nothing floats: a plain version.
    None,
    /// The release label after a fixed prefix: `1.0.0-beta*`.
    Prerelease,
    /// The fourth number: `1.0.0.*`.
    Revision,
    /// The third number: `1.0.*`.
    Patch,
    /// The second number: `1.*`.
    Minor,
    /// Every number: `*`.
    Major,
    /// Everything, prereleases included: `*-*`.
    AbsoluteLatest,
    /// The fourth number and the release label: `1.0.0.*-*`.
    PrereleaseRevision,
    /// The third number and the release label: `1.0.*-*`.
    PrereleasePatch,
    /// The second number and the release label: `1.*-*`.
    PrereleaseMinor,
    /// Every number and the release label after a prefix: `*-rc*`.
    PrereleaseMajor,
}

impl FloatBehavior {
    /// The name NuGet gives this behaviour (`PrereleaseMinor`, ...).
    pub fn name(self) -> &'static str {
        match self {
            FloatBehavior::None => "None",
            FloatBehavior::Prerelease => "Prerelease",
            FloatBehavior::Revision => "Revision",
            FloatBehavior::Patch => "Patch",
            FloatBehavior::Minor => "Minor",
            FloatBehavior::Major => "Major",
            FloatBehavior::AbsoluteLatest => "AbsoluteLatest",
            FloatBehavior::PrereleaseRevision => "PrereleaseRevision",
            FloatBehavior::PrereleasePatch => "PrereleasePatch",
            FloatBehavior::PrereleaseMinor => "PrereleaseMinor",
            FloatBehavior::PrereleaseMajor => "PrereleaseMajor",
        }
    }

    /// True for the behaviours that let prerelease versions in.
    pub fn floats_prerelease(self) -> bool {
        matches!(
            self,
            FloatBehavior::Prerelease
                | FloatBehavior::PrereleaseMajor
                | FloatBehavior::PrereleaseMinor
                | FloatBehavior::PrereleasePatch
                | FloatBehavior::PrereleaseRevision
                | FloatBehavior::AbsoluteLatest
        )
    }
}

impl fmt::Display for FloatBehavior {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A floating version: the behaviour, the lowest version it stands for and, for the
/// prerelease behaviours, the fixed start of the release label.
#[derive(Debug, Clone)]
pub struct FloatRange {
    behavior: FloatBehavior,
    min_version: Option<NuGetVersion>,
    release_prefix: Option<Box<str>>,
}

impl FloatRange {
    /// A float range from its parts; without a prefix, a prerelease `min_version` lends its
    /// release label as the prefix (as NuGet does).
    pub fn new(
        behavior: FloatBehavior,
        min_version: Option<NuGetVersion>,
        release_prefix: Option<&str>,
    ) -> Self {
        let release_prefix = match (release_prefix, &min_version) {
            (Some(prefix), _) => Some(Box::from(prefix)),
            (None, Some(min)) if min.is_prerelease() => Some(Box::from(min.release())),
            (None, _) => None,
        };
        FloatRange {
            behavior,
            min_version,
            release_prefix,
        }
    }

    /// Parses a floating version as `FloatRange.TryParse` does.
    pub fn parse(input: &str) -> Result<Self> {
        Self::try_parse(input).ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidRange,
                format!("{} is not a valid floating version", quoted_input(input)),
            )
        })
    }

    /// Like [`parse`](Self::parse), `None` when invalid.
    pub fn try_parse(input: &str) -> Option<Self> {
        if input.trim().is_empty() {
            return None;
        }
        if input == "*" {
            return Some(Self::new(
                FloatBehavior::Major,
                NuGetVersion::try_parse("0.0"),
                None,
            ));
        }
        if input == "*-*" {
            let min = NuGetVersion::try_parse("0.0.0-0");
            return Some(Self::new(FloatBehavior::AbsoluteLatest, min, Some("")));
        }
        let has_plus = input.contains('+');
        if let (Some(first_star), Some(last_star)) = (input.find('*'), input.rfind('*')) {
            if first_star != last_star && !has_plus {
                return parse_two_stars(input, first_star, last_star);
            }
            if last_star == input.len() - 1 && !has_plus {
                return parse_trailing_star(input);
            }
        }
        // A star anywhere else is not a version either; the plain parse rejects it.
        NuGetVersion::try_parse(input).map(|v| Self::new(FloatBehavior::None, Some(v), None))
    }

    /// The behaviour.
    pub fn behavior(&self) -> FloatBehavior {
        self.behavior
    }

    /// The lowest version the float stands for (`1.0.0-0` for `1.0.0-*`).
    pub fn min_version(&self) -> Option<&NuGetVersion> {
        self.min_version.as_ref()
    }

    /// The fixed start of the release label (`beta` in `1.0.0-beta*`), if any.
    pub fn release_prefix(&self) -> Option<&str> {
        self.release_prefix.as_deref()
    }

    /// True when `version` is one the float would pick from (`FloatRange.Satisfies`).
    pub fn satisfies(&self, version: &NuGetVersion) -> bool {
        use FloatBehavior as B;
        match self.behavior {
            B::AbsoluteLatest => return true,
            B::Major if !version.is_prerelease() => return true,
            _ => {}
        }
        let Some(min) = &self.min_version else {
            return false;
        };
        let label_fits = || !version.is_prerelease() || self.release_starts_with_prefix(version);
        let same = |count: usize| min.numbers[..count] == version.numbers[..count];
        match self.behavior {
            B::PrereleaseRevision => same(3) && label_fits(),
            B::PrereleasePatch => same(2) && label_fits(),
            B::PrereleaseMinor => same(1) && label_fits(),
            B::PrereleaseMajor => label_fits(),
            B::Prerelease => {
                min.compare_with(version, VersionComparison::Version)
                    .is_eq()
                    && label_fits()
            }
            B::Revision => same(3) && !version.is_prerelease(),
            B::Patch => same(2) && !version.is_prerelease(),
            B::Minor => same(1) && !version.is_prerelease(),
            B::None | B::Major | B::AbsoluteLatest => false,
        }
    }

    fn release_starts_with_prefix(&self, version: &NuGetVersion) -> bool {
        let prefix = self.release_prefix.as_deref().unwrap_or("").as_bytes();
        let release = version.release().as_bytes();
        release.len() >= prefix.len() && release[..prefix.len()].eq_ignore_ascii_case(prefix)
    }

    /// Appends `FloatRange.ToString()` to `out`.
    pub(super) fn push_string(&self, out: &mut String) {
        use FloatBehavior as B;
        let prefix = self.release_prefix.as_deref().unwrap_or("");
        let Some(min) = &self.min_version else {
            match self.behavior {
                B::Major => out.push('*'),
                B::AbsoluteLatest => out.push_str("*-*"),
                _ => {}
            }
            return;
        };
        let numbers = |out: &mut String, count: usize| {
            for n in &min.numbers[..count] {
                push_u32(out, *n);
                out.push('.');
            }
            out.push('*');
        };
        match self.behavior {
            B::None => min.push_normalized(out),
            B::Prerelease => {
                min.push_version_numbers(out);
                out.push('-');
                out.push_str(prefix);
                out.push('*');
            }
            B::Revision => numbers(out, 3),
            B::Patch => numbers(out, 2),
            B::Minor => numbers(out, 1),
            B::Major => out.push('*'),
            B::AbsoluteLatest => out.push_str("*-*"),
            B::PrereleaseRevision
            | B::PrereleasePatch
            | B::PrereleaseMinor
            | B::PrereleaseMajor => {
                let count = match self.behavior {
                    B::PrereleaseRevision => 3,
                    B::PrereleasePatch => 2,
                    B::PrereleaseMinor => 1,
                    _ => 0,
                };
                numbers(out, count);
                out.push('-');
                out.push_str(prefix);
                out.push('*');
            }
        }
    }
}

/// `1.*-*`, `1.0.*-rc.*`, `*-beta*`: a star right before the first dash and one at the end.
fn parse_two_stars(input: &str, first_star: usize, last_star: usize) -> Option<FloatRange> {
    let dash = input.find('-')?;
    if last_star != input.len() - 1 || dash == 0 || first_star != dash - 1 {
        return None;
    }
    let mut stable = input[..dash - 1].to_string();
    stable.push('0');
    let behavior = match count_parts(&stable) {
        1 => FloatBehavior::PrereleaseMajor,
        2 => FloatBehavior::PrereleaseMinor,
        3 => FloatBehavior::PrereleasePatch,
        4 => FloatBehavior::PrereleaseRevision,
        _ => FloatBehavior::None,
    };
    let prefix = &input[dash + 1..input.len() - 1];
    let mut actual = stable;
    actual.push('-');
    actual.push_str(prefix);
    if prefix.is_empty() || prefix.ends_with('.') {
        // An empty label is not valid; 0 is the lowest label there is.
        actual.push('0');
    }
    let version = NuGetVersion::try_parse(&actual)?;
    Some(FloatRange::new(behavior, Some(version), Some(prefix)))
}

/// `1.*`, `1.0.*`, `1.0.0.*`, `1.0.0-*`, `1.0.0-rc.*`: one star, at the end.
fn parse_trailing_star(input: &str) -> Option<FloatRange> {
    let mut actual = input[..input.len() - 1].to_string();
    let mut prefix = None;
    let behavior = match (input.find('-'), input.rfind('-')) {
        (None, _) => {
            actual.push('0');
            match count_parts(&actual) {
                2 => FloatBehavior::Minor,
                3 => FloatBehavior::Patch,
                4 => FloatBehavior::Revision,
                _ => FloatBehavior::None,
            }
        }
        (Some(first), Some(last)) if first == last => {
            let label = &input[first + 1..input.len() - 1];
            if label.is_empty() || actual.ends_with('.') {
                actual.push('0');
            }
            prefix = Some(label);
            FloatBehavior::Prerelease
        }
        // With more than one dash NuGet takes the prefix from the parsed release label.
        _ => FloatBehavior::Prerelease,
    };
    let version = NuGetVersion::try_parse(&actual)?;
    Some(FloatRange::new(behavior, Some(version), prefix))
}

fn count_parts(s: &str) -> usize {
    1 + s.bytes().filter(|&b| b == b'.').count()
}

/// `FloatRange.ToString()`.
impl fmt::Display for FloatRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::with_capacity(32);
        self.push_string(&mut out);
        f.write_str(&out)
    }
}

/// Same behaviour and the same lowest version (default comparison).
impl PartialEq for FloatRange {
    fn eq(&self, other: &Self) -> bool {
        self.behavior == other.behavior && self.min_version == other.min_version
    }
}

impl Eq for FloatRange {}

impl std::hash::Hash for FloatRange {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.behavior.hash(state);
        self.min_version.hash(state);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn float(s: &str) -> (FloatBehavior, String, String) {
        let f = FloatRange::parse(s).unwrap();
        let min = f
            .min_version()
            .map(|v| v.to_normalized_string())
            .unwrap_or_default();
        (f.behavior(), min, f.to_string())
    }

    #[test]
    fn each_star_form_has_its_behavior() {
        use FloatBehavior as B;
        assert_eq!(float("*"), (B::Major, "0.0.0".into(), "*".into()));
        assert_eq!(float("1.*"), (B::Minor, "1.0.0".into(), "1.*".into()));
        assert_eq!(float("1.0.*"), (B::Patch, "1.0.0".into(), "1.0.*".into()));
        assert_eq!(
            float("1.0.0.*"),
            (B::Revision, "1.0.0".into(), "1.0.0.*".into())
        );
        assert_eq!(
            float("1.0.0-*"),
            (B::Prerelease, "1.0.0-0".into(), "1.0.0-*".into())
        );
        assert_eq!(
            float("1.0-rc.*"),
            (B::Prerelease, "1.0.0-rc.0".into(), "1.0.0-rc.*".into())
        );
        assert_eq!(
            float("1.0-a-*"),
            (B::Prerelease, "1.0.0-a-".into(), "1.0.0-a-*".into())
        );
        assert_eq!(
            float("*-*"),
            (B::AbsoluteLatest, "0.0.0-0".into(), "*-*".into())
        );
        assert_eq!(
            float("*-rc*"),
            (B::PrereleaseMajor, "0.0.0-rc".into(), "*-rc*".into())
        );
        assert_eq!(
            float("1.*-*"),
            (B::PrereleaseMinor, "1.0.0-0".into(), "1.*-*".into())
        );
        assert_eq!(
            float("1.2.*-b.*"),
            (B::PrereleasePatch, "1.2.0-b.0".into(), "1.2.*-b.*".into())
        );
        assert_eq!(float("1*"), (B::None, "10.0.0".into(), "10.0.0".into()));
        assert!(FloatRange::parse("1.*.*").is_err());
        assert!(FloatRange::parse("1.*+meta").is_err());
        assert!(FloatRange::parse("1.*-beta").is_err());
    }

    #[test]
    fn prerelease_floats_take_stable_versions_and_prefixed_labels() {
        let f = FloatRange::parse("1.0.*-Beta*").unwrap();
        let takes = |s: &str| f.satisfies(&NuGetVersion::parse(s).unwrap());
        assert!(takes("1.0.5"));
        assert!(takes("1.0.5-beta.2"));
        assert!(!takes("1.0.5-alpha"));
        assert!(!takes("1.1.0"));
    }
}
