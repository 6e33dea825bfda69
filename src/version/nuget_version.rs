//! [`NuGetVersion`]: parsing, parts and string forms.

use crate::error::quoted_input;
use std::fmt;

use super::parse::{self, Numbers, Rules, Scanned};
use crate::{Error, ErrorKind, Result};

/// A NuGet version: up to four numbers, a release label and metadata.
///
/// One allocation holds the text: the string it was parsed from (spaces removed, as NuGet keeps
/// it) or, for a version built from parts, its full string. Release label and metadata are
/// slices of that text, so reading and comparing them allocates nothing.
#[derive(Clone)]
pub struct NuGetVersion {
    pub(super) numbers: Numbers,
    text: Box<str>,
    release: (usize, usize),
    metadata: (usize, usize),
    /// True when `text` is the string the version was parsed from.
    parsed: bool,
}

pub(super) fn invalid_version(input: &str) -> Error {
    Error::new(
        ErrorKind::InvalidVersion,
        format!("{} is not a valid NuGet version", quoted_input(input)),
    )
}

impl NuGetVersion {
    /// Parses a version leniently, as `NuGetVersion.TryParse` does.
    ///
    /// Surrounding whitespace is ignored, one to four numbers are accepted (leading zeros and
    /// spaces around numbers too), then an optional `-release` and `+metadata`.
    pub fn parse(input: &str) -> Result<Self> {
        Self::try_parse(input).ok_or_else(|| invalid_version(input))
    }

    /// Like [`parse`](Self::parse), without building an error (`None` when invalid).
    pub fn try_parse(input: &str) -> Option<Self> {
        let rest = input.trim_start();
        let offset = input.len() - rest.len();
        let scanned = parse::scan(rest.trim_end(), Rules::Lenient)?;
        Some(Self::from_original(input, offset, scanned))
    }

    /// Parses a strict SemVer 2.0.0 version, as `SemanticVersion.TryParse` does: exactly three
    /// numbers without leading zeros, no surrounding whitespace.
    pub fn parse_strict(input: &str) -> Result<Self> {
        Self::try_parse_strict(input).ok_or_else(|| invalid_version(input))
    }

    /// Like [`parse_strict`](Self::parse_strict), `None` when invalid.
    pub fn try_parse_strict(input: &str) -> Option<Self> {
        let scanned = parse::scan(input, Rules::Strict)?;
        // Strict numbers are already in normal form (three, no leading zeros), so the input is
        // the full string; NuGet still records no original string for it.
        Some(NuGetVersion {
            numbers: scanned.numbers,
            text: Box::from(input),
            release: scanned.release,
            metadata: scanned.metadata,
            parsed: false,
        })
    }

    /// A stable version from its four numbers (each at most `i32::MAX`, as in NuGet).
    pub fn new(major: u32, minor: u32, patch: u32, revision: u32) -> Self {
        Self::build([major, minor, patch, revision].map(clamp_number), "", "")
    }

    /// A version from its parts; `release` and `metadata` are given without `-` and `+` and
    /// must be valid (`.`-separated identifiers of letters, digits and `-`), or empty.
    pub fn from_parts(numbers: [u32; 4], release: &str, metadata: &str) -> Result<Self> {
        let valid_release = release.is_empty() || parse::are_valid_identifiers(release, false);
        let valid_metadata = metadata.is_empty() || parse::are_valid_identifiers(metadata, true);
        if !valid_release || !valid_metadata {
            let shown = format!(
                "{}.{}.{}.{}-{release}+{metadata}",
                numbers[0], numbers[1], numbers[2], numbers[3]
            );
            return Err(invalid_version(&shown));
        }
        Ok(Self::build(numbers.map(clamp_number), release, metadata))
    }

    /// A version whose text is the string it was parsed from, with spaces removed as NuGet
    /// does. `scanned` spans the trimmed input, which starts `offset` bytes into `input`.
    fn from_original(input: &str, offset: usize, scanned: Scanned) -> Self {
        let bytes = input.as_bytes();
        let (text, spaces) = if bytes.contains(&b' ') {
            // Labels hold no spaces, so every label moves left by the spaces before them.
            let labels = offset + scanned.release.0.max(scanned.metadata.0);
            let spaces = bytes[..labels].iter().filter(|&&b| b == b' ').count();
            (input.replace(' ', "").into_boxed_str(), spaces)
        } else {
            (Box::from(input), 0)
        };
        let place = |(start, end): (usize, usize)| match start == end {
            true => (0, 0),
            false => (start + offset - spaces, end + offset - spaces),
        };
        NuGetVersion {
            numbers: scanned.numbers,
            text,
            release: place(scanned.release),
            metadata: place(scanned.metadata),
            parsed: true,
        }
    }

    /// A version without an original string: its text is its full string.
    fn build(numbers: Numbers, release: &str, metadata: &str) -> Self {
        // The exact length, so that `into_boxed_str` need not reallocate.
        let label_len = |s: &str| if s.is_empty() { 0 } else { 1 + s.len() };
        let len = numbers_len(&numbers) + label_len(release) + label_len(metadata);
        let mut text = String::with_capacity(len);
        push_numbers(&mut text, &numbers);
        let mut release_span = (0, 0);
        if !release.is_empty() {
            text.push('-');
            release_span = (text.len(), text.len() + release.len());
            text.push_str(release);
        }
        let mut metadata_span = (0, 0);
        if !metadata.is_empty() {
            text.push('+');
            metadata_span = (text.len(), text.len() + metadata.len());
            text.push_str(metadata);
        }
        NuGetVersion {
            numbers,
            text: text.into_boxed_str(),
            release: release_span,
            metadata: metadata_span,
            parsed: false,
        }
    }

    /// The first number.
    pub fn major(&self) -> u32 {
        self.numbers[0]
    }
    /// The second number.
    pub fn minor(&self) -> u32 {
        self.numbers[1]
    }
    /// The third number.
    pub fn patch(&self) -> u32 {
        self.numbers[2]
    }
    /// The fourth number (0 when absent).
    pub fn revision(&self) -> u32 {
        self.numbers[3]
    }
    /// The release label without the leading `-`, empty when there is none.
    pub fn release(&self) -> &str {
        &self.text[self.release.0..self.release.1]
    }
    /// The release label as bytes (ASCII; no UTF-8 boundary checks on the compare path).
    pub(super) fn release_bytes(&self) -> &[u8] {
        self.text
            .as_bytes()
            .get(self.release.0..self.release.1)
            .unwrap_or_default()
    }
    /// The release label split at its dots (nothing for a stable version).
    pub fn release_labels(&self) -> impl Iterator<Item = &str> {
        let release = self.release();
        release.split('.').filter(move |_| !release.is_empty())
    }
    /// The metadata without the leading `+`, empty when there is none.
    pub fn metadata(&self) -> &str {
        &self.text[self.metadata.0..self.metadata.1]
    }
    /// True when the version has metadata.
    pub fn has_metadata(&self) -> bool {
        self.metadata.1 > self.metadata.0
    }
    /// True when the version has a release label.
    pub fn is_prerelease(&self) -> bool {
        self.release.1 > self.release.0
    }
    /// True when the version needs SemVer 2.0.0 (dotted release labels or metadata).
    pub fn is_semver2(&self) -> bool {
        self.release().contains('.') || self.has_metadata()
    }
    /// True when the version has a fourth number.
    pub fn is_legacy_version(&self) -> bool {
        self.revision() > 0
    }
    /// `ToNormalizedString()`: the form used in URLs (lower-cased there) and comparisons.
    pub fn to_normalized_string(&self) -> String {
        let mut out = String::with_capacity(24 + self.release.1 - self.release.0);
        self.push_normalized(&mut out);
        out
    }
    /// `ToFullString()`: normalized plus metadata.
    pub fn to_full_string(&self) -> String {
        if !self.parsed {
            return self.text.to_string();
        }
        let mut out = String::with_capacity(self.text.len() + 8);
        self.push_normalized(&mut out);
        if self.has_metadata() {
            out.push('+');
            out.push_str(self.metadata());
        }
        out
    }
    /// The string this version was parsed from, with spaces removed as NuGet does; for a
    /// version built from parts, its full string.
    pub fn original_string(&self) -> &str {
        &self.text
    }

    /// Appends the normalized string (`1.2.3[.4][-release]`) to `out`.
    pub(super) fn push_normalized(&self, out: &mut String) {
        push_numbers(out, &self.numbers);
        if self.is_prerelease() {
            out.push('-');
            out.push_str(self.release());
        }
    }

    /// Appends `major.minor.patch` and `.revision` when it is not 0 (NuGet's `V` format).
    pub(super) fn push_version_numbers(&self, out: &mut String) {
        push_numbers(out, &self.numbers);
    }
}

/// NuGet stores numbers as `int`; larger values cannot come from parsing, so clamp built ones.
fn clamp_number(n: u32) -> u32 {
    n.min(i32::MAX as u32)
}

/// The length of what [`push_numbers`] appends.
fn numbers_len(numbers: &Numbers) -> usize {
    let digits = |n: u32| n.checked_ilog10().unwrap_or(0) as usize + 1;
    let revision = if numbers[3] > 0 {
        1 + digits(numbers[3])
    } else {
        0
    };
    digits(numbers[0]) + digits(numbers[1]) + digits(numbers[2]) + 2 + revision
}

/// Appends `major.minor.patch`, plus `.revision` when the revision is not 0.
fn push_numbers(out: &mut String, numbers: &Numbers) {
    push_u32(out, numbers[0]);
    out.push('.');
    push_u32(out, numbers[1]);
    out.push('.');
    push_u32(out, numbers[2]);
    if numbers[3] > 0 {
        out.push('.');
        push_u32(out, numbers[3]);
    }
}

/// Appends a number in decimal without going through `fmt` (this is on the hot path of every
/// URL and every normalized string).
pub(super) fn push_u32(out: &mut String, mut n: u32) {
    let mut buf = [0u8; 10];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &b in &buf[i..] {
        out.push(char::from(b));
    }
}

/// `ToString()` as NuGet gives it: the original string, except that a SemVer 2.0.0 version (and
/// one built from parts) is shown normalized.
impl fmt::Display for NuGetVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.parsed && !self.is_semver2() {
            return f.write_str(&self.text);
        }
        let mut out = String::with_capacity(32);
        self.push_normalized(&mut out);
        f.write_str(&out)
    }
}

impl fmt::Debug for NuGetVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NuGetVersion({:?})", self.to_full_string())
    }
}

impl std::str::FromStr for NuGetVersion {
    type Err = Error;
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

/// Read from a string with [`NuGetVersion::parse`].
impl<'de> serde::Deserialize<'de> for NuGetVersion {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_original_string_loses_only_spaces() {
        let v = NuGetVersion::parse(" 1 .02-Beta.1+sha\t").unwrap();
        assert_eq!(v.original_string(), "1.02-Beta.1+sha\t");
        assert_eq!(v.release(), "Beta.1");
        assert_eq!(v.metadata(), "sha");
        assert_eq!(v.to_normalized_string(), "1.2.0-Beta.1");
        assert_eq!(v.to_full_string(), "1.2.0-Beta.1+sha");
        assert_eq!(v.to_string(), "1.2.0-Beta.1");
    }

    #[test]
    fn a_legacy_string_is_kept_for_display() {
        let v = NuGetVersion::parse("01.0.0.0-rc").unwrap();
        assert_eq!(v.to_string(), "01.0.0.0-rc");
        assert_eq!(v.to_normalized_string(), "1.0.0-rc");
        assert!(!v.is_legacy_version());
    }

    #[test]
    fn built_versions_are_shown_normalized() {
        let v = NuGetVersion::from_parts([1, 2, 3, 4], "rc.1", "git").unwrap();
        assert_eq!(v.to_string(), "1.2.3.4-rc.1");
        assert_eq!(v.to_full_string(), "1.2.3.4-rc.1+git");
        assert!(NuGetVersion::from_parts([1, 0, 0, 0], "01", "").is_err());
        assert_eq!(NuGetVersion::new(1, 0, 0, 0).to_string(), "1.0.0");
    }

    #[test]
    fn errors_quote_the_input() {
        let err = NuGetVersion::parse("1.0.0-").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidVersion);
        assert!(err.message().contains("\"1.0.0-\""), "{}", err.message());
        assert!(NuGetVersion::parse_strict("1.0").is_err());
        assert!(NuGetVersion::parse_strict("1.0.01").is_err());
        assert!(NuGetVersion::parse_strict(" 1.0.0").is_err());
    }
}
