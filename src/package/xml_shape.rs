//! A linear scan of manifest text before it is parsed, refusing the shapes that no real nuspec
//! has and that cost the XML parser (or the lookups after it) time quadratic in their size:
//! thousands of attributes on one element (each checked against the others for duplicates),
//! hundreds of namespace declarations (each element that declares one copies and re-checks
//! every namespace in scope), and deep nesting.

/// The most attributes (namespace declarations included) one element may have.
pub(super) const MAX_ATTRIBUTES_PER_ELEMENT: usize = 1_000;
/// The most namespace declarations (`xmlns`, `xmlns:p`) a whole manifest may make.
pub(super) const MAX_NAMESPACE_DECLARATIONS: usize = 256;
/// The deepest element nesting a manifest may have (real ones are about 5 deep).
pub(super) const MAX_DEPTH: usize = 256;

/// Why `text` is refused, if it is. Markup this scan does not understand is left for the
/// parser to report.
pub(super) fn check(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let (mut at, mut depth, mut namespaces) = (0, 0usize, 0usize);
    while let Some(found) = find_byte(bytes, at, b'<') {
        let rest = &text[found + 1..];
        let skip_to = |end: &str| rest.find(end).map(|i| found + 1 + i + end.len());
        let next = if rest.starts_with("!--") {
            skip_to("-->")
        } else if rest.starts_with("![CDATA[") {
            skip_to("]]>")
        } else if rest.starts_with('?') {
            skip_to("?>")
        } else if rest.starts_with('!') || rest.starts_with('/') {
            if rest.starts_with('/') {
                depth = depth.saturating_sub(1);
            }
            skip_to(">")
        } else {
            let tag = scan_start_tag(bytes, found + 1)?;
            if tag.attributes > MAX_ATTRIBUTES_PER_ELEMENT {
                return Some(format!(
                    "an element has {} attributes or more (at most {MAX_ATTRIBUTES_PER_ELEMENT} \
                     are read)",
                    tag.attributes
                ));
            }
            namespaces += tag.namespaces;
            if namespaces > MAX_NAMESPACE_DECLARATIONS {
                return Some(format!(
                    "more than {MAX_NAMESPACE_DECLARATIONS} namespace declarations"
                ));
            }
            if !tag.self_closing {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some(format!("elements nested more than {MAX_DEPTH} deep"));
                }
            }
            Some(tag.end)
        };
        at = next?;
    }
    None
}

/// What a start tag holds.
struct StartTag {
    attributes: usize,
    namespaces: usize,
    self_closing: bool,
    /// The offset just past its `>`.
    end: usize,
}

/// Scans the start tag whose name begins at `start`: counts `=` outside quoted values (one per
/// attribute) and the attributes named `xmlns` or `xmlns:*`. `None` when it never ends.
fn scan_start_tag(bytes: &[u8], start: usize) -> Option<StartTag> {
    let mut tag = StartTag {
        attributes: 0,
        namespaces: 0,
        self_closing: false,
        end: 0,
    };
    // Where the current attribute name can begin: after the tag name or the previous value.
    let (mut at, mut name_from) = (start, start);
    loop {
        match *bytes.get(at)? {
            quote @ (b'"' | b'\'') => {
                at = find_byte(bytes, at + 1, quote)? + 1;
                name_from = at;
            }
            b'=' => {
                tag.attributes += 1;
                if attribute_name_before(bytes, name_from, at).starts_with(b"xmlns") {
                    tag.namespaces += 1;
                }
                // Stop counting early: the count only needs to pass the limit.
                if tag.attributes > MAX_ATTRIBUTES_PER_ELEMENT {
                    tag.end = at + 1;
                    return Some(tag);
                }
                at += 1;
                name_from = at;
            }
            b'>' => {
                tag.self_closing = at > start && bytes[at - 1] == b'/';
                tag.end = at + 1;
                return Some(tag);
            }
            _ => at += 1,
        }
    }
}

/// The name in front of the `=` at `eq` (white space between them allowed), looked for from
/// `from` on.
fn attribute_name_before(bytes: &[u8], from: usize, eq: usize) -> &[u8] {
    let head = &bytes[from..eq];
    let trimmed = head.trim_ascii_end();
    let begin = trimmed
        .iter()
        .rposition(|b| b.is_ascii_whitespace())
        .map_or(0, |i| i + 1);
    &trimmed[begin..]
}

fn find_byte(bytes: &[u8], from: usize, byte: u8) -> Option<usize> {
    bytes
        .get(from..)?
        .iter()
        .position(|&b| b == byte)
        .map(|i| from + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_markup_passes() {
        let text = "<?xml version='1.0'?><!-- a = 'b' <c> --><package xmlns='urn:x' a=\"1>2\">\
                    <![CDATA[<x y=1>]]><m:a xmlns:m='urn:m' b = 'c'/></package>";
        assert_eq!(check(text), None);
    }

    #[test]
    fn absurd_shapes_are_refused() {
        let attributes: String = (0..1001).map(|i| format!(" a{i}='x'")).collect();
        let why = check(&format!("<package{attributes}/>")).expect("too many attributes");
        assert!(why.contains("attributes"), "{why}");
        let fine: String = (0..1000).map(|i| format!(" a{i}='x'")).collect();
        assert_eq!(check(&format!("<package{fine}/>")), None);

        let namespaces: String = (0..257).map(|i| format!("<e xmlns:p{i}='u'/>")).collect();
        let why = check(&format!("<r>{namespaces}</r>")).expect("too many namespaces");
        assert!(why.contains("namespace"), "{why}");

        let deep = format!("{}{}", "<a>".repeat(257), "</a>".repeat(257));
        assert!(check(&deep).expect("too deep").contains("nested"));
        let ok = format!("{}{}", "<a>".repeat(256), "</a>".repeat(256));
        assert_eq!(check(&ok), None);
    }

    #[test]
    fn names_before_equals_signs() {
        let bytes = b"e xmlns:a = 'x' b='y'";
        assert_eq!(attribute_name_before(bytes, 0, 10), b"xmlns:a");
        assert_eq!(attribute_name_before(bytes, 15, 17), b"b");
    }
}
