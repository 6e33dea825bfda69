//! Text from feeds reaches the terminal only in printable form.
//!
//! Titles, descriptions, authors and even error messages carry text a feed chose. Printed raw, an
//! escape sequence in them could clear the screen, retitle the window or fake output lines with a
//! carriage return. Every byte the command line prints as text goes through [`Printable`], which
//! shows control characters (other than newline and tab) as `\u{..}` escapes. JSON output needs
//! nothing: serde_json escapes control characters itself.

use std::borrow::Cow;
use std::io::{self, Write};

/// A writer that escapes control characters before passing text on.
pub struct Printable<W: Write> {
    inner: W,
}

impl<W: Write> Printable<W> {
    /// Wraps `inner`.
    pub fn new(inner: W) -> Self {
        Printable { inner }
    }
}

impl<W: Write> Write for Printable<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // Formatting machinery hands over whole `str` pieces, so a chunk is valid UTF-8; bytes
        // that are not are shown lossily rather than passed through.
        let text = String::from_utf8_lossy(buf);
        self.inner.write_all(printable(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// `text` with every control character except `\n` and `\t` written as a `\u{..}` escape.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// C0 and C1 controls (ESC, CR, BEL, CSI ...) and DEL, but not newline or tab.
fn is_unsafe(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_carriage_returns_are_shown_not_obeyed() {
        assert_eq!(printable("plain\ttext\n"), "plain\ttext\n");
        assert_eq!(printable("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(printable("fake\rline"), "fake\\u{d}line");
        assert_eq!(printable("csi\u{9b}x"), "csi\\u{9b}x");
    }

    #[test]
    fn the_writer_escapes_what_passes_through() {
        let mut out = Printable::new(Vec::new());
        let from_feed = "\u{1b}]0;owned\u{7}";
        write!(out, "title: {from_feed}").unwrap();
        assert_eq!(
            String::from_utf8(out.inner).unwrap(),
            "title: \\u{1b}]0;owned\\u{7}"
        );
    }
}
