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
        // The same version object (as NuGet's `ReferenceEquals` shortcut): no labels to read.
        if std::ptr::eq(self, other) {
            return Ordering::Equal;
        }
        let release = compare_releases(self.release_bytes(), other.release_bytes());
        if release != Ordering::Equal || mode != VersionComparison::VersionReleaseMetadata {
            return release;
        }
        compare_ignore_ascii_case(self.metadata().as_bytes(), other.metadata().as_bytes())
    }
}

impl NuGetVersion {
    /// `VersionComparer.Equals` in the given mode, exactly as NuGet answers it.
    ///
    /// In the default and `VersionRelease` modes NuGet compares labels as strings (ignoring
    /// case) here, not as numbers, so `1.0.0--01` and `1.0.0--1` are not equal although they
    /// compare as equal; `==` follows the comparison instead, so that it agrees with `Ord` and
    /// `Hash`. The two differ only for numeric labels written with a `-` and leading zeros.
    pub fn equals_with(&self, other: &Self, mode: VersionComparison) -> bool {
        match mode {
            VersionComparison::Default | VersionComparison::VersionRelease => {
                self.numbers == other.numbers
                    && self
                        .release_bytes()
                        .eq_ignore_ascii_case(other.release_bytes())
            }
            _ => self.compare_with(other, mode).is_eq(),
        }
    }
}

/// Compares two release labels; an empty one (a stable version) is the greatest.
fn compare_releases(a: &[u8], b: &[u8]) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        (false, false) => {}
    }
    // Labels before the first difference (ignoring case) are equal, so start at the label
    // that holds it: usually the only one that needs a closer look.
    let common = common_prefix_ignore_case(a, b);
    if common == a.len() && common == b.len() {
        return Ordering::Equal;
    }
    let start = a[..common]
        .iter()
        .rposition(|&c| c == b'.')
        .map_or(0, |dot| dot + 1);
    if common > start && a[start].is_ascii_alphabetic() {
        // Both labels start with the same letter, so neither is a number: the first differing
        // byte decides, a label that ends there being the smaller. (When both end there they
        // are equal, and the labels after them decide.)
        let at = |s: &[u8]| s.get(common).copied().filter(|&c| c != b'.');
        match (at(a), at(b)) {
            (None, None) => {}
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => return x.to_ascii_uppercase().cmp(&y.to_ascii_uppercase()),
        }
    }
    // Equal labels may differ in length (`-01` and `-1`), so each side keeps its own cursor.
    let (mut i, mut j) = (start, start);
    loop {
        let end_a = label_end(a, i);
        let end_b = label_end(b, j);
        match compare_label(&a[i..end_a], &b[j..end_b]) {
            Ordering::Equal => {}
            other => return other,
        }
        match (end_a == a.len(), end_b == b.len()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            (false, false) => (i, j) = (end_a + 1, end_b + 1),
        }
    }
}

/// Where the label starting at `from` ends: the next `.` or the end.
fn label_end(s: &[u8], from: usize) -> usize {
    s[from..]
        .iter()
        .position(|&c| c == b'.')
        .map_or(s.len(), |p| from + p)
}

/// How many leading bytes of `a` and `b` are equal ignoring case.
///
/// Labels and metadata hold only ASCII letters, digits, `-` and `.`; for those, setting bit
/// 0x20 folds case exactly (digits, `-` and `.` already have it), which lets this compare eight
/// bytes at a time.
fn common_prefix_ignore_case(a: &[u8], b: &[u8]) -> usize {
    const FOLD: u64 = 0x2020_2020_2020_2020;
    let n = a.len().min(b.len());
    let mut i = 0;
    while let (Some((x, _)), Some((y, _))) = (
        a[i..n].split_first_chunk::<8>(),
        b[i..n].split_first_chunk::<8>(),
    ) {
        let diff = (u64::from_le_bytes(*x) | FOLD) ^ (u64::from_le_bytes(*y) | FOLD);
        if diff != 0 {
            return i + (diff.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < n && (a[i] | 0x20) == (b[i] | 0x20) {
        i += 1;
    }
    i
}

/// One label against another: numbers by value and before words, words case-insensitively.
fn compare_label(a: &[u8], b: &[u8]) -> Ordering {
    // Most labels start with a letter and so cannot be numbers.
    let may_be_number = |s: &[u8]| s.first().is_some_and(|&c| c.is_ascii_digit() || c == b'-');
    if !may_be_number(a) && !may_be_number(b) {
        return compare_ignore_ascii_case(a, b);
    }
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

/// Equality follows the `VersionComparison::Default` comparison: metadata is ignored, labels
/// compare case-insensitively and numeric labels by value (see
/// [`NuGetVersion::equals_with`] for NuGet's own `Equals`, which differs only on labels like
/// `-01`).
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
    fn nuget_equality_reads_labels_as_text() {
        let (a, b) = (v("1.0.0--01"), v("1.0.0--1"));
        assert_eq!(a.cmp(&b), Ordering::Equal);
        assert!(!a.equals_with(&b, VersionComparison::Default));
        assert!(v("1.0.0-RC.1").equals_with(&v("1.0-rc.1+x"), VersionComparison::Default));
        assert!(
            !v("1.0.0+a").equals_with(&v("1.0.0+b"), VersionComparison::VersionReleaseMetadata)
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
