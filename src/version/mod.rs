//! NuGet versions and version ranges, with the rules of `NuGet.Versioning` 5.8.
//!
//! - [`NuGetVersion`]: lenient and strict parsing, the normalized, full and original strings.
//! - [`VersionComparison`]: the four comparison modes; `Eq`, `Ord` and `Hash` use the default.
//! - [`VersionRange`]: bracket forms, bare minimums and floats, `satisfies` and best match.
//! - [`FloatRange`] and [`FloatBehavior`]: what floats in `1.*`, `1.0.0-*`, `*-*` and friends.

mod best_match;
mod compare;
mod float_range;
mod nuget_version;
mod parse;
mod range;
mod range_parse;
#[cfg(test)]
mod reference;

pub use compare::VersionComparison;
pub use float_range::{FloatBehavior, FloatRange};
pub use nuget_version::NuGetVersion;
pub use range::VersionRange;
