//! Conformance with `NuGet.Versioning`: every row of every file in `oracle/versioning/`.
//!
//! Each test reads its file's columns by name, computes the same columns with rnuget and
//! reports the rows that differ (see `support::tsv::Diffs`).

use std::cmp::Ordering;
use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::path::PathBuf;

use rnuget::version::{NuGetVersion, VersionComparison, VersionRange};

use crate::support::tsv::{Diffs, Row, Table};
use crate::support::{oracle_dir, required_file};

fn table(file: &str) -> Option<Table> {
    let dir: PathBuf = oracle_dir()?;
    Some(Table::read(&required_file(
        &dir,
        &format!("versioning/{file}"),
    )))
}

fn flag(b: bool) -> String {
    if b { "1" } else { "0" }.to_string()
}

fn sign(o: Ordering) -> String {
    match o {
        Ordering::Less => "-1",
        Ordering::Equal => "0",
        Ordering::Greater => "1",
    }
    .to_string()
}

/// Compares computed cells with the row's cells of the same names; `None` when all agree.
fn differences(row: &Row<'_>, key: &str, got: &[(&str, String)]) -> Option<String> {
    let diffs: Vec<String> = got
        .iter()
        .filter(|(column, value)| row.get(column) != value)
        .map(|(column, value)| format!("{column}: got {value:?}, NuGet says {:?}", row.get(column)))
        .collect();
    (!diffs.is_empty()).then(|| format!("line {} {key:?}: {}", row.line, diffs.join("; ")))
}

/// Parses each distinct string once; the big files repeat the same few hundred many times.
struct Cache<T> {
    parsed: HashMap<String, Option<T>>,
    parse: fn(&str) -> Option<T>,
}

impl<T> Cache<T> {
    fn new(parse: fn(&str) -> Option<T>) -> Self {
        Cache {
            parsed: HashMap::new(),
            parse,
        }
    }
    fn get(&mut self, s: &str) -> Option<&T> {
        if !self.parsed.contains_key(s) {
            let value = (self.parse)(s);
            self.parsed.insert(s.to_string(), value);
        }
        self.parsed.get(s).and_then(Option::as_ref)
    }
}

/// A column name and how rnuget computes that cell.
type Cell<T> = (&'static str, fn(&T) -> String);

/// The columns of a version that parsed, as versions.tsv names them.
const VERSION_CELLS: &[Cell<NuGetVersion>] = &[
    ("normalized", |v| v.to_normalized_string()),
    ("full", |v| v.to_full_string()),
    ("to_string", |v| v.to_string()),
    ("major", |v| v.major().to_string()),
    ("minor", |v| v.minor().to_string()),
    ("patch", |v| v.patch().to_string()),
    ("revision", |v| v.revision().to_string()),
    ("release", |v| v.release().to_string()),
    ("metadata", |v| v.metadata().to_string()),
    ("is_prerelease", |v| flag(v.is_prerelease())),
    ("is_semver2", |v| flag(v.is_semver2())),
    ("is_legacy", |v| flag(v.is_legacy_version())),
];

/// The columns of a range that parsed, as ranges.tsv names them.
const RANGE_CELLS: &[Cell<VersionRange>] = &[
    ("normalized", |r| r.to_normalized_string()),
    ("legacy_short", |r| r.to_legacy_short_string()),
    ("to_string", |r| r.to_string()),
    ("min", |r| {
        r.min_version()
            .map(|v| v.to_full_string())
            .unwrap_or_default()
    }),
    ("min_inclusive", |r| flag(r.is_min_inclusive())),
    ("max", |r| {
        r.max_version()
            .map(|v| v.to_full_string())
            .unwrap_or_default()
    }),
    ("max_inclusive", |r| flag(r.is_max_inclusive())),
    ("is_floating", |r| flag(r.is_floating())),
    ("float_behavior", |r| {
        r.float_range()
            .map(|f| f.behavior().name().to_string())
            .unwrap_or_default()
    }),
    ("float_string", |r| {
        r.float_range().map(|f| f.to_string()).unwrap_or_default()
    }),
];

#[test]
fn versions_tsv() {
    let Some(table) = table("versions.tsv") else {
        return;
    };
    let mut diffs = Diffs::new("versioning/versions.tsv");
    for row in table.rows() {
        let input = row.get("input");
        let mut got = Vec::new();
        let loose = NuGetVersion::parse(input).ok();
        got.push(("nuget_ok", flag(loose.is_some())));
        for &(column, cell) in VERSION_CELLS {
            got.push((column, loose.as_ref().map(cell).unwrap_or_default()));
        }
        let strict = NuGetVersion::parse_strict(input).ok();
        got.push(("strict_semver_ok", flag(strict.is_some())));
        let strict_normalized = strict.map(|v| v.to_normalized_string()).unwrap_or_default();
        got.push(("strict_normalized", strict_normalized));
        diffs.check(differences(&row, input, &got));
    }
    diffs.finish();
}

#[test]
fn compare_tsv() {
    let Some(table) = table("compare.tsv") else {
        return;
    };
    let mut diffs = Diffs::new("versioning/compare.tsv");
    let mut versions = Cache::new(|s| NuGetVersion::parse(s).ok());
    let hasher = RandomState::new();
    for row in table.rows() {
        let key = format!("{} vs {}", row.get("a"), row.get("b"));
        let (Some(a), Some(b)) = (
            versions.get(row.get("a")).cloned(),
            versions.get(row.get("b")).cloned(),
        ) else {
            diffs.check(Some(format!(
                "line {} {key}: a version did not parse",
                row.line
            )));
            continue;
        };
        let modes = [
            ("default", VersionComparison::Default),
            ("version", VersionComparison::Version),
            ("version_release", VersionComparison::VersionRelease),
            (
                "version_release_metadata",
                VersionComparison::VersionReleaseMetadata,
            ),
        ];
        let mut got: Vec<_> = modes
            .iter()
            .map(|&(column, mode)| (column, sign(a.compare_with(&b, mode))))
            .collect();
        got.push((
            "equals_default",
            flag(a.equals_with(&b, VersionComparison::Default)),
        ));
        got.push((
            "hash_equal_default",
            flag(hasher.hash_one(&a) == hasher.hash_one(&b)),
        ));
        diffs.check(differences(&row, &key, &got));
    }
    diffs.finish();
}

#[test]
fn ranges_tsv() {
    let Some(table) = table("ranges.tsv") else {
        return;
    };
    let mut diffs = Diffs::new("versioning/ranges.tsv");
    for row in table.rows() {
        let input = row.get("input");
        let range = VersionRange::parse(input).ok();
        let mut got = vec![("ok", flag(range.is_some()))];
        for &(column, cell) in RANGE_CELLS {
            got.push((column, range.as_ref().map(cell).unwrap_or_default()));
        }
        diffs.check(differences(&row, input, &got));
    }
    diffs.finish();
}

#[test]
fn satisfies_tsv() {
    let Some(table) = table("satisfies.tsv") else {
        return;
    };
    let mut diffs = Diffs::new("versioning/satisfies.tsv");
    let mut ranges = Cache::new(|s| VersionRange::parse(s).ok());
    let mut versions = Cache::new(|s| NuGetVersion::parse(s).ok());
    for row in table.rows() {
        let key = format!("{} satisfies {}", row.get("range"), row.get("version"));
        let range = ranges.get(row.get("range")).cloned();
        let got = match (range, versions.get(row.get("version"))) {
            (Some(range), Some(version)) => vec![("satisfies", flag(range.satisfies(version)))],
            _ => vec![("satisfies", "does not parse".to_string())],
        };
        diffs.check(differences(&row, &key, &got));
    }
    diffs.finish();
}

#[test]
fn best_match_tsv() {
    let (Some(lists), Some(table)) = (table("candidate_lists.tsv"), table("best_match.tsv")) else {
        return;
    };
    let lists: HashMap<String, (Vec<String>, Vec<NuGetVersion>)> = lists
        .rows()
        .map(|row| {
            let texts: Vec<String> = row.get("versions").split('|').map(str::to_string).collect();
            let versions = texts
                .iter()
                .filter_map(|t| NuGetVersion::parse(t).ok())
                .collect();
            (row.get("list").to_string(), (texts, versions))
        })
        .collect();
    let mut diffs = Diffs::new("versioning/best_match.tsv");
    let mut ranges = Cache::new(|s| VersionRange::parse(s).ok());
    for row in table.rows() {
        let key = format!("{} in list {}", row.get("range"), row.get("list"));
        let (Some(range), Some((texts, versions))) =
            (ranges.get(row.get("range")), lists.get(row.get("list")))
        else {
            diffs.check(Some(format!(
                "line {} {key}: range or list missing",
                row.line
            )));
            continue;
        };
        if texts.len() != versions.len() {
            diffs.check(Some(format!(
                "line {} {key}: a candidate did not parse",
                row.line
            )));
            continue;
        }
        let best = range.find_best_match(versions).map(|chosen| {
            let index = versions
                .iter()
                .position(|v| std::ptr::eq(v, chosen))
                .unwrap_or(0);
            texts[index].clone()
        });
        let got = [("best", best.unwrap_or_default())];
        diffs.check(differences(&row, &key, &got));
    }
    diffs.finish();
}
