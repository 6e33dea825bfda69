//! Version benchmarks over the oracle's inputs: parse, normalize, compare, range parse,
//! satisfies and best match, each reported in ns per operation (median of the samples).
//!
//! `cargo bench --bench versions`; `RNUGET_BENCH_SHORT=1` for the quick CI run.

mod harness;
#[allow(dead_code)]
#[path = "../tests/it/support/tsv.rs"]
mod tsv;

use std::collections::HashMap;
use std::hint::black_box;
use std::path::Path;

use rnuget::version::{NuGetVersion, VersionRange};

/// Parses each distinct string once and hands out its index.
struct Interner<T> {
    index: HashMap<String, usize>,
    items: Vec<T>,
}

impl<T> Interner<T> {
    fn new() -> Self {
        Interner {
            index: HashMap::new(),
            items: Vec::new(),
        }
    }
    fn get(&mut self, s: &str, parse: impl Fn(&str) -> Option<T>) -> Option<usize> {
        if let Some(&i) = self.index.get(s) {
            return Some(i);
        }
        let item = parse(s)?;
        self.items.push(item);
        self.index.insert(s.to_string(), self.items.len() - 1);
        Some(self.items.len() - 1)
    }
}

fn read(dir: &Path, file: &str) -> tsv::Table {
    tsv::Table::read(&dir.join("versioning").join(file))
}

fn main() {
    let Some(oracle) = harness::oracle_dir() else {
        eprintln!("versions bench: no oracle directory, nothing to measure");
        return;
    };
    println!(
        "versions bench{}",
        if harness::short_mode() {
            " (short mode)"
        } else {
            ""
        }
    );

    let inputs: Vec<String> = read(&oracle, "versions.tsv")
        .rows()
        .filter(|r| r.flag("nuget_ok"))
        .map(|r| r.get("input").to_string())
        .collect();
    let versions: Vec<NuGetVersion> = inputs
        .iter()
        .filter_map(|s| NuGetVersion::parse(s).ok())
        .collect();
    harness::measure("version parse (lenient)", inputs.len(), || {
        for s in &inputs {
            black_box(NuGetVersion::parse(black_box(s)).ok());
        }
    });
    harness::measure("version parse (strict)", inputs.len(), || {
        for s in &inputs {
            black_box(NuGetVersion::parse_strict(black_box(s)).ok());
        }
    });
    harness::measure("version to_normalized_string", versions.len(), || {
        for v in &versions {
            black_box(black_box(v).to_normalized_string());
        }
    });

    let mut interned = Interner::new();
    let pairs: Vec<(usize, usize)> = read(&oracle, "compare.tsv")
        .rows()
        .filter_map(|r| {
            let a = interned.get(r.get("a"), |s| NuGetVersion::parse(s).ok())?;
            let b = interned.get(r.get("b"), |s| NuGetVersion::parse(s).ok())?;
            Some((a, b))
        })
        .collect();
    let pool = &interned.items;
    harness::measure("version compare (default)", pairs.len(), || {
        for &(a, b) in &pairs {
            black_box(black_box(&pool[a]).cmp(black_box(&pool[b])));
        }
    });

    // The pairs that the numbers do not decide, so that the labels are compared.
    let label_pairs: Vec<(usize, usize)> = pairs
        .iter()
        .copied()
        .filter(|&(a, b)| {
            let (a, b) = (&pool[a], &pool[b]);
            let numbers = |v: &NuGetVersion| (v.major(), v.minor(), v.patch(), v.revision());
            numbers(a) == numbers(b) && a.is_prerelease() && b.is_prerelease()
        })
        .collect();
    harness::measure("version compare (labels decide)", label_pairs.len(), || {
        for &(a, b) in &label_pairs {
            black_box(black_box(&pool[a]).cmp(black_box(&pool[b])));
        }
    });

    let range_inputs: Vec<String> = read(&oracle, "ranges.tsv")
        .rows()
        .filter(|r| r.flag("ok"))
        .map(|r| r.get("input").to_string())
        .collect();
    harness::measure("range parse", range_inputs.len(), || {
        for s in &range_inputs {
            black_box(VersionRange::parse(black_box(s)).ok());
        }
    });

    let mut ranges = Interner::new();
    let mut candidates = Interner::new();
    let cases: Vec<(usize, usize)> = read(&oracle, "satisfies.tsv")
        .rows()
        .filter_map(|r| {
            let range = ranges.get(r.get("range"), |s| VersionRange::parse(s).ok())?;
            let version = candidates.get(r.get("version"), |s| NuGetVersion::parse(s).ok())?;
            Some((range, version))
        })
        .collect();
    let (range_pool, version_pool) = (&ranges.items, &candidates.items);
    harness::measure("range satisfies", cases.len(), || {
        for &(r, v) in &cases {
            black_box(black_box(&range_pool[r]).satisfies(black_box(&version_pool[v])));
        }
    });

    let lists: HashMap<String, Vec<NuGetVersion>> = read(&oracle, "candidate_lists.tsv")
        .rows()
        .map(|r| {
            let list = r
                .get("versions")
                .split('|')
                .filter_map(|s| NuGetVersion::parse(s).ok());
            (r.get("list").to_string(), list.collect())
        })
        .collect();
    let matches: Vec<(usize, &Vec<NuGetVersion>)> = read(&oracle, "best_match.tsv")
        .rows()
        .filter_map(|r| {
            let range = ranges.get(r.get("range"), |s| VersionRange::parse(s).ok())?;
            Some((range, lists.get(r.get("list"))?))
        })
        .collect();
    let candidates_per_match =
        matches.iter().map(|(_, list)| list.len()).sum::<usize>() / matches.len().max(1);
    let range_pool = &ranges.items;
    harness::measure(
        &format!("range find_best_match ({candidates_per_match} candidates)"),
        matches.len(),
        || {
            for (r, list) in &matches {
                black_box(black_box(&range_pool[*r]).find_best_match(list));
            }
        },
    );
}
