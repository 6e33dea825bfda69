//! rnuget: a blocking NuGet client library.
//!
//! It reads NuGet V3 feeds (service index, registration, flat container, search, autocomplete),
//! parses versions, ranges and frameworks exactly as NuGet.Client does, reads `.nupkg` files, and
//! offers all of it to C through the `rnuget-ffi` crate.
//!
//! ```text
//! Client -> RepositoryManager -> SourceRepository -> Provider (protocol::v3) -> http -> network
//! ```
//!
//! Beside that flow: [`version`], [`framework`], [`package`] and [`error`].

#![forbid(unsafe_code)]

pub mod cache;
mod calendar;
pub mod client;
pub mod demo;
pub mod error;
pub mod framework;
pub mod http;
pub mod observability;
pub mod package;
pub mod protocol;
pub mod repository;
pub mod resilience;
mod temp_file;
pub mod version;

pub use error::{Error, ErrorKind, Result};

/// The README's Rust examples, compiled and run as doc tests so that they cannot go stale.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
