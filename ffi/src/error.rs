//! The error an export fails with: a status and the context a C caller needs to report it.

use std::any::Any;
use std::str::Utf8Error;

use crate::status::rnuget_status::{self, *};

/// A failed call, before it becomes the thread's last error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FfiError {
    /// The code returned to C.
    pub status: rnuget_status,
    /// What went wrong, with the URL, HTTP status and source written out.
    pub message: String,
    /// The HTTP status the feed answered with, 0 when there was no answer.
    pub http_status: u16,
    /// The URL the fault happened at (credentials removed), empty when none.
    pub url: String,
    /// The package source the fault happened at, empty when none.
    pub source: String,
    /// How many attempts were made (more than 1 when retries were exhausted), 0 when none.
    pub attempts: u32,
}

impl FfiError {
    /// An error with a status and a message, without feed context.
    pub fn new(status: rnuget_status, message: impl Into<String>) -> Self {
        FfiError {
            status,
            message: message.into(),
            http_status: 0,
            url: String::new(),
            source: String::new(),
            attempts: 0,
        }
    }

    /// A NULL pointer passed where one is required.
    pub fn null(name: &str) -> Self {
        Self::new(
            RNUGET_ERR_NULL_ARGUMENT,
            format!("null argument: `{name}` is NULL"),
        )
    }

    /// A string argument that is not UTF-8.
    pub fn utf8(name: &str, err: Utf8Error) -> Self {
        Self::new(
            RNUGET_ERR_INVALID_UTF8,
            format!("invalid UTF-8: `{name}` is not UTF-8 ({err})"),
        )
    }

    /// An argument with a value the function does not accept.
    pub fn invalid(name: &str, why: impl std::fmt::Display) -> Self {
        Self::new(
            RNUGET_ERR_INVALID_ARGUMENT,
            format!("invalid argument: `{name}` {why}"),
        )
    }

    /// A panic caught at the boundary.
    pub fn panic(payload: &(dyn Any + Send)) -> Self {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".to_string());
        Self::new(
            RNUGET_ERR_PANIC,
            format!("internal error: rnuget panicked: {what}"),
        )
    }

    /// Puts the name of the C function in front of the message.
    pub fn in_function(mut self, function: &str) -> Self {
        self.message = format!("{function}: {}", self.message);
        self
    }
}

impl From<rnuget::Error> for FfiError {
    fn from(err: rnuget::Error) -> Self {
        FfiError {
            status: rnuget_status::from_kind(err.kind()),
            message: err.to_string(),
            http_status: err.status().unwrap_or(0),
            url: err.url().unwrap_or("").to_string(),
            source: err.source_name().unwrap_or("").to_string(),
            attempts: err.attempts(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rnuget::{Error, ErrorKind};

    #[test]
    fn library_errors_keep_their_context() {
        let err = Error::new(ErrorKind::NotFound, "no package x")
            .with_url("http://u:p@127.0.0.1:1/v3/x/index.json")
            .with_status(404)
            .with_source("local");
        let ffi = FfiError::from(err);
        assert_eq!(ffi.status, RNUGET_ERR_NOT_FOUND);
        assert_eq!(ffi.http_status, 404);
        assert_eq!(ffi.url, "http://127.0.0.1:1/v3/x/index.json");
        assert_eq!(ffi.source, "local");
        assert_eq!(
            ffi.message,
            "not found: no package x (HTTP 404) [url: http://127.0.0.1:1/v3/x/index.json] \
             [source: local]"
        );
    }

    #[test]
    fn panic_payloads_become_messages() {
        let text: Box<dyn Any + Send> = Box::new("boom");
        let owned: Box<dyn Any + Send> = Box::new(String::from("bang"));
        let other: Box<dyn Any + Send> = Box::new(7u8);
        assert!(FfiError::panic(&*text).message.ends_with("panicked: boom"));
        assert!(FfiError::panic(&*owned).message.ends_with("panicked: bang"));
        assert!(
            FfiError::panic(&*other)
                .message
                .ends_with("without a message")
        );
    }
}
