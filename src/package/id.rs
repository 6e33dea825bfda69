//! Package id rules, as NuGet applies them when a package is created.

use crate::error::quoted_input;
use crate::{Error, ErrorKind, Result};

/// The longest package id NuGet accepts.
pub const MAX_PACKAGE_ID_LENGTH: usize = 100;

/// True when `id` is a valid NuGet package id: at most 100 characters of word characters
/// (letters, digits, `_`) in runs separated by single `.` or `-`.
///
/// Checking ids before they go into a URL or a file name keeps `../x`, `a?b` or `a/b` from
/// reaching another path on a feed or on disk.
pub fn is_valid_id(id: &str) -> bool {
    if id.is_empty() || id.chars().count() > MAX_PACKAGE_ID_LENGTH {
        return false;
    }
    let mut previous_was_separator = true;
    for c in id.chars() {
        let separator = c == '.' || c == '-';
        if separator && previous_was_separator {
            return false;
        }
        if !separator && !is_word_char(c) {
            return false;
        }
        previous_was_separator = separator;
    }
    !previous_was_separator
}

/// Checks `id` with [`is_valid_id`], failing with an error that quotes it.
pub fn validate_id(id: &str) -> Result<()> {
    if is_valid_id(id) {
        return Ok(());
    }
    let reason = if id.is_empty() {
        "it is empty".to_string()
    } else if id.chars().count() > MAX_PACKAGE_ID_LENGTH {
        format!("it is longer than {MAX_PACKAGE_ID_LENGTH} characters")
    } else {
        "ids are letters, digits and `_` in runs separated by single `.` or `-`".to_string()
    };
    Err(Error::new(
        ErrorKind::InvalidArgument,
        format!("{} is not a valid package id: {reason}", quoted_input(id)),
    ))
}

/// .NET's `\w` for the characters package ids use; Rust's alphanumeric is a close superset.
fn is_word_char(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_real_ids() {
        for id in [
            "Newtonsoft.Json",
            "runtime.debian.8-x64.runtime.native.System",
            "xunit",
            "BCrypt.Net-Next",
            "a_b",
            "Ünïcode.Pkg",
            "7zip",
        ] {
            assert!(is_valid_id(id), "{id}");
        }
    }

    #[test]
    fn rejects_paths_queries_and_bad_separators() {
        for id in [
            "",
            "../dapper",
            "a/b",
            "a\\b",
            "Dap?per",
            "a..b",
            ".a",
            "a.",
            "-a",
            "a b",
            "a%2e",
        ] {
            assert!(!is_valid_id(id), "{id:?}");
        }
        assert!(!is_valid_id(&"a".repeat(101)));
        assert!(is_valid_id(&"a".repeat(100)));
    }

    #[test]
    fn the_error_quotes_the_id() {
        let err = validate_id("../x").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument);
        assert!(err.message().contains("\"../x\""), "{err}");
    }
}
