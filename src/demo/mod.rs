//! The embedded demo feed: a loopback V3 feed of packages rnuget builds itself, so that the main
//! job runs offline. The [`server`] is also what the tests and benchmarks use.

pub mod server;
