//! A package is validated as a whole zip before anyone sees it: the zip edge cases of the corpus,
//! packages cut short, entries that would leave the package folder, and manifests missing or
//! doubled all give an `InvalidPackage` error that names the package, never a panic.

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

use rnuget::ErrorKind;
use rnuget::package::PackageReader;
use zip::write::SimpleFileOptions;

use crate::support::{self, tsv};

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
    let package = PackageReader::from_bytes(bytes, "built.nupkg").expect("a valid package opens");
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
        let result = PackageReader::from_bytes(bytes, &label);
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
    let result = PackageReader::from_bytes(none, "none.nupkg");
    assert_invalid(result, "none.nupkg", "a package without a root nuspec");
    let two = build_zip(&[("a.nuspec", NUSPEC), ("B.NUSPEC", NUSPEC)]);
    assert_invalid(
        PackageReader::from_bytes(two, "two.nupkg"),
        "two.nupkg",
        "two root nuspecs",
    );
    let broken = build_zip(&[("a.nuspec", "<package><metadata><id>x</id>")]);
    let result = PackageReader::from_bytes(broken, "broken.nupkg");
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
    let result = PackageReader::from_bytes(bytes, "corrupt.nupkg");
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
