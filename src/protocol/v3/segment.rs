//! Ids and versions as path segments of the URLs rnuget builds (registration, flat container).

use crate::cache::naming;
use crate::version::NuGetVersion;

/// Appends `id` lower-cased, with every byte that may not stand in a path segment as it is
/// (letters outside ASCII, `/`, `?`, `#`, `%`, spaces) percent-encoded as UTF-8.
///
/// NuGet's id rule allows letters outside ASCII, and .NET's `Uri`, which NuGet.Client's URLs go
/// through, sends those percent-encoded; a raw byte above 0x7F in the request line is refused
/// by strict servers. Encoding `/`, `?` and `#` too keeps an invalid id inside its segment.
pub fn push_id(out: &mut String, id: &str) {
    if id.bytes().all(is_segment_byte) {
        naming::push_lower_id(out, id);
        return;
    }
    let mut lower = String::with_capacity(id.len());
    naming::push_lower_id(&mut lower, id);
    push_escaped(out, &lower);
}

/// Appends the normalized version, lower-cased (no `+metadata`), escaped as [`push_id`] does.
pub fn push_version(out: &mut String, version: &NuGetVersion) {
    let normalized = version.to_normalized_string().to_lowercase();
    push_escaped(out, &normalized);
}

fn push_escaped(out: &mut String, text: &str) {
    for byte in text.bytes() {
        if is_segment_byte(byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
}

/// RFC 3986 `pchar` without `%` and `:`: the bytes a segment may hold unencoded.
fn is_segment_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=@".contains(&byte)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_lowered_and_escaped_versions_normalized() {
        let mut out = String::new();
        push_id(&mut out, "My.Package_1");
        out.push('|');
        push_id(&mut out, "Ünï Code/x?#%");
        out.push('|');
        push_version(
            &mut out,
            &NuGetVersion::parse("1.0.0.0-RC.1+Git.Sha").unwrap(),
        );
        assert_eq!(
            out,
            "my.package_1|%C3%BCn%C3%AF%20code%2Fx%3F%23%25|1.0.0-rc.1"
        );
    }
}
