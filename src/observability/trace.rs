//! W3C trace context: a caller's `traceparent` (and `tracestate`), carried by every request of
//! a call with a fresh span id.
//!
//! A call takes part in the caller's trace through its
//! [`crate::cache::SourceCacheContext::with_trace`]. Each HTTP request then sends
//! `traceparent: 00-<trace id>-<fresh span id>-<flags>` and the caller's `tracestate` as is.
//! The operations of the call report [`super::Span`]s parented by the caller's span.

use super::span_id::SpanId;
use crate::{Error, ErrorKind, Result};

/// Longest `tracestate` passed on (the W3C limit is 32 members of at most 256 characters).
const MAX_TRACESTATE: usize = 512;

/// A caller's trace context, parsed from W3C `traceparent` and `tracestate` headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceContext {
    trace_id: String,
    parent_id: String,
    flags: u8,
    tracestate: Option<String>,
}

impl TraceContext {
    /// Parses `traceparent` (`00-<32 hex>-<16 hex>-<2 hex>`, lowercase, ids not all zero) and
    /// keeps `tracestate` when it is printable ASCII of at most 512 characters. Later versions
    /// than `00` are read by their first four fields, as the W3C text asks.
    pub fn parse(traceparent: &str, tracestate: Option<&str>) -> Result<TraceContext> {
        let bad = |why: &str| {
            Error::new(
                ErrorKind::InvalidArgument,
                format!("bad traceparent {:?}: {why}", shorten(traceparent)),
            )
        };
        let text = traceparent.trim();
        let fields: Vec<&str> = text.split('-').collect();
        if fields.len() < 4 {
            return Err(bad("expected version-traceid-parentid-flags"));
        }
        let (version, trace_id, parent_id, flags) = (fields[0], fields[1], fields[2], fields[3]);
        if !is_hex(version, 2) || version == "ff" {
            return Err(bad("the version is not two hex digits (or is ff)"));
        }
        if version == "00" && fields.len() != 4 {
            return Err(bad("version 00 has exactly four fields"));
        }
        if !is_hex(trace_id, 32) || trace_id.bytes().all(|b| b == b'0') {
            return Err(bad(
                "the trace id is not 32 lowercase hex digits, not all zero",
            ));
        }
        if !is_hex(parent_id, 16) || parent_id.bytes().all(|b| b == b'0') {
            return Err(bad(
                "the parent id is not 16 lowercase hex digits, not all zero",
            ));
        }
        if !is_hex(flags, 2) {
            return Err(bad("the flags are not two hex digits"));
        }
        let flags = u8::from_str_radix(flags, 16).map_err(|_| bad("bad flags"))?;
        let tracestate = tracestate
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                if s.len() > MAX_TRACESTATE || !s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
                    Err(Error::new(
                        ErrorKind::InvalidArgument,
                        "bad tracestate: printable ASCII of at most 512 characters expected",
                    ))
                } else {
                    Ok(s.to_string())
                }
            })
            .transpose()?;
        Ok(TraceContext {
            trace_id: trace_id.to_string(),
            parent_id: parent_id.to_string(),
            flags,
            tracestate,
        })
    }

    /// The 32 hex digits of the trace id.
    pub fn trace_id(&self) -> &str {
        &self.trace_id
    }

    /// The caller's span id (16 hex digits): the parent of every span of the call.
    pub fn parent_id(&self) -> &str {
        &self.parent_id
    }

    /// The trace flags (bit 0: sampled).
    pub fn flags(&self) -> u8 {
        self.flags
    }

    /// The caller's `tracestate`, passed on unchanged.
    pub fn tracestate(&self) -> Option<&str> {
        self.tracestate.as_deref()
    }

    /// The `traceparent` a request with span id `span_id` sends.
    pub fn traceparent_for(&self, span_id: &str) -> String {
        self.traceparent_with(span_id.as_bytes())
    }

    /// The `traceparent` of a request that is a span of its own under the caller's: this
    /// trace, a fresh span id ([`SpanId::fresh`]); one allocation, sent for every request of
    /// a traced call.
    pub fn child_traceparent(&self) -> String {
        self.traceparent_with(&SpanId::fresh().to_hex())
    }

    fn traceparent_with(&self, span_id: &[u8]) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut out = Vec::with_capacity(55);
        out.extend_from_slice(b"00-");
        out.extend_from_slice(self.trace_id.as_bytes());
        out.push(b'-');
        out.extend_from_slice(span_id);
        out.push(b'-');
        out.push(HEX[usize::from(self.flags >> 4)]);
        out.push(HEX[usize::from(self.flags & 0xf)]);
        // Every piece is ASCII: the trace id and flags were checked by `parse`, the span id
        // is hex (or the caller's text, passed on as it is).
        String::from_utf8(out).unwrap_or_default()
    }
}

/// Whether `text` is `len` lowercase hex digits.
pub(super) fn is_hex(text: &str, len: usize) -> bool {
    text.len() == len && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn shorten(text: &str) -> String {
    text.chars().take(80).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn a_w3c_traceparent_parses_and_children_keep_the_trace() {
        let trace = TraceContext::parse(PARENT, Some("congo=t61rcWkgMzE")).unwrap();
        assert_eq!(trace.trace_id(), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(trace.parent_id(), "00f067aa0ba902b7");
        assert_eq!(trace.flags(), 1);
        assert_eq!(trace.tracestate(), Some("congo=t61rcWkgMzE"));
        let child = trace.traceparent_for("b7ad6b7169203331");
        assert_eq!(
            child,
            "00-4bf92f3577b34da6a3ce929d0e0e4736-b7ad6b7169203331-01"
        );
        let fresh = trace.child_traceparent();
        assert_eq!(fresh.len(), 55);
        assert!(fresh.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"));
        assert!(fresh.ends_with("-01") && !fresh.contains("00f067aa0ba902b7"));
        let unsampled = TraceContext::parse(&PARENT.replace("-01", "-a0"), None).unwrap();
        assert!(unsampled.child_traceparent().ends_with("-a0"));
        // A later version may add fields; the first four are read.
        let later = "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what";
        assert!(TraceContext::parse(later, None).is_ok());
    }

    #[test]
    fn bad_traceparents_are_invalid_arguments() {
        for bad in [
            "",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",
        ] {
            let err = TraceContext::parse(bad, None).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{bad}");
        }
        let err = TraceContext::parse(PARENT, Some("a=\u{1}")).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    }
}
