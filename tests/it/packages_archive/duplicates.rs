//! Packages whose zip names an entry more than once. NuGet.Client (through .NET's
//! `ZipArchive`) lists such a name as often as the central directory holds it and reads the
//! first copy; it refuses a second root `.nuspec` and a second `.signature.p7s`.

use std::io::{Cursor, Read};

use rnuget::package::PackageReader;
use rnuget::protocol::v3::sha512_base64;

use super::{
    Directory, NUSPEC, TempDir, assert_invalid_because, build_binary_zip, build_zip, open,
};

/// `build_zip(entries)` with every `from` (an entry name) renamed to `to`, a name of the same
/// length: in its local header and in its directory record.
fn renamed_zip(entries: &[(&str, &str)], from: &str, to: &str) -> Vec<u8> {
    assert_eq!(from.len(), to.len(), "an in-place rename keeps the length");
    let mut bytes = build_zip(entries);
    let spots: Vec<usize> = bytes
        .windows(from.len())
        .enumerate()
        .filter(|(_, w)| *w == from.as_bytes())
        .map(|(at, _)| at)
        .collect();
    assert_eq!(
        spots.len(),
        2,
        "{from} is in one local header and one record"
    );
    for at in spots {
        bytes[at..at + to.len()].copy_from_slice(to.as_bytes());
    }
    bytes
}

const FIRST: &str = "the first copy, which NuGet reads";
const LAST: &str = "the last copy, which the zip crate reads";

/// Entries with `lib/net45/a.txt` twice: [`FIRST`] and then [`LAST`].
fn twice_named() -> Vec<u8> {
    let entries = [
        ("Test.Package.nuspec", NUSPEC),
        ("lib/net45/a.txt", FIRST),
        ("docs/readme.txt", "readme"),
        ("lib/net45/z.txt", LAST),
    ];
    renamed_zip(&entries, "lib/net45/z.txt", "lib/net45/a.txt")
}

/// The local header offsets in `bytes`, in file order.
fn local_headers(bytes: &[u8]) -> Vec<usize> {
    bytes
        .windows(4)
        .enumerate()
        .filter(|(_, w)| *w == [0x50, 0x4b, 0x03, 0x04])
        .map(|(at, _)| at)
        .collect()
}

/// Why rnuget reads such archives record by record: the zip crate keys entries by name, and
/// for a name listed twice it shows one entry, at the first copy's place, with the last
/// copy's data. Should a later zip crate change this, this test says so.
#[test]
fn the_zip_crate_shows_one_entry_per_name_holding_the_last_copy() {
    let mut zip = zip::ZipArchive::new(Cursor::new(twice_named())).unwrap();
    assert!(zip.has_duplicate_names());
    assert_eq!(zip.len(), 3);
    let mut entry = zip.by_index(1).unwrap();
    assert_eq!(entry.name().unwrap(), "lib/net45/a.txt");
    let mut text = String::new();
    entry.read_to_string(&mut text).unwrap();
    assert_eq!(text, LAST);
}

#[test]
fn an_entry_named_twice_is_listed_twice_and_the_package_opens() {
    let bytes = twice_named();
    let listed = [
        "Test.Package.nuspec",
        "lib/net45/a.txt",
        "docs/readme.txt",
        "lib/net45/a.txt",
    ];
    let package = open(bytes.clone(), "twice.nupkg").expect("NuGet opens it too");
    assert_eq!(package.files(), listed);
    assert_eq!(package.nuspec().id, "Test.Package");
    assert_eq!(package.nuspec().version.to_normalized_string(), "1.0.0");
    assert_eq!(package.sha512(), sha512_base64(&bytes));
    assert_eq!(package.content_hash(), package.sha512());
    assert!(!package.is_signed());
    let frameworks = package.supported_frameworks().unwrap();
    assert_eq!(
        frameworks,
        [rnuget::framework::NuGetFramework::parse("net45").unwrap()]
    );
    // From a file as well (a buffered file reader rather than memory).
    let dir = TempDir::new("twice");
    let path = dir.0.join("twice.nupkg");
    std::fs::write(&path, &bytes).unwrap();
    assert_eq!(PackageReader::open(&path).unwrap().files(), listed);
}

/// Each copy is some reader's idea of the entry, so each must be sound: a bad first copy (the
/// one the zip crate hides, and NuGet reads) is refused, and so is a bad last one.
#[test]
fn every_copy_of_an_entry_named_twice_is_checked() {
    let clean = twice_named();
    let headers = local_headers(&clean);
    assert_eq!(headers.len(), 4);
    for (copy, header) in [("first", headers[1]), ("last", headers[3])] {
        let mut bytes = clean.clone();
        bytes[header + 30 + "lib/net45/a.txt".len() + 2] ^= 0xff;
        let label = format!("bad-{copy}-copy.nupkg");
        let result = open(bytes, &label);
        assert_invalid_because(result, &label, &["entry \"lib/net45/a.txt\": "]);
    }
}

#[test]
fn a_root_nuspec_named_twice_is_refused_as_nuget_refuses_it() {
    let entries = [
        ("Test.Package.nuspec", NUSPEC),
        ("lib/net45/a.txt", "x"),
        ("Test.Package.nuspex", NUSPEC),
    ];
    let bytes = renamed_zip(&entries, "Test.Package.nuspex", "Test.Package.nuspec");
    let result = open(bytes, "two-manifests.nupkg");
    let because = [
        "the central directory names entry \"Test.Package.nuspec\" 2 times",
        "NuGet refuses more than one .nuspec file at the root",
    ];
    assert_invalid_because(result, "two-manifests.nupkg", &because);
}

#[test]
fn a_signature_named_twice_is_refused() {
    let entries = [
        ("Test.Package.nuspec", NUSPEC),
        (".signature.p7s", "one signature"),
        (".signature.p7x", "another signature"),
    ];
    let bytes = renamed_zip(&entries, ".signature.p7x", ".signature.p7s");
    let result = open(bytes, "two-signatures.nupkg");
    let because = [
        "the central directory names entry \".signature.p7s\" 2 times",
        "a package carries at most one signature",
    ];
    assert_invalid_because(result, "two-signatures.nupkg", &because);
}

/// Two records of one name pointing at the same bytes: the bomb shape, caught on the records
/// the zip crate does not show too.
#[test]
fn two_records_of_one_name_sharing_their_bytes_are_refused() {
    let bytes = build_binary_zip(&[
        ("Test.Package.nuspec", NUSPEC.as_bytes()),
        ("lib/a.bin", b"some bytes"),
    ]);
    let mut directory = Directory::split(&bytes);
    let shared = directory.record("lib/a.bin").clone();
    directory.records.push(shared);
    let result = open(directory.join(), "shared-copy.nupkg");
    assert_invalid_because(result, "shared-copy.nupkg", &["\"lib/a.bin\"", "overlap"]);
}

/// .NET reads directory records while they carry their signature and refuses a directory that
/// holds more than its end record declares; so does rnuget, reading record by record.
#[test]
fn a_directory_holding_more_records_than_it_declares_is_refused() {
    let mut directory = Directory::split(&twice_named());
    let extra = Directory::renamed(directory.record("docs/readme.txt"), "docs/readme.txx");
    directory.records.push(extra);
    let mut bytes = directory.join();
    // Both counts of the end record, one short.
    let eocd = bytes.len() - 22;
    let declared = directory.records.len() as u16 - 1;
    for at in [eocd + 8, eocd + 10] {
        bytes[at..at + 2].copy_from_slice(&declared.to_le_bytes());
    }
    let result = open(bytes, "extra-record.nupkg");
    let because = ["central directory holds more records than the 4 it declares"];
    assert_invalid_because(result, "extra-record.nupkg", &because);
}

/// The record-by-record reader holds an entry's data to the file too: a copy of a name whose
/// record claims compressed bytes past the end would pass the ratio limit with any content.
#[test]
fn a_copy_claiming_compressed_bytes_past_the_end_of_the_file_is_refused() {
    let zeros = vec![0u8; 8 << 20];
    let entries: [(&str, &[u8]); 3] = [
        ("Test.Package.nuspec", NUSPEC.as_bytes()),
        ("lib/zeros.bin", b"small"),
        ("lib/zeros.bim", &zeros),
    ];
    let mut directory = Directory::split(&build_binary_zip(&entries));
    let last = directory.records.len() - 1;
    directory.records[last] = Directory::renamed(&directory.records[last], "lib/zeros.bin");
    Directory::set_compressed(&mut directory.records[last], u32::MAX - 1);
    let result = open(directory.join(), "lying-twice.nupkg");
    assert_invalid_because(
        result,
        "lying-twice.nupkg",
        &["\"lib/zeros.bin\"", "past the end of the file"],
    );
}
