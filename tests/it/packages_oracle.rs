//! Conformance with NuGet.Packaging: every object of `packages/packages.jsonl` (what
//! `PackageArchiveReader` and its `NuspecReader` return for one corpus `.nupkg`) is compared,
//! field by field, with what rnuget reads from the same file.
//!
//! Where NuGet threw, the oracle holds `{"error": ...}`. rnuget reads the manifest eagerly, so a
//! manifest field NuGet cannot read makes `PackageReader::open` fail; `supported_frameworks`
//! (which reads folder names) is the one field that fails on its own.

use std::path::Path;

use rnuget::framework::NuGetFramework;
use rnuget::package::{FrameworkSpecificGroup, PackageReader};
use serde_json::{Map, Value, json};

use crate::support::{self, tsv::Diffs};

/// The fields whose NuGet failure rnuget reports from `supported_frameworks()`, not `open`.
const LAZY_FIELDS: &[&str] = &["supported_frameworks"];

fn is_error(value: &Value) -> bool {
    value
        .as_object()
        .is_some_and(|o| o.len() == 1 && o.contains_key("error"))
}

fn short(framework: &NuGetFramework) -> Value {
    Value::String(framework.short_folder_name())
}

fn groups(groups: &[FrameworkSpecificGroup]) -> Value {
    groups
        .iter()
        .map(|g| json!({"framework": short(&g.target_framework), "items": g.items}))
        .collect()
}

fn optional(text: &Option<String>) -> Value {
    text.as_ref()
        .map_or(Value::Null, |t| Value::String(t.clone()))
}

/// rnuget's answer for one oracle field, in the oracle's conventions; `None` for a field this
/// test does not know (which then fails).
fn field(reader: &PackageReader, name: &str) -> Option<Result<Value, String>> {
    let n = reader.nuspec();
    let value = match name {
        "id" => json!(n.id),
        "version_original" => json!(n.version.original_string()),
        "version_normalized" => json!(n.version.to_normalized_string()),
        "version_full" => json!(n.version.to_full_string()),
        "title" => json!(n.title),
        "authors" => json!(n.authors),
        "owners" => json!(n.owners),
        "description" => json!(n.description),
        "summary" => json!(n.summary),
        "tags" => json!(n.tags),
        "require_license_acceptance" => json!(n.require_license_acceptance),
        "development_dependency" => json!(n.development_dependency),
        "project_url" => json!(n.project_url),
        "icon_url" => json!(n.icon_url),
        "license_url" => optional(&n.license_url),
        "license" => n.license.as_ref().map_or(
            Value::Null,
            |l| json!({"type": l.kind.as_str(), "value": l.value}),
        ),
        "min_client_version" => n
            .min_client_version
            .as_ref()
            .map_or(Value::Null, |v| json!(v.to_normalized_string())),
        "package_types" => n
            .package_types
            .iter()
            .map(|t| json!({"name": t.name, "version": t.version}))
            .collect(),
        "repository" => json!({
            "type": n.repository.kind,
            "url": n.repository.url,
            "branch": n.repository.branch,
            "commit": n.repository.commit,
        }),
        "dependency_groups" => n
            .dependency_groups
            .iter()
            .map(|g| {
                let dependencies: Vec<Value> = g
                    .dependencies
                    .iter()
                    .map(|d| {
                        json!({
                            "id": d.id,
                            "range": d.range.to_normalized_string(),
                            "include": d.include,
                            "exclude": d.exclude,
                        })
                    })
                    .collect();
                json!({"framework": short(&g.target_framework), "dependencies": dependencies})
            })
            .collect(),
        "framework_assemblies" => groups(&n.framework_assemblies),
        "reference_groups" => groups(&n.reference_groups),
        "supported_frameworks" => {
            return Some(
                reader
                    .supported_frameworks()
                    .map(|fs| fs.iter().map(short).collect())
                    .map_err(|err| err.to_string()),
            );
        }
        "files" => json!(reader.files()),
        _ => return None,
    };
    Some(Ok(value))
}

/// Compares one package with its oracle object, one check per field.
fn check_package(nupkgs: &Path, expected: &Map<String, Value>, diffs: &mut Diffs) {
    let file = expected["file"]
        .as_str()
        .expect("every oracle object names its file");
    let path = nupkgs.join(file);
    let open_errors: Vec<&String> = expected
        .iter()
        .filter(|(k, v)| is_error(v) && !LAZY_FIELDS.contains(&k.as_str()))
        .map(|(k, _)| k)
        .collect();
    let reader = match PackageReader::open(&path) {
        Ok(reader) => reader,
        Err(err) => {
            let named = err.to_string().contains(file);
            diffs.check((open_errors.is_empty() || !named).then(|| {
                format!(
                    "{file}: rnuget failed to open it ({err}); NuGet threw only on {open_errors:?}"
                )
            }));
            return;
        }
    };
    if !open_errors.is_empty() {
        diffs.check(Some(format!(
            "{file}: NuGet threw on {open_errors:?}, rnuget opened it"
        )));
    }
    for (name, want) in expected.iter().filter(|(k, _)| k.as_str() != "file") {
        let difference = match field(&reader, name) {
            None => Some(format!("{file}: {name}: field unknown to this test")),
            Some(Err(err)) if !is_error(want) => {
                Some(format!("{file}: {name}: rnuget failed: {err}"))
            }
            Some(Err(_)) => None,
            Some(Ok(got)) if is_error(want) => Some(format!(
                "{file}: {name}: NuGet threw {want}, rnuget answered {got}"
            )),
            Some(Ok(got)) => {
                (&got != want).then(|| format!("{file}: {name}: got {got}, NuGet says {want}"))
            }
        };
        diffs.check(difference);
    }
}

#[test]
fn every_field_matches_nuget_packaging() {
    let (Some(oracle), Some(corpus)) = (support::oracle_dir(), support::corpus_dir()) else {
        return;
    };
    let path = support::required_file(&oracle, "packages/packages.jsonl");
    let text = std::fs::read_to_string(&path).expect("packages.jsonl is readable");
    let nupkgs = corpus.join("nupkgs");
    let mut diffs = Diffs::new("packages/packages.jsonl");
    let mut packages = 0;
    for (line, object) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let value: Value = serde_json::from_str(object)
            .unwrap_or_else(|err| panic!("packages.jsonl line {}: {err}", line + 1));
        let expected = value.as_object().expect("each line is a JSON object");
        check_package(&nupkgs, expected, &mut diffs);
        packages += 1;
    }
    eprintln!("packages/packages.jsonl: {packages} packages");
    diffs.finish();
}

#[test]
fn every_corpus_package_opens() {
    let Some(corpus) = support::corpus_dir() else {
        return;
    };
    let nupkgs = corpus.join("nupkgs");
    let sources = crate::support::tsv::Table::read(&support::required_file(&nupkgs, "SOURCES.tsv"));
    let mut diffs = Diffs::new("nupkgs/SOURCES.tsv");
    for row in sources.rows() {
        let file = row.get("file");
        let path = nupkgs.join(file);
        let opened = PackageReader::open(&path);
        // Borrowed from memory (how a download into memory is checked), the same package.
        let bytes = std::fs::read(&path).expect("a corpus package is readable");
        let borrowed = PackageReader::from_slice(&bytes, file);
        let difference = match (opened, borrowed) {
            (Ok(from_file), Ok(from_memory)) => (from_file.sha512() != from_memory.sha512()
                || from_file.files() != from_memory.files()
                || from_file.nuspec().version != from_memory.nuspec().version)
                .then(|| format!("{file}: opened from memory, it differs from the file")),
            (Err(err), _) | (_, Err(err)) => Some(format!("{file}: {err}")),
        };
        diffs.check(difference);
    }
    diffs.finish();
}

#[test]
fn hashes_match_the_global_packages_folder() {
    let Some(corpus) = support::corpus_dir() else {
        return;
    };
    let folder = corpus.join("globalpackages");
    let sources = crate::support::tsv::Table::read(&support::required_file(&folder, "SOURCES.tsv"));
    let mut diffs = Diffs::new("globalpackages/SOURCES.tsv");
    for row in sources.rows() {
        let sidecar = row.get("file");
        let Some(nupkg) = row.get("notes").split("../nupkgs/").nth(1) else {
            continue;
        };
        let package = PackageReader::open(&folder.join("..").join("nupkgs").join(nupkg.trim()))
            .unwrap_or_else(|err| panic!("{sidecar}: {err}"));
        let text = std::fs::read_to_string(folder.join(sidecar)).expect("sidecar is readable");
        if sidecar.ends_with(".nupkg.sha512") {
            diffs.expect_eq(sidecar, package.sha512(), text.trim());
        } else if sidecar.ends_with(".nupkg.metadata") {
            let metadata: Value = serde_json::from_str(&text).expect(".nupkg.metadata is JSON");
            let want = metadata["contentHash"].as_str().unwrap_or("");
            diffs.expect_eq(sidecar, package.content_hash(), want);
            assert!(package.is_signed(), "{nupkg}: the corpus says it is signed");
        }
    }
    diffs.finish();
}
