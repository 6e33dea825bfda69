//! The text rules NuGet applies to a version string, in one pass over its bytes.
//!
//! NuGet cuts the string at its first `-` (release label) and the following `+` (metadata)
//! (`SemanticVersion.ParseSections`), reads the numbers with `System.Version.TryParse` (each
//! one as `int.TryParse` with `NumberStyles.Integer`) and checks each label with
//! `SemanticVersion.IsValidPart`. The scanner here gives the same answers, quirks included,
//! because a client that disagrees with NuGet about what a version is resolves other packages;
//! `reference.rs` (tests only) transcribes NuGet's steps one by one and checks the scanner
//! against them.

/// The numbers of a version: major, minor, patch (build) and revision, absent ones as 0.
pub(super) type Numbers = [u32; 4];

/// What a valid version string holds: its numbers and where its labels are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Scanned {
    pub numbers: Numbers,
    /// Byte span of the release label (without `-`); empty when there is none.
    pub release: (usize, usize),
    /// Byte span of the metadata (without `+`); empty when there is none.
    pub metadata: (usize, usize),
}

/// Which rules apply to the numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Rules {
    /// `NuGetVersion.TryParse`: one to four numbers, spacing and leading zeros allowed.
    Lenient,
    /// `SemanticVersion.TryParse`: exactly three plain numbers without leading zeros.
    Strict,
}

/// Reads `s` (already trimmed for lenient parsing) in one pass; `None` when NuGet rejects it.
pub(super) fn scan(s: &str, rules: Rules) -> Option<Scanned> {
    let b = s.as_bytes();
    let (numbers, mut i) = scan_numbers(b, rules)?;
    let mut scanned = Scanned {
        numbers,
        release: (0, 0),
        metadata: (0, 0),
    };
    // A `-` or `+` in the last position is invalid (NuGet keeps it in the section before it,
    // where it fails): the empty label after it is rejected here.
    if i < b.len() && b[i] == b'-' {
        let end = scan_identifiers(b, i + 1, false)?;
        scanned.release = (i + 1, end);
        i = end;
    }
    if i == b.len() {
        return Some(scanned);
    }
    // Here b[i] is the `+`; a second `+` in the metadata is an invalid character.
    let end = scan_identifiers(b, i + 1, true)?;
    (end == b.len()).then_some(())?;
    scanned.metadata = (i + 1, end);
    Some(scanned)
}

/// Reads the numbers up to the first `-`, `+` or the end; returns them and where they stop.
fn scan_numbers(b: &[u8], rules: Rules) -> Option<(Numbers, usize)> {
    let max_count = if rules == Rules::Strict { 3 } else { 4 };
    let mut numbers = [0u32; 4];
    let mut count = 0;
    let mut i = 0;
    loop {
        let start = i;
        while i < b.len() && !matches!(b[i], b'.' | b'-' | b'+') {
            i += 1;
        }
        if count == max_count {
            return None;
        }
        let part = &b[start..i];
        numbers[count] = match rules {
            Rules::Lenient => parse_component(part)?,
            Rules::Strict => parse_strict_component(part)?,
        };
        count += 1;
        if i < b.len() && b[i] == b'.' {
            i += 1;
        } else {
            break;
        }
    }
    // A lenient single number is read as `N.0`; strict needs all three.
    (rules == Rules::Lenient || count == 3).then_some((numbers, i))
}

/// The whitespace `int.TryParse` skips around a number (not the wider Unicode set `Trim` uses).
fn is_number_space(b: u8) -> bool {
    b == b' ' || (0x09..=0x0d).contains(&b)
}

/// Reads one number of the version section as `int.TryParse(s, NumberStyles.Integer,
/// InvariantCulture)` followed by `System.Version`'s "not negative" check.
pub(super) fn parse_component(s: &[u8]) -> Option<u32> {
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

/// A strict number: plain digits, no leading zero (but `0` itself), at most `i32::MAX`.
fn parse_strict_component(s: &[u8]) -> Option<u32> {
    if s.is_empty() || (s.len() > 1 && s[0] == b'0') || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    parse_component(s)
}

/// Checks the `.`-separated identifiers from `start` up to a `+` or the end and returns where
/// they stop. Each must be non-empty and made of ASCII letters, digits and `-`; without
/// `allow_leading_zeros` (release labels) a number may not start with `0`.
fn scan_identifiers(b: &[u8], start: usize, allow_leading_zeros: bool) -> Option<usize> {
    let mut i = start;
    loop {
        let ident_start = i;
        let mut all_digits = true;
        while i < b.len() && !matches!(b[i], b'.' | b'+') {
            let c = b[i];
            if !c.is_ascii_alphanumeric() && c != b'-' {
                return None;
            }
            all_digits &= c.is_ascii_digit();
            i += 1;
        }
        let ident = &b[ident_start..i];
        if ident.is_empty() {
            return None;
        }
        if !allow_leading_zeros && all_digits && ident.len() > 1 && ident[0] == b'0' {
            return None;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
        } else {
            return Some(i);
        }
    }
}

/// True when `s` is a valid release label (or, with `allow_leading_zeros`, valid metadata).
pub(super) fn are_valid_identifiers(s: &str, allow_leading_zeros: bool) -> bool {
    !s.contains('+') && scan_identifiers(s.as_bytes(), 0, allow_leading_zeros) == Some(s.len())
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

    fn spans(s: &str) -> Option<(Numbers, &str, &str)> {
        let r = scan(s, Rules::Lenient)?;
        Some((
            r.numbers,
            &s[r.release.0..r.release.1],
            &s[r.metadata.0..r.metadata.1],
        ))
    }

    #[test]
    fn a_trailing_separator_is_invalid() {
        assert_eq!(spans("1.0.0-"), None);
        assert_eq!(spans("1.0.0+"), None);
        assert_eq!(spans("1.0.0-a+"), None);
        assert_eq!(spans("1.0.0-a+b-c"), Some(([1, 0, 0, 0], "a", "b-c")));
        assert_eq!(spans("1.0.0-a+b-c+d"), None);
        assert_eq!(spans("1+b-c"), Some(([1, 0, 0, 0], "", "b-c")));
        assert_eq!(spans("-"), None);
        assert_eq!(spans(""), None);
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
    fn strict_numbers_are_three_plain_ones() {
        assert!(scan("1.2.3", Rules::Strict).is_some());
        assert!(scan("1.2", Rules::Strict).is_none());
        assert!(scan("1.2.3.4", Rules::Strict).is_none());
        assert!(scan("1.02.3", Rules::Strict).is_none());
        assert!(scan("1. 2.3", Rules::Strict).is_none());
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
        assert!(!are_valid_identifiers("a+b", true));
    }
}
