//! Archives whose central directory names an entry more than once, opened as NuGet opens them.
//!
//! NuGet.Client reads a package through .NET's `ZipArchive`, which keeps every record:
//! `GetFiles()` lists a duplicated name as often as the directory holds it, in directory order,
//! and a read by name (`LookupEntry`, `ZipArchive.GetEntry`) answers with the first record of
//! that name. rnuget lists the names the same way. It also checks every record's data, the
//! shadowed ones included: other zip readers (the zip crate, Info-ZIP's `unzip`, Python) answer
//! with the last record of a name, so each record is the content some tool will take for that
//! entry, and a bad one must not pass because rnuget looked at the other.
//!
//! Two duplicates stay refused, each with an error naming the package and the entry:
//! - a root `.nuspec`: NuGet throws on more than one root manifest (`MultipleNuspecFiles`), so
//!   such a package never installs, and which copy is the manifest would be a guess;
//! - `.signature.p7s`: NuGet's signature reader throws on a second one (NU3005), and "is it
//!   signed" and the content hash would each be answered from a record of the reader's choice.
//!   Which signature a package carries must not depend on the tool.

use std::collections::{HashMap, HashSet};
use std::io::{self, Read, Seek};

use log::warn;
use zip::ZipArchive;

use super::archive::{self, Archive, Layout, SIGNATURE_ENTRY, invalid};
use super::central_directory::{self, Record};
use super::limits::PackageLimits;
use crate::Result;

/// Reads and validates an archive the zip crate found duplicate names in; the file is
/// `file_len` bytes long.
pub(super) fn read<R: Read + Seek>(
    mut zip: ZipArchive<R>,
    label: &str,
    file_len: u64,
    limits: &PackageLimits,
) -> Result<Archive> {
    // Where the zip crate found its (one per name) entries, to check the records below against.
    let seen = (0..zip.len())
        .map(|index| zip.by_index_raw(index).map(|entry| entry.header_start()))
        .collect::<zip::result::ZipResult<Vec<u64>>>()
        .map_err(|err| invalid(label, format!("not a readable zip archive ({err})")))?;
    let (start, offset) = (zip.central_directory_start(), zip.offset());
    let mut reader = zip.into_inner();
    let records = central_directory::records(&mut reader, start, offset).map_err(|err| {
        invalid(
            label,
            format!("not a readable zip archive (central directory: {err})"),
        )
    })?;
    let starts: HashSet<u64> = records.iter().map(|r| r.header_start).collect();
    if let Some(missing) = seen.iter().find(|start| !starts.contains(start)) {
        let why = format!(
            "not a readable zip archive (central directory: no record points at the entry at \
             offset {missing})"
        );
        return Err(invalid(label, why));
    }
    let raw_names: Vec<Vec<u8>> = records.iter().map(|r| r.name.clone()).collect();
    let files = archive::listed_names(&raw_names, label)?;
    refuse_ambiguous(&raw_names, &files, label)?;
    let nuspec_index = archive::root_nuspec(&files, label)?;
    let layouts = records
        .iter()
        .zip(&files)
        .map(|(record, name)| layout(&mut reader, record, name, label))
        .collect::<Result<Vec<_>>>()?;
    archive::check_layout(&layouts, &files, file_len, limits, label)?;
    archive::check_nuspec_size(&layouts[nuspec_index], &files[nuspec_index], label)?;
    let mut nuspec = Vec::new();
    for (index, (record, layout)) in records.iter().zip(&layouts).enumerate() {
        let checked = if index == nuspec_index {
            central_directory::inflate(&mut reader, record, layout.data_start, &mut nuspec)
        } else {
            central_directory::inflate(&mut reader, record, layout.data_start, &mut io::sink())
        };
        checked.map_err(|err| invalid(label, format!("entry {:?}: {err}", files[index])))?;
    }
    Ok(Archive {
        signed: archive::is_signed(&raw_names),
        files,
        nuspec,
    })
}

fn layout<R: Read + Seek>(
    reader: &mut R,
    record: &Record,
    name: &str,
    label: &str,
) -> Result<Layout> {
    let data_start = central_directory::data_start(reader, record)
        .map_err(|err| invalid(label, format!("entry {name:?}: {err}")))?;
    Ok(Layout {
        size: record.size,
        compressed: record.compressed,
        start: record.header_start,
        data_start,
    })
}

/// Refuses the duplicates whose reading NuGet leaves undefined (see the module comment); warns
/// about the others, which are read as NuGet reads them.
fn refuse_ambiguous(raw_names: &[Vec<u8>], files: &[String], label: &str) -> Result<()> {
    let mut counts: HashMap<&[u8], usize> = HashMap::new();
    for raw in raw_names {
        *counts.entry(raw.as_slice()).or_default() += 1;
    }
    let mut warned = HashSet::new();
    for (raw, name) in raw_names.iter().zip(files) {
        let count = counts.get(raw.as_slice()).copied().unwrap_or(1);
        if count < 2 || !warned.insert(raw.as_slice()) {
            continue;
        }
        let twice = format!("the central directory names entry {name:?} {count} times");
        if raw.as_slice() == SIGNATURE_ENTRY {
            let why = format!(
                "{twice}: a package carries at most one signature, and NuGet refuses a second"
            );
            return Err(invalid(label, why));
        }
        if archive::is_root_nuspec(name) {
            let why = format!("{twice}: NuGet refuses more than one .nuspec file at the root");
            return Err(invalid(label, why));
        }
        let read = "each copy was checked, and NuGet reads the first";
        warn!(target: "rnuget::package", "{label}: {twice}; {read}");
    }
    Ok(())
}
