//! Text rules NuGet.Frameworks takes from .NET: ordinal case-insensitive comparison and
//! `Uri.UnescapeDataString`.

use std::cmp::Ordering;
use std::hash::{Hash, Hasher};

/// One character as `StringComparer.OrdinalIgnoreCase` sees it (upper case where that is one
/// character).
fn fold(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_uppercase();
    }
    let mut upper = c.to_uppercase();
    match (upper.next(), upper.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

/// `StringComparer.OrdinalIgnoreCase.Equals`.
pub(crate) fn eq_ignore_case(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.eq_ignore_ascii_case(b) || a.chars().map(fold).eq(b.chars().map(fold))
}

/// `StringComparer.OrdinalIgnoreCase.Compare`.
pub(crate) fn cmp_ignore_case(a: &str, b: &str) -> Ordering {
    a.chars().map(fold).cmp(b.chars().map(fold))
}

/// Hashes `text` so that strings equal under [`eq_ignore_case`] hash alike.
pub(crate) fn hash_ignore_case<H: Hasher>(text: &str, state: &mut H) {
    for c in text.chars() {
        fold(c).hash(state);
    }
    0xffu8.hash(state);
}

/// `starts_with` under [`eq_ignore_case`].
pub(crate) fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    let mut chars = text.chars();
    prefix
        .chars()
        .all(|p| chars.next().is_some_and(|c| fold(c) == fold(p)))
}

/// `String.ToLowerInvariant`, for the characters that lower-case to one character.
pub(crate) fn to_lower_invariant(text: &str) -> String {
    text.chars()
        .map(|c| {
            let mut lower = c.to_lowercase();
            match (lower.next(), lower.next()) {
                (Some(l), None) => l,
                _ => c,
            }
        })
        .collect()
}

/// `Uri.UnescapeDataString`: `%XX` escapes are decoded where they form UTF-8; escapes that do
/// not are left as they were.
pub(crate) fn unescape_data_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('%') {
        out.push_str(&rest[..start]);
        let (bytes, consumed) = escaped_run(&rest[start..]);
        if bytes.is_empty() {
            out.push('%');
            rest = &rest[start + 1..];
            continue;
        }
        push_utf8_or_escapes(&mut out, &bytes, &rest[start..start + consumed]);
        rest = &rest[start + consumed..];
    }
    out.push_str(rest);
    out
}

/// The bytes of the `%XX` escapes at the start of `text`, and how many characters they span.
fn escaped_run(text: &str) -> (Vec<u8>, usize) {
    let raw = text.as_bytes();
    let mut bytes = Vec::new();
    let mut at = 0;
    while raw.len() >= at + 3 && raw[at] == b'%' {
        let hex = std::str::from_utf8(&raw[at + 1..at + 3]).ok();
        match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
            Some(b) if raw[at + 1].is_ascii_hexdigit() => bytes.push(b),
            _ => break,
        }
        at += 3;
    }
    (bytes, at)
}

/// Decodes `bytes` (escaped as `source`, three characters per byte) where they are UTF-8 and
/// copies the escapes of the bytes that are not.
fn push_utf8_or_escapes(out: &mut String, bytes: &[u8], source: &str) {
    let mut at = 0;
    while at < bytes.len() {
        match std::str::from_utf8(&bytes[at..]) {
            Ok(text) => {
                out.push_str(text);
                return;
            }
            Err(err) => {
                let valid = at + err.valid_up_to();
                out.push_str(std::str::from_utf8(&bytes[at..valid]).unwrap_or_default());
                let bad = err.error_len().unwrap_or(bytes.len() - valid);
                out.push_str(&source[valid * 3..(valid + bad) * 3]);
                at = valid + bad;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescapes_like_dotnet() {
        assert_eq!(unescape_data_string("net%34%35"), "net45");
        assert_eq!(unescape_data_string("a%zzb%"), "a%zzb%");
        assert_eq!(unescape_data_string("%C3%a9%ff"), "\u{e9}%ff");
    }

    #[test]
    fn ignores_case() {
        assert!(eq_ignore_case(".NETFramework", ".netframework"));
        assert!(!eq_ignore_case("net", "nett"));
        assert!(starts_with_ignore_case("version=4", "Version="));
        assert_eq!(cmp_ignore_case("a", "B"), Ordering::Less);
    }
}
