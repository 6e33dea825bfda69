//! Shared test helpers: where the oracle and corpus live, and how to read their files.

#![allow(dead_code)]

pub mod alone;
pub mod captures;
pub mod logs;
pub mod tsv;

use std::path::PathBuf;

/// The oracle directory (`RNUGET_ORACLE_DIR`, default `../shared/oracle`), or `None` after saying
/// loudly why the test is skipped. Under CI (`CI=true`) a missing directory fails the test.
pub fn oracle_dir() -> Option<PathBuf> {
    data_dir("RNUGET_ORACLE_DIR", "oracle")
}

/// The corpus directory (`RNUGET_CORPUS_DIR`, default `../shared/corpus`), like [`oracle_dir`].
pub fn corpus_dir() -> Option<PathBuf> {
    data_dir("RNUGET_CORPUS_DIR", "corpus")
}

fn data_dir(variable: &str, default_leaf: &str) -> Option<PathBuf> {
    let dir = match std::env::var_os(variable) {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join("shared")
            .join(default_leaf),
    };
    if dir.is_dir() {
        return Some(dir);
    }
    let message = format!(
        "{variable}: {} is not a directory; the tests that read it cannot run",
        dir.display()
    );
    if std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0") {
        panic!("{message} (CI is set, so missing data is a failure)");
    }
    eprintln!("\n*** SKIPPED: {message} ***\n");
    None
}

/// A file inside a data directory that must exist when the directory does.
pub fn required_file(dir: &std::path::Path, relative: &str) -> PathBuf {
    let path = dir.join(relative);
    assert!(path.is_file(), "missing data file {}", path.display());
    path
}
