//! Response bodies: `deflate` decoding (ureq decodes `gzip` itself) and copying under a cap.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::time::Instant;

use flate2::read::{DeflateDecoder, ZlibDecoder};

/// Checks a `Content-Encoding` before the body is read: one `gzip` or `deflate` (what rnuget
/// asks for), or none. Stacked codings (`gzip, gzip`) and others (`br`) are refused with the
/// reason: rnuget asked for neither, so the server broke the exchange, and decoding only the
/// outer layer would hand on bytes that are still encoded.
pub fn check_encoding(content_encoding: Option<&str>) -> Result<(), String> {
    let Some(header) = content_encoding else {
        return Ok(());
    };
    let codings: Vec<&str> = header
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty() && !c.eq_ignore_ascii_case("identity"))
        .collect();
    match codings.as_slice() {
        [] => Ok(()),
        [one]
            if ["gzip", "x-gzip", "deflate"]
                .iter()
                .any(|k| one.eq_ignore_ascii_case(k)) =>
        {
            Ok(())
        }
        [_] => Err(format!(
            "unsupported Content-Encoding {header:?} (rnuget accepts gzip and deflate)"
        )),
        _ => Err(format!(
            "stacked Content-Encoding {header:?} is not supported (one of gzip or deflate is)"
        )),
    }
}

/// The coding rnuget decodes itself for this `Content-Encoding` (`deflate`), so that a failed
/// read can be told from a transport fault; `None` when the body is sent as is or ureq decodes
/// it (`gzip`, which ureq reports as its own decompression error).
pub fn own_codec(content_encoding: Option<&str>) -> Option<&'static str> {
    content_encoding
        .is_some_and(|e| {
            e.split(',')
                .any(|part| part.trim().eq_ignore_ascii_case("deflate"))
        })
        .then_some("deflate")
}

/// Wraps a body reader so that a `Content-Encoding: deflate` body comes out decoded.
///
/// HTTP's "deflate" is meant to be zlib-wrapped (RFC 9110), but some servers send a raw deflate
/// stream; the first two bytes tell them apart, as browsers do.
pub fn decoded<'a, R: Read + 'a>(
    reader: R,
    content_encoding: Option<&str>,
) -> io::Result<Box<dyn Read + 'a>> {
    if own_codec(content_encoding).is_none() {
        return Ok(Box::new(reader));
    }
    let mut buffered = BufReader::new(reader);
    let head = buffered.fill_buf()?;
    let zlib = head.len() >= 2
        && head[0] & 0x0f == 8
        && (u16::from(head[0]) << 8 | u16::from(head[1])) % 31 == 0;
    Ok(if zlib {
        Box::new(ZlibDecoder::new(buffered))
    } else {
        Box::new(DeflateDecoder::new(buffered))
    })
}

/// Why a capped copy stopped.
#[derive(Debug)]
pub enum CopyError {
    /// Reading the body failed.
    Read(io::Error),
    /// Writing to the destination failed.
    Write(io::Error),
    /// The body is longer than the cap.
    TooLarge,
    /// The deadline passed while the body was still arriving.
    Deadline,
}

/// Copies `reader` into `writer`, failing as soon as more than `cap` bytes arrive or, when a
/// deadline is given, as soon as a read returns after it (a slow trickle cannot outlive it).
pub fn copy_capped(
    reader: &mut dyn Read,
    writer: &mut dyn Write,
    cap: u64,
    deadline: Option<Instant>,
) -> Result<u64, CopyError> {
    let mut buffer = vec![0u8; 64 * 1024];
    let mut total: u64 = 0;
    loop {
        let read = match reader.read(&mut buffer) {
            Ok(0) => return Ok(total),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(CopyError::Read(e)),
        };
        total += read as u64;
        if total > cap {
            return Err(CopyError::TooLarge);
        }
        if deadline.is_some_and(|d| Instant::now() > d) {
            return Err(CopyError::Deadline);
        }
        writer
            .write_all(&buffer[..read])
            .map_err(CopyError::Write)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::Compression;
    use flate2::write::{DeflateEncoder, ZlibEncoder};

    fn decode(bytes: &[u8], encoding: Option<&str>) -> Vec<u8> {
        let mut out = Vec::new();
        decoded(bytes, encoding)
            .unwrap()
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn deflate_bodies_decode_in_both_wrappings() {
        let text = b"{\"versions\":[\"1.0.0\"]}".repeat(20);
        let mut zlib = ZlibEncoder::new(Vec::new(), Compression::default());
        zlib.write_all(&text).unwrap();
        let mut raw = DeflateEncoder::new(Vec::new(), Compression::default());
        raw.write_all(&text).unwrap();
        assert_eq!(decode(&zlib.finish().unwrap(), Some("deflate")), text);
        assert_eq!(decode(&raw.finish().unwrap(), Some("Deflate")), text);
        assert_eq!(decode(&text, None), text);
        assert_eq!(decode(&text, Some("identity")), text);
    }

    #[test]
    fn one_known_encoding_passes_stacked_or_unknown_ones_do_not() {
        for ok in [
            None,
            Some("gzip"),
            Some("Deflate"),
            Some("identity"),
            Some("gzip, identity"),
        ] {
            assert_eq!(check_encoding(ok), Ok(()), "{ok:?}");
        }
        let stacked = check_encoding(Some("gzip, gzip")).unwrap_err();
        assert!(
            stacked.contains("stacked Content-Encoding \"gzip, gzip\""),
            "{stacked}"
        );
        let unknown = check_encoding(Some("br")).unwrap_err();
        assert!(
            unknown.contains("unsupported Content-Encoding \"br\""),
            "{unknown}"
        );
    }

    #[test]
    fn copies_stop_past_the_cap() {
        let mut out = Vec::new();
        assert_eq!(
            copy_capped(&mut &b"12345"[..], &mut out, 5, None).unwrap(),
            5
        );
        assert!(matches!(
            copy_capped(&mut &b"123456"[..], &mut Vec::new(), 5, None),
            Err(CopyError::TooLarge)
        ));
    }

    #[test]
    fn a_body_still_arriving_after_the_deadline_fails() {
        let past = Instant::now() - std::time::Duration::from_millis(1);
        assert!(matches!(
            copy_capped(&mut &b"12345"[..], &mut Vec::new(), 100, Some(past)),
            Err(CopyError::Deadline)
        ));
    }
}
