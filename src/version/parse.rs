//! The text rules NuGet applies to a version string: where the release label and the metadata
//! start, how each number is read, and which labels are allowed.
//!
//! These follow `SemanticVersion.ParseSections`, `System.Version.TryParse` (each number read as
//! `int.TryParse` with `NumberStyles.Integer`) and `SemanticVersion.IsValidPart`, quirks included,
//! because a client that disagrees with NuGet about what a version is resolves other packages.

/// A version string cut at its first `-` (release label) and the `+` after it (metadata).
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Sections<'a> {
    /// The numbers, still unparsed (may be empty).
    pub version: &'a str,
    /// The release labels, `.`-separated, without the leading `-`.
    pub release: Option<&'a str>,
    /// The metadata without the leading `+`.
    pub metadata: Option<&'a str>,
}

/// Cuts `value` into its sections exactly as NuGet does.
///
/// One NuGet quirk is kept on purpose: a `-` or `+` that is the last character stays in the
/// version section, so `1.0.0-` and `1.0.0+` are rejected later by the number parser.
pub(super) fn split_sections(value: &str) -> Sections<'_> {
    let bytes = value.as_bytes();
    let last = bytes.len().wrapping_sub(1);
    let Some(sep) = bytes.iter().position(|&b| b == b'-' || b == b'+') else {
        return Sections {
            version: value,
            release: None,
            metadata: None,
        };
    };
    if sep == last {
        return Sections {
            version: value,
            release: None,
            metadata: None,
        };
    }
    let version = &value[..sep];
    if bytes[sep] == b'+' {
        return Sections {
            version,
            release: None,
            metadata: Some(&value[sep + 1..]),
        };
    }
    // A `+` in the very last position belongs to the release section (and makes it invalid).
    match bytes[sep + 1..last].iter().position(|&b| b == b'+') {
        Some(offset) => {
            let plus = sep + 1 + offset;
            Sections {
                version,
                release: Some(&value[sep + 1..plus]),
                metadata: Some(&value[plus + 1..]),
            }
        }
        None => Sections {
            version,
            release: Some(&value[sep + 1..]),
            metadata: None,
        },
    }
}

/// The whitespace `int.TryParse` skips around a number (not the wider Unicode set `Trim` uses).
fn is_number_space(b: u8) -> bool {
    b == b' ' || (0x09..=0x0d).contains(&b)
}

/// Reads one number of the version section as `int.TryParse(s, NumberStyles.Integer,
/// InvariantCulture)` followed by `System.Version`'s "not negative" check.
fn parse_component(s: &[u8]) -> Option<u32> {
    let mut i = 0;
    while i < s.len() && is_number_space(s[i]) {
        i += 1;
    }
    let negative = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let digits_start = i;
    let mut value: u64 = 0;
    while i < s.len() && s[i].is_ascii_digit() {
        value = value * 10 + u64::from(s[i] - b'0');
        if value > i32::MAX as u64 + 1 {
            return None;
        }
        i += 1;
    }
    if i == digits_start {
        return None;
    }
    while i < s.len() && is_number_space(s[i]) {
        i += 1;
    }
    // .NET accepts trailing NUL characters after a number.
    if !s[i..].iter().all(|&b| b == 0) {
        return None;
    }
    if negative {
        return (value == 0).then_some(0);
    }
    u32::try_from(value).ok().filter(|&v| v <= i32::MAX as u32)
}

/// The numbers of a version: major, minor, patch (build) and revision, absent ones as 0.
pub(super) type Numbers = [u32; 4];

/// Reads the version section leniently, as `NuGetVersion.TryParse` does: one to four numbers
/// (a single number gets a minor of 0), each with the spacing `int.TryParse` allows.
pub(super) fn parse_loose_numbers(version: &str) -> Option<Numbers> {
    let mut numbers = [0u32; 4];
    for (index, part) in version.as_bytes().split(|&b| b == b'.').enumerate() {
        *numbers.get_mut(index)? = parse_component(part)?;
    }
    Some(numbers)
}

/// Reads the version section strictly, as `SemanticVersion.TryParse` does: exactly three
/// numbers of plain digits without leading zeros.
pub(super) fn parse_strict_numbers(version: &str) -> Option<Numbers> {
    let mut numbers = [0u32; 4];
    let mut count = 0;
    for (index, part) in version.as_bytes().split(|&b| b == b'.').enumerate() {
        if index == 3 || !is_strict_number(part) {
            return None;
        }
        numbers[index] = parse_component(part)?;
        count = index + 1;
    }
    (count == 3).then_some(numbers)
}

fn is_strict_number(part: &[u8]) -> bool {
    !part.is_empty() && part.iter().all(u8::is_ascii_digit) && (part.len() == 1 || part[0] != b'0')
}

/// True when every `.`-separated identifier of a release label (or, with `allow_leading_zeros`,
/// of metadata) is non-empty, made of ASCII letters, digits and `-`, and is not a number with a
/// leading zero.
pub(super) fn are_valid_identifiers(s: &str, allow_leading_zeros: bool) -> bool {
    s.as_bytes()
        .split(|&b| b == b'.')
        .all(|part| is_valid_identifier(part, allow_leading_zeros))
}

fn is_valid_identifier(part: &[u8], allow_leading_zeros: bool) -> bool {
    if part.is_empty() || !part.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'-') {
        return false;
    }
    let leading_zero_number =
        part.len() > 1 && part[0] == b'0' && part[1..].iter().all(u8::is_ascii_digit);
    allow_leading_zeros || !leading_zero_number
}

/// Reads a release label the way `VersionComparer` does (`int.TryParse` on the label): a
/// label is numeric when it is an optional `-` and digits that fit an `i32`.
pub(super) fn numeric_label(label: &[u8]) -> Option<i32> {
    let (negative, digits) = match label.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, label),
    };
    if digits.is_empty() {
        return None;
    }
    let mut value: i64 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        value = value * 10 + i64::from(b - b'0');
        if value > i64::from(i32::MAX) + 1 {
            return None;
        }
    }
    let value = if negative { -value } else { value };
    i32::try_from(value).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sections(v: &str) -> (&str, Option<&str>, Option<&str>) {
        let s = split_sections(v);
        (s.version, s.release, s.metadata)
    }

    #[test]
    fn a_trailing_separator_stays_in_the_version_section() {
        assert_eq!(sections("1.0.0-"), ("1.0.0-", None, None));
        assert_eq!(sections("1.0.0+"), ("1.0.0+", None, None));
        assert_eq!(sections("1.0.0-a+"), ("1.0.0", Some("a+"), None));
        assert_eq!(
            sections("1.0.0-a+b-c+d"),
            ("1.0.0", Some("a"), Some("b-c+d"))
        );
        assert_eq!(sections("1.0.0+b-c"), ("1.0.0", None, Some("b-c")));
        assert_eq!(sections("-"), ("-", None, None));
        assert_eq!(sections(""), ("", None, None));
    }

    #[test]
    fn numbers_allow_the_spacing_of_int_try_parse() {
        assert_eq!(parse_component(b" 12 "), Some(12));
        assert_eq!(parse_component(b"\t0007\x0b"), Some(7));
        assert_eq!(parse_component(b"1\0\0"), Some(1));
        assert_eq!(parse_component(b"1\0 "), None);
        assert_eq!(parse_component(b"2147483647"), Some(2147483647));
        assert_eq!(parse_component(b"2147483648"), None);
        assert_eq!(parse_component(b"-0"), Some(0));
        assert_eq!(parse_component(b"-1"), None);
        assert_eq!(parse_component(b""), None);
        assert_eq!(parse_component(b"1 2"), None);
    }

    #[test]
    fn numeric_labels_follow_int_try_parse() {
        assert_eq!(numeric_label(b"10"), Some(10));
        assert_eq!(numeric_label(b"-01"), Some(-1));
        assert_eq!(numeric_label(b"-2147483648"), Some(i32::MIN));
        assert_eq!(numeric_label(b"2147483648"), None);
        assert_eq!(numeric_label(b"-"), None);
        assert_eq!(numeric_label(b"1a"), None);
    }

    #[test]
    fn identifiers_reject_empty_parts_and_leading_zero_numbers() {
        assert!(are_valid_identifiers("alpha.1.0a.-", false));
        assert!(!are_valid_identifiers("alpha..1", false));
        assert!(!are_valid_identifiers("01", false));
        assert!(are_valid_identifiers("01", true));
        assert!(!are_valid_identifiers("a_b", true));
    }
}
