//! Ordering, equality and hashing of versions, as `VersionComparer` defines them.
//!
//! Nothing here allocates: labels are compared in place, split at their dots on the fly.

use std::cmp::Ordering;
use std::hash::{Hash, Hasher};

use super::nuget_version::NuGetVersion;
use super::parse::numeric_label;

/// How much of a version takes part in a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum VersionComparison {
    /// Numbers and release label, case-insensitive; metadata ignored (`VersionComparer.Default`).
    #[default]
    Default,
    /// Numbers only.
    Version,
    /// Numbers and release label.
    VersionRelease,
    /// Numbers, release label and metadata.
    VersionReleaseMetadata,
}

impl NuGetVersion {
    /// Compares two versions in the given mode.
    ///
    /// Numbers first (the revision included), then a stable version sorts above any
    /// prerelease of the same numbers, then labels one by one: numeric labels by value and
    /// below alphanumeric ones, alphanumeric ones case-insensitively, and a shorter list of
    /// otherwise equal labels first. Metadata counts only in `VersionReleaseMetadata`.
    pub fn compare_with(&self, other: &Self, mode: VersionComparison) -> Ordering {
        let numbers = self.numbers.cmp(&other.numbers);
        if numbers != Ordering::Equal || mode == VersionComparison::Version {
            return numbers;
        }
        let release = compare_releases(self.release(), other.release());
        if release != Ordering::Equal || mode != VersionComparison::VersionReleaseMetadata {
            return release;
        }
        compare_ignore_ascii_case(self.metadata().as_bytes(), other.metadata().as_bytes())
    }
}

/// Compares two release labels; an empty one (a stable version) is the greatest.
fn compare_releases(a: &str, b: &str) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        (false, false) => {}
    }
    let mut left = a.as_bytes().split(|&c| c == b'.');
    let mut right = b.as_bytes().split(|&c| c == b'.');
    loop {
        match (left.next(), right.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => match compare_label(x, y) {
                Ordering::Equal => {}
                other => return other,
            },
        }
    }
}

/// One label against another: numbers by value and before words, words case-insensitively.
fn compare_label(a: &[u8], b: &[u8]) -> Ordering {
    match (numeric_label(a), numeric_label(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => compare_ignore_ascii_case(a, b),
    }
}

/// `StringComparer.OrdinalIgnoreCase` for the ASCII text labels and metadata are made of.
fn compare_ignore_ascii_case(a: &[u8], b: &[u8]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        match x.to_ascii_uppercase().cmp(&y.to_ascii_uppercase()) {
            Ordering::Equal => {}
            other => return other,
        }
    }
    a.len().cmp(&b.len())
}

/// Equality follows `VersionComparison::Default`: metadata is ignored, labels compare
/// case-insensitively and numeric labels by value.
impl PartialEq for NuGetVersion {
    fn eq(&self, other: &Self) -> bool {
        self.compare_with(other, VersionComparison::Default) == Ordering::Equal
    }
}

impl Eq for NuGetVersion {}

/// Hashes what `VersionComparison::Default` looks at, so that equal versions hash alike.
impl Hash for NuGetVersion {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.numbers.hash(state);
        for label in self.release_labels() {
            match numeric_label(label.as_bytes()) {
                Some(n) => {
                    state.write_u8(0);
                    state.write_i32(n);
                }
                None => {
                    state.write_u8(1);
                    for b in label.bytes() {
                        state.write_u8(b.to_ascii_uppercase());
                    }
                    state.write_u8(0xff);
                }
            }
        }
    }
}

impl PartialOrd for NuGetVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Ordering follows `VersionComparison::Default`.
impl Ord for NuGetVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.compare_with(other, VersionComparison::Default)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> NuGetVersion {
        NuGetVersion::parse(s).unwrap()
    }

    #[test]
    fn labels_compare_numerically_then_alphabetically() {
        assert!(v("1.0.0-alpha.2") < v("1.0.0-alpha.10"));
        assert!(v("1.0.0-10") < v("1.0.0-a"));
        assert!(v("1.0.0-alpha") < v("1.0.0-alpha.1"));
        assert!(v("1.0.0-rc") < v("1.0.0"));
        assert!(v("1.0.0-a-") > v("1.0.0-a"));
        assert_eq!(v("1.0.0-BETA"), v("1.0.0-beta"));
        assert!(v("1.0.0.1") > v("1.0.0"));
    }

    #[test]
    fn metadata_counts_only_in_the_metadata_mode() {
        let (a, b) = (v("1.0.0+A"), v("1.0.0+b"));
        assert_eq!(
            a.compare_with(&b, VersionComparison::Default),
            Ordering::Equal
        );
        assert_eq!(
            a.compare_with(&b, VersionComparison::VersionReleaseMetadata),
            Ordering::Less
        );
        assert_eq!(
            v("1.0.0-a").compare_with(&v("1.0.0"), VersionComparison::Version),
            Ordering::Equal
        );
    }

    #[test]
    fn equal_versions_hash_alike() {
        use std::collections::HashSet;
        let set: HashSet<_> = [
            "1.0.0-Beta+x",
            "1.0.0-beta",
            "1.0-BETA",
            "1.0.0--01",
            "1.0.0--1",
        ]
        .into_iter()
        .map(v)
        .collect();
        assert_eq!(set.len(), 2);
    }
}
