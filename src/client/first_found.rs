//! Asking sources one after another until one has the package.
//!
//! "Not found" moves on to the next source; any other failure is remembered and the next source
//! is tried too, since another feed may still have the package. When no source has it, the
//! first failure is reported (the answer might have been there), else a "not found" that names
//! every source asked.

use std::sync::Arc;

use crate::repository::SourceRepository;
use crate::{Error, ErrorKind, Result};

/// The first answer that is not "not found", with the name of the source that gave it.
///
/// `what` names the thing sought in messages (`Demo.Core 1.0.0`). `is_missing` says whether an
/// `Ok` answer also means "this source does not have it" (an empty list).
pub(crate) fn first_found<T>(
    sources: &[Arc<SourceRepository>],
    what: &str,
    is_missing: impl Fn(&T) -> bool,
    operation: impl Fn(&SourceRepository) -> Result<T>,
) -> Result<(String, T)> {
    let mut failures: Vec<Error> = Vec::new();
    let mut missing_from: Vec<&str> = Vec::new();
    let mut empty: Option<(String, T)> = None;
    for source in sources {
        match operation(source) {
            Ok(value) if is_missing(&value) => {
                missing_from.push(source.name());
                empty.get_or_insert((source.name().to_string(), value));
            }
            Ok(value) => return Ok((source.name().to_string(), value)),
            Err(err) if err.is_not_found() => missing_from.push(source.name()),
            Err(err) => {
                log::debug!(target: "rnuget::client", "{what}: {err}; trying the next source");
                failures.push(err);
            }
        }
    }
    let asked = missing_from.join("', '");
    if let Some(first) = failures.first().cloned() {
        let mut context = format!("{what}: not found in any source that answered");
        if !missing_from.is_empty() {
            context.push_str(&format!(" ('{asked}')"));
        }
        if failures.len() > 1 {
            context.push_str(&format!(
                ", and {} sources failed; the first",
                failures.len()
            ));
        } else {
            context.push_str(", and a source failed");
        }
        return Err(first.context(context));
    }
    match empty {
        // Every source answered that it has nothing: that is the answer.
        Some(answer) => Ok(answer),
        None if sources.is_empty() => Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("{what}: the client has no package sources"),
        )),
        None => Err(Error::new(
            ErrorKind::NotFound,
            format!("{what} was not found in any source ('{asked}')"),
        )),
    }
}
