//! Tests only: NuGet's parsing steps transcribed one by one (trim, `ParseSections`,
//! `System.Version.TryParse`, `IsValidPart`), slow and plain, to check the one-pass scanner
//! in `parse.rs` against on many generated strings (the oracle covers the real-world ones).

use std::cmp::Ordering;

use super::parse::{Numbers, parse_component};
use super::{NuGetVersion, VersionComparison};

/// `ParseSections`: the version section, the release labels and the metadata. A `-` or `+`
/// in the last position stays in the section before it.
fn sections(value: &str) -> (&str, Option<&str>, Option<&str>) {
    let mut version = None;
    let (mut release, mut metadata) = (None, None);
    let (mut dash, mut plus) = (None::<usize>, None::<usize>);
    let b = value.as_bytes();
    for i in 0..b.len() {
        let end = i == b.len() - 1;
        let through = if end { i + 1 } else { i };
        match (dash, plus) {
            (None, _) if end || b[i] == b'-' || b[i] == b'+' => {
                version = Some(&value[..through]);
                dash = Some(i);
                if b[i] == b'+' {
                    plus = Some(i);
                }
            }
            (Some(d), None) if end || b[i] == b'+' => {
                release = Some(&value[d + 1..through]);
                plus = Some(i);
            }
            (Some(_), Some(p)) if end => metadata = Some(&value[p + 1..through]),
            _ => {}
        }
    }
    (version.unwrap_or(""), release, metadata)
}

/// `System.Version.TryParse`: two to four components.
fn system_version(s: &str) -> Option<Numbers> {
    let parts: Vec<&str> = s.split('.').collect();
    if !(2..=4).contains(&parts.len()) {
        return None;
    }
    let mut numbers = [0; 4];
    for (i, part) in parts.iter().enumerate() {
        numbers[i] = parse_component(part.as_bytes())?;
    }
    Some(numbers)
}

/// `IsValidPart`.
fn valid_part(s: &str, allow_leading_zeros: bool) -> bool {
    let b = s.as_bytes();
    if b.is_empty() {
        return false;
    }
    if !allow_leading_zeros && b.len() > 1 && b[0] == b'0' && b[1..].iter().all(u8::is_ascii_digit)
    {
        return false;
    }
    b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
}

fn valid_labels(release: Option<&str>, metadata: Option<&str>) -> bool {
    release.is_none_or(|r| r.split('.').all(|p| valid_part(p, false)))
        && metadata.is_none_or(|m| m.split('.').all(|p| valid_part(p, true)))
}

type Parsed = (Numbers, String, String, String);

/// `NuGetVersion.TryParse`, step by step.
fn lenient(value: &str) -> Option<Parsed> {
    let (version, release, metadata) = sections(value.trim());
    if version.is_empty() {
        return None;
    }
    let version = if version.contains('.') {
        version.to_string()
    } else {
        format!("{version}.0")
    };
    let numbers = system_version(&version)?;
    valid_labels(release, metadata).then_some(())?;
    let original = value.replace(' ', "");
    Some((
        numbers,
        release.unwrap_or("").into(),
        metadata.unwrap_or("").into(),
        original,
    ))
}

/// `SemanticVersion.TryParse`, step by step.
fn strict(value: &str) -> Option<Parsed> {
    let (version, release, metadata) = sections(value);
    let numbers = system_version(version)?;
    let parts: Vec<&str> = version.split('.').collect();
    if parts.len() != 3 || !parts.iter().all(|p| valid_part(p, false)) {
        return None;
    }
    valid_labels(release, metadata).then_some(())?;
    Some((
        numbers,
        release.unwrap_or("").into(),
        metadata.unwrap_or("").into(),
        String::new(),
    ))
}

fn parts(v: NuGetVersion, original: bool) -> Parsed {
    let text = if original {
        v.original_string().to_string()
    } else {
        String::new()
    };
    (v.numbers, v.release().into(), v.metadata().into(), text)
}

/// A small deterministic generator (xorshift) of version-like strings: numbers, labels and
/// metadata made of the pieces that matter, some of them then broken by a random piece.
fn generated(count: usize) -> impl Iterator<Item = String> {
    const SPACE: &[&str] = &["", "", "", "", "", " ", "\t", "\u{a0}", " \n"];
    const NUMBER: &[&str] = &[
        "0",
        "1",
        "7",
        "01",
        "2147483647",
        "2147483648",
        " 1",
        "2 ",
        "",
        "3\0",
    ];
    const LABEL: &[&str] = &[
        "a", "0", "01", "rc", "-", "1a", "Z-", "-0", "", "_", "é", "*", "00",
    ];
    const NOISE: &[&str] = &[".", "-", "+", " ", "\0", "x", "9", "..", "-+", "+-"];
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    (0..count).map(move |_| {
        let mut s = String::from(SPACE[next(SPACE.len())]);
        for i in 0..1 + next(5) {
            if i > 0 {
                s.push('.');
            }
            s.push_str(NUMBER[next(NUMBER.len())]);
        }
        for sep in ['-', '+'] {
            if next(2) == 0 {
                continue;
            }
            s.push(sep);
            for i in 0..1 + next(3) {
                if i > 0 {
                    s.push('.');
                }
                s.push_str(LABEL[next(LABEL.len())]);
            }
        }
        s.push_str(SPACE[next(SPACE.len())]);
        if next(4) == 0 {
            let at = next(s.len() + 1);
            if s.is_char_boundary(at) {
                s.insert_str(at, NOISE[next(NOISE.len())]);
            }
        }
        s
    })
}

#[test]
fn the_scanner_agrees_with_nugets_steps() {
    for input in
        generated(100_000).chain(["1.0.0-a+", "1-+", " 1 . 2 -a+b ", "1+-"].map(String::from))
    {
        let got = NuGetVersion::try_parse(&input).map(|v| parts(v, true));
        assert_eq!(got, lenient(&input), "lenient parse of {input:?}");
        let got = NuGetVersion::try_parse_strict(&input).map(|v| parts(v, false));
        assert_eq!(got, strict(&input), "strict parse of {input:?}");
    }
}

/// `VersionComparer.Compare`, step by step: numbers, then labels split into lists and compared
/// one by one (`int.TryParse` numbers first), then metadata.
fn compare(a: &NuGetVersion, b: &NuGetVersion, mode: VersionComparison) -> Ordering {
    let numbers = a.numbers.cmp(&b.numbers);
    if numbers.is_ne() || mode == VersionComparison::Version {
        return numbers;
    }
    let labels =
        |v: &NuGetVersion| -> Vec<String> { v.release_labels().map(String::from).collect() };
    let (x, y) = (labels(a), labels(b));
    let release = match (x.is_empty(), y.is_empty()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => {
            let mut result = Ordering::Equal;
            for i in 0..x.len().max(y.len()) {
                result = match (x.get(i), y.get(i)) {
                    (None, _) => Ordering::Less,
                    (_, None) => Ordering::Greater,
                    (Some(l), Some(r)) => match (l.parse::<i32>(), r.parse::<i32>()) {
                        (Ok(l), Ok(r)) => l.cmp(&r),
                        (Ok(_), Err(_)) => Ordering::Less,
                        (Err(_), Ok(_)) => Ordering::Greater,
                        (Err(_), Err(_)) => l.to_uppercase().cmp(&r.to_uppercase()),
                    },
                };
                if result.is_ne() {
                    break;
                }
            }
            result
        }
    };
    if release.is_ne() || mode != VersionComparison::VersionReleaseMetadata {
        return release;
    }
    a.metadata()
        .to_uppercase()
        .cmp(&b.metadata().to_uppercase())
}

#[test]
fn comparisons_agree_with_nugets_steps() {
    let mut versions: Vec<NuGetVersion> = generated(20_000)
        .filter_map(|s| NuGetVersion::try_parse(&s))
        .collect();
    versions.sort_by_key(|v| v.numbers);
    versions.dedup_by(|a, b| a.to_full_string() == b.to_full_string());
    let modes = [
        VersionComparison::Default,
        VersionComparison::Version,
        VersionComparison::VersionRelease,
        VersionComparison::VersionReleaseMetadata,
    ];
    // Neighbours after sorting by numbers mostly share numbers, so labels decide.
    for pair in versions.windows(6) {
        for other in &pair[1..] {
            for mode in modes {
                let (a, b) = (&pair[0], other);
                assert_eq!(
                    a.compare_with(b, mode),
                    compare(a, b, mode),
                    "{a:?} vs {b:?} {mode:?}"
                );
                assert_eq!(
                    b.compare_with(a, mode),
                    compare(b, a, mode),
                    "{b:?} vs {a:?} {mode:?}"
                );
            }
        }
    }
}
