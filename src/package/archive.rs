//! Opening a `.nupkg` as a whole: the central directory must be readable, no entry name may
//! leave the package folder (`..`, absolute or drive paths), there must be exactly one `.nuspec`
//! at the root, entries must not share bytes and their declared sizes must stay within
//! [`PackageLimits`], and every entry must decompress to exactly its declared size with its CRC
//! intact. Nothing is handed out before all of that holds. An archive that names an entry more
//! than once is read record by record instead (`duplicate_entries.rs`).

use std::io::{self, Read, Seek, SeekFrom, Write};

use zip::ZipArchive;

use super::duplicate_entries;
use super::limits::PackageLimits;
use crate::framework::text::unescape_data_string;
use crate::{Error, ErrorKind, Result};

/// A manifest bigger than this is refused rather than held in memory.
const MAX_NUSPEC_BYTES: u64 = 16 * 1024 * 1024;

/// What a validated archive yields.
pub(super) struct Archive {
    /// Entry names as NuGet lists them (`%XX` unescaped), in central directory order.
    pub files: Vec<String>,
    /// The bytes of the root `.nuspec`.
    pub nuspec: Vec<u8>,
    /// True when the package has a `.signature.p7s` entry.
    pub signed: bool,
}

/// The name of the signature entry of a signed package.
pub(super) const SIGNATURE_ENTRY: &[u8] = b".signature.p7s";

pub(super) fn invalid(label: &str, why: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::InvalidPackage, format!("{label}: {why}"))
}

/// Reads and validates the whole archive.
pub(super) fn read<R: Read + Seek>(
    mut reader: R,
    label: &str,
    limits: &PackageLimits,
) -> Result<Archive> {
    let file_len = reader
        .seek(SeekFrom::End(0))
        .map_err(|err| invalid(label, format!("cannot read the package ({err})")))?;
    let mut zip = ZipArchive::new(reader).map_err(|err| {
        invalid(
            label,
            format!("not a readable zip archive (central directory: {err})"),
        )
    })?;
    if zip.has_duplicate_names() {
        return duplicate_entries::read(zip, label, file_len, limits);
    }
    let raw_names: Vec<Vec<u8>> = zip.file_names_raw().map(<[u8]>::to_vec).collect();
    let files = listed_names(&raw_names, label)?;
    // The cheap checks first: a zip that is no package, or whose directory declares more than
    // the limits allow, is refused without decompressing anything.
    let nuspec_index = root_nuspec(&files, label)?;
    let layouts = (0..files.len())
        .map(|index| {
            let entry = zip
                .by_index_raw(index)
                .map_err(|err| invalid(label, format!("entry {:?}: {err}", files[index])))?;
            let start = entry.header_start();
            // The local header has been read, so its end is known; a fixed header is 30 bytes.
            let data_start = entry.data_start().unwrap_or(start.saturating_add(30));
            Ok(Layout {
                size: entry.size(),
                compressed: entry.compressed_size(),
                start,
                data_start,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    check_layout(&layouts, &files, file_len, limits, label)?;
    check_nuspec_size(&layouts[nuspec_index], &files[nuspec_index], label)?;
    let mut nuspec = Vec::new();
    for (index, name) in files.iter().enumerate() {
        let checked = if index == nuspec_index {
            check_entry(&mut zip, index, &mut nuspec)
        } else {
            check_entry(&mut zip, index, &mut io::sink())
        };
        checked.map_err(|err| invalid(label, format!("entry {name:?}: {err}")))?;
    }
    Ok(Archive {
        signed: is_signed(&raw_names),
        files,
        nuspec,
    })
}

/// The names NuGet lists (`GetFiles()`: `%XX` unescaped), each checked to stay inside the
/// package folder, raw or unescaped.
pub(super) fn listed_names(raw_names: &[Vec<u8>], label: &str) -> Result<Vec<String>> {
    let mut files = Vec::with_capacity(raw_names.len());
    for raw in raw_names {
        // .NET decodes names without the UTF-8 flag as UTF-8 too (Mono and .NET Core).
        let name = String::from_utf8_lossy(raw).into_owned();
        let unescaped = if name.contains('%') {
            unescape_data_string(&name)
        } else {
            name.clone()
        };
        if let Some(why) = unsafe_name(&name).or_else(|| unsafe_name(&unescaped)) {
            return Err(invalid(label, format!("entry {name:?} {why}")));
        }
        files.push(unescaped);
    }
    Ok(files)
}

/// Whether the package carries a signature entry.
pub(super) fn is_signed(raw_names: &[Vec<u8>]) -> bool {
    raw_names.iter().any(|raw| raw == SIGNATURE_ENTRY)
}

/// A manifest too big to hold in memory is refused before it is inflated.
pub(super) fn check_nuspec_size(layout: &Layout, name: &str, label: &str) -> Result<()> {
    if layout.size > MAX_NUSPEC_BYTES {
        let why = format!("the manifest is larger than {MAX_NUSPEC_BYTES} bytes");
        return Err(invalid(label, format!("entry {name:?}: {why}")));
    }
    Ok(())
}

/// Why an entry name is unsafe to extract, if it is.
fn unsafe_name(name: &str) -> Option<&'static str> {
    let bytes = name.as_bytes();
    if name.contains('\0') {
        return Some("contains a NUL character");
    }
    if name.starts_with(['/', '\\']) {
        return Some("is an absolute path");
    }
    if bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
        return Some("starts with a drive letter");
    }
    if name.split(['/', '\\']).any(|segment| segment == "..") {
        return Some("climbs out of the package folder with '..'");
    }
    None
}

/// Where one entry lies in the file and what its directory record declares.
pub(super) struct Layout {
    /// Uncompressed size.
    pub size: u64,
    pub compressed: u64,
    /// Where its local header starts.
    pub start: u64,
    /// Where its compressed data starts, after the local header.
    pub data_start: u64,
}

/// Checks what the central directory declares: every entry's data must end inside the file
/// (`file_len` bytes: a compressed size claimed past the end would make any ratio look
/// harmless), no two entries may share bytes (a bomb points hundreds of entries at one deflated
/// stream), and the declared sizes and compression ratios must stay within `limits`.
pub(super) fn check_layout(
    layouts: &[Layout],
    files: &[String],
    file_len: u64,
    limits: &PackageLimits,
    label: &str,
) -> Result<()> {
    let (mut total, mut total_compressed) = (0u64, 0u64);
    for (layout, name) in layouts.iter().zip(files) {
        let entry_error = |why: String| invalid(label, format!("entry {name:?}: {why}"));
        let (size, compressed) = (layout.size, layout.compressed);
        let end = layout.data_start.checked_add(compressed);
        if end.is_none_or(|end| end > file_len) {
            return Err(entry_error(format!(
                "declares {compressed} compressed bytes from offset {}, past the end of the \
                 file ({file_len} bytes)",
                layout.data_start
            )));
        }
        if size > limits.max_entry_size {
            return Err(entry_error(format!(
                "declares {size} bytes uncompressed, over the limit of {} per entry",
                limits.max_entry_size
            )));
        }
        if let Some(why) = limits.ratio_excess(size, compressed) {
            return Err(entry_error(why));
        }
        total = total.saturating_add(size);
        total_compressed = total_compressed.saturating_add(compressed);
    }
    if total > limits.max_total_size {
        return Err(invalid(
            label,
            format!(
                "the entries declare {total} bytes uncompressed in all, over the limit of {}",
                limits.max_total_size
            ),
        ));
    }
    if let Some(why) = limits.ratio_excess(total, total_compressed) {
        return Err(invalid(label, format!("the archive as a whole: {why}")));
    }
    // Each entry's bytes: its local header, then its compressed data.
    let mut spans: Vec<(u64, u64, usize)> = layouts
        .iter()
        .enumerate()
        .map(|(index, l)| (l.start, l.data_start.saturating_add(l.compressed), index))
        .collect();
    spans.sort_unstable();
    if let Some(pair) = spans.windows(2).find(|pair| pair[0].1 > pair[1].0) {
        return Err(invalid(
            label,
            format!(
                "entries {:?} and {:?} overlap in the file (a zip bomb?)",
                files[pair[0].2], files[pair[1].2]
            ),
        ));
    }
    Ok(())
}

/// Decompresses one entry into `out`, which checks its local header, its data and its CRC, and
/// that it yields exactly the size it declares: inflating stops one byte past that size.
fn check_entry<R: Read + Seek>(
    zip: &mut ZipArchive<R>,
    index: usize,
    out: &mut impl Write,
) -> io::Result<()> {
    let entry = zip.by_index(index).map_err(io::Error::other)?;
    let declared = entry.size();
    let inflated = io::copy(&mut entry.take(declared.saturating_add(1)), out)?;
    if inflated > declared {
        return Err(io::Error::other(format!(
            "inflates to more than the {declared} bytes its directory entry declares"
        )));
    }
    if inflated < declared {
        return Err(io::Error::other(format!(
            "inflates to {inflated} bytes where its directory entry declares {declared}"
        )));
    }
    Ok(())
}

/// Whether a listed name is a manifest at the root (no `/` or `\` in it), as NuGet tells.
pub(super) fn is_root_nuspec(name: &str) -> bool {
    !name.contains(['/', '\\']) && name.to_ascii_lowercase().ends_with(".nuspec")
}

/// The index of the one `.nuspec` at the root.
pub(super) fn root_nuspec(files: &[String], label: &str) -> Result<usize> {
    let mut manifests = files
        .iter()
        .enumerate()
        .filter(|(_, name)| is_root_nuspec(name));
    match (manifests.next(), manifests.next()) {
        (Some((index, _)), None) => Ok(index),
        (None, _) => Err(invalid(label, "no .nuspec file at the root of the package")),
        (Some((_, first)), Some((_, second))) => Err(invalid(
            label,
            format!("more than one .nuspec file at the root ({first:?}, {second:?}, ...)"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_names_are_found() {
        assert!(unsafe_name("lib/net45/a.dll").is_none());
        assert!(unsafe_name("lib/..a/b").is_none());
        assert!(unsafe_name("../a").is_some());
        assert!(unsafe_name("lib\\..\\a").is_some());
        assert!(unsafe_name("/etc/passwd").is_some());
        assert!(unsafe_name("C:/x").is_some());
    }

    #[test]
    fn one_root_nuspec() {
        let files = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        assert_eq!(
            root_nuspec(&files(&["a/b.nuspec", "A.NUSPEC"]), "p").unwrap(),
            1
        );
        assert!(root_nuspec(&files(&["a/b.nuspec"]), "p").is_err());
        assert!(root_nuspec(&files(&["a.nuspec", "b.nuspec"]), "p").is_err());
    }
}
