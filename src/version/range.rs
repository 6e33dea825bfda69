//! [`VersionRange`]: bounds, floating, `satisfies` and the string forms.

use std::fmt;

use super::compare::VersionComparison;
use super::float_range::FloatRange;
use super::nuget_version::NuGetVersion;

/// A NuGet version range, possibly floating (`1.*`, `[1.0, 2.0)`, `1.0.0-*`).
///
/// A missing bound is open; an inclusiveness flag on a missing bound reads as false, as in
/// NuGet. A floating range keeps its [`FloatRange`], whose lowest version is the lower bound.
#[derive(Debug, Clone)]
pub struct VersionRange {
    pub(super) min: Option<NuGetVersion>,
    pub(super) include_min: bool,
    pub(super) max: Option<NuGetVersion>,
    pub(super) include_max: bool,
    pub(super) float: Option<FloatRange>,
}

impl VersionRange {
    /// A range from its bounds (`None` is open) and their inclusiveness.
    pub fn new(
        min: Option<NuGetVersion>,
        include_min: bool,
        max: Option<NuGetVersion>,
        include_max: bool,
    ) -> Self {
        VersionRange {
            min,
            include_min,
            max,
            include_max,
            float: None,
        }
    }

    /// A range with a floating lower part; its lower bound should be `float`'s lowest version.
    pub fn with_float(
        min: Option<NuGetVersion>,
        include_min: bool,
        max: Option<NuGetVersion>,
        include_max: bool,
        float: FloatRange,
    ) -> Self {
        VersionRange {
            min,
            include_min,
            max,
            include_max,
            float: Some(float),
        }
    }

    /// The range that every version satisfies (`(, )`), used for an empty or missing range.
    pub fn all() -> Self {
        Self::new(None, true, None, true)
    }

    /// `[version, )`: the version or anything above it (what a bare `1.0` means).
    pub fn at_least(version: NuGetVersion) -> Self {
        Self::new(Some(version), true, None, false)
    }

    /// `[version]`: exactly this version.
    pub fn exact(version: NuGetVersion) -> Self {
        Self::new(Some(version.clone()), true, Some(version), true)
    }

    /// `VersionRange.None`: `(0.0.0, 0.0.0)`, which nothing satisfies.
    pub fn none() -> Self {
        let zero = NuGetVersion::new(0, 0, 0, 0);
        Self::new(Some(zero.clone()), false, Some(zero), false)
    }

    /// True when `version` is inside the range (labels count, metadata does not).
    pub fn satisfies(&self, version: &NuGetVersion) -> bool {
        self.satisfies_with(version, VersionComparison::VersionRelease)
    }

    /// True when `version` is inside the range, comparing in `mode`.
    pub fn satisfies_with(&self, version: &NuGetVersion, mode: VersionComparison) -> bool {
        let above_min = match &self.min {
            Some(min) if self.include_min => min.compare_with(version, mode).is_le(),
            Some(min) => min.compare_with(version, mode).is_lt(),
            None => true,
        };
        above_min
            && match &self.max {
                Some(max) if self.include_max => max.compare_with(version, mode).is_ge(),
                Some(max) => max.compare_with(version, mode).is_gt(),
                None => true,
            }
    }

    /// The lower bound, if any.
    pub fn min_version(&self) -> Option<&NuGetVersion> {
        self.min.as_ref()
    }
    /// The upper bound, if any.
    pub fn max_version(&self) -> Option<&NuGetVersion> {
        self.max.as_ref()
    }
    /// True when there is a lower bound.
    pub fn has_lower_bound(&self) -> bool {
        self.min.is_some()
    }
    /// True when there is an upper bound.
    pub fn has_upper_bound(&self) -> bool {
        self.max.is_some()
    }
    /// Whether the lower bound is included (false without one).
    pub fn is_min_inclusive(&self) -> bool {
        self.min.is_some() && self.include_min
    }
    /// Whether the upper bound is included (false without one).
    pub fn is_max_inclusive(&self) -> bool {
        self.max.is_some() && self.include_max
    }
    /// Whether the range floats (`*` somewhere).
    pub fn is_floating(&self) -> bool {
        self.float
            .as_ref()
            .is_some_and(|f| f.behavior() != super::FloatBehavior::None)
    }
    /// The floating part, if the range was written with a `*`.
    pub fn float_range(&self) -> Option<&FloatRange> {
        self.float.as_ref()
    }
    /// True when a bound is a prerelease version.
    pub fn has_prerelease_bounds(&self) -> bool {
        self.min.as_ref().is_some_and(NuGetVersion::is_prerelease)
            || self.max.as_ref().is_some_and(NuGetVersion::is_prerelease)
    }

    /// `ToNormalizedString()`: `[1.0.0, 2.0.0)`, with the float written out (`[1.*, )`).
    pub fn to_normalized_string(&self) -> String {
        self.bracketed(true)
    }

    /// `ToLegacyString()`: like the normalized string, with the lowest version instead of the
    /// float.
    pub fn to_legacy_string(&self) -> String {
        self.bracketed(false)
    }

    /// `ToLegacyShortString()`: `1.0.0` for a bare minimum, `[1.0.0]` for an exact version,
    /// otherwise the legacy string.
    pub fn to_legacy_short_string(&self) -> String {
        match self.short_form() {
            Some(short) => short,
            None => self.to_legacy_string(),
        }
    }

    /// `ToShortString()`: like the legacy short string, but a floating minimum is written as
    /// its float (`1.*`) and other ranges in the normalized form.
    pub fn to_short_string(&self) -> String {
        match (&self.float, &self.max) {
            (Some(float), None) if self.is_min_inclusive() && self.is_floating() => {
                float.to_string()
            }
            _ => self
                .short_form()
                .unwrap_or_else(|| self.to_normalized_string()),
        }
    }

    /// `PrettyPrint()`: `(>= 1.0.0 && < 2.0.0)`, `(= 1.0.0)` for an exact version, nothing for
    /// a range without bounds.
    pub fn pretty_print(&self) -> String {
        let mut out = String::with_capacity(40);
        match (&self.min, &self.max) {
            (None, None) => return out,
            (Some(min), Some(max))
                if self.include_min
                    && self.include_max
                    && max.equals_with(min, VersionComparison::Default) =>
            {
                out.push_str("(= ");
                min.push_normalized(&mut out);
            }
            (min, max) => {
                out.push('(');
                if let Some(min) = min {
                    out.push_str(if self.include_min { ">= " } else { "> " });
                    min.push_normalized(&mut out);
                }
                if let Some(max) = max {
                    if min.is_some() {
                        out.push_str(" && ");
                    }
                    out.push_str(if self.include_max { "<= " } else { "< " });
                    max.push_normalized(&mut out);
                }
            }
        }
        out.push(')');
        out
    }

    /// The two short forms NuGet's formatter shares: a bare minimum and an exact version.
    fn short_form(&self) -> Option<String> {
        let mut out = String::with_capacity(32);
        match (&self.min, &self.max) {
            (Some(min), None) if self.include_min => min.push_normalized(&mut out),
            (Some(min), Some(max))
                if self.include_min
                    && self.include_max
                    && min.equals_with(max, VersionComparison::Default) =>
            {
                out.push('[');
                min.push_normalized(&mut out);
                out.push(']');
            }
            _ => return None,
        }
        Some(out)
    }

    fn bracketed(&self, with_float: bool) -> String {
        let mut out = String::with_capacity(48);
        out.push(if self.is_min_inclusive() { '[' } else { '(' });
        if let Some(min) = &self.min {
            match &self.float {
                Some(float) if with_float && self.is_floating() => float.push_string(&mut out),
                _ => min.push_normalized(&mut out),
            }
        }
        out.push_str(", ");
        if let Some(max) = &self.max {
            max.push_normalized(&mut out);
        }
        out.push(if self.is_max_inclusive() { ']' } else { ')' });
        out
    }
}

/// `ToString()` as NuGet gives it: the normalized string.
impl fmt::Display for VersionRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_normalized_string())
    }
}

/// Same bounds (default comparison), same inclusiveness, same float (`VersionRange.Equals`).
impl PartialEq for VersionRange {
    fn eq(&self, other: &Self) -> bool {
        self.is_min_inclusive() == other.is_min_inclusive()
            && self.is_max_inclusive() == other.is_max_inclusive()
            && self.min == other.min
            && self.max == other.max
            && self.is_floating() == other.is_floating()
            && self.float == other.float
    }
}

impl Eq for VersionRange {}

impl std::hash::Hash for VersionRange {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.is_min_inclusive().hash(state);
        self.is_max_inclusive().hash(state);
        self.min.hash(state);
        self.max.hash(state);
    }
}

/// Serialized as the normalized string.
impl serde::Serialize for VersionRange {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_normalized_string())
    }
}

/// Read from a string with [`VersionRange::parse`].
impl<'de> serde::Deserialize<'de> for VersionRange {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}
