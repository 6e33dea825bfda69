//! XML as NuGet's `NuspecReader` sees it through `XDocument`: text decoded from its byte-order
//! mark, whitespace-only text nodes dropped (`IgnoreWhitespace`), elements matched by local name
//! in the default namespace of the element searched from.

use roxmltree::{Document, Node, ParsingOptions};

use crate::{Error, ErrorKind, Result};

const XML_NAMESPACE: &str = "http://www.w3.org/XML/1998/namespace";

fn invalid(label: &str, why: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::InvalidPackage, format!("{label}: nuspec: {why}"))
}

/// Decodes manifest bytes: UTF-8 (with or without a byte-order mark) or UTF-16 with one.
// TODO(xml-encodings): an `encoding="windows-1252"` (or other) declaration without a BOM is
// read as UTF-8, where .NET would honour it; no corpus package needs it.
pub(super) fn decode(bytes: &[u8], label: &str) -> Result<String> {
    let utf16 = |bytes: &[u8], big_endian: bool| {
        if bytes.len() % 2 != 0 {
            // A half code unit at the end is a damaged file, not a character to drop.
            return Err(invalid(
                label,
                format!(
                    "UTF-16 text of an odd number of bytes ({})",
                    bytes.len() + 2
                ),
            ));
        }
        let units = bytes.chunks_exact(2).map(|c| {
            let pair = [c[0], c[1]];
            if big_endian {
                u16::from_be_bytes(pair)
            } else {
                u16::from_le_bytes(pair)
            }
        });
        char::decode_utf16(units)
            .collect::<std::result::Result<String, _>>()
            .map_err(|err| invalid(label, format!("not valid UTF-16: {err}")))
    };
    match bytes {
        [0xef, 0xbb, 0xbf, rest @ ..] => utf8(rest, label),
        [0xff, 0xfe, rest @ ..] => utf16(rest, false),
        [0xfe, 0xff, rest @ ..] => utf16(rest, true),
        _ => utf8(bytes, label),
    }
}

fn utf8(bytes: &[u8], label: &str) -> Result<String> {
    String::from_utf8(bytes.to_vec())
        .map_err(|err| invalid(label, format!("not valid UTF-8: {err}")))
}

/// The most XML nodes (elements, text, comments...) a manifest may have; real ones have a few
/// hundred.
pub(super) const MAX_NODES: u32 = 500_000;

/// Parses the document; DTDs are refused, as .NET's `XmlReader` refuses them by default.
/// Shapes no real manifest has and that would make parsing slow are refused first (see
/// [`xml_shape`](super::xml_shape)), as are documents of more than [`MAX_NODES`] nodes.
pub(super) fn parse<'a>(text: &'a str, label: &str) -> Result<Document<'a>> {
    if let Some(why) = super::xml_shape::check(text) {
        return Err(invalid(label, format!("refused before parsing: {why}")));
    }
    let options = ParsingOptions {
        allow_dtd: false,
        nodes_limit: MAX_NODES,
        ..ParsingOptions::default()
    };
    Document::parse_with_options(text, options).map_err(|err| match err {
        roxmltree::Error::NodesLimitReached => {
            invalid(label, format!("more than {MAX_NODES} XML nodes"))
        }
        err => invalid(label, err),
    })
}

/// The default namespace in scope at `node` (`None` for no namespace).
pub(super) fn default_namespace<'a>(node: Node<'a, '_>) -> Option<&'a str> {
    node.lookup_namespace_uri(None).filter(|ns| !ns.is_empty())
}

/// The child elements of `node` named `name` in namespace `ns`.
pub(super) fn children<'a, 'i>(
    node: Node<'a, 'i>,
    ns: Option<&'a str>,
    name: &'a str,
) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    node.children().filter(move |child| {
        child.is_element()
            && child.tag_name().name() == name
            && child.tag_name().namespace().filter(|n| !n.is_empty()) == ns
    })
}

/// The first child element of `node` named `name` in the default namespace of `node`.
pub(super) fn child<'a, 'i>(node: Node<'a, 'i>, name: &'a str) -> Option<Node<'a, 'i>> {
    children(node, default_namespace(node), name).next()
}

/// The no-namespace attribute `name`.
pub(super) fn attribute<'a>(node: Node<'a, '_>, name: &str) -> Option<&'a str> {
    node.attribute(name)
}

/// True when some element child exists (`XElement.HasElements`).
pub(super) fn has_elements(node: Node<'_, '_>) -> bool {
    node.children().any(|c| c.is_element())
}

/// `XElement.Value`: the text of all descendants, without the whitespace-only text nodes an
/// `XmlReader` with `IgnoreWhitespace` drops (kept under `xml:space="preserve"`).
pub(super) fn value(node: Node<'_, '_>) -> String {
    let mut text = String::new();
    for descendant in node.descendants().filter(|d| d.is_text()) {
        let content = descendant.text().unwrap_or("");
        let whitespace_only = content
            .chars()
            .all(|c| matches!(c, ' ' | '\t' | '\r' | '\n'));
        if !whitespace_only || preserves_space(descendant) {
            text.push_str(content);
        }
    }
    text
}

fn preserves_space(node: Node<'_, '_>) -> bool {
    node.ancestors()
        .filter(|a| a.is_element())
        .find_map(|a| a.attribute((XML_NAMESPACE, "space")))
        .is_some_and(|space| space == "preserve")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_boms() {
        assert_eq!(decode(b"\xef\xbb\xbf<a/>", "t").unwrap(), "<a/>");
        assert_eq!(
            decode(b"\xff\xfe<\x00a\x00/\x00>\x00", "t").unwrap(),
            "<a/>"
        );
        assert!(decode(b"\xff\xfe\x00\xd8", "t").is_err());
        assert_eq!(
            decode(b"\xfe\xff\x00<\x00a\x00/\x00>", "t").unwrap(),
            "<a/>"
        );
    }

    #[test]
    fn odd_length_utf16_is_an_error() {
        let odd = decode(b"\xff\xfe<\x00a\x00/\x00>\x00\x20", "t").unwrap_err();
        assert_eq!(odd.kind(), ErrorKind::InvalidPackage);
        assert!(odd.message().contains("odd number of bytes (11)"), "{odd}");
    }

    #[test]
    fn values_drop_whitespace_only_text() {
        let doc = parse(
            "<a><b>  </b><c> x <!-- y --> z</c><d xml:space='preserve'> </d></a>",
            "t",
        )
        .unwrap();
        let root = doc.root_element();
        assert_eq!(value(child(root, "b").unwrap()), "");
        assert_eq!(value(child(root, "c").unwrap()), " x  z");
        assert_eq!(value(child(root, "d").unwrap()), " ");
    }
}
