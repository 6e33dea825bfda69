//! NuGet versions and version ranges.
//!
//! TODO(skeleton): interface only; the implementation replaces every `todo!()` below and keeps
//! these signatures (it may add more).

use std::cmp::Ordering;
use std::fmt;

use crate::Result;

/// A NuGet version: up to four numbers, a release label and metadata.
#[derive(Debug, Clone)]
pub struct NuGetVersion {
    _private: (),
}

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
    /// Parses a version leniently, as `NuGetVersion.TryParse` does.
    pub fn parse(_input: &str) -> Result<Self> {
        todo!()
    }
    /// Parses a strict SemVer 2.0.0 version, as `SemanticVersion.TryParse` does.
    pub fn parse_strict(_input: &str) -> Result<Self> {
        todo!()
    }
    /// The first number.
    pub fn major(&self) -> u32 {
        todo!()
    }
    /// The second number.
    pub fn minor(&self) -> u32 {
        todo!()
    }
    /// The third number.
    pub fn patch(&self) -> u32 {
        todo!()
    }
    /// The fourth number (0 when absent).
    pub fn revision(&self) -> u32 {
        todo!()
    }
    /// The release label without the leading `-`, empty when there is none.
    pub fn release(&self) -> &str {
        todo!()
    }
    /// The metadata without the leading `+`, empty when there is none.
    pub fn metadata(&self) -> &str {
        todo!()
    }
    /// True when the version has a release label.
    pub fn is_prerelease(&self) -> bool {
        todo!()
    }
    /// True when the version needs SemVer 2.0.0 (dotted release labels or metadata).
    pub fn is_semver2(&self) -> bool {
        todo!()
    }
    /// True when the version has a fourth number.
    pub fn is_legacy_version(&self) -> bool {
        todo!()
    }
    /// `ToNormalizedString()`: the form used in URLs (lower-cased there) and comparisons.
    pub fn to_normalized_string(&self) -> String {
        todo!()
    }
    /// `ToFullString()`: normalized plus metadata.
    pub fn to_full_string(&self) -> String {
        todo!()
    }
    /// The string this version was parsed from.
    pub fn original_string(&self) -> &str {
        todo!()
    }
    /// Compares two versions in the given mode.
    pub fn compare_with(&self, _other: &Self, _mode: VersionComparison) -> Ordering {
        todo!()
    }
}

/// `ToString()` as NuGet gives it.
impl fmt::Display for NuGetVersion {
    fn fmt(&self, _f: &mut fmt::Formatter<'_>) -> fmt::Result {
        todo!()
    }
}

/// Equality, hashing and ordering follow `VersionComparison::Default`.
impl PartialEq for NuGetVersion {
    fn eq(&self, other: &Self) -> bool {
        self.compare_with(other, VersionComparison::Default) == Ordering::Equal
    }
}
impl Eq for NuGetVersion {}
impl std::hash::Hash for NuGetVersion {
    fn hash<H: std::hash::Hasher>(&self, _state: &mut H) {
        todo!()
    }
}
impl PartialOrd for NuGetVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for NuGetVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.compare_with(other, VersionComparison::Default)
    }
}
impl std::str::FromStr for NuGetVersion {
    type Err = crate::Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}
/// Serialized as the normalized string.
impl serde::Serialize for NuGetVersion {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_normalized_string())
    }
}

/// A NuGet version range, possibly floating (`1.*`, `[1.0, 2.0)`, `1.0.0-*`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VersionRange {
    _private: (),
}

impl VersionRange {
    /// Parses a range as `VersionRange.TryParse(s, allowFloating: true)` does.
    pub fn parse(_input: &str) -> Result<Self> {
        todo!()
    }
    /// The range that every version satisfies (`(, )`), used for an empty or missing range.
    pub fn all() -> Self {
        todo!()
    }
    /// True when `version` is inside the range.
    pub fn satisfies(&self, _version: &NuGetVersion) -> bool {
        todo!()
    }
    /// `FindBestMatch`: the candidate NuGet would pick for this range, if any.
    pub fn find_best_match<'a>(&self, _candidates: &'a [NuGetVersion]) -> Option<&'a NuGetVersion> {
        todo!()
    }
    /// The lower bound, if any.
    pub fn min_version(&self) -> Option<&NuGetVersion> {
        todo!()
    }
    /// The upper bound, if any.
    pub fn max_version(&self) -> Option<&NuGetVersion> {
        todo!()
    }
    /// Whether the lower bound is included.
    pub fn is_min_inclusive(&self) -> bool {
        todo!()
    }
    /// Whether the upper bound is included.
    pub fn is_max_inclusive(&self) -> bool {
        todo!()
    }
    /// Whether the range floats (`*` somewhere).
    pub fn is_floating(&self) -> bool {
        todo!()
    }
    /// `ToNormalizedString()`.
    pub fn to_normalized_string(&self) -> String {
        todo!()
    }
    /// `ToLegacyShortString()`.
    pub fn to_legacy_short_string(&self) -> String {
        todo!()
    }
}

/// `ToString()` as NuGet gives it.
impl fmt::Display for VersionRange {
    fn fmt(&self, _f: &mut fmt::Formatter<'_>) -> fmt::Result {
        todo!()
    }
}
/// Serialized as the normalized string.
impl serde::Serialize for VersionRange {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_normalized_string())
    }
}
