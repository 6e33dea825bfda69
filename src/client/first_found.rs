//! Asking sources one after another until one has the package.
//!
//! The rule, NuGet's for restore: a source that fails fails the operation, since the package
//! might have been there (NuGet: NU1301), unless the client ignores failed sources; then the
//! failure is logged as a warning (NuGet: NU1801) and the next source is asked. "Not found"
//! moves on to the next source. Sources after the one that has the package are not asked.
//!
//! When no source has it: the failure when every source failed (ignored or not, there is no
//! answer at all), else a "not found" that names every source asked and those left out.

use std::sync::Arc;

use crate::observability::printable::printable;
use crate::repository::SourceRepository;
use crate::{Error, ErrorKind, Result};

/// How [`first_found`] looks for something.
pub(crate) struct Seek<'a, T> {
    /// Names the thing sought in messages (`Demo.Core 1.0.0`).
    pub what: &'a str,
    /// Whether an `Ok` answer also means "this source does not have it" (an empty list).
    pub is_missing: fn(&T) -> bool,
    /// Whether a failing source is skipped (with a warning) instead of failing the call.
    pub ignore_failed_sources: bool,
}

/// The first answer that is not "not found", with the name of the source that gave it.
pub(crate) fn first_found<T>(
    sources: &[Arc<SourceRepository>],
    seek: Seek<'_, T>,
    operation: impl Fn(&SourceRepository) -> Result<T>,
) -> Result<(String, T)> {
    let what = seek.what;
    let mut failures: Vec<Error> = Vec::new();
    let mut failed: Vec<&str> = Vec::new();
    let mut missing_from: Vec<&str> = Vec::new();
    let mut empty: Option<(String, T)> = None;
    for source in sources {
        match operation(source) {
            Ok(value) if (seek.is_missing)(&value) => {
                missing_from.push(source.name());
                empty.get_or_insert((source.name().to_string(), value));
            }
            Ok(value) => return Ok((source.name().to_string(), value)),
            Err(err) if err.is_not_found() => missing_from.push(source.name()),
            Err(err) if !seek.ignore_failed_sources => return Err(named(err, what)),
            Err(err) => {
                log::warn!(
                    target: "rnuget::client",
                    "{what}: ignoring failed source '{}': {err}",
                    printable(source.name())
                );
                failed.push(source.name());
                failures.push(err);
            }
        }
    }
    if missing_from.is_empty()
        && let Some(first) = failures.into_iter().next()
    {
        return Err(named(first, what));
    }
    let asked = missing_from.join("', '");
    let left_out = if failed.is_empty() {
        String::new()
    } else {
        format!("; failed sources ignored: '{}'", failed.join("', '"))
    };
    match empty {
        // Every source that answered has nothing: that is the answer.
        Some(answer) => Ok(answer),
        None if sources.is_empty() => Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("{what}: the client has no package sources"),
        )),
        None => Err(Error::new(
            ErrorKind::NotFound,
            format!("{what} was not found in any source ('{asked}'){left_out}"),
        )),
    }
}

/// Puts `what` in front of a source's failure unless the message already names it.
fn named(err: Error, what: &str) -> Error {
    if err.message().contains(what) {
        err
    } else {
        err.context(what)
    }
}
