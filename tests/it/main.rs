//! The one integration-test binary: conformance against NuGet.Client's own answers in
//! `../shared/oracle`, real captures from `../shared/corpus` served on loopback, and the client.

mod support;

mod cache;
mod client;
mod frameworks_oracle;
mod observability;
mod packages_archive;
mod packages_oracle;
mod resilience;
mod v3_corpus;
mod v3_registrations_oracle;
mod versioning_oracle;
