//! Reading a range string as `VersionRange.TryParse(s, allowFloating: true)` does.

use super::float_range::FloatRange;
use super::nuget_version::NuGetVersion;
use super::range::VersionRange;
use crate::error::quoted_input;
use crate::{Error, ErrorKind, Result};

impl VersionRange {
    /// Parses a range as `VersionRange.TryParse(s, allowFloating: true)` does: `*`, a bare
    /// (possibly floating) minimum such as `1.0` or `1.*`, or a bracket form `[1.0, 2.0)`,
    /// `(, 2.0]`, `[1.0]` whose lower bound may float.
    pub fn parse(input: &str) -> Result<Self> {
        Self::try_parse(input).ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidRange,
                format!("{} is not a valid version range", quoted_input(input)),
            )
        })
    }

    /// Like [`parse`](Self::parse), `None` when invalid.
    pub fn try_parse(input: &str) -> Option<Self> {
        let trimmed = input.trim();
        if trimmed == "*" {
            let float = FloatRange::try_parse(trimmed)?;
            let min = NuGetVersion::new(0, 0, 0, 0);
            return Some(Self::with_float(Some(min), true, None, true, float));
        }
        // NuGet counts UTF-16 code units here; anything shorter than 3 is rejected.
        let short = trimmed.len() < 12 && trimmed.chars().map(char::len_utf16).sum::<usize>() < 3;
        if short {
            return None;
        }
        let (min_text, max_text, include_min, include_max) = match trimmed.as_bytes()[0] {
            b'[' | b'(' => split_brackets(trimmed)?,
            _ => (trimmed, None, true, false),
        };
        let (min, float) = match min_text {
            text if text.trim().is_empty() => (None, None),
            text if text.contains('*') => {
                let float = FloatRange::try_parse(text)?;
                (Some(float.min_version()?.clone()), Some(float))
            }
            text => (Some(NuGetVersion::try_parse(text)?), None),
        };
        // The upper bound never floats.
        let max = match max_text {
            Some(text) if !text.trim().is_empty() => Some(NuGetVersion::try_parse(text)?),
            _ => None,
        };
        Some(VersionRange {
            min,
            include_min,
            max,
            include_max,
            float,
        })
    }
}

/// The bounds' texts and inclusiveness of `[a, b)`-style input: one part is used for both
/// bounds (`[1.0]`); more than two parts, or only empty ones, are invalid.
fn split_brackets(trimmed: &str) -> Option<(&str, Option<&str>, bool, bool)> {
    let include_min = trimmed.as_bytes()[0] == b'[';
    let include_max = match trimmed.as_bytes()[trimmed.len() - 1] {
        b']' => true,
        b')' => false,
        _ => return None,
    };
    let inner = &trimmed[1..trimmed.len() - 1];
    let (min, max) = match inner.split_once(',') {
        Some((_, max)) if max.contains(',') => return None,
        Some((min, max)) => (min, max),
        None => (inner, inner),
    };
    if min.is_empty() && max.is_empty() {
        return None;
    }
    Some((min, Some(max), include_min, include_max))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normalized(s: &str) -> Option<String> {
        VersionRange::try_parse(s).map(|r| r.to_normalized_string())
    }

    #[test]
    fn bracket_forms() {
        assert_eq!(normalized("[1.0, 2.0)").as_deref(), Some("[1.0.0, 2.0.0)"));
        assert_eq!(normalized("(, 2.0]").as_deref(), Some("(, 2.0.0]"));
        assert_eq!(normalized("[1.0]").as_deref(), Some("[1.0.0, 1.0.0]"));
        assert_eq!(normalized("( , )").as_deref(), Some("(, )"));
        assert_eq!(normalized("(0.0.1,]").as_deref(), Some("(0.0.1, )"));
        assert_eq!(normalized("[,]"), None);
        assert_eq!(normalized("[1.0,2.0,3.0]"), None);
        assert_eq!(normalized("[1.*]"), None);
        assert_eq!(normalized("[1.0, 2.*)"), None);
    }

    #[test]
    fn bare_and_floating_forms() {
        assert_eq!(normalized("1.0").as_deref(), Some("[1.0.0, )"));
        assert_eq!(normalized("1"), None);
        assert_eq!(normalized(" * ").as_deref(), Some("[*, )"));
        assert_eq!(normalized("1.*").as_deref(), Some("[1.*, )"));
        assert_eq!(
            normalized("(1.0.*, 2.0.0)").as_deref(),
            Some("(1.0.*, 2.0.0)")
        );
        let r = VersionRange::parse("1.*-rc*").unwrap();
        assert_eq!(r.to_legacy_short_string(), "1.0.0-rc");
        assert!(r.is_floating());
    }

    #[test]
    fn short_and_pretty_strings() {
        let short = |s: &str| VersionRange::parse(s).unwrap().to_short_string();
        let pretty = |s: &str| VersionRange::parse(s).unwrap().pretty_print();
        assert_eq!(short("1.*"), "1.*");
        assert_eq!(short("1.0"), "1.0.0");
        assert_eq!(short("[1.0]"), "[1.0.0]");
        assert_eq!(short("[1.*, 2.0)"), "[1.*, 2.0.0)");
        assert_eq!(pretty("[1.0, 2.0)"), "(>= 1.0.0 && < 2.0.0)");
        assert_eq!(pretty("(1.0,]"), "(> 1.0.0)");
        assert_eq!(pretty("[1.0]"), "(= 1.0.0)");
        assert_eq!(pretty("(, )"), "");
    }

    #[test]
    fn errors_quote_the_input() {
        let err = VersionRange::parse("[1.0").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidRange);
        assert!(err.message().contains("\"[1.0\""));
    }
}
