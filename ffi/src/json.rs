//! Results as JSON documents: serde_json of the `rnuget::protocol` model types, plus the
//! per-source wrapper search results come in.

use std::ffi::{c_char, c_int};

use rnuget::client::SourceResult;
use rnuget::protocol::{SearchResult, SearchResults};
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

impl From<SourceResult<SearchResults>> for SourceAnswer {
    fn from(answer: SourceResult<SearchResults>) -> Self {
        match answer.result {
            Ok(found) => SourceAnswer {
                source: answer.source,
                total_hits: found.total_hits,
                results: found.results,
                error: None,
            },
            Err(err) => {
                let err = FfiError::from(err);
                SourceAnswer {
                    source: answer.source,
                    total_hits: 0,
                    results: Vec::new(),
                    error: Some(ErrorJson {
                        status: err.status as c_int,
                        http_status: err.http_status,
                        url: err.url,
                        message: err.message,
                    }),
                }
            }
        }
    }
}
