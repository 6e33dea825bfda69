//! Logging: the targets rnuget logs under, and a `fern` setup for programs that want one.
//!
//! rnuget logs through the `log` facade only. Each layer has a target of its own:
//!
//! ```text
//! rnuget::http        debug: one line per request (method, URL, status, bytes, ms), one per
//!                     retry decision; warn: a request that succeeded only after retries
//! rnuget::cache       debug: one line per cache decision (memory hit, disk hit, miss);
//!                     warn: a broken entry removed, an entry that could not be stored
//! rnuget::resilience  debug: a circuit breaker half-opens; warn: one opens, or closes again
//!                     (its host answers again)
//! rnuget::protocol    debug: fallbacks; warn: feed data skipped (a bad version, a bad entry)
//! rnuget::repository  debug: the protocol a source speaks
//! rnuget::client      warn: a failed source ignored (ignore_failed_sources)
//! rnuget::package     debug: a package read; warn: package data read leniently
//! rnuget::health      debug: one line per source check
//! rnuget::demo        debug: the demo feed's loopback server (a connection that ended badly)
//! ```
//!
//! Nothing routine is logged at info or above, and no line holds a credential: URLs are logged
//! without their user info, header values never.

use std::path::PathBuf;

use log::LevelFilter;

use crate::{Error, ErrorKind, Result};

/// Every log target rnuget uses.
pub const TARGETS: &[&str] = &[
    "rnuget::http",
    "rnuget::cache",
    "rnuget::resilience",
    "rnuget::protocol",
    "rnuget::repository",
    "rnuget::client",
    "rnuget::package",
    "rnuget::health",
    "rnuget::demo",
];

/// How a line looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// `2024-05-01T12:00:00.123Z DEBUG rnuget::http: GET ... 200 ...`.
    #[default]
    Full,
    /// `DEBUG rnuget::http: GET ...`, for terminals and tests.
    Compact,
}

/// Where lines go.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum LogOutput {
    /// Standard error.
    #[default]
    Stderr,
    /// Appended to this file (created when missing).
    File(PathBuf),
}

/// A logging setup: rnuget's level, other crates' level, the format and the output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggingOptions {
    /// Lines from rnuget's targets at or above this level are written. Default `Warn`.
    pub level: LevelFilter,
    /// Lines from every other crate at or above this level are written. Default `Warn`.
    pub others: LevelFilter,
    /// Default [`LogFormat::Full`].
    pub format: LogFormat,
    /// Default [`LogOutput::Stderr`].
    pub output: LogOutput,
}

impl Default for LoggingOptions {
    fn default() -> Self {
        LoggingOptions {
            level: LevelFilter::Warn,
            others: LevelFilter::Warn,
            format: LogFormat::default(),
            output: LogOutput::default(),
        }
    }
}

impl LoggingOptions {
    /// Sets [`LoggingOptions::level`].
    pub fn level(mut self, level: LevelFilter) -> Self {
        self.level = level;
        self
    }

    /// Sets [`LoggingOptions::format`].
    pub fn format(mut self, format: LogFormat) -> Self {
        self.format = format;
        self
    }

    /// Sets [`LoggingOptions::output`].
    pub fn output(mut self, output: LogOutput) -> Self {
        self.output = output;
        self
    }
}

/// The `fern` dispatch for `options`, to install ([`install`]) or to combine with others.
pub fn dispatch(options: &LoggingOptions) -> Result<fern::Dispatch> {
    let format = options.format;
    let dispatch = fern::Dispatch::new()
        .level(options.others)
        .level_for("rnuget", options.level)
        .format(move |out, message, record| match format {
            LogFormat::Full => out.finish(format_args!(
                "{} {:<5} {}: {message}",
                utc_timestamp(std::time::SystemTime::now()),
                record.level(),
                record.target()
            )),
            LogFormat::Compact => out.finish(format_args!(
                "{:<5} {}: {message}",
                record.level(),
                record.target()
            )),
        });
    Ok(match &options.output {
        LogOutput::Stderr => dispatch.chain(std::io::stderr()),
        LogOutput::File(path) => {
            let file = fern::log_file(path).map_err(|e| {
                Error::from(e).context(format!("opening the log file {}", path.display()))
            })?;
            dispatch.chain(file)
        }
    })
}

/// Installs the setup of `options` as the process's logger. Fails when the log file cannot be
/// opened or another logger is installed already.
pub fn install(options: &LoggingOptions) -> Result<()> {
    dispatch(options)?.apply().map_err(|_| {
        Error::new(
            ErrorKind::InvalidArgument,
            "a logger is installed already (log allows one per process)",
        )
    })
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` for `time`, without a date crate.
fn utc_timestamp(time: std::time::SystemTime) -> String {
    let since = time
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = since.as_secs();
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = crate::calendar::civil_from_days(days as i64);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60,
        since.subsec_millis()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn timestamps_are_utc_iso_8601() {
        assert_eq!(utc_timestamp(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let leap = UNIX_EPOCH + Duration::from_millis(951_827_696_789);
        assert_eq!(utc_timestamp(leap), "2000-02-29T12:34:56.789Z");
    }

    /// Every `.rs` file under `dir`.
    fn sources(dir: &std::path::Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    #[test]
    fn every_log_call_names_a_listed_target_and_none_logs_at_info_or_error() {
        let mut files = Vec::new();
        sources(
            &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut files,
        );
        let mut used = std::collections::BTreeSet::new();
        let mut calls = 0;
        for file in &files {
            let text = std::fs::read_to_string(file).unwrap();
            for level in ["trace", "debug", "info", "warn", "error"] {
                for (at, _) in text.match_indices(&format!("{level}!(")) {
                    let before = text[..at].chars().next_back();
                    if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                        continue;
                    }
                    let args = text[at + level.len() + 2..].trim_start();
                    let start: String = args.chars().take(40).collect();
                    let shown = format!("{}: {level}!({start}", file.display());
                    let target = args
                        .strip_prefix("target: \"")
                        .and_then(|rest| rest.split('"').next())
                        .unwrap_or_else(|| panic!("a log call without a target: {shown}"));
                    assert!(
                        TARGETS.contains(&target),
                        "{target} is not in TARGETS: {shown}"
                    );
                    // Routine work stays below info; what the library heals is a warning; what
                    // it cannot heal is the caller's error, not a log line.
                    assert!(level != "info" && level != "error", "{shown}");
                    used.insert(target.to_string());
                    calls += 1;
                }
            }
        }
        assert!(calls >= 40, "{calls} log calls found");
        let unused: Vec<_> = TARGETS.iter().filter(|t| !used.contains(**t)).collect();
        assert!(unused.is_empty(), "targets nothing logs under: {unused:?}");
    }

    #[test]
    fn lines_carry_level_target_and_message_and_honour_levels() {
        let dir = std::env::temp_dir().join(format!("rnuget-logging-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join("log.txt");
        let _ = std::fs::remove_file(&path);
        let options = LoggingOptions::default()
            .level(LevelFilter::Debug)
            .format(LogFormat::Compact)
            .output(LogOutput::File(path.clone()));
        let (_, logger) = dispatch(&options).unwrap().into_log();
        let line = |level, target: &str, text: &str| {
            logger.log(
                &log::Record::builder()
                    .level(level)
                    .target(target)
                    .args(format_args!("{text}"))
                    .build(),
            )
        };
        line(log::Level::Debug, "rnuget::http", "GET http://h/ 200");
        line(
            log::Level::Debug,
            "ureq::pool",
            "hidden: others are at warn",
        );
        line(log::Level::Warn, "ureq::pool", "shown");
        logger.flush();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            "DEBUG rnuget::http: GET http://h/ 200\nWARN  ureq::pool: shown\n"
        );
        let _ = std::fs::remove_dir_all(&dir);
        let missing = LoggingOptions::default().output(LogOutput::File(dir.join("no/such/log")));
        assert_eq!(dispatch(&missing).unwrap_err().kind(), ErrorKind::Io);
    }
}
