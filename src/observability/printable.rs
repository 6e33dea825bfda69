//! Text from outside (feed data, URLs, source names from a NuGet.Config) made safe for one log
//! line or one error message: a character that could end the line, move the cursor, recolour a
//! terminal or reverse the text after it would let a hostile feed forge lines of its own.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` must not appear raw in a log line: C0 and C1 controls and DEL (CR, LF, the ESC
/// of terminal escapes), and the Unicode line separators and bidirectional controls.
pub fn is_unprintable(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// Whether `text` holds an [`is_unprintable`] character. Plain ASCII text (every URL and name
/// a feed normally sends) is told by one pass over its bytes, since this runs on every cached
/// call (span attributes).
pub fn has_unprintable(text: &str) -> bool {
    text.bytes().any(|b| !(0x20..0x7f).contains(&b)) && text.chars().any(is_unprintable)
}

/// `text` with every [`is_unprintable`] character escaped as Rust writes it (`\n`, `\r`,
/// `\u{1b}`), everything else as it is; borrowed when there is nothing to escape.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !has_unprintable(text) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unprintable(c) {
            let _ = write!(out, "{}", c.escape_debug());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// [`printable`] for an owned string, reusing it when there is nothing to escape.
pub fn printable_owned(text: String) -> String {
    match printable(&text) {
        Cow::Borrowed(_) => text,
        Cow::Owned(escaped) => escaped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_breaks_escapes_and_overrides_are_escaped_and_the_rest_kept() {
        assert!(matches!(printable("Demo.Core 1.0.0"), Cow::Borrowed(_)));
        assert_eq!(printable("Société \"x\" C:\\a"), "Société \"x\" C:\\a");
        assert_eq!(
            printable("a\r\nWARN \u{1b}[31m\u{202e}\u{85}\t\u{7f}"),
            r"a\r\nWARN \u{1b}[31m\u{202e}\u{85}\t\u{7f}"
        );
        assert_eq!(printable_owned("ok".into()), "ok");
        assert_eq!(printable_owned("a\nb".into()), r"a\nb");
        assert!(!has_unprintable("http://h/é/x?q=1") && has_unprintable("é\u{2066}"));
    }
}
