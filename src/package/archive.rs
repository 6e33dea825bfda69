//! Opening a `.nupkg` as a whole: the central directory must be readable, every entry must
//! decompress with its CRC intact, no entry name may leave the package folder (`..`, absolute or
//! drive paths), and there must be exactly one `.nuspec` at the root. Nothing is handed out before
//! all of that holds.

use std::io::{self, Read, Seek};

use zip::ZipArchive;

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

fn invalid(label: &str, why: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::InvalidPackage, format!("{label}: {why}"))
}

/// Reads and validates the whole archive.
pub(super) fn read<R: Read + Seek>(reader: R, label: &str) -> Result<Archive> {
    let mut zip = ZipArchive::new(reader).map_err(|err| {
        invalid(
            label,
            format!("not a readable zip archive (central directory: {err})"),
        )
    })?;
    // TODO(duplicate-entries): NuGet lists both entries of a duplicated name; the zip crate keeps
    // one, so rnuget refuses such archives instead (which also closes a known zip ambiguity).
    if zip.has_duplicate_names() {
        return Err(invalid(
            label,
            "the central directory names an entry more than once",
        ));
    }
    let raw_names: Vec<Vec<u8>> = zip.file_names_raw().map(<[u8]>::to_vec).collect();
    let mut files = Vec::with_capacity(raw_names.len());
    for raw in &raw_names {
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
    // The cheap checks first: a zip that is no package is refused without decompressing it.
    let nuspec_index = root_nuspec(&files, label)?;
    for (index, name) in files.iter().enumerate() {
        check_entry(&mut zip, index)
            .map_err(|err| invalid(label, format!("entry {name:?}: {err}")))?;
    }
    let nuspec = read_nuspec(&mut zip, nuspec_index)
        .map_err(|err| invalid(label, format!("entry {:?}: {err}", files[nuspec_index])))?;
    let signed = raw_names.iter().any(|raw| raw == b".signature.p7s");
    Ok(Archive {
        files,
        nuspec,
        signed,
    })
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

/// Decompresses one entry to nowhere, which checks its local header, its data and its CRC.
fn check_entry<R: Read + Seek>(zip: &mut ZipArchive<R>, index: usize) -> io::Result<()> {
    let mut entry = zip.by_index(index).map_err(io::Error::other)?;
    io::copy(&mut entry, &mut io::sink())?;
    Ok(())
}

/// The index of the one `.nuspec` at the root (no `/` or `\` in its name).
fn root_nuspec(files: &[String], label: &str) -> Result<usize> {
    let mut manifests = files.iter().enumerate().filter(|(_, name)| {
        !name.contains(['/', '\\']) && name.to_ascii_lowercase().ends_with(".nuspec")
    });
    match (manifests.next(), manifests.next()) {
        (Some((index, _)), None) => Ok(index),
        (None, _) => Err(invalid(label, "no .nuspec file at the root of the package")),
        (Some((_, first)), Some((_, second))) => Err(invalid(
            label,
            format!("more than one .nuspec file at the root ({first:?}, {second:?}, ...)"),
        )),
    }
}

fn read_nuspec<R: Read + Seek>(zip: &mut ZipArchive<R>, index: usize) -> io::Result<Vec<u8>> {
    let entry = zip.by_index(index).map_err(io::Error::other)?;
    let mut bytes = Vec::new();
    entry.take(MAX_NUSPEC_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_NUSPEC_BYTES {
        return Err(io::Error::other(format!(
            "the manifest is larger than {MAX_NUSPEC_BYTES} bytes"
        )));
    }
    Ok(bytes)
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
