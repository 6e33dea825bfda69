//! Framework versions: the four-part `System.Version` NuGet.Frameworks stores, how the three kinds
//! of version text in a moniker are read, and how versions are written back out.

use std::fmt;

/// A framework or platform version: four numbers, missing ones stored as 0 (as NuGet normalizes
/// `System.Version`), each at most `i32::MAX`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FrameworkVersion {
    /// First number.
    pub major: u32,
    /// Second number.
    pub minor: u32,
    /// Third number (`Build` in .NET).
    pub build: u32,
    /// Fourth number.
    pub revision: u32,
}

impl FrameworkVersion {
    /// `0.0.0.0`, the version of a moniker without one.
    pub const EMPTY: FrameworkVersion = FrameworkVersion::new(0, 0, 0, 0);

    /// A version from its four numbers.
    pub const fn new(major: u32, minor: u32, build: u32, revision: u32) -> Self {
        FrameworkVersion {
            major,
            minor,
            build,
            revision,
        }
    }

    /// True for `0.0.0.0`: the framework matches all of its versions (`net`, `netstandard`).
    pub fn is_empty(&self) -> bool {
        *self == Self::EMPTY
    }

    fn parts(&self) -> [u32; 4] {
        [self.major, self.minor, self.build, self.revision]
    }

    /// `System.Version.TryParse`: two to four dot-separated numbers, each read like `Int32`
    /// (surrounding white space and a sign allowed), none negative.
    pub(crate) fn parse_dotnet(text: &str) -> Option<Self> {
        let mut numbers = [0u32; 4];
        let mut count = 0;
        for component in text.split('.') {
            if count == 4 {
                return None;
            }
            numbers[count] = u32::try_from(parse_dotnet_int(component)?).ok()?;
            count += 1;
        }
        (count >= 2).then(|| Self::new(numbers[0], numbers[1], numbers[2], numbers[3]))
    }

    /// The version in a short folder name (`45`, `4.5`, `10.0`, `451`): dotted text is read as a
    /// `System.Version`; digits alone are one digit per part, at least two and at most four.
    pub(crate) fn parse_folder(text: &str) -> Option<Self> {
        if text.is_empty() {
            return Some(Self::EMPTY);
        }
        if text.contains('.') {
            return Self::parse_dotnet(text);
        }
        let mut digits: Vec<char> = text.chars().take(4).collect();
        if digits.len() < 2 {
            digits.push('0');
        }
        let dotted: Vec<String> = digits.iter().map(char::to_string).collect();
        Self::parse_dotnet(&dotted.join("."))
    }

    /// A platform version (`windows10.0`, `ios14`): a single number gets `.0` appended.
    pub(crate) fn parse_platform(text: &str) -> Option<Self> {
        if text.is_empty() {
            return Some(Self::EMPTY);
        }
        Self::parse_with_minor(text)
    }

    /// The `Version=` value of a long name, after its leading `v`s are removed: a single number
    /// gets `.0` appended.
    pub(crate) fn parse_with_minor(text: &str) -> Option<Self> {
        if text.contains('.') {
            Self::parse_dotnet(text)
        } else {
            Self::parse_dotnet(&format!("{text}.0"))
        }
    }

    /// The version as a short folder name writes it (`GetVersionString`): empty for `0.0.0.0`;
    /// trailing zero parts dropped down to two parts (one for `single_digit` frameworks); digits
    /// run together (`451`) unless `dotted` or a part is above 9 (`4.5.10`, `10.0`).
    pub(crate) fn folder_string(&self, single_digit: bool, dotted: bool) -> String {
        if self.is_empty() {
            return String::new();
        }
        let parts = self.parts();
        let min_parts = if single_digit { 1 } else { 2 };
        let mut len = 4;
        while len > min_parts && parts[len - 1] == 0 {
            len -= 1;
        }
        let mut kept: Vec<u32> = parts[..len].to_vec();
        if dotted || kept.iter().any(|&p| p > 9) {
            if kept.len() < 2 {
                kept.push(0);
            }
            join(&kept, ".")
        } else {
            join(&kept, "")
        }
    }

    /// The version as a .NET `FrameworkName` writes it: `major.minor`, then the build when build
    /// or revision is set, then the revision when it is set.
    pub(crate) fn display_string(&self) -> String {
        let mut text = format!("{}.{}", self.major, self.minor);
        if self.build > 0 || self.revision > 0 {
            text.push_str(&format!(".{}", self.build));
            if self.revision > 0 {
                text.push_str(&format!(".{}", self.revision));
            }
        }
        text
    }
}

fn join(parts: &[u32], separator: &str) -> String {
    let texts: Vec<String> = parts.iter().map(u32::to_string).collect();
    texts.join(separator)
}

/// `major.minor.build.revision`, as `System.Version.ToString()` writes a normalized version.
impl fmt::Display for FrameworkVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{}.{}.{}",
            self.major, self.minor, self.build, self.revision
        )
    }
}

/// `Int32.TryParse(text, NumberStyles.Integer, InvariantCulture)`: optional white space around,
/// an optional `+` or `-`, decimal digits, trailing NUL characters tolerated as .NET does.
pub(crate) fn parse_dotnet_int(text: &str) -> Option<i64> {
    let is_white = |c: char| c == ' ' || ('\t'..='\r').contains(&c);
    let trimmed = text
        .trim_start_matches(is_white)
        .trim_end_matches('\0')
        .trim_end_matches(is_white);
    let (negative, digits) = match trimmed.as_bytes().first() {
        Some(b'-') => (true, &trimmed[1..]),
        Some(b'+') => (false, &trimmed[1..]),
        _ => (false, trimmed),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut value: i64 = 0;
    for b in digits.bytes() {
        value = value * 10 + i64::from(b - b'0');
        if value > i64::from(i32::MAX) + 1 {
            return None;
        }
    }
    let value = if negative { -value } else { value };
    i32::try_from(value).ok().map(i64::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotnet_version_rules() {
        let v = FrameworkVersion::parse_dotnet(" 4 .+5").unwrap();
        assert_eq!(v, FrameworkVersion::new(4, 5, 0, 0));
        assert_eq!(FrameworkVersion::parse_dotnet("4"), None);
        assert_eq!(FrameworkVersion::parse_dotnet("1.2.3.4.5"), None);
        assert_eq!(FrameworkVersion::parse_dotnet("1.-2"), None);
        assert_eq!(FrameworkVersion::parse_dotnet("1.2147483648"), None);
        assert!(FrameworkVersion::parse_dotnet("-0.1").is_some());
    }

    #[test]
    fn folder_versions() {
        let v = |s| FrameworkVersion::parse_folder(s).unwrap();
        assert_eq!(v("451"), FrameworkVersion::new(4, 5, 1, 0));
        assert_eq!(v("4"), FrameworkVersion::new(4, 0, 0, 0));
        assert_eq!(v("81233"), FrameworkVersion::new(8, 1, 2, 3));
        assert_eq!(FrameworkVersion::parse_folder("4..5"), None);
    }

    #[test]
    fn version_strings() {
        let v = FrameworkVersion::new(4, 5, 1, 0);
        assert_eq!(v.folder_string(false, false), "451");
        assert_eq!(v.folder_string(false, true), "4.5.1");
        assert_eq!(
            FrameworkVersion::new(1, 0, 0, 0).folder_string(true, false),
            "1"
        );
        assert_eq!(
            FrameworkVersion::new(10, 0, 0, 0).folder_string(true, false),
            "10.0"
        );
        assert_eq!(
            FrameworkVersion::new(4, 0, 0, 3).display_string(),
            "4.0.0.3"
        );
    }
}
