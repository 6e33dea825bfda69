//! Results as JSON documents: serde_json of the `rnuget::protocol` model types, plus the
//! per-source wrappers search and autocomplete results come in, and the source a package's
//! metadata came from.

use std::ffi::{c_char, c_int};

use rnuget::client::SourceResult;
use rnuget::protocol::{PackageMetadata, SearchResult, SearchResults};
use serde::Serialize;

use crate::error::FfiError;
use crate::status::rnuget_status::RNUGET_ERR_INTERNAL;
use crate::strings::into_owned_c_string;

/// Serializes `value` into a new C string, freed by `rnuget_string_free`.
pub(crate) fn to_owned_json<T: Serialize + ?Sized>(value: &T) -> Result<*mut c_char, FfiError> {
    let text = serde_json::to_string(value).map_err(|err| {
        FfiError::new(
            RNUGET_ERR_INTERNAL,
            format!("internal error: cannot write JSON: {err}"),
        )
    })?;
    Ok(into_owned_c_string(text))
}

/// What one source answered to a search: its results, or why it has none.
#[derive(Debug, Serialize)]
pub(crate) struct SourceAnswer {
    source: String,
    total_hits: u64,
    results: Vec<SearchResult>,
    error: Option<ErrorJson>,
}

/// A failure inside a JSON document, with the fields of the last error.
#[derive(Debug, Serialize)]
pub(crate) struct ErrorJson {
    status: c_int,
    http_status: u16,
    url: String,
    message: String,
}

impl From<rnuget::Error> for ErrorJson {
    fn from(err: rnuget::Error) -> Self {
        let err = FfiError::from(err);
        ErrorJson {
            status: err.status as c_int,
            http_status: err.http_status,
            url: err.url,
            message: err.message,
        }
    }
}

impl From<SourceResult<SearchResults>> for SourceAnswer {
    fn from(answer: SourceResult<SearchResults>) -> Self {
        match answer.result {
            Ok(found) => SourceAnswer {
                source: answer.source,
                total_hits: found.total_hits,
                results: found.results,
                error: None,
            },
            Err(err) => SourceAnswer {
                source: answer.source,
                total_hits: 0,
                results: Vec::new(),
                error: Some(ErrorJson::from(err)),
            },
        }
    }
}

/// What one source answered to an autocomplete: ids or versions as strings, or why it has none.
#[derive(Debug, Serialize)]
pub(crate) struct AutocompleteAnswer {
    source: String,
    results: Vec<String>,
    error: Option<ErrorJson>,
}

impl AutocompleteAnswer {
    /// One source's answer, each item written by `text`.
    pub(crate) fn new<T>(answer: SourceResult<Vec<T>>, text: impl Fn(T) -> String) -> Self {
        let (results, error) = match answer.result {
            Ok(found) => (found.into_iter().map(text).collect(), None),
            Err(err) => (Vec::new(), Some(ErrorJson::from(err))),
        };
        AutocompleteAnswer {
            source: answer.source,
            results,
            error,
        }
    }
}

/// The failure to report when every source failed (the first one's), else `None`: per-source
/// answers fail the call only when none of them succeeded.
pub(crate) fn all_failed<T>(answers: &[SourceResult<T>]) -> Option<FfiError> {
    let first = answers.iter().find_map(|a| a.result.as_ref().err())?;
    answers
        .iter()
        .all(|a| a.result.is_err())
        .then(|| FfiError::from(first.clone()))
}

/// A package's metadata with the name of the source that answered, `source` first and then
/// the metadata's own fields.
#[derive(Debug, Serialize)]
pub(crate) struct SourcedMetadata<'a> {
    source: &'a str,
    #[serde(flatten)]
    metadata: &'a PackageMetadata,
}

impl<'a> SourcedMetadata<'a> {
    pub(crate) fn new(source: &'a str, metadata: &'a PackageMetadata) -> Self {
        SourcedMetadata { source, metadata }
    }
}
