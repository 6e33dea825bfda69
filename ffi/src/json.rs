//! Results as JSON documents: serde_json of the `rnuget::protocol` model types.

use std::ffi::c_char;

use serde::Serialize;

use crate::error::FfiError;
use crate::status::rnuget_status::RNUGET_ERR_INTERNAL;
use crate::strings::into_owned_c_string;

/// Serializes `value` into a new C string, freed by `rnuget_string_free`.
#[allow(dead_code)] // TODO(client): called by the client functions once the client lands.
pub(crate) fn to_owned_json<T: Serialize + ?Sized>(value: &T) -> Result<*mut c_char, FfiError> {
    let text = serde_json::to_string(value).map_err(|err| {
        FfiError::new(
            RNUGET_ERR_INTERNAL,
            format!("internal error: cannot write JSON: {err}"),
        )
    })?;
    Ok(into_owned_c_string(text))
}
