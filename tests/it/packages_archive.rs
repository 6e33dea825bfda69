//! A package is validated as a whole zip before anyone sees it: the zip edge cases of the corpus,
//! packages cut short, entries that would leave the package folder, and manifests missing or
//! doubled all give an `InvalidPackage` error that names the package, never a panic.

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

use rnuget::ErrorKind;
use rnuget::package::{PackageLimits, PackageReader};
use zip::write::SimpleFileOptions;

use crate::support::{self, tsv};

mod duplicates;

const NUSPEC: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd">
  <metadata>
    <id>Test.Package</id>
    <version>1.0.0</version>
    <authors>rnuget</authors>
    <description>A package built by the test.</description>
  </metadata>
</package>"#;

/// A zip with the given entries (name, content), deflated.
fn build_zip(entries: &[(&str, &str)]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, content) in entries {
        writer
            .start_file(*name, SimpleFileOptions::default())
            .expect("the test zip accepts the entry");
        writer
            .write_all(content.as_bytes())
            .expect("writes to memory");
    }
    writer
        .finish()
        .expect("the test zip is finished")
        .into_inner()
}

/// Opens a package held in memory both ways, owned and borrowed, and checks that they agree
/// (the same error, or the same package): every test here then holds for both.
fn open_with_limits(
    bytes: Vec<u8>,
    label: &str,
    limits: &PackageLimits,
) -> rnuget::Result<PackageReader> {
    let borrowed = PackageReader::from_slice_with_limits(&bytes, label, limits);
    let owned = PackageReader::from_bytes_with_limits(bytes, label, limits);
    match (&owned, &borrowed) {
        (Ok(owned), Ok(borrowed)) => {
            assert_eq!(owned.sha512(), borrowed.sha512(), "{label}");
            assert_eq!(owned.files(), borrowed.files(), "{label}");
            assert_eq!(owned.nuspec().id, borrowed.nuspec().id, "{label}");
        }
        (Err(owned), Err(borrowed)) => assert_eq!(owned.to_string(), borrowed.to_string()),
        _ => panic!("{label}: opened owned {owned:?}, borrowed {borrowed:?}"),
    }
    owned
}

/// [`open_with_limits`] within the default limits.
fn open(bytes: Vec<u8>, label: &str) -> rnuget::Result<PackageReader> {
    open_with_limits(bytes, label, &PackageLimits::DEFAULT)
}

fn assert_invalid(result: rnuget::Result<PackageReader>, label: &str, why: &str) {
    let err = result.expect_err(why);
    assert_eq!(err.kind(), ErrorKind::InvalidPackage, "{why}: {err}");
    assert!(
        err.to_string().contains(label),
        "{why}: the error names {label}: {err}"
    );
}

/// A directory of its own under the system temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("rnuget-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temporary directory");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn a_package_built_here_opens() {
    let bytes = build_zip(&[("Test.Package.nuspec", NUSPEC), ("lib/net45/a.dll", "x")]);
    let package = open(bytes, "built.nupkg").expect("a valid package opens");
    assert_eq!(package.nuspec().id, "Test.Package");
    assert_eq!(package.files(), ["Test.Package.nuspec", "lib/net45/a.dll"]);
    let frameworks = package.supported_frameworks().unwrap();
    assert_eq!(
        frameworks,
        [rnuget::framework::NuGetFramework::parse("net45").unwrap()]
    );
}

#[test]
fn entries_that_leave_the_package_folder_are_rejected() {
    let bad_names = [
        "../evil.dll",
        "lib/../../evil.dll",
        "lib\\..\\..\\evil.dll",
        "/etc/evil",
        "\\evil.dll",
        "C:/Windows/evil.dll",
        "c:evil.dll",
        "%2e%2e/evil.dll",
        "lib/%2E%2E/%2E%2E/evil.dll",
    ];
    for name in bad_names {
        let bytes = build_zip(&[("Test.Package.nuspec", NUSPEC), (name, "x")]);
        let label = format!("unsafe-{}.nupkg", name.len());
        let result = open(bytes, &label);
        let why = format!("entry {name:?} must be rejected");
        let message = result
            .as_ref()
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(message.contains("entry"), "{why} for its name: {message}");
        assert_invalid(result, &label, &why);
    }
}

#[test]
fn exactly_one_root_nuspec_is_required() {
    let none = build_zip(&[
        ("lib/net45/a.dll", "x"),
        ("sub/Test.Package.nuspec", NUSPEC),
    ]);
    let result = open(none, "none.nupkg");
    assert_invalid(result, "none.nupkg", "a package without a root nuspec");
    let two = build_zip(&[("a.nuspec", NUSPEC), ("B.NUSPEC", NUSPEC)]);
    assert_invalid(open(two, "two.nupkg"), "two.nupkg", "two root nuspecs");
    let broken = build_zip(&[("a.nuspec", "<package><metadata><id>x</id>")]);
    let result = open(broken, "broken.nupkg");
    assert_invalid(result, "broken.nupkg", "a nuspec that is not XML");
}

#[test]
fn corrupted_entry_data_is_rejected() {
    let content = "some content that deflate will compress, compress, compress, compress";
    let mut bytes = build_zip(&[("Test.Package.nuspec", NUSPEC), ("lib/a.txt", content)]);
    // Flip a byte inside the second entry's compressed data (after its 30-byte local header
    // and name): the CRC no longer matches.
    let second = bytes
        .windows(4)
        .enumerate()
        .filter(|(_, w)| *w == [0x50, 0x4b, 0x03, 0x04])
        .nth(1)
        .map(|(at, _)| at)
        .expect("two local headers");
    bytes[second + 30 + "lib/a.txt".len() + 2] ^= 0xff;
    let result = open(bytes, "corrupt.nupkg");
    assert_invalid(result, "corrupt.nupkg", "a package with a corrupted entry");
}

/// The offset of the central directory, from the end-of-central-directory record.
fn central_directory_offset(bytes: &[u8]) -> usize {
    let eocd = bytes
        .windows(4)
        .rposition(|w| w == [0x50, 0x4b, 0x05, 0x06])
        .expect("an end of central directory record");
    u32::from_le_bytes(bytes[eocd + 16..eocd + 20].try_into().unwrap()) as usize
}

#[test]
fn a_package_cut_before_its_central_directory_names_the_package() {
    let Some(corpus) = support::corpus_dir() else {
        return;
    };
    let source = corpus.join("nupkgs").join("Newtonsoft.Json.12.0.3.nupkg");
    let bytes = std::fs::read(&source).expect("the corpus package is readable");
    let dir = TempDir::new("truncated");
    let cut = central_directory_offset(&bytes) - 1;
    for (name, len) in [
        ("cut-before-directory.nupkg", cut),
        ("cut-in-half.nupkg", bytes.len() / 2),
    ] {
        let path = dir.0.join(name);
        std::fs::write(&path, &bytes[..len]).expect("the temporary copy is written");
        let result = PackageReader::open(&path);
        assert_invalid(result, &path.display().to_string(), "a truncated package");
        // In memory too, as a download into memory is checked.
        assert_invalid(
            open(bytes[..len].to_vec(), name),
            name,
            "a truncated package",
        );
    }
    // The whole copy opens, so the failures above come from the cut alone.
    let whole = dir.0.join("whole.nupkg");
    std::fs::write(&whole, &bytes).unwrap();
    PackageReader::open(&whole).expect("the uncut copy opens");
}

#[test]
fn a_missing_file_is_an_io_error_naming_it() {
    let path = Path::new("/nonexistent/rnuget/missing.nupkg");
    let err = PackageReader::open(path).expect_err("no such file");
    assert_eq!(err.kind(), ErrorKind::Io);
    assert!(err.to_string().contains("missing.nupkg"), "{err}");
}

/// Every file of `zips/` is handled without a panic: the zips (NuGet's zip and signature edge
/// cases) are read as zips and refused for having no manifest; the other files (signatures) are
/// refused as not being zips at all.
#[test]
fn corpus_zip_edge_cases_are_refused_cleanly() {
    let Some(corpus) = support::corpus_dir() else {
        return;
    };
    let zips = corpus.join("zips");
    let sources = tsv::Table::read(&support::required_file(&zips, "SOURCES.tsv"));
    let mut diffs = tsv::Diffs::new("zips/SOURCES.tsv");
    for row in sources.rows() {
        let file = row.get("file");
        let path = zips.join(file);
        let result = std::panic::catch_unwind(|| PackageReader::open(&path));
        let expected = if file.ends_with(".zip") {
            "no .nuspec file at the root"
        } else {
            "not a readable zip archive"
        };
        let difference = match result {
            Err(_) => Some(format!("{file}: panicked")),
            Ok(Ok(_)) => Some(format!("{file}: opened as a package")),
            Ok(Err(err)) => {
                let text = err.to_string();
                let right = err.kind() == ErrorKind::InvalidPackage
                    && text.contains(file)
                    && text.contains(expected);
                (!right).then(|| format!("{file}: expected {expected:?}, got {text}"))
            }
        };
        diffs.check(difference);
    }
    diffs.finish();
}

/// Bytes deflate cannot shrink (a xorshift stream), so only the test's own edits make an entry
/// look like a bomb.
fn noise(len: usize) -> Vec<u8> {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

/// A zip of binary entries, deflated.
fn build_binary_zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, content) in entries {
        writer
            .start_file(*name, SimpleFileOptions::default())
            .expect("the test zip accepts the entry");
        writer.write_all(content).expect("writes to memory");
    }
    writer
        .finish()
        .expect("the test zip is finished")
        .into_inner()
}

/// A zip split at its central directory, so that a test can rewrite the directory records.
struct Directory {
    /// Everything before the central directory: local headers and data.
    body: Vec<u8>,
    /// One central directory record per entry, as written.
    records: Vec<Vec<u8>>,
}

impl Directory {
    fn split(bytes: &[u8]) -> Directory {
        let start = central_directory_offset(bytes);
        let mut records = Vec::new();
        let mut at = start;
        while bytes[at..].starts_with(&[0x50, 0x4b, 0x01, 0x02]) {
            let field = |offset: usize| {
                u16::from_le_bytes([bytes[at + offset], bytes[at + offset + 1]]) as usize
            };
            let len = 46 + field(28) + field(30) + field(32);
            records.push(bytes[at..at + len].to_vec());
            at += len;
        }
        Directory {
            body: bytes[..start].to_vec(),
            records,
        }
    }

    /// The record of the entry called `name`.
    fn record(&self, name: &str) -> &Vec<u8> {
        self.records
            .iter()
            .find(|r| &r[46..46 + name.len()] == name.as_bytes())
            .expect("the entry is in the directory")
    }

    /// A copy of a record under another name of the same length.
    fn renamed(record: &[u8], name: &str) -> Vec<u8> {
        let mut copy = record.to_vec();
        copy[46..46 + name.len()].copy_from_slice(name.as_bytes());
        copy
    }

    /// Sets the uncompressed size a record declares.
    fn set_size(record: &mut [u8], size: u32) {
        record[24..28].copy_from_slice(&size.to_le_bytes());
    }

    /// Sets the compressed size a record declares.
    fn set_compressed(record: &mut [u8], size: u32) {
        record[20..24].copy_from_slice(&size.to_le_bytes());
    }

    /// The zip again, with a fresh end-of-central-directory record.
    fn join(&self) -> Vec<u8> {
        let mut bytes = self.body.clone();
        let directory: Vec<u8> = self.records.concat();
        let count = self.records.len() as u16;
        bytes.extend_from_slice(&directory);
        bytes.extend_from_slice(&[0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0]);
        bytes.extend_from_slice(&count.to_le_bytes());
        bytes.extend_from_slice(&count.to_le_bytes());
        bytes.extend_from_slice(&(directory.len() as u32).to_le_bytes());
        bytes.extend_from_slice(&(self.body.len() as u32).to_le_bytes());
        bytes.extend_from_slice(&[0, 0]);
        bytes
    }
}

fn assert_invalid_because(result: rnuget::Result<PackageReader>, label: &str, because: &[&str]) {
    let why = because.join(" ");
    let message = result
        .as_ref()
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    for part in because {
        assert!(
            message.contains(part),
            "{label}: expected {part:?} in {message:?}"
        );
    }
    assert_invalid(result, label, &why);
}

#[test]
fn entries_sharing_one_stream_are_rejected() {
    // The bomb shape: many directory entries pointing at the same local header and data.
    let data = noise(64 * 1024);
    let bytes = build_binary_zip(&[
        ("Test.Package.nuspec", NUSPEC.as_bytes()),
        ("lib/a.bin", &data),
    ]);
    let mut directory = Directory::split(&bytes);
    let shared = directory.record("lib/a.bin").clone();
    for name in ["lib/b.bin", "lib/c.bin", "lib/d.bin"] {
        directory.records.push(Directory::renamed(&shared, name));
    }
    let result = open(directory.join(), "overlap.nupkg");
    assert_invalid_because(result, "overlap.nupkg", &["\"lib/a.bin\"", "overlap"]);
}

#[test]
fn an_entry_deflated_beyond_the_ratio_limit_is_rejected() {
    let zeros = vec![0u8; 8 << 20];
    let bytes = build_binary_zip(&[
        ("Test.Package.nuspec", NUSPEC.as_bytes()),
        ("lib/zeros.bin", &zeros),
    ]);
    let result = open(bytes.clone(), "ratio.nupkg");
    assert_invalid_because(result, "ratio.nupkg", &["\"lib/zeros.bin\"", "ratio"]);
    // Allowed a higher ratio, the same package opens: the ratio alone refused it.
    let limits = PackageLimits {
        max_compression_ratio: 10_000,
        ..PackageLimits::default()
    };
    open_with_limits(bytes, "ratio.nupkg", &limits)
        .expect("the package opens under a higher ratio limit");
}

/// A bomb whose directory record claims more compressed bytes than the file holds, so that its
/// ratio looks harmless: the data of an entry must end inside the file (as .NET's reader
/// requires before it opens one), or the ratio limit means nothing.
#[test]
fn an_entry_claiming_compressed_bytes_past_the_end_of_the_file_is_rejected() {
    let zeros = vec![0u8; 8 << 20];
    let bytes = build_binary_zip(&[
        ("Test.Package.nuspec", NUSPEC.as_bytes()),
        ("lib/zeros.bin", &zeros),
    ]);
    let mut directory = Directory::split(&bytes);
    let index = directory.records.len() - 1;
    Directory::set_compressed(&mut directory.records[index], u32::MAX - 1);
    let result = open(directory.join(), "lying.nupkg");
    assert_invalid_because(
        result,
        "lying.nupkg",
        &["\"lib/zeros.bin\"", "past the end of the file"],
    );
}

#[test]
fn many_small_entries_that_expand_too_much_are_rejected() {
    // Each entry stays under the size below which a single entry's ratio is not checked; the
    // archive as a whole still expands a thousandfold.
    let zeros = vec![0u8; 512 * 1024];
    let names: Vec<String> = (0..8).map(|i| format!("lib/zeros{i}.bin")).collect();
    let mut entries: Vec<(&str, &[u8])> = vec![("Test.Package.nuspec", NUSPEC.as_bytes())];
    entries.extend(names.iter().map(|n| (n.as_str(), zeros.as_slice())));
    let result = open(build_binary_zip(&entries), "small-bombs.nupkg");
    assert_invalid_because(result, "small-bombs.nupkg", &["as a whole", "ratio"]);
}

#[test]
fn declared_sizes_over_the_limits_are_rejected_before_inflating() {
    let data = noise(200 * 1024);
    let bytes = build_binary_zip(&[
        ("Test.Package.nuspec", NUSPEC.as_bytes()),
        ("lib/a.bin", &data),
        ("lib/b.bin", &data),
    ]);
    // A directory that claims 3 GiB for one entry: over the default 1 GiB per entry.
    let mut directory = Directory::split(&bytes);
    let index = directory.records.len() - 1;
    Directory::set_size(&mut directory.records[index], 3 << 30);
    let result = open(directory.join(), "huge-entry.nupkg");
    assert_invalid_because(result, "huge-entry.nupkg", &["\"lib/b.bin\"", "per entry"]);

    let small_entries = PackageLimits {
        max_entry_size: 100 * 1024,
        ..PackageLimits::default()
    };
    let result = open_with_limits(bytes.clone(), "entry.nupkg", &small_entries);
    assert_invalid_because(result, "entry.nupkg", &["\"lib/a.bin\"", "per entry"]);
    let small_total = PackageLimits {
        max_total_size: 300 * 1024,
        ..PackageLimits::default()
    };
    let result = open_with_limits(bytes.clone(), "total.nupkg", &small_total);
    assert_invalid_because(result, "total.nupkg", &["in all"]);
    open(bytes, "fine.nupkg").expect("within the default limits it opens");
}

#[test]
fn an_entry_must_inflate_to_exactly_its_declared_size() {
    let data = noise(64 * 1024);
    let bytes = build_binary_zip(&[
        ("Test.Package.nuspec", NUSPEC.as_bytes()),
        ("lib/a.bin", &data),
    ]);
    for (declared, label, because) in [
        (1000, "undersized.nupkg", "declared"),
        (64 * 1024 + 1, "oversized.nupkg", "declares 65537"),
    ] {
        let mut directory = Directory::split(&bytes);
        let index = directory.records.len() - 1;
        Directory::set_size(&mut directory.records[index], declared);
        let result = open(directory.join(), label);
        assert_invalid_because(result, label, &["\"lib/a.bin\"", because]);
    }
}
